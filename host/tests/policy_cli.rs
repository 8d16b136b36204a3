//! `interop policy init` and `interop policy review` on the example connectors, and running
//! each example connector under the policy `init` wrote for its demo configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use interop_test_artifacts::{GUEST_MISBEHAVE, HARRIER_ANPR, KESTREL_RMS};

fn interop(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .expect("running interop")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-policy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One example connector, its demo configuration, its secret's variable and a search.
struct Example {
    component: &'static str,
    id: &'static str,
    config: Vec<String>,
    secret: (&'static str, &'static str),
    search: &'static str,
    expect: &'static str,
}

fn init(example: &Example, out: &Path) -> Output {
    let mut args = vec!["policy", "init", example.component];
    for c in &example.config {
        args.extend(["--config", c.as_str()]);
    }
    let out = out.to_str().unwrap();
    args.extend(["--out", out]);
    interop(&args, &[])
}

#[tokio::test(flavor = "multi_thread")]
async fn each_example_runs_under_the_policy_init_writes_for_its_demo_configuration() {
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();
    let examples = [
        Example {
            component: KESTREL_RMS,
            id: "kestrel-rms",
            config: vec![
                format!("base_url={}", kestrel.base_url()),
                "api_key=demo-key".into(),
                "force=Demo Constabulary".into(),
            ],
            secret: (
                "INTEROP_KESTREL_RMS_API_KEY",
                kestrel_rms_standin::DEFAULT_API_KEY,
            ),
            search: r#"{"kind":"person","text":"Examplewood","limit":2}"#,
            expect: "Examplewood",
        },
        Example {
            component: HARRIER_ANPR,
            id: "harrier-anpr",
            config: vec![
                format!("base_url={}", harrier.base_url()),
                "token=demo-token".into(),
            ],
            secret: (
                "INTEROP_HARRIER_ANPR_TOKEN",
                harrier_anpr_standin::DEFAULT_API_KEY,
            ),
            search: r#"{"kind":"object","keys":[{"kind":"vrm","vrm":"ZX51ABC"}],"limit":2}"#,
            expect: "ZX51ABC",
        },
    ];
    let dir = scratch("examples");
    for example in examples {
        let file = dir.join(format!("{}.toml", example.id));
        let out = tokio::task::block_in_place(|| init(&example, &file));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let policy = std::fs::read_to_string(&file).unwrap();
        assert!(
            !policy.contains("demo-key") && !policy.contains("demo-token"),
            "{policy}"
        );
        assert!(policy.contains("\"config:base_url\""), "{policy}");
        assert!(
            policy.contains("\"127.0.0.1\""),
            "loopback granted explicitly: {policy}"
        );
        assert!(
            text(&out.stderr).contains(example.secret.0),
            "{}",
            text(&out.stderr)
        );

        // Refuses to overwrite.
        let again = tokio::task::block_in_place(|| init(&example, &file));
        assert!(!again.status.success() && text(&again.stderr).contains("--force"));

        let file_arg = file.to_str().unwrap();
        let call = |env: &[(&str, &str)]| {
            tokio::task::block_in_place(|| {
                interop(
                    &[
                        "call",
                        example.component,
                        "search",
                        "--policy",
                        file_arg,
                        "--input",
                        example.search,
                    ],
                    env,
                )
            })
        };
        let out = call(&[example.secret]);
        assert!(
            out.status.success(),
            "{}: {}",
            example.id,
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains(example.expect),
            "{}",
            text(&out.stdout)
        );

        // Without the secret in the environment the connector does not load, and says why.
        let out = call(&[]);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains(example.secret.0),
            "{}",
            text(&out.stderr)
        );

        // Review explains it, in text and JSON; nothing high.
        let review = tokio::task::block_in_place(|| {
            interop(
                &["policy", "review", example.component, "--policy", file_arg],
                &[],
            )
        });
        assert!(review.status.success(), "{}", text(&review.stderr));
        let shown = text(&review.stdout);
        for needle in [
            "imports, and what each grants:",
            "wasi:http/outgoing-handler",
            "effective grant (declared ∩ granted)",
            "private-address",
            &format!("connector: {}", example.id),
        ] {
            assert!(shown.contains(needle), "{needle:?} missing from:\n{shown}");
        }
        // Review and inspect say what the connector declares in the contract's own words.
        let inspected =
            tokio::task::block_in_place(|| interop(&["inspect", example.component], &[]));
        assert!(inspected.status.success(), "{}", text(&inspected.stderr));
        let inspected = text(&inspected.stdout);
        for shown in [&shown, &inspected] {
            for needle in [
                "operations:   check, search, fetch, submit",
                "highest classification returned: secret",
                "config base_url         endpoint required;",
                " secret   required;",
            ] {
                assert!(shown.contains(needle), "{needle:?} missing from:\n{shown}");
            }
            for debug_form in [
                "Operation::",
                "Kind::",
                "Classification::",
                "configkind",
                "Some(",
                "Endpoint",
                "TopSecret",
            ] {
                assert!(!shown.contains(debug_form), "{debug_form:?} in:\n{shown}");
            }
        }
        let json = tokio::task::block_in_place(|| {
            interop(
                &[
                    "policy",
                    "review",
                    example.component,
                    "--policy",
                    file_arg,
                    "--json",
                ],
                &[],
            )
        });
        assert!(json.status.success());
        let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(json["connector"]["id"], example.id);
        assert_eq!(json["worst"], "medium");
        assert_eq!(json["effective"]["allow"].as_array().unwrap().len(), 1);
        assert!(
            json["effective"]["config"][if example.id == "kestrel-rms" {
                "api_key"
            } else {
                "token"
            }]["secret"]
                .is_object(),
            "{json}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_high_finding_makes_review_exit_non_zero() {
    let dir = scratch("high");
    let file = dir.join("open.toml");
    std::fs::write(
        &file,
        "[config]\nbase_url = \"http://10.9.8.7:4100\"\n[network]\nallow = [\"config:base_url\"]\nprivate = [\"169.254.0.0/16\"]\n",
    )
    .unwrap();
    let out = interop(
        &[
            "policy",
            "review",
            KESTREL_RMS,
            "--policy",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("metadata-address") && shown.contains("(line 5)"),
        "{shown}"
    );
    assert!(shown.contains("endpoint-refused"), "{shown}");
    assert!(shown.contains("verdict: HIGH"), "{shown}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_empty_policy_grants_nothing_and_runtime_imports_are_listed() {
    let out = interop(&["policy", "review", GUEST_MISBEHAVE, "--json"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let effective = &json["effective"];
    assert_eq!(effective["allow"], serde_json::json!([]));
    assert_eq!(effective["config"], serde_json::json!({}));
    let findings = json["findings"].as_array().unwrap();
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"no-limits"), "{codes:?}");
    assert!(
        findings.iter().any(|f| f["code"] == "import-not-granted"
            && f["message"].as_str().unwrap().contains("wasi:sockets")),
        "{codes:?}"
    );
}

#[test]
fn a_bad_policy_names_file_line_and_fix() {
    let dir = scratch("bad");
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[config]\nbase_url = \"http://x\"\n[secrets]\napi_key = \"hunter2\"\n",
    )
    .unwrap();
    for args in [
        vec![
            "policy",
            "review",
            KESTREL_RMS,
            "--policy",
            file.to_str().unwrap(),
        ],
        vec![
            "call",
            KESTREL_RMS,
            "describe",
            "--policy",
            file.to_str().unwrap(),
        ],
    ] {
        let out = interop(&args, &[]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains(&format!("{}:4:", file.display())), "{err}");
        assert!(err.contains("never written in a policy"), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn policy_help_teaches() {
    for sub in ["review", "init"] {
        let out = interop(&["policy", sub, "--help"], &[]);
        assert!(out.status.success());
        assert!(
            text(&out.stdout).contains("Examples:"),
            "{}",
            text(&out.stdout)
        );
    }
}
