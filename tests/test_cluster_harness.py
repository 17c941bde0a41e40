"""The multi-process harness itself (tests/_cluster_harness.py): bot programs against a
simulator in this process and the session's redis-server; what they handled read back from
Redis, also after a ``kill -9``; SIGTERM stops a bot gracefully."""

from __future__ import annotations

import pytest
from _cluster_harness import (
    RawGateway,
    bots,
    kill9,
    lifecycle,
    namespace,
    shard_owners,
    stop,
    wait_handled,
    wait_until,
)

from qqbot_asyncio.simulator import ThreadedSimulator


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_plain_bots_record_to_redis_stop_on_sigterm_and_leave_a_resumable_session_on_kill9(
    redis_url: str, backend: str
) -> None:
    ns = namespace()
    with ThreadedSimulator.in_thread(shards=2) as sim, bots() as group:
        a = group.start(
            sim, redis_url, ns, node="a", cluster=False, shards=[0], shard_count=2, backend=backend
        )
        b = group.start(
            sim, redis_url, ns, node="b", cluster=False, shards=[1], shard_count=2, backend=backend
        )
        wait_until(lambda: sim.session_id(0) and sim.session_id(1), 10, what="both shards live")
        injected = sim.inject_many(200)
        done = wait_handled(redis_url, ns, 200, 10)
        assert len(done) == 200
        assert {(h.shard, h.node) for h in done} == {(0, "a"), (1, "b")}
        for shard in (0, 1):  # each shard's events, all of them, once
            mine = sorted(h.number for h in done if h.shard == shard)
            assert mine == list(range(shard, 200, 2))
        assert not any(h.redelivered for h in done)
        assert [e[:3] for e in lifecycle(redis_url, ns)].count(["a", "ready", "0"]) == 1
        assert {i.shard: i.how for i in sim.shard_sessions()} == {0: "identify", 1: "identify"}

        # kill -9: the session stays resumable; what came meanwhile is replayed on resume
        session_b = sim.session_id(1)
        seq_b = max(e.deliveries[0].seq for e in injected if e.deliveries[0].shard == 1)
        kill9(b)
        assert b.returncode == -9
        dropped = wait_until(
            lambda: [i for i in sim.shard_sessions(1) if i.end is not None], 5, what="b's end"
        )
        assert dropped[0].ended == "dropped" and dropped[0].session_id == session_b
        sim.inject_many(4, shards=[1], start=200)
        with RawGateway(sim) as raw:
            frames = raw.resume(session_b, seq_b)
        assert [f["d"]["content"] for f in frames[:-1]] == ["m200", "m201", "m202", "m203"]

        # SIGTERM: a graceful stop, exit status 0; the session was live until then
        assert stop(a) == 0
        assert "a: stopped" in a.output()
        ended = wait_until(
            lambda: [i for i in sim.shard_sessions(0) if i.end is not None], 5, what="a's end"
        )
        # a cancelled client drops its connection (the session stays resumable)
        assert ended[0].ended in ("client_close", "dropped")
        assert sim.overlapping_sessions() == []


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_two_cluster_bots_share_two_shards_one_each_never_at_once(
    redis_url: str, backend: str
) -> None:
    ns = namespace()
    with ThreadedSimulator.in_thread(shards=2, max_concurrency=2) as sim, bots() as group:
        a = group.start(sim, redis_url, ns, node="a", lease_ttl=2.0, backend=backend)
        b = group.start(sim, redis_url, ns, node="b", lease_ttl=2.0, backend=backend)
        wait_until(lambda: sim.session_id(0) and sim.session_id(1), 15, what="both shards live")

        # each process owns one shard once the fair share settled
        def one_each() -> dict[int, str] | None:
            owners = shard_owners(redis_url, ns)
            live = sim.session_id(0) and sim.session_id(1)
            return owners if live and sorted(owners.values()) == ["a", "b"] else None

        owners = wait_until(one_each, 15, what="one shard each")
        assert sorted(owners.values()) == ["a", "b"]
        sim.inject_many(200)
        done = wait_handled(redis_url, ns, 200, 10)
        assert sorted(h.number for h in done) == list(range(200))
        assert {h.shard: h.node for h in done} == owners
        assert not any(h.redelivered for h in done)
        # a graceful stop releases a's shard at once: b resumes it (no new Identify)
        (shard_a,) = [s for s, node in owners.items() if node == "a"]
        assert stop(a) == 0
        wait_until(
            lambda: shard_owners(redis_url, ns).get(shard_a) == "b" and sim.session_id(shard_a),
            10,
            what="b to take a's shard over",
        )
        assert sim.shard_sessions(shard_a)[-1].how == "resume"
        assert len(sim.identifies()) == 2
        sim.inject_many(20, start=200)
        rest = wait_handled(redis_url, ns, 220, 10)[200:]
        assert sorted(h.number for h in rest) == list(range(200, 220))
        assert {h.node for h in rest} == {"b"}
        assert stop(b) == 0
        assert sim.overlapping_sessions() == []
