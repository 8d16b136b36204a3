//! `POST /v1/profile` through the real `interop serve` binary, with the Kestrel and Harrier
//! connectors against their stand-ins' seed data: one person held by both systems is one
//! picture (facts side by side with source and handling, differing ones marked, addresses
//! followed), audited as one combination; a group id that is not its members' is refused; a
//! record above the user's clearance is answered exactly as one that does not exist, and a
//! linked record above it is counted, never shown; a system that is down is named.

use serde_json::{Value, json};

mod common;
use common::request;
#[path = "support/kestrel_harrier.rs"]
mod kestrel_harrier;
use kestrel_harrier::{Running, audit, investigator};

const OFFICER: &str = "profile-test-officer-0001";
const SECRET_DS: &str = "profile-test-secret-ds-0002";

/// The gateway with both connectors and the profile tests' two investigators, an officer
/// cleared to OFFICIAL and a detective to SECRET; with `harrier_down`, Harrier's connector
/// points at a closed port.
async fn start(name: &str, harrier_down: bool) -> Running {
    let sections = format!(
        "[roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\", \"fetch\", \"submit\"]\n{}{}",
        investigator("pc-profile", OFFICER, "official"),
        investigator("ds-profile", SECRET_DS, "secret"),
    );
    kestrel_harrier::start(&format!("profile-{name}"), harrier_down, &sections).await
}

const WHY: &str = "Profile test enquiry OP-PROF-1";

async fn search_surname(gw: &Running, surname: &str) -> Value {
    let (status, body) = request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(OFFICER),
        Some(json!({
            "justification": WHY,
            "query": {"kind": "person", "keys": [
                {"kind": "name", "surname": surname, "given_name": null, "date_of_birth": null}
            ]}
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The members of `group` as a profile request names them.
fn members_of(group: &Value) -> Value {
    Value::Array(
        group["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                json!({
                    "connector": r["connector"],
                    "kind": r["record"]["entity"]["kind"],
                    "local_id": r["record"]["source"]["local_id"],
                })
            })
            .collect(),
    )
}

async fn profile(gw: &Running, token: &str, body: Value) -> (u16, Value) {
    request(
        "POST",
        &format!("{}/v1/profile", gw.url),
        Some(token),
        Some(body),
    )
    .await
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_person_from_two_systems_is_one_picture_audited_as_one_combination() {
    let gw = start("merge", false).await;
    let answer = search_surname(&gw, "Protoford").await;
    let group = answer["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["records"].as_array().unwrap().len() == 2)
        .unwrap_or_else(|| panic!("no merged group: {answer}"))
        .clone();
    let id = group["id"].as_str().unwrap();
    let (status, body) = profile(
        &gw,
        OFFICER,
        json!({
            "justification": WHY,
            "case_reference": "OP-PROF-1",
            "group": id,
            "members": members_of(&group),
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complete"], true, "{body}");
    assert_eq!(body["group"], id, "the same members, the same id: {body}");
    assert!(
        body["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["status"] == "ok"),
        "{body}"
    );
    assert_eq!(body["records"].as_array().unwrap().len(), 2);
    // Facts side by side, each value with its source and handling; the birthdays the two
    // systems key differently are marked, the surname they agree on is not.
    let fact = |field: &str| {
        body["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .unwrap_or_else(|| panic!("no {field}: {body}"))
            .clone()
    };
    let dob = fact("date_of_birth");
    assert_eq!(dob["differs"], true, "{dob}");
    let births: Vec<&str> = dob["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert!(
        births.contains(&"1991-04-07") && births.contains(&"1991-07-04"),
        "{dob}"
    );
    let systems: Vec<&str> = dob["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["connector"].as_str().unwrap())
        .collect();
    assert!(
        systems.contains(&"kestrel-rms") && systems.contains(&"harrier-anpr"),
        "{dob}"
    );
    for v in dob["values"].as_array().unwrap() {
        assert_eq!(v["handling"]["classification"], "official", "{v}");
        assert!(v["system"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
    }
    assert_eq!(fact("surname")["differs"], false);
    // Links followed one hop: the addresses each system holds.
    let linked = body["linked"].as_array().unwrap();
    assert!(
        linked
            .iter()
            .any(|l| l["role"] == "homeAddress" && l["member"]["connector"] == "kestrel-rms"),
        "{body}"
    );
    assert!(
        linked
            .iter()
            .any(|l| l["role"] == "homeAddress" && l["member"]["connector"] == "harrier-anpr"),
        "{body}"
    );
    // Why they are one subject.
    let groups = body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{body}");
    assert_eq!(groups[0]["evidence"]["kind"], "record_linkage");
    assert_eq!(body["withheld"], 0);

    // One access, audited before the answer: every id disclosed, marked as a combination.
    let records = audit(&gw.dir);
    let audited: Vec<&Value> = records
        .iter()
        .filter(|r| r["operation"] == "profile")
        .collect();
    assert_eq!(audited.len(), 1, "one access, one record");
    let a = audited[0];
    assert_eq!(a["category"], "combination");
    assert_eq!(a["user"], "pc-profile");
    assert_eq!(a["justification"], WHY);
    assert_eq!(a["case_reference"], "OP-PROF-1");
    assert_eq!(a["outcome"], "ok");
    assert_eq!(a["criteria"]["filters"]["group"], id);
    let disclosed = strings(&a["disclosed"]);
    for r in group["records"].as_array().unwrap() {
        let want = format!(
            "{}:person:{}",
            r["connector"].as_str().unwrap(),
            r["record"]["source"]["local_id"].as_str().unwrap()
        );
        assert!(disclosed.contains(&want), "{want}: {disclosed:?}");
    }
    for l in linked {
        let want = format!(
            "{}:{}:{}",
            l["record"]["connector"].as_str().unwrap(),
            l["record"]["record"]["entity"]["kind"].as_str().unwrap(),
            l["record"]["record"]["source"]["local_id"]
                .as_str()
                .unwrap()
        );
        assert!(disclosed.contains(&want), "{want}: {disclosed:?}");
    }
    let combined = a["linked"].as_array().expect("the combination is audited");
    assert!(
        combined
            .iter()
            .any(|l| l["group"] == id && l["decision"] == "grouped"),
        "{combined:?}"
    );
    assert!(!a.to_string().contains("Protoford"), "ids, never content");

    // A group id that is not these members' is refused, and audited.
    let (status, body) = profile(
        &gw,
        OFFICER,
        json!({
            "justification": WHY,
            "group": "grp_00000000000000000000000000000000",
            "members": members_of(&group),
        }),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let refused = audit(&gw.dir);
    let last = refused
        .iter()
        .rfind(|r| r["operation"] == "profile")
        .unwrap();
    assert_eq!(last["outcome"], "refused", "{last}");
    assert!(
        last.get("disclosed")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty),
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_above_clearance_is_answered_as_no_record_and_a_linked_one_only_counted() {
    let gw = start("clearance", false).await;
    // An OFFICIAL incident naming a SECRET nominal (Casey Mockridge, NOM-000105) as suspect.
    let (status, body) = request(
        "POST",
        &format!("{}/v1/connectors/kestrel-rms/submit", gw.url),
        Some(OFFICER),
        Some(json!({
            "justification": WHY,
            "idempotency_key": "profile-test-incident-0001",
            "submission": {
                "local_id": null,
                "handling": {"classification": "official", "sensitive": false, "caveats": [], "grading": null, "review_date": null},
                "entity": {"kind": "event", "event_kind": "incident", "category": "THEFT", "references": [],
                    "ho_classification": null, "offence_code": null, "starts_at": "2026-03-01T10:00:00Z",
                    "ends_at": null, "exact_time_known": true,
                    "description": "Bicycle taken from outside the library", "status": null},
                "links": [
                    {"from": {"kind": "event", "local_id": "new"}, "to": {"kind": "person", "local_id": "NOM-000105"}, "role": "knownSuspect"},
                    {"from": {"kind": "event", "local_id": "new"}, "to": {"kind": "person", "local_id": "NOM-000101"}, "role": "witness"}
                ],
                "reason": "Reported at the front desk"
            }
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let incident = body["targets"][0]["receipt"]["local_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();

    let ask = |members: Value| json!({ "justification": WHY, "members": members });
    // The incident's profile: the witness is followed and shown, the SECRET suspect counted.
    let (status, body) = profile(
        &gw,
        OFFICER,
        ask(json!([{"connector": "kestrel-rms", "kind": "event", "local_id": incident}])),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let linked = body["linked"].as_array().unwrap();
    assert!(
        linked.iter().any(|l| l["role"] == "witness"
            && l["how"] == "fetched"
            && l["record"]["record"]["source"]["local_id"] == "NOM-000101"),
        "{body}"
    );
    assert!(
        !body.to_string().contains("Mockridge")
            && !body.to_string().contains("NOM-000105\",\"entity"),
        "nothing of the SECRET record: {body}"
    );
    assert!(
        linked
            .iter()
            .all(|l| l["record"]["record"]["source"]["local_id"] != "NOM-000105"),
        "{body}"
    );
    assert_eq!(body["withheld"], 1, "{body}");
    let a = audit(&gw.dir);
    let last = a.iter().rfind(|r| r["operation"] == "profile").unwrap();
    assert!(
        strings(&last["withheld_ids"]).contains(&"kestrel-rms:person:NOM-000105".to_string()),
        "{last}"
    );

    // Naming the SECRET record: the same answer as a record that does not exist.
    let (s1, secret) = profile(
        &gw,
        OFFICER,
        ask(json!([{"connector": "kestrel-rms", "kind": "person", "local_id": "NOM-000105"}])),
    )
    .await;
    let (s2, missing) = profile(
        &gw,
        OFFICER,
        ask(json!([{"connector": "kestrel-rms", "kind": "person", "local_id": "NOM-999999"}])),
    )
    .await;
    assert_eq!((s1, s2), (200, 200), "{secret} {missing}");
    let strip = |mut v: Value| {
        let o = v.as_object_mut().unwrap();
        o.remove("correlation_id");
        o.remove("took_ms");
        o.remove("group");
        for m in o["members"].as_array_mut().unwrap() {
            m.as_object_mut().unwrap().remove("local_id");
        }
        v
    };
    assert_eq!(strip(secret.clone()), strip(missing), "{secret}");
    assert_eq!(secret["members"][0]["status"], "unavailable");
    assert_eq!(secret["withheld"], 0, "naming ids cannot probe: {secret}");
    let a = audit(&gw.dir);
    let probe = a
        .iter()
        .filter(|r| r["operation"] == "profile")
        .nth_back(1)
        .unwrap();
    assert!(
        strings(&probe["withheld_ids"]).contains(&"kestrel-rms:person:NOM-000105".to_string()),
        "the auditor sees it was withheld: {probe}"
    );

    // Someone cleared for SECRET sees it.
    let (status, body) = profile(
        &gw,
        SECRET_DS,
        ask(json!([{"connector": "kestrel-rms", "kind": "person", "local_id": "NOM-000105"}])),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["members"][0]["status"], "ok", "{body}");
    assert_eq!(
        body["records"][0]["record"]["handling"]["classification"],
        "secret"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_system_that_is_down_is_named_and_the_rest_is_shown() {
    let gw = start("down", true).await;
    let (status, body) = profile(
        &gw,
        OFFICER,
        json!({
            "justification": WHY,
            "members": [
                {"connector": "kestrel-rms", "kind": "person", "local_id": "NOM-000101"},
                {"connector": "harrier-anpr", "kind": "person", "local_id": "KPR-0001"}
            ]
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complete"], false, "{body}");
    assert_eq!(body["members"][0]["status"], "ok", "{body}");
    let down = &body["members"][1];
    assert!(
        down["status"] == "failed" || down["status"] == "timed_out",
        "{body}"
    );
    assert!(
        down["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{down}"
    );
    assert_eq!(body["records"].as_array().unwrap().len(), 1);
    let a = audit(&gw.dir);
    let last = a.iter().rfind(|r| r["operation"] == "profile").unwrap();
    assert_eq!(last["outcome"], "partial", "{last}");

    // Only the failed system named: every member's system failed.
    let (status, body) = profile(
        &gw,
        OFFICER,
        json!({
            "justification": WHY,
            "members": [{"connector": "harrier-anpr", "kind": "person", "local_id": "KPR-0001"}]
        }),
    )
    .await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["complete"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_the_profile() {
    let gw = start("openapi", false).await;
    let (status, api) = request("GET", &format!("{}/openapi.json", gw.url), None, None).await;
    assert_eq!(status, 200);
    let op = &api["paths"]["/v1/profile"]["post"];
    assert!(op.is_object(), "{}", api["paths"]);
    let body = &op["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["required"][0], "members", "{body}");
    assert_eq!(
        body["properties"]["members"]["items"]["properties"]["connector"]["enum"],
        json!(["harrier-anpr", "kestrel-rms"]),
        "{body}"
    );
    let schemas = &api["components"]["schemas"];
    for name in [
        "ProfileAnswer",
        "Fact",
        "FactValue",
        "LinkedRecord",
        "MemberStatus",
        "ProfileGroup",
    ] {
        assert!(schemas.get(name).is_some(), "{name} is not described");
    }
}
