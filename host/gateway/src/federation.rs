//! Federated results: records from every connector, withheld above the user's clearance, and
//! grouped when they describe the same real-world entity, keeping every source.
//!
//! Grouping keys (normalised: case, spacing and punctuation removed):
//! - person: surname + first given name + date of birth (all three needed: a name alone matches
//!   too many people to merge safely);
//! - vehicle: VRM, else VIN;
//! - telephone: the digits; email: the address, lowercase;
//! - location: UPRN, else postcode + street;
//! - anything else is its own group.
//!
//! Grouping only puts records side by side; it never merges their fields, so an officer sees
//! what each system says, with its source and handling.
//!
//! The fan-out is here too: one call per target connector, all at once, each timed into the
//! metrics.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Plugin;
use super::metrics::Metrics;
use interop_sandbox::CallError;
use interop_sandbox::types::{Classification, Entity, PoleObject, PoleRecord};

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

/// Records that describe the same real-world entity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    /// The normalised key they share, e.g. `person:examplewood:alex:1988-03-14`, or
    /// `record:CONNECTOR:LOCAL-ID` for a record grouped with nothing.
    pub key: String,
    /// The records, in connector order.
    pub records: Vec<Hit>,
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

/// The key a record is grouped by, if it can be matched across systems.
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

/// Group hits that share a subject key; the rest stand alone. Groups keep the order in which
/// their first record arrived.
pub fn group(hits: Vec<Hit>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for hit in hits {
        let key = subject_key(&hit.record)
            .unwrap_or_else(|| format!("record:{}:{}", hit.connector, hit.record.source.local_id));
        match groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.records.push(hit),
            None => groups.push(Group {
                key,
                records: vec![hit],
            }),
        }
    }
    groups
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

    #[test]
    fn the_same_person_in_two_systems_is_one_group_with_both_sources() {
        let o = Classification::Official;
        let groups = group(vec![
            hit(
                "kestrel",
                "NOM-1",
                o,
                person("Alex", "Examplewood", Some("1988-03-14")),
            ),
            hit(
                "harrier",
                "KPR-1",
                o,
                person("ALEX", "EXAMPLE-WOOD", Some("1988-03-14")),
            ),
            hit(
                "kestrel",
                "NOM-2",
                o,
                person("Alex", "Examplewood", Some("1990-01-01")),
            ),
            hit("kestrel", "NOM-3", o, person("Alex", "Examplewood", None)),
        ]);
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].key, "person:examplewood:alex:1988-03-14");
        assert_eq!(groups[0].records.len(), 2);
        assert_eq!(groups[2].key, "record:kestrel:NOM-3", "no DOB: not merged");
    }

    #[test]
    fn vehicles_group_by_vrm_ignoring_spacing() {
        let o = Classification::Official;
        let groups = group(vec![
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
        ]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].key, "vrm:ZX51ABC");
        assert_eq!(groups[0].records.len(), 2);
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
