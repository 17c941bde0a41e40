"""End-to-end, issue 12: the real clients (asyncio and trio) against the embedded simulator, for
the new events (ENTER_AIO, SUBSCRIBE_MESSAGE_STATUS), the ON_MIC/OFF_MIC spellings reaching the
AUDIO_ON_MIC/AUDIO_OFF_MIC handlers, a reply to GROUP_MEMBER_ADD by ``event_id``, channel history
with each anchor, the setting guides and the deprecated webhook-session routes.

The injected payloads follow botgo's DTOs (``dto.EnterAIO``, ``dto.SubscribeMessageStatusData``)
and NoneBot's ``GroupMemberAddEvent``; the audio one the platform docs' ``AudioAction``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import Recording, sim_client, until, wait

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator

pytestmark = pytest.mark.anyio

OPENID = "E4F4AEA33253A2797FB897C50B81D7ED"
GROUP = "C9F778FE6ADF9D1D1DBE395BF744A33A"


@asynccontextmanager
async def running(qq: ModuleType, sim: Simulator, handler: Any) -> AsyncIterator[Any]:
    intents = qq.Intents.all() & ~qq.Intents.GUILD_MESSAGES & ~qq.Intents.FORUMS_EVENT
    client = sim_client(qq, sim, handler, intents=intents, identify_window=0.5)
    async with anyio.create_task_group() as tg:
        tg.start_soon(client.start)
        await wait(sim.wait_for_session, 0)
        yield client
        tg.cancel_scope.cancel()


def everything_allowed() -> Any:
    """A simulator whose bot may ask for every intent (ENTER_AIO and GROUP_MEMBERS included)."""
    from qqproto.gateway import Intents

    return Simulator.in_thread(allowed_intents=int(Intents.all()))


class Watcher(Recording):
    """Records the new events; answers a group member's arrival with a welcome."""

    def __init__(self, qq: ModuleType) -> None:
        super().__init__()

        class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
            async def on_enter_aio(h, ctx: Any, event: Any) -> None:
                self.events.append(("enter_aio", event))

            async def on_subscribe_message_status(h, ctx: Any, event: Any) -> None:
                self.events.append(("subscribe", event))

            async def on_audio_on_mic(h, ctx: Any, event: Any) -> None:
                self.events.append(("on_mic", event))

            async def on_audio_off_mic(h, ctx: Any, event: Any) -> None:
                self.events.append(("off_mic", event))

            async def on_group_member_add(h, ctx: Any, event: Any) -> None:
                self.events.append(("member_add", event))
                await event.reply(ctx, content="welcome!")

            async def on_error(h, ctx: Any, error: BaseException) -> None:
                self.errors.append(error)

        self.handler = Handler()


async def test_enter_aio_and_subscribe_status_reach_their_handlers(qq: ModuleType) -> None:
    from qqproto.models import EnterAIOEvent, SubscribeMessageStatusEvent

    rec = Watcher(qq)
    with everything_allowed() as sim:
        async with running(qq, sim, rec.handler):
            sim.inject("ENTER_AIO", {"user_openid": OPENID, "from_source": "profile"})
            result = {
                "template_id": 1001,
                "custom_template_id": "",
                "op": 1,
                "subscribe_id": "sub-1",
                "update_ts": 1700000000,
            }
            sim.inject(
                "SUBSCRIBE_MESSAGE_STATUS",
                {"group_openid": "", "openid": OPENID, "result": [result]},
                event_id="SUBSCRIBE_MESSAGE_STATUS:1",
            )
            (aio,) = await until(lambda: rec.kinds("enter_aio"))
            (status,) = await until(lambda: rec.kinds("subscribe"))
    assert isinstance(aio, EnterAIOEvent)
    assert aio.user_openid == OPENID and aio.from_source == "profile" and aio.event_id
    assert isinstance(status, SubscribeMessageStatusEvent)
    assert status.openid == OPENID and status.event_id == "SUBSCRIBE_MESSAGE_STATUS:1"
    assert status.result is not None and status.result[0].op == 1
    assert rec.errors == []


async def test_on_mic_reaches_the_audio_on_mic_handler(qq: ModuleType) -> None:
    from qqproto.models import AudioEvent

    rec = Watcher(qq)
    with everything_allowed() as sim:
        async with running(qq, sim, rec.handler):
            # botpy's and botrs's spelling, then the documented one, then the two "off"s
            sim.inject("ON_MIC", {"guild_id": "g1", "channel_id": "c-botpy"})
            sim.inject("AUDIO_ON_MIC", {"guild_id": "g1", "channel_id": "c-docs"})
            sim.inject("OFF_MIC", {"guild_id": "g1", "channel_id": "c-botpy"})
            sim.inject("AUDIO_OFF_MIC", {"guild_id": "g1", "channel_id": "c-docs"})
            on = await until(lambda: len(rec.kinds("on_mic")) == 2 and rec.kinds("on_mic"))
            off = await until(lambda: len(rec.kinds("off_mic")) == 2 and rec.kinds("off_mic"))
    assert all(isinstance(e, AudioEvent) for e in (*on, *off))
    assert sorted(e.channel_id for e in on) == ["c-botpy", "c-docs"]
    assert sorted(e.channel_id for e in off) == ["c-botpy", "c-docs"]
    assert rec.errors == []


async def test_a_group_member_add_is_answered_by_event_id(qq: ModuleType) -> None:
    rec = Watcher(qq)
    with everything_allowed() as sim:
        async with running(qq, sim, rec.handler):
            injected = sim.inject(
                "GROUP_MEMBER_ADD",
                {
                    "group_openid": GROUP,
                    "member_openid": OPENID,
                    "op_member_openid": OPENID,
                    "timestamp": 1700000000,
                },
            )
            sent = await wait(sim.wait_for_message, scene="group", contains="welcome!")
    (event,) = rec.kinds("member_add")
    assert event.event_id == injected.event_id
    assert sent.target_id == GROUP
    assert sent.event_id == injected.event_id and sent.msg_id is None
    assert sent.reply_to == injected.event_id and sent.msg_seq == 1
    assert rec.errors == []


# -- history ------------------------------------------------------------------------------------


async def test_history_with_each_anchor(qq: ModuleType) -> None:
    from qqproto.models import Message

    rec = Watcher(qq)
    with everything_allowed() as sim:
        async with running(qq, sim, rec.handler) as client:
            channel = sim.call(lambda p: next(iter(p.channels)))
            said = [sim.inject_at_message(f"line {i}", channel_id=channel) for i in range(7)]
            ids = [injected.data["id"] for injected in said]
            api = client.api
            latest = await api.get_messages(channel)
            before = await api.get_messages(channel, before=ids[5], limit=3)
            after = await api.get_messages(channel, after=ids[1], limit=2)
            around = await api.get_messages(channel, around=ids[3], limit=4)
            with pytest.raises(ValueError, match="at most one"):
                await api.get_messages(channel, before=ids[5], after=ids[1])
            requests = [
                r.target for r in sim.rest_log() if r.target.startswith(f"/channels/{channel}/")
            ]
    assert all(type(m) is Message for m in (*latest, *before, *after, *around))
    assert [m.id for m in latest] == ids
    assert [(m.content or "").split("> ")[-1] for m in latest] == [f"line {i}" for i in range(7)]
    assert [m.id for m in before] == ids[2:5]
    assert [m.id for m in after] == ids[2:4]
    assert ids[3] in [m.id for m in around] and len(around) == 4
    assert all(m.channel_id == channel for m in around)
    assert requests == [
        f"/channels/{channel}/messages?limit=20",
        f"/channels/{channel}/messages?before={ids[5]}&limit=3",
        f"/channels/{channel}/messages?after={ids[1]}&limit=2",
        f"/channels/{channel}/messages?around={ids[3]}&limit=4",
    ]  # the refused call never reached the platform


# -- setting guides and the deprecated webhook sessions -----------------------------------------


async def test_setting_guides_reach_the_platform(qq: ModuleType) -> None:
    rec = Watcher(qq)
    with everything_allowed() as sim:
        async with running(qq, sim, rec.handler) as client:
            channel = sim.call(lambda p: next(iter(p.channels)))
            assert await client.api.post_setting_guide(channel, at_user_ids=["u1"]) is None
            assert await client.api.post_dms_setting_guide("dm-g", jump_guild_id="g1") is None
            guides = sim.setting_guides()
    assert [(g.scene, g.target_id, dict(g.body)) for g in guides] == [
        ("channel", channel, {"content": "<@u1>"}),
        ("dms", "dm-g", {"setting_guide": {"guild_id": "g1"}}),
    ]


async def test_webhook_sessions_round_trip(qq: ModuleType) -> None:
    from qqproto.models import WebhookSession, WebhookSessionReady

    rec = Watcher(qq)
    with everything_allowed() as sim:
        async with running(qq, sim, rec.handler) as client:
            api = client.api
            ready = await api.create_webhook_session("https://bot.example/qq", 1 << 30)
            listed = await api.get_webhook_sessions()
            checked = await api.check_webhook_sessions()
            assert await api.delete_webhook_session(ready.session_id) is None
            after = await api.get_webhook_sessions()
            methods = [
                (r.method, r.target, r.status)
                for r in sim.rest_log()
                if r.target.startswith("/gateway/webhook/")
            ]
    assert isinstance(ready, WebhookSessionReady) and ready.session_id
    assert ready.shard == (0, 1) and ready.bot is not None and ready.bot.id
    (session,) = listed
    assert isinstance(session, WebhookSession) and checked == listed
    assert session.session_id == ready.session_id and session.app_id == sim.app_id
    assert session.callback_url == "https://bot.example/qq" and session.intents == 1 << 30
    assert after == ()
    assert methods == [
        ("POST", "/gateway/webhook/sessions", 200),
        ("GET", "/gateway/webhook/sessions", 200),
        ("PATCH", "/gateway/webhook/sessions?action=check", 200),
        ("DELETE", f"/gateway/webhook/sessions/{ready.session_id}", 204),
        ("GET", "/gateway/webhook/sessions", 200),
    ]
