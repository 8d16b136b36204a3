//! The origin allow-list: which `scheme://host:port` a connector may call at all.
//!
//! Threat: a connector (or a vendor response steering it) sending data to, or fetching from, a
//! place the force never agreed to — an attacker's server, or another vendor's. The list is
//! checked before any DNS lookup, on the first request and on every redirect hop.

use super::InvalidGrant;
use std::fmt;

/// One origin pattern a connector may call: `scheme://host:port`, `host:port` or `host`, where
/// `host` may start with `*.` to allow every subdomain (not the bare domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    scheme: Option<String>,
    host: String,
    port: Option<u16>,
}

impl HostPattern {
    /// Parse a pattern.
    ///
    /// # Errors
    /// A message saying what is wrong, e.g. an unknown scheme, a path, or a bad port.
    pub fn parse(text: &str) -> Result<HostPattern, InvalidGrant> {
        Self::parse_text(text).map_err(InvalidGrant)
    }

    fn parse_text(text: &str) -> Result<HostPattern, String> {
        let text = text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => {
                let s = s.to_ascii_lowercase();
                if s != "http" && s != "https" {
                    return Err(format!(
                        "`{text}`: scheme `{s}` is not allowed (use http or https)"
                    ));
                }
                (Some(s), r)
            }
            None => (None, text),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('?') || rest.contains('@') {
            return Err(format!(
                "`{text}`: give an origin (scheme://host:port), not a URL with a path or user"
            ));
        }
        let (host, port) = split_host_port(rest).map_err(|e| format!("`{text}`: {e}"))?;
        if host.is_empty() {
            return Err(format!("`{text}`: no host name"));
        }
        let wildcard_ok = match host.strip_prefix("*.") {
            Some(domain) => !domain.contains('*') && !domain.is_empty(),
            None => !host.contains('*'),
        };
        if !wildcard_ok {
            return Err(format!(
                "`{text}`: a wildcard may only be a leading `*.` (e.g. `*.vendor.example`)"
            ));
        }
        Ok(HostPattern {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// The origin of a URL, as a pattern matching exactly that origin.
    ///
    /// # Errors
    /// When `url` is not an absolute http(s) URL.
    pub fn from_url(url: &str) -> Result<HostPattern, InvalidGrant> {
        Self::url_origin(url).map_err(InvalidGrant)
    }

    fn url_origin(url: &str) -> Result<HostPattern, String> {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| format!("`{url}` has no scheme"))?
            .to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(format!("`{url}`: only http and https URLs can be granted"));
        }
        let host = uri.host().ok_or_else(|| format!("`{url}` has no host"))?;
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        Ok(HostPattern {
            scheme: Some(scheme),
            host: host.trim_matches(['[', ']']).to_ascii_lowercase(),
            port: Some(port),
        })
    }

    /// The host part, lower-case, IPv6 without brackets; may start with `*.`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The scheme, if the pattern names one.
    pub fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    /// Does a request to `scheme://host:port` fall under this pattern?
    pub fn matches(&self, scheme: &str, host: &str, port: u16) -> bool {
        if let Some(s) = &self.scheme
            && !s.eq_ignore_ascii_case(scheme)
        {
            return false;
        }
        let default_port = if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        if self.port.unwrap_or(default_port) != port {
            return false;
        }
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        match self.host.strip_prefix("*.") {
            Some(domain) => host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
            None => host == self.host,
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.scheme {
            write!(f, "{s}://")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

fn split_host_port(s: &str) -> Result<(&str, Option<u16>), String> {
    if let Some(v6) = s.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| "unclosed `[` in IPv6 address".to_string())?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((host, Some(parse_port(p)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(format!("unexpected `{after}` after the address")),
        };
    }
    match s.rsplit_once(':') {
        Some((host, p)) => Ok((host, Some(parse_port(p)?))),
        None => Ok((s, None)),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("`{p}` is not a port (1–65535)")),
        Ok(n) => Ok(n),
    }
}

/// The origins one connector may call. Empty means no outbound HTTP at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    patterns: Vec<HostPattern>,
}

impl AllowList {
    /// An allow-list of these patterns.
    pub fn new(patterns: Vec<HostPattern>) -> Self {
        AllowList { patterns }
    }

    /// The patterns, in the order given.
    pub fn patterns(&self) -> &[HostPattern] {
        &self.patterns
    }

    /// Is `scheme://host:port` allowed?
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.patterns.iter().any(|p| p.matches(scheme, host, port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_origin() {
        let p = HostPattern::parse("http://127.0.0.1:8080").unwrap();
        assert!(p.matches("http", "127.0.0.1", 8080));
        assert!(!p.matches("https", "127.0.0.1", 8080));
        assert!(!p.matches("http", "127.0.0.1", 8081));
        assert!(!p.matches("http", "127.0.0.2", 8080));
    }

    #[test]
    fn host_only_means_default_port_any_scheme() {
        let p = HostPattern::parse("api.vendor.example").unwrap();
        assert!(p.matches("https", "API.Vendor.Example", 443));
        assert!(p.matches("http", "api.vendor.example", 80));
        assert!(!p.matches("https", "api.vendor.example", 8443));
    }

    #[test]
    fn wildcard_matches_subdomains_only() {
        let p = HostPattern::parse("https://*.vendor.example").unwrap();
        assert!(p.matches("https", "a.vendor.example", 443));
        assert!(p.matches("https", "a.b.vendor.example", 443));
        assert!(!p.matches("https", "vendor.example", 443));
        assert!(!p.matches("https", "evilvendor.example", 443));
        assert!(!p.matches("https", "vendor.example.evil", 443));
    }

    #[test]
    fn rejects_bad_patterns_with_reasons() {
        for (bad, why) in [
            ("ftp://x", "scheme"),
            ("http://x/path", "path"),
            ("http://user@x", "path or user"),
            ("x:0", "port"),
            ("x:99999", "port"),
            ("a.*.example", "wildcard"),
            ("http://", "no host"),
        ] {
            let err = HostPattern::parse(bad).unwrap_err();
            assert!(err.0.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn from_url_takes_the_origin() {
        let p = HostPattern::from_url("http://127.0.0.1:4100/api/v2/").unwrap();
        assert_eq!(p.to_string(), "http://127.0.0.1:4100");
        let p = HostPattern::from_url("https://[::1]/x").unwrap();
        assert!(p.matches("https", "[::1]", 443));
        assert!(HostPattern::from_url("file:///etc/passwd").is_err());
        assert!(HostPattern::from_url("/relative").is_err());
    }

    #[test]
    fn empty_allow_list_denies_everything() {
        let allow = AllowList::default();
        assert!(!allow.allows("https", "example.com", 443));
    }
}
