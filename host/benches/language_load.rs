//! Language load benchmark: requests per second and latency percentiles of a per-connector
//! search through one `interop serve` (audit on), for a connector in each language side by
//! side in one run: Kestrel RMS (Rust), Osprey Intel (JavaScript, ComponentizeJS), Osprey
//! Custody (Python, componentize-py), each against its own vendor stand-in. Prints each
//! language's rps and p99 as a ratio of the Rust connector's.
//!
//! Run it with `scripts/bench-languages.sh`. The gateway runs as its own process; the load
//! generator is `wrk` (another process) when it is on `PATH`, else the in-process client of
//! `gateway_load.rs`; the stand-ins run in this process. Rounds alternate between the
//! connectors, so all see the same machine noise.
//!
//! The stand-ins' seeds and the queries are frozen; the records and bytes of one answer are
//! printed for each connector, so a seed change cannot move a ratio unseen.
//!
//! Settings (environment): `INTEROP_BENCH_SECONDS` per round (default 10), `INTEROP_BENCH_ROUNDS`
//! (default 3), `INTEROP_BENCH_CONNECTIONS` (default 16 keep-alive connections),
//! `INTEROP_BENCH_ONLY=rust|js|python` (one connector alone, e.g. under a profiler),
//! `INTEROP_BENCH_LOADGEN=internal` (no wrk).

#[path = "support/queries.rs"]
mod queries;
// This bench keeps its own tally (wrk reports counts and percentiles, not latencies), so the
// shared driver's report methods go unused here.
#[allow(dead_code)]
#[path = "support/load.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use support::{TOKEN, env_or, start_interop};

/// One connector under load.
struct Target {
    language: &'static str,
    id: &'static str,
    component: &'static str,
    /// The key its policy grants (name, value) and the base URL of its stand-in.
    secret: (&'static str, &'static str),
    base_url: String,
    body: String,
}

/// The frozen query: a surname every seed holds, limit 20, of the kind the system serves.
fn query_body(connector: &str) -> String {
    queries::surname_search(
        "language load benchmark",
        queries::language_load_kind(connector),
        "Examplewood",
    )
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    requests: u64,
    errors: u64,
    elapsed: Duration,
    /// Percentiles straight from wrk, when it ran the load.
    wrk_percentiles: Option<(Duration, Duration)>,
}

impl Tally {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort();
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i]
    }
}

/// POST `body` to `path` once and return the answer's text.
async fn post_once(addr: &str, path: &str, body: &str) -> (http::StatusCode, String) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let request = http::Request::builder()
        .method("POST")
        .uri(path)
        .header("host", addr)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("request");
    let response = sender.send_request(request).await.expect("answer");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Drive `path` with `connections` keep-alive connections for `seconds`, in this process (the
/// load generator the gateway benches share).
async fn load_internal(
    addr: &str,
    path: &str,
    body: &str,
    connections: usize,
    seconds: u64,
) -> Tally {
    let side = support::Side {
        name: "interop",
        addrs: vec![addr.to_string()],
        path: path.to_string(),
        method: "POST",
        body: Some(body.to_string()),
        token: true,
    };
    let tally = support::load(&side, connections, seconds).await;
    Tally {
        requests: tally.latencies.len() as u64,
        latencies: tally.latencies,
        errors: tally.errors,
        elapsed: tally.elapsed,
        wrk_percentiles: None,
    }
}

/// A wrk duration (`812.00us`, `4.21ms`, `1.02s`).
fn wrk_duration(text: &str) -> Option<Duration> {
    let (number, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| text.split_at(i))?;
    let n: f64 = number.parse().ok()?;
    let seconds = match unit {
        "us" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

/// Drive `path` with wrk, a process of its own, and read its summary.
fn load_wrk(
    wrk: &Path,
    dir: &Path,
    addr: &str,
    path: &str,
    body: &str,
    connections: usize,
    seconds: u64,
) -> Tally {
    let script = dir.join("post.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = {body:?}\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {TOKEN}\"\n"
        ),
    )
    .expect("wrk script");
    let started = Instant::now();
    let out = Command::new(wrk)
        .args(["--latency", "-t", "2"])
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("-s")
        .arg(&script)
        .arg(format!("http://{addr}{path}"))
        .output()
        .expect("running wrk");
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut tally = Tally {
        elapsed,
        ..Tally::default()
    };
    let (mut p50, mut p99) = (None, None);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", d] => p50 = wrk_duration(d),
            ["99%", d] => p99 = wrk_duration(d),
            [n, "requests", "in", t, ..] => {
                tally.requests = n.parse().unwrap_or(0);
                if let Some(t) = wrk_duration(t.trim_end_matches(',')) {
                    tally.elapsed = t;
                }
            }
            ["Non-2xx", "or", "3xx", "responses:", n] => tally.errors += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                tally.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    // Non-2xx answers are counted by wrk among the requests: they are not served searches.
    tally.requests = tally.requests.saturating_sub(tally.errors);
    if let (Some(a), Some(b)) = (p50, p99) {
        tally.wrk_percentiles = Some((a, b));
    }
    tally
}

fn write_setup(dir: &Path, targets: &[Target]) -> PathBuf {
    let key = SecretKey::generate().expect("randomness");
    key.write_files(&dir.join("dev-signing"), "language load bench", false)
        .expect("key files");
    let mut connectors = String::new();
    for t in targets {
        let secret = dir.join(format!("{}.secret", t.id));
        std::fs::write(&secret, t.secret.1).expect("secret");
        let policy = dir.join(format!("{}.toml", t.id));
        // As many calls at once as the load has connections, and then some: a refused call
        // (overloaded) would be an error, not a measurement.
        std::fs::write(
            &policy,
            format!(
                "connector = \"{}\"\n[limits]\nmax_concurrent = 64\n[config]\nbase_url = \"{}\"\n[secrets]\n{} = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                t.id,
                t.base_url,
                t.secret.0,
                secret.display()
            ),
        )
        .expect("policy");
        let bytes = std::fs::read(t.component).expect("the component");
        let component = dir.join(format!("{}.wasm", t.id));
        std::fs::write(
            &component,
            signing::sign(&bytes, &key).expect("a component to sign"),
        )
        .expect("signed copy");
        connectors.push_str(&format!(
            "[[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n",
            component.display(),
            policy.display()
        ));
    }
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n[trust]\nkeys = [\"dev-signing.pub\"]\n{connectors}[roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\"]\n[[users]]\nid = \"bench\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(TOKEN))
        ),
    )
    .expect("config");
    config
}

fn main() {
    let seconds: u64 = env_or("INTEROP_BENCH_SECONDS", 10);
    let rounds: u32 = env_or("INTEROP_BENCH_ROUNDS", 3);
    let connections: usize = env_or("INTEROP_BENCH_CONNECTIONS", 16);
    let only = std::env::var("INTEROP_BENCH_ONLY").ok();
    let wrk = match std::env::var("INTEROP_BENCH_LOADGEN").as_deref() {
        Ok("internal") => None,
        _ => ["/usr/bin/wrk", "/usr/local/bin/wrk"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists()),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Each connector against a stand-in of its own, seeded as always.
        let kestrel = kestrel_rms_standin::StandIn::start(Default::default())
            .await
            .expect("the Kestrel stand-in starts");
        let custody = osprey_standin::StandIn::start(Default::default())
            .await
            .expect("an Osprey stand-in starts");
        let intel = osprey_standin::StandIn::start(Default::default())
            .await
            .expect("an Osprey stand-in starts");
        let targets = vec![
            Target {
                language: "Rust",
                id: "kestrel-rms",
                component: interop_test_artifacts::KESTREL_RMS,
                secret: ("api_key", kestrel_rms_standin::DEFAULT_API_KEY),
                base_url: kestrel.base_url(),
                body: query_body("kestrel-rms"),
            },
            Target {
                language: "JavaScript",
                id: "osprey-intel",
                component: interop_test_artifacts::OSPREY_INTEL_JS,
                secret: ("token", osprey_standin::DEFAULT_API_KEY),
                base_url: intel.base_url(),
                body: query_body("osprey-intel"),
            },
            Target {
                language: "Python",
                id: "osprey-custody",
                component: interop_test_artifacts::OSPREY_CUSTODY_PY,
                secret: ("api_key", osprey_standin::DEFAULT_API_KEY),
                base_url: custody.base_url(),
                body: query_body("osprey-custody"),
            },
        ];
        let dir = std::env::temp_dir().join(format!("interop-bench-lang-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let config = write_setup(&dir, &targets);
        let (mut gateway, addr) = start_interop(&config);
        let targets: Vec<Target> = targets
            .into_iter()
            .filter(|t| match only.as_deref() {
                None => true,
                Some(o) => t.language.to_lowercase().starts_with(&o.to_lowercase()),
            })
            .collect();

        println!("answers (frozen stand-ins and queries):");
        for t in &targets {
            let path = format!("/v1/connectors/{}/search", t.id);
            let (status, text) = post_once(&addr, &path, &t.body).await;
            assert!(status.is_success(), "{}: {status} {text}", t.id);
            let records = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("records").and_then(|r| r.as_array()).map(Vec::len))
                .unwrap_or(0);
            println!(
                "  {:<15} {:<10} {records} records, {} bytes per answer",
                t.id,
                t.language,
                text.len()
            );
        }
        // Warm every connector: slots in the pool, connections to the stand-ins, page cache.
        for t in &targets {
            let path = format!("/v1/connectors/{}/search", t.id);
            let _ = load_internal(&addr, &path, &t.body, connections, 2).await;
        }
        let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let mut results: Vec<Tally> = targets.iter().map(|_| Tally::default()).collect();
        let mut wrk_p: Vec<Vec<(Duration, Duration)>> = targets.iter().map(|_| Vec::new()).collect();
        for round in 0..rounds {
            for (i, t) in targets.iter().enumerate() {
                let path = format!("/v1/connectors/{}/search", t.id);
                let tally = match &wrk {
                    Some(wrk) => load_wrk(wrk, &dir, &addr, &path, &t.body, connections, seconds),
                    None => load_internal(&addr, &path, &t.body, connections, seconds).await,
                };
                println!(
                    "round {} {:<15} {:>8.0} rps  {} errors",
                    round + 1,
                    t.id,
                    tally.rps(),
                    tally.errors
                );
                let r = &mut results[i];
                r.latencies.extend(tally.latencies);
                r.requests += tally.requests;
                r.errors += tally.errors;
                r.elapsed += tally.elapsed;
                if let Some(p) = tally.wrk_percentiles {
                    wrk_p[i].push(p);
                }
            }
        }
        println!(
            "\n{connections} keep-alive connections, {rounds} rounds of {seconds} s per connector, alternating; load generator: {}; load average before: {}",
            wrk.as_ref().map_or("in-process".to_string(), |p| p.display().to_string()),
            load_before.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        );
        println!("\n| connector | language | rps | × Rust | p50 | p99 | p99 × Rust | errors |");
        println!("|---|---|---|---|---|---|---|---|");
        let mut rows = Vec::new();
        for (i, (t, r)) in targets.iter().zip(results.iter_mut()).enumerate() {
            // wrk reports percentiles per round: the median round's, for each.
            let (p50, p99) = if wrk_p[i].is_empty() {
                (r.percentile(0.50), r.percentile(0.99))
            } else {
                let mut p50s: Vec<Duration> = wrk_p[i].iter().map(|p| p.0).collect();
                let mut p99s: Vec<Duration> = wrk_p[i].iter().map(|p| p.1).collect();
                p50s.sort();
                p99s.sort();
                (p50s[p50s.len() / 2], p99s[p99s.len() / 2])
            };
            rows.push((t.language, t.id, r.rps(), p50, p99, r.errors));
        }
        let rust = rows.iter().find(|r| r.0 == "Rust").map(|r| (r.2, r.4));
        for (language, id, rps, p50, p99, errors) in &rows {
            let (x, px) = match rust {
                Some((rrps, rp99)) => (
                    format!("{:.2}", rps / rrps),
                    format!("{:.1}", p99.as_secs_f64() / rp99.as_secs_f64()),
                ),
                None => ("–".into(), "–".into()),
            };
            println!(
                "| {id} | {language} | {rps:.0} | {x} | {:.2} ms | {:.2} ms | {px} | {errors} |",
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3,
            );
        }
        // SIGTERM: the gateway finishes and closes its audit log.
        let _ = Command::new("kill").arg(gateway.id().to_string()).status();
        let _ = gateway.wait();
        let _ = std::fs::remove_dir_all(&dir);
    });
}
