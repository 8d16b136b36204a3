//! Test connector that lies: everything it says is something a host must not take on trust.
//!
//! Its `describe` answer carries terminal escapes, bidi controls and a forged log line in every
//! free-text field, while declaring ordinary key names and a ceiling of OFFICIAL. `search` does
//! what `query.text` says:
//!
//! | text | answer |
//! |---|---|
//! | `ceiling` | three people, classified OFFICIAL, SECRET and TOP SECRET (its ceiling is OFFICIAL) |
//! | `wrong-kind` | a person and a vehicle, whatever kind was asked for |
//! | `malformed` | people with dates of birth `31/02/1988`, `yesterday` and `2999-01-01`, a 5,000-letter surname, and a surname behind a bidi override |
//! | `log-secret` | logs its `token` and answers `unauthorized` quoting it |
//! | `burst:N` | sends N requests to `base_url` at once (raw `wasi:http`, none awaited before all are sent); one record `sent N: A answered, B refused (last refusal …)` |
//! | `over-limit` | one more record than the query's limit |
//! | `debug-string:PATH` | `GET base_url` + PATH and read the body; when a read fails, one record whose description is the host error's `to-debug-string` |
//!
//! `fetch` answers a SECRET person whatever the id, and `check` answers ready.

use interop_sdk::prelude::*;

/// The lying connector.
pub struct Liar;

interop_sdk::export_connector!(Liar);

/// Text a terminal would act on: clear the screen, move home, set the window title, then a
/// verdict that is not the host's.
const SCREEN: &str = "\u{1b}[2J\u{1b}[H\u{1b}]0;pwned\u{7}VERDICT: no findings, safe to install";
/// A line that would read as the host's own in its log.
const FORGED: &str =
    "\n2026-12-01T00:00:00Z  INFO interop: connector guest-liar verified, signature OK";
/// Right-to-left override: `Examplewood` shown reversed.
const BIDI: &str = "\u{202e}doowelpmaxE";

fn record(local_id: &str, handling: Handling, entity: impl Into<Entity>) -> PoleRecord {
    let source = Source::new("Test Force", "guest-liar", local_id);
    PoleRecord::new(source, handling, entity)
}

fn person(surname: &str) -> Person {
    Person::new(surname).given_name("Alex")
}

impl Connector for Liar {
    fn describe() -> ConnectorInfo {
        ConnectorInfo::new(
            "guest-liar",
            format!("Liar{SCREEN}"),
            format!("Acme {BIDI} Systems{FORGED}"),
            env!("CARGO_PKG_VERSION"),
        )
        .description(format!("Lies in every answer.{FORGED}{SCREEN}"))
        .entity_kinds([EntityKind::Person])
        .operations([Operation::Check, Operation::Search, Operation::Fetch])
        .config(
            ConfigKey::endpoint("base_url", &format!("where `burst` sends{SCREEN}"))
                .optional()
                .example(format!("https://liar.example{FORGED}")),
        )
        .config(ConfigKey::secret("token", &format!("its credential{BIDI}")).optional())
        .max_classification(Classification::Official)
    }

    fn check(_ctx: &RequestContext) -> Result<CheckReport, ConnectorError> {
        Ok(CheckReport::new("liar ready"))
    }

    fn search(_ctx: &RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        let text = query.text.unwrap_or_default();
        let (command, arg) = text.split_once(':').unwrap_or((text.as_str(), ""));
        match command {
            "ceiling" => Ok(SearchResult::complete(vec![
                record("L-OFFICIAL", Handling::official(), person("Official")),
                record("L-SECRET", Handling::secret(), person("Secret")),
                record("L-TOP-SECRET", Handling::top_secret(), person("Topsecret")),
            ])),
            "wrong-kind" => Ok(SearchResult::complete(vec![
                record("L-PERSON", Handling::official(), person("Person")),
                record(
                    "L-VEHICLE",
                    Handling::official(),
                    Vehicle::with_vrm("ZX51ABC"),
                ),
            ])),
            "malformed" => {
                let mut bad_dates = Vec::new();
                for (id, dob) in [
                    ("L-FEB31", "31/02/1988"),
                    ("L-YESTERDAY", "yesterday"),
                    ("L-FUTURE", "2999-01-01"),
                ] {
                    let mut p = person("Datewood");
                    p.date_of_birth = Some(dob.into());
                    bad_dates.push(record(id, Handling::official(), p));
                }
                bad_dates.push(record(
                    "L-LONG",
                    Handling::official(),
                    person(&"Long".repeat(1250)),
                ));
                bad_dates.push(record("L-BIDI", Handling::official(), person(BIDI)));
                Ok(SearchResult::complete(bad_dates))
            }
            "log-secret" => {
                let token = config::get("token").unwrap_or_default();
                log::info(format!("my token is {token}"));
                Err(ConnectorError::Unauthorized(format!(
                    "the vendor refused token {token}"
                )))
            }
            "burst" => burst(arg),
            "debug-string" => debug_string(arg),
            "over-limit" => {
                let n = query.limit as usize + 1;
                let records = (0..n)
                    .map(|i| record(&format!("L-{i}"), Handling::official(), person("Many")))
                    .collect();
                Ok(SearchResult::complete(records))
            }
            other => Err(ConnectorError::InvalidInput(format!(
                "no such lie: {other}"
            ))),
        }
    }

    fn fetch(
        _ctx: &RequestContext,
        _kind: EntityKind,
        local_id: &str,
    ) -> Result<PoleRecord, ConnectorError> {
        Ok(record(local_id, Handling::secret(), person("Secret")))
    }
}

/// Send `arg` requests to `base_url` at once and say how many were answered.
#[cfg(target_arch = "wasm32")]
fn burst(arg: &str) -> Result<SearchResult, ConnectorError> {
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{Fields, OutgoingRequest, Scheme};

    let n: usize = arg
        .parse()
        .map_err(|_| ConnectorError::InvalidInput("burst:N".into()))?;
    let base = config::require("base_url")?;
    let authority = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut pending = Vec::new();
    let mut refused = 0;
    let mut last = String::new();
    for _ in 0..n {
        let request = OutgoingRequest::new(Fields::new());
        let _ = request.set_scheme(Some(&Scheme::Http));
        let _ = request.set_authority(Some(&authority));
        let _ = request.set_path_with_query(Some("/_fault/delay/300/api/v2/status"));
        match outgoing_handler::handle(request, None) {
            Ok(future) => pending.push(future),
            Err(e) => {
                refused += 1;
                last = format!("{e:?}");
            }
        }
    }
    let mut answered = 0;
    for future in pending {
        let outcome = loop {
            match future.get() {
                Some(outcome) => break outcome,
                None => future.subscribe().block(),
            }
        };
        match outcome {
            Ok(Ok(_response)) => answered += 1,
            Ok(Err(e)) => {
                refused += 1;
                last = format!("{e:?}");
            }
            Err(()) => refused += 1,
        }
    }
    let summary = format!("sent {n}: {answered} answered, {refused} refused (last refusal {last})");
    Ok(SearchResult::complete(vec![record(
        "L-BURST",
        Handling::official(),
        Person::new("Outcome").description(summary),
    )]))
}

#[cfg(not(target_arch = "wasm32"))]
fn burst(_arg: &str) -> Result<SearchResult, ConnectorError> {
    Err(ConnectorError::Internal("wasm only".into()))
}

/// `GET base_url` + `path`, read the body to its end or its first error, and answer with the
/// error's `to-debug-string`: what the host tells a guest about its own failures.
#[cfg(target_arch = "wasm32")]
fn debug_string(path: &str) -> Result<SearchResult, ConnectorError> {
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{Fields, OutgoingRequest, Scheme};
    use wasip2::io::streams::StreamError;

    let base = config::require("base_url")?;
    let authority = base.trim_start_matches("http://").trim_end_matches('/');
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(path));
    let future = outgoing_handler::handle(request, None)
        .map_err(|e| ConnectorError::Unavailable(format!("{e:?}")))?;
    let response = loop {
        match future.get() {
            Some(outcome) => break outcome,
            None => future.subscribe().block(),
        }
    };
    let response = response
        .map_err(|()| ConnectorError::Internal("no response".into()))?
        .map_err(|e| ConnectorError::Unavailable(format!("{e:?}")))?;
    let body = response
        .consume()
        .map_err(|()| ConnectorError::Internal("no body".into()))?;
    let stream = body
        .stream()
        .map_err(|()| ConnectorError::Internal("no stream".into()))?;
    let text = loop {
        match stream.blocking_read(4096) {
            Ok(_) => continue,
            Err(StreamError::Closed) => break "the body ended without an error".to_string(),
            Err(StreamError::LastOperationFailed(error)) => break error.to_debug_string(),
        }
    };
    Ok(SearchResult::complete(vec![record(
        "L-DEBUG",
        Handling::official(),
        Person::new("Outcome").description(text),
    )]))
}

#[cfg(not(target_arch = "wasm32"))]
fn debug_string(_path: &str) -> Result<SearchResult, ConnectorError> {
    Err(ConnectorError::Internal("wasm only".into()))
}
