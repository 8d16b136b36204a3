//! The Harrier ANPR routes (see docs/VENDOR-STANDINS.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use hyper::header::{ALLOW, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, StatusCode};
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::model::{HotlistEntry, Keeper, Read, Vehicle, escape};
use crate::seed;
use crate::server::{Api, ApiRequest, ApiResponse, now_iso8601, paging};

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;

pub(crate) struct Store {
    pub vehicles: Vec<Vehicle>,
    pub keepers: Vec<Keeper>,
    pub reads: Vec<Read>,
    pub hotlist: Vec<HotlistEntry>,
    /// Idempotency key → the body of the `201` that created the entry.
    idempotency: HashMap<String, String>,
}

#[derive(Default)]
pub(crate) struct ApiCounters {
    pub unauthorized: AtomicU64,
    pub hotlist_created: AtomicU64,
    pub idempotent_replays: AtomicU64,
}

pub(crate) struct Harrier {
    token: String,
    store: Mutex<Store>,
    pub counters: ApiCounters,
}

fn xml(status: StatusCode, body: String) -> ApiResponse {
    ApiResponse::new(status, body)
}

fn error(status: StatusCode, message: &str) -> ApiResponse {
    ApiResponse::new(status, Harrier::error_body(message))
}

/// `<{name} total="N">` + one item per line + `</{name}>`.
fn collection<T>(
    name: &str,
    matches: Vec<&T>,
    limit: usize,
    offset: usize,
    to_xml: fn(&T) -> String,
) -> ApiResponse {
    let mut body = format!("<{name} total=\"{}\">", matches.len());
    for item in matches.into_iter().skip(offset).take(limit) {
        body.push('\n');
        body.push_str(&to_xml(item));
    }
    body.push_str(&format!("\n</{name}>"));
    xml(StatusCode::OK, body)
}

/// Upper case without whitespace: how Harrier compares registration marks.
pub(crate) fn normalise_vrm(vrm: &str) -> String {
    vrm.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Whether `s` is a `YYYY-MM-DD` date.
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// The fields of a `<hotlist>` request body.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct HotlistRequest {
    pub vrm: Option<String>,
    pub reason: Option<String>,
    pub requested_by: Option<String>,
    pub case_ref: Option<String>,
}

/// Parses `<hotlist><vrm>…</vrm><reason>…</reason>…</hotlist>`; unknown children are ignored.
pub(crate) fn parse_hotlist(body: &[u8]) -> Result<HotlistRequest, String> {
    let malformed = |e: &dyn std::fmt::Display| format!("malformed XML: {e}");
    let text = std::str::from_utf8(body).map_err(|e| malformed(&e))?;
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut field: Option<String> = None;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut start = |name: &[u8],
                     depth: usize,
                     root_seen: &mut bool|
     -> Result<Option<String>, String> {
        let name = String::from_utf8_lossy(name).into_owned();
        match depth {
            0 if *root_seen => Err("malformed XML: more than one root element".to_owned()),
            0 if name != "hotlist" => Err(format!("expected a <hotlist> element, got <{name}>")),
            0 => {
                *root_seen = true;
                Ok(None)
            }
            1 => {
                fields.entry(name.clone()).or_default();
                Ok(Some(name))
            }
            _ => Ok(None),
        }
    };
    let mut texts: Vec<(String, String)> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| malformed(&e))?;
        let piece: Option<String> = match event {
            Event::Start(e) => {
                if let Some(name) = start(e.name().as_ref(), depth, &mut root_seen)? {
                    field = Some(name);
                }
                depth += 1;
                None
            }
            Event::Empty(e) => {
                start(e.name().as_ref(), depth, &mut root_seen)?;
                None
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    field = None;
                }
                None
            }
            Event::Text(t) => Some(t.decode().map_err(|e| malformed(&e))?.into_owned()),
            Event::CData(t) => Some(t.decode().map_err(|e| malformed(&e))?.into_owned()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| malformed(&e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| malformed(&e))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("malformed XML: unknown entity &{name};"))?
                            .to_owned()
                    }
                };
                Some(resolved)
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => None,
        };
        if let Some(piece) = piece {
            if depth == 0 && !piece.trim().is_empty() {
                return Err("malformed XML: text outside the root element".to_owned());
            }
            if let (2, Some(name)) = (depth, &field) {
                texts.push((name.clone(), piece));
            }
        }
    }
    if depth != 0 {
        return Err("malformed XML: unclosed element".to_owned());
    }
    if !root_seen {
        return Err("expected a <hotlist> element".to_owned());
    }
    for (name, piece) in texts {
        fields.entry(name).or_default().push_str(&piece);
    }
    let mut take = |name: &str| {
        fields
            .remove(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Ok(HotlistRequest {
        vrm: take("vrm"),
        reason: take("reason"),
        requested_by: take("requestedBy"),
        case_ref: take("caseRef"),
    })
}

impl Harrier {
    pub(crate) fn new(token: String) -> Harrier {
        Harrier {
            token,
            store: Mutex::new(Store {
                vehicles: seed::vehicles(),
                keepers: seed::keepers(),
                reads: seed::reads(),
                hotlist: Vec::new(),
                idempotency: HashMap::new(),
            }),
            counters: ApiCounters::default(),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn ping(&self) -> ApiResponse {
        let n = self.store().vehicles.len();
        xml(
            StatusCode::OK,
            format!("<pong system=\"Harrier ANPR\" version=\"2.3.0\" vehicles=\"{n}\"/>"),
        )
    }

    fn search_vehicles(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 20) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let vrm = req.param("vrm").map(normalise_vrm);
        let (vin, make) = (req.param("vin"), req.param("make"));
        let store = self.store();
        let matches = store
            .vehicles
            .iter()
            .filter(|v| vrm.as_deref().is_none_or(|p| v.vrm.starts_with(p)))
            .filter(|v| vin.is_none_or(|vin| v.vin.eq_ignore_ascii_case(vin)))
            .filter(|v| make.is_none_or(|m| v.make.eq_ignore_ascii_case(m)))
            .collect();
        collection("vehicles", matches, limit, offset, Vehicle::to_xml)
    }

    fn search_keepers(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 20) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let dob = req.param("dob");
        if let Some(dob) = dob
            && !is_iso_date(dob)
        {
            return error(StatusCode::BAD_REQUEST, "dob must be YYYY-MM-DD");
        }
        let surname = req.param("surname").map(lower);
        let forenames = req.param("forenames").map(lower);
        let store = self.store();
        let matches = store
            .keepers
            .iter()
            .filter(|k| {
                surname
                    .as_deref()
                    .is_none_or(|s| lower(&k.surname).starts_with(s))
            })
            .filter(|k| {
                forenames.as_deref().is_none_or(|f| {
                    let all = lower(&k.forenames);
                    all.starts_with(f) || all.split_whitespace().any(|w| w.starts_with(f))
                })
            })
            .filter(|k| dob.is_none_or(|d| k.date_of_birth.as_deref() == Some(d)))
            .collect();
        collection("keepers", matches, limit, offset, Keeper::to_xml)
    }

    fn search_reads(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 20) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let vrm = req.param("vrm").map(normalise_vrm);
        let store = self.store();
        let mut matches: Vec<&Read> = store
            .reads
            .iter()
            .filter(|r| vrm.as_deref().is_none_or(|p| r.vrm.starts_with(p)))
            .collect();
        matches.sort_by(|a, b| b.seen_at.cmp(&a.seen_at).then_with(|| b.id.cmp(&a.id)));
        collection("reads", matches, limit, offset, Read::to_xml)
    }

    fn search_hotlist(&self, req: &ApiRequest) -> ApiResponse {
        let (limit, offset) = match paging(req, 20) {
            Ok(p) => p,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let vrm = req.param("vrm").map(normalise_vrm);
        let store = self.store();
        let matches = store
            .hotlist
            .iter()
            .filter(|h| vrm.as_deref().is_none_or(|p| h.vrm.starts_with(p)))
            .collect();
        collection("hotlists", matches, limit, offset, HotlistEntry::to_xml)
    }

    fn get_one<T>(
        &self,
        kind: &str,
        id: &str,
        pick: fn(&Store) -> &[T],
        key: fn(&T) -> &str,
        to_xml: fn(&T) -> String,
    ) -> ApiResponse {
        let store = self.store();
        match pick(&store).iter().find(|item| key(item) == id) {
            Some(item) => xml(StatusCode::OK, to_xml(item)),
            None => error(StatusCode::NOT_FOUND, &format!("{kind} {id} not found")),
        }
    }

    fn create_hotlist(&self, req: &ApiRequest) -> ApiResponse {
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
            return xml(StatusCode::OK, body.clone());
        }
        let fields = match parse_hotlist(&req.body) {
            Ok(f) => f,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        };
        let Some(vrm) = fields.vrm.as_deref().map(normalise_vrm) else {
            return error(StatusCode::BAD_REQUEST, "<vrm> is required");
        };
        if !(2..=8).contains(&vrm.len()) || !vrm.chars().all(|c| c.is_ascii_alphanumeric()) {
            return error(
                StatusCode::BAD_REQUEST,
                "vrm must be 2 to 8 letters or digits",
            );
        }
        let id = format!("HOT-{:06}", store.hotlist.len() + 1);
        let body = format!("<created id=\"{}\"/>", escape(&id));
        store.hotlist.push(HotlistEntry {
            id,
            vrm,
            reason: fields.reason,
            requested_by: fields.requested_by,
            case_ref: fields.case_ref,
            created_at: now_iso8601(),
        });
        self.counters
            .hotlist_created
            .fetch_add(1, Ordering::Relaxed);
        if let Some(key) = key {
            store.idempotency.insert(key, body.clone());
        }
        xml(StatusCode::CREATED, body)
    }
}

impl Api for Harrier {
    const CONTENT_TYPE: &'static str = "application/xml";

    fn error_body(message: &str) -> String {
        format!("<error>{}</error>", escape(message))
    }

    fn handle(&self, req: ApiRequest) -> ApiResponse {
        let token = req.header("authorization").map(|v| {
            let (scheme, rest) = v.trim().split_once(' ').unwrap_or((v, ""));
            (scheme.eq_ignore_ascii_case("bearer"), rest.trim())
        });
        match token {
            Some((true, t)) if t == self.token => {}
            presented => {
                self.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
                let message = match presented {
                    None => "missing Authorization header",
                    Some((false, _)) => "Authorization must be Bearer",
                    Some((true, _)) => "invalid bearer token",
                };
                return error(StatusCode::UNAUTHORIZED, message)
                    .with_header(WWW_AUTHENTICATE, "Bearer realm=\"harrier\"");
            }
        }
        let segments = req.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let Some(route) = segments.strip_prefix(&["harrier"]) else {
            return error(StatusCode::NOT_FOUND, &format!("no route for {}", req.path));
        };
        let get = req.method == Method::GET;
        match route {
            ["ping"] if get => self.ping(),
            ["vehicles"] if get => self.search_vehicles(&req),
            ["vehicles", id] if get => {
                self.get_one("vehicle", id, |s| &s.vehicles, |v| &v.id, Vehicle::to_xml)
            }
            ["keepers"] if get => self.search_keepers(&req),
            ["keepers", id] if get => {
                self.get_one("keeper", id, |s| &s.keepers, |k| &k.id, Keeper::to_xml)
            }
            ["reads"] if get => self.search_reads(&req),
            ["reads", id] if get => self.get_one("read", id, |s| &s.reads, |r| &r.id, Read::to_xml),
            ["hotlist"] if get => self.search_hotlist(&req),
            ["hotlist"] if req.method == Method::POST => self.create_hotlist(&req),
            ["hotlist", id] if get => self.get_one(
                "hotlist entry",
                id,
                |s| &s.hotlist,
                |h| &h.id,
                HotlistEntry::to_xml,
            ),
            ["hotlist"] => error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                .with_header(ALLOW, "GET, POST"),
            ["ping"]
            | ["vehicles" | "keepers" | "reads"]
            | ["vehicles" | "keepers" | "reads" | "hotlist", _] => {
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

    const TOKEN: &str = "t";

    fn call(
        api: &Harrier,
        method: Method,
        target: &str,
        body: &str,
        idem: Option<&str>,
    ) -> (StatusCode, String) {
        let mut req = ApiRequest::new(method, target);
        req.headers
            .insert("authorization", HeaderValue::from_static("Bearer t"));
        if let Some(k) = idem {
            req.headers
                .insert("idempotency-key", HeaderValue::from_str(k).unwrap());
        }
        req.body = Bytes::from(body.to_owned());
        let resp = api.handle(req);
        (resp.status, resp.body)
    }

    fn get(api: &Harrier, target: &str) -> (StatusCode, String) {
        call(api, Method::GET, target, "", None)
    }

    /// The `id` attributes of the items, in order.
    fn ids(body: &str) -> Vec<&str> {
        body.lines()
            .skip(1)
            .filter_map(|l| l.split_once(" id=\"")?.1.split_once('"').map(|(id, _)| id))
            .collect()
    }

    #[test]
    fn auth() {
        let api = Harrier::new(TOKEN.into());
        for value in [None, Some("Bearer nope"), Some("Basic t"), Some("t")] {
            let mut req = ApiRequest::new(Method::GET, "/harrier/ping");
            if let Some(v) = value {
                req.headers
                    .insert("authorization", HeaderValue::from_static(v));
            }
            let resp = api.handle(req);
            assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{value:?}");
            assert!(resp.body.starts_with("<error>"));
        }
        let mut req = ApiRequest::new(Method::GET, "/harrier/ping");
        req.headers
            .insert("authorization", HeaderValue::from_static("bearer  t"));
        assert_eq!(api.handle(req).status, StatusCode::OK);
        assert_eq!(api.counters.unauthorized.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn ping() {
        let api = Harrier::new(TOKEN.into());
        assert_eq!(
            get(&api, "/harrier/ping"),
            (
                StatusCode::OK,
                r#"<pong system="Harrier ANPR" version="2.3.0" vehicles="11"/>"#.to_owned()
            )
        );
    }

    #[test]
    fn vehicle_search() {
        let api = Harrier::new(TOKEN.into());
        let (_, body) = get(&api, "/harrier/vehicles?vrm=zx51%20abc");
        assert!(body.starts_with("<vehicles total=\"1\">"), "{body}");
        assert_eq!(ids(&body), ["VEH-0001"]);
        let (_, body) = get(&api, "/harrier/vehicles?vrm=zx+51");
        assert_eq!(ids(&body), ["VEH-0001", "VEH-0010"]);
        let (_, body) = get(&api, "/harrier/vehicles?make=ford&limit=2");
        assert!(body.starts_with("<vehicles total=\"3\">"));
        assert_eq!(ids(&body), ["VEH-0001", "VEH-0006"]);
        let (_, body) = get(&api, "/harrier/vehicles?vin=samplevin00000004");
        assert_eq!(ids(&body), ["VEH-0004"]);
        let (_, body) = get(&api, "/harrier/vehicles?vrm=QQ");
        assert_eq!(body, "<vehicles total=\"0\">\n</vehicles>");
        let (status, body) = get(&api, "/harrier/vehicles?limit=101");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, "<error>limit must be 1..100</error>");
    }

    #[test]
    fn keeper_search() {
        let api = Harrier::new(TOKEN.into());
        let (_, body) = get(&api, "/harrier/keepers?surname=examplewood");
        assert_eq!(ids(&body), ["KPR-0001", "KPR-0005"]);
        let (_, body) = get(&api, "/harrier/keepers?surname=Examplewood&dob=1988-03-14");
        assert_eq!(ids(&body), ["KPR-0001"]);
        let (_, body) = get(&api, "/harrier/keepers?forenames=jordan");
        assert_eq!(ids(&body), ["KPR-0001", "KPR-0004"]);
        let (_, body) = get(&api, "/harrier/keepers?surname=o'testly");
        assert!(body.contains("<surname>O&apos;TESTLY</surname>"), "{body}");
        let (status, _) = get(&api, "/harrier/keepers?dob=14/03/1988");
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn reads_newest_first() {
        let api = Harrier::new(TOKEN.into());
        let (_, body) = get(&api, "/harrier/reads?vrm=ZX51ABC");
        assert!(body.starts_with("<reads total=\"4\">"));
        assert_eq!(
            ids(&body),
            ["RD-000017", "RD-000011", "RD-000002", "RD-000001"]
        );
        assert!(body.contains("<grading source=\"2\" intelligence=\"B\" handling=\"P\"/>"));
        let (_, body) = get(&api, "/harrier/reads?limit=2");
        assert!(body.starts_with("<reads total=\"20\">"));
        assert_eq!(ids(&body), ["RD-000020", "RD-000019"]);
    }

    #[test]
    fn by_id_and_404() {
        let api = Harrier::new(TOKEN.into());
        let (status, body) = get(&api, "/harrier/vehicles/VEH-0001");
        assert_eq!(status, StatusCode::OK);
        assert!(body.starts_with(
            "<vehicle id=\"VEH-0001\"><vrm>ZX51ABC</vrm><vin>SAMPLEVIN00000001</vin>"
        ));
        let (status, body) = get(&api, "/harrier/vehicles/VEH-9999");
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, "<error>vehicle VEH-9999 not found</error>");
        assert_eq!(get(&api, "/harrier/keepers/KPR-0007").0, StatusCode::OK);
        assert_eq!(
            get(&api, "/harrier/keepers/KPR-0099").0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(get(&api, "/harrier/reads/RD-000020").0, StatusCode::OK);
        assert_eq!(
            get(&api, "/harrier/reads/RD-999999").0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get(&api, "/harrier/hotlist/HOT-000001").0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(get(&api, "/harrier/nothing").0, StatusCode::NOT_FOUND);
        assert_eq!(
            call(&api, Method::PUT, "/harrier/ping", "", None).0,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    #[test]
    fn hotlist_parsing() {
        let ok = parse_hotlist(
            b"<?xml version=\"1.0\"?><!-- c --><hotlist>\n <vrm> zx51 abc </vrm><reason>Seen &amp; \
              linked to KR/2026/000301 &#x2013; urgent</reason><requestedBy><![CDATA[DC <4410>]]></requestedBy>\
              <caseRef/><extra><nested>x</nested></extra></hotlist>\n",
        )
        .unwrap();
        assert_eq!(
            ok,
            HotlistRequest {
                vrm: Some("zx51 abc".into()),
                reason: Some("Seen & linked to KR/2026/000301 \u{2013} urgent".into()),
                requested_by: Some("DC <4410>".into()),
                case_ref: None,
            }
        );
        assert_eq!(
            parse_hotlist(b"<hotlist/>").unwrap(),
            HotlistRequest::default()
        );
        for bad in [
            &b""[..],
            b"not xml",
            b"<hotlist><vrm>ZX51ABC</vrm>",
            b"<hotlist><vrm>ZX51ABC</reason></hotlist>",
            b"<vehicle><vrm>ZX51ABC</vrm></vehicle>",
            b"<hotlist/><hotlist/>",
            b"<hotlist><vrm>&bogus;</vrm></hotlist>",
            b"<hotlist></hotlist></hotlist>",
            b"\xff\xfe",
        ] {
            assert!(
                parse_hotlist(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn hotlist_create_is_idempotent_and_findable() {
        let api = Harrier::new(TOKEN.into());
        let post = |body: &str, idem| call(&api, Method::POST, "/harrier/hotlist", body, idem);
        assert_eq!(
            post("<hotlist><reason>x</reason></hotlist>", None).0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(post("<hotlist><vrm>", None).0, StatusCode::BAD_REQUEST);
        assert_eq!(
            post("<hotlist><vrm>ZX-51</vrm></hotlist>", None).0,
            StatusCode::BAD_REQUEST
        );
        assert!(api.store().hotlist.is_empty());

        let body = "<hotlist><vrm>zx51 abc</vrm><reason>Burglary suspect vehicle</reason>\
                    <requestedBy>DC 4410</requestedBy><caseRef>KR/2026/000301</caseRef></hotlist>";
        let first = post(body, Some("k1"));
        assert_eq!(
            first,
            (
                StatusCode::CREATED,
                "<created id=\"HOT-000001\"/>".to_owned()
            )
        );
        let again = post(body, Some("k1"));
        assert_eq!(again, (StatusCode::OK, first.1.clone()));
        assert_eq!(api.counters.hotlist_created.load(Ordering::Relaxed), 1);
        assert_eq!(api.counters.idempotent_replays.load(Ordering::Relaxed), 1);

        let (status, entry) = get(&api, "/harrier/hotlist/HOT-000001");
        assert_eq!(status, StatusCode::OK);
        assert!(entry.starts_with("<hotlist id=\"HOT-000001\"><vrm>ZX51ABC</vrm><reason>Burglary suspect vehicle</reason>"), "{entry}");
        let (_, list) = get(&api, "/harrier/hotlist?vrm=ZX51ABC");
        assert_eq!(ids(&list), ["HOT-000001"]);
        assert_eq!(post(body, Some("k2")).1, "<created id=\"HOT-000002\"/>");
    }
}
