"""The cookbook recipe "offline tests" runs as written: its example is a pytest module that the
script runs on itself, every test passing (the conversations on asyncio and on trio)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_offline_test_example_passes_on_both_loops() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QQ_BOT_")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "cookbook" / "offline_test.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # 4 conversation tests x 2 loops + 2 hypothesis properties, none skipped or failed
    assert re.search(r"^10 passed in ", proc.stdout, re.MULTILINE), proc.stdout
    assert "skipped" not in proc.stdout and "failed" not in proc.stdout, proc.stdout
