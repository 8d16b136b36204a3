//! The /v1 request parsers on arbitrary bodies: a checked request or an error, never a panic;
//! whatever they accept is within the bounds they promise.
#![no_main]

use interop_api::config::AccessRules;
use interop_api::request;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rules = AccessRules::default();
    if let Ok(s) = request::parse_search(data, &rules) {
        assert!(s.query.keys.len() <= request::MAX_SEARCH_KEYS);
        assert!((1..=request::MAX_SEARCH_LIMIT).contains(&s.query.limit));
        assert!(s.why.justification.chars().count() <= request::MAX_JUSTIFICATION_CHARS);
    }
    if let Ok(f) = request::parse_fetch(data, &rules) {
        assert!(f.local_id.chars().count() <= request::MAX_LOCAL_ID_CHARS);
    }
    if let Ok(s) = request::parse_submit(data, &rules) {
        assert!(request::IDEMPOTENCY_KEY_CHARS.contains(&s.idempotency_key.len()));
    }
});
