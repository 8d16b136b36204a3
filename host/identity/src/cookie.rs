//! The gateway's cookies: the session cookie and the short-lived sign-in cookie.
//!
//! Both are `HttpOnly` and `Path=/`. The session cookie is `SameSite=Strict`; the sign-in cookie
//! is `SameSite=Lax`, because it must come back on the provider's redirect to the callback, a
//! cross-site top-level navigation. Off loopback both are `Secure` and carry the `__Host-`
//! prefix, so no other host or path can set or shadow them.

use std::net::SocketAddr;
use std::time::Duration;

use crate::login::PENDING_LOGIN_TTL;

/// The longest `Cookie` header read, in total. Browsers send up to about 8 KiB; the gateway's
/// own cookies are under 100 bytes.
pub const MAX_COOKIE_HEADER_BYTES: usize = 8 * 1024;
/// The most cookies looked at in one request.
const MAX_COOKIES: usize = 64;

/// The `Cookie` header could not be read safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CookieError {
    /// Longer than [`MAX_COOKIE_HEADER_BYTES`] or more than 64 cookies.
    #[error("the Cookie header is too large")]
    TooLarge,
    /// The same cookie name twice: a cookie planted by a sibling host or path competing with
    /// ours. Neither is trusted.
    #[error("the cookie is sent twice")]
    Duplicate,
}

/// How the gateway's cookies are set: `Secure` and `__Host-` unless the gateway is on loopback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookiePolicy {
    secure: bool,
}

impl CookiePolicy {
    /// Cookies for a gateway listening on `listen`: `Secure` unless it is a loopback address
    /// (a development gateway over plain HTTP, where browsers would drop `Secure` cookies).
    pub fn for_listen_addr(listen: SocketAddr) -> Self {
        Self {
            secure: !listen.ip().is_loopback(),
        }
    }

    /// Cookies with `Secure` (and `__Host-`) set or not.
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    /// Whether cookies are `Secure`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The session cookie's name.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-interop-session"
        } else {
            "interop-session"
        }
    }

    /// The sign-in cookie's name.
    pub fn login_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-interop-login"
        } else {
            "interop-login"
        }
    }

    fn attributes(&self, same_site: &str, max_age: Duration) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "; Path=/; Max-Age={}; HttpOnly; SameSite={same_site}{secure}",
            max_age.as_secs()
        )
    }

    /// The `Set-Cookie` value for a new session, expiring with the session's absolute lifetime.
    pub fn session_cookie(&self, session_id: &str, max_age: Duration) -> String {
        format!(
            "{}={session_id}{}",
            self.session_cookie_name(),
            self.attributes("Strict", max_age)
        )
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn clear_session_cookie(&self) -> String {
        format!(
            "{}={}",
            self.session_cookie_name(),
            self.attributes("Strict", Duration::ZERO)
        )
    }

    /// The `Set-Cookie` value for a sign-in just started ([`LoginStart::binding`](crate::LoginStart::binding)).
    pub fn login_cookie(&self, binding: &str) -> String {
        format!(
            "{}={binding}{}",
            self.login_cookie_name(),
            self.attributes("Lax", PENDING_LOGIN_TTL)
        )
    }

    /// The `Set-Cookie` value that removes the sign-in cookie (set it on the callback's answer).
    pub fn clear_login_cookie(&self) -> String {
        format!(
            "{}={}",
            self.login_cookie_name(),
            self.attributes("Lax", Duration::ZERO)
        )
    }

    /// The session cookie's value in the request's `Cookie` headers (HTTP/2 may send several).
    ///
    /// # Errors
    /// The headers are too large, or the cookie is there twice.
    pub fn session_id<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> Result<Option<&'a str>, CookieError> {
        find_cookie(cookie_headers, self.session_cookie_name())
    }

    /// The sign-in cookie's value in the request's `Cookie` headers.
    ///
    /// # Errors
    /// The headers are too large, or the cookie is there twice.
    pub fn login_binding<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> Result<Option<&'a str>, CookieError> {
        find_cookie(cookie_headers, self.login_cookie_name())
    }
}

/// The value of cookie `name` in `Cookie` headers, bounded in size and count.
///
/// # Errors
/// The headers are too large, or `name` is there twice.
pub fn find_cookie<'a>(
    cookie_headers: impl IntoIterator<Item = &'a str>,
    name: &str,
) -> Result<Option<&'a str>, CookieError> {
    let mut total = 0usize;
    let mut count = 0usize;
    let mut found = None;
    for header in cookie_headers {
        total += header.len();
        if total > MAX_COOKIE_HEADER_BYTES {
            return Err(CookieError::TooLarge);
        }
        for pair in header.split(';') {
            count += 1;
            if count > MAX_COOKIES {
                return Err(CookieError::TooLarge);
            }
            let Some((k, v)) = pair.split_once('=') else {
                continue;
            };
            if k.trim() != name {
                continue;
            }
            if found.is_some() {
                return Err(CookieError::Duplicate);
            }
            let v = v.trim();
            found = Some(
                v.strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v),
            );
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_one_cookie_among_others() {
        let h = "theme=dark; interop-session=abc; other=1";
        assert_eq!(find_cookie([h], "interop-session"), Ok(Some("abc")));
        assert_eq!(find_cookie([h], "missing"), Ok(None));
        assert_eq!(
            find_cookie(["a=1", "interop-session=x"], "interop-session"),
            Ok(Some("x"))
        );
        assert_eq!(
            find_cookie(["interop-session=\"q\""], "interop-session"),
            Ok(Some("q"))
        );
    }

    #[test]
    fn duplicates_and_floods_are_refused() {
        assert_eq!(find_cookie(["s=1; s=2"], "s"), Err(CookieError::Duplicate));
        assert_eq!(
            find_cookie(["s=1", "s=2"], "s"),
            Err(CookieError::Duplicate)
        );
        let long = "x".repeat(MAX_COOKIE_HEADER_BYTES + 1);
        assert_eq!(
            find_cookie([long.as_str()], "s"),
            Err(CookieError::TooLarge)
        );
        let many = (0..100)
            .map(|i| format!("c{i}=1"))
            .collect::<Vec<_>>()
            .join("; ");
        assert_eq!(
            find_cookie([many.as_str()], "s"),
            Err(CookieError::TooLarge)
        );
    }
}
