"""End-to-end: real clients over loopback sockets against the embedded simulator, for both
adapters (each test runs once on asyncio and once on trio).

The time-sensitive ones (heartbeat cadence, backoff, the identify window, session loss, token
refresh, REST retries, shard timing) run on the virtual clock in ``test_virtual_clock.py``, with
the platform's own timings checked to the instant; these keep what needs real sockets and both
loops: delivery, replies, resumes (zombie included), fatal closes, cancellation, the chaos soak.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, TypeVar

import anyio
import pytest
from _e2e import Recording, hi_in_four_scenes, sim_client, until, wait

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.gateway._backoff import BackoffConfig

T = TypeVar("T")
WINDOW = 0.5
"""The identify window the clients use here (the platform's is 5 s; the limiter is the same)."""
pytestmark = pytest.mark.anyio


def make_client(qq: ModuleType, sim: Simulator, handler: Any, **kw: Any) -> Any:
    kw.setdefault("identify_window", WINDOW)
    return sim_client(qq, sim, handler, **kw)


@asynccontextmanager
async def running(qq: ModuleType, sim: Simulator, handler: Any, **kw: Any) -> AsyncIterator[Any]:
    client = make_client(qq, sim, handler, **kw)
    async with anyio.create_task_group() as tg:
        tg.start_soon(client.start)
        await wait(sim.wait_for_session, 0)
        yield client
        tg.cancel_scope.cancel()


class Recorder(Recording):
    """An echo bot that records what it saw."""

    def __init__(self, qq: ModuleType) -> None:
        super().__init__()
        base = qq.EventHandler

        class Handler(base):  # type: ignore[misc, valid-type]
            async def on_ready(h, ctx: Any, ready: Any) -> None:
                self.events.append(("ready", (ctx, ready)))

            async def on_resumed(h, ctx: Any, ev: Any) -> None:
                self.events.append(("resumed", ev))

            async def on_at_message_create(h, ctx: Any, msg: Any) -> None:
                self.events.append(("at", msg))
                await msg.reply(ctx, content="echo: " + (msg.content or ""))

            async def on_direct_message_create(h, ctx: Any, msg: Any) -> None:
                self.events.append(("dm", msg))
                await msg.reply(ctx, content="echo: " + (msg.content or ""))

            async def on_group_at_message_create(h, ctx: Any, msg: Any) -> None:
                self.events.append(("group", msg))
                await msg.reply(ctx, content="echo: " + (msg.content or ""))

            async def on_c2c_message_create(h, ctx: Any, msg: Any) -> None:
                self.events.append(("c2c", msg))
                if msg.content == "boom":
                    raise RuntimeError("handler bug")
                await msg.reply(ctx, content="echo: " + (msg.content or ""))

            async def on_error(h, ctx: Any, error: BaseException) -> None:
                self.errors.append(error)

        self.handler = Handler()


async def test_ready_and_bot_info(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with Simulator.in_thread() as sim:
        async with running(qq, sim, rec.handler) as client:
            await until(lambda: rec.kinds("ready"))
            ctx, ready = rec.kinds("ready")[0]
            assert ready.session_id == sim.session_id(0)
            assert ctx.bot is not None and ctx.bot.id == ready.user.id
            assert ctx.shard == (0, 1)
            assert client.bot.username == ctx.bot.username
            assert sim.secret not in repr(client) and sim.secret not in repr(client.token)


async def test_echo_in_all_four_scenes(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with Simulator.in_thread() as sim:
        async with running(qq, sim, rec.handler):
            for _, sent in await hi_in_four_scenes(sim):
                assert sent.body["content"].startswith("echo: ")
                assert sent.msg_id  # a passive reply
            group = await wait(sim.wait_for_message, scene="group")
            assert group.msg_seq == 1
    assert rec.errors == []


async def test_second_reply_gets_next_msg_seq(qq: ModuleType) -> None:
    class Twice(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            await msg.reply(ctx, content="one")
            await msg.reply(ctx, content="two")

    with Simulator.in_thread() as sim:
        async with running(qq, sim, Twice()):
            sim.inject_c2c_message("hey")
            second = await wait(sim.wait_for_message, scene="c2c", count=2)
            first = await wait(sim.wait_for_message, scene="c2c", count=1)
            assert (first.msg_seq, second.msg_seq) == (1, 2)
            assert first.msg_id == second.msg_id


@pytest.mark.parametrize("fault", ["op7", "4009", "drop", "zombie"])
async def test_faults_resume_the_session(qq: ModuleType, fault: str) -> None:
    rec = Recorder(qq)
    interval = 300 if fault == "zombie" else 41250
    with Simulator.in_thread(heartbeat_interval_ms=interval) as sim:
        async with running(qq, sim, rec.handler):
            session = sim.session_id(0)
            if fault == "op7":
                sim.reconnect_shard(0)
            elif fault == "4009":
                sim.close_shard(0, 4009)
            elif fault == "drop":
                sim.drop_shard(0)
            else:
                sim.stop_acking(0)
            sim.inject_at_message("while away")  # buffered or live: delivered once either way
            resume = await wait(sim.wait_for_resume, 0)
            sim.resume_acking(0)
            assert resume.outcome == "resumed"
            assert resume.session_id == session
            await wait(sim.wait_for_message, contains="while away")
            await until(lambda: rec.kinds("resumed"))
            assert len(sim.identifies(0)) == 1
    assert [m.content.endswith("while away") for m in rec.kinds("at")] == [True]


@pytest.mark.parametrize("code", [4914, 4915, 4014])
async def test_fatal_close_makes_start_raise(qq: ModuleType, code: int) -> None:
    rec = Recorder(qq)
    with Simulator.in_thread() as sim:
        client = make_client(qq, sim, rec.handler)
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:

                async def close_when_ready() -> None:
                    await wait(sim.wait_for_session, 0)
                    sim.close_shard(0, code)

                tg.start_soon(close_when_ready)
                with pytest.raises(qq.GatewayClosedError) as info:
                    await client.start()
        assert info.value.code == code
        assert str(code) in str(info.value)
        # start() has returned: nothing of the client runs any more to reconnect later
        assert len(sim.identifies(0, ok_only=False)) == 1  # no reconnect loop


async def test_raising_handler_does_not_break_delivery(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with Simulator.in_thread() as sim:
        async with running(qq, sim, rec.handler):
            sim.inject_c2c_message("boom")
            sim.inject_c2c_message("still here")
            await wait(sim.wait_for_message, contains="still here")
            assert [str(e) for e in rec.errors] == ["handler bug"]
            assert len(sim.identifies(0)) == 1


async def test_cancelling_start_closes_everything(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with Simulator.in_thread() as sim:
        async with running(qq, sim, rec.handler):
            pass
        await wait(
            sim.wait_for,
            lambda p: (p.live_session(0) is None and not sim._connections) or None,
            5.0,
            "every socket closed",
        )


async def test_chaos_soak_delivers_every_event_once_in_order(qq: ModuleType, request: Any) -> None:
    """Thousands of events while the simulator drops, closes (4009) and reconnects (op 7) the
    shard at random: every event is delivered exactly once and in order. The injector runs in
    a thread and keeps at most 500 events ahead of the bot (the simulator replays 1000)."""
    total = int(request.config.getoption("--soak-events"))
    seen: list[int] = []

    class Counter(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_guild_member_add(self, ctx: Any, ev: Any) -> None:
            seen.append(int(ev.nick))

    def inject_all(sim: Simulator) -> int:
        rng = random.Random(1234)
        faults = 0
        deadline = time.monotonic() + 120  # a stalled bot fails the test instead of hanging it
        for i in range(total):
            while i - len(seen) > 500:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the bot stopped at event {len(seen)} of {total}")
                time.sleep(0.001)
            member = {"guild_id": "1", "nick": str(i), "user": {"id": str(i)}}
            sim.inject("GUILD_MEMBER_ADD", member)
            if rng.random() < 0.01:
                which = rng.choice(["op7", "4009", "drop"])
                if which == "op7":
                    hit = sim.reconnect_shard(0)
                elif which == "4009":
                    hit = sim.close_shard(0, 4009)
                else:
                    hit = sim.drop_shard(0)
                faults += hit  # 0 when it fell while the shard was already reconnecting
        return faults

    with Simulator.in_thread() as sim:
        # faults every few ms: each session counts as stable (else they back off, as a storm)
        quick = {"backoff": BackoffConfig(stable_after=0.0)}
        async with running(qq, sim, Counter(), max_concurrent_handlers=1, gateway_options=quick):
            faults = await wait(inject_all, sim)
            with anyio.fail_after(60):
                while len(seen) < total:
                    await anyio.sleep(0.01)
            assert len(sim.identifies(0)) == 1, "every fault was resumed, never re-identified"
            resumes = sim.resumes(0)
            assert len(resumes) == faults, (len(resumes), faults)
            assert sum(r.replayed for r in resumes) > 0  # some events came by replay
    assert faults > 0
    assert seen == list(range(total)), "every event exactly once, in order"


async def test_unknown_and_malformed_events_are_reported_not_dropped(qq: ModuleType) -> None:
    seen: list[Any] = []

    class Watcher(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_unknown_event(self, ctx: Any, event: Any) -> None:
            seen.append(("unknown", event.name, event.data))

        async def on_at_message_create(self, ctx: Any, message: Any) -> None:
            seen.append(("at", message.content))

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            seen.append(("error", type(error).__name__))

    with Simulator.in_thread() as sim:
        async with running(qq, sim, Watcher()):
            sim.inject("FUTURE_EVENT", {"x": 1}, shard=0)
            sim.inject("AT_MESSAGE_CREATE", ["not", "an", "object"], shard=0)
            # a bad field: the model is read lazily, so the handler's access of it raises
            sim.inject("AT_MESSAGE_CREATE", {"id": "m1", "content": {"not": "text"}}, shard=0)
            sim.inject("GUILD_CREATE", {"id": "9"}, shard=0)  # not handled: skipped, no parse
            sim.inject_at_message("still fine")
            await until(lambda: len(seen) >= 4)
    assert seen[0] == ("unknown", "FUTURE_EVENT", {"x": 1})
    assert seen[1] == seen[2] == ("error", "InvalidModel")
    assert seen[3][0] == "at" and seen[3][1].endswith("still fine")
