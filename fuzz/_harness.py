"""Shared pieces of the fuzz targets: a wire after a completed handshake, and the runner.

Importable without atheris, so the tests can drive the same ``TestOneInput`` functions through
hypothesis. Only the standard library, wsproto and qqproto are used.
"""

from __future__ import annotations

import atexit
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request
from wsproto.frame_protocol import FrameProtocol

from qqproto._errors import RemoteProtocolError
from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._wire import WireConnection, WireState

URL = "wss://api.sgroup.qq.com/websocket"
CHUNK_SIZES = (1, 2, 3, 7, 64, 512, 1 << 20)

_frames = FrameProtocol(client=False, extensions=[])
_dumps = json.JSONEncoder(separators=(",", ":")).encode
OPENING = bytes(_frames.send_data(_dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))) + bytes(
    _frames.send_data(
        _dumps({"op": 0, "s": 1, "t": "READY", "d": {"session_id": "fuzz", "user": {"id": "1"}}})
    )
)
"""Hello and READY frames, so that fuzz input can also meet a live session."""


def open_wire(
    *, fast_path: bool, max_message_size: int, accept: bool = True
) -> tuple[WireConnection, WSConnection]:
    """A wire whose upgrade an in-memory wsproto server accepted (unless ``accept`` is false: then
    the fuzz input itself is the server's answer), and that server."""
    gateway = GatewayConnection(GatewayConfig(intents=1), rng=random.Random(0))
    wire = WireConnection(
        gateway, URL, "token", fast_path=fast_path, max_message_size=max_message_size
    )
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(wire.bytes_to_send())
    events = list(server.events())
    assert len(events) == 1 and isinstance(events[0], Request)
    accepted = server.send(AcceptConnection())
    if accept:
        wire.receive_data(accepted, 0.0)
    return wire, server


def feed(
    wire: WireConnection, server: WSConnection, data: bytes, chunk: int, eof: bool
) -> tuple[str, str, bool]:
    """Feed ``data`` in ``chunk``-sized pieces (then EOF if asked); only RemoteProtocolError may
    escape. Returns (repr of the events, repr of what the server decodes from our output,
    whether an error was raised)."""
    events: list[Any] = []
    raised = False
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    if eof:
        pieces.append(b"")
    for piece in pieces:
        try:
            wire.receive_data(piece, 1.0)
        except RemoteProtocolError:
            raised = True
        events += wire.events()
    if eof:
        assert wire.should_close_transport, "EOF must end the transport"
    sent = wire.bytes_to_send()
    decoded: list[Any] = []
    if wire.state is not WireState.UPGRADING:
        server.receive_data(sent)
        decoded = list(server.events())
    return repr(events), repr(decoded), raised


def envelope(fields: dict[str, Any], text: str) -> bytes:
    """``fields`` as a JSON object whose ``"d"`` is ``text`` decoded when it is JSON, else ``text``
    itself as a string.

    JSON nested too deep for this harness's own ``json`` (a ``RecursionError`` from ``loads``, or
    from ``dumps`` a level deeper; where exactly depends on the stack depth of the caller) also goes
    in as a string: it is an input the harness cannot build, not a finding. The code under test
    still meets deep nesting through the raw-bytes modes.
    """
    try:
        return json.dumps(dict(fields, d=json.loads(text))).encode()
    except (ValueError, RecursionError):
        return json.dumps(dict(fields, d=text)).encode()


class Reader:
    """Takes options off the front of a fuzz input."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def byte(self) -> int:
        if not self.data:
            return 0
        value, self.data = self.data[0], self.data[1:]
        return value

    def choice(self, options: tuple[Any, ...]) -> Any:
        return options[self.byte() % len(options)]


def run_atheris(test_one_input: Callable[[bytes], None], default_runs: int = 20_000) -> None:
    """Run a target under atheris; bounded to ``default_runs`` inputs unless ``--long`` is given
    or a libFuzzer bound (-runs, -atheris_runs, -max_total_time) is passed."""
    import atheris  # type: ignore[import-untyped]

    argv = list(sys.argv)
    if "--long" in argv:
        argv.remove("--long")
    elif not any(a.startswith(("-runs=", "-atheris_runs=", "-max_total_time=")) for a in argv):
        argv.append(f"-atheris_runs={default_runs}")
    atheris.instrument_all()  # qqproto, wsproto and h11 are imported already: instrument them
    # instrumented stdlib code run during interpreter teardown prints harmless noise; mute it
    atexit.register(setattr, sys, "unraisablehook", lambda _: None)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
