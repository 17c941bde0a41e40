"""End-to-end over loopback (both adapters): hostile gateway servers (issue 9, items 2, 4, 5).

A server that ends every session right after READY/RESUMED (a reconnect storm), a poison event
in the server's replay buffer, and an unknown opcode nested too deep to print. Backoff is scaled
down (``BACKOFF`` is the default policy at a tenth of its times) to keep the wall time short.
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

from qqbot_asyncio.simulator import Simulator
from qqproto.gateway._backoff import BackoffConfig
from qqproto.sim import SessionFault

pytestmark = pytest.mark.anyio

SCALE = 0.1
BACKOFF = BackoffConfig(base=1.0 * SCALE, cap=60.0 * SCALE, quick_jitter=0.01, stable_after=6.0)
"""The default policy (base 1 s, cap 60 s, stable after 60 s) with every time scaled by 0.1."""
WINDOW = 15.0 * SCALE
"""The storm target is at most 8 connections in 15 s; scaled, 8 in 1.5 s."""
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


STORMS = {
    "close 4000": SessionFault("close", 4000),  # the server closes
    "non-JSON": SessionFault("garbage"),  # the client refuses a payload
    "oversized": SessionFault("oversized", size=LIMIT + 1),  # the wire refuses a frame (1009)
}
"""One storm per way a connection ends (every kind runs on a virtual clock in
test_gateway_hardening.py)."""


@pytest.mark.parametrize("fault", list(STORMS.values()), ids=list(STORMS))
async def test_a_server_ending_every_session_at_once_gets_few_connections(
    qq: ModuleType, fault: SessionFault
) -> None:
    bot = Bot(qq)
    with Simulator.in_thread() as sim:
        sim.set_session_fault(fault)
        async with started(qq, sim, bot.handler):
            opened: list[float] = await wait(
                sim.wait_for, lambda p: list(p.ws_connections) or None, 10.0, "a connection"
            )
            first = opened[0]
            while sim.now() < first + WINDOW:
                await anyio.sleep(0.05)
            opened = sim.call(lambda p: list(p.ws_connections))
            in_window = [t for t in opened if t < first + WINDOW]
            print(f"{fault}: {len(in_window)} connections in {WINDOW} s (scaled 15 s)")
            assert len(in_window) <= 8, in_window
            await wait(  # slowed down, not given up on
                sim.wait_for, lambda p: len(p.ws_connections) >= 5 or None, 20.0, "5 connections"
            )
            # the storm ends: the client gets a working session again
            sim.set_session_fault(None)
            await wait(sim.wait_for_session, 0, timeout=10.0)
            sim.inject("GUILD_MEMBER_ADD", member("after the storm"))
            await until(lambda: "after the storm" in bot.nicks, timeout=10.0)
            identifies = len(sim.identifies(0))
            if fault.kind in ("garbage", "oversized"):
                # refused right after RESUMED, like a poison event replayed after it: the
                # session is given up after 3 such resumes (and the bot told)
                assert identifies <= 1 + len(opened) // 4
                assert bot.errors and all(isinstance(e, qq.EventsLostError) for e in bot.errors), (
                    bot.errors
                )
            else:
                assert identifies == 1  # every connection resumed the one session


async def test_a_poison_event_in_the_replay_buffer_costs_the_session_not_the_shard(
    qq: ModuleType,
) -> None:
    bot = Bot(qq)
    with Simulator.in_thread() as sim:
        async with started(qq, sim, bot.handler):
            first = await wait(sim.wait_for_session, 0)
            before = sim.inject("GUILD_MEMBER_ADD", member("before"))
            await until(lambda: "before" in bot.nicks)
            sim.inject(
                "GUILD_MEMBER_ADD", member("x" * (LIMIT + 1))
            )  # larger than the client takes
            sim.inject("GUILD_MEMBER_ADD", member("behind the poison"))
            second = await wait(sim.wait_for_identify, 0, count=2, timeout=15.0)
            assert second.session_id != first
            sim.inject("GUILD_MEMBER_ADD", member("in the new session"))
            await until(lambda: "in the new session" in bot.nicks, timeout=10.0)
            await until(lambda: bot.errors)
            resumes = sim.resumes(0)
    (error,) = bot.errors
    assert isinstance(error, qq.EventsLostError)
    assert error.session_id == first
    assert error.after_seq == before.deliveries[0].seq  # events after it are missing: reported
    assert "3 resumes in a row failed" in error.reason and "1009" in error.reason
    assert len(resumes) == 3  # each replayed the poison first and was refused
    assert bot.nicks == ["before", "in the new session"]


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
