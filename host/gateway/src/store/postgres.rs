//! The plugin store in PostgreSQL: one store that every gateway replica runs, so an install on
//! any machine is picked up by all of them.
//!
//! The tables are in `host/audit/migrations/0002_plugin_store.sql`. Components and policies
//! are stored once, by the SHA-256 of their bytes; the index (each connector's current and
//! previous version, and the key its id is bound to), the change log (the lines of
//! `changes.jsonl`, chained the same way) and each replica's load report are rows. A change
//! locks the one `plugin_store` row, so changes from several machines are one sequence, and
//! announces itself with `NOTIFY interop_plugin_store` in its own transaction.
//!
//! A running replica LISTENs on one connection of its own and applies the store as soon as it is
//! told; it also polls the generation every `[store] poll_ms`, which is what picks a change up
//! while that connection is lost (it reconnects, with a back-off, and applies at once when it
//! is back). That connection also says the replica is alive: `plugin_presence` names its
//! backend, and a load report counts only while that backend is in `pg_stat_activity`, so a
//! replica killed at any moment stops counting when the server notices its connection gone.
//!
//! Native code never goes through the database. Each replica compiles a component it loads,
//! from bytes whose hash and signature it has just checked, into its own `[store] dir`
//! (`compiled/SHA-ENGINE.cwasm`, with its BLAKE3 beside it), under the same rules as the files
//! store: owned by this user, written by no one else, named by the component's hash and the
//! engine's configuration, its hash checked before it is loaded.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use interop_audit::PgConfig;
use interop_audit::tokio_postgres::{Client, GenericClient, Transaction};
use interop_sandbox::Host;

use super::report::LoadReport;
use super::{
    BoxFuture, Change, Index, Loaded, PluginStore, Presence, Slot, Upgrade, Verifier, Version,
    check_chain, check_component, engine_fingerprint, finish_load, fsutil, new_change,
    not_installed, signer_change, stage, version_name,
};

/// The channel a change is announced on.
pub const CHANNEL: &str = "interop_plugin_store";
/// Largest component or policy a store takes from the database (a component is a few MiB).
const MAX_OBJECT_BYTES: i64 = 256 << 20;

/// The plugin store in PostgreSQL, as one gateway (or `interop plugin`) uses it.
pub struct PgStore {
    config: PgConfig,
    described: String,
    /// One connection, reconnected when lost; a change holds it for its transaction.
    client: tokio::sync::Mutex<Option<Client>>,
    /// This machine's directory for what is never shared: compiled artifacts and the policy
    /// files a connector is loaded under. `None` for `interop plugin`, which loads nothing.
    cache: Option<PathBuf>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("database", &self.described)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

fn db<'a>(
    described: &'a str,
    what: &'static str,
) -> impl Fn(interop_audit::tokio_postgres::Error) -> anyhow::Error + 'a {
    move |e| anyhow::anyhow!("plugin store {described}: {what}: {e}")
}

impl PgStore {
    /// Connect (bringing the schema up to date) and, for a gateway, open its local cache
    /// directory `cache` (created 0700; refused when others may write it).
    ///
    /// # Errors
    /// The database cannot be reached or migrated; the cache directory is not private.
    pub async fn open(config: PgConfig, cache: Option<&Path>) -> anyhow::Result<PgStore> {
        let described = config.describe()?;
        if let Some(dir) = cache {
            for d in [
                dir.to_path_buf(),
                dir.join("compiled"),
                dir.join("policies"),
            ] {
                fsutil::create_private_dir(&d)?;
                super::check_private(&d)?;
            }
        }
        let client = config
            .connect("interop-plugin-store")
            .await
            .with_context(|| format!("plugin store {described}"))?;
        Ok(PgStore {
            config,
            described,
            client: tokio::sync::Mutex::new(Some(client)),
            cache: cache.map(Path::to_path_buf),
        })
    }

    /// The connection, reconnected if it was lost.
    async fn conn(&self) -> anyhow::Result<tokio::sync::MappedMutexGuard<'_, Client>> {
        let mut guard = self.client.lock().await;
        if guard.as_ref().is_none_or(Client::is_closed) {
            *guard = None;
            let client = self
                .config
                .connect("interop-plugin-store")
                .await
                .with_context(|| format!("plugin store {}", self.described))?;
            *guard = Some(client);
        }
        Ok(tokio::sync::MutexGuard::map(guard, |c| {
            c.as_mut().expect("connected just above")
        }))
    }

    /// Read the index in `client` (a transaction, for a consistent view).
    async fn read_index(&self, client: &impl GenericClient) -> anyhow::Result<Index> {
        let d = &self.described;
        let generation: i64 = client
            .query_one("SELECT generation FROM plugin_store WHERE id = 1", &[])
            .await
            .map_err(db(d, "cannot read the generation"))?
            .get(0);
        let mut index = Index {
            generation: u64::try_from(generation).unwrap_or(0),
            ..Index::default()
        };
        for row in client
            .query(
                "SELECT id, current::text, previous::text FROM plugin_slots ORDER BY id",
                &[],
            )
            .await
            .map_err(db(d, "cannot read the index"))?
        {
            let id: String = row.get(0);
            let parse = |text: &str| -> anyhow::Result<Version> {
                serde_json::from_str(text).with_context(|| {
                    format!("plugin store {d}: connector `{id}` has a version that is not one")
                })
            };
            let current = parse(row.get::<_, &str>(1))?;
            let previous = row.get::<_, Option<&str>>(2).map(parse).transpose()?;
            index.plugins.insert(id, Slot { current, previous });
        }
        Ok(index)
    }

    /// Begin a change: lock the store's row and read the index as it is under the lock.
    async fn begin<'c>(&self, client: &'c mut Client) -> anyhow::Result<(Transaction<'c>, Index)> {
        let d = &self.described;
        let tx = client
            .transaction()
            .await
            .map_err(db(d, "cannot begin a change"))?;
        tx.execute("SELECT 1 FROM plugin_store WHERE id = 1 FOR UPDATE", &[])
            .await
            .map_err(db(d, "cannot lock the store"))?;
        let index = self.read_index(&tx).await?;
        Ok((tx, index))
    }

    /// Store a staged version's component and policy (once: the same hash is the same bytes).
    async fn put_parts(&self, tx: &Transaction<'_>, staged: &super::Staged) -> anyhow::Result<()> {
        let d = &self.described;
        let version = staged.version_record();
        tx.execute(
            "INSERT INTO plugin_objects (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&version.component_sha256, &staged.bytes],
        )
        .await
        .map_err(db(d, "cannot store the component"))?;
        tx.execute(
            "INSERT INTO plugin_policies (sha256, text) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&version.policy_sha256, &staged.policy_text],
        )
        .await
        .map_err(db(d, "cannot store the policy"))?;
        Ok(())
    }

    /// Write `slot` of `id` (or delete it), record the change, move the generation on, delete
    /// parts no version names, announce it, and commit.
    #[allow(clippy::too_many_arguments)]
    async fn publish(
        &self,
        tx: Transaction<'_>,
        index: &Index,
        id: &str,
        slot: Option<&Slot>,
        action: &str,
        actor: &str,
        from: Option<&Version>,
        to: Option<&Version>,
    ) -> anyhow::Result<()> {
        let d = &self.described;
        match slot {
            Some(slot) => {
                let current = serde_json::to_string(&slot.current)?;
                let previous = slot
                    .previous
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?;
                tx.execute(
                    "INSERT INTO plugin_slots (id, current, previous, signer)
                     VALUES ($1, $2::text::jsonb, $3::text::jsonb, $4)
                     ON CONFLICT (id) DO UPDATE SET current = EXCLUDED.current,
                         previous = EXCLUDED.previous, signer = EXCLUDED.signer",
                    &[&id, &current, &previous, &slot.current.signer],
                )
                .await
                .map_err(db(d, "cannot write the index"))?;
            }
            None => {
                tx.execute("DELETE FROM plugin_slots WHERE id = $1", &[&id])
                    .await
                    .map_err(db(d, "cannot write the index"))?;
            }
        }
        let last: Option<String> = tx
            .query_opt(
                "SELECT line FROM plugin_changes ORDER BY generation DESC LIMIT 1",
                &[],
            )
            .await
            .map_err(db(d, "cannot read the change log"))?
            .map(|r| r.get(0));
        let generation = index.generation + 1;
        let change = new_change(generation, action, id, actor, from, to, last.as_deref());
        let line = serde_json::to_string(&change)?;
        let g = i64::try_from(generation).context("the store's generation overflowed")?;
        tx.execute(
            "INSERT INTO plugin_changes (generation, line) VALUES ($1, $2)",
            &[&g, &line],
        )
        .await
        .map_err(db(d, "cannot record the change"))?;
        tx.execute(
            "UPDATE plugin_store SET generation = $1 WHERE id = 1",
            &[&g],
        )
        .await
        .map_err(db(d, "cannot move the generation on"))?;
        tx.batch_execute(
            "DELETE FROM plugin_objects o WHERE NOT EXISTS (SELECT 1 FROM plugin_slots s
                 WHERE s.current->>'component_sha256' = o.sha256
                    OR s.previous->>'component_sha256' = o.sha256);
             DELETE FROM plugin_policies p WHERE NOT EXISTS (SELECT 1 FROM plugin_slots s
                 WHERE s.current->>'policy_sha256' = p.sha256
                    OR s.previous->>'policy_sha256' = p.sha256);",
        )
        .await
        .map_err(db(d, "cannot delete what no version names"))?;
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&CHANNEL, &generation.to_string()],
        )
        .await
        .map_err(db(d, "cannot announce the change"))?;
        tx.commit()
            .await
            .map_err(db(d, "cannot commit the change"))?;
        Ok(())
    }

    /// A stored part (component or policy) by hash, bounded in size.
    async fn part(
        &self,
        table: &'static str,
        column: &'static str,
        sha: &str,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let d = &self.described;
        let client = self.conn().await?;
        // Only our own table and column names are formatted in.
        let row = client
            .query_opt(
                &format!(
                    "SELECT octet_length({column}), CASE WHEN octet_length({column}) <= $2::bigint THEN {column} END FROM {table} WHERE sha256 = $1"
                ),
                &[&sha, &MAX_OBJECT_BYTES],
            )
            .await
            .map_err(db(d, "cannot read a stored part"))?;
        let Some(row) = row else { return Ok(None) };
        let len: i32 = row.get(0);
        match row.get::<_, Option<Vec<u8>>>(1) {
            Some(bytes) => Ok(Some(bytes)),
            None => bail!(
                "plugin store {d}: {table} {sha} is {len} bytes, more than the {MAX_OBJECT_BYTES} a store takes"
            ),
        }
    }

    fn cache(&self) -> anyhow::Result<&Path> {
        self.cache.as_deref().with_context(|| {
            format!(
                "plugin store {}: loading a connector needs this machine's [store] dir for its compiled code",
                self.described
            )
        })
    }

    /// The policy text as a file in this machine's cache (what it is loaded from, and what
    /// `/v1/connectors` names), written when missing or not the right text.
    fn policy_file(&self, sha: &str, text: &[u8]) -> anyhow::Result<PathBuf> {
        let path = self.cache()?.join("policies").join(format!("{sha}.toml"));
        let intact = std::fs::read(&path)
            .map(|t| hex::encode(Sha256::digest(&t)) == sha)
            .unwrap_or(false);
        if !intact {
            fsutil::write_private(&path, text)?;
        }
        super::check_private(&path)?;
        Ok(path)
    }

    /// The component as native code from this machine's cache, compiled from the checked
    /// `bytes` when not there or not intact.
    async fn compiled(
        &self,
        host: &Host,
        name: &str,
        bytes: &[u8],
        component_sha: &str,
    ) -> anyhow::Result<Component> {
        let engine = engine_fingerprint(host);
        let path = self
            .cache()?
            .join("compiled")
            .join(format!("{component_sha}-{engine}.cwasm"));
        // The artifact's hash beside it: BLAKE3 (written since it is checked at every start),
        // or the SHA-256 a cache made before then holds.
        let blake3_path = path.with_extension("cwasm.blake3");
        let sha256_path = path.with_extension("cwasm.sha256");
        let recorded = [(&blake3_path, true), (&sha256_path, false)]
            .into_iter()
            .find_map(|(p, blake3)| std::fs::read_to_string(p).ok().map(|sum| (p, blake3, sum)));
        if let Some((sum_path, blake3, sum)) = recorded
            && path.exists()
        {
            super::check_private(&path)?;
            super::check_private(sum_path)?;
            let sum = sum.trim();
            let expected = if blake3 {
                interop_sandbox::artifacts::Expected::Blake3(sum)
            } else {
                interop_sandbox::artifacts::Expected::Sha256(sum)
            };
            // SAFETY: wasmtime runs these bytes as native code without validating them. This
            // machine made them with `Engine::precompile_component` from this component (named
            // by its hash, checked with its signature just now) under this engine's
            // configuration (named by its fingerprint); the file and its recorded hash are owned
            // by this user and no one else may write them or their directory (checked above),
            // and they are loaded only from sealed bytes that hash to the recorded sum.
            match unsafe {
                interop_sandbox::artifacts::deserialize_checked(host.engine(), &path, expected)
            } {
                Ok(component) => return Ok(component),
                Err(interop_sandbox::artifacts::CheckedLoadError::Load { reason, .. }) => {
                    bail!("{name}: cannot load {}: {reason}", path.display())
                }
                Err(e) => tracing::warn!("{name}: {e}; compiling it again"),
            }
        }
        let artifact = host.precompile(name, bytes).await?;
        fsutil::write_private(&path, &artifact)?;
        fsutil::write_private(
            &blake3_path,
            interop_sandbox::artifacts::blake3_hex(&artifact).as_bytes(),
        )?;
        let _ = std::fs::remove_file(&sha256_path);
        // SAFETY: made just now by this engine from these checked bytes.
        unsafe { Component::deserialize(host.engine(), &artifact) }
            .map_err(|e| anyhow::anyhow!("{name}: cannot load what was just compiled: {e:#}"))
    }

    /// Delete compiled artifacts and policy files of this machine's cache that no connector in
    /// `report` runs or was asked to run.
    fn prune(&self, report: &LoadReport) {
        let Some(cache) = &self.cache else { return };
        let keep: Vec<&str> = report
            .connectors
            .values()
            .flat_map(|c| {
                std::iter::once(c.component_sha256.as_str()).chain(c.running_sha256.as_deref())
            })
            .collect();
        let Ok(entries) = std::fs::read_dir(cache.join("compiled")) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !keep.iter().any(|k| name.starts_with(k))
                && let Err(e) = std::fs::remove_file(entry.path())
            {
                tracing::warn!("cannot remove {}: {e}", entry.path().display());
            }
        }
    }
}

/// Stop the task when the gateway stops watching.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Say so when another running replica already goes by this one's `gateway_id`: the two would
/// be one name in the audit chain and in install reports, and an install would wait for one of
/// them only. Logged, not refused: a replica restarted at once after a crash may still see its
/// old connection for a moment.
async fn warn_if_named_twice(client: &Client, gateway_id: &str) {
    let other = client
        .query_opt(
            "SELECT p.backend_pid, a.client_addr::text FROM plugin_presence p
             JOIN pg_stat_activity a
               ON a.pid = p.backend_pid AND a.backend_start = p.backend_start
             WHERE p.gateway_id = $1 AND p.backend_pid <> pg_backend_pid()",
            &[&gateway_id],
        )
        .await;
    if let Ok(Some(row)) = other {
        let pid: i32 = row.get(0);
        let addr: Option<String> = row.get(1);
        tracing::error!(
            "another running replica already calls itself {}: its database connection (pid {pid}, \
             from {}) is live; give each replica its own [server] gateway_id, or audit records \
             and install reports cannot tell the two apart",
            interop_sandbox::text::neutralise(gateway_id, 64),
            addr.as_deref().unwrap_or("a local socket")
        );
    }
}

/// Listen for changes and keep this replica's presence, reconnecting when the connection is
/// lost; each (re)connection wakes the gateway, which may have missed a change meanwhile.
async fn listen(config: PgConfig, gateway_id: String, changed: Arc<tokio::sync::Notify>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match config.listen("interop-plugin-listen", &[CHANNEL]).await {
            Ok((client, mut notes)) => {
                warn_if_named_twice(&client, &gateway_id).await;
                let present = client
                    .execute(
                        "INSERT INTO plugin_presence (gateway_id, backend_pid, backend_start)
                         SELECT $1, pid, backend_start FROM pg_stat_activity
                         WHERE pid = pg_backend_pid()
                         ON CONFLICT (gateway_id) DO UPDATE
                         SET backend_pid = EXCLUDED.backend_pid,
                             backend_start = EXCLUDED.backend_start",
                        &[&gateway_id],
                    )
                    .await;
                match present {
                    Ok(_) => {
                        backoff = Duration::from_millis(100);
                        changed.notify_one();
                        while notes.recv().await.is_some() {
                            changed.notify_one();
                        }
                        tracing::warn!(
                            "plugin store: lost the connection that hears of changes; polling until it is back"
                        );
                    }
                    Err(e) => tracing::warn!("plugin store: cannot record this replica: {e}"),
                }
                drop(client);
            }
            Err(e) => tracing::warn!("plugin store: cannot listen for changes: {e}"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

impl PluginStore for PgStore {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn generation(&self) -> BoxFuture<'_, anyhow::Result<u64>> {
        Box::pin(async move {
            let client = self.conn().await?;
            let g: i64 = client
                .query_one("SELECT generation FROM plugin_store WHERE id = 1", &[])
                .await
                .map_err(db(&self.described, "cannot read the generation"))?
                .get(0);
            Ok(u64::try_from(g).unwrap_or(0))
        })
    }

    fn index(&self) -> BoxFuture<'_, anyhow::Result<Index>> {
        Box::pin(async move {
            let mut client = self.conn().await?;
            let tx = client
                .build_transaction()
                .isolation_level(interop_audit::tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(db(&self.described, "cannot begin reading the index"))?;
            self.read_index(&tx).await
        })
    }

    fn changes(&self) -> BoxFuture<'_, anyhow::Result<Vec<Change>>> {
        Box::pin(async move {
            let client = self.conn().await?;
            let rows = client
                .query("SELECT line FROM plugin_changes ORDER BY generation", &[])
                .await
                .map_err(db(&self.described, "cannot read the change log"))?;
            let lines: Vec<&str> = rows.iter().map(|r| r.get::<_, &str>(0)).collect();
            check_chain(lines.into_iter(), |i| {
                format!("{} plugin_changes, change {i}", self.described)
            })
        })
    }

    fn install<'a>(
        &'a self,
        host: &'a Host,
        verifier: &'a dyn Verifier,
        component: &'a Path,
        policy: &'a Path,
        actor: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<(String, Version)>> {
        Box::pin(async move {
            let name = component.display().to_string();
            let bytes = std::fs::read(component).with_context(|| format!("cannot read {name}"))?;
            let policy_text = std::fs::read(policy)
                .with_context(|| format!("cannot read {}", policy.display()))?;
            let staged = stage(
                host,
                verifier,
                &name,
                bytes,
                &policy.display().to_string(),
                policy_text,
            )
            .await?;
            let mut client = self.conn().await?;
            let (tx, index) = self.begin(&mut client).await?;
            if index.plugins.contains_key(&staged.id) {
                bail!(
                    "connector `{}` is already installed; use `interop plugin upgrade {} {}`",
                    staged.id,
                    staged.id,
                    component.display()
                );
            }
            self.put_parts(&tx, &staged).await?;
            let version = staged.version_record();
            let slot = Slot {
                current: version.clone(),
                previous: None,
            };
            self.publish(
                tx,
                &index,
                &staged.id,
                Some(&slot),
                "install",
                actor,
                None,
                Some(&version),
            )
            .await?;
            Ok((staged.id, version))
        })
    }

    fn upgrade<'a>(
        &'a self,
        host: &'a Host,
        verifier: &'a dyn Verifier,
        id: &'a str,
        component: &'a Path,
        change: Upgrade<'a>,
        actor: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Version>> {
        Box::pin(async move {
            let Upgrade { policy, new_signer } = change;
            let current = PluginStore::index(self)
                .await?
                .plugins
                .remove(id)
                .ok_or_else(|| not_installed(id))?
                .current;
            let (policy_source, policy_text) = match policy {
                Some(p) => (
                    p.display().to_string(),
                    std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
                ),
                None => (
                    format!(
                        "the policy {id} runs under now ({})",
                        super::short(&current.policy_sha256)
                    ),
                    self.part("plugin_policies", "text", &current.policy_sha256)
                        .await?
                        .with_context(|| {
                            format!(
                                "plugin store {}: the policy of `{id}` is missing; give --policy",
                                self.described
                            )
                        })?,
                ),
            };
            let name = component.display().to_string();
            let bytes = std::fs::read(component).with_context(|| format!("cannot read {name}"))?;
            let staged = stage(host, verifier, &name, bytes, &policy_source, policy_text).await?;
            if staged.id != id {
                bail!(
                    "{} is connector `{}`, not `{id}`; install it with `interop plugin install`",
                    component.display(),
                    staged.id
                );
            }
            let mut client = self.conn().await?;
            let (tx, index) = self.begin(&mut client).await?;
            let Some(slot) = index.plugins.get(id) else {
                bail!("connector `{id}` was removed while the upgrade was being prepared");
            };
            // A connector id belongs to the key that signed it first (see the files store).
            let action = signer_change(
                id,
                slot.current.signer.as_deref(),
                staged.signer.as_deref(),
                new_signer,
            )?;
            self.put_parts(&tx, &staged).await?;
            let version = staged.version_record();
            let from = slot.current.clone();
            let next = Slot {
                current: version.clone(),
                previous: Some(from.clone()),
            };
            self.publish(
                tx,
                &index,
                id,
                Some(&next),
                action,
                actor,
                Some(&from),
                Some(&version),
            )
            .await?;
            Ok(version)
        })
    }

    fn rollback<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Version>> {
        Box::pin(async move {
            let mut client = self.conn().await?;
            let (tx, index) = self.begin(&mut client).await?;
            let slot = index.plugins.get(id).ok_or_else(|| not_installed(id))?;
            let Some(previous) = slot.previous.clone() else {
                bail!("connector `{id}` has no previous version to roll back to");
            };
            let from = slot.current.clone();
            let next = Slot {
                current: previous.clone(),
                previous: Some(from.clone()),
            };
            self.publish(
                tx,
                &index,
                id,
                Some(&next),
                "rollback",
                actor,
                Some(&from),
                Some(&previous),
            )
            .await?;
            Ok(previous)
        })
    }

    fn remove<'a>(&'a self, id: &'a str, actor: &'a str) -> BoxFuture<'a, anyhow::Result<Slot>> {
        Box::pin(async move {
            let mut client = self.conn().await?;
            let (tx, index) = self.begin(&mut client).await?;
            let slot = index
                .plugins
                .get(id)
                .cloned()
                .ok_or_else(|| not_installed(id))?;
            self.publish(
                tx,
                &index,
                id,
                None,
                "remove",
                actor,
                Some(&slot.current),
                None,
            )
            .await?;
            Ok(slot)
        })
    }

    fn load<'a>(
        &'a self,
        host: &'a Host,
        verifier: &'a dyn Verifier,
        id: &'a str,
        version: &'a Version,
    ) -> BoxFuture<'a, anyhow::Result<Loaded>> {
        Box::pin(async move {
            let name = version_name(id, version);
            let missing = |what: &str| {
                anyhow::anyhow!(
                    "{name}: its {what} is not in the plugin store {}: the store was altered; reinstall the connector",
                    self.described
                )
            };
            let bytes = self
                .part("plugin_objects", "bytes", &version.component_sha256)
                .await?
                .ok_or_else(|| missing("component"))?;
            check_component(
                &name,
                &format!("plugin_objects {}", super::short(&version.component_sha256)),
                &bytes,
                version,
                verifier,
            )?;
            let policy_text = self
                .part("plugin_policies", "text", &version.policy_sha256)
                .await?
                .ok_or_else(|| missing("policy"))?;
            if hex::encode(Sha256::digest(&policy_text)) != version.policy_sha256 {
                bail!(
                    "{name}: plugin_policies {} does not hash to its name: the store was altered; reinstall the connector",
                    super::short(&version.policy_sha256)
                );
            }
            let policy_path = self.policy_file(&version.policy_sha256, &policy_text)?;
            let component = self
                .compiled(host, &name, &bytes, &version.component_sha256)
                .await?;
            finish_load(host, &name, id, version, &component, policy_path).await
        })
    }

    fn hold<'a>(&'a self, gateway_id: &'a str) -> BoxFuture<'a, anyhow::Result<Presence>> {
        Box::pin(async move {
            let changed = Arc::new(tokio::sync::Notify::new());
            let task = tokio::spawn(listen(
                self.config.clone(),
                gateway_id.to_string(),
                changed.clone(),
            ));
            Ok(Presence {
                _held: Some(Box::new(AbortOnDrop(task))),
                changed: Some(changed),
            })
        })
    }

    fn write_report<'a>(&'a self, report: &'a LoadReport) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let text = serde_json::to_string(report)?;
            let generation = i64::try_from(report.generation).unwrap_or(i64::MAX);
            {
                let client = self.conn().await?;
                client
                    .execute(
                        "INSERT INTO plugin_loads (gateway_id, generation, report, updated_at)
                         VALUES ($1, $2, $3, now())
                         ON CONFLICT (gateway_id) DO UPDATE SET generation = EXCLUDED.generation,
                             report = EXCLUDED.report, updated_at = now()",
                        &[&report.gateway_id, &generation, &text],
                    )
                    .await
                    .map_err(db(
                        &self.described,
                        "cannot write this gateway's load report",
                    ))?;
            }
            self.prune(report);
            Ok(())
        })
    }

    fn withdraw_report<'a>(&'a self, gateway_id: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let client = self.conn().await?;
            client
                .execute(
                    "WITH gone AS (DELETE FROM plugin_loads WHERE gateway_id = $1)
                     DELETE FROM plugin_presence WHERE gateway_id = $1",
                    &[&gateway_id],
                )
                .await
                .map_err(db(&self.described, "cannot withdraw the load report"))?;
            Ok(())
        })
    }

    fn running(&self) -> BoxFuture<'_, anyhow::Result<Vec<LoadReport>>> {
        Box::pin(async move {
            let client = self.conn().await?;
            let rows = client
                .query(
                    "SELECT l.gateway_id, l.report FROM plugin_loads l
                     JOIN plugin_presence p USING (gateway_id)
                     WHERE EXISTS (SELECT 1 FROM pg_stat_activity a
                                   WHERE a.pid = p.backend_pid
                                     AND a.backend_start = p.backend_start)
                     ORDER BY l.gateway_id",
                    &[],
                )
                .await
                .map_err(db(&self.described, "cannot read the load reports"))?;
            let mut out = Vec::new();
            for row in rows {
                let gateway: &str = row.get(0);
                match serde_json::from_str::<LoadReport>(row.get::<_, &str>(1)) {
                    Ok(r) => out.push(r),
                    Err(e) => tracing::warn!(
                        "plugin store: the load report of gateway {} is not one: {e}",
                        interop_sandbox::text::neutralise(gateway, 64)
                    ),
                }
            }
            Ok(out)
        })
    }
}
