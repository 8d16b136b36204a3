//! `interop:connector/log`: guest log lines go to `tracing`, tagged with the plugin.

use wasmtime::component::{HasData, Linker};

use crate::bindings::log::{self, Level};
use crate::plugin::InstanceState;

/// Longest line kept; the rest is cut and marked. A log line is for a person to read.
const MAX_LINE_BYTES: usize = 4 * 1024;
/// Most log bytes one call may emit; past it lines are dropped (once noted). Enough for
/// verbose debugging of a call, small enough that a guest cannot flood the host's log.
const MAX_BYTES_PER_CALL: usize = 256 * 1024;

/// Per-call log state.
pub(crate) struct LogState {
    plugin: String,
    boundary: crate::limits::BoundaryMeter,
    written: usize,
    dropped: bool,
}

impl LogState {
    pub(crate) fn new(plugin: String, boundary: crate::limits::BoundaryMeter) -> Self {
        LogState {
            plugin,
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

pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    log::add_to_linker::<InstanceState, HasLog>(linker, |s| &mut s.log)
}

impl log::Host for &mut LogState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
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
        let line = neutralise(&message, MAX_LINE_BYTES);
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

/// Make guest text safe to print on one line of a terminal or log file: control characters
/// (ANSI escapes, newlines that would forge log lines, bidi overrides) become visible escapes,
/// and the text is cut at `max_bytes` on a character boundary.
pub(crate) fn neutralise(text: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_bytes) + 16);
    for (i, c) in text.char_indices() {
        if i >= max_bytes {
            out.push_str(&format!("… [{} more bytes]", text.len() - i));
            break;
        }
        let dangerous = c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if dangerous {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn escapes_ansi_and_newlines() {
        let s = neutralise("ok\x1b[31mred\x1b[0m\nforged line\r", 100);
        assert_eq!(s, "ok\\u{1b}[31mred\\u{1b}[0m\\nforged line\\r");
        assert!(!s.chars().any(|c| c.is_control()));
    }

    #[test]
    fn escapes_bidi_overrides() {
        assert_eq!(neutralise("a\u{202e}b", 100), "a\\u{202e}b");
    }

    #[test]
    fn cuts_long_lines_on_a_char_boundary() {
        let s = neutralise(&"é".repeat(100), 11);
        assert!(s.starts_with("éééééé… ["), "{s}");
        assert!(s.ends_with("more bytes]"));
    }
}
