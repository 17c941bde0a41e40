"""Cookbook: read a channel's history, and call any platform route through ``ctx.api``.

A "/recap" bot: when someone @-mentions it with ``/recap``, it fetches the few messages said
before the command (``GET /channels/{channel_id}/messages?before=<id>&limit=3``) and answers
with them in one line. Against the embedded simulator (no credentials needed)::

    python3 examples/cookbook/history.py

prints the conversation, the bot's recap, one more page read with ``after``, and exits 0.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Any

import qqbot_asyncio as qq
from qqproto.rest import ApiCatalogue

INTENTS = qq.Intents.none().with_public_guild_messages()
RECAP = 3
_MENTION = re.compile(r"<@!?\w+>\s*")


def plain(text: str | None) -> str:
    """A message's text without its @-mentions."""
    return _MENTION.sub("", text or "").strip()


class Recap(qq.EventHandler):
    """Answers ``/recap`` with the messages said just before it."""

    async def on_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        if plain(message.content) != "/recap" or not message.channel_id or not message.id:
            return
        # at most one of around= / before= / after=, each a message id; limit at most 20
        page = await ctx.api.get_messages(message.channel_id, before=message.id, limit=RECAP)
        lines = " | ".join(plain(m.content) for m in page)
        text = f"recap of the {len(page)} messages before /recap: {lines}"
        await message.reply(ctx, content=text)


async def demo() -> int:
    from qqproto.sim import Simulator

    # a route is a pure value before it is a request: what get_messages would send
    call = ApiCatalogue.get_messages("1234", after="m1", limit=5)
    print(f"{call.request.method} {call.request.target()}")

    # sim.run: this loop's client against the simulator, live for the block, then cancelled
    async with Simulator(seed=7) as sim, sim.run(Recap(), intents=INTENTS) as bot:
        said = []
        for text in ("line 1", "line 2", "line 3", "line 4", "/recap"):
            said.append(sim.inject_at_message(text))
            print(f"  [channel] user: {text}")
        reply = await sim.wait_for_message(scene="channel", contains="recap")
        print(f"  [channel] bot: {reply.content}")
        assert reply.reply_to == said[-1].data["id"]  # a passive reply to the /recap
        # the same route from outside a handler: the client's api, paged forward this time
        channel = said[0].data["channel_id"]
        assert bot.client.api is not None  # set once the client started
        later = await bot.client.api.get_messages(channel, after=said[2].data["id"], limit=20)
        print("after line 3: " + " | ".join(plain(m.content) for m in later))
    print("history demo finished")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(demo()))
