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

/// A time filter that is neither RFC 3339 nor a date: [`parse_time`]'s refusal, showing what
/// was given (escaped and cut to 64 characters, as it may come from a request) and what is
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{}` is not a time: write RFC 3339 (2026-03-14T09:30:00Z) or a date (2026-03-14)",
    shown(.given)
)]
pub struct NotATime {
    /// What was given, as given.
    pub given: String,
}

fn shown(given: &str) -> String {
    let mut out: String = given
        .chars()
        .take(64)
        .flat_map(char::escape_debug)
        .collect();
    if given.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

/// Parse a time for a filter: RFC 3339 (`2026-03-14T09:30:00Z`), or a date (`2026-03-14`),
/// meaning midnight UTC at its start.
///
/// # Errors
/// [`NotATime`], saying what is accepted.
pub fn parse_time(s: &str) -> Result<OffsetDateTime, NotATime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let date_only = time::format_description::parse_borrowed::<2>("[year]-[month]-[day]")
        .ok()
        .and_then(|f| time::Date::parse(s, &f).ok());
    match date_only {
        Some(d) => Ok(d.midnight().assume_utc()),
        None => Err(NotATime {
            given: s.to_owned(),
        }),
    }
}

/// A record found by [`query_hits`], with where it sits in the log. A record written with
/// continuation records comes back whole: their ids are put back into it.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Its seq.
    pub seq: u64,
    /// Its 1-based line.
    pub line: u64,
    /// The record.
    pub record: AuditRecord,
}

/// Reads a log's records in order, one at a time, skipping checkpoints, putting continuation
/// records back into the record they continue, and stopping at a torn last line (one without
/// its newline: a crash mid-write). It trusts what it reads; [`verify`](super::verify())
/// checks.
pub struct Reader<R> {
    input: R,
    path: std::path::PathBuf,
    line: u64,
    pending: Option<Hit>,
    done: bool,
}

impl Reader<std::io::BufReader<std::fs::File>> {
    /// A reader of the log at `log`.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(log: &Path) -> Result<Self, AuditError> {
        let file = std::fs::File::open(log).map_err(|e| AuditError::io(log, "read", e))?;
        Ok(Reader::new(log, std::io::BufReader::new(file)))
    }
}

impl<R: std::io::BufRead> Reader<R> {
    /// A reader of `input`, the contents of `path` (named in errors).
    pub fn new(path: &Path, input: R) -> Self {
        Reader {
            input,
            path: path.to_path_buf(),
            line: 0,
            pending: None,
            done: false,
        }
    }

    /// The next whole line's record or checkpoint, or `None` at the end.
    fn next_line(&mut self) -> Option<Result<(u64, Entry), AuditError>> {
        if self.done {
            return None;
        }
        let mut text = Vec::new();
        match self.input.read_until(b'\n', &mut text) {
            Ok(0) => {
                self.done = true;
                return None;
            }
            Ok(_) => {}
            Err(e) => {
                self.done = true;
                return Some(Err(AuditError::io(&self.path, "read", e)));
            }
        }
        // Only whole lines: a last line without its newline was cut short by a crash.
        if text.pop() != Some(b'\n') {
            self.done = true;
            return None;
        }
        self.line += 1;
        Some(
            line::parse_line(&text)
                .map(|p| (p.seq, p.entry))
                .map_err(|why| {
                    self.done = true;
                    AuditError::Malformed {
                        path: self.path.clone(),
                        line: self.line,
                        message: format!("{why}; run `interop audit verify` on it"),
                    }
                }),
        )
    }
}

impl<R: std::io::BufRead> Iterator for Reader<R> {
    type Item = Result<Hit, AuditError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.next_line() {
                None => return self.pending.take().map(Ok),
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok((seq, entry))) => {
                    if let Some(done) = assemble(&mut self.pending, seq, self.line, entry) {
                        return Some(Ok(done));
                    }
                }
            }
        }
    }
}

/// Feed one line to a reader that is holding `pending` back for its continuations: skips
/// checkpoints, puts a continuation's ids back into the record it continues (dropping one whose
/// record is not the one pending), and returns the record before a new one once that one starts.
/// At the end, `pending` is the last record.
pub(crate) fn assemble(
    pending: &mut Option<Hit>,
    seq: u64,
    line: u64,
    entry: Entry,
) -> Option<Hit> {
    let Entry::Record(record) = entry else {
        return None;
    };
    let record = *record;
    if let Some(of) = record.continuation_of {
        if let Some(p) = pending.as_mut().filter(|p| p.seq == of) {
            p.record.absorb(record);
        }
        return None;
    }
    pending.replace(Hit { seq, line, record })
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
    let mut hits = Vec::new();
    for hit in Reader::open(log)? {
        let hit = hit?;
        if filter.matches(&hit.record) {
            hits.push(hit);
        }
    }
    Ok(hits)
}

/// One page of matching records.
#[derive(Debug, Clone)]
pub struct Page {
    /// The records, in log order.
    pub records: Vec<Hit>,
    /// When more may match: pass it back as `after` for the next page (the seq of the last
    /// record on this one).
    pub next: Option<u64>,
}

/// At most `limit` records of `log` that match `filter` and come after seq `after`.
///
/// # Errors
/// As [`query_hits`].
pub fn query_page(
    log: &Path,
    filter: &Filter,
    after: Option<u64>,
    limit: usize,
) -> Result<Page, AuditError> {
    let mut records = Vec::new();
    let mut more = false;
    for hit in Reader::open(log)? {
        let hit = hit?;
        if after.is_some_and(|a| hit.seq <= a) || !filter.matches(&hit.record) {
            continue;
        }
        if records.len() == limit {
            more = true;
            break;
        }
        records.push(hit);
    }
    let next = if more {
        records.last().map(|h| h.seq)
    } else {
        None
    };
    Ok(Page { records, next })
}
