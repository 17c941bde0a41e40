"""Webhook mode, written once for every adapter: the bots' runtime, the endpoint, an HTTP server.

* :class:`WebhookOptions` configures it: ``Client(..., webhook=WebhookOptions(host, port))``
  makes ``await client.start()`` serve callbacks instead of connecting the gateway.
* :func:`webhook_session` starts what handlers need for one or several clients: it fetches each
  bot's token and user (so ``ctx.api``/``ctx.bot`` work), runs a
  :class:`~qqproto.client._dispatcher.Dispatcher` per bot in a task group of the adapter's
  :class:`~qqproto.client._io.Io`, and yields the :class:`WebhookEndpoint`.
* :class:`WebhookEndpoint` turns one request into its response with the sans-IO
  :class:`~qqproto.webhook.WebhookReceiver` and submits the events to the dispatchers without
  waiting for them, so a slow handler never delays the ack. When the handler backlog of a bot it
  serves is full it answers 503 *before* the receiver sees the request, so the id is not
  remembered and the platform's retry is delivered later (with several bots on one endpoint, one
  bot's full backlog delays the others' pushes too: give busy bots their own endpoint).
* :func:`serve_http` is the standalone server: HTTP/1.1 (h11) over the adapter's
  :class:`~qqproto.client._io.Listener`, with bounded heads and bodies, a short deadline for the
  head and one for the whole request, an idle keep-alive timeout, and bounds on connections in
  all and per peer address. A connection is closed after any answer that is not a success, so
  a rejected peer holds no slot. The ASGI app (:mod:`qqproto.client._asgi`) uses the same
  endpoint under any ASGI server (which does its own HTTP hardening).
* With a cluster configuration (``Client(..., cluster=ClusterConfig(redis_url, ...))``) several
  instances serve one bot behind a load balancer: each pushed dispatch the receiver accepts is
  also marked in Redis (:mod:`qqproto.cluster._webhook`: ``SET ... NX PX``) before it is
  handled, so a platform retry that lands on another instance is acknowledged there and not
  handled again. The answer waits for that check, at most
  :data:`~qqproto.cluster._webhook.WEBHOOK_DEDUP_TIMEOUT` seconds (a round trip on a healthy
  Redis); when Redis fails or is slower, the push is handled anyway with a WARNING (at least
  once: a retry landing elsewhere meanwhile may be handled twice; never lost).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import h11

from qqproto._errors import TransportError
from qqproto._json import dumps
from qqproto.client._audit import AUDIT_DISPATCHES, attach_audits
from qqproto.client._context import Context
from qqproto.client._dispatcher import Dispatcher
from qqproto.client._http_pool import READ_SIZE, BotApi, HttpPool, TokenSource
from qqproto.client._io import Io, Listener, SSLContextLike, Stream, TaskGroup
from qqproto.client._redis import open_redis
from qqproto.cluster._webhook import (
    WEBHOOK_DEDUP_TIMEOUT,
    WebhookVerdict,
    webhook_dedup_key,
    webhook_dedup_px,
    webhook_verdict,
)
from qqproto.models import MessageAudit, ReadyEvent
from qqproto.rest._auth import TokenMachine
from qqproto.webhook._receiver import (
    DEFAULT_DEDUP_CAPACITY,
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMESTAMP_WINDOW,
    Headers,
    WebhookEvent,
    WebhookReceiver,
    WebhookResult,
    _header_map,
)

if TYPE_CHECKING:
    from qqproto.client._runtime import ClientBase


log = logging.getLogger("qqbot.webhook")

__all__ = [
    "SharedDedup",
    "WebhookBot",
    "WebhookEndpoint",
    "WebhookOptions",
    "serve_http",
    "webhook_session",
]


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    """How a client receives events over HTTP callbacks instead of the gateway.

    ``host``/``port`` is where the standalone server listens (``port=0``: any free port, see
    ``client.webhook_url``); the platform itself only calls ``https://`` URLs on ports 80, 443,
    8080 or 8443, so serve TLS here (``ssl_context``) or behind a reverse proxy. ``path`` is the
    callback path (for the ASGI app, None accepts any path its framework routes to it).
    ``max_body_size`` bounds a request body (413 above), ``timestamp_window`` the signature's age
    in seconds (None: unchecked). ``dedup_capacity`` is how many pushes are remembered per bot
    against retries and replays, each until its signature timestamp is out of the window; none
    is forgotten early: when that many are remembered, new pushes are refused with 503 (the
    platform retries them) until old ones expire (65,536 cover about 200 pushes/s).

    The standalone server: a request (head and body) must arrive within ``request_timeout``
    seconds of its start (a new connection's start, or its first byte on a kept-alive one), and
    its head within ``header_timeout`` (the lower of the two counts); ``keepalive_timeout`` is how
    long a connection may idle between requests. ``max_connections`` are served at once, at
    most ``max_connections_per_peer`` from one IP address (further ones are closed at once;
    behind a reverse proxy every connection comes from the proxy, so raise it to
    ``max_connections`` there). ``max_header_size`` bounds a request head (431 above). Any
    answer that is not a success (4xx, 503) closes the connection.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    path: str | None = "/qqbot"
    ssl_context: SSLContextLike | None = None
    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    timestamp_window: float | None = DEFAULT_TIMESTAMP_WINDOW
    dedup_capacity: int = DEFAULT_DEDUP_CAPACITY
    allow_unsigned_validation: bool = True
    request_timeout: float = 10.0
    keepalive_timeout: float = 30.0
    max_connections: int = 256
    max_header_size: int = 16 * 1024
    header_timeout: float = 5.0
    max_connections_per_peer: int = 32

    def __post_init__(self) -> None:
        if not isinstance(self.port, int) or isinstance(self.port, bool):
            raise TypeError(f"webhook port must be an int, not {type(self.port).__name__}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"webhook port {self.port} is not a TCP port")
        if not min(self.request_timeout, self.keepalive_timeout, self.header_timeout) > 0:
            raise ValueError(
                "request_timeout, keepalive_timeout and header_timeout must be positive"
            )
        if self.max_connections < 1 or self.max_connections_per_peer < 1:
            raise ValueError("max_connections and max_connections_per_peer must be >= 1")
        if self.max_header_size < 1024:
            raise ValueError("max_header_size must be >= 1024")

    def receiver(self, clients: Sequence[ClientBase], path: str | None) -> WebhookReceiver:
        """A receiver for ``clients`` with these options and ``path``."""
        return WebhookReceiver(
            [c.token for c in clients],
            path=path,
            max_body_size=self.max_body_size,
            timestamp_window=self.timestamp_window,
            dedup_capacity=self.dedup_capacity,
            allow_unsigned_validation=self.allow_unsigned_validation,
        )


class SharedDedup:
    """The check shared by every instance serving one bot: ``SET P:webhook:{id} 1 NX PX``.

    ``redis`` is an open coredis client; ``window`` (seconds) is how long a push stays marked
    (the cluster's ``webhook_dedup_window``); ``timeout`` bounds the wait for Redis."""

    def __init__(
        self,
        io: Io,
        redis: Any,
        namespace: str,
        app_id: str,
        window: float,
        timeout: float = WEBHOOK_DEDUP_TIMEOUT,
    ) -> None:
        self.io = io
        self.redis = redis
        self.namespace = namespace
        self.app_id = app_id
        self.px = webhook_dedup_px(window)
        self.timeout = timeout
        self.duplicates = 0
        """Pushes acknowledged without handling (marked by another attempt)."""
        self.unchecked = 0
        """Pushes handled without the shared check (Redis failed or was too slow)."""

    def __repr__(self) -> str:
        return f"<SharedDedup {self.namespace}:{self.app_id} px={self.px}>"

    async def check(self, item: WebhookEvent, signature: str | None) -> WebhookVerdict:
        """Mark ``item`` in Redis: FIRST (handle it), DUPLICATE or UNCHECKED (handle it)."""
        from coredis import PureToken

        key = webhook_dedup_key(self.namespace, self.app_id, item.event_id, signature)
        try:
            async with self.io.fail_at(self.io.now() + self.timeout):
                reply = await self.redis.set(key, "1", condition=PureToken.NX, px=self.px)
            verdict = webhook_verdict(reply)
        except Exception as exc:  # coredis errors, TimeoutError, an unexpected reply
            self.unchecked += 1
            log.warning(
                "webhook: shared dedup failed (%s: %s); handling %s %s anyway (it is handled "
                "twice if the platform retries it to another instance)",
                type(exc).__name__,
                exc,
                item.name,
                item.event_id,
            )
            return WebhookVerdict.UNCHECKED
        if verdict is WebhookVerdict.DUPLICATE:
            self.duplicates += 1
        return verdict


class WebhookBot:
    """One client's side of webhook mode: its ``BotApi``, ``Context`` and ``Dispatcher``, and
    the shared deduplication when the client has a cluster configuration."""

    def __init__(
        self,
        client: ClientBase,
        dispatcher: Dispatcher,
        ctx: Context,
        dedup: SharedDedup | None = None,
    ) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.ctx = ctx
        self.dedup = dedup

    def submit(self, item: WebhookEvent, size: int = 0) -> None:
        """Queue the handler call for ``item`` (it runs in the dispatcher's task group); ``size``
        is what it counts against the backlog's byte bound."""
        if item.error is not None:
            self.dispatcher.submit(_raise, item.error, size)
        else:
            if item.name in AUDIT_DISPATCHES and isinstance(item.event, MessageAudit):
                self.client.audits.record(item.name, item.event)  # for wait_audit
            self.dispatcher.submit(getattr(self.client.handler, item.handler), item.event, size)


async def _raise(ctx: Context, exc: BaseException) -> None:
    raise exc


class WebhookEndpoint:
    """Requests in, responses out, events to the bots' dispatchers; no IO of its own."""

    def __init__(self, io: Io, receiver: WebhookReceiver, bots: dict[str, WebhookBot]) -> None:
        self.io = io
        self.receiver = receiver
        self.bots = bots
        self.requests = 0
        self.rejected = 0

    def check_head(self, method: str, path: str, headers: Headers) -> WebhookResult | None:
        return self.receiver.check_head(method, path, headers)

    def too_large(self) -> WebhookResult:
        return self.receiver.too_large()

    async def handle(self, method: str, path: str, headers: Headers, body: bytes) -> WebhookResult:
        """The response to one complete request; its events are queued, not awaited. The only
        wait is the shared check of a bot in cluster mode (bounded, see :class:`SharedDedup`)."""
        self.requests += 1
        if any(bot.dispatcher.full for bot in self.bots.values()):
            self.rejected += 1
            log.warning("webhook: handler backlog full; answering 503 so the platform retries")
            return WebhookResult(
                503,
                b'{"code":503,"message":"busy: handler backlog full, retry later"}',
                (("content-type", "application/json"), ("retry-after", "1")),
                reason="busy",
            )
        result = self.receiver.handle(method, path, headers, body, self.io.wall_time())
        if result.ok:
            log.debug("webhook: %d %s", result.status, result.reason)
        else:
            self.rejected += 1
            level = logging.WARNING if result.status >= 500 else logging.INFO
            log.log(level, "webhook: rejected with %d: %s", result.status, result.reason)
        if not result.events:
            return result
        size = len(body) // len(result.events)
        taken = []
        for item in result.events:
            bot = self.bots[item.app_id]
            if bot.dedup is not None:
                signature = _header_map(headers).get("x-signature-ed25519")
                if await bot.dedup.check(item, signature) is WebhookVerdict.DUPLICATE:
                    log.info(
                        "webhook: %s %s was taken in by another attempt; acked, not handled",
                        item.name,
                        item.event_id,
                    )
                    continue
            bot.submit(item, size)
            taken.append(item)
        if len(taken) < len(result.events):
            result = replace(result, events=tuple(taken), reason=result.reason + " (duplicate)")
        return result


async def _start_bot(
    client: ClientBase, group: TaskGroup, pool: HttpPool, dedup: SharedDedup | None = None
) -> WebhookBot:
    """Fetch the token and the bot's user, start the dispatcher, queue ``on_ready``."""
    io = client._io
    machine = TokenMachine(client.token, endpoints=client.endpoints, rng=client._rng)
    api = BotApi(TokenSource(machine, pool), pool, client.endpoints, rng=client._rng)
    client.api = api
    attach_audits(api, client.audits)
    client.bot = bot = await api.me()
    log.info("webhook: serving bot %s (%s)", client.token.app_id, bot.username)
    ctx = Context(api, bot, (0, 1))
    dispatcher = Dispatcher(
        io,
        group,
        client.handler,
        ctx,
        client.max_concurrent_handlers,
        client.max_backlog,
        client.max_backlog_bytes,
    )
    group.start_soon(dispatcher.run)
    dispatcher.submit(client.handler.on_ready, ReadyEvent(user=bot, shard=(0, 1)))
    return WebhookBot(client, dispatcher, ctx, dedup)


@asynccontextmanager
async def webhook_session(
    clients: Sequence[ClientBase], receiver: WebhookReceiver
) -> AsyncIterator[WebhookEndpoint]:
    """Run the clients' webhook side for the block; yields the endpoint serving them all."""
    io = clients[0]._io
    pools: list[HttpPool] = []
    try:
        # the Redis clients (each with its own task group) outlive the bots' task group
        async with AsyncExitStack() as stack:
            dedups = [await _shared_dedup(client, stack) for client in clients]
            async with io.open_task_group() as group:
                bots: dict[str, WebhookBot] = {}
                for client, dedup in zip(clients, dedups, strict=True):
                    pool = HttpPool(io, timeout=client.timeout_secs)
                    pools.append(pool)
                    bots[client.token.app_id] = await _start_bot(client, group, pool, dedup)
                try:
                    yield WebhookEndpoint(io, receiver, bots)
                finally:
                    group.cancel()
    finally:
        for pool in pools:
            await pool.aclose()


async def _shared_dedup(client: ClientBase, stack: AsyncExitStack) -> SharedDedup | None:
    """The shared check for ``client`` when it has a cluster configuration, else None."""
    cluster = getattr(client, "cluster", None)
    if cluster is None:
        return None
    redis = await open_redis(stack, cluster.redis_url)
    app_id = client.token.app_id
    dedup = SharedDedup(client._io, redis, cluster.namespace, app_id, cluster.webhook_dedup_window)
    log.info("webhook: pushes to bot %s deduplicated in Redis across instances", app_id)
    return dedup


# -------------------------------------------------------------------------------------------
# The standalone HTTP/1.1 server


async def serve_http(
    io: Io, listener: Listener, endpoint: WebhookEndpoint, options: WebhookOptions
) -> None:
    """Accept connections from ``listener`` and serve ``endpoint`` on each until cancelled."""
    active = [0]
    peers: dict[str, int] = {}  # open connections per peer address

    async def connection(stream: Stream, peer: str) -> None:
        try:
            await _serve_connection(io, stream, endpoint, options)
        except TransportError as exc:
            log.debug("webhook: connection ended: %r", exc)
        finally:
            active[0] -= 1
            peers[peer] -= 1
            if not peers[peer]:
                del peers[peer]
            await stream.aclose()

    async with io.open_task_group() as group:
        while True:
            try:
                stream = await listener.accept()
            except TransportError as exc:  # pragma: no cover - e.g. out of file handles
                log.warning("webhook: accept failed: %r", exc)
                await io.sleep_until(io.now() + 0.1)
                continue
            peer = stream.peer()
            if active[0] >= options.max_connections:
                log.warning("webhook: %d connections open; refusing another", active[0])
                await stream.aclose()
                continue
            if peers.get(peer, 0) >= options.max_connections_per_peer:
                log.info("webhook: %s has %d connections open; refusing another", peer, peers[peer])
                await stream.aclose()
                continue
            active[0] += 1
            peers[peer] = peers.get(peer, 0) + 1
            group.start_soon(connection, stream, peer)


class _Timeout(Exception):
    pass


async def _next_event(io: Io, stream: Stream, conn: h11.Connection, deadline: float) -> Any:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        data = await io.receive_by(stream, READ_SIZE, deadline)
        if data is None:
            raise _Timeout
        conn.receive_data(data)


async def _serve_connection(
    io: Io, stream: Stream, endpoint: WebhookEndpoint, options: WebhookOptions
) -> None:
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=options.max_header_size)
    idle_until: float | None = None  # a new connection: its first request starts now
    while True:
        try:
            result, keep = await _one_request(io, stream, conn, endpoint, options, idle_until)
        except _Timeout:
            if conn.their_state is not h11.IDLE and conn.our_state is h11.SEND_RESPONSE:
                result, keep = _plain(408, "request timeout"), False
            else:
                return  # an idle keep-alive connection expired, or a head stalled
        except h11.RemoteProtocolError as exc:
            if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):  # pragma: no cover
                return
            result, keep = _plain(exc.error_status_hint, f"bad request: {exc}"), False
        if result is None:
            return
        await _respond(stream, conn, result, keep)
        if not keep or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
            return
        conn.start_next_cycle()
        idle_until = io.now() + options.keepalive_timeout


async def _one_request(
    io: Io,
    stream: Stream,
    conn: h11.Connection,
    endpoint: WebhookEndpoint,
    options: WebhookOptions,
    idle_until: float | None,
) -> tuple[WebhookResult | None, bool]:
    """Read one request and produce its result and whether to keep the connection;
    ``(None, False)`` when the peer closed. A kept-alive connection may wait for the request's
    first byte until ``idle_until``; the request starts then (a new connection's at once)."""
    buffered = len(conn.trailing_data[0])  # bytes already received, not yet parsed
    idle = idle_until is not None and not buffered
    start = io.now()
    head_time = min(options.header_timeout, options.request_timeout)
    received = 0
    while (request := conn.next_event()) is h11.NEED_DATA:
        deadline = idle_until if idle else start + head_time
        data = await io.receive_by(stream, READ_SIZE, deadline)
        if data is None:
            raise _Timeout
        if idle:
            idle, start = False, io.now()
        received += len(data)
        conn.receive_data(data)
    if not isinstance(request, h11.Request):
        return None, False  # ConnectionClosed
    # h11 bounds only a head still incomplete: measure one that arrived whole, too
    if buffered + received - len(conn.trailing_data[0]) > options.max_header_size:
        return _plain(431, f"request head over {options.max_header_size} bytes"), False
    names = {name for name, _ in request.headers}
    if b"content-length" in names and b"transfer-encoding" in names:  # RFC 9112 section 6.3
        return _plain(400, "both Content-Length and Transfer-Encoding"), False
    method = request.method.decode("ascii", "replace")
    target = request.target.decode("latin-1")
    early = endpoint.check_head(method, target, request.headers)
    if early is not None:
        return early, False
    if conn.they_are_waiting_for_100_continue:
        await stream.send_all(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
    deadline = start + options.request_timeout
    body = bytearray()
    while True:
        event = await _next_event(io, stream, conn, deadline)
        if isinstance(event, h11.Data):
            body += event.data
            if len(body) > options.max_body_size:
                return endpoint.too_large(), False
        elif isinstance(event, h11.EndOfMessage):
            break
        else:  # pragma: no cover - h11 raises RemoteProtocolError for an EOF mid-body
            return None, False
    result = await endpoint.handle(method, target, request.headers, bytes(body))
    return result, result.ok  # a rejected peer keeps no connection


def _plain(status: int, message: str) -> WebhookResult:
    body = dumps({"code": status, "message": message})
    return WebhookResult(status, body, reason=message)


async def _respond(stream: Stream, conn: h11.Connection, result: WebhookResult, keep: bool) -> None:
    headers = [*result.headers, ("content-length", str(len(result.body)))]
    if not keep:
        headers.append(("connection", "close"))
    data = conn.send(h11.Response(status_code=result.status, headers=headers))
    data += conn.send(h11.Data(data=result.body)) + conn.send(h11.EndOfMessage())
    await stream.send_all(data)
