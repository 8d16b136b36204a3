//! The Osprey Custody and Osprey Intel routes (see docs/VENDOR-STANDINS.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use hyper::header::ALLOW;
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::{CustodyRecord, Detainee, HandlingCode, MARKINGS, Report, Subject};
use crate::seed;
use crate::server::{Api, ApiRequest, ApiResponse, now_iso8601, paging};

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;
/// Longest report title Osprey Intel stores.
const MAX_TITLE: usize = 120;

pub(crate) struct Store {
    pub detainees: Vec<Detainee>,
    pub custody: Vec<CustodyRecord>,
    pub reports: Vec<Report>,
    next_report: u32,
    /// Idempotency key → the body of the `201` that created the report.
    idempotency: HashMap<String, String>,
}

#[derive(Default)]
pub(crate) struct ApiCounters {
    pub unauthorized: AtomicU64,
    pub reports_created: AtomicU64,
    pub report_replays: AtomicU64,
}

pub(crate) struct Osprey {
    api_key: String,
    store: Mutex<Store>,
    pub counters: ApiCounters,
}

#[derive(Deserialize)]
struct NewReport {
    title: Option<String>,
    text: Option<String>,
    grade: Option<String>,
    handling: Option<HandlingCode>,
    gsc: Option<String>,
    #[serde(default)]
    caveats: Vec<String>,
    review_on: Option<String>,
    #[serde(default)]
    subjects: Vec<Subject>,
    #[serde(default)]
    vrms: Vec<String>,
    author: Option<String>,
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> ApiResponse {
    match serde_json::to_string(value) {
        Ok(body) => ApiResponse::new(status, body),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("could not encode the response: {e}"),
        ),
    }
}

fn error(status: StatusCode, message: &str) -> ApiResponse {
    ApiResponse::new(status, Osprey::error_body(message))
}

fn present(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Whether `s` is `YYYYMMDD` (Osprey Custody's date form).
fn is_compact_date(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` is `YYYY-MM-DD`.
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// Whether `grade` is a 3x5x2 source (1–3) and intelligence (A–E) grade, e.g. `2B`.
fn is_grade(grade: &str) -> bool {
    let b = grade.as_bytes();
    b.len() == 2 && (b'1'..=b'3').contains(&b[0]) && (b'A'..=b'E').contains(&b[1])
}

fn words(q: Option<&str>) -> Vec<String> {
    q.map(|q| q.split_whitespace().map(str::to_lowercase).collect())
        .unwrap_or_default()
}

fn all_words_in(words: &[String], text: &[&str]) -> bool {
    let haystack = text.join(" ").to_lowercase();
    words.iter().all(|w| haystack.contains(w.as_str()))
}

impl Osprey {
    pub(crate) fn new(api_key: String) -> Osprey {
        let reports = seed::reports();
        let next_report = reports
            .iter()
            .filter_map(|r| r.id.strip_prefix("INT-")?.parse::<u32>().ok())
            .max()
            .unwrap_or(7000)
            + 1;
        Osprey {
            api_key,
            store: Mutex::new(Store {
                detainees: seed::detainees(),
                custody: seed::custody_records(),
                reports,
                next_report,
                idempotency: HashMap::new(),
            }),
            counters: ApiCounters::default(),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn refuse(&self, message: &str) -> ApiResponse {
        self.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
        error(StatusCode::UNAUTHORIZED, message)
    }

    // ------------------------------------------------------------------ Osprey Custody

    fn custody(&self, req: &ApiRequest, route: &[&str]) -> ApiResponse {
        match req.header("x-osprey-key") {
            Some(key) if key == self.api_key => {}
            Some(_) => return self.refuse("invalid API key"),
            None => return self.refuse("missing X-Osprey-Key header"),
        }
        let get = req.method == Method::GET;
        match route {
            ["health"] if get => {
                let store = self.store();
                json_response(
                    StatusCode::OK,
                    &json!({
                        "product": "Osprey Custody",
                        "release": "7.4.0",
                        "vendor": "Osprey Systems",
                        "force": "Exampleshire Constabulary",
                        "detainees": store.detainees.len(),
                        "custody_records": store.custody.len(),
                    }),
                )
            }
            ["detainees"] if get => self.search_detainees(req),
            ["detainees", id] if get => {
                let store = self.store();
                match store.detainees.iter().find(|d| d.detainee_ref == *id) {
                    Some(d) => json_response(StatusCode::OK, d),
                    None => error(StatusCode::NOT_FOUND, &format!("detainee {id} not found")),
                }
            }
            ["custody-records"] if get => self.search_custody(req),
            ["custody-records", id] if get => {
                let store = self.store();
                match store.custody.iter().find(|c| c.custody_ref == *id) {
                    Some(c) => json_response(StatusCode::OK, c),
                    None => error(
                        StatusCode::NOT_FOUND,
                        &format!("custody record {id} not found"),
                    ),
                }
            }
            ["health"]
            | ["detainees"]
            | ["detainees", _]
            | ["custody-records"]
            | ["custody-records", _] => error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                .with_header(ALLOW, "GET"),
            _ => error(StatusCode::NOT_FOUND, &format!("no route for {}", req.path)),
        }
    }

    fn search_detainees(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 25) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let birth_date = req.param("birth_date");
        if birth_date.is_some_and(|d| !is_compact_date(d)) {
            return error(StatusCode::BAD_REQUEST, "birth_date must be YYYYMMDD");
        }
        let last = req.param("last_name").map(str::to_lowercase);
        let first = req.param("first_name").map(str::to_lowercase);
        let q = words(req.param("q"));
        let store = self.store();
        let matches: Vec<&Detainee> = store
            .detainees
            .iter()
            .filter(|d| {
                last.as_ref()
                    .is_none_or(|l| d.name.last.to_lowercase() == *l)
            })
            .filter(|d| {
                first.as_ref().is_none_or(|f| {
                    std::iter::once(&d.name.first)
                        .chain(&d.name.middle)
                        .any(|n| n.to_lowercase().starts_with(f.as_str()))
                })
            })
            .filter(|d| birth_date.is_none_or(|b| d.birth_date.as_deref() == Some(b)))
            .filter(|d| {
                let mut text = vec![d.name.first.as_str(), d.name.last.as_str()];
                text.extend(d.name.middle.iter().map(String::as_str));
                text.extend(d.aka.iter().map(String::as_str));
                if let Some(a) = &d.address {
                    text.extend([a.line1.as_str(), a.town.as_str(), a.postcode.as_str()]);
                }
                all_words_in(&q, &text)
            })
            .collect();
        list(matches, limit, offset)
    }

    fn search_custody(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 25) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let number = req.param("custody_number");
        let detainee = req.param("detainee_ref");
        let q = words(req.param("q"));
        let store = self.store();
        let matches: Vec<&CustodyRecord> = store
            .custody
            .iter()
            .filter(|c| number.is_none_or(|n| c.custody_number.eq_ignore_ascii_case(n)))
            .filter(|c| detainee.is_none_or(|d| c.detainee_ref == d))
            .filter(|c| all_words_in(&q, &[&c.arrest_reason, &c.station, &c.custody_number]))
            .collect();
        list(matches, limit, offset)
    }

    // ------------------------------------------------------------------ Osprey Intel

    fn intel(&self, req: &ApiRequest, route: &[&str]) -> ApiResponse {
        match req.header("authorization") {
            Some(value) if value.strip_prefix("Bearer ") == Some(self.api_key.as_str()) => {}
            Some(_) => return self.refuse("invalid bearer token"),
            None => return self.refuse("missing Authorization header"),
        }
        let method = &req.method;
        match route {
            ["ping"] if method == Method::GET => {
                let reports = self.store().reports.len();
                json_response(
                    StatusCode::OK,
                    &json!({"data": {"product": "Osprey Intel", "release": "3.1.2", "reports": reports}}),
                )
            }
            ["reports"] if method == Method::GET => self.search_reports(req),
            ["reports"] if method == Method::POST => self.create_report(req),
            ["reports", id] if method == Method::GET => {
                let store = self.store();
                match store.reports.iter().find(|r| r.id == *id) {
                    Some(r) => json_response(StatusCode::OK, &json!({ "data": r })),
                    None => error(StatusCode::NOT_FOUND, &format!("report {id} not found")),
                }
            }
            ["reports"] => error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                .with_header(ALLOW, "GET, POST"),
            ["ping"] | ["reports", _] => {
                error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                    .with_header(ALLOW, "GET")
            }
            _ => error(StatusCode::NOT_FOUND, &format!("no route for {}", req.path)),
        }
    }

    fn search_reports(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 25) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let urn = req.param("urn");
        let subject = req.param("subject").map(str::to_lowercase);
        let dob = req.param("dob");
        if dob.is_some_and(|d| !is_iso_date(d)) {
            return error(StatusCode::BAD_REQUEST, "dob must be YYYY-MM-DD");
        }
        let vrm = req.param("vrm").map(|v| v.replace(' ', "").to_uppercase());
        let q = words(req.param("q"));
        let store = self.store();
        let matches: Vec<&Report> = store
            .reports
            .iter()
            .filter(|r| urn.is_none_or(|u| r.urn.eq_ignore_ascii_case(u)))
            .filter(|r| {
                subject.is_none() && dob.is_none()
                    || r.subjects.iter().any(|s| {
                        subject
                            .as_ref()
                            .is_none_or(|n| s.surname.to_lowercase() == *n)
                            && dob.is_none_or(|d| s.dob.as_deref() == Some(d))
                    })
            })
            .filter(|r| vrm.as_ref().is_none_or(|v| r.vrms.iter().any(|m| m == v)))
            .filter(|r| all_words_in(&q, &[&r.title, &r.text]))
            .collect();
        let total = matches.len();
        let data: Vec<&Report> = matches.into_iter().skip(offset).take(limit).collect();
        json_response(
            StatusCode::OK,
            &json!({"data": data, "meta": {"total": total, "offset": offset, "limit": limit}}),
        )
    }

    fn create_report(&self, req: &ApiRequest) -> ApiResponse {
        let key = match req.headers.get("idempotency-key").map(|v| v.to_str()) {
            None => None,
            Some(Err(_)) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Idempotency-Key must be visible ASCII",
                );
            }
            Some(Ok(k)) if k.len() > MAX_IDEMPOTENCY_KEY => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Idempotency-Key longer than 255 characters",
                );
            }
            Some(Ok(k)) => Some(k.trim().to_owned()).filter(|k| !k.is_empty()),
        };
        // The store stays locked from the replay check to the insert, so concurrent replays
        // cannot create twice.
        let mut store = self.store();
        if let Some(body) = key.as_ref().and_then(|k| store.idempotency.get(k)) {
            self.counters.report_replays.fetch_add(1, Ordering::Relaxed);
            return ApiResponse::new(StatusCode::OK, body.clone());
        }
        let report = match new_report(req, store.next_report) {
            Ok(report) => report,
            Err(response) => return response,
        };
        let response = json_response(
            StatusCode::CREATED,
            &json!({"data": {"id": report.id, "urn": report.urn}}),
        );
        store.next_report += 1;
        store.reports.push(report);
        self.counters
            .reports_created
            .fetch_add(1, Ordering::Relaxed);
        if let Some(key) = key {
            store.idempotency.insert(key, response.body.clone());
        }
        response
    }
}

/// Validates a `POST /intel/api/reports` body into report number `n`.
fn new_report(req: &ApiRequest, n: u32) -> Result<Report, ApiResponse> {
    let new: NewReport = serde_json::from_slice(&req.body)
        .map_err(|e| error(StatusCode::BAD_REQUEST, &format!("invalid JSON body: {e}")))?;
    let required = |v: Option<String>, name: &str| {
        present(v).ok_or_else(|| error(StatusCode::BAD_REQUEST, &format!("{name} is required")))
    };
    let title = required(new.title, "title")?;
    let text = required(new.text, "text")?;
    let grade = required(new.grade, "grade")?;
    let author = required(new.author, "author")?;
    let handling = new
        .handling
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "handling is required"))?;
    let unprocessable = |message: &str| error(StatusCode::UNPROCESSABLE_ENTITY, message);
    if title.chars().count() > MAX_TITLE {
        return Err(unprocessable("title longer than 120 characters"));
    }
    if !is_grade(&grade) {
        return Err(unprocessable(
            "grade must be a source 1-3 and an assessment A-E, e.g. 2B",
        ));
    }
    let handling = match (handling.code.as_str(), present(handling.conditions)) {
        ("P", None) => HandlingCode {
            code: "P".into(),
            conditions: None,
        },
        ("C", Some(conditions)) => HandlingCode {
            code: "C".into(),
            conditions: Some(conditions),
        },
        ("P", Some(_)) => return Err(unprocessable("handling P takes no conditions")),
        ("C", None) => return Err(unprocessable("handling C needs conditions")),
        _ => return Err(unprocessable("handling code must be P or C")),
    };
    let gsc = present(new.gsc).unwrap_or_else(|| "OFFICIAL".into());
    if !MARKINGS.contains(&gsc.as_str()) {
        return Err(unprocessable(&format!(
            "gsc must be one of {}",
            MARKINGS.join(", ")
        )));
    }
    let review_on = present(new.review_on);
    if review_on.as_deref().is_some_and(|d| !is_iso_date(d)) {
        return Err(unprocessable("review_on must be YYYY-MM-DD"));
    }
    if new
        .subjects
        .iter()
        .any(|s| s.surname.trim().is_empty() || s.dob.as_deref().is_some_and(|d| !is_iso_date(d)))
    {
        return Err(unprocessable(
            "each subject needs a surname and a YYYY-MM-DD dob",
        ));
    }
    let recorded_at = now_iso8601();
    let year = recorded_at.get(..4).unwrap_or("2026").to_owned();
    Ok(Report {
        id: format!("INT-{n}"),
        urn: format!("OSP/INT/{year}/{:04}", n.saturating_sub(7000)),
        title,
        text,
        recorded_at,
        grade,
        handling,
        gsc,
        caveats: new.caveats,
        review_on,
        subjects: new.subjects,
        vrms: new
            .vrms
            .iter()
            .map(|v| v.replace(' ', "").to_uppercase())
            .collect(),
        author,
    })
}

/// Osprey Custody's list envelope.
fn list<T: Serialize>(matches: Vec<&T>, limit: usize, offset: usize) -> ApiResponse {
    let count = matches.len();
    let results: Vec<&T> = matches.into_iter().skip(offset).take(limit).collect();
    let next_offset = (offset + results.len() < count).then_some(offset + results.len());
    json_response(
        StatusCode::OK,
        &json!({"count": count, "offset": offset, "next_offset": next_offset, "results": results}),
    )
}

impl Api for Osprey {
    const CONTENT_TYPE: &'static str = "application/json";

    fn error_body(message: &str) -> String {
        json!({"fault": {"message": message}}).to_string()
    }

    fn handle(&self, req: ApiRequest) -> ApiResponse {
        let segments = req.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        if let Some(route) = segments.strip_prefix(&["custody", "v1"]) {
            self.custody(&req, route)
        } else if let Some(route) = segments.strip_prefix(&["intel", "api"]) {
            self.intel(&req, route)
        } else if req.header("x-osprey-key") == Some(self.api_key.as_str())
            || req
                .header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                == Some(self.api_key.as_str())
        {
            error(StatusCode::NOT_FOUND, &format!("no route for {}", req.path))
        } else {
            self.refuse("missing or invalid credentials")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;
    use serde_json::Value;

    fn call(
        api: &Osprey,
        method: Method,
        target: &str,
        body: &str,
        idem: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = ApiRequest::new(method, target);
        req.headers
            .insert("x-osprey-key", HeaderValue::from_static("k"));
        req.headers
            .insert("authorization", HeaderValue::from_static("Bearer k"));
        if let Some(k) = idem {
            req.headers
                .insert("idempotency-key", HeaderValue::from_str(k).unwrap());
        }
        req.body = body.to_owned().into();
        let resp = api.handle(req);
        (resp.status, serde_json::from_str(&resp.body).unwrap())
    }

    #[test]
    fn detainees_match_exact_surname_and_compact_dob() {
        let api = Osprey::new("k".into());
        let (status, v) = call(
            &api,
            Method::GET,
            "/custody/v1/detainees?last_name=examplewood",
            "",
            None,
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["count"], 2);
        let (_, v) = call(
            &api,
            Method::GET,
            "/custody/v1/detainees?last_name=examplewood&birth_date=19880314",
            "",
            None,
        );
        assert_eq!(v["count"], 1);
        assert_eq!(v["results"][0]["detainee_ref"], "DET-5001");
        assert_eq!(v["next_offset"], Value::Null);
        let (_, v) = call(
            &api,
            Method::GET,
            "/custody/v1/detainees?last_name=example",
            "",
            None,
        );
        assert_eq!(v["count"], 0, "surname is not a prefix match");
        let (status, v) = call(
            &api,
            Method::GET,
            "/custody/v1/detainees?birth_date=1988-03-14",
            "",
            None,
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(v["fault"]["message"].is_string());
        let (_, v) = call(&api, Method::GET, "/custody/v1/detainees?limit=1", "", None);
        assert_eq!(v["next_offset"], 1);
    }

    #[test]
    fn reports_are_created_once_per_key_and_validated() {
        let api = Osprey::new("k".into());
        let body = r#"{"title":"T","text":"Some text","grade":"2B","handling":{"code":"P"},"author":"PC 1"}"#;
        let (status, first) = call(
            &api,
            Method::POST,
            "/intel/api/reports",
            body,
            Some("key-1"),
        );
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(first["data"]["id"], "INT-7005");
        let (status, again) = call(
            &api,
            Method::POST,
            "/intel/api/reports",
            body,
            Some("key-1"),
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again, first);
        assert_eq!(api.store().reports.len(), 5);
        let bad = body.replace("2B", "4F");
        assert_eq!(
            call(&api, Method::POST, "/intel/api/reports", &bad, None).0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let bad = body.replace(r#""code":"P""#, r#""code":"C""#);
        assert_eq!(
            call(&api, Method::POST, "/intel/api/reports", &bad, None).0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            call(&api, Method::POST, "/intel/api/reports", "{}", None).0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(api.store().reports.len(), 5);
    }

    #[test]
    fn each_api_wants_its_own_credentials() {
        let api = Osprey::new("k".into());
        let mut req = ApiRequest::new(Method::GET, "/intel/api/ping");
        req.headers
            .insert("x-osprey-key", HeaderValue::from_static("k"));
        assert_eq!(api.handle(req).status, StatusCode::UNAUTHORIZED);
        let mut req = ApiRequest::new(Method::GET, "/custody/v1/health");
        req.headers
            .insert("authorization", HeaderValue::from_static("Bearer k"));
        assert_eq!(api.handle(req).status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.counters.unauthorized.load(Ordering::Relaxed), 2);
    }
}
