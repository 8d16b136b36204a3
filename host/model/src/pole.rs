//! POLE entities (Person, Object, Location, Event), their handling labels and provenance.

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------- handling and provenance

/// Government Security Classifications tier. OFFICIAL-SENSITIVE is OFFICIAL with
/// [`Handling::sensitive`] set, as GSC defines it. Ordered: OFFICIAL < SECRET < TOP SECRET.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// OFFICIAL.
    Official,
    /// SECRET.
    Secret,
    /// TOP SECRET.
    TopSecret,
}

impl Classification {
    /// How the classification ranks against a clearance: OFFICIAL 0, SECRET 1, TOP SECRET 2.
    pub fn rank(self) -> u8 {
        match self {
            Classification::Official => 0,
            Classification::Secret => 1,
            Classification::TopSecret => 2,
        }
    }
}

/// 3x5x2 source evaluation (College of Policing APP): 1 reliable, 2 untested, 3 not reliable.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceEvaluation {
    /// 1: reliable.
    #[serde(rename = "1")]
    Reliable,
    /// 2: untested.
    #[serde(rename = "2")]
    Untested,
    /// 3: not reliable.
    #[serde(rename = "3")]
    NotReliable,
}

/// 3x5x2 intelligence assessment A–E.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IntelligenceAssessment {
    /// A: known to be true without reservation.
    A,
    /// B: known personally to the source but not to the officer.
    B,
    /// C: not known personally to the source, but corroborated.
    C,
    /// D: cannot be judged.
    D,
    /// E: suspected to be false or malicious.
    E,
}

/// 3x5x2 handling code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HandlingCode {
    /// P: lawful sharing permitted.
    Permitted,
    /// C: lawful sharing permitted with conditions; the conditions travel with the record.
    Conditions(String),
}

/// A 3x5x2 intelligence grading. As JSON, codes as the College of Policing writes them:
/// `{"source":"1","intelligence":"A","handling":"C","conditions":"…"}` (`conditions` null for P).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "GradingJson", try_from = "GradingJson")]
pub struct Grading {
    /// Source evaluation, 1–3.
    pub source: SourceEvaluation,
    /// Intelligence assessment, A–E.
    pub intelligence: IntelligenceAssessment,
    /// Handling code, P or C.
    pub handling: HandlingCode,
}

/// [`Grading`] as JSON.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GradingJson {
    source: SourceEvaluation,
    intelligence: IntelligenceAssessment,
    handling: HandlingLetter,
    #[serde(default)]
    conditions: Option<String>,
}

#[derive(Serialize, Deserialize)]
enum HandlingLetter {
    P,
    C,
}

impl From<Grading> for GradingJson {
    fn from(g: Grading) -> Self {
        let (handling, conditions) = match g.handling {
            HandlingCode::Permitted => (HandlingLetter::P, None),
            HandlingCode::Conditions(c) => (HandlingLetter::C, Some(c)),
        };
        GradingJson {
            source: g.source,
            intelligence: g.intelligence,
            handling,
            conditions,
        }
    }
}

impl TryFrom<GradingJson> for Grading {
    type Error = String;
    fn try_from(g: GradingJson) -> Result<Self, String> {
        let handling = match (g.handling, g.conditions) {
            (HandlingLetter::P, None) => HandlingCode::Permitted,
            (HandlingLetter::C, Some(c)) => HandlingCode::Conditions(c),
            (HandlingLetter::P, Some(_)) => {
                return Err("handling code P carries no conditions: set conditions to null".into());
            }
            (HandlingLetter::C, None) => {
                return Err("handling code C needs its conditions".into());
            }
        };
        Ok(Grading {
            source: g.source,
            intelligence: g.intelligence,
            handling,
        })
    }
}

/// A grading's schema, written out because its JSON is [`GradingJson`]'s and one rule is not a
/// field's type: handling code `C` carries its conditions, `P` none.
#[cfg(feature = "openapi")]
mod grading_schema {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
    use utoipa::openapi::{Ref, RefOr, Schema};

    use super::{Grading, IntelligenceAssessment, SourceEvaluation};

    impl utoipa::PartialSchema for Grading {
        fn schema() -> RefOr<Schema> {
            let variant = |letter: &str, conditions: Schema, required: bool| {
                let mut o = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property("source", Ref::from_schema_name("SourceEvaluation"))
                    .property(
                        "intelligence",
                        Ref::from_schema_name("IntelligenceAssessment"),
                    )
                    .property(
                        "handling",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some([letter])),
                    )
                    .property("conditions", conditions)
                    .required("source")
                    .required("intelligence")
                    .required("handling")
                    .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
                if required {
                    o = o.required("conditions");
                }
                Schema::Object(o.build())
            };
            let none = Schema::Object(ObjectBuilder::new().schema_type(Type::Null).build());
            let text = Schema::Object(ObjectBuilder::new().schema_type(Type::String).build());
            Schema::OneOf(
                OneOfBuilder::new()
                    .description(Some(
                        "3x5x2 grading: source evaluation (1-3), intelligence assessment (A-E), \
                         handling code P (no conditions) or C (with its conditions)",
                    ))
                    .item(variant("P", none, false))
                    .item(variant("C", text, true))
                    .build(),
            )
            .into()
        }
    }

    impl utoipa::ToSchema for Grading {
        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            use utoipa::PartialSchema as _;
            schemas.push((SourceEvaluation::name().into(), SourceEvaluation::schema()));
            schemas.push((
                IntelligenceAssessment::name().into(),
                IntelligenceAssessment::schema(),
            ));
        }
    }
}

/// Handling label carried by every record and every submission.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Handling {
    /// The GSC tier.
    pub classification: Classification,
    /// True for OFFICIAL-SENSITIVE.
    pub sensitive: bool,
    /// Further handling caveats, e.g. `PERSONAL`, `UK EYES ONLY`.
    pub caveats: Vec<String>,
    /// Present on intelligence.
    pub grading: Option<Grading>,
    /// MoPI next review date, `YYYY-MM-DD`.
    pub review_date: Option<String>,
}

/// Where a record came from. `local_id` is the vendor system's own id: `fetch` takes it back.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    /// Force or organisation owning the data, e.g. `Exampleshire Constabulary`.
    pub force: String,
    /// The system the connector talks to, e.g. `Acme RMS`.
    pub system: String,
    /// The record's id in that system.
    pub local_id: String,
    /// When the connector read it, RFC 3339.
    pub extracted_at: String,
}

// ---------------------------------------------------------------- person

/// Gender (DS_037), the Dictionary's eight values.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    TransMale,
    TransFemale,
    NonBinary,
    Intersex,
    NotSpecified,
    NotKnown,
}

/// Officer-observed ethnicity (DS_112), codes 0–7.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ObservedEthnicity {
    /// 0
    #[serde(rename = "0")]
    NotKnown,
    /// 1 White – North European
    #[serde(rename = "1")]
    WhiteNorthEuropean,
    /// 2 White – South European
    #[serde(rename = "2")]
    WhiteSouthEuropean,
    /// 3 Black
    #[serde(rename = "3")]
    Black,
    /// 4 Asian
    #[serde(rename = "4")]
    Asian,
    /// 5 Chinese, Japanese or South-East Asian
    #[serde(rename = "5")]
    EastAsian,
    /// 6 Arabic or North African
    #[serde(rename = "6")]
    Arabic,
    /// 7 Mixed
    #[serde(rename = "7")]
    Mixed,
}

/// A person (P_001 and the other person entities of the POLE Dictionary).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Person {
    /// Given names (DS_031), each 1–35 characters.
    pub given_names: Vec<String>,
    /// Middle names, same rules.
    pub middle_names: Vec<String>,
    /// Surname (DS_032), 1–35 characters.
    pub surname: Option<String>,
    /// Aliases and nicknames (DS_033).
    pub aliases: Vec<String>,
    /// Date of birth (DS_034), `YYYY-MM-DD`; never in the future.
    pub date_of_birth: Option<String>,
    /// False when the date of birth is an estimate.
    pub date_of_birth_known: bool,
    /// Place of birth (DS_035), a town.
    pub place_of_birth: Option<String>,
    /// Gender (DS_037).
    pub gender: Option<Gender>,
    /// Self-defined ethnicity (DS_038), ONS 18+1 code, e.g. `W1`.
    pub ethnicity_self_defined: Option<String>,
    /// Officer-observed ethnicity (DS_112).
    pub ethnicity_observed: Option<ObservedEthnicity>,
    /// PNC ID (DS_072), `YYYY/NNNNNNND`.
    pub pnc_id: Option<String>,
    /// CRO number (DS_071).
    pub cro_number: Option<String>,
    /// Physical description, free text.
    pub description: Option<String>,
    /// Officer-safety warning markers the vendor holds (e.g. `VIOLENT`), as its codes.
    pub warning_markers: Vec<String>,
}

// ---------------------------------------------------------------- object

/// A vehicle.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Vehicle {
    /// Vehicle registration mark (DS_065), 1–11 alphanumerics, no spaces.
    pub vrm: Option<String>,
    /// Vehicle identification number, 1–20.
    pub vin: Option<String>,
    /// Make (DS_066).
    pub make: Option<String>,
    /// Model (DS_067).
    pub model: Option<String>,
    /// Body shape (DS_068).
    pub body_shape: Option<String>,
    /// Colours (DS_069).
    pub colours: Vec<String>,
    /// Registration country, ISO 3166-1 alpha-3.
    pub registration_country: Option<String>,
}

/// Property (O_010): category, description and an optional identifier.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PropertyItem {
    /// Category (DS_097, PND `ObjectCategoryList`).
    pub category: String,
    /// Description (DS_098).
    pub description: String,
    /// Identifier type (DS_099), e.g. `IMEI`.
    pub id_type: Option<String>,
    /// Identifier (DS_100).
    pub id_number: Option<String>,
}

/// A weapon.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Weapon {
    /// SDM `WTLT` code.
    pub weapon_type: String,
    /// Details.
    pub details: Option<String>,
    /// Calibre.
    pub calibre: Option<String>,
    /// An imitation.
    pub imitation: bool,
}

/// A drug.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Drug {
    /// Drug type.
    pub drug_type: String,
    /// Description.
    pub description: Option<String>,
    /// Quantity with its unit, e.g. `12 g`.
    pub quantity: Option<String>,
}

/// Document type.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    Passport,
    DrivingLicence,
    IdentityCard,
    Other,
}

/// An identity document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Document {
    /// What kind of document.
    pub document_type: DocumentType,
    /// Passport (DS_056/057) or licence (DS_061/062) number.
    pub number: String,
    /// Issuing country, ISO 3166-1 alpha-3.
    pub country: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires: Option<String>,
}

/// Telephone type (DS_051).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum TelephoneType {
    #[serde(rename = "LANH")]
    LandlineHome,
    #[serde(rename = "LANW")]
    LandlineWork,
    #[serde(rename = "MOBH")]
    MobileHome,
    #[serde(rename = "MOBW")]
    MobileWork,
    #[serde(rename = "FAXH")]
    FaxHome,
    #[serde(rename = "FAXW")]
    FaxWork,
    #[serde(rename = "PAGH")]
    PagerHome,
    #[serde(rename = "PAGW")]
    PagerWork,
}

/// A telephone.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Telephone {
    /// Its type (DS_051).
    pub telephone_type: Option<TelephoneType>,
    /// Full international number (DS_053), `+441234567890`.
    pub number: String,
    /// Extension (DS_109), digits.
    pub extension: Option<String>,
}

/// An email address.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email {
    /// DS_054, `local@domain`, 5–120 characters.
    pub address: String,
}

/// An object of the POLE model.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PoleObject {
    Vehicle(Vehicle),
    Property(PropertyItem),
    Weapon(Weapon),
    Drug(Drug),
    Document(Document),
    Telephone(Telephone),
    Email(Email),
}

// ---------------------------------------------------------------- location

/// A location: an address, a point, or an area.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Flat or floor (DS_005); ground floor is `0`.
    pub site: Option<String>,
    /// Premises name or number (DS_006).
    pub premises: Option<String>,
    /// Street (DS_007).
    pub street: Option<String>,
    /// Town (DS_008).
    pub town: Option<String>,
    /// County (DS_009); a foreign or invalid postcode goes here.
    pub county: Option<String>,
    /// UK postcode (DS_010), e.g. `SW1A 2AA`.
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-3 (DS_004).
    pub country: Option<String>,
    /// UPRN (DS_011), 12 digits.
    pub uprn: Option<String>,
    /// WGS84 latitude, decimal degrees.
    pub latitude: Option<f64>,
    /// WGS84 longitude, decimal degrees.
    pub longitude: Option<f64>,
    /// Free-text area (DS_016) for places without an address.
    pub area: Option<String>,
}

// ---------------------------------------------------------------- organisation

/// An organisation: a company that keeps vehicles, a business at an address, a charity.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Organisation {
    /// Name (SDM `organisationName`), 1–160 characters.
    pub name: String,
    /// Companies House number or another registry's id, as the vendor holds it.
    pub registered_number: Option<String>,
    /// What kind of organisation, as the vendor's code (e.g. `COMPANY`).
    pub organisation_type: Option<String>,
    /// Free-text description.
    pub description: Option<String>,
}

// ---------------------------------------------------------------- event

/// What kind of event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Incident,
    Crime,
    IntelligenceReport,
    Custody,
    StopSearch,
    /// Something seen at a place and time: an ANPR read, a patrol sighting.
    Sighting,
    Other,
}

/// An event: an incident, crime, intelligence report, custody, stop and search…
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Event {
    /// What kind. As JSON `event_kind`: an entity's `kind` is its tag (`"kind":"event"`).
    #[serde(rename = "event_kind")]
    pub kind: EventKind,
    /// The vendor's category within the kind, as its code (e.g. `BURGLARY`, `ANPR`).
    pub category: Option<String>,
    /// The vendor's references for it (crime number, incident log number, URN).
    pub references: Vec<String>,
    /// Home Office classification (DS_074), `NNN/NN`.
    pub ho_classification: Option<String>,
    /// PNLD offence code (DS_080).
    pub offence_code: Option<String>,
    /// When it started, RFC 3339.
    pub starts_at: Option<String>,
    /// When it ended, RFC 3339.
    pub ends_at: Option<String>,
    /// Whether the times are exact.
    pub exact_time_known: bool,
    /// Free-text description.
    pub description: Option<String>,
    /// Vendor status.
    pub status: Option<String>,
}

// ---------------------------------------------------------------- records

/// The four POLE entity kinds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Person,
    Object,
    Location,
    Event,
    Organisation,
}

/// A POLE entity.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entity {
    Person(Person),
    Object(PoleObject),
    Location(Location),
    Event(Event),
    Organisation(Organisation),
}

impl Entity {
    /// Which of the kinds it is.
    pub fn kind(&self) -> EntityKind {
        match self {
            Entity::Person(_) => EntityKind::Person,
            Entity::Object(_) => EntityKind::Object,
            Entity::Location(_) => EntityKind::Location,
            Entity::Event(_) => EntityKind::Event,
            Entity::Organisation(_) => EntityKind::Organisation,
        }
    }
}

/// Points at an entity in the same system; `local_id` is opaque to the host.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    /// Its kind.
    pub kind: EntityKind,
    /// Its id in that system.
    pub local_id: String,
}

/// One link per role, as the SDM does. `role` is an SDM `linkReason`, e.g. `homeAddress`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Link {
    /// The entity the link starts at.
    pub from: EntityRef,
    /// The entity it points to.
    pub to: EntityRef,
    /// The SDM link reason.
    pub role: String,
}

/// An entity a record links to, carried with it: it has the record's source system and
/// handling; `local_id` is what the record's links name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedEntity {
    /// Its id in the record's system.
    pub local_id: String,
    /// The entity.
    pub entity: Entity,
}

/// A POLE entity as one system holds it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoleRecord {
    /// Where it came from.
    pub source: Source,
    /// Its handling label.
    pub handling: Handling,
    /// The entity.
    pub entity: Entity,
    /// Links from or to this entity.
    pub links: Vec<Link>,
    /// Entities its links name, carried with it (none, some or all of them).
    #[serde(default)]
    pub linked: Vec<LinkedEntity>,
    /// What the host's checks at the sandbox boundary found wrong with it, field by field
    /// (a date that is no date, a name behind a bidi override): the host's words, never the
    /// connector's. Empty for a record that passed; a connector cannot set it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<QualityWarning>,
}

/// One thing the host found wrong with a record a connector returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityWarning {
    /// Where, as a path into the record's JSON, e.g. `entity.date_of_birth`.
    pub field: String,
    /// What is wrong, quoting the value shortened and with control characters escaped.
    pub message: String,
}
