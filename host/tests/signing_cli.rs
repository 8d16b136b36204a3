//! `interop keys generate`, `interop sign` and `interop verify` as a vendor and a force use them,
//! and what the vendor tools say about a component's signature.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use interop_test_artifacts::KESTREL_RMS;

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running interop")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-sign-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `interop keys generate --out dir/name`, returning the key id it printed.
fn generate(dir: &Path, name: &str) -> String {
    let out = interop(&[
        "keys",
        "generate",
        "--out",
        s(&dir.join(name)),
        "--comment",
        "test key",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("key id "))
        .unwrap_or_else(|| panic!("no key id printed: {text}"))
        .to_string();
    assert_eq!(id.len(), 16, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    id
}

/// A signed copy of the Kestrel connector, signed with `dir/key.key`.
fn signed_copy(dir: &Path, key: &str, name: &str) -> PathBuf {
    let out_file = dir.join(name);
    let out = interop(&[
        "sign",
        KESTREL_RMS,
        "--key",
        s(&dir.join(format!("{key}.key"))),
        "--out",
        s(&out_file),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    out_file
}

#[test]
fn keys_generate_writes_a_private_key_and_a_one_line_public_key() {
    let dir = scratch("generate");
    let id = generate(&dir, "vendor");
    let key = dir.join("vendor.key");
    let public = dir.join("vendor.pub");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the secret key is private");
    let line = std::fs::read_to_string(&public).unwrap();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.starts_with("interop-ed25519 ") && line.trim_end().ends_with(" test key"),
        "{line}"
    );
    let secret_before = std::fs::read(&key).unwrap();

    // Never overwritten without --force.
    let out = interop(&["keys", "generate", "--out", s(&dir.join("vendor"))]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already exists") && stderr(&out).contains("--force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&key).unwrap(), secret_before);

    let out = interop(&[
        "keys",
        "generate",
        "--out",
        s(&dir.join("vendor")),
        "--force",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains(&id), "a new key: {}", stdout(&out));
    assert_ne!(std::fs::read(&key).unwrap(), secret_before);
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn sign_then_verify_with_the_trusted_key_exits_0() {
    let dir = scratch("roundtrip");
    let id = generate(&dir, "vendor");
    let signed = signed_copy(&dir, "vendor", "kestrel.wasm");
    // --out leaves the input as it was.
    assert_eq!(
        std::fs::read(KESTREL_RMS).unwrap(),
        std::fs::read(&signed).unwrap()[..std::fs::metadata(KESTREL_RMS).unwrap().len() as usize]
    );
    let out = interop(&["verify", s(&signed), "--trust", s(&dir.join("vendor.pub"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("valid signature by trusted key {id}")),
        "{}",
        stdout(&out)
    );

    // In place: the file itself is replaced by its signed form.
    let in_place = dir.join("in-place.wasm");
    std::fs::copy(KESTREL_RMS, &in_place).unwrap();
    let out = interop(&["sign", s(&in_place), "--key", s(&dir.join("vendor.key"))]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&id), "{}", stdout(&out));
    assert_eq!(
        std::fs::read(&in_place).unwrap(),
        std::fs::read(&signed).unwrap()
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".signing-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind");

    // Re-signing with another key replaces the signature.
    let other = generate(&dir, "other");
    let out = interop(&["sign", s(&in_place), "--key", s(&dir.join("other.key"))]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(&in_place).unwrap().len(),
        std::fs::metadata(&signed).unwrap().len()
    );
    let out = interop(&["verify", s(&in_place), "--trust", s(&dir.join("other.pub"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(&other), "{}", stdout(&out));
}

#[test]
fn verify_refuses_with_the_reason_and_exit_1() {
    let dir = scratch("refusals");
    let id = generate(&dir, "vendor");
    generate(&dir, "other");
    let signed = signed_copy(&dir, "vendor", "kestrel.wasm");
    let vendor_pub = dir.join("vendor.pub");
    let refused = |args: &[&str], needles: &[&str]| {
        let out = interop(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        for n in needles {
            assert!(err.contains(n), "{args:?}: `{n}` not in {err}");
        }
    };

    refused(
        &["verify", KESTREL_RMS, "--trust", s(&vendor_pub)],
        &["unsigned", "interop sign"],
    );
    refused(
        &["verify", s(&signed), "--trust", s(&dir.join("other.pub"))],
        &["unknown key", &id],
    );
    refused(
        &[
            "verify",
            s(&signed),
            "--trust",
            s(&vendor_pub),
            "--revoked",
            &id,
        ],
        &["revoked key", &id],
    );
    refused(
        &[
            "verify",
            s(&signed),
            "--trust",
            s(&vendor_pub),
            "--revoked",
            s(&vendor_pub),
        ],
        &["revoked key", &id],
    );

    // A flipped byte in the code, and one in the signature.
    let bytes = std::fs::read(&signed).unwrap();
    for (name, at) in [
        ("code.wasm", bytes.len() / 2),
        ("sig.wasm", bytes.len() - 10),
    ] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x04;
        let file = dir.join(name);
        std::fs::write(&file, bad).unwrap();
        refused(
            &["verify", s(&file), "--trust", s(&vendor_pub)],
            &["tampered", &id, s(&file)],
        );
    }
    // The signature stripped: unsigned again.
    let stripped = dir.join("stripped.wasm");
    std::fs::write(
        &stripped,
        &bytes[..std::fs::metadata(KESTREL_RMS).unwrap().len() as usize],
    )
    .unwrap();
    refused(
        &["verify", s(&stripped), "--trust", s(&vendor_pub)],
        &["unsigned"],
    );
    // Bytes after the signature.
    let mut appended = bytes.clone();
    appended.extend_from_slice(&[0, 3, 2, b'h', b'i']);
    let file = dir.join("appended.wasm");
    std::fs::write(&file, appended).unwrap();
    refused(
        &["verify", s(&file), "--trust", s(&vendor_pub)],
        &["malformed", "not the last section"],
    );

    // No --trust is a usage error; a bad --revoked entry says what it must be.
    let out = interop(&["verify", s(&signed)]);
    assert_eq!(out.status.code(), Some(2));
    refused(
        &[
            "verify",
            s(&signed),
            "--trust",
            s(&vendor_pub),
            "--revoked",
            "nope",
        ],
        &["16-hex-digit key id"],
    );
}

#[test]
fn sign_refuses_what_it_must_not_sign() {
    let dir = scratch("sign-refusals");
    generate(&dir, "vendor");
    let key = dir.join("vendor.key");

    // Not a component: nothing is written.
    let out_file = dir.join("out.wasm");
    let cargo_toml = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = interop(&["sign", cargo_toml, "--key", s(&key), "--out", s(&out_file)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a WebAssembly file"),
        "{}",
        stderr(&out)
    );
    assert!(!out_file.exists());
    let core = dir.join("core.wasm");
    std::fs::write(&core, b"\0asm\x01\x00\x00\x00").unwrap();
    let out = interop(&["sign", s(&core), "--key", s(&key)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("core WebAssembly module"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&core).unwrap(), b"\0asm\x01\x00\x00\x00");

    // The public key is not a signing key; a secret key others can read is refused.
    let out = interop(&[
        "sign",
        KESTREL_RMS,
        "--key",
        s(&dir.join("vendor.pub")),
        "--out",
        s(&out_file),
    ]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = interop(&["sign", KESTREL_RMS, "--key", s(&key), "--out", s(&out_file)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(!out_file.exists());
}

#[test]
fn vendor_tools_say_whether_a_component_is_signed() {
    let dir = scratch("tools");
    let id = generate(&dir, "vendor");
    let signed = signed_copy(&dir, "vendor", "kestrel.wasm");
    let signed_text = format!("signed by key {id} (not checked against a trust store");

    for (component, expect) in [
        (KESTREL_RMS, "unsigned"),
        (s(&signed), signed_text.as_str()),
    ] {
        let out = interop(&["inspect", component]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("signature: {expect}")),
            "{}",
            stdout(&out)
        );

        let out = interop(&["call", component, "describe"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let lines: Vec<String> = stderr(&out)
            .lines()
            .filter(|l| l.contains(expect))
            .map(str::to_string)
            .collect();
        assert_eq!(lines.len(), 1, "one stderr line: {}", stderr(&out));
        assert!(lines[0].starts_with(component), "{}", lines[0]);

        let out = interop(&["policy", "review", component]);
        assert!(
            stdout(&out).contains(&format!("signature: {expect}")),
            "{}",
            stdout(&out)
        );
    }

    let out = interop(&["policy", "review", KESTREL_RMS, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["signature"]["status"], "unsigned", "{json}");
    let out = interop(&["policy", "review", s(&signed), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["signature"]["status"], "signed", "{json}");
    assert_eq!(json["signature"]["key_id"], id.as_str(), "{json}");
    assert_eq!(json["signature"]["trust_checked"], false, "{json}");
    let out = interop(&["inspect", "--json", s(&signed)]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["signature"]["key_id"], id.as_str(), "{json}");

    // A tampered component still inspects, and says its signature is invalid.
    let mut bytes = std::fs::read(&signed).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, bytes).unwrap();
    let out = interop(&["inspect", s(&bad)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("signature: invalid signature: tampered"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn help_teaches_signing_with_examples() {
    for cmd in [
        &["keys", "generate", "--help"][..],
        &["sign", "--help"],
        &["verify", "--help"],
    ] {
        let out = interop(cmd);
        assert!(out.status.success());
        let text = stdout(&out);
        assert!(text.contains("Examples:"), "{cmd:?}: {text}");
    }
    let text = stdout(&interop(&["verify", "--help"]));
    assert!(
        text.contains("unsigned") && text.contains("revoked") && text.contains("tampered"),
        "{text}"
    );
    let text = stdout(&interop(&["--help"]));
    assert!(text.contains("interop sign"), "{text}");
}
