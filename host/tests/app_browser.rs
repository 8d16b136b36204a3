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

use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};

/// The static service-account token the script uses to seed a hostile record.
const SERVICE_TOKEN: &str = "token-app-browser-service-01";
/// The browser's idle timeout in this test: the shortest the configuration allows.
const IDLE_SECS: u64 = 60;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn need(tool: &str, args: &[&str], install: &str) {
    let ok = Command::new(tool)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the app's browser test needs `{tool}`: {install} (scripts/test.sh does this)"
    );
}

/// `npm ci` in `dir` unless its `node_modules` came from the current lock file; serialised
/// across test processes.
fn npm_ci(dir: &Path) {
    let lock_path = std::env::temp_dir().join(format!(
        "interop-npm-ci-{}.lock",
        dir.file_name().unwrap().to_string_lossy()
    ));
    let lock = std::fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    let wanted = std::fs::read(dir.join("package-lock.json")).unwrap();
    let stamp = dir.join("node_modules/.interop-package-lock.json");
    if std::fs::read(&stamp).ok().as_deref() != Some(wanted.as_slice()) {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "npm ci in {} failed:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&stamp, &wanted).unwrap();
    }
}

/// A child process killed on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        // SIGTERM first, so the gateway closes its audit log; then make sure.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first stdout line of `child` that `want` accepts, within a minute.
fn wait_line(
    child: &mut Child,
    what: &str,
    log: &Path,
    want: fn(&str) -> Option<String>,
) -> String {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(v) = want(&line) {
                let _ = tx.send(v);
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(v) => v,
        Err(_) => {
            let mut text = String::new();
            let _ = std::fs::File::open(log).and_then(|mut f| f.read_to_string(&mut text));
            panic!("{what} did not start; its log:\n{text}");
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_officers_app_in_chromium_with_one_sign_on() {
    need("node", &["--version"], "apt-get install nodejs");
    need("npm", &["--version"], "apt-get install npm");
    need(
        "chromium",
        &["--version"],
        "apt-get install chromium (Debian's package; no browser is downloaded)",
    );
    let idp_dir = repo().join("scripts/idp");
    let browser_dir = repo().join("tests/browser");
    npm_ci(&idp_dir);
    npm_ci(&browser_dir);

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
    let idp_log = dir.join("idp.log");
    let mut idp = Command::new("node")
        .arg(idp_dir.join("idp.mjs"))
        .args(["--port", "0", "--issuer", "http://127.0.0.1:PORT"])
        .args(["--client-redirect", &format!("{gateway}/auth/callback")])
        .args(["--post-logout", &format!("{gateway}/app/")])
        .arg("--client-secret-file")
        .arg(dir.join("client-secret"))
        .arg("--keys")
        .arg(dir.join("keys.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&idp_log).unwrap())
        .spawn()
        .expect("start node scripts/idp/idp.mjs");
    let ready = wait_line(&mut idp, "the identity provider", &idp_log, |l| {
        l.starts_with('{').then(|| l.to_string())
    });
    let idp = Running(idp);
    let ready: serde_json::Value = serde_json::from_str(&ready).unwrap();
    let issuer = ready["issuer"].as_str().unwrap().to_string();

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
