//! The bytes on disk: one JSON object per line, sealed by a hash that chains it to the line
//! before, and the signed checkpoints and head that pin the chain's end.
//!
//! A line is its *body* — `{"seq":…,"prev":…,<record or checkpoint>}` — with
//! `,"hash":"<sha256 of the body>"` spliced in before the closing brace. The hash is over the
//! body's bytes exactly as written, not over a re-serialisation, so no canonical-JSON rules are
//! needed: a verifier strips the hash suffix, puts the brace back and hashes what is left.
//! Because the hash covers every other byte of its line, chaining hashes (`prev` = the previous
//! line's `hash`) is as strong as hashing whole previous lines.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::record::AuditRecord;

/// What the `prev` of seq 1 hashes: a fixed string, so a log cannot begin mid-chain.
const GENESIS: &str = "interop-audit-v1 genesis";

/// What every checkpoint signature starts with, so the key signs nothing else by accident.
const CHECKPOINT_DOMAIN: &str = "interop-audit-checkpoint-v1";

/// Length of `,"hash":"` + 64 hex digits + `"}`.
const HASH_SUFFIX_LEN: usize = 9 + 64 + 2;

/// `prev` of the first line.
pub(crate) fn genesis_prev() -> String {
    sha256_hex(GENESIS.as_bytes())
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `N` bytes from hex text (surrounding whitespace ignored), or `None` if it is not exactly that.
pub(crate) fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s.trim(), &mut out).ok()?;
    Some(out)
}

/// A signed statement of how far the log had got: the chain's hash (`prev` of the checkpoint
/// line) at `seq`, and how many records came before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// When it was written, RFC 3339 UTC.
    pub time: String,
    /// The gateway instance that wrote it.
    pub gateway: String,
    /// Access records (not checkpoints) in the log before it.
    pub records: u64,
    /// The public key that signed it, hex.
    pub key: String,
    /// Ed25519 signature over the checkpoint's signed message (its sequence number, the chain's
    /// hash and the fields above), hex.
    pub signature: String,
}

impl Checkpoint {
    /// Sign a checkpoint at `seq`, whose `prev` is the chain so far.
    pub(crate) fn sign(
        key: &SigningKey,
        seq: u64,
        prev: &str,
        time: String,
        gateway: &str,
        records: u64,
    ) -> Checkpoint {
        let mut cp = Checkpoint {
            time,
            gateway: gateway.to_string(),
            records,
            key: hex::encode(key.verifying_key().as_bytes()),
            signature: String::new(),
        };
        cp.signature = hex::encode(key.sign(&signed_message(seq, prev, &cp)).to_bytes());
        cp
    }

    /// Does the signature verify under `key`, for this seq and prev?
    pub(crate) fn verify(&self, key: &VerifyingKey, seq: u64, prev: &str) -> bool {
        let Some(sig) = unhex::<64>(&self.signature) else {
            return false;
        };
        key.verify(
            &signed_message(seq, prev, self),
            &Signature::from_bytes(&sig),
        )
        .is_ok()
    }
}

/// The bytes a checkpoint signature covers. Strings are JSON-quoted so none can forge a line.
fn signed_message(seq: u64, prev: &str, cp: &Checkpoint) -> Vec<u8> {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        "{CHECKPOINT_DOMAIN}\nseq {seq}\nprev {}\nrecords {}\ntime {}\ngateway {}\n",
        q(prev),
        cp.records,
        q(&cp.time),
        q(&cp.gateway)
    )
    .into_bytes()
}

/// `audit.head`: the latest checkpoint the writer knows is on disk. The log must reach its seq,
/// with its hash there, or its tail was cut off. Seq 0 is the head of a log with no lines yet,
/// written before the log is created so that a missing head always means something is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Seq of the checkpoint line (0 before any).
    pub seq: u64,
    /// Hash of that line (the genesis hash for seq 0).
    pub hash: String,
    /// Its `prev`: what the signature covers.
    pub prev: String,
    /// The checkpoint itself, signature included.
    pub checkpoint: Checkpoint,
}

#[derive(Serialize)]
struct RecordBody<'a> {
    seq: u64,
    prev: &'a str,
    #[serde(flatten)]
    record: &'a AuditRecord,
}

#[derive(Serialize)]
struct CheckpointBody<'a> {
    seq: u64,
    prev: &'a str,
    checkpoint: &'a Checkpoint,
}

/// A line ready to write, newline included, and its hash.
pub(crate) struct Sealed {
    pub bytes: Vec<u8>,
    pub hash: String,
}

pub(crate) fn seal_record(
    seq: u64,
    prev: &str,
    record: &AuditRecord,
) -> serde_json::Result<Sealed> {
    seal(serde_json::to_vec(&RecordBody { seq, prev, record })?)
}

pub(crate) fn seal_checkpoint(seq: u64, prev: &str, cp: &Checkpoint) -> serde_json::Result<Sealed> {
    seal(serde_json::to_vec(&CheckpointBody {
        seq,
        prev,
        checkpoint: cp,
    })?)
}

fn seal(mut body: Vec<u8>) -> serde_json::Result<Sealed> {
    let hash = sha256_hex(&body);
    // serde_json writes an object as `{…}` with no trailing space.
    body.pop();
    body.extend_from_slice(b",\"hash\":\"");
    body.extend_from_slice(hash.as_bytes());
    body.extend_from_slice(b"\"}\n");
    Ok(Sealed { bytes: body, hash })
}

/// What a line holds.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Record(Box<AuditRecord>),
    Checkpoint(Checkpoint),
}

/// A parsed line (without its newline).
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub seq: u64,
    pub prev: String,
    /// The hash the line states.
    pub hash: String,
    /// The hash of its body as found: differs from `hash` when the line was edited.
    pub computed: String,
    pub entry: Entry,
}

/// Parse one line. The error says what is wrong with it.
pub(crate) fn parse_line(text: &[u8]) -> Result<Line, String> {
    let value: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| format!("not a JSON object: {e}"))?;
    let obj = value
        .as_object()
        .ok_or_else(|| "not a JSON object".to_string())?;
    let seq = obj
        .get("seq")
        .and_then(serde_json::Value::as_u64)
        .ok_or("no numeric `seq`")?;
    let prev = obj
        .get("prev")
        .and_then(serde_json::Value::as_str)
        .ok_or("no `prev`")?
        .to_string();
    let hash = obj
        .get("hash")
        .and_then(serde_json::Value::as_str)
        .ok_or("no `hash`")?
        .to_string();
    let computed = body_hash(text).ok_or("`hash` is not the last field, as the writer puts it")?;
    let entry = match obj.get("checkpoint") {
        Some(cp) => Entry::Checkpoint(
            Checkpoint::deserialize(cp).map_err(|e| format!("bad checkpoint: {e}"))?,
        ),
        None => Entry::Record(Box::new(
            AuditRecord::deserialize(&value).map_err(|e| format!("bad record: {e}"))?,
        )),
    };
    Ok(Line {
        seq,
        prev,
        hash,
        computed,
        entry,
    })
}

/// Hash of the body of a sealed line: the line without its `,"hash":"…"` suffix.
fn body_hash(text: &[u8]) -> Option<String> {
    let split = text.len().checked_sub(HASH_SUFFIX_LEN)?;
    let (body, suffix) = text.split_at(split);
    if !suffix.starts_with(b",\"hash\":\"") || !suffix.ends_with(b"\"}") {
        return None;
    }
    let mut hasher = Sha256::new();
    hasher.update(body);
    hasher.update(b"}");
    Some(hex::encode(hasher.finalize()))
}

/// Just the `seq` of a line, if it has one: for telling a deleted record from a moved one.
pub(crate) fn peek_seq(text: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Seq {
        seq: u64,
    }
    serde_json::from_slice::<Seq>(text).ok().map(|s| s.seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::AuditEvent;

    #[test]
    fn sealed_line_parses_back_with_matching_hash() {
        let mut r = AuditRecord::new(AuditEvent::Access, "search");
        r.criteria = Some(crate::record::Criteria {
            text: Some("Examplewood \u{202e}\u{0}".into()),
            ..Default::default()
        });
        let s = seal_record(7, &genesis_prev(), &r).unwrap();
        assert_eq!(s.bytes.last(), Some(&b'\n'));
        let line = parse_line(&s.bytes[..s.bytes.len() - 1]).unwrap();
        assert_eq!(line.seq, 7);
        assert_eq!(line.hash, s.hash);
        assert_eq!(line.computed, s.hash);
        assert!(matches!(line.entry, Entry::Record(ref got) if **got == r));
    }

    #[test]
    fn checkpoint_signature_covers_seq_prev_and_count() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let cp = Checkpoint::sign(&key, 5, "ab", "t".into(), "gw", 4);
        assert!(cp.verify(&key.verifying_key(), 5, "ab"));
        assert!(!cp.verify(&key.verifying_key(), 6, "ab"));
        assert!(!cp.verify(&key.verifying_key(), 5, "ac"));
        let mut more = cp.clone();
        more.records = 5;
        assert!(!more.verify(&key.verifying_key(), 5, "ab"));
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(!cp.verify(&other.verifying_key(), 5, "ab"));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex::<2>(&hex::encode([0, 255])), Some([0, 255]));
        assert_eq!(unhex::<2>("zz00"), None);
        assert_eq!(unhex::<2>("00"), None);
    }
}
