//! `interop new`, in each language, as issue 5's "done" reads: what it writes builds, the
//! component passes the conformance kit against the generated stand-in (up to Gold-ready with
//! an example connector as the peer) exactly as generated, and once the vendor signs it, a
//! running gateway installs it from its plugin store and serves it without a restart.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use interop_gateway::Gateway;
use interop_gateway::config::{GatewayConfig, token_sha256};
use interop_sandbox::Host;
use interop_test_artifacts::{COMPONENTIZE_JS_TOOL, COMPONENTIZE_PY_TOOL, KESTREL_RMS};
use serde_json::{Value, json};

mod common;

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running interop")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-new-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A target directory kept between runs, so the generated project's dependencies build once.
fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/interop-new-projects")
}

/// Run cargo in `dir` with a clean environment for a nested build.
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", shared_target());
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_MAKEFLAGS",
    ] {
        cmd.env_remove(var);
    }
    cmd.output().expect("running cargo")
}

/// Start a stand-in and wait for its `listening on URL` line.
fn start(mut cmd: Command) -> (Child, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting a stand-in");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (child, url)
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_rust_project_ships_signed_to_a_running_gateway() {
    let dir = scratch("rust");
    let project = dir.join("acme-rms");
    let out = interop(&[
        "new",
        "acme-rms",
        "--vendor",
        "Acme Systems Ltd (fictional)",
        "--dir",
        project.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "README.md",
        ".gitignore",
        "standin/standin.py",
        "sdk/Cargo.toml",
        "sdk/src/lib.rs",
        "sdk/wit/connector.wit",
        "sdk/pole/Cargo.toml",
        "sdk/pole/src/lib.rs",
    ] {
        assert!(project.join(file).is_file(), "no {file}");
    }
    carries_no_path_of_this_machine(&project);

    // Its own unit tests, natively, offline: the SDK from sdk/, the rest from the registry
    // cache.
    let out = cargo(&project, &["test", "--quiet", "--offline"]);
    assert!(
        out.status.success(),
        "cargo test in the new project:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The component.
    let out = cargo(
        &project,
        &[
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--quiet",
            "--offline",
        ],
    );
    assert!(
        out.status.success(),
        "building the new project:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wasm = shared_target().join("wasm32-wasip2/release/acme_rms.wasm");
    assert!(wasm.is_file());
    builds_against_only_its_own_sdk(&project);

    passes_conformance(&project, &wasm).await;
    ships_to_a_running_gateway(&project, &wasm, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The interop checkout this test runs from.
fn checkout() -> PathBuf {
    std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("..")).unwrap()
}

/// Nothing the project holds names the checkout `interop` was built from (or any absolute
/// path): its Cargo.toml names the SDK it carries, `sdk/`, relatively and with a version.
fn carries_no_path_of_this_machine(project: &Path) {
    let checkout = checkout();
    assert!(
        !std::fs::canonicalize(project)
            .unwrap()
            .starts_with(&checkout),
        "the project must be generated outside the checkout"
    );
    let mut stack = vec![project.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains(checkout.to_str().unwrap()),
                "{} names the checkout {}",
                path.display(),
                checkout.display()
            );
        }
    }
    let manifest: toml::Table = std::fs::read_to_string(project.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let sdk = &manifest["dependencies"]["interop-sdk"];
    assert_eq!(sdk["path"].as_str(), Some("sdk"), "{sdk}");
    assert_eq!(sdk["version"].as_str(), Some("0.1.0"), "{sdk}");
    for manifest in ["Cargo.toml", "sdk/Cargo.toml", "sdk/pole/Cargo.toml"] {
        let text = std::fs::read_to_string(project.join(manifest)).unwrap();
        for line in text.lines().filter(|l| l.contains("path")) {
            assert!(
                !line.contains("\"/") && !line.contains("\"~") && !line.contains(".."),
                "{manifest}: {line}"
            );
        }
    }
}

/// Every package of the build that is not from the registry is one the project holds.
fn builds_against_only_its_own_sdk(project: &Path) {
    let out = cargo(project, &["metadata", "--offline", "--format-version", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let project = std::fs::canonicalize(project).unwrap();
    let mut local = Vec::new();
    for package in metadata["packages"].as_array().unwrap() {
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
        match package["source"].as_str() {
            None => {
                assert!(
                    manifest.starts_with(&project),
                    "{} comes from {}",
                    package["name"],
                    manifest.display()
                );
                local.push(package["name"].as_str().unwrap().to_string());
            }
            Some(source) => assert!(
                source.starts_with("registry+") || source.starts_with("sparse+"),
                "{} comes from {source}",
                package["name"]
            ),
        }
    }
    local.sort();
    assert_eq!(local, ["acme-rms", "interop-pole", "interop-sdk"]);
}

/// The vendor signs the component; a force's running gateway installs it from its plugin
/// store and serves it without a restart.
async fn ships_to_a_running_gateway(project: &Path, wasm: &Path, dir: &Path) {
    let key = dir.join("acme-release");
    let out = interop(&["keys", "generate", "--out", key.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signed = dir.join("acme_rms-signed.wasm");
    let out = interop(&[
        "sign",
        wasm.to_str().unwrap(),
        "--key",
        dir.join("acme-release.key").to_str().unwrap(),
        "--out",
        signed.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut python = Command::new("python3");
    python
        .arg(project.join("standin/standin.py"))
        .args(["--listen", "127.0.0.1:0"]);
    let (standin, url) = start(python);
    let _standin = Kill(standin);
    let secret = dir.join("acme.secret");
    std::fs::write(&secret, "demo-token").unwrap();
    let policy = dir.join("acme-rms.toml");
    std::fs::write(
        &policy,
        format!(
            "connector = \"acme-rms\"\n[config]\nbase_url = \"{url}\"\n[secrets]\ntoken = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
            secret.display()
        ),
    )
    .unwrap();
    const TOKEN: &str = "token-new-project-officer";
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n\
             [trust]\nkeys = [\"acme-release.pub\"]\n[store]\ndir = \"plugins\"\npoll_ms = 100\n\
             [roles.officer]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
             [[users]]\nid = \"pc-new\"\ntoken_sha256 = \"{}\"\nroles = [\"officer\"]\nclearance = \"official\"\n",
            hex::encode(token_sha256(TOKEN))
        ),
    )
    .unwrap();
    let gateway = Gateway::start(
        GatewayConfig::from_file(&config).unwrap(),
        &Host::new().unwrap(),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gw = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gateway.serve(listener, async {
        let _ = stopped.await;
    }));
    let out = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["plugin", "--config"])
        .arg(&config)
        .args(["install"])
        .arg(&signed)
        .arg("--policy")
        .arg(&policy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let answer = loop {
        let (status, body) = common::request(
            "POST",
            &format!("{gw}/v1/search"),
            Some(TOKEN),
            Some(json!({"justification": "new project test", "query": {"kind": "person", "text": "Examplewood"}})),
        )
        .await;
        if status == 200 {
            break body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the gateway never served the installed connector: {status} {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let acme = answer["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["connector"] == "acme-rms")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(acme["status"], "ok", "{answer}");
    assert_eq!(acme["records"], 2, "{answer}");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Run the generated stand-in on a free port and the conformance kit against it, with
/// Kestrel's stand-in as the peer's system: every tier must be supported.
async fn passes_conformance(project: &Path, wasm: &Path) {
    let mut python = Command::new("python3");
    python
        .arg(project.join("standin/standin.py"))
        .args(["--listen", "127.0.0.1:0"]);
    let (standin, url) = start(python);
    let _standin = Kill(standin);
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let base_url = format!("base_url={url}");
    let peer_url = format!("base_url={}", kestrel.base_url());
    let out = interop(&[
        "conformance",
        wasm.to_str().unwrap(),
        "--config",
        &base_url,
        "--config",
        "token=demo-token",
        "--search",
        "Person=Examplewood",
        "--peer",
        KESTREL_RMS,
        "--peer-config",
        &peer_url,
        "--peer-config",
        "api_key=demo-key",
        "--json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(out.status.success(), "{report:#}");
    let supported: Vec<bool> = report["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["supported"].as_bool().unwrap())
        .collect();
    assert_eq!(supported, [true, true, true], "{report:#}");
}

/// `interop new --lang LANG`, then its `build.sh` with the pinned tool the test build installed.
async fn script_project(lang: &str, tool_var: &str, tool: &str) {
    let dir = scratch(lang);
    let project = dir.join("acme-rms");
    let out = interop(&[
        "new",
        "acme-rms",
        "--lang",
        lang,
        "--vendor",
        "Acme Systems Ltd (fictional)",
        "--dir",
        project.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wasm = project.join("acme_rms.wasm");
    let out = Command::new(project.join("build.sh"))
        .env(tool_var, tool)
        .output()
        .expect("running build.sh");
    assert!(
        out.status.success(),
        "{lang} build.sh:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(wasm.is_file());
    passes_conformance(&project, &wasm).await;
    ships_to_a_running_gateway(&project, &wasm, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_python_project_ships_signed_to_a_running_gateway() {
    script_project("python", "COMPONENTIZE_PY", COMPONENTIZE_PY_TOOL).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_js_project_ships_signed_to_a_running_gateway() {
    script_project("js", "COMPONENTIZE_JS", COMPONENTIZE_JS_TOOL).await;
}

#[test]
fn new_refuses_a_bad_name_and_a_directory_in_the_way() {
    let dir = scratch("refuse");
    let out = interop(&["new", "Acme_RMS", "--dir", dir.join("x").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("lower-case letters"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    let out = interop(&["new", "acme-rms", "--dir", dir.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
