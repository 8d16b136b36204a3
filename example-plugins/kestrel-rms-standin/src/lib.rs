//! Stand-in for the fictional **Kestrel RMS** vendor API (JSON REST), seeded with synthetic data.
//!
//! The API contract is `docs/VENDOR-STANDINS.md`. Tests start one in-process on a loopback port:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let kestrel = kestrel_rms_standin::StandIn::start(Default::default()).await?;
//! let base = kestrel.base_url(); // e.g. http://127.0.0.1:40123
//! // ... point a connector at `base` (or at `kestrel.url("/_fault/delay/200")`) ...
//! assert_eq!(kestrel.counters().incidents_created, 0);
//! kestrel.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod api;
pub mod model;
pub mod seed;
use standin_common as server;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;

pub use model::{Address, Incident, IncidentNominal, Nominal, Vehicle, VehicleNominal};
pub use server::RequestRecord;

/// The API key the binary uses when `--api-key` is not given.
pub const DEFAULT_API_KEY: &str = "demo-key";

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "X-Kestrel-Key";

/// How to run a stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on; port `0` picks a free one. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// The API key clients must send in `X-Kestrel-Key`. Default [`DEFAULT_API_KEY`].
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
    /// Incidents created by `POST /api/v2/incidents` (replays not counted).
    pub incidents_created: u64,
    /// `POST /api/v2/incidents` answered from the idempotency store (`200`, nothing created).
    pub idempotent_replays: u64,
    /// Incidents held now (seeded plus created).
    pub incidents: u64,
    /// Nominals held now.
    pub nominals: u64,
    /// Vehicles of interest created by `POST /api/v2/vehicles` (replays not counted).
    pub vehicles_created: u64,
    /// `POST /api/v2/vehicles` answered from its idempotency store (`200`, nothing created).
    /// Incident replays are counted in `idempotent_replays`, not here.
    pub vehicle_replays: u64,
    /// Vehicles of interest held now (seeded plus created).
    pub vehicles: u64,
}

/// A running Kestrel stand-in. Dropping it stops the server and closes its connections.
pub struct StandIn {
    /// The address it listens on.
    pub addr: SocketAddr,
    server: server::Server<api::Kestrel>,
}

impl StandIn {
    /// Binds `config.listen` and serves on the current tokio runtime until stopped.
    pub async fn start(config: Config) -> std::io::Result<StandIn> {
        let server =
            server::Server::start(config.listen, api::Kestrel::new(config.api_key)).await?;
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
            incidents_created: c.incidents_created.load(Ordering::Relaxed),
            idempotent_replays: c.idempotent_replays.load(Ordering::Relaxed),
            incidents: store.incidents.len() as u64,
            nominals: store.nominals.len() as u64,
            vehicles_created: c.vehicles_created.load(Ordering::Relaxed),
            vehicle_replays: c.vehicle_replays.load(Ordering::Relaxed),
            vehicles: store.vehicles.len() as u64,
        }
    }

    /// Every request received so far (the last 10,000), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.server.requests()
    }

    /// The most requests it was answering at one moment.
    pub fn most_at_once(&self) -> u64 {
        self.server.most_at_once()
    }

    /// The incidents held now (seeded, then created ones in order of creation).
    pub fn incidents(&self) -> Vec<Incident> {
        self.server.api().store().incidents.clone()
    }

    /// The vehicles of interest held now (seeded, then created ones in order of creation).
    pub fn vehicles(&self) -> Vec<Vehicle> {
        self.server.api().store().vehicles.clone()
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
