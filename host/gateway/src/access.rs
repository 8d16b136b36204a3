//! One audited access is a type.
//!
//! An authenticated request on a `/v1` route becomes an [`Access`], which holds the audit
//! record of that access from the start. The only ways from an `Access` to a response are
//! [`Access::refuse`] and [`Access::answer`]; both consume it, append its record, and return
//! the response only after the append returned (the record is on disk). Handlers return
//! [`Audited`], which only this module can make, so a handler cannot build a response without
//! going through one of them. A write calls [`Access::intent`] before the vendor is called: an
//! intent record is on disk before any vendor changes anything, and the outcome record of
//! `answer` or `refuse` follows it, linked by the access id.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::BodyExt as _;
use serde::Serialize;

use interop_api::request::{MAX_REQUEST_BYTES, RequestError, Why};
use interop_audit::{AuditEvent, AuditRecord, ConnectorRef, Outcome, Phase, S62Category};

use super::config::User;
use super::{Plugin, State};

/// A response for an authenticated request, made only after its audit record was appended.
pub(crate) struct Audited(Response);

impl IntoResponse for Audited {
    fn into_response(self) -> Response {
        self.0
    }
}

/// Why a request ends without an answer from a connector: the status, what the user is told,
/// and the policy decision the audit records.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    pub(crate) decision: String,
    pub(crate) outcome: Outcome,
}

impl Refusal {
    /// 400 for a request that does not parse or is out of bounds.
    pub(crate) fn bad_request(e: &RequestError) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            message: e.to_string(),
            decision: format!("refused: malformed request ({})", e.class()),
            outcome: Outcome::Refused,
        }
    }

    /// 403 for what no role of the user allows.
    pub(crate) fn forbidden(message: String, decision: String) -> Refusal {
        Refusal {
            status: StatusCode::FORBIDDEN,
            message,
            decision,
            outcome: Outcome::Refused,
        }
    }
}

/// An authenticated request being served, with its audit record.
pub(crate) struct Access {
    pub(crate) state: Arc<State>,
    pub(crate) user: User,
    /// The roles (and trust) in force when the request began: one request decides by one
    /// access configuration, even if a reload swaps it meanwhile.
    pub(crate) roles: Arc<super::access_config::AccessConfig>,
    pub(crate) correlation_id: String,
    pub(crate) started: Instant,
    record: AuditRecord,
    event: AuditEvent,
}

/// A JSON body, serialised straight to bytes.
pub(crate) fn json_bytes(body: &impl Serialize) -> Result<Bytes, serde_json::Error> {
    serde_json::to_vec(body).map(Bytes::from)
}

/// A JSON response with the gateway's correlation id in a header.
pub(crate) fn json_response(status: StatusCode, bytes: Bytes, correlation_id: &str) -> Response {
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(correlation_id) {
        response.headers_mut().insert("x-correlation-id", v);
    }
    response
}

/// The JSON error body every refusal answers with.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Problem<'a> {
    pub(crate) error: &'a str,
    pub(crate) status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) correlation_id: Option<&'a str>,
}

/// An error response outside any access (unauthenticated, unknown route).
pub(crate) fn problem(status: StatusCode, message: &str, correlation_id: Option<&str>) -> Response {
    let body = json_bytes(&Problem {
        error: message,
        status: status.as_u16(),
        correlation_id,
    })
    .unwrap_or_default();
    json_response(status, body, correlation_id.unwrap_or(""))
}

/// What the user is told when the audit log cannot be written.
const AUDIT_DOWN: &str =
    "the audit log cannot be written; nothing was disclosed and no connector was called";

impl Access {
    pub(crate) fn new(
        state: Arc<State>,
        user: User,
        event: AuditEvent,
        operation: &str,
        client: String,
        correlation_id: String,
        client_correlation_id: Option<String>,
    ) -> Access {
        let mut record = AuditRecord::new(event, operation);
        record.user = Some(user.id.clone());
        record.role = Some(user.roles.join(","));
        record.client = Some(client);
        record.correlation_id.clone_from(&correlation_id);
        record.access_id = Some(correlation_id.clone());
        record.client_correlation_id = client_correlation_id;
        Access {
            roles: state.access(),
            state,
            user,
            correlation_id,
            started: Instant::now(),
            record,
            event,
        }
    }

    /// The record being built, to fill in what the request asked and what it reached.
    pub(crate) fn record(&mut self) -> &mut AuditRecord {
        &mut self.record
    }

    /// Note why: the justification, reason code and case reference, as validated.
    pub(crate) fn why(&mut self, why: &Why) {
        self.record.justification = Some(why.justification.clone());
        self.record.reason_code.clone_from(&why.reason_code);
        self.record.case_reference.clone_from(&why.case_reference);
    }

    /// The s.62 category of this access.
    pub(crate) fn category(&mut self, c: S62Category) {
        self.record.category = Some(c);
    }

    /// The connectors this access reaches.
    pub(crate) fn reaches(&mut self, plugins: &[&Plugin]) {
        self.record.connectors = plugins.iter().map(|p| connector_ref(p)).collect();
    }

    /// Read the request body: at most [`MAX_REQUEST_BYTES`], within the listener's body
    /// deadline.
    pub(crate) async fn body(&self, body: Body) -> Result<Bytes, Refusal> {
        let deadline: Duration = self.state.config.limits.body_timeout;
        let limited = http_body_util::Limited::new(body, MAX_REQUEST_BYTES);
        match tokio::time::timeout(deadline, limited.collect()).await {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) => {
                let too_large = e
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some();
                Err(Refusal {
                    status: if too_large {
                        StatusCode::PAYLOAD_TOO_LARGE
                    } else {
                        StatusCode::BAD_REQUEST
                    },
                    message: if too_large {
                        format!("the request body is over {MAX_REQUEST_BYTES} bytes")
                    } else {
                        "the request body could not be read".into()
                    },
                    decision: "refused: unreadable body".into(),
                    outcome: Outcome::Refused,
                })
            }
            Err(_) => Err(Refusal {
                status: StatusCode::REQUEST_TIMEOUT,
                message: format!("the request body did not arrive within {deadline:?}"),
                decision: "refused: body too slow".into(),
                outcome: Outcome::Refused,
            }),
        }
    }

    /// Write this write's intent record: on disk before any vendor is called. The outcome
    /// record, written by [`Access::answer`] or [`Access::refuse`], follows it.
    ///
    /// # Errors
    /// A refusal (500) when the record cannot be written: then no vendor may be called.
    pub(crate) async fn intent(&mut self) -> Result<(), Refusal> {
        let mut intent = self.record.clone();
        intent.phase = Some(Phase::Intent);
        intent.outcome = Outcome::Pending;
        intent.status = 0;
        match self.state.audit.append(intent).await {
            Ok(_) => {
                self.record.phase = Some(Phase::Outcome);
                Ok(())
            }
            Err(e) => {
                tracing::error!("audit write failed, refusing the write: {e}");
                Err(Refusal {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: AUDIT_DOWN.into(),
                    decision: "refused: the audit log cannot be written".into(),
                    outcome: Outcome::Failed,
                })
            }
        }
    }

    /// Audit the refusal, then answer it.
    pub(crate) async fn refuse(mut self, refusal: Refusal) -> Audited {
        self.record.outcome = refusal.outcome;
        self.record.status = refusal.status.as_u16();
        self.record.policy_decision = refusal.decision;
        let body = json_bytes(&Problem {
            error: &refusal.message,
            status: refusal.status.as_u16(),
            correlation_id: Some(&self.correlation_id),
        })
        .unwrap_or_default();
        self.finish(refusal.status, body).await
    }

    /// Audit the answer, then send it. `outcome` and the status are recorded as given.
    pub(crate) async fn answer(
        mut self,
        status: StatusCode,
        outcome: Outcome,
        body: &impl Serialize,
    ) -> Audited {
        let bytes = match json_bytes(body) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!("cannot write an answer as JSON: {e}");
                let failed = Refusal {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: "the gateway could not write its answer".into(),
                    decision: "failed: answer not serialisable".into(),
                    outcome: Outcome::Failed,
                };
                return self.refuse(failed).await;
            }
        };
        self.record.outcome = outcome;
        self.record.status = status.as_u16();
        self.finish(status, bytes).await
    }

    /// Audit the answer, then send `body` as it comes (a stream), with `content_type`.
    pub(crate) async fn answer_stream(
        mut self,
        outcome: Outcome,
        content_type: &'static str,
        body: Body,
    ) -> Audited {
        self.record.outcome = outcome;
        self.record.status = StatusCode::OK.as_u16();
        match self.state.audit.append(self.record).await {
            Ok(_) => {
                let mut response = Response::new(body);
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type),
                );
                if let Ok(v) = HeaderValue::from_str(&self.correlation_id) {
                    response.headers_mut().insert("x-correlation-id", v);
                }
                Audited(response)
            }
            Err(e) => {
                tracing::error!("audit write failed, refusing to answer: {e}");
                Audited(problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    AUDIT_DOWN,
                    Some(&self.correlation_id),
                ))
            }
        }
    }

    async fn finish(self, status: StatusCode, body: Bytes) -> Audited {
        let event = self.event;
        match self.state.audit.append(self.record).await {
            Ok(_) => Audited(json_response(status, body, &self.correlation_id)),
            Err(e) => {
                tracing::error!("audit write failed ({event:?}), refusing to answer: {e}");
                Audited(problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    AUDIT_DOWN,
                    Some(&self.correlation_id),
                ))
            }
        }
    }
}

/// A connector as an audit record names it.
pub(crate) fn connector_ref(plugin: &Plugin) -> ConnectorRef {
    let info = plugin.connector.info();
    ConnectorRef {
        id: info.id.clone(),
        version: info.version.clone(),
        component_sha256: plugin.component_sha256.clone(),
        signer: plugin.signer.as_ref().map(ToString::to_string),
        unsigned: plugin.signer.is_none(),
    }
}

/// Audit an administrative event about a connector (loaded, removed, policy changed).
pub(crate) async fn audit_admin(
    audit: &interop_audit::AuditLog,
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
