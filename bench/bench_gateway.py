"""Benchmark: CPU per event from socket bytes to a typed ``Dispatch`` event.

Thousands of 571-byte AT_MESSAGE_CREATE payloads (built from the official fixture, unique ids so
dedup keeps them all) are framed as server-to-client WebSocket text frames, concatenated and fed
in 64 KiB chunks. One run reports side by side:

- (a)  the full path: ``WireConnection`` (fast path on) + ``GatewayConnection`` -> ``Dispatch``;
- (a') the same with ``fast_path=False`` (wsproto parses every frame);
- (b)  wsproto alone on the same bytes (client ``WSConnection`` after the handshake,
  ``receive_data`` + drain events);
- (c)  plain ``json.loads`` of the payload strings;
- (e)  the gateway alone fed the payload strings;
- (f)  the wire alone: the full path with the gateway's input stubbed out (what the wire adds);
- (d)  the full path plus ``qqproto.models.parse_event``, when that exists.

Each path runs several times; best and median wall time (``perf_counter``) and best CPU time
(``process_time``) per event are printed. Run ``python bench/bench_gateway.py`` (``--quick`` for
a short run).
"""

from __future__ import annotations

import argparse
import copy
import gc
import inspect
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import Dispatch
from qqproto.gateway._wire import WireConnection

FIXTURES = Path(
    os.environ.get("QQBOT_FIXTURES", Path(__file__).resolve().parents[1] / "tests" / "fixtures")
)
PAYLOAD_SIZE = 571
CHUNK = 64 * 1024
BAR_US = 8.0
URL = "wss://api.sgroup.qq.com/websocket"
HELLO = {"op": 10, "d": {"heartbeat_interval": 45000}}
READY = {
    "op": 0,
    "s": 1,
    "t": "READY",
    "d": {"version": 1, "session_id": "bench", "user": {"id": "1", "bot": True}, "shard": [0, 1]},
}
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

Clock = tuple[float, float]
"""(wall seconds, CPU seconds)."""


def _fixture_d() -> dict[str, Any]:
    """``d`` of the official AT_MESSAGE_CREATE example (inline copy if the fixtures are absent)."""
    try:
        data = json.loads((FIXTURES / "events/AT_MESSAGE_CREATE.json").read_text("utf-8"))
        d: dict[str, Any] = data["d"]
    except OSError:
        d = {
            "author": {"avatar": "http://thirdqq.qlogo.cn/0", "bot": False, "id": "1234"},
            "channel_id": "100010",
            "content": "ndnnd",
            "guild_id": "18700000000001",
            "id": "0812345677890abcdef",
            "member": {"joined_at": "2021-04-12T16:34:42+08:00", "roles": ["1"]},
            "timestamp": "2021-05-20T15:14:58+08:00",
            "seq": 101,
        }
    return d


def make_payloads(count: int, first_seq: int = 2) -> list[str]:
    """``count`` AT_MESSAGE_CREATE payloads of exactly PAYLOAD_SIZE UTF-8 bytes, unique ids."""
    base = _fixture_d()
    out = []
    for i in range(count):
        d = copy.deepcopy(base)
        d["id"] = f"08{i:017x}"
        d["content"] = "<@!1234> "
        obj = {
            "op": 0,
            "s": first_seq + i,
            "t": "AT_MESSAGE_CREATE",
            "id": f"AT_MESSAGE_CREATE:{i:08d}-bench",
            "d": d,
        }
        short = PAYLOAD_SIZE - len(_dumps(obj).encode())
        if short < 0:
            raise SystemExit("the fixture is too large for a 571-byte payload")
        d["content"] += "x" * short  # pad the message text to the exact size
        text = _dumps(obj)
        assert len(text.encode()) == PAYLOAD_SIZE
        out.append(text)
    return out


def _server() -> WSConnection:
    """A wsproto server that accepted some client's upgrade: used to frame server messages."""
    client = WSConnection(ConnectionType.CLIENT)
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="api.sgroup.qq.com", target="/websocket")))
    list(server.events())
    server.send(AcceptConnection())
    return server


def _server_101(request: bytes) -> bytes:
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(request)
    list(server.events())
    return server.send(AcceptConnection())


def build_stream(payloads: list[str]) -> tuple[bytes, bytes]:
    """(Hello and READY frames, the dispatch frames) as server-to-client bytes."""
    server = _server()

    def frame(text: str) -> bytes:
        return server.send(TextMessage(data=text))

    setup = frame(_dumps(HELLO)) + frame(_dumps(READY))
    return setup, b"".join(frame(p) for p in payloads)


def chunks(data: bytes) -> list[bytes]:
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


def _clocks() -> Clock:
    return time.perf_counter(), time.process_time()


def _since(start: Clock) -> Clock:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def run_full(
    pieces: list[bytes],
    setup: bytes,
    count: int,
    *,
    fast_path: bool = True,
    model: Callable[[Dispatch], Any] | None = None,
) -> Clock:
    gateway = GatewayConnection(GatewayConfig(intents=1 << 30), rng=random.Random(0))
    wire = WireConnection(gateway, URL, "token", fast_path=fast_path)
    wire.receive_data(_server_101(wire.bytes_to_send()) + setup, 0.5)
    wire.events()
    wire.bytes_to_send()
    seen = 0
    start = _clocks()
    for piece in pieces:
        wire.receive_data(piece, 1.0)
        for event in wire.events():
            if type(event) is Dispatch:
                seen += 1
                if model is not None:
                    model(event)
        wire.bytes_to_send()
    elapsed = _since(start)
    if seen != count:
        raise SystemExit(f"expected {count} Dispatch events, got {seen}")
    return elapsed


def run_wsproto(pieces: list[bytes], count: int) -> Clock:
    client = WSConnection(ConnectionType.CLIENT)
    client.receive_data(
        _server_101(client.send(Request(host="api.sgroup.qq.com", target="/websocket")))
    )
    list(client.events())
    seen = 0
    start = _clocks()
    for piece in pieces:
        client.receive_data(piece)
        for event in client.events():
            if type(event) is TextMessage and event.message_finished:
                seen += 1
    elapsed = _since(start)
    if seen != count:
        raise SystemExit(f"expected {count} messages, got {seen}")
    return elapsed


def run_json(payloads: list[str]) -> Clock:
    loads = json.loads
    start = _clocks()
    for text in payloads:
        loads(text)
    return _since(start)


def run_gateway(payloads: list[str]) -> Clock:
    gateway = GatewayConnection(GatewayConfig(intents=1 << 30), rng=random.Random(0))
    gateway.connection_made("token", 0.5)
    gateway.receive_payload(_dumps(HELLO), 0.5)
    gateway.receive_payload(_dumps(READY), 0.5)
    gateway.events()
    gateway.data_to_send()
    receive = gateway.receive_payload
    per_chunk = CHUNK // (PAYLOAD_SIZE + 4)  # drain as often as the full path does
    seen = 0
    start = _clocks()
    for i in range(0, len(payloads), per_chunk):
        for text in payloads[i : i + per_chunk]:
            receive(text, 1.0)
        for event in gateway.events():
            if type(event) is Dispatch:
                seen += 1
    elapsed = _since(start)
    if seen != len(payloads):
        raise SystemExit(f"expected {len(payloads)} Dispatch events, got {seen}")
    return elapsed


class _NullGateway(GatewayConnection):
    """A gateway that swallows payloads: leaves only the wire's own cost in (f)."""

    def receive_payload(self, data: str | bytes, now: float) -> None:
        pass

    def data_to_send(self) -> list[Any]:
        return []


def run_wire_only(pieces: list[bytes]) -> Clock:
    gateway = _NullGateway(GatewayConfig(intents=1), rng=random.Random(0))
    wire = WireConnection(gateway, URL, "token")
    wire.receive_data(_server_101(wire.bytes_to_send()), 0.5)
    start = _clocks()
    for piece in pieces:
        wire.receive_data(piece, 1.0)
        wire.events()
        wire.bytes_to_send()
    return _since(start)


def model_parser() -> Callable[[Dispatch], Any] | None:
    """``qqproto.models.parse_event`` adapted to a Dispatch, or None if there is none."""
    try:
        from qqproto import models
    except ImportError:
        return None
    parse_event = getattr(models, "parse_event", None)
    if parse_event is None:
        return None
    params = inspect.signature(parse_event).parameters
    if hasattr(Dispatch, "raw"):  # d kept as raw JSON text: decoded once, into the model
        return lambda ev: parse_event(ev.name, ev.raw, event_id=ev.event_id)
    if "event_id" in params:
        return lambda ev: parse_event(ev.name, ev.data, event_id=ev.event_id)
    return lambda ev: parse_event(ev.name, ev.data)


def measure(
    paths: list[tuple[str, Callable[[], Clock]]], reps: int, count: int
) -> list[tuple[str, float, float, float]]:
    """(name, best wall, median wall, best CPU) in µs per event for each path.

    Repetitions are interleaved across the paths (rep 1 of every path, then rep 2, ...) so that a
    noisy neighbour slows all of them alike rather than one column.
    """
    walls: list[list[float]] = [[] for _ in paths]
    cpus: list[list[float]] = [[] for _ in paths]
    for _ in range(reps):
        for i, (_, fn) in enumerate(paths):
            gc.collect()
            wall, cpu = fn()
            walls[i].append(wall)
            cpus[i].append(cpu)
    scale = 1e6 / count
    return [
        (name, min(w) * scale, statistics.median(w) * scale, min(c) * scale)
        for (name, _), w, c in zip(paths, walls, cpus, strict=True)
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="socket bytes -> Dispatch, µs per event")
    parser.add_argument("--quick", action="store_true", help="2,000 events, 3 repetitions")
    parser.add_argument("--events", type=int, help="events per repetition (default 20,000)")
    parser.add_argument("--reps", type=int, help="repetitions per path (default 7)")
    args = parser.parse_args(argv)
    count = args.events or (2_000 if args.quick else 20_000)
    reps = args.reps or (3 if args.quick else 7)

    payloads = make_payloads(count)
    setup, stream = build_stream(payloads)
    pieces = chunks(stream)
    model = model_parser()

    rows: list[tuple[str, Callable[[], Clock]]] = [
        ("(a)  full path: wire + gateway -> Dispatch", lambda: run_full(pieces, setup, count)),
        (
            "(a') full path, fast_path=False",
            lambda: run_full(pieces, setup, count, fast_path=False),
        ),
        ("(b)  wsproto alone: receive_data + events", lambda: run_wsproto(pieces, count)),
        ("(c)  json.loads of the payloads", lambda: run_json(payloads)),
        ("(e)  gateway alone on the payload strings", lambda: run_gateway(payloads)),
        ("(f)  wire alone (gateway input stubbed out)", lambda: run_wire_only(pieces)),
    ]
    if model is not None:
        rows.append(
            (
                "(d)  full path + models.parse_event",
                lambda: run_full(pieces, setup, count, model=model),
            )
        )
    results = measure(rows, reps, count)

    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(
        f"{count} events x {reps} reps; payload {PAYLOAD_SIZE} B, frame {len(stream) // count} B, "
        f"{len(pieces)} chunks of {CHUNK // 1024} KiB"
    )
    if model is None:
        print("(d) skipped: qqproto.models.parse_event does not exist")
    full = results[0][1]
    json_best = results[3][1]
    print(f"{'path':<44} {'best µs':>8} {'median':>8} {'cpu µs':>8} {'/ (a)':>6} {'/ (c)':>6}")
    for name, best, median, cpu in results:
        print(
            f"{name:<44} {best:8.2f} {median:8.2f} {cpu:8.2f} "
            f"{best / full:6.2f} {best / json_best:6.2f}"
        )
    verdict = "meets" if full <= BAR_US else "misses"
    print(f"(a) = {full:.2f} µs/event: {verdict} the {BAR_US:g} µs bar")


if __name__ == "__main__":
    main()
