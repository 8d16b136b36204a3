//! The provider's signing keys (its JWKS), cached.
//!
//! - Keys older than [`KeyRefresh::every`] are fetched again before use, so a key the provider
//!   withdrew stops verifying.
//! - A token naming a key id the cache does not hold triggers one fetch, at most once per
//!   [`KeyRefresh::min_refetch`] however many such tokens arrive: a new key after rotation is
//!   picked up at once, and made-up key ids cannot make the gateway hammer the provider.
//! - A failed fetch keeps the keys already held.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde_json::Value;
use url::Url;

use crate::clock::Clock;
use crate::config::{KeyRefresh, SigningAlgorithm};
use crate::fetch::{FetchError, Fetcher};

/// The largest JWKS read. Providers publish a handful of keys (Entra ID about ten, each under
/// 2 KiB with its certificate chain); 256 KiB is far beyond that and still bounded.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// The most keys taken from a JWKS; more is not a key set anyone rotates.
const MAX_KEYS: usize = 64;
/// Key ids longer than this are not ids.
const MAX_KID_BYTES: usize = 256;
/// RSA moduli from 2048 bits (smaller is breakable) to 8192 (larger only makes verifying slow).
const RSA_MODULUS_BYTES: std::ops::RangeInclusive<usize> = 256..=1024;
/// RSA public exponents fit in 8 bytes (almost always 65537, 3 bytes).
const MAX_RSA_EXPONENT_BYTES: usize = 8;
/// JOSE algorithm names are at most 7 characters (`ES256K`, `Ed25519`).
const MAX_ALG_BYTES: usize = 16;

/// What kind of key a JWK is, as far as choosing an algorithm goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

/// One usable verification key.
pub(crate) struct VerifyKey {
    kind: KeyKind,
    /// The JWK's own `alg`, if it names one.
    alg: Option<String>,
    pub(crate) key: DecodingKey,
}

impl VerifyKey {
    /// Whether this key may verify a signature made with `alg`.
    pub(crate) fn fits(&self, alg: SigningAlgorithm) -> bool {
        use SigningAlgorithm as S;
        let kind_fits = match alg {
            S::Rs256 | S::Rs384 | S::Rs512 | S::Ps256 | S::Ps384 | S::Ps512 => {
                self.kind == KeyKind::Rsa
            }
            S::Es256 => self.kind == KeyKind::P256,
            S::Es384 => self.kind == KeyKind::P384,
            S::EdDsa => self.kind == KeyKind::Ed25519,
        };
        kind_fits && self.alg.as_deref().is_none_or(|a| a == alg.name())
    }
}

/// The JWKS could not be fetched or held no usable key.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// The fetch failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The key set holds no key this crate can verify with.
    #[error("the provider's key set holds no usable signing key")]
    NoUsableKey,
}

struct Cache {
    keys: HashMap<String, Arc<VerifyKey>>,
    fetched_at: SystemTime,
}

/// Why a fetch is wanted.
enum Want<'a> {
    /// The cache is older than the refresh interval.
    Fresh,
    /// A token named this key id.
    Kid(&'a str),
}

pub(crate) struct KeySet {
    uri: Url,
    fetcher: Fetcher,
    clock: Arc<dyn Clock>,
    refresh: KeyRefresh,
    cache: RwLock<Cache>,
    /// Held while fetching, so concurrent requests wait for one fetch instead of each making
    /// their own; holds when the last fetch was attempted.
    last_attempt: tokio::sync::Mutex<SystemTime>,
    fetches: AtomicU64,
}

fn decoded_len(b64: &str) -> Option<usize> {
    URL_SAFE_NO_PAD.decode(b64).ok().map(|v| v.len())
}

fn str_field<'a>(jwk: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

/// One JWK to a verification key, or `None` for keys this crate does not verify with (wrong use,
/// symmetric, unknown curve, out-of-bounds sizes).
fn parse_key(jwk: &serde_json::Map<String, Value>) -> Option<(String, VerifyKey)> {
    let kid = str_field(jwk, "kid").filter(|k| !k.is_empty() && k.len() <= MAX_KID_BYTES)?;
    if jwk.get("use").is_some_and(|u| u.as_str() != Some("sig")) {
        return None;
    }
    let alg = match jwk.get("alg") {
        None => None,
        Some(Value::String(a)) if a.len() <= MAX_ALG_BYTES => Some(a.clone()),
        Some(_) => return None,
    };
    let (kind, key) = match str_field(jwk, "kty")? {
        "RSA" => {
            let (n, e) = (str_field(jwk, "n")?, str_field(jwk, "e")?);
            let n_len = decoded_len(n)?;
            let e_len = decoded_len(e)?;
            if !RSA_MODULUS_BYTES.contains(&n_len) || e_len == 0 || e_len > MAX_RSA_EXPONENT_BYTES {
                return None;
            }
            (KeyKind::Rsa, DecodingKey::from_rsa_components(n, e).ok()?)
        }
        "EC" => {
            let (kind, size) = match str_field(jwk, "crv")? {
                "P-256" => (KeyKind::P256, 32),
                "P-384" => (KeyKind::P384, 48),
                _ => return None,
            };
            let (x, y) = (str_field(jwk, "x")?, str_field(jwk, "y")?);
            if decoded_len(x)? != size || decoded_len(y)? != size {
                return None;
            }
            (kind, DecodingKey::from_ec_components(x, y).ok()?)
        }
        "OKP" if str_field(jwk, "crv")? == "Ed25519" => {
            let x = str_field(jwk, "x")?;
            if decoded_len(x)? != 32 {
                return None;
            }
            (KeyKind::Ed25519, DecodingKey::from_ed_components(x).ok()?)
        }
        _ => return None,
    };
    Some((kid.to_string(), VerifyKey { kind, alg, key }))
}

fn parse_jwks(doc: &Value) -> Result<HashMap<String, Arc<VerifyKey>>, KeysError> {
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(KeysError::NoUsableKey)?;
    let mut out = HashMap::new();
    for jwk in keys.iter().take(MAX_KEYS) {
        let Some((kid, key)) = jwk.as_object().and_then(parse_key) else {
            continue;
        };
        match out.entry(kid) {
            std::collections::hash_map::Entry::Occupied(mut seen) => {
                // Two keys under one id: which one a token means is ambiguous, so neither is used.
                tracing::warn!(
                    kid = seen.key(),
                    "the provider publishes two keys with one key id; ignoring both"
                );
                seen.insert(None);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Some(Arc::new(key)));
            }
        }
    }
    let out: HashMap<_, _> = out
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    if out.is_empty() {
        return Err(KeysError::NoUsableKey);
    }
    Ok(out)
}

/// What looking up a key found.
pub(crate) enum Lookup {
    Found(Arc<VerifyKey>),
    /// Not in the key set, even after a fetch (or a fetch was not allowed yet).
    Unknown,
    /// Not held, and the provider could not be asked.
    Unavailable,
}

impl KeySet {
    /// Fetch the key set for the first time.
    pub(crate) async fn load(
        uri: Url,
        fetcher: Fetcher,
        clock: Arc<dyn Clock>,
        refresh: KeyRefresh,
    ) -> Result<Self, KeysError> {
        let doc: Value = fetcher
            .get_json(&uri, "the provider's keys (jwks_uri)", MAX_JWKS_BYTES)
            .await?;
        let keys = parse_jwks(&doc)?;
        let now = clock.now();
        Ok(Self {
            uri,
            fetcher,
            clock,
            refresh,
            cache: RwLock::new(Cache {
                keys,
                fetched_at: now,
            }),
            last_attempt: tokio::sync::Mutex::new(now),
            fetches: AtomicU64::new(1),
        })
    }

    /// A key set built from `doc` without fetching, for unit tests; fetches go to a closed port.
    #[cfg(test)]
    pub(crate) fn from_jwks_for_tests(doc: &Value, clock: Arc<dyn Clock>) -> Self {
        let now = clock.now();
        Self {
            uri: Url::parse("http://127.0.0.1:9/jwks").unwrap(),
            fetcher: Fetcher::new(None).unwrap(),
            clock,
            refresh: KeyRefresh::default(),
            cache: RwLock::new(Cache {
                keys: parse_jwks(doc).unwrap(),
                fetched_at: now,
            }),
            last_attempt: tokio::sync::Mutex::new(now),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many times the key set has been fetched (the first load included).
    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn cached(&self, kid: &str) -> Option<Arc<VerifyKey>> {
        self.cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys
            .get(kid)
            .cloned()
    }

    fn is_stale(&self, now: SystemTime) -> bool {
        let fetched_at = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .fetched_at;
        // A clock that went back makes the cache look new; one that went forward makes it stale.
        now.duration_since(fetched_at)
            .is_ok_and(|age| age >= self.refresh.every)
    }

    async fn fetch_now(&self) -> Result<(), KeysError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let doc: Value = self
            .fetcher
            .get_json(&self.uri, "the provider's keys (jwks_uri)", MAX_JWKS_BYTES)
            .await?;
        let keys = parse_jwks(&doc)?;
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        *cache = Cache {
            keys,
            fetched_at: self.clock.now(),
        };
        Ok(())
    }

    /// Fetch if still wanted once the fetch lock is held and the last attempt is long enough
    /// ago. `Ok(true)` if a fetch was made.
    async fn fetch_if(&self, want: Want<'_>) -> Result<bool, KeysError> {
        let mut last = self.last_attempt.lock().await;
        let now = self.clock.now();
        let still_wanted = match want {
            Want::Fresh => self.is_stale(now),
            Want::Kid(kid) => self.cached(kid).is_none(),
        };
        if !still_wanted {
            return Ok(false);
        }
        let allowed = match now.duration_since(*last) {
            Ok(since) => since >= self.refresh.min_refetch,
            Err(_) => true, // the clock went back past the last attempt
        };
        if !allowed {
            return Ok(false);
        }
        *last = now;
        self.fetch_now().await.map(|()| true)
    }

    /// Fetch the key set again now, unless a fetch happened within the minimum refetch interval
    /// (for a periodic task; requests refresh a stale cache themselves).
    pub(crate) async fn refresh(&self) -> Result<bool, KeysError> {
        let mut last = self.last_attempt.lock().await;
        let now = self.clock.now();
        if now
            .duration_since(*last)
            .is_ok_and(|since| since < self.refresh.min_refetch)
        {
            return Ok(false);
        }
        *last = now;
        self.fetch_now().await.map(|()| true)
    }

    /// The key with id `kid`, fetching the key set first if it is stale or lacks `kid`.
    pub(crate) async fn find(&self, kid: &str) -> Lookup {
        if self.is_stale(self.clock.now())
            && let Err(e) = self.fetch_if(Want::Fresh).await
        {
            tracing::warn!("keeping the provider's previous keys: {e}");
        }
        if let Some(key) = self.cached(kid) {
            return Lookup::Found(key);
        }
        match self.fetch_if(Want::Kid(kid)).await {
            Ok(_) => self.cached(kid).map_or(Lookup::Unknown, Lookup::Found),
            Err(e) => {
                tracing::warn!(
                    "a token names a key id not held, and the keys could not be fetched: {e}"
                );
                Lookup::Unavailable
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_out_of_bounds_or_of_other_kinds_are_skipped() {
        let n = URL_SAFE_NO_PAD.encode([0xc5u8; 256]);
        let doc = json!({"keys": [
            {"kty": "RSA", "kid": "good", "use": "sig", "alg": "RS256", "n": n, "e": "AQAB"},
            {"kty": "RSA", "kid": "small", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": n, "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "n": n, "e": "AQAB"},
        ]});
        let keys = parse_jwks(&doc).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["good"]);
        let good = &keys["good"];
        assert!(good.fits(SigningAlgorithm::Rs256));
        assert!(
            !good.fits(SigningAlgorithm::Ps256),
            "the JWK says RS256 only"
        );
        assert!(!good.fits(SigningAlgorithm::Es256));
    }

    #[test]
    fn duplicate_key_ids_are_both_ignored() {
        let n = URL_SAFE_NO_PAD.encode([0xc5u8; 256]);
        let doc = json!({"keys": [
            {"kty": "RSA", "kid": "k", "n": n, "e": "AQAB"},
            {"kty": "RSA", "kid": "k", "n": n, "e": "AQAB"},
        ]});
        assert!(matches!(parse_jwks(&doc), Err(KeysError::NoUsableKey)));
    }
}
