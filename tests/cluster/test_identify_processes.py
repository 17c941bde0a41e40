"""Four OS processes of one bot take identify slots through Redis at once: the granted slots,
stamped by Redis' clock, never exceed ``max_concurrency`` per window across the processes, and
the shared session budget stops them all until it resets."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

PROCESS = Path(__file__).with_name("_identify_process.py")
PROCESSES = 4
SHARDS = 8
WINDOW = 0.5


def run_processes(
    redis_url: str, max_concurrency: int, *, remaining: int = -1, reset_after: float = 0.0
) -> list[tuple[float, int, int]]:
    """Start the processes, let them go together; (Redis time, shard, process) per grant."""
    namespace = f"t{uuid.uuid4().hex}"
    procs = []
    try:
        for index in range(PROCESSES):
            shards = [str(s) for s in range(index, SHARDS, PROCESSES)]
            args = [redis_url, namespace, "1020", str(max_concurrency), str(WINDOW)]
            args += [str(remaining), str(reset_after), *shards]
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(PROCESS), *args],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for proc in procs:  # every process has imported everything before any starts
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        grants = []
        for index, proc in enumerate(procs):
            out, err = proc.communicate(timeout=15)
            assert proc.returncode == 0, err
            for line in out.splitlines():
                record = json.loads(line)
                grants.append((float(record["t"]), int(record["shard"]), index))
        return sorted(grants)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of ``times`` inside one half-open window ``[t, t + window)``."""
    return max(sum(1 for u in times if t <= u < t + window) for t in times)


@pytest.mark.parametrize("max_concurrency", [1, 2])
def test_processes_never_exceed_max_concurrency_per_window(
    redis_url: str, max_concurrency: int
) -> None:
    grants = run_processes(redis_url, max_concurrency)
    times = [t for t, _, _ in grants]
    assert sorted(shard for _, shard, _ in grants) == list(range(SHARDS))
    assert most_in_any_window(times, WINDOW) == max_concurrency
    for bucket in range(max_concurrency):
        in_bucket = [t for t, shard, _ in grants if shard % max_concurrency == bucket]
        assert min(b - a for a, b in itertools.pairwise(in_bucket)) >= WINDOW
    # the processes interleave, and the slots are not wasted: one window per round of buckets
    assert len({p for _, _, p in grants[:PROCESSES]}) > 1
    rounds = SHARDS // max_concurrency
    assert times[-1] - times[0] < (rounds - 1) * WINDOW + 1.5


def test_the_shared_budget_stops_every_process_until_it_resets(redis_url: str) -> None:
    remaining, reset_after = 5, 2.5
    grants = run_processes(redis_url, 2, remaining=remaining, reset_after=reset_after)
    times = [t for t, _, _ in grants]
    assert len(times) == SHARDS
    assert most_in_any_window(times, WINDOW) <= 2
    # the first grant stored the reading: the budget resets reset_after after it (Redis time)
    reset_at = times[0] + reset_after
    assert sum(1 for t in times if t < reset_at - 0.001) == remaining
    assert times[remaining] < reset_at + 1.0  # then the rest went (the next day's budget)
