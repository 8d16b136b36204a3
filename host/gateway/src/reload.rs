//! The gateway runs what its plugin store says, and picks up changes while it runs.
//!
//! Every `poll` the gateway reads the store's index. When its generation moved, each
//! connector whose current version differs from the one running is loaded from the store
//! (signature verified again, precompiled artifact checked) and the running list is swapped
//! in one step. Calls in flight hold the connector they started with, so nothing fails
//! mid-call. A version that does not load is logged and audited, and the one running before
//! keeps serving; a removed connector stops taking new calls. Each change the store records
//! (with who made it) is audited, and so is each load.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;

use super::config::{GatewayConfig, StoreConfig};
use super::{Plugin, State};
use crate::store::{PluginStore, Presence, Store, Verifier};
use interop_audit::{AuditEvent, AuditLog, AuditRecord, ConnectorRef, Outcome};
use interop_sandbox::Host;
use interop_sandbox::signing::{self, KeyId, SignatureError, TrustStore};

/// The store a gateway watches, and how far it has applied it.
pub(crate) struct Watch {
    store: Arc<dyn PluginStore>,
    host: Host,
    /// Replaced when a configuration reload changes the trust store.
    verifier: std::sync::RwLock<Arc<dyn Verifier>>,
    poll: Duration,
    /// Set when the trust store changed: apply again even if the generation did not move.
    stale: std::sync::atomic::AtomicBool,
    /// When this gateway started watching, for its load report.
    started: String,
    /// Held while the gateway runs: tells `interop plugin install` a gateway reports here,
    /// and (PostgreSQL) hears of changes made elsewhere.
    presence: Presence,
    /// The index generation running now; the lock also makes applies one at a time.
    applied: tokio::sync::Mutex<Option<u64>>,
    /// What the last apply made of each connector of the store (the load report it wrote).
    last_report: std::sync::Mutex<Option<crate::store::report::LoadReport>>,
}

impl Watch {
    /// Watch the store `[storage]` says: `[store] dir` itself (files), or the one the replicas
    /// share in PostgreSQL, with `[store] dir` as this machine's cache of compiled code.
    pub(crate) async fn open(
        config: &StoreConfig,
        storage: &crate::config::Storage,
        gateway_id: &str,
        host: &Host,
        verifier: Arc<dyn Verifier>,
    ) -> anyhow::Result<Watch> {
        let store: Arc<dyn PluginStore> = match storage {
            crate::config::Storage::Files => Arc::new(Store::open(&config.dir)?),
            crate::config::Storage::Postgres { url, ca_file } => Arc::new(
                crate::store::postgres::PgStore::open(
                    interop_audit::PgConfig {
                        url: url.clone(),
                        ca_file: ca_file.clone(),
                    },
                    Some(&config.dir),
                )
                .await?,
            ),
        };
        Ok(Watch {
            presence: store.hold(gateway_id).await?,
            store,
            host: host.clone(),
            verifier: std::sync::RwLock::new(verifier),
            poll: config.poll,
            stale: std::sync::atomic::AtomicBool::new(false),
            started: interop_audit::now_rfc3339(),
            applied: tokio::sync::Mutex::new(None),
            last_report: std::sync::Mutex::new(None),
        })
    }

    /// Wait until the next poll is due, or until the store says it changed.
    pub(crate) async fn next_poll(&self) {
        match &self.presence.changed {
            Some(changed) => {
                tokio::select! {
                    () = tokio::time::sleep(self.poll) => {}
                    () = changed.notified() => {}
                }
            }
            None => tokio::time::sleep(self.poll).await,
        }
    }

    /// The store itself (its history, rollback and remove, for the operator console).
    pub(crate) fn store(&self) -> &dyn PluginStore {
        self.store.as_ref()
    }

    /// What the last apply made of each connector of the store.
    pub(crate) fn last_report(&self) -> Option<crate::store::report::LoadReport> {
        self.last_report
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Verify with `verifier` from now on, and apply the store again at the next `apply`.
    pub(crate) fn set_verifier(&self, verifier: Arc<dyn Verifier>) {
        *self.verifier.write().unwrap_or_else(|e| e.into_inner()) = verifier;
        self.stale.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Bring the running connectors in line with the store. `strict` (at start): any
    /// connector that does not load is an error. Returns whether anything was applied.
    pub(crate) async fn apply(&self, state: &State, strict: bool) -> anyhow::Result<bool> {
        let mut applied = self.applied.lock().await;
        let stale = self.stale.swap(false, std::sync::atomic::Ordering::SeqCst);
        if !stale && *applied == Some(self.store.generation().await?) {
            return Ok(false);
        }
        let index = self.store.index().await?;
        let verifier = self
            .verifier
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(from) = *applied {
            // What the store recorded since: each change, with who made it.
            match self.store.changes().await {
                Ok(changes) => {
                    for c in changes.iter().filter(|c| c.generation > from) {
                        audit_change(&state.audit, c).await?;
                    }
                }
                Err(e) => {
                    tracing::error!("plugin store change log: {e:#}");
                    audit_event(
                        &state.audit,
                        "store-log-broken",
                        None,
                        Outcome::Failed,
                        format!("{e:#}"),
                    )
                    .await?;
                }
            }
        }
        let mut running = state.plugins();
        if stale {
            // The trust store changed: what it no longer admits stops, even if an apply that
            // began before the change put it back.
            let access = state.access();
            let (keep, stop): (Vec<Arc<Plugin>>, Vec<Arc<Plugin>>) = running
                .iter()
                .cloned()
                .partition(|p| access.admits(p.signer.as_ref()).is_ok());
            for p in &stop {
                tracing::warn!(
                    "connector {} stopped: the trust store no longer admits its signer",
                    p.connector.info().id
                );
                super::access::audit_admin(&state.audit, "connector-stopped", p).await?;
            }
            running = Arc::new(keep);
        }
        let mut loads = std::collections::BTreeMap::new();
        let mut next: Vec<Arc<Plugin>> = running
            .iter()
            .filter(|p| p.stored.is_none())
            .cloned()
            .collect();
        // What each connector in the index needs: nothing (the configuration has it, or it
        // runs this version already), or a load. The loads run at once, spread over the cores;
        // their outcomes are applied (and audited) below in the index's order, as if one by one.
        enum Step {
            Conflict(String),
            Running(Arc<Plugin>),
            Load,
        }
        let mut steps = Vec::with_capacity(index.plugins.len());
        let mut wanted = Vec::new();
        for (id, slot) in &index.plugins {
            let step = if next.iter().any(|p| p.connector.info().id == *id) {
                let message = format!(
                    "connector `{id}` is both in the plugin store and in [[connectors]] of {}; remove one",
                    state.config.source.display()
                );
                if strict {
                    bail!(message);
                }
                Step::Conflict(message)
            } else {
                match running.iter().find(|p| {
                    p.stored.as_ref() == Some(&slot.current) && p.connector.info().id == *id
                }) {
                    Some(p) => Step::Running(p.clone()),
                    None => {
                        wanted.push((id.clone(), slot.current.clone()));
                        Step::Load
                    }
                }
            };
            steps.push(step);
        }
        let mut loaded =
            crate::store::load_many(self.store.clone(), &self.host, verifier.clone(), wanted)
                .await
                .into_iter();
        for ((id, slot), step) in index.plugins.iter().zip(steps) {
            let outcome = match step {
                Step::Conflict(message) => {
                    tracing::error!("{message}");
                    loads.insert(id.clone(), load_of(&slot.current, Some(message), None));
                    continue;
                }
                Step::Running(p) => {
                    loads.insert(id.clone(), load_of(&slot.current, None, Some(&p)));
                    next.push(p);
                    continue;
                }
                Step::Load => loaded
                    .next()
                    .unwrap_or_else(|| Err(anyhow::anyhow!("no load was made"))),
            };
            let before = running
                .iter()
                .find(|p| p.stored.is_some() && p.connector.info().id == *id);
            match outcome {
                Ok(loaded) => {
                    for f in loaded
                        .review
                        .findings
                        .iter()
                        .filter(|f| f.severity >= interop_sandbox::review::Severity::Medium)
                    {
                        tracing::warn!("{id}: {} finding {}: {}", f.severity, f.code, f.message);
                    }
                    let plugin = Plugin {
                        connector: loaded.connector,
                        component_sha256: slot.current.component_sha256.clone(),
                        policy: loaded.policy_path.display().to_string(),
                        signer: slot.current.signer.as_deref().and_then(KeyId::parse),
                        stored: Some(slot.current.clone()),
                        findings: loaded.review.findings,
                    };
                    let operation = if before.is_some() {
                        "connector-replaced"
                    } else {
                        "connector-loaded"
                    };
                    super::access::audit_admin(&state.audit, operation, &plugin).await?;
                    tracing::info!(
                        "connector {id} {} loaded from the plugin store (component {})",
                        slot.current.version,
                        crate::store::short(&slot.current.component_sha256)
                    );
                    let plugin = Arc::new(plugin);
                    loads.insert(id.clone(), load_of(&slot.current, None, Some(&plugin)));
                    next.push(plugin);
                }
                Err(e) => {
                    if strict {
                        return Err(e.context(format!(
                            "plugin store {}: connector `{id}`",
                            self.store.describe()
                        )));
                    }
                    tracing::error!("plugin store: connector `{id}` did not load: {e:#}");
                    audit_event(
                        &state.audit,
                        "connector-load-failed",
                        Some((id, &slot.current)),
                        Outcome::Failed,
                        format!("{e:#}"),
                    )
                    .await?;
                    loads.insert(
                        id.clone(),
                        load_of(&slot.current, Some(format!("{e:#}")), before),
                    );
                    if let Some(p) = before {
                        next.push(p.clone());
                    }
                }
            }
        }
        for gone in running
            .iter()
            .filter(|p| p.stored.is_some() && !index.plugins.contains_key(&p.connector.info().id))
        {
            super::access::audit_admin(&state.audit, "connector-unloaded", gone).await?;
            tracing::info!(
                "connector {} removed from the plugin store: no new calls reach it",
                gone.connector.info().id
            );
        }
        state.set_plugins(next);
        *applied = Some(index.generation);
        let report = crate::store::report::LoadReport {
            gateway_id: state.config.gateway_id.clone(),
            pid: std::process::id(),
            started: self.started.clone(),
            generation: index.generation,
            time: interop_audit::now_rfc3339(),
            connectors: loads,
        };
        if let Err(e) = self.store.write_report(&report).await {
            tracing::error!("plugin store: cannot write this gateway's load report: {e:#}");
        }
        *self.last_report.lock().unwrap_or_else(|e| e.into_inner()) = Some(report);
        Ok(true)
    }

    /// Take this gateway's load report away: it no longer runs anything from the store.
    pub(crate) async fn withdraw_report(&self, gateway_id: &str) {
        if let Err(e) = self.store.withdraw_report(gateway_id).await {
            tracing::error!("plugin store: {e:#}");
        }
    }
}

/// What the load report says of one connector's current version.
fn load_of(
    current: &crate::store::Version,
    error: Option<String>,
    running: Option<&Arc<Plugin>>,
) -> crate::store::report::ConnectorLoad {
    crate::store::report::ConnectorLoad {
        component_sha256: current.component_sha256.clone(),
        version: current.version.clone(),
        loaded: error.is_none(),
        error,
        running_sha256: running.map(|p| p.component_sha256.clone()),
    }
}

/// The audit record of one store change, with who made it.
async fn audit_change(audit: &AuditLog, change: &crate::store::Change) -> anyhow::Result<()> {
    let version = change.to.as_ref().or(change.from.as_ref());
    let mut record = AuditRecord::new(AuditEvent::Admin, format!("store-{}", change.action));
    record.user = Some(change.actor.clone());
    if let Some(v) = version {
        record.connectors = vec![connector_ref(&change.id, v)];
    }
    record.outcome = Outcome::Ok;
    record.policy_decision = format!(
        "plugin store generation {} at {}{}",
        change.generation,
        change.time,
        match (&change.from, &change.to) {
            (Some(f), Some(t)) => format!(
                ": {} {} → {} {}",
                f.version,
                crate::store::short(&f.component_sha256),
                t.version,
                crate::store::short(&t.component_sha256)
            ),
            _ => String::new(),
        }
    );
    audit.append(record).await?;
    Ok(())
}

/// An admin record about a stored connector that may not be running.
async fn audit_event(
    audit: &AuditLog,
    operation: &str,
    connector: Option<(&str, &crate::store::Version)>,
    outcome: Outcome,
    detail: String,
) -> anyhow::Result<()> {
    let mut record = AuditRecord::new(AuditEvent::Admin, operation);
    if let Some((id, v)) = connector {
        record.connectors = vec![connector_ref(id, v)];
    }
    record.outcome = outcome;
    record.policy_decision = detail;
    audit.append(record).await?;
    Ok(())
}

/// A stored version as an audit record names it.
fn connector_ref(id: &str, v: &crate::store::Version) -> ConnectorRef {
    ConnectorRef {
        id: id.to_string(),
        version: v.version.clone(),
        component_sha256: v.component_sha256.clone(),
        signer: v.signer.clone(),
        unsigned: v.signer.is_none(),
    }
}

/// The gateway's `[trust]` section as the plugin store's [`Verifier`].
struct TrustVerifier {
    trust: TrustStore,
    allow_unsigned: bool,
}

impl Verifier for TrustVerifier {
    fn verify(&self, name: &str, bytes: &[u8]) -> Result<Option<String>, String> {
        self.decide(name, signing::verify(bytes, &self.trust))
    }

    fn verify_with_digest(
        &self,
        name: &str,
        bytes: &[u8],
    ) -> (Result<Option<String>, String>, String) {
        let (verdict, digest) = signing::verify_with_digest(bytes, &self.trust);
        (self.decide(name, verdict), hex::encode(digest))
    }
}

impl TrustVerifier {
    fn decide(
        &self,
        name: &str,
        verdict: Result<signing::Signer, SignatureError>,
    ) -> Result<Option<String>, String> {
        match verdict {
            Ok(signer) => Ok(Some(signer.key_id.to_string())),
            Err(SignatureError::Unsigned) if self.allow_unsigned => {
                tracing::warn!(
                    "{name}: UNSIGNED connector accepted because [trust] allow_unsigned = true (development only)"
                );
                Ok(None)
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

/// What decides whether a component may run, for the plugin store: the configuration's
/// `[trust]` section, its key files read.
///
/// # Errors
/// A key file that cannot be read.
pub fn verifier(config: &GatewayConfig) -> anyhow::Result<Arc<dyn Verifier>> {
    Ok(Arc::new(TrustVerifier {
        trust: super::trust_store(config)?,
        allow_unsigned: config.trust.allow_unsigned,
    }))
}

/// The verifier of an access configuration's trust store.
pub(crate) fn verifier_of(access: &super::access_config::AccessConfig) -> Arc<dyn Verifier> {
    Arc::new(TrustVerifier {
        trust: access.trust.clone(),
        allow_unsigned: access.allow_unsigned,
    })
}
