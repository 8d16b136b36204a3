//! One sign-on with the force's OpenID Connect provider, for the interop gateway.
//!
//! The gateway is a relying party. This crate gives it types and functions to call from its HTTP
//! layer; it runs no server itself.
//!
//! - **API clients** send a bearer JWT access token: [`RelyingParty::validate_access_token`]
//!   checks it against the provider's published keys (signature with an allowed algorithm, `iss`,
//!   `aud` = the gateway's resource indicator, `exp`, `nbf`, `iat`, clock skew) and maps its
//!   claims to an [`Identity`]. Keys are cached; rotation is picked up without a restart.
//! - **Browsers** sign in with the authorization code flow and PKCE:
//!   [`RelyingParty::start_login`], then [`RelyingParty::finish_login`] at the callback, then
//!   [`Sessions::create`]; each later request is [`Sessions::authenticate`]d by its cookie (with a
//!   CSRF token on state-changing requests). Sign-out is [`Sessions::end`] plus a redirect to
//!   [`RelyingParty::logout_url`].
//! - **Rate limits** per user: [`RateLimiter::check`].
//!
//! Roles and clearance come from claims through the force's [`ClaimsMapping`]; a user it does not
//! cover gets [`Access::Nothing`], and the gateway refuses them. Every refusal type here
//! ([`TokenRefusal`], [`LoginError`], [`SessionRefusal`]) has text that is safe to audit: bounded,
//! and never token content.
//!
//! # Example
//! ```no_run
//! use std::sync::Arc;
//! use interop_identity::{
//!     Access, CookiePolicy, MemorySessionStore, OidcConfig, RelyingParty, RelyingPartyOptions,
//!     Sessions, SystemClock,
//! };
//!
//! # async fn run(toml_text: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let config = OidcConfig::from_toml(toml_text, std::path::Path::new("/etc/interop"))?;
//! let sessions = Sessions::new(
//!     Arc::new(MemorySessionStore::new()),
//!     config.session,
//!     CookiePolicy::for_listen_addr("127.0.0.1:8080".parse()?),
//!     Arc::new(SystemClock),
//! );
//! let rp = RelyingParty::discover(config, RelyingPartyOptions::default()).await?;
//!
//! // An API request with `Authorization: Bearer <jwt>`:
//! match rp.validate_access_token("eyJ…").await {
//!     Ok(identity) => match &identity.access {
//!         Access::Granted { roles, clearance } => { /* authorise with roles and clearance */ }
//!         Access::Nothing(why) => { /* 403, audit `why` for identity.user_id */ }
//!     },
//!     Err(refusal) => { /* 401, audit `refusal` */ }
//! }
//!
//! // GET /auth/login: redirect to the provider, set the sign-in cookie.
//! let start = rp.start_login(Some("/search")).await?;
//! let set_cookie = sessions.cookies().login_cookie(&start.binding);
//! # let _ = (set_cookie, start.authorize_url);
//!
//! // GET /auth/callback?code=…&state=…: finish, open a session.
//! # let (query, cookie_header) = ("", "");
//! let binding = sessions.cookies().login_binding([cookie_header])?;
//! let sign_in = rp.finish_login(query, binding).await?;
//! let session = sessions.create(&sign_in).await?;
//! # let _ = session;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod claims;
mod clock;
mod config;
mod cookie;
mod fetch;
mod keys;
mod login;
mod rate_limit;
mod relying_party;
mod session;
mod token;

pub use claims::{
    Access, ClaimError, ClaimsMapping, Clearance, Identity, MAX_GROUP_BYTES, MAX_GROUPS,
    MAX_USER_ID_BYTES, NoAccess, Roles,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    ClientAuth, ConfigError, KeyRefresh, OidcConfig, OidcToml, RateLimit, RateLimitToml,
    SecretSource, SessionConfig, SigningAlgorithm, WindowKind,
};
pub use cookie::{CookieError, CookiePolicy, MAX_COOKIE_HEADER_BYTES, find_cookie};
pub use fetch::{FetchError, TlsSetupError};
pub use keys::KeysError;
pub use login::{
    LoginError, LoginStart, MAX_PENDING_LOGINS, MemoryPendingLogins, PENDING_LOGIN_TTL,
    PendingLogin, PendingLoginStore, SignIn, StoreError, StoreFuture,
};
pub use rate_limit::{
    MAX_TALLIES, MAX_TRACKED_USERS, RateDecision, RateLimiter, RefusalTally, decide, refusal,
};
pub use relying_party::{ProviderMetadata, RelyingParty, RelyingPartyOptions, SetupError};
pub use session::{
    CSRF_HEADER, MAX_SESSIONS, MemorySessionStore, NewSession, Session, SessionError, SessionKey,
    SessionRecord, SessionRefusal, SessionStore, Sessions, needs_csrf,
};
pub use token::{MAX_TOKEN_BYTES, TokenRefusal, looks_like_jwt};
