//! From a verified token's claims to the gateway's identity: user id, roles, clearance.
//!
//! The force's configuration maps claim values (groups) to gateway role names and clearance. A
//! user the mapping does not cover is still identified, with [`Access::Nothing`]: the gateway
//! refuses them, and audits who it was.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use serde_json::{Map, Value};

/// The longest user id accepted from a claim: ids are audited on every record.
pub const MAX_USER_ID_BYTES: usize = 256;
/// The most groups read from a token. Entra ID stops listing groups at 200 and sends an "overage"
/// reference instead; a token with more than this is refused rather than half read.
pub const MAX_GROUPS: usize = 256;
/// The longest group or clearance value considered.
pub const MAX_GROUP_BYTES: usize = 256;

/// The highest classification a user may see, as the gateway's `[[users]]` `clearance` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clearance {
    /// OFFICIAL (and OFFICIAL-SENSITIVE, which is a caveat, not a level).
    Official,
    /// SECRET.
    Secret,
    /// TOP SECRET.
    TopSecret,
}

impl Clearance {
    /// `official`, `secret` or `top-secret`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Official => "official",
            Self::Secret => "secret",
            Self::TopSecret => "top-secret",
        }
    }

    /// The clearance named `name` (`official`, `secret`, `top-secret`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "official" => Some(Self::Official),
            "secret" => Some(Self::Secret),
            "top-secret" => Some(Self::TopSecret),
            _ => None,
        }
    }
}

impl fmt::Display for Clearance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A checked `[oidc.claims]` mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsMapping {
    /// The claim holding the user id (`sub`, `preferred_username`, …).
    pub user_id: String,
    /// The claim listing the user's groups (an array of strings, or one string).
    pub groups: String,
    /// A claim carrying a clearance value, if the provider sends one.
    pub clearance_claim: Option<String>,
    /// Group → gateway role names.
    pub roles: BTreeMap<String, Vec<String>>,
    /// Group → clearance.
    pub clearance_by_group: BTreeMap<String, Clearance>,
    /// Value of [`clearance_claim`](Self::clearance_claim) → clearance.
    pub clearance_by_value: BTreeMap<String, Clearance>,
}

/// The gateway roles a user has: never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles(Vec<String>);

impl Roles {
    /// Roles from names, sorted and without duplicates; `None` if there are none, since a
    /// granted access always has at least one role.
    pub fn new(names: impl IntoIterator<Item = String>) -> Option<Self> {
        let mut names: Vec<String> = names.into_iter().collect();
        names.sort_unstable();
        names.dedup();
        (!names.is_empty()).then_some(Self(names))
    }

    /// The role names, sorted, without duplicates.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Whether `role` is one of them.
    pub fn contains(&self, role: &str) -> bool {
        self.0.iter().any(|r| r == role)
    }
}

/// Why a known user gets nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoAccess {
    /// None of the user's groups maps to a gateway role.
    #[error("no group of this user maps to a gateway role")]
    NoRole,
    /// Roles map, but no clearance rule matches.
    #[error("no clearance rule matches this user")]
    NoClearance,
}

/// What the mapping gives a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// At least one role, and a clearance.
    Granted {
        /// The roles (never empty).
        roles: Roles,
        /// The highest clearance any rule gives.
        clearance: Clearance,
    },
    /// Nothing: the gateway must refuse this user (and audit the refusal).
    Nothing(NoAccess),
}

impl Access {
    /// The roles, if any were granted.
    pub fn roles(&self) -> Option<&Roles> {
        match self {
            Self::Granted { roles, .. } => Some(roles),
            Self::Nothing(_) => None,
        }
    }

    /// The clearance, if granted.
    pub fn clearance(&self) -> Option<Clearance> {
        match self {
            Self::Granted { clearance, .. } => Some(*clearance),
            Self::Nothing(_) => None,
        }
    }
}

/// Who a verified token says the user is, and what the mapping gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user id, from the configured claim; audited as the user.
    pub user_id: String,
    /// The token's subject (`sub`), which the provider never reassigns.
    pub subject: String,
    /// Roles and clearance, or why there are none.
    pub access: Access,
    /// Until when the token that proved this is valid (an access token's or ID token's `exp`).
    /// A browser session outlives its ID token; the session's own limits apply there.
    pub valid_until: SystemTime,
}

/// A claim the mapping needs is missing, of the wrong type, or too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    /// The user-id claim is missing or not a string.
    #[error("the user id claim is missing or not a string")]
    NoUserId,
    /// The user id is empty, too long or holds control characters.
    #[error("the user id claim is empty, longer than {MAX_USER_ID_BYTES} bytes or not printable")]
    BadUserId,
    /// The groups claim is neither a string nor an array of strings.
    #[error("the groups claim is not a list of strings")]
    BadGroups,
    /// More groups than [`MAX_GROUPS`], or one longer than [`MAX_GROUP_BYTES`].
    #[error(
        "the groups claim lists more than {MAX_GROUPS} groups or a group longer than {MAX_GROUP_BYTES} bytes"
    )]
    TooManyGroups,
    /// The clearance claim is not a short string.
    #[error("the clearance claim is not a string of at most {MAX_GROUP_BYTES} bytes")]
    BadClearance,
}

fn printable(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && !s.chars().any(char::is_control)
}

impl ClaimsMapping {
    /// Every gateway role name the mapping can give, so the gateway can check each exists in
    /// its `[roles]`.
    pub fn role_names(&self) -> impl Iterator<Item = &str> {
        let mut all: Vec<&str> = self.roles.values().flatten().map(String::as_str).collect();
        all.sort_unstable();
        all.dedup();
        all.into_iter()
    }

    fn groups<'a>(&self, claims: &'a Map<String, Value>) -> Result<Vec<&'a str>, ClaimError> {
        match claims.get(&self.groups) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) if s.len() <= MAX_GROUP_BYTES => Ok(vec![s.as_str()]),
            Some(Value::String(_)) => Err(ClaimError::TooManyGroups),
            Some(Value::Array(items)) => {
                if items.len() > MAX_GROUPS {
                    return Err(ClaimError::TooManyGroups);
                }
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) if s.len() <= MAX_GROUP_BYTES => Ok(s.as_str()),
                        Value::String(_) => Err(ClaimError::TooManyGroups),
                        _ => Err(ClaimError::BadGroups),
                    })
                    .collect()
            }
            Some(_) => Err(ClaimError::BadGroups),
        }
    }

    /// Map verified claims to an identity.
    ///
    /// # Errors
    /// A claim the mapping reads is missing (the user id), malformed or over its bound.
    pub fn identify(
        &self,
        claims: &Map<String, Value>,
        subject: &str,
        valid_until: SystemTime,
    ) -> Result<Identity, ClaimError> {
        let user_id = match claims.get(&self.user_id) {
            Some(Value::String(s)) => s.as_str(),
            _ => return Err(ClaimError::NoUserId),
        };
        if !printable(user_id, MAX_USER_ID_BYTES) {
            return Err(ClaimError::BadUserId);
        }
        let groups = self.groups(claims)?;

        let mut roles: Vec<String> = groups
            .iter()
            .filter_map(|g| self.roles.get(*g))
            .flatten()
            .cloned()
            .collect();
        roles.sort_unstable();
        roles.dedup();

        let mut clearance = groups
            .iter()
            .filter_map(|g| self.clearance_by_group.get(*g).copied())
            .max();
        if let Some(claim) = &self.clearance_claim {
            let by_value = match claims.get(claim) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.len() <= MAX_GROUP_BYTES => {
                    self.clearance_by_value.get(s).copied()
                }
                Some(_) => return Err(ClaimError::BadClearance),
            };
            clearance = clearance.max(by_value);
        }

        let access = match (roles.is_empty(), clearance) {
            (true, _) => Access::Nothing(NoAccess::NoRole),
            (false, None) => Access::Nothing(NoAccess::NoClearance),
            (false, Some(clearance)) => Access::Granted {
                roles: Roles(roles),
                clearance,
            },
        };
        Ok(Identity {
            user_id: user_id.to_string(),
            subject: subject.to_string(),
            access,
            valid_until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapping() -> ClaimsMapping {
        ClaimsMapping {
            user_id: "preferred_username".into(),
            groups: "groups".into(),
            clearance_claim: Some("clearance".into()),
            roles: BTreeMap::from([
                ("officers".into(), vec!["investigator".into()]),
                (
                    "supervisors".into(),
                    vec!["investigator".into(), "supervisor".into()],
                ),
            ]),
            clearance_by_group: BTreeMap::from([("officers".into(), Clearance::Official)]),
            clearance_by_value: BTreeMap::from([("SECRET".into(), Clearance::Secret)]),
        }
    }

    fn identify(claims: Value) -> Result<Identity, ClaimError> {
        let Value::Object(map) = claims else {
            panic!("object")
        };
        mapping().identify(&map, "s-1", SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn roles_are_merged_and_the_highest_clearance_wins() {
        let id = identify(json!({"preferred_username": "pc1", "groups": ["officers", "supervisors", "canteen"], "clearance": "SECRET"})).unwrap();
        assert_eq!(id.user_id, "pc1");
        assert_eq!(
            id.access.roles().unwrap().as_slice(),
            ["investigator", "supervisor"]
        );
        assert_eq!(id.access.clearance(), Some(Clearance::Secret));
    }

    #[test]
    fn unmapped_users_get_nothing() {
        let id = identify(json!({"preferred_username": "v", "groups": ["canteen"]})).unwrap();
        assert_eq!(id.access, Access::Nothing(NoAccess::NoRole));
        let id = identify(json!({"preferred_username": "v"})).unwrap();
        assert_eq!(id.access, Access::Nothing(NoAccess::NoRole));
        let mut m = mapping();
        m.clearance_by_group.clear();
        let Value::Object(map) = json!({"preferred_username": "v", "groups": ["officers"]}) else {
            unreachable!()
        };
        assert_eq!(
            m.identify(&map, "s", SystemTime::UNIX_EPOCH)
                .unwrap()
                .access,
            Access::Nothing(NoAccess::NoClearance)
        );
    }

    #[test]
    fn hostile_claims_are_bounded() {
        assert_eq!(
            identify(json!({"groups": ["officers"]})),
            Err(ClaimError::NoUserId)
        );
        assert_eq!(
            identify(json!({"preferred_username": 7})),
            Err(ClaimError::NoUserId)
        );
        assert_eq!(
            identify(json!({"preferred_username": "a\u{7}b"})),
            Err(ClaimError::BadUserId)
        );
        assert_eq!(
            identify(json!({"preferred_username": "x".repeat(257)})),
            Err(ClaimError::BadUserId)
        );
        let many: Vec<String> = (0..=MAX_GROUPS).map(|i| format!("g{i}")).collect();
        assert_eq!(
            identify(json!({"preferred_username": "a", "groups": many})),
            Err(ClaimError::TooManyGroups)
        );
        assert_eq!(
            identify(json!({"preferred_username": "a", "groups": [1]})),
            Err(ClaimError::BadGroups)
        );
        assert_eq!(
            identify(
                json!({"preferred_username": "a", "groups": "officers", "clearance": ["SECRET"]})
            ),
            Err(ClaimError::BadClearance)
        );
        // One group as a plain string is how some providers send a single value.
        let id = identify(json!({"preferred_username": "a", "groups": "officers"})).unwrap();
        assert_eq!(id.access.clearance(), Some(Clearance::Official));
    }
}
