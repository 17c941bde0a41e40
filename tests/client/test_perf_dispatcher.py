"""The per-shard ``Dispatcher`` after its hand-off got cheaper (no per-job event churn): jobs
still start in order, ``limit=1`` is strictly sequential, a raising handler goes to
``on_error``, one batch wakes an idle worker once, and a full backlog stops the read loop only
until there is room (each test runs on asyncio and on trio)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, cast

import anyio
import pytest
from _e2e import sim_client, until, wait

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto.client._context import Context
from qqproto.client._dispatcher import Dispatcher
from qqproto.client._http_pool import BotApi
from qqproto.client._io import Io

pytestmark = pytest.mark.anyio


class Errors:
    """A handler whose ``on_error`` records what it got."""

    def __init__(self, qq: ModuleType) -> None:
        self.errors: list[BaseException] = []
        errors = self.errors

        class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
            async def on_error(self, ctx: Any, exc: BaseException) -> None:
                errors.append(exc)

        self.handler = Handler()


def bare_context() -> Context:
    """A context with no API behind it: these jobs never call one."""
    return Context(cast(BotApi, None), None, (0, 1))


@asynccontextmanager
async def dispatching(
    qq: ModuleType, limit: int, backlog: int, *backlog_bytes: int, errors: Errors | None = None
) -> AsyncIterator[Dispatcher]:
    """A dispatcher of ``limit`` workers and a ``backlog`` (and ``backlog_bytes``) bound, running
    on the adapter's Io for the block; ``errors`` gets what handlers raise."""
    io: Io = qq.Client.io_factory(None)
    handler = (errors or Errors(qq)).handler
    async with io.open_task_group() as group:
        dispatcher = Dispatcher(io, group, handler, bare_context(), limit, backlog, *backlog_bytes)
        group.start_soon(dispatcher.run)
        yield dispatcher
        group.cancel()


class Held:
    """Jobs that note that they started, then wait until :attr:`release` is set."""

    def __init__(self) -> None:
        self.release = anyio.Event()
        self.started: list[int] = []

    async def job(self, ctx: Any, n: int) -> None:
        self.started.append(n)
        await self.release.wait()


async def test_limit_one_runs_jobs_one_after_another_in_order(qq: ModuleType) -> None:
    done: list[int] = []
    running = 0

    async def job(ctx: Any, n: int) -> None:
        nonlocal running
        running += 1
        assert running == 1, "two jobs ran at once"
        await anyio.sleep(0)  # suspends: another worker could start here if there were one
        running -= 1
        done.append(n)

    async with dispatching(qq, 1, 100) as dispatcher:
        for n in range(50):
            dispatcher.submit(job, n)
        await until(lambda: len(done) == 50)
    assert done == list(range(50))


async def test_a_raising_job_goes_to_on_error_and_the_next_one_runs(qq: ModuleType) -> None:
    errors = Errors(qq)
    done: list[int] = []

    async def job(ctx: Any, n: int) -> None:
        if n == 1:
            raise ValueError("handler bug")
        done.append(n)

    async with dispatching(qq, 4, 100, errors=errors) as dispatcher:
        for n in range(3):
            dispatcher.submit(job, n)
        await until(lambda: len(done) == 2)
    assert done == [0, 2]
    assert [str(e) for e in errors.errors] == ["handler bug"]


async def test_a_burst_fans_out_to_the_limit_at_once(qq: ModuleType) -> None:
    """Issue 9 §3: 20 events at once with ``limit=8`` run 8 handlers at once, not one (a worker
    used to be added only when no worker was idle, so one idle worker took the whole burst)."""
    running = 0
    most = 0
    release = anyio.Event()

    async def slow(ctx: Any, n: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1

    async with dispatching(qq, 8, 100) as dispatcher:
        await anyio.sleep(0.01)  # the first worker is idle, asleep on its wake event
        for n in range(20):
            dispatcher.submit(slow, n)
        await until(lambda: running == 8)
        assert dispatcher._workers == 8 and most == 8  # the limit, never more
        release.set()
        await until(lambda: running == 0 and not dispatcher._queue)
    assert most == 8


async def test_idle_workers_are_woken_and_busy_workers_get_help(qq: ModuleType) -> None:
    done: list[int] = []
    release = anyio.Event()
    waiting = 0

    async def quick(ctx: Any, n: int) -> None:
        done.append(n)

    async def slow(ctx: Any, n: int) -> None:
        nonlocal waiting
        waiting += 1
        await release.wait()
        waiting -= 1
        done.append(n)

    async with dispatching(qq, 3, 100) as dispatcher:
        for round_ in range(3):  # the worker sleeps between batches; each batch wakes it
            await anyio.sleep(0.01)
            for n in range(20):
                dispatcher.submit(quick, round_ * 20 + n)
            await until(lambda r=round_: len(done) == (r + 1) * 20)  # type: ignore[misc]
        # handlers that never wait are all run by the one worker: no task switch per event
        assert dispatcher._workers == 1
        for n in range(5):  # jobs that hold every worker up: the rest wait their turn
            dispatcher.submit(slow, 100 + n)
            await anyio.sleep(0.01)
        assert dispatcher._workers == 3 and waiting == 3  # help up to the limit, no further
        release.set()
        await until(lambda: len(done) == 65)
    assert done[:60] == list(range(60))
    assert sorted(done[60:]) == list(range(100, 105))


async def test_the_backlog_is_bounded_by_bytes_too(qq: ModuleType) -> None:
    """Issue 9 §3: the backlog bound counts the bytes each job was read with, so large events
    fill it long before the count bound; popping a job gives its bytes back."""
    held = Held()
    async with dispatching(qq, 1, 10_000, 200_000) as dispatcher:
        dispatcher.submit(held.job, 0, 65_536)
        await until(lambda: held.started == [0])  # popped: its bytes no longer count
        assert dispatcher.queued_bytes == 0
        for n in range(1, 4):
            dispatcher.submit(held.job, n, 65_536)
        assert dispatcher.queued_bytes == 3 * 65_536 and not dispatcher.full
        dispatcher.submit(held.job, 4, 65_536)
        assert dispatcher.full  # 4 x 64 KiB >= 200,000 bytes, far below 10,000 jobs
        room = dispatcher.room()
        held.release.set()
        await until(room.is_set)
        assert not dispatcher.full
        await until(lambda: len(held.started) == 5)
        assert dispatcher.queued_bytes == 0


async def test_a_full_backlog_asks_for_room_until_a_job_is_taken(qq: ModuleType) -> None:
    held = Held()
    async with dispatching(qq, 1, 2) as dispatcher:
        dispatcher.submit(held.job, 0)
        await until(lambda: held.started == [0])  # the only worker is held up by job 0
        dispatcher.submit(held.job, 1)
        assert not dispatcher.full
        dispatcher.submit(held.job, 2)
        dispatcher.submit(held.job, 3)  # over the bound: the read loop had one more read's worth
        assert dispatcher.full
        room = dispatcher.room()
        assert dispatcher.room() is room and not room.is_set()
        held.release.set()
        await until(lambda: len(held.started) == 4)
        assert room.is_set() and not dispatcher.full
        assert dispatcher.room() is not room  # a new wait gets a new event


async def test_backpressure_delivers_everything_once_and_in_order(qq: ModuleType) -> None:
    """A handler far slower than the events: the read loop stops at ``max_backlog`` and goes on
    when there is room; every event arrives once and in order on the one connection."""
    seen: list[int] = []

    class Slow(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_guild_member_add(self, ctx: Any, ev: Any) -> None:
            await anyio.sleep(0.005)
            seen.append(int(ev.nick))

    with ThreadedSimulator.in_thread() as sim:
        client = sim_client(qq, sim, Slow(), max_concurrent_handlers=1, max_backlog=3)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            for i in range(40):
                sim.inject("GUILD_MEMBER_ADD", {"guild_id": "1", "nick": str(i), "user": {}})
            await until(lambda: len(seen) == 40, 10.0)
            assert len(sim.call(lambda p: p.identifies_on(0))) == 1
            assert sim.call(lambda p: p.resumes_on(0)) == []
            tg.cancel_scope.cancel()
    assert seen == list(range(40))


async def test_a_handler_started_by_its_worker_waits_and_times_out_as_if_awaited(
    qq: ModuleType,
) -> None:
    """The worker starts each handler itself and goes on with it only if it waits: a timeout
    scope opened before the first wait, the task it runs in, a result sent back into it and an
    error raised after a wait all behave as for a plain ``await``."""
    errors = Errors(qq)
    seen: list[object] = []

    async def job(ctx: Any, n: int) -> None:
        task = anyio.get_current_task().id
        with anyio.move_on_after(0.01) as scope:  # entered before the handler first waits
            await anyio.sleep(10)
        seen.append((n, scope.cancelled_caught, anyio.get_current_task().id == task))
        await anyio.sleep(0)
        if n == 1:
            raise ValueError("after a wait")

    async with dispatching(qq, 2, 100, errors=errors) as dispatcher:
        for n in range(3):
            dispatcher.submit(job, n)
        await until(lambda: len(seen) == 3 and len(errors.errors) == 1)
        await anyio.sleep(0.01)  # every worker back asleep, none counted as ready
        assert dispatcher._ready == 0 and len(dispatcher._sleepers) == dispatcher._workers
    assert sorted(seen) == [(0, True, True), (1, True, True), (2, True, True)]  # type: ignore[type-var]
    assert [str(e) for e in errors.errors] == ["after a wait"]
