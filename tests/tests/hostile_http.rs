//! Hostile outbound HTTP through the real host and a real vendor stand-in: the misbehaving
//! guest's `fetch:URL` modes, with a resolver the test controls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use interop_sandbox::capabilities::http::{PrivateExceptions, StaticResolver};
use interop_sandbox::{AllowList, CallError, Grant, Host, HostPattern, Limits};
use interop_tests::{assert_still_serves, misbehave, outcome, search};
use kestrel_rms_standin::{Config, StandIn};

/// A host whose resolver knows `vendor.test` as loopback, where the stand-in listens.
fn host_resolving_vendor_to_loopback() -> Host {
    Host::new().unwrap().with_resolver(Arc::new(
        StaticResolver::new().with("vendor.test", ["127.0.0.1".parse().unwrap()]),
    ))
}

fn allowing(origins: &[&str], private: &[&str]) -> Grant {
    Grant {
        allow: AllowList::new(
            origins
                .iter()
                .map(|o| HostPattern::parse(o).unwrap())
                .collect(),
        ),
        private: PrivateExceptions::parse(&private.join(" ")).unwrap(),
        ..Grant::default()
    }
}

#[tokio::test]
async fn an_allowed_name_resolving_to_a_private_address_is_refused() {
    let vendor = StandIn::start(Config::default()).await.unwrap();
    let port = vendor
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let origin = format!("http://vendor.test:{port}");
    let host = host_resolving_vendor_to_loopback();

    let c = misbehave(&host, allowing(&[&origin], &[])).await;
    let refused = outcome(&c, &format!("fetch:{origin}/api/v2/status")).await;
    assert!(
        refused.contains("destination address prohibited"),
        "{refused}"
    );
    assert_eq!(vendor.counters().requests, 0, "nothing reached the vendor");
    assert_still_serves(&c).await;

    // Naming the address in the grant is the explicit exception.
    let c = misbehave(&host, allowing(&[&origin], &["127.0.0.1/32"])).await;
    let served = outcome(&c, &format!("fetch:{origin}/api/v2/status")).await;
    assert!(served.starts_with("status "), "{served}");
    assert_eq!(vendor.counters().requests, 1);
}

#[tokio::test]
async fn a_redirect_to_an_internal_address_is_refused() {
    let vendor = StandIn::start(Config::default()).await.unwrap();
    // Even with the metadata origin on the allow-list, its address is link-local.
    let c = misbehave(
        interop_tests::host(),
        allowing(
            &[&vendor.base_url(), "http://169.254.169.254"],
            &["127.0.0.1/32"],
        ),
    )
    .await;
    let url = vendor.url("/_fault/redirect/http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F");
    let refused = outcome(&c, &format!("fetch:{url}")).await;
    assert!(
        refused.contains("destination address prohibited"),
        "{refused}"
    );
    // A redirect to a host off the list is denied outright.
    let url = vendor.url("/_fault/redirect/http%3A%2F%2Finternal.example%2F");
    let denied = outcome(&c, &format!("fetch:{url}")).await;
    assert!(denied.starts_with("error: denied"), "{denied}");
    assert_still_serves(&c).await;
}

#[tokio::test]
async fn a_guest_set_host_header_is_refused() {
    let vendor = StandIn::start(Config::default()).await.unwrap();
    let c = misbehave(
        interop_tests::host(),
        allowing(&[&vendor.base_url()], &["127.0.0.1/32"]),
    )
    .await;
    let refused = outcome(
        &c,
        &format!("fetch-host-header:{}", vendor.url("/api/v2/status")),
    )
    .await;
    assert!(refused.starts_with("error: invalid-header"), "{refused}");
    assert_eq!(vendor.counters().requests, 0);
}

#[tokio::test]
async fn a_trickling_upstream_is_cut_off_before_the_wall_clock() {
    let vendor = StandIn::start(Config::default()).await.unwrap();
    let mut grant = allowing(&[&vendor.base_url()], &["127.0.0.1/32"]);
    grant.limits = Limits {
        wall_clock: Duration::from_secs(4),
        ..Limits::default()
    };
    let c = misbehave(interop_tests::host(), grant).await;
    let started = Instant::now();
    // One byte every 200 ms: the body would take many seconds.
    let result = search(
        &c,
        &format!("fetch:{}", vendor.url("/_fault/trickle/200/api/v2/status")),
    )
    .await;
    let took = started.elapsed();
    let result = result.expect("the guest gets an HTTP error in time, not a wall-clock stop");
    let text = format!("{:?}", result.records[0]);
    assert!(text.contains("error: "), "{text}");
    assert!(took < Duration::from_secs(4), "cut off after {took:?}");
    assert!(
        took >= Duration::from_secs(2),
        "the total timeout is 3/4 of the wall clock: {took:?}"
    );
    assert!(!matches!(
        search(&c, "ok").await,
        Err(CallError::Timeout { .. })
    ));
}

#[tokio::test]
async fn a_burst_of_requests_from_one_call_is_held_to_its_bound() {
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let base = vendor.base_url();
    let mut grant = interop_tests::grant(&base, &[]);
    grant.limits.requests_at_once = 4;
    let liar = interop_tests::host()
        .load_file(interop_test_artifacts::GUEST_LIAR, grant)
        .await
        .unwrap();
    // Thirty requests sent at once, each answered 300 ms later.
    let result = liar
        .search(&interop_tests::context(), &interop_tests::query("burst:30"))
        .await
        .unwrap();
    let said = format!("{:?}", result.records[0].entity);
    assert!(said.contains("sent 30: 30 answered, 0 refused"), "{said}");
    assert_eq!(vendor.requests().len(), 30);
    assert!(
        vendor.most_at_once() <= 4,
        "the vendor never saw more than the call's bound at once: {}",
        vendor.most_at_once()
    );

    // The control: with a bound of 30 the same burst reaches the vendor all but at once.
    let wide = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let mut grant = interop_tests::grant(&wide.base_url(), &[]);
    grant.limits.requests_at_once = 30;
    let liar = interop_tests::host()
        .load_file(interop_test_artifacts::GUEST_LIAR, grant)
        .await
        .unwrap();
    liar.search(&interop_tests::context(), &interop_tests::query("burst:30"))
        .await
        .unwrap();
    assert!(wide.most_at_once() > 4, "{}", wide.most_at_once());
}
