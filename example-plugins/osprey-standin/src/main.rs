//! `osprey-standin`: serves the fictional Osprey Custody and Osprey Intel APIs until SIGINT or
//! SIGTERM.

use clap::Parser;
use osprey_standin::{Config, DEFAULT_API_KEY, StandIn};

/// Stand-in for the fictional Osprey Systems vendor APIs (Osprey Custody under /custody/v1,
/// Osprey Intel under /intel/api), JSON, seeded with synthetic data.
///
/// Prints `listening on http://IP:PORT` once bound, then serves until SIGINT or SIGTERM.
/// Any route may be prefixed with /_fault/delay/{ms}, /_fault/hang, /_fault/status/{code},
/// /_fault/trickle/{ms} or /_fault/redirect/{url}; see docs/VENDOR-STANDINS.md.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  osprey-standin --listen 127.0.0.1:8083 --api-key demo-osprey-key\n  \
                  curl -H 'X-Osprey-Key: demo-osprey-key' 'http://127.0.0.1:8083/custody/v1/detainees?last_name=examplewood'\n  \
                  curl -H 'Authorization: Bearer demo-osprey-key' 'http://127.0.0.1:8083/intel/api/reports?q=ford'"
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
