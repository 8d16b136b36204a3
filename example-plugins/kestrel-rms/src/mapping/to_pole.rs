//! To POLE.

use super::*;

pub(crate) fn present(s: &Option<String>) -> Option<&str> {
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
pub(crate) fn telephone(number: &str) -> Telephone {
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
