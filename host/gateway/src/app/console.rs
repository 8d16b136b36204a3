//! The operator console's pages: plain HTML, CSS and one ES module built into the binary, as
//! the officer's app is, under the same strict page policy. The page holds no data: it signs in
//! through `/auth/login?return_to=/console/` and reads everything from `GET /v1/console`, which
//! answers only users with an operator role (`[roles.NAME] operate`); its actions are the
//! `POST /v1/console/*` routes, sent with the session's CSRF token (see
//! `handlers/console.rs`). Charts are inline SVG the script draws from that JSON.

use axum::response::Response;
use http::StatusCode;

const CONSOLE_HTML: &str = include_str!("assets/console.html");
const CONSOLE_JS: &str = include_str!("assets/console.js");
const CONSOLE_CSS: &str = include_str!("assets/console.css");

pub(super) async fn index() -> Response {
    super::signin::html_response(StatusCode::OK, CONSOLE_HTML.to_string())
}

pub(super) async fn script() -> Response {
    super::asset(CONSOLE_JS, "text/javascript; charset=utf-8")
}

pub(super) async fn style() -> Response {
    super::asset(CONSOLE_CSS, "text/css; charset=utf-8")
}

/// `/console` → `/console/`.
pub(super) async fn root() -> Response {
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    r.headers_mut().insert(
        http::header::LOCATION,
        http::HeaderValue::from_static("/console/"),
    );
    r
}
