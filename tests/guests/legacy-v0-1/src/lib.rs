//! A connector built against the released contract `interop:connector@0.1.0`, the way one
//! shipped before 0.2 was: generated straight from `wit/since_v0.1.0/` and stamped with that
//! version. It reads people from the Kestrel RMS stand-in (`GET /api/v2/nominals`), so the
//! conformance kit can take it to Silver. Hosts that speak 0.2 must keep loading and running it
//! unchanged; the tests prove they do.

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.0",
    world: "connector-world",
    generate_all,
});

use exports::interop::connector::connector::Guest;
use interop::connector::config;
use interop::connector::types::{
    CheckReport, Classification, ConfigKey, ConfigKind, ConnectorError, ConnectorInfo, Entity,
    EntityKind, Handling, Operation, Person, PoleRecord, Receipt, RequestContext, SearchKey,
    SearchQuery, SearchResult, Source, Submission,
};
use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, Method, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

#[unsafe(link_section = "interop:contract-version")]
#[used]
static CONTRACT_VERSION: [u8; 5] = *b"0.1.0";

#[unsafe(link_section = "interop:sdk-version")]
#[used]
static SDK_VERSION: [u8; 5] = *b"0.1.0";

/// Kestrel answers at most this many nominals a page.
const MAX_PAGE: u32 = 100;
/// Most bytes of a Kestrel answer read; a page of nominals is a few KiB.
const MAX_BODY: usize = 1 << 20;

struct Legacy;

export!(Legacy);

fn setting(key: &str) -> Result<String, ConnectorError> {
    config::get(key)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ConnectorError::InvalidInput(format!("configuration `{key}` is not set")))
}

/// `GET base_url/path` with the Kestrel key; the body of a 2xx, else the contract's error.
fn get(path: &str) -> Result<serde_json::Value, ConnectorError> {
    let base = setting("base_url")?;
    let key = setting("api_key")?;
    let (https, rest) = match (base.strip_prefix("https://"), base.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => {
            return Err(ConnectorError::InvalidInput(format!(
                "`{base}` is not an http(s) URL"
            )));
        }
    };
    let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_end_matches('/');
    let headers = Fields::new();
    let _ = headers.append("x-kestrel-key", key.as_bytes());
    let _ = headers.append("accept", b"application/json");
    let request = OutgoingRequest::new(headers);
    let unavailable = |what: String| ConnectorError::Unavailable(format!("Kestrel RMS: {what}"));
    let _ = request.set_method(&Method::Get);
    let _ = request.set_scheme(Some(&if https { Scheme::Https } else { Scheme::Http }));
    let _ = request.set_authority(Some(authority));
    let path = if prefix.is_empty() {
        format!("/{path}")
    } else {
        format!("/{prefix}/{path}")
    };
    let _ = request.set_path_with_query(Some(&path));
    let pending =
        outgoing_handler::handle(request, None).map_err(|e| unavailable(format!("{e:?}")))?;
    let response = loop {
        match pending.get() {
            Some(result) => break result,
            None => pending.subscribe().block(),
        }
    };
    let response = response
        .map_err(|()| unavailable("no response".into()))?
        .map_err(|e| unavailable(format!("{e:?}")))?;
    let status = response.status();
    let incoming = response
        .consume()
        .map_err(|()| unavailable("no body".into()))?;
    let stream = incoming
        .stream()
        .map_err(|()| unavailable("no body stream".into()))?;
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) if body.len() + chunk.len() <= MAX_BODY => body.extend_from_slice(&chunk),
            Ok(_) => {
                return Err(ConnectorError::Internal(
                    "Kestrel's answer is too large".into(),
                ));
            }
            Err(StreamError::Closed) => break,
            Err(e) => return Err(unavailable(format!("reading the answer: {e:?}"))),
        }
    }
    drop(stream);
    let text = String::from_utf8_lossy(&body).into_owned();
    match status {
        200..=299 => serde_json::from_str(&text)
            .map_err(|e| ConnectorError::Internal(format!("Kestrel answered with bad JSON: {e}"))),
        401 | 403 => Err(ConnectorError::Unauthorized(format!(
            "Kestrel RMS refused the key ({status})"
        ))),
        404 => Err(ConnectorError::NotFound(format!(
            "Kestrel RMS has no such record ({status})"
        ))),
        400 | 422 => Err(ConnectorError::InvalidInput(format!(
            "Kestrel RMS refused the request: {text}"
        ))),
        _ => Err(unavailable(format!("HTTP {status}"))),
    }
}

/// `DD/MM/YYYY` as `YYYY-MM-DD`.
fn iso_date(dmy: &str) -> Option<String> {
    let mut parts = dmy.trim().split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = d.len() == 2
        && m.len() == 2
        && y.len() == 4
        && [d, m, y]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_digit()));
    ok.then(|| format!("{y}-{m}-{d}"))
}

fn text(v: &serde_json::Value, field: &str) -> Option<String> {
    v.get(field)
        .and_then(|x| x.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn person_record(n: &serde_json::Value) -> Result<PoleRecord, ConnectorError> {
    let id = text(n, "nominalId")
        .ok_or_else(|| ConnectorError::Internal("a nominal without an id".into()))?;
    let (classification, sensitive) = match text(n, "protectiveMarking").as_deref() {
        Some("OFFICIAL") => (Classification::Official, false),
        Some("OFFICIAL-SENSITIVE") => (Classification::Official, true),
        Some("SECRET") => (Classification::Secret, false),
        other => {
            return Err(ConnectorError::Internal(format!(
                "nominal {id}: unknown marking {other:?}"
            )));
        }
    };
    let given_names = ["forename1", "forename2"]
        .iter()
        .filter_map(|f| text(n, f))
        .collect();
    let person = Person {
        given_names,
        middle_names: vec![],
        surname: text(n, "familyName"),
        aliases: vec![],
        date_of_birth: text(n, "birthDate").and_then(|d| iso_date(&d)),
        date_of_birth_known: true,
        place_of_birth: None,
        gender: None,
        ethnicity_self_defined: None,
        ethnicity_observed: None,
        pnc_id: text(n, "pncRef"),
        cro_number: None,
        description: None,
        warning_markers: vec![],
    };
    let force = config::get("force").unwrap_or_else(|| "Exampleshire Constabulary".into());
    Ok(PoleRecord {
        source: Source {
            force,
            system: "Kestrel RMS".into(),
            local_id: id,
            extracted_at: text(n, "lastUpdated").unwrap_or_else(|| "1970-01-01T00:00:00Z".into()),
        },
        handling: Handling {
            classification,
            sensitive,
            caveats: vec![],
            grading: None,
            review_date: None,
        },
        entity: Entity::Person(person),
        links: vec![],
    })
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Guest for Legacy {
    fn describe() -> ConnectorInfo {
        let key =
            |name: &str, description: &str, kind, required, example: Option<&str>| ConfigKey {
                name: name.into(),
                description: description.into(),
                kind,
                required,
                example: example.map(Into::into),
            };
        ConnectorInfo {
            id: "kestrel-legacy".into(),
            name: "Kestrel RMS people (a contract 0.1 connector)".into(),
            vendor: "interop tests".into(),
            version: "0.1.0".into(),
            contract_version: "0.1.0".into(),
            description:
                "People held in Kestrel RMS, from a connector built against interop:connector@0.1.0"
                    .into(),
            entity_kinds: vec![EntityKind::Person],
            operations: vec![Operation::Check, Operation::Search, Operation::Fetch],
            config: vec![
                key(
                    "base_url",
                    "Root URL of the Kestrel RMS API",
                    ConfigKind::Endpoint,
                    true,
                    Some("https://kestrel.example.invalid"),
                ),
                key("api_key", "Kestrel API key", ConfigKind::Secret, true, None),
                key(
                    "force",
                    "Force that owns the data",
                    ConfigKind::Text,
                    false,
                    Some("Exampleshire Constabulary"),
                ),
            ],
            max_classification: Classification::Secret,
        }
    }

    fn check(_ctx: RequestContext) -> Result<CheckReport, ConnectorError> {
        let status = get("api/v2/status")?;
        let count = status
            .get("nominalCount")
            .and_then(|c| c.as_u64())
            .unwrap_or(0);
        Ok(CheckReport {
            message: format!("Kestrel RMS reachable, {count} nominals"),
            system_version: text(&status, "version"),
        })
    }

    fn search(_ctx: RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        if query.kind != EntityKind::Person {
            return Err(ConnectorError::InvalidInput(
                "this connector searches people only".into(),
            ));
        }
        let surname = query
            .keys
            .iter()
            .find_map(|k| match k {
                SearchKey::Name(n) => Some(n.surname.clone()),
                _ => None,
            })
            .or(query.text.clone())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ConnectorError::InvalidInput("give a surname to search".into()))?;
        let limit = query.limit.min(MAX_PAGE);
        if limit == 0 {
            return Ok(SearchResult {
                records: vec![],
                next_cursor: None,
            });
        }
        let offset: u64 = match query.cursor.as_deref() {
            None => 0,
            Some(c) => c.parse().map_err(|_| {
                ConnectorError::InvalidInput("not a cursor of this connector".into())
            })?,
        };
        let page = get(&format!(
            "api/v2/nominals?surname={}&limit={limit}&offset={offset}",
            percent_encode(&surname)
        ))?;
        let items = page
            .get("items")
            .and_then(|i| i.as_array())
            .cloned()
            .unwrap_or_default();
        let total = page.get("total").and_then(|t| t.as_u64()).unwrap_or(0);
        let shown: Vec<_> = items.into_iter().take(limit as usize).collect();
        let next = offset + shown.len() as u64;
        let records = shown
            .iter()
            .map(person_record)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchResult {
            next_cursor: (!records.is_empty() && next < total).then(|| next.to_string()),
            records,
        })
    }

    fn fetch(
        _ctx: RequestContext,
        kind: EntityKind,
        local_id: String,
    ) -> Result<PoleRecord, ConnectorError> {
        if kind != EntityKind::Person {
            return Err(ConnectorError::InvalidInput(
                "this connector holds people only".into(),
            ));
        }
        person_record(&get(&format!(
            "api/v2/nominals/{}",
            percent_encode(&local_id)
        ))?)
    }

    fn submit(_ctx: RequestContext, _item: Submission) -> Result<Receipt, ConnectorError> {
        Err(ConnectorError::InvalidInput(
            "this connector does not submit".into(),
        ))
    }
}
