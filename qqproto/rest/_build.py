"""Small helpers the route modules share: queries and bodies without None, answer parsers."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from qqproto._json import dumps_text
from qqproto.models import InvalidModel, Model
from qqproto.rest._call import FormField, body, plain

__all__ = [
    "JSON",
    "b64",
    "body",
    "decimal",
    "form",
    "many",
    "nothing",
    "optional",
    "plain",
    "query",
    "unwrap",
]

M = TypeVar("M", bound=Model)
JSON = Any


def query(**params: object) -> tuple[tuple[str, str], ...]:
    """Query parameters without the None ones; booleans as ``true``/``false``."""
    out = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.append((key, str(value)))
    return tuple(out)


def decimal(value: str | int | None) -> str | None:
    """A number the platform wants as a decimal string (mute times, schedule times, bit sets)."""
    return None if value is None else str(value)


def b64(data: bytes | str | None) -> str | None:
    """Base64 text of raw bytes (``file_data``); a string is taken as already encoded."""
    if data is None or isinstance(data, str):
        return data
    return base64.b64encode(data).decode("ascii")


def form(
    fields: Mapping[str, JSON],
    file_image: bytes,
    filename: str = "file_image",
    content_type: str = "application/octet-stream",
) -> tuple[FormField, ...]:
    """A multipart body: scalars as text, objects as JSON strings, then the image file."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, str):
            parts.append(FormField(name, value))
        elif isinstance(value, bool):
            parts.append(FormField(name, "true" if value else "false"))
        elif isinstance(value, (int, float)):
            parts.append(FormField(name, str(value)))
        else:
            dumped = dumps_text(value)
            parts.append(FormField(name, dumped))
    parts.append(FormField("file_image", file_image, filename, content_type))
    return tuple(parts)


def nothing(data: JSON) -> None:
    """For routes whose answer carries nothing (204, ``{}``, or an echo nobody needs)."""
    return None


def many(model: type[M]) -> Callable[[JSON], tuple[M, ...]]:
    """Parse a JSON array of ``model`` objects."""

    def parse(data: JSON) -> tuple[M, ...]:
        if not isinstance(data, list):
            raise InvalidModel(f"list[{model.__name__}]", None, "expected an array")
        return tuple([model.parse(item) for item in data])

    return parse


def unwrap(model: type[M], key: str) -> Callable[[JSON], M]:
    """Parse ``{key: {...}}`` as ``model``; a bare object is accepted too."""

    def parse(data: JSON) -> M:
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            return model.parse(data[key])
        return model.parse(data)

    return parse


def optional(model: type[M]) -> Callable[[JSON], M | None]:
    """Parse ``model``, or None for an empty answer."""

    def parse(data: JSON) -> M | None:
        if data is None or data == "":
            return None
        return model.parse(data)

    return parse
