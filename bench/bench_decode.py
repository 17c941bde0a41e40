"""Benchmark: the decode steps of one @-message, in instructions (callgrind) and wall time.

Wall time on a shared 2-core VM swings by 2x from one minute to the next; instruction counts
under ``valgrind --tool=callgrind`` are repeatable (the same count twice, whatever else runs).
This script measures each step both ways, side by side in one run, on the 571-byte
AT_MESSAGE_CREATE payload of ``bench/bench_gateway.py``:

- ``json``: ``json.loads`` of the whole payload (the stdlib yardstick);
- ``envelope``: ``qqproto.gateway.decode_envelope`` (``d`` left as raw JSON);
- ``typed``: ``Message.decode`` of ``d`` (typed, validated);
- ``parse_event``: ``qqproto.models.parse_event`` of ``d`` (typed, event id and raw kept);
- ``core``: the full core path per event, socket bytes -> wire -> gateway -> ``Dispatch`` ->
  ``parse_event`` (3,000 events in 64 KiB chunks; what ``bench_gateway.py`` calls path (d));
- ``core_no_models``: the same path stopping at ``Dispatch`` (path (a));
- ``core_cjk``: ``core`` with 60 of the content's bytes in Chinese (same byte size), as most
  real messages are: a text frame that is not ASCII.

Instructions per call are (run with N calls - run with 0 calls) / N, each run in a fresh
interpreter under callgrind (skipped, with a note, when valgrind is missing). Wall time is the
best of several ``timeit`` repeats in this process. ``python bench/bench_decode.py`` (about
5 minutes, most of it under valgrind; ``--quick``: fewer calls, about 3 minutes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

STEPS = ("json", "envelope", "typed", "parse_event", "core", "core_no_models", "core_cjk")
CORE_EVENTS = 3_000


def _steps() -> dict[str, tuple[Callable[[], Any], int]]:
    """Each step as (function, events per call)."""
    import bench_gateway as bg

    from qqproto.gateway import decode_envelope
    from qqproto.models import Message, parse_event

    payload = bg.make_payloads(1)[0]
    _op, d, _s, _t, _id = decode_envelope(payload)
    d_bytes = bytes(d)
    payloads = bg.make_payloads(CORE_EVENTS)
    setup, stream = bg.build_stream(payloads)
    pieces = bg.chunks(stream)
    model = bg.model_parser()
    cjk = [p.replace("x" * 60, "你好世界" * 5, 1) for p in payloads]
    assert all(len(c.encode()) == len(p.encode()) for c, p in zip(cjk, payloads, strict=True))
    cjk_setup, cjk_stream = bg.build_stream(cjk)
    cjk_pieces = bg.chunks(cjk_stream)

    return {
        "json": (lambda: json.loads(payload), 1),
        "envelope": (lambda: decode_envelope(payload), 1),
        "typed": (lambda: Message.decode(d_bytes), 1),
        "parse_event": (lambda: parse_event("AT_MESSAGE_CREATE", d, event_id="x"), 1),
        "core": (lambda: bg.run_full(pieces, setup, CORE_EVENTS, model=model), CORE_EVENTS),
        "core_no_models": (lambda: bg.run_full(pieces, setup, CORE_EVENTS), CORE_EVENTS),
        "core_cjk": (
            lambda: bg.run_full(cjk_pieces, cjk_setup, CORE_EVENTS, model=model),
            CORE_EVENTS,
        ),
    }


def _child(step: str, calls: int) -> None:
    """Run ``step`` ``calls`` times after a warm-up (the process callgrind measures)."""
    fn, _ = _steps()[step]
    fn()
    for _ in range(calls):
        fn()


def _instructions(step: str, calls: int) -> int:
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            step,
            str(calls),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    for line in out.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1].strip())
    raise SystemExit(f"no callgrind total for {step}: {out[-500:]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    steps = _steps()
    calls = 500 if args.quick else 2_000
    core_calls = 1  # 3,000 events
    valgrind = shutil.which("valgrind") is not None
    print(f"Python {sys.version.split()[0]}; payload 571 B; callgrind: {valgrind}")
    print(f"{'step':<16} {'instr/event':>12} {'/ json':>7} {'best µs':>8} {'/ json':>7}")
    instr: dict[str, float] = {}
    wall: dict[str, float] = {}
    for name in STEPS:
        fn, per_call = steps[name]
        n = core_calls if per_call > 1 else calls
        if valgrind:
            instr[name] = (_instructions(name, n) - _instructions(name, 0)) / (n * per_call)
        reps = timeit.repeat(fn, number=max(1, n // 5), repeat=7)
        wall[name] = min(reps) / (max(1, n // 5) * per_call) * 1e6
    for name in STEPS:
        i = instr.get(name)
        i_text = f"{i:12,.0f} {i / instr['json']:7.2f}" if i is not None else f"{'-':>12} {'-':>7}"
        print(f"{name:<16} {i_text} {wall[name]:8.2f} {wall[name] / wall['json']:7.2f}")


if __name__ == "__main__":
    main()
