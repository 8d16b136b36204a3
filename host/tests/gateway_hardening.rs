//! The gateway tried as an attacker would (issue 12): a poisoned audit log, an
//! unauthenticated flood, slow and idle connections, clearance side channels, a crash between a
//! write's intent and its outcome. Each test failed on the gateway before this work.

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use interop_gateway::Gateway;
use interop_gateway::config::{GatewayConfig, token_sha256};
use interop_sandbox::Host;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};
use serde_json::{Value, json};

mod common;
use common::request;

const OFFICER: &str = "token-hardening-officer-01";
const SECRET_DS: &str = "token-hardening-secret-02";
const NO_ROLE: &str = "token-hardening-norole-03";
const AUDITOR: &str = "token-hardening-auditor-04";

fn host() -> &'static Host {
    static HOST: std::sync::LazyLock<Host> = std::sync::LazyLock::new(|| Host::new().unwrap());
    &HOST
}

fn scratch(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("interop-hard-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Stand-ins, signed connectors and a configuration in `dir` (with `server_extra` added to
/// `[server]`); returns the configuration file and the stand-ins, which must stay alive.
async fn setup(
    dir: &Path,
    server_extra: &str,
    harrier_prefix: &str,
) -> (
    PathBuf,
    kestrel_rms_standin::StandIn,
    harrier_anpr_standin::StandIn,
) {
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("dev-signing"), "hardening test key", false)
        .unwrap();
    let mut connectors = String::new();
    for (component, id, url, secret_key, secret) in [
        (
            KESTREL_RMS,
            "kestrel-rms",
            kestrel.base_url(),
            "api_key",
            kestrel_rms_standin::DEFAULT_API_KEY,
        ),
        (
            HARRIER_ANPR,
            "harrier-anpr",
            format!(
                "{}{harrier_prefix}",
                harrier.base_url().trim_end_matches('/')
            ),
            "token",
            harrier_anpr_standin::DEFAULT_API_KEY,
        ),
    ] {
        let bytes = std::fs::read(component).unwrap();
        let wasm = dir.join(format!("{id}.wasm"));
        std::fs::write(&wasm, signing::sign(&bytes, &key).unwrap()).unwrap();
        let secret_file = dir.join(format!("{id}.secret"));
        std::fs::write(&secret_file, secret).unwrap();
        let policy = dir.join(format!("{id}.toml"));
        std::fs::write(
            &policy,
            format!(
                "connector = \"{id}\"\n[limits]\ntimeout_ms = 8000\n[config]\nbase_url = \"{url}\"\nforce = \"Test Constabulary\"\n[secrets]\n{secret_key} = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                secret_file.display()
            ),
        )
        .unwrap();
        connectors.push_str(&format!(
            "[[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n",
            wasm.display(),
            policy.display()
        ));
    }
    let user = |id: &str, token: &str, roles: &str, clearance: &str| {
        format!(
            "[[users]]\nid = \"{id}\"\ntoken_sha256 = \"{}\"\nroles = [{roles}]\nclearance = \"{clearance}\"\n",
            hex::encode(token_sha256(token))
        )
    };
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"hardening-gw\"\n{server_extra}\n[audit]\ndir = \"audit\"\n\
         [trust]\nkeys = [\"dev-signing.pub\"]\n{connectors}\
         [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\", \"fetch\", \"submit\"]\n\
         [roles.auditor]\naudit = true\n{}{}{}{}",
        user("pc-0001", OFFICER, "\"investigator\"", "official"),
        user("ds-0002", SECRET_DS, "\"investigator\"", "secret"),
        user("nobody-0003", NO_ROLE, "", "official"),
        user("auditor-0004", AUDITOR, "\"auditor\"", "official"),
    );
    let file = dir.join("gateway.toml");
    std::fs::write(&file, config).unwrap();
    (file, kestrel, harrier)
}

/// A gateway serving `config` in this process until the sender is dropped or fired.
struct Served {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Served {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

async fn serve(config: &Path) -> Served {
    let gateway = Gateway::start(GatewayConfig::from_file(config).unwrap(), host())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(gateway.serve(listener, async {
        let _ = rx.await;
    }));
    Served { url, stop, task }
}

fn log_lines(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("audit/audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("every audit line is JSON"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_with_no_role_cannot_poison_the_audit_log() {
    let dir = scratch("poison");
    let (config, _k, _h) = setup(&dir, "", "").await;
    let gw = serve(&config).await;
    let search = format!("{}/v1/search", gw.url);
    // A body nested as deep as the request parser takes; the old gateway copied whole bodies
    // into the record, one level deeper than its own reader takes.
    let deep: Value =
        serde_json::from_str(&format!("{}1{}", "[".repeat(126), "]".repeat(126))).unwrap();
    let hostile = "\u{202e}\u{0}\u{1b}[31m\u{200b}".repeat(400);
    let one = format!("{}/v1/connectors/kestrel-rms/search", gw.url);
    for (url, body) in [
        (
            &one,
            json!({"justification": "poisoning the audit log", "pad": deep}),
        ),
        (
            &search,
            json!({"justification": hostile, "query": {"kind": "person", "text": hostile}}),
        ),
        (
            &search,
            json!({"justification": "poisoning the audit log", "case_reference": hostile, "query": {"kind": "person", "keys": [{"kind": "name", "surname": hostile, "given_name": null, "date_of_birth": null}]}}),
        ),
    ] {
        let (s, answer) = request("POST", url, Some(NO_ROLE), Some(body)).await;
        assert!((400..500).contains(&s), "{s} {answer}");
    }
    // An unauthenticated request with a long, odd path.
    let long = format!(
        "{}/v1/connectors/{}/search",
        gw.url,
        "%E2%80%AE".repeat(1000)
    );
    let (s, _) = request("POST", &long, None, Some(json!({}))).await;
    assert_eq!(s, 401);

    // Read over the API: the log is readable, and holds those refusals.
    let (s, page) = request(
        "GET",
        &format!("{}/v1/audit?user=nobody-0003", gw.url),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, 200, "{page}");
    let records = page["records"].as_array().unwrap();
    assert_eq!(records.len(), 3, "{page}");
    for r in records {
        assert_eq!(r["outcome"], "refused", "{r}");
        assert!(r.to_string().len() < 16 * 1024, "a small record: {r}");
    }
    gw.stop().await;

    // Verify, and start again on the same log.
    let report = interop_audit::verify(&dir.join("audit/audit.jsonl"), None).unwrap();
    assert!(report.is_ok(), "{report}");
    let again = serve(&config).await;
    let (s, _) = request(
        "GET",
        &format!("{}/v1/audit", again.url),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, 200);
    again.stop().await;
    assert!(
        interop_audit::verify(&dir.join("audit/audit.jsonl"), None)
            .unwrap()
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unauthenticated_flood_grows_the_log_and_metrics_by_a_bounded_amount() {
    let dir = scratch("flood");
    let (config, _k, _h) = setup(&dir, "", "").await;
    let gw = serve(&config).await;
    let metrics_before = request("GET", &format!("{}/metrics", gw.url), None, None)
        .await
        .1
        .as_str()
        .unwrap()
        .len();
    let lines_before = log_lines(&dir).len();
    let flood = 1500;
    for i in 0..flood {
        let path = match i % 3 {
            0 => format!("/v1/connectors/x{i}/search"),
            1 => format!("/no/such/{i}/{}", "a".repeat(200)),
            _ => "/v1/search".to_string(),
        };
        let (s, _) = request(
            "POST",
            &format!("{}{path}", gw.url),
            Some(&format!("wrong-{i}")),
            Some(json!({})),
        )
        .await;
        assert!(matches!(s, 401 | 404), "{s}");
    }
    let (s, metrics) = request("GET", &format!("{}/metrics", gw.url), None, None).await;
    assert_eq!(s, 200);
    let metrics = metrics.as_str().unwrap().to_string();
    gw.stop().await;

    let lines = log_lines(&dir);
    let failures: Vec<&Value> = lines
        .iter()
        .skip(lines_before)
        .filter(|r| r["event"] == "auth_failure")
        .collect();
    // One client: its burst of 10, perhaps one more as the bucket refills, and the count of
    // the rest written at shutdown.
    assert!(
        failures.len() <= 13,
        "{} records for {flood} refusals",
        failures.len()
    );
    let counted: u64 = failures
        .iter()
        .filter_map(|r| r["suppressed"].as_u64())
        .sum();
    let refused_401 = (flood * 2 / 3) as u64;
    assert!(
        counted + failures.len() as u64 >= refused_401 - 1,
        "every refusal is recorded or counted: {counted} + {}",
        failures.len()
    );
    for r in &failures {
        assert!(r.to_string().len() < 2048, "{r}");
    }
    // Metrics: route templates only; no raw path became a label.
    assert!(!metrics.contains("/no/such"), "{metrics}");
    assert!(!metrics.contains("x7/search"), "{metrics}");
    assert!(
        metrics.contains("route=\"unmatched\",status=\"404\""),
        "{metrics}"
    );
    assert!(
        metrics.len() < metrics_before + 2048,
        "metrics grew from {metrics_before} to {} bytes",
        metrics.len()
    );
    assert!(metrics.contains("interop_auth_failures_unrecorded_total"));
}

/// Read from `stream` until it closes; how long that took, or `None` if it stayed open past
/// `within`.
fn closed_within(stream: &mut std::net::TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(started.elapsed());
            }
            Err(_) => return None,
        }
        if started.elapsed() > within {
            return None;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_and_idle_connections_are_closed_within_the_configured_timeouts() {
    let dir = scratch("slow");
    let (config, _k, _h) = setup(
        &dir,
        "header_timeout_ms = 400\nidle_timeout_ms = 700\nbody_timeout_ms = 500",
        "",
    )
    .await;
    let gw = serve(&config).await;
    let addr = gw.url.trim_start_matches("http://").to_string();
    let margin = Duration::from_millis(1500);
    let result = tokio::task::spawn_blocking(move || {
        // A header that never ends (slowloris): closed after the header timeout.
        let mut slow = std::net::TcpStream::connect(&addr).unwrap();
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .unwrap();
        let t = closed_within(&mut slow, margin).expect("a slow header is cut off");
        assert!(t >= Duration::from_millis(300), "not before its time: {t:?}");

        // A connection that never sends anything: closed after the idle timeout.
        let mut silent = std::net::TcpStream::connect(&addr).unwrap();
        let t = closed_within(&mut silent, margin + Duration::from_millis(700))
            .expect("a silent connection is closed");
        assert!(t >= Duration::from_millis(600), "{t:?}");

        // A keep-alive connection after an answer: closed once idle that long.
        let mut kept = std::net::TcpStream::connect(&addr).unwrap();
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 512];
        let n = kept.read(&mut first).unwrap();
        assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
        closed_within(&mut kept, margin + Duration::from_millis(700))
            .expect("an idle keep-alive connection is closed");

        // A body that trickles: answered 408 after the body deadline, audited.
        let mut trickle = std::net::TcpStream::connect(&addr).unwrap();
        trickle
            .write_all(
                format!(
                    "POST /v1/search HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {OFFICER}\r\nContent-Length: 200\r\n\r\n{{\"justif"
                )
                .as_bytes(),
            )
            .unwrap();
        trickle.set_read_timeout(Some(margin)).unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = trickle.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(started.elapsed() < margin, "{:?}", started.elapsed());

    })
    .await;
    gw.stop().await;
    result.unwrap();

    // More connections than max_connections: the extra one is closed at accept, without an
    // answer, while the others are served. (A gateway of its own, with the default idle
    // timeout, so the held connections stay open however slow the machine is.)
    let capped_dir = scratch("capped");
    let (capped, _k2, _h2) = setup(&capped_dir, "max_connections = 3", "").await;
    let gw2 = serve(&capped).await;
    let addr = gw2.url.trim_start_matches("http://").to_string();
    let result = tokio::task::spawn_blocking(move || {
        let held: Vec<std::net::TcpStream> = (0..3)
            .map(|_| std::net::TcpStream::connect(&addr).unwrap())
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let mut extra = std::net::TcpStream::connect(&addr).unwrap();
        let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        extra
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut answer = Vec::new();
        let _ = extra.read_to_end(&mut answer);
        assert!(
            !String::from_utf8_lossy(&answer).contains("HTTP/1.1"),
            "the connection over the cap got an answer: {}",
            String::from_utf8_lossy(&answer)
        );
        // A held connection is served.
        let mut first = &held[0];
        first
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut ok = Vec::new();
        first
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = first.read_to_end(&mut ok);
        assert!(String::from_utf8_lossy(&ok).starts_with("HTTP/1.1 200"));
        drop(held);
    })
    .await;
    gw2.stop().await;
    result.unwrap();
    let lines = log_lines(&dir);
    assert!(
        lines
            .iter()
            .any(|r| r["status"] == 408 && r["user"] == "pc-0001"),
        "the slow body's refusal is audited"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn clearance_does_not_leak_through_counts_or_fetch_answers() {
    let dir = scratch("clearance");
    let (config, _k, _h) = setup(&dir, "", "").await;
    let gw = serve(&config).await;
    let search = json!({
        "justification": "Intelligence check on Mockridge",
        "query": {"kind": "person", "keys": [{"kind": "name", "surname": "Mockridge", "given_name": null, "date_of_birth": null}]}
    });
    // Per-source counts are of what this user was shown.
    let (s, official) = request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(OFFICER),
        Some(search.clone()),
    )
    .await;
    assert_eq!(s, 200, "{official}");
    for source in official["sources"].as_array().unwrap() {
        let id = source["connector"].as_str().unwrap();
        let shown = official["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["records"].as_array().unwrap())
            .filter(|r| r["connector"] == id)
            .count();
        assert_eq!(source["records"].as_u64(), Some(shown as u64), "{source}");
    }
    // The SECRET record's id, as a cleared user sees it.
    let (s, secret) = request(
        "POST",
        &format!("{}/v1/connectors/kestrel-rms/search", gw.url),
        Some(SECRET_DS),
        Some(search),
    )
    .await;
    assert_eq!(s, 200, "{secret}");
    let secret_id = secret["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record"]["handling"]["classification"] == "secret")
        .map(|r| {
            r["record"]["source"]["local_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .expect("a SECRET record");
    // An official fetching it is told exactly what a fetch of a missing id is told.
    let fetch = |local_id: &str| json!({"justification": "Intelligence check on Mockridge", "kind": "person", "local_id": local_id});
    let url = format!("{}/v1/connectors/kestrel-rms/fetch", gw.url);
    let (s1, mut above) = request("POST", &url, Some(OFFICER), Some(fetch(&secret_id))).await;
    let (s2, mut missing) = request("POST", &url, Some(OFFICER), Some(fetch("NOM-999999"))).await;
    assert_eq!((s1, s2), (404, 404), "{above} {missing}");
    above["correlation_id"] = Value::Null;
    missing["correlation_id"] = Value::Null;
    assert_eq!(above, missing);
    gw.stop().await;
    let lines = log_lines(&dir);
    let withheld = lines
        .iter()
        .find(|r| r["operation"] == "fetch" && r["criteria"]["local_id"] == secret_id.as_str())
        .unwrap();
    assert_eq!(withheld["withheld"], 1, "{withheld}");
    assert!(
        withheld["withheld_ids"][0]
            .as_str()
            .unwrap()
            .ends_with(&secret_id)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_a_writes_intent_and_outcome_is_reported_by_verify() {
    let dir = scratch("intent-crash");
    // Harrier answers after 20 s: the submit is in flight when the gateway is killed.
    let (config, _k, harrier) = setup(&dir, "", "/_fault/delay/20000").await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let addr = tokio::task::spawn_blocking(move || {
        for line in BufReader::new(stdout).lines() {
            if let Some(url) = line.unwrap().strip_prefix("listening on http://") {
                return url.to_string();
            }
        }
        panic!("the gateway did not start");
    })
    .await
    .unwrap();
    let url = format!("http://{addr}/v1/connectors/harrier-anpr/submit");
    let submit = tokio::spawn(async move {
        request(
            "POST",
            &url,
            Some(OFFICER),
            Some(json!({
                "justification": "Vehicle seen leaving burglary scene",
                "idempotency_key": "crash-intent-0001",
                "submission": {
                    "local_id": null,
                    "handling": {"classification": "official", "sensitive": false, "caveats": [], "grading": null, "review_date": null},
                    "entity": {"kind": "object", "type": "vehicle", "vrm": "ZY19 TST", "vin": null, "make": "TESTMAKE", "model": "SAMPLE", "body_shape": null, "colours": ["GREEN"], "registration_country": null},
                    "links": []
                }
            })),
        )
        .await
    });
    let log = dir.join("audit/audit.jsonl");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("\"phase\":\"intent\"") {
            break;
        }
        assert!(Instant::now() < deadline, "no intent record: {text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    submit.abort();
    assert_eq!(
        harrier.counters().hotlist_created,
        0,
        "the vendor had not finished"
    );

    let verify = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["audit", "verify", "--file", log.to_str().unwrap()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "not tampering: {out}");
    assert!(
        out.contains("WRITES WITH NO OUTCOME") && out.contains("harrier-anpr"),
        "{out}"
    );
    let json = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["audit", "verify", "--json", "--file", log.to_str().unwrap()])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["open_intents_total"], 1, "{report}");
    assert_eq!(report["open_intents"][0]["operation"], "submit");
}

#[tokio::test(flavor = "multi_thread")]
async fn justifications_must_say_something_and_answers_hold_no_server_paths() {
    let dir = scratch("justify");
    let (config, _k, _h) = setup(&dir, "", "").await;
    let gw = serve(&config).await;
    for j in [
        ".",
        "          ",
        &"\u{200b}".repeat(30),
        "x\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
    ] {
        let (s, body) = request(
            "POST",
            &format!("{}/v1/search", gw.url),
            Some(OFFICER),
            Some(json!({"justification": j, "query": {"kind": "person", "text": "Examplewood"}})),
        )
        .await;
        assert_eq!(s, 400, "{j:?}: {body}");
    }
    let (s, list) = request(
        "GET",
        &format!("{}/v1/connectors", gw.url),
        Some(OFFICER),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let text = list.to_string();
    assert!(
        !text.contains(dir.to_str().unwrap()) && !text.contains(".toml"),
        "no server paths: {text}"
    );
    // The server issues correlation ids; the client's is kept beside, not used.
    let addr = gw.url.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let r = sender
        .send_request(
            http::Request::get("/v1/connectors")
                .header("host", &addr)
                .header("authorization", format!("Bearer {OFFICER}"))
                .header("x-correlation-id", "client-chosen-1")
                .body(http_body_util::Full::new(bytes::Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    let issued = r.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(issued, "client-chosen-1");
    gw.stop().await;
    let lines = log_lines(&dir);
    let listed = lines
        .iter()
        .find(|r| r["client_correlation_id"] == "client-chosen-1")
        .unwrap();
    assert_eq!(listed["correlation_id"], issued.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_need_the_scrape_token_when_one_is_set() {
    let dir = scratch("scrape");
    let extra = format!(
        "[metrics]\ntoken_sha256 = \"{}\"",
        hex::encode(token_sha256("scrape-token-0001"))
    );
    let (config, _k, _h) = setup(&dir, &extra, "").await;
    let gw = serve(&config).await;
    let url = format!("{}/metrics", gw.url);
    let (s, _) = request("GET", &url, None, None).await;
    assert_eq!(s, 401, "even from loopback, once a token is set");
    let (s, _) = request("GET", &url, Some(OFFICER), None).await;
    assert_eq!(s, 401, "an officer's token is not the scrape token");
    let (s, text) = request("GET", &url, Some("scrape-token-0001"), None).await;
    assert_eq!(s, 200);
    assert!(
        text.as_str()
            .unwrap()
            .contains("interop_http_responses_total")
    );
    gw.stop().await;
}

/// A query the gateway's checks pass but a connector cannot serve (a key it does not search
/// by, an id it cannot read) is the connector's answer, not a malformed request (400) and not
/// a failure (502): what schemathesis found when a schema-valid search came back 400.
#[tokio::test(flavor = "multi_thread")]
async fn a_connector_declining_a_query_is_its_answer_not_a_bad_request() {
    let dir = scratch("declined");
    let (config, _k, _h) = setup(&dir, "", "").await;
    let gw = serve(&config).await;
    let query = json!({
        "justification": "Enquiry into burglary KR/1",
        "query": {"kind": "event", "keys": [{"kind": "email", "address": "a@b.example"}]},
    });
    let (s, body) = request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(OFFICER),
        Some(query.clone()),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["complete"], false, "{body}");
    let sources = body["sources"].as_array().unwrap();
    assert!(!sources.is_empty(), "{body}");
    for source in sources {
        assert_eq!(source["status"], "declined", "{body}");
        assert_eq!(source["class"], "invalid_input", "{body}");
    }
    let (s, body) = request(
        "POST",
        &format!("{}/v1/connectors/kestrel-rms/search", gw.url),
        Some(OFFICER),
        Some(query),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["records"], json!([]), "{body}");
    assert!(
        body["declined"]
            .as_str()
            .is_some_and(|m| m.contains("Kestrel")),
        "{body}"
    );
    // A search of a kind the connector does not take never reaches it: 403.
    let (s, body) = request(
        "POST",
        &format!("{}/v1/connectors/kestrel-rms/search", gw.url),
        Some(OFFICER),
        Some(json!({"justification": "Enquiry into burglary KR/1",
                    "query": {"kind": "organisation", "text": "Example Ltd"}})),
    )
    .await;
    assert_eq!(s, 403, "{body}");
    // 2.0 is an integer limit, as the schema's `integer` allows.
    let (s, body) = request(
        "POST",
        &format!("{}/v1/connectors/kestrel-rms/search", gw.url),
        Some(OFFICER),
        Some(json!({"justification": "Enquiry into burglary KR/1",
                    "query": {"kind": "person", "text": "Examplewood", "limit": 2.0}})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    // A stream honours `limit`.
    let (s, streamed) = request(
        "GET",
        &format!("{}/v1/audit?stream=true&limit=1", gw.url),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, 200, "{streamed}");
    assert!(
        streamed.is_object(),
        "one record, one JSON line: {streamed}"
    );
    gw.stop().await;
}
