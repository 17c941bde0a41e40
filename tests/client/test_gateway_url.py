"""Client(gateway_url=...): connect to a given gateway (a proxy) without GET /gateway/bot."""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import on_virtual_clock, sim_client, until, until_virtual, wait

import qqbot_asyncio
import qqbot_trio
from qqbot_asyncio.simulator import ThreadedSimulator
from qqbot_trio.testing import VirtualClient, VirtualIo
from qqproto.sim import Simulator


def gateway_calls(sim: Any) -> list[str]:
    return [r.target for r in sim.rest_log() if r.target.startswith("/gateway")]


class Echo:
    """A handler class factory: echoes C2C messages, records ready events."""

    def __init__(self, qq: ModuleType) -> None:
        self.ready: list[Any] = []
        rec = self

        class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
            async def on_ready(self, ctx: Any, ready: Any) -> None:
                rec.ready.append(ctx.shard)

            async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
                await msg.reply(ctx, content="echo: " + (msg.content or ""))

        self.handler = Handler()


@pytest.mark.anyio
async def test_the_bot_connects_to_the_given_url_without_asking_for_one(qq: ModuleType) -> None:
    echo = Echo(qq)
    with ThreadedSimulator.in_thread() as sim:
        # the snippet of docs/cookbook/proxy-gateway.md
        client = qq.Client(
            qq.Token(sim.app_id, sim.secret),
            qq.Intents.default(),
            echo.handler,
            api_base=sim.api_base,
            token_url=sim.token_url,
            gateway_url=sim.gateway_url,  # e.g. "wss://gateway-proxy.example:8443/websocket"
            identify_window=0.5,
        )
        assert client.gateway_url == sim.gateway_url
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            sim.inject_c2c_message("via the proxy")
            sent = await wait(sim.wait_for_message, scene="c2c", contains="via the proxy")
            await until(lambda: echo.ready)
            tg.cancel_scope.cancel()
        assert sent.content == "echo: via the proxy"
        assert gateway_calls(sim) == []  # no GET /gateway/bot
        assert [r.shard for r in sim.identifies()] == [(0, 1)]
        assert echo.ready == [(0, 1)]


@on_virtual_clock
async def test_shard_count_comes_from_the_option(io: VirtualIo) -> None:
    """Two shards on the given URL: shard_count is not asked for; the identify limiter keeps
    its default (one identify per window)."""
    echo = Echo(qqbot_trio)
    async with Simulator(io, seed=1, shards=2) as sim:
        client = sim_client(
            qqbot_trio,
            sim,
            echo.handler,
            make=lambda *a, **k: VirtualClient(io, *a, **k),
            gateway_url=sim.gateway_url,
            shard_count=2,
            rng=random.Random(3),
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await sim.wait_for_session(0, timeout=30)
            await sim.wait_for_session(1, timeout=30)
            await until_virtual(io, lambda: len(echo.ready) == 2)
            tg.cancel_scope.cancel()
        identifies = sim.identifies()
        assert gateway_calls(sim) == []
    assert sorted(str(r.shard) for r in identifies) == ["(0, 2)", "(1, 2)"]
    assert abs(identifies[1].time - identifies[0].time) >= 5.0 - 1e-6  # the default window


@pytest.mark.parametrize("qq", [qqbot_asyncio, qqbot_trio])
@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://gateway.example/websocket", "ws:// or wss://"),
        ("gateway.example:443", "ws:// or wss://"),
        ("wss:///websocket", "no host"),
        ("wss://user:pw@gateway.example/", "credentials"),
        ("", "ws:// or wss://"),
    ],
)
def test_a_bad_url_is_refused_at_construction(qq: ModuleType, url: str, why: str) -> None:
    handler = qq.EventHandler()
    token = qq.Token("1", "secret")
    with pytest.raises(ValueError, match=why):
        qq.Client(token, qq.Intents.default(), handler, gateway_url=url)
    with pytest.raises(ValueError, match=why):
        qq.Client.with_config(token, qq.Intents.default(), handler, 5.0, gateway_url=url)
    with pytest.raises(TypeError, match="gateway_url must be a str"):
        qq.Client(token, qq.Intents.default(), handler, gateway_url=b"wss://x/")


@pytest.mark.parametrize("qq", [qqbot_asyncio, qqbot_trio])
def test_good_urls_are_kept(qq: ModuleType) -> None:
    token = qq.Token("1", "secret")
    for url in ("wss://proxy.example/websocket", "ws://127.0.0.1:8080/", "WSS://proxy.example"):
        client = qq.Client.with_config(
            token, qq.Intents.default(), qq.EventHandler(), 5.0, gateway_url=url
        )
        assert client.gateway_url == url
    assert qq.Client(token, qq.Intents.default(), qq.EventHandler()).gateway_url is None
