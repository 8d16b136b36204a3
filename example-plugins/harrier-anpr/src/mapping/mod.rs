//! Harrier's XML ↔ the contract's POLE records. Pure functions: no host calls, so they are
//! unit-tested natively.

use interop_sdk::prelude::*;
use roxmltree::{Document, Node};

/// The system name in every record's `source`.
pub const SYSTEM: &str = "Harrier ANPR";

/// Separates a parent record's id from the id of an entity Harrier keeps inside it:
/// `KPR-0001/address` (a keeper's address) and `RD-000001/location` (where a read was taken).
pub const SUB_ID_SEPARATOR: char = '/';

/// Sub-id of a keeper's address.
pub const ADDRESS_SUB_ID: &str = "address";

/// Sub-id of a read's camera location.
pub const READ_LOCATION_SUB_ID: &str = "location";

/// Harrier's most results per page.
pub const MAX_PAGE: u32 = 100;

/// Handling conditions for a `C` grading when Harrier gives none: the conditions are held in
/// Harrier, and the record says so rather than inventing them.
pub const CONDITIONS_HELD_IN_HARRIER: &str = "conditions held in Harrier ANPR";

fn internal(message: String) -> ConnectorError {
    ConnectorError::Internal(message)
}

mod hotlist;
mod search;
mod to_pole;
mod xml;

pub use hotlist::*;
pub use search::*;
pub use to_pole::*;
pub use xml::*;

#[cfg(test)]
mod tests;
