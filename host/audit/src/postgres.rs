//! The audit chain in PostgreSQL: one chain that many gateway replicas append to at once.
//!
//! **One sequence, allocated in the append's transaction.** The chain's tip (last seq, its
//! hash, the record count, the newest signed checkpoint) is one row, `audit_tip`. Each append
//! transaction locks it (`SELECT … FOR UPDATE`), seals its records at the seqs after the tip,
//! chained to the tip's hash, inserts the lines and moves the tip, then commits: replicas that
//! append at once queue on the row lock, so the lines form one sequence in commit order, with
//! no gaps and no forks. A transaction that fails rolls back lines and tip together.
//!
//! **Group commit.** Each replica has one writer task with one connection; every append queued
//! while its last transaction ran goes into the next one, so a replica under load holds the lock
//! once per batch, not per record, and pays one WAL flush per batch. Under load (the last batch
//! held more than one record) the writer waits `group_window` for more before it begins, as the
//! file log does before its `fdatasync`; a lone append on a quiet replica is written at once.
//! The transaction takes two round trips (`BEGIN` with the tip's lock, then the lines, the tip
//! and `COMMIT`, each pair pipelined), with its statements prepared once. An append is answered only
//! after `COMMIT` returns, which (with PostgreSQL's default `synchronous_commit = on`) is after
//! the WAL is flushed: durable before the answer, as with `fdatasync` on the file.
//!
//! **Checkpoints signed by the replica that made them.** A replica signs a checkpoint after
//! every `checkpoint_every` records it appended, or `checkpoint_interval` after its last one,
//! with its own Ed25519 key (`gateway.key` in its local audit directory); the checkpoint names
//! the replica and counts every record in the chain before it. The newest checkpoint is stored
//! in the tip as `audit.head` would hold it, in the same transaction, so the chain must reach it.
//! Verifying needs the public key of every replica that ever wrote (the `[trust]` replica keys,
//! or `--key` for each with `interop audit verify --database`): keys stored in the database would
//! be as writable as the chain they vouch for.
//!
//! **Same lines, same verifier.** Each line is stored exactly as it was hashed, so the chain
//! verifies with the code that verifies `audit.jsonl`.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ed25519_dalek::{SigningKey, VerifyingKey};
use futures_util::{StreamExt as _, pin_mut};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::{Client, RowStream};

use super::line::{self, Checkpoint, Head};
use super::query::{Filter, Hit, Page, assemble};
use super::record::{Appended, AuditRecord};
use super::store::{AuditStore, BoxFuture};
use super::verify::{self, HeadState, VerifyReport};
use super::writer::{Options, WriterStats};
use super::{AuditError, key, now_rfc3339};

/// The schema, in order: each applied once, recorded in `interop_migrations`.
/// Every table the replicas share is here, the plugin store's and the per-user state's too,
/// so one list says what a database at a given version holds.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "0001_audit_chain.sql",
        include_str!("../migrations/0001_audit_chain.sql"),
    ),
    (
        2,
        "0002_plugin_store.sql",
        include_str!("../migrations/0002_plugin_store.sql"),
    ),
    (
        3,
        "0003_user_state.sql",
        include_str!("../migrations/0003_user_state.sql"),
    ),
];

/// The advisory lock that serialises migrations when several replicas start at once.
const MIGRATION_LOCK: i64 = 0x696e_7465_726f_7001;

/// Most records one transaction carries.
const MAX_BATCH: usize = 512;

/// Where the database is and how to reach it safely.
#[derive(Debug, Clone)]
pub struct PgConfig {
    /// `postgres://user[:password]@host[:port]/dbname?sslmode=…&sslrootcert=…`. `sslmode` must be
    /// `verify-full` (the server's certificate checked against `sslrootcert`, a CA file, and
    /// its name against the host) or `disable` (only for a database reached over a trusted
    /// local link).
    pub url: String,
    /// The CA file for `verify-full`, when not in the URL as `sslrootcert`.
    pub ca_file: Option<PathBuf>,
}

/// How the connection is secured.
enum Tls {
    Disabled,
    VerifyFull(tokio_postgres_rustls::MakeRustlsConnect),
}

/// A parsed [`PgConfig`].
struct Target {
    config: tokio_postgres::Config,
    tls: Tls,
    described: String,
}

impl PgConfig {
    /// Parse the URL and load the CA.
    fn target(&self) -> Result<Target, AuditError> {
        let err = |message: String| AuditError::Database(format!("[storage] url: {message}"));
        let (base, query) = self.url.split_once('?').unwrap_or((&self.url, ""));
        let mut sslmode = None;
        let mut rootcert = self.ca_file.clone();
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sslmode" => sslmode = Some(v.to_string()),
                "sslrootcert" => rootcert = Some(PathBuf::from(percent_decode(v))),
                _ => rest.push(pair),
            }
        }
        let url = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| err(format!("not a PostgreSQL URL: {e}")))?;
        config.application_name("interop-audit");
        let described = describe(&config);
        let tls = match sslmode.as_deref() {
            Some("disable") => {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                Tls::Disabled
            }
            Some("verify-full") => {
                let ca = rootcert.ok_or_else(|| {
                    err(
                        "sslmode=verify-full needs the CA that signed the server's certificate: \
                         add sslrootcert=/path/ca.pem to the URL, or ca_file"
                            .into(),
                    )
                })?;
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                Tls::VerifyFull(tls_connector(&ca)?)
            }
            other => {
                return Err(err(format!(
                    "sslmode={}: give sslmode=verify-full with sslrootcert=CA file (the server's \
                     certificate and name checked), or sslmode=disable for a trusted local link; \
                     require, verify-ca and prefer do not check whom they talk to",
                    other.unwrap_or("(none)")
                )));
            }
        };
        Ok(Target {
            config,
            tls,
            described,
        })
    }
}

impl PgConfig {
    /// `postgres://user@host:port/db` of this configuration: never the password.
    ///
    /// # Errors
    /// [`AuditError::Database`] for a URL that cannot be used (see [`PgConfig::url`]).
    pub fn describe(&self) -> Result<String, AuditError> {
        Ok(self.target()?.described)
    }

    /// A connection for another part of the gateway that shares this database (the plugin
    /// store, sessions, rate limits), TLS as the URL says, the schema brought up to date first;
    /// its driver runs on the runtime. `application` names it in `pg_stat_activity`.
    ///
    /// # Errors
    /// [`AuditError::Database`] when the database cannot be reached or migrated.
    pub async fn connect(&self, application: &str) -> Result<Client, AuditError> {
        let mut target = self.target()?;
        target.config.application_name(application);
        let mut client = connect(&target).await?;
        migrate(&mut client).await?;
        Ok(client)
    }

    /// A connection that runs `LISTEN` on each of `channels` and hands every notification's
    /// payload to the receiver, which ends when the connection is lost (reconnect then).
    ///
    /// # Errors
    /// [`AuditError::Database`] when the database cannot be reached.
    pub async fn listen(
        &self,
        application: &str,
        channels: &[&str],
    ) -> Result<(Client, mpsc::UnboundedReceiver<String>), AuditError> {
        let mut target = self.target()?;
        target.config.application_name(application);
        let failed = |e: tokio_postgres::Error| {
            AuditError::Database(format!("cannot connect to {}: {e}", target.described))
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let client = match &target.tls {
            Tls::Disabled => {
                let (client, conn) = target
                    .config
                    .connect(tokio_postgres::NoTls)
                    .await
                    .map_err(failed)?;
                tokio::spawn(forward_notifications(conn, tx));
                client
            }
            Tls::VerifyFull(tls) => {
                let (client, conn) = target.config.connect(tls.clone()).await.map_err(failed)?;
                tokio::spawn(forward_notifications(conn, tx));
                client
            }
        };
        for channel in channels {
            // A channel name is an identifier: only ours, never a caller's text.
            debug_assert!(channel.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            client
                .batch_execute(&format!("LISTEN {channel}"))
                .await
                .map_err(db("cannot LISTEN"))?;
        }
        Ok((client, rx))
    }
}

/// Drive `conn`, handing each notification's payload to `tx`, until it closes.
async fn forward_notifications<S, T>(
    mut conn: tokio_postgres::Connection<S, T>,
    tx: mpsc::UnboundedSender<String>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match std::future::poll_fn(|cx| conn.poll_message(cx)).await {
            Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                if tx.send(n.payload().to_string()).is_err() {
                    return;
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                tracing::debug!("listening connection closed: {e}");
                return;
            }
            None => return,
        }
    }
}

/// The records in the database's chain that match `filter`, oldest first, read in one pass
/// without checking the chain (`verify_database` does that): `interop audit query --database`.
///
/// # Errors
/// When the database cannot be reached or a line cannot be read.
pub async fn query_database(config: &PgConfig, filter: &Filter) -> Result<Vec<Hit>, AuditError> {
    let target = config.target()?;
    let mut hits = Hits::open(&target, None).await?;
    let mut out = Vec::new();
    while let Some(hit) = hits.next().await {
        let hit = hit?;
        if filter.matches(&hit.record) {
            out.push(hit);
        }
    }
    Ok(out)
}

/// `%XX` decoded (for a path in the URL).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `postgres://user@host:port/db`: never the password.
fn describe(c: &tokio_postgres::Config) -> String {
    let host = c
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

fn tls_connector(ca: &Path) -> Result<tokio_postgres_rustls::MakeRustlsConnect, AuditError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let bad = |message: String| AuditError::Key {
        path: ca.to_path_buf(),
        message,
    };
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca)
        .map_err(|e| bad(format!("cannot read the database's CA file: {e}")))?;
    for cert in certs {
        let cert = cert.map_err(|e| bad(format!("not a PEM certificate file: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| bad(format!("not a usable CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(bad(
            "holds no certificate; give the CA that signed the database server's certificate"
                .into(),
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// A connection, its driver running on the runtime.
async fn connect(target: &Target) -> Result<Client, AuditError> {
    let failed = |e: tokio_postgres::Error| {
        AuditError::Database(format!("cannot connect to {}: {e}", target.described))
    };
    match &target.tls {
        Tls::Disabled => {
            let (client, conn) = target
                .config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(failed)?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!("audit database connection closed: {e}");
                }
            });
            Ok(client)
        }
        Tls::VerifyFull(tls) => {
            let (client, conn) = target.config.connect(tls.clone()).await.map_err(failed)?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!("audit database connection closed: {e}");
                }
            });
            Ok(client)
        }
    }
}

fn db(what: &str) -> impl Fn(tokio_postgres::Error) -> AuditError + '_ {
    move |e| AuditError::Database(format!("{what}: {e}"))
}

/// Apply the migrations not yet applied, one replica at a time.
async fn migrate(client: &mut Client) -> Result<(), AuditError> {
    let tx = client
        .transaction()
        .await
        .map_err(db("cannot begin the migration"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db("cannot take the migration lock"))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS interop_migrations (
             version integer PRIMARY KEY,
             name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .map_err(db("cannot create interop_migrations"))?;
    let applied: Vec<i32> = tx
        .query("SELECT version FROM interop_migrations", &[])
        .await
        .map_err(db("cannot read interop_migrations"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if let Some(newer) = applied
        .iter()
        .find(|v| !MIGRATIONS.iter().any(|(m, _, _)| m == *v))
    {
        return Err(AuditError::Database(format!(
            "the database's schema has migration {newer}, which this gateway does not know: it \
             was migrated by a newer version; run that version"
        )));
    }
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.batch_execute(sql)
            .await
            .map_err(|e| AuditError::Database(format!("migration {name}: {e}")))?;
        tx.execute(
            "INSERT INTO interop_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await
        .map_err(db("cannot record a migration"))?;
        tracing::info!("audit database: applied migration {name}");
    }
    tx.commit().await.map_err(db("cannot commit the migration"))
}

/// The tip's head as a verifier reads it.
fn head_state(text: Option<String>) -> HeadState {
    match text {
        None => HeadState::Missing,
        Some(t) => match serde_json::from_str::<Head>(&t) {
            Ok(h) => HeadState::Present(h),
            Err(e) => HeadState::Unreadable(format!("the tip's head is not a head: {e}")),
        },
    }
}

/// Verify the whole chain in the database against the replicas' public `keys`, in one
/// consistent snapshot. Tampering is a report, not an error.
///
/// # Errors
/// When the database cannot be reached or read.
pub async fn verify_database(
    config: &PgConfig,
    keys: &[VerifyingKey],
) -> Result<VerifyReport, AuditError> {
    let target = config.target()?;
    let mut client = connect(&target).await?;
    verify_with(&mut client, &target.described, keys).await
}

/// Load this replica's signing key from `gateway.key` in `dir`, creating it (0600, with
/// `gateway.pub`) when missing, and return its public half: what the other replicas and the
/// auditor must be given.
///
/// # Errors
/// [`AuditError::Key`] for an unusable key, [`AuditError::Io`].
pub fn replica_key(dir: &Path) -> Result<VerifyingKey, AuditError> {
    std::fs::create_dir_all(dir).map_err(|e| AuditError::io(dir, "create", e))?;
    Ok(key::load_or_create(dir)?.verifying_key())
}

/// Read the public keys in `files` (hex, as `gateway.pub`).
///
/// # Errors
/// [`AuditError::Key`] for a file that is not a public key.
pub fn load_public_keys(files: &[PathBuf]) -> Result<Vec<VerifyingKey>, AuditError> {
    files.iter().map(|f| key::load_public(f)).collect()
}

async fn verify_with(
    client: &mut Client,
    described: &str,
    keys: &[VerifyingKey],
) -> Result<VerifyReport, AuditError> {
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(db("cannot begin reading the chain"))?;
    let head = tx
        .query_opt("SELECT head FROM audit_tip WHERE id = 1", &[])
        .await
        .map_err(db("cannot read the chain's tip"))?
        .map(|r| r.get::<_, String>(0));
    let mut bytes = Vec::new();
    let rows = tx
        .query_raw(
            "SELECT line FROM audit_lines ORDER BY seq",
            std::iter::empty::<i64>(),
        )
        .await
        .map_err(db("cannot read the chain"))?;
    pin_mut!(rows);
    while let Some(row) = rows.next().await {
        let row = row.map_err(db("cannot read the chain"))?;
        bytes.extend_from_slice(row.get::<_, &str>(0).as_bytes());
        bytes.push(b'\n');
    }
    drop(tx);
    let keys = keys.to_vec();
    let log = PathBuf::from(described);
    // The tip row plays the part of audit.head: reports name it so.
    let tip = PathBuf::from(format!("{described} (the audit_tip row)"));
    tokio::task::spawn_blocking(move || verify::scan(&log, &tip, &bytes, &keys, head_state(head)))
        .await
        .map_err(|e| AuditError::WriterFailed(format!("the verify task failed: {e}")))
}

type Reply = oneshot::Sender<Result<Appended, AuditError>>;

enum Command {
    Append(Box<AuditRecord>, Reply),
    Close(oneshot::Sender<Result<(), AuditError>>),
}

/// The audit chain in PostgreSQL, as one replica appends to it and reads it.
pub struct PgLog {
    tx: mpsc::UnboundedSender<Command>,
    target: Arc<Target>,
    keys: Arc<Vec<VerifyingKey>>,
    counters: Arc<super::writer::Counters>,
    failure: Arc<Mutex<Option<String>>>,
}

impl PgLog {
    /// Connect, apply the migrations, verify the whole chain against `replica_keys` (this
    /// replica's own key, from `gateway.key` in `key_dir`, created when missing, is always
    /// trusted) and start the writer.
    ///
    /// # Errors
    /// [`AuditError::Tampered`] when the chain does not verify (a replica whose key is not in
    /// `replica_keys` is reported as an unknown key), [`AuditError::Database`] when it cannot
    /// be reached, [`AuditError::Key`] for an unusable key.
    pub async fn open(
        config: &PgConfig,
        key_dir: &Path,
        gateway_id: &str,
        replica_keys: Vec<VerifyingKey>,
        options: Options,
    ) -> Result<PgLog, AuditError> {
        let target = Arc::new(config.target()?);
        let dir = key_dir.to_path_buf();
        let key = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir).map_err(|e| AuditError::io(&dir, "create", e))?;
            key::load_or_create(&dir)
        })
        .await
        .map_err(|e| AuditError::WriterFailed(format!("the key task failed: {e}")))??;
        let mut keys = replica_keys;
        if !keys.contains(&key.verifying_key()) {
            keys.push(key.verifying_key());
        }
        let mut client = connect(&target).await?;
        migrate(&mut client).await?;
        // A new chain: its tip (seq 0, signed by whichever replica got here first) exists before
        // any line, so that from now on a missing tip always means one was deleted.
        let genesis = line::genesis_prev();
        let head = Head {
            seq: 0,
            hash: genesis.clone(),
            prev: genesis.clone(),
            checkpoint: Checkpoint::sign(&key, 0, &genesis, now_rfc3339(), gateway_id, 0),
        };
        let head_text =
            serde_json::to_string(&head).map_err(|e| AuditError::WriterFailed(e.to_string()))?;
        client
            .execute(
                "INSERT INTO audit_tip (id, seq, hash, records, head)
                 SELECT 1, 0, $1, 0, $2
                 WHERE NOT EXISTS (SELECT 1 FROM audit_lines)
                 ON CONFLICT (id) DO NOTHING",
                &[&genesis, &head_text],
            )
            .await
            .map_err(db("cannot create the chain's tip"))?;
        let report = verify_with(&mut client, &target.described, &keys).await?;
        if !report.is_ok() {
            return Err(AuditError::Tampered(Box::new(report)));
        }
        let counters = Arc::new(super::writer::Counters::default());
        let failure = Arc::new(Mutex::new(None));
        let (tx, rx) = mpsc::unbounded_channel();
        let statements = Statements::prepare(&client).await?;
        let writer = PgWriter {
            client,
            statements,
            last_batch: 0,
            pending_close: None,
            s: Signer {
                key,
                gateway: gateway_id.to_string(),
                since_checkpoint: 0,
                last_checkpoint: Instant::now(),
                options,
                counters: counters.clone(),
            },
            described: target.described.clone(),
        };
        let fail = failure.clone();
        tokio::spawn(writer.run(rx, fail));
        Ok(PgLog {
            tx,
            target,
            keys: Arc::new(keys),
            counters,
            failure,
        })
    }

    fn stopped(&self) -> AuditError {
        match &*self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Some(why) => AuditError::WriterFailed(why.clone()),
            None => AuditError::Closed,
        }
    }
}

impl AuditStore for PgLog {
    fn append(&self, record: AuditRecord) -> BoxFuture<'_, Result<Appended, AuditError>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            if self
                .tx
                .send(Command::Append(Box::new(record), reply))
                .is_err()
            {
                return Err(self.stopped());
            }
            answer.await.unwrap_or_else(|_| Err(self.stopped()))
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AuditError>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            let closed = |e: AuditError| match e {
                AuditError::Closed => Ok(()),
                e => Err(e),
            };
            if self.tx.send(Command::Close(reply)).is_err() {
                return closed(self.stopped());
            }
            match answer.await {
                Ok(result) => result,
                Err(_) => closed(self.stopped()),
            }
        })
    }

    fn page(
        &self,
        filter: Filter,
        after: Option<u64>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Page, AuditError>> {
        Box::pin(async move {
            let mut records = Vec::new();
            let mut more = false;
            let mut hits = Hits::open(&self.target, after).await?;
            while let Some(hit) = hits.next().await {
                let hit = hit?;
                if !filter.matches(&hit.record) {
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
        })
    }

    fn stream(
        &self,
        filter: Filter,
        after: Option<u64>,
        limit: Option<usize>,
        out: tokio::sync::mpsc::Sender<Hit>,
    ) -> BoxFuture<'_, Result<(), AuditError>> {
        Box::pin(async move {
            let mut left = limit.unwrap_or(usize::MAX);
            let mut hits = Hits::open(&self.target, after).await?;
            while let Some(hit) = hits.next().await {
                let hit = hit?;
                if !filter.matches(&hit.record) {
                    continue;
                }
                if left == 0 {
                    break;
                }
                left -= 1;
                // The reader went away: stop reading.
                if out.send(hit).await.is_err() {
                    break;
                }
            }
            Ok(())
        })
    }

    fn verify(&self) -> BoxFuture<'_, Result<VerifyReport, AuditError>> {
        Box::pin(async move {
            let mut client = connect(&self.target).await?;
            verify_with(&mut client, &self.target.described, &self.keys).await
        })
    }

    fn stats(&self) -> WriterStats {
        self.counters.snapshot()
    }

    fn describe(&self) -> String {
        self.target.described.clone()
    }
}

struct PgWriter {
    client: Client,
    statements: Statements,
    /// Records in the last transaction: more than one means load, and the next waits its window.
    last_batch: usize,
    /// A close that arrived while a transaction gathered appends under the tip's lock.
    pending_close: Option<oneshot::Sender<Result<(), AuditError>>>,
    s: Signer,
    described: String,
}

/// The append transaction's three statements, prepared once per connection: PostgreSQL parses
/// and plans them once, not in every transaction, and each runs without a `Parse` round trip.
struct Statements {
    lock_tip: tokio_postgres::Statement,
    insert_lines: tokio_postgres::Statement,
    move_tip: tokio_postgres::Statement,
}

impl Statements {
    async fn prepare(client: &Client) -> Result<Statements, AuditError> {
        let (lock_tip, insert_lines, move_tip) = tokio::try_join!(
            client.prepare("SELECT seq, hash, records FROM audit_tip WHERE id = 1 FOR UPDATE"),
            client.prepare(
                "INSERT INTO audit_lines (seq, line, gateway, checkpoint)
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[])"
            ),
            client.prepare(
                "UPDATE audit_tip SET seq = $1, hash = $2, records = $3, head = COALESCE($4, head)
                 WHERE id = 1"
            ),
        )
        .map_err(db("cannot prepare the append's statements"))?;
        Ok(Statements {
            lock_tip,
            insert_lines,
            move_tip,
        })
    }
}

/// What a replica's writer knows besides its connection: its key and its checkpoint schedule.
struct Signer {
    key: SigningKey,
    gateway: String,
    /// Records this replica appended since it last signed a checkpoint.
    since_checkpoint: u64,
    last_checkpoint: Instant,
    options: Options,
    counters: Arc<super::writer::Counters>,
}

impl PgWriter {
    async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Command>,
        failure: Arc<Mutex<Option<String>>>,
    ) {
        loop {
            let wait = if self.s.since_checkpoint > 0 {
                self.s
                    .options
                    .checkpoint_interval
                    .saturating_sub(self.s.last_checkpoint.elapsed())
            } else {
                Duration::from_secs(3600)
            };
            let mut batch = Vec::new();
            let mut close = self.pending_close.take();
            let mut finishing = false;
            // (A close may have arrived while the last transaction held the tip's lock.)
            if close.is_none() {
                match tokio::time::timeout(wait, rx.recv()).await {
                    Ok(Some(Command::Append(r, reply))) => batch.push((r, reply)),
                    Ok(Some(Command::Close(reply))) => close = Some(reply),
                    Ok(None) => finishing = true,
                    Err(_) => {}
                }
            }
            // Group commit: everything that queued while the last transaction ran.
            while close.is_none() && !finishing && batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(Command::Append(r, reply)) => batch.push((r, reply)),
                    Ok(Command::Close(reply)) => close = Some(reply),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => finishing = true,
                }
            }
            // Under load, wait the window for company, as the file log does: each transaction
            // costs both sides CPU whatever it carries, and with several replicas each sees only
            // its share of the requests, so without the window their batches shrink and the
            // database runs several times the transactions for the same records.
            if close.is_none() && !finishing && self.last_batch > 1 && !batch.is_empty() {
                let until = tokio::time::Instant::now() + self.s.options.group_window;
                while batch.len() < MAX_BATCH {
                    match tokio::time::timeout_at(until, rx.recv()).await {
                        Ok(Some(Command::Append(r, reply))) => batch.push((r, reply)),
                        Ok(Some(Command::Close(reply))) => {
                            close = Some(reply);
                            break;
                        }
                        Ok(None) => {
                            finishing = true;
                            break;
                        }
                        Err(_) => break,
                    }
                }
            }
            self.last_batch = batch.len();
            finishing |= close.is_some();
            let result = self.commit(batch, &mut rx, finishing).await;
            if let Err(why) = &result {
                tracing::error!(database = %self.described, "audit writer stopped: {why}");
                *failure
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(why.clone());
            }
            if finishing || result.is_err() {
                rx.close();
                while let Ok(cmd) = rx.try_recv() {
                    match cmd {
                        Command::Append(_, reply) => {
                            let _ = reply.send(Err(match &result {
                                Err(why) => AuditError::WriterFailed(why.clone()),
                                Ok(()) => AuditError::Closed,
                            }));
                        }
                        Command::Close(reply) => {
                            let _ = reply.send(Ok(()));
                        }
                    }
                }
                if let Some(reply) = close {
                    let _ = reply.send(result.map_err(AuditError::WriterFailed));
                }
                return;
            }
        }
    }

    /// One transaction: lock the tip, seal the batch after it, insert, move the tip, commit;
    /// then answer. An error stops the writer: after a failed commit nobody knows whether it
    /// landed, so nothing more may be acknowledged from this connection.
    async fn commit(
        &mut self,
        mut batch: Vec<(Box<AuditRecord>, Reply)>,
        rx: &mut mpsc::UnboundedReceiver<Command>,
        finishing: bool,
    ) -> Result<(), String> {
        let checkpoint_due = self.s.since_checkpoint > 0
            && (finishing
                || self.s.last_checkpoint.elapsed() >= self.s.options.checkpoint_interval);
        if batch.is_empty() && !checkpoint_due {
            return Ok(());
        }
        let fail = |what: &str, e: tokio_postgres::Error| format!("{what}: {e}");
        // Two round trips: `BEGIN` and the tip's lock sent together (pipelined on the one
        // connection), then the lines, the tip and `COMMIT` together. The row lock is held for
        // one round trip and the commit's WAL flush, which is what other replicas queue on.
        // Any error stops the writer and drops the connection, which rolls the transaction back.
        let (begun, tip) = tokio::join!(
            self.client.batch_execute("BEGIN"),
            self.client.query_opt(&self.statements.lock_tip, &[]),
        );
        begun.map_err(|e| fail("cannot begin an append", e))?;
        let tip = tip
            .map_err(|e| fail("cannot lock the chain's tip", e))?
            .ok_or("the chain's tip (audit_tip) is gone: it was deleted")?;
        // Appends that queued while the lock was awaited join this transaction: under
        // contention that wait is other replicas' transactions, and gathering in it is free
        // (records are sealed after the lock, on the tip it gave). A close waits its turn.
        while batch.len() < MAX_BATCH && self.pending_close.is_none() {
            match rx.try_recv() {
                Ok(Command::Append(r, reply)) => batch.push((r, reply)),
                Ok(Command::Close(reply)) => self.pending_close = Some(reply),
                Err(_) => break,
            }
        }
        self.last_batch = batch.len();
        let mut next_seq = u64::try_from(tip.get::<_, i64>(0)).map_err(|e| e.to_string())? + 1;
        let mut prev: String = tip.get(1);
        let mut records = u64::try_from(tip.get::<_, i64>(2)).map_err(|e| e.to_string())?;
        let mut rows = Rows::default();
        let mut head: Option<Head> = None;
        let mut done = Vec::with_capacity(batch.len());
        for (mut record, reply) in batch {
            if record.time.is_empty() {
                record.time = now_rfc3339();
            }
            if record.gateway.is_empty() {
                record.gateway.clone_from(&self.s.gateway);
            }
            let gateway = record.gateway.clone();
            let first_seq = next_seq;
            let parts = (*record).into_lines(first_seq);
            let mut sealed_parts = Vec::with_capacity(parts.len());
            let mut chain = prev.clone();
            let mut failed = None;
            for (i, part) in parts.iter().enumerate() {
                match line::seal_record(first_seq + i as u64, &chain, part) {
                    Ok(s) => {
                        chain.clone_from(&s.hash);
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
                prev = rows.push(next_seq, sealed, &gateway, false)?;
                next_seq += 1;
                records += 1;
                self.s.since_checkpoint += 1;
            }
            done.push((
                reply,
                Appended {
                    seq: first_seq,
                    hash: first_hash,
                },
            ));
            if self.s.since_checkpoint >= self.s.options.checkpoint_every {
                let (h, sealed) = self.s.checkpoint(next_seq, &prev, records)?;
                prev = rows.push(next_seq, sealed, &self.s.gateway, true)?;
                head = Some(h);
                next_seq += 1;
            }
        }
        if self.s.since_checkpoint > 0
            && (finishing || self.s.last_checkpoint.elapsed() >= self.s.options.checkpoint_interval)
        {
            let (h, sealed) = self.s.checkpoint(next_seq, &prev, records)?;
            prev = rows.push(next_seq, sealed, &self.s.gateway, true)?;
            head = Some(h);
            next_seq += 1;
        }
        if rows.seqs.is_empty() {
            // Every record of the batch was refused (each has had its answer): nothing to write.
            return self
                .client
                .batch_execute("ROLLBACK")
                .await
                .map_err(|e| fail("cannot end an empty append", e));
        }
        let answer_all = |done: Vec<(Reply, Appended)>, why: &str| {
            for (reply, _) in done {
                let _ = reply.send(Err(AuditError::WriterFailed(why.to_string())));
            }
        };
        let result: Result<(), String> = async {
            let last = i64::try_from(next_seq - 1).map_err(|e| e.to_string())?;
            let records = i64::try_from(records).map_err(|e| e.to_string())?;
            let head_text = match &head {
                Some(h) => Some(serde_json::to_string(h).map_err(|e| e.to_string())?),
                None => None,
            };
            let lines: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
                [&rows.seqs, &rows.lines, &rows.gateways, &rows.checkpoints];
            let tip: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
                [&last, &prev, &records, &head_text];
            let (inserted, moved, committed) = tokio::join!(
                self.client.execute(&self.statements.insert_lines, &lines),
                self.client.execute(&self.statements.move_tip, &tip),
                self.client.batch_execute("COMMIT"),
            );
            // In that order: after a failed statement PostgreSQL answers `COMMIT` by rolling
            // back without an error, so the commit counts only when both statements succeeded.
            inserted.map_err(|e| fail("cannot insert audit lines", e))?;
            match moved {
                Ok(1) => {}
                Ok(n) => return Err(format!("moving the chain's tip changed {n} rows, not 1")),
                Err(e) => return Err(fail("cannot move the chain's tip", e)),
            }
            committed.map_err(|e| fail("cannot commit audit lines", e))
        }
        .await;
        if let Err(why) = result {
            answer_all(done, &why);
            return Err(why);
        }
        self.s.counters.syncs.fetch_add(1, Ordering::Relaxed);
        self.s
            .counters
            .records
            .fetch_add(done.len() as u64, Ordering::Relaxed);
        for (reply, appended) in done {
            let _ = reply.send(Ok(appended));
        }
        Ok(())
    }
}

impl Signer {
    /// A checkpoint at `seq` over the chain so far, signed by this replica.
    fn checkpoint(
        &mut self,
        seq: u64,
        prev: &str,
        records: u64,
    ) -> Result<(Head, line::Sealed), String> {
        let cp = Checkpoint::sign(&self.key, seq, prev, now_rfc3339(), &self.gateway, records);
        let sealed = line::seal_checkpoint(seq, prev, &cp)
            .map_err(|e| format!("cannot write a checkpoint: {e}"))?;
        let head = Head {
            seq,
            hash: sealed.hash.clone(),
            prev: prev.to_string(),
            checkpoint: cp,
        };
        self.since_checkpoint = 0;
        self.last_checkpoint = Instant::now();
        self.counters.checkpoints.fetch_add(1, Ordering::Relaxed);
        Ok((head, sealed))
    }
}

/// The lines of one transaction, as the arrays its `INSERT … unnest` takes.
#[derive(Default)]
struct Rows {
    seqs: Vec<i64>,
    lines: Vec<String>,
    gateways: Vec<String>,
    checkpoints: Vec<bool>,
}

impl Rows {
    /// Add a sealed line; returns its hash, the next line's `prev`.
    fn push(
        &mut self,
        seq: u64,
        sealed: line::Sealed,
        gateway: &str,
        checkpoint: bool,
    ) -> Result<String, String> {
        let mut bytes = sealed.bytes;
        // Stored without the newline the file would hold after it.
        bytes.pop();
        self.seqs
            .push(i64::try_from(seq).map_err(|e| e.to_string())?);
        self.lines
            .push(String::from_utf8(bytes).map_err(|e| e.to_string())?);
        self.gateways.push(gateway.to_string());
        self.checkpoints.push(checkpoint);
        Ok(sealed.hash)
    }
}

/// The chain's records after a seq, read in order as they are needed, whole (continuations
/// put back), checkpoints skipped.
struct Hits {
    _client: Client,
    rows: std::pin::Pin<Box<RowStream>>,
    pending: Option<Hit>,
    done: bool,
    described: String,
}

impl Hits {
    async fn open(target: &Target, after: Option<u64>) -> Result<Hits, AuditError> {
        let client = connect(target).await?;
        let from = i64::try_from(after.unwrap_or(0)).unwrap_or(i64::MAX);
        let rows = client
            .query_raw(
                "SELECT seq, line FROM audit_lines WHERE seq > $1 ORDER BY seq",
                [from],
            )
            .await
            .map_err(db("cannot read the chain"))?;
        Ok(Hits {
            _client: client,
            rows: Box::pin(rows),
            pending: None,
            done: false,
            described: target.described.clone(),
        })
    }

    async fn next(&mut self) -> Option<Result<Hit, AuditError>> {
        while !self.done {
            let Some(row) = self.rows.next().await else {
                self.done = true;
                break;
            };
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    self.done = true;
                    return Some(Err(db("cannot read the chain")(e)));
                }
            };
            let seq: i64 = row.get(0);
            let text: &str = row.get(1);
            let parsed = match line::parse_line(text.as_bytes()) {
                Ok(p) => p,
                Err(why) => {
                    self.done = true;
                    return Some(Err(AuditError::Malformed {
                        path: PathBuf::from(&self.described),
                        line: u64::try_from(seq).unwrap_or(0),
                        message: format!("{why}; run `interop audit verify --database` on it"),
                    }));
                }
            };
            if let Some(hit) = assemble(&mut self.pending, parsed.seq, parsed.seq, parsed.entry) {
                return Some(Ok(hit));
            }
        }
        self.pending.take().map(Ok)
    }
}
