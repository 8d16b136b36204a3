//! Per-plugin budgets: memory, CPU time spent in guest code, and wall-clock time per call.

use std::time::{Duration, Instant};

use wasmtime::{CallHook, ResourceLimiter};

/// The budgets one connector runs under. Every call gets all of them afresh.
///
/// ```
/// use std::time::Duration;
/// use interop_sandbox::Limits;
///
/// let limits = Limits {
///     memory_bytes: 32 << 20,
///     cpu: Duration::from_millis(500),
///     ..Limits::default()
/// };
/// assert_eq!(limits.wall_clock, Limits::default().wall_clock);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most linear memory the instance may hold, all memories together, in bytes.
    pub memory_bytes: usize,
    /// Most time the call may spend running guest code. Time the guest spends waiting on the
    /// host (an HTTP call to the vendor, say) is not charged.
    pub cpu: Duration,
    /// Most time the whole call may take, guest code and host calls together.
    pub wall_clock: Duration,
    /// Most bytes one call may move across the sandbox boundary, both ways together:
    /// arguments and answer, configuration values, log lines, HTTP bodies.
    pub boundary_bytes: u64,
    /// Most calls of this connector that may run at once; one more is refused at once with
    /// [`crate::CallError::Overloaded`], never queued.
    pub max_concurrent: u32,
    /// Most outbound HTTP requests one call may have open at once (sent, and not yet answered
    /// in full); more wait their turn, within the call's time.
    pub requests_at_once: u32,
    /// Most outbound HTTP requests per second the connector makes, all its calls together;
    /// `None` sets no rate. A request over it waits for its turn, or fails with
    /// `connection-limit-reached` when its turn would come after the call's time is up.
    pub requests_per_second: Option<u32>,
}

impl Limits {
    /// Largest memory cap a plugin may be given: the size of one slot in the instance pool.
    /// 4 GiB is the most a 32-bit linear memory can address.
    pub const MAX_MEMORY_BYTES: usize = 4 << 30;

    /// The default [`Limits::max_concurrent`]: an officer's search fans out one call per
    /// connector; sixteen at once serves a busy custody suite, and stops one runaway client from
    /// holding every instance slot.
    pub const DEFAULT_MAX_CONCURRENT: u32 = 16;

    /// The default [`Limits::requests_at_once`]: a connector fetches a page, then the details
    /// of a few records; eight at once is parallel enough for that, and a hundred requests from
    /// one officer's search would look like an attack to the vendor.
    pub const DEFAULT_REQUESTS_AT_ONCE: u32 = 8;
}

impl Default for Limits {
    /// Defaults sized for a Rust connector mapping a page of vendor records.
    fn default() -> Self {
        Limits {
            // A Rust connector holding a 100-record page and a vendor response of a few MiB fits
            // comfortably, and so do Python and JavaScript runtimes: componentize-py and
            // componentize-js images start at 12.3 and 10.1 MiB of linear memory.
            memory_bytes: 128 << 20,
            // Mapping a page of records takes milliseconds; a second of pure compute is a bug.
            cpu: Duration::from_secs(1),
            // Vendor systems answer in well under a second when healthy; ten gives slow ones
            // room while an officer is still waiting for the screen.
            wall_clock: Duration::from_secs(10),
            // A page of 500 records is well under a MiB of POLE data, and a vendor response a
            // few MiB; 16 MiB leaves room for a document fetched whole.
            boundary_bytes: 16 << 20,
            max_concurrent: Limits::DEFAULT_MAX_CONCURRENT,
            requests_at_once: Limits::DEFAULT_REQUESTS_AT_ONCE,
            requests_per_second: None,
        }
    }
}

/// Enforces the memory cap and remembers whether it refused a growth, so a trap that follows can
/// be reported as "out of memory budget" rather than a bare `unreachable`.
pub(crate) struct MemoryGuard {
    cap: usize,
    /// Bytes held by all the instance's memories together.
    total: usize,
    denied: Option<usize>,
}

impl MemoryGuard {
    pub(crate) fn new(cap: usize) -> Self {
        MemoryGuard {
            cap,
            total: 0,
            denied: None,
        }
    }

    /// The total size the first refused growth would have reached, if any.
    pub(crate) fn denied(&self) -> Option<usize> {
        self.denied
    }
}

impl ResourceLimiter for MemoryGuard {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // The cap is on all memories together: a component with several memories shares it.
        let total = self.total.saturating_add(desired.saturating_sub(current));
        if total > self.cap {
            self.denied.get_or_insert(total);
            return Ok(false);
        }
        self.total = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; a million entries is far beyond any real guest and
        // keeps a table-growth loop from eating host memory.
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_CORE_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

/// Most table elements one table may grow to (see `table_growing`).
pub(crate) const MAX_TABLE_ELEMENTS: usize = 1_000_000;
/// Core instances in one component: a Rust connector has a handful; Python and JavaScript
/// components built by componentize-* carry a few dozen.
pub(crate) const MAX_CORE_INSTANCES: usize = 64;
/// Tables and memories per component: the same runtimes use a few of each.
pub(crate) const MAX_TABLES: usize = 16;
pub(crate) const MAX_MEMORIES: usize = 8;

/// Counts the bytes one call moves across the sandbox boundary, both ways: arguments and
/// answers, configuration values, log lines, HTTP request and response bodies. Shared by every
/// capability of the call; once the cap is passed every further charge fails, and the call ends
/// with [`crate::CallError::Boundary`].
#[derive(Debug, Clone)]
pub(crate) struct BoundaryMeter(std::sync::Arc<MeterInner>);

#[derive(Debug)]
struct MeterInner {
    cap: u64,
    used: std::sync::atomic::AtomicU64,
    exceeded: std::sync::atomic::AtomicBool,
}

impl BoundaryMeter {
    pub(crate) fn new(cap: u64) -> Self {
        BoundaryMeter(std::sync::Arc::new(MeterInner {
            cap,
            used: std::sync::atomic::AtomicU64::new(0),
            exceeded: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    /// Charge `bytes`; `false` when that takes the call over its cap (the call must then fail).
    pub(crate) fn charge(&self, bytes: u64) -> bool {
        use std::sync::atomic::Ordering;
        let before = self.0.used.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > self.0.cap {
            self.0.exceeded.store(true, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Bytes charged so far.
    pub(crate) fn used(&self) -> u64 {
        self.0.used.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The cap.
    pub(crate) fn cap(&self) -> u64 {
        self.0.cap
    }

    /// Has any charge been refused?
    pub(crate) fn exceeded(&self) -> bool {
        self.0.exceeded.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Charges time to the guest only while guest code runs, using the store's call hooks.
///
/// When an epoch tick makes the guest yield to the async runtime, the clock is paused until the
/// guest is polled again, so time other tasks spend on the runtime is not charged to it.
#[derive(Debug)]
pub(crate) struct GuestClock {
    running_since: Option<Instant>,
    spent: Duration,
    suspended: bool,
}

impl GuestClock {
    pub(crate) fn new() -> Self {
        GuestClock {
            running_since: None,
            spent: Duration::ZERO,
            suspended: false,
        }
    }

    /// The guest is being suspended (yielding to the runtime) while in guest code.
    pub(crate) fn suspend(&mut self) {
        if let Some(since) = self.running_since.take() {
            self.spent += since.elapsed();
            self.suspended = true;
        }
    }

    /// The guest is resumed after [`GuestClock::suspend`].
    pub(crate) fn resume(&mut self) {
        if std::mem::take(&mut self.suspended) {
            self.running_since = Some(Instant::now());
        }
    }

    /// Record a transition between host and guest code.
    pub(crate) fn on_hook(&mut self, hook: CallHook) {
        if hook.entering_host() {
            if let Some(since) = self.running_since.take() {
                self.spent += since.elapsed();
            }
        } else if self.running_since.is_none() {
            self.running_since = Some(Instant::now());
        }
    }

    /// Guest time used so far, including the current stretch.
    pub(crate) fn spent(&self) -> Duration {
        self.spent + self.running_since.map_or(Duration::ZERO, |s| s.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_clock_charges_only_guest_stretches() {
        let mut clock = GuestClock::new();
        clock.on_hook(CallHook::CallingWasm);
        std::thread::sleep(Duration::from_millis(20));
        clock.on_hook(CallHook::CallingHost);
        let after_guest = clock.spent();
        assert!(after_guest >= Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(50));
        // Host time is not charged.
        assert_eq!(clock.spent(), after_guest);
        clock.on_hook(CallHook::ReturningFromHost);
        std::thread::sleep(Duration::from_millis(5));
        assert!(clock.spent() > after_guest);
        clock.on_hook(CallHook::ReturningFromWasm);
        let done = clock.spent();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.spent(), done);
    }

    #[test]
    fn memory_guard_refuses_past_cap_and_remembers() {
        let mut guard = MemoryGuard::new(1 << 20);
        assert!(guard.memory_growing(0, 1 << 20, None).unwrap());
        assert_eq!(guard.denied(), None);
        assert!(!guard.memory_growing(1 << 20, 2 << 20, None).unwrap());
        assert_eq!(guard.denied(), Some(2 << 20));
        assert!(!guard.memory_growing(1 << 20, 3 << 20, None).unwrap());
        assert_eq!(guard.denied(), Some(2 << 20), "the first refusal is kept");
    }

    #[test]
    fn memory_cap_covers_all_memories_together() {
        let mut guard = MemoryGuard::new(4 << 20);
        // Two memories of 2 MiB each fit; a third does not.
        assert!(guard.memory_growing(0, 2 << 20, None).unwrap());
        assert!(guard.memory_growing(0, 2 << 20, None).unwrap());
        assert!(!guard.memory_growing(0, 64 << 10, None).unwrap());
        assert_eq!(guard.denied(), Some((4 << 20) + (64 << 10)));
    }

    #[test]
    fn boundary_meter_refuses_past_cap() {
        let meter = BoundaryMeter::new(100);
        assert!(meter.charge(60));
        assert!(meter.charge(40));
        assert!(!meter.exceeded());
        assert!(!meter.clone().charge(1), "a clone shares the count");
        assert!(meter.exceeded());
        assert_eq!(meter.used(), 101);
        assert_eq!(meter.cap(), 100);
    }

    #[test]
    fn a_suspended_guest_is_not_charged() {
        let mut clock = GuestClock::new();
        clock.on_hook(CallHook::CallingWasm);
        std::thread::sleep(Duration::from_millis(5));
        clock.suspend();
        let at_suspend = clock.spent();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(
            clock.spent(),
            at_suspend,
            "time away from the guest is not charged"
        );
        clock.resume();
        std::thread::sleep(Duration::from_millis(5));
        assert!(clock.spent() > at_suspend);
        // resume without suspend changes nothing
        clock.on_hook(CallHook::ReturningFromWasm);
        let done = clock.spent();
        clock.resume();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.spent(), done);
    }
}
