"""The simulator's per-TCP-connection machine: HTTP/1.1 and WebSocket on one port, in memory.

The WebSocket side is driven by the client core's ``WireConnection`` (upgrade, frames, close
handshake); the HTTP side by raw bytes and h11, including the awkward cases.
"""

from __future__ import annotations

import json
import random

import h11
import pytest
from wsproto.frame_protocol import FrameProtocol

from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import Disconnected, Dispatch, Ready, Resumed
from qqproto.gateway._intents import Intents
from qqproto.gateway._wire import WireConnection, WireState
from qqproto.sim import DEFAULT_APP_ID, DEFAULT_SECRET, Platform, ServerConnection
from qqproto.sim._transport import accept_token


def platform() -> Platform:
    return Platform(rng=random.Random(21))


def responses(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Parse every HTTP response in ``data``."""
    conn = h11.Connection(h11.CLIENT)
    out: list[tuple[int, dict[str, str], bytes]] = []
    # h11 needs to have sent requests to read responses: send enough dummy requests
    conn.receive_data(data)
    status, headers, body = 0, {}, b""
    while True:
        if conn.our_state is h11.IDLE:
            conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
            conn.send(h11.EndOfMessage())
        event = conn.next_event()
        if event is h11.NEED_DATA or event is h11.PAUSED:
            if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                conn.start_next_cycle()
                continue
            return out
        if isinstance(event, h11.InformationalResponse):
            out.append((event.status_code, {}, b""))
        elif isinstance(event, h11.Response):
            status = event.status_code
            headers = {k.decode().lower(): v.decode() for k, v in event.headers}
            body = b""
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            out.append((status, headers, body))
        else:
            return out


def token_request(close: bool = False, extra: bytes = b"") -> bytes:
    body = json.dumps({"appId": DEFAULT_APP_ID, "clientSecret": DEFAULT_SECRET}).encode()
    head = (
        b"POST /app/getAppAccessToken HTTP/1.1\r\nHost: sim\r\n"
        b"Content-Type: application/json\r\n" + extra
    )
    if close:
        head += b"Connection: close\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


# ------------------------------------------------------------------------------------ HTTP


def test_keep_alive_and_pipelined_requests() -> None:
    server = ServerConnection(platform(), 0.0)
    server.receive_data(token_request() + token_request(), 0.0)
    got = responses(server.data_to_send())
    assert [s for s, _, _ in got] == [200, 200]
    assert json.loads(got[0][2])["access_token"] == json.loads(got[1][2])["access_token"]
    assert got[0][1]["content-type"] == "application/json" and "x-tps-trace-id" in got[0][1]
    assert not server.should_close
    # a request split over several reads
    raw = token_request()
    for i in range(0, len(raw), 7):
        server.receive_data(raw[i : i + 7], 1.0)
    assert [s for s, _, _ in responses(server.data_to_send())] == [200]
    server.receive_data(b"", 2.0)
    assert server.should_close
    server.receive_data(b"", 2.0)  # repeated EOF is harmless
    assert repr(server).startswith("<ServerConnection http")


def test_connection_close_is_honoured() -> None:
    server = ServerConnection(platform(), 0.0)
    server.receive_data(token_request(close=True), 0.0)
    assert [s for s, _, _ in responses(server.data_to_send())] == [200]
    assert server.should_close


def test_expect_100_continue() -> None:
    server = ServerConnection(platform(), 0.0)
    raw = token_request(extra=b"Expect: 100-continue\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    server.receive_data(head + b"\r\n\r\n", 0.0)
    assert server.data_to_send().startswith(b"HTTP/1.1 100 ")
    server.receive_data(body, 0.0)
    assert [s for s, _, _ in responses(server.data_to_send())] == [200]


def test_body_too_large_is_413_and_closes() -> None:
    server = ServerConnection(platform(), 0.0, max_body_size=10)
    server.receive_data(token_request(), 0.0)
    (status, _, body), *_ = responses(server.data_to_send())
    assert status == 413 and json.loads(body)["code"] == 413
    assert server.should_close
    server.receive_data(b"more", 0.0)  # ignored
    assert server.data_to_send() == b""


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"NOT HTTP\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 20000, 431),
    ],
)
def test_malformed_requests_get_an_error_and_close(raw: bytes, status: int) -> None:
    server = ServerConnection(platform(), 0.0, max_header_size=16 * 1024)
    server.receive_data(raw, 0.0)
    out = server.data_to_send()
    assert out.startswith(b"HTTP/1.1 %d " % status)
    assert server.should_close


def test_eof_in_the_middle_of_a_request() -> None:
    server = ServerConnection(platform(), 0.0)
    server.receive_data(token_request()[:30], 0.0)
    server.receive_data(b"", 0.0)
    assert server.should_close
    assert server.data_to_send().startswith(b"HTTP/1.1 400 ")


# ------------------------------------------------------------------------------------ upgrade


def upgrade(path: str = "/websocket", **headers: str) -> bytes:
    base = {
        "Host": "sim",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    base.update({k.replace("_", "-"): v for k, v in headers.items()})
    lines = "".join(f"{k}: {v}\r\n" for k, v in base.items() if v)
    return f"GET {path} HTTP/1.1\r\n{lines}\r\n".encode()


def test_accept_token_is_rfc6455() -> None:
    assert accept_token(b"dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_upgrade_then_hello_in_the_same_write() -> None:
    p = platform()
    server = ServerConnection(p, 0.0)
    server.receive_data(upgrade(), 0.0)
    out = server.data_to_send()
    head, _, frames = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 ")
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
    hello = FrameProtocol(client=True, extensions=[])
    hello.receive_bytes(frames)
    (frame,) = list(hello.received_frames())
    assert isinstance(frame.payload, str)
    assert json.loads(frame.payload) == {"op": 10, "d": {"heartbeat_interval": 41250}}
    assert server.is_websocket and server.gateway is not None
    assert p.ws_connections == [0.0]


def test_frames_right_behind_the_upgrade_request_are_read() -> None:
    p = platform()
    token = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 0.0)[0]
    frames = FrameProtocol(client=True, extensions=[])
    identify = frames.send_data(
        json.dumps({"op": 2, "d": {"token": f"QQBot {token}", "intents": 1}}), True
    )
    server = ServerConnection(p, 0.0)
    server.receive_data(upgrade() + identify, 0.0)
    assert b'"t":"READY"' in server.data_to_send()


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (upgrade(Upgrade=""), 426),
        (b"GET /websocket HTTP/1.1\r\nHost: sim\r\n\r\n", 426),
        (upgrade(Sec_WebSocket_Version="8"), 400),
        (upgrade(Sec_WebSocket_Key="short"), 400),
        (upgrade(Connection="keep-alive"), 400),
        (b"POST /websocket HTTP/1.1\r\nHost: sim\r\nContent-Length: 0\r\n\r\n", 426),
        (upgrade(path="/elsewhere"), 401),
    ],
)
def test_bad_upgrades_are_refused(raw: bytes, status: int) -> None:
    server = ServerConnection(platform(), 0.0)
    server.receive_data(raw, 0.0)
    got = responses(server.data_to_send())
    assert got[0][0] == status
    assert not server.is_websocket


# ------------------------------------------------------------------------------------ WebSocket


class Link:
    """A client WireConnection wired to a ServerConnection, in memory."""

    def __init__(self, p: Platform, gateway: GatewayConnection, token: str) -> None:
        self.p = p
        self.now = 10.0
        self.server = ServerConnection(p, self.now, close_timeout=2.0, max_message_size=4096)
        self.wire = WireConnection(gateway, "ws://sim/websocket", token)
        self.events: list[object] = []

    def pump(self) -> None:
        for _ in range(50):
            moved = False
            data = self.wire.bytes_to_send()
            if data and not self.server.should_abort:
                self.server.receive_data(data, self.now)
                moved = True
            back = self.server.data_to_send()
            if back and self.wire.state is not WireState.CLOSED:
                self.wire.receive_data(back, self.now)
                moved = True
            self.events += self.wire.events()
            if not moved:
                return


def link(intents: int = int(Intents.PUBLIC_GUILD_MESSAGES)) -> Link:
    p = platform()
    token = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 0.0)[0]
    gw = GatewayConnection(
        GatewayConfig(intents=intents, first_heartbeat_jitter=False), rng=random.Random(1)
    )
    result = Link(p, gw, token)
    result.pump()
    return result


def test_wire_client_identifies_and_receives_events() -> None:
    ln = link()
    assert [type(e) for e in ln.events if isinstance(e, Ready)] == [Ready]
    injected = ln.p.inject_at_message("over the wire", ln.now)
    ln.server.pump(ln.now)
    ln.pump()
    (dispatch,) = [e for e in ln.events if isinstance(e, Dispatch)]
    assert dispatch.event_id == injected.event_id and dispatch.data == injected.data
    # ping from the client side is answered
    frames = FrameProtocol(client=True, extensions=[])
    ln.server.receive_data(frames.ping(b"hi"), ln.now)
    assert ln.server.data_to_send() == FrameProtocol(client=False, extensions=[]).pong(b"hi")


def test_server_close_waits_for_the_client_reply() -> None:
    ln = link()
    ln.p.close_shard(0, 4009, "bye")
    ln.server.pump(ln.now)
    assert ln.server.next_deadline() == ln.now + 2.0
    assert not ln.server.should_close
    ln.pump()  # the client echoes the close
    assert ln.server.should_close
    (gone,) = [e for e in ln.events if isinstance(e, Disconnected)]
    assert gone.code == 4009 and gone.resume


def test_close_timeout_when_the_client_never_answers() -> None:
    ln = link()
    ln.p.close_shard(0, 4009)
    ln.server.pump(ln.now)
    ln.server.data_to_send()
    deadline = ln.server.next_deadline()
    assert deadline is not None
    ln.server.handle_timer(deadline - 0.1)
    assert not ln.server.should_close
    ln.server.handle_timer(deadline)
    assert ln.server.should_close


def test_client_close_is_echoed_and_the_session_survives() -> None:
    ln = link()
    sid = ln.p.live_session(0)
    assert sid is not None
    ln.wire.close(ln.now)
    ln.pump()
    assert ln.server.should_close and ln.wire.state is WireState.CLOSED
    assert ln.p.live_session(0) is None and sid.session_id in ln.p.sessions


def test_drop_aborts_the_transport() -> None:
    ln = link()
    assert ln.p.drop_shard(0) == 1
    ln.server.pump(ln.now)
    assert ln.server.should_abort
    ln.server.receive_data(b"anything", ln.now)  # ignored
    ln.server.connection_lost(ln.now)
    assert ln.p.connections == {}


def test_eof_on_the_websocket_ends_the_gateway_connection() -> None:
    ln = link()
    ln.server.receive_data(b"", ln.now)
    assert ln.server.should_close
    assert ln.p.live_session(0) is None and ln.p.connections == {}
    ln.server.connection_lost(ln.now)


def test_resume_over_a_new_transport() -> None:
    ln = link()
    gw = ln.wire._gateway
    ln.p.drop_shard(0)
    ln.server.pump(ln.now)
    ln.wire.receive_data(b"", ln.now)
    ln.server.connection_lost(ln.now)
    ln.p.inject_at_message("while away", ln.now)
    (gone,) = [e for e in ln.wire.events() + ln.events if isinstance(e, Disconnected)]
    token = ln.p.live_tokens(ln.now)[0]
    again = Link(ln.p, gw, token)
    again.now = gone.not_before or ln.now
    again.pump()
    kinds = [type(e) for e in again.events if isinstance(e, Dispatch | Resumed)]
    assert kinds == [Dispatch, Resumed]


def frame_server(ln: Link) -> ServerConnection:
    return ln.server


def test_oversized_message_is_closed_1009() -> None:
    ln = link()
    frames = FrameProtocol(client=True, extensions=[])
    ln.server.receive_data(frames.send_data("x" * 5000, True), ln.now)
    out = FrameProtocol(client=True, extensions=[])
    out.receive_bytes(ln.server.data_to_send())
    (close,) = list(out.received_frames())
    assert close.payload[0] == 1009 and ln.server.should_close


def test_fragmented_and_binary_messages() -> None:
    ln = link()
    frames = FrameProtocol(client=True, extensions=[])
    heartbeat = b'{"op":1,"d":1}'
    data = frames.send_data(heartbeat[:5], False) + frames.send_data(heartbeat[5:], True)
    ln.server.receive_data(data, ln.now)
    reply = FrameProtocol(client=True, extensions=[])
    reply.receive_bytes(ln.server.data_to_send())
    (ack,) = list(reply.received_frames())
    assert isinstance(ack.payload, str)
    assert json.loads(ack.payload) == {"op": 11}
    ln.server.receive_data(frames.send_data(b"\xff\xfe", True), ln.now)
    closing = FrameProtocol(client=True, extensions=[])
    closing.receive_bytes(ln.server.data_to_send())
    (close,) = list(closing.received_frames())
    assert close.payload[0] == 1007


def test_text_fragments() -> None:
    ln = link()
    frames = FrameProtocol(client=True, extensions=[])
    data = frames.send_data('{"op":1,', False) + frames.send_data('"d":2}', True)
    ln.server.receive_data(data, ln.now)
    assert ln.p.heartbeats[-1].d == 2


def test_protocol_violation_fails_the_websocket() -> None:
    ln = link()
    unmasked = FrameProtocol(client=False, extensions=[]).send_data("hello", True)
    ln.server.receive_data(unmasked, ln.now)
    reply = FrameProtocol(client=True, extensions=[])
    reply.receive_bytes(ln.server.data_to_send())
    (close,) = list(reply.received_frames())
    assert close.payload[0] == 1002
    assert ln.server.should_close and ln.p.live_session(0) is None
    ln.server.receive_data(b"late", ln.now)  # ignored after the close


def test_identify_timeout_runs_through_the_transport() -> None:
    p = Platform(rng=random.Random(1), identify_timeout=3.0)
    server = ServerConnection(p, 0.0)
    assert server.next_deadline() is None
    server.receive_data(upgrade(), 0.0)
    server.data_to_send()
    assert server.next_deadline() == 3.0
    server.handle_timer(3.0)
    out = FrameProtocol(client=True, extensions=[])
    out.receive_bytes(server.data_to_send())
    (close,) = list(out.received_frames())
    assert close.payload[0] == 4009


def test_data_after_eof_or_after_the_close_handshake_is_ignored() -> None:
    server = ServerConnection(platform(), 0.0)
    server.receive_data(token_request()[:10], 0.0)
    server.receive_data(b"", 0.0)
    server.data_to_send()
    server.receive_data(b"more after EOF", 0.0)
    assert server.data_to_send() == b""
    ln = link()
    ln.wire.close(ln.now)
    ln.pump()
    ln.server.receive_data(FrameProtocol(client=True, extensions=[]).ping(b"x"), ln.now)
    assert ln.server.data_to_send() == b""


def test_pongs_and_messages_after_our_close_are_ignored() -> None:
    ln = link()
    frames = FrameProtocol(client=True, extensions=[])
    ln.server.receive_data(frames.pong(b"p"), ln.now)
    assert ln.server.data_to_send() == b""
    ln.p.close_shard(0, 4009)
    ln.server.pump(ln.now)
    ln.server.data_to_send()
    ln.server.receive_data(frames.send_data('{"op":1,"d":3}', True), ln.now)
    assert ln.server.data_to_send() == b"" and ln.p.heartbeats == []


def test_plain_http_connection_lifecycle_without_gateway() -> None:
    server = ServerConnection(platform(), 0.0)
    server.handle_timer(1.0)
    server.connection_lost(1.0)
    assert server.should_close and server.gateway is None
