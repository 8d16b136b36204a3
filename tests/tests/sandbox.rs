//! The sandbox's promises, tested with misbehaving connectors through the real host: a fresh
//! instance per call, traps that fail one call only, CPU and wall-clock budgets, the memory cap.

use std::time::{Duration, Instant};

use interop_sandbox::types::SearchResult;
use interop_sandbox::{CallError, Connector, Grant, Host, Limits, TrapKind};
use interop_tests::{
    assert_still_serves, components, context, grant, misbehave, query, search, timed,
};
use kestrel_rms_standin::{Config, StandIn};

#[tokio::test]
async fn every_call_gets_a_fresh_instance() {
    let host = interop_tests::host();
    let counter = host
        .load_file(components::GUEST_COUNTER, Grant::default())
        .await
        .unwrap();
    for _ in 0..5 {
        let result = search_counter(&counter).await;
        assert_eq!(
            result.records.len(),
            1,
            "a static counter starts from zero on every call"
        );
    }
    for _ in 0..3 {
        let report = counter.check(&context()).await.unwrap();
        assert_eq!(report.message, "1", "check sees a fresh counter too");
    }
}

async fn search_counter(c: &Connector) -> SearchResult {
    c.search(&context(), &query("count")).await.unwrap()
}

#[tokio::test]
async fn a_panic_fails_that_call_only_and_says_why() {
    let host = interop_tests::host();
    let c = misbehave(host, Grant::default()).await;
    let err = search(&c, "panic").await.unwrap_err();
    let CallError::Trap {
        plugin,
        operation,
        kind,
        guest_message,
    } = &err
    else {
        panic!("expected a trap, got {err:?}");
    };
    assert_eq!(plugin.id, "guest-misbehave");
    assert!(!plugin.version.is_empty());
    assert_eq!(*operation, "search");
    assert_eq!(*kind, TrapKind::Panic);
    let message = guest_message.as_deref().unwrap_or_default();
    assert!(message.contains("deliberate panic"), "{message}");
    let shown = err.to_string();
    assert!(
        shown.contains("guest-misbehave") && shown.contains(&plugin.version),
        "{shown}"
    );
    assert_eq!(err.class(), "trap");
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn unreachable_and_stack_overflow_are_named() {
    let host = interop_tests::host();
    let c = misbehave(host, Grant::default()).await;
    let err = search(&c, "unreachable").await.unwrap_err();
    assert!(
        matches!(
            err,
            CallError::Trap {
                kind: TrapKind::Unreachable,
                ..
            }
        ),
        "{err:?}"
    );
    // Rust keeps large frames on a shadow stack in linear memory: running off its end is an
    // out-of-bounds access; small frames exhaust wasmtime's own stack limit first.
    let err = search(&c, "recurse").await.unwrap_err();
    assert!(
        matches!(
            err,
            CallError::Trap {
                kind: TrapKind::StackOverflow | TrapKind::OutOfBounds,
                ..
            }
        ),
        "{err:?}"
    );
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn an_endless_loop_is_stopped_by_the_cpu_budget() {
    let host = interop_tests::host();
    let g = timed(Duration::from_millis(200), Duration::from_secs(30));
    let c = misbehave(host, g).await;
    let started = Instant::now();
    let err = search(&c, "loop").await.unwrap_err();
    assert!(matches!(err, CallError::CpuBudget { .. }), "{err:?}");
    assert_eq!(err.class(), "cpu-budget");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped by the CPU budget, long before the wall clock: {:?}",
        started.elapsed()
    );
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn budgets_hold_after_the_host_is_dropped() {
    let connector = {
        let short_lived = Host::new().unwrap();
        let g = timed(Duration::from_millis(200), Duration::from_secs(30));
        misbehave(&short_lived, g).await
    };
    let err = search(&connector, "loop").await.unwrap_err();
    assert!(matches!(err, CallError::CpuBudget { .. }), "{err:?}");
}

#[tokio::test]
async fn waiting_on_a_slow_vendor_is_not_charged_to_the_cpu_budget() {
    let vendor = StandIn::start(Config::default()).await.unwrap();
    let host = interop_tests::host();
    // The vendor takes 1.5 s to answer; the guest may only compute for 300 ms.
    let slow = vendor.url("/_fault/delay/1500/api/v2/status");
    let mut g = grant(&slow, &[]);
    g.limits = Limits {
        cpu: Duration::from_millis(300),
        wall_clock: Duration::from_secs(20),
        ..Limits::default()
    };
    let c = misbehave(host, g).await;
    let started = Instant::now();
    let result = search(&c, "http")
        .await
        .expect("a slow vendor within the wall clock is fine");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    let record = format!("{:?}", result.records[0]);
    // The stand-in answers 401 (the guest sends no key): what matters is that it answered.
    assert!(record.contains("status 401"), "{record}");
    assert_eq!(vendor.counters().requests, 1);
}

#[tokio::test]
async fn a_vendor_that_never_answers_is_cut_off_inside_the_wall_clock() {
    let vendor = StandIn::start(Config::default()).await.unwrap();
    let host = interop_tests::host();
    let mut g = grant(&vendor.url("/_fault/hang/api/v2/status"), &[]);
    g.limits = Limits {
        wall_clock: Duration::from_millis(1500),
        ..Limits::default()
    };
    let c = misbehave(host, g).await;
    let started = Instant::now();
    // The host's first-byte timeout (half the wall clock) ends the request; the guest answers
    // with its own error in time instead of being killed.
    let err = search(&c, "http").await.unwrap_err();
    assert_eq!(err.class(), "unavailable", "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_millis(1500),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_guest_waiting_on_the_host_cannot_outlast_the_wall_clock() {
    let host = interop_tests::host();
    let c = misbehave(
        host,
        timed(Duration::from_secs(5), Duration::from_millis(1500)),
    )
    .await;
    let started = Instant::now();
    let err = search(&c, "sleep:60000").await.unwrap_err();
    assert!(matches!(err, CallError::Timeout { .. }), "{err:?}");
    assert_eq!(err.class(), "timeout");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(6),
        "{took:?}"
    );
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn a_spinning_guest_cannot_outlast_the_wall_clock() {
    // A CPU budget larger than the wall clock: only the timeout can stop it, and it must,
    // because the guest yields to the runtime on every epoch tick.
    let host = interop_tests::host();
    let g = timed(Duration::from_secs(600), Duration::from_millis(800));
    let c = misbehave(host, g).await;
    let started = Instant::now();
    let err = search(&c, "loop").await.unwrap_err();
    assert!(matches!(err, CallError::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn growing_past_the_memory_cap_fails_the_call_and_the_host_lives_on() {
    let host = interop_tests::host();
    let g = Grant {
        limits: Limits {
            memory_bytes: 32 << 20,
            ..Limits::default()
        },
        ..Grant::default()
    };
    let c = misbehave(host, g).await;
    let err = search(&c, "grow").await.unwrap_err();
    let CallError::Memory { cap, asked, .. } = err else {
        panic!("expected the memory cap, got {err:?}");
    };
    assert_eq!(cap, 32 << 20);
    assert!(asked > cap);
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn http_to_an_origin_outside_the_grant_is_an_error_the_guest_sees() {
    let vendor = StandIn::start(Config::default()).await.unwrap();
    let host = interop_tests::host();
    // base_url names the stand-in, but the grant allows another port only.
    let mut g = grant(&vendor.url("/api/v2/status"), &[]);
    g.allow = interop_sandbox::AllowList::new(vec![
        interop_sandbox::HostPattern::parse("http://127.0.0.1:1").unwrap(),
    ]);
    let c = misbehave(host, g).await;
    let err = search(&c, "http").await.unwrap_err();
    let CallError::Connector { error, .. } = &err else {
        panic!("a denial must reach the guest as an error, not stop the call: {err:?}");
    };
    assert!(
        format!("{error:?}").to_lowercase().contains("denied"),
        "{error:?}"
    );
    assert_eq!(vendor.counters().requests, 0, "nothing reached the vendor");
}

#[tokio::test]
async fn concurrent_calls_do_not_share_state() {
    let host = interop_tests::host();
    let counter = host
        .load_file(components::GUEST_COUNTER, Grant::default())
        .await
        .unwrap();
    let calls = (0..16).map(|_| {
        let c = counter.clone();
        tokio::spawn(async move { search_counter(&c).await.records.len() })
    });
    for call in calls {
        assert_eq!(call.await.unwrap(), 1);
    }
}
