//! Shared set-up for the integration tests: the example vendor stand-ins on loopback ports,
//! grants for the example connectors, a request context.

use std::time::Duration;

use interop_host::types::{Classification, RequestContext};
use std::sync::LazyLock;

use interop_host::{AllowList, Grant, Host, HostPattern, Limits};

pub use interop_test_artifacts as components;

/// The Kestrel RMS stand-in's API key in the demo configuration.
pub const KESTREL_KEY: &str = kestrel_rms_standin::DEFAULT_API_KEY;
/// The Harrier ANPR stand-in's token in the demo configuration.
pub const HARRIER_TOKEN: &str = harrier_anpr_standin::DEFAULT_API_KEY;

/// One host for every test in a binary, as a real process would have: each `Host` reserves
/// address space for its whole instance pool.
pub fn host() -> &'static Host {
    static HOST: LazyLock<Host> = LazyLock::new(|| Host::new().expect("the host starts"));
    &HOST
}

/// A request context for tests: an investigator with OFFICIAL clearance.
pub fn context() -> RequestContext {
    RequestContext {
        user_id: "test-officer-0001".into(),
        role: "investigator".into(),
        clearance: Classification::Official,
        justification: "integration test of the interop host".into(),
        case_reference: Some("TEST-CASE-1".into()),
        correlation_id: "test-correlation".into(),
        idempotency_key: None,
    }
}

/// A grant allowing exactly the origin of `base_url`, with the given settings.
pub fn grant(base_url: &str, settings: &[(&str, &str)]) -> Grant {
    let mut config: std::collections::BTreeMap<String, String> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    config.insert("base_url".into(), base_url.to_string());
    let origin = HostPattern::from_url(base_url).expect("stand-in URLs are valid");
    // The stand-ins listen on loopback: granting a literal IP is the explicit exception.
    let private = origin
        .host()
        .parse::<std::net::IpAddr>()
        .into_iter()
        .map(Into::into)
        .collect();
    Grant {
        limits: Limits::default(),
        config,
        allow: AllowList::new(vec![origin]),
        private,
        filesystem: Vec::new(),
    }
}

/// A grant for the Kestrel connector against a stand-in at `base_url`.
pub fn kestrel_grant(base_url: &str) -> Grant {
    grant(base_url, &[("api_key", KESTREL_KEY)])
}

/// A grant for the Harrier connector against a stand-in at `base_url`.
pub fn harrier_grant(base_url: &str) -> Grant {
    grant(base_url, &[("token", HARRIER_TOKEN)])
}

/// A grant of nothing but these time budgets (default memory cap).
pub fn timed(cpu: Duration, wall_clock: Duration) -> Grant {
    Grant {
        limits: Limits {
            cpu,
            wall_clock,
            ..Limits::default()
        },
        ..Grant::default()
    }
}
