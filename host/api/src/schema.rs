//! The JSON Schemas of the `/v1` request bodies, as strict as the checks in [`request`]: built
//! from the same bounds (the `MAX_*` constants), the same visible-character rule
//! ([`justification::visible_pattern`]) and the gateway's [`AccessRules`], so a body the schema
//! allows passes the checks and a body it refuses does not. The gateway's `/openapi.json`
//! serves them; types the answers share (a submission's entity, an entity kind) are referenced
//! as `#/components/schemas/…`, derived from the model's types.
//!
//! [`request`]: crate::request
//! [`justification::visible_pattern`]: crate::justification::visible_pattern

use serde_json::{Value, json};

use crate::config::AccessRules;
use crate::justification::visible_pattern;
use crate::request::{
    IDEMPOTENCY_KEY_CHARS, MAX_CASE_REFERENCE_CHARS, MAX_CURSOR_CHARS, MAX_JUSTIFICATION_CHARS,
    MAX_KEY_CHARS, MAX_LOCAL_ID_CHARS, MAX_NAMED_CONNECTORS, MAX_PROFILE_MEMBERS, MAX_SEARCH_KEYS,
    MAX_SEARCH_LIMIT, MAX_SEARCH_TEXT_CHARS,
};

/// A connector id's pattern, as [`crate::request::is_connector_id`] checks it.
pub const CONNECTOR_ID_PATTERN: &str = "^[a-z0-9-]{1,64}$";

/// A date of birth's pattern, as the search checks it (`YYYY-MM-DD`, month 01–12, day 01–31).
pub const DATE_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A string of `min..=max` characters with at least one visible one.
fn visible_text(min: usize, max: usize) -> Value {
    json!({
        "type": "string",
        "minLength": min,
        "maxLength": max,
        "pattern": visible_pattern(1),
    })
}

/// `schema`, or null.
fn or_null(mut schema: Value) -> Value {
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        schema["type"] = json!([t, "null"]);
    }
    schema
}

/// The fields every data request carries (justification, reason code, case reference) under
/// `rules`, added to `properties` and `required`.
fn why(
    rules: &AccessRules,
    properties: &mut serde_json::Map<String, Value>,
    required: &mut Vec<&str>,
) {
    let min = rules.justification_min_visible;
    let mut justification = json!({
        "type": "string",
        "maxLength": MAX_JUSTIFICATION_CHARS,
        "description": format!(
            "Why you need this data (DPA 2018 s.62): at least {min} visible characters \
             (whitespace and Unicode categories Cc, Cf and M do not count), at most \
             {MAX_JUSTIFICATION_CHARS} characters."
        ),
    });
    if min > 0 {
        justification["minLength"] = json!(min);
        justification["pattern"] = json!(visible_pattern(min));
        required.push("justification");
    } else {
        justification = or_null(justification);
    }
    properties.insert("justification".into(), justification);
    let reason_code = if rules.reason_codes.is_empty() {
        json!({ "type": "null", "description": "This gateway has no reason codes: leave it out." })
    } else {
        required.push("reason_code");
        json!({ "type": "string", "enum": rules.reason_codes, "description": "One of the gateway's reason codes." })
    };
    properties.insert("reason_code".into(), reason_code);
    let mut case_reference = or_null(visible_text(1, MAX_CASE_REFERENCE_CHARS));
    case_reference["description"] = json!("The case or incident it is for.");
    properties.insert("case_reference".into(), case_reference);
}

/// A closed object of `properties`, of which `required` must be present.
fn object(properties: serde_json::Map<String, Value>, required: Vec<&str>) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// One structured search key, tagged by `kind`.
fn search_key() -> Value {
    let value = || visible_text(1, MAX_KEY_CHARS);
    let tagged = |kind: &str, field: &str| {
        json!({
            "type": "object",
            "properties": { "kind": { "type": "string", "enum": [kind] }, field: value() },
            "required": ["kind", field],
            "additionalProperties": false,
        })
    };
    json!({
        "description": "A structured key; every key given must match.",
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "kind": { "type": "string", "enum": ["name"] },
                    "surname": value(),
                    "given_name": or_null(value()),
                    "date_of_birth": { "type": ["string", "null"], "pattern": DATE_PATTERN },
                },
                "required": ["kind", "surname"],
                "additionalProperties": false,
            },
            tagged("vrm", "vrm"),
            tagged("vin", "vin"),
            tagged("reference", "reference"),
            tagged("postcode", "postcode"),
            tagged("telephone", "number"),
            tagged("email", "address"),
        ],
    })
}

/// A search's `query`.
fn query() -> Value {
    json!({
        "type": "object",
        "description": "What to find: `text` with some visible characters, or at least one key, or both.",
        "properties": {
            "kind": reference("EntityKind"),
            "text": { "type": ["string", "null"], "maxLength": MAX_SEARCH_TEXT_CHARS },
            "keys": { "type": "array", "items": search_key(), "maxItems": MAX_SEARCH_KEYS },
            "limit": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": MAX_SEARCH_LIMIT,
                "description": "Records asked of each connector; 20 when left out.",
            },
            "cursor": {
                "type": ["string", "null"],
                "minLength": 1,
                "maxLength": MAX_CURSOR_CHARS,
                "description": "A previous answer's next_cursor.",
            },
        },
        "required": ["kind"],
        "additionalProperties": false,
        "anyOf": [
            { "properties": { "text": { "type": "string", "pattern": visible_pattern(1) } }, "required": ["text"] },
            { "properties": { "keys": { "type": "array", "minItems": 1 } }, "required": ["keys"] },
        ],
    })
}

/// `POST /v1/search`: a federated search, optionally of only the named connectors.
pub fn federated_search(rules: &AccessRules) -> Value {
    let mut p = serde_json::Map::new();
    let mut required = vec!["query"];
    why(rules, &mut p, &mut required);
    p.insert("query".into(), query());
    p.insert(
        "connectors".into(),
        json!({
            "type": ["array", "null"],
            "items": { "type": "string", "pattern": CONNECTOR_ID_PATTERN },
            "minItems": 1,
            "maxItems": MAX_NAMED_CONNECTORS,
            "description": "Only these connectors; all you may search when left out.",
        }),
    );
    object(p, required)
}

/// `POST /v1/connectors/{id}/search`: the connector is named in the path.
pub fn connector_search(rules: &AccessRules) -> Value {
    let mut p = serde_json::Map::new();
    let mut required = vec!["query"];
    why(rules, &mut p, &mut required);
    p.insert("query".into(), query());
    p.insert(
        "connectors".into(),
        json!({ "type": "null", "description": "The path names the connector: leave it out." }),
    );
    object(p, required)
}

/// `POST /v1/connectors/{id}/fetch`.
pub fn fetch(rules: &AccessRules) -> Value {
    let mut p = serde_json::Map::new();
    let mut required = vec!["kind", "local_id"];
    why(rules, &mut p, &mut required);
    p.insert("kind".into(), reference("EntityKind"));
    let mut local_id = visible_text(1, MAX_LOCAL_ID_CHARS);
    local_id["description"] = json!("The vendor's id, as a search answer gave it.");
    p.insert("local_id".into(), local_id);
    object(p, required)
}

/// `POST /v1/submit` and `POST /v1/connectors/{id}/submit`.
pub fn submit(rules: &AccessRules) -> Value {
    let mut p = serde_json::Map::new();
    let mut required = vec!["idempotency_key", "submission"];
    why(rules, &mut p, &mut required);
    p.insert(
        "idempotency_key".into(),
        json!({
            "type": "string",
            "pattern": format!(
                "^[!-~]{{{},{}}}$",
                IDEMPOTENCY_KEY_CHARS.start(),
                IDEMPOTENCY_KEY_CHARS.end()
            ),
            "description": "8 to 128 printable ASCII characters, e.g. a UUID: a retry with the same key never creates twice.",
        }),
    );
    p.insert(
        "submission".into(),
        json!({
            "allOf": [
                reference("Submission"),
                { "properties": { "local_id": or_null(visible_text(1, MAX_LOCAL_ID_CHARS)) } },
            ],
        }),
    );
    object(p, required)
}

/// A group id's pattern, as [`crate::request::is_group_id`] checks it.
pub const GROUP_ID_PATTERN: &str = "^grp_[0-9a-f]{32}$";

/// `POST /v1/profile`: the records of one subject, as a search answer's group listed them.
/// `connector` is the schema of a connector id (the gateway's `/openapi.json` gives the ids
/// running now).
pub fn profile(rules: &AccessRules, connector: Value) -> Value {
    let mut p = serde_json::Map::new();
    let mut required = vec!["members"];
    why(rules, &mut p, &mut required);
    p.insert(
        "group".into(),
        json!({
            "type": ["string", "null"],
            "pattern": GROUP_ID_PATTERN,
            "description": "The group's id as the search answer gave it: when given, it must be the id of exactly these members (404 otherwise).",
        }),
    );
    let mut local_id = visible_text(1, MAX_LOCAL_ID_CHARS);
    local_id["description"] = json!("The vendor's id, as a search answer gave it.");
    let member = json!({
        "type": "object",
        "properties": {
            "connector": connector,
            "kind": reference("EntityKind"),
            "local_id": local_id,
        },
        "required": ["connector", "kind", "local_id"],
        "additionalProperties": false,
    });
    p.insert(
        "members".into(),
        json!({
            "type": "array",
            "items": member,
            "minItems": 1,
            "maxItems": MAX_PROFILE_MEMBERS,
            "description": "The subject's records (a group's members); a record named twice counts once.",
        }),
    );
    object(p, required)
}
