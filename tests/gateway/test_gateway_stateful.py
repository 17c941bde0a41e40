"""A hypothesis rule-based model of two shards against a server that may do anything.

The server sends any opcode or closes with any code, the clock advances, transports drop, and
garbage arrives, the client pauses and resumes reading (the server's payloads wait meanwhile); an
ideal adapter calls ``handle_timer`` exactly at each deadline. Invariants: never two identifies
for one bucket inside 5 s; no heartbeat before it is due and never more than one interval late
(also while reading is paused); never a zombie unless the server left a heartbeat unacknowledged;
a resume whenever a session exists and the code allows; ``next_deadline`` never lies in the past
after the machine ran; only ``RemoteProtocolError`` escapes on garbage.
"""

from __future__ import annotations

import contextlib
import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from qqproto._errors import RemoteProtocolError
from qqproto.gateway._close_codes import CloseAction, close_code_info
from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import CloseConnection, Disconnected, SendText
from qqproto.gateway._identify import IdentifyLimiter
from qqproto.gateway._state import LIVE_STATES, State
from qqproto.sim._strategies import (
    any_server_payload,
    dispatch_payloads,
    hello_payloads,
    ready_payloads,
)

EPS = 1e-6
close_codes = st.one_of(
    st.none(),
    st.sampled_from([1000, 1001, 1006, 4004, 4006, 4007, 4008, 4009, 4900, 4913, 4999]),
    st.integers(1000, 4999),
)


class Shard:
    def __init__(self, shard_id: int, limiter: IdentifyLimiter, seed: int) -> None:
        cfg = GatewayConfig(intents=1, shard_id=shard_id, shard_count=2, hello_timeout=20.0)
        self.conn = GatewayConnection(cfg, rng=random.Random(seed), limiter=limiter)
        self.not_before = 0.0
        self.interval: float | None = None
        self.last_beat: float | None = (
            None  # last heartbeat or Hello, when the next beat is measured from
        )
        self.fatal = False
        self.auto_ack = True  # a healthy server acknowledges every heartbeat at once
        self.requested = False  # the server sent op 1: the next beat answers it, off schedule
        self.paused = False  # the client stopped reading (its handlers are behind)
        self.unread_acks = 0  # ACKs the server sent while the client was not reading
        self.beat_unacked = False  # the server left a beat of this connection unacknowledged


class GatewayModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.limiter = IdentifyLimiter(max_concurrency=1)
        self.shards = [Shard(0, self.limiter, 1), Shard(1, self.limiter, 2)]
        self.identifies: list[float] = []  # both shards share bucket 0 (max_concurrency 1)

    # ------------------------------------------------------------ plumbing

    def drain(self, shard: Shard, session_before: str | None) -> None:
        conn = shard.conn
        beat = False
        for out in conn.data_to_send():
            if isinstance(out, CloseConnection):
                shard.interval = None
                continue
            assert isinstance(out, SendText)
            payload = json.loads(out.text)
            op = payload["op"]
            if op == 2:
                assert session_before is None, "identified although a session existed"
                for t in self.identifies:
                    assert abs(self.now - t) >= 5.0 - EPS, "two identifies in one bucket within 5 s"
                self.identifies.append(self.now)
            elif op == 6:
                assert session_before is not None
            elif op == 1:
                if shard.requested:
                    shard.requested = False
                    shard.last_beat = self.now  # the schedule restarts from this beat
                else:
                    self.check_beat_timing(shard, payload)
                beat = True
        for ev in conn.events():
            if isinstance(ev, Disconnected):
                assert "zombie" not in ev.reason or shard.beat_unacked, "zombie with every ACK sent"
                shard.interval = None
                shard.paused = False
                shard.unread_acks = 0
                if ev.fatal:
                    shard.fatal = True
                else:
                    assert ev.not_before is not None and ev.not_before >= self.now
                    assert ev.resume == (conn.session_id is not None)
                    shard.not_before = ev.not_before
        hello_seen = conn.state in (State.IDENTIFYING, State.RESUMING, State.CONNECTED)
        if hello_seen and shard.interval is None and conn.heartbeat_interval is not None:
            shard.interval = conn.heartbeat_interval
            shard.last_beat = self.now
        if beat and conn.state in LIVE_STATES:
            if not shard.auto_ack:
                shard.beat_unacked = True
            elif shard.paused:
                shard.unread_acks += 1
            else:
                self.feed(shard, '{"op":11}')
        deadline = conn.next_deadline()
        assert deadline is None or deadline > self.now or conn.state not in LIVE_STATES, (
            "next_deadline in the past after the machine ran"
        )

    def check_beat_timing(self, shard: Shard, payload: dict[str, Any]) -> None:
        assert shard.interval is not None and shard.last_beat is not None
        gap = self.now - shard.last_beat
        assert gap <= shard.interval + EPS, "heartbeat more than one interval late"
        assert payload["d"] == shard.conn.seq
        shard.last_beat = self.now

    def feed(self, shard: Shard, data: str | bytes) -> None:
        before = shard.conn.session_id
        with contextlib.suppress(RemoteProtocolError):
            shard.conn.receive_payload(data, self.now)
        self.drain(shard, before)

    def live(self, i: int) -> bool:
        """Whether the server's next payload reaches the client (live, and the client reads)."""
        return self.shards[i].conn.state in LIVE_STATES and not self.shards[i].paused

    # ------------------------------------------------------------ rules

    @rule(i=st.integers(0, 1))
    def connect(self, i: int) -> None:
        shard = self.shards[i]
        if shard.conn.state is not State.DISCONNECTED or self.now < shard.not_before:
            return
        shard.conn.connection_made("token", self.now)
        shard.beat_unacked = False
        self.drain(shard, shard.conn.session_id)

    @rule(i=st.integers(0, 1))
    def client_pauses_reading(self, i: int) -> None:
        shard = self.shards[i]
        if shard.conn.can_pause_reading and not shard.paused:
            shard.conn.pause_reading(self.now)
            shard.paused = True

    @rule(i=st.integers(0, 1))
    def client_resumes_reading(self, i: int) -> None:
        shard = self.shards[i]
        if shard.paused:
            shard.conn.resume_reading(self.now)
            shard.paused = False
            for _ in range(shard.unread_acks):
                self.feed(shard, '{"op":11}')
            shard.unread_acks = 0

    @rule(i=st.integers(0, 1), data=st.data())
    def server_hello(self, i: int, data: st.DataObject) -> None:
        shard = self.shards[i]
        if shard.conn.state is not State.AWAITING_HELLO:
            return
        self.feed(shard, data.draw(hello_payloads(1000, 20000)))

    @rule(i=st.integers(0, 1), data=st.data())
    def server_ready(self, i: int, data: st.DataObject) -> None:
        if self.live(i):
            self.feed(self.shards[i], data.draw(ready_payloads()))

    @rule(i=st.integers(0, 1), data=st.data())
    def server_dispatch(self, i: int, data: st.DataObject) -> None:
        if self.live(i):
            self.feed(self.shards[i], data.draw(dispatch_payloads()))

    @rule(i=st.integers(0, 1), data=st.data())
    def server_anything(self, i: int, data: st.DataObject) -> None:
        shard = self.shards[i]
        if not self.live(i):
            return
        payload = data.draw(any_server_payload())
        if json.loads(payload)["op"] == 1:
            shard.requested = shard.conn.state is not State.AWAITING_HELLO
        self.feed(shard, payload)

    @rule(i=st.integers(0, 1), on=st.booleans())
    def server_health(self, i: int, on: bool) -> None:
        self.shards[i].auto_ack = on

    @rule(i=st.integers(0, 1))
    def server_acks(self, i: int) -> None:
        if self.live(i):
            self.feed(self.shards[i], '{"op":11}')

    @rule(i=st.integers(0, 1), garbage=st.binary(max_size=40) | st.text(max_size=40))
    def server_garbage(self, i: int, garbage: bytes | str) -> None:
        if self.live(i):
            self.feed(self.shards[i], garbage)

    @rule(i=st.integers(0, 1), code=close_codes)
    def server_closes(self, i: int, code: int | None) -> None:
        shard = self.shards[i]
        if not self.live(i):
            return
        before = shard.conn.session_id
        shard.conn.connection_lost(code, "", self.now)
        action = close_code_info(code).action
        events = [e for e in shard.conn.events() if isinstance(e, Disconnected)]
        assert len(events) == 1
        (ev,) = events
        assert ev.fatal == (action is CloseAction.FATAL)
        if not ev.fatal:
            assert ev.resume == (before is not None and action is CloseAction.RESUME)
            assert ev.renew_token == (action is CloseAction.RENEW_TOKEN)
            assert ev.not_before is not None
            shard.not_before = ev.not_before
        else:
            shard.fatal = True
        shard.interval = None

    @rule(i=st.integers(0, 1))
    def connect_fails(self, i: int) -> None:
        shard = self.shards[i]
        if shard.conn.state is State.DISCONNECTED and self.now >= shard.not_before:
            shard.conn.connection_failed("refused", self.now)
            self.drain(shard, shard.conn.session_id)

    @rule(dt=st.floats(0.0, 30.0))
    def advance(self, dt: float) -> None:
        target = self.now + dt
        while True:
            due = [
                (d, s)
                for s in self.shards
                if (d := s.conn.next_deadline()) is not None and d <= target
            ]
            if not due:
                break
            deadline, shard = min(due, key=lambda x: x[0])
            self.now = max(self.now, deadline)
            shard.conn.handle_timer(self.now)
            self.drain(shard, shard.conn.session_id)
        self.now = target

    @precondition(lambda self: True)
    @invariant()
    def terminal_states_stay_quiet(self) -> None:
        for shard in self.shards:
            if shard.fatal:
                assert shard.conn.state is State.FAILED
                assert shard.conn.next_deadline() is None


GatewayModel.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestGatewayModel = GatewayModel.TestCase


@settings(max_examples=200, deadline=None)
@given(
    interval_ms=st.integers(1000, 60000),
    steps=st.lists(st.tuples(st.floats(0.0, 90.0), st.booleans()), min_size=1, max_size=30),
    seed=st.integers(0, 2**32 - 1),
)
def test_heartbeats_are_never_early_and_never_late(
    interval_ms: int, steps: list[tuple[float, bool]], seed: int
) -> None:
    """A healthy server (every beat acknowledged); an adapter that wakes at each deadline."""
    conn = GatewayConnection(GatewayConfig(intents=1), rng=random.Random(seed))
    conn.connection_made("t", 0.0)
    conn.receive_payload(json.dumps({"op": 10, "d": {"heartbeat_interval": interval_ms}}), 0.0)
    conn.data_to_send()
    interval = interval_ms / 1000.0
    now = 0.0
    last = 0.0  # the Hello, then each beat
    scheduled = 0
    for dt, server_asks in steps:
        target = now + dt
        while (deadline := conn.next_deadline()) is not None and deadline <= target:
            now = deadline
            conn.handle_timer(now)
            for out in conn.data_to_send():
                assert isinstance(out, SendText) and json.loads(out.text)["op"] == 1
                assert now - last <= interval + EPS, "late heartbeat"
                if scheduled:
                    assert now - last >= interval - EPS, "early heartbeat"
                scheduled += 1
                last = now
                conn.receive_payload('{"op":11}', now)
        now = target
        if server_asks:
            conn.receive_payload('{"op":1}', now)
            assert [json.loads(o.text)["op"] for o in conn.data_to_send()] == [1]  # type: ignore[union-attr]
            last = now
            conn.receive_payload('{"op":11}', now)
    assert conn.state is State.IDENTIFYING  # never declared a zombie
