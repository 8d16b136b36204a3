//! The Gold-ready exchange: this connector and another supplier's, installed together in a real
//! gateway (in this process, on a loopback port, with its own audit log in a scratch
//! directory), and one federated search over HTTP that must merge records of the same
//! real-world entity from both.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use super::{VendorConfig, nonce};
use interop_gateway::Gateway;
use interop_gateway::config::{GatewayConfig, token_sha256};
use interop_sandbox::types::{ConfigKind, ConnectorInfo};
use interop_sandbox::{Connector, Grant, Host, HostPattern};

/// Another supplier's connector and the configuration of its test system.
#[derive(Debug, Clone, Default)]
pub struct Peer {
    /// Its component file.
    pub component: PathBuf,
    /// Its configuration, secrets included.
    pub config: BTreeMap<String, String>,
    /// Further origins it may call.
    pub allow: Vec<HostPattern>,
}

/// Run the exchange; `(passed, evidence)`.
pub(super) async fn exchange(
    host: &Host,
    path: &Path,
    connector: &Connector,
    given: &VendorConfig,
    options: &super::Options,
    peer: &Peer,
) -> (bool, Vec<String>) {
    let scratch = std::env::temp_dir().join(format!("interop-conformance-{}", nonce()));
    let result = run(host, path, connector, given, options, peer, &scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);
    match result {
        Ok(evidence) => evidence,
        Err(e) => (false, vec![format!("{e:#}")]),
    }
}

async fn run(
    host: &Host,
    path: &Path,
    connector: &Connector,
    given: &VendorConfig,
    options: &super::Options,
    peer: &Peer,
    scratch: &Path,
) -> anyhow::Result<(bool, Vec<String>)> {
    std::fs::create_dir_all(scratch)?;
    let peer_compiled = crate::compiled::compiled(host, &peer.component).await?;
    let peer_connector = host
        .load_compiled(
            &peer_compiled.name,
            &peer_compiled.component,
            Grant::default(),
        )
        .await?;
    let ours = connector.info();
    let theirs = peer_connector.info();
    if ours.id == theirs.id {
        anyhow::bail!(
            "the peer is `{}` too: pass another supplier's connector",
            ours.id
        );
    }
    let Some(query) = options
        .searches
        .iter()
        .find(|q| ours.entity_kinds.contains(&q.kind) && theirs.entity_kinds.contains(&q.kind))
    else {
        anyhow::bail!(
            "no --search names an entity kind both connectors handle (this one: {}; the peer: {})",
            super::kinds_text(&ours.entity_kinds),
            super::kinds_text(&theirs.entity_kinds)
        );
    };
    let kind = query.kind;
    let shown = super::describe_query(query);
    let ours_policy = write_policy(scratch, ours, &given.values, &options.allow)?;
    let theirs_policy = write_policy(scratch, theirs, &peer.config, &peer.allow)?;
    // The gateway trusts the --trust keys and, for this run only, each component's own signer:
    // the signed artifact a vendor ships runs as it will in a force's gateway (whose trust
    // store holds the vendor's .pub file), and an unsigned one under allow_unsigned.
    let mut keys: Vec<String> = options
        .trust
        .iter()
        .map(|k| std::path::absolute(k).map(|k| quote(&k.display().to_string())))
        .collect::<Result<_, _>>()?;
    let mut signing = Vec::new();
    for (who, id, file) in [
        ("ours", &ours.id, path),
        ("peer", &theirs.id, peer.component.as_path()),
    ] {
        let bytes = std::fs::read(file)?;
        match interop_sandbox::signing::signer_key(&bytes) {
            Ok(Some(key)) => {
                let pub_file = scratch.join(format!("{who}-signer.pub"));
                std::fs::write(&pub_file, format!("{}\n", key.to_line()))?;
                keys.push(quote(&pub_file.display().to_string()));
                signing.push(format!(
                    "{id}: signed by key {}, trusted for this exchange as the component's own signer",
                    key.id()
                ));
            }
            Ok(None) => signing.push(format!(
                "{id}: unsigned, loaded under allow_unsigned (a force's gateway refuses it)"
            )),
            Err(e) => signing.push(format!("{id}: {e}")),
        }
    }
    let token = format!("conformance-{}{}", nonce(), nonce());
    let config_text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"conformance-kit\"\n\
         [audit]\ndir = \"audit\"\n\
         [trust]\nkeys = [{}]\nallow_unsigned = true\n\
         [[connectors]]\ncomponent = {}\npolicy = {}\n\
         [[connectors]]\ncomponent = {}\npolicy = {}\n\
         [roles.kit]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
         [[users]]\nid = \"conformance-kit\"\ntoken_sha256 = \"{}\"\nroles = [\"kit\"]\nclearance = \"top-secret\"\n",
        keys.join(", "),
        quote(&std::path::absolute(path)?.display().to_string()),
        quote(&ours_policy.display().to_string()),
        quote(&std::path::absolute(&peer.component)?.display().to_string()),
        quote(&theirs_policy.display().to_string()),
        hex::encode(token_sha256(&token)),
    );
    let config_file = scratch.join("gateway.toml");
    std::fs::write(&config_file, config_text)?;
    let config = GatewayConfig::from_file(&config_file)?;
    let gateway = match Gateway::start(config, host).await {
        Ok(gateway) => gateway,
        Err(e) => {
            signing.push(format!("the gateway did not start: {e:#}"));
            return Ok((false, signing));
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gateway.serve(listener, async {
        let _ = stopped.await;
    }));
    let body = serde_json::json!({
        "justification": "interop conformance: the Gold-ready exchange",
        "query": query,
    });
    let answer = post(addr, "/v1/search", &token, body).await;
    let _ = stop.send(());
    let _ = server.await;
    let (status, answer) = answer?;
    let mut evidence = signing;
    evidence.push(format!(
        "a gateway with {} {} and {} {}: POST /v1/search {shown} → HTTP {status}",
        ours.id, ours.version, theirs.id, theirs.version
    ));
    if status != 200 {
        evidence.push(answer.to_string());
        return Ok((false, evidence));
    }
    for source in answer["sources"].as_array().into_iter().flatten() {
        evidence.push(format!(
            "{}: {}{}",
            source["connector"].as_str().unwrap_or("?"),
            source["status"].as_str().unwrap_or("?"),
            source["records"]
                .as_u64()
                .map(|n| format!(", {n} records"))
                .unwrap_or_default()
        ));
    }
    let merged: Vec<String> = answer["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| {
            let from: Vec<&str> = g["records"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["connector"].as_str())
                .collect();
            from.contains(&ours.id.as_str()) && from.contains(&theirs.id.as_str())
        })
        .filter_map(|g| {
            let id = g["id"].as_str()?;
            let members: Vec<String> = g["records"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    format!(
                        "{}:{}",
                        r["connector"].as_str().unwrap_or("?"),
                        r["record"]["source"]["local_id"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            Some(format!(
                "{id} ({}: {})",
                g["evidence"]["kind"].as_str().unwrap_or("?"),
                members.join(" + ")
            ))
        })
        .collect();
    if merged.is_empty() {
        evidence.push(format!(
            "no group holds records from both: the same {kind} must come back from both systems alike enough to be linked (a person's names and date of birth, with an address, telephone or PNC id where held; a vehicle's VRM or VIN)"
        ));
        Ok((false, evidence))
    } else {
        evidence.push(format!("merged: {}", merged.join(", ")));
        Ok((true, evidence))
    }
}

/// A TOML string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The policy a force would write for this connector and these values: secrets from files in
/// the scratch directory, outbound access to its endpoints' origins.
fn write_policy(
    scratch: &Path,
    info: &ConnectorInfo,
    values: &BTreeMap<String, String>,
    extra: &[HostPattern],
) -> anyhow::Result<PathBuf> {
    let mut config = String::new();
    let mut secrets = String::new();
    let mut allow: Vec<String> = extra.iter().map(ToString::to_string).collect();
    let mut private: Vec<String> = Vec::new();
    for (key, value) in values {
        let Some(declared) = info.config.iter().find(|k| &k.name == key) else {
            anyhow::bail!("`{}` declares no config key `{key}`", info.id);
        };
        match declared.kind {
            ConfigKind::Secret => {
                let file = scratch.join(format!("{}-{key}.secret", info.id));
                std::fs::write(&file, value)?;
                let _ = writeln!(
                    secrets,
                    "{} = {{ file = {} }}",
                    quote(key),
                    quote(&file.display().to_string())
                );
            }
            ConfigKind::Endpoint | ConfigKind::Text => {
                let _ = writeln!(config, "{} = {}", quote(key), quote(value));
                if matches!(declared.kind, ConfigKind::Endpoint)
                    && let Ok(origin) = HostPattern::from_url(value)
                {
                    let host = origin.host().to_string();
                    if host.parse::<std::net::IpAddr>().is_ok() {
                        private.push(host);
                    } else if host == "localhost" {
                        private.push("127.0.0.1".into());
                        private.push("::1".into());
                    }
                    allow.push(origin.to_string());
                }
            }
        }
    }
    let list = |items: &[String]| {
        items
            .iter()
            .map(|s| quote(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "connector = {}\n[config]\n{config}[secrets]\n{secrets}[network]\nallow = [{}]\nprivate = [{}]\n",
        quote(&info.id),
        list(&allow),
        list(&private)
    );
    let file = scratch.join(format!("{}.toml", info.id));
    std::fs::write(&file, text)?;
    Ok(file)
}

/// POST JSON over HTTP/1.1 to the gateway; the status and the JSON answer.
async fn post(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> anyhow::Result<(u16, serde_json::Value)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let request = http::Request::builder()
        .method("POST")
        .uri(path)
        .header("host", addr.to_string())
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await?.to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
    });
    Ok((status, value))
}
