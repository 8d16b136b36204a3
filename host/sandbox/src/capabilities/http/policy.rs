//! The HTTP capability's slice of a policy (`[network]`) and its part of the review.
//!
//! An origin is reachable only if the component imports `wasi:http` *and* the policy allows
//! it; `config:K` grants the origin of the URL in config key `K`, only for a key the connector
//! declares as an endpoint.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{HostPattern, IpNet, classify};
use crate::capabilities::capability::{Capability, Interface, ParseCx, ReviewCx};
use crate::findings::Severity;
use crate::policy::error::PolicyError;
use crate::types::ConfigKind;

/// The outbound HTTP capability.
pub(crate) struct Http;

/// One entry of `[network].allow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostGrant {
    /// An origin pattern written in the policy.
    Origin(HostPattern),
    /// "The origin of the URL in config key K" (`config:K`): a force grants its own vendor
    /// address once, in `[config]`, and the allow-list follows it.
    ConfigKey(String),
}

impl std::fmt::Display for HostGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostGrant::Origin(p) => write!(f, "{p}"),
            HostGrant::ConfigKey(k) => write!(f, "config:{k}"),
        }
    }
}

/// `[network]` of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkSection {
    /// Outbound origins.
    pub allow: Vec<HostGrant>,
    /// Private-address exceptions named in `[network].private`.
    pub private: Vec<IpNet>,
}

impl NetworkSection {
    /// The private-address exceptions the policy makes: `[network].private`, plus every
    /// literal IP written as an allowed origin (granting `http://10.1.2.3:8080` is explicit).
    pub fn private_exceptions(&self) -> Vec<IpNet> {
        let mut nets = self.private.clone();
        for grant in &self.allow {
            if let HostGrant::Origin(p) = grant
                && let Ok(ip) = p.host().parse::<IpAddr>()
            {
                nets.push(IpNet::host(ip));
            }
        }
        let mut unique: Vec<IpNet> = Vec::new();
        for net in nets {
            if !unique.contains(&net) {
                unique.push(net);
            }
        }
        unique
    }
}

/// The origins the connector can call, and the private addresses they may resolve to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NetworkGrant {
    /// Origins, as written.
    pub allow: Vec<String>,
    /// Private-address exceptions, as written.
    pub private: Vec<String>,
    #[serde(skip)]
    pub(crate) patterns: Vec<HostPattern>,
    #[serde(skip)]
    pub(crate) nets: Vec<IpNet>,
}

/// Is this address outside the public internet (loopback, private, link-local, …)?
pub(crate) fn not_public(ip: IpAddr) -> bool {
    classify(ip).is_some()
}

#[derive(Deserialize)]
struct Tables {
    network: Option<RawNetwork>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    private: Vec<Spanned<String>>,
}

const V0_2: &[&str] = &["0.2"];

impl Capability for Http {
    const NAME: &'static str = "http";
    const SERVES: &'static [Interface] = &[
        Interface {
            name: "wasi:http/types",
            versions: V0_2,
        },
        Interface {
            name: "wasi:http/outgoing-handler",
            versions: V0_2,
        },
    ];
    const TABLES: &'static [&'static str] = &["network"];
    type Section = NetworkSection;
    type Grant = NetworkGrant;

    fn parse(cx: &mut ParseCx<'_>) -> Result<NetworkSection, PolicyError> {
        let tables: Tables = cx.tables()?;
        let mut section = NetworkSection::default();
        let Some(network) = tables.network else {
            return Ok(section);
        };
        for (i, entry) in network.allow.iter().enumerate() {
            let offset = entry.span().start;
            let text_entry = entry.get_ref().trim();
            let grant = if let Some(key) = text_entry.strip_prefix("config:") {
                let key = key.trim();
                let Some(url) = cx.config.get(key) else {
                    return Err(cx.error(
                        offset,
                        format!(
                            "`config:{key}` grants the URL in config key `{key}`, but [config] does not set `{key}`; add `{key} = \"https://…\"` under [config]"
                        ),
                    ));
                };
                HostPattern::from_url(url).map_err(|e| {
                    cx.error(
                        offset,
                        format!("`config:{key}`: its value is not a URL to grant: {e}"),
                    )
                })?;
                HostGrant::ConfigKey(key.to_string())
            } else {
                if text_entry == "*" || text_entry.ends_with("://*") {
                    return Err(cx.error(
                        offset,
                        "`*` would allow every host; name the vendor's origins (wildcards only as a leading `*.`)".to_string(),
                    ));
                }
                HostGrant::Origin(
                    HostPattern::parse(text_entry).map_err(|e| cx.error(offset, e.0))?,
                )
            };
            cx.line(format!("network.allow.{i}"), offset);
            section.allow.push(grant);
        }
        for (i, entry) in network.private.iter().enumerate() {
            let offset = entry.span().start;
            let net = IpNet::parse(entry.get_ref()).map_err(|e| cx.error(offset, e.0))?;
            cx.line(format!("network.private.{i}"), offset);
            section.private.push(net);
        }
        Ok(section)
    }

    fn review(section: &NetworkSection, cx: &mut ReviewCx<'_>) -> NetworkGrant {
        let http = cx.imports("wasi:http/outgoing-handler");
        let declared = cx.declared;
        let declared_key = |k: &str| declared.config.iter().find(|c| c.name == k);
        let exceptions = section.private_exceptions();
        let mut patterns = Vec::new();
        for (i, grant) in section.allow.iter().enumerate() {
            let at = cx.line(&format!("network.allow.{i}"));
            if !http {
                cx.findings.add(
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
                            cx.findings.add(
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
                    let Some(Ok(p)) = cx.config.get(key).map(|url| HostPattern::from_url(url))
                    else {
                        continue;
                    };
                    if let Ok(ip) = p.host().parse::<IpAddr>()
                        && not_public(ip)
                        && !exceptions.iter().any(|n| n.contains(ip))
                    {
                        cx.findings.add(
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
                cx.findings.add(
                    Severity::Medium,
                    "wildcard-host",
                    format!("`{pattern}` allows every subdomain; name the hosts if you can"),
                    at,
                );
            }
            if pattern.scheme().is_none() {
                cx.findings.add(
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
                cx.findings.add(
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
        let metadata = IpNet::parse("169.254.0.0/16").expect("literal");
        let link_local6 = IpNet::parse("fe80::/10").expect("literal");
        for net in &nets {
            let at = section
                .private
                .iter()
                .position(|n| n == net)
                .and_then(|i| cx.line(&format!("network.private.{i}")));
            let broad = net.prefix() < if net.network().is_ipv4() { 16 } else { 48 };
            if net.overlaps(&metadata) || net.overlaps(&link_local6) {
                cx.findings.add(
                    Severity::High,
                    "metadata-address",
                    format!(
                        "`{net}` opens link-local addresses, where cloud metadata services (169.254.169.254) hand out credentials; remove it"
                    ),
                    at,
                );
            } else if broad {
                cx.findings.add(
                    Severity::High,
                    "broad-private-range",
                    format!(
                        "`{net}` opens a large private range to the connector; name the vendor's addresses instead"
                    ),
                    at,
                );
            } else if not_public(net.network()) {
                cx.findings.add(
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
        NetworkGrant {
            allow: patterns.iter().map(ToString::to_string).collect(),
            private: nets.iter().map(ToString::to_string).collect(),
            patterns,
            nets,
        }
    }

    fn grants(import: &str, grant: &NetworkGrant) -> String {
        if import.starts_with("wasi:http/outgoing-handler") {
            if grant.allow.is_empty() {
                "nothing: no origins allowed".into()
            } else {
                format!("requests to {}", grant.allow.join(", "))
            }
        } else {
            "types only".into()
        }
    }
}
