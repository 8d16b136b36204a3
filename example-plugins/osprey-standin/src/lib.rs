//! Stand-in for the fictional **Osprey Systems** vendor: two products on one listener, each with
//! its own JSON API, seeded with synthetic data.
//!
//! - **Osprey Custody** (`/custody/v1/…`, header `X-Osprey-Key`): detainees and custody records.
//! - **Osprey Intel** (`/intel/api/…`, header `Authorization: Bearer`): graded intelligence
//!   reports, which can be submitted.
//!
//! The API contract is `docs/VENDOR-STANDINS.md`. Tests start one in-process on a loopback port:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let osprey = osprey_standin::StandIn::start(Default::default()).await?;
//! let base = osprey.base_url(); // e.g. http://127.0.0.1:40123
//! assert_eq!(osprey.counters().reports_created, 0);
//! osprey.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod api;
pub mod model;
pub mod seed;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;

use standin_common as server;

pub use model::{CustodyRecord, Detainee, Report};
pub use server::RequestRecord;

/// The API key the binary uses when `--api-key` is not given.
pub const DEFAULT_API_KEY: &str = "demo-osprey-key";

/// How to run a stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on; port `0` picks a free one. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// The key clients must send. Default [`DEFAULT_API_KEY`].
    pub api_key: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_key: DEFAULT_API_KEY.to_owned(),
        }
    }
}

/// A snapshot of one stand-in's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests received, every one counted (faulted, unauthorised and failed ones too).
    pub requests: u64,
    /// Requests refused with `401`.
    pub unauthorized: u64,
    /// Intelligence reports created by `POST /intel/api/reports` (replays not counted).
    pub reports_created: u64,
    /// `POST /intel/api/reports` answered from the idempotency store (`200`, nothing created).
    pub report_replays: u64,
    /// Reports held now (seeded plus created).
    pub reports: u64,
}

/// A running Osprey stand-in. Dropping it stops the server and closes its connections.
pub struct StandIn {
    /// The address it listens on.
    pub addr: SocketAddr,
    server: server::Server<api::Osprey>,
}

impl StandIn {
    /// Binds `config.listen` and serves on the current tokio runtime until stopped.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(config: Config) -> std::io::Result<StandIn> {
        let server = server::Server::start(config.listen, api::Osprey::new(config.api_key)).await?;
        Ok(StandIn {
            addr: server.addr,
            server,
        })
    }

    /// `http://IP:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The base URL followed by `path`, e.g. `url("/_fault/delay/200")` for a slow vendor.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// The current counters.
    pub fn counters(&self) -> Counters {
        let c = &self.server.api().counters;
        Counters {
            requests: self.server.request_count(),
            unauthorized: c.unauthorized.load(Ordering::Relaxed),
            reports_created: c.reports_created.load(Ordering::Relaxed),
            report_replays: c.report_replays.load(Ordering::Relaxed),
            reports: self.server.api().store().reports.len() as u64,
        }
    }

    /// Every request received so far (the last 10,000), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.server.requests()
    }

    /// The intelligence reports held now (seeded, then created ones in order of creation).
    pub fn reports(&self) -> Vec<Report> {
        self.server.api().store().reports.clone()
    }

    /// Stops accepting, closes every open connection and waits for the server task to end.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandIn")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
