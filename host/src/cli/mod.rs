//! Command-line front end: argument parsing, logging set-up, exit codes.

mod audit;
mod call;
mod conformance;
mod inspect;
mod keys;
mod link;
mod new;
mod plugin;
mod policy;
mod serve;
mod sign;
mod token;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Examples:
  # What does this component import and export, and what does it say it is?
  interop inspect target/wasm32-wasip2/release/kestrel_rms_connector.wasm

  # Write the least policy a connector needs, review it, and run the connector under it
  interop policy init kestrel_rms_connector.wasm --config base_url=http://127.0.0.1:4100 \
      --config force='Demo Constabulary' --out kestrel-rms.toml
  interop policy review kestrel_rms_connector.wasm --policy kestrel-rms.toml
  INTEROP_KESTREL_RMS_API_KEY=demo-key interop call kestrel_rms_connector.wasm search \
      --policy kestrel-rms.toml --input '{\"kind\":\"person\",\"text\":\"Examplewood\"}'

  # Sign a connector with a vendor key, and check it as a force's gateway will
  interop keys generate --out kestrel-release --comment 'Kestrel Systems release key'
  interop sign kestrel_rms_connector.wasm --key kestrel-release.key
  interop verify kestrel_rms_connector.wasm --trust kestrel-release.pub

  # Which records of people in a file are one person, and why
  interop link --input records.jsonl --output groups.jsonl --explain

  # Search a vendor system through its connector, granting it one origin and its settings
  interop call kestrel_rms_connector.wasm search \\
      --config base_url=http://127.0.0.1:4100 --config api_key=demo-key \\
      --allow-host http://127.0.0.1:4100 \\
      --input '{\"kind\":\"person\",\"text\":\"Examplewood\",\"limit\":5}'

Logging: guest log lines and host events go to stderr; set RUST_LOG (e.g. RUST_LOG=debug) or
pass -v for more. Results go to stdout as JSON.";

/// Run and inspect interop:connector components: sandboxed connectors to police systems.
#[derive(Parser)]
#[command(name = "interop", version, about, after_help = AFTER_HELP)]
struct Cli {
    /// More log output on stderr (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show a component's imports, exports and `describe` answer.
    Inspect(inspect::Args),
    /// Call one operation of a connector in the sandbox and print its answer as JSON.
    Call(Box<call::Args>),
    /// Run the contract test kit on a connector and report the InterOp-Pol tier it supports.
    Conformance(Box<conformance::Args>),
    /// Start a connector project: code, a stand-in for the vendor's API, a README.
    New(new::Args),
    /// Install, upgrade, roll back and remove the connectors a gateway runs (its plugin store).
    Plugin(plugin::Args),
    /// Review what a connector may do under a policy, or write the least policy it needs.
    Policy(policy::Args),
    /// Verify the gateway's audit log for tampering, or query it.
    Audit(audit::Args),
    /// Link a file of person records: which are one person, and why (the gateway's linker).
    Link(link::Args),
    /// Run the gateway: federated search, enter-once submit, audit.
    Serve(serve::Args),
    /// Make bearer tokens for gateway users, and their hashes.
    Token(token::Args),
    /// Make a vendor's signing key (PREFIX.key and PREFIX.pub).
    Keys(keys::Args),
    /// Sign a component with a vendor key: the signature goes inside the component.
    Sign(sign::Args),
    /// Check a component's signature against trusted keys; exit 0 only when it is valid.
    Verify(verify::Args),
}

/// Parse the command line, run the command, and say how it ended.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Command::Serve(args) = &cli.command
        && let Some(threads) = args.threads()
    {
        builder.worker_threads(threads);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Inspect(args) => inspect::run(args).await.map(|()| ExitCode::SUCCESS),
            Command::Call(args) => call::run(*args).await.map(|()| ExitCode::SUCCESS),
            Command::Conformance(args) => conformance::run(*args).await,
            Command::New(args) => new::run(args).map(|()| ExitCode::SUCCESS),
            Command::Plugin(args) => plugin::run(args).await,
            Command::Policy(args) => policy::run(args).await,
            Command::Audit(args) => audit::run(args).await,
            Command::Link(args) => link::run(args),
            Command::Serve(args) => serve::run(args).await,
            Command::Token(args) => token::run(args).map(|()| ExitCode::SUCCESS),
            Command::Keys(args) => keys::run(args).map(|()| ExitCode::SUCCESS),
            Command::Sign(args) => sign::run(args).map(|()| ExitCode::SUCCESS),
            Command::Verify(args) => verify::run(args),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "info,wasmtime=warn,cranelift=warn",
        1 => "debug,wasmtime=info,cranelift=warn",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // No colours: every log line is neutralised on its way out (see `LogLine`), and colour
    // escapes would be made visible with the rest.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| LogLine(std::io::stderr()))
        .with_target(false)
        .init();
}

/// Writes one formatted log event, neutralised: whatever text reached it (a connector's
/// describe answer, a vendor's error, a path from a request) cannot add a line, move the
/// cursor, clear the screen or reorder text with bidi controls. Each event ends with the
/// one newline the formatter puts there; every other control character is made visible.
struct LogLine<W: std::io::Write>(W);

impl<W: std::io::Write> std::io::Write for LogLine<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, newline) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (text.as_ref(), ""),
        };
        let line = interop_sandbox::text::neutralise(body, MAX_LOG_LINE);
        self.0.write_all(line.as_bytes())?;
        self.0.write_all(newline.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Longest log line written: far longer than any the host writes, short enough that one event
/// cannot flood a log with megabytes.
const MAX_LOG_LINE: usize = 16 * 1024;

/// Parse `KEY=VALUE`.
pub(crate) fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn log_lines_cannot_forge_lines_or_drive_the_terminal() {
        use std::io::Write as _;
        let mut out = LogLine(Vec::new());
        out.write_all(b"INFO connector loaded: Acme\nERROR forged \x1b[2J\xe2\x80\xae\n")
            .unwrap();
        let text = String::from_utf8(out.0).unwrap();
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        assert!(text.ends_with('\n'));
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text}"
        );
        assert!(text.contains("\\nERROR forged"), "{text}");
    }

    #[test]
    fn key_value_parsing() {
        assert_eq!(
            key_value("base_url=http://x?a=b").unwrap(),
            ("base_url".into(), "http://x?a=b".into())
        );
        assert_eq!(key_value("k=").unwrap(), ("k".into(), String::new()));
        assert!(key_value("novalue").is_err());
        assert!(key_value("=v").is_err());
    }
}
