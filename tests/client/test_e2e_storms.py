"""End-to-end over loopback (both adapters): hostile gateway servers (issue 9, items 2, 4, 5).

An unknown opcode nested too deep to print. The reconnect storms (a server that ends every
session right after READY/RESUMED) and the poison event in the replay buffer run on the virtual
clock, with the default backoff policy unscaled, in ``test_virtual_clock.py``. Backoff is scaled
down here (``BACKOFF`` is the default policy at a tenth of its times) to keep the wall time short.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import sim_client, until, wait

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.gateway._backoff import BackoffConfig

pytestmark = pytest.mark.anyio

SCALE = 0.1
BACKOFF = BackoffConfig(base=1.0 * SCALE, cap=60.0 * SCALE, quick_jitter=0.01, stable_after=6.0)
"""The default policy (base 1 s, cap 60 s, stable after 60 s) with every time scaled by 0.1."""
LIMIT = 64 * 1024
"""The client's max_payload_size here: an oversized frame needs only 64 KiB."""


class Bot:
    """Records member-add events (by ``nick``) and errors."""

    def __init__(self, qq: ModuleType) -> None:
        self.nicks: list[str] = []
        self.errors: list[BaseException] = []
        outer = self

        class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
            async def on_guild_member_add(self, ctx: Any, ev: Any) -> None:
                outer.nicks.append(ev.nick)

            async def on_error(self, ctx: Any, error: BaseException) -> None:
                outer.errors.append(error)

        self.handler = Handler()


@asynccontextmanager
async def started(
    qq: ModuleType, sim: Simulator, handler: Any, **options: Any
) -> AsyncIterator[Any]:
    options = {"max_payload_size": LIMIT, "backoff": BACKOFF, **options}
    client = sim_client(qq, sim, handler, identify_window=0.5, gateway_options=options)
    async with anyio.create_task_group() as tg:
        tg.start_soon(client.start)
        yield client
        tg.cancel_scope.cancel()


def member(nick: str) -> dict[str, Any]:
    return {"guild_id": "1", "nick": nick, "user": {"id": "7"}}


async def test_an_unknown_opcode_nested_too_deep_to_print_is_logged_bounded(
    qq: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    """At INFO the runtime logs unknown opcodes: it logs the raw text's start, never a repr of
    the decoded value (which raised RecursionError and ended ``start()``). Nested from 800 to
    998 deep, shallowest first, in one burst: the client parses those its stack allows (the
    deepest of which a repr deeper in the stack could not print) and refuses the rest."""
    bot = Bot(qq)
    payloads = ['{"op":42,"d":' + "[" * n + "]" * n + "}" for n in range(800, 1000, 2)]
    with caplog.at_level(logging.INFO, logger="qqbot.gateway"), Simulator.in_thread() as sim:
        async with started(qq, sim, bot.handler):
            await wait(sim.wait_for_session, 0)
            assert sim.call(lambda p: sum(p.send_raw(text) for text in payloads)) == 100
            sim.inject("GUILD_MEMBER_ADD", member("still here"))
            await until(lambda: "still here" in bot.nicks, timeout=10.0)
    logged = [r.getMessage() for r in caplog.records if "unknown opcode 42" in r.getMessage()]
    assert logged and all(len(line) < 400 for line in logged)
    assert bot.errors == []
