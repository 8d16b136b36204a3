//! `interop audit verify` and `interop audit query`: check the gateway's audit log for
//! tampering, and read it back. Both only read; neither needs the gateway's private key.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use interop_audit::{self as audit, AuditError, AuditEvent, Filter, Hit};

const DEFAULT_LOG: &str = "audit/audit.jsonl";

const VERIFY_HELP: &str = "\
Checks every line of the log: its hash, its place in the hash chain and sequence, and each
checkpoint's signature by the gateway's key; then that the log reaches the signed checkpoint in
its head file (audit.head beside it), so lines cut off the end are caught too. Names the first
bad line and why: edited, deleted, reordered, chain broken, truncated, bad signature, unknown key.

A last line without a newline is reported as a TORN LAST LINE: a write cut short by a crash,
never acknowledged, not tampering. The gateway moves it aside when it next starts.

Keep a copy of gateway.pub where the gateway cannot write, and pass it with --key: a key read
from beside the log proves only that the log matches itself.

Many replicas on PostgreSQL share one chain in the database: --database URL checks all of it
(in one consistent snapshot), and every checkpoint must be signed by one of the replicas' keys,
each given with --key (their gateway.pub files). The URL takes sslmode=verify-full with
sslrootcert=CA file, or sslmode=disable for a trusted local link.

Exit status: 0 when the log verifies (also with a torn last line, which is reported), 1 when it
shows tampering or truncation, 2 for a usage error or a log or key that cannot be read.

Examples:
  interop audit verify
  interop audit verify --file /var/lib/interop/audit/audit.jsonl --key /etc/interop/gateway.pub
  interop audit verify --json | jq .problem
  interop audit verify --database 'postgres://auditor@db.example.invalid/interop?sslmode=verify-full&sslrootcert=/etc/interop/db-ca.pem' \
      --key /etc/interop/replicas/gw-1.pub --key /etc/interop/replicas/gw-2.pub";

const QUERY_HELP: &str = "\
Prints the records that match every filter given, oldest first: a table, or JSON lines with
--json. Reads the log without checking it; run `interop audit verify` for that. Checkpoint lines
and a torn last line are skipped.

--subject matches the normalised subject keys a request searched for or disclosed, and the ids
of disclosed entities, ignoring case; end it with * to match a prefix. --since is inclusive and
--until exclusive; each takes RFC 3339 (2026-03-14T09:30:00Z) or a date (2026-03-14, midnight
UTC).

Reading the log is itself an auditable act: the gateway records its own audit reads; this
command reads the file directly, so restrict who can read the log directory.

Many replicas on PostgreSQL share one chain in the database: --database URL reads it there
(sslmode=verify-full with sslrootcert=CA file, or sslmode=disable for a trusted local link);
give it a database role that may only read, and restrict who holds it.

Examples:
  # Who searched for this person?
  interop audit query --subject 'person:examplewood:1988-03-14'
  # What did this officer do in March, as JSON?
  interop audit query --user pc-1234 --since 2026-03-01 --until 2026-04-01 --json
  # Every search that reached one connector, and every connector added or removed
  interop audit query --connector kestrel-rms --operation search
  interop audit query --event admin
  # The same across every replica, from the chain they share
  interop audit query --database 'postgres://auditor@db.example.invalid/interop?sslmode=verify-full&sslrootcert=/etc/interop/db-ca.pem' --user pc-1234";

/// Arguments of `interop audit`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Check the audit log for tampering and truncation, naming the first bad record.
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Find records by user, connector, subject, time or operation (read-only).
    #[command(after_help = QUERY_HELP)]
    Query(QueryArgs),
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The log file.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_LOG, conflicts_with = "database")]
    file: PathBuf,
    /// The chain many replicas share in PostgreSQL, instead of a file:
    /// postgres://user[:password]@host[:port]/db?sslmode=verify-full&sslrootcert=CA.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// The gateway's public key, hex (default: gateway.pub beside the log). With --database,
    /// give one --key per replica that has written to the chain.
    #[arg(long, value_name = "PUB")]
    key: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct QueryArgs {
    /// The log file.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_LOG, conflicts_with = "database")]
    file: PathBuf,
    /// The chain many replicas share in PostgreSQL, instead of a file:
    /// postgres://user[:password]@host[:port]/db?sslmode=verify-full&sslrootcert=CA.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Records of this user.
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Records of requests that reached this connector id.
    #[arg(long, value_name = "ID")]
    connector: Option<String>,
    /// Records that searched for or disclosed this subject key or entity id (`prefix*` allowed).
    #[arg(long, value_name = "SUBJECT")]
    subject: Option<String>,
    /// Records at or after this time.
    #[arg(long, value_name = "TIME", value_parser = audit::parse_time)]
    since: Option<time::OffsetDateTime>,
    /// Records before this time.
    #[arg(long, value_name = "TIME", value_parser = audit::parse_time)]
    until: Option<time::OffsetDateTime>,
    /// Records of this operation (search, fetch, submit, connector-added, …).
    #[arg(long, value_name = "OP")]
    operation: Option<String>,
    /// Records of this kind of event.
    #[arg(long, value_enum)]
    event: Option<EventArg>,
    /// Print JSON lines (each record with its seq) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum EventArg {
    Access,
    AuthFailure,
    Admin,
    AuditRead,
    SignIn,
    SignOut,
}

impl From<EventArg> for AuditEvent {
    fn from(e: EventArg) -> Self {
        match e {
            EventArg::Access => AuditEvent::Access,
            EventArg::AuthFailure => AuditEvent::AuthFailure,
            EventArg::Admin => AuditEvent::Admin,
            EventArg::AuditRead => AuditEvent::AuditRead,
            EventArg::SignIn => AuditEvent::SignIn,
            EventArg::SignOut => AuditEvent::SignOut,
        }
    }
}

/// Exit status for a log or key that cannot be read: the check could not be made.
const CANNOT_CHECK: u8 = 2;

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Verify(a) => Ok(verify(&a).await),
        Command::Query(a) => query(a).await,
    }
}

async fn verify(args: &VerifyArgs) -> ExitCode {
    let report = match &args.database {
        Some(url) => {
            if args.key.is_empty() {
                eprintln!(
                    "error: --database needs the public key of every replica that writes to the \
                     chain: give each gateway.pub with --key"
                );
                return ExitCode::from(CANNOT_CHECK);
            }
            let keys = match audit::load_public_keys(&args.key) {
                Ok(k) => k,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(CANNOT_CHECK);
                }
            };
            let config = audit::PgConfig {
                url: url.clone(),
                ca_file: None,
            };
            match audit::verify_database(&config, &keys).await {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(CANNOT_CHECK);
                }
            }
        }
        None => {
            if args.key.len() > 1 {
                eprintln!("error: a log file has one gateway key: give --key once");
                return ExitCode::from(CANNOT_CHECK);
            }
            match audit::verify(&args.file, args.key.first().map(PathBuf::as_path)) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {}", cannot_read(&args.file, &e));
                    return ExitCode::from(CANNOT_CHECK);
                }
            }
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: cannot write the report as JSON: {e}");
                return ExitCode::from(CANNOT_CHECK);
            }
        }
    } else {
        println!("{report}");
    }
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Say what to do when the log is not where it was looked for.
fn cannot_read(file: &Path, e: &AuditError) -> String {
    match e {
        AuditError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => format!(
            "{e}\n  looked for {}; pass the log with --file (default: ./{DEFAULT_LOG})",
            file.display()
        ),
        _ => e.to_string(),
    }
}

async fn query(args: QueryArgs) -> anyhow::Result<ExitCode> {
    let filter = Filter {
        user: args.user,
        connector: args.connector,
        subject: args.subject,
        since: args.since,
        until: args.until,
        operation: args.operation,
        event: args.event.map(AuditEvent::from),
    };
    let hits = match &args.database {
        Some(url) => {
            let config = audit::PgConfig {
                url: url.clone(),
                ca_file: None,
            };
            match audit::query_database(&config, &filter).await {
                Ok(h) => h,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(CANNOT_CHECK));
                }
            }
        }
        None => match audit::query_hits(&args.file, &filter) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("error: {}", cannot_read(&args.file, &e));
                return Ok(ExitCode::from(CANNOT_CHECK));
            }
        },
    };
    if args.json {
        for hit in &hits {
            let mut value = serde_json::to_value(&hit.record)?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("seq".into(), hit.seq.into());
            }
            println!("{}", serde_json::to_string(&value)?);
        }
    } else {
        print!("{}", table(&hits));
        eprintln!("{} records", hits.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn table(hits: &[Hit]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if hits.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "{:>6}  {:<27}  {:<12}  {:<16}  {:<8}  {:>3}  {:<24}  SUBJECTS / CRITERIA",
        "SEQ", "TIME", "USER", "OPERATION", "OUTCOME", "ST", "CONNECTORS"
    );
    for h in hits {
        let r = &h.record;
        let connectors: Vec<&str> = r.connectors.iter().map(|c| c.id.as_str()).collect();
        let what = if r.subjects.is_empty() {
            r.criteria
                .as_ref()
                .and_then(|c| serde_json::to_string(c).ok())
                .or_else(|| r.detail.clone())
                .unwrap_or_default()
        } else {
            r.subjects.join(", ")
        };
        // Records hold what requests sent: control and bidi characters are shown escaped, so
        // a record cannot move the cursor, recolour or reorder what an auditor reads.
        let shown = |s: &str| interop_sandbox::text::neutralise(s, usize::MAX);
        let _ = writeln!(
            out,
            "{:>6}  {:<27}  {:<12}  {:<16}  {:<8}  {:>3}  {:<24}  {what}",
            h.seq,
            shown(&r.time),
            shown(r.user.as_deref().unwrap_or("-")),
            shown(&r.operation),
            serde_json::to_value(r.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            r.status,
            shown(&connectors.join(",")),
            what = shown(&what),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use interop_audit::{AuditEvent, AuditRecord, Hit};

    #[test]
    fn terminal_controls_are_shown_escaped() {
        let mut record = AuditRecord::new(AuditEvent::Access, "search");
        record.user = Some("a\u{1b}[31mb\u{202e}c\nd\u{200b}".into());
        record.subjects = vec!["Ex\u{1b}]0;pwned\u{7}ample".into()];
        let shown = super::table(&[Hit {
            seq: 1,
            line: 1,
            record,
        }]);
        assert!(
            shown.contains("a\\u{1b}[31mb\\u{202e}c\\nd\\u{200b}"),
            "{shown}"
        );
        assert!(shown.contains("Ex\\u{1b}]0;pwned\\u{7}ample"), "{shown}");
        // Only the table's own line ends are left.
        assert!(
            !shown
                .chars()
                .any(|c| c != '\n' && interop_sandbox::text::is_hidden(c)),
            "{shown}"
        );
        assert_eq!(shown.lines().count(), 2, "{shown}");
    }
}
