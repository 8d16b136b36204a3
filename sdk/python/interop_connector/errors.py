"""Failures a connector reports, as the contract's `connector-error` cases.

Raise `ConnectorFailure(case, message)` anywhere in a connector; the export wrapper in `pole`
(or the connector itself) turns it into the generated `Err(ConnectorError_…)`. The status
table matches the Rust SDK's `status_error`.
"""

CASES = ("invalid-input", "not-found", "unauthorized", "unavailable", "internal")

# Longest vendor detail quoted in an error message; vendors may send whole HTML pages.
MAX_DETAIL = 200


class ConnectorFailure(Exception):
    """One of the contract's error cases with its message."""

    def __init__(self, case, message):
        if case not in CASES:
            raise ValueError(f"unknown connector-error case {case!r}")
        super().__init__(message)
        self.case = case
        self.message = message

    def __repr__(self):
        return f"ConnectorFailure({self.case!r}, {self.message!r})"


def case_for_status(status):
    """The error case for an HTTP status the vendor answered (None for 2xx/3xx)."""
    if status < 400:
        return None
    if status in (404, 410):
        return "not-found"
    if status in (401, 403):
        return "unauthorized"
    if status in (400, 422):
        return "invalid-input"
    if status in (408, 429) or 500 <= status <= 599:
        return "unavailable"
    return "internal"


def sanitise(detail):
    """Vendor text made safe to show: control characters replaced, cut to MAX_DETAIL."""
    cleaned = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in detail.strip())
    if len(cleaned) > MAX_DETAIL:
        cleaned = cleaned[:MAX_DETAIL] + "…"
    return cleaned


def status_failure(status, detail=""):
    """A `ConnectorFailure` for an HTTP error status, quoting the vendor's detail."""
    detail = sanitise(detail or "")
    message = f"vendor answered HTTP {status}" + (f": {detail}" if detail else "")
    return ConnectorFailure(case_for_status(status) or "internal", message)


def transport_words(code_name, detail=None):
    """A `wasi:http` error code in words ("connection refused"), not its binding's class name
    (`ConnectionRefused`), with the host's detail, if any, cut to MAX_DETAIL characters."""
    words = []
    for ch in code_name:
        if ch.isupper() and words:
            words.append(" ")
        words.append(ch.lower())
    text = "".join(words).replace("dns", "name lookup").replace("tls", "TLS").replace("http", "HTTP")
    text = text.replace("uri", "URL").replace(" ip ", " address ")
    if detail not in (None, ""):
        text += f" ({str(detail)[:MAX_DETAIL]})"
    return text
