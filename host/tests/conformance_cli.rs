//! `interop conformance`, the contract test kit, run as a vendor runs it: on the example
//! connectors against their real stand-ins (every tier, in text and JSON), with no vendor
//! system at all, on a connector that traps, and on one built against another contract.

use std::process::{Command, Output};

use interop_sandbox::types::{
    Classification, Entity, Event, EventKind, Grading, Handling, HandlingCode,
    IntelligenceAssessment, SourceEvaluation, Submission,
};
use interop_test_artifacts::{
    GUEST_CONTRACT_NEXT, GUEST_MISBEHAVE, GUEST_NO_CHECK, HARRIER_ANPR, KESTREL_RMS,
    OSPREY_CUSTODY_PY, OSPREY_INTEL_JS,
};
use serde_json::Value;

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running interop")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {report:#}"))
}

fn tiers(report: &Value) -> Vec<(String, bool)> {
    report["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tier"].as_str().unwrap().to_string(),
                t["supported"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn both_example_connectors_reach_gold_ready_with_each_other_as_peer() {
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();
    let k_url = format!("base_url={}", kestrel.base_url());
    let h_url = format!("base_url={}", harrier.base_url());
    let out = interop(&[
        "conformance",
        KESTREL_RMS,
        "--config",
        &k_url,
        "--config",
        "api_key=demo-key",
        "--search",
        "Person=Examplewood",
        "--search",
        "Object=ZX51ABC",
        "--search",
        r#"{"kind":"event","keys":[{"kind":"reference","reference":"KR/2026/000301"}]}"#,
        "--peer",
        HARRIER_ANPR,
        "--peer-config",
        &h_url,
        "--peer-config",
        "token=demo-token",
        "--json",
    ]);
    let report = json(&out);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(
        tiers(&report),
        [
            ("Bronze".into(), true),
            ("Silver".into(), true),
            ("GoldReady".into(), true)
        ],
        "{report:#}"
    );
    assert!(
        statuses(&report)
            .iter()
            .all(|(_, s)| s == "pass" || s == "not-applicable"),
        "{report:#}"
    );
    // The evidence is what was called and what came back.
    let submit = check(&report, "submit")["evidence"].to_string();
    assert!(
        submit.contains("created: true") && submit.contains("created: false"),
        "{submit}"
    );
    let exchange = check(&report, "exchange")["evidence"].to_string();
    assert!(
        exchange.contains("merged: grp_")
            && exchange.contains("(record_linkage: ")
            && exchange.contains("kestrel-rms:NOM-000101")
            && exchange.contains("harrier-anpr:KPR-0001"),
        "{exchange}"
    );
    assert!(
        report["gold_note"]
            .as_str()
            .unwrap()
            .contains("certified by a force")
    );

    // Harrier, in text, with Kestrel as its peer.
    let out = interop(&[
        "conformance",
        HARRIER_ANPR,
        "--config",
        &h_url,
        "--config",
        "token=demo-token",
        "--search",
        "Person=Examplewood",
        "--search",
        "Object=ZX51ABC",
        "--peer",
        KESTREL_RMS,
        "--peer-config",
        &k_url,
        "--peer-config",
        "api_key=demo-key",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in [
        "  Bronze: yes",
        "  Silver: yes",
        "  Gold-ready: yes",
        "[pass] fetch-not-found",
        "[pass] unauthorized",
        "checks: 0 failed",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
}

/// The tiers a report supports, and its failed checks with their evidence.
fn verdict(out: &Output) -> (Vec<(String, bool)>, Vec<String>) {
    let report = json(out);
    let failed = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| format!("{}: {}", c["id"], c["evidence"]))
        .collect();
    (tiers(&report), failed)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_and_javascript_connectors_pass_the_same_kit() {
    let osprey = osprey_standin::StandIn::start(osprey_standin::Config::default())
        .await
        .unwrap();
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let o_url = format!("base_url={}", osprey.base_url());
    let k_url = format!("base_url={}", kestrel.base_url());
    let key = format!("api_key={}", osprey_standin::DEFAULT_API_KEY);
    let token = format!("token={}", osprey_standin::DEFAULT_API_KEY);

    // Python: read-only custody records; a detainee Kestrel also holds makes it Gold-ready.
    let out = interop(&[
        "conformance",
        OSPREY_CUSTODY_PY,
        "--config",
        &o_url,
        "--config",
        &key,
        "--search",
        "Person=Examplewood",
        "--search",
        "Event=burglary",
        "--peer",
        KESTREL_RMS,
        "--peer-config",
        &k_url,
        "--peer-config",
        "api_key=demo-key",
        "--json",
    ]);
    let (tiers, failed) = verdict(&out);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(
        tiers,
        [
            ("Bronze".into(), true),
            ("Silver".into(), true),
            ("GoldReady".into(), true)
        ]
    );

    // JavaScript: intelligence reports, created from a graded report (the kit's synthetic
    // incident is not one Osprey Intel takes).
    let dir = std::env::temp_dir().join(format!("interop-conformance-js-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = Submission {
        local_id: None,
        handling: Handling {
            classification: Classification::Official,
            sensitive: false,
            caveats: Vec::new(),
            grading: Some(Grading {
                source: SourceEvaluation::Reliable,
                intelligence: IntelligenceAssessment::B,
                handling: HandlingCode::Permitted,
            }),
            review_date: Some("2027-11-27".into()),
        },
        entity: Entity::Event(Event {
            kind: EventKind::IntelligenceReport,
            category: None,
            references: Vec::new(),
            ho_classification: None,
            offence_code: None,
            starts_at: None,
            ends_at: None,
            exact_time_known: false,
            description: Some(
                "A grey van was seen at Example Street. Synthetic, from the conformance test."
                    .into(),
            ),
            status: None,
        }),
        links: Vec::new(),
        reason: None,
    };
    let file = dir.join("report.json");
    std::fs::write(&file, serde_json::to_string(&report).unwrap()).unwrap();
    let out = interop(&[
        "conformance",
        OSPREY_INTEL_JS,
        "--config",
        &o_url,
        "--config",
        &token,
        "--search",
        "Event=Examplewood",
        "--submit",
        file.to_str().unwrap(),
        "--json",
    ]);
    let (tiers, failed) = verdict(&out);
    assert!(failed.is_empty(), "{failed:#?}");
    // Intelligence reports carry no key a federated search can merge on: Silver, not
    // Gold-ready, and the report says why (no peer given).
    assert_eq!(
        tiers,
        [
            ("Bronze".into(), true),
            ("Silver".into(), true),
            ("GoldReady".into(), false)
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_vendor_system_only_bronze_is_judged_and_the_rest_says_what_to_pass() {
    let out = interop(&["conformance", KESTREL_RMS, "--json"]);
    let report = json(&out);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(
        tiers(&report),
        [
            ("Bronze".into(), true),
            ("Silver".into(), false),
            ("GoldReady".into(), false)
        ]
    );
    for id in [
        "contract",
        "describe",
        "vendor-unreachable",
        "missing-config",
        "budgets",
    ] {
        assert_eq!(check(&report, id)["status"], "pass", "{id}: {report:#}");
    }
    let unreachable = check(&report, "vendor-unreachable")["evidence"].to_string();
    assert!(unreachable.contains("check → unavailable"), "{unreachable}");
    let silver = check(&report, "check");
    assert_eq!(silver["status"], "not-run");
    assert!(
        silver["evidence"]
            .to_string()
            .contains("--config base_url="),
        "{silver}"
    );
    // A vendor tool works on an unsigned component and says so.
    assert_eq!(report["signature"]["status"], "unsigned", "{report:#}");
    let reason = report["tiers"][1]["reason"].as_str().unwrap();
    assert!(reason.contains("check not run"), "{reason}");
}

#[test]
fn a_connector_that_traps_fails_with_the_trap_as_evidence() {
    // The misbehave guest's search does what its text says: `panic` panics.
    let out = interop(&[
        "conformance",
        GUEST_MISBEHAVE,
        "--search",
        "Person=panic",
        "--json",
    ]);
    let report = json(&out);
    assert!(
        !out.status.success(),
        "a trap must fail the run: {report:#}"
    );
    let search = check(&report, "search");
    assert_eq!(search["status"], "fail", "{search}");
    assert!(search["evidence"].to_string().contains("trap"), "{search}");
    let budgets = check(&report, "budgets");
    assert_eq!(budgets["status"], "fail", "{budgets}");
    assert!(
        budgets["evidence"].to_string().contains("panic"),
        "{budgets}"
    );
    assert_eq!(tiers(&report)[0], ("Bronze".into(), false));
}

#[test]
fn a_connector_built_against_another_contract_fails_the_contract_check() {
    let out = interop(&["conformance", GUEST_CONTRACT_NEXT]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[FAIL] contract"), "{text}");
    assert!(
        text.contains("1.0.0") && text.contains("this host supports 0.1.x and 0.2.x"),
        "{text}"
    );
    assert!(text.contains("Bronze: no"), "{text}");
}

#[test]
fn bad_arguments_say_what_to_write() {
    let out = interop(&["conformance", KESTREL_RMS, "--search", "Examplewood"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KIND=TEXT"), "{err}");
    let out = interop(&["conformance", "/nonexistent/x.wasm"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.wasm"),
        "names the file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connector_built_against_contract_0_1_still_reaches_silver() {
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let url = format!("base_url={}", kestrel.base_url());
    let out = interop(&[
        "conformance",
        interop_test_artifacts::GUEST_LEGACY_V0_1,
        "--config",
        &url,
        "--config",
        "api_key=demo-key",
        "--search",
        "Person=Examplewood",
        "--json",
    ]);
    let report = json(&out);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(
        tiers(&report)[..2],
        [("Bronze".into(), true), ("Silver".into(), true)],
        "{report:#}"
    );
    let contract = check(&report, "contract")["evidence"].to_string();
    assert!(contract.contains("0.1.0"), "{contract}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connector_that_declares_no_check_is_judged_on_what_it_declares() {
    // Bronze, with no vendor system: `check` is not asked for where the contract leaves it
    // optional, and, being undeclared, must answer invalid-input like any undeclared operation.
    let out = interop(&["conformance", GUEST_NO_CHECK, "--json"]);
    let report = json(&out);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(tiers(&report)[0], ("Bronze".into(), true), "{report:#}");
    let undeclared = check(&report, "undeclared-operations");
    assert_eq!(undeclared["status"], "pass", "{undeclared}");
    assert!(
        undeclared["evidence"]
            .to_string()
            .contains("check (not declared) → invalid-input"),
        "{undeclared}"
    );
    let unreachable = check(&report, "vendor-unreachable");
    assert_eq!(unreachable["status"], "pass", "{unreachable}");
    let text = unreachable["evidence"].to_string();
    assert!(
        !text.contains("check →")
            && text.contains("search object")
            && text.contains("→ unavailable"),
        "{unreachable}"
    );
    let missing = check(&report, "missing-config");
    assert_eq!(missing["status"], "pass", "{missing}");
    assert!(
        missing["evidence"].to_string().contains("search object"),
        "{missing}"
    );
    // No `check` among the checks the vendor system would run.
    assert!(
        !statuses(&report).iter().any(|(id, _)| id == "check"),
        "{report:#}"
    );

    // Silver, against the Kestrel stand-in.
    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let url = format!("base_url={}", kestrel.base_url());
    let out = interop(&[
        "conformance",
        GUEST_NO_CHECK,
        "--config",
        &url,
        "--config",
        "api_key=demo-key",
        "--search",
        "Object=ZX51ABC",
        "--json",
    ]);
    let (verdicts, failed) = verdict(&out);
    let report = json(&out);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(
        verdicts[..2],
        [("Bronze".into(), true), ("Silver".into(), true)],
        "{report:#}"
    );
    assert_eq!(check(&report, "check")["status"], "not-applicable");
    for id in ["search", "fetch-found", "fetch-not-found", "unauthorized"] {
        assert_eq!(check(&report, id)["status"], "pass", "{id}: {report:#}");
    }
    let unauthorized = check(&report, "unauthorized")["evidence"].to_string();
    assert!(
        unauthorized.contains("search object") && unauthorized.contains("→ unauthorized"),
        "{unauthorized}"
    );
}

/// A scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("interop-conformance-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn the_signed_artifact_a_vendor_ships_reaches_gold_ready_and_its_signature_is_checked() {
    let dir = scratch("signed");
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    for (prefix, comment) in [
        ("kestrel", "Kestrel release key"),
        ("other", "someone else"),
    ] {
        let out = interop(&[
            "keys",
            "generate",
            "--out",
            &p(prefix),
            "--comment",
            comment,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = interop(&[
        "sign",
        KESTREL_RMS,
        "--key",
        &p("kestrel.key"),
        "--out",
        &p("kestrel.wasm"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let kestrel = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let harrier = harrier_anpr_standin::StandIn::start(harrier_anpr_standin::Config::default())
        .await
        .unwrap();
    let k_url = format!("base_url={}", kestrel.base_url());
    let h_url = format!("base_url={}", harrier.base_url());
    let run = |trust: &str| {
        interop(&[
            "conformance",
            &p("kestrel.wasm"),
            "--trust",
            trust,
            "--config",
            &k_url,
            "--config",
            "api_key=demo-key",
            "--search",
            "Person=Examplewood",
            "--peer",
            HARRIER_ANPR,
            "--peer-config",
            &h_url,
            "--peer-config",
            "token=demo-token",
            "--json",
        ])
    };

    // Signed by the key it is told to trust: every tier, the exchange run by a gateway that
    // verified the signature (a signed component by an unknown key would not load).
    let out = run(&p("kestrel.pub"));
    let report = json(&out);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(
        tiers(&report),
        [
            ("Bronze".into(), true),
            ("Silver".into(), true),
            ("GoldReady".into(), true)
        ],
        "{report:#}"
    );
    let signature = check(&report, "signature");
    assert_eq!(signature["status"], "pass", "{signature}");
    assert!(
        signature["evidence"]
            .to_string()
            .contains("valid signature by trusted key"),
        "{signature}"
    );
    let exchange = check(&report, "exchange")["evidence"].to_string();
    assert!(
        exchange.contains("kestrel-rms: signed by key")
            && exchange.contains("own signer")
            && exchange.contains("harrier-anpr: unsigned")
            && exchange.contains("merged: "),
        "{exchange}"
    );

    // Told to trust another key: the signature check fails, and with it Bronze.
    let out = run(&p("other.pub"));
    let report = json(&out);
    assert!(!out.status.success(), "{report:#}");
    let signature = check(&report, "signature");
    assert_eq!(signature["status"], "fail", "{signature}");
    assert!(
        signature["evidence"].to_string().contains("unknown key"),
        "{signature}"
    );
    assert_eq!(tiers(&report)[0], ("Bronze".into(), false));

    // Without --trust the signature is reported, not judged.
    let out = interop(&["conformance", &p("kestrel.wasm"), "--json"]);
    let report = json(&out);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(check(&report, "signature")["status"], "not-applicable");
    assert_eq!(report["signature"]["status"], "signed", "{report:#}");

    // A --trust file that is not a key names the file.
    let out = interop(&[
        "conformance",
        &p("kestrel.wasm"),
        "--trust",
        &p("kestrel.key"),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kestrel.key"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
