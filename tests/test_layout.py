"""The layout of ``qqproto`` stays as docs/design.md draws it.

* each package imports only the packages below it (a DAG, no cycles, type-only imports included);
* nothing in ``qqproto`` imports an event loop, a socket, a clock or threads (sans-IO): the
  client awaits the ``Io`` an adapter lends, and the simulator's entry points only name the
  adapter that lends them one (lazily);
* internal modules are private (``_name.py``); public names come from each package's
  ``__init__`` and every name in its ``__all__`` resolves.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "qqproto"

#: the private top-level modules every package may import (exceptions, version, the shims that
#: keep the old argument order of a few calls and the old names of renamed classes working)
BASE = {"_errors", "_json", "_version", "_now_last", "_moved"}

#: package → the qqproto packages it may import (docs/design.md, "Layout")
ALLOWED: dict[str, set[str]] = {
    "_errors": set(),
    "_json": {"_errors"},
    "_version": set(),
    "_now_last": set(),
    "_moved": set(),
    "gateway": BASE,
    "models": BASE | {"gateway"},
    "rest": BASE | {"models"},
    "outgoing": BASE | {"models", "rest"},
    "webhook": BASE | {"gateway", "models", "rest"},
    "cluster": BASE | {"gateway", "models"},
    "client": BASE | {"gateway", "models", "rest", "outgoing", "webhook", "cluster"},
    "sim": BASE | {"gateway", "models", "rest", "outgoing", "webhook", "client", "cluster"},
    "qqproto": BASE | {"_moved", "gateway", "rest"},
}

#: event loops: nothing in qqproto imports one at module level
LOOPS = {"asyncio", "trio", "anyio", "sniffio", "qqbot_asyncio", "qqbot_trio"}
#: modules that do IO, read a clock or start threads
IO_MODULES = LOOPS | {"socket", "ssl", "selectors", "threading", "time", "subprocess", "signal"}
IO_MODULES |= {"concurrent"}

#: the simulator's entry points may name the adapter that lends them a loop (inside a
#: function, when called): its Io, its Client, its thread mode, its foreground server
RUNNERS = {"qqproto/sim/_server.py", "qqproto/sim/_pytest_plugin.py", "qqproto/sim/__main__.py"}
LENDERS = {"qqbot_asyncio", "qqbot_trio", "sniffio"}


def _modules() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts)


def _package(path: Path) -> str:
    rel = path.relative_to(CORE).with_suffix("")
    if len(rel.parts) == 1:
        return "qqproto" if rel.parts[0] == "__init__" else rel.parts[0]
    return rel.parts[0]


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module, line, at module level) for every absolute import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set()
    for stmt in tree.body:
        top.add(id(stmt))
        if isinstance(stmt, ast.If):  # `if TYPE_CHECKING:` / version checks count as top level
            top.update(id(n) for n in stmt.body + stmt.orelse)
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno, id(node) in top))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno, id(node) in top) for a in node.names]
    return found


def test_packages_import_only_the_packages_below_them() -> None:
    wrong = []
    for path in _modules():
        pkg = _package(path)
        for module, line, _top in _imports(path):
            parts = module.split(".")
            if parts[0] != "qqproto" or len(parts) < 2 or parts[1] == pkg:
                continue
            if parts[1] not in ALLOWED[pkg]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {pkg} imports {module}")
    assert wrong == []


def test_the_allowed_imports_form_no_cycle() -> None:
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            d == goal or (d not in seen and reaches(d, goal, seen | {d}))
            for d in ALLOWED.get(start, set())
        )

    assert [p for p in ALLOWED if reaches(p, p)] == []


def test_the_core_and_the_client_do_no_io_of_their_own() -> None:
    wrong = []
    for path in _modules():
        rel = str(path.relative_to(ROOT))
        for module, line, top in _imports(path):
            root = module.split(".")[0]
            if root not in IO_MODULES:
                continue
            if rel in RUNNERS and root in LENDERS and not top:
                continue  # an entry point names the adapter that lends it a loop
            wrong.append(f"{rel}:{line}: imports {module}")
    assert wrong == []


def test_internal_modules_are_private() -> None:
    public = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if p.parent != CORE
        and p.stem not in ("__init__", "__main__")
        and not p.stem.startswith("_")
    ]
    assert public == []


@pytest.mark.parametrize(
    "name",
    [
        "qqproto",
        "qqproto.gateway",
        "qqproto.rest",
        "qqproto.webhook",
        "qqproto.outgoing",
        "qqproto.models",
        "qqproto.client",
        "qqproto.cluster",
        "qqproto.sim",
        "qqbot_asyncio",
        "qqbot_trio",
    ],
)
def test_every_public_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported)
    missing = [n for n in exported if getattr(module, n, None) is None and n != "__version__"]
    assert missing == []
