"""A shard stopped while an event's completion is on its way to Redis (both loops).

A handler finished, so the event's seq is in the shard's watermark, but its ``COMPLETE``
round trip (the done mark, the stored seq) was cut by the shard's stop: a graceful hand-over
to a joining node, or a lost lease. The event must still be marked done before the shard
goes: the hand-over stores a watermark past the event, so the next owner never sees it again
and nobody else would write the mark; after a lost lease the next owner replays the event and
must skip it, not handle it a second time.

The cut is made certain by delaying the first ``COMPLETE`` of each event on the owner's side
of a real Redis (a slow link: the script reaches Redis only after the delay, or never if the
shard stops meanwhile).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import anyio
import coredis
import pytest
from _e2e import live, owned, sim_client, until

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.cluster import ClusterConfig, ClusterKeys
from qqproto.cluster._scripts import COMPLETE

pytestmark = pytest.mark.anyio

TTL = 1.0
DELAY = 3.0
"""How long the first ``COMPLETE`` of an event is held back: longer than a renewal interval
plus a drain, so the shard stops while it waits."""


class Seen(list[tuple[str, str, bool]]):
    """(node, event id, redelivered) of every handled C2C message."""


def c2c_bot(qq: ModuleType, node: str, seen: Seen) -> Any:
    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, ev: Any) -> None:
            seen.append((node, ev.event_id, ctx.redelivered))

    return Bot()


def slow_first_completion(client: Any) -> list[str]:
    """Hold back the first ``COMPLETE`` of each event of ``client`` by :data:`DELAY`; the
    done keys held back so far."""
    coordinator = client._coordinator
    run: Callable[..., Awaitable[Any]] = coordinator.run
    held: list[str] = []

    async def slow_run(script: str, keys: list[str], args: list[Any]) -> Any:
        if script is COMPLETE and args[0] == "1" and keys[0] not in held:
            held.append(keys[0])
            await anyio.sleep(DELAY)
        return await run(script, keys, args)

    coordinator.run = slow_run
    return held


async def marks(redis_url: str, keys: ClusterKeys, event_id: str) -> tuple[bool, bool]:
    """(done mark set, in-flight mark set) of ``event_id``."""
    async with coredis.Redis.from_url(redis_url) as redis:
        done = await redis.exists([keys.done(event_id)])
        inflight = await redis.exists([keys.inflight(event_id)])
    return bool(done), bool(inflight)


def client(qq: ModuleType, sim: Simulator, redis_url: str, ns: str, node: str, seen: Seen) -> Any:
    """A clustered client of ``sim``'s bot named ``node`` that records into ``seen``."""
    config = ClusterConfig(redis_url, namespace=ns, lease_ttl=TTL, node_id=node)
    return sim_client(qq, sim, c2c_bot(qq, node, seen), identify_window=0.2, cluster=config)


async def test_a_hand_over_marks_done_what_finished_before_storing_the_session(
    qq: ModuleType, redis_url: str
) -> None:
    ns = f"t{uuid.uuid4().hex}"
    seen = Seen()
    with Simulator.in_thread(shards=2) as sim:
        keys = ClusterKeys(ns, sim.app_id)
        a = client(qq, sim, redis_url, ns, "a", seen)
        b = client(qq, sim, redis_url, ns, "b", seen)
        async with anyio.create_task_group() as tg:
            tg.start_soon(a.start)
            await until(lambda: owned(a) == [0, 1] and live(a, 0) and live(a, 1), timeout=10)
            held = slow_first_completion(a)
            injected = sim.inject_many(2)  # one on each shard
            await until(lambda: len(seen) == 2 and len(held) == 2, timeout=10)
            # both handlers finished; their completions wait. b joins: a hands one shard over
            tg.start_soon(b.start)
            await until(lambda: len(owned(b)) == 1 and live(b, owned(b)[0]), timeout=10)
            moved = owned(b)[0]
            await until(lambda: sim.resumes(), timeout=10)
            assert [r.shard for r in sim.resumes()] == [moved]
            (event,) = [e for e in injected if e.deliveries[0].shard == moved]
            # marked done before the session was stored: nobody will see the event again
            assert await marks(redis_url, keys, event.event_id) == (True, False)
            (other,) = [e for e in injected if e is not event]
            await until(lambda: not a._coordinator.links[1 - moved].unacked, timeout=DELAY + 2)
            assert await marks(redis_url, keys, other.event_id) == (True, False)
            await anyio.sleep(TTL)  # b handles nothing the hand-over replayed
            tg.cancel_scope.cancel()
    assert sorted(seen) == sorted(("a", e.event_id, False) for e in injected)


async def test_a_lost_lease_marks_done_what_finished_so_the_next_owner_skips_it(
    qq: ModuleType, redis_url: str
) -> None:
    ns = f"t{uuid.uuid4().hex}"
    seen = Seen()
    with Simulator.in_thread(shards=1) as sim:
        keys = ClusterKeys(ns, sim.app_id)
        a = client(qq, sim, redis_url, ns, "a", seen)
        async with anyio.create_task_group() as tg:
            tg.start_soon(a.start)
            await until(lambda: owned(a) == [0] and live(a, 0), timeout=10)
            first = a._coordinator.links[0]
            held = slow_first_completion(a)
            (event,) = sim.inject_many(1)
            await until(lambda: len(seen) == 1 and held, timeout=10)
            # the lease vanishes while the completion waits: the shard stops, the stored seq
            # stays before the event, the done mark is written anyway
            async with coredis.Redis.from_url(redis_url) as redis:
                assert await redis.delete([keys.lease(0)]) == 1
            await until(lambda: first.lost and first.stopped, timeout=5)
            # free again: a claims it under a new fence and RESUMEs; the replayed event is
            # skipped as done
            await until(lambda: owned(a) == [0] and a._coordinator.links[0] is not first, 5)
            await until(lambda: sim.resumes(0), timeout=10)
            await until(lambda: live(a, 0), timeout=5)
            await anyio.sleep(0.5)
            assert await marks(redis_url, keys, event.event_id) == (True, False)
            tg.cancel_scope.cancel()
    assert seen == [("a", event.event_id, False)]
