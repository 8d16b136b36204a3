//! The `interop` binary as a vendor uses it: inspect and call the example connectors.

use std::process::{Command, Output};

use interop_test_artifacts::{HARRIER_ANPR, KESTREL_RMS};

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

#[test]
fn inspect_shows_imports_exports_and_describe() {
    for (path, id) in [(KESTREL_RMS, "kestrel-rms"), (HARRIER_ANPR, "harrier-anpr")] {
        let out = interop(&["inspect", path]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains(
                "interop:connector/connector@0.2.0: check, describe, fetch, search, submit"
            ),
            "{text}"
        );
        assert!(text.contains("wasi:http/outgoing-handler@"), "{text}");
        assert!(text.contains("interop:connector/log@0.2.0"), "{text}");
        assert!(text.contains(&format!("  id:           {id}\n")), "{text}");

        let out = interop(&["inspect", "--json", path]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["describe"]["ok"]["id"], id);
        assert!(json["imports"].as_array().unwrap().iter().any(|i| {
            i["name"]
                .as_str()
                .unwrap()
                .starts_with("interop:connector/config")
        }));
    }
}

#[test]
fn call_describe_prints_json() {
    for (path, id) in [(KESTREL_RMS, "kestrel-rms"), (HARRIER_ANPR, "harrier-anpr")] {
        let out = interop(&["call", path, "describe"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(info["id"], id);
        assert_eq!(info["contract_version"], "0.2.0");
        assert!(
            info["config"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["name"] == "base_url")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn call_search_against_the_stand_in() {
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let base = vendor.base_url();
    let out = tokio::task::spawn_blocking(move || {
        interop(&[
            "call",
            KESTREL_RMS,
            "search",
            "--config",
            &format!("base_url={base}"),
            "--config",
            "api_key=demo-key",
            "--allow-host",
            &base,
            "--input",
            r#"{"kind":"person","text":"Examplewood","limit":2}"#,
        ])
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = result["records"].as_array().unwrap();
    assert!(!records.is_empty() && records.len() <= 2, "{result}");
    assert_eq!(records[0]["source"]["system"], "Kestrel RMS");
}

#[tokio::test(flavor = "multi_thread")]
async fn call_without_the_host_granted_fails_with_the_connector_error() {
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let base = vendor.base_url();
    let out = tokio::task::spawn_blocking(move || {
        interop(&[
            "call",
            KESTREL_RMS,
            "check",
            "--config",
            &format!("base_url={base}"),
            "--config",
            "api_key=demo-key",
        ])
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("kestrel-rms") && err.contains("check"),
        "{err}"
    );
    assert_eq!(vendor.counters().requests, 0);
}

#[test]
fn bad_input_is_explained() {
    let out = interop(&["call", "/no/such/file.wasm", "describe"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot read /no/such/file.wasm"),
        "{}",
        stderr(&out)
    );

    let out = interop(&[
        "call",
        KESTREL_RMS,
        "search",
        "--input",
        "{\"kind\": Person}",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 1, column"), "{}", stderr(&out));

    let out = interop(&["call", KESTREL_RMS, "search"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("needs --input"), "{}", stderr(&out));

    let out = interop(&["call", KESTREL_RMS, "frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");

    let out = interop(&["call", KESTREL_RMS, "check", "--allow-host", "ftp://x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("scheme"), "{}", stderr(&out));

    let cargo_toml = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = interop(&["inspect", cargo_toml]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a WebAssembly file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_teaches_with_examples() {
    let out = interop(&["--help"]);
    assert!(stdout(&out).contains("Examples:"));
    let out = interop(&["call", "--help"]);
    let text = stdout(&out);
    assert!(
        text.contains("--allow-host") && text.contains("Example:") && text.contains("@FILE"),
        "{text}"
    );
}
