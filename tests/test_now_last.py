"""``now`` is the last positional argument of every sans-IO call (aioquic's convention); what
follows it, if anything, is a keyword-only option."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _misplaced(package: Path) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                positional = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
                if "now" in positional and positional[-1] != "now":
                    where = path.relative_to(package)
                    found.append(f"{where}:{node.lineno} {node.name}({', '.join(positional)})")
    return found


def test_now_is_the_last_positional_argument() -> None:
    assert _misplaced(ROOT / "qqproto") == []


def test_the_check_finds_a_misplaced_now(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f(self, now, code=None): ...\ndef g(data, now, *, flag=False): ...\n")
    assert [line.split(" ", 1)[1] for line in _misplaced(tmp_path)] == ["f(self, now, code)"]
