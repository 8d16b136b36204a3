//! The gateway as an OpenID Connect relying party: discovery, keys, access-token validation, the
//! browser sign-in and RP-initiated sign-out.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use subtle::ConstantTimeEq as _;
use url::Url;

use crate::claims::Identity;
use crate::clock::{Clock, SystemClock};
use crate::config::{ClientAuth, OidcConfig, SecretSource, is_loopback_host};
use crate::fetch::{FetchError, Fetcher, TlsSetupError};
use crate::keys::{KeySet, KeysError};
use crate::login::{
    LoginError, LoginStart, MemoryPendingLogins, PENDING_LOGIN_TTL, PendingLogin,
    PendingLoginStore, SignIn, local_path, oauth_error_label, parse_callback, random_token, sha256,
};
use crate::token::{self, Expect, Kind, TokenRefusal};

/// The largest discovery document read: real ones are 2–10 KiB.
const MAX_DISCOVERY_BYTES: usize = 64 * 1024;
/// The largest token response read: two tokens of at most [`token::MAX_TOKEN_BYTES`] and change.
const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;
/// The largest client secret file read.
const MAX_SECRET_BYTES: u64 = 4096;
/// Authorization codes are short opaque strings; longer is not a code.
const MAX_CODE_BYTES: usize = 2048;

/// The relying party could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The client secret could not be read.
    #[error("client secret: {0}")]
    Secret(String),
    /// The TLS client could not be built.
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    /// Discovery failed.
    #[error("discovery: {0}")]
    Discovery(#[from] FetchError),
    /// The discovery document is unusable.
    #[error("discovery: {0}")]
    Metadata(String),
    /// The provider's keys could not be loaded.
    #[error("keys: {0}")]
    Keys(#[from] KeysError),
    /// No `jsonwebtoken` crypto provider could be installed.
    #[error("no JWT crypto provider is installed for this process")]
    NoCryptoProvider,
}

/// What the gateway uses of the provider's discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// The issuer, equal to the configured one.
    pub issuer: String,
    /// Where browsers sign in.
    pub authorization_endpoint: Url,
    /// Where codes are exchanged.
    pub token_endpoint: Url,
    /// The provider's public keys.
    pub jwks_uri: Url,
    /// RP-initiated sign-out, if the provider offers it.
    pub end_session_endpoint: Option<Url>,
    /// Whether the provider puts `iss` in the callback (RFC 9207); if so, it is required.
    pub authorization_response_iss: bool,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: Option<String>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

fn endpoint(name: &str, value: &str) -> Result<Url, SetupError> {
    let url =
        Url::parse(value).map_err(|e| SetupError::Metadata(format!("{name} is not a URL: {e}")))?;
    let secure = url.scheme() == "https" || (url.scheme() == "http" && is_loopback_host(&url));
    if !secure {
        return Err(SetupError::Metadata(format!(
            "{name} must be https (plain http only on loopback)"
        )));
    }
    Ok(url)
}

/// The client secret, kept out of `Debug` output.
#[derive(Clone)]
struct ClientSecret(String);

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(…)")
    }
}

fn read_secret(source: &SecretSource) -> Result<ClientSecret, SetupError> {
    let raw = match source {
        SecretSource::Env(var) => std::env::var(var)
            .map_err(|_| SetupError::Secret(format!("environment variable {var} is not set")))?,
        SecretSource::File(path) => {
            let fail = |why: String| SetupError::Secret(format!("{}: {why}", path.display()));
            let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
            if meta.len() > MAX_SECRET_BYTES {
                return Err(fail(format!("larger than {MAX_SECRET_BYTES} bytes")));
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                if meta.permissions().mode() & 0o077 != 0 {
                    tracing::warn!(
                        "{}: the client secret is readable by other users",
                        path.display()
                    );
                }
            }
            std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?
        }
    };
    let secret = raw.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        return Err(SetupError::Secret(format!("{source:?} is empty")));
    }
    Ok(ClientSecret(secret))
}

/// How a [`RelyingParty`] keeps time and pending sign-ins.
#[derive(Debug, Clone)]
pub struct RelyingPartyOptions {
    /// The clock (tests pass a [`ManualClock`](crate::ManualClock)).
    pub clock: Arc<dyn Clock>,
    /// Where pending sign-ins are kept; `None` keeps them in memory.
    pub pending_logins: Option<Arc<dyn PendingLoginStore>>,
}

impl Default for RelyingPartyOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            pending_logins: None,
        }
    }
}

/// The gateway's side of OpenID Connect. Build one at start with [`discover`](Self::discover)
/// and share it (it is `Send + Sync`; keep it in an `Arc`).
pub struct RelyingParty {
    config: OidcConfig,
    secret: ClientSecret,
    metadata: ProviderMetadata,
    fetcher: Fetcher,
    keys: KeySet,
    clock: Arc<dyn Clock>,
    pending: Arc<dyn PendingLoginStore>,
    /// The claims mapping in force: the configuration's at start, replaced whole by
    /// [`set_claims`](Self::set_claims) when the gateway reloads its configuration.
    claims: std::sync::RwLock<Arc<crate::claims::ClaimsMapping>>,
}

impl fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelyingParty")
            .field("issuer", &self.metadata.issuer)
            .field("client_id", &self.config.client_id)
            .finish_non_exhaustive()
    }
}

/// The provider's answer at the token endpoint.
#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: Option<String>,
}

impl RelyingParty {
    /// Read the client secret, fetch the provider's discovery document and keys.
    ///
    /// # Errors
    /// The secret is missing, the provider is unreachable or its metadata does not match the
    /// configuration (another issuer, no S256 PKCE, plain-HTTP endpoints off loopback), or it
    /// publishes no usable key.
    pub async fn discover(
        config: OidcConfig,
        options: RelyingPartyOptions,
    ) -> Result<Self, SetupError> {
        // One JWT backend is compiled in; installing it explicitly keeps working if another
        // crate in the process enables jsonwebtoken's other backend too.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return Err(SetupError::NoCryptoProvider);
        }
        let secret = read_secret(&config.client_secret)?;
        let fetcher = Fetcher::new(config.ca_file.as_deref())?;

        let well_known = format!(
            "{}/.well-known/openid-configuration",
            config.issuer.trim_end_matches('/')
        );
        let well_known = Url::parse(&well_known)
            .map_err(|e| SetupError::Metadata(format!("discovery URL: {e}")))?;
        let doc: Discovery = fetcher
            .get_json(&well_known, "discovery", MAX_DISCOVERY_BYTES)
            .await?;
        if doc.issuer != config.issuer {
            return Err(SetupError::Metadata(format!(
                "the provider calls itself {:?}, not the configured issuer {:?}",
                doc.issuer.chars().take(200).collect::<String>(),
                config.issuer
            )));
        }
        if let Some(methods) = &doc.code_challenge_methods_supported
            && !methods.iter().any(|m| m == "S256")
        {
            return Err(SetupError::Metadata(
                "the provider does not support PKCE with S256".into(),
            ));
        }
        let metadata = ProviderMetadata {
            issuer: doc.issuer,
            authorization_endpoint: endpoint(
                "authorization_endpoint",
                &doc.authorization_endpoint,
            )?,
            token_endpoint: endpoint("token_endpoint", &doc.token_endpoint)?,
            jwks_uri: endpoint("jwks_uri", &doc.jwks_uri)?,
            end_session_endpoint: doc
                .end_session_endpoint
                .as_deref()
                .map(|e| endpoint("end_session_endpoint", e))
                .transpose()?,
            authorization_response_iss: doc.authorization_response_iss_parameter_supported,
        };
        if metadata.end_session_endpoint.is_none() {
            tracing::warn!(
                "the provider offers no end_session_endpoint: sign-out ends the gateway session only"
            );
        }
        let keys = KeySet::load(
            metadata.jwks_uri.clone(),
            fetcher.clone(),
            options.clock.clone(),
            config.keys,
        )
        .await?;
        let pending = options
            .pending_logins
            .unwrap_or_else(|| Arc::new(MemoryPendingLogins::new(options.clock.clone())));
        Ok(Self {
            claims: std::sync::RwLock::new(Arc::new(config.claims.clone())),
            config,
            secret,
            metadata,
            fetcher,
            keys,
            clock: options.clock,
            pending,
        })
    }

    /// The checked configuration.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// The claims mapping in force now.
    pub fn claims(&self) -> Arc<crate::claims::ClaimsMapping> {
        self.claims
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replace the claims mapping, whole, for every token validated and sign-in finished from
    /// now on. A browser session keeps the roles and clearance its sign-in gave it.
    pub fn set_claims(&self, claims: crate::claims::ClaimsMapping) {
        *self.claims.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(claims);
    }

    /// What discovery found.
    pub fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    /// How many times the provider's key set has been fetched, the first load included (for
    /// metrics, and for tests that the refetch limit holds).
    pub fn key_fetches(&self) -> u64 {
        self.keys.fetches()
    }

    /// Fetch the provider's keys again now, for a periodic task (requests also refresh stale
    /// keys themselves). Does nothing if a fetch happened within the minimum refetch interval.
    ///
    /// # Errors
    /// The fetch failed; the keys already held stay in use.
    pub async fn refresh_keys(&self) -> Result<bool, KeysError> {
        self.keys.refresh().await
    }

    /// Validate an API client's bearer access token and map its claims.
    ///
    /// The identity may carry [`Access::Nothing`](crate::Access::Nothing): the token is good but
    /// the mapping gives the user nothing, and the gateway must refuse them.
    ///
    /// # Errors
    /// Why the token is refused; the text is safe to audit.
    pub async fn validate_access_token(&self, token: &str) -> Result<Identity, TokenRefusal> {
        let expect = Expect {
            issuer: &self.config.issuer,
            audience: &self.config.audience,
            allowed: &self.config.allowed_algorithms,
            skew: self.config.clock_skew,
            kind: Kind::Access {
                require_type: self.config.require_access_token_type,
            },
        };
        let verified = token::verify(token, &self.keys, self.clock.as_ref(), &expect).await?;
        Ok(self
            .claims()
            .identify(&verified.claims, &verified.subject, verified.expires)?)
    }

    /// The token request's form body and its Basic credentials, if any. Built outside the async
    /// `finish_login`: the serializer is not `Send`, and a future holding it could not run on
    /// an axum handler's threads.
    fn token_request(&self, code: &str, verifier: &str) -> (String, Option<String>) {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", self.config.redirect_uri.as_str())
            .append_pair("code_verifier", verifier)
            .append_pair("resource", &self.config.audience);
        let basic = match self.config.token_endpoint_auth {
            ClientAuth::Basic => {
                // RFC 6749 2.3.1: both are form-encoded before Basic encoding.
                let id: String =
                    url::form_urlencoded::byte_serialize(self.config.client_id.as_bytes())
                        .collect();
                let secret: String =
                    url::form_urlencoded::byte_serialize(self.secret.0.as_bytes()).collect();
                Some(format!(
                    "Basic {}",
                    STANDARD.encode(format!("{id}:{secret}"))
                ))
            }
            ClientAuth::Post => {
                form.append_pair("client_id", &self.config.client_id)
                    .append_pair("client_secret", &self.secret.0);
                None
            }
        };
        (form.finish(), basic)
    }

    /// Start a browser sign-in that returns to `return_to` (a local path; `/` if `None`).
    ///
    /// # Errors
    /// `return_to` is not a local path, the random source failed, or the pending-login store did.
    pub async fn start_login(&self, return_to: Option<&str>) -> Result<LoginStart, LoginError> {
        let return_to = local_path(return_to.unwrap_or("/")).ok_or(LoginError::BadReturnPath)?;
        let fresh = || random_token().map_err(|_| LoginError::Random);
        let (state, nonce, verifier, binding) = (fresh()?, fresh()?, fresh()?, fresh()?);
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256(&verifier));

        let mut url = self.metadata.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", self.config.redirect_uri.as_str())
            .append_pair("scope", &self.config.scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("resource", &self.config.audience);

        let pending = PendingLogin {
            nonce,
            pkce_verifier: verifier,
            binding_sha256: sha256(&binding),
            return_to,
            expires_at: self.clock.now() + PENDING_LOGIN_TTL,
        };
        self.pending.put(sha256(&state), pending).await?;
        Ok(LoginStart {
            authorize_url: url,
            binding,
        })
    }

    /// Finish a browser sign-in at the callback: `query` is the callback URL's query string and
    /// `binding` the sign-in cookie's value. Checks the state (single use, not expired, this
    /// browser's), the issuer, exchanges the code (with the PKCE verifier and client
    /// authentication) and validates the ID token (signature, issuer, `aud` = client id, expiry,
    /// nonce) before mapping its claims.
    ///
    /// The session cookie is `SameSite=Strict`, so a browser does not send it on the redirect
    /// chain that started at the provider: answer the callback with a page that navigates to
    /// [`SignIn::return_to`] (a meta refresh) rather than a 302, or the first page after sign-in
    /// looks signed out.
    ///
    /// # Errors
    /// Why the sign-in failed; the text is safe to audit.
    pub async fn finish_login(
        &self,
        query: &str,
        binding: Option<&str>,
    ) -> Result<SignIn, LoginError> {
        let callback = parse_callback(query)?;
        let state = callback
            .state
            .ok_or(LoginError::MalformedCallback("no state"))?;
        // Taken before anything else is checked: whatever happens next, this state is spent.
        let pending = self
            .pending
            .take(sha256(&state))
            .await?
            .ok_or(LoginError::UnknownState)?;
        if self.clock.now() > pending.expires_at {
            return Err(LoginError::Expired);
        }
        let bound = binding.is_some_and(|b| bool::from(sha256(b).ct_eq(&pending.binding_sha256)));
        if !bound {
            return Err(LoginError::BindingMismatch);
        }
        match &callback.iss {
            Some(iss) if iss != &self.metadata.issuer => return Err(LoginError::WrongIssuer),
            None if self.metadata.authorization_response_iss => {
                return Err(LoginError::WrongIssuer);
            }
            _ => {}
        }
        if let Some(error) = callback.error {
            return Err(LoginError::Provider(oauth_error_label(&error)));
        }
        let code = callback
            .code
            .ok_or(LoginError::MalformedCallback("no code"))?;
        if code.is_empty() || code.len() > MAX_CODE_BYTES {
            return Err(LoginError::MalformedCallback(
                "the code is empty or too long",
            ));
        }

        let (form, basic) = self.token_request(&code, &pending.pkce_verifier);
        let (status, body) = self
            .fetcher
            .post_form(
                &self.metadata.token_endpoint,
                "token endpoint",
                form,
                basic,
                MAX_TOKEN_RESPONSE_BYTES,
            )
            .await?;
        if !status.is_success() {
            let error = serde_json::from_slice::<TokenErrorResponse>(&body)
                .ok()
                .and_then(|e| e.error)
                .map_or("no error code", |e| oauth_error_label(&e));
            return Err(LoginError::CodeRefused {
                status: status.as_u16(),
                error,
            });
        }
        let tokens: TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| LoginError::BadTokenResponse("not the JSON of a token response"))?;
        let id_token = tokens
            .id_token
            .ok_or(LoginError::BadTokenResponse("no id_token"))?;

        let expect = Expect {
            issuer: &self.config.issuer,
            audience: &self.config.client_id,
            allowed: &self.config.allowed_algorithms,
            skew: self.config.clock_skew,
            kind: Kind::Id {
                nonce: &pending.nonce,
            },
        };
        let verified = token::verify(&id_token, &self.keys, self.clock.as_ref(), &expect).await?;
        let identity = self
            .claims()
            .identify(&verified.claims, &verified.subject, verified.expires)
            .map_err(TokenRefusal::from)?;
        Ok(SignIn {
            identity,
            id_token,
            access_token: tokens.access_token,
            return_to: pending.return_to,
        })
    }

    /// Where to send the browser to end its session at the provider too (RP-initiated logout):
    /// the `end_session_endpoint` with `id_token_hint`, `post_logout_redirect_uri` and
    /// `client_id`. `None` if the provider offers no such endpoint.
    pub fn logout_url(&self, id_token_hint: Option<&str>) -> Option<Url> {
        let mut url = self.metadata.end_session_endpoint.clone()?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(hint) = id_token_hint.filter(|h| h.len() <= token::MAX_TOKEN_BYTES) {
                q.append_pair("id_token_hint", hint);
            }
            q.append_pair(
                "post_logout_redirect_uri",
                self.config.post_logout_redirect_uri.as_str(),
            )
            .append_pair("client_id", &self.config.client_id);
        }
        Some(url)
    }
}
