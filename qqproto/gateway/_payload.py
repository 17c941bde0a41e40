"""Decoding and encoding of whole gateway payloads ``{"op", "d", "s", "t", "id"}``.

``decode_payload`` turns one WebSocket text message into a :class:`Payload` or raises
``RemoteProtocolError`` (bad JSON, wrong types, over the size limit), nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from qqproto._errors import RemoteProtocolError

DEFAULT_MAX_PAYLOAD_SIZE = 1 << 20
"""1 MiB: the largest gateway payload accepted by default."""

_DECODER = json.JSONDecoder()
_decode = _DECODER.decode
_scan: Any = _DECODER.scan_once  # type: ignore[attr-defined]  # set in JSONDecoder.__init__
_WHITESPACE = " \t\n\r"


def _loads(text: str) -> Any:
    """``json.loads`` minus two Python-level wrappers (a measurable share of the hot path):
    the C scanner straight away, the full decoder only for leading whitespace and errors."""
    try:
        obj, end = _scan(text, 0)
    except StopIteration:
        return _decode(text)  # leading whitespace, or not JSON: let the decoder say which
    if end != len(text) and text[end:].strip(_WHITESPACE):
        return _decode(text)  # raises "Extra data"
    return obj


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True, slots=True)
class Payload:
    """One decoded gateway payload."""

    op: int
    d: Any = None
    s: int | None = None
    t: str | None = None
    id: str | None = None


def decode_payload(data: str | bytes, max_size: int = DEFAULT_MAX_PAYLOAD_SIZE) -> Payload:
    """Parse one gateway message; raise ``RemoteProtocolError`` if it is not a valid payload."""
    return Payload(*decode_envelope(data, max_size))


Envelope = tuple[int, Any, "int | None", "str | None", "str | None"]
"""``(op, d, s, t, id)``: a decoded payload without the dataclass (the gateway's hot path)."""


def decode_envelope(data: str | bytes, max_size: int = DEFAULT_MAX_PAYLOAD_SIZE) -> Envelope:
    """Like :func:`decode_payload`, returning ``(op, d, s, t, id)``."""
    if len(data) > max_size:
        raise RemoteProtocolError(f"gateway payload of {len(data)} bytes exceeds {max_size}")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        obj = _loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RemoteProtocolError(f"gateway payload is not valid JSON: {exc}") from None
    if type(obj) is not dict:
        raise RemoteProtocolError(f"gateway payload is a {type(obj).__name__}, not an object")
    try:  # a dispatch has every field
        op, d, s, t, event_id = obj["op"], obj["d"], obj["s"], obj["t"], obj["id"]
    except KeyError:
        get = obj.get
        op, d, s, t, event_id = get("op"), get("d"), get("s"), get("t"), get("id")
    if type(op) is not int:
        raise RemoteProtocolError(f"gateway payload has no integer 'op': {op!r:.80}")
    if type(s) is not int and s is not None:
        raise RemoteProtocolError(f"gateway payload 's' is not an integer: {s!r:.80}")
    if type(t) is not str and t is not None:
        raise RemoteProtocolError(f"gateway payload 't' is not a string: {t!r:.80}")
    if type(event_id) is not str and event_id is not None:
        if type(event_id) is not int:
            raise RemoteProtocolError(f"gateway payload 'id' is not a string: {event_id!r:.80}")
        event_id = str(event_id)
    return op, d, s, t, event_id


def encode_payload(op: int, d: Any) -> str:
    """Serialise an outgoing payload compactly (the client never sends ``s``/``t``)."""
    return _encode({"op": op, "d": d})
