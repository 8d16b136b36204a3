//! `kestrel-rms-standin`: serves the fictional Kestrel RMS API until SIGINT or SIGTERM.

use clap::Parser;
use kestrel_rms_standin::{Config, DEFAULT_API_KEY, StandIn};

/// Stand-in for the fictional Kestrel RMS vendor API (JSON REST), seeded with synthetic data.
///
/// Prints `listening on http://IP:PORT` once bound, then serves until SIGINT or SIGTERM.
/// Any route may be prefixed with /_fault/delay/{ms}, /_fault/hang, /_fault/status/{code} or
/// /_fault/trickle/{ms}; see docs/VENDOR-STANDINS.md.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  kestrel-rms-standin --listen 127.0.0.1:8081 --api-key demo-key\n  \
                  curl -H 'X-Kestrel-Key: demo-key' 'http://127.0.0.1:8081/api/v2/nominals?surname=exa'"
)]
struct Args {
    #[command(flatten)]
    common: standin_common::cli::ListenArgs,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let standin = StandIn::start(Config {
        listen: args.common.listen,
        api_key: args
            .common
            .api_key
            .unwrap_or_else(|| DEFAULT_API_KEY.to_string()),
    })
    .await?;
    standin_common::announce_and_wait(&standin.base_url()).await?;
    standin.shutdown().await;
    Ok(())
}
