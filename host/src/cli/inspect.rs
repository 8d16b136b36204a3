//! `interop inspect`: imports, exports and the describe answer.

use std::path::PathBuf;

use interop_sandbox::text::neutralise;
use interop_sandbox::types::ConnectorInfo;
use interop_sandbox::{Grant, Host, inspect, signing};

/// Arguments of `interop inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// The component file (.wasm).
    component: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let host = Host::new()?;
    let crate::compiled::Compiled {
        name,
        bytes,
        component,
    } = crate::compiled::compiled(&host, &args.component).await?;
    let signature = signing::signature_status(&bytes);
    let shape = inspect::shape(host.engine(), &component);
    // describe needs no configuration and no network: an empty grant is enough.
    let describe = host
        .load_compiled(&name, &component, Grant::default())
        .await;
    if args.json {
        let describe = match &describe {
            Ok(c) => serde_json::json!({ "ok": c.info() }),
            Err(e) => serde_json::json!({ "error": e.to_string() }),
        };
        let out = serde_json::json!({
            "component": name,
            "signature": signature,
            "imports": shape.imports,
            "exports": shape.exports,
            "describe": describe,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("component: {}", neutralise(&name, 500));
        println!("signature: {signature}");
        println!("\nimports:");
        print_items(&shape.imports);
        println!("\nexports:");
        print_items(&shape.exports);
        println!("\ndescribe:");
        match &describe {
            Ok(c) => print!("{}", describe_text(c.info())),
            Err(e) => println!("  failed: {e}"),
        }
    }
    describe.map(|_| ()).map_err(Into::into)
}

/// What a connector says about itself, for a person: every text it chose neutralised (escape
/// sequences, newlines and bidi controls made visible, never interpreted), values in the
/// contract's own words.
pub(crate) fn describe_text(info: &ConnectorInfo) -> String {
    use std::fmt::Write as _;
    let t = |s: &str| neutralise(s, 500);
    let list = |items: Vec<&str>| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "  id:           {}", t(&info.id));
    let _ = writeln!(out, "  name:         {}", t(&info.name));
    let _ = writeln!(out, "  vendor:       {}", t(&info.vendor));
    let _ = writeln!(out, "  version:      {}", t(&info.version));
    let _ = writeln!(out, "  contract:     {}", t(&info.contract_version));
    let _ = writeln!(out, "  description:  {}", t(&info.description));
    let _ = writeln!(
        out,
        "  entity kinds: {}",
        list(
            info.entity_kinds
                .iter()
                .map(|k| k.contract_name())
                .collect()
        )
    );
    let _ = writeln!(
        out,
        "  operations:   {}",
        list(info.operations.iter().map(|o| o.contract_name()).collect())
    );
    let _ = writeln!(
        out,
        "  highest classification returned: {}",
        info.max_classification.contract_name()
    );
    if info.config.is_empty() {
        let _ = writeln!(out, "  config:       none");
    }
    for k in &info.config {
        let _ = writeln!(
            out,
            "  config {:<16} {:<8} {}{}{}",
            t(&k.name),
            k.kind.contract_name(),
            if k.required {
                "required; "
            } else {
                "optional; "
            },
            t(&k.description),
            k.example
                .as_deref()
                .map(|e| format!(" (e.g. {})", t(e)))
                .unwrap_or_default()
        );
    }
    out
}

fn print_items(items: &[inspect::Item]) {
    if items.is_empty() {
        println!("  (none)");
    }
    for item in items {
        // Import and export names come from the component: shown, never interpreted.
        let name = neutralise(&item.name, 200);
        if item.functions.is_empty() {
            println!("  {name} ({})", item.kind);
        } else {
            let functions: Vec<String> =
                item.functions.iter().map(|f| neutralise(f, 100)).collect();
            println!("  {name}: {}", functions.join(", "));
        }
    }
}
