//! The operator console's API (`/v1/console*`), for users with a role that has `operate`:
//! what the gateway runs and how it fares, where the plugin store has been, whether the audit
//! log verifies, and the access configuration in force (roles, users, the claims mapping and
//! every key of the trust store, revoked ones included), read at each request so that a
//! reload shows at once. A role with `operate = "act"` may also reload the configuration,
//! revoke a trusted key, and roll back or remove a connector of the plugin store.
//!
//! Every answer, refusal included, is audited before it leaves (an [`Access`], as on every
//! `/v1` route); an action writes its intent record before it changes anything. A browser
//! session's action needs its CSRF token (checked by the [`Caller`] extractor, as every
//! state-changing request the cookie authenticates).
//!
//! Revoking a key edits the configuration file the gateway was started with: the key id is
//! added to `[trust] revoked` (comments and layout kept), the new text is checked as a start
//! would check it, written beside the file and renamed over it, and then the configuration is
//! reloaded through the same path as `interop serve --reload` (so the connectors the key signed
//! stop in that reload). The file stays the one source of truth: what the console did is what
//! an operator would have typed, and survives a restart.

use std::path::Path as FsPath;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State as Shared};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use interop_api::config::{GatewayConfig, Operate};
use interop_audit::{AuditEvent, Outcome};
use interop_sandbox::signing::KeyId;

use crate::access::{Access, Audited, Refusal};
use crate::auth::Caller;
use crate::live::{REPORT_FILE, ReloadReport};
use crate::metrics::Recent;
use crate::{Plugin, State};

/// Store changes the console lists, newest first.
pub(crate) const HISTORY_SHOWN: usize = 100;
/// Most characters of an action's reason.
pub(crate) const MAX_REASON_CHARS: usize = 500;
/// Fewest visible characters of an action's reason.
pub(crate) const MIN_REASON_VISIBLE: usize = 3;
/// Largest reload report read back.
const MAX_REPORT_BYTES: u64 = 256 << 10;
/// Most characters of connector-supplied text (names, versions, reasons) the console sends.
const MAX_TEXT: usize = 1000;

/// `GET /v1/console`'s answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConsoleOverview {
    /// This gateway's `[server] gateway_id`.
    gateway_id: String,
    /// Who asked.
    user: String,
    /// `view` or `act`: what the caller's roles allow in the console.
    #[schema(value_type = String, pattern = "^(view|act)$")]
    operate: &'static str,
    uptime_seconds: u64,
    /// Connectors: each running one (`loaded`), and each of the store's that does not run
    /// (`failed`, with the gateway's reason).
    connectors: Vec<ConsoleConnector>,
    /// The plugin store, when `[store]` is configured.
    store: Option<StoreState>,
    /// The audit log, verified now.
    audit: AuditState,
    /// Users, roles, the claims mapping and the trust store in force now.
    access: AccessState,
    /// The last configuration reload, as the gateway reported it.
    last_reload: Option<ReloadSummary>,
}

/// One connector as the console shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConsoleConnector {
    id: String,
    name: String,
    vendor: String,
    version: String,
    contract_version: String,
    /// The key that signed the component (for a `failed` one, the store's current version); absent when unsigned (development).
    signer: Option<String>,
    component_sha256: String,
    /// `store` (the plugin store) or `config` (`[[connectors]]`).
    #[schema(value_type = String, pattern = "^(store|config)$")]
    source: &'static str,
    /// `loaded` (serving) or `failed` (the store's current version did not load and nothing
    /// of it serves).
    #[schema(value_type = String, pattern = "^(loaded|failed)$")]
    health: &'static str,
    /// Why the store's current version did not load, in the gateway's words; with `loaded`,
    /// the version before it serves instead.
    reason: Option<String>,
    /// What `interop policy review` finds in it under its policy, most severe first.
    findings: Vec<ConsoleFinding>,
    /// Calls and failures since the gateway started.
    calls_since_start: u64,
    failed_since_start: u64,
    /// The last 30 minutes: latency percentiles, failure rate, a bucket a minute.
    recent: Recent,
    /// Whether the store holds a version before the current one to roll back to.
    can_roll_back: bool,
}

/// One `policy review` finding.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConsoleFinding {
    #[schema(value_type = String, pattern = "^(info|low|medium|high)$")]
    severity: String,
    code: String,
    message: String,
    line: Option<usize>,
}

/// The plugin store's state and its history.
#[derive(Serialize, ToSchema)]
pub(crate) struct StoreState {
    /// The index generation.
    generation: u64,
    /// The latest changes, newest first (at most 100), each with who made it.
    history: Vec<HistoryEntry>,
    /// Whether the change log's chain is intact; when not, why.
    history_error: Option<String>,
}

/// One change of the plugin store.
#[derive(Serialize, ToSchema)]
pub(crate) struct HistoryEntry {
    generation: u64,
    time: String,
    /// `install`, `upgrade`, `rollback`, `remove`, …
    action: String,
    connector: String,
    actor: String,
    from_version: Option<String>,
    to_version: Option<String>,
    signer: Option<String>,
}

/// The audit log's verification.
#[derive(Clone, Serialize, ToSchema)]
pub(crate) struct AuditState {
    /// When this verification ran (RFC 3339, UTC). Requests within a few seconds of one
    /// another share one run: verifying reads the whole chain.
    checked_at: String,
    /// No sign of tampering (a torn last line, a crash's mark, is not one).
    verified: bool,
    /// The first sign of tampering, in words.
    problem: Option<String>,
    /// When the chain could not be read at all, why.
    error: Option<String>,
    records: u64,
    last_seq: u64,
    /// Records after the newest checkpoint, chained but not yet signed.
    unsigned_tail: u64,
    last_checkpoint: Option<CheckpointState>,
    /// A last line cut short by a crash.
    torn_tail: bool,
    /// Writes logged as intent with no outcome.
    open_intents: u64,
}

/// The newest signed checkpoint that verified.
#[derive(Clone, Serialize, ToSchema)]
pub(crate) struct CheckpointState {
    seq: u64,
    time: String,
    records: u64,
}

/// The access configuration in force.
#[derive(Serialize, ToSchema)]
pub(crate) struct AccessState {
    /// 1 at start, one more with every accepted reload.
    generation: u64,
    roles: Vec<RoleState>,
    users: Vec<UserState>,
    /// `[oidc.claims.roles]`: a provider's group, and the roles it gives.
    group_roles: Vec<GroupRoles>,
    keys: Vec<KeyState>,
    allow_unsigned: bool,
}

/// One role.
#[derive(Serialize, ToSchema)]
pub(crate) struct RoleState {
    name: String,
    connectors: Vec<String>,
    operations: Vec<String>,
    audit: bool,
    /// `view`, `act`, or absent: no console.
    operate: Option<String>,
}

/// One static-token user (never the token or its hash).
#[derive(Serialize, ToSchema)]
pub(crate) struct UserState {
    id: String,
    roles: Vec<String>,
    clearance: String,
}

/// One group of the claims mapping.
#[derive(Serialize, ToSchema)]
pub(crate) struct GroupRoles {
    group: String,
    roles: Vec<String>,
}

/// One key of the trust store.
#[derive(Serialize, ToSchema)]
pub(crate) struct KeyState {
    key_id: String,
    /// The `.pub` file's comment (its owner's words); absent for a revoked id with no key.
    comment: Option<String>,
    /// `trusted`, or `revoked` (components it signed do not run).
    #[schema(value_type = String, pattern = "^(trusted|revoked)$")]
    status: &'static str,
    /// Running connectors it signed.
    connectors: Vec<String>,
}

/// A configuration reload, as the gateway reported it.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReloadSummary {
    trigger: String,
    accepted: bool,
    reason: String,
    generation: u64,
    changes: Vec<String>,
    stopped: Vec<String>,
    restart_needed: Vec<String>,
    time: String,
}

impl From<ReloadReport> for ReloadSummary {
    fn from(r: ReloadReport) -> ReloadSummary {
        ReloadSummary {
            trigger: r.trigger,
            accepted: r.accepted,
            reason: r.reason,
            generation: r.generation,
            changes: r.changes,
            stopped: r.stopped,
            restart_needed: r.restart_needed,
            time: r.time,
        }
    }
}

/// An action's answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ActionAnswer {
    /// `reload`, `revoke-key`, `rollback` or `remove`.
    action: &'static str,
    /// What was done, in words.
    message: String,
    /// The configuration reload the action made (reload, revoke-key).
    reload: Option<ReloadSummary>,
    correlation_id: String,
}

/// An action's body: why, in the operator's words (audited).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    reason: String,
}

/// The request schema every action takes (the OpenAPI document's).
pub(crate) fn action_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["reason"],
        "properties": {
            "reason": {
                "type": "string",
                "maxLength": MAX_REASON_CHARS,
                "pattern": interop_api::justification::visible_pattern(MIN_REASON_VISIBLE),
                "description": "Why, in the operator's words: audited with the action.",
                "example": "Vendor reported key compromise, ticket OPS-1042",
            }
        },
    })
}

/// What the caller's roles allow in the console: the most any of them gives.
fn operate_of(access: &Access) -> Option<Operate> {
    access
        .user
        .roles
        .iter()
        .filter_map(|r| access.roles.roles.get(r).and_then(|role| role.operate))
        .max()
}

/// 403 unless the caller may `need`; audited either way by the caller.
fn allowed(access: &Access, need: Operate) -> Result<Operate, Refusal> {
    match operate_of(access) {
        Some(o) if o >= need => Ok(o),
        Some(_) => Err(Refusal::forbidden(
            "this console action needs a role with operate = \"act\"".into(),
            format!(
                "refused: {} may view the console but not act",
                access.user.id
            ),
        )),
        None => Err(Refusal::forbidden(
            "the operator console needs a role with operate = \"view\" or \"act\"".into(),
            format!("refused: {} has no operator role", access.user.id),
        )),
    }
}

fn cut(text: &str) -> String {
    interop_sandbox::text::neutralise(text, MAX_TEXT)
}

/// `GET /v1/console`: everything the console shows.
pub(crate) async fn overview(Shared(state): Shared<Arc<State>>, caller: Caller) -> Audited {
    let mut access = caller.access(&state, AuditEvent::Admin, "console-view");
    let operate = match allowed(&access, Operate::View) {
        Ok(o) => o,
        Err(r) => return access.refuse(r).await,
    };
    let plugins = state.plugins();
    let report = state.store.as_ref().and_then(|w| w.last_report());
    let index = match &state.store {
        Some(w) => Some(w.store().index().await),
        None => None,
    };
    let mut connectors: Vec<ConsoleConnector> = plugins
        .iter()
        .map(|p| {
            let id = &p.connector.info().id;
            let load = report.as_ref().and_then(|r| r.connectors.get(id));
            let can_roll_back = p.stored.is_some()
                && matches!(&index, Some(Ok(i)) if i.plugins.get(id).is_some_and(|s| s.previous.is_some()));
            connector_row(&state, p, load.and_then(|l| l.error.as_deref()), can_roll_back)
        })
        .collect();
    if let Some(report) = &report {
        for (id, load) in &report.connectors {
            if load.loaded || plugins.iter().any(|p| p.connector.info().id == *id) {
                continue;
            }
            let slot = match &index {
                Some(Ok(i)) => i.plugins.get(id),
                _ => None,
            };
            connectors.push(ConsoleConnector {
                id: cut(id),
                name: String::new(),
                vendor: String::new(),
                version: cut(&load.version),
                contract_version: String::new(),
                signer: slot.and_then(|s| s.current.signer.as_deref()).map(cut),
                component_sha256: load.component_sha256.clone(),
                source: "store",
                health: "failed",
                reason: load.error.as_deref().map(cut),
                findings: Vec::new(),
                calls_since_start: 0,
                failed_since_start: 0,
                recent: state.metrics.recent(id),
                can_roll_back: slot.is_some_and(|s| s.previous.is_some()),
            });
        }
    }
    connectors.sort_by(|a, b| a.id.cmp(&b.id));
    let store = match (&state.store, index) {
        (Some(watch), Some(index)) => Some(store_state(watch.store(), index.ok()).await),
        _ => None,
    };
    let audit = state.audit_check.current(&state).await;
    let access_state = access_state(&access, &plugins);
    let last_reload = read_report(&state.config.audit_dir.join(REPORT_FILE)).map(Into::into);
    access.record().policy_decision = format!("allowed: operator role ({})", operate.as_str());
    let answer = ConsoleOverview {
        gateway_id: state.config.gateway_id.clone(),
        user: access.user.id.clone(),
        operate: operate.as_str(),
        uptime_seconds: state.started.elapsed().as_secs(),
        connectors,
        store,
        audit,
        access: access_state,
        last_reload,
    };
    access.answer(StatusCode::OK, Outcome::Ok, &answer).await
}

fn connector_row(
    state: &State,
    p: &Plugin,
    load_error: Option<&str>,
    can_roll_back: bool,
) -> ConsoleConnector {
    let info = p.connector.info();
    let (calls, failed) = state.metrics.failures(&info.id);
    let mut findings: Vec<ConsoleFinding> = p
        .findings
        .iter()
        .map(|f| ConsoleFinding {
            severity: f.severity.to_string(),
            code: f.code.to_string(),
            message: cut(&f.message),
            line: f.line,
        })
        .collect();
    findings.sort_by_key(|f| {
        std::cmp::Reverse(match f.severity.as_str() {
            "high" => 3,
            "medium" => 2,
            "low" => 1,
            _ => 0,
        })
    });
    ConsoleConnector {
        id: cut(&info.id),
        name: cut(&info.name),
        vendor: cut(&info.vendor),
        version: cut(&info.version),
        contract_version: cut(&info.contract_version),
        signer: p.signer.as_ref().map(ToString::to_string),
        component_sha256: p.component_sha256.clone(),
        source: if p.stored.is_some() {
            "store"
        } else {
            "config"
        },
        health: "loaded",
        reason: load_error.map(cut),
        findings,
        calls_since_start: calls,
        failed_since_start: failed,
        recent: state.metrics.recent(&info.id),
        can_roll_back,
    }
}

async fn store_state(
    store: &dyn crate::store::PluginStore,
    index: Option<crate::store::Index>,
) -> StoreState {
    let (history, history_error) = match store.changes().await {
        Ok(changes) => (
            changes
                .iter()
                .rev()
                .take(HISTORY_SHOWN)
                .map(|c| HistoryEntry {
                    generation: c.generation,
                    time: cut(&c.time),
                    action: cut(&c.action),
                    connector: cut(&c.id),
                    actor: cut(&c.actor),
                    from_version: c.from.as_ref().map(|v| cut(&v.version)),
                    to_version: c.to.as_ref().map(|v| cut(&v.version)),
                    signer: c
                        .to
                        .as_ref()
                        .or(c.from.as_ref())
                        .and_then(|v| v.signer.as_deref())
                        .map(cut),
                })
                .collect(),
            None,
        ),
        Err(e) => (Vec::new(), Some(cut(&format!("{e:#}")))),
    };
    StoreState {
        generation: index.map_or(0, |i| i.generation),
        history,
        history_error,
    }
}

/// How long one verification of the audit chain answers the console before the next request
/// runs another.
const AUDIT_CHECK_REUSE: std::time::Duration = std::time::Duration::from_secs(5);

/// The console's last verification of the audit chain. Verifying reads and checks every line,
/// so however many overview requests arrive at once, or however fast a script polls, one
/// verification runs at a time and its answer serves every request within
/// [`AUDIT_CHECK_REUSE`] of it: the chain's size, not the request rate, bounds the cost.
#[derive(Default)]
pub(crate) struct AuditCheck {
    last: tokio::sync::Mutex<Option<(std::time::Instant, AuditState)>>,
}

impl AuditCheck {
    /// A verification at most [`AUDIT_CHECK_REUSE`] old, running one if there is none.
    /// Requests arriving while one runs wait for it (the lock) and take its answer.
    async fn current(&self, state: &State) -> AuditState {
        let mut last = self.last.lock().await;
        if let Some((at, audit)) = last.as_ref()
            && at.elapsed() < AUDIT_CHECK_REUSE
        {
            return audit.clone();
        }
        let audit = audit_state(state).await;
        *last = Some((std::time::Instant::now(), audit.clone()));
        audit
    }
}

async fn audit_state(state: &State) -> AuditState {
    let checked_at = interop_audit::now_rfc3339();
    match state.audit.verify().await {
        Ok(report) => AuditState {
            checked_at,
            verified: report.is_ok(),
            problem: report
                .problem
                .as_ref()
                .map(|p| cut(&format!("{}: {}", p.kind, p.message))),
            error: None,
            records: report.records,
            last_seq: report.last_seq,
            unsigned_tail: report.unsigned_tail,
            last_checkpoint: report.last_checkpoint.as_ref().map(|c| CheckpointState {
                seq: c.seq,
                time: c.time.clone(),
                records: c.records,
            }),
            torn_tail: report.torn.is_some(),
            open_intents: report.open_intents_total,
        },
        Err(e) => AuditState {
            checked_at,
            verified: false,
            problem: None,
            error: Some(cut(&e.to_string())),
            records: 0,
            last_seq: 0,
            unsigned_tail: 0,
            last_checkpoint: None,
            torn_tail: false,
            open_intents: 0,
        },
    }
}

fn access_state(access: &Access, plugins: &[Arc<Plugin>]) -> AccessState {
    let config = &access.roles;
    let signed_by = |id: &KeyId| -> Vec<String> {
        plugins
            .iter()
            .filter(|p| p.signer.as_ref() == Some(id))
            .map(|p| p.connector.info().id.clone())
            .collect()
    };
    let revoked: Vec<&KeyId> = config.trust.revoked().collect();
    let mut keys: Vec<KeyState> = config
        .trust
        .trusted()
        .map(|k| {
            let id = k.id();
            KeyState {
                status: if revoked.contains(&&id) {
                    "revoked"
                } else {
                    "trusted"
                },
                comment: Some(cut(k.comment())),
                connectors: signed_by(&id),
                key_id: id.to_string(),
            }
        })
        .collect();
    for id in revoked {
        if !keys.iter().any(|k| k.key_id == id.as_str()) {
            keys.push(KeyState {
                key_id: id.to_string(),
                comment: None,
                status: "revoked",
                connectors: signed_by(id),
            });
        }
    }
    AccessState {
        generation: config.generation,
        roles: config
            .roles
            .iter()
            .map(|(name, r)| RoleState {
                name: name.clone(),
                connectors: r.connectors.clone(),
                operations: r
                    .operations
                    .iter()
                    .filter_map(|op| {
                        interop_api::config::OPERATIONS
                            .iter()
                            .find(|(_, o)| o == op)
                            .map(|(n, _)| n.to_string())
                    })
                    .collect(),
                audit: r.audit,
                operate: r.operate.map(|o| o.as_str().to_string()),
            })
            .collect(),
        users: config
            .users
            .iter()
            .map(|u| UserState {
                id: u.id.clone(),
                roles: u.roles.clone(),
                clearance: match u.clearance {
                    interop_sandbox::types::Classification::Official => "official",
                    interop_sandbox::types::Classification::Secret => "secret",
                    interop_sandbox::types::Classification::TopSecret => "top_secret",
                }
                .into(),
            })
            .collect(),
        group_roles: config
            .claims
            .as_ref()
            .map(|c| {
                c.roles
                    .iter()
                    .map(|(group, roles)| GroupRoles {
                        group: group.clone(),
                        roles: roles.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        keys,
        allow_unsigned: config.allow_unsigned,
    }
}

/// The last reload report in the audit directory, if one can be read.
fn read_report(path: &FsPath) -> Option<ReloadReport> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_REPORT_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The action's body, its reason checked and noted in the record.
async fn action_start(
    access: &mut Access,
    body: Body,
    operation_detail: String,
) -> Result<(), Refusal> {
    access.record().detail = Some(operation_detail);
    allowed(access, Operate::Act)?;
    let bytes = access.body(body).await?;
    let bad = |message: String| Refusal {
        status: StatusCode::BAD_REQUEST,
        message,
        decision: "refused: malformed request".into(),
        outcome: Outcome::Refused,
    };
    let parsed: ActionBody = serde_json::from_slice(&bytes).map_err(|e| {
        bad(format!(
            "the body must be {{\"reason\": \"why, in your words\"}}: {e}"
        ))
    })?;
    if parsed.reason.chars().count() > MAX_REASON_CHARS
        || interop_api::justification::visible_chars(&parsed.reason) < MIN_REASON_VISIBLE
    {
        return Err(bad(format!(
            "`reason`: say why, in {MIN_REASON_VISIBLE} to {MAX_REASON_CHARS} characters"
        )));
    }
    access.record().justification = Some(parsed.reason);
    Ok(())
}

fn trigger(access: &Access, what: &str) -> String {
    format!(
        "operator console {what} by {}",
        interop_sandbox::text::neutralise(&access.user.id, 64)
    )
}

/// `POST /v1/console/reload`: what `interop serve --reload` does, from the console.
pub(crate) async fn reload(
    Shared(state): Shared<Arc<State>>,
    caller: Caller,
    body: Body,
) -> Audited {
    let mut access = caller.access(&state, AuditEvent::Admin, "console-reload");
    if let Err(r) = action_start(&mut access, body, "reload the configuration".into()).await {
        return access.refuse(r).await;
    }
    if let Err(r) = access.intent().await {
        return access.refuse(r).await;
    }
    let report = crate::live::reload(&state, &trigger(&access, "reload"), None).await;
    reload_answer(access, "reload", "reload from the console".into(), report).await
}

async fn reload_answer(
    mut access: Access,
    action: &'static str,
    done: String,
    report: ReloadReport,
) -> Audited {
    if !report.accepted {
        let refusal = Refusal {
            status: StatusCode::CONFLICT,
            message: format!(
                "the configuration file was refused, the old configuration keeps serving: {}",
                cut(&report.reason)
            ),
            decision: "failed: configuration reload refused".into(),
            outcome: Outcome::Failed,
        };
        return access.refuse(refusal).await;
    }
    let summary = report.summary();
    access.record().policy_decision = format!("allowed: operator role (act); {summary}");
    let answer = ActionAnswer {
        action,
        message: format!("{done}: {summary}"),
        reload: Some(report.into()),
        correlation_id: access.correlation_id.clone(),
    };
    access.answer(StatusCode::OK, Outcome::Ok, &answer).await
}

/// `POST /v1/console/keys/{key_id}/revoke`: add a trusted key to `[trust] revoked` in the
/// configuration file, then reload it (see the module's documentation).
pub(crate) async fn revoke_key(
    Shared(state): Shared<Arc<State>>,
    caller: Caller,
    Path(key_id): Path<String>,
    body: Body,
) -> Audited {
    let mut access = caller.access(&state, AuditEvent::Admin, "console-revoke-key");
    let shown = interop_sandbox::text::neutralise(&key_id, 32);
    if let Err(r) = action_start(&mut access, body, format!("revoke key {shown}")).await {
        return access.refuse(r).await;
    }
    let id = match KeyId::parse(&key_id).filter(|_| key_id.len() == 16) {
        Some(id) => id,
        None => {
            let refusal = Refusal {
                status: StatusCode::BAD_REQUEST,
                message: "a key id is 16 hex digits (the console's key list shows them)".into(),
                decision: "refused: malformed key id".into(),
                outcome: Outcome::Refused,
            };
            return access.refuse(refusal).await;
        }
    };
    let config = access.roles.clone();
    if !config.trust.trusted().any(|k| k.id() == id) {
        let refusal = Refusal {
            status: StatusCode::NOT_FOUND,
            message: format!("key {id} is not in this gateway's trust store"),
            decision: "refused: no such trusted key".into(),
            outcome: Outcome::Refused,
        };
        return access.refuse(refusal).await;
    }
    if config.trust.revoked().any(|k| *k == id) {
        let refusal = Refusal {
            status: StatusCode::CONFLICT,
            message: format!("key {id} is already revoked"),
            decision: "refused: key already revoked".into(),
            outcome: Outcome::Refused,
        };
        return access.refuse(refusal).await;
    }
    if let Err(r) = access.intent().await {
        return access.refuse(r).await;
    }
    let source = state.config.source.clone();
    // One at a time with every other reload: the file is changed and reloaded in one step.
    let one_at_a_time = state.reloading.lock().await;
    let written = {
        let id = id.clone();
        tokio::task::spawn_blocking(move || add_revocation(&source, &id))
            .await
            .map_err(|e| format!("the task failed: {e}"))
            .and_then(|r| r)
    };
    if let Err(why) = written {
        drop(one_at_a_time);
        tracing::error!("operator console: cannot revoke key {id}: {why}");
        let refusal = Refusal {
            status: StatusCode::CONFLICT,
            message: format!(
                "key {id} was not revoked: {why}; nothing changed (edit [trust] revoked in the configuration file and run `interop serve --reload`)"
            ),
            decision: "failed: the configuration file could not be changed".into(),
            outcome: Outcome::Failed,
        };
        return access.refuse(refusal).await;
    }
    let report = crate::live::reload_holding(
        &state,
        &trigger(&access, "key revocation"),
        None,
        one_at_a_time,
    )
    .await;
    reload_answer(
        access,
        "revoke-key",
        format!("key {id} revoked: added to [trust] revoked of the configuration file"),
        report,
    )
    .await
}

/// Add `id` to `[trust] revoked` of the configuration file at `path`, keeping its comments and
/// layout: the new text must parse as a configuration (as a start would check it), is written
/// beside the file with its permissions and renamed over it.
pub(crate) fn add_revocation(path: &FsPath, id: &KeyId) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("{} is not TOML: {e}", path.display()))?;
    let trust = doc
        .entry("trust")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .ok_or_else(|| format!("{}: `trust` is not a table", path.display()))?;
    let revoked = trust
        .entry("revoked")
        .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .ok_or_else(|| format!("{}: [trust] revoked is not an array", path.display()))?;
    if revoked.iter().any(|v| v.as_str() == Some(id.as_str())) {
        return Ok(());
    }
    revoked.push(id.as_str());
    let new = doc.to_string();
    GatewayConfig::parse(path, &new)
        .map_err(|e| format!("the changed file would not load: {e}"))?;
    let dir = path.parent().unwrap_or(FsPath::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "config".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.console-{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        use std::io::Write as _;
        let permissions = std::fs::metadata(path)?.permissions();
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(new.as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, permissions)?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!(
            "cannot write {} ({e}): the gateway's account needs write access to it and its directory",
            path.display()
        )
    })
}

/// `POST /v1/console/connectors/{id}/rollback`: the store's previous version runs again.
pub(crate) async fn rollback(
    Shared(state): Shared<Arc<State>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Body,
) -> Audited {
    store_action(state, caller, id, body, StoreAction::Rollback).await
}

/// `POST /v1/console/connectors/{id}/remove`: the connector leaves the store and stops.
pub(crate) async fn remove(
    Shared(state): Shared<Arc<State>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Body,
) -> Audited {
    store_action(state, caller, id, body, StoreAction::Remove).await
}

#[derive(Clone, Copy)]
enum StoreAction {
    Rollback,
    Remove,
}

async fn store_action(
    state: Arc<State>,
    caller: Caller,
    id: String,
    body: Body,
    action: StoreAction,
) -> Audited {
    let (operation, verb) = match action {
        StoreAction::Rollback => ("console-rollback", "rollback"),
        StoreAction::Remove => ("console-remove", "remove"),
    };
    let mut access = caller.access(&state, AuditEvent::Admin, operation);
    let shown = interop_sandbox::text::neutralise(&id, 64);
    if let Err(r) = action_start(&mut access, body, format!("{verb} connector {shown}")).await {
        return access.refuse(r).await;
    }
    let well_formed = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !well_formed {
        let r = Refusal {
            status: StatusCode::BAD_REQUEST,
            message: "a connector id is 1 to 64 of a-z, 0-9 and -".into(),
            decision: "refused: malformed connector id".into(),
            outcome: Outcome::Refused,
        };
        return access.refuse(r).await;
    }
    let conflict = |message: String, decision: &str| Refusal {
        status: StatusCode::CONFLICT,
        message,
        decision: format!("refused: {decision}"),
        outcome: Outcome::Refused,
    };
    let Some(watch) = &state.store else {
        let r = conflict(
            "this gateway has no plugin store ([store]): its connectors come from [[connectors]] and change only with the file and a restart".into(),
            "no plugin store",
        );
        return access.refuse(r).await;
    };
    let index = match watch.store().index().await {
        Ok(i) => i,
        Err(e) => {
            let r = Refusal {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: format!(
                    "the plugin store's index cannot be read: {}",
                    cut(&format!("{e:#}"))
                ),
                decision: "failed: store index unreadable".into(),
                outcome: Outcome::Failed,
            };
            return access.refuse(r).await;
        }
    };
    let Some(slot) = index.plugins.get(&id) else {
        let in_config = state
            .plugins()
            .iter()
            .any(|p| p.stored.is_none() && p.connector.info().id == id);
        let r = if in_config {
            conflict(
                format!("connector {shown} comes from [[connectors]], not the plugin store"),
                "not in the store",
            )
        } else {
            Refusal {
                status: StatusCode::NOT_FOUND,
                message: format!("no connector {shown} is in the plugin store"),
                decision: "refused: no such connector".into(),
                outcome: Outcome::Refused,
            }
        };
        return access.refuse(r).await;
    };
    if matches!(action, StoreAction::Rollback) && slot.previous.is_none() {
        let r = conflict(
            format!("connector {shown} has no previous version to roll back to"),
            "no previous version",
        );
        return access.refuse(r).await;
    }
    if let Err(r) = access.intent().await {
        return access.refuse(r).await;
    }
    let actor = format!(
        "{} (operator console)",
        interop_sandbox::text::neutralise(&access.user.id, 64)
    );
    let done = match action {
        StoreAction::Rollback => watch
            .store()
            .rollback(&id, &actor)
            .await
            .map(|v| format!("connector {id} rolled back to version {}", cut(&v.version))),
        StoreAction::Remove => watch
            .store()
            .remove(&id, &actor)
            .await
            .map(|_| format!("connector {id} removed from the plugin store")),
    };
    let message = match done {
        Ok(m) => m,
        Err(e) => {
            let r = conflict(
                format!("the plugin store refused: {}", cut(&format!("{e:#}"))),
                "the store refused the change",
            );
            return access.refuse(r).await;
        }
    };
    let applied = match watch.apply(&state, false).await {
        Ok(_) => String::new(),
        Err(e) => format!(
            "; the running gateway has not applied it yet: {}",
            cut(&format!("{e:#}"))
        ),
    };
    access.record().policy_decision = format!("allowed: operator role (act); {message}");
    let answer = ActionAnswer {
        action: verb,
        message: format!("{message}{applied}"),
        reload: None,
        correlation_id: access.correlation_id.clone(),
    };
    access.answer(StatusCode::OK, Outcome::Ok, &answer).await
}
