"""asyncio's side of :class:`qqproto.client.io.Io`: streams, TLS, the loop clock, tasks."""

from __future__ import annotations

import asyncio
import ssl
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from qqproto.client.io import Stream, Waitable

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


class AsyncioStream:
    """A TCP (or TLS) connection over asyncio streams."""

    __slots__ = ("_reader", "_writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def send_all(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def receive_some(self, max_bytes: int) -> bytes:
        return await self._reader.read(max_bytes)

    async def aclose(self) -> None:
        self._writer.transport.abort()


class AsyncioListener:
    """A listening socket; accepted connections wait in a queue for :meth:`accept`."""

    def __init__(self, server: asyncio.Server, queue: asyncio.Queue[AsyncioStream]) -> None:
        self._server = server
        self._queue = queue
        self.port: int = server.sockets[0].getsockname()[1]

    async def accept(self) -> AsyncioStream:
        return await self._queue.get()

    async def aclose(self) -> None:
        self._server.close()
        while not self._queue.empty():
            await self._queue.get_nowait().aclose()


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
    group = _TaskGroup()
    try:
        yield group
        await group._wait_all()
    except BaseException:
        group.cancel()
        while group._tasks:
            try:
                await group._wait_all()
            except asyncio.CancelledError:
                group.cancel()
        raise
    if group._errors:
        raise group._errors[0]


class AsyncioIo:
    """The IO the shared client runs on, for asyncio."""

    transport_errors: tuple[type[BaseException], ...] = (OSError, ssl.SSLError, EOFError)

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def wall_time(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - self.now()))

    async def connect(self, host: str, port: int, *, tls: bool, timeout: float) -> AsyncioStream:
        context: ssl.SSLContext | None = None
        if tls:
            context = self._ssl_context
            if context is None:
                context = self._ssl_context = ssl.create_default_context()
        async with _timeout_at(self.now() + timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=context, server_hostname=host if tls else None, limit=1 << 20
            )
        return AsyncioStream(reader, writer)

    async def listen(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None
    ) -> AsyncioListener:
        queue: asyncio.Queue[AsyncioStream] = asyncio.Queue()
        server = await asyncio.start_server(
            lambda r, w: queue.put_nowait(AsyncioStream(r, w)), host, port, ssl=ssl_context
        )
        return AsyncioListener(server, queue)

    async def receive_by(
        self, stream: Stream, max_bytes: int, deadline: float | None
    ) -> bytes | None:
        if deadline is None:
            return await stream.receive_some(max_bytes)
        try:
            async with _timeout_at(deadline):
                return await stream.receive_some(max_bytes)
        except TimeoutError:
            return None

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

    def create_event(self) -> asyncio.Event:
        return asyncio.Event()

    def create_lock(self) -> asyncio.Lock:
        return asyncio.Lock()

    def open_task_group(self) -> AbstractAsyncContextManager[_TaskGroup]:
        return _task_group()
