"""The worker runtime (gateway/worker split) on both adapters, against a real redis-server and
the simulator's REST side: entries XADDed here in the stream's format (as a publishing gateway
writes them) are handled with typed events, replies reach the simulator, bad entries go to
``on_error`` and are acknowledged, ``done`` events are skipped, two workers share the load."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio
import coredis
import pytest
from _e2e import until, wait

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto._json import dumps
from qqproto.cluster._keys import ClusterKeys
from qqproto.cluster._stream import COMPLETE, encode_entry

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def sim() -> Iterator[ThreadedSimulator]:
    with ThreadedSimulator.in_thread() as s:
        yield s


class Seen:
    """What a test handler saw: ``(kind, event, ctx)`` and the errors."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any, Any]] = []
        self.errors: list[BaseException] = []


def make_handler(qq: ModuleType, seen: Seen, *, delay: float = 0.0) -> Any:
    class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            seen.events.append(("c2c", msg, ctx))
            if delay:
                await anyio.sleep(delay)
            if msg.content == "boom":
                raise RuntimeError("handler bug")
            if msg.content and msg.content.startswith("echo"):
                await msg.reply(ctx, content="worker: " + msg.content)
                await msg.reply(ctx, content="again: " + msg.content)

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            seen.errors.append(error)

    return Handler()


def make_worker(qq: ModuleType, sim: ThreadedSimulator, handler: Any, ns: str, **kw: Any) -> Any:
    return qq.Worker(
        qq.Token(sim.app_id, sim.secret),
        handler,
        redis_url=kw.pop("redis_url"),
        namespace=ns,
        api_base=sim.api_base,
        token_url=sim.token_url,
        **kw,
    )


def one_worker(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str, *, delay: float = 0.0
) -> tuple[str, str, Seen, Any]:
    """A fresh namespace, its stream key, and a worker whose handler (sleeping ``delay``
    seconds) records into a fresh ``Seen``."""
    ns = f"t{uuid.uuid4().hex}"
    seen = Seen()
    worker = make_worker(qq, sim, make_handler(qq, seen, delay=delay), ns, redis_url=redis_url)
    return ns, ClusterKeys(ns, sim.app_id).events, seen, worker


@asynccontextmanager
async def running(*workers: Any) -> AsyncIterator[None]:
    async with anyio.create_task_group() as tg:
        for worker in workers:
            tg.start_soon(worker.start)
        yield
        tg.cancel_scope.cancel()


@asynccontextmanager
async def redis_client(url: str) -> AsyncIterator[Any]:
    client = coredis.Redis.from_url(url)
    async with client:
        yield client


def c2c(sim: ThreadedSimulator, text: str) -> tuple[str, bytes, str]:
    """A C2C message the simulator knows (so a passive reply to it is accepted): its event id,
    ``d`` as raw JSON and the message id."""
    injected = sim.inject_c2c_message(text)
    return injected.event_id, dumps(injected.data), injected.data["id"]


async def xadd(redis: Any, stream: str, app: str, name: str, eid: str | None, d: bytes) -> str:
    entry = await redis.xadd(stream, encode_entry(app, 0, 1, name, eid, d))
    return str(entry.decode())


async def test_entries_are_handled_with_typed_events_and_replies(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    ns, stream, seen, worker = one_worker(qq, sim, redis_url)
    async with redis_client(redis_url) as redis, running(worker):
        eid, d, msg_id = c2c(sim, f"echo {ns}")
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid, d)
        first = await wait(sim.wait_for_message, scene="c2c", contains="worker: echo " + ns)
        second = await wait(sim.wait_for_message, scene="c2c", contains="again: echo " + ns)
        assert (first.msg_id, first.msg_seq) == (msg_id, 1)
        assert (second.msg_id, second.msg_seq) == (msg_id, 2)
        _, msg, ctx = seen.events[0]
        assert type(msg) is qq.models.C2CMessage
        assert msg.event_id == eid and msg.content == f"echo {ns}"
        assert ctx.api is worker.api and ctx.bot is not None and ctx.shard == (0, 0)
        assert getattr(ctx, "redelivered", False) is False
        await until(lambda: worker._completions == [] and worker._running == 0)
        await until(lambda: worker._counters.handled == 1)
        assert await redis.get(f"{ns}:{sim.app_id}:done:{eid}") == worker.consumer.encode()
        ttl = await redis.ttl(f"{ns}:{sim.app_id}:done:{eid}")
        assert 3500 < ttl <= 3600
        status = await worker.status()
        assert status.consumer == worker.consumer and status.group == "workers"
        assert (status.pending, status.group_pending, status.lag) == (0, 0, 0)
        assert status.handled == 1 and status.errors == 0
    assert seen.errors == []


async def test_bad_entries_and_handler_errors_reach_on_error_and_are_acked(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    ns, stream, seen, worker = one_worker(qq, sim, redis_url)
    async with redis_client(redis_url) as redis, running(worker):
        await redis.xadd(stream, {b"v": b"1", b"name": b"C2C_MESSAGE_CREATE"})  # fields missing
        await redis.xadd(stream, {**encode_entry(sim.app_id, 0, 2, "X", "e", b"{}"), b"v": b"9"})
        await redis.xadd(stream, encode_entry("another-app", 0, 3, "C2C_MESSAGE_CREATE", "", b"{}"))
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", "bad-shape", b'{"author": 5}')
        eid, d, _ = c2c(sim, "boom")
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid, d)
        eid2, d2, _ = c2c(sim, f"echo after {ns}")
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid2, d2)
        await wait(sim.wait_for_message, scene="c2c", contains=f"worker: echo after {ns}")
        await until(lambda: len(seen.errors) == 5)
        await until(lambda: worker._completions == [] and worker._running == 0)
        texts = sorted(type(e).__name__ + ": " + str(e)[:60] for e in seen.errors)
        assert [t.split(":")[0] for t in texts] == [
            "InvalidModel",
            "RuntimeError",
            "StreamEntryError",
            "StreamEntryError",
            "StreamEntryError",
        ]
        assert any("missing field" in t for t in texts)
        assert any("format version" in t for t in texts)
        assert any("another-app" in t for t in texts)
        status = await worker.status()
        assert (status.pending, status.group_pending, status.lag) == (0, 0, 0)
        assert status.bad_entries == 3 and status.errors == 2 and status.handled == 3
        assert await redis.exists([f"{ns}:{sim.app_id}:done:{eid}"]) == 1  # an error completes


async def test_done_events_are_skipped_and_acked(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    ns, stream, seen, worker = one_worker(qq, sim, redis_url)
    async with redis_client(redis_url) as redis, running(worker):
        eid, d, _ = c2c(sim, "already done")
        await redis.set(f"{ns}:{sim.app_id}:done:{eid}", "someone", ex=60)
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid, d)
        eid2, d2, _ = c2c(sim, "fresh")
        for _ in range(2):  # the same event twice in the stream: handled once
            await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid2, d2)
        # no event id: deduplicated by entry id, so handled
        _, d3, _ = c2c(sim, "no id")
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", None, d3)
        await until(lambda: worker._counters.handled == 2 and worker._counters.skipped >= 1)
        await until(lambda: worker._completions == [] and worker._running == 0)
        status = await worker.status()
        assert (status.pending, status.group_pending, status.lag) == (0, 0, 0)
    assert sorted(m.content for _, m, _ in seen.events) == ["fresh", "no id"]
    # the done one skipped; "fresh" again: skipped as done, or acked with the running first
    assert worker._counters.skipped in (1, 2) and worker._counters.handled == 2


async def test_a_copy_read_before_the_first_completion_is_written_is_not_handled_again(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    """The same event twice in the stream, the copy read after the handler finished but while
    its done mark still waits in the completion batch: acknowledged with it, not handled."""
    ns, stream, seen, worker = one_worker(qq, sim, redis_url)
    release = anyio.Event()
    script = worker._script

    def held_script(text: str) -> Any:
        compiled = script(text)
        if text is not COMPLETE:
            return compiled

        async def held(**kwargs: Any) -> Any:
            await release.wait()
            return await compiled(**kwargs)

        return held

    worker._script = held_script
    async with redis_client(redis_url) as redis, running(worker):
        eid, d, _ = c2c(sim, "once")
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid, d)
        await until(lambda: worker._counters.handled == 1 and worker._running == 0)
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid, d)
        await until(lambda: worker._counters.skipped == 1)
        release.set()
        await until(lambda: worker._completions == [] and not worker._flushing)
        status = await worker.status()
        assert (status.pending, status.group_pending, status.lag) == (0, 0, 0)
        assert await redis.exists([f"{ns}:{sim.app_id}:done:{eid}"]) == 1
    assert [m.content for _, m, _ in seen.events] == ["once"]
    assert worker._counters.handled == 1


async def test_two_workers_share_the_load_each_entry_once(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    ns = f"t{uuid.uuid4().hex}"
    stream = ClusterKeys(ns, sim.app_id).events
    seen = [Seen(), Seen()]
    workers = [
        make_worker(qq, sim, make_handler(qq, s, delay=0.01), ns, redis_url=redis_url, batch=4)
        for s in seen
    ]
    n = 200
    async with redis_client(redis_url) as redis:
        d = dumps(sim.inject_c2c_message("load").data)
        for i in range(n):
            await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", f"load-{i}", d)
        async with running(*workers):
            await until(lambda: sum(w._counters.handled for w in workers) == n, timeout=15)
            await until(lambda: all(not w._completions and not w._running for w in workers))
            status = await workers[0].status()
            assert (status.group_pending, status.lag, status.consumers) == (0, 0, 2)
        ids = [m.event_id for s in seen for _, m, _ in s.events]
        assert sorted(ids) == sorted(f"load-{i}" for i in range(n))  # each exactly once
        assert all(s.events for s in seen)  # both took a share
        assert await redis.exists([f"{ns}:{sim.app_id}:done:load-{i}" for i in range(n)]) == n


async def test_a_stream_lost_with_its_group_is_recreated_and_read_again(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    """Redis lost the stream and its consumer group (restarted empty; here: the key deleted):
    the next gateway XADD recreates the stream but not the group. The worker's reads fail with
    NOGROUP; it creates the group again and handles what is published from then on."""
    _, stream, seen, worker = one_worker(qq, sim, redis_url)
    async with redis_client(redis_url) as redis, running(worker):
        eid, d, _ = c2c(sim, "before")
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid, d)
        await until(lambda: worker._counters.handled == 1)
        await until(lambda: worker._completions == [])
        assert await redis.delete([stream]) == 1
        eid2, d2, _ = c2c(sim, "after")
        await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", eid2, d2)
        await until(lambda: worker._counters.handled == 2, timeout=10)
        await until(lambda: worker._completions == [])
        status = await worker.status()
        assert (status.pending, status.group_pending, status.lag) == (0, 0, 0)
    assert [m.content for _, m, _ in seen.events] == ["before", "after"]


async def test_the_reader_and_the_takeover_scan_never_exceed_the_handler_limit(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    """A dead consumer's 2 entries are taken over (the limit is 2) while the reader waits for
    new ones with room for 2 more as it saw it: when 2 new entries arrive they wait for a
    slot, and never more than 2 handlers run at once."""
    ns = f"t{uuid.uuid4().hex}"
    stream = ClusterKeys(ns, sim.app_id).events
    active, peak, handled = [0], [0], []

    class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            try:
                await anyio.sleep(0.3)
            finally:
                active[0] -= 1
            handled.append(msg.event_id)

    worker = make_worker(
        qq,
        sim,
        Handler(),
        ns,
        redis_url=redis_url,
        max_concurrent_handlers=2,
        batch=2,
        claim_idle=0.2,
        claim_every=0.1,
    )
    async with redis_client(redis_url) as redis:
        d = dumps(sim.inject_c2c_message("x").data)
        await redis.xgroup_create(stream, "workers", "0", mkstream=True)
        for i in range(2):
            await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", f"dead-{i}", d)
        await redis.xreadgroup("workers", "dead", {stream: ">"}, count=2)  # left pending
        async with running(worker):
            await until(lambda: worker._running == 2)  # the dead one's entries, taken over
            for i in range(2):
                await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", f"new-{i}", d)
            await until(lambda: len(handled) == 4, timeout=10)
            await until(lambda: worker._completions == [])
    assert sorted(handled) == ["dead-0", "dead-1", "new-0", "new-1"]
    assert peak[0] == 2


async def test_graceful_stop_lets_running_handlers_finish(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    ns, stream, seen, worker = one_worker(qq, sim, redis_url, delay=0.3)
    async with redis_client(redis_url) as redis:
        d = dumps(sim.inject_c2c_message("slow").data)
        for i in range(3):
            await xadd(redis, stream, sim.app_id, "C2C_MESSAGE_CREATE", f"slow-{i}", d)
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(worker.start)
                await until(lambda: len(seen.events) == 3)
                worker.stop()  # start() returns once the three finished and are completed
        assert worker._counters.handled == 3
        pending = await redis.xpending(stream, "workers")
        assert pending.pending == 0
        assert await redis.exists([f"{ns}:{sim.app_id}:done:slow-{i}" for i in range(3)]) == 3


def test_worker_options_are_checked() -> None:
    import qqbot_asyncio as qq

    handler = qq.EventHandler()
    token = qq.Token("1", "s")
    with pytest.raises(ValueError, match="redis_url"):
        qq.Worker(token, handler)
    with pytest.raises(TypeError, match="either cluster"):
        qq.Worker(token, handler, cluster=object(), redis_url="redis://x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch"):
        qq.Worker(token, handler, redis_url="redis://x", batch=0)
    with pytest.raises(TypeError, match="EventHandler"):
        qq.Worker(token, object(), redis_url="redis://x")  # type: ignore[arg-type]
    worker = qq.Worker(token, handler, redis_url="redis://x", namespace="ns", consumer="c1")
    assert (worker.stream, worker.consumer, worker.group) == ("ns:1:events", "c1", "workers")
    assert "s" not in repr(worker).replace("consumer", "").replace("Worker", "")
