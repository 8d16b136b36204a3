//! Kestrel JSON.

use super::*;

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
