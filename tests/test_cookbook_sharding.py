"""The cookbook recipe "sharding" runs as written: two worker processes, one shard each, each
answering the guild routed to its shard, each shard identified once, both stopped cleanly."""

from __future__ import annotations

from _cookbook import run_example


def test_sharding_example_runs_two_worker_processes() -> None:
    proc = run_example("sharding.py")
    out = proc.stdout
    ready = [line for line in out.splitlines() if line.startswith("worker ")]
    assert sorted(line.split(": ", 1)[1] for line in ready) == [
        "shard 0/2 ready",
        "shard 1/2 ready",
    ], out
    assert len({line.split(":")[0] for line in ready}) == 2, out  # two processes
    assert "guild of shard 0 got: pong from shard 0" in out, out
    assert "guild of shard 1 got: pong from shard 1" in out, out
    assert "each shard identified once" in out, out
    assert "workers stopped (exit codes [0, 0]); sharding demo finished" in out, out
