//! The host's binding to `interop:connector@0.1.x`: finding and calling a 0.1 connector's
//! exports, and converting between the 0.1 types and the host's own ([`interop_model`]).
//!
//! The rest of the host never sees a 0.1 type. What 0.1 lacks of the host's types (0.2's
//! additions) is handled here, once:
//! - up, from a 0.1 connector: records carry no `linked` entities, events no `category`,
//!   results no `total`;
//! - down, to a 0.1 connector: a request naming an organisation (a search or fetch of that
//!   kind, a submission of one or linking to one) or a sighting event is refused as invalid
//!   input without calling the connector; a submission's `reason` and an event's `category`
//!   are not passed on, since 0.1 has nowhere to put them.
//!
//! The capabilities serve the 0.1 `log` and `config` imports from the same code as every
//! other version's (see `capabilities::{log, config}`).

pub(crate) mod bindings;

use interop_model as m;

use bindings::types as v;

use super::convert::{Conv, TryConv, Unsupported, choices, mixed, records};
use super::exports::connector_exports;

/// The version these bindings were generated from; a component exporting a later 0.1 release
/// is bound by them too.
pub(crate) const VERSION: &str = "0.1.0";

connector_exports!();

records!(v <=> m:
    Grading { source, intelligence, handling }
    Handling { classification, sensitive, caveats, grading, review_date }
    Source { force, system, local_id, extracted_at }
    Person {
        given_names, middle_names, surname, aliases, date_of_birth, date_of_birth_known,
        place_of_birth, gender, ethnicity_self_defined, ethnicity_observed, pnc_id, cro_number,
        description, warning_markers,
    }
    Vehicle { vrm, vin, make, model, body_shape, colours, registration_country }
    PropertyItem { category, description, id_type, id_number }
    Weapon { weapon_type, details, calibre, imitation }
    Drug { drug_type, description, quantity }
    Document { document_type, number, country, expires }
    Telephone { telephone_type, number, extension }
    Email { address }
    Location {
        site, premises, street, town, county, postcode, country, uprn, latitude, longitude,
        area,
    }
    EntityRef { kind, local_id }
    Link { from, to, role }
    RequestContext {
        user_id, role, clearance, justification, case_reference, correlation_id,
        idempotency_key,
    }
    NameAndBirth { surname, given_name, date_of_birth }
    SearchQuery { kind, text, keys, limit, cursor }
    Receipt { local_id, created, reference }
    ConfigKey { name, description, kind, required, example }
    ConnectorInfo {
        id, name, vendor, version, contract_version, description, entity_kinds, operations,
        config, max_classification,
    }
    CheckReport { message, system_version }
);

choices!(v <=> m:
    Classification unit { Official, Secret, TopSecret }
    SourceEvaluation unit { Reliable, Untested, NotReliable }
    IntelligenceAssessment unit { A, B, C, D, E }
    Gender unit {
        Male, Female, TransMale, TransFemale, NonBinary, Intersex, NotSpecified, NotKnown,
    }
    ObservedEthnicity unit {
        NotKnown, WhiteNorthEuropean, WhiteSouthEuropean, Black, Asian, EastAsian, Arabic, Mixed,
    }
    DocumentType unit { Passport, DrivingLicence, IdentityCard, Other }
    TelephoneType unit {
        LandlineHome, LandlineWork, MobileHome, MobileWork, FaxHome, FaxWork, PagerHome,
        PagerWork,
    }
    Operation unit { Check, Search, Fetch, Submit }
    ConfigKind unit { Text, Secret, Endpoint }
);

choices!(v <=> m:
    PoleObject payload { Vehicle, Property, Weapon, Drug, Document, Telephone, Email }
    SearchKey payload { Name, Vrm, Vin, Reference, Postcode, Telephone, Email }
    ConnectorError payload { InvalidInput, NotFound, Unauthorized, Unavailable, Internal }
);

const NO_ORGANISATIONS: Unsupported = Unsupported("organisation entity");

mixed!(v <=> m: HandlingCode { Permitted; Conditions });

impl Conv<m::EntityKind> for v::EntityKind {
    fn conv(self) -> m::EntityKind {
        match self {
            v::EntityKind::Person => m::EntityKind::Person,
            v::EntityKind::Object => m::EntityKind::Object,
            v::EntityKind::Location => m::EntityKind::Location,
            v::EntityKind::Event => m::EntityKind::Event,
        }
    }
}

impl TryConv<v::EntityKind> for m::EntityKind {
    fn try_conv(self) -> Result<v::EntityKind, Unsupported> {
        Ok(match self {
            m::EntityKind::Person => v::EntityKind::Person,
            m::EntityKind::Object => v::EntityKind::Object,
            m::EntityKind::Location => v::EntityKind::Location,
            m::EntityKind::Event => v::EntityKind::Event,
            m::EntityKind::Organisation => return Err(NO_ORGANISATIONS),
        })
    }
}

impl Conv<m::EventKind> for v::EventKind {
    fn conv(self) -> m::EventKind {
        match self {
            v::EventKind::Incident => m::EventKind::Incident,
            v::EventKind::Crime => m::EventKind::Crime,
            v::EventKind::IntelligenceReport => m::EventKind::IntelligenceReport,
            v::EventKind::Custody => m::EventKind::Custody,
            v::EventKind::StopSearch => m::EventKind::StopSearch,
            v::EventKind::Other => m::EventKind::Other,
        }
    }
}

impl TryConv<v::EventKind> for m::EventKind {
    fn try_conv(self) -> Result<v::EventKind, Unsupported> {
        Ok(match self {
            m::EventKind::Incident => v::EventKind::Incident,
            m::EventKind::Crime => v::EventKind::Crime,
            m::EventKind::IntelligenceReport => v::EventKind::IntelligenceReport,
            m::EventKind::Custody => v::EventKind::Custody,
            m::EventKind::StopSearch => v::EventKind::StopSearch,
            m::EventKind::Sighting => return Err(Unsupported("sighting event kind")),
            m::EventKind::Other => v::EventKind::Other,
        })
    }
}

impl Conv<m::Event> for v::Event {
    fn conv(self) -> m::Event {
        let v::Event {
            kind,
            references,
            ho_classification,
            offence_code,
            starts_at,
            ends_at,
            exact_time_known,
            description,
            status,
        } = self;
        m::Event {
            kind: kind.conv(),
            category: None,
            references,
            ho_classification,
            offence_code,
            starts_at,
            ends_at,
            exact_time_known,
            description,
            status,
        }
    }
}

impl TryConv<v::Event> for m::Event {
    fn try_conv(self) -> Result<v::Event, Unsupported> {
        // 0.1 has no category: it is not passed on.
        let m::Event {
            kind,
            category: _,
            references,
            ho_classification,
            offence_code,
            starts_at,
            ends_at,
            exact_time_known,
            description,
            status,
        } = self;
        Ok(v::Event {
            kind: kind.try_conv()?,
            references,
            ho_classification,
            offence_code,
            starts_at,
            ends_at,
            exact_time_known,
            description,
            status,
        })
    }
}

impl Conv<m::Entity> for v::Entity {
    fn conv(self) -> m::Entity {
        match self {
            v::Entity::Person(x) => m::Entity::Person(x.conv()),
            v::Entity::Object(x) => m::Entity::Object(x.conv()),
            v::Entity::Location(x) => m::Entity::Location(x.conv()),
            v::Entity::Event(x) => m::Entity::Event(x.conv()),
        }
    }
}

impl TryConv<v::Entity> for m::Entity {
    fn try_conv(self) -> Result<v::Entity, Unsupported> {
        Ok(match self {
            m::Entity::Person(x) => v::Entity::Person(x.try_conv()?),
            m::Entity::Object(x) => v::Entity::Object(x.try_conv()?),
            m::Entity::Location(x) => v::Entity::Location(x.try_conv()?),
            m::Entity::Event(x) => v::Entity::Event(x.try_conv()?),
            m::Entity::Organisation(_) => return Err(NO_ORGANISATIONS),
        })
    }
}

impl Conv<m::PoleRecord> for v::PoleRecord {
    fn conv(self) -> m::PoleRecord {
        let v::PoleRecord {
            source,
            handling,
            entity,
            links,
        } = self;
        m::PoleRecord {
            source: source.conv(),
            handling: handling.conv(),
            entity: entity.conv(),
            links: links.conv(),
            linked: Vec::new(),
            quality: Vec::new(),
        }
    }
}

impl Conv<m::SearchResult> for v::SearchResult {
    fn conv(self) -> m::SearchResult {
        let v::SearchResult {
            records,
            next_cursor,
        } = self;
        m::SearchResult {
            records: records.conv(),
            next_cursor,
            total: None,
            dropped: m::Dropped::default(),
        }
    }
}

impl TryConv<v::Submission> for m::Submission {
    fn try_conv(self) -> Result<v::Submission, Unsupported> {
        // 0.1 has no reason: it is not passed on (the gateway's audit record keeps it).
        let m::Submission {
            local_id,
            handling,
            entity,
            links,
            reason: _,
        } = self;
        Ok(v::Submission {
            local_id,
            handling: handling.try_conv()?,
            entity: entity.try_conv()?,
            links: links.try_conv()?,
        })
    }
}
