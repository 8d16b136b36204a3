//! The gateway's configuration file (`interop serve --config FILE`), TOML.
//!
//! ```toml
//! [server]
//! listen = "0.0.0.0:8443"
//! tls_cert = "/etc/interop/gateway.crt"     # PEM chain
//! tls_key = "/etc/interop/gateway.key"      # PEM private key
//! # plain_http = true                       # only with a loopback `listen`
//! gateway_id = "force-gw-1"                 # names this gateway in audit records
//! # Listener limits (the defaults shown; see [`Limits`] for why each is what it is):
//! # header_timeout_ms = 10000               # a request's headers must arrive within this
//! # idle_timeout_ms = 60000                 # a keep-alive connection with no request is closed
//! # body_timeout_ms = 30000                 # a request's body must arrive within this
//! # max_connections = 1024                  # more are refused at accept
//! # h2_max_concurrent_streams = 64          # per HTTP/2 connection
//! # max_header_list_bytes = 16384           # all of a request's headers together
//! # h2c = false                             # HTTP/2 without TLS (prior knowledge), only when asked
//!
//! [access]
//! # justification_min_visible = 10          # visible characters a justification needs
//! # reason_codes = ["investigation", "intelligence", "safeguarding"]  # if set, one is required
//!
//! [metrics]
//! # token_sha256 = "…"                      # `interop token hash`; without one, /metrics
//! #                                         # answers loopback clients only
//!
//! [audit]
//! dir = "/var/lib/interop/audit"
//!
//! # Many replicas sharing one audit chain in PostgreSQL (the default is "files": [audit] dir).
//! # [storage]
//! # backend = "postgres"
//! # url = "postgres://interop:…@db.example.invalid/interop?sslmode=verify-full&sslrootcert=/etc/interop/db-ca.pem"
//!
//! [linkage]                                 # which records of people are one person (docs/LINKAGE.md)
//! # group_threshold = 0.5                   # link probability at or above which records are grouped
//! # possible_threshold = 0.05               # at or above this (and below the other): "possible match"
//! # prior_log2_odds = -16                   # prior odds, in bits, that two records are one person
//! # max_group_size = 64                     # most records one group holds
//! # model = "/etc/interop/linkage-model.json"   # weights estimated on the force's own data
//! #                                         # (link-bench --model-out); the built-in ones otherwise
//!
//! [trust]                                   # whose signatures this force accepts
//! keys = ["/etc/interop/trust/kestrel-release.pub"]   # `interop keys generate` writes .pub files
//! revoked = ["3f2a9c0b7d1e4f56", "/etc/interop/trust/kestrel-2025.pub"]  # key ids or .pub files
//! # allow_unsigned = true                   # development only: loads unsigned connectors, loudly
//! # replica_keys = ["/etc/interop/replicas/gw-2.pub"]  # with [storage] postgres: the other
//! #                                         # replicas' audit keys (their gateway.pub)
//!
//! [store]
//! dir = "/var/lib/interop/plugins"          # `interop plugin install …`; picked up while running
//! # poll_ms = 1000                          # how often a running gateway looks for changes
//!
//! # Development: a component loaded straight from a file, outside the store (no hot reload).
//! # [[connectors]]
//! # component = "/var/lib/interop/kestrel_rms_connector.wasm"   # signed by a trusted key
//! # policy = "/etc/interop/kestrel-rms.toml"
//!
//! [roles.investigator]
//! connectors = ["*"]                        # or a list of connector ids
//! operations = ["search", "fetch", "submit"]
//!
//! [roles.auditor]
//! audit = true                              # may read the audit log over the API
//!
//! [roles.operator]
//! operate = "act"                           # the operator console at /console/: "view" to
//!                                           # see, "act" to also reload, revoke, roll back
//!
//! [[users]]
//! id = "pc-1234"
//! token_sha256 = "…"                        # `interop token hash`; the token itself is never stored
//! roles = ["investigator"]
//! clearance = "official"                    # official, secret or top_secret (or top-secret)
//! ```
//!
//! Relative paths are relative to the configuration file's directory. docs/OPERATOR-GUIDE.md
//! describes every key, with its default and an example; [`EXAMPLE`] is the complete,
//! commented configuration `interop serve --example-config` prints.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use interop_model::{Classification, Operation};

/// Operations a role may be granted, as a configuration names them.
pub const OPERATIONS: [(&str, Operation); 3] = [
    ("search", Operation::Search),
    ("fetch", Operation::Fetch),
    ("submit", Operation::Submit),
];

/// A configuration that cannot be used: the file, line and column of the first problem, and
/// what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    /// The configuration file.
    pub file: String,
    /// 1-based line (0 when the file could not be read at all).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, and what to write instead.
    pub message: String,
}

/// 1-based line and column of byte `offset` in `text` (an offset inside a character counts as
/// that character).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

/// The listener's limits. Each default is chosen for officers' clients on a force network:
/// they send small requests promptly, so anything much slower is broken or hostile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request's headers must arrive within this of its first byte. 10 s is generous for a
    /// few hundred bytes on any link an officer uses, and short enough that a slowloris
    /// attacker holds each connection for seconds, not forever.
    pub header_timeout: Duration,
    /// A connection with no request in flight and no bytes arriving is closed after this.
    /// 60 s keeps an app's connection warm between searches without holding sockets for
    /// clients that went away.
    pub idle_timeout: Duration,
    /// A request's body must arrive within this of its headers. Bodies are at most 1 MiB; 30 s
    /// allows a slow mobile link.
    pub body_timeout: Duration,
    /// Connections open at once; more are refused (closed at accept). 1024 is several times a
    /// force's concurrent officers per gateway and far below the process's file limit.
    pub max_connections: usize,
    /// Streams one HTTP/2 connection may have open at once. 64: an app runs a handful of
    /// searches at a time; more from one connection is a flood.
    pub h2_max_concurrent_streams: u32,
    /// All of a request's headers together. 16 KiB holds a bearer token, cookies and the usual
    /// headers with room to spare.
    pub max_header_list_bytes: u32,
    /// Serve HTTP/2 without TLS (prior knowledge) on a plain-HTTP listener. Off unless asked:
    /// HTTP/1.1 is all a loopback client needs.
    pub h2c: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            h2_max_concurrent_streams: 64,
            max_header_list_bytes: 16 * 1024,
            h2c: false,
        }
    }
}

/// What a data request must carry to be answered (the `[access]` section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRules {
    /// Visible characters a justification needs: whitespace and Unicode categories Cc, Cf and
    /// M do not count. 10 by default: enough for "burglary KR/123", too many for "." or "x".
    pub justification_min_visible: usize,
    /// When not empty, every data request must name one of these as `reason_code`.
    pub reason_codes: Vec<String>,
}

/// Default [`AccessRules::justification_min_visible`].
pub const DEFAULT_JUSTIFICATION_MIN_VISIBLE: usize = 10;

impl Default for AccessRules {
    fn default() -> Self {
        AccessRules {
            justification_min_visible: DEFAULT_JUSTIFICATION_MIN_VISIBLE,
            reason_codes: Vec::new(),
        }
    }
}

/// A checked gateway configuration.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Where it was read from.
    pub source: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The listener's limits.
    pub limits: Limits,
    /// What a data request must carry.
    pub access: AccessRules,
    /// SHA-256 of the token `/metrics` asks for; without one it answers loopback clients only.
    pub metrics_token_sha256: Option<[u8; 32]>,
    /// TLS certificate chain and key (PEM), unless plain HTTP on loopback was asked for.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// This gateway's name in audit records.
    pub gateway_id: String,
    /// Directory of the audit log and the gateway's signing key (with the PostgreSQL backend,
    /// of the signing key only).
    pub audit_dir: PathBuf,
    /// Where the audit chain is kept (`[storage]`): local files, or a database many replicas
    /// share.
    pub storage: Storage,
    /// Whose signatures a connector must carry.
    pub trust: Trust,
    /// Connectors loaded straight from files (development), outside the plugin store.
    pub connectors: Vec<Installed>,
    /// The plugin store the gateway runs, and how often it looks for changes.
    pub store: Option<StoreConfig>,
    /// Roles by name.
    pub roles: BTreeMap<String, Role>,
    /// Users with static bearer tokens (service accounts, the embedded default).
    pub users: Vec<User>,
    /// How federated answers decide which records of people are one person.
    pub linkage: LinkageSettings,
    /// One sign-on with the force's OpenID Connect provider (`[oidc]`), if configured: bearer
    /// JWT access tokens for API clients, and the browser sign-in for the app.
    pub oidc: Option<interop_identity::OidcConfig>,
    /// Per-user rate limit on every authenticated request (`[rate_limit]`), if configured.
    pub rate_limit: Option<interop_identity::RateLimit>,
}

/// The `[linkage]` section: the linker's thresholds and weights for federated answers.
///
/// Records of people whose link probability is at least `group_threshold` are grouped; links
/// at least `possible_threshold` but not grouped are shown beside the group as possible
/// matches, never merged.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkageSettings {
    /// Link probability at or above which records are grouped (default 0.5: more likely one
    /// person than not).
    pub group_threshold: f64,
    /// Link probability at or above which a link not grouped is shown as a possible match
    /// (default 0.05).
    pub possible_threshold: f64,
    /// The prior log2 odds that two records in one answer are one person, replacing the
    /// model's (default -16, see [`DEFAULT_PRIOR_LOG2_ODDS`]).
    pub prior_log2_odds: f64,
    /// Most records one group holds (default 64).
    pub max_group_size: usize,
    /// A model file (JSON, as `link-bench --model-out` writes it) to weigh with instead of the
    /// built-in weights.
    pub model: Option<PathBuf>,
}

/// Default [`LinkageSettings::group_threshold`].
pub const DEFAULT_GROUP_THRESHOLD: f64 = 0.5;
/// Default [`LinkageSettings::possible_threshold`].
pub const DEFAULT_POSSIBLE_THRESHOLD: f64 = 0.05;
/// Default [`LinkageSettings::prior_log2_odds`]: odds of 1 to 65,536. The records of people in
/// a federated answer are alike by name already (the search asked for the name), so agreeing
/// on a name says less than it does across a whole file. At -16 bits, a surname and given name
/// that agree exactly (about 14 bits with the built-in weights) are not enough to group: a date
/// of birth, an address, a telephone or an identifier must agree as well, and records alike
/// only by name are shown as possible matches.
pub const DEFAULT_PRIOR_LOG2_ODDS: f64 = -16.0;
/// Default [`LinkageSettings::max_group_size`].
pub const DEFAULT_MAX_GROUP_SIZE: usize = 64;

impl Default for LinkageSettings {
    fn default() -> Self {
        LinkageSettings {
            group_threshold: DEFAULT_GROUP_THRESHOLD,
            possible_threshold: DEFAULT_POSSIBLE_THRESHOLD,
            prior_log2_odds: DEFAULT_PRIOR_LOG2_ODDS,
            max_group_size: DEFAULT_MAX_GROUP_SIZE,
            model: None,
        }
    }
}

/// The `[trust]` section: the force's trust store. Every connector is verified against it
/// before it is compiled (`interop_sandbox::signing`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    /// Public key files (`.pub`) whose signatures are accepted.
    pub keys: Vec<PathBuf>,
    /// Keys whose signatures are refused even if trusted.
    pub revoked: Vec<Revoked>,
    /// Development only: load connectors that carry no signature, with a warning at start and
    /// for each one. A signature that is present but bad is refused all the same.
    pub allow_unsigned: bool,
    /// The audit keys (`gateway.pub`) of the other replicas that share the audit chain in
    /// PostgreSQL: each checkpoint must be signed by one of these or by this gateway's own key.
    pub replica_keys: Vec<PathBuf>,
}

/// The `[storage]` section: where the audit chain is kept.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Storage {
    /// `backend = "files"`, the embedded default: `audit.jsonl` in `[audit] dir`, one gateway.
    #[default]
    Files,
    /// `backend = "postgres"`: one chain in PostgreSQL that every replica appends to.
    Postgres {
        /// `postgres://user[:password]@host[:port]/db?sslmode=verify-full&sslrootcert=CA`, or
        /// `sslmode=disable` for a trusted local link.
        url: String,
        /// The CA that signed the database server's certificate, when not in the URL.
        ca_file: Option<PathBuf>,
    },
}

impl std::fmt::Debug for Storage {
    // Never the URL: it may hold the database password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Files => f.write_str("Files"),
            Storage::Postgres { ca_file, .. } => f
                .debug_struct("Postgres")
                .field("url", &"(not shown)")
                .field("ca_file", ca_file)
                .finish(),
        }
    }
}

/// One `revoked` entry: a key id, or a `.pub` file holding the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// A key id: 16 hex digits, lowercase.
    KeyId(String),
    /// A public key file.
    File(PathBuf),
}

/// Where the plugin store is, and how often a running gateway looks for changes in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The store's directory.
    pub dir: PathBuf,
    /// How often the gateway reads the store's index.
    pub poll: std::time::Duration,
}

/// One installed connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The component file.
    pub component: PathBuf,
    /// Its policy file.
    pub policy: PathBuf,
}

/// What a role may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    /// Connector ids, or `*` for all.
    pub connectors: Vec<String>,
    /// The data operations it may run.
    pub operations: Vec<Operation>,
    /// May read the audit log.
    pub audit: bool,
    /// May open the operator console (`operate = "view"`), and also act from it
    /// (`operate = "act"`: reload the configuration, revoke a trusted key, roll back or remove
    /// a connector of the plugin store). `None`: no console.
    pub operate: Option<Operate>,
}

/// What a role may do in the operator console (`[roles.NAME] operate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operate {
    /// `"view"`: see connectors, install history, the audit log's state, roles, users and keys.
    View,
    /// `"act"`: view, and reload the configuration, revoke a key, roll back or remove a
    /// connector; every action audited.
    Act,
}

impl Operate {
    /// The word the configuration uses: `view` or `act`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operate::View => "view",
            Operate::Act => "act",
        }
    }
}

impl Role {
    /// May this role run `operation` on `connector`?
    pub fn allows(&self, connector: &str, operation: Operation) -> bool {
        self.operations.contains(&operation)
            && self.connectors.iter().any(|c| c == "*" || c == connector)
    }
}

/// A user and the hash of their bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// User id, as audited.
    pub id: String,
    /// SHA-256 of the bearer token, 32 bytes.
    pub token_sha256: [u8; 32],
    /// Role names.
    pub roles: Vec<String>,
    /// Highest classification the user may see.
    pub clearance: Classification,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    server: Option<RawServer>,
    audit: Option<RawAudit>,
    storage: Option<Spanned<RawStorage>>,
    trust: Option<Spanned<RawTrust>>,
    store: Option<Spanned<RawStore>>,
    #[serde(default)]
    connectors: Vec<Spanned<RawConnector>>,
    #[serde(default)]
    roles: BTreeMap<Spanned<String>, Spanned<RawRole>>,
    #[serde(default)]
    users: Vec<Spanned<RawUser>>,
    access: Option<Spanned<RawAccess>>,
    metrics: Option<Spanned<RawMetrics>>,
    linkage: Option<Spanned<RawLinkage>>,
    oidc: Option<interop_identity::OidcToml>,
    rate_limit: Option<interop_identity::RateLimitToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLinkage {
    group_threshold: Option<f64>,
    possible_threshold: Option<f64>,
    prior_log2_odds: Option<f64>,
    max_group_size: Option<u64>,
    model: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccess {
    justification_min_visible: Option<u64>,
    #[serde(default)]
    reason_codes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    token_sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    plain_http: Option<Spanned<bool>>,
    gateway_id: Option<String>,
    header_timeout_ms: Option<Spanned<u64>>,
    idle_timeout_ms: Option<Spanned<u64>>,
    body_timeout_ms: Option<Spanned<u64>>,
    max_connections: Option<Spanned<u64>>,
    h2_max_concurrent_streams: Option<Spanned<u64>>,
    max_header_list_bytes: Option<Spanned<u64>>,
    h2c: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    dir: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    backend: Option<String>,
    url: Option<String>,
    ca_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrust {
    #[serde(default)]
    replica_keys: Vec<String>,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    revoked: Vec<String>,
    #[serde(default)]
    allow_unsigned: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    dir: String,
    poll_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnector {
    component: String,
    policy: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    #[serde(default)]
    connectors: Vec<String>,
    #[serde(default)]
    operations: Vec<String>,
    #[serde(default)]
    audit: bool,
    operate: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    id: String,
    token_sha256: String,
    #[serde(default)]
    roles: Vec<Spanned<String>>,
    clearance: String,
}

/// A complete, commented configuration, every key shown with its default: what
/// `interop serve --example-config` prints and docs/OPERATOR-GUIDE.md explains. It parses as
/// it is (its paths are relative to the file it is saved as).
pub const EXAMPLE: &str = include_str!("example-gateway.toml");

/// What to say when no key is trusted and unsigned loading was not asked for.
const NO_TRUST: &str = "no trusted signing keys: the gateway loads only connectors signed by a \
    key in its trust store. Add a [trust] section with keys = [\"vendor.pub\"] (the .pub files \
    of the vendors whose connectors you run; a vendor makes one with `interop keys generate`), \
    or, for development only, allow_unsigned = true";

/// Default port, on loopback only (127.0.0.1), so a gateway started with no thought reaches
/// no one.
const DEFAULT_PORT: u16 = 8443;

impl GatewayConfig {
    /// The gateway's own directories and files no connector may be given (a policy preopening
    /// one, one inside one or one above one is refused at load): the audit log and its key,
    /// the plugin store, the trusted and revoked keys, the TLS key and certificate, and the
    /// configuration itself. Pass them to `interop_sandbox::Host::protecting`.
    pub fn protected_paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.source.clone(), self.audit_dir.clone()];
        if let Some(store) = &self.store {
            paths.push(store.dir.clone());
        }
        paths.extend(self.trust.keys.iter().cloned());
        paths.extend(self.trust.revoked.iter().filter_map(|r| match r {
            Revoked::File(path) => Some(path.clone()),
            Revoked::KeyId(_) => None,
        }));
        if let Some((cert, key)) = &self.tls {
            paths.push(cert.clone());
            paths.push(key.clone());
        }
        paths
    }

    /// Read and check a configuration file.
    ///
    /// # Errors
    /// A [`ConfigError`] with the file, line and column of the first problem.
    pub fn from_file(path: &Path) -> Result<GatewayConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read the gateway configuration: {e}"),
        })?;
        GatewayConfig::parse(path, &text)
    }

    /// Parse configuration text read from `path` (relative paths are taken from its directory).
    ///
    /// # Errors
    /// The line and column of the first problem, and what to write instead.
    pub fn parse(path: &Path, text: &str) -> Result<GatewayConfig, ConfigError> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            ConfigError {
                file: path.display().to_string(),
                line,
                column,
                message,
            }
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            at(
                e.span().map_or(0, |s| s.start),
                e.message().trim().to_string(),
            )
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &str| {
            let p = PathBuf::from(p);
            if p.is_absolute() { p } else { base.join(p) }
        };

        let server = raw.server.unwrap_or(RawServer {
            listen: None,
            tls_cert: None,
            tls_key: None,
            plain_http: None,
            gateway_id: None,
            header_timeout_ms: None,
            idle_timeout_ms: None,
            body_timeout_ms: None,
            max_connections: None,
            h2_max_concurrent_streams: None,
            max_header_list_bytes: None,
            h2c: None,
        });
        let limits = {
            let d = Limits::default();
            let ranged =
                |v: &Option<Spanned<u64>>, name: &str, lo: u64, hi: u64, default: u64| match v {
                    None => Ok(default),
                    Some(v) if (lo..=hi).contains(v.get_ref()) => Ok(*v.get_ref()),
                    Some(v) => Err(at(
                        v.span().start,
                        format!("[server] {name} = {}: give {lo} to {hi}", v.get_ref()),
                    )),
                };
            let ms = |d: Duration| d.as_millis() as u64;
            // The bounds keep each limit meaningful: a timeout under 100 ms fails honest
            // clients; over an hour (or a million connections) is no limit at all.
            Limits {
                header_timeout: Duration::from_millis(ranged(
                    &server.header_timeout_ms,
                    "header_timeout_ms",
                    100,
                    3_600_000,
                    ms(d.header_timeout),
                )?),
                idle_timeout: Duration::from_millis(ranged(
                    &server.idle_timeout_ms,
                    "idle_timeout_ms",
                    100,
                    3_600_000,
                    ms(d.idle_timeout),
                )?),
                body_timeout: Duration::from_millis(ranged(
                    &server.body_timeout_ms,
                    "body_timeout_ms",
                    100,
                    3_600_000,
                    ms(d.body_timeout),
                )?),
                max_connections: ranged(
                    &server.max_connections,
                    "max_connections",
                    1,
                    1_000_000,
                    d.max_connections as u64,
                )? as usize,
                h2_max_concurrent_streams: ranged(
                    &server.h2_max_concurrent_streams,
                    "h2_max_concurrent_streams",
                    1,
                    10_000,
                    u64::from(d.h2_max_concurrent_streams),
                )? as u32,
                max_header_list_bytes: ranged(
                    &server.max_header_list_bytes,
                    "max_header_list_bytes",
                    1024,
                    1 << 20,
                    u64::from(d.max_header_list_bytes),
                )? as u32,
                h2c: server.h2c.unwrap_or(false),
            }
        };
        let (listen, listen_at) = match &server.listen {
            Some(l) => (
                l.get_ref().parse::<SocketAddr>().map_err(|_| {
                    at(
                        l.span().start,
                        format!(
                            "listen = {:?} is not an address and port, e.g. \"127.0.0.1:8443\"",
                            l.get_ref()
                        ),
                    )
                })?,
                l.span().start,
            ),
            None => (SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)), 0),
        };
        let plain = server.plain_http.as_ref().is_some_and(|p| *p.get_ref());
        let tls = match (server.tls_cert, server.tls_key, plain) {
            (Some(cert), Some(key), false) => Some((resolve(&cert), resolve(&key))),
            (None, None, true) => {
                if !listen.ip().is_loopback() {
                    return Err(at(
                        server
                            .plain_http
                            .as_ref()
                            .map_or(listen_at, |p| p.span().start),
                        format!(
                            "plain_http is only allowed on a loopback address, not {listen}: officers' tokens and police data must not cross a network unencrypted; give tls_cert and tls_key"
                        ),
                    ));
                }
                None
            }
            (Some(_), Some(_), true) => {
                return Err(at(
                    server.plain_http.as_ref().map_or(0, |p| p.span().start),
                    "give either tls_cert and tls_key, or plain_http = true, not both".into(),
                ));
            }
            _ => {
                return Err(at(
                    0,
                    "[server] needs tls_cert and tls_key (PEM files), or plain_http = true with a loopback listen address".into(),
                ));
            }
        };

        let trust = match raw.trust {
            Some(t) => {
                let offset = t.span().start;
                let t = t.into_inner();
                if t.keys.is_empty() && !t.allow_unsigned {
                    return Err(at(offset, NO_TRUST.into()));
                }
                Trust {
                    keys: t.keys.iter().map(|k| resolve(k)).collect(),
                    revoked: t
                        .revoked
                        .iter()
                        .map(|r| {
                            let t = r.trim();
                            if t.len() == 16 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
                                Revoked::KeyId(t.to_ascii_lowercase())
                            } else {
                                Revoked::File(resolve(r))
                            }
                        })
                        .collect(),
                    allow_unsigned: t.allow_unsigned,
                    replica_keys: t.replica_keys.iter().map(|k| resolve(k)).collect(),
                }
            }
            None => return Err(at(0, NO_TRUST.into())),
        };

        let storage = match raw.storage {
            None => Storage::Files,
            Some(s) => {
                let offset = s.span().start;
                let s = s.into_inner();
                match s.backend.as_deref().unwrap_or("files") {
                    "files" => {
                        if s.url.is_some() || s.ca_file.is_some() {
                            return Err(at(
                                offset,
                                "[storage] url and ca_file are for backend = \"postgres\"; the \
                                 files backend keeps the audit log in [audit] dir"
                                    .into(),
                            ));
                        }
                        Storage::Files
                    }
                    "postgres" => {
                        let url = s.url.ok_or_else(|| {
                            at(
                                offset,
                                "[storage] backend = \"postgres\" needs url = \
                                 \"postgres://user@host/db?sslmode=verify-full&sslrootcert=ca.pem\""
                                    .into(),
                            )
                        })?;
                        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                            return Err(at(
                                offset,
                                "[storage] url must start with postgres:// or postgresql://".into(),
                            ));
                        }
                        Storage::Postgres {
                            url,
                            ca_file: s.ca_file.as_deref().map(&resolve),
                        }
                    }
                    other => {
                        return Err(at(
                            offset,
                            format!(
                                "[storage] backend = {other:?}: give \"files\" (the default) or \
                                 \"postgres\""
                            ),
                        ));
                    }
                }
            }
        };

        let mut connectors = Vec::new();
        for c in raw.connectors {
            let c = c.into_inner();
            connectors.push(Installed {
                component: resolve(&c.component),
                policy: resolve(&c.policy),
            });
        }

        let store = match raw.store {
            Some(st) => {
                let offset = st.span().start;
                let st = st.into_inner();
                let poll_ms = st.poll_ms.unwrap_or(1000);
                if !(50..=60_000).contains(&poll_ms) {
                    return Err(at(
                        offset,
                        format!("[store] poll_ms = {poll_ms}: give 50 to 60000 milliseconds"),
                    ));
                }
                Some(StoreConfig {
                    dir: resolve(&st.dir),
                    poll: std::time::Duration::from_millis(poll_ms),
                })
            }
            None => None,
        };

        let mut roles = BTreeMap::new();
        for (name, role) in raw.roles {
            let offset = role.span().start;
            let role = role.into_inner();
            let mut operations = Vec::new();
            for op in &role.operations {
                match OPERATIONS.iter().find(|(n, _)| n == op) {
                    Some((_, o)) => operations.push(*o),
                    None => {
                        return Err(at(
                            offset,
                            format!(
                                "role `{}`: operation `{op}` is not one of search, fetch, submit",
                                name.get_ref()
                            ),
                        ));
                    }
                }
            }
            let operate = match role.operate.as_deref() {
                None => None,
                Some("view") => Some(Operate::View),
                Some("act") => Some(Operate::Act),
                Some(other) => {
                    return Err(at(
                        offset,
                        format!(
                            "role `{}`: operate = \"{other}\" is not \"view\" (the operator console, read-only) or \"act\" (the console and its actions)",
                            name.get_ref()
                        ),
                    ));
                }
            };
            roles.insert(
                name.into_inner(),
                Role {
                    connectors: role.connectors,
                    operations,
                    audit: role.audit,
                    operate,
                },
            );
        }

        let mut users: Vec<User> = Vec::new();
        for u in raw.users {
            let offset = u.span().start;
            let u = u.into_inner();
            let token_sha256 = parse_sha256(&u.token_sha256).ok_or_else(|| {
                at(
                    offset,
                    format!(
                        "user `{}`: token_sha256 must be 64 hex digits (make one with `interop token hash`)",
                        u.id
                    ),
                )
            })?;
            let clearance = match u.clearance.as_str() {
                "official" => Classification::Official,
                "secret" => Classification::Secret,
                "top_secret" | "top-secret" => Classification::TopSecret,
                other => {
                    return Err(at(
                        offset,
                        format!(
                            "user `{}`: clearance `{other}` is not official, secret or top_secret",
                            u.id
                        ),
                    ));
                }
            };
            for role in &u.roles {
                if !roles.contains_key(role.get_ref()) {
                    return Err(at(
                        role.span().start,
                        format!(
                            "user `{}`: role `{}` is not defined; add [roles.{}]",
                            u.id,
                            role.get_ref(),
                            role.get_ref()
                        ),
                    ));
                }
            }
            if users.iter().any(|o| o.id == u.id) {
                return Err(at(offset, format!("user `{}` appears twice", u.id)));
            }
            if users.iter().any(|o| o.token_sha256 == token_sha256) {
                return Err(at(
                    offset,
                    format!(
                        "user `{}` has the same token as another user; give each their own",
                        u.id
                    ),
                ));
            }
            users.push(User {
                id: u.id,
                token_sha256,
                roles: u.roles.into_iter().map(Spanned::into_inner).collect(),
                clearance,
            });
        }

        let access = match raw.access {
            Some(a) => {
                let offset = a.span().start;
                let a = a.into_inner();
                let min = a
                    .justification_min_visible
                    .unwrap_or(DEFAULT_JUSTIFICATION_MIN_VISIBLE as u64);
                // Fewer than 3 visible characters cannot say why; more than 200 would refuse
                // honest officers' one-line reasons.
                if !(3..=200).contains(&min) {
                    return Err(at(
                        offset,
                        format!("[access] justification_min_visible = {min}: give 3 to 200"),
                    ));
                }
                for code in &a.reason_codes {
                    let ok = (1..=64).contains(&code.len())
                        && code.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                        });
                    if !ok {
                        return Err(at(
                            offset,
                            format!(
                                "[access] reason code {code:?}: use 1 to 64 lowercase letters, digits, `_` or `-`"
                            ),
                        ));
                    }
                }
                AccessRules {
                    justification_min_visible: min as usize,
                    reason_codes: a.reason_codes,
                }
            }
            None => AccessRules::default(),
        };
        let metrics_token_sha256 = match raw.metrics {
            Some(m) => {
                let offset = m.span().start;
                match m.into_inner().token_sha256 {
                    Some(t) => Some(parse_sha256(&t).ok_or_else(|| {
                        at(
                            offset,
                            "[metrics] token_sha256 must be 64 hex digits (make one with `interop token hash`)".into(),
                        )
                    })?),
                    None => None,
                }
            }
            None => None,
        };

        let linkage = match raw.linkage {
            Some(l) => {
                let offset = l.span().start;
                let l = l.into_inner();
                let group = l.group_threshold.unwrap_or(DEFAULT_GROUP_THRESHOLD);
                let possible = l.possible_threshold.unwrap_or(DEFAULT_POSSIBLE_THRESHOLD);
                let open_unit = |p: f64| p.is_finite() && p > 0.0 && p < 1.0;
                if !open_unit(group) {
                    return Err(at(
                        offset,
                        format!(
                            "[linkage] group_threshold = {group}: give a probability between 0 and 1, e.g. 0.5"
                        ),
                    ));
                }
                if !open_unit(possible) || possible > group {
                    return Err(at(
                        offset,
                        format!(
                            "[linkage] possible_threshold = {possible}: give a probability above 0 and at most group_threshold ({group}), e.g. 0.05"
                        ),
                    ));
                }
                let prior = l.prior_log2_odds.unwrap_or(DEFAULT_PRIOR_LOG2_ODDS);
                if !(prior.is_finite() && (-60.0..=60.0).contains(&prior)) {
                    let p = prior;
                    return Err(at(
                        offset,
                        format!(
                            "[linkage] prior_log2_odds = {p}: give bits between -60 and 60, e.g. -10"
                        ),
                    ));
                }
                let max_group_size = l.max_group_size.unwrap_or(DEFAULT_MAX_GROUP_SIZE as u64);
                // One record cannot be grouped; more than 10,000 records of one person is no
                // limit at all.
                if !(2..=10_000).contains(&max_group_size) {
                    return Err(at(
                        offset,
                        format!("[linkage] max_group_size = {max_group_size}: give 2 to 10000"),
                    ));
                }
                LinkageSettings {
                    group_threshold: group,
                    possible_threshold: possible,
                    prior_log2_odds: prior,
                    max_group_size: max_group_size as usize,
                    model: l.model.as_deref().map(resolve),
                }
            }
            None => LinkageSettings::default(),
        };
        let oidc = match raw.oidc {
            Some(o) => {
                let o = o.check(base).map_err(|e| identity_error(text, &at, &e))?;
                for (group, mapped) in &o.claims.roles {
                    for role in mapped {
                        if !roles.contains_key(role) {
                            return Err(at(
                                0,
                                format!(
                                    "[oidc.claims.roles] group `{group}` maps to role `{role}`, which is not defined; add [roles.{role}]"
                                ),
                            ));
                        }
                    }
                }
                Some(o)
            }
            None => None,
        };
        let rate_limit = match raw.rate_limit {
            Some(r) => Some(r.check().map_err(|e| identity_error(text, &at, &e))?),
            None => None,
        };

        Ok(GatewayConfig {
            linkage,
            source: path.to_owned(),
            listen,
            limits,
            access,
            metrics_token_sha256,
            tls,
            gateway_id: server
                .gateway_id
                .unwrap_or_else(|| format!("interop-gateway@{listen}")),
            audit_dir: resolve(raw.audit.and_then(|a| a.dir).as_deref().unwrap_or("audit")),
            storage,
            trust,
            connectors,
            store,
            roles,
            users,
            oidc,
            rate_limit,
        })
    }
}

/// An `[oidc]` or `[rate_limit]` error at its place in the file.
fn identity_error(
    text: &str,
    at: &impl Fn(usize, String) -> ConfigError,
    e: &interop_identity::ConfigError,
) -> ConfigError {
    let offset = e.span.as_ref().map_or(0, |s| s.start.min(text.len()));
    at(offset, e.to_string())
}

/// SHA-256 of a bearer token, as configuration files hold it.
pub fn token_sha256(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<GatewayConfig, ConfigError> {
        GatewayConfig::parse(Path::new("/etc/interop/gateway.toml"), text)
    }

    #[test]
    fn the_example_parses_and_its_commented_keys_are_the_defaults() {
        let c = parse(EXAMPLE).unwrap();
        assert_eq!(c.listen, "0.0.0.0:8443".parse().unwrap());
        assert_eq!(
            c.tls,
            Some((
                PathBuf::from("/etc/interop/tls/gateway.crt"),
                PathBuf::from("/etc/interop/tls/gateway.key")
            ))
        );
        assert_eq!(c.audit_dir, PathBuf::from("/etc/interop/audit"));
        assert_eq!(
            c.trust.keys,
            [PathBuf::from("/etc/interop/trust/kestrel-release.pub")]
        );
        assert_eq!(
            c.store.as_ref().map(|s| (s.dir.clone(), s.poll)),
            Some((
                PathBuf::from("/etc/interop/plugins"),
                Duration::from_secs(1)
            ))
        );
        assert_eq!(c.access.reason_codes.len(), 3);
        assert_eq!(c.users.len(), 1);
        assert!(c.roles["auditor"].audit);
        // Uncommenting every `# key = value` line and `# [table]` header shows what each
        // commented key does when set: the defaults change nothing, and the sign-on, rate limit
        // and development connector blocks parse.
        let mut uncommented = String::new();
        for line in EXAMPLE.lines() {
            let shown = line.strip_prefix("# ").filter(|l| {
                let header = l.starts_with('[')
                    && l.split('#').next().unwrap_or("").trim_end().ends_with(']');
                let key = l.split(" = ").next().unwrap_or("");
                let setting = l.contains(" = ")
                    && !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    && !l.contains('…');
                header || setting
            });
            uncommented.push_str(shown.unwrap_or(line));
            uncommented.push('\n');
        }
        assert!(
            uncommented.contains("\nheader_timeout_ms = 10000"),
            "{uncommented}"
        );
        let d = parse(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(d.limits, c.limits);
        assert_eq!(d.limits, Limits::default());
        assert_eq!(d.access, c.access);
        assert_eq!(d.trust, c.trust);
        assert_eq!(d.store, c.store);
        assert_eq!(d.storage, c.storage);
        assert_eq!(d.roles, c.roles);
        assert_eq!(d.connectors.len(), 1);
        assert!(c.oidc.is_none() && c.rate_limit.is_none());
        assert!(d.oidc.is_some() && d.rate_limit.is_some());
    }

    fn good() -> String {
        format!(
            r#"
[server]
listen = "127.0.0.1:0"
plain_http = true
[trust]
keys = ["trust/kestrel.pub"]
revoked = ["0123456789ABCDEF", "old/kestrel-2025.pub"]
[[connectors]]
component = "kestrel.wasm"
policy = "/abs/kestrel.toml"
[roles.investigator]
connectors = ["*"]
operations = ["search", "fetch"]
[roles.auditor]
audit = true
[[users]]
id = "pc-1"
token_sha256 = "{}"
roles = ["investigator"]
clearance = "official"
"#,
            hex::encode(token_sha256("demo-token-1"))
        )
    }

    #[test]
    fn storage_is_files_by_default_or_postgres_with_a_url() {
        let c = parse(&good()).unwrap();
        assert_eq!(c.storage, Storage::Files);
        assert!(c.trust.replica_keys.is_empty());
        let url = "postgres://interop:secret@db.example.invalid/interop?sslmode=verify-full";
        let with = format!(
            "{}[storage]\nbackend = \"postgres\"\nurl = \"{url}\"\nca_file = \"db-ca.pem\"\n",
            good().replacen(
                "[trust]\n",
                "[trust]\nreplica_keys = [\"replicas/gw-2.pub\"]\n",
                1
            )
        );
        let c = parse(&with).unwrap();
        assert_eq!(
            c.storage,
            Storage::Postgres {
                url: url.into(),
                ca_file: Some(PathBuf::from("/etc/interop/db-ca.pem")),
            }
        );
        assert_eq!(
            c.trust.replica_keys,
            [PathBuf::from("/etc/interop/replicas/gw-2.pub")]
        );
        // The password never reaches a debug print of the configuration.
        assert!(!format!("{c:?}").contains("secret"));
        for (bad, says) in [
            ("backend = \"postgres\"", "needs url"),
            ("backend = \"postgres\"\nurl = \"mysql://x\"", "postgres://"),
            ("backend = \"sqlite\"", "give \"files\""),
            ("url = \"postgres://x/y\"", "are for backend = \"postgres\""),
            ("backend = \"postgres\"\nhost = \"x\"", "unknown field"),
        ] {
            let e = parse(&format!("{}[storage]\n{bad}\n", good())).unwrap_err();
            assert!(e.message.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn linkage_thresholds_are_read_and_checked() {
        let c = parse(&good()).unwrap();
        assert_eq!(c.linkage, LinkageSettings::default());
        let c = parse(&format!(
            "{}[linkage]\ngroup_threshold = 0.9\npossible_threshold = 0.2\nprior_log2_odds = -6.5\nmax_group_size = 8\nmodel = \"model.json\"\n",
            good()
        ))
        .unwrap();
        assert_eq!(c.linkage.group_threshold, 0.9);
        assert_eq!(c.linkage.possible_threshold, 0.2);
        assert_eq!(c.linkage.prior_log2_odds, -6.5);
        assert_eq!(c.linkage.max_group_size, 8);
        assert_eq!(
            c.linkage.model.as_deref(),
            Some(Path::new("/etc/interop/model.json"))
        );
        for (bad, says) in [
            ("group_threshold = 1.0", "group_threshold = 1"),
            (
                "group_threshold = 0.4\npossible_threshold = 0.6",
                "at most group_threshold",
            ),
            ("possible_threshold = 0.0", "possible_threshold = 0"),
            ("prior_log2_odds = 100.0", "prior_log2_odds"),
            ("max_group_size = 1", "give 2 to 10000"),
            ("threshold = 0.5", "unknown field"),
        ] {
            let e = parse(&format!("{}[linkage]\n{bad}\n", good())).unwrap_err();
            assert!(e.message.contains(says), "{bad}: {e}");
            assert!(e.line > 1, "{e}");
        }
    }

    #[test]
    fn a_full_configuration_parses() {
        let c = parse(&good()).unwrap();
        assert!(c.tls.is_none());
        assert_eq!(
            c.connectors[0].component,
            Path::new("/etc/interop/kestrel.wasm")
        );
        assert_eq!(c.connectors[0].policy, Path::new("/abs/kestrel.toml"));
        assert_eq!(c.audit_dir, Path::new("/etc/interop/audit"));
        assert_eq!(c.users[0].token_sha256, token_sha256("demo-token-1"));
        assert!(c.roles["investigator"].allows("kestrel-rms", Operation::Search));
        assert!(!c.roles["investigator"].allows("kestrel-rms", Operation::Submit));
        assert_eq!(c.limits, Limits::default());
        assert_eq!(c.access, AccessRules::default());
        assert_eq!(c.metrics_token_sha256, None);
        assert!(c.roles["auditor"].audit);
        assert_eq!(
            c.trust,
            Trust {
                keys: vec![PathBuf::from("/etc/interop/trust/kestrel.pub")],
                revoked: vec![
                    Revoked::KeyId("0123456789abcdef".into()),
                    Revoked::File(PathBuf::from("/etc/interop/old/kestrel-2025.pub")),
                ],
                allow_unsigned: false,
                replica_keys: vec![],
            }
        );
    }

    #[test]
    fn a_gateway_must_say_whose_signatures_it_trusts() {
        let base = good();
        let trust = "[trust]\nkeys = [\"trust/kestrel.pub\"]\nrevoked = [\"0123456789ABCDEF\", \"old/kestrel-2025.pub\"]\n";
        assert!(base.contains(trust));
        for text in [
            base.replace(trust, ""),
            base.replace(trust, "[trust]\nkeys = []\n"),
            base.replace(trust, "[trust]\nallow_unsigned = false\n"),
        ] {
            let err = parse(&text).unwrap_err();
            assert!(
                err.message.contains("no trusted signing keys")
                    && err.message.contains("keys = [\"vendor.pub\"]")
                    && err.message.contains("allow_unsigned = true"),
                "{err}"
            );
        }
        let err = parse(&base.replace(trust, "[trust]\nkeys = []\n")).unwrap_err();
        assert!(err.line > 0, "the [trust] section's line: {err}");
        let dev = parse(&base.replace(trust, "[trust]\nallow_unsigned = true\n")).unwrap();
        assert!(dev.trust.allow_unsigned && dev.trust.keys.is_empty());
        let err = parse(&base.replace("revoked", "revokd")).unwrap_err();
        assert!(err.message.contains("unknown field"), "{err}");
    }

    #[test]
    fn mistakes_name_the_line() {
        let base = good();
        for (from, to, needle) in [
            (
                "listen = \"127.0.0.1:0\"",
                "listen = \"0.0.0.0:8080\"",
                "only allowed on a loopback",
            ),
            (
                "listen = \"127.0.0.1:0\"",
                "listen = \"localhost\"",
                "not an address",
            ),
            (
                "clearance = \"official\"",
                "clearance = \"restricted\"",
                "not official",
            ),
            (
                "roles = [\"investigator\"]",
                "roles = [\"detective\"]",
                "not defined",
            ),
            (
                "\"search\", \"fetch\"",
                "\"search\", \"delete\"",
                "not one of",
            ),
            ("plain_http = true", "plain_htp = true", "unknown field"),
        ] {
            let text = base.replace(from, to);
            let err = parse(&text).unwrap_err();
            assert!(err.message.contains(needle), "{to}: {err}");
            assert!(err.line > 0, "{err}");
        }
        let err = parse("[server]\nlisten = \"127.0.0.1:1\"\n").unwrap_err();
        assert!(err.message.contains("tls_cert"), "{err}");
        let short = base.replace(&hex::encode(token_sha256("demo-token-1")), "abc");
        assert!(parse(&short).unwrap_err().message.contains("64 hex digits"));
        for (add, needle) in [
            ("header_timeout_ms = 5\n", "give 100 to"),
            ("max_connections = 0\n", "give 1 to"),
            ("colour = 1\n", "unknown field"),
        ] {
            let text = base.replace("plain_http = true\n", &format!("plain_http = true\n{add}"));
            let err = parse(&text).unwrap_err();
            assert!(
                err.message.contains(needle) && err.line == 5,
                "{add}: {err}"
            );
        }
        let err = parse(&format!("{base}[access]\njustification_min_visible = 1\n")).unwrap_err();
        assert!(err.message.contains("give 3 to 200"), "{err}");
        let err = parse(&format!(
            "{base}[access]\nreason_codes = [\"Has Spaces\"]\n"
        ))
        .unwrap_err();
        assert!(err.message.contains("lowercase"), "{err}");
        let err = parse(&format!("{base}[metrics]\ntoken_sha256 = \"xyz\"\n")).unwrap_err();
        assert!(err.message.contains("64 hex digits"), "{err}");
    }

    #[test]
    fn limits_access_rules_and_the_metrics_token_are_read() {
        let text = good().replace(
            "plain_http = true\n",
            "plain_http = true\nheader_timeout_ms = 500\nidle_timeout_ms = 700\nbody_timeout_ms = 900\nmax_connections = 3\nh2c = true\n",
        ) + &format!(
            "[access]\njustification_min_visible = 12\nreason_codes = [\"investigation\"]\n[metrics]\ntoken_sha256 = \"{}\"\n",
            hex::encode(token_sha256("scrape"))
        );
        let c = parse(&text).unwrap();
        assert_eq!(c.limits.header_timeout, Duration::from_millis(500));
        assert_eq!(c.limits.idle_timeout, Duration::from_millis(700));
        assert_eq!(c.limits.body_timeout, Duration::from_millis(900));
        assert_eq!(c.limits.max_connections, 3);
        assert!(c.limits.h2c);
        assert_eq!(c.access.justification_min_visible, 12);
        assert_eq!(c.access.reason_codes, ["investigation"]);
        assert_eq!(c.metrics_token_sha256, Some(token_sha256("scrape")));
        // Both spellings of the highest clearance.
        for spelling in ["top_secret", "top-secret"] {
            let c = parse(&good().replace(
                "clearance = \"official\"",
                &format!("clearance = \"{spelling}\""),
            ))
            .unwrap();
            assert_eq!(c.users[0].clearance, Classification::TopSecret);
        }
    }

    #[test]
    fn line_col_never_splits_a_character() {
        assert_eq!(line_col("é\nx", 1), (1, 1));
        assert_eq!(line_col("a\nbc", 4), (2, 3));
        assert_eq!(line_col("", 9), (1, 1));
    }
}
