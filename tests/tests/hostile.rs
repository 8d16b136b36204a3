//! The hostile-plugin battery: a connector that tries to break out of, or break, the sandbox.
//! Each test asserts the exact failure, then that a well-behaved call works right after.
//!
//! The misbehaving guest is `tests/guests/misbehave`; its module docs list each behaviour.

use std::time::Duration;

use interop_sandbox::{CallError, Grant, Limits, TrapKind};
use interop_tests::{assert_still_serves, context, misbehave, outcome, query, search};

fn limits(f: impl FnOnce(&mut Limits)) -> Grant {
    let mut limits = Limits::default();
    f(&mut limits);
    Grant {
        limits,
        ..Grant::default()
    }
}

#[tokio::test]
async fn files_environment_and_arguments_are_not_there() {
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    for path in ["/etc/passwd", "/", ".", "/proc/self/environ"] {
        let read = outcome(&c, &format!("read-file:{path}")).await;
        assert!(read.starts_with("error: "), "{path}: {read}");
        let list = outcome(&c, &format!("list-dir:{path}")).await;
        assert!(list.starts_with("error: "), "{path}: {list}");
    }
    assert_eq!(outcome(&c, "env").await, "env: 0 vars");
    assert_eq!(outcome(&c, "args").await, "args: 0");
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn a_granted_directory_is_readable_and_read_only() {
    let dir = std::env::temp_dir().join(format!("interop-preopen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("reference.txt"), "synthetic reference data\n").unwrap();
    let grant = Grant {
        filesystem: vec![interop_sandbox::policy::Preopen {
            path: dir.clone(),
            guest: "/reference".into(),
        }],
        ..Grant::default()
    };
    let c = misbehave(interop_tests::host(), grant).await;
    assert_eq!(
        outcome(&c, "read-file:/reference/reference.txt").await,
        "ok: 25 bytes"
    );
    assert_eq!(
        outcome(&c, "list-dir:/reference").await,
        "ok: 1 entries: reference.txt"
    );
    // Outside the preopen there is still nothing.
    assert!(
        outcome(&c, "read-file:/etc/passwd")
            .await
            .starts_with("error: ")
    );
    assert!(
        outcome(&c, "read-file:/reference/../../etc/passwd")
            .await
            .starts_with("error: ")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn sockets_and_name_lookups_are_refused() {
    // A real listener the guest tries to reach: nothing may arrive.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    let tcp = outcome(&c, &format!("socket:{addr}")).await;
    assert!(tcp.starts_with("error: "), "{tcp}");
    let udp = outcome(&c, &format!("udp:{addr}")).await;
    assert!(udp.contains("error: "), "{udp}");
    let dns = outcome(&c, "dns:localhost").await;
    assert!(dns.starts_with("error: "), "{dns}");
    let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(accepted.is_err(), "the guest opened a connection");
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn a_huge_return_value_is_stopped_at_the_boundary() {
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    let err = search(&c, "huge-return").await.unwrap_err();
    assert!(
        matches!(err, CallError::Boundary { cap, .. } if cap == 16 << 20),
        "{err:?}"
    );
    assert_eq!(err.class(), "boundary");
    // Under the cap, a large answer is fine.
    let ok = search(&c, "big-return:2")
        .await
        .expect("2 MiB is under the cap");
    assert_eq!(ok.records.len(), 1);
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn the_boundary_cap_is_the_policys() {
    let c = misbehave(
        interop_tests::host(),
        limits(|l| l.boundary_bytes = 1 << 20),
    )
    .await;
    let err = search(&c, "big-return:2").await.unwrap_err();
    assert!(
        matches!(err, CallError::Boundary { cap, .. } if cap == 1 << 20),
        "{err:?}"
    );
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn a_huge_string_passed_to_a_host_import_is_stopped() {
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    let err = search(&c, "huge-log:32").await.unwrap_err();
    assert!(matches!(err, CallError::Boundary { .. }), "{err:?}");
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn many_small_transfers_add_up_to_the_boundary_cap() {
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    // 1 KiB lines: each one is small, 32 MiB of them is not.
    let err = search(&c, "log-flood:32768").await.unwrap_err();
    assert!(matches!(err, CallError::Boundary { .. }), "{err:?}");
    assert_eq!(outcome(&c, "log-flood:100").await, "logged 100 lines");
}

#[tokio::test]
async fn random_bytes_are_capped_per_request() {
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    assert_eq!(outcome(&c, "random:32").await, "ok: 32 bytes");
    let err = search(&c, "random:1073741824").await.unwrap_err();
    assert!(
        matches!(&err, CallError::Trap { kind: TrapKind::ImportRefused(why), .. } if why.contains("exceeds limit 65536")),
        "{err:?}"
    );
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn a_resource_handle_flood_stops_at_the_table_cap() {
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    assert_eq!(outcome(&c, "handles:1000").await, "ok: 1000 handles");
    for flood in ["handles:20000", "handles-fields:20000"] {
        let err = search(&c, flood).await.unwrap_err();
        assert!(
            matches!(&err, CallError::Trap { kind: TrapKind::ImportRefused(why), .. } if why.contains("resource table has no free keys")),
            "{flood}: {err:?}"
        );
    }
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn one_calls_memory_is_never_visible_to_the_next() {
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    // The probe works: in one instance it finds what it planted.
    let control = outcome(&c, "plant-then-peek:CASE-NOTE-7731").await;
    assert!(
        control.starts_with("memory found; static found"),
        "{control}"
    );
    for _ in 0..3 {
        assert_eq!(outcome(&c, "plant:CASE-NOTE-7731").await, "planted");
        let peek = outcome(&c, "peek:CASE-NOTE-7731").await;
        assert!(
            peek.starts_with("memory not found; static not found"),
            "{peek}"
        );
    }
}

#[tokio::test]
async fn more_concurrent_calls_than_the_policy_allows_are_refused() {
    let c = misbehave(interop_tests::host(), limits(|l| l.max_concurrent = 2)).await;
    let slow = |c: interop_sandbox::Connector| {
        tokio::spawn(async move { c.search(&context(), &query("sleep:1500")).await })
    };
    let first = slow(c.clone());
    let second = slow(c.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = search(&c, "ok").await.unwrap_err();
    assert!(
        matches!(err, CallError::Overloaded { limit: 2, .. }),
        "{err:?}"
    );
    assert_eq!(err.class(), "overloaded");
    assert!(first.await.unwrap().is_ok());
    assert!(second.await.unwrap().is_ok());
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn a_stdout_flood_is_bounded() {
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    // Output is captured in a bounded buffer; the guest may write, the host keeps 16 KiB.
    let result = search(&c, "stdout-flood:8").await;
    match result {
        Ok(_) => {}
        Err(e) => assert!(matches!(e, CallError::Boundary { .. }), "{e:?}"),
    }
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn ansi_escapes_in_log_lines_are_neutralised() {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    // `#[tokio::test]` runs on this thread, and so does the guest: a thread default suffices.
    let _guard = tracing::subscriber::set_default(subscriber);
    let c = misbehave(interop_tests::host(), Grant::default()).await;
    search(&c, "log-ansi").await.unwrap();
    let logged = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let line = logged
        .lines()
        .find(|l| l.contains("red"))
        .unwrap_or_else(|| panic!("the guest's line is logged: {logged:?}"));
    assert!(
        !logged.contains('\u{1b}'),
        "escape reached the log: {logged:?}"
    );
    assert!(
        !logged.contains('\u{7}'),
        "bell reached the log: {logged:?}"
    );
    assert!(
        line.contains("forged: second line"),
        "the forged line stays inside the guest's line: {line:?}"
    );
    assert!(
        !logged.lines().any(|l| l.starts_with("forged")),
        "a guest cannot start a log line of its own: {logged:?}"
    );
}
