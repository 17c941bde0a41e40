"""The cookbook recipe "forum" runs as written: a thread in the JSON rich-text format (4) is
published through the client's API and the platform receives the paragraphs built."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_forum_example() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QQ_BOT_")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "cookbook" / "forum.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "published: task 1645413752912602306",
        "PUT /channels/1661124/threads format=4",
        "  paragraph [1] alignment=1",
        "  paragraph [1, 4, 1] alignment=0",
        "  paragraph [2] alignment=0",
        "forum demo finished",
    ]
