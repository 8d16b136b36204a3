//! Federated results: records from every connector, withheld above the user's clearance, and
//! grouped when they describe the same real-world entity, keeping every source.
//!
//! How records are grouped ([`group`]):
//! - people, by explainable probabilistic record linkage (`interop-linkage`, thresholds and
//!   weights from `[linkage]`): names with nicknames and slips, dates of birth with day and
//!   month transposed, addresses, telephones, e-mail addresses, PNC ids and CRO numbers, each
//!   weighed; two different PNC ids or CRO numbers are never grouped. Links between the two
//!   thresholds, and strong links refused (a conflicting identifier), are shown as possible
//!   matches beside both groups, never merged;
//! - vehicles by VIN, then registration mark (a different VIN keeps a cloned plate apart);
//!   telephones in E.164; e-mail addresses; places by UPRN, then postcode and street (a
//!   different UPRN keeps two flats apart);
//! - anything else is its own group.
//!
//! Every group has a stable id (a digest of its members' connector and local id) and its
//! evidence; every link shown is returned for the audit as the combination made (DPA 2018
//! s.62). Grouping only puts records side by side; it never merges their fields, so an officer
//! sees what each system says, with its source and handling.
//!
//! The fan-out is here too: one call per target connector, all at once, each timed into the
//! metrics.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::Plugin;
use super::metrics::Metrics;
use interop_api::config::LinkageSettings;
use interop_audit::{LinkDecision, Linked};
use interop_linkage::keys::{self, KeyedRecord};
use interop_linkage::{
    Address, FieldAgreement, GroupId, LinkConfig, LinkExplanation, Model, NotGroupedBecause,
    PartialDate, PersonRecord, RecordKey, Vehicle as LinkedVehicle, WeightSource,
};
use interop_sandbox::CallError;
use interop_sandbox::types::{Classification, Entity, Gender, PoleObject, PoleRecord};

/// Run one connector call, counted in the metrics whether it finishes, fails or is dropped
/// (a client that goes away drops the request's future mid-call).
pub(crate) async fn timed<T>(
    metrics: &Metrics,
    plugin: &Plugin,
    operation: &str,
    call: impl Future<Output = Result<T, CallError>>,
) -> Result<T, CallError> {
    struct Running<'a> {
        metrics: &'a Metrics,
        id: &'a str,
        operation: &'a str,
        started: Instant,
        class: &'static str,
    }
    impl Drop for Running<'_> {
        fn drop(&mut self) {
            self.metrics
                .finished(self.id, self.operation, self.class, self.started.elapsed());
        }
    }
    let id = &plugin.connector.info().id;
    metrics.started(id);
    let mut running = Running {
        metrics,
        id,
        operation,
        started: Instant::now(),
        class: "cancelled",
    };
    let result = call.await;
    running.class = result.as_ref().map_or_else(CallError::class, |_| "ok");
    result
}

/// Call every target at once with `call`; each result with how long it took, in target order.
pub(crate) async fn fan_out<'a, T, F, Fut>(
    metrics: &'a Metrics,
    targets: &'a [(Arc<Plugin>, String)],
    operation: &'a str,
    call: F,
) -> Vec<(Arc<Plugin>, Result<T, CallError>, Duration)>
where
    F: Fn(&'a Plugin, &'a str) -> Fut,
    Fut: Future<Output = Result<T, CallError>> + 'a,
{
    let calls = targets.iter().map(|(plugin, role)| {
        let fut = call(plugin, role);
        async move {
            let started = Instant::now();
            let result = timed(metrics, plugin, operation, fut).await;
            (plugin.clone(), result, started.elapsed())
        }
    });
    futures::future::join_all(calls).await
}

/// One record and the connector it came from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// Connector id.
    pub connector: String,
    /// Connector version.
    pub version: String,
    /// The record, with its source and handling.
    pub record: PoleRecord,
}

/// A record named in a group's evidence: the connector that returned it and its id there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// Connector id.
    pub connector: String,
    /// The record's id in that connector's system.
    pub local_id: String,
}

impl Member {
    fn of(key: &RecordKey) -> Self {
        Member {
            connector: key.system.clone(),
            local_id: key.local_id.clone(),
        }
    }
}

/// How one field compared in one link: the level it reached and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldLevel {
    /// The field: `surname`, `given_name`, `date_of_birth`, `gender`, `address`, `phone`,
    /// `email`, `pnc_id`, `cro_number`, `vrm` or `vin`.
    pub field: String,
    /// The level reached, e.g. `exact`, `nickname`, `day_month_transposed`, `different`
    /// (docs/LINKAGE.md lists each field's levels).
    pub agreement: String,
    /// Its match weight in bits: positive for, negative against.
    pub weight: f64,
}

impl FieldLevel {
    fn of(f: &FieldAgreement) -> Self {
        FieldLevel {
            field: f.field.name().to_owned(),
            agreement: f.agreement.clone(),
            weight: f.weight,
        }
    }
}

/// One scored pair of records of people and why it scored so. Described as `MatchLink`: the
/// model's `Link` (a record's link to another entity) holds the name `Link`, and two schemas of
/// one name would make the document describe one with the other's fields.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = MatchLink)]
pub struct Link {
    /// The two records.
    pub records: [Member; 2],
    /// The prior plus every field's weight, in bits.
    pub match_weight: f64,
    /// The match weight as a probability.
    pub match_probability: f64,
    /// Fields that counted for the link (weight above zero), with the level they reached.
    pub agreed: Vec<FieldLevel>,
    /// Fields that counted against it (weight below zero).
    pub disagreed: Vec<FieldLevel>,
}

impl Link {
    fn of(l: &LinkExplanation) -> Self {
        Link {
            records: [Member::of(&l.records[0]), Member::of(&l.records[1])],
            match_weight: l.match_weight,
            match_probability: l.match_probability,
            agreed: l.agreeing_fields().map(FieldLevel::of).collect(),
            disagreed: l.disagreeing_fields().map(FieldLevel::of).collect(),
        }
    }
}

/// Why a possible match was not grouped.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotGrouped {
    /// The link's probability is below `[linkage] group_threshold`.
    BelowGroupThreshold,
    /// The two groups hold different values of an identifier one person (or thing) has one
    /// of: PNC id, CRO number, VIN, UPRN.
    ConflictingIdentifier {
        /// The identifier.
        field: String,
    },
    /// Joining would make a group larger than `[linkage] max_group_size`.
    GroupSizeLimit,
    /// A member of one group is unlikely to be the same person as a member of the other.
    MemberUnlikely {
        /// The two records.
        records: [Member; 2],
        /// Their link's probability.
        match_probability: f64,
    },
}

impl NotGrouped {
    fn of(b: &NotGroupedBecause) -> Self {
        match b {
            NotGroupedBecause::BelowGroupThreshold => NotGrouped::BelowGroupThreshold,
            NotGroupedBecause::ConflictingIdentifier { field } => {
                NotGrouped::ConflictingIdentifier {
                    field: field.name().into(),
                }
            }
            NotGroupedBecause::GroupSizeLimit => NotGrouped::GroupSizeLimit,
            NotGroupedBecause::MemberUnlikely {
                records,
                match_probability,
            } => NotGrouped::MemberUnlikely {
                records: [Member::of(&records[0]), Member::of(&records[1])],
                match_probability: *match_probability,
            },
        }
    }

    /// As the audit writes it: `conflicting_identifier:pnc_id`, `below_group_threshold`, …
    fn audit_text(&self) -> String {
        match self {
            NotGrouped::BelowGroupThreshold => "below_group_threshold".into(),
            NotGrouped::ConflictingIdentifier { field } => {
                format!("conflicting_identifier:{field}")
            }
            NotGrouped::GroupSizeLimit => "group_size_limit".into(),
            NotGrouped::MemberUnlikely { .. } => "member_unlikely".into(),
        }
    }
}

/// A link to a record outside the group, shown beside it and never merged.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PossibleMatch {
    /// The id of the group the other record is in (also in this answer).
    pub other_group: String,
    /// The link, with its fields.
    pub link: Link,
    /// Why it was not grouped.
    pub because: NotGrouped,
}

/// Two records joined because they share an identifier.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharedLink {
    /// The two records.
    pub records: [Member; 2],
    /// The identifier they share: `vin`, `vrm`, `telephone`, `email`, `uprn` or
    /// `postcode_and_street`.
    pub shared: String,
}

/// Two records sharing an identifier but kept apart by a conflicting decisive one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharedConflict {
    /// The id of the group the other record is in (also in this answer).
    pub other_group: String,
    /// The two records.
    pub records: [Member; 2],
    /// The identifier they share.
    pub shared: String,
    /// The identifier their groups disagree on (`vin`, `uprn`).
    pub conflicting: String,
}

/// Why a group's records are together.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// People: Fellegi–Sunter record linkage. Each link above `[linkage] group_threshold`
    /// joined two members; possible matches are links to records in other groups.
    RecordLinkage {
        /// The links that joined the members, strongest first: one fewer than the members.
        links: Vec<Link>,
        /// Links to records outside the group, most probable first.
        possible_matches: Vec<PossibleMatch>,
        /// Possible matches left off after the first 16.
        possible_matches_left_off: usize,
    },
    /// Vehicles, telephones, e-mail addresses and places: an identifier they share.
    SharedIdentifier {
        /// The links that joined the members.
        links: Vec<SharedLink>,
        /// Records that share an identifier with a member but were kept apart.
        possible_matches: Vec<SharedConflict>,
        /// Possible matches left off after the first 16.
        possible_matches_left_off: usize,
    },
    /// Matched by no rule: events, organisations, property, weapons, drugs, documents, and
    /// records with no identifier to match on. Always a group of one.
    Unmatched,
}

/// Records that describe the same real-world entity, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    /// `grp_` and 32 hex digits of the SHA-256 of the sorted (connector, local id) pairs of
    /// its members: the same members give the same id in any answer, whatever order the
    /// connectors answered in.
    pub id: String,
    /// The records, in the order they arrived.
    pub records: Vec<Hit>,
    /// Why they are together, and what was not joined to them.
    pub evidence: Evidence,
}

/// How federated answers link records: `[linkage]` of the configuration, checked.
#[derive(Debug, Clone)]
pub struct Linker {
    config: LinkConfig,
}

impl Linker {
    /// The linker for these settings; a configured model file is read and checked here.
    ///
    /// # Errors
    /// The model file cannot be read, is not a model, or fails its checks; or the settings
    /// are inconsistent.
    pub fn new(settings: &LinkageSettings) -> anyhow::Result<Linker> {
        let model = match &settings.model {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("[linkage] model {}: cannot read it: {e}", path.display())
                })?;
                serde_json::from_str::<Model>(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "[linkage] model {}: not a linkage model ({e}); write one with link-bench --model-out",
                        path.display()
                    )
                })?
            }
            None => Model::built_in(),
        };
        let config = LinkConfig {
            group_threshold: settings.group_threshold,
            possible_threshold: settings.possible_threshold,
            weights: WeightSource::Configured { model },
            prior_log2_odds: Some(settings.prior_log2_odds),
            max_group_size: settings.max_group_size,
            ..LinkConfig::default()
        };
        config
            .validate()
            .map_err(|e| anyhow::anyhow!("[linkage]: {e}"))?;
        Ok(Linker { config })
    }
}

impl Default for Linker {
    /// The default `[linkage]`: built-in weights, thresholds 0.5 and 0.05, prior -16 bits.
    fn default() -> Self {
        let d = LinkageSettings::default();
        Linker {
            config: LinkConfig {
                group_threshold: d.group_threshold,
                possible_threshold: d.possible_threshold,
                weights: WeightSource::Configured {
                    model: Model::built_in(),
                },
                prior_log2_odds: Some(d.prior_log2_odds),
                max_group_size: d.max_group_size,
                ..LinkConfig::default()
            },
        }
    }
}

/// Grouped hits, and the combinations made, for the audit.
#[derive(Debug, Clone)]
pub struct Grouped {
    /// The groups, in the order their first record arrived.
    pub groups: Vec<Group>,
    /// Every link the groups show (joined or possible), with its evidence and the audit ids
    /// of its records: what the audit records as the combination (DPA 2018 s.62).
    pub combined: Vec<Linked>,
}
/// How a classification ranks against a clearance.
pub fn rank(c: Classification) -> u8 {
    c.rank()
}

/// Split hits into those the user may see and the number withheld for clearance.
pub fn withhold(hits: Vec<Hit>, clearance: Classification) -> (Vec<Hit>, Vec<Hit>) {
    hits.into_iter()
        .partition(|h| rank(h.record.handling.classification) <= rank(clearance))
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The key a record is audited under as a subject, so "who looked at this person?" has an
/// answer: person `surname:given:dob`, `vrm:`, `vin:`, `telephone:`, `email:`, `uprn:` or
/// `address:`. Grouping does not use it (see [`group`]).
pub fn subject_key(record: &PoleRecord) -> Option<String> {
    match &record.entity {
        Entity::Person(p) => {
            let surname = norm(p.surname.as_deref()?);
            let given = norm(p.given_names.first()?);
            let dob = p.date_of_birth.as_deref()?.trim();
            (!surname.is_empty() && !given.is_empty() && !dob.is_empty())
                .then(|| format!("person:{surname}:{given}:{dob}"))
        }
        Entity::Object(PoleObject::Vehicle(v)) => v
            .vrm
            .as_deref()
            .map(|vrm| format!("vrm:{}", norm(vrm).to_uppercase()))
            .or_else(|| {
                v.vin
                    .as_deref()
                    .map(|vin| format!("vin:{}", norm(vin).to_uppercase()))
            })
            .filter(|k| !k.ends_with(':')),
        Entity::Object(PoleObject::Telephone(t)) => {
            let digits: String = t.number.chars().filter(char::is_ascii_digit).collect();
            (!digits.is_empty()).then(|| format!("telephone:{digits}"))
        }
        Entity::Object(PoleObject::Email(e)) => {
            Some(format!("email:{}", e.address.trim().to_lowercase()))
        }
        Entity::Location(l) => match (&l.uprn, &l.postcode, &l.street) {
            (Some(uprn), _, _) => Some(format!("uprn:{}", norm(uprn))),
            (None, Some(pc), Some(street)) => {
                Some(format!("address:{}:{}", norm(pc), norm(street)))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Which grouping a record takes part in: people are linked, things with identifiers share
/// keys, the rest (by kind) stand alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Category {
    Person,
    Vehicle,
    Telephone,
    Email,
    Location,
    Unmatched,
}

fn category(entity: &Entity) -> Category {
    match entity {
        Entity::Person(_) => Category::Person,
        Entity::Object(PoleObject::Vehicle(_)) => Category::Vehicle,
        Entity::Object(PoleObject::Telephone(_)) => Category::Telephone,
        Entity::Object(PoleObject::Email(_)) => Category::Email,
        Entity::Location(_) => Category::Location,
        _ => Category::Unmatched,
    }
}

fn gender_word(g: Gender) -> Option<&'static str> {
    match g {
        Gender::Male => Some("male"),
        Gender::Female => Some("female"),
        Gender::TransMale => Some("trans male"),
        Gender::TransFemale => Some("trans female"),
        Gender::NonBinary => Some("non binary"),
        Gender::Intersex => Some("intersex"),
        Gender::NotSpecified | Gender::NotKnown => None,
    }
}

/// The linker's view of a record of a person: its names, date of birth, gender, PNC id, CRO
/// number, and the addresses, telephones, e-mail addresses and vehicles carried with it.
fn person_record(key: RecordKey, record: &PoleRecord) -> PersonRecord {
    let mut out = PersonRecord::new(key);
    let Entity::Person(p) = &record.entity else {
        return out;
    };
    out.given_names = p.given_names.clone();
    out.middle_names = p.middle_names.clone();
    out.surname = p.surname.clone();
    if p.date_of_birth_known {
        out.date_of_birth = p.date_of_birth.as_deref().and_then(PartialDate::parse_iso);
    }
    out.gender = p.gender.and_then(gender_word).map(str::to_owned);
    out.pnc_id = p.pnc_id.clone();
    out.cro_number = p.cro_number.clone();
    for linked in &record.linked {
        match &linked.entity {
            Entity::Location(l) => out.addresses.push(Address {
                postcode: l.postcode.clone(),
                uprn: l.uprn.clone(),
            }),
            Entity::Object(PoleObject::Telephone(t)) => out.phones.push(t.number.clone()),
            Entity::Object(PoleObject::Email(e)) => out.emails.push(e.address.clone()),
            Entity::Object(PoleObject::Vehicle(v)) => out.vehicles.push(LinkedVehicle {
                vrm: v.vrm.clone(),
                vin: v.vin.clone(),
            }),
            _ => {}
        }
    }
    out
}

fn keyed_record(key: RecordKey, record: &PoleRecord) -> KeyedRecord {
    let keys = match &record.entity {
        Entity::Object(PoleObject::Vehicle(v)) => {
            keys::vehicle_keys(v.vrm.as_deref(), v.vin.as_deref())
        }
        Entity::Object(PoleObject::Telephone(t)) => keys::telephone_keys(&t.number),
        Entity::Object(PoleObject::Email(e)) => keys::email_keys(&e.address),
        Entity::Location(l) => keys::location_keys(
            l.uprn.as_deref(),
            l.postcode.as_deref(),
            l.street.as_deref(),
        ),
        _ => Vec::new(),
    };
    KeyedRecord { key, keys }
}

/// One group before it is put in the answer: its id, members (hit positions) and evidence.
struct Formed {
    id: String,
    hits: Vec<usize>,
    evidence: Evidence,
}

/// Group hits: records of people through the linker (`[linkage]`), vehicles, telephones,
/// e-mail addresses and places by the identifiers they share, every other record alone.
/// Every group has a stable id and its evidence; every link shown is also returned for the
/// audit. Groups keep the order in which their first record arrived.
///
/// A record repeated in one answer (the same connector, kind and local id) sits in the group
/// of its first copy.
pub fn group(hits: Vec<Hit>, linker: &Linker) -> Grouped {
    let key_of = |h: &Hit| RecordKey::new(h.connector.clone(), h.record.source.local_id.clone());
    // Hit positions by category, first copies only; repeats point at their first copy.
    let mut first_copy: HashMap<(Category, RecordKey), usize> = HashMap::new();
    let mut copy_of: Vec<Option<usize>> = vec![None; hits.len()];
    let mut by_category: BTreeMap<Category, Vec<usize>> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        let c = category(&h.record.entity);
        match first_copy.entry((c, key_of(h))) {
            std::collections::hash_map::Entry::Occupied(e) => copy_of[i] = Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
                by_category.entry(c).or_default().push(i);
            }
        }
    }
    let mut formed: Vec<Formed> = Vec::new();
    let alone = |i: usize, formed: &mut Vec<Formed>| {
        formed.push(Formed {
            id: GroupId::of_members([&key_of(&hits[i])]).0,
            hits: vec![i],
            evidence: Evidence::Unmatched,
        });
    };
    for (c, positions) in &by_category {
        match c {
            Category::Person => {
                let records: Vec<PersonRecord> = positions
                    .iter()
                    .map(|&i| person_record(key_of(&hits[i]), &hits[i].record))
                    .collect();
                match interop_linkage::link(&records, &linker.config) {
                    Ok(linkage) => {
                        let mut members: Vec<Vec<usize>> = vec![Vec::new(); linkage.groups.len()];
                        for (k, &g) in linkage.record_groups.iter().enumerate() {
                            members[g].push(positions[k]);
                        }
                        for (g, hits) in linkage.groups.iter().zip(members) {
                            formed.push(Formed {
                                id: g.id.0.clone(),
                                hits,
                                evidence: Evidence::RecordLinkage {
                                    links: g.links.iter().map(Link::of).collect(),
                                    possible_matches: g
                                        .possible_matches
                                        .iter()
                                        .map(|p| PossibleMatch {
                                            other_group: p.other_group.0.clone(),
                                            link: Link::of(&p.link),
                                            because: NotGrouped::of(&p.because),
                                        })
                                        .collect(),
                                    possible_matches_left_off: g.possible_matches_left_off,
                                },
                            });
                        }
                    }
                    Err(e) => {
                        // Keys are unique and the settings checked at start, so this is a bug;
                        // the records are still shown, each alone, never merged unexplained.
                        tracing::error!("linking the people in a federated answer failed: {e}");
                        for &i in positions {
                            alone(i, &mut formed);
                        }
                    }
                }
            }
            Category::Unmatched => {
                for &i in positions {
                    alone(i, &mut formed);
                }
            }
            _ => {
                let records: Vec<KeyedRecord> = positions
                    .iter()
                    .map(|&i| keyed_record(key_of(&hits[i]), &hits[i].record))
                    .collect();
                match keys::group_by_keys(&records) {
                    Ok(grouping) => {
                        let mut members: Vec<Vec<usize>> = vec![Vec::new(); grouping.groups.len()];
                        for (k, &g) in grouping.record_groups.iter().enumerate() {
                            members[g].push(positions[k]);
                        }
                        for (g, hits) in grouping.groups.iter().zip(members) {
                            let evidence = if g.members.len() == 1 && g.possible_matches.is_empty()
                            {
                                Evidence::Unmatched
                            } else {
                                Evidence::SharedIdentifier {
                                    links: g
                                        .links
                                        .iter()
                                        .map(|l| SharedLink {
                                            records: [
                                                Member::of(&l.records[0]),
                                                Member::of(&l.records[1]),
                                            ],
                                            shared: l.shared.name().to_owned(),
                                        })
                                        .collect(),
                                    possible_matches: g
                                        .possible_matches
                                        .iter()
                                        .map(|p| SharedConflict {
                                            other_group: p.other_group.0.clone(),
                                            records: [
                                                Member::of(&p.records[0]),
                                                Member::of(&p.records[1]),
                                            ],
                                            shared: p.shared.name().to_owned(),
                                            conflicting: p.conflicting.name().to_owned(),
                                        })
                                        .collect(),
                                    possible_matches_left_off: g.possible_matches_left_off,
                                }
                            };
                            formed.push(Formed {
                                id: g.id.0.clone(),
                                hits,
                                evidence,
                            });
                        }
                    }
                    Err(e) => {
                        tracing::error!(
                            "grouping the {c:?} records of a federated answer failed: {e}"
                        );
                        for &i in positions {
                            alone(i, &mut formed);
                        }
                    }
                }
            }
        }
    }
    // Repeats join their first copy's group.
    let mut group_of_hit: Vec<usize> = vec![usize::MAX; hits.len()];
    for (g, f) in formed.iter().enumerate() {
        for &i in &f.hits {
            group_of_hit[i] = g;
        }
    }
    for (i, first) in copy_of.iter().enumerate() {
        if let Some(first) = first {
            let g = group_of_hit[*first];
            group_of_hit[i] = g;
            formed[g].hits.push(i);
        }
    }
    // The audit ids of every record, for the combination record.
    let audit_ids: HashMap<(Category, RecordKey), String> = first_copy
        .iter()
        .map(|(k, &i)| (k.clone(), disclosed_id(&hits[i])))
        .collect();
    let audit_id = |c: Category, m: &Member| {
        audit_ids
            .get(&(c, RecordKey::new(m.connector.clone(), m.local_id.clone())))
            .cloned()
            .unwrap_or_else(|| format!("{}:?:{}", m.connector, m.local_id))
    };
    let mut combined = Vec::new();
    for f in &formed {
        let c = f
            .hits
            .first()
            .map_or(Category::Unmatched, |&i| category(&hits[i].record.entity));
        let members: HashSet<RecordKey> = f.hits.iter().map(|&i| key_of(&hits[i])).collect();
        let is_member =
            |m: &Member| members.contains(&RecordKey::new(m.connector.clone(), m.local_id.clone()));
        combined.extend(combination(&f.id, c, &f.evidence, &is_member, &audit_id));
    }
    // Answer order: by each group's first record.
    for f in &mut formed {
        f.hits.sort_unstable();
    }
    formed.sort_by_key(|f| f.hits.first().copied().unwrap_or(usize::MAX));
    let mut slots: Vec<Option<Hit>> = hits.into_iter().map(Some).collect();
    let groups = formed
        .into_iter()
        .map(|f| Group {
            id: f.id,
            records: f.hits.iter().filter_map(|&i| slots[i].take()).collect(),
            evidence: f.evidence,
        })
        .collect();
    Grouped { groups, combined }
}

/// The audit's account of one group's links: each joined and each possible match, with its
/// records' audit ids and the evidence.
fn combination(
    group: &str,
    c: Category,
    evidence: &Evidence,
    is_member: &impl Fn(&Member) -> bool,
    audit_id: &impl Fn(Category, &Member) -> String,
) -> Vec<Linked> {
    let field_text = |f: &FieldLevel| format!("{}:{}", f.field, f.agreement);
    let scored = |l: &Link, decision: LinkDecision, because: Option<String>| Linked {
        group: group.to_owned(),
        decision,
        records: [audit_id(c, &l.records[0]), audit_id(c, &l.records[1])],
        match_weight: Some(l.match_weight),
        match_probability: Some(l.match_probability),
        agreed: l.agreed.iter().map(field_text).collect(),
        disagreed: l.disagreed.iter().map(field_text).collect(),
        shared: None,
        not_grouped_because: because,
    };
    let keyed = |records: &[Member; 2],
                 shared: &str,
                 decision: LinkDecision,
                 because: Option<String>| Linked {
        group: group.to_owned(),
        decision,
        records: [audit_id(c, &records[0]), audit_id(c, &records[1])],
        match_weight: None,
        match_probability: None,
        agreed: Vec::new(),
        disagreed: Vec::new(),
        shared: Some(shared.to_owned()),
        not_grouped_because: because,
    };
    match evidence {
        Evidence::RecordLinkage {
            links,
            possible_matches,
            ..
        } => links
            .iter()
            .map(|l| scored(l, LinkDecision::Grouped, None))
            // Each possible match is listed beside both groups; audit it once, from the group
            // holding its first record.
            .chain(
                possible_matches
                    .iter()
                    .filter(|p| is_member(&p.link.records[0]))
                    .map(|p| {
                        scored(
                            &p.link,
                            LinkDecision::PossibleMatch,
                            Some(p.because.audit_text()),
                        )
                    }),
            )
            .collect(),
        Evidence::SharedIdentifier {
            links,
            possible_matches,
            ..
        } => links
            .iter()
            .map(|l| keyed(&l.records, &l.shared, LinkDecision::Grouped, None))
            .chain(
                possible_matches
                    .iter()
                    .filter(|p| is_member(&p.records[0]))
                    .map(|p| {
                        keyed(
                            &p.records,
                            &p.shared,
                            LinkDecision::PossibleMatch,
                            Some(format!("conflicting_identifier:{}", p.conflicting)),
                        )
                    }),
            )
            .collect(),
        Evidence::Unmatched => Vec::new(),
    }
}
/// The audit id of a disclosed record: `connector:kind:local-id`.
pub fn disclosed_id(hit: &Hit) -> String {
    let kind = match &hit.record.entity {
        Entity::Person(_) => "person",
        Entity::Object(_) => "object",
        Entity::Location(_) => "location",
        Entity::Event(_) => "event",
        Entity::Organisation(_) => "organisation",
    };
    format!("{}:{kind}:{}", hit.connector, hit.record.source.local_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use interop_sandbox::types::{Event, EventKind, Handling, Person, Source, Vehicle};

    fn handling(c: Classification) -> Handling {
        Handling {
            classification: c,
            sensitive: false,
            caveats: vec![],
            grading: None,
            review_date: None,
        }
    }

    fn hit(connector: &str, id: &str, c: Classification, entity: Entity) -> Hit {
        Hit {
            connector: connector.into(),
            version: "1.0.0".into(),
            record: PoleRecord {
                source: Source {
                    force: "Test".into(),
                    system: connector.into(),
                    local_id: id.into(),
                    extracted_at: "2026-01-01T00:00:00Z".into(),
                },
                handling: handling(c),
                entity,
                links: vec![],
                linked: vec![],
                quality: vec![],
            },
        }
    }

    fn person(given: &str, surname: &str, dob: Option<&str>) -> Entity {
        Entity::Person(Person {
            given_names: vec![given.into()],
            middle_names: vec![],
            surname: Some(surname.into()),
            aliases: vec![],
            date_of_birth: dob.map(Into::into),
            date_of_birth_known: true,
            place_of_birth: None,
            gender: None,
            ethnicity_self_defined: None,
            ethnicity_observed: None,
            pnc_id: None,
            cro_number: None,
            description: None,
            warning_markers: vec![],
        })
    }

    fn vehicle(vrm: &str) -> Entity {
        Entity::Object(PoleObject::Vehicle(Vehicle {
            vrm: Some(vrm.into()),
            vin: None,
            make: None,
            model: None,
            body_shape: None,
            colours: vec![],
            registration_country: None,
        }))
    }

    fn with_pnc(mut e: Entity, pnc: &str) -> Entity {
        if let Entity::Person(p) = &mut e {
            p.pnc_id = Some(pnc.into());
        }
        e
    }

    fn group_of<'a>(grouped: &'a Grouped, connector: &str, id: &str) -> &'a Group {
        grouped
            .groups
            .iter()
            .find(|g| {
                g.records
                    .iter()
                    .any(|h| h.connector == connector && h.record.source.local_id == id)
            })
            .unwrap()
    }

    #[test]
    fn the_same_person_under_a_short_name_and_a_transposed_date_is_one_explained_group() {
        let o = Classification::Official;
        let grouped = group(
            vec![
                hit(
                    "kestrel",
                    "NOM-1",
                    o,
                    person("Alex", "Examplewood", Some("1988-04-07")),
                ),
                hit(
                    "harrier",
                    "KPR-1",
                    o,
                    person("ALEXANDER", "EXAMPLE-WOOD", Some("1988-07-04")),
                ),
                hit(
                    "kestrel",
                    "NOM-2",
                    o,
                    person("Alex", "Examplewood", Some("1990-01-01")),
                ),
                hit("kestrel", "NOM-3", o, person("Alex", "Examplewood", None)),
            ],
            &Linker::default(),
        );
        assert_eq!(grouped.groups.len(), 3);
        let g = &grouped.groups[0];
        assert_eq!(g.records.len(), 2);
        assert!(g.id.starts_with("grp_") && g.id.len() == 36, "{}", g.id);
        let Evidence::RecordLinkage { links, .. } = &g.evidence else {
            panic!("{:?}", g.evidence)
        };
        assert_eq!(links.len(), 1);
        assert!(links[0].match_probability > 0.95, "{:?}", links[0]);
        let agreed: Vec<String> = links[0]
            .agreed
            .iter()
            .map(|f| format!("{}:{}", f.field, f.agreement))
            .collect();
        assert!(agreed.contains(&"given_name:nickname".into()), "{agreed:?}");
        assert!(
            agreed.contains(&"date_of_birth:day_month_transposed".into()),
            "{agreed:?}"
        );
        // No date of birth: alike by name only, so beside the group, not in it.
        let alone = group_of(&grouped, "kestrel", "NOM-3");
        assert_eq!(alone.records.len(), 1);
        let Evidence::RecordLinkage {
            possible_matches, ..
        } = &alone.evidence
        else {
            panic!()
        };
        assert!(
            possible_matches
                .iter()
                .any(|p| p.other_group == g.id
                    && matches!(p.because, NotGrouped::BelowGroupThreshold)),
            "{possible_matches:?}"
        );
        // The audit lists the link with the records' audit ids.
        let joined: Vec<&Linked> = grouped
            .combined
            .iter()
            .filter(|l| l.decision == LinkDecision::Grouped)
            .collect();
        assert_eq!(joined.len(), 1);
        assert_eq!(
            joined[0].records,
            [
                "harrier:person:KPR-1".to_string(),
                "kestrel:person:NOM-1".to_string()
            ]
        );
        assert_eq!(joined[0].group, g.id);
        assert!(joined[0].agreed.contains(&"given_name:nickname".into()));
    }

    #[test]
    fn strangers_sharing_name_and_birthday_with_different_pnc_ids_stay_apart() {
        let o = Classification::Official;
        let same = || person("Jordan", "Sampleton", Some("1985-06-21"));
        let grouped = group(
            vec![
                hit("kestrel", "NOM-7", o, with_pnc(same(), "1985/0012345L")),
                hit("kestrel", "NOM-8", o, with_pnc(same(), "1994/0054321Z")),
            ],
            &Linker::default(),
        );
        assert_eq!(grouped.groups.len(), 2);
        let Evidence::RecordLinkage {
            possible_matches, ..
        } = &grouped.groups[0].evidence
        else {
            panic!()
        };
        assert_eq!(possible_matches.len(), 1, "{possible_matches:?}");
        assert_eq!(possible_matches[0].other_group, grouped.groups[1].id);
        assert!(
            possible_matches[0]
                .link
                .disagreed
                .iter()
                .any(|f| f.field == "pnc_id")
        );
        let audited: Vec<&Linked> = grouped.combined.iter().collect();
        assert_eq!(audited.len(), 1, "a possible match is audited once");
        assert_eq!(audited[0].decision, LinkDecision::PossibleMatch);
    }

    #[test]
    fn group_ids_and_groups_do_not_depend_on_connector_order() {
        let o = Classification::Official;
        let hits = vec![
            hit(
                "kestrel",
                "NOM-1",
                o,
                person("Alex", "Examplewood", Some("1988-04-07")),
            ),
            hit(
                "harrier",
                "KPR-1",
                o,
                person("Alexander", "Examplewood", Some("1988-07-04")),
            ),
            hit("harrier", "V-1", o, vehicle("ZX51 ABC")),
            hit("kestrel", "VEH-1", o, vehicle("zx51abc")),
        ];
        let ids = |hits: Vec<Hit>| {
            let mut out: Vec<(String, Vec<String>)> = group(hits, &Linker::default())
                .groups
                .into_iter()
                .map(|g| {
                    let mut m: Vec<String> = g
                        .records
                        .iter()
                        .map(|h| format!("{}:{}", h.connector, h.record.source.local_id))
                        .collect();
                    m.sort();
                    (g.id, m)
                })
                .collect();
            out.sort();
            out
        };
        let forward = ids(hits.clone());
        let mut reversed = hits;
        reversed.reverse();
        assert_eq!(forward, ids(reversed));
        assert_eq!(forward.len(), 2);
    }

    #[test]
    fn vehicles_group_by_vrm_ignoring_spacing_and_events_stand_alone() {
        let o = Classification::Official;
        let grouped = group(
            vec![
                hit("a", "1", o, vehicle("ZX51 ABC")),
                hit("b", "2", o, vehicle("zx51abc")),
                hit(
                    "b",
                    "3",
                    o,
                    Entity::Event(Event {
                        kind: EventKind::Other,
                        category: None,
                        references: vec![],
                        ho_classification: None,
                        offence_code: None,
                        starts_at: None,
                        ends_at: None,
                        exact_time_known: false,
                        description: None,
                        status: None,
                    }),
                ),
                hit("a", "1", o, vehicle("ZX51 ABC")),
            ],
            &Linker::default(),
        );
        assert_eq!(grouped.groups.len(), 2);
        assert_eq!(
            grouped.groups[0].records.len(),
            3,
            "a repeat joins its first copy"
        );
        let Evidence::SharedIdentifier { links, .. } = &grouped.groups[0].evidence else {
            panic!("{:?}", grouped.groups[0].evidence)
        };
        assert_eq!(links[0].shared, "vrm");
        assert!(matches!(grouped.groups[1].evidence, Evidence::Unmatched));
        assert_eq!(grouped.combined.len(), 1);
        assert_eq!(grouped.combined[0].shared.as_deref(), Some("vrm"));
        assert_eq!(
            grouped.combined[0].records,
            ["a:object:1".to_string(), "b:object:2".to_string()]
        );
    }

    #[test]
    fn records_above_clearance_are_withheld() {
        let (shown, withheld) = withhold(
            vec![
                hit("a", "1", Classification::Official, vehicle("A1")),
                hit("a", "2", Classification::Secret, vehicle("A2")),
                hit("a", "3", Classification::TopSecret, vehicle("A3")),
            ],
            Classification::Secret,
        );
        assert_eq!(shown.len(), 2);
        assert_eq!(withheld.len(), 1);
        assert_eq!(disclosed_id(&withheld[0]), "a:object:3");
    }
}
