//! The gateway's HTTP routes: authentication, authorisation, the calls, and one audit record
//! per access, on disk before the response is sent.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::config::{Role, User, token_sha256};
use super::federation::{self, Hit};
use super::{Plugin, State};
use interop_audit::{AuditEvent, AuditLog, AuditRecord, ConnectorRef, Outcome, S62Category};
use interop_sandbox::CallError;
use interop_sandbox::types::{
    Classification, EntityKind, Operation, RequestContext, SearchKey, SearchQuery, Submission,
};

/// Largest request body: a search or a submission is a few KiB.
const MAX_REQUEST_BYTES: usize = 1 << 20;
/// Records one federated search asks each connector for, unless the request says.
const DEFAULT_LIMIT: u32 = 20;

type Reply = Response<Full<Bytes>>;

/// A JSON answer. Bodies on the data path are typed structs serialised straight to bytes, not
/// built as a `Value` tree first: that copy of every record was a tenth of a search's cost.
fn reply(status: StatusCode, body: &impl Serialize) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(
        serde_json::to_vec_pretty(body).unwrap_or_default(),
    )));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// `POST /v1/search`'s answer.
#[derive(Serialize)]
struct FederatedAnswer<'a> {
    correlation_id: &'a str,
    complete: bool,
    sources: Vec<SourceStatus>,
    withheld: usize,
    groups: Vec<federation::Group>,
    took_ms: u64,
}

/// How one connector fared in a federated search: `ok` with its record count and cursor, or
/// `timed-out` / `failed` with the error's class and message.
#[derive(Serialize)]
struct SourceStatus {
    connector: String,
    version: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<usize>,
    /// Present (possibly null) exactly when the connector answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    took_ms: u64,
}

/// `POST /v1/connectors/{id}/search|fetch|submit`'s answer.
#[derive(Serialize)]
struct ConnectorAnswer<'a> {
    correlation_id: &'a str,
    connector: &'a str,
    records: &'a [Hit],
    withheld: usize,
    next_cursor: Option<String>,
    receipt: Option<interop_sandbox::types::Receipt>,
}

fn problem(status: StatusCode, message: impl Into<String>) -> Reply {
    reply(
        status,
        &json!({ "error": message.into(), "status": status.as_u16() }),
    )
}

/// The route a request matched, for metrics (ids replaced by `{id}`).
fn route_name(method: &Method, path: &[&str]) -> String {
    match path {
        ["v1", "connectors", _, op] => format!("{method} /v1/connectors/{{id}}/{op}"),
        _ => format!("{method} /{}", path.join("/")),
    }
}

/// Answer one request.
pub(crate) async fn handle(
    state: Arc<State>,
    req: Request<hyper::body::Incoming>,
    peer: SocketAddr,
) -> Reply {
    let method = req.method().clone();
    let path: Vec<String> = req
        .uri()
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
    let route = route_name(&method, &segments);
    let response = dispatch(&state, req, peer, &method, &segments).await;
    state.metrics.response(&route, response.status().as_u16());
    response
}

async fn dispatch(
    state: &Arc<State>,
    req: Request<hyper::body::Incoming>,
    peer: SocketAddr,
    method: &Method,
    path: &[&str],
) -> Reply {
    match (method, path) {
        (&Method::GET, ["healthz"]) => reply(
            StatusCode::OK,
            &json!({
                "status": "ok",
                "connectors": state.plugins().len(),
                "uptime_seconds": state.started.elapsed().as_secs(),
            }),
        ),
        (&Method::GET, ["metrics"]) => {
            let mut r = Response::new(Full::new(Bytes::from(state.metrics.render())));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            r
        }
        (&Method::GET, ["openapi.json"]) => {
            let mut r = Response::new(Full::new(Bytes::from_static(OPENAPI.as_bytes())));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            r
        }
        (_, ["v1", ..]) => {
            let caller = match authenticate(state, &req, peer, path).await {
                Ok(c) => c,
                Err(r) => return r,
            };
            let correlation_id = correlation_id(&req);
            let call = Call {
                state: state.clone(),
                user: caller,
                correlation_id,
                started: Instant::now(),
            };
            match (method, path) {
                (&Method::GET, ["v1", "connectors"]) => call.list().await,
                (&Method::GET, ["v1", "audit"]) => call.audit_read(req.uri().query()).await,
                (&Method::POST, ["v1", "search"]) => match body(req).await {
                    Ok(b) => call.federated_search(b).await,
                    Err(r) => r,
                },
                (&Method::POST, ["v1", "submit"]) => match body(req).await {
                    Ok(b) => call.enter_once(b).await,
                    Err(r) => r,
                },
                (&Method::POST, ["v1", "connectors", id, op @ ("search" | "fetch" | "submit")]) => {
                    let (id, op) = (id.to_string(), op.to_string());
                    match body(req).await {
                        Ok(b) => call.one(&id, &op, b).await,
                        Err(r) => r,
                    }
                }
                _ => problem(
                    StatusCode::NOT_FOUND,
                    "no such route; see GET /openapi.json",
                ),
            }
        }
        _ => problem(
            StatusCode::NOT_FOUND,
            "no such route; see GET /openapi.json",
        ),
    }
}

/// Read a JSON body, at most [`MAX_REQUEST_BYTES`].
async fn body(req: Request<hyper::body::Incoming>) -> Result<Value, Reply> {
    let bytes = Limited::new(req.into_body(), MAX_REQUEST_BYTES)
        .collect()
        .await
        .map_err(|_| {
            problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body over {MAX_REQUEST_BYTES} bytes, or unreadable"),
            )
        })?
        .to_bytes();
    serde_json::from_slice(&bytes).map_err(|e| {
        problem(
            StatusCode::BAD_REQUEST,
            format!(
                "the body is not JSON: {e} (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })
}

fn correlation_id<B>(req: &Request<B>) -> String {
    req.headers()
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=128).contains(&v.len()) && v.chars().all(|c| c.is_ascii_graphic()))
        .map_or_else(new_id, str::to_string)
}

/// A correlation id unique to this request: a random prefix chosen once per process (so ids
/// from different runs of the gateway do not collide) and a counter. It names a request in
/// logs and the audit trail; nothing relies on it being unguessable, so it costs no system
/// call per request.
fn new_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 8];
        if getrandom::getrandom(&mut bytes).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            bytes.copy_from_slice(&nanos.to_le_bytes()[..8]);
        }
        u64::from_le_bytes(bytes) & 0xffff_ffff_ffff
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed) & 0xffff_ffff_ffff;
    format!("{prefix:012x}{n:012x}")
}

/// Find the user whose token hash matches, comparing every user in constant time.
fn find_user<'a>(users: &'a [User], token: &str) -> Option<&'a User> {
    let hash = token_sha256(token);
    let mut found = None;
    for user in users {
        let diff = user
            .token_sha256
            .iter()
            .zip(hash.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            found = Some(user);
        }
    }
    found
}

async fn authenticate<B>(
    state: &Arc<State>,
    req: &Request<B>,
    peer: SocketAddr,
    path: &[&str],
) -> Result<User, Reply> {
    let header = req.headers().get(http::header::AUTHORIZATION);
    let token = header
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let why = match token {
        None if header.is_none() => "no Authorization header",
        None => "Authorization is not `Bearer <token>`",
        Some(t) => match find_user(&state.config.users, t) {
            Some(user) => return Ok(user.clone()),
            None => "unknown token",
        },
    };
    let mut record = AuditRecord::new(AuditEvent::AuthFailure, format!("/{}", path.join("/")));
    record.outcome = Outcome::Refused;
    record.status = 401;
    record.correlation_id = correlation_id(req);
    record.policy_decision = format!("refused: {why}");
    record.detail = Some(format!("from {peer}"));
    write(&state.audit, record).await?;
    let mut r = problem(
        StatusCode::UNAUTHORIZED,
        format!("{why}: send `Authorization: Bearer <token>`"),
    );
    r.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        http::HeaderValue::from_static("Bearer realm=\"interop\""),
    );
    Err(r)
}

/// Write an audit record; if it cannot be written, nothing is disclosed.
async fn write(audit: &AuditLog, record: AuditRecord) -> Result<(), Reply> {
    audit.append(record).await.map(|_| ()).map_err(|e| {
        tracing::error!("audit write failed, refusing the request: {e}");
        problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the audit log cannot be written; nothing was disclosed",
        )
    })
}

/// Audit an administrative event about a connector (loaded, removed, policy changed).
pub(crate) async fn audit_admin(
    audit: &AuditLog,
    operation: &str,
    plugin: &Plugin,
) -> anyhow::Result<()> {
    let mut record = AuditRecord::new(AuditEvent::Admin, operation);
    record.connectors = vec![connector_ref(plugin)];
    record.outcome = Outcome::Ok;
    record.policy_decision = format!("policy {}", plugin.policy);
    audit.append(record).await?;
    Ok(())
}

fn connector_ref(plugin: &Plugin) -> ConnectorRef {
    let info = plugin.connector.info();
    ConnectorRef {
        id: info.id.clone(),
        version: info.version.clone(),
        component_sha256: plugin.component_sha256.clone(),
        signer: plugin.signer.as_ref().map(ToString::to_string),
        unsigned: plugin.signer.is_none(),
    }
}

fn class_name(c: Classification) -> &'static str {
    match c {
        Classification::Official => "OFFICIAL",
        Classification::Secret => "SECRET",
        Classification::TopSecret => "TOP SECRET",
    }
}

/// The justification and case reference every data call carries.
#[derive(Deserialize)]
struct Why {
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    case_reference: Option<String>,
}

/// One authenticated request being served.
struct Call {
    state: Arc<State>,
    user: User,
    correlation_id: String,
    started: Instant,
}

/// A refusal or failure that ends the request, with what to audit.
#[derive(Debug)]
struct Stop {
    status: StatusCode,
    message: String,
    decision: String,
}

impl Call {
    fn roles(&self) -> impl Iterator<Item = (&String, &Role)> {
        self.user
            .roles
            .iter()
            .filter_map(|r| self.state.config.roles.get(r).map(|role| (r, role)))
    }

    /// The first of the user's roles that may do `op` on `connector`.
    fn role_for(&self, connector: &str, op: &str) -> Option<String> {
        self.roles()
            .find(|(_, role)| {
                super::config::OPERATIONS
                    .iter()
                    .any(|(n, o)| *n == op && role.allows(connector, *o))
            })
            .map(|(name, _)| name.clone())
    }

    fn record(&self, operation: &str) -> AuditRecord {
        let mut r = AuditRecord::new(AuditEvent::Access, operation);
        r.user = Some(self.user.id.clone());
        r.role = Some(self.user.roles.join(","));
        r.correlation_id = self.correlation_id.clone();
        r
    }

    fn context(&self, role: String, why: &Why, idempotency_key: Option<String>) -> RequestContext {
        RequestContext {
            user_id: self.user.id.clone(),
            role,
            clearance: self.user.clearance,
            justification: why.justification.clone().unwrap_or_default(),
            case_reference: why.case_reference.clone(),
            correlation_id: self.correlation_id.clone(),
            idempotency_key,
        }
    }

    /// Audit a request refused before any connector was called, and answer it.
    async fn refuse(&self, mut record: AuditRecord, stop: Stop) -> Reply {
        record.outcome = Outcome::Refused;
        record.status = stop.status.as_u16();
        record.policy_decision = stop.decision;
        if let Err(r) = write(&self.state.audit, record).await {
            return r;
        }
        problem(stop.status, stop.message)
    }

    fn justified(why: &Why) -> Result<(), Stop> {
        match why.justification.as_deref().map(str::trim) {
            Some(j) if !j.is_empty() => Ok(()),
            _ => Err(Stop {
                status: StatusCode::BAD_REQUEST,
                message: "every data call needs a `justification`: why you need this data (DPA 2018 s.62); add `case_reference` if there is one".into(),
                decision: "refused: no justification".into(),
            }),
        }
    }

    /// The connectors that take `kind` for `operation` and that one of the user's roles allows
    /// (`op` as roles name it), each with that role; only those in `only`, if given.
    fn targets(
        &self,
        kind: EntityKind,
        operation: Operation,
        op: &str,
        only: Option<&[String]>,
    ) -> Vec<(Arc<Plugin>, String)> {
        self.state
            .plugins()
            .iter()
            .filter(|p| {
                let info = p.connector.info();
                info.entity_kinds.contains(&kind)
                    && info.operations.contains(&operation)
                    && only.is_none_or(|o| o.contains(&info.id))
            })
            .filter_map(|p| {
                self.role_for(&p.connector.info().id, op)
                    .map(|role| (p.clone(), role))
            })
            .collect()
    }

    fn plugin(&self, id: &str) -> Option<Arc<Plugin>> {
        self.state
            .plugins()
            .iter()
            .find(|p| p.connector.info().id == id)
            .cloned()
    }

    /// Run one connector call with metrics.
    async fn timed<T>(
        &self,
        plugin: &Plugin,
        operation: &str,
        call: impl Future<Output = Result<T, CallError>>,
    ) -> Result<T, CallError> {
        /// Counts the call as finished even when the client goes away and the request's future
        /// is dropped mid-call, so the active-instances gauge never drifts.
        struct Running<'a> {
            metrics: &'a super::metrics::Metrics,
            id: &'a str,
            operation: &'a str,
            started: Instant,
            class: &'static str,
        }
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.metrics
                    .finished(self.id, self.operation, self.class, self.started.elapsed());
            }
        }
        let id = &plugin.connector.info().id;
        self.state.metrics.started(id);
        let mut running = Running {
            metrics: &self.state.metrics,
            id,
            operation,
            started: Instant::now(),
            class: "cancelled",
        };
        let result = call.await;
        running.class = result.as_ref().map_or_else(CallError::class, |_| "ok");
        result
    }

    async fn list(self) -> Reply {
        let connectors: Vec<Value> = self
            .state
            .plugins()
            .iter()
            .map(|p| {
                let (calls, failed) = self.state.metrics.failures(&p.connector.info().id);
                let may: Vec<&str> = ["search", "fetch", "submit"]
                    .into_iter()
                    .filter(|op| self.role_for(&p.connector.info().id, op).is_some())
                    .collect();
                json!({
                    "describe": p.connector.info(),
                    "component_sha256": p.component_sha256,
                    "signature": match &p.signer {
                        Some(key_id) => json!({ "status": "verified", "key_id": key_id }),
                        None => json!({ "status": "unsigned" }),
                    },
                    "policy": p.policy,
                    "health": { "calls": calls, "failed": failed,
                                "status": if calls > 0 && failed == calls { "failing" } else { "ok" } },
                    "you_may": may,
                })
            })
            .collect();
        reply(StatusCode::OK, &json!({ "connectors": connectors }))
    }

    /// `POST /v1/search`: every connector that searches this kind and the user may search.
    async fn federated_search(self, body: Value) -> Reply {
        let mut record = self.record("search");
        record.category = Some(S62Category::Combination);
        let why = Why::deserialize(&body).unwrap_or(Why {
            justification: None,
            case_reference: None,
        });
        record.justification = why.justification.clone();
        record.case_reference = why.case_reference.clone();
        if let Err(stop) = Self::justified(&why) {
            return self.refuse(record, stop).await;
        }
        let query = match parse_query(&body) {
            Ok(q) => q,
            Err(stop) => return self.refuse(record, stop).await,
        };
        record.criteria = Some(criteria_of(&query));
        record.subjects = query_subjects(&query);
        let only: Option<Vec<String>> = body
            .get("connectors")
            .and_then(|c| serde_json::from_value(c.clone()).ok());
        let targets = self.targets(query.kind, Operation::Search, "search", only.as_deref());
        if targets.is_empty() {
            return self
                .refuse(
                    record,
                    Stop {
                        status: StatusCode::FORBIDDEN,
                        message: format!(
                            "no connector you may search handles {} records",
                            query.kind
                        ),
                        decision: "refused: no permitted connector for this kind".into(),
                    },
                )
                .await;
        }
        record.connectors = targets.iter().map(|(p, _)| connector_ref(p)).collect();
        record.policy_decision = decision(&targets, "search");

        let this = &self;
        let calls = targets.iter().map(|(plugin, role)| {
            let ctx = this.context(role.clone(), &why, None);
            let query = query.clone();
            async move {
                let started = Instant::now();
                let result = this
                    .timed(plugin, "search", plugin.connector.search(&ctx, &query))
                    .await;
                (plugin.clone(), result, started.elapsed())
            }
        });
        let results = futures::future::join_all(calls).await;

        let mut hits = Vec::new();
        let mut sources = Vec::new();
        let mut failed = 0;
        for (plugin, result, took) in results {
            let info = plugin.connector.info();
            match result {
                Ok(r) => {
                    sources.push(SourceStatus {
                        connector: info.id.clone(),
                        version: info.version.clone(),
                        status: "ok",
                        records: Some(r.records.len()),
                        next_cursor: Some(r.next_cursor.clone()),
                        class: None,
                        message: None,
                        took_ms: took.as_millis() as u64,
                    });
                    hits.extend(r.records.into_iter().map(|record| Hit {
                        connector: info.id.clone(),
                        version: info.version.clone(),
                        record,
                    }));
                }
                Err(e) => {
                    failed += 1;
                    let status = match &e {
                        CallError::Timeout { .. } => "timed-out",
                        _ => "failed",
                    };
                    sources.push(SourceStatus {
                        connector: info.id.clone(),
                        version: info.version.clone(),
                        status,
                        records: None,
                        next_cursor: None,
                        class: Some(e.class()),
                        message: Some(e.to_string()),
                        took_ms: took.as_millis() as u64,
                    });
                }
            }
        }
        let (shown, withheld) = federation::withhold(hits, self.user.clearance);
        record.disclosed = shown.iter().map(federation::disclosed_id).collect();
        record.subjects.extend(
            shown
                .iter()
                .filter_map(|h| federation::subject_key(&h.record)),
        );
        record.subjects.sort();
        record.subjects.dedup();
        record.highest_classification = shown
            .iter()
            .map(|h| h.record.handling.classification)
            .max_by_key(|c| federation::rank(*c))
            .map(|c| class_name(c).to_string());
        note_withheld(&mut record, &withheld);
        let complete = failed == 0;
        let status = if failed == targets.len() {
            StatusCode::BAD_GATEWAY
        } else {
            StatusCode::OK
        };
        record.outcome = if complete {
            Outcome::Ok
        } else if status == StatusCode::OK {
            Outcome::Partial
        } else {
            Outcome::Failed
        };
        record.status = status.as_u16();
        if let Err(r) = write(&self.state.audit, record).await {
            return r;
        }
        reply(
            status,
            &FederatedAnswer {
                correlation_id: &self.correlation_id,
                complete,
                sources,
                withheld: withheld.len(),
                groups: federation::group(shown),
                took_ms: self.started.elapsed().as_millis() as u64,
            },
        )
    }

    /// `POST /v1/connectors/{id}/{op}`.
    async fn one(self, id: &str, op: &str, body: Value) -> Reply {
        let mut record = self.record(op);
        let why = Why::deserialize(&body).unwrap_or(Why {
            justification: None,
            case_reference: None,
        });
        record.justification = why.justification.clone();
        record.case_reference = why.case_reference.clone();
        let Some(plugin) = self.plugin(id) else {
            return self
                .refuse(
                    record,
                    Stop {
                        status: StatusCode::NOT_FOUND,
                        message: format!(
                            "no connector `{id}` is installed; see GET /v1/connectors"
                        ),
                        decision: "refused: unknown connector".into(),
                    },
                )
                .await;
        };
        record.connectors = vec![connector_ref(&plugin)];
        let Some(role) = self.role_for(id, op) else {
            return self
                .refuse(
                    record,
                    Stop {
                        status: StatusCode::FORBIDDEN,
                        message: format!("your roles do not allow {op} on `{id}`"),
                        decision: format!("refused: no role of {} may {op} {id}", self.user.id),
                    },
                )
                .await;
        };
        if let Err(stop) = Self::justified(&why) {
            return self.refuse(record, stop).await;
        }
        record.policy_decision = format!("allowed: {role} may {op} {id}");
        let outcome = match op {
            "search" => {
                record.category = Some(S62Category::Consultation);
                let query = match parse_query(&body) {
                    Ok(q) => q,
                    Err(stop) => return self.refuse(record, stop).await,
                };
                record.subjects = query_subjects(&query);
                record.criteria = Some(criteria_of(&query));
                let ctx = self.context(role, &why, None);
                self.timed(&plugin, op, plugin.connector.search(&ctx, &query))
                    .await
                    .map(|r| (r.records, r.next_cursor, None))
            }
            "fetch" => {
                record.category = Some(S62Category::Consultation);
                let (kind, local_id) = match (
                    body.get("kind")
                        .cloned()
                        .map(serde_json::from_value::<EntityKind>),
                    body.get("local_id").and_then(Value::as_str),
                ) {
                    (Some(Ok(kind)), Some(local_id)) => (kind, local_id.to_string()),
                    _ => {
                        let stop = Stop {
                            status: StatusCode::BAD_REQUEST,
                            message: "fetch needs `kind` (Person, Object, Location or Event) and `local_id`".into(),
                            decision: "refused: malformed request".into(),
                        };
                        return self.refuse(record, stop).await;
                    }
                };
                record.criteria = Some(interop_audit::Criteria {
                    kind: Some(kind.to_string()),
                    local_id: Some(local_id.clone()),
                    ..Default::default()
                });
                let ctx = self.context(role, &why, None);
                self.timed(&plugin, op, plugin.connector.fetch(&ctx, kind, &local_id))
                    .await
                    .map(|r| (vec![r], None, None))
            }
            _ => {
                let (submission, key) = match parse_submission(&body) {
                    Ok(s) => s,
                    Err(stop) => return self.refuse(record, stop).await,
                };
                record.category = Some(if submission.local_id.is_some() {
                    S62Category::Alteration
                } else {
                    S62Category::Collection
                });
                record.recipients = vec![id.to_string()];
                record.criteria = Some(interop_audit::Criteria {
                    kind: Some(entity_kind(&submission).to_string()),
                    local_id: submission.local_id.clone(),
                    idempotency_key: Some(key.clone()),
                    ..Default::default()
                });
                let ctx = self.context(role, &why, Some(key));
                self.timed(&plugin, op, plugin.connector.submit(&ctx, &submission))
                    .await
                    .map(|receipt| (vec![], None, Some(receipt)))
            }
        };
        match outcome {
            Ok((records, next_cursor, receipt)) => {
                let hits: Vec<Hit> = records
                    .into_iter()
                    .map(|record| Hit {
                        connector: id.to_string(),
                        version: plugin.connector.info().version.clone(),
                        record,
                    })
                    .collect();
                let (shown, withheld) = federation::withhold(hits, self.user.clearance);
                note_withheld(&mut record, &withheld);
                record.disclosed = shown.iter().map(federation::disclosed_id).collect();
                if let Some(r) = &receipt {
                    record
                        .disclosed
                        .push(format!("{id}:receipt:{}", r.local_id));
                }
                record.highest_classification = shown
                    .iter()
                    .map(|h| h.record.handling.classification)
                    .max_by_key(|c| federation::rank(*c))
                    .map(|c| class_name(c).to_string());
                let status = if op == "fetch" && shown.is_empty() && !withheld.is_empty() {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::OK
                };
                record.outcome = Outcome::Ok;
                record.status = status.as_u16();
                if let Err(r) = write(&self.state.audit, record).await {
                    return r;
                }
                if status == StatusCode::FORBIDDEN {
                    return problem(
                        status,
                        "the record is above your clearance; its withholding was audited",
                    );
                }
                reply(
                    status,
                    &ConnectorAnswer {
                        correlation_id: &self.correlation_id,
                        connector: id,
                        records: &shown,
                        withheld: withheld.len(),
                        next_cursor,
                        receipt,
                    },
                )
            }
            Err(e) => {
                let status = status_for(&e);
                record.outcome = Outcome::Failed;
                record.error_class = Some(e.class().to_string());
                record.status = status.as_u16();
                if let Err(r) = write(&self.state.audit, record).await {
                    return r;
                }
                reply(
                    status,
                    &json!({ "error": e.to_string(), "class": e.class(), "connector": id,
                             "correlation_id": self.correlation_id, "status": status.as_u16() }),
                )
            }
        }
    }

    /// `POST /v1/submit`: enter once, to every connector that takes this kind and the user may
    /// submit to; a receipt or an error per target.
    async fn enter_once(self, body: Value) -> Reply {
        let mut record = self.record("submit");
        let why = Why::deserialize(&body).unwrap_or(Why {
            justification: None,
            case_reference: None,
        });
        record.justification = why.justification.clone();
        record.case_reference = why.case_reference.clone();
        if let Err(stop) = Self::justified(&why) {
            return self.refuse(record, stop).await;
        }
        let (submission, key) = match parse_submission(&body) {
            Ok(s) => s,
            Err(stop) => return self.refuse(record, stop).await,
        };
        record.category = Some(S62Category::Collection);
        record.criteria = Some(interop_audit::Criteria {
            kind: Some(entity_kind(&submission).to_string()),
            idempotency_key: Some(key.clone()),
            ..Default::default()
        });
        let kind = entity_kind(&submission);
        let targets = self.targets(kind, Operation::Submit, "submit", None);
        if targets.is_empty() {
            let stop = Stop {
                status: StatusCode::FORBIDDEN,
                message: format!("no connector you may submit to takes {kind} records"),
                decision: "refused: no permitted connector for this kind".into(),
            };
            return self.refuse(record, stop).await;
        }
        record.connectors = targets.iter().map(|(p, _)| connector_ref(p)).collect();
        record.recipients = targets
            .iter()
            .map(|(p, _)| p.connector.info().id.clone())
            .collect();
        record.policy_decision = decision(&targets, "submit to");
        let this = &self;
        let calls = targets.iter().map(|(plugin, role)| {
            let ctx = this.context(role.clone(), &why, Some(key.clone()));
            let submission = submission.clone();
            async move {
                let result = this
                    .timed(plugin, "submit", plugin.connector.submit(&ctx, &submission))
                    .await;
                (plugin.clone(), result)
            }
        });
        let results = futures::future::join_all(calls).await;
        let mut receipts = Vec::new();
        let mut failed = 0;
        for (plugin, result) in results {
            let id = &plugin.connector.info().id;
            match result {
                Ok(r) => {
                    record
                        .disclosed
                        .push(format!("{id}:receipt:{}", r.local_id));
                    receipts.push(json!({ "connector": id, "status": "ok", "receipt": r }));
                }
                Err(e) => {
                    failed += 1;
                    receipts.push(json!({ "connector": id, "status": "failed",
                        "class": e.class(), "message": e.to_string() }));
                }
            }
        }
        let status = if failed == targets.len() {
            StatusCode::BAD_GATEWAY
        } else {
            StatusCode::OK
        };
        record.outcome = match failed {
            0 => Outcome::Ok,
            n if n == targets.len() => Outcome::Failed,
            _ => Outcome::Partial,
        };
        record.status = status.as_u16();
        if let Err(r) = write(&self.state.audit, record).await {
            return r;
        }
        reply(
            status,
            &json!({
                "correlation_id": self.correlation_id,
                "idempotency_key": key,
                "complete": failed == 0,
                "targets": receipts,
            }),
        )
    }

    /// `GET /v1/audit?user=&connector=&subject=&since=&until=&operation=`: for auditors; the
    /// read itself is audited.
    async fn audit_read(self, query: Option<&str>) -> Reply {
        let mut record = AuditRecord::new(AuditEvent::AuditRead, "audit-read");
        record.user = Some(self.user.id.clone());
        record.role = Some(self.user.roles.join(","));
        record.correlation_id = self.correlation_id.clone();
        let params: Vec<(String, String)> = query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        record.criteria = Some(interop_audit::Criteria {
            filters: params.iter().cloned().collect(),
            ..Default::default()
        });
        if !self.roles().any(|(_, r)| r.audit) {
            let stop = Stop {
                status: StatusCode::FORBIDDEN,
                message: "reading the audit log needs a role with `audit = true`".into(),
                decision: format!("refused: {} has no auditor role", self.user.id),
            };
            return self.refuse(record, stop).await;
        }
        let mut filter = interop_audit::Filter::default();
        for (k, v) in &params {
            match k.as_str() {
                "user" => filter.user = Some(v.clone()),
                "connector" => filter.connector = Some(v.clone()),
                "subject" => filter.subject = Some(v.clone()),
                "since" | "until" => match interop_audit::parse_time(v) {
                    Ok(t) if k == "since" => filter.since = Some(t),
                    Ok(t) => filter.until = Some(t),
                    Err(e) => {
                        let stop = Stop {
                            status: StatusCode::BAD_REQUEST,
                            message: format!("`{k}`: {e}"),
                            decision: "refused: malformed request".into(),
                        };
                        return self.refuse(record, stop).await;
                    }
                },
                "operation" => filter.operation = Some(v.clone()),
                other => {
                    let stop = Stop {
                        status: StatusCode::BAD_REQUEST,
                        message: format!(
                            "unknown filter `{other}`: use user, connector, subject, since, until or operation"
                        ),
                        decision: "refused: malformed request".into(),
                    };
                    return self.refuse(record, stop).await;
                }
            }
        }
        record.outcome = Outcome::Ok;
        record.status = 200;
        record.policy_decision = "allowed: auditor role".into();
        if let Err(r) = write(&self.state.audit, record).await {
            return r;
        }
        let path = self.state.audit.path().to_path_buf();
        match tokio::task::spawn_blocking(move || interop_audit::query(&path, &filter)).await {
            Ok(Ok(records)) => reply(StatusCode::OK, &json!({ "records": records })),
            Ok(Err(e)) => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read the audit log: {e}"),
            ),
            Err(e) => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("audit query failed: {e}"),
            ),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// Record what was withheld for clearance: how many, and which ids (ids, never content).
fn note_withheld(record: &mut AuditRecord, withheld: &[Hit]) {
    record.withheld = withheld.len() as u32;
    record.withheld_ids = withheld.iter().map(federation::disclosed_id).collect();
    if !withheld.is_empty() {
        record.detail = Some("withheld for clearance: see withheld_ids".into());
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

/// A request's `query`: a [`SearchQuery`] whose optional fields may be left out.
#[derive(Deserialize)]
struct QueryBody {
    kind: EntityKind,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    keys: Vec<SearchKey>,
    #[serde(default = "default_limit")]
    limit: u32,
    #[serde(default)]
    cursor: Option<String>,
}

fn default_limit() -> u32 {
    DEFAULT_LIMIT
}

impl From<QueryBody> for SearchQuery {
    fn from(q: QueryBody) -> SearchQuery {
        SearchQuery {
            kind: q.kind,
            text: q.text,
            keys: q.keys,
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

/// The search query of a request: `query` with optional fields defaulted.
fn parse_query(body: &Value) -> Result<SearchQuery, Stop> {
    let bad = |message: String| Stop {
        status: StatusCode::BAD_REQUEST,
        message,
        decision: "refused: malformed request".into(),
    };
    let query = body.get("query").ok_or_else(|| {
        bad("a search needs `query`: {\"kind\":\"Person\",\"text\":\"…\"}".into())
    })?;
    if !query.is_object() {
        return Err(bad("`query` must be an object".into()));
    }
    let query: SearchQuery = QueryBody::deserialize(query)
        .map_err(|e| bad(format!("`query` is not a search query: {e}")))?
        .into();
    if query.text.as_deref().is_none_or(|t| t.trim().is_empty()) && query.keys.is_empty() {
        return Err(bad("a search needs `text` or `keys`".into()));
    }
    Ok(query)
}

/// The submission of a request and its idempotency key (required: a retry must be safe).
fn parse_submission(body: &Value) -> Result<(Submission, String), Stop> {
    let bad = |message: String| Stop {
        status: StatusCode::BAD_REQUEST,
        message,
        decision: "refused: malformed request".into(),
    };
    let key = body
        .get("idempotency_key")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|k| (8..=128).contains(&k.len()))
        .ok_or_else(|| bad("a submit needs `idempotency_key` (8–128 characters, e.g. a UUID): a retry with the same key never creates twice".into()))?
        .to_string();
    let submission = body
        .get("submission")
        .ok_or_else(|| bad("a submit needs `submission`".into()))?;
    let submission = Submission::deserialize(submission)
        .map_err(|e| bad(format!("`submission` is not a submission: {e}")))?;
    Ok((submission, key))
}

fn entity_kind(s: &Submission) -> EntityKind {
    match s.entity {
        interop_sandbox::types::Entity::Person(_) => EntityKind::Person,
        interop_sandbox::types::Entity::Object(_) => EntityKind::Object,
        interop_sandbox::types::Entity::Location(_) => EntityKind::Location,
        interop_sandbox::types::Entity::Event(_) => EntityKind::Event,
    }
}

/// The validated criteria of a search, as audited.
fn criteria_of(q: &SearchQuery) -> interop_audit::Criteria {
    interop_audit::Criteria {
        kind: Some(q.kind.to_string()),
        text: q.text.clone(),
        keys: q
            .keys
            .iter()
            .map(|k| {
                let (kind, value) = match k {
                    SearchKey::Name(n) => {
                        return interop_audit::CriteriaKey {
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
                interop_audit::CriteriaKey {
                    kind: kind.into(),
                    value: value.clone(),
                    ..Default::default()
                }
            })
            .collect(),
        limit: Some(q.limit),
        cursor: q.cursor.clone(),
        ..Default::default()
    }
}

/// Normalised subjects a query asks about, so "who searched for this person?" has an answer.
fn query_subjects(q: &SearchQuery) -> Vec<String> {
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

/// The API description served at `GET /openapi.json`.
const OPENAPI: &str = include_str!("openapi.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_describes_every_route() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/healthz",
            "/metrics",
            "/v1/connectors",
            "/v1/search",
            "/v1/connectors/{id}/search",
            "/v1/connectors/{id}/fetch",
            "/v1/connectors/{id}/submit",
            "/v1/submit",
            "/v1/audit",
        ] {
            assert!(paths.contains_key(p), "{p} missing from openapi.json");
        }
    }

    #[test]
    fn tokens_are_matched_by_hash() {
        let users = vec![User {
            id: "pc-1".into(),
            token_sha256: token_sha256("right"),
            roles: vec![],
            clearance: Classification::Official,
        }];
        assert_eq!(
            find_user(&users, "right").map(|u| u.id.as_str()),
            Some("pc-1")
        );
        assert!(find_user(&users, "wrong").is_none());
        assert!(find_user(&users, "").is_none());
    }

    #[test]
    fn queries_need_text_or_keys_and_get_defaults() {
        let q = parse_query(&json!({"query": {"kind": "Person", "text": "Examplewood"}})).unwrap();
        assert_eq!(q.limit, DEFAULT_LIMIT);
        assert!(parse_query(&json!({"query": {"kind": "Person"}})).is_err());
        assert!(parse_query(&json!({})).is_err());
        let q = parse_query(&json!({"query": {"kind": "Object", "keys": [{"Vrm": "zx51 abc"}]}}))
            .unwrap();
        assert_eq!(query_subjects(&q), ["vrm:ZX51ABC"]);
    }

    #[test]
    fn correlation_ids_are_distinct_and_share_a_process_prefix() {
        let ids: Vec<String> = (0..1000).map(|_| new_id()).collect();
        let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        assert!(
            ids.iter()
                .all(|id| id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()))
        );
        assert!(ids.iter().all(|id| id[..12] == ids[0][..12]));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
