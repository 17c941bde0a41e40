"""Multi-process: a worker killed with kill -9 mid-batch. Its pending entries are taken over by
another worker process (after ``claim_idle``) and completed exactly once; only those are handled
again, flagged ``ctx.redelivered``. While the slow worker lives, its running entries are not
taken (it touches them), however long its handlers run."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import anyio
import coredis
import pytest

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto._json import dumps
from qqproto.cluster._keys import ClusterKeys
from qqproto.cluster._stream import encode_entry

pytestmark = pytest.mark.anyio

CHILD = r"""
import sys
import anyio
import coredis

adapter, redis_url, ns, api_base, token_url, app_id, secret, consumer, delay = sys.argv[1:10]
qq = __import__(adapter)


async def main() -> None:
    log = coredis.Redis.from_url(redis_url)
    async with log:

        class Handler(qq.EventHandler):
            async def on_c2c_message_create(self, ctx, msg):
                flag = int(bool(getattr(ctx, "redelivered", False)))
                await log.rpush(ns + ":log", [f"{consumer}|{msg.event_id}|{flag}"])
                await anyio.sleep(float(delay))

        worker = qq.Worker(
            qq.Token(app_id, secret), Handler(), redis_url=redis_url, namespace=ns,
            consumer=consumer, batch=8, max_concurrent_handlers=8, claim_idle=1.0,
            api_base=api_base, token_url=token_url,
        )
        await worker.start()


anyio.run(main, backend="trio" if adapter == "qqbot_trio" else "asyncio")
"""

N = 24
RUNNING = 8
"""Handlers the slow worker runs at once (its batch): the entries pending when it is killed."""


@pytest.fixture(scope="module")
def sim() -> Iterator[ThreadedSimulator]:
    with ThreadedSimulator.in_thread() as s:
        yield s


def spawn(qq: Any, sim: ThreadedSimulator, redis_url: str, ns: str, name: str, delay: float) -> Any:
    args = [qq.__name__, redis_url, ns, sim.api_base, sim.token_url, sim.app_id, sim.secret]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args, name, str(delay)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_killed_worker_entries_are_reclaimed_and_completed_once(
    qq: Any, sim: ThreadedSimulator, redis_url: str
) -> None:
    ns = f"t{uuid.uuid4().hex}"
    keys = ClusterKeys(ns, sim.app_id)
    stream = keys.events
    redis: Any = coredis.Redis.from_url(redis_url)
    procs: list[Any] = []
    try:
        async with redis:
            d = dumps(sim.inject_c2c_message("work").data)
            for i in range(N):
                await redis.xadd(
                    stream, encode_entry(sim.app_id, 0, i, "C2C_MESSAGE_CREATE", f"e{i}", d)
                )

            async def log() -> list[tuple[str, str, int]]:
                rows = await redis.lrange(f"{ns}:log", 0, -1)
                return [(c, e, int(f)) for c, e, f in (r.decode().split("|") for r in rows)]

            async def poll(predicate: Any, timeout: float) -> list[tuple[str, str, int]]:
                with anyio.fail_after(timeout):
                    while not predicate(rows := await log()):
                        await anyio.sleep(0.05)
                return rows

            procs.append(spawn(qq, sim, redis_url, ns, "slow", 60.0))
            slow = await poll(lambda rows: len(rows) == RUNNING, 15)
            taken = {e for _, e, _ in slow}
            procs.append(spawn(qq, sim, redis_url, ns, "fast", 0.01))
            # the fast one handles the rest; the slow one's running entries stay its own while it
            # lives, well past claim_idle (it touches them)
            await poll(lambda rows: len(rows) == N, 15)
            await anyio.sleep(2.5)
            assert len(await log()) == N
            procs[0].kill()  # kill -9 mid-batch: RUNNING entries pending, never completed
            procs[0].wait(5)
            rows = await poll(lambda rows: len(rows) == N + RUNNING, 15)
            done_keys = [keys.done(f"e{i}") for i in range(N)]

            async def all_done() -> bool:
                return bool(await redis.exists(done_keys) == N)

            with anyio.fail_after(10):
                while not await all_done():
                    await anyio.sleep(0.05)
            await anyio.sleep(1.5)  # another takeover scan: nothing more happens
            rows = await log()
            pending = await redis.xpending(stream, "workers")
            marks = await redis.mget(done_keys)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(5)
            if proc.stderr is not None:
                proc.stderr.close()
    assert pending.pending == 0
    assert set(marks) == {b"fast"}  # every completion by the survivor
    by_fast = [(e, flag) for c, e, flag in rows if c == "fast"]
    assert sorted(e for e, _ in by_fast) == sorted(f"e{i}" for i in range(N))  # once each
    assert {e for e, flag in by_fast if flag} == taken  # only the dead one's were redelivered
    assert [c for c, _, _ in rows].count("slow") == RUNNING
    assert all(flag == 0 for c, _, flag in rows if c == "slow")
