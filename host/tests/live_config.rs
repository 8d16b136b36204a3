//! A gateway reconfigured while it runs, through the real `interop serve` binary: a role and a
//! user added by editing the file change access within a reload; a broken file is refused with
//! its file:line reason and the old configuration keeps serving; `interop serve --reload` and
//! SIGHUP reload on demand; revoking the vendor's key stops the connector it signed (gone from
//! /v1/connectors and from search) in the same reload; every reload is audited.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use interop_gateway::config::token_sha256;
use interop_gateway::live::{REPORT_FILE, ReloadReport};
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::KESTREL_RMS;
use serde_json::{Value, json};

mod common;
#[path = "support/serve.rs"]
mod serve;

use serve::{interop, serve};

const OFFICER: &str = "token-live-officer-0001";
const ANALYST: &str = "token-live-analyst-0002";

fn scratch(name: &str) -> PathBuf {
    serve::scratch("live", name)
}

/// The configuration: the officer always; the analyst and its role when `analyst`; the
/// vendor's key revoked when `revoke`.
fn config_text(analyst: bool, revoke: bool) -> String {
    let mut text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"live-test\"\n\
         [audit]\ndir = \"audit\"\n\
         [trust]\nkeys = [\"vendor.pub\"]\n{}\
         [store]\ndir = \"plugins\"\npoll_ms = 100\n\
         [roles.officer]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
         [[users]]\nid = \"pc-officer\"\ntoken_sha256 = \"{}\"\nroles = [\"officer\"]\nclearance = \"official\"\n",
        if revoke {
            "revoked = [\"vendor.pub\"]\n"
        } else {
            ""
        },
        hex::encode(token_sha256(OFFICER))
    );
    if analyst {
        text.push_str(&format!(
            "[roles.analyst]\nconnectors = [\"kestrel-rms\"]\noperations = [\"search\"]\n\
             [[users]]\nid = \"pc-analyst\"\ntoken_sha256 = \"{}\"\nroles = [\"analyst\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(ANALYST))
        ));
    }
    text
}

/// Replace the file in one step, as an editor or configuration management does.
fn write_config(config: &Path, text: &str) {
    let tmp = config.with_extension("toml.new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, config).unwrap();
}

fn report(audit: &Path) -> Option<ReloadReport> {
    serde_json::from_slice(&std::fs::read(audit.join(REPORT_FILE)).ok()?).ok()
}

/// Wait for a reload report other than `after` that `pred` accepts.
async fn until_report(
    audit: &Path,
    after: Option<&ReloadReport>,
    pred: impl Fn(&ReloadReport) -> bool,
) -> ReloadReport {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(r) = report(audit)
            && Some(&r) != after
            && pred(&r)
        {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "no such reload report; the last: {:?}",
            report(audit)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn connectors(url: &str, token: &str) -> (u16, Vec<String>) {
    let (status, body) =
        common::request("GET", &format!("{url}/v1/connectors"), Some(token), None).await;
    let ids = body["connectors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["describe"]["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    (status, ids)
}

async fn search(url: &str, token: &str) -> (u16, Value) {
    common::request(
        "POST",
        &format!("{url}/v1/search"),
        Some(token),
        Some(json!({
            "justification": "live reconfiguration test",
            "query": {"kind": "person", "text": "Examplewood", "limit": 2}
        })),
    )
    .await
}

/// The connector ids a federated answer names, in its results or its per-connector status.
fn answered_by(body: &Value) -> String {
    body.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_roles_and_trust_reload_live_and_a_bad_file_keeps_the_old() {
    let dir = scratch("reload");
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("vendor"), "live test vendor", false)
        .unwrap();
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
    std::fs::write(
        &policy,
        format!(
            "connector = \"kestrel-rms\"\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            kestrel.base_url(),
            dir.join("kestrel.secret").display()
        ),
    )
    .unwrap();
    let config = dir.join("gateway.toml");
    write_config(&config, &config_text(false, false));
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

    // Before: the officer searches Kestrel; the analyst is nobody.
    assert_eq!(
        connectors(&url, OFFICER).await,
        (200, vec!["kestrel-rms".to_string()])
    );
    assert_eq!(connectors(&url, ANALYST).await.0, 401);

    // A role and a user added by editing the file: access changes without a restart.
    write_config(&config, &config_text(true, false));
    let added = until_report(&audit, None, |r| r.accepted).await;
    assert_eq!(added.trigger, "file change");
    assert!(
        added.changes.contains(&"user pc-analyst added".to_string())
            && added.changes.contains(&"role analyst added".to_string()),
        "{added:?}"
    );
    assert_eq!(added.generation, 2);
    assert!(added.files.iter().any(|f| f.ends_with("gateway.toml")));
    assert!(added.files.iter().any(|f| f.ends_with("vendor.pub")));
    assert_eq!(
        connectors(&url, ANALYST).await,
        (200, vec!["kestrel-rms".to_string()])
    );
    let (status, body) = search(&url, ANALYST).await;
    assert_eq!(status, 200, "{body}");
    assert!(answered_by(&body).contains("kestrel-rms"), "{body}");

    // A broken file: refused with its file and line, and the old configuration serves on.
    let broken = config_text(true, false).replace(
        "roles = [\"analyst\"]",
        "roles = [\"analyst\", \"no-such-role\"]",
    );
    let bad_line = broken
        .lines()
        .position(|l| l.contains("no-such-role"))
        .unwrap()
        + 1;
    write_config(&config, &broken);
    let refused = until_report(&audit, Some(&added), |r| !r.accepted).await;
    assert!(
        refused
            .reason
            .contains(&format!("gateway.toml:{bad_line}:"))
            && refused.reason.contains("no-such-role"),
        "{refused:?}"
    );
    assert_eq!(refused.generation, 2, "the old configuration stays");
    assert_eq!(connectors(&url, ANALYST).await.0, 200);
    assert_eq!(search(&url, ANALYST).await.0, 200);
    // `--reload` checks the file first and says it would be refused, sending nothing.
    let out = interop(&["serve", "--config", config.to_str().unwrap(), "--reload"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("gateway.toml:{bad_line}:")) && err.contains("not sent"),
        "{err}"
    );

    // Fixed, then reloaded on demand: `interop serve --reload` prints the gateway's answer.
    write_config(&config, &config_text(true, false));
    let fixed = until_report(&audit, Some(&refused), |r| r.accepted).await;
    let out = interop(&["serve", "--config", config.to_str().unwrap(), "--reload"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("configuration reloaded"), "{said}");
    let asked = report(&audit).unwrap();
    assert!(
        asked.trigger.starts_with("interop serve --reload by "),
        "{asked:?}"
    );
    assert!(asked.generation > fixed.generation);

    // SIGHUP reloads too.
    let hup = Command::new("kill")
        .args(["-HUP", &gw.child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let hupped = until_report(&audit, Some(&asked), |r| r.trigger == "SIGHUP").await;
    assert!(hupped.accepted, "{hupped:?}");

    // The vendor's key revoked: its connector stops in the same reload.
    write_config(&config, &config_text(true, true));
    let revoked = until_report(&audit, Some(&hupped), |r| r.accepted).await;
    assert!(
        revoked.changes.iter().any(|c| c.ends_with("revoked")),
        "{revoked:?}"
    );
    assert!(
        revoked.stopped.iter().any(|s| s.starts_with("kestrel-rms")),
        "{revoked:?}"
    );
    assert_eq!(connectors(&url, OFFICER).await, (200, vec![]));
    let (_, body) = search(&url, OFFICER).await;
    assert!(!answered_by(&body).contains("kestrel-rms"), "{body}");
    let (status, body) = common::request(
        "POST",
        &format!("{url}/v1/connectors/kestrel-rms/search"),
        Some(OFFICER),
        Some(json!({
            "justification": "live reconfiguration test",
            "query": {"kind": "person", "text": "Examplewood"}
        })),
    )
    .await;
    assert!(status == 404 || status == 403, "{status} {body}");

    // Revocation lifted: the store's connector is loaded again under the new trust store.
    write_config(&config, &config_text(true, false));
    until_report(&audit, Some(&revoked), |r| r.accepted).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while connectors(&url, OFFICER).await.1.is_empty() {
        assert!(Instant::now() < deadline, "kestrel-rms did not come back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Every reload, accepted or refused, and the stop are in the audit log, which verifies.
    let log = std::fs::read_to_string(audit.join("audit.jsonl")).unwrap();
    let records: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let count = |op: &str| records.iter().filter(|r| r["operation"] == op).count();
    assert!(count("config-reloaded") >= 5, "{log}");
    assert_eq!(count("config-reload-refused"), 1, "{log}");
    assert_eq!(count("connector-stopped"), 1, "{log}");
    assert!(
        records
            .iter()
            .any(|r| r["operation"] == "config-reload-refused"
                && r["policy_decision"]
                    .as_str()
                    .is_some_and(|d| d.contains("no-such-role"))),
        "{log}"
    );
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

#[test]
fn reload_without_a_running_gateway_says_so() {
    let dir = scratch("nobody");
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("vendor"), "live test vendor", false)
        .unwrap();
    std::fs::create_dir_all(dir.join("audit")).unwrap();
    let config = dir.join("gateway.toml");
    write_config(&config, &config_text(false, false));
    let out = interop(&[
        "serve",
        "--config",
        config.to_str().unwrap(),
        "--reload",
        "--timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no running gateway answered"), "{err}");
    assert!(
        !dir.join("audit").join("reload-request.json").exists(),
        "the request is withdrawn"
    );
}
