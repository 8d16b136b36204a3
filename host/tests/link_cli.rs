//! `interop link` as a force or reviewer runs it: on a file of person records in the `/v1`
//! shape, on the benchmark generator's synthetic population, and on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running interop")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-link-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn person(system: &str, id: &str, given: &str, dob: &str, pnc: Option<&str>) -> String {
    serde_json::json!({
        "source": {"force": "Test", "system": system, "local_id": id, "extracted_at": "2026-03-01T00:00:00Z"},
        "handling": {"classification": "official", "sensitive": false, "caveats": []},
        "entity": {"kind": "person", "given_names": [given], "middle_names": [], "surname": "Protoford",
                   "aliases": [], "date_of_birth": dob, "date_of_birth_known": true, "gender": "male",
                   "pnc_id": pnc, "cro_number": null, "warning_markers": []},
        "links": [], "linked": [
            {"local_id": "A", "entity": {"kind": "location", "postcode": "YY1 2AB", "uprn": "999900000001"}}
        ]
    })
    .to_string()
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn link_groups_a_nickname_and_transposed_date_and_explains_it() {
    let dir = scratch("explain");
    let input = dir.join("records.jsonl");
    std::fs::write(
        &input,
        [
            person("Kestrel RMS", "NOM-1", "Alex", "1991-04-07", None),
            person("Harrier ANPR", "KPR-9", "ALEXANDER", "1991-07-04", None),
            person(
                "Kestrel RMS",
                "NOM-2",
                "Jordan",
                "1985-06-21",
                Some("1985/0012345L"),
            ),
            person(
                "Osprey Custody",
                "C-2",
                "Jordan",
                "1985-06-21",
                Some("1994/0054321Z"),
            ),
        ]
        .join("\n"),
    )
    .unwrap();
    let output = dir.join("groups.jsonl");
    let out = interop(&[
        "link",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--explain",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("linked 4 records into 3 groups"),
        "{}",
        stderr(&out)
    );
    let got = lines(&output);
    assert_eq!(got.len(), 4, "one line per record");
    assert_eq!(got[0]["line"], 1);
    assert_eq!(got[0]["group_id"], got[1]["group_id"]);
    assert_eq!(got[0]["group_size"], 2);
    let fields: Vec<String> = got[0]["group"]["links"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["field"].as_str().unwrap(),
                f["agreement"].as_str().unwrap()
            )
        })
        .collect();
    assert!(fields.contains(&"given_name:nickname".into()), "{fields:?}");
    assert!(
        fields.contains(&"date_of_birth:day_month_transposed".into()),
        "{fields:?}"
    );
    // Same name, birthday and address, different PNC ids: two groups, a possible match.
    assert_ne!(got[2]["group_id"], got[3]["group_id"]);
    let beside = &got[2]["group"]["possible_matches"][0];
    assert_eq!(beside["reason"], "conflicting_identifier", "{beside}");
    assert_eq!(beside["field"], "pnc_id", "{beside}");
    assert_eq!(beside["other_group"], got[3]["group_id"]);

    // The same file in another order gives the same group ids.
    let reversed = dir.join("reversed.jsonl");
    let text = std::fs::read_to_string(&input).unwrap();
    let mut rev: Vec<&str> = text.lines().collect();
    rev.reverse();
    std::fs::write(&reversed, rev.join("\n")).unwrap();
    let out = interop(&["link", "--input", reversed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let again: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(again[3]["group_id"], got[0]["group_id"]);
    assert_eq!(again[0]["group_id"], got[3]["group_id"]);
}

#[test]
fn bad_input_is_refused_with_its_file_and_line_and_what_to_do() {
    let dir = scratch("bad");
    let input = dir.join("records.jsonl");
    let good = person("Kestrel RMS", "NOM-1", "Alex", "1991-04-07", None);
    std::fs::write(&input, format!("{good}\n{{\"source\": oops}}\n")).unwrap();
    let out = interop(&["link", "--input", input.to_str().unwrap()]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains(&format!("{}:2: not a record", input.display())),
        "{e}"
    );
    assert!(e.contains("docs/linkage-input.schema.json"), "{e}");

    std::fs::write(&input, format!("{good}\n{good}\n")).unwrap();
    let e = stderr(&interop(&["link", "--input", input.to_str().unwrap()]));
    assert!(
        e.contains(":2: record Kestrel RMS:NOM-1 already appeared at line 1"),
        "{e}"
    );

    let vehicle =
        r#"{"source":{"system":"S","local_id":"V1"},"entity":{"kind":"object","type":"vehicle"}}"#;
    std::fs::write(&input, format!("{good}\n{vehicle}\n")).unwrap();
    let e = stderr(&interop(&["link", "--input", input.to_str().unwrap()]));
    assert!(
        e.contains(":2: entity kind `object` is not a person"),
        "{e}"
    );
    assert!(e.contains("skip other kinds"), "{e}");
    let out = interop(&[
        "link",
        "--input",
        input.to_str().unwrap(),
        "--skip-non-person",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("skipped 1 lines that are not people"));

    let e = stderr(&interop(&[
        "link",
        "--input",
        dir.join("missing.jsonl").to_str().unwrap(),
    ]));
    assert!(e.contains("missing.jsonl"), "{e}");
    let e = stderr(&interop(&[
        "link",
        "--input",
        input.to_str().unwrap(),
        "--group-threshold",
        "1.5",
    ]));
    assert!(e.contains("group_threshold is 1.5"), "{e}");

    let help = String::from_utf8_lossy(&interop(&["link", "--help"]).stdout).into_owned();
    for taught in [
        "docs/linkage-input.schema.json",
        "docs/linkage-output.schema.json",
        "--explain",
        "conflicting_identifier",
        "Examples:",
    ] {
        assert!(help.contains(taught), "{taught}: {help}");
    }
}

#[test]
fn link_runs_on_the_benchmark_generators_population_and_saves_its_model() {
    let dir = scratch("generated");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let generated = Command::new("python3")
        .arg(root.join("scripts/linkage/generate.py"))
        .args(["--seed", "1", "--people", "800", "--out"])
        .arg(&dir)
        .output()
        .expect("python3 runs the generator");
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let records = dir.join("records.jsonl");
    let count = std::fs::read_to_string(&records).unwrap().lines().count();
    assert!(count > 1000, "{count} records");
    let output = dir.join("groups.jsonl");
    let model = dir.join("model.json");
    let out = interop(&[
        "link",
        "--input",
        records.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--model-out",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("weights estimated from the input"),
        "{}",
        stderr(&out)
    );
    let got = lines(&output);
    assert_eq!(got.len(), count);
    let grouped = got
        .iter()
        .filter(|l| l["group_size"].as_u64().unwrap() > 1)
        .count();
    assert!(
        grouped > count / 2,
        "most records have a copy elsewhere: {grouped} of {count}"
    );
    // The saved model links the same file again.
    let out = interop(&[
        "link",
        "--input",
        records.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("weights from --model"),
        "{}",
        stderr(&out)
    );
}
