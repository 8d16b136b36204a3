//! Files only the service account may write: private directories, atomic replacement,
//! appends that reach the disk.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::Path;

use anyhow::{Context, bail};

/// Create `dir` (and missing parents) with mode 0700 if it does not exist.
pub(super) fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

/// Refuse a file or directory that another user owns or that group or others may write: the
/// store holds native code the host runs without checking it.
///
/// # Errors
/// What is wrong and the command that fixes it.
pub fn check_private(path: &Path) -> anyhow::Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        bail!(
            "{} is owned by uid {}, not by this service (uid {me}): only the account that runs the gateway may own the plugin store; chown it",
            path.display(),
            meta.uid()
        );
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o022 != 0 {
        bail!(
            "{} may be written by others (mode {mode:03o}): the plugin store holds native code; run `chmod go-w {}`",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// Replace `path` with `bytes` atomically (a temporary file, fsynced, renamed over it, the
/// directory fsynced), mode 0600.
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .with_context(|| format!("{} has no directory", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// Append one line to `path` (created mode 0600) and make it durable.
pub(super) fn append_line(path: &Path, line: &str) -> anyhow::Result<()> {
    (|| {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)?;
        file.write_all(format!("{line}\n").as_bytes())?;
        file.sync_data()
    })()
    .with_context(|| format!("cannot append to {}", path.display()))
}
