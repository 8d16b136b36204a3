//! Live reconfiguration: who may do what, and whose signatures count, changed without a restart.
//!
//! The access configuration — `[[users]]`, `[roles]`, the `[oidc.claims]` mapping and the
//! `[trust]` store with its revocations — is one `AccessConfig` behind one `Arc`. A reload
//! reads the whole configuration file again, checks it as a start would (every key file read),
//! and only then swaps that `Arc`: a request sees the old access configuration or the new one,
//! never half of each. A file that does not check is refused with its `file:line:column`
//! reason and the old configuration keeps serving.
//!
//! A reload happens when the configuration file or one of the key files it names changes
//! (their contents are compared every [`WATCH_INTERVAL`]), on `SIGHUP`, and on
//! `interop serve --reload`, which leaves a request in the audit directory
//! ([`REQUEST_FILE`]) and waits for the gateway's answer ([`REPORT_FILE`]). Every reload,
//! accepted or refused, is audited with what triggered it, which files were read and what
//! changed.
//!
//! A key that is revoked or no longer trusted stops every running connector it signed within
//! the same reload (audited `connector-stopped`); the plugin store is then applied again
//! under the new trust store, so a connector signed by a newly trusted key starts.
//!
//! Other sections (`[server]`, `[audit]`, `[store]`, `[[connectors]]`, `[linkage]`,
//! `[access]`, `[metrics]`, `[rate_limit]`, `[oidc]` outside `[oidc.claims]`) are read at
//! start only: a reload that finds them changed applies the access configuration and says in
//! its record and report which sections wait for a restart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use interop_audit::{AuditEvent, AuditRecord, Outcome};
use interop_identity::ClaimsMapping;
use interop_sandbox::signing::KeyId;

use super::access_config::AccessConfig;
use super::config::{GatewayConfig, User};
use super::{Plugin, State};

/// How often the gateway compares its configuration files with what it runs, and looks for a
/// reload request.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// `interop serve --reload` writes this into the audit directory; the gateway takes it away.
pub const REQUEST_FILE: &str = "reload-request.json";
/// The gateway's answer to the last reload, in the audit directory.
pub const REPORT_FILE: &str = "reload-report.json";
/// Largest request file read: a nonce and an actor.
const MAX_REQUEST_BYTES: u64 = 4096;

/// What the files hold now: their names, sizes and contents hashed together (a missing file
/// counts as such), so an edit that keeps the size and modification time is seen too.
fn fingerprint(files: &[PathBuf]) -> [u8; 32] {
    let mut h = Sha256::new();
    for f in files {
        h.update(f.as_os_str().as_encoded_bytes());
        h.update([0]);
        match std::fs::read(f) {
            Ok(bytes) => {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(e) => {
                h.update(b"unreadable ");
                h.update(e.kind().to_string().as_bytes());
            }
        }
        h.update([0]);
    }
    h.finalize().into()
}

/// What the gateway answers to a reload, in its audit record and in [`REPORT_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadReport {
    /// The request's nonce, when `interop serve --reload` asked.
    pub nonce: Option<String>,
    /// What triggered it: `file change`, `SIGHUP`, or `interop serve --reload by USER`.
    pub trigger: String,
    /// Whether the new access configuration now serves.
    pub accepted: bool,
    /// Why it was refused (`file:line:column: …`), empty when accepted.
    pub reason: String,
    /// The access configuration's generation serving after the reload.
    pub generation: u64,
    /// The files read.
    pub files: Vec<String>,
    /// What changed, one line each (`user pc-9 added`, `key 3f2a… revoked`, …).
    pub changes: Vec<String>,
    /// Connectors stopped because their signer is no longer trusted.
    pub stopped: Vec<String>,
    /// Sections that changed but are read at start only.
    pub restart_needed: Vec<String>,
    /// When (RFC 3339, UTC).
    pub time: String,
}

impl ReloadReport {
    /// One line for a terminal or a log.
    pub fn summary(&self) -> String {
        if !self.accepted {
            return format!(
                "configuration reload refused, the old configuration keeps serving: {}",
                self.reason
            );
        }
        let mut s = format!(
            "configuration reloaded (access generation {}): {}",
            self.generation,
            if self.changes.is_empty() {
                "no change to users, roles, claims mapping or trust".to_string()
            } else {
                self.changes.join("; ")
            }
        );
        if !self.stopped.is_empty() {
            s.push_str(&format!("; stopped: {}", self.stopped.join(", ")));
        }
        if !self.restart_needed.is_empty() {
            s.push_str(&format!(
                "; changed but applied only at a restart: {}",
                self.restart_needed.join(", ")
            ));
        }
        s
    }
}

/// What the watcher has seen of the files, so a refused edit is not retried every second.
pub(crate) struct Watcher {
    seen: tokio::sync::Mutex<[u8; 32]>,
}

impl Watcher {
    pub(crate) fn new(access: &AccessConfig) -> Watcher {
        Watcher {
            seen: tokio::sync::Mutex::new(fingerprint(&access.files)),
        }
    }
}

/// One watch step: a request file, or files changed since last seen, make a reload.
pub(crate) async fn watch_step(state: &Arc<State>) {
    let request_path = state.config.audit_dir.join(REQUEST_FILE);
    if let Some(request) = take_request(&request_path) {
        let trigger = format!(
            "interop serve --reload by {}",
            interop_sandbox::text::neutralise(&request.actor, 64)
        );
        reload(state, &trigger, Some(request.nonce)).await;
        return;
    }
    let files = state.access().files.clone();
    let now = tokio::task::spawn_blocking(move || fingerprint(&files))
        .await
        .unwrap_or([0; 32]);
    let changed = {
        let mut seen = state.live_watch.seen.lock().await;
        let changed = *seen != now;
        *seen = now;
        changed
    };
    if changed {
        reload(state, "file change", None).await;
    }
}

#[derive(Serialize, Deserialize)]
struct Request {
    nonce: String,
    actor: String,
}

/// The pending request, removed; a malformed one is logged and removed.
fn take_request(path: &Path) -> Option<Request> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    let read = file.take(MAX_REQUEST_BYTES).read_to_string(&mut text);
    let _ = std::fs::remove_file(path);
    match read
        .ok()
        .and_then(|_| serde_json::from_str::<Request>(&text).ok())
    {
        Some(r) if r.nonce.len() <= 64 => Some(r),
        _ => {
            tracing::error!(
                "{}: not a reload request; removed",
                interop_sandbox::text::neutralise(&path.display().to_string(), 200)
            );
            None
        }
    }
}

/// Reload the access configuration now; audit it, log it, and write the report.
pub(crate) async fn reload(
    state: &Arc<State>,
    trigger: &str,
    nonce: Option<String>,
) -> ReloadReport {
    let one_at_a_time = state.reloading.lock().await;
    reload_holding(state, trigger, nonce, one_at_a_time).await
}

/// [`reload`], for a caller that already holds the reload lock (the operator console, which
/// changes the file and reloads it in one step); the lock is let go when it returns.
pub(crate) async fn reload_holding(
    state: &Arc<State>,
    trigger: &str,
    nonce: Option<String>,
    _one_at_a_time: tokio::sync::MutexGuard<'_, ()>,
) -> ReloadReport {
    let report = match apply(state, trigger, nonce.clone()).await {
        Ok(report) => report,
        Err(reason) => ReloadReport {
            nonce,
            trigger: trigger.to_string(),
            accepted: false,
            reason,
            generation: state.access().generation,
            files: state
                .access()
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            changes: Vec::new(),
            stopped: Vec::new(),
            restart_needed: Vec::new(),
            time: interop_audit::now_rfc3339(),
        },
    };
    if report.accepted {
        tracing::info!("{} ({trigger})", report.summary());
    } else {
        tracing::error!("{} ({trigger})", report.summary());
    }
    let mut record = AuditRecord::new(
        AuditEvent::Admin,
        if report.accepted {
            "config-reloaded"
        } else {
            "config-reload-refused"
        },
    );
    record.user = Some(trigger.to_string());
    record.outcome = if report.accepted {
        Outcome::Ok
    } else {
        Outcome::Refused
    };
    record.policy_decision = report.summary();
    record.detail = Some(format!("files read: {}", report.files.join(", ")));
    if let Err(e) = state.audit.append(record).await {
        tracing::error!("audit write failed for a configuration reload: {e}");
    }
    write_report(&state.config.audit_dir.join(REPORT_FILE), &report);
    report
}

fn write_report(path: &Path, report: &ReloadReport) {
    let tmp = path.with_extension("json.tmp");
    let written = serde_json::to_vec_pretty(report)
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(&tmp, bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        tracing::error!("cannot write the reload report {}: {e}", path.display());
    }
}

/// Check the configuration again and swap it in; `Err(reason)` leaves everything as it was.
async fn apply(
    state: &Arc<State>,
    trigger: &str,
    nonce: Option<String>,
) -> Result<ReloadReport, String> {
    let source = state.config.source.clone();
    let new = tokio::task::spawn_blocking(move || GatewayConfig::from_file(&source))
        .await
        .map_err(|e| format!("the reload task failed: {e}"))?
        .map_err(|e| e.to_string())?;
    let old = state.access();
    let next = AccessConfig::of(&new, old.generation + 1).map_err(|e| format!("{e:#}"))?;
    let mut changes = diff(&old, &next);
    let restart_needed = restart_only_changes(&state.config, &new);
    let files = next.files.iter().map(|f| f.display().to_string()).collect();
    if let (Some(oidc), Some(claims)) = (&state.oidc, &next.claims)
        && old.claims.as_ref() != Some(claims)
    {
        oidc.rp.set_claims(claims.clone());
    }
    let trust_changed = old.trust.trusted().map(|k| k.id()).collect::<Vec<_>>()
        != next.trust.trusted().map(|k| k.id()).collect::<Vec<_>>()
        || old.trust.revoked().collect::<Vec<_>>() != next.trust.revoked().collect::<Vec<_>>()
        || old.allow_unsigned != next.allow_unsigned;
    let next = Arc::new(next);
    state.set_access(next.clone());
    // Seen as applied: the watcher does not reload the same files again.
    *state.live_watch.seen.lock().await = fingerprint(&next.files);
    let mut stopped = Vec::new();
    if trust_changed {
        let running = state.plugins();
        let mut keep: Vec<Arc<Plugin>> = Vec::new();
        for p in running.iter() {
            match next.admits(p.signer.as_ref()) {
                Ok(()) => keep.push(p.clone()),
                Err(why) => {
                    let id = p.connector.info().id.clone();
                    tracing::warn!("connector {id} stopped: {why}");
                    let mut record = AuditRecord::new(AuditEvent::Admin, "connector-stopped");
                    record.connectors = vec![super::access::connector_ref(p)];
                    record.user = Some(trigger.to_string());
                    record.outcome = Outcome::Ok;
                    record.policy_decision = format!("stopped by a configuration reload: {why}");
                    if let Err(e) = state.audit.append(record).await {
                        tracing::error!("audit write failed: {e}");
                    }
                    stopped.push(format!("{id} ({why})"));
                }
            }
        }
        state.set_plugins(keep);
        if let Some(watch) = &state.store {
            watch.set_verifier(super::reload::verifier_of(&next));
            if let Err(e) = watch.apply(state, false).await {
                tracing::error!("plugin store after a trust change: {e:#}");
                changes.push(format!(
                    "the plugin store could not be applied again: {e:#}"
                ));
            }
        }
    }
    Ok(ReloadReport {
        nonce,
        trigger: trigger.to_string(),
        accepted: true,
        reason: String::new(),
        generation: next.generation,
        files,
        changes,
        stopped,
        restart_needed,
        time: interop_audit::now_rfc3339(),
    })
}

/// What changed between two access configurations, one line each.
fn diff(old: &AccessConfig, new: &AccessConfig) -> Vec<String> {
    let mut out = Vec::new();
    let users = |c: &AccessConfig| -> BTreeMap<String, User> {
        c.users.iter().map(|u| (u.id.clone(), u.clone())).collect()
    };
    let (ou, nu) = (users(old), users(new));
    for (id, u) in &nu {
        match ou.get(id) {
            None => out.push(format!("user {id} added")),
            Some(o) if o != u => out.push(format!("user {id} changed")),
            Some(_) => {}
        }
    }
    out.extend(
        ou.keys()
            .filter(|id| !nu.contains_key(*id))
            .map(|id| format!("user {id} removed")),
    );
    for (name, r) in &new.roles {
        match old.roles.get(name) {
            None => out.push(format!("role {name} added")),
            Some(o) if o != r => out.push(format!("role {name} changed")),
            Some(_) => {}
        }
    }
    out.extend(
        old.roles
            .keys()
            .filter(|n| !new.roles.contains_key(*n))
            .map(|n| format!("role {n} removed")),
    );
    if old.claims != new.claims {
        out.push("[oidc.claims] mapping changed".into());
    }
    let ids = |c: &AccessConfig| -> Vec<KeyId> { c.trust.trusted().map(|k| k.id()).collect() };
    let (ok, nk) = (ids(old), ids(new));
    out.extend(
        nk.iter()
            .filter(|k| !ok.contains(k))
            .map(|k| format!("key {k} trusted")),
    );
    out.extend(
        ok.iter()
            .filter(|k| !nk.contains(k))
            .map(|k| format!("key {k} no longer trusted")),
    );
    let (or, nr): (Vec<&KeyId>, Vec<&KeyId>) =
        (old.trust.revoked().collect(), new.trust.revoked().collect());
    out.extend(
        nr.iter()
            .filter(|k| !or.contains(k))
            .map(|k| format!("key {k} revoked")),
    );
    out.extend(
        or.iter()
            .filter(|k| !nr.contains(k))
            .map(|k| format!("key {k} no longer revoked")),
    );
    if old.allow_unsigned != new.allow_unsigned {
        out.push(format!("allow_unsigned = {}", new.allow_unsigned));
    }
    out
}

/// The sections read at start only that differ between the running and the new configuration.
fn restart_only_changes(running: &GatewayConfig, new: &GatewayConfig) -> Vec<String> {
    let mut out = Vec::new();
    let mut changed = |section: &str, differs: bool| {
        if differs {
            out.push(section.to_string());
        }
    };
    changed(
        "[server]",
        running.listen != new.listen
            || running.limits != new.limits
            || running.tls != new.tls
            || running.gateway_id != new.gateway_id,
    );
    changed("[audit]", running.audit_dir != new.audit_dir);
    changed("[store]", running.store != new.store);
    changed("[[connectors]]", running.connectors != new.connectors);
    changed("[linkage]", running.linkage != new.linkage);
    changed("[access]", running.access != new.access);
    changed(
        "[metrics]",
        running.metrics_token_sha256 != new.metrics_token_sha256,
    );
    changed("[rate_limit]", running.rate_limit != new.rate_limit);
    let oidc_outside_claims = |c: &GatewayConfig| {
        c.oidc.clone().map(|mut o| {
            o.claims = ClaimsMapping {
                user_id: String::new(),
                groups: String::new(),
                clearance_claim: None,
                roles: BTreeMap::new(),
                clearance_by_group: BTreeMap::new(),
                clearance_by_value: BTreeMap::new(),
            };
            o
        })
    };
    changed(
        "[oidc] (outside [oidc.claims])",
        oidc_outside_claims(running) != oidc_outside_claims(new),
    );
    out
}

/// Ask the gateway whose audit directory is `audit_dir` to reload its configuration, and wait
/// up to `timeout` for its answer (what `interop serve --reload` does).
///
/// # Errors
/// The request cannot be written, or no gateway answered in time (the request is withdrawn).
pub fn request_reload(
    audit_dir: &Path,
    actor: &str,
    timeout: Duration,
) -> anyhow::Result<ReloadReport> {
    use anyhow::Context as _;
    let mut bytes = [0u8; 12];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let nonce = hex::encode(bytes);
    let path = audit_dir.join(REQUEST_FILE);
    let tmp = audit_dir.join(format!("{REQUEST_FILE}.{nonce}.tmp"));
    let request = Request {
        nonce: nonce.clone(),
        actor: actor.to_string(),
    };
    std::fs::write(&tmp, serde_json::to_vec(&request)?)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .with_context(|| {
            format!(
                "cannot leave a reload request in {} (the gateway's [audit] dir): run this as the gateway's account",
                audit_dir.display()
            )
        })?;
    let report_path = audit_dir.join(REPORT_FILE);
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Ok(bytes) = std::fs::read(&report_path)
            && let Ok(report) = serde_json::from_slice::<ReloadReport>(&bytes)
            && report.nonce.as_deref() == Some(nonce.as_str())
        {
            return Ok(report);
        }
        if std::time::Instant::now() >= deadline {
            let _ = std::fs::remove_file(&path);
            anyhow::bail!(
                "no running gateway answered within {} s: none is serving with [audit] dir = {} \
                 (start it with `interop serve --config FILE`), or it is not watching; the request was withdrawn",
                timeout.as_secs(),
                audit_dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
