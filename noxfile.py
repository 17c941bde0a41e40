"""The test suite on the oldest and the newest Python the project supports (3.10 and 3.13).

``.ci/run`` runs ``python3 -m nox`` after the README's test command (Python 3.11, with the
coverage gate). Each session installs the project with its ``test`` extra into a new virtual
environment under ``.nox/`` and runs pytest there (coverage is measured on 3.11 only); a
missing interpreter is an error, not a skip. Extra arguments go to pytest:
``python3 -m nox -- -k webhook``.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = True


@nox.session(python=["3.10", "3.13"])
def tests(session: nox.Session) -> None:
    """The whole suite on one interpreter."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "--no-cov", *session.posargs)
