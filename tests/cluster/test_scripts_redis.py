"""Every coordination script against the session's real redis-server (both loops)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
import coredis
import pytest

from qqproto.cluster import ClusterKeys
from qqproto.cluster._scripts import (
    CLAIM,
    CLAIM_EVENT,
    COMPLETE,
    PUBLISH,
    RELEASE,
    SAVE_SESSION,
    TICK,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def redis(redis_url: str, anyio_backend: str) -> AsyncIterator[Any]:
    async with coredis.Redis.from_url(redis_url) as client:
        yield client


def run(redis: Any, script: str, keys: list[str], args: list[Any]) -> Any:
    return redis.register_script(script)(keys=keys, args=args)


def lease_keys(k: ClusterKeys, shard: int = 0) -> list[str]:
    return [k.lease(shard), k.fence(shard), k.session(shard)]


async def test_claim_fences_and_a_stale_fence_cannot_write(redis: Any) -> None:
    k = ClusterKeys(f"t{uuid.uuid4().hex}", "app")
    assert await run(redis, CLAIM, lease_keys(k), ["a", 300]) == [1, b"", b""]
    assert await run(redis, CLAIM, lease_keys(k), ["b", 300]) == []  # held
    assert await run(redis, SAVE_SESSION, lease_keys(k), ["a|1", 1, "s1", 5, "set"]) == 1
    await anyio.sleep(0.4)  # a's lease expires in Redis; b claims with a higher fence
    assert await run(redis, CLAIM, lease_keys(k), ["b", 5000]) == [2, b"s1", b"5"]
    # a (stale fence) can write nothing
    assert await run(redis, SAVE_SESSION, lease_keys(k), ["a|1", 1, "s1", 9, "max"]) == 0
    assert await run(redis, RELEASE, lease_keys(k), ["a|1", 1, "s1", 9]) == 0
    done = [k.done("e1"), k.inflight("e1")]
    assert await run(redis, COMPLETE, [*done, *lease_keys(k)], ["1", 1000, "a|1", 1, "s1", 9]) == 0
    args = ["a|1", 1, "s1", 9, "e9", "app", 0, "N", b"{}"]
    assert await run(redis, PUBLISH, [*lease_keys(k), k.done("e9"), k.events], args) == -1
    assert await redis.hgetall(k.session(0)) == {b"session_id": b"s1", b"seq": b"5", b"fence": b"1"}
    # b's writes go through; seq only forward within a session
    assert await run(redis, SAVE_SESSION, lease_keys(k), ["b|2", 2, "s1", 7, "max"]) == 1
    assert await run(redis, SAVE_SESSION, lease_keys(k), ["b|2", 2, "s1", 6, "max"]) == 1
    assert (await redis.hgetall(k.session(0)))[b"seq"] == b"7"
    assert await run(redis, RELEASE, lease_keys(k), ["b|2", 2, "s1", 8]) == 1
    assert await redis.exists([k.lease(0)]) == 0
    assert (await redis.hgetall(k.session(0)))[b"seq"] == b"8"


async def test_tick_registers_renews_and_reports_each_shard(redis: Any) -> None:
    k = ClusterKeys(f"t{uuid.uuid4().hex}", "app")
    await run(redis, CLAIM, lease_keys(k, 0), ["a", 300])
    await run(redis, CLAIM, lease_keys(k, 1), ["b", 5000])
    keys = [k.members, k.lease(0), k.lease(1), k.lease(2)]
    assert await run(redis, TICK, keys, ["a", 5000, "1", "", ""]) == [1, 1, 2, 3]
    assert await redis.pttl(k.lease(0)) > 1000  # renewed to the TTL
    assert await run(redis, TICK, keys, ["b", 5000, "", "1", ""]) == [2, 2, 1, 3]
    assert await run(redis, TICK, keys, ["a", 5000, "9", "", ""]) == [2, 0, 2, 3]  # lost


async def test_event_claim_complete_and_redelivery(redis: Any) -> None:
    k = ClusterKeys(f"t{uuid.uuid4().hex}", "app")
    await run(redis, CLAIM, lease_keys(k), ["a", 5000])
    await run(redis, SAVE_SESSION, lease_keys(k), ["a|1", 1, "s", 0, "set"])
    ids = [k.done("e"), k.inflight("e")]
    assert await run(redis, CLAIM_EVENT, ids, ["a", 5000]) == 1
    assert await run(redis, CLAIM_EVENT, ids, ["b", 5000]) == 2  # in flight under a: redelivered
    assert await run(redis, COMPLETE, [*ids, *lease_keys(k)], ["1", 5000, "a|1", 1, "s", 3]) == 1
    assert await run(redis, CLAIM_EVENT, ids, ["b", 5000]) == 0  # done: skipped
    assert await redis.exists([k.inflight("e")]) == 0
    assert (await redis.hgetall(k.session(0)))[b"seq"] == b"3"


async def test_publish_appends_once_and_moves_the_seq(redis: Any) -> None:
    k = ClusterKeys(f"t{uuid.uuid4().hex}", "app")
    await run(redis, CLAIM, lease_keys(k), ["a", 5000])
    await run(redis, SAVE_SESSION, lease_keys(k), ["a|1", 1, "s", 1, "set"])

    def publish(seq: int, event_id: str) -> Any:
        args = ["a|1", 1, "s", seq, event_id, "app", 0, "AT_MESSAGE_CREATE", b'{"x":1}']
        return run(redis, PUBLISH, [*lease_keys(k), k.done(event_id), k.events], args)

    assert await publish(2, "e2") == 1
    assert await publish(2, "e2") == 0  # a replay of a published seq
    await redis.set(k.done("e3"), "1")
    assert await publish(3, "e3") == 0  # handled already
    assert await publish(4, "") == 1
    entries = await redis.xrange(k.events)
    assert len(entries) == 2
    fields = dict(entries[0][1])
    assert fields == {
        b"v": b"1",
        b"app": b"app",
        b"shard": b"0",
        b"seq": b"2",
        b"name": b"AT_MESSAGE_CREATE",
        b"id": b"e2",
        b"d": b'{"x":1}',
    }
    assert (await redis.hgetall(k.session(0)))[b"seq"] == b"4"
