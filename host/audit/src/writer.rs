//! The one writer: a thread that owns `audit.jsonl`, seals each record into the chain, and
//! answers an append only once the record is on disk.
//!
//! Group commit: the thread takes every append queued while its last `fdatasync` ran, writes
//! them with one `write` and makes them durable with one `fdatasync`, then answers them all.
//! Under load a sync costs one disk flush per batch, not per record, so throughput grows with
//! concurrency while each caller still waits for its own record to be durable.
//!
//! It is a plain thread, not a tokio task, because its whole job is blocking I/O; callers wait
//! on a oneshot, so no runtime thread ever blocks on the disk.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use tokio::sync::oneshot;

use super::key::{self, sync_dir};
use super::line::{self, Checkpoint, Head};
use super::record::{AuditEvent, AuditRecord, Outcome};
use super::verify;
use super::{Appended, AuditError, HEAD_FILE, LOG_FILE, now_rfc3339};

/// How often the writer signs a checkpoint. The records after the newest checkpoint are covered
/// by the hash chain alone, so cutting them off the end is only caught once a later checkpoint
/// (and the head) exists: these bound that window.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Sign a checkpoint after this many records. 100 keeps checkpoint lines ~1% of the log.
    pub checkpoint_every: u64,
    /// …and after this long, when anything was written since the last one. One second bounds
    /// how much of a quiet log can be cut off undetected at a cost of at most one line a second.
    pub checkpoint_interval: Duration,
    /// Under load (the last batch held more than one record), how long the writer keeps
    /// gathering appends before it syncs. Each `fdatasync` costs CPU and a device flush
    /// whatever it carries: syncing every three or four records cost the gateway a sixth of
    /// its throughput under load (docs/BENCHMARKS.md), and two milliseconds more per call makes
    /// each sync carry several times as many. A lone append (a quiet gateway) is synced at once.
    pub group_window: Duration,
}

/// Most records one batch gathers in its window before it is synced anyway.
const MAX_BATCH: usize = 512;

impl Default for Options {
    fn default() -> Self {
        Options {
            checkpoint_every: 100,
            checkpoint_interval: Duration::from_secs(1),
            group_window: Duration::from_millis(2),
        }
    }
}

/// Counts since the log was opened, for metrics (and for tests that check group commit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Records made durable.
    pub records: u64,
    /// `fdatasync` calls on the log.
    pub syncs: u64,
    /// Checkpoints written.
    pub checkpoints: u64,
    /// Head updates that failed (each logged as an error; the next checkpoint tries again).
    pub head_failures: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) records: AtomicU64,
    pub(crate) syncs: AtomicU64,
    pub(crate) checkpoints: AtomicU64,
    pub(crate) head_failures: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> WriterStats {
        WriterStats {
            records: self.records.load(Ordering::Relaxed),
            syncs: self.syncs.load(Ordering::Relaxed),
            checkpoints: self.checkpoints.load(Ordering::Relaxed),
            head_failures: self.head_failures.load(Ordering::Relaxed),
        }
    }
}

type Reply = oneshot::Sender<Result<Appended, AuditError>>;

enum Command {
    Append(Box<AuditRecord>, Reply),
    Close(oneshot::Sender<Result<(), AuditError>>),
}

/// The audit log in local files (the embedded default): `audit.jsonl` in one directory, owned
/// by one writer thread. Usually used through [`AuditLog`](crate::AuditLog), which
/// [`AuditLog::open`](crate::AuditLog::open) builds on it; every clone feeds the same writer.
#[derive(Clone)]
pub struct FileLog {
    inner: Arc<Inner>,
}

struct Inner {
    tx: mpsc::Sender<Command>,
    path: PathBuf,
    counters: Arc<Counters>,
    /// Why the writer stopped, when an I/O error stopped it.
    failure: Arc<Mutex<Option<String>>>,
}

impl FileLog {
    /// Open (create) the log in `dir`: `audit.jsonl`, `audit.head`, and the gateway's signing
    /// key `gateway.key` (Ed25519, created 0600 when missing) with its public half `gateway.pub`.
    ///
    /// The whole existing log is verified first. After tampering it refuses to append, since
    /// new records chained to a forged history would lend it credibility. A torn last line (a
    /// write cut short by a crash) is moved aside to `audit.jsonl.torn-<n>` with a loud warning,
    /// the chain continues from the last whole record, and an admin record saying so is the
    /// first thing appended.
    ///
    /// # Errors
    /// [`AuditError::Tampered`] when the log does not verify, [`AuditError::Locked`] when another
    /// process is writing it, [`AuditError::Key`] for an unusable key, [`AuditError::Io`].
    pub async fn open(dir: &Path, gateway_id: &str) -> Result<FileLog, AuditError> {
        Self::open_with(dir, gateway_id, Options::default()).await
    }

    /// [`FileLog::open`] with checkpoint settings.
    ///
    /// # Errors
    /// As [`FileLog::open`].
    pub async fn open_with(
        dir: &Path,
        gateway_id: &str,
        options: Options,
    ) -> Result<FileLog, AuditError> {
        let dir = dir.to_path_buf();
        let gateway = gateway_id.to_string();
        let (log, recovered) =
            tokio::task::spawn_blocking(move || open_blocking(&dir, gateway, options))
                .await
                .map_err(|e| AuditError::WriterFailed(format!("the opening task failed: {e}")))??;
        if let Some((torn, bytes)) = recovered {
            let mut r = AuditRecord::new(AuditEvent::Admin, "audit-torn-tail-recovered");
            r.outcome = Outcome::Ok;
            r.detail = Some(format!(
                "{bytes} bytes of a line cut short by a crash were moved to {}",
                torn.display()
            ));
            log.append(r).await?;
        }
        Ok(log)
    }

    /// Append one record. Returns only once it is on disk (`fdatasync`); records queued while
    /// one sync runs share the next. The writer fills in `time` and `gateway` when empty.
    ///
    /// # Errors
    /// [`AuditError::WriterFailed`] once a write or sync has failed (the gateway must then stop
    /// answering: it can no longer keep its record), [`AuditError::Closed`] after
    /// [`FileLog::close`].
    pub async fn append(&self, record: AuditRecord) -> Result<Appended, AuditError> {
        let (reply, answer) = oneshot::channel();
        if self
            .inner
            .tx
            .send(Command::Append(Box::new(record), reply))
            .is_err()
        {
            return Err(self.stopped());
        }
        answer.await.unwrap_or_else(|_| Err(self.stopped()))
    }

    /// Write what is queued, sign a final checkpoint, update the head and stop the writer.
    /// Appends after this fail with [`AuditError::Closed`]. Closing twice is fine.
    ///
    /// # Errors
    /// When the final write fails.
    pub async fn close(&self) -> Result<(), AuditError> {
        let (reply, answer) = oneshot::channel();
        if self.inner.tx.send(Command::Close(reply)).is_err() {
            return match self.stopped() {
                AuditError::Closed => Ok(()),
                e => Err(e),
            };
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => match self.stopped() {
                AuditError::Closed => Ok(()),
                e => Err(e),
            },
        }
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Counts since the log was opened.
    pub fn stats(&self) -> WriterStats {
        self.inner.counters.snapshot()
    }

    fn stopped(&self) -> AuditError {
        let failure = self
            .inner
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*failure {
            Some(why) => AuditError::WriterFailed(why.clone()),
            None => AuditError::Closed,
        }
    }
}

/// Open, check and recover the log, and start the writer. Returns the torn-tail file and its
/// size when one was moved aside.
fn open_blocking(
    dir: &Path,
    gateway: String,
    options: Options,
) -> Result<(FileLog, Option<(PathBuf, u64)>), AuditError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| AuditError::io(dir, "create", e))?;
    let key = key::load_or_create(dir)?;
    let log_path = dir.join(LOG_FILE);
    let head_path = dir.join(HEAD_FILE);

    let log_len = match fs::metadata(&log_path) {
        Ok(m) => Some(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(AuditError::io(&log_path, "read", e)),
    };
    let head_exists = head_path
        .try_exists()
        .map_err(|e| AuditError::io(&head_path, "read", e))?;
    if !head_exists && log_len.unwrap_or(0) == 0 {
        // A new log. The head (seq 0) is written before the log exists, so that from now on
        // a missing head always means one was deleted.
        let genesis = line::genesis_prev();
        let head = Head {
            seq: 0,
            hash: genesis.clone(),
            prev: genesis.clone(),
            checkpoint: Checkpoint::sign(&key, 0, &genesis, now_rfc3339(), &gateway, 0),
        };
        write_head(&head_path, &head)?;
    }

    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&log_path)
        .map_err(|e| AuditError::io(&log_path, "open", e))?;
    if log_len.is_none() {
        sync_dir(dir)?;
    }
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Err(AuditError::Locked(log_path)),
        Err(fs::TryLockError::Error(e)) => return Err(AuditError::io(&log_path, "lock", e)),
    }

    let bytes = {
        use std::io::Read as _;
        let mut bytes = Vec::new();
        (&file)
            .read_to_end(&mut bytes)
            .map_err(|e| AuditError::io(&log_path, "read", e))?;
        bytes
    };
    let head = verify::read_head(&head_path);
    let report = verify::scan(&log_path, &head_path, &bytes, &[key.verifying_key()], head);
    if !report.is_ok() {
        return Err(AuditError::Tampered(Box::new(report)));
    }

    let mut recovered = None;
    if let Some(torn) = &report.torn {
        let aside = torn_path(&log_path);
        let tail = bytes.get(torn.offset as usize..).unwrap_or_default();
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&aside)
            .map_err(|e| AuditError::io(&aside, "create", e))?;
        f.write_all(tail)
            .and_then(|()| f.sync_all())
            .map_err(|e| AuditError::io(&aside, "write", e))?;
        file.set_len(torn.offset)
            .and_then(|()| file.sync_all())
            .map_err(|e| AuditError::io(&log_path, "truncate", e))?;
        sync_dir(dir)?;
        tracing::warn!(
            log = %log_path.display(),
            moved_to = %aside.display(),
            bytes = torn.bytes,
            line = torn.line,
            "AUDIT LOG HAD A TORN LAST LINE (a write cut short by a crash); moved it aside and \
             continuing the chain from seq {}",
            report.last_seq
        );
        recovered = Some((aside, torn.bytes));
    }

    let counters = Arc::new(Counters::default());
    let failure = Arc::new(Mutex::new(None));
    let writer = Writer {
        file,
        log: log_path.clone(),
        head_path,
        dir: dir.to_path_buf(),
        key,
        gateway,
        next_seq: report.last_seq + 1,
        prev: report.last_hash.clone(),
        records: report.records,
        since_checkpoint: report.unsigned_tail,
        last_checkpoint: Instant::now(),
        last_batch: 0,
        options,
        counters: counters.clone(),
        failure: failure.clone(),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("audit-writer".into())
        .spawn(move || writer.run(rx))
        .map_err(|e| AuditError::io(&log_path, "start the writer for", e))?;
    Ok((
        FileLog {
            inner: Arc::new(Inner {
                tx,
                path: log_path,
                counters,
                failure,
            }),
        },
        recovered,
    ))
}

/// `audit.jsonl.torn-<n>`, the first that does not exist.
fn torn_path(log: &Path) -> PathBuf {
    let name = log
        .file_name()
        .map_or_else(|| LOG_FILE.into(), |n| n.to_string_lossy().into_owned());
    (1u32..)
        .map(|n| log.with_file_name(format!("{name}.torn-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| log.with_file_name(format!("{name}.torn")))
}

/// Replace the head atomically: write a temporary file, sync it, rename it over the head, sync
/// the directory. A crash leaves the old head or the new one, never half of one.
pub(crate) fn write_head(path: &Path, head: &Head) -> Result<(), AuditError> {
    let tmp = path.with_extension("head.tmp");
    let mut text = serde_json::to_vec(head).map_err(|e| AuditError::WriterFailed(e.to_string()))?;
    text.push(b'\n');
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(&tmp)
        .map_err(|e| AuditError::io(&tmp, "create", e))?;
    f.write_all(&text)
        .and_then(|()| f.sync_all())
        .map_err(|e| AuditError::io(&tmp, "write", e))?;
    fs::rename(&tmp, path).map_err(|e| AuditError::io(path, "replace", e))?;
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => sync_dir(dir),
        _ => sync_dir(Path::new(".")),
    }
}

struct Writer {
    file: File,
    log: PathBuf,
    head_path: PathBuf,
    dir: PathBuf,
    key: SigningKey,
    gateway: String,
    next_seq: u64,
    prev: String,
    records: u64,
    since_checkpoint: u64,
    last_checkpoint: Instant,
    /// Records in the last batch: more than one means appends are arriving concurrently.
    last_batch: usize,
    options: Options,
    counters: Arc<Counters>,
    failure: Arc<Mutex<Option<String>>>,
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Command>) {
        loop {
            // Sleep until the next append, or until a checkpoint falls due.
            let wait = if self.since_checkpoint > 0 {
                self.options
                    .checkpoint_interval
                    .saturating_sub(self.last_checkpoint.elapsed())
            } else {
                Duration::from_secs(3600)
            };
            let mut batch = Vec::new();
            let mut close = None;
            let mut finishing = false;
            match rx.recv_timeout(wait) {
                Ok(Command::Append(r, reply)) => batch.push((r, reply)),
                Ok(Command::Close(reply)) => close = Some(reply),
                Err(RecvTimeoutError::Timeout) => {}
                // Every handle is gone: finish as if closed.
                Err(RecvTimeoutError::Disconnected) => finishing = true,
            }
            // Group commit: everything that queued up meanwhile goes in this batch.
            while close.is_none() && !finishing {
                match rx.try_recv() {
                    Ok(Command::Append(r, reply)) => batch.push((r, reply)),
                    Ok(Command::Close(reply)) => close = Some(reply),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => finishing = true,
                }
            }
            if close.is_none() && !finishing && self.last_batch > 1 && !batch.is_empty() {
                let until = Instant::now() + self.options.group_window;
                while batch.len() < MAX_BATCH {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    match rx.recv_timeout(left) {
                        Ok(Command::Append(r, reply)) => batch.push((r, reply)),
                        Ok(Command::Close(reply)) => {
                            close = Some(reply);
                            break;
                        }
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => {
                            finishing = true;
                            break;
                        }
                    }
                }
            }
            self.last_batch = batch.len();
            finishing |= close.is_some();
            let result = self.commit(batch, finishing);
            if let Err(why) = &result {
                tracing::error!(log = %self.log.display(), "audit writer stopped: {why}");
                *self
                    .failure
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(why.clone());
            }
            if finishing || result.is_err() {
                // Dropping the receiver fails every append still queued, and all later ones.
                // Closing the file releases its lock before `close` returns, so the log can be
                // opened again at once.
                drop(rx);
                drop(self.file);
                if let Some(reply) = close {
                    let _ = reply.send(result.map_err(AuditError::WriterFailed));
                }
                return;
            }
        }
    }

    /// Seal, write and sync one batch, then answer it. An error stops the writer: after a
    /// failed write or sync nobody knows what is on disk, so nothing more may be acknowledged.
    fn commit(
        &mut self,
        batch: Vec<(Box<AuditRecord>, Reply)>,
        finishing: bool,
    ) -> Result<(), String> {
        let mut buf = Vec::new();
        let mut done = Vec::with_capacity(batch.len());
        let mut head = None;
        for (mut record, reply) in batch {
            if record.time.is_empty() {
                record.time = now_rfc3339();
            }
            if record.gateway.is_empty() {
                record.gateway.clone_from(&self.gateway);
            }
            // Text capped, and ids that do not fit one line moved into continuation records
            // that follow it: whatever a request carried, each line stays small and readable.
            let first_seq = self.next_seq;
            let parts = (*record).into_lines(first_seq);
            let mut sealed_parts = Vec::with_capacity(parts.len());
            let mut prev = self.prev.clone();
            let mut failed = None;
            for (i, part) in parts.iter().enumerate() {
                match line::seal_record(first_seq + i as u64, &prev, part) {
                    Ok(s) => {
                        prev.clone_from(&s.hash);
                        sealed_parts.push(s);
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = failed {
                let _ = reply.send(Err(AuditError::WriterFailed(format!(
                    "the record cannot be written as JSON: {e}"
                ))));
                continue;
            }
            let first_hash = sealed_parts
                .first()
                .map(|s| s.hash.clone())
                .unwrap_or_default();
            for sealed in sealed_parts {
                buf.extend_from_slice(&sealed.bytes);
                self.next_seq += 1;
                self.prev = sealed.hash;
                self.records += 1;
                self.since_checkpoint += 1;
            }
            done.push((
                reply,
                Appended {
                    seq: first_seq,
                    hash: first_hash,
                },
            ));
            // A checkpoint never falls between a record and its continuations.
            if self.since_checkpoint >= self.options.checkpoint_every {
                head = Some(self.checkpoint(&mut buf)?);
            }
        }
        if self.since_checkpoint > 0
            && (finishing || self.last_checkpoint.elapsed() >= self.options.checkpoint_interval)
        {
            head = Some(self.checkpoint(&mut buf)?);
        }
        if buf.is_empty() {
            return Ok(());
        }
        if let Err(e) = self
            .file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data())
        {
            let why = format!("cannot write {}: {e}", self.log.display());
            for (reply, _) in done {
                let _ = reply.send(Err(AuditError::WriterFailed(why.clone())));
            }
            return Err(why);
        }
        self.counters.syncs.fetch_add(1, Ordering::Relaxed);
        self.counters
            .records
            .fetch_add(done.len() as u64, Ordering::Relaxed);
        for (reply, appended) in done {
            let _ = reply.send(Ok(appended));
        }
        // The head moves only once its checkpoint is durable. Writing it after answering keeps
        // its two syncs off the appenders' path; appends arriving meanwhile join the next batch.
        if let Some(head) = head
            && let Err(e) = write_head(&self.head_path, &head)
        {
            self.counters.head_failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                dir = %self.dir.display(),
                "cannot update the audit head (truncation after seq {} is not yet detectable; \
                 the next checkpoint tries again): {e}",
                head.seq
            );
        }
        Ok(())
    }

    /// Seal a signed checkpoint of the chain so far into `buf`, returning the head for it.
    fn checkpoint(&mut self, buf: &mut Vec<u8>) -> Result<Head, String> {
        let seq = self.next_seq;
        let cp = Checkpoint::sign(
            &self.key,
            seq,
            &self.prev,
            now_rfc3339(),
            &self.gateway,
            self.records,
        );
        let sealed = line::seal_checkpoint(seq, &self.prev, &cp)
            .map_err(|e| format!("cannot write a checkpoint: {e}"))?;
        buf.extend_from_slice(&sealed.bytes);
        let head = Head {
            seq,
            hash: sealed.hash.clone(),
            prev: std::mem::replace(&mut self.prev, sealed.hash),
            checkpoint: cp,
        };
        self.next_seq += 1;
        self.since_checkpoint = 0;
        self.last_checkpoint = Instant::now();
        self.counters.checkpoints.fetch_add(1, Ordering::Relaxed);
        Ok(head)
    }
}
