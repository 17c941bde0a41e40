"""reply_stream end to end: the real client on both adapters (and on the virtual clock) streams
a reply to the simulator, which sees the frames as the platform would."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import on_virtual_clock, sim_client, until, until_virtual, wait

import qqbot_trio
from qqbot_asyncio.simulator import ThreadedSimulator
from qqbot_trio.testing import VirtualClient, VirtualIo
from qqproto.client._streaming import StreamError, StreamResult, reply_stream
from qqproto.sim import Simulator

C2C_ROUTE = "/v2/users/{openid}/messages"
WORDS = ["Streamed ", "answers ", "arrive ", "in ", "pieces."]


def frames(sim: Any) -> list[dict[str, Any]]:
    """The bodies of the C2C sends the simulator answered with success, in order."""
    return [
        r.body
        for r in sim.rest_log()
        if r.route == C2C_ROUTE and r.method == "POST" and r.status < 300
    ]


def check(sent: list[dict[str, Any]], msg_id: str, text: str) -> None:
    streams = [b["stream"] for b in sent]
    assert [s["index"] for s in streams] == list(range(1, len(sent) + 1))
    assert [s["state"] for s in streams] == [1] * (len(sent) - 1) + [10]
    assert "id" not in streams[0]
    assert len({s["id"] for s in streams[1:]}) == 1
    assert [b["msg_seq"] for b in sent] == list(range(1, len(sent) + 1))
    assert {b["msg_id"] for b in sent} == {msg_id}
    assert "".join(b["content"] for b in sent) == text


@pytest.mark.anyio
async def test_a_streamed_reply_on_each_adapter(qq: ModuleType) -> None:
    results: list[StreamResult] = []
    errors: list[BaseException] = []

    class Streamer(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            async def tokens() -> AsyncIterator[str]:
                for word in WORDS:
                    await anyio.sleep(0.12)
                    yield word

            results.append(await msg.reply_stream(ctx, tokens()))  # the model's sugar

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            errors.append(error)

    with ThreadedSimulator.in_thread() as sim:
        client = sim_client(qq, sim, Streamer(), identify_window=0.5)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            injected = sim.inject_c2c_message("tell me")
            await until(lambda: results or errors, timeout=10)
            tg.cancel_scope.cancel()
        sent = frames(sim)
        log = [r for r in sim.rest_log() if r.route == C2C_ROUTE]
    assert errors == []
    (result,) = results
    msg_id = injected.data["id"] if hasattr(injected, "data") else sent[0]["msg_id"]
    check(sent, msg_id, "".join(WORDS))
    assert 2 <= len(sent) <= 5  # 0.12-s chunks, 0.3-s frames: coalesced
    assert result.text == "".join(WORDS) and result.frames == len(sent)
    assert result.id == sent[1]["stream"]["id"]
    times = [r.time for r in log]
    assert all(b - a >= 0.3 for a, b in itertools.pairwise(times)), times


@on_virtual_clock
async def test_a_long_stream_on_the_virtual_clock(io: VirtualIo) -> None:
    """A minute of tokens every 50 ms: frames at the platform's pace, every word delivered."""
    results: list[StreamResult] = []
    words = [f"w{i} " for i in range(1200)]

    class Streamer(qqbot_trio.EventHandler):
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            async def tokens() -> AsyncIterator[str]:
                for word in words:
                    await io.sleep_until(io.now() + 0.05)
                    yield word

            results.append(await reply_stream(ctx, msg, tokens(), cumulative=True))

    async with Simulator(io, seed=1) as sim:
        sim.call(lambda p: setattr(p, "stream_cumulative", True))
        client = sim_client(
            qqbot_trio, sim, Streamer(), make=lambda *a, **k: VirtualClient(io, *a, **k)
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await sim.wait_for_session(0)
            sim.inject_c2c_message("a long answer please")
            await until_virtual(io, lambda: results, timeout=120)
            tg.cancel_scope.cancel()
        sent = frames(sim)
        times = [r.time for r in sim.rest_log() if r.route == C2C_ROUTE]
        (message,) = sim.sent_messages(scene="c2c")  # the simulator's transcript: one message
        refused = [f for f in sim.stream_frames() if f.refused is not None]
    assert refused == []
    assert message.finished and message.stream_id == results[0].id
    assert message.content == "".join(words) and len(message.frames) == len(sent)
    full = "".join(words)
    assert sent[-1]["content"] == full == results[0].text
    assert all(full.startswith(b["content"]) for b in sent)  # cumulative: prefixes
    assert all(b - a >= 0.3 for a, b in itertools.pairwise(times))
    assert 180 <= len(sent) <= 60 / 0.3 + 2, len(sent)  # 60 s, a frame per 0.3 s at most


@on_virtual_clock
async def test_a_refused_frame_ends_the_stream_with_stream_error(io: VirtualIo) -> None:
    errors: list[BaseException] = []

    class Streamer(qqbot_trio.EventHandler):
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            async def tokens() -> AsyncIterator[str]:
                for word in WORDS:
                    await io.sleep_until(io.now() + 0.5)
                    yield word

            await reply_stream(ctx, msg, tokens())

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            errors.append(error)

    async with Simulator(io, seed=1) as sim:
        client = sim_client(
            qqbot_trio, sim, Streamer(), make=lambda *a, **k: VirtualClient(io, *a, **k)
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await sim.wait_for_session(0)
            sim.inject_c2c_message("go")
            await until_virtual(io, lambda: len(frames(sim)) == 2)
            sim.fail_next("POST " + C2C_ROUTE, status=500)
            await until_virtual(io, lambda: errors)
            tg.cancel_scope.cancel()
        sent = frames(sim)
    (error,) = errors
    assert isinstance(error, StreamError) and isinstance(error.__cause__, qqbot_trio.ServerError)
    assert error.frames == 2 and error.text == "".join(WORDS[:2])
    assert error.stream_id == sent[1]["stream"]["id"]
