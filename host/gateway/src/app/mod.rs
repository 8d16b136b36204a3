//! The officer's app and the operator console (`console.rs`), served by the gateway: plain HTML, CSS and one ES module, built into the
//! binary (no bundler, no CDN, nothing fetched at run time). The app uses only the public API:
//! `/auth/*` to sign in and out, `/v1/*` for everything else, exactly as another force's app
//! would.
//!
//! Every response of the gateway gets `Cache-Control: no-store`, `X-Content-Type-Options:
//! nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` and, unless it set its own,
//! `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`. The app's pages carry
//! a strict policy of their own ([`PAGE_CSP`](signin::PAGE_CSP)): scripts and styles from
//! the gateway only, no inline script or style, no `eval`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use http::{HeaderValue, StatusCode};

use super::State;
mod console;
mod signin;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// The app's routes and the sign-in routes.
pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/", get(root))
        .route("/app", get(root))
        .route("/app/", get(index))
        .route("/app/app.js", get(script))
        .route("/app/app.css", get(style))
        .route("/console", get(console::root))
        .route("/console/", get(console::index))
        .route("/console/console.js", get(console::script))
        .route("/console/console.css", get(console::style))
        .route("/favicon.ico", get(no_icon))
        .route("/auth/login", get(signin::login))
        .route("/auth/callback", get(signin::callback))
        .route("/auth/logout", post(signin::logout))
        .route("/auth/session", get(signin::session))
}

async fn root() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    r.headers_mut()
        .insert(http::header::LOCATION, HeaderValue::from_static("/app/"));
    r
}

async fn index() -> Response {
    signin::html_response(StatusCode::OK, INDEX_HTML.to_string())
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    r
}

async fn script() -> Response {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

async fn style() -> Response {
    asset(APP_CSS, "text/css; charset=utf-8")
}

async fn no_icon() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// The headers every response carries (see the module's documentation).
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    for (name, value) in [
        (http::header::CACHE_CONTROL, "no-store"),
        (http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (http::header::REFERRER_POLICY, "no-referrer"),
        (http::header::X_FRAME_OPTIONS, "DENY"),
        (
            http::header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
