"""The simulator's gateway machine, driven by the client core's GatewayConnection in memory.

Doubles as a conformance test: what the client sends is what the server checks, and what the
server answers is what the client understands.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import (
    CloseConnection,
    Disconnected,
    Dispatch,
    DuplicateDropped,
    GatewayEvent,
    HeartbeatAcked,
    Hello,
    Ready,
    Resumed,
)
from qqproto.gateway._events import SendText as ClientSendText
from qqproto.gateway._intents import Intents
from qqproto.gateway._state import State
from qqproto.sim import (
    DEFAULT_APP_ID,
    DEFAULT_SECRET,
    EVENT_INTENTS,
    DropTransport,
    GatewayServer,
    Platform,
    SendClose,
    ServerText,
    intent_for_event,
)

PUBLIC = Intents.PUBLIC_GUILD_MESSAGES | Intents.GUILDS


class Pair:
    """A client GatewayConnection wired to the simulator's GatewayServer, in memory."""

    def __init__(
        self,
        platform: Platform | None = None,
        *,
        intents: int = int(PUBLIC),
        shard: tuple[int, int] = (0, 1),
        token: str | None = None,
    ) -> None:
        self.p = platform or Platform(rng=random.Random(1))
        self.now = 100.0
        self.token = token or self.p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, self.now)[0]
        cfg = GatewayConfig(
            intents=intents,
            shard_id=shard[0],
            shard_count=shard[1],
            first_heartbeat_jitter=False,
        )
        self.client = GatewayConnection(cfg, rng=random.Random(3))
        self.server: GatewayServer | None = None
        self.events: list[GatewayEvent] = []
        self.server_close: int | None = None
        self.client_close: int | None = None
        self.dropped = False

    def connect(self) -> GatewayServer:
        self.server = GatewayServer(self.p)
        self.server_close = self.client_close = None
        self.dropped = False
        self.server.connection_made(self.now)
        self.client.connection_made(self.token, self.now)
        self.pump()
        return self.server

    def pump(self) -> None:
        server = self.server
        assert server is not None
        progress = True
        while progress:
            progress = False
            for out in server.data_to_send():
                progress = True
                if self.server_close is not None or self.client_close is not None:
                    continue
                if isinstance(out, ServerText):
                    self.client.receive_payload(out.text, self.now)
                elif isinstance(out, SendClose):
                    self.server_close = out.code
                    self.client.connection_lost(out.code, out.reason, self.now)
                    server.connection_lost(out.code, self.now)
                else:
                    assert isinstance(out, DropTransport)
                    self.dropped = True
                    self.client.connection_lost(None, "", self.now)
                    server.connection_lost(None, self.now)
            for c_out in self.client.data_to_send():
                progress = True
                if self.server_close is not None or self.client_close is not None:
                    continue
                if isinstance(c_out, ClientSendText):
                    server.receive_message(c_out.text, self.now)
                else:
                    assert isinstance(c_out, CloseConnection)
                    self.client_close = c_out.code
                    server.connection_lost(c_out.code, self.now)
            self.events += self.client.events()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.client.handle_timer(self.now)
        if self.server is not None:
            self.server.handle_timer(self.now)
        self.pump()

    def take(self, kind: type[Any]) -> list[Any]:
        found = [e for e in self.events if isinstance(e, kind)]
        self.events = [e for e in self.events if not isinstance(e, kind)]
        return found


def raw(server: GatewayServer) -> list[Any]:
    """The server's outputs, texts decoded."""
    return [json.loads(o.text) if isinstance(o, ServerText) else o for o in server.data_to_send()]


def fresh(platform: Platform | None = None) -> tuple[Platform, GatewayServer, str]:
    p = platform or Platform(rng=random.Random(5))
    token = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 0.0)[0]
    server = GatewayServer(p)
    server.connection_made(0.0)
    return p, server, token


def send(server: GatewayServer, op: int, d: Any, now: float = 0.0) -> list[Any]:
    server.receive_message(json.dumps({"op": op, "d": d}), now)
    return raw(server)


# ------------------------------------------------------------------------------------ Identify


def test_hello_identify_ready_matches_the_protocol() -> None:
    pair = Pair()
    pair.connect()
    hello = pair.take(Hello)
    assert hello == [Hello(41.25)]
    (ready,) = pair.take(Ready)
    bot = pair.p.bot()
    assert ready.user == {"id": bot.user_id, "username": bot.username, "bot": True}
    assert ready.shard == (0, 1) and ready.version == 1 and ready.seq == 1
    assert pair.client.state is State.CONNECTED
    (record,) = pair.p.identifies_on(0)
    assert record.session_id == ready.session_id == pair.client.session_id
    assert record.intents == int(PUBLIC) and record.shard == (0, 1)
    assert pair.p.session_start_limit(bot, pair.now)["remaining"] == 999
    assert pair.p.live_session(0) is pair.p.sessions[ready.session_id]


def test_hello_frame_is_exactly_the_documented_one() -> None:
    p = Platform(rng=random.Random(0), heartbeat_interval_ms=45000)
    server = GatewayServer(p)
    server.connection_made(1.0)
    assert raw(server) == [{"op": 10, "d": {"heartbeat_interval": 45000}}]
    assert p.ws_connections == [1.0] and server.connection_id in p.connections


@pytest.mark.parametrize(
    ("token", "intents", "shard", "code"),
    [
        ("QQBot nope", 1, [0, 1], 4004),
        ("bare-token", 1, [0, 1], 4004),
        (None, 1, [0, 1], 4004),
        ("OK", 1 << 5, [0, 1], 4013),
        ("OK", "1", [0, 1], 4013),
        ("OK", -1, [0, 1], 4013),
        ("OK", int(Intents.GUILD_MESSAGES), [0, 1], 4014),
        ("OK", int(Intents.FORUMS_EVENT | Intents.GUILDS), [0, 1], 4014),
        ("OK", 1, [0, 2], 4010),
        ("OK", 1, [1, 1], 4010),
        ("OK", 1, [-1, 1], 4010),
        ("OK", 1, "0,1", 4010),
        ("OK", 1, [0], 4010),
    ],
)
def test_identify_checks_close_with_the_platform_codes(
    token: str | None, intents: Any, shard: Any, code: int
) -> None:
    p, server, good = fresh()
    raw(server)
    if token == "OK":
        token = f"QQBot {good}"
    out = send(server, 2, {"token": token, "intents": intents, "shard": shard})
    assert out == [SendClose(code, out[0].reason)]
    assert server.closed and server.close_code == code
    (record,) = p.identifies
    assert record.close_code == code and record.session_id is None
    assert p.identifies_on(0) == []
    assert not p.sessions
    # a closed connection ignores anything further
    assert send(server, 1, None) == []


@pytest.mark.parametrize(
    ("intents", "code", "fatal"),
    [
        (1 << 5, 4013, True),
        (int(Intents.GUILD_MESSAGES), 4014, True),
    ],
)
def test_client_core_reports_intent_refusals_as_fatal(intents: int, code: int, fatal: bool) -> None:
    pair = Pair(intents=intents)
    pair.connect()
    (gone,) = pair.take(Disconnected)
    assert gone.code == code and gone.fatal is fatal
    assert pair.server_close == code


def test_bad_token_makes_the_client_renew_it() -> None:
    pair = Pair(token="not-a-token")
    pair.connect()
    (gone,) = pair.take(Disconnected)
    assert gone.code == 4004 and gone.renew_token and not gone.fatal


def test_expired_token_fails_identify() -> None:
    p = Platform(rng=random.Random(2))
    pair = Pair(p)
    p.expire_tokens(pair.now)
    pair.connect()
    assert pair.server_close == 4004


def test_shard_must_match_the_configured_count() -> None:
    p = Platform(rng=random.Random(2))
    p.bot().shards = 2
    ok = Pair(p, shard=(1, 2))
    ok.connect()
    assert ok.take(Ready)[0].shard == (1, 2)
    bad = Pair(p, shard=(0, 1))
    bad.connect()
    assert bad.server_close == 4010


def test_missing_shard_means_zero_of_one() -> None:
    p, server, token = fresh()
    raw(server)
    out = send(server, 2, {"token": f"QQBot {token}", "intents": 1})
    assert out[0]["t"] == "READY" and out[0]["d"]["shard"] == [0, 1]
    p.bot().shards = 3
    _, server2, _ = fresh(p)
    raw(server2)
    assert send(server2, 2, {"token": f"QQBot {token}", "intents": 1})[0].code == 4010


def test_exhausted_session_budget_closes_with_4008_until_the_window_resets() -> None:
    p = Platform(rng=random.Random(2))
    bot = p.bot()
    bot.session_total = bot.session_remaining = 1
    first = Pair(p)
    first.connect()
    assert first.take(Ready)
    limit = p.gateway_bot(bot, first.now)["session_start_limit"]
    assert limit["remaining"] == 0 and limit["total"] == 1
    assert limit["reset_after"] == int(bot.reset_after * 1000)
    second = Pair(p)
    second.connect()
    assert second.server_close == 4008
    (refused,) = [r for r in p.identifies if r.close_code == 4008]
    assert refused.app_id == DEFAULT_APP_ID
    # after reset_after the budget refills
    late = Pair(p)
    late.now += bot.reset_after + 1
    late.token = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, late.now)[0]
    late.connect()
    assert late.take(Ready)
    assert p.session_start_limit(bot, late.now)["remaining"] == 0


def test_identify_twice_closes_4005_and_bad_payloads_close_4001_4002() -> None:
    p, server, token = fresh()
    raw(server)
    send(server, 2, {"token": f"QQBot {token}", "intents": 1, "shard": [0, 1]})
    assert send(server, 2, {"token": f"QQBot {token}", "intents": 1})[0].code == 4005

    _, s2, _ = fresh(p)
    raw(s2)
    s2.receive_message("{nope", 0.0)
    assert raw(s2)[0].code == 4002

    _, s3, _ = fresh(p)
    raw(s3)
    assert send(s3, 3, {})[0].code == 4001

    _, s4, _ = fresh(p)
    raw(s4)
    assert send(s4, 2, "token")[0].code == 4002

    _, s5, _ = fresh(p)
    raw(s5)
    assert send(s5, 6, ["x"])[0].code == 4002

    _, s6, _ = fresh(p)
    raw(s6)
    send(s6, 2, {"token": f"QQBot {token}", "intents": 1})
    assert send(s6, 6, {"token": f"QQBot {token}", "session_id": "x", "seq": 1})[0].code == 4005


def test_connection_that_never_identifies_is_closed() -> None:
    p = Platform(rng=random.Random(2), identify_timeout=10.0)
    server = GatewayServer(p)
    server.connection_made(5.0)
    raw(server)
    assert server.next_deadline() == 15.0
    server.handle_timer(14.9)
    assert raw(server) == []
    server.handle_timer(15.0)
    assert raw(server) == [SendClose(4009, "identify timeout")]
    assert server.next_deadline() is None
    no_timeout = GatewayServer(Platform(rng=random.Random(2), identify_timeout=None))
    no_timeout.connection_made(0.0)
    assert no_timeout.next_deadline() is None


# ------------------------------------------------------------------------------------ Heartbeats


def test_heartbeats_are_acked_and_recorded() -> None:
    pair = Pair()
    pair.connect()
    pair.advance(41.25)
    acks = pair.take(HeartbeatAcked)
    assert len(acks) == 1 and acks[0].latency == 0.0
    (hb,) = pair.p.heartbeats_on(0)
    assert hb.d == 1 and hb.acked and hb.app_id == DEFAULT_APP_ID


def test_heartbeat_before_identify_is_acked_too() -> None:
    p, server, _ = fresh()
    raw(server)
    assert send(server, 1, None) == [{"op": 11}]
    assert p.heartbeats[0].shard is None and p.heartbeats[0].d is None


def test_stop_acking_makes_the_client_see_a_zombie_and_resume() -> None:
    pair = Pair()
    pair.connect()
    session = pair.client.session_id
    pair.p.stop_acking(0)
    pair.advance(41.25)  # heartbeat sent, no ACK
    assert pair.take(HeartbeatAcked) == []
    assert pair.p.heartbeats[-1].acked is False
    pair.advance(41.25)  # next one due: the last was not acknowledged
    (gone,) = pair.take(Disconnected)
    assert gone.resume and "zombie" in gone.reason
    assert pair.client_close is not None
    pair.p.resume_acking(0)
    pair.now = gone.not_before or pair.now
    pair.connect()
    assert pair.take(Resumed) and pair.client.session_id == session
    pair.advance(41.25)
    assert pair.take(HeartbeatAcked)


def test_ack_switch_per_shard_and_global() -> None:
    p = Platform(rng=random.Random(0))
    p.stop_acking()
    assert not p.acks_heartbeats(None) and not p.acks_heartbeats(3)
    p.resume_acking(3)
    assert p.acks_heartbeats(3) and not p.acks_heartbeats(2)
    p.resume_acking()
    assert p.acks_heartbeats(2) and p.acks_heartbeats(3)


# ------------------------------------------------------------------------------------ Dispatch


def test_dispatch_carries_op_s_t_id_d_and_increasing_seq() -> None:
    p, server, token = fresh()
    raw(server)
    send(server, 2, {"token": f"QQBot {token}", "intents": int(PUBLIC), "shard": [0, 1]})
    first = p.inject_at_message("hi", 1.0)
    second = p.inject_at_message("again", 2.0)
    out = raw(server)
    assert [o["s"] for o in out] == [2, 3]
    assert out[0] == {
        "op": 0,
        "s": 2,
        "t": "AT_MESSAGE_CREATE",
        "id": first.event_id,
        "d": first.data,
    }
    assert first.event_id.startswith("AT_MESSAGE_CREATE:") and out[1]["id"] == second.event_id
    assert first.deliveries[0].seq == 2 and first.deliveries[0].live


def test_only_subscribed_events_are_delivered() -> None:
    pair = Pair(intents=int(Intents.PUBLIC_GUILD_MESSAGES))
    pair.connect()
    pair.take(Ready)
    p = pair.p
    skipped = p.inject_group_at_message("not for you", pair.now)
    assert skipped.deliveries == ()
    p.inject_at_message("for you", pair.now)
    p.inject("SOME_FUTURE_EVENT", {"x": 1}, pair.now)
    p.inject("GUILD_CREATE", {"id": "1"}, pair.now)
    pair.pump()
    names = [(e.name, e.seq) for e in pair.take(Dispatch)]
    assert names == [("AT_MESSAGE_CREATE", 2), ("SOME_FUTURE_EVENT", 3)]


def test_event_intent_table_matches_the_protocol() -> None:
    assert intent_for_event("AT_MESSAGE_CREATE") == 1 << 30
    assert intent_for_event("C2C_MESSAGE_CREATE") == 1 << 25
    assert intent_for_event("GROUP_AT_MESSAGE_CREATE") == 1 << 25
    assert intent_for_event("DIRECT_MESSAGE_CREATE") == 1 << 12
    assert intent_for_event("INTERACTION_CREATE") == 1 << 26
    assert intent_for_event("MESSAGE_CREATE") == 1 << 9
    assert intent_for_event("FORUM_THREAD_CREATE") == 1 << 28
    assert intent_for_event("OPEN_FORUM_THREAD_CREATE") == 1 << 18
    assert intent_for_event("AUDIO_ON_MIC") == 1 << 29
    assert intent_for_event("NOT_AN_EVENT") is None
    assert all(bit & int(Intents.all()) == bit for bit in EVENT_INTENTS.values())


def test_every_fixture_event_has_an_intent() -> None:
    from _fixtures import EVENTS

    for path in EVENTS.glob("*.json"):
        if path.stem in ("READY", "RESUMED"):
            continue
        assert intent_for_event(path.stem) is not None, path.stem


def test_routing_by_guild_to_the_owning_shard() -> None:
    p = Platform(rng=random.Random(4))
    p.bot().shards = 2
    pairs = [Pair(p, shard=(i, 2), intents=int(Intents.GUILDS)) for i in range(2)]
    for pair in pairs:
        pair.connect()
        pair.take(Ready)
    guild_on_1 = str((1 << 22) * 3)  # (id >> 22) % 2 == 1
    assert p.shard_of(guild_on_1, 2) == 1 and p.shard_of("18700000000001", 2) == 1
    assert p.shard_of("not-a-number", 2) == 0 and p.shard_of("-5", 2) == 0
    p.inject("GUILD_UPDATE", {"id": guild_on_1, "guild_id": guild_on_1}, 0.0)
    p.inject("GUILD_UPDATE", {"name": "no guild id"}, 0.0)
    p.inject("GUILD_UPDATE", {"x": 1}, 0.0, shard=1)
    everywhere = p.inject("GUILD_UPDATE", {"x": 2}, 0.0, all_shards=True)
    assert sorted(d.shard for d in everywhere.deliveries) == [0, 1]
    for pair in pairs:
        pair.pump()
    got = [[e.data for e in pair.take(Dispatch)] for pair in pairs]
    assert got[0] == [{"name": "no guild id"}, {"x": 2}]
    assert got[1] == [{"id": guild_on_1, "guild_id": guild_on_1}, {"x": 1}, {"x": 2}]


def test_inject_with_an_explicit_event_id_and_no_session() -> None:
    p = Platform(rng=random.Random(4))
    injected = p.inject("GUILD_CREATE", {"id": "1"}, 0.0, event_id="E1")
    assert injected.event_id == "E1" and injected.deliveries == ()
    assert p.injected[-1] is injected


# ------------------------------------------------------------------------------------ Resume


def test_resume_replays_missed_events_exactly_once_in_order_then_resumed() -> None:
    pair = Pair()
    pair.connect()
    pair.take(Ready)
    p = pair.p
    first = [p.inject_at_message(f"live {i}", pair.now) for i in range(3)]
    pair.pump()
    assert [e.event_id for e in pair.take(Dispatch)] == [i.event_id for i in first]
    # the transport drops; events keep coming and wait in the session's buffer
    p.drop_shard(0)
    pair.pump()
    assert pair.dropped
    (gone,) = pair.take(Disconnected)
    assert gone.resume
    missed = [p.inject_at_message(f"missed {i}", pair.now) for i in range(3)]
    assert all(not i.deliveries[0].live for i in missed)
    assert [i.deliveries[0].seq for i in missed] == [5, 6, 7]
    pair.now = gone.not_before or pair.now
    pair.connect()
    got = pair.events
    dispatches = [e for e in got if isinstance(e, Dispatch)]
    assert [(d.seq, d.event_id, d.data) for d in dispatches] == [
        (i.deliveries[0].seq, i.event_id, i.data) for i in missed
    ]
    assert isinstance(got[-1], Resumed) and got[-1].seq == 7
    assert not [e for e in got if isinstance(e, DuplicateDropped)]
    (resume,) = p.resumes_on(0)
    assert resume.replayed == 3 and resume.seq == 4 and resume.outcome == "resumed"
    assert pair.client.state is State.CONNECTED
    # new events flow live again
    later = p.inject_at_message("after", pair.now)
    pair.events = []
    pair.pump()
    assert [d.seq for d in pair.take(Dispatch)] == [8] and later.deliveries[0].live


def test_resume_from_an_older_seq_replays_from_there() -> None:
    p, server, token = fresh()
    raw(server)
    ready = send(server, 2, {"token": f"QQBot {token}", "intents": int(PUBLIC), "shard": [0, 1]})[0]
    for i in range(4):
        p.inject_at_message(str(i), 0.0)
    raw(server)
    server.connection_lost(None, 1.0)
    _, again, _ = fresh(p)
    raw(again)
    resume = {"token": f"QQBot {token}", "session_id": ready["d"]["session_id"], "seq": 3}
    out = send(again, 6, resume)
    assert [(o["s"], o["t"]) for o in out] == [
        (4, "AT_MESSAGE_CREATE"),
        (5, "AT_MESSAGE_CREATE"),
        (5, "RESUMED"),
    ]
    assert out[-1] == {"op": 0, "s": 5, "t": "RESUMED", "d": ""}


def test_resume_unknown_session_gets_op9_then_4006_and_the_client_identifies() -> None:
    pair = Pair()
    pair.connect()
    pair.take(Ready)
    pair.p.sessions.clear()  # the platform forgot the session
    assert pair.p.drop_shard(None) == 0  # no session, so no shard to find
    assert pair.server is not None
    pair.server.abort()
    pair.pump()
    (gone,) = pair.take(Disconnected)
    pair.now = gone.not_before or pair.now
    pair.connect()
    (invalid,) = pair.take(Disconnected)
    assert not invalid.resume and pair.client.session_id is None
    assert pair.p.resumes[-1].outcome == "invalid_session"
    pair.now = invalid.not_before or pair.now
    pair.connect()
    assert pair.take(Ready)


def test_resume_raw_checks() -> None:
    p, server, token = fresh()
    raw(server)
    sid = send(server, 2, {"token": f"QQBot {token}", "intents": int(PUBLIC), "shard": [0, 1]})[0][
        "d"
    ]["session_id"]
    server.connection_lost(None, 1.0)

    def resume(d: Any) -> list[Any]:
        _, s, _ = fresh(p)
        raw(s)
        return send(s, 6, d)

    auth = f"QQBot {token}"
    assert resume({"token": "QQBot x", "session_id": sid, "seq": 1})[0].code == 4004
    assert resume({"token": auth, "session_id": sid, "seq": 9})[0].code == 4007
    assert resume({"token": auth, "session_id": sid, "seq": "1"})[0].code == 4007
    assert resume({"token": auth, "session_id": 5, "seq": 1}) == [
        {"op": 9, "d": False},
        SendClose(4006, "invalid session"),
    ]
    ok = resume({"token": auth, "session_id": sid, "seq": None})
    assert ok[-1]["t"] == "RESUMED"
    outcomes = [r.outcome for r in p.resumes]
    assert outcomes == ["closed:4004", "closed:4007", "closed:4007", "invalid_session", "resumed"]


def test_resume_of_another_bots_session_is_invalid() -> None:
    p, server, token = fresh()
    raw(server)
    sid = send(server, 2, {"token": f"QQBot {token}", "intents": 1})[0]["d"]["session_id"]
    p.add_bot("2", "other-secret")
    other = p.issue_token("2", "other-secret", 0.0)[0]
    _, s, _ = fresh(p)
    raw(s)
    assert send(s, 6, {"token": f"QQBot {other}", "session_id": sid, "seq": 1})[0] == {
        "op": 9,
        "d": False,
    }


def test_resume_after_buffer_eviction_is_refused() -> None:
    p = Platform(rng=random.Random(3), replay_buffer=2)
    p.close_after_invalid_session = None
    _, server, token = fresh(p)
    raw(server)
    sid = send(server, 2, {"token": f"QQBot {token}", "intents": int(PUBLIC)})[0]["d"]["session_id"]
    server.connection_lost(None, 0.0)
    for i in range(4):  # seq 2..5, only 4 and 5 kept
        p.inject_at_message(str(i), 0.0)
    session = p.sessions[sid]
    assert [e.seq for e in session.buffer] == [4, 5] and session.evicted_upto == 3
    _, s, _ = fresh(p)
    raw(s)
    ok = send(s, 6, {"token": f"QQBot {token}", "session_id": sid, "seq": 3})
    assert [o["s"] for o in ok] == [4, 5, 5]
    s.connection_lost(None, 0.0)
    _, s2, _ = fresh(p)
    raw(s2)
    assert send(s2, 6, {"token": f"QQBot {token}", "session_id": sid, "seq": 1}) == [
        {"op": 9, "d": False}
    ]
    assert sid not in p.sessions and not s2.closed


def test_resume_takes_over_a_live_connection() -> None:
    p, old, token = fresh()
    raw(old)
    sid = send(old, 2, {"token": f"QQBot {token}", "intents": 1})[0]["d"]["session_id"]
    _, new, _ = fresh(p)
    raw(new)
    assert send(new, 6, {"token": f"QQBot {token}", "session_id": sid, "seq": 1})[-1]["t"] == (
        "RESUMED"
    )
    assert raw(old) == [SendClose(4009, "session resumed elsewhere")]
    assert p.sessions[sid].connection is new


def test_second_identify_on_a_shard_supersedes_the_old_session() -> None:
    p, old, token = fresh()
    raw(old)
    first = send(old, 2, {"token": f"QQBot {token}", "intents": 1})[0]["d"]["session_id"]
    _, new, _ = fresh(p)
    raw(new)
    send(new, 2, {"token": f"QQBot {token}", "intents": 1})
    assert raw(old) == [SendClose(4009, "session superseded")]
    assert first not in p.sessions and len(p.sessions) == 1


# ------------------------------------------------------------------------------------ Scripted


def test_op7_makes_the_client_resume() -> None:
    pair = Pair()
    pair.connect()
    pair.take(Ready)
    assert pair.p.reconnect_shard(0) == 1
    pair.pump()
    (gone,) = pair.take(Disconnected)
    assert gone.resume and "op 7" in gone.reason
    pair.now = gone.not_before or pair.now
    pair.connect()
    assert pair.take(Resumed)


def test_op7_and_op9_raw_frames() -> None:
    p, server, token = fresh()
    raw(server)
    send(server, 2, {"token": f"QQBot {token}", "intents": 1})
    raw(server)
    assert p.reconnect_shard(0, close_code=None) == 1
    assert raw(server) == [{"op": 7}]
    assert p.invalidate_session(0, close_code=None) == 1
    assert raw(server) == [{"op": 9, "d": False}]
    assert not p.sessions and server.session is None
    # nothing reaches a connection without a session any more
    assert p.reconnect_shard(0) == 0 and p.close_shard(0) == 0 and p.drop_shard(0) == 0


def test_op9_makes_the_client_identify_anew() -> None:
    pair = Pair()
    pair.connect()
    old = pair.take(Ready)[0].session_id
    pair.p.invalidate_session(0)
    pair.pump()
    (gone,) = pair.take(Disconnected)
    assert not gone.resume
    pair.now = gone.not_before or pair.now
    pair.connect()
    (ready,) = pair.take(Ready)
    assert ready.session_id != old


@pytest.mark.parametrize(("code", "resume"), [(4009, True), (4006, False), (4900, False)])
def test_close_shard_with_any_code(code: int, resume: bool) -> None:
    pair = Pair()
    pair.connect()
    pair.take(Ready)
    assert pair.p.close_shard(0, code, "bye") == 1
    pair.pump()
    (gone,) = pair.take(Disconnected)
    assert gone.code == code and gone.resume is resume
    assert pair.p.live_session(0) is None


def test_closed_or_dropped_connections_ignore_scripts() -> None:
    _, server, token = fresh()
    raw(server)
    send(server, 2, {"token": f"QQBot {token}", "intents": 1})
    raw(server)
    server.abort()
    assert raw(server) == [DropTransport()]
    server.abort()
    server.close(4000)
    server.send_reconnect(4009)
    server.send_invalid_session(4006)
    server.receive_message('{"op":1}', 0.0)
    assert raw(server) == []
    assert repr(server).startswith("<GatewayServer #")


def test_bot_lookup_errors() -> None:
    from qqproto._errors import LocalProtocolError

    p = Platform(rng=random.Random(0), default_world=False)
    with pytest.raises(LocalProtocolError):
        p.bot()
    with pytest.raises(LocalProtocolError):
        p.bot("missing")
    with pytest.raises(ValueError, match="non-empty app_id"):
        p.add_bot("", "x")
    with pytest.raises(ValueError, match="shards"):
        p.add_bot("1", "x", shards=0)
    with pytest.raises(ValueError, match="token_lifetime"):
        Platform(rng=random.Random(0), token_lifetime=30)
    with pytest.raises(ValueError, match="heartbeat_interval_ms"):
        Platform(rng=random.Random(0), heartbeat_interval_ms=0)
    with pytest.raises(ValueError, match="replay_buffer"):
        Platform(rng=random.Random(0), replay_buffer=-1)
