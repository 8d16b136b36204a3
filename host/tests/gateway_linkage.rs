//! Record linkage through the real `interop serve` binary, with the Kestrel and Harrier
//! connectors against their stand-ins' seed data: one person held as `Alex` in one system and
//! `ALEXANDER` in the other, with day and month of birth keyed the other way round, is one
//! explained group; two different people sharing a name and a birthday but with different PNC
//! ids (in one system) are kept apart and shown as a possible match; the audit record of each answer lists the
//! links with their evidence.

use std::path::Path;

use serde_json::{Value, json};

mod common;
use common::request;
#[path = "support/kestrel_harrier.rs"]
mod kestrel_harrier;
use kestrel_harrier::{Running, audit, investigator};

const TOKEN: &str = "linkage-test-token-0001";

/// The gateway with both connectors, the linkage test's investigator and `linkage` (a
/// `[linkage]` section, or nothing for the defaults).
async fn start(name: &str, linkage: &str) -> Running {
    let sections = format!(
        "[roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\"]\n{}{linkage}",
        investigator("pc-link", TOKEN, "official")
    );
    kestrel_harrier::start(&format!("linkage-{name}"), false, &sections).await
}

async fn search_surname(gw: &Running, surname: &str) -> Value {
    let (status, body) = request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(TOKEN),
        Some(json!({
            "justification": "Linkage test enquiry OP-LINK-1",
            "query": {"kind": "person", "keys": [
                {"kind": "name", "surname": surname, "given_name": null, "date_of_birth": null}
            ]}
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complete"], true, "{body}");
    body
}

/// The group holding `connector`'s record `local_id`.
fn group_of<'a>(answer: &'a Value, connector: &str, local_id: &str) -> &'a Value {
    answer["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            g["records"].as_array().unwrap().iter().any(|r| {
                r["connector"] == connector && r["record"]["source"]["local_id"] == local_id
            })
        })
        .unwrap_or_else(|| panic!("no group holds {connector}:{local_id}: {answer}"))
}

fn members(group: &Value) -> Vec<String> {
    let mut m: Vec<String> = group["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}:{}",
                r["connector"].as_str().unwrap(),
                r["record"]["source"]["local_id"].as_str().unwrap()
            )
        })
        .collect();
    m.sort();
    m
}

fn levels(fields: &Value) -> Vec<String> {
    fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["field"].as_str().unwrap(),
                f["agreement"].as_str().unwrap()
            )
        })
        .collect()
}

/// The audit records of searches, continuation records put back.
fn audited_searches(dir: &Path) -> Vec<Value> {
    audit(dir)
        .into_iter()
        .filter(|r| r["operation"] == "search")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn alex_and_alexander_with_a_transposed_birthday_are_one_explained_group() {
    let gw = start("alex", "").await;
    let answer = search_surname(&gw, "Protoford").await;
    let group = group_of(&answer, "kestrel-rms", "NOM-000113");
    assert_eq!(
        members(group),
        ["harrier-anpr:KPR-0009", "kestrel-rms:NOM-000113"],
        "{answer}"
    );
    // The systems really hold them differently.
    let names: Vec<&str> = group["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["entity"]["given_names"][0].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Alex") && names.contains(&"ALEXANDER"),
        "{names:?}"
    );
    let births: Vec<&str> = group["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["entity"]["date_of_birth"].as_str().unwrap())
        .collect();
    assert!(
        births.contains(&"1991-04-07") && births.contains(&"1991-07-04"),
        "{births:?}"
    );

    let id = group["id"].as_str().unwrap();
    assert!(id.starts_with("grp_") && id.len() == 36, "{id}");
    let evidence = &group["evidence"];
    assert_eq!(evidence["kind"], "record_linkage", "{group}");
    let link = &evidence["links"][0];
    assert_eq!(evidence["links"].as_array().unwrap().len(), 1, "{evidence}");
    assert!(link["match_probability"].as_f64().unwrap() > 0.95, "{link}");
    assert!(link["match_weight"].as_f64().unwrap() > 4.0, "{link}");
    assert!(link["disagreed"].as_array().unwrap().is_empty(), "{link}");
    let agreed = levels(&link["agreed"]);
    for expected in [
        "surname:exact",
        "given_name:nickname",
        "date_of_birth:day_month_transposed",
    ] {
        assert!(
            agreed.contains(&expected.to_string()),
            "{expected}: {agreed:?}"
        );
    }
    let linked: Vec<String> = link["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}:{}",
                m["connector"].as_str().unwrap(),
                m["local_id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(linked, ["harrier-anpr:KPR-0009", "kestrel-rms:NOM-000113"]);

    // The OpenAPI document describes the evidence.
    let (status, api) = request("GET", &format!("{}/openapi.json", gw.url), None, None).await;
    assert_eq!(status, 200);
    let schemas = &api["components"]["schemas"];
    for name in [
        "Group",
        "Evidence",
        "MatchLink",
        "PossibleMatch",
        "NotGrouped",
        "FieldLevel",
    ] {
        assert!(schemas.get(name).is_some(), "{name} is not described");
    }
    // The linkage's links are described as themselves, not as a record's link to an entity.
    assert!(
        schemas["Evidence"]
            .to_string()
            .contains("#/components/schemas/MatchLink")
            && schemas["MatchLink"]["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|f| f == "match_probability")),
        "{}",
        schemas["MatchLink"]
    );
    assert!(
        schemas["Evidence"].to_string().contains("record_linkage")
            && schemas["NotGrouped"]
                .to_string()
                .contains("conflicting_identifier"),
        "{}",
        schemas["Evidence"]
    );

    // The same search again: the same id.
    let again = search_surname(&gw, "Protoford").await;
    assert_eq!(group_of(&again, "harrier-anpr", "KPR-0009")["id"], id);

    // The audit record lists the combination with its evidence.
    let searches = audited_searches(&gw.dir);
    assert_eq!(searches.len(), 2);
    let combined = searches[0]["linked"].as_array().expect("linked is audited");
    let this = combined
        .iter()
        .find(|l| l["group"] == id)
        .unwrap_or_else(|| panic!("{combined:?}"));
    assert_eq!(this["decision"], "grouped");
    assert_eq!(
        this["records"],
        json!([
            "harrier-anpr:person:KPR-0009",
            "kestrel-rms:person:NOM-000113"
        ])
    );
    assert!(
        this["agreed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "date_of_birth:day_month_transposed"),
        "{this}"
    );
    assert!(this["match_probability"].as_f64().unwrap() > 0.95);
    assert_eq!(searches[0]["category"], "combination");
    // Ids and evidence, never content.
    assert!(!searches[0]["linked"].to_string().contains("Protoford"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_people_sharing_name_and_birthday_with_different_pnc_ids_are_kept_apart() {
    let gw = start("sampleton", "").await;
    let answer = search_surname(&gw, "Sampleton").await;
    let first = group_of(&answer, "kestrel-rms", "NOM-000114");
    let second = group_of(&answer, "kestrel-rms", "NOM-000115");
    assert_eq!(members(first), ["kestrel-rms:NOM-000114"], "{answer}");
    assert_eq!(members(second), ["kestrel-rms:NOM-000115"], "{answer}");
    assert_ne!(first["id"], second["id"]);
    // Shown beside each other as possible matches, with why they were not grouped.
    let beside = second["evidence"]["possible_matches"].as_array().unwrap();
    let conflict = beside
        .iter()
        .find(|p| {
            p["other_group"] == first["id"] && p["because"]["kind"] == "conflicting_identifier"
        })
        .unwrap_or_else(|| panic!("no possible match with a PNC conflict: {second}"));
    assert_eq!(conflict["because"]["field"], "pnc_id", "{conflict}");
    let agreed = levels(&conflict["link"]["agreed"]);
    assert!(
        agreed.contains(&"date_of_birth:exact".to_string()),
        "{agreed:?}"
    );
    assert!(
        agreed.contains(&"given_name:exact".to_string()),
        "{agreed:?}"
    );
    assert!(
        first["evidence"]["possible_matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["other_group"] == second["id"]),
        "shown beside both: {first}"
    );

    // Audited as a possible match, with the reason.
    let searches = audited_searches(&gw.dir);
    let combined = searches[0]["linked"].as_array().unwrap();
    assert_eq!(
        combined.len(),
        1,
        "audited once, not once per side: {combined:?}"
    );
    assert_eq!(combined[0]["decision"], "possible_match");
    assert_eq!(
        combined[0]["not_grouped_because"],
        "conflicting_identifier:pnc_id"
    );
    assert_eq!(
        combined[0]["records"],
        json!([
            "kestrel-rms:person:NOM-000114",
            "kestrel-rms:person:NOM-000115"
        ])
    );
    assert!(
        combined[0]["disagreed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "pnc_id:different"),
        "{combined:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_grouping_threshold_comes_from_the_configuration() {
    // A threshold no link reaches: nothing is grouped, and the strong link is shown as a
    // possible match below the threshold instead.
    let gw = start(
        "threshold",
        "[linkage]\ngroup_threshold = 0.999999999\npossible_threshold = 0.01\n",
    )
    .await;
    let answer = search_surname(&gw, "Protoford").await;
    let kestrel = group_of(&answer, "kestrel-rms", "NOM-000113");
    assert_eq!(members(kestrel), ["kestrel-rms:NOM-000113"], "{answer}");
    let harrier = group_of(&answer, "harrier-anpr", "KPR-0009");
    let beside = kestrel["evidence"]["possible_matches"].as_array().unwrap();
    assert!(
        beside.iter().any(|p| p["other_group"] == harrier["id"]
            && p["because"]["kind"] == "below_group_threshold"),
        "{kestrel}"
    );
    drop(gw);
}
