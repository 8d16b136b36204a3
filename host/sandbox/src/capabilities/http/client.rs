//! The outbound HTTP client: the host makes every request a connector asks for, itself.
//!
//! Each rule stops one thing a hostile or broken connector, vendor or network could do:
//!
//! | rule | stops |
//! |---|---|
//! | origin checked against the allow-list before any DNS | calling servers the force never granted; leaking which names a connector looks up |
//! | every resolved address checked, connection made to that address | SSRF to loopback, the metadata service, internal nets; DNS rebinding between check and connect |
//! | every redirect hop checked again, at most [`MAX_REDIRECTS`] | a granted vendor bouncing the host to an internal address or an ungranted origin |
//! | credentials dropped on a cross-origin hop | a vendor's redirect forwarding the connector's API key to someone else |
//! | one `host` header equal to the URL authority | virtual-host confusion: a request checked for one origin but served as another |
//! | connect, first-byte, between-bytes and total timeouts | a slow or trickling upstream holding a call (and its instance slot) past its budget |
//! | response cap and boundary meter on every body byte | a vendor (or attacker) exhausting host memory through the guest |
//! | a pool per loaded connector | one connector's connections being reused for another's requests |

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep, timeout_at};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use super::address::{PrivateExceptions, classify};
use super::allow::AllowList;
use super::resolve::Resolve;
use crate::limits::BoundaryMeter;

/// Largest response body one request may return. Vendor API pages are kilobytes and a scanned
/// document a few MiB; 8 MiB keeps one response well inside the call's boundary budget (16 MiB
/// by default) and the guest's memory cap, so a vendor streaming without end is cut off early.
pub const MAX_RESPONSE_BODY_BYTES: u64 = 8 << 20;

/// Most redirects followed for one request. Real APIs redirect once or twice (http→https, a
/// moved path); five allows a chain of those while stopping a loop quickly.
pub const MAX_REDIRECTS: usize = 5;

/// Response headers larger than this are refused: vendor APIs send a few hundred bytes, and
/// this bounds what the host buffers before any body byte is charged.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;

/// An idle pooled connection is closed after this long: long enough to serve the next call of
/// a busy connector, short enough not to hold sockets (and vendor server slots) for nothing.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle connections kept per origin unless [`Outbound::keep_idle`] says otherwise: enough for
/// the default concurrency limit.
const DEFAULT_IDLE_PER_ORIGIN: usize = crate::Limits::DEFAULT_MAX_CONCURRENT as usize;

/// Connecting (DNS, TCP and TLS) to a vendor on a healthy network takes milliseconds; five
/// seconds covers a slow TLS handshake without eating the whole call budget.
const CONNECT_CEILING: Duration = Duration::from_secs(5);
/// A vendor that has not started answering after eight seconds will not help an officer in time.
const FIRST_BYTE_CEILING: Duration = Duration::from_secs(8);
/// Gap allowed between two chunks of one response body.
const BETWEEN_BYTES_CEILING: Duration = Duration::from_secs(5);

/// What a force lets one connector reach over the network. The default denies everything.
#[derive(Debug, Clone, Default)]
pub struct NetGrant {
    /// Origins the connector may call.
    pub allow: AllowList,
    /// Non-public nets it may reach anyway (an RMS on the force's own network).
    pub private: PrivateExceptions,
    /// Certificate authorities trusted for this connector on top of the public web roots, e.g.
    /// a force's internal CA (DER-encoded). Certificates that do not parse are skipped with a
    /// warning when the connector is loaded.
    pub extra_roots: Vec<CertificateDer<'static>>,
}

/// Time limits for one outbound request. The guest may ask for shorter ones through
/// `wasi:http` request options, never longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpTimeouts {
    /// DNS, TCP connect and TLS handshake together, per new connection.
    pub connect: Duration,
    /// From the request being sent to the response head arriving.
    pub first_byte: Duration,
    /// Longest silence between two chunks of the response body.
    pub between_bytes: Duration,
    /// The whole request: every redirect hop, and reading the response body to its end.
    pub total: Duration,
}

impl HttpTimeouts {
    /// Timeouts that fit inside a call with this wall-clock budget.
    pub fn within(wall_clock: Duration) -> Self {
        HttpTimeouts {
            // A quarter of the call: a connector that cannot connect learns so while it still
            // has time to report a useful error.
            connect: CONNECT_CEILING.min(wall_clock / 4),
            // Half the call: the vendor gets most of the time to think, the guest keeps enough
            // to map the answer.
            first_byte: FIRST_BYTE_CEILING.min(wall_clock / 2),
            // A quarter: a stalled stream is given up on well before the call is killed.
            between_bytes: BETWEEN_BYTES_CEILING.min(wall_clock / 4),
            // Three quarters: a trickling upstream that never stalls long enough for the gap
            // timeout still ends with an error the guest sees, before the call's own wall clock
            // kills the instance and the guest can say nothing.
            total: wall_clock * 3 / 4,
        }
    }

    /// These timeouts, shortened where the guest asked for less.
    pub(crate) fn shortened_by(self, options: Option<RequestOptions>) -> Self {
        let shorter =
            |asked: Option<Duration>, ceiling: Duration| asked.map_or(ceiling, |d| d.min(ceiling));
        let o = options.unwrap_or_default();
        HttpTimeouts {
            connect: shorter(o.connect_timeout, self.connect),
            first_byte: shorter(o.first_byte_timeout, self.first_byte),
            between_bytes: shorter(o.between_bytes_timeout, self.between_bytes),
            total: self.total,
        }
    }
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        HttpTimeouts::within(crate::Limits::default().wall_clock)
    }
}

/// `scheme://host:port` of one request hop: the unit the allow-list speaks about and the key
/// of the connection pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Origin {
    https: bool,
    /// Lower-case, IPv6 without brackets.
    host: String,
    port: u16,
}

impl Origin {
    fn of(uri: &Uri) -> Result<Origin, Error> {
        let https = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => true,
            Some(s) if s.eq_ignore_ascii_case("http") => false,
            _ => return Err(Error::HttpRequestDenied),
        };
        let authority = uri.authority().ok_or(Error::HttpRequestUriInvalid)?;
        if authority.as_str().contains('@') {
            // Credentials in the authority would end up in the `host` header.
            return Err(Error::HttpRequestUriInvalid);
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if host.is_empty() {
            return Err(Error::HttpRequestUriInvalid);
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        Ok(Origin { https, host, port })
    }

    fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    fn literal_ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "{}://[{}]:{}", self.scheme(), self.host, self.port)
        } else {
            write!(f, "{}://{}:{}", self.scheme(), self.host, self.port)
        }
    }
}

/// One loaded connector's outbound HTTP: its grant, resolver, TLS trust and connection pool.
/// Shared by all of the connector's calls, so connections are reused between them and never
/// with another connector.
pub(crate) struct Outbound {
    label: String,
    allow: AllowList,
    private: PrivateExceptions,
    resolver: Arc<dyn Resolve>,
    tls: tokio_rustls::TlsConnector,
    pool: Arc<Mutex<Pool>>,
    /// The requests a second this connector may make, all its calls together, if bounded.
    rate: Option<Mutex<Rate>>,
}

/// A token bucket: up to one second's worth of requests may go at once, then one every
/// `1/per_second`.
struct Rate {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl Rate {
    fn new(per_second: u32) -> Rate {
        Rate {
            per_second: f64::from(per_second.max(1)),
            tokens: f64::from(per_second.max(1)),
            refilled: Instant::now(),
        }
    }

    /// Take a token now, or say how long until one is there.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_second,
            ))
        }
    }
}

impl Outbound {
    /// The client for connector `label` (used in logs) with this grant and resolver.
    pub(crate) fn new(label: String, grant: NetGrant, resolver: Arc<dyn Resolve>) -> Self {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let (_, ignored) = roots.add_parsable_certificates(grant.extra_roots);
        if ignored > 0 {
            tracing::warn!(plugin = %label, "{ignored} extra root certificate(s) in the grant do not parse and are not trusted");
        }
        // ring, as wasmtime-wasi-http uses: one crypto provider in the binary.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Outbound {
            label,
            allow: grant.allow,
            private: grant.private,
            resolver,
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            pool: Arc::new(Mutex::new(Pool::new(DEFAULT_IDLE_PER_ORIGIN))),
            rate: None,
        }
    }

    /// At most `per_second` requests a second from this connector, all calls together.
    pub(crate) fn rate_limited(mut self, per_second: Option<u32>) -> Self {
        self.rate = per_second.map(|r| Mutex::new(Rate::new(r)));
        self
    }

    /// Wait for this connector's next turn under its rate, if it has one; fail when the turn
    /// would come after `deadline`.
    async fn await_turn(&self, deadline: Instant) -> Result<(), Error> {
        let Some(rate) = &self.rate else {
            return Ok(());
        };
        loop {
            let now = Instant::now();
            let wait = match lock(rate).take(now) {
                Ok(()) => return Ok(()),
                Err(wait) => wait,
            };
            if now + wait > deadline {
                tracing::warn!(plugin = %self.label, "outbound HTTP refused: over the connector's request rate for the rest of the call");
                return Err(Error::ConnectionLimitReached);
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Keep at most `max` idle connections per origin: the connector's concurrency limit, since
    /// a call makes one request at a time, so a connector under full load has that many in use
    /// and gets each back for its next call instead of paying a new connection (TCP and TLS
    /// handshakes, on both sides) per call. Idle ones still close after [`IDLE_TIMEOUT`].
    pub(crate) fn keep_idle(self, max: usize) -> Self {
        lock(&self.pool).max_idle = max.max(1);
        self
    }

    /// Send `request` (an absolute URI, a `host` header) and return the response, following
    /// redirects. Every error is a `wasi:http` error code for the guest.
    ///
    /// The request waits for one of `open`'s permits (the call's requests at once) and for the
    /// connector's turn under its rate, both within the call's time; its response body holds
    /// the permit until it is read to the end or dropped.
    pub(crate) async fn send(
        &self,
        request: Request<WasiBody>,
        timeouts: HttpTimeouts,
        meter: BoundaryMeter,
        open: Arc<tokio::sync::Semaphore>,
    ) -> Result<Response<WasiBody>, Error> {
        let deadline = Instant::now() + timeouts.total;
        let (parts, body) = request.into_parts();
        let mut origin = self.admit(&parts.uri)?;
        let permit = match timeout_at(deadline, open.acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(plugin = %self.label, %origin, "outbound HTTP refused: the call's other requests stayed open for the rest of its time");
                return Err(Error::ConnectionLimitReached);
            }
        };
        self.await_turn(deadline).await?;
        if !single_host_header(&parts.headers, &parts.uri) {
            tracing::warn!(plugin = %self.label, %origin, "outbound HTTP denied: the `host` header is missing, repeated or not the URL's authority");
            return Err(Error::HttpRequestDenied);
        }
        let refused = Arc::new(OnceLock::new());
        // The whole request body is read from the guest (metered, under the deadline) before
        // any connection is made: a vendor that cannot be reached is then a failed response
        // the guest can handle, never a body stream that breaks under its writes (which some
        // language runtimes cannot recover from), and a body can be replayed on a redirect.
        let metered = MeteredRequest {
            inner: body,
            meter: meter.clone(),
            sent: 0,
            refused: refused.clone(),
        };
        let bytes = match timeout_at(deadline, metered.collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(e)) => {
                tracing::warn!(plugin = %self.label, %origin, "outbound HTTP: the request body could not be read: {e}");
                return Err(e);
            }
            Err(_) => {
                tracing::warn!(plugin = %self.label, %origin, "outbound HTTP: the request body did not end within the call's time");
                return Err(Error::ConnectionWriteTimeout);
            }
        };
        let mut body = Some(
            http_body_util::Full::new(bytes)
                .map_err(|never| match never {})
                .boxed_unsync(),
        );
        let mut method = parts.method;
        let mut uri = parts.uri;
        let mut headers = parts.headers;
        let mut hops = 0;
        loop {
            tracing::debug!(plugin = %self.label, %origin, "outbound HTTP {method}");
            let body = body.take().unwrap_or_else(empty_body);
            let (response, lease) = self
                .exchange(
                    &origin, &method, &uri, &headers, body, &timeouts, deadline, &refused,
                )
                .await?;
            let Some((next_method, next_uri)) = redirect(&method, &uri, &response) else {
                return self.deliver(response, lease, &timeouts, deadline, meter, permit);
            };
            if response.body().is_end_stream() {
                lease.release();
            }
            drop(response);
            if hops == MAX_REDIRECTS {
                tracing::warn!(plugin = %self.label, %origin, "outbound HTTP: more than {MAX_REDIRECTS} redirects");
                return Err(Error::LoopDetected);
            }
            hops += 1;
            // The next hop is checked exactly like the first: allow-list now, addresses when
            // (and if) a new connection is made.
            let next_origin = self.admit(&next_uri)?;
            if next_origin != origin {
                strip_credentials(&mut headers);
            }
            let authority = next_uri
                .authority()
                .map(|a| a.as_str())
                .ok_or(Error::HttpRequestUriInvalid)?;
            headers.insert(
                header::HOST,
                HeaderValue::from_str(authority).map_err(|_| Error::HttpRequestUriInvalid)?,
            );
            // The body is never forwarded to the next hop.
            for name in [
                header::CONTENT_LENGTH,
                header::CONTENT_TYPE,
                header::CONTENT_ENCODING,
                header::TRANSFER_ENCODING,
            ] {
                headers.remove(name);
            }
            tracing::debug!(plugin = %self.label, from = %origin, to = %next_origin, "following redirect");
            method = next_method;
            uri = next_uri;
            origin = next_origin;
        }
    }

    /// The origin of `uri`, if the allow-list grants it. Runs before any DNS lookup.
    fn admit(&self, uri: &Uri) -> Result<Origin, Error> {
        let origin = Origin::of(uri).inspect_err(|_| {
            tracing::warn!(plugin = %self.label, "outbound HTTP denied: `{}` is not an http(s) URL with a host", uri.scheme_str().unwrap_or("no scheme"));
        })?;
        if !self
            .allow
            .allows(origin.scheme(), &origin.host, origin.port)
        {
            tracing::warn!(plugin = %self.label, %origin, "outbound HTTP denied: origin not in the grant");
            return Err(Error::HttpRequestDenied);
        }
        Ok(origin)
    }

    /// One request/response on a pooled or new connection to `origin`.
    #[allow(clippy::too_many_arguments)]
    async fn exchange(
        &self,
        origin: &Origin,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: WasiBody,
        timeouts: &HttpTimeouts,
        deadline: Instant,
        refused: &OnceLock<u64>,
    ) -> Result<(Response<Incoming>, Lease), Error> {
        let mut request = Request::new(body);
        *request.method_mut() = method.clone();
        // On the wire the request line carries only path and query (origin form).
        *request.uri_mut() = uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .map_err(|_| Error::HttpRequestUriInvalid)?;
        *request.headers_mut() = headers.clone();

        let fail = |e: hyper::Error| match refused.get() {
            Some(sent) => Error::HttpRequestBodySize(Some(*sent)),
            None => hyper_error(e),
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let (mut sender, pooled) = match self.checkout(origin, timeouts.connect.min(left)).await {
            Some(sender) => (sender, true),
            None => (self.connect(origin, timeouts, deadline).await?, false),
        };
        let first_byte = (Instant::now() + timeouts.first_byte).min(deadline);
        let response = match timed(first_byte, deadline, sender.try_send_request(request)).await? {
            Ok(response) => response,
            // A pooled connection the server closed while idle: the request never left, so it
            // goes once more on a fresh connection (checked like any new one).
            Err(mut e) if pooled && e.message().is_some() => {
                let request = e.take_message().expect("checked above");
                tracing::debug!(plugin = %self.label, %origin, "pooled connection was closed; reconnecting");
                sender = self.connect(origin, timeouts, deadline).await?;
                let first_byte = (Instant::now() + timeouts.first_byte).min(deadline);
                timed(first_byte, deadline, sender.send_request(request))
                    .await?
                    .map_err(fail)?
            }
            Err(e) => return Err(fail(e.into_error())),
        };
        let lease = Lease {
            pool: Arc::downgrade(&self.pool),
            origin: origin.clone(),
            sender,
        };
        Ok((response, lease))
    }

    /// Hand the final response to the guest, its body under the size cap, meter and timeouts.
    fn deliver(
        &self,
        response: Response<Incoming>,
        lease: Lease,
        timeouts: &HttpTimeouts,
        deadline: Instant,
        meter: BoundaryMeter,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<Response<WasiBody>, Error> {
        let declared = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        // hyper knows which responses have no body whatever their content-length says (HEAD,
        // 204, 304).
        if let Some(declared) = declared
            && declared > MAX_RESPONSE_BODY_BYTES
            && !response.body().is_end_stream()
        {
            tracing::warn!(plugin = %self.label, origin = %lease.origin, "response of {declared} bytes refused: over the {MAX_RESPONSE_BODY_BYTES}-byte cap");
            return Err(Error::HttpResponseBodySize(Some(declared)));
        }
        let (parts, incoming) = response.into_parts();
        let mut body = ResponseBody {
            incoming,
            lease: Some(lease),
            permit: Some(permit),
            meter,
            received: 0,
            gap: timeouts.between_bytes,
            gap_timer: Box::pin(tokio::time::sleep(timeouts.between_bytes)),
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
            done: false,
        };
        if body.incoming.is_end_stream() {
            body.finish();
        }
        Ok(Response::from_parts(parts, body.boxed_unsync()))
    }

    /// An idle connection to `origin` that is still open and ready, if the pool has one.
    async fn checkout(&self, origin: &Origin, budget: Duration) -> Option<SendRequest<WasiBody>> {
        loop {
            let idle = {
                let mut pool = lock(&self.pool);
                pool.sweep();
                pool.idle.get_mut(origin).and_then(Vec::pop)
            }?;
            let mut sender = idle.sender;
            if let Ok(Ok(())) = tokio::time::timeout(budget, sender.ready()).await {
                return Some(sender);
            }
        }
    }

    /// A new connection to `origin`: resolve, check every address, connect to a checked one,
    /// TLS for https. DNS, TCP and TLS share the connect timeout.
    async fn connect(
        &self,
        origin: &Origin,
        timeouts: &HttpTimeouts,
        deadline: Instant,
    ) -> Result<SendRequest<WasiBody>, Error> {
        let give_up = (Instant::now() + timeouts.connect).min(deadline);
        let ips = self.addresses(origin, give_up).await?;
        let tcp = connect_tcp(&ips, origin.port, give_up).await?;
        let io: Box<dyn Io> = if origin.https {
            // SNI and certificate check against the URL's host, never the address.
            let name = match origin.literal_ip() {
                Some(ip) => ServerName::IpAddress(ip.into()),
                None => ServerName::try_from(origin.host.clone())
                    .map_err(|_| Error::HttpRequestUriInvalid)?,
            };
            let tls = timeout_at(give_up, self.tls.connect(name, tcp))
                .await
                .map_err(|_| Error::ConnectionTimeout)?
                .map_err(|e| {
                    tracing::warn!(plugin = %self.label, %origin, "TLS handshake failed: {e}");
                    tls_error(e)
                })?;
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        let (sender, connection) = hyper::client::conn::http1::Builder::new()
            .max_buf_size(MAX_HEADER_BYTES)
            .handshake(TokioIo::new(io))
            .await
            .map_err(hyper_error)?;
        let label = self.label.clone();
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(plugin = %label, "outbound connection ended: {e}");
            }
        });
        Ok(sender)
    }

    /// The addresses to connect to for `origin`, every one of them public or excepted.
    async fn addresses(&self, origin: &Origin, give_up: Instant) -> Result<Vec<IpAddr>, Error> {
        let ips = match origin.literal_ip() {
            Some(ip) => vec![ip],
            None => match timeout_at(give_up, self.resolver.resolve(&origin.host)).await {
                Err(_) => {
                    tracing::warn!(plugin = %self.label, %origin, "DNS lookup timed out");
                    return Err(Error::DnsTimeout);
                }
                Ok(Err(e)) => {
                    tracing::warn!(plugin = %self.label, %origin, "DNS lookup failed: {e}");
                    return Err(Error::DnsError {
                        rcode: Some(e.to_string()),
                        info_code: None,
                    });
                }
                Ok(Ok(ips)) => ips,
            },
        };
        if ips.is_empty() {
            return Err(Error::DestinationNotFound);
        }
        // Every address, not just the first: a name answering with one public and one internal
        // address would otherwise reach the internal one whenever the public one fails.
        for ip in &ips {
            if let Some(reason) = classify(*ip)
                && !self.private.contains(*ip)
            {
                tracing::warn!(plugin = %self.label, %origin, %ip, "outbound HTTP refused: {reason}, and the grant does not except it");
                return Err(Error::DestinationIpProhibited);
            }
        }
        Ok(ips)
    }
}

/// Exactly one `host` header, equal to the URL's authority.
fn single_host_header(headers: &HeaderMap, uri: &Uri) -> bool {
    let mut values = headers.get_all(header::HOST).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return false;
    };
    uri.authority()
        .is_some_and(|a| value.as_bytes().eq_ignore_ascii_case(a.as_str().as_bytes()))
}

/// Is this a header that carries a credential, to drop when a redirect leaves the origin?
fn is_credential(name: &HeaderName) -> bool {
    *name == header::AUTHORIZATION
        || *name == header::COOKIE
        || ["key", "token", "secret", "auth"]
            .iter()
            .any(|w| name.as_str().contains(w))
}

fn strip_credentials(headers: &mut HeaderMap) {
    let doomed: Vec<HeaderName> = headers
        .keys()
        .filter(|n| is_credential(n))
        .cloned()
        .collect();
    for name in doomed {
        headers.remove(name);
    }
}

/// The method and URL to follow a redirect response with, or `None` to hand the response to the
/// guest: not a redirect, no usable `Location`, or a request whose body cannot be replayed.
fn redirect(method: &Method, base: &Uri, response: &Response<Incoming>) -> Option<(Method, Uri)> {
    let next = match response.status() {
        // "See other": fetch the result with GET; the body is not sent again.
        StatusCode::SEE_OTHER if *method == Method::HEAD => Method::HEAD,
        StatusCode::SEE_OTHER => Method::GET,
        StatusCode::MOVED_PERMANENTLY
        | StatusCode::FOUND
        | StatusCode::TEMPORARY_REDIRECT
        | StatusCode::PERMANENT_REDIRECT
            if *method == Method::GET || *method == Method::HEAD =>
        {
            method.clone()
        }
        // Other methods: the body has been streamed away and cannot be sent again, and turning
        // a POST into a GET behind the guest's back would change its meaning. The guest decides.
        _ => return None,
    };
    let location = response.headers().get(header::LOCATION)?.to_str().ok()?;
    Some((next, join(base, location)?))
}

/// Resolve a `Location` value against the URL it came from (RFC 3986 reference forms, without
/// dot-segment removal, which the server does for us).
fn join(base: &Uri, location: &str) -> Option<Uri> {
    let location = location.split('#').next()?.trim();
    if location.is_empty() {
        return None;
    }
    let scheme = base.scheme_str()?;
    let authority = base.authority()?.as_str();
    let has_scheme = location.split_once(':').is_some_and(|(s, _)| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let text = if has_scheme {
        location.to_string()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else if location.starts_with('?') {
        format!("{scheme}://{authority}{}{location}", base.path())
    } else {
        let path = base.path();
        let dir = &path[..=path.rfind('/').unwrap_or(0)];
        format!("{scheme}://{authority}{dir}{location}")
    };
    let uri: Uri = text.parse().ok()?;
    uri.authority()?;
    Some(uri)
}

/// Await `fut` until `until`; past it, a timeout error: the request's total deadline if that is
/// what passed, the first-byte timeout otherwise.
async fn timed<T>(
    until: Instant,
    deadline: Instant,
    fut: impl Future<Output = T>,
) -> Result<T, Error> {
    timeout_at(until, fut).await.map_err(|_| {
        if Instant::now() >= deadline {
            Error::HttpResponseTimeout
        } else {
            Error::ConnectionReadTimeout
        }
    })
}

async fn connect_tcp(ips: &[IpAddr], port: u16, give_up: Instant) -> Result<TcpStream, Error> {
    let mut last: Option<io::Error> = None;
    for (i, ip) in ips.iter().enumerate() {
        let now = Instant::now();
        if now >= give_up {
            break;
        }
        // Each remaining address gets a fair share of what is left, so one black-holed address
        // does not eat the time of the next.
        let left = u32::try_from(ips.len() - i).unwrap_or(u32::MAX);
        let share = (give_up - now) / left;
        match tokio::time::timeout(share, TcpStream::connect(SocketAddr::new(*ip, port))).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(e)) => last = Some(e),
            Err(_) => last = None,
        }
    }
    Err(match last {
        None => Error::ConnectionTimeout,
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => Error::ConnectionRefused,
        Some(e) => Error::Connect(e),
    })
}

fn tls_error(e: io::Error) -> Error {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(_)) => Error::TlsCertificateError,
        Some(rustls::Error::AlertReceived(alert)) => Error::TlsAlertReceived {
            alert_id: Some(u8::from(*alert)),
            alert_message: Some(format!("{alert:?}")),
        },
        Some(_) => Error::TlsProtocolError,
        None => Error::Tls(e),
    }
}

fn hyper_error(e: hyper::Error) -> Error {
    if e.is_timeout() {
        Error::HttpResponseTimeout
    } else if e.is_parse_too_large() {
        Error::HttpResponseHeaderSectionSize(None)
    } else if e.is_incomplete_message() {
        Error::HttpResponseIncomplete
    } else if e.is_parse() || e.is_parse_status() {
        Error::HttpProtocolError
    } else if e.is_canceled() || e.is_closed() {
        Error::ConnectionTerminated
    } else {
        Error::Hyper(e)
    }
}

fn empty_body() -> WasiBody {
    http_body_util::Empty::new()
        .map_err(|never| match never {})
        .boxed_unsync()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A TCP or TLS stream.
trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// Idle connections of one connector, by origin.
struct Pool {
    idle: HashMap<Origin, Vec<Idle>>,
    /// Most idle connections kept per origin; the oldest goes first.
    max_idle: usize,
    /// Whether a sweeper task is running (at most one per pool, and only while it holds any).
    sweeping: bool,
}

struct Idle {
    sender: SendRequest<WasiBody>,
    since: Instant,
}

impl Pool {
    fn new(max_idle: usize) -> Pool {
        Pool {
            idle: HashMap::new(),
            max_idle,
            sweeping: false,
        }
    }

    /// Drop connections idle too long or closed by the server.
    fn sweep(&mut self) {
        self.idle.retain(|_, list| {
            list.retain(|i| i.since.elapsed() < IDLE_TIMEOUT && !i.sender.is_closed());
            !list.is_empty()
        });
    }

    /// When the longest-idle connection reaches [`IDLE_TIMEOUT`], if any is idle.
    fn next_expiry(&self) -> Option<Instant> {
        self.idle
            .values()
            .filter_map(|list| list.first())
            .map(|i| i.since + IDLE_TIMEOUT)
            .min()
    }

    /// Keep `sender` for the next request to `origin`. Returns whether a sweeper must be
    /// started (the caller holds the lock, so it cannot start one itself).
    #[must_use]
    fn put(&mut self, origin: Origin, sender: SendRequest<WasiBody>) -> bool {
        self.sweep();
        if sender.is_closed() {
            return false;
        }
        let list = self.idle.entry(origin).or_default();
        list.push(Idle {
            sender,
            since: Instant::now(),
        });
        if list.len() > self.max_idle {
            list.remove(0);
        }
        !std::mem::replace(&mut self.sweeping, true)
    }
}

/// Close idle connections as they expire, even if no request comes to sweep the pool; one task
/// per pool, which ends when the pool is empty or gone.
fn sweep_until_empty(pool: Weak<Mutex<Pool>>) {
    tokio::spawn(async move {
        loop {
            let next = {
                let Some(pool) = pool.upgrade() else { return };
                let mut pool = lock(&pool);
                pool.sweep();
                match pool.next_expiry() {
                    Some(at) => at,
                    None => {
                        pool.sweeping = false;
                        return;
                    }
                }
            };
            tokio::time::sleep_until(next + Duration::from_millis(100)).await;
        }
    });
}

/// The connection a response arrived on, returned to the pool once its body has been read to the
/// end (a connection with unread body bytes cannot carry another request, so it is dropped).
struct Lease {
    pool: Weak<Mutex<Pool>>,
    origin: Origin,
    sender: SendRequest<WasiBody>,
}

impl Lease {
    fn release(self) {
        let Some(pool) = self.pool.upgrade() else {
            return;
        };
        if lock(&pool).put(self.origin, self.sender) {
            sweep_until_empty(self.pool);
        }
    }
}

/// The guest's request body, every byte charged to the call's boundary meter.
struct MeteredRequest {
    inner: WasiBody,
    meter: BoundaryMeter,
    sent: u64,
    /// Set to the bytes sent when the meter refuses, so the hyper error that follows can be
    /// reported to the guest as what it is.
    refused: Arc<OnceLock<u64>>,
}

impl Body for MeteredRequest {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        let frame = std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
        {
            let n = data.len() as u64;
            this.sent += n;
            if !this.meter.charge(n) {
                let _ = this.refused.set(this.sent);
                return Poll::Ready(Some(Err(Error::HttpRequestBodySize(Some(this.sent)))));
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The response body as the guest reads it: capped, metered, and under the between-bytes and
/// total timeouts.
struct ResponseBody {
    incoming: Incoming,
    lease: Option<Lease>,
    /// The call's permit for this request: given back when the body ends or is dropped.
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    meter: BoundaryMeter,
    received: u64,
    gap: Duration,
    gap_timer: Pin<Box<Sleep>>,
    deadline: Pin<Box<Sleep>>,
    done: bool,
}

impl ResponseBody {
    /// The body has been read to its end: the connection can serve another request.
    fn finish(&mut self) {
        self.done = true;
        self.permit = None;
        if let Some(lease) = self.lease.take() {
            lease.release();
        }
    }

    /// Stop with `error`; the connection, mid-body, is closed.
    fn fail(&mut self, error: Error) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        self.done = true;
        self.lease = None;
        self.permit = None;
        Poll::Ready(Some(Err(error)))
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            return this.fail(Error::HttpResponseTimeout);
        }
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let n = data.len() as u64;
                    this.received += n;
                    if this.received > MAX_RESPONSE_BODY_BYTES || !this.meter.charge(n) {
                        return this.fail(Error::HttpResponseBodySize(Some(this.received)));
                    }
                }
                let next_gap = Instant::now() + this.gap;
                this.gap_timer.as_mut().reset(next_gap);
                if this.incoming.is_end_stream() {
                    this.finish();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => this.fail(hyper_error(e)),
            Poll::Ready(None) => {
                this.finish();
                Poll::Ready(None)
            }
            Poll::Pending => {
                if this.gap_timer.as_mut().poll(cx).is_ready() {
                    this.fail(Error::ConnectionReadTimeout)
                } else {
                    Poll::Pending
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

#[cfg(test)]
mod tests {
    //! `Outbound` driven directly against real local servers; names map to 127.0.0.1 through a
    //! `StaticResolver`, so the address rules apply exactly as they would to a hostile DNS.

    use std::net::Ipv4Addr;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::capabilities::http::{HostPattern, StaticResolver};

    /// A call's permits for requests at once, as the sandbox's default gives it.
    fn open() -> Arc<tokio::sync::Semaphore> {
        Arc::new(tokio::sync::Semaphore::new(
            crate::Limits::DEFAULT_REQUESTS_AT_ONCE as usize,
        ))
    }

    /// What the test server answers to one request head.
    enum Reply {
        /// Raw response bytes, connection kept open for the next request.
        Raw(String),
        /// This head, then one body byte every `every`, for ever.
        Trickle { head: String, every: Duration },
        /// A chunked body of `len` bytes.
        Chunked { len: usize },
        /// Nothing; hold the connection.
        Silent,
    }

    struct Server {
        port: u16,
        accepts: Arc<AtomicUsize>,
        heads: Arc<Mutex<Vec<String>>>,
    }

    impl Server {
        fn accepts(&self) -> usize {
            self.accepts.load(Ordering::SeqCst)
        }
        fn heads(&self) -> Vec<String> {
            self.heads.lock().unwrap().clone()
        }
    }

    /// An HTTP/1.1 server on 127.0.0.1 that counts connections and records request heads.
    async fn serve(handler: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepts = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let (a, h) = (accepts.clone(), heads.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                let (handler, heads) = (handler.clone(), h.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        let head = loop {
                            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                                buf.drain(..end + 4);
                                break head;
                            }
                            let mut chunk = [0u8; 4096];
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        heads.lock().unwrap().push(head.clone());
                        match handler(&head) {
                            Reply::Raw(text) => {
                                if sock.write_all(text.as_bytes()).await.is_err() {
                                    return;
                                }
                            }
                            Reply::Trickle { head, every } => {
                                if sock.write_all(head.as_bytes()).await.is_err() {
                                    return;
                                }
                                loop {
                                    tokio::time::sleep(every).await;
                                    if sock.write_all(b"x").await.is_err() {
                                        return;
                                    }
                                }
                            }
                            Reply::Chunked { len } => {
                                let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
                                if sock.write_all(head.as_bytes()).await.is_err() {
                                    return;
                                }
                                let chunk = vec![b'y'; 64 * 1024];
                                let mut left = len;
                                while left > 0 {
                                    let n = left.min(chunk.len());
                                    let frame =
                                        [format!("{n:x}\r\n").as_bytes(), &chunk[..n], b"\r\n"]
                                            .concat();
                                    if sock.write_all(&frame).await.is_err() {
                                        return;
                                    }
                                    left -= n;
                                }
                                if sock.write_all(b"0\r\n\r\n").await.is_err() {
                                    return;
                                }
                            }
                            Reply::Silent => {
                                tokio::time::sleep(Duration::from_secs(3600)).await;
                                return;
                            }
                        }
                    }
                });
            }
        });
        Server {
            port,
            accepts,
            heads,
        }
    }

    fn ok(body: &str) -> Reply {
        Reply::Raw(format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        ))
    }

    fn moved(status: &str, location: &str) -> Reply {
        Reply::Raw(format!(
            "HTTP/1.1 {status}\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n"
        ))
    }

    /// The request path of a recorded head.
    fn path(head: &str) -> &str {
        head.split(' ').nth(1).unwrap_or_default()
    }

    /// A header's value in a recorded head (names are lower-case on the wire from hyper).
    fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
        head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// A `StaticResolver` that counts how often it is asked.
    struct Counting {
        inner: StaticResolver,
        calls: Arc<AtomicUsize>,
    }

    impl Resolve for Counting {
        fn resolve<'a>(
            &'a self,
            host: &'a str,
        ) -> Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.inner.resolve(host)
        }
    }

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    /// A client granting `allow`, excepting `private`, with `vendor.test` and `other.test` at
    /// 127.0.0.1; also returns the resolver's call count.
    fn client(allow: &[String], private: &str) -> (Outbound, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let resolver = Counting {
            inner: StaticResolver::new()
                .with("vendor.test", [LOOPBACK])
                .with("other.test", [LOOPBACK]),
            calls: calls.clone(),
        };
        let grant = NetGrant {
            allow: AllowList::new(
                allow
                    .iter()
                    .map(|p| HostPattern::parse(p).unwrap())
                    .collect(),
            ),
            private: PrivateExceptions::parse(private).unwrap(),
            extra_roots: Vec::new(),
        };
        (
            Outbound::new("test-connector".into(), grant, Arc::new(resolver)),
            calls,
        )
    }

    fn request(method: Method, url: &str, headers: &[(&str, &str)]) -> Request<WasiBody> {
        let uri: Uri = url.parse().unwrap();
        let mut builder = Request::builder()
            .method(method)
            .header(header::HOST, uri.authority().unwrap().as_str());
        for (n, v) in headers {
            builder = builder.header(*n, *v);
        }
        builder.uri(uri).body(empty_body()).unwrap()
    }

    fn get(url: &str) -> Request<WasiBody> {
        request(Method::GET, url, &[])
    }

    fn meter() -> BoundaryMeter {
        BoundaryMeter::new(64 << 20)
    }

    async fn send(out: &Outbound, req: Request<WasiBody>) -> Result<Response<WasiBody>, Error> {
        out.send(
            req,
            HttpTimeouts::within(Duration::from_secs(10)),
            meter(),
            open(),
        )
        .await
    }

    async fn text(response: Response<WasiBody>) -> Result<String, Error> {
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    macro_rules! assert_err {
        ($result:expr, $pattern:pat $(if $guard:expr)?) => {
            match $result {
                Err($pattern) $(if $guard)? => {}
                Err(other) => panic!("expected {}, got error {other:?}", stringify!($pattern)),
                Ok(_) => panic!("expected {}, got a response", stringify!($pattern)),
            }
        };
    }

    #[tokio::test]
    async fn granted_name_resolving_to_loopback_needs_an_exception() {
        let server = serve(|_| ok("hello")).await;
        let url = format!("http://vendor.test:{}/records", server.port);
        let allow = [format!("http://vendor.test:{}", server.port)];

        let (refusing, _) = client(&allow, "");
        assert_err!(
            send(&refusing, get(&url)).await,
            Error::DestinationIpProhibited
        );
        assert_eq!(server.accepts(), 0, "refused before connecting");

        let (excepting, _) = client(&allow, "127.0.0.1");
        let response = send(&excepting, get(&url)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(text(response).await.unwrap(), "hello");
        assert_eq!(header(&server.heads()[0], "host"), Some(&allow[0][7..]));
    }

    #[tokio::test]
    async fn ungranted_origin_refused_before_any_dns() {
        let server = serve(|_| ok("hello")).await;
        let (out, calls) = client(&["other.test".into()], "127.0.0.1");
        let url = format!("http://vendor.test:{}/", server.port);
        assert_err!(send(&out, get(&url)).await, Error::HttpRequestDenied);
        // Same host, other port or scheme: still not granted.
        let (out2, calls2) = client(&[format!("https://vendor.test:{}", server.port)], "");
        assert_err!(send(&out2, get(&url)).await, Error::HttpRequestDenied);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        assert_eq!(calls2.load(Ordering::SeqCst), 0);
        assert_eq!(server.accepts(), 0);
    }

    #[tokio::test]
    async fn literal_ip_is_checked_like_a_resolved_one_and_never_resolved() {
        let server = serve(|_| ok("direct")).await;
        let url = format!("http://127.0.0.1:{}/", server.port);
        let allow = [format!("http://127.0.0.1:{}", server.port)];
        let (refusing, calls) = client(&allow, "");
        assert_err!(
            send(&refusing, get(&url)).await,
            Error::DestinationIpProhibited
        );
        let (excepting, calls2) = client(&allow, "127.0.0.0/8");
        let response = send(&excepting, get(&url)).await.unwrap();
        assert_eq!(text(response).await.unwrap(), "direct");
        assert_eq!(
            calls.load(Ordering::SeqCst) + calls2.load(Ordering::SeqCst),
            0
        );
    }

    #[tokio::test]
    async fn redirect_to_the_metadata_service_is_refused() {
        let server =
            serve(|_| moved("302 Found", "http://169.254.169.254/latest/meta-data/")).await;
        let url = format!("http://vendor.test:{}/", server.port);
        // Granted origin: the hop is refused by the address rules…
        let (out, _) = client(
            &[
                format!("http://vendor.test:{}", server.port),
                "http://169.254.169.254".into(),
            ],
            "127.0.0.1",
        );
        assert_err!(send(&out, get(&url)).await, Error::DestinationIpProhibited);
        // …and an ungranted one by the allow-list, before any DNS or connect.
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        assert_err!(send(&out, get(&url)).await, Error::HttpRequestDenied);
    }

    #[tokio::test]
    async fn redirect_within_the_origin_is_followed_with_its_headers() {
        let server = serve(|head| match path(head) {
            "/old" => moved("301 Moved Permanently", "/new?x=1"),
            "/new?x=1" => ok("moved here"),
            _ => Reply::Raw("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".into()),
        })
        .await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/old", server.port);
        let response = send(&out, request(Method::GET, &url, &[("x-api-key", "k1")]))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(text(response).await.unwrap(), "moved here");
        let heads = server.heads();
        assert_eq!(heads.len(), 2);
        assert_eq!(path(&heads[1]), "/new?x=1");
        assert_eq!(
            header(&heads[1], "x-api-key"),
            Some("k1"),
            "same origin keeps it"
        );
    }

    #[tokio::test]
    async fn cross_origin_redirect_drops_credentials() {
        let port = Arc::new(std::sync::OnceLock::<u16>::new());
        let p = port.clone();
        let server = serve(move |head| match header(head, "host") {
            Some(h) if h.starts_with("vendor.test") => moved(
                "302 Found",
                &format!("http://other.test:{}/landing", p.get().unwrap()),
            ),
            _ => ok("landed"),
        })
        .await;
        port.set(server.port).unwrap();
        let (out, _) = client(
            &[
                format!("http://vendor.test:{}", server.port),
                format!("http://other.test:{}", server.port),
            ],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/start", server.port);
        let req = request(
            Method::GET,
            &url,
            &[
                ("x-api-key", "k1"),
                ("authorization", "Bearer t"),
                ("cookie", "s=1"),
                ("x-session-token", "t2"),
                ("accept", "application/json"),
            ],
        );
        let response = send(&out, req).await.unwrap();
        assert_eq!(text(response).await.unwrap(), "landed");
        let heads = server.heads();
        assert_eq!(heads.len(), 2);
        assert_eq!(header(&heads[0], "x-api-key"), Some("k1"));
        let landing = &heads[1];
        assert_eq!(path(landing), "/landing");
        let other = format!("other.test:{}", server.port);
        assert_eq!(header(landing, "host"), Some(other.as_str()));
        for gone in ["x-api-key", "authorization", "cookie", "x-session-token"] {
            assert_eq!(header(landing, gone), None, "{gone} leaked");
        }
        assert_eq!(header(landing, "accept"), Some("application/json"));
    }

    #[tokio::test]
    async fn post_redirects_other_than_303_go_back_to_the_guest() {
        let server = serve(|_| moved("307 Temporary Redirect", "/elsewhere")).await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/submit", server.port);
        let response = send(&out, request(Method::POST, &url, &[])).await.unwrap();
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(server.heads().len(), 1);
    }

    #[tokio::test]
    async fn redirect_loop_stops_after_the_hop_limit() {
        let server = serve(|_| moved("302 Found", "/again")).await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/", server.port);
        assert_err!(send(&out, get(&url)).await, Error::LoopDetected);
        assert_eq!(server.heads().len(), MAX_REDIRECTS + 1);
    }

    #[tokio::test]
    async fn trickling_upstream_hits_the_total_timeout() {
        let server = serve(|_| Reply::Trickle {
            head: "HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n".into(),
            every: Duration::from_millis(50),
        })
        .await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/", server.port);
        let timeouts = HttpTimeouts {
            connect: Duration::from_secs(1),
            first_byte: Duration::from_secs(1),
            between_bytes: Duration::from_millis(300),
            total: Duration::from_millis(700),
        };
        let started = std::time::Instant::now();
        let response = out
            .send(get(&url), timeouts, meter(), open())
            .await
            .unwrap();
        assert_err!(text(response).await, Error::HttpResponseTimeout);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(650) && took < Duration::from_secs(2),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn stalled_body_and_silent_upstream_time_out() {
        let stalled = serve(|_| Reply::Trickle {
            head: "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n".into(),
            every: Duration::from_secs(3600),
        })
        .await;
        let silent = serve(|_| Reply::Silent).await;
        let (out, _) = client(
            &[
                format!("http://vendor.test:{}", stalled.port),
                format!("http://vendor.test:{}", silent.port),
            ],
            "127.0.0.1",
        );
        let timeouts = HttpTimeouts {
            connect: Duration::from_secs(1),
            first_byte: Duration::from_millis(300),
            between_bytes: Duration::from_millis(200),
            total: Duration::from_secs(5),
        };
        let url = format!("http://vendor.test:{}/", stalled.port);
        let response = out
            .send(get(&url), timeouts, meter(), open())
            .await
            .unwrap();
        assert_err!(text(response).await, Error::ConnectionReadTimeout);
        let url = format!("http://vendor.test:{}/", silent.port);
        assert_err!(
            out.send(get(&url), timeouts, meter(), open()).await,
            Error::ConnectionReadTimeout
        );
    }

    #[tokio::test]
    async fn response_over_the_cap_is_refused() {
        let cap = usize::try_from(MAX_RESPONSE_BODY_BYTES).unwrap();
        let server = serve(move |head| match path(head) {
            "/declared" => Reply::Raw(format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
                cap + 1
            )),
            "/streamed" => Reply::Chunked { len: cap + 1 },
            _ => Reply::Chunked { len: cap },
        })
        .await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let base = format!("http://vendor.test:{}", server.port);
        let over = MAX_RESPONSE_BODY_BYTES + 1;
        assert_err!(
            send(&out, get(&format!("{base}/declared"))).await,
            Error::HttpResponseBodySize(Some(n)) if n == over
        );
        let response = send(&out, get(&format!("{base}/streamed"))).await.unwrap();
        assert_err!(text(response).await, Error::HttpResponseBodySize(Some(_)));
        // Exactly the cap is fine.
        let response = send(&out, get(&format!("{base}/exact"))).await.unwrap();
        assert_eq!(text(response).await.unwrap().len(), cap);
    }

    #[tokio::test]
    async fn body_bytes_are_charged_to_the_boundary_meter() {
        let server = serve(|head| match path(head) {
            "/small" => ok(&"z".repeat(600)),
            _ => Reply::Silent,
        })
        .await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let base = format!("http://vendor.test:{}", server.port);
        let timeouts = HttpTimeouts::within(Duration::from_secs(10));

        let meter = BoundaryMeter::new(1000);
        let first = out.send(
            get(&format!("{base}/small")),
            timeouts,
            meter.clone(),
            open(),
        );
        assert_eq!(text(first.await.unwrap()).await.unwrap().len(), 600);
        assert_eq!(meter.used(), 600);
        let second = out.send(
            get(&format!("{base}/small")),
            timeouts,
            meter.clone(),
            open(),
        );
        assert_err!(
            text(second.await.unwrap()).await,
            Error::HttpResponseBodySize(Some(600))
        );
        assert!(meter.exceeded());

        let meter = BoundaryMeter::new(1000);
        let mut post = request(Method::POST, &format!("{base}/upload"), &[]);
        *post.body_mut() = http_body_util::Full::new(Bytes::from(vec![b'p'; 2000]))
            .map_err(|never| match never {})
            .boxed_unsync();
        assert_err!(
            out.send(post, timeouts, meter.clone(), open()).await,
            Error::HttpRequestBodySize(Some(2000))
        );
        assert!(meter.exceeded());
    }

    #[tokio::test]
    async fn sequential_requests_reuse_one_connection_per_origin() {
        let server = serve(|_| ok("again")).await;
        let (out, calls) = client(
            &[
                format!("http://vendor.test:{}", server.port),
                format!("http://other.test:{}", server.port),
            ],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/", server.port);
        for _ in 0..3 {
            let response = send(&out, get(&url)).await.unwrap();
            assert_eq!(text(response).await.unwrap(), "again");
        }
        assert_eq!(server.accepts(), 1, "one TCP connection for three requests");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "resolved once");
        // Another origin on the same address gets its own connection.
        let response = send(&out, get(&format!("http://other.test:{}/", server.port)))
            .await
            .unwrap();
        text(response).await.unwrap();
        assert_eq!(server.accepts(), 2);
    }

    /// Sends `n` requests, holding every response (so each needs its own connection) until
    /// all have arrived, then reads them all (which returns the connections to the pool).
    async fn overlapping(out: &Outbound, url: &str, n: usize) {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(send(out, get(url)).await.unwrap());
        }
        for response in held {
            assert_eq!(text(response).await.unwrap(), "held");
        }
    }

    #[tokio::test]
    async fn concurrent_calls_get_their_connections_back_up_to_the_idle_cap() {
        let server = serve(|_| ok("held")).await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let out = out.keep_idle(3);
        let url = format!("http://vendor.test:{}/", server.port);
        overlapping(&out, &url, 5).await;
        assert_eq!(server.accepts(), 5, "five at once need five connections");
        overlapping(&out, &url, 5).await;
        assert_eq!(
            server.accepts(),
            7,
            "three were kept and reused, two made anew"
        );
        overlapping(&out, &url, 3).await;
        assert_eq!(server.accepts(), 7, "within the cap, every one is reused");
    }

    #[tokio::test]
    async fn idle_connections_close_when_they_expire_and_the_sweeper_stops() {
        let server = serve(|_| ok("held")).await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/", server.port);
        overlapping(&out, &url, 2).await;
        {
            let pool = lock(&out.pool);
            assert_eq!(pool.idle.values().map(Vec::len).sum::<usize>(), 2);
            assert!(pool.sweeping, "one sweeper runs while connections are idle");
        }
        // Paused, the clock jumps to the sweeper's deadline as soon as everything waits.
        tokio::time::pause();
        tokio::time::sleep(IDLE_TIMEOUT + Duration::from_secs(1)).await;
        let pool = lock(&out.pool);
        assert!(pool.idle.is_empty(), "expired connections are closed");
        assert!(
            !pool.sweeping,
            "the sweeper ends with the last idle connection"
        );
    }

    #[tokio::test]
    async fn a_call_has_at_most_its_permits_of_requests_open_and_waits_for_more() {
        let server = serve(|_| ok("held")).await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/", server.port);
        let open = Arc::new(tokio::sync::Semaphore::new(2));
        let t = HttpTimeouts::within(Duration::from_secs(10));
        let first = out.send(get(&url), t, meter(), open.clone()).await.unwrap();
        let second = out.send(get(&url), t, meter(), open.clone()).await.unwrap();
        let third = out.send(get(&url), t, meter(), open.clone());
        tokio::pin!(third);
        assert!(
            tokio::time::timeout(Duration::from_millis(300), &mut third)
                .await
                .is_err(),
            "a third request waits while two bodies are open"
        );
        assert_eq!(server.accepts(), 2, "and no third connection is made");
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(5), third)
            .await
            .expect("a permit comes back when a body is dropped")
            .unwrap();
        assert_eq!(text(third).await.unwrap(), "held");
        // A body read to its end gives its permit back too.
        assert_eq!(text(second).await.unwrap(), "held");
        let fourth = out.send(get(&url), t, meter(), open.clone()).await.unwrap();
        assert_eq!(text(fourth).await.unwrap(), "held");
        assert_eq!(open.available_permits(), 2);

        // No permit within the call's time: the guest gets an error, not a hang.
        let short = HttpTimeouts::within(Duration::from_millis(400));
        let _a = out.send(get(&url), t, meter(), open.clone()).await.unwrap();
        let _b = out.send(get(&url), t, meter(), open.clone()).await.unwrap();
        assert_err!(
            out.send(get(&url), short, meter(), open.clone()).await,
            Error::ConnectionLimitReached
        );
    }

    #[test]
    fn the_rate_lets_a_second_go_at_once_then_one_each_turn() {
        let start = Instant::now();
        let mut rate = Rate::new(4);
        for _ in 0..4 {
            assert!(rate.take(start).is_ok());
        }
        let wait = rate.take(start).unwrap_err();
        assert!(
            (Duration::from_millis(240)..=Duration::from_millis(260)).contains(&wait),
            "{wait:?}"
        );
        assert!(rate.take(start + wait).is_ok());
        assert!(rate.take(start + wait).is_err(), "one turn, one request");
    }

    #[tokio::test]
    async fn a_request_whose_turn_comes_too_late_is_refused() {
        let server = serve(|_| ok("fine")).await;
        let (out, _) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let out = out.rate_limited(Some(1));
        let url = format!("http://vendor.test:{}/", server.port);
        let t = HttpTimeouts::within(Duration::from_secs(10));
        let first = out.send(get(&url), t, meter(), open()).await.unwrap();
        assert_eq!(text(first).await.unwrap(), "fine");
        let started = Instant::now();
        let short = HttpTimeouts::within(Duration::from_millis(400));
        assert_err!(
            out.send(get(&url), short, meter(), open()).await,
            Error::ConnectionLimitReached
        );
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "refused at once, not after waiting in vain"
        );
        assert_eq!(server.accepts(), 1);
    }

    #[tokio::test]
    async fn guest_set_host_header_is_refused() {
        let server = serve(|_| ok("never")).await;
        let (out, calls) = client(
            &[format!("http://vendor.test:{}", server.port)],
            "127.0.0.1",
        );
        let url = format!("http://vendor.test:{}/", server.port);
        let mut spoofed = get(&url);
        spoofed
            .headers_mut()
            .insert(header::HOST, HeaderValue::from_static("internal.admin"));
        assert_err!(send(&out, spoofed).await, Error::HttpRequestDenied);
        let mut doubled = get(&url);
        doubled
            .headers_mut()
            .append(header::HOST, HeaderValue::from_static("internal.admin"));
        assert_err!(send(&out, doubled).await, Error::HttpRequestDenied);
        let mut missing = get(&url);
        missing.headers_mut().remove(header::HOST);
        assert_err!(send(&out, missing).await, Error::HttpRequestDenied);
        assert_eq!(server.accepts(), 0);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    /// An https server on 127.0.0.1 with a self-signed certificate for `vendor.test`; returns
    /// its port, the certificate, and the SNI name of every handshake that completed.
    async fn serve_tls() -> (u16, CertificateDer<'static>, Arc<Mutex<Vec<String>>>) {
        let certified =
            rcgen::generate_simple_self_signed(vec!["vendor.test".to_string()]).unwrap();
        let cert = certified.cert.der().clone();
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let names = Arc::new(Mutex::new(Vec::new()));
        let seen = names.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (acceptor, seen) = (acceptor.clone(), seen.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(sock).await else {
                        return;
                    };
                    let sni = tls.get_ref().1.server_name().unwrap_or("").to_string();
                    seen.lock().unwrap().push(sni);
                    let mut buf = Vec::new();
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        let mut chunk = [0u8; 1024];
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let reply = "HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecure";
                    let _ = tls.write_all(reply.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        (port, cert, names)
    }

    #[tokio::test]
    async fn https_trusts_extra_roots_and_checks_the_url_host() {
        let (port, cert, names) = serve_tls().await;
        let allow = AllowList::new(vec![
            HostPattern::parse(&format!("https://vendor.test:{port}")).unwrap(),
            HostPattern::parse(&format!("https://other.test:{port}")).unwrap(),
        ]);
        let resolver = StaticResolver::new()
            .with("vendor.test", [LOOPBACK])
            .with("other.test", [LOOPBACK]);
        let grant = |extra_roots| NetGrant {
            allow: allow.clone(),
            private: PrivateExceptions::parse("127.0.0.1").unwrap(),
            extra_roots,
        };
        let url = format!("https://vendor.test:{port}/");

        // The public web roots do not vouch for a self-signed certificate.
        let public_only = Outbound::new("t".into(), grant(vec![]), Arc::new(resolver.clone()));
        assert_err!(
            send(&public_only, get(&url)).await,
            Error::TlsCertificateError
        );

        // With the force's CA granted, the same server is trusted…
        let internal_ca = Outbound::new("t".into(), grant(vec![cert]), Arc::new(resolver));
        let response = send(&internal_ca, get(&url)).await.unwrap();
        assert_eq!(text(response).await.unwrap(), "secure");
        // …but only for the names on its certificate: SNI and the check use the URL's host.
        let other = format!("https://other.test:{port}/");
        assert_err!(
            send(&internal_ca, get(&other)).await,
            Error::TlsCertificateError
        );
        // The one handshake that completed named the URL's host, not the address.
        let names = names.lock().unwrap().clone();
        assert_eq!(names, ["vendor.test"]);
    }

    #[test]
    fn locations_resolve_against_the_request_url() {
        let base: Uri = "https://vendor.test:8443/api/v2/items?page=1"
            .parse()
            .unwrap();
        for (location, want) in [
            ("https://x.test/a", "https://x.test/a"),
            ("//y.test/b", "https://y.test/b"),
            ("/c?d=1", "https://vendor.test:8443/c?d=1"),
            ("?page=2", "https://vendor.test:8443/api/v2/items?page=2"),
            ("other", "https://vendor.test:8443/api/v2/other"),
            ("/frag#part", "https://vendor.test:8443/frag"),
        ] {
            assert_eq!(
                join(&base, location).unwrap().to_string(),
                want,
                "{location}"
            );
        }
        assert!(join(&base, "").is_none());
        // A scheme the client cannot use is denied by `Origin::of`, not followed.
        let ftp = join(&base, "ftp://files.test/x").unwrap();
        assert!(matches!(Origin::of(&ftp), Err(Error::HttpRequestDenied)));
    }
}
