"""What a bot author's offline test looks like with the installed ``qq_sim`` fixture.

The anyio test runs on asyncio and on trio (``anyio_backend`` in tests/conftest.py) with the
adapter of that loop; the synchronous one is the older form (thread mode, the client on a loop
of its own), which keeps working.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import qqbot_asyncio
from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto.client import Context, EventHandler
from qqproto.gateway import Intents
from qqproto.sim import Simulator


class Pong(EventHandler):
    async def on_at_message_create(self, ctx: Context, message: Any) -> None:
        if message.content and message.content.endswith("ping"):
            await message.reply(ctx, content="pong")


@pytest.mark.anyio
async def test_my_bot_answers_ping(qq_sim: Simulator) -> None:
    async with qq_sim.run(Pong(), intents=Intents.none().with_public_guild_messages()) as bot:
        reply = await bot.say("ping")
        assert reply.content == "pong"
        await bot.reconnect()
        assert (await bot.say("ping")).content == "pong"


def test_my_bot_answers_ping_in_thread_mode(qq_sim: ThreadedSimulator) -> None:
    async def scenario() -> None:
        client = qqbot_asyncio.Client(
            qqbot_asyncio.Token(qq_sim.app_id, qq_sim.secret),
            Intents.none().with_public_guild_messages(),
            Pong(),
            api_base=qq_sim.api_base,
            token_url=qq_sim.token_url,
        )
        bot = asyncio.create_task(client.start())
        await qq_sim.wait_for_session_async(0)
        incoming = qq_sim.inject_at_message("ping")
        reply = await qq_sim.wait_for_message_async(reply_to=incoming.data["id"])
        assert reply.body["content"] == "pong"
        bot.cancel()

    asyncio.run(scenario())
