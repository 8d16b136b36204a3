//! The browser sign-in: authorization code with PKCE (S256), `state` bound to the browser that
//! started it, `nonce` checked in the ID token. Pending sign-ins expire and are single-use.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use url::Url;

use crate::claims::Identity;
use crate::clock::Clock;
use crate::fetch::FetchError;
use crate::token::TokenRefusal;

/// A sign-in must be finished within ten minutes of starting it: time to type a password and
/// answer a second factor, and the provider's own interaction lifetime.
pub const PENDING_LOGIN_TTL: Duration = Duration::from_secs(10 * 60);
/// The most sign-ins pending at once in [`MemoryPendingLogins`]. Starting one needs no
/// credentials, so this bounds what anonymous requests can make the gateway hold (about 300
/// bytes each); a force's whole shift signing in at once is a few thousand.
pub const MAX_PENDING_LOGINS: usize = 20_000;
/// The longest path a sign-in may return to.
const MAX_RETURN_PATH: usize = 1024;

/// A future returned by a store.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A session or pending-login store failed (a database error, say). Its text is the store's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

/// 32 bytes from the OS random source, base64url: for ids, state, nonce, PKCE and CSRF tokens.
pub(crate) fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) fn sha256(data: &str) -> [u8; 32] {
    Sha256::digest(data.as_bytes()).into()
}

/// A sign-in started and not yet finished, keyed in its store by the SHA-256 of its `state`.
#[derive(Clone)]
pub struct PendingLogin {
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// SHA-256 of the browser-binding value set in the sign-in cookie.
    pub binding_sha256: [u8; 32],
    /// The local path to go to once signed in.
    pub return_to: String,
    /// After this the sign-in is refused.
    pub expires_at: SystemTime,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("return_to", &self.return_to)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Where pending sign-ins are kept between the redirect to the provider and the callback. With
/// several gateway replicas behind a load balancer, this must be shared (a database), or the
/// balancer must keep a browser on one replica.
pub trait PendingLoginStore: Send + Sync + fmt::Debug {
    /// Keep `login` under `key` (the SHA-256 of its `state`).
    fn put(&self, key: [u8; 32], login: PendingLogin) -> StoreFuture<'_, ()>;
    /// Remove and return the pending sign-in under `key`: each can be finished once.
    fn take(&self, key: [u8; 32]) -> StoreFuture<'_, Option<PendingLogin>>;
}

/// Pending sign-ins in memory, at most [`MAX_PENDING_LOGINS`]: expired ones are dropped first,
/// then the oldest.
#[derive(Debug)]
pub struct MemoryPendingLogins {
    clock: Arc<dyn Clock>,
    logins: Mutex<HashMap<[u8; 32], PendingLogin>>,
}

impl MemoryPendingLogins {
    /// An empty store reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            logins: Mutex::new(HashMap::new()),
        }
    }

    /// How many sign-ins are pending.
    pub fn len(&self) -> usize {
        self.logins.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PendingLoginStore for MemoryPendingLogins {
    fn put(&self, key: [u8; 32], login: PendingLogin) -> StoreFuture<'_, ()> {
        let now = self.clock.now();
        let mut logins = self.logins.lock().unwrap_or_else(|p| p.into_inner());
        if logins.len() >= MAX_PENDING_LOGINS {
            logins.retain(|_, l| l.expires_at > now);
        }
        if logins.len() >= MAX_PENDING_LOGINS
            && let Some(oldest) = logins
                .iter()
                .min_by_key(|(_, l)| l.expires_at)
                .map(|(k, _)| *k)
        {
            logins.remove(&oldest);
        }
        logins.insert(key, login);
        Box::pin(async { Ok(()) })
    }

    fn take(&self, key: [u8; 32]) -> StoreFuture<'_, Option<PendingLogin>> {
        let login = self
            .logins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
        Box::pin(async move { Ok(login) })
    }
}

/// A sign-in started: send the browser to [`authorize_url`](Self::authorize_url) and set the
/// sign-in cookie to [`binding`](Self::binding) (see
/// [`CookiePolicy::login_cookie`](crate::CookiePolicy::login_cookie)).
pub struct LoginStart {
    /// The provider's authorization endpoint with this sign-in's parameters.
    pub authorize_url: Url,
    /// The value for the sign-in cookie, which ties the callback to this browser.
    pub binding: String,
}

impl fmt::Debug for LoginStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginStart")
            .field("authorize_url", &self.authorize_url.as_str())
            .finish_non_exhaustive()
    }
}

/// A finished sign-in.
#[derive(Clone)]
pub struct SignIn {
    /// Who signed in, and what the mapping gives them.
    pub identity: Identity,
    /// The ID token, kept for the `id_token_hint` of a later sign-out.
    pub id_token: String,
    /// The access token the provider issued for the gateway (audience checked by the provider,
    /// not here; the browser session does not need it).
    pub access_token: Option<String>,
    /// The local path the browser asked to return to.
    pub return_to: String,
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignIn")
            .field("identity", &self.identity)
            .field("return_to", &self.return_to)
            .finish_non_exhaustive()
    }
}

/// Why a sign-in failed. The text never holds codes, tokens or provider-supplied free text, so
/// it is safe to audit.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The OS random source failed.
    #[error("no randomness for a sign-in")]
    Random,
    /// The pending-login store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The return path is not a local path.
    #[error("the return path is not a path on this gateway")]
    BadReturnPath,
    /// The callback's query is not what a provider sends.
    #[error("malformed callback: {0}")]
    MalformedCallback(&'static str),
    /// No pending sign-in has this state: never started, already finished, or long expired.
    #[error("unknown or already used sign-in")]
    UnknownState,
    /// The pending sign-in expired.
    #[error("the sign-in took longer than {} minutes", PENDING_LOGIN_TTL.as_secs() / 60)]
    Expired,
    /// The callback came to a browser other than the one that started the sign-in (no sign-in
    /// cookie, or another one): login CSRF.
    #[error("the sign-in was started in another browser")]
    BindingMismatch,
    /// The callback's `iss` is not our provider's (mix-up attack, RFC 9207), or it is missing
    /// though the provider promises it.
    #[error("the callback's issuer is not the configured provider")]
    WrongIssuer,
    /// The provider refused the sign-in (the user cancelled, access denied, …).
    #[error("the provider refused the sign-in: {0}")]
    Provider(&'static str),
    /// The token endpoint could not be reached or its answer was unreadable.
    #[error("token endpoint: {0}")]
    TokenEndpoint(#[from] FetchError),
    /// The token endpoint refused the code.
    #[error("the token endpoint refused the code (HTTP {status}): {error}")]
    CodeRefused {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code.
        error: &'static str,
    },
    /// The token response lacks an ID token or is not JSON.
    #[error("bad token response: {0}")]
    BadTokenResponse(&'static str),
    /// The ID token was refused.
    #[error("ID token refused: {0}")]
    IdToken(#[from] TokenRefusal),
}

/// OAuth error codes a provider may send, so a refusal can name one without echoing input.
pub(crate) fn oauth_error_label(code: &str) -> &'static str {
    const KNOWN: [&str; 20] = [
        "access_denied",
        "invalid_request",
        "unauthorized_client",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "interaction_required",
        "login_required",
        "account_selection_required",
        "consent_required",
        "invalid_request_uri",
        "invalid_request_object",
        "request_not_supported",
        "request_uri_not_supported",
        "registration_not_supported",
        "invalid_grant",
        "invalid_client",
        "unsupported_grant_type",
        "invalid_target",
    ];
    KNOWN
        .iter()
        .find(|k| **k == code)
        .copied()
        .unwrap_or("unrecognised error")
}

/// `path` if it is a path on this gateway (so a sign-in cannot be made to redirect elsewhere).
pub(crate) fn local_path(path: &str) -> Option<String> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= MAX_RETURN_PATH
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    ok.then(|| path.to_string())
}

/// The callback's query parameters.
pub(crate) struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// The longest callback query read: a code, a state and an issuer are a few hundred bytes.
const MAX_CALLBACK_QUERY: usize = 8 * 1024;

pub(crate) fn parse_callback(query: &str) -> Result<Callback, LoginError> {
    if query.len() > MAX_CALLBACK_QUERY {
        return Err(LoginError::MalformedCallback("query too long"));
    }
    let mut cb = Callback {
        code: None,
        state: None,
        iss: None,
        error: None,
    };
    for (k, v) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        let slot = match k.as_ref() {
            "code" => &mut cb.code,
            "state" => &mut cb.state,
            "iss" => &mut cb.iss,
            "error" => &mut cb.error,
            _ => continue,
        };
        if slot.is_some() {
            // A repeated parameter is someone trying which copy we read.
            return Err(LoginError::MalformedCallback("a parameter is repeated"));
        }
        *slot = Some(v.into_owned());
    }
    Ok(cb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn return_paths_stay_local() {
        assert_eq!(local_path("/search?q=x").as_deref(), Some("/search?q=x"));
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "search",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn repeated_callback_parameters_are_refused() {
        assert!(matches!(
            parse_callback("code=a&state=b&code=c"),
            Err(LoginError::MalformedCallback(_))
        ));
        let cb = parse_callback("?code=a&state=b&iss=http%3A%2F%2Fx").unwrap();
        assert_eq!(
            (cb.code.as_deref(), cb.state.as_deref(), cb.iss.as_deref()),
            (Some("a"), Some("b"), Some("http://x"))
        );
    }

    #[tokio::test]
    async fn the_memory_store_is_single_use_and_bounded() {
        let clock = ManualClock::starting_now();
        let store = MemoryPendingLogins::new(Arc::new(clock.clone()));
        let login = |expires_at| PendingLogin {
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            binding_sha256: [0; 32],
            return_to: "/".into(),
            expires_at,
        };
        let now = clock.now();
        store
            .put([1; 32], login(now + PENDING_LOGIN_TTL))
            .await
            .unwrap();
        assert!(store.take([1; 32]).await.unwrap().is_some());
        assert!(store.take([1; 32]).await.unwrap().is_none(), "single use");

        for i in 0..MAX_PENDING_LOGINS {
            let mut key = [0u8; 32];
            key[..8].copy_from_slice(&(i as u64).to_le_bytes());
            store
                .put(key, login(now + Duration::from_secs(i as u64)))
                .await
                .unwrap();
        }
        assert_eq!(store.len(), MAX_PENDING_LOGINS);
        store
            .put([9; 32], login(now + PENDING_LOGIN_TTL))
            .await
            .unwrap();
        assert_eq!(store.len(), MAX_PENDING_LOGINS, "bounded");
        assert!(
            store.take([0; 32]).await.unwrap().is_none(),
            "the oldest went first"
        );
        assert!(store.take([9; 32]).await.unwrap().is_some());
    }
}
