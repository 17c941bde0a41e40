"""End-to-end: the new message builders sent by the real clients (asyncio and trio) against the
embedded simulator, checked in its transcript: a markdown + keyboard reply (as a message and
through ``post_keyboard_message``), prompt keyboard and action buttons, input notify and an
explicit msg_type 1, and replies built with the mention helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import sim_client, wait

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.outgoing import (
    ActionButton,
    ActionType,
    Button,
    ButtonAction,
    Keyboard,
    Markdown,
    MsgType,
    OutgoingMessage,
    PromptKeyboard,
    at_user,
    compose,
    emoji,
    mention,
)

pytestmark = pytest.mark.anyio

KEYBOARD = Keyboard.of([[Button("Yes", ButtonAction(ActionType.CALLBACK, "yes"), id="1")]])
KEYBOARD_JSON = {
    "content": {
        "rows": [
            {
                "buttons": [
                    {
                        "id": "1",
                        "render_data": {"label": "Yes", "visited_label": "Yes"},
                        "action": {"type": 1, "permission": {"type": 2}, "data": "yes"},
                    }
                ]
            }
        ]
    }
}


@asynccontextmanager
async def running(qq: ModuleType, handler: Any) -> AsyncIterator[Simulator]:
    with Simulator.in_thread() as sim:
        client = sim_client(qq, sim, handler, identify_window=0.5)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            yield sim
            tg.cancel_scope.cancel()


async def test_markdown_and_keyboard_reply(qq: ModuleType) -> None:
    errors: list[BaseException] = []

    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_group_at_message_create(self, ctx: Any, msg: Any) -> None:
            await msg.reply(ctx, OutgoingMessage.of_markdown("# Sure?").with_keyboard(KEYBOARD))

        async def on_at_message_create(self, ctx: Any, msg: Any) -> None:
            await ctx.api.post_keyboard_message(
                msg.channel_id, KEYBOARD.to_json(), {"content": "# Sure?"}, msg_id=msg.id
            )

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            errors.append(error)

    async with running(qq, Bot()) as sim:
        asked = sim.inject_group_at_message("delete it")
        group = await wait(sim.wait_for_message, scene="group")
        asked_in_channel = sim.inject_at_message("delete it")
        channel = await wait(sim.wait_for_message, scene="channel")
    assert group.body == {
        "msg_type": 2,
        "markdown": {"content": "# Sure?"},
        "keyboard": KEYBOARD_JSON,
        "msg_id": group.msg_id,
        "msg_seq": 1,
    }
    assert group.msg_id == asked.data["id"]
    assert channel.body == {
        "markdown": {"content": "# Sure?"},
        "keyboard": KEYBOARD_JSON,
        "msg_id": asked_in_channel.data["id"],
    }
    assert errors == []


async def test_prompt_keyboard_action_button_input_notify_and_mixed(qq: ModuleType) -> None:
    errors: list[BaseException] = []

    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            await msg.reply(ctx, OutgoingMessage.typing(5))
            answer = (
                OutgoingMessage.of_markdown(Markdown(content="Here is a joke."))
                .with_prompt_keyboard(PromptKeyboard.of("Another one", "Explain it"))
                .with_action_button(ActionButton(feedback=True, re_generate=True))
            )
            await msg.reply(ctx, answer)
            await msg.reply(ctx, OutgoingMessage.text("bye").with_msg_type(MsgType.MIXED))

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            errors.append(error)

    async with running(qq, Bot()) as sim:
        asked = sim.inject_c2c_message("tell me a joke")
        await wait(sim.wait_for_message, scene="c2c", count=3)
        notify, answer, bye = sim.sent_messages(scene="c2c")
    msg_id = asked.data["id"]
    assert notify.body == {
        "msg_type": 6,
        "input_notify": {"input_type": 1, "input_second": 5},
        "msg_id": msg_id,
        "msg_seq": 1,
    }

    def prompt(label: str) -> dict[str, Any]:
        return {"render_data": {"label": label, "style": 2}, "action": {"type": 2}}

    assert answer.body == {
        "msg_type": 2,
        "markdown": {"content": "Here is a joke."},
        "prompt_keyboard": {
            "keyboard": {
                "content": {"rows": [{"buttons": [prompt("Another one"), prompt("Explain it")]}]}
            }
        },
        "action_button": {"template_id": "1", "feedback": True, "re_generate": True},
        "msg_id": msg_id,
        "msg_seq": 2,
    }
    assert bye.body == {"content": "bye", "msg_type": 1, "msg_id": msg_id, "msg_seq": 3}
    assert errors == []


async def test_mention_builders_reply(qq: ModuleType) -> None:
    errors: list[BaseException] = []
    seen: list[tuple[str, bool]] = []

    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_at_message_create(self, ctx: Any, msg: Any) -> None:
            said = msg.plain_text(ctx.bot.id)
            seen.append((said, msg.mentions_bot(ctx.bot.id)))
            content = compose(mention(msg.author.id), " you said: ", said, " ", emoji(4))
            await msg.reply(ctx, content)

        async def on_group_at_message_create(self, ctx: Any, msg: Any) -> None:
            said = msg.plain_text()
            seen.append((said, msg.mentions_bot(at_event=True)))
            text = compose(at_user(msg.author.member_openid), " you said: ", said)
            await msg.reply(ctx, OutgoingMessage.of_markdown(text))

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            errors.append(error)

    async with running(qq, Bot()) as sim:
        in_channel = sim.inject_at_message("is 1 < 2 & 3 > 2?")
        channel = await wait(sim.wait_for_message, scene="channel")
        in_group = sim.inject_group_at_message("<@!42> hi")
        group = await wait(sim.wait_for_message, scene="group")
    assert seen == [("is 1 < 2 & 3 > 2?", True), ("<@!42> hi", True)]
    assert in_channel.data["content"].startswith("<@!")  # the bot's mention, as the platform's
    author = in_channel.data["author"]["id"]
    member = in_group.data["author"]["member_openid"]
    assert channel.body["content"] == (
        f"<@{author}> you said: is 1 &lt; 2 &amp; 3 &gt; 2? <emoji:4>"
    )
    assert group.body["markdown"] == {
        "content": f'<qqbot-at-user id="{member}" /> you said: &lt;@!42&gt; hi'
    }
    assert group.body["msg_type"] == 2
    assert errors == []
