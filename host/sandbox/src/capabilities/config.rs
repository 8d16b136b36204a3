//! `interop:connector/config`: the configuration values the force granted, nothing else.
//!
//! Its policy slice is `[config]` (plain values) and `[secrets]` (references to where a secret
//! is read from, never the value). A key reaches the connector only if `describe` declares it
//! *and* the policy sets it; a key the connector declares `secret` is only taken from
//! `[secrets]`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use wasmtime::component::{HasData, Linker};

use super::capability::{Capability, Interface, ParseCx, ReviewCx};
use crate::contract::since_v0_1::bindings as v0_1;
use crate::contract::since_v0_2::bindings as v0_2;
use crate::findings::Severity;
use crate::limits::BoundaryMeter;
use crate::policy::error::PolicyError;
use crate::types::ConfigKind;

/// The configuration capability.
pub(crate) struct Config;

/// Where a secret value comes from. Secret values are never written in a policy file, so a
/// policy can be reviewed, diffed and stored without exposing a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretRef {
    /// The gateway's environment variable of this name.
    Env(String),
    /// The contents of this file, without a trailing newline.
    File(PathBuf),
}

/// A secret that cannot be read where its policy says: which, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnreadableSecret(pub String);

impl SecretRef {
    /// Read the secret value.
    ///
    /// # Errors
    /// [`UnreadableSecret`] when the variable is unset or the file cannot be read, saying which.
    pub fn resolve(&self) -> Result<String, UnreadableSecret> {
        match self {
            SecretRef::Env(var) => std::env::var(var)
                .map_err(|_| UnreadableSecret(format!("environment variable `{var}` is not set"))),
            SecretRef::File(path) => std::fs::read_to_string(path)
                .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
                .map_err(|e| {
                    UnreadableSecret(format!("cannot read secret file {}: {e}", path.display()))
                }),
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(v) => write!(f, "env {v}"),
            SecretRef::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

/// `[config]` and `[secrets]` of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSection {
    /// Plain configuration values.
    pub values: BTreeMap<String, String>,
    /// Secret configuration values, by reference.
    pub secrets: BTreeMap<String, SecretRef>,
}

/// A configuration value in the effective grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigValue {
    /// Written in the policy.
    Plain(String),
    /// Read from the environment or a file when the connector is loaded.
    Secret(SecretRef),
}

/// The configuration the connector can read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfigGrant {
    /// Each key it may read, with where its value comes from.
    pub config: BTreeMap<String, ConfigValue>,
}

impl ConfigGrant {
    /// The values, with secrets read from where the policy says.
    ///
    /// # Errors
    /// [`UnreadableSecret`] when a secret cannot be read (unset variable, missing file),
    /// naming it.
    pub fn resolve(&self) -> Result<BTreeMap<String, String>, UnreadableSecret> {
        let mut config = BTreeMap::new();
        for (key, value) in &self.config {
            let value = match value {
                ConfigValue::Plain(v) => v.clone(),
                ConfigValue::Secret(s) => s
                    .resolve()
                    .map_err(|e| UnreadableSecret(format!("secret `{key}`: {e}")))?,
            };
            config.insert(key.clone(), value);
        }
        Ok(config)
    }
}

/// A name a connector may declare for a configuration key: 1–64 lower-case letters, digits
/// and `_`, starting with a letter. Strict, because a force writes these names into policy
/// files and environment-variable names; a connector declaring any other is refused at load.
pub fn declarable_key(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Configuration keys and connector ids as a policy may write them.
pub(crate) fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

#[derive(Deserialize)]
struct Tables {
    #[serde(default)]
    config: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    secrets: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

impl Capability for Config {
    const NAME: &'static str = "config";
    const SERVES: &'static [Interface] = &[Interface {
        name: "interop:connector/config",
        versions: &["0.1", "0.2"],
    }];
    const TABLES: &'static [&'static str] = &["config", "secrets"];
    type Section = ConfigSection;
    type Grant = ConfigGrant;

    fn parse(cx: &mut ParseCx<'_>) -> Result<ConfigSection, PolicyError> {
        let tables: Tables = cx.tables()?;
        let mut section = ConfigSection::default();
        for (key, value) in tables.config {
            if !valid_key(key.get_ref()) {
                return Err(cx.error(
                    key.span().start,
                    format!(
                        "config key {:?}: keys are 1–64 letters, digits, `_`, `-` or `.`",
                        key.get_ref()
                    ),
                ));
            }
            cx.line(format!("config.{}", key.get_ref()), key.span().start);
            section.values.insert(key.into_inner(), value.into_inner());
        }
        for (key, value) in tables.secrets {
            let offset = value.span().start;
            if section.values.contains_key(key.get_ref()) {
                return Err(cx.error(
                    key.span().start,
                    format!(
                        "`{}` is in both [config] and [secrets]: a key is one or the other",
                        key.get_ref()
                    ),
                ));
            }
            let secret = secret_ref(value.get_ref())
                .map_err(|m| cx.error(offset, format!("secret `{}`: {m}", key.get_ref())))?;
            cx.line(format!("secrets.{}", key.get_ref()), key.span().start);
            section.secrets.insert(key.into_inner(), secret);
        }
        cx.config = section.values.clone();
        Ok(section)
    }

    fn review(section: &ConfigSection, cx: &mut ReviewCx<'_>) -> ConfigGrant {
        let declared = cx.declared;
        let declared_key = |k: &str| declared.config.iter().find(|c| c.name == k);
        let mut config = BTreeMap::new();
        for (key, value) in &section.values {
            let at = cx.line(&format!("config.{key}"));
            match declared_key(key) {
                None => cx.findings.add(
                    Severity::Low,
                    "undeclared-config",
                    format!(
                        "[config] `{key}` is not a key the connector declares; it is not passed on"
                    ),
                    at,
                ),
                Some(k) if k.kind == ConfigKind::Secret => cx.findings.add(
                    Severity::High,
                    "inline-secret",
                    format!(
                        "`{key}` is declared secret but written in [config]; move it to [secrets] as {{ env = \"…\" }} or {{ file = \"…\" }} (it is not passed on)"
                    ),
                    at,
                ),
                Some(_) => {
                    config.insert(key.clone(), ConfigValue::Plain(value.clone()));
                }
            }
        }
        for (key, secret) in &section.secrets {
            let at = cx.line(&format!("secrets.{key}"));
            match declared_key(key) {
                None => cx.findings.add(
                    Severity::Low,
                    "undeclared-config",
                    format!(
                        "[secrets] `{key}` is not a key the connector declares; it is not passed on"
                    ),
                    at,
                ),
                Some(k) => {
                    if k.kind == ConfigKind::Secret {
                        cx.findings.add(
                            Severity::Low,
                            "secret-granted",
                            format!("secret `{key}` is handed to the connector (from {secret})"),
                            at,
                        );
                    } else {
                        cx.findings.add(
                            Severity::Medium,
                            "secret-for-plain-key",
                            format!(
                                "`{key}` comes from a secret, but the connector declares it as plain text: it may log or show it"
                            ),
                            at,
                        );
                    }
                    config.insert(key.clone(), ConfigValue::Secret(secret.clone()));
                }
            }
        }
        for key in declared.config.iter().filter(|k| k.required) {
            if !config.contains_key(&key.name) {
                let section = if key.kind == ConfigKind::Secret {
                    "[secrets]"
                } else {
                    "[config]"
                };
                cx.findings.add(
                    Severity::Medium,
                    "required-config-missing",
                    format!(
                        "the connector requires `{}` ({}); add it under {section} or its calls will fail",
                        key.name, key.description
                    ),
                    None,
                );
            }
        }
        ConfigGrant { config }
    }

    fn grants(_import: &str, grant: &ConfigGrant) -> String {
        let keys: Vec<String> = grant
            .config
            .iter()
            .map(|(k, v)| match v {
                ConfigValue::Plain(_) => k.clone(),
                ConfigValue::Secret(_) => format!("{k} (secret)"),
            })
            .collect();
        if keys.is_empty() {
            "nothing: no keys granted".into()
        } else {
            format!("keys {}", keys.join(", "))
        }
    }
}

fn secret_ref(value: &toml::Value) -> Result<SecretRef, String> {
    const HOW: &str = "write `{ env = \"VARIABLE\" }` or `{ file = \"/path/to/secret\" }`";
    match value {
        toml::Value::String(_) => Err(format!(
            "secret values are never written in a policy; {HOW}"
        )),
        toml::Value::Table(t) => {
            let keys: Vec<&str> = t.keys().map(String::as_str).collect();
            match (keys.as_slice(), t.get("env"), t.get("file")) {
                (["env"], Some(toml::Value::String(v)), _) if !v.is_empty() => {
                    Ok(SecretRef::Env(v.clone()))
                }
                (["file"], _, Some(toml::Value::String(p))) => {
                    let path = PathBuf::from(p);
                    if path.is_absolute() {
                        Ok(SecretRef::File(path))
                    } else {
                        Err(format!("secret file {p:?} must be an absolute path"))
                    }
                }
                _ => Err(format!(
                    "give exactly one of `env` or `file`, as a string; {HOW}"
                )),
            }
        }
        _ => Err(HOW.to_string()),
    }
}

/// Shortest secret value redacted: a shorter one would turn ordinary words in log lines into
/// `[secret]`, and is no secret worth the name.
const MIN_REDACTED_SECRET: usize = 4;

/// The secret values a connector was handed, to take out of whatever it says to a person: its
/// log lines, its error messages, its last words before a trap.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// (key, value), longest value first, so a value containing another is replaced whole.
    secrets: Vec<(String, String)>,
}

impl Redactor {
    /// The values of the keys `declared` says are secret, as `config` holds them.
    pub(crate) fn of(
        declared: &[crate::types::ConfigKey],
        config: &BTreeMap<String, String>,
    ) -> Redactor {
        let mut secrets: Vec<(String, String)> = declared
            .iter()
            .filter(|k| k.kind == ConfigKind::Secret)
            .filter_map(|k| config.get(&k.name).map(|v| (k.name.clone(), v.clone())))
            .filter(|(_, v)| v.len() >= MIN_REDACTED_SECRET)
            .collect();
        secrets.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
        Redactor { secrets }
    }

    /// `text` with every secret value replaced by `[secret KEY]`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (key, value) in &self.secrets {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), &format!("[secret {key}]"));
            }
        }
        out
    }

    /// A connector error with its message redacted.
    pub(crate) fn redact_error(
        &self,
        error: crate::types::ConnectorError,
    ) -> crate::types::ConnectorError {
        use crate::types::ConnectorError as E;
        if self.secrets.is_empty() {
            return error;
        }
        match error {
            E::InvalidInput(m) => E::InvalidInput(self.redact(&m)),
            E::NotFound(m) => E::NotFound(self.redact(&m)),
            E::Unauthorized(m) => E::Unauthorized(self.redact(&m)),
            E::Unavailable(m) => E::Unavailable(self.redact(&m)),
            E::Internal(m) => E::Internal(self.redact(&m)),
        }
    }
}

/// Per-call view of the granted configuration.
pub(crate) struct ConfigState {
    values: Arc<BTreeMap<String, String>>,
    boundary: BoundaryMeter,
}

impl ConfigState {
    pub(crate) fn new(values: Arc<BTreeMap<String, String>>, boundary: BoundaryMeter) -> Self {
        ConfigState { values, boundary }
    }

    /// The granted value of `key`, if any; the key and the value are charged to the boundary.
    fn read(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        let value = self.values.get(&key).cloned();
        let bytes = key.len() + value.as_ref().map_or(0, String::len);
        if !self.boundary.charge(bytes as u64) {
            return Err(wasmtime::Error::msg(
                "config read over the call's boundary byte cap",
            ));
        }
        Ok(value)
    }
}

struct HasConfig;
impl HasData for HasConfig {
    type Data<'a> = &'a mut ConfigState;
}

/// Serve every contract version's `config` interface from the state `get` finds.
pub(crate) fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut ConfigState,
) -> wasmtime::Result<()> {
    v0_1::config::add_to_linker::<T, HasConfig>(linker, get)?;
    v0_2::config::add_to_linker::<T, HasConfig>(linker, get)
}

/// Serve one contract version's `config` interface from [`ConfigState::read`].
macro_rules! serve_config {
    ($($version:ident),*) => {$(
        impl $version::config::Host for &mut ConfigState {
            async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
                self.read(key)
            }
        }
    )*};
}

serve_config!(v0_1, v0_2);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ConfigKey;

    #[test]
    fn secret_values_are_taken_out_of_what_a_connector_says() {
        let key = |name: &str, kind| ConfigKey {
            name: name.into(),
            description: String::new(),
            kind,
            required: true,
            example: None,
        };
        let declared = [
            key("api_key", ConfigKind::Secret),
            key("short", ConfigKind::Secret),
            key("base_url", ConfigKind::Endpoint),
        ];
        let config: BTreeMap<String, String> = [
            ("api_key".to_string(), "s3cr3t-kestrel-key".to_string()),
            ("short".to_string(), "abc".to_string()),
            ("base_url".to_string(), "https://rms.example".to_string()),
        ]
        .into();
        let r = Redactor::of(&declared, &config);
        assert_eq!(
            r.redact("calling https://rms.example with s3cr3t-kestrel-key, abc"),
            "calling https://rms.example with [secret api_key], abc"
        );
        let e = r.redact_error(crate::types::ConnectorError::Unauthorized(
            "key s3cr3t-kestrel-key refused".into(),
        ));
        assert_eq!(
            e,
            crate::types::ConnectorError::Unauthorized("key [secret api_key] refused".into())
        );
    }
}
