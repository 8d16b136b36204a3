//! Browser sessions after a sign-in.
//!
//! A session id is 256 random bits, sent to the browser once in the session cookie; the store
//! keeps only its SHA-256, so a copy of the store lets nobody in. Every session has a CSRF token
//! the page sends back in the [`CSRF_HEADER`] on every state-changing request; it is compared in
//! constant time. A session ends after [`SessionConfig::idle_timeout`] without use, after
//! [`SessionConfig::absolute_lifetime`] however busy, or at sign-out.
//!
//! [`SessionStore`] is where sessions live: [`MemorySessionStore`] here; the gateway's PostgreSQL
//! store (interop-gateway's `shared.rs`) behind the same trait for replicas. The rules (timeouts, CSRF) are in [`Sessions`], whatever the store.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use subtle::ConstantTimeEq as _;

use crate::claims::{Access, Identity};
use crate::clock::Clock;
use crate::config::SessionConfig;
use crate::cookie::{CookieError, CookiePolicy};
use crate::login::{SignIn, StoreError, StoreFuture, random_token, sha256};

/// The request header carrying the CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The most sessions [`MemorySessionStore`] holds. Each needs a real sign-in, so this is a bound
/// on memory (a few KiB each, mostly the ID token), not a limit anyone meets: a force has tens of
/// thousands of officers, not all on shift.
pub const MAX_SESSIONS: usize = 100_000;
/// `last_seen` is written back at most this often per session, so a busy page does not turn
/// every request into a store write; the idle timeout is at most this much early.
const TOUCH_GRANULARITY: Duration = Duration::from_secs(10);
/// A session id from a cookie longer than this is not one of ours (ours are 43 characters).
const MAX_SESSION_ID_BYTES: usize = 128;

/// The key a session is stored under: the SHA-256 of its id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKey(pub [u8; 32]);

impl SessionKey {
    /// The key of session id `id`.
    pub fn of(id: &str) -> Self {
        Self(sha256(id))
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash is not a credential, but a prefix is all anyone needs to tell two apart.
        write!(
            f,
            "SessionKey({:02x}{:02x}{:02x}{:02x}…)",
            self.0[0], self.0[1], self.0[2], self.0[3]
        )
    }
}

/// A stored session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Who is signed in.
    pub identity: Identity,
    /// The ID token of the sign-in, for the provider's sign-out.
    pub id_token: String,
    /// The CSRF token of this session.
    pub csrf_token: String,
    /// When the user signed in.
    pub created_at: SystemTime,
    /// When the session was last used (to within ten seconds).
    pub last_seen: SystemTime,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("identity", &self.identity)
            .field("created_at", &self.created_at)
            .field("last_seen", &self.last_seen)
            .finish_non_exhaustive()
    }
}

/// Where sessions are kept.
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// Store a new session.
    fn insert(&self, key: SessionKey, record: SessionRecord) -> StoreFuture<'_, ()>;
    /// The session under `key`.
    fn get(&self, key: SessionKey) -> StoreFuture<'_, Option<SessionRecord>>;
    /// Record that the session was used at `at`.
    fn touch(&self, key: SessionKey, at: SystemTime) -> StoreFuture<'_, ()>;
    /// Remove the session and return it.
    fn remove(&self, key: SessionKey) -> StoreFuture<'_, Option<SessionRecord>>;
    /// Remove sessions last used before `idle_before` or created before `created_before`; how many.
    fn remove_expired(
        &self,
        idle_before: SystemTime,
        created_before: SystemTime,
    ) -> StoreFuture<'_, usize>;
}

/// Sessions in this process's memory, at most [`MAX_SESSIONS`].
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    sessions: Mutex<HashMap<SessionKey, SessionRecord>>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, SessionRecord>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn ready<T: Send + 'static>(v: Result<T, StoreError>) -> StoreFuture<'static, T> {
    Box::pin(async move { v })
}

impl SessionStore for MemorySessionStore {
    fn insert(&self, key: SessionKey, record: SessionRecord) -> StoreFuture<'_, ()> {
        let mut sessions = self.lock();
        if sessions.len() >= MAX_SESSIONS {
            return ready(Err(StoreError(format!("{MAX_SESSIONS} sessions are open"))));
        }
        sessions.insert(key, record);
        ready(Ok(()))
    }

    fn get(&self, key: SessionKey) -> StoreFuture<'_, Option<SessionRecord>> {
        ready(Ok(self.lock().get(&key).cloned()))
    }

    fn touch(&self, key: SessionKey, at: SystemTime) -> StoreFuture<'_, ()> {
        if let Some(s) = self.lock().get_mut(&key) {
            s.last_seen = at;
        }
        ready(Ok(()))
    }

    fn remove(&self, key: SessionKey) -> StoreFuture<'_, Option<SessionRecord>> {
        ready(Ok(self.lock().remove(&key)))
    }

    fn remove_expired(
        &self,
        idle_before: SystemTime,
        created_before: SystemTime,
    ) -> StoreFuture<'_, usize> {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|_, s| s.last_seen > idle_before && s.created_at > created_before);
        ready(Ok(before - sessions.len()))
    }
}

/// A session just created: set [`set_cookie`](Self::set_cookie) on the response and give the
/// page [`csrf_token`](Self::csrf_token).
pub struct NewSession {
    /// The `Set-Cookie` header value carrying the session id.
    pub set_cookie: String,
    /// The CSRF token the page must send in [`CSRF_HEADER`].
    pub csrf_token: String,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewSession(…)")
    }
}

/// An authenticated browser request.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who.
    pub identity: Identity,
    /// The session's CSRF token (to give the page again).
    pub csrf_token: String,
    /// When the user signed in.
    pub created_at: SystemTime,
}

/// Why a request's session is refused. The text is safe to audit; where the session was found,
/// the user it belonged to is named so the refusal can be audited against them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionRefusal {
    /// No session cookie.
    #[error("no session cookie")]
    NoCookie,
    /// The cookie header is oversized or carries the session cookie twice.
    #[error("session cookie: {0}")]
    BadCookie(#[from] CookieError),
    /// No such session: never existed, signed out, or removed after expiry.
    #[error("no such session")]
    Unknown,
    /// Unused for longer than the idle timeout.
    #[error("session of {user_id} idle for longer than {} minutes", .idle.as_secs() / 60)]
    IdleTimeout {
        /// Whose session it was.
        user_id: String,
        /// The idle timeout.
        idle: Duration,
    },
    /// Older than the absolute lifetime.
    #[error("session of {user_id} older than {} hours", .lifetime.as_secs() / 3600)]
    Expired {
        /// Whose session it was.
        user_id: String,
        /// The absolute lifetime.
        lifetime: Duration,
    },
    /// A state-changing request without the CSRF header.
    #[error("state-changing request by {user_id} without the {CSRF_HEADER} header")]
    CsrfMissing {
        /// Whose session.
        user_id: String,
    },
    /// A state-changing request whose CSRF token is not the session's.
    #[error("state-changing request by {user_id} with the wrong CSRF token")]
    CsrfMismatch {
        /// Whose session.
        user_id: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `method` can change state, so needs the CSRF token. Only the methods HTTP defines as
/// safe are exempt.
pub fn needs_csrf(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Creating a session failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The sign-in gives the user nothing; no session is made for them.
    #[error("no session for a user the mapping gives nothing: {0}")]
    NoAccess(crate::claims::NoAccess),
    /// The OS random source failed.
    #[error("no randomness for a session id")]
    Random,
    /// The store failed (or is full).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The session rules over a store.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Arc<dyn SessionStore>,
    config: SessionConfig,
    cookies: CookiePolicy,
    clock: Arc<dyn Clock>,
}

impl Sessions {
    /// Sessions kept in `store` with `config`'s lifetimes and `cookies`' attributes.
    pub fn new(
        store: Arc<dyn SessionStore>,
        config: SessionConfig,
        cookies: CookiePolicy,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            config,
            cookies,
            clock,
        }
    }

    /// The cookie policy in use.
    pub fn cookies(&self) -> CookiePolicy {
        self.cookies
    }

    /// Open a session for a finished sign-in.
    ///
    /// # Errors
    /// The user has no access (no session is made for them), or randomness or the store failed.
    pub async fn create(&self, sign_in: &SignIn) -> Result<NewSession, SessionError> {
        if let Access::Nothing(why) = sign_in.identity.access {
            return Err(SessionError::NoAccess(why));
        }
        let id = random_token().map_err(|_| SessionError::Random)?;
        let csrf_token = random_token().map_err(|_| SessionError::Random)?;
        let now = self.clock.now();
        let record = SessionRecord {
            identity: sign_in.identity.clone(),
            id_token: sign_in.id_token.clone(),
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen: now,
        };
        self.store.insert(SessionKey::of(&id), record).await?;
        Ok(NewSession {
            set_cookie: self
                .cookies
                .session_cookie(&id, self.config.absolute_lifetime),
            csrf_token,
        })
    }

    /// Authenticate a request by its session cookie: `cookie_headers` are the request's `Cookie`
    /// headers, `method` its method, `csrf_header` the value of [`CSRF_HEADER`] if sent.
    /// An expired session is removed.
    ///
    /// # Errors
    /// Why the request is not authenticated by a session.
    pub async fn authenticate<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
        method: &str,
        csrf_header: Option<&str>,
    ) -> Result<Session, SessionRefusal> {
        let id = self
            .cookies
            .session_id(cookie_headers)?
            .ok_or(SessionRefusal::NoCookie)?;
        if id.is_empty() || id.len() > MAX_SESSION_ID_BYTES {
            return Err(SessionRefusal::Unknown);
        }
        let key = SessionKey::of(id);
        let record = self.store.get(key).await?.ok_or(SessionRefusal::Unknown)?;
        let now = self.clock.now();
        let user_id = || record.identity.user_id.clone();
        let age = now
            .duration_since(record.created_at)
            .unwrap_or(Duration::ZERO);
        if age >= self.config.absolute_lifetime {
            self.store.remove(key).await?;
            return Err(SessionRefusal::Expired {
                user_id: user_id(),
                lifetime: self.config.absolute_lifetime,
            });
        }
        let idle = now
            .duration_since(record.last_seen)
            .unwrap_or(Duration::ZERO);
        if idle >= self.config.idle_timeout {
            self.store.remove(key).await?;
            return Err(SessionRefusal::IdleTimeout {
                user_id: user_id(),
                idle: self.config.idle_timeout,
            });
        }
        if needs_csrf(method) {
            let sent =
                csrf_header.ok_or_else(|| SessionRefusal::CsrfMissing { user_id: user_id() })?;
            if !bool::from(sent.as_bytes().ct_eq(record.csrf_token.as_bytes())) {
                return Err(SessionRefusal::CsrfMismatch { user_id: user_id() });
            }
        }
        if idle >= TOUCH_GRANULARITY {
            self.store.touch(key, now).await?;
        }
        Ok(Session {
            identity: record.identity,
            csrf_token: record.csrf_token,
            created_at: record.created_at,
        })
    }

    /// Sign out: remove the request's session. Returns the ended session (for its ID token, to
    /// build the provider's logout URL, and to audit whose it was); `None` if there was none.
    /// Answer with [`CookiePolicy::clear_session_cookie`] either way.
    ///
    /// # Errors
    /// The cookie header is unreadable, or the store failed.
    pub async fn end<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> Result<Option<SessionRecord>, SessionRefusal> {
        let Some(id) = self.cookies.session_id(cookie_headers)? else {
            return Ok(None);
        };
        if id.is_empty() || id.len() > MAX_SESSION_ID_BYTES {
            return Ok(None);
        }
        Ok(self.store.remove(SessionKey::of(id)).await?)
    }

    /// Remove expired sessions (run periodically; expired sessions are refused anyway).
    ///
    /// # Errors
    /// The store failed.
    pub async fn purge_expired(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let idle_before = now
            .checked_sub(self.config.idle_timeout)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let created_before = now
            .checked_sub(self.config.absolute_lifetime)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        self.store.remove_expired(idle_before, created_before).await
    }
}
