//! The plugin store shared in a real PostgreSQL (scripts/pg.sh), over TLS with
//! sslmode=verify-full, by three `interop serve` replicas, each with its own local [store] dir
//! for the native code it compiles: an install made with one replica's configuration is loaded
//! by all three (the installer waits for every one and names them), and a search through each
//! answers from the new connector; an upgrade made with another replica's configuration
//! reaches the first within a bound far below its poll interval (LISTEN/NOTIFY); the database
//! holds each component once, and no native code; a replica killed with SIGKILL stops counting
//! for the next change; `interop plugin list/history --database` and
//! `interop audit query --database` read what the replicas share; a second gateway started
//! with a running replica's `gateway_id` says so.

mod common;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/serve.rs"]
#[allow(dead_code)] // its scratch(): this test keeps its own directory tree
mod serve;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::KESTREL_RMS;
use postgres::Postgres;
use serde_json::{Value, json};
use serve::{interop, serve};

const TOKEN: &str = "store-replica-token-0001";

/// `component` with a custom section appended (another build), signed by `key`.
fn build(dir: &Path, note: &str, key: &SecretKey) -> PathBuf {
    let mut bytes = std::fs::read(KESTREL_RMS).unwrap();
    let name = b"build-note";
    bytes.push(0);
    bytes.push(u8::try_from(1 + name.len() + note.len()).unwrap());
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

fn ok(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The component hash `replica` runs for `kestrel-rms`, if it runs it.
async fn running(url: &str) -> Option<String> {
    let (status, body) =
        common::request("GET", &format!("{url}/v1/connectors"), Some(TOKEN), None).await;
    assert_eq!(status, 200, "{body}");
    body["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["describe"]["id"] == "kestrel-rms")
        .map(|c| c["component_sha256"].as_str().unwrap().to_string())
}

async fn search(url: &str) -> (u16, Value) {
    common::request(
        "POST",
        &format!("{url}/v1/search"),
        Some(TOKEN),
        Some(json!({"justification": "shared store test", "query": {"kind": "person", "text": "Examplewood"}})),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_install_on_one_replica_is_served_by_all_and_an_upgrade_reaches_the_others_at_once() {
    let pg = Postgres::start("store");
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let root = std::env::temp_dir().join(format!("interop-store-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let common = root.join("common");
    std::fs::create_dir_all(&common).unwrap();
    let secret = common.join("kestrel.secret");
    std::fs::write(&secret, kestrel_rms_standin::DEFAULT_API_KEY).unwrap();
    let policy = common.join("kestrel-rms.toml");
    std::fs::write(
        &policy,
        format!(
            "connector = \"kestrel-rms\"\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            vendor.base_url(),
            secret.display()
        ),
    )
    .unwrap();
    let key = SecretKey::generate().unwrap();
    key.write_files(&common.join("vendor"), "store replica test", false)
        .unwrap();
    let v1 = build(&common, "v1", &key);
    let v2 = build(&common, "v2", &key);

    let ids = ["gw-1", "gw-2", "gw-3"];
    let dirs: Vec<PathBuf> = ids.iter().map(|id| root.join(id)).collect();
    let pubs: Vec<PathBuf> = dirs
        .iter()
        .map(|d| {
            interop_audit::replica_key(&d.join("audit")).unwrap();
            d.join("audit/gateway.pub")
        })
        .collect();
    let mut configs = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let others: Vec<String> = pubs
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| format!("{:?}", p.display().to_string()))
            .collect();
        let config = dir.join("gateway.toml");
        // A poll of a minute: a change seen sooner was heard, not polled for.
        std::fs::write(
            &config,
            format!(
                "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"{id}\"\n\
                 [audit]\ndir = \"audit\"\n\
                 [storage]\nbackend = \"postgres\"\nurl = \"{url}\"\n\
                 [store]\ndir = \"plugins\"\npoll_ms = 60000\n\
                 [trust]\nkeys = [\"{common}/vendor.pub\"]\nreplica_keys = [{others}]\n\
                 [roles.officer]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
                 [[users]]\nid = \"pc-store\"\ntoken_sha256 = \"{token}\"\nroles = [\"officer\"]\nclearance = \"official\"\n",
                id = ids[i],
                url = pg.url_tls,
                common = common.display(),
                others = others.join(", "),
                token = hex::encode(token_sha256(TOKEN)),
            ),
        )
        .unwrap();
        configs.push(config);
    }
    let mut replicas = Vec::new();
    for config in &configs {
        replicas.push(tokio::task::block_in_place(|| serve(config)));
    }
    for r in &replicas {
        assert_eq!(running(&r.url).await, None);
    }

    // Installed with the first replica's configuration: all three load it, and the installer
    // waits for every one of them and names them.
    let out = ok(&interop(&[
        "plugin",
        "--config",
        configs[0].to_str().unwrap(),
        "--actor",
        "test-admin",
        "install",
        v1.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]));
    assert!(out.contains("loaded by gateway gw-1, gw-2, gw-3"), "{out}");
    for r in &replicas {
        assert_eq!(running(&r.url).await.as_deref(), Some(sha(&v1).as_str()));
        let (status, body) = search(&r.url).await;
        assert_eq!(status, 200, "{body}");
        let kestrel = body["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["connector"] == "kestrel-rms")
            .unwrap_or_else(|| panic!("{} answered without the new connector: {body}", r.url));
        assert_eq!(kestrel["status"], "ok", "{body}");
    }
    assert!(vendor.counters().requests >= 3);

    // Upgraded with the second replica's configuration, not waiting: the first runs it within
    // a bound far below its minute's poll, because the change was announced.
    ok(&interop(&[
        "plugin",
        "--config",
        configs[1].to_str().unwrap(),
        "--timeout",
        "0",
        "upgrade",
        "kestrel-rms",
        v2.to_str().unwrap(),
    ]));
    let started = Instant::now();
    let bound = Duration::from_secs(10);
    loop {
        if running(&replicas[0].url).await.as_deref() == Some(sha(&v2).as_str()) {
            break;
        }
        assert!(
            started.elapsed() < bound,
            "replica gw-1 still runs {:?} {:?} after the upgrade on gw-2",
            running(&replicas[0].url).await,
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "an upgrade made on gw-2 ran on gw-1 {:?} after it was committed (poll interval 60 s)",
        started.elapsed()
    );
    for r in &replicas[1..] {
        let deadline = Instant::now() + bound;
        while running(&r.url).await.as_deref() != Some(sha(&v2).as_str()) {
            assert!(Instant::now() < deadline, "{} did not pick up v2", r.url);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // Each component once in the database, byte for byte; no native code there. Each replica
    // compiled what it runs into its own directory.
    let stored = pg.psql("SELECT sha256 FROM plugin_objects ORDER BY sha256");
    let stored: BTreeSet<&str> = stored.lines().collect();
    assert_eq!(
        stored,
        [sha(&v1), sha(&v2)].iter().map(String::as_str).collect()
    );
    let tables = pg.psql(
        "SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_name LIKE 'plugin_%' AND data_type = 'bytea'",
    );
    assert_eq!(
        tables.trim(),
        "bytes,text",
        "only components and policies are stored as bytes"
    );
    for dir in &dirs {
        let compiled: Vec<String> = std::fs::read_dir(dir.join("plugins/compiled"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            compiled
                .iter()
                .any(|n| n.starts_with(&sha(&v2)) && n.ends_with(".cwasm")),
            "{}: {compiled:?}",
            dir.display()
        );
    }

    // The store read without any configuration, from the database alone.
    let list = ok(&interop(&["plugin", "--database", &pg.url_tls, "list"]));
    assert!(list.contains(&sha(&v2)[..12]), "{list}");
    assert!(list.contains("previous: kestrel-rms"), "{list}");
    let history = ok(&interop(&["plugin", "--database", &pg.url_tls, "history"]));
    let actions: Vec<&str> = history
        .lines()
        .map(|l| l.split_whitespace().nth(2).unwrap())
        .collect();
    assert_eq!(actions, ["install", "upgrade"], "{history}");

    // A replica killed with SIGKILL stops counting: the rollback waits for the two left.
    replicas[2].child.kill().unwrap();
    replicas[2].child.wait().unwrap();
    let out = ok(&interop(&[
        "plugin",
        "--database",
        &pg.url_tls,
        "--actor",
        "test-admin",
        "--timeout",
        "20",
        "rollback",
        "kestrel-rms",
    ]));
    assert!(out.contains("loaded by gateway gw-1, gw-2\n"), "{out}");
    for r in &replicas[..2] {
        assert_eq!(running(&r.url).await.as_deref(), Some(sha(&v1).as_str()));
    }

    // The chain the replicas share, queried from the database: every replica's searches, and
    // each change as every running replica applied it.
    let out = ok(&interop(&[
        "audit",
        "query",
        "--database",
        &pg.url_tls,
        "--user",
        "pc-store",
        "--operation",
        "search",
        "--json",
    ]));
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let gateways: BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r["gateway"].as_str())
        .collect();
    assert_eq!(gateways, ids.iter().copied().collect(), "{out}");
    let out = ok(&interop(&[
        "audit",
        "query",
        "--database",
        &pg.url_tls,
        "--operation",
        "store-upgrade",
        "--json",
    ]));
    assert_eq!(
        out.lines().count(),
        3,
        "each replica audits the upgrade it applied: {out}"
    );

    // A second gateway started as gw-1 (its configuration copied, as an operator might) while
    // gw-1 runs: it says another running replica already has that name.
    let twin = dirs[0].join("twin.toml");
    std::fs::copy(&configs[0], &twin).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", twin.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (said, heard) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if said.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    let warned = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match heard.recv_timeout(left) {
            Ok(line) if line.contains("another running replica already calls itself gw-1") => {
                break true;
            }
            Ok(line) => seen.push(line),
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        warned,
        "no warning of the duplicate gateway_id; stderr: {seen:#?}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
