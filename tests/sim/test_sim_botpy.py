"""Faithfulness check: the official botpy SDK runs against the simulator, host names aside.

Only botpy's hosts are redirected (the simulator speaks plain HTTP on loopback, so the scheme
goes with them): ``Route.DOMAIN``/``Route.SCHEME`` for the REST API, and the token URL that
``botpy/robot.py`` hard-codes. The gateway URL comes from ``GET /gateway/bot`` as usual. botpy
then logs in, connects, gets READY, receives @-messages, replies (recorded by the simulator),
heartbeats, and resumes after op 7.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from qqbot_asyncio.simulator import ThreadedSimulator

_root_handlers = list(logging.root.handlers)
pytest.importorskip("botpy")
logging.root.handlers[:] = _root_handlers  # botpy calls logging.basicConfig on import

import botpy  # type: ignore[import-untyped]  # noqa: E402
from botpy import http as botpy_http  # noqa: E402
from botpy import robot as botpy_robot  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _botpy_hosts import TokenHost  # noqa: E402  (one redirection, shared with the benchmark)

pytest_plugins = ["qqbot_asyncio.pytest_plugin"]
pytestmark = [
    # botpy builds bare ssl.SSLContext() objects (deprecated); not ours to fix
    pytest.mark.filterwarnings("ignore:ssl.SSLContext:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ssl.PROTOCOL_TLS:DeprecationWarning"),
]


def test_botpy_connects_gets_ready_replies_and_resumes(
    qq_sim: ThreadedSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(botpy_http.Route, "DOMAIN", f"127.0.0.1:{qq_sim.port}")
    monkeypatch.setattr(botpy_http.Route, "SCHEME", "http")
    monkeypatch.setattr(botpy_robot, "aiohttp", TokenHost(qq_sim.token_url))
    # botpy waits round(5 / max_concurrency) s before reconnecting; keep the resume quick
    qq_sim.call(lambda p: setattr(p.bot(), "max_concurrency", 5))
    threads_before = set(threading.enumerate())

    class EchoBot(botpy.Client):  # type: ignore[misc]
        async def on_ready(self) -> None:
            self.became_ready.set()

        async def on_at_message_create(self, message: Any) -> None:
            await message.reply(content=f"echo: {message.content}")

        async def on_group_at_message_create(self, message: Any) -> None:
            await message.reply(content=f"group echo:{message.content}")

        async def on_c2c_message_create(self, message: Any) -> None:
            await message.reply(content="c2c echo", msg_seq=1)

    async def main() -> None:
        intents = botpy.Intents(public_guild_messages=True, public_messages=True)
        client = EchoBot(intents=intents, bot_log=None, ext_handlers=False)
        client.became_ready = asyncio.Event()
        runner = asyncio.create_task(client.start(appid=qq_sim.app_id, secret=qq_sim.secret))
        try:
            session = await qq_sim.wait_for_session_async(0, timeout=10)
            await asyncio.wait_for(client.became_ready.wait(), 5)
            # botpy asked for what it should: token, /users/@me, /gateway/bot, Identify
            log = qq_sim.rest_log()
            assert [r.route for r in log[:3]] == [None, "/users/@me", "/gateway/bot"]
            assert all(r.union_appid == qq_sim.app_id for r in log[1:])
            (identify,) = qq_sim.identifies(0)
            assert identify.intents == intents.value and identify.shard == (0, 1)
            assert identify.session_id == session

            at = qq_sim.inject_at_message("hello botpy")
            reply = await qq_sim.wait_for_message_async(
                scene="channel", reply_to=at.data["id"], timeout=5
            )
            assert reply.content == f"echo: {at.data['content']}"
            assert reply.target_id == at.data["channel_id"]

            group = qq_sim.inject_group_at_message("hi")
            g_reply = await qq_sim.wait_for_message_async(scene="group", timeout=5)
            assert g_reply.reply_to == group.data["id"] and g_reply.content == "group echo: hi"
            c2c = qq_sim.inject_c2c_message("yo")
            c_reply = await qq_sim.wait_for_message_async(scene="c2c", timeout=5)
            assert c_reply.reply_to == c2c.data["id"] and c_reply.msg_seq == 1

            # botpy heartbeats right after READY with the last seq it saw
            first_beat = qq_sim.heartbeats(0)[0]
            assert first_beat.d == 1 and first_beat.acked

            # op 7 then close 4009: botpy resumes the same session and misses nothing
            assert qq_sim.reconnect_shard(0) == 1
            missed = qq_sim.inject_at_message("while you were away")
            resumed = await qq_sim.wait_for_async(
                lambda p: p.resumes_on(0)[0] if p.resumes_on(0) else None, timeout=8
            )
            assert resumed.session_id == session and resumed.replayed == 1
            again = await qq_sim.wait_for_message_async(
                scene="channel", reply_to=missed.data["id"], timeout=5
            )
            assert again.content and again.content.endswith("while you were away")
            assert len(qq_sim.identifies(0)) == 1
        finally:
            await client.close()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    asyncio.run(main())  # cancels whatever botpy left running
    # botpy left no thread behind (threads of earlier tests may have ended meanwhile)
    assert set(threading.enumerate()) - threads_before == set()
