//! `interop serve`: run the gateway.

use std::path::PathBuf;

use anyhow::Context as _;
use interop_gateway::Gateway;
use interop_gateway::config::GatewayConfig;
use interop_sandbox::Host;

const AFTER_HELP: &str = "\
Loads every connector in the configuration under its policy (refusing to start if one fails),
opens the audit log, and serves the API (see GET /openapi.json) until SIGINT or SIGTERM; then it
stops accepting, lets calls in flight finish (up to 30 s) and closes the audit log.

The configuration (TOML) names the listen address, the TLS certificate and key (or plain_http =
true on a loopback address), the trust store, the plugin store, roles, users (by the SHA-256 of
their token: `interop token new`), and the audit directory. docs/OPERATOR-GUIDE.md describes
every key with its default and an example, and the connector policy file with its secrets (in
the interop sources and in the release archive). `interop serve --example-config` prints a
complete, commented configuration to start from.

Examples:
  interop serve --example-config > /etc/interop/gateway.toml   # then edit it
  interop serve --config /etc/interop/gateway.toml
  curl -s -H \"Authorization: Bearer $TOKEN\" https://gateway.force.example:8443/v1/search \\
       -d '{\"justification\":\"burglary enquiry\",\"query\":{\"kind\":\"person\",\"text\":\"Examplewood\"}}'";

/// Arguments of `interop serve`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The gateway configuration file.
    #[arg(long, value_name = "FILE", required_unless_present = "example_config")]
    config: Option<PathBuf>,
    /// Print a complete, commented configuration (every key, with its default) and exit.
    #[arg(long, conflicts_with = "config")]
    example_config: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let Some(file) = args.config else {
        print!("{}", interop_gateway::config::EXAMPLE);
        return Ok(());
    };
    let config = GatewayConfig::from_file(&file)?;
    // No connector is given the gateway's own store, audit log, keys or configuration.
    let host = Host::new()?.protecting(config.protected_paths());
    let listen = config.listen;
    let tls = config.tls.is_some();
    let gateway = Gateway::start(config, &host).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let bound = listener.local_addr()?;
    // The line scripts and tests wait for; it names the real port when the config says 0.
    // Both lines in one write (println! would flush at the first newline), nothing on stdout
    // after it, and a failed write ignored: a caller that stops reading once it has the
    // address must not stop the gateway with a broken pipe.
    let scheme = if tls { "https" } else { "http" };
    let lines =
        format!("listening on {scheme}://{bound}\nthe officer's app: {scheme}://{bound}/app/\n");
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(lines.as_bytes()).and_then(|()| out.flush());
    }
    tracing::info!(
        "gateway serving {} connectors on {bound}",
        gateway.plugins().len()
    );
    gateway.serve(listener, shutdown_signal()).await
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot watch SIGTERM: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
