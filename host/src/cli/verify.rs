//! `interop verify`: is this component signed by a key the force trusts?

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use interop_sandbox::signing::{self, TrustStore};

const AFTER_HELP: &str = "\
Exit status: 0 only when the component carries a valid signature, over every other byte, by one
of the --trust keys that is not revoked; 1 otherwise, with the reason on stderr: unsigned,
unknown key (with its id), revoked key, tampered (the bytes changed after signing) or
malformed. Nothing is compiled or run. A gateway applies the same check to every connector
before it compiles it, with its [trust] keys and revoked list.

Examples:
  interop verify kestrel_rms_connector.wasm --trust kestrel-release.pub
  interop verify kestrel_rms_connector.wasm --trust kestrel-release.pub --trust harrier.pub \\
      --revoked 3f2a9c0b7d1e4f56 --revoked kestrel-2025.pub";

/// Arguments of `interop verify`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The component file (.wasm).
    component: PathBuf,
    /// A trusted public key file, PREFIX.pub (repeatable).
    #[arg(long, value_name = "FILE.pub", required = true)]
    trust: Vec<PathBuf>,
    /// A revoked key: its 16-hex-digit id, or its .pub file (repeatable).
    #[arg(long, value_name = "KEYID|FILE.pub")]
    revoked: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut trust = TrustStore::from_files(args.trust.iter().map(PathBuf::as_path))?;
    for entry in &args.revoked {
        trust.revoke_entry(entry, std::path::Path::new("."))?;
    }
    let bytes = std::fs::read(&args.component)
        .with_context(|| format!("cannot read {}", args.component.display()))?;
    match signing::verify(&bytes, &trust) {
        Ok(signer) => {
            let comment = if signer.comment.is_empty() {
                String::new()
            } else {
                format!(" ({})", signer.comment)
            };
            println!(
                "{}: valid signature by trusted key {}{comment}",
                args.component.display(),
                signer.key_id
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}: refused: {e}", args.component.display());
            Ok(ExitCode::FAILURE)
        }
    }
}
