//! The real `interop serve` binary with the Kestrel RMS and Harrier ANPR connectors, each signed
//! by a development key made for the run, against their stand-ins: what the linkage and profile
//! tests start. Dropping [`Running`] kills the gateway and stops the stand-ins.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use interop_gateway::config::token_sha256;
use interop_sandbox::signing::{self, SecretKey};
use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};
use serde_json::Value;

/// The gateway binary with its stand-ins; dropping it kills the gateway.
pub struct Running {
    pub url: String,
    pub dir: PathBuf,
    child: Child,
    _kestrel: kestrel_rms_standin::StandIn,
    _harrier: harrier_anpr_standin::StandIn,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

/// A loopback port nothing listens on (bound, then closed).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A `[[users]]` entry with the `investigator` role.
pub fn investigator(id: &str, token: &str, clearance: &str) -> String {
    format!(
        "[[users]]\nid = \"{id}\"\ntoken_sha256 = \"{}\"\nroles = [\"investigator\"]\nclearance = \"{clearance}\"\n",
        hex::encode(token_sha256(token))
    )
}

/// Start both stand-ins and `interop serve` with both connectors, in a scratch directory named
/// by `name` (unique across the tests). With `harrier_down`, Harrier's connector points at a
/// closed port. `sections` is the rest of the configuration: roles, users, `[linkage]`.
pub async fn start(name: &str, harrier_down: bool, sections: &str) -> Running {
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = SecretKey::generate().unwrap();
    key.write_files(&dir.join("dev-signing"), name, false)
        .unwrap();
    let signed = |component: &str| {
        let out = dir.join(Path::new(component).file_name().unwrap());
        std::fs::write(
            &out,
            signing::sign(&std::fs::read(component).unwrap(), &key).unwrap(),
        )
        .unwrap();
        out
    };
    let kestrel_wasm = signed(KESTREL_RMS);
    let harrier_wasm = signed(HARRIER_ANPR);
    let kp = policy(
        &dir,
        "kestrel-rms",
        &kestrel.base_url(),
        "api_key",
        kestrel_rms_standin::DEFAULT_API_KEY,
    );
    let harrier_url = if harrier_down {
        format!("http://127.0.0.1:{}/", closed_port())
    } else {
        harrier.base_url()
    };
    let hp = policy(
        &dir,
        "harrier-anpr",
        &harrier_url,
        "token",
        harrier_anpr_standin::DEFAULT_API_KEY,
    );
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n\
             [trust]\nkeys = [\"dev-signing.pub\"]\n\
             [[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n\
             [[connectors]]\ncomponent = \"{}\"\npolicy = \"{}\"\n{sections}",
            kestrel_wasm.display(),
            kp.display(),
            harrier_wasm.display(),
            hp.display(),
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Read its stdout to the end, so nothing it writes there can fail on a closed pipe.
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("listening on ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let url = rx.await.expect("the gateway prints its address");
    Running {
        url,
        dir,
        child,
        _kestrel: kestrel,
        _harrier: harrier,
    }
}

/// Every record of the gateway's audit log, continuation records put back.
pub fn audit(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("audit/audit.jsonl")).unwrap();
    let mut out: Vec<Value> = Vec::new();
    for line in text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
    {
        if let Some(of) = line.get("continuation_of").and_then(Value::as_u64) {
            let whole = out
                .iter_mut()
                .find(|r| r["seq"].as_u64() == Some(of))
                .expect("a continuation follows its record");
            for (k, v) in line.as_object().unwrap() {
                if let (Some(items), Some(into)) = (v.as_array(), whole[k].as_array_mut()) {
                    into.extend(items.iter().cloned());
                }
            }
        } else if line.get("operation").is_some() {
            out.push(line);
        }
    }
    out
}
