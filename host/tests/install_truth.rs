//! `interop plugin install` tells the truth, through the real binaries: the installing shell
//! needs none of the connector's secrets (the gateway that runs it reads them); with a
//! gateway running on the store, install, upgrade and rollback wait for its load report and
//! fail with the gateway's own reason when it did not load the new version; with none running
//! (or only a dead one's report left) they say it is installed but not yet loaded.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::KESTREL_RMS;
use serde_json::json;

mod common;

const TOKEN: &str = "token-install-officer-01";
/// The gateway has this variable; the installer never does.
const PRESENT: &str = "INTEROP_TEST_INSTALL_KESTREL_KEY";
/// Nobody has this one.
const ABSENT: &str = "INTEROP_TEST_INSTALL_KESTREL_ABSENT";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-install-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `interop plugin --config CONFIG ARGS`, with neither secret variable in its environment.
fn plugin(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .arg("plugin")
        .arg("--config")
        .arg(config)
        .args(["--actor", "test-admin", "--timeout", "20"])
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove(PRESENT)
        .env_remove(ABSENT)
        .output()
        .expect("running interop plugin")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

struct Served(Child, String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(config: &Path, api_key: &str) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .env(PRESENT, api_key)
        .env_remove(ABSENT)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the gateway prints its address")
            .unwrap();
        if let Some(u) = line.strip_prefix("listening on ") {
            break u.to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Served(child, url)
}

/// A signed copy of Kestrel with `note` in a custom section: another build.
fn build(dir: &Path, note: &str, key: &SecretKey) -> PathBuf {
    let mut bytes = std::fs::read(KESTREL_RMS).unwrap();
    let name = b"build-note";
    bytes.push(0);
    bytes.push(u8::try_from(1 + name.len() + note.len()).unwrap());
    bytes.push(u8::try_from(name.len()).unwrap());
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(note.as_bytes());
    let out = dir.join(format!("kestrel-{note}.wasm"));
    std::fs::write(&out, signing::sign(&bytes, key).unwrap()).unwrap();
    out
}

async fn search_status(url: &str) -> (u16, String) {
    let (status, body) = common::request(
        "POST",
        &format!("{url}/v1/connectors/kestrel-rms/search"),
        Some(TOKEN),
        Some(json!({
            "justification": "install truth test",
            "query": {"kind": "person", "text": "Examplewood", "limit": 2}
        })),
    )
    .await;
    (status, body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn install_waits_for_the_gateway_and_the_gateway_reads_the_secrets() {
    let dir = scratch("truth");
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("vendor"), "install test vendor", false)
        .unwrap();
    let v1 = build(&dir, "v1", &key);
    let v2 = build(&dir, "v2", &key);
    let v3 = build(&dir, "v3", &key);
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let policy = |name: &str, var: &str| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(
                "connector = \"kestrel-rms\"\n[config]\nbase_url = \"{}\"\n[secrets]\napi_key = {{ env = \"{var}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                kestrel.base_url()
            ),
        )
        .unwrap();
        path.to_str().unwrap().to_string()
    };
    let good = policy("kestrel-env.toml", PRESENT);
    let bad = policy("kestrel-absent.toml", ABSENT);
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"install-test\"\n\
             [audit]\ndir = \"audit\"\n[trust]\nkeys = [\"vendor.pub\"]\n\
             [store]\ndir = \"plugins\"\npoll_ms = 100\n\
             [roles.officer]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
             [[users]]\nid = \"pc-install\"\ntoken_sha256 = \"{}\"\nroles = [\"officer\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(TOKEN))
        ),
    )
    .unwrap();

    // No gateway: installed, not loaded, and the installer needed no secret.
    let out = plugin(
        &config,
        &["install", v1.to_str().unwrap(), "--policy", &good],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("not yet loaded by any gateway"),
        "{}",
        text(&out)
    );

    // The gateway reads the secret from its own environment and serves.
    let gw = serve(&config, kestrel_rms_standin::DEFAULT_API_KEY);
    let url = gw.1.clone();
    let (status, body) = search_status(&url).await;
    assert_eq!(status, 200, "{body}");

    // An upgrade whose secret the gateway lacks: the gateway's own reason, and the old version
    // serves on.
    let out = plugin(
        &config,
        &[
            "upgrade",
            "kestrel-rms",
            v2.to_str().unwrap(),
            "--policy",
            &bad,
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("gateway install-test did not load kestrel-rms")
            && said.contains(&format!("environment variable `{ABSENT}` is not set")),
        "{said}"
    );
    assert_eq!(search_status(&url).await.0, 200);

    // Back to the version that runs: the gateway reports it loaded.
    let out = plugin(&config, &["rollback", "kestrel-rms"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("loaded by gateway install-test"),
        "{}",
        text(&out)
    );

    // A fresh install while it runs: waited for, loaded, serving.
    let out = plugin(&config, &["remove", "kestrel-rms"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = plugin(
        &config,
        &["install", v3.to_str().unwrap(), "--policy", &good],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("loaded by gateway install-test"),
        "{}",
        text(&out)
    );
    assert_eq!(search_status(&url).await.0, 200);

    // A fresh install the gateway cannot load: refused in its words.
    let out = plugin(&config, &["remove", "kestrel-rms"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = plugin(
        &config,
        &["install", v2.to_str().unwrap(), "--policy", &bad],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(ABSENT), "{}", text(&out));
    let out = plugin(&config, &["remove", "kestrel-rms"]);
    assert!(out.status.success(), "{}", text(&out));

    // A gateway killed leaves its report, but nobody holds its lock: not counted as running.
    drop(gw);
    assert!(
        dir.join("plugins/gateways/install-test.json").exists(),
        "SIGKILL leaves the report behind"
    );
    let out = plugin(
        &config,
        &["install", v1.to_str().unwrap(), "--policy", &good],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("not yet loaded by any gateway"),
        "{}",
        text(&out)
    );
}
