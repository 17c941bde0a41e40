"""The gateway machine against hostile servers, on a virtual clock (issue 9, items 2-5).

Reconnect storms (sessions that die young back off; single faults on a stable session resume at
once), the heartbeat floor, poison events (resumes that keep failing at one sequence number give
the session up and report the loss), pausing reading while handlers are behind, and bounded
rendering of deeply nested payloads.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import statistics
from collections.abc import Callable
from typing import Any

import pytest
from _gateway_payloads import HELLO_TEXT as HELLO

import qqbot_asyncio
import qqbot_trio
import qqproto
from qqproto._errors import EventsLostError, LocalProtocolError, RemoteProtocolError
from qqproto.gateway._backoff import BackoffConfig
from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import (
    Disconnected,
    Dispatch,
    EventsLost,
    HeartbeatAcked,
    Hello,
    Ready,
    SendText,
    UnknownPayload,
)
from qqproto.gateway._intents import Intents
from qqproto.gateway._state import State
from qqproto.sim import (
    DEFAULT_APP_ID,
    DEFAULT_SECRET,
    DropTransport,
    GatewayServer,
    Platform,
    SendClose,
    SessionFault,
)
from qqproto.sim import ServerText as ServerSendText

RESUMED = '{"op":0,"t":"RESUMED","d":""}'


def ready(seq: int = 1, session: str = "sess-1") -> str:
    d = {"session_id": session, "user": {"id": "42"}, "shard": [0, 1], "version": 1}
    return json.dumps({"op": 0, "s": seq, "t": "READY", "d": d})


def dispatch(seq: int) -> str:
    return json.dumps({"op": 0, "s": seq, "t": "GUILD_MEMBER_ADD", "id": f"e{seq}", "d": {}})


def make(seed: int = 7, **kw: Any) -> GatewayConnection:
    return GatewayConnection(GatewayConfig(intents=1, **kw), rng=random.Random(seed))


def sent(conn: GatewayConnection) -> list[Any]:
    return [json.loads(o.text) if isinstance(o, SendText) else o for o in conn.data_to_send()]


def ended(conn: GatewayConnection) -> Disconnected:
    """The connection's ending (its close frame, if any, dropped as if sent)."""
    conn.data_to_send()
    (disc,) = [e for e in conn.events() if isinstance(e, Disconnected)]
    return disc


def of(conn: GatewayConnection, *kinds: type) -> list[Any]:
    """The events since the last call that are of these types."""
    return [e for e in conn.events() if isinstance(e, kinds)]


def session(conn: GatewayConnection, now: float) -> str:
    """Connect at ``now``: Hello, then READY or RESUMED answering what the client sent.
    Returns "identify" or "resume"."""
    conn.connection_made("tok", now)
    conn.receive_payload(HELLO, now + 0.005)
    (first,) = sent(conn)
    if first["op"] == 2:
        conn.receive_payload(ready(), now + 0.01)
        return "identify"
    assert first["op"] == 6
    conn.receive_payload(RESUMED, now + 0.01)
    return "resume"


# ------------------------------------------------------------------ reconnect storms


def _close(code: int) -> Callable[[GatewayConnection, float], None]:
    return lambda conn, now: conn.connection_lost(code, "bye", now)


def _payload(text: str) -> Callable[[GatewayConnection, float], None]:
    def feed(conn: GatewayConnection, now: float) -> None:
        with contextlib.suppress(RemoteProtocolError):
            conn.receive_payload(text, now)

    return feed


STORMS: dict[str, Callable[[GatewayConnection, float], None]] = {
    "close 4000": _close(4000),
    "close 4321 (unknown 4xxx)": _close(4321),
    "close 1011 (1xxx)": _close(1011),
    "close 1000": _close(1000),
    "op 7": _payload('{"op":7}'),
    "non-JSON frame": _payload("<html>502</html>"),
    "oversized frame (gateway)": _payload('{"op":0,"d":"' + "x" * (1 << 20) + '"}'),
    "oversized frame (wire: 1009)": lambda conn, now: conn.transport_failed(
        "message larger than 1048576 bytes (closed with 1009)", now
    ),
    "dropped TCP": lambda conn, now: conn.connection_lost(None, "", now),
}


def storm_connects(kind: str, seed: int, seconds: float = 15.0, **kw: Any) -> list[float]:
    """A server that ends every session 10 ms after READY/RESUMED; an adapter that reconnects
    exactly at each ``not_before``. When each connection opened, within ``seconds``.

    Every connection resumes, except that a frame the client refuses right after RESUMED is
    indistinguishable from a poison event replayed after RESUMED: after ``max_failed_resumes``
    of those in a row the session is given up (reported) and the next connection identifies."""
    conn = make(seed, **kw)
    now = 0.0
    opened = []
    streak = 0
    while now < seconds:
        opened.append(now)
        kind_of_session = session(conn, now)
        STORMS[kind](conn, now + 0.02)
        disc = ended(conn)
        assert not disc.fatal and disc.not_before is not None
        streak = streak + 1 if kind_of_session == "resume" else 0
        if not disc.resume:  # only as the poison rule says
            assert "resumes failed at the same seq" in disc.reason and streak == 3, disc
        now = disc.not_before
    return opened


@pytest.mark.parametrize("kind", list(STORMS))
def test_storm_makes_at_most_8_connections_in_15_s_at_the_defaults(kind: str) -> None:
    counts = [len(storm_connects(kind, seed)) for seed in range(100)]
    assert max(counts) <= 8, counts
    assert min(counts) >= 4  # slowed down, never given up on
    print(f"{kind}: {min(counts)}-{max(counts)} in 15 s, median {statistics.median(counts)}")


SIM_STORMS = {
    "close 4000": SessionFault("close", 4000),
    "close 4321": SessionFault("close", 4321),
    "close 1011": SessionFault("close", 1011),
    "op 7": SessionFault("reconnect"),
    "non-JSON": SessionFault("garbage"),
    "oversized": SessionFault("oversized"),
    "dropped TCP": SessionFault("drop"),
}


@pytest.mark.parametrize("fault", list(SIM_STORMS.values()), ids=list(SIM_STORMS))
def test_simulated_storm_against_the_client_in_memory(fault: SessionFault) -> None:
    """The simulator's storm modes against the client core, both sans-IO, on a virtual clock:
    at most 8 connections in 15 s, each resuming the one session (but for the poison rule)."""
    platform = Platform(rng=random.Random(1))
    platform.session_fault = fault
    token = platform.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 0.0)[0]
    conn = GatewayConnection(GatewayConfig(intents=int(Intents.default())), rng=random.Random(2))
    now, opened = 0.0, 0
    while now < 15.0:
        opened += 1
        server = GatewayServer(platform)
        conn.connection_made(token, now)
        server.connection_made(now)
        while conn.state is not State.DISCONNECTED:
            now += 0.001
            for out in server.data_to_send():
                if isinstance(out, ServerSendText):
                    with contextlib.suppress(RemoteProtocolError):
                        conn.receive_payload(out.text, now)
                elif isinstance(out, SendClose):
                    conn.connection_lost(out.code, out.reason, now)
                else:
                    assert isinstance(out, DropTransport)
                    conn.connection_lost(None, "", now)
            for client_out in conn.data_to_send():
                if isinstance(client_out, SendText):
                    server.receive_message(client_out.text, now)
        server.connection_lost(None, now)
        disc = ended(conn)
        assert disc.not_before is not None
        now = disc.not_before
    assert opened <= 8
    identifies = len(platform.identifies)
    assert identifies + len(platform.resumes) == opened
    assert all(r.outcome == "resumed" for r in platform.resumes)
    if fault.kind in ("garbage", "oversized"):  # refused right after RESUMED: the poison rule
        assert identifies <= 1 + (opened - 1) // 4
    else:
        assert identifies == 1


def test_storm_backs_off_exponentially_up_to_the_cap() -> None:
    opened = storm_connects("close 4000", seed=1, seconds=600.0)
    gaps = [b - a for a, b in itertools.pairwise(opened)]
    assert all(g <= 0.2 for g in gaps[:2])  # two quick tries first
    assert all(b >= a for a, b in itertools.pairwise(gaps[2:6]))  # then growing
    assert 30.0 <= max(gaps) <= 60.0 + 0.1  # capped


@pytest.mark.parametrize(
    "fault",
    ["op 7", "close 1000", "dropped TCP", "non-JSON frame", "oversized frame (wire: 1009)"],
)
def test_storm_that_stops_is_forgotten_once_a_session_is_stable(fault: str) -> None:
    conn = make()
    now = 0.0
    for _ in range(6):  # a storm: backing off by now
        session(conn, now)
        STORMS[fault](conn, now + 0.02)
        disc = ended(conn)
        assert disc.not_before is not None
        now = disc.not_before
    session(conn, now)
    STORMS[fault](conn, now + 61.0)  # this one lived: stable
    disc = ended(conn)
    assert disc.not_before is not None and disc.not_before - (now + 61.0) <= 0.1


@pytest.mark.parametrize("fault", ["op 7", "close 4009", "dropped TCP"])
def test_single_fault_on_a_stable_session_resumes_within_a_quarter_second(fault: str) -> None:
    storms = {**STORMS, "close 4009": _close(4009)}
    worst = 0.0
    for seed in range(100):
        conn = make(seed)
        session(conn, 0.0)
        conn.events()
        storms[fault](conn, 3600.0)
        disc = ended(conn)
        assert disc.resume and disc.not_before is not None
        worst = max(worst, disc.not_before - 3600.0)
        conn.connection_made("tok", disc.not_before)
        conn.receive_payload(HELLO, disc.not_before)
        assert sent(conn)[0]["op"] == 6
    assert worst <= 0.1  # quick_jitter; the handshake's round trips fit in the rest of 0.25 s


def test_two_quick_faults_on_a_young_session_still_resume_at_once() -> None:
    """A deploy may send op 7 twice within a minute: only the third young ending backs off."""
    conn = make()
    session(conn, 0.0)
    conn.receive_payload('{"op":7}', 30.0)
    first = ended(conn)
    assert first.not_before is not None and first.not_before - 30.0 <= 0.1
    session(conn, first.not_before)
    conn.receive_payload('{"op":7}', 40.0)
    second = ended(conn)
    assert second.not_before is not None and second.not_before - 40.0 <= 0.1
    session(conn, second.not_before)
    conn.receive_payload('{"op":7}', 41.0)
    third = ended(conn)
    assert third.not_before is not None and 2.0 <= third.not_before - 41.0 <= 4.0


def test_a_custom_backoff_scales_the_storm() -> None:
    scaled = BackoffConfig(base=0.1, cap=6.0, quick_jitter=0.01, stable_after=6.0)
    for seed in range(50):
        assert len(storm_connects("op 7", seed, seconds=1.5, backoff=scaled)) <= 8


# ------------------------------------------------------------------ heartbeat floor


def test_heartbeat_interval_is_clamped_to_the_floor_and_reported_once() -> None:
    conn = make(first_heartbeat_jitter=False)
    conn.connection_made("t", 0.0)
    conn.receive_payload('{"op":10,"d":{"heartbeat_interval":1}}', 0.0)
    (hello,) = conn.events()
    assert hello == Hello(0.1, 0.001, True)
    assert conn.heartbeat_interval == 0.1
    sent(conn)
    now, beats = 0.0, 0
    while (deadline := conn.next_deadline()) is not None and deadline <= 1.0 + 1e-9:
        now = deadline
        conn.handle_timer(now)
        beats += len(sent(conn))
        conn.receive_payload('{"op":11}', now)
    assert beats == 10  # 10 a second, not 1000
    conn.connection_lost(4009, "", now)
    conn.connection_made("t", now + 0.1)
    conn.receive_payload('{"op":10,"d":{"heartbeat_interval":5}}', now + 0.1)
    assert of(conn, Hello) == [Hello(0.1, 0.005, False)]  # already reported once
    conn.connection_lost(4009, "", now + 0.2)
    conn.connection_made("t", now + 0.3)
    conn.receive_payload(HELLO, now + 0.3)
    assert of(conn, Hello) == [Hello(45.0, None, False)]


def test_heartbeat_floor_is_configurable() -> None:
    conn = make(min_heartbeat_interval=50.0)
    conn.connection_made("t", 0.0)
    conn.receive_payload(HELLO, 0.0)
    assert conn.events() == [Hello(50.0, 45.0, True)]
    with pytest.raises(ValueError, match="min_heartbeat_interval"):
        GatewayConfig(intents=1, min_heartbeat_interval=0.0)
    with pytest.raises(ValueError, match="max_failed_resumes"):
        GatewayConfig(intents=1, max_failed_resumes=0)


# ------------------------------------------------------------------ poison events

POISON = "message larger than 65536 bytes (closed with 1009)"


def _refuse_wire(conn: GatewayConnection, now: float) -> None:
    conn.transport_failed(POISON, now)


def _refuse_json(conn: GatewayConnection, now: float) -> None:
    with pytest.raises(RemoteProtocolError):
        conn.receive_payload('{"op":0,"s":3,"t":"X","d":', now)


def resume_and(conn: GatewayConnection, now: float) -> None:
    conn.data_to_send()  # the last connection's close frame
    conn.connection_made("tok", now)
    conn.receive_payload(HELLO, now)
    (resume,) = sent(conn)
    assert resume["op"] == 6


@pytest.mark.parametrize("refuse", [_refuse_wire, _refuse_json], ids=["1009", "not JSON"])
def test_poison_event_gives_the_session_up_after_three_failed_resumes(
    refuse: Callable[[GatewayConnection, float], None],
) -> None:
    conn = make()
    session(conn, 0.0)
    conn.receive_payload(dispatch(2), 1.0)
    conn.events()
    refuse(conn, 2.0)  # the event arrives live: refused
    disc = ended(conn)
    now = disc.not_before
    assert disc.resume and now is not None
    for attempt in range(1, 4):
        resume_and(conn, now)
        assert conn.seq == 2
        refuse(conn, now + 0.01)  # replayed first thing: refused again
        events = of(conn, Disconnected, EventsLost)
        disc = events[-1]
        assert isinstance(disc, Disconnected) and disc.not_before is not None
        now = disc.not_before
        if attempt < 3:
            assert disc.resume and len(events) == 1
    lost = events[0]
    assert isinstance(lost, EventsLost)
    assert (lost.session_id, lost.after_seq) == ("sess-1", 2)
    assert "3 resumes in a row failed at seq 2" in lost.reason
    assert not disc.resume and "identifying anew" in disc.reason
    assert conn.session_id is None and conn.seq is None
    err = lost.error()
    assert isinstance(err, EventsLostError) and err.session_id == "sess-1" and err.after_seq == 2
    assert "sess-1 after seq 2 were lost" in str(err)
    # a new session, and later events arrive
    conn.data_to_send()
    conn.connection_made("tok", now)
    conn.receive_payload(HELLO, now)
    assert sent(conn)[0]["op"] == 2
    conn.receive_payload(ready(1, "sess-2"), now + 0.1)
    conn.receive_payload(dispatch(7), now + 0.2)
    assert [type(e) for e in conn.events()] == [Hello, Ready, Dispatch]


def test_failed_resumes_count_only_refusals_at_one_seq() -> None:
    conn = make()
    session(conn, 0.0)
    conn.receive_payload(dispatch(2), 1.0)
    conn.connection_lost(None, "", 1.5)
    now = ended(conn).not_before or 0.0
    steps = [
        ("refuse", 2),  # 1 at seq 2
        ("drop", 2),  # a dropped transport while resuming: neither counts nor resets
        ("close", 2),  # nor does a server's close
        ("refuse", 2),  # 2 at seq 2
        ("progress+refuse", 3),  # a replayed event came first: 1 at seq 3
        ("refuse", 3),  # 2 at seq 3
        ("resumed", 3),  # a resume that worked resets the count
        ("refuse", 3),  # 1
        ("refuse", 3),  # 2
    ]
    for step, seq in steps:
        resume_and(conn, now)
        if step == "drop":
            conn.connection_lost(None, "", now + 0.01)
        elif step == "close":
            conn.connection_lost(1011, "", now + 0.01)
        elif step == "resumed":
            conn.receive_payload(RESUMED, now + 0.01)
            conn.receive_payload('{"op":7}', now + 0.02)
        else:
            if step == "progress+refuse":
                conn.receive_payload(dispatch(3), now + 0.01)
            _refuse_wire(conn, now + 0.02)
        assert conn.seq == seq
        events = of(conn, Disconnected, EventsLost)
        assert len(events) == 1, step
        disc = events[0]
        assert isinstance(disc, Disconnected) and disc.resume and disc.not_before is not None
        now = disc.not_before
    resume_and(conn, now)
    _refuse_wire(conn, now + 0.01)
    assert [type(e) for e in of(conn, Disconnected, EventsLost)] == [EventsLost, Disconnected]


def test_refusals_outside_a_resume_never_give_the_session_up() -> None:
    """A storm of garbage once the resumed session has taken a payload (so its replay went
    through) is throttled, not fatal to the session."""
    conn = make()
    session(conn, 0.0)
    now = 1.0
    for _ in range(6):
        conn.receive_payload('{"op":11}', now)  # taken after RESUMED: the resume worked
        _refuse_json(conn, now + 0.01)
        disc = ended(conn)
        assert disc.resume and disc.not_before is not None
        assert session(conn, disc.not_before) == "resume"
        now = disc.not_before + 0.02


def test_a_poison_event_replayed_after_resumed_gives_the_session_up_too() -> None:
    """Against the documented order, a server may send RESUMED first and replay after it: the
    refusal of the first payload after RESUMED still counts as a failed resume, or the shard
    would loop on the poison event forever (found by an independent fake of the platform)."""
    conn = make()
    session(conn, 0.0)
    conn.receive_payload(dispatch(4), 1.0)
    conn.connection_lost(None, "", 1.5)
    now = ended(conn).not_before or 0.0
    for attempt in range(1, 4):
        resume_and(conn, now)
        conn.receive_payload(RESUMED, now + 0.01)
        _refuse_wire(conn, now + 0.02)  # the replayed event, after RESUMED, is too big
        events = of(conn, Disconnected, EventsLost)
        if attempt < 3:
            (disc,) = events
            assert isinstance(disc, Disconnected) and disc.resume and disc.not_before
            now = disc.not_before
        else:
            lost, disc = events
            assert isinstance(lost, EventsLost) and lost.after_seq == 4
            assert isinstance(disc, Disconnected) and not disc.resume


def test_max_failed_resumes_is_configurable() -> None:
    conn = make(max_failed_resumes=1)
    session(conn, 0.0)
    conn.receive_payload(dispatch(5), 1.0)
    conn.connection_lost(None, "", 2.0)
    resume_and(conn, ended(conn).not_before or 0.0)
    _refuse_wire(conn, 3.0)
    lost, disc = of(conn, Disconnected, EventsLost)
    assert isinstance(lost, EventsLost) and (lost.session_id, lost.after_seq) == ("sess-1", 5)
    assert isinstance(disc, Disconnected) and not disc.resume


def test_events_lost_error_is_exported_by_both_adapters() -> None:
    assert qqbot_asyncio.EventsLostError is qqbot_trio.EventsLostError is EventsLostError
    assert qqproto.EventsLostError is EventsLostError
    assert issubclass(EventsLostError, qqproto.QQError)
    err = EventsLostError("s" * 1000, None, "why")
    assert err.session_id == "s" * 1000 and len(str(err)) < 200


# ------------------------------------------------------------------ pausing reading


def connected(**kw: Any) -> GatewayConnection:
    conn = make(first_heartbeat_jitter=False, **kw)
    session(conn, 0.0)  # Hello at 0.005: heartbeats due at 45.005, 90.005, ...
    conn.events()
    return conn


def run_until(conn: GatewayConnection, until: float, ack: bool = False) -> list[float]:
    """Call handle_timer at each deadline up to ``until``; when heartbeats went out."""
    beats = []
    while (deadline := conn.next_deadline()) is not None and deadline <= until:
        conn.handle_timer(deadline)
        for out in sent(conn):
            if isinstance(out, dict) and out["op"] == 1:
                beats.append(deadline)
                if ack:
                    conn.receive_payload('{"op":11}', deadline + 0.05)
    return beats


def test_paused_reading_keeps_the_heartbeat_cadence_and_is_no_zombie() -> None:
    conn = connected()
    assert conn.can_pause_reading and not conn.reading_paused
    conn.pause_reading(10.0)
    conn.pause_reading(11.0)  # idempotent
    assert conn.reading_paused
    beats = run_until(conn, 10.0 + 45.0 * 10)  # ten intervals, no ACK read
    assert beats == pytest.approx([45.005 + 45.0 * i for i in range(10)])
    assert conn.state is State.CONNECTED and conn.events() == []
    # reading again: the queued ACKs arrive; the round trip is unknown (it spans the pause)
    conn.resume_reading(460.0)
    conn.resume_reading(461.0)  # idempotent
    conn.receive_payload('{"op":11}', 460.01)
    conn.receive_payload('{"op":11}', 460.02)
    assert conn.events() == [HeartbeatAcked(None), HeartbeatAcked(None)]
    assert conn.latency is None
    # and then the link is healthy: heartbeats acked in time, latency measured again
    assert run_until(conn, 600.0, ack=True) == pytest.approx([495.005, 540.005, 585.005])
    assert conn.state is State.CONNECTED and conn.latency == pytest.approx(0.05)


def test_a_zombie_is_found_once_the_client_reads_for_a_whole_interval() -> None:
    conn = connected()
    conn.pause_reading(10.0)
    run_until(conn, 460.0)  # the last beat at 450.005, while paused
    conn.resume_reading(460.0)
    assert run_until(conn, 500.0) == pytest.approx([495.005])  # not acked: sent while paused
    assert conn.state is State.CONNECTED
    run_until(conn, 541.0)  # read since 460 and the 495 beat was never acknowledged
    disc = ended(conn)
    assert disc.resume and "zombie" in disc.reason
    assert not conn.reading_paused and not conn.can_pause_reading
    conn.resume_reading(542.0)  # a no-op after the end


def test_reading_continuously_without_ack_is_a_zombie_as_before() -> None:
    conn = connected()
    conn.pause_reading(10.0)
    conn.resume_reading(20.0)  # paused before the beat: it does not matter
    run_until(conn, 91.0)
    assert "zombie" in ended(conn).reason


def test_a_pause_after_the_beat_went_spares_it() -> None:
    conn = connected()
    run_until(conn, 46.0)  # beat at 45.005, reading
    conn.pause_reading(50.0)
    conn.resume_reading(60.0)
    assert run_until(conn, 91.0) == pytest.approx([90.005])  # not a zombie: paused meanwhile
    run_until(conn, 136.0)
    assert "zombie" in ended(conn).reason  # read since 60, the 90.005 beat unacknowledged


def test_silence_timeout_counts_only_time_spent_reading() -> None:
    conn = connected(silence_timeout=10.0)
    assert conn.next_deadline() == pytest.approx(10.01)  # READY at 0.01
    conn.pause_reading(5.0)  # 4.99 s of silence spent
    assert conn.next_deadline() == pytest.approx(45.005)  # only heartbeats while paused
    run_until(conn, 100.0)
    conn.resume_reading(100.0)
    assert conn.next_deadline() == pytest.approx(105.01)
    conn.handle_timer(105.0)
    assert conn.state is State.CONNECTED
    conn.handle_timer(105.01)
    assert "nothing received" in ended(conn).reason


def test_pause_is_allowed_only_after_hello() -> None:
    conn = make()
    assert not conn.can_pause_reading
    with pytest.raises(LocalProtocolError):
        conn.pause_reading(0.0)
    conn.connection_made("t", 0.0)
    assert not conn.can_pause_reading  # before Hello the client must read
    with pytest.raises(LocalProtocolError, match="AWAITING_HELLO"):
        conn.pause_reading(0.0)
    conn.receive_payload(HELLO, 0.1)
    assert conn.state is State.IDENTIFYING and conn.can_pause_reading
    conn.pause_reading(0.2)
    conn.receive_payload(ready(), 0.3)  # what was read before the pause is still processed
    assert conn.state is State.CONNECTED and conn.reading_paused
    conn.connection_lost(4009, "", 1.0)
    assert not conn.reading_paused
    conn.connection_made("t", 2.0)
    conn.receive_payload(HELLO, 2.0)
    assert conn.state is State.RESUMING and conn.can_pause_reading


# ------------------------------------------------------------------ bounded rendering

DEPTH = 950


def nested(depth: int = DEPTH) -> str:
    return "[" * depth + "]" * depth


def _at_depth(frames: int, fn: Callable[[], object]) -> str:
    if frames:
        return _at_depth(frames - 1, fn)
    try:
        fn()
    except RemoteProtocolError:
        return "refused"
    except RecursionError as exc:
        return f"RecursionError: {exc}"
    return "ok"


def sweep_stack_depths(fn: Callable[[str], object], payload: str, flat: str) -> set[str]:
    """``fn(payload)`` under every amount of stack already in use (as deep in a runtime's stack
    as it may be) at which ``fn(flat)`` (the same payload, not nested) still works: the parser's
    depth limit and whatever renders the payload meet somewhere. Only RemoteProtocolError may
    come out."""
    outcomes = set()
    for frames in range(0, 1000):
        try:
            if _at_depth(frames, lambda: fn(flat)).startswith("RecursionError"):
                break
            outcomes.add(_at_depth(frames, lambda: fn(payload)))
        except RecursionError:  # the padding itself reached the limit
            break
    return outcomes


NESTED_PAYLOADS = {
    "hello-dict": '{"op":10,"d":{"x":%s}}',
    "hello-list": '{"op":10,"d":%s}',
    "ready-no-session": '{"op":0,"s":1,"t":"READY","d":{"user":%s}}',
    "ready-list": '{"op":0,"s":1,"t":"READY","d":%s}',
    "ready-ok": '{"op":0,"s":1,"t":"READY","d":{"session_id":"s","user":%s}}',
    "unknown-op": '{"op":42,"d":%s}',
}


@pytest.mark.parametrize("template", list(NESTED_PAYLOADS.values()), ids=list(NESTED_PAYLOADS))
def test_deeply_nested_payloads_parse_or_are_refused_never_recursion(template: str) -> None:
    def feed(payload: str) -> None:
        conn = make()
        conn.connection_made("t", 0.0)
        if '"op":10' not in payload:
            conn.receive_payload(HELLO, 0.0)
        conn.receive_payload(payload, 0.1)
        for ev in conn.events():
            if isinstance(ev, UnknownPayload):
                assert ev.raw == payload[:200]
                assert len(repr(ev)) < 300  # its repr leaves the decoded value out

    outcomes = sweep_stack_depths(feed, template % nested(), template % "[]")
    assert outcomes <= {"ok", "refused"}, outcomes
    assert "ok" in outcomes or "refused" in outcomes


def test_error_messages_quote_a_bounded_slice_of_the_raw_text() -> None:
    conn = make()
    conn.connection_made("t", 0.0)
    with pytest.raises(RemoteProtocolError) as info:
        conn.receive_payload('{"op":10,"d":{"x":"' + "y" * 10000 + '"}}', 0.0)
    assert len(str(info.value)) < 200 and "yyyy" in str(info.value)
    conn = make()
    conn.connection_made("t", 0.0)
    conn.receive_payload(HELLO, 0.0)
    with pytest.raises(RemoteProtocolError) as info:
        conn.receive_payload(
            b'{"op":0,"t":"READY","d":{"z":"' + "\u4e2d".encode() * 5000 + b'"}}', 0.0
        )
    assert len(str(info.value)) < 200 and "\u4e2d" in str(info.value)
