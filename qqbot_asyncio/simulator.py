"""The simulator in a thread of its own, for synchronous code: the asyncio adapter's part.

:class:`qqproto.sim.Simulator` is written once over the client's ``Io`` and does no IO, runs no
thread and reads no clock of its own. Synchronous code (a plain test, a script, another SDK's
bot) needs it served from somewhere else: :class:`ThreadedSimulator` runs it on an asyncio loop
in a background thread (``with ThreadedSimulator.in_thread() as sim:``, also what
``qqproto.sim.Simulator.in_thread()`` gives). From any other thread its scripting calls run on
that loop and return the result, ``sim.wait_for_message(...)`` blocks the calling thread, and
``await sim.wait_for_message_async(...)`` waits from another thread's loop (asyncio or trio)
without blocking it. :func:`serve_forever` runs one in the foreground until SIGINT/SIGTERM,
feeding it standard input's lines (``python -m qqproto.sim``).

``from qqbot_asyncio.simulator import Simulator`` (this module's old name for the class) and its
old ``DEFAULT_APP_ID``/``DEFAULT_SECRET`` still work, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from qqproto.client._io import Waitable
from qqproto.sim._scripting import (
    Condition,
    awaited,
    blocking,
    holds,
    identified,
    live_session,
    message_sent,
    named,
    pushes_settled,
    received_heartbeat,
    received_request,
    resumed,
    webhook_validated,
)
from qqproto.sim._server import Simulator as _Simulator
from qqproto.sim._server import _SimulatorBase, current_io

__all__ = ["ThreadedSimulator", "serve_forever"]

T = TypeVar("T")


@named
class ThreadedSimulator(_SimulatorBase):
    """The simulator for synchronous code: its waits block the calling thread.

    :meth:`in_thread` runs one on its own asyncio loop in a background thread; from any other
    thread the scripting calls run on that loop, ``sim.wait_for_message(...)`` blocks and
    ``await sim.wait_for_message_async(...)`` waits from another loop (asyncio or trio) without
    blocking it. (``async with ThreadedSimulator()`` serves it in the running loop instead;
    there only the ``*_async`` waits work.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._thread: threading.Thread | None = None
        self._stop: Callable[[], None] | None = None
        self._cond = threading.Condition()
        self._generation = 0
        self._remote_wakers: set[Callable[[], None]] = set()

    # ------------------------------------------------------------------ the thread

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, **kwargs: Any) -> Iterator[ThreadedSimulator]:
        """Run a new simulator on its own asyncio loop in a background thread for the ``with``
        block (the keywords are the constructor's)."""
        sim = cls(**kwargs)
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
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            stop = self.io.create_event()
            portal = self.io.portal()
            self._stop = lambda: portal.schedule(stop.set)
            ready.set()
            try:
                await stop.wait()
            finally:
                await self.aclose()

        self._thread = threading.Thread(
            target=lambda: asyncio.run(main()), name="qq-simulator", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout):  # pragma: no cover - a stuck machine
            raise RuntimeError("the simulator thread did not start in time")
        if failure:
            self._thread.join(timeout)
            self._thread = None
            raise failure[0]

    def stop_thread(self, timeout: float = 10.0) -> None:
        """Stop the background thread started by :meth:`start_thread` and wait for it."""
        thread, self._thread = self._thread, None
        stop, self._stop = self._stop, None
        if thread is None:
            return
        if stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                stop()
        thread.join(timeout)

    # ------------------------------------------------------------------ waiters in other threads

    def _wake_elsewhere(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()
            wakers = list(self._remote_wakers)
        for waker in wakers:
            waker()

    async def _wait(self, condition: Condition[T]) -> T:
        if self._on_loop():
            return await super()._wait(condition)
        io = current_io()  # the caller's loop, woken through its own Io
        portal = io.portal()
        deadline = io.now() + condition.timeout
        while True:
            event = io.create_event()

            def waker(event: Waitable = event) -> None:
                with contextlib.suppress(RuntimeError):  # that loop ended
                    portal.schedule(event.set)

            with self._cond:
                self._remote_wakers.add(waker)
            try:
                result = self._query(condition.predicate)
                if result is not None:
                    return result
                if not await io.wait_by(event, deadline):
                    raise TimeoutError(self._timeout_message(condition))
            finally:
                with self._cond:
                    self._remote_wakers.discard(waker)

    def _block(self, condition: Condition[T]) -> T:
        """Block the calling thread until ``condition`` holds."""
        if self._on_loop():
            raise RuntimeError(
                "this wait blocks: on the simulator's own loop use "
                "'await sim.wait_for_async(...)' (or the in-loop Simulator's awaited waits)"
            )
        deadline = time.monotonic() + condition.timeout
        while True:
            with self._cond:
                generation = self._generation
            result = self._query(condition.predicate)
            if result is not None:
                return result
            with self._cond:
                while self._generation == generation:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(self._timeout_message(condition))
                    self._cond.wait(remaining)

    wait_for = blocking(holds)
    wait_for_message = blocking(message_sent)
    wait_for_identify = blocking(identified)
    wait_for_resume = blocking(resumed)
    wait_for_session = blocking(live_session)
    wait_for_heartbeat = blocking(received_heartbeat)
    wait_for_request = blocking(received_request)
    wait_for_webhook_validation = blocking(webhook_validated)
    wait_for_pushes_settled = blocking(pushes_settled)
    # awaitable from any other thread's loop (asyncio or trio) without blocking it
    wait_for_async = awaited(holds)
    wait_for_message_async = awaited(message_sent)
    wait_for_session_async = awaited(live_session)
    wait_for_webhook_validation_async = awaited(webhook_validated)


def serve_forever(
    sim: _Simulator,
    on_started: Callable[[_Simulator], None],
    on_line: Callable[[_Simulator, bytes], Coroutine[Any, Any, None]],
) -> None:
    """Serve ``sim`` on a new asyncio loop until SIGINT or SIGTERM: ``on_started(sim)`` once it
    listens, then ``on_line(sim, line)`` in a task of its own for each line of standard input
    (end of input stops the reading, not the server). A failure to listen is raised."""
    asyncio.run(_serve_forever(sim, on_started, on_line))


async def _serve_forever(
    sim: _Simulator,
    on_started: Callable[[_Simulator], None],
    on_line: Callable[[_Simulator, bytes], Coroutine[Any, Any, None]],
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    lines: asyncio.Queue[bytes | None] = asyncio.Queue()

    def read_lines(fd: int) -> None:
        # a daemon thread, reading the file descriptor itself: a thread blocked inside
        # sys.stdin's buffer would hold its lock when the interpreter shuts down
        pending = b""
        with contextlib.suppress(OSError, RuntimeError):  # no usable input; the loop closed
            while chunk := os.read(fd, 65536):
                *complete, pending = (pending + chunk).split(b"\n")
                for line in complete:
                    loop.call_soon_threadsafe(lines.put_nowait, line)
        with contextlib.suppress(RuntimeError):  # the loop is closed: we are exiting anyway
            for last in (pending, None):
                loop.call_soon_threadsafe(lines.put_nowait, last)

    await sim.start()
    try:
        on_started(sim)
        if sys.stdin is not None:
            fd = sys.stdin.fileno()
            threading.Thread(
                target=read_lines, args=(fd,), name="qq-sim-stdin", daemon=True
            ).start()
        commands: set[asyncio.Task[None]] = set()

        async def take_commands() -> None:
            while (line := await lines.get()) is not None:
                if line.strip():
                    task = asyncio.create_task(on_line(sim, line))
                    commands.add(task)
                    task.add_done_callback(commands.discard)

        reader = asyncio.create_task(take_commands())
        await stop.wait()
        for task in (reader, *commands):
            task.cancel()
        await asyncio.gather(reader, *commands, return_exceptions=True)
    finally:
        await sim.aclose()


def __getattr__(name: str) -> Any:
    if name == "Simulator":  # this module's old name for the thread-mode class
        warnings.warn(
            "qqbot_asyncio.simulator.Simulator is deprecated: use ThreadedSimulator (or "
            "qqproto.sim.Simulator, on any loop)",
            DeprecationWarning,
            stacklevel=2,
        )
        return ThreadedSimulator
    if name in ("DEFAULT_APP_ID", "DEFAULT_SECRET"):  # they were re-exported here
        import qqproto.sim

        warnings.warn(
            f"qqbot_asyncio.simulator.{name} is deprecated: use qqproto.sim.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(qqproto.sim, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
