//! The live gateway against its own `/openapi.json`, fuzzed by schemathesis (issue 12): the
//! `interop` binary the suite built serves the demo's configuration (both example connectors,
//! signed, against their vendor stand-ins; the demo's officer and auditor with their fixed
//! tokens), and schemathesis — a pinned version from PyPI, installed into a venv under the
//! target directory on first use — runs every phase and every check against it, with a valid
//! token. Any failure it reports fails this test, with its report.
//!
//! `INTEROP_SCHEMATHESIS_EXAMPLES` sets the examples per operation (default 60) and
//! `INTEROP_SCHEMATHESIS_SEED` a seed to replay a run (schemathesis prints the seed it used).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};

/// The pinned schemathesis; scripts/schemathesis-requirements.txt pins what it installs.
const SCHEMATHESIS: &str = "4.32.5";
/// The demo's fixed tokens (scripts/demo.sh, README).
const OFFICER: &str = "demo-officer-token";
const AUDITOR: &str = "demo-auditor-token";
/// An operator who may act in the console (not a demo user: the demo signs operators in).
const OPERATOR: &str = "schemathesis-operator-token";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// schemathesis' `st`, installed into `target/ci-tools/schemathesis-VERSION` if it is not
/// there yet. Never skipped: an install that fails fails the test.
fn schemathesis() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("..");
    let venv = target.join(format!("ci-tools/schemathesis-{SCHEMATHESIS}"));
    let st = venv.join("bin/st");
    let ready = Command::new(&st).arg("--version").output().is_ok_and(|o| {
        o.status.success() && String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS)
    });
    if ready {
        return st;
    }
    eprintln!(
        "installing schemathesis {SCHEMATHESIS} into {}",
        venv.display()
    );
    let run = |cmd: &mut Command, what: &str| {
        let status = cmd.status().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            status.success(),
            "{what} failed ({status}); python3 with venv and PyPI are needed"
        );
    };
    run(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        "python3 -m venv",
    );
    run(
        Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "-r",
            ])
            .arg(repo().join("scripts/schemathesis-requirements.txt")),
        "pip install schemathesis",
    );
    st
}

/// A gateway child process, killed when dropped.
struct Gateway {
    child: Child,
    url: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo's gateway in `dir`: both example connectors signed with a key made here, against
/// the stand-ins at `kestrel` and `harrier`, the demo's two users.
fn start_gateway(dir: &Path, kestrel: &str, harrier: &str) -> Gateway {
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("demo-vendor"), "schemathesis demo key", false)
        .unwrap();
    let mut connectors = String::new();
    for (component, id, url, secret_key, secret) in [
        (
            KESTREL_RMS,
            "kestrel-rms",
            kestrel,
            "api_key",
            kestrel_rms_standin::DEFAULT_API_KEY,
        ),
        (
            HARRIER_ANPR,
            "harrier-anpr",
            harrier,
            "token",
            harrier_anpr_standin::DEFAULT_API_KEY,
        ),
    ] {
        let bytes = std::fs::read(component).unwrap();
        let wasm = dir.join(format!("{id}.wasm"));
        std::fs::write(&wasm, signing::sign(&bytes, &key).unwrap()).unwrap();
        let secret_file = dir.join(format!("{id}.secret"));
        std::fs::write(&secret_file, secret).unwrap();
        let policy = dir.join(format!("{id}.toml"));
        std::fs::write(
            &policy,
            format!(
                "connector = \"{id}\"\n[config]\nbase_url = \"{url}\"\nforce = \"Demo Constabulary\"\n[secrets]\n{secret_key} = {{ file = \"{}\" }}\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"127.0.0.1\"]\n",
                secret_file.display()
            ),
        )
        .unwrap();
        connectors.push_str(&format!(
            "[[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n",
            wasm.display(),
            policy.display()
        ));
    }
    let user = |id: &str, token: &str, roles: &str| {
        format!(
            "[[users]]\nid = \"{id}\"\ntoken_sha256 = \"{}\"\nroles = [{roles}]\nclearance = \"official\"\n",
            hex::encode(token_sha256(token))
        )
    };
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"demo-gateway\"\n\
         [audit]\ndir = \"audit\"\n[trust]\nkeys = [\"demo-vendor.pub\"]\n{connectors}\
         [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\", \"fetch\", \"submit\"]\n\
         [roles.auditor]\naudit = true\n[roles.operator]\noperate = \"act\"\n{}{}{}",
        user("demo-officer", OFFICER, "\"investigator\""),
        user("demo-auditor", AUDITOR, "\"auditor\""),
        user("demo-operator", OPERATOR, "\"operator\""),
    );
    let file = dir.join("gateway.toml");
    std::fs::write(&file, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", file.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("gateway.err")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut url = None;
    for line in BufReader::new(stdout).lines() {
        if let Some(addr) = line.unwrap().strip_prefix("listening on ") {
            url = Some(addr.to_string());
            break;
        }
    }
    let Some(url) = url else {
        panic!(
            "the gateway did not start; its log:\n{}",
            std::fs::read_to_string(dir.join("gateway.err")).unwrap_or_default()
        );
    };
    Gateway { child, url }
}

/// Run schemathesis on the operations `filter` selects, with `token`; its output, and whether
/// it passed.
fn fuzz(st: &Path, dir: &Path, url: &str, token: &str, filter: &[&str]) -> (bool, String) {
    let examples =
        std::env::var("INTEROP_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "60".to_string());
    let mut cmd = Command::new(st);
    cmd.arg("run")
        .arg(format!("{url}/openapi.json"))
        .args([
            "--checks",
            "all",
            "--max-examples",
            &examples,
            // One worker: schemathesis' workers are threads, and the Python 3.11 these
            // machines run parses lambdas' source with `ast.parse`, whose recursion counter is
            // shared between threads (CPython gh-106905): two workers at once can crash the
            // fuzzer itself ("AST constructor recursion depth mismatch"), which says nothing
            // about the gateway.
            "--workers",
            "1",
        ])
        .args(["--request-timeout", "30", "--output-truncate", "false"])
        .arg("--header")
        .arg(format!("Authorization: Bearer {token}"))
        .args(filter)
        .current_dir(dir)
        .env("NO_COLOR", "1");
    if let Ok(seed) = std::env::var("INTEROP_SCHEMATHESIS_SEED") {
        cmd.args(["--seed", &seed]);
    }
    let out = cmd.output().expect("schemathesis runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_against_the_demo_gateway() {
    let st = tokio::task::spawn_blocking(schemathesis).await.unwrap();
    let dir = std::env::temp_dir().join(format!("interop-schemathesis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();
    let (kestrel_url, harrier_url) = (kestrel.base_url(), harrier.base_url());
    let dir2 = dir.clone();
    tokio::task::spawn_blocking(move || {
        let gateway = start_gateway(&dir2, &kestrel_url, &harrier_url);
        // The officer over every operation but the audit log, which the auditor reads, and
        // the operator console, which the operator uses (its actions included: a reload of
        // the same file, revocations — of the demo's own key too, when the fuzzer finds its id
        // in the console's answer, so the operator's run goes last —, store actions on a
        // gateway with no store).
        let runs = [
            (
                OFFICER,
                vec![
                    "--exclude-path",
                    "/v1/audit",
                    "--exclude-path-regex",
                    "^/v1/console",
                ],
            ),
            (AUDITOR, vec!["--include-path", "/v1/audit"]),
            (OPERATOR, vec!["--include-path-regex", "^/v1/console"]),
        ];
        for (token, filter) in runs {
            let (passed, report) = fuzz(&st, &dir2, &gateway.url, token, &filter);
            println!("{report}");
            assert!(
                passed,
                "schemathesis reported failures with {token} ({filter:?}):\n{report}\n\ngateway log:\n{}",
                std::fs::read_to_string(dir2.join("gateway.err")).unwrap_or_default()
            );
            assert!(
                report.contains("passed") && !report.contains("No operations"),
                "schemathesis tested nothing:\n{report}"
            );
        }
        // Whatever it sent, the audit log stays readable and verifies.
        let verify = Command::new(env!("CARGO_BIN_EXE_interop"))
            .args(["audit", "verify", "--file"])
            .arg(dir2.join("audit/audit.jsonl"))
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "audit verify after the fuzz: {}{}",
            String::from_utf8_lossy(&verify.stdout),
            String::from_utf8_lossy(&verify.stderr)
        );
    })
    .await
    .unwrap();
    drop((kestrel, harrier));
    let _ = std::fs::remove_dir_all(&dir);
}
