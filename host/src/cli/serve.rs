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

Users, roles, the [oidc.claims] mapping and the trust store (with its revocations) reload
without a restart: when the configuration file or a key file it names changes (checked every
second), on SIGHUP, or with `interop serve --reload --config FILE`, which asks the gateway
using that configuration's [audit] dir and prints its answer. A file that does not check is
refused with its file:line reason and the old configuration keeps serving; a revoked key stops
the connectors it signed in the same reload. Every reload is audited. Other sections are read
at start only (the reload says which of them changed).

Examples:
  interop serve --example-config > /etc/interop/gateway.toml   # then edit it
  interop serve --config /etc/interop/gateway.toml
  interop serve --config /etc/interop/gateway.toml --reload      # after editing users or [trust]
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
    /// Do not serve: ask the gateway running with this configuration to reload its users,
    /// roles, claims mapping and trust store now, and print what it answered (exit 1 if it
    /// refused the file, 2 if no gateway answered).
    #[arg(long, requires = "config")]
    reload: bool,
    /// How long --reload waits for the gateway's answer.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 10,
        requires = "reload"
    )]
    timeout: u64,
    /// Worker threads that answer requests (default: as many as the cores this process may
    /// use, a container's CPU quota counted). Give replicas that share one machine their share
    /// of it, e.g. `--threads 1` each for three replicas on two cores: more runtime threads
    /// than cores buy no throughput and spend CPU switching between them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
}

impl Args {
    /// The worker threads asked for with `--threads`, if any.
    pub fn threads(&self) -> Option<usize> {
        self.threads.map(usize::from)
    }
}

/// `interop serve --reload`: the running gateway's answer, or why there is none.
fn reload(file: &std::path::Path, timeout: u64) -> anyhow::Result<std::process::ExitCode> {
    let config = GatewayConfig::from_file(file).map_err(|e| {
        anyhow::anyhow!(
            "{e}\nnot sent: the gateway would refuse this file and keep its configuration"
        )
    })?;
    let actor = super::plugin::actor(None);
    match interop_gateway::live::request_reload(
        &config.audit_dir,
        &actor,
        std::time::Duration::from_secs(timeout),
    ) {
        Ok(report) if report.accepted => {
            println!("{}", report.summary());
            Ok(std::process::ExitCode::SUCCESS)
        }
        Ok(report) => {
            eprintln!("{}", report.summary());
            Ok(std::process::ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            Ok(std::process::ExitCode::from(2))
        }
    }
}

pub async fn run(args: Args) -> anyhow::Result<std::process::ExitCode> {
    let Some(file) = args.config else {
        print!("{}", interop_gateway::config::EXAMPLE);
        return Ok(std::process::ExitCode::SUCCESS);
    };
    if args.reload {
        let timeout = args.timeout;
        return tokio::task::spawn_blocking(move || reload(&file, timeout)).await?;
    }
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
    // SIGHUP reloads the access configuration; watched before the address is printed, so a
    // SIGHUP sent once it is never meets the default action (exit).
    let hup = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::hangup())
            .map_err(|e| tracing::warn!("cannot watch SIGHUP: {e}"))
            .ok()
    };
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
    let on_hup = gateway.clone();
    let hup = tokio::spawn(async move {
        if let Some(mut hup) = hup {
            while hup.recv().await.is_some() {
                on_hup.reload_config("SIGHUP").await;
            }
        }
    });
    let served = gateway.serve(listener, shutdown_signal()).await;
    hup.abort();
    served.map(|()| std::process::ExitCode::SUCCESS)
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
