//! To POLE.

use super::*;

/// Harrier's marking (and grading, for reads) as contract handling.
///
/// # Errors
///
/// `internal` for a marking or grading code Harrier does not document: a connector must not
/// guess a classification.
pub fn handling(
    marking: &str,
    grading: Option<&HGrading>,
    local_id: &str,
) -> Result<Handling, ConnectorError> {
    let mut handling = Handling::from_marking(marking).ok_or_else(|| {
        internal(format!(
            "Harrier record {local_id} has an unknown protective marking"
        ))
    })?;
    if let Some(g) = grading {
        let conditions = g
            .conditions
            .as_deref()
            .unwrap_or(CONDITIONS_HELD_IN_HARRIER);
        let grading =
            Grading::from_codes(&g.source, &g.intelligence, &g.handling, Some(conditions))
                .ok_or_else(|| {
                    internal(format!(
                        "Harrier record {local_id} has an unknown 3x5x2 grading"
                    ))
                })?;
        handling = handling.with_grading(grading);
    }
    Ok(handling)
}

/// The local id of an entity kept inside a parent record.
pub fn sub_id(parent: &str, sub: &str) -> String {
    format!("{parent}{SUB_ID_SEPARATOR}{sub}")
}

/// A vehicle as an object record, linked from its registered keeper (`ownershipOf`), whom it
/// carries (a person, or an organisation for a company keeper) when `keeper` is given: the
/// keeper `v.keeper_ref` names, as Harrier answered for it.
///
/// # Errors
///
/// `internal` for an unknown marking.
pub fn vehicle_record(
    v: &HVehicle,
    keeper: Option<&HKeeper>,
    force: &str,
) -> Result<PoleRecord, ConnectorError> {
    let mut vehicle = match &v.vrm {
        Some(vrm) => Vehicle::with_vrm(vrm),
        None => Vehicle::unregistered(),
    };
    if let Some(vin) = &v.vin {
        vehicle = vehicle.vin(vin);
    }
    if let Some(make) = &v.make {
        vehicle = vehicle.make(make);
    }
    if let Some(model) = &v.model {
        vehicle = vehicle.model(model);
    }
    if let Some(colour) = &v.colour {
        vehicle = vehicle.colour(colour);
    }
    if let Some(body) = &v.body_type {
        vehicle = vehicle.body_shape(body);
    }
    let handling = handling(&v.marking, None, &v.id)?;
    let mut record = PoleRecord::new(Source::new(force, SYSTEM, &v.id), handling, vehicle);
    if let Some(keeper) = keeper.filter(|k| v.keeper_ref.as_deref() == Some(k.id.as_str())) {
        record = record.with_linked_from(&keeper.id, roles::OWNERSHIP_OF, keeper_entity(keeper));
    }
    Ok(record)
}

/// Is this keeper a company? Harrier lists companies as keepers with the company name as the
/// surname, no forenames and no date of birth.
pub fn is_company(k: &HKeeper) -> bool {
    k.forenames.as_deref().is_none_or(|f| f.trim().is_empty()) && k.date_of_birth.is_none()
}

/// A keeper as the entity it is: an organisation for a company, a person otherwise.
pub fn keeper_entity(k: &HKeeper) -> Entity {
    if is_company(k) {
        let name = k.surname.as_deref().unwrap_or("").trim();
        return Organisation::new(name).of_type("COMPANY").into();
    }
    let mut person = match &k.surname {
        Some(surname) => Person::new(surname),
        None => Person::unnamed(),
    };
    if let Some(forenames) = &k.forenames {
        person = person.given_names_from(forenames);
    }
    if let Some(dob) = k
        .date_of_birth
        .as_deref()
        .filter(|d| validate::is_iso_date(d))
    {
        person = person.born(dob);
    }
    person.into()
}

/// The reference a link uses for this keeper: an organisation or a person.
pub fn keeper_ref(k: &HKeeper) -> EntityRef {
    if is_company(k) {
        EntityRef::organisation(&k.id)
    } else {
        EntityRef::person(&k.id)
    }
}

/// A registered keeper as a record: a person (linked to their `homeAddress`) or, for a company,
/// an organisation (linked to its `businessAddress`), carrying that address.
///
/// # Errors
///
/// `internal` for an unknown marking.
pub fn keeper_record(k: &HKeeper, force: &str) -> Result<PoleRecord, ConnectorError> {
    let handling = handling(&k.marking, None, &k.id)?;
    let mut record = PoleRecord::new(
        Source::new(force, SYSTEM, &k.id),
        handling,
        keeper_entity(k),
    );
    if has_address(k) {
        let role = if is_company(k) {
            roles::BUSINESS_ADDRESS
        } else {
            roles::HOME_ADDRESS
        };
        let location = address(&k.address_lines, k.postcode.as_deref());
        record = record.with_linked(sub_id(&k.id, ADDRESS_SUB_ID), role, location);
    }
    Ok(record)
}

pub(crate) fn has_address(k: &HKeeper) -> bool {
    !k.address_lines.is_empty() || k.postcode.is_some()
}

/// Harrier's address lines as a location: the first line is premises and street (`12
/// Fictional Road` → premises `12`, street `Fictional Road`), the last is the town, any between
/// go after the street. An invalid postcode (Harrier's synthetic `ZZ` ones, for instance) goes
/// to the county line, as DS_010 asks.
pub fn address(lines: &[String], postcode: Option<&str>) -> Location {
    let mut location = Location::new();
    let (first, rest) = match lines {
        [] => (None, &[][..]),
        [first, rest @ ..] => (Some(first.as_str()), rest),
    };
    let (middle, town) = match rest {
        [] => (&[][..], None),
        [middle @ .., town] => (middle, Some(town.as_str())),
    };
    if let Some(first) = first {
        let (premises, street) = match first.split_once(' ') {
            Some((number, street)) if number.starts_with(|c: char| c.is_ascii_digit()) => {
                (Some(number), street.trim())
            }
            _ => (None, first),
        };
        if let Some(premises) = premises {
            location = location.premises(premises);
        }
        let mut street = street.to_string();
        for line in middle {
            street.push_str(", ");
            street.push_str(line);
        }
        location = location.street(street);
    }
    if let Some(town) = town {
        location = location.town(town);
    }
    if let Some(postcode) = postcode {
        location = location.postcode(postcode);
    }
    location
}

/// A keeper's address as a location record (with the keeper's handling), if they have one.
///
/// # Errors
///
/// `internal` for an unknown marking.
pub fn keeper_address_record(
    k: &HKeeper,
    force: &str,
) -> Result<Option<PoleRecord>, ConnectorError> {
    if !has_address(k) {
        return Ok(None);
    }
    let handling = handling(&k.marking, None, &k.id)?;
    let location = address(&k.address_lines, k.postcode.as_deref());
    let role = if is_company(k) {
        roles::BUSINESS_ADDRESS
    } else {
        roles::HOME_ADDRESS
    };
    let record = PoleRecord::new(
        Source::new(force, SYSTEM, sub_id(&k.id, ADDRESS_SUB_ID)),
        handling,
        location,
    )
    .link_from(keeper_ref(k), role);
    Ok(Some(record))
}

/// An ANPR read as a sighting event (category `ANPR`), carrying the camera's location
/// (`sightingLocation`).
///
/// # Errors
///
/// `internal` for an unknown marking or grading.
pub fn read_record(r: &HRead, force: &str) -> Result<PoleRecord, ConnectorError> {
    let camera = match (&r.camera_name, &r.camera_id) {
        (Some(name), Some(id)) => format!("{name} ({id})"),
        (Some(name), None) => name.clone(),
        (None, Some(id)) => format!("camera {id}"),
        (None, None) => "an unnamed camera".to_string(),
    };
    let mut description = format!("ANPR read at {camera}");
    if let Some(vrm) = &r.vrm {
        description.push_str(&format!(": {vrm}"));
    }
    if let Some(confidence) = r.confidence {
        description.push_str(&format!(", {confidence}% confidence"));
    }
    let mut event = Event::new(EventKind::Sighting)
        .category(ANPR_CATEGORY)
        .reference(&r.id)
        .description(description);
    if let Some(seen_at) = &r.seen_at {
        event = event.at(seen_at);
    }
    let handling = handling(&r.marking, r.grading.as_ref(), &r.id)?;
    Ok(
        PoleRecord::new(Source::new(force, SYSTEM, &r.id), handling, event).with_linked(
            sub_id(&r.id, READ_LOCATION_SUB_ID),
            roles::SIGHTING_LOCATION,
            camera_location(r),
        ),
    )
}

/// The event category of an ANPR read.
pub const ANPR_CATEGORY: &str = "ANPR";

/// Where a read was taken: the camera's coordinates, described by its name.
pub(crate) fn camera_location(r: &HRead) -> Location {
    let mut location = match (r.lat, r.lon) {
        (Some(lat), Some(lon)) => Location::point(lat, lon),
        _ => Location::new(),
    };
    if let Some(name) = &r.camera_name {
        location = location.described_as(name);
    }
    location
}

/// Where a read was taken: the camera's coordinates, described by its name.
///
/// # Errors
///
/// `internal` for an unknown marking or grading.
pub fn read_location_record(r: &HRead, force: &str) -> Result<PoleRecord, ConnectorError> {
    let handling = handling(&r.marking, r.grading.as_ref(), &r.id)?;
    Ok(PoleRecord::new(
        Source::new(force, SYSTEM, sub_id(&r.id, READ_LOCATION_SUB_ID)),
        handling,
        camera_location(r),
    )
    .link_from(EntityRef::event(&r.id), roles::SIGHTING_LOCATION))
}
