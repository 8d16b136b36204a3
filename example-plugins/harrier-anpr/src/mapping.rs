//! Harrier's XML ↔ the contract's POLE records. Pure functions: no host calls, so they are
//! unit-tested natively.

use interop_sdk::prelude::*;
use roxmltree::{Document, Node};

/// The system name in every record's `source`.
pub const SYSTEM: &str = "Harrier ANPR";

/// Separates a parent record's id from the id of an entity Harrier keeps inside it:
/// `KPR-0001/address` (a keeper's address) and `RD-000001/location` (where a read was taken).
pub const SUB_ID_SEPARATOR: char = '/';

/// Sub-id of a keeper's address.
pub const ADDRESS_SUB_ID: &str = "address";

/// Sub-id of a read's camera location.
pub const READ_LOCATION_SUB_ID: &str = "location";

/// Harrier's most results per page.
pub const MAX_PAGE: u32 = 100;

/// Handling conditions for a `C` grading when Harrier gives none: the conditions are held in
/// Harrier, and the record says so rather than inventing them.
pub const CONDITIONS_HELD_IN_HARRIER: &str = "conditions held in Harrier ANPR";

fn internal(message: String) -> ConnectorError {
    ConnectorError::Internal(message)
}

// ------------------------------------------------------------------------------ Harrier XML

/// `<vehicle id="…">`.
#[derive(Debug, Default, PartialEq)]
pub struct HVehicle {
    pub id: String,
    pub vrm: Option<String>,
    pub vin: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub colour: Option<String>,
    pub body_type: Option<String>,
    pub keeper_ref: Option<String>,
    pub marking: String,
}

/// `<keeper id="…">`.
#[derive(Debug, Default, PartialEq)]
pub struct HKeeper {
    pub id: String,
    pub surname: Option<String>,
    pub forenames: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub address_lines: Vec<String>,
    pub postcode: Option<String>,
    pub marking: String,
}

/// `<grading source="2" intelligence="B" handling="P"/>`.
#[derive(Debug, Default, PartialEq)]
pub struct HGrading {
    pub source: String,
    pub intelligence: String,
    pub handling: String,
    pub conditions: Option<String>,
}

/// `<read id="…">`.
#[derive(Debug, Default, PartialEq)]
pub struct HRead {
    pub id: String,
    pub vrm: Option<String>,
    pub camera_id: Option<String>,
    pub camera_name: Option<String>,
    pub seen_at: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub confidence: Option<u8>,
    pub marking: String,
    pub grading: Option<HGrading>,
}

/// `<pong system="…" version="…" vehicles="N"/>`.
#[derive(Debug, Default, PartialEq)]
pub struct Pong {
    pub system: Option<String>,
    pub version: Option<String>,
    pub vehicles: Option<u64>,
}

/// A `<vehicles total="N">`-style collection.
#[derive(Debug, PartialEq)]
pub struct Collection<T> {
    pub total: u64,
    pub items: Vec<T>,
}

fn parse(xml: &str) -> Result<Document<'_>, ConnectorError> {
    Document::parse(xml).map_err(|e| internal(format!("Harrier ANPR sent malformed XML: {e}")))
}

fn expect_root<'a>(doc: &'a Document<'a>, name: &str) -> Result<Node<'a, 'a>, ConnectorError> {
    let root = doc.root_element();
    if root.has_tag_name(name) {
        Ok(root)
    } else {
        Err(internal(format!(
            "Harrier ANPR sent <{}> where <{name}> was expected",
            root.tag_name().name()
        )))
    }
}

/// The trimmed, non-empty text of the first child element called `name`.
fn text(node: Node<'_, '_>, name: &str) -> Option<String> {
    let child = node.children().find(|c| c.has_tag_name(name))?;
    let text: String = child
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn attr(node: Node<'_, '_>, name: &str) -> Option<String> {
    node.attribute(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn id(node: Node<'_, '_>) -> Result<String, ConnectorError> {
    attr(node, "id").ok_or_else(|| {
        internal(format!(
            "Harrier ANPR sent a <{}> without an id",
            node.tag_name().name()
        ))
    })
}

fn vehicle(node: Node<'_, '_>) -> Result<HVehicle, ConnectorError> {
    Ok(HVehicle {
        id: id(node)?,
        vrm: text(node, "vrm"),
        vin: text(node, "vin"),
        make: text(node, "make"),
        model: text(node, "model"),
        colour: text(node, "colour"),
        body_type: text(node, "bodyType"),
        keeper_ref: text(node, "keeperRef"),
        marking: text(node, "marking").unwrap_or_default(),
    })
}

/// Ids of hotlist entries, as `POST /harrier/hotlist` makes them.
pub const HOTLIST_ID_PREFIX: &str = "HOT-";

/// A `<hotlist id="…">` entry as the vehicle it hotlists. Entries carry no marking: only
/// OFFICIAL material may be put on the hotlist (see [`hotlist_xml`]).
fn hotlist_entry(node: Node<'_, '_>) -> Result<HVehicle, ConnectorError> {
    Ok(HVehicle {
        id: id(node)?,
        vrm: text(node, "vrm"),
        marking: "OFFICIAL".to_string(),
        ..HVehicle::default()
    })
}

fn keeper(node: Node<'_, '_>) -> Result<HKeeper, ConnectorError> {
    let address = node.children().find(|c| c.has_tag_name("address"));
    let address_lines = address
        .map(|a| {
            a.children()
                .filter(|c| c.has_tag_name("line"))
                .filter_map(|c| c.text())
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(HKeeper {
        id: id(node)?,
        surname: text(node, "surname"),
        forenames: text(node, "forenames"),
        date_of_birth: text(node, "dateOfBirth"),
        address_lines,
        postcode: address.and_then(|a| text(a, "postcode")),
        marking: text(node, "marking").unwrap_or_default(),
    })
}

fn read(node: Node<'_, '_>) -> Result<HRead, ConnectorError> {
    let camera = node.children().find(|c| c.has_tag_name("camera"));
    let grading = node
        .children()
        .find(|c| c.has_tag_name("grading"))
        .map(|g| HGrading {
            source: attr(g, "source").unwrap_or_default(),
            intelligence: attr(g, "intelligence").unwrap_or_default(),
            handling: attr(g, "handling").unwrap_or_default(),
            conditions: attr(g, "conditions"),
        });
    Ok(HRead {
        id: id(node)?,
        vrm: text(node, "vrm"),
        camera_id: camera.and_then(|c| attr(c, "id")),
        camera_name: camera
            .and_then(|c| c.text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        seen_at: text(node, "seenAt"),
        lat: text(node, "lat")
            .and_then(|v| v.parse().ok())
            .filter(|v: &f64| v.is_finite()),
        lon: text(node, "lon")
            .and_then(|v| v.parse().ok())
            .filter(|v: &f64| v.is_finite()),
        confidence: text(node, "confidence").and_then(|v| v.parse().ok()),
        marking: text(node, "marking").unwrap_or_default(),
        grading,
    })
}

fn one<T>(
    xml: &str,
    name: &str,
    item: fn(Node<'_, '_>) -> Result<T, ConnectorError>,
) -> Result<T, ConnectorError> {
    let doc = parse(xml)?;
    item(expect_root(&doc, name)?)
}

fn collection<T>(
    xml: &str,
    root: &str,
    name: &str,
    item: fn(Node<'_, '_>) -> Result<T, ConnectorError>,
) -> Result<Collection<T>, ConnectorError> {
    let doc = parse(xml)?;
    let root = expect_root(&doc, root)?;
    let total = attr(root, "total").and_then(|t| t.parse().ok());
    let items = root
        .children()
        .filter(|c| c.has_tag_name(name))
        .map(item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Collection {
        total: total.unwrap_or(items.len() as u64),
        items,
    })
}

/// Parses `<vehicle>`.
///
/// # Errors
///
/// `internal` for malformed XML or an unexpected root element.
pub fn parse_vehicle(xml: &str) -> Result<HVehicle, ConnectorError> {
    one(xml, "vehicle", vehicle)
}

/// Parses one `<hotlist id="…">` entry, as the vehicle it hotlists.
///
/// # Errors
///
/// As [`parse_vehicle`].
pub fn parse_hotlist_entry(xml: &str) -> Result<HVehicle, ConnectorError> {
    one(xml, "hotlist", hotlist_entry)
}

/// Parses `<vehicles total="N">`.
///
/// # Errors
///
/// As [`parse_vehicle`].
pub fn parse_vehicles(xml: &str) -> Result<Collection<HVehicle>, ConnectorError> {
    collection(xml, "vehicles", "vehicle", vehicle)
}

/// Parses `<keeper>`.
///
/// # Errors
///
/// As [`parse_vehicle`].
pub fn parse_keeper(xml: &str) -> Result<HKeeper, ConnectorError> {
    one(xml, "keeper", keeper)
}

/// Parses `<keepers total="N">`.
///
/// # Errors
///
/// As [`parse_vehicle`].
pub fn parse_keepers(xml: &str) -> Result<Collection<HKeeper>, ConnectorError> {
    collection(xml, "keepers", "keeper", keeper)
}

/// Parses `<read>`.
///
/// # Errors
///
/// As [`parse_vehicle`].
pub fn parse_read(xml: &str) -> Result<HRead, ConnectorError> {
    one(xml, "read", read)
}

/// Parses `<reads total="N">`.
///
/// # Errors
///
/// As [`parse_vehicle`].
pub fn parse_reads(xml: &str) -> Result<Collection<HRead>, ConnectorError> {
    collection(xml, "reads", "read", read)
}

/// Parses `<pong …/>`.
///
/// # Errors
///
/// As [`parse_vehicle`].
pub fn parse_pong(xml: &str) -> Result<Pong, ConnectorError> {
    one(xml, "pong", |n| {
        Ok(Pong {
            system: attr(n, "system"),
            version: attr(n, "version"),
            vehicles: attr(n, "vehicles").and_then(|v| v.parse().ok()),
        })
    })
}

/// Parses `<created id="…"/>` into the id.
///
/// # Errors
///
/// As [`parse_vehicle`], or no id.
pub fn parse_created(xml: &str) -> Result<String, ConnectorError> {
    one(xml, "created", id)
}

/// The detail to quote from an error response: the `<error>` text, or the raw body.
pub fn error_detail(body: &str) -> String {
    Document::parse(body)
        .ok()
        .filter(|d| d.root_element().has_tag_name("error"))
        .and_then(|d| d.root_element().text().map(str::to_string))
        .unwrap_or_else(|| body.to_string())
}

// ------------------------------------------------------------------------------ to POLE

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

fn has_address(k: &HKeeper) -> bool {
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
fn camera_location(r: &HRead) -> Location {
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

// ------------------------------------------------------------------------------ searches

/// The offset a cursor stands for (cursors are Harrier offsets as decimal text).
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
            .map_err(|_| ConnectorError::InvalidInput("not a Harrier ANPR cursor".into())),
    }
}

/// The cursor for the page after one that started at `offset` and held `count` items out of
/// `total`.
pub fn next_cursor(offset: u64, count: usize, total: u64) -> Option<String> {
    let next = offset.saturating_add(count as u64);
    (count > 0 && next < total).then(|| next.to_string())
}

/// Harrier query parameters for one search, and the exact VRM a key asked for (Harrier
/// matches `vrm` as a prefix, so results are filtered to the exact mark afterwards).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HarrierSearch {
    /// `vehicles`, `keepers` or `reads`.
    pub collection: &'static str,
    pub params: Vec<(&'static str, String)>,
    pub exact_vrm: Option<String>,
}

fn invalid<T>(message: impl Into<String>) -> Result<T, ConnectorError> {
    Err(ConnectorError::InvalidInput(message.into()))
}

fn key_name(key: &SearchKey) -> &'static str {
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

fn vrm_param(vrm: &str) -> Result<String, ConnectorError> {
    validate::normalise_vrm(vrm).map_or_else(
        || invalid(format!("`{vrm}` is not a registration mark")),
        Ok,
    )
}

/// Works out the Harrier search for a query:
///
/// - objects (vehicles): `vrm` and `vin` keys; free text is a VRM prefix;
/// - people and organisations (registered keepers; a company keeper is an organisation): one
///   `name` key (an organisation's name is its surname in Harrier); free text is a surname
///   prefix;
/// - events (ANPR reads): a `vrm` key, or free text as a VRM.
///
/// # Errors
///
/// `invalid-input` for another kind, a key Harrier cannot search by, a repeated key, a
/// malformed VRM or date of birth, or nothing to search for.
pub fn search(query: &SearchQuery) -> Result<HarrierSearch, ConnectorError> {
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let mut s = HarrierSearch::default();
    let add = |s: &mut HarrierSearch, name: &'static str, value: String| {
        if s.params.iter().any(|(n, _)| *n == name) {
            return invalid(format!("Harrier ANPR searches one {name} at a time"));
        }
        s.params.push((name, value));
        Ok(())
    };
    match query.kind {
        EntityKind::Object | EntityKind::Event => {
            s.collection = if query.kind == EntityKind::Object {
                "vehicles"
            } else {
                "reads"
            };
            for key in &query.keys {
                match key {
                    SearchKey::Vrm(vrm) => {
                        let vrm = vrm_param(vrm)?;
                        s.exact_vrm = Some(vrm.clone());
                        add(&mut s, "vrm", vrm)?;
                    }
                    SearchKey::Vin(vin) if query.kind == EntityKind::Object => {
                        add(&mut s, "vin", vin.trim().to_string())?;
                    }
                    other => {
                        return invalid(format!(
                            "Harrier ANPR cannot search {}s by {}",
                            query.kind.as_str(),
                            key_name(other)
                        ));
                    }
                }
            }
            if let Some(text) = text
                && s.exact_vrm.is_none()
            {
                add(&mut s, "vrm", vrm_param(text)?)?;
            }
        }
        EntityKind::Person | EntityKind::Organisation => {
            s.collection = "keepers";
            for key in &query.keys {
                match key {
                    SearchKey::Name(name) => {
                        let surname = name.surname.trim();
                        if surname.is_empty() {
                            return invalid("the name key needs a surname");
                        }
                        add(&mut s, "surname", surname.to_string())?;
                        if let Some(given) = name
                            .given_name
                            .as_deref()
                            .map(str::trim)
                            .filter(|g| !g.is_empty())
                        {
                            add(&mut s, "forenames", given.to_string())?;
                        }
                        if let Some(dob) = &name.date_of_birth {
                            if !validate::is_iso_date(dob.trim()) {
                                return invalid(format!("date of birth `{dob}` is not YYYY-MM-DD"));
                            }
                            add(&mut s, "dob", dob.trim().to_string())?;
                        }
                    }
                    other => {
                        return invalid(format!(
                            "Harrier ANPR cannot search keepers by {}",
                            key_name(other)
                        ));
                    }
                }
            }
            if let Some(text) = text
                && s.params.is_empty()
            {
                add(&mut s, "surname", text.to_string())?;
            }
        }
        EntityKind::Location => {
            return invalid("Harrier ANPR cannot search locations");
        }
    }
    if s.params.is_empty() {
        return invalid(format!(
            "give Harrier ANPR something to search {}s by",
            query.kind.as_str()
        ));
    }
    Ok(s)
}

// ------------------------------------------------------------------------------ hotlist

/// Escapes text for an XML element.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A submitted vehicle as a Harrier hotlist request. The reason is the submission's own, else
/// the request's justification; the requester is its user and the case reference its case.
///
/// # Errors
///
/// `invalid-input` unless the submission is a new vehicle with a valid VRM, handled at
/// OFFICIAL or OFFICIAL-SENSITIVE (a hotlist entry carries no marking, so nothing higher may
/// go into one).
pub fn hotlist_xml(ctx: &RequestContext, item: &Submission) -> Result<String, ConnectorError> {
    if item.local_id.is_some() {
        return invalid("Harrier ANPR hotlist entries cannot be updated");
    }
    let Entity::Object(PoleObject::Vehicle(vehicle)) = &item.entity else {
        return invalid("Harrier ANPR accepts vehicles (hotlist entries) only");
    };
    let Some(vrm) = vehicle.vrm.as_deref() else {
        return invalid("a hotlisted vehicle needs a VRM");
    };
    let vrm = vrm_param(vrm)?;
    if item.handling.classification != Classification::Official {
        return invalid("Harrier ANPR hotlist entries carry no marking: only OFFICIAL material");
    }
    let mut xml = format!("<hotlist><vrm>{}</vrm>", escape(&vrm));
    // The officer's own reason for the entry, else why they are making the request.
    let reason = item.reason.as_deref().unwrap_or(&ctx.justification);
    xml.push_str(&format!("<reason>{}</reason>", escape(reason)));
    xml.push_str(&format!(
        "<requestedBy>{}</requestedBy>",
        escape(&ctx.user_id)
    ));
    if let Some(case) = &ctx.case_reference {
        xml.push_str(&format!("<caseRef>{}</caseRef>", escape(case)));
    }
    xml.push_str("</hotlist>");
    Ok(xml)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VEHICLES: &str = r#"<vehicles total="3">
<vehicle id="VEH-0001"><vrm>ZX51ABC</vrm><vin>SAMPLEVIN00000001</vin><make>FORD</make>
  <model>FOCUS</model><colour>BLUE</colour><bodyType>HATCHBACK</bodyType><keeperRef>KPR-0001</keeperRef>
  <marking>OFFICIAL</marking></vehicle>
<vehicle id="VEH-0002"><vrm>ZX51ABD</vrm><vin/><make>VAUXHALL</make><marking>SECRET</marking></vehicle>
</vehicles>"#;

    const KEEPER: &str = r#"<keeper id="KPR-0001"><surname>EXAMPLEWOOD</surname>
  <forenames>ALEX JORDAN</forenames><dateOfBirth>1988-03-14</dateOfBirth>
  <address><line>12 Fictional Road</line><line>Sampleton</line><postcode>ZZ1 1AA</postcode></address>
  <marking>OFFICIAL</marking></keeper>"#;

    const READ: &str = r#"<read id="RD-000001"><vrm>ZX51ABC</vrm>
  <camera id="CAM-017">A000 Sampleton bypass northbound</camera>
  <seenAt>2026-02-01T08:14:09Z</seenAt><lat>51.501</lat><lon>-0.142</lon><confidence>97</confidence>
  <marking>OFFICIAL-SENSITIVE</marking><grading source="2" intelligence="B" handling="P"/></read>"#;

    fn ctx() -> RequestContext {
        RequestContext {
            user_id: "PC 4321".into(),
            role: "analyst".into(),
            clearance: Classification::Official,
            justification: "Vehicle used in burglary <INC-000301> & seen since".into(),
            case_reference: Some("OP-FICTION-1".into()),
            correlation_id: "corr-1".into(),
            idempotency_key: Some("idem-1".into()),
        }
    }

    fn query(kind: EntityKind, keys: Vec<SearchKey>, text: Option<&str>) -> SearchQuery {
        SearchQuery {
            kind,
            text: text.map(str::to_string),
            keys,
            limit: 10,
            cursor: None,
        }
    }

    #[test]
    fn parses_and_maps_vehicles() {
        let c = parse_vehicles(VEHICLES).unwrap();
        assert_eq!(c.total, 3);
        assert_eq!(c.items.len(), 2);
        assert_eq!(c.items[1].vin, None, "empty element is absent");
        let keeper = parse_keeper(KEEPER).unwrap();
        let r = vehicle_record(&c.items[0], Some(&keeper), "F").unwrap();
        assert_eq!(r.source.local_id, "VEH-0001");
        assert_eq!(r.source.system, "Harrier ANPR");
        let Entity::Object(PoleObject::Vehicle(v)) = &r.entity else {
            panic!()
        };
        assert_eq!(v.vrm.as_deref(), Some("ZX51ABC"));
        assert_eq!(v.vin.as_deref(), Some("SAMPLEVIN00000001"));
        assert_eq!(v.make.as_deref(), Some("FORD"));
        assert_eq!(v.model.as_deref(), Some("FOCUS"));
        assert_eq!(v.colours, ["BLUE"]);
        assert_eq!(v.body_shape.as_deref(), Some("HATCHBACK"));
        assert_eq!(r.links.len(), 1);
        assert_eq!(r.links[0].from.kind, EntityKind::Person);
        assert_eq!(r.links[0].from.local_id, "KPR-0001");
        assert_eq!(r.links[0].to.local_id, "VEH-0001");
        assert_eq!(r.links[0].role, "ownershipOf");
        assert_eq!(r.linked.len(), 1, "the keeper is carried with the vehicle");
        assert_eq!(r.linked[0].local_id, "KPR-0001");
        assert!(
            matches!(&r.linked[0].entity, Entity::Person(p) if p.surname.as_deref() == Some("EXAMPLEWOOD"))
        );
        let without = vehicle_record(&c.items[0], None, "F").unwrap();
        assert!(without.links.is_empty() && without.linked.is_empty());
        let r = vehicle_record(&c.items[1], Some(&keeper), "F").unwrap();
        assert_eq!(r.handling.classification, Classification::Secret);
        assert!(
            r.links.is_empty(),
            "a keeper the vehicle does not name is not carried"
        );
    }

    #[test]
    fn parses_and_maps_keepers() {
        let k = parse_keeper(KEEPER).unwrap();
        let r = keeper_record(&k, "F").unwrap();
        let Entity::Person(p) = &r.entity else {
            panic!()
        };
        assert_eq!(p.surname.as_deref(), Some("EXAMPLEWOOD"));
        assert_eq!(p.given_names, ["ALEX", "JORDAN"]);
        assert_eq!(p.date_of_birth.as_deref(), Some("1988-03-14"));
        assert_eq!(r.links[0].to.local_id, "KPR-0001/address");
        assert_eq!(r.links[0].role, "homeAddress");
        assert_eq!(
            r.linked[0].local_id, "KPR-0001/address",
            "the address is carried"
        );
        let a = keeper_address_record(&k, "F").unwrap().unwrap();
        let Entity::Location(l) = &a.entity else {
            panic!()
        };
        assert_eq!(l.premises.as_deref(), Some("12"));
        assert_eq!(l.street.as_deref(), Some("Fictional Road"));
        assert_eq!(l.town.as_deref(), Some("Sampleton"));
        assert_eq!(l.postcode, None);
        assert_eq!(l.county.as_deref(), Some("ZZ1 1AA"));

        let company = parse_keeper(
            r#"<keeper id="KPR-9"><surname>O&apos;TESTLY &amp; SONS LTD</surname><forenames/>
               <address><line>Unit 4</line><line>Trade Park</line><line>Sampleton</line>
               <postcode>SW1A 2AA</postcode></address><marking>OFFICIAL</marking></keeper>"#,
        )
        .unwrap();
        assert!(is_company(&company) && !is_company(&k));
        let r = keeper_record(&company, "F").unwrap();
        let Entity::Organisation(o) = &r.entity else {
            panic!("a company keeper is an organisation: {:?}", r.entity)
        };
        assert_eq!(o.name, "O'TESTLY & SONS LTD");
        assert_eq!(o.organisation_type.as_deref(), Some("COMPANY"));
        assert_eq!(r.links[0].role, "businessAddress");
        assert_eq!(r.links[0].from.kind, EntityKind::Organisation);
        let a = keeper_address_record(&company, "F").unwrap().unwrap();
        assert_eq!(a.links[0].from.kind, EntityKind::Organisation);
        assert_eq!(a.links[0].from.local_id, "KPR-9");
        let l = address(&company.address_lines, company.postcode.as_deref());
        assert_eq!(l.premises, None);
        assert_eq!(l.street.as_deref(), Some("Unit 4, Trade Park"));
        assert_eq!(l.postcode.as_deref(), Some("SW1A 2AA"));
    }

    #[test]
    fn parses_and_maps_reads() {
        let read = parse_read(READ).unwrap();
        let r = read_record(&read, "F").unwrap();
        assert!(r.handling.sensitive);
        let g = r.handling.grading.as_ref().unwrap();
        assert_eq!(g.source, SourceEvaluation::Untested);
        assert_eq!(g.intelligence, IntelligenceAssessment::B);
        assert!(matches!(g.handling, HandlingCode::Permitted));
        let Entity::Event(e) = &r.entity else {
            panic!()
        };
        assert_eq!(e.kind, EventKind::Sighting);
        assert_eq!(e.category.as_deref(), Some("ANPR"));
        assert_eq!(
            e.description.as_deref(),
            Some(
                "ANPR read at A000 Sampleton bypass northbound (CAM-017): ZX51ABC, 97% confidence"
            )
        );
        assert_eq!(e.starts_at.as_deref(), Some("2026-02-01T08:14:09Z"));
        assert!(e.exact_time_known);
        assert_eq!(r.links[0].to.local_id, "RD-000001/location");
        assert_eq!(r.links[0].role, "sightingLocation");
        assert!(
            matches!(&r.linked[0].entity, Entity::Location(l) if l.latitude == Some(51.501)),
            "the camera's location is carried"
        );
        let l = read_location_record(&read, "F").unwrap();
        let Entity::Location(l) = &l.entity else {
            panic!()
        };
        assert_eq!(l.latitude, Some(51.501));
        assert_eq!(l.longitude, Some(-0.142));
        assert_eq!(l.area.as_deref(), Some("A000 Sampleton bypass northbound"));

        let conditional = HRead {
            grading: Some(HGrading {
                source: "1".into(),
                intelligence: "A".into(),
                handling: "C".into(),
                conditions: None,
            }),
            ..read
        };
        let h = read_record(&conditional, "F").unwrap().handling;
        assert!(
            matches!(h.grading.unwrap().handling, HandlingCode::Conditions(c) if c == CONDITIONS_HELD_IN_HARRIER)
        );
        let bad = HRead {
            grading: Some(HGrading {
                source: "9".into(),
                ..Default::default()
            }),
            ..conditional
        };
        assert!(matches!(
            read_record(&bad, "F"),
            Err(ConnectorError::Internal(_))
        ));
    }

    #[test]
    fn rejects_bad_xml_and_markings() {
        assert!(matches!(
            parse_vehicles("<vehicles"),
            Err(ConnectorError::Internal(_))
        ));
        assert!(matches!(
            parse_vehicles("<keepers/>"),
            Err(ConnectorError::Internal(_))
        ));
        assert!(matches!(
            parse_vehicle("<vehicle><vrm>A1</vrm></vehicle>"),
            Err(ConnectorError::Internal(_))
        ));
        let v =
            parse_vehicle(r#"<vehicle id="V"><marking>RESTRICTED</marking></vehicle>"#).unwrap();
        assert!(matches!(
            vehicle_record(&v, None, "F"),
            Err(ConnectorError::Internal(_))
        ));
        // An entity-expansion bomb is refused by the parser, not expanded.
        let bomb = r#"<!DOCTYPE v [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
            <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
            <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>
            <vehicle id="V"><vrm>&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;</vrm></vehicle>"#;
        assert!(parse_vehicle(bomb).is_err());
    }

    #[test]
    fn small_documents() {
        let p =
            parse_pong(r#"<pong system="Harrier ANPR" version="2.3.0" vehicles="12"/>"#).unwrap();
        assert_eq!(p.version.as_deref(), Some("2.3.0"));
        assert_eq!(p.vehicles, Some(12));
        assert_eq!(
            parse_created(r#"<created id="HOT-000001"/>"#).unwrap(),
            "HOT-000001"
        );
        assert_eq!(
            error_detail("<error>vehicle VEH-9 not found</error>"),
            "vehicle VEH-9 not found"
        );
        assert_eq!(error_detail("plain text"), "plain text");
        let c = parse_reads(r#"<reads total="0"></reads>"#).unwrap();
        assert_eq!(c.total, 0);
        assert!(c.items.is_empty());
    }

    #[test]
    fn search_parameters() {
        let s = search(&query(
            EntityKind::Object,
            vec![SearchKey::Vrm("zx51 abc".into())],
            None,
        ))
        .unwrap();
        assert_eq!(s.collection, "vehicles");
        assert_eq!(s.params, [("vrm", "ZX51ABC".to_string())]);
        assert_eq!(s.exact_vrm.as_deref(), Some("ZX51ABC"));
        let s = search(&query(EntityKind::Object, vec![], Some("ZX51"))).unwrap();
        assert_eq!(s.params, [("vrm", "ZX51".to_string())]);
        assert_eq!(s.exact_vrm, None);
        let s = search(&query(
            EntityKind::Object,
            vec![SearchKey::Vin("SAMPLEVIN00000001".into())],
            None,
        ))
        .unwrap();
        assert_eq!(s.params, [("vin", "SAMPLEVIN00000001".to_string())]);
        let s = search(&query(
            EntityKind::Event,
            vec![SearchKey::Vrm("ZX51ABC".into())],
            None,
        ))
        .unwrap();
        assert_eq!(s.collection, "reads");
        let name = SearchKey::Name(NameAndBirth {
            surname: "Examplewood".into(),
            given_name: Some("Alex".into()),
            date_of_birth: Some("1988-03-14".into()),
        });
        let s = search(&query(EntityKind::Person, vec![name], None)).unwrap();
        assert_eq!(s.collection, "keepers");
        assert_eq!(
            s.params,
            [
                ("surname", "Examplewood".into()),
                ("forenames", "Alex".into()),
                ("dob", "1988-03-14".into())
            ]
        );
        let bad_dob = SearchKey::Name(NameAndBirth {
            surname: "X".into(),
            given_name: None,
            date_of_birth: Some("14/03/1988".into()),
        });
        for bad in [
            query(EntityKind::Object, vec![], None),
            query(EntityKind::Object, vec![], Some("not a vrm!")),
            query(
                EntityKind::Object,
                vec![SearchKey::Vrm("A1".into()), SearchKey::Vrm("B2".into())],
                None,
            ),
            query(
                EntityKind::Object,
                vec![SearchKey::Postcode("ZZ1 1AA".into())],
                None,
            ),
            query(EntityKind::Event, vec![SearchKey::Vin("X".into())], None),
            query(EntityKind::Person, vec![bad_dob], None),
            query(EntityKind::Location, vec![], Some("x")),
        ] {
            assert!(
                matches!(search(&bad), Err(ConnectorError::InvalidInput(_))),
                "{bad:?}"
            );
        }
        assert_eq!(next_cursor(0, 10, 11), Some("10".into()));
        assert_eq!(next_cursor(10, 1, 11), None);
        assert!(offset(Some("x")).is_err());
    }

    #[test]
    fn reads_a_hotlist_entry_as_its_vehicle() {
        let v = parse_hotlist_entry(
            "<hotlist id=\"HOT-000002\"><vrm>ZX51ABC</vrm><reason>seen</reason>\
             <createdAt>2026-11-27T00:00:00Z</createdAt></hotlist>",
        )
        .unwrap();
        assert_eq!(
            (v.id.as_str(), v.vrm.as_deref()),
            ("HOT-000002", Some("ZX51ABC"))
        );
        let r = vehicle_record(&v, None, "Exampleshire Constabulary").unwrap();
        assert_eq!(r.source.local_id, "HOT-000002");
        assert!(parse_hotlist_entry("<vehicle id=\"VEH-1\"/>").is_err());
    }

    #[test]
    fn builds_hotlist_requests() {
        let item = Submission {
            local_id: None,
            handling: Handling::official().sensitive(),
            entity: Vehicle::with_vrm("zx51 abc").into(),
            links: vec![],
            reason: None,
        };
        let xml = hotlist_xml(&ctx(), &item).unwrap();
        assert_eq!(
            xml,
            "<hotlist><vrm>ZX51ABC</vrm><reason>Vehicle used in burglary &lt;INC-000301&gt; &amp; seen since</reason>\
             <requestedBy>PC 4321</requestedBy><caseRef>OP-FICTION-1</caseRef></hotlist>"
        );
        let with_reason = Submission {
            reason: Some("Seen leaving <the> scene".into()),
            ..item.clone()
        };
        assert!(
            hotlist_xml(&ctx(), &with_reason)
                .unwrap()
                .contains("<reason>Seen leaving &lt;the&gt; scene</reason>"),
            "the officer's own reason goes first"
        );
        // The XML we send parses back.
        assert!(Document::parse(&xml).is_ok());
        let secret = Submission {
            handling: Handling::secret(),
            ..item.clone()
        };
        let person = Submission {
            entity: Person::new("X").into(),
            ..item.clone()
        };
        let update = Submission {
            local_id: Some("HOT-1".into()),
            ..item.clone()
        };
        let no_vrm = Submission {
            entity: Vehicle::unregistered().into(),
            ..item
        };
        for bad in [secret, person, update, no_vrm] {
            assert!(matches!(
                hotlist_xml(&ctx(), &bad),
                Err(ConnectorError::InvalidInput(_))
            ));
        }
    }
}
