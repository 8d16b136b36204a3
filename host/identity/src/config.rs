//! The `[oidc]` table of the gateway's configuration, and `[rate_limit]`.
//!
//! ```toml
//! [oidc]
//! issuer = "https://login.force.example/realms/police"   # exactly as the provider's `iss`
//! client_id = "interop-gateway"
//! client_secret_file = "/etc/interop/oidc-client-secret"  # or client_secret_env = "VAR"; never inline
//! redirect_uri = "https://gateway.force.example/auth/callback"
//! post_logout_redirect_uri = "https://gateway.force.example/"
//! audience = "https://gateway.force.example/api"          # the gateway's resource indicator
//! # scopes = ["openid", "profile"]                        # what the browser login asks for
//! # allowed_algorithms = ["RS256", "PS256", "ES256"]
//! # clock_skew_secs = 60
//! # ca_file = "/etc/interop/idp-ca.pem"                   # the provider's TLS CA, if not public
//! # require_access_token_type = true                      # `typ: at+jwt` (RFC 9068)
//! # token_endpoint_auth = "client_secret_basic"           # or "client_secret_post"
//! # jwks_refresh_secs = 900
//! # jwks_min_refetch_secs = 30
//!
//! [oidc.session]
//! # idle_timeout_secs = 1800
//! # absolute_lifetime_secs = 36000
//!
//! [oidc.claims]
//! user_id = "preferred_username"     # default "sub"
//! groups = "groups"                  # the claim listing the user's groups (the default)
//! clearance = "clearance"            # optional: a claim carrying a clearance value
//!
//! [oidc.claims.roles]                # group → gateway roles
//! interop-officers = ["investigator"]
//! interop-auditors = ["auditor"]
//!
//! [oidc.claims.clearance_by_group]   # group → clearance
//! interop-supervisors = "secret"
//!
//! [oidc.claims.clearance_by_value]   # value of the `clearance` claim → clearance
//! OFFICIAL = "official"
//! SECRET = "secret"
//!
//! [rate_limit]                       # per user, every authenticated request
//! requests = 600
//! window_secs = 60
//! # window = "sliding"               # or "fixed"
//! ```
//!
//! Deserialize [`OidcToml`] (with the `toml` crate, so spans are real) and [`OidcToml::check`] it;
//! every [`ConfigError`] names its key and carries the byte span of the offending value.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::claims::{ClaimsMapping, Clearance};

/// The longest URL, audience or claim name a configuration may hold: every value here ends up in
/// requests to the provider or in comparisons with token claims, none needs more.
const MAX_CONFIG_STRING: usize = 2048;
/// At most this much clock skew: more would accept tokens that expired minutes ago.
const MAX_CLOCK_SKEW_SECS: u64 = 300;
/// At most a day signed in without signing in again, whatever a configuration asks.
const MAX_SESSION_LIFETIME_SECS: u64 = 24 * 3600;
/// Below a minute of idle time a session is useless for a person reading a record.
const MIN_IDLE_TIMEOUT_SECS: u64 = 60;
/// Refreshing keys more often than every minute only loads the provider.
const MIN_JWKS_REFRESH_SECS: u64 = 60;
/// Keys older than a day are refreshed anyway: a removed key must stop verifying.
const MAX_JWKS_REFRESH_SECS: u64 = 24 * 3600;
/// The longest a rate window or a refetch pause may be: an hour.
const MAX_WINDOW_SECS: u64 = 3600;
/// A role name is a key of the gateway's `[roles]` table: short and plain.
const MAX_ROLE_NAME: usize = 64;
/// OAuth scopes are short tokens (`openid`, `api://gateway/read`); longer is a pasted mistake.
const MAX_SCOPE_BYTES: usize = 128;
/// Claim names are short (`preferred_username`, Entra's URIs are under 100 bytes).
const MAX_CLAIM_NAME: usize = 256;

/// An invalid `[oidc]` or `[rate_limit]` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    /// The dotted key, e.g. `oidc.claims.roles."interop-officers"`.
    pub key: String,
    /// What is wrong and what to write instead.
    pub message: String,
    /// Byte range of the value in the TOML source, when known.
    pub span: Option<Range<usize>>,
}

impl ConfigError {
    fn at(key: impl Into<String>, span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
            span: Some(span),
        }
    }

    fn missing(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
            span: None,
        }
    }

    /// One-based line and column of [`span`](Self::span) in `source`, for `file:line:col` messages.
    pub fn line_col(&self, source: &str) -> Option<(usize, usize)> {
        let start = self.span.as_ref()?.start.min(source.len());
        let before = source.get(..start)?;
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((line, col))
    }
}

/// A JWS signature algorithm the gateway may accept. `none` and the HMAC algorithms are not
/// representable: a symmetric or unsigned token cannot prove the provider issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// EdDSA (Ed25519).
    EdDsa,
}

impl SigningAlgorithm {
    /// Every algorithm this crate can verify.
    pub const ALL: [SigningAlgorithm; 9] = [
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
        Self::Es256,
        Self::Es384,
        Self::EdDsa,
    ];

    /// The default allow-list: what the common providers sign with.
    pub const DEFAULT: [SigningAlgorithm; 3] = [Self::Rs256, Self::Ps256, Self::Es256];

    /// The JOSE name (`RS256`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::EdDsa => "EdDSA",
        }
    }

    /// The algorithm with JOSE name `name`, if this crate verifies it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    pub(crate) fn jwt(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as A;
        match self {
            Self::Rs256 => A::RS256,
            Self::Rs384 => A::RS384,
            Self::Rs512 => A::RS512,
            Self::Ps256 => A::PS256,
            Self::Ps384 => A::PS384,
            Self::Ps512 => A::PS512,
            Self::Es256 => A::ES256,
            Self::Es384 => A::ES384,
            Self::EdDsa => A::EdDSA,
        }
    }
}

impl fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the client secret comes from. Never the configuration file itself.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable of the gateway's process.
    Env(String),
    /// A file holding the secret (a trailing newline is ignored).
    File(PathBuf),
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(v) => write!(f, "env {v}"),
            Self::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

/// How the gateway authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the client id and secret (the OAuth default).
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Post,
}

/// Session lifetimes: `[oidc.session]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// A session unused this long is over (default 30 min, as CJIS asks for an idle lock).
    pub idle_timeout: Duration,
    /// A session is over this long after sign-in, however busy (default 10 h: one shift).
    pub absolute_lifetime: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_lifetime: Duration::from_secs(10 * 3600),
        }
    }
}

/// When the provider's keys are fetched again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRefresh {
    /// Keys this old are fetched again before use (default 15 min), so a key the provider
    /// withdrew stops verifying within that time.
    pub every: Duration,
    /// A token naming a key not in the cache triggers a fetch at most once per this interval
    /// (default 30 s), so nobody can make the gateway hammer the provider with made-up key ids.
    pub min_refetch: Duration,
}

impl Default for KeyRefresh {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(15 * 60),
            min_refetch: Duration::from_secs(30),
        }
    }
}

/// A checked `[oidc]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The provider's issuer identifier; discovery is at `{issuer}/.well-known/openid-configuration`
    /// and tokens' `iss` must equal it exactly.
    pub issuer: String,
    /// The gateway's client id at the provider; ID tokens' `aud` must contain it.
    pub client_id: String,
    /// Where the client secret is read from.
    pub client_secret: SecretSource,
    /// The gateway's callback URL, registered at the provider.
    pub redirect_uri: Url,
    /// Where the provider sends the browser after signing out, registered at the provider.
    pub post_logout_redirect_uri: Url,
    /// The gateway's resource indicator: access tokens' `aud` must contain it.
    pub audience: String,
    /// Scopes the browser login asks for; always includes `openid`.
    pub scopes: Vec<String>,
    /// Signature algorithms accepted, on ID and access tokens alike.
    pub allowed_algorithms: Vec<SigningAlgorithm>,
    /// Tolerance on `exp`, `nbf` and `iat` for clocks that disagree.
    pub clock_skew: Duration,
    /// A PEM file of CA certificates for the provider's TLS, instead of the public web roots.
    pub ca_file: Option<PathBuf>,
    /// Require access tokens to say `typ: at+jwt` (RFC 9068). Entra ID and Keycloak do not;
    /// set `false` for them, and keep the audience distinct from the client id.
    pub require_access_token_type: bool,
    /// How the gateway authenticates at the token endpoint.
    pub token_endpoint_auth: ClientAuth,
    /// When keys are fetched again.
    pub keys: KeyRefresh,
    /// Session lifetimes.
    pub session: SessionConfig,
    /// From claims to roles and clearance.
    pub claims: ClaimsMapping,
}

impl OidcConfig {
    /// Parse and check a TOML document whose `[oidc]` table is this configuration (other tables
    /// are ignored); relative paths are resolved against `base_dir`.
    ///
    /// # Errors
    /// A TOML syntax or type error, a missing `[oidc]` table, or any [`OidcToml::check`] error.
    pub fn from_toml(source: &str, base_dir: &Path) -> Result<Self, ConfigError> {
        #[derive(Deserialize)]
        struct Doc {
            oidc: Option<OidcToml>,
        }
        let doc: Doc = toml::from_str(source).map_err(|e| ConfigError {
            key: "oidc".into(),
            message: e.message().to_string(),
            span: e.span(),
        })?;
        let raw = doc
            .oidc
            .ok_or_else(|| ConfigError::missing("oidc", "no [oidc] table"))?;
        raw.check(base_dir)
    }
}

/// The `[oidc]` table as written, before checking. Embed it in the gateway's configuration
/// (`oidc: Option<OidcToml>`) and call [`check`](Self::check).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcToml {
    issuer: Option<Spanned<String>>,
    client_id: Option<Spanned<String>>,
    client_secret_env: Option<Spanned<String>>,
    client_secret_file: Option<Spanned<String>>,
    /// Present only to refuse it with a useful message.
    client_secret: Option<Spanned<toml::Value>>,
    redirect_uri: Option<Spanned<String>>,
    post_logout_redirect_uri: Option<Spanned<String>>,
    audience: Option<Spanned<String>>,
    scopes: Option<Spanned<Vec<String>>>,
    allowed_algorithms: Option<Vec<Spanned<String>>>,
    clock_skew_secs: Option<Spanned<u64>>,
    ca_file: Option<Spanned<String>>,
    require_access_token_type: Option<bool>,
    token_endpoint_auth: Option<Spanned<String>>,
    jwks_refresh_secs: Option<Spanned<u64>>,
    jwks_min_refetch_secs: Option<Spanned<u64>>,
    session: Option<SessionToml>,
    claims: Option<Spanned<ClaimsToml>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionToml {
    idle_timeout_secs: Option<Spanned<u64>>,
    absolute_lifetime_secs: Option<Spanned<u64>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsToml {
    user_id: Option<Spanned<String>>,
    groups: Option<Spanned<String>>,
    clearance: Option<Spanned<String>>,
    #[serde(default)]
    roles: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    clearance_by_group: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    clearance_by_value: BTreeMap<Spanned<String>, Spanned<String>>,
}

fn required<T: Clone>(
    v: &Option<Spanned<T>>,
    key: &str,
    what: &str,
) -> Result<Spanned<T>, ConfigError> {
    v.clone()
        .ok_or_else(|| ConfigError::missing(key, format!("missing: {what}")))
}

fn bounded(v: &Spanned<String>, key: &str) -> Result<String, ConfigError> {
    let s = v.get_ref().trim();
    if s.is_empty() {
        return Err(ConfigError::at(key, v.span(), "empty"));
    }
    if s.len() > MAX_CONFIG_STRING {
        return Err(ConfigError::at(
            key,
            v.span(),
            format!("longer than {MAX_CONFIG_STRING} bytes"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(ConfigError::at(
            key,
            v.span(),
            "contains control characters",
        ));
    }
    Ok(s.to_string())
}

/// Whether `host` names this machine: plain HTTP is accepted only there.
pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// A URL the gateway sends browsers or requests to: absolute, no fragment, no credentials, and
/// HTTPS unless it points at loopback.
fn web_url(v: &Spanned<String>, key: &str) -> Result<Url, ConfigError> {
    let s = bounded(v, key)?;
    let url =
        Url::parse(&s).map_err(|e| ConfigError::at(key, v.span(), format!("not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(ConfigError::at(
                key,
                v.span(),
                "must be https (plain http only on loopback)",
            ));
        }
        other => {
            return Err(ConfigError::at(
                key,
                v.span(),
                format!("scheme {other:?}: must be https"),
            ));
        }
    }
    if url.fragment().is_some() {
        return Err(ConfigError::at(key, v.span(), "must not have a #fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::at(key, v.span(), "must not carry credentials"));
    }
    Ok(url)
}

fn secs(
    v: &Option<Spanned<u64>>,
    key: &str,
    default: Duration,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    let Some(v) = v else { return Ok(default) };
    if !range.contains(v.get_ref()) {
        return Err(ConfigError::at(
            key,
            v.span(),
            format!(
                "{} is outside {}..={} seconds",
                v.get_ref(),
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(Duration::from_secs(*v.get_ref()))
}

fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

fn quoted(table: &str, name: &str) -> String {
    format!("{table}.{name:?}")
}

impl OidcToml {
    /// Check every value and fill in defaults; relative paths are resolved against `base_dir`
    /// (the configuration file's directory).
    ///
    /// # Errors
    /// The first invalid or missing value, naming its key, with the value's span.
    pub fn check(self, base_dir: &Path) -> Result<OidcConfig, ConfigError> {
        let issuer_v = required(&self.issuer, "oidc.issuer", "the provider's issuer URL")?;
        let issuer_url = web_url(&issuer_v, "oidc.issuer")?;
        if issuer_url.query().is_some() {
            return Err(ConfigError::at(
                "oidc.issuer",
                issuer_v.span(),
                "must not have a ?query",
            ));
        }
        let issuer = bounded(&issuer_v, "oidc.issuer")?;

        let client_id = bounded(
            &required(
                &self.client_id,
                "oidc.client_id",
                "the gateway's client id at the provider",
            )?,
            "oidc.client_id",
        )?;

        if let Some(inline) = &self.client_secret {
            return Err(ConfigError::at(
                "oidc.client_secret",
                inline.span(),
                "a secret is never written in the configuration: use client_secret_env = \"VAR\" \
                 or client_secret_file = \"PATH\"",
            ));
        }
        let client_secret = match (&self.client_secret_env, &self.client_secret_file) {
            (Some(env), None) => {
                let name = bounded(env, "oidc.client_secret_env")?;
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(ConfigError::at(
                        "oidc.client_secret_env",
                        env.span(),
                        "an environment variable name: letters, digits and _",
                    ));
                }
                SecretSource::Env(name)
            }
            (None, Some(file)) => SecretSource::File(resolve(
                base_dir,
                &bounded(file, "oidc.client_secret_file")?,
            )),
            (Some(_), Some(file)) => {
                return Err(ConfigError::at(
                    "oidc.client_secret_file",
                    file.span(),
                    "give client_secret_env or client_secret_file, not both",
                ));
            }
            (None, None) => {
                return Err(ConfigError::missing(
                    "oidc.client_secret_file",
                    "missing: client_secret_env = \"VAR\" or client_secret_file = \"PATH\"",
                ));
            }
        };

        let redirect_uri = web_url(
            &required(
                &self.redirect_uri,
                "oidc.redirect_uri",
                "the gateway's callback URL",
            )?,
            "oidc.redirect_uri",
        )?;
        let post_logout_redirect_uri = web_url(
            &required(
                &self.post_logout_redirect_uri,
                "oidc.post_logout_redirect_uri",
                "where the provider sends users after signing out",
            )?,
            "oidc.post_logout_redirect_uri",
        )?;
        let audience = bounded(
            &required(
                &self.audience,
                "oidc.audience",
                "the gateway's resource indicator (access tokens' aud)",
            )?,
            "oidc.audience",
        )?;

        let mut scopes = vec!["openid".to_string()];
        if let Some(v) = &self.scopes {
            for s in v.get_ref() {
                let ok = !s.is_empty()
                    && s.len() <= MAX_SCOPE_BYTES
                    && s.chars()
                        .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
                if !ok {
                    return Err(ConfigError::at(
                        "oidc.scopes",
                        v.span(),
                        format!("{s:?} is not a scope"),
                    ));
                }
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
        } else {
            scopes.push("profile".into());
        }

        let allowed_algorithms = match &self.allowed_algorithms {
            None => SigningAlgorithm::DEFAULT.to_vec(),
            Some(list) => {
                let mut out = Vec::new();
                for v in list {
                    let name = v.get_ref().as_str();
                    let alg = SigningAlgorithm::from_name(name).ok_or_else(|| {
                        let why = if name.eq_ignore_ascii_case("none") || name.starts_with("HS") {
                            "never allowed: an unsigned or symmetric token cannot prove the provider issued it"
                                .to_string()
                        } else {
                            let all: Vec<_> = SigningAlgorithm::ALL.iter().map(|a| a.name()).collect();
                            format!("unknown algorithm; one of {}", all.join(", "))
                        };
                        ConfigError::at(quoted("oidc.allowed_algorithms", name), v.span(), why)
                    })?;
                    if !out.contains(&alg) {
                        out.push(alg);
                    }
                }
                if out.is_empty() {
                    return Err(ConfigError::missing(
                        "oidc.allowed_algorithms",
                        "empty: no token could be accepted",
                    ));
                }
                out
            }
        };

        let clock_skew = secs(
            &self.clock_skew_secs,
            "oidc.clock_skew_secs",
            Duration::from_secs(60),
            0..=MAX_CLOCK_SKEW_SECS,
        )?;
        let ca_file = self
            .ca_file
            .as_ref()
            .map(|v| bounded(v, "oidc.ca_file").map(|p| resolve(base_dir, &p)))
            .transpose()?;
        let token_endpoint_auth = match &self.token_endpoint_auth {
            None => ClientAuth::Basic,
            Some(v) => match v.get_ref().as_str() {
                "client_secret_basic" => ClientAuth::Basic,
                "client_secret_post" => ClientAuth::Post,
                other => {
                    return Err(ConfigError::at(
                        "oidc.token_endpoint_auth",
                        v.span(),
                        format!("{other:?}: client_secret_basic or client_secret_post"),
                    ));
                }
            },
        };
        let defaults = KeyRefresh::default();
        let keys = KeyRefresh {
            every: secs(
                &self.jwks_refresh_secs,
                "oidc.jwks_refresh_secs",
                defaults.every,
                MIN_JWKS_REFRESH_SECS..=MAX_JWKS_REFRESH_SECS,
            )?,
            min_refetch: secs(
                &self.jwks_min_refetch_secs,
                "oidc.jwks_min_refetch_secs",
                defaults.min_refetch,
                1..=MAX_WINDOW_SECS,
            )?,
        };

        let session = match &self.session {
            None => SessionConfig::default(),
            Some(s) => {
                let d = SessionConfig::default();
                let idle_timeout = secs(
                    &s.idle_timeout_secs,
                    "oidc.session.idle_timeout_secs",
                    d.idle_timeout,
                    MIN_IDLE_TIMEOUT_SECS..=MAX_SESSION_LIFETIME_SECS,
                )?;
                let absolute_lifetime = secs(
                    &s.absolute_lifetime_secs,
                    "oidc.session.absolute_lifetime_secs",
                    d.absolute_lifetime,
                    MIN_IDLE_TIMEOUT_SECS..=MAX_SESSION_LIFETIME_SECS,
                )?;
                if idle_timeout > absolute_lifetime {
                    let span = s
                        .idle_timeout_secs
                        .as_ref()
                        .or(s.absolute_lifetime_secs.as_ref())
                        .map(Spanned::span);
                    return Err(ConfigError {
                        key: "oidc.session.idle_timeout_secs".into(),
                        message: "longer than absolute_lifetime_secs".into(),
                        span,
                    });
                }
                SessionConfig {
                    idle_timeout,
                    absolute_lifetime,
                }
            }
        };

        let claims = check_claims(self.claims.as_ref().ok_or_else(|| {
            ConfigError::missing("oidc.claims", "missing: the claims mapping [oidc.claims]")
        })?)?;

        Ok(OidcConfig {
            issuer,
            client_id,
            client_secret,
            redirect_uri,
            post_logout_redirect_uri,
            audience,
            scopes,
            allowed_algorithms,
            clock_skew,
            ca_file,
            require_access_token_type: self.require_access_token_type.unwrap_or(true),
            token_endpoint_auth,
            keys,
            session,
            claims,
        })
    }
}

fn claim_name(
    v: &Option<Spanned<String>>,
    key: &str,
    default: Option<&str>,
) -> Result<Option<String>, ConfigError> {
    match v {
        None => Ok(default.map(str::to_string)),
        Some(v) => {
            let s = bounded(v, key)?;
            if s.len() > MAX_CLAIM_NAME {
                return Err(ConfigError::at(
                    key,
                    v.span(),
                    format!("a claim name longer than {MAX_CLAIM_NAME} bytes"),
                ));
            }
            Ok(Some(s))
        }
    }
}

fn clearance(v: &Spanned<String>, key: String) -> Result<Clearance, ConfigError> {
    Clearance::from_name(v.get_ref())
        .ok_or_else(|| ConfigError::at(key, v.span(), "official, secret or top-secret"))
}

fn check_claims(raw: &Spanned<ClaimsToml>) -> Result<ClaimsMapping, ConfigError> {
    let c = raw.get_ref();
    let user_id = claim_name(&c.user_id, "oidc.claims.user_id", Some("sub"))?.unwrap_or_default();
    let groups = claim_name(&c.groups, "oidc.claims.groups", Some("groups"))?.unwrap_or_default();
    let clearance_claim = claim_name(&c.clearance, "oidc.claims.clearance", None)?;

    if c.roles.is_empty() {
        return Err(ConfigError::at(
            "oidc.claims.roles",
            raw.span(),
            "maps no group to a role, so nobody could sign in: add [oidc.claims.roles]",
        ));
    }
    let mut roles = BTreeMap::new();
    for (group, list) in &c.roles {
        let key = quoted("oidc.claims.roles", group.get_ref());
        if list.get_ref().is_empty() {
            return Err(ConfigError::at(
                key,
                list.span(),
                "an empty list: name at least one role, or drop the line",
            ));
        }
        let mut names = Vec::new();
        for role in list.get_ref() {
            let r = role.get_ref();
            let plain = !r.is_empty()
                && r.len() <= MAX_ROLE_NAME
                && r.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
            if !plain {
                return Err(ConfigError::at(
                    key.clone(),
                    role.span(),
                    format!(
                        "{r:?} is not a role name (letters, digits, - and _, at most {MAX_ROLE_NAME})"
                    ),
                ));
            }
            if !names.contains(r) {
                names.push(r.clone());
            }
        }
        roles.insert(group.get_ref().clone(), names);
    }

    let mut clearance_by_group = BTreeMap::new();
    for (group, v) in &c.clearance_by_group {
        clearance_by_group.insert(
            group.get_ref().clone(),
            clearance(v, quoted("oidc.claims.clearance_by_group", group.get_ref()))?,
        );
    }
    let mut clearance_by_value = BTreeMap::new();
    for (value, v) in &c.clearance_by_value {
        clearance_by_value.insert(
            value.get_ref().clone(),
            clearance(v, quoted("oidc.claims.clearance_by_value", value.get_ref()))?,
        );
    }
    match (&clearance_claim, clearance_by_value.is_empty()) {
        (Some(_), true) => {
            return Err(ConfigError::at(
                "oidc.claims.clearance",
                c.clearance.as_ref().map_or(raw.span(), Spanned::span),
                "names a clearance claim but [oidc.claims.clearance_by_value] maps none of its values",
            ));
        }
        (None, false) => {
            return Err(ConfigError::at(
                "oidc.claims.clearance_by_value",
                raw.span(),
                "maps clearance values but oidc.claims.clearance names no claim to read them from",
            ));
        }
        _ => {}
    }
    if clearance_by_group.is_empty() && clearance_by_value.is_empty() {
        return Err(ConfigError::at(
            "oidc.claims",
            raw.span(),
            "no clearance rule, so nobody could see anything: add [oidc.claims.clearance_by_group] \
             or a clearance claim with [oidc.claims.clearance_by_value]",
        ));
    }
    Ok(ClaimsMapping {
        user_id,
        groups,
        clearance_claim,
        roles,
        clearance_by_group,
        clearance_by_value,
    })
}

/// How a rate window moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WindowKind {
    /// Counts reset at the end of each window: simple, but allows a burst of twice the limit
    /// across a boundary.
    Fixed,
    /// The previous window's count, weighted by how much of it still overlaps, plus the current
    /// one: no boundary burst, two counters per user.
    #[default]
    Sliding,
}

/// Per-user rate limit: `[rate_limit]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests a user may make per window.
    pub requests: u32,
    /// The window.
    pub window: Duration,
    /// Fixed or sliding.
    pub kind: WindowKind,
}

/// The `[rate_limit]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitToml {
    requests: Option<Spanned<u64>>,
    window_secs: Option<Spanned<u64>>,
    window: Option<Spanned<String>>,
}

/// A person reading and searching does not make more than this many requests per window; a
/// larger number is a typo or a script.
const MAX_RATE_REQUESTS: u64 = 1_000_000;

impl RateLimitToml {
    /// Check the table.
    ///
    /// # Errors
    /// A missing or out-of-range value, naming its key.
    pub fn check(self) -> Result<RateLimit, ConfigError> {
        let requests = required(
            &self.requests,
            "rate_limit.requests",
            "requests per window per user",
        )?;
        if !(1..=MAX_RATE_REQUESTS).contains(requests.get_ref()) {
            return Err(ConfigError::at(
                "rate_limit.requests",
                requests.span(),
                format!("outside 1..={MAX_RATE_REQUESTS}"),
            ));
        }
        let window = secs(
            &self.window_secs,
            "rate_limit.window_secs",
            Duration::from_secs(60),
            1..=MAX_WINDOW_SECS,
        )?;
        let kind = match &self.window {
            None => WindowKind::default(),
            Some(v) => match v.get_ref().as_str() {
                "fixed" => WindowKind::Fixed,
                "sliding" => WindowKind::Sliding,
                other => {
                    return Err(ConfigError::at(
                        "rate_limit.window",
                        v.span(),
                        format!("{other:?}: fixed or sliding"),
                    ));
                }
            },
        };
        Ok(RateLimit {
            requests: u32::try_from(*requests.get_ref()).unwrap_or(u32::MAX),
            window,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[oidc]
issuer = "http://127.0.0.1:9999"
client_id = "interop-gateway"
client_secret_env = "OIDC_SECRET"
redirect_uri = "http://127.0.0.1:8080/auth/callback"
post_logout_redirect_uri = "http://127.0.0.1:8080/"
audience = "urn:interop:gateway"

[oidc.claims.roles]
interop-officers = ["investigator"]

[oidc.claims.clearance_by_group]
interop-officers = "official"
"#;

    fn check(src: &str) -> Result<OidcConfig, ConfigError> {
        OidcConfig::from_toml(src, Path::new("/etc/interop"))
    }

    #[test]
    fn defaults_are_filled_in() {
        let c = check(GOOD).unwrap();
        assert_eq!(c.scopes, ["openid", "profile"]);
        assert_eq!(c.allowed_algorithms, SigningAlgorithm::DEFAULT);
        assert_eq!(c.clock_skew, Duration::from_secs(60));
        assert_eq!(c.session.idle_timeout, Duration::from_secs(1800));
        assert_eq!(c.session.absolute_lifetime, Duration::from_secs(36000));
        assert_eq!(c.claims.user_id, "sub");
        assert_eq!(c.claims.groups, "groups");
        assert!(c.require_access_token_type);
        assert_eq!(c.client_secret, SecretSource::Env("OIDC_SECRET".into()));
    }

    fn error_for(src: &str) -> (ConfigError, (usize, usize)) {
        let e = check(src).unwrap_err();
        let at = e.line_col(src).unwrap_or((0, 0));
        (e, at)
    }

    #[test]
    fn inline_secret_is_refused_at_its_line() {
        let src = GOOD.replace(
            "client_secret_env = \"OIDC_SECRET\"",
            "client_secret = \"hunter2\"",
        );
        let (e, (line, _)) = error_for(&src);
        assert_eq!(e.key, "oidc.client_secret");
        assert!(e.message.contains("never written"), "{e}");
        assert_eq!(line, 5);
    }

    #[test]
    fn none_and_hmac_algorithms_are_refused() {
        for alg in ["none", "HS256"] {
            let src = GOOD.replace(
                "[oidc.claims.roles]",
                &format!("allowed_algorithms = [\"RS256\", \"{alg}\"]\n[oidc.claims.roles]"),
            );
            let (e, (line, _)) = error_for(&src);
            assert!(e.message.contains("never allowed"), "{e}");
            assert_eq!(line, 10, "{e}");
        }
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let src = GOOD.replace("http://127.0.0.1:9999", "http://idp.force.example");
        let (e, (line, _)) = error_for(&src);
        assert_eq!(e.key, "oidc.issuer");
        assert_eq!(line, 3);
        assert!(
            check(&GOOD.replace(
                "http://127.0.0.1:9999",
                "https://idp.force.example/realms/x"
            ))
            .is_ok()
        );
    }

    #[test]
    fn a_mapping_without_roles_or_clearance_is_refused() {
        let no_roles = GOOD.replace(
            "[oidc.claims.roles]\ninterop-officers = [\"investigator\"]\n",
            "[oidc.claims]\n",
        );
        assert!(
            error_for(&no_roles)
                .0
                .message
                .contains("nobody could sign in")
        );
        let no_clearance = GOOD.replace(
            "[oidc.claims.clearance_by_group]\ninterop-officers = \"official\"\n",
            "",
        );
        assert!(
            error_for(&no_clearance)
                .0
                .message
                .contains("no clearance rule")
        );
        let bad_clearance = GOOD.replace("= \"official\"", "= \"restricted\"");
        let (e, (line, _)) = error_for(&bad_clearance);
        assert_eq!(e.key, "oidc.claims.clearance_by_group.\"interop-officers\"");
        assert_eq!(line, 14);
        let empty_role = GOOD.replace("[\"investigator\"]", "[]");
        assert!(error_for(&empty_role).0.message.contains("empty list"));
    }

    #[test]
    fn idle_longer_than_lifetime_is_refused() {
        let src = format!(
            "{GOOD}\n[oidc.session]\nidle_timeout_secs = 7200\nabsolute_lifetime_secs = 3600\n"
        );
        assert!(error_for(&src).0.message.contains("longer than absolute"));
    }

    #[test]
    fn unknown_keys_are_refused_with_a_span() {
        let src = GOOD.replace("audience =", "audiense =");
        let (e, (line, _)) = error_for(&src);
        assert!(e.message.contains("audiense"), "{e}");
        assert_eq!(line, 8);
    }

    #[test]
    fn rate_limit_table() {
        #[derive(Deserialize)]
        struct Doc {
            rate_limit: RateLimitToml,
        }
        let d: Doc =
            toml::from_str("[rate_limit]\nrequests = 5\nwindow_secs = 10\nwindow = \"fixed\"\n")
                .unwrap();
        let r = d.rate_limit.check().unwrap();
        assert_eq!(
            (r.requests, r.window, r.kind),
            (5, Duration::from_secs(10), WindowKind::Fixed)
        );
        let d: Doc = toml::from_str("[rate_limit]\nrequests = 0\n").unwrap();
        assert_eq!(d.rate_limit.check().unwrap_err().key, "rate_limit.requests");
    }
}
