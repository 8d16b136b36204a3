//! Outbound HTTP: the host makes every request a connector asks for, itself, hardened.
//!
//! A connector imports `wasi:http/outgoing-handler`; wasmtime-wasi-http turns its request into
//! an `http::Request` and hands it to our hooks, which send it through the connector's
//! `Outbound` client instead of wasmtime's default one. Every refusal is a `wasi:http` error
//! code the guest sees (`HTTP-request-denied`, `destination-IP-prohibited`, …) and maps to its
//! own error, never a trap.
//!
//! | module | rule | threat it stops |
//! |---|---|---|
//! | [`allow`](AllowList) | origin allow-list, before DNS | calling ungranted servers (exfiltration) |
//! | [`address`](classify) | public addresses only, unless [`PrivateExceptions`] | SSRF to loopback, metadata service, internal nets, tunnels to them |
//! | [`resolve`](Resolve) | one lookup, connect to the checked address | DNS rebinding |
//! | `client` | redirects re-checked, credentials dropped cross-origin, timeouts, size caps, per-connector pool | redirect-based SSRF and key leaks, slowloris upstreams, memory exhaustion, cross-connector connection reuse |
//! | here | forbidden request headers, one `host` header | request smuggling, spoofed client identity, virtual-host confusion |

mod address;
mod allow;
mod client;
pub(crate) mod policy;
mod resolve;

use std::sync::Arc;

use http::HeaderName;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi_http::{
    DEFAULT_FORBIDDEN_HEADERS, ForbiddenHeaderFilter, RequestOptions, WasiBody, WasiHttpCtx,
    WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

pub use address::{IpNet, PrivateExceptions, classify};

/// An origin, URL or address range that cannot be granted: the message names the text, says
/// what is wrong and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidGrant(pub String);
pub use allow::{AllowList, HostPattern};
pub(crate) use client::Outbound;
pub use client::{HttpTimeouts, MAX_REDIRECTS, MAX_RESPONSE_BODY_BYTES, NetGrant};
pub use resolve::{Resolve, StaticResolver, SystemResolver};

use crate::limits::BoundaryMeter;
pub(crate) use policy::not_public;
pub use policy::{HostGrant, NetworkGrant, NetworkSection};

/// Request headers a guest may not set, on top of wasmtime's defaults (`connection`, `host`,
/// `transfer-encoding`, `upgrade`, `proxy-authorization`, …):
///
/// - `te`, `trailer`, `expect`: change how the host frames or waits on the message; a guest
///   controlling them can smuggle a second request or stall a connection.
/// - `forwarded`, `x-forwarded-*`, `x-real-ip`, `via`: claim to be a proxy speaking for some
///   other client; a vendor trusting them would log (or authorise) the wrong source.
/// - anything `proxy-*`: addressed to proxies the host does not use.
const EXTRA_FORBIDDEN_HEADERS: [&str; 9] = [
    "te",
    "trailer",
    "expect",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "via",
];

/// May a guest set this request header? `name` is lower-case, as `HeaderName` always is.
fn is_forbidden_header(name: &HeaderName) -> bool {
    DEFAULT_FORBIDDEN_HEADERS.contains(name)
        || EXTRA_FORBIDDEN_HEADERS.contains(&name.as_str())
        || name.as_str().starts_with("proxy-")
}

/// Per-call HTTP state: the wasi-http context and our hooks.
pub(crate) struct HttpState {
    ctx: WasiHttpCtx,
    hooks: OutboundHooks,
}

impl HttpState {
    /// State for one call: requests go through `outbound` (the connector's client) under
    /// `timeouts`, every body byte charged to `boundary`, at most `at_once` open at a time.
    pub(crate) fn new(
        outbound: Arc<Outbound>,
        timeouts: HttpTimeouts,
        boundary: BoundaryMeter,
        at_once: usize,
    ) -> Self {
        let mut ctx = WasiHttpCtx::new();
        ctx.set_field_size_limit(client::MAX_HEADER_BYTES);
        HttpState {
            ctx,
            hooks: OutboundHooks {
                outbound,
                timeouts,
                boundary,
                open: Arc::new(tokio::sync::Semaphore::new(at_once.max(1))),
            },
        }
    }
}

struct OutboundHooks {
    outbound: Arc<Outbound>,
    timeouts: HttpTimeouts,
    boundary: BoundaryMeter,
    /// One permit per request the call may have open; a response body holds its permit until
    /// it is read or dropped.
    open: Arc<tokio::sync::Semaphore>,
}

type IoFuture = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;

impl WasiHttpHooks for OutboundHooks {
    fn forbidden_header_filter(&mut self) -> ForbiddenHeaderFilter {
        Arc::new(is_forbidden_header)
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: IoFuture,
    ) -> Box<
        dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), wasmtime_wasi_http::Error>>
            + Send,
    > {
        drop(fut);
        let outbound = self.outbound.clone();
        let timeouts = self.timeouts.shortened_by(options);
        let meter = self.boundary.clone();
        let open = self.open.clone();
        Box::new(async move {
            let response = outbound.send(request, timeouts, meter, open).await?;
            // Connections are driven by their own tasks and body errors reach the guest through
            // the body stream, so there is nothing more to report here.
            Ok((response, Box::new(async { Ok(()) }) as IoFuture))
        })
    }
}

impl HttpState {
    /// The view wasmtime-wasi-http works through, with the instance's resource table.
    pub(crate) fn view<'a>(&'a mut self, table: &'a mut ResourceTable) -> WasiHttpCtxView<'a> {
        WasiHttpCtxView {
            ctx: &mut self.ctx,
            table,
            hooks: &mut self.hooks,
        }
    }
}

/// Link `wasi:http`, served from the store data's [`WasiHttpView`].
pub(crate) fn add_to_linker<T: WasiHttpView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_headers() {
        for name in [
            "host",
            "connection",
            "transfer-encoding",
            "upgrade",
            "te",
            "trailer",
            "expect",
            "forwarded",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-proto",
            "x-real-ip",
            "via",
            "proxy-authorization",
            "proxy-anything",
            "keep-alive",
        ] {
            assert!(
                is_forbidden_header(&HeaderName::from_static(name)),
                "{name}"
            );
        }
        for name in [
            "accept",
            "authorization",
            "content-type",
            "x-api-key",
            "user-agent",
        ] {
            assert!(
                !is_forbidden_header(&HeaderName::from_static(name)),
                "{name}"
            );
        }
    }

    #[test]
    fn guest_options_only_shorten() {
        use std::time::Duration;
        let base = HttpTimeouts::within(Duration::from_secs(10));
        assert_eq!(base.connect, Duration::from_millis(2500));
        assert_eq!(base.first_byte, Duration::from_secs(5));
        assert_eq!(base.between_bytes, Duration::from_millis(2500));
        assert_eq!(base.total, Duration::from_millis(7500));
        let big = HttpTimeouts::within(Duration::from_secs(60));
        assert_eq!(big.connect, Duration::from_secs(5));
        assert_eq!(big.first_byte, Duration::from_secs(8));
        assert_eq!(big.between_bytes, Duration::from_secs(5));
        assert_eq!(big.total, Duration::from_secs(45));
        let asked = base.shortened_by(Some(RequestOptions {
            connect_timeout: Some(Duration::from_secs(60)),
            first_byte_timeout: Some(Duration::from_secs(1)),
            between_bytes_timeout: None,
        }));
        assert_eq!(asked.connect, base.connect, "longer is ignored");
        assert_eq!(
            asked.first_byte,
            Duration::from_secs(1),
            "shorter is honoured"
        );
        assert_eq!(asked.between_bytes, base.between_bytes);
        assert_eq!(asked.total, base.total);
    }
}
