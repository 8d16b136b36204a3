//! The Kestrel RMS routes (see docs/VENDOR-STANDINS.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use hyper::header::{ALLOW, HeaderValue};
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::model::{Incident, IncidentNominal, Nominal, PROTECTIVE_MARKINGS, ROLES};
use crate::seed;
use crate::server::{Api, ApiRequest, ApiResponse, now_iso8601, paging};

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;

pub(crate) struct Store {
    pub nominals: Vec<Nominal>,
    pub incidents: Vec<Incident>,
    next_incident: u32,
    /// Idempotency key → the body of the `201` that created the incident.
    idempotency: HashMap<String, String>,
}

#[derive(Default)]
pub(crate) struct ApiCounters {
    pub unauthorized: AtomicU64,
    pub incidents_created: AtomicU64,
    pub idempotent_replays: AtomicU64,
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
        Kestrel {
            api_key,
            store: Mutex::new(Store {
                nominals: seed::nominals(),
                incidents,
                next_incident,
                idempotency: HashMap::new(),
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

    fn create_incident(&self, req: &ApiRequest) -> ApiResponse {
        let key = match req.headers.get("idempotency-key").map(HeaderValue::to_str) {
            None => None,
            Some(Err(_)) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Idempotency-Key must be visible ASCII",
                );
            }
            Some(Ok(k)) if k.trim().is_empty() => None,
            Some(Ok(k)) if k.len() > MAX_IDEMPOTENCY_KEY => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Idempotency-Key longer than 255 characters",
                );
            }
            Some(Ok(k)) => Some(k.trim().to_owned()),
        };
        // Held across check-and-insert so concurrent replays cannot create twice.
        let mut store = self.store();
        if let Some(body) = key.as_ref().and_then(|k| store.idempotency.get(k)) {
            self.counters
                .idempotent_replays
                .fetch_add(1, Ordering::Relaxed);
            return ApiResponse::new(StatusCode::OK, body.clone());
        }
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
        let response = json(StatusCode::CREATED, &created);
        if let Some(key) = key {
            store.idempotency.insert(key, response.body.clone());
        }
        response
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
            ["incidents"] => error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                .with_header(ALLOW, "GET, POST"),
            ["status"] | ["nominals"] | ["nominals", _] | ["incidents", _] => {
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
        assert_eq!(v["nominalCount"], 12);
        assert_eq!(v["incidentCount"], 8);
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
            ["NOM-000101", "NOM-000109"],
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
        assert_eq!(v["total"], 12);
        assert_eq!(v["offset"], 0);
        let (_, v) = get(&api, "/api/v2/nominals?limit=5&offset=10");
        assert_eq!(ids(&v, "nominalId"), ["NOM-000111", "NOM-000112"]);
        assert_eq!(v["total"], 12);
        assert_eq!(v["offset"], 10);
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
}
