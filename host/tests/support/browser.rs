//! What the browser tests share (`app_browser.rs`, `console_browser.rs`): the tools they need,
//! npm packages installed once from a lock file, child processes stopped on drop, a child's
//! ready line, and a free port.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Fail (never skip) with what to install when `tool` does not run.
pub fn need(tool: &str, args: &[&str], install: &str) {
    let ok = Command::new(tool)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the browser test needs `{tool}`: {install} (scripts/test.sh does this)"
    );
}

/// `node`, `npm` and Debian's `chromium`, and the npm packages of the identity provider and of
/// the browser scripts.
pub fn browser_tools() {
    need("node", &["--version"], "apt-get install nodejs");
    need("npm", &["--version"], "apt-get install npm");
    need(
        "chromium",
        &["--version"],
        "apt-get install chromium (Debian's package; no browser is downloaded)",
    );
    npm_ci(&repo().join("scripts/idp"));
    npm_ci(&repo().join("tests/browser"));
}

/// `npm ci` in `dir` unless its `node_modules` came from the current lock file; serialised
/// across test processes.
pub fn npm_ci(dir: &Path) {
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
pub struct Running(pub Child);

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

/// The first stdout line of `child` that `want` accepts, within two minutes.
pub fn wait_line(
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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The demo provider (`scripts/idp`), told that the gateway at `gateway` calls back to
/// `/auth/callback` and sends signed-out users to `post_logout`; its client secret and keys
/// in `dir`. Returns it and its issuer.
pub fn start_idp(dir: &Path, gateway: &str, post_logout: &str) -> (Running, String) {
    let idp_log = dir.join("idp.log");
    let mut idp = Command::new("node")
        .arg(repo().join("scripts/idp/idp.mjs"))
        .args(["--port", "0", "--issuer", "http://127.0.0.1:PORT"])
        .args(["--client-redirect", &format!("{gateway}/auth/callback")])
        .args(["--post-logout", post_logout])
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
    let ready: serde_json::Value = serde_json::from_str(&ready).unwrap();
    let issuer = ready["issuer"].as_str().unwrap().to_string();
    (Running(idp), issuer)
}
