"""Sans-IO HTTP/1.1 client codec for the REST API and the token endpoint, built on h11.

Three pieces, none of which touches a socket:

* :class:`HttpUrl` and :class:`Endpoints`: where requests go (production, sandbox, or any
  ``http(s)://`` base such as a proxy or the local simulator), parsed once.
* :func:`encode_api_request` / :func:`encode_json_request`: an :class:`~qqproto.rest.ApiRequest`
  plus credentials becomes an :class:`HttpRequest` (target, headers, body bytes), including
  ``multipart/form-data`` bodies.
* :class:`HttpConnection`: one keep-alive connection. ``send(request)`` gives the bytes to write;
  ``receive_data(bytes)`` returns the :class:`~qqproto.rest.ApiResponse` once it is complete.
  Garbage from the peer raises :class:`~qqproto._errors.RemoteProtocolError`, nothing else.
"""

from __future__ import annotations

import codecs
import enum
import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

import h11
import msgspec

from qqproto._errors import InvalidJSON, LocalProtocolError, RemoteProtocolError
from qqproto._json import dumps, loads
from qqproto._version import __version__
from qqproto.rest._call import JSON, ApiRequest, ApiResponse, FormField, header_value

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_MAX_HEADER_SIZE",
    "PRODUCTION_API_BASE",
    "SANDBOX_API_BASE",
    "TOKEN_URL",
    "USER_AGENT",
    "ConnectionState",
    "Endpoints",
    "HttpConnection",
    "HttpRequest",
    "HttpUrl",
    "decode_json",
    "encode_api_request",
    "encode_json",
    "encode_json_request",
    "encode_multipart",
    "make_boundary",
]

PRODUCTION_API_BASE = "https://api.sgroup.qq.com"
SANDBOX_API_BASE = "https://sandbox.api.sgroup.qq.com"
TOKEN_URL = "https://bots.qq.com/app/getAppAccessToken"

USER_AGENT = f"qqbot/{__version__} (+python)"
"""The ``User-Agent`` this library sends on every request."""

DEFAULT_MAX_BODY_SIZE = 8 * 1024 * 1024
"""Largest response body accepted by default (8 MiB)."""

DEFAULT_MAX_HEADER_SIZE = 64 * 1024
"""Largest status line plus headers accepted by default (64 KiB)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


# --------------------------------------------------------------------------------------------
# URLs and endpoints


class HttpUrl(msgspec.Struct, frozen=True):
    """An ``http://`` or ``https://`` URL split into what a connection needs.

    ``path`` never ends with ``/`` (the root is ``""``), so joining a request path that starts
    with ``/`` is a plain concatenation. Build one with :meth:`parse`.
    """

    scheme: str
    host: str
    port: int
    path: str = ""

    @classmethod
    def parse(cls, url: str, *, what: str = "URL") -> HttpUrl:
        """Parse ``url``; raise ``ValueError`` (``TypeError`` if not a str) saying what is wrong."""
        if not isinstance(url, str):
            raise TypeError(
                f"{what} must be a str like 'https://api.sgroup.qq.com', got {type(url).__name__}"
            )
        if not url.strip():
            raise ValueError(
                f"{what} must be a non-empty string like 'https://api.sgroup.qq.com', got {url!r}"
            )
        if url != url.strip() or any(ch in url for ch in "\r\n\t\x00 "):
            raise ValueError(f"{what} {url!r} contains whitespace or control characters")
        try:
            parts: SplitResult = urlsplit(url)
            port = parts.port
            host = parts.hostname
        except ValueError as exc:
            raise ValueError(f"{what} {url!r} is not a valid URL: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(
                f"{what} {url!r} must start with 'http://' or 'https://' "
                f"(for example 'https://api.sgroup.qq.com')"
            )
        if not host:
            raise ValueError(f"{what} {url!r} has no host name")
        if parts.username is not None or parts.password is not None:
            raise ValueError(
                f"{what} must not carry user:password credentials; "
                "configure proxies and credentials in the adapter instead"
            )
        if parts.query or parts.fragment or url.endswith(("?", "#")):
            raise ValueError(f"{what} {url!r} must not contain a query or a fragment")
        return cls(
            scheme=scheme,
            host=host,
            port=port if port is not None else _DEFAULT_PORTS[scheme],
            path=parts.path.rstrip("/"),
        )

    @property
    def tls(self) -> bool:
        """Whether the connection must be wrapped in TLS."""
        return self.scheme == "https"

    @property
    def origin(self) -> tuple[str, str, int]:
        """``(scheme, host, port)``: requests with the same origin may share a connection."""
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        """The ``Host`` header value: host, bracketed if IPv6, plus the port if not default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"

    def target(self, path_and_query: str = "") -> str:
        """The request target for ``path_and_query`` (which starts with ``/``) under this URL."""
        target = self.path + path_and_query
        return target or "/"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host_header}{self.path}"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The two URLs a bot talks to over HTTP: the REST API base and the token endpoint.

    ``Endpoints()`` is production; ``Endpoints(is_sandbox=True)`` the sandbox; ``api_base`` and
    ``token_url`` override either (a reverse proxy whose egress IP is whitelisted, the local
    simulator, a test server). A path in ``api_base`` (``https://proxy.example/qq``) is
    prefixed to every API path. The URLs are parsed once, at construction.
    """

    api_base: str | None = None
    token_url: str = TOKEN_URL
    is_sandbox: bool = False
    api: HttpUrl = field(init=False, repr=False, compare=False)
    token: HttpUrl = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        base = self.api_base
        if base is None:
            base = SANDBOX_API_BASE if self.is_sandbox else PRODUCTION_API_BASE
        object.__setattr__(self, "api", HttpUrl.parse(base, what="api_base"))
        token = HttpUrl.parse(self.token_url, what="token_url")
        if not token.path:
            raise ValueError(
                f"token_url {self.token_url!r} has no path; the platform's is {TOKEN_URL!r}"
            )
        object.__setattr__(self, "token", token)


# --------------------------------------------------------------------------------------------
# Requests


class HttpRequest(msgspec.Struct, frozen=True):
    """One encoded HTTP request: where to connect, and what to send there.

    The ``repr`` hides the body (it may carry the client secret) and the ``Authorization``
    header, so requests are safe to log.
    """

    method: str
    url: HttpUrl
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return header_value(self.headers, name)

    def __repr__(self) -> str:
        return (
            f"HttpRequest(method={self.method!r}, url='{self.url}', target={self.target!r}, "
            f"body=<{len(self.body)} bytes>)"
        )

    __str__ = __repr__


def encode_json(value: JSON) -> bytes:
    """Serialise ``value`` as compact UTF-8 JSON; raise ``TypeError`` (an object JSON has no type
    for) or ``ValueError`` (NaN, a cycle, too deep) if it can't."""
    try:
        return dumps(value)
    except TypeError as exc:
        raise TypeError(f"request body is not JSON-serialisable: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"request body is not JSON-serialisable: {exc}") from None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _as_utf8(body: bytes) -> bytes:
    """``body`` as UTF-8: JSON in UTF-16 or UTF-32 (told by a BOM or by the zero bytes around
    the first ASCII character, as RFC 4627 describes) is transcoded; anything else is as is."""
    if body[:1] not in (b"\x00", b"\xef", b"\xfe", b"\xff") and body[1:2] != b"\x00":
        return body  # the common case: UTF-8 (or garbage, which the decoder reports)
    encoding = next((enc for bom, enc in _BOMS if body.startswith(bom)), None)
    if encoding is None:
        head = body[:4]
        if head[:3] == b"\x00\x00\x00":
            encoding = "utf-32-be"
        elif head[:1] == b"\x00":
            encoding = "utf-16-be"
        elif head[1:4] == b"\x00\x00\x00":
            encoding = "utf-32-le"
        elif head[1:2] == b"\x00":
            encoding = "utf-16-le"
        else:
            return body
    try:
        return body.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
    except UnicodeError as exc:
        raise InvalidJSON(f"response body is not valid JSON in {encoding}: {exc}") from None


def decode_json(body: bytes, *, what: str = "response body") -> JSON:
    """Parse a JSON body (empty is ``None``); bad JSON raises :class:`RemoteProtocolError`."""
    if not body.strip():
        return None
    try:
        return loads(_as_utf8(body), what)
    except InvalidJSON as exc:
        snippet = body[:80].decode("utf-8", "replace")
        raise InvalidJSON(f"{exc}; it starts with {snippet!r}") from None


def make_boundary(fields: Sequence[FormField], rng: random.Random | None = None) -> str:
    """A multipart boundary that occurs in none of ``fields``.

    With ``rng`` the boundary is random; without, it is derived from the content (deterministic
    per request, and no global randomness either way).
    """
    blobs = [_as_bytes(f.value) for f in fields]
    counter = 0
    while True:
        if rng is not None:
            token = f"{rng.getrandbits(128):032x}"
        else:
            digest = hashlib.sha256(counter.to_bytes(8, "big"))
            for f, blob in zip(fields, blobs, strict=True):
                digest.update(f.name.encode("utf-8", "surrogatepass"))
                digest.update(len(blob).to_bytes(8, "big"))
                digest.update(blob)
            token = digest.hexdigest()[:32]
        boundary = f"qqbot-{token}"
        marker = boundary.encode("ascii")
        if not any(marker in blob for blob in blobs):
            return boundary
        counter += 1


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _quote(value: str) -> str:
    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError(f"form field name/filename {value!r} contains a line break")
    return value.replace("\\", "\\\\").replace('"', '\\"')


def encode_multipart(fields: Sequence[FormField], boundary: str) -> tuple[bytes, str]:
    """Encode ``fields`` as ``multipart/form-data``; return ``(body, content_type)``.

    Parts with a ``filename`` are file parts (``content_type`` defaults to
    ``application/octet-stream``); others are plain fields (``str`` values sent as UTF-8; callers
    JSON-encode object values first, as the platform wants them).
    """
    out = bytearray()
    for f in fields:
        disposition = f'form-data; name="{_quote(f.name)}"'
        if f.filename is not None:
            disposition += f'; filename="{_quote(f.filename)}"'
        out += b"--" + boundary.encode("ascii") + b"\r\n"
        out += b"Content-Disposition: " + disposition.encode("utf-8") + b"\r\n"
        content_type = f.content_type
        if content_type is None and f.filename is not None:
            content_type = "application/octet-stream"
        if content_type is not None:
            _check_header_value("content type", content_type)
            out += b"Content-Type: " + content_type.encode("latin-1") + b"\r\n"
        out += b"\r\n" + _as_bytes(f.value) + b"\r\n"
    out += b"--" + boundary.encode("ascii") + b"--\r\n"
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _check_header_value(what: str, value: str) -> None:
    if not value.isprintable():  # CR, LF, NUL or any other control character
        raise ValueError(f"{what} contains characters not allowed in an HTTP header")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"{what} contains non-Latin-1 characters") from None


def encode_json_request(
    url: HttpUrl,
    method: str,
    target: str,
    body: JSON = None,
    *,
    has_body: bool | None = None,
    extra_headers: Sequence[tuple[str, str]] = (),
) -> HttpRequest:
    """Encode a request with an optional JSON body and the standard headers.

    ``target`` is relative to ``url`` (its path is prefixed). ``has_body`` defaults to
    ``body is not None``.
    """
    send_body = body is not None if has_body is None else has_body
    data = encode_json(body) if send_body else b""
    headers: list[tuple[str, str]] = list(extra_headers)
    if send_body:
        headers.append(("Content-Type", "application/json"))
    return _finish(url, method, target, headers, data)


def _finish(
    url: HttpUrl,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> HttpRequest:
    method = method.upper()
    if not method.isalpha() or not method.isascii():
        raise ValueError(f"invalid HTTP method {method!r}")
    if target and not target.startswith("/"):
        raise ValueError(f"request path {target!r} must start with '/'")
    full = [
        ("Host", url.host_header),
        ("User-Agent", USER_AGENT),
        ("Accept", "application/json"),
        *headers,
    ]
    if body or method not in ("GET", "HEAD"):
        full.append(("Content-Length", str(len(body))))
    for name, value in full:
        if not (value.isascii() and value.isprintable()):  # else nothing to check
            _check_header_value(f"header {name}", value)
    return HttpRequest(
        method=method, url=url, target=url.target(target), headers=tuple(full), body=body
    )


def encode_api_request(
    request: ApiRequest,
    *,
    base: HttpUrl,
    app_id: str,
    access_token: str,
    rng: random.Random | None = None,
) -> HttpRequest:
    """Encode an :class:`ApiRequest` for the REST API with the platform's auth headers.

    Adds ``Authorization: QQBot {token}``, ``X-Union-Appid``, ``User-Agent``, ``Host``,
    ``Accept``, ``Content-Type`` and ``Content-Length``. Form requests get a multipart body whose
    boundary comes from ``rng`` if given, else from the content.
    """
    if request.json is not None and request.form is not None:
        raise ValueError(f"{request.method} {request.route}: set either json or form, not both")
    if not access_token:
        raise ValueError("no access token: fetch one with the TokenMachine first")
    auth = [("Authorization", f"QQBot {access_token}"), ("X-Union-Appid", str(app_id))]
    try:
        target = request.target()
    except TypeError as exc:
        raise TypeError(f"{request.route}: cannot encode query: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{request.route}: cannot encode query: {exc}") from None
    if request.form is not None:
        boundary = make_boundary(request.form, rng)
        body, content_type = encode_multipart(request.form, boundary)
        return _finish(base, request.method, target, [*auth, ("Content-Type", content_type)], body)
    return encode_json_request(base, request.method, target, request.json, extra_headers=auth)


# --------------------------------------------------------------------------------------------
# The connection


def decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """Received headers (h11's ``headers.raw_items()``) as ``(lower-case name, value)``."""
    return tuple([(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw])


_END_OF_MESSAGE = h11.EndOfMessage()
"""h11 events are immutable: one end-of-message serves every request."""


class ConnectionState(enum.Enum):
    """Where an :class:`HttpConnection` is in its life."""

    IDLE = "idle"
    """Ready to send a request (fresh, or reused after a complete keep-alive exchange)."""
    AWAITING_RESPONSE = "awaiting_response"
    """A request was sent; feed bytes until the response is complete."""
    CLOSED = "closed"
    """Not reusable: the peer closed, asked to close, or sent unexpected bytes. Close it."""
    ERROR = "error"
    """A protocol error or a failed write happened. Close it."""


class HttpConnection:
    """The client side of one HTTP/1.1 connection, without IO.

    Usage: ``data = conn.send(request)``; write ``data``; then feed every chunk read from the
    socket to ``conn.receive_data(chunk)`` (``b""`` at EOF) until it returns the response. After
    that :attr:`reusable` says whether the same socket may carry the next request.
    """

    def __init__(
        self,
        *,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
    ) -> None:
        if max_body_size < 0 or max_header_size <= 0:
            raise ValueError("max_body_size and max_header_size must be positive")
        self.max_body_size = max_body_size
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=max_header_size)
        self._state = ConnectionState.IDLE
        self._eof = False
        self._reset_response()

    def _reset_response(self) -> None:
        self._status = 0
        self._headers: tuple[tuple[str, str], ...] = ()
        self._body = bytearray()

    @property
    def state(self) -> ConnectionState:
        """The current :class:`ConnectionState`."""
        return self._state

    @property
    def reusable(self) -> bool:
        """True when the next request may be sent on this connection."""
        return self._state is ConnectionState.IDLE

    def send(self, request: HttpRequest) -> bytes:
        """The bytes to write for ``request``. Only allowed while :attr:`reusable`."""
        if self._state is not ConnectionState.IDLE:
            raise LocalProtocolError(
                f"cannot send a request on a connection in state {self._state.name}; "
                "open a new connection"
            )
        try:
            # as bytes: h11 would encode str as ASCII, refusing the Latin-1 values _finish allows
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers]
            head = self._h11.send(
                h11.Request(method=request.method, target=request.target, headers=headers)
            )
            body = self._h11.send(h11.Data(data=request.body)) if request.body else b""
            end = self._h11.send(_END_OF_MESSAGE)
        except (h11.LocalProtocolError, UnicodeEncodeError) as exc:
            self._state = ConnectionState.ERROR
            raise ValueError(f"cannot encode request: {exc}") from None
        self._state = ConnectionState.AWAITING_RESPONSE
        return head + body + end

    def send_failed(self) -> None:
        """Tell the connection that writing failed: it becomes unusable."""
        self._h11.send_failed()
        self._state = ConnectionState.ERROR

    def receive_data(self, data: bytes) -> ApiResponse | None:
        """Feed bytes read from the socket (``b""`` = EOF).

        Returns the response once it is complete, else None. Raises
        :class:`RemoteProtocolError` if the bytes are not a valid response (or the peer closed
        mid-response, or the body is larger than ``max_body_size``).
        """
        if self._eof:
            if data:
                raise LocalProtocolError("received data after EOF was already fed")
            return None
        if not data:
            self._eof = True
        if self._state is ConnectionState.ERROR:
            raise LocalProtocolError("the connection is in the ERROR state; close it")
        if self._state is not ConnectionState.AWAITING_RESPONSE:
            # Bytes (or EOF) while no request is pending: a keep-alive connection the peer gave
            # up on. It must not carry another request.
            self._state = ConnectionState.CLOSED
            return None
        self._h11.receive_data(data)
        try:
            return self._pump()
        except h11.RemoteProtocolError as exc:
            self._state = ConnectionState.ERROR
            raise RemoteProtocolError(f"malformed HTTP response: {exc}") from None
        except RemoteProtocolError:
            self._state = ConnectionState.ERROR
            raise

    def _pump(self) -> ApiResponse | None:
        while True:
            event = self._h11.next_event()
            if event is h11.NEED_DATA:
                return None
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                self._status = event.status_code
                self._headers = decode_headers(event.headers.raw_items())
                self._check_declared_length()
            elif isinstance(event, h11.Data):
                if len(self._body) + len(event.data) > self.max_body_size:
                    raise RemoteProtocolError(
                        f"response body exceeds max_body_size={self.max_body_size} bytes"
                    )
                self._body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return self._complete()
            else:  # pragma: no cover - defensive
                # h11 itself reports an EOF before or inside a response as RemoteProtocolError,
                # and PAUSED cannot happen before EndOfMessage; keep the invariant regardless.
                raise RemoteProtocolError(
                    "the server closed the connection before sending a response"
                )

    def _check_declared_length(self) -> None:
        for name, value in self._headers:
            if name == "content-length" and int(value) > self.max_body_size:
                raise RemoteProtocolError(
                    f"response Content-Length {value} exceeds max_body_size="
                    f"{self.max_body_size} bytes"
                )

    def _complete(self) -> ApiResponse:
        response = ApiResponse(status=self._status, headers=self._headers, body=bytes(self._body))
        self._reset_response()
        leftover, closed = self._h11.trailing_data
        if (
            self._h11.our_state is h11.DONE
            and self._h11.their_state is h11.DONE
            and not leftover
            and not closed
        ):
            self._h11.start_next_cycle()
            self._state = ConnectionState.IDLE
        else:
            self._state = ConnectionState.CLOSED
        return response
