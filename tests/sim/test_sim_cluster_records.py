"""What the simulator records for multi-process (cluster) tests: the intervals during which a
gateway connection held a live session of a shard (how each started and ended), overlaps of one
shard, the identify rate per ``max_concurrency`` bucket, the session budget set from the
constructor, a session left resumable by a dropped TCP connection, and the bulk injector."""

from __future__ import annotations

import functools
import json
import random
import time
from typing import Any

import pytest

from qqproto.gateway._intents import Intents
from qqproto.sim import (
    DEFAULT_APP_ID,
    DEFAULT_SECRET,
    GatewayServer,
    Platform,
    SendClose,
    ServerText,
)

READY_INTENTS = int(Intents.default())


def world(shards: int = 2, **bot: Any) -> Platform:
    p = Platform(rng=random.Random(7))
    b = p.bot()
    b.shards = shards
    for key, value in bot.items():
        setattr(b, key, value)
    if "session_total" in bot:
        b.session_remaining = bot["session_total"]
    return p


def token(p: Platform, now: float = 0.0) -> str:
    return p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, now)[0]


def outputs(server: GatewayServer) -> list[Any]:
    return [json.loads(o.text) if isinstance(o, ServerText) else o for o in server.data_to_send()]


def connect(p: Platform, now: float) -> GatewayServer:
    server = GatewayServer(p)
    server.connection_made(now)
    outputs(server)  # Hello
    return server


def identify(p: Platform, shard: int, now: float, shards: int = 2) -> tuple[GatewayServer, Any]:
    server = connect(p, now)
    d = {"token": f"QQBot {token(p, now)}", "intents": READY_INTENTS, "shard": [shard, shards]}
    server.receive_message(json.dumps({"op": 2, "d": d}), now)
    return server, outputs(server)


def resume(p: Platform, session_id: str, seq: int, now: float) -> tuple[GatewayServer, Any]:
    server = connect(p, now)
    d = {"token": f"QQBot {token(p, now)}", "session_id": session_id, "seq": seq}
    server.receive_message(json.dumps({"op": 6, "d": d}), now)
    return server, outputs(server)


def test_an_interval_per_connection_holding_a_session_with_how_it_started_and_ended() -> None:
    p = world()
    a, out = identify(p, 0, 1.0)
    assert out[0]["t"] == "READY"
    session_id = out[0]["d"]["session_id"]
    (live,) = p.shard_sessions(0)
    assert (live.how, live.start, live.end, live.session_id) == ("identify", 1.0, None, session_id)
    assert live.live and live.connection_id == a.connection_id and live.shard == 0
    p.inject_many(3, 1.5, shards=[0])
    a.connection_lost(None, 2.0)  # the client's TCP connection just dropped (kill -9)
    (dropped,) = p.shard_sessions(0)
    assert (dropped.end, dropped.ended, dropped.close_code) == (2.0, "dropped", None)
    assert (dropped.seq_start, dropped.seq_end) == (1, 4)
    assert session_id in p.sessions  # still resumable, as on the platform
    p.inject_many(2, 2.5, shards=[0])  # buffered for the resume
    b, out = resume(p, session_id, 2, 3.0)
    assert [m["s"] for m in out] == [3, 4, 5, 6, 6] and out[-1]["t"] == "RESUMED"
    assert p.live_session(0) is not None and p.live_session(0).connection is b  # type: ignore[union-attr]
    b.connection_lost(4000, 4.0)  # a client close frame
    second = p.shard_sessions(0)[1]
    assert (second.how, second.start, second.end) == ("resume", 3.0, 4.0)
    assert (second.ended, second.close_code) == ("client_close", 4000)
    assert p.overlapping_sessions() == []
    c, _ = resume(p, session_id, 6, 5.0)
    c.close(4009, "reconnect")  # op 7's close, from the server
    assert (p.shard_sessions(0)[-1].ended, p.shard_sessions(0)[-1].close_code) == (
        "server_close",
        4009,
    )
    d, _ = resume(p, session_id, 6, 6.0)
    d.abort()
    assert p.shard_sessions(0)[-1].ended == "server_drop"
    identify(p, 1, 7.0)
    assert [i.shard for i in p.shard_sessions()] == [0, 0, 0, 0, 1]
    assert p.shard_sessions(1)[0].live and p.overlapping_sessions() == []
    p.invalidate_session(1)
    assert p.shard_sessions(1)[0].ended == "invalid_session"


def test_two_connections_on_one_shard_overlap_and_a_takeover_of_a_live_one_too() -> None:
    p = world()
    a, out = identify(p, 0, 1.0)
    session_id = out[0]["d"]["session_id"]
    b, out = resume(p, session_id, 1, 2.0)  # while a still holds it: the platform closes a
    assert out[-1]["t"] == "RESUMED"
    assert any(isinstance(o, SendClose) and o.code == 4009 for o in a.data_to_send())
    first, second = p.shard_sessions(0)
    assert (first.ended, first.end, first.superseded_by) == ("superseded", 2.0, b.connection_id)
    assert p.overlapping_sessions() == [(first, second)]
    assert p.overlapping_sessions(1) == []
    # a new Identify on a shard that is live elsewhere supersedes it as well
    c, _ = identify(p, 0, 3.0)
    assert p.shard_sessions(0)[1].superseded_by == c.connection_id
    assert len(p.overlapping_sessions(0)) == 2
    # intervals that merely touch do not overlap; ones that intersect do
    q = world()
    x, out = identify(q, 1, 1.0)
    x.connection_lost(None, 2.0)
    resume(q, out[0]["d"]["session_id"], 1, 2.0)
    assert q.overlapping_sessions() == []
    later = q.shard_sessions(1)[1]
    from dataclasses import replace

    early = replace(q.shard_sessions(1)[0], end=2.5)
    assert early.overlaps(later) and later.overlaps(early) and not early.overlaps(early)


def test_identify_rate_per_max_concurrency_bucket_recorded_and_optionally_enforced() -> None:
    p = world(shards=4, max_concurrency=2)
    identify(p, 0, 0.0, 4)
    identify(p, 2, 1.0, 4)  # bucket 0 again after 1 s: not enforced by default, recorded
    identify(p, 1, 1.0, 4)  # bucket 1
    identify(p, 3, 7.0, 4)  # bucket 1, 6 s later
    ((earlier, later),) = p.identify_rate_violations()
    assert (earlier.shard, later.shard, later.time) == ((0, 4), (2, 4), 1.0)
    assert p.identify_rate_violations(window=0.5) == []

    q = world(shards=4, max_concurrency=2)
    q.identify_rate_window = 5.0
    identify(q, 0, 0.0, 4)
    _, out = identify(q, 2, 4.9, 4)
    assert out == [SendClose(4008, "identify rate limited")]
    assert q.identifies[-1].close_code == 4008 and q.identifies[-1].shard == (2, 4)
    remaining = q.session_start_limit(q.bot(), 4.9)["remaining"]
    assert remaining == 999  # a refused identify takes no session start
    assert identify(q, 1, 4.9, 4)[1][0]["t"] == "READY"  # another bucket
    assert identify(q, 2, 5.0, 4)[1][0]["t"] == "READY"
    assert q.identify_rate_violations() == []


def test_limits_from_the_constructor_and_gateway_bot_reports_them() -> None:
    from qqbot_asyncio.simulator import ThreadedSimulator

    with pytest.raises(ValueError, match="max_concurrency"):
        ThreadedSimulator(max_concurrency=0)
    with pytest.raises(ValueError, match="configure the default world"):
        ThreadedSimulator(platform=world(), session_total=3)
    with ThreadedSimulator.in_thread(
        shards=4, max_concurrency=2, session_total=3, reset_after=60.0, replay_buffer=20_000
    ) as sim:
        limit = sim.call(lambda p: p.gateway_bot(p.bot(), 0.0))["session_start_limit"]
        assert limit == {"total": 3, "remaining": 3, "reset_after": 60_000, "max_concurrency": 2}
        assert sim.call(lambda p: p.replay_buffer) == 20_000
        # the budget is enforced: a fourth identify is refused with 4008
        for shard in range(4):
            sim.call(functools.partial(identify, shard=shard, now=0.0, shards=4))
        assert [r.close_code for r in sim.identifies(ok_only=False)] == [None, None, None, 4008]


def test_inject_many_10000_events_round_robin_with_ids_and_per_shard_order() -> None:
    p = world(shards=2, max_concurrency=2)
    p.replay_buffer = 20_000
    a, _ = identify(p, 0, 0.0)
    b, _ = identify(p, 1, 0.0)
    started = time.perf_counter()
    injected = p.inject_many(10_000, 1.0)
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0, f"10,000 events took {elapsed:.2f} s"
    assert len({e.event_id for e in injected}) == 10_000
    assert [e.data["content"] for e in injected[:3]] == ["m0", "m1", "m2"]
    for shard, server in ((0, a), (1, b)):
        mine = [e for e in injected if e.deliveries[0].shard == shard]
        assert len(mine) == 5000 and all(e.deliveries[0].live for e in mine)
        assert [e.deliveries[0].seq for e in mine] == list(range(2, 5002))
        sent = outputs(server)
        assert [m["id"] for m in sent] == [e.event_id for e in mine]
        assert [m["d"]["content"] for m in sent[:2]] == [f"m{shard}", f"m{shard + 2}"]
    more = p.inject_many(4, 2.0, kind="group", shards=[1], start=10_000, prefix="g")
    assert [e.name for e in more] == ["GROUP_AT_MESSAGE_CREATE"] * 4
    # a group @-message's text starts with a space, as the platform's do
    assert [e.data["content"] for e in more] == [" g10000", " g10001", " g10002", " g10003"]
    assert {e.deliveries[0].shard for e in more} == {1}
    with pytest.raises(ValueError, match="shards"):
        p.inject_many(1, 2.0, shards=[2])
    with pytest.raises(ValueError, match="kind"):
        p.inject_many(1, 2.0, kind="channel")  # type: ignore[arg-type]


def test_a_dropped_tcp_connection_leaves_the_session_resumable_over_sockets() -> None:
    """A client whose socket just vanishes (no close frame, as after kill -9): the simulator
    ends its interval as ``dropped`` and a new connection resumes the session, replaying what
    was injected in between."""
    from _cluster_harness import RawGateway

    from qqbot_asyncio.simulator import ThreadedSimulator

    with ThreadedSimulator.in_thread(shards=2) as sim:
        with RawGateway(sim) as first:
            ready = first.identify(shard=1, shards=2)
            session_id = ready["d"]["session_id"]
            sim.wait_for_session(1)
            sim.inject_many(3, shards=[1])
            seqs = [first.receive()["s"] for _ in range(3)]
            assert seqs == [2, 3, 4]
            first.sock.close()  # the TCP connection just drops: no close frame
        interval = sim.wait_for(
            lambda p: [i for i in p.shard_sessions(1) if i.ended == "dropped"], timeout=5
        )[0]
        assert interval.session_id == session_id
        sim.inject_many(2, shards=[1], start=3)
        with RawGateway(sim) as second:
            frames = second.resume(session_id, 3)
            assert [f["s"] for f in frames] == [4, 5, 6, 6]
            assert [f["d"]["content"] for f in frames[:3]] == ["m2", "m3", "m4"]
            assert frames[-1]["t"] == "RESUMED"
            assert sim.shard_sessions(1)[-1].how == "resume"
        assert sim.overlapping_sessions() == []


def test_the_records_as_stdin_commands() -> None:
    """``python -m qqproto.sim`` answers the new commands (records as objects of their
    fields)."""
    import asyncio

    from qqproto._json import dumps_text
    from qqproto.sim import Simulator
    from qqproto.sim.__main__ import _command

    answers: list[Any] = []

    async def main() -> None:
        async with Simulator.for_current_loop() as sim:
            import qqproto.sim.__main__ as cli

            say = cli._say
            cli._say = lambda value: answers.append(json.loads(dumps_text(value)))
            try:
                await _command(sim, b'{"cmd": "inject_many", "count": 2, "id": 1}')
                await _command(sim, b'{"cmd": "shard_sessions", "shard": 0}')
                await _command(sim, b'{"cmd": "overlapping_sessions"}')
                await _command(sim, b'{"cmd": "identify_rate_violations", "window": 5}')
            finally:
                cli._say = say

    asyncio.run(main())
    assert [a["ok"] for a in answers] == [True] * 4
    assert [i["data"]["content"] for i in answers[0]["result"]] == ["m0", "m1"]
    assert answers[0]["id"] == 1
    assert answers[1:] == [
        {"id": None, "ok": True, "result": []},
        {"id": None, "ok": True, "result": []},
        {"id": None, "ok": True, "result": []},
    ]
