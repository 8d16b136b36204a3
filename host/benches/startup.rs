//! Start-up benchmark: the time from starting `interop serve` to its first answered search,
//! with 20 distinct connectors of mixed languages, warm and cold.
//!
//! - **warm**: the 20 are installed in the plugin store (`interop plugin install`, which
//!   compiles each once and keeps the native code): a start verifies each component and its
//!   artifact, loads the native code and describes each connector.
//! - **cold**: the same 20 as `[[connectors]]` files, which the gateway compiles at every
//!   start, as the store does for a component compiled by another engine configuration.
//!
//! The 20 are the Kestrel and Harrier (Rust), Osprey Custody (Python) and Osprey Intel
//! (JavaScript) connectors, each copy with its id rewritten in place (`kestrel-r07`, …, same
//! length), so every one is a distinct component with its own hash, signature and compiled
//! code. The first search goes to the first Kestrel copy, against its stand-in.
//!
//! Run with `scripts/bench-startup.sh`. Settings: `INTEROP_BENCH_STARTS` (default 3 of each);
//! `INTEROP_BENCH_COLD=0` skips the cold starts (minutes each); `INTEROP_BENCH_DIR=DIR` keeps
//! the 20 signed components and the installed store in `DIR` and reuses them on the next run
//! (installing compiles all 20: minutes); `INTEROP_BENCH_BASELINE=BINARY` also times another
//! `interop` build (e.g. main's) against the same store, its warm starts alternating with this
//! build's, and prints this build's time as a ratio of it.

#[path = "support/queries.rs"]
mod queries;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};

const TOKEN: &str = "bench-token-0000000000000001";
/// Distinct connectors started together: a force with a score of systems.
const CONNECTORS: usize = 20;

/// A connector to copy: its component, its id, and the key its policy grants.
struct Base {
    component: &'static str,
    id: &'static str,
    secret: (&'static str, &'static str),
}

fn bases() -> [Base; 4] {
    [
        Base {
            component: interop_test_artifacts::KESTREL_RMS,
            id: "kestrel-rms",
            secret: ("api_key", kestrel_rms_standin::DEFAULT_API_KEY),
        },
        Base {
            component: interop_test_artifacts::OSPREY_CUSTODY_PY,
            id: "osprey-custody",
            secret: ("api_key", osprey_standin::DEFAULT_API_KEY),
        },
        Base {
            component: interop_test_artifacts::OSPREY_INTEL_JS,
            id: "osprey-intel",
            secret: ("token", osprey_standin::DEFAULT_API_KEY),
        },
        Base {
            component: interop_test_artifacts::HARRIER_ANPR,
            id: "harrier-anpr",
            secret: ("token", harrier_anpr_standin::DEFAULT_API_KEY),
        },
    ]
}

/// `bytes` with every occurrence of `from` replaced by `to` (the same length).
fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + from.len() <= out.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
    out
}

/// The copy's id: the base id with its last two characters replaced by the copy's number.
fn copy_id(base: &str, n: usize) -> String {
    format!("{}{n:02}", &base[..base.len() - 2])
}

fn start_interop(binary: &Path, config: &Path) -> (Child, String, Duration) {
    use std::io::BufRead as _;
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["serve", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run interop serve");
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("interop serve's first line");
    let listening = started.elapsed();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("interop serve did not start: {line:?}"))
        .to_string();
    (child, addr, listening)
}

async fn first_search(addr: &str, id: &str) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let body = queries::surname_search("start-up benchmark", "person", "Examplewood");
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("/v1/connectors/{id}/search"))
        .header("host", addr)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let response = sender.send_request(request).await.expect("answer");
    let status = response.status();
    let text = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&text)
    );
}

fn stop(mut gateway: Child) {
    let _ = Command::new("kill").arg(gateway.id().to_string()).status();
    let _ = gateway.wait();
}

/// Write the 20 signed components, their policies and secrets, a cold and a warm
/// configuration into `dir`, and install the 20 into the warm configuration's store.
fn prepare(dir: &Path, vendor_url: &str) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("store")).expect("scratch dir");
    let key = SecretKey::generate().expect("randomness");
    key.write_files(&dir.join("dev-signing"), "start-up bench", false)
        .expect("key files");
    let bases = bases();
    let mut made: Vec<(String, PathBuf, PathBuf)> = Vec::new();
    let mut languages = [0usize; 4];
    for n in 0..CONNECTORS {
        // Rust, Python, JavaScript in turn, the Rust ones alternating Kestrel and Harrier.
        let which = match n % 3 {
            0 if (n / 3) % 2 == 0 => 0,
            0 => 3,
            1 => 1,
            _ => 2,
        };
        let base = &bases[which];
        languages[which] += 1;
        let id = copy_id(base.id, n);
        let bytes = std::fs::read(base.component).expect("the component");
        let bytes = replace_all(&bytes, base.id.as_bytes(), id.as_bytes());
        let component = dir.join(format!("{id}.wasm"));
        std::fs::write(&component, signing::sign(&bytes, &key).expect("signable"))
            .expect("component");
        let secret = dir.join(format!("{id}.secret"));
        std::fs::write(&secret, base.secret.1).expect("secret");
        let policy = dir.join(format!("{id}.toml"));
        std::fs::write(
            &policy,
            format!(
                "connector = \"{id}\"\n[config]\nbase_url = \"{vendor_url}\"\n[secrets]\n{} = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                base.secret.0,
                secret.display()
            ),
        )
        .expect("policy");
        made.push((id, component, policy));
    }
    let common = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n[trust]\nkeys = [\"dev-signing.pub\"]\n[roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\"]\n[[users]]\nid = \"bench\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"official\"\n",
        hex::encode(token_sha256(TOKEN))
    );
    // Cold: every connector a file the gateway compiles as it starts.
    let mut text = common.clone();
    for (_, component, policy) in &made {
        text.push_str(&format!(
            "[[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n",
            component.display(),
            policy.display()
        ));
    }
    std::fs::write(dir.join("cold.toml"), text).expect("config");
    // Warm: every connector installed in the store, compiled once at install.
    let warm = dir.join("warm.toml");
    std::fs::write(
        &warm,
        format!(
            "{common}[store]\ndir = \"{}\"\n",
            dir.join("store").display()
        ),
    )
    .expect("config");
    println!(
        "installing {CONNECTORS} connectors ({} Kestrel, {} Harrier, {} Osprey Custody (Python), {} Osprey Intel (JavaScript)) into the plugin store",
        languages[0], languages[3], languages[1], languages[2]
    );
    let installing = Instant::now();
    for (id, component, policy) in &made {
        let status = Command::new(env!("CARGO_BIN_EXE_interop"))
            .args(["plugin", "--config"])
            .arg(&warm)
            .args(["--actor", "bench", "install"])
            .arg(component)
            .arg("--policy")
            .arg(policy)
            .stdout(Stdio::null())
            .status()
            .expect("interop plugin install");
        assert!(status.success(), "installing {id} failed");
    }
    println!("installed in {:.1} s", installing.elapsed().as_secs_f64());
}

/// One start of `binary` with `config`, to its first answered search: (to `listening`, to the
/// answer).
async fn time_start(binary: &Path, config: &Path, first: &str, dir: &Path) -> (Duration, Duration) {
    let started = Instant::now();
    let (gateway, addr, listening) = start_interop(binary, config);
    first_search(&addr, first).await;
    let answered = started.elapsed();
    stop(gateway);
    // The next start audits into a log of its own.
    let _ = std::fs::remove_dir_all(dir.join("audit"));
    (listening, answered)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let starts: usize = var("INTEROP_BENCH_STARTS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let cold_too = var("INTEROP_BENCH_COLD").as_deref() != Some("0");
    let kept = var("INTEROP_BENCH_DIR").map(PathBuf::from);
    let baseline = var("INTEROP_BENCH_BASELINE").map(PathBuf::from);
    let this = PathBuf::from(env!("CARGO_BIN_EXE_interop"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = kept.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("interop-bench-start-{}", std::process::id()))
        });
        // A kept directory is reused when its install finished; its policies name the
        // stand-in's port, so the stand-in listens there again.
        let ready = dir.join("installed");
        let reuse = kept.is_some() && ready.exists();
        let listen = if reuse {
            std::fs::read_to_string(&ready)
                .ok()
                .and_then(|t| t.trim().parse().ok())
                .expect("the kept directory's stand-in address")
        } else {
            std::net::SocketAddr::from(([127, 0, 0, 1], 0))
        };
        let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config {
            listen,
            ..Default::default()
        })
        .await
        .expect("the Kestrel stand-in starts");
        if reuse {
            println!("reusing the {CONNECTORS} connectors installed in {}", dir.display());
        } else {
            prepare(&dir, &kestrel.base_url());
            if kept.is_some() {
                std::fs::write(&ready, kestrel.addr.to_string()).expect("marker");
            }
        }
        let first = copy_id(bases()[0].id, 0);
        let warm = dir.join("warm.toml");
        let cold = dir.join("cold.toml");
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!(
            "load average before: {}",
            load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        );
        println!("\n| build | start | run | to `listening` | to first answered search |\n|---|---|---|---|---|");
        let mut builds = vec![("this", this.clone())];
        if let Some(b) = &baseline {
            builds.insert(0, ("baseline", b.clone()));
        }
        let mut answered: Vec<Vec<f64>> = vec![Vec::new(); builds.len()];
        // Warm starts alternate between the builds, so both see the same machine.
        for run in 0..starts {
            for (i, (build, binary)) in builds.iter().enumerate() {
                let (l, a) = time_start(binary, &warm, &first, &dir).await;
                answered[i].push(ms(a));
                println!(
                    "| {build} | warm (store, compiled code cached) | {} | {:.0} ms | {:.0} ms |",
                    run + 1,
                    ms(l),
                    ms(a)
                );
            }
        }
        if cold_too {
            for run in 0..starts.min(2) {
                let (l, a) = time_start(&this, &cold, &first, &dir).await;
                println!(
                    "| this | cold (compiled at start) | {} | {:.0} ms | {:.0} ms |",
                    run + 1,
                    ms(l),
                    ms(a)
                );
            }
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!(
            "\nload average after: {}",
            load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        );
        for (i, (build, _)) in builds.iter().enumerate() {
            println!(
                "{build}: warm to first answered search, median of {starts}: {:.0} ms",
                median(answered[i].clone())
            );
        }
        if builds.len() == 2 {
            println!(
                "this / baseline (medians): {:.2}",
                median(answered[1].clone()) / median(answered[0].clone())
            );
        }
        if kept.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    });
}
