//! The log end to end: concurrent appends, group commit, every tamper case, a torn tail, query.

use std::path::PathBuf;

/// A fresh directory under the system temp dir, unique to this test run.
pub(crate) fn scratch(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "interop-audit-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

use std::path::Path;
use std::time::Duration;

use super::line::{self, sha256_hex};
use super::*;

#[path = "../../tests/support/busy_log.rs"]
mod busy_log;

fn rec(i: u64) -> AuditRecord {
    let mut r = AuditRecord::new(AuditEvent::Access, "search");
    r.user = Some(format!("pc-{}", i % 3));
    r.role = Some("investigator".into());
    r.justification = Some("Enquiry into burglary KR/2026/000301".into());
    r.category = Some(S62Category::Consultation);
    r.criteria = Some(Criteria {
        kind: Some("person".into()),
        text: Some(format!("Example{i}")),
        ..Criteria::default()
    });
    r.connectors = vec![ConnectorRef {
        id: if i.is_multiple_of(2) {
            "kestrel-rms"
        } else {
            "harrier-anpr"
        }
        .into(),
        version: "1.0.0".into(),
        component_sha256: "00".repeat(32),
        ..ConnectorRef::default()
    }];
    r.disclosed = vec![format!("kestrel-rms:person:NOM-{i:06}")];
    r.subjects = vec![format!("person:example{i}:1988-03-14")];
    r.status = 200;
    r.correlation_id = format!("c-{i}");
    r.policy_decision = "allowed: role investigator may search kestrel-rms".into();
    r
}

fn opts(every: u64) -> Options {
    Options {
        checkpoint_every: every,
        // Long, so the only checkpoints in these tests are the counted ones and the final one.
        checkpoint_interval: Duration::from_secs(3600),
        ..Options::default()
    }
}

/// A closed log of `n` records with a checkpoint every `every`: its path.
async fn closed_log(name: &str, n: u64, every: u64) -> PathBuf {
    let dir = scratch(name);
    let log = AuditLog::open_with(&dir, "gw-test", opts(every))
        .await
        .unwrap();
    for i in 1..=n {
        log.append(rec(i)).await.unwrap();
    }
    log.close().await.unwrap();
    dir.join(LOG_FILE)
}

fn lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(log: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    if !lines.is_empty() {
        text.push('\n');
    }
    std::fs::write(log, text).unwrap();
}

/// Re-seal a line whose body was changed: recompute its hash as the writer would.
fn reseal(line: &str) -> String {
    let body = &line[..line.len() - (9 + 64 + 2)];
    let hash = sha256_hex(format!("{body}}}").as_bytes());
    format!("{body},\"hash\":\"{hash}\"}}")
}

fn hash_of(line: &str) -> String {
    line::parse_line(line.as_bytes()).unwrap().hash
}

fn problem(log: &Path) -> Problem {
    let report = verify(log, None).unwrap();
    report
        .problem
        .clone()
        .unwrap_or_else(|| panic!("expected tampering to be found: {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_are_durable_contiguous_and_verify() {
    let dir = scratch("concurrent");
    let log = AuditLog::open_with(&dir, "gw-test", opts(50))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..300 {
        let log = log.clone();
        tasks.spawn(async move { log.append(rec(i)).await.unwrap() });
    }
    let mut appended = Vec::new();
    while let Some(a) = tasks.join_next().await {
        appended.push(a.unwrap());
    }
    // Every acknowledged record is in the file already, before close.
    let on_disk = std::fs::read_to_string(log.path().unwrap()).unwrap();
    for a in &appended {
        assert!(
            on_disk.contains(&a.hash),
            "seq {} acknowledged but not written",
            a.seq
        );
    }
    let report = verify(log.path().unwrap(), None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.records, 300);
    // 300 records, a checkpoint after each 50: every seq from 1 to 306 is a line, in order.
    assert_eq!(report.last_seq, 306);
    assert_eq!(report.last_checkpoint.as_ref().unwrap().seq, 306);
    let mut seqs: Vec<u64> = appended.iter().map(|a| a.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 300);
    assert!(
        seqs.iter().all(|s| !s.is_multiple_of(51)),
        "a record took a checkpoint's seq"
    );

    log.close().await.unwrap();
    assert!(matches!(log.append(rec(1)).await, Err(AuditError::Closed)));
    log.close().await.unwrap();
    let report = verify(&dir.join(LOG_FILE), None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.head_seq, Some(report.last_seq));
}

#[tokio::test(flavor = "current_thread")]
async fn group_commit_shares_one_sync_among_queued_appends() {
    let dir = scratch("group");
    let log = AuditLog::open_with(&dir, "gw-test", opts(1_000_000))
        .await
        .unwrap();
    // On a current-thread runtime the spawned tasks all run, and queue their record, before
    // any answer comes back: the writer finds them waiting together.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..500 {
        let log = log.clone();
        tasks.spawn(async move { log.append(rec(i)).await.unwrap() });
    }
    while let Some(a) = tasks.join_next().await {
        a.unwrap();
    }
    let stats = log.stats();
    assert_eq!(stats.records, 500);
    assert!(
        stats.syncs * 10 <= stats.records,
        "500 queued appends took {} syncs: not batched",
        stats.syncs
    );
    // One at a time, each append waits for its own sync.
    for i in 0..5 {
        log.append(rec(i)).await.unwrap();
    }
    assert_eq!(log.stats().syncs, stats.syncs + 5);
    log.close().await.unwrap();
    assert!(verify(&dir.join(LOG_FILE), None).unwrap().is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn under_load_a_sync_waits_its_window_for_company_and_a_quiet_log_does_not() {
    let dir = scratch("window");
    let window = Duration::from_secs(2);
    let options = Options {
        group_window: window,
        ..opts(1_000_000)
    };
    let log = AuditLog::open_with(&dir, "gw-test", options).await.unwrap();
    // Quiet: a lone append is synced at once, not after the window.
    let started = std::time::Instant::now();
    log.append(rec(0)).await.unwrap();
    assert!(
        started.elapsed() < window,
        "a lone append on a quiet log waited {:?}",
        started.elapsed()
    );
    assert_eq!(log.stats().syncs, 1);
    // Load: a burst arrives together and is synced in batches of many...
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let log = log.clone();
        tasks.spawn(async move { log.append(rec(i)).await.unwrap() });
    }
    while let Some(a) = tasks.join_next().await {
        a.unwrap();
    }
    busy_log::end_on_a_shared_sync(&log, |i| rec(300 + i)).await;
    let before = log.stats().syncs;
    // ...so the next append waits for company: one arriving 100 ms later shares its sync.
    let first = {
        let log = log.clone();
        tokio::spawn(async move { log.append(rec(1)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    log.append(rec(2)).await.unwrap();
    first.await.unwrap().unwrap();
    assert_eq!(
        log.stats().syncs,
        before + 1,
        "two appends 100 ms apart inside a 2 s window took separate syncs"
    );
    log.close().await.unwrap();
    assert!(verify(&dir.join(LOG_FILE), None).unwrap().is_ok());
}

#[tokio::test]
async fn an_untouched_log_verifies_with_its_checkpoints_and_head() {
    let log = closed_log("clean", 250, 100).await;
    let report = verify(&log, None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.records, 250);
    // 100 records, cp 101, 100 records, cp 202, 50 records, final cp 253.
    assert_eq!(report.last_seq, 253);
    assert_eq!(report.head_seq, Some(253));
    assert_eq!(report.unsigned_tail, 0);
    assert!(report.torn.is_none());
    assert!(report.to_string().starts_with("ok:"), "{report}");
}

#[tokio::test]
async fn an_edited_record_is_named() {
    let log = closed_log("edit", 250, 100).await;
    let mut l = lines(&log);
    l[41] = l[41].replace("\"pc-0\"", "\"pc-9\"");
    assert!(l[41].contains("pc-9"));
    write_lines(&log, &l);
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::Edited, Some(42), Some(42))
    );
}

#[tokio::test]
async fn an_edited_and_rehashed_record_breaks_the_chain_after_it() {
    let log = closed_log("rehash", 250, 100).await;
    let mut l = lines(&log);
    l[41] = reseal(&l[41].replace("\"pc-0\"", "\"pc-9\""));
    write_lines(&log, &l);
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::ChainBroken, Some(43), Some(43))
    );
}

#[tokio::test]
async fn a_rewritten_chain_fails_at_the_next_signed_checkpoint() {
    let log = closed_log("rechain", 250, 100).await;
    let mut l = lines(&log);
    // Edit seq 42 and re-chain every line after it up to the checkpoint at 101, as an
    // attacker without the key would have to.
    l[41] = reseal(&l[41].replace("\"pc-0\"", "\"pc-9\""));
    for i in 42..=100 {
        let old_prev = hash_of(&l[i - 1]);
        let real_prev = line::parse_line(l[i].as_bytes()).unwrap().prev;
        l[i] = reseal(&l[i].replace(&real_prev, &old_prev));
        assert_ne!(real_prev, old_prev);
    }
    write_lines(&log, &l);
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::BadSignature, Some(101), Some(101))
    );
}

#[tokio::test]
async fn a_deleted_record_is_named() {
    let log = closed_log("delete", 250, 100).await;
    let mut l = lines(&log);
    l.remove(41);
    write_lines(&log, &l);
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::Deleted, Some(42), Some(42))
    );
    assert!(p.message.contains("seq 42 is missing"), "{}", p.message);
}

#[tokio::test]
async fn swapped_records_are_named() {
    let log = closed_log("swap", 250, 100).await;
    let mut l = lines(&log);
    l.swap(41, 42);
    write_lines(&log, &l);
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::Reordered, Some(42), Some(42))
    );
    assert!(p.message.contains("at line 43"), "{}", p.message);
}

#[tokio::test]
async fn cutting_the_tail_after_a_checkpoint_is_caught_by_the_head() {
    let log = closed_log("cut-tail", 250, 100).await;
    let mut l = lines(&log);
    // Keep everything up to the checkpoint at seq 202: the chain alone is intact.
    l.truncate(202);
    write_lines(&log, &l);
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::Truncated, Some(203), Some(203))
    );
    assert!(p.message.contains("seq 253"), "{}", p.message);
}

#[tokio::test]
async fn cutting_everything_after_a_record_is_caught() {
    let log = closed_log("cut-deep", 250, 100).await;
    let mut l = lines(&log);
    l.truncate(30);
    write_lines(&log, &l);
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::Truncated, Some(31), Some(31))
    );
    // Deleting the whole log is the same.
    std::fs::remove_file(&log).unwrap();
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::Truncated, Some(1), Some(1))
    );
}

#[tokio::test]
async fn a_cut_that_looks_like_a_crash_is_still_truncation() {
    let log = closed_log("cut-torn", 250, 100).await;
    let text = std::fs::read(&log).unwrap();
    let l = lines(&log);
    let keep: usize = l[..30].iter().map(|x| x.len() + 1).sum::<usize>() + 20;
    std::fs::write(&log, &text[..keep]).unwrap();
    let report = verify(&log, None).unwrap();
    assert!(report.torn.is_some());
    let p = report.problem.unwrap();
    assert_eq!((p.kind, p.line), (ProblemKind::Truncated, Some(31)));
}

#[tokio::test]
async fn a_changed_checkpoint_signature_is_named() {
    let log = closed_log("sig", 250, 100).await;
    let mut l = lines(&log);
    let cp = line::parse_line(l[100].as_bytes()).unwrap();
    let super::line::Entry::Checkpoint(c) = cp.entry else {
        panic!("line 101 is not a checkpoint");
    };
    let mut forged = c.signature.clone();
    forged.replace_range(0..2, if &forged[0..2] == "00" { "11" } else { "00" });
    // Changed without re-hashing, the line no longer matches its hash…
    l[100] = l[100].replace(&c.signature, &forged);
    write_lines(&log, &l);
    assert_eq!(problem(&log).kind, ProblemKind::Edited);
    // …and re-hashed (with the chain after it mended), the signature itself fails.
    l[100] = reseal(&l[100]);
    let real_prev = line::parse_line(l[101].as_bytes()).unwrap().prev;
    l[101] = reseal(&l[101].replace(&real_prev, &hash_of(&l[100])));
    write_lines(&log, &l);
    let p = problem(&log);
    assert_eq!(
        (p.kind, p.line, p.seq),
        (ProblemKind::BadSignature, Some(101), Some(101))
    );
}

#[tokio::test]
async fn another_key_is_reported_as_unknown() {
    let log = closed_log("other-key", 150, 100).await;
    let other = scratch("other-key-pub").join("other.pub");
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    std::fs::write(&other, hex::encode(key.verifying_key().as_bytes())).unwrap();
    let report = verify(&log, Some(&other)).unwrap();
    let p = report.problem.unwrap();
    assert_eq!((p.kind, p.line), (ProblemKind::UnknownKey, Some(101)));
}

#[tokio::test]
async fn a_deleted_head_is_reported() {
    let log = closed_log("no-head", 20, 100).await;
    std::fs::remove_file(log.with_file_name(HEAD_FILE)).unwrap();
    assert_eq!(problem(&log).kind, ProblemKind::HeadMissing);
}

#[tokio::test]
async fn a_torn_last_line_is_not_tampering_and_open_continues_the_chain() {
    let log = closed_log("torn", 150, 100).await;
    let l = lines(&log);
    let n = l.len() as u64;
    // A crash mid-write: part of the next line, no newline.
    let torn = &l[5][..40];
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut f, torn.as_bytes()).unwrap();
    drop(f);

    let report = verify(&log, None).unwrap();
    assert!(report.is_ok(), "{report}");
    let t = report.torn.clone().unwrap();
    assert_eq!((t.line, t.bytes), (n + 1, 40));
    assert!(report.to_string().contains("TORN LAST LINE"), "{report}");

    let dir = log.parent().unwrap();
    let audit = AuditLog::open_with(dir, "gw-test", opts(100))
        .await
        .unwrap();
    let a = audit.append(rec(1)).await.unwrap();
    // Seq n+1 is the admin record saying the torn bytes were moved; this one follows it.
    assert_eq!(a.seq, n + 2);
    audit.close().await.unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join(format!("{LOG_FILE}.torn-1"))).unwrap(),
        torn
    );
    let report = verify(&log, None).unwrap();
    assert!(report.is_ok() && report.torn.is_none(), "{report}");
    let admin = query(
        &log,
        &Filter {
            operation: Some("audit-torn-tail-recovered".into()),
            ..Filter::default()
        },
    )
    .unwrap();
    assert_eq!(admin.len(), 1);
    assert_eq!(admin[0].event, AuditEvent::Admin);
}

#[tokio::test]
async fn open_refuses_to_append_after_tampering() {
    let log = closed_log("refuse", 30, 100).await;
    let mut l = lines(&log);
    l.remove(3);
    write_lines(&log, &l);
    let before = std::fs::read(&log).unwrap();
    let err = AuditLog::open(log.parent().unwrap(), "gw-test")
        .await
        .err()
        .unwrap();
    assert!(matches!(err, AuditError::Tampered(_)), "{err}");
    assert!(err.to_string().contains("line 4 (seq 4)"), "{err}");
    assert_eq!(
        std::fs::read(&log).unwrap(),
        before,
        "the evidence was changed"
    );
}

#[tokio::test]
async fn a_second_writer_is_refused() {
    let dir = scratch("lock");
    let first = AuditLog::open(&dir, "gw-a").await.unwrap();
    let second = AuditLog::open(&dir, "gw-b").await;
    assert!(matches!(second, Err(AuditError::Locked(_))));
    first.close().await.unwrap();
}

#[tokio::test]
async fn reopening_continues_the_chain() {
    let log = closed_log("reopen", 30, 100).await;
    let audit = AuditLog::open(log.parent().unwrap(), "gw-test")
        .await
        .unwrap();
    // 30 records and the final checkpoint came before.
    assert_eq!(audit.append(rec(1)).await.unwrap().seq, 32);
    audit.close().await.unwrap();
    let report = verify(&log, None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.records, 31);
}

#[tokio::test]
async fn a_quiet_log_is_checkpointed_within_the_interval() {
    let dir = scratch("interval");
    let options = Options {
        checkpoint_every: 100,
        checkpoint_interval: Duration::from_millis(50),
        ..Options::default()
    };
    let log = AuditLog::open_with(&dir, "gw-test", options).await.unwrap();
    log.append(rec(1)).await.unwrap();
    // Wait (up to 10 s, so a slow machine does not fail it) for the head to cover the record.
    let mut head_seq = 0;
    for _ in 0..200 {
        head_seq = verify(log.path().unwrap(), None)
            .unwrap()
            .head_seq
            .unwrap_or(0);
        if head_seq >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(head_seq, 2);
    assert_eq!(log.stats().checkpoints, 1);
    log.close().await.unwrap();
    // Nothing written since: close adds no checkpoint.
    assert_eq!(log.stats().checkpoints, 1);
}

#[tokio::test]
async fn query_filters_by_user_connector_subject_time_and_operation() {
    let dir = scratch("query");
    let log = AuditLog::open_with(&dir, "gw-test", opts(4)).await.unwrap();
    for i in 1..=9 {
        let mut r = rec(i);
        r.time = format!("2026-03-{:02}T10:00:00.000000Z", 10 + i);
        log.append(r).await.unwrap();
    }
    let mut admin = AuditRecord::new(AuditEvent::Admin, "connector-added");
    admin.user = Some("admin-1".into());
    admin.time = "2026-03-30T10:00:00.000000Z".into();
    log.append(admin).await.unwrap();
    log.close().await.unwrap();
    let path = dir.join(LOG_FILE);

    let find = |f: Filter| -> Vec<String> {
        query(&path, &f)
            .unwrap()
            .into_iter()
            .map(|r| r.correlation_id)
            .collect()
    };
    assert_eq!(
        find(Filter::default()).len(),
        10,
        "checkpoints are not records"
    );
    assert_eq!(
        find(Filter {
            user: Some("pc-1".into()),
            ..Filter::default()
        }),
        ["c-1", "c-4", "c-7"]
    );
    assert_eq!(
        find(Filter {
            connector: Some("harrier-anpr".into()),
            ..Filter::default()
        }),
        ["c-1", "c-3", "c-5", "c-7", "c-9"]
    );
    assert_eq!(
        find(Filter {
            subject: Some("PERSON:EXAMPLE5:1988-03-14".into()),
            ..Filter::default()
        }),
        ["c-5"]
    );
    assert_eq!(
        find(Filter {
            subject: Some("kestrel-rms:person:NOM-000006".into()),
            ..Filter::default()
        }),
        ["c-6"]
    );
    assert_eq!(
        find(Filter {
            subject: Some("person:example1*".into()),
            ..Filter::default()
        }),
        ["c-1"]
    );
    assert_eq!(
        find(Filter {
            since: Some(parse_time("2026-03-13").unwrap()),
            until: Some(parse_time("2026-03-15T10:00:00Z").unwrap()),
            ..Filter::default()
        }),
        ["c-3", "c-4"]
    );
    let admin = query(
        &path,
        &Filter {
            operation: Some("connector-added".into()),
            ..Filter::default()
        },
    )
    .unwrap();
    assert_eq!(admin.len(), 1);
    assert_eq!(admin[0].user.as_deref(), Some("admin-1"));
    assert_eq!(admin[0].gateway, "gw-test");
    assert!(parse_time("last tuesday").is_err());
    // What was given is shown escaped, so a request or a shell cannot reach a terminal.
    let e = parse_time("x\u{1b}[2J\nforged").unwrap_err().to_string();
    assert!(e.starts_with("`x\\u{1b}[2J\\nforged` is not a time"), "{e}");
    assert!(!e.chars().any(char::is_control));

    // A torn last line is skipped, not an error.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"seq\":99,\"pr").unwrap();
    assert_eq!(find(Filter::default()).len(), 10);
}

#[tokio::test]
async fn a_write_logged_as_intent_without_outcome_is_reported_not_tampering() {
    let dir = scratch("intent");
    let log = AuditLog::open_with(&dir, "gw-test", opts(100))
        .await
        .unwrap();
    for (id, phases) in [
        ("a-1", &[Phase::Intent, Phase::Outcome][..]),
        ("a-2", &[Phase::Intent][..]),
    ] {
        for phase in phases {
            let mut r = AuditRecord::new(AuditEvent::Access, "submit");
            r.access_id = Some(id.into());
            r.phase = Some(*phase);
            r.user = Some("pc-1".into());
            r.correlation_id = format!("c-{id}");
            r.connectors = vec![ConnectorRef {
                id: "kestrel-rms".into(),
                ..ConnectorRef::default()
            }];
            log.append(r).await.unwrap();
        }
    }
    log.close().await.unwrap();
    let report = verify(&dir.join(LOG_FILE), None).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.open_intents_total, 1, "{report}");
    assert_eq!(report.open_intents[0].access_id, "a-2");
    assert_eq!(report.open_intents[0].connectors, ["kestrel-rms"]);
    let text = report.to_string();
    assert!(
        text.contains("WRITES WITH NO OUTCOME") && text.contains("c-a-2"),
        "{text}"
    );
}

#[tokio::test]
async fn continuations_come_back_whole_and_out_of_place_ones_are_caught() {
    let dir = scratch("continuations");
    let log = AuditLog::open_with(&dir, "gw-test", opts(3)).await.unwrap();
    let mut big = rec(1);
    big.disclosed = (0..(MAX_IDS_PER_LINE * 2 + 5))
        .map(|i| format!("kestrel-rms:person:NOM-{i:06}"))
        .collect();
    log.append(rec(0)).await.unwrap();
    let appended = log.append(big.clone()).await.unwrap();
    log.append(rec(2)).await.unwrap();
    log.close().await.unwrap();
    let path = dir.join(LOG_FILE);
    assert!(verify(&path, None).unwrap().is_ok());
    let hits = query_hits(&path, &Filter::default()).unwrap();
    assert_eq!(hits.len(), 3, "continuations are not separate records");
    assert_eq!(hits[1].seq, appended.seq);
    assert_eq!(hits[1].record.disclosed, big.disclosed);
    assert_eq!(hits[1].record.continuations, 2);
    // Ids in a continuation are found by subject queries too.
    let last = big.disclosed.last().unwrap().clone();
    let found = query(
        &path,
        &Filter {
            subject: Some(last),
            ..Filter::default()
        },
    )
    .unwrap();
    assert_eq!(found.len(), 1);
    // Pages: one record at a time, each page naming where the next starts.
    let first = query_page(&path, &Filter::default(), None, 2).unwrap();
    assert_eq!(first.records.len(), 2);
    let second = query_page(&path, &Filter::default(), first.next, 2).unwrap();
    assert_eq!(second.records.len(), 1);
    assert_eq!(second.next, None);
    assert_eq!(second.records[0].record.correlation_id, "c-2");
}

/// Strings an attacker might send: control characters, bidi controls, zero-width characters,
/// JSON-looking nesting, quotes and backslashes, at up to several times the caps.
fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        9 => light_text(),
        1 => Just("é".repeat(MAX_TEXT_CHARS + 7)),
        1 => (1usize..600).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
    ]
}

/// Ids: many short hostile ones, sometimes one longer than a whole line's budget.
fn hostile_ids() -> impl proptest::strategy::Strategy<Value = Vec<String>> {
    use proptest::prelude::*;
    (
        proptest::collection::vec(light_text(), 0..(MAX_IDS_PER_LINE + 40)),
        proptest::option::weighted(0.2, Just("x".repeat(MAX_ID_BYTES_PER_LINE + 1))),
    )
        .prop_map(|(mut ids, giant)| {
            ids.extend(giant);
            ids
        })
}

fn light_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        "[\\x00-\\x1f\\x7f]{1,8}",
        "[\\u{80}-\\u{9f}]{1,4}",
        "[\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{200b}-\\u{200f}\\u{feff}]{1,6}",
        "[a-zA-Z0-9 ]{1,40}",
        "[\"\\\\{}\\[\\]:,]{1,20}",
        "\\PC{1,20}",
        (1usize..40).prop_map(|n| "{\"a\":".repeat(n)),
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn hostile_record() -> impl proptest::strategy::Strategy<Value = AuditRecord> {
    use proptest::prelude::*;
    let text = hostile_text;
    let opt = || proptest::option::of(hostile_text());
    let ids = hostile_ids;
    (
        (opt(), opt(), opt(), opt(), text(), text()),
        (ids(), ids(), proptest::collection::vec(text(), 0..4)),
        (
            opt(),
            proptest::collection::vec((text(), text()), 0..4),
            proptest::collection::vec((text(), text()), 0..40),
            opt(),
            opt(),
        ),
    )
        .prop_map(
            |(
                (user, justification, case_reference, detail, operation, correlation_id),
                (disclosed, withheld_ids, subjects),
                (criteria_text, keys, filters, local_id, client_correlation_id),
            )| {
                let mut r = AuditRecord::new(AuditEvent::Access, operation);
                r.user = user;
                r.justification = justification;
                r.case_reference = case_reference;
                r.detail = detail;
                r.correlation_id = correlation_id;
                r.client_correlation_id = client_correlation_id;
                r.disclosed = disclosed;
                r.withheld_ids = withheld_ids;
                r.subjects = subjects;
                r.criteria = Some(Criteria {
                    kind: Some("person".into()),
                    text: criteria_text,
                    keys: keys
                        .into_iter()
                        .map(|(kind, value)| CriteriaKey {
                            kind,
                            value,
                            ..CriteriaKey::default()
                        })
                        .collect(),
                    local_id,
                    filters: filters.into_iter().collect(),
                    ..Criteria::default()
                });
                r
            },
        )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        // Each case writes, syncs, verifies and reopens a log: a few dozen cover the
        // generators' mixes without making the suite slow.
        cases: 24,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Whatever the writer writes, the reader, `verify`, `query` and the start-up check read,
    /// with every id whole and every text field within its cap.
    #[test]
    fn whatever_the_writer_writes_every_reader_reads(
        records in proptest::collection::vec(hostile_record(), 1..4)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let dir = scratch("prop");
            let log = AuditLog::open_with(&dir, "gw-prop", opts(2)).await.unwrap();
            for r in &records {
                log.append(r.clone()).await.unwrap();
            }
            log.close().await.unwrap();
            let path = dir.join(LOG_FILE);
            let report = verify(&path, None).unwrap();
            assert!(report.is_ok(), "{report}");
            let hits = query_hits(&path, &Filter::default()).unwrap();
            assert_eq!(hits.len(), records.len());
            for (hit, written) in hits.iter().zip(&records) {
                let got = &hit.record;
                assert_eq!(got.disclosed, written.disclosed, "ids are never cut");
                assert_eq!(got.withheld_ids, written.withheld_ids);
                assert_eq!(got.subjects, written.subjects);
                assert_eq!(
                    got.criteria.as_ref().and_then(|c| c.local_id.clone()),
                    written.criteria.as_ref().and_then(|c| c.local_id.clone())
                );
                for text in [&got.justification, &got.case_reference, &got.detail].into_iter().flatten() {
                    assert!(text.chars().count() <= MAX_TEXT_CHARS);
                }
                assert!(got.operation.chars().count() <= MAX_LABEL_CHARS);
                assert!(got.correlation_id.chars().count() <= MAX_LABEL_CHARS);
            }
            // Every line on its own is small apart from ids, whatever the request carried.
            for line in lines(&path) {
                assert!(line::parse_line(line.as_bytes()).is_ok());
            }
            // The next start reads it and appends after it.
            let again = AuditLog::open_with(&dir, "gw-prop", opts(2)).await.unwrap();
            again.append(rec(1)).await.unwrap();
            again.close().await.unwrap();
            assert!(verify(&path, None).unwrap().is_ok());
            let _ = std::fs::remove_dir_all(&dir);
        });
    }
}
