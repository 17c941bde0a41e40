"""Cookbook: one bot split across processes, one shard each (``shard_ids``/``shard_count``).

Run it (no credentials needed: the parent plays the platform with the embedded simulator, set to
suggest 2 shards, and starts two worker processes of this same file, one per shard)::

    python3 examples/cookbook/sharding.py

Each worker is what you would run on its own machine or container in production::

    QQ_BOT_APPID=... QQ_BOT_SECRET=... python3 examples/cookbook/sharding.py --worker 0 2
    QQ_BOT_APPID=... QQ_BOT_SECRET=... python3 examples/cookbook/sharding.py --worker 1 2

(``QQ_BOT_API_BASE``/``QQ_BOT_TOKEN_URL`` point a worker at a simulator instead of the platform.)
The demo sends an @-message into a guild of each shard, checks that the worker owning that shard
answered it and that each shard identified exactly once (the second a window after the first),
then stops the workers and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from typing import Any

import qqbot_asyncio as qq

SHARD_COUNT = 2
DEMO_WINDOW = 0.2
"""The identify window in the demo (the simulator does not enforce the platform's 5 s)."""


class Pong(qq.EventHandler):
    """Answers an @-message with the shard and process that handled it."""

    async def on_ready(self, ctx: qq.Context, ready: Any) -> None:
        print(f"worker {os.getpid()}: shard {ctx.shard[0]}/{ctx.shard[1]} ready", flush=True)

    async def on_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        await message.reply(ctx, content=f"pong from shard {ctx.shard[0]}")


async def worker(shard_id: int, shard_count: int) -> None:
    """One process, one shard: ``shard_ids=[shard_id]`` of ``shard_count``."""
    window = float(os.environ.get("QQ_BOT_IDENTIFY_WINDOW", "5"))
    # Each process has its own identify limiter, so processes must not identify at once:
    # shard k waits k windows (with max_concurrency 1, one identify per window per bot).
    await asyncio.sleep(shard_id * window)
    client = qq.Client(
        qq.Token(os.environ["QQ_BOT_APPID"], os.environ["QQ_BOT_SECRET"]),
        qq.Intents.none().with_public_guild_messages(),
        Pong(),
        api_base=os.environ.get("QQ_BOT_API_BASE"),
        token_url=os.environ.get("QQ_BOT_TOKEN_URL"),
        shard_ids=[shard_id],
        shard_count=shard_count,
        identify_window=window,
    )
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await client.start()


def guild_id_for(shard: int, shard_count: int) -> str:
    """A guild id the platform routes to ``shard``: ``(guild_id >> 22) % shard_count``."""
    return str((1_234_567 * shard_count + shard) << 22)


async def demo() -> int:
    from qqproto.sim import Simulator

    async with Simulator(shards=SHARD_COUNT, seed=3) as sim:
        channels = []
        for shard in range(SHARD_COUNT):
            guild = guild_id_for(shard, SHARD_COUNT)
            sim.add_guild(guild, f"guild on shard {shard}")
            sim.add_channel(f"chan-{shard}", guild, f"channel on shard {shard}")
            channels.append(f"chan-{shard}")
        env = {
            **os.environ,
            "QQ_BOT_APPID": sim.app_id,
            "QQ_BOT_SECRET": sim.secret,
            "QQ_BOT_API_BASE": sim.api_base,
            "QQ_BOT_TOKEN_URL": sim.token_url,
            "QQ_BOT_IDENTIFY_WINDOW": str(DEMO_WINDOW),
        }
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--worker", str(shard), str(SHARD_COUNT), env=env
            )
            for shard in range(SHARD_COUNT)
        ]
        try:
            for shard in range(SHARD_COUNT):
                await sim.wait_for_session(shard, timeout=30)
            for shard, channel in enumerate(channels):
                incoming = sim.inject_at_message("ping", channel_id=channel)
                reply = await sim.wait_for_message(reply_to=incoming.data["id"], timeout=10)
                print(f"guild of shard {shard} got: {reply.content}")
                assert reply.content == f"pong from shard {shard}", reply.content
            identifies = sim.identifies()
            assert sorted(r.shard for r in identifies if r.shard) == [(0, 2), (1, 2)], identifies
            gap = abs(identifies[1].time - identifies[0].time)
            print(f"each shard identified once, {gap:.2f} s apart (window {DEMO_WINDOW} s)")
        finally:
            for process in workers:
                if process.returncode is None:
                    process.terminate()
            codes = [await process.wait() for process in workers]
    print(f"workers stopped (exit codes {codes}); sharding demo finished")
    return 0 if codes == [0] * SHARD_COUNT else 1


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--worker"] and len(args) == 3:
        asyncio.run(worker(int(args[1]), int(args[2])))
        return 0
    return asyncio.run(demo())


if __name__ == "__main__":
    sys.exit(main())
