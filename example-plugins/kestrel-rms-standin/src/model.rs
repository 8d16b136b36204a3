//! Kestrel RMS records, in Kestrel's own JSON shape (camelCase fields, `DD/MM/YYYY` dates).

use serde::{Deserialize, Serialize};

/// Protective markings Kestrel accepts.
pub const PROTECTIVE_MARKINGS: [&str; 3] = ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"];

/// Roles a nominal may have on an incident.
pub const ROLES: [&str; 4] = ["SUSPECT", "VICTIM", "WITNESS", "REPORTER"];

/// Roles a nominal may have on a vehicle of interest.
pub const VEHICLE_ROLES: [&str; 3] = ["OWNER", "DRIVER", "PASSENGER"];

/// A person known to Kestrel (a "nominal").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Nominal {
    /// Identifier, `NOM-` and six digits.
    pub nominal_id: String,
    /// First forename.
    pub forename1: String,
    /// Second forename; `null` when the person has none.
    pub forename2: Option<String>,
    /// Surname.
    pub family_name: String,
    /// Date of birth, `DD/MM/YYYY`.
    pub birth_date: String,
    /// `M`, `F`, `X` (non-binary) or `U` (not known).
    pub sex_code: String,
    /// Self-defined ethnicity code, e.g. `W1`.
    pub ethnic_code: String,
    /// Police National Computer reference (fictional); `null` when none.
    pub pnc_ref: Option<String>,
    /// Other names the person is known by.
    pub aliases: Vec<String>,
    /// Known addresses, most recent first.
    pub addresses: Vec<Address>,
    /// Phone numbers (Ofcom drama range).
    pub phones: Vec<String>,
    /// Warning markers, e.g. `VIOLENT`.
    pub markers: Vec<String>,
    /// `OFFICIAL`, `OFFICIAL-SENSITIVE` or `SECRET`.
    pub protective_marking: String,
    /// When the record last changed (ISO 8601).
    pub last_updated: String,
}

/// An address on a nominal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Identifier, `ADR-` and four digits.
    pub address_id: String,
    /// House number or name.
    pub house_no: String,
    /// Street.
    pub street: String,
    /// Town.
    pub town: String,
    /// County.
    pub county: String,
    /// Postcode (always in the non-existent `ZZ` area).
    pub post_code: String,
    /// Unique property reference number (fictional).
    pub uprn: String,
}

/// An incident (crime or occurrence) record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    /// Identifier, `INC-` and six digits.
    pub incident_id: String,
    /// Human reference, `KR/YYYY/NNNNNN`.
    pub incident_number: String,
    /// Type, e.g. `BURGLARY`.
    pub incident_type: String,
    /// Home Office classification code; `null` when not classified.
    pub ho_class: Option<String>,
    /// Free-text summary.
    pub summary: String,
    /// Start of the period in which it happened (ISO 8601); `null` when not known.
    pub occurred_from: Option<String>,
    /// End of that period (ISO 8601); `null` when not known.
    pub occurred_to: Option<String>,
    /// Where it happened; `null` when not known.
    pub location_text: Option<String>,
    /// Nominals linked to it and their roles.
    pub nominals: Vec<IncidentNominal>,
    /// Reporting officer, e.g. `PC 1234`; `null` when not recorded.
    pub reporting_officer: Option<String>,
    /// Case reference in another system; `null` when none.
    pub case_ref: Option<String>,
    /// `OFFICIAL`, `OFFICIAL-SENSITIVE` or `SECRET`.
    pub protective_marking: String,
    /// When it was recorded (ISO 8601).
    pub created_at: String,
}

/// A nominal's link to an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentNominal {
    /// The nominal's identifier.
    pub nominal_id: String,
    /// `SUSPECT`, `VICTIM`, `WITNESS` or `REPORTER`.
    pub role: String,
}

/// A vehicle of interest: a vehicle an officer has asked Kestrel to hold, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vehicle {
    /// Identifier, `VEH-` and six digits.
    pub vehicle_id: String,
    /// Registration mark as entered, upper-cased (it may hold a space, e.g. `ZV70 STU`).
    pub vrm: String,
    /// Make, e.g. `FORD`; `null` when not known.
    pub make: Option<String>,
    /// Model, e.g. `FOCUS`; `null` when not known.
    pub model: Option<String>,
    /// Colour as one string, e.g. `BLUE`; `null` when not known.
    pub colour: Option<String>,
    /// Body type, e.g. `HATCHBACK`; `null` when not known.
    pub body_type: Option<String>,
    /// Vehicle identification number; `null` when not known.
    pub vin: Option<String>,
    /// Nominals linked to the vehicle and their roles.
    pub nominals: Vec<VehicleNominal>,
    /// Why the vehicle is of interest.
    pub reason: String,
    /// Who asked for it to be recorded, e.g. `PC 1234`.
    pub requested_by: String,
    /// Case reference in another system; `null` when none.
    pub case_ref: Option<String>,
    /// `OFFICIAL`, `OFFICIAL-SENSITIVE` or `SECRET`.
    pub protective_marking: String,
    /// When it was recorded (ISO 8601).
    pub created_at: String,
}

/// A nominal's link to a vehicle of interest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VehicleNominal {
    /// The nominal's identifier.
    pub nominal_id: String,
    /// `OWNER`, `DRIVER` or `PASSENGER`.
    pub role: String,
}
