"""The handler dispatcher: runs a bot's handlers in the background, bounded, in event order.

One :class:`Dispatcher` per shard (and per bot in webhook mode). Events wait in a backlog bounded
in count and in bytes; handlers run in the adapter's task group, at most
``max_concurrent_handlers`` at a time, and a handler that raises goes to ``on_error``.
"""

from __future__ import annotations

import logging
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from types import CoroutineType
from typing import Any

from qqproto.client._context import Context
from qqproto.client._handler import EventHandler
from qqproto.client._io import Io, TaskGroup, Waitable

log = logging.getLogger("qqbot.handler")

Job = tuple[Callable[..., Awaitable[Any]], Any, int]

LOG_LIMIT = 200
"""The most characters of peer-controlled text in one log field."""
DEFAULT_BACKLOG_BYTES = 16 * 1024 * 1024
"""The default bound of a shard's handler backlog in bytes of the events' wire payloads."""


class Dispatcher:
    """Runs one shard's handlers in event order, at most ``limit`` at once, in ``group``.

    A pool of up to ``limit`` long-lived workers takes jobs from one queue in order, so an event
    costs no task of its own; ``limit=1`` handles events strictly one after another. :meth:`run`
    is the first worker. A worker starts each handler itself, in its own task: a handler that
    returns without waiting for anything (most do) costs no task switch at all, and a whole
    batch of such events is handled by one worker in one go. Only when a handler waits while
    jobs are queued behind it, or a job arrives while every worker waits inside a handler, is
    another worker woken (or started, up to ``limit``), so slow handlers still run side by side.

    The queue is bounded twice: by ``backlog`` jobs and by ``backlog_bytes``, the summed wire
    size each job was submitted with (:attr:`full`); the read loop stops reading while it is
    full, so a flood of large events costs bounded memory.
    """

    def __init__(
        self,
        io: Io,
        group: TaskGroup,
        handler: EventHandler,
        ctx: Context,
        limit: int,
        backlog: int,
        backlog_bytes: int = DEFAULT_BACKLOG_BYTES,
    ) -> None:
        self._io = io
        self._group = group
        self._handler = handler
        self._ctx = ctx
        self._limit = limit
        self._backlog = backlog
        self._backlog_bytes = backlog_bytes
        self._queue: deque[Job] = deque()
        self._bytes = 0
        """The summed ``size`` of the queued jobs."""
        self._workers = 1  # run()
        self._ready = 1
        """Workers that will look at the queue again without being woken: running, woken or
        started, but neither asleep nor waiting inside a handler."""
        self._sleepers: list[Waitable] = []
        """The wake events of the workers asleep on an empty queue (the latest last)."""
        self._room: Waitable | None = None

    @property
    def full(self) -> bool:
        """The backlog is at a bound: stop reading the socket until :meth:`room` is set."""
        return len(self._queue) >= self._backlog or self._bytes >= self._backlog_bytes

    @property
    def queued_bytes(self) -> int:
        """The summed wire size of the jobs waiting for a worker."""
        return self._bytes

    def room(self) -> Waitable:
        """An event set once the backlog is below its bounds again (to wait on while full)."""
        if self._room is None:
            self._room = self._io.create_event()
        return self._room

    def submit(self, method: Callable[..., Awaitable[Any]], event: Any, size: int = 0) -> None:
        """Queue ``method(ctx, event)``; it starts after every job queued before it. ``size`` is
        what the job counts against ``backlog_bytes`` (its share of the bytes read)."""
        self._queue.append((method, event, size))
        self._bytes += size
        if not self._ready:
            self._help()

    def _help(self) -> None:
        """Get one more worker to look at the queue: wake the latest asleep, else start one if
        the limit allows (else the jobs wait for a handler to finish)."""
        if self._sleepers:
            self._ready += 1
            self._sleepers.pop().set()
        elif self._workers < self._limit:
            self._workers += 1
            self._ready += 1
            self._group.start_soon(self.run)

    async def run(self) -> None:
        """One worker: take the next job, run it, repeat; sleep while the queue is empty."""
        queue = self._queue
        ctx = self._ctx
        while True:
            while queue:
                method, event, size = queue.popleft()
                self._bytes -= size
                room = self._room
                if room is not None and not self.full:
                    self._room = None
                    room.set()
                # Start the handler here, in this worker's task (what ``await`` does first):
                # most handlers finish without waiting, and then no other task is involved.
                pending: Awaitable[Any]
                try:
                    pending = method(ctx, event)
                    if type(pending) is CoroutineType:
                        pending = _resume(pending, pending.send(None))
                except StopIteration:
                    continue
                except Exception as exc:
                    pending = report_error(self._handler, ctx, exc)
                    try:
                        pending = _resume(pending, pending.send(None))
                    except StopIteration:
                        continue
                # It waits for something: the jobs queued behind it need another worker
                # meanwhile; this one goes on with it until it ends.
                self._ready -= 1
                if queue:
                    self._help()
                try:
                    await pending
                except Exception as exc:
                    await report_error(self._handler, ctx, exc)
                finally:
                    self._ready += 1
            wake = self._io.create_event()
            self._sleepers.append(wake)
            self._ready -= 1
            try:
                await wake.wait()
            finally:
                if not wake.is_set():  # cancelled while asleep
                    self._sleepers.remove(wake)
                    self._ready += 1


@types.coroutine
def _resume(coro: Coroutine[Any, Any, Any], first: Any) -> Generator[Any, Any, Any]:
    """Go on with ``coro`` after ``coro.send(None)`` returned ``first``, exactly as ``await
    coro`` would have: what it yields goes to the event loop, what the loop sends or throws
    (a result, a cancellation) goes back into it, and its result or exception is this one's."""
    value = first
    while True:
        try:
            sent = yield value
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:
            try:
                value = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                value = coro.send(sent)
            except StopIteration as stop:
                return stop.value


async def report_error(handler: EventHandler, ctx: Context, exc: BaseException) -> None:
    """Give ``exc`` to ``on_error``; if that raises too, log both (bounded: an error's text may
    quote what a peer sent)."""
    try:
        await handler.on_error(ctx, exc)
    except Exception as again:
        log.error(
            "on_error raised %s while handling %s: %s",
            type(again).__name__,
            type(exc).__name__,
            clip(again),
        )


def clip(value: object, limit: int = LOG_LIMIT) -> str:
    """``str(value)`` cut to ``limit`` characters, for log lines: anything that may hold what a
    peer sent is bounded before it is formatted. A value whose ``str`` fails (or recurses too
    deep) is named by its type."""
    try:
        text = value if type(value) is str else str(value)
    except Exception:  # RecursionError, a broken __str__
        return f"<unprintable {type(value).__name__}>"
    assert isinstance(text, str)
    return text if len(text) <= limit else text[:limit] + "…"
