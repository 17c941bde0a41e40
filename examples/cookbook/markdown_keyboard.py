"""Cookbook: markdown with buttons, suggested prompts and the AI-bot action bar.

A small bot, against the embedded simulator (no credentials needed)::

    python3 examples/cookbook/markdown_keyboard.py

- in a group, ``/menu`` gets a markdown message with two callback buttons; a click arrives as
  ``INTERACTION_CREATE``: the bot acknowledges it and answers in the group;
- in a guild channel, ``/menu`` gets the same buttons through ``post_keyboard_message``;
- in a single chat (C2C), any question gets a markdown answer with suggested prompts (a prompt
  keyboard) and the action bar (feedback, regenerate).

It prints what the bot sent (the JSON bodies) and exits 0.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import qqbot_asyncio as qq
from qqproto.outgoing import (
    ActionButton,
    ActionType,
    Button,
    ButtonAction,
    Keyboard,
    OutgoingMessage,
    PromptKeyboard,
)

INTENTS = (
    qq.Intents.none().with_public_guild_messages().with_group_and_c2c_event().with_interaction()
)

MENU = Keyboard.of(
    [
        [
            Button("Coffee", ButtonAction(ActionType.CALLBACK, "order:coffee"), id="coffee"),
            Button("Tea", ButtonAction(ActionType.CALLBACK, "order:tea"), id="tea"),
        ]
    ]
)
MENU_TEXT = "# Menu\nWhat would you like?"


class Cafe(qq.EventHandler):
    """Menus with buttons, answers to clicks, and AI-style answers in C2C."""

    async def on_group_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        if message.plain_text() == "/menu":
            await message.reply(ctx, OutgoingMessage.of_markdown(MENU_TEXT).with_keyboard(MENU))

    async def on_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        if message.plain_text(ctx.bot.id if ctx.bot else None) == "/menu":
            # the raw route: a keyboard hangs on a markdown message
            await ctx.api.post_keyboard_message(
                message.channel_id, MENU.to_json(), {"content": MENU_TEXT}, msg_id=message.id
            )

    async def on_interaction_create(self, ctx: qq.Context, event: Any) -> None:
        await ctx.api.on_interaction_result(event.id, 0)  # acknowledge within 5 s
        data = event.data.resolved.button_data if event.data and event.data.resolved else ""
        await event.reply(ctx, content=f"one {data.removeprefix('order:')}, coming up")

    async def on_c2c_message_create(self, ctx: qq.Context, message: Any) -> None:
        answer = (
            OutgoingMessage.of_markdown(f"**{message.plain_text()}**? Coffee, always.")
            .with_prompt_keyboard(PromptKeyboard.of("Why coffee?", "And tea?"))
            .with_action_button(ActionButton(feedback=True, re_generate=True))
        )
        await message.reply(ctx, answer)


def show(scene: str, body: Any) -> None:
    print(f"[{scene}] bot: {json.dumps(body, ensure_ascii=False, sort_keys=True)}")


async def demo() -> int:
    from qqproto.sim import Simulator

    # sim.run: this loop's client against the simulator, live for the block, then cancelled
    async with Simulator(seed=7) as sim, sim.run(Cafe(), intents=INTENTS):
        asked = sim.inject_group_at_message("/menu")
        menu = await sim.wait_for_message(scene="group")
        show("group", menu.body)
        assert menu.reply_to == asked.data["id"]
        # a member clicks "Tea": the platform sends INTERACTION_CREATE (chat_type 1: group)
        click = {
            "id": "interaction-1",
            "type": 11,
            "chat_type": 1,
            "group_openid": asked.data["group_openid"],
            "group_member_openid": asked.data["author"]["member_openid"],
            "data": {"type": 11, "resolved": {"button_id": "tea", "button_data": "order:tea"}},
            "version": 1,
        }
        sim.inject("INTERACTION_CREATE", click)
        answer = await sim.wait_for_message(scene="group", contains="coming up")
        print(f"[group] bot: {answer.content} (a reply to event {answer.event_id})")
        acks = [(a.interaction_id, a.code) for a in sim.interaction_acks()]
        print(f"interaction acks: {acks}")

        sim.inject_at_message("/menu")
        show("channel", (await sim.wait_for_message(scene="channel")).body)

        sim.inject_c2c_message("tea or coffee")
        show("c2c", (await sim.wait_for_message(scene="c2c")).body)
    print("markdown and keyboard demo finished")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(demo()))
