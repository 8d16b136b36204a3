//! Running the real `interop` binary from a test: a one-shot command, and `interop serve` on a
//! configuration, killed when the handle drops. Shared by the tests that drive a gateway's
//! configuration while it runs (live_config.rs, console_api.rs).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A fresh, empty directory for one test: `interop-{prefix}-{name}-{pid}` under the temp dir.
pub fn scratch(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `interop ARGS…`, run to the end.
pub fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running interop")
}

/// A running `interop serve`; dropping it kills it.
pub struct Served {
    pub child: Child,
    /// `http://IP:PORT`, as the gateway printed it.
    pub url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `interop serve --config CONFIG` and wait for the address it prints.
pub fn serve(config: &Path) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the gateway prints its address")
            .unwrap();
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.to_string();
        }
    };
    // Keep reading stdout so the gateway never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    Served { child, url }
}
