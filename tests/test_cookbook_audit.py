"""The cookbook recipe "audit" runs as written: a held reply passes and is delivered, a held
reply is rejected and the bot sends a plainer one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_audit_example_runs_against_the_simulator() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QQ_BOT_")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "cookbook" / "audit.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "  [C2C] user: the weather", proc.stdout
    assert lines[1].startswith("    held for audit "), proc.stdout
    assert lines[2].startswith("    audit passed: delivered as message "), proc.stdout
    assert lines[3] == "  [C2C] user: something edgy", proc.stdout
    assert lines[4].startswith("    held for audit ") and lines[4] != lines[1], proc.stdout
    assert lines[5] == "    audit rejected: sending a plainer answer", proc.stdout
    assert lines[6] == "  [C2C] bot: Sorry, I cannot answer that one.", proc.stdout
    assert lines[-1] == "audit demo finished", proc.stdout
