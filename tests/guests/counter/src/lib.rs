//! Test connector: proves each call gets a fresh instance.
//!
//! A `static` counter goes up by one on every `check` and `search`. `check` answers with the
//! counter's value as its whole message (e.g. `1`); `search` answers with that many records
//! (capped by the limit). In a fresh instance per call both always see `1`.

use std::sync::atomic::{AtomicU64, Ordering};

use interop_sdk::prelude::*;

/// Calls this instance has served.
static CALLS: AtomicU64 = AtomicU64::new(0);

fn next() -> u64 {
    CALLS.fetch_add(1, Ordering::SeqCst) + 1
}

/// The counter connector.
pub struct Counter;

interop_sdk::export_connector!(Counter);

impl Connector for Counter {
    fn describe() -> ConnectorInfo {
        ConnectorInfo::new(
            "guest-counter",
            "Counter",
            "interop tests",
            env!("CARGO_PKG_VERSION"),
        )
        .description("Counts calls per instance")
        .entity_kinds([EntityKind::Person])
        .operations([Operation::Check, Operation::Search])
    }

    fn check(_ctx: &RequestContext) -> Result<CheckReport, ConnectorError> {
        Ok(CheckReport::new(next().to_string()))
    }

    fn search(_ctx: &RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        let n = next().min(u64::from(query.limit));
        let records = (1..=n)
            .map(|i| {
                let source = Source::new("Test Force", "guest-counter", format!("count-{i}"));
                PoleRecord::new(source, Handling::official(), Person::new("Counter"))
            })
            .collect();
        Ok(SearchResult::complete(records))
    }
}
