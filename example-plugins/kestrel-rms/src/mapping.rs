//! Kestrel's JSON ↔ the contract's POLE records. Pure functions: no host calls, so they are
//! unit-tested natively.

use interop_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// The system name in every record's `source`.
pub const SYSTEM: &str = "Kestrel RMS";

/// Separates a parent record's id from the id of an entity Kestrel keeps inside it, e.g.
/// `NOM-000101/ADR-0201` for an address on a nominal or `INC-000301/location` for where an
/// incident happened. Kestrel ids never contain `/`.
pub const SUB_ID_SEPARATOR: char = '/';

/// The sub-id of an incident's location.
pub const INCIDENT_LOCATION_SUB_ID: &str = "location";

// ------------------------------------------------------------------------------ Kestrel JSON

/// `GET /api/v2/status`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub system: Option<String>,
    pub version: Option<String>,
    pub force: Option<String>,
    pub nominal_count: Option<u64>,
    pub incident_count: Option<u64>,
    #[serde(default)]
    pub vehicle_count: Option<u64>,
}

/// A page of search results.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub total: u64,
    pub offset: u64,
    pub items: Vec<T>,
}

/// A person ("nominal").
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Nominal {
    pub nominal_id: String,
    #[serde(default)]
    pub forename1: Option<String>,
    #[serde(default)]
    pub forename2: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    /// `DD/MM/YYYY`.
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub sex_code: Option<String>,
    #[serde(default)]
    pub ethnic_code: Option<String>,
    #[serde(default)]
    pub pnc_ref: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Most recent first.
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[serde(default)]
    pub phones: Vec<String>,
    /// Warning markers, e.g. `VIOLENT`.
    #[serde(default)]
    pub markers: Vec<String>,
    pub protective_marking: String,
}

/// An address on a nominal.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub address_id: String,
    #[serde(default)]
    pub house_no: Option<String>,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub town: Option<String>,
    #[serde(default)]
    pub county: Option<String>,
    #[serde(default)]
    pub post_code: Option<String>,
    #[serde(default)]
    pub uprn: Option<String>,
}

/// An incident.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub incident_id: String,
    #[serde(default)]
    pub incident_number: Option<String>,
    #[serde(default)]
    pub incident_type: Option<String>,
    #[serde(default)]
    pub ho_class: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub occurred_from: Option<String>,
    #[serde(default)]
    pub occurred_to: Option<String>,
    #[serde(default)]
    pub location_text: Option<String>,
    #[serde(default)]
    pub nominals: Vec<IncidentNominal>,
    #[serde(default)]
    pub case_ref: Option<String>,
    pub protective_marking: String,
}

/// A nominal's part in an incident.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IncidentNominal {
    pub nominal_id: String,
    /// `SUSPECT`, `VICTIM`, `WITNESS` or `REPORTER`.
    pub role: String,
}

/// `POST /api/v2/incidents` body.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewIncident {
    pub incident_type: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ho_class: Option<String>,
    pub reporting_officer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_ref: Option<String>,
    pub protective_marking: String,
    pub nominals: Vec<IncidentNominal>,
}

/// `POST /api/v2/incidents` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub incident_id: String,
    #[serde(default)]
    pub incident_number: Option<String>,
}

/// A vehicle of interest: a vehicle an officer asked Kestrel to hold, and why.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VehicleOfInterest {
    pub vehicle_id: String,
    /// As entered: it may hold spaces.
    #[serde(default)]
    pub vrm: Option<String>,
    #[serde(default)]
    pub make: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    /// One string.
    #[serde(default)]
    pub colour: Option<String>,
    #[serde(default)]
    pub body_type: Option<String>,
    #[serde(default)]
    pub vin: Option<String>,
    #[serde(default)]
    pub nominals: Vec<VehicleNominal>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub requested_by: Option<String>,
    #[serde(default)]
    pub case_ref: Option<String>,
    pub protective_marking: String,
}

/// A nominal's link to a vehicle of interest.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct VehicleNominal {
    pub nominal_id: String,
    /// `OWNER`, `DRIVER` or `PASSENGER`.
    pub role: String,
}

/// `POST /api/v2/vehicles` body.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewVehicle {
    pub vrm: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vin: Option<String>,
    pub reason: String,
    pub requested_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_ref: Option<String>,
    pub protective_marking: String,
    pub nominals: Vec<VehicleNominal>,
}

/// `POST /api/v2/vehicles` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedVehicle {
    pub vehicle_id: String,
}

/// Kestrel's error body, `{"error": "…"}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

/// The detail to quote from an error response: the `error` field, or the raw text.
pub fn error_detail(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorBody>(body)
        .map(|e| e.error)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned())
}

// ------------------------------------------------------------------------------ to POLE

fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Kestrel's protective marking as contract handling.
///
/// # Errors
///
/// `internal` for a marking Kestrel does not document: a connector must not guess a
/// classification.
pub fn handling(marking: &str, local_id: &str) -> Result<Handling, ConnectorError> {
    Handling::from_marking(marking).ok_or_else(|| {
        ConnectorError::Internal(format!(
            "Kestrel record {local_id} has an unknown protective marking"
        ))
    })
}

/// Kestrel's `sexCode` as the Dictionary's gender.
pub fn gender(sex_code: &str) -> Option<Gender> {
    match sex_code.trim().to_ascii_uppercase().as_str() {
        "M" => Some(Gender::Male),
        "F" => Some(Gender::Female),
        "X" => Some(Gender::NonBinary),
        "U" => Some(Gender::NotKnown),
        _ => None,
    }
}

/// The local id of an entity kept inside a parent record.
pub fn sub_id(parent: &str, sub: &str) -> String {
    format!("{parent}{SUB_ID_SEPARATOR}{sub}")
}

/// The sub-id of a nominal's `n`th phone (from 1).
pub fn phone_sub_id(n: usize) -> String {
    format!("TEL-{n}")
}

/// A nominal as a person record, linked to its addresses (the first, most recent, as
/// `homeAddress`; older ones as `previousAddress`) and telephones (`personalTelephone`), and
/// carrying them, so an officer sees where the person lives without a second call.
///
/// # Errors
///
/// `internal` for an unknown protective marking.
pub fn person_record(n: &Nominal, force: &str) -> Result<PoleRecord, ConnectorError> {
    let mut person = match present(&n.family_name) {
        Some(surname) => Person::new(surname),
        None => Person::unnamed(),
    };
    for forename in [&n.forename1, &n.forename2].into_iter().filter_map(present) {
        person = person.given_name(forename);
    }
    for alias in n.aliases.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        person = person.alias(alias);
    }
    if let Some(dob) = present(&n.birth_date).and_then(validate::dmy_to_iso) {
        person = person.born(dob);
    }
    if let Some(gender) = present(&n.sex_code).and_then(gender) {
        person = person.gender(gender);
    }
    if let Some(code) = present(&n.ethnic_code) {
        person = person.ethnicity_self_defined(code);
    }
    if let Some(pnc) = present(&n.pnc_ref) {
        person = person.pnc_id(pnc);
    }
    for marker in n.markers.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
        person = person.warning_marker(marker);
    }
    let handling = handling(&n.protective_marking, &n.nominal_id)?;
    let mut record = PoleRecord::new(Source::new(force, SYSTEM, &n.nominal_id), handling, person);
    for (i, address) in n.addresses.iter().enumerate() {
        let role = if i == 0 {
            roles::HOME_ADDRESS
        } else {
            "previousAddress"
        };
        let id = sub_id(&n.nominal_id, &address.address_id);
        record = record.with_linked(id, role, location(address));
    }
    for (i, number) in n.phones.iter().enumerate() {
        let id = sub_id(&n.nominal_id, &phone_sub_id(i + 1));
        record = record.with_linked(id, roles::PERSONAL_TELEPHONE, telephone(number));
    }
    Ok(record)
}

/// One of a nominal's addresses as a location record (with the nominal's handling), or
/// `None` when the nominal has no address with that id.
///
/// # Errors
///
/// `internal` for an unknown protective marking.
pub fn address_record(
    n: &Nominal,
    address_id: &str,
    force: &str,
) -> Result<Option<PoleRecord>, ConnectorError> {
    let Some(a) = n.addresses.iter().find(|a| a.address_id == address_id) else {
        return Ok(None);
    };
    let handling = handling(&n.protective_marking, &n.nominal_id)?;
    let local_id = sub_id(&n.nominal_id, &a.address_id);
    let record = PoleRecord::new(Source::new(force, SYSTEM, local_id), handling, location(a))
        .link_from(EntityRef::person(&n.nominal_id), roles::HOME_ADDRESS);
    Ok(Some(record))
}

/// A Kestrel address as a location. A postcode that is not a valid UK postcode (Kestrel's
/// synthetic `ZZ` ones, for instance) goes to the county line, as DS_010 asks.
pub fn location(a: &Address) -> Location {
    let mut l = Location::new();
    if let Some(v) = present(&a.house_no) {
        l = l.premises(v);
    }
    if let Some(v) = present(&a.street) {
        l = l.street(v);
    }
    if let Some(v) = present(&a.town) {
        l = l.town(v);
    }
    if let Some(v) = present(&a.county) {
        l = l.county(v);
    }
    if let Some(v) = present(&a.post_code) {
        l = l.postcode(v);
    }
    if let Some(v) = present(&a.uprn) {
        l = l.uprn(v);
    }
    l
}

/// A nominal's `n`th phone (from 1) as a telephone record, if it has one.
///
/// # Errors
///
/// `internal` for an unknown protective marking.
pub fn phone_record(
    n: &Nominal,
    index: usize,
    force: &str,
) -> Result<Option<PoleRecord>, ConnectorError> {
    let Some(number) = index.checked_sub(1).and_then(|i| n.phones.get(i)) else {
        return Ok(None);
    };
    let handling = handling(&n.protective_marking, &n.nominal_id)?;
    let local_id = sub_id(&n.nominal_id, &phone_sub_id(index));
    let record = PoleRecord::new(
        Source::new(force, SYSTEM, local_id),
        handling,
        telephone(number),
    )
    .link_from(EntityRef::person(&n.nominal_id), roles::PERSONAL_TELEPHONE);
    Ok(Some(record))
}

/// A Kestrel telephone number as a telephone, in E.164 when Kestrel's number can be read so.
fn telephone(number: &str) -> Telephone {
    let number = validate::normalise_telephone(number).unwrap_or_else(|| number.trim().to_string());
    Telephone::new(number)
}

/// Kestrel's incident role as an SDM link reason.
pub fn role_to_link(role: &str) -> String {
    match role.trim().to_ascii_uppercase().as_str() {
        "SUSPECT" => roles::KNOWN_SUSPECT.to_string(),
        "VICTIM" => roles::VICTIM.to_string(),
        "WITNESS" => roles::WITNESS.to_string(),
        "REPORTER" => roles::PERSON_REPORTING.to_string(),
        // An undocumented role is passed on as Kestrel names it rather than dropped.
        other => other.to_ascii_lowercase(),
    }
}

/// An SDM link reason as Kestrel's incident role, if Kestrel has one.
pub fn link_to_role(link_role: &str) -> Option<&'static str> {
    match link_role {
        roles::KNOWN_SUSPECT => Some("SUSPECT"),
        roles::VICTIM => Some("VICTIM"),
        roles::WITNESS => Some("WITNESS"),
        roles::PERSON_REPORTING => Some("REPORTER"),
        _ => None,
    }
}

/// An incident as an event record, linked to its nominals by role and to its location.
/// Kestrel's incident type (the Dictionary's crime type, DS_078) is the event's category.
///
/// # Errors
///
/// `internal` for an unknown protective marking.
pub fn event_record(i: &Incident, force: &str) -> Result<PoleRecord, ConnectorError> {
    let mut event = Event::new(EventKind::Incident);
    if let Some(number) = present(&i.incident_number) {
        event = event.reference(number);
    }
    if let Some(case_ref) = present(&i.case_ref) {
        event = event.reference(case_ref);
    }
    if let Some(class) = present(&i.ho_class) {
        event = event.ho_classification(class);
    }
    event = match (present(&i.occurred_from), present(&i.occurred_to)) {
        (Some(from), Some(to)) if from == to => event.at(from),
        (Some(from), Some(to)) => event.between(from, to),
        (Some(from), None) => Event {
            starts_at: Some(from.to_string()),
            ..event
        },
        (None, Some(to)) => Event {
            ends_at: Some(to.to_string()),
            ..event
        },
        (None, None) => event,
    };
    if let Some(incident_type) = present(&i.incident_type) {
        event = event.category(incident_type);
    }
    if let Some(summary) = present(&i.summary) {
        event = event.description(summary);
    }
    let handling = handling(&i.protective_marking, &i.incident_id)?;
    let mut record = PoleRecord::new(Source::new(force, SYSTEM, &i.incident_id), handling, event);
    for n in &i.nominals {
        record = record.link_to(EntityRef::person(&n.nominal_id), role_to_link(&n.role));
    }
    if present(&i.location_text).is_some() {
        let to = EntityRef::location(sub_id(&i.incident_id, INCIDENT_LOCATION_SUB_ID));
        record = record.link_to(to, roles::INCIDENT_LOCATION);
    }
    Ok(record)
}

/// Where an incident happened as a location record (Kestrel keeps it as free text, so it is
/// an area), or `None` when not recorded.
///
/// # Errors
///
/// `internal` for an unknown protective marking.
pub fn incident_location_record(
    i: &Incident,
    force: &str,
) -> Result<Option<PoleRecord>, ConnectorError> {
    let Some(text) = present(&i.location_text) else {
        return Ok(None);
    };
    let handling = handling(&i.protective_marking, &i.incident_id)?;
    let local_id = sub_id(&i.incident_id, INCIDENT_LOCATION_SUB_ID);
    let record = PoleRecord::new(
        Source::new(force, SYSTEM, local_id),
        handling,
        Location::area(text),
    )
    .link_from(EntityRef::event(&i.incident_id), roles::INCIDENT_LOCATION);
    Ok(Some(record))
}

/// Kestrel's vehicle role as an SDM person → vehicle link reason.
pub fn vehicle_role_to_link(role: &str) -> String {
    match role.trim().to_ascii_uppercase().as_str() {
        "OWNER" => roles::OWNERSHIP_OF.to_string(),
        "DRIVER" => roles::DRIVER_OF.to_string(),
        "PASSENGER" => PASSENGER_OF.to_string(),
        // An undocumented role is passed on as Kestrel names it rather than dropped.
        other => other.to_ascii_lowercase(),
    }
}

/// An SDM person → vehicle link reason as Kestrel's vehicle role, if Kestrel has one.
pub fn link_to_vehicle_role(link_role: &str) -> Option<&'static str> {
    match link_role {
        roles::OWNERSHIP_OF => Some("OWNER"),
        roles::DRIVER_OF => Some("DRIVER"),
        PASSENGER_OF => Some("PASSENGER"),
        _ => None,
    }
}

/// SDM person → vehicle: the person was a passenger in it (the SDK names no constant for it).
pub const PASSENGER_OF: &str = "passengerOf";

/// A vehicle of interest as a vehicle object record, linked from its nominals by role
/// (`ownershipOf`, `driverOf`, `passengerOf`). The mark is normalised (Kestrel keeps it as
/// entered, spaces and all).
///
/// The contract's vehicle has no free-text field, so why the vehicle is of interest
/// (`reason`), who asked (`requestedBy`) and the case reference stay in Kestrel: the record
/// says "Kestrel holds this vehicle", and a fetch from Kestrel itself shows why.
///
/// # Errors
///
/// `internal` for an unknown protective marking.
pub fn vehicle_record(v: &VehicleOfInterest, force: &str) -> Result<PoleRecord, ConnectorError> {
    let mut vehicle = match present(&v.vrm) {
        Some(vrm) => Vehicle::with_vrm(vrm),
        None => Vehicle::unregistered(),
    };
    if let Some(vin) = present(&v.vin) {
        vehicle = vehicle.vin(vin);
    }
    if let Some(make) = present(&v.make) {
        vehicle = vehicle.make(make);
    }
    if let Some(model) = present(&v.model) {
        vehicle = vehicle.model(model);
    }
    if let Some(colour) = present(&v.colour) {
        vehicle = vehicle.colour(colour);
    }
    if let Some(body) = present(&v.body_type) {
        vehicle = vehicle.body_shape(body);
    }
    let handling = handling(&v.protective_marking, &v.vehicle_id)?;
    let mut record = PoleRecord::new(
        Source::new(force, SYSTEM, &v.vehicle_id),
        handling,
        Entity::Object(vehicle.into()),
    );
    for n in &v.nominals {
        record = record.link_from(
            EntityRef::person(&n.nominal_id),
            vehicle_role_to_link(&n.role),
        );
    }
    Ok(record)
}

// ------------------------------------------------------------------------------ from POLE

/// Contract handling as Kestrel's protective marking.
///
/// # Errors
///
/// `invalid-input` for TOP SECRET, which Kestrel cannot hold.
pub fn marking(handling: &Handling) -> Result<&'static str, ConnectorError> {
    match (handling.classification, handling.sensitive) {
        (Classification::Official, false) => Ok("OFFICIAL"),
        (Classification::Official, true) => Ok("OFFICIAL-SENSITIVE"),
        (Classification::Secret, _) => Ok("SECRET"),
        (Classification::TopSecret, _) => Err(ConnectorError::InvalidInput(
            "Kestrel RMS cannot hold TOP SECRET material".into(),
        )),
    }
}

/// Kestrel's incident type for a submitted event: the `[TYPE]` its description starts with
/// (see [`event_record`]), else one derived from the event kind.
fn split_type(kind: EventKind, description: &str) -> (String, String) {
    let description = description.trim();
    if let Some(rest) = description.strip_prefix('[')
        && let Some((t, summary)) = rest.split_once(']')
        && !t.trim().is_empty()
    {
        return (t.trim().to_ascii_uppercase(), summary.trim().to_string());
    }
    let t = match kind {
        EventKind::Incident => "INCIDENT",
        EventKind::Crime => "CRIME",
        EventKind::IntelligenceReport => "INTELLIGENCE",
        EventKind::Custody => "CUSTODY",
        EventKind::StopSearch => "STOP SEARCH",
        EventKind::Sighting => "SIGHTING",
        EventKind::Other => "OTHER",
    };
    (t.to_string(), description.to_string())
}

/// A submitted event as Kestrel's new-incident body. The reporting officer is the requesting
/// user and the case reference comes from the request context; links to people with the
/// roles Kestrel knows become the incident's nominals.
///
/// # Errors
///
/// `invalid-input` when the submission is not a new event, has no description (Kestrel's
/// required summary), a link Kestrel cannot record, or TOP SECRET handling.
pub fn new_incident(
    ctx: &RequestContext,
    item: &Submission,
) -> Result<NewIncident, ConnectorError> {
    let invalid = |m: &str| Err(ConnectorError::InvalidInput(m.to_string()));
    if item.local_id.is_some() {
        return invalid("Kestrel RMS incidents cannot be updated through this connector");
    }
    let Entity::Event(event) = &item.entity else {
        return Err(unsupported(&item.entity));
    };
    let (incident_type, summary) =
        split_type(event.kind, event.description.as_deref().unwrap_or(""));
    // The event's own category is the incident type, when it has one.
    let incident_type = match event.category.as_deref().map(str::trim) {
        Some(category) if !category.is_empty() => category.to_ascii_uppercase(),
        _ => incident_type,
    };
    if summary.is_empty() {
        return invalid("the event needs a description: it becomes the Kestrel incident summary");
    }
    let mut nominals = Vec::new();
    for link in &item.links {
        let person = match (link.from.kind, link.to.kind) {
            (EntityKind::Event, EntityKind::Person) => &link.to,
            (EntityKind::Person, EntityKind::Event) => &link.from,
            _ => {
                return Err(ConnectorError::InvalidInput(format!(
                    "Kestrel RMS records only event–person links, not {} → {}",
                    link.from.kind.as_str(),
                    link.to.kind.as_str()
                )));
            }
        };
        let Some(role) = link_to_role(&link.role) else {
            return Err(ConnectorError::InvalidInput(format!(
                "Kestrel RMS has no incident role for link reason `{}`",
                link.role
            )));
        };
        nominals.push(IncidentNominal {
            nominal_id: person.local_id.clone(),
            role: role.to_string(),
        });
    }
    Ok(NewIncident {
        incident_type,
        summary,
        occurred_from: event.starts_at.clone(),
        occurred_to: event.ends_at.clone(),
        ho_class: event.ho_classification.clone(),
        reporting_officer: ctx.user_id.clone(),
        case_ref: ctx.case_reference.clone(),
        protective_marking: marking(&item.handling)?.to_string(),
        nominals,
    })
}

/// What an entity is, for messages: `person`, `location`, `event` or the object's kind.
fn entity_name(entity: &Entity) -> &'static str {
    match entity {
        Entity::Person(_) => "person",
        Entity::Location(_) => "location",
        Entity::Event(_) => "event",
        Entity::Object(PoleObject::Vehicle(_)) => "vehicle",
        Entity::Object(PoleObject::Property(_)) => "property item",
        Entity::Object(PoleObject::Weapon(_)) => "weapon",
        Entity::Object(PoleObject::Drug(_)) => "drug",
        Entity::Object(PoleObject::Document(_)) => "document",
        Entity::Object(PoleObject::Telephone(_)) => "telephone",
        Entity::Object(PoleObject::Email(_)) => "email",
        Entity::Organisation(_) => "organisation",
    }
}

/// The error for a submission Kestrel cannot take.
pub fn unsupported(entity: &Entity) -> ConnectorError {
    ConnectorError::InvalidInput(format!(
        "Kestrel RMS accepts events (new incidents) and vehicles (new vehicles of interest), \
         not a {}",
        entity_name(entity)
    ))
}

/// A submitted vehicle as Kestrel's new vehicle-of-interest body. The reason is the
/// submission's own, else the request's justification; the requester is its user and the case reference its case; links from people
/// with the roles Kestrel knows (`ownershipOf`, `driverOf`, `passengerOf`) become the
/// vehicle's nominals. Several colours are joined with `/` (Kestrel keeps one string).
///
/// # Errors
///
/// `invalid-input` when the submission is not a new vehicle, has no valid VRM, comes with no
/// reason and an empty justification (Kestrel requires a reason), has a link Kestrel cannot
/// record, or has TOP SECRET handling.
pub fn new_vehicle(ctx: &RequestContext, item: &Submission) -> Result<NewVehicle, ConnectorError> {
    let invalid = |m: String| Err(ConnectorError::InvalidInput(m));
    let Entity::Object(PoleObject::Vehicle(vehicle)) = &item.entity else {
        return Err(unsupported(&item.entity));
    };
    if item.local_id.is_some() {
        return invalid(
            "Kestrel RMS vehicles of interest cannot be updated through this connector".into(),
        );
    }
    let Some(vrm) = vehicle.vrm.as_deref() else {
        return invalid("a vehicle of interest needs a VRM".into());
    };
    let Some(vrm) = validate::normalise_vrm(vrm) else {
        return invalid(format!("`{vrm}` is not a registration mark"));
    };
    let reason = item
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or(ctx.justification.trim());
    if reason.is_empty() {
        return invalid(
            "a vehicle of interest needs a reason: the request's justification is empty".into(),
        );
    }
    let mut nominals = Vec::new();
    for link in &item.links {
        let person = match (link.from.kind, link.to.kind) {
            (EntityKind::Person, EntityKind::Object) => &link.from,
            (EntityKind::Object, EntityKind::Person) => &link.to,
            _ => {
                return invalid(format!(
                    "Kestrel RMS records only person–vehicle links on a vehicle, not {} → {}",
                    link.from.kind.as_str(),
                    link.to.kind.as_str()
                ));
            }
        };
        let Some(role) = link_to_vehicle_role(&link.role) else {
            return invalid(format!(
                "Kestrel RMS has no vehicle role for link reason `{}`",
                link.role
            ));
        };
        nominals.push(VehicleNominal {
            nominal_id: person.local_id.clone(),
            role: role.to_string(),
        });
    }
    let text = |v: &Option<String>| present(v).map(str::to_string);
    let colours: Vec<&str> = vehicle
        .colours
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    Ok(NewVehicle {
        vrm,
        make: text(&vehicle.make),
        model: text(&vehicle.model),
        colour: (!colours.is_empty()).then(|| colours.join("/")),
        body_type: text(&vehicle.body_shape),
        vin: text(&vehicle.vin),
        reason: reason.to_string(),
        requested_by: ctx.user_id.clone(),
        case_ref: ctx.case_reference.clone(),
        protective_marking: marking(&item.handling)?.to_string(),
        nominals,
    })
}

// ------------------------------------------------------------------------------ search

/// Kestrel's nominal search parameters for a person query.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NominalSearch {
    pub surname: Option<String>,
    pub forename: Option<String>,
    /// `DD/MM/YYYY`.
    pub dob: Option<String>,
    pub q: Option<String>,
}

/// Kestrel's most results per page.
pub const MAX_PAGE: u32 = 100;

/// The offset a cursor stands for (cursors are Kestrel offsets as decimal text).
///
/// # Errors
///
/// `invalid-input` for a cursor this connector did not make.
pub fn offset(cursor: Option<&str>) -> Result<u64, ConnectorError> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .trim()
            .parse()
            .map_err(|_| ConnectorError::InvalidInput("not a Kestrel RMS cursor".into())),
    }
}

/// The cursor for the page after one that started at `offset` and held `count` items out of
/// `total`.
pub fn next_cursor(offset: u64, count: usize, total: u64) -> Option<String> {
    let next = offset.saturating_add(count as u64);
    (count > 0 && next < total).then(|| next.to_string())
}

/// Kestrel parameters for a person search: a name key (surname, given name, date of birth),
/// a postcode key and the free text all narrow the search.
///
/// # Errors
///
/// `invalid-input` for keys Kestrel cannot search by, more than one name key, a malformed
/// date of birth, or a query with nothing to search for.
pub fn nominal_search(query: &SearchQuery) -> Result<NominalSearch, ConnectorError> {
    let invalid = |m: String| Err(ConnectorError::InvalidInput(m));
    let mut search = NominalSearch::default();
    let mut q = Vec::new();
    for key in &query.keys {
        match key {
            SearchKey::Name(name) => {
                if search.surname.is_some() {
                    return invalid("Kestrel RMS searches one name at a time".into());
                }
                let surname = name.surname.trim();
                if surname.is_empty() {
                    return invalid("the name key needs a surname".into());
                }
                search.surname = Some(surname.to_string());
                search.forename = name
                    .given_name
                    .as_deref()
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_string);
                if let Some(dob) = &name.date_of_birth {
                    match validate::iso_to_dmy(dob.trim()) {
                        Some(dmy) => search.dob = Some(dmy),
                        None => return invalid(format!("date of birth `{dob}` is not YYYY-MM-DD")),
                    }
                }
            }
            SearchKey::Postcode(p) => q.push(p.trim().to_string()),
            other => {
                return invalid(format!(
                    "Kestrel RMS cannot search people by {}",
                    key_name(other)
                ));
            }
        }
    }
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        q.push(text.to_string());
    }
    if !q.is_empty() {
        search.q = Some(q.join(" "));
    }
    if search.surname.is_none() && search.q.is_none() {
        return invalid("give a name key, a postcode key or free text".into());
    }
    Ok(search)
}

/// The one incident reference a event search looks for.
///
/// # Errors
///
/// `invalid-input` unless the query is exactly one `reference` key (Kestrel searches
/// incidents by reference only; free text is not supported).
pub fn incident_reference(query: &SearchQuery) -> Result<String, ConnectorError> {
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (query.keys.as_slice(), text) {
        ([SearchKey::Reference(r)], None) if !r.trim().is_empty() => Ok(r.trim().to_string()),
        _ => Err(ConnectorError::InvalidInput(
            "Kestrel RMS searches incidents by one reference key only".into(),
        )),
    }
}

/// Whether free text looks like a registration mark: 1–11 letters and digits once spaces are
/// removed, with at least one of each (so `blue ford` is not taken for `BLUEFORD`).
pub fn looks_like_vrm(text: &str) -> bool {
    validate::normalise_vrm(text).is_some_and(|v| {
        v.bytes().any(|b| b.is_ascii_digit()) && v.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

/// The one registration mark a vehicle (object) search looks for, normalised: a `vrm` key, or
/// free text that looks like a VRM (see [`looks_like_vrm`]). Both may be given if they name
/// the same mark.
///
/// # Errors
///
/// `invalid-input` for any other key, more than one VRM, a malformed VRM, free text that is
/// not one, or nothing to search for.
pub fn vehicle_vrm(query: &SearchQuery) -> Result<String, ConnectorError> {
    let invalid = |m: String| Err(ConnectorError::InvalidInput(m));
    let mut vrm: Option<String> = None;
    for key in &query.keys {
        match key {
            SearchKey::Vrm(v) => {
                if vrm.is_some() {
                    return invalid("Kestrel RMS searches one VRM at a time".into());
                }
                match validate::normalise_vrm(v) {
                    Some(v) => vrm = Some(v),
                    None => return invalid(format!("`{v}` is not a registration mark")),
                }
            }
            other => {
                return invalid(format!(
                    "Kestrel RMS searches objects (vehicles of interest) by VRM only, not by {}",
                    key_name(other)
                ));
            }
        }
    }
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (vrm, text) {
        (Some(vrm), None) => Ok(vrm),
        (Some(vrm), Some(text)) if validate::normalise_vrm(text).as_deref() == Some(&vrm) => {
            Ok(vrm)
        }
        (Some(_), Some(_)) => {
            invalid("free text beside a VRM key must be the same VRM (Kestrel searches one)".into())
        }
        (None, Some(text)) => match validate::normalise_vrm(text) {
            Some(vrm) if looks_like_vrm(text) => Ok(vrm),
            _ => invalid(format!(
                "Kestrel RMS searches objects (vehicles of interest) by VRM, and `{text}` does \
                 not look like one"
            )),
        },
        (None, None) => invalid("give a VRM key or a VRM as free text".into()),
    }
}

/// A search key's WIT name, for messages.
pub fn key_name(key: &SearchKey) -> &'static str {
    match key {
        SearchKey::Name(_) => "name",
        SearchKey::Vrm(_) => "vrm",
        SearchKey::Vin(_) => "vin",
        SearchKey::Reference(_) => "reference",
        SearchKey::Postcode(_) => "postcode",
        SearchKey::Telephone(_) => "telephone",
        SearchKey::Email(_) => "email",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOMINAL: &str = r#"{"nominalId":"NOM-000101","forename1":"Alex","forename2":"Jordan",
        "familyName":"Examplewood","birthDate":"14/03/1988","sexCode":"M","ethnicCode":"W1",
        "pncRef":"2001/0012345H","aliases":["AJ"],
        "addresses":[{"addressId":"ADR-0201","houseNo":"12","street":"Fictional Road",
            "town":"Sampleton","county":"Exampleshire","postCode":"ZZ1 1AA","uprn":"100000000001"},
            {"addressId":"ADR-0202","houseNo":"3","street":"Old Lane","town":"Sampleton",
            "county":"Exampleshire","postCode":"SW1A 2AA","uprn":"100000000002"}],
        "phones":["+447700900123"],"markers":["VIOLENT"],"protectiveMarking":"OFFICIAL-SENSITIVE",
        "lastUpdated":"2026-02-11T09:30:00Z"}"#;

    const INCIDENT: &str = r#"{"incidentId":"INC-000301","incidentNumber":"KR/2026/000301",
        "incidentType":"BURGLARY","hoClass":"028/01","summary":"Rear door forced",
        "occurredFrom":"2026-01-05T22:00:00Z","occurredTo":"2026-01-06T06:30:00Z",
        "locationText":"12 Fictional Road, Sampleton ZZ1 1AA",
        "nominals":[{"nominalId":"NOM-000101","role":"SUSPECT"},{"nominalId":"NOM-000102","role":"VICTIM"},
            {"nominalId":"NOM-000103","role":"REPORTER"}],
        "reportingOfficer":"PC 1234","caseRef":null,"protectiveMarking":"SECRET",
        "createdAt":"2026-01-06T07:10:00Z"}"#;

    fn nominal() -> Nominal {
        serde_json::from_str(NOMINAL).unwrap()
    }

    fn ctx() -> RequestContext {
        RequestContext {
            user_id: "PC 4321".into(),
            role: "investigator".into(),
            clearance: Classification::Secret,
            justification: "burglary enquiry".into(),
            case_reference: Some("OP-FICTION-1".into()),
            correlation_id: "corr-1".into(),
            idempotency_key: Some("idem-1".into()),
        }
    }

    fn query(keys: Vec<SearchKey>, text: Option<&str>) -> SearchQuery {
        SearchQuery {
            kind: EntityKind::Person,
            text: text.map(str::to_string),
            keys,
            limit: 10,
            cursor: None,
        }
    }

    #[test]
    fn maps_a_nominal() {
        let r = person_record(&nominal(), "Exampleshire Constabulary").unwrap();
        assert_eq!(r.source.local_id, "NOM-000101");
        assert_eq!(r.source.system, "Kestrel RMS");
        assert_eq!(r.source.force, "Exampleshire Constabulary");
        assert!(r.source.extracted_at.ends_with('Z'));
        assert_eq!(r.handling.classification, Classification::Official);
        assert!(r.handling.sensitive);
        let Entity::Person(p) = &r.entity else {
            panic!("not a person")
        };
        assert_eq!(p.given_names, ["Alex", "Jordan"]);
        assert_eq!(p.surname.as_deref(), Some("Examplewood"));
        assert_eq!(p.date_of_birth.as_deref(), Some("1988-03-14"));
        assert!(p.date_of_birth_known);
        assert_eq!(p.gender, Some(Gender::Male));
        assert_eq!(p.ethnicity_self_defined.as_deref(), Some("W1"));
        assert_eq!(p.pnc_id.as_deref(), Some("2001/0012345H"));
        assert_eq!(p.aliases, ["AJ"]);
        let links: Vec<_> = r
            .links
            .iter()
            .map(|l| (l.to.local_id.as_str(), l.role.as_str()))
            .collect();
        assert_eq!(
            links,
            [
                ("NOM-000101/ADR-0201", "homeAddress"),
                ("NOM-000101/ADR-0202", "previousAddress"),
                ("NOM-000101/TEL-1", "personalTelephone"),
            ]
        );
        assert!(r.links.iter().all(|l| l.from.kind == EntityKind::Person));
    }

    #[test]
    fn maps_addresses_and_phones() {
        let n = nominal();
        let r = address_record(&n, "ADR-0201", "F").unwrap().unwrap();
        let Entity::Location(l) = &r.entity else {
            panic!()
        };
        assert_eq!(l.premises.as_deref(), Some("12"));
        assert_eq!(l.street.as_deref(), Some("Fictional Road"));
        assert_eq!(l.postcode, None, "ZZ is not a real postcode area");
        assert_eq!(l.county.as_deref(), Some("Exampleshire, ZZ1 1AA"));
        assert_eq!(l.uprn.as_deref(), Some("100000000001"));
        assert_eq!(r.links[0].from.local_id, "NOM-000101");
        assert!(r.handling.sensitive);
        let r = address_record(&n, "ADR-0202", "F").unwrap().unwrap();
        let Entity::Location(l) = &r.entity else {
            panic!()
        };
        assert_eq!(l.postcode.as_deref(), Some("SW1A 2AA"));
        assert!(address_record(&n, "ADR-9", "F").unwrap().is_none());

        let r = phone_record(&n, 1, "F").unwrap().unwrap();
        assert_eq!(r.source.local_id, "NOM-000101/TEL-1");
        assert!(
            matches!(&r.entity, Entity::Object(PoleObject::Telephone(t)) if t.number == "+447700900123")
        );
        assert!(phone_record(&n, 0, "F").unwrap().is_none());
        assert!(phone_record(&n, 2, "F").unwrap().is_none());
    }

    #[test]
    fn sex_codes_and_markings() {
        assert_eq!(gender("F"), Some(Gender::Female));
        assert_eq!(gender("x"), Some(Gender::NonBinary));
        assert_eq!(gender("U"), Some(Gender::NotKnown));
        assert_eq!(gender("Q"), None);
        let h = handling("SECRET", "NOM-1").unwrap();
        assert_eq!(h.classification, Classification::Secret);
        assert!(matches!(
            handling("RESTRICTED", "NOM-1"),
            Err(ConnectorError::Internal(_))
        ));
        assert_eq!(marking(&Handling::official()).unwrap(), "OFFICIAL");
        assert_eq!(
            marking(&Handling::official().sensitive()).unwrap(),
            "OFFICIAL-SENSITIVE"
        );
        assert_eq!(marking(&Handling::secret()).unwrap(), "SECRET");
        assert!(matches!(
            marking(&Handling::top_secret()),
            Err(ConnectorError::InvalidInput(_))
        ));
    }

    #[test]
    fn sparse_nominal_leaves_unknowns_absent() {
        let n: Nominal = serde_json::from_str(
            r#"{"nominalId":"NOM-9","familyName":"Mockridge","birthDate":"31/02/1970",
                "sexCode":"","protectiveMarking":"OFFICIAL"}"#,
        )
        .unwrap();
        let r = person_record(&n, "F").unwrap();
        let Entity::Person(p) = &r.entity else {
            panic!()
        };
        assert!(p.given_names.is_empty());
        assert_eq!(
            p.date_of_birth, None,
            "an impossible date is dropped, not passed on"
        );
        assert_eq!(p.gender, None);
        assert!(r.links.is_empty());
    }

    #[test]
    fn maps_an_incident() {
        let i: Incident = serde_json::from_str(INCIDENT).unwrap();
        let r = event_record(&i, "F").unwrap();
        assert_eq!(r.handling.classification, Classification::Secret);
        let Entity::Event(e) = &r.entity else {
            panic!()
        };
        assert_eq!(e.kind, EventKind::Incident);
        assert_eq!(e.references, ["KR/2026/000301"]);
        assert_eq!(e.ho_classification.as_deref(), Some("028/01"));
        assert_eq!(e.starts_at.as_deref(), Some("2026-01-05T22:00:00Z"));
        assert_eq!(e.ends_at.as_deref(), Some("2026-01-06T06:30:00Z"));
        assert!(!e.exact_time_known);
        assert_eq!(e.category.as_deref(), Some("BURGLARY"));
        assert_eq!(e.description.as_deref(), Some("Rear door forced"));
        let links: Vec<_> = r
            .links
            .iter()
            .map(|l| (l.to.local_id.as_str(), l.role.as_str()))
            .collect();
        assert_eq!(
            links,
            [
                ("NOM-000101", "knownSuspect"),
                ("NOM-000102", "victim"),
                ("NOM-000103", "personReporting"),
                ("INC-000301/location", "incidentLocation"),
            ]
        );
        let l = incident_location_record(&i, "F").unwrap().unwrap();
        assert!(
            matches!(&l.entity, Entity::Location(l) if l.area.as_deref() == Some("12 Fictional Road, Sampleton ZZ1 1AA"))
        );
        assert_eq!(role_to_link("WITNESS"), "witness");
        assert_eq!(role_to_link("BYSTANDER"), "bystander");
    }

    #[test]
    fn builds_a_new_incident() {
        let item = Submission {
            local_id: None,
            handling: Handling::official().sensitive(),
            entity: Event::new(EventKind::Incident)
                .description("[theft] Bicycle taken from shed")
                .between("2026-02-01T10:00:00Z", "2026-02-01T12:00:00Z")
                .into(),
            links: vec![
                Link::new(
                    EntityRef::event(""),
                    EntityRef::person("NOM-000101"),
                    roles::KNOWN_SUSPECT,
                ),
                Link::new(
                    EntityRef::person("NOM-000102"),
                    EntityRef::event(""),
                    roles::VICTIM,
                ),
            ],
            reason: None,
        };
        let body = new_incident(&ctx(), &item).unwrap();
        assert_eq!(body.incident_type, "THEFT");
        assert_eq!(body.summary, "Bicycle taken from shed");
        let categorised = Submission {
            entity: Event::new(EventKind::Incident)
                .category("criminal damage")
                .description("Window broken")
                .into(),
            ..item.clone()
        };
        let from_category = new_incident(&ctx(), &categorised).unwrap();
        assert_eq!(
            from_category.incident_type, "CRIMINAL DAMAGE",
            "the category is the incident type"
        );
        assert_eq!(from_category.summary, "Window broken");
        assert_eq!(body.reporting_officer, "PC 4321");
        assert_eq!(body.case_ref.as_deref(), Some("OP-FICTION-1"));
        assert_eq!(body.protective_marking, "OFFICIAL-SENSITIVE");
        assert_eq!(
            body.nominals,
            [
                IncidentNominal {
                    nominal_id: "NOM-000101".into(),
                    role: "SUSPECT".into()
                },
                IncidentNominal {
                    nominal_id: "NOM-000102".into(),
                    role: "VICTIM".into()
                },
            ]
        );
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["incidentType"], "THEFT");
        assert_eq!(json["occurredFrom"], "2026-02-01T10:00:00Z");
        assert!(json.get("hoClass").is_none());

        let plain = Submission {
            entity: Event::new(EventKind::Crime).description("Graffiti").into(),
            links: vec![],
            reason: None,
            ..item
        };
        assert_eq!(new_incident(&ctx(), &plain).unwrap().incident_type, "CRIME");
    }

    #[test]
    fn rejects_bad_submissions() {
        let base = Submission {
            local_id: None,
            handling: Handling::official(),
            entity: Event::new(EventKind::Incident).description("x").into(),
            links: vec![],
            reason: None,
        };
        let update = Submission {
            local_id: Some("INC-1".into()),
            ..base.clone()
        };
        let person = Submission {
            entity: Person::new("X").into(),
            ..base.clone()
        };
        let empty = Submission {
            entity: Event::new(EventKind::Incident).into(),
            ..base.clone()
        };
        let top = Submission {
            handling: Handling::top_secret(),
            ..base.clone()
        };
        let bad_role = Submission {
            links: vec![Link::new(
                EntityRef::event(""),
                EntityRef::person("N"),
                roles::OWNERSHIP_OF,
            )],
            ..base.clone()
        };
        let bad_kind = Submission {
            links: vec![Link::new(
                EntityRef::event(""),
                EntityRef::location("L"),
                roles::VICTIM,
            )],
            ..base
        };
        for s in [update, person, empty, top, bad_role, bad_kind] {
            assert!(matches!(
                new_incident(&ctx(), &s),
                Err(ConnectorError::InvalidInput(_))
            ));
        }
    }

    #[test]
    fn person_search_parameters() {
        let name = |s: &str, g: Option<&str>, d: Option<&str>| {
            SearchKey::Name(NameAndBirth {
                surname: s.into(),
                given_name: g.map(str::to_string),
                date_of_birth: d.map(str::to_string),
            })
        };
        let s = nominal_search(&query(
            vec![name(" Examplewood ", Some("Alex"), Some("1988-03-14"))],
            None,
        ))
        .unwrap();
        assert_eq!(s.surname.as_deref(), Some("Examplewood"));
        assert_eq!(s.forename.as_deref(), Some("Alex"));
        assert_eq!(s.dob.as_deref(), Some("14/03/1988"));
        assert_eq!(s.q, None);
        let s = nominal_search(&query(
            vec![SearchKey::Postcode("ZZ1 1AA".into())],
            Some("Fictional"),
        ))
        .unwrap();
        assert_eq!(s.q.as_deref(), Some("ZZ1 1AA Fictional"));
        for bad in [
            query(vec![], None),
            query(vec![], Some("  ")),
            query(vec![name("A", None, Some("14/03/1988"))], None),
            query(vec![name(" ", None, None)], None),
            query(vec![name("A", None, None), name("B", None, None)], None),
            query(vec![SearchKey::Vrm("AB12CDE".into())], None),
        ] {
            assert!(matches!(
                nominal_search(&bad),
                Err(ConnectorError::InvalidInput(_))
            ));
        }
    }

    #[test]
    fn incident_search_and_paging() {
        let q = query(vec![SearchKey::Reference(" KR/2026/000301 ".into())], None);
        assert_eq!(incident_reference(&q).unwrap(), "KR/2026/000301");
        assert!(incident_reference(&query(vec![], Some("burglary"))).is_err());
        assert_eq!(offset(None).unwrap(), 0);
        assert_eq!(offset(Some("40")).unwrap(), 40);
        assert!(offset(Some("abc")).is_err());
        assert_eq!(next_cursor(0, 10, 25), Some("10".into()));
        assert_eq!(next_cursor(20, 5, 25), None);
        assert_eq!(next_cursor(30, 0, 25), None);
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_detail(br#"{"error":"nominal NOM-1 not found"}"#),
            "nominal NOM-1 not found"
        );
        assert_eq!(error_detail(b"gateway down"), "gateway down");
    }

    const VEHICLE: &str = r#"{"vehicleId":"VEH-000403","vrm":"zv70 stu","make":"FORD",
        "model":"TRANSIT","colour":"WHITE","bodyType":"PANEL VAN","vin":"SAMPLEVIN00000006",
        "nominals":[{"nominalId":"NOM-000101","role":"OWNER"},{"nominalId":"NOM-000109","role":"DRIVER"},
            {"nominalId":"NOM-000103","role":"PASSENGER"}],
        "reason":"Seen on Nowhere Avenue","requestedBy":"PC 2217","caseRef":"OP-SAMPLE-0007",
        "protectiveMarking":"OFFICIAL-SENSITIVE","createdAt":"2026-01-12T09:00:00Z"}"#;

    fn vehicle_item(vrm: Option<&str>) -> Submission {
        let mut vehicle = match vrm {
            Some(vrm) => Vehicle::with_vrm(vrm),
            None => Vehicle::unregistered(),
        };
        vehicle = vehicle
            .make("FORD")
            .model("FOCUS")
            .colour("BLUE")
            .colour("WHITE");
        Submission {
            local_id: None,
            handling: Handling::official(),
            entity: Entity::Object(vehicle.into()),
            links: vec![Link::new(
                EntityRef::person("NOM-000101"),
                EntityRef::object(""),
                roles::OWNERSHIP_OF,
            )],
            reason: None,
        }
    }

    fn object_query(keys: Vec<SearchKey>, text: Option<&str>) -> SearchQuery {
        SearchQuery {
            kind: EntityKind::Object,
            ..query(keys, text)
        }
    }

    #[test]
    fn maps_a_vehicle_of_interest() {
        let v: VehicleOfInterest = serde_json::from_str(VEHICLE).unwrap();
        let r = vehicle_record(&v, "Exampleshire Constabulary").unwrap();
        assert_eq!(r.source.local_id, "VEH-000403");
        assert_eq!(r.source.system, "Kestrel RMS");
        assert_eq!(r.source.force, "Exampleshire Constabulary");
        assert_eq!(r.handling.classification, Classification::Official);
        assert!(r.handling.sensitive);
        let Entity::Object(PoleObject::Vehicle(vehicle)) = &r.entity else {
            panic!("a vehicle of interest is a vehicle: {r:?}")
        };
        assert_eq!(
            vehicle.vrm.as_deref(),
            Some("ZV70STU"),
            "spaces and case go (DS_065)"
        );
        assert_eq!(vehicle.make.as_deref(), Some("FORD"));
        assert_eq!(vehicle.model.as_deref(), Some("TRANSIT"));
        assert_eq!(vehicle.colours, ["WHITE"]);
        assert_eq!(vehicle.body_shape.as_deref(), Some("PANEL VAN"));
        assert_eq!(vehicle.vin.as_deref(), Some("SAMPLEVIN00000006"));
        let links: Vec<_> = r
            .links
            .iter()
            .map(|l| {
                (
                    l.from.kind,
                    l.from.local_id.as_str(),
                    l.role.as_str(),
                    l.to.kind,
                    l.to.local_id.as_str(),
                )
            })
            .collect();
        assert_eq!(
            links,
            [
                (
                    EntityKind::Person,
                    "NOM-000101",
                    "ownershipOf",
                    EntityKind::Object,
                    "VEH-000403"
                ),
                (
                    EntityKind::Person,
                    "NOM-000109",
                    "driverOf",
                    EntityKind::Object,
                    "VEH-000403"
                ),
                (
                    EntityKind::Person,
                    "NOM-000103",
                    "passengerOf",
                    EntityKind::Object,
                    "VEH-000403"
                ),
            ]
        );
    }

    #[test]
    fn sparse_vehicle_and_unknown_marking() {
        let v: VehicleOfInterest = serde_json::from_str(
            r#"{"vehicleId":"VEH-1","vrm":null,"make":" ","protectiveMarking":"SECRET"}"#,
        )
        .unwrap();
        let r = vehicle_record(&v, "F").unwrap();
        assert_eq!(r.handling.classification, Classification::Secret);
        let Entity::Object(PoleObject::Vehicle(vehicle)) = &r.entity else {
            panic!()
        };
        assert_eq!(vehicle.vrm, None);
        assert_eq!(vehicle.make, None, "blank is absent");
        assert!(vehicle.colours.is_empty());
        assert!(r.links.is_empty());
        let v: VehicleOfInterest =
            serde_json::from_str(r#"{"vehicleId":"VEH-2","protectiveMarking":"RESTRICTED"}"#)
                .unwrap();
        assert!(matches!(
            vehicle_record(&v, "F"),
            Err(ConnectorError::Internal(_))
        ));
        assert_eq!(vehicle_role_to_link("owner"), "ownershipOf");
        assert_eq!(vehicle_role_to_link("HIRER"), "hirer");
        assert_eq!(link_to_vehicle_role("driverOf"), Some("DRIVER"));
        assert_eq!(link_to_vehicle_role("victim"), None);
    }

    #[test]
    fn builds_a_new_vehicle() {
        let body = new_vehicle(&ctx(), &vehicle_item(Some("zx51 abc"))).unwrap();
        assert_eq!(
            body,
            NewVehicle {
                vrm: "ZX51ABC".into(),
                make: Some("FORD".into()),
                model: Some("FOCUS".into()),
                colour: Some("BLUE/WHITE".into()),
                body_type: None,
                vin: None,
                reason: "burglary enquiry".into(),
                requested_by: "PC 4321".into(),
                case_ref: Some("OP-FICTION-1".into()),
                protective_marking: "OFFICIAL".into(),
                nominals: vec![VehicleNominal {
                    nominal_id: "NOM-000101".into(),
                    role: "OWNER".into()
                }],
            }
        );
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["vrm"], "ZX51ABC");
        assert_eq!(json["requestedBy"], "PC 4321");
        assert_eq!(json["caseRef"], "OP-FICTION-1");
        assert_eq!(json["nominals"][0]["nominalId"], "NOM-000101");
        assert!(json.get("bodyType").is_none());
        assert!(json.get("vin").is_none());

        let mut no_case = ctx();
        no_case.case_reference = None;
        let mut item = vehicle_item(Some("ZX51ABC"));
        item.links = vec![Link::new(
            EntityRef::object(""),
            EntityRef::person("NOM-000109"),
            roles::DRIVER_OF,
        )];
        item.handling = Handling::secret();
        let body = new_vehicle(&no_case, &item).unwrap();
        assert_eq!(body.case_ref, None);
        assert_eq!(body.protective_marking, "SECRET");
        assert_eq!(body.nominals[0].role, "DRIVER");
        assert!(
            serde_json::to_value(&body)
                .unwrap()
                .get("caseRef")
                .is_none()
        );
    }

    #[test]
    fn rejects_bad_vehicle_submissions() {
        let message = |r: Result<NewVehicle, ConnectorError>| match r {
            Err(ConnectorError::InvalidInput(m)) => m,
            other => panic!("expected invalid-input, got {other:?}"),
        };
        let update = Submission {
            local_id: Some("VEH-000401".into()),
            ..vehicle_item(Some("ZX51ABC"))
        };
        assert!(message(new_vehicle(&ctx(), &update)).contains("cannot be updated"));
        assert!(message(new_vehicle(&ctx(), &vehicle_item(None))).contains("needs a VRM"));
        assert!(
            message(new_vehicle(&ctx(), &vehicle_item(Some("ZX-51")))).contains("registration")
        );
        let mut silent = ctx();
        silent.justification = "  ".into();
        assert!(
            message(new_vehicle(&silent, &vehicle_item(Some("ZX51ABC")))).contains("justification")
        );
        let top = Submission {
            handling: Handling::top_secret(),
            ..vehicle_item(Some("ZX51ABC"))
        };
        assert!(message(new_vehicle(&ctx(), &top)).contains("TOP SECRET"));
        let bad_role = Submission {
            links: vec![Link::new(
                EntityRef::person("NOM-000101"),
                EntityRef::object(""),
                roles::VICTIM,
            )],
            ..vehicle_item(Some("ZX51ABC"))
        };
        assert!(message(new_vehicle(&ctx(), &bad_role)).contains("no vehicle role"));
        let bad_kind = Submission {
            links: vec![Link::new(
                EntityRef::event("INC-000301"),
                EntityRef::object(""),
                roles::STOLEN,
            )],
            ..vehicle_item(Some("ZX51ABC"))
        };
        assert!(message(new_vehicle(&ctx(), &bad_kind)).contains("person–vehicle"));

        // Other objects are neither vehicles nor incidents, and the message says what was sent.
        let phone = Submission {
            entity: Entity::Object(Telephone::new("+447700900123").into()),
            ..vehicle_item(None)
        };
        let m = message(new_vehicle(&ctx(), &phone));
        assert!(
            m.contains("vehicles") && m.contains("not a telephone"),
            "{m}"
        );
        let Err(ConnectorError::InvalidInput(m)) = new_incident(&ctx(), &phone) else {
            panic!("an incident cannot be made from a telephone")
        };
        assert!(m.contains("not a telephone"), "{m}");
        assert!(matches!(
            unsupported(&Person::new("X").into()),
            ConnectorError::InvalidInput(m) if m.ends_with("not a person")
        ));
    }

    #[test]
    fn vehicle_search_parameters() {
        let vrm = |v: &str| SearchKey::Vrm(v.into());
        let ok = |q: SearchQuery| vehicle_vrm(&q).unwrap();
        assert_eq!(ok(object_query(vec![vrm(" zx51 abc ")], None)), "ZX51ABC");
        assert_eq!(ok(object_query(vec![], Some("zv70 stu"))), "ZV70STU");
        assert_eq!(
            ok(object_query(vec![vrm("ZX51ABC")], Some("zx51 abc"))),
            "ZX51ABC",
            "the same mark twice is one mark"
        );
        assert!(looks_like_vrm("ZX51ABC"));
        assert!(!looks_like_vrm("blue ford"), "no digit");
        assert!(!looks_like_vrm("12345"), "no letter");
        assert!(!looks_like_vrm("ZX-51"));
        for bad in [
            object_query(vec![], None),
            object_query(vec![], Some("  ")),
            object_query(vec![], Some("blue ford")),
            object_query(vec![vrm("ZX-51")], None),
            object_query(vec![vrm("ZX51ABC"), vrm("ZR12NPQ")], None),
            object_query(vec![vrm("ZX51ABC")], Some("ZR12NPQ")),
            object_query(vec![SearchKey::Vin("SAMPLEVIN00000001".into())], None),
            object_query(vec![SearchKey::Telephone("+447700900123".into())], None),
        ] {
            assert!(
                matches!(vehicle_vrm(&bad), Err(ConnectorError::InvalidInput(_))),
                "{bad:?}"
            );
        }
    }
}
