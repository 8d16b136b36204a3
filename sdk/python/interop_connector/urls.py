"""Pure URL helpers: split a URL into what wasi:http wants, join paths, encode queries."""

from urllib.parse import quote

from .errors import ConnectorFailure


def _quote(value):
    """`quote(value, safe="")`, skipped for the usual plain words and numbers it leaves alone."""
    text = str(value)
    return text if text.isascii() and text.isalnum() else quote(text, safe="")


def split_url(url):
    """`http://host:port/a/b?q=1` → `("http", "host:port", "/a/b?q=1")`.

    Raises `ConnectorFailure('invalid-input')` for anything but an http(s) URL with a host,
    since a wrong URL comes from the connector's configuration.
    """
    if not isinstance(url, str):
        raise ConnectorFailure("invalid-input", f"not a URL: {url!r}")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https"):
        raise ConnectorFailure("invalid-input", f"not an http(s) URL: {url!r}")
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if not authority or "@" in authority or any(c.isspace() for c in authority):
        raise ConnectorFailure("invalid-input", f"URL has no usable host: {url!r}")
    if not path.startswith("/"):
        path = "/" + path
    return scheme, authority, path


def join(base, path):
    """`join("http://h/api/", "/x")` → `"http://h/api/x"`: exactly one slash between."""
    return base.rstrip("/") + "/" + path.lstrip("/")


def with_query(url, params):
    """Append `params` (a dict or pairs; None values skipped) percent-encoded to `url`."""
    pairs = params.items() if isinstance(params, dict) else params
    encoded = [
        f"{_quote(k)}={_quote(v)}" for k, v in pairs if v is not None
    ]
    if not encoded:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(encoded)


def segment(value):
    """`value` percent-encoded as one path segment (`/` included), e.g. for an id in a path."""
    return _quote(value)
