"""The QQ platform simulator on loopback: :mod:`qqproto.sim` served with asyncio.

One port (``127.0.0.1:<ephemeral>``) carries the token endpoint, the REST API and the gateway
WebSocket, exactly as the pure :class:`~qqproto.sim.ServerConnection` serves them; this
module only moves bytes, runs timers on the loop clock and marshals scripting calls.

Two ways to run it::

    async with Simulator() as sim:              # in the running asyncio loop
        ...
    with Simulator.in_thread() as sim:          # in a background thread with its own loop
        ...                                     # (for trio tests and synchronous code)

Every scripting and inspection method is synchronous and thread-safe: called from another thread
it runs on the simulator's loop and returns the result. The blocking ``wait_for*`` helpers need
the thread mode (or another thread); in the simulator's own loop use the ``*_async`` variants.
From trio, call the blocking helpers through ``trio.to_thread.run_sync``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from qqproto._errors import RemoteProtocolError
from qqproto.rest._call import ApiResponse
from qqproto.rest._http import Endpoints, HttpConnection
from qqproto.sim import (
    DEFAULT_APP_ID,
    DEFAULT_SECRET,
    HeartbeatRecord,
    IdentifyRecord,
    Injected,
    InteractionAck,
    Platform,
    PushAttempt,
    PushRequest,
    RecallRecord,
    RestFailure,
    RestRecord,
    ResumeRecord,
    SentMessage,
    ServerConnection,
    SessionFault,
    SimBot,
    UploadRecord,
)

__all__ = ["DEFAULT_APP_ID", "DEFAULT_SECRET", "Simulator"]

T = TypeVar("T")

_CALL_TIMEOUT = 10.0


class _Connection(asyncio.Protocol):
    """One accepted socket, driving one :class:`ServerConnection`."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.loop = sim.loop
        self.transport: asyncio.Transport | None = None
        self.conn: ServerConnection | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self.done = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.conn = ServerConnection(
            self.sim.platform,
            self.loop.time(),
            ws_path=self.sim.ws_path,
            max_body_size=self.sim.max_body_size,
        )
        self.sim._connections.add(self)
        self.sim._changed()

    def data_received(self, data: bytes) -> None:
        if self.conn is not None and not self.done:
            self.conn.receive_data(data, self.loop.time())
            self.sim._changed()

    def eof_received(self) -> bool:
        if self.conn is not None and not self.done:
            self.conn.receive_data(b"", self.loop.time())
            self.sim._changed()
        return True  # we close when the connection machine says so

    def connection_lost(self, exc: Exception | None) -> None:
        self.done = True
        self._cancel_timer()
        self.sim._connections.discard(self)
        if self.conn is not None:
            self.conn.connection_lost(self.loop.time())
        self.sim._changed()

    def flush(self) -> None:
        conn, transport = self.conn, self.transport
        if conn is None or transport is None or self.done:
            return
        conn.pump(self.loop.time())
        data = conn.data_to_send()
        if conn.should_abort:
            self.done = True
            transport.abort()
            return
        if data:
            transport.write(data)
        if conn.should_close:
            self.done = True
            transport.close()
            return
        self._schedule(conn.next_deadline())

    def abort(self) -> None:
        if self.transport is not None and not self.done:
            self.done = True
            self.transport.abort()

    def _schedule(self, deadline: float | None) -> None:
        if deadline == self._timer_at:
            return
        self._cancel_timer()
        if deadline is not None:
            self._timer_at = deadline
            self._timer = self.loop.call_at(deadline, self._on_timer)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_at = None

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        if self.conn is not None and not self.done:
            self.conn.handle_timer(self.loop.time())
            self.sim._changed()


class Simulator:
    """The simulated QQ platform on ``127.0.0.1``.

    ``platform`` is the pure world (a default one with bot ``app_id``/``secret`` when None);
    ``seed`` seeds its rng. The other keywords configure the default world.

    Webhook mode: ``webhook_url`` (or :meth:`register_webhook` later) makes the simulator push
    every injected event to the bot's callback URL as signed HTTP requests, after the op 13
    validation handshake, retrying unacknowledged pushes with the same id
    (:class:`~qqproto.sim.WebhookPusher`). ``webhook_ssl_context`` verifies an
    ``https://`` callback URL (default: the system's trust store).
    """

    def __init__(
        self,
        platform: Platform | None = None,
        *,
        app_id: str = DEFAULT_APP_ID,
        secret: str = DEFAULT_SECRET,
        shards: int = 1,
        allowed_intents: int | None = None,
        heartbeat_interval_ms: int = 41250,
        token_lifetime: float = 7200.0,
        seed: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ws_path: str = "/websocket",
        max_body_size: int = 32 * 1024 * 1024,
        webhook_url: str | None = None,
        webhook_ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if platform is None:
            platform = Platform(
                rng=random.Random(seed),
                heartbeat_interval_ms=heartbeat_interval_ms,
                token_lifetime=token_lifetime,
                default_world=True,
            )
            if app_id != DEFAULT_APP_ID or secret != DEFAULT_SECRET:
                platform.bots.clear()
                platform.add_bot(app_id, secret)
            bot = platform.bot()
            bot.shards = shards
            if allowed_intents is not None:
                bot.allowed_intents = allowed_intents
        self.platform = platform
        """The world. Touch it only on the simulator's loop (see :meth:`call`)."""
        self.host = host
        self.port = port
        self.ws_path = "/" + ws_path.strip("/")
        self.max_body_size = max_body_size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._cond = threading.Condition()
        self._generation = 0
        self._async_changed: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self.webhook_url = webhook_url
        self.webhook_ssl_context = webhook_ssl_context
        self._pushes: set[asyncio.Task[None]] = set()
        self._push_timer: asyncio.TimerHandle | None = None
        self._push_timer_at: float | None = None

    def __repr__(self) -> str:
        state = "running" if self._server is not None else "stopped"
        return f"<Simulator {self.api_base} {state}>"

    # ------------------------------------------------------------------ addresses

    @property
    def api_base(self) -> str:
        """The REST base URL, ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        """The token endpoint, ``http://127.0.0.1:PORT/app/getAppAccessToken``."""
        return f"{self.api_base}/app/getAppAccessToken"

    @property
    def gateway_url(self) -> str:
        """The gateway WebSocket URL, as ``GET /gateway/bot`` answers it."""
        return f"ws://{self.host}:{self.port}{self.ws_path}"

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
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the simulator is not running")
        return self._loop

    def now(self) -> float:
        """The simulator's clock (its loop's monotonic time, seconds)."""
        return self.loop.time()

    # ------------------------------------------------------------------ running in a loop

    async def start(self) -> None:
        """Bind and start serving in the running loop."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._async_changed = asyncio.Event()
        self.platform.epoch = time.time() - loop.time()
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self.platform.gateway_url = self.gateway_url
        if self.webhook_url is not None:
            self.register_webhook(self.webhook_url)

    async def aclose(self) -> None:
        """Stop serving and drop every connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for conn in list(self._connections):
            conn.abort()
        if self._push_timer is not None:
            self._push_timer.cancel()
        self._push_timer = self._push_timer_at = None
        for task in list(self._pushes):
            task.cancel()
        if self._pushes:
            await asyncio.wait(list(self._pushes))
        await server.wait_closed()
        await asyncio.sleep(0)  # let connection_lost callbacks run
        self._loop = None
        self._loop_thread = None
        self._async_changed = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ running in a thread

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, *args: Any, **kwargs: Any) -> Iterator[Simulator]:
        """Run a new simulator in a background thread for the ``with`` block."""
        sim = cls(*args, **kwargs)
        sim.start_thread()
        try:
            yield sim
        finally:
            sim.stop_thread()

    def start_thread(self, timeout: float = 10.0) -> None:
        """Start serving in a new thread with its own event loop; returns once it listens."""
        if self._thread is not None:
            raise RuntimeError("the simulator thread is already running")
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            try:
                await self.start()
                self._stop = asyncio.Event()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            try:
                await self._stop.wait()
            finally:
                await self.aclose()

        self._thread = threading.Thread(
            target=lambda: asyncio.run(main()), name="qq-simulator", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("the simulator thread did not start in time")
        if failure:
            self._thread.join(timeout)
            self._thread = None
            raise failure[0]

    def stop_thread(self, timeout: float = 10.0) -> None:
        """Stop the background thread started by :meth:`start_thread` and wait for it."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)

    # ------------------------------------------------------------------ marshalling

    def _on_loop(self) -> bool:
        return self._loop_thread == threading.get_ident()

    def call(self, fn: Callable[[Platform], T]) -> T:
        """Run ``fn(platform)`` on the simulator's loop and return its result (thread-safe).

        Any change it makes is flushed to the connections right after (events sent, closes)."""
        return self._run(fn, changed=True)

    def _query(self, fn: Callable[[Platform], T]) -> T:
        """Like :meth:`call` for reads: nothing is flushed and no waiter is woken."""
        return self._run(fn, changed=False)

    def _run(self, fn: Callable[[Platform], T], *, changed: bool) -> T:
        loop = self._loop
        if loop is None:  # not running (yet, or any more): nothing else touches the world
            return fn(self.platform)
        if self._on_loop():
            try:
                return fn(self.platform)
            finally:
                if changed:
                    self._changed()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn(self.platform))
            except BaseException as exc:
                future.set_exception(exc)
            finally:
                if changed:
                    self._changed()

        loop.call_soon_threadsafe(run)
        return future.result(_CALL_TIMEOUT)

    def _changed(self) -> None:
        """After anything happened: flush every connection and wake the waiters."""
        for conn in list(self._connections):
            conn.flush()
        if self._server is not None:
            self._pump_webhooks()
        with self._cond:
            self._generation += 1
            self._cond.notify_all()
        event = self._async_changed
        if event is not None:
            event.set()
            self._async_changed = asyncio.Event()

    # ------------------------------------------------------------------ webhook pushes

    def _pump_webhooks(self) -> None:
        """Send the pushes that are due; arm a timer for the next retry."""
        loop = self.loop
        pusher = self.platform.webhook
        for push in pusher.due(loop.time()):
            task = loop.create_task(self._send_push(push))
            self._pushes.add(task)
            task.add_done_callback(self._pushes.discard)
        deadline = pusher.next_deadline()
        if deadline != self._push_timer_at:
            if self._push_timer is not None:
                self._push_timer.cancel()
            self._push_timer_at = deadline
            self._push_timer = (
                None if deadline is None else loop.call_at(deadline, self._on_push_timer)
            )

    def _on_push_timer(self) -> None:
        self._push_timer = self._push_timer_at = None
        self._changed()

    async def _send_push(self, push: PushRequest) -> None:
        pusher = self.platform.webhook
        loop = self.loop
        request = pusher.request(push, loop.time())
        response: ApiResponse | None = None
        error: str | None = None
        writer: asyncio.StreamWriter | None = None

        async def exchange() -> ApiResponse:
            nonlocal writer
            url = request.url
            context = None
            if url.tls:
                context = self.webhook_ssl_context or ssl.create_default_context()
            reader, writer = await asyncio.open_connection(
                url.host, url.port, ssl=context, server_hostname=url.host if url.tls else None
            )
            conn = HttpConnection(max_body_size=1 << 20)
            writer.write(conn.send(request))
            await writer.drain()
            while True:
                answer = conn.receive_data(await reader.read(65536))
                if answer is not None:
                    return answer

        try:
            response = await asyncio.wait_for(exchange(), pusher.timeout)
        except (OSError, asyncio.TimeoutError, RemoteProtocolError, EOFError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            if writer is not None:
                writer.transport.abort()
        pusher.completed(push, loop.time(), response, error)
        self._changed()

    def register_webhook(self, url: str, *, app_id: str | None = None) -> None:
        """Set the bot's callback URL: the op 13 validation goes out now, and once the bot
        answered it every injected event is pushed there too."""
        self.call(lambda p: p.register_webhook(url, self.now(), app_id=app_id))

    def lose_webhook_acks(self, count: int = 1) -> None:
        """Treat the next ``count`` acknowledgements as lost: those pushes are retried with the
        same id (the bot must deliver each once)."""
        self.call(lambda p: p.webhook.lose_acks(count))

    def webhook_attempts(self) -> list[PushAttempt]:
        """Every callback request made so far (validation and pushes), oldest first."""
        return self._query(lambda p: list(p.webhook.attempts))

    def _validated(self, app_id: str | None) -> Callable[[Platform], bool | None]:
        def predicate(p: Platform) -> bool | None:
            target = p.webhook.targets.get(p.bot(app_id).app_id)
            if target is None or target.validated is None:
                return None
            if not target.validated:
                raise RuntimeError(
                    "the bot answered the webhook validation (op 13) wrongly; see "
                    "sim.webhook_attempts()"
                )
            return True

        return predicate

    def wait_for_webhook_validation(self, app_id: str | None = None, timeout: float = 5.0) -> bool:
        """Block until the bot answered the op 13 validation correctly (``RuntimeError`` if it
        answered wrongly)."""
        return self.wait_for(self._validated(app_id), timeout, "the webhook validation")

    async def wait_for_webhook_validation_async(
        self, app_id: str | None = None, timeout: float = 5.0
    ) -> bool:
        return await self.wait_for_async(self._validated(app_id), timeout, "webhook validation")

    def wait_for_pushes_settled(self, timeout: float = 5.0) -> list[PushAttempt]:
        """Block until no push is pending (each acknowledged or given up); the attempts."""

        def predicate(p: Platform) -> tuple[list[PushAttempt]] | None:
            return (list(p.webhook.attempts),) if p.webhook.pending() == 0 else None

        return self.wait_for(predicate, timeout, "every webhook push to be acknowledged")[0]

    # ------------------------------------------------------------------ waiting

    def wait_for(
        self,
        predicate: Callable[[Platform], T | None],
        timeout: float = 5.0,
        what: str = "condition",
    ) -> T:
        """Block until ``predicate(platform)`` is truthy (evaluated on the simulator's loop after
        every change) and return its value; ``TimeoutError`` after ``timeout`` seconds."""
        if self._on_loop():
            raise RuntimeError(
                "wait_for blocks: on the simulator's own loop use 'await sim.wait_for_async(...)'"
            )
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                generation = self._generation
            result: T | None = self._query(predicate)
            if result:
                return result
            with self._cond:
                while self._generation == generation:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(self._timeout_message(what, timeout))
                    self._cond.wait(remaining)

    async def wait_for_async(
        self,
        predicate: Callable[[Platform], T | None],
        timeout: float = 5.0,
        what: str = "condition",
    ) -> T:
        """Like :meth:`wait_for` without blocking the calling asyncio loop (the simulator's own,
        or another thread's)."""
        if not self._on_loop():
            deadline = time.monotonic() + timeout
            while True:
                result = self._query(predicate)
                if result:
                    return result
                if time.monotonic() >= deadline:
                    raise TimeoutError(self._timeout_message(what, timeout))
                await asyncio.sleep(0.005)
        loop = self.loop
        deadline = loop.time() + timeout
        while True:
            result = predicate(self.platform)
            if result:
                return result
            event = self._async_changed
            assert event is not None
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_message(what, timeout))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _timeout_message(self, what: str, timeout: float) -> str:
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
        return f"timed out after {timeout:g} s waiting for {what} ({state})"

    @staticmethod
    def _message_predicate(
        scene: str | None,
        target_id: str | None,
        contains: str | None,
        reply_to: str | None,
        where: Callable[[SentMessage], bool] | None,
        count: int,
    ) -> Callable[[Platform], SentMessage | None]:
        def predicate(p: Platform) -> SentMessage | None:
            found = p.messages(
                scene=scene,
                target_id=target_id,
                where=lambda m: (
                    (contains is None or contains in (m.content or ""))
                    and (reply_to is None or m.reply_to == reply_to)
                    and (where is None or where(m))
                ),
            )
            return found[count - 1] if len(found) >= count else None

        return predicate

    def wait_for_message(
        self,
        *,
        scene: str | None = None,
        target_id: str | None = None,
        contains: str | None = None,
        reply_to: str | None = None,
        where: Callable[[SentMessage], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> SentMessage:
        """The ``count``-th message the bot sent that matches (scene ``channel``/``dms``/
        ``group``/``c2c``, target, text in ``content``, replied-to ``msg_id``/``event_id``)."""
        predicate = self._message_predicate(scene, target_id, contains, reply_to, where, count)
        return self.wait_for(predicate, timeout, f"message #{count} (scene={scene})")

    async def wait_for_message_async(
        self,
        *,
        scene: str | None = None,
        target_id: str | None = None,
        contains: str | None = None,
        reply_to: str | None = None,
        where: Callable[[SentMessage], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> SentMessage:
        predicate = self._message_predicate(scene, target_id, contains, reply_to, where, count)
        return await self.wait_for_async(predicate, timeout, f"message #{count} (scene={scene})")

    def wait_for_identify(
        self, shard: int = 0, count: int = 1, timeout: float = 5.0
    ) -> IdentifyRecord:
        """The ``count``-th successful Identify (READY sent) on ``shard``."""

        def predicate(p: Platform) -> IdentifyRecord | None:
            found = p.identifies_on(shard)
            return found[count - 1] if len(found) >= count else None

        return self.wait_for(predicate, timeout, f"identify #{count} on shard {shard}")

    def wait_for_resume(self, shard: int = 0, count: int = 1, timeout: float = 5.0) -> ResumeRecord:
        """The ``count``-th successful Resume (RESUMED sent) on ``shard``."""

        def predicate(p: Platform) -> ResumeRecord | None:
            found = p.resumes_on(shard)
            return found[count - 1] if len(found) >= count else None

        return self.wait_for(predicate, timeout, f"resume #{count} on shard {shard}")

    def wait_for_session(self, shard: int = 0, timeout: float = 5.0) -> str:
        """The id of the session live on ``shard`` (identified or resumed, connected)."""

        def predicate(p: Platform) -> str | None:
            session = p.live_session(shard)
            return session.session_id if session else None

        return self.wait_for(predicate, timeout, f"a live session on shard {shard}")

    async def wait_for_session_async(self, shard: int = 0, timeout: float = 5.0) -> str:
        def predicate(p: Platform) -> str | None:
            session = p.live_session(shard)
            return session.session_id if session else None

        return await self.wait_for_async(predicate, timeout, f"a live session on shard {shard}")

    def wait_for_heartbeat(
        self, shard: int | None = None, count: int = 1, timeout: float = 5.0
    ) -> HeartbeatRecord:
        """The ``count``-th heartbeat received (on ``shard``; None: any connection)."""

        def predicate(p: Platform) -> HeartbeatRecord | None:
            found = p.heartbeats_on(shard)
            return found[count - 1] if len(found) >= count else None

        return self.wait_for(predicate, timeout, f"heartbeat #{count}")

    def wait_for_request(
        self, method: str, path: str, count: int = 1, timeout: float = 5.0
    ) -> RestRecord:
        """The ``count``-th REST request ``method`` whose path starts with ``path``."""

        def predicate(p: Platform) -> RestRecord | None:
            found = [
                r
                for r in p.rest_log
                if r.method == method.upper() and r.target.split("?")[0].startswith(path)
            ]
            return found[count - 1] if len(found) >= count else None

        return self.wait_for(predicate, timeout, f"request #{count} {method} {path}")

    # ------------------------------------------------------------------ scripting

    def add_bot(self, app_id: str, secret: str, **kwargs: Any) -> SimBot:
        return self.call(lambda p: p.add_bot(app_id, secret, **kwargs))

    def add_guild(self, guild_id: str, name: str, **fields: Any) -> None:
        self.call(lambda p: p.add_guild(guild_id, name, **fields))

    def add_channel(self, channel_id: str, guild_id: str, name: str, **fields: Any) -> None:
        self.call(lambda p: p.add_channel(channel_id, guild_id, name, **fields))

    def add_user(self, user_id: str, username: str, *, openid: str | None = None) -> None:
        self.call(lambda p: p.add_user(user_id, username, openid=openid))

    def add_group(self, openid: str, name: str = "模拟群") -> None:
        self.call(lambda p: p.add_group(openid, name))

    def inject(
        self,
        name: str,
        data: Any,
        *,
        app_id: str | None = None,
        shard: int | None = None,
        all_shards: bool = False,
        event_id: str | None = None,
    ) -> Injected:
        """Dispatch any event (see :meth:`qqproto.sim.Platform.inject` for the routing)."""
        return self.call(
            lambda p: p.inject(
                name,
                data,
                self.now(),
                app_id=app_id,
                shard=shard,
                all_shards=all_shards,
                event_id=event_id,
            )
        )

    def inject_at_message(self, content: str, **kwargs: Any) -> Injected:
        """A user @-mentions the bot in a channel (``channel_id``, ``user_id``, ``mention``)."""
        return self.call(lambda p: p.inject_at_message(content, self.now(), **kwargs))

    def inject_group_at_message(self, content: str, **kwargs: Any) -> Injected:
        """A member @-mentions the bot in a group (``group_openid``, ``member_openid``)."""
        return self.call(lambda p: p.inject_group_at_message(content, self.now(), **kwargs))

    def inject_c2c_message(self, content: str, **kwargs: Any) -> Injected:
        """A user writes to the bot in a single chat (``user_openid``)."""
        return self.call(lambda p: p.inject_c2c_message(content, self.now(), **kwargs))

    def inject_direct_message(self, content: str, **kwargs: Any) -> Injected:
        """A user writes to the bot in a guild DM (``user_id``, ``src_guild_id``)."""
        return self.call(lambda p: p.inject_direct_message(content, self.now(), **kwargs))

    def reconnect_shard(self, shard: int | None = 0, **kwargs: Any) -> int:
        """Send op 7 on ``shard`` (then close with 4009; ``close_code=None`` keeps it open)."""
        return self.call(lambda p: p.reconnect_shard(shard, **kwargs))

    def invalidate_session(self, shard: int | None = 0, **kwargs: Any) -> int:
        """Send op 9 on ``shard`` and forget its session (then close with 4006)."""
        return self.call(lambda p: p.invalidate_session(shard, **kwargs))

    def close_shard(self, shard: int | None = 0, code: int = 4009, reason: str = "") -> int:
        """Close the shard's connection with ``code``."""
        return self.call(lambda p: p.close_shard(shard, code, reason))

    def drop_shard(self, shard: int | None = 0) -> int:
        """Drop the shard's TCP connection abruptly (no close frame)."""
        return self.call(lambda p: p.drop_shard(shard))

    def send_raw(self, text: str, shard: int | None = 0) -> int:
        """Send ``text`` as it is (any payload, valid or not) on ``shard``'s connection."""
        return self.call(lambda p: p.send_raw(text, shard))

    def set_session_fault(self, fault: SessionFault | None) -> None:
        """End every gateway connection as ``fault`` says right after READY/RESUMED (a
        reconnect storm); None stops it."""

        def set_fault(p: Platform) -> None:
            p.session_fault = fault

        self.call(set_fault)

    def stop_acking(self, shard: int | None = None) -> None:
        """Stop acknowledging heartbeats (on ``shard``; None: everywhere)."""
        self.call(lambda p: p.stop_acking(shard))

    def resume_acking(self, shard: int | None = None) -> None:
        self.call(lambda p: p.resume_acking(shard))

    def fail_next(
        self,
        spec: str,
        times: int = 1,
        *,
        status: int = 500,
        code: int | None = None,
        message: str | None = None,
        body: Any = None,
    ) -> RestFailure:
        """Fail the next ``times`` requests matching ``spec`` (``"POST /v2/groups/{id}/messages"``,
        ``"/gateway/bot"``...) with ``status`` and platform ``code``."""
        return self.call(
            lambda p: p.fail_next(spec, times, status=status, code=code, message=message, body=body)
        )

    def expire_tokens(self, app_id: str | None = None) -> int:
        """Expire every access token now (REST then answers 401/11244, the gateway 4004)."""
        return self.call(lambda p: p.expire_tokens(self.now(), app_id))

    # ------------------------------------------------------------------ inspection

    def sent_messages(
        self, *, scene: str | None = None, target_id: str | None = None
    ) -> list[SentMessage]:
        """Every message the bot sent, oldest first."""
        return self._query(lambda p: p.messages(scene=scene, target_id=target_id))

    def identifies(self, shard: int | None = None, *, ok_only: bool = True) -> list[IdentifyRecord]:
        return self._query(lambda p: p.identifies_on(shard, ok_only=ok_only))

    def resumes(self, shard: int | None = None, *, ok_only: bool = True) -> list[ResumeRecord]:
        return self._query(lambda p: p.resumes_on(shard, ok_only=ok_only))

    def heartbeats(self, shard: int | None = None) -> list[HeartbeatRecord]:
        return self._query(lambda p: p.heartbeats_on(shard))

    def rest_log(self) -> list[RestRecord]:
        return self._query(lambda p: list(p.rest_log))

    def uploads(self) -> list[UploadRecord]:
        return self._query(lambda p: list(p.uploads))

    def recalls(self) -> list[RecallRecord]:
        return self._query(lambda p: list(p.recalls))

    def interaction_acks(self) -> list[InteractionAck]:
        return self._query(lambda p: list(p.interaction_acks))

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

        def get(p: Platform) -> str | None:
            session = p.live_session(shard)
            return session.session_id if session else None

        return self._query(get)
