"""The client, written once for every adapter: start-up, one loop per shard, handler dispatch.

``ClientBase.start()`` fetches the token and bot info, discovers the gateway, runs every shard
and returns only by raising: :class:`~qqproto._errors.GatewayClosedError` when the platform ends
the session for good, an auth error when the credentials are refused, or the adapter's
cancellation. Each shard loop is the sans-IO pattern: read bytes with the wire's deadline, feed
the core, write what it returns, act on its events. Handlers run in their own tasks, at most
``max_concurrent_handlers`` at a time, started in event order, so a slow handler never delays a
heartbeat, and a handler that raises goes to ``on_error`` without touching the connection.
"""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from qqproto._errors import LocalProtocolError, QQError, RemoteProtocolError, TransportError
from qqproto.client._audit import AUDIT_DISPATCHES, AuditStore, attach_audits
from qqproto.client._context import Context
from qqproto.client._dispatcher import DEFAULT_BACKLOG_BYTES, Dispatcher, clip
from qqproto.client._handler import EventHandler, handler_method
from qqproto.client._http_pool import READ_SIZE, BotApi, HttpPool, TokenSource
from qqproto.client._io import Io, Stream, TaskGroup
from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import (
    Disconnected,
    Dispatch,
    DuplicateDropped,
    EventsLost,
    GatewayEvent,
    HeartbeatAcked,
    Hello,
    IdentifyDelayed,
    Ready,
    Resumed,
    UnknownPayload,
)
from qqproto.gateway._identify import (
    IDENTIFY_WINDOW,
    IdentifyLimiter,
    SessionStartLimit,
    session_limit_from_api,
)
from qqproto.gateway._state import State
from qqproto.gateway._wire import WireConnection, _parse_url
from qqproto.models import (
    MessageAudit,
    UnknownEvent,
    User,
    parse_event,
)
from qqproto.models import ReadyEvent as ReadyModel
from qqproto.models import ResumedEvent as ResumedModel
from qqproto.rest._auth import AccessToken, Token, TokenFetchError, TokenMachine
from qqproto.rest._http import TOKEN_URL, Endpoints

if sys.version_info < (3, 11):  # pragma: no cover - Python 3.10
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:  # webhook and cluster modes are imported only when a client uses them
    from qqproto.client._cluster import ClusterStatus, Coordinator, ShardLink
    from qqproto.client._webhook_server import WebhookOptions
    from qqproto.cluster._config import ClusterConfig

log = logging.getLogger("qqbot.gateway")

TOKEN_RETRY_DELAY = 5.0
"""Seconds between attempts to get a token for a shard while the token endpoint fails."""


class ClientBase:
    """The bot client; adapters subclass it only to name their :class:`Io` (``io_factory``).

    ``Client(token, intents, handler, is_sandbox=False, *, api_base=None, token_url=None, ...)``.
    ``identify_window`` is the platform's 5-second identify window; lower it only against a
    simulator. ``webhook=WebhookOptions(...)`` makes :meth:`start` serve HTTP callbacks instead
    of connecting the gateway (``intents`` and the shard options are then unused: the platform
    pushes the events subscribed in its console). ``gateway_url="wss://..."`` connects there
    (a proxy, say) instead of asking ``GET /gateway/bot``: ``shard_count`` shards (default 1),
    the identify limiter at its defaults. ``cluster=ClusterConfig(redis_url, ...)`` runs this
    process as one of several sharing the bot's shards through Redis (leases, sessions resumed
    across processes; see docs/deployment.md); :meth:`cluster_status` reports what it owns.
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
        max_backlog_bytes: int = DEFAULT_BACKLOG_BYTES,
        gateway_options: dict[str, Any] | None = None,
        identify_window: float = IDENTIFY_WINDOW,
        rng: random.Random | None = None,
        webhook: WebhookOptions | None = None,
        gateway_url: str | None = None,
        cluster: ClusterConfig | None = None,
    ) -> None:
        if not isinstance(token, Token):
            raise TypeError("token must be a qqbot Token(app_id, secret)")
        if not isinstance(handler, EventHandler):
            raise TypeError("handler must be an instance of an EventHandler subclass")
        if timeout_secs <= 0:
            raise ValueError("timeout_secs must be positive")
        if max_concurrent_handlers < 1 or max_backlog < 1 or max_backlog_bytes < 1:
            raise ValueError(
                "max_concurrent_handlers, max_backlog and max_backlog_bytes must be at least 1"
            )
        if shard_count is not None and shard_count < 1:
            raise ValueError("shard_count must be at least 1")
        if gateway_url is not None:
            if not isinstance(gateway_url, str):
                raise TypeError(f"gateway_url must be a str, not {type(gateway_url).__name__}")
            _parse_url(gateway_url)  # ValueError naming what is wrong (ws:// or wss:// only)
        self.gateway_url = gateway_url
        """The gateway URL given to the constructor (None: ask ``GET /gateway/bot``)."""
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
        self.max_backlog_bytes = max_backlog_bytes
        self.gateway_options = dict(gateway_options or {})
        self.identify_window = identify_window
        GatewayConfig(intents=self.intents, **self.gateway_options)  # validate early
        if webhook is not None:
            from qqproto.client._webhook_server import WebhookOptions

            if not isinstance(webhook, WebhookOptions):
                raise TypeError("webhook must be a WebhookOptions(host, port, path, ...)")
        self.webhook = webhook
        if cluster is not None:
            from qqproto.cluster._config import ClusterConfig

            if not isinstance(cluster, ClusterConfig):
                raise TypeError("cluster must be a qqproto.cluster.ClusterConfig(redis_url, ...)")
        self.cluster = cluster
        """The cluster configuration (None: this process runs its shards alone)."""
        self._coordinator: Coordinator | None = None
        self._links: dict[int, ShardLink] = {}
        self.webhook_url: str | None = None
        """``http(s)://host:port/path`` once the webhook server listens (in webhook mode)."""
        self._io = self.io_factory(ssl_context)
        self.audits = AuditStore(self._io)
        """Recent message-audit verdicts, for :func:`~qqproto.client._audit.wait_audit`."""
        self._rng = rng if rng is not None else random.Random()
        self.api: BotApi | None = None
        """The shared ``BotApi``, available once ``start()`` is running."""
        self.bot: User | None = None
        self.connections: dict[int, GatewayConnection] = {}
        """The gateway machine of each running shard (for inspection)."""
        self._dispatchers: dict[int, Dispatcher] = {}
        self._methods: dict[str, Callable[..., Awaitable[Any]] | None] = {}

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
        :class:`qqproto.client._asgi.WebhookApp` for starting it (ASGI lifespan, or
        ``async with app.running():``)."""
        from qqproto.client._asgi import WebhookApp

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
        attach_audits(api, self.audits)
        fatal: list[BaseException] = []
        stack = AsyncExitStack()
        try:
            self.bot = await api.me()
            if self.gateway_url is not None:  # given (a proxy): no GET /gateway/bot
                url, count, limit = self.gateway_url, self.shard_count or 1, None
            else:
                info = await api.get_ws_url()
                if not info.url:
                    raise RemoteProtocolError("GET /gateway/bot answered without a url")
                url, count = info.url, self.shard_count or info.shards or 1
                limit = session_limit_from_api(info.session_start_limit)
            shard_ids = self.shard_ids if self.shard_ids is not None else tuple(range(count))
            bad = [s for s in shard_ids if not 0 <= s < count]
            if bad or not shard_ids:
                raise ValueError(f"shard_ids {list(shard_ids)} must lie in range({count})")
            limiter = IdentifyLimiter(window=self.identify_window)
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
            coordinator = None
            if self.cluster is not None:  # its Redis client opens outside the task group
                coordinator = await self._open_cluster(stack, self.cluster, tuple(shard_ids))
            log.info(
                "%s %d shard(s) of %d on %s as %s",
                "sharing" if coordinator is not None else "starting",
                len(shard_ids),
                count,
                url,
                self.bot.username,
            )
            async with io.open_task_group() as group:

                async def shard(shard_id: int, link: ShardLink | None = None) -> None:
                    try:
                        await self._run_shard(
                            group, tokens, url, shard_id, count, limiter, link=link, limit=limit
                        )
                    except QQError as exc:  # fatal: stop every shard, raise it below
                        log.error("shard %d stopped: %s", shard_id, clip(exc))
                        fatal.append(exc)
                        group.cancel()

                if coordinator is not None:
                    group.start_soon(coordinator.serve, group, self._cluster_shard_runner(shard))
                else:
                    for shard_id in shard_ids:
                        group.start_soon(shard, shard_id)
        finally:
            try:
                if self._coordinator is not None:  # every shard is closed: hand them over
                    await self._coordinator.shutdown()
                    self._coordinator = None
                await pool.aclose()
            finally:  # the Redis client exits in this task whatever happened (cancellation)
                await stack.aclose()
        if fatal:
            raise fatal[0]

    async def _open_cluster(
        self, stack: AsyncExitStack, config: ClusterConfig, shard_ids: tuple[int, ...]
    ) -> Coordinator:
        from qqproto.client._cluster import Coordinator

        node_id = config.node_id or f"node-{self._rng.getrandbits(48):012x}"
        coordinator = Coordinator(self._io, config, self.token.app_id, shard_ids, node_id)
        await coordinator.open(stack, self.identify_window)
        self._coordinator = coordinator
        return coordinator

    def _cluster_shard_runner(
        self, shard: Callable[[int, ShardLink | None], Awaitable[None]]
    ) -> Callable[[ShardLink], Awaitable[None]]:
        """What the coordinator calls to run a shard it owns: the shard's handlers and its
        connection in task groups of their own, which the coordinator cancels to stop it (the
        connection first to hand it over, the handlers once the running ones finished)."""
        io = self._io

        async def connect(link: ShardLink) -> None:
            async with io.open_task_group() as connection:
                link.connection = connection
                connection.start_soon(shard, link.shard, link)

        async def run(link: ShardLink) -> None:
            # the groups' bodies only start tasks: a cancelled group cancels its tasks
            async with io.open_task_group() as handlers:
                link.handlers = handlers
                handlers.start_soon(connect, link)

        return run

    async def cluster_status(self) -> ClusterStatus:
        """Cluster mode: this process's node id, owned shards (lease expiry, fence, session,
        seq watermark), live members and, in publish mode, the stream's length and lag."""
        if self.cluster is None:
            raise ValueError("cluster_status needs Client(..., cluster=ClusterConfig(...))")
        coordinator = self._coordinator
        if coordinator is None:
            raise ValueError("cluster_status is available while start() runs")
        return await coordinator.status()

    async def _serve_webhook(self, options: WebhookOptions) -> None:
        try:
            await self._serve_webhook_inner(options)
        except BaseExceptionGroup as group:  # a task group's error: raise the fatal one plainly
            fatal = [e for e in group.exceptions if isinstance(e, QQError)]
            if len(group.exceptions) == 1 and fatal:
                raise fatal[0] from None
            raise

    async def _serve_webhook_inner(self, options: WebhookOptions) -> None:
        from qqproto.client._webhook_server import serve_http, webhook_session

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

    async def _run_shard(
        self,
        group: TaskGroup,
        tokens: TokenSource,
        url: str,
        shard_id: int,
        count: int,
        limiter: IdentifyLimiter,
        *,
        link: ShardLink | None = None,
        limit: SessionStartLimit | None = None,
    ) -> None:
        """Connect, pump and reconnect as the gateway decides, until a fatal ending (raised).

        Nothing a peer sends ends this loop: protocol errors are the gateway's to decide on, and
        anything unexpected while a connection runs costs that connection, not the shard."""
        io = self._io
        assert self.api is not None
        config = GatewayConfig(
            intents=self.intents, shard_id=shard_id, shard_count=count, **self.gateway_options
        )
        gateway = GatewayConnection(config, rng=self._rng, limiter=limiter)
        self.connections[shard_id] = gateway
        ctx = Context(self.api, self.bot, (shard_id, count))
        if link is not None:
            assert link.handlers is not None
            group = link.handlers  # the coordinator stops the shard by cancelling these
            self._links[shard_id] = link
            if link.session_id is not None:  # stored by the shard's previous owner
                gateway.restore_session(link.session_id, link.seq)
        dispatcher = Dispatcher(
            io,
            group,
            self.handler,
            ctx,
            1 if link is not None and link.publish else self.max_concurrent_handlers,
            self.max_backlog,
            self.max_backlog_bytes,
        )
        self._dispatchers[shard_id] = dispatcher
        group.start_soon(dispatcher.run)
        try:
            await self._shard_loop(gateway, dispatcher, tokens, url, shard_id, link, limit)
        finally:
            if link is not None and self._links.get(shard_id) is link:
                del self._links[shard_id]

    async def _shard_loop(
        self,
        gateway: GatewayConnection,
        dispatcher: Dispatcher,
        tokens: TokenSource,
        url: str,
        shard_id: int,
        link: ShardLink | None,
        limit: SessionStartLimit | None,
    ) -> None:
        io = self._io
        not_before = io.now()
        renew = False
        token = None
        while True:
            if not_before > io.now():
                await io.sleep_until(not_before)
            if renew:
                tokens.invalidate(token)
            if link is not None and not gateway.will_resume:  # the cluster-wide identify slot
                await link.before_identify(limit.max_concurrency if limit is not None else 1, limit)
            token = await self._token_for_shard(tokens, shard_id)
            wire = WireConnection(gateway, url, token.value, now=io.now())
            try:
                stream = await io.connect(
                    wire.host, wire.port, tls=wire.secure, timeout=self.timeout_secs
                )
            except TransportError as exc:  # its timeout included (ConnectTimeoutError)
                log.warning("shard %d: cannot connect to %s: %s", shard_id, url, clip(repr(exc)))
                gateway.connection_failed(clip(repr(exc)), io.now())
                ended = self._handle_events(gateway.events(), dispatcher, shard_id)
            else:
                try:
                    ended = await self._pump(wire, gateway, stream, dispatcher, shard_id)
                except Exception as exc:  # a bug below us: lose this connection, not the shard
                    ended = self._connection_crashed(gateway, dispatcher, shard_id, exc)
                finally:
                    await stream.aclose()
            if ended is None:  # pragma: no cover - the wire always ends with a decision
                raise LocalProtocolError("the gateway ended a connection without a decision")
            if ended.fatal:
                raise ended.error()
            assert ended.not_before is not None
            not_before = ended.not_before
            renew = ended.renew_token

    async def _token_for_shard(self, tokens: TokenSource, shard_id: int) -> AccessToken:
        """The token for the next connection. Refused credentials are fatal (raised); an
        unreachable or failing token endpoint is waited out, however long it lasts."""
        io = self._io
        while True:
            try:
                return await tokens.get()
            except TokenFetchError as exc:
                if not exc.retryable:
                    raise
                error: BaseException = exc
            except (TransportError, RemoteProtocolError) as exc:
                error = exc
            log.warning(
                "shard %d: no access token (%s); retrying in %.0f s",
                shard_id,
                clip(error),
                TOKEN_RETRY_DELAY,
            )
            await io.sleep_until(io.now() + TOKEN_RETRY_DELAY)

    def _connection_crashed(
        self, gateway: GatewayConnection, dispatcher: Dispatcher, shard_id: int, exc: Exception
    ) -> Disconnected | None:
        """Something unexpected escaped a connection (a bug, not the peer): log it and let the
        gateway plan the reconnect as for a failed transport (its throttle backs off a loop)."""
        log.error(
            "shard %d: unexpected %s on the gateway connection; reconnecting",
            shard_id,
            type(exc).__name__,
            exc_info=exc,
        )
        reason = f"internal error: {type(exc).__name__}"
        now = self._io.now()
        if gateway.state is State.DISCONNECTED:
            gateway.connection_failed(reason, now)
        else:
            gateway.transport_failed(reason, now)
        return self._handle_events(gateway.events(), dispatcher, shard_id)

    async def _pump(
        self,
        wire: WireConnection,
        gateway: GatewayConnection,
        stream: Stream,
        dispatcher: Dispatcher,
        shard_id: int,
    ) -> Disconnected | None:
        """One connection's loop: read with the wire's deadline, feed the core, write what it
        returns, hand events on. While the handler backlog is full (and the session is past
        Hello) it stops reading and tells the gateway, which keeps heartbeating and does not
        count the acknowledgements it cannot read as missing."""
        io = self._io
        ended: Disconnected | None = None
        out = wire.bytes_to_send()
        try:
            await stream.send_all(out)
        except TransportError:
            wire.receive_data(b"", io.now())
        paused = False
        unassigned = 0
        """Bytes read whose events have not been handed on yet (a frame split across reads)."""
        while True:
            deadline = wire.next_deadline()
            data: bytes | None
            if dispatcher.full and gateway.can_pause_reading:
                if not paused:
                    paused = True
                    gateway.pause_reading(io.now())
                    log.debug("shard %d: handler backlog full; reading paused", shard_id)
                if await io.wait_by(dispatcher.room(), deadline):
                    continue
                data = None
            else:
                if paused:
                    paused = False
                    gateway.resume_reading(io.now())
                try:
                    data = await io.receive_by(stream, READ_SIZE, deadline)
                except TransportError as exc:
                    log.info("shard %d: transport error: %s", shard_id, clip(repr(exc)))
                    data = b""
            now = io.now()
            try:
                if data is None:
                    wire.handle_timer(now)
                else:
                    unassigned += len(data)
                    wire.receive_data(data, now)
            except RemoteProtocolError as exc:
                log.warning("shard %d: protocol error from the gateway: %s", shard_id, clip(exc))
            out = wire.bytes_to_send()
            if out:
                try:
                    await stream.send_all(out)
                except TransportError as exc:
                    log.info("shard %d: write failed: %s", shard_id, clip(repr(exc)))
                    wire.receive_data(b"", io.now())
            events = wire.events()
            if events:
                ended = self._handle_events(events, dispatcher, shard_id, unassigned) or ended
                unassigned = 0
            if wire.should_close_transport:
                return ended

    def _handle_events(
        self,
        events: list[GatewayEvent],
        dispatcher: Dispatcher,
        shard_id: int,
        nbytes: int = 0,
    ) -> Disconnected | None:
        """Hand the core's events on: dispatches to their handlers (each counting an even share
        of the ``nbytes`` read against the backlog), the rest to logging and the lifecycle
        handlers. Returns the connection's ending, if one came. An event that cannot be handed
        on is logged and skipped, never allowed to end the connection loop."""
        ended = None
        share = nbytes // len(events) if events else 0
        for ev in events:
            try:
                if type(ev) is Dispatch:
                    self._submit_dispatch(ev, dispatcher, shard_id, share)
                elif isinstance(ev, Disconnected):
                    ended = ev
                    self._on_disconnected(ev, dispatcher, shard_id)
                else:
                    self._on_other_event(ev, dispatcher, shard_id)
            except Exception as exc:
                log.error(
                    "shard %d: could not hand on %s: %s: %s",
                    shard_id,
                    type(ev).__name__,
                    type(exc).__name__,
                    clip(exc),
                )
        return ended

    def _submit_dispatch(
        self, ev: Dispatch, dispatcher: Dispatcher, shard_id: int, size: int
    ) -> None:
        name = ev.name
        link = self._links.get(shard_id) if self._links else None
        if link is not None and link.publish:  # to the stream, for the workers
            dispatcher.submit(link.publish_event, ev, size)
            return
        method = handler_method(self.handler, self._methods, name)
        if method is None:
            if name in AUDIT_DISPATCHES:  # recorded for wait_audit even without a handler
                self._record_audit(ev, shard_id)
            if link is not None:
                link.skip(ev)
            return  # the handler does not override on_<event>: nothing to parse
        try:
            event = parse_event(name, ev.raw, event_id=ev.event_id)
        except RemoteProtocolError as exc:
            if link is not None:
                link.skip(ev)
            dispatcher.submit(_raise, exc, size)
            return
        if type(event) is UnknownEvent:
            log.info("shard %d: unknown event %s", shard_id, clip(name, 64))
        elif type(event) is MessageAudit:
            self.audits.record(name, event)
        if link is not None:  # claim, handle, complete (cluster mode)
            job = (method, event, ev.event_id, self.handler, link.track(ev))
            dispatcher.submit(link.handle, job, size)
            return
        dispatcher.submit(method, event, size)

    def _record_audit(self, ev: Dispatch, shard_id: int) -> None:
        """Parse an audit verdict no handler asked for, only to record it."""
        try:
            event = parse_event(ev.name, ev.raw, event_id=ev.event_id)
        except RemoteProtocolError as exc:
            log.warning("shard %d: malformed %s: %s", shard_id, ev.name, clip(exc))
            return
        if type(event) is MessageAudit:
            self.audits.record(ev.name, event)

    def _on_disconnected(self, ev: Disconnected, dispatcher: Dispatcher, shard_id: int) -> None:
        if ev.fatal:
            what = "fatal"
        else:
            delay = max(0.0, (ev.not_before or 0) - self._io.now())
            what = ("resuming" if ev.resume else "identifying") + f" in {delay:.2f} s"
        log.log(
            logging.ERROR if ev.fatal else logging.INFO,
            "shard %d: disconnected (code %s: %s); %s",
            shard_id,
            ev.code,
            clip(ev.reason),
            what,
        )
        dispatcher.submit(self.handler.on_disconnected, ev)

    def _on_other_event(self, ev: GatewayEvent, dispatcher: Dispatcher, shard_id: int) -> None:
        handler = self.handler
        if isinstance(ev, Ready):
            log.info("shard %d: READY, session %s", shard_id, clip(ev.session_id, 64))
            link = self._links.get(shard_id)
            if link is not None:  # a new session: stored in Redis for the next owner
                dispatcher.submit(link.session_ready(ev.session_id, ev.seq), None)
            try:
                ready = ReadyModel.parse(dict(ev.data))
            except RemoteProtocolError as exc:
                dispatcher.submit(_raise, exc)
            else:
                dispatcher.submit(handler.on_ready, ready)
        elif isinstance(ev, Resumed):
            log.info("shard %d: RESUMED at seq %s", shard_id, ev.seq)
            dispatcher.submit(handler.on_resumed, ResumedModel("", None))
        elif isinstance(ev, HeartbeatAcked):
            log.debug("shard %d: heartbeat acked, latency %s", shard_id, ev.latency)
        elif isinstance(ev, DuplicateDropped):
            log.debug(
                "shard %d: duplicate %s %s dropped",
                shard_id,
                clip(ev.name, 64),
                clip(ev.event_id, 64),
            )
        elif isinstance(ev, IdentifyDelayed):
            log.info("shard %d: identify waits for the rate limit until %.1f", shard_id, ev.until)
        elif isinstance(ev, UnknownPayload):
            log.info("shard %d: unknown opcode %d: %s", shard_id, ev.op, clip(ev.raw))
        elif isinstance(ev, EventsLost):
            error = ev.error()
            log.warning("shard %d: %s", shard_id, clip(error))
            dispatcher.submit(_raise, error)
        elif isinstance(ev, Hello) and ev.clamped_from is not None:
            log.log(
                logging.WARNING if ev.first_clamp else logging.DEBUG,
                "shard %d: the server asked for heartbeats every %.3f s; sending them every "
                "%.3f s instead (min_heartbeat_interval)",
                shard_id,
                ev.clamped_from,
                ev.heartbeat_interval,
            )
        else:
            log.debug("shard %d: %s", shard_id, type(ev).__name__)


async def _raise(ctx: Context, exc: BaseException) -> None:
    raise exc
