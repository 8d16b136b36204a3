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

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWrite;
use toml::Spanned;
use wasmtime::component::Linker;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiView};

use super::capability::{Capability, Interface, ParseCx, ReviewCx};
use crate::findings::Severity;
use crate::policy::error::PolicyError;

/// The WASI capability: clocks, random, captured output, and read-only directories.
pub(crate) struct Wasi;

/// A read-only directory the connector may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preopen {
    /// Directory on the gateway's machine.
    pub path: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
}

/// `[[filesystem]]` of a policy: the directories it preopens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilesystemSection {
    /// Read-only directories.
    pub preopens: Vec<Preopen>,
}

/// The directories the connector can read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FilesystemGrant {
    /// Read-only directories.
    pub filesystem: Vec<Preopen>,
}

#[derive(Deserialize)]
struct Tables {
    #[serde(default)]
    filesystem: Vec<Spanned<RawPreopen>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreopen {
    path: String,
    guest: String,
}

const V0_2: &[&str] = &["0.2"];

impl Capability for Wasi {
    const NAME: &'static str = "wasi";
    const SERVES: &'static [Interface] = &[
        Interface {
            name: "wasi:io/error",
            versions: V0_2,
        },
        Interface {
            name: "wasi:io/poll",
            versions: V0_2,
        },
        Interface {
            name: "wasi:io/streams",
            versions: V0_2,
        },
        Interface {
            name: "wasi:clocks/monotonic-clock",
            versions: V0_2,
        },
        Interface {
            name: "wasi:clocks/wall-clock",
            versions: V0_2,
        },
        Interface {
            name: "wasi:random/random",
            versions: V0_2,
        },
        Interface {
            name: "wasi:random/insecure",
            versions: V0_2,
        },
        Interface {
            name: "wasi:random/insecure-seed",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/environment",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/exit",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/stdin",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/stdout",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/stderr",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/terminal-input",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/terminal-output",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/terminal-stdin",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/terminal-stdout",
            versions: V0_2,
        },
        Interface {
            name: "wasi:cli/terminal-stderr",
            versions: V0_2,
        },
        Interface {
            name: "wasi:filesystem/types",
            versions: V0_2,
        },
        Interface {
            name: "wasi:filesystem/preopens",
            versions: V0_2,
        },
        Interface {
            name: "wasi:sockets/network",
            versions: V0_2,
        },
        Interface {
            name: "wasi:sockets/instance-network",
            versions: V0_2,
        },
        Interface {
            name: "wasi:sockets/tcp",
            versions: V0_2,
        },
        Interface {
            name: "wasi:sockets/tcp-create-socket",
            versions: V0_2,
        },
        Interface {
            name: "wasi:sockets/udp",
            versions: V0_2,
        },
        Interface {
            name: "wasi:sockets/udp-create-socket",
            versions: V0_2,
        },
        Interface {
            name: "wasi:sockets/ip-name-lookup",
            versions: V0_2,
        },
    ];
    const TABLES: &'static [&'static str] = &["filesystem"];
    type Section = FilesystemSection;
    type Grant = FilesystemGrant;

    fn parse(cx: &mut ParseCx<'_>) -> Result<FilesystemSection, PolicyError> {
        let tables: Tables = cx.tables()?;
        let mut section = FilesystemSection::default();
        for (i, entry) in tables.filesystem.into_iter().enumerate() {
            let offset = entry.span().start;
            let RawPreopen { path, guest } = entry.into_inner();
            let path = PathBuf::from(path);
            if !path.is_absolute() {
                return Err(cx.error(
                    offset,
                    format!(
                        "filesystem path {:?} must be absolute (the gateway's working directory is not a stable place)",
                        path.display().to_string()
                    ),
                ));
            }
            if !guest.starts_with('/') || guest.split('/').any(|c| c == "..") {
                return Err(cx.error(
                    offset,
                    format!("filesystem guest path {guest:?} must be absolute, without `..`"),
                ));
            }
            cx.line(format!("filesystem.{i}"), offset);
            section.preopens.push(Preopen { path, guest });
        }
        Ok(section)
    }

    fn review(section: &FilesystemSection, cx: &mut ReviewCx<'_>) -> FilesystemGrant {
        let files = cx.imports("wasi:filesystem/preopens");
        let mut filesystem = Vec::new();
        for (i, pre) in section.preopens.iter().enumerate() {
            let at = cx.line(&format!("filesystem.{i}"));
            if !files {
                cx.findings.add(
                    Severity::Info,
                    "filesystem-unused",
                    format!(
                        "{} is preopened, but the component does not import wasi:filesystem",
                        pre.path.display()
                    ),
                    at,
                );
                continue;
            }
            if !pre.path.is_dir() {
                cx.findings.add(
                    Severity::High,
                    "filesystem-missing",
                    format!(
                        "{} is not a directory on this machine; the connector will not load",
                        pre.path.display()
                    ),
                    at,
                );
            }
            match exposure(&pre.path, cx.protected) {
                Some(what) => cx.findings.add(
                    Severity::High,
                    "filesystem-exposes",
                    format!(
                        "{} exposes {what} to the connector (as {}); preopen only a directory of the vendor's reference data",
                        pre.path.display(),
                        pre.guest
                    ),
                    at,
                ),
                None => cx.findings.add(
                    Severity::Medium,
                    "filesystem",
                    format!(
                        "the connector may read everything under {} (as {}), read-only",
                        pre.path.display(),
                        pre.guest
                    ),
                    at,
                ),
            }
            filesystem.push(pre.clone());
        }
        FilesystemGrant { filesystem }
    }

    fn grants(import: &str, grant: &FilesystemGrant) -> String {
        let base = import.split('@').next().unwrap_or(import);
        match base {
            b if b.starts_with("wasi:io/") => {
                "streams and polling of handles it already holds".into()
            }
            b if b.starts_with("wasi:clocks/") => "the time".into(),
            b if b.starts_with("wasi:random/") => "random bytes, at most 64 KiB per request".into(),
            "wasi:cli/environment" => "nothing: no environment variables, no arguments".into(),
            "wasi:cli/stdin" => "nothing: standard input is empty".into(),
            "wasi:cli/stdout" | "wasi:cli/stderr" => {
                "output captured by the host (last 16 KiB kept)".into()
            }
            "wasi:cli/exit" => "ending its own call".into(),
            b if b.starts_with("wasi:cli/terminal") => "nothing: no terminal".into(),
            b if b.starts_with("wasi:filesystem/") => {
                if grant.filesystem.is_empty() {
                    "nothing: no directories".into()
                } else {
                    let dirs: Vec<String> = grant
                        .filesystem
                        .iter()
                        .map(|p| format!("{} (read-only)", p.guest))
                        .collect();
                    dirs.join(", ")
                }
            }
            b if b.starts_with("wasi:sockets/") => {
                "nothing: sockets and name lookups are never granted".into()
            }
            _ => "nothing".into(),
        }
    }
}

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

/// The system's directories no connector may read: the root, where the system keeps its
/// configuration, credentials, users' homes, processes and devices.
const SYSTEM_DIRECTORIES: &[&str] = &[
    "/", "/etc", "/root", "/home", "/proc", "/sys", "/dev", "/boot", "/run", "/var", "/usr",
    "/bin", "/sbin", "/lib", "/lib64", "/opt", "/srv", "/tmp", "/mnt", "/media",
];

/// What a preopen of `path` would expose that no connector may read, if anything: a system
/// directory (or a directory holding one), or a directory of `protected` — being one, inside
/// one, or above one. Paths are compared after resolving symbolic links where they exist, so
/// `/srv/ref/../../etc` and a link to `/` are caught.
fn exposure(path: &std::path::Path, protected: &[PathBuf]) -> Option<String> {
    let real = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let path = real(path);
    for dir in SYSTEM_DIRECTORIES {
        let dir = std::path::Path::new(dir);
        // The system directory itself, or a directory above it; a vendor's data kept under
        // `/srv/vendor` or `/opt/vendor` is fine, `/srv` or `/opt` whole is not.
        if dir.starts_with(&path) {
            return Some(format!("the system directory {}", dir.display()));
        }
    }
    for dir in protected {
        let dir = real(dir);
        if dir.starts_with(&path) || path.starts_with(&dir) {
            return Some(format!(
                "{}, which holds the host's own data",
                dir.display()
            ));
        }
    }
    None
}

/// Link every WASI 0.2 interface but HTTP, served from the store data's [`WasiView`].
///
/// One function is served differently from wasmtime-wasi's: `wasi:io/error.to-debug-string`,
/// which there is the host error's `Debug` form, and so, when the host runs with
/// `RUST_BACKTRACE` set, a backtrace of the host. A guest gets the error's message and causes
/// instead, one line, capped.
pub(crate) fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    linker.allow_shadowing(true);
    let served = linker.instance(IO_ERROR_INTERFACE).and_then(|mut error| {
        error.func_wrap(
            "[method]error.to-debug-string",
            |mut store: wasmtime::StoreContextMut<'_, T>,
             (err,): (wasmtime::component::Resource<wasmtime::Error>,)| {
                let error = store.data_mut().ctx().table.get(&err)?;
                Ok((guest_error_text(error),))
            },
        )
    });
    linker.allow_shadowing(false);
    served
}

/// The `wasi:io/error` interface wasmtime-wasi links, at the version it links it.
const IO_ERROR_INTERFACE: &str = "wasi:io/error@0.2.12";

/// Most bytes of a host error's text a guest is given: enough for the cause, not a dump.
const MAX_GUEST_ERROR_TEXT: usize = 512;

/// A host error as a guest may see it: its message and the chain of causes (`{:#}`), never a
/// backtrace, made one visible line.
fn guest_error_text(error: &wasmtime::Error) -> String {
    crate::text::neutralise(&format!("{error:#}"), MAX_GUEST_ERROR_TEXT)
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
    fn a_host_error_reaches_a_guest_without_a_backtrace() {
        let error = wasmtime::Error::msg("connection reset").context("reading the response body");
        let text = guest_error_text(&error);
        assert_eq!(text, "reading the response body: connection reset");
        let debug = format!("{error:?}");
        assert!(
            debug.contains("Caused by") && !text.contains("Caused by"),
            "the Debug form, which the guest used to get, is longer: {debug}"
        );
    }

    #[test]
    fn preopens_are_rated_by_what_they_expose() {
        let store = std::env::temp_dir().join(format!("interop-exposure-{}", std::process::id()));
        let reference = store
            .parent()
            .unwrap()
            .join(format!("interop-ref-{}", std::process::id()));
        std::fs::create_dir_all(store.join("plugins")).unwrap();
        std::fs::create_dir_all(&reference).unwrap();
        let protected = vec![store.clone()];
        for exposed in [
            PathBuf::from("/"),
            PathBuf::from("/etc"),
            PathBuf::from("/home"),
            store.clone(),
            store.join("plugins"),
            store.parent().unwrap().to_path_buf(),
            reference.join("../.."),
        ] {
            assert!(
                exposure(&exposed, &protected).is_some(),
                "{}",
                exposed.display()
            );
        }
        assert_eq!(exposure(&reference, &protected), None);
        assert_eq!(
            exposure(std::path::Path::new("/srv/vendor/reference"), &protected),
            None
        );
        std::fs::remove_dir_all(&store).unwrap();
        std::fs::remove_dir_all(&reference).unwrap();
    }

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
