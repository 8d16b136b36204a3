//! The benchmarks' request bodies (`host/benches/support/queries.rs`) are what the gateway
//! accepts: parsed here by the same `/v1` parser `interop serve` uses, with its default rules.

#[path = "../benches/support/queries.rs"]
mod queries;

use interop_api::config::AccessRules;
use interop_api::request::parse_search;

#[test]
fn the_benchmarks_search_bodies_parse_as_v1_searches() {
    let rules = AccessRules::default();
    for (bench, justification) in [
        ("gateway_load and replicas_load", "load benchmark"),
        ("language_load", "language load benchmark"),
        ("startup", "start-up benchmark"),
    ] {
        let body = queries::surname_search(justification, "person", "Examplewood");
        if let Err(e) = parse_search(body.as_bytes(), &rules) {
            panic!("{bench}'s search body is refused by the gateway: {e}\n{body}");
        }
    }
    // The language bench asks each connector for the kind its system serves.
    for (connector, kind) in queries::LANGUAGE_LOAD_KINDS {
        let body = queries::surname_search("language load benchmark", kind, "Examplewood");
        if let Err(e) = parse_search(body.as_bytes(), &rules) {
            panic!("language_load's search of {connector} is refused by the gateway: {e}\n{body}");
        }
    }
    // The parser is not lenient: the form the benchmarks sent before the OpenAPI work is refused.
    let old = r#"{"justification":"load benchmark","query":{"kind":"Person","keys":[{"Name":{"surname":"Examplewood","given_name":null,"date_of_birth":null}}],"limit":20}}"#;
    assert!(parse_search(old.as_bytes(), &rules).is_err());
}
