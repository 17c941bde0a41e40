"""The suite reads nothing outside the repository: an audit hook records every file the test
process opens (and every directory it lists) outside it.

Allowed outside the repository: the Python installation and its import path (stdlib,
site-packages, the venv), the temporary directories and ``/dev``, ``/proc``, ``/sys``, ``/etc``
(pytest's ``tmp_path``, certificates and the like). Anything else is an outside read, and so is
anything beside the repository (a sibling folder) even when the repository itself lies in a
temporary directory. ``tests/conftest.py`` installs the hook and fails the session when a test (or
the collection) made one; ``tests/test_repo_standalone.py`` shows that the hook catches them.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
"""The repository root (this file is ``tests/_repo_guard.py``)."""

AUDITED = frozenset({"open", "os.listdir", "os.scandir"})
"""Audit events that read a path (``open`` covers ``open()``, ``os.open`` and imports)."""


@dataclass(frozen=True, slots=True)
class OutsideRead:
    """One read of a path outside the repository, and where in the session it happened."""

    path: str
    event: str
    where: str


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _variants(paths: Iterable[str | None]) -> tuple[str, ...]:
    """Each path as given and with symlinks resolved, normalised, without duplicates."""
    out: dict[str, None] = {}
    for path in paths:
        if path:
            out[_norm(path)] = None
            out[_norm(os.path.realpath(path))] = None
    return tuple(out)


def _within(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


_REPO = _variants([REPO])
_SYSTEM = _variants([tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev", "/proc", "/sys", "/etc"])
_BESIDE = tuple(p for p in _variants([os.path.dirname(REPO)]) if p != os.sep and p not in _SYSTEM)
"""The repository's parent (unless that is ``/`` or a temporary directory itself)."""
_INSTALL = _variants(
    [
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        *sysconfig.get_paths().values(),
        *site.getsitepackages(),
        site.getusersitepackages(),
    ]
)
_IMPORT = tuple(
    p
    for p in _variants(entry or os.curdir for entry in sys.path)
    # not the repository's ancestors (``python -m`` run above it), nor anything beside it
    if not _within(_REPO[0], (p,)) and not _within(p, _BESIDE)
)
_PYTHON = _INSTALL + _IMPORT


def outside(path: Any) -> str | None:
    """The normalised path if reading ``path`` leaves the repository, else None.

    ``path`` is what an audit event carries: str, bytes, a path-like, or a file descriptor (a
    file already open: None)."""
    if path is None or isinstance(path, int):
        return None
    try:
        norm = _norm(os.fsdecode(path))
    except TypeError:
        return None
    if _within(norm, _REPO) or _within(norm, _PYTHON):
        return None
    if _within(norm, _BESIDE) or not _within(norm, _SYSTEM):
        return norm
    return None


_session: list[OutsideRead] = []
_sinks: list[list[OutsideRead]] = [_session]
_armed = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _armed or event not in AUDITED:
        return
    try:
        target = args[0] if args else None
        if target is None and event != "open":
            target = os.curdir  # os.listdir() / os.scandir() without an argument
        path = outside(target)
        if path is not None:
            where = os.environ.get("PYTEST_CURRENT_TEST", "collection")
            _sinks[-1].append(OutsideRead(path, event, where))
    except Exception:  # never break the open itself; test_repo_standalone checks the detector
        return


def install() -> None:
    """Start auditing (once per process: an audit hook cannot be removed)."""
    global _armed
    if not _armed:
        sys.addaudithook(_hook)
        _armed = True


@contextmanager
def capture() -> Iterator[list[OutsideRead]]:
    """Collect the outside reads made inside the block into the yielded list instead of the
    session's record (for the test of the detector itself)."""
    seen: list[OutsideRead] = []
    _sinks.append(seen)
    try:
        yield seen
    finally:
        _sinks.remove(seen)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the session if anything read a path outside the repository."""
    if _session:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Name the outside reads (the first 20), with the test that made each."""
    if not _session:
        return
    terminalreporter.section("reads outside the repository", sep="=", red=True, bold=True)
    seen: dict[tuple[str, str], None] = {}
    for read in _session:
        seen.setdefault((read.where, read.path), None)
    for where, path in list(seen)[:20]:
        terminalreporter.line(f"{where}: {path}")
    terminalreporter.line(
        f"{len(seen)} distinct outside reads: the repository must stand on its own "
        "(tests/_repo_guard.py says what is allowed)"
    )
