//! `interop policy init`: the least policy that lets a connector work with a given
//! configuration, written for a force to read and edit.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use crate::capabilities::http::HostPattern;
use crate::capabilities::http::not_public;
use crate::inspect::Shape;
use crate::limits::Limits;
use crate::types::{ConfigKind, ConnectorInfo};

/// A policy written by [`least_policy`], and what the person running it must still do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drafted {
    /// The policy, as TOML with comments.
    pub text: String,
    /// Things to do before the policy works (set an environment variable, fill a key).
    pub todo: Vec<String>,
}

/// The environment variable `policy init` names for a secret key of a connector.
pub fn secret_variable(connector: &str, key: &str) -> String {
    let mut var = String::from("INTEROP_");
    for c in connector
        .chars()
        .chain(std::iter::once('_'))
        .chain(key.chars())
    {
        var.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    var
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Write the least policy for this connector with these configuration values: the keys it
/// declares and was given, secrets by environment variable (never the value), outbound access
/// only to the origins of its endpoint keys, a private-address exception only where an endpoint
/// is a private address, default limits.
///
/// # Errors
/// When a value is given for a key the connector does not declare, or an endpoint value is not
/// an http(s) URL.
pub fn least_policy(
    info: &ConnectorInfo,
    shape: &Shape,
    values: &BTreeMap<String, String>,
) -> Result<Drafted, String> {
    for key in values.keys() {
        if !info.config.iter().any(|k| &k.name == key) {
            let declared: Vec<&str> = info.config.iter().map(|k| k.name.as_str()).collect();
            return Err(format!(
                "`{}` declares no config key `{key}` (it declares: {})",
                info.id,
                if declared.is_empty() {
                    "none".to_string()
                } else {
                    declared.join(", ")
                }
            ));
        }
    }
    let http = shape
        .imports
        .iter()
        .any(|i| i.name.starts_with("wasi:http/outgoing-handler"));
    let mut todo = Vec::new();
    let mut out = String::new();
    let d = Limits::default();
    let _ = writeln!(
        out,
        "# Policy for {} {} ({}), written by `interop policy init`.\n\
         # It grants the least this connector needs with the configuration given; review it with\n\
         # `interop policy review <component> --policy <this file>` after editing.\n",
        info.id, info.version, info.vendor
    );
    let _ = writeln!(out, "connector = {}\n", quote(&info.id));
    let _ = writeln!(
        out,
        "[limits]\n\
         # The host's defaults, written out so they are visible. Raise one only for a reason.\n\
         memory_mib = {}\n\
         cpu_ms = {}\n\
         timeout_ms = {}\n\
         max_concurrent = {}\n\
         boundary_mib = {}\n",
        d.memory_bytes >> 20,
        d.cpu.as_millis(),
        d.wall_clock.as_millis(),
        d.max_concurrent,
        d.boundary_bytes >> 20
    );

    let mut config = String::new();
    let mut secrets = String::new();
    let mut allow = Vec::new();
    let mut private: Vec<(String, String)> = Vec::new();
    for key in &info.config {
        let about = format!(
            "# {}{}",
            key.description.replace('\n', " "),
            if key.required { " (required)" } else { "" }
        );
        match key.kind {
            ConfigKind::Secret => {
                let var = secret_variable(&info.id, &key.name);
                if values.contains_key(&key.name) || key.required {
                    let _ = writeln!(
                        secrets,
                        "{about}\n{} = {{ env = {} }}",
                        key.name,
                        quote(&var)
                    );
                    todo.push(format!(
                        "set the secret `{}` in the gateway's environment: {var}=…",
                        key.name
                    ));
                }
            }
            ConfigKind::Text | ConfigKind::Endpoint => match values.get(&key.name) {
                Some(value) => {
                    let _ = writeln!(config, "{about}\n{} = {}", key.name, quote(value));
                    if key.kind == ConfigKind::Endpoint && http {
                        let origin = HostPattern::from_url(value)
                            .map_err(|e| format!("endpoint `{}`: {e}", key.name))?;
                        allow.push(format!("config:{}", key.name));
                        let host = origin.host();
                        let ips: Vec<IpAddr> = if host == "localhost" {
                            vec![[127, 0, 0, 1].into()]
                        } else {
                            host.parse::<IpAddr>().into_iter().collect()
                        };
                        for ip in ips.into_iter().filter(|ip| not_public(*ip)) {
                            if !private.iter().any(|(p, _)| *p == ip.to_string()) {
                                private.push((ip.to_string(), key.name.clone()));
                            }
                        }
                    }
                }
                None if key.required => {
                    let example = key.example.as_deref().unwrap_or("…");
                    let _ = writeln!(
                        config,
                        "{about}\n# {} = {}   # give a value with --config {}=…",
                        key.name,
                        quote(example),
                        key.name
                    );
                    todo.push(format!(
                        "give the required key `{}` a value under [config]{}",
                        key.name,
                        if key.kind == ConfigKind::Endpoint {
                            format!(" and add \"config:{}\" to [network].allow", key.name)
                        } else {
                            String::new()
                        }
                    ));
                }
                None => {}
            },
        }
    }
    out.push_str("[config]\n");
    out.push_str(&config);
    out.push_str("\n[secrets]\n# Secret values are never written here: the gateway reads them when it loads the connector.\n");
    out.push_str(&secrets);
    out.push_str("\n[network]\n");
    if !http {
        out.push_str("# The component does not import wasi:http: it makes no requests.\n");
    }
    let _ = writeln!(
        out,
        "# Origins the connector may call: `config:KEY` is the origin of that endpoint's URL.\nallow = [{}]",
        allow
            .iter()
            .map(|a| quote(a))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if private.is_empty() {
        out.push_str("private = []\n");
    } else {
        out.push_str("# Private addresses the connector may reach: each endpoint below points at one.\nprivate = [\n");
        for (ip, key) in &private {
            let _ = writeln!(out, "    {},   # {key}", quote(ip));
        }
        out.push_str("]\n");
    }
    Ok(Drafted { text: out, todo })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use crate::policy::fixtures::{info, shape};

    #[test]
    fn least_policy_parses_and_grants_only_what_was_given() {
        let values: BTreeMap<String, String> = [
            (
                "base_url".to_string(),
                "http://127.0.0.1:4100/api".to_string(),
            ),
            ("api_key".to_string(), "demo-key".to_string()),
            ("force".to_string(), "Demo \"Force\"".to_string()),
        ]
        .into();
        let drafted = least_policy(&info(), &shape(true), &values).unwrap();
        assert!(
            !drafted.text.contains("demo-key"),
            "secret values never written"
        );
        let policy = Policy::parse("init.toml", &drafted.text).unwrap();
        assert_eq!(policy.connector.as_deref(), Some("acme-rms"));
        assert_eq!(policy.sections.config.values["force"], "Demo \"Force\"");
        assert!(!policy.sections.config.values.contains_key("region"));
        assert_eq!(
            policy.sections.config.secrets["api_key"],
            crate::policy::SecretRef::Env("INTEROP_ACME_RMS_API_KEY".into())
        );
        assert_eq!(policy.sections.http.allow.len(), 1);
        assert_eq!(
            policy
                .sections
                .http
                .private
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>(),
            ["127.0.0.1/32"]
        );
        assert_eq!(policy.limits.limits(), Limits::default());
        assert!(
            drafted
                .todo
                .iter()
                .any(|t| t.contains("INTEROP_ACME_RMS_API_KEY"))
        );
    }

    #[test]
    fn no_http_import_no_network() {
        let values: BTreeMap<String, String> =
            [("base_url".to_string(), "https://rms.example".to_string())].into();
        let drafted = least_policy(&info(), &shape(false), &values).unwrap();
        let policy = Policy::parse("init.toml", &drafted.text).unwrap();
        assert!(policy.sections.http.allow.is_empty());
    }

    #[test]
    fn public_endpoint_needs_no_exception_and_missing_required_is_a_todo() {
        let values: BTreeMap<String, String> =
            [("base_url".to_string(), "https://rms.example".to_string())].into();
        let drafted = least_policy(&info(), &shape(true), &values).unwrap();
        let policy = Policy::parse("init.toml", &drafted.text).unwrap();
        assert!(policy.sections.http.private.is_empty());
        let values = BTreeMap::new();
        let drafted = least_policy(&info(), &shape(true), &values).unwrap();
        assert!(
            drafted.todo.iter().any(|t| t.contains("base_url")),
            "{:?}",
            drafted.todo
        );
        Policy::parse("init.toml", &drafted.text).unwrap();
    }

    #[test]
    fn unknown_keys_are_refused() {
        let values: BTreeMap<String, String> = [("colour".to_string(), "red".to_string())].into();
        let err = least_policy(&info(), &shape(true), &values).unwrap_err();
        assert!(
            err.contains("declares no config key `colour`") && err.contains("base_url"),
            "{err}"
        );
    }
}
