//! Native code compiled from a component, kept on disk and loaded back instead of compiling
//! again: a Python or JavaScript component takes seconds to compile, its native code loads in
//! milliseconds.
//!
//! Loading native code runs it unchecked, so an artifact is only ever read back from a
//! directory only this user may write, from a file this user owns and only it may write, named
//! by the SHA-256 of the component it came from and the fingerprint of the engine settings that
//! compiled it. Anything else is compiled afresh.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use crate::engine::Host;
use crate::error::LoadError;

/// A file or directory that is not this user's alone: what is wrong, and the command that
/// fixes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotPrivate(pub String);

/// Refuse a file or directory another user owns, or that group or others may write: native
/// code from it would run with this user's rights.
///
/// # Errors
/// [`NotPrivate`], naming the path and the fix.
pub fn check_private(path: &Path) -> Result<(), NotPrivate> {
    let meta = std::fs::metadata(path)
        .map_err(|e| NotPrivate(format!("cannot read {}: {e}", path.display())))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(NotPrivate(format!(
            "{} is owned by uid {}, not by this user (uid {me}): native code is only loaded from files this user owns; chown it",
            path.display(),
            meta.uid()
        )));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(NotPrivate(format!(
            "{} may be written by others (mode {mode:03o}): it holds native code; run `chmod go-w {}`",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

/// What names an engine's native code: the hash of every setting that makes one engine's
/// artifacts unloadable by another (wasmtime's own compatibility hash), as 16 hex digits.
pub fn fingerprint(host: &Host) -> String {
    use std::hash::{Hash, Hasher};
    struct ShaHasher(Sha256);
    impl Hasher for ShaHasher {
        fn finish(&self) -> u64 {
            // Only written to: the digest is read from the inner hasher.
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut hasher = ShaHasher(Sha256::new());
    host.engine()
        .precompile_compatibility_hash()
        .hash(&mut hasher);
    hex::encode(hasher.0.finalize())[..16].to_string()
}

/// Why [`deserialize_checked`] loaded nothing.
#[derive(Debug, thiserror::Error)]
pub enum CheckedLoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The artifact.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The bytes do not hash to the SHA-256 expected of them.
    #[error("{} does not hash to what was recorded when it was made", path.display())]
    Mismatch {
        /// The artifact.
        path: PathBuf,
    },
    /// wasmtime refused the bytes (another engine's, or not native code at all).
    #[error("cannot load {}: {reason}", path.display())]
    Load {
        /// The artifact.
        path: PathBuf,
        /// What wasmtime said.
        reason: String,
    },
}

/// The native code in `path`, loaded only when its bytes hash to `expected`, and loaded from
/// the very bytes that were hashed.
///
/// The file is read once, into [`SealedBytes`] (on Linux a sealed memory file: nothing can
/// change it after), hashed there, and mapped by wasmtime from there: the check binds the exact
/// bytes that run, with no further copy of them, and wasmtime's copy-on-write memory images map
/// the sealed file directly instead of copying each image into memory of its own (a Python
/// component's is 12 MiB). Where no sealed file can be made or mapped, the bytes read are
/// hashed and copied in by wasmtime.
///
/// # Errors
/// [`CheckedLoadError`]: unreadable, not the bytes expected, or refused by wasmtime.
///
/// # Safety
/// As [`Component::deserialize_file`]: wasmtime runs the bytes as native code without
/// checking them. The caller vouches that bytes hashing to `expected` are this engine's own
/// output (`Engine::precompile_component`) for a component it trusts.
pub unsafe fn deserialize_checked(
    engine: &wasmtime::Engine,
    path: &Path,
    expected: Expected<'_>,
) -> Result<Component, CheckedLoadError> {
    let bytes = SealedBytes::read(path).map_err(|source| CheckedLoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if !expected.matches(bytes.bytes()) {
        return Err(CheckedLoadError::Mismatch {
            path: path.to_path_buf(),
        });
    }
    #[cfg(target_os = "linux")]
    if let Some(fd) = bytes.sealed_fd() {
        // SAFETY: the sealed file holds the bytes just hashed and nothing can change them now;
        // the caller vouches for bytes with this hash.
        match unsafe { Component::deserialize_file(engine, format!("/proc/self/fd/{fd}")) } {
            Ok(component) => return Ok(component),
            // Mapping a memory file may be refused (no /proc, memory files not executable
            // here): wasmtime copies the bytes in instead, below.
            Err(e) => tracing::debug!("{}: mapping its sealed copy failed: {e:#}", path.display()),
        }
    }
    // SAFETY: these are the bytes just hashed; the caller vouches for bytes with this hash.
    unsafe { Component::deserialize(engine, bytes.bytes()) }.map_err(|e| CheckedLoadError::Load {
        path: path.to_path_buf(),
        reason: format!("{e:#}"),
    })
}

/// The hash native code must have to be loaded: BLAKE3 where it was recorded (several times
/// faster than SHA-256 here, which matters for tens of MB of native code per connector at
/// every start), SHA-256 for what was recorded before BLAKE3 was.
#[derive(Debug, Clone, Copy)]
pub enum Expected<'a> {
    /// Lowercase hex BLAKE3 (256-bit).
    Blake3(&'a str),
    /// Lowercase hex SHA-256.
    Sha256(&'a str),
}

impl Expected<'_> {
    /// Whether `bytes` hash to it.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        match self {
            Expected::Blake3(want) => blake3::hash(bytes).to_hex().as_str() == *want,
            Expected::Sha256(want) => hex::encode(Sha256::digest(bytes)) == *want,
        }
    }
}

/// The BLAKE3 of `bytes`, lowercase hex: what [`Expected::Blake3`] checks.
pub fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// A file's bytes, read once into memory that nothing can change afterwards: what is checked
/// (hashed, its signature verified) is what is then used.
///
/// On Linux the file is copied by the kernel (no pass through this process) into a memory
/// file that is then sealed against writing, growing and shrinking, by anyone, this user
/// included, and mapped read-only: fresh pages for tens of MB cost no zeroing, unlike a
/// buffer of the same size. Elsewhere, or if that fails, the file is read into a buffer.
pub struct SealedBytes {
    inner: Inner,
}

enum Inner {
    #[cfg(target_os = "linux")]
    Sealed(sealed::Mapped),
    Owned(Vec<u8>),
}

impl SealedBytes {
    /// Read `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or read.
    pub fn read(path: &Path) -> std::io::Result<SealedBytes> {
        let mut file = std::fs::File::open(path)?;
        #[cfg(target_os = "linux")]
        match sealed::Mapped::copy(&mut file) {
            Ok(mapped) => {
                return Ok(SealedBytes {
                    inner: Inner::Sealed(mapped),
                });
            }
            Err(e) => tracing::debug!("{}: no sealed copy ({e}); reading it", path.display()),
        }
        let mut bytes = Vec::new();
        std::io::Seek::rewind(&mut file)?;
        std::io::Read::read_to_end(&mut file, &mut bytes)?;
        Ok(SealedBytes {
            inner: Inner::Owned(bytes),
        })
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.inner {
            #[cfg(target_os = "linux")]
            Inner::Sealed(mapped) => mapped.bytes(),
            Inner::Owned(bytes) => bytes,
        }
    }

    /// The sealed memory file holding them, if they are in one.
    #[cfg(target_os = "linux")]
    fn sealed_fd(&self) -> Option<std::os::fd::RawFd> {
        use std::os::fd::AsRawFd as _;
        match &self.inner {
            Inner::Sealed(mapped) => Some(mapped.file.as_raw_fd()),
            Inner::Owned(_) => None,
        }
    }
}

/// A file's bytes to check and then let go of, mapped read-only where the system allows it:
/// nothing is copied, so checking a file of tens of MB costs only reading it once.
///
/// Unlike [`SealedBytes`], the bytes are the file's own pages: whoever may write the file could
/// change them while they are read. Use it only for a check whose bytes are not used after it
/// (e.g. a stored component's signature, when the code that runs is its separately checked,
/// sealed native code), on files in a directory only this user may write.
pub struct FileView {
    inner: ViewInner,
}

enum ViewInner {
    #[cfg(target_os = "linux")]
    Mapped(mapping::ReadOnly),
    Owned(Vec<u8>),
}

impl FileView {
    /// Map `path` (or read it, where it cannot be mapped).
    ///
    /// # Errors
    /// When the file cannot be opened or read.
    pub fn open(path: &Path) -> std::io::Result<FileView> {
        let file = std::fs::File::open(path)?;
        #[cfg(target_os = "linux")]
        {
            let len = usize::try_from(file.metadata()?.len())
                .map_err(|_| std::io::Error::other("too large to map"))?;
            if len > 0 {
                // Private: this process's view of the file's pages (see the type's caveat).
                match mapping::ReadOnly::map(&file, len, libc::MAP_PRIVATE) {
                    Ok(mapped) => {
                        return Ok(FileView {
                            inner: ViewInner::Mapped(mapped),
                        });
                    }
                    Err(e) => tracing::debug!("{}: cannot map ({e}); reading it", path.display()),
                }
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes)?;
        Ok(FileView {
            inner: ViewInner::Owned(bytes),
        })
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.inner {
            #[cfg(target_os = "linux")]
            ViewInner::Mapped(mapped) => mapped.bytes(),
            ViewInner::Owned(bytes) => bytes,
        }
    }
}

/// A read-only mapping of a file's first `len` bytes, unmapped on drop: what [`SealedBytes`]
/// (shared, of a sealed memory file) and [`FileView`] (private, of a store file) both hold.
#[cfg(target_os = "linux")]
mod mapping {
    use std::fs::File;
    use std::os::fd::AsRawFd as _;

    pub(super) struct ReadOnly {
        ptr: *const u8,
        len: usize,
    }

    // SAFETY: the mapping is read-only and owned by this value; nothing in this process writes
    // it, so sharing or sending the pointer is sound (what the file's writers may do is each
    // user's caveat, documented on SealedBytes and FileView).
    unsafe impl Send for ReadOnly {}
    // SAFETY: as above.
    unsafe impl Sync for ReadOnly {}

    impl ReadOnly {
        /// Map `len` (> 0) bytes of `file` with `PROT_READ` and `flags` (`MAP_SHARED` or
        /// `MAP_PRIVATE`). The descriptor may be closed afterwards.
        pub(super) fn map(file: &File, len: usize, flags: libc::c_int) -> std::io::Result<Self> {
            // SAFETY: a fresh read-only mapping of an open file; the result is checked.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    flags,
                    file.as_raw_fd(),
                    0,
                )
            };
            if ptr == libc::MAP_FAILED {
                return Err(std::io::Error::last_os_error());
            }
            Ok(ReadOnly {
                ptr: ptr.cast(),
                len,
            })
        }

        pub(super) fn bytes(&self) -> &[u8] {
            // SAFETY: `ptr` maps `len` readable bytes until drop.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }

    impl Drop for ReadOnly {
        fn drop(&mut self) {
            // SAFETY: the mapping made in `map`, unmapped once.
            unsafe {
                libc::munmap(self.ptr.cast_mut().cast(), self.len);
            }
        }
    }
}

#[cfg(target_os = "linux")]
mod sealed {
    use std::fs::File;
    use std::os::fd::{AsRawFd as _, FromRawFd as _};

    /// A sealed memory file and a read-only mapping of all of it: its file is sealed against
    /// every change, so the mapped bytes are immutable for as long as the mapping lives.
    pub(super) struct Mapped {
        map: super::mapping::ReadOnly,
        pub(super) file: File,
    }

    impl Mapped {
        /// What `file` holds, copied into a new sealed memory file and mapped.
        pub(super) fn copy(file: &mut File) -> std::io::Result<Mapped> {
            let name = c"interop-sealed";
            let flags = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
            // Executable, so wasmtime may map native code from it (where memory files are not
            // executable by default). Kernels before 6.3 know no MFD_EXEC and refuse it; their
            // memory files are executable anyway.
            // SAFETY: a NUL-terminated name and flags; the result is checked.
            let mut fd = unsafe { libc::memfd_create(name.as_ptr(), flags | libc::MFD_EXEC) };
            if fd < 0 {
                // SAFETY: as above.
                fd = unsafe { libc::memfd_create(name.as_ptr(), flags) };
            }
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: `fd` was just created and nothing else owns it.
            let mut memory = unsafe { File::from_raw_fd(fd) };
            // Between two files the kernel copies (copy_file_range, sendfile).
            std::io::copy(file, &mut memory)?;
            let seals =
                libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
            // SAFETY: fcntl on a descriptor this function owns; the result is checked.
            if unsafe { libc::fcntl(memory.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let len = usize::try_from(memory.metadata()?.len())
                .map_err(|_| std::io::Error::other("too large to map"))?;
            if len == 0 {
                return Err(std::io::Error::other("empty"));
            }
            // Shared, of a file this function owns, of its whole length.
            let map = super::mapping::ReadOnly::map(&memory, len, libc::MAP_SHARED)?;
            Ok(Mapped { map, file: memory })
        }

        pub(super) fn bytes(&self) -> &[u8] {
            self.map.bytes()
        }
    }
}

/// Most bytes a cache keeps: a Python or JavaScript component compiles to tens of MiB, a Rust
/// one to a few; two GiB keeps a vendor's working set of both, oldest pruned first.
const MAX_CACHE_BYTES: u64 = 2 << 30;

/// A user's cache of compiled components.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
}

impl ArtifactCache {
    /// The cache in `dir`, created (mode 0700) if missing.
    ///
    /// # Errors
    /// [`NotPrivate`] when the directory cannot be made, or is not this user's alone.
    pub fn open(dir: impl Into<PathBuf>) -> Result<ArtifactCache, NotPrivate> {
        let dir = dir.into();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| NotPrivate(format!("cannot create {}: {e}", dir.display())))?;
        check_private(&dir)?;
        Ok(ArtifactCache { dir })
    }

    /// This user's cache: `$INTEROP_CACHE_DIR`, else `$XDG_CACHE_HOME/interop/artifacts`, else
    /// `$HOME/.cache/interop/artifacts`.
    ///
    /// # Errors
    /// [`NotPrivate`] when there is no home to put it in, or it is not this user's alone.
    pub fn for_user() -> Result<ArtifactCache, NotPrivate> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = if let Some(dir) = var("INTEROP_CACHE_DIR") {
            PathBuf::from(dir)
        } else if let Some(cache) = var("XDG_CACHE_HOME") {
            PathBuf::from(cache).join("interop/artifacts")
        } else if let Some(home) = var("HOME") {
            PathBuf::from(home).join(".cache/interop/artifacts")
        } else {
            return Err(NotPrivate(
                "neither INTEROP_CACHE_DIR, XDG_CACHE_HOME nor HOME is set: there is nowhere to keep compiled components".into(),
            ));
        };
        ArtifactCache::open(dir)
    }

    /// Where the artifact of `bytes` compiled by `host` lives.
    fn path(&self, host: &Host, bytes: &[u8]) -> PathBuf {
        let digest = hex::encode(Sha256::digest(bytes));
        self.dir
            .join(format!("{digest}-{}.cwasm", fingerprint(host)))
    }

    /// `bytes` compiled by `host`: read back from the cache when it holds this component for
    /// this engine, else compiled (after the same checks [`Host::load`] makes) and kept.
    ///
    /// # Errors
    /// As [`Host::precompile`]. A cache that cannot be written is not an error: the component
    /// is compiled and used, and the cache is tried again next time.
    pub async fn compile(
        &self,
        host: &Host,
        name: &str,
        bytes: &[u8],
    ) -> Result<Component, LoadError> {
        crate::plugin::check_contract(name, bytes)?;
        let path = self.path(host, bytes);
        if path.exists() {
            match check_private(&path) {
                Ok(()) => {
                    // SAFETY: wasmtime runs deserialized native code without checking it. This
                    // file is one this cache wrote from these exact bytes (its name is their
                    // hash) for this engine's settings (the fingerprint), in a directory only
                    // this user may write, and it is owned by this user and writable by no one
                    // else: the same trust as the compiler's own output.
                    match unsafe { Component::deserialize_file(host.engine(), &path) } {
                        Ok(component) => return Ok(component),
                        Err(e) => tracing::warn!(
                            "compiled copy {} cannot be loaded ({e:#}); compiling again",
                            path.display()
                        ),
                    }
                }
                Err(e) => tracing::warn!("{e}; compiling again"),
            }
        }
        let artifact = host.precompile(name, bytes).await?;
        match write_private(&path, &artifact) {
            Ok(()) => self.prune(MAX_CACHE_BYTES),
            Err(e) => tracing::warn!("cannot keep the compiled copy: {e}"),
        }
        // SAFETY: `artifact` is what this host's engine produced a moment ago from `bytes`.
        unsafe { Component::deserialize(host.engine(), &artifact) }.map_err(|e| {
            LoadError::Invalid {
                name: name.to_string(),
                reason: format!("{e:#}"),
            }
        })
    }
}

impl ArtifactCache {
    /// Remove the least recently written artifacts until the cache holds at most `max` bytes.
    fn prune(&self, max: u64) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((meta.modified().ok()?, meta.len(), e.path()))
            })
            .collect();
        let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
        files.sort();
        for (_, len, path) in files {
            if total <= max {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

/// Replace `path` with `bytes` atomically (a temporary file, renamed over it), mode 0600.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
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
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("interop-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn component() -> Vec<u8> {
        wat::parse_str(
            r#"(component
                (core module $m (func (export "f") (result i32) i32.const 7))
                (core instance $i (instantiate $m))
                (func $f (result u32) (canon lift (core func $i "f")))
                (export "f" (func $f))
            )"#,
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_component_is_compiled_once_and_read_back_after() {
        let host = Host::new().unwrap();
        let dir = scratch("once");
        let cache = ArtifactCache::open(&dir).unwrap();
        let bytes = component();
        cache.compile(&host, "c.wasm", &bytes).await.unwrap();
        let path = cache.path(&host, &bytes);
        let written = std::fs::metadata(&path).unwrap();
        assert_eq!(written.mode() & 0o777, 0o600);
        cache.compile(&host, "c.wasm", &bytes).await.unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            written.modified().unwrap(),
            "read back, not written again"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn the_cache_prunes_its_oldest_artifacts() {
        let host = Host::new().unwrap();
        let dir = scratch("prune");
        let cache = ArtifactCache::open(&dir).unwrap();
        let bytes = component();
        cache.compile(&host, "c.wasm", &bytes).await.unwrap();
        let kept = cache.path(&host, &bytes);
        let old = dir.join("0000-old.cwasm");
        std::fs::write(&old, vec![0u8; 1000]).unwrap();
        let a_while_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(a_while_ago)
            .unwrap();
        cache.prune(std::fs::metadata(&kept).unwrap().len());
        assert!(!old.exists() && kept.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn an_artifact_others_may_write_is_never_loaded() {
        let host = Host::new().unwrap();
        let dir = scratch("others");
        let cache = ArtifactCache::open(&dir).unwrap();
        let bytes = component();
        cache.compile(&host, "c.wasm", &bytes).await.unwrap();
        let path = cache.path(&host, &bytes);
        // Replaced with garbage that others could have written: refused, compiled again.
        std::fs::write(&path, b"not native code").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(check_private(&path).is_err());
        cache.compile(&host, "c.wasm", &bytes).await.unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().mode() & 0o777,
            0o600,
            "the refused file was replaced by a fresh compile"
        );
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(
            ArtifactCache::open(&dir).is_err(),
            "a cache others may write is refused"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn bytes_that_are_not_a_connector_are_refused_before_any_cache_is_read() {
        let host = Host::new().unwrap();
        let dir = scratch("refused");
        let cache = ArtifactCache::open(&dir).unwrap();
        let err = cache
            .compile(&host, "x.wasm", b"hello world")
            .await
            .unwrap_err();
        assert!(matches!(err, LoadError::NotWasm { .. }), "{err:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
