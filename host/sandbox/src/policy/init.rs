//! `interop policy init`: the least policy that lets a connector work with a given
//! configuration, written for a force to read and edit.
//!
//! The policy is built as a TOML document and written by the serializer, never by joining
//! text: whatever a connector declares (key names, descriptions, examples) cannot add a line
//! or a table to it. Names reach this point checked (a connector declaring a key that is not
//! an identifier is refused when it is loaded); descriptions go only into comments, neutralised
//! to one visible line. The written text is parsed back and compared with what was drafted
//! before it is handed out.

use std::collections::BTreeMap;
use std::net::IpAddr;

use toml_edit::{Array, DocumentMut, Item, Table, value};

use crate::capabilities::http::HostPattern;
use crate::capabilities::http::not_public;
use crate::inspect::Shape;
use crate::limits::Limits;
use crate::policy::{HostGrant, Policy, SecretRef};
use crate::text::neutralise;
use crate::types::{ConfigKind, ConnectorInfo};

/// Most characters of a connector's description kept in a drafted policy's comment.
const MAX_COMMENT: usize = 160;

/// A policy written by [`least_policy`], and what the person running it must still do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drafted {
    /// The policy, as TOML with comments.
    pub text: String,
    /// Things to do before the policy works (set an environment variable, fill a key).
    pub todo: Vec<String>,
}

/// Why no least policy could be drafted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CannotDraft(pub String);

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

/// A one-line comment holding text a connector controls: neutralised, so it stays one line.
fn comment(text: &str) -> String {
    format!("# {}\n", neutralise(text, MAX_COMMENT))
}

/// Write the least policy for this connector with these configuration values: the keys it
/// declares and was given, secrets by environment variable (never the value), outbound access
/// only to the origins of its endpoint keys, a private-address exception only where an endpoint
/// is a private address, default limits.
///
/// # Errors
/// [`CannotDraft`] when a value is given for a key the connector does not declare, an endpoint
/// value is not an http(s) URL, or the connector declares a key that is not an identifier.
pub fn least_policy(
    info: &ConnectorInfo,
    shape: &Shape,
    values: &BTreeMap<String, String>,
) -> Result<Drafted, CannotDraft> {
    for key in values.keys() {
        if !info.config.iter().any(|k| &k.name == key) {
            let declared: Vec<&str> = info.config.iter().map(|k| k.name.as_str()).collect();
            return Err(CannotDraft(format!(
                "`{}` declares no config key `{}` (it declares: {})",
                neutralise(&info.id, 64),
                neutralise(key, 64),
                if declared.is_empty() {
                    "none".to_string()
                } else {
                    declared
                        .iter()
                        .map(|d| neutralise(d, 64))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )));
        }
    }
    if let Some(bad) = info
        .config
        .iter()
        .find(|k| !crate::capabilities::config::declarable_key(&k.name))
    {
        return Err(CannotDraft(format!(
            "`{}` declares config key {:?}, which is not an identifier; no policy can name it",
            neutralise(&info.id, 64),
            neutralise(&bad.name, 64)
        )));
    }
    let http = shape
        .imports
        .iter()
        .any(|i| i.name.starts_with("wasi:http/outgoing-handler"));
    let mut todo = Vec::new();
    let mut doc = DocumentMut::new();
    doc.decor_mut().set_prefix(format!(
        "{}# It grants the least this connector needs with the configuration given; review it with\n\
         # `interop policy review <component> --policy <this file>` after editing.\n\n",
        comment(&format!(
            "Policy for {} {} ({}), written by `interop policy init`.",
            info.id, info.version, info.vendor
        ))
    ));
    doc["connector"] = value(info.id.as_str());

    let d = Limits::default();
    let mut limits = Table::new();
    limits.decor_mut().set_prefix(
        "\n# The host's defaults, written out so they are visible. Raise one only for a reason.\n",
    );
    limits["memory_mib"] = value((d.memory_bytes >> 20) as i64);
    limits["cpu_ms"] = value(d.cpu.as_millis() as i64);
    limits["timeout_ms"] = value(d.wall_clock.as_millis() as i64);
    limits["max_concurrent"] = value(i64::from(d.max_concurrent));
    limits["boundary_mib"] = value((d.boundary_bytes >> 20) as i64);
    doc["limits"] = Item::Table(limits);

    let mut config = Table::new();
    config.decor_mut().set_prefix("\n");
    let mut secrets = Table::new();
    secrets.decor_mut().set_prefix(
        "\n# Secret values are never written here: the gateway reads them when it loads the connector.\n",
    );
    let mut allow = Array::new();
    let mut private: Vec<(String, String)> = Vec::new();
    let mut missing = Vec::new();
    for key in &info.config {
        let about = comment(&format!(
            "{}{}",
            key.description,
            if key.required { " (required)" } else { "" }
        ));
        match key.kind {
            ConfigKind::Secret => {
                let var = secret_variable(&info.id, &key.name);
                if values.contains_key(&key.name) || key.required {
                    let mut reference = toml_edit::InlineTable::new();
                    reference.insert("env", var.as_str().into());
                    secrets.insert(&key.name, value(reference));
                    set_key_comment(&mut secrets, &key.name, &about);
                    todo.push(format!(
                        "set the secret `{}` in the gateway's environment: {var}=…",
                        key.name
                    ));
                }
            }
            ConfigKind::Text | ConfigKind::Endpoint => match values.get(&key.name) {
                Some(given) => {
                    config.insert(&key.name, value(given.as_str()));
                    set_key_comment(&mut config, &key.name, &about);
                    if key.kind == ConfigKind::Endpoint && http {
                        let origin = HostPattern::from_url(given)
                            .map_err(|e| CannotDraft(format!("endpoint `{}`: {e}", key.name)))?;
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
                    missing.push(key.name.clone());
                    todo.push(format!(
                        "give the required key `{}` a value under [config] (e.g. `{}`){}",
                        key.name,
                        neutralise(key.example.as_deref().unwrap_or("…"), 80),
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
    if !missing.is_empty() {
        config.decor_mut().set_prefix(format!(
            "\n# Required, and given no value (pass them with --config KEY=VALUE): {}\n",
            missing.join(", ")
        ));
    }
    doc["config"] = Item::Table(config);
    doc["secrets"] = Item::Table(secrets);

    let mut network = Table::new();
    network.decor_mut().set_prefix(if http {
        "\n# Origins the connector may call: `config:KEY` is the origin of that endpoint's URL.\n"
    } else {
        "\n# The component does not import wasi:http: it makes no requests.\n"
    });
    network["allow"] = value(allow);
    let mut nets = Array::new();
    for (ip, _) in &private {
        nets.push(ip.as_str());
    }
    network["private"] = value(nets);
    if !private.is_empty() {
        let because: Vec<String> = private
            .iter()
            .map(|(ip, key)| format!("{ip} for `{key}`"))
            .collect();
        set_key_comment(
            &mut network,
            "private",
            &format!(
                "# Private addresses the connector may reach, each because an endpoint points at it: {}\n",
                because.join(", ")
            ),
        );
    }
    doc["network"] = Item::Table(network);

    let mut text = doc.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    check_round_trip(info, values, &text)?;
    Ok(Drafted { text, todo })
}

/// Put `comment` (whole lines, each `# …\n`) above `key` in `table`.
fn set_key_comment(table: &mut Table, key: &str, comment: &str) {
    if let Some(mut k) = table.key_mut(key) {
        k.leaf_decor_mut().set_prefix(comment);
    }
}

/// Parse the written policy back and check it says exactly what was drafted: the connector,
/// the keys given (and secrets by reference), the endpoints' origins, and nothing else (no
/// filesystem, no other table). A difference is a bug here, never handed out as a policy.
fn check_round_trip(
    info: &ConnectorInfo,
    values: &BTreeMap<String, String>,
    text: &str,
) -> Result<(), CannotDraft> {
    let broken =
        |why: String| CannotDraft(format!("the drafted policy {why}; nothing was written"));
    let policy = Policy::parse("drafted policy", text)
        .map_err(|e| broken(format!("does not parse: {e}")))?;
    if policy.connector.as_deref() != Some(info.id.as_str()) {
        return Err(broken("names another connector".into()));
    }
    let s = &policy.sections;
    let plain: BTreeMap<String, String> = values
        .iter()
        .filter(|(k, _)| {
            info.config
                .iter()
                .any(|c| &c.name == *k && c.kind != ConfigKind::Secret)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if s.config.values != plain {
        return Err(broken("sets other configuration than given".into()));
    }
    let unexpected_secret = s.config.secrets.iter().any(|(k, r)| {
        !matches!(r, SecretRef::Env(v) if *v == secret_variable(&info.id, k))
            || !info
                .config
                .iter()
                .any(|c| &c.name == k && c.kind == ConfigKind::Secret)
    });
    if unexpected_secret {
        return Err(broken("names a secret it should not".into()));
    }
    let stray_grant = s.http.allow.iter().any(|g| match g {
        HostGrant::ConfigKey(k) => !plain.contains_key(k),
        HostGrant::Origin(_) => true,
    });
    if stray_grant || !s.wasi.preopens.is_empty() {
        return Err(broken("grants more than the endpoints given".into()));
    }
    Ok(())
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
            err.0.contains("declares no config key `colour`") && err.0.contains("base_url"),
            "{err}"
        );
    }

    #[test]
    fn text_a_connector_declares_cannot_add_lines_or_tables() {
        let mut hostile = info();
        hostile.vendor = "Acme\n[[filesystem]]\npath = \"/\"\nguest = \"/host\"".into();
        hostile.config[0].description =
            "URL\r\n[[filesystem]]\npath = \"/\"\nguest = \"/h\"\n\u{1b}[2J\u{202e}".into();
        hostile.config[2].example = Some("\"\n[[filesystem]]\npath = \"/\"".into());
        let values: BTreeMap<String, String> = [
            ("base_url".to_string(), "https://rms.example".to_string()),
            (
                "force".to_string(),
                "Demo\"\n[[filesystem]]\npath = \"/\"\nguest = \"/x\"\n#".to_string(),
            ),
        ]
        .into();
        let drafted = least_policy(&hostile, &shape(true), &values).unwrap();
        let policy = Policy::parse("init.toml", &drafted.text).unwrap();
        assert!(policy.sections.wasi.preopens.is_empty(), "{}", drafted.text);
        assert_eq!(
            policy.sections.config.values["force"], values["force"],
            "a value with quotes and newlines is kept exactly, as a string"
        );
        assert!(
            !drafted.text.contains('\u{1b}') && !drafted.text.contains('\u{202e}'),
            "escapes and bidi controls reach the file only made visible: {}",
            drafted.text
        );
        let tables: toml::Table = toml::from_str(&drafted.text).unwrap();
        let names: Vec<&str> = tables.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["config", "connector", "limits", "network", "secrets"],
            "no table a connector or a value wrote: {}",
            drafted.text
        );
    }

    #[test]
    fn a_key_name_that_is_not_an_identifier_is_never_written() {
        let mut hostile = info();
        hostile.config[2].name =
            "force = 1\n[[filesystem]]\npath = \"/\"\nguest = \"/h\"\n#".into();
        let err = least_policy(&hostile, &shape(true), &BTreeMap::new()).unwrap_err();
        assert!(err.0.contains("not an identifier"), "{err}");
        assert!(!err.0.contains('\n'), "the message is one line: {err}");
    }
}
