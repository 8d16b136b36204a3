//! A declared ceiling is a ceiling, through the real gateway: the lying connector declares
//! OFFICIAL at most and answers SECRET and TOP SECRET too; a user cleared for them still sees
//! only what the connector may return, the audit record names the fault, and malformed records
//! reach the officer with the host's warnings.

use std::path::{Path, PathBuf};

use interop_gateway::Gateway;
use interop_gateway::config::{GatewayConfig, token_sha256};
use interop_sandbox::Host;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::GUEST_LIAR;
use serde_json::{Value, json};

mod common;
use common::request;

const CLEARED: &str = "token-boundary-cleared-01";

fn host() -> &'static Host {
    static HOST: std::sync::LazyLock<Host> = std::sync::LazyLock::new(|| Host::new().unwrap());
    &HOST
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-boundary-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A gateway configuration in `dir` serving the liar, signed, under a policy with
/// `records_rule` as its `[records]` table, and one user cleared for SECRET.
fn setup(dir: &Path, records_rule: &str) -> PathBuf {
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("dev-signing"), "boundary test key", false)
        .unwrap();
    let wasm = dir.join("guest-liar.wasm");
    let bytes = std::fs::read(GUEST_LIAR).unwrap();
    std::fs::write(&wasm, signing::sign(&bytes, &key).unwrap()).unwrap();
    let policy = dir.join("guest-liar.toml");
    std::fs::write(
        &policy,
        format!("connector = \"guest-liar\"\n{records_rule}\n"),
    )
    .unwrap();
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"boundary-gw\"\n\
         [audit]\ndir = \"audit\"\n[trust]\nkeys = [\"dev-signing.pub\"]\n\
         [[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n\
         [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\", \"fetch\"]\n\
         [[users]]\nid = \"ds-0001\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"secret\"\n",
        wasm.display(),
        policy.display(),
        hex::encode(token_sha256(CLEARED)),
    );
    let file = dir.join("gateway.toml");
    std::fs::write(&file, config).unwrap();
    file
}

async fn serve(config: &Path) -> (String, tokio::sync::oneshot::Sender<()>) {
    let gateway = Gateway::start(GatewayConfig::from_file(config).unwrap(), host())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(gateway.serve(listener, async {
        let _ = rx.await;
    }));
    (url, stop)
}

fn search(text: &str) -> Value {
    json!({
        "justification": "Boundary test of the lying connector",
        "query": {"kind": "person", "text": text}
    })
}

fn audit_of(dir: &Path, text: &str) -> Value {
    std::fs::read_to_string(dir.join("audit/audit.jsonl"))
        .unwrap()
        .lines()
        .rev()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["criteria"]["text"] == text)
        .unwrap_or_else(|| panic!("an audit record of the search {text:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cleared_user_sees_only_what_the_connector_may_return_and_the_fault_is_audited() {
    let dir = scratch("ceiling");
    let (url, _stop) = serve(&setup(&dir, "")).await;
    let (status, answer) = request(
        "POST",
        &format!("{url}/v1/connectors/guest-liar/search"),
        Some(CLEARED),
        Some(search("ceiling")),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let shown: Vec<&str> = answer["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["source"]["local_id"].as_str().unwrap())
        .collect();
    // The user is cleared for SECRET, but the connector declared OFFICIAL: a reviewer who
    // approved OFFICIAL approved exactly that.
    assert_eq!(shown, ["L-OFFICIAL"], "{answer}");
    // The answer says nothing of what was dropped (that would say such records exist) …
    assert_eq!(answer["withheld"], 0, "{answer}");
    assert!(!answer.to_string().contains("L-SECRET"), "{answer}");
    // … the audit does, as the connector's fault.
    let record = audit_of(&dir, "ceiling");
    assert_eq!(
        record["faults"],
        json!([{"connector": "guest-liar", "above_ceiling": 2}]),
        "{record}"
    );

    // Federated search holds the same line.
    let (status, answer) = request(
        "POST",
        &format!("{url}/v1/search"),
        Some(CLEARED),
        Some(search("wrong-kind")),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(!answer.to_string().contains("L-VEHICLE"), "{answer}");
    assert_eq!(
        audit_of(&dir, "wrong-kind")["faults"],
        json!([{"connector": "guest-liar", "wrong_kind": 1}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_records_reach_the_officer_with_warnings_or_not_at_all() {
    let dir = scratch("warn");
    let (url, _stop) = serve(&setup(&dir, "")).await;
    let (status, answer) = request(
        "POST",
        &format!("{url}/v1/connectors/guest-liar/search"),
        Some(CLEARED),
        Some(search("malformed")),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let records = answer["records"].as_array().unwrap();
    assert_eq!(records.len(), 5, "{answer}");
    for r in records {
        let quality = r["record"]["quality"].as_array().expect("warnings");
        assert!(!quality.is_empty(), "{r}");
        assert!(
            quality
                .iter()
                .all(|q| q["field"].is_string() && q["message"].is_string())
        );
    }
    assert_eq!(
        audit_of(&dir, "malformed")["faults"],
        json!([{"connector": "guest-liar", "with_warnings": 5}])
    );

    let dir = scratch("drop");
    let (url, _stop) = serve(&setup(&dir, "[records]\nmalformed = \"drop\"")).await;
    let (status, answer) = request(
        "POST",
        &format!("{url}/v1/connectors/guest-liar/search"),
        Some(CLEARED),
        Some(search("malformed")),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["records"], json!([]), "{answer}");
    assert_eq!(
        audit_of(&dir, "malformed")["faults"],
        json!([{"connector": "guest-liar", "malformed": 5}])
    );
}
