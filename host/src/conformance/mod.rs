//! The contract test kit a vendor runs before shipping a connector (`interop conformance`).
//!
//! It loads the component in the real sandbox under default budgets and exercises it: its
//! `describe` answer, every operation it declares, their error paths (invalid input, not
//! found, vendor unreachable, wrong credentials), the records they return (source, handling
//! labels, POLE formats) and the search limit. Each check carries its evidence. The report
//! says which InterOp-Pol tier the evidence supports:
//!
//! - **Bronze**: the contract is implemented and `describe` is complete; needs no vendor system.
//! - **Silver**: every declared operation passes against the vendor's test system, and the
//!   configuration is documented.
//! - **Gold-ready**: an exchange with another supplier's connector through the gateway works
//!   (a federated search merges records of the same person from both).
//!
//! Gold itself is certified by a force, working with the supplier's live system: the kit says
//! only that the evidence for it is there.
//!
//! Checks that need the vendor's system are not run when its configuration is not given (or
//! it cannot be reached); the report lists them as not run, with what to pass.

mod gold;
pub use interop_sandbox::records;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use interop_sandbox::capabilities::http::{IpNet, PrivateExceptions};
use interop_sandbox::types::{
    CheckReport, ConfigKind, ConnectorError, ConnectorInfo, Entity, EntityKind, Event, EventKind,
    Handling, Operation, PoleObject, PoleRecord, Receipt, RequestContext, SearchQuery,
    SearchResult, Submission, Vehicle,
};
use interop_sandbox::{AllowList, CallError, Connector, Grant, Host, HostPattern, Limits};

pub use gold::Peer;

/// What the vendor gives the kit.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Configuration for the vendor's test system, secrets included. Endpoint values are
    /// granted as outbound origins.
    pub config: BTreeMap<String, String>,
    /// Further origins the connector may call.
    pub allow: Vec<HostPattern>,
    /// Searches that find data in the vendor's test system (at least one; one per entity
    /// kind exercises them all).
    pub searches: Vec<SearchQuery>,
    /// What to submit, instead of the kit's synthetic entity.
    pub submission: Option<Submission>,
    /// Another supplier's connector, for the Gold-ready exchange.
    pub peer: Option<Peer>,
    /// Public key files (`.pub`) the component's signature is checked against; empty, the
    /// signature is reported but not judged.
    pub trust: Vec<std::path::PathBuf>,
}

/// The InterOp-Pol tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Tier {
    /// Contract implemented, describe complete.
    Bronze,
    /// Every declared operation passes against the vendor's test system.
    Silver,
    /// An exchange with another connector through the gateway works.
    GoldReady,
}

impl Tier {
    /// The name the InterOp-Pol initiative uses.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Bronze => "Bronze",
            Tier::Silver => "Silver",
            Tier::GoldReady => "Gold-ready",
        }
    }
}

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// It passed.
    Pass,
    /// It failed: the evidence says why.
    Fail,
    /// It could not run (no vendor system, no peer): the evidence says what to pass.
    NotRun,
    /// It does not apply to this connector (an operation it does not declare).
    NotApplicable,
}

/// One check and its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable id, e.g. `fetch-not-found`.
    pub id: String,
    /// The tier it counts towards.
    pub tier: Tier,
    /// What it checks.
    pub title: String,
    /// How it went.
    pub status: Status,
    /// What was called and what came back.
    pub evidence: Vec<String>,
}

/// A tier and whether the evidence supports it.
#[derive(Debug, Clone, Serialize)]
pub struct TierVerdict {
    /// The tier.
    pub tier: Tier,
    /// Every check of this tier and the ones below passed (or does not apply).
    pub supported: bool,
    /// Why not, when not: the failed or missing checks.
    pub reason: Option<String>,
}

/// The kit's report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The component file.
    pub component: String,
    /// The connector's id and version, once it loaded.
    pub connector: Option<String>,
    /// The contract marks read from the component.
    pub contract: interop_sandbox::contract::Stamp,
    /// Whether it is signed, and by which key (not checked against any trust store).
    pub signature: interop_sandbox::signing::SignatureStatus,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
    /// Which tiers the evidence supports.
    pub tiers: Vec<TierVerdict>,
    /// Said on every report.
    pub gold_note: &'static str,
}

impl Report {
    /// True when no check failed (checks not run do not fail the report).
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(|c| c.status == Status::Fail)
    }
}

/// What the report says about Gold.
pub const GOLD_NOTE: &str = "Gold (working with another supplier's system in live use) is certified by a force, not by this kit; Gold-ready means the kit saw the exchange work.";

/// Run every check on the component at `path`.
///
/// # Errors
/// Only when the component file cannot be read; everything wrong with the component itself is
/// a failed check in the report.
pub async fn run(host: &Host, path: &Path, options: &Options) -> anyhow::Result<Report> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let name = path.display().to_string();
    let mut kit = Kit {
        checks: Vec::new(),
        calls: 0,
        slowest: Duration::ZERO,
        stops: Vec::new(),
        records_seen: 0,
        record_problems: Vec::new(),
        record_warnings: Vec::new(),
        searches: options.searches.clone(),
    };
    let contract = interop_sandbox::contract::read(&bytes).unwrap_or_default();
    let signature = interop_sandbox::signing::signature_status(&bytes);
    kit.signature(&bytes, &signature, &options.trust)?;
    let loaded = match crate::compiled::compiled(host, path).await {
        Ok(compiled) => {
            host.load_compiled(&name, &compiled.component, Grant::default())
                .await
        }
        // Refused before compiling (the contract check): the kit reports it as a load error.
        Err(e) => match e.downcast::<interop_sandbox::LoadError>() {
            Ok(load) => Err(load),
            Err(other) => return Err(other),
        },
    };
    let connector = match loaded {
        Ok(c) => {
            kit.push(
                "contract",
                Tier::Bronze,
                "the component implements interop:connector at a version this host speaks",
                Status::Pass,
                vec![
                    format!(
                        "exports interop:connector/connector@{}",
                        contract.exported.as_deref().unwrap_or("?")
                    ),
                    match &contract.stamped {
                        Some(v) => format!(
                            "SDK stamp: contract {v}, interop-sdk {}",
                            contract.sdk.as_deref().unwrap_or("?")
                        ),
                        None => "no SDK stamp (not built with the Rust SDK)".into(),
                    },
                    "loaded and answered describe with nothing granted".into(),
                ],
            );
            c
        }
        Err(e) => {
            kit.push(
                "contract",
                Tier::Bronze,
                "the component implements interop:connector at a version this host speaks",
                Status::Fail,
                vec![e.to_string()],
            );
            return Ok(kit.finish(name, None, contract, signature));
        }
    };
    let info = connector.info().clone();
    kit.describe(&info);
    kit.config_documented(&info);

    let given = VendorConfig::new(options);
    // Without the vendor: everything points at a port where nothing listens.
    let dead = dead_origin()?;
    let offline = connector
        .with_grant(given.grant_offline(&info, &dead))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    kit.undeclared(&offline, &info).await;
    kit.invalid_input(&offline, &info).await;
    kit.unreachable(&offline, &info, &dead, options.submission.as_ref())
        .await;
    let bare = connector
        .with_grant(Grant::default())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    kit.missing_config(&bare, &info).await;

    // With the vendor's test system.
    match given.missing(&info) {
        Some(why) => kit.silver_not_run(&info, &why),
        None => {
            let online = connector
                .with_grant(given.grant(&options.allow))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let reachable = kit.check_online(&online, &info).await;
            if reachable {
                kit.silver(&online, &info, options).await;
                kit.unauthorized(&connector, &info, &given, &options.allow)
                    .await;
            } else {
                kit.silver_not_run(
                    &info,
                    "the vendor's test system did not answer `check` (see the check above)",
                );
            }
        }
    }
    kit.records_check();
    kit.budgets();
    match &options.peer {
        Some(peer) => {
            let evidence = gold::exchange(host, path, &connector, &given, options, peer).await;
            let status = if evidence.0 {
                Status::Pass
            } else {
                Status::Fail
            };
            kit.push(
                "exchange",
                Tier::GoldReady,
                "a federated search through the gateway merges this connector's records with another supplier's",
                status,
                evidence.1,
            );
        }
        None => kit.push(
            "exchange",
            Tier::GoldReady,
            "a federated search through the gateway merges this connector's records with another supplier's",
            Status::NotRun,
            vec!["pass --peer OTHER.wasm (with --peer-config KEY=VALUE for it) and a --search both systems can answer".into()],
        ),
    }
    let label = format!("{} {}", info.id, info.version);
    Ok(kit.finish(name, Some(label), contract, signature))
}

/// The configuration the vendor gave, and what the kit fills in for checks that need none.
struct VendorConfig {
    values: BTreeMap<String, String>,
}

impl VendorConfig {
    fn new(options: &Options) -> VendorConfig {
        VendorConfig {
            values: options.config.clone(),
        }
    }

    /// Why the vendor checks cannot run, if they cannot: a required key without a value.
    fn missing(&self, info: &ConnectorInfo) -> Option<String> {
        let missing: Vec<String> = info
            .config
            .iter()
            .filter(|k| k.required && !self.values.contains_key(&k.name))
            .map(|k| format!("--config {}=…", k.name))
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "no vendor test system was given: pass {}",
                missing.join(" ")
            )
        })
    }

    /// The grant for the vendor's test system: its configuration, its endpoints' origins and
    /// the extra origins given.
    fn grant(&self, extra: &[HostPattern]) -> Grant {
        let mut patterns: Vec<HostPattern> = extra.to_vec();
        for value in self.values.values() {
            if let Ok(p) = HostPattern::from_url(value)
                && (value.starts_with("http://") || value.starts_with("https://"))
            {
                patterns.push(p);
            }
        }
        grant_for(self.values.clone(), patterns)
    }

    /// Every endpoint at `dead`, every other required key with the vendor's value or a
    /// placeholder: the connector is configured, but its vendor cannot be reached.
    fn grant_offline(&self, info: &ConnectorInfo, dead: &str) -> Grant {
        let mut values = BTreeMap::new();
        for key in &info.config {
            let value = match key.kind {
                ConfigKind::Endpoint => dead.to_string(),
                _ => self
                    .values
                    .get(&key.name)
                    .cloned()
                    .or_else(|| key.example.clone())
                    .unwrap_or_else(|| "conformance-placeholder".into()),
            };
            values.insert(key.name.clone(), value);
        }
        grant_for(
            values,
            vec![HostPattern::from_url(dead).expect("a loopback URL is an origin")],
        )
    }
}

/// A grant under default limits; a loopback or literal-IP origin gets its private exception.
fn grant_for(config: BTreeMap<String, String>, patterns: Vec<HostPattern>) -> Grant {
    let allow = AllowList::new(patterns);
    let mut nets: Vec<IpNet> = PrivateExceptions::literals_in(&allow).nets().to_vec();
    if allow.patterns().iter().any(|p| p.host() == "localhost") {
        nets.push(IpNet::host([127, 0, 0, 1].into()));
        nets.push(IpNet::host(std::net::Ipv6Addr::LOCALHOST.into()));
    }
    Grant {
        limits: Limits::default(),
        config,
        allow,
        private: PrivateExceptions::new(nets),
        filesystem: Vec::new(),
        // Records that fail the checks reach the kit with what was wrong, which it reports.
        malformed: records::Malformed::Warn,
    }
}

/// An origin where nothing listens: a loopback port bound and released.
fn dead_origin() -> anyhow::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    drop(listener);
    Ok(format!("http://127.0.0.1:{port}"))
}

fn context(key: Option<String>) -> RequestContext {
    RequestContext {
        user_id: "conformance-kit".into(),
        role: "vendor-testing".into(),
        clearance: interop_sandbox::types::Classification::TopSecret,
        justification: "interop conformance: the contract test kit".into(),
        case_reference: None,
        correlation_id: format!("conformance-{}", nonce()),
        idempotency_key: key,
    }
}

/// Random hex, so ids the kit makes up exist nowhere and retries are told apart.
fn nonce() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::getrandom(&mut bytes).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes = (t as u64).to_le_bytes();
    }
    hex::encode(bytes)
}

fn kinds_text(kinds: &[EntityKind]) -> String {
    kinds
        .iter()
        .map(|k| format!("{k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The entity kinds a submission can carry, by its entity.
fn kind_of(entity: &Entity) -> EntityKind {
    entity.kind()
}

/// What came back from a call, for the evidence.
fn outcome<T>(result: &Result<T, CallError>, ok: impl Fn(&T) -> String) -> String {
    match result {
        Ok(v) => format!("ok: {}", ok(v)),
        Err(e) => format!("{}: {e}", e.class()),
    }
}

fn is_class(result: &Result<impl Sized, CallError>, class: &str) -> bool {
    matches!(result, Err(e) if e.class() == class)
}

struct Kit {
    checks: Vec<Check>,
    calls: usize,
    slowest: Duration,
    /// Calls the sandbox stopped (trap, budget), as evidence for the budgets check.
    stops: Vec<String>,
    records_seen: usize,
    record_problems: Vec<String>,
    record_warnings: Vec<String>,
    /// The vendor's `--search`es.
    searches: Vec<SearchQuery>,
}

impl Kit {
    fn push(&mut self, id: &str, tier: Tier, title: &str, status: Status, evidence: Vec<String>) {
        self.checks.push(Check {
            id: id.to_string(),
            tier,
            title: title.to_string(),
            status,
            evidence,
        });
    }

    /// A search to put to the connector where what it finds does not matter (its vendor is
    /// unreachable, or its credentials wrong): the vendor's own `--search` for a kind it
    /// handles, else text of the shape its first kind is searched by (a name, a VRM, a street).
    fn probe(&self, info: &ConnectorInfo) -> SearchQuery {
        if let Some(q) = self
            .searches
            .iter()
            .find(|q| info.entity_kinds.contains(&q.kind))
        {
            return SearchQuery {
                limit: q.limit.min(5),
                cursor: None,
                ..q.clone()
            };
        }
        let kind = info
            .entity_kinds
            .first()
            .copied()
            .unwrap_or(EntityKind::Person);
        let text = match kind {
            EntityKind::Object => "CF26TST",
            EntityKind::Location => "Example Street",
            _ => "Examplewood",
        };
        query(kind, Some(text), 5)
    }

    fn verdict(ok: bool) -> Status {
        if ok { Status::Pass } else { Status::Fail }
    }

    /// Time a call and note a sandbox stop.
    async fn call<T>(
        &mut self,
        what: &str,
        fut: impl std::future::Future<Output = Result<T, CallError>>,
    ) -> Result<T, CallError> {
        let started = Instant::now();
        let result = fut.await;
        self.calls += 1;
        self.slowest = self.slowest.max(started.elapsed());
        if let Err(e) = &result
            && e.is_sandbox_stop()
        {
            self.stops.push(format!("{what}: {e}"));
        }
        result
    }

    fn look_at(
        &mut self,
        what: &str,
        records: &[PoleRecord],
        kind: Option<EntityKind>,
        info: &ConnectorInfo,
    ) {
        let now = time::OffsetDateTime::now_utc();
        for (i, r) in records.iter().enumerate() {
            self.records_seen += 1;
            for p in records::check(r, kind, info.max_classification, now) {
                let line = format!(
                    "{what} record {i} ({}): {} {}",
                    r.source.local_id, p.field, p.message
                );
                if p.warning {
                    self.record_warnings.push(line);
                } else {
                    self.record_problems.push(line);
                }
            }
        }
    }

    /// Bronze's `signature`: with `--trust`, the component must carry a valid signature by one
    /// of those keys (the artifact the vendor ships); without, it is reported, not judged.
    fn signature(
        &mut self,
        bytes: &[u8],
        status: &interop_sandbox::signing::SignatureStatus,
        trust: &[std::path::PathBuf],
    ) -> anyhow::Result<()> {
        let title = "signed by a key given with --trust, over every byte of the component";
        if trust.is_empty() {
            self.push(
                "signature",
                Tier::Bronze,
                title,
                Status::NotApplicable,
                vec![
                    status.to_string(),
                    "pass --trust VENDOR.pub to check the signature of the artifact you ship"
                        .into(),
                ],
            );
            return Ok(());
        }
        let store = interop_sandbox::signing::TrustStore::from_files(
            trust.iter().map(std::path::PathBuf::as_path),
        )
        .map_err(|e| anyhow::anyhow!("--trust: {e}"))?;
        let keys: Vec<String> = store
            .trusted()
            .map(|k| k.id().as_str().to_string())
            .collect();
        let mut evidence = vec![format!("trusted: {}", keys.join(", "))];
        let ok = match interop_sandbox::signing::verify(bytes, &store) {
            Ok(signer) => {
                evidence.push(format!(
                    "valid signature by trusted key {}{}",
                    signer.key_id,
                    if signer.comment.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", signer.comment)
                    }
                ));
                true
            }
            Err(e) => {
                evidence.push(format!("refused: {e}"));
                false
            }
        };
        self.push(
            "signature",
            Tier::Bronze,
            title,
            Self::verdict(ok),
            evidence,
        );
        Ok(())
    }

    fn describe(&mut self, info: &ConnectorInfo) {
        let mut problems = Vec::new();
        let mut evidence = vec![format!(
            "{} {} by {:?}: {:?}",
            info.id, info.version, info.vendor, info.name
        )];
        for (field, value) in [
            ("name", &info.name),
            ("vendor", &info.vendor),
            ("description", &info.description),
        ] {
            if value.trim().is_empty() {
                problems.push(format!("`{field}` is empty"));
            }
        }
        let semver = {
            let core = info.version.split(['-', '+']).next().unwrap_or("");
            let parts: Vec<&str> = core.split('.').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        if !semver {
            problems.push(format!(
                "version {:?} is not semver (MAJOR.MINOR.PATCH)",
                info.version
            ));
        }
        if info.entity_kinds.is_empty() {
            problems.push("declares no entity kinds".into());
        }
        let data_ops: Vec<&Operation> = info
            .operations
            .iter()
            .filter(|o| !matches!(o, Operation::Check))
            .collect();
        if data_ops.is_empty() {
            problems.push("declares no data operation (search, fetch or submit)".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for op in &info.operations {
            if !seen.insert(format!("{op}")) {
                problems.push(format!("declares {op} twice"));
            }
        }
        evidence.push(format!(
            "entity kinds: {}; operations: {}; returns at most {}",
            kinds_text(&info.entity_kinds),
            info.operations
                .iter()
                .map(|o| format!("{o}"))
                .collect::<Vec<_>>()
                .join(", "),
            info.max_classification
        ));
        evidence.extend(problems.iter().cloned());
        self.push(
            "describe",
            Tier::Bronze,
            "describe is complete: name, vendor, description, semver version, kinds and operations",
            Self::verdict(problems.is_empty()),
            evidence,
        );
    }

    fn config_documented(&mut self, info: &ConnectorInfo) {
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for key in &info.config {
            evidence.push(format!(
                "{} ({}{}): {}",
                key.name,
                key.kind,
                if key.required { ", required" } else { "" },
                key.description
            ));
            if !names.insert(key.name.as_str()) {
                problems.push(format!("`{}` is declared twice", key.name));
            }
            let name_ok = !key.name.is_empty()
                && key.name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                });
            if !name_ok {
                problems.push(format!(
                    "`{}`: key names are lower-case letters, digits, `_` and `-`",
                    key.name
                ));
            }
            if key.description.trim().len() < 10 {
                problems.push(format!("`{}` has no real description", key.name));
            }
            match key.kind {
                ConfigKind::Endpoint => match key.example.as_deref() {
                    Some(e) if e.starts_with("http://") || e.starts_with("https://") => {}
                    _ => problems.push(format!(
                        "endpoint `{}` needs an http(s) example, so a force can write its policy",
                        key.name
                    )),
                },
                ConfigKind::Secret => {
                    if key.example.is_some() {
                        problems.push(format!(
                            "secret `{}` has an example value: secrets have none",
                            key.name
                        ));
                    }
                }
                ConfigKind::Text => {
                    let lower = key.name.to_ascii_lowercase();
                    if [
                        "password", "secret", "token", "api_key", "apikey", "api-key",
                    ]
                    .iter()
                    .any(|w| lower.contains(w))
                    {
                        problems.push(format!(
                            "`{}` looks like a credential but is not declared secret",
                            key.name
                        ));
                    }
                }
            }
        }
        if info.config.is_empty() {
            evidence.push("declares no configuration".into());
        }
        evidence.extend(problems.iter().cloned());
        self.push(
            "config-documented",
            Tier::Silver,
            "every configuration key is documented: description, kind, endpoint example, secrets marked",
            Self::verdict(problems.is_empty()),
            evidence,
        );
    }

    async fn undeclared(&mut self, c: &Connector, info: &ConnectorInfo) {
        let declared = |op: Operation| info.operations.contains(&op);
        let kind = info
            .entity_kinds
            .first()
            .copied()
            .unwrap_or(EntityKind::Person);
        let mut evidence = Vec::new();
        let mut ok = true;
        let mut any = false;
        if !declared(Operation::Check) {
            any = true;
            let r = self.call("check", c.check(&context(None))).await;
            ok &= is_class(&r, "invalid-input");
            evidence.push(format!(
                "check (not declared) → {}",
                outcome(&r, |c| c.message.clone())
            ));
        }
        if !declared(Operation::Search) {
            any = true;
            let r = self
                .call("search", c.search(&context(None), &query(kind, None, 5)))
                .await;
            ok &= is_class(&r, "invalid-input");
            evidence.push(format!(
                "search (not declared) → {}",
                outcome(&r, |s| format!("{} records", s.records.len()))
            ));
        }
        if !declared(Operation::Fetch) {
            any = true;
            let r = self
                .call("fetch", c.fetch(&context(None), kind, "conformance-1"))
                .await;
            ok &= is_class(&r, "invalid-input");
            evidence.push(format!(
                "fetch (not declared) → {}",
                outcome(&r, |r| r.source.local_id.clone())
            ));
        }
        if !declared(Operation::Submit) {
            any = true;
            let r = self
                .call(
                    "submit",
                    c.submit(&context(Some(nonce())), &synthetic(&info.entity_kinds)[0]),
                )
                .await;
            ok &= is_class(&r, "invalid-input");
            evidence.push(format!(
                "submit (not declared) → {}",
                outcome(&r, |r| r.local_id.clone())
            ));
        }
        let title =
            "operations it does not declare answer invalid-input, without calling the vendor";
        if any {
            evidence.push("expected: invalid-input".into());
            self.push(
                "undeclared-operations",
                Tier::Bronze,
                title,
                Self::verdict(ok),
                evidence,
            );
        } else {
            self.push(
                "undeclared-operations",
                Tier::Bronze,
                title,
                Status::NotApplicable,
                vec!["it declares every operation".into()],
            );
        }
    }

    async fn invalid_input(&mut self, c: &Connector, info: &ConnectorInfo) {
        let title = "a request for an entity kind it does not handle answers invalid-input";
        let other = [
            EntityKind::Person,
            EntityKind::Object,
            EntityKind::Location,
            EntityKind::Event,
        ]
        .into_iter()
        .find(|k| !info.entity_kinds.contains(k));
        let Some(other) = other else {
            self.push(
                "invalid-input",
                Tier::Bronze,
                title,
                Status::NotApplicable,
                vec!["it handles every entity kind".into()],
            );
            return;
        };
        let mut evidence = Vec::new();
        let mut ok = true;
        if info.operations.contains(&Operation::Search) {
            let r = self
                .call(
                    "search",
                    c.search(&context(None), &query(other, Some("Examplewood"), 5)),
                )
                .await;
            ok &= is_class(&r, "invalid-input");
            evidence.push(format!(
                "search for {other} → {}",
                outcome(&r, |s| format!("{} records", s.records.len()))
            ));
        }
        if info.operations.contains(&Operation::Fetch) {
            let r = self
                .call("fetch", c.fetch(&context(None), other, "conformance-1"))
                .await;
            ok &= is_class(&r, "invalid-input");
            evidence.push(format!(
                "fetch of a {other} → {}",
                outcome(&r, |r| r.source.local_id.clone())
            ));
        }
        if evidence.is_empty() {
            self.push(
                "invalid-input",
                Tier::Bronze,
                title,
                Status::NotApplicable,
                vec!["it declares neither search nor fetch".into()],
            );
            return;
        }
        evidence.push(format!(
            "expected: invalid-input (it handles {})",
            kinds_text(&info.entity_kinds)
        ));
        self.push(
            "invalid-input",
            Tier::Bronze,
            title,
            Self::verdict(ok),
            evidence,
        );
    }

    async fn unreachable(
        &mut self,
        c: &Connector,
        info: &ConnectorInfo,
        dead: &str,
        given: Option<&Submission>,
    ) {
        let title = "a vendor that cannot be reached answers unavailable, not internal or a trap";
        let kind = info
            .entity_kinds
            .first()
            .copied()
            .unwrap_or(EntityKind::Person);
        if !info
            .config
            .iter()
            .any(|k| matches!(k.kind, ConfigKind::Endpoint))
        {
            self.push(
                "vendor-unreachable",
                Tier::Bronze,
                title,
                Status::NotApplicable,
                vec!["it declares no endpoint configuration key".into()],
            );
            return;
        }
        let mut evidence = vec![format!(
            "every endpoint set to {dead}, where nothing listens"
        )];
        let mut ok = true;
        if info.operations.contains(&Operation::Check) {
            let r = self.call("check", c.check(&context(None))).await;
            ok &= is_class(&r, "unavailable");
            evidence.push(format!("check → {}", outcome(&r, |c| c.message.clone())));
        }
        if info.operations.contains(&Operation::Search) {
            let q = self.probe(info);
            let r = self.call("search", c.search(&context(None), &q)).await;
            ok &= is_class(&r, "unavailable");
            evidence.push(format!(
                "search {} → {}",
                describe_query(&q),
                outcome(&r, |s| format!("{} records", s.records.len()))
            ));
        }
        if info.operations.contains(&Operation::Fetch) {
            let r = self
                .call("fetch", c.fetch(&context(None), kind, "conformance-1"))
                .await;
            ok &= is_class(&r, "unavailable");
            evidence.push(format!(
                "fetch → {}",
                outcome(&r, |r| r.source.local_id.clone())
            ));
        }
        if info.operations.contains(&Operation::Submit) {
            // A kind it does not accept may be refused before the vendor is called: try the
            // vendor's own submission, then each synthetic one, until one reaches the
            // (unreachable) vendor.
            let candidates: Vec<Submission> = given
                .cloned()
                .into_iter()
                .chain(synthetic(&info.entity_kinds))
                .collect();
            let mut reached = false;
            for item in &candidates {
                let r = self
                    .call("submit", c.submit(&context(Some(nonce())), item))
                    .await;
                evidence.push(format!(
                    "submit a {} → {}",
                    kind_of(&item.entity),
                    outcome(&r, |r| r.local_id.clone())
                ));
                if is_class(&r, "invalid-input") {
                    continue;
                }
                reached = true;
                ok &= is_class(&r, "unavailable");
                break;
            }
            if !reached {
                evidence.push(
                    "submit not exercised: every entity tried was refused as invalid input before the vendor was called; pass --submit FILE with one it takes".into(),
                );
            }
        }
        evidence.push("expected: unavailable from each".into());
        self.push(
            "vendor-unreachable",
            Tier::Bronze,
            title,
            Self::verdict(ok),
            evidence,
        );
    }

    async fn missing_config(&mut self, c: &Connector, info: &ConnectorInfo) {
        let title = "without its required configuration it answers with an error, never a trap";
        let required: Vec<&str> = info
            .config
            .iter()
            .filter(|k| k.required)
            .map(|k| k.name.as_str())
            .collect();
        if required.is_empty() {
            self.push(
                "missing-config",
                Tier::Bronze,
                title,
                Status::NotApplicable,
                vec!["it requires no configuration".into()],
            );
            return;
        }
        let (what, r) = self.first_declared_call(c, info).await;
        let ok = matches!(&r, Err(CallError::Connector { .. }));
        let mut evidence = vec![
            format!("granted nothing (it requires {})", required.join(", ")),
            format!("{what} → {}", outcome(&r, |s| s.clone())),
        ];
        if matches!(
            &r,
            Err(CallError::Connector {
                error: ConnectorError::Internal(_),
                ..
            })
        ) {
            evidence.push(
                "note: invalid-input names a configuration problem better than internal".into(),
            );
        }
        evidence.push("expected: a connector error (not ok, not a trap)".into());
        self.push(
            "missing-config",
            Tier::Bronze,
            title,
            Self::verdict(ok),
            evidence,
        );
    }

    /// Call the first operation the connector declares (`check` when it does), with inputs
    /// that need nothing from the vendor: what was called, and what came back (as text).
    async fn first_declared_call(
        &mut self,
        c: &Connector,
        info: &ConnectorInfo,
    ) -> (String, Result<String, CallError>) {
        let declared = |op: Operation| info.operations.contains(&op);
        let kind = info
            .entity_kinds
            .first()
            .copied()
            .unwrap_or(EntityKind::Person);
        if declared(Operation::Check) {
            let r = self.call("check", c.check(&context(None))).await;
            ("check".into(), r.map(|c| c.message))
        } else if declared(Operation::Search) {
            let q = self.probe(info);
            let r = self.call("search", c.search(&context(None), &q)).await;
            (
                format!("search {}", describe_query(&q)),
                r.map(|s| format!("{} records", s.records.len())),
            )
        } else if declared(Operation::Fetch) {
            let r = self
                .call("fetch", c.fetch(&context(None), kind, "conformance-1"))
                .await;
            (
                format!("fetch {kind} \"conformance-1\""),
                r.map(|r| r.source.local_id),
            )
        } else {
            let item = synthetic(&info.entity_kinds).remove(0);
            let r = self
                .call("submit", c.submit(&context(Some(nonce())), &item))
                .await;
            (
                format!("submit a {}", kind_of(&item.entity)),
                r.map(|r| r.local_id),
            )
        }
    }

    /// Silver's `check`: the vendor's test system answers it. A connector that does not
    /// declare `check` is not asked (the contract leaves it optional): the other vendor checks
    /// show whether the test system answers.
    async fn check_online(&mut self, c: &Connector, info: &ConnectorInfo) -> bool {
        if !info.operations.contains(&Operation::Check) {
            self.push(
                CHECK.0,
                Tier::Silver,
                CHECK.1,
                Status::NotApplicable,
                vec!["it does not declare check (optional in the contract): the checks below reach the test system instead".into()],
            );
            return true;
        }
        let r: Result<CheckReport, CallError> = self.call("check", c.check(&context(None))).await;
        let ok = r.is_ok();
        self.push(
            CHECK.0,
            Tier::Silver,
            CHECK.1,
            Self::verdict(ok),
            vec![format!(
                "check → {}",
                outcome(&r, |c| format!(
                    "{}{}",
                    c.message,
                    c.system_version
                        .as_deref()
                        .map(|v| format!(" (system version {v})"))
                        .unwrap_or_default()
                ))
            )],
        );
        ok
    }

    fn silver_not_run(&mut self, info: &ConnectorInfo, why: &str) {
        for (id, title) in silver_checks(info) {
            self.push(
                id,
                Tier::Silver,
                title,
                Status::NotRun,
                vec![why.to_string()],
            );
        }
    }

    async fn silver(&mut self, c: &Connector, info: &ConnectorInfo, options: &Options) {
        let declared = |op: Operation| info.operations.contains(&op);
        // Searches, and a record to fetch.
        let mut found: Option<(EntityKind, String)> = None;
        if declared(Operation::Search) {
            let title = SEARCH.1;
            if options.searches.is_empty() {
                self.push(
                    SEARCH.0,
                    Tier::Silver,
                    title,
                    Status::NotRun,
                    vec!["pass --search KIND=TEXT (or a JSON query) naming data the test system holds".into()],
                );
            } else {
                let mut evidence = Vec::new();
                let mut ok = true;
                for q in &options.searches {
                    let shown = describe_query(q);
                    let r: Result<SearchResult, CallError> =
                        self.call("search", c.search(&context(None), q)).await;
                    evidence.push(format!(
                        "search {shown} → {}",
                        outcome(&r, |s| format!(
                            "{} records{}",
                            s.records.len(),
                            if s.next_cursor.is_some() {
                                ", more pages"
                            } else {
                                ""
                            }
                        ))
                    ));
                    if let Ok(s) = &r
                        && !s.dropped.is_none()
                    {
                        self.record_problems.push(format!(
                            "search {shown}: the host dropped records the connector may not return: {}",
                            s.dropped.reason()
                        ));
                    }
                    match r {
                        Ok(s) if !s.records.is_empty() => {
                            self.look_at(
                                &format!("search {shown}"),
                                &s.records,
                                Some(q.kind),
                                info,
                            );
                            if found.is_none() {
                                found = Some((q.kind, s.records[0].source.local_id.clone()));
                            }
                        }
                        Ok(_) => {
                            ok = false;
                            evidence.push(
                                "found nothing: give a search that matches the test data".into(),
                            );
                        }
                        Err(_) => ok = false,
                    }
                }
                let unsearched: Vec<String> = info
                    .entity_kinds
                    .iter()
                    .filter(|k| !options.searches.iter().any(|q| q.kind == **k))
                    .map(ToString::to_string)
                    .collect();
                if !unsearched.is_empty() {
                    evidence.push(format!(
                        "not exercised (no --search given): {}",
                        unsearched.join(", ")
                    ));
                }
                self.push(SEARCH.0, Tier::Silver, title, Self::verdict(ok), evidence);
            }
            self.limit(c, info, options).await;
        }
        if declared(Operation::Fetch) {
            self.fetch(c, info, found.clone()).await;
        }
        if declared(Operation::Submit) {
            self.submit(c, info, options).await;
        }
    }

    async fn limit(&mut self, c: &Connector, info: &ConnectorInfo, options: &Options) {
        let title = SEARCH_LIMIT.1;
        let Some(q) = options
            .searches
            .iter()
            .find(|q| info.entity_kinds.contains(&q.kind))
        else {
            self.push(
                SEARCH_LIMIT.0,
                Tier::Silver,
                title,
                Status::NotRun,
                vec!["pass --search KIND=TEXT".into()],
            );
            return;
        };
        let kind = q.kind;
        let mut evidence = Vec::new();
        let one = SearchQuery {
            limit: 1,
            cursor: None,
            ..q.clone()
        };
        let r = self.call("search", c.search(&context(None), &one)).await;
        evidence.push(format!(
            "search {} limit 1 → {}",
            describe_query(q),
            outcome(&r, |s| format!(
                "{} records{}",
                s.records.len(),
                if s.next_cursor.is_some() {
                    ", next cursor"
                } else {
                    ""
                }
            ))
        ));
        let mut ok = matches!(&r, Ok(s) if s.records.len() <= 1);
        if let Ok(first) = &r
            && let Some(cursor) = &first.next_cursor
        {
            let next = SearchQuery {
                cursor: Some(cursor.clone()),
                ..one.clone()
            };
            let r2 = self.call("search", c.search(&context(None), &next)).await;
            evidence.push(format!(
                "the next page → {}",
                outcome(&r2, |s| format!("{} records", s.records.len()))
            ));
            match &r2 {
                Ok(s) => {
                    self.look_at("next page", &s.records, Some(kind), info);
                    let same = s.records.first().map(|r| &r.source.local_id)
                        == first.records.first().map(|r| &r.source.local_id);
                    if s.records.len() > 1 || (same && !s.records.is_empty()) {
                        ok = false;
                        evidence
                            .push("the next page repeats the first, or exceeds the limit".into());
                    }
                }
                Err(_) => ok = false,
            }
        }
        self.push(
            SEARCH_LIMIT.0,
            Tier::Silver,
            title,
            Self::verdict(ok),
            evidence,
        );
    }

    async fn fetch(
        &mut self,
        c: &Connector,
        info: &ConnectorInfo,
        found: Option<(EntityKind, String)>,
    ) {
        let kind = found
            .as_ref()
            .map(|(k, _)| *k)
            .or_else(|| info.entity_kinds.first().copied())
            .unwrap_or(EntityKind::Person);
        match found {
            Some((kind, id)) => {
                let r = self.call("fetch", c.fetch(&context(None), kind, &id)).await;
                let mut evidence = vec![format!(
                    "fetch {kind} {id:?} (from the search) → {}",
                    outcome(&r, |r| format!("record {}", r.source.local_id))
                )];
                let ok = match &r {
                    Ok(rec) => {
                        self.look_at("fetch", std::slice::from_ref(rec), Some(kind), info);
                        if rec.source.local_id != id {
                            evidence.push(
                                "the record's source.local-id differs from the id fetched".into(),
                            );
                        }
                        rec.source.local_id == id
                    }
                    Err(_) => false,
                };
                self.push(
                    FETCH_FOUND.0,
                    Tier::Silver,
                    FETCH_FOUND.1,
                    Self::verdict(ok),
                    evidence,
                );
            }
            None => self.push(
                FETCH_FOUND.0,
                Tier::Silver,
                FETCH_FOUND.1,
                Status::NotRun,
                vec!["no search found a record to fetch: pass --search KIND=TEXT".into()],
            ),
        }
        let missing = format!("conformance-no-such-{}", nonce());
        let r = self
            .call("fetch", c.fetch(&context(None), kind, &missing))
            .await;
        let ok = is_class(&r, "not-found");
        self.push(
            FETCH_NOT_FOUND.0,
            Tier::Silver,
            FETCH_NOT_FOUND.1,
            Self::verdict(ok),
            vec![
                format!(
                    "fetch {kind} {missing:?} → {}",
                    outcome(&r, |r| r.source.local_id.clone())
                ),
                "expected: not-found".into(),
            ],
        );
    }

    async fn submit(&mut self, c: &Connector, info: &ConnectorInfo, options: &Options) {
        let title = SUBMIT.1;
        let candidates = match &options.submission {
            Some(given) => vec![given.clone()],
            None => synthetic(&info.entity_kinds),
        };
        let mut evidence = Vec::new();
        let mut accepted = None;
        for (i, item) in candidates.iter().enumerate() {
            let key = format!("conformance-{}", nonce());
            evidence.push(format!(
                "{} {} under idempotency key {key}",
                if options.submission.is_some() {
                    "the given"
                } else {
                    "a synthetic"
                },
                kind_of(&item.entity)
            ));
            let first: Result<Receipt, CallError> = self
                .call("submit", c.submit(&context(Some(key.clone())), item))
                .await;
            evidence.push(format!(
                "submit → {}",
                outcome(&first, |r| format!(
                    "{} (created: {})",
                    r.local_id, r.created
                ))
            ));
            match first {
                Ok(receipt) => {
                    accepted = Some((item.clone(), key, receipt));
                    break;
                }
                Err(e) if e.class() == "invalid-input" && i + 1 < candidates.len() => continue,
                Err(_) => break,
            }
        }
        let Some((item, key, first)) = accepted else {
            evidence.push("if the synthetic entities do not suit the vendor, pass --submit FILE with one that does".into());
            self.push(SUBMIT.0, Tier::Silver, title, Status::Fail, evidence);
            return;
        };
        let kind = kind_of(&item.entity);
        let again = self
            .call("submit", c.submit(&context(Some(key)), &item))
            .await;
        evidence.push(format!(
            "the same submit again → {}",
            outcome(&again, |r| format!(
                "{} (created: {})",
                r.local_id, r.created
            ))
        ));
        let mut ok =
            first.created && matches!(&again, Ok(r) if r.local_id == first.local_id && !r.created);
        if info.operations.contains(&Operation::Fetch) {
            let r = self
                .call("fetch", c.fetch(&context(None), kind, &first.local_id))
                .await;
            evidence.push(format!(
                "fetch {kind} {:?} → {}",
                first.local_id,
                outcome(&r, |r| format!("record {}", r.source.local_id))
            ));
            match &r {
                Ok(rec) => self.look_at(
                    "fetch after submit",
                    std::slice::from_ref(rec),
                    Some(kind),
                    info,
                ),
                Err(_) => ok = false,
            }
        }
        self.push(SUBMIT.0, Tier::Silver, title, Self::verdict(ok), evidence);
    }

    async fn unauthorized(
        &mut self,
        connector: &Connector,
        info: &ConnectorInfo,
        given: &VendorConfig,
        allow: &[HostPattern],
    ) {
        let title = UNAUTHORIZED.1;
        let Some(secret) = info
            .config
            .iter()
            .find(|k| matches!(k.kind, ConfigKind::Secret) && given.values.contains_key(&k.name))
        else {
            self.push(
                UNAUTHORIZED.0,
                Tier::Silver,
                title,
                Status::NotApplicable,
                vec!["it declares no secret".into()],
            );
            return;
        };
        let mut values = given.values.clone();
        values.insert(
            secret.name.clone(),
            format!("conformance-wrong-{}", nonce()),
        );
        let wrong = VendorConfig { values };
        let c = match connector.with_grant(wrong.grant(allow)) {
            Ok(c) => c,
            Err(e) => {
                self.push(UNAUTHORIZED.0, Tier::Silver, title, Status::Fail, vec![e.0]);
                return;
            }
        };
        let mut evidence = vec![format!("`{}` set to a wrong value", secret.name)];
        let mut ok = true;
        let mut asked = false;
        if info.operations.contains(&Operation::Check) {
            asked = true;
            let r = self.call("check", c.check(&context(None))).await;
            ok &= is_class(&r, "unauthorized");
            evidence.push(format!("check → {}", outcome(&r, |c| c.message.clone())));
        }
        if info.operations.contains(&Operation::Search) {
            asked = true;
            // One of the vendor's own searches: it finds data with the right credentials.
            let q = self.probe(info);
            let r = self.call("search", c.search(&context(None), &q)).await;
            ok &= is_class(&r, "unauthorized");
            evidence.push(format!(
                "search {} → {}",
                describe_query(&q),
                outcome(&r, |s| format!("{} records", s.records.len()))
            ));
        }
        if !asked {
            // Neither check nor search: the first other operation it declares.
            let (what, r) = self.first_declared_call(&c, info).await;
            ok &= is_class(&r, "unauthorized");
            evidence.push(format!("{what} → {}", outcome(&r, |s| s.clone())));
        }
        evidence.push("expected: unauthorized".into());
        self.push(
            UNAUTHORIZED.0,
            Tier::Silver,
            title,
            Self::verdict(ok),
            evidence,
        );
    }

    fn records_check(&mut self) {
        let title = "records carry source and handling labels and follow the POLE formats";
        if self.records_seen == 0 {
            self.push(
                "records",
                Tier::Silver,
                title,
                Status::NotRun,
                vec!["no record came back to check: pass --search KIND=TEXT with the vendor's test system".into()],
            );
            return;
        }
        let mut evidence = vec![format!("{} records checked", self.records_seen)];
        evidence.extend(self.record_problems.iter().take(20).cloned());
        if self.record_problems.len() > 20 {
            evidence.push(format!(
                "… and {} more problems",
                self.record_problems.len() - 20
            ));
        }
        evidence.extend(
            self.record_warnings
                .iter()
                .take(10)
                .map(|w| format!("warning: {w}")),
        );
        let ok = self.record_problems.is_empty();
        self.push("records", Tier::Silver, title, Self::verdict(ok), evidence);
    }

    fn budgets(&mut self) {
        let d = Limits::default();
        let mut evidence = vec![format!(
            "{} calls, each under the default budgets ({} MiB memory, {} ms CPU, {} ms wall clock); the slowest took {} ms",
            self.calls,
            d.memory_bytes >> 20,
            d.cpu.as_millis(),
            d.wall_clock.as_millis(),
            self.slowest.as_millis()
        )];
        evidence.extend(self.stops.iter().cloned());
        let ok = self.stops.is_empty();
        self.push(
            "budgets",
            Tier::Bronze,
            "every call stays within the default budgets: no trap, no budget or timeout stop",
            Self::verdict(ok),
            evidence,
        );
    }

    fn finish(
        self,
        component: String,
        connector: Option<String>,
        contract: interop_sandbox::contract::Stamp,
        signature: interop_sandbox::signing::SignatureStatus,
    ) -> Report {
        let mut tiers = Vec::new();
        let mut below_ok = true;
        for tier in [Tier::Bronze, Tier::Silver, Tier::GoldReady] {
            let blocking: Vec<String> = self
                .checks
                .iter()
                .filter(|c| c.tier == tier && matches!(c.status, Status::Fail | Status::NotRun))
                .map(|c| {
                    format!(
                        "{} {}",
                        c.id,
                        if c.status == Status::Fail {
                            "failed"
                        } else {
                            "not run"
                        }
                    )
                })
                .collect();
            let supported = below_ok && blocking.is_empty();
            let reason = if supported {
                None
            } else if !below_ok {
                Some("the tier below is not supported".to_string())
            } else {
                Some(blocking.join(", "))
            };
            below_ok = supported;
            tiers.push(TierVerdict {
                tier,
                supported,
                reason,
            });
        }
        Report {
            component,
            connector,
            contract,
            signature,
            checks: self.checks,
            tiers,
            gold_note: GOLD_NOTE,
        }
    }
}

// The Silver checks that need the vendor's test system: (id, title). A report that cannot
// run them lists them under the same names.
const CHECK: (&str, &str) = ("check", "check reaches the vendor's test system");
const SEARCH: (&str, &str) = ("search", "search finds records in the vendor's test system");
const SEARCH_LIMIT: (&str, &str) = (
    "search-limit",
    "a search returns at most its limit, and its next page through the cursor",
);
const FETCH_FOUND: (&str, &str) = (
    "fetch-found",
    "fetch returns the record a search found, by its id",
);
const FETCH_NOT_FOUND: (&str, &str) = (
    "fetch-not-found",
    "fetch of an id the vendor does not hold answers not-found",
);
const SUBMIT: (&str, &str) = (
    "submit",
    "submit creates once: a retry under the same idempotency key returns the same id without creating",
);
const UNAUTHORIZED: (&str, &str) = ("unauthorized", "wrong credentials answer unauthorized");

/// The Silver checks that need the vendor, for a report that cannot run them.
fn silver_checks(info: &ConnectorInfo) -> Vec<(&'static str, &'static str)> {
    let declared = |op: Operation| info.operations.contains(&op);
    let mut out = Vec::new();
    if declared(Operation::Check) {
        out.push(CHECK);
    }
    if declared(Operation::Search) {
        out.extend([SEARCH, SEARCH_LIMIT]);
    }
    if declared(Operation::Fetch) {
        out.extend([FETCH_FOUND, FETCH_NOT_FOUND]);
    }
    if declared(Operation::Submit) {
        out.push(SUBMIT);
    }
    if info
        .config
        .iter()
        .any(|k| matches!(k.kind, ConfigKind::Secret))
    {
        out.push(UNAUTHORIZED);
    }
    out
}

/// A query as the evidence shows it: its kind, text and keys.
pub(crate) fn describe_query(q: &SearchQuery) -> String {
    let mut parts = vec![q.kind.to_string()];
    if let Some(t) = &q.text {
        parts.push(format!("{t:?}"));
    }
    for k in &q.keys {
        parts.push(serde_json::to_string(k).unwrap_or_default());
    }
    parts.join(" ")
}

fn query(kind: EntityKind, text: Option<&str>, limit: u32) -> SearchQuery {
    SearchQuery {
        kind,
        text: text.map(str::to_string),
        keys: Vec::new(),
        limit,
        cursor: None,
    }
}

/// Synthetic entities of the kinds the connector handles, the likeliest to be accepted first:
/// an incident, a vehicle, a person, a place. Every value is invented and says so.
fn synthetic(kinds: &[EntityKind]) -> Vec<Submission> {
    let now = interop_audit::now_rfc3339();
    let mut entities = Vec::new();
    let wants = |k: EntityKind| kinds.contains(&k) || kinds.is_empty();
    if wants(EntityKind::Event) {
        entities.push(Entity::Event(Event {
            kind: EventKind::Incident,
            category: None,
            references: Vec::new(),
            ho_classification: None,
            offence_code: None,
            starts_at: Some(now),
            ends_at: None,
            exact_time_known: true,
            description: Some(
                "Synthetic incident entered by the interop conformance kit; not a real event."
                    .into(),
            ),
            status: None,
        }));
    }
    if wants(EntityKind::Object) {
        entities.push(Entity::Object(PoleObject::Vehicle(Vehicle {
            vrm: Some("CF26TST".into()),
            vin: None,
            make: Some("Examplecar".into()),
            model: Some("Conformance".into()),
            body_shape: None,
            colours: vec!["Grey".into()],
            registration_country: Some("GBR".into()),
        })));
    }
    if wants(EntityKind::Person) {
        entities.push(Entity::Person(interop_sandbox::types::Person {
            given_names: vec!["Conformance".into()],
            middle_names: Vec::new(),
            surname: Some("Examplewood".into()),
            aliases: Vec::new(),
            date_of_birth: Some("1990-01-01".into()),
            date_of_birth_known: true,
            place_of_birth: None,
            gender: None,
            ethnicity_self_defined: None,
            ethnicity_observed: None,
            pnc_id: None,
            cro_number: None,
            description: Some("Synthetic person entered by the interop conformance kit.".into()),
            warning_markers: Vec::new(),
        }));
    }
    if wants(EntityKind::Location) {
        entities.push(Entity::Location(interop_sandbox::types::Location {
            site: None,
            premises: Some("Conformance House".into()),
            street: Some("Example Street".into()),
            town: Some("Exampleton".into()),
            county: None,
            postcode: None,
            country: Some("GBR".into()),
            uprn: None,
            latitude: None,
            longitude: None,
            area: None,
        }));
    }
    if wants(EntityKind::Organisation) {
        entities.push(Entity::Organisation(interop_sandbox::types::Organisation {
            name: "Conformance Example Ltd".into(),
            registered_number: None,
            organisation_type: Some("COMPANY".into()),
            description: Some(
                "Synthetic organisation entered by the interop conformance kit.".into(),
            ),
        }));
    }
    entities.into_iter().map(submission).collect()
}

fn submission(entity: Entity) -> Submission {
    Submission {
        local_id: None,
        handling: Handling {
            classification: interop_sandbox::types::Classification::Official,
            sensitive: false,
            caveats: Vec::new(),
            grading: None,
            review_date: None,
        },
        entity,
        links: Vec::new(),
        reason: Some("Synthetic entry made by the interop conformance kit".into()),
    }
}
