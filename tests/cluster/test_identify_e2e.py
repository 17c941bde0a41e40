"""End to end: several bot processes of one bot (tests/cluster_bot.py, cluster mode) identify
their shards against one simulator; the identify times the simulator records never exceed
``max_concurrency`` per window, because every process takes its slots from the shared
IdentifyGate. The same bots without the cluster (each its own shards, each its own local limiter)
break the rule, which shows the check can fail."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from _cluster_harness import BotProcess, bots, namespace, shard_owners, wait_until

from qqbot_asyncio.simulator import ThreadedSimulator

SHARDS = 8
MAX_CONCURRENCY = 2
WINDOW = 0.5
"""The rule the simulator checks (the platform's is 5 s)."""
CLIENT_WINDOW = 0.7
"""The bots' identify window: the rule's plus room for the time between taking a slot and the
Identify reaching the simulator (token, connect, Hello), which differs from shard to shard."""


def all_live(sim: ThreadedSimulator) -> bool:
    return all(sim.session_id(shard) for shard in range(SHARDS))


def most_in_any_window(times: Sequence[float], window: float) -> int:
    return max(sum(1 for u in times if t <= u < t + window) for t in times)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_bot_processes_share_the_identify_rate(redis_url: str, backend: str) -> None:
    ns = namespace()
    with (
        ThreadedSimulator.in_thread(shards=SHARDS, max_concurrency=MAX_CONCURRENCY) as sim,
        bots() as group,
    ):
        started: list[BotProcess] = []
        for node in ("a", "b", "c"):  # all up before any is waited for: they start together
            started.append(
                group.start(
                    sim,
                    redis_url,
                    ns,
                    node=node,
                    backend=backend,
                    identify_window=CLIENT_WINDOW,
                    wait_started=None,
                )
            )
        wait_until(lambda: all_live(sim), 20, what="every shard live")
        identifies = sim.identifies()
        assert sorted(r.shard[0] for r in identifies if r.shard) == list(range(SHARDS))
        assert sim.identifies(ok_only=False) == identifies  # none refused
        assert sim.identify_rate_violations(window=WINDOW) == []
        times = [r.time for r in identifies]
        assert most_in_any_window(times, WINDOW) == MAX_CONCURRENCY
        # slots were not wasted: about one window per round of buckets
        assert max(times) - min(times) < (SHARDS / MAX_CONCURRENCY) * CLIENT_WINDOW + 2.0
        wait_until(
            lambda: len(shard_owners(redis_url, ns)) == SHARDS, 10, what="every READY recorded"
        )
        owners = shard_owners(redis_url, ns)
        assert len(set(owners.values())) > 1, owners  # more than one process identified
        assert all(bot.alive() for bot in started)


def test_without_the_cluster_the_processes_break_the_rate(redis_url: str) -> None:
    ns = namespace()
    with (
        ThreadedSimulator.in_thread(shards=SHARDS, max_concurrency=MAX_CONCURRENCY) as sim,
        bots() as group,
    ):
        for index in range(SHARDS // 2):  # shards 0,1 / 2,3 / ...: bucket 0 in every process
            group.start(
                sim,
                redis_url,
                ns,
                node=f"p{index}",
                cluster=False,
                shards=[2 * index, 2 * index + 1],
                shard_count=SHARDS,
                identify_window=CLIENT_WINDOW,
                wait_started=None,
            )
        wait_until(lambda: all_live(sim), 20, what="every shard live")
        assert sim.identify_rate_violations(window=WINDOW) != []
