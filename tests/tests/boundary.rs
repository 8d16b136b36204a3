//! Records at the sandbox boundary, through the real host and the lying connector
//! (`tests/guests/liar`): what a connector may not return never leaves the sandbox, and what
//! fails the Dictionary's checks leaves with the host's warnings attached, or not at all.

use interop_sandbox::records::Malformed;
use interop_sandbox::types::{EntityKind, SearchResult};
use interop_sandbox::{CallError, Connector, Grant};
use interop_test_artifacts::GUEST_LIAR;
use interop_tests::{context, host, query};

async fn liar(malformed: Malformed) -> Connector {
    let grant = Grant {
        malformed,
        ..Grant::default()
    };
    host().load_file(GUEST_LIAR, grant).await.unwrap()
}

async fn search(c: &Connector, text: &str) -> SearchResult {
    c.search(&context(), &query(text)).await.unwrap()
}

fn ids(result: &SearchResult) -> Vec<&str> {
    result
        .records
        .iter()
        .map(|r| r.source.local_id.as_str())
        .collect()
}

#[tokio::test]
async fn records_above_the_declared_ceiling_are_dropped_and_counted() {
    // The liar declares OFFICIAL at most and answers OFFICIAL, SECRET and TOP SECRET.
    let c = liar(Malformed::Warn).await;
    let result = search(&c, "ceiling").await;
    assert_eq!(ids(&result), ["L-OFFICIAL"]);
    assert_eq!(result.dropped.above_ceiling, 2, "{:?}", result.dropped);
    assert_eq!(result.dropped.total(), 2);
}

#[tokio::test]
async fn records_of_another_kind_than_asked_for_are_dropped_and_counted() {
    let c = liar(Malformed::Warn).await;
    let result = search(&c, "wrong-kind").await;
    assert_eq!(ids(&result), ["L-PERSON"]);
    assert_eq!(result.dropped.wrong_kind, 1, "{:?}", result.dropped);
}

#[tokio::test]
async fn a_fetch_answering_above_the_ceiling_is_a_connector_fault_not_a_record() {
    let c = liar(Malformed::Warn).await;
    let error = c
        .fetch(&context(), EntityKind::Person, "L-ANY")
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::Connector { .. }), "{error}");
    let said = error.to_string();
    assert!(
        said.contains("dropped at the boundary") && said.contains("above the classification"),
        "{said}"
    );
    assert!(
        !said.contains("Secret"),
        "no record content in the error: {said}"
    );
}

#[tokio::test]
async fn malformed_records_pass_with_the_hosts_warnings_by_default() {
    let c = liar(Malformed::Warn).await;
    let result = search(&c, "malformed").await;
    assert_eq!(
        ids(&result),
        ["L-FEB31", "L-YESTERDAY", "L-FUTURE", "L-LONG", "L-BIDI"]
    );
    assert!(result.dropped.is_none(), "{:?}", result.dropped);
    let warned = |id: &str| {
        let r = result
            .records
            .iter()
            .find(|r| r.source.local_id == id)
            .unwrap();
        r.quality
            .iter()
            .map(|q| format!("{}: {}", q.field, q.message))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for id in ["L-FEB31", "L-YESTERDAY"] {
        let w = warned(id);
        assert!(
            w.contains("entity.person.date-of-birth") && w.contains("not an ISO 8601 date"),
            "{id}: {w}"
        );
    }
    assert!(
        warned("L-FUTURE").contains("in the future"),
        "{}",
        warned("L-FUTURE")
    );
    let long = warned("L-LONG");
    assert!(long.contains("entity.person.surname"), "{long}");
    assert!(long.contains("is not a DS_032 name"), "{long}");
    let bidi = warned("L-BIDI");
    assert!(
        bidi.contains("U+202E") && bidi.contains("bidi control"),
        "{bidi}"
    );
    // The warnings quote values escaped: no control reaches whoever reads them.
    for r in &result.records {
        for q in &r.quality {
            assert!(
                !q.message
                    .chars()
                    .any(|c| c.is_control() || interop_sandbox::text::is_bidi_control(c)),
                "{q:?}"
            );
        }
    }
    // A well-formed record carries no warning.
    let clean = search(&c, "ceiling").await;
    assert!(
        clean.records[0].quality.is_empty(),
        "{:?}",
        clean.records[0].quality
    );
}

#[tokio::test]
async fn a_policy_may_drop_malformed_records_instead() {
    let c = liar(Malformed::Drop).await;
    let result = search(&c, "malformed").await;
    assert!(result.records.is_empty(), "{:?}", ids(&result));
    assert_eq!(result.dropped.malformed, 5, "{:?}", result.dropped);
    // Well-formed records still pass.
    assert_eq!(ids(&search(&c, "ceiling").await), ["L-OFFICIAL"]);
}

#[tokio::test]
async fn a_connector_cannot_set_the_hosts_fields_itself() {
    // Whatever a guest answers, `quality` and `dropped` are the host's: the contract has no
    // such fields, so a record a connector sends arrives with none and the host fills them.
    let c = liar(Malformed::Warn).await;
    let result = search(&c, "ceiling").await;
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["dropped"]["above_ceiling"], 2, "{json}");
    assert!(json["records"][0].get("quality").is_none(), "{json}");
}
