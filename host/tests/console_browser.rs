//! The operator console end to end, in a real browser: the `interop` binary serving the console
//! and its API with one sign-on, the real OpenID Provider (`scripts/idp`, npm `oidc-provider`),
//! the Kestrel and Harrier connectors installed into the plugin store (by an installer whose
//! name is hostile markup) and called for real so their charts have data, and Debian's
//! Chromium driven by npm `playwright-core` (`tests/browser/console.test.mjs`). An officer is
//! turned away; the operator sees the connectors table, the charts, the install history, the
//! audit log's state and the trust store; an action without its CSRF token is refused; a role
//! added to the file is shown after a reload from the console and a key revoked from the
//! console is shown revoked, without a restart; every page passes axe-core; screenshots go to
//! `target/app-screenshots/`.
//!
//! Needs `node`, `npm` and `chromium` (scripts/test.sh installs them); a missing one fails the
//! test with what to install, never skips it.

use std::path::Path;
use std::process::{Command, Stdio};

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};
use serde_json::json;

#[path = "support/browser.rs"]
mod browser;
mod common;

use browser::{Running, free_port, repo, start_idp, wait_line};

/// The static service-account token that makes calls before the browser opens.
const SERVICE_TOKEN: &str = "token-console-browser-service-01";
/// What the installer calls itself: markup, which the console must show as text.
const HOSTILE_ACTOR: &str = "<img src=x onerror=\"window.__pwned=1\">release-bot";

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_console_in_chromium() {
    browser::browser_tools();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("console-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();

    let port = free_port();
    let gateway = format!("http://127.0.0.1:{port}");
    let (idp, issuer) = start_idp(&dir, &gateway, &format!("{gateway}/console/"));

    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("vendor"), "console test vendor key", false)
        .unwrap();
    let config = format!(
        r#"# The console browser test's gateway.
[server]
listen = "127.0.0.1:{port}"
plain_http = true
gateway_id = "console-browser-gw"

[audit]
dir = "audit"

[trust]
keys = ["vendor.pub"]

[store]
dir = "plugins"
poll_ms = 200

[roles.investigator]
connectors = ["*"]
operations = ["search", "fetch", "submit"]

[roles.operator]
operate = "act"

[[users]]
id = "svc-console-test"
token_sha256 = "{service}"
roles = ["investigator"]
clearance = "official"

[oidc]
issuer = "{issuer}"
client_id = "interop-gateway"
client_secret_file = "client-secret"
redirect_uri = "{gateway}/auth/callback"
post_logout_redirect_uri = "{gateway}/console/"
audience = "urn:interop:gateway"
scopes = ["openid", "profile", "interop", "gateway"]

[oidc.claims]
user_id = "preferred_username"
clearance = "clearance"

[oidc.claims.roles]
interop-officers = ["investigator"]
interop-operators = ["operator"]

[oidc.claims.clearance_by_value]
OFFICIAL = "official"
SECRET = "secret"
"#,
        service = hex::encode(token_sha256(SERVICE_TOKEN)),
    );
    let config_file = dir.join("gateway.toml");
    std::fs::write(&config_file, config).unwrap();

    // Both connectors, signed, installed into the store by a hostile-named installer.
    for (component, id, url, secret_key, secret) in [
        (
            KESTREL_RMS,
            "kestrel-rms",
            kestrel.base_url(),
            "api_key",
            kestrel_rms_standin::DEFAULT_API_KEY,
        ),
        (
            HARRIER_ANPR,
            "harrier-anpr",
            harrier.base_url(),
            "token",
            harrier_anpr_standin::DEFAULT_API_KEY,
        ),
    ] {
        let wasm = dir.join(format!("{id}.wasm"));
        std::fs::write(
            &wasm,
            signing::sign(&std::fs::read(component).unwrap(), &key).unwrap(),
        )
        .unwrap();
        let secret_file = dir.join(format!("{id}.secret"));
        std::fs::write(&secret_file, secret).unwrap();
        let policy = dir.join(format!("{id}.toml"));
        std::fs::write(
            &policy,
            format!(
                "connector = \"{id}\"\n[limits]\ntimeout_ms = 8000\n[config]\nbase_url = \"{url}\"\nforce = \"Test Constabulary\"\n[secrets]\n{secret_key} = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                secret_file.display()
            ),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_interop"))
            .arg("plugin")
            .arg("--config")
            .arg(&config_file)
            .args(["--actor", HOSTILE_ACTOR, "install"])
            .arg(&wasm)
            .arg("--policy")
            .arg(&policy)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "plugin install {id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let gateway_log = dir.join("gateway.log");
    let mut gw = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config"])
        .arg(&config_file)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&gateway_log).unwrap())
        .spawn()
        .unwrap();
    wait_line(&mut gw, "the gateway", &gateway_log, |l| {
        l.strip_prefix("listening on ").map(str::to_string)
    });
    let gw = Running(gw);

    // Calls for the charts: searches by name and by registration.
    for i in 0..12 {
        let query = if i % 2 == 0 {
            json!({"kind": "person", "text": "Examplewood", "limit": 2 + i % 3})
        } else {
            json!({"kind": "object", "keys": [{"kind": "vrm", "vrm": "ZX51ABC"}], "limit": 2})
        };
        let (status, body) = common::request(
            "POST",
            &format!("{gateway}/v1/search"),
            Some(SERVICE_TOKEN),
            Some(json!({
                "justification": "console browser test: traffic for the charts",
                "query": query
            })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    let screenshots = repo().join("target/app-screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let script = repo().join("tests/browser/console.test.mjs");
    let env_dir = dir.clone();
    let gateway_url = gateway.clone();
    let issuer2 = issuer.clone();
    let key_id = key.id().to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("--test")
            .arg("--test-reporter=tap")
            .arg(&script)
            .current_dir(repo().join("tests/browser"))
            .env("GATEWAY_URL", &gateway_url)
            .env("IDP_ISSUER", &issuer2)
            .env("AUDIT_FILE", env_dir.join("audit/audit.jsonl"))
            .env("CONFIG_FILE", env_dir.join("gateway.toml"))
            .env("KEY_ID", &key_id)
            .env("HOSTILE_ACTOR", HOSTILE_ACTOR)
            .env("SCREENSHOTS", &screenshots)
            .env("CHROMIUM", "/usr/bin/chromium")
            .env("USER_DATA_ROOT", &env_dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    drop(gw);
    drop(idp);
    assert!(
        out.status.success(),
        "the console's browser tests failed:\n{stdout}\n{stderr}\n(gateway log: {}, provider log: {})",
        gateway_log.display(),
        dir.join("idp.log").display()
    );
    assert!(stdout.contains("# fail 0"), "{stdout}");
    assert!(
        stdout.contains("# skipped 0") && stdout.contains("# todo 0"),
        "{stdout}"
    );
    // The gateway closed its audit log cleanly, and it verifies.
    let verify = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["audit", "verify", "--file"])
        .arg(dir.join("audit/audit.jsonl"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}
