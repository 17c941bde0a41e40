"""Webhook instances behind a load balancer share their deduplication through a real Redis.

Two clients of one bot (same app id, same Redis namespace), each with its own port, stand for
two instances: a push (and the platform's retries of it) reaching either or both is handled once.
With Redis unreachable, pushes are still handled and a WARNING says so. Every test runs on
asyncio and trio; the ASGI app runs under uvicorn (asyncio) and hypercorn (trio).
"""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio
import coredis
import pytest
from _e2e import Recording, asgi_server, exchange, request, sign, sim_client, until, wait

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto.cluster._config import ClusterConfig
from qqproto.cluster._keys import ClusterKeys
from qqproto.cluster._webhook import WebhookVerdict, webhook_dedup_key, webhook_verdict

pytestmark = pytest.mark.anyio


class Seen(Recording):
    """Records every C2C message its instance handled (``instance`` names it)."""

    def __init__(self, qq: ModuleType) -> None:
        super().__init__()
        rec = self

        class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
            instance = ""

            async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
                rec.events.append(("c2c", (self.instance, msg.content)))
                if not msg.id.startswith("raw-"):  # built by the test: unknown to the simulator
                    await msg.reply(ctx, content="echo: " + (msg.content or ""))

            async def on_error(self, ctx: Any, error: BaseException) -> None:
                rec.errors.append(error)

        self.handler_type = Handler

    def handler(self, instance: str) -> Any:
        handler = self.handler_type()
        handler.instance = instance
        return handler


def config(redis_url: str, namespace: str) -> ClusterConfig:
    return ClusterConfig(redis_url, namespace=namespace, webhook_dedup_window=60.0)


def instance(qq: ModuleType, sim: ThreadedSimulator, handler: Any, cluster: ClusterConfig) -> Any:
    """One webhook instance of the simulator's bot, on a free port, in cluster mode."""
    return sim_client(
        qq,
        sim,
        handler,
        intents=qq.Intents.none(),
        webhook=qq.WebhookOptions(port=0),
        cluster=cluster,
    )


@asynccontextmanager
async def instances(*clients: Any) -> AsyncIterator[list[int]]:
    """Run the clients' webhook servers for the block; yields their ports."""
    async with anyio.create_task_group() as tg:
        for client in clients:
            tg.start_soon(client.start)
        await until(lambda: all(c.webhook_url for c in clients))
        yield [port_of(c.webhook_url) for c in clients]
        tg.cancel_scope.cancel()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def push_body(event_id: str, content: str) -> bytes:
    """A C2C push as the simulator builds one (``{"op":0,"id","d","t"}``)."""
    d = {
        "id": "raw-" + event_id,
        "content": content,
        "timestamp": "2024-01-01T00:00:00+08:00",
        "author": {"user_openid": "u-openid", "id": "u-openid"},
    }
    return json.dumps({"op": 0, "id": event_id, "d": d, "t": "C2C_MESSAGE_CREATE"}).encode()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_key_and_verdict() -> None:
    assert webhook_dedup_key("ns", "app", "E1") == ClusterKeys("ns", "app").webhook("E1")
    assert webhook_dedup_key("ns", "app", None, "AB") == "ns:app:webhook:sig:ab"
    with pytest.raises(ValueError, match="event id or a signature"):
        webhook_dedup_key("ns", "app", None, None)
    assert webhook_verdict(True) is WebhookVerdict.FIRST
    assert webhook_verdict(b"OK") is WebhookVerdict.FIRST
    assert webhook_verdict(None) is WebhookVerdict.DUPLICATE
    with pytest.raises(ValueError, match="unexpected reply"):
        webhook_verdict(3)


async def test_retry_moved_to_another_instance_is_handled_once(
    qq: ModuleType, redis_url: str
) -> None:
    """The simulator pushes to instance A, the ack is lost, the load balancer sends the retry
    to instance B (the callback URL now leads there): B acks it without handling it."""
    namespace = f"t{uuid.uuid4().hex}"
    seen = Seen(qq)
    with ThreadedSimulator.in_thread() as sim:
        a = instance(qq, sim, seen.handler("a"), config(redis_url, namespace))
        b = instance(qq, sim, seen.handler("b"), config(redis_url, namespace))
        async with instances(a, b):
            sim.call(lambda p: setattr(p.webhook, "retry_delay", 1.0))
            sim.register_webhook(a.webhook_url)
            await wait(sim.wait_for_webhook_validation)
            sim.lose_webhook_acks(1)
            incoming = sim.inject_c2c_message("once")
            await until(lambda: [a for a in sim.webhook_attempts() if a.op == 0])
            sim.register_webhook(b.webhook_url)  # the retry goes to B once it is validated
            await wait(sim.wait_for_webhook_validation)
            attempts = await wait(sim.wait_for_pushes_settled)
            sim.inject_c2c_message("later")  # handled by B: the retry was taken in before it
            await wait(sim.wait_for_message, scene="c2c", contains="later")
    pushes = [(x.attempt, x.acked) for x in attempts if x.op == 0]
    assert pushes == [(1, False), (2, True)]
    assert {x.event_id for x in attempts if x.op == 0} == {incoming.event_id}
    assert seen.kinds("c2c") == [("a", "once"), ("b", "later")]
    assert sorted(m.content or "" for m in sim.sent_messages(scene="c2c")) == [
        "echo: later",
        "echo: once",
    ]
    assert seen.errors == []


async def test_same_push_to_both_instances_and_again_is_handled_once(
    qq: ModuleType, redis_url: str
) -> None:
    """The same signed push sent to both instances at once, then again to each, then to a new
    instance (a restart: no local memory): handled once; every answer is the ack."""
    namespace = f"t{uuid.uuid4().hex}"
    seen = Seen(qq)
    with ThreadedSimulator.in_thread() as sim:
        a = instance(qq, sim, seen.handler("a"), config(redis_url, namespace))
        b = instance(qq, sim, seen.handler("b"), config(redis_url, namespace))
        c = instance(qq, sim, seen.handler("c"), config(redis_url, namespace))
        async with instances(a, b, c) as ports:
            event_id = f"C2C_MESSAGE_CREATE:{uuid.uuid4().hex}"
            body = push_body(event_id, "hello")
            headers = sign(sim.secret, body, int(time.time()))
            answers: list[Any] = []

            async def deliver(port: int) -> None:
                answers.extend(await exchange(port, request(port, body, headers)))

            async with anyio.create_task_group() as tg:
                for port in ports[:2]:
                    tg.start_soon(deliver, port)
            await until(lambda: seen.kinds("c2c"))
            for port in ports:  # retried to each: A and B remember it, C only through Redis
                await deliver(port)
            # a later push through C: once handled, everything before it was taken in
            later = push_body(f"C2C_MESSAGE_CREATE:{uuid.uuid4().hex}", "later")
            headers = sign(sim.secret, later, int(time.time()))
            await exchange(ports[2], request(ports[2], later, headers))
            await until(lambda: len(seen.kinds("c2c")) == 2)
            await anyio.sleep(0.1)  # room for a wrong second handling to show
            redis = coredis.Redis.from_url(redis_url)
            async with redis:
                ttl = await redis.pttl(ClusterKeys(namespace, sim.app_id).webhook(event_id))
    assert [(x.status, json.loads(x.body)) for x in answers] == [(200, {"op": 12, "d": 0})] * 5
    handled = seen.kinds("c2c")
    assert [text for _, text in handled] == ["hello", "later"]
    assert handled[0][0] in ("a", "b") and handled[1][0] == "c"
    assert 50_000 < ttl <= 60_000  # marked for webhook_dedup_window
    assert seen.errors == []


async def test_redis_down_pushes_still_handled_with_a_warning(
    qq: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    """No Redis: each push is handled (at least once rather than lost) and a WARNING says the
    shared check failed; the local dedup still drops a retry to the same instance."""
    caplog.set_level(logging.WARNING, logger="qqbot.webhook")
    down = ClusterConfig(f"redis://127.0.0.1:{closed_port()}", namespace="down")
    seen = Seen(qq)
    with ThreadedSimulator.in_thread() as sim:
        a = instance(qq, sim, seen.handler("a"), down)
        async with instances(a):
            sim.register_webhook(a.webhook_url)
            await wait(sim.wait_for_webhook_validation)
            sim.lose_webhook_acks(1)  # retried to the same instance: its memory drops it
            sim.inject_c2c_message("first")
            sim.inject_c2c_message("second")
            await wait(sim.wait_for_message, scene="c2c", contains="first")
            await wait(sim.wait_for_message, scene="c2c", contains="second")
            attempts = await wait(sim.wait_for_pushes_settled)
    assert sorted(text for _, text in seen.kinds("c2c")) == ["first", "second"]
    assert sum(1 for x in attempts if x.op == 0) == 3  # one retry, dropped locally
    warnings = [r for r in caplog.records if "shared dedup failed" in r.getMessage()]
    assert len(warnings) == 2 and all(r.levelno == logging.WARNING for r in warnings)
    assert "handling C2C_MESSAGE_CREATE" in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("anyio_backend", "kind"),
    [("asyncio", "uvicorn"), ("trio", "hypercorn")],
    indirect=["anyio_backend"],
)
async def test_two_asgi_apps_share_the_dedup(qq: ModuleType, kind: str, redis_url: str) -> None:
    """The same through the ASGI app under a real server: one push to two apps, handled once."""
    namespace = f"t{uuid.uuid4().hex}"
    seen = Seen(qq)
    with ThreadedSimulator.in_thread() as sim:
        apps = []
        for name in ("a", "b"):
            client = sim_client(
                qq,
                sim,
                seen.handler(name),
                intents=qq.Intents.none(),
                cluster=config(redis_url, namespace),
            )
            apps.append(client.asgi_app(path="/qqbot"))
        async with asgi_server(kind, apps[0]) as url_a, asgi_server(kind, apps[1]) as url_b:
            body = push_body(f"C2C_MESSAGE_CREATE:{uuid.uuid4().hex}", "via asgi")
            headers = sign(sim.secret, body, int(time.time()))
            answers = []
            for url in (url_a, url_b, url_a):
                port = port_of(url)
                answers += await exchange(port, request(port, body, headers))
            await until(lambda: seen.kinds("c2c"))
            await anyio.sleep(0.1)
            assert [app.endpoint.bots[sim.app_id].dedup.duplicates for app in apps] == [0, 1]
    assert [x.status for x in answers] == [200, 200, 200]
    assert seen.kinds("c2c") == [("a", "via asgi")]
