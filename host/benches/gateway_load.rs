//! Gateway load benchmark: requests per second and latency percentiles for a one-connector
//! search through `interop serve` with audit on, side by side in the same run with `wasmtime
//! serve` running a minimal proxy component that makes the same upstream call to the same
//! vendor stand-in and returns its body.
//!
//! Each server runs in its own process: the `interop` binary built with this bench, and
//! `wasmtime`. The load generator and the Kestrel stand-in run in this process and serve both
//! sides alike.
//!
//! Run it with `scripts/bench-gateway.sh`, which installs `wasmtime` 48 and builds the proxy;
//! by hand:
//!
//! ```sh
//! INTEROP_BENCH_WASMTIME=path/to/wasmtime INTEROP_BENCH_PROXY=path/to/guest_bench_proxy.wasm \
//!     cargo bench -p interop --bench gateway_load
//! ```
//!
//! Settings (environment): `INTEROP_BENCH_SECONDS` per round (default 10), `INTEROP_BENCH_ROUNDS`
//! (default 3, alternating sides so both see the same machine noise), `INTEROP_BENCH_CONNECTIONS`
//! (default 32 keep-alive connections), `INTEROP_BENCH_ONLY` (`ours` or `theirs`: drive one
//! side alone, e.g. under a profiler; no ratio is printed).

#[path = "support/queries.rs"]
mod queries;
#[path = "support/load.rs"]
mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use support::{Side, TOKEN, Tally, env_or, load, start_interop};

/// The stand-in's port: the proxy component has it compiled in.
const UPSTREAM: &str = "127.0.0.1:47100";

fn start_wasmtime(wasmtime: &PathBuf, proxy: &PathBuf, port: u16) -> Child {
    Command::new(wasmtime)
        .args(["serve", "-S", "cli", "--addr", &format!("127.0.0.1:{port}")])
        .arg(proxy)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", wasmtime.display()))
}

async fn wait_for(addr: &str) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on {addr}");
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken from the command line.
    let wasmtime: PathBuf = std::env::var("INTEROP_BENCH_WASMTIME")
        .expect("set INTEROP_BENCH_WASMTIME (scripts/bench-gateway.sh does)")
        .into();
    let proxy: PathBuf = std::env::var("INTEROP_BENCH_PROXY")
        .expect("set INTEROP_BENCH_PROXY (scripts/bench-gateway.sh does)")
        .into();
    let component: PathBuf = std::env::var("INTEROP_BENCH_COMPONENT")
        .unwrap_or_else(|_| interop_test_artifacts::KESTREL_RMS.to_string())
        .into();
    let seconds: u64 = env_or("INTEROP_BENCH_SECONDS", 10);
    let rounds: u32 = env_or("INTEROP_BENCH_ROUNDS", 3);
    let connections: usize = env_or("INTEROP_BENCH_CONNECTIONS", 32);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config {
            listen: UPSTREAM.parse().expect("literal"),
            ..kestrel_rms_standin::Config::default()
        })
        .await
        .expect("the stand-in starts on 127.0.0.1:47100");

        let dir = std::env::temp_dir().join(format!("interop-bench-gw-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let secret = dir.join("kestrel.secret");
        std::fs::write(&secret, kestrel_rms_standin::DEFAULT_API_KEY).expect("secret");
        let policy = dir.join("kestrel-rms.toml");
        std::fs::write(
            &policy,
            format!(
                "connector = \"kestrel-rms\"\n[limits]\nmax_concurrent = 256\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                vendor.base_url(),
                secret.display()
            ),
        )
        .expect("policy");
        // The gateway loads only signed connectors: a development key made now signs a copy.
        let key = SecretKey::generate().expect("randomness");
        key.write_files(&dir.join("dev-signing"), "gateway load bench", false)
            .expect("key files");
        let bytes = std::fs::read(&component).expect("the component");
        let component = dir.join("connector.wasm");
        std::fs::write(
            &component,
            signing::sign(&bytes, &key).expect("a component to sign"),
        )
        .expect("signed copy");
        let config = dir.join("gateway.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n[trust]\nkeys = [\"dev-signing.pub\"]\n[[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n[roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\"]\n[[users]]\nid = \"bench\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"official\"\n",
                component.display(),
                policy.display(),
                hex::encode(token_sha256(TOKEN))
            ),
        )
        .expect("config");
        // The real `interop serve`, in its own process like `wasmtime serve`: each side has its
        // own runtime and allocator, and shares only the load generator and the stand-in.
        let (mut gateway, ours) = start_interop(&config);
        let theirs_port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let mut child = start_wasmtime(&wasmtime, &proxy, theirs_port);
        let theirs = format!("127.0.0.1:{theirs_port}");
        wait_for(&theirs).await;

        let only = std::env::var("INTEROP_BENCH_ONLY").ok();
        let sides = [
            Side {
                name: "interop serve (audit on)",
                addrs: vec![ours],
                path: "/v1/connectors/kestrel-rms/search".into(),
                method: "POST",
                body: Some(queries::surname_search("load benchmark", "person", "Examplewood")),
                token: true,
            },
            Side {
                name: "wasmtime serve (proxy)",
                addrs: vec![theirs],
                path: "/".into(),
                method: "GET",
                body: None,
                token: false,
            },
        ];
        let sides: Vec<Side> = sides
            .into_iter()
            .enumerate()
            .filter(|(i, _)| match only.as_deref() {
                Some("ours") => *i == 0,
                Some("theirs") => *i == 1,
                Some(other) => panic!("INTEROP_BENCH_ONLY is `ours` or `theirs`, not `{other}`"),
                None => true,
            })
            .map(|(_, side)| side)
            .collect();
        // Warm both: first compiles, connection pools, page cache.
        for side in &sides {
            let _ = load(side, connections, 2).await;
        }
        let mut results: Vec<Tally> = sides.iter().map(|_| Tally::default()).collect();
        for round in 0..rounds {
            for (i, side) in sides.iter().enumerate() {
                let t = load(side, connections, seconds).await;
                println!(
                    "round {} {:<26} {:>8.0} rps  {} errors",
                    round + 1,
                    side.name,
                    t.rps(),
                    t.errors
                );
                results[i].latencies.extend(t.latencies);
                results[i].errors += t.errors;
                results[i].elapsed += t.elapsed;
            }
        }
        println!(
            "\n{connections} connections, {rounds} rounds of {seconds} s each side, alternating\n"
        );
        println!(
            "| side | rps | p50 | p90 | p99 | errors |\n|---|---|---|---|---|---|"
        );
        let mut rps = Vec::new();
        for (side, t) in sides.iter().zip(results.iter_mut()) {
            rps.push(t.rps());
            println!(
                "| {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {} |",
                side.name,
                t.rps(),
                t.percentile(0.50).as_secs_f64() * 1e3,
                t.percentile(0.90).as_secs_f64() * 1e3,
                t.percentile(0.99).as_secs_f64() * 1e3,
                t.errors
            );
        }
        if let [ours, theirs] = rps[..] {
            println!("\nours / theirs rps: {:.2}", ours / theirs);
        }
        let _ = child.kill();
        let _ = child.wait();
        // SIGTERM: the gateway finishes and closes its audit log.
        let _ = Command::new("kill")
            .arg(gateway.id().to_string())
            .status();
        let _ = gateway.wait();
        let _ = std::fs::remove_dir_all(&dir);
    });
}
