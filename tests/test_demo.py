"""The README's demo command works: the echo bot talks with the simulator and exits 0, over the
gateway by default and over signed HTTP callbacks with ``--webhook``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("flags", [[], ["--webhook"]], ids=["gateway", "webhook"])
def test_demo_runs_against_the_simulator_and_exits_0(flags: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QQ_BOT_")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "echo_bot.py"), *flags],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for scene in ("[channel]", "[DM]", "[group]", "[C2C]"):
        assert f"{scene} bot: echo: " in out, out
    assert "answered all 4 messages" in out
    if flags:
        assert "validated the callback URL" in out, out
