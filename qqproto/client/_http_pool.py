"""REST over the adapter's IO: a keep-alive connection pool, the token's single flight, ``BotApi``.

Policy stays in the sans-IO pieces this module drives: :class:`~qqproto.rest.HttpConnection`
(the codec), :class:`~qqproto.rest.TokenMachine` (when to fetch, the 60-s rule, invalidation)
and :class:`~qqproto.rest.CallAttempts` (what to retry).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from qqproto._errors import QQError, RemoteProtocolError, TransportError
from qqproto.client._io import Io, Stream
from qqproto.rest._auth import AccessToken, Fetch, TokenMachine, TokenReady
from qqproto.rest._call import ApiResponse, Call
from qqproto.rest._catalogue import ApiCatalogue
from qqproto.rest._http import Endpoints, HttpConnection, HttpRequest, encode_api_request
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
