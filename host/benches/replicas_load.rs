//! Scale-out benchmark: requests per second, latency and CPU per request for a federated
//! `/v1/search` with audit on, through one gateway on the file backend and through 1, 2 and 3
//! replicas sharing one audit chain in PostgreSQL, side by side in the same run.
//!
//! Every gateway is the real `interop serve` in its own process; the load generator, the
//! Kestrel stand-in and a PostgreSQL started by scripts/pg.sh (Debian's, over TLS with
//! sslmode=verify-full, as the docs recommend) share the machine with them. Connections are
//! spread round-robin over the replicas in play. CPU is read from /proc: each gateway process's
//! user + system time, and the PostgreSQL server's (the postmaster, its live backends and the
//! ones it reaped), divided by the requests answered.
//!
//! ```sh
//! cargo bench -p interop --bench replicas_load
//! ```
//!
//! Settings (environment): `INTEROP_BENCH_SECONDS` per scenario and round (default 10),
//! `INTEROP_BENCH_ROUNDS` (default 3; the scenarios alternate within each round so all see the
//! same machine noise), `INTEROP_BENCH_CONNECTIONS` (default 32 keep-alive connections).

#[path = "../tests/support/postgres.rs"]
mod postgres;
#[path = "support/queries.rs"]
mod queries;
#[path = "support/load.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use support::{Side, TOKEN, Tally, env_or, load, start_interop, start_interop_with};

/// User + system CPU of one process, and of the children it has reaped, from /proc.
fn cpu_of(pid: u32, with_reaped: bool) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // After the command's closing parenthesis: state is field 3; utime 14, stime 15, cutime 16,
    // cstime 17 (1-based).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Duration::ZERO;
    };
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    let field = |n: usize| f.get(n - 3).copied().unwrap_or(0);
    let mut ticks = field(14) + field(15);
    if with_reaped {
        ticks += field(16) + field(17);
    }
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_nanos(ticks * 1_000_000_000 / hz)
}

/// The PostgreSQL server's CPU so far: the postmaster with what it reaped, and its live children.
fn postgres_cpu(postmaster: u32) -> Duration {
    let mut total = cpu_of(postmaster, true);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(postmaster) {
                total += cpu_of(pid, false);
            }
        }
    }
    total
}

struct Scenario {
    name: &'static str,
    /// Worker threads per replica: the default (one per core) or `--threads 1`.
    threads: &'static str,
    replicas: usize,
    addrs: Vec<String>,
    pids: Vec<u32>,
    on_postgres: bool,
}

#[derive(Default)]
struct Totals {
    tally: Tally,
    /// Lines the scenario added to the shared chain, and the transactions that wrote them.
    lines: u64,
    transactions: u64,
    gateway_cpu: Duration,
    postgres_cpu: Duration,
}

fn write_config(
    dir: &Path,
    id: &str,
    storage: &str,
    replica_keys: &[PathBuf],
    common: &Path,
) -> PathBuf {
    std::fs::create_dir_all(dir).expect("replica dir");
    let keys: Vec<String> = replica_keys
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"{id}\"\n\
             [audit]\ndir = \"audit\"\n{storage}\
             [trust]\nkeys = [\"{common}/dev-signing.pub\"]\nreplica_keys = [{}]\n\
             [[connectors]]\ncomponent = \"{common}/connector.wasm\"\npolicy = \"{common}/kestrel-rms.toml\"\n\
             [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
             [[users]]\nid = \"bench\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"official\"\n",
            keys.join(", "),
            hex::encode(token_sha256(TOKEN)),
            common = common.display(),
        ),
    )
    .expect("config");
    config
}

fn main() {
    let seconds: u64 = env_or("INTEROP_BENCH_SECONDS", 10);
    let rounds: u32 = env_or("INTEROP_BENCH_ROUNDS", 3);
    let connections: usize = env_or("INTEROP_BENCH_CONNECTIONS", 32);
    let component: PathBuf = std::env::var("INTEROP_BENCH_COMPONENT")
        .unwrap_or_else(|_| interop_test_artifacts::KESTREL_RMS.to_string())
        .into();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let pg = postgres::Postgres::start("bench");
        let postmaster = pg.postmaster_pid();
        let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
            .await
            .expect("the stand-in starts");
        let root = std::env::temp_dir().join(format!("interop-bench-replicas-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let common = root.join("common");
        std::fs::create_dir_all(&common).expect("scratch dir");
        let secret = common.join("kestrel.secret");
        std::fs::write(&secret, kestrel_rms_standin::DEFAULT_API_KEY).expect("secret");
        std::fs::write(
            common.join("kestrel-rms.toml"),
            format!(
                "connector = \"kestrel-rms\"\n[limits]\nmax_concurrent = 256\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                vendor.base_url(),
                secret.display()
            ),
        )
        .expect("policy");
        let key = SecretKey::generate().expect("randomness");
        key.write_files(&common.join("dev-signing"), "replicas bench", false)
            .expect("key files");
        let bytes = std::fs::read(&component).expect("the component");
        std::fs::write(
            common.join("connector.wasm"),
            signing::sign(&bytes, &key).expect("a component to sign"),
        )
        .expect("signed copy");

        // One gateway on files; three replicas on PostgreSQL with the default runtime (one
        // worker thread per core), and three more started with `--threads 1`, as replicas
        // sharing a machine would be given their share of it. All six trust each other's keys.
        let ids = ["gw-1", "gw-2", "gw-3", "gw-1t", "gw-2t", "gw-3t"];
        let files_config = write_config(&root.join("files"), "gw-files", "", &[], &common);
        let pubs: Vec<PathBuf> = ids
            .iter()
            .map(|id| {
                let audit = root.join(id).join("audit");
                interop_audit::replica_key(&audit).expect("replica key");
                audit.join("gateway.pub")
            })
            .collect();
        let storage = format!("[storage]\nbackend = \"postgres\"\nurl = \"{}\"\n", pg.url_tls);
        let mut children: Vec<Child> = Vec::new();
        let (child, files_addr) = start_interop(&files_config);
        let files_pid = child.id();
        children.push(child);
        // Three more gateways on files, each with its own log: what three processes on these
        // two cores cost per request with no database at all, the floor under the replicas'.
        let mut solo_addrs = Vec::new();
        let mut solo_pids = Vec::new();
        for id in ["gw-solo-1", "gw-solo-2", "gw-solo-3"] {
            let config = write_config(&root.join(id), id, "", &[], &common);
            let (child, addr) = start_interop_with(&config, &["--threads", "1"]);
            solo_pids.push(child.id());
            solo_addrs.push(addr);
            children.push(child);
        }
        let mut pg_addrs = Vec::new();
        let mut pg_pids = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let others: Vec<PathBuf> = pubs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| p.clone())
                .collect();
            let config = write_config(&root.join(id), id, &storage, &others, &common);
            let extra: &[&str] = if i < 3 { &[] } else { &["--threads", "1"] };
            let (child, addr) = start_interop_with(&config, extra);
            pg_pids.push(child.id());
            pg_addrs.push(addr);
            children.push(child);
        }
        let mut scenarios = vec![Scenario {
            name: "files",
            threads: "default",
            replicas: 1,
            addrs: vec![files_addr],
            pids: vec![files_pid],
            on_postgres: false,
        }];
        scenarios.push(Scenario {
            name: "files, own logs",
            threads: "1 each",
            replicas: 3,
            addrs: solo_addrs,
            pids: solo_pids,
            on_postgres: false,
        });
        for n in 1..=3 {
            scenarios.push(Scenario {
                name: "postgres",
                threads: "default",
                replicas: n,
                addrs: pg_addrs[..n].to_vec(),
                pids: pg_pids[..n].to_vec(),
                on_postgres: true,
            });
        }
        for n in 2..=3 {
            scenarios.push(Scenario {
                name: "postgres",
                threads: "1 each",
                replicas: n,
                addrs: pg_addrs[3..3 + n].to_vec(),
                pids: pg_pids[3..3 + n].to_vec(),
                on_postgres: true,
            });
        }
        let side = |s: &Scenario| Side {
            name: s.name,
            path: "/v1/search".into(),
            method: "POST",
            body: Some(queries::surname_search("load benchmark", "person", "Examplewood")),
            token: true,
            addrs: s.addrs.clone(),
        };
        // Warm every gateway: first calls, connection pools, page cache.
        for s in &scenarios {
            let _ = load(&side(s), connections, 2).await;
        }
        let mut totals: Vec<Totals> = scenarios.iter().map(|_| Totals::default()).collect();
        for round in 0..rounds {
            for (i, s) in scenarios.iter().enumerate() {
                let tip = || -> u64 { pg.psql("SELECT seq FROM audit_tip").trim().parse().unwrap_or(0) };
                let seq_before = if s.on_postgres { tip() } else { 0 };
                let gw_before: Duration = s.pids.iter().map(|p| cpu_of(*p, false)).sum();
                let pg_before = postgres_cpu(postmaster);
                let driven = side(s);
                let t = load(&driven, connections, seconds).await;
                let gw = s.pids.iter().map(|p| cpu_of(*p, false)).sum::<Duration>() - gw_before;
                let pgc = if s.on_postgres {
                    postgres_cpu(postmaster).saturating_sub(pg_before)
                } else {
                    Duration::ZERO
                };
                println!(
                    "round {} {:<15} x{} threads {:<7} {:>7.0} rps  {} errors",
                    round + 1,
                    driven.name,
                    s.replicas,
                    s.threads,
                    t.rps(),
                    t.errors
                );
                let total = &mut totals[i];
                if s.on_postgres {
                    // Each line's xmin is the transaction that inserted it.
                    let counted = pg.psql(&format!(
                        "SELECT count(*), count(DISTINCT xmin::text) FROM audit_lines \
                         WHERE seq > {seq_before}"
                    ));
                    let mut f = counted.trim().split('|').map(|v| v.parse::<u64>().unwrap_or(0));
                    total.lines += f.next().unwrap_or(0);
                    total.transactions += f.next().unwrap_or(0);
                }
                total.tally.latencies.extend(t.latencies);
                total.tally.errors += t.errors;
                total.tally.elapsed += t.elapsed;
                total.gateway_cpu += gw;
                total.postgres_cpu += pgc;
            }
        }
        println!(
            "\n/v1/search (one connector, audit on), {connections} connections spread round-robin \
             over the replicas, {rounds} rounds of {seconds} s per scenario, alternating\n"
        );
        println!(
            "| audit backend | replicas | worker threads | rps | p50 | p99 | gateway CPU / request | PostgreSQL CPU / request | total CPU / request | lines / transaction | errors |\n|---|---|---|---|---|---|---|---|---|---|---|"
        );
        let mut rps = Vec::new();
        let mut cpu = Vec::new();
        for (s, t) in scenarios.iter().zip(totals.iter_mut()) {
            let n = t.tally.latencies.len().max(1) as f64;
            let gw = t.gateway_cpu.as_secs_f64() * 1e3 / n;
            let pgc = t.postgres_cpu.as_secs_f64() * 1e3 / n;
            rps.push(t.tally.rps());
            cpu.push(gw + pgc);
            println!(
                "| {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.3} ms | {:.3} ms | {:.3} ms | {} | {} |",
                s.name,
                s.replicas,
                s.threads,
                t.tally.rps(),
                t.tally.percentile(0.50).as_secs_f64() * 1e3,
                t.tally.percentile(0.99).as_secs_f64() * 1e3,
                gw,
                pgc,
                gw + pgc,
                if t.transactions > 0 {
                    format!("{:.1}", t.lines as f64 / t.transactions as f64)
                } else {
                    "-".into()
                },
                t.tally.errors
            );
        }
        println!(
            "\npostgres x1 / files rps: {:.2} (goal >= 0.7); CPU per request, postgres x3 / x1: {:.2} \
             with the default threads, {:.2} with --threads 1 each (goal <= 1.2)",
            rps[2] / rps[0],
            cpu[4] / cpu[2],
            cpu[6] / cpu[2]
        );
        println!(
            "three gateways on files with their own logs, --threads 1 each / one: {:.2} \
             (the same machine's price for three processes, no database)",
            cpu[1] / cpu[0]
        );
        for mut child in children {
            // SIGTERM: each gateway finishes and closes its audit log.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
        let verify = Command::new(env!("CARGO_BIN_EXE_interop"))
            .args(["audit", "verify", "--database", &pg.url_tls])
            .args(pubs.iter().flat_map(|p| ["--key".into(), p.display().to_string()]))
            .output()
            .expect("interop audit verify");
        println!(
            "\nthe shared chain afterwards: {}",
            String::from_utf8_lossy(&verify.stdout).trim()
        );
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
        let _ = std::fs::remove_dir_all(&root);
    });
}
