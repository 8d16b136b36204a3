//! Starts the Kestrel stand-in on a loopback port and talks real HTTP to it.

use standin_common::test_client as common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Reply, request, request_within};
use kestrel_rms_standin::{Config, StandIn};
use serde_json::Value;

const KEY: (&str, &str) = ("X-Kestrel-Key", "demo-key");

async fn start() -> StandIn {
    StandIn::start(Config::default()).await.expect("start")
}

async fn get(s: &StandIn, target: &str) -> Reply {
    request(s.addr, "GET", target, &[KEY], "").await
}

fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).expect("JSON body")
}

#[tokio::test]
async fn status_and_auth() {
    let s = start().await;
    assert!(s.base_url().starts_with("http://127.0.0.1:"));
    let r = get(&s, "/api/v2/status").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = json(&r);
    assert_eq!(v["system"], "Kestrel RMS");
    assert_eq!(v["version"], "4.2.1");
    assert_eq!(v["force"], "Exampleshire Constabulary");
    assert_eq!(v["nominalCount"], 15);

    let r = request(s.addr, "GET", "/api/v2/status", &[], "").await;
    assert_eq!(r.status, 401);
    assert!(json(&r)["error"].is_string());
    let r = request(
        s.addr,
        "GET",
        "/api/v2/status",
        &[("X-Kestrel-Key", "nope")],
        "",
    )
    .await;
    assert_eq!(r.status, 401);
    let c = s.counters();
    assert_eq!((c.requests, c.unauthorized), (3, 2));
    s.shutdown().await;
}

#[tokio::test]
async fn search_and_not_found() {
    let s = start().await;
    let v = json(
        &get(
            &s,
            "/api/v2/nominals?surname=examplewood&dob=14%2F03%2F1988",
        )
        .await,
    );
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["nominalId"], "NOM-000101");
    assert_eq!(v["items"][0]["addresses"][0]["postCode"], "ZZ1 1AA");
    let v = json(&get(&s, "/api/v2/nominals?q=Fictional%20Road&limit=1&offset=1").await);
    assert_eq!(v["total"], 2);
    assert_eq!(v["offset"], 1);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
    let r = get(&s, "/api/v2/nominals?limit=500").await;
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["error"], "limit must be 1..100");
    let r = get(&s, "/api/v2/nominals/NOM-000404").await;
    assert_eq!(r.status, 404);
    assert_eq!(json(&r)["error"], "nominal NOM-000404 not found");
    let r = get(&s, "/api/v2/incidents/INC-000301").await;
    assert_eq!(json(&r)["incidentNumber"], "KR/2026/000301");
}

#[tokio::test]
async fn idempotent_post_replay() {
    let s = start().await;
    let body = r#"{"incidentType":"BURGLARY","summary":"Shed broken into","nominals":[{"nominalId":"NOM-000101","role":"SUSPECT"}]}"#;
    let headers = [
        KEY,
        ("Idempotency-Key", "conn-1-attempt"),
        ("Content-Type", "application/json"),
    ];
    let first = request(s.addr, "POST", "/api/v2/incidents", &headers, body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = request(s.addr, "POST", "/api/v2/incidents", &headers, body).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.body, first.body);
    let c = s.counters();
    assert_eq!(
        (c.incidents_created, c.idempotent_replays, c.incidents),
        (1, 1, 9)
    );
    let id = json(&first)["incidentId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let found = json(&get(&s, &format!("/api/v2/incidents/{id}")).await);
    assert_eq!(found["summary"], "Shed broken into");
    let listed = json(&get(&s, "/api/v2/incidents?nominalId=NOM-000101").await);
    assert!(
        listed["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|i| i["incidentId"] == id.as_str()))
    );

    let r = request(
        s.addr,
        "POST",
        "/api/v2/incidents",
        &[KEY],
        r#"{"incidentType":"BURGLARY"}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        json(&r)["error"]
            .as_str()
            .is_some_and(|e| e.contains("summary"))
    );
    assert_eq!(s.counters().incidents_created, 1);
    let log = s.requests();
    assert_eq!(log[0].idempotency_key.as_deref(), Some("conn-1-attempt"));
}

#[tokio::test]
async fn vehicles_over_http() {
    let s = start().await;
    let v = json(&get(&s, "/api/v2/vehicles?vrm=zx51%20abc").await);
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["vehicleId"], "VEH-000401");
    assert_eq!(v["items"][0]["nominals"][0]["nominalId"], "NOM-000101");
    let r = get(&s, "/api/v2/vehicles/VEH-000401").await;
    assert_eq!(r.status, 200);
    assert_eq!(json(&r)["colour"], "BLUE");

    let body = r#"{"vrm":"ZX51ABC","reason":"Enter-once test","requestedBy":"PC 4321"}"#;
    let headers = [
        KEY,
        ("Idempotency-Key", "veh-attempt"),
        ("Content-Type", "application/json"),
    ];
    let first = request(s.addr, "POST", "/api/v2/vehicles", &headers, body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = request(s.addr, "POST", "/api/v2/vehicles", &headers, body).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.body, first.body);
    let c = s.counters();
    assert_eq!(
        (c.vehicles_created, c.vehicle_replays, c.vehicles),
        (1, 1, 4)
    );
    assert_eq!((c.incidents_created, c.idempotent_replays), (0, 0));
    assert_eq!(s.vehicles()[3].reason, "Enter-once test");

    let r = request(
        s.addr,
        "POST",
        "/api/v2/vehicles",
        &[KEY],
        r#"{"vrm":"??"}"#,
    )
    .await;
    assert_eq!(r.status, 400, "reason and requestedBy are missing");
    let r = request(
        s.addr,
        "POST",
        "/api/v2/vehicles",
        &[KEY],
        r#"{"vrm":"??","reason":"r","requestedBy":"PC 1"}"#,
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        json(&r)["error"]
            .as_str()
            .is_some_and(|e| e.contains("vrm"))
    );
}

#[tokio::test]
async fn fault_delay_and_status() {
    let s = start().await;
    let t = Instant::now();
    let r = get(&s, "/_fault/delay/200/api/v2/status").await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert_eq!(json(&r)["system"], "Kestrel RMS");

    // Whatever the route, and before auth.
    let r = request(s.addr, "GET", "/_fault/status/503/api/v2/nominals", &[], "").await;
    assert_eq!(r.status, 503);
    assert!(json(&r)["error"].is_string());
    let r = get(&s, "/_fault/status/429/no/such/route").await;
    assert_eq!(r.status, 429);

    let r = get(&s, "/_fault/delay/soon/api/v2/status").await;
    assert_eq!(r.status, 400);
    let r = get(&s, "/_fault/explode/api/v2/status").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn fault_trickle() {
    let s = start().await;
    let whole = get(&s, "/api/v2/nominals/NOM-000103").await.body;
    let ms = (600 / whole.len()).max(1) as u64;
    let t = Instant::now();
    let r = get(
        &s,
        &format!("/_fault/trickle/{ms}/api/v2/nominals/NOM-000103"),
    )
    .await;
    let elapsed = t.elapsed();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, whole);
    assert!(
        elapsed >= Duration::from_millis(ms * whole.len() as u64 * 9 / 10),
        "{elapsed:?} for {} bytes at {ms} ms",
        whole.len()
    );
}

#[tokio::test]
async fn fault_hang() {
    let s = start().await;
    let r = request_within(
        Duration::from_millis(300),
        s.addr,
        "GET",
        "/_fault/hang/api/v2/status",
        &[KEY],
    )
    .await;
    assert!(r.is_none(), "hang must not answer");
    // The server is still fine for everyone else.
    assert_eq!(get(&s, "/api/v2/status").await.status, 200);
    assert_eq!(s.counters().requests, 2);
    s.shutdown().await;
}

#[test]
fn binary_prints_its_address_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kestrel-rms-standin"))
        .args(["--listen", "127.0.0.1:0", "--api-key", "bin-key"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn binary");
    let mut line = String::new();
    let read = child
        .stdout
        .take()
        .map(|out| BufReader::new(out).read_line(&mut line));
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .and_then(|a| a.parse().ok());
    let reply = addr.map(|addr| {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(request(
            addr,
            "GET",
            "/api/v2/status",
            &[("X-Kestrel-Key", "bin-key")],
            "",
        ))
    });
    let status = common::terminate(&mut child);
    assert!(matches!(read, Some(Ok(_))), "{read:?}");
    assert_eq!(reply.map(|r| r.status), Some(200), "line was {line:?}");
    assert!(
        status.is_some_and(|s| s.success()),
        "exit after SIGTERM: {status:?}"
    );
}
