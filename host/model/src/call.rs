//! The calls' shapes: who asks and why, queries, submissions, receipts, `describe` answers and
//! errors.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::pole::{Classification, Entity, EntityKind, Handling, Link, PoleRecord};

/// Who is asking and why; sent on every data call. The connector passes it on to the vendor's
/// own audit; the host keeps the authoritative audit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestContext {
    /// The user's id.
    pub user_id: String,
    /// The role the call is made under.
    pub role: String,
    /// Highest classification the user may see.
    pub clearance: Classification,
    /// Why this access is needed (DPA 2018 s.62). Never empty.
    pub justification: String,
    /// The case or incident it is for.
    pub case_reference: Option<String>,
    /// Ties the host's audit record, logs and the vendor's logs together.
    pub correlation_id: String,
    /// Set on writes: a retry with the same key must not create a second record.
    pub idempotency_key: Option<String>,
}

/// A name with an optional given name and date of birth.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NameAndBirth {
    /// Surname.
    pub surname: String,
    /// Given name.
    pub given_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
}

/// Structured search keys; every key given must match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum SearchKey {
    Name(NameAndBirth),
    Vrm(String),
    Vin(String),
    Reference(String),
    Postcode(String),
    Telephone(String),
    Email(String),
}

/// A search.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchQuery {
    /// The kind of entity to find.
    pub kind: EntityKind,
    /// Free text, matched as the vendor system sees fit.
    pub text: Option<String>,
    /// Structured keys.
    pub keys: Vec<SearchKey>,
    /// At most this many records come back.
    pub limit: u32,
    /// From a previous result's `next_cursor`.
    pub cursor: Option<String>,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// The records.
    pub records: Vec<PoleRecord>,
    /// Present when more records match; pass it back to get the next page.
    pub next_cursor: Option<String>,
    /// How many records match in all, when the vendor says.
    pub total: Option<u32>,
}

/// One entity to create (no `local_id`) or update (with one), with its links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The vendor's id of the entity to update; none to create one.
    pub local_id: Option<String>,
    /// Its handling label.
    pub handling: Handling,
    /// The entity.
    pub entity: Entity,
    /// Its links.
    pub links: Vec<Link>,
    /// Why the officer is entering it, for the vendor to record with it.
    pub reason: Option<String>,
}

/// What a vendor says it did with a submission.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Receipt {
    /// The vendor's id for the entity.
    pub local_id: String,
    /// False when an update, or a replay of an earlier submit with the same idempotency key.
    pub created: bool,
    /// The vendor's own reference to quote, if it has one.
    pub reference: Option<String>,
}

/// A data operation a connector may support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Operation {
    Check,
    Search,
    Fetch,
    Submit,
}

/// What kind of configuration value a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConfigKind {
    /// A plain setting.
    Text,
    /// A credential: the host hands it over but never logs it.
    Secret,
    /// A URL the connector will call; a force grants outbound access by this value.
    Endpoint,
}

/// One configuration key a connector declares.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfigKey {
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Text, secret or endpoint.
    pub kind: ConfigKind,
    /// Whether the connector needs it.
    pub required: bool,
    /// An example value for documentation and `policy init`.
    pub example: Option<String>,
}

/// What a connector says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConnectorInfo {
    /// Stable id, lowercase letters, digits and `-`, e.g. `acme-rms`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Who makes it.
    pub vendor: String,
    /// The connector's own semver version.
    pub version: String,
    /// The `interop:connector` version it was built against.
    pub contract_version: String,
    /// What it does.
    pub description: String,
    /// The entity kinds it handles.
    pub entity_kinds: Vec<EntityKind>,
    /// The operations it supports.
    pub operations: Vec<Operation>,
    /// The configuration it reads.
    pub config: Vec<ConfigKey>,
    /// Highest classification of data it may return.
    pub max_classification: Classification,
}

/// The answer to `check`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CheckReport {
    /// Human-readable summary, e.g. `Acme RMS 4.2 reachable, 120 people`.
    pub message: String,
    /// Vendor system version, if it says.
    pub system_version: Option<String>,
}

/// Every failure a connector reports. A trap is not an error: it kills the call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConnectorError {
    /// The request was wrong; retrying it unchanged will fail again.
    InvalidInput(String),
    /// Not found.
    NotFound(String),
    /// The vendor refused the credentials or the user.
    Unauthorized(String),
    /// Transient: the vendor system is down, slow or overloaded. Retry later.
    Unavailable(String),
    /// A bug or unexpected answer inside the connector or vendor system.
    Internal(String),
}

/// Names as the API and the CLI write them (the serde form): `Person`, `Search`…
macro_rules! display_as_serde {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match serde_json::to_value(self) {
                    Ok(serde_json::Value::String(s)) => f.write_str(&s),
                    _ => write!(f, "{self:?}"),
                }
            }
        }
    )*};
}

display_as_serde!(EntityKind, Operation, ConfigKind, Classification);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_display_as_the_api_names_them() {
        assert_eq!(EntityKind::Person.to_string(), "Person");
        assert_eq!(Operation::Submit.to_string(), "Submit");
        assert_eq!(ConfigKind::Endpoint.to_string(), "Endpoint");
        assert_eq!(Classification::TopSecret.to_string(), "TopSecret");
    }

    #[test]
    fn classifications_are_ordered_by_rank() {
        assert!(Classification::Official < Classification::Secret);
        assert!(Classification::Secret < Classification::TopSecret);
        assert_eq!(Classification::TopSecret.rank(), 2);
    }
}
