//! Checking a log: every line's hash, the chain of `prev`s, the sequence, every checkpoint's
//! signature, and that the log reaches the checkpoint in the head file.
//!
//! Tampering and a crash leave different marks. A crash mid-write can only cut the *last* line
//! short: bytes after the final newline that were never acknowledged, since an append returns
//! only after its whole line and newline are synced. Anything else — a line that does not hash
//! to what it says, a gap or a step back in `seq`, a `prev` that is not the line before's hash,
//! a checkpoint that does not verify, a log shorter than its head — is tampering (or a disk
//! that loses acknowledged writes, which an auditor must treat the same way).

use std::fmt;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use super::line::{self, Entry, Head};
use super::record::Phase;
use super::{AuditError, key};

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The log checked.
    pub log: PathBuf,
    /// Its head file.
    pub head_file: PathBuf,
    /// Whole lines checked (up to the first problem).
    pub lines: u64,
    /// Access records among them (lines that are not checkpoints).
    pub records: u64,
    /// Seq of the last good line (0 for an empty log).
    pub last_seq: u64,
    /// Hash of the last good line: what the next line's `prev` must be.
    pub last_hash: String,
    /// The newest checkpoint that verified.
    pub last_checkpoint: Option<CheckpointSummary>,
    /// Seq of the checkpoint the head file names, when it could be read.
    pub head_seq: Option<u64>,
    /// Lines after the newest checkpoint: covered by the chain but not yet by a signature, so
    /// cutting them off could not be told from their never having been written.
    pub unsigned_tail: u64,
    /// A last line cut short by a crash: not tampering.
    pub torn: Option<TornTail>,
    /// The first sign of tampering, if any.
    pub problem: Option<Problem>,
    /// Writes logged as intent with no outcome after them (oldest first, at most
    /// [`MAX_OPEN_INTENTS_LISTED`]): the vendor may or may not have made the change. Not
    /// tampering; each needs a look at the vendor's system.
    pub open_intents: Vec<OpenIntent>,
    /// How many there are in all.
    pub open_intents_total: u64,
}

/// Most open intents a report lists by name (it counts them all). A healthy log has none; a
/// crash leaves at most the writes in flight at that moment.
pub const MAX_OPEN_INTENTS_LISTED: usize = 100;

/// A write whose intent is in the log and whose outcome is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenIntent {
    /// The intent record's seq.
    pub seq: u64,
    /// Its 1-based line.
    pub line: u64,
    /// The access id an outcome would carry.
    pub access_id: String,
    /// When the intent was written.
    pub time: String,
    /// Who asked.
    pub user: Option<String>,
    /// The operation (`submit`).
    pub operation: String,
    /// The connectors it was about to reach.
    pub connectors: Vec<String>,
    /// The gateway's correlation id of the request.
    pub correlation_id: String,
}

/// A checkpoint that verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointSummary {
    /// Its seq.
    pub seq: u64,
    /// When it was signed.
    pub time: String,
    /// Access records before it.
    pub records: u64,
}

/// Bytes after the last newline: the mark of a crash during a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TornTail {
    /// Its 1-based line number.
    pub line: u64,
    /// Byte offset where it starts (the length of the whole lines before it).
    pub offset: u64,
    /// Its length.
    pub bytes: u64,
}

/// The first thing wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What kind of tampering it shows.
    pub kind: ProblemKind,
    /// 1-based line of the first bad line (for a truncation, the first missing one); `None`
    /// for a problem with the head file itself.
    pub line: Option<u64>,
    /// The seq that line has or should have had.
    pub seq: Option<u64>,
    /// What is wrong, in words.
    pub message: String,
}

/// Kinds of tampering `verify` tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A whole line that is not a sealed audit line.
    Malformed,
    /// A line whose contents do not match its hash: edited.
    Edited,
    /// A gap in seq: lines deleted.
    Deleted,
    /// A seq out of place: lines moved or duplicated.
    Reordered,
    /// A line whose `prev` is not the hash of the line before: a line rewritten and rehashed,
    /// or lines spliced in.
    ChainBroken,
    /// The log ends before the checkpoint its head names: its tail was cut off.
    Truncated,
    /// A checkpoint (or the head) whose signature does not verify.
    BadSignature,
    /// A checkpoint (or the head) signed by a key other than the one verified against.
    UnknownKey,
    /// No head file beside a log (the head is written before the log is created).
    HeadMissing,
    /// The head names a checkpoint the log does not hold at that seq.
    HeadMismatch,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ProblemKind::Malformed => "malformed line",
            ProblemKind::Edited => "edited",
            ProblemKind::Deleted => "deleted",
            ProblemKind::Reordered => "reordered",
            ProblemKind::ChainBroken => "chain broken",
            ProblemKind::Truncated => "truncated",
            ProblemKind::BadSignature => "bad signature",
            ProblemKind::UnknownKey => "unknown key",
            ProblemKind::HeadMissing => "head missing",
            ProblemKind::HeadMismatch => "head mismatch",
        };
        f.write_str(s)
    }
}

impl VerifyReport {
    /// No sign of tampering (a torn last line is not one).
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let log = self.log.display();
        match &self.problem {
            Some(p) => {
                let at = match (p.line, p.seq) {
                    (Some(l), Some(s)) => format!("line {l} (seq {s})"),
                    (Some(l), None) => format!("line {l}"),
                    (None, _) => self.head_file.display().to_string(),
                };
                write!(f, "TAMPERED: {log}: {at}: {}: {}", p.kind, p.message)?;
                if self.lines > 0 {
                    write!(
                        f,
                        "\n  the {} lines before it verify (last good seq {})",
                        self.lines, self.last_seq
                    )?;
                }
                Ok(())
            }
            None => {
                write!(
                    f,
                    "ok: {log}: {} records, {} lines, last seq {}",
                    self.records, self.lines, self.last_seq
                )?;
                match &self.last_checkpoint {
                    Some(cp) => write!(
                        f,
                        "; last checkpoint seq {} at {} ({} lines after it not yet signed)",
                        cp.seq, cp.time, self.unsigned_tail
                    )?,
                    None => write!(f, "; no checkpoint yet")?,
                }
                if self.open_intents_total > 0 {
                    write!(
                        f,
                        "\nWRITES WITH NO OUTCOME: {} write(s) were logged as intent with no outcome \
                         after them (a crash or a failed audit write while the vendor was called); \
                         check each in the vendor's system:",
                        self.open_intents_total
                    )?;
                    for i in &self.open_intents {
                        write!(
                            f,
                            "\n  seq {} line {} at {}: {} by {} to {} (access {}, correlation {})",
                            i.seq,
                            i.line,
                            i.time,
                            i.operation,
                            i.user.as_deref().unwrap_or("-"),
                            i.connectors.join(","),
                            i.access_id,
                            i.correlation_id
                        )?;
                    }
                }
                if let Some(t) = &self.torn {
                    write!(
                        f,
                        "\nTORN LAST LINE: line {} ({} bytes at offset {}) has no newline: a write \
                         cut short by a crash, not tampering; its record was never acknowledged. \
                         The gateway moves it aside when it next opens the log.",
                        t.line, t.bytes, t.offset
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// The head file as read.
pub(crate) enum HeadState {
    Missing,
    Unreadable(String),
    Present(Head),
}

pub(crate) fn read_head(path: &Path) -> HeadState {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice::<Head>(&bytes) {
            Ok(h) => HeadState::Present(h),
            Err(e) => HeadState::Unreadable(format!("not a head file: {e}")),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => HeadState::Missing,
        Err(e) => HeadState::Unreadable(format!("cannot read it: {e}")),
    }
}

/// The head file of a log: `audit.jsonl` → `audit.head`.
pub(crate) fn head_path(log: &Path) -> PathBuf {
    log.with_extension("head")
}

/// Verify the log at `log` against `public_key` (default: `gateway.pub` beside the log) and
/// its head file (`audit.head` beside `audit.jsonl`).
///
/// Tampering is a report with a [`Problem`], not an error.
///
/// # Errors
/// When the log (and its head) cannot be found or read, or the key cannot be read.
pub fn verify(log: &Path, public_key: Option<&Path>) -> Result<VerifyReport, AuditError> {
    let head_file = head_path(log);
    let head = read_head(&head_file);
    let bytes = match std::fs::read(log) {
        Ok(b) => b,
        // A log deleted outright is a truncation to nothing, if its head is still there.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && matches!(head, HeadState::Present(_)) =>
        {
            Vec::new()
        }
        Err(e) => return Err(AuditError::io(log, "read", e)),
    };
    // After the log, so a wrong --file is reported as such rather than as a missing key.
    let key_path = public_key.map_or_else(|| key::default_public(log), Path::to_path_buf);
    let key = key::load_public(&key_path)?;
    Ok(scan(log, &head_file, &bytes, &[key], head))
}

/// Check `bytes` as the contents of `log`.
///
/// Every checkpoint, and the head, must be signed by one of `keys`: the gateway's own key for a
/// log in files, the replicas' keys for a chain that several gateways share.
pub(crate) fn scan(
    log: &Path,
    head_file: &Path,
    bytes: &[u8],
    keys: &[VerifyingKey],
    head: HeadState,
) -> VerifyReport {
    let key_hex = keys_described(keys);
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut r = VerifyReport {
        log: log.to_path_buf(),
        head_file: head_file.to_path_buf(),
        lines: 0,
        records: 0,
        last_seq: 0,
        last_hash: line::genesis_prev(),
        last_checkpoint: None,
        head_seq: match &head {
            HeadState::Present(h) => Some(h.seq),
            _ => None,
        },
        unsigned_tail: 0,
        torn: None,
        problem: None,
        open_intents: Vec::new(),
        open_intents_total: 0,
    };
    // Intents by access id, waiting for their outcome.
    let mut intents: std::collections::BTreeMap<String, OpenIntent> =
        std::collections::BTreeMap::new();
    // The seq of the last record that was not a continuation: what a continuation continues.
    let mut last_main: Option<u64> = None;
    let lines: Vec<&[u8]> = bytes[..whole]
        .split_inclusive(|&b| b == b'\n')
        .map(|l| &l[..l.len() - 1])
        .collect();
    if whole < bytes.len() {
        r.torn = Some(TornTail {
            line: lines.len() as u64 + 1,
            offset: whole as u64,
            bytes: (bytes.len() - whole) as u64,
        });
    }
    let head_seq = r.head_seq;
    let mut hash_at_head = None;
    for (i, text) in lines.iter().enumerate() {
        let line_no = i as u64 + 1;
        let expected = r.last_seq + 1;
        let fail = |kind, seq, message: String| {
            Some(Problem {
                kind,
                line: Some(line_no),
                seq,
                message,
            })
        };
        let parsed = match line::parse_line(text) {
            Ok(p) => p,
            Err(why) => {
                r.problem = fail(ProblemKind::Malformed, line::peek_seq(text), why);
                break;
            }
        };
        let seq = Some(parsed.seq);
        if parsed.computed != parsed.hash {
            r.problem = fail(
                ProblemKind::Edited,
                seq,
                "its contents do not match its hash: the line was edited".into(),
            );
            break;
        }
        if parsed.seq != expected {
            let found_later = lines[i + 1..]
                .iter()
                .position(|l| line::peek_seq(l) == Some(expected));
            let (kind, message) = match found_later {
                Some(j) => (
                    ProblemKind::Reordered,
                    format!(
                        "expected seq {expected} here but found seq {}; seq {expected} is at line \
                         {}: lines were moved",
                        parsed.seq,
                        line_no + 1 + j as u64
                    ),
                ),
                None if parsed.seq > expected => (
                    ProblemKind::Deleted,
                    if parsed.seq == expected + 1 {
                        format!("seq {expected} is missing: it was deleted")
                    } else {
                        format!(
                            "seq {expected} to {} are missing: they were deleted",
                            parsed.seq - 1
                        )
                    },
                ),
                None => (
                    ProblemKind::Reordered,
                    format!(
                        "expected seq {expected} here but found seq {}: a line was moved or \
                         duplicated",
                        parsed.seq
                    ),
                ),
            };
            r.problem = fail(kind, Some(expected), message);
            break;
        }
        if parsed.prev != r.last_hash {
            r.problem = fail(
                ProblemKind::ChainBroken,
                seq,
                format!(
                    "its prev is not the hash of seq {}: a line before it was rewritten and \
                     rehashed, or lines were spliced in",
                    r.last_seq
                ),
            );
            break;
        }
        match &parsed.entry {
            Entry::Checkpoint(cp) => {
                let since = r
                    .last_checkpoint
                    .as_ref()
                    .map_or_else(|| "the start".to_string(), |c| format!("seq {}", c.seq));
                let Some(key) = find_key(keys, &cp.key) else {
                    r.problem = fail(
                        ProblemKind::UnknownKey,
                        seq,
                        format!(
                            "checkpoint signed by key {}, not by the key verified against ({key_hex}); \
                             pass the right public key with --key",
                            cp.key
                        ),
                    );
                    break;
                };
                if !cp.verify(key, parsed.seq, &parsed.prev) {
                    r.problem = fail(
                        ProblemKind::BadSignature,
                        seq,
                        format!(
                            "the checkpoint's signature does not verify: the checkpoint or a line \
                             since {since} was rewritten"
                        ),
                    );
                    break;
                }
                if cp.records != r.records {
                    r.problem = fail(
                        ProblemKind::ChainBroken,
                        seq,
                        format!(
                            "the checkpoint counts {} records but {} precede it",
                            cp.records, r.records
                        ),
                    );
                    break;
                }
                r.last_checkpoint = Some(CheckpointSummary {
                    seq: parsed.seq,
                    time: cp.time.clone(),
                    records: cp.records,
                });
                r.unsigned_tail = 0;
            }
            Entry::Record(record) => {
                match record.continuation_of {
                    Some(of) if last_main != Some(of) => {
                        r.problem = fail(
                            ProblemKind::Malformed,
                            seq,
                            format!(
                                "a continuation of seq {of} out of place: it must follow that \
                                 record or another of its continuations"
                            ),
                        );
                        break;
                    }
                    Some(_) => {}
                    None => last_main = Some(parsed.seq),
                }
                match (record.phase, &record.access_id) {
                    (Some(Phase::Intent), Some(id)) if record.continuation_of.is_none() => {
                        intents.insert(
                            id.clone(),
                            OpenIntent {
                                seq: parsed.seq,
                                line: line_no,
                                access_id: id.clone(),
                                time: record.time.clone(),
                                user: record.user.clone(),
                                operation: record.operation.clone(),
                                connectors: record
                                    .connectors
                                    .iter()
                                    .map(|c| c.id.clone())
                                    .collect(),
                                correlation_id: record.correlation_id.clone(),
                            },
                        );
                    }
                    (Some(Phase::Outcome), Some(id)) => {
                        intents.remove(id);
                    }
                    _ => {}
                }
                r.records += 1;
                r.unsigned_tail += 1;
            }
        }
        if Some(parsed.seq) == head_seq {
            hash_at_head = Some(parsed.hash.clone());
        }
        r.lines = line_no;
        r.last_seq = parsed.seq;
        r.last_hash = parsed.hash;
    }
    if r.problem.is_none() {
        r.problem = check_head(&r, head, keys, &key_hex, hash_at_head);
    }
    r.open_intents_total = intents.len() as u64;
    let mut open: Vec<OpenIntent> = intents.into_values().collect();
    open.sort_by_key(|i| i.seq);
    open.truncate(MAX_OPEN_INTENTS_LISTED);
    r.open_intents = open;
    r
}

/// The log must reach the head's checkpoint and hold it there.
fn check_head(
    r: &VerifyReport,
    head: HeadState,
    keys: &[VerifyingKey],
    key_hex: &str,
    hash_at_head: Option<String>,
) -> Option<Problem> {
    let problem = |kind, line, seq, message: String| {
        Some(Problem {
            kind,
            line,
            seq,
            message,
        })
    };
    let head_file = r.head_file.display();
    let h = match head {
        HeadState::Present(h) => h,
        HeadState::Missing => {
            return problem(
                ProblemKind::HeadMissing,
                None,
                None,
                format!(
                    "{head_file} is missing; the gateway writes it before the log, so it was \
                     deleted (or not copied with the log), and cutting off the log's tail cannot \
                     be ruled out"
                ),
            );
        }
        HeadState::Unreadable(why) => {
            return problem(
                ProblemKind::Malformed,
                None,
                None,
                format!("{head_file}: {why}"),
            );
        }
    };
    let Some(key) = find_key(keys, &h.checkpoint.key) else {
        return problem(
            ProblemKind::UnknownKey,
            None,
            Some(h.seq),
            format!(
                "the head is signed by key {}, not by the key verified against ({key_hex})",
                h.checkpoint.key
            ),
        );
    };
    if !h.checkpoint.verify(key, h.seq, &h.prev) {
        return problem(
            ProblemKind::BadSignature,
            None,
            Some(h.seq),
            "the head's signature does not verify: it was edited".into(),
        );
    }
    if h.seq == 0 {
        return None;
    }
    if h.seq > r.last_seq {
        return problem(
            ProblemKind::Truncated,
            Some(r.lines + 1),
            Some(r.last_seq + 1),
            format!(
                "the log ends at seq {} but the head holds a signed checkpoint at seq {}: lines \
                 from seq {} on were cut off",
                r.last_seq,
                h.seq,
                r.last_seq + 1
            ),
        );
    }
    if hash_at_head.as_deref() != Some(h.hash.as_str()) {
        return problem(
            ProblemKind::HeadMismatch,
            Some(h.seq),
            Some(h.seq),
            format!(
                "the head names a checkpoint at seq {} with hash {}, but the log's line there is \
                 different: the log was rewritten",
                h.seq, h.hash
            ),
        );
    }
    None
}

/// The key among `keys` whose hex is `hex`.
fn find_key<'k>(keys: &'k [VerifyingKey], hex: &str) -> Option<&'k VerifyingKey> {
    keys.iter().find(|k| hex::encode(k.as_bytes()) == hex)
}

/// The keys verified against, for messages: one key's hex, or several joined by "or".
fn keys_described(keys: &[VerifyingKey]) -> String {
    keys.iter()
        .map(|k| hex::encode(k.as_bytes()))
        .collect::<Vec<_>>()
        .join(" or ")
}
