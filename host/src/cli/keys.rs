//! `interop keys generate`: a vendor's Ed25519 signing key, for `interop sign`.

use std::path::PathBuf;

use interop_sandbox::signing::SecretKey;

const AFTER_HELP: &str = "\
Writes PREFIX.key, the secret half (mode 0600: keep it on the build machine, never ship it),
and PREFIX.pub, one line `interop-ed25519 <public key> <comment>`: give it to the forces that
run your connectors, for their gateway's [trust] keys. Prints the key id (the first 16 hex
digits of the SHA-256 of the public key), which names the key in verify output, audit records
and revocations.

Examples:
  interop keys generate --out kestrel-release --comment 'Kestrel Systems release key 2026'
  interop sign kestrel_rms_connector.wasm --key kestrel-release.key";

/// Arguments of `interop keys`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Make a new signing key: PREFIX.key (secret) and PREFIX.pub (public).
    #[command(after_help = AFTER_HELP)]
    Generate(GenerateArgs),
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// Path prefix of the key files: writes PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// A comment for the .pub file, e.g. who holds the key and what it signs.
    #[arg(long, default_value = "")]
    comment: String,
    /// Replace existing key files (whatever the old key signed must then be signed again).
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Generate(a) => {
            let key = SecretKey::generate()
                .map_err(|e| anyhow::anyhow!("no randomness from the OS for a new key: {e}"))?;
            let (secret, public) = key.write_files(&a.out, &a.comment, a.force)?;
            println!("key id {}", key.id());
            println!("secret key: {} (keep it private)", secret.display());
            println!("public key: {} (give it to forces)", public.display());
            Ok(())
        }
    }
}
