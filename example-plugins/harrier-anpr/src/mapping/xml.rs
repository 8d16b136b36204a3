//! Harrier XML.

use super::*;

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

pub(crate) fn parse(xml: &str) -> Result<Document<'_>, ConnectorError> {
    Document::parse(xml).map_err(|e| internal(format!("Harrier ANPR sent malformed XML: {e}")))
}

pub(crate) fn expect_root<'a>(
    doc: &'a Document<'a>,
    name: &str,
) -> Result<Node<'a, 'a>, ConnectorError> {
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
pub(crate) fn text(node: Node<'_, '_>, name: &str) -> Option<String> {
    let child = node.children().find(|c| c.has_tag_name(name))?;
    let text: String = child
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

pub(crate) fn attr(node: Node<'_, '_>, name: &str) -> Option<String> {
    node.attribute(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub(crate) fn id(node: Node<'_, '_>) -> Result<String, ConnectorError> {
    attr(node, "id").ok_or_else(|| {
        internal(format!(
            "Harrier ANPR sent a <{}> without an id",
            node.tag_name().name()
        ))
    })
}

pub(crate) fn vehicle(node: Node<'_, '_>) -> Result<HVehicle, ConnectorError> {
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
pub(crate) fn hotlist_entry(node: Node<'_, '_>) -> Result<HVehicle, ConnectorError> {
    Ok(HVehicle {
        id: id(node)?,
        vrm: text(node, "vrm"),
        marking: "OFFICIAL".to_string(),
        ..HVehicle::default()
    })
}

pub(crate) fn keeper(node: Node<'_, '_>) -> Result<HKeeper, ConnectorError> {
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

pub(crate) fn read(node: Node<'_, '_>) -> Result<HRead, ConnectorError> {
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

pub(crate) fn one<T>(
    xml: &str,
    name: &str,
    item: fn(Node<'_, '_>) -> Result<T, ConnectorError>,
) -> Result<T, ConnectorError> {
    let doc = parse(xml)?;
    item(expect_root(&doc, name)?)
}

pub(crate) fn collection<T>(
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
