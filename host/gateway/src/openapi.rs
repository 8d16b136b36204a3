//! The API description served at `GET /openapi.json`, built from the code it describes.
//!
//! The answers' and records' schemas are derived from the handlers' own types
//! (`utoipa::ToSchema` on [`FederatedAnswer`], [`Hit`], the model's `PoleRecord`, …); the
//! request bodies' schemas come from `interop_api::schema`, beside the checks they mirror and
//! from the same bounds and this gateway's access rules; the connector ids a path may name are
//! the connectors running now. [`OPERATIONS`] lists every route and method the router serves
//! with every status each can answer; a test holds the router and this list together.

use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use interop_api::schema as requests;
use interop_model::{EntityKind, PoleRecord, Receipt, Submission};

use super::State;
use super::access::Problem;
use super::federation::{Group, Hit};
use super::handlers::console::{ActionAnswer, ConsoleOverview};
use super::handlers::{
    CallFailure, ConnectorAnswer, ConnectorList, DEFAULT_AUDIT_PAGE, FederatedAnswer,
    MAX_AUDIT_PAGE, PageAnswer, ProfileAnswer, SubmitAnswer,
};

/// What an operation answers with a given status.
#[derive(Clone, Copy)]
pub(crate) enum Body {
    /// A JSON body of this component schema.
    Json(&'static str),
    /// The JSON error body ([`Problem`]).
    Problem,
    /// A connector's failure ([`CallFailure`]) or, before any connector was called, a
    /// [`Problem`].
    Failure,
}

/// One route and method the gateway serves: its path template, method, whether it needs a
/// token, what it does, and every status it can answer.
pub(crate) struct Operation {
    pub(crate) path: &'static str,
    pub(crate) method: &'static str,
    secured: bool,
    summary: &'static str,
    pub(crate) statuses: &'static [(u16, &'static str, Body)],
}

/// Statuses every `/v1` route can answer before its own work: no token, and an audit log that
/// cannot be written (then nothing was disclosed).
const UNAUTHORIZED: (u16, &str, Body) = (
    401,
    "No token, or one the gateway does not know (the refusal is audited, rate-limited per client address).",
    Body::Problem,
);
const AUDIT_DOWN: (u16, &str, Body) = (
    500,
    "The audit log cannot be written: nothing was disclosed and no connector was called.",
    Body::Problem,
);
const BAD_REQUEST: (u16, &str, Body) = (
    400,
    "The body is not the request's shape, or a field is out of bounds (the error names it). Audited.",
    Body::Problem,
);
const SLOW_BODY: (u16, &str, Body) = (
    408,
    "The body did not arrive within the listener's body deadline.",
    Body::Problem,
);
const TOO_LARGE: (u16, &str, Body) = (413, "The body is over 1 MiB.", Body::Problem);

/// Every route and method the router serves.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        path: "/healthz",
        method: "get",
        secured: false,
        summary: "Liveness: the connectors running and the uptime",
        statuses: &[(200, "Running.", Body::Json("Liveness"))],
    },
    Operation {
        path: "/metrics",
        method: "get",
        secured: false,
        summary: "Prometheus metrics by route template and connector: calls, errors, latency, refusals",
        statuses: &[
            (200, "OpenMetrics text.", Body::Json("Metrics")),
            (
                401,
                "A scrape token is configured and was not sent, or (without one) the client is not on loopback.",
                Body::Problem,
            ),
        ],
    },
    Operation {
        path: "/openapi.json",
        method: "get",
        secured: false,
        summary: "This document",
        statuses: &[(200, "OpenAPI 3.1.", Body::Json("OpenApi"))],
    },
    Operation {
        path: "/v1/connectors",
        method: "get",
        secured: true,
        summary: "Installed connectors: describe answers, component hash, signature, health, and what you may do with each",
        statuses: &[
            (200, "The connectors.", Body::Json("ConnectorList")),
            UNAUTHORIZED,
            AUDIT_DOWN,
        ],
    },
    Operation {
        path: "/v1/search",
        method: "post",
        secured: true,
        summary: "Federated search: every connector that searches this kind and your roles allow, concurrently, each under its own timeout",
        statuses: &[
            (
                200,
                "Records grouped by the entity they describe; `complete` is false when a connector failed or declined the query (`sources` say which and why).",
                Body::Json("FederatedAnswer"),
            ),
            BAD_REQUEST,
            UNAUTHORIZED,
            (
                403,
                "No connector you may search handles this kind (audited).",
                Body::Problem,
            ),
            SLOW_BODY,
            TOO_LARGE,
            AUDIT_DOWN,
            (
                502,
                "Every connector failed; `sources` say why.",
                Body::Json("FederatedAnswer"),
            ),
        ],
    },
    Operation {
        path: "/v1/connectors/{id}/search",
        method: "post",
        secured: true,
        summary: "Search one connector",
        statuses: &[
            (
                200,
                "The records you may see; or, with `declined`, the connector's answer that it cannot serve this search.",
                Body::Json("ConnectorAnswer"),
            ),
            BAD_REQUEST,
            UNAUTHORIZED,
            (
                403,
                "Your roles do not allow this search, or the connector does not search this kind (audited).",
                Body::Problem,
            ),
            (
                404,
                "No such connector is installed, or the connector found nothing to search.",
                Body::Failure,
            ),
            SLOW_BODY,
            TOO_LARGE,
            AUDIT_DOWN,
            (502, "The connector or its vendor failed.", Body::Failure),
            (
                503,
                "The connector is at its concurrency limit.",
                Body::Failure,
            ),
            (504, "The connector did not answer in time.", Body::Failure),
        ],
    },
    Operation {
        path: "/v1/connectors/{id}/fetch",
        method: "post",
        secured: true,
        summary: "Fetch one entity by the vendor's id",
        statuses: &[
            (200, "The record.", Body::Json("ConnectorAnswer")),
            BAD_REQUEST,
            UNAUTHORIZED,
            (
                403,
                "Your roles do not allow this fetch, or the connector does not take this kind (audited).",
                Body::Problem,
            ),
            (
                404,
                "No such connector, or no such record (or an id the connector cannot read); a record above your clearance is answered the same way (and audited as withheld).",
                Body::Failure,
            ),
            SLOW_BODY,
            TOO_LARGE,
            AUDIT_DOWN,
            (502, "The connector or its vendor failed.", Body::Failure),
            (
                503,
                "The connector is at its concurrency limit.",
                Body::Failure,
            ),
            (504, "The connector did not answer in time.", Body::Failure),
        ],
    },
    Operation {
        path: "/v1/connectors/{id}/submit",
        method: "post",
        secured: true,
        summary: "Create or update one entity in one system: the intent is audited before the vendor is called, the outcome after",
        statuses: &[
            (
                200,
                "The connector's receipt, or its answer that it cannot take this submission (`declined`).",
                Body::Json("SubmitAnswer"),
            ),
            (
                400,
                "The body is not the request's shape, or a field is out of bounds (the error names it). Audited.",
                Body::Problem,
            ),
            UNAUTHORIZED,
            (
                403,
                "Your roles do not allow this submit, or the connector does not take this kind (audited).",
                Body::Problem,
            ),
            (404, "No such connector is installed.", Body::Problem),
            SLOW_BODY,
            TOO_LARGE,
            AUDIT_DOWN,
            (
                502,
                "The connector failed; `targets` says why.",
                Body::Json("SubmitAnswer"),
            ),
        ],
    },
    Operation {
        path: "/v1/profile",
        method: "post",
        secured: true,
        summary: "One subject's picture: every member record fetched at once, its links followed one hop (carried, or fetched from the same system), every fact with its source and handling, differing facts side by side; audited as one combination of records",
        statuses: &[
            (
                200,
                "The profile; `complete` is false when a system failed or timed out (`members` and `links_failed` say which). A member you may not see is `unavailable`, exactly as one that does not exist.",
                Body::Json("ProfileAnswer"),
            ),
            BAD_REQUEST,
            UNAUTHORIZED,
            (
                403,
                "Your roles do not allow fetch on a member's connector, or it does not take that kind (audited).",
                Body::Problem,
            ),
            (
                404,
                "A member's connector is not installed, or `group` is not the id of exactly these members (audited).",
                Body::Problem,
            ),
            SLOW_BODY,
            TOO_LARGE,
            AUDIT_DOWN,
            (
                502,
                "Every member's system failed; `members` say why.",
                Body::Json("ProfileAnswer"),
            ),
        ],
    },
    Operation {
        path: "/v1/submit",
        method: "post",
        secured: true,
        summary: "Enter once: one entity to every connector that takes its kind and your roles allow; a receipt per target; a retry with the same idempotency_key never creates twice",
        statuses: &[
            (
                200,
                "A receipt, a decline or an error per target; `complete` only when every target took it.",
                Body::Json("SubmitAnswer"),
            ),
            (
                400,
                "The body is not the request's shape, or a field is out of bounds (the error names it). Audited.",
                Body::Problem,
            ),
            UNAUTHORIZED,
            (
                403,
                "No connector you may submit to takes this kind (audited).",
                Body::Problem,
            ),
            SLOW_BODY,
            TOO_LARGE,
            AUDIT_DOWN,
            (
                502,
                "Every target failed; `targets` say why.",
                Body::Json("SubmitAnswer"),
            ),
        ],
    },
    Operation {
        path: "/v1/audit",
        method: "get",
        secured: true,
        summary: "Query the audit log (a role with `audit = true`); the read is itself audited",
        statuses: &[
            (
                200,
                "A page of records (JSON), or with `stream=true` every match as JSON lines.",
                Body::Json("PageAnswer"),
            ),
            (
                400,
                "A filter, `limit` or `cursor` is malformed (audited).",
                Body::Problem,
            ),
            UNAUTHORIZED,
            (403, "Not an auditor (audited).", Body::Problem),
            (
                500,
                "The audit log cannot be written, or cannot be read: run `interop audit verify` on it.",
                Body::Problem,
            ),
        ],
    },
    Operation {
        path: "/v1/console",
        method: "get",
        secured: true,
        summary: "The operator console's view (a role with `operate`): connectors with signer, health, review findings, recent latency and failures; the plugin store's history with actors; the audit log verified now and its last signed checkpoint; roles, users, the claims mapping and every key of the trust store, revoked ones included; the last reload. The read is audited",
        statuses: &[
            (200, "The console's view.", Body::Json("ConsoleOverview")),
            UNAUTHORIZED,
            (403, "No role with `operate` (audited).", Body::Problem),
            AUDIT_DOWN,
        ],
    },
    Operation {
        path: "/v1/console/reload",
        method: "post",
        secured: true,
        summary: "Reload the configuration file's users, roles, claims mapping and trust store, as `interop serve --reload` does (a role with `operate = \"act\"`; a browser session sends its CSRF token); audited, intent first",
        statuses: &[
            (
                200,
                "Reloaded; `reload` says what changed.",
                Body::Json("ActionAnswer"),
            ),
            BAD_REQUEST,
            UNAUTHORIZED,
            (
                403,
                "No role with `operate = \"act\"`, or a session's CSRF token missing or wrong (audited).",
                Body::Problem,
            ),
            SLOW_BODY,
            (
                409,
                "The configuration file was refused (its reason given); the old configuration keeps serving.",
                Body::Problem,
            ),
            TOO_LARGE,
            AUDIT_DOWN,
        ],
    },
    Operation {
        path: "/v1/console/keys/{key_id}/revoke",
        method: "post",
        secured: true,
        summary: "Revoke a trusted key: its id is added to `[trust] revoked` in the configuration file (checked, then written atomically) and the configuration reloaded, so the connectors it signed stop (a role with `operate = \"act\"`); audited, intent first",
        statuses: &[
            (
                200,
                "Revoked and reloaded; `reload.stopped` names the connectors that stopped.",
                Body::Json("ActionAnswer"),
            ),
            (
                400,
                "The body is not `{\"reason\": …}`, or the key id is not 16 hex digits (audited).",
                Body::Problem,
            ),
            UNAUTHORIZED,
            (
                403,
                "No role with `operate = \"act\"`, or a session's CSRF token missing or wrong (audited).",
                Body::Problem,
            ),
            (
                404,
                "No such key in the trust store (audited).",
                Body::Problem,
            ),
            SLOW_BODY,
            (
                409,
                "The key is already revoked, the file cannot be changed, or the reload was refused (audited).",
                Body::Problem,
            ),
            TOO_LARGE,
            AUDIT_DOWN,
        ],
    },
    Operation {
        path: "/v1/console/connectors/{id}/rollback",
        method: "post",
        secured: true,
        summary: "Roll a connector of the plugin store back to its previous version, as `interop plugin rollback` does, and apply it now (a role with `operate = \"act\"`); audited, intent first",
        statuses: &[
            (200, "Rolled back.", Body::Json("ActionAnswer")),
            BAD_REQUEST,
            UNAUTHORIZED,
            (
                403,
                "No role with `operate = \"act\"`, or a session's CSRF token missing or wrong (audited).",
                Body::Problem,
            ),
            (
                404,
                "No such connector in the plugin store (audited).",
                Body::Problem,
            ),
            SLOW_BODY,
            (
                409,
                "No plugin store, a connector from `[[connectors]]`, no previous version, or the store refused (audited).",
                Body::Problem,
            ),
            TOO_LARGE,
            (
                500,
                "The audit log cannot be written, or the store's index cannot be read.",
                Body::Problem,
            ),
        ],
    },
    Operation {
        path: "/v1/console/connectors/{id}/remove",
        method: "post",
        secured: true,
        summary: "Remove a connector from the plugin store, as `interop plugin remove` does, and stop it now (a role with `operate = \"act\"`); audited, intent first",
        statuses: &[
            (200, "Removed.", Body::Json("ActionAnswer")),
            BAD_REQUEST,
            UNAUTHORIZED,
            (
                403,
                "No role with `operate = \"act\"`, or a session's CSRF token missing or wrong (audited).",
                Body::Problem,
            ),
            (
                404,
                "No such connector in the plugin store (audited).",
                Body::Problem,
            ),
            SLOW_BODY,
            (
                409,
                "No plugin store, a connector from `[[connectors]]`, or the store refused (audited).",
                Body::Problem,
            ),
            TOO_LARGE,
            (
                500,
                "The audit log cannot be written, or the store's index cannot be read.",
                Body::Problem,
            ),
        ],
    },
];

/// `T`'s schema and those it refers to, into `components`.
fn component<T: ToSchema>(components: &mut Map<String, Value>) {
    let mut schemas = Vec::new();
    T::schemas(&mut schemas);
    schemas.push((T::name().into_owned(), T::schema()));
    for (name, schema) in schemas {
        match serde_json::to_value(schema) {
            Ok(v) => {
                components.insert(name, v);
            }
            Err(e) => tracing::error!("cannot write the schema of {name}: {e}"),
        }
    }
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The response of `status` for `op`, with `body`.
fn response(op: &Operation, status: u16, description: &str, body: Body) -> Value {
    let schema = match body {
        Body::Json(name) => reference(name),
        Body::Problem => reference("Problem"),
        Body::Failure => json!({ "anyOf": [reference("CallFailure"), reference("Problem")] }),
    };
    let content = match (op.path, status, body) {
        ("/metrics", 200, _) => {
            json!({ "application/openmetrics-text": { "schema": { "type": "string" } } })
        }
        ("/v1/audit", 200, _) => json!({
            "application/json": { "schema": schema },
            "application/x-ndjson": { "schema": { "type": "string", "description": "One audit record (JSON, with its seq) a line." } },
        }),
        _ => json!({ "application/json": { "schema": schema } }),
    };
    let mut r = json!({ "description": description, "content": content });
    if status == 401 {
        r["headers"] = json!({
            "WWW-Authenticate": {
                "description": "The bearer scheme and realm.",
                "required": true,
                "schema": { "type": "string" },
            }
        });
    }
    r
}

/// The OpenAPI document for `state`'s configuration and the connectors running now.
pub(crate) fn document(state: &State) -> Value {
    let rules = &state.config.access;
    let mut components = Map::new();
    component::<FederatedAnswer<'static>>(&mut components);
    component::<ConnectorAnswer<'static>>(&mut components);
    component::<CallFailure<'static>>(&mut components);
    component::<SubmitAnswer<'static>>(&mut components);
    component::<ProfileAnswer<'static>>(&mut components);
    component::<ConnectorList<'static>>(&mut components);
    component::<PageAnswer>(&mut components);
    component::<ConsoleOverview>(&mut components);
    component::<ActionAnswer>(&mut components);
    component::<Problem<'static>>(&mut components);
    component::<Hit>(&mut components);
    component::<Group>(&mut components);
    component::<PoleRecord>(&mut components);
    component::<Receipt>(&mut components);
    component::<Submission>(&mut components);
    component::<EntityKind>(&mut components);
    components.insert(
        "Liveness".into(),
        json!({
            "type": "object",
            "properties": {
                "status": { "type": "string", "enum": ["ok"] },
                "connectors": { "type": "integer", "minimum": 0 },
                "uptime_seconds": { "type": "integer", "minimum": 0 },
            },
            "required": ["status", "connectors", "uptime_seconds"],
        }),
    );
    components.insert(
        "OpenApi".into(),
        json!({ "type": "object", "required": ["openapi", "paths"] }),
    );
    components.insert("Metrics".into(), json!({ "type": "string" }));

    let mut ids: Vec<String> = state
        .plugins()
        .iter()
        .map(|p| p.connector.info().id.clone())
        .collect();
    ids.sort();
    let id_schema = if ids.is_empty() {
        json!({ "type": "string", "pattern": requests::CONNECTOR_ID_PATTERN })
    } else {
        json!({ "type": "string", "enum": ids })
    };
    let id_parameter = json!({
        "name": "id",
        "in": "path",
        "required": true,
        "description": "A connector running on this gateway (GET /v1/connectors).",
        "schema": id_schema,
    });
    let audit_parameters = {
        let text = |name: &str, what: &str| json!({ "name": name, "in": "query", "required": false, "description": what, "schema": { "type": "string" } });
        let time = |name: &str, what: &str| {
            json!({
                "name": name, "in": "query", "required": false, "description": what,
                "schema": { "anyOf": [
                    { "type": "string", "format": "date-time" },
                    { "type": "string", "format": "date" },
                ] },
            })
        };
        json!([
            text("user", "Records of this user."),
            text("connector", "Records that reached this connector."),
            text("subject", "Records about this subject (e.g. `vrm:ZX51ABC`)."),
            time("since", "Records at or after this time (RFC 3339, or a date)."),
            time("until", "Records before this time (RFC 3339, or a date)."),
            text("operation", "Records of this operation (search, fetch, submit, …)."),
            {
                "name": "limit", "in": "query", "required": false,
                "description": format!("Records in a page ({DEFAULT_AUDIT_PAGE} when left out), or the most a stream sends."),
                "schema": { "type": "integer", "minimum": 1, "maximum": MAX_AUDIT_PAGE },
            },
            {
                "name": "cursor", "in": "query", "required": false,
                "description": "A previous page's next_cursor: records after it.",
                "schema": { "type": "integer", "minimum": 0, "maximum": u64::MAX },
            },
            {
                "name": "stream", "in": "query", "required": false,
                "description": "Send every match (after cursor) as JSON lines instead of a page.",
                "schema": { "type": "boolean" },
            },
        ])
    };

    let mut paths = Map::new();
    for op in OPERATIONS {
        let mut o = json!({ "summary": op.summary, "operationId": operation_id(op) });
        if !op.secured {
            o["security"] = json!([]);
        }
        let request = match (op.path, op.method) {
            ("/v1/search", _) => Some(requests::federated_search(rules)),
            ("/v1/connectors/{id}/search", _) => Some(requests::connector_search(rules)),
            ("/v1/connectors/{id}/fetch", _) => Some(requests::fetch(rules)),
            ("/v1/connectors/{id}/submit" | "/v1/submit", _) => Some(requests::submit(rules)),
            ("/v1/profile", _) => Some(requests::profile(rules, id_schema.clone())),
            (path, "post") if path.starts_with("/v1/console") => {
                Some(super::handlers::console::action_schema())
            }
            _ => None,
        };
        if let Some(schema) = request {
            o["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": schema } },
            });
        }
        if op.path.starts_with("/v1/console/connectors/") {
            o["parameters"] = json!([{
                "name": "id",
                "in": "path",
                "required": true,
                "description": "A connector of the plugin store (GET /v1/console).",
                "schema": { "type": "string", "pattern": requests::CONNECTOR_ID_PATTERN },
            }]);
        } else if op.path.contains("{key_id}") {
            o["parameters"] = json!([{
                "name": "key_id",
                "in": "path",
                "required": true,
                "description": "A key of the trust store: 16 hex digits (GET /v1/console).",
                "schema": { "type": "string", "pattern": "^[0-9a-fA-F]{16}$" },
            }]);
        } else if op.path.contains("{id}") {
            o["parameters"] = json!([id_parameter.clone()]);
        } else if op.path == "/v1/audit" {
            o["parameters"] = audit_parameters.clone();
        }
        let mut responses = Map::new();
        for (status, description, body) in op.statuses {
            responses.insert(
                status.to_string(),
                response(op, *status, description, *body),
            );
        }
        o["responses"] = Value::Object(responses);
        let item = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        item[op.method] = o;
    }

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "interop gateway",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "One log-on, one search across every connected police system, data entered once. Every /v1 call needs `Authorization: Bearer <token>`. Data calls carry a `justification` (and may carry a `case_reference`), are checked against the user's roles, filtered by clearance, and audited (DPA 2018 s.62) before the answer is sent. Records and queries are snake_case JSON with tagged unions and codes as codes (e.g. {\"kind\":\"person\"}, {\"kind\":\"vrm\",\"vrm\":\"ZX51ABC\"}), as `interop call` prints them; a request in the old form gets a 400 naming the new one. Routes answer an undeclared method with 405 and an `Allow` header.",
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": components,
        },
        "security": [{ "bearer": [] }],
        "paths": paths,
    })
}

/// `get_v1_connectors`, `post_v1_connectors_id_search`, …
fn operation_id(op: &Operation) -> String {
    let mut id = op.method.to_string();
    for part in op.path.split(['/', '.']).filter(|p| !p.is_empty()) {
        id.push('_');
        id.push_str(part.trim_matches(['{', '}']));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `(path, method)` pairs router.rs routes, read from its source: every
    /// `.route("PATH", METHOD(…))`.
    fn routed() -> Vec<(String, String)> {
        let source: String = include_str!("router.rs")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        source
            .split(".route(\"")
            .skip(1)
            .map(|rest| {
                let (path, rest) = rest.split_once("\",").expect("a route's path");
                let method = rest.split_once('(').expect("a route's method").0;
                (path.to_string(), method.to_string())
            })
            .collect()
    }

    #[test]
    fn every_route_is_documented_and_every_documented_route_is_routed() {
        let mut routes = routed();
        routes.sort();
        let mut documented: Vec<(String, String)> = OPERATIONS
            .iter()
            .map(|o| (o.path.to_string(), o.method.to_string()))
            .collect();
        documented.sort();
        assert!(routes.len() >= 10, "{routes:?}");
        assert_eq!(routes, documented);
    }

    #[test]
    fn every_operation_documents_its_statuses_and_never_a_default() {
        for op in OPERATIONS {
            let statuses: Vec<u16> = op.statuses.iter().map(|s| s.0).collect();
            assert!(statuses.contains(&200), "{} {}", op.method, op.path);
            if op.secured {
                for needed in [401, 500] {
                    assert!(
                        statuses.contains(&needed),
                        "{} {} lacks {needed}",
                        op.method,
                        op.path
                    );
                }
            }
            if op.method == "post" {
                for needed in [400, 403, 408, 413] {
                    assert!(
                        statuses.contains(&needed),
                        "{} {} lacks {needed}",
                        op.method,
                        op.path
                    );
                }
            }
            let mut unique = statuses.clone();
            unique.dedup();
            assert_eq!(unique.len(), statuses.len(), "{} {}", op.method, op.path);
        }
    }
}
