//! The operator console's API through the real `interop serve` binary: an operator sees the
//! connector (signer, health, its policy review findings, recent latency), the plugin store's
//! history with its actor, the audit log verified with its last checkpoint, and the roles,
//! users and keys in force; an officer and a view-only operator are refused (403) and the
//! refusal is audited; an action needs a reason; a role added to the file shows after a reload
//! from the console, a key revoked from the console shows as revoked (and its connector as
//! failed) without a restart; a connector removed from the console leaves the store with the
//! operator named as actor. Every action is audited, intent before outcome, and the log
//! verifies at the end.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::KESTREL_RMS;
use serde_json::{Value, json};

mod common;
#[path = "support/serve.rs"]
mod serve;

use serve::{interop, serve};

const OFFICER: &str = "token-console-officer-0001";
const OPERATOR: &str = "token-console-operator-0002";
const WATCHER: &str = "token-console-watcher-0003";

fn scratch(name: &str) -> PathBuf {
    serve::scratch("console", name)
}

/// The configuration: an officer, an operator who may act, a watcher who may only view; the
/// analyst role when `analyst`.
fn config_text(analyst: bool) -> String {
    let user = |id: &str, token: &str, role: &str| {
        format!(
            "[[users]]\nid = \"{id}\"\ntoken_sha256 = \"{}\"\nroles = [\"{role}\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(token))
        )
    };
    let mut text = format!(
        "# The console test's gateway: comments like this one survive a revocation.\n\
         [server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"console-test\"\n\
         [audit]\ndir = \"audit\"\n\
         [trust]\nkeys = [\"vendor.pub\"]   # the vendor's key\n\
         [store]\ndir = \"plugins\"\npoll_ms = 100\n\
         [roles.officer]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
         [roles.operator]\noperate = \"act\"\n\
         [roles.watcher]\noperate = \"view\"\n{}{}{}",
        user("pc-officer", OFFICER, "officer"),
        user("ops-1", OPERATOR, "operator"),
        user("ops-2", WATCHER, "watcher"),
    );
    if analyst {
        text.push_str(
            "[roles.analyst]\nconnectors = [\"kestrel-rms\"]\noperations = [\"fetch\"]\n",
        );
    }
    text
}

fn write_config(config: &Path, text: &str) {
    let tmp = config.with_extension("toml.new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, config).unwrap();
}

async fn get(url: &str, token: &str) -> (u16, Value) {
    common::request("GET", &format!("{url}/v1/console"), Some(token), None).await
}

async fn act(url: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    common::request("POST", &format!("{url}{path}"), Some(token), body).await
}

fn why() -> Option<Value> {
    Some(json!({ "reason": "console test, ticket OPS-1" }))
}

fn records(audit: &Path) -> Vec<Value> {
    std::fs::read_to_string(audit.join("audit.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn connector<'a>(view: &'a Value, id: &str) -> Option<&'a Value> {
    view["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_console_shows_operators_what_runs_and_acts_audited() {
    let dir = scratch("api");
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("vendor"), "console test vendor", false)
        .unwrap();
    let key_id = key.id().to_string();
    let component = dir.join("kestrel_rms_connector.wasm");
    std::fs::write(
        &component,
        signing::sign(&std::fs::read(KESTREL_RMS).unwrap(), &key).unwrap(),
    )
    .unwrap();
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    std::fs::write(
        dir.join("kestrel.secret"),
        kestrel_rms_standin::DEFAULT_API_KEY,
    )
    .unwrap();
    let policy = dir.join("kestrel-rms.toml");
    // `private` loopback is a finding policy review reports: the console must show it.
    std::fs::write(
        &policy,
        format!(
            "connector = \"kestrel-rms\"\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            kestrel.base_url(),
            dir.join("kestrel.secret").display()
        ),
    )
    .unwrap();
    let review = interop(&[
        "policy",
        "review",
        component.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--json",
    ]);
    let review: Value = serde_json::from_slice(&review.stdout).unwrap_or_else(|e| {
        panic!(
            "policy review --json: {e}: {}{}",
            String::from_utf8_lossy(&review.stdout),
            String::from_utf8_lossy(&review.stderr)
        )
    });
    let config = dir.join("gateway.toml");
    write_config(&config, &config_text(false));
    let installed = interop(&[
        "plugin",
        "--config",
        config.to_str().unwrap(),
        "--actor",
        "test-admin",
        "install",
        component.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let audit = dir.join("audit");
    let gw = serve(&config);
    let url = gw.url.clone();

    // A call, so the connector has recent latency.
    let (status, body) = common::request(
        "POST",
        &format!("{url}/v1/search"),
        Some(OFFICER),
        Some(json!({
            "justification": "console test search",
            "query": {"kind": "person", "text": "Examplewood", "limit": 2}
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // The officer is refused, and the refusal is audited.
    let (status, body) = get(&url, OFFICER).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("operator"),
        "{body}"
    );
    assert!(
        records(&audit)
            .iter()
            .any(|r| r["operation"] == "console-view"
                && r["user"] == "pc-officer"
                && r["outcome"] == "refused"
                && r["status"] == 403),
        "the officer's refusal is audited"
    );

    // The operator sees everything.
    let (status, view) = get(&url, OPERATOR).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["operate"], "act");
    let k = connector(&view, "kestrel-rms").expect("kestrel-rms listed");
    assert_eq!(k["health"], "loaded", "{k}");
    assert_eq!(k["signer"], key_id.as_str());
    assert_eq!(k["source"], "store");
    assert_eq!(k["version"], review["connector"]["version"]);
    assert!(!k["contract_version"].as_str().unwrap().is_empty(), "{k}");
    let codes = |findings: &Value| -> Vec<String> {
        let mut v: Vec<String> = findings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        codes(&k["findings"]),
        codes(&review["findings"]),
        "the console shows what `policy review` finds"
    );
    assert!(!codes(&k["findings"]).is_empty(), "{k}");
    assert!(k["recent"]["calls"].as_u64().unwrap() >= 1, "{k}");
    assert!(k["recent"]["p50_ms"].as_f64().unwrap() > 0.0, "{k}");
    assert!(k["recent"]["p99_ms"].as_f64().unwrap() >= k["recent"]["p50_ms"].as_f64().unwrap());
    assert_eq!(k["recent"]["minutes"].as_array().unwrap().len(), 30);
    let history = view["store"]["history"].as_array().unwrap();
    assert_eq!(history[0]["action"], "install", "{view}");
    assert_eq!(history[0]["actor"], "test-admin");
    assert_eq!(history[0]["connector"], "kestrel-rms");
    assert!(view["store"]["history_error"].is_null());
    assert_eq!(view["audit"]["verified"], true, "{view}");
    assert!(view["audit"]["records"].as_u64().unwrap() >= 3);
    let keys = view["access"]["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["key_id"], key_id.as_str());
    assert_eq!(keys[0]["status"], "trusted");
    assert_eq!(keys[0]["connectors"], json!(["kestrel-rms"]));
    let role_names = |view: &Value| -> Vec<String> {
        view["access"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(role_names(&view), ["officer", "operator", "watcher"]);
    assert!(
        view["access"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("token_sha256").is_none()),
        "no token hash is shown"
    );

    // A view-only operator sees, but may not act; the refusal is audited.
    let (status, view2) = get(&url, WATCHER).await;
    assert_eq!((status, view2["operate"].as_str()), (200, Some("view")));
    let (status, body) = act(&url, "/v1/console/reload", WATCHER, why()).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = act(&url, "/v1/console/reload", OFFICER, why()).await;
    assert_eq!(status, 403);
    assert_eq!(
        records(&audit)
            .iter()
            .filter(|r| r["operation"] == "console-reload" && r["status"] == 403)
            .count(),
        2,
        "both refusals audited"
    );

    // An action says why.
    let (status, body) = act(&url, "/v1/console/reload", OPERATOR, None).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = act(
        &url,
        "/v1/console/reload",
        OPERATOR,
        Some(json!({"reason": " . "})),
    )
    .await;
    assert_eq!(status, 400);

    // A role added to the file, reloaded from the console: shown without a restart.
    write_config(&config, &config_text(true));
    let (status, body) = act(&url, "/v1/console/reload", OPERATOR, why()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["action"], "reload");
    assert_eq!(body["reload"]["accepted"], true);
    let (_, view) = get(&url, OPERATOR).await;
    assert_eq!(
        role_names(&view),
        ["analyst", "officer", "operator", "watcher"]
    );
    assert!(view["access"]["generation"].as_u64().unwrap() >= 2);
    let log = records(&audit);
    assert!(
        log.iter().any(|r| r["operation"] == "console-reload"
            && r["phase"] == "intent"
            && r["user"] == "ops-1"),
        "the reload's intent is audited"
    );
    assert!(
        log.iter().any(|r| r["operation"] == "console-reload"
            && r["phase"] == "outcome"
            && r["outcome"] == "ok"
            && r["justification"] == "console test, ticket OPS-1"),
        "the reload's outcome is audited with its reason"
    );
    assert!(
        log.iter().any(|r| r["operation"] == "config-reloaded"
            && r["user"] == "operator console reload by ops-1"),
        "the reload itself is audited with its trigger"
    );

    // Revoking: a key the store does not hold, a malformed id, then the vendor's key.
    let (status, _) = act(
        &url,
        "/v1/console/keys/0123456789abcdef/revoke",
        OPERATOR,
        why(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = act(&url, "/v1/console/keys/not-a-key/revoke", OPERATOR, why()).await;
    assert_eq!(status, 400);
    let (status, body) = act(
        &url,
        &format!("/v1/console/keys/{key_id}/revoke"),
        OPERATOR,
        why(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["reload"]["changes"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("key {key_id} revoked"))),
        "{body}"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains(&format!("\"{key_id}\"")) && text.contains("comments like this one survive"),
        "the revocation is in the file, its comments kept:\n{text}"
    );
    let (status, _) = act(
        &url,
        &format!("/v1/console/keys/{key_id}/revoke"),
        OPERATOR,
        why(),
    )
    .await;
    assert_eq!(status, 409, "already revoked");
    // Shown without a restart: the key revoked, its connector no longer serving.
    let deadline = Instant::now() + Duration::from_secs(20);
    let view = loop {
        let (_, view) = get(&url, OPERATOR).await;
        let failed = connector(&view, "kestrel-rms").is_some_and(|c| c["health"] == "failed");
        if failed {
            break view;
        }
        assert!(Instant::now() < deadline, "kestrel-rms still runs: {view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(view["access"]["keys"][0]["status"], "revoked", "{view}");
    let k = connector(&view, "kestrel-rms").unwrap();
    assert!(
        k["reason"].as_str().unwrap().contains("revoked"),
        "the reason names the revocation: {k}"
    );
    let (status, body) =
        common::request("GET", &format!("{url}/v1/connectors"), Some(OFFICER), None).await;
    assert_eq!(
        (status, body["connectors"].as_array().unwrap().len()),
        (200, 0)
    );

    // Removing the connector from the store: the operator is its actor.
    let (status, _) = act(
        &url,
        "/v1/console/connectors/no-such-connector/remove",
        OPERATOR,
        why(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = act(
        &url,
        "/v1/console/connectors/kestrel-rms/rollback",
        OPERATOR,
        why(),
    )
    .await;
    assert_eq!(status, 409, "no previous version");
    let (status, body) = act(
        &url,
        "/v1/console/connectors/kestrel-rms/remove",
        OPERATOR,
        why(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, view) = get(&url, OPERATOR).await;
    assert!(connector(&view, "kestrel-rms").is_none(), "{view}");
    let newest = &view["store"]["history"][0];
    assert_eq!(newest["action"], "remove", "{view}");
    assert_eq!(newest["actor"], "ops-1 (operator console)");

    // Every action's intent has its outcome, and the log verifies.
    let log = records(&audit);
    for op in ["console-reload", "console-revoke-key", "console-remove"] {
        let intents = log
            .iter()
            .filter(|r| r["operation"] == op && r["phase"] == "intent")
            .count();
        let outcomes = log
            .iter()
            .filter(|r| r["operation"] == op && r["phase"] == "outcome")
            .count();
        assert!(
            intents >= 1 && intents == outcomes,
            "{op}: {intents} intents, {outcomes} outcomes"
        );
    }
    drop(gw);
    let log_file = audit.join("audit.jsonl");
    let verify = interop(&["audit", "verify", "--file", log_file.to_str().unwrap()]);
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// Verifying reads the whole chain: the console runs one verification for every request within
/// a few seconds of it, however many arrive at once, and says when it ran; an edit to the log
/// shows once that window has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_console_verifies_the_chain_once_for_requests_close_together() {
    let dir = scratch("audit-check");
    let config = dir.join("gateway.toml");
    write_config(
        &config,
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"console-check\"\n\
             [audit]\ndir = \"audit\"\n\
             [trust]\nallow_unsigned = true\n\
             [roles.operator]\noperate = \"act\"\n\
             [[users]]\nid = \"ops-1\"\ntoken_sha256 = \"{}\"\nroles = [\"operator\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(OPERATOR))
        ),
    );
    let gw = serve(&config);
    let url = gw.url.clone();
    // The verification this request runs ends after `asked`: until 5 s after `asked`, every
    // request is inside its window.
    let asked = Instant::now();
    let (status, first) = get(&url, OPERATOR).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["audit"]["verified"], true, "{first}");
    let checked_at = first["audit"]["checked_at"].as_str().unwrap().to_string();
    assert!(
        interop_audit::parse_time(&checked_at).is_ok(),
        "{checked_at}"
    );

    // Edit the first record (same length, so the writer's appends still land after it).
    let log = dir.join("audit").join("audit.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let first_line = text.lines().next().unwrap();
    let edited = first_line.replacen("console-check", "console-chekk", 1);
    assert_ne!(edited, first_line);
    std::fs::write(&log, text.replacen(first_line, &edited, 1)).unwrap();

    // Within the window, eight requests at once are answered from the one verification.
    let mut at_once = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let url = url.clone();
        at_once.spawn(async move { get(&url, OPERATOR).await });
    }
    let answers = at_once.join_all().await;
    if asked.elapsed() < Duration::from_secs(5) {
        for (status, view) in &answers {
            assert_eq!(*status, 200, "{view}");
            assert_eq!(view["audit"]["verified"], true, "{view}");
            assert_eq!(view["audit"]["checked_at"], checked_at.as_str(), "{view}");
        }
    }

    // After it, the next request verifies again and finds the edit.
    tokio::time::sleep(Duration::from_millis(5_200)).await;
    let (status, later) = get(&url, OPERATOR).await;
    assert_eq!(status, 200, "{later}");
    assert_eq!(later["audit"]["verified"], false, "{later}");
    assert!(
        later["audit"]["problem"]
            .as_str()
            .unwrap()
            .contains("edited"),
        "{later}"
    );
    drop(gw);
}
