"""Tests of the WebSocket wire layer against a scripted in-memory wsproto server."""

from __future__ import annotations

import contextlib
import itertools
import json
import random
from typing import Any

import pytest
from _gateway_payloads import HELLO, READY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Event,
    Pong,
    Request,
    TextMessage,
)
from wsproto.frame_protocol import FrameProtocol

from qqproto._errors import LocalProtocolError, RemoteProtocolError
from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import Closed, Disconnected, Dispatch, Hello, Ready
from qqproto.gateway._state import State
from qqproto.gateway._wire import DEFAULT_CLOSE_TIMEOUT, WireConnection, WireState
from qqproto.sim._strategies import any_server_payload

URL = "wss://api.sgroup.qq.com/websocket"


def dump(obj: Any) -> str:
    return (
        obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    )


def dispatch(seq: int, content: str = "hi") -> dict[str, Any]:
    return {
        "op": 0,
        "s": seq,
        "t": "AT_MESSAGE_CREATE",
        "id": f"AT_MESSAGE_CREATE:{seq}",
        "d": {"content": content},
    }


def wire_state(wire: WireConnection) -> WireState:
    """``wire.state``, read through a call so that mypy does not narrow it across inputs."""
    return wire.state


def gateway(**config: Any) -> GatewayConnection:
    return GatewayConnection(GatewayConfig(intents=1, **config), rng=random.Random(3))


class Server:
    """A scripted WebSocket server: wsproto in server mode answers the upgrade and reads our
    frames; a bare frame encoder builds any frame, including ones a well-behaved server would
    not send."""

    def __init__(self, wire: WireConnection) -> None:
        self.ws = WSConnection(ConnectionType.SERVER)
        self.ws.receive_data(wire.bytes_to_send())
        events = list(self.ws.events())
        assert len(events) == 1 and isinstance(events[0], Request)
        self.request: Request = events[0]
        self.frames = FrameProtocol(client=False, extensions=[])

    def accept(self) -> bytes:
        return self.ws.send(AcceptConnection())

    def text(self, payload: Any, fin: bool = True) -> bytes:
        return bytes(self.frames.send_data(dump(payload), fin))

    def binary(self, payload: Any, fin: bool = True) -> bytes:
        return bytes(self.frames.send_data(dump(payload).encode(), fin))

    def ping(self, payload: bytes = b"") -> bytes:
        return bytes(self.frames.ping(payload))

    def pong(self, payload: bytes = b"") -> bytes:
        return bytes(self.frames.pong(payload))

    def close(self, code: int | None = 1000, reason: str = "") -> bytes:
        return bytes(self.frames.close(code, reason or None))

    def read(self, wire: WireConnection) -> list[Event]:
        """Decode what the client sent since the last call."""
        self.ws.receive_data(wire.bytes_to_send())
        return list(self.ws.events())


def connect(**kw: Any) -> tuple[WireConnection, Server, GatewayConnection]:
    """A wire whose upgrade the server accepted."""
    gw = kw.pop("gw", None) or gateway()
    wire = WireConnection(gw, URL, "tok", **kw)
    server = Server(wire)
    wire.receive_data(server.accept(), 0.0)
    assert wire.state is WireState.OPEN
    return wire, server, gw


def ready(**kw: Any) -> tuple[WireConnection, Server, GatewayConnection]:
    """A wire with a live session (Hello and READY done, Identify read by the server)."""
    wire, server, gw = connect(**kw)
    wire.receive_data(server.text(HELLO) + server.text(READY), 0.1)
    wire.events()
    server.read(wire)
    return wire, server, gw


def texts(events: list[Event]) -> list[Any]:
    return [json.loads(e.data) for e in events if isinstance(e, TextMessage)]


# ------------------------------------------------------------------ URL and construction


@pytest.mark.parametrize(
    ("url", "host", "port", "secure", "target", "host_header"),
    [
        (
            "wss://api.sgroup.qq.com/websocket",
            "api.sgroup.qq.com",
            443,
            True,
            "/websocket",
            "api.sgroup.qq.com",
        ),
        ("ws://example.com", "example.com", 80, False, "/", "example.com"),
        (
            "WS://Example.com:8080/a/b?x=1&y=2",
            "example.com",
            8080,
            False,
            "/a/b?x=1&y=2",
            "example.com:8080",
        ),
        ("wss://[::1]:9443/ws", "::1", 9443, True, "/ws", "[::1]:9443"),
        ("wss://h:443/p?", "h", 443, True, "/p", "h"),
    ],
)
def test_url_parts(
    url: str, host: str, port: int, secure: bool, target: str, host_header: str
) -> None:
    wire = WireConnection(gateway(), url, "tok")
    assert (wire.host, wire.port, wire.secure, wire.target) == (host, port, secure, target)
    assert Server(wire).request.host == host_header
    assert repr(wire).startswith(f"<WireConnection {'wss' if secure else 'ws'}://{host}:{port}")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://api.sgroup.qq.com/websocket", "must use ws:// or wss://"),
        ("api.sgroup.qq.com/websocket", "no scheme"),
        ("wss:///websocket", "has no host"),
        ("wss://h:99999/", "invalid gateway URL"),
        ("wss://h:port/", "invalid gateway URL"),
        ("wss://[::1/", "invalid gateway URL"),
        ("wss://user:pw@h/", "credentials"),
        ("wss://h/#frag", "fragment"),
        ("wss://h/caf\u00e9", "percent-encode"),
        ("wss://h/a b", "percent-encode"),
        ("wss://" + "a" * 70 + ".com/", "cannot build the WebSocket upgrade request"),
    ],
)
def test_bad_urls_are_value_errors(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WireConnection(gateway(), url, "tok")


def test_construction_checks() -> None:
    with pytest.raises(ValueError, match="access token"):
        WireConnection(gateway(), URL, "")
    with pytest.raises(ValueError, match="max_message_size"):
        WireConnection(gateway(), URL, "tok", max_message_size=0)
    with pytest.raises(ValueError, match="timeouts"):
        WireConnection(gateway(), URL, "tok", close_timeout=-1.0)
    with pytest.raises(ValueError, match="timeouts"):
        WireConnection(gateway(), URL, "tok", close_timeout=float("nan"))
    with pytest.raises(ValueError, match="timeouts"):
        WireConnection(gateway(), URL, "tok", upgrade_timeout=-1.0)
    live = gateway()
    live.connection_made("tok", 0.0)
    with pytest.raises(LocalProtocolError, match="AWAITING_HELLO"):
        WireConnection(live, URL, "tok")
    closed = gateway()
    closed.close(0.0)
    with pytest.raises(LocalProtocolError, match="new GatewayConnection"):
        WireConnection(closed, URL, "tok")
    assert WireConnection(gateway(max_payload_size=1234), URL, "tok").max_message_size == 1234


def test_extra_headers() -> None:
    cases: list[dict[str, str] | list[tuple[str | bytes, str | bytes]]] = [
        {"User-Agent": "qqbot/1", "X-Trace": "1"},
        [("User-Agent", "qqbot/1"), (b"X-Trace", b"1")],
    ]
    for headers in cases:
        wire = WireConnection(gateway(), URL, "tok", extra_headers=headers)
        sent = dict(Server(wire).request.extra_headers)
        assert sent[b"user-agent"] == b"qqbot/1"
        assert sent[b"x-trace"] == b"1"
    with pytest.raises(ValueError, match="set by the WebSocket handshake"):
        WireConnection(gateway(), URL, "tok", extra_headers={"Sec-WebSocket-Key": "x"})
    with pytest.raises(ValueError, match="not ASCII"):
        WireConnection(gateway(), URL, "tok", extra_headers={"X-Name": "名字"})
    with pytest.raises(ValueError, match="not ASCII"):
        WireConnection(gateway(), URL, "tok", extra_headers={"名字": "x"})
    with pytest.raises(ValueError, match="cannot build"):
        WireConnection(gateway(), URL, "tok", extra_headers={"X-Bad": "a\r\nInjected: 1"})


# ------------------------------------------------------------------ the upgrade


def test_upgrade_then_hello_sends_a_masked_identify() -> None:
    gw = gateway()
    wire = WireConnection(gw, URL, "tok")
    assert wire_state(wire) is WireState.UPGRADING and not wire.should_close_transport
    server = Server(wire)
    assert server.request.target == "/websocket"
    assert wire.bytes_to_send() == b""
    wire.receive_data(server.accept(), 1.0)
    assert wire.state is WireState.OPEN
    assert gw.state is State.AWAITING_HELLO
    assert wire.next_deadline() == 1.0 + gw.config.hello_timeout
    wire.receive_data(server.text(HELLO), 1.5)
    assert wire.events() == [Hello(45.0)]
    raw = wire.bytes_to_send()
    assert raw[0] == 0x81  # FIN + text
    assert raw[1] & 0x80  # masked, as a client must
    server.ws.receive_data(raw)
    (identify,) = texts(list(server.ws.events()))
    assert identify["op"] == 2 and identify["d"]["token"] == "QQBot tok"


@pytest.mark.parametrize("fast_path", [True, False])
def test_frames_in_the_same_segment_as_the_101(fast_path: bool) -> None:
    gw = gateway()
    wire = WireConnection(gw, URL, "tok", fast_path=fast_path)
    server = Server(wire)
    wire.receive_data(
        server.accept() + server.text(HELLO) + server.text(READY) + server.text(dispatch(2)), 0.0
    )
    events = wire.events()
    assert [type(e) for e in events] == [Hello, Ready, Dispatch]
    assert texts(server.read(wire))[0]["op"] == 2


@pytest.mark.parametrize("fast_path", [True, False])
def test_upgrade_split_anywhere(fast_path: bool) -> None:
    gw = gateway()
    wire = WireConnection(gw, URL, "tok", fast_path=fast_path)
    server = Server(wire)
    data = server.accept() + server.text(HELLO) + server.text(dispatch(2))
    for i in range(len(data)):
        wire.receive_data(data[i : i + 1], 0.0)
    assert [type(e) for e in wire.events()] == [Hello, Dispatch]


def reject(status: int, body: bytes = b"", *, length: int | None = None) -> bytes:
    n = len(body) if length is None else length
    return f"HTTP/1.1 {status} Nope\r\nContent-Length: {n}\r\n\r\n".encode() + body


def test_rejected_upgrade_reports_status_and_body() -> None:
    gw = gateway()
    wire = WireConnection(gw, URL, "tok")
    Server(wire)
    wire.receive_data(reject(403, b'{"code":11298,"message":"token invalid"}'), 2.0)
    assert wire.should_close_transport
    (event,) = wire.events()
    assert isinstance(event, Disconnected)
    assert "HTTP 403" in event.reason and "token invalid" in event.reason
    assert not event.fatal and event.not_before is not None
    assert wire.bytes_to_send() == b""
    wire.receive_data(b"more", 3.0)  # ignored once closed
    wire.receive_data(b"", 3.0)
    assert wire.events() == []


def test_rejection_body_arriving_later_and_capped() -> None:
    wire = WireConnection(gateway(), URL, "tok")
    head = reject(500, length=5000)
    wire.receive_data(head + b"x" * 10, 0.0)
    assert wire.state is WireState.UPGRADING and wire.events() == []
    wire.receive_data(b"y" * 600, 0.0)
    assert wire.state is WireState.UPGRADING
    wire.receive_data(b"z" * 600, 0.0)  # 1 KiB quoted is enough
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and "HTTP 500" in event.reason
    assert wire.should_close_transport


def test_long_rejection_body_in_one_segment() -> None:
    wire = WireConnection(gateway(), URL, "tok")
    wire.receive_data(reject(429, b"slow down " * 200), 0.0)
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and "HTTP 429: slow down" in event.reason
    assert len(event.reason) < 1200


def test_rejection_then_eof_and_rejection_without_body() -> None:
    wire = WireConnection(gateway(), URL, "tok")
    wire.receive_data(reject(502, length=100) + b"bad gate", 0.0)
    wire.receive_data(b"", 1.0)
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and event.reason.endswith("HTTP 502: bad gate")
    wire = WireConnection(gateway(), URL, "tok")
    wire.receive_data(reject(404), 0.0)
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and event.reason.endswith("HTTP 404")
    wire = WireConnection(gateway(), URL, "tok")
    wire.receive_data(b"HTTP/1.1 100 Continue\r\n\r\n", 0.0)  # a 1xx that is not 101
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and "HTTP 100" in event.reason


def test_rejection_with_a_broken_body_is_a_remote_error() -> None:
    wire = WireConnection(gateway(), URL, "tok")
    wire.receive_data(b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n", 0.0)
    with pytest.raises(RemoteProtocolError, match="invalid WebSocket upgrade response"):
        wire.receive_data(b"zz\r\n", 0.0)
    assert wire.should_close_transport


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",  # no Upgrade/Connection/Accept headers
        b"garbage\r\n\r\n",
        b"HTTP/1.1 101 OK\r\nConnection: \xff\r\n\r\n",  # wsproto decodes this header as ASCII
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x05hello",  # and frames after it
    ],
)
def test_invalid_upgrade_response_is_a_remote_error(response: bytes) -> None:
    gw = gateway()
    wire = WireConnection(gw, URL, "tok")
    with pytest.raises(RemoteProtocolError, match="invalid WebSocket upgrade response"):
        wire.receive_data(response, 0.0)
    assert wire.should_close_transport
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and "connect failed" in event.reason
    assert gw.state is State.DISCONNECTED


def test_upgrade_head_too_long() -> None:
    wire = WireConnection(gateway(), URL, "tok")
    wire.receive_data(b"HTTP/1.1 101 OK\r\n", 0.0)
    with pytest.raises(RemoteProtocolError, match="exceeds"):
        wire.receive_data(b"X-Long: " + b"a" * 17000, 0.0)
    assert wire.should_close_transport


def test_upgrade_timeout() -> None:
    wire = WireConnection(gateway(), URL, "tok")
    assert wire.next_deadline() is None  # no now: the adapter bounds the upgrade itself
    gw = gateway()
    wire = WireConnection(gw, URL, "tok", now=100.0, upgrade_timeout=10.0)
    assert wire.next_deadline() == 110.0
    wire.receive_data(b"HTTP/1.1 101 Switching", 105.0)
    wire.handle_timer(109.9)
    assert wire.state is WireState.UPGRADING and wire.events() == []
    wire.handle_timer(110.0)
    assert wire.should_close_transport and wire.next_deadline() is None
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and "no answer to the WebSocket upgrade" in event.reason
    # once open, the upgrade deadline is gone
    wire, _, gw = connect(gw=gateway(), now=0.0, upgrade_timeout=1.0)
    assert wire.next_deadline() == gw.next_deadline()
    wire.handle_timer(2.0)
    assert wire.state is WireState.OPEN


def test_eof_and_close_during_upgrade() -> None:
    wire = WireConnection(gateway(), URL, "tok")
    wire.receive_data(b"HTTP/1.1 10", 0.0)
    wire.receive_data(b"", 0.5)
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and "during the WebSocket upgrade" in event.reason
    gw = gateway()
    wire = WireConnection(gw, URL, "tok")
    wire.close(0.0)
    assert wire.should_close_transport and gw.state is State.CLOSED
    assert wire.events() == [Closed()]


# ------------------------------------------------------------------ messages


@pytest.mark.parametrize("fast_path", [True, False])
def test_dispatches(fast_path: bool) -> None:
    wire, server, gw = ready(fast_path=fast_path)
    wire.receive_data(b"".join(server.text(dispatch(s)) for s in range(2, 40)), 1.0)
    events = wire.events()
    assert [e.seq for e in events if isinstance(e, Dispatch)] == list(range(2, 40))
    assert gw.seq == 39


def test_frames_split_across_reads_stay_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A frame cut by a read boundary (as TLS records or a full read buffer cut them) waits for
    its rest instead of going to wsproto; its pieces are kept, not joined again on every read."""
    wire, server, _ = ready()
    fed: list[bytes] = []
    monkeypatch.setattr(wire, "_feed_ws", lambda data, now: fed.append(data))
    frames = [server.text(dispatch(s, "x" * 300)) for s in range(2, 5)]
    stream = b"".join(frames)
    first = len(frames[0])
    for a, b in itertools.pairwise([0, 1, 3, first + 2, first + 200, len(stream) - 50]):
        wire.receive_data(stream[a:b], 1.0)  # cuts inside headers and inside payloads
    tail = stream[-50:]
    for i in range(49):
        wire.receive_data(tail[i : i + 1], 1.0)
        assert len(wire._held) == i + 2  # the start of the last frame, then each piece
    wire.receive_data(tail[49:], 1.0)
    assert [e.seq for e in wire.events() if isinstance(e, Dispatch)] == [2, 3, 4]
    assert fed == [] and wire._held == [] and wire._short == 0


@pytest.mark.parametrize("fast_path", [True, False])
def test_fragmented_message_with_a_ping_inside(fast_path: bool) -> None:
    wire, server, _ = ready(fast_path=fast_path)
    text = dump(dispatch(2, "片段" * 50))
    a, b, c = text[:40], text[40:100], text[100:]
    data = (
        server.text(a, fin=False) + server.text(b, fin=False) + server.ping(b"p") + server.text(c)
    )
    wire.receive_data(data, 1.0)
    (event,) = wire.events()
    assert isinstance(event, Dispatch) and event.data == {"content": "片段" * 50}
    assert isinstance(server.read(wire)[0], Pong)
    # the fast path takes over again after the fragmented message
    wire.receive_data(server.text(dispatch(3)), 1.0)
    assert [type(e) for e in wire.events()] == [Dispatch]


@pytest.mark.parametrize("fast_path", [True, False])
def test_long_fragments_byte_by_byte(fast_path: bool) -> None:
    wire, server, _ = ready(fast_path=fast_path)
    text = dump(dispatch(2, "x" * 400))
    data = server.text(text[:200], fin=False) + server.text(text[200:])
    assert data[1] == 126  # 16-bit lengths, whose header arrives in pieces
    for i in range(len(data)):
        wire.receive_data(data[i : i + 1], 1.0)
    (event,) = wire.events()
    assert isinstance(event, Dispatch) and event.data == {"content": "x" * 400}


@pytest.mark.parametrize("fast_path", [True, False])
def test_binary_messages_are_json_too(fast_path: bool) -> None:
    wire, server, _ = ready(fast_path=fast_path)
    payload = dump(dispatch(2))
    wire.receive_data(
        server.binary(payload)
        + server.binary(payload[:10], fin=False)
        + server.binary(payload[10:]),
        1.0,
    )
    events = wire.events()
    assert [type(e) for e in events] == [Dispatch, type(events[1])]
    assert isinstance(events[0], Dispatch) and events[0].data == {"content": "hi"}


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize("how", ["one frame", "fragments", "non-ascii"])
def test_oversized_message_closes_with_1009(fast_path: bool, how: str) -> None:
    wire, server, gw = ready(fast_path=fast_path, max_message_size=200)
    content = "é" * 90 if how == "non-ascii" else "x" * 200
    text = dump(dispatch(2, content))
    data = (
        server.text(text)
        if how != "fragments"
        else server.text(text[:150], fin=False) + server.text(text[150:])
    )
    with pytest.raises(RemoteProtocolError, match="larger than 200 bytes"):
        wire.receive_data(data + server.text(dispatch(3)), 1.0)
    assert wire.should_close_transport
    (close,) = server.read(wire)
    assert isinstance(close, CloseConnection) and close.code == 1009
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and event.resume and "1009" in event.reason
    assert gw.state is State.DISCONNECTED


@pytest.mark.parametrize("fast_path", [True, False])
def test_message_of_exactly_max_size_passes(fast_path: bool) -> None:
    wire, server, _ = ready(fast_path=fast_path, max_message_size=300)
    text = dump(dispatch(2, ""))
    text = dump(dispatch(2, "é" * ((300 - len(text.encode())) // 2)))
    text = text.replace('"content":"', '"content":"' + "x" * (300 - len(text.encode())))
    assert len(text.encode()) == 300
    wire.receive_data(server.text(text), 1.0)
    assert [type(e) for e in wire.events()] == [Dispatch]


@pytest.mark.parametrize("fast_path", [True, False])
def test_invalid_payload_is_a_remote_error_and_a_resume(fast_path: bool) -> None:
    wire, server, _gw = ready(fast_path=fast_path)
    data = (
        server.text(dispatch(2))
        + server.text("{not json")
        + server.text(dispatch(3))
        + server.ping()
    )
    with pytest.raises(RemoteProtocolError, match="not valid JSON"):
        wire.receive_data(data, 1.0)
    events = wire.events()
    assert [type(e) for e in events] == [Dispatch, Disconnected]
    assert isinstance(events[1], Disconnected) and events[1].resume
    (close,) = server.read(wire)  # no pong while closing, no more payloads delivered
    assert isinstance(close, CloseConnection) and close.code == 3000
    assert wire.state is WireState.CLOSING and not wire.should_close_transport
    wire.receive_data(server.close(3000), 1.2)
    assert wire.should_close_transport


@pytest.mark.parametrize("fast_path", [True, False])
def test_invalid_utf8_text_fails_with_1007(fast_path: bool) -> None:
    wire, server, _ = ready(fast_path=fast_path)
    frame = bytes(server.frames.send_data(b'{"op":11,"d":"\xff"}'))
    frame = bytes([0x81]) + frame[1:]  # relabel the binary frame as text
    with pytest.raises(RemoteProtocolError, match="WebSocket protocol error"):
        wire.receive_data(frame, 1.0)
    (close,) = server.read(wire)
    assert isinstance(close, CloseConnection) and close.code == 1007
    assert wire.should_close_transport


def _reads_until_failure(fast_path: bool, reads: list[bytes]) -> tuple[int | None, Any, str]:
    """(index of the read that raised, the close code sent, the events) for ``reads``."""
    wire, server, _ = ready(fast_path=fast_path)
    failed = None
    for i, data in enumerate(reads):
        try:
            wire.receive_data(data, 1.0)
        except RemoteProtocolError:
            failed = i
            break
    closes = [e.code for e in server.read(wire) if isinstance(e, CloseConnection)]
    return failed, closes, repr(wire.events())


@pytest.mark.parametrize(
    "reads",
    [
        [bytes([0x81, 40]) + b'{"op":\xff'],  # the frame starts badly and is incomplete
        [bytes([0x81, 40]), b'{"op":\xff'],  # the header alone first
        [bytes([0x81, 40]) + b'{"op":', b"1", b"1,\xff"],  # goes bad in a later read
        [bytes([0x81, 40]) + b'{"d":"\xe2\x82', b'"'],  # a cut character, then not its end
        [bytes([0x81, 126, 0, 200]) + b"\xc3(" + b"x" * 100],  # 16-bit length
    ],
)
def test_incomplete_text_frame_with_invalid_utf8_fails_at_once_like_wsproto(
    reads: list[bytes],
) -> None:
    """wsproto fails with 1007 as soon as the part of a text frame it has read is not UTF-8; the
    fast path must not wait for the rest of the frame (the server may never send it)."""
    reference = _reads_until_failure(False, reads)
    assert reference[:2] == (len(reads) - 1, [1007])
    assert _reads_until_failure(True, reads) == reference


@pytest.mark.parametrize("fast_path", [True, False])
def test_ping_gets_a_pong_and_pong_is_ignored(fast_path: bool) -> None:
    wire, server, _ = ready(fast_path=fast_path)
    wire.receive_data(server.ping(b"are you there") + server.pong(b"unsolicited"), 1.0)
    assert wire.events() == []
    assert server.read(wire) == [Pong(payload=b"are you there")]


# ------------------------------------------------------------------ closing


@pytest.mark.parametrize("fast_path", [True, False])
def test_server_close_4009_plans_a_resume(fast_path: bool) -> None:
    wire, server, gw = ready(fast_path=fast_path)
    wire.receive_data(
        server.text(dispatch(2)) + server.close(4009, "expired") + server.text(dispatch(3)), 5.0
    )
    assert wire.should_close_transport
    events = wire.events()
    assert [type(e) for e in events] == [Dispatch, Disconnected]
    assert isinstance(events[1], Disconnected)
    assert events[1].code == 4009 and events[1].resume and not events[1].fatal
    assert gw.will_resume and gw.session_id == "sess-1"
    (echo,) = server.read(wire)
    assert isinstance(echo, CloseConnection) and echo.code == 4009


def test_server_close_4914_is_fatal() -> None:
    wire, server, gw = ready()
    wire.receive_data(server.close(4914, "offline"), 5.0)
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and event.fatal and event.code == 4914
    assert gw.state is State.FAILED
    assert wire.should_close_transport


def test_server_close_without_code() -> None:
    wire, server, _ = ready()
    wire.receive_data(server.close(None), 5.0)
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and event.code == 1005
    (echo,) = server.read(wire)
    assert isinstance(echo, CloseConnection)


@pytest.mark.parametrize("fast_path", [True, False])
def test_eof_without_close_is_a_dropped_transport(fast_path: bool) -> None:
    wire, server, _ = ready(fast_path=fast_path)
    wire.receive_data(server.text(dispatch(2))[:7], 1.0)  # half a header / frame pending
    wire.receive_data(b"", 2.0)
    assert wire.should_close_transport
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and event.code is None and event.resume


def test_our_close_handshake() -> None:
    wire, server, gw = ready()
    wire.close(10.0)
    assert wire.state is WireState.CLOSING
    assert wire.next_deadline() == 10.0 + DEFAULT_CLOSE_TIMEOUT
    assert wire.events() == [Closed()]
    (close,) = server.read(wire)
    assert isinstance(close, CloseConnection) and close.code == 1000
    wire.receive_data(server.text(dispatch(2)) + server.ping(), 10.5)  # in flight: dropped
    assert wire.events() == [] and server.read(wire) == []
    wire.receive_data(server.close(1000), 10.6)
    assert wire.should_close_transport
    assert wire.next_deadline() is None
    wire.close(11.0)  # idempotent
    assert gw.state is State.CLOSED


def test_close_timeout() -> None:
    wire, _server, _ = ready(close_timeout=2.0)
    wire.close(10.0)
    wire.handle_timer(11.0)
    assert wire.state is WireState.CLOSING
    wire.handle_timer(12.0)
    assert wire.should_close_transport
    wire.handle_timer(13.0)


def test_eof_while_closing() -> None:
    wire, _server, _ = ready()
    wire.close(10.0)
    wire.receive_data(b"", 10.1)
    assert wire.should_close_transport
    assert wire.events() == [Closed()]


def test_next_deadline_is_the_earlier_of_gateway_and_wire_timers() -> None:
    wire, server, gw = ready(close_timeout=1000.0)
    beat = gw.next_deadline()
    assert beat is not None and wire.next_deadline() == beat
    wire.receive_data(server.text({"op": 7}), 1.0)  # reconnect: we close, the gateway has no timers
    assert gw.next_deadline() is None
    assert wire.next_deadline() == 1001.0
    gw.connection_made("tok", 2.0)  # the next connection opened while this one still closes
    assert wire.next_deadline() == 2.0 + gw.config.hello_timeout


def test_heartbeat_timer_sends_a_heartbeat() -> None:
    wire, server, _gw = ready()
    due = wire.next_deadline()
    assert due is not None
    wire.handle_timer(due)
    (beat,) = texts(server.read(wire))
    assert beat == {"op": 1, "d": 1}


def test_gateway_closed_directly_is_flushed_before_more_input() -> None:
    wire, server, gw = ready()
    gw.close(3.0)  # the user went around the wire
    wire.receive_data(server.text(dispatch(2)), 3.1)
    assert wire.state is WireState.CLOSING
    assert [type(e) for e in wire.events()] == [Closed]


def test_gateway_output_after_the_wire_closed_is_dropped() -> None:
    wire, server, gw = ready()
    wire.receive_data(server.close(4009), 1.0)
    assert wire.should_close_transport
    assert isinstance(server.read(wire)[0], CloseConnection)
    gw.connection_made("tok", 2.0)  # misuse: driving the gateway around a closed wire
    gw.receive_payload(json.dumps(HELLO), 2.0)
    wire.handle_timer(2.0)
    assert wire.bytes_to_send() == b""


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    "frame",
    [
        bytes([0x83, 0x00]),  # reserved opcode
        bytes([0xC1, 0x01, 0x41]),  # RSV1 without an extension
        bytes([0x89, 0x7E, 0x00, 0x80]),  # control frame over 125 bytes
        bytes([0x09, 0x00]),  # fragmented ping
        bytes([0x8B, 0x00]),  # reserved control opcode
        bytes([0x81, 0x80, 1, 2, 3, 4]),  # masked frame from the server
        bytes([0x80, 0x01, 0x41]),  # continuation without a message
        bytes([0x81, 0x7E, 0x00, 0x05]) + b"hello",  # 2-byte length for a short payload
        bytes([0x81, 0x7F]) + (5).to_bytes(8, "big") + b"hello",  # 8-byte length for a short one
        bytes([0x81, 0x7F]) + (1 << 63).to_bytes(8, "big"),  # length with the top bit set
        bytes([0x01, 0x01, 0x41, 0x81, 0x01, 0x41]),  # a new message inside a fragmented one
        bytes([0x88, 0x01, 0x00]),  # close with a 1-byte payload
    ],
)
def test_frame_protocol_errors_fail_the_connection(fast_path: bool, frame: bytes) -> None:
    wire, server, _gw = ready(fast_path=fast_path)
    with pytest.raises(RemoteProtocolError, match="WebSocket protocol error"):
        wire.receive_data(frame + server.text(dispatch(2)), 1.0)
    assert wire.should_close_transport
    (close,) = server.read(wire)
    assert isinstance(close, CloseConnection) and close.code in (1002, 1007)
    (event,) = wire.events()
    assert isinstance(event, Disconnected) and event.resume and event.code is None


def test_garbage_while_closing_ends_quietly() -> None:
    wire, _server, _ = ready()
    wire.close(1.0)
    wire.receive_data(bytes([0x83, 0x00]), 1.1)
    assert wire.should_close_transport


def test_long_frames_use_wsproto_and_8_byte_lengths() -> None:
    wire, server, _ = ready(max_message_size=200_000)
    text = dump(dispatch(2, "x" * 70_000))
    frame = server.text(text)
    assert frame[1] == 127
    wire.receive_data(frame[:5], 1.0)  # the 8-byte length is not complete yet
    for i in range(5, len(frame), 4096):
        wire.receive_data(frame[i : i + 4096], 1.0)
    (event,) = wire.events()
    assert isinstance(event, Dispatch) and len(event.data["content"]) == 70_000


def test_bytearray_input() -> None:
    wire, server, _ = ready()
    wire.receive_data(bytearray(server.text(dispatch(2))), 1.0)  # type: ignore[arg-type]
    assert [type(e) for e in wire.events()] == [Dispatch]


# ------------------------------------------------------------------ properties

ACTIONS = st.one_of(
    any_server_payload().map(lambda p: ("text", p)),
    any_server_payload().map(lambda p: ("binary", p)),
    st.tuples(st.just("fragments"), any_server_payload(), st.integers(1, 4)),
    st.binary(max_size=8).map(lambda b: ("ping", b)),
    st.just(("pong", b"")),
    st.sampled_from([1000, 3000, 4009, 4914, 4006]).map(lambda c: ("close", c)),
    st.binary(min_size=1, max_size=12).map(lambda b: ("raw", b)),
    st.just(("big", "x" * 600)),
)


def script_bytes(actions: list[Any]) -> bytes:
    """Server bytes for a script of actions (what follows the 101)."""
    frames = FrameProtocol(client=False, extensions=[])
    out = []
    for action in actions:
        kind = action[0]
        if kind == "text":
            out.append(frames.send_data(dump(action[1])))
        elif kind == "binary":
            out.append(frames.send_data(dump(action[1]).encode()))
        elif kind == "fragments":
            text, parts = dump(action[1]), action[2]
            step = max(1, len(text) // parts)
            pieces = [text[i : i + step] for i in range(0, len(text), step)]
            for piece in pieces[:-1]:
                out.append(frames.send_data(piece, False))
            out.append(frames.send_data(pieces[-1]))
        elif kind == "ping":
            out.append(frames.ping(action[1]))
        elif kind == "pong":
            out.append(frames.pong())
        elif kind == "close":
            out.append(frames.close(action[1]))
        elif kind == "raw":
            out.append(action[1])
        else:
            out.append(frames.send_data(dump(dispatch(99, action[1]))))
    return b"".join(bytes(o) for o in out)


def run_script(
    script: bytes, cuts: list[int], *, fast_path: bool, eof: bool
) -> tuple[list[Any], list[Any], int]:
    """Answer the upgrade, then feed the 101 plus ``script`` cut at ``cuts``; return (events, what
    the server decodes from our output, whether a RemoteProtocolError was raised)."""
    gw = gateway()
    wire = WireConnection(gw, URL, "tok", fast_path=fast_path, max_message_size=500)
    server = Server(wire)
    data = server.accept() + script
    errors = 0
    bounds = [0, *sorted(c for c in set(cuts) if 0 < c < len(data)), len(data)]
    pieces = [data[a:b] for a, b in itertools.pairwise(bounds)]
    if eof:
        pieces.append(b"")
    events: list[Any] = []
    for piece in pieces:
        try:
            wire.receive_data(piece, 1.0)
        except RemoteProtocolError:
            errors += 1
        events += wire.events()
    assert wire.state is not WireState.UPGRADING
    return events, server.read(wire), min(errors, 1)


OPENING = [("text", HELLO), ("text", READY)]
HANDSHAKE_LEN = len(Server(WireConnection(gateway(), URL, "tok")).accept())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=st.lists(ACTIONS, max_size=8), data=st.data(), eof=st.booleans())
def test_any_chunking_and_either_path_give_the_same_result(
    actions: list[Any], data: st.DataObject, eof: bool
) -> None:
    """All at once, byte by byte and random cuts, with and without the fast path: identical."""
    script = script_bytes([*OPENING, *actions])
    total = HANDSHAKE_LEN + len(script)
    cuts = data.draw(st.lists(st.integers(0, total), max_size=12))
    reference = run_script(script, [], fast_path=False, eof=eof)
    assert run_script(script, cuts, fast_path=True, eof=eof) == reference
    assert run_script(script, cuts, fast_path=False, eof=eof) == reference
    assert run_script(script, [], fast_path=True, eof=eof) == reference


def test_byte_by_byte_equals_all_at_once() -> None:
    actions = [
        *OPENING,
        ("fragments", dispatch(2, "分片"), 3),
        ("ping", b"x"),
        ("binary", dispatch(3)),
        ("big", "y" * 100),
        ("big", "z" * 450),
        ("text", {"op": 11}),
        ("close", 4009),
    ]
    script = script_bytes(actions)
    every = list(range(HANDSHAKE_LEN + len(script)))
    reference = run_script(script, [], fast_path=True, eof=True)
    events, _sent, errors = reference
    assert [type(e) for e in events] == [Hello, Ready, Dispatch, Dispatch, Dispatch, Disconnected]
    assert errors == 1  # the dispatch with 450 "z" is over the 500-byte limit
    for fast_path in (True, False):
        assert run_script(script, every, fast_path=fast_path, eof=True) == reference


@settings(max_examples=150, deadline=None)
@given(garbage=st.binary(max_size=300), cuts=st.lists(st.integers(0, 300), max_size=5))
def test_garbage_after_the_handshake_raises_only_remote_protocol_error(
    garbage: bytes, cuts: list[int]
) -> None:
    for fast_path in (True, False):
        wire, _server, _ = ready(fast_path=fast_path)
        bounds = [0, *sorted(c for c in set(cuts) if c < len(garbage)), len(garbage)]
        for a, b in itertools.pairwise(bounds):
            with contextlib.suppress(RemoteProtocolError):
                wire.receive_data(garbage[a:b], 1.0)
        try:
            wire.receive_data(b"", 2.0)
        except RemoteProtocolError:  # pragma: no cover - EOF never raises
            raise AssertionError("EOF raised") from None
        assert wire.should_close_transport
