"""The official fixtures (``tests/fixtures``, provenance in its README.md), and loaders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EVENTS = FIXTURES / "events"
REST = FIXTURES / "rest"


def load(path: Path) -> Any:
    """The decoded JSON of one fixture file."""
    return json.loads(path.read_text(encoding="utf-8"))


def event(name: str) -> Any:
    """``events/<name>.json`` (``{"t": name, "d": ...}``)."""
    return load(EVENTS / f"{name}.json")


def rest(name: str) -> Any:
    """``rest/<name>.json``."""
    return load(REST / f"{name}.json")
