//! `POST /v1/profile`: one subject's picture, assembled by the gateway.
//!
//! The client names the subject's records (a group's members, as a search answer gave them:
//! connector, kind, local id; optionally the group's id, which must be the id of exactly those
//! members). The gateway fetches every member at once, then follows each shown record's links
//! one hop: entities the record carries are taken as carried; the others (an address, a
//! vehicle, an event the record links to but does not carry) are fetched from the same system,
//! at once, at most [`MAX_FOLLOWED`]. The answer holds every fact with its source system,
//! handling label and grading, facts the systems hold differently marked `differs` and kept
//! side by side, the linked records by role, why the records are one subject (the linkage of
//! the records shown), and how many linked records were withheld for clearance.
//!
//! No clearance side channel: a member above the user's clearance is answered exactly as one
//! that does not exist (`unavailable`) and is not counted in `withheld`, so naming ids cannot
//! probe for records above clearance; `withheld` counts only linked records the shown records
//! name. The whole profile is one access, audited before the answer leaves: every id disclosed,
//! every id withheld, the links between the records shown (`linked`), category `combination`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State as Shared;
use http::StatusCode;
use serde::Serialize;
use serde_json::Value;

use interop_api::request;
use interop_audit::{AuditEvent, Criteria, Outcome, S62Category};
use interop_linkage::{GroupId, RecordKey};
use interop_sandbox::CallError;
use interop_sandbox::types::{
    Dropped, EntityKind, EntityRef, Handling, Link, Operation, PoleRecord, Source,
};

use super::super::access::{Access, Audited, Refusal};
use super::super::auth::Caller;
use super::super::federation::{self, Evidence, Hit, Member};
use super::super::{Plugin, State};
use super::{api_class, class_name, declined, note_faults, public_message};

/// Most linked records one profile fetches (those its records link to but do not carry);
/// links past these are counted in `links_left_off`, not followed.
pub(crate) const MAX_FOLLOWED: usize = 32;

/// How one named record fared.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MemberStatus {
    connector: String,
    kind: EntityKind,
    local_id: String,
    /// `ok`: fetched and shown; `unavailable`: no such record, or none you may see (the two are
    /// answered alike); `failed` or `timed_out`: its system did not answer (see `class`,
    /// `message`).
    #[schema(value_type = String, pattern = "^(ok|unavailable|failed|timed_out)$")]
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// One record's value of one fact, with where it came from and how it is to be handled.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FactValue {
    /// The connector that returned the record.
    connector: String,
    /// The record's id in that system.
    local_id: String,
    /// The system and force, as the record's source names them.
    system: String,
    force: String,
    /// The value, as the record holds it (the model's JSON for that field).
    #[schema(value_type = Object)]
    value: Value,
    /// The record's handling label: classification, caveats, grading.
    handling: Handling,
}

/// One fact of the subject (a field of the model, e.g. `surname`, `date_of_birth`), every value
/// the records hold for it, side by side.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Fact {
    /// The field, as the model's JSON names it.
    field: String,
    /// Every record's value that has one, in member order.
    values: Vec<FactValue>,
    /// The records hold different values (compared ignoring case, spaces and punctuation):
    /// shown side by side, never merged.
    differs: bool,
}

/// A record one of the subject's records links to, one hop away.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct LinkedRecord {
    /// The SDM link reason, e.g. `homeAddress`, `ownershipOf`, `knownSuspect`.
    role: String,
    /// The subject's record the link is on.
    member: Member,
    /// `to` when the subject's record links to it, `from` when it links to the subject's record.
    #[schema(value_type = String, pattern = "^(to|from)$")]
    direction: &'static str,
    /// `carried` with the subject's record (its source and handling), or `fetched` from the
    /// same system.
    #[schema(value_type = String, pattern = "^(carried|fetched)$")]
    how: &'static str,
    /// The linked record, with its source and handling.
    record: Hit,
}

/// Why the records shown are one subject: their linkage, as a federated answer gives it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProfileGroup {
    /// The group's id (the digest of its members).
    id: String,
    /// Its records.
    members: Vec<Member>,
    /// Why they are together.
    evidence: Evidence,
}

/// `POST /v1/profile`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProfileAnswer<'a> {
    correlation_id: &'a str,
    /// The id of the records shown: the search's group id when every member was shown.
    group: String,
    /// False when a system failed or timed out (`members` and `links_failed` say which).
    complete: bool,
    /// Every record named, in order, with how it fared.
    members: Vec<MemberStatus>,
    /// The records shown, as their systems hold them.
    records: Vec<Hit>,
    /// Every fact of the records shown, each value with its source and handling.
    facts: Vec<Fact>,
    /// Records the shown records link to, one hop: addresses, phones, vehicles, events.
    linked: Vec<LinkedRecord>,
    /// Linked records withheld for clearance: how many, never which or what.
    withheld: usize,
    /// Links whose record could not be fetched because its system failed, by connector.
    links_failed: Vec<MemberStatus>,
    /// Links not followed: past the first 32 to fetch.
    links_left_off: usize,
    /// How the records shown link: one group when they are one subject.
    groups: Vec<ProfileGroup>,
    took_ms: u64,
}

/// The audit id of a record: `connector:kind:local-id`.
fn audit_id(connector: &str, kind: EntityKind, local_id: &str) -> String {
    format!("{connector}:{kind}:{local_id}")
}

/// A value as compared for `differs`: lowercase letters and digits only, list items sorted.
fn comparable(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let mut parts: Vec<String> = items.iter().map(comparable).collect();
            parts.sort();
            parts.join("|")
        }
        Value::Object(map) => map.values().map(comparable).collect::<Vec<_>>().join("|"),
        Value::String(s) => s
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect(),
        other => other.to_string(),
    }
}

/// Whether a value says nothing: null, an empty string or list.
fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The model's fields in the order its types declare them (people, objects, places,
/// organisations, events), for facts in an order an officer reads: names before codes. A field
/// not listed comes after, by name.
const FIELD_ORDER: &[&str] = &[
    // Person.
    "given_names",
    "middle_names",
    "surname",
    "aliases",
    "date_of_birth",
    "date_of_birth_known",
    "place_of_birth",
    "gender",
    "ethnicity_self_defined",
    "ethnicity_observed",
    "pnc_id",
    "cro_number",
    // Vehicle, telephone, e-mail, weapon, drug, document.
    "vrm",
    "vin",
    "make",
    "model",
    "body_shape",
    "colours",
    "registration_country",
    "telephone_type",
    "number",
    "extension",
    "address",
    "weapon_type",
    "details",
    "calibre",
    "imitation",
    "drug_type",
    "quantity",
    "document_type",
    "expires",
    // Location.
    "site",
    "premises",
    "street",
    "town",
    "county",
    "postcode",
    "country",
    "uprn",
    "latitude",
    "longitude",
    "area",
    // Organisation.
    "name",
    "registered_number",
    "organisation_type",
    // Event.
    "event_kind",
    "category",
    "references",
    "ho_classification",
    "offence_code",
    "starts_at",
    "ends_at",
    "exact_time_known",
    "status",
    // Last, what any kind may carry.
    "description",
    "warning_markers",
];

/// Every fact of `records`, field by field in the model's order, values side by side.
fn facts_of(records: &[Hit]) -> Vec<Fact> {
    let mut order: Vec<String> = Vec::new();
    let mut by_field: HashMap<String, Vec<FactValue>> = HashMap::new();
    for hit in records {
        let Ok(Value::Object(entity)) = serde_json::to_value(&hit.record.entity) else {
            continue;
        };
        for (field, value) in entity {
            if field == "kind" || field == "type" || empty(&value) {
                continue;
            }
            if !by_field.contains_key(&field) {
                order.push(field.clone());
            }
            by_field.entry(field).or_default().push(FactValue {
                connector: hit.connector.clone(),
                local_id: hit.record.source.local_id.clone(),
                system: hit.record.source.system.clone(),
                force: hit.record.source.force.clone(),
                value,
                handling: hit.record.handling.clone(),
            });
        }
    }
    order.sort_by_key(|f| {
        FIELD_ORDER
            .iter()
            .position(|known| known == f)
            .unwrap_or(usize::MAX)
    });
    order
        .into_iter()
        .filter_map(|field| {
            let values = by_field.remove(&field)?;
            let distinct: HashSet<String> = values.iter().map(|v| comparable(&v.value)).collect();
            Some(Fact {
                field,
                differs: distinct.len() > 1,
                values,
            })
        })
        .collect()
}

/// The kind of an entity.
fn kind_of(record: &PoleRecord) -> EntityKind {
    record.entity.kind()
}

/// A member's status when its call did not give a record.
fn status_of_error(e: &CallError) -> (&'static str, Option<String>, Option<String>) {
    if e.class() == "not-found" || declined(e) {
        ("unavailable", None, None)
    } else {
        let status = if matches!(e, CallError::Timeout { .. }) {
            "timed_out"
        } else {
            "failed"
        };
        (status, Some(api_class(e)), Some(public_message(e)))
    }
}

/// What one fetch gave: a record, or the error.
type Fetched = (Arc<Plugin>, Result<PoleRecord, CallError>);

impl Access {
    /// The plugin for `connector` and the user's role to fetch `kind` from it, or the refusal.
    fn fetcher(&self, connector: &str, kind: EntityKind) -> Result<(Arc<Plugin>, String), Refusal> {
        let plugin = self
            .state
            .plugins()
            .iter()
            .find(|p| p.connector.info().id == connector)
            .cloned()
            .ok_or_else(|| Refusal {
                status: StatusCode::NOT_FOUND,
                message: format!(
                    "`{connector}`: no such connector is installed; see GET /v1/connectors"
                ),
                decision: "refused: unknown connector".into(),
                outcome: Outcome::Refused,
            })?;
        let info = plugin.connector.info();
        if !info.operations.contains(&Operation::Fetch) {
            return Err(Refusal::forbidden(
                format!("`{connector}` does not fetch; see GET /v1/connectors"),
                format!("refused: {connector} does not fetch"),
            ));
        }
        if !info.entity_kinds.contains(&kind) {
            return Err(Refusal::forbidden(
                format!("`{connector}` does not take {kind} records"),
                "refused: the connector does not take this kind".into(),
            ));
        }
        let role = self.role_for(connector, Operation::Fetch).ok_or_else(|| {
            Refusal::forbidden(
                format!("your roles do not allow fetch on `{connector}`"),
                format!("refused: no role of {} may fetch {connector}", self.user.id),
            )
        })?;
        Ok((plugin, role))
    }

    /// Fetch each of `wanted` at once, each timed into the metrics.
    async fn fetch_all(
        &self,
        why: &request::Why,
        wanted: &[(Arc<Plugin>, String, EntityKind, String)],
    ) -> Vec<Fetched> {
        let calls = wanted.iter().map(|(plugin, role, kind, local_id)| {
            let ctx = self.context(role, why, None);
            async move {
                let result = federation::timed(
                    &self.state.metrics,
                    plugin,
                    "fetch",
                    plugin.connector.fetch(&ctx, *kind, local_id),
                )
                .await;
                (plugin.clone(), result)
            }
        });
        futures::future::join_all(calls).await
    }
}

/// The carried entity `linked` of `parent`, as a record of its own: the parent's source (with
/// the entity's id) and handling, and the link that names it.
fn carried_record(
    parent: &PoleRecord,
    local_id: &str,
    entity: &interop_sandbox::types::Entity,
    link: &Link,
) -> PoleRecord {
    PoleRecord {
        source: Source {
            local_id: local_id.to_string(),
            ..parent.source.clone()
        },
        handling: parent.handling.clone(),
        entity: entity.clone(),
        links: vec![link.clone()],
        linked: Vec::new(),
        quality: Vec::new(),
    }
}

/// `POST /v1/profile`.
pub(crate) async fn profile(
    Shared(state): Shared<Arc<State>>,
    caller: Caller,
    body: Body,
) -> Audited {
    let started = Instant::now();
    let mut access = caller.access(&state, AuditEvent::Access, "profile");
    access.category(S62Category::Combination);
    let bytes = match access.body(body).await {
        Ok(b) => b,
        Err(r) => return access.refuse(r).await,
    };
    let asked = match request::parse_profile(&bytes, &state.config.access) {
        Ok(p) => p,
        Err(e) => return access.refuse(Refusal::bad_request(&e)).await,
    };
    access.why(&asked.why);
    let mut connectors: Vec<String> = Vec::new();
    for m in &asked.members {
        if !connectors.contains(&m.connector) {
            connectors.push(m.connector.clone());
        }
    }
    access.record().criteria = Some(Criteria {
        kind: asked.members.first().map(|m| m.kind.to_string()),
        connectors: connectors.clone(),
        filters: asked
            .group
            .iter()
            .map(|g| ("group".to_string(), g.clone()))
            .collect(),
        ..Criteria::default()
    });
    // The group named must be exactly these members: its id is their digest.
    if let Some(group) = &asked.group {
        let keys: Vec<RecordKey> = asked
            .members
            .iter()
            .map(|m| RecordKey::new(m.connector.clone(), m.local_id.clone()))
            .collect();
        if GroupId::of_members(keys.iter()).0 != *group {
            let refusal = Refusal {
                status: StatusCode::NOT_FOUND,
                message: "no group with this id holds exactly these members: send the group's id \
                          and members as one search answer gave them, or leave `group` out"
                    .into(),
                decision: "refused: group id does not match its members".into(),
                outcome: Outcome::Refused,
            };
            return access.refuse(refusal).await;
        }
    }
    // Every member's connector must be one the user may fetch this kind from: checked before
    // any is called.
    let mut wanted = Vec::with_capacity(asked.members.len());
    let mut roles: Vec<(Arc<Plugin>, String)> = Vec::new();
    for m in &asked.members {
        match access.fetcher(&m.connector, m.kind) {
            Ok((plugin, role)) => {
                if !roles.iter().any(|(p, _)| Arc::ptr_eq(p, &plugin)) {
                    roles.push((plugin.clone(), role.clone()));
                }
                wanted.push((plugin, role, m.kind, m.local_id.clone()));
            }
            Err(refusal) => return access.refuse(refusal).await,
        }
    }
    access.reaches(&roles.iter().map(|(p, _)| &**p).collect::<Vec<_>>());
    access.record().policy_decision = super::decision(&roles, "fetch");

    let fetched = access.fetch_all(&asked.why, &wanted).await;
    let mut members = Vec::with_capacity(fetched.len());
    let mut shown: Vec<Hit> = Vec::new();
    let mut withheld_ids: Vec<String> = Vec::new();
    let mut failed = 0usize;
    for (m, (plugin, result)) in asked.members.iter().zip(fetched) {
        let status = |status, class, message| MemberStatus {
            connector: m.connector.clone(),
            kind: m.kind,
            local_id: m.local_id.clone(),
            status,
            class,
            message,
        };
        match result {
            Ok(record) => {
                note_faults(
                    &mut access,
                    &m.connector,
                    Dropped::default(),
                    std::slice::from_ref(&record),
                );
                let hit = Hit {
                    connector: m.connector.clone(),
                    version: plugin.connector.info().version.clone(),
                    record,
                };
                let (mut ok, above) = federation::withhold(vec![hit], access.user.clearance);
                if let Some(hit) = ok.pop() {
                    shown.push(hit);
                    members.push(status("ok", None, None));
                } else {
                    // Above clearance: answered as a record that does not exist, and not
                    // counted, so naming ids cannot probe for it; audited as withheld.
                    withheld_ids.extend(above.iter().map(federation::disclosed_id));
                    members.push(status("unavailable", None, None));
                }
            }
            Err(e) => {
                let (s, class, message) = status_of_error(&e);
                if s != "unavailable" {
                    failed += 1;
                }
                members.push(status(s, class, message));
            }
        }
    }

    // One hop: what each shown record links to, carried or fetched from the same system.
    let member_keys: HashSet<(String, String)> = shown
        .iter()
        .map(|h| (h.connector.clone(), h.record.source.local_id.clone()))
        .collect();
    let mut seen: HashSet<(String, String)> = member_keys.clone();
    let mut linked: Vec<LinkedRecord> = Vec::new();
    let mut to_fetch: Vec<(Arc<Plugin>, String, EntityKind, String)> = Vec::new();
    let mut to_fetch_links: Vec<(Member, Link, &'static str)> = Vec::new();
    let mut left_off = 0usize;
    for hit in &shown {
        let me = &hit.record.source.local_id;
        let member = Member {
            connector: hit.connector.clone(),
            local_id: me.clone(),
        };
        for link in &hit.record.links {
            let (other, direction): (&EntityRef, &'static str) = if link.from.local_id == *me {
                (&link.to, "to")
            } else {
                (&link.from, "from")
            };
            if !seen.insert((hit.connector.clone(), other.local_id.clone())) {
                continue;
            }
            if let Some(carried) = hit
                .record
                .linked
                .iter()
                .find(|l| l.local_id == other.local_id)
            {
                linked.push(LinkedRecord {
                    role: link.role.clone(),
                    member: member.clone(),
                    direction,
                    how: "carried",
                    record: Hit {
                        connector: hit.connector.clone(),
                        version: hit.version.clone(),
                        record: carried_record(
                            &hit.record,
                            &carried.local_id,
                            &carried.entity,
                            link,
                        ),
                    },
                });
                continue;
            }
            // Not carried: fetched, when the user may fetch that kind from that system.
            let Ok((plugin, role)) = access.fetcher(&hit.connector, other.kind) else {
                continue;
            };
            if to_fetch.len() >= MAX_FOLLOWED {
                left_off += 1;
                continue;
            }
            to_fetch.push((plugin, role, other.kind, other.local_id.clone()));
            to_fetch_links.push((member.clone(), link.clone(), direction));
        }
    }
    let followed = access.fetch_all(&asked.why, &to_fetch).await;
    let mut links_failed = Vec::new();
    let mut withheld_linked = 0usize;
    for ((member, link, direction), ((plugin, _, kind, local_id), (_, result))) in to_fetch_links
        .into_iter()
        .zip(to_fetch.iter().zip(followed))
    {
        let connector = plugin.connector.info().id.clone();
        match result {
            Ok(record) => {
                note_faults(
                    &mut access,
                    &connector,
                    Dropped::default(),
                    std::slice::from_ref(&record),
                );
                let hit = Hit {
                    connector: connector.clone(),
                    version: plugin.connector.info().version.clone(),
                    record,
                };
                let (mut ok, above) = federation::withhold(vec![hit], access.user.clearance);
                if let Some(hit) = ok.pop() {
                    linked.push(LinkedRecord {
                        role: link.role.clone(),
                        member,
                        direction,
                        how: "fetched",
                        record: hit,
                    });
                } else {
                    withheld_linked += 1;
                    withheld_ids.extend(above.iter().map(federation::disclosed_id));
                }
            }
            Err(e) => {
                let (s, class, message) = status_of_error(&e);
                if s != "unavailable" {
                    links_failed.push(MemberStatus {
                        connector,
                        kind: *kind,
                        local_id: local_id.clone(),
                        status: s,
                        class,
                        message,
                    });
                }
            }
        }
    }

    // The audit: every id disclosed and withheld, the links between the records shown.
    let grouped = federation::group(shown.clone(), &state.linker);
    {
        let record = access.record();
        record.disclosed = shown
            .iter()
            .map(federation::disclosed_id)
            .chain(linked.iter().map(|l| {
                audit_id(
                    &l.record.connector,
                    kind_of(&l.record.record),
                    &l.record.record.source.local_id,
                )
            }))
            .collect();
        record.withheld = withheld_ids.len() as u32;
        if !withheld_ids.is_empty() {
            record.detail = Some("withheld for clearance: see withheld_ids".into());
        }
        record.withheld_ids = withheld_ids;
        record.highest_classification = shown
            .iter()
            .map(|h| h.record.handling.classification)
            .chain(
                linked
                    .iter()
                    .map(|l| l.record.record.handling.classification),
            )
            .max()
            .map(|c| class_name(c).to_string());
        let mut subjects: Vec<String> = shown
            .iter()
            .map(|h| &h.record)
            .chain(linked.iter().map(|l| &l.record.record))
            .filter_map(federation::subject_key)
            .collect();
        subjects.sort();
        subjects.dedup();
        record.subjects = subjects;
        record.linked = grouped.combined;
    }
    let groups = grouped
        .groups
        .into_iter()
        .map(|g| ProfileGroup {
            id: g.id,
            members: g
                .records
                .iter()
                .map(|h| Member {
                    connector: h.connector.clone(),
                    local_id: h.record.source.local_id.clone(),
                })
                .collect(),
            evidence: g.evidence,
        })
        .collect();
    let shown_keys: Vec<RecordKey> = shown
        .iter()
        .map(|h| RecordKey::new(h.connector.clone(), h.record.source.local_id.clone()))
        .collect();
    let group = GroupId::of_members(shown_keys.iter()).0;
    let complete = failed == 0 && links_failed.is_empty();
    let (status, outcome) = if failed > 0 && failed == asked.members.len() {
        (StatusCode::BAD_GATEWAY, Outcome::Failed)
    } else if complete {
        (StatusCode::OK, Outcome::Ok)
    } else {
        (StatusCode::OK, Outcome::Partial)
    };
    let correlation_id = access.correlation_id.clone();
    let answer = ProfileAnswer {
        correlation_id: &correlation_id,
        group,
        complete,
        members,
        facts: facts_of(&shown),
        records: shown,
        linked,
        withheld: withheld_linked,
        links_failed,
        links_left_off: left_off,
        groups,
        took_ms: started.elapsed().as_millis() as u64,
    };
    access.answer(status, outcome, &answer).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use interop_sandbox::types::{Classification, Entity, Person};

    fn hit(connector: &str, id: &str, given: &str, dob: &str) -> Hit {
        Hit {
            connector: connector.into(),
            version: "1".into(),
            record: PoleRecord {
                source: Source {
                    force: "Test".into(),
                    system: connector.into(),
                    local_id: id.into(),
                    extracted_at: "2026-01-01T00:00:00Z".into(),
                },
                handling: Handling {
                    classification: Classification::Official,
                    sensitive: false,
                    caveats: vec![],
                    grading: None,
                    review_date: None,
                },
                entity: Entity::Person(Person {
                    given_names: vec![given.into()],
                    middle_names: vec![],
                    surname: Some("Examplewood".into()),
                    aliases: vec![],
                    date_of_birth: Some(dob.into()),
                    date_of_birth_known: true,
                    place_of_birth: None,
                    gender: None,
                    ethnicity_self_defined: None,
                    ethnicity_observed: None,
                    pnc_id: None,
                    cro_number: None,
                    description: None,
                    warning_markers: vec![],
                }),
                links: vec![],
                linked: vec![],
                quality: vec![],
            },
        }
    }

    #[test]
    fn facts_the_systems_hold_differently_are_marked_and_kept_side_by_side() {
        let facts = facts_of(&[
            hit("kestrel-rms", "NOM-1", "Alex", "1988-03-14"),
            hit("harrier-anpr", "KPR-1", "ALEX", "1988-03-15"),
        ]);
        let fact = |f: &str| facts.iter().find(|x| x.field == f).unwrap();
        assert!(!fact("surname").differs);
        assert!(!fact("given_names").differs, "case is not a difference");
        let dob = fact("date_of_birth");
        assert!(dob.differs);
        assert_eq!(dob.values.len(), 2);
        assert_eq!(dob.values[0].connector, "kestrel-rms");
        assert_eq!(dob.values[1].value, "1988-03-15");
        assert!(
            facts
                .iter()
                .all(|f| f.field != "kind" && f.field != "aliases"),
            "no tag, nothing empty"
        );
        let order: Vec<&str> = facts.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            order,
            [
                "given_names",
                "surname",
                "date_of_birth",
                "date_of_birth_known"
            ],
            "in the model's order, names first"
        );
    }
}
