"""atheris target: arbitrary payloads into ``GatewayConnection.receive_payload`` from any state.

Invariant: ``receive_payload`` (and the ``handle_timer`` calls between payloads) raise nothing but
``qqproto._errors.RemoteProtocolError``. The first byte picks the starting state (disconnected,
awaiting Hello, identifying, resuming, connected); the second picks raw bytes or JSON built around
the input (a chosen opcode and event name with the input as ``d``), which reaches deeper; input
nested too deep for the harness's own ``json`` to build goes in as a string ``d`` (see
``_harness.envelope``: that ``RecursionError`` is the harness's, not a finding). The rest
is split on newlines into up to 16 payloads; after a protocol error the connection is reopened so
the sequence goes on. Terminal states (closed, failed) are left out: there ``receive_payload``
raises ``LocalProtocolError`` by design.
"""

from __future__ import annotations

import random

from _harness import Reader, envelope, run_atheris

from qqproto._errors import RemoteProtocolError
from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._state import State

HELLO = '{"op":10,"d":{"heartbeat_interval":45000}}'
READY = '{"op":0,"s":1,"t":"READY","d":{"session_id":"fuzz","user":{"id":"1"}}}'
OPS = (0, 0, 0, 1, 7, 9, 10, 11, 2, 6, 13, -1, 2**70)
NAMES = ("READY", "RESUMED", "AT_MESSAGE_CREATE", None, "", 5, "C2C_MESSAGE_CREATE")


def start(state: int) -> GatewayConnection:
    gateway = GatewayConnection(
        GatewayConfig(intents=1, max_payload_size=8192), rng=random.Random(0)
    )
    if state == 0:
        return gateway  # disconnected: payloads are dropped
    if state == 3:  # a session exists and the next connection resumes
        gateway.connection_made("token", 0.0)
        gateway.receive_payload(HELLO, 0.0)
        gateway.receive_payload(READY, 0.0)
        gateway.connection_lost(4009, "", 0.0)
    gateway.connection_made("token", 0.0)
    if state >= 2:
        gateway.receive_payload(HELLO, 0.0)
    if state == 4:
        gateway.receive_payload(READY, 0.0)
    return gateway


def build(piece: bytes) -> bytes:
    reader = Reader(piece)
    op = reader.choice(OPS)
    name = reader.choice(NAMES)
    seq = reader.byte() - 8
    rest = reader.data.decode("utf-8", "replace")
    s = seq if seq >= 0 else None
    return envelope({"op": op, "d": None, "s": s, "t": name, "id": rest[:8] or None}, rest)


def TestOneInput(data: bytes) -> None:
    reader = Reader(data)
    gateway = start(reader.byte() % 5)
    templated = reader.byte() & 1
    now = 1.0
    for piece in reader.data.split(b"\n")[:16]:
        payload = build(piece) if templated else piece
        now += 0.5
        try:
            gateway.receive_payload(payload, now)
            gateway.handle_timer(now)
        except RemoteProtocolError:
            assert gateway.state is State.DISCONNECTED
        gateway.events()
        gateway.data_to_send()
        if gateway.state is State.DISCONNECTED:
            gateway.connection_made("token", now)


def main() -> None:
    run_atheris(TestOneInput)


if __name__ == "__main__":
    main()
