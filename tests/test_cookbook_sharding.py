"""The cookbook recipe "sharding" runs as written: two worker processes, one shard each, each
answering the guild routed to its shard, each shard identified once, both stopped cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_sharding_example_runs_two_worker_processes() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QQ_BOT_")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "cookbook" / "sharding.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
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
