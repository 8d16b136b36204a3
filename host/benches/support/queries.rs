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
