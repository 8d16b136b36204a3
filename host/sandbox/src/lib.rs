//! # interop-sandbox
//!
//! The embeddable sandbox that runs `interop:connector` components: connectors that vendors of
//! police systems write once, and forces run as untrusted code. No HTTP server, no CLI, no
//! gateway: link this crate to run connectors in your own product.
//!
//! - A [`Host`] owns the wasmtime engine; create one per process.
//! - [`Host::load_file`] compiles a component once, checks it implements the contract, and asks
//!   it to describe itself, giving a [`Connector`].
//! - Each call ([`Connector::search`], [`Connector::fetch`], …) runs in a **fresh instance**
//!   under the [`Limits`] of its [`Grant`]: a memory cap, a CPU budget charged only while guest
//!   code runs, and a wall-clock timeout over the whole call. A trap or a blown budget fails that
//!   call alone, with a [`CallError`] naming the plugin, its version and what happened.
//! - The connector reaches nothing but what the grant gives: its configuration values, outbound
//!   HTTP to the origins in [`AllowList`] (made by the host itself, to checked public addresses
//!   unless the grant names a private one), read-only directories, clocks, randomness and a log.
//! - A force writes the grant as a [`policy::Policy`] file; [`Host::load_with_policy`] enforces
//!   the effective grant, what the connector declares intersected with what the policy grants.
//! - A vendor signs a component ([`signing::sign`]); the gateway loads only components that
//!   [`signing::verify`] accepts against the force's [`signing::TrustStore`], before compiling.
//!
//! # Example
//!
//! Load a connector with its limits and search it:
//!
//! ```no_run
//! use std::time::Duration;
//! use interop_sandbox::{AllowList, Grant, Host, HostPattern, Limits};
//! use interop_sandbox::capabilities::http::PrivateExceptions;
//! use interop_sandbox::types::{Classification, EntityKind, RequestContext, SearchQuery};
//!
//! # async fn run() -> anyhow::Result<()> {
//! let host = Host::new()?;
//! let grant = Grant {
//!     limits: Limits { memory_bytes: 64 << 20, cpu: Duration::from_millis(500), ..Limits::default() },
//!     config: [
//!         ("base_url".to_string(), "http://127.0.0.1:4100".to_string()),
//!         ("api_key".to_string(), "demo-key".to_string()),
//!     ].into(),
//!     allow: AllowList::new(vec![HostPattern::parse("http://127.0.0.1:4100").map_err(anyhow::Error::msg)?]),
//!     // Loopback is private: a grant must name it to allow it.
//!     private: PrivateExceptions::parse("127.0.0.1").map_err(anyhow::Error::msg)?,
//!     filesystem: vec![],
//!     // A record failing the boundary checks reaches the caller with quality warnings.
//!     malformed: Default::default(),
//! };
//! let rms = host.load_file("kestrel_rms_connector.wasm", grant).await?;
//! println!("loaded {} {}", rms.info().name, rms.info().version);
//!
//! let ctx = RequestContext {
//!     user_id: "pc-1234".into(),
//!     role: "investigator".into(),
//!     clearance: Classification::Official,
//!     justification: "Enquiry into burglary KR/2026/000301".into(),
//!     case_reference: Some("OP-EXAMPLE".into()),
//!     correlation_id: "c0ffee".into(),
//!     idempotency_key: None,
//! };
//! let query = SearchQuery {
//!     kind: EntityKind::Person,
//!     text: Some("Examplewood".into()),
//!     keys: vec![],
//!     limit: 10,
//!     cursor: None,
//! };
//! match rms.search(&ctx, &query).await {
//!     Ok(result) => println!("{} records", result.records.len()),
//!     Err(e) => eprintln!("search failed ({}): {e}", e.class()),
//! }
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), forbid(clippy::unwrap_used))]

pub mod artifacts;
pub mod capabilities;
pub mod contract;
mod engine;
mod error;
pub mod findings;
mod grant;
pub mod inspect;
mod instance;
mod limits;
mod plugin;
pub mod policy;
pub mod records;
mod registry;
pub mod review;
pub mod signing;
pub mod text;
pub mod types;

pub use capabilities::http::{AllowList, HostPattern};
pub use engine::Host;
pub use error::{CallError, ErrorClass, LoadError, PluginLabel, TrapKind};
pub use grant::Grant;
pub use limits::Limits;
pub use plugin::{CONTRACT_VERSION, Connector, MAX_SEARCH_LIMIT};
pub use registry::{Grants, Sections, owner as serving_capability};
