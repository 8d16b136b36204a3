//! Runs the `osprey-standin` binary as a user would and talks raw HTTP/1.1 to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `(status, body)` of one request with `headers`.
fn get(addr: &str, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn binary_prints_its_address_and_serves_both_apis() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_osprey-standin"))
        .args(["--listen", "127.0.0.1:0", "--api-key", "cli-key"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();

    let (status, body) = get(&addr, "/custody/v1/health", &[("X-Osprey-Key", "cli-key")]);
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(health["product"], "Osprey Custody");

    let (status, body) = get(
        &addr,
        "/intel/api/reports/INT-7001",
        &[("Authorization", "Bearer cli-key")],
    );
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(report["data"]["urn"], "OSP/INT/2026/0001");

    let (status, body) = get(
        &addr,
        "/intel/api/ping",
        &[("Authorization", "Bearer demo-osprey-key")],
    );
    assert_eq!(
        status, 401,
        "the key given on the command line is the one: {body}"
    );
    let (status, body) = get(&addr, "/_fault/status/503/custody/v1/health", &[]);
    assert_eq!(status, 503);
    assert_eq!(
        body,
        r#"{"fault":{"message":"fault injected: status 503"}}"#
    );
}
