"""The server side of one TCP connection: HTTP/1.1 (h11) and WebSocket (wsproto) on one port.

:class:`ServerConnection` is sans-IO: feed it what the socket reads
(:meth:`~ServerConnection.receive_data`, ``b""`` at EOF), write what
:meth:`~ServerConnection.data_to_send` returns, then close the socket when
:attr:`~ServerConnection.should_close` (after writing) or drop it at once when
:attr:`~ServerConnection.should_abort`. A ``GET`` of the WebSocket path (``/websocket`` by
default) with an upgrade is accepted and the connection becomes a gateway connection
(:class:`~qqproto.sim.GatewayServer`); every other request goes to the REST app
(:func:`qqproto.sim.handle`). Sizes are bounded: request heads (``max_header_size``), request
bodies (``max_body_size``, else 413) and WebSocket messages (``max_message_size``, else close
1009).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib

import h11
from wsproto.connection import Connection as WSConnection
from wsproto.connection import ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import LocalProtocolError as WSLocalProtocolError

from qqproto.rest._http import decode_headers
from qqproto.sim._gateway import DropTransport, GatewayServer, SendClose, ServerText
from qqproto.sim._rest import RestRequest, RestResponse, handle
from qqproto.sim._world import Platform

__all__ = ["DEFAULT_CLOSE_TIMEOUT", "ServerConnection"]

DEFAULT_CLOSE_TIMEOUT = 5.0
_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_CLOSE_TOO_BIG = 1009
_CLOSE_INVALID_DATA = 1007


def accept_token(key: bytes) -> str:
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.strip() + _WS_GUID).digest()).decode("ascii")


class ServerConnection:
    """One accepted TCP connection, from the first request byte to the close."""

    def __init__(
        self,
        platform: Platform,
        now: float,
        *,
        ws_path: str = "/websocket",
        max_header_size: int = 16 * 1024,
        max_body_size: int = 32 * 1024 * 1024,
        max_message_size: int = 1 << 20,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ) -> None:
        self.platform = platform
        self.ws_path = "/" + ws_path.strip("/")
        self.max_body_size = max_body_size
        self.max_message_size = max_message_size
        self.close_timeout = close_timeout
        self.gateway: GatewayServer | None = None
        self.should_close = False
        """Close the socket once what :meth:`data_to_send` returned is written."""
        self.should_abort = False
        """Drop the socket now, without writing anything more."""
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=max_header_size)
        self._ws: WSConnection | None = None
        self._out = bytearray()
        self._request: h11.Request | None = None
        self._body = bytearray()
        self._parts: list[str | bytes] = []
        self._size = 0
        self._close_deadline: float | None = None
        platform.tcp_connections.append(now)

    def __repr__(self) -> str:
        kind = "websocket" if self._ws is not None else "http"
        return f"<ServerConnection {kind} gateway={self.gateway!r}>"

    @property
    def is_websocket(self) -> bool:
        return self._ws is not None

    # ---------------------------------------------------------------- outputs

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    @property
    def wants_write(self) -> bool:
        """Whether :meth:`data_to_send` has bytes, or the socket is to be closed or dropped."""
        return bool(self._out) or self.should_close or self.should_abort

    def next_deadline(self) -> float | None:
        deadlines = [d for d in (self._close_deadline,) if d is not None]
        if self.gateway is not None:
            gw = self.gateway.next_deadline()
            if gw is not None:
                deadlines.append(gw)
        return min(deadlines) if deadlines else None

    # ---------------------------------------------------------------- inputs

    def receive_data(self, data: bytes | bytearray, now: float) -> None:
        """Bytes read from the socket; ``b""`` is EOF."""
        data = bytes(data)
        if self.should_abort or (self.should_close and not data):
            return
        if self._ws is not None:
            self._ws_receive(data, now)
        else:
            self._http_receive(data, now)
        self.pump(now)

    def handle_timer(self, now: float) -> None:
        if self._close_deadline is not None and now >= self._close_deadline:
            self._close_deadline = None
            self.should_close = True
        if self.gateway is not None:
            self.gateway.handle_timer(now)
        self.pump(now)

    def connection_lost(self, now: float) -> None:
        """The socket is gone (whoever closed it)."""
        self.should_close = True
        if self.gateway is not None:
            self.gateway.connection_lost(None, now)

    def pump(self, now: float) -> None:
        """Turn the gateway's outputs (also those a script caused) into bytes."""
        gateway, ws = self.gateway, self._ws
        if gateway is None or ws is None or self.should_abort:
            return
        for out in gateway.data_to_send():
            if isinstance(out, DropTransport):
                # what was queued before the drop goes out, nothing after it
                self.should_abort = True
                break
            if ws.state is not ConnectionState.OPEN:
                continue
            elif isinstance(out, ServerText):
                self._out += ws.send(TextMessage(data=out.text))
            elif isinstance(out, SendClose):
                self._out += ws.send(CloseConnection(code=out.code, reason=out.reason))
                self._close_deadline = now + self.close_timeout

    # ---------------------------------------------------------------- HTTP

    def _http_receive(self, data: bytes, now: float) -> None:
        try:
            self._h11.receive_data(data)
        except RuntimeError:  # more data after EOF: nothing to do
            return
        while not self.should_close and self._ws is None:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                self._http_error(exc.error_status_hint)
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                break
            if isinstance(event, h11.Request):
                self._request = event
                self._body.clear()
                if self._h11.they_are_waiting_for_100_continue:
                    self._send(h11.InformationalResponse(status_code=100, headers=[]))
            elif isinstance(event, h11.Data):
                if len(self._body) + len(event.data) > self.max_body_size:
                    self._body.clear()
                    self._respond_plain(413, b'{"code":413,"message":"request body too large"}')
                    self.should_close = True
                    break
                self._body += event.data
            elif isinstance(event, h11.EndOfMessage):
                self._on_request(now)
                if self._h11.our_state is h11.MUST_CLOSE:
                    self.should_close = True
                elif self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
                    self._h11.start_next_cycle()  # keep-alive; pipelined requests follow
                    if self._h11.trailing_data == (b"", False):
                        break  # nothing else buffered: skip asking h11 for NEED_DATA
            else:  # ConnectionClosed
                self.should_close = True

    def _on_request(self, now: float) -> None:
        request = self._request
        assert request is not None
        self._request = None
        target = request.target.decode("latin-1")
        path = target.split("?", 1)[0]
        headers = decode_headers(request.headers.raw_items())
        if path.rstrip("/") == self.ws_path or path == self.ws_path + "/":
            self._websocket_request(request, headers, now)
            return
        response = handle(
            self.platform,
            RestRequest(request.method.decode("latin-1"), target, headers, bytes(self._body)),
            now,
        )
        self._respond(response)

    def _respond(self, response: RestResponse) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        headers.append((b"Content-Length", b"%d" % len(response.body)))
        self._send(h11.Response(status_code=response.status, headers=headers))
        if response.body:
            self._send(h11.Data(data=response.body))
        self._send(h11.EndOfMessage())

    def _respond_plain(
        self, status: int, body: bytes, extra: tuple[tuple[str, str], ...] = ()
    ) -> None:
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *extra]
        self._send(h11.Response(status_code=status, headers=headers))
        self._send(h11.Data(data=body))
        self._send(h11.EndOfMessage())

    def _http_error(self, status: int) -> None:
        body = f'{{"code":{status},"message":"bad request"}}'.encode()
        with contextlib.suppress(h11.LocalProtocolError):  # unless a response already went out
            self._respond_plain(status, body)
        self.should_close = True

    def _send(self, event: h11.Event) -> None:
        data = self._h11.send(event)
        if data:
            self._out += data

    # ---------------------------------------------------------------- WebSocket upgrade

    def _websocket_request(
        self, request: h11.Request, headers: tuple[tuple[str, str], ...], now: float
    ) -> None:
        values: dict[str, str] = {}
        for key, value in headers:
            values[key] = f"{values[key]}, {value}" if key in values else value
        upgrade = values.get("upgrade", "").lower()
        connection = values.get("connection", "").lower()
        key = values.get("sec-websocket-key", "")
        if request.method != b"GET" or "websocket" not in upgrade:
            self._respond_plain(
                426,
                b'{"code":426,"message":"this path only accepts WebSocket upgrades"}',
                (("Upgrade", "websocket"),),
            )
            return
        if (
            "upgrade" not in [p.strip() for p in connection.split(",")]
            or values.get("sec-websocket-version", "").strip() != "13"
            or len(_b64(key)) != 16
        ):
            self._respond_plain(
                400,
                b'{"code":400,"message":"invalid WebSocket upgrade request"}',
                (("Sec-WebSocket-Version", "13"),),
            )
            return
        self._send(
            h11.InformationalResponse(
                status_code=101,
                headers=[
                    ("Upgrade", "websocket"),
                    ("Connection", "Upgrade"),
                    ("Sec-WebSocket-Accept", accept_token(key.encode("ascii"))),
                ],
            )
        )
        trailing, _closed = self._h11.trailing_data
        self._ws = WSConnection(ConnectionType.SERVER, trailing_data=bytes(trailing))
        self.gateway = GatewayServer(self.platform, max_payload_size=self.max_message_size)
        self.gateway.connection_made(now)
        self._ws_events(now)

    # ---------------------------------------------------------------- WebSocket frames

    def _ws_receive(self, data: bytes, now: float) -> None:
        ws = self._ws
        assert ws is not None
        if not data:
            self.should_close = True
            assert self.gateway is not None
            self.gateway.connection_lost(None, now)
            return
        try:
            ws.receive_data(data)
        except WSLocalProtocolError:  # data after the close handshake
            return
        self._ws_events(now)

    def _ws_events(self, now: float) -> None:
        ws = self._ws
        gateway = self.gateway
        assert ws is not None and gateway is not None
        for event in ws.events():
            if isinstance(event, TextMessage | BytesMessage):
                self._on_message(event.data, event.message_finished, now)
            elif isinstance(event, Ping):
                if ws.state is ConnectionState.OPEN:
                    self._out += ws.send(event.response())
            elif isinstance(event, CloseConnection):
                self._on_close(event, now)
                return

    def _on_message(self, data: str | bytes | bytearray, finished: bool, now: float) -> None:
        gateway = self.gateway
        assert gateway is not None
        if gateway.closed:
            return
        piece = data if isinstance(data, str) else bytes(data)
        self._size += len(piece) if isinstance(piece, bytes) else len(piece.encode())
        if self._size > self.max_message_size:
            self._parts.clear()
            self._size = 0
            self._fail(_CLOSE_TOO_BIG, "message too big", now)
            return
        self._parts.append(piece)
        if not finished:
            return
        parts, self._parts = self._parts, []
        self._size = 0
        if isinstance(parts[0], str):
            message: str | bytes = "".join(p for p in parts if isinstance(p, str))
        else:
            message = b"".join(p for p in parts if isinstance(p, bytes))
            try:
                message = message.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(_CLOSE_INVALID_DATA, "binary message is not UTF-8", now)
                return
        gateway.receive_message(message, now)

    def _on_close(self, event: CloseConnection, now: float) -> None:
        ws = self._ws
        gateway = self.gateway
        assert ws is not None and gateway is not None
        if ws.state is ConnectionState.REMOTE_CLOSING:
            self._out += ws.send(event.response())
            self.should_close = True
            gateway.connection_lost(event.code, now)
        elif ws.state is ConnectionState.CLOSED:
            self.should_close = True  # the client answered our close
            self._close_deadline = None
        else:  # a protocol violation wsproto reported as a close event
            self._fail(event.code, event.reason or "protocol error", now)

    def _fail(self, code: int, reason: str, now: float) -> None:
        ws, gateway = self._ws, self.gateway
        assert ws is not None and gateway is not None
        if ws.state is ConnectionState.OPEN:
            self._out += ws.send(CloseConnection(code=code, reason=reason))
        self.should_close = True
        gateway.connection_lost(None, now)


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except ValueError:
        return b""
