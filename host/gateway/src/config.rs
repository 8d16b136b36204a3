//! The gateway's configuration file (`interop serve --config FILE`), TOML.
//!
//! ```toml
//! [server]
//! listen = "0.0.0.0:8443"
//! tls_cert = "/etc/interop/gateway.crt"     # PEM chain
//! tls_key = "/etc/interop/gateway.key"      # PEM private key
//! # plain_http = true                       # only with a loopback `listen`
//! gateway_id = "force-gw-1"                 # names this gateway in audit records
//!
//! [audit]
//! dir = "/var/lib/interop/audit"
//!
//! [trust]                                   # whose signatures this force accepts
//! keys = ["/etc/interop/trust/kestrel-release.pub"]   # `interop keys generate` writes .pub files
//! revoked = ["3f2a9c0b7d1e4f56", "/etc/interop/trust/kestrel-2025.pub"]  # key ids or .pub files
//! # allow_unsigned = true                   # development only: loads unsigned connectors, loudly
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
//! [[users]]
//! id = "pc-1234"
//! token_sha256 = "…"                        # `interop token hash`; the token itself is never stored
//! roles = ["investigator"]
//! clearance = "official"                    # official, secret or top-secret
//! ```
//!
//! Relative paths are relative to the configuration file's directory.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use interop_sandbox::policy::{PolicyError, line_col};
use interop_sandbox::signing::KeyId;
use interop_sandbox::types::Classification;

/// Operations a role may be granted.
pub const OPERATIONS: [&str; 3] = ["search", "fetch", "submit"];

/// A checked gateway configuration.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Where it was read from.
    pub source: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// TLS certificate chain and key (PEM), unless plain HTTP on loopback was asked for.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// This gateway's name in audit records.
    pub gateway_id: String,
    /// Directory of the audit log and the gateway's signing key.
    pub audit_dir: PathBuf,
    /// Whose signatures a connector must carry.
    pub trust: Trust,
    /// Connectors loaded straight from files (development), outside the plugin store.
    pub connectors: Vec<Installed>,
    /// The plugin store the gateway runs, and how often it looks for changes.
    pub store: Option<StoreConfig>,
    /// Roles by name.
    pub roles: BTreeMap<String, Role>,
    /// Users.
    pub users: Vec<User>,
}

/// The `[trust]` section: the force's trust store. Every connector is verified against it
/// before it is compiled (see [`interop_sandbox::signing`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    /// Public key files (`.pub`) whose signatures are accepted.
    pub keys: Vec<PathBuf>,
    /// Keys whose signatures are refused even if trusted.
    pub revoked: Vec<Revoked>,
    /// Development only: load connectors that carry no signature, with a warning at start and
    /// for each one. A signature that is present but bad is refused all the same.
    pub allow_unsigned: bool,
}

/// One `revoked` entry: a key id, or a `.pub` file holding the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// A key id (16 hex digits).
    KeyId(KeyId),
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
    /// `search`, `fetch`, `submit`.
    pub operations: Vec<String>,
    /// May read the audit log.
    pub audit: bool,
}

impl Role {
    /// May this role run `operation` on `connector`?
    pub fn allows(&self, connector: &str, operation: &str) -> bool {
        self.operations.iter().any(|o| o == operation)
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
    trust: Option<Spanned<RawTrust>>,
    store: Option<Spanned<RawStore>>,
    #[serde(default)]
    connectors: Vec<Spanned<RawConnector>>,
    #[serde(default)]
    roles: BTreeMap<Spanned<String>, Spanned<RawRole>>,
    #[serde(default)]
    users: Vec<Spanned<RawUser>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    plain_http: Option<Spanned<bool>>,
    gateway_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    dir: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrust {
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    id: String,
    token_sha256: String,
    #[serde(default)]
    roles: Vec<String>,
    clearance: String,
}

/// What to say when no key is trusted and unsigned loading was not asked for.
const NO_TRUST: &str = "no trusted signing keys: the gateway loads only connectors signed by a \
    key in its trust store. Add a [trust] section with keys = [\"vendor.pub\"] (the .pub files \
    of the vendors whose connectors you run; a vendor makes one with `interop keys generate`), \
    or, for development only, allow_unsigned = true";

/// Default listen address: loopback only, so a gateway started with no thought reaches no one.
const DEFAULT_LISTEN: &str = "127.0.0.1:8443";

impl GatewayConfig {
    /// Read and check a configuration file.
    ///
    /// # Errors
    /// A [`PolicyError`]-style error with the file, line and column of the first problem.
    pub fn from_file(path: &Path) -> Result<GatewayConfig, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
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
    pub fn parse(path: &Path, text: &str) -> Result<GatewayConfig, PolicyError> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            PolicyError {
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
        });
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
            None => (DEFAULT_LISTEN.parse().expect("literal"), 0),
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
                        .map(|r| match KeyId::parse(r) {
                            Some(id) => Revoked::KeyId(id),
                            None => Revoked::File(resolve(r)),
                        })
                        .collect(),
                    allow_unsigned: t.allow_unsigned,
                }
            }
            None => return Err(at(0, NO_TRUST.into())),
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
            for op in &role.operations {
                if !OPERATIONS.contains(&op.as_str()) {
                    return Err(at(
                        offset,
                        format!(
                            "role `{}`: operation `{op}` is not one of search, fetch, submit",
                            name.get_ref()
                        ),
                    ));
                }
            }
            roles.insert(
                name.into_inner(),
                Role {
                    connectors: role.connectors,
                    operations: role.operations,
                    audit: role.audit,
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
                "top-secret" => Classification::TopSecret,
                other => {
                    return Err(at(
                        offset,
                        format!(
                            "user `{}`: clearance `{other}` is not official, secret or top-secret",
                            u.id
                        ),
                    ));
                }
            };
            for role in &u.roles {
                if !roles.contains_key(role) {
                    return Err(at(
                        offset,
                        format!(
                            "user `{}`: role `{role}` is not defined; add [roles.{role}]",
                            u.id
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
                roles: u.roles,
                clearance,
            });
        }

        Ok(GatewayConfig {
            source: path.to_owned(),
            listen,
            tls,
            gateway_id: server
                .gateway_id
                .unwrap_or_else(|| format!("interop-gateway@{listen}")),
            audit_dir: resolve(raw.audit.and_then(|a| a.dir).as_deref().unwrap_or("audit")),
            trust,
            connectors,
            store,
            roles,
            users,
        })
    }
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

    fn parse(text: &str) -> Result<GatewayConfig, PolicyError> {
        GatewayConfig::parse(Path::new("/etc/interop/gateway.toml"), text)
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
        assert!(c.roles["investigator"].allows("kestrel-rms", "search"));
        assert!(!c.roles["investigator"].allows("kestrel-rms", "submit"));
        assert!(c.roles["auditor"].audit);
        assert_eq!(
            c.trust,
            Trust {
                keys: vec![PathBuf::from("/etc/interop/trust/kestrel.pub")],
                revoked: vec![
                    Revoked::KeyId(KeyId::parse("0123456789abcdef").unwrap()),
                    Revoked::File(PathBuf::from("/etc/interop/old/kestrel-2025.pub")),
                ],
                allow_unsigned: false,
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
    }
}
