//! `scripts/release.sh`, as a release is made: the archive holds one folder with the binary,
//! the README, the docs, the contract and the SDK sources for Rust, Python and JavaScript, and
//! its checksum file checks. (The binary is this build's, through `INTEROP_BIN`: a release
//! build of the whole workspace is the script's own default and takes too long for a test.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-release-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_release_archive_holds_the_binary_the_docs_and_every_sdk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = scratch("archive");
    let dist = dir.join("dist");
    let out = Command::new(root.join("scripts/release.sh"))
        .arg("--out")
        .arg(&dist)
        .env("INTEROP_BIN", env!("CARGO_BIN_EXE_interop"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "release.sh:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let name = archive
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .strip_suffix(".tar.gz")
        .unwrap()
        .to_string();
    assert!(name.starts_with("interop-0."), "{name}");
    assert!(archive.starts_with(&dist) && archive.is_file());

    // The checksum file names the archive and checks.
    let sum = Command::new("sha256sum")
        .arg("-c")
        .arg(format!("{name}.tar.gz.sha256"))
        .current_dir(&dist)
        .output()
        .unwrap();
    assert!(
        sum.status.success(),
        "{}",
        String::from_utf8_lossy(&sum.stdout)
    );

    let unpacked = dir.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let tar = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked)
        .status()
        .unwrap();
    assert!(tar.success());
    let top: Vec<_> = std::fs::read_dir(&unpacked).unwrap().collect();
    assert_eq!(top.len(), 1, "one folder at the top");
    let release = unpacked.join(&name);
    for file in [
        "bin/interop",
        "INSTALL.md",
        "README.md",
        "docs/VENDOR-GUIDE.md",
        "docs/OPERATOR-GUIDE.md",
        "docs/SECURITY.md",
        "wit/since_v0.2.0/connector.wit",
        "sdk/Cargo.toml",
        "sdk/src/lib.rs",
        "sdk/wit/connector.wit",
        "sdk/pole/Cargo.toml",
        "sdk/pole/src/lib.rs",
        "sdk/python/interop_connector/pole.py",
        "sdk/js/pole.js",
        "example-plugins/osprey-custody-py/app.py",
    ] {
        assert!(release.join(file).is_file(), "no {file} in {name}");
    }
    // No build output or caches.
    for entry in walk(&release) {
        let rel = entry.strip_prefix(&release).unwrap().display().to_string();
        assert!(
            !rel.contains("target/")
                && !rel.contains("__pycache__")
                && !rel.contains("node_modules"),
            "{rel}"
        );
    }
    // The binary runs from where it was unpacked, and is the one given.
    let bin = release.join("bin/interop");
    assert_eq!(
        std::fs::read(&bin).unwrap(),
        std::fs::read(env!("CARGO_BIN_EXE_interop")).unwrap()
    );
    let version = Command::new(&bin).arg("--version").output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));

    // A bad argument says what to do.
    let out = Command::new(root.join("scripts/release.sh"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--help"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}
