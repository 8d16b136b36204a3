//! `kestrel-rms-standin`: serves the fictional Kestrel RMS API until SIGINT or SIGTERM.

use std::net::SocketAddr;

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
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// API key clients must send in the X-Kestrel-Key header.
    #[arg(long, value_name = "KEY", default_value = DEFAULT_API_KEY)]
    api_key: String,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let standin = StandIn::start(Config {
        listen: args.listen,
        api_key: args.api_key,
    })
    .await?;
    standin_common::announce_and_wait(&standin.base_url()).await?;
    standin.shutdown().await;
    Ok(())
}
