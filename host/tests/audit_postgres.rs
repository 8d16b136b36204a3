//! The audit chain in a real PostgreSQL (scripts/pg.sh): three replicas appending at once make
//! one chain that `interop audit verify --database` checks, over TLS with sslmode=verify-full;
//! every checkpoint needs its replica's key; edits and cut-off tails are caught; a wrong CA or
//! a TLS mode that checks nothing is refused.

#[path = "support/busy_log.rs"]
mod busy_log;
#[path = "support/postgres.rs"]
mod postgres;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use interop_audit::{
    AuditError, AuditEvent, AuditLog, AuditRecord, Filter, Options, Outcome, PgConfig, PgLog,
    replica_key,
};
use postgres::Postgres;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-pgaudit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn record(replica: usize, i: usize) -> AuditRecord {
    let mut r = AuditRecord::new(AuditEvent::Access, "search");
    r.user = Some(format!("pc-{replica}"));
    r.justification = Some(format!("Enquiry KR/2026/{i:06}"));
    r.subjects = vec![format!("person:example{i}")];
    r.outcome = Outcome::Ok;
    r.status = 200;
    r.correlation_id = format!("r{replica}-{i}");
    r
}

fn options(every: u64) -> Options {
    Options {
        checkpoint_every: every,
        checkpoint_interval: Duration::from_secs(3600),
        ..Options::default()
    }
}

fn config(url: &str) -> PgConfig {
    PgConfig {
        url: url.to_string(),
        ca_file: None,
    }
}

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .output()
        .unwrap()
}

fn verify_cli(url: &str, keys: &[&Path]) -> Output {
    let mut args = vec!["audit", "verify", "--database", url];
    for k in keys {
        args.push("--key");
        args.push(k.to_str().unwrap());
    }
    interop(&args)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The same server, another database in it.
fn database(pg: &Postgres, url: &str, name: &str) -> String {
    pg.psql(&format!("CREATE DATABASE {name}"));
    url.replacen("/postgres?", &format!("/{name}?"), 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_append_one_chain_that_verifies_and_tampering_is_caught() {
    let pg = Postgres::start("chain");
    let root = scratch("chain");
    let dirs: Vec<PathBuf> = (1..=3).map(|i| root.join(format!("gw-{i}"))).collect();
    let keys: Vec<_> = dirs.iter().map(|d| replica_key(d).unwrap()).collect();
    let pubs: Vec<PathBuf> = dirs.iter().map(|d| d.join("gateway.pub")).collect();
    let pub_refs: Vec<&Path> = pubs.iter().map(PathBuf::as_path).collect();

    // Three replicas start at once (the migration runs once) and reach the server over TLS,
    // its certificate and name checked against the CA.
    let opened = futures_join3(
        PgLog::open(
            &config(&pg.url_tls),
            &dirs[0],
            "gw-1",
            keys.clone(),
            options(40),
        ),
        PgLog::open(
            &config(&pg.url_tls),
            &dirs[1],
            "gw-2",
            keys.clone(),
            options(40),
        ),
        PgLog::open(
            &config(&pg.url_tls),
            &dirs[2],
            "gw-3",
            keys.clone(),
            options(40),
        ),
    )
    .await;
    let logs: Vec<AuditLog> = opened
        .into_iter()
        .map(|r| AuditLog::new(r.unwrap()))
        .collect();
    // Three replicas starting at once applied each migration once (the audit chain's, the
    // plugin store's, the per-user state's).
    assert_eq!(
        pg.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM interop_migrations")
            .trim(),
        "1,2,3"
    );

    // 3 × 150 appends at once, spread over the replicas.
    let mut tasks = Vec::new();
    for (n, log) in logs.iter().enumerate() {
        for i in 0..150 {
            let log = log.clone();
            tasks.push(tokio::spawn(
                async move { log.append(record(n + 1, i)).await },
            ));
        }
    }
    let mut seqs = BTreeSet::new();
    for t in tasks {
        let appended = t.await.unwrap().unwrap();
        assert!(
            seqs.insert(appended.seq),
            "seq {} given twice",
            appended.seq
        );
    }
    assert_eq!(seqs.len(), 450);
    // Group commit: fewer transactions than records.
    let transactions: u64 = logs.iter().map(|l| l.stats().syncs).sum();
    assert!(
        transactions < 450,
        "{transactions} transactions for 450 records"
    );
    for log in &logs {
        log.close().await.unwrap();
    }
    assert!(matches!(
        logs[0].append(record(1, 999)).await,
        Err(AuditError::Closed)
    ));

    // Every replica signed checkpoints of its own, and one chain holds them all.
    assert_eq!(
        pg.psql("SELECT count(DISTINCT gateway) FROM audit_lines WHERE checkpoint")
            .trim(),
        "3"
    );
    let out = verify_cli(&pg.url_tls, &pub_refs);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("450 records"), "{}", text(&out));

    // Without one replica's key, its checkpoints cannot be trusted: the chain does not verify,
    // and a replica that does not trust it refuses to append.
    let out = verify_cli(&pg.url_tls, &pub_refs[..2]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("TAMPERED"), "{}", text(&out));
    let refused = PgLog::open(
        &config(&pg.url),
        &dirs[0],
        "gw-1",
        keys[..2].to_vec(),
        options(40),
    )
    .await;
    assert!(
        matches!(refused, Err(AuditError::Tampered(_))),
        "{:?}",
        refused.err()
    );

    // Read back through a replica: pages in chain order, whole records.
    let log = AuditLog::new(
        PgLog::open(
            &config(&pg.url),
            &dirs[0],
            "gw-1",
            keys.clone(),
            options(40),
        )
        .await
        .unwrap(),
    );
    let page = log.page(Filter::default(), None, 10).await.unwrap();
    assert_eq!(page.records.len(), 10);
    assert!(page.records.windows(2).all(|w| w[0].seq < w[1].seq));
    let next = page.next.expect("more pages");
    let page2 = log.page(Filter::default(), Some(next), 10).await.unwrap();
    assert!(page2.records[0].seq > next);
    let user2 = Filter {
        user: Some("pc-2".into()),
        ..Filter::default()
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let reader = log.clone();
    let streamed = tokio::spawn(async move { reader.stream(user2, None, None, tx).await });
    let mut n = 0;
    while let Some(hit) = rx.recv().await {
        assert_eq!(hit.record.user.as_deref(), Some("pc-2"));
        n += 1;
    }
    streamed.await.unwrap().unwrap();
    assert_eq!(n, 150);
    assert!(log.verify().await.unwrap().is_ok());
    log.close().await.unwrap();

    // An edited line is caught, by the CLI and by a replica opening the chain.
    pg.psql("UPDATE audit_lines SET line = replace(line, 'KR/2026/', 'KR/2025/') WHERE seq = 7");
    let out = verify_cli(&pg.url, &pub_refs);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("edited"), "{}", text(&out));
    let refused = PgLog::open(
        &config(&pg.url),
        &dirs[1],
        "gw-2",
        keys.clone(),
        options(40),
    )
    .await;
    assert!(matches!(refused, Err(AuditError::Tampered(_))));

    // A tail cut off after a signed checkpoint is caught: the tip still holds that checkpoint.
    let url = database(&pg, &pg.url, "truncated");
    let one = AuditLog::new(
        PgLog::open(&config(&url), &dirs[0], "gw-1", keys.clone(), options(20))
            .await
            .unwrap(),
    );
    for i in 0..50 {
        one.append(record(1, i)).await.unwrap();
    }
    one.close().await.unwrap();
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-d",
            &url,
            "-c",
            "DELETE FROM audit_lines WHERE seq > 30",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = verify_cli(&url, &pub_refs);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("cut off"), "{}", text(&out));
    // And a deleted tip is named as such.
    let out = Command::new("psql")
        .args(["-X", "-q", "-d", &url, "-c", "DELETE FROM audit_tip"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = verify_cli(&url, &pub_refs);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("(the audit_tip row) is missing"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_a_transaction_waits_its_window_for_company_and_a_quiet_replica_does_not() {
    let pg = Postgres::start("window");
    let dir = scratch("window");
    let key = replica_key(&dir).unwrap();
    let window = Duration::from_secs(2);
    let opened = PgLog::open(
        &config(&pg.url_tls),
        &dir,
        "gw-w",
        vec![key],
        Options {
            group_window: window,
            ..options(1_000_000)
        },
    )
    .await
    .unwrap();
    let log = AuditLog::new(opened);
    // Quiet: a lone append is committed at once, not after the window.
    let started = std::time::Instant::now();
    log.append(record(1, 0)).await.unwrap();
    assert!(
        started.elapsed() < window,
        "a lone append on a quiet replica waited {:?}",
        started.elapsed()
    );
    assert_eq!(log.stats().syncs, 1);
    // Load: a burst arrives together and is committed in batches of many...
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=200 {
        let log = log.clone();
        tasks.spawn(async move { log.append(record(1, i)).await.unwrap() });
    }
    while let Some(a) = tasks.join_next().await {
        a.unwrap();
    }
    busy_log::end_on_a_shared_sync(&log, |i| record(1, 300 + i as usize)).await;
    let before = log.stats().syncs;
    // ...so the next append waits for company: one arriving 100 ms later shares its transaction.
    let first = {
        let log = log.clone();
        tokio::spawn(async move { log.append(record(1, 201)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = log.append(record(1, 202)).await.unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(
        log.stats().syncs,
        before + 1,
        "two appends 100 ms apart inside a 2 s window took separate transactions"
    );
    // Both are in the chain, in one transaction (the xmin that inserted their lines).
    let xmins = pg.psql(&format!(
        "SELECT count(DISTINCT xmin::text) FROM audit_lines WHERE seq IN ({}, {})",
        first.seq, second.seq
    ));
    assert_eq!(xmins.trim(), "1");
    log.close().await.unwrap();
    let out = verify_cli(&pg.url_tls, &[&dir.join("gateway.pub")]);
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test]
async fn tls_to_the_database_checks_the_server_and_a_mode_that_checks_nothing_is_refused() {
    let pg = Postgres::start("tls");
    let dir = scratch("tls");
    let key = replica_key(&dir).unwrap();

    // A CA that did not sign the server's certificate: no connection.
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let wrong_ca = dir.join("wrong-ca.pem");
    std::fs::write(&wrong_ca, other.cert.pem()).unwrap();
    let wrong = pg
        .url_tls
        .replace(pg.ca.to_str().unwrap(), wrong_ca.to_str().unwrap());
    let refused = PgLog::open(&config(&wrong), &dir, "gw-1", vec![key], options(10)).await;
    let why = refused
        .err()
        .expect("a server the CA did not sign")
        .to_string();
    assert!(why.contains("cannot connect"), "{why}");

    // Modes that encrypt without checking whom they talk to are refused before connecting.
    for mode in ["require", "prefer", "verify-ca"] {
        let url = pg
            .url
            .replace("sslmode=disable", &format!("sslmode={mode}"));
        let refused = PgLog::open(&config(&url), &dir, "gw-1", vec![key], options(10)).await;
        let why = refused
            .err()
            .expect("a mode that checks nothing")
            .to_string();
        assert!(why.contains(&format!("sslmode={mode}")), "{why}");
    }
    let no_ca = pg.url.replace("sslmode=disable", "sslmode=verify-full");
    let refused = PgLog::open(&config(&no_ca), &dir, "gw-1", vec![key], options(10)).await;
    let why = refused.err().expect("verify-full without a CA").to_string();
    assert!(why.contains("sslrootcert"), "{why}");

    // The CA given as ca_file instead of in the URL.
    let with_file = PgConfig {
        url: no_ca,
        ca_file: Some(pg.ca.clone()),
    };
    let log = AuditLog::new(
        PgLog::open(&with_file, &dir, "gw-1", vec![key], options(10))
            .await
            .unwrap(),
    );
    log.append(record(1, 1)).await.unwrap();
    log.close().await.unwrap();
    // Named in messages without its password.
    assert!(
        log.describe().starts_with("postgres://postgres@127.0.0.1:"),
        "{}",
        log.describe()
    );
}

/// Three futures at once, their results in order.
async fn futures_join3<A, B, C, T>(a: A, b: B, c: C) -> Vec<T>
where
    A: Future<Output = T>,
    B: Future<Output = T>,
    C: Future<Output = T>,
{
    let (a, b, c) = tokio::join!(a, b, c);
    vec![a, b, c]
}
