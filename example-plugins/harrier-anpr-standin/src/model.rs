//! Harrier ANPR records and their XML form (`YYYY-MM-DD` dates, ISO 8601 timestamps).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Protective markings Harrier uses.
pub const MARKINGS: [&str; 3] = ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"];

/// Escapes `&`, `<`, `>`, `"` and `'` for XML text and attribute values.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
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
    Cow::Owned(out)
}

/// Appends `<name>text</name>` (or `<name/>` when `text` is empty).
fn element(out: &mut String, name: &str, text: &str) {
    if text.is_empty() {
        let _ = write!(out, "<{name}/>");
    } else {
        let _ = write!(out, "<{name}>{}</{name}>", escape(text));
    }
}

/// A vehicle as registered.
#[derive(Debug, Clone, PartialEq)]
pub struct Vehicle {
    /// Identifier, `VEH-` and four digits.
    pub id: String,
    /// Registration mark, upper case without spaces, e.g. `ZX51ABC`.
    pub vrm: String,
    /// Vehicle identification number (obviously fake: `SAMPLEVIN…`).
    pub vin: String,
    /// Make, upper case.
    pub make: String,
    /// Model, upper case.
    pub model: String,
    /// Colour, upper case.
    pub colour: String,
    /// Body type, e.g. `HATCHBACK`.
    pub body_type: String,
    /// The registered keeper's id; `None` (element absent) when there is no current keeper.
    pub keeper_ref: Option<String>,
    /// Protective marking.
    pub marking: String,
}

impl Vehicle {
    /// `<vehicle id="…">…</vehicle>`.
    pub fn to_xml(&self) -> String {
        let mut out = format!("<vehicle id=\"{}\">", escape(&self.id));
        element(&mut out, "vrm", &self.vrm);
        element(&mut out, "vin", &self.vin);
        element(&mut out, "make", &self.make);
        element(&mut out, "model", &self.model);
        element(&mut out, "colour", &self.colour);
        element(&mut out, "bodyType", &self.body_type);
        if let Some(k) = &self.keeper_ref {
            element(&mut out, "keeperRef", k);
        }
        element(&mut out, "marking", &self.marking);
        out.push_str("</vehicle>");
        out
    }
}

/// A registered keeper (a person, or a company with no date of birth).
#[derive(Debug, Clone, PartialEq)]
pub struct Keeper {
    /// Identifier, `KPR-` and four digits.
    pub id: String,
    /// Surname (or company name), upper case.
    pub surname: String,
    /// Forenames, upper case, space separated; empty for a company.
    pub forenames: String,
    /// Date of birth `YYYY-MM-DD`; `None` (element absent) for a company.
    pub date_of_birth: Option<String>,
    /// Address lines before the postcode.
    pub address_lines: Vec<String>,
    /// Postcode (always in the non-existent `ZZ` area).
    pub postcode: String,
    /// Protective marking.
    pub marking: String,
}

impl Keeper {
    /// `<keeper id="…">…</keeper>`.
    pub fn to_xml(&self) -> String {
        let mut out = format!("<keeper id=\"{}\">", escape(&self.id));
        element(&mut out, "surname", &self.surname);
        element(&mut out, "forenames", &self.forenames);
        if let Some(dob) = &self.date_of_birth {
            element(&mut out, "dateOfBirth", dob);
        }
        out.push_str("<address>");
        for line in &self.address_lines {
            element(&mut out, "line", line);
        }
        element(&mut out, "postcode", &self.postcode);
        out.push_str("</address>");
        element(&mut out, "marking", &self.marking);
        out.push_str("</keeper>");
        out
    }
}

/// 3x5x2 grading of a read: source (1–3), intelligence (A–E), handling (P or C).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grading {
    /// Source evaluation, `1`, `2` or `3`.
    pub source: String,
    /// Intelligence assessment, `A` to `E`.
    pub intelligence: String,
    /// Handling code, `P` (lawful sharing permitted) or `C` (conditions apply).
    pub handling: String,
}

/// One camera sighting of a registration mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// Identifier, `RD-` and six digits.
    pub id: String,
    /// The registration mark read, upper case without spaces.
    pub vrm: String,
    /// Camera identifier, e.g. `CAM-017`.
    pub camera_id: String,
    /// Camera description (the `<camera>` element's text).
    pub camera_name: String,
    /// When (ISO 8601).
    pub seen_at: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Read confidence, 0–100.
    pub confidence: u8,
    /// Protective marking.
    pub marking: String,
    /// Intelligence grading; `None` (element absent) when ungraded.
    pub grading: Option<Grading>,
}

impl Read {
    /// `<read id="…">…</read>`.
    pub fn to_xml(&self) -> String {
        let mut out = format!("<read id=\"{}\">", escape(&self.id));
        element(&mut out, "vrm", &self.vrm);
        let _ = write!(
            out,
            "<camera id=\"{}\">{}</camera>",
            escape(&self.camera_id),
            escape(&self.camera_name)
        );
        element(&mut out, "seenAt", &self.seen_at);
        let _ = write!(
            out,
            "<lat>{}</lat><lon>{}</lon><confidence>{}</confidence>",
            self.lat, self.lon, self.confidence
        );
        element(&mut out, "marking", &self.marking);
        if let Some(g) = &self.grading {
            let _ = write!(
                out,
                "<grading source=\"{}\" intelligence=\"{}\" handling=\"{}\"/>",
                escape(&g.source),
                escape(&g.intelligence),
                escape(&g.handling)
            );
        }
        out.push_str("</read>");
        out
    }
}

/// A hotlist entry created with `POST /harrier/hotlist`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlistEntry {
    /// Identifier, `HOT-` and six digits.
    pub id: String,
    /// The registration mark, upper case without spaces.
    pub vrm: String,
    /// Why it is hotlisted; `None` (element absent) when not given.
    pub reason: Option<String>,
    /// Who asked; `None` when not given.
    pub requested_by: Option<String>,
    /// Case reference; `None` when not given.
    pub case_ref: Option<String>,
    /// When it was created (ISO 8601).
    pub created_at: String,
}

impl HotlistEntry {
    /// `<hotlist id="…">…</hotlist>`.
    pub fn to_xml(&self) -> String {
        let mut out = format!("<hotlist id=\"{}\">", escape(&self.id));
        element(&mut out, "vrm", &self.vrm);
        for (name, value) in [
            ("reason", &self.reason),
            ("requestedBy", &self.requested_by),
            ("caseRef", &self.case_ref),
        ] {
            if let Some(v) = value {
                element(&mut out, name, v);
            }
        }
        element(&mut out, "createdAt", &self.created_at);
        out.push_str("</hotlist>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(
            escape(r#"O'Testly & <Co> "x""#),
            "O&apos;Testly &amp; &lt;Co&gt; &quot;x&quot;"
        );
    }

    #[test]
    fn read_xml_matches_the_documented_shape() {
        let read = Read {
            id: "RD-000001".into(),
            vrm: "ZX51ABC".into(),
            camera_id: "CAM-017".into(),
            camera_name: "A000 Sampleton bypass northbound".into(),
            seen_at: "2026-02-01T08:14:09Z".into(),
            lat: 51.501,
            lon: -0.142,
            confidence: 97,
            marking: "OFFICIAL-SENSITIVE".into(),
            grading: Some(Grading {
                source: "2".into(),
                intelligence: "B".into(),
                handling: "P".into(),
            }),
        };
        assert_eq!(
            read.to_xml(),
            "<read id=\"RD-000001\"><vrm>ZX51ABC</vrm><camera id=\"CAM-017\">A000 Sampleton bypass \
             northbound</camera><seenAt>2026-02-01T08:14:09Z</seenAt><lat>51.501</lat>\
             <lon>-0.142</lon><confidence>97</confidence><marking>OFFICIAL-SENSITIVE</marking>\
             <grading source=\"2\" intelligence=\"B\" handling=\"P\"/></read>"
        );
    }

    #[test]
    fn keeper_xml_escapes_and_omits_absent_dob() {
        let keeper = Keeper {
            id: "KPR-9".into(),
            surname: "O'TESTLY & SONS LTD".into(),
            forenames: String::new(),
            date_of_birth: None,
            address_lines: vec!["1 A Road".into()],
            postcode: "ZZ9 9ZZ".into(),
            marking: "OFFICIAL".into(),
        };
        assert_eq!(
            keeper.to_xml(),
            "<keeper id=\"KPR-9\"><surname>O&apos;TESTLY &amp; SONS LTD</surname><forenames/>\
             <address><line>1 A Road</line><postcode>ZZ9 9ZZ</postcode></address>\
             <marking>OFFICIAL</marking></keeper>"
        );
    }
}
