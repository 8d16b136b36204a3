//! The officer's app end to end, in a real browser: the `interop` binary serving the app and the
//! API with one sign-on, the real OpenID Provider (`scripts/idp`, npm `oidc-provider`), the
//! Kestrel and Harrier connectors against their stand-ins, and Debian's Chromium driven by npm
//! `playwright-core` (`tests/browser/app.test.mjs`). The browser signs in through the provider,
//! searches, opens a profile from two systems (assembled by `POST /v1/profile`), enters a vehicle
//! of interest once, sees Harrier named in a banner once its stand-in's HTTP server is stopped
//! for real, sees a hostile record's text shown inert, checks every page with axe-core and at phone size, signs out and
//! times out; the script also sends deliberately bad access tokens of its own making.
//!
//! Needs `node`, `npm` and `chromium` (scripts/test.sh installs them); a missing one fails the
//! test with what to install, never skips it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};

#[path = "support/browser.rs"]
mod browser;

use browser::{Running, free_port, repo, start_idp, wait_line};

/// The static service-account token the script uses to seed a hostile record.
const SERVICE_TOKEN: &str = "token-app-browser-service-01";
/// The browser's idle timeout in this test: the shortest the configuration allows.
const IDLE_SECS: u64 = 60;

#[tokio::test(flavor = "multi_thread")]
async fn the_officers_app_in_chromium_with_one_sign_on() {
    browser::browser_tools();
    let browser_dir = repo().join("tests/browser");

    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("app-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // The vendors' systems.
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();

    // The provider, told where the gateway will call back.
    let port = free_port();
    let gateway = format!("http://127.0.0.1:{port}");
    let (idp, issuer) = start_idp(&dir, &gateway, &format!("{gateway}/app/"));
    let idp_log = dir.join("idp.log");

    // Both connectors, signed, under their policies.
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("dev-signing"), "app test key", false)
        .unwrap();
    let mut connectors = String::new();
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
        let bytes = std::fs::read(component).unwrap();
        let wasm = dir.join(format!("{id}.wasm"));
        std::fs::write(&wasm, signing::sign(&bytes, &key).unwrap()).unwrap();
        let secret_file = dir.join(format!("{id}.secret"));
        std::fs::write(&secret_file, secret).unwrap();
        std::fs::write(
            dir.join(format!("{id}.toml")),
            format!(
                "connector = \"{id}\"\n[limits]\ntimeout_ms = 8000\n[config]\nbase_url = \"{url}\"\nforce = \"Test Constabulary\"\n[secrets]\n{secret_key} = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                secret_file.display()
            ),
        )
        .unwrap();
        connectors.push_str(&format!(
            "[[connectors]]\ncomponent = \"{id}.wasm\"\npolicy = \"{id}.toml\"\n"
        ));
    }
    let config = format!(
        r#"[server]
listen = "127.0.0.1:{port}"
plain_http = true
gateway_id = "app-browser-gw"

[audit]
dir = "audit"

[trust]
keys = ["dev-signing.pub"]

{connectors}
[roles.investigator]
connectors = ["*"]
operations = ["search", "fetch", "submit"]

[roles.supervisor]
connectors = ["*"]
operations = ["search", "fetch"]

[roles.auditor]
audit = true

[[users]]
id = "svc-app-test"
token_sha256 = "{service}"
roles = ["investigator"]
clearance = "official"

[oidc]
issuer = "{issuer}"
client_id = "interop-gateway"
client_secret_file = "client-secret"
redirect_uri = "{gateway}/auth/callback"
post_logout_redirect_uri = "{gateway}/app/"
audience = "urn:interop:gateway"
scopes = ["openid", "profile", "interop", "gateway"]

[oidc.session]
idle_timeout_secs = {IDLE_SECS}

[oidc.claims]
user_id = "preferred_username"
clearance = "clearance"

[oidc.claims.roles]
interop-officers = ["investigator"]
interop-supervisors = ["supervisor"]
interop-auditors = ["auditor"]

[oidc.claims.clearance_by_group]
interop-supervisors = "secret"

[oidc.claims.clearance_by_value]
OFFICIAL = "official"
SECRET = "secret"

[rate_limit]
requests = 600
window_secs = 60
"#,
        service = hex::encode(token_sha256(SERVICE_TOKEN)),
    );
    let config_file = dir.join("gateway.toml");
    std::fs::write(&config_file, config).unwrap();

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

    let screenshots = repo().join("target/app-screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    // The script stops the Harrier stand-in for real when it writes `stop-harrier` in `dir`:
    // its HTTP server closes, so Harrier's connector fails; `harrier-stopped` tells the script.
    let control = dir.clone();
    let stopper = tokio::spawn(async move {
        loop {
            if control.join("stop-harrier").exists() {
                harrier.shutdown().await;
                std::fs::write(control.join("harrier-stopped"), "stopped\n").unwrap();
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let script = browser_dir.join("app.test.mjs");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("--test")
            .arg("--test-reporter=tap")
            .arg(&script)
            .current_dir(repo().join("tests/browser"))
            .env("GATEWAY_URL", &gateway)
            .env("IDP_ISSUER", &issuer)
            .env("IDP_KEYS", dir.join("keys.json"))
            .env("AUDIT_FILE", dir.join("audit/audit.jsonl"))
            .env("SERVICE_TOKEN", SERVICE_TOKEN)
            .env("IDLE_SECS", IDLE_SECS.to_string())
            .env("SCREENSHOTS", &screenshots)
            .env("CHROMIUM", "/usr/bin/chromium")
            .env("USER_DATA_ROOT", &dir)
            .env("CONTROL_DIR", &dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    let harrier_was_stopped = stopper.is_finished();
    stopper.abort();
    drop(gw);
    drop(idp);
    assert!(
        out.status.success(),
        "the browser tests failed:\n{stdout}\n{stderr}\n(gateway log: {}, provider log: {})",
        gateway_log.display(),
        idp_log.display()
    );
    assert!(
        harrier_was_stopped,
        "the script never stopped the Harrier stand-in"
    );
    // The script ran every test it has: none was skipped or left out.
    assert!(stdout.contains("# fail 0"), "{stdout}");
    assert!(
        stdout.contains("# skipped 0") && stdout.contains("# todo 0"),
        "{stdout}"
    );
}
