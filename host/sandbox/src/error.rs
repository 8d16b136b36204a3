//! Errors at the library's boundary. Each names the plugin (id and version) it concerns.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::types::ConnectorError;

/// Which plugin an error concerns: its id and version from `describe`, or the file it was
/// loaded from while that is not known yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginLabel {
    /// Connector id, or the component's file name before `describe` answered.
    pub id: String,
    /// Connector version, empty before `describe` answered.
    pub version: String,
}

impl fmt::Display for PluginLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.version.is_empty() {
            write!(f, "{}", self.id)
        } else {
            write!(f, "{} {}", self.id, self.version)
        }
    }
}

/// Why a component could not be loaded as a connector.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not WebAssembly at all.
    #[error(
        "{name}: not a WebAssembly file (it does not start with the `\\0asm` magic); build the connector with `cargo build --target wasm32-wasip2`"
    )]
    NotWasm {
        /// Where the bytes came from.
        name: String,
    },
    /// A core module rather than a component.
    #[error(
        "{name}: a core WebAssembly module, not a component; build with `--target wasm32-wasip2` (not wasm32-unknown-unknown or wasm32-wasip1), or wrap it with `wasm-tools component new`"
    )]
    CoreModule {
        /// Where the bytes came from.
        name: String,
    },
    /// The component is malformed, truncated, or uses features this host does not enable.
    #[error("{name}: not a valid component: {reason}")]
    Invalid {
        /// Where the bytes came from.
        name: String,
        /// What the validator said.
        reason: String,
    },
    /// The component does not export the connector interface, or exports it with other types.
    #[error("{name}: does not implement the `interop:connector` world: {reason}")]
    WrongWorld {
        /// Where the bytes came from.
        name: String,
        /// What is missing or different.
        reason: String,
    },
    /// The component was built against a contract version this host does not speak; found
    /// from its bytes before compiling.
    #[error("{name}: incompatible contract: {reason}")]
    Contract {
        /// Where the bytes came from.
        name: String,
        /// Which version it was built against, and which this host supports.
        reason: String,
    },
    /// The component imports something this host does not provide.
    #[error("{name}: cannot be linked: {reason}")]
    Link {
        /// Where the bytes came from.
        name: String,
        /// What the linker said, naming the import.
        reason: String,
    },
    /// The grant asks for something the host cannot give.
    #[error("{name}: invalid grant: {reason}")]
    Grant {
        /// Where the bytes came from.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// `describe` answered, but with an id, version or contract version the host refuses.
    #[error("{name}: `describe` answer refused: {reason}")]
    Description {
        /// Where the bytes came from.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `describe` failed, so the connector cannot say what it is.
    /// (The failure is in the message, not also chained as a source, so printing the error
    /// with its causes does not say it twice.)
    #[error("{name}: `describe` failed while loading: {failure}")]
    Describe {
        /// Where the bytes came from.
        name: String,
        /// The failure.
        failure: Box<CallError>,
    },
}

/// How a trapped call died.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrapKind {
    /// The guest panicked (Rust `panic!`, or a language runtime's fatal error on stderr).
    Panic,
    /// A wasm `unreachable` instruction, without a panic message.
    Unreachable,
    /// The guest's stack overflowed (deep recursion).
    StackOverflow,
    /// An out-of-bounds memory or table access.
    OutOfBounds,
    /// Integer division by zero or overflow.
    Arithmetic,
    /// A host import refused the guest's call and ended the instance: too many resource
    /// handles, too many random bytes asked for, and the like. Says which.
    ImportRefused(String),
    /// Any other trap, with wasmtime's description.
    Other(String),
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapKind::Panic => f.write_str("panic"),
            TrapKind::Unreachable => f.write_str("unreachable executed"),
            TrapKind::StackOverflow => f.write_str("stack overflow"),
            TrapKind::OutOfBounds => f.write_str("out-of-bounds access"),
            TrapKind::Arithmetic => f.write_str("arithmetic trap"),
            TrapKind::ImportRefused(s) => write!(f, "the host refused an import call: {s}"),
            TrapKind::Other(s) => f.write_str(s),
        }
    }
}

/// Why a call to a connector did not produce an answer.
///
/// [`CallError::Connector`] is the connector's own answer (the vendor said "not found", say):
/// the call worked. Every other variant means the sandbox stopped the call; the next call gets
/// a fresh instance and is unaffected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The connector returned an error from the contract's `connector-error` variant.
    #[error("{plugin}: {operation}: {}", connector_error_text(error))]
    Connector {
        /// Which plugin.
        plugin: PluginLabel,
        /// Which operation.
        operation: &'static str,
        /// What it said.
        error: ConnectorError,
    },
    /// The instance trapped.
    #[error("{plugin}: {operation} trapped: {kind}{}", guest_message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Trap {
        /// Which plugin.
        plugin: PluginLabel,
        /// Which operation.
        operation: &'static str,
        /// How it died.
        kind: TrapKind,
        /// The guest's own last words (e.g. a panic message), neutralised and shortened.
        guest_message: Option<String>,
    },
    /// Guest code ran longer than the CPU budget.
    #[error("{plugin}: {operation} stopped: used its CPU budget of {budget:?} running guest code")]
    CpuBudget {
        /// Which plugin.
        plugin: PluginLabel,
        /// Which operation.
        operation: &'static str,
        /// The budget.
        budget: Duration,
    },
    /// The whole call took longer than the wall-clock timeout.
    #[error(
        "{plugin}: {operation} stopped: no answer within the wall-clock timeout of {timeout:?}"
    )]
    Timeout {
        /// Which plugin.
        plugin: PluginLabel,
        /// Which operation.
        operation: &'static str,
        /// The timeout.
        timeout: Duration,
    },
    /// The guest tried to grow memory past its cap, and died of it.
    #[error(
        "{plugin}: {operation} stopped: tried to grow memory to {asked} bytes, over its cap of {cap} bytes"
    )]
    Memory {
        /// Which plugin.
        plugin: PluginLabel,
        /// Which operation.
        operation: &'static str,
        /// The cap.
        cap: usize,
        /// The size it asked for.
        asked: usize,
    },
    /// The call moved more bytes across the sandbox boundary than its cap allows.
    #[error(
        "{plugin}: {operation} stopped: moved more than its cap of {cap} bytes across the sandbox boundary"
    )]
    Boundary {
        /// Which plugin.
        plugin: PluginLabel,
        /// Which operation.
        operation: &'static str,
        /// The cap.
        cap: u64,
    },
    /// The connector already runs as many calls as its policy allows; this one was not started.
    #[error(
        "{plugin}: {operation} refused: {limit} calls already running, the most its policy allows; retry shortly"
    )]
    Overloaded {
        /// Which plugin.
        plugin: PluginLabel,
        /// Which operation.
        operation: &'static str,
        /// The policy's `max_concurrent`.
        limit: u32,
    },
    /// The host failed to run the call (instantiation failed, say). Not the guest's fault.
    #[error("{plugin}: {operation}: host failure: {reason}")]
    Host {
        /// Which plugin.
        plugin: PluginLabel,
        /// Which operation.
        operation: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// What kind of failure a call ended in: what metrics, the audit log and the HTTP layer tell
/// apart. The first five are the connector's own answers; the rest are the sandbox's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    /// The connector said the request was wrong.
    InvalidInput,
    /// The connector found nothing by that id.
    NotFound,
    /// The vendor refused the credentials or the user.
    Unauthorized,
    /// The vendor is down, slow or overloaded: retry later.
    Unavailable,
    /// A bug or unexpected answer inside the connector or the vendor.
    Internal,
    /// The instance trapped.
    Trap,
    /// Guest code used its CPU budget.
    CpuBudget,
    /// The call ran past its wall-clock timeout.
    Timeout,
    /// The guest grew memory past its cap.
    Memory,
    /// The call moved more than its cap across the sandbox boundary.
    Boundary,
    /// The connector already ran as many calls as its policy allows.
    Overloaded,
    /// The host failed to run the call.
    Host,
}

impl ErrorClass {
    /// The class as a short, stable word: `invalid-input`, `not-found`, `unauthorized`,
    /// `unavailable`, `internal`, `trap`, `cpu-budget`, `timeout`, `memory`, `boundary`,
    /// `overloaded`, `host`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::InvalidInput => "invalid-input",
            ErrorClass::NotFound => "not-found",
            ErrorClass::Unauthorized => "unauthorized",
            ErrorClass::Unavailable => "unavailable",
            ErrorClass::Internal => "internal",
            ErrorClass::Trap => "trap",
            ErrorClass::CpuBudget => "cpu-budget",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Memory => "memory",
            ErrorClass::Boundary => "boundary",
            ErrorClass::Overloaded => "overloaded",
            ErrorClass::Host => "host",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CallError {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorClass {
        match self {
            CallError::Connector { error, .. } => match error {
                ConnectorError::InvalidInput(_) => ErrorClass::InvalidInput,
                ConnectorError::NotFound(_) => ErrorClass::NotFound,
                ConnectorError::Unauthorized(_) => ErrorClass::Unauthorized,
                ConnectorError::Unavailable(_) => ErrorClass::Unavailable,
                ConnectorError::Internal(_) => ErrorClass::Internal,
            },
            CallError::Trap { .. } => ErrorClass::Trap,
            CallError::CpuBudget { .. } => ErrorClass::CpuBudget,
            CallError::Timeout { .. } => ErrorClass::Timeout,
            CallError::Memory { .. } => ErrorClass::Memory,
            CallError::Boundary { .. } => ErrorClass::Boundary,
            CallError::Overloaded { .. } => ErrorClass::Overloaded,
            CallError::Host { .. } => ErrorClass::Host,
        }
    }

    /// [`CallError::kind`] as its stable word (see [`ErrorClass::as_str`]), for metrics and
    /// audit records.
    pub fn class(&self) -> &'static str {
        self.kind().as_str()
    }

    /// True when the sandbox stopped the call (trap, budget, timeout), as opposed to the
    /// connector answering with an error, the host failing, or the call never starting.
    pub fn is_sandbox_stop(&self) -> bool {
        !matches!(
            self,
            CallError::Connector { .. } | CallError::Host { .. } | CallError::Overloaded { .. }
        )
    }
}

/// A connector error's class (as [`CallError::class`] names it) and its message.
fn connector_error_parts(error: &ConnectorError) -> (&'static str, &str) {
    match error {
        ConnectorError::InvalidInput(m) => (ErrorClass::InvalidInput.as_str(), m),
        ConnectorError::NotFound(m) => (ErrorClass::NotFound.as_str(), m),
        ConnectorError::Unauthorized(m) => (ErrorClass::Unauthorized.as_str(), m),
        ConnectorError::Unavailable(m) => (ErrorClass::Unavailable.as_str(), m),
        ConnectorError::Internal(m) => (ErrorClass::Internal.as_str(), m),
    }
}

/// The connector's error as a person reads it: its class, then its message.
fn connector_error_text(error: &ConnectorError) -> String {
    let (class, message) = connector_error_parts(error);
    // The message comes from the guest: keep it to one safe line.
    format!("{class}: {}", crate::text::neutralise(message, 1024))
}
