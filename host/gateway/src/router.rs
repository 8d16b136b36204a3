//! The routes, on axum: which handler serves which method and path, the open routes
//! (`/healthz`, `/metrics`, `/openapi.json`), JSON answers for unknown routes and methods, and
//! the metrics of every response by route template.

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State as Shared};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, StatusCode};

use super::State;
use super::access::problem;
use super::auth::{ConnInfo, bearer};
use super::handlers;
use super::metrics::UNMATCHED;

/// The gateway's routes over `state`.
pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/connectors", get(handlers::list))
        .route("/v1/search", post(handlers::federated_search))
        .route("/v1/submit", post(handlers::enter_once))
        .route("/v1/profile", post(handlers::profile))
        .route(
            "/v1/connectors/{id}/search",
            post(handlers::connector_search),
        )
        .route("/v1/connectors/{id}/fetch", post(handlers::connector_fetch))
        .route(
            "/v1/connectors/{id}/submit",
            post(handlers::connector_submit),
        )
        .route("/v1/audit", get(handlers::audit_read))
        .route("/v1/console", get(handlers::console::overview))
        .route("/v1/console/reload", post(handlers::console::reload))
        .route(
            "/v1/console/keys/{key_id}/revoke",
            post(handlers::console::revoke_key),
        )
        .route(
            "/v1/console/connectors/{id}/rollback",
            post(handlers::console::rollback),
        )
        .route(
            "/v1/console/connectors/{id}/remove",
            post(handlers::console::remove),
        )
        .merge(super::app::routes())
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_method)
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .layer(middleware::from_fn(super::app::security_headers))
        // A span per request (method, path template, status, latency) at debug level.
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Count every response by route template (never the raw path) and status.
async fn count(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_string(), |m| m.as_str().to_string());
    let response = next.run(request).await;
    state.metrics.response(&route, response.status().as_u16());
    response
}

async fn unknown_route() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "no such route; see GET /openapi.json",
        None,
    )
}

async fn unknown_method() -> Response {
    problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "this route does not take that method; see GET /openapi.json",
        None,
    )
}

async fn healthz(Shared(state): Shared<Arc<State>>) -> Response {
    #[derive(serde::Serialize)]
    struct Health {
        status: &'static str,
        connectors: usize,
        uptime_seconds: u64,
    }
    axum::Json(Health {
        status: "ok",
        connectors: state.plugins().len(),
        uptime_seconds: state.started.elapsed().as_secs(),
    })
    .into_response()
}

/// `/metrics`: with a configured scrape token, for whoever sends it; without one, for
/// loopback clients only.
async fn metrics(Shared(state): Shared<Arc<State>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let allowed = match &state.config.metrics_token_sha256 {
        Some(hash) => bearer(&parts).is_ok_and(|t| {
            let got = super::config::token_sha256(t);
            got.iter().zip(hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        }),
        None => parts
            .extensions
            .get::<ConnInfo>()
            .is_some_and(|c| c.peer.ip().is_loopback()),
    };
    if !allowed {
        let mut r = problem(
            StatusCode::UNAUTHORIZED,
            "/metrics needs the scrape token ([metrics] token_sha256): send `Authorization: Bearer <token>`",
            None,
        );
        r.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"interop-metrics\""),
        );
        return r;
    }
    let mut r = Response::new(axum::body::Body::from(state.metrics.render()));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

async fn openapi(Shared(state): Shared<Arc<State>>) -> Response {
    axum::Json(super::openapi::document(&state)).into_response()
}
