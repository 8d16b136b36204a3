//! The calls' shapes: who asks and why, queries, submissions, receipts, `describe` answers and
//! errors.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::pole::{Classification, Entity, EntityKind, EventKind, Handling, Link, PoleRecord};

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

/// Structured search keys; every key given must match. As JSON, tagged by `kind`:
/// `{"kind":"name","surname":…,"given_name":…,"date_of_birth":…}`, `{"kind":"vrm","vrm":…}`,
/// `{"kind":"vin","vin":…}`, `{"kind":"reference","reference":…}`,
/// `{"kind":"postcode","postcode":…}`, `{"kind":"telephone","number":…}`,
/// `{"kind":"email","address":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "SearchKeyJson", try_from = "SearchKeyJson")]
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

/// [`SearchKey`] as JSON.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum SearchKeyJson {
    Name {
        surname: String,
        #[serde(default)]
        given_name: Option<String>,
        #[serde(default)]
        date_of_birth: Option<String>,
    },
    Vrm {
        vrm: String,
    },
    Vin {
        vin: String,
    },
    Reference {
        reference: String,
    },
    Postcode {
        postcode: String,
    },
    Telephone {
        number: String,
    },
    Email {
        address: String,
    },
}

impl From<SearchKey> for SearchKeyJson {
    fn from(k: SearchKey) -> Self {
        match k {
            SearchKey::Name(n) => SearchKeyJson::Name {
                surname: n.surname,
                given_name: n.given_name,
                date_of_birth: n.date_of_birth,
            },
            SearchKey::Vrm(vrm) => SearchKeyJson::Vrm { vrm },
            SearchKey::Vin(vin) => SearchKeyJson::Vin { vin },
            SearchKey::Reference(reference) => SearchKeyJson::Reference { reference },
            SearchKey::Postcode(postcode) => SearchKeyJson::Postcode { postcode },
            SearchKey::Telephone(number) => SearchKeyJson::Telephone { number },
            SearchKey::Email(address) => SearchKeyJson::Email { address },
        }
    }
}

impl From<SearchKeyJson> for SearchKey {
    fn from(k: SearchKeyJson) -> Self {
        match k {
            SearchKeyJson::Name {
                surname,
                given_name,
                date_of_birth,
            } => SearchKey::Name(NameAndBirth {
                surname,
                given_name,
                date_of_birth,
            }),
            SearchKeyJson::Vrm { vrm } => SearchKey::Vrm(vrm),
            SearchKeyJson::Vin { vin } => SearchKey::Vin(vin),
            SearchKeyJson::Reference { reference } => SearchKey::Reference(reference),
            SearchKeyJson::Postcode { postcode } => SearchKey::Postcode(postcode),
            SearchKeyJson::Telephone { number } => SearchKey::Telephone(number),
            SearchKeyJson::Email { address } => SearchKey::Email(address),
        }
    }
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
    /// Records the host took out of the connector's answer at the sandbox boundary, because
    /// the connector may not return them. A connector cannot set it.
    #[serde(default, skip_serializing_if = "Dropped::is_none")]
    pub dropped: Dropped,
}

/// Records a connector returned that the host dropped at the sandbox boundary, by reason.
/// Each is a fault of the connector: a gateway audits it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dropped {
    /// Classified above the `max_classification` the connector declares.
    pub above_ceiling: u32,
    /// Of another entity kind than the query asked for.
    pub wrong_kind: u32,
    /// Failing the boundary checks, under a policy that drops such records
    /// (`[records] malformed = "drop"`).
    pub malformed: u32,
}

impl Dropped {
    /// Was nothing dropped?
    pub fn is_none(&self) -> bool {
        *self == Dropped::default()
    }

    /// Why, in words a log or an error may carry (no record content).
    pub fn reason(&self) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (
                self.above_ceiling,
                "above the classification the connector declares",
            ),
            (self.wrong_kind, "of another kind than asked for"),
            (self.malformed, "failing the boundary checks"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }

    /// How many were dropped in all.
    pub fn total(&self) -> u32 {
        self.above_ceiling + self.wrong_kind + self.malformed
    }
}

/// One entity to create (no `local_id`) or update (with one), with its links.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Check,
    Search,
    Fetch,
    Submit,
}

/// What kind of configuration value a key is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigKind {
    /// A plain setting.
    Text,
    /// A credential: the host hands it over but never logs it.
    Secret,
    /// A URL the connector will call; a force grants outbound access by this value.
    Endpoint,
}

/// One configuration key a connector declares.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Every failure a connector reports. A trap is not an error: it kills the call. As JSON:
/// `{"kind":"not_found","message":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
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

/// Names as the API and the CLI write them (the serde form): `person`, `search`…
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

/// `contract_name()`: each value as the contract (`wit/`) spells it, for what a person reads.
macro_rules! contract_names {
    ($($ty:ident { $($variant:ident => $name:literal),* $(,)? })*) => {$(
        impl $ty {
            /// The value as the contract spells it, e.g. `top-secret`, `intelligence-report`.
            pub fn contract_name(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }
        }
    )*};
}

contract_names! {
    EntityKind {
        Person => "person", Object => "object", Location => "location", Event => "event",
        Organisation => "organisation",
    }
    Operation { Check => "check", Search => "search", Fetch => "fetch", Submit => "submit" }
    ConfigKind { Text => "text", Secret => "secret", Endpoint => "endpoint" }
    Classification { Official => "official", Secret => "secret", TopSecret => "top-secret" }
    EventKind {
        Incident => "incident", Crime => "crime", IntelligenceReport => "intelligence-report",
        Custody => "custody", StopSearch => "stop-search", Sighting => "sighting", Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_display_as_the_api_names_them() {
        assert_eq!(EntityKind::Person.to_string(), "person");
        assert_eq!(EntityKind::Organisation.to_string(), "organisation");
        assert_eq!(Operation::Submit.to_string(), "submit");
        assert_eq!(ConfigKind::Endpoint.to_string(), "endpoint");
        assert_eq!(Classification::TopSecret.to_string(), "top_secret");
    }

    #[test]
    fn the_external_json_is_tagged_snake_case_with_codes_as_codes() {
        use crate::pole::*;
        use serde_json::json;
        let key = |k: SearchKey, v: serde_json::Value| {
            assert_eq!(serde_json::to_value(&k).unwrap(), v);
            assert_eq!(serde_json::from_value::<SearchKey>(v).unwrap(), k);
        };
        key(
            SearchKey::Name(NameAndBirth {
                surname: "Examplewood".into(),
                given_name: None,
                date_of_birth: Some("1988-03-14".into()),
            }),
            json!({"kind": "name", "surname": "Examplewood", "given_name": null, "date_of_birth": "1988-03-14"}),
        );
        key(
            SearchKey::Vrm("ZX51ABC".into()),
            json!({"kind": "vrm", "vrm": "ZX51ABC"}),
        );
        key(
            SearchKey::Telephone("+447700900001".into()),
            json!({"kind": "telephone", "number": "+447700900001"}),
        );
        key(
            SearchKey::Email("a@b.example".into()),
            json!({"kind": "email", "address": "a@b.example"}),
        );
        assert_eq!(
            serde_json::to_value(ConnectorError::NotFound("no NOM-1".into())).unwrap(),
            json!({"kind": "not_found", "message": "no NOM-1"})
        );
        let vehicle = Entity::Object(PoleObject::Vehicle(Vehicle {
            vrm: Some("ZX51ABC".into()),
            vin: None,
            make: None,
            model: None,
            body_shape: None,
            colours: vec![],
            registration_country: None,
        }));
        let v = serde_json::to_value(&vehicle).unwrap();
        assert_eq!(
            (&v["kind"], &v["type"], &v["vrm"]),
            (&json!("object"), &json!("vehicle"), &json!("ZX51ABC"))
        );
        assert_eq!(serde_json::from_value::<Entity>(v).unwrap(), vehicle);
        let phone = PoleObject::Telephone(Telephone {
            telephone_type: Some(TelephoneType::MobileHome),
            number: "+447700900001".into(),
            extension: None,
        });
        assert_eq!(
            serde_json::to_value(&phone).unwrap()["telephone_type"],
            "MOBH"
        );
        assert_eq!(serde_json::to_value(ObservedEthnicity::Black).unwrap(), "3");
        assert_eq!(
            serde_json::to_value(Gender::NonBinary).unwrap(),
            "non_binary"
        );
        assert_eq!(
            serde_json::to_value(DocumentType::DrivingLicence).unwrap(),
            "driving_licence"
        );
        assert_eq!(
            serde_json::to_value(EventKind::IntelligenceReport).unwrap(),
            "intelligence_report"
        );
        let graded = Grading {
            source: SourceEvaluation::Untested,
            intelligence: IntelligenceAssessment::B,
            handling: HandlingCode::Conditions("no onward sharing".into()),
        };
        let g = serde_json::to_value(&graded).unwrap();
        assert_eq!(
            g,
            json!({"source": "2", "intelligence": "B", "handling": "C", "conditions": "no onward sharing"})
        );
        assert_eq!(serde_json::from_value::<Grading>(g).unwrap(), graded);
        assert!(
            serde_json::from_value::<Grading>(
                json!({"source": "1", "intelligence": "A", "handling": "C", "conditions": null})
            )
            .is_err()
        );
        let event = Entity::Event(Event {
            kind: EventKind::Sighting,
            category: Some("ANPR".into()),
            references: vec![],
            ho_classification: None,
            offence_code: None,
            starts_at: None,
            ends_at: None,
            exact_time_known: true,
            description: None,
            status: None,
        });
        let v = serde_json::to_value(&event).unwrap();
        assert_eq!(
            (&v["kind"], &v["event_kind"]),
            (&json!("event"), &json!("sighting"))
        );
        assert_eq!(serde_json::from_value::<Entity>(v).unwrap(), event);
        // The old forms are refused.
        assert!(serde_json::from_value::<SearchKey>(json!({"Vrm": "ZX51ABC"})).is_err());
        assert!(serde_json::from_value::<EntityKind>(json!("Person")).is_err());
    }

    #[test]
    fn values_are_named_as_the_contract_spells_them() {
        assert_eq!(Classification::TopSecret.contract_name(), "top-secret");
        assert_eq!(
            EventKind::IntelligenceReport.contract_name(),
            "intelligence-report"
        );
        assert_eq!(ConfigKind::Endpoint.contract_name(), "endpoint");
        assert_eq!(Operation::Check.contract_name(), "check");
    }

    #[test]
    fn classifications_are_ordered_by_rank() {
        assert!(Classification::Official < Classification::Secret);
        assert!(Classification::Secret < Classification::TopSecret);
        assert_eq!(Classification::TopSecret.rank(), 2);
    }
}
