//! A fixed number of calls of one operation of one connector, with the counters a profile of a
//! fresh-instance call needs beside its time: page faults per call (minor faults are pages a
//! call touched for the first time since the pool last reset them) and the process's resident
//! memory after. Run it under `perf record` to see where the time goes.
//!
//! ```sh
//! cargo bench -p interop-sandbox --bench call_profile -- python search 2000
//! perf record -g target/release/deps/call_profile-* python describe 5000
//! ```
//!
//! Arguments: the language (`rust`, `python`, `js`), the operation (`describe`, `search`) and
//! the number of calls (default 1000), after 100 warm-up calls. `INTEROP_PROFILE_CONCURRENCY`
//! (default 1) runs that many calls at once, as a gateway under load does.

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

fn faults() -> (u64, u64) {
    // /proc/self/stat: minflt is field 10, majflt field 12 (1-based).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let at = |i: usize| fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
    (at(7), at(9))
}

/// CPU time this process has used (user and system), in microseconds.
fn cpu_micros() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let at = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime (fields 14 and 15) are in clock ticks of 1/100 s on Linux.
    (at(11) + at(12)) * 1e4
}

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let language = args.first().map_or("rust", String::as_str).to_string();
    let operation = args.get(1).map_or("search", String::as_str).to_string();
    let calls: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let concurrency: usize = std::env::var("INTEROP_PROFILE_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let host = interop_sandbox::Host::new().expect("host");
        let lang = common::languages()
            .into_iter()
            .find(|l| l.name == language)
            .unwrap_or_else(|| panic!("no language {language}: rust, python or js"));
        let vendors = common::Vendors::start().await;
        let connector = common::our_side(&host, lang.component)
            .await
            .with_grant(common::grant(&vendors.base(lang.vendor), lang.secret))
            .expect("grant");
        let run = |n: usize| {
            let per_task = n.div_ceil(concurrency);
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| {
                    let c = connector.clone();
                    let q = lang.query.clone();
                    let operation = operation.clone();
                    tokio::spawn(async move {
                        let ctx = common::context();
                        for _ in 0..per_task {
                            match operation.as_str() {
                                "describe" => {
                                    c.describe().await.expect("describe");
                                }
                                "search" => {
                                    if let Err(e) = c.search(&ctx, &q).await {
                                        // A profiling build reports through its error,
                                        // printed whole.
                                        match e {
                                            interop_sandbox::CallError::Connector {
                                                error: interop_sandbox::types::ConnectorError::Internal(m),
                                                ..
                                            } => eprintln!("search failed:\n{m}"),
                                            e => eprintln!("search failed: {e}"),
                                        }
                                        std::process::exit(1);
                                    }
                                }
                                other => panic!("operation {other}: describe or search"),
                            }
                        }
                    })
                })
                .collect();
            async move {
                for t in tasks {
                    t.await.expect("task");
                }
                per_task * concurrency
            }
        };
        run(100).await;
        let (minor0, major0) = faults();
        let cpu0 = cpu_micros();
        let started = Instant::now();
        let done = run(calls).await;
        let elapsed = started.elapsed();
        let (minor1, major1) = faults();
        let cpu = cpu_micros() - cpu0;
        println!(
            "{language} {operation}: {done} calls, {:.1} µs/call, {:.1} µs CPU/call (this process, stand-ins included), {:.1} minor + {:.2} major page faults/call, {:.0} MiB resident, concurrency {concurrency}",
            elapsed.as_secs_f64() * 1e6 / done as f64,
            cpu / done as f64,
            (minor1 - minor0) as f64 / done as f64,
            (major1 - major0) as f64 / done as f64,
            resident_mib(),
        );
    });
}
