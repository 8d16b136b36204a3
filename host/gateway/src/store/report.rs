//! What each running gateway loaded from the store: `STORE/gateways/GATEWAY_ID.json`.
//!
//! A gateway writes its load report every time it applies the store (at start, and after each
//! change it picks up) and removes it when it stops. `interop plugin install`, `upgrade` and
//! `rollback` read these reports to wait for the running gateways to load the new version,
//! and to say in the gateway's own words why one did not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The directory of load reports inside a store.
pub const REPORTS_DIR: &str = "gateways";
/// Largest report read: a few hundred bytes a connector.
const MAX_REPORT_BYTES: u64 = 4 << 20;

/// One gateway's account of what it runs from the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// The gateway's `[server] gateway_id`.
    pub gateway_id: String,
    /// Its process id, to tell a running gateway from a report left by one that died.
    pub pid: u32,
    /// When it started (RFC 3339, UTC).
    pub started: String,
    /// The store generation it applied.
    pub generation: u64,
    /// When it applied it.
    pub time: String,
    /// Each connector of that generation: what it made of the current version.
    pub connectors: BTreeMap<String, ConnectorLoad>,
}

/// What a gateway made of a connector's current version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorLoad {
    /// The current version's component hash.
    pub component_sha256: String,
    /// Its version.
    pub version: String,
    /// Whether that version runs now.
    pub loaded: bool,
    /// Why not, in the gateway's words (e.g. an environment variable the gateway lacks).
    pub error: Option<String>,
    /// The component that serves instead (the version before), if any.
    pub running_sha256: Option<String>,
}

/// The report file of `gateway_id` in the store at `root`.
pub fn report_path(root: &Path, gateway_id: &str) -> PathBuf {
    let name: String = gateway_id
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    root.join(REPORTS_DIR).join(format!("{name}.json"))
}

/// Write `report` atomically.
///
/// # Errors
/// The directory or file cannot be written.
pub fn write(root: &Path, report: &LoadReport) -> anyhow::Result<()> {
    super::fsutil::create_private_dir(&root.join(REPORTS_DIR))?;
    let bytes = serde_json::to_vec_pretty(report)?;
    super::fsutil::write_private(&report_path(root, &report.gateway_id), &bytes)
}

/// The lock a running gateway holds for as long as it watches the store.
fn lock_path(root: &Path, gateway_id: &str) -> PathBuf {
    report_path(root, gateway_id).with_extension("lock")
}

/// Take the lock that says gateway `gateway_id` runs on the store at `root`; hold the file
/// for as long as it does. `None` (with a warning) when another gateway with this id holds it.
///
/// # Errors
/// The directory or the lock file cannot be created.
pub fn hold(root: &Path, gateway_id: &str) -> anyhow::Result<Option<std::fs::File>> {
    use anyhow::Context as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    super::fsutil::create_private_dir(&root.join(REPORTS_DIR))?;
    let path = lock_path(root, gateway_id);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(e) => {
            tracing::warn!(
                "{}: another gateway with gateway_id `{gateway_id}` runs on this store ({e}); give each its own [server] gateway_id, or `interop plugin install` cannot tell their load reports apart",
                path.display()
            );
            Ok(None)
        }
    }
}

/// Whether the gateway that wrote `report` still runs: it holds its lock. A gateway that died
/// leaves its report, but the lock went with its process.
pub fn alive(root: &Path, report: &LoadReport) -> bool {
    let Ok(file) = std::fs::File::open(lock_path(root, &report.gateway_id)) else {
        return false;
    };
    matches!(
        file.try_lock_shared(),
        Err(std::fs::TryLockError::WouldBlock)
    )
}

/// The reports of the gateways running on the store at `root`, by gateway id.
pub fn running(root: &Path) -> Vec<LoadReport> {
    use std::io::Read as _;
    let Ok(entries) = std::fs::read_dir(root.join(REPORTS_DIR)) else {
        return Vec::new();
    };
    let mut out: Vec<LoadReport> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| {
            let mut text = Vec::new();
            std::fs::File::open(e.path())
                .ok()?
                .take(MAX_REPORT_BYTES)
                .read_to_end(&mut text)
                .ok()?;
            serde_json::from_slice::<LoadReport>(&text).ok()
        })
        .filter(|r| alive(root, r))
        .collect();
    out.sort_by(|a, b| a.gateway_id.cmp(&b.gateway_id));
    out
}

/// What the running gateways made of connector `id` at component `sha256`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No gateway runs on this store: it loads the version when it starts.
    NoGateway,
    /// Every running gateway loaded it.
    Loaded(Vec<String>),
    /// These gateways did not load it: (gateway id, its reason). Others may have.
    Failed {
        /// The gateways that loaded it.
        loaded: Vec<String>,
        /// The gateways that did not, each with its reason.
        failed: Vec<(String, String)>,
    },
    /// These gateways had not reported on the generation within the time allowed.
    TimedOut(Vec<String>),
}

/// Wait up to `timeout` until every gateway running on `store` has applied `generation` or a
/// later one, and say what they made of `id` at `sha256`. A store whose reports cannot be read
/// (a database connection lost) is asked again until the time is up.
pub async fn wait_for(
    store: &dyn super::PluginStore,
    generation: u64,
    id: &str,
    sha256: &str,
    timeout: Duration,
) -> Outcome {
    let deadline = Instant::now() + timeout;
    loop {
        let reports = match store.running().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("cannot read the gateways' load reports: {e:#}");
                if Instant::now() >= deadline {
                    return Outcome::TimedOut(vec![format!("(unknown: {e:#})")]);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        if reports.is_empty() {
            return Outcome::NoGateway;
        }
        let pending: Vec<String> = reports
            .iter()
            .filter(|r| r.generation < generation)
            .map(|r| r.gateway_id.clone())
            .collect();
        if pending.is_empty() {
            let mut loaded = Vec::new();
            let mut failed = Vec::new();
            for r in &reports {
                match r.connectors.get(id) {
                    Some(c) if c.component_sha256 == sha256 && c.loaded => {
                        loaded.push(r.gateway_id.clone());
                    }
                    Some(c) if c.component_sha256 == sha256 => failed.push((
                        r.gateway_id.clone(),
                        c.error
                            .clone()
                            .unwrap_or_else(|| "it did not say why".into()),
                    )),
                    // A later change replaced or removed it before this gateway applied it.
                    _ => failed.push((
                        r.gateway_id.clone(),
                        format!(
                            "its store generation {} no longer has this version of `{id}` (changed again since)",
                            r.generation
                        ),
                    )),
                }
            }
            return if failed.is_empty() {
                Outcome::Loaded(loaded)
            } else {
                Outcome::Failed { loaded, failed }
            };
        }
        if Instant::now() >= deadline {
            return Outcome::TimedOut(pending);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
