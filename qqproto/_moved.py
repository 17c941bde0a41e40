"""Deprecated module paths and names from before the per-protocol layout, kept importable with a
warning.

``import qqproto.wire`` still works and gives the module that now holds those names
(:mod:`qqproto.gateway`'s ``_wire``), with a :class:`DeprecationWarning` naming the new import.
New code imports public names from the packages: ``qqproto``, ``qqproto.gateway``,
``qqproto.rest``, ``qqproto.webhook``, ``qqproto.outgoing``, ``qqproto.models``, ``qqproto.sim``.
A renamed public class keeps its old name through the package's module ``__getattr__``
(:func:`renamed`): ``qqproto.outgoing.Message`` is ``qqproto.outgoing.OutgoingMessage``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

#: old module path → (module that now holds its names, package to import them from)
MOVED: dict[str, tuple[str, str]] = {
    "qqproto.gateway_state": ("qqproto.gateway._state", "qqproto.gateway"),
    "qqproto.gateway_events": ("qqproto.gateway._events", "qqproto.gateway"),
    "qqproto.close_codes": ("qqproto.gateway._close_codes", "qqproto.gateway"),
    "qqproto.opcodes": ("qqproto.gateway._opcodes", "qqproto.gateway"),
    "qqproto.identify": ("qqproto.gateway._identify", "qqproto.gateway"),
    "qqproto.backoff": ("qqproto.gateway._backoff", "qqproto.gateway"),
    "qqproto.dedup": ("qqproto.gateway._dedup", "qqproto.gateway"),
    "qqproto.intents": ("qqproto.gateway._intents", "qqproto.gateway"),
    "qqproto.wire": ("qqproto.gateway._wire", "qqproto.gateway"),
    "qqproto.payload": ("qqproto.gateway._payload", "qqproto.gateway"),
    "qqproto.http": ("qqproto.rest._http", "qqproto.rest"),
    "qqproto.auth": ("qqproto.rest._auth", "qqproto.rest"),
    "qqproto.retry": ("qqproto.rest._retry", "qqproto.rest"),
    "qqproto.api_errors": ("qqproto.rest._api_errors", "qqproto.rest"),
    "qqproto.api": ("qqproto.rest", "qqproto.rest"),
    "qqproto.api.call": ("qqproto.rest._call", "qqproto.rest"),
    "qqproto.api.catalogue": ("qqproto.rest._catalogue", "qqproto.rest"),
    "qqproto.message": ("qqproto.outgoing._message", "qqproto.outgoing"),
    "qqproto.replies": ("qqproto.outgoing._replies", "qqproto.outgoing"),
    "qqproto.errors": ("qqproto._errors", "qqproto"),
    "qqproto.testing": ("qqproto.sim._strategies", "qqproto.sim.strategies"),
    "qqproto.models.events": ("qqproto.models._events", "qqproto.models"),
    "qqproto.models.forum": ("qqproto.models._forum", "qqproto.models"),
    "qqproto.models.guild": ("qqproto.models._guild", "qqproto.models"),
    "qqproto.models.message": ("qqproto.models._message", "qqproto.models"),
    "qqproto.models.gateway_info": ("qqproto.models._gateway_info", "qqproto.models"),
    "qqproto.client.public": ("qqproto.client", "qqbot_asyncio or qqbot_trio"),
}


class _Loader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        return None


class MovedModules(importlib.abc.MetaPathFinder):
    """Finds the old module paths in :data:`MOVED` and hands out the new modules."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        moved = MOVED.get(fullname)
        if moved is None:
            return None
        new, public = moved
        warnings.warn(
            f"{fullname} moved: import its names from {public}",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.util.spec_from_loader(fullname, _Loader(new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedModules())


def renamed(
    module: str, names: Mapping[str, str], namespace: Mapping[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module``: each old name in ``names`` gives the object its new
    name has in ``namespace`` (the module's globals), with a ``DeprecationWarning``."""

    def __getattr__(name: str) -> Any:
        new = names.get(name)
        if new is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(f"{module}.{name} is now {module}.{new}", DeprecationWarning, stacklevel=2)
        return namespace[new]

    return __getattr__
