//! Components that are not connectors are refused with a message saying what is wrong, and
//! never a panic.

use interop_sandbox::{Grant, LoadError};
use interop_tests::components;

async fn load(bytes: &[u8]) -> LoadError {
    let host = interop_tests::host();
    match host.load("bad.wasm", bytes, Grant::default()).await {
        Ok(c) => panic!("loaded {:?} as a connector", c.label()),
        Err(e) => e,
    }
}

#[tokio::test]
async fn a_missing_file_names_the_path() {
    let host = interop_tests::host();
    let err = host
        .load_file("/nonexistent/dir/connector.wasm", Grant::default())
        .await
        .err()
        .expect("a missing file cannot load");
    assert!(matches!(err, LoadError::Read { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/dir/connector.wasm"),
        "{err}"
    );
}

#[tokio::test]
async fn text_is_not_webassembly() {
    let err = load(b"#!/bin/sh\necho not wasm\n").await;
    assert!(matches!(err, LoadError::NotWasm { .. }), "{err:?}");
    assert!(err.to_string().contains("not a WebAssembly file"), "{err}");
    let err = load(b"").await;
    assert!(matches!(err, LoadError::NotWasm { .. }), "{err:?}");
}

#[tokio::test]
async fn a_core_module_is_not_a_component() {
    let module = wat::parse_str("(module (func (export \"search\")))").unwrap();
    let err = load(&module).await;
    assert!(matches!(err, LoadError::CoreModule { .. }), "{err:?}");
    assert!(err.to_string().contains("wasm32-wasip2"), "{err}");
}

#[tokio::test]
async fn a_truncated_component_is_invalid() {
    let bytes = std::fs::read(components::KESTREL_RMS).unwrap();
    for cut in [9, 100, bytes.len() / 2, bytes.len() - 1] {
        let err = load(&bytes[..cut]).await;
        assert!(
            matches!(err, LoadError::Invalid { .. }),
            "cut at {cut}: {err:?}"
        );
    }
}

#[tokio::test]
async fn garbage_after_the_header_is_invalid() {
    let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
    bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let err = load(&bytes).await;
    assert!(matches!(err, LoadError::Invalid { .. }), "{err:?}");
}

#[tokio::test]
async fn a_component_exporting_another_world_says_what_is_missing() {
    let component = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $other (export "run" (func $f)))
            (export "example:other/thing@1.0.0" (instance $other))
        )"#,
    )
    .unwrap();
    let err = load(&component).await;
    assert!(matches!(err, LoadError::WrongWorld { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("interop:connector/connector@0.2.0"), "{text}");
    assert!(
        text.contains("example:other/thing@1.0.0"),
        "lists what it does export: {text}"
    );
}

#[tokio::test]
async fn an_incompatible_contract_version_is_refused_by_name() {
    let component = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $c (export "describe" (func $f)))
            (export "interop:connector/connector@0.3.0" (instance $c))
        )"#,
    )
    .unwrap();
    let err = load(&component).await;
    let text = err.to_string();
    assert!(matches!(err, LoadError::Contract { .. }), "{err:?}");
    assert!(
        text.contains("0.3.0") && text.contains("0.1.x and 0.2.x"),
        "{text}"
    );
}

#[tokio::test]
async fn a_connector_built_against_a_future_contract_is_refused_with_the_supported_versions() {
    // A real build: wit-bindgen against `interop:connector@1.0.0`, stamped as a future SDK would.
    let host = interop_tests::host();
    let err = host
        .load_file(components::GUEST_CONTRACT_NEXT, Grant::default())
        .await
        .err()
        .expect("a 1.0.0 connector cannot load on a host that speaks 0.1 and 0.2");
    assert!(matches!(err, LoadError::Contract { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("guest_contract_next.wasm")
            && text.contains("contract version \"1.0.0\"")
            && text.contains("interop-sdk \"1.0.0\"")
            && text.contains("this host supports 0.1.x and 0.2.x"),
        "{text}"
    );
}

#[tokio::test]
async fn the_contract_version_is_refused_before_compiling() {
    // The function body is ill-typed: compiling would fail with `Invalid`. Refusing it as
    // `Contract` shows the version was read from the bytes before any compiler ran.
    let component = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i64.const 7))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $c (export "describe" (func $f)))
            (export "interop:connector/connector@1.0.0" (instance $c))
        )"#,
    )
    .unwrap();
    let err = load(&component).await;
    assert!(matches!(err, LoadError::Contract { .. }), "{err:?}");
    // The positive control: the same body at a supported version reaches the compiler.
    let component = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i64.const 7))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $c (export "describe" (func $f)))
            (export "interop:connector/connector@0.1.0" (instance $c))
        )"#,
    )
    .unwrap();
    let err = load(&component).await;
    assert!(matches!(err, LoadError::Invalid { .. }), "{err:?}");
}

#[tokio::test]
async fn the_sdk_stamps_the_contract_version_into_every_rust_connector() {
    for path in [components::KESTREL_RMS, components::HARRIER_ANPR] {
        let bytes = std::fs::read(path).unwrap();
        let stamp = interop_sandbox::contract::read(&bytes).unwrap();
        assert_eq!(
            stamp.exported.as_deref(),
            Some(interop_sandbox::CONTRACT_VERSION)
        );
        assert_eq!(
            stamp.stamped.as_deref(),
            Some(interop_sandbox::CONTRACT_VERSION),
            "{path}"
        );
        assert_eq!(stamp.sdk.as_deref(), Some(interop_sdk_version()), "{path}");
    }
}

/// The SDK's version, as its manifest says.
fn interop_sdk_version() -> &'static str {
    let manifest = include_str!("../../sdk/Cargo.toml");
    let workspace = include_str!("../../Cargo.toml");
    let from = |text: &'static str| {
        text.lines()
            .find_map(|l| l.strip_prefix("version = \""))
            .and_then(|v| v.strip_suffix('"'))
    };
    from(manifest).or(from(workspace)).unwrap()
}

#[tokio::test]
async fn an_interface_with_missing_operations_names_them() {
    let component = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $c (export "describe" (func $f)))
            (export "interop:connector/connector@0.1.0" (instance $c))
        )"#,
    )
    .unwrap();
    let err = load(&component).await;
    let text = err.to_string();
    assert!(
        text.contains("`check`") && text.contains("`submit`"),
        "{text}"
    );
}

#[tokio::test]
async fn an_export_of_the_wrong_type_is_refused_at_load_not_at_its_first_call() {
    // `describe` is well typed (its answer is zeroed memory: empty strings and lists); `search`
    // and the rest return a bare u32. Loading runs `describe`, and must type-check all five.
    let component = wat::parse_str(
        r#"(component
            (type $classification' (enum "official" "secret" "top-secret"))
            (export $classification "classification" (type $classification'))
            (type $entity-kind' (enum "person" "object" "location" "event"))
            (export $entity-kind "entity-kind" (type $entity-kind'))
            (type $operation' (enum "check" "search" "fetch" "submit"))
            (export $operation "operation" (type $operation'))
            (type $config-kind' (enum "text" "secret" "endpoint"))
            (export $config-kind "config-kind" (type $config-kind'))
            (type $config-key' (record (field "name" string) (field "description" string)
                (field "kind" $config-kind) (field "required" bool) (field "example" (option string))))
            (export $config-key "config-key" (type $config-key'))
            (type $info' (record (field "id" string) (field "name" string) (field "vendor" string)
                (field "version" string) (field "contract-version" string)
                (field "description" string) (field "entity-kinds" (list $entity-kind))
                (field "operations" (list $operation)) (field "config" (list $config-key))
                (field "max-classification" $classification)))
            (export $info "connector-info" (type $info'))
            (core module $m
                (memory (export "mem") 1)
                (func (export "describe") (result i32) i32.const 8)
                (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func $describe (result $info) (canon lift (core func $i "describe") (memory (core memory $i "mem"))))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $c
                (export "describe" (func $describe)) (export "check" (func $f))
                (export "search" (func $f)) (export "fetch" (func $f)) (export "submit" (func $f)))
            (export "interop:connector/connector@0.1.0" (instance $c))
        )"#,
    )
    .unwrap();
    let err = load(&component).await;
    let text = format!("{err:#}");
    // Without that check `describe` would succeed and the load fail on its empty id instead.
    assert!(
        text.contains("describe") && text.contains("type mismatch"),
        "{text}"
    );
}

#[tokio::test]
async fn a_component_importing_what_the_host_lacks_is_refused_naming_it() {
    let component = wat::parse_str(
        r#"(component
            (import "evil:backdoor/shell@1.0.0" (instance $shell (export "run" (func (param "cmd" string)))))
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $c
                (export "describe" (func $f)) (export "check" (func $f)) (export "search" (func $f))
                (export "fetch" (func $f)) (export "submit" (func $f)))
            (export "interop:connector/connector@0.1.0" (instance $c))
        )"#,
    )
    .unwrap();
    let err = load(&component).await;
    let text = err.to_string();
    assert!(text.contains("evil:backdoor/shell@1.0.0"), "{text}");
}
