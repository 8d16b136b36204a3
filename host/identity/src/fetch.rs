//! Requests to the provider: discovery, keys, the token endpoint. The provider is trusted, but
//! every request has timeouts and every response a size cap, so a broken or hijacked provider
//! cannot hang the gateway or fill its memory.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

/// Connecting to the provider takes milliseconds on a working network; five seconds is a
/// provider that is down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A whole request, connection to last byte: a sign-in waits on this, and a person gives up
/// long before ten seconds.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest CA file read: a bundle of a few hundred certificates.
const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// A request to the provider failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No response: connection refused, timeout, TLS failure.
    #[error("{what}: no response from the provider: {reason}")]
    Unreachable {
        /// What was fetched.
        what: &'static str,
        /// Why, in reqwest's words (no response content).
        reason: String,
    },
    /// The response was not 200.
    #[error("{what}: the provider answered HTTP {status}")]
    Status {
        /// What was fetched.
        what: &'static str,
        /// The status.
        status: u16,
    },
    /// The response was larger than its cap.
    #[error("{what}: the response is larger than {cap} bytes")]
    TooLarge {
        /// What was fetched.
        what: &'static str,
        /// The cap.
        cap: usize,
    },
    /// The response was not the JSON expected.
    #[error("{what}: the response is not valid: {reason}")]
    Invalid {
        /// What was fetched.
        what: &'static str,
        /// The parser's message (bounded).
        reason: String,
    },
}

/// The TLS setup for the provider could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The CA file could not be read.
    #[error("{path}: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// rustls or reqwest refused the configuration.
    #[error("TLS client: {0}")]
    Client(String),
}

fn bounded_reason(e: &dyn std::fmt::Display) -> String {
    // Messages from the HTTP and JSON layers are short, but never trust that blindly: they end
    // up in logs and audit details.
    let s = e.to_string();
    if s.len() <= 200 {
        s
    } else {
        format!("{}…", s.chars().take(200).collect::<String>())
    }
}

/// The HTTP client the crate talks to the provider with.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
}

fn root_store(ca_file: Option<&Path>) -> Result<rustls::RootCertStore, TlsSetupError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let mut roots = rustls::RootCertStore::empty();
    let Some(path) = ca_file else {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(roots);
    };
    let fail = |reason: String| TlsSetupError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.len() > MAX_CA_FILE_BYTES {
        return Err(fail(format!("larger than {MAX_CA_FILE_BYTES} bytes")));
    }
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| fail(format!("not PEM certificates: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| fail(format!("a certificate rustls refuses: {e}")))?;
    }
    if roots.is_empty() {
        return Err(fail("holds no certificate".into()));
    }
    Ok(roots)
}

impl Fetcher {
    /// A client trusting the public web roots, or only the CAs in `ca_file`.
    pub(crate) fn new(ca_file: Option<&Path>) -> Result<Self, TlsSetupError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::Client(e.to_string()))?
            .with_root_certificates(root_store(ca_file)?)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // The provider's endpoints are discovered, not followed: a redirect is an error.
            .redirect(reqwest::redirect::Policy::none())
            // No idle connections kept: the gateway talks to the provider a few times per
            // sign-in and every 15 minutes for keys, and a kept connection the provider closed
            // meanwhile (a restart, a load balancer's idle timeout) fails the next request,
            // which for the single-use code exchange cannot be retried.
            .pool_max_idle_per_host(0)
            .no_proxy()
            .user_agent(concat!("interop-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TlsSetupError::Client(e.to_string()))?;
        Ok(Self { client })
    }

    async fn body(
        mut response: reqwest::Response,
        what: &'static str,
        cap: usize,
    ) -> Result<Vec<u8>, FetchError> {
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(FetchError::TooLarge { what, cap });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::Unreachable {
                what,
                reason: bounded_reason(&e),
            })?
        {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge { what, cap });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// GET `url` and parse its JSON body, at most `cap` bytes.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        url: &Url,
        what: &'static str,
        cap: usize,
    ) -> Result<T, FetchError> {
        let response = self
            .client
            .get(url.as_str())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| FetchError::Unreachable {
                what,
                reason: bounded_reason(&e),
            })?;
        let status = response.status();
        if status != StatusCode::OK {
            return Err(FetchError::Status {
                what,
                status: status.as_u16(),
            });
        }
        let body = Self::body(response, what, cap).await?;
        serde_json::from_slice(&body).map_err(|e| FetchError::Invalid {
            what,
            reason: bounded_reason(&e),
        })
    }

    /// POST a form to `url` (with HTTP Basic credentials if given); the status and body, at most
    /// `cap` bytes.
    pub(crate) async fn post_form(
        &self,
        url: &Url,
        what: &'static str,
        form: String,
        basic: Option<String>,
        cap: usize,
    ) -> Result<(StatusCode, Vec<u8>), FetchError> {
        let mut request = self
            .client
            .post(url.as_str())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(form);
        if let Some(basic) = basic {
            request = request.header(reqwest::header::AUTHORIZATION, basic);
        }
        let response = request.send().await.map_err(|e| FetchError::Unreachable {
            what,
            reason: bounded_reason(&e),
        })?;
        let status = response.status();
        Ok((status, Self::body(response, what, cap).await?))
    }
}
