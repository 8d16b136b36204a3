//! The `/v1` requests: their shapes, the bounds on every field, and the checks a request must
//! pass before any connector sees it. Each parser takes the body's bytes and returns a request
//! whose every field is within bounds, or a [`RequestError`] naming the field and what to send.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use interop_model::{EntityKind, SearchKey, SearchQuery, Submission};

use crate::config::AccessRules;
use crate::justification::visible_chars;

/// Largest request body. A search or a submission is a few KiB; 1 MiB leaves room for a
/// submission with long descriptions and bounds what a client can make the gateway hold.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;
/// Most characters in a justification. Kept under the audit log's text cap so a justification
/// is always recorded whole.
pub const MAX_JUSTIFICATION_CHARS: usize = 1000;
/// Most characters in a case reference: force references are under 30.
pub const MAX_CASE_REFERENCE_CHARS: usize = 64;
/// Most characters of a search's free text: a name, a phrase, an address.
pub const MAX_SEARCH_TEXT_CHARS: usize = 256;
/// Most structured keys in one search: name, date of birth, VRM… a dozen at most in practice.
pub const MAX_SEARCH_KEYS: usize = 16;
/// Most characters of one key's value (a surname, a VRM, an email address).
pub const MAX_KEY_CHARS: usize = 128;
/// Most characters of a cursor handed back by a connector.
pub const MAX_CURSOR_CHARS: usize = 1024;
/// Most characters of a vendor's local id.
pub const MAX_LOCAL_ID_CHARS: usize = 256;
/// An idempotency key's length, in printable ASCII: 8 keeps keys from colliding by accident, a
/// UUID is 36, and 128 bounds what the audit log keeps.
pub const IDEMPOTENCY_KEY_CHARS: std::ops::RangeInclusive<usize> = 8..=128;
/// Most connectors a search may name; a force runs a few dozen at most.
pub const MAX_NAMED_CONNECTORS: usize = 32;
/// Most records one search asks each connector for (the sandbox's cap).
pub const MAX_SEARCH_LIMIT: u32 = 500;
/// Records a search asks each connector for unless it says.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;

/// Why a request cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The body is not JSON of the request's shape.
    #[error("the body is not a {what}: {message} (line {line}, column {column})")]
    Shape {
        /// The request it should have been.
        what: &'static str,
        /// What serde found.
        message: String,
        /// 1-based line in the body.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The body is in the old JSON form (the contract's Rust names, `"Person"`, `{"Vrm": …}`).
    #[error(
        "this request uses the old JSON form: `{found}`; send `{instead}` instead (keys and codes \
         are snake_case, unions are tagged by `kind`; see GET /openapi.json)"
    )]
    OldForm {
        /// What was found.
        found: String,
        /// What to send.
        instead: String,
    },
    /// A field is out of bounds or missing.
    #[error("`{field}`: {message}")]
    Field {
        /// The field, as the request names it (`query.text`).
        field: &'static str,
        /// What is wrong and what to send instead.
        message: String,
    },
}

impl RequestError {
    fn field(field: &'static str, message: impl Into<String>) -> RequestError {
        RequestError::Field {
            field,
            message: message.into(),
        }
    }

    /// A short class for the audit: `malformed` or the field name.
    pub fn class(&self) -> &str {
        match self {
            RequestError::Shape { .. } | RequestError::OldForm { .. } => "malformed",
            RequestError::Field { field, .. } => field,
        }
    }
}

/// Parse a JSON body into `T`, naming `what` in the error.
///
/// # Errors
/// [`RequestError::Shape`] with the line and column of the problem.
pub fn parse_json<T: DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
) -> Result<T, RequestError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let old = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| old_form(&v, 0));
        match old {
            Some((found, instead)) => RequestError::OldForm { found, instead },
            None => RequestError::Shape {
                what,
                message: e.to_string(),
                line: e.line(),
                column: e.column(),
            },
        }
    })
}

/// The contract's Rust names, which the old JSON form used, and what each is now.
const OLD_NAMES: [(&str, &str); 20] = [
    ("Person", "\"kind\":\"person\""),
    ("Object", "\"kind\":\"object\""),
    ("Location", "\"kind\":\"location\""),
    ("Event", "\"kind\":\"event\""),
    ("Organisation", "\"kind\":\"organisation\""),
    (
        "Name",
        "{\"kind\":\"name\",\"surname\":…,\"given_name\":…,\"date_of_birth\":…}",
    ),
    ("Vrm", "{\"kind\":\"vrm\",\"vrm\":…}"),
    ("Vin", "{\"kind\":\"vin\",\"vin\":…}"),
    ("Reference", "{\"kind\":\"reference\",\"reference\":…}"),
    ("Postcode", "{\"kind\":\"postcode\",\"postcode\":…}"),
    (
        "Telephone",
        "{\"kind\":\"telephone\",\"number\":…} (an object: \"type\":\"telephone\")",
    ),
    (
        "Email",
        "{\"kind\":\"email\",\"address\":…} (an object: \"type\":\"email\")",
    ),
    ("Vehicle", "{\"kind\":\"object\",\"type\":\"vehicle\",…}"),
    ("Property", "{\"kind\":\"object\",\"type\":\"property\",…}"),
    ("Weapon", "{\"kind\":\"object\",\"type\":\"weapon\",…}"),
    ("Drug", "{\"kind\":\"object\",\"type\":\"drug\",…}"),
    ("Document", "{\"kind\":\"object\",\"type\":\"document\",…}"),
    ("Official", "\"official\""),
    ("Secret", "\"secret\""),
    ("TopSecret", "\"top_secret\""),
];

/// Deepest a body is searched for old names: requests are a few levels deep.
const OLD_FORM_SEARCH_DEPTH: usize = 8;

/// The first old-form name in `v`, and its new form.
fn old_form(v: &serde_json::Value, depth: usize) -> Option<(String, String)> {
    if depth > OLD_FORM_SEARCH_DEPTH {
        return None;
    }
    let new = |name: &str| {
        OLD_NAMES
            .iter()
            .find(|(old, _)| *old == name)
            .map(|(_, n)| *n)
    };
    match v {
        serde_json::Value::String(s) => new(s).map(|n| (format!("\"{s}\""), n.to_string())),
        serde_json::Value::Object(map) => {
            if map.len() == 1
                && let Some((k, _)) = map.iter().next()
                && let Some(n) = new(k)
            {
                return Some((format!("{{\"{k}\": …}}"), n.to_string()));
            }
            map.values().find_map(|x| old_form(x, depth + 1))
        }
        serde_json::Value::Array(items) => items.iter().find_map(|x| old_form(x, depth + 1)),
        _ => None,
    }
}

/// Why a data request is made, as every one carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    /// Why the officer needs this data: at least the configured visible characters.
    pub justification: String,
    /// One of the configured reason codes, when the gateway has a list.
    pub reason_code: Option<String>,
    /// The case or incident it is for.
    pub case_reference: Option<String>,
}

impl Why {
    fn check(
        justification: Option<String>,
        reason_code: Option<String>,
        case_reference: Option<String>,
        rules: &AccessRules,
    ) -> Result<Why, RequestError> {
        let justification = justification.unwrap_or_default();
        let visible = visible_chars(&justification);
        if visible < rules.justification_min_visible {
            return Err(RequestError::field(
                "justification",
                format!(
                    "every data call needs a justification of at least {} visible characters \
                     saying why you need this data (DPA 2018 s.62); this one has {visible}. Add \
                     `case_reference` if there is one",
                    rules.justification_min_visible
                ),
            ));
        }
        if justification.chars().count() > MAX_JUSTIFICATION_CHARS {
            return Err(RequestError::field(
                "justification",
                format!("at most {MAX_JUSTIFICATION_CHARS} characters"),
            ));
        }
        if let Some(c) = &case_reference
            && (c.chars().count() > MAX_CASE_REFERENCE_CHARS || visible_chars(c) == 0)
        {
            return Err(RequestError::field(
                "case_reference",
                format!(
                    "1 to {MAX_CASE_REFERENCE_CHARS} characters, some visible, or leave it out"
                ),
            ));
        }
        match (&reason_code, rules.reason_codes.is_empty()) {
            (None, false) => {
                return Err(RequestError::field(
                    "reason_code",
                    format!("give one of: {}", rules.reason_codes.join(", ")),
                ));
            }
            (Some(code), false) if !rules.reason_codes.contains(code) => {
                return Err(RequestError::field(
                    "reason_code",
                    format!(
                        "`{}` is not one of: {}",
                        shorten(code),
                        rules.reason_codes.join(", ")
                    ),
                ));
            }
            (Some(_), true) => {
                return Err(RequestError::field(
                    "reason_code",
                    "this gateway has no reason codes: leave it out",
                ));
            }
            _ => {}
        }
        Ok(Why {
            justification,
            reason_code,
            case_reference,
        })
    }
}

/// At most 40 characters of `s`, for an error message.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// `POST /v1/search` and `POST /v1/connectors/{id}/search`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSearch {
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    reason_code: Option<String>,
    #[serde(default)]
    case_reference: Option<String>,
    query: RawQuery,
    #[serde(default)]
    connectors: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuery {
    kind: EntityKind,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    keys: Vec<SearchKey>,
    #[serde(default, deserialize_with = "json_integer")]
    limit: Option<u32>,
    #[serde(default)]
    cursor: Option<String>,
}

/// An integer as JSON Schema counts one: `2` or `2.0` (a number with no fraction), within
/// `u32`; anything else is refused as the wrong type.
fn json_integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error as _;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(i) = n.as_u64() {
        return u32::try_from(i)
            .map(Some)
            .map_err(|_| D::Error::custom(format!("{n} is out of range")));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => {
            Ok(Some(f as u32))
        }
        _ => Err(D::Error::custom(format!(
            "invalid type: {n}, expected an integer"
        ))),
    }
}

/// A checked search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// Why.
    pub why: Why,
    /// The query, limit defaulted.
    pub query: SearchQuery,
    /// Only these connectors, if given (federated search only).
    pub connectors: Option<Vec<String>>,
}

/// Parse and check a search request.
///
/// # Errors
/// The first field out of bounds, or the shape that does not parse.
pub fn parse_search(bytes: &[u8], rules: &AccessRules) -> Result<Search, RequestError> {
    let raw: RawSearch = parse_json(bytes, "search request")?;
    let why = Why::check(
        raw.justification,
        raw.reason_code,
        raw.case_reference,
        rules,
    )?;
    let q = raw.query;
    if let Some(t) = &q.text
        && t.chars().count() > MAX_SEARCH_TEXT_CHARS
    {
        return Err(RequestError::field(
            "query.text",
            format!("at most {MAX_SEARCH_TEXT_CHARS} characters"),
        ));
    }
    let text = q.text.filter(|t| visible_chars(t) > 0);
    if text.is_none() && q.keys.is_empty() {
        return Err(RequestError::field(
            "query",
            "a search needs `text` (some visible characters) or `keys`",
        ));
    }
    if q.keys.len() > MAX_SEARCH_KEYS {
        return Err(RequestError::field(
            "query.keys",
            format!("at most {MAX_SEARCH_KEYS} keys"),
        ));
    }
    for key in &q.keys {
        check_key(key)?;
    }
    let limit = q.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if !(1..=MAX_SEARCH_LIMIT).contains(&limit) {
        return Err(RequestError::field(
            "query.limit",
            format!("give 1 to {MAX_SEARCH_LIMIT}"),
        ));
    }
    if let Some(c) = &q.cursor
        && !(1..=MAX_CURSOR_CHARS).contains(&c.chars().count())
    {
        return Err(RequestError::field(
            "query.cursor",
            format!("1 to {MAX_CURSOR_CHARS} characters, as a previous answer gave it"),
        ));
    }
    if let Some(list) = &raw.connectors {
        if list.is_empty() || list.len() > MAX_NAMED_CONNECTORS {
            return Err(RequestError::field(
                "connectors",
                format!("1 to {MAX_NAMED_CONNECTORS} connector ids, or leave it out for all"),
            ));
        }
        if let Some(bad) = list.iter().find(|c| !is_connector_id(c)) {
            return Err(RequestError::field(
                "connectors",
                format!(
                    "`{}` is not a connector id (1 to 64 lowercase letters, digits and `-`)",
                    shorten(bad)
                ),
            ));
        }
    }
    Ok(Search {
        why,
        query: SearchQuery {
            kind: q.kind,
            text,
            keys: q.keys,
            limit,
            cursor: q.cursor,
        },
        connectors: raw.connectors,
    })
}

/// Is `id` shaped like a connector id: 1–64 of `a-z`, `0-9`, `-`?
pub fn is_connector_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_key(key: &SearchKey) -> Result<(), RequestError> {
    let within = |s: &str| (1..=MAX_KEY_CHARS).contains(&s.chars().count()) && visible_chars(s) > 0;
    let bad = || {
        RequestError::field(
            "query.keys",
            format!("each key's values are 1 to {MAX_KEY_CHARS} characters, some visible"),
        )
    };
    match key {
        SearchKey::Name(n) => {
            if !within(&n.surname)
                || n.given_name.as_deref().is_some_and(|g| !within(g))
                || n.date_of_birth.as_deref().is_some_and(|d| !is_date(d))
            {
                return Err(RequestError::field(
                    "query.keys",
                    format!(
                        "a name key needs a surname (1 to {MAX_KEY_CHARS} characters), and may have \
                         a given name and a date of birth YYYY-MM-DD"
                    ),
                ));
            }
        }
        SearchKey::Vrm(v)
        | SearchKey::Vin(v)
        | SearchKey::Reference(v)
        | SearchKey::Postcode(v)
        | SearchKey::Telephone(v)
        | SearchKey::Email(v) => {
            if !within(v) {
                return Err(bad());
            }
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` with a plausible month and day.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    reason_code: Option<String>,
    #[serde(default)]
    case_reference: Option<String>,
    kind: EntityKind,
    local_id: String,
}

/// A checked fetch request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// Why.
    pub why: Why,
    /// The kind of the entity.
    pub kind: EntityKind,
    /// The vendor's id of it.
    pub local_id: String,
}

/// A record's id in its system as a search answer gives it: 1 to [`MAX_LOCAL_ID_CHARS`]
/// characters, at least one of them visible. Fetch, submit and profile requests all name
/// records so.
fn is_local_id(id: &str) -> bool {
    (1..=MAX_LOCAL_ID_CHARS).contains(&id.chars().count()) && visible_chars(id) > 0
}

/// Parse and check a fetch request.
///
/// # Errors
/// The first field out of bounds, or the shape that does not parse.
pub fn parse_fetch(bytes: &[u8], rules: &AccessRules) -> Result<Fetch, RequestError> {
    let raw: RawFetch = parse_json(bytes, "fetch request")?;
    let why = Why::check(
        raw.justification,
        raw.reason_code,
        raw.case_reference,
        rules,
    )?;
    if !is_local_id(&raw.local_id) {
        return Err(RequestError::field(
            "local_id",
            format!("1 to {MAX_LOCAL_ID_CHARS} characters, as a search answer gave it"),
        ));
    }
    Ok(Fetch {
        why,
        kind: raw.kind,
        local_id: raw.local_id,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubmit {
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    reason_code: Option<String>,
    #[serde(default)]
    case_reference: Option<String>,
    #[serde(default)]
    idempotency_key: Option<String>,
    submission: Submission,
}

/// A checked submit request (to one connector, or enter-once to all).
#[derive(Debug, Clone, PartialEq)]
pub struct Submit {
    /// Why.
    pub why: Why,
    /// The retry key: a retry with the same key never creates twice.
    pub idempotency_key: String,
    /// What to write.
    pub submission: Submission,
}

/// Parse and check a submit request.
///
/// # Errors
/// The first field out of bounds, or the shape that does not parse.
pub fn parse_submit(bytes: &[u8], rules: &AccessRules) -> Result<Submit, RequestError> {
    let raw: RawSubmit = parse_json(bytes, "submit request")?;
    let why = Why::check(
        raw.justification,
        raw.reason_code,
        raw.case_reference,
        rules,
    )?;
    let key = raw.idempotency_key.unwrap_or_default();
    if !IDEMPOTENCY_KEY_CHARS.contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(RequestError::field(
            "idempotency_key",
            "a submit needs `idempotency_key`: 8 to 128 printable ASCII characters, e.g. a UUID; a \
             retry with the same key never creates twice",
        ));
    }
    if let Some(id) = &raw.submission.local_id
        && !is_local_id(id)
    {
        return Err(RequestError::field(
            "submission.local_id",
            format!("1 to {MAX_LOCAL_ID_CHARS} characters, or null to create"),
        ));
    }
    Ok(Submit {
        why,
        idempotency_key: key,
        submission: raw.submission,
    })
}

/// Most records one profile names: a group holds at most `[linkage] max_group_size` (64 by
/// default) records.
pub const MAX_PROFILE_MEMBERS: usize = 64;

/// A group id as the federated answer gives it: `grp_` and 32 lowercase hex digits.
pub const GROUP_ID_CHARS: usize = 36;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    reason_code: Option<String>,
    #[serde(default)]
    case_reference: Option<String>,
    #[serde(default)]
    group: Option<String>,
    members: Vec<RawMember>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMember {
    connector: String,
    kind: EntityKind,
    local_id: String,
}

/// One record a profile is assembled from: the connector that holds it, its kind and its id
/// there, as a search answer gave them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileMember {
    /// Connector id.
    pub connector: String,
    /// The kind of the entity.
    pub kind: EntityKind,
    /// The vendor's id of it.
    pub local_id: String,
}

/// A checked `POST /v1/profile` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Why.
    pub why: Why,
    /// The group id the members were given under, when the client names it: the gateway
    /// checks it is the id of exactly these members.
    pub group: Option<String>,
    /// The records, first copies only, in the order given.
    pub members: Vec<ProfileMember>,
}

/// Is `id` a group id as the federated answer writes them (`grp_` and 32 lowercase hex
/// digits)?
pub fn is_group_id(id: &str) -> bool {
    id.len() == GROUP_ID_CHARS
        && id.strip_prefix("grp_").is_some_and(|hex| {
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// Parse and check a profile request. A member named twice counts once.
///
/// # Errors
/// The first field out of bounds, or the shape that does not parse.
pub fn parse_profile(bytes: &[u8], rules: &AccessRules) -> Result<Profile, RequestError> {
    let raw: RawProfile = parse_json(bytes, "profile request")?;
    let why = Why::check(
        raw.justification,
        raw.reason_code,
        raw.case_reference,
        rules,
    )?;
    if let Some(g) = &raw.group
        && !is_group_id(g)
    {
        return Err(RequestError::field(
            "group",
            "a group id as a search answer gave it (`grp_` and 32 lowercase hex digits), or leave it out",
        ));
    }
    if !(1..=MAX_PROFILE_MEMBERS).contains(&raw.members.len()) {
        return Err(RequestError::field(
            "members",
            format!(
                "1 to {MAX_PROFILE_MEMBERS} records, each {{connector, kind, local_id}} as a search answer gave it"
            ),
        ));
    }
    let mut members: Vec<ProfileMember> = Vec::with_capacity(raw.members.len());
    for m in raw.members {
        if !is_connector_id(&m.connector) {
            return Err(RequestError::field(
                "members.connector",
                format!(
                    "`{}` is not a connector id (1 to 64 lowercase letters, digits and `-`)",
                    shorten(&m.connector)
                ),
            ));
        }
        if !is_local_id(&m.local_id) {
            return Err(RequestError::field(
                "members.local_id",
                format!("1 to {MAX_LOCAL_ID_CHARS} characters, as a search answer gave it"),
            ));
        }
        let member = ProfileMember {
            connector: m.connector,
            kind: m.kind,
            local_id: m.local_id,
        };
        if !members.contains(&member) {
            members.push(member);
        }
    }
    Ok(Profile {
        why,
        group: raw.group,
        members,
    })
}

/// The correlation id a client sent, kept beside the gateway's own when it is 1 to 128
/// printable ASCII characters; anything else is dropped.
pub fn client_correlation_id(header: Option<&[u8]>) -> Option<String> {
    let bytes = header?;
    ((1..=128).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_graphic))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> AccessRules {
        AccessRules::default()
    }

    #[test]
    fn a_justification_needs_ten_visible_characters() {
        for bad in [
            ".",
            "          ",
            "\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}x",
            "a\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
        ] {
            let body =
                serde_json::json!({"justification": bad, "query": {"kind": "person", "text": "x"}});
            let err = parse_search(body.to_string().as_bytes(), &rules()).unwrap_err();
            assert_eq!(err.class(), "justification", "{bad:?}: {err}");
        }
        let ok = serde_json::json!({"justification": "Burglary KR/1", "query": {"kind": "person", "text": "Examplewood"}});
        let s = parse_search(ok.to_string().as_bytes(), &rules()).unwrap();
        assert_eq!(s.query.limit, DEFAULT_SEARCH_LIMIT);
    }

    #[test]
    fn a_profile_names_its_members_and_a_well_formed_group() {
        let body = |v: serde_json::Value| v.to_string().into_bytes();
        let ok = serde_json::json!({
            "justification": "Burglary KR/1 enquiry",
            "group": "grp_0123456789abcdef0123456789abcdef",
            "members": [
                {"connector": "kestrel-rms", "kind": "person", "local_id": "NOM-1"},
                {"connector": "harrier-anpr", "kind": "person", "local_id": "KPR-1"},
                {"connector": "kestrel-rms", "kind": "person", "local_id": "NOM-1"},
            ]
        });
        let p = parse_profile(&body(ok), &rules()).unwrap();
        assert_eq!(p.members.len(), 2, "a repeat counts once");
        for (bad, class) in [
            (
                serde_json::json!({"justification": "Burglary KR/1 enquiry", "members": []}),
                "members",
            ),
            (
                serde_json::json!({"justification": "Burglary KR/1 enquiry", "group": "grp_XYZ", "members": [{"connector": "a", "kind": "person", "local_id": "1"}]}),
                "group",
            ),
            (
                serde_json::json!({"justification": "Burglary KR/1 enquiry", "members": [{"connector": "A B", "kind": "person", "local_id": "1"}]}),
                "members.connector",
            ),
            (
                serde_json::json!({"justification": "Burglary KR/1 enquiry", "members": [{"connector": "a", "kind": "person", "local_id": " "}]}),
                "members.local_id",
            ),
            (
                serde_json::json!({"justification": ".", "members": [{"connector": "a", "kind": "person", "local_id": "1"}]}),
                "justification",
            ),
            (
                serde_json::json!({"justification": "Burglary KR/1 enquiry", "members": [{"connector": "a", "kind": "person", "local_id": "1", "extra": 1}]}),
                "malformed",
            ),
        ] {
            let err = parse_profile(&body(bad.clone()), &rules()).unwrap_err();
            assert_eq!(err.class(), class, "{bad}: {err}");
        }
        let many: Vec<serde_json::Value> = (0..=MAX_PROFILE_MEMBERS)
            .map(|i| serde_json::json!({"connector": "a", "kind": "person", "local_id": i.to_string()}))
            .collect();
        let err = parse_profile(
            &body(serde_json::json!({"justification": "Burglary KR/1 enquiry", "members": many})),
            &rules(),
        )
        .unwrap_err();
        assert_eq!(err.class(), "members");
    }

    #[test]
    fn reason_codes_when_configured() {
        let r = AccessRules {
            reason_codes: vec!["investigation".into()],
            ..AccessRules::default()
        };
        let body = |code: Option<&str>| {
            let mut v = serde_json::json!({"justification": "Burglary KR/1", "query": {"kind": "person", "text": "x"}});
            if let Some(c) = code {
                v["reason_code"] = c.into();
            }
            v.to_string()
        };
        assert!(parse_search(body(Some("investigation")).as_bytes(), &r).is_ok());
        assert_eq!(
            parse_search(body(None).as_bytes(), &r).unwrap_err().class(),
            "reason_code"
        );
        assert_eq!(
            parse_search(body(Some("curiosity")).as_bytes(), &r)
                .unwrap_err()
                .class(),
            "reason_code"
        );
        assert_eq!(
            parse_search(body(Some("investigation")).as_bytes(), &rules())
                .unwrap_err()
                .class(),
            "reason_code"
        );
    }

    #[test]
    fn every_field_is_bounded() {
        let j = "Burglary enquiry KR/1";
        for (body, field) in [
            (
                serde_json::json!({"justification": j, "query": {"kind": "person"}}),
                "query",
            ),
            (
                serde_json::json!({"justification": j, "query": {"kind": "person", "text": "x".repeat(300)}}),
                "query.text",
            ),
            (
                serde_json::json!({"justification": j, "query": {"kind": "person", "text": "x", "limit": 0}}),
                "query.limit",
            ),
            (
                serde_json::json!({"justification": j, "query": {"kind": "person", "text": "x", "limit": 501}}),
                "query.limit",
            ),
            (
                serde_json::json!({"justification": j, "query": {"kind": "object", "keys": [{"kind": "vrm", "vrm": ""}]}}),
                "query.keys",
            ),
            (
                serde_json::json!({"justification": j, "query": {"kind": "person", "text": "x"}, "connectors": ["../etc"]}),
                "connectors",
            ),
            (
                serde_json::json!({"justification": "x".repeat(1001), "query": {"kind": "person", "text": "x"}}),
                "justification",
            ),
        ] {
            let err = parse_search(body.to_string().as_bytes(), &rules()).unwrap_err();
            assert_eq!(err.class(), field, "{body}: {err}");
        }
        let err = parse_search(
            br#"{"justification":"Burglary KR/1","query":{"kind":"person","text":"x"},"extra":1}"#,
            &rules(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        // 2.0 is an integer, as JSON Schema counts them; 2.5 and -1 are not limits.
        let limit = |l: &str| {
            parse_search(
                format!(r#"{{"justification":"Burglary KR/1","query":{{"kind":"person","text":"x","limit":{l}}}}}"#).as_bytes(),
                &rules(),
            )
        };
        assert_eq!(limit("2.0").unwrap().query.limit, 2);
        assert!(limit("2.5").is_err());
        assert!(limit("-1").is_err());
        assert!(limit("1e10").is_err());
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse_search(deep.as_bytes(), &rules()).is_err());
        let f = parse_fetch(
            br#"{"justification":"Burglary KR/1","kind":"person","local_id":""}"#,
            &rules(),
        )
        .unwrap_err();
        assert_eq!(f.class(), "local_id");
    }

    #[test]
    fn the_old_json_form_is_refused_naming_the_new_one() {
        for (body, new) in [
            (
                r#"{"justification":"Burglary KR/1","query":{"kind":"Person","text":"x"}}"#,
                r#""kind":"person""#,
            ),
            (
                r#"{"justification":"Burglary KR/1","query":{"kind":"object","keys":[{"Vrm":"ZX51ABC"}]}}"#,
                r#"{"kind":"vrm","vrm":…}"#,
            ),
        ] {
            let err = parse_search(body.as_bytes(), &rules()).unwrap_err();
            assert!(matches!(err, RequestError::OldForm { .. }), "{err}");
            assert!(err.to_string().contains(new), "{err}");
        }
    }

    #[test]
    fn client_correlation_ids_are_kept_only_when_plain() {
        assert_eq!(client_correlation_id(Some(b"abc-1")), Some("abc-1".into()));
        assert_eq!(client_correlation_id(Some(b"a b")), None);
        assert_eq!(client_correlation_id(Some(&[b'x'; 129])), None);
        assert_eq!(client_correlation_id(None), None);
    }
}
