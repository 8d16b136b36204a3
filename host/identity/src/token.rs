//! Checking a JWT the provider signed: an API client's access token, or the ID token of a
//! browser sign-in.
//!
//! Order matters: everything about the token is hostile until its signature verifies, so the
//! header is read only to choose the key (length, shape, allowed algorithm, key id), the
//! signature is verified by `jsonwebtoken`, and only then are the claims read and checked.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq as _;

use crate::claims::ClaimError;
use crate::clock::{Clock, unix_seconds};
use crate::config::SigningAlgorithm;
use crate::keys::{KeySet, Lookup};

/// The longest token read. An Entra ID access token listing 200 group ids is about 10 KiB;
/// nothing a provider issues is larger, so anything larger is refused before any decoding.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// The longest encoded JOSE header: `alg`, `kid`, `typ` and perhaps a thumbprint fit in 1 KiB.
const MAX_HEADER_BYTES: usize = 2048;
/// More top-level claims than this is not a token from an identity provider.
const MAX_CLAIMS: usize = 100;
/// `aud` with more entries than this is not meant for one gateway.
const MAX_AUDIENCES: usize = 16;
/// Tokens living longer than a day are refused whatever they say: a stolen one would be a key
/// to the gateway for too long.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Why a token was refused. The text names the reason only, never token content, so it is safe
/// to write into an audit record as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    /// Longer than [`MAX_TOKEN_BYTES`].
    #[error("token longer than {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    /// Not a JWS in compact form, or its header or claims are not valid JSON of the right shape.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// Signed with an algorithm not on the allow-list (`none` and HMAC never are).
    #[error("signature algorithm not allowed: {0}")]
    AlgorithmNotAllowed(&'static str),
    /// The key id is not in the provider's key set, even after fetching it again.
    #[error("signed with a key the provider does not publish")]
    UnknownKey,
    /// The key id is not held and the provider's keys could not be fetched.
    #[error("signing key not held and the provider's keys are unavailable")]
    KeysUnavailable,
    /// The key named cannot verify the algorithm named (an RSA key for ES256, …).
    #[error("the signing key does not fit the algorithm")]
    KeyMismatch,
    /// The signature does not verify: the token was altered or not signed by the provider.
    #[error("bad signature")]
    BadSignature,
    /// An ID token offered as an access token or the other way round (`typ`).
    #[error("wrong token type")]
    WrongType,
    /// `iss` is not the configured issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` does not contain the gateway (or, for an ID token, `azp` is not the gateway).
    #[error("wrong audience")]
    WrongAudience,
    /// `exp` is past, beyond the clock skew.
    #[error("expired")]
    Expired,
    /// `nbf` is in the future, beyond the clock skew.
    #[error("not yet valid")]
    NotYetValid,
    /// `iat` is in the future, beyond the clock skew.
    #[error("issued in the future")]
    IssuedInFuture,
    /// `exp` is more than a day after `iat`.
    #[error("lifetime longer than a day")]
    LifetimeTooLong,
    /// An ID token whose `nonce` is not the one this sign-in sent.
    #[error("wrong nonce")]
    WrongNonce,
    /// A claim the gateway maps is missing or malformed.
    #[error("claims: {0}")]
    Claims(#[from] ClaimError),
}

/// JOSE algorithm names, so a refusal can say which one was used without echoing token input.
fn alg_label(alg: &str) -> &'static str {
    const KNOWN: [&str; 16] = [
        "none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "EdDSA", "Ed25519", "ES256K",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(alg))
        .copied()
        .unwrap_or("unrecognised")
}

/// Which token is being checked.
pub(crate) enum Kind<'a> {
    /// An access token for the gateway as resource server.
    Access {
        /// Require `typ: at+jwt`.
        require_type: bool,
    },
    /// The ID token of a sign-in: `aud` is the client id, and the nonce must match.
    Id { nonce: &'a str },
}

/// What a token must satisfy.
pub(crate) struct Expect<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub allowed: &'a [SigningAlgorithm],
    pub skew: Duration,
    pub kind: Kind<'a>,
}

/// A token whose signature and standard claims checked out.
pub(crate) struct Verified {
    pub claims: Map<String, Value>,
    pub subject: String,
    pub expires: SystemTime,
}

fn decode_json(segment: &str, what: &'static str) -> Result<Map<String, Value>, TokenRefusal> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenRefusal::Malformed(what))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenRefusal::Malformed(what)),
    }
}

/// A NumericDate claim: seconds since the epoch, integer or not (RFC 7519 allows fractions).
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, TokenRefusal> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(i));
            }
            match n.as_f64() {
                // Floor, and keep to years this side of 10^11 seconds: far beyond any real date.
                Some(f) if f.is_finite() && f.abs() < 1e11 => Ok(Some(f.floor() as i64)),
                _ => Err(TokenRefusal::Malformed("a date claim is out of range")),
            }
        }
        Some(_) => Err(TokenRefusal::Malformed("a date claim is not a number")),
    }
}

fn audiences(claims: &Map<String, Value>) -> Result<Vec<&str>, TokenRefusal> {
    match claims.get("aud") {
        Some(Value::String(a)) => Ok(vec![a.as_str()]),
        Some(Value::Array(items)) if items.len() <= MAX_AUDIENCES => items
            .iter()
            .map(|v| {
                v.as_str().ok_or(TokenRefusal::Malformed(
                    "aud is not a string or list of strings",
                ))
            })
            .collect(),
        Some(Value::Array(_)) => Err(TokenRefusal::WrongAudience),
        None => Err(TokenRefusal::WrongAudience),
        Some(_) => Err(TokenRefusal::Malformed(
            "aud is not a string or list of strings",
        )),
    }
}

/// Whether `token` has the shape of a JWS (three base64url segments), to tell it from a static
/// bearer token without parsing it.
pub fn looks_like_jwt(token: &str) -> bool {
    token.len() <= MAX_TOKEN_BYTES
        && token.split('.').count() == 3
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Verify `token` against the provider's keys and the expectations.
pub(crate) async fn verify(
    token: &str,
    keys: &KeySet,
    clock: &dyn Clock,
    expect: &Expect<'_>,
) -> Result<Verified, TokenRefusal> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenRefusal::TooLong);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenRefusal::Malformed("not three dot-separated parts"));
    };
    if header_b64.len() > MAX_HEADER_BYTES {
        return Err(TokenRefusal::Malformed("header too long"));
    }
    let header = decode_json(header_b64, "header is not base64url JSON")?;

    let alg_name = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(TokenRefusal::Malformed("no alg"))?;
    let alg = SigningAlgorithm::from_name(alg_name)
        .filter(|a| expect.allowed.contains(a))
        .ok_or(TokenRefusal::AlgorithmNotAllowed(alg_label(alg_name)))?;
    if header.contains_key("crit") {
        // RFC 7515 4.1.11: extensions the recipient does not understand must be refused.
        return Err(TokenRefusal::Malformed(
            "critical header extensions are not supported",
        ));
    }
    let typ = match header.get("typ") {
        None => None,
        Some(Value::String(t)) => Some(t.to_ascii_lowercase()),
        Some(_) => return Err(TokenRefusal::Malformed("typ is not a string")),
    };
    let access_typ = matches!(typ.as_deref(), Some("at+jwt" | "application/at+jwt"));
    match expect.kind {
        Kind::Access { require_type: true } if !access_typ => return Err(TokenRefusal::WrongType),
        Kind::Id { .. } if access_typ => return Err(TokenRefusal::WrongType),
        _ => {}
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(TokenRefusal::Malformed("no kid"))?;

    let key = match keys.find(kid).await {
        Lookup::Found(key) => key,
        Lookup::Unknown => return Err(TokenRefusal::UnknownKey),
        Lookup::Unavailable => return Err(TokenRefusal::KeysUnavailable),
    };
    if !key.fits(alg) {
        return Err(TokenRefusal::KeyMismatch);
    }
    let signed = &token[..header_b64.len() + 1 + payload_b64.len()];
    match jsonwebtoken::crypto::verify(signature_b64, signed.as_bytes(), &key.key, alg.jwt()) {
        Ok(true) => {}
        Ok(false) | Err(_) => return Err(TokenRefusal::BadSignature),
    }

    // Signed by the provider: now the claims.
    let claims = decode_json(payload_b64, "claims are not base64url JSON")?;
    if claims.len() > MAX_CLAIMS {
        return Err(TokenRefusal::Malformed("too many claims"));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(expect.issuer) {
        return Err(TokenRefusal::WrongIssuer);
    }
    let aud = audiences(&claims)?;
    if !aud.contains(&expect.audience) {
        return Err(TokenRefusal::WrongAudience);
    }
    if let Kind::Id { .. } = expect.kind {
        // OIDC Core 3.1.3.7: with several audiences, azp must be us; if present, it must be us.
        match claims.get("azp") {
            Some(Value::String(azp)) if azp == expect.audience => {}
            None if aud.len() == 1 => {}
            _ => return Err(TokenRefusal::WrongAudience),
        }
    }

    let now = unix_seconds(clock.now());
    let skew = i64::try_from(expect.skew.as_secs()).unwrap_or(0);
    let exp = numeric_date(&claims, "exp")?.ok_or(TokenRefusal::Malformed("no exp"))?;
    let iat = numeric_date(&claims, "iat")?.ok_or(TokenRefusal::Malformed("no iat"))?;
    if now > exp.saturating_add(skew) {
        return Err(TokenRefusal::Expired);
    }
    if let Some(nbf) = numeric_date(&claims, "nbf")?
        && nbf > now.saturating_add(skew)
    {
        return Err(TokenRefusal::NotYetValid);
    }
    if iat > now.saturating_add(skew) {
        return Err(TokenRefusal::IssuedInFuture);
    }
    if exp < iat {
        return Err(TokenRefusal::Malformed("exp before iat"));
    }
    if exp.saturating_sub(iat) > i64::try_from(MAX_TOKEN_LIFETIME.as_secs()).unwrap_or(i64::MAX) {
        return Err(TokenRefusal::LifetimeTooLong);
    }

    let subject = match claims.get("sub") {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= crate::claims::MAX_USER_ID_BYTES => {
            s.clone()
        }
        _ => return Err(TokenRefusal::Malformed("no usable sub")),
    };
    if let Kind::Id { nonce } = expect.kind {
        let sent = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
        if !bool::from(sent.as_bytes().ct_eq(nonce.as_bytes())) {
            return Err(TokenRefusal::WrongNonce);
        }
    }
    Ok(Verified {
        claims,
        subject,
        expires: crate::clock::from_unix_seconds(exp),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use serde_json::json;
    use std::sync::Arc;

    /// A throwaway P-256 key made for these tests only (PKCS#8 DER, and its public point).
    const TEST_KEY_DER: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPHv5o37PkaSvYUkVf2D/SpJJSlcM6O/KW64aTqE9/HyhRANCAASqkjbOt3hJt7mpf2bG3TNqWhGgWIyZWJRgG1iv4FBIGBz6JLJbg+XTRfRsRRzJP89BgjvP2Uwx5oofKqWYHUiH";
    const TEST_KEY_X: &str = "qpI2zrd4Sbe5qX9mxt0zaloRoFiMmViUYBtYr-BQSBg";
    const TEST_KEY_Y: &str = "HPoksluD5dNF9GxFHMk_z0GCO8_ZTDHmih8qpZgdSIc";
    const ISS: &str = "https://idp.test";

    fn sign(header: Value, claims: Value) -> String {
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let der = base64::engine::general_purpose::STANDARD
            .decode(TEST_KEY_DER)
            .unwrap();
        let key = jsonwebtoken::EncodingKey::from_ec_der(&der);
        let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
        let message = format!("{}.{}", b64(&header), b64(&claims));
        let sig =
            jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::ES256)
                .unwrap();
        format!("{message}.{sig}")
    }

    fn id_claims(now: i64) -> Value {
        json!({"iss": ISS, "aud": "gw", "sub": "u1", "iat": now, "exp": now + 300, "nonce": "n-1"})
    }

    async fn check_id(token: &str, clock: &ManualClock) -> Result<Verified, TokenRefusal> {
        let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": TEST_KEY_X, "y": TEST_KEY_Y}]});
        let keys = KeySet::from_jwks_for_tests(&jwks, Arc::new(clock.clone()));
        let expect = Expect {
            issuer: ISS,
            audience: "gw",
            allowed: &[SigningAlgorithm::Es256],
            skew: Duration::from_secs(60),
            kind: Kind::Id { nonce: "n-1" },
        };
        verify(token, &keys, clock, &expect).await
    }

    #[tokio::test]
    async fn id_token_rules() {
        let clock = ManualClock::starting_now();
        let now = unix_seconds(clock.now());
        let header = json!({"alg": "ES256", "kid": "k1"});
        let with = |changes: Value| {
            let mut c = id_claims(now);
            for (k, v) in changes.as_object().unwrap() {
                c[k] = v.clone();
            }
            sign(header.clone(), c)
        };
        assert_eq!(
            check_id(&with(json!({})), &clock).await.unwrap().subject,
            "u1"
        );
        assert_eq!(
            check_id(&with(json!({"nonce": "n-2"})), &clock).await.err(),
            Some(TokenRefusal::WrongNonce)
        );
        assert_eq!(
            check_id(&with(json!({"nonce": null})), &clock).await.err(),
            Some(TokenRefusal::WrongNonce)
        );
        // Several audiences need azp = us; azp naming someone else is refused either way.
        assert_eq!(
            check_id(&with(json!({"aud": ["gw", "other"]})), &clock)
                .await
                .err(),
            Some(TokenRefusal::WrongAudience)
        );
        assert!(
            check_id(&with(json!({"aud": ["gw", "other"], "azp": "gw"})), &clock)
                .await
                .is_ok()
        );
        assert_eq!(
            check_id(&with(json!({"azp": "other"})), &clock).await.err(),
            Some(TokenRefusal::WrongAudience)
        );
        // Fractional dates are dates; strings are not.
        assert!(
            check_id(&with(json!({"exp": now as f64 + 300.5})), &clock)
                .await
                .is_ok()
        );
        assert!(matches!(
            check_id(&with(json!({"exp": "tomorrow"})), &clock).await,
            Err(TokenRefusal::Malformed(_))
        ));
        // An access token offered as an ID token.
        let at = sign(
            json!({"alg": "ES256", "kid": "k1", "typ": "at+jwt"}),
            id_claims(now),
        );
        assert_eq!(
            check_id(&at, &clock).await.err(),
            Some(TokenRefusal::WrongType)
        );
        // Header extensions we do not understand.
        let crit = sign(
            json!({"alg": "ES256", "kid": "k1", "crit": ["exp"]}),
            id_claims(now),
        );
        assert!(matches!(
            check_id(&crit, &clock).await,
            Err(TokenRefusal::Malformed(_))
        ));
        // Without a key id there is no key to choose.
        let no_kid = sign(json!({"alg": "ES256"}), id_claims(now));
        assert_eq!(
            check_id(&no_kid, &clock).await.err(),
            Some(TokenRefusal::Malformed("no kid"))
        );
        // An unknown key id: within the refetch interval no fetch is tried; after it, the
        // provider (here a closed port) is asked and cannot answer.
        let other_kid = sign(json!({"alg": "ES256", "kid": "k2"}), id_claims(now));
        let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": TEST_KEY_X, "y": TEST_KEY_Y}]});
        let keys = KeySet::from_jwks_for_tests(&jwks, Arc::new(clock.clone()));
        let expect = Expect {
            issuer: ISS,
            audience: "gw",
            allowed: &[SigningAlgorithm::Es256],
            skew: Duration::from_secs(60),
            kind: Kind::Id { nonce: "n-1" },
        };
        assert_eq!(
            verify(&other_kid, &keys, &clock, &expect).await.err(),
            Some(TokenRefusal::UnknownKey)
        );
        clock.advance(Duration::from_secs(31));
        assert_eq!(
            verify(&other_kid, &keys, &clock, &expect).await.err(),
            Some(TokenRefusal::KeysUnavailable)
        );
    }

    #[test]
    fn alg_labels_never_echo_input() {
        assert_eq!(alg_label("none"), "none");
        assert_eq!(alg_label("NONE"), "none");
        assert_eq!(alg_label("HS256"), "HS256");
        assert_eq!(alg_label("<script>"), "unrecognised");
    }

    #[test]
    fn jwt_shape() {
        assert!(looks_like_jwt("eyJh.eyJi.c2ln"));
        assert!(!looks_like_jwt("static-token-with-no-dots"));
        assert!(!looks_like_jwt("a.b.c.d"));
        assert!(!looks_like_jwt("a.b c.d"));
    }
}
