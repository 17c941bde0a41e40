"""End-to-end: a ``CommandHandler`` bot on the real client (each test on asyncio and on trio)
against the embedded simulator, over loopback sockets; what the bot answers is read from the
simulator's transcript of the messages it sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, Literal

import anyio
import pytest
from _e2e import sim_client, until, wait

# the same objects in both adapters; annotations are resolved in the module's globals
from qqbot_asyncio import Rest, command
from qqbot_asyncio.simulator import ThreadedSimulator as Simulator

pytestmark = pytest.mark.anyio


def make_bot(qq: ModuleType) -> Any:
    """A command bot on adapter ``qq``; ``bot.errors`` holds what reached ``on_error``."""

    assert (qq.command, qq.Rest) == (command, Rest)  # the same router in both adapters

    class Bot(qq.CommandHandler):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self.errors: list[BaseException] = []
            self.plain: list[str] = []

        @command("echo", aliases=("say",), help="repeat the text")
        async def echo(self, ctx: Any, message: Any, text: Rest) -> str:
            return f"echo: {text}"

        @command(help="add two whole numbers")
        async def add(self, ctx: Any, message: Any, a: int, b: int = 1) -> str:
            return f"sum: {a + b}"

        @command(help="pick a speed")
        async def speed(self, ctx: Any, message: Any, s: Literal["slow", "fast"]) -> str:
            return f"speed: {s}"

        @command(help="a message with a reference")
        async def card(self, ctx: Any, message: Any, title: str) -> Any:
            return qq.OutgoingMessage(content=f"card: {title}")

        @command(help="a bug")
        async def boom(self, ctx: Any, message: Any) -> None:
            raise RuntimeError("command bug")

        async def on_message_without_command(self, ctx: Any, message: Any) -> None:
            self.plain.append(message.content)

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            self.errors.append(error)

    return Bot()


@asynccontextmanager
async def running(
    qq: ModuleType, sim: Simulator, handler: Any, **options: Any
) -> AsyncIterator[Any]:
    client = sim_client(qq, sim, handler, identify_window=0.5, **options)
    async with anyio.create_task_group() as tg:
        tg.start_soon(client.start)
        await wait(sim.wait_for_session, 0)
        yield client
        tg.cancel_scope.cancel()


async def reply(sim: Simulator, scene: str, contains: str, count: int = 1) -> Any:
    return await wait(sim.wait_for_message, scene=scene, contains=contains, count=count)


async def test_a_command_in_each_scene(qq: ModuleType) -> None:
    bot = make_bot(qq)
    with Simulator.in_thread() as sim:
        async with running(qq, sim, bot):
            sim.inject_at_message("/echo from the channel")
            sim.inject_direct_message("/say from a DM")
            sim.inject_group_at_message("/echo from the group")
            sim.inject_c2c_message("/echo from c2c")
            sim.inject_at_message("echo no prefix when mentioned")
            sim.inject_c2c_message("add 2 40")
            for scene, text in [
                ("channel", "echo: from the channel"),
                ("dms", "echo: from a DM"),
                ("group", "echo: from the group"),
                ("c2c", "echo: from c2c"),
                ("channel", "echo: no prefix when mentioned"),
                ("c2c", "sum: 42"),
            ]:
                sent = await reply(sim, scene, text)
                assert sent.content == text
                assert sent.msg_id  # a passive reply to the command's message
    assert bot.errors == []


async def test_message_create_and_group_message_create(qq: ModuleType) -> None:
    """The two "every message" events: a command needs its prefix there, or a leading mention
    of the bot (guild)."""
    bot = make_bot(qq)
    intents = qq.Intents.none().with_guild_messages().with_group_and_c2c_event()
    with Simulator.in_thread(allowed_intents=int(intents)) as sim:
        async with running(qq, sim, bot, intents=intents) as client:
            # an AT_MESSAGE_CREATE this session does not get: its data serves as a template
            at = sim.inject_at_message("template", mention=False).data
            group = sim.inject_group_at_message("/echo group at").data
            await reply(sim, "group", "echo: group at")
            bot_id = client.bot.id
            for n, content in enumerate(["/echo all", "echo plain", f"<@!{bot_id}> echo me"]):
                sim.inject("MESSAGE_CREATE", {**at, "id": f"{at['id']}{n}", "content": content})
            sim.inject(
                "GROUP_MESSAGE_CREATE",
                {**group, "id": group["id"] + "x", "content": "/say group all"},
            )
            sim.inject(
                "GROUP_MESSAGE_CREATE",
                {**group, "id": group["id"] + "y", "content": "say not for me"},
            )
            assert (await reply(sim, "channel", "echo: all")).content == "echo: all"
            assert (await reply(sim, "channel", "echo: me")).content == "echo: me"
            assert (await reply(sim, "group", "echo: group all")).content == "echo: group all"
            await until(lambda: len(bot.plain) == 2)
            assert sorted(bot.plain) == ["echo plain", "say not for me"]
            assert [m.content for m in sim.sent_messages(scene="channel")] == [
                "echo: all",
                "echo: me",
            ]
    assert bot.errors == []


async def test_usage_errors_are_answered(qq: ModuleType) -> None:
    bot = make_bot(qq)
    with Simulator.in_thread() as sim:
        async with running(qq, sim, bot):
            sim.inject_group_at_message("/add two")
            sent = await reply(sim, "group", "usage:")
            assert sent.content == "<a>: 'two' is not a whole number\nusage: /add <a> [b]"
            sim.inject_c2c_message("/speed medium")
            sent = await reply(sim, "c2c", "usage:")
            assert sent.content == (
                "<s: slow|fast>: 'medium' is not one of: slow|fast\nusage: /speed <s: slow|fast>"
            )
            sim.inject_c2c_message('/card "unclosed')
            sent = await reply(sim, "c2c", "usage:", count=2)
            assert sent.content.startswith("a quote is not closed")
            sim.inject_c2c_message('/card "two words"')
            assert (await reply(sim, "c2c", "card:")).content == "card: two words"
    assert bot.errors == []


async def test_help(qq: ModuleType) -> None:
    bot = make_bot(qq)
    with Simulator.in_thread() as sim:
        async with running(qq, sim, bot):
            sim.inject_c2c_message("/help")
            listing = await reply(sim, "c2c", "commands:")
            assert listing.content.splitlines() == [
                "commands:",
                "/echo - repeat the text",
                "/add - add two whole numbers",
                "/speed - pick a speed",
                "/card - a message with a reference",
                "/boom - a bug",
                "/help <command> - how to use a command",
            ]
            sim.inject_at_message("/help say")
            about = await reply(sim, "channel", "usage:")
            assert about.content == "usage: /echo <text...>\nrepeat the text\nalso: /say"
            sim.inject_c2c_message("/nosuch")  # unknown: ignored by default
            await until(lambda: bot.plain == ["/nosuch"])
            assert len(sim.sent_messages(scene="c2c")) == 1


async def test_an_exception_reaches_on_error_and_the_bot_goes_on(qq: ModuleType) -> None:
    bot = make_bot(qq)
    with Simulator.in_thread() as sim:
        async with running(qq, sim, bot):
            sim.inject_c2c_message("/boom")
            await until(lambda: bot.errors)
            (error,) = bot.errors
            assert isinstance(error, RuntimeError) and str(error) == "command bug"
            sim.inject_c2c_message("/echo still here")
            assert (await reply(sim, "c2c", "echo:")).content == "echo: still here"
            assert len(sim.identifies(0)) == 1  # the same session throughout
            assert sim.resumes(0) == []
