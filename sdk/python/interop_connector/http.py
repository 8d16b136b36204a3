"""JSON over HTTP through the host's `wasi:http/outgoing-handler`, blocking.

    from interop_connector import http
    status = http.get_json(http.join(base, "/health"), headers={"x-api-key": key})
    created = http.post_json(url, {"title": "…"}, headers={"idempotency-key": k})

A non-2xx answer raises `ConnectorFailure` with the case `errors.case_for_status` gives (401/403
→ unauthorized, 404 → not-found, 400/422 → invalid-input, 408/429/5xx → unavailable); a refused
connection, a DNS failure or a timeout raises `unavailable`; a destination the host's policy
denies raises `internal` (retrying will not help). The host caps every request's timeouts (5 s
to connect, 8 s to the first byte, 5 s between bytes); a request may ask for shorter ones.

componentize-py's generated `poll_loop.py` is not used: in a world that also imports
`interop:connector/types` it cannot import the wasi:http types, and a blocking client needs no
event loop anyway.
"""

import json
import weakref

from componentize_py_types import Err
from wit_world.imports import outgoing_handler, streams
from wit_world.imports import wasi_http_types as http

from .errors import ConnectorFailure, status_failure, transport_words
from .urls import join, segment, split_url, with_query
from .warm import warm_up

__all__ = ["Response", "request", "get_json", "post_json", "join", "segment", "with_query"]

# Default timeouts, in milliseconds. Shorter than the host's caps, so a hung vendor is reported
# as `unavailable` by the connector well inside the host's default 10 s wall-clock budget.
CONNECT_TIMEOUT_MS = 3_000
FIRST_BYTE_TIMEOUT_MS = 5_000
BETWEEN_BYTES_TIMEOUT_MS = 3_000
# Largest response body read; a vendor streaming without end fails with `internal`.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
# Bytes per write of the request body (wasi:io guarantees 4096) and per read of the response.
_WRITE_CHUNK = 4096
_READ_CHUNK = 64 * 1024

# wasi:http error codes that mean "the vendor is not there or too slow", i.e. unavailable.
_UNAVAILABLE = (
    "DnsTimeout", "DnsError", "DestinationNotFound", "DestinationUnavailable",
    "DestinationIpUnroutable", "ConnectionRefused", "ConnectionTerminated", "ConnectionTimeout",
    "ConnectionReadTimeout", "ConnectionWriteTimeout", "ConnectionLimitReached",
    "TlsProtocolError", "TlsCertificateError", "TlsAlertReceived", "HttpResponseIncomplete",
    "HttpResponseTimeout", "HttpProtocolError",
)


# Method cases by name, made once (the build's snapshot holds them) rather than per request.
_METHODS = {"GET": http.Method_Get, "POST": http.Method_Post, "PUT": http.Method_Put,
            "DELETE": http.Method_Delete, "PATCH": http.Method_Patch}


def _kept():
    """Never called: what the build-time finalizer below watches, alive as long as the module."""


# componentize-py gives every host resource (a request, a stream, a pollable…) a
# `weakref.finalize`, and the first finalizer a process makes imports `atexit`. This one is
# made while the component is built, so the pre-initialised snapshot holds it and no call
# pays for that import (about half a millisecond of every call).
weakref.finalize(_kept, _kept)


class Response:
    """A complete response: status, headers (lower-case names) and body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body as JSON; a body that is not JSON is the vendor's fault: `internal`."""
        try:
            try:
                # JSON on the wire is UTF-8 (RFC 8259): decoding first spares `json.loads`
                # guessing the encoding of bytes; anything else takes the general path.
                text = self.body.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError:
                return json.loads(self.body)
            return json.loads(text)
        except ValueError as e:
            raise ConnectorFailure("internal", f"vendor sent invalid JSON: {e}") from None


def _error_code_failure(code, url):
    name = type(code).__name__.removeprefix("ErrorCode_")
    text = transport_words(name, getattr(code, "value", None))
    if name in _UNAVAILABLE:
        return ConnectorFailure("unavailable", f"{url}: vendor unreachable: {text}")
    if name == "HttpRequestDenied":
        return ConnectorFailure("internal", f"{url}: outbound request denied by policy")
    return ConnectorFailure("internal", f"{url}: HTTP failure: {text}")


def _unwrap(err):
    """The payload of a componentize-py `Err`, or the exception itself."""
    return getattr(err, "value", err)


def request(method, url, headers=None, body=None, timeout_ms=None, read_headers=True):
    """Send one request and read the whole answer. Raises `ConnectorFailure` on transport
    failures; the status is the caller's to judge (see `get_json` for the usual way).
    With `read_headers=False` the answer's headers are not read (`Response.headers` is empty),
    which spares the host calls and handles that reading them takes."""
    scheme, authority, path = split_url(url)
    pairs = [(k.lower(), str(v).encode()) for k, v in (headers or {}).items()]
    try:
        fields = http.Fields.from_list(pairs)
    except Err as e:
        raise ConnectorFailure("internal", f"header refused: {_unwrap(e)}") from None
    req = http.OutgoingRequest(fields)
    case = _METHODS.get(method.upper())
    req.set_method(case() if case is not None else http.Method_Other(method.upper()))
    req.set_scheme(http.Scheme_Https() if scheme == "https" else http.Scheme_Http())
    req.set_authority(authority)
    req.set_path_with_query(path)
    options = http.RequestOptions()
    first_byte = timeout_ms if timeout_ms is not None else FIRST_BYTE_TIMEOUT_MS
    for setter, ms in ((options.set_connect_timeout, min(CONNECT_TIMEOUT_MS, first_byte)),
                       (options.set_first_byte_timeout, first_byte),
                       (options.set_between_bytes_timeout, BETWEEN_BYTES_TIMEOUT_MS)):
        try:
            setter(ms * 1_000_000)
        except Err:
            pass  # the host does not let us set it: its own limit applies
    outgoing = req.body()
    # Hand the request over first, then stream the body into it: the host reads the body while
    # it sends, so a body larger than its buffer cannot block.
    try:
        future = outgoing_handler.handle(req, options)
    except Err as e:
        raise _error_code_failure(_unwrap(e), url) from None
    if body:
        stream = outgoing.write()
        for i in range(0, len(body), _WRITE_CHUNK):
            try:
                stream.blocking_write_and_flush(body[i:i + _WRITE_CHUNK])
            except Err as e:
                raise ConnectorFailure("unavailable", f"{url}: sending the body: {_unwrap(e)}") from None
        stream.__exit__(None, None, None)
    try:
        http.OutgoingBody.finish(outgoing, None)
    except Err as e:
        raise _error_code_failure(_unwrap(e), url) from None
    with future:
        # The answer is never ready this early: wait for it first, then take it.
        answer = None
        while answer is None:
            with future.subscribe() as pollable:
                pollable.block()
            answer = future.get()
    # Result[Result[IncomingResponse, ErrorCode], None]
    if isinstance(answer, Err):
        raise ConnectorFailure("internal", f"{url}: response already taken")
    if isinstance(answer.value, Err):
        raise _error_code_failure(answer.value.value, url)
    response = answer.value.value
    status = response.status()
    received = {}
    if read_headers:
        with response.headers() as fields:
            received = {k.lower(): v.decode("utf-8", "replace") for k, v in fields.entries()}
    incoming = response.consume()
    stream = incoming.stream()
    chunks, size = [], 0
    while True:
        try:
            chunk = stream.blocking_read(_READ_CHUNK)
        except Err as e:
            if isinstance(e.value, streams.StreamError_Closed):
                break
            failure = e.value
            detail = failure.value.to_debug_string() if hasattr(failure, "value") else failure
            raise ConnectorFailure("unavailable", f"{url}: reading the answer: {detail}") from None
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ConnectorFailure("internal", f"{url}: answer larger than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    stream.__exit__(None, None, None)
    # Read to its end, the body is done with: dropping it (rather than `finish`, which makes a
    # trailers future nobody reads) releases the connection all the same.
    incoming.__exit__(None, None, None)
    response.__exit__(None, None, None)
    return Response(status, received, b"".join(chunks))


def _detail(response, error_detail):
    if error_detail is not None:
        try:
            return error_detail(response.json())
        except Exception:  # the vendor's error body is not what it documents: quote it raw
            pass
    return response.text()


def _checked(response, error_detail):
    if 200 <= response.status < 300:
        return response.json() if response.body else None
    raise status_failure(response.status, _detail(response, error_detail) or "")


def get_json(url, headers=None, params=None, timeout_ms=None, error_detail=None):
    """GET `url` (with `params` as its query) and return the JSON body of a 2xx answer.

    `error_detail(body)` picks the vendor's message out of its JSON error body, for the
    connector error raised on a non-2xx answer.
    """
    all_headers = {"accept": "application/json", **(headers or {})}
    response = request("GET", with_query(url, params or {}), all_headers, None, timeout_ms,
                       read_headers=False)
    return _checked(response, error_detail)


def post_json(url, value, headers=None, timeout_ms=None, error_detail=None):
    """POST `value` as JSON; returns `(status, body)` for a 2xx answer (so a caller can tell
    `201 Created` from a `200` replay), raises `ConnectorFailure` otherwise."""
    all_headers = {"accept": "application/json", "content-type": "application/json",
                   **(headers or {})}
    body = json.dumps(value).encode()
    response = request("POST", url, all_headers, body, timeout_ms, read_headers=False)
    return response.status, _checked(response, error_detail)


_WARM_BODY = (b'{"count": 1, "results": [{"id": "W-1", "name": {"first": "Sam", "last": "SAMPLE"},'
              b' "tags": [], "n": 1, "x": null, "ok": true}]}')


def _warm_sample():
    """What a call does around the exchange itself, on synthetic values (see `warm`): the
    exchange cannot be warmed, there is no host while the component is built."""
    Response(200, {}, _WARM_BODY).json()
    split_url(with_query(join("http://warm-up.example.invalid/api", "v1/items"),
                         {"q": "Sam Sample", "n": 10, "none": None}))


warm_up(_warm_sample)
