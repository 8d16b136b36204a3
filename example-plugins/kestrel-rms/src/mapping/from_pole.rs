//! From POLE.

use super::*;

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
pub(crate) fn split_type(kind: EventKind, description: &str) -> (String, String) {
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
pub(crate) fn entity_name(entity: &Entity) -> &'static str {
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
