"""Shared pytest options: bounded defaults for the soak, with flags for longer runs."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import _repo_guard
import pytest
from _redis import redis_server
from _repo_guard import pytest_sessionfinish as pytest_sessionfinish
from _repo_guard import pytest_terminal_summary as pytest_terminal_summary

import qqbot_asyncio
import qqbot_trio

_repo_guard.install()  # the session fails if a test reads a path outside the repository

# the qq_sim fixture; the installed entry point is disabled in pyproject's addopts (-p no:qqbot)
# because it would import qqproto before coverage starts
pytest_plugins = ["qqproto.sim._pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak-events",
        default="2000",
        help="events injected by the chaos soak test (default 2000; try 50000 for a long soak)",
    )


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every anyio test runs once on asyncio and once on trio."""
    return str(request.param)


@pytest.fixture
def qq(anyio_backend: str) -> ModuleType:
    """The adapter under test, matching the anyio backend."""
    return qqbot_trio if anyio_backend == "trio" else qqbot_asyncio


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on loopback for the whole session (tests/_redis.py): its URL. Tests
    sharing it keep apart by key namespace (use a unique one per test)."""
    with redis_server() as url:
        yield url
