//! A small blocking HTTP client over the host's `wasi:http/outgoing-handler`.
//!
//! The host decides which origins a connector may call (the force's grant; typically the origin
//! of the `endpoint` configuration value it gave); a call anywhere else fails with
//! [`HttpError::Denied`]. The host also caps each request's timeouts (5 s to connect, 8 s to the
//! first byte, 5 s between bytes): a connector may ask for shorter ones, never longer.
//!
//! ```no_run
//! use interop_sdk::http::Request;
//! # fn demo() -> Result<(), interop_sdk::ConnectorError> {
//! let status: serde_json::Value = Request::get("https://rms.example.invalid/api/status")
//!     .header("Accept", "application/json")
//!     .query("verbose", "yes")
//!     .send()?
//!     .error_for_status()?
//!     .json()?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use crate::types::ConnectorError;

/// Response bodies larger than this fail with [`HttpError::TooLarge`] unless the request sets
/// its own cap. 8 MiB holds any sensible page of search results while keeping a connector's
/// memory (which the host also caps) safe from a vendor that streams without end.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Default time to establish a connection. Vendor systems sit on force networks, close by.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default time from sending the request to the first response byte: a search in a large RMS
/// can take seconds, but an officer waiting longer than this is better told it is unavailable.
pub const DEFAULT_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(8);

/// Default longest pause between two chunks of the response body.
pub const DEFAULT_BETWEEN_BYTES_TIMEOUT: Duration = Duration::from_secs(5);

/// Bytes written to the request body stream per call; `wasi:io` guarantees 4096.
const WRITE_CHUNK: usize = 4096;

/// Bytes asked for per read of the response body.
const READ_CHUNK: u64 = 64 * 1024;

/// Why an HTTP exchange failed before a status could be read, or while reading the body.
///
/// Converts into a [`ConnectorError`] with `?`: see the `From` impl for the mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The URL could not be parsed, or is not `http`/`https`.
    InvalidUrl(String),
    /// A header name or value the host rejected.
    InvalidHeader(String),
    /// The host's policy does not allow this destination.
    Denied(String),
    /// The vendor did not connect or answer in time.
    Timeout(String),
    /// Connection refused, DNS failure, reset, TLS failure, malformed response, …
    Transport(String),
    /// The response body exceeded the request's cap.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::InvalidUrl(m) => write!(f, "invalid URL: {m}"),
            HttpError::InvalidHeader(m) => write!(f, "invalid header: {m}"),
            HttpError::Denied(m) => write!(f, "outbound request denied: {m}"),
            HttpError::Timeout(m) => write!(f, "timed out: {m}"),
            HttpError::Transport(m) => write!(f, "transport failure: {m}"),
            HttpError::TooLarge { limit } => {
                write!(f, "response body larger than {limit} bytes")
            }
        }
    }
}

impl std::error::Error for HttpError {}

/// - transport failures and timeouts → `unavailable` (transient, retry later);
/// - an invalid URL → `invalid-input` (the configured endpoint is wrong);
/// - a denied destination, a bad header or an oversized body → `internal` (a connector or
///   policy fault that retrying will not fix).
impl From<HttpError> for ConnectorError {
    fn from(e: HttpError) -> Self {
        let message = e.to_string();
        match e {
            HttpError::Timeout(_) | HttpError::Transport(_) => ConnectorError::Unavailable(message),
            HttpError::InvalidUrl(_) => ConnectorError::InvalidInput(message),
            HttpError::Denied(_) | HttpError::InvalidHeader(_) | HttpError::TooLarge { .. } => {
                ConnectorError::Internal(message)
            }
        }
    }
}

/// HTTP methods the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

/// A URL split the way `wasi:http` wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `true` for `https`.
    pub https: bool,
    /// `host[:port]`, without user information.
    pub authority: String,
    /// Path and query, starting with `/`; the fragment is dropped.
    pub path_and_query: String,
}

impl Url {
    /// Parses an absolute `http://` or `https://` URL.
    ///
    /// # Errors
    ///
    /// [`HttpError::InvalidUrl`] for another scheme, an empty host, user information
    /// (`user@host`), whitespace or control characters.
    pub fn parse(url: &str) -> Result<Url, HttpError> {
        let bad = |why: &str| HttpError::InvalidUrl(format!("{why}: {:?}", truncate(url, 200)));
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("whitespace or control character"));
        }
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(bad("scheme is not http or https")),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(split);
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        if authority.contains('@') {
            return Err(bad("user information is not allowed"));
        }
        if let Some((host, port)) = authority.rsplit_once(':')
            && !host.ends_with(']')
            && !host.is_empty()
            && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad("bad port"));
        }
        let path_and_query = match path_and_query {
            "" => "/".to_string(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_string(),
        };
        Ok(Url {
            https,
            authority: authority.to_string(),
            path_and_query,
        })
    }
}

/// Joins a configured base URL and a path, with exactly one `/` between them, so a base URL
/// may or may not end in `/` and may carry a path prefix of its own.
///
/// ```
/// use interop_sdk::http::join;
/// assert_eq!(join("http://h:1/prefix/", "/api/v2"), "http://h:1/prefix/api/v2");
/// assert_eq!(join("http://h:1", "api/v2"), "http://h:1/api/v2");
/// ```
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Percent-encodes a query-string or path component: everything but the RFC 3986 unreserved
/// characters `A–Z a–z 0–9 - . _ ~` is written as `%XX` of its UTF-8 bytes.
///
/// ```
/// assert_eq!(interop_sdk::http::percent_encode("O'Neil & co/1"), "O%27Neil%20%26%20co%2F1");
/// ```
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An HTTP request being built. Nothing is sent until [`Request::send`].
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    connect_timeout: Duration,
    first_byte_timeout: Duration,
    between_bytes_timeout: Duration,
    max_response_bytes: usize,
}

impl Request {
    /// A request with any method.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            first_byte_timeout: DEFAULT_FIRST_BYTE_TIMEOUT,
            between_bytes_timeout: DEFAULT_BETWEEN_BYTES_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// A GET request.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::Get, url)
    }

    /// A POST request with a body.
    pub fn post(url: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Self::new(Method::Post, url).body(body)
    }

    /// Adds a header (names are case-insensitive; adding one twice sends both).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Appends `name=value` to the query string, percent-encoding both.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        self.url.push_str(&format!(
            "{sep}{}={}",
            percent_encode(name),
            percent_encode(value)
        ));
        self
    }

    /// Appends `name=value` to the query string when `value` is present.
    pub fn query_opt(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        // Serialising plain data structures to a Vec cannot fail; a `Serialize` impl that
        // errors on purpose sends an empty body, which the vendor will reject.
        let body = serde_json::to_vec(value).unwrap_or_default();
        self.header("Content-Type", "application/json").body(body)
    }

    /// Sets the connect, first-byte and between-bytes timeouts at once.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self.first_byte_timeout = timeout;
        self.between_bytes_timeout = timeout;
        self
    }

    /// Caps the response body size (default [`DEFAULT_MAX_RESPONSE_BYTES`]).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The URL as it will be sent, query included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends the request and reads the whole response, blocking until done.
    ///
    /// # Errors
    ///
    /// Any [`HttpError`]. An HTTP error status is not an error here: check it with
    /// [`Response::error_for_status`].
    pub fn send(self) -> Result<Response, HttpError> {
        let url = Url::parse(&self.url)?;
        wasi_client::send(self, url)
    }
}

/// A complete HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase, as `wasi:http` gives them) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, at most the request's cap.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as JSON.
    ///
    /// # Errors
    ///
    /// `internal` naming the parse error when the vendor sent something else.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ConnectorError::Internal(format!(
                "vendor sent unexpected JSON (HTTP {}): {e}",
                self.status
            ))
        })
    }

    /// Passes a 2xx response through and turns any other status into a [`ConnectorError`]
    /// with [`status_error`], quoting the start of the body.
    ///
    /// # Errors
    ///
    /// See [`status_error`].
    pub fn error_for_status(self) -> Result<Response, ConnectorError> {
        self.error_for_status_with(|r| r.text())
    }

    /// Like [`Response::error_for_status`], with the error detail taken from the body by
    /// `detail` (e.g. the `error` field of a JSON error body).
    ///
    /// # Errors
    ///
    /// See [`status_error`].
    pub fn error_for_status_with(
        self,
        detail: impl FnOnce(&Response) -> String,
    ) -> Result<Response, ConnectorError> {
        if self.is_success() {
            return Ok(self);
        }
        Err(status_error(self.status, &detail(&self)))
    }
}

/// The contract error for a vendor's HTTP error status:
///
/// | status | error |
/// |---|---|
/// | 404, 410 | `not-found` |
/// | 401, 403 | `unauthorized` |
/// | 400, 422 | `invalid-input` |
/// | 408, 429, 5xx | `unavailable` |
/// | anything else | `internal` |
///
/// `detail` comes from the vendor: it is cut to 200 characters and control characters are
/// replaced, so it can go in front of a user safely.
pub fn status_error(status: u16, detail: &str) -> ConnectorError {
    let detail = sanitise(detail);
    let message = if detail.is_empty() {
        format!("vendor answered HTTP {status}")
    } else {
        format!("vendor answered HTTP {status}: {detail}")
    };
    match status {
        404 | 410 => ConnectorError::NotFound(message),
        401 | 403 => ConnectorError::Unauthorized(message),
        400 | 422 => ConnectorError::InvalidInput(message),
        408 | 429 | 500..=599 => ConnectorError::Unavailable(message),
        _ => ConnectorError::Internal(message),
    }
}

fn sanitise(detail: &str) -> String {
    let cleaned: String = detail
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    truncate(&cleaned, 200)
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

mod wasi_client {
    //! The `wasi:http` plumbing behind [`super::Request::send`].

    use super::{HttpError, Method, READ_CHUNK, Request, Response, Url, WRITE_CHUNK};
    use crate::bindings::wasi::http::outgoing_handler;
    use crate::bindings::wasi::http::types::{
        ErrorCode, Fields, IncomingBody, Method as WasiMethod, OutgoingBody, OutgoingRequest,
        RequestOptions, Scheme,
    };
    use crate::bindings::wasi::io::streams::StreamError;

    pub(super) fn send(request: Request, url: Url) -> Result<Response, HttpError> {
        let headers = Fields::new();
        for (name, value) in &request.headers {
            headers
                .append(name, value.as_bytes())
                .map_err(|e| HttpError::InvalidHeader(format!("{name}: {e:?}")))?;
        }
        // The whole body is known: say its length, so the request is not sent chunked (many
        // vendor servers and proxies handle chunked request bodies badly, or not at all).
        let has_body = !request.body.is_empty()
            || matches!(request.method, Method::Post | Method::Put | Method::Patch);
        if has_body
            && !request
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        {
            headers
                .append("content-length", request.body.len().to_string().as_bytes())
                .map_err(|e| HttpError::InvalidHeader(format!("content-length: {e:?}")))?;
        }
        let outgoing = OutgoingRequest::new(headers);
        let method = match request.method {
            Method::Get => WasiMethod::Get,
            Method::Post => WasiMethod::Post,
            Method::Put => WasiMethod::Put,
            Method::Patch => WasiMethod::Patch,
            Method::Delete => WasiMethod::Delete,
        };
        let invalid = |what: &str| HttpError::InvalidUrl(format!("host rejected the {what}"));
        outgoing
            .set_method(&method)
            .map_err(|()| invalid("method"))?;
        let scheme = if url.https {
            Scheme::Https
        } else {
            Scheme::Http
        };
        outgoing
            .set_scheme(Some(&scheme))
            .map_err(|()| invalid("scheme"))?;
        outgoing
            .set_authority(Some(&url.authority))
            .map_err(|()| invalid("authority"))?;
        outgoing
            .set_path_with_query(Some(&url.path_and_query))
            .map_err(|()| invalid("path"))?;

        let options = RequestOptions::new();
        // A host that does not support a timeout refuses to set it; its own limits apply then.
        let nanos = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let _ = options.set_connect_timeout(Some(nanos(request.connect_timeout)));
        let _ = options.set_first_byte_timeout(Some(nanos(request.first_byte_timeout)));
        let _ = options.set_between_bytes_timeout(Some(nanos(request.between_bytes_timeout)));

        let body = outgoing
            .body()
            .map_err(|()| HttpError::Transport("request body already taken".into()))?;
        let pending = outgoing_handler::handle(outgoing, Some(options)).map_err(map_error)?;
        write_body(&body, &request.body)?;
        OutgoingBody::finish(body, None).map_err(map_error)?;

        let response = loop {
            match pending.get() {
                Some(result) => break result,
                None => pending.subscribe().block(),
            }
        };
        let response = response
            .map_err(|()| HttpError::Transport("response already taken".into()))?
            .map_err(map_error)?;

        let status = response.status();
        let headers = response
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| (n, String::from_utf8_lossy(&v).into_owned()))
            .collect::<Vec<_>>();
        let limit = request.max_response_bytes;
        if let Some(len) = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<u64>().ok())
            && len > limit as u64
        {
            return Err(HttpError::TooLarge { limit });
        }

        let incoming = response
            .consume()
            .map_err(|()| HttpError::Transport("response body already taken".into()))?;
        let body = read_body(&incoming, limit)?;
        drop(IncomingBody::finish(incoming));
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn write_body(body: &OutgoingBody, bytes: &[u8]) -> Result<(), HttpError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let stream = body
            .write()
            .map_err(|()| HttpError::Transport("request body stream already taken".into()))?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| stream_error("writing the request body", e))?;
        }
        Ok(())
    }

    fn read_body(body: &IncomingBody, limit: usize) -> Result<Vec<u8>, HttpError> {
        let stream = body
            .stream()
            .map_err(|()| HttpError::Transport("response body stream already taken".into()))?;
        let mut out = Vec::new();
        loop {
            match stream.blocking_read(READ_CHUNK) {
                Ok(chunk) => {
                    if out.len() + chunk.len() > limit {
                        return Err(HttpError::TooLarge { limit });
                    }
                    out.extend_from_slice(&chunk);
                }
                Err(StreamError::Closed) => return Ok(out),
                Err(e) => return Err(stream_error("reading the response body", e)),
            }
        }
    }

    fn stream_error(doing: &str, e: StreamError) -> HttpError {
        match e {
            StreamError::Closed => HttpError::Transport(format!("{doing}: stream closed")),
            StreamError::LastOperationFailed(err) => {
                match crate::bindings::wasi::http::types::http_error_code(&err) {
                    Some(code) => map_error(code),
                    None => HttpError::Transport(format!("{doing}: {}", err.to_debug_string())),
                }
            }
        }
    }

    fn map_error(code: ErrorCode) -> HttpError {
        let message = describe(&code);
        match code {
            ErrorCode::HttpRequestDenied => HttpError::Denied(message),
            ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::ConnectionWriteTimeout
            | ErrorCode::HttpResponseTimeout => HttpError::Timeout(message),
            ErrorCode::HttpResponseBodySize(_) => HttpError::TooLarge {
                limit: super::DEFAULT_MAX_RESPONSE_BYTES,
            },
            _ => HttpError::Transport(message),
        }
    }

    /// What went wrong, in words an operator or an officer reads in a banner ("connection
    /// refused"), not the binding's debug form (`ErrorCode::ConnectionRefused`). Text the host
    /// attaches to a code is cut to 200 characters.
    pub(super) fn describe(code: &ErrorCode) -> String {
        let detail = |what: &str, more: Option<String>| match more {
            Some(more) if !more.is_empty() => format!("{what} ({})", super::truncate(&more, 200)),
            _ => what.to_string(),
        };
        let size = |what: &str, limit: Option<u64>| match limit {
            Some(limit) => format!("{what} (limit {limit})"),
            None => what.to_string(),
        };
        let field =
            |what: &str, f: Option<&crate::bindings::wasi::http::types::FieldSizePayload>| {
                detail(what, f.and_then(|f| f.field_name.clone()))
            };
        match code {
            ErrorCode::DnsTimeout => "name lookup timed out".into(),
            ErrorCode::DnsError(p) => detail("name lookup failed", p.rcode.clone()),
            ErrorCode::DestinationNotFound => "destination not found".into(),
            ErrorCode::DestinationUnavailable => "destination unavailable".into(),
            ErrorCode::DestinationIpProhibited => "destination address prohibited".into(),
            ErrorCode::DestinationIpUnroutable => "destination address unroutable".into(),
            ErrorCode::ConnectionRefused => "connection refused".into(),
            ErrorCode::ConnectionTerminated => "connection closed by the vendor".into(),
            ErrorCode::ConnectionTimeout => "connecting timed out".into(),
            ErrorCode::ConnectionReadTimeout => "reading from the vendor timed out".into(),
            ErrorCode::ConnectionWriteTimeout => "writing to the vendor timed out".into(),
            ErrorCode::ConnectionLimitReached => "too many connections to the vendor".into(),
            ErrorCode::TlsProtocolError => "TLS protocol error".into(),
            ErrorCode::TlsCertificateError => "the vendor's TLS certificate was refused".into(),
            ErrorCode::TlsAlertReceived(p) => {
                detail("TLS alert from the vendor", p.alert_message.clone())
            }
            ErrorCode::HttpRequestDenied => "denied by the connector's policy".into(),
            ErrorCode::HttpRequestLengthRequired => "the vendor requires a request length".into(),
            ErrorCode::HttpRequestBodySize(n) => size("request body too large", *n),
            ErrorCode::HttpRequestMethodInvalid => "request method invalid".into(),
            ErrorCode::HttpRequestUriInvalid => "request URL invalid".into(),
            ErrorCode::HttpRequestUriTooLong => "request URL too long".into(),
            ErrorCode::HttpRequestHeaderSectionSize(n) => {
                size("request headers too large", n.map(u64::from))
            }
            ErrorCode::HttpRequestHeaderSize(f) => field("request header too large", f.as_ref()),
            ErrorCode::HttpRequestTrailerSectionSize(n) => {
                size("request trailers too large", n.map(u64::from))
            }
            ErrorCode::HttpRequestTrailerSize(f) => field("request trailer too large", Some(f)),
            ErrorCode::HttpResponseIncomplete => "the vendor's answer was cut short".into(),
            ErrorCode::HttpResponseHeaderSectionSize(n) => {
                size("answer headers too large", n.map(u64::from))
            }
            ErrorCode::HttpResponseHeaderSize(f) => field("answer header too large", Some(f)),
            ErrorCode::HttpResponseBodySize(n) => size("answer body too large", *n),
            ErrorCode::HttpResponseTrailerSectionSize(n) => {
                size("answer trailers too large", n.map(u64::from))
            }
            ErrorCode::HttpResponseTrailerSize(f) => field("answer trailer too large", Some(f)),
            ErrorCode::HttpResponseTransferCoding(c) => {
                detail("answer transfer coding not understood", c.clone())
            }
            ErrorCode::HttpResponseContentCoding(c) => {
                detail("answer content coding not understood", c.clone())
            }
            ErrorCode::HttpResponseTimeout => "the vendor did not answer in time".into(),
            ErrorCode::HttpUpgradeFailed => "HTTP upgrade failed".into(),
            ErrorCode::HttpProtocolError => "HTTP protocol error".into(),
            ErrorCode::LoopDetected => "request loop detected".into(),
            ErrorCode::ConfigurationError => "host HTTP configuration error".into(),
            ErrorCode::InternalError(m) => detail("host HTTP error", m.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_read_as_words() {
        use crate::bindings::wasi::http::types::{DnsErrorPayload, ErrorCode, FieldSizePayload};
        let refused = wasi_client::describe(&ErrorCode::ConnectionRefused);
        assert_eq!(refused, "connection refused");
        assert_eq!(
            wasi_client::describe(&ErrorCode::DnsError(DnsErrorPayload {
                rcode: Some("NXDOMAIN".into()),
                info_code: None
            })),
            "name lookup failed (NXDOMAIN)"
        );
        assert_eq!(
            wasi_client::describe(&ErrorCode::HttpResponseBodySize(Some(1024))),
            "answer body too large (limit 1024)"
        );
        let long = wasi_client::describe(&ErrorCode::HttpResponseHeaderSize(FieldSizePayload {
            field_name: Some("x".repeat(1000)),
            field_size: None,
        }));
        assert!(long.chars().count() < 260, "{long}");
        assert!(!refused.contains("ErrorCode"));
        // What a search that met a closed port says, end to end through the SDK's own error.
        let e: ConnectorError = HttpError::Transport(refused).into();
        assert!(
            matches!(&e, ConnectorError::Unavailable(m) if m == "transport failure: connection refused")
        );
    }

    #[test]
    fn parses_urls() {
        let u = Url::parse("https://rms.example.invalid:8443/api/v2?x=1#frag").unwrap();
        assert!(u.https);
        assert_eq!(u.authority, "rms.example.invalid:8443");
        assert_eq!(u.path_and_query, "/api/v2?x=1");
        let u = Url::parse("HTTP://127.0.0.1:9000").unwrap();
        assert!(!u.https);
        assert_eq!(u.path_and_query, "/");
        let u = Url::parse("http://h?q=1").unwrap();
        assert_eq!(u.authority, "h");
        assert_eq!(u.path_and_query, "/?q=1");
        let u = Url::parse("http://[::1]:8080/x").unwrap();
        assert_eq!(u.authority, "[::1]:8080");
        for bad in [
            "ftp://h/",
            "h/x",
            "http:///x",
            "http://u:p@h/",
            "http://h:/",
            "http://h:8x/",
            "http://h/a b",
            "http://h/\n",
            "",
        ] {
            assert!(
                matches!(Url::parse(bad), Err(HttpError::InvalidUrl(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn builds_query_strings() {
        let r = Request::get("http://h/api")
            .query("surname", "O'Neil")
            .query_opt("dob", None)
            .query_opt("q", Some("12 Road"));
        assert_eq!(r.url(), "http://h/api?surname=O%27Neil&q=12%20Road");
        let r = Request::get("http://h/api?a=1").query("é", "ü");
        assert_eq!(r.url(), "http://h/api?a=1&%C3%A9=%C3%BC");
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
    }

    #[test]
    fn maps_statuses() {
        assert!(matches!(
            status_error(404, "x"),
            ConnectorError::NotFound(_)
        ));
        assert!(matches!(
            status_error(401, ""),
            ConnectorError::Unauthorized(_)
        ));
        assert!(matches!(
            status_error(403, ""),
            ConnectorError::Unauthorized(_)
        ));
        assert!(matches!(
            status_error(400, ""),
            ConnectorError::InvalidInput(_)
        ));
        assert!(matches!(
            status_error(503, ""),
            ConnectorError::Unavailable(_)
        ));
        assert!(matches!(
            status_error(429, ""),
            ConnectorError::Unavailable(_)
        ));
        assert!(matches!(status_error(302, ""), ConnectorError::Internal(_)));
        assert!(matches!(status_error(418, ""), ConnectorError::Internal(_)));
        let ConnectorError::NotFound(m) = status_error(404, "a\u{1b}[31mb\nc") else {
            panic!()
        };
        assert_eq!(m, "vendor answered HTTP 404: a [31mb c");
        let ConnectorError::Internal(m) = status_error(418, &"x".repeat(500)) else {
            panic!()
        };
        assert!(m.chars().count() < 240);
    }

    #[test]
    fn error_for_status_passes_success() {
        let ok = Response {
            status: 201,
            headers: vec![("content-type".into(), "application/json".into())],
            body: b"{\"a\":1}".to_vec(),
        };
        assert_eq!(ok.header("Content-Type"), Some("application/json"));
        let v: serde_json::Value = ok.clone().error_for_status().unwrap().json().unwrap();
        assert_eq!(v["a"], 1);
        let bad = Response { status: 500, ..ok };
        assert!(matches!(
            bad.error_for_status(),
            Err(ConnectorError::Unavailable(_))
        ));
    }

    #[test]
    fn http_errors_map_to_contract_errors() {
        let e: ConnectorError = HttpError::Timeout("t".into()).into();
        assert!(matches!(e, ConnectorError::Unavailable(_)));
        let e: ConnectorError = HttpError::Transport("refused".into()).into();
        assert!(matches!(e, ConnectorError::Unavailable(_)));
        let e: ConnectorError = HttpError::InvalidUrl("u".into()).into();
        assert!(matches!(e, ConnectorError::InvalidInput(_)));
        let e: ConnectorError = HttpError::TooLarge { limit: 1 }.into();
        assert!(matches!(e, ConnectorError::Internal(_)));
    }
}
