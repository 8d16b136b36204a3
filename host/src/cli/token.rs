//! `interop token`: make bearer tokens for gateway users, and the hashes the configuration holds.

use std::io::Read as _;

use anyhow::Context as _;
use interop_gateway::config::token_sha256;

const AFTER_HELP: &str = "\
The gateway stores only the SHA-256 of each user's token (token_sha256 in [[users]]); give the
token itself to the user once, over a trusted channel.

Examples:
  interop token new                 # prints a new random token and its token_sha256
  echo -n \"$TOKEN\" | interop token hash";

/// Arguments of `interop token`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Make a new random token (32 bytes, hex) and print it with its hash.
    New,
    /// Print the token_sha256 of the token read from standard input.
    Hash,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::New => {
            let mut bytes = [0u8; 32];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut bytes))
                .context("cannot read /dev/urandom")?;
            let token = hex::encode(bytes);
            println!("token = {token}");
            println!("token_sha256 = \"{}\"", hex::encode(token_sha256(&token)));
        }
        Command::Hash => {
            let mut token = String::new();
            std::io::stdin()
                .read_to_string(&mut token)
                .context("reading the token from standard input")?;
            let token = token.trim_end_matches(['\n', '\r']);
            if token.is_empty() {
                anyhow::bail!("no token on standard input");
            }
            println!("{}", hex::encode(token_sha256(token)));
        }
    }
    Ok(())
}
