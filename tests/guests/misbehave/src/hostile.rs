//! The probing modes: each tries one thing a hostile connector might and describes exactly
//! what happened in one event record (see the table in the crate docs).

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use interop_sdk::http::{HttpError, Request};
use interop_sdk::prelude::*;

use crate::{one, record};

const MIB: usize = 1024 * 1024;

/// What `plant` stores and `peek` checks; empty in every fresh instance.
static PLANTED: Mutex<String> = Mutex::new(String::new());

/// Bytes of the buffer `plant` fills and leaks.
const PLANT_BYTES: usize = 4 * MIB;

/// One record whose description says what happened: a person, the kind the tests ask for
/// (the host drops a record of another kind than asked).
pub(crate) fn described(command: &str, description: impl Into<String>) -> SearchResult {
    let person = Person::new("Outcome").description(description);
    one(record(&format!("{command}-1"), person))
}

/// The argument as a number.
fn number<T: FromStr>(command: &str, arg: &str) -> Result<T, ConnectorError> {
    arg.trim().parse().map_err(|_| {
        ConnectorError::InvalidInput(format!("`{command}` needs a number, got `{arg}`"))
    })
}

/// The argument, which must not be empty.
fn required<'a>(command: &str, arg: &'a str) -> Result<&'a str, ConnectorError> {
    if arg.is_empty() {
        Err(ConnectorError::InvalidInput(format!(
            "`{command}` needs an argument after `:`"
        )))
    } else {
        Ok(arg)
    }
}

/// The argument as a count of mebibytes, in bytes.
fn mebibytes(command: &str, arg: &str) -> Result<usize, ConnectorError> {
    let mib: usize = number(command, arg)?;
    mib.checked_mul(MIB).ok_or_else(|| {
        ConnectorError::InvalidInput(format!("`{command}`: {mib} MiB does not fit in memory"))
    })
}

/// `error: <kind>: <message>` for an I/O error.
fn io_error(e: &std::io::Error) -> String {
    format!("error: {:?}: {e}", e.kind())
}

/// `N <noun>`, then `: a,b,c` when there are any names.
fn counted(count: usize, noun: &str, names: &[String]) -> String {
    if names.is_empty() {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}: {}", names.join(","))
    }
}

/// `read-file:PATH`
pub(crate) fn read_file(arg: &str) -> Result<SearchResult, ConnectorError> {
    let path = required("read-file", arg)?;
    let outcome = match std::fs::read_to_string(path) {
        Ok(text) => format!("ok: {} bytes", text.len()),
        Err(e) => io_error(&e),
    };
    Ok(described("read-file", outcome))
}

/// `list-dir:PATH`
pub(crate) fn list_dir(arg: &str) -> Result<SearchResult, ConnectorError> {
    let path = required("list-dir", arg)?;
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => return Ok(described("list-dir", io_error(&e))),
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => names.push(entry.file_name().to_string_lossy().into_owned()),
            Err(e) => return Ok(described("list-dir", io_error(&e))),
        }
    }
    names.sort();
    Ok(described(
        "list-dir",
        format!("ok: {}", counted(names.len(), "entries", &names)),
    ))
}

/// `env`: the names (never the values) of the environment variables.
pub(crate) fn env() -> SearchResult {
    let mut names: Vec<String> = std::env::vars_os()
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect();
    names.sort();
    described(
        "env",
        format!("env: {}", counted(names.len(), "vars", &names)),
    )
}

/// `args`
pub(crate) fn args() -> SearchResult {
    described("args", format!("args: {}", std::env::args_os().count()))
}

/// `socket:ADDR`
pub(crate) fn socket(arg: &str) -> Result<SearchResult, ConnectorError> {
    let addr = required("socket", arg)?;
    let outcome = match TcpStream::connect(addr) {
        Ok(_) => "ok: connected".to_string(),
        Err(e) => io_error(&e),
    };
    Ok(described("socket", outcome))
}

/// `udp:ADDR`
pub(crate) fn udp(arg: &str) -> Result<SearchResult, ConnectorError> {
    let addr = required("udp", arg)?;
    let outcome = match UdpSocket::bind("0.0.0.0:0") {
        Err(e) => format!("bind {}", io_error(&e)),
        Ok(socket) => match socket.send_to(b"interop", addr) {
            Ok(n) => format!("ok: sent {n} bytes"),
            Err(e) => format!("send {}", io_error(&e)),
        },
    };
    Ok(described("udp", outcome))
}

/// `dns:NAME`
pub(crate) fn dns(arg: &str) -> Result<SearchResult, ConnectorError> {
    let name = required("dns", arg)?;
    let outcome = match (name, 80).to_socket_addrs() {
        Ok(addrs) => {
            let addrs: Vec<String> = addrs.map(|a| a.ip().to_string()).collect();
            format!("ok: {}", counted(addrs.len(), "addresses", &addrs))
        }
        Err(e) => io_error(&e),
    };
    Ok(described("dns", outcome))
}

/// The kebab-case name of an SDK HTTP error's variant.
fn http_error_class(e: &HttpError) -> &'static str {
    match e {
        HttpError::InvalidUrl(_) => "invalid-url",
        HttpError::InvalidHeader(_) => "invalid-header",
        HttpError::Denied(_) => "denied",
        HttpError::Timeout(_) => "timeout",
        HttpError::Transport(_) => "transport",
        HttpError::TooLarge { .. } => "too-large",
    }
}

fn send(command: &str, request: Request) -> SearchResult {
    let outcome = match request.send() {
        Ok(response) => format!("status {}", response.status),
        Err(e) => format!("error: {}: {e}", http_error_class(&e)),
    };
    described(command, outcome)
}

/// `fetch:URL`
pub(crate) fn fetch(arg: &str) -> Result<SearchResult, ConnectorError> {
    let url = required("fetch", arg)?;
    Ok(send("fetch", Request::get(url)))
}

/// `fetch-host-header:URL`: the SDK passes any header on to `wasi:http`'s `fields.append`.
pub(crate) fn fetch_host_header(arg: &str) -> Result<SearchResult, ConnectorError> {
    let url = required("fetch-host-header", arg)?;
    let request = Request::get(url).header("Host", "internal.example");
    Ok(send("fetch-host-header", request))
}

/// `huge-log:MIB`
pub(crate) fn huge_log(arg: &str) -> Result<SearchResult, ConnectorError> {
    let bytes = mebibytes("huge-log", arg)?;
    log::info("x".repeat(bytes));
    Ok(described("huge-log", format!("logged {} MiB", bytes / MIB)))
}

/// `log-flood:N`
pub(crate) fn log_flood(arg: &str) -> Result<SearchResult, ConnectorError> {
    let lines: u64 = number("log-flood", arg)?;
    let line = "y".repeat(1024);
    for _ in 0..lines {
        log::info(&line);
    }
    Ok(described("log-flood", format!("logged {lines} lines")))
}

/// `sleep:MS`: `std::thread::sleep` waits on a `wasi:clocks` pollable.
pub(crate) fn sleep(arg: &str) -> Result<SearchResult, ConnectorError> {
    let ms: u64 = number("sleep", arg)?;
    std::thread::sleep(Duration::from_millis(ms));
    Ok(described("sleep", format!("slept {ms} ms")))
}

/// `stdout-flood:MIB`
pub(crate) fn stdout_flood(arg: &str) -> Result<SearchResult, ConnectorError> {
    let bytes = mebibytes("stdout-flood", arg)?;
    let chunk = vec![b'z'; 64 * 1024];
    let mut out = std::io::stdout().lock();
    let mut written = 0;
    let outcome = loop {
        if written >= bytes {
            break match out.flush() {
                Ok(()) => format!("ok: wrote {} MiB", bytes / MIB),
                Err(e) => io_error(&e),
            };
        }
        let n = chunk.len().min(bytes - written);
        if let Err(e) = out.write_all(&chunk[..n]) {
            break io_error(&e);
        }
        written += n;
    };
    Ok(described("stdout-flood", outcome))
}

/// `big-return:MIB`
pub(crate) fn big_return(arg: &str) -> Result<SearchResult, ConnectorError> {
    let bytes = mebibytes("big-return", arg)?;
    let person = Person::new("Big").description("x".repeat(bytes));
    Ok(one(record("big-1", person)))
}

/// The marker as `plant` lays it out in memory: every byte inverted, so the marker text in a
/// `peek`'s own query never matches. Allocated once at its exact size, so the only full copy
/// in memory is this one.
fn inverted(marker: &str) -> Vec<u8> {
    marker.bytes().map(|b| !b).collect()
}

/// `plant:MARKER`
pub(crate) fn plant(arg: &str) -> Result<SearchResult, ConnectorError> {
    let marker = required("plant", arg)?;
    plant_marker(marker);
    Ok(described("plant", "planted"))
}

fn plant_marker(marker: &str) {
    let pattern = inverted(marker);
    let mut buffer = vec![0u8; PLANT_BYTES];
    for (byte, b) in buffer.iter_mut().zip(pattern.iter().cycle()) {
        *byte = *b;
    }
    std::hint::black_box(Box::leak(buffer.into_boxed_slice()));
    if let Ok(mut planted) = PLANTED.lock() {
        *planted = marker.to_string();
    }
}

/// `peek:MARKER`
pub(crate) fn peek(arg: &str) -> Result<SearchResult, ConnectorError> {
    let marker = required("peek", arg)?;
    Ok(described("peek", peek_marker(marker)?))
}

/// `plant-then-peek:MARKER`: both in one instance, so the scan must find it (a control).
pub(crate) fn plant_then_peek(arg: &str) -> Result<SearchResult, ConnectorError> {
    let marker = required("plant-then-peek", arg)?;
    plant_marker(marker);
    Ok(described("plant-then-peek", peek_marker(marker)?))
}

fn peek_marker(marker: &str) -> Result<String, ConnectorError> {
    let needle = inverted(marker);
    let (in_memory, memory_bytes) = scan_memory(&needle)?;
    let in_static = PLANTED.lock().is_ok_and(|s| s.contains(marker));
    let found = |yes: bool| if yes { "found" } else { "not found" };
    Ok(format!(
        "memory {}; static {}; scanned 1024..{memory_bytes}",
        found(in_memory),
        found(in_static)
    ))
}

/// Whether `needle` occurs in linear memory between address 1024 and the end of memory
/// (outside `needle`'s own buffer), and the memory's size in bytes.
#[cfg(target_arch = "wasm32")]
fn scan_memory(needle: &[u8]) -> Result<(bool, usize), ConnectorError> {
    let end = core::arch::wasm32::memory_size(0) * 65536;
    if needle.is_empty() {
        return Ok((false, end));
    }
    let own_start = needle.as_ptr() as usize;
    let own_end = own_start + needle.len();
    // SAFETY: every address read lies in 1024..end, inside the instance's linear memory, which
    // wasm can always read; the bytes are only compared.
    let byte = |addr: usize| unsafe {
        core::ptr::read_volatile(core::ptr::with_exposed_provenance::<u8>(addr))
    };
    let mut addr = 1024;
    while addr + needle.len() <= end {
        if addr < own_end && addr + needle.len() > own_start {
            addr = own_end;
            continue;
        }
        if needle.iter().enumerate().all(|(i, b)| byte(addr + i) == *b) {
            return Ok((true, end));
        }
        addr += 1;
    }
    Ok((false, end))
}

#[cfg(not(target_arch = "wasm32"))]
fn scan_memory(_needle: &[u8]) -> Result<(bool, usize), ConnectorError> {
    Err(wasm_only())
}

#[cfg(not(target_arch = "wasm32"))]
fn wasm_only() -> ConnectorError {
    ConnectorError::Internal("wasm only".into())
}

/// `random:BYTES`
#[cfg(target_arch = "wasm32")]
pub(crate) fn random(arg: &str) -> Result<SearchResult, ConnectorError> {
    let len: u64 = number("random", arg)?;
    let bytes = wasip2::random::random::get_random_bytes(len);
    Ok(described("random", format!("ok: {} bytes", bytes.len())))
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn random(arg: &str) -> Result<SearchResult, ConnectorError> {
    let _: u64 = number("random", arg)?;
    Err(wasm_only())
}

/// `handles:N`: N live `wasi:io` pollables (one-second monotonic-clock timers).
#[cfg(target_arch = "wasm32")]
pub(crate) fn handles(arg: &str) -> Result<SearchResult, ConnectorError> {
    let n: usize = number("handles", arg)?;
    let mut live = Vec::new();
    for _ in 0..n {
        live.push(wasip2::clocks::monotonic_clock::subscribe_duration(
            1_000_000_000,
        ));
    }
    Ok(described("handles", format!("ok: {} handles", live.len())))
}

/// `handles-fields:N`: N live `wasi:http` `fields` resources.
#[cfg(target_arch = "wasm32")]
pub(crate) fn handles_fields(arg: &str) -> Result<SearchResult, ConnectorError> {
    let n: usize = number("handles-fields", arg)?;
    let mut live = Vec::new();
    for _ in 0..n {
        live.push(wasip2::http::types::Fields::new());
    }
    Ok(described(
        "handles-fields",
        format!("ok: {} handles", live.len()),
    ))
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn handles(arg: &str) -> Result<SearchResult, ConnectorError> {
    let _: usize = number("handles", arg)?;
    Err(wasm_only())
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn handles_fields(arg: &str) -> Result<SearchResult, ConnectorError> {
    let _: usize = number("handles-fields", arg)?;
    Err(wasm_only())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description(result: &SearchResult) -> String {
        let Entity::Person(person) = &result.records[0].entity else {
            panic!("not a person")
        };
        person.description.clone().unwrap_or_default()
    }

    #[test]
    fn describes_io_errors() {
        let result = read_file("/nonexistent/interop-probe").unwrap();
        assert!(description(&result).starts_with("error: NotFound: "));
        let result = list_dir("/nonexistent/interop-probe").unwrap();
        assert!(description(&result).starts_with("error: NotFound: "));
    }

    #[test]
    fn rejects_bad_arguments() {
        for result in [read_file(""), sleep("soon"), big_return("lots"), plant("")] {
            assert!(matches!(result, Err(ConnectorError::InvalidInput(_))));
        }
    }

    #[test]
    fn counts_names() {
        assert_eq!(counted(0, "vars", &[]), "0 vars");
        assert_eq!(counted(2, "vars", &["A".into(), "B".into()]), "2 vars: A,B");
        assert!(description(&args()).starts_with("args: "));
    }

    #[test]
    fn plant_inverts_the_marker() {
        assert_eq!(inverted("AB"), vec![!b'A', !b'B']);
        assert_eq!(description(&plant("probe-marker").unwrap()), "planted");
        assert!(PLANTED.lock().unwrap().contains("probe-marker"));
    }
}
