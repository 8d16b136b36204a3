//! Component signing and the trust store: who built this connector, and does a force trust them?
//!
//! A vendor signs a component with an Ed25519 key (`interop keys generate`, `interop sign`); a
//! force lists the public keys it trusts, and the keys it no longer trusts, in a [`TrustStore`];
//! the gateway loads a component only when [`verify`] says a trusted, unrevoked key signed it.
//!
//! **The signature travels inside the component**, as a top-level custom section named
//! [`SECTION_NAME`], appended as the last section. It covers every other byte of the file:
//! the signed message is [`DOMAIN`] followed by the SHA-256 of the component with the signature
//! section removed. Custom sections do not change what a component does, so a signed component
//! runs unchanged in any runtime; re-signing replaces the old signature.
//!
//! ```text
//! component  = preamble (8 bytes) · section* · signature section
//! section    = id (1 byte) · size (LEB128 u32) · payload (size bytes)
//! signature  = 0x00 · size · name length (LEB128) · "interop-signature"
//!              · format version (1 byte, = 1) · public key (32 bytes) · signature (64 bytes)
//! ```
//!
//! The sections are read here, by their framing alone, before anything is compiled: a
//! component that is refused never reaches the compiler. A signature section that is not the
//! last section, that appears twice, or whose payload is not exactly the layout above is
//! malformed, and refused like a signature that does not match.
//!
//! Key files are text. `PREFIX.key` holds the secret seed (`interop-ed25519-secret <hex>`),
//! created mode 0600, and is refused when group or others can read it; `PREFIX.pub` holds one
//! line, `interop-ed25519 <hex public key> <comment>`. A key is named by its [`KeyId`]: the
//! first 16 hex digits of the SHA-256 of the public key.
//!
//! # Example
//!
//! Sign a component and check it against a trust store holding the signer's key:
//!
//! ```no_run
//! use interop_sandbox::signing::{self, PublicKey, SecretKey, TrustStore};
//!
//! # fn run() -> anyhow::Result<()> {
//! let key = SecretKey::from_file("vendor.key".as_ref())?;
//! let bytes = std::fs::read("kestrel_rms_connector.wasm")?;
//! let signed = signing::sign(&bytes, &key)?;
//!
//! let mut trust = TrustStore::new();
//! trust.trust(PublicKey::from_file("vendor.pub".as_ref())?);
//! let signer = signing::verify(&signed, &trust)?;
//! println!("signed by key {}", signer.key_id);
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

use hex::{FromHex, encode as hex};

/// Name of the custom section that carries the signature.
pub const SECTION_NAME: &str = "interop-signature";
/// What every signed message starts with, so a signing key signs nothing else by accident.
pub const DOMAIN: &[u8] = b"interop-signature-v1\0";
/// The signature payload format this host writes and reads.
const FORMAT_VERSION: u8 = 1;
/// Payload after the section name: version byte, public key, signature.
const PAYLOAD_LEN: usize = 1 + 32 + 64;
/// First word of a public key file's line.
const PUBLIC_TAG: &str = "interop-ed25519";
/// First word of a secret key file.
const SECRET_TAG: &str = "interop-ed25519-secret";
/// Hex digits of SHA-256(public key) in a key id: 64 bits, enough that nobody can make a key
/// with the id of a key somebody else holds. Trust is decided on the whole public key; the id
/// only names it (and revoking an id revokes every key that has it).
const KEY_ID_LEN: usize = 16;

/// A key's short, stable name: the first 16 hex digits of the SHA-256 of its public key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    /// The id of a 32-byte Ed25519 public key.
    pub fn of(public: &[u8; 32]) -> KeyId {
        let mut id = hex(Sha256::digest(public));
        id.truncate(KEY_ID_LEN);
        KeyId(id)
    }

    /// Read a key id as printed (16 hex digits, either case); `None` if `text` is not one.
    pub fn parse(text: &str) -> Option<KeyId> {
        let text = text.trim();
        (text.len() == KEY_ID_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| KeyId(text.to_ascii_lowercase()))
    }

    /// The id as 16 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A problem with a key file: which file, and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct KeyError {
    /// The key file.
    pub path: PathBuf,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl KeyError {
    fn new(path: &Path, message: impl Into<String>) -> KeyError {
        KeyError {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// A public key line that is not one: what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidPublicKey(pub String);

/// A public key a force may trust, with the comment its file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    comment: String,
}

impl PublicKey {
    /// Parse the one line of a `.pub` file: `interop-ed25519 <64 hex digits> [comment]`.
    ///
    /// # Errors
    /// What is wrong with the line.
    pub fn parse(text: &str) -> Result<PublicKey, InvalidPublicKey> {
        Self::parse_line(text).map_err(InvalidPublicKey)
    }

    fn parse_line(text: &str) -> Result<PublicKey, String> {
        let line = text.trim();
        let mut words = line.splitn(3, char::is_whitespace);
        if words.next() != Some(PUBLIC_TAG) {
            return Err(format!(
                "not an interop public key: the line must start with `{PUBLIC_TAG}` \
                 (make one with `interop keys generate`)"
            ));
        }
        let bytes = words
            .next()
            .and_then(|s| <[u8; 32]>::from_hex(s.trim()).ok())
            .ok_or("the public key is not 64 hex digits")?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|e| format!("not a valid Ed25519 public key: {e}"))?;
        Ok(PublicKey {
            key,
            comment: words.next().unwrap_or("").trim().to_string(),
        })
    }

    /// Read a `.pub` file.
    ///
    /// # Errors
    /// A [`KeyError`] naming the file when it cannot be read or is not a public key.
    pub fn from_file(path: &Path) -> Result<PublicKey, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| KeyError::new(path, format!("cannot read the public key file: {e}")))?;
        PublicKey::parse(&text).map_err(|m| KeyError::new(path, m.0))
    }

    /// Its key id.
    pub fn id(&self) -> KeyId {
        KeyId::of(self.key.as_bytes())
    }

    /// The comment its file gives it (e.g. who holds the secret half).
    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// The 32 bytes of the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The line of its `.pub` file, without the newline.
    pub fn to_line(&self) -> String {
        let line = format!("{PUBLIC_TAG} {}", hex(self.key.as_bytes()));
        if self.comment.is_empty() {
            line
        } else {
            format!("{line} {}", self.comment)
        }
    }
}

/// The secret half of a signing key.
pub struct SecretKey {
    key: SigningKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.id())
    }
}

impl SecretKey {
    /// A new key from the operating system's random source.
    ///
    /// # Errors
    /// When the OS gives no randomness.
    pub fn generate() -> Result<SecretKey, getrandom::Error> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed)?;
        Ok(SecretKey::from_seed(seed))
    }

    /// The key with this 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// Read a `.key` file, refusing one that group or others can read.
    ///
    /// # Errors
    /// A [`KeyError`] naming the file: unreadable, readable by others (`chmod 600` it), or not
    /// a secret key.
    pub fn from_file(path: &Path) -> Result<SecretKey, KeyError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| KeyError::new(path, format!("cannot read the secret key file: {e}")))?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| KeyError::new(path, format!("cannot read the secret key file: {e}")))?;
        let not_secret = || {
            KeyError::new(
                path,
                format!(
                    "not an interop secret key (`{SECRET_TAG} <64 hex digits>`); pass the .key \
                     file `interop keys generate` wrote, not the .pub"
                ),
            )
        };
        let mut words = text.split_whitespace();
        let seed = match (words.next(), words.next()) {
            (Some(SECRET_TAG), Some(seed)) => <[u8; 32]>::from_hex(seed.trim()).ok(),
            _ => return Err(not_secret()),
        };
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(KeyError::new(
                path,
                format!(
                    "mode {:o} lets other users read the secret key; run `chmod 600 {}` (and if \
                     someone may have read it, make a new key and have the old one revoked)",
                    mode & 0o777,
                    path.display()
                ),
            ));
        }
        Ok(SecretKey::from_seed(seed.ok_or_else(not_secret)?))
    }

    /// Its public half, with a comment for the `.pub` file.
    pub fn public(&self, comment: &str) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
            comment: comment.trim().replace(['\n', '\r'], " "),
        }
    }

    /// The id of its public half.
    pub fn id(&self) -> KeyId {
        KeyId::of(self.key.verifying_key().as_bytes())
    }

    /// Write `PREFIX.key` (mode 0600) and `PREFIX.pub`. Neither may exist unless `force`,
    /// which replaces them (each atomically).
    ///
    /// # Errors
    /// A [`KeyError`] naming the file that exists or cannot be written.
    pub fn write_files(
        &self,
        prefix: &Path,
        comment: &str,
        force: bool,
    ) -> Result<(PathBuf, PathBuf), KeyError> {
        let key_path = with_suffix(prefix, ".key");
        let pub_path = with_suffix(prefix, ".pub");
        if !force {
            for path in [&key_path, &pub_path] {
                if path.symlink_metadata().is_ok() {
                    return Err(KeyError::new(
                        path,
                        "already exists; choose another --out, or pass --force to replace it \
                         (anything signed with the old key will then need signing again)",
                    ));
                }
            }
        }
        let secret = format!("{SECRET_TAG} {}\n", hex(self.key.as_bytes()));
        let public = format!("{}\n", self.public(comment).to_line());
        write_file(&key_path, secret.as_bytes(), 0o600, force)?;
        write_file(&pub_path, public.as_bytes(), 0o644, force)?;
        Ok((key_path, pub_path))
    }
}

/// `PREFIX` + suffix, keeping every dot already in the prefix.
fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Create `path` with `mode` (it must not exist), or with `replace` write a temporary file
/// beside it and rename it over, so a reader never sees half a key.
fn write_file(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<(), KeyError> {
    let target = if replace {
        with_suffix(path, &format!(".tmp-{}", std::process::id()))
    } else {
        path.to_path_buf()
    };
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&target)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| {
            if replace {
                std::fs::rename(&target, path)
            } else {
                Ok(())
            }
        });
    written.map_err(|e| {
        if replace {
            let _ = std::fs::remove_file(&target);
        }
        KeyError::new(path, format!("cannot write: {e}"))
    })
}

/// The keys a force trusts, and the key ids it has revoked.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    trusted: BTreeMap<KeyId, PublicKey>,
    revoked: BTreeSet<KeyId>,
}

impl TrustStore {
    /// An empty store: it trusts nobody.
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    /// Trust components signed by `key`.
    pub fn trust(&mut self, key: PublicKey) {
        self.trusted.insert(key.id(), key);
    }

    /// Refuse components signed by any key with this id, trusted or not.
    pub fn revoke(&mut self, id: KeyId) {
        self.revoked.insert(id);
    }

    /// Trust the key in each `.pub` file.
    ///
    /// # Errors
    /// The first file that cannot be read as a public key.
    pub fn from_files<'a>(
        paths: impl IntoIterator<Item = &'a Path>,
    ) -> Result<TrustStore, KeyError> {
        let mut store = TrustStore::new();
        for path in paths {
            store.trust(PublicKey::from_file(path)?);
        }
        Ok(store)
    }

    /// Revoke by a key id, or by the key in a `.pub` file when `entry` is not a key id (a
    /// relative path is taken from `base`). Returns the id revoked.
    ///
    /// # Errors
    /// When `entry` is neither a key id nor a readable `.pub` file.
    pub fn revoke_entry(&mut self, entry: &str, base: &Path) -> Result<KeyId, KeyError> {
        let id = match KeyId::parse(entry) {
            Some(id) => id,
            None => {
                let path = base.join(entry);
                PublicKey::from_file(&path)
                    .map_err(|e| {
                        KeyError::new(
                            &path,
                            format!(
                                "{} (a revoked entry is a 16-hex-digit key id or a .pub file)",
                                e.message
                            ),
                        )
                    })?
                    .id()
            }
        };
        self.revoke(id.clone());
        Ok(id)
    }

    /// The trusted keys, by id.
    pub fn trusted(&self) -> impl Iterator<Item = &PublicKey> {
        self.trusted.values()
    }

    /// The revoked key ids.
    pub fn revoked(&self) -> impl Iterator<Item = &KeyId> {
        self.revoked.iter()
    }

    /// Does it trust nobody?
    pub fn is_empty(&self) -> bool {
        self.trusted.is_empty()
    }
}

/// Who signed a component that [`verify`] accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    /// The signing key's id.
    pub key_id: KeyId,
    /// The comment of the trusted `.pub` file.
    pub comment: String,
}

/// Why a component was refused: the reason a force's operator needs to act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The component carries no signature.
    #[error(
        "unsigned: the component carries no interop signature; the vendor signs it with \
         `interop sign COMPONENT --key VENDOR.key`"
    )]
    Unsigned,
    /// A valid signature by a key the trust store does not hold.
    #[error(
        "unknown key: signed by key {key_id}, which is not in the trust store; if the force \
         trusts this vendor, add the vendor's .pub file to the trust store"
    )]
    UnknownKey {
        /// The signer's key id.
        key_id: KeyId,
    },
    /// A valid signature by a revoked key.
    #[error(
        "revoked key: signed by key {key_id}, which is revoked; ask the vendor for a build \
         signed with their current key"
    )]
    RevokedKey {
        /// The signer's key id.
        key_id: KeyId,
    },
    /// The signature does not match the bytes: something changed them after signing.
    #[error(
        "tampered: the signature by key {key_id} does not match the component's bytes; the \
         file was changed after it was signed, so get a fresh copy from the vendor"
    )]
    Tampered {
        /// The key id the signature names.
        key_id: KeyId,
    },
    /// The file is not a component, or its signature section is not where or what it must be.
    #[error("malformed: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
}

impl SignatureError {
    /// A short name for the reason: `unsigned`, `unknown-key`, `revoked-key`, `tampered` or
    /// `malformed`.
    pub fn kind(&self) -> &'static str {
        match self {
            SignatureError::Unsigned => "unsigned",
            SignatureError::UnknownKey { .. } => "unknown-key",
            SignatureError::RevokedKey { .. } => "revoked-key",
            SignatureError::Tampered { .. } => "tampered",
            SignatureError::Malformed { .. } => "malformed",
        }
    }

    fn malformed(reason: impl Into<String>) -> SignatureError {
        SignatureError::Malformed {
            reason: reason.into(),
        }
    }
}

/// One top-level section, by byte offsets into the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Section<'a> {
    /// Offset of its id byte.
    start: usize,
    /// Offset just past its payload.
    end: usize,
    /// A custom section's name and the payload after it.
    custom: Option<(&'a str, &'a [u8])>,
}

/// Read an unsigned LEB128 u32 at `*at`, advancing past it.
fn read_u32(bytes: &[u8], at: &mut usize) -> Result<u32, String> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let byte = *bytes
            .get(*at)
            .ok_or_else(|| format!("the file ends inside a LEB128 number at byte {at}"))?;
        *at += 1;
        // The fifth byte holds only the top 4 bits of a u32.
        if i == 4 && byte & 0xf0 != 0 {
            return Err(format!(
                "a LEB128 number overflows 32 bits at byte {}",
                *at - 1
            ));
        }
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(format!("a LEB128 number is too long at byte {at}"))
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Split a WebAssembly file into its top-level sections by their framing alone: the 8-byte
/// preamble, then sections of id, LEB128 size and payload, to the last byte.
fn sections(bytes: &[u8]) -> Result<Vec<Section<'_>>, String> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err("not a WebAssembly file (no `\\0asm` preamble)".into());
    }
    let mut out = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        at += 1;
        let size = read_u32(bytes, &mut at)? as usize;
        let end = at
            .checked_add(size)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| {
                format!(
                    "section at byte {start} claims {size} bytes, past the end of the file \
                     ({} bytes)",
                    bytes.len()
                )
            })?;
        let custom = if id == 0 {
            let payload = &bytes[at..end];
            let mut p = 0;
            let len = read_u32(payload, &mut p)
                .map_err(|e| format!("custom section at byte {start}: name length: {e}"))?
                as usize;
            let name = payload.get(p..p.saturating_add(len)).ok_or_else(|| {
                format!("custom section at byte {start}: its name runs past the section")
            })?;
            let name = std::str::from_utf8(name)
                .map_err(|_| format!("custom section at byte {start}: its name is not UTF-8"))?;
            Some((name, &payload[p + len..]))
        } else {
            None
        };
        out.push(Section { start, end, custom });
        at = end;
    }
    Ok(out)
}

/// A signature as found in a component, not yet checked.
struct Found {
    public: [u8; 32],
    signature: [u8; 64],
    /// The component without its signature section: the bytes that were signed.
    unsigned_len: usize,
}

/// Find the signature section: `None` when there is none; an error when it is not the one,
/// last, well-formed section it must be.
fn find_signature(bytes: &[u8]) -> Result<Option<Found>, SignatureError> {
    let sections = sections(bytes).map_err(SignatureError::malformed)?;
    let signatures: Vec<(usize, &Section<'_>)> = sections
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.custom, Some((name, _)) if name == SECTION_NAME))
        .collect();
    let (index, section) = match signatures.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        more => {
            return Err(SignatureError::malformed(format!(
                "{} `{SECTION_NAME}` sections (at bytes {}); a component carries one signature",
                more.len(),
                more.iter()
                    .map(|(_, s)| s.start.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    if index + 1 != sections.len() {
        return Err(SignatureError::malformed(format!(
            "the `{SECTION_NAME}` section at byte {} is not the last section: bytes were added \
             after the component was signed",
            section.start
        )));
    }
    let Some((_, payload)) = section.custom else {
        return Err(SignatureError::malformed("signature section lost its name"));
    };
    if payload.len() != PAYLOAD_LEN {
        return Err(SignatureError::malformed(format!(
            "the `{SECTION_NAME}` section holds {} bytes after its name, not {PAYLOAD_LEN}",
            payload.len()
        )));
    }
    if payload[0] != FORMAT_VERSION {
        return Err(SignatureError::malformed(format!(
            "signature format version {} is not one this host reads (it reads {FORMAT_VERSION})",
            payload[0]
        )));
    }
    let mut public = [0u8; 32];
    public.copy_from_slice(&payload[1..33]);
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&payload[33..]);
    // Only one encoding of the section is accepted, so its bytes cannot vary either.
    if bytes[section.start..] != signature_section(&public, &signature)[..] {
        return Err(SignatureError::malformed(format!(
            "the `{SECTION_NAME}` section is not in its canonical encoding"
        )));
    }
    Ok(Some(Found {
        public,
        signature,
        unsigned_len: section.start,
    }))
}

/// The custom section holding a signature.
fn signature_section(public: &[u8; 32], signature: &[u8; 64]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(1 + SECTION_NAME.len() + PAYLOAD_LEN);
    write_u32(&mut payload, SECTION_NAME.len() as u32);
    payload.extend_from_slice(SECTION_NAME.as_bytes());
    payload.push(FORMAT_VERSION);
    payload.extend_from_slice(public);
    payload.extend_from_slice(signature);
    let mut section = vec![0u8];
    write_u32(&mut section, payload.len() as u32);
    section.extend_from_slice(&payload);
    section
}

/// What a key signs for a component: the domain, then the SHA-256 of the unsigned bytes.
fn message(unsigned: &[u8]) -> Vec<u8> {
    message_of(&Sha256::digest(unsigned).into())
}

/// [`message`] from the SHA-256 of the unsigned bytes.
fn message_of(unsigned_sha256: &[u8; 32]) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(unsigned_sha256);
    m
}

/// Check the signature against the key it names, whatever the trust store says.
fn check(bytes: &[u8], found: &Found) -> Result<KeyId, SignatureError> {
    check_digest(&Sha256::digest(&bytes[..found.unsigned_len]).into(), found)
}

/// [`check`], given the SHA-256 of the bytes before the signature section.
fn check_digest(unsigned_sha256: &[u8; 32], found: &Found) -> Result<KeyId, SignatureError> {
    let key_id = KeyId::of(&found.public);
    let key = VerifyingKey::from_bytes(&found.public).map_err(|_| SignatureError::Tampered {
        key_id: key_id.clone(),
    })?;
    let signature = ed25519_dalek::Signature::from_bytes(&found.signature);
    key.verify_strict(&message_of(unsigned_sha256), &signature)
        .map_err(|_| SignatureError::Tampered {
            key_id: key_id.clone(),
        })?;
    Ok(key_id)
}

/// The trust store's decision on a signature that matches its bytes.
fn decide(key_id: KeyId, found: &Found, trust: &TrustStore) -> Result<Signer, SignatureError> {
    if trust.revoked.contains(&key_id) {
        return Err(SignatureError::RevokedKey { key_id });
    }
    match trust.trusted.get(&key_id) {
        Some(trusted) if trusted.key.as_bytes() == &found.public => Ok(Signer {
            key_id,
            comment: trusted.comment.clone(),
        }),
        _ => Err(SignatureError::UnknownKey { key_id }),
    }
}

/// Sign a component: any signature it already carries is replaced, and the new one is
/// appended as the last section.
///
/// # Errors
/// [`SignatureError::Malformed`] when the bytes are not a component (a core module included),
/// or carry a signature section that is not the single last one (someone changed the file).
pub fn sign(bytes: &[u8], key: &SecretKey) -> Result<Vec<u8>, SignatureError> {
    let found = find_signature(bytes)?;
    // Version 1 with layer 0 is a core module; components are layer 1.
    if bytes[6..8] != [1, 0] {
        return Err(SignatureError::malformed(
            "a core WebAssembly module, not a component; build a component (e.g. \
             `cargo build --target wasm32-wasip2`) and sign that",
        ));
    }
    let unsigned = &bytes[..found.map_or(bytes.len(), |f| f.unsigned_len)];
    let signature = key.key.sign(&message(unsigned));
    let mut out = unsigned.to_vec();
    out.extend_from_slice(&signature_section(
        key.key.verifying_key().as_bytes(),
        &signature.to_bytes(),
    ));
    Ok(out)
}

/// Check a component's signature against a trust store: accepted only when it is well
/// formed, matches every other byte of the component, and was made by a trusted key that is
/// not revoked. Nothing is compiled.
///
/// # Errors
/// Why it is refused: [`SignatureError::Unsigned`], [`SignatureError::Tampered`],
/// [`SignatureError::RevokedKey`], [`SignatureError::UnknownKey`] or
/// [`SignatureError::Malformed`].
pub fn verify(bytes: &[u8], trust: &TrustStore) -> Result<Signer, SignatureError> {
    let found = find_signature(bytes)?.ok_or(SignatureError::Unsigned)?;
    let key_id = check(bytes, &found)?;
    decide(key_id, &found, trust)
}

/// [`verify`], and the SHA-256 of the whole file (signature section included), in one pass
/// over the bytes: the hash a gateway records a component by and the plugin store names it
/// by. A Python component is tens of MB; hashing it once instead of twice (the signed
/// message hashes all but its last 126 bytes) is most of a warm start's hashing. The digest
/// is returned whatever the verdict, so a caller can report a file that does not hash to its
/// name before its signature.
pub fn verify_with_digest(
    bytes: &[u8],
    trust: &TrustStore,
) -> (Result<Signer, SignatureError>, [u8; 32]) {
    let found = find_signature(bytes);
    let split = match &found {
        Ok(Some(found)) => found.unsigned_len,
        _ => bytes.len(),
    };
    let mut hasher = Sha256::new();
    hasher.update(&bytes[..split]);
    let unsigned: [u8; 32] = hasher.clone().finalize().into();
    hasher.update(&bytes[split..]);
    let whole: [u8; 32] = hasher.finalize().into();
    let verdict = found.and_then(|found| {
        let found = found.ok_or(SignatureError::Unsigned)?;
        let key_id = check_digest(&unsigned, &found)?;
        decide(key_id, &found, trust)
    });
    (verdict, whole)
}

/// The key a component's signature was made with, when it carries one that matches its bytes
/// (`None` when unsigned). A tool that runs a vendor's own artifact for the vendor (the
/// conformance kit's gateway exchange) trusts this key for that run only; it is never a
/// force's trust decision, which takes the vendor's `.pub` file.
///
/// # Errors
/// Why the signature is not one: [`SignatureError::Tampered`] or [`SignatureError::Malformed`].
pub fn signer_key(bytes: &[u8]) -> Result<Option<PublicKey>, SignatureError> {
    let Some(found) = find_signature(bytes)? else {
        return Ok(None);
    };
    let key_id = check(bytes, &found)?;
    let key =
        VerifyingKey::from_bytes(&found.public).map_err(|_| SignatureError::Tampered { key_id })?;
    Ok(Some(PublicKey {
        key,
        comment: "the component's own signer".into(),
    }))
}

/// A component's signature as a tool that holds no trust store reports it. Its text
/// ([`fmt::Display`]) is what `inspect`, `call` and `policy review` print; as JSON it is
/// `{"status": "unsigned" | "signed" | "invalid", "key_id"?, "reason"?, "trust_checked": false,
/// "summary": <the text>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// No signature.
    Unsigned,
    /// A signature that matches the bytes, by this key; whether anyone trusts the key is not
    /// known here.
    Signed {
        /// The signing key's id.
        key_id: KeyId,
    },
    /// A signature that is malformed or does not match the bytes.
    Invalid {
        /// Why, as [`SignatureError`] says it.
        reason: String,
    },
}

impl fmt::Display for SignatureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureStatus::Unsigned => f.write_str(
                "unsigned (a gateway will refuse it unless allow_unsigned is set; sign it with \
                 `interop sign`)",
            ),
            SignatureStatus::Signed { key_id } => write!(
                f,
                "signed by key {key_id} (not checked against a trust store; \
                 `interop verify --trust` does)"
            ),
            SignatureStatus::Invalid { reason } => write!(f, "invalid signature: {reason}"),
        }
    }
}

impl Serialize for SignatureStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("SignatureStatus", 4)?;
        match self {
            SignatureStatus::Unsigned => s.serialize_field("status", "unsigned")?,
            SignatureStatus::Signed { key_id } => {
                s.serialize_field("status", "signed")?;
                s.serialize_field("key_id", key_id)?;
            }
            SignatureStatus::Invalid { reason } => {
                s.serialize_field("status", "invalid")?;
                s.serialize_field("reason", reason)?;
            }
        }
        s.serialize_field("trust_checked", &false)?;
        s.serialize_field("summary", &self.to_string())?;
        s.end()
    }
}

/// Read a component's signature without a trust store: unsigned, signed by which key (the
/// signature checked against the bytes), or invalid and why.
pub fn signature_status(bytes: &[u8]) -> SignatureStatus {
    let checked = find_signature(bytes).and_then(|found| match found {
        None => Ok(None),
        Some(found) => check(bytes, &found).map(Some),
    });
    match checked {
        Ok(None) => SignatureStatus::Unsigned,
        Ok(Some(key_id)) => SignatureStatus::Signed { key_id },
        Err(e) => SignatureStatus::Invalid {
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests;
