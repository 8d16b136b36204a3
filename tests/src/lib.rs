//! Shared set-up for the integration tests: the example vendor stand-ins on loopback ports,
//! grants for the example connectors, a request context.

use std::time::Duration;

use interop_sandbox::types::{
    Classification, Entity, EntityKind, RequestContext, SearchQuery, SearchResult,
};
use std::sync::LazyLock;

use interop_sandbox::capabilities::http::PrivateExceptions;
use interop_sandbox::{AllowList, CallError, Connector, Grant, Host, HostPattern, Limits};

pub use interop_test_artifacts as components;

/// The Kestrel RMS stand-in's API key in the demo configuration.
pub const KESTREL_KEY: &str = kestrel_rms_standin::DEFAULT_API_KEY;
/// The Harrier ANPR stand-in's token in the demo configuration.
pub const HARRIER_TOKEN: &str = harrier_anpr_standin::DEFAULT_API_KEY;
/// The Osprey stand-in's key (Osprey Custody's API key and Osprey Intel's bearer token).
pub const OSPREY_KEY: &str = osprey_standin::DEFAULT_API_KEY;

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
    let allow = AllowList::new(vec![origin]);
    Grant {
        limits: Limits::default(),
        config,
        // The stand-ins listen on loopback: granting a literal IP is the explicit exception.
        private: PrivateExceptions::literals_in(&allow),
        allow,
        filesystem: Vec::new(),
        malformed: Default::default(),
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

/// A grant for the Osprey Custody (Python) connector against a stand-in at `base_url`.
pub fn osprey_custody_grant(base_url: &str) -> Grant {
    grant(base_url, &[("api_key", OSPREY_KEY)])
}

/// A grant for the Osprey Intel (JavaScript) connector against a stand-in at `base_url`.
pub fn osprey_intel_grant(base_url: &str) -> Grant {
    grant(base_url, &[("token", OSPREY_KEY)])
}

/// Load a component, compiling it at most once per machine: the Python and JavaScript
/// connectors are 14–18 MB and take 12–16 s of CPU each to compile, too long to pay in every
/// test. The native code is cached beside the component, keyed by the component's SHA-256 and
/// this engine's fingerprint (so a changed component or host compiles afresh), and loaded back
/// with [`Host::load_compiled_with_policy`]. The connector is loaded with nothing granted; a
/// test gives it a grant with [`Connector::with_grant`].
///
/// # Panics
/// If the component cannot be read, compiled or loaded: the test cannot run.
pub async fn load_precompiled(host: &Host, path: &str) -> Connector {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let fingerprint = interop_gateway::store::engine_fingerprint(host);
    let cache = std::path::PathBuf::from(format!("{path}.{}-{fingerprint}.cwasm", &digest[..16]));
    let artifact = match std::fs::read(&cache) {
        Ok(artifact) => artifact,
        Err(_) => {
            let artifact = host
                .precompile(path, &bytes)
                .await
                .unwrap_or_else(|e| panic!("compiling {path}: {e}"));
            // Write then rename, so a test binary running at the same time never reads half.
            let partial = cache.with_extension(format!("partial{}", std::process::id()));
            std::fs::write(&partial, &artifact).expect("writing the compiled artifact");
            std::fs::rename(&partial, &cache).expect("renaming the compiled artifact");
            remove_stale_artifacts(path, &cache);
            artifact
        }
    };
    // SAFETY: the artifact was written by `Host::precompile` of this engine configuration (the
    // file name carries its fingerprint) into the build's own target directory.
    let component =
        unsafe { wasmtime::component::Component::deserialize(host.engine(), &artifact) }
            .unwrap_or_else(|e| panic!("loading the compiled {path}: {e:#}"));
    let policy = interop_sandbox::policy::Policy::default();
    let (connector, _review) = host
        .load_compiled_with_policy(path, &component, &policy)
        .await
        .unwrap_or_else(|e| panic!("loading {path}: {e}"));
    connector
}

/// Removes artifacts cached for earlier builds of the component at `path` (each is tens of
/// megabytes), keeping `current`.
fn remove_stale_artifacts(path: &str, current: &std::path::Path) {
    let path = std::path::Path::new(path);
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let prefix = format!("{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with(&prefix) && file.ends_with(".cwasm") && entry.path() != current {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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

/// A person search whose free text tells the misbehaving guest what to do.
pub fn query(text: &str) -> SearchQuery {
    SearchQuery {
        kind: EntityKind::Person,
        text: Some(text.to_string()),
        keys: vec![],
        limit: 10,
        cursor: None,
    }
}

/// Load the misbehaving guest under `grant`.
pub async fn misbehave(host: &Host, grant: Grant) -> Connector {
    host.load_file(components::GUEST_MISBEHAVE, grant)
        .await
        .expect("the misbehaving guest loads")
}

/// Ask the misbehaving guest to do `text` (see its module docs).
pub async fn search(c: &Connector, text: &str) -> Result<SearchResult, CallError> {
    c.search(&context(), &query(text)).await
}

/// What the misbehaving guest reports: the description of the one record it returns.
pub async fn outcome(c: &Connector, text: &str) -> String {
    let result = search(c, text)
        .await
        .unwrap_or_else(|e| panic!("`{text}` should answer, not fail: {e}"));
    match &result.records[..] {
        [record] => match &record.entity {
            Entity::Person(person) => person.description.clone().unwrap_or_default(),
            other => panic!("`{text}`: expected a person, got {other:?}"),
        },
        records => panic!("`{text}`: expected one record, got {}", records.len()),
    }
}

/// The guest still answers normally: a trap or stop left nothing behind.
pub async fn assert_still_serves(c: &Connector) {
    let ok = search(c, "ok")
        .await
        .expect("a well-behaved call after a failed one works");
    assert_eq!(ok.records.len(), 1);
}
