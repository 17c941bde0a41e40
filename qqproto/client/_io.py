"""The IO an adapter lends the shared client: streams, a clock, sleeping, tasks.

The client orchestration in :mod:`qqproto.client` is ``async`` code that imports no event loop
and reads no clock: it awaits only the methods of an :class:`Io` that ``qqbot_trio`` or
``qqbot_asyncio`` passes in. The two adapters therefore differ exactly where trio and asyncio
differ, and every policy stays written once.

The contract every implementation keeps (checked against each by
``tests/client/test_io_contract.py``; "The Io contract" in docs/design.md says why):

* **Errors.** A transport failure is raised as one of the
  :class:`~qqproto._errors.TransportError` family, never as the loop's own exception, which is
  kept as ``__cause__``; the message names the address and what failed. ``connect`` raises
  :class:`~qqproto._errors.ConnectError` (its timeout :class:`~qqproto._errors.ConnectTimeoutError`,
  also a ``TimeoutError``) or :class:`~qqproto._errors.TlsError`; an open stream raises
  :class:`~qqproto._errors.ConnectionLostError` or ``TlsError``; ``listen`` and ``accept`` raise
  ``TransportError``. A peer closing cleanly is no error: reads return ``b""``. Only
  :meth:`Io.fail_at` raises a plain ``TimeoutError``; ``receive_by`` and ``wait_by`` report their
  deadline in their return value. Bad arguments raise ``ValueError``; anything else escaping is a
  bug.
* **Deadlines** are absolute times on :meth:`Io.now`'s clock; one already past is due at once.
* **Cancellation.** Every ``async`` method can be cancelled while it waits: the loop's
  cancellation (``asyncio.CancelledError``, ``trio.Cancelled``) passes through untranslated,
  leaves nothing open that the call opened, and loses no received byte (a cancelled read leaves
  its data for the next one). A stream whose ``send_all`` was cancelled may have sent part of
  the data: close it.
* **Task groups** (:meth:`Io.open_task_group`) have trio's nursery semantics on every loop: an
  error in a task or in the body cancels the rest, and all of them are raised together in one
  ``ExceptionGroup`` (a ``BaseExceptionGroup`` if one is not an ``Exception``), even a single one.
  Cancellation from outside the group is not an error: it propagates as cancellation.
* **Threads.** Nothing here is thread-safe unless its docstring says so: call every method
  from the loop's own thread, inside the running loop.
* **Concurrency.** One task at a time may send on a stream and one may receive (the two may
  be different tasks); ``aclose`` may be called from any task, at any time, any number of times.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

SSLContextLike = Any
"""An ``ssl.SSLContext`` (the core imports no ``ssl``; adapters pass the real one)."""


class Stream(Protocol):
    """A connected byte stream (TCP, TLS on top when asked for)."""

    async def send_all(self, data: bytes) -> None:
        """Send all of ``data`` (waiting while the peer reads slowly: back-pressure).

        Returns once the data is handed to the system, not once the peer read it, so a send to
        a peer that just closed may still succeed. Raises :class:`ConnectionLostError` once the
        connection is broken (reset, broken pipe, or closed by our own ``aclose``) and
        :class:`TlsError` for a TLS failure (a server-side handshake may run here)."""
        ...

    async def receive_some(self, max_bytes: int) -> bytes:
        """Between 1 and ``max_bytes`` bytes, waiting for at least one; ``b""`` once the peer
        closed cleanly (again on every later call). A TLS peer that closes without TLS's
        close_notify counts as clean: the protocols above frame their messages.

        Raises :class:`ConnectionLostError` when the connection broke (reset) or was closed by
        our own ``aclose`` (also in a read blocked in another task), :class:`TlsError` for a TLS
        failure (a server-side handshake may run here), ``ValueError`` if ``max_bytes < 1``.
        Cancelled, it loses nothing: the bytes stay for the next read."""
        ...

    async def aclose(self) -> None:
        """Close at once, without waiting for the peer or sending TLS's close_notify; bytes not
        yet sent may be dropped. Never raises (but for cancellation), safe to call again."""
        ...

    def is_stale(self) -> bool:
        """For an idle connection: whether the peer closed it, or sent something unasked, or it
        was closed here, so it must not carry another request. Asks the socket itself, so a close
        that arrived is seen before the loop ran its callbacks. Never raises."""
        ...

    def peer(self) -> str:
        """The peer's IP address (``""`` when unknown, e.g. once disconnected), e.g. to bound
        connections per peer. Never raises."""
        ...


class Listener(Protocol):
    """A listening TCP socket (TLS on top when asked for): the webhook server's side."""

    @property
    def port(self) -> int:
        """The bound port (the one the system chose when 0 was asked for)."""
        ...

    async def accept(self) -> Stream:
        """Wait for the next connection and return it. With TLS, its handshake may run before
        (asyncio: a failed one is never returned) or on the stream's first read or send (trio:
        raising :class:`TlsError` there), so a client's ``connect`` may wait until the server
        side reads. Raises :class:`TransportError` if the listener is closed (also in an
        ``accept`` blocked in another task) or the system refuses (e.g. out of file handles)."""
        ...

    async def aclose(self) -> None:
        """Stop listening and free the port; connections already accepted are untouched,
        connections not yet accepted are closed. Never raises, safe to call again."""
        ...


class Waitable(Protocol):
    """A one-shot event (the loop's own: ``asyncio.Event``, ``trio.Event``)."""

    def set(self) -> None:
        """Wake every waiter, now and later (a no-op once set)."""
        ...

    def is_set(self) -> bool: ...

    async def wait(self) -> object:
        """Return once the event is set (at once if it is)."""
        ...


class TaskGroup(Protocol):
    """Runs tasks until they finish; :meth:`cancel` cancels all of them (see
    :meth:`Io.open_task_group` for the errors)."""

    def start_soon(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run ``fn(*args)`` in a new task of this group, starting at the next scheduling
        point. Only while the group's block is open."""
        ...

    def cancel(self) -> None:
        """Cancel every task of the group and its body; the block then ends without an error
        (unless a task failed). Safe to call again."""
        ...


class Portal(Protocol):
    """The door of a running loop for code in other threads (a simulator scripted from a test's
    thread, say). Each adapter uses its loop's own facility."""

    def on_loop(self) -> bool:
        """Whether the caller runs in this loop (its thread, inside the loop)."""
        ...

    def schedule(self, fn: Callable[[], object]) -> None:
        """From any thread: run ``fn()`` soon in the loop, without waiting for it. ``fn`` must
        not raise. ``RuntimeError`` once the loop has ended."""
        ...

    def call(self, fn: Callable[[], T]) -> T:
        """From another thread (never the loop's): run ``fn()`` in the loop and return its result
        or raise its exception, blocking the calling thread until it ran. ``RuntimeError`` when
        the loop has ended before ``fn`` ran."""
        ...


class Io(Protocol):
    """Everything the client needs from an event loop (the contract: the module docstring).

    Constructed with an optional ``ssl.SSLContext`` for the client's TLS connections (None: a
    verified default context)."""

    def now(self) -> float:
        """The loop's monotonic clock, in seconds: every deadline is on it. Never raises."""
        ...

    def wall_time(self) -> float:
        """Unix time in seconds (only for checking webhook signature timestamps)."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once :meth:`now` reaches ``deadline`` (at the next scheduling point if it
        already has)."""
        ...

    async def connect(self, host: str, port: int, *, tls: bool, timeout: float) -> Stream:
        """Open TCP to ``host:port`` and, when ``tls``, complete a TLS handshake verified for
        ``host`` (the certificate and its name), all within ``timeout`` seconds.

        Raises :class:`ConnectError` when the name does not resolve or the peer refuses or is
        unreachable, :class:`ConnectTimeoutError` (a ``ConnectError`` and a ``TimeoutError``)
        when ``timeout`` runs out first, handshake included, and :class:`TlsError` when the
        handshake fails (a certificate that does not verify, a peer that does not speak TLS).
        Cancelled or failed, it leaves no connection open."""
        ...

    async def listen(
        self, host: str, port: int, *, ssl_context: SSLContextLike | None = None
    ) -> Listener:
        """Listen on ``host:port`` (port 0: a free port the system picks, see
        :attr:`Listener.port`), serving TLS with ``ssl_context`` when it is given. Raises
        :class:`TransportError` when the address cannot be bound (in use, not local)."""
        ...

    async def receive_by(
        self, stream: Stream, max_bytes: int, deadline: float | None
    ) -> bytes | None:
        """``stream.receive_some(max_bytes)`` (with its results and errors), or None once
        ``deadline`` passes first (None: no deadline). With ``deadline`` already past it may
        return None without reading. Returning None loses no byte: a later read gets it."""
        ...

    async def wait_by(self, event: Waitable, deadline: float | None) -> bool:
        """Wait for ``event`` until ``deadline`` (None: no deadline): True once it is set
        (at once if it is, whatever the deadline), False when ``deadline`` passes first."""
        ...

    def fail_at(self, deadline: float) -> AbstractAsyncContextManager[None]:
        """A block cancelled at ``deadline`` if it has not finished, then raising a plain
        ``TimeoutError`` (not a :class:`TransportError`: the caller's deadline ran out, not the
        network). Deadlines of nested blocks each raise at their own block."""
        ...

    async def run_shielded(self, fn: Callable[[], Awaitable[None]], deadline: float) -> None:
        """Run ``fn()`` to its end, shielded from the caller's cancellation, or until
        ``deadline`` (then ``fn`` is cancelled and this returns quietly): the clean-up that must
        outlive a shutdown (releasing Redis leases). A cancellation of the caller meanwhile
        waits for ``fn`` and is raised after it; an error of ``fn`` is raised."""
        ...

    def create_event(self) -> Waitable:
        """A new unset :class:`Waitable`."""
        ...

    def open_task_group(self) -> AbstractAsyncContextManager[TaskGroup]:
        """A block whose tasks (:meth:`TaskGroup.start_soon`) it waits for at its end.

        An exception in a task or in the body cancels everything else in the group, and once
        all have ended every error is raised together in one ``ExceptionGroup`` (a
        ``BaseExceptionGroup`` if one of them is not an ``Exception``), however many there are,
        one included. A cancellation of the group from outside, or :meth:`TaskGroup.cancel`,
        is not an error: the block ends by the cancellation or, for ``cancel()``, quietly."""
        ...

    def portal(self) -> Portal:
        """Called on the loop: the way other threads reach it (see :class:`Portal`)."""
        ...
