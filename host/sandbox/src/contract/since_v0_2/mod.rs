//! The host's binding to `interop:connector@0.2.x`, the newest contract: finding and calling a
//! 0.2 connector's exports, and converting between the 0.2 types and the host's own
//! ([`interop_model`]), which have the same shape.

pub(crate) mod bindings;

use interop_model as m;

use bindings::types as v;

use super::convert::{choices, mixed, records};
use super::exports::connector_exports;

/// The version these bindings were generated from; a component exporting a later 0.2 release
/// is bound by them too.
pub(crate) const VERSION: &str = "0.2.0";

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
    Organisation { name, registered_number, organisation_type, description }
    Event {
        kind, category, references, ho_classification, offence_code, starts_at, ends_at,
        exact_time_known, description, status,
    }
    EntityRef { kind, local_id }
    Link { from, to, role }
    LinkedEntity { local_id, entity }
    PoleRecord { source, handling, entity, links, linked } + { quality }
    RequestContext {
        user_id, role, clearance, justification, case_reference, correlation_id,
        idempotency_key,
    }
    NameAndBirth { surname, given_name, date_of_birth }
    SearchQuery { kind, text, keys, limit, cursor }
    SearchResult { records, next_cursor, total } + { dropped }
    Submission { local_id, handling, entity, links, reason }
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
    EventKind unit {
        Incident, Crime, IntelligenceReport, Custody, StopSearch, Sighting, Other,
    }
    EntityKind unit { Person, Object, Location, Event, Organisation }
    Operation unit { Check, Search, Fetch, Submit }
    ConfigKind unit { Text, Secret, Endpoint }
);

choices!(v <=> m:
    PoleObject payload { Vehicle, Property, Weapon, Drug, Document, Telephone, Email }
    Entity payload { Person, Object, Location, Event, Organisation }
    SearchKey payload { Name, Vrm, Vin, Reference, Postcode, Telephone, Email }
    ConnectorError payload { InvalidInput, NotFound, Unauthorized, Unavailable, Internal }
);

mixed!(v <=> m: HandlingCode { Permitted; Conditions });
