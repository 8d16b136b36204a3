//! The plugin store as a force uses it: `interop plugin install → upgrade → rollback → remove`
//! while a running gateway serves a steady stream of federated searches. The gateway picks up
//! each change without a restart and no call fails; every change is audited with who made it;
//! components that are unsigned, signed by a stranger or tampered are refused and change
//! nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use interop_gateway::Gateway;
use interop_gateway::config::{GatewayConfig, token_sha256};
use interop_sandbox::Host;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};
use serde_json::{Value, json};

mod common;

const TOKEN: &str = "token-store-officer-0001";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn plugin(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .arg("plugin")
        .arg("--config")
        .arg(config)
        .args(["--actor", "test-admin"])
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running interop plugin")
}

fn ok(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn failed(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `component` with a custom section appended (another build), signed by `key`.
fn build(dir: &Path, component: &str, note: &str, key: &SecretKey) -> PathBuf {
    let mut bytes = std::fs::read(component).unwrap();
    let name = b"build-note";
    let payload_len = 1 + name.len() + note.len();
    bytes.push(0);
    bytes.push(u8::try_from(payload_len).unwrap());
    bytes.push(u8::try_from(name.len()).unwrap());
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(note.as_bytes());
    let out = dir.join(format!("kestrel-{note}.wasm"));
    std::fs::write(&out, signing::sign(&bytes, key).unwrap()).unwrap();
    out
}

fn sha(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

async fn request(method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
    common::request(method, url, Some(TOKEN), body).await
}

/// The component hash the gateway runs for `kestrel-rms`, if it runs it.
async fn running(url: &str) -> Option<String> {
    let (status, body) = request("GET", &format!("{url}/v1/connectors"), None).await;
    assert_eq!(status, 200, "{body}");
    body["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["describe"]["id"] == "kestrel-rms")
        .map(|c| c["component_sha256"].as_str().unwrap().to_string())
}

/// Wait until the gateway runs `want` (or nothing), without a restart.
async fn until_running(url: &str, want: Option<&str>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = running(url).await;
        if now.as_deref() == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the gateway still runs {now:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn install_upgrade_rollback_remove_while_serving_without_a_failed_call() {
    let dir = scratch("live");
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("vendor"), "test vendor key", false)
        .unwrap();
    let stranger = SecretKey::generate().unwrap();
    let v1 = build(&dir, KESTREL_RMS, "v1", &key);
    let v2 = build(&dir, KESTREL_RMS, "v2", &key);
    let foreign = build(&dir, KESTREL_RMS, "stranger", &stranger);
    let unsigned = dir.join("unsigned.wasm");
    std::fs::copy(KESTREL_RMS, &unsigned).unwrap();
    let mut tampered = std::fs::read(&v2).unwrap();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x20;
    std::fs::write(dir.join("tampered.wasm"), &tampered).unwrap();

    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    std::fs::write(dir.join("kestrel.secret"), "demo-key").unwrap();
    std::fs::write(
        dir.join("kestrel-rms.toml"),
        format!(
            "connector = \"kestrel-rms\"\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            kestrel.base_url(),
            dir.join("kestrel.secret").display()
        ),
    )
    .unwrap();
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"store-test\"\n\
             [audit]\ndir = \"audit\"\n[trust]\nkeys = [\"vendor.pub\"]\n\
             [store]\ndir = \"plugins\"\npoll_ms = 100\n\
             [roles.officer]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
             [[users]]\nid = \"pc-store\"\ntoken_sha256 = \"{}\"\nroles = [\"officer\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(TOKEN))
        ),
    )
    .unwrap();
    let gateway = Gateway::start(
        GatewayConfig::from_file(&config).unwrap(),
        &Host::new().unwrap(),
    )
    .await
    .unwrap();
    assert!(gateway.plugins().is_empty());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gateway.serve(listener, async {
        let _ = stopped.await;
    }));

    // Refused before anything is written: unsigned, a stranger's key, tampered.
    let policy = dir.join("kestrel-rms.toml");
    let policy = policy.to_str().unwrap();
    for (file, reason) in [
        (unsigned.clone(), "unsigned"),
        (foreign.clone(), "unknown key"),
        (dir.join("tampered.wasm"), "tampered"),
    ] {
        let err = failed(&plugin(
            &config,
            &["install", file.to_str().unwrap(), "--policy", policy],
        ));
        assert!(err.contains(reason), "{reason}: {err}");
    }
    assert!(ok(&plugin(&config, &["list"])).contains("no connectors installed"));

    ok(&plugin(
        &config,
        &["install", v1.to_str().unwrap(), "--policy", policy],
    ));
    until_running(&url, Some(&sha(&v1))).await;

    // A steady stream of searches from here to the end; every one must answer 200 with
    // Kestrel's part ok.
    let keep_going = Arc::new(AtomicBool::new(true));
    let calls = Arc::new(AtomicU64::new(0));
    let load = {
        let keep_going = keep_going.clone();
        let calls = calls.clone();
        let url = url.clone();
        tokio::spawn(async move {
            let mut failures = Vec::new();
            while keep_going.load(Ordering::Relaxed) {
                let (status, body) = request(
                    "POST",
                    &format!("{url}/v1/search"),
                    Some(json!({"justification": "plugin store test", "query": {"kind": "person", "text": "Examplewood"}})),
                )
                .await;
                calls.fetch_add(1, Ordering::Relaxed);
                let kestrel_failed = body["sources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|s| s["connector"] == "kestrel-rms" && s["status"] != "ok");
                if status != 200 || kestrel_failed {
                    failures.push(body);
                }
            }
            failures
        })
    };
    let wait_for_calls = |n: u64| {
        let calls = calls.clone();
        async move {
            let target = calls.load(Ordering::Relaxed) + n;
            while calls.load(Ordering::Relaxed) < target {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_for_calls(5).await;
    let out = ok(&plugin(
        &config,
        &["upgrade", "kestrel-rms", v2.to_str().unwrap()],
    ));
    assert!(out.contains("upgraded kestrel-rms"), "{out}");
    until_running(&url, Some(&sha(&v2))).await;
    wait_for_calls(5).await;
    ok(&plugin(&config, &["rollback", "kestrel-rms"]));
    until_running(&url, Some(&sha(&v1))).await;
    wait_for_calls(5).await;
    let listed = ok(&plugin(&config, &["list"]));
    assert!(
        listed.contains(&sha(&v1)[..12]) && listed.contains("previous: kestrel-rms"),
        "{listed}"
    );
    keep_going.store(false, Ordering::Relaxed);
    let failures = load.await.unwrap();
    assert!(failures.is_empty(), "failed calls: {failures:#?}");
    assert!(calls.load(Ordering::Relaxed) >= 15);

    ok(&plugin(&config, &["remove", "kestrel-rms"]));
    until_running(&url, None).await;
    let (status, body) = request(
        "POST",
        &format!("{url}/v1/search"),
        Some(json!({"justification": "plugin store test", "query": {"kind": "person", "text": "Examplewood"}})),
    )
    .await;
    // Nothing handles people any more: the gateway says so instead of answering empty.
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no connector you may search handles person records"),
        "{body}"
    );

    let history = ok(&plugin(&config, &["history"]));
    for action in ["install", "upgrade", "rollback", "remove"] {
        assert!(
            history.contains(&format!(" {action} kestrel-rms")),
            "{action}: {history}"
        );
    }
    assert!(history.contains("by test-admin"), "{history}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    // The gateway's audit log holds each change with who made it, and each load.
    let audit = std::fs::read_to_string(dir.join("audit/audit.jsonl")).unwrap();
    let records: Vec<Value> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "admin")
        .collect();
    let operations: Vec<&str> = records
        .iter()
        .filter_map(|r| r["operation"].as_str())
        .collect();
    for op in [
        "connector-loaded",
        "store-upgrade",
        "connector-replaced",
        "store-rollback",
        "store-remove",
        "connector-unloaded",
    ] {
        assert!(operations.contains(&op), "no {op} in {operations:?}");
    }
    let upgrade = records
        .iter()
        .find(|r| r["operation"] == "store-upgrade")
        .unwrap();
    assert_eq!(upgrade["user"], "test-admin");
    assert_eq!(upgrade["connectors"][0]["component_sha256"], sha(&v2));
    let verify = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["audit", "verify", "--file"])
        .arg(dir.join("audit/audit.jsonl"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_changed_behind_the_gateways_back_is_refused_at_start() {
    let dir = scratch("altered");
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("vendor"), "test vendor key", false)
        .unwrap();
    let harrier = build(&dir, HARRIER_ANPR, "h1", &key);
    std::fs::write(dir.join("harrier.secret"), "demo-token").unwrap();
    std::fs::write(
        dir.join("harrier-anpr.toml"),
        format!(
            "connector = \"harrier-anpr\"\n[config]\nbase_url = \"http://127.0.0.1:9\"\n[secrets]\ntoken = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            dir.join("harrier.secret").display()
        ),
    )
    .unwrap();
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n[trust]\nkeys = [\"vendor.pub\"]\n[store]\ndir = \"plugins\"\n",
    )
    .unwrap();
    let policy = dir.join("harrier-anpr.toml");
    ok(&plugin(
        &config,
        &[
            "install",
            harrier.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
        ],
    ));
    let host = Host::new().unwrap();
    // Each start gets its own audit directory: a gateway that is not served keeps its log open.
    let start = |audit: &str| {
        let text = std::fs::read_to_string(&config)
            .unwrap()
            .replace("dir = \"audit\"", &format!("dir = \"{audit}\""));
        let file = dir.join(format!("{audit}.toml"));
        std::fs::write(&file, text).unwrap();
        let host = host.clone();
        async move { Gateway::start(GatewayConfig::from_file(&file).unwrap(), &host).await }
    };
    assert_eq!(start("audit-1").await.unwrap().plugins().len(), 1);
    // Someone swaps the stored component's bytes: the hash no longer matches its name.
    let objects = dir.join("plugins/objects");
    let object = std::fs::read_dir(&objects)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&object).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&object, &bytes).unwrap();
    let err = format!(
        "{:#}",
        start("audit-2")
            .await
            .err()
            .expect("an altered store must not start")
    );
    assert!(err.contains("does not hash to its name"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
