//! `interop sign`: put the vendor's signature inside a component.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use interop_sandbox::signing::{self, SecretKey};

const AFTER_HELP: &str = "\
The signature is an `interop-signature` custom section appended as the component's last
section; it covers every other byte, so any change to the file after signing is caught. The
component runs as before. Signing a signed component replaces its signature. Without --out the
file is replaced atomically (a temporary file beside it, then a rename).

Examples:
  interop keys generate --out kestrel-release
  interop sign target/wasm32-wasip2/release/kestrel_rms_connector.wasm --key kestrel-release.key
  interop sign kestrel_rms_connector.wasm --key kestrel-release.key --out dist/kestrel_rms_connector.wasm
  interop verify dist/kestrel_rms_connector.wasm --trust kestrel-release.pub";

/// Arguments of `interop sign`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The component file (.wasm).
    component: PathBuf,
    /// The secret key file from `interop keys generate` (PREFIX.key).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Write the signed component here instead of replacing the input.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let key = SecretKey::from_file(&args.key)?;
    let bytes = std::fs::read(&args.component)
        .with_context(|| format!("cannot read {}", args.component.display()))?;
    let signed = signing::sign(&bytes, &key)
        .map_err(|e| anyhow::anyhow!("{}: not signed: {e}", args.component.display()))?;
    let out = args.out.as_ref().unwrap_or(&args.component);
    write_atomically(out, &signed)?;
    println!("{}: signed by key {}", out.display(), key.id());
    Ok(())
}

/// Write `bytes` to a temporary file beside `path` and rename it over `path`, so a reader (a
/// gateway starting) sees the old file or the new one, never half of one. An existing file's
/// permissions are kept.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mode = std::fs::metadata(path).map_or(0o644, |m| {
        use std::os::unix::fs::PermissionsExt as _;
        m.permissions().mode() & 0o7777
    });
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".signing-{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    // The rename itself survives a crash once the directory is synced.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}
