//! The request bodies the load benchmarks send, written once, so that a test
//! (`host/tests/bench_queries.rs`) checks them against the gateway's own `/v1` parser: a bench
//! whose request drifts from the API fails the suite, not the next run of the bench.

/// A person search for one surname every seed holds, limit 20, as a `/v1/search` or
/// `/v1/connectors/{id}/search` body. `kind` is the query's kind (`person`, `object`, …).
pub fn surname_search(justification: &str, kind: &str, surname: &str) -> String {
    serde_json::json!({
        "justification": justification,
        "query": {"kind": kind, "keys": [{"kind": "name", "surname": surname}], "limit": 20},
    })
    .to_string()
}

/// The kind of the query the language bench sends each connector: the kind that system serves
/// (Osprey Intel holds events). `host/tests/bench_queries.rs` parses each body.
#[allow(dead_code)] // used by language_load and the test, not by the other benches
pub const LANGUAGE_LOAD_KINDS: [(&str, &str); 3] = [
    ("kestrel-rms", "person"),
    ("osprey-intel", "event"),
    ("osprey-custody", "person"),
];

/// The kind the language bench asks `connector` for.
#[allow(dead_code)]
pub fn language_load_kind(connector: &str) -> &'static str {
    LANGUAGE_LOAD_KINDS
        .iter()
        .find(|(id, _)| *id == connector)
        .map(|(_, kind)| *kind)
        .unwrap_or_else(|| panic!("the language bench has no query for {connector}"))
}
