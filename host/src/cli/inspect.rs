//! `interop inspect`: imports, exports and the describe answer.

use std::path::PathBuf;

use anyhow::Context;
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
    let bytes = tokio::fs::read(&args.component)
        .await
        .with_context(|| format!("cannot read {}", args.component.display()))?;
    let name = args.component.display().to_string();
    let signature = signing::signature_status(&bytes);
    let component = host.compile(&name, &bytes).await?;
    let shape = inspect::shape(host.engine(), &component);
    // describe needs no configuration and no network: an empty grant is enough.
    let describe = host.load(&name, &bytes, Grant::default()).await;
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
        println!("component: {name}");
        println!("signature: {signature}");
        println!("\nimports:");
        print_items(&shape.imports);
        println!("\nexports:");
        print_items(&shape.exports);
        println!("\ndescribe:");
        match &describe {
            Ok(c) => println!("{}", serde_json::to_string_pretty(c.info())?),
            Err(e) => println!("  failed: {e}"),
        }
    }
    describe.map(|_| ()).map_err(Into::into)
}

fn print_items(items: &[inspect::Item]) {
    if items.is_empty() {
        println!("  (none)");
    }
    for item in items {
        if item.functions.is_empty() {
            println!("  {} ({})", item.name, item.kind);
        } else {
            println!("  {}: {}", item.name, item.functions.join(", "));
        }
    }
}
