//! # interop-audit
//!
//! The audit log the gateway keeps under DPA 2018 s.62: one record per access, written before
//! the response leaves, in a form that shows whether anyone has changed it since.
//!
//! - **Storage behind a trait.** [`AuditLog`] is a handle over an [`AuditStore`]; the embedded
//!   default, [`FileLog`], keeps the chain in local files as described here.
//! - **One writer.** [`FileLog`] owns `audit.jsonl` (locked against a second gateway); every
//!   clone feeds one thread that assigns sequence numbers, so the order on disk is the order
//!   of the chain.
//! - **Durable before the answer.** [`AuditLog::append`] returns only after `fdatasync`; records
//!   queued while a sync runs share the next one (group commit), so a gateway killed at any
//!   moment has a record of every request it answered.
//! - **Tamper-evident.** Each line carries `seq`, the `prev` line's hash and its own `hash`;
//!   every 100 records or second a checkpoint line signed with the gateway's Ed25519 key pins
//!   the chain, and `audit.head` (replaced atomically) names the newest checkpoint, so cutting
//!   lines off the end is caught as well as editing, deleting or reordering them.
//! - **Small and always readable.** Records are typed (no free-form JSON), free text is capped,
//!   and ids that do not fit one line go into continuation records (see [`AuditRecord`]), so
//!   whatever the writer writes, the reader, [`verify()`] and [`AuditLog::open`] read.
//! - **Writes in two steps.** A write is logged as intent ([`Phase::Intent`]) before the vendor
//!   is called and as outcome after, linked by `access_id`; [`verify()`] lists intents with
//!   no outcome.
//! - **A crash is not tampering.** A crash can only leave the last line without its newline;
//!   [`verify()`] reports that as a torn tail, and [`AuditLog::open`] moves it aside and goes on.
//!
//! Files, in the log's directory:
//!
//! ```text
//! audit.jsonl   {"seq":1,"prev":"<sha256>","time":"…","gateway":"gw-1","event":"access",…,"hash":"<sha256>"}
//!               {"seq":101,"prev":"…","checkpoint":{"time":"…","gateway":"gw-1","records":100,"key":"<ed25519 pub>","signature":"…"},"hash":"…"}
//! audit.head    {"seq":101,"hash":"…","prev":"…","checkpoint":{…}}
//! gateway.key   the Ed25519 seed, hex (0600)
//! gateway.pub   its public key, hex: keep a copy where the gateway cannot write
//! ```
//!
//! What this cannot catch: the lines after the newest checkpoint are chained but not yet signed,
//! so someone who can write the directory can cut those (at most 100 records or a second's
//! worth) off without trace; and someone who holds `gateway.key`, or who replaces both the log
//! and the head with an older signed pair, can rewrite history. Keep `gateway.pub` and periodic
//! copies of `audit.head` elsewhere to narrow that.
//!
//! # Example
//!
//! ```no_run
//! use interop_audit::{AuditEvent, AuditLog, AuditRecord, Outcome, S62Category};
//!
//! # async fn run() -> Result<(), interop_audit::AuditError> {
//! let log = AuditLog::open("/var/lib/interop/audit".as_ref(), "gw-1").await?;
//! let mut r = AuditRecord::new(AuditEvent::Access, "search");
//! r.user = Some("pc-1234".into());
//! r.category = Some(S62Category::Consultation);
//! r.criteria = Some(interop_audit::Criteria {
//!     kind: Some("person".into()),
//!     text: Some("Examplewood".into()),
//!     ..Default::default()
//! });
//! r.subjects = vec!["person:examplewood".into()];
//! r.outcome = Outcome::Ok;
//! r.status = 200;
//! let appended = log.append(r).await?; // on disk now: safe to answer
//! println!("audited as seq {}", appended.seq);
//! log.close().await?;
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), forbid(clippy::unwrap_used))]

mod key;
mod line;
mod postgres;
mod query;
mod record;
mod store;
mod verify;
mod writer;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use key::{KEY_FILE, PUB_FILE};
pub use line::{Checkpoint, Head};
pub use postgres::{PgConfig, PgLog, load_public_keys, replica_key, verify_database};
pub use query::{Filter, Hit, NotATime, Page, Reader, parse_time, query, query_hits, query_page};
pub use record::{
    Appended, AuditEvent, AuditRecord, ConnectorFault, ConnectorRef, Criteria, CriteriaKey,
    LinkDecision, Linked, MAX_CRITERIA_ENTRIES, MAX_ID_BYTES_PER_LINE, MAX_IDS_PER_LINE,
    MAX_LABEL_CHARS, MAX_TEXT_CHARS, Outcome, Phase, S62Category, cap,
};
pub use store::{AuditLog, AuditStore, BoxFuture};
pub use verify::{
    CheckpointSummary, MAX_OPEN_INTENTS_LISTED, OpenIntent, Problem, ProblemKind, TornTail,
    VerifyReport, verify,
};
pub use writer::{FileLog, Options, WriterStats};

/// The log's file name in its directory.
pub const LOG_FILE: &str = "audit.jsonl";
/// The head's file name in its directory.
pub const HEAD_FILE: &str = "audit.head";

/// Why the audit log could not be opened, written, verified or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The signing or public key is missing, malformed or exposed.
    #[error("{}: {message}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The existing log does not verify: the gateway will not append to it.
    #[error(
        "{0}\nrefusing to append to a log that does not verify. Keep it as evidence, move the \
         directory aside, and start the gateway again to begin a new log"
    )]
    Tampered(Box<VerifyReport>),
    /// Another process holds the log open for writing.
    #[error(
        "{}: another process is writing this audit log; one gateway per log directory",
        .0.display()
    )]
    Locked(PathBuf),
    /// A line that is not an audit line (from `query`, which does not verify).
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        /// The log.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The writer stopped after a failed write or sync; nothing more can be recorded, so the
    /// gateway must stop answering requests.
    #[error("the audit writer has stopped, so nothing more can be recorded: {0}")]
    WriterFailed(String),
    /// The log was closed.
    #[error("the audit log is closed")]
    Closed,
    /// The audit database could not be reached, migrated or read.
    #[error("audit database: {0}")]
    Database(String),
}

impl AuditError {
    pub(crate) fn io(path: &Path, action: &'static str, source: std::io::Error) -> AuditError {
        AuditError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

/// Now, RFC 3339 in UTC to the microsecond: fixed width, so times sort as text too.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let d = now.date();
    let t = now.time();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}
