//! `interop call`: one operation of a connector, in the sandbox, answer as JSON on stdout.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use interop_sandbox::capabilities::http::PrivateExceptions;
use interop_sandbox::policy::Policy;
use interop_sandbox::review::Severity;
use interop_sandbox::types::{Classification, EntityKind, RequestContext, SearchQuery, Submission};
use interop_sandbox::{AllowList, Grant, Host, HostPattern, Limits, signing};
use serde::Deserialize;

/// The submission `interop call --help` shows: complete, every field named, in the /v1 JSON
/// shape (`interop conformance --submit` takes the same, and the gateway's `POST /v1/submit`
/// as its `submission`).
macro_rules! submit_example {
    () => {
        r#"{"local_id": null,
              "handling": {"classification": "official", "sensitive": false, "caveats": [],
                           "grading": null, "review_date": null},
              "entity": {"kind": "event", "event_kind": "incident", "category": "BURGLARY",
                         "references": [], "ho_classification": null, "offence_code": null,
                         "starts_at": "2026-03-01T21:30:00Z", "ends_at": null,
                         "exact_time_known": true, "status": null,
                         "description": "Shed broken into at 12 Example Street (synthetic)"},
              "links": [],
              "reason": "Reported by the householder"}"#
    };
}

const AFTER_HELP: &str = concat!(
    "\
Operations and their --input:
  describe   none
  check      none
  search     a search query: {\"kind\":\"person\",\"text\":\"Examplewood\",\"limit\":5}
             kind is Person, Object, Location or Event; optional \"keys\", e.g.
             [{\"kind\":\"vrm\",\"vrm\":\"ZX51ABC\"}] or [{\"kind\":\"name\",\"surname\":\"Examplewood\",\"given_name\":null,\"date_of_birth\":\"1988-03-14\"}],
             and \"cursor\" from a previous answer's next_cursor; limit defaults to 20
  fetch      {\"kind\":\"person\",\"local_id\":\"NOM-000101\"}
  submit     a submission, every field shown (null or [] where there is nothing), e.g.
             an incident:
             ",
    submit_example!(),
    "
             local_id names the vendor's entity to update (null: create one). The entity is
             any POLE entity in the /v1 shape: {\"kind\":\"person\",…}, {\"kind\":\"location\",…},
             {\"kind\":\"organisation\",…}, {\"kind\":\"object\",\"type\":\"vehicle\",…}. A link is
             {\"from\":{\"kind\":\"event\",\"local_id\":\"…\"},\"to\":{…},\"role\":\"incidentLocation\"}.
             Pass --idempotency-key KEY so that a retry does not create twice.
--input takes JSON text, or @FILE to read it from a file, or @- for stdin.

The connector is granted nothing but what you pass: either a policy file (--policy, as a force
would install it; see `interop policy init`), or --config values (secrets included) and
--allow-host origins (a literal IP origin such as http://127.0.0.1:4100 also allows that
private address). Exit status: 0 with the answer on stdout; 1 with the error on stderr
(a connector error names its class: invalid-input, not-found, unauthorized, unavailable,
internal; a sandbox stop says trap, cpu-budget, timeout or memory).

Example:
  interop call harrier_anpr_connector.wasm search \\
      --config base_url=http://127.0.0.1:4200 --config token=demo-token \\
      --allow-host http://127.0.0.1:4200 \\
      --input '{\"kind\":\"object\",\"keys\":[{\"kind\":\"vrm\",\"vrm\":\"ZX51ABC\"}],\"limit\":5}'"
);

/// Arguments of `interop call`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The component file (.wasm).
    component: PathBuf,
    /// describe, check, search, fetch or submit.
    operation: Operation,
    /// The operation's input as JSON, @FILE or @- (see below).
    #[arg(long)]
    input: Option<String>,
    /// Run under this policy file instead of the ad-hoc grant flags.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["config", "allow_host", "memory_mib", "cpu_ms", "timeout_ms"])]
    policy: Option<PathBuf>,
    /// A configuration value to grant, KEY=VALUE (repeatable).
    #[arg(long = "config", value_parser = super::key_value, value_name = "KEY=VALUE")]
    config: Vec<(String, String)>,
    /// An origin the connector may call: scheme://host:port, host:port, host, or *.domain (repeatable).
    #[arg(long = "allow-host", value_parser = HostPattern::parse, value_name = "HOST")]
    allow_host: Vec<HostPattern>,
    /// User id in the request context.
    #[arg(long, default_value = "interop-cli")]
    user: String,
    /// Role in the request context.
    #[arg(long, default_value = "developer")]
    role: String,
    /// Clearance in the request context: official, secret or top-secret.
    #[arg(long, default_value = "official", value_parser = parse_clearance)]
    clearance: Classification,
    /// Why this access is needed (sent to the vendor's audit).
    #[arg(long, default_value = "connector development and testing")]
    justification: String,
    /// Case or incident reference.
    #[arg(long)]
    case_ref: Option<String>,
    /// Idempotency key for submit: a retry with the same key does not create twice.
    #[arg(long)]
    idempotency_key: Option<String>,
    /// Memory cap in MiB.
    #[arg(long, default_value_t = Limits::default().memory_bytes >> 20)]
    memory_mib: usize,
    /// CPU budget in milliseconds of guest execution.
    #[arg(long, default_value_t = Limits::default().cpu.as_millis() as u64)]
    cpu_ms: u64,
    /// Wall-clock timeout for the whole call, in milliseconds.
    #[arg(long, default_value_t = Limits::default().wall_clock.as_millis() as u64)]
    timeout_ms: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Operation {
    Describe,
    Check,
    Search,
    Fetch,
    Submit,
}

fn parse_clearance(s: &str) -> Result<Classification, String> {
    match s.to_ascii_lowercase().as_str() {
        "official" => Ok(Classification::Official),
        "secret" => Ok(Classification::Secret),
        "top-secret" | "top_secret" => Ok(Classification::TopSecret),
        _ => Err(format!("`{s}`: use official, secret or top-secret")),
    }
}

#[derive(Deserialize)]
struct FetchInput {
    kind: EntityKind,
    local_id: String,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let memory_bytes = args
        .memory_mib
        .checked_mul(1 << 20)
        .filter(|&b| b <= Limits::MAX_MEMORY_BYTES)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--memory-mib {} is over the host's maximum of {} MiB",
                args.memory_mib,
                Limits::MAX_MEMORY_BYTES >> 20
            )
        })?;
    let host = Host::new()?;
    let allow = AllowList::new(args.allow_host.clone());
    let grant = Grant {
        limits: Limits {
            memory_bytes,
            cpu: Duration::from_millis(args.cpu_ms),
            wall_clock: Duration::from_millis(args.timeout_ms),
            ..Limits::default()
        },
        config: args.config.iter().cloned().collect(),
        // A literal IP origin is the explicit exception for that address.
        private: PrivateExceptions::literals_in(&allow),
        allow,
        filesystem: Vec::new(),
        // The answer printed shows what the host's checks found in each record.
        malformed: interop_sandbox::records::Malformed::Warn,
    };
    let input = read_input(args.input.as_deref()).await?;
    let needs_input = matches!(
        args.operation,
        Operation::Search | Operation::Fetch | Operation::Submit
    );
    if !needs_input && input.is_some() {
        bail!("this operation takes no --input");
    }
    if needs_input && input.is_none() {
        bail!("this operation needs --input (see `interop call --help`)");
    }
    let compiled = crate::compiled::compiled(&host, &args.component).await?;
    // One line, so a vendor sees what a gateway would see before it trusts the file.
    eprintln!(
        "{}: {}",
        args.component.display(),
        signing::signature_status(&compiled.bytes)
    );
    let connector = match &args.policy {
        Some(file) => {
            let policy = Policy::from_file(file)?;
            let (connector, review) = host
                .load_compiled_with_policy(&compiled.name, &compiled.component, &policy)
                .await?;
            for f in review
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Medium)
            {
                tracing::warn!("policy {}: {}: {}", f.severity, f.code, f.message);
            }
            connector
        }
        None => {
            let name = args.component.file_name().map_or_else(
                || args.component.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            host.load_compiled(&name, &compiled.component, grant)
                .await?
        }
    };
    let ctx = RequestContext {
        user_id: args.user,
        role: args.role,
        clearance: args.clearance,
        justification: args.justification,
        case_reference: args.case_ref,
        correlation_id: correlation_id(),
        idempotency_key: args.idempotency_key,
    };
    let input = input.unwrap_or_default();
    let answer = match args.operation {
        Operation::Describe => serde_json::to_value(connector.describe().await?)?,
        Operation::Check => serde_json::to_value(connector.check(&ctx).await?)?,
        Operation::Search => {
            let query = parse_search(&input)?;
            serde_json::to_value(connector.search(&ctx, &query).await?)?
        }
        Operation::Fetch => {
            let f: FetchInput = parse_json(&input, "a fetch request {\"kind\":…,\"local_id\":…}")?;
            serde_json::to_value(connector.fetch(&ctx, f.kind, &f.local_id).await?)?
        }
        Operation::Submit => {
            let s: Submission = parse_json(&input, "a submission")?;
            serde_json::to_value(connector.submit(&ctx, &s).await?)?
        }
    };
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

async fn read_input(input: Option<&str>) -> anyhow::Result<Option<String>> {
    Ok(match input {
        None => None,
        Some("@-") => {
            use tokio::io::AsyncReadExt;
            let mut s = String::new();
            tokio::io::stdin()
                .read_to_string(&mut s)
                .await
                .context("reading --input from stdin")?;
            Some(s)
        }
        Some(s) if s.starts_with('@') => Some(
            tokio::fs::read_to_string(&s[1..])
                .await
                .with_context(|| format!("cannot read --input file {}", &s[1..]))?,
        ),
        Some(s) => Some(s.to_string()),
    })
}

/// Parse JSON input, naming the line and column of a mistake.
fn parse_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> anyhow::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "--input is not {what}: {e} (line {}, column {})",
            e.line(),
            e.column()
        )
    })
}

/// A search query with the optional fields filled in, so `{"kind":"person","text":"x"}` works.
fn parse_search(text: &str) -> anyhow::Result<SearchQuery> {
    let mut value: serde_json::Value = parse_json(text, "JSON")?;
    let Some(object) = value.as_object_mut() else {
        bail!(
            "--input for search must be a JSON object like {{\"kind\":\"person\",\"text\":\"…\"}}"
        );
    };
    object.entry("text").or_insert(serde_json::Value::Null);
    object.entry("keys").or_insert(serde_json::json!([]));
    object.entry("limit").or_insert(serde_json::json!(20));
    object.entry("cursor").or_insert(serde_json::Value::Null);
    serde_json::from_value(value).map_err(|e| anyhow::anyhow!("--input is not a search query: {e}"))
}

/// A fresh correlation id: time and process, enough to find one CLI call in a vendor's log.
fn correlation_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("cli-{:x}-{:x}", std::process::id(), nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_input_defaults() {
        let q = parse_search(r#"{"kind":"person","text":"Examplewood"}"#).unwrap();
        assert_eq!(q.kind, EntityKind::Person);
        assert_eq!(q.limit, 20);
        assert!(q.keys.is_empty());
        assert_eq!(q.cursor, None);
    }

    #[test]
    fn the_submission_in_the_help_is_complete_and_parses_as_given() {
        let example: serde_json::Value = serde_json::from_str(submit_example!()).unwrap();
        let parsed: Submission = parse_json(submit_example!(), "a submission").unwrap();
        // Every field it names is one the submission has, and it names every field: written
        // back, it is the same JSON.
        assert_eq!(serde_json::to_value(&parsed).unwrap(), example);
        assert!(AFTER_HELP.contains(submit_example!()));
        assert!(
            !AFTER_HELP.contains("{…}}"),
            "nothing elided in the example"
        );
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let err = parse_search("{\n\"kind\": Person}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        let err = parse_search("[1]").unwrap_err().to_string();
        assert!(err.contains("JSON object"), "{err}");
        let err = parse_search(r#"{"kind":"Persons"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a search query"), "{err}");
    }
}
