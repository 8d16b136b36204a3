//! `interop policy review` and `interop policy init`: what a connector can do, for security
//! teams, and the least policy that lets it work, for forces.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use interop_sandbox::policy::{Policy, init};
use interop_sandbox::review::{self, ConfigValue, Review, Severity};
use interop_sandbox::signing::{self, SignatureStatus};
use interop_sandbox::text::neutralise;
use interop_sandbox::types::{Classification, ConnectorInfo};
use interop_sandbox::{Grant, Host, LoadError, inspect};

const REVIEW_HELP: &str = "\
Reads the component (without granting it anything), asks it to describe itself, and reports:
every interface it imports and what the policy lets it do through each; what it declares; what
the policy grants; the effective grant (declared ∩ granted) the host enforces; and findings,
each with a severity: high, medium, low or info.

Exit status: 0 when no finding is high, 1 when one is (or the component cannot be read), 2 for
a usage error. Without --policy, the empty policy is reviewed: it grants nothing.

Examples:
  interop policy review kestrel_rms_connector.wasm --policy kestrel-rms.toml
  interop policy review kestrel_rms_connector.wasm --policy kestrel-rms.toml --json | jq .findings";

const INIT_HELP: &str = "\
Writes the least policy that lets the connector work with the configuration given: the keys it
declares and you gave, secrets by environment variable (never their values), outbound access only
to the origins of its endpoint keys (`config:KEY`), a private-address exception only where an
endpoint is a private address, and the host's default limits. Edit it, then check it with
`interop policy review`.

Examples:
  interop policy init kestrel_rms_connector.wasm \\
      --config base_url=http://127.0.0.1:4100 --config force='Demo Constabulary' \\
      --out kestrel-rms.toml";

/// Arguments of `interop policy`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Explain what a component can do under a policy, with findings for a security review.
    #[command(after_help = REVIEW_HELP)]
    Review(ReviewArgs),
    /// Write the least policy that lets a connector work with the given configuration.
    #[command(after_help = INIT_HELP)]
    Init(InitArgs),
}

#[derive(clap::Args)]
struct ReviewArgs {
    /// The component file (.wasm).
    component: PathBuf,
    /// The policy file to review it under (default: the empty policy).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct InitArgs {
    /// The component file (.wasm).
    component: PathBuf,
    /// A configuration value the connector will run with, KEY=VALUE (repeatable). A value for
    /// a secret key is not written: the policy names an environment variable instead.
    #[arg(long = "config", value_parser = super::key_value, value_name = "KEY=VALUE")]
    config: Vec<(String, String)>,
    /// Write the policy to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace --out if it exists.
    #[arg(long, requires = "out")]
    force: bool,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Review(a) => review(a).await,
        Command::Init(a) => init(a).await.map(|()| ExitCode::SUCCESS),
    }
}

/// What a component says about itself, read without granting it anything.
struct Described {
    name: String,
    /// Its signature, read without a trust store.
    signature: SignatureStatus,
    shape: inspect::Shape,
    /// Its `describe` answer, or, when it cannot be linked, a stand-in naming the file.
    info: ConnectorInfo,
    /// What the linker said, when the component imports something this host lacks.
    link_error: Option<String>,
}

/// Compile the component and ask it to describe itself, granting nothing.
async fn describe(host: &Host, path: &Path) -> anyhow::Result<Described> {
    let crate::compiled::Compiled {
        name,
        bytes,
        component,
    } = crate::compiled::compiled(host, path).await?;
    let signature = signing::signature_status(&bytes);
    let shape = inspect::shape(host.engine(), &component);
    let (info, link_error) = match host
        .load_compiled(&name, &component, Grant::default())
        .await
    {
        Ok(c) => (c.info().clone(), None),
        // A component that cannot be linked cannot describe itself, but its imports can
        // still be reviewed.
        Err(LoadError::Link { reason, .. }) => (
            ConnectorInfo {
                id: name.clone(),
                name: "(cannot be linked, so it could not describe itself)".into(),
                vendor: "unknown".into(),
                version: "unknown".into(),
                contract_version: String::new(),
                description: String::new(),
                entity_kinds: vec![],
                operations: vec![],
                config: vec![],
                max_classification: Classification::Official,
            },
            Some(reason),
        ),
        Err(e) => return Err(e.into()),
    };
    Ok(Described {
        name,
        signature,
        shape,
        info,
        link_error,
    })
}

async fn review(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let policy = match &args.policy {
        Some(file) => Policy::from_file(file)?,
        None => Policy::default(),
    };
    let host = Host::new()?;
    let d = describe(&host, &args.component).await?;
    let review = review::review(&d.name, &policy, &d.info, &d.shape, d.link_error);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&review_json(&review, &policy, &d.signature))?
        );
    } else {
        print!("{}", review_text(&review, &policy, &d.signature));
    }
    Ok(if review.worst() == Some(Severity::High) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn review_json(review: &Review, policy: &Policy, signature: &SignatureStatus) -> serde_json::Value {
    serde_json::json!({
        "component": review.component,
        "signature": signature,
        "policy": review.policy,
        "connector": { "id": review.declared.id, "version": review.declared.version, "vendor": review.declared.vendor },
        "imports": review.imports,
        "declared": {
            "operations": review.declared.operations,
            "entity_kinds": review.declared.entity_kinds,
            "config": review.declared.config,
            "max_classification": review.declared.max_classification,
        },
        "granted": {
            "limits": policy.limits,
            "config": policy.sections.config.values.keys().collect::<Vec<_>>(),
            "secrets": policy.sections.config.secrets,
            "allow": policy.sections.http.allow.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "private": policy.sections.http.private.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "filesystem": policy.sections.wasi.preopens,
        },
        "effective": review.effective,
        "findings": review.findings,
        "worst": review.worst(),
    })
}

fn review_text(review: &Review, policy: &Policy, signature: &SignatureStatus) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let d = &review.declared;
    // Everything the connector chose is neutralised before a terminal sees it.
    let t = |s: &str| neutralise(s, 500);
    let _ = writeln!(out, "component: {}", t(&review.component));
    let _ = writeln!(out, "signature: {signature}");
    let _ = writeln!(
        out,
        "connector: {} {} by {} ({})",
        t(&d.id),
        t(&d.version),
        t(&d.vendor),
        t(&d.name)
    );
    let _ = writeln!(
        out,
        "policy:    {}",
        review
            .policy
            .as_deref()
            .unwrap_or("(none: the empty policy, which grants nothing)")
    );

    let _ = writeln!(out, "\nimports, and what each grants:");
    for i in &review.imports {
        let mark = if i.provided { " " } else { "!" };
        let _ = writeln!(out, " {mark} {:<44} {}", t(&i.name), i.grants);
    }

    let _ = writeln!(out, "\ndeclares:");
    out.push_str(&super::inspect::describe_text(d));

    let _ = writeln!(out, "\npolicy grants:");
    if policy.limits.is_empty() {
        let _ = writeln!(out, "  limits: none set (host defaults)");
    } else {
        let l = &policy.limits;
        let set: Vec<String> = [
            ("memory_mib", l.memory_mib),
            ("cpu_ms", l.cpu_ms),
            ("timeout_ms", l.timeout_ms),
            ("max_concurrent", l.max_concurrent.map(u64::from)),
            ("boundary_mib", l.boundary_mib),
        ]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k} = {v}")))
        .collect();
        let _ = writeln!(
            out,
            "  limits: {} (the rest: host defaults)",
            set.join(", ")
        );
    }
    let keys: Vec<&String> = policy
        .sections
        .config
        .values
        .keys()
        .chain(policy.sections.config.secrets.keys())
        .collect();
    let _ = writeln!(out, "  config: {}", list(keys.iter().map(|k| k.as_str())));
    let _ = writeln!(
        out,
        "  allow: {}",
        list(policy.sections.http.allow.iter().map(ToString::to_string))
    );
    let _ = writeln!(
        out,
        "  private: {}",
        list(policy.sections.http.private.iter().map(ToString::to_string))
    );
    let _ = writeln!(
        out,
        "  filesystem: {}",
        list(policy.sections.wasi.preopens.iter().map(|p| format!(
            "{} as {}",
            p.path.display(),
            p.guest
        )))
    );

    let e = &review.effective;
    let _ = writeln!(
        out,
        "\neffective grant (declared ∩ granted), enforced by the host:"
    );
    let _ = writeln!(
        out,
        "  limits: {} MiB memory, {} ms CPU, {} ms per call, {} at once, {} MiB across the boundary",
        e.limits.memory_mib,
        e.limits.cpu_ms,
        e.limits.timeout_ms,
        e.limits.max_concurrent,
        e.limits.boundary_mib
    );
    let config: Vec<String> = e
        .grants
        .config
        .config
        .iter()
        .map(|(k, v)| match v {
            ConfigValue::Plain(v) => format!("{k} = {v:?}"),
            ConfigValue::Secret(s) => format!("{k} = <secret from {s}>"),
        })
        .collect();
    let _ = writeln!(out, "  config: {}", list(config.iter().map(String::as_str)));
    let _ = writeln!(
        out,
        "  outbound HTTP: {}",
        list(e.grants.http.allow.iter().map(String::as_str))
    );
    let _ = writeln!(
        out,
        "  private addresses: {}",
        list(e.grants.http.private.iter().map(String::as_str))
    );
    let _ = writeln!(
        out,
        "  files: {}",
        list(
            e.grants
                .wasi
                .filesystem
                .iter()
                .map(|p| format!("{} (read-only)", p.guest))
        )
    );
    let _ = writeln!(out, "  everything else: nothing");

    let _ = writeln!(out, "\nfindings:");
    if review.findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in &review.findings {
        let at = f.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<6} {:<24} {}{at}",
            f.severity,
            f.code,
            neutralise(&f.message, 1000)
        );
    }
    let _ = writeln!(
        out,
        "\n{}",
        match review.worst() {
            Some(Severity::High) => "verdict: HIGH findings: fix before installing",
            Some(Severity::Medium) => "verdict: no high findings; each medium one needs a reason",
            _ => "verdict: no high or medium findings",
        }
    );
    out
}

fn list<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    let items: Vec<String> = items.map(|s| s.as_ref().to_string()).collect();
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items.join(", ")
    }
}

async fn init(args: InitArgs) -> anyhow::Result<()> {
    if let Some(out) = &args.out
        && out.exists()
        && !args.force
    {
        bail!("{} exists; pass --force to replace it", out.display());
    }
    let host = Host::new()?;
    let d = describe(&host, &args.component).await?;
    if let Some(error) = d.link_error {
        bail!(
            "{} cannot be linked, so it cannot run under any policy: {error}",
            d.name
        );
    }
    let values: BTreeMap<String, String> = args.config.into_iter().collect();
    let drafted = init::least_policy(&d.info, &d.shape, &values)?;
    // The draft must be a policy this host accepts; a failure here is a bug, not user error.
    Policy::parse("drafted policy", &drafted.text).context("the drafted policy does not parse")?;
    match &args.out {
        Some(path) => {
            // Write beside the target and rename, so a failure never leaves half a policy.
            let tmp = path.with_extension("toml.tmp");
            tokio::fs::write(&tmp, &drafted.text)
                .await
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            tokio::fs::rename(&tmp, path)
                .await
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{}", drafted.text),
    }
    for todo in &drafted.todo {
        eprintln!("to do: {todo}");
    }
    Ok(())
}
