//! HTTP plumbing shared by the vendor stand-ins (Kestrel, Harrier, Osprey): the accept loop,
//! fault prefixes, query parsing, the response body type, the running [`Server`] a stand-in's
//! library hands its tests, and the binaries' [`announce_and_wait`]. Each stand-in only implements
//! [`Api`] for its own vendor's routes and formats (see `docs/VENDOR-STANDINS.md`).
#![deny(missing_docs)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

/// Largest request body accepted; larger ones get `413`.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Longest delay or trickle interval a fault prefix may ask for.
const MAX_FAULT_MS: u64 = 600_000;
/// How many requests the per-instance request log keeps (oldest are dropped first).
const MAX_LOGGED_REQUESTS: usize = 10_000;

/// One request as received by a stand-in (before fault prefixes were stripped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path and query exactly as requested, e.g. `/_fault/delay/100/api/v2/status?x=1`.
    pub target: String,
    /// The `Idempotency-Key` header, if one was sent.
    pub idempotency_key: Option<String>,
}

/// Traffic seen by one stand-in instance: a counter and a bounded log of requests.
#[derive(Debug, Default)]
pub struct Traffic {
    requests: AtomicU64,
    /// Requests being answered now, and the most ever at once.
    in_flight: AtomicU64,
    most_at_once: AtomicU64,
    /// Oldest first; the oldest is dropped (in O(1): a busy stand-in logs every request) once
    /// [`MAX_LOGGED_REQUESTS`] are held.
    log: Mutex<VecDeque<RequestRecord>>,
}

impl Traffic {
    /// The most requests this stand-in was answering at one moment.
    pub fn most_at_once(&self) -> u64 {
        self.most_at_once.load(Ordering::SeqCst)
    }

    /// One more request is being answered; the returned guard says when it no longer is.
    fn begin(self: &Arc<Self>) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        InFlight(self.clone())
    }

    /// Counts and logs one request.
    pub fn record(&self, method: &Method, target: &str, headers: &HeaderMap) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let idempotency_key = headers
            .get("idempotency-key")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if log.len() >= MAX_LOGGED_REQUESTS {
            log.pop_front();
        }
        log.push_back(RequestRecord {
            method: method.as_str().to_owned(),
            target: target.to_owned(),
            idempotency_key,
        });
    }

    /// Number of requests received (every request counts, faulted ones included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// A copy of the request log, oldest first.
    pub fn log(&self) -> Vec<RequestRecord> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}

/// A request handed to an [`Api`], after fault prefixes were stripped and the body read.
#[derive(Debug)]
pub struct ApiRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path without fault prefixes, still percent-encoded.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The whole request body (at most [`MAX_BODY_BYTES`]).
    pub body: Bytes,
}

impl ApiRequest {
    /// A request with no headers or body, e.g. for a stand-in's unit tests.
    pub fn new(method: Method, target: &str) -> ApiRequest {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        ApiRequest {
            method,
            path: path.to_owned(),
            query: parse_query(query),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// The first value of a header, if it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Percent-decoded path segments, ignoring empty ones (so trailing slashes don't matter).
    pub fn segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_decode(s, false))
            .collect()
    }

    /// The first non-empty value of a query parameter (an empty value counts as absent).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }
}

/// What an [`Api`] answers.
#[derive(Debug)]
pub struct ApiResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body, in the vendor's format ([`Api::CONTENT_TYPE`]).
    pub body: String,
    /// Extra headers (e.g. `Allow` on a `405`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiResponse {
    /// A response with no extra headers.
    pub fn new(status: StatusCode, body: String) -> ApiResponse {
        ApiResponse {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// The same response with one more header.
    pub fn with_header(mut self, name: HeaderName, value: &'static str) -> ApiResponse {
        self.headers.push((name, HeaderValue::from_static(value)));
        self
    }
}

/// A vendor API served by [`serve`].
pub trait Api: Send + Sync + 'static {
    /// `Content-Type` of every response.
    const CONTENT_TYPE: &'static str;
    /// The vendor's error body for a message.
    fn error_body(message: &str) -> String;
    /// Answers one request.
    fn handle(&self, request: ApiRequest) -> ApiResponse;
}

/// A fault requested by a `/_fault/...` path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally after this long.
    Delay(Duration),
    /// Never answer.
    Hang,
    /// Answer with this status and the vendor's error body.
    Status(StatusCode),
    /// Send the body one byte per interval.
    Trickle(Duration),
    /// Answer `302 Found` with this `Location` (percent-decoded from the path segment).
    Redirect(String),
}

/// Splits `/_fault/...` prefixes (any number, applied in order) off a path.
/// Returns the faults and the remaining path (`/` when nothing remains).
pub fn split_faults(path: &str) -> Result<(Vec<Fault>, &str), String> {
    fn segment(s: &str) -> (&str, &str) {
        match s.find('/') {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, ""),
        }
    }
    fn millis(arg: &str, kind: &str) -> Result<Duration, String> {
        match arg.parse::<u64>() {
            Ok(ms) if ms <= MAX_FAULT_MS => Ok(Duration::from_millis(ms)),
            _ => Err(format!(
                "fault {kind} needs milliseconds 0..{MAX_FAULT_MS}, got {arg:?}"
            )),
        }
    }
    let mut faults = Vec::new();
    let mut rest = path;
    while rest == "/_fault" || rest.starts_with("/_fault/") {
        let after = rest.strip_prefix("/_fault/").unwrap_or("");
        let (kind, tail) = segment(after);
        let (arg, after_arg) = segment(tail.strip_prefix('/').unwrap_or(tail));
        match kind {
            "hang" => {
                faults.push(Fault::Hang);
                rest = tail;
                continue;
            }
            "delay" => faults.push(Fault::Delay(millis(arg, kind)?)),
            "trickle" => faults.push(Fault::Trickle(millis(arg, kind)?)),
            "redirect" => faults.push(Fault::Redirect(percent_decode(arg, false))),
            "status" => {
                let code = arg
                    .parse::<u16>()
                    .ok()
                    .filter(|c| (200..=599).contains(c))
                    .and_then(|c| StatusCode::from_u16(c).ok())
                    .ok_or_else(|| format!("fault status needs a code 200..599, got {arg:?}"))?;
                faults.push(Fault::Status(code));
            }
            other => {
                return Err(format!(
                    "unknown fault {other:?} (expected delay, hang, status, trickle or redirect)"
                ));
            }
        }
        rest = after_arg;
    }
    Ok((faults, if rest.is_empty() { "/" } else { rest }))
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); invalid escapes stay as
/// they are and invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                match (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses an `application/x-www-form-urlencoded` query string.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Parses `limit` (default `default_limit`, allowed 1..=100) and `offset` (default 0).
pub fn paging(req: &ApiRequest, default_limit: usize) -> Result<(usize, usize), String> {
    let limit = match req.param("limit") {
        None => default_limit,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return Err("limit must be 1..100".to_owned()),
        },
    };
    let offset = match req.param("offset") {
        None => 0,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| "offset must be a non-negative integer".to_owned())?,
    };
    Ok((limit, offset))
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_iso8601() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    iso8601(secs)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Response body: the whole body at once, or (for the trickle fault) one byte per interval.
pub struct Body {
    data: Bytes,
    trickle: Option<(Duration, Pin<Box<Sleep>>)>,
}

impl Body {
    /// A body sent at once, or one byte per `trickle` interval.
    pub fn new(data: Bytes, trickle: Option<Duration>) -> Body {
        Body {
            data,
            trickle: trickle.map(|d| (d, Box::pin(tokio::time::sleep(d)))),
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.data.is_empty() {
            return Poll::Ready(None);
        }
        match &mut this.trickle {
            None => Poll::Ready(Some(Ok(Frame::data(std::mem::take(&mut this.data))))),
            Some((interval, sleep)) => {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let byte = this.data.split_to(1);
                let next = Instant::now() + *interval;
                sleep.as_mut().reset(next);
                Poll::Ready(Some(Ok(Frame::data(byte))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.len() as u64)
    }
}

fn respond<A: Api>(resp: ApiResponse, trickle: Option<Duration>) -> Response<Body> {
    let no_body = matches!(resp.status.as_u16(), 204 | 205 | 304);
    let data = if no_body {
        Bytes::new()
    } else {
        Bytes::from(resp.body)
    };
    let mut out = Response::new(Body::new(data, trickle));
    *out.status_mut() = resp.status;
    if !no_body {
        out.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(A::CONTENT_TYPE));
    }
    for (name, value) in resp.headers {
        out.headers_mut().append(name, value);
    }
    out
}

fn error<A: Api>(status: StatusCode, message: &str, trickle: Option<Duration>) -> Response<Body> {
    respond::<A>(ApiResponse::new(status, A::error_body(message)), trickle)
}

async fn handle<A: Api>(api: &A, traffic: &Traffic, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    traffic.record(&parts.method, target, &parts.headers);
    let (faults, route) = match split_faults(parts.uri.path()) {
        Ok(split) => split,
        Err(message) => return error::<A>(StatusCode::BAD_REQUEST, &message, None),
    };
    let mut trickle = None;
    for fault in faults {
        match fault {
            Fault::Delay(d) => tokio::time::sleep(d).await,
            // Never answer; the connection stays open until the client or the server goes.
            Fault::Hang => std::future::pending::<()>().await,
            Fault::Status(code) => {
                let message = format!("fault injected: status {}", code.as_u16());
                return error::<A>(code, &message, trickle);
            }
            Fault::Trickle(d) => trickle = Some(d),
            Fault::Redirect(location) => {
                let mut response = Response::new(Body::new(Bytes::new(), None));
                *response.status_mut() = StatusCode::FOUND;
                if let Ok(value) = hyper::header::HeaderValue::from_str(&location) {
                    response
                        .headers_mut()
                        .insert(hyper::header::LOCATION, value);
                }
                return response;
            }
        }
    }
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            let message = format!("request body larger than {MAX_BODY_BYTES} bytes");
            return error::<A>(StatusCode::PAYLOAD_TOO_LARGE, &message, trickle);
        }
        Err(_) => {
            return error::<A>(
                StatusCode::BAD_REQUEST,
                "could not read the request body",
                trickle,
            );
        }
    };
    let request = ApiRequest {
        method: parts.method.clone(),
        path: route.to_owned(),
        query: parse_query(parts.uri.query().unwrap_or("")),
        headers: parts.headers.clone(),
        body,
    };
    respond::<A>(api.handle(request), trickle)
}

/// A request being answered, until dropped.
struct InFlight(Arc<Traffic>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves `api` on `listener` until the returned future is dropped (aborting the task that
/// runs it also closes every open connection).
pub async fn serve<A: Api>(listener: TcpListener, api: Arc<A>, traffic: Arc<Traffic>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let api = api.clone();
                    let traffic = traffic.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |req| {
                            let api = api.clone();
                            let traffic = traffic.clone();
                            async move {
                                let _answering = traffic.begin();
                                Ok::<_, Infallible>(handle(&*api, &traffic, req).await)
                            }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                // e.g. too many open files: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// A stand-in serving on the current tokio runtime: where it listens, its API and what it
/// received. Dropping it stops the server and closes its connections.
pub struct Server<A> {
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
    api: Arc<A>,
    traffic: Arc<Traffic>,
    task: tokio::task::JoinHandle<()>,
}

impl<A: Api> Server<A> {
    /// Binds `listen` and serves `api` until stopped.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(listen: std::net::SocketAddr, api: A) -> std::io::Result<Server<A>> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let api = Arc::new(api);
        let traffic = Arc::new(Traffic::default());
        let task = tokio::spawn(serve(listener, api.clone(), traffic.clone()));
        Ok(Server {
            addr,
            api,
            traffic,
            task,
        })
    }

    /// The API it serves, for counters and stores.
    pub fn api(&self) -> &A {
        &self.api
    }

    /// `http://IP:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL followed by `path`, e.g. `url("/_fault/delay/200")` for a slow vendor.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The most requests it was answering at one moment.
    pub fn most_at_once(&self) -> u64 {
        self.traffic.most_at_once()
    }

    /// How many requests it has received.
    pub fn request_count(&self) -> u64 {
        self.traffic.requests()
    }

    /// Every request received so far (the last 10,000), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.traffic.log()
    }

    /// Stops accepting, closes every open connection and waits for the server task to end.
    pub async fn shutdown(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl<A> Drop for Server<A> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<A> std::fmt::Debug for Server<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

pub mod cli;
pub mod test_client;

/// What each stand-in binary does once it is serving: print `listening on URL` (flushed: tests
/// and scripts wait for that line), then wait for SIGINT or SIGTERM.
///
/// # Errors
/// When stdout cannot be written or the signal handlers cannot be installed.
pub async fn announce_and_wait(base_url: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use tokio::signal::unix::{SignalKind, signal};
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on {base_url}")?;
        stdout.flush()?;
    }
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_split_in_order() {
        let (faults, rest) = split_faults("/_fault/delay/200/_fault/trickle/5/a/b").unwrap();
        assert_eq!(
            faults,
            vec![
                Fault::Delay(Duration::from_millis(200)),
                Fault::Trickle(Duration::from_millis(5))
            ]
        );
        assert_eq!(rest, "/a/b");
        let (faults, rest) = split_faults("/_fault/hang/x").unwrap();
        assert_eq!(faults, vec![Fault::Hang]);
        assert_eq!(rest, "/x");
        let (faults, rest) = split_faults("/_fault/status/503").unwrap();
        assert_eq!(faults, vec![Fault::Status(StatusCode::SERVICE_UNAVAILABLE)]);
        assert_eq!(rest, "/");
        let (faults, rest) = split_faults("/plain/_fault/hang").unwrap();
        assert!(faults.is_empty());
        assert_eq!(rest, "/plain/_fault/hang");
    }

    #[test]
    fn bad_faults_are_rejected() {
        for bad in [
            "/_fault",
            "/_fault/",
            "/_fault/nope/1/x",
            "/_fault/delay/abc/x",
            "/_fault/delay",
            "/_fault/delay/-1/x",
            "/_fault/delay/999999999/x",
            "/_fault/status/99/x",
            "/_fault/status/600/x",
            "/_fault/trickle//x",
        ] {
            assert!(split_faults(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("14%2F03%2F1988", true), "14/03/1988");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("Zo%C3%AB", true), "Zoë");
        assert_eq!(percent_decode("%FF", true), "\u{fffd}");
    }

    #[test]
    fn query_parsing_and_paging() {
        let req = ApiRequest::new(Method::GET, "/x?a=1&b=&a=2&c&limit=5&offset=10");
        assert_eq!(req.param("a"), Some("1"));
        assert_eq!(req.param("b"), None);
        assert_eq!(req.param("c"), None);
        assert_eq!(paging(&req, 20), Ok((5, 10)));
        assert_eq!(paging(&ApiRequest::new(Method::GET, "/x"), 20), Ok((20, 0)));
        for bad in ["/x?limit=0", "/x?limit=101", "/x?limit=x", "/x?offset=-1"] {
            assert!(
                paging(&ApiRequest::new(Method::GET, bad), 20).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            paging(&ApiRequest::new(Method::GET, "/x?limit=101"), 20),
            Err("limit must be 1..100".to_owned())
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_770_802_200), "2026-02-11T09:30:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert!(now_iso8601().starts_with("20"));
    }
}
