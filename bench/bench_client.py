"""Benchmark: our client on both adapters vs the official botpy SDK on the same simulator, in
one run.

The simulator (a ``ThreadedSimulator``) runs in this process, one instance per client with
identical settings; each client runs in its own subprocess (``bench/_client_worker.py``), so
only the client's own CPU and memory are measured: ours on asyncio (``qqbot_asyncio``), ours on
trio (``qqbot_trio``) and botpy. botpy is unmodified: only its hosts are redirected
(``bench/_botpy_hosts.py``, as in ``tests/sim/test_sim_botpy.py``). All clients stay connected
for the whole run and are measured in turns (alternating the order), so that the machine's load
drifts hit all alike. Measured:

1. CPU per dispatched @-message: rounds of N AT_MESSAGE_CREATE events (sent 20 per write) into
   a connected client whose ``on_at_message_create`` reads the message's ``content`` and
   ``author.id`` and counts; ``time.process_time`` in the client process from a marker event
   handled to the last of the N handled, divided by N; median of the rounds.
2. Time from a gateway fault (close 4009; op 7 then close 4009; dropped TCP; op 7 with the socket
   left open) to RESUMED, on the simulator's clock (fault injected -> RESUMED sent), each on a
   connection up for 1.5 s (our client counts a session as stable after 1 s here instead of 60 s,
   so that each fault is one on a stable session, not part of a storm); median of the
   repetitions. Capped at 10 s ("did not resume"); a fault
   a library does not resume from is not repeated.
3. Import time (``import X`` timed inside a fresh interpreter, bytecode caches warm for all,
   median) and VmRSS of the connected, idle client process after READY. The floor for both: a
   fresh interpreter that imported ``asyncio``, ``h11``, ``wsproto`` and ``msgspec`` (what our
   asyncio client cannot do without); for the trio client, the same with ``trio`` instead of
   ``asyncio``.
4. Sequential ``post_message`` calls per second on the client's own connection handling (after
   one warm-up call); median of rounds.

Machines are noisy: the bars are ratios against botpy measured in the same run (bar 2 is
absolute; RSS is against the floor). ``python bench/bench_client.py`` (``--quick`` for a short
run; ``--instructions`` counts instructions under callgrind instead, ``--breakdown`` stubs out
stages of our path; ``BENCH_PROFILE=<file>`` in the environment profiles one round of each of our
clients with cProfile into ``<file>.<adapter>``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "bench" / "_client_worker.py"
sys.path.insert(0, str(ROOT))

from qqbot_asyncio.simulator import ThreadedSimulator  # noqa: E402
from qqproto.sim import Platform  # noqa: E402

LIBS = ("asyncio", "trio", "botpy")
"""Our client on each adapter, and botpy."""
OURS = ("asyncio", "trio")
LABELS = {"asyncio": "ours (asyncio)", "trio": "ours (trio)", "botpy": "botpy"}
MODULES = {"asyncio": "qqbot_asyncio", "trio": "qqbot_trio", "botpy": "botpy"}
FLOOR_MODULES = "asyncio, h11, wsproto, msgspec"
"""The floor for import time and RSS: the event loop plus our required dependencies, which our
asyncio client cannot do without (the RSS bar is this + 3 MiB)."""
TRIO_FLOOR_MODULES = "trio, h11, wsproto, msgspec"
"""The same floor for the trio client (for reference: the bar is on the asyncio client)."""
RSS_ALLOWANCE_KB = 3 * 1024
CPU_BAR = 0.3
IMPORT_BAR = 0.6
BATCH = 20
"""@-messages the simulator sends per write (one scripting call)."""
RESUME_CAP = 10.0
UPTIME = 1.5
"""Seconds a connection has been up (READY/RESUMED) before a fault is injected."""
SETTLE = 1.0
"""Idle seconds after READY before RSS is read."""
RESUME_BAR = 0.25

FAULTS: dict[str, Callable[[Platform], int]] = {
    "close 4009": lambda p: p.close_shard(0, 4009),
    "op 7 (then close 4009)": lambda p: p.reconnect_shard(0),
    "dropped TCP": lambda p: p.drop_shard(0),
    "op 7, socket left open": lambda p: p.reconnect_shard(0, close_code=None),
}


@dataclass(frozen=True)
class Settings:
    events: int
    rounds: int
    posts: int
    post_rounds: int
    import_runs: int
    fault_reps: int


NORMAL = Settings(events=5000, rounds=4, posts=500, post_rounds=4, import_runs=7, fault_reps=3)
QUICK = Settings(events=1000, rounds=2, posts=100, post_rounds=2, import_runs=3, fault_reps=1)


@dataclass
class Result:
    cpu_per_event: list[float] = field(default_factory=list)
    rss_kb: int = 0
    posts: list[dict[str, float]] = field(default_factory=list)
    resume: dict[str, list[float | None]] = field(default_factory=dict)
    import_s: list[float] = field(default_factory=list)


@dataclass
class Floor:
    """The reference interpreter: import time of the floor modules, RSS with them imported."""

    import_s: list[float] = field(default_factory=list)
    rss_kb: int = 0
    trio_rss_kb: int = 0


# ------------------------------------------------------------------ child processes


def child_env(pycache: str) -> dict[str, str]:
    """The environment of every child: this checkout first on the path and a private, writable
    bytecode cache, so that both libraries import from warm ``.pyc`` files (the repository has
    none, site-packages has botpy's; ``PYTHONDONTWRITEBYTECODE`` would leave ours cold)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_python(code: str, env: dict[str, str], cwd: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def import_time(modules: str, env: dict[str, str], cwd: str) -> float:
    code = f"import time\nt = time.perf_counter()\nimport {modules}\nprint(time.perf_counter() - t)"
    return float(run_python(code, env, cwd).split()[-1])


def floor_rss_kb(env: dict[str, str], cwd: str, modules: str = FLOOR_MODULES) -> int:
    code = (
        f"import {modules}\n"
        "print([l for l in open('/proc/self/status') if l.startswith('VmRSS:')][0].split()[1])"
    )
    return int(run_python(code, env, cwd).split()[-1])


def measure_imports(
    results: dict[str, Result], floor: Floor, runs: int, env: dict[str, str], cwd: str
) -> None:
    modules = {**MODULES, "floor": FLOOR_MODULES}
    for name in modules.values():  # warm-up: compile into the private bytecode cache
        import_time(name, env, cwd)
    for i in range(runs):
        for lib in LIBS if i % 2 == 0 else reversed(LIBS):
            results[lib].import_s.append(import_time(MODULES[lib], env, cwd))
        floor.import_s.append(import_time(FLOOR_MODULES, env, cwd))
    floor.rss_kb = floor_rss_kb(env, cwd)
    floor.trio_rss_kb = floor_rss_kb(env, cwd, TRIO_FLOOR_MODULES)


class Worker:
    """A client subprocess: JSON lines in from its stdout, commands out on its stdin."""

    def __init__(
        self,
        lib: str,
        sim: ThreadedSimulator,
        channel_id: str,
        events: int,
        env: dict[str, str],
        cwd: str,
        stubs: tuple[str, ...] = (),
        prefix: Sequence[str] = (),
    ) -> None:
        self.lib = lib
        cfg = {
            "stubs": list(stubs),
            "lib": lib,
            "host": sim.host,
            "port": sim.port,
            "app_id": sim.app_id,
            "secret": sim.secret,
            "channel_id": channel_id,
            "events": events,
            "settle": SETTLE,
        }
        self.log: IO[str] = tempfile.TemporaryFile("w+", prefix=f"bench-{lib}-")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, str(WORKER), json.dumps(cfg)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
            cwd=cwd,
        )
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError):
                self.lines.put(json.loads(line))
        self.lines.put(None)

    def expect(self, event: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                what = f"sent no {event!r} within {timeout:g} s"
                raise RuntimeError(self._failure(what)) from None
            if msg is None:
                raise RuntimeError(self._failure(f"exited before {event!r}"))
            if msg.get("event") == event:
                return msg

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def _failure(self, what: str) -> str:
        self.log.seek(0)
        return f"the {self.lib} client {what}; its stderr ends with:\n{self.log.read()[-3000:]}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.send("quit")
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@contextlib.contextmanager
def connected(
    lib: str,
    sim: ThreadedSimulator,
    events: int,
    env: dict[str, str],
    cwd: str,
    stubs: tuple[str, ...] = (),
    prefix: Sequence[str] = (),
) -> Iterator[Worker]:
    channel_id = sim.call(lambda p: next(iter(p.channels)))
    worker = Worker(lib, sim, channel_id, events, env, cwd, stubs, prefix)
    try:
        yield worker
    finally:
        worker.close()


# ------------------------------------------------------------------ phases


def inject_at_messages(sim: ThreadedSimulator, count: int) -> None:
    def batch(n: int) -> Callable[[Platform], None]:
        def run(p: Platform) -> None:
            now = sim.now()
            for _ in range(n):
                p.inject_at_message("hello bot", now)

        return run

    for start in range(0, count, BATCH):
        sim.call(batch(min(BATCH, count - start)))


def measure_events(sim: ThreadedSimulator, worker: Worker, result: Result, events: int) -> None:
    """One round: a marker (the client's CPU window opens when it is handled), then ``events``."""
    inject_at_messages(sim, 1)
    worker.expect("marker", 10)
    inject_at_messages(sim, events)
    result.cpu_per_event.append(worker.expect("cpu", 120)["cpu_per_event"])


def measure_posts(worker: Worker, result: Result, posts: int) -> None:
    worker.send(f"post {posts}")
    result.posts.append(worker.expect("post", 120))


def _up_since(sim: ThreadedSimulator) -> float:
    """When shard 0's current connection got READY or RESUMED (simulator clock)."""

    def latest(p: Platform) -> float:
        return max([r.time for r in p.identifies_on(0)] + [r.time for r in p.resumes_on(0)])

    return sim.call(latest)


def measure_resumes(sim: ThreadedSimulator, result: Result, reps: int) -> None:
    result.resume = {name: [] for name in FAULTS}
    gave_up: set[str] = set()
    for _ in range(reps):
        for name, fault in FAULTS.items():
            if name in gave_up:
                continue
            sim.wait_for_session(0, timeout=RESUME_CAP)
            time.sleep(max(0.0, _up_since(sim) + UPTIME - sim.now()))

            def inject(p: Platform, fault: Callable[[Platform], int] = fault) -> float:
                t0 = sim.now()
                if fault(p) != 1:
                    raise RuntimeError("no live gateway connection to fault")
                return t0

            t0 = sim.call(inject)

            def resumed(p: Platform, t0: float = t0) -> float | None:
                return next((r.time for r in p.resumes_on(0) if r.time >= t0), None)

            try:
                result.resume[name].append(sim.wait_for(resumed, RESUME_CAP) - t0)
            except TimeoutError:
                result.resume[name].append(None)
                gave_up.add(name)  # deterministic behaviour: not worth another wait


def in_turns(rounds: int, names: Sequence[str] = LIBS) -> Iterator[str]:
    """Each name once per round, alternating the order, so that drifts in the machine's load hit
    all of them alike."""
    for i in range(rounds):
        yield from names if i % 2 == 0 else reversed(names)


def measure_clients(s: Settings, env: dict[str, str], cwd: str, results: dict[str, Result]) -> None:
    profile = env.get("BENCH_PROFILE")
    with contextlib.ExitStack() as stack:
        sims = {lib: stack.enter_context(ThreadedSimulator.in_thread()) for lib in LIBS}
        workers = {}
        for lib, sim in sims.items():
            lib_env = dict(env)
            lib_env.pop("BENCH_PROFILE", None)
            if profile and lib in OURS:
                lib_env["BENCH_PROFILE"] = f"{profile}.{lib}"
            workers[lib] = stack.enter_context(connected(lib, sim, s.events, lib_env, cwd))
        for lib, worker in workers.items():
            results[lib].rss_kb = worker.expect("ready", 30)["rss_kb"]
        print("  all clients connected", flush=True)
        gc.freeze()  # keep the simulators' state out of this process's collections
        for lib in in_turns(s.post_rounds):
            measure_posts(workers[lib], results[lib], s.posts)
        print("  post_message rounds done", flush=True)
        for lib in in_turns(s.rounds):
            measure_events(sims[lib], workers[lib], results[lib], s.events)
            gc.freeze()
        print("  @-message rounds done", flush=True)
        for lib in LIBS:
            measure_resumes(sims[lib], results[lib], s.fault_reps)
            print(f"  {lib}: fault/resume repetitions done", flush=True)


BREAKDOWN: dict[str, tuple[str, tuple[str, ...]]] = {
    "asyncio, full path": ("asyncio", ()),
    "asyncio, no hand-off to a handler worker": ("asyncio", ("dispatch",)),
    "asyncio, no typed model": ("asyncio", ("parse",)),
    "asyncio, neither": ("asyncio", ("dispatch", "parse")),
    "trio, full path": ("trio", ()),
    "trio, no hand-off to a handler worker": ("trio", ("dispatch",)),
    "botpy": ("botpy", ()),
}
"""``--breakdown``: our per-event path with stages stubbed out (see ``stub_ours`` in the
worker), next to botpy."""


def measure_breakdown(s: Settings, env: dict[str, str], cwd: str) -> dict[str, list[float]]:
    with contextlib.ExitStack() as stack:
        runs = {}
        for name, (lib, stubs) in BREAKDOWN.items():
            sim = stack.enter_context(ThreadedSimulator.in_thread())
            runs[name] = (sim, stack.enter_context(connected(lib, sim, s.events, env, cwd, stubs)))
        for _, worker in runs.values():
            worker.expect("ready", 30)
        gc.freeze()
        results = {name: Result() for name in BREAKDOWN}
        for name in in_turns(s.rounds + 2, list(BREAKDOWN)):
            sim, worker = runs[name]
            measure_events(sim, worker, results[name], s.events)
            gc.freeze()
    return {name: r.cpu_per_event for name, r in results.items()}


def breakdown_table(cpu: dict[str, list[float]]) -> str:
    botpy = statistics.median(cpu["botpy"])
    lines = [
        "| variant | CPU µs/event (median) | vs its full path | vs botpy | rounds |",
        "|---|---|---|---|---|",
    ]
    for name, values in cpu.items():
        value = statistics.median(values)
        full = statistics.median(cpu.get(name.split(",")[0] + ", full path", values))
        rounds = ", ".join(f"{v * 1e6:.1f}" for v in values)
        delta = f"{(value - full) * 1e6:+.1f} µs"
        lines.append(f"| {name} | {value * 1e6:.1f} | {delta} | {value / botpy:.2f}× | {rounds} |")
    return "\n".join(lines)


INSTRUCTION_EVENTS = 2000

JSON_DECODE = """
import json, sys
from qqproto.gateway._payload import decode_envelope
from qqproto.models import parse_event
from qqproto.sim import Platform
p = Platform(rng=__import__("random").Random(1))
inj = p.inject_at_message("hello bot", 0.0)
frame = json.dumps({"op": 0, "s": 1, "t": "AT_MESSAGE_CREATE", "id": "x", "d": inj.data},
                   ensure_ascii=False).encode()
for _ in range(int(sys.argv[1])):
    op, d, s, t, i = decode_envelope(frame)
    parse_event(t, d, event_id=i)
"""
"""Decodes one simulated AT_MESSAGE_CREATE frame (bytes -> envelope -> typed event) N times."""


def _all_read(port: int) -> bool:
    """Whether every local TCP connection to ``port`` has read all it received (the receive
    queues of ``/proc/net/tcp``)."""
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for line in table:
            fields = line.split()
            remote, state, queues = fields[2], fields[3], fields[4]
            ours = state == "01" and int(remote.split(":")[1], 16) == port
            if ours and int(queues.split(":")[1], 16):
                return False
    return True


def inject_paced(sim: ThreadedSimulator, count: int) -> None:
    """Like :func:`inject_at_messages`, each batch only once the client has read the last: under
    callgrind a client is ~50 times slower than the simulator, and without pacing its reads
    would hold hundreds of events each, hiding the per-read costs. Paced, each read holds one
    batch, as in the timed runs (where the clients are faster than the simulator)."""
    for start in range(0, count, BATCH):
        while not _all_read(sim.port):
            time.sleep(0.001)
        inject_at_messages(sim, min(BATCH, count - start))


def callgrind_total(out: str) -> int:
    with open(out, encoding="utf-8") as data:
        for line in data:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no summary in {out}")


def measure_instructions(env: dict[str, str], cwd: str) -> dict[str, float]:
    """``--instructions``: machine instructions per @-message under callgrind (repeatable, unlike
    CPU time on a shared machine), collected only while one round is handled, its batches
    paced (:func:`inject_paced`); and, for
    reference, what decoding the frame's JSON into our typed event alone costs."""
    n = INSTRUCTION_EVENTS
    found: dict[str, float] = {}
    for lib in LIBS:
        out = os.path.join(cwd, f"{lib}.callgrind")
        prefix = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        prefix.append(f"--callgrind-out-file={out}")
        with (
            ThreadedSimulator.in_thread() as sim,
            connected(lib, sim, n, env, cwd, (), prefix) as w,
        ):
            w.expect("ready", 600)
            inject_at_messages(sim, 1)
            w.expect("marker", 600)
            pid = str(w.proc.pid)
            subprocess.run(["callgrind_control", "--instr=on", pid], check=True, **QUIET)
            subprocess.run(["callgrind_control", "--zero", pid], check=True, **QUIET)
            inject_paced(sim, n)
            w.expect("cpu", 600)
            subprocess.run(["callgrind_control", "--dump", pid], check=True, **QUIET)
        found[lib] = callgrind_total(out + ".1") / n
        print(f"  {lib}: done", flush=True)
    script = os.path.join(cwd, "json_decode.py")
    with open(script, "w", encoding="utf-8") as f:
        f.write(JSON_DECODE)
    totals = []
    seeded = {**env, "PYTHONHASHSEED": "0"}  # the same start-up in both runs
    # compile into the bytecode cache first, so that both measured runs start up alike
    subprocess.run([sys.executable, script, "0"], env=seeded, cwd=cwd, check=True, **QUIET)
    for count in (n, 3 * n):
        out = os.path.join(cwd, f"json{count}.callgrind")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        subprocess.run([*cmd, sys.executable, script, str(count)], env=seeded, cwd=cwd, **QUIET)
        totals.append(callgrind_total(out))
    found["ours: frame JSON -> typed event alone"] = (totals[1] - totals[0]) / (2 * n)
    return found


QUIET: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def instructions_table(found: dict[str, float]) -> str:
    botpy = found["botpy"]
    lines = ["| per @-message | instructions | vs botpy |", "|---|---|---|"]
    for name, value in found.items():
        lines.append(f"| {LABELS.get(name, name)} | {value:,.0f} | {value / botpy:.2f}× |")
    return "\n".join(lines)


# ------------------------------------------------------------------ report


@dataclass
class Row:
    metric: str
    values: list[str]
    """One cell per library, in the order of ``LIBS``."""
    ratios: list[str]
    """Ours (asyncio), ours (trio): against botpy, or against the floor for RSS."""
    bar: str
    verdict: str

    def cells(self) -> list[str]:
        return [self.metric, *self.values, *self.ratios, self.bar, self.verdict]


def _verdict(oks: Sequence[bool | None]) -> str:
    """``pass``/``FAIL`` per adapter, ``—`` where there is no bar."""
    words = ["—" if ok is None else "pass" if ok else "FAIL" for ok in oks]
    return words[0] if len(set(words)) == 1 else " / ".join(words)


def _ratio_row(
    metric: str, values: dict[str, float], digits: int, bar: float, better: str, oks: Sequence[str]
) -> Row:
    """A row whose bar is ``ours <= bar × botpy`` (``better="lower"``) or ``>=`` (``"higher"``),
    checked for the adapters in ``oks``."""
    b = values["botpy"]
    ratios = [values[lib] / b for lib in OURS]
    passed = [
        (r <= bar if better == "lower" else r >= bar) if lib in oks else None
        for lib, r in zip(OURS, ratios, strict=True)
    ]
    return Row(
        metric,
        [f"{values[lib]:.{digits}f}" for lib in LIBS],
        [f"{r:.2f}×" for r in ratios],
        f"{'≤' if better == 'lower' else '≥'} {bar}× botpy",
        _verdict(passed),
    )


def _resume_cell(times: list[float | None]) -> tuple[str, float | None]:
    if not times or any(t is None for t in times):
        return f"did not resume within {RESUME_CAP:g} s", None
    value = statistics.median([t for t in times if t is not None])
    return f"{value:.3f}", value


def build_rows(results: dict[str, Result], floor: Floor) -> list[Row]:
    median = statistics.median
    cpu = {lib: median(r.cpu_per_event) * 1e6 for lib, r in results.items()}
    rows = [_ratio_row("CPU per @-message event (µs)", cpu, 1, CPU_BAR, "lower", OURS)]
    for name in FAULTS:
        cells = {lib: _resume_cell(r.resume[name]) for lib, r in results.items()}
        b_value = cells["botpy"][1]
        ratios, oks = [], []
        for lib in OURS:
            o_value = cells[lib][1]
            ratios.append(f"{o_value / b_value:.3f}×" if o_value is not None and b_value else "—")
            oks.append(o_value is not None and o_value <= RESUME_BAR)
        rows.append(
            Row(
                f"fault → RESUMED: {name} (s)",
                [cells[lib][0] for lib in LIBS],
                ratios,
                f"≤ {RESUME_BAR} s",
                _verdict(oks),
            )
        )
    imports = {lib: median(r.import_s) * 1e3 for lib, r in results.items()}
    rows.append(_ratio_row("import time (ms)", imports, 0, IMPORT_BAR, "lower", ("asyncio",)))
    floors = {"asyncio": floor.rss_kb, "trio": floor.trio_rss_kb}
    over = {lib: (results[lib].rss_kb - floors[lib]) / 1024 for lib in OURS}
    rows.append(
        Row(
            "idle connected RSS (MiB)",
            [f"{results[lib].rss_kb / 1024:.1f}" for lib in LIBS],
            [f"floor {'+' if over[lib] >= 0 else '−'} {abs(over[lib]):.1f} MiB" for lib in OURS],
            f"≤ floor + {RSS_ALLOWANCE_KB // 1024} MiB",
            _verdict([over["asyncio"] * 1024 <= RSS_ALLOWANCE_KB, None]),
        )
    )
    posts = {lib: median([p["per_second"] for p in r.posts]) for lib, r in results.items()}
    rows.append(_ratio_row("sequential post_message (calls/s)", posts, 0, 1.5, "higher", OURS))
    return rows


def markdown_table(rows: list[Row]) -> str:
    head = [
        "metric",
        *(LABELS[lib] for lib in LIBS),
        *(f"{LABELS[lib]} ratio" for lib in OURS),
        "bar",
        "pass/fail",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def details(results: dict[str, Result], floor: Floor) -> str:
    def fmt(values: list[Any], scale: float, digits: int) -> str:
        return ", ".join("—" if v is None else f"{v * scale:.{digits}f}" for v in values)

    median = statistics.median
    floor_ms = median(floor.import_s) * 1e3
    out = [
        f"floor (fresh interpreter, import {FLOOR_MODULES}): import {floor_ms:.0f} ms, "
        f"RSS {floor.rss_kb / 1024:.1f} MiB (bar: {(floor.rss_kb + RSS_ALLOWANCE_KB) / 1024:.1f} "
        f"MiB); trio's floor (import {TRIO_FLOOR_MODULES}): RSS {floor.trio_rss_kb / 1024:.1f} MiB"
    ]
    for lib in LIBS:
        r = results[lib]
        base = floor.trio_rss_kb if lib == "trio" else floor.rss_kb
        out.append(
            f"{LABELS[lib]}: import {median(r.import_s) * 1e3 - floor_ms:+.0f} ms vs the floor's "
            f"import, RSS {(r.rss_kb - base) / 1024:+.1f} MiB above its floor"
        )
    for lib in LIBS:
        r = results[lib]

        def post(key: str, digits: int, r: Result = r) -> str:
            return fmt([p[key] for p in r.posts], 1, digits)

        label = LABELS[lib]
        out += [
            f"{label}: CPU µs/event per round [{fmt(r.cpu_per_event, 1e6, 1)}]",
            f"{label}: post_message per round: calls/s [{post('per_second', 0)}], "
            f"client CPU ms/call [{post('cpu_ms', 3)}], p50 ms [{post('p50_ms', 2)}], "
            f"p99 ms [{post('p99_ms', 2)}]",
            f"{label}: import ms [{fmt(r.import_s, 1e3, 0)}]",
        ]
        for name, times in r.resume.items():
            out.append(f"{label}: fault → RESUMED s, {name}: [{fmt(times, 1, 3)}]")
    return "\n".join(out)


def machine() -> str:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"

    return (
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.machine()}, {os.cpu_count()} CPUs ({platform.system()} {platform.release()}); "
        f"qq-botpy {version('qq-botpy')}, aiohttp {version('aiohttp')}, "
        f"h11 {version('h11')}, wsproto {version('wsproto')}, msgspec {version('msgspec')}, "
        f"trio {version('trio')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (smaller N, fewer reps)")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="instead: CPU per @-message of our client with stages stubbed out, next to botpy",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="instead: instructions per @-message under valgrind's callgrind, ours vs botpy",
    )
    args = parser.parse_args()
    s = QUICK if args.quick else NORMAL
    started = time.monotonic()
    print(machine())
    print(
        f"{s.rounds} rounds of {s.events} @-messages, {s.post_rounds} rounds of {s.posts} "
        f"post_message, {s.fault_reps} repetition(s) per fault, {s.import_runs} import runs",
        flush=True,
    )
    results = {lib: Result() for lib in LIBS}
    floor = Floor()
    if args.instructions:
        with tempfile.TemporaryDirectory(prefix="bench-client-") as tmp:
            found = measure_instructions(child_env(os.path.join(tmp, "pycache")), tmp)
        print()
        print(instructions_table(found))
        print(f"\ntotal {time.monotonic() - started:.0f} s")
        return
    if args.breakdown:
        with tempfile.TemporaryDirectory(prefix="bench-client-") as tmp:
            cpu = measure_breakdown(s, child_env(os.path.join(tmp, "pycache")), tmp)
        print()
        print(breakdown_table(cpu))
        print(f"\ntotal {time.monotonic() - started:.0f} s")
        return
    with tempfile.TemporaryDirectory(prefix="bench-client-") as tmp:
        env = child_env(os.path.join(tmp, "pycache"))
        measure_imports(results, floor, s.import_runs, env, tmp)
        print("  imports timed", flush=True)
        measure_clients(s, env, tmp, results)
    print()
    print(markdown_table(build_rows(results, floor)))
    print()
    print(details(results, floor))
    print(f"\ntotal {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
