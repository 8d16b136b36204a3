//! `interop policy review`: the effective grant, what a connector declares intersected with what
//! its policy grants, and the findings a security team reviews. Each capability reviews its own
//! slice (`crate::registry`); this adds what is the sandbox's own: the policy's connector id,
//! the budgets, and every import with the capability that owns it.
//!
//! Everything a language runtime imports (sockets, environment, …) is linked but grants
//! nothing; an import no capability serves means the component cannot load.

use serde::Serialize;

use crate::capabilities::capability::ReviewCx;
use crate::findings::Findings;
use crate::grant::Grant;
use crate::inspect::Shape;
use crate::limits::Limits;
use crate::policy::Policy;
use crate::registry::{self, Grants};
use crate::types::ConnectorInfo;

pub use crate::capabilities::config::{ConfigValue, UnreadableSecret};
pub use crate::findings::{Finding, Severity};

/// What the host enforces for one connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effective {
    /// Budgets of every call.
    pub limits: EffectiveLimits,
    /// What each capability grants: configuration, origins, private addresses, directories.
    #[serde(flatten)]
    pub grants: Grants,
    /// What happens to a record that fails the boundary checks.
    pub malformed_records: crate::records::Malformed,
    #[serde(skip)]
    limits_exact: Limits,
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
    /// Outbound requests one call has open at once.
    pub requests_at_once: u32,
    /// Outbound requests a second, all calls together, if bounded.
    pub requests_per_second: Option<u32>,
}

impl From<Limits> for EffectiveLimits {
    fn from(l: Limits) -> Self {
        EffectiveLimits {
            memory_mib: (l.memory_bytes >> 20) as u64,
            cpu_ms: l.cpu.as_millis() as u64,
            timeout_ms: l.wall_clock.as_millis() as u64,
            max_concurrent: l.max_concurrent,
            boundary_mib: l.boundary_bytes >> 20,
            requests_at_once: l.requests_at_once,
            requests_per_second: l.requests_per_second,
        }
    }
}

impl Effective {
    /// The budgets, exactly.
    pub fn limits(&self) -> Limits {
        self.limits_exact
    }

    /// The grant the host enforces, with secrets read from where the policy says.
    ///
    /// # Errors
    /// [`UnreadableSecret`] when a secret cannot be read (unset variable, missing file),
    /// naming it.
    pub fn grant(&self) -> Result<Grant, UnreadableSecret> {
        let network = &self.grants.http;
        Ok(Grant {
            limits: self.limits_exact,
            config: self.grants.config.resolve()?,
            allow: crate::AllowList::new(network.patterns.clone()),
            private: crate::capabilities::http::PrivateExceptions::new(network.nets.clone()),
            filesystem: self.grants.wasi.filesystem.clone(),
            malformed: self.malformed_records,
        })
    }

    /// The grant with every secret left empty, nothing read: to check a connector under its
    /// policy where the secrets are not (the installer's shell; the gateway that runs it reads
    /// them when it loads it). A connector given this grant must not serve.
    pub fn grant_without_secrets(&self) -> Grant {
        let network = &self.grants.http;
        Grant {
            limits: self.limits_exact,
            config: self
                .grants
                .config
                .config
                .iter()
                .map(|(key, value)| {
                    let value = match value {
                        crate::capabilities::config::ConfigValue::Plain(v) => v.clone(),
                        crate::capabilities::config::ConfigValue::Secret(_) => String::new(),
                    };
                    (key.clone(), value)
                })
                .collect(),
            allow: crate::AllowList::new(network.patterns.clone()),
            private: crate::capabilities::http::PrivateExceptions::new(network.nets.clone()),
            filesystem: self.grants.wasi.filesystem.clone(),
            malformed: self.malformed_records,
        }
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
    review_protecting(component, policy, declared, shape, link_error, &[])
}

/// [`review`], with directories of the embedder's own that no connector may be given (a
/// gateway's plugin store, audit log and key directories): a preopen of one of them, inside
/// one, or of a directory above one is a high finding, as the system's own are.
pub fn review_protecting(
    component: &str,
    policy: &Policy,
    declared: &ConnectorInfo,
    shape: &Shape,
    link_error: Option<String>,
    protected: &[std::path::PathBuf],
) -> Review {
    let mut findings = Findings::default();
    if let Some(id) = &policy.connector
        && *id != declared.id
    {
        findings.add(
            Severity::High,
            "wrong-connector",
            format!(
                "the policy is for `{id}` but the component says it is `{}`",
                declared.id
            ),
            Some(1),
        );
    }

    let config = &policy.sections.config.values;
    let grants = policy.sections.review(&mut ReviewCx {
        declared,
        shape,
        lines: &policy.lines,
        config,
        protected,
        findings: &mut findings,
    });

    let line = |key: &str| policy.lines.get(key).copied();
    // Limits.
    let limits = policy.limits.limits();
    let defaults = Limits::default();
    if policy.limits.is_empty() {
        findings.add(
            Severity::Low,
            "no-limits",
            "the policy sets no [limits]: the host defaults apply (128 MiB, 1 s CPU, 10 s per call)".to_string(),
            None,
        );
    }
    if limits.memory_bytes > defaults.memory_bytes {
        findings.add(
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
        findings.add(
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
        findings.add(
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
        findings.add(
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
        findings.add(
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
    if limits.requests_at_once > defaults.requests_at_once {
        findings.add(
            Severity::Low,
            "requests-above-default",
            format!(
                "{} outbound requests at once per call is above the default {}",
                limits.requests_at_once, defaults.requests_at_once
            ),
            line("limits.requests_at_once"),
        );
    }
    if limits.max_concurrent > defaults.max_concurrent {
        findings.add(
            Severity::Low,
            "concurrency-above-default",
            format!(
                "{} calls at once is above the default {}",
                limits.max_concurrent, defaults.max_concurrent
            ),
            line("limits.max_concurrent"),
        );
    }

    let effective = Effective {
        limits: limits.into(),
        grants,
        malformed_records: policy.malformed,
        limits_exact: limits,
    };

    // Imports: each with the capability that serves it, and what it grants.
    let mut imports = Vec::new();
    let mut missing = false;
    for item in &shape.imports {
        let served = registry::serve(&item.name, &effective.grants);
        let is_provided = served.is_some();
        if !is_provided {
            missing = true;
            findings.add(
                Severity::High,
                "missing-import",
                format!(
                    "the component imports `{}`, which this host does not provide: it cannot load",
                    item.name
                ),
                None,
            );
        }
        let grants = served.map_or_else(|| "not provided by this host".to_string(), |(_, g)| g);
        // Only interfaces outside the connector world: the world's own imports (config, HTTP)
        // granting nothing is reported by the config and network findings above.
        let from_runtime = !item.name.starts_with("interop:connector/")
            && !item.name.starts_with("wasi:http/")
            && !item.name.starts_with("wasi:cli/environment");
        if grants.starts_with("nothing") && is_provided && from_runtime {
            findings.add(
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
        findings.add(
            Severity::High,
            "link-failure",
            format!("the component cannot be linked: {error}"),
            None,
        );
    }

    Review {
        component: component.to_string(),
        policy: (!policy.source.is_empty()).then(|| policy.source.clone()),
        declared: declared.clone(),
        imports,
        effective,
        findings: findings.sorted(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
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
        assert!(
            r.effective.grants.config.config.is_empty() && r.effective.grants.http.allow.is_empty()
        );
        assert!(
            r.effective.grants.http.private.is_empty()
                && r.effective.grants.wasi.filesystem.is_empty()
        );
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
        let keys: Vec<&String> = r.effective.grants.config.config.keys().collect();
        assert_eq!(keys, ["api_key", "base_url"], "undeclared `colour` dropped");
        assert_eq!(
            r.effective.grants.http.allow,
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
        assert!(r.effective.grants.http.allow.is_empty());
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
            !r.effective.grants.config.config.contains_key("api_key"),
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
            err.0.contains("api_key") && err.0.contains("INTEROP_TEST_UNSET_SECRET_VARIABLE"),
            "{err}"
        );
        let json = serde_json::to_string(&r.effective).unwrap();
        assert!(json.contains("INTEROP_TEST_UNSET_SECRET_VARIABLE"));
    }
}
