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

use axum::body::Body;
use axum::extract::{RawQuery, State as Shared};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;

use interop_audit::{AuditEvent, AuditRecord, Outcome};
use interop_identity::{
    Access, CookiePolicy, MemorySessionStore, RateLimiter, RelyingParty, RelyingPartyOptions,
    SessionRefusal, Sessions, SystemClock,
};
use interop_sandbox::types::Classification;

use super::State;
use super::access::problem;
use super::auth::{Caller, ConnInfo};
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
    pub(crate) async fn setup(config: &GatewayConfig) -> anyhow::Result<Option<Oidc>> {
        let Some(oidc) = &config.oidc else {
            return Ok(None);
        };
        let sessions = Sessions::new(
            Arc::new(MemorySessionStore::new()),
            oidc.session,
            CookiePolicy::for_listen_addr(config.listen),
            Arc::new(SystemClock),
        );
        let issuer = oidc.issuer.clone();
        let rp = RelyingParty::discover(oidc.clone(), RelyingPartyOptions::default())
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

    fn cookies(&self) -> CookiePolicy {
        self.sessions.cookies()
    }
}

/// The per-user limiter of `[rate_limit]`.
pub(crate) fn rate_limiter(config: &GatewayConfig) -> Option<RateLimiter> {
    config
        .rate_limit
        .map(|limit| RateLimiter::new(limit, Arc::new(SystemClock)))
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

/// The security headers every page of the app and every sign-in page carries.
pub(crate) const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML page of the sign-in flow: `title`, a paragraph of `text` (escaped), an optional link.
fn page(status: StatusCode, title: &str, text: &str, link: Option<(&str, &str)>) -> Response {
    let link = link
        .map(|(href, label)| {
            format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape_html(href),
                escape_html(label)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} — interop</title><link rel=\"stylesheet\" href=\"/app/app.css\"></head>\
         <body><main class=\"narrow\"><h1>{t}</h1><p>{}</p>{link}</main></body></html>\n",
        escape_html(text),
        t = escape_html(title),
    );
    html_response(status, html)
}

/// An HTML response with the page headers.
pub(crate) fn html_response(status: StatusCode, html: String) -> Response {
    let mut r = Response::new(Body::from(html));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    r
}

/// `text` with the five HTML-significant characters escaped.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(http::header::SET_COOKIE, v);
    }
}

fn not_configured() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "sign-in is not configured on this gateway: add an [oidc] section, or use a bearer token",
        None,
    )
}

fn peer(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnInfo>()
        .map_or_else(|| "unknown".into(), |c| c.peer.ip().to_string())
}

/// Append a sign-in or sign-out record; a refused one only within the per-client record rate.
#[allow(clippy::too_many_arguments)]
async fn audit_session_event(
    state: &State,
    parts: &Parts,
    event: AuditEvent,
    operation: &str,
    user: Option<&User>,
    user_id: Option<&str>,
    outcome: Outcome,
    status: StatusCode,
    decision: String,
) -> Result<(), Response> {
    let mut record = AuditRecord::new(event, operation);
    if outcome == Outcome::Refused {
        let Some(suppressed) = state.auth_failures.admit(
            parts
                .extensions
                .get::<ConnInfo>()
                .map_or_else(|| [0, 0, 0, 0].into(), |c| c.peer.ip()),
        ) else {
            return Ok(());
        };
        record.suppressed = suppressed;
    }
    record.user = user.map(|u| u.id.clone()).or(user_id.map(str::to_string));
    record.role = user.map(|u| u.roles.join(","));
    record.client = Some(peer(parts));
    record.correlation_id = super::new_id();
    record.outcome = outcome;
    record.status = status.as_u16();
    record.policy_decision = decision;
    if let Err(e) = state.audit.append(record).await {
        tracing::error!("audit write failed: {e}");
        return Err(page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in unavailable",
            "The gateway cannot write its audit log, so nobody can sign in. Tell the service desk.",
            None,
        ));
    }
    Ok(())
}

/// `GET /auth/login?return_to=/app/`: start a sign-in at the provider.
pub(crate) async fn login(
    Shared(state): Shared<Arc<State>>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(oidc) = &state.oidc else {
        return not_configured();
    };
    let return_to =
        serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or_default())
            .unwrap_or_default()
            .into_iter()
            .find(|(k, _)| k == "return_to")
            .map(|(_, v)| v);
    match oidc
        .rp
        .start_login(return_to.as_deref().or(Some("/app/")))
        .await
    {
        Ok(start) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::SEE_OTHER;
            if let Ok(v) = HeaderValue::from_str(start.authorize_url.as_str()) {
                r.headers_mut().insert(http::header::LOCATION, v);
            }
            set_cookie(&mut r, &oidc.cookies().login_cookie(&start.binding));
            r
        }
        Err(e) => page(
            StatusCode::BAD_REQUEST,
            "Cannot start sign-in",
            &format!("{e}. Open the app at /app/ and sign in from there."),
            Some(("/app/", "Back to the app")),
        ),
    }
}

/// `GET /auth/callback?code=…&state=…`: finish the sign-in, open a session, audit it.
pub(crate) async fn callback(Shared(state): Shared<Arc<State>>, parts: Parts) -> Response {
    let Some(oidc) = &state.oidc else {
        return not_configured();
    };
    let headers = cookie_headers(&parts.headers);
    let binding = oidc.cookies().login_binding(headers).ok().flatten();
    let query = parts.uri.query().unwrap_or_default();
    let sign_in = match oidc.rp.finish_login(query, binding).await {
        Ok(s) => s,
        Err(e) => {
            let decision = format!("refused: {e}");
            if let Err(r) = audit_session_event(
                &state,
                &parts,
                AuditEvent::SignIn,
                "sign-in",
                None,
                None,
                Outcome::Refused,
                StatusCode::BAD_REQUEST,
                decision,
            )
            .await
            {
                return r;
            }
            let mut r = page(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                &format!("The sign-in could not be finished: {e}. Start again."),
                Some(("/auth/login", "Sign in again")),
            );
            set_cookie(&mut r, &oidc.cookies().clear_login_cookie());
            return r;
        }
    };
    let Some(user) = user_of(&sign_in.identity) else {
        let why = "the gateway's claims mapping gives this account no role or clearance";
        return no_access(&state, oidc, &parts, &sign_in.identity.user_id, why).await;
    };
    let new = match oidc.sessions.create(&sign_in).await {
        Ok(n) => n,
        Err(e) => {
            let why = e.to_string();
            return no_access(&state, oidc, &parts, &sign_in.identity.user_id, &why).await;
        }
    };
    if let Err(r) = audit_session_event(
        &state,
        &parts,
        AuditEvent::SignIn,
        "sign-in",
        Some(&user),
        None,
        Outcome::Ok,
        StatusCode::OK,
        format!("allowed: signed in at {}", oidc.rp.metadata().issuer),
    )
    .await
    {
        return r;
    }
    // The session cookie is SameSite=Strict, so the browser does not send it on this redirect
    // chain from the provider: navigate with a page, not a 302.
    let to = escape_html(&sign_in.return_to);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={to}\">\
         <title>Signed in — interop</title><link rel=\"stylesheet\" href=\"/app/app.css\">\
         </head><body><main class=\"narrow\"><h1>Signed in</h1>\
         <p><a href=\"{to}\">Continue to the app</a></p></main></body></html>\n"
    );
    let mut r = html_response(StatusCode::OK, html);
    set_cookie(&mut r, &new.set_cookie);
    set_cookie(&mut r, &oidc.cookies().clear_login_cookie());
    r
}

/// A finished sign-in the gateway gives nothing: audited, and a page that says why.
async fn no_access(
    state: &State,
    oidc: &Oidc,
    parts: &Parts,
    user_id: &str,
    why: &str,
) -> Response {
    if let Err(r) = audit_session_event(
        state,
        parts,
        AuditEvent::SignIn,
        "sign-in",
        None,
        Some(user_id),
        Outcome::Refused,
        StatusCode::FORBIDDEN,
        format!("refused: {why}"),
    )
    .await
    {
        return r;
    }
    let mut r = page(
        StatusCode::FORBIDDEN,
        "No access",
        &format!(
            "You signed in as {user_id}, but {why}. Ask your force's identity team for access to interop."
        ),
        None,
    );
    set_cookie(&mut r, &oidc.cookies().clear_login_cookie());
    r
}

/// `POST /auth/logout`: end the session here (the request must carry the CSRF token) and
/// answer with where to end it at the provider.
pub(crate) async fn logout(Shared(state): Shared<Arc<State>>, parts: Parts) -> Response {
    let Some(oidc) = &state.oidc else {
        return not_configured();
    };
    let caller = match authenticate_session(oidc, &parts).await {
        Ok(c) => c,
        Err(refused) => {
            let _ = audit_session_event(
                &state,
                &parts,
                if refused.timed_out {
                    AuditEvent::SignOut
                } else {
                    AuditEvent::AuthFailure
                },
                "sign-out",
                None,
                refused.user.as_deref(),
                Outcome::Refused,
                refused.status,
                format!("refused: {}", refused.why),
            )
            .await;
            let mut r = problem(
                refused.status,
                &format!("cannot sign out: {}", refused.why),
                None,
            );
            if refused.status == StatusCode::UNAUTHORIZED {
                set_cookie(&mut r, &oidc.cookies().clear_session_cookie());
            }
            return r;
        }
    };
    let ended = oidc.sessions.end(cookie_headers(&parts.headers)).await;
    let id_token = match ended {
        Ok(Some(record)) => Some(record.id_token),
        _ => None,
    };
    if let Err(r) = audit_session_event(
        &state,
        &parts,
        AuditEvent::SignOut,
        "sign-out",
        Some(&caller.user),
        None,
        Outcome::Ok,
        StatusCode::OK,
        "allowed: the user signed out".into(),
    )
    .await
    {
        return r;
    }
    #[derive(Serialize)]
    struct SignedOut {
        signed_out: bool,
        provider_logout_url: Option<String>,
    }
    let body = SignedOut {
        signed_out: true,
        provider_logout_url: oidc
            .rp
            .logout_url(id_token.as_deref())
            .map(|u| u.to_string()),
    };
    let mut r = axum::Json(body).into_response();
    set_cookie(&mut r, &oidc.cookies().clear_session_cookie());
    r
}

/// `GET /auth/session`: who the caller is, and the CSRF token their page must send. A request
/// with no credential at all is a page asking whether anyone is signed in: it is answered 401
/// without an audit record (nothing was refused); any credential sent is checked, and refused
/// and audited as on every other route.
pub(crate) async fn session(Shared(state): Shared<Arc<State>>, mut parts: Parts) -> Response {
    let signed_in = parts.headers.contains_key(http::header::AUTHORIZATION)
        || state
            .oidc
            .as_ref()
            .is_some_and(|o| has_session_cookie(o, &parts));
    if !signed_in {
        return problem(
            StatusCode::UNAUTHORIZED,
            "not signed in: sign in at /auth/login, or send `Authorization: Bearer <token>`",
            None,
        );
    }
    let caller = match <Caller as axum::extract::FromRequestParts<Arc<State>>>::from_request_parts(
        &mut parts, &state,
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    #[derive(Serialize)]
    struct Me<'a> {
        user: &'a str,
        roles: &'a [String],
        clearance: &'static str,
        via: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        csrf_token: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        signed_in_at: Option<u64>,
    }
    let (csrf_token, signed_in_at) = match &caller.session {
        Some((csrf, at)) => (
            Some(csrf.as_str()),
            at.duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs()),
        ),
        None => (None, None),
    };
    axum::Json(Me {
        user: &caller.user.id,
        roles: &caller.user.roles,
        clearance: match caller.user.clearance {
            Classification::Official => "official",
            Classification::Secret => "secret",
            Classification::TopSecret => "top_secret",
        },
        via: caller.via,
        csrf_token,
        signed_in_at,
    })
    .into_response()
}

/// Audit the windows that closed with rate-limit refusals in them, each with its count.
pub(crate) async fn audit_rate_tallies(state: &State) {
    let Some(limiter) = &state.rate_limiter else {
        return;
    };
    for tally in limiter.take_tallies() {
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
