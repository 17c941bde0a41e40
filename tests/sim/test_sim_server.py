"""The simulator's server over the Io, on the test's own loop: asyncio and trio.

Every test here is an anyio test, so it runs once per backend (``anyio_backend`` in
tests/conftest.py) and ``qq_sim`` is a :class:`~qqproto.sim.Simulator` on that loop: the
conversation API (``qq_sim.run``) with each fault injection, the waits, scripting from another
thread, webhook pushes sent over the Io, and the thread mode awaited from a trio loop.
"""

from __future__ import annotations

import random
import threading
from typing import Any

import anyio
import pytest

import qqbot_asyncio
import qqbot_trio
from qqbot_asyncio import WebhookOptions
from qqproto import GatewayClosedError, RateLimitedError
from qqproto.client import Context, EventHandler
from qqproto.sim import (
    Conversation,
    IdentifyRecord,
    ResumeRecord,
    Simulator,
    ThreadedSimulator,
    current_io,
)
from qqproto.sim._scripting import Condition

pytestmark = pytest.mark.anyio


class Pong(EventHandler):
    """Answers "ping" with "pong" wherever it is written to; "boom" raises."""

    async def on_at_message_create(self, ctx: Context, message: Any) -> None:
        await self._answer(ctx, message)

    async def on_group_at_message_create(self, ctx: Context, message: Any) -> None:
        await self._answer(ctx, message)

    async def on_c2c_message_create(self, ctx: Context, message: Any) -> None:
        await self._answer(ctx, message)

    async def on_direct_message_create(self, ctx: Context, message: Any) -> None:
        await self._answer(ctx, message)

    async def _answer(self, ctx: Context, message: Any) -> None:
        text = (message.content or "").strip()
        if text.endswith("boom"):
            raise KeyError("boom")
        if text.endswith("ping"):
            await message.reply(ctx, content="pong")


async def test_the_fixture_runs_on_the_tests_own_loop(
    qq_sim: Simulator, anyio_backend: str
) -> None:
    assert type(qq_sim) is Simulator and "running" in repr(qq_sim)
    expected = qqbot_trio._io.TrioIo if anyio_backend == "trio" else qqbot_asyncio._io.AsyncioIo
    assert type(qq_sim.io) is expected
    assert type(current_io()) is expected
    assert qq_sim.now() == pytest.approx(qq_sim.io.now(), abs=1.0)


async def test_ping_pong_in_every_scene(qq_sim: Simulator, anyio_backend: str) -> None:
    async with qq_sim.run(Pong()) as bot:
        expected = qqbot_trio.Client if anyio_backend == "trio" else qqbot_asyncio.Client
        assert type(bot.client) is expected and isinstance(bot, Conversation)
        for scene, recorded in [("channel", "channel"), ("group", "group"), ("c2c", "c2c")]:
            reply = await bot.say("ping", scene=scene)
            assert reply.content == "pong" and reply.scene == recorded
        reply = await bot.say("ping", scene="dm")
        assert reply.content == "pong" and reply.scene == "dms"
        with pytest.raises(ValueError, match="scene must be one of"):
            bot.send("ping", scene="forum")
        with pytest.raises(TimeoutError, match=r"the bot's reply to '<@!\d+> silence' \(channel\)"):
            await bot.say("silence", timeout=0.2)
        found = await bot.wait_for_message(scene="dms", contains="pong")
        assert found.scene == "dms"
        with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
            await bot.wait_for_message(colour="red")


async def test_op7_and_a_drop_resume(qq_sim: Simulator) -> None:
    async with qq_sim.run(Pong()) as bot:
        first = qq_sim.session_id(0)
        resumed = await bot.reconnect()
        assert isinstance(resumed, ResumeRecord) and resumed.session_id == first
        assert (await bot.say("ping")).content == "pong"
        again = await bot.drop()
        assert isinstance(again, ResumeRecord) and again.session_id == first
        assert (await bot.say("ping")).content == "pong"
        assert len(qq_sim.identifies(0)) == 1 and len(qq_sim.resumes(0)) == 2


async def test_op9_and_close_4006_identify_anew(qq_sim: Simulator) -> None:
    async with qq_sim.run(Pong()) as bot:
        first = qq_sim.session_id(0)
        fresh = await bot.invalidate_session()
        assert isinstance(fresh, IdentifyRecord) and fresh.session_id != first
        assert (await bot.say("ping", scene="group")).content == "pong"
        newer = await bot.close(4006)
        assert isinstance(newer, IdentifyRecord) and newer.session_id != fresh.session_id
        resumed = await bot.close(4009)
        assert isinstance(resumed, ResumeRecord) and resumed.session_id == newer.session_id
        assert (await bot.say("ping", scene="c2c")).content == "pong"


async def test_a_429_reaches_the_handler_and_the_next_send_goes_through(qq_sim: Simulator) -> None:
    async with qq_sim.run(Pong()) as bot:
        failure = bot.fail_next("POST /channels/{channel_id}/messages", status=429, code=22009)
        assert failure.status == 429
        with pytest.raises(RateLimitedError, match="22009"):
            await bot.say("ping")
        assert (await bot.say("ping")).content == "pong"
        sends = [r for r in qq_sim.rest_log() if r.method == "POST" and "/messages" in r.target]
        statuses = [r.status for r in sends]
        assert statuses == [429, 200]


async def test_a_handler_error_is_raised_by_the_next_wait(qq_sim: Simulator) -> None:
    async with qq_sim.run(Pong()) as bot:
        with pytest.raises(KeyError, match="boom"):
            await bot.say("boom")
        assert (await bot.say("ping")).content == "pong"  # raised once, the bot runs on


async def test_a_handler_error_not_awaited_is_raised_after_the_block(qq_sim: Simulator) -> None:
    handler = Pong()
    with pytest.raises(KeyError, match="boom"):
        async with qq_sim.run(handler) as bot:
            bot.send("boom")
            await qq_sim.wait_for(lambda p: bot.errors, what="the handler's error")
    assert "on_error" not in vars(handler)  # the recorder is removed again


async def test_a_failing_block_keeps_its_own_error(qq_sim: Simulator) -> None:
    with pytest.raises(AssertionError, match="mine") as caught:
        async with qq_sim.run(Pong()) as bot:
            bot.send("boom")
            await qq_sim.wait_for(lambda p: bot.errors, what="the handler's error")
            raise AssertionError("mine")
    assert "the bot also raised: KeyError('boom')" in getattr(caught.value, "__notes__", [""])[0]


async def test_a_handler_with_its_own_on_error_keeps_it(qq_sim: Simulator) -> None:
    seen: list[BaseException] = []

    class Careful(Pong):
        async def on_error(self, ctx: Context, error: BaseException) -> None:
            seen.append(error)

    async with qq_sim.run(Careful()) as bot:
        with pytest.raises(TimeoutError):
            await bot.say("boom", timeout=0.3)
        assert (await bot.say("ping")).content == "pong"
    assert [type(e) for e in seen] == [KeyError] and bot.errors == []


async def test_a_fatal_close_raises_the_clients_error(qq_sim: Simulator) -> None:
    async with qq_sim.run(Pong()) as bot:
        with pytest.raises(GatewayClosedError):
            await bot.close(4914)
        assert isinstance(bot.failure, GatewayClosedError)


async def test_the_clients_end_is_raised_after_the_block_when_not_awaited(
    qq_sim: Simulator,
) -> None:
    with pytest.raises(GatewayClosedError):
        async with qq_sim.run(Pong()) as bot:
            qq_sim.close_shard(0, 4914)
            await qq_sim.wait_for(lambda p: bot.failure, what="the client's end")


async def test_waits_time_out_naming_what_they_awaited(qq_sim: Simulator) -> None:
    with pytest.raises(TimeoutError, match=r"message #2 \(scene=group\)"):
        await qq_sim.wait_for_message(scene="group", count=2, timeout=0.05)
    with pytest.raises(TimeoutError, match="a live session on shard 0"):
        await qq_sim.wait_for_session_async(0, timeout=0.05)
    with pytest.raises(TimeoutError, match="identify #1 on shard 1"):
        await qq_sim.wait_for_identify(1, timeout=0.05)
    with pytest.raises(TimeoutError, match="resume #1"):
        await qq_sim.wait_for_resume(0, timeout=0.05)
    with pytest.raises(TimeoutError, match="heartbeat #1"):
        await qq_sim.wait_for_heartbeat(timeout=0.05)
    with pytest.raises(TimeoutError, match="request #1 GET /users"):
        await qq_sim.wait_for_request("GET", "/users", timeout=0.05)
    with pytest.raises(TimeoutError, match="webhook validation"):
        await qq_sim.wait_for_webhook_validation(timeout=0.05)
    assert await qq_sim.wait_for_pushes_settled() == []
    async with ThreadedSimulator() as threaded:  # the thread mode served in this loop
        with pytest.raises(RuntimeError, match="this wait blocks"):
            threaded._block(Condition(lambda p: None, "anything", 0.01))


async def test_the_waits_see_the_bots_traffic(anyio_backend: str) -> None:
    async with Simulator.for_current_loop(heartbeat_interval_ms=100) as qq_sim, qq_sim.run(Pong()):
        assert (await qq_sim.wait_for_identify(0)).session_id == qq_sim.session_id(0)
        assert (await qq_sim.wait_for_request("GET", "/gateway/bot")).status == 200
        assert (await qq_sim.wait_for_heartbeat(0)).shard == 0
        incoming = qq_sim.inject_c2c_message("ping")
        reply = await qq_sim.wait_for_message(scene="c2c", reply_to=incoming.data["id"])
        assert reply.content == "pong"
        assert await qq_sim.wait_for_message_async(contains="pong") == reply


async def test_scripting_from_another_thread_runs_on_the_loop(qq_sim: Simulator) -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def inject() -> str:
        def record(p: Any) -> str:
            threads.append(threading.get_ident())
            return str(p.inject_c2c_message("from a thread", qq_sim.now()).event_id)

        assert threading.get_ident() != loop_thread
        qq_sim.now()  # the loop's clock, read from the thread
        return qq_sim.call(record)

    event_id = await anyio.to_thread.run_sync(inject)
    assert threads == [loop_thread]
    injected = await qq_sim.wait_for(lambda p: p.injected[-1] if p.injected else None)
    assert injected.event_id == event_id


async def test_webhook_mode_pushes_over_the_io(qq_sim: Simulator) -> None:
    async with qq_sim.run(Pong(), webhook=WebhookOptions("127.0.0.1", 0)) as bot:
        assert bot.client.webhook_url is not None
        reply = await bot.say("ping", scene="group")
        assert reply.content == "pong"
        qq_sim.lose_webhook_acks(1)
        assert (await bot.say("ping", scene="c2c")).content == "pong"
        attempts = await qq_sim.wait_for_pushes_settled()
        assert [a.op for a in attempts][:1] == [13] and attempts[-1].acked
        assert any(not a.acked for a in attempts[1:])  # the lost ack was retried
        assert qq_sim.webhook_attempts() == attempts


async def test_a_push_to_nowhere_is_recorded_as_failed(anyio_backend: str) -> None:
    async with Simulator.for_current_loop() as sim:
        sim.call(lambda p: setattr(p.webhook, "max_attempts", 1))
        with anyio.fail_after(5):
            listener = await sim.io.listen("127.0.0.1", 0)
            port = listener.port
            await listener.aclose()  # nobody listens there now
            sim.register_webhook(f"http://127.0.0.1:{port}/qqbot")
            attempts = await sim.wait_for_pushes_settled()
        assert [a.status for a in attempts] == [None]
        assert attempts[0].error is not None and "ConnectError" in attempts[0].error


async def test_lifecycle(anyio_backend: str) -> None:
    sim = Simulator(seed=1, webhook_url=None)
    with pytest.raises(RuntimeError, match="not running"):
        sim.now()
    assert sim.app_id == "102000000" and "stopped" in repr(sim)  # no loop: direct
    await sim.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            await sim.start()
    finally:
        await sim.aclose()
    await sim.aclose()  # twice is fine
    with pytest.raises(ValueError, match="webhook_ssl_context"):
        Simulator(current_io(), webhook_ssl_context=object())
    with pytest.warns(DeprecationWarning, match="first argument is the Io"):
        old = Simulator(sim.platform)
    assert old.platform is sim.platform


def test_for_current_loop_needs_a_loop() -> None:
    with pytest.raises(RuntimeError, match="no running event loop"):
        Simulator.for_current_loop()


def test_the_thread_mode_awaited_from_trio() -> None:
    """The ``*_async`` waits of the thread mode work from trio (they used asyncio.sleep)."""
    import trio

    async def main(sim: ThreadedSimulator) -> None:
        with pytest.raises(TimeoutError, match="live session"):
            await sim.wait_for_session_async(0, timeout=0.05)
        trio.lowlevel.current_trio_token().run_sync_soon(
            lambda: threading.Thread(target=sim.inject_c2c_message, args=("hi",)).start()
        )
        found = await sim.wait_for_async(lambda p: p.injected[-1] if p.injected else None)
        assert found.name == "C2C_MESSAGE_CREATE"

    with Simulator.in_thread(seed=2) as sim:
        trio.run(main, sim)


def test_on_an_in_memory_io_with_a_virtual_clock() -> None:
    """The same server on VirtualIo: ten virtual minutes of heartbeats in milliseconds, the
    conversation with a client sharing the simulator's Io."""
    import trio

    from qqbot_trio.testing import VirtualIo, run_virtual

    async def main() -> None:
        async with Simulator(VirtualIo()) as sim, sim.run(Pong()) as bot:
            assert type(bot.client).__name__ == "SharedIoClient"
            assert bot.client._io is sim.io
            await trio.sleep(600)
            assert len(sim.heartbeats(0)) >= 14
            assert (await bot.say("ping")).content == "pong"
            assert isinstance(await bot.reconnect(), ResumeRecord)

    run_virtual(main)


def test_a_close_the_client_never_answers_ends_the_connection_after_the_timeout() -> None:
    """The server closes, the client never answers: the close timeout (5 s) drops the
    connection and the world forgets it (virtual time)."""

    from qqbot_trio.testing import VirtualIo, run_virtual
    from qqproto.gateway._connection import GatewayConfig, GatewayConnection
    from qqproto.gateway._events import Ready
    from qqproto.gateway._wire import WireConnection
    from qqproto.rest._auth import Token, build_token_request, parse_token_response
    from qqproto.rest._http import HttpConnection

    async def main() -> None:
        io = VirtualIo()
        async with Simulator(io) as sim:
            stream = await io.connect(sim.host, sim.port, tls=False, timeout=5)
            http = HttpConnection()
            request = build_token_request(Token(sim.app_id, sim.secret), sim.endpoints.token)
            await stream.send_all(http.send(request))
            response = None
            while response is None:
                response = http.receive_data(await stream.receive_some(65536))
            token, _ = parse_token_response(response)
            stream = await io.connect(sim.host, sim.port, tls=False, timeout=5)
            gateway = GatewayConnection(GatewayConfig(intents=1), rng=random.Random(0))
            wire = WireConnection(gateway, sim.gateway_url, token)
            await stream.send_all(wire.bytes_to_send())
            while not any(isinstance(e, Ready) for e in wire.events()):
                wire.receive_data(await stream.receive_some(65536), io.now())
                await stream.send_all(wire.bytes_to_send())
            assert sim.session_id(0) is not None
            closed_at = io.now()
            assert sim.close_shard(0, 4009) == 1  # and the client reads no more
            assert sim.session_id(0) is None  # detached at once, its connection not yet gone
            await sim.wait_for(lambda p: not p.connections, timeout=30)
            assert 5.0 <= io.now() - closed_at < 6.0
            assert [c.conn.is_websocket for c in sim._connections] == [False]  # the token's

    run_virtual(main)


def test_the_old_module_path_gives_the_thread_mode_class_with_a_warning() -> None:
    import qqbot_asyncio.simulator as old
    from qqproto.sim import DEFAULT_APP_ID

    with pytest.warns(DeprecationWarning, match=r"qqbot_asyncio\.simulator.*ThreadedSimulator"):
        assert old.Simulator is ThreadedSimulator
    with pytest.warns(DeprecationWarning, match="qqproto.sim.DEFAULT_APP_ID"):
        assert old.DEFAULT_APP_ID == DEFAULT_APP_ID
    with pytest.raises(AttributeError):
        old.Platform  # noqa: B018 - only the three old names are there


@pytest.mark.parametrize(
    ("host", "api_base", "gateway_url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8080", "ws://127.0.0.1:8080/websocket"),
        ("0.0.0.0", "http://127.0.0.1:8080", "ws://127.0.0.1:8080/websocket"),
        ("::", "http://[::1]:8080", "ws://[::1]:8080/websocket"),
        ("::1", "http://[::1]:8080", "ws://[::1]:8080/websocket"),
        ("example.test", "http://example.test:8080", "ws://example.test:8080/websocket"),
    ],
)
def test_urls_name_an_address_a_bot_can_use(host: str, api_base: str, gateway_url: str) -> None:
    """IPv6 addresses are bracketed; a wildcard listen address becomes the loopback address."""
    sim = Simulator(host=host, port=8080)
    assert (sim.api_base, sim.gateway_url) == (api_base, gateway_url)
    assert sim.token_url == api_base + "/app/getAppAccessToken"
