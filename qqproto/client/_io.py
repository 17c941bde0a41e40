"""The IO an adapter lends the shared client: streams, a clock, sleeping, tasks.

The client orchestration in :mod:`qqproto.client` is ``async`` code that imports no event loop
and reads no clock: it awaits only the methods of an :class:`Io` that ``qqbot_trio`` or
``qqbot_asyncio`` passes in. The two adapters therefore differ exactly where trio and asyncio
differ, and every policy stays written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

SSLContextLike = Any
"""An ``ssl.SSLContext`` (the core imports no ``ssl``; adapters pass the real one)."""


class Stream(Protocol):
    """A connected byte stream (TCP, TLS on top when asked for)."""

    async def send_all(self, data: bytes) -> None: ...

    async def receive_some(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes``; ``b""`` at EOF."""
        ...

    async def aclose(self) -> None:
        """Close at once, without waiting for the peer (safe to call twice)."""
        ...

    def is_stale(self) -> bool:
        """For an idle connection: whether the peer closed it (or sent something unasked), so
        it must not carry another request."""
        ...

    def peer(self) -> str:
        """The peer's IP address (``""`` when unknown), e.g. to bound connections per peer."""
        ...


class Listener(Protocol):
    """A listening TCP socket (TLS on top when asked for): the webhook server's side."""

    @property
    def port(self) -> int:
        """The bound port (the one the system chose when 0 was asked for)."""
        ...

    async def accept(self) -> Stream:
        """The next connection (its TLS handshake, if any, happens on its first read)."""
        ...

    async def aclose(self) -> None:
        """Stop listening; connections already accepted are untouched."""
        ...


class Waitable(Protocol):
    """A one-shot event."""

    def set(self) -> None: ...

    def is_set(self) -> bool: ...

    async def wait(self) -> object: ...


class TaskGroup(Protocol):
    """Runs tasks until they finish; :meth:`cancel` cancels all of them."""

    def start_soon(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None: ...

    def cancel(self) -> None: ...


class Io(Protocol):
    """Everything the client needs from an event loop."""

    transport_errors: tuple[type[BaseException], ...]
    """Exceptions that mean "the transport failed" (OSError, TLS errors, broken streams)."""

    def now(self) -> float:
        """The loop's monotonic clock, in seconds."""
        ...

    def wall_time(self) -> float:
        """Unix time in seconds (only for checking webhook signature timestamps)."""
        ...

    async def sleep_until(self, deadline: float) -> None: ...

    async def connect(self, host: str, port: int, *, tls: bool, timeout: float) -> Stream:
        """Open TCP (and TLS, verified by default, when ``tls``) within ``timeout`` seconds;
        raise ``TimeoutError`` or one of :attr:`transport_errors`."""
        ...

    async def listen(
        self, host: str, port: int, *, ssl_context: SSLContextLike | None = None
    ) -> Listener:
        """Listen on ``host:port`` (0: any free port), with TLS when ``ssl_context`` is given;
        raise one of :attr:`transport_errors` if the address cannot be bound."""
        ...

    async def receive_by(
        self, stream: Stream, max_bytes: int, deadline: float | None
    ) -> bytes | None:
        """Read like ``receive_some``, or return None once ``deadline`` passes."""
        ...

    async def wait_by(self, event: Waitable, deadline: float | None) -> bool:
        """Wait for ``event`` until ``deadline``; whether it was set."""
        ...

    def fail_at(self, deadline: float) -> AbstractAsyncContextManager[None]:
        """A block that raises ``TimeoutError`` if it has not finished by ``deadline``."""
        ...

    def create_event(self) -> Waitable: ...

    def open_task_group(self) -> AbstractAsyncContextManager[TaskGroup]: ...

    def threadsafe_scheduler(self) -> Callable[[Callable[[], object]], None]:
        """Called on the loop: a function any thread may call with ``fn`` to run ``fn()`` soon
        on this loop (it raises ``RuntimeError`` once the loop has ended). ``fn`` must not
        raise. For code outside the loop, such as a simulator scripted from a test's thread."""
        ...
