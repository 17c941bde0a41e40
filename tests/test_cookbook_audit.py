"""The cookbook recipe "audit" runs as written: a held reply passes and is delivered, a held
reply is rejected and the bot sends a plainer one."""

from __future__ import annotations

from _cookbook import run_example


def test_audit_example_runs_against_the_simulator() -> None:
    proc = run_example("audit.py")
    lines = proc.stdout.splitlines()
    assert lines[0] == "  [C2C] user: the weather", proc.stdout
    assert lines[1].startswith("    held for audit "), proc.stdout
    assert lines[2].startswith("    audit passed: delivered as message "), proc.stdout
    assert lines[3] == "  [C2C] user: something edgy", proc.stdout
    assert lines[4].startswith("    held for audit ") and lines[4] != lines[1], proc.stdout
    assert lines[5] == "    audit rejected: sending a plainer answer", proc.stdout
    assert lines[6] == "  [C2C] bot: Sorry, I cannot answer that one.", proc.stdout
    assert lines[-1] == "audit demo finished", proc.stdout
