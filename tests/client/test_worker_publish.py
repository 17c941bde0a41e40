"""End to end, the gateway/worker split: a Client in publish mode (ClusterConfig(publish=True))
appends the simulator's dispatches to the Redis stream instead of handling them; a Worker on the
same configuration handles them, and its reply reaches the simulator (both adapters)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import sim_client, until, wait

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto.cluster import ClusterConfig

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def sim() -> Iterator[ThreadedSimulator]:
    with ThreadedSimulator.in_thread() as s:
        yield s


async def test_a_c2c_message_published_by_the_gateway_is_answered_by_the_worker(
    qq: ModuleType, sim: ThreadedSimulator, redis_url: str
) -> None:
    config = ClusterConfig(redis_url, namespace=f"t{uuid.uuid4().hex}", publish=True)
    gateway_saw: list[Any] = []
    worker_saw: list[Any] = []

    class Gateway(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            gateway_saw.append(msg)

    class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            worker_saw.append((msg, ctx))
            await msg.reply(ctx, content="from the worker: " + (msg.content or ""))

    client = sim_client(qq, sim, Gateway(), cluster=config)
    worker = qq.Worker(
        qq.Token(sim.app_id, sim.secret),
        Handler(),
        cluster=config,
        api_base=sim.api_base,
        token_url=sim.token_url,
    )
    text = f"hello {config.namespace}"
    async with anyio.create_task_group() as tg:
        tg.start_soon(client.start)
        tg.start_soon(worker.start)
        await wait(sim.wait_for_session, 0)
        injected = sim.inject_c2c_message(text)
        sent = await wait(sim.wait_for_message, scene="c2c", contains="from the worker: " + text)
        assert (sent.msg_id, sent.msg_seq) == (injected.data["id"], 1)
        await until(lambda: worker._counters.handled == 1 and not worker._completions)
        status = await worker.status()
        assert (status.pending, status.group_pending, status.lag) == (0, 0, 0)
        tg.cancel_scope.cancel()
    assert gateway_saw == []  # published, not handled in the gateway process
    ((msg, ctx),) = worker_saw
    assert type(msg) is qq.models.C2CMessage and msg.event_id == injected.event_id
    assert msg.content == text and ctx.redelivered is False
