//! Osprey's own record shapes, as its APIs send them (snake_case JSON). See
//! docs/VENDOR-STANDINS.md for the field meanings.

use serde::{Deserialize, Serialize};

/// Markings Osprey accepts in `gsc` (Government Security Classifications, as Osprey spells them).
pub const MARKINGS: [&str; 3] = ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"];

/// A detainee's name: one first name, middle names, the surname in capitals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetaineeName {
    /// First name.
    pub first: String,
    /// Middle names, in order.
    pub middle: Vec<String>,
    /// Surname, upper case.
    pub last: String,
}

/// Self-defined (ONS 18+1 code) and officer-observed (0–7) ethnicity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ethnicity {
    /// ONS self-defined code, e.g. `W1`.
    pub self_defined: Option<String>,
    /// Officer-observed code 0–7.
    pub observed: Option<u8>,
}

/// An address as Osprey Custody holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyAddress {
    /// House number and street.
    pub line1: String,
    /// Town.
    pub town: String,
    /// County.
    pub county: String,
    /// Postcode (seed data uses the non-existent `ZZ` area).
    pub postcode: String,
}

/// A person Osprey Custody has booked in at least once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detainee {
    /// Osprey's id, `DET-NNNN`.
    pub detainee_ref: String,
    /// The name.
    pub name: DetaineeName,
    /// Date of birth `YYYYMMDD`, or null when not known.
    pub birth_date: Option<String>,
    /// `male`, `female`, `non-binary` or `unknown`.
    pub sex: String,
    /// Ethnicity codes.
    pub ethnicity: Ethnicity,
    /// PNC ID, if known.
    pub pnc_id: Option<String>,
    /// Also known as.
    pub aka: Vec<String>,
    /// Home address, if known.
    pub address: Option<CustodyAddress>,
    /// Risk flags raised in custody, e.g. `VIOLENT`, `SELF-HARM`.
    pub risk_flags: Vec<String>,
    /// One of [`MARKINGS`].
    pub gsc: String,
    /// Handling caveats, e.g. `UK EYES ONLY`.
    pub caveats: Vec<String>,
    /// Last change, ISO 8601.
    pub updated: String,
}

/// One detention: from arrest to release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyRecord {
    /// Osprey's id, `CUS-NNNN`.
    pub custody_ref: String,
    /// The custody number officers quote, e.g. `EX/CUS/26/000101`.
    pub custody_number: String,
    /// The detainee.
    pub detainee_ref: String,
    /// The custody suite.
    pub station: String,
    /// Arrest time, ISO 8601.
    pub arrested_at: String,
    /// Release time, ISO 8601; null while still in custody.
    pub released_at: Option<String>,
    /// Why the person was arrested.
    pub arrest_reason: String,
    /// PNLD offence code, e.g. `TH68010`.
    pub offence_code: Option<String>,
    /// `IN CUSTODY`, `BAIL`, `RUI`, `CHARGED` or `NFA`.
    pub disposal: String,
    /// One of [`MARKINGS`].
    pub gsc: String,
    /// Handling caveats.
    pub caveats: Vec<String>,
}

/// 3x5x2 handling code: `P`, or `C` with the conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlingCode {
    /// `P` or `C`.
    pub code: String,
    /// Present with `C`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
}

/// A person an intelligence report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Surname.
    pub surname: String,
    /// Forenames, space separated.
    pub forenames: Option<String>,
    /// Date of birth `YYYY-MM-DD`.
    pub dob: Option<String>,
}

/// An Osprey Intel report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Osprey's id, `INT-NNNN`.
    pub id: String,
    /// Unique reference number officers quote, e.g. `OSP/INT/2026/0001`.
    pub urn: String,
    /// Short title.
    pub title: String,
    /// The intelligence text.
    pub text: String,
    /// When it was recorded, ISO 8601.
    pub recorded_at: String,
    /// 3x5x2 source and intelligence grade, e.g. `2B`.
    pub grade: String,
    /// 3x5x2 handling code.
    pub handling: HandlingCode,
    /// One of [`MARKINGS`].
    pub gsc: String,
    /// Handling caveats.
    pub caveats: Vec<String>,
    /// MoPI review date `YYYY-MM-DD`.
    pub review_on: Option<String>,
    /// People it is about.
    pub subjects: Vec<Subject>,
    /// Vehicle marks it mentions.
    pub vrms: Vec<String>,
    /// Who recorded it, e.g. `DC 4821`.
    pub author: String,
}
