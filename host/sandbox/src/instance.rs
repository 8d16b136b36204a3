//! What one call's store holds: each capability's per-call state, the resource table they
//! share, the budgets' bookkeeping and the guest's captured output. Made afresh for every call.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtxView, WasiHttpView};

use crate::capabilities::config::ConfigState;
use crate::capabilities::http::{HttpState, HttpTimeouts, Outbound};
use crate::capabilities::log::LogState;
use crate::capabilities::wasi::{self, CapturedOutput, Preopen};
use crate::limits::{BoundaryMeter, GuestClock, MemoryGuard};

/// Per-call store data: each capability's slice, the budgets' bookkeeping, the guest's output.
pub(crate) struct InstanceState {
    pub(crate) table: ResourceTable,
    pub(crate) wasi: wasmtime_wasi::WasiCtx,
    pub(crate) http: HttpState,
    pub(crate) log: LogState,
    pub(crate) config: ConfigState,
    pub(crate) boundary: BoundaryMeter,
    pub(crate) memory: MemoryGuard,
    pub(crate) clock: SharedClock,
    pub(crate) output: CapturedOutput,
}

/// Most resource handles (HTTP requests, streams, pollables…) one instance may hold at once. A
/// connector making a few HTTP calls holds tens; a language runtime a few hundred. A guest
/// creating handles in a loop stops here instead of growing a host table without end.
const MAX_RESOURCE_HANDLES: usize = 10_000;

/// What a connector's calls are set up from: the parts of its grant each capability needs.
pub(crate) struct CallSetup<'a> {
    /// `plugin id version`, as log lines name it.
    pub(crate) label: String,
    /// Configuration values.
    pub(crate) config: &'a Arc<BTreeMap<String, String>>,
    /// Outbound HTTP under the grant.
    pub(crate) outbound: &'a Arc<Outbound>,
    /// Read-only directories.
    pub(crate) filesystem: &'a [Preopen],
    /// The call's wall clock, which HTTP timeouts stay under.
    pub(crate) wall_clock: Duration,
    /// The call's boundary cap.
    pub(crate) boundary_bytes: u64,
    /// The call's memory cap.
    pub(crate) memory_bytes: usize,
    /// Outbound requests the call may have open at once.
    pub(crate) requests_at_once: u32,
    /// The secrets the connector was handed, to keep out of its log lines.
    pub(crate) redactor: &'a Arc<crate::capabilities::config::Redactor>,
}

impl InstanceState {
    /// Fresh state for one call.
    pub(crate) fn new(setup: &CallSetup<'_>) -> InstanceState {
        let output = CapturedOutput::default();
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCE_HANDLES);
        let boundary = BoundaryMeter::new(setup.boundary_bytes);
        InstanceState {
            table,
            wasi: wasi::context(&output, setup.filesystem),
            http: HttpState::new(
                setup.outbound.clone(),
                HttpTimeouts::within(setup.wall_clock),
                boundary.clone(),
                setup.requests_at_once as usize,
            ),
            log: LogState::new(
                setup.label.clone(),
                boundary.clone(),
                setup.redactor.clone(),
            ),
            config: ConfigState::new(setup.config.clone(), boundary.clone()),
            boundary,
            memory: MemoryGuard::new(setup.memory_bytes),
            clock: SharedClock::default(),
            output,
        }
    }
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for InstanceState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        self.http.view(&mut self.table)
    }
}

/// The guest clock, shared between the store's hooks and the future that resumes a yielded guest.
#[derive(Clone)]
pub(crate) struct SharedClock(Arc<std::sync::Mutex<GuestClock>>);

impl Default for SharedClock {
    fn default() -> Self {
        SharedClock(Arc::new(std::sync::Mutex::new(GuestClock::new())))
    }
}

impl SharedClock {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, GuestClock> {
        // A panic while holding this lock cannot leave the clock inconsistent: keep using it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
