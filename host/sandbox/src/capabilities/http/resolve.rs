//! Name resolution for outbound HTTP, done once per connection by the host.
//!
//! Threat: DNS rebinding. If the address a name resolves to were checked in one lookup and the
//! connection made after a second lookup (as `TcpStream::connect("name:443")` does), a hostile
//! DNS server could answer "public" to the check and "169.254.169.254" to the connect. The host
//! resolves through a [`Resolve`] once, checks every address it got, and connects to exactly
//! those addresses. Embedders may plug in their own resolver (a force's internal DNS, or a
//! fixed table in tests) through the same trait.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;

/// Turns a host name into the addresses to connect to. Never called with a literal IP address.
pub trait Resolve: Send + Sync + 'static {
    /// The addresses `host` resolves to, in the order to try them.
    ///
    /// # Errors
    /// An I/O error when the name cannot be resolved; `NotFound` for a name that does not exist.
    fn resolve<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>>;
}

/// The operating system's resolver (`getaddrinfo` on a blocking thread, via tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>> {
        Box::pin(async move {
            // The port is irrelevant: the caller connects to each address on the URL's port.
            let addrs = tokio::net::lookup_host((host, 0)).await?;
            let mut ips: Vec<IpAddr> = Vec::new();
            for addr in addrs {
                if !ips.contains(&addr.ip()) {
                    ips.push(addr.ip());
                }
            }
            Ok(ips)
        })
    }
}

/// A fixed table of names, for tests and for embedders that pin their vendors' addresses.
/// A name not in the table is an error; there is no fallback to the system resolver.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use interop_sandbox::capabilities::http::StaticResolver;
///
/// let resolver = StaticResolver::new()
///     .with("vendor.test", [IpAddr::V4(Ipv4Addr::LOCALHOST)]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    names: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    /// An empty table: every name fails to resolve.
    pub fn new() -> Self {
        StaticResolver::default()
    }

    /// The table with `name` (matched case-insensitively) resolving to `ips`, in that order.
    #[must_use]
    pub fn with(mut self, name: &str, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        self.names
            .insert(name.to_ascii_lowercase(), ips.into_iter().collect());
        self
    }
}

impl Resolve for StaticResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>> {
        let found = self.names.get(&host.to_ascii_lowercase()).cloned();
        Box::pin(async move {
            found.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("`{host}` is not in the static resolver's table"),
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[tokio::test]
    async fn static_resolver_knows_only_its_table() {
        let ip = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));
        let r = StaticResolver::new().with("Vendor.Test", [ip]);
        assert_eq!(r.resolve("vendor.TEST").await.unwrap(), vec![ip]);
        let err = r.resolve("localhost").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn system_resolver_resolves_localhost() {
        let ips = SystemResolver.resolve("localhost").await.unwrap();
        assert!(ips.iter().all(|ip| ip.is_loopback()), "{ips:?}");
    }
}
