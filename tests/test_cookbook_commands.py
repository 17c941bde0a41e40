"""The commands recipe (``examples/cookbook/commands.py``) runs as a script against the simulator:
every command answered as the page says, exit 0."""

from __future__ import annotations

from _cookbook import run_example


def test_the_recipe_runs_and_every_answer_is_as_expected() -> None:
    proc = run_example("commands.py")
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
