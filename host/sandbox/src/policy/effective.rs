//! The effective grant, what a connector declares intersected with what its policy grants, and
//! the findings a security team reviews.
//!
//! - Configuration: a key reaches the connector only if `describe` declares it *and* the policy
//!   sets it. A key the connector declares `secret` is only taken from `[secrets]`.
//! - Network: an origin is reachable only if the component imports `wasi:http` *and* the policy
//!   allows it; `config:K` only for a key declared as an `endpoint`.
//! - Files: a directory only if the component imports `wasi:filesystem` *and* the policy
//!   preopens it, read-only.
//! - Everything else a language runtime imports (sockets, environment, …) is linked but grants
//!   nothing.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use super::{HostGrant, Policy, Preopen, SecretRef};
use crate::capabilities::http::{AllowList, HostPattern, IpNet, PrivateExceptions};
use crate::inspect::Shape;
use crate::limits::Limits;
use crate::plugin::Grant;
use crate::types::{ConfigKind, ConnectorInfo};

/// How much a finding matters. A `high` finding makes `interop policy review` exit non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to change.
    Info,
    /// Check it is intended.
    Low,
    /// Widens what the connector can do or reach: needs a reason.
    Medium,
    /// Unsafe or broken: fix before installing.
    High,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        })
    }
}

/// One thing a reviewer should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// A stable code, e.g. `wildcard-host`, for tools to filter on.
    pub code: &'static str,
    /// What it is and what to do.
    pub message: String,
    /// The policy line it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
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

/// What the host enforces for one connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effective {
    /// Budgets of every call.
    pub limits: EffectiveLimits,
    /// Configuration the connector can read.
    pub config: BTreeMap<String, ConfigValue>,
    /// Origins the connector can call.
    pub allow: Vec<String>,
    /// Private addresses those origins may resolve to.
    pub private: Vec<String>,
    /// Read-only directories.
    pub filesystem: Vec<Preopen>,
    #[serde(skip)]
    limits_exact: Limits,
    #[serde(skip)]
    patterns: Vec<HostPattern>,
    #[serde(skip)]
    nets: Vec<IpNet>,
}

/// [`Limits`] in the units a policy uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EffectiveLimits {
    /// Memory cap, MiB.
    pub memory_mib: u64,
    /// CPU budget per call, ms.
    pub cpu_ms: u64,
    /// Wall-clock timeout per call, ms.
    pub timeout_ms: u64,
    /// Calls at once.
    pub max_concurrent: u32,
    /// Boundary bytes per call, MiB.
    pub boundary_mib: u64,
}

impl From<Limits> for EffectiveLimits {
    fn from(l: Limits) -> Self {
        EffectiveLimits {
            memory_mib: (l.memory_bytes >> 20) as u64,
            cpu_ms: l.cpu.as_millis() as u64,
            timeout_ms: l.wall_clock.as_millis() as u64,
            max_concurrent: l.max_concurrent,
            boundary_mib: l.boundary_bytes >> 20,
        }
    }
}

impl Effective {
    /// The budgets, exactly.
    pub fn limits(&self) -> Limits {
        self.limits_exact
    }

    /// The private-address exceptions.
    pub fn private_nets(&self) -> &[IpNet] {
        &self.nets
    }

    /// The grant the host enforces, with secrets read from where the policy says.
    ///
    /// # Errors
    /// When a secret cannot be read (unset variable, missing file), naming it.
    pub fn grant(&self) -> Result<Grant, String> {
        let mut config = BTreeMap::new();
        for (key, value) in &self.config {
            let value = match value {
                ConfigValue::Plain(v) => v.clone(),
                ConfigValue::Secret(s) => {
                    s.resolve().map_err(|e| format!("secret `{key}`: {e}"))?
                }
            };
            config.insert(key.clone(), value);
        }
        Ok(Grant {
            limits: self.limits_exact,
            config,
            allow: AllowList::new(self.patterns.clone()),
            private: PrivateExceptions::new(self.nets.clone()),
            filesystem: self.filesystem.clone(),
        })
    }
}

/// One import of the component and what it is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportUse {
    /// Interface name with version.
    pub name: String,
    /// Its functions.
    pub functions: Vec<String>,
    /// Does this host link it?
    pub provided: bool,
    /// What the connector can do through it under this policy.
    pub grants: String,
}

/// Everything `interop policy review` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The component file.
    pub component: String,
    /// The policy file, if one was given.
    pub policy: Option<String>,
    /// The connector's `describe` answer: what it declares.
    pub declared: ConnectorInfo,
    /// Its imports and what each grants.
    pub imports: Vec<ImportUse>,
    /// What the host enforces.
    pub effective: Effective,
    /// What a reviewer should look at, most severe first.
    pub findings: Vec<Finding>,
}

impl Review {
    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Interfaces this host links: version-less names, the versions it speaks, and what each grants
/// whatever the policy says.
const PROVIDED: &[(&str, &str)] = &[
    ("interop:connector/types", "0.1"),
    ("interop:connector/log", "0.1"),
    ("interop:connector/config", "0.1"),
    ("wasi:http/types", "0.2"),
    ("wasi:http/outgoing-handler", "0.2"),
    ("wasi:io/error", "0.2"),
    ("wasi:io/poll", "0.2"),
    ("wasi:io/streams", "0.2"),
    ("wasi:clocks/monotonic-clock", "0.2"),
    ("wasi:clocks/wall-clock", "0.2"),
    ("wasi:random/random", "0.2"),
    ("wasi:random/insecure", "0.2"),
    ("wasi:random/insecure-seed", "0.2"),
    ("wasi:cli/environment", "0.2"),
    ("wasi:cli/exit", "0.2"),
    ("wasi:cli/stdin", "0.2"),
    ("wasi:cli/stdout", "0.2"),
    ("wasi:cli/stderr", "0.2"),
    ("wasi:cli/terminal-input", "0.2"),
    ("wasi:cli/terminal-output", "0.2"),
    ("wasi:cli/terminal-stdin", "0.2"),
    ("wasi:cli/terminal-stdout", "0.2"),
    ("wasi:cli/terminal-stderr", "0.2"),
    ("wasi:filesystem/types", "0.2"),
    ("wasi:filesystem/preopens", "0.2"),
    ("wasi:sockets/network", "0.2"),
    ("wasi:sockets/instance-network", "0.2"),
    ("wasi:sockets/tcp", "0.2"),
    ("wasi:sockets/tcp-create-socket", "0.2"),
    ("wasi:sockets/udp", "0.2"),
    ("wasi:sockets/udp-create-socket", "0.2"),
    ("wasi:sockets/ip-name-lookup", "0.2"),
];

fn provided(name: &str) -> bool {
    let (base, version) = name.split_once('@').unwrap_or((name, ""));
    PROVIDED
        .iter()
        .any(|(n, v)| *n == base && (version == *v || version.starts_with(&format!("{v}."))))
}

/// Is this address outside the public internet (loopback, private, link-local, …)?
pub(crate) fn not_public(ip: IpAddr) -> bool {
    crate::capabilities::http::classify(ip).is_some()
}

/// Compute the effective grant and the findings.
///
/// `link_error` is what the linker said if the component cannot be linked.
pub fn review(
    component: &str,
    policy: &Policy,
    declared: &ConnectorInfo,
    shape: &Shape,
    link_error: Option<String>,
) -> Review {
    let mut findings = Vec::new();
    let mut find = |severity, code, message: String, line: Option<usize>| {
        findings.push(Finding {
            severity,
            code,
            message,
            line,
        });
    };
    let line = |key: &str| policy.lines.get(key).copied();
    let imports_named = |prefix: &str| shape.imports.iter().any(|i| i.name.starts_with(prefix));
    let http = imports_named("wasi:http/outgoing-handler");
    let files = imports_named("wasi:filesystem/preopens");
    let declared_key = |k: &str| declared.config.iter().find(|c| c.name == k);

    if let Some(id) = &policy.connector
        && *id != declared.id
    {
        find(
            Severity::High,
            "wrong-connector",
            format!(
                "the policy is for `{id}` but the component says it is `{}`",
                declared.id
            ),
            Some(1),
        );
    }

    // Configuration: declared ∩ granted.
    let mut config = BTreeMap::new();
    for (key, value) in &policy.config {
        let at = line(&format!("config.{key}"));
        match declared_key(key) {
            None => find(
                Severity::Low,
                "undeclared-config",
                format!(
                    "[config] `{key}` is not a key the connector declares; it is not passed on"
                ),
                at,
            ),
            Some(k) if k.kind == ConfigKind::Secret => find(
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
    for (key, secret) in &policy.secrets {
        let at = line(&format!("secrets.{key}"));
        match declared_key(key) {
            None => find(
                Severity::Low,
                "undeclared-config",
                format!(
                    "[secrets] `{key}` is not a key the connector declares; it is not passed on"
                ),
                at,
            ),
            Some(k) => {
                if k.kind == ConfigKind::Secret {
                    find(
                        Severity::Low,
                        "secret-granted",
                        format!("secret `{key}` is handed to the connector (from {secret})"),
                        at,
                    );
                } else {
                    find(
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
            find(
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

    // Network: imports ∩ allow-list; config:K only for declared endpoints.
    let exceptions = policy.private_exceptions();
    let mut patterns = Vec::new();
    for (i, grant) in policy.allow.iter().enumerate() {
        let at = line(&format!("network.allow.{i}"));
        if !http {
            find(
                Severity::Info,
                "network-unused",
                format!(
                    "`{grant}` is allowed, but the component does not import wasi:http: it cannot make requests"
                ),
                at,
            );
            continue;
        }
        let pattern = match grant {
            HostGrant::Origin(p) => p.clone(),
            HostGrant::ConfigKey(key) => {
                match declared_key(key) {
                    Some(k) if k.kind == ConfigKind::Endpoint => {}
                    _ => {
                        find(
                            Severity::Medium,
                            "not-an-endpoint",
                            format!(
                                "`config:{key}`: the connector does not declare `{key}` as an endpoint, so it grants nothing"
                            ),
                            at,
                        );
                        continue;
                    }
                }
                let Ok(p) = HostPattern::from_url(&policy.config[key]) else {
                    continue;
                };
                if let Ok(ip) = p.host().parse::<IpAddr>()
                    && not_public(ip)
                    && !exceptions.iter().any(|n| n.contains(ip))
                {
                    find(
                        Severity::Medium,
                        "endpoint-refused",
                        format!(
                            "`{key}` points at private address {ip}, which [network].private does not name: every call to it will be refused"
                        ),
                        at,
                    );
                }
                p
            }
        };
        if pattern.host().starts_with("*.") {
            find(
                Severity::Medium,
                "wildcard-host",
                format!("`{pattern}` allows every subdomain; name the hosts if you can"),
                at,
            );
        }
        if pattern.scheme().is_none() {
            find(
                Severity::Low,
                "any-scheme",
                format!("`{pattern}` allows plain http as well as https; write `https://`"),
                at,
            );
        } else if pattern.scheme() == Some("http")
            && !pattern
                .host()
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
        {
            find(
                Severity::Low,
                "plain-http",
                format!(
                    "`{pattern}` is plain http: credentials and police data cross the network unencrypted"
                ),
                at,
            );
        }
        if !patterns.contains(&pattern) {
            patterns.push(pattern);
        }
    }
    let nets = if http && !patterns.is_empty() {
        exceptions
    } else {
        Vec::new()
    };
    for net in &nets {
        let at = policy
            .private
            .iter()
            .position(|n| n == net)
            .and_then(|i| line(&format!("network.private.{i}")));
        let metadata = IpNet::parse("169.254.0.0/16").expect("literal");
        let link_local6 = IpNet::parse("fe80::/10").expect("literal");
        let broad = net.prefix() < if net.network().is_ipv4() { 16 } else { 48 };
        if net.overlaps(&metadata) || net.overlaps(&link_local6) {
            find(
                Severity::High,
                "metadata-address",
                format!(
                    "`{net}` opens link-local addresses, where cloud metadata services (169.254.169.254) hand out credentials; remove it"
                ),
                at,
            );
        } else if broad {
            find(
                Severity::High,
                "broad-private-range",
                format!(
                    "`{net}` opens a large private range to the connector; name the vendor's addresses instead"
                ),
                at,
            );
        } else if not_public(net.network()) {
            find(
                Severity::Medium,
                "private-address",
                format!(
                    "the connector may reach private address{} `{net}`",
                    if net.is_single() { "" } else { "es" }
                ),
                at,
            );
        }
    }

    // Files.
    let mut filesystem = Vec::new();
    for (i, pre) in policy.filesystem.iter().enumerate() {
        let at = line(&format!("filesystem.{i}"));
        if !files {
            find(
                Severity::Info,
                "filesystem-unused",
                format!(
                    "{} is preopened, but the component does not import wasi:filesystem",
                    pre.path.display()
                ),
                at,
            );
            continue;
        }
        if !pre.path.is_dir() {
            find(
                Severity::High,
                "filesystem-missing",
                format!(
                    "{} is not a directory on this machine; the connector will not load",
                    pre.path.display()
                ),
                at,
            );
        }
        find(
            Severity::Medium,
            "filesystem",
            format!(
                "the connector may read everything under {} (as {}), read-only",
                pre.path.display(),
                pre.guest
            ),
            at,
        );
        filesystem.push(pre.clone());
    }

    // Limits.
    let limits = policy.limits.limits();
    let defaults = Limits::default();
    if policy.limits.is_empty() {
        find(
            Severity::Low,
            "no-limits",
            "the policy sets no [limits]: the host defaults apply (128 MiB, 1 s CPU, 10 s per call)".to_string(),
            None,
        );
    }
    if limits.memory_bytes > defaults.memory_bytes {
        find(
            Severity::Medium,
            "memory-above-default",
            format!(
                "memory cap {} MiB is above the default {} MiB",
                limits.memory_bytes >> 20,
                defaults.memory_bytes >> 20
            ),
            line("limits.memory_mib"),
        );
    }
    if limits.cpu > defaults.cpu {
        find(
            Severity::Medium,
            "cpu-above-default",
            format!(
                "CPU budget {:?} is above the default {:?}",
                limits.cpu, defaults.cpu
            ),
            line("limits.cpu_ms"),
        );
    }
    if limits.wall_clock > defaults.wall_clock {
        find(
            Severity::Medium,
            "timeout-above-default",
            format!(
                "timeout {:?} is above the default {:?}: an officer waits that long",
                limits.wall_clock, defaults.wall_clock
            ),
            line("limits.timeout_ms"),
        );
    }
    if limits.cpu > limits.wall_clock {
        find(
            Severity::Low,
            "cpu-over-timeout",
            format!(
                "the CPU budget {:?} exceeds the timeout {:?}; the timeout will stop the call first",
                limits.cpu, limits.wall_clock
            ),
            line("limits.cpu_ms"),
        );
    }
    if limits.boundary_bytes > defaults.boundary_bytes {
        find(
            Severity::Low,
            "boundary-above-default",
            format!(
                "boundary cap {} MiB is above the default {} MiB",
                limits.boundary_bytes >> 20,
                defaults.boundary_bytes >> 20
            ),
            line("limits.boundary_mib"),
        );
    }
    if limits.max_concurrent > defaults.max_concurrent {
        find(
            Severity::Low,
            "concurrency-above-default",
            format!(
                "{} calls at once is above the default {}",
                limits.max_concurrent, defaults.max_concurrent
            ),
            line("limits.max_concurrent"),
        );
    }

    // Imports.
    let effective = Effective {
        limits: limits.into(),
        config,
        allow: patterns.iter().map(ToString::to_string).collect(),
        private: nets.iter().map(ToString::to_string).collect(),
        filesystem,
        limits_exact: limits,
        patterns,
        nets,
    };
    let mut imports = Vec::new();
    let mut missing = false;
    for item in &shape.imports {
        let is_provided = provided(&item.name);
        if !is_provided {
            missing = true;
            find(
                Severity::High,
                "missing-import",
                format!(
                    "the component imports `{}`, which this host does not provide: it cannot load",
                    item.name
                ),
                None,
            );
        }
        let grants = import_grants(&item.name, &effective, is_provided);
        // Only interfaces outside the connector world: the world's own imports (config, HTTP)
        // granting nothing is reported by the config and network findings above.
        let from_runtime = !item.name.starts_with("interop:connector/")
            && !item.name.starts_with("wasi:http/")
            && !item.name.starts_with("wasi:cli/environment");
        if grants.starts_with("nothing") && is_provided && from_runtime {
            find(
                Severity::Info,
                "import-not-granted",
                format!(
                    "imports `{}` (likely pulled in by its language runtime); nothing is granted through it",
                    item.name
                ),
                None,
            );
        }
        imports.push(ImportUse {
            name: item.name.clone(),
            functions: item.functions.clone(),
            provided: is_provided,
            grants,
        });
    }
    if let Some(error) = link_error
        && !missing
    {
        find(
            Severity::High,
            "link-failure",
            format!("the component cannot be linked: {error}"),
            None,
        );
    }

    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.line.cmp(&b.line)));
    Review {
        component: component.to_string(),
        policy: (!policy.source.is_empty()).then(|| policy.source.clone()),
        declared: declared.clone(),
        imports,
        effective,
        findings,
    }
}

/// What one import lets the connector do under the effective grant.
fn import_grants(name: &str, effective: &Effective, provided: bool) -> String {
    if !provided {
        return "not provided by this host".to_string();
    }
    let base = name.split('@').next().unwrap_or(name);
    let list = |items: &[String]| {
        if items.is_empty() {
            "nothing".to_string()
        } else {
            items.join(", ")
        }
    };
    match base {
        "interop:connector/types" => "types only".into(),
        "interop:connector/log" => "log lines to the host's log, neutralised and capped".into(),
        "interop:connector/config" => {
            let keys: Vec<String> = effective
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
        "wasi:http/outgoing-handler" => {
            if effective.allow.is_empty() {
                "nothing: no origins allowed".into()
            } else {
                format!("requests to {}", list(&effective.allow))
            }
        }
        "wasi:http/types" => "types only".into(),
        b if b.starts_with("wasi:io/") => "streams and polling of handles it already holds".into(),
        b if b.starts_with("wasi:clocks/") => "the time".into(),
        b if b.starts_with("wasi:random/") => "random bytes, at most 64 KiB per request".into(),
        "wasi:cli/environment" => "nothing: no environment variables, no arguments".into(),
        "wasi:cli/stdin" => "nothing: standard input is empty".into(),
        "wasi:cli/stdout" | "wasi:cli/stderr" => {
            "output captured by the host (last 16 KiB kept)".into()
        }
        "wasi:cli/exit" => "ending its own call".into(),
        b if b.starts_with("wasi:cli/terminal") => "nothing: no terminal".into(),
        b if b.starts_with("wasi:filesystem/") => {
            if effective.filesystem.is_empty() {
                "nothing: no directories".into()
            } else {
                let dirs: Vec<String> = effective
                    .filesystem
                    .iter()
                    .map(|p| format!("{} (read-only)", p.guest))
                    .collect();
                dirs.join(", ")
            }
        }
        b if b.starts_with("wasi:sockets/") => {
            "nothing: sockets and name lookups are never granted".into()
        }
        _ => "nothing".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::fixtures::{info, shape, shape_with};

    fn reviewed(policy: &str, shape: &Shape) -> Review {
        let policy = Policy::parse("p.toml", policy).unwrap();
        review("c.wasm", &policy, &info(), shape, None)
    }

    fn codes(r: &Review) -> Vec<(Severity, &'static str)> {
        r.findings.iter().map(|f| (f.severity, f.code)).collect()
    }

    #[test]
    fn empty_policy_grants_nothing_and_says_so() {
        let r = reviewed("", &shape(true));
        assert!(r.effective.config.is_empty() && r.effective.allow.is_empty());
        assert!(r.effective.private.is_empty() && r.effective.filesystem.is_empty());
        assert_eq!(r.effective.limits(), Limits::default());
        let c = codes(&r);
        assert!(c.contains(&(Severity::Low, "no-limits")), "{c:?}");
        assert!(
            c.contains(&(Severity::Medium, "required-config-missing")),
            "{c:?}"
        );
        assert_ne!(r.worst(), Some(Severity::High));
    }

    #[test]
    fn effective_is_declared_intersect_granted() {
        let r = reviewed(
            r#"
[config]
base_url = "https://rms.force.example/api"
colour = "red"
[secrets]
api_key = { env = "ACME_KEY" }
[network]
allow = ["config:base_url", "https://other.example"]
"#,
            &shape(true),
        );
        let keys: Vec<&String> = r.effective.config.keys().collect();
        assert_eq!(keys, ["api_key", "base_url"], "undeclared `colour` dropped");
        assert_eq!(
            r.effective.allow,
            ["https://rms.force.example:443", "https://other.example"]
        );
        let c = codes(&r);
        assert!(c.contains(&(Severity::Low, "undeclared-config")), "{c:?}");
        assert!(c.contains(&(Severity::Low, "secret-granted")), "{c:?}");
    }

    #[test]
    fn no_http_import_means_no_network_whatever_the_policy() {
        let r = reviewed(
            "[network]\nallow = [\"https://rms.example\"]\n",
            &shape(false),
        );
        assert!(r.effective.allow.is_empty());
        assert!(codes(&r).contains(&(Severity::Info, "network-unused")));
    }

    #[test]
    fn risky_grants_are_findings_with_lines() {
        let r = reviewed(
            r#"connector = "other-rms"
[limits]
memory_mib = 512
timeout_ms = 60000
[config]
api_key = "inline"
base_url = "http://172.16.0.9:8080"
force = "https://force.example"
[network]
allow = ["config:base_url", "https://*.vendor.example", "config:force", "rms.example"]
private = ["169.254.0.0/16", "10.0.0.0/8", "192.168.7.0/24"]
"#,
            &shape(true),
        );
        let c = codes(&r);
        for expected in [
            (Severity::High, "wrong-connector"),
            (Severity::High, "inline-secret"),
            (Severity::High, "metadata-address"),
            (Severity::High, "broad-private-range"),
            (Severity::Medium, "private-address"),
            (Severity::Medium, "wildcard-host"),
            (Severity::Medium, "not-an-endpoint"),
            (Severity::Medium, "endpoint-refused"),
            (Severity::Medium, "memory-above-default"),
            (Severity::Medium, "timeout-above-default"),
            (Severity::Low, "any-scheme"),
            (Severity::Low, "plain-http"),
        ] {
            assert!(c.contains(&expected), "{expected:?} missing from {c:?}");
        }
        assert!(
            !r.effective.config.contains_key("api_key"),
            "an inline secret is not passed on"
        );
        let wildcard = r
            .findings
            .iter()
            .find(|f| f.code == "wildcard-host")
            .unwrap();
        assert_eq!(wildcard.line, Some(10));
        assert_eq!(r.worst(), Some(Severity::High));
        assert_eq!(r.findings[0].severity, Severity::High, "most severe first");
    }

    #[test]
    fn runtime_imports_that_grant_nothing_are_listed() {
        let r = reviewed(
            "",
            &shape_with(
                false,
                &[
                    "wasi:sockets/tcp@0.2.0",
                    "wasi:filesystem/preopens@0.2.0",
                    "acme:secret/backdoor@1.0.0",
                ],
            ),
        );
        let c = codes(&r);
        assert!(c.contains(&(Severity::Info, "import-not-granted")), "{c:?}");
        assert!(c.contains(&(Severity::High, "missing-import")), "{c:?}");
        let sockets = r
            .imports
            .iter()
            .find(|i| i.name.starts_with("wasi:sockets"))
            .unwrap();
        assert!(sockets.provided && sockets.grants.starts_with("nothing"));
        assert!(
            !r.imports
                .iter()
                .find(|i| i.name.starts_with("acme:"))
                .unwrap()
                .provided
        );
    }

    #[test]
    fn secrets_are_resolved_only_into_the_grant() {
        let r = reviewed(
            "[secrets]\napi_key = { env = \"INTEROP_TEST_UNSET_SECRET_VARIABLE\" }\n",
            &shape(true),
        );
        let err = r.effective.grant().unwrap_err();
        assert!(
            err.contains("api_key") && err.contains("INTEROP_TEST_UNSET_SECRET_VARIABLE"),
            "{err}"
        );
        let json = serde_json::to_string(&r.effective).unwrap();
        assert!(json.contains("INTEROP_TEST_UNSET_SECRET_VARIABLE"));
    }
}
