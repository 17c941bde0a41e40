"""asyncio's side of :class:`qqproto.client._io.Io`: streams, TLS, the loop clock, tasks.

asyncio's own exceptions (``OSError``, ``ssl.SSLError``, its ``TimeoutError``) never leave this
module for a transport failure: each is raised as the ``TransportError`` family member the
contract names, with the original as ``__cause__``.
"""

from __future__ import annotations

import asyncio
import select
import ssl
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

from qqproto._errors import (
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    TlsError,
    TransportError,
)
from qqproto.client._io import Stream, Waitable

if sys.version_info < (3, 11):  # pragma: no cover - Python 3.10
    from exceptiongroup import BaseExceptionGroup

if sys.version_info >= (3, 11):
    _timeout_at = asyncio.timeout_at
else:  # pragma: no cover - Python 3.10

    @asynccontextmanager
    async def _timeout_at(deadline: float) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        fired = False

        def fire() -> None:
            nonlocal fired
            fired = True
            task.cancel()

        handle = loop.call_at(deadline, fire)
        try:
            yield
        except asyncio.CancelledError:
            if fired:
                raise TimeoutError from None
            raise
        finally:
            handle.cancel()


T = TypeVar("T")


_HIGH_WATER = 1 << 20
"""Stop reading from the socket while this much received data waits (TCP back-pressure)."""


class _StreamProtocol(asyncio.Protocol):
    """Buffers what the transport receives for :class:`AsyncioStream`; no per-read futures or
    timers beyond the one wait in progress."""

    def __init__(self, on_connect: Callable[[AsyncioStream], object] | None = None) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.drain_waiter: asyncio.Future[None] | None = None
        self.reading_paused = False
        self.closed = False
        """Closed by our own :meth:`AsyncioStream.aclose`."""
        self._on_connect = on_connect

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self._on_connect is not None:
            self._on_connect(AsyncioStream(self))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= _HIGH_WATER and not self.reading_paused and self.transport:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None:
            self.error = exc
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        if self.drain_waiter is None:
            self.drain_waiter = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        waiter, self.drain_waiter = self.drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def failure(self, doing: str) -> TransportError:
        """The error for a stream that cannot be used any more, chained to asyncio's own."""
        cause = self.error
        where = _address(self.transport)
        error: TransportError
        if self.closed or cause is None:
            error = ConnectionLostError(f"{doing} {where}: the connection is closed")
        elif isinstance(cause, ssl.SSLError):
            error = TlsError(f"{doing} {where}: TLS failed: {cause}")
        else:
            error = ConnectionLostError(f"{doing} {where}: the connection was lost: {cause}")
        error.__cause__ = cause
        return error


def _address(transport: asyncio.BaseTransport | None) -> str:
    name = None if transport is None else transport.get_extra_info("peername")
    return f"{name[0]}:{name[1]}" if isinstance(name, tuple) else "the peer"


class AsyncioStream:
    """A TCP (or TLS) connection over an asyncio transport and a small buffering protocol."""

    __slots__ = ("_deadline", "_protocol", "_timer")

    def __init__(self, protocol: _StreamProtocol) -> None:
        self._protocol = protocol
        # One timer, re-armed only when the deadline changes (it rarely does: the heartbeat).
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def _arm(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> None:
        if deadline == self._deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._deadline = deadline
        self._timer = None if deadline is None else loop.call_at(deadline, self._protocol._wake)

    async def send_all(self, data: bytes) -> None:
        protocol = self._protocol
        transport = protocol.transport
        if transport is None or transport.is_closing():
            raise protocol.failure("sending to")
        transport.write(data)
        waiter = protocol.drain_waiter
        if waiter is not None:
            await waiter
            if protocol.error is not None or transport.is_closing():
                raise protocol.failure("sending to")

    async def receive_some(self, max_bytes: int) -> bytes:
        data = await self.receive_by(max_bytes, None)
        assert data is not None
        return data

    async def receive_by(self, max_bytes: int, deadline: float | None) -> bytes | None:
        """Up to ``max_bytes`` (``b""`` at EOF), or None once ``deadline`` passed first."""
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        protocol = self._protocol
        if not protocol.buffer and not protocol.eof:
            loop = asyncio.get_running_loop()
            if deadline is not None and deadline <= loop.time():
                return None
            self._arm(loop, deadline)
            waiter: asyncio.Future[None] = loop.create_future()
            protocol.waiter = waiter
            try:
                await waiter
            finally:
                protocol.waiter = None
            if not protocol.buffer and not protocol.eof:
                if deadline is not None and loop.time() >= deadline:
                    self._deadline = None  # fired: a later wait with this deadline re-arms
                    return None
                return await self.receive_by(max_bytes, deadline)  # woken early: wait again
        buffer = protocol.buffer
        if buffer:
            if len(buffer) <= max_bytes:
                data = bytes(buffer)
                buffer.clear()
            else:
                data = bytes(buffer[:max_bytes])
                del buffer[:max_bytes]
            if protocol.reading_paused and len(buffer) < _HIGH_WATER // 2 and protocol.transport:
                protocol.reading_paused = False
                protocol.transport.resume_reading()
            return data
        if protocol.error is not None or protocol.closed:
            raise protocol.failure("receiving from")
        return b""

    def is_stale(self) -> bool:
        protocol = self._protocol
        transport = protocol.transport
        if protocol.eof or protocol.buffer or transport is None or transport.is_closing():
            return True
        # The loop may not have run eof_received yet for a close that already arrived: ask the
        # socket itself (as trio's adapter does), readable while idle = EOF or unasked bytes.
        sock = transport.get_extra_info("socket")
        if sock is None:  # pragma: no cover - the adapter only makes socket transports
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):  # closed under us
            return True
        return bool(readable)

    def peer(self) -> str:
        transport = self._protocol.transport
        name = None if transport is None else transport.get_extra_info("peername")
        return str(name[0]) if isinstance(name, tuple) else ""

    async def aclose(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        protocol = self._protocol
        protocol.closed = protocol.eof = True
        protocol.buffer.clear()
        protocol._wake()  # a read blocked in another task raises
        if protocol.transport is not None:
            protocol.transport.abort()


class AsyncioListener:
    """A listening socket; accepted connections wait in a queue for :meth:`accept` (None in
    the queue: the listener is closed)."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._queue: asyncio.Queue[AsyncioStream | None] = asyncio.Queue()
        self._closed = False
        self.port = 0

    def _arrive(self, stream: AsyncioStream) -> None:
        if self._closed:  # a connection completing just after aclose
            stream._protocol.closed = True
            assert stream._protocol.transport is not None
            stream._protocol.transport.abort()
        else:
            self._queue.put_nowait(stream)

    async def accept(self) -> AsyncioStream:
        stream = await self._queue.get()
        if stream is None:
            self._queue.put_nowait(None)  # for the next caller
            raise TransportError(f"accepting on port {self.port}: the listener is closed")
        return stream

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._server is not None:
            self._server.close()
        while not self._queue.empty():
            stream = self._queue.get_nowait()
            if stream is not None:
                await stream.aclose()
        self._queue.put_nowait(None)


class _TaskGroup:
    """Tasks that finish together; an error in one cancels the rest and is raised on exit."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._errors: list[BaseException] = []
        self._idle: asyncio.Event | None = None

    def start_soon(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        task = asyncio.ensure_future(fn(*args))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._errors.append(exc)
            self.cancel()
        if not self._tasks and self._idle is not None:
            self._idle.set()

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def _wait_all(self) -> None:
        while self._tasks:
            self._idle = asyncio.Event()
            await self._idle.wait()


@asynccontextmanager
async def _task_group() -> AsyncIterator[_TaskGroup]:
    """trio's nursery semantics: an error in a task or in the body cancels the rest, and every
    error is raised together in one ``ExceptionGroup`` (never one kept, the others dropped)."""
    group = _TaskGroup()
    body_error: BaseException | None = None
    try:
        yield group
        await group._wait_all()
    except BaseException as exc:
        body_error = exc
        group.cancel()
        while group._tasks:
            try:
                await group._wait_all()
            except asyncio.CancelledError:
                group.cancel()
    errors = group._errors
    if body_error is not None and not isinstance(body_error, asyncio.CancelledError):
        errors = [body_error, *errors]
    if errors:
        raise BaseExceptionGroup("errors in a qqbot task group", errors)
    if body_error is not None:
        raise body_error


class AsyncioIo:
    """The IO the shared client runs on, for asyncio."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def wall_time(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - self.now()))

    async def connect(self, host: str, port: int, *, tls: bool, timeout: float) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        handshaking = False
        try:
            async with _timeout_at(self.now() + timeout):
                transport, protocol = await loop.create_connection(_StreamProtocol, host, port)
                if tls:  # a second step, so that its failures are told apart as TLS ones
                    handshaking = True
                    context = self._ssl_context
                    if context is None:
                        context = self._ssl_context = ssl.create_default_context()
                    try:
                        tls_transport = await loop.start_tls(
                            transport, protocol, context, server_hostname=host
                        )
                    except BaseException:
                        transport.abort()
                        raise
                    assert tls_transport is not None
                    protocol.transport = tls_transport
        except TimeoutError as exc:
            raise ConnectTimeoutError(
                f"connecting to {host}:{port}: no {'TLS session' if tls else 'connection'} "
                f"within {timeout:g} s"
            ) from exc
        except OSError as exc:  # ssl.SSLError is one too
            if handshaking:
                raise TlsError(f"TLS handshake with {host}:{port} failed: {exc!r}") from exc
            raise ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
        return AsyncioStream(protocol)

    async def listen(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None
    ) -> AsyncioListener:
        listener = AsyncioListener()
        try:
            listener._server = await asyncio.get_running_loop().create_server(
                lambda: _StreamProtocol(listener._arrive), host, port, ssl=ssl_context
            )
        except OSError as exc:
            raise TransportError(f"cannot listen on {host}:{port}: {exc}") from exc
        listener.port = listener._server.sockets[0].getsockname()[1]
        return listener

    def receive_by(
        self, stream: Stream, max_bytes: int, deadline: float | None
    ) -> Coroutine[Any, Any, bytes | None]:
        assert isinstance(stream, AsyncioStream)
        return stream.receive_by(max_bytes, deadline)  # no coroutine of its own per read

    async def wait_by(self, event: Waitable, deadline: float | None) -> bool:
        if deadline is None:
            await event.wait()
            return True
        try:
            async with _timeout_at(deadline):
                await event.wait()
        except TimeoutError:
            return False
        return True

    def fail_at(self, deadline: float) -> AbstractAsyncContextManager[None]:
        return _timeout_at(deadline)

    async def run_shielded(self, fn: Callable[[], Awaitable[None]], deadline: float) -> None:
        async def bounded() -> None:
            try:
                async with _timeout_at(deadline):
                    await fn()
            except TimeoutError:
                pass

        # asyncio cancels tasks, not scopes: fn runs in a task of its own, which a cancellation
        # of this one does not reach; this one keeps waiting for it, then raises the cancellation
        task = asyncio.ensure_future(bounded())
        cancelled = False
        while not task.done():
            try:
                await asyncio.wait((task,))
            except asyncio.CancelledError:
                cancelled = True
        task.result()
        if cancelled:
            raise asyncio.CancelledError

    def create_event(self) -> asyncio.Event:
        return asyncio.Event()

    def open_task_group(self) -> AbstractAsyncContextManager[_TaskGroup]:
        return _task_group()

    def portal(self) -> AsyncioPortal:
        return AsyncioPortal(asyncio.get_running_loop())


class AsyncioPortal:
    """:class:`~qqproto.client._io.Portal` of an asyncio loop: ``call_soon_threadsafe`` and
    ``run_coroutine_threadsafe``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def on_loop(self) -> bool:
        return asyncio._get_running_loop() is self._loop

    def schedule(self, fn: Callable[[], object]) -> None:
        self._loop.call_soon_threadsafe(fn)

    def call(self, fn: Callable[[], T]) -> T:
        async def run() -> T:
            return fn()

        coro = run()
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        except RuntimeError:  # the loop is closed
            coro.close()
            raise
        return future.result()
