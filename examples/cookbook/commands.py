"""Cookbook: a bot with commands (``qq.CommandHandler`` and ``@qq.command``).

Run it (no credentials needed: it starts the embedded QQ simulator, lets simulated users type
commands in a guild channel, a guild DM, a group and a C2C chat, prints the conversation, checks
every answer and exits 0)::

    python3 examples/cookbook/commands.py

With ``QQ_BOT_APPID`` and ``QQ_BOT_SECRET`` set, the same bot connects to the platform and runs
until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, Literal

import qqbot_asyncio as qq

INTENTS = (
    qq.Intents.none().with_public_guild_messages().with_direct_message().with_group_and_c2c_event()
)
FORECAST = {"beijing": 31, "shanghai": 29, "new york": 24}
"""Today's temperatures in °C (a real bot would ask a weather service)."""


class Bot(qq.CommandHandler):
    """Three commands, a generated /help, and an answer to anything else."""

    # the defaults, spelled out: "/" starts a command; when the bot is @-mentioned, or in a
    # DM or C2C chat, the "/" may be left out
    command_prefixes = ("/",)
    prefix_optional_when_mentioned = True
    prefix_optional_in_private = True

    @qq.command("echo", aliases=("say",), help="repeat the text")
    async def echo(self, ctx: qq.Context, message: Any, text: qq.Rest) -> str:
        return text

    @qq.command(help="add up whole numbers")
    async def add(self, ctx: qq.Context, message: Any, first: int, *more: int) -> str:
        return str(first + sum(more))

    @qq.command(help="today's temperature in a city")
    async def weather(
        self, ctx: qq.Context, message: Any, city: str, unit: Literal["c", "f"] = "c"
    ) -> qq.OutgoingMessage:
        celsius = FORECAST.get(city.casefold())
        if celsius is None:
            raise qq.UsageError(f"no forecast for {city!r}; try one of: beijing, shanghai")
        degrees = celsius if unit == "c" else round(celsius * 9 / 5 + 32)
        return qq.OutgoingMessage(content=f"{city}: {degrees}°{unit.upper()}")

    async def on_message_without_command(self, ctx: qq.Context, message: Any) -> None:
        if isinstance(message, qq.models.C2CMessage):  # anything else typed to the bot in C2C
            await ctx.reply(message, "I only know commands: try /help")


CONVERSATION: list[tuple[str, str, str]] = [
    # (scene, what the user types, what the bot must answer)
    (
        "group",
        "/help",
        "commands:\n/echo - repeat the text\n/add - add up whole numbers\n"
        "/weather - today's temperature in a city\n/help <command> - how to use a command",
    ),
    ("c2c", "help weather", "usage: /weather <city> [unit: c|f]\ntoday's temperature in a city"),
    ("channel", "echo no slash needed: I was @-mentioned", "no slash needed: I was @-mentioned"),
    ("dms", '/weather "New York" f', "New York: 75°F"),
    ("group", "/weather Paris", "no forecast for 'Paris'; try one of: beijing, shanghai\n"
     "usage: /weather <city> [unit: c|f]"),
    ("group", "/weather beijing kelvin",
     "[unit: c|f]: 'kelvin' is not one of: c|f\nusage: /weather <city> [unit: c|f]"),
    ("c2c", "/add 1 2 39", "42"),
    ("c2c", "/add one", "<first>: 'one' is not a whole number\nusage: /add <first> [more...]"),
    ("c2c", "good morning", "I only know commands: try /help"),
]  # fmt: skip


async def run_demo() -> int:
    from qqproto.sim import Simulator

    # sim.run: this loop's client against the simulator, live for the block, then cancelled
    async with Simulator(seed=7) as sim, sim.run(Bot(), intents=INTENTS):
        say: dict[str, Callable[[str], object]] = {
            "channel": sim.inject_at_message,
            "dms": sim.inject_direct_message,
            "group": sim.inject_group_at_message,
            "c2c": sim.inject_c2c_message,
        }
        answered: dict[str, int] = {}
        for scene, text, expected in CONVERSATION:
            say[scene](text)
            answered[scene] = answered.get(scene, 0) + 1
            reply = await sim.wait_for_message(scene=scene, count=answered[scene])
            print(f"[{scene}] user: {text}")
            for line in (reply.content or "").splitlines():
                print(f"[{scene}]   bot: {line}")
            if reply.content != expected:
                print(f"unexpected answer: {reply.content!r}", file=sys.stderr)
                return 1
    print(f"all {len(CONVERSATION)} answers as expected; demo finished")
    return 0


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app_id = os.environ.get("QQ_BOT_APPID")
    secret = os.environ.get("QQ_BOT_SECRET")
    if app_id and secret:
        client = qq.Client(qq.Token(app_id, secret), INTENTS, Bot())
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(client.start())
        return 0
    print("no QQ_BOT_APPID/QQ_BOT_SECRET: running against the embedded QQ simulator")
    return asyncio.run(run_demo())


if __name__ == "__main__":
    sys.exit(main())
