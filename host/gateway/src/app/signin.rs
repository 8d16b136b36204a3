//! The browser's way in: signing in at the provider (`GET /auth/login`, `GET
//! /auth/callback`), the page's session (`GET /auth/session`), signing out (`POST
//! /auth/logout`), and the small HTML pages of that flow. The sessions and tokens themselves
//! are `super::super::oidc`'s.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State as Shared};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde::Serialize;

use interop_audit::{AuditEvent, AuditRecord, Outcome};
use interop_sandbox::types::Classification;

use super::super::State;
use super::super::access::problem;
use super::super::auth::{Caller, ConnInfo};
use super::super::config::User;
use super::super::oidc::{Oidc, authenticate_session, cookie_headers, has_session_cookie, user_of};

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
    record.correlation_id = super::super::new_id();
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
