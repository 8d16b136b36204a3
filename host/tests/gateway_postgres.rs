//! Three `interop serve` replicas on one audit chain in a real PostgreSQL (scripts/pg.sh), over
//! TLS with sslmode=verify-full: federated and single-connector searches spread round-robin
//! over them, one replica killed with SIGKILL under load; afterwards the chain verifies with
//! `interop audit verify --database` and every request that got a 2xx, from any replica, has
//! its record in it; a submit retried on another replica with the same idempotency key
//! creates nothing and returns the first answer's receipt.

#[path = "support/acknowledged.rs"]
mod acknowledged;
mod common;
#[path = "support/postgres.rs"]
mod postgres;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::KESTREL_RMS;
use postgres::Postgres;

const TOKEN: &str = "replica-test-token-0001";
const AUDITOR: &str = "replica-test-auditor-0001";

/// One replica: its own directory (its audit key, its compiled connectors), the shared database.
fn replica_config(dir: &Path, id: &str, url: &str, others: &[PathBuf], common: &Path) -> PathBuf {
    let keys: Vec<String> = others
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"{id}\"\n\
             [audit]\ndir = \"audit\"\n\
             [storage]\nbackend = \"postgres\"\nurl = \"{url}\"\n\
             [trust]\nkeys = [\"{common}/dev-signing.pub\"]\nreplica_keys = [{}]\n\
             [[connectors]]\ncomponent = \"{common}/kestrel_rms_connector.wasm\"\npolicy = \"{common}/kestrel-rms.toml\"\n\
             [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\", \"submit\"]\n\
             [roles.auditor]\naudit = true\n\
             [[users]]\nid = \"pc-replicas\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"official\"\n\
             [[users]]\nid = \"auditor-replicas\"\ntoken_sha256 = \"{}\"\nroles = [\"auditor\"]\nclearance = \"official\"\n",
            keys.join(", "),
            hex::encode(token_sha256(TOKEN)),
            hex::encode(token_sha256(AUDITOR)),
            common = common.display(),
        ),
    )
    .unwrap();
    config
}

/// Start `interop serve`; its child and address.
async fn serve(config: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let addr = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let line = lines
                .next()
                .expect("the gateway prints its address (see its stderr above)")
                .unwrap();
            if let Some(url) = line.strip_prefix("listening on http://") {
                // Read on to the end, so the gateway never writes to a closed pipe.
                std::thread::spawn(move || lines.for_each(drop));
                return url.to_string();
            }
        }
    })
    .await
    .unwrap();
    (child, addr)
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: &str) -> Option<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .ok()?;
    tokio::spawn(conn);
    Some(sender)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_share_one_chain_and_a_killed_one_loses_no_acknowledged_record() {
    let pg = Postgres::start("replicas");
    // The replicas reach it over TLS, its certificate checked against the test's CA.
    assert!(pg.url_tls.contains(pg.ca.to_str().unwrap()) && pg.url_tls.contains("verify-full"));
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let root = std::env::temp_dir().join(format!("interop-replicas-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let common = root.join("common");
    std::fs::create_dir_all(&common).unwrap();
    let secret = common.join("kestrel.secret");
    std::fs::write(&secret, kestrel_rms_standin::DEFAULT_API_KEY).unwrap();
    std::fs::write(
        common.join("kestrel-rms.toml"),
        format!(
            "connector = \"kestrel-rms\"\n[limits]\nmax_concurrent = 64\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            vendor.base_url(),
            secret.display()
        ),
    )
    .unwrap();
    let key = SecretKey::generate().unwrap();
    key.write_files(&common.join("dev-signing"), "replica test", false)
        .unwrap();
    std::fs::write(
        common.join("kestrel_rms_connector.wasm"),
        signing::sign(&std::fs::read(KESTREL_RMS).unwrap(), &key).unwrap(),
    )
    .unwrap();

    // Each replica's audit key, made before any starts, so each can be told the others'.
    let ids = ["gw-1", "gw-2", "gw-3"];
    let dirs: Vec<PathBuf> = ids.iter().map(|id| root.join(id)).collect();
    let pubs: Vec<PathBuf> = dirs
        .iter()
        .map(|d| {
            interop_audit::replica_key(&d.join("audit")).unwrap();
            d.join("audit/gateway.pub")
        })
        .collect();
    let mut children = Vec::new();
    let mut addrs = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let others: Vec<PathBuf> = pubs
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| p.clone())
            .collect();
        let config = replica_config(dir, ids[i], &pg.url_tls, &others, &common);
        let (child, addr) = serve(&config).await;
        children.push(child);
        addrs.push(addr);
    }

    // A submit answered by one replica, its response lost, retried on the others with the same
    // idempotency key: the key travels with the request, so nothing is created twice.
    let submission = serde_json::json!({
        "justification": "Vehicle seen leaving burglary scene",
        "case_reference": "OP-REPLICA-1",
        "idempotency_key": "replica-retry-0001",
        "submission": {
            "local_id": null,
            "handling": { "classification": "official", "sensitive": false, "caveats": [], "grading": null, "review_date": null },
            "entity": { "kind": "object", "type": "vehicle",
                "vrm": "ZY19 RPL", "vin": null, "make": "TESTMAKE", "model": "SAMPLE", "body_shape": null,
                "colours": ["GREEN"], "registration_country": null },
            "links": []
        }
    });
    let mut answers = Vec::new();
    for addr in &addrs {
        let (status, answer) = common::request(
            "POST",
            &format!("http://{addr}/v1/submit"),
            Some(TOKEN),
            Some(submission.clone()),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        answers.push(answer);
    }
    let receipt = |a: &serde_json::Value| a["targets"][0]["receipt"].clone();
    assert_eq!(receipt(&answers[0])["created"], true, "{}", answers[0]);
    for again in &answers[1..] {
        assert_eq!(
            receipt(again)["local_id"],
            receipt(&answers[0])["local_id"],
            "{again}"
        );
        assert_eq!(receipt(again)["created"], false, "{again}");
    }
    assert_eq!(vendor.counters().vehicles_created, 1);

    // Any replica reads the whole chain: the last one's GET /v1/audit holds the others' records,
    // a page at a time and streamed.
    let (status, page) = common::request(
        "GET",
        &format!("http://{}/v1/audit?user=pc-replicas&limit=100", addrs[2]),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let paged: BTreeSet<String> = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["gateway"].as_str().map(str::to_string))
        .collect();
    assert_eq!(paged, ids.iter().map(|s| s.to_string()).collect(), "{page}");
    let (status, streamed) = common::request(
        "GET",
        &format!("http://{}/v1/audit?user=pc-replicas&stream=true", addrs[2]),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(status, 200, "{streamed}");
    let lines: Vec<serde_json::Value> = streamed
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), page["records"].as_array().unwrap().len());
    assert!(
        lines
            .windows(2)
            .all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64())
    );

    // Load: each worker sends its requests round-robin over the three replicas, federated and
    // single-connector searches alternating; every 2xx answer's correlation id is remembered.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let kill_at = Instant::now() + Duration::from_millis(1500);
    let stop_at = kill_at + Duration::from_millis(1500);
    let mut tasks = Vec::new();
    for worker in 0..9 {
        let addrs = addrs.clone();
        let acknowledged = acknowledged.clone();
        tasks.push(tokio::spawn(async move {
            let mut senders: Vec<Option<Sender>> = Vec::new();
            for a in &addrs {
                senders.push(connect(a).await);
            }
            let mut n = 0usize;
            while Instant::now() < stop_at {
                n += 1;
                let r = (worker + n) % addrs.len();
                let Some(sender) = senders[r].as_mut() else {
                    continue;
                };
                let id = format!("rr-{worker}-{n}");
                let path = if n.is_multiple_of(2) {
                    "/v1/search"
                } else {
                    "/v1/connectors/kestrel-rms/search"
                };
                let request = http::Request::post(path)
                    .header("host", &addrs[r])
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .header("x-correlation-id", &id)
                    .body(Full::new(Bytes::from_static(
                        br#"{"justification":"replica test under load","query":{"kind":"person","text":"Examplewood","limit":2}}"#,
                    )))
                    .unwrap();
                let Ok(response) = sender.send_request(request).await else {
                    // That replica is gone: the load balancer would stop sending to it.
                    senders[r] = None;
                    continue;
                };
                let ok = response.status().is_success();
                let status = response.status();
                let Ok(body) = response.into_body().collect().await else {
                    senders[r] = None;
                    continue;
                };
                if ok {
                    acknowledged.lock().unwrap().push(id);
                } else {
                    panic!("{status} from replica {r}: {}", String::from_utf8_lossy(&body.to_bytes()));
                }
            }
        }));
    }
    tokio::time::sleep(kill_at.saturating_duration_since(Instant::now())).await;
    // SIGKILL the second replica under load: no shutdown, no final checkpoint.
    children[1].kill().unwrap();
    children[1].wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    // The others stop as an operator stops them (SIGTERM), signing a final checkpoint each.
    for i in [0, 2] {
        let status = Command::new("kill")
            .args(["-TERM", &children[i].id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = children[i].wait().unwrap();
        assert!(exit.success(), "replica {} stopped with {exit}", ids[i]);
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 30,
        "too little load to mean anything: {}",
        acknowledged.len()
    );

    let pub_args: Vec<String> = pubs
        .iter()
        .flat_map(|p| ["--key".to_string(), p.display().to_string()])
        .collect();
    let verify = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["audit", "verify", "--database", &pg.url_tls])
        .args(&pub_args)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "the chain of three replicas, one killed, verifies: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );

    eprintln!(
        "{} requests acknowledged by three replicas, one killed; {}",
        acknowledged.len(),
        String::from_utf8_lossy(&verify.stdout).trim()
    );
    // Every acknowledged request has its record, whichever replica answered it.
    let lines = pg.psql("SELECT line FROM audit_lines WHERE NOT checkpoint ORDER BY seq");
    let records: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    acknowledged::assert_every_one_audited(&acknowledged, &records);
    // All three wrote to the one chain.
    let gateways: BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r["gateway"].as_str())
        .collect();
    assert_eq!(gateways, ids.iter().copied().collect());
    let _ = std::fs::remove_dir_all(&root);
}
