"""Hypothesis strategies for valid gateway payloads, for our tests and for bot authors.

Requires ``hypothesis`` (a test dependency, not a runtime one). Every strategy yields payloads as
JSON text, exactly as the gateway sends them, or as dicts where the name says so.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from qqproto._json import dumps_text
from qqproto.gateway._opcodes import Opcode

__all__ = [
    "any_server_payload",
    "dispatch_payloads",
    "event_ids",
    "hello_payloads",
    "json_values",
    "ready_payloads",
    "snowflakes",
]

snowflakes = st.integers(min_value=1, max_value=2**64 - 1).map(str)
"""Platform ids: unsigned 64-bit integers sent as strings."""

event_ids = st.builds(
    lambda name, n: f"{name}:{n}",
    st.sampled_from(["AT_MESSAGE_CREATE", "GROUP_AT_MESSAGE_CREATE", "C2C_MESSAGE_CREATE"]),
    st.uuids().map(str),
)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value."""


def _dump(obj: Any) -> str:
    return dumps_text(obj)


def hello_payloads(
    min_interval_ms: int = 1000, max_interval_ms: int = 60000
) -> st.SearchStrategy[str]:
    """op 10 Hello with a heartbeat interval in the given range (milliseconds)."""
    return st.integers(min_interval_ms, max_interval_ms).map(
        lambda ms: _dump({"op": int(Opcode.HELLO), "d": {"heartbeat_interval": ms}})
    )


def ready_payloads(seq: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[str]:
    """READY dispatches with a fresh session id."""
    seqs = seq if seq is not None else st.integers(1, 1000)
    return st.builds(
        lambda s, sid, uid, shard: _dump(
            {
                "op": 0,
                "s": s,
                "t": "READY",
                "d": {
                    "version": 1,
                    "session_id": sid,
                    "user": {"id": uid, "username": "bot", "bot": True},
                    "shard": shard,
                },
            }
        ),
        seqs,
        st.uuids().map(str),
        snowflakes,
        st.sampled_from([[0, 1], [0, 0]]),
    )


def dispatch_payloads(
    names: st.SearchStrategy[str] | None = None,
    data: st.SearchStrategy[Any] | None = None,
    seq: st.SearchStrategy[int] | None = None,
) -> st.SearchStrategy[str]:
    """op 0 dispatches (not READY/RESUMED) with an id, a sequence number and any data."""
    return st.builds(
        lambda t, s, eid, d: _dump({"op": 0, "s": s, "t": t, "id": eid, "d": d}),
        names
        if names is not None
        else st.sampled_from(
            [
                "AT_MESSAGE_CREATE",
                "GUILD_CREATE",
                "C2C_MESSAGE_CREATE",
                "GROUP_AT_MESSAGE_CREATE",
                "SOME_FUTURE_EVENT",
            ]
        ),
        seq if seq is not None else st.integers(1, 2**31),
        event_ids,
        data if data is not None else json_values,
    )


def any_server_payload() -> st.SearchStrategy[str]:
    """Any well-formed payload the server may send: dispatch, op 1, 7, 9, 10, 11 or unknown ops."""
    return st.one_of(
        dispatch_payloads(),
        ready_payloads(),
        st.just(_dump({"op": 0, "s": 5, "t": "RESUMED", "d": ""})),
        st.just(_dump({"op": int(Opcode.HEARTBEAT), "d": None})),
        st.just(_dump({"op": int(Opcode.HEARTBEAT_ACK)})),
        st.just(_dump({"op": int(Opcode.RECONNECT)})),
        st.booleans().map(lambda b: _dump({"op": int(Opcode.INVALID_SESSION), "d": b})),
        hello_payloads(),
        st.integers(14, 100).map(lambda op: _dump({"op": op, "d": {}})),
    )
