//! Test connector that misbehaves on request, for the host's sandbox tests.
//!
//! `search` does what `query.text` says: the command is the text before the first `:`, its
//! argument the rest. "One record `D`" means one record whose entity is an `other` event with
//! description `D`; `<kind>: <message>` is an `std::io::Error`'s `ErrorKind` (`Debug`, e.g.
//! `PermissionDenied`) and its `Display` text.
//!
//! | text | behaviour |
//! |---|---|
//! | `ok` | one record (a person, surname `Okay`) |
//! | `panic` | `panic!("deliberate panic: panic")` (a trap) |
//! | `unreachable` | the wasm `unreachable` instruction (a trap) |
//! | `loop` | a busy loop that never ends (CPU budget / timeout) |
//! | `recurse` | unbounded recursion (stack overflow trap) |
//! | `grow` | allocates and touches 1 MiB chunks forever (memory limit) |
//! | `huge-return` | one record with a 64 MiB description |
//! | `big-return:MIB` | one record (a person, surname `Big`) whose description is MIB MiB of `x` |
//! | `http` | `GET` the `base_url` config value; one event record whose description is `status N` |
//! | `spin-then-http[:MS]` | burns MS milliseconds of CPU (else config `spin_ms`, else 100), then as `http` |
//! | `log-ansi` | logs a line with ANSI escapes, CR/LF and BEL, then one record |
//! | `huge-log:MIB` | logs one info line of MIB MiB of `x`, then one record `logged MIB MiB` |
//! | `log-flood:N` | logs N info lines of 1024 `y`s each, then one record `logged N lines` |
//! | `stdout-flood:MIB` | writes MIB MiB of `z` to stdout; one record `ok: wrote MIB MiB`, or `error: <kind>: <message>` when a write or the flush fails |
//! | `read-file:PATH` | `std::fs::read_to_string(PATH)`; one record `ok: N bytes` or `error: <kind>: <message>` |
//! | `list-dir:PATH` | `std::fs::read_dir(PATH)`; one record `ok: N entries[: a,b,…]` (names sorted) or `error: <kind>: <message>` |
//! | `env` | one record `env: N vars[: A,B,…]`: the variables' names (sorted), never their values |
//! | `args` | one record `args: N`, the length of `std::env::args_os()` |
//! | `socket:ADDR` | `std::net::TcpStream::connect(ADDR)`; one record `ok: connected` or `error: <kind>: <message>` |
//! | `udp:ADDR` | `UdpSocket::bind("0.0.0.0:0")`, then `send_to(b"interop", ADDR)`; one record `ok: sent 7 bytes`, `bind error: <kind>: <message>` or `send error: <kind>: <message>` |
//! | `dns:NAME` | `(NAME, 80).to_socket_addrs()`; one record `ok: N addresses[: ip,ip,…]` or `error: <kind>: <message>` |
//! | `fetch:URL` | `GET` URL with the SDK client; one record `status N`, or `error: <class>: <message>` with the SDK `HttpError`'s class (`invalid-url`, `invalid-header`, `denied`, `timeout`, `transport`, `too-large`) and its `Display` text, e.g. `error: denied: outbound request denied: HttpRequestDenied` |
//! | `fetch-host-header:URL` | as `fetch`, with a `Host: internal.example` header added through the SDK; a host that forbids the header gives `error: invalid-header: invalid header: Host: Forbidden` |
//! | `random:BYTES` | `wasi:random/random.get-random-bytes(BYTES)`; one record `ok: N bytes` (N = the length returned) |
//! | `handles:N` | keeps N `wasi:io` pollables alive (`monotonic-clock.subscribe-duration(1 s)`); one record `ok: N handles` |
//! | `handles-fields:N` | keeps N `wasi:http` `fields` resources alive; one record `ok: N handles` |
//! | `plant:MARKER` | fills a new 4 MiB buffer with MARKER's bytes inverted (`!b`, so that a `peek`'s own query text never matches), repeated, and leaks it; stores MARKER in a static `Mutex<String>`; one record `planted` |
//! | `peek:MARKER` | scans linear memory from 1024 to the end (`memory.size × 65536`, volatile byte reads, skipping its own needle) for MARKER as `plant` lays it out, and checks the static; one record `memory {found\|not found}; static {found\|not found}; scanned 1024..END` |
//! | `plant-then-peek:MARKER` | `plant` then `peek` in the same instance (the control: `memory found; static found; …`) |
//! | `sleep:MS` | `std::thread::sleep(MS ms)` (a `wasi:clocks` wait, no spinning); one record `slept MS ms` |
//!
//! A missing or non-numeric argument where one is needed is `invalid-input`; so is any other
//! text. The `random`, `handles*`, `peek` and `plant-then-peek` modes need wasm: a native
//! build answers them `internal("wasm only")`. Each call runs in a fresh instance, so a `peek`
//! must never see an earlier call's `plant`.

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
    let person = Person::new("Outcome").description(format!("status {}", response.status));
    Ok(one(record("http-1", person)))
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
