//! The wasmtime engine every connector shares: compiler settings, the instance pool, the epoch
//! ticker behind CPU budgets, and the linker holding every capability.

use std::sync::Arc;

use wasmtime::component::Linker;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::capabilities;
use crate::capabilities::http::{Resolve, SystemResolver};
use crate::instance::InstanceState;
use crate::limits::{Limits, MAX_CORE_INSTANCES, MAX_MEMORIES, MAX_TABLE_ELEMENTS, MAX_TABLES};

/// How long one epoch tick lasts; CPU budgets are measured to about this precision.
pub(crate) const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(5);

/// Live instances at once, across all connectors. Each call holds one for its duration; a
/// gateway fanning out a search to a dozen connectors for a few hundred officers stays well
/// under it. Each slot reserves address space, not memory.
const POOL_INSTANCES: u32 = 1_000;
/// Linear memories across the pool: Rust connectors have one, language runtimes a few. Each slot
/// reserves (but does not commit) 4 GiB of address space plus guard: a thousand is a few TiB of
/// the 128 TiB a process has.
const POOL_MEMORIES: u32 = 1_000;
/// Tables across the pool, likewise.
const POOL_TABLES: u32 = 4_000;
/// Core instances across the pool (a component has one per core module it instantiates).
const POOL_CORE_INSTANCES: u32 = 10_000;
/// Guest stack: deep enough for a recursive descent parser over vendor XML, shallow enough that
/// runaway recursion traps in microseconds.
const MAX_WASM_STACK: usize = 1 << 20;
/// Host-side stack for each async call; must exceed the guest stack plus host frames.
const ASYNC_STACK: usize = 4 << 20;
/// Per-core-instance metadata (globals, function references): componentize-py images need
/// more than wasmtime's 1 MiB default.
const MAX_CORE_INSTANCE_SIZE: usize = 4 << 20;
/// Linear memory kept resident in a slot between calls: a Rust connector's whole working set
/// (stack, heap, a vendor page) fits. Resident bytes per warm slot, not per call.
const MEMORY_KEEP_RESIDENT: usize = 2 << 20;
/// Table memory kept resident likewise: a connector's function tables are a few KiB.
const TABLE_KEEP_RESIDENT: usize = 64 << 10;

/// Builds and holds the engine; loads connectors (see [`Host::load_file`]).
///
/// One `Host` serves any number of connectors; create it once. Connectors it loaded keep
/// working (budgets included) after it is dropped.
#[derive(Clone)]
pub struct Host {
    engine: Engine,
    linker: Arc<Linker<InstanceState>>,
    /// Resolves vendor host names for outbound HTTP (the system's resolver unless replaced).
    resolver: Arc<dyn Resolve>,
    /// Directories of the embedder's own no connector may be given (see [`Host::protecting`]).
    protected: Arc<Vec<std::path::PathBuf>>,
    _ticker: Arc<EpochTicker>,
}

impl Host {
    /// Create a host with the default engine settings.
    ///
    /// # Errors
    /// When wasmtime cannot create the engine (e.g. the OS refuses the pool's address space).
    pub fn new() -> anyhow::Result<Host> {
        let engine = Engine::new(&engine_config()).map_err(|e| anyhow::anyhow!("{e:#}"))?;
        let mut linker = Linker::new(&engine);
        add_capabilities(&mut linker).map_err(|e| anyhow::anyhow!("{e:#}"))?;
        let ticker = EpochTicker::start(&engine);
        Ok(Host {
            engine,
            linker: Arc::new(linker),
            resolver: Arc::new(SystemResolver),
            protected: Arc::new(Vec::new()),
            _ticker: Arc::new(ticker),
        })
    }

    /// The same host, resolving vendor host names with `resolver` for connectors it loads from
    /// now on: a force's own DNS, or a fixed table in tests. Every address it returns is still
    /// checked against the grant's private-address rules.
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolve>) -> Host {
        self.resolver = resolver;
        self
    }

    pub(crate) fn resolver(&self) -> Arc<dyn Resolve> {
        self.resolver.clone()
    }

    /// The same host, refusing to load a connector whose policy preopens one of `dirs` (or a
    /// directory inside or above one): an embedder's own data, such as a gateway's plugin store,
    /// audit log and keys. The system's directories are always refused.
    pub fn protecting(mut self, dirs: impl IntoIterator<Item = std::path::PathBuf>) -> Host {
        self.protected = Arc::new(dirs.into_iter().collect());
        self
    }

    /// The directories [`Host::protecting`] named.
    pub fn protected(&self) -> &[std::path::PathBuf] {
        &self.protected
    }

    /// The wasmtime engine, for embedders that need to compile or inspect components themselves.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn linker(&self) -> &Linker<InstanceState> {
        &self.linker
    }

    /// The engine settings this host uses (compiler, stacks, the instance pool and how it
    /// resets memory) without the sandbox's own machinery: no epoch interruption. What a
    /// benchmark builds a bare wasmtime engine from, so that the difference it measures is the
    /// sandbox's price and not a differently tuned pool.
    pub fn baseline_config() -> Config {
        base_config()
    }
}

/// Link every capability's host functions, each served from its part of [`InstanceState`].
/// (`crate::registry` lists the capabilities; this wires those with functions to link.)
fn add_capabilities(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    capabilities::wasi::add_to_linker(linker)?;
    capabilities::http::add_to_linker(linker)?;
    capabilities::log::add_to_linker(linker, |s| &mut s.log)?;
    capabilities::config::add_to_linker(linker, |s| &mut s.config)?;
    Ok(())
}

pub(crate) fn engine_config() -> Config {
    let mut config = base_config();
    // CPU budgets: an epoch tick interrupts guest code so the host can charge it and yield.
    config.epoch_interruption(true);
    config
}

/// Everything of [`engine_config`] but the sandbox's own machinery.
fn base_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.max_wasm_stack(MAX_WASM_STACK);
    config.async_stack_size(ASYNC_STACK);

    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(POOL_INSTANCES)
        .total_core_instances(POOL_CORE_INSTANCES)
        .total_memories(POOL_MEMORIES)
        .total_tables(POOL_TABLES)
        .total_stacks(POOL_INSTANCES)
        .max_memory_size(Limits::MAX_MEMORY_BYTES)
        .max_core_instances_per_component(MAX_CORE_INSTANCES as u32)
        .max_memories_per_component(MAX_MEMORIES as u32)
        .max_tables_per_component(MAX_TABLES as u32)
        .table_elements(MAX_TABLE_ELEMENTS)
        .max_core_instance_size(MAX_CORE_INSTANCE_SIZE)
        // Reset the pages a call touched with `memset` instead of `madvise`, so the next call
        // in the slot neither faults them back in nor makes every core flush its TLB; with
        // PAGEMAP_SCAN (Linux 6.7+) only the dirty pages are reset. Reset either way: nothing a
        // call wrote is visible to the next.
        .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT)
        .table_keep_resident(TABLE_KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until the engine is dropped.
struct EpochTicker {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl EpochTicker {
    fn start(engine: &Engine) -> EpochTicker {
        let weak = engine.weak();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::Builder::new()
            .name("interop-epoch".into())
            .spawn(move || {
                while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .expect("spawning the epoch thread");
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}
