"""Decoding and encoding of whole gateway payloads ``{"op", "d", "s", "t", "id"}``.

The envelope is decoded in one msgspec pass that leaves ``d`` as raw JSON text
(:class:`msgspec.Raw`): the gateway looks into ``d`` only for Hello and READY, and a dispatch's
``d`` is decoded once, later, straight into its typed event. ``decode_payload`` (the whole
payload, ``d`` decoded to plain values) is for the webhook and the simulator. Both raise
``RemoteProtocolError`` (bad JSON, wrong types, over the size limit), nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from qqproto._errors import RemoteProtocolError
from qqproto._json import dumps_text, loads

DEFAULT_MAX_PAYLOAD_SIZE = 1 << 20
"""1 MiB: the largest gateway payload accepted by default."""

NULL = msgspec.Raw(b"null")
"""The raw ``d`` of a payload that has none."""


class _Envelope(msgspec.Struct, gc=False):
    op: int
    d: msgspec.Raw = NULL
    s: int | None = None
    t: str | None = None
    id: str | int | None = None


_decode_envelope = msgspec.json.Decoder(_Envelope).decode


@dataclass(frozen=True, slots=True)
class Payload:
    """One decoded gateway payload (``d`` as plain JSON values)."""

    op: int
    d: Any = None
    s: int | None = None
    t: str | None = None
    id: str | None = None


def decode_payload(data: str | bytes, max_size: int = DEFAULT_MAX_PAYLOAD_SIZE) -> Payload:
    """Parse one gateway message; raise ``RemoteProtocolError`` if it is not a valid payload."""
    op, d, s, t, event_id = decode_envelope(data, max_size)
    return Payload(op, loads(d, "gateway payload 'd'"), s, t, event_id)


Envelope = tuple[int, msgspec.Raw, "int | None", "str | None", "str | None"]
"""``(op, d, s, t, id)`` with ``d`` as raw JSON text (the gateway's hot path)."""


def decode_envelope(data: str | bytes, max_size: int = DEFAULT_MAX_PAYLOAD_SIZE) -> Envelope:
    """Like :func:`decode_payload`, returning ``(op, d, s, t, id)`` with ``d`` left raw."""
    try:
        if len(data) > max_size:
            raise ValueError
        env = _decode_envelope(data)
    except (ValueError, RecursionError):  # msgspec's errors are ValueErrors
        raise envelope_error(data, max_size) from None
    event_id = env.id
    if type(event_id) is int:
        event_id = str(event_id)
    return env.op, env.d, env.s, env.t, event_id  # type: ignore[return-value]


def envelope_error(data: str | bytes, max_size: int) -> RemoteProtocolError:
    """Why ``data`` is not a gateway payload (for a payload the envelope decoder refused)."""
    if len(data) > max_size:
        return RemoteProtocolError(f"gateway payload of {len(data)} bytes exceeds {max_size}")
    try:
        _decode_envelope(data)
    except msgspec.ValidationError as exc:
        reason, _, where = str(exc).partition(" - at `")
        where = where.rstrip("`")
        return RemoteProtocolError(
            f"gateway payload is not a valid payload: {reason}" + (f" at {where}" if where else "")
        )
    except (msgspec.DecodeError, RecursionError) as exc:
        return RemoteProtocolError(f"gateway payload is not valid JSON: {exc}")
    raise AssertionError("envelope_error() called for a valid payload")  # pragma: no cover


def encode_payload(op: int, d: Any) -> str:
    """Serialise an outgoing payload compactly (the client never sends ``s``/``t``)."""
    return dumps_text({"op": op, "d": d})
