"""REST over the adapter's IO: a keep-alive connection pool, the token's single flight, ``BotApi``.

:meth:`HttpPool.send_raw` (and :meth:`BotApi.send_raw`) sends a plain request to any
``http(s)://`` URL, e.g. a chunked upload's part to its presigned object-storage URL: the pool's
connections, timeout, response size limit and TLS verification, but none of the bot's headers
(no ``Authorization``, no ``X-Union-Appid``).

Policy stays in the sans-IO pieces this module drives: :class:`~qqproto.rest.HttpConnection`
(the codec), :class:`~qqproto.rest.TokenMachine` (when to fetch, the 60-s rule, invalidation)
and :class:`~qqproto.rest.CallAttempts` (what to retry).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from qqproto._errors import QQError, RemoteProtocolError, TransportError
from qqproto.client._io import Io, Stream
from qqproto.rest._auth import AccessToken, Fetch, TokenMachine, TokenReady
from qqproto.rest._call import ApiResponse, Call
from qqproto.rest._catalogue import ApiCatalogue
from qqproto.rest._http import (
    USER_AGENT,
    Endpoints,
    HttpConnection,
    HttpRequest,
    HttpUrl,
    encode_api_request,
)
from qqproto.rest._retry import (
    CallAttempts,
    Done,
    GiveUp,
    RetryPolicy,
    TransportFailure,
    TransportKind,
)

T = TypeVar("T")

log = logging.getLogger("qqbot.http")

READ_SIZE = 65536

_BOT_HEADERS = frozenset({"authorization", "x-union-appid"})
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def raw_request(
    method: str, url: str, body: bytes = b"", headers: Sequence[tuple[str, str]] = ()
) -> HttpRequest:
    """An :class:`HttpRequest` of ``method`` to ``url`` (``http://`` or ``https://``; a query
    such as a presigned URL's signature is kept) carrying ``body`` and ``headers`` plus ``Host``,
    ``User-Agent`` and ``Content-Length``, and never the bot's credentials.

    ``ValueError`` for a URL that is not ``http(s)://host...``, one with ``user:password@``, a
    bad method, a header this function sets itself, or ``Authorization``/``X-Union-Appid`` (the
    bot's token must never leave for another host)."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    if any(ch in url for ch in "\r\n\t\x00 "):
        raise ValueError("url contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise ValueError("url must look like 'https://host/path?query'")
    if parts.username is not None or parts.password is not None:
        raise ValueError("url must not carry user:password credentials")
    method = method.upper()
    if not (method.isascii() and method.isalpha()):
        raise ValueError(f"invalid HTTP method {method!r}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    base = HttpUrl(
        scheme=scheme,
        host=host,
        port=port if port is not None else (443 if scheme == "https" else 80),
        path=parts.path.rstrip("/"),
    )
    for name, value in headers:
        lower = name.lower()
        if lower in _BOT_HEADERS:
            raise ValueError(f"{name} must not be sent to {base}: it is the bot's credential")
        if lower in _OWN_HEADERS:
            raise ValueError(f"the {name} header is set by the pool")
        if not (name.isascii() and name.isprintable() and value.isascii() and value.isprintable()):
            raise ValueError(f"header {name!r} has characters not allowed in HTTP")
    full = (
        ("Host", base.host_header),
        ("User-Agent", USER_AGENT),
        *headers,
        ("Content-Length", str(len(body))),
    )
    return HttpRequest(method=method, url=base, target=target, headers=full, body=bytes(body))


@dataclass(slots=True)
class _Conn:
    stream: Stream
    http: HttpConnection
    idle_since: float = 0.0


@dataclass(slots=True)
class HttpPool:
    """Keep-alive HTTP/1.1 connections per origin, over the adapter's streams."""

    io: Io
    timeout: float = 30.0
    max_idle_per_origin: int = 8
    idle_expiry: float = 15.0
    max_body_size: int = 8 * 1024 * 1024
    _idle: dict[tuple[str, str, int], list[_Conn]] = field(default_factory=dict)
    _expired: list[_Conn] = field(default_factory=list)

    async def request(self, request: HttpRequest) -> ApiResponse:
        """Send ``request`` and return its response. Raise ``RemoteProtocolError`` for a
        malformed answer and a :class:`TransportError` below HTTP: the ``Io``'s own kind
        (``ConnectError``, ``TlsError``, ``ConnectionLostError``, ...) with the request in its
        message, or the base class when no answer came within :attr:`timeout`; ``failure`` says
        how and whether the request may have been sent."""
        io = self.io
        origin = request.url.origin
        deadline = io.now() + self.timeout
        sent = False
        conn: _Conn | None = None
        try:
            async with io.fail_at(deadline):
                conn = self._take_idle(origin)
                if conn is None:
                    stream = await io.connect(
                        request.url.host,
                        request.url.port,
                        tls=request.url.tls,
                        timeout=self.timeout,
                    )
                    conn = _Conn(stream, HttpConnection(max_body_size=self.max_body_size))
                data = conn.http.send(request)
                sent = True
                await conn.stream.send_all(data)
                while True:
                    chunk = await conn.stream.receive_some(READ_SIZE)
                    response = conn.http.receive_data(chunk)
                    if response is not None:
                        break
                    if not chunk:  # EOF without a response: h11 raised already; be safe
                        raise RemoteProtocolError("connection closed before the response")
        except TransportError as exc:  # the Io's, raised again as the same kind with the request
            await self._discard(conn)
            kind = TransportKind.LOST if sent else TransportKind.CONNECT
            raise type(exc)(
                f"{request.method} {request.url}: {exc}", TransportFailure(kind, sent, exc)
            ) from exc
        except TimeoutError:
            await self._discard(conn)
            raise TransportError(
                f"{request.method} {request.url}: no answer within {self.timeout:g} s",
                TransportFailure(TransportKind.TIMEOUT, sent=sent),
            ) from None
        except RemoteProtocolError:
            await self._discard(conn)
            raise
        except BaseException:
            await self._discard(conn)
            raise
        if conn.http.reusable:
            conn.idle_since = io.now()
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self.max_idle_per_origin:
                idle.append(conn)
            else:
                await conn.stream.aclose()
        else:
            await conn.stream.aclose()
        return response

    async def send_raw(
        self,
        method: str,
        url: str,
        body: bytes = b"",
        headers: Sequence[tuple[str, str]] = (),
    ) -> ApiResponse:
        """Send a plain request to ``url`` (see :func:`raw_request`: no bot credentials) over
        this pool's connections, and return the response whatever its status. Raises as
        :meth:`request` does; the errors name the URL without its query (a presigned URL's
        signature stays out of logs)."""
        return await self.request(raw_request(method, url, body, headers))

    def _take_idle(self, origin: tuple[str, str, int]) -> _Conn | None:
        idle = self._idle.get(origin)
        now = self.io.now()
        while idle:
            conn = idle.pop()
            if now - conn.idle_since < self.idle_expiry and not conn.stream.is_stale():
                return conn
            self._expired.append(conn)  # closed by the peer while idle, or too old to trust
        return None

    async def _discard(self, conn: _Conn | None) -> None:
        if conn is not None:
            await conn.stream.aclose()

    async def aclose(self) -> None:
        """Close every idle connection."""
        conns = [c for idle in self._idle.values() for c in idle] + self._expired
        self._idle.clear()
        self._expired = []
        for conn in conns:
            await conn.stream.aclose()


class TokenSource:
    """The one access token of a bot, fetched by a single caller however many wait."""

    def __init__(self, machine: TokenMachine, pool: HttpPool) -> None:
        self.machine = machine
        self._pool = pool
        self._io = pool.io
        self._done = self._io.create_event()

    async def get(self) -> AccessToken:
        """A valid token (fetching it if needed, or waiting for the fetch in flight)."""
        io = self._io
        while True:
            step = self.machine.acquire(io.now())
            if isinstance(step, TokenReady):
                return step.token
            if isinstance(step, Fetch):
                await self._fetch(step)
                continue
            if step.until is None:
                await self._done.wait()
            else:
                await io.sleep_until(step.until)

    async def _fetch(self, step: Fetch) -> None:
        io = self._io
        done, self._done = self._done, io.create_event()
        try:
            response = await self._pool.request(step.request)
        except BaseException as exc:
            self.machine.fetch_failed(exc, io.now())
            log.warning("access token fetch failed: %s", exc)
            done.set()
            if not isinstance(exc, (TransportError, RemoteProtocolError)):
                raise
            return
        try:
            token = self.machine.handle_response(response, io.now())
        except QQError as exc:
            log.warning("access token fetch refused: %s", exc)
        else:
            log.info("access token fetched (generation %d)", token.generation)
        finally:
            done.set()

    def invalidate(self, token: AccessToken | None) -> None:
        """Drop ``token`` if it is still the current one (after a 4004 close)."""
        self.machine.invalidate(token)


class BotApi(ApiCatalogue):
    """Every REST route of the platform (see :class:`~qqproto.rest.ApiCatalogue`),
    carried out over the adapter's IO with the token's single flight and the retry policy.

    One instance is shared by all handlers and shards of a client.
    """

    def __init__(
        self,
        tokens: TokenSource,
        pool: HttpPool,
        endpoints: Endpoints,
        *,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._tokens = tokens
        self._pool = pool
        self._endpoints = endpoints
        self._rng = rng if rng is not None else random.Random()
        self._retry = retry if retry is not None else RetryPolicy(rng=self._rng)

    def __repr__(self) -> str:
        return f"<BotApi {self._endpoints.api}>"

    @property
    def io(self) -> Io:
        """The ``Io`` this API runs on (its clock, sleeping, task groups)."""
        return self._pool.io

    async def send_raw(
        self,
        method: str,
        url: str,
        body: bytes = b"",
        headers: Sequence[tuple[str, str]] = (),
    ) -> ApiResponse:
        """A plain request to another host over the shared pool, without the bot's token
        (:meth:`HttpPool.send_raw`): e.g. a chunked upload's part to its presigned URL. Not
        retried; any status is returned."""
        return await self._pool.send_raw(method, url, body, headers)

    def _perform(self, call: Call[T]) -> Awaitable[T]:
        return self._run(call)

    async def request(self, call: Call[T]) -> T:
        """Carry out any :class:`~qqproto.rest.Call` (e.g. one built by hand)."""
        return await self._run(call)

    async def _run(self, call: Call[T]) -> T:
        io = self._pool.io
        attempts = CallAttempts(call.request, self._retry, self._tokens.machine)
        app_id = self._tokens.machine.credentials.app_id
        while True:
            token = await self._tokens.get()
            http = encode_api_request(
                call.request,
                base=self._endpoints.api,
                app_id=app_id,
                access_token=token.value,
                rng=self._rng,
            )
            try:
                response = await self._pool.request(http)
            except TransportError as exc:  # the pool always says how; unknown: lost after sending
                failure: TransportFailure = exc.failure or TransportFailure(
                    TransportKind.LOST, True
                )
                step: Any = attempts.on_failure(TransportFailure(failure.kind, failure.sent, exc))
            except RemoteProtocolError as exc:  # a garbled answer: retried only if idempotent
                step = attempts.on_failure(TransportFailure(TransportKind.LOST, True, exc))
            else:
                step = attempts.on_response(token, response)
                if response.status >= 400:
                    log.debug(
                        "%s %s -> %d (trace %s)",
                        call.request.method,
                        call.request.route,
                        response.status,
                        response.trace_id,
                    )
            if isinstance(step, Done):
                return call.parse(step.value)
            if isinstance(step, GiveUp):
                if step.error is not None:
                    raise step.error
                raise QQError(f"{call.request.method} {call.request.route}: {step.reason}")
            log.info(
                "%s %s: retrying in %.2f s", call.request.method, call.request.route, step.delay
            )
            if step.delay > 0:
                await io.sleep_until(io.now() + step.delay)
