//! Load a connector component once, then run every call in a fresh, budgeted instance.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use wasmtime::component::{Component, InstancePre, types::ComponentItem};
use wasmtime::{Store, UpdateDeadline};

use crate::capabilities::config::Redactor;
use crate::capabilities::http::{NetGrant, Outbound};
use crate::capabilities::wasi::Preopen;
use crate::contract::Exports;
use crate::contract::call::{Answer, Request};
use crate::engine::Host;
use crate::error::{CallError, LoadError, PluginLabel, TrapKind};
use crate::grant::Grant;
use crate::instance::{CallSetup, InstanceState};
use crate::limits::Limits;
use crate::policy::Policy;
use crate::review::{self, Review};
use crate::types::{
    CheckReport, ConnectorError, ConnectorInfo, EntityKind, PoleRecord, Receipt, RequestContext,
    SearchQuery, SearchResult, Submission,
};

/// Most records one search may return, whatever limit the caller asks for: a page an officer
/// can read, and a bound on what one call moves across the sandbox boundary.
pub const MAX_SEARCH_LIMIT: u32 = 500;

pub use crate::contract::CONTRACT_VERSION;
use crate::contract::{CONNECTOR_EXPORT, compatible};
const OPERATIONS: [&str; 5] = ["describe", "check", "search", "fetch", "submit"];

/// A loaded connector: compiled once, instantiated afresh for every call.
///
/// Cloning is cheap and clones share the compiled code; calls may run concurrently.
#[derive(Clone)]
pub struct Connector {
    inner: Arc<Prepared>,
}

/// A connector compiled, linked and granted: everything a call needs but its instance.
struct Prepared {
    pre: InstancePre<InstanceState>,
    exports: Arc<Exports>,
    label: PluginLabel,
    info: Option<ConnectorInfo>,
    limits: Limits,
    config: Arc<BTreeMap<String, String>>,
    /// Outbound HTTP under the grant's allow-list and exceptions, with this connector's pool.
    outbound: Arc<Outbound>,
    filesystem: Arc<Vec<Preopen>>,
    /// What happens to a record that fails the boundary checks.
    malformed: crate::records::Malformed,
    /// One permit per call that may run at once (the grant's `max_concurrent`).
    permits: Arc<tokio::sync::Semaphore>,
    /// The secrets `describe` declares, as the grant holds them: taken out of the connector's
    /// log lines, error messages and last words.
    redactor: Arc<Redactor>,
    /// The host that loaded it: its engine, and its epoch ticker, which must keep ticking (so
    /// CPU budgets and yields work) while this connector lives, even if the caller drops the
    /// `Host`.
    host: Host,
}

/// Where in a call a failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Instantiate,
    Run,
}

/// The CPU budget ran out; raised from the epoch callback, recognised when the call unwinds.
#[derive(Debug)]
struct CpuBudgetExhausted;

impl std::fmt::Display for CpuBudgetExhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CPU budget exhausted")
    }
}

impl std::error::Error for CpuBudgetExhausted {}

/// Bytes a value takes in JSON: what the boundary meter charges for arguments and answers. It
/// tracks the size of the strings and lists the canonical ABI copies, within a small factor.
fn wire_size<T: serde::Serialize + ?Sized>(value: &T) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Serialising plain data into a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

impl Request<'_> {
    fn wire_size(&self) -> u64 {
        match self {
            Request::Describe => 0,
            Request::Check(ctx) => wire_size(ctx),
            Request::Search(ctx, q) => wire_size(ctx) + wire_size(q),
            Request::Fetch(ctx, _, id) => wire_size(ctx) + id.len() as u64,
            Request::Submit(ctx, item) => wire_size(ctx) + wire_size(item),
        }
    }
}

impl Answer {
    fn wire_size(&self) -> u64 {
        match self {
            Answer::Describe(a) => wire_size(a),
            Answer::Check(a) => wire_size(a),
            Answer::Search(a) => wire_size(a),
            Answer::Fetch(a) => wire_size(a),
            Answer::Submit(a) => wire_size(a),
        }
    }
}

/// Unpack an [`Answer`] of the expected variant.
macro_rules! expect_answer {
    ($answer:expr, $variant:ident) => {
        match $answer {
            Answer::$variant(a) => a,
            _ => unreachable!(concat!(
                "a ",
                stringify!($variant),
                " request gets a ",
                stringify!($variant),
                " answer"
            )),
        }
    };
}

impl Host {
    /// Load a connector component from a file, compile it, and ask it to `describe` itself.
    ///
    /// # Errors
    /// A [`LoadError`] saying what is wrong with the file or the component.
    pub async fn load_file(
        &self,
        path: impl AsRef<Path>,
        grant: Grant,
    ) -> Result<Connector, LoadError> {
        let path = path.as_ref();
        let bytes = read_component(path).await?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        self.load(&name, &bytes, grant).await
    }

    /// Load a connector from component bytes; `name` says where they came from, for errors.
    ///
    /// The grant is enforced as given; [`Host::load_with_policy`] computes it from a policy and
    /// what the connector declares.
    ///
    /// # Errors
    /// A [`LoadError`] saying what is wrong with the component.
    pub async fn load(
        &self,
        name: &str,
        bytes: &[u8],
        grant: Grant,
    ) -> Result<Connector, LoadError> {
        check_contract(name, bytes)?;
        let component = self.compile(name, bytes).await?;
        self.load_component(name, &component, grant).await
    }

    /// Load a connector under a force's policy: compile it, ask it to describe itself with
    /// nothing granted, then enforce the effective grant (what it declares ∩ what the policy
    /// grants). The review says what was granted, dropped and why.
    ///
    /// # Errors
    /// A [`LoadError`]: a bad component, a policy written for another connector, a secret that
    /// cannot be read, a preopened directory that does not exist.
    pub async fn load_with_policy(
        &self,
        path: impl AsRef<Path>,
        policy: &Policy,
    ) -> Result<(Connector, Review), LoadError> {
        let path = path.as_ref();
        let bytes = read_component(path).await?;
        self.load_bytes_with_policy(&path.display().to_string(), &bytes, policy)
            .await
    }

    /// [`Host::load_with_policy`] for component bytes already read (and, in the gateway,
    /// already verified: the bytes checked are the bytes compiled); `name` says where they
    /// came from, for errors.
    ///
    /// # Errors
    /// As [`Host::load_with_policy`].
    pub async fn load_bytes_with_policy(
        &self,
        name: &str,
        bytes: &[u8],
        policy: &Policy,
    ) -> Result<(Connector, Review), LoadError> {
        check_contract(name, bytes)?;
        let component = self.compile(name, bytes).await?;
        self.load_compiled_with_policy(name, &component, policy)
            .await
    }

    /// [`Host::load_with_policy`] for a component already compiled (by [`Host::compile`], or
    /// read back from [`Host::precompile`]'s output by the plugin store). `name` says where it
    /// came from, for errors.
    ///
    /// # Errors
    /// As [`Host::load_with_policy`].
    pub async fn load_compiled_with_policy(
        &self,
        name: &str,
        component: &Component,
        policy: &Policy,
    ) -> Result<(Connector, Review), LoadError> {
        self.under_policy(name, component, policy, true).await
    }

    /// Everything [`Host::load_compiled_with_policy`] checks, but no secret is read: each is
    /// left empty in the grant. What the plugin store checks at install, where the secrets
    /// are the gateway's, not the installer's. The connector returned has described itself
    /// but must not serve.
    ///
    /// # Errors
    /// As [`Host::load_with_policy`], but never an unreadable secret.
    pub async fn check_compiled_with_policy(
        &self,
        name: &str,
        component: &Component,
        policy: &Policy,
    ) -> Result<(Connector, Review), LoadError> {
        self.under_policy(name, component, policy, false).await
    }

    async fn under_policy(
        &self,
        name: &str,
        component: &Component,
        policy: &Policy,
        read_secrets: bool,
    ) -> Result<(Connector, Review), LoadError> {
        let name = name.to_string();
        let bare = Grant {
            limits: policy.limits.limits(),
            ..Grant::default()
        };
        let connector = self.load_component(&name, component, bare).await?;
        let shape = crate::inspect::shape(self.engine(), component);
        let review = review::review_protecting(
            &name,
            policy,
            connector.info(),
            &shape,
            None,
            self.protected(),
        );
        let refuse = |reason: String| LoadError::Grant {
            name: name.clone(),
            reason,
        };
        if let Some(f) = review.findings.iter().find(|f| {
            matches!(
                f.code,
                "wrong-connector" | "filesystem-missing" | "filesystem-exposes"
            )
        }) {
            return Err(refuse(format!("{}: {}", policy.source, f.message)));
        }
        let grant = if read_secrets {
            review
                .effective
                .grant()
                .map_err(|e| refuse(format!("{}: {e}", policy.source)))?
        } else {
            review.effective.grant_without_secrets()
        };
        let connector = connector.with_grant(grant).map_err(|e| refuse(e.0))?;
        Ok((connector, review))
    }

    /// Check that `bytes` are a component built against a contract this host speaks, reading
    /// its marks without compiling it: what [`Host::load`] checks first.
    ///
    /// # Errors
    /// [`LoadError::NotWasm`], [`LoadError::CoreModule`], [`LoadError::Invalid`] or
    /// [`LoadError::Contract`].
    pub fn admit(&self, name: &str, bytes: &[u8]) -> Result<(), LoadError> {
        check_contract(name, bytes)
    }

    /// [`Host::load`] for a component already compiled (by [`Host::compile`], or read back by
    /// an [`crate::artifacts::ArtifactCache`]); `name` says where it came from, for errors.
    ///
    /// # Errors
    /// As [`Host::load`], but for the checks of the bytes themselves, which compiling made.
    pub async fn load_compiled(
        &self,
        name: &str,
        component: &Component,
        grant: Grant,
    ) -> Result<Connector, LoadError> {
        self.load_component(name, component, grant).await
    }

    async fn load_component(
        &self,
        name: &str,
        component: &Component,
        grant: Grant,
    ) -> Result<Connector, LoadError> {
        check_grant(&grant).map_err(|reason| LoadError::Grant {
            name: name.to_string(),
            reason,
        })?;
        let version = check_world(self.engine(), name, component)?;
        let pre = self
            .linker()
            .instantiate_pre(component)
            .map_err(|e| LoadError::Link {
                name: name.to_string(),
                reason: format!("{e:#}"),
            })?;
        let exports = Exports::of(component, &version).ok_or_else(|| LoadError::WrongWorld {
            name: name.to_string(),
            reason: "the connector interface's functions cannot be found".into(),
        })?;
        let mut prepared = Prepared::new(
            pre,
            Arc::new(exports),
            PluginLabel {
                id: name.to_string(),
                version: String::new(),
            },
            grant,
            self.clone(),
        );
        let info = prepared
            .run(Request::Describe)
            .await
            .map(|a| expect_answer!(a, Describe))
            .map_err(|e| LoadError::Describe {
                name: name.to_string(),
                failure: Box::new(e),
            })?;
        check_description(&info, &version).map_err(|reason| LoadError::Description {
            name: name.to_string(),
            reason,
        })?;
        prepared.label = PluginLabel {
            id: info.id.clone(),
            version: info.version.clone(),
        };
        prepared.described(info);
        Ok(Connector {
            inner: Arc::new(prepared),
        })
    }

    /// Compile component bytes to this engine's native code, after checking they are a
    /// component built against a contract this host speaks, and return the artifact: what the
    /// plugin store keeps so a gateway loads a connector in milliseconds instead of compiling
    /// it again. Only this host's engine configuration can load the artifact back.
    ///
    /// # Errors
    /// As [`Host::compile`], and [`LoadError::Contract`].
    pub async fn precompile(&self, name: &str, bytes: &[u8]) -> Result<Vec<u8>, LoadError> {
        check_contract(name, bytes)?;
        let engine = self.engine().clone();
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || engine.precompile_component(&bytes))
            .await
            .map_err(|e| LoadError::Invalid {
                name: name.to_string(),
                reason: format!("compiler task failed: {e}"),
            })?
            .map_err(|e| LoadError::Invalid {
                name: name.to_string(),
                reason: format!("{e:#}"),
            })
    }

    /// Compile component bytes, after checking they are a component at all. [`Host::load`]
    /// does this itself; tools that only inspect a component call it directly.
    ///
    /// # Errors
    /// [`LoadError::NotWasm`], [`LoadError::CoreModule`] or [`LoadError::Invalid`].
    pub async fn compile(&self, name: &str, bytes: &[u8]) -> Result<Component, LoadError> {
        check_header(name, bytes)?;
        let engine = self.engine().clone();
        let bytes = bytes.to_vec();
        // Compiling is seconds of CPU for a large component: keep it off the async workers.
        tokio::task::spawn_blocking(move || Component::from_binary(&engine, &bytes))
            .await
            .map_err(|e| LoadError::Invalid {
                name: name.to_string(),
                reason: format!("compiler task failed: {e}"),
            })?
            .map_err(|e| LoadError::Invalid {
                name: name.to_string(),
                reason: format!("{e:#}"),
            })
    }
}

/// Read a component file, naming it if that fails.
async fn read_component(path: &Path) -> Result<Vec<u8>, LoadError> {
    tokio::fs::read(path)
        .await
        .map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })
}

/// A grant the host cannot honour: what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnusableGrant(pub String);

/// Refuse a grant the host cannot honour, before anything runs.
fn check_grant(grant: &Grant) -> Result<(), String> {
    if grant.limits.memory_bytes > Limits::MAX_MEMORY_BYTES {
        return Err(format!(
            "memory cap of {} bytes is over the host's maximum of {} bytes",
            grant.limits.memory_bytes,
            Limits::MAX_MEMORY_BYTES
        ));
    }
    for dir in &grant.filesystem {
        if !dir.path.is_dir() {
            return Err(format!(
                "{} is not a directory; it cannot be preopened",
                dir.path.display()
            ));
        }
    }
    Ok(())
}

/// Tell "not wasm" and "core module" apart from a broken component, before the compiler does.
fn check_header(name: &str, bytes: &[u8]) -> Result<(), LoadError> {
    const MAGIC: &[u8] = b"\0asm";
    if bytes.len() < 8 || &bytes[..4] != MAGIC {
        return Err(LoadError::NotWasm {
            name: name.to_string(),
        });
    }
    // Version 1 with layer 0 is a core module; components use layer 1.
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(LoadError::CoreModule {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Refuse a component built against a contract this host does not speak, reading its marks
/// from the bytes before anything is compiled.
pub(crate) fn check_contract(name: &str, bytes: &[u8]) -> Result<(), LoadError> {
    check_header(name, bytes)?;
    let stamp = crate::contract::read(bytes).map_err(|e| LoadError::Invalid {
        name: name.to_string(),
        reason: e.0,
    })?;
    match crate::contract::refusal(&stamp) {
        Some(reason) => Err(LoadError::Contract {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Check the component exports the connector interface at a version this host speaks, with
/// every operation, so the error can say exactly what is missing; the version it exports.
fn check_world(
    engine: &wasmtime::Engine,
    name: &str,
    component: &Component,
) -> Result<String, LoadError> {
    let wrong = |reason: String| LoadError::WrongWorld {
        name: name.to_string(),
        reason,
    };
    let ty = component.component_type();
    let exports: Vec<(String, ComponentItem)> = ty
        .exports(engine)
        .map(|(n, item)| (n.to_string(), item.ty))
        .collect();
    let Some((export_name, item)) = exports
        .iter()
        .find(|(n, _)| n.split('@').next() == Some(CONNECTOR_EXPORT))
    else {
        let names: Vec<&str> = exports.iter().map(|(n, _)| n.as_str()).collect();
        return Err(wrong(format!(
            "it exports no `{CONNECTOR_EXPORT}@{CONTRACT_VERSION}` interface (its exports: {}); a Rust connector gets it from `interop_sdk::export_connector!`",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    };
    let version = export_name.split_once('@').map(|(_, v)| v).unwrap_or("");
    if !compatible(version) {
        return Err(wrong(format!(
            "it exports `{export_name}`, but this host supports contract versions {}",
            crate::contract::SUPPORTED
        )));
    }
    let ComponentItem::ComponentInstance(instance) = item else {
        return Err(wrong(format!(
            "`{export_name}` is not an interface instance"
        )));
    };
    let functions: Vec<String> = instance
        .exports(engine)
        .map(|(n, _)| n.to_string())
        .collect();
    let missing: Vec<&str> = OPERATIONS
        .iter()
        .copied()
        .filter(|op| !functions.iter().any(|f| f == op))
        .collect();
    if !missing.is_empty() {
        return Err(wrong(format!(
            "`{export_name}` lacks {}",
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(version.to_string())
}

/// Most configuration keys a connector may declare: a real one has a handful; a reviewer reads
/// every one.
const MAX_CONFIG_KEYS: usize = 64;
/// Longest name or vendor a `describe` may give: a line on a reviewer's screen.
const MAX_DECLARED_NAME: usize = 200;
/// Longest connector description: a paragraph.
const MAX_DECLARED_DESCRIPTION: usize = 2_000;
/// Longest config key description or example.
const MAX_DECLARED_TEXT: usize = 500;

/// The id and version name the plugin in every log line, error and audit record: keep them to
/// safe, short text. The contract version must be one this host speaks. The configuration keys
/// it declares must be names a policy can hold; free text (name, vendor, descriptions) is
/// length-capped here and neutralised wherever a person reads it.
fn check_description(info: &ConnectorInfo, exported: &str) -> Result<(), String> {
    let id_ok = (1..=64).contains(&info.id.len())
        && info.id.starts_with(|c: char| c.is_ascii_lowercase())
        && info
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(format!(
            "id {:?} must be 1–64 characters of a–z, 0–9 and `-`, starting with a letter",
            crate::text::neutralise(&info.id, 80)
        ));
    }
    let version_ok = (1..=64).contains(&info.version.len())
        && info
            .version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    if !version_ok {
        return Err(format!(
            "version {:?} must be 1–64 characters of letters, digits, `.`, `-` and `+` (semver)",
            crate::text::neutralise(&info.version, 80)
        ));
    }
    let config = &info.config;
    if config.len() > MAX_CONFIG_KEYS {
        return Err(format!(
            "it declares {} configuration keys; a connector may declare at most {MAX_CONFIG_KEYS}",
            config.len()
        ));
    }
    for (i, key) in config.iter().enumerate() {
        let shown = crate::text::neutralise(&key.name, 80);
        if !crate::capabilities::config::declarable_key(&key.name) {
            return Err(format!(
                "config key {shown:?} is not a name a policy can hold: use 1–64 lower-case letters, digits and `_`, starting with a letter (e.g. `base_url`)"
            ));
        }
        if config[..i].iter().any(|k| k.name == key.name) {
            return Err(format!("config key `{shown}` is declared twice"));
        }
        if key.description.len() > MAX_DECLARED_TEXT
            || key
                .example
                .as_ref()
                .is_some_and(|e| e.len() > MAX_DECLARED_TEXT)
        {
            return Err(format!(
                "config key `{shown}`: its description and example may be at most {MAX_DECLARED_TEXT} bytes each"
            ));
        }
    }
    for (what, text, max) in [
        ("name", &info.name, MAX_DECLARED_NAME),
        ("vendor", &info.vendor, MAX_DECLARED_NAME),
        ("description", &info.description, MAX_DECLARED_DESCRIPTION),
    ] {
        if text.len() > max {
            return Err(format!(
                "its {what} is {} bytes; at most {max} are kept",
                text.len()
            ));
        }
    }
    if !compatible(&info.contract_version) {
        return Err(format!(
            "it says it was built against contract version {:?}; this host supports {}",
            crate::text::neutralise(&info.contract_version, 80),
            crate::contract::SUPPORTED
        ));
    }
    if crate::contract::version_of(&info.contract_version) != crate::contract::version_of(exported)
    {
        return Err(format!(
            "it says it was built against contract version {:?} but exports contract {exported}; rebuild it with one SDK",
            crate::text::neutralise(&info.contract_version, 80),
        ));
    }
    Ok(())
}

impl Connector {
    /// What the connector said about itself when it was loaded.
    pub fn info(&self) -> &ConnectorInfo {
        // Set before the `Connector` is handed out.
        self.inner
            .info
            .as_ref()
            .expect("a loaded connector always has its describe answer")
    }

    /// Plugin id and version, as errors name it.
    pub fn label(&self) -> &PluginLabel {
        &self.inner.label
    }

    /// The budgets calls run under.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// The same compiled connector under another grant (its `describe` answer is kept). Calls
    /// already running keep the grant they started with.
    ///
    /// # Errors
    /// When the host cannot honour the grant (see [`Host::load`]).
    pub fn with_grant(&self, grant: Grant) -> Result<Connector, UnusableGrant> {
        check_grant(&grant).map_err(UnusableGrant)?;
        let mut prepared = Prepared::new(
            self.inner.pre.clone(),
            self.inner.exports.clone(),
            self.inner.label.clone(),
            grant,
            self.inner.host.clone(),
        );
        if let Some(info) = self.inner.info.clone() {
            prepared.described(info);
        }
        Ok(Connector {
            inner: Arc::new(prepared),
        })
    }

    /// Ask the connector to describe itself again, in a fresh instance.
    ///
    /// # Errors
    /// [`CallError`] if the instance traps or runs out of budget.
    pub async fn describe(&self) -> Result<ConnectorInfo, CallError> {
        let answer = self.inner.run(Request::Describe).await?;
        Ok(expect_answer!(answer, Describe))
    }

    /// Can the connector reach its vendor system with the configuration granted?
    ///
    /// # Errors
    /// [`CallError::Connector`] with the connector's answer, or a sandbox stop.
    pub async fn check(&self, ctx: &RequestContext) -> Result<CheckReport, CallError> {
        let answer = self.inner.run(Request::Check(ctx)).await?;
        self.inner.flatten("check", expect_answer!(answer, Check))
    }

    /// Search the vendor system. At most `query.limit` records come back (and never more than
    /// [`MAX_SEARCH_LIMIT`]: a larger limit is lowered); more is refused as a connector bug.
    ///
    /// # Errors
    /// [`CallError::Connector`] with the connector's answer, or a sandbox stop.
    pub async fn search(
        &self,
        ctx: &RequestContext,
        query: &SearchQuery,
    ) -> Result<SearchResult, CallError> {
        let lowered;
        let query = if query.limit > MAX_SEARCH_LIMIT {
            lowered = SearchQuery {
                limit: MAX_SEARCH_LIMIT,
                ..query.clone()
            };
            &lowered
        } else {
            query
        };
        let answer = self.inner.run(Request::Search(ctx, query)).await?;
        let mut result = self
            .inner
            .flatten("search", expect_answer!(answer, Search))?;
        if result.records.len() > query.limit as usize {
            return Err(CallError::Connector {
                plugin: self.inner.label.clone(),
                operation: "search",
                error: ConnectorError::Internal(format!(
                    "connector returned {} records for a limit of {}",
                    result.records.len(),
                    query.limit
                )),
            });
        }
        let (records, dropped) = crate::records::admit(
            std::mem::take(&mut result.records),
            Some(query.kind),
            self.info().max_classification,
            self.inner.malformed,
            time::OffsetDateTime::now_utc(),
        );
        result.records = records;
        result.dropped = dropped;
        if !dropped.is_none() {
            tracing::warn!(
                plugin = %self.inner.label,
                above_ceiling = dropped.above_ceiling,
                wrong_kind = dropped.wrong_kind,
                malformed = dropped.malformed,
                "records the connector may not return were dropped at the boundary"
            );
        }
        Ok(result)
    }

    /// Fetch one entity by the vendor's id.
    ///
    /// # Errors
    /// [`CallError::Connector`] with the connector's answer, or a sandbox stop.
    pub async fn fetch(
        &self,
        ctx: &RequestContext,
        kind: EntityKind,
        local_id: &str,
    ) -> Result<PoleRecord, CallError> {
        let answer = self.inner.run(Request::Fetch(ctx, kind, local_id)).await?;
        let record = self
            .inner
            .flatten("fetch", *expect_answer!(answer, Fetch))?;
        let (mut kept, dropped) = crate::records::admit(
            vec![record],
            Some(kind),
            self.info().max_classification,
            self.inner.malformed,
            time::OffsetDateTime::now_utc(),
        );
        match kept.pop() {
            Some(record) => Ok(record),
            None => Err(CallError::Connector {
                plugin: self.inner.label.clone(),
                operation: "fetch",
                error: ConnectorError::Internal(format!(
                    "the connector's record was dropped at the boundary: {}",
                    dropped.reason()
                )),
            }),
        }
    }

    /// Create or update one entity in the vendor system.
    ///
    /// # Errors
    /// [`CallError::Connector`] with the connector's answer, or a sandbox stop.
    pub async fn submit(
        &self,
        ctx: &RequestContext,
        item: &Submission,
    ) -> Result<Receipt, CallError> {
        let answer = self.inner.run(Request::Submit(ctx, item)).await?;
        self.inner.flatten("submit", expect_answer!(answer, Submit))
    }
}

impl Prepared {
    fn new(
        pre: InstancePre<InstanceState>,
        exports: Arc<Exports>,
        label: PluginLabel,
        grant: Grant,
        host: Host,
    ) -> Prepared {
        let outbound = Outbound::new(
            label.to_string(),
            NetGrant {
                allow: grant.allow,
                private: grant.private,
                ..NetGrant::default()
            },
            host.resolver(),
        )
        .keep_idle(grant.limits.max_concurrent as usize)
        .rate_limited(grant.limits.requests_per_second);
        Prepared {
            pre,
            exports,
            label,
            info: None,
            limits: grant.limits,
            config: Arc::new(grant.config),
            outbound: Arc::new(outbound),
            filesystem: Arc::new(grant.filesystem),
            malformed: grant.malformed,
            permits: Arc::new(tokio::sync::Semaphore::new(
                grant.limits.max_concurrent.max(1) as usize,
            )),
            redactor: Arc::new(Redactor::default()),
            host,
        }
    }

    /// Take what `describe` said in: the secrets it declares are redacted from then on.
    fn described(&mut self, info: ConnectorInfo) {
        self.redactor = Arc::new(Redactor::of(&info.config, &self.config));
        self.info = Some(info);
    }

    fn flatten<T>(
        &self,
        operation: &'static str,
        answer: Result<T, ConnectorError>,
    ) -> Result<T, CallError> {
        answer.map_err(|error| CallError::Connector {
            plugin: self.label.clone(),
            operation,
            error: self.redactor.redact_error(error),
        })
    }

    fn new_store(&self) -> Store<InstanceState> {
        let state = InstanceState::new(&CallSetup {
            label: self.label.to_string(),
            config: &self.config,
            outbound: &self.outbound,
            filesystem: &self.filesystem,
            wall_clock: self.limits.wall_clock,
            boundary_bytes: self.limits.boundary_bytes,
            memory_bytes: self.limits.memory_bytes,
            requests_at_once: self.limits.requests_at_once,
            redactor: &self.redactor,
        });
        let mut store = Store::new(self.host.engine(), state);
        store.limiter(|s| &mut s.memory);
        // wasmtime's own per-transfer bound: no single import call, and no answer, may copy more
        // than the call's whole boundary cap out of the guest. The meter adds up the transfers.
        store.set_hostcall_fuel(usize::try_from(self.limits.boundary_bytes).unwrap_or(usize::MAX));
        let budget = self.limits.cpu;
        store.call_hook(|ctx, hook| {
            ctx.data().clock.lock().on_hook(hook);
            Ok(())
        });
        // Every epoch tick that lands while guest code runs comes here: charge the guest clock,
        // stop the call if the budget is spent, otherwise yield to the async runtime so a
        // spinning guest never starves other tasks or its own timeout. The clock is paused
        // while the guest is parked, so time other tasks use is not charged to it.
        store.epoch_deadline_callback(move |ctx| {
            let clock = ctx.data().clock.clone();
            let mut guard = clock.lock();
            if guard.spent() > budget {
                return Err(wasmtime::Error::new(CpuBudgetExhausted));
            }
            guard.suspend();
            drop(guard);
            Ok(UpdateDeadline::YieldCustom(
                1,
                Box::pin(async move {
                    tokio::task::yield_now().await;
                    clock.lock().resume();
                }),
            ))
        });
        store.set_epoch_deadline(1);
        store
    }

    /// Run one export in a fresh instance, under every budget, and classify any failure.
    async fn run(&self, request: Request<'_>) -> Result<Answer, CallError> {
        let operation = request.operation();
        let Ok(_permit) = self.permits.try_acquire() else {
            return Err(CallError::Overloaded {
                plugin: self.label.clone(),
                operation,
                limit: self.limits.max_concurrent,
            });
        };
        let mut store = self.new_store();
        store.data().boundary.charge(request.wire_size());
        let outcome = {
            let store = &mut store;
            let pre = &self.pre;
            let exports = &self.exports;
            // The describe that loads the connector (nothing described yet) type-checks every
            // export, so a mistyped one is refused at load. The types are the component's, the
            // same in every instance of it, so later calls check only the export they call.
            let check_all = matches!(request, Request::Describe) && self.info.is_none();
            tokio::time::timeout(self.limits.wall_clock, async move {
                // A failure to instantiate is the host's; anything after is the guest's doing.
                let instance = pre
                    .instantiate_async(&mut *store)
                    .await
                    .map_err(|e| (Stage::Instantiate, e))?;
                if check_all {
                    exports
                        .check_all(&instance, store)
                        .map_err(|e| (Stage::Instantiate, e))?;
                }
                exports
                    .call(request, &instance, store)
                    .await
                    .map_err(|e| (Stage::Run, e))
            })
            .await
        };
        let output = self.redactor.redact(&store.data().output.text());
        if !output.is_empty() {
            for line in output.lines() {
                tracing::debug!(target: "interop::guest", plugin = %self.label, "output: {}", crate::text::neutralise(line, 1024));
            }
        }
        let boundary = &store.data().boundary;
        tracing::trace!(plugin = %self.label, operation, "{} bytes crossed the boundary", boundary.used());
        match outcome {
            Ok(Ok(value)) if boundary.charge(value.wire_size()) => Ok(value),
            Ok(Ok(_)) => Err(CallError::Boundary {
                plugin: self.label.clone(),
                operation,
                cap: boundary.cap(),
            }),
            Ok(Err((stage, error))) => Err(self.classify(operation, stage, error, &store, &output)),
            Err(_elapsed) => Err(CallError::Timeout {
                plugin: self.label.clone(),
                operation,
                timeout: self.limits.wall_clock,
            }),
        }
    }

    fn classify(
        &self,
        operation: &'static str,
        stage: Stage,
        error: wasmtime::Error,
        store: &Store<InstanceState>,
        output: &str,
    ) -> CallError {
        let plugin = self.label.clone();
        // wasmtime's hostcall fuel error is private: recognise it by its text.
        if store.data().boundary.exceeded()
            || format!("{error:#}").contains("fuel allocated for hostcalls has been exhausted")
        {
            return CallError::Boundary {
                plugin,
                operation,
                cap: self.limits.boundary_bytes,
            };
        }
        if error.downcast_ref::<CpuBudgetExhausted>().is_some() {
            return CallError::CpuBudget {
                plugin,
                operation,
                budget: self.limits.cpu,
            };
        }
        // A refused growth explains a trap that follows it, and an instantiation that failed
        // because the component's initial memory is over the cap.
        if let Some(asked) = store.data().memory.denied() {
            return CallError::Memory {
                plugin,
                operation,
                cap: self.limits.memory_bytes,
                asked,
            };
        }
        let Some(trap) = error.downcast_ref::<wasmtime::Trap>() else {
            if stage == Stage::Instantiate {
                return CallError::Host {
                    plugin,
                    operation,
                    reason: format!("{error:#}"),
                };
            }
            // Not a wasm trap, raised while the guest ran: a host import refused a call (too
            // many handles, too many random bytes, …) and that ends the instance.
            let reason = crate::text::neutralise(&error.root_cause().to_string(), QUOTED_OUTPUT);
            return CallError::Trap {
                plugin,
                operation,
                kind: TrapKind::ImportRefused(reason),
                guest_message: last_words(output),
            };
        };
        let panic = panic_message(output);
        let kind = match trap {
            _ if panic.is_some() => TrapKind::Panic,
            wasmtime::Trap::UnreachableCodeReached => TrapKind::Unreachable,
            wasmtime::Trap::StackOverflow => TrapKind::StackOverflow,
            wasmtime::Trap::MemoryOutOfBounds
            | wasmtime::Trap::TableOutOfBounds
            | wasmtime::Trap::HeapMisaligned => TrapKind::OutOfBounds,
            wasmtime::Trap::IntegerOverflow
            | wasmtime::Trap::IntegerDivisionByZero
            | wasmtime::Trap::BadConversionToInteger => TrapKind::Arithmetic,
            other => TrapKind::Other(other.to_string()),
        };
        let guest_message = panic.or_else(|| last_words(output));
        CallError::Trap {
            plugin,
            operation,
            kind,
            guest_message,
        }
    }
}

/// Most characters of guest output quoted in an error.
const QUOTED_OUTPUT: usize = 1024;

/// A Rust panic prints `thread '…' panicked at FILE:LINE:COL:` then the message; take the
/// message and its location.
fn panic_message(output: &str) -> Option<String> {
    let start = output.find("panicked at ")?;
    let rest = &output[start + "panicked at ".len()..];
    let (location, message) = rest.split_once(":\n").unwrap_or((rest, ""));
    let message = message
        .lines()
        .take_while(|l| !l.starts_with("note: "))
        .collect::<Vec<_>>()
        .join(" ");
    let text = format!("{} (at {})", message.trim(), location.trim());
    Some(crate::text::neutralise(&text, QUOTED_OUTPUT))
}

/// The last non-empty line the guest printed, if any.
fn last_words(output: &str) -> Option<String> {
    output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| crate::text::neutralise(l.trim(), QUOTED_OUTPUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_checks_name_the_problem() {
        assert!(matches!(
            check_header("x", b"hello world"),
            Err(LoadError::NotWasm { .. })
        ));
        assert!(matches!(
            check_header("x", b"\0asm"),
            Err(LoadError::NotWasm { .. })
        ));
        assert!(matches!(
            check_header("x", b"\0asm\x01\0\0\0"),
            Err(LoadError::CoreModule { .. })
        ));
        assert!(check_header("x", b"\0asm\x0d\0\x01\0").is_ok());
    }

    fn info(id: &str, version: &str, contract: &str) -> ConnectorInfo {
        ConnectorInfo {
            id: id.into(),
            name: "n".into(),
            vendor: "v".into(),
            version: version.into(),
            contract_version: contract.into(),
            description: String::new(),
            entity_kinds: vec![],
            operations: vec![],
            config: vec![],
            max_classification: crate::types::Classification::Official,
        }
    }

    #[test]
    fn descriptions_are_checked() {
        assert!(check_description(&info("kestrel-rms", "1.2.3-beta+7", "0.1.0"), "0.1.0").is_ok());
        assert!(check_description(&info("kestrel-rms", "1.0.0", "0.2.1"), "0.2.0").is_ok());
        for (id, version, contract) in [
            ("Kestrel", "1.0.0", "0.1.0"),
            ("x\u{1b}[31m", "1.0.0", "0.1.0"),
            ("", "1.0.0", "0.1.0"),
            ("1abc", "1.0.0", "0.1.0"),
            ("ok", "1.0 \n", "0.1.0"),
            ("ok", "", "0.1.0"),
            ("ok", "1.0.0", "0.3.0"),
            ("ok", "1.0.0", "0.2.0"),
        ] {
            let err = check_description(&info(id, version, contract), "0.1.0").unwrap_err();
            assert!(!err.chars().any(|c| c.is_control()), "{err}");
        }
    }

    #[test]
    fn declared_names_must_be_identifiers_and_texts_bounded() {
        let mut i = info("acme-rms", "1.0.0", "0.2.0");
        let key = |name: &str| crate::types::ConfigKey {
            name: name.into(),
            description: "d".into(),
            kind: crate::types::ConfigKind::Text,
            required: false,
            example: None,
        };
        i.config = vec![key("base_url"), key("api_key2")];
        assert!(check_description(&i, "0.2.0").is_ok());
        for bad in [
            "x = 1\n[[filesystem]]\npath = \"/\"",
            "Base_Url",
            "1st",
            "has-dash",
            "",
            &"k".repeat(65),
        ] {
            i.config = vec![key(bad)];
            let err = check_description(&i, "0.2.0").unwrap_err();
            assert!(!err.chars().any(|c| c.is_control()), "{err}");
        }
        i.config = vec![key("a"), key("a")];
        assert!(
            check_description(&i, "0.2.0")
                .unwrap_err()
                .contains("twice")
        );
        i.config = vec![];
        i.description = "d".repeat(MAX_DECLARED_DESCRIPTION + 1);
        assert!(check_description(&i, "0.2.0").is_err());
    }

    #[test]
    fn contract_versions() {
        assert!(compatible("0.1.0"));
        assert!(compatible("0.1.7"));
        assert!(compatible("0.2.0"));
        assert!(!compatible("0.3.0"));
        assert!(!compatible("1.1.0"));
        assert!(!compatible(""));
    }

    #[test]
    fn panic_text_is_extracted() {
        let out = "thread '<unnamed>' panicked at src/lib.rs:12:9:\ndeliberate panic: boom\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            panic_message(out).unwrap(),
            "deliberate panic: boom (at src/lib.rs:12:9)"
        );
        assert_eq!(panic_message("nothing here"), None);
    }
}
