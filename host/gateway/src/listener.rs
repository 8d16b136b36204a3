//! The listener: accepting connections within `max_connections`, TLS, HTTP/1.1 and HTTP/2 with
//! their limits, and a watchdog on every connection that closes it when its headers are slow,
//! when it sits idle between requests, or when its TLS handshake stalls.
//!
//! hyper's own header timer also runs while a keep-alive connection waits for its next
//! request, so it cannot tell a slow header from an idle connection. The watchdog can: the
//! connection's reads and its requests move it between *idle* (no request in flight, nothing
//! read since the last one finished), *headers* (bytes arrived, no request yet) and *busy* (a
//! request in flight; its body has its own deadline, see `Access::body`).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use super::State;
use super::auth::ConnInfo;
use super::config::Limits;

/// Where a connection is in its life, for the watchdog.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Idle(Instant),
    Headers(Instant),
    Busy(usize),
}

/// A connection's phase, shared by its reader, its requests and its watchdog.
struct Watch {
    phase: Mutex<Phase>,
}

impl Watch {
    fn new() -> Arc<Watch> {
        Arc::new(Watch {
            phase: Mutex::new(Phase::Idle(Instant::now())),
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Phase) -> R) -> R {
        f(&mut self.phase.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn read_bytes(&self) {
        self.with(|p| {
            if let Phase::Idle(_) = p {
                *p = Phase::Headers(Instant::now());
            }
        });
    }

    fn begin(&self) {
        self.with(|p| {
            *p = match *p {
                Phase::Busy(n) => Phase::Busy(n + 1),
                _ => Phase::Busy(1),
            }
        });
    }

    fn end(&self) {
        self.with(|p| {
            *p = match *p {
                Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
                _ => Phase::Idle(Instant::now()),
            }
        });
    }

    /// Resolves when the connection has been idle, or reading headers, too long: which.
    async fn expired(&self, limits: Limits) -> &'static str {
        // Check often enough to close within a fifth of the shortest timeout, and never
        // more often than every 10 ms.
        let tick = (limits.header_timeout.min(limits.idle_timeout) / 5)
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
        loop {
            tokio::time::sleep(tick).await;
            let now = Instant::now();
            match self.with(|p| *p) {
                Phase::Idle(since) if now - since >= limits.idle_timeout => return "idle",
                Phase::Headers(since) if now - since >= limits.header_timeout => {
                    return "header read";
                }
                _ => {}
            }
        }
    }
}

/// A request in flight on a connection: the connection is busy until it is dropped.
struct InFlight(Arc<Watch>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// The connection's stream, telling the watchdog when bytes arrive.
struct Watched<S> {
    inner: S,
    watch: Arc<Watch>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.watch.read_bytes();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// How long a shutdown waits for calls in flight before it gives up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Accept and serve until `shutdown` resolves, then let calls in flight finish (up to
/// [`SHUTDOWN_GRACE`]).
pub(crate) async fn serve(
    state: Arc<State>,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let limits = state.config.limits;
    let router = super::router::router(state.clone());
    let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    builder
        .http1()
        // hyper needs at least 8 KiB of read buffer; the header list limit is the real bound.
        .max_buf_size((limits.max_header_list_bytes as usize).max(8192));
    builder
        .http2()
        .max_concurrent_streams(limits.h2_max_concurrent_streams)
        .max_header_list_size(limits.max_header_list_bytes)
        .timer(hyper_util::rt::TokioTimer::new());
    if tls.is_none() && !limits.h2c {
        builder = builder.http1_only();
    }
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            // Refused at accept: closed at once, costing the gateway a socket for a moment.
            state.metrics.connection_refused();
            drop(stream);
            continue;
        };
        // Answers go out whole in one write; waiting for the client's ACK (Nagle) only
        // delays the next one on a keep-alive connection.
        let _ = stream.set_nodelay(true);
        let watch = Watch::new();
        let service = {
            let router = router.clone();
            let watch = watch.clone();
            hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                let router = router.clone();
                watch.begin();
                let in_flight = InFlight(watch.clone());
                req.extensions_mut().insert(ConnInfo { peer });
                async move {
                    let response = router.oneshot(req.map(axum::body::Body::new)).await;
                    drop(in_flight);
                    response
                }
            })
        };
        let state = state.clone();
        let builder = builder.clone();
        let graceful_watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await;
                    let stream = match handshake {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            tracing::debug!("TLS handshake with {peer} failed: {e}");
                            return;
                        }
                        Err(_) => {
                            state.metrics.connection_timed_out();
                            return;
                        }
                    };
                    let io = Watched {
                        inner: stream,
                        watch: watch.clone(),
                    };
                    let conn = builder
                        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
                        .into_owned();
                    run(conn, &watch, limits, &state, peer, graceful_watcher).await;
                }
                None => {
                    let io = Watched {
                        inner: stream,
                        watch: watch.clone(),
                    };
                    let conn = builder
                        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
                        .into_owned();
                    run(conn, &watch, limits, &state, peer, graceful_watcher).await;
                }
            }
        });
    }
    tracing::info!("shutting down: finishing calls in flight");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("calls still running after {SHUTDOWN_GRACE:?}; stopping anyway");
    }
}

/// Serve one connection until it ends, the watchdog closes it, or shutdown drains it.
async fn run<C>(
    conn: C,
    watch: &Watch,
    limits: Limits,
    state: &State,
    peer: SocketAddr,
    graceful: hyper_util::server::graceful::Watcher,
) where
    C: hyper_util::server::graceful::GracefulConnection,
    C::Error: std::fmt::Display,
{
    let conn = graceful.watch(conn);
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!("connection from {peer}: {e}");
            }
        }
        why = watch.expired(limits) => {
            // Dropping the connection closes its socket; no request is in flight.
            state.metrics.connection_timed_out();
            tracing::debug!("closed the connection from {peer}: {why} timeout");
        }
    }
}
