//! Test connector that misbehaves on request, for the host's sandbox tests.
//!
//! `search` does what `query.text` says:
//!
//! | text | behaviour |
//! |---|---|
//! | `ok` | one record |
//! | `panic` | `panic!("deliberate panic: panic")` (a trap) |
//! | `unreachable` | the wasm `unreachable` instruction (a trap) |
//! | `loop` | a busy loop that never ends (CPU budget / timeout) |
//! | `recurse` | unbounded recursion (stack overflow trap) |
//! | `grow` | allocates and touches 1 MiB chunks forever (memory limit) |
//! | `huge-return` | one record with a 64 MiB description |
//! | `http` | `GET` the `base_url` config value; one event record whose description is `status N` |
//! | `spin-then-http[:MS]` | burns MS milliseconds of CPU (else config `spin_ms`, else 100), then as `http` |
//! | `log-ansi` | logs a line with ANSI escapes, CR/LF and BEL, then one record |
//!
//! Anything else is `invalid-input`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use interop_sdk::http::Request;
use interop_sdk::prelude::*;

mod hostile;

/// The misbehaving connector.
pub struct Misbehave;

interop_sdk::export_connector!(Misbehave);

/// CPU burnt by `spin-then-http` when neither the text nor the config says.
const DEFAULT_SPIN_MS: u64 = 100;

fn record(local_id: &str, entity: impl Into<Entity>) -> PoleRecord {
    let source = Source::new("Test Force", "guest-misbehave", local_id);
    PoleRecord::new(source, Handling::official(), entity)
}

fn one(record: PoleRecord) -> SearchResult {
    SearchResult::complete(vec![record])
}

/// Recursion with tiny frames, so the wasm call stack (not the shadow stack in linear memory)
/// runs out first.
fn recurse(depth: u64) -> u64 {
    if black_box(depth) == u64::MAX {
        return depth;
    }
    black_box(recurse(depth + 1)).wrapping_add(1)
}

fn http_status() -> Result<SearchResult, ConnectorError> {
    let url = config::require("base_url")?;
    let response = Request::get(url).send()?;
    let event = Event::new(EventKind::Other).description(format!("status {}", response.status));
    Ok(one(record("http-1", event)))
}

#[cfg(target_arch = "wasm32")]
fn trap() -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(not(target_arch = "wasm32"))]
fn trap() -> ! {
    std::process::abort()
}

impl Connector for Misbehave {
    fn describe() -> ConnectorInfo {
        ConnectorInfo::new(
            "guest-misbehave",
            "Misbehave",
            "interop tests",
            env!("CARGO_PKG_VERSION"),
        )
        .description("Misbehaves on request")
        .entity_kinds([EntityKind::Person, EntityKind::Event])
        .operations([Operation::Check, Operation::Search])
        .config(ConfigKey::endpoint("base_url", "URL that `http` fetches").optional())
        .config(ConfigKey::text("spin_ms", "CPU milliseconds `spin-then-http` burns").optional())
    }

    fn check(_ctx: &RequestContext) -> Result<CheckReport, ConnectorError> {
        Ok(CheckReport::new("misbehave ready"))
    }

    fn search(_ctx: &RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        let text = query.text.unwrap_or_default();
        let (command, arg) = text.split_once(':').unwrap_or((text.as_str(), ""));
        match command {
            "ok" => Ok(one(record("ok-1", Person::new("Okay")))),
            "panic" => panic!("deliberate panic: {text}"),
            "unreachable" => trap(),
            "loop" => {
                let mut x = 0u64;
                loop {
                    x = black_box(x.wrapping_add(1));
                }
            }
            "recurse" => {
                let depth = recurse(black_box(0));
                Ok(one(record("never", Person::new(depth.to_string()))))
            }
            "grow" => {
                const CHUNK: usize = 1024 * 1024;
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    let mut chunk = vec![0u8; CHUNK];
                    for i in (0..CHUNK).step_by(4096) {
                        chunk[i] = 1;
                    }
                    hoard.push(black_box(chunk));
                }
            }
            "huge-return" => {
                let huge = "x".repeat(64 * 1024 * 1024);
                Ok(one(record("huge-1", Person::new("Huge").description(huge))))
            }
            "http" => http_status(),
            "spin-then-http" => {
                let ms = arg
                    .parse()
                    .ok()
                    .or_else(|| config::get("spin_ms").and_then(|v| v.trim().parse().ok()))
                    .unwrap_or(DEFAULT_SPIN_MS);
                let until = Instant::now() + Duration::from_millis(ms);
                let mut x = 0u64;
                while Instant::now() < until {
                    x = black_box(x.wrapping_add(1));
                }
                http_status()
            }
            "log-ansi" => {
                log::info(
                    "\u{1b}[31mred\u{1b}[0m text\nforged: second line\r\n\u{7}bell \u{1b}]0;title\u{7}",
                );
                Ok(one(record("ansi-1", Person::new("Ansi"))))
            }
            "read-file" => hostile::read_file(arg),
            "list-dir" => hostile::list_dir(arg),
            "env" => Ok(hostile::env()),
            "args" => Ok(hostile::args()),
            "socket" => hostile::socket(arg),
            "udp" => hostile::udp(arg),
            "dns" => hostile::dns(arg),
            "fetch" => hostile::fetch(arg),
            "fetch-host-header" => hostile::fetch_host_header(arg),
            "huge-log" => hostile::huge_log(arg),
            "log-flood" => hostile::log_flood(arg),
            "random" => hostile::random(arg),
            "handles" => hostile::handles(arg),
            "handles-fields" => hostile::handles_fields(arg),
            "plant" => hostile::plant(arg),
            "peek" => hostile::peek(arg),
            "plant-then-peek" => hostile::plant_then_peek(arg),
            "sleep" => hostile::sleep(arg),
            "stdout-flood" => hostile::stdout_flood(arg),
            "big-return" => hostile::big_return(arg),
            other => Err(ConnectorError::InvalidInput(format!(
                "unknown behaviour `{other}`"
            ))),
        }
    }
}
