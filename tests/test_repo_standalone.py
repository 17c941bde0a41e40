"""The repository stands on its own: no test, tool or doc reads or names a path outside it.

Two guards: a static scan of the sources (string literals naming absolute or sibling paths,
``Path(__file__)`` climbs above the repository root) and, at run time, the audit hook of
``tests/_repo_guard.py``, which fails the session if anything opened a path outside the
repository. Each is shown to catch what it is for.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import _repo_guard
import pytest

ROOT = Path(_repo_guard.REPO)
SOURCE_DIRS = ("tests", "fuzz", "bench", "examples")
TEXT_FILES = ("README.md", ".ci/run", "docs", "fuzz/README.md", "bench/README.md")
SLASH = "/"
UP = "." * 2
# written in pieces so that this file does not match itself
NEVER = (SLASH + "shared", "shared" + SLASH + "fixtures", "shared" + SLASH + "reference")
NEVER_IN_TEXT = (
    UP + SLASH + "shared",
    SLASH + "work" + SLASH,
    "shared" + SLASH + "fixtures",
    "shared" + SLASH + "reference",
)
ABSOLUTE = re.compile(r"^/(?:work|home|root|mnt|srv|opt|Users|media|data)(?:/|$)")
"""An absolute path into a machine's own directories (``/tmp``, ``/dev``, ... are fine)."""


def _climb(node: ast.expr) -> int | None:
    """How many directories above ``__file__`` an expression points (``Path(__file__)`` is 0,
    ``.parent`` adds one, ``.parents[k]`` adds k + 1, ``os.path.dirname`` one), or None if it is
    not derived from ``__file__``."""
    if isinstance(node, ast.Name):
        return 0 if node.id == "__file__" else None
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _climb(node.value)
        return None if inner is None else inner + 1
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "parents"
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, int)
    ):
        inner = _climb(node.value.value)
        return None if inner is None else inner + node.slice.value + 1
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("resolve", "absolute") and isinstance(func, ast.Attribute) and not node.args:
            return _climb(func.value)
        if name in ("Path", "PurePath", "realpath", "abspath", "fspath") and len(node.args) == 1:
            return _climb(node.args[0])
        if name == "dirname" and len(node.args) == 1:
            inner = _climb(node.args[0])
            return None if inner is None else inner + 1
    return None


def scan_source(source: str, relpath: str) -> list[str]:
    """What in one Python file (at ``relpath`` inside the repository) points outside it."""
    findings: list[str] = []
    depth = len(Path(relpath).parts)  # climbing `depth` directories from the file reaches ROOT
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text == UP or any(n in text for n in NEVER) or ABSOLUTE.match(text):
                findings.append(f"{relpath}:{node.lineno}: {text[:60]!r}")
        elif isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
            climb = _climb(node)
            if climb is not None and climb > depth:
                findings.append(f"{relpath}:{node.lineno}: climbs {climb} levels from __file__")
    return sorted(findings, key=lambda f: int(f.split(":")[1]))


def scan_text(text: str, relpath: str) -> list[str]:
    """What in one text file (docs, scripts) names a path outside the repository."""
    return [
        f"{relpath}:{number}: {line.strip()[:80]}"
        for number, line in enumerate(text.splitlines(), 1)
        if any(n in line for n in NEVER_IN_TEXT)
    ]


def _python_files() -> list[Path]:
    files = [ROOT / "noxfile.py"] if (ROOT / "noxfile.py").exists() else []
    for folder in SOURCE_DIRS:
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def _text_files() -> list[Path]:
    files: list[Path] = []
    for name in TEXT_FILES:
        path = ROOT / name
        files += sorted(path.rglob("*.md")) if path.is_dir() else [path] if path.exists() else []
    return files + sorted((ROOT / "tests" / "fixtures").glob("*.md"))


def test_no_source_points_outside_the_repository() -> None:
    files = _python_files()
    assert len(files) > 40 and ROOT / "tests" / "_fixtures.py" in files
    findings = [
        f
        for path in files
        for f in scan_source(path.read_text("utf-8"), path.relative_to(ROOT).as_posix())
    ]
    assert findings == []


def test_no_doc_or_script_points_outside_the_repository() -> None:
    files = _text_files()
    assert ROOT / "README.md" in files and ROOT / "docs" / "design.md" in files
    findings = [
        f
        for path in files
        for f in scan_text(path.read_text("utf-8"), path.relative_to(ROOT).as_posix())
    ]
    assert findings == []


def test_the_static_scan_catches_escapes() -> None:
    """What this repository had before it stood on its own, and the other ways to climb out."""
    bad = textwrap.dedent(
        f"""
        FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
        REST = Path("{SLASH}work{SLASH}shared{SLASH}fixtures{SLASH}rest")
        UP = Path(__file__).resolve().parent.parent.parent
        DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        SIB = ROOT / ".." / "elsewhere"
        """
    )
    findings = scan_source(bad, "tests/test_x.py")
    assert [f.split(":")[1] for f in findings] == ["2", "3", "4", "5", "6"], findings
    fine = textwrap.dedent(
        """
        FIXTURES = Path(__file__).resolve().parent / "fixtures"
        ROOT = Path(__file__).resolve().parents[1]
        ROOT2 = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        TARGET = "/qqbot/../gateway"
        TMP = "/tmp/x"
        """
    )
    assert scan_source(fine, "tests/test_x.py") == []
    assert scan_source("R = Path(__file__).parents[2]", "bench/x.py") != []
    assert scan_text(f"The shape is in `{UP}{SLASH}shared{SLASH}architecture.md`.", "x.md") != []
    assert scan_text("Run `python fuzz/fuzz_wire.py corpus/`.", "x.md") == []


def _probes(tmp: Path) -> list[str]:
    """Paths outside the repository, whatever folder the clone lies in."""
    probes = [os.path.join(os.sep, "qqbot-standalone-probe", "fixtures", "x.json")]
    parent = os.path.dirname(_repo_guard.REPO)
    if _repo_guard.outside(parent) is not None:  # beside the repository (unless that is /tmp)
        probes.append(os.path.join(parent, "qqbot-standalone-probe", "fixtures", "x.json"))
    return probes


def test_the_detector_flags_outside_paths_only(tmp_path: Path) -> None:
    for probe in _probes(tmp_path):
        assert _repo_guard.outside(probe) == os.path.normcase(probe)
        assert _repo_guard.outside(probe.encode()) == os.path.normcase(probe)
    for fine in (
        ROOT / "tests" / "fixtures" / "README.md",
        tmp_path / "x",
        Path(os.__file__),  # the standard library
        Path(pytest.__file__),  # site-packages
        "/dev/null",
        3,  # a file descriptor: already open
    ):
        assert _repo_guard.outside(fine) is None, fine


def test_the_audit_hook_records_an_outside_open(tmp_path: Path) -> None:
    """A real ``open`` and directory listing outside the repository are caught (into a capture,
    so this session's own record stays clean); reads inside it are not."""
    assert _repo_guard._armed
    probes = _probes(tmp_path)
    with _repo_guard.capture() as seen:
        for probe in probes:
            with pytest.raises(OSError):
                open(probe, encoding="utf-8")  # noqa: SIM115  (the attempt is what is audited)
        with pytest.raises(OSError):
            os.listdir(os.path.dirname(probes[0]))
        (ROOT / "pyproject.toml").read_bytes()
        (tmp_path / "inside-tmp").write_text("fine")
    assert [(r.event, r.path) for r in seen] == [
        *(("open", os.path.normcase(p)) for p in probes),
        ("os.listdir", os.path.normcase(os.path.dirname(probes[0]))),
    ]
    assert all("test_the_audit_hook_records_an_outside_open" in r.where for r in seen)


def test_a_session_that_reads_outside_the_repository_fails(tmp_path: Path) -> None:
    """End to end: a passing test that opened a path outside the repository fails its session,
    and the summary names the path and the test."""
    probe = _probes(tmp_path)[-1]
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(ROOT / "tests")!r})
            import _repo_guard
            from _repo_guard import pytest_sessionfinish, pytest_terminal_summary
            _repo_guard.install()
            """
        )
    )
    (tmp_path / "test_reader.py").write_text(
        textwrap.dedent(
            f"""
            def test_reads_beside_the_repository():
                try:
                    open({probe!r}).close()
                except OSError:
                    pass
            """
        )
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "reads outside the repository" in result.stdout
    assert (
        f"test_reader.py::test_reads_beside_the_repository (call): {os.path.normcase(probe)}"
        in (result.stdout)
    )
