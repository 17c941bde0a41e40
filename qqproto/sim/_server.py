"""The simulated platform served over an :class:`~qqproto.client._io.Io`, written once.

One listening port carries the token endpoint, the REST API and the gateway WebSocket, exactly
as the sans-IO :class:`~qqproto.sim.ServerConnection` serves them; this module only moves bytes
(``io.listen``, ``io.receive_by``, ``send_all``), runs the connections' timers on the Io's clock
and sends the webhook pushes (``io.connect`` and the sans-IO
:class:`~qqproto.rest.HttpConnection`). The same code runs on asyncio, on trio and on any other
:class:`Io` (an in-memory one with a virtual clock, say)::

    async with Simulator(io) as sim:             # io: the loop's Io (AsyncioIo, TrioIo, ...)
        ...
    async with Simulator.for_current_loop() as sim:   # picks the running loop's Io
        ...
    with Simulator.in_thread() as sim:           # its own asyncio loop in a background thread
        ...                                      # (for synchronous code; qqbot_asyncio's)

This module does no IO of its own and starts no thread: everything goes through the Io. The
thread mode (a loop of its own in a background thread, blocking waits) is the asyncio adapter's:
``qqbot_asyncio.simulator.ThreadedSimulator``, which subclasses the base here.

How the waits are named. Scripting and inspection (``inject_at_message``, ``reconnect_shard``,
``sent_messages``, ...) are plain synchronous calls everywhere (in the thread mode thread-safe:
from another thread they run on the simulator's loop and return the result). The waits follow
the caller:

* :class:`Simulator` (in the caller's loop): ``await sim.wait_for_message(...)``,
  ``await sim.wait_for_session(0)``; every ``wait_for*`` is awaited (the ``*_async`` names of
  the thread mode are aliases, so code written for either works).
* ``ThreadedSimulator`` (what :meth:`Simulator.in_thread` yields; for synchronous code):
  ``sim.wait_for_message(...)`` blocks the calling thread, and
  ``await sim.wait_for_message_async(...)`` awaits it from any other thread's loop (asyncio or
  trio) without blocking that loop.

A wait re-checks its condition after every change of the world (a request served, a frame
received, a scripting call, a timer) and raises ``TimeoutError`` naming what it awaited.

:meth:`Simulator.run` is the conversation API: a real client of the running loop's adapter,
connected to the simulator, driven one message or fault at a time (see :class:`Conversation`).
"""

from __future__ import annotations

import contextlib
import functools
import random
import sys
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, TypeVar

from qqproto._errors import RemoteProtocolError, TransportError
from qqproto.rest._call import ApiResponse
from qqproto.rest._http import Endpoints, HttpConnection
from qqproto.sim._conversation import Conversation
from qqproto.sim._scripting import (
    Condition,
    awaited,
    forward,
    forward_now,
    holds,
    identified,
    inspect_world,
    live_session,
    live_session_id,
    message_sent,
    named,
    pushes_settled,
    received_heartbeat,
    received_request,
    resumed,
    webhook_validated,
)
from qqproto.sim._transport import ServerConnection
from qqproto.sim._webhook import PushAttempt, PushRequest
from qqproto.sim._world import (
    DEFAULT_APP_ID,
    DEFAULT_SECRET,
    AuditRecord,
    InteractionAck,
    PartPut,
    Platform,
    RecallRecord,
    RestRecord,
    SessionFault,
    SettingGuideRecord,
    StreamFrame,
    UploadRecord,
)

if TYPE_CHECKING:
    from qqproto.client._handler import EventHandler
    from qqproto.client._io import Io, Listener, Portal, Stream, TaskGroup, Waitable
    from qqproto.client._runtime import ClientBase

__all__ = ["Simulator", "current_io"]

T = TypeVar("T")
_S = TypeVar("_S", bound="_SimulatorBase")

_READ_SIZE = 65536


def _current_library() -> str:
    """``"asyncio"`` or ``"trio"`` (or another sniffio name): the library running this task."""
    try:
        import sniffio
    except ImportError:  # pragma: no cover - sniffio comes with trio and anyio
        # an asyncio loop runs only if asyncio is imported: look it up, import nothing
        asyncio = sys.modules.get("asyncio")
        if asyncio is not None and asyncio._get_running_loop() is not None:
            return "asyncio"
        raise RuntimeError("no running event loop: pass the Io, Simulator(io)") from None
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        raise RuntimeError("no running event loop: pass the Io, Simulator(io)") from None


def current_io(ssl_context: Any = None) -> Io:
    """The :class:`Io` of the library running the calling task: ``AsyncioIo`` or ``TrioIo``
    (``ssl_context`` verifies the TLS connections it opens; None: the system's trust store)."""
    library = _current_library()
    if library == "trio":
        from qqbot_trio._io import TrioIo

        return TrioIo(ssl_context)
    if library == "asyncio":
        from qqbot_asyncio._io import AsyncioIo

        return AsyncioIo(ssl_context)
    raise RuntimeError(f"no qqbot adapter for {library!r}: pass the Io, Simulator(io)")


def _client_factory(io: Io) -> Callable[..., ClientBase]:
    """The adapter's ``Client`` for ``io``; for any other Io, a client that shares it."""
    name = f"{type(io).__module__}.{type(io).__qualname__}"
    if name == "qqbot_asyncio._io.AsyncioIo":
        import qqbot_asyncio

        return qqbot_asyncio.Client
    if name == "qqbot_trio._io.TrioIo":
        import qqbot_trio

        return qqbot_trio.Client
    from qqproto.sim._client import SharedIoClient

    return functools.partial(SharedIoClient, io)


class _Connection:
    """One accepted stream and its :class:`ServerConnection`: a reader task feeds it, a driver
    task writes what it says and runs its timers (woken through ``wake``)."""

    __slots__ = ("armed", "conn", "stream", "wake")

    def __init__(self, stream: Stream, conn: ServerConnection, wake: Waitable) -> None:
        self.stream = stream
        self.conn = conn
        self.wake = wake
        self.armed: float | None = None
        """The deadline the driver waits for (None: none)."""

    def poke(self, now: float) -> None:
        """After a change of the world: wake the driver if there is something to write or an
        earlier deadline to wait for."""
        conn = self.conn
        conn.pump(now)
        if conn.wants_write:
            self.wake.set()
            return
        deadline = conn.next_deadline()
        if deadline is not None and (self.armed is None or deadline < self.armed):
            self.wake.set()


@named
class _SimulatorBase:
    """Serving, scripting and inspection; the waits are in the two subclasses."""

    def __init__(
        self,
        io: Io | Platform | None = None,
        *,
        platform: Platform | None = None,
        app_id: str = DEFAULT_APP_ID,
        secret: str = DEFAULT_SECRET,
        shards: int = 1,
        allowed_intents: int | None = None,
        heartbeat_interval_ms: int = 41250,
        token_lifetime: float = 7200.0,
        seed: int | None = None,
        max_concurrency: int | None = None,
        session_total: int | None = None,
        reset_after: float | None = None,
        replay_buffer: int | None = None,
        identify_rate_window: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ws_path: str = "/websocket",
        max_body_size: int = 32 * 1024 * 1024,
        webhook_url: str | None = None,
        webhook_ssl_context: Any = None,
    ) -> None:
        if isinstance(io, Platform):
            warnings.warn(
                "Simulator(platform) is deprecated: the first argument is the Io now; pass "
                "Simulator(io, platform=platform)",
                DeprecationWarning,
                stacklevel=2,
            )
            io, platform = None, io
        if io is not None and webhook_ssl_context is not None:
            raise ValueError(
                "webhook_ssl_context is for the Io the simulator picks itself; give it to the "
                "Io you pass instead (AsyncioIo(ssl_context), TrioIo(ssl_context))"
            )
        if platform is None:
            platform = Platform(
                rng=random.Random(seed),
                heartbeat_interval_ms=heartbeat_interval_ms,
                token_lifetime=token_lifetime,
                default_world=True,
                replay_buffer=1000 if replay_buffer is None else replay_buffer,
            )
            platform.identify_rate_window = identify_rate_window
            if app_id != DEFAULT_APP_ID or secret != DEFAULT_SECRET:
                platform.bots.clear()
                platform.add_bot(app_id, secret)
            if max_concurrency is not None and max_concurrency < 1:
                raise ValueError("max_concurrency must be at least 1")
            if session_total is not None and session_total < 0:
                raise ValueError("session_total must not be negative")
            if reset_after is not None and reset_after <= 0:
                raise ValueError("reset_after must be positive")
            bot = platform.bot()
            bot.shards = shards
            if allowed_intents is not None:
                bot.allowed_intents = allowed_intents
            if max_concurrency is not None:
                bot.max_concurrency = max_concurrency
            if session_total is not None:
                bot.session_total = bot.session_remaining = session_total
            if reset_after is not None:
                bot.reset_after = reset_after
        elif any(
            v is not None
            for v in (
                max_concurrency,
                session_total,
                reset_after,
                replay_buffer,
                identify_rate_window,
            )
        ):
            raise ValueError(
                "max_concurrency, session_total, reset_after, replay_buffer and "
                "identify_rate_window configure the default world: set them on the platform "
                "you pass instead"
            )
        self.platform = platform
        """The world. Touch it only on the simulator's loop (see :meth:`call`)."""
        self.host = host
        self.port = port
        self.ws_path = "/" + ws_path.strip("/")
        self.max_body_size = max_body_size
        self.webhook_url = webhook_url
        self.webhook_ssl_context = webhook_ssl_context
        self._given_io = io
        self._io: Io | None = None
        self._portal: Portal | None = None
        self._listener: Listener | None = None
        self._stack: AsyncExitStack | None = None
        self._group: TaskGroup | None = None
        self._closing = False
        self._connections: set[_Connection] = set()
        self._changed_event: Waitable | None = None
        self._push_wake: Waitable | None = None
        self._push_armed: float | None = None

    def __repr__(self) -> str:
        state = "running" if self._listener is not None else "stopped"
        return f"<{type(self).__name__} {self.api_base} {state}>"

    # ------------------------------------------------------------------ addresses

    @property
    def authority(self) -> str:
        """``host:port`` as a URL writes it: an IPv6 address in brackets, and a wildcard listen
        address (``0.0.0.0``, ``::``, ``""``) as the loopback address a bot on this machine uses."""
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    @property
    def api_base(self) -> str:
        """The REST base URL, ``http://127.0.0.1:PORT``."""
        return f"http://{self.authority}"

    @property
    def token_url(self) -> str:
        """The token endpoint, ``http://127.0.0.1:PORT/app/getAppAccessToken``."""
        return f"{self.api_base}/app/getAppAccessToken"

    @property
    def gateway_url(self) -> str:
        """The gateway WebSocket URL, as ``GET /gateway/bot`` answers it."""
        return f"ws://{self.authority}{self.ws_path}"

    @property
    def endpoints(self) -> Endpoints:
        """:class:`~qqproto.rest.Endpoints` pointing at this simulator."""
        return Endpoints(api_base=self.api_base, token_url=self.token_url)

    @property
    def app_id(self) -> str:
        return self._query(lambda p: p.bot().app_id)

    @property
    def secret(self) -> str:
        return self._query(lambda p: p.bot().secret)

    @property
    def io(self) -> Io:
        """The Io the simulator runs on (while it runs)."""
        if self._io is None:
            raise RuntimeError("the simulator is not running")
        return self._io

    def now(self) -> float:
        """The simulator's clock (its Io's ``now()``, seconds)."""
        io = self.io
        return io.now() if self._on_loop() else self._query(lambda p: io.now())

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen and start serving in the running loop (on the given Io, or the loop's own)."""
        if self._io is not None:
            raise RuntimeError("the simulator is already running")
        io = self._given_io
        if io is None:
            io = current_io(self.webhook_ssl_context)
        listener = await io.listen(self.host, self.port)
        stack = AsyncExitStack()
        try:
            group = await stack.enter_async_context(io.open_task_group())
        except BaseException:  # pragma: no cover - opening a task group does not fail
            await listener.aclose()
            raise
        self._io = io
        self._portal = io.portal()
        self._changed_event = io.create_event()
        self._push_wake = io.create_event()
        self._listener, self._stack, self._group = listener, stack, group
        self._closing = False
        self.port = listener.port
        self.platform.epoch = io.wall_time() - io.now()
        self.platform.gateway_url = self.gateway_url
        self.platform.api_base = self.api_base
        group.start_soon(self._accept, listener, group)
        group.start_soon(self._push_timer)
        if self.webhook_url is not None:
            self.register_webhook(self.webhook_url)

    async def aclose(self) -> None:
        """Stop serving and drop every connection (a second call does nothing)."""
        listener, stack, group = self._listener, self._stack, self._group
        if listener is None or stack is None or group is None:
            return
        self._closing = True
        try:
            group.cancel()
            await stack.aclose()
        finally:
            await listener.aclose()
            self._listener = self._stack = self._group = None
            self._connections.clear()
            self._changed()  # wake whoever still waits, to time out
            self._io = self._portal = None
            self._changed_event = self._push_wake = None

    async def __aenter__(self: _S) -> _S:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, **kwargs: Any) -> Iterator[Any]:
        """Run a new simulator on its own asyncio loop in a background thread for the ``with``
        block (the keywords are the constructor's); for synchronous code. It is
        ``qqbot_asyncio.simulator.ThreadedSimulator`` (the asyncio adapter owns that thread and
        loop): import it from there to have it typed."""
        from qqbot_asyncio.simulator import ThreadedSimulator

        with ThreadedSimulator.in_thread(**kwargs) as sim:
            yield sim

    # ------------------------------------------------------------------ serving

    async def _accept(self, listener: Listener, group: TaskGroup) -> None:
        io = self.io
        while True:
            try:
                stream = await listener.accept()
            except TransportError:  # pragma: no cover - e.g. out of file handles
                await io.sleep_until(io.now() + 0.05)
                continue
            group.start_soon(self._serve, stream)

    async def _serve(self, stream: Stream) -> None:
        io = self.io
        conn = ServerConnection(
            self.platform, io.now(), ws_path=self.ws_path, max_body_size=self.max_body_size
        )
        connection = _Connection(stream, conn, io.create_event())
        self._connections.add(connection)
        self._changed()
        try:
            async with io.open_task_group() as group:
                group.start_soon(self._read, connection)
                with contextlib.suppress(TransportError):
                    await self._drive(connection)
                group.cancel()
        finally:
            self._connections.discard(connection)
            await stream.aclose()
            conn.connection_lost(io.now())  # again after a close: it is idempotent
            self._changed()

    async def _read(self, connection: _Connection) -> None:
        """Feed what the peer sends to the connection machine, until EOF."""
        io = self.io
        conn = connection.conn
        while True:
            try:
                data = await io.receive_by(connection.stream, _READ_SIZE, None)
            except TransportError:
                conn.connection_lost(io.now())
                self._changed()
                return
            assert data is not None  # no deadline
            conn.receive_data(data, io.now())
            self._changed()
            if not data:
                return

    async def _drive(self, connection: _Connection) -> None:
        """Write what the machine produces and run its timers, until it closes."""
        io = self.io
        conn = connection.conn
        while True:
            connection.wake = wake = io.create_event()
            conn.pump(io.now())
            data = conn.data_to_send()
            if data:  # bytes queued before a drop are written, then the connection dropped
                await connection.stream.send_all(data)
            if conn.should_abort or conn.should_close:
                return
            connection.armed = deadline = conn.next_deadline()
            if not await io.wait_by(wake, deadline):
                connection.armed = None
                conn.handle_timer(io.now())
                self._changed()

    def _changed(self) -> None:
        """After anything happened: wake the connections with something to do, send the
        pushes due and wake every waiter."""
        io = self._io
        if io is not None:
            now = io.now()
            for connection in list(self._connections):
                connection.poke(now)
            if not self._closing:
                self._pump_webhooks(io, now)
            event, self._changed_event = self._changed_event, io.create_event()
            if event is not None:
                event.set()
        self._wake_elsewhere()

    def _wake_elsewhere(self) -> None:
        """Wake waiters outside the simulator's loop (the thread mode has them; here: none)."""

    # ------------------------------------------------------------------ webhook pushes

    def _pump_webhooks(self, io: Io, now: float) -> None:
        """Start the pushes that are due; re-arm the retry timer if its deadline moved."""
        pusher = self.platform.webhook
        group = self._group
        if group is None:
            return
        for push in pusher.due(now):
            group.start_soon(self._send_push, push)
        if self._timer_deadline() != self._push_armed and self._push_wake is not None:
            self._push_wake.set()

    def _timer_deadline(self) -> float | None:
        """The world's next deadline: a webhook retry or an automatic audit decision."""
        deadlines = [
            d
            for d in (self.platform.webhook.next_deadline(), self.platform.next_audit_deadline())
            if d is not None
        ]
        return min(deadlines) if deadlines else None

    async def _push_timer(self) -> None:
        io = self.io
        while True:
            self._push_wake = wake = io.create_event()
            self._push_armed = deadline = self._timer_deadline()
            if not await io.wait_by(wake, deadline):
                self.platform.settle_audits(io.now())
                self._changed()

    async def _send_push(self, push: PushRequest) -> None:
        io = self.io
        pusher = self.platform.webhook
        request = pusher.request(push, io.now())
        url = request.url
        response: ApiResponse | None = None
        error: str | None = None
        try:
            async with io.fail_at(io.now() + pusher.timeout):
                stream = await io.connect(url.host, url.port, tls=url.tls, timeout=pusher.timeout)
                try:
                    conn = HttpConnection(max_body_size=1 << 20)
                    await stream.send_all(conn.send(request))
                    while response is None:
                        response = conn.receive_data(await stream.receive_some(_READ_SIZE))
                finally:
                    await stream.aclose()
        except (TimeoutError, RemoteProtocolError, TransportError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        pusher.completed(push, response, io.now(), error=error)
        self._changed()

    register_webhook = forward_now(Platform.register_webhook)

    def lose_webhook_acks(self, count: int = 1) -> None:
        """Treat the next ``count`` acknowledgements as lost: those pushes are retried with the
        same id (the bot must deliver each once)."""
        self.call(lambda p: p.webhook.lose_acks(count))

    def webhook_attempts(self) -> list[PushAttempt]:
        """Every callback request made so far (validation and pushes), oldest first."""
        return self._query(lambda p: list(p.webhook.attempts))

    # ------------------------------------------------------------------ calling and waiting

    def _on_loop(self) -> bool:
        """Whether the caller runs in the simulator's loop (its Io's :class:`Portal` says)."""
        return self._portal is not None and self._portal.on_loop()

    def call(self, fn: Callable[[Platform], T]) -> T:
        """Run ``fn(platform)`` on the simulator's loop and return its result (from another
        thread too: it runs in the loop, through the Io's :class:`Portal`).

        Any change it makes is flushed to the connections right after (events sent, closes)."""
        return self._run(fn, changed=True)

    def _query(self, fn: Callable[[Platform], T]) -> T:
        """Like :meth:`call` for reads: nothing is flushed and no waiter is woken."""
        return self._run(fn, changed=False)

    def _run(self, fn: Callable[[Platform], T], *, changed: bool) -> T:
        portal = self._portal
        if portal is None:  # not running (yet, or any more): nothing else touches the world
            return fn(self.platform)
        ran = False

        def run() -> T:
            nonlocal ran
            ran = True
            io = self._io
            if io is not None:
                self.platform.clock = io.now()
            try:
                return fn(self.platform)
            finally:
                if changed:
                    self._changed()

        if portal.on_loop():
            return run()
        try:
            return portal.call(run)
        except RuntimeError:
            if ran:
                raise
            return fn(self.platform)  # the loop ended meanwhile: nothing else touches the world

    async def _wait(self, condition: Condition[T]) -> T:
        """Await ``condition`` on the simulator's loop."""
        io = self.io
        deadline = io.now() + condition.timeout
        while True:
            event = self._changed_event
            result = condition.predicate(self.platform)
            if result is not None:
                return result
            assert event is not None
            if not await io.wait_by(event, deadline):
                raise TimeoutError(self._timeout_message(condition))

    def _timeout_message(self, condition: Condition[Any]) -> str:
        def summary(p: Platform) -> str:
            return (
                f"{len(p.tcp_connections)} TCP / {len(p.ws_connections)} WebSocket connections, "
                f"{len(p.identifies_on())} identifies, {len(p.resumes_on())} resumes, "
                f"{len(p.sent)} messages sent, {len(p.rest_log)} REST calls"
            )

        try:
            state = self._query(summary)
        except Exception:  # pragma: no cover - only when the loop is gone
            state = "simulator state unavailable"
        return f"timed out after {condition.timeout:g} s waiting for {condition.what} ({state})"

    # ------------------------------------------------------------------ scripting
    # (the world's methods of the same name, run on the simulator's loop; see _scripting)

    add_bot = forward(Platform.add_bot)
    add_guild = forward(Platform.add_guild)
    add_channel = forward(Platform.add_channel)
    add_user = forward(Platform.add_user)
    add_group = forward(Platform.add_group)
    inject = forward_now(Platform.inject, now_at=2)
    inject_at_message = forward_now(Platform.inject_at_message)
    inject_group_at_message = forward_now(Platform.inject_group_at_message)
    inject_c2c_message = forward_now(Platform.inject_c2c_message)
    inject_direct_message = forward_now(Platform.inject_direct_message)
    inject_enter_aio = forward_now(Platform.inject_enter_aio, now_at=0)
    inject_subscribe_message_status = forward_now(
        Platform.inject_subscribe_message_status, now_at=0
    )
    inject_many = forward_now(Platform.inject_many)
    inject_mic = forward_now(Platform.inject_mic)
    inject_group_member = forward_now(Platform.inject_group_member)
    reconnect_shard = forward(Platform.reconnect_shard)
    invalidate_session = forward(Platform.invalidate_session)
    close_shard = forward(Platform.close_shard)
    drop_shard = forward(Platform.drop_shard)
    send_raw = forward(Platform.send_raw)
    stop_acking = forward(Platform.stop_acking)
    resume_acking = forward(Platform.resume_acking)
    fail_next = forward(Platform.fail_next)
    expire_tokens = forward_now(Platform.expire_tokens, now_at=0)
    audit = forward(Platform.audit)
    audit_next = forward(Platform.audit_next)
    stop_auditing = forward(Platform.stop_auditing)
    pass_audit = forward_now(Platform.pass_audit)
    reject_audit = forward_now(Platform.reject_audit)

    def set_session_fault(self, fault: SessionFault | None) -> None:
        """End every gateway connection as ``fault`` says right after READY/RESUMED (a
        reconnect storm); None stops it."""

        def set_fault(p: Platform) -> None:
            p.session_fault = fault

        self.call(set_fault)

    # ------------------------------------------------------------------ inspection

    sent_messages = inspect_world(Platform.messages)
    identifies = inspect_world(Platform.identifies_on)
    resumes = inspect_world(Platform.resumes_on)
    heartbeats = inspect_world(Platform.heartbeats_on)
    shard_sessions = inspect_world(Platform.shard_sessions)
    overlapping_sessions = inspect_world(Platform.overlapping_sessions)
    identify_rate_violations = inspect_world(Platform.identify_rate_violations)

    def rest_log(self) -> list[RestRecord]:
        return self._query(lambda p: list(p.rest_log))

    def uploads(self) -> list[UploadRecord]:
        return self._query(lambda p: list(p.uploads))

    def recalls(self) -> list[RecallRecord]:
        return self._query(lambda p: list(p.recalls))

    def interaction_acks(self) -> list[InteractionAck]:
        return self._query(lambda p: list(p.interaction_acks))

    def audits(self) -> list[AuditRecord]:
        """Every message held for audit (see :meth:`audit`)."""
        return self._query(lambda p: list(p.audits))

    def setting_guides(self) -> list[SettingGuideRecord]:
        """Every setting guide the bot sent."""
        return self._query(lambda p: list(p.setting_guides))

    def part_puts(self) -> list[PartPut]:
        """Every PUT to a presigned part URL (chunked uploads)."""
        return self._query(lambda p: list(p.part_puts))

    def stream_frames(self) -> list[StreamFrame]:
        """Every C2C stream frame received, accepted or refused."""
        return self._query(lambda p: list(p.stream_frames))

    channel_history = inspect_world(Platform.channel_history)

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted so far."""
        return self._query(lambda p: len(p.tcp_connections))

    @property
    def websocket_connections(self) -> int:
        """WebSocket (gateway) connections opened so far."""
        return self._query(lambda p: len(p.ws_connections))

    def session_id(self, shard: int = 0) -> str | None:
        """The live session on ``shard``, if any."""
        return self._query(lambda p: live_session_id(p, shard))


@named
class Simulator(_SimulatorBase):
    """The simulated QQ platform on ``127.0.0.1``, served on ``io`` in the caller's loop.

    ``Simulator(io, *, app_id, secret, seed, ...)``: ``io`` is the loop's
    :class:`~qqproto.client._io.Io` (None: the running loop's, picked at start, as
    :meth:`for_current_loop` does). ``platform`` is the pure world (a default one with bot
    ``app_id``/``secret`` when None); ``seed`` seeds its rng; ``shards``, ``allowed_intents``,
    ``heartbeat_interval_ms``, ``token_lifetime``, the bot's ``max_concurrency``,
    ``session_total`` and ``reset_after`` (its ``session_start_limit``), ``replay_buffer``
    (events kept per session for a resume) and ``identify_rate_window`` (one Identify per
    bucket per that many seconds enforced; None: only recorded) configure the default world.
    ``host``/``port`` is where it listens (port 0: any free port), ``ws_path`` the gateway's
    path.

    Webhook mode: ``webhook_url`` (or :meth:`register_webhook` later) makes the simulator push
    every injected event to the bot's callback URL as signed HTTP requests, after the op 13
    validation handshake, retrying unacknowledged pushes with the same id
    (:class:`~qqproto.sim.WebhookPusher`). ``webhook_ssl_context`` verifies an ``https://``
    callback URL when the simulator picks its Io itself (default: the system's trust store).

    Every ``wait_for*`` is awaited (see the module docstring); :meth:`run` is the conversation.
    """

    @classmethod
    def for_current_loop(cls: type[_S], **kwargs: Any) -> _S:
        """A simulator on the running loop's Io (``AsyncioIo`` or ``TrioIo``)."""
        return cls(current_io(kwargs.pop("webhook_ssl_context", None)), **kwargs)

    wait_for = awaited(holds)
    wait_for_message = awaited(message_sent)
    wait_for_identify = awaited(identified)
    wait_for_resume = awaited(resumed)
    wait_for_session = awaited(live_session)
    wait_for_heartbeat = awaited(received_heartbeat)
    wait_for_request = awaited(received_request)
    wait_for_webhook_validation = awaited(webhook_validated)
    wait_for_pushes_settled = awaited(pushes_settled)

    # the thread mode's names for the same waits
    wait_for_async = wait_for
    wait_for_message_async = wait_for_message
    wait_for_session_async = wait_for_session
    wait_for_webhook_validation_async = wait_for_webhook_validation

    @contextlib.asynccontextmanager
    async def run(
        self,
        handler: EventHandler,
        *,
        intents: int | None = None,
        shard: int = 0,
        timeout: float = 10.0,
        client_class: type[ClientBase] | None = None,
        **options: Any,
    ) -> AsyncIterator[Conversation]:
        """Run ``handler`` in a real client against this simulator for the block.

        The client is the running loop's adapter's (``qqbot_asyncio.Client`` or
        ``qqbot_trio.Client``; on another Io, a client sharing the simulator's), with
        ``intents`` (default: ``Intents.default()``) and ``options`` for its constructor
        (``identify_window`` defaults to 0.1 s, since the simulator does not enforce the
        platform's 5-s window; in ``gateway_options``, ``invalid_session_delay`` defaults to
        0-0.1 s and ``backoff`` to waits of at most 0.2 s, so that faults in a row take
        milliseconds, not the client's real backoff). Once the session on ``shard`` is live
        it yields a :class:`Conversation`; in webhook mode (``webhook=WebhookOptions(
        "127.0.0.1", 0)``), once the simulator registered the client's callback URL and the
        client answered the op 13 validation.
        After the block the client is cancelled. An exception a handler raised (that the
        handler's own ``on_error`` does not take) is raised by the conversation's next wait,
        or after the block; so is the client's own end (a fatal close, say). ``timeout``
        bounds every wait of the conversation.
        """
        io = self.io
        if not self._on_loop():
            raise RuntimeError("run() needs the simulator running on this loop")
        from qqproto.gateway._backoff import BackoffConfig
        from qqproto.gateway._intents import Intents
        from qqproto.rest._auth import Token

        make = client_class if client_class is not None else _client_factory(io)
        options.setdefault("identify_window", 0.1)
        gateway_options = options["gateway_options"] = dict(options.get("gateway_options") or {})
        gateway_options.setdefault("invalid_session_delay", (0.0, 0.1))
        gateway_options.setdefault("backoff", BackoffConfig(base=0.05, cap=0.2, quick_jitter=0.02))
        client = make(
            Token(self.app_id, self.secret),
            Intents.default() if intents is None else intents,
            handler,
            api_base=self.api_base,
            token_url=self.token_url,
            **options,
        )
        conversation = Conversation(self, client, shard, timeout)
        restore = conversation._catch_handler_errors(handler)
        error: Exception | None = None
        try:
            async with io.open_task_group() as group:
                group.start_soon(conversation._run_client)
                try:
                    if client.webhook is None:
                        await conversation._until(live_session(shard))
                    else:
                        await conversation._serve_webhook()
                    yield conversation
                except Exception as exc:  # raised after the group, not wrapped in its group
                    error = exc
                finally:
                    group.cancel()
        finally:
            restore()
        if error is not None:
            conversation._note_unreported(error)
            raise error
        conversation._raise_unreported()
