"""The simulated world's smaller rules: defaults, lookups, event bodies and routing helpers."""

from __future__ import annotations

import json
import random

import pytest
from _fixtures import event

from qqproto._errors import LocalProtocolError
from qqproto.sim import GatewayServer, Platform, ServerText
from qqproto.sim._events import at_message, rfc3339
from qqproto.sim._world import SimBot, SimSession, as_int


def test_event_bodies_follow_the_fixtures() -> None:
    p = Platform(rng=random.Random(0))
    for name, injected in (
        ("AT_MESSAGE_CREATE", p.inject_at_message("x", 0.0)),
        ("GROUP_AT_MESSAGE_CREATE", p.inject_group_at_message("x", 0.0)),
        ("C2C_MESSAGE_CREATE", p.inject_c2c_message("x", 0.0)),
        ("DIRECT_MESSAGE_CREATE", p.inject_direct_message("x", 0.0)),
    ):
        fixture = event(name)["d"]
        assert set(fixture) <= set(injected.data), name
        assert set(fixture["author"]) <= set(injected.data["author"]), name
        assert injected.data["timestamp"] == rfc3339(p.epoch)


def test_at_message_without_mention() -> None:
    d = at_message(
        message_id="m",
        content="plain",
        channel_id="c",
        guild_id="g",
        user_id="u",
        username="n",
        wall=0.0,
        seq=1,
    )
    assert d["content"] == "plain" and "mentions" not in d
    p = Platform(rng=random.Random(0))
    assert p.inject_at_message("hi", 0.0, mention=False).data["content"] == "hi"
    assert rfc3339(0.0) == "1970-01-01T08:00:00+08:00"


def test_simulated_users_are_created_on_demand() -> None:
    p = Platform(rng=random.Random(0), default_world=False)
    p.add_bot("1", "s")
    with pytest.raises(LocalProtocolError, match="channel"):
        p.inject_at_message("x", 0.0)
    p.add_guild("5", "g")
    injected = p.inject_at_message("x", 0.0, channel_id="77", user_id="new-user")
    assert injected.data["guild_id"] == "5" and p.users["new-user"].username == "usernew-user"
    empty = Platform(rng=random.Random(0), default_world=False)
    empty.add_bot("1", "s")
    c2c = empty.inject_c2c_message("x", 0.0)
    assert c2c.data["author"]["user_openid"] == "E4F4AEA33253A2797FB897C50B81D7ED"
    with pytest.raises(LocalProtocolError, match="group"):
        empty.inject_group_at_message("x", 0.0)


def test_dm_sessions_are_per_user_and_source_guild() -> None:
    p = Platform(rng=random.Random(0))
    a = p.dm_session("1", "g1")
    assert p.dm_session("1", "g1") == a
    assert p.dm_session("1", "g2") != a and p.dm_session("2", "g1") != a


def test_session_wants_and_bot_defaults() -> None:
    session = SimSession("s", "a", 0, 1, 0, 0.0, 10)
    assert session.wants("READY") and session.wants("RESUMED") and session.wants("NEW_THING")
    assert not session.wants("AT_MESSAGE_CREATE")
    assert SimBot("a", "s", "1", "b", session_remaining=3).session_remaining == 3
    assert SimBot("a", "s", "1", "b", session_total=9).session_remaining == 9


def test_scripts_reach_only_the_chosen_bot_and_shard() -> None:
    p = Platform(rng=random.Random(0))
    p.bot().shards = 2
    other = p.add_bot("2", "other")
    servers = {}
    bots = (
        ("102000000", p.bot().secret, [0, 2]),
        ("102000000", p.bot().secret, [1, 2]),
        ("2", "other", [0, 1]),
    )
    for app_id, secret, shard in bots:
        token = p.issue_token(app_id, secret, 0.0)[0]
        server = GatewayServer(p)
        server.connection_made(0.0)
        identify = {"op": 2, "d": {"token": f"QQBot {token}", "intents": 1, "shard": shard}}
        server.receive_message(json.dumps(identify), 0.0)
        server.data_to_send()
        servers[(app_id, shard[0])] = server
    assert p.close_shard(1) == 1
    assert servers[("102000000", 1)].closed and not servers[("102000000", 0)].closed
    assert p.close_shard(None, app_id=other.app_id) == 1
    assert servers[("2", 0)].closed and not servers[("102000000", 0)].closed


def test_invalid_session_on_a_connection_without_session() -> None:
    p = Platform(rng=random.Random(0))
    server = GatewayServer(p)
    server.connection_made(0.0)
    server.data_to_send()
    server.send_invalid_session(None)
    assert server.data_to_send() == [ServerText('{"op":9,"d":false}')]


def test_as_int() -> None:
    assert as_int(3) == 3 and as_int(" 4 ") == 4
    assert as_int(True) is None and as_int("x") is None and as_int(1.5) is None
