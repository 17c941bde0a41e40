"""trio's side of :class:`qqproto.client._io.Io`: streams, TLS, the trio clock, nurseries."""

from __future__ import annotations

import math
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

try:
    import trio
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "qqbot_trio needs trio: pip install 'qqbot[trio]' (or use qqbot_asyncio)"
    ) from exc

from qqproto.client._io import Stream, Waitable


class TrioStream:
    """A TCP (or TLS) connection as a trio stream."""

    __slots__ = ("_stream",)

    def __init__(self, stream: trio.abc.Stream) -> None:
        self._stream = stream

    async def send_all(self, data: bytes) -> None:
        await self._stream.send_all(data)

    async def receive_some(self, max_bytes: int) -> bytes:
        return bytes(await self._stream.receive_some(max_bytes))

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self._stream)

    def is_stale(self) -> bool:
        stream = self._stream
        if isinstance(stream, trio.SSLStream):
            stream = stream.transport_stream
        if isinstance(stream, trio.SocketStream):
            return bool(stream.socket.is_readable())  # EOF or unasked bytes while idle
        return False  # pragma: no cover - the adapter only makes socket streams

    def peer(self) -> str:
        stream = self._stream
        if isinstance(stream, trio.SSLStream):
            stream = stream.transport_stream
        if not isinstance(stream, trio.SocketStream):
            return ""  # pragma: no cover - the adapter only makes socket streams
        try:
            return str(stream.socket.getpeername()[0])
        except OSError:  # already disconnected
            return ""


class TrioListener:
    """A listening socket (wrapped for TLS when asked for)."""

    def __init__(self, listener: trio.abc.Listener[trio.abc.Stream], port: int) -> None:
        self._listener = listener
        self.port = port

    async def accept(self) -> TrioStream:
        return TrioStream(await self._listener.accept())

    async def aclose(self) -> None:
        await self._listener.aclose()


class _TaskGroup:
    def __init__(self, nursery: trio.Nursery) -> None:
        self._nursery = nursery

    def start_soon(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        self._nursery.start_soon(fn, *args)

    def cancel(self) -> None:
        self._nursery.cancel_scope.cancel()


@asynccontextmanager
async def _task_group() -> AsyncIterator[_TaskGroup]:
    async with trio.open_nursery() as nursery:
        yield _TaskGroup(nursery)


@asynccontextmanager
async def _fail_at(deadline: float) -> AsyncIterator[None]:
    try:
        with trio.fail_at(deadline):
            yield
    except trio.TooSlowError:
        raise TimeoutError from None


class TrioIo:
    """The IO the shared client runs on, for trio."""

    transport_errors: tuple[type[BaseException], ...] = (
        OSError,
        trio.BrokenResourceError,
        trio.ClosedResourceError,
        ssl.SSLError,
    )

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context

    def now(self) -> float:
        return trio.current_time()

    def wall_time(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float) -> None:
        await trio.sleep_until(deadline)

    async def connect(self, host: str, port: int, *, tls: bool, timeout: float) -> TrioStream:
        async with _fail_at(self.now() + timeout):
            stream: trio.abc.Stream = await trio.open_tcp_stream(host, port)
            if tls:
                context = self._ssl_context
                if context is None:
                    context = self._ssl_context = ssl.create_default_context()
                tls_stream = trio.SSLStream(stream, context, server_hostname=host)
                try:
                    await tls_stream.do_handshake()
                except trio.BrokenResourceError as exc:
                    await trio.aclose_forcefully(tls_stream)
                    if isinstance(exc.__cause__, ssl.SSLError):
                        raise exc.__cause__ from None  # e.g. CERTIFICATE_VERIFY_FAILED, as asyncio
                    raise
                except BaseException:
                    await trio.aclose_forcefully(tls_stream)
                    raise
                stream = tls_stream
        return TrioStream(stream)

    async def listen(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None
    ) -> TrioListener:
        first, *others = await trio.open_tcp_listeners(port, host=host)
        for other in others:  # pragma: no cover - only for a host with several addresses
            await other.aclose()
        bound: int = first.socket.getsockname()[1]
        listener: trio.abc.Listener[trio.abc.Stream] = first
        if ssl_context is not None:
            listener = trio.SSLListener(first, ssl_context, https_compatible=True)
        return TrioListener(listener, bound)

    async def receive_by(
        self, stream: Stream, max_bytes: int, deadline: float | None
    ) -> bytes | None:
        with trio.move_on_at(math.inf if deadline is None else deadline):
            return await stream.receive_some(max_bytes)
        return None

    async def wait_by(self, event: Waitable, deadline: float | None) -> bool:
        with trio.move_on_at(math.inf if deadline is None else deadline):
            await event.wait()
            return True
        return False

    def fail_at(self, deadline: float) -> AbstractAsyncContextManager[None]:
        return _fail_at(deadline)

    def create_event(self) -> trio.Event:
        return trio.Event()

    def open_task_group(self) -> AbstractAsyncContextManager[_TaskGroup]:
        return _task_group()

    def threadsafe_scheduler(self) -> Callable[[Callable[[], object]], None]:
        return trio.lowlevel.current_trio_token().run_sync_soon
