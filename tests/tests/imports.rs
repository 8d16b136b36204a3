//! Every interface a real connector imports has a capability that owns it: read the imports of
//! every example connector (Rust, Python, JavaScript) and test guest from their bytes, as the
//! host would, and ask the sandbox's registry who serves each. An interface without an owner
//! would be linked with nobody reviewing what it grants.

use wasmparser::{Parser, Payload};

/// The top-level imports of a component, by name.
fn imports(path: &str) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut names = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.unwrap_or_else(|e| panic!("{path}: {e}")) {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 0 => {
                for import in section {
                    names.push(import.expect("import").name.name.to_string());
                }
            }
            _ => {}
        }
    }
    names
}

#[test]
fn every_import_of_every_real_component_has_an_owning_capability() {
    let components = [
        interop_test_artifacts::KESTREL_RMS,
        interop_test_artifacts::HARRIER_ANPR,
        interop_test_artifacts::OSPREY_CUSTODY_PY,
        interop_test_artifacts::OSPREY_INTEL_JS,
        interop_test_artifacts::GUEST_COUNTER,
        interop_test_artifacts::GUEST_MISBEHAVE,
    ];
    let mut seen = 0;
    for path in components {
        let names = imports(path);
        assert!(
            !names.is_empty(),
            "{path} imports nothing: the reader is wrong"
        );
        for name in names {
            assert!(
                interop_sandbox::serving_capability(&name).is_some(),
                "{path} imports `{name}`, which no capability serves"
            );
            seen += 1;
        }
    }
    // The Python runtime alone imports a few dozen interfaces; fewer means the reader missed some.
    assert!(seen > 40, "only {seen} imports read");
}

#[test]
fn an_interface_the_host_does_not_provide_has_no_owner() {
    for name in [
        "acme:secret/backdoor@1.0.0",
        "wasi:http/outgoing-handler@0.3.0-rc",
        "interop:connector/log",
        "wasi:keyvalue/store@0.2.0-draft",
    ] {
        assert_eq!(interop_sandbox::serving_capability(name), None, "{name}");
    }
}
