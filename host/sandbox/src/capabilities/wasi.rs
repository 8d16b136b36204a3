//! The rest of WASI 0.2. Language runtimes import more than they use (Rust's std imports the
//! environment, filesystem and sockets; Python imports more), so every interface is linked, but
//! the context grants nothing through them: no environment variables, no arguments, no
//! preopened directories, no sockets, no name lookups. Clocks and random work. Standard output
//! and error are captured into a bounded buffer: that is where a Rust panic message lands, and
//! the host quotes it when the call traps.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime::component::Linker;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::policy::Preopen;

use crate::plugin::InstanceState;

/// Most bytes of guest stdout and stderr kept per call: the last ones written, since a panic
/// message comes last. It fits many times over; older output is discarded, never an error to
/// the guest.
pub(crate) const MAX_CAPTURED_OUTPUT: usize = 16 * 1024;

/// Most bytes one `get-random-bytes` call may ask for: a guest seeding a hash map wants
/// dozens, and a request for gigabytes would be a way to make the host allocate.
const MAX_RANDOM_BYTES: u64 = 64 * 1024;

/// Build the WASI context for one call: nothing ambient, output captured in `output`, and the
/// policy's directories preopened read-only (a directory that vanished since loading is left
/// out and logged, never an error that kills the call).
pub(crate) fn context(output: &CapturedOutput, preopens: &[Preopen]) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(output.clone())
        .stderr(output.clone())
        .max_random_size(MAX_RANDOM_BYTES)
        .allow_ip_name_lookup(false)
        .allow_tcp(false)
        .allow_udp(false);
    for dir in preopens {
        if let Err(e) = builder.preopened_dir(&dir.path, &dir.guest, FsPerms::ReadOnly) {
            tracing::warn!("cannot preopen {}: {e:#}", dir.path.display());
        }
    }
    builder.build()
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)
}

/// Guest stdout and stderr, interleaved, last [`MAX_CAPTURED_OUTPUT`] bytes kept.
#[derive(Clone, Default)]
pub(crate) struct CapturedOutput {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl CapturedOutput {
    /// What the guest wrote, lossily decoded.
    pub(crate) fn text(&self) -> String {
        let buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&buffer).into_owned()
    }

    fn append(&self, bytes: &[u8]) {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let bytes = &bytes[bytes.len().saturating_sub(MAX_CAPTURED_OUTPUT)..];
        let overflow = (buffer.len() + bytes.len()).saturating_sub(MAX_CAPTURED_OUTPUT);
        buffer.drain(..overflow);
        buffer.extend_from_slice(bytes);
    }
}

impl IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for CapturedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.append(buf);
        // Everything is accepted: past the cap old bytes are dropped, so a chatty guest is never
        // blocked or failed by its own output.
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_output_keeps_the_last_bytes() {
        let out = CapturedOutput::default();
        out.append(b"hello ");
        out.append(&vec![b'x'; MAX_CAPTURED_OUTPUT * 2]);
        out.append(b"panicked at the end");
        let text = out.text();
        assert!(text.ends_with("xxpanicked at the end"), "the tail survives");
        assert!(!text.contains("hello"));
        assert_eq!(text.len(), MAX_CAPTURED_OUTPUT);
        let small = CapturedOutput::default();
        small.append(b"a");
        small.append(b"b");
        assert_eq!(small.text(), "ab");
    }
}
