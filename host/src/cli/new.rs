//! `interop new`: start a connector project.

use std::path::PathBuf;

use crate::scaffold::{self, Lang, Project};

const AFTER_HELP: &str = "\
It writes a connector that searches, fetches and creates people over a small JSON API, a
stand-in for that API (standin/standin.py, Python standard library only, synthetic data) and
a README with the commands that build it and run the conformance kit against the stand-in.
As written, the project builds and passes Bronze and Silver; then you map your own API.

  rust    src/lib.rs on the interop-sdk crate, whose sources the project carries in sdk/;
          cargo build --release --target wasm32-wasip2
  python  app.py on the interop_connector helpers; ./build.sh (componentize-py 0.25.1, installed
          into .venv on first use, or $COMPONENTIZE_PY)
  js      app.js on the interop-connector helpers; ./build.sh (ComponentizeJS 0.23.0, installed
          with npm on first use, or $COMPONENTIZE_JS)
Every project carries what it builds against (the Rust SDK, or the Python or JavaScript
helpers and the contract, wit/): it builds on a machine without the interop sources.

Example:
  interop new acme-rms --vendor 'Acme Systems Ltd'
  cd acme-rms
  cargo build --release --target wasm32-wasip2
  python3 standin/standin.py --listen 127.0.0.1:8700 &
  interop conformance target/wasm32-wasip2/release/acme_rms.wasm \\
      --config base_url=http://127.0.0.1:8700 --config token=demo-token \\
      --search Person=Examplewood";

/// Arguments of `interop new`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The connector id, e.g. acme-rms: lower-case letters, digits and `-`. Also the
    /// directory's and the package's name.
    name: String,
    /// The language to write it in.
    #[arg(long, value_enum, default_value = "rust")]
    lang: LangArg,
    /// The vendor's name, as the connector's describe answers it.
    #[arg(long, default_value = "Example Vendor Ltd (fictional)")]
    vendor: String,
    /// Where to write it (default: ./NAME). It must not exist, or be empty.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LangArg {
    Rust,
    Python,
    Js,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    let project = Project {
        id: args.name,
        vendor: args.vendor,
        lang: match args.lang {
            LangArg::Rust => Lang::Rust,
            LangArg::Python => Lang::Python,
            LangArg::Js => Lang::Js,
        },
    };
    let files = scaffold::create(&project, &dir)?;
    println!("wrote {} files in {}:", files.len(), dir.display());
    for f in &files {
        println!("  {}", f.strip_prefix(&dir).unwrap_or(f).display());
    }
    println!(
        "\nnext: cd {} and follow README.md (build, start the stand-in, run interop conformance)",
        dir.display()
    );
    Ok(())
}
