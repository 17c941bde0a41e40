"""One name per concept: no two different public classes share a name, and every renamed public
class stays importable under its old name with a DeprecationWarning."""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from collections import defaultdict

import pytest

import qqproto


def _core_packages() -> tuple[str, ...]:
    """``qqproto`` and each public subpackage (``qqproto.gateway``, ``qqproto.rest``, ...)."""
    found = [
        f"qqproto.{info.name}"
        for info in pkgutil.iter_modules(qqproto.__path__)
        if info.ispkg and not info.name.startswith("_")
    ]
    return ("qqproto", *sorted(found))


#: a user imports one adapter or the other (``import qqbot_trio as qq``), never both as one
#: namespace: each has its own ``Client`` over its loop
ADAPTERS = ("qqbot_asyncio", "qqbot_trio")


def _public_classes(packages: tuple[str, ...]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for package in packages:
        module = importlib.import_module(package)
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type):
                found[name].add(f"{value.__module__}.{value.__qualname__}")
    return found


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_no_two_public_classes_share_a_name(adapter: str) -> None:
    assert {"qqproto.models", "qqproto.outgoing", "qqproto.sim"} <= set(_core_packages())
    shared = {
        name: sorted(places)
        for name, places in _public_classes((*_core_packages(), adapter)).items()
        if len(places) > 1
    }
    assert shared == {}


RENAMED = [
    ("qqproto.outgoing", "Message", "OutgoingMessage"),
    ("qqproto.outgoing", "Embed", "OutgoingEmbed"),
    ("qqproto.outgoing", "Ark", "OutgoingArk"),
    ("qqproto.outgoing", "ArkKv", "OutgoingArkKv"),
    ("qqproto.outgoing", "ArkObj", "OutgoingArkObj"),
    ("qqproto.outgoing", "MessageReference", "OutgoingReference"),
    ("qqproto.models", "Ready", "ReadyEvent"),
    ("qqproto.models", "Resumed", "ResumedEvent"),
    ("qqproto.models", "SessionStartLimit", "SessionStartLimitInfo"),
    ("qqproto.sim", "SendText", "ServerText"),
]


@pytest.mark.parametrize(("package", "old", "new"), RENAMED)
def test_old_names_import_with_a_deprecation_warning(package: str, old: str, new: str) -> None:
    module = importlib.import_module(package)
    assert old not in module.__all__ and new in module.__all__
    with pytest.warns(DeprecationWarning, match=f"{old}.*{new}"):
        value = getattr(module, old)
    assert value is getattr(module, new)
    with pytest.raises(AttributeError):
        module.NoSuchName  # noqa: B018 - the module __getattr__ still refuses unknown names


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_the_adapters_message_module_keeps_the_old_builder_name(adapter: str) -> None:
    qq = importlib.import_module(adapter)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        built = qq.OutgoingMessage(content="hi")
    with pytest.warns(DeprecationWarning):
        assert qq.message.Message is qq.OutgoingMessage
    assert qq.message.OutgoingMessage is type(built)
