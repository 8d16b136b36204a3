//! What every stand-in binary takes on its command line; each binary adds its own help.

use std::net::SocketAddr;

/// Where to listen and what key to demand.
#[derive(clap::Args, Debug)]
pub struct ListenArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// The API key (or bearer token) clients must send; without it, the stand-in's demo key
    /// (see the example below).
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
}
