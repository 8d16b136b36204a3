//! Profile assembly benchmark: `POST /v1/profile` for one person held by Kestrel RMS and Harrier
//! ANPR (Alex Examplewood, the demo's merged group) against its critical path, measured side by
//! side in the same run through the same `interop serve`: the slower of the two single fetches
//! (`POST /v1/connectors/{id}/fetch`, sent at once) that the profile itself waits on. The
//! profile's links are carried with its records, so it makes no second round of fetches and
//! this is its whole critical path; what the profile adds is its own work (facts, linkage, one
//! audit record instead of two).
//!
//! ```sh
//! cargo bench -p interop --bench profile            # optimised
//! cargo bench --workspace --profile dev --bench profile   # as measured in docs/BENCHMARKS.md
//! ```
//!
//! Settings (environment): `INTEROP_BENCH_ITERATIONS` (default 300 of each, interleaved),
//! `INTEROP_BENCH_WARMUP` (default 30).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};
use serde_json::{Value, json};

const TOKEN: &str = "bench-profile-token-000000000001";
const WHY: &str = "Benchmark of profile assembly OP-BENCH-1";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One keep-alive HTTP/1.1 connection to the gateway.
struct Client {
    addr: String,
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Client {
    async fn connect(addr: &str) -> Client {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(conn);
        Client {
            addr: addr.to_string(),
            sender,
        }
    }

    /// POST `body` to `path`: the status, the JSON answer and how long it took.
    async fn post(&mut self, path: &str, body: &Value) -> (u16, Value, Duration) {
        let request = http::Request::builder()
            .method("POST")
            .uri(path)
            .header("host", &self.addr)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap();
        let started = Instant::now();
        let response = self.sender.send_request(request).await.expect("send");
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let took = started.elapsed();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            took,
        )
    }
}

fn policy(dir: &Path, id: &str, base_url: &str, secret_key: &str, secret: &str) {
    let secret_file = dir.join(format!("{id}.secret"));
    std::fs::write(&secret_file, secret).unwrap();
    std::fs::write(
        dir.join(format!("{id}.toml")),
        format!(
            "connector = \"{id}\"\n[limits]\ntimeout_ms = 5000\n[config]\nbase_url = \"{base_url}\"\nforce = \"Bench Constabulary\"\n[secrets]\n{secret_key} = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            secret_file.display()
        ),
    )
    .unwrap();
}

fn start_gateway(dir: &Path, kestrel: &str, harrier: &str) -> (Child, String) {
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("dev-signing"), "profile bench", false)
        .unwrap();
    for (component, id) in [(KESTREL_RMS, "kestrel-rms"), (HARRIER_ANPR, "harrier-anpr")] {
        let bytes = std::fs::read(component).unwrap();
        std::fs::write(
            dir.join(format!("{id}.wasm")),
            signing::sign(&bytes, &key).unwrap(),
        )
        .unwrap();
    }
    policy(
        dir,
        "kestrel-rms",
        kestrel,
        "api_key",
        kestrel_rms_standin::DEFAULT_API_KEY,
    );
    policy(
        dir,
        "harrier-anpr",
        harrier,
        "token",
        harrier_anpr_standin::DEFAULT_API_KEY,
    );
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n\
             [trust]\nkeys = [\"dev-signing.pub\"]\n\
             [[connectors]]\ncomponent = \"kestrel-rms.wasm\"\npolicy = \"kestrel-rms.toml\"\n\
             [[connectors]]\ncomponent = \"harrier-anpr.wasm\"\npolicy = \"harrier-anpr.toml\"\n\
             [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\", \"fetch\"]\n\
             [[users]]\nid = \"bench\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(TOKEN))
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start interop serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        let mut tx = Some(tx);
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("listening on ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(addr.trim().trim_start_matches("http://").to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(180))
        .expect("the gateway prints its address");
    (child, addr)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; a filter or `--list` from the harness is not ours.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let iterations: usize = env_or("INTEROP_BENCH_ITERATIONS", 300);
    let warmup: usize = env_or("INTEROP_BENCH_WARMUP", 30);
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("interop-bench-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (mut child, addr) = start_gateway(&dir, &kestrel.base_url(), &harrier.base_url());

    let mut profile_client = Client::connect(&addr).await;
    let mut fetchers = [Client::connect(&addr).await, Client::connect(&addr).await];
    let (status, answer, _) = profile_client
        .post(
            "/v1/search",
            &json!({"justification": WHY, "query": {"kind": "person", "keys": [
                {"kind": "name", "surname": "Examplewood", "given_name": "Alex", "date_of_birth": "1988-03-14"}]}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let group = answer["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["records"].as_array().unwrap().len() == 2)
        .unwrap_or_else(|| panic!("no merged group: {answer}"))
        .clone();
    let members: Vec<Value> = group["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            json!({"connector": r["connector"], "kind": "person", "local_id": r["record"]["source"]["local_id"]})
        })
        .collect();
    let profile_body = json!({"justification": WHY, "group": group["id"], "members": members});
    let fetches: Vec<(String, Value)> = members
        .iter()
        .map(|m| {
            (
                format!("/v1/connectors/{}/fetch", m["connector"].as_str().unwrap()),
                json!({"justification": WHY, "kind": "person", "local_id": m["local_id"]}),
            )
        })
        .collect();

    let mut profile = Vec::with_capacity(iterations);
    let mut critical = Vec::with_capacity(iterations);
    let mut gateway_took = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        // The critical path: both fetches at once, the slower one.
        let [a, b] = &mut fetchers;
        let ((sa, _, ta), (sb, _, tb)) = tokio::join!(
            a.post(&fetches[0].0, &fetches[0].1),
            b.post(&fetches[1].0, &fetches[1].1)
        );
        assert_eq!((sa, sb), (200, 200));
        let (sp, body, tp) = profile_client.post("/v1/profile", &profile_body).await;
        assert_eq!(sp, 200, "{body}");
        assert_eq!(body["complete"], true, "{body}");
        if i >= warmup {
            critical.push(ta.max(tb));
            profile.push(tp);
            gateway_took.push(Duration::from_millis(body["took_ms"].as_u64().unwrap_or(0)));
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let (p50, c50) = (
        percentile(&mut profile, 0.5),
        percentile(&mut critical, 0.5),
    );
    let (p90, c90) = (
        percentile(&mut profile, 0.9),
        percentile(&mut critical, 0.9),
    );
    println!(
        "profile assembly: {iterations} profiles of 2 records, interleaved with their critical path"
    );
    println!("  profile        p50 {}  p90 {}", ms(p50), ms(p90));
    println!(
        "  critical path  p50 {}  p90 {}  (slower of the two fetches, sent at once)",
        ms(c50),
        ms(c90)
    );
    println!(
        "  profile - critical path at p50: {:+.2} ms (goal <= +5 ms: {})",
        (p50.as_secs_f64() - c50.as_secs_f64()) * 1000.0,
        if p50 <= c50 + Duration::from_millis(5) {
            "met"
        } else {
            "not met"
        }
    );
    println!(
        "  the gateway's own took_ms p50: {}",
        ms(percentile(&mut gateway_took, 0.5))
    );
    println!("  load average: {}", load.trim());
    let _ = child.kill();
    let _ = child.wait();
    drop((kestrel, harrier));
    let _ = std::fs::remove_dir_all(&dir);
}
