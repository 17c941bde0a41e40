"""A clustered client that loses a shard's lease in Redis stops the shard at once (both loops).

Another node "steals" the lease (a higher fence from ``INCR P:fence:{shard}``, its own lease
value) or the lease key vanishes: the owning client's next renewal sees it, logs a WARNING and
closes the shard's connection (the simulator records the session interval's end) well within
one lease TTL, and the old owner's fence can write nothing any more (stored session, seq
watermark, release).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import anyio
import coredis
import pytest
from _e2e import Texts, c2c_text_bot, links, live, sim_client, until

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.cluster import ClusterConfig, ClusterKeys

pytestmark = pytest.mark.anyio

TTL = 1.5


@pytest.fixture
async def redis(redis_url: str, anyio_backend: str) -> AsyncIterator[Any]:
    async with coredis.Redis.from_url(redis_url) as client:
        yield client


def decoded(mapping: dict[Any, Any]) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else str(k)): (
            v.decode() if isinstance(v, bytes) else str(v)
        )
        for k, v in mapping.items()
    }


@pytest.mark.parametrize("how", ["stolen", "deleted"])
async def test_a_lost_lease_stops_the_shard_promptly_and_fences_out_its_writes(
    qq: ModuleType,
    redis: Any,
    redis_url: str,
    how: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="qqbot.cluster")
    ns = f"t{uuid.uuid4().hex}"
    seen = Texts()
    config = ClusterConfig(redis_url, namespace=ns, lease_ttl=TTL, node_id="a")
    with Simulator.in_thread(shards=1) as sim:
        keys = ClusterKeys(ns, sim.app_id)
        client = sim_client(qq, sim, c2c_text_bot(qq, seen), identify_window=0.2, cluster=config)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await until(lambda: 0 in links(client) and live(client, 0), timeout=10)
            sim.inject_many(10)
            await until(lambda: len(seen) == 10, timeout=10)
            old = links(client)[0]
            assert old.fence == 1
            assert await redis.get(keys.lease(0)) == b"a|1"
            # the handlers ran; wait for their completions to store the watermark (READY's s
            # and the 10 messages': 11)
            with anyio.fail_after(5):
                while (session_before := decoded(await redis.hgetall(keys.session(0)))).get(
                    "seq"
                ) != "11":
                    await anyio.sleep(0.01)
            # the client hears each COMPLETE's answer a moment after Redis stored it
            await until(lambda: not old.unacked, timeout=5)
            assert old.seq == 11
            assert session_before["session_id"] == sim.session_id(0)
            assert session_before["fence"] == "1"
            intervals = len(sim.shard_sessions(0))

            # another node takes the lease over (or it is gone)
            stolen_at = sim.now()
            if how == "stolen":
                fence = int(await redis.incr(keys.fence(0)))
                assert await redis.set(keys.lease(0), f"thief|{fence}", px=60_000)
            else:
                fence = 1
                assert await redis.delete([keys.lease(0)]) == 1

            # the owner stops the shard at its next renewal: well within one TTL
            await until(lambda: 0 not in links(client) or links(client)[0] is not old, timeout=5)
            ended = await until(
                lambda: [i for i in sim.shard_sessions(0)[intervals - 1 :] if i.end is not None],
                timeout=5,
            )
            assert ended[0].session_id == session_before["session_id"]
            assert ended[0].end is not None and ended[0].end - stolen_at < TTL
            assert ended[0].ended in ("client_close", "dropped")
            assert old.lost
            warnings = [
                r.getMessage()
                for r in caplog.records
                if r.levelno == logging.WARNING and r.name == "qqbot.cluster"
            ]
            assert "cluster: node a lost shard 0 (lease lost); stopped it" in warnings

            # the stale fence writes nothing: not the session, not the watermark, no release
            assert not await old._save("forged", 999, "set")
            assert not await old._save(session_before["session_id"], 999, "max")
            assert not await old.release()

            if how == "stolen":  # the thief keeps it: the old owner must not come back
                await anyio.sleep(TTL)
                assert 0 not in links(client)
                assert sim.session_id(0) is None
                assert await redis.get(keys.lease(0)) == f"thief|{fence}".encode()
                assert decoded(await redis.hgetall(keys.session(0))) == session_before
            else:  # free again: the client claims it under a new fence and RESUMEs
                # (client.connections[0] is the old connection until the new task runs: the
                # simulator's records say when the new one resumed)
                resumed = await until(
                    lambda: [i for i in sim.shard_sessions(0)[intervals:] if i.end is None],
                    timeout=10,
                )
                assert resumed[0].how == "resume"
                assert resumed[0].session_id == session_before["session_id"]
                assert links(client)[0].fence == 2
                assert len(sim.identifies(0)) == 1
                sim.inject_many(5, start=10)
                await until(lambda: len(seen) == 15, timeout=10)
                # seen counts handlers that ran; their completions store the watermark (and
                # the fence) a round trip later
                with anyio.fail_after(5):
                    while (session := decoded(await redis.hgetall(keys.session(0)))).get(
                        "seq"
                    ) != "16":
                        await anyio.sleep(0.01)
                assert session["session_id"] == session_before["session_id"]
                assert session["fence"] == "2"
            tg.cancel_scope.cancel()
    assert sorted(seen, key=lambda m: int(m[1:])) == [f"m{i}" for i in range(len(seen))]
    assert len(set(seen)) == len(seen)
