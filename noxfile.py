"""The test suite on the oldest and the newest Python the project supports (3.10 and 3.13).

``.ci/run`` runs ``python3 -m nox`` after the README's test command (Python 3.11, with the
coverage gate). Each ``tests`` session installs the project with its ``test`` extra into a new
virtual environment under ``.nox/`` and runs pytest there (coverage is measured on 3.11 only); a
missing interpreter is an error, not a skip. The ``lint`` session runs ruff and ``mypy --strict``
over the packages, tests, examples, benches and fuzz targets. The ``docs`` session builds the
documentation site with warnings as errors. Extra arguments go to pytest:
``python3 -m nox -- -k webhook``.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "docs"]
nox.options.error_on_missing_interpreters = True


@nox.session(python=["3.10", "3.13"])
def tests(session: nox.Session) -> None:
    """The whole suite on one interpreter."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "--no-cov", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and mypy --strict over the packages, tests, examples, benches and
    fuzz targets (the files pyproject's [tool.mypy] lists, this file too: hence nox itself)."""
    session.install("-e", ".[test]", "nox>=2024.4.15")
    code = ["qqproto", "qqbot_trio", "qqbot_asyncio", "tests", "examples", "bench", "fuzz"]
    session.run("python", "-m", "ruff", "check", *code, "noxfile.py")
    session.run("python", "-m", "ruff", "format", "--check", *code, "noxfile.py")
    session.run("python", "-m", "mypy")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """The documentation site (``mkdocs.yml``), built into a temporary directory with
    ``mkdocs build --strict``: any warning (a page missing from the nav or the nav naming a
    missing page, a broken link or anchor, a missing ``--8<--`` snippet, a docstring the API
    reference cannot render) fails the session.

    Why MkDocs with Material and mkdocstrings: the pages stay plain Markdown that GitHub renders
    as well, next to the code; the API reference is generated from the docstrings as they are
    (no rewrite to reST directives; a small griffe extension, ``docs/reference/_sphinx_roles.py``,
    shows their Sphinx roles as code); and one command builds and checks everything, the runnable
    cookbook examples included verbatim through ``pymdownx.snippets``.
    """
    session.install("-e", ".[docs]")
    site = session.create_tmp() + "/site"
    session.run(
        "python",
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "--clean",
        "--site-dir",
        site,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )
