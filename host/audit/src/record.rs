//! What one audit record says: the fields DPA 2018 s.62 asks a law-enforcement log to keep, and
//! the bounds that keep every record small and readable whatever a request carried.
//!
//! A record holds only typed, bounded fields: no free-form JSON, so its depth is fixed by its
//! type. Free text (a justification, a decision, a detail) is capped at [`MAX_TEXT_CHARS`],
//! short labels at [`MAX_LABEL_CHARS`]; a capped field ends in a marker saying how much was
//! cut. Ids (entities disclosed or withheld, subject keys, local ids, idempotency keys) are
//! never cut: when a record holds more of them than one line should, the writer moves the rest
//! into *continuation records* that follow it in the chain, each naming the seq of the record
//! it continues ([`AuditRecord::continuation_of`]); the reader puts them back together.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Most characters kept of a free-text field (justification, case reference, decision,
/// detail, search text). A justification is a sentence or two; 1024 characters holds a
/// paragraph while keeping a record a few KiB even when every field is full.
pub const MAX_TEXT_CHARS: usize = 1024;

/// Most characters kept of a label (user, role, operation, error class, correlation ids, the
/// path of an unauthenticated request). Real values are under 64; 128 leaves room and bounds
/// what an attacker can make the log hold per record.
pub const MAX_LABEL_CHARS: usize = 128;

/// Most id entries (disclosed, withheld, subjects, recipients) one line holds before the rest
/// go into continuation records. A search returns at most a few hundred records; 200 keeps a
/// line under ~40 KiB with ordinary ids.
pub const MAX_IDS_PER_LINE: usize = 200;

/// Most bytes of ids one line holds before the rest go into continuation records. A single id
/// longer than this still goes whole, alone in its own continuation record: ids are evidence
/// and are never cut.
pub const MAX_ID_BYTES_PER_LINE: usize = 32 * 1024;

/// Most search keys and filters kept in a record's criteria. A query is validated to at most
/// 16 keys before it reaches a connector, so 32 is never hit by a validated request.
pub const MAX_CRITERIA_ENTRIES: usize = 32;

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
    /// Ties the records of one access together: its intent and outcome, and continuation
    /// records. Issued by the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_id: Option<String>,
    /// For a write: whether this record is its intent (written before the vendor is called) or
    /// its outcome (after). `None` for an access recorded once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// The authenticated user, or the name given when authentication failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The user's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The client's network address, for a request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Why the user needed this (s.62(2)(a) "the justification for … consultation or disclosure").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The reason code chosen from the configured list, when the gateway has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// The case or incident the access was for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    /// What was done: `search`, `fetch`, `submit`, `list-connectors`, `audit-read`,
    /// `connector-loaded`, … For a refused unauthenticated request, its method and path, cut to
    /// [`MAX_LABEL_CHARS`].
    pub operation: String,
    /// The s.62(1) processing operation this was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<S62Category>,
    /// The validated criteria of the request: what was searched for or fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Criteria>,
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
    /// Ids of the records withheld for clearance (ids, never content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld_ids: Vec<String>,
    /// For a combination (a federated answer): every link between two disclosed records that
    /// the answer showed, joined into one group or shown as a possible match, with the
    /// linker's evidence. Ids and evidence, never content; never cut (they overflow into
    /// continuation records like ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<Linked>,
    /// Connectors that answered with records they may not return (dropped at the sandbox
    /// boundary) or that failed the boundary checks (passed with quality warnings): faults of
    /// the connector, one entry per connector.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<ConnectorFault>,
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
    /// Ties this record to the request and to the connectors' own logs. Issued by the gateway.
    #[serde(default)]
    pub correlation_id: String,
    /// The correlation id the client sent, if any, kept beside the gateway's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_correlation_id: Option<String>,
    /// What the policy decided and why, e.g. `allowed: role investigator may search kestrel-rms`.
    #[serde(default)]
    pub policy_decision: String,
    /// Anything else worth keeping, for admin events especially.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Refused unauthenticated requests from the same client that were not recorded one by
    /// one since its last recorded one (rate limited): counted here instead.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub suppressed: u64,
    /// On a record whose ids did not fit one line: how many continuation records follow it.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub continuations: u32,
    /// On a continuation record: the seq of the record whose ids it continues. It holds only
    /// ids; every other field is that record's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_of: Option<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
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

    /// Cap every free-text and label field (see the module docs). Ids are left whole.
    pub fn cap_text(&mut self) {
        let label = |s: &mut String| cap(s, MAX_LABEL_CHARS);
        let text = |s: &mut String| cap(s, MAX_TEXT_CHARS);
        label(&mut self.time);
        label(&mut self.gateway);
        label(&mut self.operation);
        label(&mut self.correlation_id);
        text(&mut self.policy_decision);
        for s in [
            &mut self.user,
            &mut self.role,
            &mut self.client,
            &mut self.reason_code,
            &mut self.access_id,
            &mut self.highest_classification,
            &mut self.error_class,
            &mut self.client_correlation_id,
        ]
        .into_iter()
        .flatten()
        {
            label(s);
        }
        for s in [
            &mut self.justification,
            &mut self.case_reference,
            &mut self.detail,
        ]
        .into_iter()
        .flatten()
        {
            text(s);
        }
        for f in &mut self.faults {
            label(&mut f.connector);
        }
        for c in &mut self.connectors {
            label(&mut c.id);
            label(&mut c.version);
            label(&mut c.component_sha256);
            if let Some(s) = &mut c.signer {
                label(s);
            }
        }
        if let Some(c) = &mut self.criteria {
            c.cap_text();
        }
    }

    /// This record as the lines the writer puts on disk: itself with as many ids as fit one
    /// line, then continuation records with the rest. `seq` is the seq the first line will get;
    /// continuation records take the seqs after it. Text fields are capped first.
    pub(crate) fn into_lines(mut self, seq: u64) -> Vec<AuditRecord> {
        self.cap_text();
        self.continuation_of = None;
        self.continuations = 0;
        let mut lists = Ids::take(&mut self);
        let mut first = self;
        lists.fill(&mut first);
        let mut parts = vec![first];
        while !lists.is_empty() {
            let mut part = AuditRecord {
                time: parts[0].time.clone(),
                gateway: parts[0].gateway.clone(),
                event: parts[0].event,
                access_id: parts[0].access_id.clone(),
                operation: parts[0].operation.clone(),
                outcome: parts[0].outcome,
                correlation_id: parts[0].correlation_id.clone(),
                continuation_of: Some(seq),
                ..AuditRecord::default()
            };
            lists.fill(&mut part);
            parts.push(part);
        }
        parts[0].continuations = (parts.len() - 1) as u32;
        parts
    }

    /// Add a continuation record's ids to this one (the reader's half of [`Self::into_lines`]).
    pub(crate) fn absorb(&mut self, part: AuditRecord) {
        self.disclosed.extend(part.disclosed);
        self.withheld_ids.extend(part.withheld_ids);
        self.subjects.extend(part.subjects);
        self.recipients.extend(part.recipients);
        self.linked.extend(part.linked);
    }
}

/// Whether a link joined two records into one group or was only shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkDecision {
    /// The two records were shown as one group.
    Grouped,
    /// The two records were shown in different groups, side by side, as a possible match.
    PossibleMatch,
}

/// One link a federated answer made between two records (DPA 2018 s.62: combination), and
/// why. Every part is an id, a number or a name from the linker's fixed vocabulary of fields
/// and agreement levels: no record content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Linked {
    /// The group's stable id (`grp_…`), as the answer gave it.
    pub group: String,
    /// Whether the link grouped the records.
    pub decision: LinkDecision,
    /// The two records' audit ids (`connector:kind:local-id`, as in `disclosed`).
    pub records: [String; 2],
    /// For people: the link's match weight, in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_weight: Option<f64>,
    /// For people: the link's match probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_probability: Option<f64>,
    /// For people: the fields that counted for the link, as `field:level`
    /// (`given_name:nickname`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreed: Vec<String>,
    /// For people: the fields that counted against it (`pnc_id:different`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disagreed: Vec<String>,
    /// For things: the identifier the two records share (`vrm`, `uprn`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<String>,
    /// For a possible match: why it was not grouped (`below_group_threshold`,
    /// `conflicting_identifier:pnc_id`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_grouped_because: Option<String>,
}

impl Linked {
    /// About how many bytes it takes on a line: what the line budget counts.
    fn line_bytes(&self) -> usize {
        let texts: usize = self
            .agreed
            .iter()
            .chain(&self.disagreed)
            .chain(&self.records)
            .map(|s| s.len() + 3)
            .sum();
        160 + self.group.len()
            + texts
            + self.shared.as_ref().map_or(0, String::len)
            + self.not_grouped_because.as_ref().map_or(0, String::len)
    }
}

/// The id lists of a record, drained into lines one budget at a time.
struct Ids {
    lists: [std::collections::VecDeque<String>; 4],
    linked: std::collections::VecDeque<Linked>,
}

impl Ids {
    fn take(r: &mut AuditRecord) -> Ids {
        Ids {
            lists: [
                std::mem::take(&mut r.disclosed).into(),
                std::mem::take(&mut r.withheld_ids).into(),
                std::mem::take(&mut r.subjects).into(),
                std::mem::take(&mut r.recipients).into(),
            ],
            linked: std::mem::take(&mut r.linked).into(),
        }
    }

    fn is_empty(&self) -> bool {
        self.lists.iter().all(|l| l.is_empty()) && self.linked.is_empty()
    }

    /// Move ids into `r` until the line's budget is spent; at least one id when any is left.
    fn fill(&mut self, r: &mut AuditRecord) {
        let (mut count, mut bytes) = (0usize, 0usize);
        let [disclosed, withheld, subjects, recipients] = &mut self.lists;
        let targets: [(&mut std::collections::VecDeque<String>, &mut Vec<String>); 4] = [
            (disclosed, &mut r.disclosed),
            (withheld, &mut r.withheld_ids),
            (subjects, &mut r.subjects),
            (recipients, &mut r.recipients),
        ];
        for (from, to) in targets {
            while let Some(next) = from.front() {
                let fits = count < MAX_IDS_PER_LINE && bytes + next.len() <= MAX_ID_BYTES_PER_LINE;
                if !fits && count > 0 {
                    return;
                }
                bytes += next.len();
                count += 1;
                if let Some(id) = from.pop_front() {
                    to.push(id);
                }
            }
        }
        // Links after ids, under the same budget: each one whole.
        while let Some(next) = self.linked.front() {
            let size = next.line_bytes();
            let fits = count < MAX_IDS_PER_LINE && bytes + size <= MAX_ID_BYTES_PER_LINE;
            if !fits && count > 0 {
                return;
            }
            bytes += size;
            count += 1;
            if let Some(l) = self.linked.pop_front() {
                r.linked.push(l);
            }
        }
    }
}

/// Cut `s` to at most `max` characters, ending in a marker of how many were cut.
pub fn cap(s: &mut String, max: usize) {
    let total = s.chars().count();
    if total <= max {
        return;
    }
    let marker_room = 24;
    let keep = max.saturating_sub(marker_room);
    let cut_at = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
    s.truncate(cut_at);
    s.push_str(&format!("…[{} more]", total - keep));
}

/// The validated criteria of a request, as the gateway understood them: never its raw body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criteria {
    /// The entity kind searched for, fetched or submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The free text of a search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The structured keys of a search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<CriteriaKey>,
    /// The page size asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The cursor of a page after the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The id fetched, or updated by a submit: an id, never cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<String>,
    /// The connectors the request named, when it named some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<String>,
    /// A write's idempotency key: an id, never cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Filters of an audit read (`user`, `since`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filters: BTreeMap<String, String>,
}

impl Criteria {
    fn cap_text(&mut self) {
        if let Some(k) = &mut self.kind {
            cap(k, MAX_LABEL_CHARS);
        }
        if let Some(t) = &mut self.text {
            cap(t, MAX_TEXT_CHARS);
        }
        self.keys.truncate(MAX_CRITERIA_ENTRIES);
        for k in &mut self.keys {
            cap(&mut k.kind, MAX_LABEL_CHARS);
            cap(&mut k.value, MAX_TEXT_CHARS);
            for s in [&mut k.given_name, &mut k.date_of_birth]
                .into_iter()
                .flatten()
            {
                cap(s, MAX_LABEL_CHARS);
            }
        }
        self.connectors.truncate(MAX_CRITERIA_ENTRIES);
        for c in &mut self.connectors {
            cap(c, MAX_LABEL_CHARS);
        }
        if self.filters.len() > MAX_CRITERIA_ENTRIES
            || self.filters.iter().any(|(k, v)| {
                k.chars().count() > MAX_LABEL_CHARS || v.chars().count() > MAX_TEXT_CHARS
            })
        {
            self.filters = std::mem::take(&mut self.filters)
                .into_iter()
                .take(MAX_CRITERIA_ENTRIES)
                .map(|(mut k, mut v)| {
                    cap(&mut k, MAX_LABEL_CHARS);
                    cap(&mut v, MAX_TEXT_CHARS);
                    (k, v)
                })
                .collect();
        }
    }
}

/// One structured search key, as validated: its kind (`name`, `vrm`, …) and value; a name key
/// also has its given name and date of birth.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriteriaKey {
    /// `name`, `vrm`, `vin`, `reference`, `postcode`, `telephone` or `email`.
    pub kind: String,
    /// The surname of a name key; the value of any other.
    pub value: String,
    /// A name key's given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// A name key's date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
}

/// Which half of a write a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// On disk before the vendor is called: what is about to be written, where, by whom.
    Intent,
    /// After the vendor answered (or failed): what happened.
    Outcome,
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
    /// A browser sign-in through the force's identity provider, finished or refused.
    SignIn,
    /// A browser session ended: signed out, or timed out.
    SignOut,
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
    /// A write's intent: the vendor has not been called yet.
    Pending,
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

/// What one connector's answer held that the host did not pass on as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorFault {
    /// The connector's `describe` id.
    pub connector: String,
    /// Records above the classification it declares, dropped.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub above_ceiling: u32,
    /// Records of another kind than asked for, dropped.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub wrong_kind: u32,
    /// Records failing the boundary checks, dropped by the policy (`malformed = "drop"`).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub malformed: u32,
    /// Records failing the boundary checks, passed on with quality warnings.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub with_warnings: u32,
}

impl ConnectorFault {
    /// Is there nothing to report?
    pub fn is_empty(&self) -> bool {
        self.above_ceiling + self.wrong_kind + self.malformed + self.with_warnings == 0
    }
}

/// Where an appended record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Its sequence number, from 1, counting checkpoint lines too.
    pub seq: u64,
    /// Its hash, hex SHA-256: the next line's `prev`.
    pub hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capping_keeps_short_text_and_marks_long_text() {
        let mut s = "short".to_string();
        cap(&mut s, 10);
        assert_eq!(s, "short");
        let mut s = "é".repeat(2000);
        cap(&mut s, MAX_TEXT_CHARS);
        assert!(s.chars().count() <= MAX_TEXT_CHARS, "{}", s.chars().count());
        assert!(s.ends_with(&format!("…[{} more]", 2000 - (MAX_TEXT_CHARS - 24))));
    }

    #[test]
    fn ids_overflow_into_continuations_and_come_back_whole() {
        let mut r = AuditRecord::new(AuditEvent::Access, "search");
        r.disclosed = (0..450).map(|i| format!("k:person:{i}")).collect();
        r.withheld_ids = vec!["x".repeat(MAX_ID_BYTES_PER_LINE * 2)];
        r.subjects = vec!["vrm:AB12CDE".into()];
        let lines = r.clone().into_lines(10);
        assert_eq!(lines[0].continuations as usize, lines.len() - 1);
        assert!(lines.len() >= 4, "{}", lines.len());
        assert!(lines[1..].iter().all(|p| p.continuation_of == Some(10)));
        let mut back = lines[0].clone();
        for p in lines.into_iter().skip(1) {
            back.absorb(p);
        }
        assert_eq!(back.disclosed, r.disclosed);
        assert_eq!(back.withheld_ids, r.withheld_ids);
        assert_eq!(back.subjects, r.subjects);
    }

    fn link(i: usize) -> Linked {
        Linked {
            group: format!("grp_{i:032x}"),
            decision: if i.is_multiple_of(2) {
                LinkDecision::Grouped
            } else {
                LinkDecision::PossibleMatch
            },
            records: [
                format!("kestrel-rms:person:NOM-{i}"),
                format!("harrier-anpr:person:KPR-{i}"),
            ],
            match_weight: Some(12.25),
            match_probability: Some(0.999_791),
            agreed: vec!["surname:exact".into(), "given_name:nickname".into()],
            disagreed: vec!["pnc_id:different".into()],
            shared: None,
            not_grouped_because: (i % 2 == 1).then(|| "conflicting_identifier:pnc_id".into()),
        }
    }

    #[test]
    fn links_overflow_into_continuations_whole_and_in_order() {
        let mut r = AuditRecord::new(AuditEvent::Access, "search");
        r.disclosed = (0..150).map(|i| format!("k:person:{i}")).collect();
        r.linked = (0..700).map(link).collect();
        let lines = r.clone().into_lines(3);
        assert!(lines.len() >= 4, "{}", lines.len());
        for line in &lines {
            let text = serde_json::to_string(line).unwrap();
            assert!(text.len() < 64 * 1024, "{}", text.len());
        }
        let mut back = lines[0].clone();
        for p in lines.into_iter().skip(1) {
            back.absorb(p);
        }
        assert_eq!(back.linked, r.linked);
        assert_eq!(back.disclosed, r.disclosed);
        // What is written reads back the same.
        let text = serde_json::to_string(&back.linked).unwrap();
        let read: Vec<Linked> = serde_json::from_str(&text).unwrap();
        assert_eq!(read, r.linked);
    }
}
