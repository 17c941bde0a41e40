"""Cookbook: a bot's own test suite, offline, with the simulator's ``qq_sim`` pytest fixture.

This file is a pytest module for a small dice bot. Run it as a script and it runs pytest on
itself (needs pytest, anyio and hypothesis: ``pip install -e '.[test]'``)::

    python3 examples/cookbook/offline_test.py

or with pytest directly, from a project of your own (``qq_sim`` comes with the installed
package)::

    python3 -m pytest examples/cookbook/offline_test.py

Every conversation test runs twice, on asyncio and on trio (the ``anyio_backend`` fixture):
``qq_sim.run`` starts a real client of that loop's adapter against the simulated platform.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qqbot_asyncio as qq
from qqproto.sim import Simulator, strategies

MAX_DICE = 100


def answer(text: str, who: str) -> str:
    """The bot's logic, kept pure so that it can be tested without any platform."""
    words = text.split()
    if words[:1] != ["/roll"]:
        return "try /roll N"
    sides = int(words[1]) if len(words) > 1 and words[1].isdigit() else 6
    sides = max(1, min(sides, MAX_DICE))
    value = (sum(map(ord, who)) % sides) + 1  # deterministic, for the example's sake
    return f"{who[:8]} rolled {value} (1-{sides})"


class DiceBot(qq.EventHandler):
    """The same handler class serves both adapters (asyncio and trio share the public API)."""

    async def on_group_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        who = message.author.member_openid if message.author else "someone"
        await message.reply(ctx, content=answer(message.content or "", who or "someone"))

    async def on_c2c_message_create(self, ctx: qq.Context, message: Any) -> None:
        who = message.author.user_openid if message.author else "someone"
        await message.reply(ctx, content=answer(message.content or "", who or "someone"))


INTENTS = qq.Intents.none().with_group_and_c2c_event()


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Each conversation test on both loops."""
    return str(request.param)


@pytest.mark.anyio
async def test_the_bot_rolls_in_a_group(qq_sim: Simulator) -> None:
    async with qq_sim.run(DiceBot(), intents=INTENTS) as bot:
        reply = await bot.say("/roll 20", scene="group")
        assert "rolled" in (reply.content or "") and "(1-20)" in (reply.content or "")
        assert reply.reply_to is not None  # a passive reply: it names the message it answers


@pytest.mark.anyio
async def test_the_bot_survives_reconnects(qq_sim: Simulator) -> None:
    async with qq_sim.run(DiceBot(), intents=INTENTS) as bot:
        await bot.reconnect()  # op 7: returns once the bot resumed
        await bot.drop()  # the TCP connection lost: once it resumed
        assert "rolled" in ((await bot.say("/roll", scene="c2c")).content or "")
        assert len(qq_sim.resumes()) == 2


@pytest.mark.anyio
async def test_a_rate_limit_reaches_the_handler_as_a_typed_error(qq_sim: Simulator) -> None:
    async with qq_sim.run(DiceBot(), intents=INTENTS) as bot:
        bot.fail_next("POST /v2/groups/{group_openid}/messages", status=429, code=22009)
        with pytest.raises(qq.RateLimitedError):  # what the handler raised
            await bot.say("/roll", scene="group")
        assert (await bot.say("/roll", scene="group")).content


@pytest.mark.anyio
async def test_scripting_the_platform_directly(qq_sim: Simulator) -> None:
    async with qq_sim.run(DiceBot(), intents=INTENTS) as bot:
        incoming = bot.sim.inject_c2c_message("/roll 3")  # only injects
        reply = await qq_sim.wait_for_message(reply_to=incoming.data["id"])
        assert reply.content and reply.content.endswith("(1-3)")
        posts = [r for r in qq_sim.rest_log() if r.method == "POST"]
        assert any(r.target.startswith("/v2/users/") for r in posts)
        assert len(qq_sim.sent_messages()) == 1


@given(text=st.text(max_size=300), who=strategies.snowflakes)
def test_any_text_gets_a_short_answer(text: str, who: str) -> None:
    """A property of the pure logic: whatever users type, the answer is short and never empty."""
    reply = answer(text, who)
    assert 0 < len(reply) <= 100


@given(sides=st.integers(-10, 10_000), who=strategies.snowflakes)
def test_a_roll_is_always_on_the_die(sides: int, who: str) -> None:
    reply = answer(f"/roll {sides}", who)
    value, top = reply.split(" rolled ")[1].split(" (1-")
    assert 1 <= int(value) <= int(top.rstrip(")")) <= MAX_DICE


if __name__ == "__main__":
    # a fresh interpreter (this one imported hypothesis before pytest could rewrite it);
    # -o addopts=: leave out the options of the repository's own test configuration
    command = [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider"]
    sys.exit(subprocess.call([*command, "-o", "addopts="]))
