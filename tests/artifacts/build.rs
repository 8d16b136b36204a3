//! Compile every connector the tests use to a wasm32-wasip2 component, once, and write a Rust
//! constant naming each file, so a test that names a missing component does not compile.
//!
//! The guests are built by a nested cargo with its own target directory: the outer cargo holds
//! the lock on the usual one while build scripts run.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (constant name, package, file stem)
const COMPONENTS: &[(&str, &str, &str)] = &[
    (
        "KESTREL_RMS",
        "kestrel-rms-connector",
        "kestrel_rms_connector",
    ),
    (
        "HARRIER_ANPR",
        "harrier-anpr-connector",
        "harrier_anpr_connector",
    ),
    ("GUEST_COUNTER", "guest-counter", "guest_counter"),
    ("GUEST_MISBEHAVE", "guest-misbehave", "guest_misbehave"),
    (
        "GUEST_CONTRACT_NEXT",
        "guest-contract-next",
        "guest_contract_next",
    ),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("tests/artifacts sits two levels below the workspace root")
        .to_path_buf();
    for watched in [
        "wit",
        "sdk",
        "example-plugins",
        "tests/guests",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"))
        .join("wasm-artifacts");

    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .arg("build")
        .arg("--release")
        .arg("--locked")
        .arg("--target=wasm32-wasip2")
        .arg("--target-dir")
        .arg(&target_dir);
    for (_, package, _) in COMPONENTS {
        cmd.arg("-p").arg(package);
    }
    // Flags meant for the outer (native) build must not leak into the wasm one.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("could not run cargo to build the wasm test components");
    if !status.success() {
        panic!(
            "building the wasm components failed (see above). If it says the target is missing, run `rustup target add wasm32-wasip2`."
        );
    }

    let out_dir = target_dir.join("wasm32-wasip2").join("release");
    let mut code = String::new();
    for (name, package, stem) in COMPONENTS {
        let path = out_dir.join(format!("{stem}.wasm"));
        assert!(
            path.exists(),
            "{} was not produced by building {package}",
            path.display()
        );
        writeln!(code, "/// The `{package}` component.").expect("writing to a String");
        writeln!(
            code,
            "pub const {name}: &str = {:?};",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    let generated = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("components.rs");
    std::fs::write(&generated, code).expect("writing components.rs");
}
