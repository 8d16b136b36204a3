//! The crash tests' one promise: every request the gateway answered with a 2xx has its audit
//! record, however the gateway died afterwards.

use std::collections::HashSet;

use serde_json::Value;

/// Panics naming the first few `acknowledged` client correlation ids (requests answered with a
/// 2xx) that no 2xx record among `records` carries.
pub fn assert_every_one_audited(acknowledged: &[String], records: &[Value]) {
    let logged: HashSet<&str> = records
        .iter()
        .filter(|r| {
            r["status"]
                .as_u64()
                .is_some_and(|s| (200..300).contains(&s))
        })
        .filter_map(|r| r["client_correlation_id"].as_str())
        .collect();
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !logged.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged requests have no audit record: {:?}",
        missing.len(),
        acknowledged.len(),
        &missing[..missing.len().min(5)]
    );
}
