//! The Kestrel RMS routes (see docs/VENDOR-STANDINS.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use hyper::header::{ALLOW, HeaderValue};
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::model::{
    Incident, IncidentNominal, Nominal, PROTECTIVE_MARKINGS, ROLES, VEHICLE_ROLES, Vehicle,
    VehicleNominal,
};
use crate::seed;
use crate::server::{Api, ApiRequest, ApiResponse, now_iso8601, paging};

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;

pub(crate) struct Store {
    pub nominals: Vec<Nominal>,
    pub incidents: Vec<Incident>,
    pub vehicles: Vec<Vehicle>,
    next_incident: u32,
    next_vehicle: u32,
    /// Idempotency key → the body of the `201` that created the incident.
    idempotency: HashMap<String, String>,
    /// Idempotency key → the body of the `201` that created the vehicle of interest. Kept
    /// apart from the incidents' keys, so one key used on both routes creates one of each.
    vehicle_idempotency: HashMap<String, String>,
}

#[derive(Default)]
pub(crate) struct ApiCounters {
    pub unauthorized: AtomicU64,
    pub incidents_created: AtomicU64,
    pub idempotent_replays: AtomicU64,
    pub vehicles_created: AtomicU64,
    pub vehicle_replays: AtomicU64,
}

pub(crate) struct Kestrel {
    api_key: String,
    store: Mutex<Store>,
    pub counters: ApiCounters,
}

#[derive(Serialize)]
struct Page<'a, T> {
    total: usize,
    offset: usize,
    items: Vec<&'a T>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    incident_id: String,
    incident_number: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewIncident {
    incident_type: Option<String>,
    summary: Option<String>,
    occurred_from: Option<String>,
    occurred_to: Option<String>,
    location_text: Option<String>,
    ho_class: Option<String>,
    reporting_officer: Option<String>,
    case_ref: Option<String>,
    protective_marking: Option<String>,
    nominals: Option<Vec<NewLink>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewLink {
    nominal_id: Option<String>,
    role: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedVehicle {
    vehicle_id: String,
    vrm: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewVehicle {
    vrm: Option<String>,
    make: Option<String>,
    model: Option<String>,
    colour: Option<String>,
    body_type: Option<String>,
    vin: Option<String>,
    reason: Option<String>,
    requested_by: Option<String>,
    case_ref: Option<String>,
    protective_marking: Option<String>,
    nominals: Option<Vec<NewLink>>,
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> ApiResponse {
    match serde_json::to_string(value) {
        Ok(body) => ApiResponse::new(status, body),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("could not encode the response: {e}"),
        ),
    }
}

fn error(status: StatusCode, message: &str) -> ApiResponse {
    ApiResponse::new(status, Kestrel::error_body(message))
}

fn page<T: Serialize>(matches: Vec<&T>, limit: usize, offset: usize) -> ApiResponse {
    let total = matches.len();
    let items = matches.into_iter().skip(offset).take(limit).collect();
    json(
        StatusCode::OK,
        &Page {
            total,
            offset,
            items,
        },
    )
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// A non-blank optional string, trimmed.
fn present(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A registration mark as compared: spaces removed, upper-cased.
fn vrm_key(vrm: &str) -> String {
    vrm.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether a registration mark, spaces removed, is 1–11 letters and digits (the POLE
/// Dictionary's DS_065 length, so foreign marks fit).
fn is_vrm(vrm: &str) -> bool {
    let key = vrm_key(vrm);
    (1..=11).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The `Idempotency-Key` header: `Ok(None)` when absent or blank, `Err` with the `400` to send
/// when it is not visible ASCII or too long.
fn idempotency_key(req: &ApiRequest) -> Result<Option<String>, ApiResponse> {
    match req.headers.get("idempotency-key").map(HeaderValue::to_str) {
        None => Ok(None),
        Some(Err(_)) => Err(error(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be visible ASCII",
        )),
        Some(Ok(k)) if k.trim().is_empty() => Ok(None),
        Some(Ok(k)) if k.len() > MAX_IDEMPOTENCY_KEY => Err(error(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key longer than 255 characters",
        )),
        Some(Ok(k)) => Ok(Some(k.trim().to_owned())),
    }
}

/// Whether `s` is a `DD/MM/YYYY` date.
fn is_kestrel_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'/',
            _ => c.is_ascii_digit(),
        })
}

/// Whether `s` starts like an ISO 8601 timestamp (`YYYY-MM-DDTHH:MM`).
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 16
        && b.iter().take(16).enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

fn nominal_matches(
    n: &Nominal,
    surname: Option<&str>,
    forename: Option<&str>,
    dob: Option<&str>,
    q: &[String],
) -> bool {
    if let Some(surname) = surname
        && !lower(&n.family_name).starts_with(&lower(surname))
    {
        return false;
    }
    if let Some(forename) = forename {
        let f = lower(forename);
        let hit = lower(&n.forename1).starts_with(&f)
            || n.forename2
                .as_deref()
                .is_some_and(|f2| lower(f2).starts_with(&f));
        if !hit {
            return false;
        }
    }
    if let Some(dob) = dob
        && n.birth_date != dob
    {
        return false;
    }
    if !q.is_empty() {
        let mut text = vec![n.forename1.as_str(), n.family_name.as_str()];
        text.extend(n.forename2.as_deref());
        text.extend(n.aliases.iter().map(String::as_str));
        for a in &n.addresses {
            text.extend([
                a.house_no.as_str(),
                a.street.as_str(),
                a.town.as_str(),
                a.county.as_str(),
                a.post_code.as_str(),
            ]);
        }
        let haystack = lower(&text.join(" "));
        return q.iter().all(|token| haystack.contains(token.as_str()));
    }
    true
}

impl Kestrel {
    pub(crate) fn new(api_key: String) -> Kestrel {
        let incidents = seed::incidents();
        let next_incident = incidents
            .iter()
            .filter_map(|i| i.incident_id.strip_prefix("INC-")?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let vehicles = seed::vehicles();
        let next_vehicle = vehicles
            .iter()
            .filter_map(|v| v.vehicle_id.strip_prefix("VEH-")?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        Kestrel {
            api_key,
            store: Mutex::new(Store {
                nominals: seed::nominals(),
                incidents,
                vehicles,
                next_incident,
                next_vehicle,
                idempotency: HashMap::new(),
                vehicle_idempotency: HashMap::new(),
            }),
            counters: ApiCounters::default(),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn status(&self) -> ApiResponse {
        let store = self.store();
        json(
            StatusCode::OK,
            &serde_json::json!({
                "system": "Kestrel RMS",
                "version": "4.2.1",
                "force": "Exampleshire Constabulary",
                "nominalCount": store.nominals.len(),
                "incidentCount": store.incidents.len(),
                "vehicleCount": store.vehicles.len(),
            }),
        )
    }

    fn search_nominals(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 20) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let dob = req.param("dob");
        if let Some(dob) = dob
            && !is_kestrel_date(dob)
        {
            return error(StatusCode::BAD_REQUEST, "dob must be DD/MM/YYYY");
        }
        let q: Vec<String> = req
            .param("q")
            .map(|q| q.split_whitespace().map(lower).collect())
            .unwrap_or_default();
        let (surname, forename) = (req.param("surname"), req.param("forename"));
        let store = self.store();
        let matches = store
            .nominals
            .iter()
            .filter(|n| nominal_matches(n, surname, forename, dob, &q))
            .collect();
        page(matches, limit, offset)
    }

    fn get_nominal(&self, id: &str) -> ApiResponse {
        let store = self.store();
        match store.nominals.iter().find(|n| n.nominal_id == id) {
            Some(n) => json(StatusCode::OK, n),
            None => error(StatusCode::NOT_FOUND, &format!("nominal {id} not found")),
        }
    }

    fn search_incidents(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 20) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let reference = req.param("ref");
        let nominal_id = req.param("nominalId");
        let store = self.store();
        let matches = store
            .incidents
            .iter()
            .filter(|i| {
                reference.is_none_or(|r| {
                    i.incident_number.eq_ignore_ascii_case(r)
                        || i.case_ref
                            .as_deref()
                            .is_some_and(|c| c.eq_ignore_ascii_case(r))
                })
            })
            .filter(|i| nominal_id.is_none_or(|id| i.nominals.iter().any(|l| l.nominal_id == id)))
            .collect();
        page(matches, limit, offset)
    }

    fn get_incident(&self, id: &str) -> ApiResponse {
        let store = self.store();
        match store.incidents.iter().find(|i| i.incident_id == id) {
            Some(i) => json(StatusCode::OK, i),
            None => error(StatusCode::NOT_FOUND, &format!("incident {id} not found")),
        }
    }

    /// Run `create` once per `Idempotency-Key`: a replay of a key answers `200` with the body of
    /// the `201` that key first got, and counts in `replays`. The store stays locked from the
    /// check to the insert, so concurrent replays cannot create twice.
    fn idempotent(
        &self,
        req: &ApiRequest,
        table: impl Fn(&mut Store) -> &mut HashMap<String, String>,
        replays: &AtomicU64,
        create: impl FnOnce(&mut Store) -> ApiResponse,
    ) -> ApiResponse {
        let key = match idempotency_key(req) {
            Ok(key) => key,
            Err(response) => return response,
        };
        let mut store = self.store();
        if let Some(body) = key.as_ref().and_then(|k| table(&mut store).get(k)) {
            replays.fetch_add(1, Ordering::Relaxed);
            return ApiResponse::new(StatusCode::OK, body.clone());
        }
        let response = create(&mut store);
        if let Some(key) = key
            && response.status == StatusCode::CREATED
        {
            table(&mut store).insert(key, response.body.clone());
        }
        response
    }

    fn create_incident(&self, req: &ApiRequest) -> ApiResponse {
        self.idempotent(
            req,
            |store| &mut store.idempotency,
            &self.counters.idempotent_replays,
            |store| self.new_incident(req, store),
        )
    }

    fn new_incident(&self, req: &ApiRequest, store: &mut Store) -> ApiResponse {
        let new: NewIncident = match serde_json::from_slice(&req.body) {
            Ok(new) => new,
            Err(e) => return error(StatusCode::BAD_REQUEST, &format!("invalid JSON body: {e}")),
        };
        let incident_type = match present(new.incident_type) {
            Some(t) => t,
            None => return error(StatusCode::BAD_REQUEST, "incidentType is required"),
        };
        let summary = match present(new.summary) {
            Some(s) => s,
            None => return error(StatusCode::BAD_REQUEST, "summary is required"),
        };
        let occurred_from = present(new.occurred_from);
        let occurred_to = present(new.occurred_to);
        for (name, value) in [
            ("occurredFrom", &occurred_from),
            ("occurredTo", &occurred_to),
        ] {
            if let Some(v) = value
                && !looks_like_timestamp(v)
            {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("{name} must be an ISO 8601 timestamp"),
                );
            }
        }
        let protective_marking =
            present(new.protective_marking).unwrap_or_else(|| "OFFICIAL".to_owned());
        if !PROTECTIVE_MARKINGS.contains(&protective_marking.as_str()) {
            return error(
                StatusCode::BAD_REQUEST,
                "protectiveMarking must be OFFICIAL, OFFICIAL-SENSITIVE or SECRET",
            );
        }
        let mut nominals = Vec::new();
        for link in new.nominals.unwrap_or_default() {
            let Some(nominal_id) = present(link.nominal_id) else {
                return error(StatusCode::BAD_REQUEST, "nominals[].nominalId is required");
            };
            let role = present(link.role).unwrap_or_default().to_uppercase();
            if !ROLES.contains(&role.as_str()) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "nominals[].role must be SUSPECT, VICTIM, WITNESS or REPORTER",
                );
            }
            if !store.nominals.iter().any(|n| n.nominal_id == nominal_id) {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("nominal {nominal_id} not found"),
                );
            }
            nominals.push(IncidentNominal { nominal_id, role });
        }
        let n = store.next_incident;
        store.next_incident += 1;
        let created_at = now_iso8601();
        let created = Created {
            incident_id: format!("INC-{n:06}"),
            incident_number: format!("KR/{}/{n:06}", &created_at[..4]),
        };
        store.incidents.push(Incident {
            incident_id: created.incident_id.clone(),
            incident_number: created.incident_number.clone(),
            incident_type: incident_type.to_uppercase(),
            ho_class: present(new.ho_class),
            summary,
            occurred_from,
            occurred_to,
            location_text: present(new.location_text),
            nominals,
            reporting_officer: present(new.reporting_officer),
            case_ref: present(new.case_ref),
            protective_marking,
            created_at,
        });
        self.counters
            .incidents_created
            .fetch_add(1, Ordering::Relaxed);
        json(StatusCode::CREATED, &created)
    }

    fn search_vehicles(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 20) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let vrm = req.param("vrm").map(vrm_key);
        let nominal_id = req.param("nominalId");
        let store = self.store();
        let matches = store
            .vehicles
            .iter()
            .filter(|v| vrm.as_ref().is_none_or(|k| vrm_key(&v.vrm) == *k))
            .filter(|v| nominal_id.is_none_or(|id| v.nominals.iter().any(|l| l.nominal_id == id)))
            .collect();
        page(matches, limit, offset)
    }

    fn get_vehicle(&self, id: &str) -> ApiResponse {
        let store = self.store();
        match store.vehicles.iter().find(|v| v.vehicle_id == id) {
            Some(v) => json(StatusCode::OK, v),
            None => error(StatusCode::NOT_FOUND, &format!("vehicle {id} not found")),
        }
    }

    /// `POST /api/v2/vehicles`: `400` for a body that is not the documented JSON or lacks a
    /// required field, `422` for a well-formed body with a value Kestrel refuses.
    fn create_vehicle(&self, req: &ApiRequest) -> ApiResponse {
        self.idempotent(
            req,
            |store| &mut store.vehicle_idempotency,
            &self.counters.vehicle_replays,
            |store| self.new_vehicle(req, store),
        )
    }

    fn new_vehicle(&self, req: &ApiRequest, store: &mut Store) -> ApiResponse {
        let new: NewVehicle = match serde_json::from_slice(&req.body) {
            Ok(new) => new,
            Err(e) => return error(StatusCode::BAD_REQUEST, &format!("invalid JSON body: {e}")),
        };
        let Some(vrm) = present(new.vrm) else {
            return error(StatusCode::BAD_REQUEST, "vrm is required");
        };
        let Some(reason) = present(new.reason) else {
            return error(StatusCode::BAD_REQUEST, "reason is required");
        };
        let Some(requested_by) = present(new.requested_by) else {
            return error(StatusCode::BAD_REQUEST, "requestedBy is required");
        };
        let unprocessable = |m: &str| error(StatusCode::UNPROCESSABLE_ENTITY, m);
        if !is_vrm(&vrm) {
            return unprocessable("vrm must be 1 to 11 letters and digits (spaces are ignored)");
        }
        let vin = present(new.vin).map(|v| v.to_uppercase());
        if let Some(vin) = &vin
            && !(vin.len() <= 20 && vin.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return unprocessable("vin must be up to 20 letters and digits");
        }
        let protective_marking =
            present(new.protective_marking).unwrap_or_else(|| "OFFICIAL".to_owned());
        if !PROTECTIVE_MARKINGS.contains(&protective_marking.as_str()) {
            return unprocessable(
                "protectiveMarking must be OFFICIAL, OFFICIAL-SENSITIVE or SECRET",
            );
        }
        let mut nominals = Vec::new();
        for link in new.nominals.unwrap_or_default() {
            let Some(nominal_id) = present(link.nominal_id) else {
                return error(StatusCode::BAD_REQUEST, "nominals[].nominalId is required");
            };
            let role = present(link.role).unwrap_or_default().to_uppercase();
            if !VEHICLE_ROLES.contains(&role.as_str()) {
                return unprocessable("nominals[].role must be OWNER, DRIVER or PASSENGER");
            }
            if !store.nominals.iter().any(|n| n.nominal_id == nominal_id) {
                return unprocessable(&format!("nominal {nominal_id} not found"));
            }
            nominals.push(VehicleNominal { nominal_id, role });
        }
        let n = store.next_vehicle;
        store.next_vehicle += 1;
        let upper = |v: Option<String>| present(v).map(|v| v.to_uppercase());
        let vehicle = Vehicle {
            vehicle_id: format!("VEH-{n:06}"),
            vrm: vrm.to_uppercase(),
            make: upper(new.make),
            model: upper(new.model),
            colour: upper(new.colour),
            body_type: upper(new.body_type),
            vin,
            nominals,
            reason,
            requested_by,
            case_ref: present(new.case_ref),
            protective_marking,
            created_at: now_iso8601(),
        };
        let created = CreatedVehicle {
            vehicle_id: vehicle.vehicle_id.clone(),
            vrm: vehicle.vrm.clone(),
        };
        store.vehicles.push(vehicle);
        self.counters
            .vehicles_created
            .fetch_add(1, Ordering::Relaxed);
        json(StatusCode::CREATED, &created)
    }
}

impl Api for Kestrel {
    const CONTENT_TYPE: &'static str = "application/json";

    fn error_body(message: &str) -> String {
        serde_json::json!({ "error": message }).to_string()
    }

    fn handle(&self, req: ApiRequest) -> ApiResponse {
        match req.header("x-kestrel-key") {
            Some(key) if key == self.api_key => {}
            presented => {
                self.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
                let message = if presented.is_some() {
                    "invalid API key"
                } else {
                    "missing X-Kestrel-Key header"
                };
                return error(StatusCode::UNAUTHORIZED, message);
            }
        }
        let segments = req.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let Some(route) = segments.strip_prefix(&["api", "v2"]) else {
            return error(StatusCode::NOT_FOUND, &format!("no route for {}", req.path));
        };
        let method = &req.method;
        match route {
            ["status"] if method == Method::GET => self.status(),
            ["nominals"] if method == Method::GET => self.search_nominals(&req),
            ["nominals", id] if method == Method::GET => self.get_nominal(id),
            ["incidents"] if method == Method::GET => self.search_incidents(&req),
            ["incidents"] if method == Method::POST => self.create_incident(&req),
            ["incidents", id] if method == Method::GET => self.get_incident(id),
            ["vehicles"] if method == Method::GET => self.search_vehicles(&req),
            ["vehicles"] if method == Method::POST => self.create_vehicle(&req),
            ["vehicles", id] if method == Method::GET => self.get_vehicle(id),
            ["incidents"] | ["vehicles"] => {
                error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                    .with_header(ALLOW, "GET, POST")
            }
            ["status"] | ["nominals"] | ["nominals", _] | ["incidents", _] | ["vehicles", _] => {
                error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                    .with_header(ALLOW, "GET")
            }
            _ => error(StatusCode::NOT_FOUND, &format!("no route for {}", req.path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use serde_json::Value;

    const KEY: &str = "k";

    fn call(
        api: &Kestrel,
        method: Method,
        target: &str,
        body: &str,
        idem: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = ApiRequest::new(method, target);
        req.headers
            .insert("x-kestrel-key", HeaderValue::from_static(KEY));
        if let Some(k) = idem {
            req.headers
                .insert("idempotency-key", HeaderValue::from_str(k).unwrap());
        }
        req.body = Bytes::from(body.to_owned());
        let resp = api.handle(req);
        (resp.status, serde_json::from_str(&resp.body).unwrap())
    }

    fn get(api: &Kestrel, target: &str) -> (StatusCode, Value) {
        call(api, Method::GET, target, "", None)
    }

    fn ids(v: &Value, field: &str) -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[field].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn timestamp_shape() {
        assert!(looks_like_timestamp("2026-01-05T22:00:00Z"));
        assert!(!looks_like_timestamp("05/01/2026 22:00"));
        assert!(!looks_like_timestamp("2026-01-05"));
    }

    #[test]
    fn auth_is_required() {
        let api = Kestrel::new(KEY.into());
        let resp = api.handle(ApiRequest::new(Method::GET, "/api/v2/status"));
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
        let mut req = ApiRequest::new(Method::GET, "/api/v2/status");
        req.headers
            .insert("x-kestrel-key", HeaderValue::from_static("wrong"));
        assert_eq!(api.handle(req).status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.counters.unauthorized.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn status_counts() {
        let api = Kestrel::new(KEY.into());
        let (status, v) = get(&api, "/api/v2/status");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["system"], "Kestrel RMS");
        assert_eq!(v["nominalCount"], 15);
        assert_eq!(v["incidentCount"], 8);
        assert_eq!(v["vehicleCount"], 3);
    }

    #[test]
    fn nominal_search_filters() {
        let api = Kestrel::new(KEY.into());
        let (_, v) = get(&api, "/api/v2/nominals?surname=EXAMPLE");
        assert_eq!(v["total"], 3);
        let (_, v) = get(&api, "/api/v2/nominals?surname=examplewood&forename=alex");
        assert_eq!(ids(&v, "nominalId"), ["NOM-000101", "NOM-000112"]);
        let (_, v) = get(&api, "/api/v2/nominals?forename=jord");
        assert_eq!(
            ids(&v, "nominalId"),
            ["NOM-000101", "NOM-000109", "NOM-000114", "NOM-000115"],
            "forename2 counts"
        );
        let (_, v) = get(
            &api,
            "/api/v2/nominals?surname=Examplewood&dob=14%2F03%2F1988",
        );
        assert_eq!(ids(&v, "nominalId"), ["NOM-000101"]);
        let (_, v) = get(&api, "/api/v2/nominals?q=imaginary+close");
        assert_eq!(ids(&v, "nominalId"), ["NOM-000102", "NOM-000111"]);
        let (_, v) = get(&api, "/api/v2/nominals?q=zz1+1aa");
        assert_eq!(ids(&v, "nominalId"), ["NOM-000101", "NOM-000104"]);
        let (_, v) = get(&api, "/api/v2/nominals?q=robyn");
        assert_eq!(ids(&v, "nominalId"), ["NOM-000106"], "aliases count");
        let (_, v) = get(&api, "/api/v2/nominals?surname=nobody");
        assert_eq!(v["total"], 0);
        let (_, v) = get(&api, "/api/v2/nominals?surname=o'test");
        assert_eq!(ids(&v, "nominalId"), ["NOM-000109"]);
    }

    #[test]
    fn nominal_paging_and_validation() {
        let api = Kestrel::new(KEY.into());
        let (_, v) = get(&api, "/api/v2/nominals");
        assert_eq!(v["total"], 15);
        assert_eq!(v["offset"], 0);
        let (_, v) = get(&api, "/api/v2/nominals?limit=5&offset=13");
        assert_eq!(ids(&v, "nominalId"), ["NOM-000114", "NOM-000115"]);
        assert_eq!(v["total"], 15);
        assert_eq!(v["offset"], 13);
        let (status, v) = get(&api, "/api/v2/nominals?limit=101");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"], "limit must be 1..100");
        let (status, _) = get(&api, "/api/v2/nominals?dob=1988-03-14");
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn get_by_id_and_404() {
        let api = Kestrel::new(KEY.into());
        let (status, v) = get(&api, "/api/v2/nominals/NOM-000101");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["familyName"], "Examplewood");
        assert_eq!(v["birthDate"], "14/03/1988");
        let (status, v) = get(&api, "/api/v2/nominals/NOM-999999");
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(v["error"], "nominal NOM-999999 not found");
        let (status, _) = get(&api, "/api/v2/incidents/INC-999999");
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = get(&api, "/api/v2/nothing");
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(
            &api,
            Method::DELETE,
            "/api/v2/nominals/NOM-000101",
            "",
            None,
        );
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn incident_search() {
        let api = Kestrel::new(KEY.into());
        let (_, v) = get(&api, "/api/v2/incidents?nominalId=NOM-000102");
        assert_eq!(ids(&v, "incidentId"), ["INC-000301", "INC-000307"]);
        let (_, v) = get(&api, "/api/v2/incidents?ref=kr%2F2026%2F000304");
        assert_eq!(ids(&v, "incidentId"), ["INC-000304"]);
        let (_, v) = get(&api, "/api/v2/incidents?ref=OP-SAMPLE-0042");
        assert_eq!(ids(&v, "incidentId"), ["INC-000308"]);
        let (_, v) = get(&api, "/api/v2/incidents?limit=3");
        assert_eq!(v["total"], 8);
        assert_eq!(ids(&v, "incidentId").len(), 3);
    }

    #[test]
    fn create_validates_and_is_idempotent() {
        let api = Kestrel::new(KEY.into());
        let post = |body: &str, idem| call(&api, Method::POST, "/api/v2/incidents", body, idem);
        let (status, v) = post(r#"{"summary":"x"}"#, None);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"], "incidentType is required");
        let (status, _) = post(r#"{"incidentType":"THEFT","summary":"  "}"#, None);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = post("not json", None);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = post(
            r#"{"incidentType":"THEFT","summary":"x","nominals":[{"nominalId":"NOM-000101","role":"BYSTANDER"}]}"#,
            None,
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = post(
            r#"{"incidentType":"THEFT","summary":"x","nominals":[{"nominalId":"NOM-999999","role":"VICTIM"}]}"#,
            None,
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = post(
            r#"{"incidentType":"THEFT","summary":"x","protectiveMarking":"TOP SECRET"}"#,
            None,
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = post(
            r#"{"incidentType":"THEFT","summary":"x","occurredFrom":"yesterday"}"#,
            None,
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            api.store().incidents.len(),
            8,
            "nothing created by bad requests"
        );

        let body = r#"{"incidentType":"theft","summary":"Bike taken","nominals":[{"nominalId":"NOM-000103","role":"victim"}]}"#;
        let (status, first) = post(body, Some("abc"));
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(first["incidentId"], "INC-000309");
        assert!(
            first["incidentNumber"]
                .as_str()
                .unwrap()
                .ends_with("/000309")
        );
        let (status, again) = post(body, Some("abc"));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again, first);
        assert_eq!(api.counters.incidents_created.load(Ordering::Relaxed), 1);
        assert_eq!(api.counters.idempotent_replays.load(Ordering::Relaxed), 1);

        let (status, v) = get(&api, "/api/v2/incidents/INC-000309");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["incidentType"], "THEFT");
        assert_eq!(v["protectiveMarking"], "OFFICIAL");
        assert_eq!(v["nominals"][0]["role"], "VICTIM");
        let (_, v) = get(&api, "/api/v2/incidents?nominalId=NOM-000103");
        assert_eq!(ids(&v, "incidentId"), ["INC-000302", "INC-000309"]);

        let (status, other) = post(body, None);
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(other["incidentId"], "INC-000310");
    }

    #[test]
    fn vrm_normalising() {
        assert_eq!(vrm_key(" zv70 stu "), "ZV70STU");
        assert!(is_vrm("zx51 abc"));
        assert!(is_vrm("A1"));
        assert!(!is_vrm("ZX-51"));
        assert!(!is_vrm("   "));
        assert!(
            !is_vrm("ABCDEF123456"),
            "12 characters is too long for DS_065"
        );
    }

    #[test]
    fn vehicle_search_ignores_spaces_and_case() {
        let api = Kestrel::new(KEY.into());
        let (status, v) = get(&api, "/api/v2/vehicles?vrm=zx51+abc");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ids(&v, "vehicleId"), ["VEH-000401"]);
        let focus = &v["items"][0];
        assert_eq!(focus["vrm"], "ZX51ABC");
        assert_eq!(focus["make"], "FORD");
        assert_eq!(focus["model"], "FOCUS");
        assert_eq!(focus["colour"], "BLUE");
        assert_eq!(focus["nominals"][0]["nominalId"], "NOM-000101");
        assert_eq!(focus["nominals"][0]["role"], "OWNER");
        assert!(focus["caseRef"].is_null());
        let (_, v) = get(&api, "/api/v2/vehicles?vrm=ZV70STU");
        assert_eq!(
            ids(&v, "vehicleId"),
            ["VEH-000403"],
            "a mark stored with a space matches one given without"
        );
        assert_eq!(v["items"][0]["vrm"], "ZV70 STU", "stored as entered");
        let (_, v) = get(&api, "/api/v2/vehicles?vrm=ZX51");
        assert_eq!(v["total"], 0, "the whole mark, not a prefix");
        let (_, v) = get(&api, "/api/v2/vehicles?nominalId=NOM-000109");
        assert_eq!(ids(&v, "vehicleId"), ["VEH-000402"]);
        let (_, v) = get(&api, "/api/v2/vehicles?limit=2&offset=1");
        assert_eq!(v["total"], 3);
        assert_eq!(v["offset"], 1);
        assert_eq!(ids(&v, "vehicleId"), ["VEH-000402", "VEH-000403"]);
        let (status, v) = get(&api, "/api/v2/vehicles?limit=0");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"], "limit must be 1..100");
    }

    #[test]
    fn vehicle_by_id_and_404() {
        let api = Kestrel::new(KEY.into());
        let (status, v) = get(&api, "/api/v2/vehicles/VEH-000402");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["vrm"], "ZR12NPQ");
        assert_eq!(v["protectiveMarking"], "OFFICIAL-SENSITIVE");
        assert!(v["vin"].is_null());
        let (status, v) = get(&api, "/api/v2/vehicles/VEH-999999");
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(v["error"], "vehicle VEH-999999 not found");
        let (status, _) = call(&api, Method::PUT, "/api/v2/vehicles", "", None);
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        let (status, _) = call(&api, Method::POST, "/api/v2/vehicles/VEH-000401", "", None);
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn create_vehicle_validates() {
        let api = Kestrel::new(KEY.into());
        let post = |body: &str| call(&api, Method::POST, "/api/v2/vehicles", body, None);
        let ok = r#""reason":"r","requestedBy":"PC 1""#;
        for (body, status, message) in [
            ("not json", StatusCode::BAD_REQUEST, None),
            ("[]", StatusCode::BAD_REQUEST, None),
            (
                r#"{"reason":"r","requestedBy":"PC 1"}"#,
                StatusCode::BAD_REQUEST,
                Some("vrm is required"),
            ),
            (
                r#"{"vrm":"ZX51ABC","requestedBy":"PC 1"}"#,
                StatusCode::BAD_REQUEST,
                Some("reason is required"),
            ),
            (
                r#"{"vrm":"ZX51ABC","reason":" ","requestedBy":"PC 1"}"#,
                StatusCode::BAD_REQUEST,
                Some("reason is required"),
            ),
            (
                r#"{"vrm":"ZX51ABC","reason":"r"}"#,
                StatusCode::BAD_REQUEST,
                Some("requestedBy is required"),
            ),
            (
                &format!(r#"{{"vrm":"ZX-51",{ok}}}"#),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("vrm must be 1 to 11 letters and digits (spaces are ignored)"),
            ),
            (
                &format!(r#"{{"vrm":"ZX51ABC","vin":"SAMPLE-VIN",{ok}}}"#),
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            ),
            (
                &format!(r#"{{"vrm":"ZX51ABC","protectiveMarking":"TOP SECRET",{ok}}}"#),
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            ),
            (
                &format!(
                    r#"{{"vrm":"ZX51ABC","nominals":[{{"nominalId":"NOM-000101","role":"VICTIM"}}],{ok}}}"#
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("nominals[].role must be OWNER, DRIVER or PASSENGER"),
            ),
            (
                &format!(
                    r#"{{"vrm":"ZX51ABC","nominals":[{{"nominalId":"NOM-999999","role":"OWNER"}}],{ok}}}"#
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("nominal NOM-999999 not found"),
            ),
            (
                &format!(r#"{{"vrm":"ZX51ABC","nominals":[{{"role":"OWNER"}}],{ok}}}"#),
                StatusCode::BAD_REQUEST,
                Some("nominals[].nominalId is required"),
            ),
        ] {
            let (got, v) = post(body);
            assert_eq!(got, status, "{body}");
            assert!(v["error"].is_string(), "{body}: {v}");
            if let Some(message) = message {
                assert_eq!(v["error"], message, "{body}");
            }
        }
        assert_eq!(
            api.store().vehicles.len(),
            3,
            "nothing created by bad requests"
        );
        assert_eq!(api.counters.vehicles_created.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn create_vehicle_is_idempotent() {
        let api = Kestrel::new(KEY.into());
        let post = |body: &str, idem| call(&api, Method::POST, "/api/v2/vehicles", body, idem);
        let body = r#"{"vrm":"zx51 abc","make":"Ford","colour":"blue","reason":"Seen at a burglary",
            "requestedBy":"PC 4321","caseRef":"OP-FICTION-1",
            "nominals":[{"nominalId":"NOM-000101","role":"owner"}]}"#;
        let (status, first) = post(body, Some("veh-1"));
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(first["vehicleId"], "VEH-000404");
        assert_eq!(first["vrm"], "ZX51 ABC");
        let (status, again) = post(r#"{"anything":"else"}"#, Some("veh-1"));
        assert_eq!(status, StatusCode::OK, "a replay ignores the new body");
        assert_eq!(again, first);
        assert_eq!(api.counters.vehicles_created.load(Ordering::Relaxed), 1);
        assert_eq!(api.counters.vehicle_replays.load(Ordering::Relaxed), 1);
        assert_eq!(
            api.counters.idempotent_replays.load(Ordering::Relaxed),
            0,
            "incident replays are counted apart"
        );

        let (status, v) = get(&api, "/api/v2/vehicles/VEH-000404");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["make"], "FORD");
        assert_eq!(v["colour"], "BLUE");
        assert!(v["model"].is_null());
        assert_eq!(v["reason"], "Seen at a burglary");
        assert_eq!(v["requestedBy"], "PC 4321");
        assert_eq!(v["caseRef"], "OP-FICTION-1");
        assert_eq!(v["protectiveMarking"], "OFFICIAL");
        assert_eq!(v["nominals"][0]["role"], "OWNER");
        let (_, v) = get(&api, "/api/v2/vehicles?vrm=ZX51ABC");
        assert_eq!(ids(&v, "vehicleId"), ["VEH-000401", "VEH-000404"]);

        // The same key on the incidents route is a different request: it creates an incident.
        let (status, v) = call(
            &api,
            Method::POST,
            "/api/v2/incidents",
            r#"{"incidentType":"THEFT","summary":"x"}"#,
            Some("veh-1"),
        );
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(v["incidentId"], "INC-000309");

        let (status, other) = post(body, None);
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(other["vehicleId"], "VEH-000405");
        assert_eq!(api.store().vehicles.len(), 5);
    }
}
