"""The simulator's typed injectors for ENTER_AIO, SUBSCRIBE_MESSAGE_STATUS, the mic events and
group member events: payloads, intents, and the client's typed handlers receiving them."""

from __future__ import annotations

import random
from typing import Any

import anyio
import pytest
from _sim_api import OPENID

from qqproto.client import Context, EventHandler
from qqproto.gateway._intents import Intents
from qqproto.models import parse_event
from qqproto.sim import Platform, Simulator


def world(intents: int) -> Platform:
    p = Platform(rng=random.Random(2))
    bot = p.bot()
    bot.allowed_intents = intents
    p.start_session(bot, (0, 1), intents, 1.0)
    return p


def test_payloads_and_intents() -> None:
    every = int(Intents.ENTER_AIO | Intents.GROUP_AND_C2C_EVENT | Intents.AUDIO_ACTION)
    p = world(every | int(Intents.GROUP_MEMBERS))
    aio = p.inject_enter_aio(2.0, from_source="search")
    assert aio.name == "ENTER_AIO" and aio.data == {"user_openid": OPENID, "from_source": "search"}
    sub = p.inject_subscribe_message_status(2.0)
    assert sub.data["openid"] == OPENID and sub.data["result"][0]["op"] == 1
    on = p.inject_mic(True, 2.0)
    assert on.name == "AUDIO_ON_MIC"
    assert on.data == {"guild_id": "18700000000001", "channel_id": "100010", "user_id": "1234"}
    assert p.inject_mic(False, 2.0, short_name=True).name == "OFF_MIC"
    joined = p.inject_group_member(True, 2.0, op_member_openid="OP")
    assert joined.name == "GROUP_MEMBER_ADD" and joined.data["op_member_openid"] == "OP"
    assert p.inject_group_member(False, 2.0).name == "GROUP_MEMBER_REMOVE"
    assert all(len(i.deliveries) == 1 for i in p.injected)
    for injected in p.injected:  # each decodes to its typed model
        assert type(parse_event(injected.name, injected.data, event_id="e")).__name__ != (
            "UnknownEvent"
        )


@pytest.mark.parametrize(
    ("intent", "inject"),
    [
        (Intents.ENTER_AIO, lambda p: p.inject_enter_aio(2.0)),
        (Intents.AUDIO_ACTION, lambda p: p.inject_mic(True, 2.0, short_name=True)),
        (Intents.GROUP_AND_C2C_EVENT, lambda p: p.inject_subscribe_message_status(2.0)),
        (Intents.GROUP_MEMBERS, lambda p: p.inject_group_member(True, 2.0)),
    ],
)
def test_sessions_without_the_intent_miss_the_event(intent: Intents, inject: Any) -> None:
    assert len(inject(world(int(intent))).deliveries) == 1
    assert inject(world(int(Intents.GUILDS))).deliveries == ()


class Seen(EventHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    async def on_enter_aio(self, ctx: Context, event: Any) -> None:
        self.events.append(("aio", event.user_openid))

    async def on_audio_on_mic(self, ctx: Context, event: Any) -> None:
        self.events.append(("mic", event.channel_id))

    async def on_subscribe_message_status(self, ctx: Context, event: Any) -> None:
        self.events.append(("sub", event.openid))


@pytest.mark.anyio
async def test_the_client_gets_them(anyio_backend: str) -> None:
    intents = int(Intents.default() | Intents.ENTER_AIO | Intents.AUDIO_ACTION)
    async with Simulator.for_current_loop(allowed_intents=intents) as sim:
        handler = Seen()
        async with sim.run(handler, intents=intents):
            sim.inject_enter_aio()
            sim.inject_mic(True, short_name=True)
            sim.inject_subscribe_message_status()
            with anyio.fail_after(5):
                while len(handler.events) < 3:
                    await anyio.sleep(0.01)
        assert handler.events == [("aio", OPENID), ("mic", "100010"), ("sub", OPENID)]
