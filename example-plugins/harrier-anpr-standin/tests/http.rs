//! Starts the Harrier stand-in on a loopback port and talks real HTTP to it.

use standin_common::test_client as common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Reply, request, request_within};
use harrier_anpr_standin::{Config, StandIn};

const AUTH: (&str, &str) = ("Authorization", "Bearer demo-token");

async fn start() -> StandIn {
    StandIn::start(Config::default()).await.expect("start")
}

async fn get(s: &StandIn, target: &str) -> Reply {
    request(s.addr, "GET", target, &[AUTH], "").await
}

#[tokio::test]
async fn ping_and_auth() {
    let s = start().await;
    assert!(s.base_url().starts_with("http://127.0.0.1:"));
    let r = get(&s, "/harrier/ping").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert_eq!(
        r.body,
        r#"<pong system="Harrier ANPR" version="2.3.0" vehicles="11"/>"#
    );

    let r = request(s.addr, "GET", "/harrier/ping", &[], "").await;
    assert_eq!(r.status, 401);
    assert!(r.body.starts_with("<error>") && r.body.ends_with("</error>"));
    assert!(r.header("www-authenticate").is_some());
    let r = request(
        s.addr,
        "GET",
        "/harrier/ping",
        &[("Authorization", "Bearer nope")],
        "",
    )
    .await;
    assert_eq!(r.status, 401);
    let c = s.counters();
    assert_eq!((c.requests, c.unauthorized), (3, 2));
    s.shutdown().await;
}

#[tokio::test]
async fn searches_and_not_found() {
    let s = start().await;
    let r = get(&s, "/harrier/vehicles?vrm=zx51%20abc").await;
    assert!(r.body.starts_with("<vehicles total=\"1\">"), "{}", r.body);
    assert!(r.body.contains("<keeperRef>KPR-0001</keeperRef>"));
    let r = get(
        &s,
        "/harrier/keepers?surname=EXAMPLEWOOD&forenames=alex&dob=1988-03-14",
    )
    .await;
    assert!(r.body.starts_with("<keepers total=\"1\">"), "{}", r.body);
    assert!(r.body.contains("<dateOfBirth>1988-03-14</dateOfBirth>"));
    let r = get(&s, "/harrier/reads?vrm=ZM69EFG&limit=1").await;
    assert!(r.body.starts_with("<reads total=\"2\">"), "{}", r.body);
    assert!(
        r.body.contains("<read id=\"RD-000019\">"),
        "newest first: {}",
        r.body
    );
    let r = get(&s, "/harrier/reads?limit=101").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "<error>limit must be 1..100</error>")
    );
    let r = get(&s, "/harrier/vehicles/VEH-0404").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (404, "<error>vehicle VEH-0404 not found</error>")
    );
    assert_eq!(get(&s, "/harrier/keepers/KPR-0404").await.status, 404);
    assert_eq!(get(&s, "/harrier/reads/RD-000404").await.status, 404);
}

#[tokio::test]
async fn idempotent_hotlist_replay() {
    let s = start().await;
    let body = "<hotlist><vrm>ZX51 ABC</vrm><reason>Linked to burglary</reason>\
                <requestedBy>DC 4410</requestedBy><caseRef>KR/2026/000301</caseRef></hotlist>";
    let headers = [
        AUTH,
        ("Idempotency-Key", "hot-1"),
        ("Content-Type", "application/xml"),
    ];
    let first = request(s.addr, "POST", "/harrier/hotlist", &headers, body).await;
    assert_eq!(
        (first.status, first.body.as_str()),
        (201, "<created id=\"HOT-000001\"/>")
    );
    let second = request(s.addr, "POST", "/harrier/hotlist", &headers, body).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.body, first.body);
    let c = s.counters();
    assert_eq!(
        (c.hotlist_created, c.idempotent_replays, c.hotlist_entries),
        (1, 1, 1)
    );
    let entry = get(&s, "/harrier/hotlist/HOT-000001").await;
    assert!(entry.body.contains("<vrm>ZX51ABC</vrm>"), "{}", entry.body);
    assert_eq!(s.hotlist()[0].case_ref.as_deref(), Some("KR/2026/000301"));

    let r = request(
        s.addr,
        "POST",
        "/harrier/hotlist",
        &[AUTH],
        "<hotlist><vrm>ZX51ABC",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.body.starts_with("<error>malformed XML"), "{}", r.body);
    let r = request(
        s.addr,
        "POST",
        "/harrier/hotlist",
        &[AUTH],
        "<hotlist><reason>x</reason></hotlist>",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(s.counters().hotlist_created, 1);
}

#[tokio::test]
async fn fault_delay_and_status() {
    let s = start().await;
    let t = Instant::now();
    let r = get(&s, "/_fault/delay/200/harrier/ping").await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));

    let r = request(s.addr, "GET", "/_fault/status/502/harrier/reads", &[], "").await;
    assert_eq!(r.status, 502);
    assert!(r.body.starts_with("<error>"));
    let r = get(&s, "/_fault/status/500").await;
    assert_eq!(r.status, 500);

    assert_eq!(get(&s, "/_fault/status/abc/harrier/ping").await.status, 400);
    assert_eq!(get(&s, "/_fault/bogus/harrier/ping").await.status, 400);
}

#[tokio::test]
async fn fault_trickle() {
    let s = start().await;
    let whole = get(&s, "/harrier/vehicles/VEH-0001").await.body;
    let ms = (600 / whole.len()).max(1) as u64;
    let t = Instant::now();
    let r = get(
        &s,
        &format!("/_fault/trickle/{ms}/harrier/vehicles/VEH-0001"),
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
        "/_fault/hang/harrier/ping",
        &[AUTH],
    )
    .await;
    assert!(r.is_none(), "hang must not answer");
    assert_eq!(get(&s, "/harrier/ping").await.status, 200);
    assert_eq!(s.counters().requests, 2);
    s.shutdown().await;
}

#[test]
fn binary_prints_its_address_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_harrier-anpr-standin"))
        .args(["--listen", "127.0.0.1:0", "--api-key", "bin-token"])
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
            "/harrier/ping",
            &[("Authorization", "Bearer bin-token")],
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
