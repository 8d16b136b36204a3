//! `interop:connector/log`: guest log lines go to `tracing`, tagged with the plugin.

use wasmtime::component::{HasData, Linker};

use super::capability::{Capability, Interface, Nothing, ParseCx, ReviewCx};
use crate::contract::since_v0_1::bindings as v0_1;
use crate::contract::since_v0_2::bindings as v0_2;
use crate::policy::error::PolicyError;
use crate::text::neutralise;

/// The log capability: every connector may log; nothing in a policy changes that.
pub(crate) struct Log;

impl Capability for Log {
    const NAME: &'static str = "log";
    const SERVES: &'static [Interface] = &[Interface {
        name: "interop:connector/log",
        versions: &["0.1", "0.2"],
    }];
    const TABLES: &'static [&'static str] = &[];
    type Section = Nothing;
    type Grant = Nothing;

    fn parse(_cx: &mut ParseCx<'_>) -> Result<Nothing, PolicyError> {
        Ok(Nothing {})
    }

    fn review(_section: &Nothing, _cx: &mut ReviewCx<'_>) -> Nothing {
        Nothing {}
    }

    fn grants(_import: &str, _grant: &Nothing) -> String {
        "log lines to the host's log, neutralised and capped".into()
    }
}

/// Longest line kept; the rest is cut and marked. A log line is for a person to read.
const MAX_LINE_BYTES: usize = 4 * 1024;
/// Most log bytes one call may emit; past it lines are dropped (once noted). Enough for
/// verbose debugging of a call, small enough that a guest cannot flood the host's log.
const MAX_BYTES_PER_CALL: usize = 256 * 1024;

/// Per-call log state.
pub(crate) struct LogState {
    plugin: String,
    /// The secrets it was handed, taken out of every line.
    redactor: std::sync::Arc<super::config::Redactor>,
    boundary: crate::limits::BoundaryMeter,
    written: usize,
    dropped: bool,
}

impl LogState {
    pub(crate) fn new(
        plugin: String,
        boundary: crate::limits::BoundaryMeter,
        redactor: std::sync::Arc<super::config::Redactor>,
    ) -> Self {
        LogState {
            plugin,
            redactor,
            boundary,
            written: 0,
            dropped: false,
        }
    }
}

struct HasLog;
impl HasData for HasLog {
    type Data<'a> = &'a mut LogState;
}

/// Serve every contract version's `log` interface from the state `get` finds.
pub(crate) fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut LogState,
) -> wasmtime::Result<()> {
    v0_1::log::add_to_linker::<T, HasLog>(linker, get)?;
    v0_2::log::add_to_linker::<T, HasLog>(linker, get)
}

/// How loud a guest line is, whichever contract version it came through.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Serve one contract version's `log` interface from [`LogState::line`].
macro_rules! serve_log {
    ($($version:ident),*) => {$(
        impl $version::log::Host for &mut LogState {
            async fn log(&mut self, level: $version::log::Level, message: String) -> wasmtime::Result<()> {
                use $version::log::Level as L;
                let level = match level {
                    L::Trace => Level::Trace,
                    L::Debug => Level::Debug,
                    L::Info => Level::Info,
                    L::Warn => Level::Warn,
                    L::Error => Level::Error,
                };
                self.line(level, message)
            }
        }
    )*};
}

serve_log!(v0_1, v0_2);

impl LogState {
    /// One guest log line: charged to the boundary, neutralised, capped, tagged with the plugin.
    fn line(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        // Every line crosses the boundary, kept or not; a refused charge fails the call.
        if !self.boundary.charge(message.len() as u64) {
            return Err(wasmtime::Error::msg(
                "log line over the call's boundary byte cap",
            ));
        }
        if self.written >= MAX_BYTES_PER_CALL {
            if !self.dropped {
                self.dropped = true;
                tracing::warn!(plugin = %self.plugin, "guest log budget of {MAX_BYTES_PER_CALL} bytes used up; further lines dropped");
            }
            return Ok(());
        }
        self.written += message.len();
        let line = neutralise(&self.redactor.redact(&message), MAX_LINE_BYTES);
        let plugin = self.plugin.as_str();
        match level {
            Level::Trace => tracing::trace!(target: "interop::guest", plugin, "{line}"),
            Level::Debug => tracing::debug!(target: "interop::guest", plugin, "{line}"),
            Level::Info => tracing::info!(target: "interop::guest", plugin, "{line}"),
            Level::Warn => tracing::warn!(target: "interop::guest", plugin, "{line}"),
            Level::Error => tracing::error!(target: "interop::guest", plugin, "{line}"),
        }
        Ok(())
    }
}
