//! The gateway's checkpoint signing key: `gateway.key` (the Ed25519 seed, hex, mode 0600) and
//! `gateway.pub` (its public half, hex) beside the log.
//!
//! Whoever can read `gateway.key` can sign checkpoints, and so could rewrite the log and sign
//! the result; the file is created 0600 and the gateway refuses to use one others can read.
//! Keep a copy of `gateway.pub` somewhere the gateway cannot write, and verify with `--key`.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::AuditError;
use super::line::unhex;

/// File name of the private key beside the log.
pub const KEY_FILE: &str = "gateway.key";
/// File name of the public key beside the log.
pub const PUB_FILE: &str = "gateway.pub";

fn key_error(path: &Path, message: impl Into<String>) -> AuditError {
    AuditError::Key {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Load `dir/gateway.key`, or create it (and `gateway.pub`) when there is none.
pub(crate) fn load_or_create(dir: &Path) -> Result<SigningKey, AuditError> {
    let key_path = dir.join(KEY_FILE);
    let pub_path = dir.join(PUB_FILE);
    let key = match fs::metadata(&key_path) {
        Ok(meta) => {
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(key_error(
                    &key_path,
                    format!(
                        "mode {:o} lets other users read the signing key; run `chmod 600 {}` \
                         (and, if someone may have read it, start a new key and log)",
                        meta.permissions().mode() & 0o777,
                        key_path.display()
                    ),
                ));
            }
            let text =
                fs::read_to_string(&key_path).map_err(|e| AuditError::io(&key_path, "read", e))?;
            let seed = unhex::<32>(&text).ok_or_else(|| {
                key_error(
                    &key_path,
                    "not an Ed25519 seed (64 hex digits); restore the gateway's key file",
                )
            })?;
            SigningKey::from_bytes(&seed)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&key_path)?,
        Err(e) => return Err(AuditError::io(&key_path, "read", e)),
    };
    let public = hex::encode(key.verifying_key().as_bytes());
    match fs::read_to_string(&pub_path) {
        Ok(text) if text.trim() == public => {}
        Ok(_) => {
            return Err(key_error(
                &pub_path,
                format!(
                    "is not the public half of {}; restore the right one, or delete it and the \
                     gateway will write it again",
                    key_path.display()
                ),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_new(&pub_path, &format!("{public}\n"), 0o644)?;
            sync_dir(dir)?;
        }
        Err(e) => return Err(AuditError::io(&pub_path, "read", e)),
    }
    Ok(key)
}

fn create(path: &Path) -> Result<SigningKey, AuditError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| {
        key_error(
            path,
            format!("no randomness from the OS for a new key: {e}"),
        )
    })?;
    let key = SigningKey::from_bytes(&seed);
    write_new(path, &format!("{}\n", hex::encode(seed)), 0o600)?;
    tracing::warn!(key = %path.display(), "created a new audit signing key");
    Ok(key)
}

/// Create `path` (it must not exist) with `mode`, write `text` and make it durable.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), AuditError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| AuditError::io(path, "create", e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| AuditError::io(path, "write", e))
}

/// Make a directory's entries (a new or renamed file) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| AuditError::io(dir, "sync", e))
}

/// Read a public key file (hex).
pub(crate) fn load_public(path: &Path) -> Result<VerifyingKey, AuditError> {
    let text = fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => key_error(
            path,
            "no such public key file; pass the gateway's public key with --key",
        ),
        _ => AuditError::io(path, "read", e),
    })?;
    let bytes = unhex::<32>(&text)
        .ok_or_else(|| key_error(path, "not an Ed25519 public key (64 hex digits)"))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| key_error(path, format!("not a valid Ed25519 public key: {e}")))
}

/// The default public key for a log: `gateway.pub` beside it.
pub(crate) fn default_public(log: &Path) -> PathBuf {
    log.parent()
        .map_or_else(|| PathBuf::from(PUB_FILE), |d| d.join(PUB_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_key_and_refuses_a_readable_one() {
        let dir = crate::tests::scratch("key");
        let key = load_or_create(&dir).unwrap();
        let mode = fs::metadata(dir.join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // Loading again gives the same key, and the public file matches it.
        assert_eq!(load_or_create(&dir).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(
            load_public(&dir.join(PUB_FILE)).unwrap(),
            key.verifying_key()
        );

        fs::set_permissions(dir.join(KEY_FILE), fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_create(&dir).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
    }
}
