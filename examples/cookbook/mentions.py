"""Cookbook: mentions, channel links, emoji, and user text that stays text.

A greeter, against the embedded simulator (no credentials needed)::

    python3 examples/cookbook/mentions.py

- in a guild channel, a user @-mentions the bot: it reads what they said without its own
  mention (``message.plain_text(bot_id)``) and answers mentioning them back (``<@id>``), with a
  link to the channel and an emoji; the user's text is escaped, so ``<@...>`` typed by a user
  stays text;
- in a group, it answers a member with ``<qqbot-at-user id="..." />`` in markdown.

It prints what was said and what the bot sent, and exits 0.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import qqbot_asyncio as qq
from qqproto.outgoing import OutgoingMessage, at_user, channel, compose, emoji, escape, mention

INTENTS = qq.Intents.none().with_public_guild_messages().with_group_and_c2c_event()


class Greeter(qq.EventHandler):
    """Greets whoever mentions it, quoting them safely."""

    async def on_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        bot_id = ctx.bot.id if ctx.bot else None
        if not message.mentions_bot(bot_id):
            return
        said = message.plain_text(bot_id)  # the bot's mention out, entities unescaped
        content = compose(
            "hi ", mention(message.author.id), emoji(4), ", welcome to ",
            channel(message.channel_id), "! you said: ", said,
        )  # fmt: skip
        await message.reply(ctx, content)

    async def on_group_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        who = message.author.member_openid
        text = compose(at_user(who), " you said: ", message.plain_text())
        await message.reply(ctx, OutgoingMessage.of_markdown(text))


async def demo() -> int:
    from qqproto.sim import Simulator

    # sim.run: this loop's client against the simulator, live for the block, then cancelled
    async with Simulator(seed=7) as sim, sim.run(Greeter(), intents=INTENTS):
        typed = "hello <@!99> & <b>friends</b>"
        # the platform escapes what users type (& < >) and puts the bot's mention first
        said = sim.inject_at_message(escape(typed))
        print(f"[channel] user typed: {typed}")
        print(f"[channel] content: {said.data['content']}")
        reply = await sim.wait_for_message(scene="channel")
        print(f"[channel] bot: {reply.content}")

        said = sim.inject_group_at_message("what's up")
        print(f"[group] user: {said.data['content']!r}")
        reply = await sim.wait_for_message(scene="group")
        print(f"[group] bot: {reply.body['markdown']['content']}")
    print("mentions demo finished")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(demo()))
