"""The client, written once for every adapter: start-up, one loop per shard, handler dispatch.

``ClientBase.start()`` fetches the token and bot info, discovers the gateway, runs every shard
and returns only by raising: :class:`~qqproto.errors.GatewayClosedError` when the platform ends
the session for good, an auth error when the credentials are refused, or the adapter's
cancellation. Each shard loop is the sans-IO pattern: read bytes with the wire's deadline, feed
the core, write what it returns, act on its events. Handlers run in their own tasks, at most
``max_concurrent_handlers`` at a time, started in event order, so a slow handler never delays a
heartbeat, and a handler that raises goes to ``on_error`` without touching the connection.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from qqproto.auth import Token, TokenMachine
from qqproto.client.context import Context
from qqproto.client.handler import EventHandler
from qqproto.client.io import Io, Stream, TaskGroup, Waitable
from qqproto.client.rest import READ_SIZE, BotApi, HttpPool, TokenSource
from qqproto.errors import LocalProtocolError, QQError, RemoteProtocolError
from qqproto.gateway import GatewayConfig, GatewayConnection
from qqproto.gateway_events import (
    Disconnected,
    Dispatch,
    DuplicateDropped,
    GatewayEvent,
    HeartbeatAcked,
    IdentifyDelayed,
    Ready,
    Resumed,
    UnknownPayload,
)
from qqproto.http import TOKEN_URL, Endpoints
from qqproto.identify import IDENTIFY_WINDOW, IdentifyLimiter, session_limit_from_api
from qqproto.models import EVENT_MODELS, UnknownEvent, User, handler_name, parse_event
from qqproto.models import Ready as ReadyModel
from qqproto.models import Resumed as ResumedModel
from qqproto.wire import WireConnection

if TYPE_CHECKING:  # webhook mode is imported only when a client uses it
    from qqproto.client.webhook import WebhookOptions

log = logging.getLogger("qqbot.gateway")

Job = tuple[Callable[..., Awaitable[Any]], Any]


class Dispatcher:
    """Runs one shard's handlers in event order, at most ``limit`` at once, in ``group``.

    A pool of up to ``limit`` long-lived workers takes jobs from one queue in order, so an event
    costs no task of its own; ``limit=1`` handles events strictly one after another. :meth:`run`
    is the first worker; more start when every worker is busy and jobs wait.
    """

    def __init__(
        self,
        io: Io,
        group: TaskGroup,
        handler: EventHandler,
        ctx: Context,
        limit: int,
        backlog: int,
    ) -> None:
        self._io = io
        self._group = group
        self._handler = handler
        self._ctx = ctx
        self._limit = limit
        self._backlog = backlog
        self._queue: deque[Job] = deque()
        self._workers = 1  # run()
        self._idle = 0
        self._asleep = False
        """Whether a worker went to sleep on ``_wake`` since it was last set."""
        self._wake: Waitable = io.create_event()
        self._room: Waitable | None = None

    @property
    def full(self) -> bool:
        """The backlog is at its bound: stop reading the socket until :meth:`room` is set."""
        return len(self._queue) >= self._backlog

    def room(self) -> Waitable:
        """An event set once the backlog is below its bound again (to wait on while full)."""
        if self._room is None:
            self._room = self._io.create_event()
        return self._room

    def submit(self, method: Callable[..., Awaitable[Any]], event: Any) -> None:
        """Queue ``method(ctx, event)``; it starts after every job queued before it."""
        self._queue.append((method, event))
        if self._idle:
            if self._asleep:  # wake the idle workers once, not once per job
                self._asleep = False
                self._wake.set()
        elif self._workers < self._limit:
            self._workers += 1
            self._group.start_soon(self.run)

    async def run(self) -> None:
        """One worker: take the next job, run it, repeat; sleep while the queue is empty."""
        queue = self._queue
        ctx = self._ctx
        while True:
            while queue:
                method, event = queue.popleft()
                room = self._room
                if room is not None and len(queue) < self._backlog:
                    self._room = None
                    room.set()
                try:
                    await method(ctx, event)
                except Exception as exc:
                    await report_error(self._handler, ctx, exc)
            wake = self._wake
            self._idle += 1
            self._asleep = True
            try:
                await wake.wait()
            finally:
                self._idle -= 1
            if self._wake is wake:
                self._wake = self._io.create_event()


async def report_error(handler: EventHandler, ctx: Context, exc: BaseException) -> None:
    """Give ``exc`` to ``on_error``; if that raises too, log both."""
    try:
        await handler.on_error(ctx, exc)
    except Exception:
        log.exception("on_error raised while handling %r", exc)


class ClientBase:
    """The bot client; adapters subclass it only to name their :class:`Io` (``io_factory``).

    ``Client(token, intents, handler, is_sandbox=False, *, api_base=None, token_url=None, ...)``.
    ``identify_window`` is the platform's 5-second identify window; lower it only against a
    simulator. ``webhook=WebhookOptions(...)`` makes :meth:`start` serve HTTP callbacks instead
    of connecting the gateway (``intents`` and the shard options are then unused: the platform
    pushes the events subscribed in its console).
    """

    io_factory: Callable[[Any], Io]
    """Builds the adapter's IO from ``ssl_context`` (an ``ssl.SSLContext`` or None for the
    verified default)."""

    def __init__(
        self,
        token: Token,
        intents: int,
        handler: EventHandler,
        is_sandbox: bool = False,
        *,
        ssl_context: Any = None,
        api_base: str | None = None,
        token_url: str | None = None,
        timeout_secs: float = 30.0,
        shard_ids: Sequence[int] | None = None,
        shard_count: int | None = None,
        max_concurrent_handlers: int = 32,
        max_backlog: int = 10_000,
        gateway_options: dict[str, Any] | None = None,
        identify_window: float = IDENTIFY_WINDOW,
        rng: random.Random | None = None,
        webhook: WebhookOptions | None = None,
    ) -> None:
        if not isinstance(token, Token):
            raise LocalProtocolError("token must be a qqbot Token(app_id, secret)")
        if not isinstance(handler, EventHandler):
            raise LocalProtocolError("handler must be an instance of an EventHandler subclass")
        if timeout_secs <= 0:
            raise LocalProtocolError("timeout_secs must be positive")
        if max_concurrent_handlers < 1 or max_backlog < 1:
            raise LocalProtocolError("max_concurrent_handlers and max_backlog must be at least 1")
        if shard_count is not None and shard_count < 1:
            raise LocalProtocolError("shard_count must be at least 1")
        self.token = token
        self.intents = int(intents)
        self.handler = handler
        self.is_sandbox = is_sandbox
        self.endpoints = Endpoints(
            api_base=api_base, token_url=token_url or TOKEN_URL, is_sandbox=is_sandbox
        )
        self.timeout_secs = timeout_secs
        self.shard_ids = None if shard_ids is None else tuple(shard_ids)
        self.shard_count = shard_count
        self.max_concurrent_handlers = max_concurrent_handlers
        self.max_backlog = max_backlog
        self.gateway_options = dict(gateway_options or {})
        self.identify_window = identify_window
        GatewayConfig(intents=self.intents, **self.gateway_options)  # validate early
        if webhook is not None:
            from qqproto.client.webhook import WebhookOptions

            if not isinstance(webhook, WebhookOptions):
                raise LocalProtocolError("webhook must be a WebhookOptions(host, port, path, ...)")
        self.webhook = webhook
        self.webhook_url: str | None = None
        """``http(s)://host:port/path`` once the webhook server listens (in webhook mode)."""
        self._io = self.io_factory(ssl_context)
        self._rng = rng if rng is not None else random.Random()
        self.api: BotApi | None = None
        """The shared ``BotApi``, available once ``start()`` is running."""
        self.bot: User | None = None
        self.connections: dict[int, GatewayConnection] = {}
        self._methods: dict[str, Callable[..., Awaitable[Any]] | None] = {}
        """The gateway machine of each running shard (for inspection)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} app_id={self.token.app_id!r} intents={self.intents:#x}>"

    @classmethod
    def with_config(
        cls,
        token: Token,
        intents: int,
        handler: EventHandler,
        timeout_secs: float,
        is_sandbox: bool = False,
        **options: Any,
    ) -> Any:
        """Like the constructor, with the HTTP timeout first (botrs's ``Client::with_config``)."""
        return cls(token, intents, handler, is_sandbox, timeout_secs=timeout_secs, **options)

    def asgi_app(self, *, path: str | None = None, **options: Any) -> Any:
        """An ASGI application receiving this bot's callbacks (mount it in a web framework).

        ``path`` (default: any path routed to the app) and ``options`` (the receiver's fields of
        :class:`WebhookOptions`) default to the client's ``webhook`` options. See
        :class:`qqproto.client.asgi.WebhookApp` for starting it (ASGI lifespan, or
        ``async with app.running():``)."""
        from qqproto.client.asgi import WebhookApp

        return WebhookApp([self], path=path, **options)

    async def start(self) -> None:
        """Connect every shard and run until cancelled or ended for good (then raise).

        In webhook mode: fetch the token and the bot's user, then serve callbacks until
        cancelled."""
        if self.webhook is not None:
            await self._serve_webhook(self.webhook)
            return
        io = self._io
        pool = HttpPool(io, timeout=self.timeout_secs)
        machine = TokenMachine(self.token, endpoints=self.endpoints, rng=self._rng)
        tokens = TokenSource(machine, pool)
        api = BotApi(tokens, pool, self.endpoints, rng=self._rng)
        self.api = api
        fatal: list[BaseException] = []
        try:
            self.bot = await api.me()
            info = await api.get_ws_url()
            if not info.url:
                raise RemoteProtocolError("GET /gateway/bot answered without a url")
            count = self.shard_count or info.shards or 1
            shard_ids = self.shard_ids if self.shard_ids is not None else tuple(range(count))
            bad = [s for s in shard_ids if not 0 <= s < count]
            if bad or not shard_ids:
                raise LocalProtocolError(f"shard_ids {list(shard_ids)} must lie in range({count})")
            limiter = IdentifyLimiter(window=self.identify_window)
            limit = session_limit_from_api(info.session_start_limit)
            if limit is not None:
                limiter.update_limit(limit, io.now())
                if limit.remaining < len(shard_ids):
                    log.warning(
                        "only %d sessions left today for %d shards; the rest wait %.0f s for "
                        "the budget to reset",
                        limit.remaining,
                        len(shard_ids),
                        limit.reset_after,
                    )
            log.info(
                "starting %d shard(s) of %d on %s as %s",
                len(shard_ids),
                count,
                info.url,
                self.bot.username,
            )
            async with io.open_task_group() as group:
                for shard_id in shard_ids:
                    group.start_soon(
                        self._shard_main, group, fatal, tokens, info.url, shard_id, count, limiter
                    )
        finally:
            await pool.aclose()
        if fatal:
            raise fatal[0]

    async def _serve_webhook(self, options: WebhookOptions) -> None:
        from qqproto.client.webhook import serve_http, webhook_session

        io = self._io
        receiver = options.receiver([self], options.path)
        async with webhook_session([self], receiver) as endpoint:
            listener = await io.listen(options.host, options.port, ssl_context=options.ssl_context)
            scheme = "https" if options.ssl_context is not None else "http"
            host = f"[{options.host}]" if ":" in options.host else options.host
            self.webhook_url = f"{scheme}://{host}:{listener.port}{receiver.path or '/'}"
            log.info("webhook: listening on %s", self.webhook_url)
            try:
                await serve_http(io, listener, endpoint, options)
            finally:
                self.webhook_url = None
                await listener.aclose()

    async def _shard_main(
        self,
        group: TaskGroup,
        fatal: list[BaseException],
        tokens: TokenSource,
        url: str,
        shard_id: int,
        count: int,
        limiter: IdentifyLimiter,
    ) -> None:
        try:
            await self._run_shard(group, tokens, url, shard_id, count, limiter)
        except QQError as exc:
            log.error("shard %d stopped: %s", shard_id, exc)
            fatal.append(exc)
            group.cancel()

    async def _run_shard(
        self,
        group: TaskGroup,
        tokens: TokenSource,
        url: str,
        shard_id: int,
        count: int,
        limiter: IdentifyLimiter,
    ) -> None:
        io = self._io
        assert self.api is not None
        config = GatewayConfig(
            intents=self.intents, shard_id=shard_id, shard_count=count, **self.gateway_options
        )
        gateway = GatewayConnection(config, rng=self._rng, limiter=limiter)
        self.connections[shard_id] = gateway
        ctx = Context(self.api, self.bot, (shard_id, count))
        dispatcher = Dispatcher(
            io, group, self.handler, ctx, self.max_concurrent_handlers, self.max_backlog
        )
        group.start_soon(dispatcher.run)
        not_before = io.now()
        renew = False
        token = None
        while True:
            if not_before > io.now():
                await io.sleep_until(not_before)
            if renew:
                tokens.invalidate(token)
            token = await tokens.get()
            wire = WireConnection(gateway, url, token.value, now=io.now())
            try:
                stream = await io.connect(
                    wire.host, wire.port, tls=wire.secure, timeout=self.timeout_secs
                )
            except (TimeoutError, *io.transport_errors) as exc:  # type: ignore[misc]
                log.warning("shard %d: cannot connect to %s: %r", shard_id, url, exc)
                gateway.connection_failed(io.now(), repr(exc))
                ended = self._handle_events(gateway.events(), dispatcher, shard_id)
            else:
                try:
                    ended = await self._pump(wire, stream, dispatcher, shard_id)
                finally:
                    await stream.aclose()
            if ended is None:  # pragma: no cover - the wire always ends with a decision
                raise LocalProtocolError("the gateway ended a connection without a decision")
            if ended.fatal:
                raise ended.error()
            assert ended.not_before is not None
            not_before = ended.not_before
            renew = ended.renew_token

    async def _pump(
        self, wire: WireConnection, stream: Stream, dispatcher: Dispatcher, shard_id: int
    ) -> Disconnected | None:
        io = self._io
        ended: Disconnected | None = None
        out = wire.bytes_to_send()
        try:
            await stream.send_all(out)
        except io.transport_errors:
            wire.receive_data(b"", io.now())
        while True:
            deadline = wire.next_deadline()
            data: bytes | None
            if dispatcher.full:
                await io.wait_by(dispatcher.room(), deadline)
                data = None
            else:
                try:
                    data = await io.receive_by(stream, READ_SIZE, deadline)
                except io.transport_errors as exc:
                    log.info("shard %d: transport error: %r", shard_id, exc)
                    data = b""
            now = io.now()
            try:
                if data is None:
                    wire.handle_timer(now)
                else:
                    wire.receive_data(data, now)
            except RemoteProtocolError as exc:
                log.warning("shard %d: protocol error from the gateway: %s", shard_id, exc)
            out = wire.bytes_to_send()
            if out:
                try:
                    await stream.send_all(out)
                except io.transport_errors as exc:
                    log.info("shard %d: write failed: %r", shard_id, exc)
                    wire.receive_data(b"", io.now())
            ended = self._handle_events(wire.events(), dispatcher, shard_id) or ended
            if wire.should_close_transport:
                return ended

    def _method_for(self, name: str) -> Callable[..., Awaitable[Any]] | None:
        """The handler's coroutine for dispatch ``name``, or None when it keeps the base class's
        no-op (then the event is not even parsed)."""
        attr = handler_name(name) if name in EVENT_MODELS else "on_unknown_event"
        if getattr(type(self.handler), attr) is getattr(EventHandler, attr):
            return None
        method: Callable[..., Awaitable[Any]] = getattr(self.handler, attr)
        return method

    def _handle_events(
        self, events: list[GatewayEvent], dispatcher: Dispatcher, shard_id: int
    ) -> Disconnected | None:
        handler = self.handler
        methods = self._methods
        ended = None
        for ev in events:
            if type(ev) is Dispatch:
                name = ev.name
                try:
                    method = methods[name]
                except KeyError:
                    method = methods[name] = self._method_for(name)
                if method is None:
                    continue  # the handler does not override on_<event>: nothing to parse
                try:
                    event = parse_event(name, ev.data, event_id=ev.event_id, lazy=True)
                except RemoteProtocolError as exc:
                    dispatcher.submit(_raise, exc)
                    continue
                if type(event) is UnknownEvent:
                    log.info("shard %d: unknown event %s", shard_id, name)
                dispatcher.submit(method, event)
            elif isinstance(ev, Ready):
                log.info("shard %d: READY, session %s", shard_id, ev.session_id)
                try:
                    ready = ReadyModel.parse(dict(ev.data))
                except RemoteProtocolError as exc:
                    dispatcher.submit(_raise, exc)
                else:
                    dispatcher.submit(handler.on_ready, ready)
            elif isinstance(ev, Resumed):
                log.info("shard %d: RESUMED at seq %s", shard_id, ev.seq)
                dispatcher.submit(handler.on_resumed, ResumedModel("", None))
            elif isinstance(ev, Disconnected):
                ended = ev
                level = logging.ERROR if ev.fatal else logging.INFO
                log.log(
                    level,
                    "shard %d: disconnected (code %s: %s); %s",
                    shard_id,
                    ev.code,
                    ev.reason,
                    "fatal"
                    if ev.fatal
                    else ("resuming" if ev.resume else "identifying")
                    + f" in {max(0.0, (ev.not_before or 0) - self._io.now()):.2f} s",
                )
                dispatcher.submit(handler.on_disconnected, ev)
            elif isinstance(ev, HeartbeatAcked):
                log.debug("shard %d: heartbeat acked, latency %s", shard_id, ev.latency)
            elif isinstance(ev, DuplicateDropped):
                log.debug("shard %d: duplicate %s %s dropped", shard_id, ev.name, ev.event_id)
            elif isinstance(ev, IdentifyDelayed):
                log.info(
                    "shard %d: identify waits for the rate limit until %.1f", shard_id, ev.until
                )
            elif isinstance(ev, UnknownPayload):
                log.info("shard %d: unknown opcode %d: %.200r", shard_id, ev.op, ev.data)
            else:
                log.debug("shard %d: %r", shard_id, ev)
        return ended


async def _raise(ctx: Context, exc: BaseException) -> None:
    raise exc
