//! Who is asking: the bearer token, matched against the configured users' token hashes, and
//! the audit of refused credentials, rate-limited per client address so that a flood without
//! a token cannot grow the log without bound.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{FromRequestParts, MatchedPath};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use interop_api::request::client_correlation_id;
use interop_audit::{AuditEvent, AuditRecord, Outcome};
use interop_identity::RateDecision;

use super::State;
use super::access::problem;
use super::config::{User, token_sha256};

/// The connection a request came on, put in its extensions by the listener.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnInfo {
    pub(crate) peer: SocketAddr,
}

/// Records one client address may cause at once before its refusals are only counted.
/// Ten covers a user retyping a token a few times.
const CLIENT_BURST: f64 = 10.0;
/// After the burst, one record per client address every five seconds.
const CLIENT_REFILL_PER_SEC: f64 = 0.2;
/// Records all clients together may cause at once: bounds a flood from many addresses.
const GLOBAL_BURST: f64 = 100.0;
/// After that burst, ten records a second from all clients together: at a few hundred bytes a
/// record, under 300 MB a year of a flood that never stops.
const GLOBAL_REFILL_PER_SEC: f64 = 10.0;
/// Client addresses tracked at once; further ones share one bucket. 4096 buckets are ~200 KiB.
const MAX_TRACKED_CLIENTS: usize = 4096;
/// Characters of a refused request's path kept in its record.
const MAX_PATH_CHARS: usize = 64;

struct Bucket {
    tokens: f64,
    last: Instant,
    suppressed: u64,
}

impl Bucket {
    fn full(burst: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: burst,
            last: now,
            suppressed: 0,
        }
    }

    fn refill(&mut self, burst: f64, rate: f64, now: Instant) {
        let secs = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + secs * rate).min(burst);
        self.last = now;
    }
}

/// Decides which refused requests get a record of their own.
pub(crate) struct FailureLimiter {
    state: Mutex<LimiterState>,
}

struct LimiterState {
    clients: HashMap<IpAddr, Bucket>,
    overflow: Bucket,
    global: Bucket,
}

impl Default for FailureLimiter {
    fn default() -> Self {
        let now = Instant::now();
        FailureLimiter {
            state: Mutex::new(LimiterState {
                clients: HashMap::new(),
                overflow: Bucket::full(CLIENT_BURST, now),
                global: Bucket::full(GLOBAL_BURST, now),
            }),
        }
    }
}

impl FailureLimiter {
    /// Should a refusal from `client` be recorded now? `Some(n)`: yes, and `n` refusals from it
    /// went unrecorded since its last record; `None`: no, it is counted instead.
    pub(crate) fn admit(&self, client: IpAddr) -> Option<u64> {
        let now = Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let LimiterState {
            clients,
            overflow,
            global,
        } = &mut *s;
        global.refill(GLOBAL_BURST, GLOBAL_REFILL_PER_SEC, now);
        if clients.len() >= MAX_TRACKED_CLIENTS && !clients.contains_key(&client) {
            // Forget clients whose bucket has refilled and who owe no count.
            clients.retain(|_, b| {
                b.refill(CLIENT_BURST, CLIENT_REFILL_PER_SEC, now);
                b.suppressed > 0 || b.tokens < CLIENT_BURST
            });
        }
        let bucket = if clients.len() < MAX_TRACKED_CLIENTS || clients.contains_key(&client) {
            clients
                .entry(client)
                .or_insert_with(|| Bucket::full(CLIENT_BURST, now))
        } else {
            overflow
        };
        bucket.refill(CLIENT_BURST, CLIENT_REFILL_PER_SEC, now);
        if bucket.tokens >= 1.0 && global.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            global.tokens -= 1.0;
            Some(std::mem::take(&mut bucket.suppressed))
        } else {
            bucket.suppressed += 1;
            None
        }
    }

    /// Refusals counted but not yet recorded, over all clients.
    pub(crate) fn unrecorded(&self) -> u64 {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.clients.values().map(|b| b.suppressed).sum::<u64>() + s.overflow.suppressed
    }
}

/// Find the user whose token hash matches, comparing every user in constant time.
pub(crate) fn find_user<'a>(users: &'a [User], token: &str) -> Option<&'a User> {
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

/// The bearer token of a request, or why there is none.
pub(crate) fn bearer(parts: &Parts) -> Result<&str, &'static str> {
    let header = parts.headers.get(http::header::AUTHORIZATION);
    header
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(if header.is_none() {
            "no Authorization header"
        } else {
            "Authorization is not `Bearer <token>`"
        })
}

/// An authenticated caller: the user, where they are, and the request's correlation ids.
pub(crate) struct Caller {
    pub(crate) user: User,
    pub(crate) client: String,
    pub(crate) correlation_id: String,
    pub(crate) client_correlation_id: Option<String>,
    /// How the caller proved who they are: `token` (a static user's), `access_token` (a JWT
    /// from the provider) or `session` (the browser's cookie).
    pub(crate) via: &'static str,
    /// For a browser session: its CSRF token and when the user signed in.
    pub(crate) session: Option<(String, std::time::SystemTime)>,
}

impl Caller {
    /// This caller's access for `operation`, with its audit record begun.
    pub(crate) fn access(
        self,
        state: &Arc<State>,
        event: AuditEvent,
        operation: &str,
    ) -> super::access::Access {
        super::access::Access::new(
            state.clone(),
            self.user,
            event,
            operation,
            self.client,
            self.correlation_id,
            self.client_correlation_id,
        )
    }
}

/// `n` characters of `s` at most.
fn truncate(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// Why a request is not authenticated, as the extractor answers and audits it.
struct Refused {
    status: StatusCode,
    why: String,
    /// The user, when the credential named one (a good token the mapping gives nothing, a
    /// session whose CSRF token is wrong).
    user: Option<String>,
    event: AuditEvent,
}

impl Refused {
    fn unauthenticated(why: impl Into<String>) -> Refused {
        Refused {
            status: StatusCode::UNAUTHORIZED,
            why: why.into(),
            user: None,
            event: AuditEvent::AuthFailure,
        }
    }
}

/// Who `parts` is from: a static token user, a provider's access token, or a session cookie.
async fn identify(
    parts: &Parts,
    state: &State,
) -> Result<(User, &'static str, Option<(String, std::time::SystemTime)>), Refused> {
    let oidc = state.oidc.as_ref();
    if parts.headers.contains_key(http::header::AUTHORIZATION) || oidc.is_none() {
        let token = bearer(parts).map_err(Refused::unauthenticated)?;
        if let Some(user) = find_user(&state.access().users, token) {
            return Ok((user.clone(), "token", None));
        }
        let Some(oidc) = oidc.filter(|_| interop_identity::looks_like_jwt(token)) else {
            return Err(Refused::unauthenticated("unknown token"));
        };
        return match oidc.rp.validate_access_token(token).await {
            Ok(identity) => match super::oidc::user_of(&identity) {
                Some(user) => Ok((user, "access_token", None)),
                None => Err(Refused {
                    status: StatusCode::FORBIDDEN,
                    why: "the gateway's claims mapping gives this user nothing".into(),
                    user: Some(identity.user_id),
                    event: AuditEvent::AuthFailure,
                }),
            },
            Err(refusal) => Err(Refused::unauthenticated(format!(
                "access token refused: {refusal}"
            ))),
        };
    }
    let oidc = oidc.filter(|o| super::oidc::has_session_cookie(o, parts));
    let Some(oidc) = oidc else {
        return Err(Refused::unauthenticated(
            "no Authorization header and no session cookie",
        ));
    };
    match super::oidc::authenticate_session(oidc, parts).await {
        Ok(s) => Ok((s.user, "session", Some((s.csrf_token, s.signed_in_at)))),
        Err(r) => Err(Refused {
            status: r.status,
            why: r.why,
            user: r.user,
            event: if r.timed_out {
                AuditEvent::SignOut
            } else {
                AuditEvent::AuthFailure
            },
        }),
    }
}

impl FromRequestParts<Arc<State>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<State>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnInfo>()
            .map(|c| c.peer)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        let client_id = client_correlation_id(
            parts
                .headers
                .get("x-correlation-id")
                .map(http::HeaderValue::as_bytes),
        );
        let correlation_id = super::new_id();
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or(super::metrics::UNMATCHED, MatchedPath::as_str)
            .to_string();
        let refused = match identify(parts, state).await {
            Ok((user, via, session)) => {
                let Some(limiter) = &state.rate_limiter else {
                    return Ok(Caller {
                        user,
                        client: peer.ip().to_string(),
                        correlation_id,
                        client_correlation_id: client_id,
                        via,
                        session,
                    });
                };
                let decision = match limiter.check(&user.id).await {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::error!("rate limit: {e}");
                        return Err(problem(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "the rate limit cannot be counted (its database cannot be reached): try again shortly",
                            Some(&correlation_id),
                        ));
                    }
                };
                match decision {
                    RateDecision::Allowed => {
                        return Ok(Caller {
                            user,
                            client: peer.ip().to_string(),
                            correlation_id,
                            client_correlation_id: client_id,
                            via,
                            session,
                        });
                    }
                    decision @ RateDecision::Refused {
                        first_in_window, ..
                    } => {
                        return Err(rate_limited(
                            state,
                            parts,
                            &route,
                            &user,
                            peer,
                            &correlation_id,
                            client_id,
                            decision,
                            first_in_window,
                        )
                        .await);
                    }
                }
            }
            Err(r) => r,
        };
        let admitted = state.auth_failures.admit(peer.ip());
        state.metrics.auth_failure(admitted.is_some());
        if let Some(suppressed) = admitted {
            let mut record = AuditRecord::new(refused.event, format!("{} {route}", parts.method));
            record.outcome = Outcome::Refused;
            record.status = refused.status.as_u16();
            record.user.clone_from(&refused.user);
            record.client = Some(peer.ip().to_string());
            record.correlation_id.clone_from(&correlation_id);
            record.client_correlation_id = client_id;
            record.policy_decision = format!("refused: {}", refused.why);
            record.detail = Some(format!(
                "path {}",
                truncate(parts.uri.path(), MAX_PATH_CHARS)
            ));
            record.suppressed = suppressed;
            if let Err(e) = state.audit.append(record).await {
                tracing::error!("audit write failed: {e}");
                return Err(problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the audit log cannot be written",
                    Some(&correlation_id),
                ));
            }
        }
        let advice = match (refused.status, state.oidc.is_some()) {
            (StatusCode::FORBIDDEN, _) => "",
            (_, true) => {
                ": send `Authorization: Bearer <token>` (a static token or an access token from the identity provider), or sign in at /auth/login"
            }
            (_, false) => ": send `Authorization: Bearer <token>`",
        };
        let mut r = problem(
            refused.status,
            &format!("{}{advice}", refused.why),
            Some(&correlation_id),
        );
        if refused.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer realm=\"interop\""),
            );
        }
        Err(r.into_response())
    }
}

/// A 429 with `Retry-After`; the first refusal of the user's window is audited now, the
/// window's count when it closes (`oidc::audit_rate_tallies`).
#[allow(clippy::too_many_arguments)]
async fn rate_limited(
    state: &State,
    parts: &Parts,
    route: &str,
    user: &User,
    peer: SocketAddr,
    correlation_id: &str,
    client_id: Option<String>,
    decision: RateDecision,
    first_in_window: bool,
) -> Response {
    let limit = state
        .rate_limiter
        .as_ref()
        .map(crate::shared::Limiter::limit);
    let (requests, window) = limit.map_or((0, 0), |l| (l.requests, l.window.as_secs()));
    if first_in_window {
        let mut record = AuditRecord::new(AuditEvent::AuthFailure, "rate-limited");
        record.outcome = Outcome::Refused;
        record.status = 429;
        record.user = Some(user.id.clone());
        record.role = Some(user.roles.join(","));
        record.client = Some(peer.ip().to_string());
        record.correlation_id = correlation_id.to_string();
        record.client_correlation_id = client_id;
        record.policy_decision = format!(
            "refused: over the per-user rate limit of {requests} requests per {window} s; \
             further refusals in this window are counted"
        );
        record.detail = Some(format!("{} {route}", parts.method));
        if let Err(e) = state.audit.append(record).await {
            tracing::error!("audit write failed: {e}");
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the audit log cannot be written",
                Some(correlation_id),
            );
        }
    }
    let mut r = problem(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("over your rate limit of {requests} requests per {window} s: wait and try again"),
        Some(correlation_id),
    );
    if let Some(v) = decision
        .retry_after_header()
        .and_then(|v| http::HeaderValue::from_str(&v).ok())
    {
        r.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use interop_model::Classification;

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
    fn refusals_past_the_burst_are_counted_not_recorded() {
        let limiter = FailureLimiter::default();
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        let recorded = (0..50).filter(|_| limiter.admit(a).is_some()).count();
        assert_eq!(recorded, CLIENT_BURST as usize);
        assert_eq!(limiter.unrecorded(), 50 - CLIENT_BURST as u64);
        // Another client has its own burst.
        assert_eq!(limiter.admit(b), Some(0));
        // Many addresses together stop at the global burst.
        let many = (0..5000u32)
            .filter(|i| limiter.admit(IpAddr::from(i.to_be_bytes())).is_some())
            .count();
        assert!(many <= GLOBAL_BURST as usize, "{many}");
    }
}
