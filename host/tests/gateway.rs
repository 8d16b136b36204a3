//! The gateway end to end, over real HTTP: two example connectors against their vendor
//! stand-ins, users with roles and clearances, the audit log.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http_body_util::Full;
use interop_gateway::config::{GatewayConfig, token_sha256};
use interop_gateway::{Gateway, Refused};
use interop_sandbox::Host;
use interop_sandbox::signing::{self, KeyId, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};
use serde_json::{Value, json};

mod common;
use common::request;

/// Bearer tokens of the test users.
const INVESTIGATOR: &str = "token-investigator-0001";
const SECRET_DS: &str = "token-secret-ds-0002";
const KESTREL_ONLY: &str = "token-kestrel-only-0003";
const AUDITOR: &str = "token-auditor-0004";

/// A running gateway with its stand-ins; dropping it stops everything.
struct Running {
    url: String,
    dir: PathBuf,
    /// The id of the development key that signed both connectors.
    signer: KeyId,
    kestrel: kestrel_rms_standin::StandIn,
    harrier: harrier_anpr_standin::StandIn,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    /// Stop the gateway gracefully and wait for it.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

fn host() -> &'static Host {
    static HOST: std::sync::LazyLock<Host> = std::sync::LazyLock::new(|| Host::new().unwrap());
    &HOST
}

fn scratch(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("interop-gw-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A development signing key made at run time (`dev-signing.key`/`.pub` in `dir`): the gateway's
/// `[trust]` holds its public half. No private key lives in the repository.
fn dev_key(dir: &Path, name: &str) -> SecretKey {
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join(name), "test development key", false)
        .unwrap();
    key
}

/// A copy of a built component in `dir`, signed with `key`; the build output is left as it is.
fn signed_copy(dir: &Path, component: &str, key: &SecretKey) -> PathBuf {
    let bytes = std::fs::read(component).unwrap();
    let out = dir.join(Path::new(component).file_name().unwrap());
    std::fs::write(&out, signing::sign(&bytes, key).unwrap()).unwrap();
    out
}

/// Write a policy granting `base_url` (a loopback stand-in) and a secret from a file.
fn policy(dir: &Path, id: &str, base_url: &str, secret_key: &str, secret: &str) -> PathBuf {
    let secret_file = dir.join(format!("{id}.secret"));
    std::fs::write(&secret_file, secret).unwrap();
    let file = dir.join(format!("{id}.toml"));
    std::fs::write(
        &file,
        format!(
            "connector = \"{id}\"\n[limits]\ntimeout_ms = 5000\n[config]\nbase_url = \"{base_url}\"\nforce = \"Test Constabulary\"\n[secrets]\n{secret_key} = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            secret_file.display()
        ),
    )
    .unwrap();
    file
}

/// Start stand-ins and a gateway; `harrier_path` is appended to Harrier's base URL (a fault
/// prefix makes it fail).
async fn start(name: &str, harrier_path: &str) -> Running {
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();
    let dir = scratch(name);
    let key = dev_key(&dir, "dev-signing");
    let kestrel_wasm = signed_copy(&dir, KESTREL_RMS, &key);
    let harrier_wasm = signed_copy(&dir, HARRIER_ANPR, &key);
    let kp = policy(
        &dir,
        "kestrel-rms",
        &kestrel.base_url(),
        "api_key",
        kestrel_rms_standin::DEFAULT_API_KEY,
    );
    let harrier_url = format!("{}{harrier_path}", harrier.base_url().trim_end_matches('/'));
    let hp = policy(
        &dir,
        "harrier-anpr",
        &harrier_url,
        "token",
        harrier_anpr_standin::DEFAULT_API_KEY,
    );
    let user = |id: &str, token: &str, roles: &str, clearance: &str| {
        format!(
            "[[users]]\nid = \"{id}\"\ntoken_sha256 = \"{}\"\nroles = [{roles}]\nclearance = \"{clearance}\"\n",
            hex::encode(token_sha256(token))
        )
    };
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"test-gw\"\n[audit]\ndir = \"audit\"\n\
         [trust]\nkeys = [\"dev-signing.pub\"]\n\
         [[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n\
         [[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n\
         [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\", \"fetch\", \"submit\"]\n\
         [roles.kestrel-searcher]\nconnectors = [\"kestrel-rms\"]\noperations = [\"search\"]\n\
         [roles.auditor]\naudit = true\n{}{}{}{}",
        kestrel_wasm.display(),
        kp.display(),
        harrier_wasm.display(),
        hp.display(),
        user("pc-0001", INVESTIGATOR, "\"investigator\"", "official"),
        user("ds-0002", SECRET_DS, "\"investigator\"", "secret"),
        user(
            "analyst-0003",
            KESTREL_ONLY,
            "\"kestrel-searcher\"",
            "official"
        ),
        user("auditor-0004", AUDITOR, "\"auditor\"", "official"),
    );
    let config_file = dir.join("gateway.toml");
    std::fs::write(&config_file, &config).unwrap();
    let config = GatewayConfig::from_file(&config_file).unwrap();
    let gateway = Gateway::start(config, host()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(gateway.serve(listener, async {
        let _ = rx.await;
    }));
    Running {
        url,
        dir,
        signer: key.id(),
        kestrel,
        harrier,
        stop: Some(tx),
        task: Some(task),
    }
}

fn person_search() -> Value {
    json!({
        "justification": "Enquiry into burglary at 12 Fictional Road",
        "case_reference": "OP-TEST-1",
        "query": { "kind": "person", "keys": [ {"kind": "name", "surname": "Examplewood", "given_name": null, "date_of_birth": null} ] }
    })
}

/// The audit records, read straight from the log file.
fn audit_records(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("audit/audit.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("operation").is_some())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn federated_search_merges_one_person_from_two_systems_and_audits_it() {
    let gw = start("merge", "").await;
    let (status, body) = request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(INVESTIGATOR),
        Some(person_search()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complete"], true, "{body}");
    let sources = body["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{body}");
    assert!(sources.iter().all(|s| s["status"] == "ok"), "{body}");
    let group = body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            g["records"].as_array().unwrap().iter().any(|r| {
                r["connector"] == "kestrel-rms" && r["record"]["source"]["local_id"] == "NOM-000101"
            })
        })
        .unwrap_or_else(|| panic!("no merged group: {body}"));
    assert_eq!(group["evidence"]["kind"], "record_linkage", "{group}");
    let from: Vec<&str> = group["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["connector"].as_str().unwrap())
        .collect();
    assert!(
        from.contains(&"kestrel-rms") && from.contains(&"harrier-anpr"),
        "{group}"
    );

    let records = audit_records(&gw.dir);
    let search = records
        .iter()
        .find(|r| r["operation"] == "search")
        .expect("the search is audited");
    assert_eq!(search["user"], "pc-0001");
    assert_eq!(
        search["justification"],
        "Enquiry into burglary at 12 Fictional Road"
    );
    assert_eq!(search["case_reference"], "OP-TEST-1");
    assert_eq!(search["category"], "combination");
    assert_eq!(search["criteria"]["kind"], "person");
    let disclosed: Vec<&str> = search["disclosed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        disclosed.contains(&"kestrel-rms:person:NOM-000101"),
        "{disclosed:?}"
    );
    assert!(
        search["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "person:examplewood:alex:1988-03-14"),
        "{search}"
    );
    assert_eq!(search["connectors"].as_array().unwrap().len(), 2);
    assert_eq!(
        search["connectors"][0]["component_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert_eq!(search["connectors"][0]["signer"], gw.signer.as_str());
    // Each load is audited with the key that signed it.
    let loaded: Vec<&Value> = records
        .iter()
        .filter(|r| r["operation"] == "connector-loaded")
        .collect();
    assert_eq!(loaded.len(), 2, "{records:?}");
    for r in loaded {
        assert_eq!(r["connectors"][0]["signer"], gw.signer.as_str(), "{r}");
        assert!(r["connectors"][0].get("unsigned").is_none(), "{r}");
    }
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_connector_makes_a_visible_partial_answer() {
    let gw = start("partial", "/_fault/status/503").await;
    let (status, body) = request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(INVESTIGATOR),
        Some(person_search()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complete"], false, "{body}");
    let harrier = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["connector"] == "harrier-anpr")
        .unwrap();
    assert_eq!(harrier["status"], "failed", "{harrier}");
    assert_eq!(harrier["class"], "unavailable", "{harrier}");
    let kestrel = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["connector"] == "kestrel-rms")
        .unwrap();
    assert_eq!(kestrel["status"], "ok");
    assert!(!body["groups"].as_array().unwrap().is_empty());
    let records = audit_records(&gw.dir);
    let search = records.iter().find(|r| r["operation"] == "search").unwrap();
    assert_eq!(search["outcome"], "partial");
    gw.stop().await;
}

fn vehicle_submission(key: &str) -> Value {
    json!({
        "justification": "Vehicle seen leaving burglary scene",
        "case_reference": "OP-TEST-2",
        "idempotency_key": key,
        "submission": {
            "local_id": null,
            "handling": { "classification": "official", "sensitive": false, "caveats": [], "grading": null, "review_date": null },
            "entity": { "kind": "object", "type": "vehicle",
                "vrm": "ZY19 TST", "vin": null, "make": "TESTMAKE", "model": "SAMPLE", "body_shape": null,
                "colours": ["GREEN"], "registration_country": null },
            "links": []
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn enter_once_reaches_both_systems_and_a_retry_creates_nothing() {
    let gw = start("enter-once", "").await;
    let url = format!("{}/v1/submit", gw.url);
    let (s, first) = request(
        "POST",
        &url,
        Some(INVESTIGATOR),
        Some(vehicle_submission("retry-key-0001")),
    )
    .await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["complete"], true, "{first}");
    let targets = first["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{first}");
    assert!(
        targets
            .iter()
            .all(|t| t["status"] == "ok" && t["receipt"]["created"] == true),
        "{first}"
    );
    // The retry, as after a lost response: same key, nothing new anywhere.
    let (s, again) = request(
        "POST",
        &url,
        Some(INVESTIGATOR),
        Some(vehicle_submission("retry-key-0001")),
    )
    .await;
    assert_eq!(s, 200, "{again}");
    for (a, b) in first["targets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(again["targets"].as_array().unwrap())
    {
        assert_eq!(
            a["receipt"]["local_id"], b["receipt"]["local_id"],
            "{again}"
        );
        assert_eq!(b["receipt"]["created"], false, "{again}");
    }
    assert_eq!(gw.kestrel.counters().vehicles_created, 1);
    assert_eq!(gw.harrier.counters().hotlist_created, 1);
    // Without a key, nothing is sent.
    let mut keyless = vehicle_submission("x");
    keyless.as_object_mut().unwrap().remove("idempotency_key");
    let (s, body) = request("POST", &url, Some(INVESTIGATOR), Some(keyless)).await;
    assert_eq!(s, 400, "{body}");
    // And a federated vehicle search now finds it in both, grouped by VRM.
    let (s, found) = request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(INVESTIGATOR),
        Some(json!({"justification": "check entry", "query": {"kind": "object", "keys": [{"kind":"vrm","vrm":"ZY19TST"}]}})),
    )
    .await;
    assert_eq!(s, 200, "{found}");
    let group = found["groups"].as_array().unwrap().iter().find(|g| {
        g["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["record"]["entity"]["vrm"] == "ZY19TST")
    });
    assert!(
        group.is_some_and(|g| !g["records"].as_array().unwrap().is_empty()),
        "{found}"
    );
    let audit = audit_records(&gw.dir);
    let submits: Vec<&Value> = audit
        .iter()
        .filter(|r| r["operation"] == "submit")
        .collect();
    // Each write is logged twice: its intent before the vendors are called, its outcome
    // after, linked by access id; the keyless request is refused before any intent.
    let intents: Vec<&&Value> = submits.iter().filter(|r| r["phase"] == "intent").collect();
    let outcomes: Vec<&&Value> = submits.iter().filter(|r| r["phase"] == "outcome").collect();
    assert_eq!(
        (intents.len(), outcomes.len(), submits.len()),
        (2, 2, 5),
        "{submits:?}"
    );
    for (i, o) in intents.iter().zip(&outcomes) {
        assert_eq!(i["access_id"], o["access_id"]);
        assert_eq!(i["outcome"], "pending");
        assert_eq!(o["outcome"], "ok");
    }
    assert_eq!(submits[0]["category"], "collection");
    assert_eq!(submits[0]["recipients"].as_array().unwrap().len(), 2);
    assert_eq!(submits[0]["criteria"]["idempotency_key"], "retry-key-0001");
    assert!(
        !serde_json::to_string(&audit).unwrap().contains("TESTMAKE"),
        "the log holds criteria and ids, never the submitted content"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_auth_failure_is_refused_and_audited() {
    let gw = start("auth", "").await;
    let url = format!("{}/v1/search", gw.url);
    // No token, a wrong token, a malformed header.
    let (s, _) = request("POST", &url, None, Some(person_search())).await;
    assert_eq!(s, 401);
    let (s, _) = request(
        "POST",
        &url,
        Some("not-a-real-token"),
        Some(person_search()),
    )
    .await;
    assert_eq!(s, 401);
    // No justification.
    let mut unjustified = person_search();
    unjustified["justification"] = json!("  ");
    let (s, body) = request("POST", &url, Some(INVESTIGATOR), Some(unjustified)).await;
    assert_eq!(s, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("justification"));
    // A role that may not use the connector or the operation.
    let (s, _) = request(
        "POST",
        &format!("{}/v1/connectors/harrier-anpr/search", gw.url),
        Some(KESTREL_ONLY),
        Some(json!({"justification": "check", "query": {"kind": "object", "keys": [{"kind":"vrm","vrm":"ZX51ABC"}]}})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = request(
        "POST",
        &format!("{}/v1/connectors/kestrel-rms/fetch", gw.url),
        Some(KESTREL_ONLY),
        Some(json!({"justification": "check", "kind": "person", "local_id": "NOM-000101"})),
    )
    .await;
    assert_eq!(s, 403);
    // Not an auditor.
    let (s, _) = request(
        "GET",
        &format!("{}/v1/audit", gw.url),
        Some(INVESTIGATOR),
        None,
    )
    .await;
    assert_eq!(s, 403);

    let records = audit_records(&gw.dir);
    let auth_failures = records
        .iter()
        .filter(|r| r["event"] == "auth_failure")
        .count();
    assert_eq!(auth_failures, 2, "{records:?}");
    let refused: Vec<&Value> = records
        .iter()
        .filter(|r| r["outcome"] == "refused" && r["event"] != "auth_failure")
        .collect();
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused.iter().any(|r| r["status"] == 400));
    assert_eq!(refused.iter().filter(|r| r["status"] == 403).count(), 3);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn records_above_clearance_are_withheld_and_the_withholding_audited() {
    let gw = start("clearance", "").await;
    // Casey Mockridge is SECRET in Kestrel.
    let search = json!({
        "justification": "Intelligence check",
        "query": { "kind": "person", "keys": [ {"kind": "name", "surname": "Mockridge", "given_name": null, "date_of_birth": null} ] }
    });
    let url = format!("{}/v1/connectors/kestrel-rms/search", gw.url);
    let (s, official) = request("POST", &url, Some(INVESTIGATOR), Some(search.clone())).await;
    assert_eq!(s, 200, "{official}");
    assert!(official["withheld"].as_u64().unwrap() >= 1, "{official}");
    assert!(
        !official.to_string().contains("Mockridge\""),
        "a withheld record leaked: {official}"
    );
    let (s, secret) = request("POST", &url, Some(SECRET_DS), Some(search)).await;
    assert_eq!(s, 200);
    assert_eq!(secret["withheld"], 0);
    assert!(secret.to_string().contains("Mockridge"), "{secret}");
    let records = audit_records(&gw.dir);
    let withheld = records
        .iter()
        .find(|r| r["user"] == "pc-0001" && r["operation"] == "search")
        .unwrap();
    assert!(withheld["withheld"].as_u64().unwrap() >= 1, "{withheld}");
    assert!(
        withheld["detail"]
            .as_str()
            .unwrap()
            .contains("withheld for clearance"),
        "{withheld}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auditor_reads_the_log_and_that_read_is_audited() {
    let gw = start("auditor", "").await;
    request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(INVESTIGATOR),
        Some(person_search()),
    )
    .await;
    let (s, body) = request(
        "GET",
        &format!("{}/v1/audit?user=pc-0001", gw.url),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let records = body["records"].as_array().unwrap();
    assert!(records.iter().any(|r| r["operation"] == "search"), "{body}");
    assert!(records.iter().all(|r| r["user"] == "pc-0001"));
    // A page at a time: the next page starts after the cursor.
    let (s, page) = request(
        "GET",
        &format!("{}/v1/audit?limit=1", gw.url),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["records"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"]
        .as_str()
        .expect("more records")
        .to_string();
    let (s, next) = request(
        "GET",
        &format!("{}/v1/audit?limit=1&cursor={cursor}", gw.url),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, 200, "{next}");
    assert!(next["records"][0]["seq"].as_u64() > page["records"][0]["seq"].as_u64());
    // Or all of it as a stream of JSON lines.
    let (s, streamed) = request(
        "GET",
        &format!("{}/v1/audit?stream=true&user=pc-0001", gw.url),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, 200);
    // (One line parses as a JSON object on its own; several come back as text.)
    let text = match &streamed {
        Value::String(text) => text.clone(),
        one => one.to_string(),
    };
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        !lines.is_empty() && lines.iter().all(|r| r["user"] == "pc-0001"),
        "{streamed}"
    );
    let (s, _) = request(
        "GET",
        &format!("{}/v1/audit?colour=red", gw.url),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, 400);
    let log = audit_records(&gw.dir);
    assert!(log.iter().any(|r| r["event"] == "audit_read"
        && r["user"] == "auditor-0004"
        && r["outcome"] == "ok"));
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_metrics_openapi_and_connector_list() {
    let gw = start("meta", "").await;
    let (s, health) = request("GET", &format!("{}/healthz", gw.url), None, None).await;
    assert_eq!((s, health["connectors"].as_u64()), (200, Some(2)));
    let (s, doc) = request("GET", &format!("{}/openapi.json", gw.url), None, None).await;
    assert_eq!(s, 200);
    assert!(doc["paths"]["/v1/search"].is_object());
    let (s, list) = request(
        "GET",
        &format!("{}/v1/connectors", gw.url),
        Some(KESTREL_ONLY),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let kestrel = list["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["describe"]["id"] == "kestrel-rms")
        .unwrap();
    assert_eq!(kestrel["you_may"], json!(["search"]));
    assert_eq!(
        kestrel["signature"],
        json!({"status": "verified", "key_id": gw.signer.as_str()})
    );
    request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(INVESTIGATOR),
        Some(person_search()),
    )
    .await;
    let (s, metrics) = request("GET", &format!("{}/metrics", gw.url), None, None).await;
    assert_eq!(s, 200);
    let text = metrics.as_str().unwrap();
    assert!(text.contains("interop_connector_calls_total{connector=\"kestrel-rms\",operation=\"search\",class=\"ok\"} 1"), "{text}");
    assert!(
        text.contains("interop_connector_active_instances{connector=\"harrier-anpr\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("interop_connector_call_seconds_bucket"),
        "{text}"
    );
    let (s, _) = request("GET", &format!("{}/nowhere", gw.url), None, None).await;
    assert_eq!(s, 404);
    let _ = (&gw.kestrel, &gw.harrier);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_closes_the_audit_log_verifiably() {
    let gw = start("shutdown", "").await;
    request(
        "POST",
        &format!("{}/v1/search", gw.url),
        Some(INVESTIGATOR),
        Some(person_search()),
    )
    .await;
    let dir = gw.dir.clone();
    gw.stop().await;
    let report = interop_audit::verify(&dir.join("audit/audit.jsonl"), None).unwrap();
    assert!(report.is_ok(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_serves_the_api_and_plain_http_off_loopback_is_refused() {
    let dir = scratch("tls");
    let certified = rcgen::generate_simple_self_signed(vec!["gateway.test".to_string()]).unwrap();
    std::fs::write(dir.join("gateway.crt"), certified.cert.pem()).unwrap();
    std::fs::write(
        dir.join("gateway.key"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    dev_key(&dir, "dev-signing");
    std::fs::write(
        dir.join("gateway.toml"),
        "[server]\nlisten = \"127.0.0.1:0\"\ntls_cert = \"gateway.crt\"\ntls_key = \"gateway.key\"\n[trust]\nkeys = [\"dev-signing.pub\"]\n",
    )
    .unwrap();
    let config = GatewayConfig::from_file(&dir.join("gateway.toml")).unwrap();
    let gateway = Gateway::start(config, host()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(gateway.serve(listener, async {
        let _ = rx.await;
    }));

    // A client that trusts the gateway's certificate.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("gateway.test").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(conn);
    let response = sender
        .send_request(
            http::Request::get("/healthz")
                .header("host", "gateway.test")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // Plain HTTP to the TLS port gets nothing useful.
    let (s, _) = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(stream) => match hyper::client::conn::http1::handshake::<_, Full<Bytes>>(
                hyper_util::rt::TokioIo::new(stream),
            )
            .await
            {
                Ok((mut sender, conn)) => {
                    tokio::spawn(conn);
                    let r = sender
                        .send_request(
                            http::Request::get("/healthz")
                                .body(Full::new(Bytes::new()))
                                .unwrap(),
                        )
                        .await;
                    (r.map(|r| r.status().as_u16()).unwrap_or(0), ())
                }
                Err(_) => (0, ()),
            },
            Err(_) => (0, ()),
        }
    })
    .await
    .unwrap_or((0, ()));
    assert_ne!(s, 200, "plain HTTP must not be served on the TLS port");

    // Plain HTTP may only listen on loopback.
    std::fs::write(
        dir.join("open.toml"),
        "[server]\nlisten = \"0.0.0.0:8443\"\nplain_http = true\n",
    )
    .unwrap();
    let err = GatewayConfig::from_file(&dir.join("open.toml")).unwrap_err();
    assert!(
        err.to_string().contains("only allowed on a loopback"),
        "{err}"
    );
    let _ = tx.send(());
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_lets_a_call_in_flight_finish() {
    // Harrier answers after 1.5 s; the shutdown comes while the search waits for it.
    let gw = start("in-flight", "/_fault/delay/1500").await;
    let url = format!("{}/v1/search", gw.url);
    let call = tokio::spawn(async move {
        request("POST", &url, Some(INVESTIGATOR), Some(person_search())).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let dir = gw.dir.clone();
    let base = gw.url.clone();
    gw.stop().await;
    let (status, body) = call.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["complete"], true,
        "the slow connector answered too: {body}"
    );
    // After shutdown nothing listens.
    assert!(
        tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .is_err()
    );
    let report = interop_audit::verify(&dir.join("audit/audit.jsonl"), None).unwrap();
    assert!(report.is_ok(), "{report:?}");
}

/// The bearer token of the one user [`start_with`] configures.
const LISTER: &str = "token-lister-0005";

/// Start a gateway on `components` (file, connector id) with `trust` as its `[trust]` section,
/// writing `dir/gateway.toml` with an audit directory of its own (a gateway left running or
/// refused may still hold the last one's lock). Loading only asks each connector to describe
/// itself, so the policies' vendor address need not answer.
async fn start_with(
    dir: &Path,
    trust: &str,
    components: &[(&Path, &str)],
) -> anyhow::Result<Gateway> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit-{n}\"\n{trust}\n\
         [roles.lister]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
         [[users]]\nid = \"lister\"\ntoken_sha256 = \"{}\"\nroles = [\"lister\"]\nclearance = \"official\"\n",
        hex::encode(token_sha256(LISTER))
    );
    for (component, id) in components {
        let secret_key = if *id == "kestrel-rms" {
            "api_key"
        } else {
            "token"
        };
        let p = policy(dir, id, "http://127.0.0.1:9", secret_key, "unused");
        config.push_str(&format!(
            "[[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n",
            component.display(),
            p.display()
        ));
    }
    let file = dir.join("gateway.toml");
    std::fs::write(&file, config).unwrap();
    Gateway::start(GatewayConfig::from_file(&file)?, host()).await
}

/// The reason a start was refused, asserting it came from signature verification.
fn refusal(result: anyhow::Result<Gateway>) -> (Refused, String) {
    let err = match result {
        Ok(_) => panic!("the gateway started"),
        Err(e) => e,
    };
    let text = format!("{err:#}");
    let refused = err
        .downcast::<Refused>()
        .unwrap_or_else(|e| panic!("not refused by verification: {e:#}"));
    (refused, text)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connector_not_signed_by_a_trusted_key_stops_the_start() {
    let dir = scratch("untrusted");
    let vendor = dev_key(&dir, "vendor");
    let stranger = dev_key(&dir, "stranger");
    let trust = "[trust]\nkeys = [\"vendor.pub\"]";

    // Signed by a key the force does not trust.
    let by_stranger = dir.join("stranger").join("kestrel_rms_connector.wasm");
    std::fs::create_dir_all(by_stranger.parent().unwrap()).unwrap();
    std::fs::copy(signed_copy(&dir, KESTREL_RMS, &stranger), &by_stranger).unwrap();
    let (refused, text) = refusal(start_with(&dir, trust, &[(&by_stranger, "kestrel-rms")]).await);
    assert_eq!(refused.component, by_stranger);
    assert_eq!(
        refused.reason,
        signing::SignatureError::UnknownKey {
            key_id: stranger.id()
        }
    );
    assert!(
        text.contains(&by_stranger.display().to_string())
            && text.contains("unknown key")
            && text.contains(stranger.id().as_str()),
        "{text}"
    );

    // Signed by the trusted key, then revoked: by key id, and by its .pub file.
    let by_vendor = signed_copy(&dir, KESTREL_RMS, &vendor);
    start_with(&dir, trust, &[(&by_vendor, "kestrel-rms")])
        .await
        .expect("the vendor's own signature loads");
    for revoked in [format!("\"{}\"", vendor.id()), "\"vendor.pub\"".to_string()] {
        let trust = format!("[trust]\nkeys = [\"vendor.pub\"]\nrevoked = [{revoked}]");
        let (refused, text) =
            refusal(start_with(&dir, &trust, &[(&by_vendor, "kestrel-rms")]).await);
        assert_eq!(
            refused.reason,
            signing::SignatureError::RevokedKey {
                key_id: vendor.id()
            },
            "{text}"
        );
        assert!(text.contains("revoked key"), "{text}");
    }

    // A flipped byte in the signed component; and an unsigned one.
    let mut bytes = std::fs::read(&by_vendor).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let tampered = dir.join("tampered.wasm");
    std::fs::write(&tampered, &bytes).unwrap();
    let (refused, text) = refusal(start_with(&dir, trust, &[(&tampered, "kestrel-rms")]).await);
    assert_eq!(refused.reason.kind(), "tampered", "{text}");
    let (refused, text) =
        refusal(start_with(&dir, trust, &[(Path::new(KESTREL_RMS), "kestrel-rms")]).await);
    assert_eq!(refused.reason, signing::SignatureError::Unsigned, "{text}");
    assert!(text.contains("interop sign"), "{text}");

    // A trusted key file that is not there stops the start, naming it and the section.
    let err = start_with(
        &dir,
        "[trust]\nkeys = [\"missing.pub\"]",
        &[(&by_vendor, "kestrel-rms")],
    )
    .await
    .err()
    .expect("no such key file");
    let text = format!("{err:#}");
    assert!(
        text.contains("[trust]") && text.contains("missing.pub") && text.contains("cannot read"),
        "{text}"
    );

    // Refused before compiling: bytes that cannot compile, signed by a stranger, are refused
    // for the signature; signed by the vendor, they get as far as the compiler.
    let mut junk = b"\0asm\x0d\x00\x01\x00".to_vec();
    junk.extend_from_slice(&[1, 4, 0xde, 0xad, 0xbe, 0xef]);
    let junk_by_stranger = dir.join("junk-stranger.wasm");
    std::fs::write(&junk_by_stranger, signing::sign(&junk, &stranger).unwrap()).unwrap();
    let (refused, _) =
        refusal(start_with(&dir, trust, &[(&junk_by_stranger, "kestrel-rms")]).await);
    assert_eq!(refused.reason.kind(), "unknown-key");
    let junk_by_vendor = dir.join("junk-vendor.wasm");
    std::fs::write(&junk_by_vendor, signing::sign(&junk, &vendor).unwrap()).unwrap();
    let err = start_with(&dir, trust, &[(&junk_by_vendor, "kestrel-rms")])
        .await
        .err()
        .expect("junk does not compile");
    assert!(err.downcast_ref::<Refused>().is_none(), "{err:#}");
    assert!(
        err.downcast_ref::<interop_sandbox::LoadError>().is_some(),
        "the compiler refused it: {err:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn allow_unsigned_loads_an_unsigned_connector_marked_unsigned() {
    let dir = scratch("unsigned");
    let vendor = dev_key(&dir, "vendor");
    let harrier = signed_copy(&dir, HARRIER_ANPR, &vendor);
    let trust = "[trust]\nkeys = [\"vendor.pub\"]\nallow_unsigned = true";
    let gateway = start_with(
        &dir,
        trust,
        &[
            (Path::new(KESTREL_RMS), "kestrel-rms"),
            (&harrier, "harrier-anpr"),
        ],
    )
    .await
    .unwrap();
    let signers: Vec<(String, Option<KeyId>)> = gateway
        .plugins()
        .iter()
        .map(|p| (p.connector.info().id.clone(), p.signer.clone()))
        .collect();
    assert_eq!(
        signers,
        vec![
            ("kestrel-rms".to_string(), None),
            ("harrier-anpr".to_string(), Some(vendor.id()))
        ]
    );

    let audit_log = GatewayConfig::from_file(&dir.join("gateway.toml"))
        .unwrap()
        .audit_dir
        .join("audit.jsonl");

    // GET /v1/connectors says which is unsigned.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(gateway.serve(listener, async {
        let _ = rx.await;
    }));
    let (s, list) = request("GET", &format!("{url}/v1/connectors"), Some(LISTER), None).await;
    assert_eq!(s, 200, "{list}");
    let signature = |id: &str| {
        list["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["describe"]["id"] == id)
            .unwrap()["signature"]
            .clone()
    };
    assert_eq!(signature("kestrel-rms"), json!({"status": "unsigned"}));
    assert_eq!(
        signature("harrier-anpr"),
        json!({"status": "verified", "key_id": vendor.id().as_str()})
    );
    let _ = tx.send(());
    task.await.unwrap().unwrap();

    // The connector-loaded audit records say so too.
    let loaded: Vec<Value> = std::fs::read_to_string(&audit_log)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["operation"] == "connector-loaded")
        .collect();
    assert_eq!(loaded.len(), 2, "{loaded:?}");
    let loaded_as = |id: &str| {
        loaded
            .iter()
            .find(|r| r["connectors"][0]["id"] == id)
            .unwrap()["connectors"][0]
            .clone()
    };
    let kestrel_loaded = loaded_as("kestrel-rms");
    assert_eq!(kestrel_loaded["unsigned"], true, "{kestrel_loaded}");
    assert!(kestrel_loaded.get("signer").is_none(), "{kestrel_loaded}");
    let harrier_loaded = loaded_as("harrier-anpr");
    assert_eq!(
        harrier_loaded["signer"],
        vendor.id().as_str(),
        "{harrier_loaded}"
    );
    assert!(harrier_loaded.get("unsigned").is_none(), "{harrier_loaded}");

    // A signature that is present but bad is refused even so.
    let mut bytes = std::fs::read(&harrier).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let bad = dir.join("bad-signature.wasm");
    std::fs::write(&bad, &bytes).unwrap();
    let (refused, text) = refusal(start_with(&dir, trust, &[(&bad, "harrier-anpr")]).await);
    assert_eq!(refused.reason.kind(), "tampered", "{text}");
    let stranger = dev_key(&dir, "stranger");
    let by_stranger = dir.join("by-stranger.wasm");
    std::fs::write(
        &by_stranger,
        signing::sign(&std::fs::read(KESTREL_RMS).unwrap(), &stranger).unwrap(),
    )
    .unwrap();
    let (refused, _) = refusal(start_with(&dir, trust, &[(&by_stranger, "kestrel-rms")]).await);
    assert_eq!(refused.reason.kind(), "unknown-key");
}
