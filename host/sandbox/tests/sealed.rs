//! Native code and components read once into memory nothing can change after
//! (`interop_sandbox::artifacts::SealedBytes`), and native code loaded only from the bytes that
//! hashed to what was expected (`deserialize_checked`); files only checked are viewed in place
//! (`FileView`).

use interop_sandbox::artifacts::{
    CheckedLoadError, Expected, FileView, SealedBytes, blake3_hex, deserialize_checked,
};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-sealed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn seven() -> Vec<u8> {
    wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (export "f" (func $f))
        )"#,
    )
    .unwrap()
}

#[test]
fn the_bytes_read_do_not_change_when_the_file_does() {
    let dir = scratch("read");
    let path = dir.join("component.wasm");
    std::fs::write(&path, b"the bytes that were checked").unwrap();
    let sealed = SealedBytes::read(&path).unwrap();
    // Rewritten in place (same file, truncated): a mapping of the file would see it change.
    std::fs::write(&path, b"other bytes written after!!").unwrap();
    assert_eq!(sealed.bytes(), b"the bytes that were checked");
    assert_eq!(
        SealedBytes::read(&path).unwrap().bytes(),
        b"other bytes written after!!"
    );
    std::fs::write(&path, b"").unwrap();
    assert!(SealedBytes::read(&path).unwrap().bytes().is_empty());
    assert!(SealedBytes::read(&dir.join("missing")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_view_holds_exactly_the_file_empty_or_not_and_a_missing_file_is_an_error() {
    let dir = scratch("view");
    let path = dir.join("component.wasm");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let view = FileView::open(&path).unwrap();
    assert_eq!(view.bytes(), &bytes[..]);
    assert_eq!(
        Sha256::digest(view.bytes()),
        Sha256::digest(&bytes),
        "hashing the view hashes the file"
    );
    drop(view);
    let empty = dir.join("empty.wasm");
    std::fs::write(&empty, b"").unwrap();
    assert!(FileView::open(&empty).unwrap().bytes().is_empty());
    assert!(FileView::open(&dir.join("missing.wasm")).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn native_code_loads_only_when_it_hashes_to_what_was_expected_and_then_runs() {
    let dir = scratch("checked");
    let engine = Engine::default();
    let artifact = engine.precompile_component(&seven()).unwrap();
    let path = dir.join("seven.cwasm");
    std::fs::write(&path, &artifact).unwrap();
    let sha = hex::encode(Sha256::digest(&artifact));

    let wrong = hex::encode(Sha256::digest(b"something else"));
    let wrong_blake3 = blake3_hex(b"something else");
    for expected in [Expected::Sha256(&wrong), Expected::Blake3(&wrong_blake3)] {
        // SAFETY: nothing with this hash exists; the call must refuse before loading anything.
        let err = unsafe { deserialize_checked(&engine, &path, expected) }.unwrap_err();
        assert!(matches!(err, CheckedLoadError::Mismatch { .. }), "{err}");
    }
    // A BLAKE3 given as if it were a SHA-256 (or the other way round) does not match either.
    let blake3 = blake3_hex(&artifact);
    // SAFETY: as above: no bytes hash to these under the other algorithm.
    let err =
        unsafe { deserialize_checked(&engine, &path, Expected::Sha256(&blake3)) }.unwrap_err();
    assert!(matches!(err, CheckedLoadError::Mismatch { .. }), "{err}");
    // SAFETY: as above.
    let err = unsafe { deserialize_checked(&engine, &path, Expected::Blake3(&sha)) }.unwrap_err();
    assert!(matches!(err, CheckedLoadError::Mismatch { .. }), "{err}");
    // Each algorithm's own hash of the bytes loads them.
    // SAFETY: the bytes with this hash are this engine's output, written just now.
    unsafe { deserialize_checked(&engine, &path, Expected::Blake3(&blake3)) }.unwrap();

    // SAFETY: the bytes with this hash are this engine's output, written just now.
    let component: Component =
        unsafe { deserialize_checked(&engine, &path, Expected::Sha256(&sha)) }.unwrap();
    // The file may go away (a store collecting old artifacts): what was loaded keeps running.
    std::fs::remove_file(&path).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let f = instance
        .get_typed_func::<(), (u32,)>(&mut store, "f")
        .unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), (7,));

    // Bytes that hash right but are not native code: wasmtime's refusal, named.
    std::fs::write(&path, b"not native code").unwrap();
    let sha = hex::encode(Sha256::digest(b"not native code"));
    // SAFETY: wasmtime checks the header before running anything; these bytes have none.
    let err = unsafe { deserialize_checked(&engine, &path, Expected::Sha256(&sha)) }.unwrap_err();
    assert!(matches!(err, CheckedLoadError::Load { .. }), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
