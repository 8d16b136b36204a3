//! One sign-on with the force's OpenID Connect provider (`[oidc]`), wired into the gateway.
//!
//! - API clients send `Authorization: Bearer <JWT access token>`; the token is validated by
//!   [`interop_identity::RelyingParty::validate_access_token`] (signature under an allowed
//!   algorithm and the provider's current keys, `iss`, `aud`, `exp`, `nbf`, clock skew) and its
//!   claims mapped to roles and clearance. Static token users (`[[users]]`) keep working.
//! - Browsers sign in at `GET /auth/login` (authorization code + PKCE), come back to
//!   `GET /auth/callback`, and are then authenticated by the session cookie (`HttpOnly`,
//!   `SameSite=Strict`, `Secure` off loopback). Every state-changing request a cookie
//!   authenticates must carry the session's CSRF token in `X-CSRF-Token`; `GET /auth/session`
//!   gives it to the page. `POST /auth/logout` ends the session here and answers with the
//!   provider's sign-out URL.
//! - Every sign-in, sign-out (including a session timing out) and refusal is audited.
//! - `[rate_limit]`: per user, on every authenticated request; a refusal is a 429 with
//!   `Retry-After`, the first in a user's window is audited at once and the window's count when
//!   it closes.

use std::sync::Arc;
use std::time::Duration;

use http::request::Parts;
use http::{HeaderMap, StatusCode};

use interop_audit::{AuditEvent, AuditRecord, Outcome};
use interop_identity::{
    Access, CookiePolicy, MemorySessionStore, RateLimiter, RelyingParty, RelyingPartyOptions,
    SessionRefusal, Sessions, SystemClock,
};
use interop_sandbox::types::Classification;

use super::State;
use super::config::{GatewayConfig, User};

/// The gateway's side of OpenID Connect: the relying party and the browser sessions.
pub(crate) struct Oidc {
    pub(crate) rp: RelyingParty,
    pub(crate) sessions: Sessions,
}

impl Oidc {
    /// Discover the provider named in `[oidc]`, if there is one.
    ///
    /// # Errors
    /// The provider cannot be reached or its metadata does not match the configuration.
    pub(crate) async fn setup(
        config: &GatewayConfig,
        shared: Option<&Arc<crate::shared::Db>>,
    ) -> anyhow::Result<Option<Oidc>> {
        let Some(oidc) = &config.oidc else {
            return Ok(None);
        };
        // With [storage] postgres, sessions and sign-ins under way are the replicas' shared
        // state: a browser signed in through one is signed in on all of them.
        let (store, pending): (
            Arc<dyn interop_identity::SessionStore>,
            Option<Arc<dyn interop_identity::PendingLoginStore>>,
        ) = match shared {
            Some(db) => {
                let pg = Arc::new(crate::shared::PgSessions::new(db.clone()));
                (pg.clone(), Some(pg))
            }
            None => (Arc::new(MemorySessionStore::new()), None),
        };
        let sessions = Sessions::new(
            store,
            oidc.session,
            CookiePolicy::for_listen_addr(config.listen),
            Arc::new(SystemClock),
        );
        let issuer = oidc.issuer.clone();
        let options = RelyingPartyOptions {
            pending_logins: pending,
            ..RelyingPartyOptions::default()
        };
        let rp = RelyingParty::discover(oidc.clone(), options)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "[oidc] in {}: the identity provider {issuer}: {e}",
                    config.source.display()
                )
            })?;
        tracing::info!("one sign-on with {issuer}: browser sign-in at /auth/login");
        Ok(Some(Oidc { rp, sessions }))
    }

    pub(crate) fn cookies(&self) -> CookiePolicy {
        self.sessions.cookies()
    }
}

/// The per-user limiter of `[rate_limit]`: counted in the replicas' shared database when
/// there is one, else in memory.
pub(crate) fn rate_limiter(
    config: &GatewayConfig,
    shared: Option<&Arc<crate::shared::Db>>,
) -> Option<crate::shared::Limiter> {
    config.rate_limit.map(|limit| match shared {
        Some(db) => crate::shared::Limiter::Shared {
            limit,
            db: db.clone(),
        },
        None => crate::shared::Limiter::Local(RateLimiter::new(limit, Arc::new(SystemClock))),
    })
}

/// The gateway user an identity from the provider is, or `None` when the mapping gives them
/// nothing.
pub(crate) fn user_of(identity: &interop_identity::Identity) -> Option<User> {
    match &identity.access {
        Access::Granted { roles, clearance } => Some(User {
            id: identity.user_id.clone(),
            // Never matched: users from the provider are not looked up by token hash.
            token_sha256: [0; 32],
            roles: roles.as_slice().to_vec(),
            clearance: match clearance {
                interop_identity::Clearance::Official => Classification::Official,
                interop_identity::Clearance::Secret => Classification::Secret,
                interop_identity::Clearance::TopSecret => Classification::TopSecret,
            },
        }),
        Access::Nothing(_) => None,
    }
}

/// The request's `Cookie` headers.
pub(crate) fn cookie_headers(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

/// Whether the request carries the session cookie at all.
pub(crate) fn has_session_cookie(oidc: &Oidc, parts: &Parts) -> bool {
    matches!(
        oidc.cookies().session_id(cookie_headers(&parts.headers)),
        Ok(Some(_)) | Err(_)
    )
}

/// A browser request authenticated by its session cookie.
pub(crate) struct SessionCaller {
    pub(crate) user: User,
    pub(crate) csrf_token: String,
    pub(crate) signed_in_at: std::time::SystemTime,
}

/// Why a cookie did not authenticate a request, as the extractor answers and audits it.
pub(crate) struct CookieRefused {
    pub(crate) status: StatusCode,
    pub(crate) why: String,
    pub(crate) user: Option<String>,
    /// The session ended by timing out: audited as a sign-out.
    pub(crate) timed_out: bool,
}

/// Authenticate a request by its session cookie (and its CSRF header, for a state-changing one).
pub(crate) async fn authenticate_session(
    oidc: &Oidc,
    parts: &Parts,
) -> Result<SessionCaller, CookieRefused> {
    let csrf = parts
        .headers
        .get(interop_identity::CSRF_HEADER)
        .and_then(|v| v.to_str().ok());
    let refused = |status, r: &SessionRefusal, user: Option<&String>, timed_out| CookieRefused {
        status,
        why: r.to_string(),
        user: user.cloned(),
        timed_out,
    };
    match oidc
        .sessions
        .authenticate(cookie_headers(&parts.headers), parts.method.as_str(), csrf)
        .await
    {
        Ok(session) => match user_of(&session.identity) {
            Some(user) => Ok(SessionCaller {
                user,
                csrf_token: session.csrf_token,
                signed_in_at: session.created_at,
            }),
            None => Err(CookieRefused {
                status: StatusCode::FORBIDDEN,
                why: "the claims mapping gives this user nothing".into(),
                user: Some(session.identity.user_id),
                timed_out: false,
            }),
        },
        Err(r) => Err(match &r {
            SessionRefusal::CsrfMissing { user_id } | SessionRefusal::CsrfMismatch { user_id } => {
                refused(StatusCode::FORBIDDEN, &r, Some(user_id), false)
            }
            SessionRefusal::IdleTimeout { user_id, .. }
            | SessionRefusal::Expired { user_id, .. } => {
                refused(StatusCode::UNAUTHORIZED, &r, Some(user_id), true)
            }
            _ => refused(StatusCode::UNAUTHORIZED, &r, None, false),
        }),
    }
}

/// Audit the windows that closed with rate-limit refusals in them, each with its count.
pub(crate) async fn audit_rate_tallies(state: &State) {
    let Some(limiter) = &state.rate_limiter else {
        return;
    };
    for tally in limiter.take_tallies().await {
        let mut r = AuditRecord::new(AuditEvent::AuthFailure, "rate-limited");
        r.user = Some(tally.user_id.clone());
        r.outcome = Outcome::Refused;
        r.status = 429;
        r.suppressed = u64::from(tally.refused);
        r.policy_decision = format!(
            "refused: over the per-user rate limit; {} requests refused in a window of {} s",
            tally.refused,
            tally.window.as_secs()
        );
        if let Err(e) = state.audit.append(r).await {
            tracing::error!("audit write failed: {e}");
        }
    }
}

/// The housekeeping of sign-on: expired sessions removed, rate-limit tallies audited.
pub(crate) fn spawn_housekeeping(state: Arc<State>) -> Option<tokio::task::JoinHandle<()>> {
    if state.oidc.is_none() && state.rate_limiter.is_none() {
        return None;
    }
    let every = state
        .rate_limiter
        .as_ref()
        .map_or(Duration::from_secs(60), |l| l.limit().window)
        .min(Duration::from_secs(60));
    Some(tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Some(oidc) = &state.oidc
                && let Err(e) = oidc.sessions.purge_expired().await
            {
                tracing::error!("sessions: {e}");
            }
            audit_rate_tallies(&state).await;
        }
    }))
}
