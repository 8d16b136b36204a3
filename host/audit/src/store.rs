//! Where the audit chain is kept: the [`AuditStore`] trait, and [`AuditLog`], the handle the
//! gateway holds, over one implementation of it.
//!
//! Every implementation keeps the promises the crate documents: [`AuditStore::append`]
//! answers only once the record is durable, sequence numbers and the previous hash form one
//! chain in the order records were made durable, signed checkpoints pin it, and the reads see
//! exactly the records the chain holds. The embedded default is [`FileLog`] (local files, one
//! writer); the trait is what lets several gateways share one chain in a database instead.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use super::AuditError;
use super::query::{Filter, Hit, Page};
use super::record::{Appended, AuditRecord};
use super::verify::VerifyReport;
use super::writer::{FileLog, Options, WriterStats};

/// A boxed future, so that [`AuditStore`] can be used as `dyn AuditStore`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A place the audit chain is kept: append, read, verify, close.
pub trait AuditStore: Send + Sync + 'static {
    /// Seal `record` into the chain and return once it is durable: only then may the gateway
    /// answer the request it records. The store fills in `time` and `gateway` when empty.
    fn append(&self, record: AuditRecord) -> BoxFuture<'_, Result<Appended, AuditError>>;

    /// Make what is queued durable, sign a final checkpoint and stop; appends after this fail
    /// with [`AuditError::Closed`]. Closing twice is fine.
    fn close(&self) -> BoxFuture<'_, Result<(), AuditError>>;

    /// At most `limit` records matching `filter` after seq `after`, in chain order.
    fn page(
        &self,
        filter: Filter,
        after: Option<u64>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Page, AuditError>>;

    /// Every record matching `filter` after seq `after` (the first `limit` when given), in chain
    /// order, sent to `out` one at a time; stops early, without error, when `out` is closed.
    fn stream(
        &self,
        filter: Filter,
        after: Option<u64>,
        limit: Option<usize>,
        out: tokio::sync::mpsc::Sender<Hit>,
    ) -> BoxFuture<'_, Result<(), AuditError>>;

    /// Check the whole chain as it is now: hashes, sequence, checkpoint signatures, head.
    fn verify(&self) -> BoxFuture<'_, Result<VerifyReport, AuditError>>;

    /// Counts since the store was opened, for metrics.
    fn stats(&self) -> WriterStats;

    /// Where the chain is kept, for messages (a directory, or a database without its password).
    fn describe(&self) -> String;

    /// The log file, when the chain is kept in one.
    fn file(&self) -> Option<&Path> {
        None
    }
}

/// The gateway's audit log: a cheap, cloneable handle over the [`AuditStore`] that keeps it.
#[derive(Clone)]
pub struct AuditLog {
    store: Arc<dyn AuditStore>,
}

impl AuditLog {
    /// Open (create) the log in local files in `dir`: see [`FileLog::open`].
    ///
    /// # Errors
    /// As [`FileLog::open`].
    pub async fn open(dir: &Path, gateway_id: &str) -> Result<AuditLog, AuditError> {
        Ok(AuditLog::new(FileLog::open(dir, gateway_id).await?))
    }

    /// [`AuditLog::open`] with checkpoint settings.
    ///
    /// # Errors
    /// As [`FileLog::open`].
    pub async fn open_with(
        dir: &Path,
        gateway_id: &str,
        options: Options,
    ) -> Result<AuditLog, AuditError> {
        Ok(AuditLog::new(
            FileLog::open_with(dir, gateway_id, options).await?,
        ))
    }

    /// A log kept by `store`.
    pub fn new(store: impl AuditStore) -> AuditLog {
        AuditLog {
            store: Arc::new(store),
        }
    }

    /// Append one record; returns once it is durable. See [`AuditStore::append`].
    ///
    /// # Errors
    /// [`AuditError::WriterFailed`] once the store can no longer record (the gateway must then
    /// stop answering), [`AuditError::Closed`] after [`AuditLog::close`].
    pub async fn append(&self, record: AuditRecord) -> Result<Appended, AuditError> {
        self.store.append(record).await
    }

    /// Make what is queued durable, sign a final checkpoint and stop. See
    /// [`AuditStore::close`].
    ///
    /// # Errors
    /// When the final write fails.
    pub async fn close(&self) -> Result<(), AuditError> {
        self.store.close().await
    }

    /// One page of matching records. See [`AuditStore::page`].
    ///
    /// # Errors
    /// When the chain cannot be read, or holds something that is not an audit record.
    pub async fn page(
        &self,
        filter: Filter,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Page, AuditError> {
        self.store.page(filter, after, limit).await
    }

    /// Send every matching record to `out`. See [`AuditStore::stream`].
    ///
    /// # Errors
    /// As [`AuditLog::page`].
    pub async fn stream(
        &self,
        filter: Filter,
        after: Option<u64>,
        limit: Option<usize>,
        out: tokio::sync::mpsc::Sender<Hit>,
    ) -> Result<(), AuditError> {
        self.store.stream(filter, after, limit, out).await
    }

    /// Check the whole chain. See [`AuditStore::verify`].
    ///
    /// # Errors
    /// When the chain or its key cannot be read (tampering is a report, not an error).
    pub async fn verify(&self) -> Result<VerifyReport, AuditError> {
        self.store.verify().await
    }

    /// Counts since the log was opened.
    pub fn stats(&self) -> WriterStats {
        self.store.stats()
    }

    /// Where the chain is kept, for messages.
    pub fn describe(&self) -> String {
        self.store.describe()
    }

    /// The log file, when the chain is kept in one (the file backend).
    pub fn path(&self) -> Option<&Path> {
        self.store.file()
    }
}

impl AuditStore for FileLog {
    fn append(&self, record: AuditRecord) -> BoxFuture<'_, Result<Appended, AuditError>> {
        Box::pin(FileLog::append(self, record))
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AuditError>> {
        Box::pin(FileLog::close(self))
    }

    fn page(
        &self,
        filter: Filter,
        after: Option<u64>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Page, AuditError>> {
        let path = self.path().to_path_buf();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                super::query::query_page(&path, &filter, after, limit)
            })
            .await
            .map_err(|e| AuditError::WriterFailed(format!("the audit query task failed: {e}")))?
        })
    }

    fn stream(
        &self,
        filter: Filter,
        after: Option<u64>,
        limit: Option<usize>,
        out: tokio::sync::mpsc::Sender<Hit>,
    ) -> BoxFuture<'_, Result<(), AuditError>> {
        let path = self.path().to_path_buf();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut left = limit.unwrap_or(usize::MAX);
                for hit in super::query::Reader::open(&path)? {
                    let hit = hit?;
                    if after.is_some_and(|a| hit.seq <= a) || !filter.matches(&hit.record) {
                        continue;
                    }
                    if left == 0 {
                        break;
                    }
                    left -= 1;
                    // The reader went away: stop reading.
                    if out.blocking_send(hit).is_err() {
                        break;
                    }
                }
                Ok(())
            })
            .await
            .map_err(|e| AuditError::WriterFailed(format!("the audit stream task failed: {e}")))?
        })
    }

    fn verify(&self) -> BoxFuture<'_, Result<VerifyReport, AuditError>> {
        let path = self.path().to_path_buf();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || super::verify::verify(&path, None))
                .await
                .map_err(|e| {
                    AuditError::WriterFailed(format!("the audit verify task failed: {e}"))
                })?
        })
    }

    fn stats(&self) -> WriterStats {
        FileLog::stats(self)
    }

    fn describe(&self) -> String {
        self.path().display().to_string()
    }

    fn file(&self) -> Option<&Path> {
        Some(FileLog::path(self))
    }
}
