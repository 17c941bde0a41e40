"""Running a cookbook example (``examples/cookbook/<name>``) as a script, the way a reader would:
a fresh interpreter, no ``QQ_BOT_*`` credentials in the environment (so it runs against the
embedded simulator), the repository as working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COOKBOOK = ROOT / "examples" / "cookbook"


def run_example(name: str, *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``examples/cookbook/<name>`` and return the finished process; fails the test, showing
    stdout and stderr, unless it exits 0 within ``timeout`` seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QQ_BOT_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, str(COOKBOOK / name)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, f"{name} exited {proc.returncode}\n{proc.stdout}{proc.stderr}"
    return proc
