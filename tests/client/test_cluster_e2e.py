"""Cluster mode end to end: clients sharing a simulated bot's shards through a real Redis."""

from __future__ import annotations

import uuid
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import live, owned, sim_client, until, wait

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.cluster import ClusterConfig

pytestmark = pytest.mark.anyio


class Seen(list[tuple[str, int, int, bool]]):
    """(node, shard, nick, redelivered) of every handled GUILD_MEMBER_ADD."""


def member_bot(qq: ModuleType, node: str, seen: Seen) -> Any:
    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_guild_member_add(self, ctx: Any, ev: Any) -> None:
            seen.append((node, ctx.shard[0], int(ev.nick), ctx.redelivered))

    return Bot()


async def test_two_clients_share_two_shards_and_hand_over_on_shutdown(
    qq: ModuleType, redis_url: str
) -> None:
    namespace = f"t{uuid.uuid4().hex}"
    seen = Seen()

    def config(node: str) -> ClusterConfig:
        return ClusterConfig(redis_url, namespace=namespace, lease_ttl=1.0, node_id=node)

    with Simulator.in_thread(shards=2) as sim:
        a = sim_client(qq, sim, member_bot(qq, "a", seen), identify_window=0.2, cluster=config("a"))
        b = sim_client(qq, sim, member_bot(qq, "b", seen), identify_window=0.2, cluster=config("b"))
        async with anyio.create_task_group() as tg:
            a_scope = anyio.CancelScope()

            async def run_a() -> None:
                with a_scope:
                    await a.start()

            tg.start_soon(run_a)
            await until(lambda: owned(a) == [0, 1], timeout=10)
            await wait(sim.wait_for_session, 0)
            await wait(sim.wait_for_session, 1)
            tg.start_soon(b.start)
            # fair share: a hands one shard over, b claims it
            await until(lambda: len(owned(a)) == 1 and len(owned(b)) == 1, timeout=10)
            b_shard = owned(b)[0]
            a_shard = owned(a)[0]
            await until(lambda: live(b, b_shard), timeout=10)
            status = await b.cluster_status()
            assert status.node_id == "b" and status.members == 2
            assert [s.shard for s in status.shards] == [b_shard]
            assert status.shards[0].expires_in > 0
            for i in range(20):
                sim.inject("GUILD_MEMBER_ADD", {"guild_id": "1", "nick": str(i)}, shard=i % 2)
            await until(lambda: len(seen) == 20, timeout=10)
            assert {(n, s) for n, s, _, _ in seen} == {("a", a_shard), ("b", b_shard)}
            identified = len(sim.identifies(a_shard))
            # a stops gracefully: b takes its shard at once and RESUMES it (no identify)
            a_scope.cancel()
            await until(lambda: owned(b) == [0, 1], timeout=5)
            await until(lambda: sim.resumes(a_shard), timeout=10)
            for i in range(20, 40):
                sim.inject("GUILD_MEMBER_ADD", {"guild_id": "1", "nick": str(i)}, shard=i % 2)
            await until(lambda: len(seen) >= 40, timeout=10)
            tg.cancel_scope.cancel()
    assert len(sim.identifies(a_shard)) == identified
    assert sorted(n for _, _, n, _ in seen) == list(range(40))
    assert not any(r for *_, r in seen)
    assert {node for node, s, n, _ in seen if n >= 20} == {"b"}


class Handled(list[tuple[str, int, int, bool]]):
    """(node, shard, number of the ``m{i}`` message, redelivered) of every finished handler."""


def slow_c2c_bot(qq: ModuleType, node: str, seen: Handled, delay: float) -> Any:
    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, ev: Any) -> None:
            await anyio.sleep(delay)
            seen.append((node, ctx.shard[0], int(ev.content[1:]), ctx.redelivered))

    return Bot()


async def test_a_hand_over_leaves_the_backlog_to_the_next_owner_without_cutting_a_handler(
    qq: ModuleType, redis_url: str
) -> None:
    """a runs both shards one handler at a time with seconds of backlog when b joins: the
    shard a hands over stops taking from its backlog, the running handler finishes, and b
    RESUMEs below what a did not start, well before the drain bound (a lease TTL). Every event
    is handled once, in order per shard, none cut and redelivered."""
    ttl, delay, count = 2.0, 0.05, 120
    namespace = f"t{uuid.uuid4().hex}"
    seen = Handled()

    def client(node: str) -> Any:
        config = ClusterConfig(redis_url, namespace=namespace, lease_ttl=ttl, node_id=node)
        bot = slow_c2c_bot(qq, node, seen, delay)
        return sim_client(
            qq, sim, bot, identify_window=0.2, cluster=config, max_concurrent_handlers=1
        )

    with Simulator.in_thread(shards=2) as sim:
        a, b = client("a"), client("b")
        async with anyio.create_task_group() as tg:
            tg.start_soon(a.start)
            await until(lambda: owned(a) == [0, 1], timeout=10)
            await wait(sim.wait_for_session, 0)
            await wait(sim.wait_for_session, 1)
            injected = sim.inject_many(count)  # 60 per shard: 3 s of handlers each
            await until(lambda: len(seen) >= 10, timeout=10)
            tg.start_soon(b.start)
            await until(lambda: len(owned(b)) == 1, timeout=10)
            moved = owned(b)[0]
            await until(lambda: sim.resumes(moved), timeout=10)
            (ended,) = [i for i in sim.shard_sessions(moved) if i.end is not None]
            resumed = sim.resumes(moved)[0].time
            assert ended.end is not None and resumed - ended.end < ttl - 0.5
            await until(lambda: len(seen) >= count, timeout=20)
            await anyio.sleep(0.2)
            tg.cancel_scope.cancel()
    assert sorted(n for _, _, n, _ in seen) == list(range(count))  # each once
    assert not any(r for *_, r in seen)  # no handler was cut
    where = {i: e.deliveries[0].shard for i, e in enumerate(injected)}
    for shard in (0, 1):
        numbers = [n for _, s, n, _ in seen if s == shard]
        assert all(where[n] == shard for n in numbers)
        assert numbers == sorted(numbers)
    assert {node for node, s, _, _ in seen if s == moved} == {"a", "b"}
