"""trio's side of :class:`qqproto.client._io.Io`: streams, TLS, the trio clock, nurseries.

trio's own exceptions (``OSError``, ``trio.BrokenResourceError``, ``trio.ClosedResourceError``,
``trio.TooSlowError``) never leave this module for a transport failure: each is raised as the
``TransportError`` family member the contract names, with the original as ``__cause__``.
"""

from __future__ import annotations

import math
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

try:
    import trio
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "qqbot_trio needs trio: pip install 'qqbot[trio]' (or use qqbot_asyncio)"
    ) from exc

from qqproto._errors import (
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    TlsError,
    TransportError,
)
from qqproto.client._io import Stream, Waitable

_STREAM_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError)

T = TypeVar("T")


def _stream_error(
    exc: trio.BrokenResourceError | trio.ClosedResourceError, doing: str
) -> TransportError:
    """The family member for trio's stream error ``exc`` (``doing`` says what and with whom)."""
    cause = exc.__cause__
    if isinstance(exc, trio.ClosedResourceError):
        return ConnectionLostError(f"{doing}: the connection is closed")
    if isinstance(cause, ssl.SSLError) and not isinstance(
        cause, ssl.SSLEOFError | ssl.SSLSyscallError
    ):
        return TlsError(f"{doing}: TLS failed: {cause}")
    return ConnectionLostError(f"{doing}: the connection was lost: {cause or exc}")


class TrioStream:
    """A TCP (or TLS) connection as a trio stream; ``name`` (``host:port``) is for messages."""

    __slots__ = ("_name", "_stream")

    def __init__(self, stream: trio.abc.Stream, name: str) -> None:
        self._stream = stream
        self._name = name

    async def send_all(self, data: bytes) -> None:
        try:
            await self._stream.send_all(data)
        except _STREAM_ERRORS as exc:
            raise _stream_error(exc, f"sending to {self._name}") from exc

    async def receive_some(self, max_bytes: int) -> bytes:
        try:
            return bytes(await self._stream.receive_some(max_bytes))
        except _STREAM_ERRORS as exc:
            raise _stream_error(exc, f"receiving from {self._name}") from exc

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self._stream)

    def is_stale(self) -> bool:
        stream = self._stream
        if isinstance(stream, trio.SSLStream):
            stream = stream.transport_stream
        if isinstance(stream, trio.SocketStream):
            try:
                return bool(stream.socket.is_readable())  # EOF or unasked bytes while idle
            except (OSError, ValueError):  # closed here
                return True
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


def _peer_name(stream: trio.abc.Stream) -> str:
    """``ip:port`` of an accepted stream's peer, for messages."""
    if isinstance(stream, trio.SSLStream):
        stream = stream.transport_stream
    try:
        assert isinstance(stream, trio.SocketStream)
        host, port = stream.socket.getpeername()[:2]
    except OSError:  # pragma: no cover - reset between accept and here
        return "a peer"
    return f"{host}:{port}"


class TrioListener:
    """A listening socket (wrapped for TLS when asked for)."""

    def __init__(self, listener: trio.abc.Listener[trio.abc.Stream], port: int) -> None:
        self._listener = listener
        self.port = port

    async def accept(self) -> TrioStream:
        try:
            stream = await self._listener.accept()
        except (OSError, trio.ClosedResourceError) as exc:
            what = "the listener is closed" if isinstance(exc, trio.ClosedResourceError) else exc
            raise TransportError(f"accepting on port {self.port}: {what}") from exc
        return TrioStream(stream, _peer_name(stream))

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

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context

    def now(self) -> float:
        return trio.current_time()

    def wall_time(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float) -> None:
        await trio.sleep_until(deadline)

    async def connect(self, host: str, port: int, *, tls: bool, timeout: float) -> TrioStream:
        name = f"{host}:{port}"
        try:
            with trio.fail_after(timeout):
                try:
                    stream: trio.abc.Stream = await trio.open_tcp_stream(host, port)
                except OSError as exc:
                    raise ConnectError(f"cannot connect to {name}: {exc}") from exc
                if tls:
                    context = self._ssl_context
                    if context is None:
                        context = self._ssl_context = ssl.create_default_context()
                    # https_compatible: a close without close_notify reads as b"", as on asyncio
                    tls_stream = trio.SSLStream(
                        stream, context, server_hostname=host, https_compatible=True
                    )
                    try:
                        await tls_stream.do_handshake()
                    except BaseException as exc:
                        await trio.aclose_forcefully(tls_stream)
                        if isinstance(exc, _STREAM_ERRORS):
                            cause = exc.__cause__ or exc
                            raise TlsError(f"TLS handshake with {name} failed: {cause!r}") from exc
                        raise
                    stream = tls_stream
        except trio.TooSlowError as exc:
            raise ConnectTimeoutError(
                f"connecting to {name}: no {'TLS session' if tls else 'connection'} "
                f"within {timeout:g} s"
            ) from exc
        return TrioStream(stream, name)

    async def listen(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None
    ) -> TrioListener:
        try:
            first, *others = await trio.open_tcp_listeners(port, host=host)
        except OSError as exc:
            raise TransportError(f"cannot listen on {host}:{port}: {exc}") from exc
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
        if event.is_set():
            await trio.lowlevel.checkpoint()
            return True
        with trio.move_on_at(math.inf if deadline is None else deadline):
            await event.wait()
            return True
        return False

    def fail_at(self, deadline: float) -> AbstractAsyncContextManager[None]:
        return _fail_at(deadline)

    async def run_shielded(self, fn: Callable[[], Awaitable[None]], deadline: float) -> None:
        with trio.CancelScope(shield=True, deadline=deadline):
            await fn()
        await trio.lowlevel.checkpoint_if_cancelled()  # the caller's cancellation, now

    def create_event(self) -> trio.Event:
        return trio.Event()

    def open_task_group(self) -> AbstractAsyncContextManager[_TaskGroup]:
        return _task_group()

    def portal(self) -> TrioPortal:
        return TrioPortal(trio.lowlevel.current_trio_token())


class TrioPortal:
    """:class:`~qqproto.client._io.Portal` of a trio run: its ``TrioToken`` and
    ``trio.from_thread``."""

    def __init__(self, token: trio.lowlevel.TrioToken) -> None:
        self._token = token

    def on_loop(self) -> bool:
        try:
            return trio.lowlevel.current_trio_token() is self._token
        except RuntimeError:  # not in any trio run
            return False

    def schedule(self, fn: Callable[[], object]) -> None:
        self._token.run_sync_soon(fn)

    def call(self, fn: Callable[[], T]) -> T:
        return trio.from_thread.run_sync(fn, trio_token=self._token)
