//! # interop-gateway
//!
//! `interop serve`: the gateway where an officer searches every connected system at once and
//! enters data once. Every data call is authenticated (bearer token), authorised (role →
//! connectors and operations), justified, filtered by clearance and audited before the response
//! leaves.
//!
//! Only signed connectors run: each component is verified against the `[trust]` section (see
//! [`interop_sandbox::signing`]) before it is compiled, and one that is refused stops the start. The
//! development switch `allow_unsigned = true` loads unsigned ones, with a warning at start and
//! for each, marked unsigned in the audit record and in `GET /v1/connectors`.
//!
//! Routes (JSON; the OpenAPI document is at `GET /openapi.json`):
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /healthz` | anyone | liveness |
//! | `GET /metrics` | the scrape token (`[metrics]`), or loopback clients when none is set | Prometheus metrics |
//! | `GET /openapi.json` | anyone | the API description |
//! | `GET /v1/connectors` | any user | installed connectors, their describe answers, signer, health |
//! | `POST /v1/search` | role with `search` | federated search across connectors |
//! | `POST /v1/connectors/{id}/search\|fetch\|submit` | role with that operation | one connector |
//! | `POST /v1/profile` | role with `fetch` on each member's connector | one subject's picture: its records fetched, links followed one hop, facts side by side, audited as one combination |
//! | `POST /v1/submit` | role with `submit` | enter once: one entity to every connector that takes it |
//! | `GET /v1/audit` | role with `audit = true` | query the audit log, a page at a time (the read is audited) |
//!
//! Users, roles, the claims mapping and the trust store reload while it runs (on a file change,
//! `SIGHUP` or `interop serve --reload`), whole and audited; a revoked key stops its
//! connectors in the same reload (see [`live`]).
//!
//! Every `/v1` answer is audited before it leaves: a request becomes an `Access` holding its
//! audit record, and the only ways to a response write that record first (see `access.rs`).

#![deny(missing_docs)]
#![cfg_attr(not(test), forbid(clippy::unwrap_used))]

/// The gateway's configuration file (parsed in `interop-api`, which links no wasmtime).
pub use interop_api::config;
mod access;
mod access_config;
mod app;
mod auth;
pub mod federation;
mod handlers;
mod listener;
pub mod live;
pub mod metrics;
mod oidc;
mod openapi;
mod parallel;
mod reload;
mod router;
mod shared;
pub mod store;

pub use reload::verifier;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use tokio::net::TcpListener;

use config::{GatewayConfig, Revoked};
use interop_audit::AuditLog;
use interop_sandbox::Connector;
use interop_sandbox::Host;
use interop_sandbox::policy::Policy;
use interop_sandbox::signing::{self, KeyId, PublicKey, SignatureError, TrustStore};
use metrics::Metrics;

/// An installed connector as the gateway runs it.
pub struct Plugin {
    /// The loaded connector under its policy's effective grant.
    pub connector: Connector,
    /// SHA-256 of the component file, as audited.
    pub component_sha256: String,
    /// The trusted key that signed it; `None` when it was loaded unsigned under
    /// `allow_unsigned`.
    pub signer: Option<KeyId>,
    /// The policy file it runs under.
    pub policy: String,
    /// The store version it was loaded from; `None` for a `[[connectors]]` file.
    pub stored: Option<crate::store::Version>,
    /// What `interop policy review` finds in it under its policy, computed when it loaded
    /// (shown in the operator console).
    pub findings: Vec<interop_sandbox::review::Finding>,
}

/// Shared state of a running gateway.
pub(crate) struct State {
    pub(crate) config: GatewayConfig,
    /// What runs now. A reload swaps the whole list; a call holds the `Arc<Plugin>` it
    /// started with, so a swap never disturbs calls in flight.
    plugins: std::sync::RwLock<Arc<Vec<Arc<Plugin>>>>,
    pub(crate) audit: AuditLog,
    pub(crate) metrics: Metrics,
    /// How federated answers group records (`[linkage]`).
    pub(crate) linker: federation::Linker,
    /// Which refused unauthenticated requests get a record of their own.
    pub(crate) auth_failures: auth::FailureLimiter,
    pub(crate) started: Instant,
    /// The plugin store and what has been applied from it.
    store: Option<reload::Watch>,
    /// One sign-on with the force's identity provider, when `[oidc]` is configured.
    pub(crate) oidc: Option<oidc::Oidc>,
    /// The per-user rate limit, when `[rate_limit]` is configured.
    pub(crate) rate_limiter: Option<shared::Limiter>,
    /// Users, roles, the claims mapping and the trust store: replaced whole by a reload.
    access: std::sync::RwLock<Arc<access_config::AccessConfig>>,
    /// Makes configuration reloads one at a time.
    reloading: tokio::sync::Mutex<()>,
    /// What the configuration watcher has seen of the files.
    live_watch: live::Watcher,
    /// The console's last verification of the audit chain, shared by the requests that ask
    /// for it within a few seconds of each other.
    pub(crate) audit_check: handlers::console::AuditCheck,
}

impl State {
    /// The connectors running now.
    pub(crate) fn plugins(&self) -> Arc<Vec<Arc<Plugin>>> {
        self.plugins
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_plugins(&self, plugins: Vec<Arc<Plugin>>) {
        *self.plugins.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(plugins);
    }

    /// The access configuration in force now: a request takes it once and decides by it.
    pub(crate) fn access(&self) -> Arc<access_config::AccessConfig> {
        self.access
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_access(&self, access: Arc<access_config::AccessConfig>) {
        *self.access.write().unwrap_or_else(|e| e.into_inner()) = access;
    }
}

/// A gateway ready to serve: connectors loaded, audit log open.
#[derive(Clone)]
pub struct Gateway {
    state: Arc<State>,
}

impl Gateway {
    /// Load every installed connector under its policy and open the audit log. A connector that
    /// fails to load stops the start: a force must know its gateway runs what it installed.
    ///
    /// # Errors
    /// The first connector, policy or audit problem, naming the file.
    pub async fn start(config: GatewayConfig, host: &Host) -> anyhow::Result<Gateway> {
        let access = access_config::AccessConfig::of(&config, 1)?;
        let trust = &access.trust;
        let linker = federation::Linker::new(&config.linkage)
            .with_context(|| format!("{}", config.source.display()))?;
        if config.trust.allow_unsigned {
            tracing::warn!(
                "DEVELOPMENT MODE: [trust] allow_unsigned = true in {}: connectors that carry no \
                 signature will be loaded and run; never use this with real data",
                config.source.display()
            );
        }
        let audit = open_audit(&config).await?;
        let mut plugins: Vec<Arc<Plugin>> = Vec::new();
        // Loaded at once, spread over the cores (a cold start compiles each); checked, audited
        // and reported in the configuration's order, the first failure stopping the start.
        let loaded = {
            let (host, trust) = (host.clone(), trust.clone());
            let allow_unsigned = config.trust.allow_unsigned;
            let wanted = config
                .connectors
                .iter()
                .map(|c| (c.component.clone(), c.policy.clone()))
                .collect();
            parallel::each(wanted, move |(component, policy)| {
                let (host, trust) = (host.clone(), trust.clone());
                async move { load(&host, &component, &policy, &trust, allow_unsigned).await }
            })
            .await
        };
        for (installed, plugin) in config.connectors.iter().zip(loaded) {
            let plugin = match plugin {
                Ok(loaded) => loaded?,
                Err(e) => {
                    return Err(e.context(format!(
                        "connector {} did not load",
                        installed.component.display()
                    )));
                }
            };
            let id = plugin.connector.info().id.clone();
            if plugins.iter().any(|p| p.connector.info().id == id) {
                anyhow::bail!(
                    "{}: connector `{id}` is installed twice; each connector id may appear once",
                    config.source.display()
                );
            }
            access::audit_admin(&audit, "connector-loaded", &plugin).await?;
            tracing::info!(
                "connector {} {} loaded from {} under {}, {}",
                id,
                plugin.connector.info().version,
                installed.component.display(),
                plugin.policy,
                plugin
                    .signer
                    .as_ref()
                    .map_or_else(|| "UNSIGNED".to_string(), |k| format!("signed by key {k}"))
            );
            plugins.push(Arc::new(plugin));
        }
        let store = match &config.store {
            Some(sc) => Some(
                reload::Watch::open(
                    sc,
                    &config.storage,
                    &config.gateway_id,
                    host,
                    reload::verifier_of(&access),
                )
                .await?,
            ),
            None => None,
        };
        // Sessions and rate-limit windows: the replicas' shared state, when they share a database
        // and need it.
        let shared = match &config.storage {
            config::Storage::Postgres { url, ca_file }
                if config.oidc.is_some() || config.rate_limit.is_some() =>
            {
                Some(
                    shared::Db::open(interop_audit::PgConfig {
                        url: url.clone(),
                        ca_file: ca_file.clone(),
                    })
                    .await
                    .with_context(|| {
                        format!(
                            "sessions and rate limits in PostgreSQL ([storage] in {})",
                            config.source.display()
                        )
                    })?,
                )
            }
            _ => None,
        };
        let oidc = oidc::Oidc::setup(&config, shared.as_ref()).await?;
        let rate_limiter = oidc::rate_limiter(&config, shared.as_ref());
        let live_watch = live::Watcher::new(&access);
        let state = Arc::new(State {
            access: std::sync::RwLock::new(Arc::new(access)),
            reloading: tokio::sync::Mutex::new(()),
            live_watch,
            oidc,
            rate_limiter,
            config,
            plugins: std::sync::RwLock::new(Arc::new(plugins)),
            audit,
            metrics: Metrics::default(),
            linker,
            auth_failures: auth::FailureLimiter::default(),
            started: Instant::now(),
            store,
            audit_check: handlers::console::AuditCheck::default(),
        });
        if let Some(watch) = &state.store {
            // At start, a connector in the store that does not load stops the start, as one
            // in the configuration does.
            watch.apply(&state, true).await?;
        }
        Ok(Gateway { state })
    }

    /// Apply the plugin store's changes now, if there are any, instead of at the next poll.
    /// Returns whether anything changed.
    ///
    /// # Errors
    /// When the store's index cannot be read. A connector that fails to load is logged and
    /// audited, and the version running before stays.
    pub async fn reload(&self) -> anyhow::Result<bool> {
        match &self.state.store {
            Some(watch) => watch.apply(&self.state, false).await,
            None => Ok(false),
        }
    }

    /// Read the configuration file again and apply its users, roles, claims mapping and trust
    /// store, whole, or refuse it and keep what runs (see [`live`]). `trigger` says why, for the
    /// audit record (e.g. `SIGHUP`).
    pub async fn reload_config(&self, trigger: &str) -> live::ReloadReport {
        live::reload(&self.state, trigger, None).await
    }

    /// Serve on `listener` until `shutdown` resolves, then stop accepting, let calls in flight
    /// finish (up to 30 s), and close the audit log.
    ///
    /// # Errors
    /// When TLS cannot be set up from the configured files.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> anyhow::Result<()> {
        let tls = match &self.state.config.tls {
            Some((cert, key)) => Some(tls_acceptor(cert, key)?),
            None => None,
        };
        for p in self.state.plugins().iter() {
            self.state.metrics.known(&p.connector.info().id);
        }
        let watcher = self.state.store.as_ref().map(|_| {
            let state = self.state.clone();
            tokio::spawn(async move {
                let Some(watch) = &state.store else { return };
                loop {
                    watch.next_poll().await;
                    if let Err(e) = watch.apply(&state, false).await {
                        tracing::error!("plugin store: {e:#}");
                    }
                }
            })
        });
        let config_watcher = {
            let state = self.state.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(live::WATCH_INTERVAL).await;
                    live::watch_step(&state).await;
                }
            })
        };
        let housekeeping = oidc::spawn_housekeeping(self.state.clone());
        listener::serve(self.state.clone(), listener, tls, shutdown).await;
        if let Some(w) = watcher {
            w.abort();
        }
        config_watcher.abort();
        if let Some(h) = housekeeping {
            h.abort();
        }
        if let Some(watch) = &self.state.store {
            watch.withdraw_report(&self.state.config.gateway_id).await;
        }
        oidc::audit_rate_tallies(&self.state).await;
        let unrecorded = self.state.auth_failures.unrecorded();
        if unrecorded > 0 {
            let mut r = interop_audit::AuditRecord::new(
                interop_audit::AuditEvent::AuthFailure,
                "auth-failures-unrecorded",
            );
            r.outcome = interop_audit::Outcome::Refused;
            r.suppressed = unrecorded;
            r.policy_decision =
                "refused: credentials missing or wrong, over the per-client record rate".into();
            self.state.audit.append(r).await?;
        }
        self.state.audit.close().await?;
        Ok(())
    }

    /// The configured listen address.
    pub fn listen(&self) -> SocketAddr {
        self.state.config.listen
    }

    /// The connectors it runs now.
    pub fn plugins(&self) -> Arc<Vec<Arc<Plugin>>> {
        self.state.plugins()
    }
}

/// Open the audit log where `[storage]` says: local files in `[audit] dir` (the embedded
/// default), or the chain the replicas share in PostgreSQL, signed with this replica's key from
/// `[audit] dir` and checked against `[trust] replica_keys`.
async fn open_audit(config: &GatewayConfig) -> anyhow::Result<AuditLog> {
    match &config.storage {
        config::Storage::Files => AuditLog::open(&config.audit_dir, &config.gateway_id)
            .await
            .with_context(|| {
                format!(
                    "cannot open the audit log in {}",
                    config.audit_dir.display()
                )
            }),
        config::Storage::Postgres { url, ca_file } => {
            let keys = interop_audit::load_public_keys(&config.trust.replica_keys)
                .with_context(|| format!("{}: [trust] replica_keys", config.source.display()))?;
            let pg = interop_audit::PgConfig {
                url: url.clone(),
                ca_file: ca_file.clone(),
            };
            let log = interop_audit::PgLog::open(
                &pg,
                &config.audit_dir,
                &config.gateway_id,
                keys,
                interop_audit::Options::default(),
            )
            .await
            .with_context(|| {
                format!(
                    "cannot open the audit chain in PostgreSQL ([storage] in {}; this replica's \
                     key in {})",
                    config.source.display(),
                    config.audit_dir.display()
                )
            })?;
            let log = AuditLog::new(log);
            tracing::info!(database = %log.describe(), "audit chain in PostgreSQL");
            Ok(log)
        }
    }
}

/// A correlation id unique to this request: a random prefix chosen once per process (so ids
/// from different runs of the gateway do not collide) and a counter. The gateway issues it;
/// a client's own id is kept beside it. It names a request in logs and the audit trail;
/// nothing relies on it being unguessable, so it costs no system call per request.
pub(crate) fn new_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 8];
        if getrandom::getrandom(&mut bytes).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            bytes.copy_from_slice(&nanos.to_le_bytes()[..8]);
        }
        u64::from_le_bytes(bytes) & 0xffff_ffff_ffff
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed) & 0xffff_ffff_ffff;
    format!("{prefix:012x}{n:012x}")
}

/// A connector the trust store refused, before it was compiled.
#[derive(Debug, thiserror::Error)]
#[error("connector {}: refused before compiling: {reason}", component.display())]
pub struct Refused {
    /// The component file.
    pub component: std::path::PathBuf,
    /// Why.
    pub reason: SignatureError,
}

/// The trust store the `[trust]` section describes, its key files read.
fn trust_store(config: &GatewayConfig) -> anyhow::Result<TrustStore> {
    let in_config = || format!("[trust] in {}", config.source.display());
    let mut trust = TrustStore::from_files(config.trust.keys.iter().map(|p| p.as_path()))
        .with_context(in_config)?;
    for revoked in &config.trust.revoked {
        let id = match revoked {
            Revoked::KeyId(id) => KeyId::parse(id)
                .with_context(|| format!("revoked key id `{id}`: {}", in_config()))?,
            Revoked::File(path) => PublicKey::from_file(path).with_context(in_config)?.id(),
        };
        trust.revoke(id);
    }
    Ok(trust)
}

/// Load one connector under its policy: read it once, verify its signature, then compile those
/// same bytes, hashing them for the audit.
async fn load(
    host: &Host,
    component: &Path,
    policy_file: &Path,
    trust: &TrustStore,
    allow_unsigned: bool,
) -> anyhow::Result<Plugin> {
    let bytes = tokio::fs::read(component)
        .await
        .with_context(|| format!("cannot read connector {}", component.display()))?;
    // The signature checked and the file hashed for the audit in one pass over its bytes.
    let (verdict, digest) = signing::verify_with_digest(&bytes, trust);
    let signer = match verdict {
        Ok(signer) => Some(signer.key_id),
        Err(SignatureError::Unsigned) if allow_unsigned => {
            tracing::warn!(
                "UNSIGNED connector {} loaded because allow_unsigned = true (development only)",
                component.display()
            );
            None
        }
        Err(reason) => {
            return Err(Refused {
                component: component.to_path_buf(),
                reason,
            }
            .into());
        }
    };
    let policy = Policy::from_file(policy_file)?;
    let (connector, review) = host
        .load_bytes_with_policy(&component.display().to_string(), &bytes, &policy)
        .await?;
    for f in review
        .findings
        .iter()
        .filter(|f| f.severity >= interop_sandbox::review::Severity::Medium)
    {
        tracing::warn!(
            "{} under {}: {} finding {}: {}",
            connector.info().id,
            policy.source,
            f.severity,
            f.code,
            f.message
        );
    }
    Ok(Plugin {
        connector,
        component_sha256: hex::encode(digest),
        signer,
        policy: policy.source,
        stored: None,
        findings: review.findings,
    })
}

/// A TLS acceptor from PEM files: the certificate chain and its private key.
fn tls_acceptor(cert: &Path, key: &Path) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("cannot read TLS certificate {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!("{} holds no certificate", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a PEM private key from {}", key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .context("the TLS certificate and key do not make a usable pair")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn correlation_ids_are_distinct_and_share_a_process_prefix() {
        let ids: Vec<String> = (0..1000).map(|_| super::new_id()).collect();
        let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        assert!(
            ids.iter()
                .all(|id| id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()))
        );
        assert!(ids.iter().all(|id| id[..12] == ids[0][..12]));
    }
}
