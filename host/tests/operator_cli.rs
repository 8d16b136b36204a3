//! What an operator starts from: `interop serve --example-config` prints a complete,
//! commented configuration that parses and runs once the files it names exist, every key it
//! shows is in docs/OPERATOR-GUIDE.md, and `serve --help` points at the guide.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use interop_gateway::config::GatewayConfig;

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running interop")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-operator-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every `key = …` the example shows, set or commented out.
fn keys_shown(example: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for line in example.lines() {
        let line = line.trim_start_matches('#').trim_start();
        if let Some((key, _)) = line.split_once(" = ")
            && !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !keys.contains(&key.to_string())
        {
            keys.push(key.to_string());
        }
    }
    keys
}

#[test]
fn the_example_configuration_parses_runs_and_is_documented_key_by_key() {
    let out = interop(&["serve", "--example-config"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let example = String::from_utf8(out.stdout).unwrap();
    assert_eq!(example, interop_gateway::config::EXAMPLE);

    // The files it names, made in a scratch directory beside it.
    let dir = scratch("example");
    let config = dir.join("gateway.toml");
    std::fs::write(&config, &example).unwrap();
    std::fs::create_dir_all(dir.join("tls")).unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.join("tls/gateway.crt"), certified.cert.pem()).unwrap();
    std::fs::write(
        dir.join("tls/gateway.key"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("trust")).unwrap();
    let out = interop(&[
        "keys",
        "generate",
        "--out",
        s(&dir.join("trust/kestrel-release")),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let parsed = GatewayConfig::from_file(&config).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.listen, "0.0.0.0:8443".parse().unwrap());
    assert_eq!(parsed.gateway_id, "exampleshire-gw-1");
    assert_eq!(parsed.audit_dir, dir.join("audit"));
    assert_eq!(parsed.trust.keys, [dir.join("trust/kestrel-release.pub")]);
    assert!(!parsed.trust.allow_unsigned);
    assert_eq!(parsed.store.as_ref().unwrap().dir, dir.join("plugins"));
    assert_eq!(
        parsed.tls,
        Some((dir.join("tls/gateway.crt"), dir.join("tls/gateway.key")))
    );
    assert_eq!(parsed.users[0].roles, ["investigator"]);

    // And it runs: the same file, on a free loopback port.
    std::fs::write(
        &config,
        example.replace("listen = \"0.0.0.0:8443\"", "listen = \"127.0.0.1:0\""),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", s(&config)])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let waited = child.wait_with_output().unwrap();
    assert!(
        line.starts_with("listening on https://127.0.0.1:"),
        "{line:?}\n{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let out = interop(&["plugin", "--config", s(&config), "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every key it shows is in the operator guide, by name.
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/OPERATOR-GUIDE.md"),
    )
    .unwrap();
    let keys = keys_shown(&example);
    assert!(keys.len() > 25, "{keys:?}");
    for key in &keys {
        assert!(
            guide.contains(&format!("`{key}`")),
            "docs/OPERATOR-GUIDE.md does not describe `{key}`"
        );
    }
    // The defaults it gives are the gateway's.
    let d = interop_gateway::config::Limits::default();
    for row in [
        format!(
            "| `header_timeout_ms` | `{}` |",
            d.header_timeout.as_millis()
        ),
        format!("| `idle_timeout_ms` | `{}` |", d.idle_timeout.as_millis()),
        format!("| `body_timeout_ms` | `{}` |", d.body_timeout.as_millis()),
        format!("| `max_connections` | `{}` |", d.max_connections),
        format!(
            "| `h2_max_concurrent_streams` | `{}` |",
            d.h2_max_concurrent_streams
        ),
        format!(
            "| `max_header_list_bytes` | `{}` |",
            d.max_header_list_bytes
        ),
        format!(
            "| `justification_min_visible` | `{}` |",
            interop_gateway::config::DEFAULT_JUSTIFICATION_MIN_VISIBLE
        ),
    ] {
        assert!(guide.contains(&row), "the guide's default differs: {row}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_help_points_at_the_guide_and_a_config_is_asked_for() {
    let out = interop(&["serve", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("docs/OPERATOR-GUIDE.md"), "{help}");
    assert!(help.contains("--example-config"), "{help}");
    assert!(!help.contains(".rs"), "no source file: {help}");
    let out = interop(&["serve"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config"));
    let out = interop(&["serve", "--example-config", "--config", "x.toml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_policy_in_the_guide_parses_and_names_every_limit() {
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/OPERATOR-GUIDE.md"),
    )
    .unwrap();
    let start = guide
        .find("```toml\nconnector = ")
        .expect("the guide's policy example");
    let text = &guide[start + "```toml\n".len()..];
    let text = &text[..text.find("```").unwrap()];
    let policy = interop_sandbox::policy::Policy::parse("OPERATOR-GUIDE.md", text)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.connector.as_deref(), Some("kestrel-rms"));
    let l = policy.limits;
    for (name, set) in [
        ("memory_mib", l.memory_mib.is_some()),
        ("cpu_ms", l.cpu_ms.is_some()),
        ("timeout_ms", l.timeout_ms.is_some()),
        ("max_concurrent", l.max_concurrent.is_some()),
        ("boundary_mib", l.boundary_mib.is_some()),
        ("requests_at_once", l.requests_at_once.is_some()),
        ("requests_per_second", l.requests_per_second.is_some()),
    ] {
        assert!(set, "the example sets {name}");
        assert!(
            guide.contains(&format!("`{name}`")),
            "the guide describes {name}"
        );
    }
    assert_eq!(policy.sections.config.secrets.len(), 1);
    assert_eq!(policy.sections.http.allow.len(), 2);
    assert_eq!(policy.sections.wasi.preopens.len(), 1);
    // The defaults the guide gives are the host's.
    let d = interop_sandbox::Limits::default();
    for row in [
        format!("| `[limits]` `memory_mib` | `{}` |", d.memory_bytes >> 20),
        format!("| `[limits]` `cpu_ms` | `{}` |", d.cpu.as_millis()),
        format!(
            "| `[limits]` `timeout_ms` | `{}` |",
            d.wall_clock.as_millis()
        ),
        format!("| `[limits]` `max_concurrent` | `{}` |", d.max_concurrent),
        format!(
            "| `[limits]` `boundary_mib` | `{}` |",
            d.boundary_bytes >> 20
        ),
        format!(
            "| `[limits]` `requests_at_once` | `{}` |",
            d.requests_at_once
        ),
    ] {
        assert!(guide.contains(&row), "the guide's default differs: {row}");
    }
}
