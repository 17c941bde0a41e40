"""Shared pytest options: bounded defaults for the soak, with flags for longer runs."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak-events",
        default="2000",
        help="events injected by the chaos soak test (default 2000; try 50000 for a long soak)",
    )
