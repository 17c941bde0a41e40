"""The cookbook recipe "history and routes" runs as written: the bot answers ``/recap`` with the
messages said before it (read with ``before``), and a page read with ``after`` includes the
bot's own reply."""

from __future__ import annotations

from _cookbook import run_example


def test_history_example_runs_against_the_simulator() -> None:
    proc = run_example("history.py")
    lines = proc.stdout.splitlines()
    assert lines[0] == "GET /channels/1234/messages?after=m1&limit=5", proc.stdout
    recap = "recap of the 3 messages before /recap: line 2 | line 3 | line 4"
    assert f"  [channel] bot: {recap}" in lines, proc.stdout
    assert f"after line 3: line 4 | /recap | {recap}" in lines, proc.stdout
    assert lines[-1] == "history demo finished", proc.stdout
