//! The plugin store: the one source of truth for what a gateway runs.
//!
//! Behind the [`PluginStore`] trait, in one of two places: [`Store`], local files (the
//! embedded default, described here), or [`postgres::PgStore`], one store in PostgreSQL that
//! every replica runs, each compiling what it loads into its own directory.
//!
//! The files store is a directory, written only by the service account:
//!
//! ```text
//! STORE/
//!   index.json            which version of each connector is current, and the one before it
//!   changes.jsonl         every change, hash-chained, with who made it
//!   objects/SHA.wasm      components, by the SHA-256 of their bytes (signature included)
//!   policies/SHA.toml     policies, by the SHA-256 of their text
//!   compiled/SHA-ENGINE.cwasm   native code compiled from objects/SHA.wasm by an engine
//!                         whose configuration fingerprint is ENGINE
//!   store.lock            held by whoever is changing the store
//!   gateways/ID.json      what gateway ID loaded from the store, and why not (report.rs)
//!   gateways/ID.lock      held by gateway ID while it runs
//! ```
//!
//! Installing verifies the component's signature (a [`Verifier`]: the gateway's trust store),
//! compiles it once, checks it under its policy to learn its id (reading no secret: those are
//! the gateway's, read when it loads the connector), and only then writes anything.
//! `index.json` is replaced atomically, so a reader sees the old store or the new one, never
//! half of a change. A running gateway polls it and swaps connectors without a restart.
//!
//! Precompiled artifacts are native code that wasmtime loads without checking: the store
//! refuses to load one that is not owned by this user or that others may write, checks its
//! SHA-256 against the index, names it after the component's hash and the engine's
//! configuration, and verifies the component's signature again whenever it is loaded.

mod fsutil;
pub mod postgres;
pub mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use interop_sandbox::policy::Policy;
use interop_sandbox::{Connector, Host};

pub use fsutil::check_private;

/// Decides whether a component may run: the gateway's trust store, or a development switch.
pub trait Verifier: Send + Sync {
    /// Check `bytes` (the whole component, signature included). `Ok(Some(key id))` for a valid
    /// signature by a trusted key, `Ok(None)` for an unsigned component the operator has
    /// allowed, `Err(reason)` otherwise. Called before anything is compiled.
    ///
    /// # Errors
    /// Why the component may not run: unsigned, unknown key, revoked key, tampered.
    fn verify(&self, name: &str, bytes: &[u8]) -> Result<Option<String>, String>;

    /// [`Verifier::verify`], and the SHA-256 of `bytes` (lowercase hex) whatever the verdict:
    /// what [`Store::load`] checks a component against its name with. A verifier that hashes
    /// the bytes to check their signature can do both in one pass over them (the trust
    /// store's does); a Python component is tens of MB.
    fn verify_with_digest(
        &self,
        name: &str,
        bytes: &[u8],
    ) -> (Result<Option<String>, String>, String) {
        (self.verify(name, bytes), hex::encode(Sha256::digest(bytes)))
    }
}

/// One stored version of a connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// The connector's own version, from `describe`.
    pub version: String,
    /// SHA-256 of the component file: its name under `objects/`.
    pub component_sha256: String,
    /// SHA-256 of the policy text: its name under `policies/`.
    pub policy_sha256: String,
    /// The key that signed the component, or `None` if it was installed unsigned.
    pub signer: Option<String>,
    /// When it was installed (RFC 3339, UTC).
    pub installed_at: String,
    /// The engine fingerprint and SHA-256 of the precompiled artifact made at install.
    pub compiled: Compiled,
}

/// A precompiled artifact: which engine configuration made it, and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compiled {
    /// Fingerprint of the engine configuration that compiled it.
    pub engine: String,
    /// SHA-256 of the artifact.
    pub sha256: String,
    /// BLAKE3 of the artifact, checked instead of the SHA-256 at load when present (the same
    /// binding, several times faster over tens of MB); stores written before it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
}

impl Compiled {
    /// The hash the artifact must have to be loaded: its BLAKE3 when recorded, else its SHA-256.
    pub fn expected(&self) -> interop_sandbox::artifacts::Expected<'_> {
        match &self.blake3 {
            Some(b) => interop_sandbox::artifacts::Expected::Blake3(b),
            None => interop_sandbox::artifacts::Expected::Sha256(&self.sha256),
        }
    }
}

/// A connector's place in the store: what runs, and what a rollback returns to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// The version a gateway runs.
    pub current: Version,
    /// The version before it, kept for `plugin rollback`.
    pub previous: Option<Version>,
}

/// What `index.json` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Goes up by one with every change; a gateway reloads when it differs from what it runs.
    pub generation: u64,
    /// Installed connectors by id.
    pub plugins: BTreeMap<String, Slot>,
}

/// One line of `changes.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The index generation this change made.
    pub generation: u64,
    /// When (RFC 3339, UTC).
    pub time: String,
    /// `install`, `upgrade`, `rollback` or `remove`.
    pub action: String,
    /// The connector.
    pub id: String,
    /// Who made the change: the `--actor` given, or the OS user.
    pub actor: String,
    /// What ran before (absent for an install).
    pub from: Option<Version>,
    /// What runs now (absent for a remove).
    pub to: Option<Version>,
    /// SHA-256 of the previous line, so an edited or deleted line breaks the chain.
    pub prev_sha256: String,
}

/// A connector loaded from the store, ready to serve.
pub struct Loaded {
    /// The connector under its policy's effective grant.
    pub connector: Connector,
    /// Which stored version it is.
    pub version: Version,
    /// The policy it runs under (its review findings included).
    pub review: interop_sandbox::review::Review,
    /// The policy file in the store.
    pub policy_path: PathBuf,
}

/// An open plugin store.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// The name of the index file.
const INDEX: &str = "index.json";
const CHANGES: &str = "changes.jsonl";
const LOCK: &str = "store.lock";

impl Store {
    /// Open the store at `root`, creating it (mode 0700) if it does not exist.
    ///
    /// # Errors
    /// When it cannot be created, or it or its subdirectories may be written by others.
    pub fn open(root: impl AsRef<Path>) -> anyhow::Result<Store> {
        let root = root.as_ref().to_path_buf();
        for dir in [
            root.clone(),
            root.join("objects"),
            root.join("policies"),
            root.join("compiled"),
        ] {
            fsutil::create_private_dir(&dir)?;
            check_private(&dir)?;
        }
        Ok(Store { root })
    }

    /// Where the store lives.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The index as it is now (an empty one before the first install).
    ///
    /// # Errors
    /// When `index.json` cannot be read or is not an index.
    pub fn index(&self) -> anyhow::Result<Index> {
        let path = self.root.join(INDEX);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is not a plugin store index; restore it from a backup",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Every change ever made, oldest first, with the hash chain checked.
    ///
    /// # Errors
    /// When the log cannot be read, or a line was edited, removed or reordered.
    pub fn changes(&self) -> anyhow::Result<Vec<Change>> {
        let path = self.root.join(CHANGES);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        check_chain(text.lines(), |i| format!("{}:{i}", path.display()))
    }

    /// Verify, compile and install a connector that is not installed yet.
    ///
    /// # Errors
    /// A refused signature, a component that does not load under the policy, a connector
    /// already installed (upgrade it instead), a store that cannot be written.
    pub async fn install(
        &self,
        host: &Host,
        verifier: &dyn Verifier,
        component: &Path,
        policy: &Path,
        actor: &str,
    ) -> anyhow::Result<(String, Version)> {
        let staged = self.stage(host, verifier, component, policy).await?;
        let _lock = self.lock()?;
        let mut index = self.index()?;
        if index.plugins.contains_key(&staged.id) {
            bail!(
                "connector `{}` is already installed; use `interop plugin upgrade {} {}`",
                staged.id,
                staged.id,
                component.display()
            );
        }
        let version = self.commit_files(&staged)?;
        index.plugins.insert(
            staged.id.clone(),
            Slot {
                current: version.clone(),
                previous: None,
            },
        );
        self.publish(index, "install", &staged.id, actor, None, Some(&version))?;
        Ok((staged.id, version))
    }

    /// Replace the running version of `id` with `component`, under `policy` if given (else the
    /// policy it runs under now). The version it replaces is kept for a rollback.
    ///
    /// # Errors
    /// As [`Store::install`]; a connector not installed; a component that is another connector.
    pub async fn upgrade(
        &self,
        host: &Host,
        verifier: &dyn Verifier,
        id: &str,
        component: &Path,
        change: Upgrade<'_>,
        actor: &str,
    ) -> anyhow::Result<Version> {
        let Upgrade { policy, new_signer } = change;
        let current = self.slot(id)?.current;
        let kept_policy;
        let policy = match policy {
            Some(p) => p,
            None => {
                kept_policy = self.policy_path(&current.policy_sha256);
                &kept_policy
            }
        };
        let staged = self.stage(host, verifier, component, policy).await?;
        if staged.id != id {
            bail!(
                "{} is connector `{}`, not `{id}`; install it with `interop plugin install`",
                component.display(),
                staged.id
            );
        }
        let _lock = self.lock()?;
        let mut index = self.index()?;
        let Some(slot) = index.plugins.get_mut(id) else {
            bail!("connector `{id}` was removed while the upgrade was being prepared");
        };
        // A connector id belongs to the key that signed it first: a component another trusted
        // vendor signed would otherwise run under this one's policy and read its secrets.
        let action = signer_change(
            id,
            slot.current.signer.as_deref(),
            staged.signer.as_deref(),
            new_signer,
        )?;
        let version = self.commit_files(&staged)?;
        let from = slot.current.clone();
        slot.previous = Some(std::mem::replace(&mut slot.current, version.clone()));
        self.publish(index, action, id, actor, Some(&from), Some(&version))?;
        Ok(version)
    }

    /// Make the previous version of `id` current again; the one it replaces becomes the
    /// previous, so a second rollback undoes the first.
    ///
    /// # Errors
    /// A connector not installed, or with no previous version.
    pub fn rollback(&self, id: &str, actor: &str) -> anyhow::Result<Version> {
        let _lock = self.lock()?;
        let mut index = self.index()?;
        let slot = index.plugins.get_mut(id).ok_or_else(|| not_installed(id))?;
        let Some(previous) = slot.previous.take() else {
            bail!("connector `{id}` has no previous version to roll back to");
        };
        let from = std::mem::replace(&mut slot.current, previous.clone());
        slot.previous = Some(from.clone());
        self.publish(index, "rollback", id, actor, Some(&from), Some(&previous))?;
        Ok(previous)
    }

    /// Stop running `id` and forget it (its current and previous versions).
    ///
    /// # Errors
    /// A connector not installed.
    pub fn remove(&self, id: &str, actor: &str) -> anyhow::Result<Slot> {
        let _lock = self.lock()?;
        let mut index = self.index()?;
        let slot = index.plugins.remove(id).ok_or_else(|| not_installed(id))?;
        self.publish(index, "remove", id, actor, Some(&slot.current), None)?;
        Ok(slot)
    }

    /// Load the version of `id` that `version` names: read the component, check its hash,
    /// verify its signature again, load the precompiled artifact (compiling afresh if this
    /// engine's configuration differs from the one that made it), and apply the policy.
    ///
    /// # Errors
    /// A missing or altered file, a refused signature, an artifact others may write, a
    /// connector that does not load under its policy.
    pub async fn load(
        &self,
        host: &Host,
        verifier: &dyn Verifier,
        id: &str,
        version: &Version,
    ) -> anyhow::Result<Loaded> {
        let name = version_name(id, version);
        let object = self.object_path(&version.component_sha256);
        let place = object.display().to_string();
        let policy_path = self.policy_path(&version.policy_sha256);
        let policy_text = std::fs::read(&policy_path)
            .with_context(|| format!("{name}: cannot read {}", policy_path.display()))?;
        if hex::encode(Sha256::digest(&policy_text)) != version.policy_sha256 {
            bail!(
                "{name}: {} does not hash to its name: the store was altered; reinstall the connector",
                policy_path.display()
            );
        }
        let component = if engine_fingerprint(host) == version.compiled.engine {
            // The native code that runs is checked and sealed on its own (`compiled`); the
            // component is only checked here, still signed by a trusted key and still what its
            // name says, so it is read where it lies, not copied.
            let view = interop_sandbox::artifacts::FileView::open(&object)
                .with_context(|| format!("{name}: cannot read {place}"))?;
            check_component(&name, &place, view.bytes(), version, verifier)?;
            drop(view);
            self.cached(host, &name, version)?
        } else {
            // To be compiled: read once into memory nothing can change after, so the bytes
            // hashed and verified are the bytes compiled.
            let sealed = interop_sandbox::artifacts::SealedBytes::read(&object)
                .with_context(|| format!("{name}: cannot read {place}"))?;
            check_component(&name, &place, sealed.bytes(), version, verifier)?;
            tracing::info!(
                "{name}: compiled by another engine configuration ({}); compiling it again",
                version.compiled.engine
            );
            host.compile(&name, sealed.bytes()).await?
        };
        finish_load(host, &name, id, version, &component, policy_path).await
    }

    /// The slot of an installed connector.
    ///
    /// # Errors
    /// A connector not installed.
    pub fn slot(&self, id: &str) -> anyhow::Result<Slot> {
        self.index()?
            .plugins
            .remove(id)
            .ok_or_else(|| not_installed(id))
    }

    fn object_path(&self, sha: &str) -> PathBuf {
        self.root.join("objects").join(format!("{sha}.wasm"))
    }

    /// Where a stored policy lives.
    pub fn policy_path(&self, sha: &str) -> PathBuf {
        self.root.join("policies").join(format!("{sha}.toml"))
    }

    fn compiled_path(&self, component_sha: &str, engine: &str) -> PathBuf {
        self.root
            .join("compiled")
            .join(format!("{component_sha}-{engine}.cwasm"))
    }

    /// The component as native code from the stored artifact, which this engine made (the
    /// caller checked the fingerprint), when it is intact.
    fn cached(&self, host: &Host, name: &str, version: &Version) -> anyhow::Result<Component> {
        let path = self.compiled_path(&version.component_sha256, &version.compiled.engine);
        check_private(&path)?;
        // SAFETY: wasmtime runs these bytes as native code without validating them. They
        // are loaded only if they hash to what was recorded when they were made, by
        // `Engine::precompile_component` for this component (named by its hash, whose
        // signature was verified just now) under this engine's configuration (named by its
        // fingerprint), and loaded from the very bytes hashed; the file is owned by this
        // user and no one else may write it or its directory (checked above).
        let component = unsafe {
            interop_sandbox::artifacts::deserialize_checked(
                host.engine(),
                &path,
                version.compiled.expected(),
            )
        }
        .map_err(|e| match e {
            interop_sandbox::artifacts::CheckedLoadError::Mismatch { .. } => anyhow::anyhow!(
                "{name}: {} does not match the hash recorded when it was compiled: the store was altered; reinstall the connector",
                path.display()
            ),
            e => anyhow::anyhow!("{name}: {e}"),
        })?;
        Ok(component)
    }

    /// Everything an install or upgrade needs, prepared before the store is locked: verified,
    /// compiled, loaded under the policy.
    async fn stage(
        &self,
        host: &Host,
        verifier: &dyn Verifier,
        component: &Path,
        policy_path: &Path,
    ) -> anyhow::Result<Staged> {
        let name = component.display().to_string();
        let bytes = std::fs::read(component).with_context(|| format!("cannot read {name}"))?;
        let policy_text = std::fs::read(policy_path)
            .with_context(|| format!("cannot read {}", policy_path.display()))?;
        stage(
            host,
            verifier,
            &name,
            bytes,
            &policy_path.display().to_string(),
            policy_text,
        )
        .await
    }

    /// Write a staged version's files (content-addressed: an existing file is the same bytes).
    fn commit_files(&self, staged: &Staged) -> anyhow::Result<Version> {
        let version = staged.version_record();
        fsutil::write_private(&self.object_path(&version.component_sha256), &staged.bytes)?;
        fsutil::write_private(
            &self.policy_path(&version.policy_sha256),
            &staged.policy_text,
        )?;
        fsutil::write_private(
            &self.compiled_path(&version.component_sha256, &staged.engine),
            &staged.artifact,
        )?;
        Ok(version)
    }

    /// Record a change in `changes.jsonl`, then publish the new index (the moment a gateway
    /// sees it), then delete files no version refers to any more.
    fn publish(
        &self,
        mut index: Index,
        action: &str,
        id: &str,
        actor: &str,
        from: Option<&Version>,
        to: Option<&Version>,
    ) -> anyhow::Result<()> {
        index.generation += 1;
        let last = match std::fs::read_to_string(self.root.join(CHANGES)) {
            Ok(text) => Some(text.lines().last().unwrap_or_default().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).context("cannot read the store's change log"),
        };
        let change = new_change(
            index.generation,
            action,
            id,
            actor,
            from,
            to,
            last.as_deref(),
        );
        fsutil::append_line(&self.root.join(CHANGES), &serde_json::to_string(&change)?)?;
        fsutil::write_private(
            &self.root.join(INDEX),
            serde_json::to_string_pretty(&index)?.as_bytes(),
        )?;
        self.collect(&index)?;
        Ok(())
    }

    /// Delete objects, policies and artifacts that no current or previous version names.
    fn collect(&self, index: &Index) -> anyhow::Result<()> {
        let versions: Vec<&Version> = index
            .plugins
            .values()
            .flat_map(|s| std::iter::once(&s.current).chain(s.previous.as_ref()))
            .collect();
        let keep = |dir: &str, stem: &str| {
            versions.iter().any(|v| match dir {
                "objects" => v.component_sha256 == stem,
                "policies" => v.policy_sha256 == stem,
                _ => stem.starts_with(&v.component_sha256),
            })
        };
        for dir in ["objects", "policies", "compiled"] {
            for entry in std::fs::read_dir(self.root.join(dir))? {
                let path = entry?.path();
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if !keep(dir, &stem) {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot remove {}", path.display()))?;
                }
            }
        }
        Ok(())
    }

    /// Hold the store's write lock until the guard drops.
    fn lock(&self) -> anyhow::Result<std::fs::File> {
        let path = self.root.join(LOCK);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(file)
    }
}

/// The name a stored version goes by in messages.
fn version_name(id: &str, version: &Version) -> String {
    format!(
        "{id} {} (store object {})",
        version.version,
        short(&version.component_sha256)
    )
}

/// [`PluginStore::load`] of each `(id, version)`, up to one per core at once, each on a thread
/// of its own off the async workers (reading, hashing and verifying a component and mapping
/// its native code is tens of milliseconds of CPU for a Python one, and a gateway serving while
/// it reloads must keep answering). The results are in the order asked.
pub(crate) async fn load_many(
    store: std::sync::Arc<dyn PluginStore>,
    host: &Host,
    verifier: std::sync::Arc<dyn Verifier>,
    wanted: Vec<(String, Version)>,
) -> Vec<anyhow::Result<Loaded>> {
    let host = host.clone();
    crate::parallel::each(wanted, move |(id, version)| {
        let (store, host, verifier) = (store.clone(), host.clone(), verifier.clone());
        async move { store.load(&host, verifier.as_ref(), &id, &version).await }
    })
    .await
    .into_iter()
    .map(|r| r.and_then(|r| r))
    .collect()
}

/// Check a stored component before anything is compiled from it or loaded for it: its bytes
/// hash to the version's name for them, and its signature is still accepted, by the same key.
fn check_component(
    name: &str,
    place: &str,
    bytes: &[u8],
    version: &Version,
    verifier: &dyn Verifier,
) -> anyhow::Result<()> {
    // One pass over the bytes: the signature checked and the whole file hashed together.
    let (verdict, digest) = verifier.verify_with_digest(name, bytes);
    if digest != version.component_sha256 {
        bail!(
            "{name}: {place} does not hash to its name: the store was altered; reinstall the connector"
        );
    }
    let signer =
        verdict.map_err(|reason| anyhow::anyhow!("{name}: signature refused: {reason}"))?;
    if signer != version.signer {
        bail!(
            "{name}: signed by {} now but by {} when installed; reinstall the connector",
            signer.as_deref().unwrap_or("nobody"),
            version.signer.as_deref().unwrap_or("nobody")
        );
    }
    Ok(())
}

/// Load a checked component under the policy at `policy_path` (a file whose hash was checked).
async fn finish_load(
    host: &Host,
    name: &str,
    id: &str,
    version: &Version,
    component: &Component,
    policy_path: PathBuf,
) -> anyhow::Result<Loaded> {
    let policy = Policy::from_file(&policy_path)?;
    let (connector, review) = host
        .load_compiled_with_policy(name, component, &policy)
        .await?;
    if connector.info().id != id {
        bail!(
            "{name}: describes itself as `{}`; the store was altered; reinstall the connector",
            connector.info().id
        );
    }
    // What install refuses, a reload refuses too: a policy rated high since (a directory
    // that now holds the gateway's own data, say) does not run.
    refuse_high(&policy, &review).with_context(|| format!("{name}: not loaded"))?;
    Ok(Loaded {
        connector,
        version: version.clone(),
        review,
        policy_path,
    })
}

/// Everything an install or upgrade needs, prepared before the store is locked: the
/// component's signature verified, compiled, loaded under the policy.
async fn stage(
    host: &Host,
    verifier: &dyn Verifier,
    name: &str,
    bytes: Vec<u8>,
    policy_source: &str,
    policy_text: Vec<u8>,
) -> anyhow::Result<Staged> {
    let signer = verifier
        .verify(name, &bytes)
        .map_err(|reason| anyhow::anyhow!("{name}: signature refused: {reason}"))?;
    let text = std::str::from_utf8(&policy_text)
        .map_err(|e| anyhow::anyhow!("{policy_source}: not UTF-8 text: {e}"))?;
    let policy = Policy::parse(policy_source, text)?;
    let artifact = host.precompile(name, &bytes).await?;
    // SAFETY: made just now by this engine from these bytes.
    let compiled = unsafe { Component::deserialize(host.engine(), &artifact) }
        .map_err(|e| anyhow::anyhow!("{name}: cannot load what was just compiled: {e:#}"))?;
    // The secrets are the gateway's: it reads them when it loads the connector, and
    // reports whether it could (`gateways/`); the installer's shell need not hold them.
    let (connector, review) = host
        .check_compiled_with_policy(name, &compiled, &policy)
        .await?;
    refuse_high(&policy, &review)?;
    let info = connector.info();
    Ok(Staged {
        id: info.id.clone(),
        version: info.version.clone(),
        signer,
        bytes,
        policy_text,
        artifact,
        engine: engine_fingerprint(host),
    })
}

/// The change record of `generation`, chained to the line before it (`None`: the first).
fn new_change(
    generation: u64,
    action: &str,
    id: &str,
    actor: &str,
    from: Option<&Version>,
    to: Option<&Version>,
    last_line: Option<&str>,
) -> Change {
    Change {
        generation,
        time: interop_audit::now_rfc3339(),
        action: action.to_string(),
        id: id.to_string(),
        actor: actor.to_string(),
        from: from.cloned(),
        to: to.cloned(),
        prev_sha256: hex::encode(Sha256::digest(last_line.unwrap_or_default().as_bytes())),
    }
}

/// Parse a change log's lines, checking each is chained to the one before; `place(n)` names
/// line n (1-based) in an error.
fn check_chain<'a>(
    lines: impl Iterator<Item = &'a str>,
    place: impl Fn(usize) -> String,
) -> anyhow::Result<Vec<Change>> {
    let mut prev = hex::encode(Sha256::digest(b""));
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let change: Change = serde_json::from_str(line)
            .with_context(|| format!("{}: not a change record", place(i + 1)))?;
        if change.prev_sha256 != prev {
            bail!(
                "{}: the chain is broken here: a change before it was edited, removed or reordered",
                place(i + 1)
            );
        }
        prev = hex::encode(Sha256::digest(line.as_bytes()));
        out.push(change);
    }
    Ok(out)
}

/// A future a [`PluginStore`] returns.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What a running gateway holds while it runs on a store: it tells `interop plugin install`
/// that this gateway reports there, and it may wake the gateway when the store changes.
pub struct Presence {
    /// Dropped when the gateway stops watching.
    pub(crate) _held: Option<Box<dyn std::any::Any + Send + Sync>>,
    /// Notified when another process changed the store (PostgreSQL's LISTEN/NOTIFY); `None`
    /// when the store can only be polled.
    pub changed: Option<std::sync::Arc<tokio::sync::Notify>>,
}

/// Where the plugin store is kept: [`Store`], local files (the embedded default), or
/// [`postgres::PgStore`], one store in PostgreSQL that many replicas share. The rules (a
/// signature verified before anything is compiled, one change at a time, a change log chained
/// by hashes, the signer a connector id is bound to) are the same in both.
pub trait PluginStore: Send + Sync {
    /// Where it is, for messages: a directory, or `postgres://user@host:port/db` (no password).
    fn describe(&self) -> String;
    /// The index's generation, read cheaply: a gateway polls it.
    fn generation(&self) -> BoxFuture<'_, anyhow::Result<u64>>;
    /// The index as it is now.
    fn index(&self) -> BoxFuture<'_, anyhow::Result<Index>>;
    /// Every change ever made, oldest first, with the hash chain checked.
    fn changes(&self) -> BoxFuture<'_, anyhow::Result<Vec<Change>>>;
    /// See [`Store::install`].
    fn install<'a>(
        &'a self,
        host: &'a Host,
        verifier: &'a dyn Verifier,
        component: &'a Path,
        policy: &'a Path,
        actor: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<(String, Version)>>;
    /// See [`Store::upgrade`].
    fn upgrade<'a>(
        &'a self,
        host: &'a Host,
        verifier: &'a dyn Verifier,
        id: &'a str,
        component: &'a Path,
        change: Upgrade<'a>,
        actor: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Version>>;
    /// See [`Store::rollback`].
    fn rollback<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Version>>;
    /// See [`Store::remove`].
    fn remove<'a>(&'a self, id: &'a str, actor: &'a str) -> BoxFuture<'a, anyhow::Result<Slot>>;
    /// See [`Store::load`]. Native code comes from this machine only.
    fn load<'a>(
        &'a self,
        host: &'a Host,
        verifier: &'a dyn Verifier,
        id: &'a str,
        version: &'a Version,
    ) -> BoxFuture<'a, anyhow::Result<Loaded>>;
    /// Say that gateway `gateway_id` runs on this store, for as long as the result is held.
    fn hold<'a>(&'a self, gateway_id: &'a str) -> BoxFuture<'a, anyhow::Result<Presence>>;
    /// Publish this gateway's load report (after each apply).
    fn write_report<'a>(
        &'a self,
        report: &'a report::LoadReport,
    ) -> BoxFuture<'a, anyhow::Result<()>>;
    /// Take this gateway's report away: it no longer runs anything from the store.
    fn withdraw_report<'a>(&'a self, gateway_id: &'a str) -> BoxFuture<'a, anyhow::Result<()>>;
    /// The reports of the gateways running on the store now, by gateway id.
    fn running(&self) -> BoxFuture<'_, anyhow::Result<Vec<report::LoadReport>>>;
}

impl PluginStore for Store {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn generation(&self) -> BoxFuture<'_, anyhow::Result<u64>> {
        Box::pin(async move { Ok(Store::index(self)?.generation) })
    }

    fn index(&self) -> BoxFuture<'_, anyhow::Result<Index>> {
        Box::pin(async move { Store::index(self) })
    }

    fn changes(&self) -> BoxFuture<'_, anyhow::Result<Vec<Change>>> {
        Box::pin(async move { Store::changes(self) })
    }

    fn install<'a>(
        &'a self,
        host: &'a Host,
        verifier: &'a dyn Verifier,
        component: &'a Path,
        policy: &'a Path,
        actor: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<(String, Version)>> {
        Box::pin(Store::install(
            self, host, verifier, component, policy, actor,
        ))
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
        Box::pin(Store::upgrade(
            self, host, verifier, id, component, change, actor,
        ))
    }

    fn rollback<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Version>> {
        Box::pin(async move { Store::rollback(self, id, actor) })
    }

    fn remove<'a>(&'a self, id: &'a str, actor: &'a str) -> BoxFuture<'a, anyhow::Result<Slot>> {
        Box::pin(async move { Store::remove(self, id, actor) })
    }

    fn load<'a>(
        &'a self,
        host: &'a Host,
        verifier: &'a dyn Verifier,
        id: &'a str,
        version: &'a Version,
    ) -> BoxFuture<'a, anyhow::Result<Loaded>> {
        Box::pin(Store::load(self, host, verifier, id, version))
    }

    fn hold<'a>(&'a self, gateway_id: &'a str) -> BoxFuture<'a, anyhow::Result<Presence>> {
        Box::pin(async move {
            let held = report::hold(&self.root, gateway_id)?;
            Ok(Presence {
                _held: held.map(|f| Box::new(f) as Box<dyn std::any::Any + Send + Sync>),
                changed: None,
            })
        })
    }

    fn write_report<'a>(
        &'a self,
        report: &'a report::LoadReport,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move { report::write(&self.root, report) })
    }

    fn withdraw_report<'a>(&'a self, gateway_id: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let path = report::report_path(&self.root, gateway_id);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(e).with_context(|| format!("cannot remove {}", path.display()))
                }
                _ => Ok(()),
            }
        })
    }

    fn running(&self) -> BoxFuture<'_, anyhow::Result<Vec<report::LoadReport>>> {
        Box::pin(async move { Ok(report::running(&self.root)) })
    }
}

/// A version ready to be written.
struct Staged {
    id: String,
    version: String,
    signer: Option<String>,
    bytes: Vec<u8>,
    policy_text: Vec<u8>,
    artifact: Vec<u8>,
    engine: String,
}

impl Staged {
    /// The stored version this staged one becomes, named by the hashes of its parts.
    fn version_record(&self) -> Version {
        Version {
            version: self.version.clone(),
            component_sha256: hex::encode(Sha256::digest(&self.bytes)),
            policy_sha256: hex::encode(Sha256::digest(&self.policy_text)),
            signer: self.signer.clone(),
            installed_at: interop_audit::now_rfc3339(),
            compiled: Compiled {
                engine: self.engine.clone(),
                sha256: hex::encode(Sha256::digest(&self.artifact)),
                blake3: Some(interop_sandbox::artifacts::blake3_hex(&self.artifact)),
            },
        }
    }
}

/// What an upgrade changes besides the component.
#[derive(Debug, Clone, Copy, Default)]
pub struct Upgrade<'a> {
    /// A new policy; `None` keeps the current one.
    pub policy: Option<&'a Path>,
    /// The key id of a new signer, when the vendor changed keys (see [`Store::upgrade`]).
    pub new_signer: Option<&'a str>,
}

/// Refuse a policy with a high finding, naming it.
fn refuse_high(policy: &Policy, review: &interop_sandbox::review::Review) -> anyhow::Result<()> {
    if let Some(f) = review
        .findings
        .iter()
        .find(|f| f.severity >= interop_sandbox::review::Severity::High)
    {
        bail!(
            "{}: {} finding {}: {}; fix the policy, or see `interop policy review`",
            policy.source,
            f.severity,
            f.code,
            interop_sandbox::text::neutralise(&f.message, 400)
        );
    }
    Ok(())
}

/// May an upgrade of `id`, signed by `signer`, replace a version signed by `was`? Yes when the
/// signer is the same, or when the operator named the new one (`--new-signer KEYID`); the
/// change log's action then says so. `None` is an unsigned component (development only).
fn signer_change(
    id: &str,
    was: Option<&str>,
    signer: Option<&str>,
    new_signer: Option<&str>,
) -> anyhow::Result<&'static str> {
    let shown =
        |k: Option<&str>| k.map_or_else(|| "no key (unsigned)".to_string(), |k| format!("key {k}"));
    if was == signer {
        if let Some(named) = new_signer {
            bail!(
                "--new-signer {named}: `{id}` is signed by {} as before; leave --new-signer out",
                shown(signer)
            );
        }
        return Ok("upgrade");
    }
    match new_signer {
        Some(named) if Some(named) == signer => Ok("upgrade-new-signer"),
        Some(named) => bail!(
            "--new-signer {named}: the component is signed by {}, not {named}",
            shown(signer)
        ),
        None => bail!(
            "`{id}` was installed signed by {} and this component is signed by {}: a connector id belongs to its signer. If the vendor really changed keys, say so with --new-signer {} (the change is recorded)",
            shown(was),
            shown(signer),
            signer.unwrap_or("KEYID")
        ),
    }
}

fn not_installed(id: &str) -> anyhow::Error {
    anyhow::anyhow!("connector `{id}` is not installed; `interop plugin list` shows what is")
}

/// The first 12 hex digits of a hash, as people read them.
pub fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// A fingerprint of everything about this host's engine that decides whether a precompiled
/// artifact fits it: wasmtime's own compatibility hash (version, target, settings).
pub fn engine_fingerprint(host: &Host) -> String {
    use std::hash::{Hash, Hasher};
    struct ShaHasher(Sha256);
    impl Hasher for ShaHasher {
        fn finish(&self) -> u64 {
            // Only written to: the digest is read from the inner hasher.
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut hasher = ShaHasher(Sha256::new());
    host.engine()
        .precompile_compatibility_hash()
        .hash(&mut hasher);
    hex::encode(hasher.0.finalize())[..16].to_string()
}

#[cfg(test)]
mod tests;
