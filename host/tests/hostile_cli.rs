//! What a lying connector can do to the people and tools around it, through the `interop`
//! binary as a vendor, a reviewer and a force run it: nothing it says reaches a terminal or a
//! log as anything but visible text, a policy drafted for it grants no more than asked, a key
//! name that is not an identifier stops it loading, its secrets stay out of what it says, and a
//! host error reaches it without a backtrace of the host.

use std::process::{Command, Output};

use interop_test_artifacts::{GUEST_LIAR, GUEST_LIAR_KEYS};

fn interop(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interop"));
    command.args(args).env("RUST_LOG", "info");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("running interop")
}

/// Text a terminal would act on, anywhere in `text`: escape sequences, bells, carriage
/// returns, bidi controls.
fn interpreted(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n' && *c != '\t')
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

fn both(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// No line of the output starts as the forged log line does: it can only appear inside
/// another line, made visible.
fn no_forged_line(text: &str) {
    for line in text.lines() {
        assert!(
            !line
                .trim_start()
                .starts_with("2026-12-01T00:00:00Z  INFO interop: connector guest-liar verified"),
            "a forged line stands on its own: {text}"
        );
        assert!(
            !line.starts_with("VERDICT"),
            "a forged verdict stands on its own: {text}"
        );
    }
}

#[test]
fn inspect_and_review_show_what_a_liar_says_without_acting_on_it() {
    for args in [
        vec!["inspect", GUEST_LIAR],
        vec!["policy", "review", GUEST_LIAR],
    ] {
        let out = interop(&args, &[]);
        let text = both(&out);
        assert_eq!(interpreted(&text), Vec::<char>::new(), "{args:?}: {text}");
        no_forged_line(&text);
        assert!(
            text.contains("VERDICT: no findings"),
            "the text is shown, made visible: {text}"
        );
        // In the contract's own words, not Rust's debug forms.
        assert!(text.contains("check, search, fetch"), "{text}");
        assert!(text.contains("endpoint"), "{text}");
        assert!(
            !text.contains("Operation::") && !text.contains("Endpoint"),
            "{text}"
        );
    }
    // JSON stays exact: the same text, escaped as JSON escapes it.
    let out = interop(&["inspect", GUEST_LIAR, "--json"], &[]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let name = json["describe"]["ok"]["name"].as_str().unwrap();
    assert!(
        name.contains('\u{1b}'),
        "JSON carries the describe answer exactly"
    );
}

#[test]
fn a_policy_drafted_for_a_liar_grants_only_what_was_asked() {
    let dir = std::env::temp_dir().join(format!("interop-liar-init-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("liar.toml");
    let out = interop(
        &[
            "policy",
            "init",
            GUEST_LIAR,
            "--config",
            "base_url=http://127.0.0.1:9",
            "--out",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", both(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(interpreted(&text), Vec::<char>::new(), "{text}");
    let tables: toml::Table = toml::from_str(&text).unwrap();
    assert!(tables.get("filesystem").is_none(), "{text}");
    let policy = interop_sandbox::policy::Policy::parse("liar.toml", &text).unwrap();
    assert!(policy.sections.wasi.preopens.is_empty());
    assert_eq!(policy.sections.http.allow.len(), 1);
    // Reviewed, it is what was drafted: no finding above medium.
    let out = interop(
        &[
            "policy",
            "review",
            GUEST_LIAR,
            "--policy",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", both(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_key_name_that_would_write_a_filesystem_grant_stops_the_load() {
    let dir = std::env::temp_dir().join(format!("interop-liar-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys.toml");
    for args in [
        vec!["inspect", GUEST_LIAR_KEYS],
        vec!["policy", "review", GUEST_LIAR_KEYS],
        vec![
            "policy",
            "init",
            GUEST_LIAR_KEYS,
            "--out",
            file.to_str().unwrap(),
        ],
    ] {
        let out = interop(&args, &[]);
        let text = both(&out);
        assert!(!out.status.success(), "{args:?}: {text}");
        assert!(
            text.contains("not a name a policy can hold"),
            "{args:?} names why: {text}"
        );
        assert_eq!(interpreted(&text), Vec::<char>::new(), "{args:?}: {text}");
    }
    assert!(!file.exists(), "no policy was written");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_connector_that_logs_its_secret_has_it_taken_out() {
    let secret = "s3cr3t-liar-token-0451";
    let out = interop(
        &[
            "call",
            GUEST_LIAR,
            "search",
            "--config",
            &format!("token={secret}"),
            "--input",
            r#"{"kind":"person","text":"log-secret"}"#,
        ],
        &[],
    );
    let text = both(&out);
    assert!(
        !out.status.success(),
        "the connector answers unauthorized: {text}"
    );
    assert!(
        !text.contains(secret),
        "the secret never reaches the output: {text}"
    );
    assert!(
        text.contains("my token is [secret token]"),
        "the log line is kept: {text}"
    );
    assert!(
        text.contains("the vendor refused token [secret token]"),
        "so is the error: {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_error_reaches_a_connector_without_the_hosts_backtrace() {
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let base = vendor.base_url();
    // A body that trickles one byte a second outlasts the gap timeout (a quarter of 2 s): the
    // read fails with a host error, and the connector asks for its debug string.
    let out = tokio::task::spawn_blocking(move || {
        interop(
            &[
                "call",
                GUEST_LIAR,
                "search",
                "--config",
                &format!("base_url={base}"),
                "--allow-host",
                &base,
                "--timeout-ms",
                "2000",
                "--input",
                r#"{"kind":"person","text":"debug-string:/_fault/trickle/1000/api/v2/status"}"#,
            ],
            &[("RUST_BACKTRACE", "1"), ("RUST_LIB_BACKTRACE", "1")],
        )
    })
    .await
    .unwrap();
    let text = both(&out);
    assert!(out.status.success(), "{text}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let said = json.to_string();
    assert!(
        !said.contains("the body ended without an error"),
        "the read failed: {said}"
    );
    for marker in ["backtrace", "Backtrace", "Caused by", ".rs:", "at /"] {
        assert!(
            !said.contains(marker),
            "{marker:?} reached the guest: {said}"
        );
    }
}
