"""The project's one JSON codec, on msgspec: compact UTF-8 out, exact integers in, typed errors.

Everything that reads or writes JSON (gateway payloads, REST bodies, webhook pushes, the
simulator) goes through :func:`dumps`/:func:`dumps_text` and :func:`loads`. Typed decoding into
models lives in :mod:`qqproto.models` and uses the same library.

- ``dumps`` writes compact JSON with non-ASCII text as UTF-8 (the platform's own style); models
  (Structs) as objects, tuples and sets as arrays, ``bytes`` as base64 strings (what the
  platform's ``file_data`` takes), datetimes as RFC 3339. Floats that are not finite are refused
  with ``ValueError`` (JSON has no NaN or infinity); other objects with ``TypeError``.
- ``loads`` takes ``bytes``, ``bytearray``, ``memoryview`` or ``str`` and gives plain Python
  values; integers of any size stay exact ints. Anything that is not JSON raises
  :class:`~qqproto._errors.InvalidJSON` (a ``RemoteProtocolError``), never anything else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import msgspec

from qqproto._errors import InvalidJSON

__all__ = ["JSONText", "dumps", "dumps_text", "loads"]

JSONText = bytes | bytearray | memoryview | str | msgspec.Raw
"""What :func:`loads` and the typed decoders read: UTF-8 bytes of any kind, text, raw JSON."""


def _refuse(obj: Any) -> Any:
    if isinstance(obj, str):  # a str subclass (e.g. the mention builders' Markup) is its text
        return str(obj)
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")


_encoder = msgspec.json.Encoder(enc_hook=_refuse)
_decoder = msgspec.json.Decoder()

_MAX_NESTING_SHOWN = 80


def _check_finite(obj: Any) -> None:
    """JSON has no NaN or infinity; msgspec would write ``null``: refuse instead."""
    if type(obj) is float:
        if not math.isfinite(obj):
            raise ValueError(f"cannot encode the float {obj!r} as JSON")
    elif type(obj) is dict:
        for value in obj.values():
            _check_finite(value)
    elif type(obj) is list or type(obj) is tuple:
        for value in obj:
            _check_finite(value)


def dumps(obj: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """Compact JSON bytes (UTF-8, no spaces, non-ASCII kept as is). ``default`` turns an object
    JSON has no type for into one it has (as for ``json.dumps``)."""
    data = _encoder.encode(obj) if default is None else msgspec.json.encode(obj, enc_hook=default)
    if b"null" in data:  # a non-finite float is written as null: find out whether one was
        _check_finite(obj)
    return data


def dumps_text(obj: Any, default: Callable[[Any], Any] | None = None) -> str:
    """:func:`dumps` as text."""
    return dumps(obj, default).decode("utf-8")


def loads(data: JSONText, what: str = "JSON") -> Any:
    """Decode one JSON document; raise :class:`InvalidJSON` naming ``what`` if it is not one."""
    try:
        return _decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise InvalidJSON(f"{what} is not valid JSON: {str(exc)[:_MAX_NESTING_SHOWN]}") from None
