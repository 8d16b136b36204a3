//! A real PostgreSQL for a test: started by scripts/pg.sh (Debian's postgresql, as the
//! `postgres` user when the test runs as root) in a fresh directory, stopped when dropped. A
//! test that needs it fails, loudly, when PostgreSQL is missing: scripts/test.sh installs it.

// Included by several tests and a benchmark, each using a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running server.
pub struct Postgres {
    dir: PathBuf,
    /// Plain, for a trusted local link: `sslmode=disable`.
    pub url: String,
    /// TLS, the server's certificate and name checked: `sslmode=verify-full` against `ca`.
    pub url_tls: String,
    /// The CA that signed the server's certificate.
    pub ca: PathBuf,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

impl Postgres {
    /// Start one in a new directory under the system temp dir (which the `postgres` user can
    /// enter).
    pub fn start(name: &str) -> Postgres {
        let dir = std::env::temp_dir().join(format!("interop-pg-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(repo().join("scripts/pg.sh"))
            .arg("start")
            .arg(&dir)
            .output()
            .expect("cannot run scripts/pg.sh");
        assert!(
            out.status.success(),
            "scripts/pg.sh start failed: PostgreSQL is needed for this test (scripts/test.sh \
             installs it; or apt-get install -y postgresql):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let get = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_string))
                .unwrap_or_else(|| panic!("scripts/pg.sh printed no {key}: {text}"))
        };
        Postgres {
            url: get("PGURL"),
            url_tls: get("PGURL_TLS"),
            ca: PathBuf::from(get("PGCA")),
            dir,
        }
    }

    /// The server's main process (for reading its CPU time).
    pub fn postmaster_pid(&self) -> u32 {
        let text = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).unwrap();
        text.lines().next().unwrap().trim().parse().unwrap()
    }

    /// Run SQL with psql on the plain URL; its output, unaligned and without headers.
    pub fn psql(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &self.url,
                "-c",
                sql,
            ])
            .output()
            .expect("cannot run psql");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("scripts/pg.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
