use super::*;

/// A key from a fixed seed, so failures reproduce.
fn key(n: u8) -> SecretKey {
    SecretKey::from_seed([n; 32])
}

fn trusting(keys: &[&SecretKey]) -> TrustStore {
    let mut store = TrustStore::new();
    for k in keys {
        store.trust(k.public("test"));
    }
    store
}

/// A small component by its framing: the component preamble, a custom section, and two
/// sections of other ids. Nothing here compiles it, so the payloads need not be real.
fn tiny_component() -> Vec<u8> {
    let mut bytes = b"\0asm\x0d\x00\x01\x00".to_vec();
    // custom section "note" = "hello"
    bytes.extend_from_slice(&[
        0, 10, 4, b'n', b'o', b't', b'e', b'h', b'e', b'l', b'l', b'o',
    ]);
    // "core module" section with 20 bytes of payload
    bytes.push(1);
    bytes.push(20);
    bytes.extend((0..20).map(|i| i as u8 * 7));
    // "export" section with 3 bytes
    bytes.extend_from_slice(&[11, 3, 9, 8, 7]);
    bytes
}

fn scratch(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("interop-signing-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn leb128_round_trips_and_refuses_overflow() {
    for v in [0u32, 1, 127, 128, 300, 16_384, u32::MAX] {
        let mut out = Vec::new();
        write_u32(&mut out, v);
        let mut at = 0;
        assert_eq!(read_u32(&out, &mut at).unwrap(), v);
        assert_eq!(at, out.len());
    }
    // Padded (non-canonical) encodings are valid wasm.
    let mut at = 0;
    assert_eq!(read_u32(&[0x85, 0x80, 0x00], &mut at).unwrap(), 5);
    // A fifth byte with more than 4 bits, a sixth byte, and a truncated number are not.
    let mut at = 0;
    assert!(read_u32(&[0xff, 0xff, 0xff, 0xff, 0x1f], &mut at).is_err());
    let mut at = 0;
    assert!(read_u32(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], &mut at).is_err());
    let mut at = 0;
    assert!(read_u32(&[0x80], &mut at).is_err());
}

#[test]
fn sign_then_verify_round_trips() {
    let vendor = key(1);
    let bytes = tiny_component();
    assert_eq!(signature_status(&bytes), SignatureStatus::Unsigned);
    let signed = sign(&bytes, &vendor).unwrap();
    // The original bytes are kept, the signature appended as the last section.
    assert_eq!(&signed[..bytes.len()], &bytes[..]);
    let last = sections(&signed).unwrap().pop().unwrap();
    assert_eq!(last.start, bytes.len());
    assert_eq!(last.custom.unwrap().0, SECTION_NAME);

    let signer = verify(&signed, &trusting(&[&vendor])).unwrap();
    assert_eq!(signer.key_id, vendor.id());
    assert_eq!(signer.comment, "test");
    assert_eq!(
        signature_status(&signed),
        SignatureStatus::Signed {
            key_id: vendor.id()
        }
    );
    // The key id is 16 hex digits of SHA-256(public key), stable across runs.
    assert_eq!(vendor.id().as_str().len(), 16);
    assert_eq!(
        vendor.id(),
        KeyId::of(&vendor.public("").to_bytes()),
        "the id names the public key"
    );
}

#[test]
fn resigning_replaces_the_signature() {
    let (old, new) = (key(1), key(2));
    let bytes = tiny_component();
    let once = sign(&bytes, &old).unwrap();
    let twice = sign(&once, &new).unwrap();
    assert_eq!(twice.len(), once.len(), "one signature, not two");
    assert_eq!(&twice[..bytes.len()], &bytes[..]);
    assert_eq!(verify(&twice, &trusting(&[&new])).unwrap().key_id, new.id());
    assert_eq!(
        verify(&twice, &trusting(&[&old])).unwrap_err(),
        SignatureError::UnknownKey { key_id: new.id() }
    );
    // Signing again with the same key gives the same bytes (Ed25519 is deterministic).
    assert_eq!(sign(&once, &old).unwrap(), once);
}

#[test]
fn every_flipped_byte_is_refused() {
    let vendor = key(1);
    let trust = trusting(&[&vendor]);
    let signed = sign(&tiny_component(), &vendor).unwrap();
    let signature_at = tiny_component().len();
    // id, size, name length, name, format version: then the public key and the signature.
    let key_at = signature_at + 1 + 1 + 1 + SECTION_NAME.len() + 1;
    for i in 0..signed.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = signed.clone();
            bad[i] ^= bit;
            let err = verify(&bad, &trust).expect_err(&format!("byte {i} ^ {bit:#x} accepted"));
            // Inside a section's payload the framing is intact, so the signature is what fails;
            // the public key bytes name another key, which still does not match.
            let in_code = (22..42).contains(&i);
            let in_signature = i >= key_at;
            if in_code || in_signature {
                assert_eq!(err.kind(), "tampered", "byte {i} ^ {bit:#x}: {err}");
            }
            assert!(
                !matches!(signature_status(&bad), SignatureStatus::Signed { .. }),
                "byte {i} ^ {bit:#x} reported as signed"
            );
        }
    }
}

#[test]
fn verifying_with_the_digest_decides_as_verify_and_hashes_the_whole_file() {
    let (vendor, other) = (key(1), key(2));
    let trust = trusting(&[&vendor]);
    let bytes = tiny_component();
    let signed = sign(&bytes, &vendor).unwrap();
    let mut revoked = trusting(&[&vendor]);
    revoked.revoke(vendor.id());
    let mut cases = vec![
        (signed.clone(), trust.clone()),
        (bytes.clone(), trust.clone()),
        (sign(&bytes, &other).unwrap(), trust.clone()),
        (signed.clone(), revoked),
        (b"not wasm".to_vec(), trust.clone()),
    ];
    for i in 0..signed.len() {
        let mut bad = signed.clone();
        bad[i] ^= 0x01;
        cases.push((bad, trust.clone()));
    }
    for (file, trust) in &cases {
        let (verdict, digest) = verify_with_digest(file, trust);
        assert_eq!(verdict, verify(file, trust));
        assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(file)));
    }
}

#[test]
fn stripped_signature_is_unsigned() {
    let vendor = key(1);
    let bytes = tiny_component();
    let signed = sign(&bytes, &vendor).unwrap();
    let stripped = &signed[..bytes.len()];
    assert_eq!(
        verify(stripped, &trusting(&[&vendor])).unwrap_err(),
        SignatureError::Unsigned
    );
    assert_eq!(
        verify(&bytes, &trusting(&[&vendor])).unwrap_err(),
        SignatureError::Unsigned
    );
}

#[test]
fn wrong_key_is_unknown_and_revoked_key_is_revoked() {
    let (vendor, other) = (key(1), key(2));
    let signed = sign(&tiny_component(), &vendor).unwrap();
    let err = verify(&signed, &trusting(&[&other])).unwrap_err();
    assert_eq!(
        err,
        SignatureError::UnknownKey {
            key_id: vendor.id()
        }
    );
    assert!(err.to_string().contains(vendor.id().as_str()), "{err}");
    assert_eq!(
        verify(&signed, &TrustStore::new()).unwrap_err().kind(),
        "unknown-key"
    );

    // Revoked wins over trusted.
    let mut trust = trusting(&[&vendor, &other]);
    trust.revoke(vendor.id());
    let err = verify(&signed, &trust).unwrap_err();
    assert_eq!(
        err,
        SignatureError::RevokedKey {
            key_id: vendor.id()
        }
    );
    assert!(err.to_string().contains(vendor.id().as_str()), "{err}");
    // What the other key signs still loads.
    let by_other = sign(&tiny_component(), &other).unwrap();
    assert_eq!(verify(&by_other, &trust).unwrap().key_id, other.id());
}

#[test]
fn a_signature_not_last_or_twice_is_malformed() {
    let vendor = key(1);
    let trust = trusting(&[&vendor]);
    let bytes = tiny_component();
    let signed = sign(&bytes, &vendor).unwrap();
    let section = signed[bytes.len()..].to_vec();

    // A section appended after the signature.
    let mut appended = signed.clone();
    appended.extend_from_slice(&[0, 2, 1, b'x']);
    let err = verify(&appended, &trust).unwrap_err();
    assert_eq!(err.kind(), "malformed");
    assert!(err.to_string().contains("not the last section"), "{err}");

    // The signature moved to the front: it still covers the same bytes, but is not last.
    let mut moved = bytes[..8].to_vec();
    moved.extend_from_slice(&section);
    moved.extend_from_slice(&bytes[8..]);
    let err = verify(&moved, &trust).unwrap_err();
    assert!(err.to_string().contains("not the last section"), "{err}");

    // Two signature sections.
    let mut twice = signed.clone();
    twice.extend_from_slice(&section);
    let err = verify(&twice, &trust).unwrap_err();
    assert_eq!(err.kind(), "malformed");
    assert!(
        err.to_string().contains("2 `interop-signature` sections"),
        "{err}"
    );

    // Signing does not paper over either.
    assert_eq!(sign(&twice, &vendor).unwrap_err().kind(), "malformed");
    assert_eq!(sign(&moved, &vendor).unwrap_err().kind(), "malformed");
    assert!(matches!(
        signature_status(&twice),
        SignatureStatus::Invalid { .. }
    ));
}

#[test]
fn a_bad_payload_is_malformed() {
    let vendor = key(1);
    let trust = trusting(&[&vendor]);
    let bytes = tiny_component();
    let signed = sign(&bytes, &vendor).unwrap();
    let name_at = bytes.len() + 2;

    // Unknown format version.
    let mut version = signed.clone();
    version[name_at + 1 + SECTION_NAME.len()] = 2;
    let err = verify(&version, &trust).unwrap_err();
    assert!(err.to_string().contains("format version 2"), "{err}");

    // One byte short: the section and the file both shrink by one.
    let mut short = signed[..signed.len() - 1].to_vec();
    short[bytes.len() + 1] -= 1;
    let err = verify(&short, &trust).unwrap_err();
    assert!(err.to_string().contains("not 97"), "{err}");

    // The section claims more bytes than the file has.
    let mut long = signed.clone();
    long[bytes.len() + 1] += 1;
    let err = verify(&long, &trust).unwrap_err();
    assert!(err.to_string().contains("past the end"), "{err}");

    // A padded size: same section, another encoding.
    let mut padded = bytes.clone();
    let section = &signed[bytes.len()..];
    padded.extend_from_slice(&[0, section[1] | 0x80, 0x00]);
    padded.extend_from_slice(&section[2..]);
    let err = verify(&padded, &trust).unwrap_err();
    assert!(err.to_string().contains("canonical"), "{err}");
}

#[test]
fn not_a_component_is_refused() {
    let vendor = key(1);
    let err = sign(b"hello, world", &vendor).unwrap_err();
    assert!(err.to_string().contains("not a WebAssembly file"), "{err}");
    let core = b"\0asm\x01\x00\x00\x00".to_vec();
    let err = sign(&core, &vendor).unwrap_err();
    assert!(err.to_string().contains("core WebAssembly module"), "{err}");
    let err = verify(b"hello, world", &trusting(&[&vendor])).unwrap_err();
    assert_eq!(err.kind(), "malformed");
    // Trailing bytes that are not a whole section.
    let mut trailing = tiny_component();
    trailing.extend_from_slice(&[1, 50]);
    assert!(sign(&trailing, &vendor).is_err());
}

#[test]
fn key_files_round_trip_and_are_guarded() {
    let dir = scratch("keys");
    let prefix = dir.join("vendor.dev");
    let k = SecretKey::generate().unwrap();
    let (key_path, pub_path) = k.write_files(&prefix, "Kestrel build key", false).unwrap();
    assert_eq!(key_path, dir.join("vendor.dev.key"));
    assert_eq!(pub_path, dir.join("vendor.dev.pub"));
    let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let text = std::fs::read_to_string(&pub_path).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.starts_with("interop-ed25519 "), "{text}");
    assert!(text.trim_end().ends_with(" Kestrel build key"), "{text}");
    let public = PublicKey::from_file(&pub_path).unwrap();
    assert_eq!(public.id(), k.id());
    assert_eq!(public.comment(), "Kestrel build key");
    assert_eq!(SecretKey::from_file(&key_path).unwrap().id(), k.id());

    // No overwrite without force; with force, a new key replaces both files.
    let other = SecretKey::generate().unwrap();
    let err = other.write_files(&prefix, "", false).unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(SecretKey::from_file(&key_path).unwrap().id(), k.id());
    other.write_files(&prefix, "", true).unwrap();
    assert_eq!(SecretKey::from_file(&key_path).unwrap().id(), other.id());
    assert_eq!(PublicKey::from_file(&pub_path).unwrap().id(), other.id());
    let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // A key others can read is refused, saying what to do.
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let err = SecretKey::from_file(&key_path).unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");

    // The wrong file is named as such.
    let err = SecretKey::from_file(&pub_path).unwrap_err();
    assert!(err.to_string().contains("not the .pub"), "{err}");
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = PublicKey::from_file(&key_path).unwrap_err();
    assert!(err.to_string().contains("interop keys generate"), "{err}");
}

#[test]
fn revoked_entries_are_ids_or_pub_files() {
    let dir = scratch("revoke");
    let k = key(3);
    k.write_files(&dir.join("old"), "", false).unwrap();
    let mut store = TrustStore::new();
    assert_eq!(store.revoke_entry("old.pub", &dir).unwrap(), k.id());
    let upper = k.id().as_str().to_ascii_uppercase();
    assert_eq!(store.revoke_entry(&upper, &dir).unwrap(), k.id());
    let err = store.revoke_entry("nope.pub", &dir).unwrap_err();
    assert!(err.to_string().contains("16-hex-digit key id"), "{err}");
    assert_eq!(store.revoked().count(), 1);
}

/// wasmtime ignores the signature section: a signed connector compiles and describes itself.
#[tokio::test(flavor = "multi_thread")]
async fn a_signed_component_still_loads() {
    let bytes = std::fs::read(interop_test_artifacts::KESTREL_RMS).unwrap();
    let vendor = key(1);
    let signed = sign(&bytes, &vendor).unwrap();
    assert_eq!(
        verify(&signed, &trusting(&[&vendor])).unwrap().key_id,
        vendor.id()
    );
    let host = crate::Host::new().unwrap();
    let connector = host
        .load("signed.wasm", &signed, crate::Grant::default())
        .await
        .unwrap();
    assert_eq!(connector.info().id, "kestrel-rms");

    // A flipped byte in the middle of the code is tampering, found without compiling.
    let code = sections(&signed)
        .unwrap()
        .into_iter()
        .max_by_key(|s| s.end - s.start)
        .unwrap();
    let mut bad = signed.clone();
    bad[(code.start + code.end) / 2] ^= 0x10;
    assert_eq!(
        verify(&bad, &trusting(&[&vendor])).unwrap_err(),
        SignatureError::Tampered {
            key_id: vendor.id()
        }
    );
}

#[test]
fn the_signer_key_is_the_one_that_signed_and_only_when_the_bytes_match() {
    let vendor = key(3);
    let bytes = tiny_component();
    assert_eq!(signer_key(&bytes).unwrap(), None);
    let signed = sign(&bytes, &vendor).unwrap();
    let own = signer_key(&signed).unwrap().expect("signed");
    assert_eq!(own.id(), vendor.id());
    assert_eq!(own.to_bytes(), vendor.public("").to_bytes());
    // Trusting it verifies the component; a changed byte is no signer at all.
    let mut store = TrustStore::new();
    store.trust(own);
    assert_eq!(verify(&signed, &store).unwrap().key_id, vendor.id());
    let mut changed = signed.clone();
    changed[25] ^= 1;
    assert!(matches!(
        signer_key(&changed),
        Err(SignatureError::Tampered { .. } | SignatureError::Malformed { .. })
    ));
}
