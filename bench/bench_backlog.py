"""Memory of a flood of large events behind slow handlers (issue 9 §3), side by side in one run.

A client whose handlers never finish gets ``--events`` @-messages of ``--size`` bytes of content
each from the simulator. Two clients, each in its own process, are measured one after the
other against the same simulator: the default backlog bounds (10,000 events and 16 MiB of wire
bytes) and the count bound alone (``max_backlog_bytes`` effectively unbounded, as before the
byte bound existed). For each, the peak RSS of the client process (VmHWM) once the simulator
has sent everything it can and the client's RSS stopped growing, and the RSS of the connected,
idle client before the flood::

    python bench/bench_backlog.py                 # 3,000 events of 64 KiB (about 1 min)
    python bench/bench_backlog.py --events 10000  # the 640 MB flood of the issue
    python bench/bench_backlog.py --cadence 20    # heartbeats while the backlog stays full

``--cadence S`` measures something else: a client (asyncio, in this process) whose handlers
never finish, with ``max_backlog=5``, against a simulator asking for a heartbeat every second,
flooded until its backlog is full; for ``S`` seconds it reports the gaps between the heartbeats
the simulator received, and how many gateway connections were opened (1: the session survived).

The simulator runs in this process; only the clients' memory is measured.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(config: dict[str, object]) -> None:
    """The client under test: hold every handler forever, report RSS on stdout."""
    import asyncio

    import qqbot_asyncio as qq

    class Stuck(qq.EventHandler):
        async def on_at_message_create(self, ctx: object, message: object) -> None:
            await asyncio.Event().wait()

    async def main() -> None:
        client = qq.Client(
            qq.Token(str(config["app_id"]), str(config["secret"])),
            qq.Intents.default(),
            Stuck(),
            api_base=str(config["api_base"]),
            token_url=str(config["token_url"]),
            max_backlog_bytes=int(str(config["max_backlog_bytes"])),
        )
        task = asyncio.create_task(client.start())
        while client.bot is None or not client.connections:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        print(json.dumps({"ready_kb": status_kb("VmRSS")}), flush=True)
        await task

    asyncio.run(main())


def status_kb(field: str, pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def measure(sim: object, events: int, size: int, max_backlog_bytes: int) -> dict[str, float]:
    from qqbot_asyncio.simulator import ThreadedSimulator

    assert isinstance(sim, ThreadedSimulator)
    config = {
        "app_id": sim.app_id,
        "secret": sim.secret,
        "api_base": sim.api_base,
        "token_url": sim.token_url,
        "max_backlog_bytes": max_backlog_bytes,
    }
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        body = "x" * size
        for i in range(events):
            sim.inject_at_message(f"{i}:{body}")
        last, still_since = -1, time.monotonic()
        while time.monotonic() - still_since < 3.0:  # until the RSS stops growing for 3 s
            time.sleep(0.25)
            rss = status_kb("VmRSS", proc.pid)
            if rss > last + 256:
                last, still_since = rss, time.monotonic()
        peak = status_kb("VmHWM", proc.pid)
    finally:
        proc.kill()
        proc.wait()
    return {"ready_mib": ready["ready_kb"] / 1024, "peak_mib": peak / 1024}


def cadence(seconds: float) -> None:
    import asyncio
    import statistics

    import qqbot_asyncio as qq
    from qqbot_asyncio.simulator import ThreadedSimulator

    class Stuck(qq.EventHandler):
        async def on_at_message_create(self, ctx: object, message: object) -> None:
            await asyncio.Event().wait()

    async def run(sim: ThreadedSimulator) -> tuple[list[float], int, float]:
        client = qq.Client(
            qq.Token(sim.app_id, sim.secret),
            qq.Intents.default(),
            Stuck(),
            api_base=sim.api_base,
            token_url=sim.token_url,
            max_concurrent_handlers=1,
            max_backlog=5,
        )
        task = asyncio.create_task(client.start())
        await asyncio.to_thread(sim.wait_for_session, 0)
        for i in range(50):
            sim.inject_at_message(f"m{i}")
        while not client.connections[0].reading_paused:
            await asyncio.sleep(0.01)
        start = sim.now()
        await asyncio.sleep(seconds)
        paused = client.connections[0].reading_paused
        task.cancel()
        beats = [h.time for h in sim.heartbeats(0) if h.time >= start]
        return beats, sim.websocket_connections, float(paused)

    with ThreadedSimulator.in_thread(heartbeat_interval_ms=1000) as sim:
        beats, connections, paused = asyncio.run(run(sim))
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    print(f"backlog full for {seconds:g} s (still paused at the end: {bool(paused)}), interval 1 s")
    print(
        f"heartbeats: {len(beats)}; gaps min {min(gaps):.3f} s, median "
        f"{statistics.median(gaps):.3f} s, max {max(gaps):.3f} s; gateway connections: "
        f"{connections}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--size", type=int, default=65536)
    parser.add_argument("--cadence", type=float, metavar="SECONDS")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cadence:
        cadence(args.cadence)
        return
    if args.child:
        child(json.loads(args.child))
        return
    from qqbot_asyncio.simulator import ThreadedSimulator
    from qqproto.client._dispatcher import DEFAULT_BACKLOG_BYTES

    rows = []
    for label, bound in (
        (f"default bounds (16 MiB, {DEFAULT_BACKLOG_BYTES} B)", DEFAULT_BACKLOG_BYTES),
        ("count bound only (10,000 events)", 1 << 62),
    ):
        with ThreadedSimulator.in_thread(max_body_size=1 << 30) as sim:
            rows.append((label, measure(sim, args.events, args.size, bound)))
    print(f"{args.events} @-messages of {args.size} B content, handlers never finish")
    print(f"python {sys.version.split()[0]}, pid {os.getpid()}")
    print("| backlog bound | idle RSS (MiB) | peak RSS with the flood (MiB) |")
    print("|---|---|---|")
    for label, row in rows:
        print(f"| {label} | {row['ready_mib']:.1f} | {row['peak_mib']:.1f} |")
    base, unbounded = rows[0][1]["peak_mib"], rows[1][1]["peak_mib"]
    print(f"ratio peak(default) / peak(count only): {base / unbounded:.2f}")


if __name__ == "__main__":
    main()
