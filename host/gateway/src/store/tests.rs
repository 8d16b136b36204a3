use std::os::unix::fs::PermissionsExt as _;

use super::*;
use interop_sandbox::types::{Classification, RequestContext};

fn context() -> RequestContext {
    RequestContext {
        user_id: "store-test".into(),
        role: "test".into(),
        clearance: Classification::Official,
        justification: "plugin store unit test".into(),
        case_reference: None,
        correlation_id: "store-test".into(),
        idempotency_key: None,
    }
}

/// Accepts unsigned components, refuses any holding `REFUSE ME`: the store's own logic,
/// apart from the signature format (tested with real signatures in the integration tests).
struct TestVerifier;

impl Verifier for TestVerifier {
    fn verify(&self, _name: &str, bytes: &[u8]) -> Result<Option<String>, String> {
        if bytes.windows(9).any(|w| w == b"REFUSE ME") {
            Err("unknown key deadbeef".into())
        } else {
            Ok(None)
        }
    }
}

/// A component with a custom section appended: another build of the same connector.
fn rebuilt(bytes: &[u8], note: &str) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let mut payload = Vec::new();
    leb("build-note".len(), &mut payload);
    payload.extend_from_slice(b"build-note");
    payload.extend_from_slice(note.as_bytes());
    let mut out = bytes.to_vec();
    out.push(0);
    leb(payload.len(), &mut out);
    out.extend(payload);
    out
}

struct Fixture {
    dir: std::path::PathBuf,
    store: Store,
    host: Host,
    v1: PathBuf,
    v2: PathBuf,
    policy: PathBuf,
}

fn fixture(name: &str) -> Fixture {
    let dir = std::env::temp_dir().join(format!("interop-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = std::fs::read(interop_test_artifacts::GUEST_COUNTER).unwrap();
    let v1 = dir.join("counter-v1.wasm");
    let v2 = dir.join("counter-v2.wasm");
    std::fs::write(&v1, rebuilt(&bytes, "one")).unwrap();
    std::fs::write(&v2, rebuilt(&bytes, "two")).unwrap();
    let policy = dir.join("counter.toml");
    std::fs::write(
        &policy,
        "connector = \"guest-counter\"\n[limits]\ntimeout_ms = 5000\n",
    )
    .unwrap();
    let store = Store::open(dir.join("store")).unwrap();
    Fixture {
        dir,
        store,
        host: Host::new().unwrap(),
        v1,
        v2,
        policy,
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

async fn check_runs(f: &Fixture, version: &Version) {
    let loaded = f
        .store
        .load(&f.host, &TestVerifier, "guest-counter", version)
        .await
        .unwrap();
    let report = loaded.connector.check(&context()).await.unwrap();
    assert_eq!(report.message, "1");
}

#[tokio::test]
async fn install_upgrade_rollback_remove_keep_the_index_and_the_files_in_step() {
    let f = fixture("lifecycle");
    let (id, v1) = f
        .store
        .install(&f.host, &TestVerifier, &f.v1, &f.policy, "alice")
        .await
        .unwrap();
    assert_eq!(id, "guest-counter");
    assert_eq!(
        v1.component_sha256,
        hex::encode(Sha256::digest(std::fs::read(&f.v1).unwrap()))
    );
    assert_eq!(v1.signer, None);
    check_runs(&f, &v1).await;
    // Content-addressed, private files.
    let object = f.store.object_path(&v1.component_sha256);
    assert_eq!(
        std::fs::metadata(&object).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(files_in(&f.store.root().join("objects")).len(), 1);

    let v2 = f
        .store
        .upgrade(
            &f.host,
            &TestVerifier,
            "guest-counter",
            &f.v2,
            Upgrade::default(),
            "bob",
        )
        .await
        .unwrap();
    assert_ne!(v2.component_sha256, v1.component_sha256);
    assert_eq!(v2.policy_sha256, v1.policy_sha256, "keeps the policy");
    let slot = f.store.slot("guest-counter").unwrap();
    assert_eq!(slot.current, v2);
    assert_eq!(slot.previous.as_ref(), Some(&v1));
    check_runs(&f, &v2).await;
    assert_eq!(files_in(&f.store.root().join("objects")).len(), 2);

    let back = f.store.rollback("guest-counter", "carol").unwrap();
    assert_eq!(back, v1);
    let slot = f.store.slot("guest-counter").unwrap();
    assert_eq!(
        (slot.current, slot.previous),
        (v1.clone(), Some(v2.clone()))
    );
    // A second rollback undoes the first.
    assert_eq!(f.store.rollback("guest-counter", "carol").unwrap(), v2);

    f.store.remove("guest-counter", "dave").unwrap();
    assert!(f.store.index().unwrap().plugins.is_empty());
    for dir in ["objects", "policies", "compiled"] {
        assert!(
            files_in(&f.store.root().join(dir)).is_empty(),
            "{dir} still holds files of a removed connector"
        );
    }
    let changes = f.store.changes().unwrap();
    let actions: Vec<(&str, &str, u64)> = changes
        .iter()
        .map(|c| (c.action.as_str(), c.actor.as_str(), c.generation))
        .collect();
    assert_eq!(
        actions,
        [
            ("install", "alice", 1),
            ("upgrade", "bob", 2),
            ("rollback", "carol", 3),
            ("rollback", "carol", 4),
            ("remove", "dave", 5)
        ]
    );
    assert_eq!(f.store.index().unwrap().generation, 5);
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[tokio::test]
async fn an_edited_change_log_is_detected() {
    let f = fixture("chain");
    f.store
        .install(&f.host, &TestVerifier, &f.v1, &f.policy, "alice")
        .await
        .unwrap();
    f.store.rollback("guest-counter", "x").unwrap_err();
    f.store.remove("guest-counter", "bob").unwrap();
    let log = f.store.root().join(CHANGES);
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen("alice", "mallory", 1)).unwrap();
    let err = f.store.changes().unwrap_err().to_string();
    assert!(err.contains(":2: the chain is broken"), "{err}");
    // Deleting the first line breaks it too.
    let rest: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&log, rest).unwrap();
    let err = f.store.changes().unwrap_err().to_string();
    assert!(err.contains(":1: the chain is broken"), "{err}");
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[tokio::test]
async fn a_refused_component_writes_nothing() {
    let f = fixture("refused");
    let bad = f.dir.join("bad.wasm");
    let bytes = std::fs::read(&f.v1).unwrap();
    std::fs::write(&bad, rebuilt(&bytes, "REFUSE ME")).unwrap();
    let err = f
        .store
        .install(&f.host, &TestVerifier, &bad, &f.policy, "alice")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("signature refused: unknown key"), "{err}");
    assert!(files_in(&f.store.root().join("objects")).is_empty());
    assert!(!f.store.root().join(INDEX).exists());
    // Installed twice: refused, pointing at upgrade.
    f.store
        .install(&f.host, &TestVerifier, &f.v1, &f.policy, "alice")
        .await
        .unwrap();
    let err = f
        .store
        .install(&f.host, &TestVerifier, &f.v2, &f.policy, "alice")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("already installed") && err.contains("plugin upgrade"),
        "{err}"
    );
    // A policy for another connector: refused.
    let other = f.dir.join("other.toml");
    std::fs::write(&other, "connector = \"kestrel-rms\"\n").unwrap();
    let err = f
        .store
        .upgrade(
            &f.host,
            &TestVerifier,
            "guest-counter",
            &f.v2,
            Upgrade {
                policy: Some(&other),
                new_signer: None,
            },
            "a",
        )
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("kestrel-rms"), "{err:#}");
    assert_eq!(f.store.index().unwrap().generation, 1);
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[tokio::test]
async fn an_altered_store_is_refused_at_load() {
    let f = fixture("altered");
    let (_, v1) = f
        .store
        .install(&f.host, &TestVerifier, &f.v1, &f.policy, "alice")
        .await
        .unwrap();
    let compiled = f
        .store
        .compiled_path(&v1.component_sha256, &v1.compiled.engine);

    // Native code others may write: refused before it is read.
    std::fs::set_permissions(&compiled, std::fs::Permissions::from_mode(0o666)).unwrap();
    let err = load_err(&f, &v1).await;
    assert!(err.contains("may be written by others"), "{err}");
    std::fs::set_permissions(&compiled, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Native code changed after it was made: refused by its hash.
    let mut artifact = std::fs::read(&compiled).unwrap();
    let last = artifact.len() - 1;
    artifact[last] ^= 1;
    std::fs::write(&compiled, &artifact).unwrap();
    let err = load_err(&f, &v1).await;
    assert!(err.contains("does not match the hash"), "{err}");
    artifact[last] ^= 1;
    std::fs::write(&compiled, &artifact).unwrap();
    check_runs(&f, &v1).await;

    // A store written before BLAKE3 was recorded: its SHA-256 is checked instead, as strictly.
    assert!(
        v1.compiled.blake3.is_some(),
        "an install records the artifact's BLAKE3"
    );
    let older = Version {
        compiled: Compiled {
            blake3: None,
            ..v1.compiled.clone()
        },
        ..v1.clone()
    };
    check_runs(&f, &older).await;
    artifact[last] ^= 1;
    std::fs::write(&compiled, &artifact).unwrap();
    let err = load_err(&f, &older).await;
    assert!(err.contains("does not match the hash"), "{err}");
    artifact[last] ^= 1;
    std::fs::write(&compiled, &artifact).unwrap();

    // The component itself changed: refused by its hash, before its signature is checked.
    let object = f.store.object_path(&v1.component_sha256);
    let original = std::fs::read(&object).unwrap();
    std::fs::write(&object, rebuilt(&original, "tampered")).unwrap();
    let err = load_err(&f, &v1).await;
    assert!(err.contains("does not hash to its name"), "{err}");
    // …and a signature that no longer verifies is refused when loading, too.
    std::fs::write(&object, &original).unwrap();
    let refused = rebuilt(&original, "REFUSE ME");
    let sha = hex::encode(Sha256::digest(&refused));
    std::fs::write(f.store.object_path(&sha), &refused).unwrap();
    let moved = Version {
        component_sha256: sha,
        ..v1.clone()
    };
    let err = load_err(&f, &moved).await;
    assert!(err.contains("signature refused"), "{err}");
    let _ = std::fs::remove_dir_all(&f.dir);
}

async fn load_err(f: &Fixture, version: &Version) -> String {
    match f
        .store
        .load(&f.host, &TestVerifier, "guest-counter", version)
        .await
    {
        Ok(_) => panic!("an altered store loaded"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test]
async fn an_artifact_from_another_engine_configuration_is_compiled_again() {
    let f = fixture("engine");
    let (_, v1) = f
        .store
        .install(&f.host, &TestVerifier, &f.v1, &f.policy, "alice")
        .await
        .unwrap();
    assert_eq!(v1.compiled.engine, engine_fingerprint(&f.host));
    let elsewhere = Version {
        compiled: Compiled {
            engine: "0123456789abcdef".into(),
            sha256: "not-this-one".into(),
            blake3: None,
        },
        ..v1.clone()
    };
    check_runs(&f, &elsewhere).await;
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[test]
fn a_store_others_may_write_is_refused() {
    let dir = std::env::temp_dir().join(format!("interop-store-open-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("compiled")).unwrap();
    std::fs::set_permissions(dir.join("compiled"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = format!("{:#}", Store::open(&dir).unwrap_err());
    assert!(err.contains("chmod go-w"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A verifier for which a component is signed by the key whose id it carries in a custom
/// section (see [`rebuilt`]), and unsigned when it carries none.
struct KeyedVerifier;

const KEY_A: &str = "aaaaaaaaaaaaaaaa";
const KEY_B: &str = "bbbbbbbbbbbbbbbb";

impl Verifier for KeyedVerifier {
    fn verify(&self, _name: &str, bytes: &[u8]) -> Result<Option<String>, String> {
        Ok([KEY_A, KEY_B]
            .into_iter()
            .find(|k| bytes.windows(k.len()).any(|w| w == k.as_bytes()))
            .map(str::to_string))
    }
}

#[tokio::test]
async fn a_connector_id_belongs_to_its_signer() {
    let f = fixture("signer");
    let bytes = std::fs::read(interop_test_artifacts::GUEST_COUNTER).unwrap();
    let signed = |key: &str, n: u32| {
        let path = f.dir.join(format!("counter-{key}-{n}.wasm"));
        std::fs::write(&path, rebuilt(&bytes, &format!("{key} build {n}"))).unwrap();
        path
    };
    let (_, v1) = f
        .store
        .install(
            &f.host,
            &KeyedVerifier,
            &signed(KEY_A, 1),
            &f.policy,
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(v1.signer.as_deref(), Some(KEY_A));

    // The same vendor's next build: an upgrade as ever.
    f.store
        .upgrade(
            &f.host,
            &KeyedVerifier,
            "guest-counter",
            &signed(KEY_A, 2),
            Upgrade::default(),
            "alice",
        )
        .await
        .unwrap();
    let generation = f.store.index().unwrap().generation;

    // Another trusted vendor's component under this id: refused, naming both keys and the way.
    let other = signed(KEY_B, 1);
    let err = f
        .store
        .upgrade(
            &f.host,
            &KeyedVerifier,
            "guest-counter",
            &other,
            Upgrade::default(),
            "mallory",
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(KEY_A) && err.contains(KEY_B) && err.contains("--new-signer bbbbbbbbbbbbbbbb"),
        "{err}"
    );
    // Naming a key that did not sign it does not help.
    let err = f
        .store
        .upgrade(
            &f.host,
            &KeyedVerifier,
            "guest-counter",
            &other,
            Upgrade {
                policy: None,
                new_signer: Some("cccccccccccccccc"),
            },
            "mallory",
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not cccccccccccccccc"), "{err}");
    assert_eq!(
        f.store.index().unwrap().generation,
        generation,
        "nothing changed"
    );
    assert_eq!(
        f.store
            .slot("guest-counter")
            .unwrap()
            .current
            .signer
            .as_deref(),
        Some(KEY_A)
    );

    // The operator says the vendor changed keys: allowed, and the change log says so.
    let v3 = f
        .store
        .upgrade(
            &f.host,
            &KeyedVerifier,
            "guest-counter",
            &other,
            Upgrade {
                policy: None,
                new_signer: Some(KEY_B),
            },
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(v3.signer.as_deref(), Some(KEY_B));
    let changes = std::fs::read_to_string(f.store.root().join(CHANGES)).unwrap();
    let last: serde_json::Value = serde_json::from_str(changes.lines().last().unwrap()).unwrap();
    assert_eq!(last["action"], "upgrade-new-signer", "{last}");
    assert_eq!(last["from"]["signer"], KEY_A);
    assert_eq!(last["to"]["signer"], KEY_B);
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[tokio::test]
async fn a_policy_rated_high_is_refused_at_reload_as_at_install() {
    let f = fixture("high-reload");
    // A connector that makes HTTP requests, so its network grant is reviewed.
    let component = f.dir.join("misbehave.wasm");
    std::fs::copy(interop_test_artifacts::GUEST_MISBEHAVE, &component).unwrap();
    let policy = |name: &str, text: &str| {
        let p = f.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let fine = "connector = \"guest-misbehave\"\n[network]\nallow = [\"https://vendor.example\"]\n";
    let high = "connector = \"guest-misbehave\"\n[network]\nallow = [\"https://vendor.example\"]\nprivate = [\"10.0.0.0/8\"]\n";
    // Install refuses the high one …
    let err = f
        .store
        .install(
            &f.host,
            &TestVerifier,
            &component,
            &policy("high.toml", high),
            "alice",
        )
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("high finding broad-private-range"),
        "{err:#}"
    );
    let (id, v1) = f
        .store
        .install(
            &f.host,
            &TestVerifier,
            &component,
            &policy("fine.toml", fine),
            "alice",
        )
        .await
        .unwrap();
    // … and so does a reload, when the store holds it with a hash that matches (put there
    // behind the store's back, or rated high by a newer host).
    let sha = hex::encode(Sha256::digest(high.as_bytes()));
    std::fs::write(f.store.policy_path(&sha), high).unwrap();
    let moved = Version {
        policy_sha256: sha,
        ..v1.clone()
    };
    let err = match f.store.load(&f.host, &TestVerifier, &id, &moved).await {
        Ok(_) => panic!("a policy rated high loaded"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("not loaded") && err.contains("high finding broad-private-range"),
        "{err}"
    );
    f.store
        .load(&f.host, &TestVerifier, &id, &v1)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&f.dir);
}
