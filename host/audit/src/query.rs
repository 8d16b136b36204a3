//! Reading the log back: which records match a user, a connector, a subject, a time window or
//! an operation. Read-only, and no substitute for [`verify`](super::verify()): it trusts what
//! it reads.

use std::path::Path;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::AuditError;
use super::line::{self, Entry};
use super::record::{AuditEvent, AuditRecord};

/// Which records to return. Every field set must match; an empty filter matches every record.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The user, exactly.
    pub user: Option<String>,
    /// A connector id the request reached.
    pub connector: Option<String>,
    /// A subject key searched for or disclosed, or a disclosed entity id; case-insensitive.
    /// A trailing `*` matches any key starting with the rest (`person:examplewood:*`).
    pub subject: Option<String>,
    /// At or after this time.
    pub since: Option<OffsetDateTime>,
    /// Before this time.
    pub until: Option<OffsetDateTime>,
    /// The operation, exactly (`search`, `fetch`, `connector-added`, …).
    pub operation: Option<String>,
    /// The kind of event.
    pub event: Option<AuditEvent>,
}

impl Filter {
    /// Does `r` match?
    pub fn matches(&self, r: &AuditRecord) -> bool {
        if let Some(u) = &self.user
            && r.user.as_deref() != Some(u.as_str())
        {
            return false;
        }
        if let Some(c) = &self.connector
            && !r.connectors.iter().any(|x| &x.id == c)
        {
            return false;
        }
        if let Some(s) = &self.subject
            && !r
                .subjects
                .iter()
                .chain(&r.disclosed)
                .any(|k| subject_matches(s, k))
        {
            return false;
        }
        if let Some(op) = &self.operation
            && &r.operation != op
        {
            return false;
        }
        if let Some(e) = self.event
            && r.event != e
        {
            return false;
        }
        if self.since.is_some() || self.until.is_some() {
            // A record whose time does not parse cannot be placed in a window.
            let Ok(t) = OffsetDateTime::parse(&r.time, &Rfc3339) else {
                return false;
            };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return false;
            }
        }
        true
    }
}

fn subject_matches(pattern: &str, key: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => key
            .get(..prefix.len())
            .is_some_and(|k| k.eq_ignore_ascii_case(prefix)),
        None => key.eq_ignore_ascii_case(pattern),
    }
}

/// Parse a time for a filter: RFC 3339 (`2026-03-14T09:30:00Z`), or a date (`2026-03-14`),
/// meaning midnight UTC at its start.
///
/// # Errors
/// Saying what is accepted.
pub fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let date_only = time::format_description::parse_borrowed::<2>("[year]-[month]-[day]")
        .ok()
        .and_then(|f| time::Date::parse(s, &f).ok());
    match date_only {
        Some(d) => Ok(d.midnight().assume_utc()),
        None => Err(format!(
            "`{s}` is not a time: write RFC 3339 (2026-03-14T09:30:00Z) or a date (2026-03-14)"
        )),
    }
}

/// A record found by [`query_hits`], with where it sits in the log.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Its seq.
    pub seq: u64,
    /// Its 1-based line.
    pub line: u64,
    /// The record.
    pub record: AuditRecord,
}

/// The records in `log` that match `filter`, in log order.
///
/// # Errors
/// As [`query_hits`].
pub fn query(log: &Path, filter: &Filter) -> Result<Vec<AuditRecord>, AuditError> {
    Ok(query_hits(log, filter)?
        .into_iter()
        .map(|h| h.record)
        .collect())
}

/// The records in `log` that match `filter`, with their seq and line. Checkpoints are skipped,
/// and so is a torn last line (one without a newline: a crash mid-write).
///
/// # Errors
/// When the log cannot be read, or a whole line is not an audit line (then run
/// `interop audit verify`).
pub fn query_hits(log: &Path, filter: &Filter) -> Result<Vec<Hit>, AuditError> {
    let bytes = std::fs::read(log).map_err(|e| AuditError::io(log, "read", e))?;
    let mut hits = Vec::new();
    // Only whole lines: a last line without its newline was cut short by a crash.
    for (i, text) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let Some(text) = text.strip_suffix(b"\n") else {
            break;
        };
        let parsed = line::parse_line(text).map_err(|why| AuditError::Malformed {
            path: log.to_path_buf(),
            line: i as u64 + 1,
            message: format!("{why}; run `interop audit verify` on it"),
        })?;
        if let Entry::Record(record) = parsed.entry
            && filter.matches(&record)
        {
            hits.push(Hit {
                seq: parsed.seq,
                line: i as u64 + 1,
                record: *record,
            });
        }
    }
    Ok(hits)
}
