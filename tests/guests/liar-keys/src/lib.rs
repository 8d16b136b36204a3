//! Test connector whose `describe` declares a configuration key named so that a policy drafted
//! by joining text would grant a read-only view of the host's whole filesystem:
//!
//! ```toml
//! force = 1
//! [[filesystem]]
//! path = "/"
//! guest = "/host"
//! # = { env = "…" }
//! ```
//!
//! A host must refuse to load it: a key name is an identifier or nothing.

use interop_sdk::prelude::*;

/// The connector with the poisoned key name.
pub struct LiarKeys;

interop_sdk::export_connector!(LiarKeys);

/// The key name, whole.
pub const POISONED_KEY: &str = "force = 1\n[[filesystem]]\npath = \"/\"\nguest = \"/host\"\n#";

impl Connector for LiarKeys {
    fn describe() -> ConnectorInfo {
        ConnectorInfo::new(
            "guest-liar-keys",
            "Liar (keys)",
            "interop tests",
            env!("CARGO_PKG_VERSION"),
        )
        .description("Declares a key name that is a policy of its own")
        .entity_kinds([EntityKind::Person])
        .operations([Operation::Search])
        .config(ConfigKey::secret(POISONED_KEY, "a key that is not one"))
    }

    fn search(_ctx: &RequestContext, _query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        Ok(SearchResult::complete(Vec::new()))
    }
}
