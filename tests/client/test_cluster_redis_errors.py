"""A Redis command of a dispatch fails while the shard keeps running (both loops).

A short Redis blip (shorter than the lease's margin, so the shard is not stopped) makes one
per-dispatch script fail: the event must not be lost, and the seq watermark stored for the next
owner must keep moving. In gateway mode a failed claim is handled unchecked (at least once); in
publish mode a failed publication is retried until it lands, in order.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import anyio
import coredis
import pytest
from _e2e import Texts, c2c_text_bot, live, owned, sim_client, until

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.cluster import ClusterConfig, ClusterKeys
from qqproto.cluster._scripts import CLAIM_EVENT, PUBLISH

pytestmark = pytest.mark.anyio


def failing_first(client: Any, script: str, times: int) -> list[str]:
    """Make the first ``times`` runs of ``script`` by ``client``'s coordinator fail as a lost
    Redis connection would; the failures so far."""
    coordinator = client._coordinator
    run: Callable[..., Awaitable[Any]] = coordinator.run
    failed: list[str] = []

    async def flaky_run(text: str, keys: list[str], args: list[Any]) -> Any:
        if text is script and len(failed) < times:
            failed.append(keys[0])
            raise coredis.exceptions.ConnectionError("connection lost (test)")
        return await run(text, keys, args)

    coordinator.run = flaky_run
    return failed


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


async def stored_seq(redis_url: str, keys: ClusterKeys) -> int | None:
    async with coredis.Redis.from_url(redis_url) as redis:
        seq = await redis.hget(keys.session(0), "seq")
    return None if seq is None else int(seq)


async def test_a_failed_claim_is_handled_unchecked_and_the_watermark_moves_on(
    qq: ModuleType, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    ns = f"t{uuid.uuid4().hex}"
    seen = Texts()
    config = ClusterConfig(redis_url, namespace=ns, lease_ttl=2.0, node_id="a")
    with Simulator.in_thread(shards=1) as sim:
        keys = ClusterKeys(ns, sim.app_id)
        client = sim_client(qq, sim, c2c_text_bot(qq, seen), identify_window=0.2, cluster=config)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await until(lambda: owned(client) == [0] and live(client, 0), timeout=10)
            failed = failing_first(client, CLAIM_EVENT, 1)
            injected = sim.inject_many(3)
            await until(lambda: len(seen) == 3, timeout=10)
            last = injected[-1].deliveries[0].seq
            with anyio.fail_after(5):
                while await stored_seq(redis_url, keys) != last:
                    await anyio.sleep(0.02)
            tg.cancel_scope.cancel()
    assert sorted(seen) == ["m0", "m1", "m2"]  # handlers run side by side
    assert failed == [keys.done(injected[0].event_id)]
    assert any(
        w.startswith(f"shard 0: claiming {injected[0].event_id} failed") for w in warnings(caplog)
    )


async def test_a_failed_publication_is_retried_in_order(
    qq: ModuleType, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    ns = f"t{uuid.uuid4().hex}"
    config = ClusterConfig(redis_url, namespace=ns, lease_ttl=2.0, node_id="a", publish=True)
    with Simulator.in_thread(shards=1) as sim:
        keys = ClusterKeys(ns, sim.app_id)
        client = sim_client(qq, sim, qq.EventHandler(), identify_window=0.2, cluster=config)
        async with coredis.Redis.from_url(redis_url) as redis, anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await until(lambda: owned(client) == [0] and live(client, 0), timeout=10)
            failed = failing_first(client, PUBLISH, 2)
            injected = sim.inject_many(3)
            with anyio.fail_after(10):
                while await redis.xlen(keys.events) < 3:
                    await anyio.sleep(0.02)
            entries = await redis.xrange(keys.events)
            tg.cancel_scope.cancel()
    ids = [e.field_values[b"id"] for e in entries]
    assert [i.decode() if isinstance(i, bytes) else i for i in ids] == [
        e.event_id for e in injected
    ]
    assert len(failed) == 2
    assert sum(w.startswith("shard 0: publishing failed") for w in warnings(caplog)) == 2
