//! The `/v1` data routes. Each takes a [`Caller`] (authenticated, or refused and audited by
//! the extractor), makes it an [`Access`], and ends with [`Access::refuse`] or
//! [`Access::answer`]: every handler returns [`Audited`], which only those make.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State as Shared};
use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;

use interop_api::request::{self, Search};
use interop_audit::{AuditEvent, Criteria, CriteriaKey, Outcome, S62Category};
use interop_sandbox::CallError;
use interop_sandbox::types::{
    Classification, ConnectorInfo, Dropped, EntityKind, Operation, PoleRecord, Receipt,
    RequestContext, SearchKey, SearchQuery,
};

use super::access::{Access, Audited, Refusal};
use super::auth::Caller;
use super::federation::{self, Hit};
use super::{Plugin, State};

pub(crate) mod console;
mod profile;
pub(crate) use profile::{ProfileAnswer, profile};

/// How one connector fared in a federated search: `ok` with the number of records it
/// disclosed and its cursor; `declined` when it answered that it cannot serve this query (its
/// `invalid_input`: a key it does not search by, say), with its message; or `timed_out` /
/// `failed` with the error's class and message.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SourceStatus {
    connector: String,
    version: String,
    #[schema(value_type = String, pattern = "^(ok|declined|failed|timed_out)$")]
    status: &'static str,
    /// Records it disclosed to you (never those withheld for clearance).
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<usize>,
    /// Present (possibly null) exactly when the connector answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    next_cursor: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    took_ms: u64,
}

/// `POST /v1/search`'s answer: `complete` is false when a connector failed (the answer is
/// partial, never silently).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FederatedAnswer<'a> {
    correlation_id: &'a str,
    complete: bool,
    sources: Vec<SourceStatus>,
    withheld: usize,
    groups: Vec<federation::Group>,
    took_ms: u64,
}

/// `POST /v1/connectors/{id}/search|fetch`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ConnectorAnswer<'a> {
    correlation_id: &'a str,
    connector: &'a str,
    #[schema(value_type = Vec<Hit>)]
    records: &'a [Hit],
    withheld: usize,
    next_cursor: Option<String>,
    /// Present when the connector answered that it cannot serve this search (its
    /// `invalid_input`: a key it does not search by, say): its words. Nothing was searched.
    #[serde(skip_serializing_if = "Option::is_none")]
    declined: Option<String>,
}

/// A failed connector call's answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CallFailure<'a> {
    error: String,
    class: String,
    connector: &'a str,
    correlation_id: &'a str,
    status: u16,
}

/// One target of a submit: `ok` with its receipt, `declined` when the connector answered that
/// it cannot take this submission (its `invalid_input`), or `failed`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Target {
    connector: String,
    #[schema(value_type = String, pattern = "^(ok|declined|failed)$")]
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<Receipt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// A submit's answer: a receipt or an error per target.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SubmitAnswer<'a> {
    correlation_id: &'a str,
    idempotency_key: &'a str,
    complete: bool,
    targets: Vec<Target>,
}

/// Did the connector decline the request: answer that it cannot serve it (its
/// `invalid_input`), as opposed to failing? The gateway checked the request against the API;
/// what a connector cannot serve (a key it does not search by, an update its vendor forbids)
/// is its answer, not a malformed request and not a failure.
fn declined(e: &CallError) -> bool {
    matches!(e, CallError::Connector { .. }) && e.class() == "invalid-input"
}

/// An error class as the API writes it: snake_case (`not_found`).
fn api_class(e: &CallError) -> String {
    e.class().replace('-', "_")
}

/// What a user is told of a failed call: the connector's own words for an error it reported,
/// the kind of stop otherwise, never the host's internals or its file paths.
fn public_message(e: &CallError) -> String {
    match e {
        CallError::Connector { .. } => e.to_string(),
        CallError::Trap { .. } => "the connector stopped with a trap".into(),
        CallError::CpuBudget { .. } => "the connector used up its CPU budget".into(),
        CallError::Timeout { .. } => "the connector did not answer in time".into(),
        CallError::Memory { .. } => "the connector used up its memory".into(),
        CallError::Boundary { .. } => "the connector's answer was too large".into(),
        CallError::Overloaded { .. } => "the connector is busy; try again".into(),
        CallError::Host { .. } => "the gateway could not run the connector; see its log".into(),
        _ => "the connector call failed".into(),
    }
}

/// The HTTP status a failed connector call answers with.
fn status_for(e: &CallError) -> StatusCode {
    match e.class() {
        "not-found" => StatusCode::NOT_FOUND,
        "invalid-input" => StatusCode::BAD_REQUEST,
        "timeout" => StatusCode::GATEWAY_TIMEOUT,
        "overloaded" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_GATEWAY,
    }
}

fn class_name(c: Classification) -> &'static str {
    match c {
        Classification::Official => "OFFICIAL",
        Classification::Secret => "SECRET",
        Classification::TopSecret => "TOP SECRET",
    }
}

impl Access {
    /// The first of the user's roles that may do `op` on `connector`.
    fn role_for(&self, connector: &str, op: Operation) -> Option<String> {
        let access = &self.roles;
        self.user
            .roles
            .iter()
            .find(|r| {
                access
                    .roles
                    .get(*r)
                    .is_some_and(|role| role.allows(connector, op))
            })
            .cloned()
    }

    /// May any of the user's roles read the audit log?
    fn is_auditor(&self) -> bool {
        let access = &self.roles;
        self.user
            .roles
            .iter()
            .any(|r| access.roles.get(r).is_some_and(|role| role.audit))
    }

    fn context(&self, role: &str, why: &request::Why, key: Option<&str>) -> RequestContext {
        RequestContext {
            user_id: self.user.id.clone(),
            role: role.to_string(),
            clearance: self.user.clearance,
            justification: why.justification.clone(),
            case_reference: why.case_reference.clone(),
            correlation_id: self.correlation_id.clone(),
            idempotency_key: key.map(str::to_string),
        }
    }

    /// The connectors that take `kind` for `op` and that one of the user's roles allows,
    /// each with that role; only those in `only`, if given.
    fn targets(
        &self,
        kind: EntityKind,
        op: Operation,
        only: Option<&[String]>,
    ) -> Vec<(Arc<Plugin>, String)> {
        self.state
            .plugins()
            .iter()
            .filter(|p| {
                let info = p.connector.info();
                info.entity_kinds.contains(&kind)
                    && info.operations.contains(&op)
                    && only.is_none_or(|o| o.contains(&info.id))
            })
            .filter_map(|p| {
                self.role_for(&p.connector.info().id, op)
                    .map(|role| (p.clone(), role))
            })
            .collect()
    }

    /// Note what was disclosed and withheld: ids, never content.
    fn disclosed(&mut self, shown: &[Hit], withheld: &[Hit]) {
        let record = self.record();
        record.disclosed = shown.iter().map(federation::disclosed_id).collect();
        record.withheld = withheld.len() as u32;
        record.withheld_ids = withheld.iter().map(federation::disclosed_id).collect();
        if !withheld.is_empty() {
            record.detail = Some("withheld for clearance: see withheld_ids".into());
        }
        record.highest_classification = shown
            .iter()
            .map(|h| h.record.handling.classification)
            .max()
            .map(|c| class_name(c).to_string());
    }
}

/// The audit's policy decision for calls to `targets`: which role allowed each.
fn decision(targets: &[(Arc<Plugin>, String)], verb: &str) -> String {
    format!(
        "allowed: {}",
        targets
            .iter()
            .map(|(p, role)| format!("{role} may {verb} {}", p.connector.info().id))
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// The validated criteria of a search, as audited.
fn criteria_of(q: &SearchQuery, connectors: Option<&[String]>) -> Criteria {
    Criteria {
        kind: Some(q.kind.to_string()),
        text: q.text.clone(),
        keys: q
            .keys
            .iter()
            .map(|k| {
                let (kind, value) = match k {
                    SearchKey::Name(n) => {
                        return CriteriaKey {
                            kind: "name".into(),
                            value: n.surname.clone(),
                            given_name: n.given_name.clone(),
                            date_of_birth: n.date_of_birth.clone(),
                        };
                    }
                    SearchKey::Vrm(v) => ("vrm", v),
                    SearchKey::Vin(v) => ("vin", v),
                    SearchKey::Reference(v) => ("reference", v),
                    SearchKey::Postcode(v) => ("postcode", v),
                    SearchKey::Telephone(v) => ("telephone", v),
                    SearchKey::Email(v) => ("email", v),
                };
                CriteriaKey {
                    kind: kind.into(),
                    value: value.clone(),
                    ..CriteriaKey::default()
                }
            })
            .collect(),
        limit: Some(q.limit),
        cursor: q.cursor.clone(),
        connectors: connectors.map(<[String]>::to_vec).unwrap_or_default(),
        ..Criteria::default()
    }
}

/// Normalised subjects a query asks about, so "who searched for this person?" has an answer.
pub(crate) fn query_subjects(q: &SearchQuery) -> Vec<String> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let mut out: Vec<String> = q
        .keys
        .iter()
        .map(|k| match k {
            SearchKey::Name(n) => format!(
                "name:{}{}",
                norm(&n.surname),
                n.date_of_birth
                    .as_deref()
                    .map(|d| format!(":{d}"))
                    .unwrap_or_default()
            ),
            SearchKey::Vrm(v) => format!("vrm:{}", norm(v).to_uppercase()),
            SearchKey::Vin(v) => format!("vin:{}", norm(v).to_uppercase()),
            SearchKey::Reference(r) => format!("reference:{r}"),
            SearchKey::Postcode(p) => format!("postcode:{}", norm(p).to_uppercase()),
            SearchKey::Telephone(t) => format!(
                "telephone:{}",
                t.chars().filter(char::is_ascii_digit).collect::<String>()
            ),
            SearchKey::Email(e) => format!("email:{}", e.trim().to_lowercase()),
        })
        .collect();
    if let Some(text) = &q.text {
        out.push(format!("text:{}", text.trim().to_lowercase()));
    }
    out
}

/// One installed connector, as `GET /v1/connectors` lists it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Listed<'a> {
    describe: &'a ConnectorInfo,
    component_sha256: &'a str,
    signature: Signature<'a>,
    health: Health,
    /// What your roles allow on it: `search`, `fetch`, `submit`.
    #[schema(value_type = Vec<String>)]
    you_may: Vec<&'static str>,
}

/// A connector's signature: `verified` by a trusted key, or `unsigned` (loaded under
/// `allow_unsigned`, development only).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum Signature<'a> {
    Verified { key_id: &'a str },
    Unsigned,
}

/// A connector's calls since start and how many failed; `failing` when every call failed.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    calls: u64,
    failed: u64,
    #[schema(value_type = String, pattern = "^(ok|failing)$")]
    status: &'static str,
}

/// `GET /v1/connectors`' answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ConnectorList<'a> {
    connectors: Vec<Listed<'a>>,
}

/// `GET /v1/connectors`: what runs, what the caller may do with each. No server paths.
pub(crate) async fn list(Shared(state): Shared<Arc<State>>, caller: Caller) -> Audited {
    let access = caller.access(&state, AuditEvent::Access, "list-connectors");
    let plugins = state.plugins();
    let connectors = plugins
        .iter()
        .map(|p| {
            let id = &p.connector.info().id;
            let (calls, failed) = state.metrics.failures(id);
            Listed {
                describe: p.connector.info(),
                component_sha256: &p.component_sha256,
                signature: match &p.signer {
                    Some(k) => Signature::Verified { key_id: k.as_str() },
                    None => Signature::Unsigned,
                },
                health: Health {
                    calls,
                    failed,
                    status: if calls > 0 && failed == calls {
                        "failing"
                    } else {
                        "ok"
                    },
                },
                you_may: [
                    ("search", Operation::Search),
                    ("fetch", Operation::Fetch),
                    ("submit", Operation::Submit),
                ]
                .into_iter()
                .filter(|(_, op)| access.role_for(id, *op).is_some())
                .map(|(name, _)| name)
                .collect(),
            }
        })
        .collect();
    let mut access = access;
    access.record().policy_decision = "allowed: any user may list connectors".into();
    access
        .answer(StatusCode::OK, Outcome::Ok, &ConnectorList { connectors })
        .await
}

/// `POST /v1/search`: every connector that searches this kind and that the user may search.
pub(crate) async fn federated_search(
    Shared(state): Shared<Arc<State>>,
    caller: Caller,
    body: Body,
) -> Audited {
    let mut access = caller.access(&state, AuditEvent::Access, "search");
    access.category(S62Category::Combination);
    let bytes = match access.body(body).await {
        Ok(b) => b,
        Err(r) => return access.refuse(r).await,
    };
    let Search {
        why,
        query,
        connectors,
    } = match request::parse_search(&bytes, &state.config.access) {
        Ok(s) => s,
        Err(e) => return access.refuse(Refusal::bad_request(&e)).await,
    };
    access.why(&why);
    access.record().criteria = Some(criteria_of(&query, connectors.as_deref()));
    access.record().subjects = query_subjects(&query);
    let targets = access.targets(query.kind, Operation::Search, connectors.as_deref());
    if targets.is_empty() {
        let refusal = Refusal::forbidden(
            format!("no connector you may search handles {} records", query.kind),
            "refused: no permitted connector for this kind".into(),
        );
        return access.refuse(refusal).await;
    }
    access.reaches(&targets.iter().map(|(p, _)| &**p).collect::<Vec<_>>());
    access.record().policy_decision = decision(&targets, "search");

    let results = {
        let access = &access;
        let why = &why;
        let query = &query;
        federation::fan_out(
            &state.metrics,
            &targets,
            "search",
            |plugin, role| async move {
                let ctx = access.context(role, why, None);
                plugin.connector.search(&ctx, query).await
            },
        )
        .await
    };

    let mut shown_all = Vec::new();
    let mut withheld_all = Vec::new();
    let mut sources = Vec::new();
    let mut failed = 0;
    let mut declined_by = 0;
    for (plugin, result, took) in results {
        let info = plugin.connector.info();
        match result {
            Ok(r) => {
                note_faults(&mut access, &info.id, r.dropped, &r.records);
                let hits = r.records.into_iter().map(|record| Hit {
                    connector: info.id.clone(),
                    version: info.version.clone(),
                    record,
                });
                let (shown, withheld) = federation::withhold(hits.collect(), access.user.clearance);
                // Counts are of what this user was shown: a count that included withheld
                // records would say, per source, that records above their clearance exist.
                sources.push(SourceStatus {
                    connector: info.id.clone(),
                    version: info.version.clone(),
                    status: "ok",
                    records: Some(shown.len()),
                    next_cursor: Some(r.next_cursor.clone()),
                    class: None,
                    message: None,
                    took_ms: took.as_millis() as u64,
                });
                shown_all.extend(shown);
                withheld_all.extend(withheld);
            }
            Err(e) => {
                if declined(&e) {
                    declined_by += 1;
                } else {
                    failed += 1;
                }
                sources.push(SourceStatus {
                    connector: info.id.clone(),
                    version: info.version.clone(),
                    status: match &e {
                        _ if declined(&e) => "declined",
                        CallError::Timeout { .. } => "timed_out",
                        _ => "failed",
                    },
                    records: None,
                    next_cursor: None,
                    class: Some(api_class(&e)),
                    message: Some(public_message(&e)),
                    took_ms: took.as_millis() as u64,
                });
            }
        }
    }
    access.disclosed(&shown_all, &withheld_all);
    let subjects = &mut access.record().subjects;
    subjects.extend(
        shown_all
            .iter()
            .filter_map(|h| federation::subject_key(&h.record)),
    );
    subjects.sort();
    subjects.dedup();
    let complete = failed == 0 && declined_by == 0;
    let (status, outcome) = if failed == targets.len() {
        (StatusCode::BAD_GATEWAY, Outcome::Failed)
    } else if complete {
        (StatusCode::OK, Outcome::Ok)
    } else {
        (StatusCode::OK, Outcome::Partial)
    };
    // The combination itself: which records are one person or thing, and why, audited with
    // the answer.
    let grouped = federation::group(shown_all, &state.linker);
    access.record().linked = grouped.combined;
    let correlation_id = access.correlation_id.clone();
    let took_ms = access.started.elapsed().as_millis() as u64;
    let answer = FederatedAnswer {
        correlation_id: &correlation_id,
        complete,
        sources,
        withheld: withheld_all.len(),
        groups: grouped.groups,
        took_ms,
    };
    access.answer(status, outcome, &answer).await
}

/// The connector a `/v1/connectors/{id}/…` request names, and the user's role for `op` on it.
async fn one_target(
    mut access: Access,
    id: &str,
    op: Operation,
) -> Result<(Access, Arc<Plugin>, String), Audited> {
    let plugin = access
        .state
        .plugins()
        .iter()
        .find(|p| p.connector.info().id == id)
        .cloned();
    let Some(plugin) = plugin else {
        let refusal = Refusal {
            status: StatusCode::NOT_FOUND,
            message: "no such connector is installed; see GET /v1/connectors".into(),
            decision: "refused: unknown connector".into(),
            outcome: Outcome::Refused,
        };
        return Err(access.refuse(refusal).await);
    };
    access.reaches(&[&plugin]);
    if !plugin.connector.info().operations.contains(&op) {
        let refusal = Refusal::forbidden(
            format!("`{id}` does not {op}; see GET /v1/connectors"),
            format!("refused: {id} does not {op}"),
        );
        return Err(access.refuse(refusal).await);
    }
    let Some(role) = access.role_for(id, op) else {
        let refusal = Refusal::forbidden(
            format!("your roles do not allow {op} on `{id}`"),
            format!("refused: no role of {} may {op} {id}", access.user.id),
        );
        return Err(access.refuse(refusal).await);
    };
    access.record().policy_decision = format!("allowed: {role} may {op} {id}");
    Ok((access, plugin, role))
}

/// The refusal (403) when `plugin` does not handle `kind` records: a connector is never asked
/// about a kind it did not declare.
fn kind_refusal(plugin: &Plugin, kind: EntityKind) -> Option<Refusal> {
    let info = plugin.connector.info();
    (!info.entity_kinds.contains(&kind)).then(|| {
        Refusal::forbidden(
            format!("`{}` does not take {kind} records", info.id),
            "refused: the connector does not take this kind".into(),
        )
    })
}

/// A failed call to one connector, audited and answered.
async fn failed_call(mut access: Access, id: &str, e: &CallError) -> Audited {
    let status = status_for(e);
    access.record().error_class = Some(api_class(e));
    let correlation_id = access.correlation_id.clone();
    let body = CallFailure {
        error: public_message(e),
        class: api_class(e),
        connector: id,
        correlation_id: &correlation_id,
        status: status.as_u16(),
    };
    access.answer(status, Outcome::Failed, &body).await
}

/// `POST /v1/connectors/{id}/search`.
pub(crate) async fn connector_search(
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    caller: Caller,
    body: Body,
) -> Audited {
    let mut access = caller.access(&state, AuditEvent::Access, "search");
    access.category(S62Category::Consultation);
    let (mut access, plugin, role) = match one_target(access, &id, Operation::Search).await {
        Ok(t) => t,
        Err(done) => return done,
    };
    let bytes = match access.body(body).await {
        Ok(b) => b,
        Err(r) => return access.refuse(r).await,
    };
    let search = match request::parse_search(&bytes, &state.config.access) {
        Ok(s) if s.connectors.is_none() => s,
        Ok(_) => {
            let e = request::RequestError::Field {
                field: "connectors",
                message: "a search of one connector names it in the path; leave `connectors` out"
                    .into(),
            };
            return access.refuse(Refusal::bad_request(&e)).await;
        }
        Err(e) => return access.refuse(Refusal::bad_request(&e)).await,
    };
    access.why(&search.why);
    access.record().criteria = Some(criteria_of(&search.query, None));
    access.record().subjects = query_subjects(&search.query);
    if let Some(refusal) = kind_refusal(&plugin, search.query.kind) {
        return access.refuse(refusal).await;
    }
    let ctx = access.context(&role, &search.why, None);
    let result = federation::timed(
        &state.metrics,
        &plugin,
        "search",
        plugin.connector.search(&ctx, &search.query),
    )
    .await;
    match result {
        Ok(r) => {
            note_faults(&mut access, &id, r.dropped, &r.records);
            let hits: Vec<Hit> = r
                .records
                .into_iter()
                .map(|record| Hit {
                    connector: id.clone(),
                    version: plugin.connector.info().version.clone(),
                    record,
                })
                .collect();
            let (shown, withheld) = federation::withhold(hits, access.user.clearance);
            access.disclosed(&shown, &withheld);
            let correlation_id = access.correlation_id.clone();
            let answer = ConnectorAnswer {
                correlation_id: &correlation_id,
                connector: &id,
                records: &shown,
                withheld: withheld.len(),
                next_cursor: r.next_cursor,
                declined: None,
            };
            access.answer(StatusCode::OK, Outcome::Ok, &answer).await
        }
        Err(e) if declined(&e) => {
            access.record().error_class = Some(api_class(&e));
            let correlation_id = access.correlation_id.clone();
            let answer = ConnectorAnswer {
                correlation_id: &correlation_id,
                connector: &id,
                records: &[],
                withheld: 0,
                next_cursor: None,
                declined: Some(public_message(&e)),
            };
            access
                .answer(StatusCode::OK, Outcome::Failed, &answer)
                .await
        }
        Err(e) => failed_call(access, &id, &e).await,
    }
}

/// Note in the audit record what a connector's answer held that the host did not pass on as
/// given: records dropped at the boundary, and records passed with quality warnings. Only the
/// audit says so: an answer counting dropped records would tell a user that records above a
/// ceiling exist.
fn note_faults(access: &mut Access, connector: &str, dropped: Dropped, records: &[PoleRecord]) {
    let fault = interop_audit::ConnectorFault {
        connector: connector.to_string(),
        above_ceiling: dropped.above_ceiling,
        wrong_kind: dropped.wrong_kind,
        malformed: dropped.malformed,
        with_warnings: records.iter().filter(|r| !r.quality.is_empty()).count() as u32,
    };
    if !fault.is_empty() {
        access.record().faults.push(fault);
    }
}

/// What a fetch answers when there is no record to show: the same for an id that does not
/// exist and for one above the user's clearance, so the answer says nothing of which.
fn not_found(access: &Access, id: &str) -> (StatusCode, CallFailureOwned) {
    (
        StatusCode::NOT_FOUND,
        CallFailureOwned {
            error: format!("{id}: no such record"),
            class: "not_found".into(),
            connector: id.to_string(),
            correlation_id: access.correlation_id.clone(),
            status: StatusCode::NOT_FOUND.as_u16(),
        },
    )
}

#[derive(Serialize)]
struct CallFailureOwned {
    error: String,
    class: String,
    connector: String,
    correlation_id: String,
    status: u16,
}

/// `POST /v1/connectors/{id}/fetch`.
pub(crate) async fn connector_fetch(
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    caller: Caller,
    body: Body,
) -> Audited {
    let mut access = caller.access(&state, AuditEvent::Access, "fetch");
    access.category(S62Category::Consultation);
    let (mut access, plugin, role) = match one_target(access, &id, Operation::Fetch).await {
        Ok(t) => t,
        Err(done) => return done,
    };
    let bytes = match access.body(body).await {
        Ok(b) => b,
        Err(r) => return access.refuse(r).await,
    };
    let fetch = match request::parse_fetch(&bytes, &state.config.access) {
        Ok(f) => f,
        Err(e) => return access.refuse(Refusal::bad_request(&e)).await,
    };
    access.why(&fetch.why);
    access.record().criteria = Some(Criteria {
        kind: Some(fetch.kind.to_string()),
        local_id: Some(fetch.local_id.clone()),
        ..Criteria::default()
    });
    if let Some(refusal) = kind_refusal(&plugin, fetch.kind) {
        return access.refuse(refusal).await;
    }
    let ctx = access.context(&role, &fetch.why, None);
    let result = federation::timed(
        &state.metrics,
        &plugin,
        "fetch",
        plugin.connector.fetch(&ctx, fetch.kind, &fetch.local_id),
    )
    .await;
    match result {
        Ok(record) => {
            note_faults(
                &mut access,
                &id,
                Dropped::default(),
                std::slice::from_ref(&record),
            );
            let hit = Hit {
                connector: id.clone(),
                version: plugin.connector.info().version.clone(),
                record,
            };
            let (shown, withheld) = federation::withhold(vec![hit], access.user.clearance);
            access.disclosed(&shown, &withheld);
            if shown.is_empty() {
                // Above clearance: answered exactly as not-found, audited as withheld.
                access
                    .record()
                    .policy_decision
                    .push_str("; withheld: above clearance");
                let (status, body) = not_found(&access, &id);
                return access.answer(status, Outcome::Refused, &body).await;
            }
            let correlation_id = access.correlation_id.clone();
            let answer = ConnectorAnswer {
                correlation_id: &correlation_id,
                connector: &id,
                records: &shown,
                withheld: 0,
                next_cursor: None,
                declined: None,
            };
            access.answer(StatusCode::OK, Outcome::Ok, &answer).await
        }
        // An id the connector cannot read (its invalid_input) names no record either.
        Err(e) if e.class() == "not-found" || declined(&e) => {
            access.record().error_class = Some(api_class(&e));
            let (status, body) = not_found(&access, &id);
            access.answer(status, Outcome::Failed, &body).await
        }
        Err(e) => failed_call(access, &id, &e).await,
    }
}

/// `POST /v1/connectors/{id}/submit`.
pub(crate) async fn connector_submit(
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    caller: Caller,
    body: Body,
) -> Audited {
    let access = caller.access(&state, AuditEvent::Access, "submit");
    let (access, plugin, role) = match one_target(access, &id, Operation::Submit).await {
        Ok(t) => t,
        Err(done) => return done,
    };
    submit(state, access, body, Some((plugin, role))).await
}

/// `POST /v1/submit`: enter once, to every connector that takes this kind and that the user
/// may submit to; a receipt or an error per target.
pub(crate) async fn enter_once(
    Shared(state): Shared<Arc<State>>,
    caller: Caller,
    body: Body,
) -> Audited {
    let access = caller.access(&state, AuditEvent::Access, "submit");
    submit(state, access, body, None).await
}

/// A submit to `only` one connector, or to every permitted one: intent on disk, then the
/// vendors, then the outcome.
async fn submit(
    state: Arc<State>,
    mut access: Access,
    body: Body,
    only: Option<(Arc<Plugin>, String)>,
) -> Audited {
    let bytes = match access.body(body).await {
        Ok(b) => b,
        Err(r) => return access.refuse(r).await,
    };
    let submit = match request::parse_submit(&bytes, &state.config.access) {
        Ok(s) => s,
        Err(e) => return access.refuse(Refusal::bad_request(&e)).await,
    };
    access.why(&submit.why);
    let kind = submit.submission.entity.kind();
    access.category(if submit.submission.local_id.is_some() {
        S62Category::Alteration
    } else {
        S62Category::Collection
    });
    access.record().criteria = Some(Criteria {
        kind: Some(kind.to_string()),
        local_id: submit.submission.local_id.clone(),
        idempotency_key: Some(submit.idempotency_key.clone()),
        ..Criteria::default()
    });
    let targets = match only {
        Some((plugin, role)) => {
            if let Some(refusal) = kind_refusal(&plugin, kind) {
                return access.refuse(refusal).await;
            }
            vec![(plugin, role)]
        }
        None => access.targets(kind, Operation::Submit, None),
    };
    if targets.is_empty() {
        let refusal = Refusal::forbidden(
            format!("no connector you may submit to takes {kind} records"),
            "refused: no permitted connector for this kind".into(),
        );
        return access.refuse(refusal).await;
    }
    access.reaches(&targets.iter().map(|(p, _)| &**p).collect::<Vec<_>>());
    access.record().recipients = targets
        .iter()
        .map(|(p, _)| p.connector.info().id.clone())
        .collect();
    access.record().policy_decision = decision(&targets, "submit to");
    // The intent is on disk before any vendor is called; without it, none is.
    if let Err(refusal) = access.intent().await {
        return access.refuse(refusal).await;
    }
    let results = {
        let access = &access;
        let submit = &submit;
        federation::fan_out(
            &state.metrics,
            &targets,
            "submit",
            |plugin, role| async move {
                let ctx = access.context(role, &submit.why, Some(&submit.idempotency_key));
                plugin.connector.submit(&ctx, &submit.submission).await
            },
        )
        .await
    };
    let mut answers = Vec::new();
    let mut failed = 0;
    let mut declined_by = 0;
    let mut receipts = Vec::new();
    for (plugin, result, _) in results {
        let id = plugin.connector.info().id.clone();
        match result {
            Ok(r) => {
                receipts.push(format!("{id}:receipt:{}", r.local_id));
                answers.push(Target {
                    connector: id,
                    status: "ok",
                    receipt: Some(r),
                    class: None,
                    message: None,
                });
            }
            Err(e) => {
                let status = if declined(&e) {
                    declined_by += 1;
                    "declined"
                } else {
                    failed += 1;
                    "failed"
                };
                answers.push(Target {
                    connector: id,
                    status,
                    receipt: None,
                    class: Some(api_class(&e)),
                    message: Some(public_message(&e)),
                });
            }
        }
    }
    access.record().disclosed = receipts;
    let (status, outcome) = match (failed, declined_by) {
        (0, 0) => (StatusCode::OK, Outcome::Ok),
        (n, _) if n == targets.len() => (StatusCode::BAD_GATEWAY, Outcome::Failed),
        (_, d) if d == targets.len() => (StatusCode::OK, Outcome::Failed),
        _ => (StatusCode::OK, Outcome::Partial),
    };
    let correlation_id = access.correlation_id.clone();
    let answer = SubmitAnswer {
        correlation_id: &correlation_id,
        idempotency_key: &submit.idempotency_key,
        complete: failed == 0 && declined_by == 0,
        targets: answers,
    };
    access.answer(status, outcome, &answer).await
}

/// A page of `GET /v1/audit`: the records after the cursor, each with its `seq`, and the
/// cursor of the next page when there are more.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PageAnswer {
    /// Audit records, as `interop audit query --json` prints them, each with its `seq`.
    #[schema(value_type = Vec<Object>)]
    records: Vec<serde_json::Value>,
    next_cursor: Option<String>,
}

/// Records one page of `GET /v1/audit` holds unless `limit` says; at most [`MAX_AUDIT_PAGE`].
pub(crate) const DEFAULT_AUDIT_PAGE: usize = 100;
/// Most records one page holds: a page is a few MiB at most. More is read page by page, or
/// streamed with `stream=true`.
pub(crate) const MAX_AUDIT_PAGE: usize = 1000;

/// Records a stream carries in flight between the reading thread and the connection: bounds
/// what a slow reader makes the gateway hold.
const STREAM_BUFFER: usize = 64;

/// `GET /v1/audit?user=&connector=&subject=&since=&until=&operation=&limit=&cursor=&stream=`:
/// for auditors; the read itself is audited. A page of at most `limit` records after `cursor`,
/// or with `stream=true` every matching record after `cursor` (the first `limit`, when given)
/// as JSON lines (`application/x-ndjson`), read from the log as they are sent.
pub(crate) async fn audit_read(
    Shared(state): Shared<Arc<State>>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Audited {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Params {
        user: Option<String>,
        connector: Option<String>,
        subject: Option<String>,
        since: Option<String>,
        until: Option<String>,
        operation: Option<String>,
        limit: Option<usize>,
        cursor: Option<u64>,
        stream: Option<bool>,
    }
    let mut access = caller.access(&state, AuditEvent::AuditRead, "audit-read");
    let raw = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&raw).unwrap_or_default();
    access.record().criteria = Some(Criteria {
        filters: pairs
            .into_iter()
            .take(interop_audit::MAX_CRITERIA_ENTRIES)
            .collect(),
        ..Criteria::default()
    });
    if !access.is_auditor() {
        let refusal = Refusal::forbidden(
            "reading the audit log needs a role with `audit = true`".into(),
            format!("refused: {} has no auditor role", access.user.id),
        );
        return access.refuse(refusal).await;
    }
    let bad = |message: String| Refusal {
        status: StatusCode::BAD_REQUEST,
        message,
        decision: "refused: malformed request".into(),
        outcome: Outcome::Refused,
    };
    let params: Params = match serde_urlencoded::from_str(&raw) {
        Ok(p) => p,
        Err(e) => {
            return access
                .refuse(bad(format!(
                    "{e}: filters are user, connector, subject, since, until, operation; pages take limit and cursor"
                )))
                .await;
        }
    };
    let mut filter = interop_audit::Filter {
        user: params.user,
        connector: params.connector,
        subject: params.subject,
        operation: params.operation,
        ..interop_audit::Filter::default()
    };
    for (name, value, slot) in [
        ("since", params.since, &mut filter.since),
        ("until", params.until, &mut filter.until),
    ] {
        if let Some(v) = value {
            // Exactly the documented forms: no space around them.
            if v.trim() != v {
                return access
                    .refuse(bad(format!("`{name}`: no spaces around the time")))
                    .await;
            }
            match interop_audit::parse_time(&v) {
                Ok(t) => *slot = Some(t),
                Err(e) => return access.refuse(bad(format!("`{name}`: {e}"))).await,
            }
        }
    }
    let limit = params.limit.unwrap_or(DEFAULT_AUDIT_PAGE);
    if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
        return access
            .refuse(bad(format!("`limit`: give 1 to {MAX_AUDIT_PAGE}")))
            .await;
    }
    let after = params.cursor;
    if params.stream == Some(true) {
        // A stream sends every match, or the first `limit` when given.
        access.record().policy_decision = "allowed: auditor role".into();
        let (hits_tx, mut hits) = tokio::sync::mpsc::channel::<interop_audit::Hit>(STREAM_BUFFER);
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(STREAM_BUFFER);
        let audit = state.audit.clone();
        let limit = params.limit;
        tokio::spawn(async move {
            if let Err(e) = audit.stream(filter, after, limit, hits_tx).await {
                tracing::error!("audit stream stopped: {e}");
            }
        });
        tokio::spawn(async move {
            while let Some(hit) = hits.recv().await {
                let Ok(mut v) = serde_json::to_value(&hit.record) else {
                    continue;
                };
                if let Some(o) = v.as_object_mut() {
                    o.insert("seq".into(), hit.seq.into());
                }
                let mut line = v.to_string().into_bytes();
                line.push(b'\n');
                // The client went away: stop reading (dropping `hits` stops the store's read).
                if tx.send(Bytes::from(line)).await.is_err() {
                    return;
                }
            }
        });
        let lines = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
        });
        return access
            .answer_stream(
                Outcome::Ok,
                "application/x-ndjson",
                Body::from_stream(lines),
            )
            .await;
    }
    let page = state.audit.page(filter, after, limit).await;
    let page = match page {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("cannot read the audit log: {e}");
            let failed = Refusal {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "the audit log cannot be read; run `interop audit verify` on it".into(),
                decision: "failed: audit log unreadable".into(),
                outcome: Outcome::Failed,
            };
            return access.refuse(failed).await;
        }
    };
    let records = page
        .records
        .into_iter()
        .filter_map(|h| {
            let mut v = serde_json::to_value(&h.record).ok()?;
            if let Some(o) = v.as_object_mut() {
                o.insert("seq".into(), h.seq.into());
            }
            Some(v)
        })
        .collect();
    access.record().policy_decision = "allowed: auditor role".into();
    let answer = PageAnswer {
        records,
        next_cursor: page.next.map(|n| n.to_string()),
    };
    access.answer(StatusCode::OK, Outcome::Ok, &answer).await
}
