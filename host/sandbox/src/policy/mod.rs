//! Sandbox policies: what a force grants one installed connector, as a TOML file.
//!
//! A policy is deny-by-default: an empty file grants nothing (no configuration, no network, no
//! files) and leaves the host's default budgets in place. The host enforces the *effective*
//! grant, what the connector declares in `describe` intersected with what the policy grants
//! (see [`crate::review`]).
//!
//! ```toml
//! connector = "kestrel-rms"            # the describe id this policy is for
//!
//! [limits]                             # each optional; unset means the host default
//! memory_mib = 128                     # linear memory, all memories together
//! cpu_ms = 1000                        # guest CPU time per call
//! timeout_ms = 10000                   # wall-clock time per call
//! max_concurrent = 16                  # calls at once; one more is refused
//! boundary_mib = 16                    # bytes one call moves across the boundary
//!
//! [config]                             # plain values the connector may read
//! base_url = "https://rms.force.example/api/v2/"
//!
//! [secrets]                            # never inline: an environment variable or a file
//! api_key = { env = "KESTREL_API_KEY" }
//!
//! [network]
//! allow = ["config:base_url", "https://*.kestrel.example"]
//! private = ["10.20.0.0/16"]           # private addresses the allowed names may resolve to
//!
//! [[filesystem]]                       # read-only directories
//! path = "/srv/interop/reference"
//! guest = "/reference"
//!
//! [records]
//! malformed = "warn"                   # a record failing the boundary checks: "warn" passes
//!                                      # it with quality warnings, "drop" drops it
//! ```

pub mod error;
pub mod init;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::capabilities::capability::ParseCx;
use crate::capabilities::config::valid_key;
use crate::limits::Limits;
use crate::registry::{self, Sections};

pub use crate::capabilities::config::{ConfigSection, SecretRef};
pub use crate::capabilities::http::{HostGrant, NetworkSection};
pub use crate::capabilities::wasi::{FilesystemSection, Preopen};
pub use error::{PolicyError, line_col};

/// The `[limits]` table: each budget the policy sets, or `None` for the host default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PolicyLimits {
    /// `memory_mib`.
    pub memory_mib: Option<u64>,
    /// `cpu_ms`.
    pub cpu_ms: Option<u64>,
    /// `timeout_ms`.
    pub timeout_ms: Option<u64>,
    /// `max_concurrent`.
    pub max_concurrent: Option<u32>,
    /// `boundary_mib`.
    pub boundary_mib: Option<u64>,
    /// `requests_at_once`.
    pub requests_at_once: Option<u32>,
    /// `requests_per_second`.
    pub requests_per_second: Option<u32>,
}

impl PolicyLimits {
    /// The budgets calls run under: the policy's, else the host's defaults.
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            memory_bytes: self
                .memory_mib
                .map_or(d.memory_bytes, |m| (m as usize) << 20),
            cpu: self.cpu_ms.map_or(d.cpu, std::time::Duration::from_millis),
            wall_clock: self
                .timeout_ms
                .map_or(d.wall_clock, std::time::Duration::from_millis),
            boundary_bytes: self.boundary_mib.map_or(d.boundary_bytes, |m| m << 20),
            max_concurrent: self.max_concurrent.unwrap_or(d.max_concurrent),
            requests_at_once: self.requests_at_once.unwrap_or(d.requests_at_once),
            requests_per_second: self.requests_per_second.or(d.requests_per_second),
        }
    }

    /// Does the policy set no budget at all?
    pub fn is_empty(&self) -> bool {
        *self == PolicyLimits::default()
    }
}

/// A parsed, checked policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Where it was read from, for messages.
    pub source: String,
    /// The connector id it is for, if it says.
    pub connector: Option<String>,
    /// Budgets.
    pub limits: PolicyLimits,
    /// What it says for each capability: `[config]` and `[secrets]`, `[network]`,
    /// `[[filesystem]]`.
    pub sections: Sections,
    /// What happens to a record that fails the boundary checks (`[records] malformed`).
    pub malformed: crate::records::Malformed,
    /// Line of each entry (`config.K`, `secrets.K`, `network.allow.N`, `network.private.N`,
    /// `filesystem.N`, `limits.FIELD`), so findings can point at it.
    pub lines: BTreeMap<String, usize>,
}

/// Largest values each limit accepts: the host's pool is sized for them.
const MAX_MEMORY_MIB: u64 = (Limits::MAX_MEMORY_BYTES >> 20) as u64;
const MAX_CPU_MS: u64 = 10 * 60 * 1000;
const MAX_TIMEOUT_MS: u64 = 10 * 60 * 1000;
/// The instance pool holds 1,000 instances for every connector together.
const MAX_CONCURRENT: u32 = 1_000;
const MAX_BOUNDARY_MIB: u64 = 1024;
/// More requests at once than this from one call is a flood, whatever the connector.
const MAX_REQUESTS_AT_ONCE: u32 = 64;
/// The rate toward one vendor a policy may allow; past it, set none and rely on the vendor.
const MAX_REQUESTS_PER_SECOND: u32 = 10_000;

/// The tables the sandbox itself reads; each capability reads its own (see `crate::registry`).
#[derive(Deserialize)]
struct RawCore {
    connector: Option<Spanned<String>>,
    limits: Option<RawLimits>,
    records: Option<RawRecords>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecords {
    malformed: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    memory_mib: Option<Spanned<i64>>,
    cpu_ms: Option<Spanned<i64>>,
    timeout_ms: Option<Spanned<i64>>,
    max_concurrent: Option<Spanned<i64>>,
    boundary_mib: Option<Spanned<i64>>,
    requests_at_once: Option<Spanned<i64>>,
    requests_per_second: Option<Spanned<i64>>,
}

impl Policy {
    /// Read and check a policy file.
    ///
    /// # Errors
    /// A [`PolicyError`] with the file, line and column of the first problem.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy, PolicyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read the policy file: {e}"),
        })?;
        Policy::parse(&path.display().to_string(), &text)
    }

    /// Parse and check policy text; `source` names it in errors.
    ///
    /// # Errors
    /// A [`PolicyError`] with the line and column of the first problem.
    pub fn parse(source: &str, text: &str) -> Result<Policy, PolicyError> {
        let at = |offset: usize, message: String| PolicyError::at(source, text, offset, message);
        let toml_error = |e: toml::de::Error| {
            let offset = e.span().map_or(0, |s| s.start);
            let message = e
                .message()
                .trim()
                .replace("expected i64", "expected a whole number");
            at(offset, message)
        };
        // A table no one reads is a mistake (a misspelt `[netwrok]` would grant nothing).
        let document = toml::de::DeTable::parse(text).map_err(toml_error)?;
        let known: Vec<&str> = ["connector", "limits", "records"]
            .into_iter()
            .chain(registry::tables())
            .collect();
        for key in document.get_ref().keys() {
            if !known.contains(&key.get_ref().as_ref()) {
                return Err(at(
                    key.span().start,
                    format!(
                        "unknown field `{}`, expected one of {}",
                        key.get_ref(),
                        known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        let raw: RawCore = toml::from_str(text).map_err(toml_error)?;
        let mut policy = Policy {
            source: source.to_string(),
            ..Policy::default()
        };
        let mut line = |key: String, offset: usize| {
            policy.lines.insert(key, line_col(text, offset).0);
        };

        if let Some(id) = raw.connector {
            if !valid_key(id.get_ref()) {
                return Err(at(
                    id.span().start,
                    format!(
                        "connector id {:?} is not an id: use the id `interop inspect` shows, e.g. \"kestrel-rms\"",
                        id.get_ref()
                    ),
                ));
            }
            policy.connector = Some(id.into_inner());
        }

        if let Some(limits) = raw.limits {
            let check = |field: &str, value: &Option<Spanned<i64>>, max: u64, unit: &str| {
                value
                    .as_ref()
                    .map(|v| {
                        let n = *v.get_ref();
                        if n < 1 || n as u64 > max {
                            Err(at(
                                v.span().start,
                                format!("{field} = {n} is out of range: give 1 to {max} ({unit})"),
                            ))
                        } else {
                            Ok((n as u64, v.span().start))
                        }
                    })
                    .transpose()
            };
            let memory = check("memory_mib", &limits.memory_mib, MAX_MEMORY_MIB, "MiB")?;
            let cpu = check("cpu_ms", &limits.cpu_ms, MAX_CPU_MS, "milliseconds")?;
            let timeout = check(
                "timeout_ms",
                &limits.timeout_ms,
                MAX_TIMEOUT_MS,
                "milliseconds",
            )?;
            let concurrent = check(
                "max_concurrent",
                &limits.max_concurrent,
                u64::from(MAX_CONCURRENT),
                "calls",
            )?;
            let boundary = check(
                "boundary_mib",
                &limits.boundary_mib,
                MAX_BOUNDARY_MIB,
                "MiB",
            )?;
            let at_once = check(
                "requests_at_once",
                &limits.requests_at_once,
                u64::from(MAX_REQUESTS_AT_ONCE),
                "requests",
            )?;
            let per_second = check(
                "requests_per_second",
                &limits.requests_per_second,
                u64::from(MAX_REQUESTS_PER_SECOND),
                "requests a second",
            )?;
            for (name, v) in [
                ("memory_mib", memory),
                ("cpu_ms", cpu),
                ("timeout_ms", timeout),
                ("max_concurrent", concurrent),
                ("boundary_mib", boundary),
                ("requests_at_once", at_once),
                ("requests_per_second", per_second),
            ] {
                if let Some((_, offset)) = v {
                    line(format!("limits.{name}"), offset);
                }
            }
            policy.limits = PolicyLimits {
                memory_mib: memory.map(|v| v.0),
                cpu_ms: cpu.map(|v| v.0),
                timeout_ms: timeout.map(|v| v.0),
                max_concurrent: concurrent.map(|v| v.0 as u32),
                boundary_mib: boundary.map(|v| v.0),
                requests_at_once: at_once.map(|v| v.0 as u32),
                requests_per_second: per_second.map(|v| v.0 as u32),
            };
        }

        if let Some(malformed) = raw.records.and_then(|r| r.malformed) {
            policy.malformed = match malformed.get_ref().as_str() {
                "warn" => crate::records::Malformed::Warn,
                "drop" => crate::records::Malformed::Drop,
                other => {
                    return Err(at(
                        malformed.span().start,
                        format!(
                            "malformed = {:?} is not a rule: give \"warn\" (pass such records with quality warnings) or \"drop\"",
                            crate::text::neutralise(other, 40)
                        ),
                    ));
                }
            };
            policy.lines.insert(
                "records.malformed".into(),
                line_col(text, malformed.span().start).0,
            );
        }

        let mut cx = ParseCx {
            source,
            text,
            lines: &mut policy.lines,
            config: BTreeMap::new(),
        };
        policy.sections = Sections::parse(&mut cx).map_err(|mut e| {
            e.message = e.message.replace("expected i64", "expected a whole number");
            e
        })?;
        Ok(policy)
    }
}

/// A connector description and import lists for the policy module's tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::inspect::{Item, Shape};
    use crate::types::{Classification, ConfigKey, ConfigKind, ConnectorInfo};

    /// `acme-rms`: endpoint `base_url` and secret `api_key` required, texts `force`, `region`.
    pub(crate) fn info() -> ConnectorInfo {
        let key = |name: &str, kind, required| ConfigKey {
            name: name.into(),
            description: format!("the {name}"),
            kind,
            required,
            example: None,
        };
        ConnectorInfo {
            id: "acme-rms".into(),
            name: "Acme".into(),
            vendor: "Acme \"Systems\"".into(),
            version: "1.0.0".into(),
            contract_version: "0.1.0".into(),
            description: String::new(),
            entity_kinds: vec![],
            operations: vec![],
            config: vec![
                key("base_url", ConfigKind::Endpoint, true),
                key("api_key", ConfigKind::Secret, true),
                key("force", ConfigKind::Text, false),
                key("region", ConfigKind::Text, false),
            ],
            max_classification: Classification::Official,
        }
    }

    /// Imports of a connector: config, optionally HTTP, plus `extra` interface names.
    pub(crate) fn shape_with(http: bool, extra: &[&str]) -> Shape {
        let mut names = vec!["interop:connector/config@0.1.0"];
        if http {
            names.push("wasi:http/outgoing-handler@0.2.12");
        }
        names.extend_from_slice(extra);
        Shape {
            imports: names
                .into_iter()
                .map(|n| Item {
                    name: n.into(),
                    kind: "interface",
                    functions: vec![],
                })
                .collect(),
            exports: vec![],
        }
    }

    pub(crate) fn shape(http: bool) -> Shape {
        shape_with(http, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse("test.toml", text)
    }

    #[test]
    fn an_empty_policy_grants_nothing() {
        let p = parse("").unwrap();
        let s = &p.sections;
        assert!(s.config.values.is_empty() && s.config.secrets.is_empty());
        assert!(s.http.allow.is_empty() && s.http.private.is_empty());
        assert!(s.wasi.preopens.is_empty());
        assert!(p.limits.is_empty());
        assert_eq!(p.limits.limits(), Limits::default());
    }

    #[test]
    fn a_full_policy_parses() {
        let p = parse(
            r#"
connector = "kestrel-rms"
[limits]
memory_mib = 64
cpu_ms = 500
timeout_ms = 5000
max_concurrent = 4
boundary_mib = 8
[config]
base_url = "http://127.0.0.1:4100"
force = "Demo"
[secrets]
api_key = { env = "KESTREL_KEY" }
token = { file = "/run/secrets/token" }
[network]
allow = ["config:base_url", "https://*.vendor.example", "http://10.0.0.5:8080"]
private = ["192.168.0.0/16"]
[[filesystem]]
path = "/srv/ref"
guest = "/ref"
"#,
        )
        .unwrap();
        assert_eq!(p.connector.as_deref(), Some("kestrel-rms"));
        let l = p.limits.limits();
        assert_eq!(l.memory_bytes, 64 << 20);
        assert_eq!(l.cpu, std::time::Duration::from_millis(500));
        assert_eq!(l.max_concurrent, 4);
        assert_eq!(l.boundary_bytes, 8 << 20);
        let s = &p.sections;
        assert_eq!(
            s.config.secrets["api_key"],
            SecretRef::Env("KESTREL_KEY".into())
        );
        assert_eq!(s.http.allow[0], HostGrant::ConfigKey("base_url".into()));
        assert_eq!(s.http.allow.len(), 3);
        let nets: Vec<String> = s
            .http
            .private_exceptions()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["192.168.0.0/16", "10.0.0.5/32"]);
        assert_eq!(p.lines["config.force"], 11);
        assert_eq!(p.lines["network.allow.1"], 16);
    }

    /// Every bad policy names the line and says what to write instead.
    #[test]
    fn bad_policies_name_line_and_fix() {
        for (text, line, needle) in [
            (
                "[limits]\nmemroy_mib = 5\n",
                2,
                "unknown field `memroy_mib`",
            ),
            ("[limits]\nmemory_mib = 0\n", 2, "out of range"),
            ("[limits]\ncpu_ms = \"fast\"\n", 2, "whole number"),
            ("[config]\nport = 8080\n", 2, "string"),
            (
                "[secrets]\napi_key = \"hunter2\"\n",
                2,
                "never written in a policy",
            ),
            (
                "[secrets]\napi_key = { env = \"A\", file = \"/b\" }\n",
                2,
                "exactly one",
            ),
            ("[secrets]\nk = { file = \"rel/path\" }\n", 2, "absolute"),
            (
                "[config]\nk = \"v\"\n[secrets]\nk = { env = \"K\" }\n",
                4,
                "both",
            ),
            (
                "[network]\nallow = [\"config:base_url\"]\n",
                2,
                "does not set `base_url`",
            ),
            (
                "[config]\nbase_url = \"not a url\"\n[network]\nallow = [\"config:base_url\"]\n",
                4,
                "not a URL",
            ),
            ("[network]\nallow = [\"*\"]\n", 2, "every host"),
            ("[network]\nallow = [\"ftp://x\"]\n", 2, "scheme"),
            ("[network]\nprivate = [\"10.0.0.1/8\"]\n", 2, "host bits"),
            ("[network]\nprivate = [\"localhost\"]\n", 2, "not an IP"),
            ("[network]\nprivate = [\"0.0.0.0/0\"]\n", 2, "every address"),
            (
                "[[filesystem]]\npath = \"data\"\nguest = \"/d\"\n",
                1,
                "absolute",
            ),
            (
                "[[filesystem]]\npath = \"/d\"\nguest = \"/../etc\"\n",
                1,
                "without `..`",
            ),
            ("connector = \"Not An Id\"\n", 1, "not an id"),
            ("[network\n", 1, ""),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
            assert!(
                err.to_string().starts_with(&format!("test.toml:{line}:")),
                "{err}"
            );
        }
    }

    #[test]
    fn secrets_resolve_from_env_and_file() {
        let dir = std::env::temp_dir().join(format!("interop-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "s3cret\n").unwrap();
        assert_eq!(SecretRef::File(file.clone()).resolve().unwrap(), "s3cret");
        let missing = SecretRef::Env("INTEROP_TEST_SURELY_UNSET_VARIABLE".into());
        assert!(
            missing
                .resolve()
                .unwrap_err()
                .0
                .contains("INTEROP_TEST_SURELY_UNSET_VARIABLE")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
