"""GatewayConnection.restore_session: a session stored elsewhere is RESUMEd, not identified."""

from __future__ import annotations

import json
import random

import pytest

from qqproto._errors import LocalProtocolError
from qqproto.gateway import GatewayConfig, GatewayConnection, SendText


def _hello(gw: GatewayConnection, now: float) -> list[dict[str, object]]:
    gw.receive_payload(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}), now)
    return [json.loads(o.text) for o in gw.data_to_send() if isinstance(o, SendText)]


def test_restored_session_resumes_from_its_seq() -> None:
    gw = GatewayConnection(GatewayConfig(intents=1), rng=random.Random(0))
    gw.restore_session("s-1", 42)
    assert gw.will_resume
    gw.connection_made("tok", 0.0)
    sent = _hello(gw, 0.1)
    assert sent == [{"op": 6, "d": {"token": "QQBot tok", "session_id": "s-1", "seq": 42}}]


def test_restored_session_without_seq_resumes_from_zero() -> None:
    gw = GatewayConnection(GatewayConfig(intents=1), rng=random.Random(0))
    gw.restore_session("s-1", None)
    gw.connection_made("tok", 0.0)
    assert _hello(gw, 0.1)[0]["d"] == {"token": "QQBot tok", "session_id": "s-1", "seq": 0}


@pytest.mark.parametrize(
    ("session_id", "seq"), [("", 1), (None, 1), ("s", -1), ("s", True), ("s", "3")]
)
def test_restore_session_rejects_bad_values(session_id: object, seq: object) -> None:
    gw = GatewayConnection(GatewayConfig(intents=1), rng=random.Random(0))
    with pytest.raises(ValueError, match=r"restore_session|seq must"):
        gw.restore_session(session_id, seq)  # type: ignore[arg-type]


def test_restore_session_only_between_connections() -> None:
    gw = GatewayConnection(GatewayConfig(intents=1), rng=random.Random(0))
    gw.connection_made("tok", 0.0)
    with pytest.raises(LocalProtocolError, match="only between connections"):
        gw.restore_session("s", 1)


def test_ready_repr_leaves_the_payload_out() -> None:
    from qqproto.gateway import Ready

    ready = Ready("s", {"id": "1"}, (0, 1), 1, 3, {"secret": "x" * 50})
    assert repr(ready) == (
        "Ready(session_id='s', user={'id': '1'}, shard=(0, 1), version=1, seq=3)"
    )
