//! What one audit record says: the fields DPA 2018 s.62 asks a law-enforcement log to keep.

use serde::{Deserialize, Serialize};

/// One access (or attempted access, admin action, or read of this log), as the gateway saw it.
///
/// Ids, never content: `disclosed` names the entities a response carried, so an auditor can ask
/// "who saw this record?" without the log itself becoming a copy of police data. `criteria` and
/// `subjects` keep what was searched for, so "who searched for this person?" can be answered
/// even when nothing matched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When, RFC 3339 in UTC. The writer sets it when empty.
    #[serde(default)]
    pub time: String,
    /// The gateway instance that answered. The writer sets it when empty.
    #[serde(default)]
    pub gateway: String,
    /// What kind of event.
    pub event: AuditEvent,
    /// The authenticated user, or the name given when authentication failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The user's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Why the user needed this (s.62(2)(a) "the justification for … consultation or disclosure").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The case or incident the access was for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    /// What was done: `search`, `fetch`, `submit`, `list-connectors`, `audit-read`,
    /// `connector-added`, `connector-removed`, `policy-changed`, …
    pub operation: String,
    /// The s.62(1) processing operation this was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<S62Category>,
    /// The query criteria of a search, as the user gave them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<serde_json::Value>,
    /// The connectors the request reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<ConnectorRef>,
    /// Ids of the entities disclosed, e.g. `kestrel-rms:person:NOM-000101`. Never content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosed: Vec<String>,
    /// Normalised keys of the subjects searched for or disclosed, e.g.
    /// `person:examplewood:1988-03-14` or `vrm:ZX51ABC`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// The highest security classification among the records returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highest_classification: Option<String>,
    /// Records withheld because the user's clearance is below their classification.
    #[serde(default)]
    pub withheld: u32,
    /// Who the data was disclosed to, for a disclosure (s.62(2)(c)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// For a failure, its class (e.g. `timeout`, `upstream`, `policy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_class: Option<String>,
    /// The HTTP status the gateway answered with.
    #[serde(default)]
    pub status: u16,
    /// Ties this record to the request and to the connectors' own logs.
    #[serde(default)]
    pub correlation_id: String,
    /// What the policy decided and why, e.g. `allowed: role investigator may search kestrel-rms`.
    #[serde(default)]
    pub policy_decision: String,
    /// Anything else worth keeping, for admin events especially.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditRecord {
    /// A record of `event` for `operation`, outcome `ok`, every other field empty.
    pub fn new(event: AuditEvent, operation: impl Into<String>) -> Self {
        AuditRecord {
            event,
            operation: operation.into(),
            ..AuditRecord::default()
        }
    }
}

/// The kind of event a record is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    /// A user reached (or tried to reach) data through a connector.
    #[default]
    Access,
    /// A request whose credentials were missing or wrong.
    AuthFailure,
    /// A change to what the gateway runs: a connector added or removed, a policy changed.
    Admin,
    /// Someone read this audit log through the gateway.
    AuditRead,
}

/// The processing operations s.62(1) DPA 2018 requires logs of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum S62Category {
    /// Collection.
    Collection,
    /// Alteration.
    Alteration,
    /// Consultation: a search or a fetch the user read.
    Consultation,
    /// Disclosure, including transfers.
    Disclosure,
    /// Combination of data from several systems (a federated search).
    Combination,
    /// Erasure.
    Erasure,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered in full.
    #[default]
    Ok,
    /// Answered, but some connectors failed or some records were withheld.
    Partial,
    /// Refused by authentication or policy.
    Refused,
    /// Failed.
    Failed,
}

/// A connector a request reached, pinned to the exact component that ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorRef {
    /// The connector's `describe` id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// SHA-256 of the component file, hex.
    pub component_sha256: String,
    /// Id of the trusted key whose signature the gateway verified before loading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Loaded without a signature, under the development switch `allow_unsigned`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unsigned: bool,
}

/// Where an appended record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Its sequence number, from 1, counting checkpoint lines too.
    pub seq: u64,
    /// Its hash, hex SHA-256: the next line's `prev`.
    pub hash: String,
}
