"""The dispatch stream of the gateway/worker split: entry format, key names, the worker's scripts.

A gateway in publish mode appends each dispatch to the stream ``P:events`` (``P`` =
``f"{namespace}:{app_id}"``) as one entry with the byte fields ``v`` (format version ``"1"``),
``app`` (app id), ``shard``, ``seq`` (``""`` when the dispatch had none), ``name`` (the
dispatch's ``t``), ``id`` (the event id, ``""`` when there is none) and ``d`` (the raw JSON
bytes of ``d``). Workers read it through the consumer group ``workers``.

:func:`encode_entry` / :func:`decode_entry` are the two directions; a malformed entry raises
:class:`StreamEntryError` (the worker reports it to ``on_error`` and acknowledges it). The Lua
texts are what the worker runs atomically: :data:`SKIP_DONE` (acknowledge at once the entries
whose event is already ``done``) and :data:`COMPLETE` (``SET P:done:{id} EX event_window`` and
``XACK``, for one entry or many, in one script). Sans-IO: no Redis client here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qqproto._errors import StreamEntryError
from qqproto.cluster._keys import ClusterKeys

__all__ = [
    "COMPLETE",
    "DEFAULT_GROUP",
    "LAG",
    "SKIP_DONE",
    "STREAM_VERSION",
    "StreamEntry",
    "StreamEntryError",
    "decode_entry",
    "encode_entry",
    "entry_done_key",
]

STREAM_VERSION = b"1"
"""The ``v`` field of every entry this version writes and the only one it reads."""
DEFAULT_GROUP = "workers"
"""The consumer group the workers share."""

_FIELDS = (b"v", b"app", b"shard", b"seq", b"name", b"id", b"d")
_MAX_NAME = 128


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One decoded dispatch entry (``entry_id`` is the stream's id of it, ``""`` before XADD)."""

    app_id: str
    shard: int
    seq: int | None
    name: str
    event_id: str | None
    d: bytes
    entry_id: str = ""

    def __repr__(self) -> str:  # d may be large and peer-controlled: never in full
        return (
            f"StreamEntry(entry_id={self.entry_id!r}, name={self.name[:64]!r}, "
            f"event_id={(self.event_id or '')[:64]!r}, shard={self.shard}, seq={self.seq}, "
            f"d=<{len(self.d)} bytes>)"
        )


def entry_done_key(keys: ClusterKeys, event_id: str | None, entry_id: str) -> str:
    """The done key deduplicating a stream entry: ``P:done:{event_id}``, or for an entry
    without an event id ``P:done:@{entry_id}`` (its stream entry id, which no platform event
    id can look like)."""
    if event_id:
        return keys.done(event_id)
    if not entry_id:
        raise ValueError("an entry without an event id needs its stream entry id")
    return keys.done(f"@{entry_id}")


def encode_entry(
    app_id: str, shard: int, seq: int | None, name: str, event_id: str | None, d: bytes
) -> dict[bytes, bytes]:
    """The XADD fields of one dispatch (``d``: the raw JSON bytes of the dispatch's ``d``)."""
    if not isinstance(d, (bytes, bytearray, memoryview)):
        raise TypeError(f"d must be the raw JSON bytes, not {type(d).__name__}")
    if not name:
        raise ValueError("a dispatch entry needs the event name")
    if isinstance(shard, bool) or not isinstance(shard, int) or shard < 0:
        raise ValueError(f"shard must be a non-negative int, not {shard!r}")
    return {
        b"v": STREAM_VERSION,
        b"app": app_id.encode(),
        b"shard": str(shard).encode(),
        b"seq": b"" if seq is None else str(int(seq)).encode(),
        b"name": name.encode(),
        b"id": (event_id or "").encode(),
        b"d": bytes(d),
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def decode_entry(fields: Mapping[Any, Any], entry_id: str = "") -> StreamEntry:
    """The entry XREADGROUP returned (``fields`` as bytes or str), or :class:`StreamEntryError`
    naming what is wrong."""
    got: dict[bytes, bytes] = {}
    try:
        for key, value in fields.items():
            k = key.encode() if isinstance(key, str) else bytes(key)
            got[k] = value.encode() if isinstance(value, str) else bytes(value)
    except (TypeError, AttributeError, UnicodeError) as exc:
        raise StreamEntryError(f"stream entry {entry_id}: fields are not bytes", entry_id) from exc
    missing = [f.decode() for f in _FIELDS if f not in got]
    if missing:
        raise StreamEntryError(
            f"stream entry {entry_id}: missing field(s) {', '.join(missing)}", entry_id
        )
    if got[b"v"] != STREAM_VERSION:
        raise StreamEntryError(
            f"stream entry {entry_id}: format version {got[b'v'][:16]!r}, this version reads "
            f"{STREAM_VERSION!r}",
            entry_id,
        )
    try:
        app_id = got[b"app"].decode()
        name = got[b"name"].decode()
        event_id = got[b"id"].decode()
        shard_text = got[b"shard"].decode()
        seq_text = got[b"seq"].decode()
    except UnicodeDecodeError as exc:
        raise StreamEntryError(f"stream entry {entry_id}: a field is not UTF-8", entry_id) from exc
    if not name or len(name) > _MAX_NAME:
        raise StreamEntryError(f"stream entry {entry_id}: bad event name", entry_id)
    try:
        shard = int(shard_text)
        seq = int(seq_text) if seq_text else None
    except ValueError as exc:
        raise StreamEntryError(
            f"stream entry {entry_id}: shard/seq are not integers: "
            f"{shard_text[:32]!r}, {seq_text[:32]!r}",
            entry_id,
        ) from exc
    if shard < 0:
        raise StreamEntryError(f"stream entry {entry_id}: negative shard {shard}", entry_id)
    return StreamEntry(
        app_id=app_id,
        shard=shard,
        seq=seq,
        name=name,
        event_id=event_id or None,
        d=got[b"d"],
        entry_id=entry_id,
    )


SKIP_DONE = """\
-- KEYS[1] = the stream, KEYS[2..n+1] = the done keys of n entries just read
-- ARGV[1] = the group, ARGV[2..n+1] = those entries' ids
-- Acknowledges the entries whose done key exists; returns a 0/1 flag per entry (1 = done).
local flags = {}
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
    flags[i - 1] = 1
  else
    flags[i - 1] = 0
  end
end
return flags
"""
"""Acknowledge, in one round trip, the entries of a batch whose event is already ``done``."""

COMPLETE = """\
-- KEYS[1] = the stream, KEYS[2..n+1] = the done keys of n handled entries
-- ARGV[1] = the group, ARGV[2] = event_window (whole seconds), ARGV[3] = the done value
-- (the consumer's name), ARGV[4..n+3] = the entries' ids
-- Marks every event done for event_window and acknowledges its entry, atomically.
local acked = 0
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[3], 'EX', ARGV[2])
  acked = acked + redis.call('XACK', KEYS[1], ARGV[1], ARGV[i + 2])
end
return acked
"""
"""Complete handled entries: ``SET P:done:{id} EX event_window`` and ``XACK``, one script."""

LAG = """\
-- KEYS[1] = the stream; ARGV[1] = the group's last-delivered-id, ARGV[2] = a cap
-- The number of entries after last-delivered-id, at most the cap (Redis < 7 has no lag).
return #redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
"""
"""The group's lag where ``XINFO GROUPS`` does not report it (Redis before 7.0)."""
