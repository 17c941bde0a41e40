"""What a bot author's offline test looks like with the shipped ``qq_sim`` fixture."""

from __future__ import annotations

import asyncio
from typing import Any

import qqbot_asyncio as qq

pytest_plugins = ["qqbot_asyncio.pytest_plugin"]


class Pong(qq.EventHandler):
    async def on_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        if message.content and message.content.endswith("ping"):
            await message.reply(ctx, content="pong")


def test_my_bot_answers_ping(qq_sim: Any) -> None:
    async def scenario() -> None:
        client = qq.Client(
            qq.Token(qq_sim.app_id, qq_sim.secret),
            qq.Intents.none().with_public_guild_messages(),
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
