"""The commands recipe (``examples/cookbook/commands.py``) runs as a script against the simulator:
every command answered as the page says, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cookbook" / "commands.py"


def test_the_recipe_runs_and_every_answer_is_as_expected() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QQ_BOT_APPID", "QQ_BOT_SECRET")}
    env["PYTHONPATH"] = str(EXAMPLE.parents[2])
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "running against the embedded QQ simulator" in out
    assert "[group]   bot: /weather - today's temperature in a city" in out
    assert "[channel]   bot: no slash needed: I was @-mentioned" in out
    assert "[dms]   bot: New York: 75°F" in out
    assert "[group]   bot: usage: /weather <city> [unit: c|f]" in out
    assert "[c2c]   bot: 42" in out
    assert "[c2c]   bot: I only know commands: try /help" in out
    assert "all 9 answers as expected; demo finished" in out
    assert "unexpected answer" not in proc.stderr
