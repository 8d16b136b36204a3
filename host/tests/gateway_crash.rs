//! A gateway killed with SIGKILL under load leaves an audit log that verifies and holds a record
//! for every request that got a 2xx: records reach disk before responses leave.

#[path = "support/acknowledged.rs"]
mod acknowledged;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::KESTREL_RMS;

const TOKEN: &str = "crash-test-token-0001";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_load_loses_no_acknowledged_record() {
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("interop-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let secret = dir.join("kestrel.secret");
    std::fs::write(&secret, kestrel_rms_standin::DEFAULT_API_KEY).unwrap();
    std::fs::write(
        dir.join("kestrel-rms.toml"),
        format!(
            "connector = \"kestrel-rms\"\n[limits]\nmax_concurrent = 64\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            vendor.base_url(),
            secret.display()
        ),
    )
    .unwrap();
    // A development key made now, and a signed copy of the connector that the gateway trusts.
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("dev-signing"), "crash test", false)
        .unwrap();
    let component = dir.join("kestrel_rms_connector.wasm");
    std::fs::write(
        &component,
        signing::sign(&std::fs::read(KESTREL_RMS).unwrap(), &key).unwrap(),
    )
    .unwrap();
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n[trust]\nkeys = [\"dev-signing.pub\"]\n[[connectors]]\ncomponent = \"kestrel_rms_connector.wasm\"\npolicy = \"kestrel-rms.toml\"\n[roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\"]\n[[users]]\nid = \"pc-crash\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(TOKEN))
        ),
    )
    .unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let addr = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let line = lines
                .next()
                .expect("the gateway prints its address")
                .unwrap();
            if let Some(url) = line.strip_prefix("listening on http://") {
                return url.to_string();
            }
        }
    })
    .await
    .unwrap();

    // Load: each 2xx answer's correlation id is remembered.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop_at = Instant::now() + Duration::from_millis(1500);
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let addr = addr.clone();
        let acknowledged = acknowledged.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u32;
            let Ok(stream) = tokio::net::TcpStream::connect(&addr).await else {
                return;
            };
            let Ok((mut sender, conn)) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await
            else {
                return;
            };
            tokio::spawn(conn);
            loop {
                n += 1;
                let id = format!("crash-{worker}-{n}");
                let request = http::Request::post("/v1/connectors/kestrel-rms/search")
                    .header("host", &addr)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .header("x-correlation-id", &id)
                    .body(Full::new(Bytes::from_static(
                        br#"{"justification":"crash test under load","query":{"kind":"person","text":"Examplewood","limit":2}}"#,
                    )))
                    .unwrap();
                let Ok(response) = sender.send_request(request).await else {
                    return;
                };
                let ok = response.status().is_success();
                let status = response.status();
                let Ok(body) = response.into_body().collect().await else {
                    return;
                };
                if !ok && std::env::var_os("CRASH_DEBUG").is_some() {
                    eprintln!("{status} {}", String::from_utf8_lossy(&body.to_bytes()));
                }
                if ok {
                    acknowledged.lock().unwrap().push(id);
                }
                if Instant::now() > stop_at + Duration::from_secs(5) {
                    return;
                }
            }
        }));
    }
    tokio::time::sleep(stop_at - Instant::now()).await;
    // SIGKILL: no shutdown, no final checkpoint, perhaps a torn last line.
    child.kill().unwrap();
    child.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 20,
        "too little load to mean anything: {}",
        acknowledged.len()
    );

    let log = dir.join("audit/audit.jsonl");
    let verify = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["audit", "verify", "--file", log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "the log of a killed gateway verifies: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    acknowledged::assert_every_one_audited(&acknowledged, &records);
    let _ = std::fs::remove_dir_all(&dir);
}
