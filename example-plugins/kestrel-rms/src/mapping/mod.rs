//! Kestrel's JSON ↔ the contract's POLE records. Pure functions: no host calls, so they are
//! unit-tested natively.

use interop_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// The system name in every record's `source`.
pub const SYSTEM: &str = "Kestrel RMS";

/// Separates a parent record's id from the id of an entity Kestrel keeps inside it, e.g.
/// `NOM-000101/ADR-0201` for an address on a nominal or `INC-000301/location` for where an
/// incident happened. Kestrel ids never contain `/`.
pub const SUB_ID_SEPARATOR: char = '/';

/// The sub-id of an incident's location.
pub const INCIDENT_LOCATION_SUB_ID: &str = "location";

mod from_pole;
mod json;
mod search;
mod to_pole;

pub use from_pole::*;
pub use json::*;
pub use search::*;
pub use to_pole::*;

#[cfg(test)]
mod tests;
