//! `interop conformance`: the contract test kit, with its report as text or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::conformance::{self, Options, Peer, Report, Status, Tier};
use anyhow::Context;
use interop_sandbox::types::{EntityKind, SearchKey, SearchQuery, Submission};
use interop_sandbox::{Host, HostPattern};

const AFTER_HELP: &str = "\
What it checks (each with its evidence), and the InterOp-Pol tier each counts towards. Only
what the connector declares in describe is asked of it: `check` is optional, and so is each
data operation (docs/VENDOR-GUIDE.md, section 4, lists every check of every tier).
  Bronze      the contract (version, world), a complete describe, undeclared operations
              (check included) and unhandled entity kinds answer invalid-input, an
              unreachable vendor answers unavailable, missing configuration answers an
              error, every call within the default budgets; with --trust, a valid signature
              by one of those keys. Needs no vendor system.
  Silver      configuration documented; against the vendor's test system (--config): check
              (when declared), a search per entity kind (--search), the search limit and
              cursor, fetch of a found record and of a missing one (not-found), submit and
              its idempotent retry, wrong credentials (unauthorized); every record's source,
              handling labels and POLE formats.
  Gold-ready  a real gateway with this connector and another supplier's (--peer) merges
              their records of the same entity in one federated search. The gateway trusts
              the --trust keys and each component's own signer, so it runs the signed
              artifact you ship; an unsigned one is loaded as in development.
Gold itself is certified by a force, not by this kit.

Without --config for the required keys the vendor checks are listed as not run, with what to
pass. Endpoint values given with --config are granted as outbound origins (a loopback or
literal IP also gets its private-address exception). Exit status: 0 when no check failed
(checks not run do not fail it), 1 otherwise.

Examples:
  # Bronze only: no vendor system needed
  interop conformance target/wasm32-wasip2/release/kestrel_rms_connector.wasm

  # Silver, against the vendor's test system
  interop conformance kestrel_rms_connector.wasm \\
      --config base_url=http://127.0.0.1:4100 --config api_key=demo-key \\
      --config force='Exampleshire Constabulary' \\
      --search Person=Examplewood --search Object=ZX51ABC \\
      --search '{\"kind\":\"event\",\"keys\":[{\"kind\":\"reference\",\"reference\":\"KR/2026/000301\"}]}'

  # Gold-ready, on the signed artifact: a federated search through a gateway with another
  # supplier's connector
  interop conformance kestrel_rms_connector.wasm --trust kestrel-release.pub \\
      --config base_url=http://127.0.0.1:4100 \\
      --config api_key=demo-key --search Person=Examplewood \\
      --peer harrier_anpr_connector.wasm --peer-config base_url=http://127.0.0.1:4200 \\
      --peer-config token=demo-token";

/// Arguments of `interop conformance`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The component file (.wasm).
    component: PathBuf,
    /// Configuration of the vendor's test system, KEY=VALUE (repeatable; secrets included).
    #[arg(long = "config", value_parser = super::key_value, value_name = "KEY=VALUE")]
    config: Vec<(String, String)>,
    /// A further origin the connector may call (repeatable).
    #[arg(long = "allow-host", value_parser = HostPattern::parse, value_name = "HOST")]
    allow_host: Vec<HostPattern>,
    /// A search that finds data in the test system (repeatable): KIND=TEXT with KIND Person,
    /// Object, Location or Event, or a JSON query with structured keys, e.g.
    /// '{"kind":"event","keys":[{"kind":"reference","reference":"KR/2026/000301"}]}'.
    #[arg(long = "search", value_parser = parse_search, value_name = "KIND=TEXT|JSON")]
    search: Vec<SearchQuery>,
    /// A submission (JSON, as `interop call submit` takes) to use instead of the kit's
    /// synthetic entity.
    #[arg(long, value_name = "FILE")]
    submit: Option<PathBuf>,
    /// Another supplier's connector, for the Gold-ready exchange.
    #[arg(long, value_name = "FILE")]
    peer: Option<PathBuf>,
    /// Configuration of the peer's test system, KEY=VALUE (repeatable).
    #[arg(long = "peer-config", value_parser = super::key_value, value_name = "KEY=VALUE", requires = "peer")]
    peer_config: Vec<(String, String)>,
    /// A further origin the peer may call (repeatable).
    #[arg(long = "peer-allow-host", value_parser = HostPattern::parse, value_name = "HOST", requires = "peer")]
    peer_allow_host: Vec<HostPattern>,
    /// Your public key file (PREFIX.pub from `interop keys generate`, repeatable): the
    /// component must carry a valid signature by one of them (the `signature` check).
    #[arg(long, value_name = "FILE.pub")]
    trust: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// A `--search` value: `KIND=TEXT`, or a JSON query for structured keys.
fn parse_search(s: &str) -> Result<SearchQuery, String> {
    if s.trim_start().starts_with('{') {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Query {
            kind: EntityKind,
            #[serde(default)]
            text: Option<String>,
            #[serde(default)]
            keys: Vec<SearchKey>,
            #[serde(default)]
            limit: Option<u32>,
        }
        let q: Query = serde_json::from_str(s).map_err(|e| {
            format!("not a search query: {e}; e.g. '{{\"kind\":\"event\",\"keys\":[{{\"kind\":\"reference\",\"reference\":\"KR/2026/000301\"}}]}}'")
        })?;
        if q.text.is_none() && q.keys.is_empty() {
            return Err("the query has neither text nor keys".into());
        }
        return Ok(SearchQuery {
            kind: q.kind,
            text: q.text,
            keys: q.keys,
            limit: q.limit.unwrap_or(20),
            cursor: None,
        });
    }
    let (kind, text) = s.split_once('=').ok_or_else(|| {
        format!("`{s}`: write KIND=TEXT, e.g. Person=Examplewood, or a JSON query")
    })?;
    let kind = match kind.to_ascii_lowercase().as_str() {
        "person" => EntityKind::Person,
        "object" => EntityKind::Object,
        "location" => EntityKind::Location,
        "event" => EntityKind::Event,
        _ => {
            return Err(format!(
                "`{kind}`: the kind is Person, Object, Location or Event"
            ));
        }
    };
    if text.trim().is_empty() {
        return Err(format!("`{s}`: the search text is empty"));
    }
    Ok(SearchQuery {
        kind,
        text: Some(text.to_string()),
        keys: Vec::new(),
        limit: 20,
        cursor: None,
    })
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let submission = match &args.submit {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let s: Submission = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}:{}: not a submission: {e}",
                    file.display(),
                    e.line(),
                    e.column()
                )
            })?;
            Some(s)
        }
        None => None,
    };
    let options = Options {
        config: args.config.into_iter().collect(),
        allow: args.allow_host,
        searches: args.search,
        submission,
        peer: args.peer.map(|component| Peer {
            component,
            config: args.peer_config.into_iter().collect(),
            allow: args.peer_allow_host,
        }),
        trust: args.trust,
    };
    let host = Host::new()?;
    let report = conformance::run(&host, &args.component, &options).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The report as text: checks by tier with their evidence, then the tiers supported.
fn render(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "interop conformance: {}{}",
        report.component,
        report
            .connector
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "signature: {}", report.signature);
    for tier in [Tier::Bronze, Tier::Silver, Tier::GoldReady] {
        let _ = writeln!(out, "\n{}", tier.name());
        for check in report.checks.iter().filter(|c| c.tier == tier) {
            let mark = match check.status {
                Status::Pass => "pass",
                Status::Fail => "FAIL",
                Status::NotRun => "not run",
                Status::NotApplicable => "n/a",
            };
            let _ = writeln!(out, "  [{mark}] {}: {}", check.id, check.title);
            for line in &check.evidence {
                let _ = writeln!(out, "        {line}");
            }
        }
    }
    let _ = writeln!(out, "\nTiers the evidence supports:");
    for verdict in &report.tiers {
        let _ = writeln!(
            out,
            "  {}: {}",
            verdict.tier.name(),
            match (&verdict.supported, &verdict.reason) {
                (true, _) => "yes".to_string(),
                (false, Some(r)) => format!("no ({r})"),
                (false, None) => "no".to_string(),
            }
        );
    }
    let _ = writeln!(out, "{}", report.gold_note);
    let failed = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .count();
    let _ = writeln!(out, "{} checks: {failed} failed", report.checks.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_arguments() {
        let q = parse_search("person=Examplewood").unwrap();
        assert_eq!(
            (q.kind, q.text.as_deref(), q.limit),
            (EntityKind::Person, Some("Examplewood"), 20)
        );
        let q = parse_search("Object=ZX51 ABC").unwrap();
        assert_eq!(q.text.as_deref(), Some("ZX51 ABC"));
        let q =
            parse_search(r#"{"kind":"event","keys":[{"kind":"reference","reference":"KR/2026/000301"}],"limit":5}"#)
                .unwrap();
        assert_eq!((q.kind, q.keys.len(), q.limit), (EntityKind::Event, 1, 5));
        assert!(
            parse_search("Examplewood")
                .unwrap_err()
                .contains("KIND=TEXT")
        );
        assert!(
            parse_search("Thing=x")
                .unwrap_err()
                .contains("Person, Object")
        );
        assert!(parse_search("Event= ").unwrap_err().contains("empty"));
        assert!(
            parse_search(r#"{"kind":"event"}"#)
                .unwrap_err()
                .contains("neither text nor keys")
        );
        assert!(
            parse_search(r#"{"kind":"event","txt":"x"}"#)
                .unwrap_err()
                .contains("not a search query")
        );
    }
}
