"""Failover across bot processes (issue 13): clustered bot programs (tests/cluster_bot.py) as
subprocesses against a simulator in this process and the session's real redis-server.

- ``kill -9`` the owner of a shard in the middle of a 10,000-event stream: a standby process
  takes the shard over once the lease expired, RESUMEs the session (no new identify for it),
  and every event is completed exactly once (a ``P:done:{event id}`` mark each; the handled log
  holds each event once, a second time only flagged ``redelivered`` for the one that was in
  flight at the kill), in seq order per shard; no two processes ever held a shard at once.
- A process joining mid-stream gets one shard by a graceful hand-over (RESUMEd, no identify),
  then the first process is killed and the joiner takes its shard too: the simulator's session
  intervals never overlap, and again every event is completed exactly once, in order.

The bots run one handler at a time (``--concurrency 1``), so the handled log of a shard is in
seq order and at most one event per process is in flight at a kill. Processes of both adapters
(asyncio and trio) share each bot. On a failure the bots' output is printed (``bots()``).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections import defaultdict
from collections.abc import Sequence

from _cluster_harness import (
    BotProcess,
    Bots,
    Handled,
    RedisProbe,
    bots,
    handled,
    kill9,
    lifecycle,
    namespace,
    shard_owners,
    stop,
    wait_until,
)

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto.cluster import ClusterKeys
from qqproto.sim._world import Injected, SessionInterval

TTL = 1.5
RENEW = TTL / 3
"""The bots' renewal interval (ClusterConfig's default: a third of the TTL)."""


def start(
    group: Bots, sim: ThreadedSimulator, redis_url: str, ns: str, node: str, backend: str
) -> BotProcess:
    return group.start(
        sim,
        redis_url,
        ns,
        node=node,
        lease_ttl=TTL,
        backend=backend,
        concurrency=1,
        identify_window=0.2,
        max_runtime=90.0,
    )


def owners_when_live(
    sim: ThreadedSimulator, redis_url: str, ns: str, expect: list[str]
) -> dict[int, str] | None:
    """Who holds each shard once both shards are live and held by the nodes ``expect`` (sorted
    names of the owners, one per shard), with no hand-over in progress."""
    if not (sim.session_id(0) and sim.session_id(1)):
        return None
    if len([i for i in sim.shard_sessions() if i.end is None]) != 2:
        return None
    owners = shard_owners(redis_url, ns)
    return owners if sorted(owners.values()) == expect else None


def zcard(redis_url: str, key: str) -> int:
    with RedisProbe(redis_url) as r:
        return int(r.command("ZCARD", key))


def wait_all(redis_url: str, ns: str, count: int, timeout: float) -> list[Handled]:
    """The handled log once every event ``m0`` .. ``m{count-1}`` is in it."""
    seen: list[Handled] = []

    def complete() -> bool:
        seen[:] = handled(redis_url, ns)
        return len({h.number for h in seen}) >= count

    try:
        wait_until(complete, timeout, interval=0.2, what=f"all {count} events handled")
    except TimeoutError as exc:
        missing = sorted(set(range(count)) - {h.number for h in seen})
        raise TimeoutError(f"{exc}; {len(missing)} missing, first {missing[:10]}") from None
    return seen


def wait_count(redis_url: str, ns: str, count: int, timeout: float) -> None:
    wait_until(
        lambda: len(handled(redis_url, ns)) >= count,
        timeout,
        interval=0.05,
        what=f"{count} handled",
    )


def check_exactly_once_in_order(
    entries: Sequence[Handled], injected: Sequence[Injected], killed: set[str]
) -> list[Handled]:
    """Every injected event handled; a second time only flagged redelivered, after a kill of
    the node that had it in flight; each shard's log in seq order. Returns the redelivered
    entries."""
    where = {i: (e.deliveries[0].shard, e.deliveries[0].seq) for i, e in enumerate(injected)}
    by_number: dict[int, list[Handled]] = defaultdict(list)
    for h in entries:
        by_number[h.number].append(h)
    assert set(by_number) == set(range(len(injected))), "events lost"
    redelivered = [h for h in entries if h.redelivered]
    for number, seen in by_number.items():
        assert all(h.shard == where[number][0] for h in seen), (number, seen)
        if len(seen) > 1:  # handled by a process killed before it completed the event
            assert len(seen) == 2, (number, seen)
            assert seen[0].node in killed and seen[1].redelivered, (number, seen)
    # one handler at a time: at most one event in flight per killed process
    assert len(redelivered) <= len(killed), redelivered
    assert all(h.node not in killed for h in redelivered)
    # per shard, in seq order (a redelivered repeat comes right after its first run)
    for shard in (0, 1):
        seqs = []
        firsts: set[int] = set()
        for h in entries:
            if h.shard != shard:
                continue
            if h.number in firsts:
                assert h.redelivered
                continue
            firsts.add(h.number)
            seqs.append(where[h.number][1])
        assert seqs == sorted(seqs), f"shard {shard} handled out of seq order"
        assert len(set(seqs)) == len(seqs)
    return redelivered


def check_done_marks(redis_url: str, ns: str, app_id: str, injected: Sequence[Injected]) -> None:
    """``P:done:{event id}`` for every event, and for nothing else. The bots log an event as
    handled inside its handler; its done mark is written by the completion a round trip
    later, so the marks are polled for (up to 10 s) before the check."""
    keys = ClusterKeys(ns, app_id)
    prefix = keys.done("")
    expected = {e.event_id for e in injected}
    with RedisProbe(redis_url) as r:

        def marks() -> tuple[set[str], list[str]]:
            return {k[len(prefix) :] for k in r.keys(f"{prefix}*")}, r.keys(keys.inflight("*"))

        with contextlib.suppress(TimeoutError):  # the assertions below say what is missing
            wait_until(lambda: (m := marks())[0] >= expected and not m[1], 10, what="done marks")
        done, inflight = marks()
    assert done == expected
    assert inflight == []


def takeover(sim: ThreadedSimulator, shard: int, after: float) -> SessionInterval:
    """The live session interval that began on ``shard`` after ``after`` (simulator clock)."""
    return wait_until(
        lambda: next(
            (i for i in sim.shard_sessions(shard) if i.start > after and i.end is None), None
        ),
        TTL + 10,
        what=f"shard {shard} taken over",
    )


def test_kill9_of_a_shard_owner_mid_stream_resumes_on_a_standby_exactly_once_in_order(
    redis_url: str,
) -> None:
    count = 10_000
    ns = namespace()
    began = time.monotonic()
    with (
        ThreadedSimulator.in_thread(shards=2, max_concurrency=2, replay_buffer=2 * count) as sim,
        bots() as group,
    ):
        start(group, sim, redis_url, ns, "a", "asyncio")
        start(group, sim, redis_url, ns, "b", "trio")
        owners = wait_until(
            lambda: owners_when_live(sim, redis_url, ns, ["a", "b"]), 15, what="one shard each"
        )
        start(group, sim, redis_url, ns, "c", "asyncio")  # a standby: the fair share is 1
        members = ClusterKeys(ns, sim.app_id).members
        wait_until(lambda: zcard(redis_url, members) == 3, 5, what="c to join the members")
        assert owners_when_live(sim, redis_url, ns, ["a", "b"]) == owners
        injected = sim.inject_many(count)
        victim = owners[0]
        process = next(p for p in group.started if p.node == victim)
        wait_count(redis_url, ns, count // 4, 20)
        live = [i for i in sim.shard_sessions(0) if i.end is None]
        kill9(process)
        killed_at = sim.now()
        entries = wait_all(redis_url, ns, count, 25)
        new = takeover(sim, 0, killed_at)
        # c took shard 0 over after the lease expired, and RESUMEd it
        assert shard_owners(redis_url, ns) == {0: "c", 1: owners[1]}
        assert ["c", "resumed", "0"] in lifecycle(redis_url, ns)
        assert new.how == "resume" and new.session_id == live[0].session_id
        assert len(sim.identifies(0)) == 1 and len(sim.identifies(1)) == 1
        assert [r.shard for r in sim.resumes() if r.time > killed_at] == [0]
        gap = new.start - killed_at
        assert TTL - RENEW - 0.2 < gap < TTL + 3, gap
        # every event completed exactly once, in order per shard
        redelivered = check_exactly_once_in_order(entries, injected, {victim})
        assert {h.node for h in entries if h.shard == 1} == {owners[1]}
        assert {h.node for h in entries if h.shard == 0} == {victim, "c"}
        check_done_marks(redis_url, ns, sim.app_id, injected)
        assert sim.overlapping_sessions() == []
        for bot in group.started:
            if bot.alive():
                assert stop(bot) == 0
        assert sim.overlapping_sessions() == []
    elapsed = time.monotonic() - began
    print(f"kill -9 failover: gap {gap:.3f} s, {len(redelivered)} redelivered, {elapsed:.1f} s")


def test_join_hands_a_shard_over_then_kill9_takes_over_and_no_shard_ever_runs_twice(
    redis_url: str,
) -> None:
    count = 4_000
    ns = namespace()
    with (
        ThreadedSimulator.in_thread(shards=2, max_concurrency=2, replay_buffer=2 * count) as sim,
        bots() as group,
    ):
        a = start(group, sim, redis_url, ns, "a", "trio")
        wait_until(lambda: owners_when_live(sim, redis_url, ns, ["a", "a"]), 15, what="a: both")
        injected = sim.inject_many(count)
        wait_count(redis_url, ns, count // 5, 20)
        # b joins: a hands one shard over gracefully (drain, store, release); b RESUMEs it
        joined_at = sim.now()
        start(group, sim, redis_url, ns, "b", "asyncio")
        owners = wait_until(
            lambda: owners_when_live(sim, redis_url, ns, ["a", "b"]), 15, what="one shard each"
        )
        (moved,) = [s for s, node in owners.items() if node == "b"]
        handed = [i for i in sim.shard_sessions(moved) if i.start > joined_at]
        assert [i.how for i in handed] == ["resume"]
        before = [i for i in sim.shard_sessions(moved) if i.start <= joined_at]
        assert len(before) == 1 and before[0].end is not None
        assert before[0].end <= handed[0].start
        # then a dies: b takes the other shard over after the TTL and RESUMEs it too
        wait_count(redis_url, ns, count // 2, 20)
        kept = 1 - moved
        kill9(a)
        killed_at = sim.now()
        entries = wait_all(redis_url, ns, count, 25)
        new = takeover(sim, kept, killed_at)
        assert new.how == "resume"
        assert shard_owners(redis_url, ns) == {0: "b", 1: "b"}
        assert len(sim.identifies(0)) == 1 and len(sim.identifies(1)) == 1
        check_exactly_once_in_order(entries, injected, {"a"})
        check_done_marks(redis_url, ns, sim.app_id, injected)
        assert sim.overlapping_sessions() == []
        for bot in group.started:
            if bot.alive():
                assert stop(bot) == 0
        intervals = sim.shard_sessions()
        assert sim.overlapping_sessions() == []
    for shard in (0, 1):  # each shard's intervals one after the other
        mine = [i for i in intervals if i.shard == shard]
        for first, second in itertools.pairwise(mine):
            assert first.end is not None and first.end <= second.start, (first, second)
