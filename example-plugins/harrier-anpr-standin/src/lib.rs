//! Stand-in for the fictional **Harrier ANPR** vendor API (XML), seeded with synthetic data.
//!
//! The API contract is `docs/VENDOR-STANDINS.md`. Tests start one in-process on a loopback port:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let harrier = harrier_anpr_standin::StandIn::start(Default::default()).await?;
//! let base = harrier.base_url(); // e.g. http://127.0.0.1:40123
//! // ... point a connector at `base` (or at `harrier.url("/_fault/delay/200")`) ...
//! assert_eq!(harrier.counters().hotlist_created, 0);
//! harrier.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod api;
pub mod model;
pub mod seed;
use standin_common as server;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;

pub use model::{Grading, HotlistEntry, Keeper, Read, Vehicle};
pub use server::RequestRecord;

/// The bearer token the binary uses when `--api-key` is not given.
pub const DEFAULT_API_KEY: &str = "demo-token";

/// How to run a stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on; port `0` picks a free one. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// The token clients must send as `Authorization: Bearer <token>`. Default
    /// [`DEFAULT_API_KEY`].
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
    /// Hotlist entries created by `POST /harrier/hotlist` (replays not counted).
    pub hotlist_created: u64,
    /// `POST /harrier/hotlist` answered from the idempotency store (`200`, nothing created).
    pub idempotent_replays: u64,
    /// Hotlist entries held now.
    pub hotlist_entries: u64,
    /// Vehicles held now.
    pub vehicles: u64,
}

/// A running Harrier stand-in. Dropping it stops the server and closes its connections.
pub struct StandIn {
    /// The address it listens on.
    pub addr: SocketAddr,
    server: server::Server<api::Harrier>,
}

impl StandIn {
    /// Binds `config.listen` and serves on the current tokio runtime until stopped.
    pub async fn start(config: Config) -> std::io::Result<StandIn> {
        let server =
            server::Server::start(config.listen, api::Harrier::new(config.api_key)).await?;
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
        let store = self.server.api().store();
        Counters {
            requests: self.server.request_count(),
            unauthorized: c.unauthorized.load(Ordering::Relaxed),
            hotlist_created: c.hotlist_created.load(Ordering::Relaxed),
            idempotent_replays: c.idempotent_replays.load(Ordering::Relaxed),
            hotlist_entries: store.hotlist.len() as u64,
            vehicles: store.vehicles.len() as u64,
        }
    }

    /// Every request received so far (the last 10,000), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.server.requests()
    }

    /// The hotlist entries created so far, in order of creation.
    pub fn hotlist(&self) -> Vec<HotlistEntry> {
        self.server.api().store().hotlist.clone()
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
