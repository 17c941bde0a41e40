"""The cookbook recipe "offline tests" runs as written: its example is a pytest module that the
script runs on itself, every test passing (the conversations on asyncio and on trio)."""

from __future__ import annotations

import re

from _cookbook import run_example


def test_offline_test_example_passes_on_both_loops() -> None:
    proc = run_example("offline_test.py")
    # 4 conversation tests x 2 loops + 2 hypothesis properties, none skipped or failed
    assert re.search(r"^10 passed in ", proc.stdout, re.MULTILINE), proc.stdout
    assert "skipped" not in proc.stdout and "failed" not in proc.stdout, proc.stdout
