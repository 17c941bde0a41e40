"""Unit and table-driven tests of the gateway state machine (qqproto.gateway._connection)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from _gateway_payloads import HELLO_TEXT as HELLO
from _gateway_payloads import READY_TEXT as READY

from qqproto._errors import GatewayClosedError, LocalProtocolError, RemoteProtocolError
from qqproto.gateway._backoff import BackoffConfig
from qqproto.gateway._close_codes import FATAL_CODES, CloseAction, close_code_info
from qqproto.gateway._connection import (
    CLOSE_NORMAL,
    CLOSE_RECONNECT,
    GatewayConfig,
    GatewayConnection,
)
from qqproto.gateway._events import (
    CloseConnection,
    Closed,
    Disconnected,
    Dispatch,
    DuplicateDropped,
    HeartbeatAcked,
    Hello,
    IdentifyDelayed,
    Ready,
    Resumed,
    SendText,
    UnknownPayload,
)
from qqproto.gateway._identify import IdentifyLimiter, SessionStartLimit
from qqproto.gateway._intents import Intents
from qqproto.gateway._state import State

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def make(**kw: Any) -> GatewayConnection:
    limiter = kw.pop("limiter", None)
    cfg = GatewayConfig(intents=kw.pop("intents", Intents.default()), **kw)
    return GatewayConnection(cfg, rng=random.Random(7), limiter=limiter)


def sent(conn: GatewayConnection) -> list[Any]:
    """Decoded outgoing payloads, and CloseConnection items as they are."""
    return [json.loads(o.text) if isinstance(o, SendText) else o for o in conn.data_to_send()]


def state_of(conn: GatewayConnection) -> State:
    """``conn.state``, read through a call so that mypy does not narrow it across inputs."""
    return conn.state


def ready_conn(**kw: Any) -> GatewayConnection:
    conn = make(**kw)
    conn.connection_made("tok", 0.0)
    conn.receive_payload(HELLO, 0.0)
    conn.receive_payload(READY, 0.1)
    conn.events()
    conn.data_to_send()
    return conn


def dispatch(seq: int, eid: str | None = None, t: str = "AT_MESSAGE_CREATE") -> str:
    body: dict[str, Any] = {"op": 0, "s": seq, "t": t, "d": {"content": "hi"}}
    if eid is not None:
        body["id"] = eid
    return json.dumps(body)


# ------------------------------------------------------------------ identify, ready, resume


def test_official_fixtures_drive_a_session() -> None:
    conn = make(intents=513, shard_id=0, shard_count=4, properties={})
    conn.connection_made("ACCESS", 0.0)
    conn.receive_payload((FIXTURES / "gateway" / "hello.json").read_text(), 0.0)
    (identify,) = sent(conn)
    expected = json.loads((FIXTURES / "gateway" / "identify.json").read_text())
    assert identify["op"] == expected["op"] == 2
    assert identify["d"]["token"] == "QQBot ACCESS"
    assert identify["d"]["intents"] == expected["d"]["intents"] == 513
    assert identify["d"]["shard"] == expected["d"]["shard"] == [0, 4]
    conn.receive_payload((FIXTURES / "gateway" / "ready.json").read_text(), 0.5)
    hello, ready = conn.events()
    assert isinstance(hello, Hello) and hello.heartbeat_interval == 45.0
    assert isinstance(ready, Ready)
    assert ready.session_id == "082ee18c-0be3-491b-9d8b-fbd95c51673a"
    assert ready.user["id"] == "6158788878435714165"
    assert ready.shard == (0, 0) and ready.version == 1 and ready.seq == 1
    assert conn.state is State.CONNECTED and conn.seq == 1


def test_identify_defaults_properties_and_never_leaks_token_in_repr() -> None:
    conn = make()
    conn.connection_made("SECRET-TOKEN", 0.0)
    conn.receive_payload(HELLO, 0.0)
    (identify,) = sent(conn)
    assert set(identify["d"]["properties"]) == {"$os", "$browser", "$device"}
    assert "SECRET-TOKEN" not in repr(conn)
    assert "state=IDENTIFYING" in repr(conn)


def test_resume_after_reconnect_and_replay() -> None:
    conn = ready_conn()
    conn.receive_payload(dispatch(2, "e2"), 1.0)
    conn.receive_payload('{"op":7}', 2.0)
    out = sent(conn)
    assert out == [CloseConnection(CLOSE_RECONNECT, "server asked to reconnect (op 7)")]
    (dispatched, disc) = conn.events()
    assert isinstance(dispatched, Dispatch)
    assert isinstance(disc, Disconnected) and disc.resume and not disc.fatal
    assert disc.not_before is not None and 2.0 <= disc.not_before <= 2.0 + 0.1
    assert state_of(conn) is State.DISCONNECTED
    conn.connection_lost(1000, "", 2.1)  # the close echo after we decided: ignored
    assert conn.events() == []
    conn.connection_made("tok2", 3.0)
    conn.receive_payload(HELLO, 3.0)
    (resume,) = sent(conn)
    assert resume == {"op": 6, "d": {"token": "QQBot tok2", "session_id": "sess-1", "seq": 2}}
    assert state_of(conn) is State.RESUMING
    conn.receive_payload(dispatch(3, "e3"), 3.1)  # replayed event
    conn.receive_payload('{"op":0,"s":4,"t":"RESUMED","d":""}', 3.2)
    events = conn.events()
    assert isinstance(events[1], Dispatch) and events[1].seq == 3
    assert events[2] == Resumed(4)
    assert conn.state is State.CONNECTED and conn.seq == 4


def test_resumed_outside_resume_is_reported_without_state_change() -> None:
    conn = ready_conn()
    conn.receive_payload('{"op":0,"t":"RESUMED","d":""}', 1.0)
    assert conn.events() == [Resumed(None)]
    assert conn.state is State.CONNECTED and conn.seq == 1


def test_ready_answering_a_resume_starts_the_new_session() -> None:
    conn = ready_conn()
    conn.connection_lost(None, "", 100.0)
    conn.connection_made("t", 101.0)
    conn.receive_payload(HELLO, 101.0)
    assert sent(conn)[0]["op"] == 6
    conn.receive_payload(READY.replace("sess-1", "sess-2"), 101.5)
    assert conn.session_id == "sess-2" and conn.state is State.CONNECTED


def test_dispatch_updates_seq_and_keeps_event_id() -> None:
    conn = ready_conn()
    conn.receive_payload(dispatch(9, "AT_MESSAGE_CREATE:abc"), 1.0)
    conn.receive_payload('{"op":0,"t":"X","d":null}', 1.0)  # no s: seq unchanged
    ev, ev2 = conn.events()
    assert isinstance(ev, Dispatch)
    assert (ev.name, ev.seq, ev.event_id) == ("AT_MESSAGE_CREATE", 9, "AT_MESSAGE_CREATE:abc")
    assert ev.data == {"content": "hi"}
    assert isinstance(ev2, Dispatch) and (ev2.name, ev2.seq, ev2.event_id) == ("X", None, None)
    assert ev2.data is None
    assert conn.seq == 9


def test_duplicate_dispatch_dropped_within_window_but_reported() -> None:
    conn = ready_conn(dedup_window=2)
    for seq, eid in [(2, "a"), (3, "a"), (4, "b"), (5, "c"), (6, "a")]:
        conn.receive_payload(dispatch(seq, eid), 1.0)
    events = conn.events()
    assert [type(e) for e in events] == [Dispatch, DuplicateDropped, Dispatch, Dispatch, Dispatch]
    assert events[1] == DuplicateDropped("AT_MESSAGE_CREATE", 3, "a")
    assert conn.seq == 6


def test_dispatch_before_ready_is_delivered() -> None:
    conn = make()
    conn.connection_made("t", 0.0)
    conn.receive_payload(HELLO, 0.0)
    conn.receive_payload(dispatch(1, "x"), 0.1)
    assert isinstance(conn.events()[-1], Dispatch)


def test_unknown_opcode_is_kept() -> None:
    conn = ready_conn()
    conn.receive_payload('{"op":42,"d":{"x":1}}', 1.0)
    assert conn.events() == [UnknownPayload(42, {"x": 1}, '{"op":42,"d":{"x":1}}')]
    conn.receive_payload(b'{"op":42,"d":"' + "中".encode() * 300 + b'"}', 1.0)
    (ev,) = conn.events()
    assert isinstance(ev, UnknownPayload) and ev.raw == '{"op":42,"d":"' + "中" * 186


# ------------------------------------------------------------------ heartbeats


def test_heartbeat_cadence_seq_and_latency() -> None:
    conn = make(first_heartbeat_jitter=False)
    conn.connection_made("t", 0.0)
    conn.receive_payload(HELLO, 0.0)
    sent(conn)
    assert conn.next_deadline() == 45.0
    conn.handle_timer(44.9)  # early: nothing
    assert sent(conn) == []
    conn.handle_timer(45.0)
    assert sent(conn) == [{"op": 1, "d": None}]
    conn.receive_payload(READY, 45.1)
    conn.receive_payload('{"op":11}', 45.25)
    ack = conn.events()[-1]
    assert isinstance(ack, HeartbeatAcked) and ack.latency == pytest.approx(0.25)
    assert conn.latency == pytest.approx(0.25)
    assert conn.next_deadline() == 90.0
    conn.handle_timer(95.0)  # late: one beat, no replay
    conn.handle_timer(95.0)  # repeated: idempotent
    assert sent(conn) == [{"op": 1, "d": 1}]
    assert conn.next_deadline() == 140.0


def test_first_heartbeat_is_jittered_within_one_interval() -> None:
    conn = make()
    conn.connection_made("t", 10.0)
    conn.receive_payload(HELLO, 10.0)
    deadline = conn.next_deadline()
    assert deadline is not None and 10.0 <= deadline < 55.0


def test_server_heartbeat_request_is_answered_at_once() -> None:
    conn = ready_conn(first_heartbeat_jitter=False)
    conn.receive_payload('{"op":1}', 5.0)
    assert sent(conn) == [{"op": 1, "d": 1}]
    assert conn.next_deadline() == 50.0


def test_heartbeat_request_before_hello_is_ignored() -> None:
    conn = make()
    conn.connection_made("t", 0.0)
    conn.receive_payload('{"op":1}', 0.0)
    assert sent(conn) == []


def test_unsolicited_ack_has_no_latency() -> None:
    conn = ready_conn()
    conn.receive_payload('{"op":11}', 1.0)
    assert conn.events() == [HeartbeatAcked(None)]
    assert conn.latency is None


def test_zombie_connection_closes_and_plans_resume() -> None:
    conn = ready_conn(first_heartbeat_jitter=False)
    conn.handle_timer(45.0)
    assert sent(conn) == [{"op": 1, "d": 1}]
    conn.handle_timer(90.0)
    (close,) = sent(conn)
    assert isinstance(close, CloseConnection) and close.code == CLOSE_RECONNECT
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.resume and "zombie" in disc.reason
    assert conn.next_deadline() is None


def test_silence_timeout_detects_zombie() -> None:
    conn = ready_conn(silence_timeout=10.0, first_heartbeat_jitter=False)
    assert conn.next_deadline() == pytest.approx(10.1)
    conn.receive_payload('{"op":11}', 5.0)
    conn.handle_timer(14.0)
    assert sent(conn) == []
    conn.handle_timer(15.0)
    (close,) = sent(conn)
    assert isinstance(close, CloseConnection)
    assert conn.events()[-1].resume  # type: ignore[union-attr]


def test_hello_timeout_reconnects_with_backoff() -> None:
    conn = make(hello_timeout=5.0)
    conn.connection_made("t", 0.0)
    assert conn.next_deadline() == 5.0
    conn.handle_timer(5.0)
    (close,) = sent(conn)
    assert isinstance(close, CloseConnection)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and not disc.resume
    assert disc.not_before is not None and disc.not_before >= 5.5  # counted as a failure


# ------------------------------------------------------------------ close codes, table-driven

RESUME_CODES = [None, 1000, 1001, 1006, 4000, 4008, 4009, 4999, 4916]
IDENTIFY_CODES = [4006, 4007, *range(4900, 4914)]


@pytest.mark.parametrize("code", RESUME_CODES)
def test_resume_codes(code: int | None) -> None:
    conn = ready_conn()
    conn.connection_lost(code, "bye", 100.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected)
    assert disc.resume and not disc.fatal and not disc.renew_token and disc.code == code
    assert conn.session_id == "sess-1"
    assert close_code_info(code).action is CloseAction.RESUME
    if code is not None:
        assert "bye" in disc.reason


@pytest.mark.parametrize("code", IDENTIFY_CODES)
def test_identify_codes(code: int) -> None:
    conn = ready_conn()
    conn.connection_lost(code, "", 100.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected)
    assert not disc.resume and not disc.fatal and not disc.renew_token
    assert conn.session_id is None and conn.seq is None
    conn.connection_made("t", disc.not_before or 0)
    conn.receive_payload(HELLO, 101.0)
    assert sent(conn)[0]["op"] == 2


def test_4004_renews_token_then_identifies() -> None:
    conn = ready_conn()
    conn.connection_lost(4004, "", 100.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected)
    assert disc.renew_token and not disc.resume and not disc.fatal
    assert "token" in disc.reason


@pytest.mark.parametrize("code", sorted(FATAL_CODES))
def test_fatal_codes(code: int) -> None:
    conn = ready_conn()
    conn.connection_lost(code, "", 100.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.fatal and disc.not_before is None
    assert conn.state is State.FAILED and conn.next_deadline() is None
    err = disc.error()
    assert isinstance(err, GatewayClosedError) and err.code == code
    assert str(code) in str(err)
    conn.connection_lost(None, "", 101.0)  # already over: ignored
    conn.handle_timer(200.0)
    assert conn.events() == [] and sent(conn) == []
    with pytest.raises(LocalProtocolError):
        conn.receive_payload(HELLO, 300.0)
    with pytest.raises(LocalProtocolError):
        conn.connection_made("t", 300.0)
    conn.close(300.0)  # closing a failed machine is a no-op
    assert conn.events() == []


def test_fatal_code_set_is_exactly_the_documented_one() -> None:
    assert {4001, 4002, 4010, 4011, 4012, 4013, 4014, 4914, 4915} == FATAL_CODES


@pytest.mark.parametrize("code", [4013, 4014])
def test_intent_errors_name_the_privileged_intents(code: int) -> None:
    conn = ready_conn(intents=Intents.none().with_guilds().with_guild_messages())
    conn.connection_lost(code, "", 5.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected)
    assert "GUILD_MESSAGES" in disc.reason and "need approval" in disc.reason


def test_invalid_session_identifies_after_short_delay() -> None:
    conn = ready_conn()
    conn.receive_payload('{"op":9,"d":false}', 100.0)
    (close,) = sent(conn)
    assert close == CloseConnection(CLOSE_NORMAL, "invalid session (op 9): identifying anew")
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and not disc.resume
    assert disc.not_before is not None and 101.0 <= disc.not_before <= 103.0
    assert conn.session_id is None


def test_resume_refused_falls_back_to_identify() -> None:
    conn = ready_conn()
    conn.connection_lost(4999, "", 100.0)  # unknown code: resume first
    conn.connection_made("t", 101.0)
    conn.receive_payload(HELLO, 101.0)
    assert sent(conn)[0]["op"] == 6
    conn.connection_lost(4006, "", 101.5)  # resume refused
    disc = conn.events()[-1]
    assert isinstance(disc, Disconnected) and not disc.resume


def test_connect_failure_backs_off_and_crash_loop_slows_down() -> None:
    conn = make(backoff=BackoffConfig(base=1.0, cap=8.0))
    now = 0.0
    delays = []
    for _ in range(6):
        conn.connection_failed("refused", now)
        (disc,) = conn.events()
        assert isinstance(disc, Disconnected) and disc.not_before is not None
        delays.append(disc.not_before - now)
        now = disc.not_before
    assert 0.5 <= delays[0] <= 1.0
    assert all(d <= 8.0 for d in delays)
    assert delays[-1] >= 4.0
    # a connection that dies right after opening is still a failure: the delay keeps growing
    conn.connection_made("t", now)
    conn.connection_lost(4009, "", now + 0.5)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.not_before is not None
    assert disc.not_before - (now + 0.5) >= 4.0
    # a connection that lived long but never got its session going is no better
    now = disc.not_before
    conn.connection_made("t", now)
    conn.connection_lost(4009, "", now + 120.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.not_before is not None
    assert disc.not_before - (now + 120.0) >= 4.0
    # a stable session resets the throttle: the next reconnect is quick
    now = disc.not_before
    conn.connection_made("t", now)
    conn.receive_payload(HELLO, now)
    conn.receive_payload(READY, now + 0.1)
    conn.events()
    conn.connection_lost(4009, "", now + 60.1)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.not_before is not None
    assert disc.not_before - (now + 60.1) <= 0.1


def test_4008_backs_off_even_after_a_long_connection() -> None:
    conn = ready_conn()
    conn.connection_lost(4008, "", 1000.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.resume
    assert disc.not_before is not None and disc.not_before - 1000.0 >= 0.5


def test_transport_failure_plans_a_resume_with_its_reason() -> None:
    conn = ready_conn()
    conn.transport_failed("message too big (closed with 1009)", 5.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.resume and disc.code is None
    assert disc.reason == "protocol error: message too big (closed with 1009)"
    assert sent(conn) == []  # the wire closed the transport itself
    conn.transport_failed("again", 6.0)  # already over: ignored
    assert conn.events() == []


def test_connection_failed_while_connected_is_misuse() -> None:
    conn = ready_conn()
    with pytest.raises(LocalProtocolError):
        conn.connection_failed("x", 1.0)


# ------------------------------------------------------------------ identify limiter


def test_identify_waits_for_the_shared_limiter() -> None:
    limiter = IdentifyLimiter(max_concurrency=1)
    a = make(shard_id=0, shard_count=2, limiter=limiter)
    b = make(shard_id=1, shard_count=2, limiter=limiter)
    for conn in (a, b):
        conn.connection_made("t", 0.0)
        conn.receive_payload(HELLO, 0.0)
    assert sent(a)[0]["op"] == 2
    assert sent(b) == []
    assert IdentifyDelayed(5.0) in b.events()
    assert b.next_deadline() == 5.0
    b.handle_timer(4.0)
    assert sent(b) == []
    b.handle_timer(5.0)
    assert sent(b)[0]["d"]["shard"] == [1, 2]


def test_identify_plan_respects_the_session_budget() -> None:
    limiter = IdentifyLimiter(limit=SessionStartLimit(1000, 0, 600.0, 1), now=0.0)
    conn = make(limiter=limiter)
    conn.connection_failed("x", 0.0)
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.not_before == 600.0


def test_identify_waits_again_when_another_shard_took_the_slot() -> None:
    limiter = IdentifyLimiter(max_concurrency=1)
    limiter.record(0, 0.0)
    conn = make(limiter=limiter)
    conn.connection_made("t", 1.0)
    conn.receive_payload(HELLO, 1.0)
    conn.handle_timer(2.0)
    limiter.record(5, 5.0)  # another shard in the same bucket identified first
    conn.handle_timer(5.0)
    delays = [e for e in conn.events() if isinstance(e, IdentifyDelayed)]
    assert delays == [IdentifyDelayed(5.0), IdentifyDelayed(10.0)]
    assert sent(conn) == []
    conn.handle_timer(10.0)
    assert sent(conn)[0]["op"] == 2


# ------------------------------------------------------------------ garbage and misuse


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe",
        "not json",
        "[]",
        '{"d":1}',
        '{"op":"0"}',
        '{"op":0,"s":"1","t":"X"}',
        '{"op":0,"t":5}',
        '{"op":0,"t":"X","id":[1]}',
        '{"op":0,"d":{}}',
    ],
)
def test_garbage_raises_remote_error_and_plans_resume(raw: str | bytes) -> None:
    conn = ready_conn()
    with pytest.raises(RemoteProtocolError):
        conn.receive_payload(raw, 1.0)
    (close,) = sent(conn)
    assert isinstance(close, CloseConnection) and close.code == CLOSE_RECONNECT
    (disc,) = conn.events()
    assert isinstance(disc, Disconnected) and disc.resume and "protocol error" in disc.reason
    conn.receive_payload(HELLO, 1.1)  # still in flight after we closed: ignored
    assert conn.events() == []


def test_numeric_event_id_is_kept_as_string() -> None:
    conn = ready_conn()
    conn.receive_payload('{"op":0,"s":2,"t":"X","id":12,"d":{}}', 1.0)
    [ev] = conn.events()
    assert isinstance(ev, Dispatch)
    assert (ev.name, ev.seq, ev.event_id, ev.data) == ("X", 2, "12", {})


def test_oversized_payload_is_refused() -> None:
    conn = ready_conn(max_payload_size=200)
    with pytest.raises(RemoteProtocolError, match="exceeds"):
        conn.receive_payload(dispatch(2, "x" * 300), 1.0)


@pytest.mark.parametrize(
    "raw",
    [
        READY,  # READY before Hello
        dispatch(1, "x"),
        '{"op":10,"d":{}}',
        '{"op":10,"d":{"heartbeat_interval":-1}}',
        '{"op":10,"d":[]}',
        '{"op":10,"d":{"heartbeat_interval":true}}',
    ],
)
def test_out_of_order_or_bad_hello(raw: str) -> None:
    conn = make()
    conn.connection_made("t", 0.0)
    with pytest.raises(RemoteProtocolError):
        conn.receive_payload(raw, 0.0)
    assert conn.state is State.DISCONNECTED


@pytest.mark.parametrize(
    "raw",
    [
        HELLO,  # a second Hello
        READY,  # READY while already connected
        '{"op":0,"s":3,"t":"READY","d":{"session_id":""}}',
        '{"op":0,"s":3,"t":"READY","d":"x"}',
    ],
)
def test_protocol_violations_after_ready(raw: str) -> None:
    conn = ready_conn()
    with pytest.raises(RemoteProtocolError):
        conn.receive_payload(raw, 1.0)
    assert conn.state is State.DISCONNECTED


def test_ready_with_odd_fields_is_tolerated() -> None:
    conn = make()
    conn.connection_made("t", 0.0)
    conn.receive_payload(HELLO, 0.0)
    conn.receive_payload('{"op":0,"t":"READY","d":{"session_id":"s","user":1,"shard":[0]}}', 0.1)
    ready = conn.events()[-1]
    assert isinstance(ready, Ready)
    assert ready.user == {} and ready.shard is None and ready.version is None


def test_bad_arguments_raise_value_errors_and_misuse_local_errors() -> None:
    with pytest.raises(ValueError, match="shard 2 of 2"):
        GatewayConfig(intents=1, shard_id=2, shard_count=2)
    with pytest.raises(ValueError, match="non-negative bitmask"):
        GatewayConfig(intents=-1)
    with pytest.raises(TypeError, match=r"intents must be an int bitmask.*got str"):
        GatewayConfig(intents="GUILDS")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got bool"):
        GatewayConfig(intents=True)
    with pytest.raises(ValueError, match="invalid_session_delay"):
        GatewayConfig(intents=1, invalid_session_delay=(3.0, 1.0))
    conn = make()
    with pytest.raises(ValueError, match="access token"):
        conn.connection_made("", 0.0)
    conn.connection_made("t", 0.0)
    with pytest.raises(LocalProtocolError):
        conn.connection_made("t", 0.0)


def test_close_sends_1000_and_is_terminal() -> None:
    conn = ready_conn()
    conn.close(5.0)
    assert sent(conn) == [CloseConnection(CLOSE_NORMAL, "client closing")]
    assert conn.events() == [Closed()]
    assert conn.state is State.CLOSED and conn.session_id is None
    conn.close(6.0)
    assert conn.events() == []
    conn.connection_lost(1000, "", 6.0)
    assert conn.events() == []


def test_close_while_disconnected_sends_nothing() -> None:
    conn = make()
    conn.close(0.0)
    assert sent(conn) == [] and conn.events() == [Closed()]


def test_will_resume_and_deadline_when_idle() -> None:
    conn = make()
    assert not conn.will_resume and conn.next_deadline() is None
    conn.handle_timer(10.0)
    assert ready_conn().will_resume


# ------------------------------------------------------------------ now last (old order deprecated)


def _drive_old(conn: GatewayConnection) -> list[Any]:
    """Every input that used to take ``now`` first, called the old way."""
    out: list[Any] = []
    conn.connection_made(0.0, "tok")  # type: ignore[arg-type]
    conn.receive_payload(HELLO, 0.0)
    conn.receive_payload(READY, 0.1)
    conn.connection_lost(1.0, 4009, "bye")  # type: ignore[arg-type]
    out += conn.events() + conn.data_to_send()
    conn.connection_failed(2.0, "refused")  # type: ignore[arg-type]
    conn.connection_made(3.0, access_token="tok")  # type: ignore[arg-type, call-arg, misc]
    conn.transport_failed(3.5, "bad frame")  # type: ignore[arg-type]
    out += conn.events() + conn.data_to_send()
    conn.connection_made(5.0, "tok")  # type: ignore[arg-type]
    conn.connection_lost(6.0)  # type: ignore[arg-type, call-arg]
    conn.connection_made(now=7.0, access_token="tok")
    conn.connection_lost(now=8.0, code=4999)  # type: ignore[call-arg]
    out += conn.events() + conn.data_to_send()
    return [*out, conn.state, conn.session_id, conn.seq]


def _drive_new(conn: GatewayConnection) -> list[Any]:
    out: list[Any] = []
    conn.connection_made("tok", 0.0)
    conn.receive_payload(HELLO, 0.0)
    conn.receive_payload(READY, 0.1)
    conn.connection_lost(4009, "bye", 1.0)
    out += conn.events() + conn.data_to_send()
    conn.connection_failed("refused", 2.0)
    conn.connection_made("tok", now=3.0)
    conn.transport_failed("bad frame", 3.5)
    out += conn.events() + conn.data_to_send()
    conn.connection_made("tok", 5.0)
    conn.connection_lost(None, "", 6.0)
    conn.connection_made(now=7.0, access_token="tok")
    conn.connection_lost(code=4999, reason="", now=8.0)
    out += conn.events() + conn.data_to_send()
    return [*out, conn.state, conn.session_id, conn.seq]


def test_now_is_last_and_the_old_order_still_works_with_a_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new order warns about nothing
        expected = _drive_new(make())
    with pytest.warns(DeprecationWarning) as caught:
        got = _drive_old(make())
    assert got == expected
    assert any(isinstance(o, Disconnected) and o.code == 4009 for o in got)
    messages = {str(w.message) for w in caught}
    assert messages == {
        "GatewayConnection.connection_made(now, ...) is deprecated: pass now last, as "
        "GatewayConnection.connection_made(access_token, now)",
        "GatewayConnection.connection_lost(now, ...) is deprecated: pass now last, as "
        "GatewayConnection.connection_lost(code, reason, now)",
        "GatewayConnection.connection_failed(now, ...) is deprecated: pass now last, as "
        "GatewayConnection.connection_failed(reason, now)",
        "GatewayConnection.transport_failed(now, ...) is deprecated: pass now last, as "
        "GatewayConnection.transport_failed(reason, now)",
    }
    assert len(caught) == 8  # not connection_made(now=, access_token=): keywords fit both
    assert all(w.filename == __file__ for w in caught)  # the warning points at the caller


def test_calls_in_neither_order_fail_as_python_would() -> None:
    conn = make()
    with pytest.raises(TypeError, match="now"):
        conn.connection_made("tok")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        conn.connection_lost(None, "")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        conn.connection_lost(1.0, 2.0, 3.0, 4.0)  # type: ignore[arg-type, call-arg]
    with pytest.raises(TypeError):
        conn.connection_made("tok", 0.0, extra=1)  # type: ignore[call-arg]
    assert conn.state is State.DISCONNECTED
