"""The WebSocket wire layer: socket bytes in, gateway events and bytes to send out.

:class:`WireConnection` composes a wsproto client (which drives h11 for the HTTP upgrade) with a
:class:`~qqproto.gateway.GatewayConnection`, the way wsproto composes h11. Make one per TCP/TLS
connection; the gateway outlives it. No IO and no clock: every input takes ``now``. The only
randomness is wsproto's own (the upgrade nonce and the frame masks RFC 6455 requires).

Whole, unfragmented, unmasked data frames (up to 64 KiB, also when split across reads) are decoded
by a short fast path; everything else goes through wsproto, which stays the reference
(``fast_path=False`` uses it alone, and the tests check that both give identical events).
"""

from __future__ import annotations

import enum
import re
from codecs import utf_8_decode
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import h11
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    Event,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.events import CloseConnection as WSCloseConnection
from wsproto.utilities import ProtocolError as WSProtocolError
from wsproto.utilities import RemoteProtocolError as WSRemoteProtocolError

from qqproto._errors import LocalProtocolError, RemoteProtocolError
from qqproto.gateway._connection import GatewayConnection
from qqproto.gateway._events import GatewayEvent, Output, SendText
from qqproto.gateway._state import State

__all__ = ["DEFAULT_CLOSE_TIMEOUT", "DEFAULT_UPGRADE_TIMEOUT", "WireConnection", "WireState"]

DEFAULT_CLOSE_TIMEOUT = 5.0
"""Seconds to wait for the server's close reply before dropping the transport anyway."""
DEFAULT_UPGRADE_TIMEOUT = 30.0
"""Seconds to wait for the answer to the upgrade request (counted from ``now`` at construction)."""

CLOSE_MESSAGE_TOO_BIG = 1009
_CLOSE_INVALID_DATA = 1007

_MAX_HEAD = 16 * 1024
"""The largest upgrade response head accepted (h11's own default limit)."""
_MAX_REJECT_BODY = 1024
"""How much of a rejection body is quoted in the failure reason."""
_HEAD_END = re.compile(rb"\n\r?\n")
"""The end of an HTTP head, by h11's rule (so exactly the head is handed to h11)."""
_RESERVED_HEADERS = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "content-length",
        "transfer-encoding",
    }
)


def _utf8_tail(data: bytes) -> bytes | None:
    """The unfinished character at the end of ``data`` if ``data`` can start valid UTF-8, else
    None: what wsproto's incremental decoder (``utf_8_decode`` with ``final=False``) keeps."""
    try:
        return data[utf_8_decode(data, "strict", False)[1] :]
    except UnicodeDecodeError:
        return None


class WireState(enum.Enum):
    """Where one transport connection is; only CLOSED asks anything of the adapter."""

    UPGRADING = "upgrading"
    """The upgrade request is out; waiting for the server's answer."""
    OPEN = "open"
    """The WebSocket is open; payloads flow to the gateway."""
    CLOSING = "closing"
    """We sent a close frame and wait for the server's reply (or the close timeout)."""
    CLOSED = "closed"
    """Done: close the transport. Further input is ignored."""


def _parse_url(url: str) -> tuple[str, int, bool, str, str]:
    """``(host, port, secure, target, host_header)`` of a ``ws://`` or ``wss://`` URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid gateway URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("ws", "wss"):
        raise ValueError(
            f"gateway URL {url!r} must use ws:// or wss:// (got {parts.scheme or 'no'} scheme); "
            "pass the URL returned by GET /gateway/bot"
        )
    host = parts.hostname
    if not host:
        raise ValueError(f"gateway URL {url!r} has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"gateway URL {url!r} must not carry user:password@ credentials")
    if parts.fragment:
        raise ValueError(f"gateway URL {url!r} must not have a #fragment (RFC 6455 §3)")
    secure = scheme == "wss"
    default_port = 443 if secure else 80
    if port is None:
        port = default_port
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    if not target.isascii() or not target.isprintable() or " " in target:
        raise ValueError(
            f"gateway URL {url!r}: percent-encode spaces and non-ASCII characters in the path"
        )
    host_header = f"[{host}]" if ":" in host else host
    if port != default_port:
        host_header = f"{host_header}:{port}"
    return host, port, secure, target, host_header


def _header_bytes(value: str | bytes, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError(f"extra header {what} {value!r} is not ASCII") from None


def _extra_headers(
    headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]] | None,
) -> list[tuple[bytes, bytes]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    out = []
    for name, value in items:
        raw = _header_bytes(name, "name")
        if raw.lower().decode("latin-1") in _RESERVED_HEADERS:
            raise ValueError(
                f"extra header {raw.decode('latin-1')!r} is set by the WebSocket handshake itself"
            )
        out.append((raw, _header_bytes(value, "value")))
    return out


class WireConnection:
    """One WebSocket transport connection for a :class:`GatewayConnection`.

    Construct it when the gateway says to connect, open TCP (TLS if :attr:`secure`) to
    :attr:`host`:\\ :attr:`port`, send :meth:`bytes_to_send` (the upgrade request), then loop:
    feed what the socket reads to :meth:`receive_data` (``b""`` at EOF), call
    :meth:`handle_timer` at :meth:`next_deadline`, and after every call send
    :meth:`bytes_to_send`, handle :meth:`events`, and close the transport once
    :attr:`should_close_transport` is true.

    :meth:`receive_data` raises :class:`~qqproto._errors.RemoteProtocolError` when the server
    broke the protocol (a bad upgrade answer, a WebSocket protocol error, an oversized message, a
    malformed payload); by then the close frame is queued, the gateway has planned what comes next
    (see :meth:`events`), and nothing else is raised for bad input.

    Pass ``now`` to bound the wait for the upgrade answer by ``upgrade_timeout`` (the gateway
    has no timer before the WebSocket opens); without it the adapter must bound that wait itself.
    """

    def __init__(
        self,
        gateway: GatewayConnection,
        url: str,
        access_token: str,
        *,
        extra_headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]] | None = None,
        max_message_size: int | None = None,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        upgrade_timeout: float = DEFAULT_UPGRADE_TIMEOUT,
        fast_path: bool = True,
        now: float | None = None,
    ) -> None:
        if gateway.state is not State.DISCONNECTED:
            raise LocalProtocolError(
                f"the gateway is {gateway.state.name}: create a WireConnection only while it is "
                "disconnected (after a non-fatal Disconnected event, at its not_before); "
                "a closed or failed gateway needs a new GatewayConnection"
            )
        if not access_token:
            raise ValueError("WireConnection needs the current access token")
        if max_message_size is None:
            max_message_size = gateway.config.max_payload_size
        if max_message_size < 1:
            raise ValueError("max_message_size must be a positive number of bytes")
        if not close_timeout >= 0 or not upgrade_timeout >= 0:
            raise ValueError("timeouts must be non-negative numbers of seconds")
        self.host, self.port, self.secure, self.target, host_header = _parse_url(url)
        self.max_message_size = max_message_size
        self.close_timeout = close_timeout
        self.upgrade_timeout = upgrade_timeout
        self.state = WireState.UPGRADING
        self._gateway = gateway
        self._token = access_token
        self._fast_path = fast_path
        self._ws = WSConnection(ConnectionType.CLIENT)
        request = Request(
            host=host_header, target=self.target, extra_headers=_extra_headers(extra_headers)
        )
        try:
            self._out = bytearray(self._ws.send(request))
        except (WSProtocolError, h11.ProtocolError, ValueError) as exc:
            raise ValueError(f"cannot build the WebSocket upgrade request: {exc}") from None
        self._deadline = None if now is None else now + upgrade_timeout
        """The upgrade timeout while UPGRADING, the close timeout while CLOSING."""
        self._error: RemoteProtocolError | None = None
        # upgrade: the head not yet handed to h11, then the rejection being read
        self._head = b""
        self._reject_status: int | None = None
        self._reject_body = b""
        # the message being assembled from wsproto's pieces
        self._parts: list[Any] = []
        self._size = 0
        # fast path framing: bytes from a frame boundary on that are not enough to go on and how
        # many more are needed, if they are a text frame's the unfinished character at their end
        # (their UTF-8 is checked as they come, as wsproto does), bytes of the current frame that
        # belong to wsproto, and whether wsproto holds an unfinished fragmented message
        self._held: list[bytes] = []
        self._short = 0
        self._tail: bytes | None = None
        self._owed = 0
        self._fragmented = False

    def __repr__(self) -> str:
        scheme = "wss" if self.secure else "ws"
        return f"<WireConnection {scheme}://{self.host}:{self.port}{self.target} {self.state.name}>"

    # ---------------------------------------------------------------- outputs

    def bytes_to_send(self) -> bytes:
        """Everything to write to the transport since the last call."""
        if not self._out:
            return b""
        out = bytes(self._out)
        self._out.clear()
        return out

    def events(self) -> list[GatewayEvent]:
        """The gateway's events since the last call (the wire adds none of its own)."""
        return self._gateway.events()

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must be called next (None: no timer needed)."""
        deadline = self._gateway.next_deadline()
        state = self.state
        own = self._deadline if state is WireState.UPGRADING or state is WireState.CLOSING else None
        if own is None:
            return deadline
        return own if deadline is None else min(deadline, own)

    @property
    def should_close_transport(self) -> bool:
        """True once the WebSocket is closed both ways, failed, timed out or hit EOF."""
        return self.state is WireState.CLOSED

    # ---------------------------------------------------------------- inputs

    def receive_data(self, data: bytes, now: float) -> None:
        """Feed bytes read from the transport; ``b""`` means EOF."""
        state = self.state
        if state is WireState.CLOSED:
            return
        self._pump(now)
        if not data:
            self._receive_eof(now)
        else:
            if type(data) is not bytes:
                data = bytes(data)
            if state is WireState.UPGRADING:
                self._receive_upgrade(data, now)
            elif self._fast_path:
                self._receive_frames(data, now)
            else:
                self._feed_ws(data, now)
        error = self._error
        if error is not None:
            self._error = None
            raise error

    def handle_timer(self, now: float) -> None:
        """Run the gateway's timers and the wire's own (upgrade and close timeouts); safe to call
        early, late or repeatedly."""
        self._gateway.handle_timer(now)
        self._pump(now)
        deadline = self._deadline
        if deadline is None or now < deadline:
            return
        if self.state is WireState.UPGRADING:
            self.state = WireState.CLOSED
            self._gateway.connection_failed(
                f"no answer to the WebSocket upgrade within {self.upgrade_timeout:g} s", now
            )
        elif self.state is WireState.CLOSING:
            self.state = WireState.CLOSED

    def close(self, now: float) -> None:
        """Shut the gateway down for good (the user's shutdown); the close handshake follows."""
        self._gateway.close(now)
        self._pump(now)
        if self.state is WireState.UPGRADING:
            self.state = WireState.CLOSED

    # ---------------------------------------------------------------- upgrade

    def _receive_upgrade(self, data: bytes, now: float) -> None:
        if self._reject_status is not None:
            self._feed_handshake(data, now)
            return
        head = self._head + data
        match = _HEAD_END.search(head, max(0, len(self._head) - 2))
        if match is None:
            if len(head) > _MAX_HEAD:
                self._upgrade_error(f"upgrade response head exceeds {_MAX_HEAD} bytes", now)
            else:
                self._head = head
            return
        cut = match.end()
        self._head = b""
        self._feed_handshake(head[:cut], now)
        rest = head[cut:]
        if not rest:
            return
        if self.state is WireState.OPEN:
            if self._fast_path:
                self._receive_frames(rest, now)
            else:
                self._feed_ws(rest, now)
        elif self._reject_status is not None:
            self._feed_handshake(rest, now)

    def _feed_handshake(self, data: bytes, now: float) -> None:
        try:
            self._ws.receive_data(data)
        except (WSRemoteProtocolError, ValueError) as exc:
            self._upgrade_error(f"invalid WebSocket upgrade response: {exc}", now)
            return
        for event in self._ws.events():
            if isinstance(event, AcceptConnection):
                self.state = WireState.OPEN
                self._gateway.connection_made(self._token, now)
            elif isinstance(event, RejectConnection):
                self._reject_status = event.status_code
                if not event.has_body:
                    self._upgrade_rejected(now)
            elif isinstance(event, RejectData) and self.state is WireState.UPGRADING:
                self._reject_body += event.data[: _MAX_REJECT_BODY - len(self._reject_body)]
                if event.body_finished or len(self._reject_body) >= _MAX_REJECT_BODY:
                    self._upgrade_rejected(now)

    def _upgrade_rejected(self, now: float) -> None:
        body = self._reject_body.decode("utf-8", "replace").strip()
        reason = f"WebSocket upgrade rejected with HTTP {self._reject_status}"
        self.state = WireState.CLOSED
        self._gateway.connection_failed(f"{reason}: {body}" if body else reason, now)

    def _upgrade_error(self, reason: str, now: float) -> None:
        self.state = WireState.CLOSED
        self._gateway.connection_failed(reason, now)
        self._error = RemoteProtocolError(reason)

    def _receive_eof(self, now: float) -> None:
        state = self.state
        self.state = WireState.CLOSED
        if state is WireState.UPGRADING:
            if self._reject_status is not None:
                self._upgrade_rejected(now)
            else:
                self._gateway.connection_failed(
                    "connection closed during the WebSocket upgrade", now
                )
        elif state is WireState.OPEN:
            self._gateway.connection_lost(None, "", now)

    # ---------------------------------------------------------------- frames

    def _receive_frames(self, data: bytes, now: float) -> None:
        """Deliver whole unfragmented data frames (up to 64 KiB); hand every other frame to
        wsproto.

        wsproto only ever receives whole frames or frame starts, so it is at a frame boundary
        (with no message in progress unless ``_fragmented``) whenever this loop reads a header,
        exactly as if it had parsed every frame itself. A partial header, or a partial frame
        this loop will deliver, waits in ``_held`` until the ``_short`` bytes it lacks arrive.
        The UTF-8 of a partial text frame is checked as it comes (``_tail`` holds an unfinished
        character), since wsproto fails it with 1007 as soon as it has read a bad byte.
        """
        if self._short:
            held = self._held
            held.append(data)
            short = self._short - len(data)
            tail = self._tail
            if short > 0 and tail is not None:
                tail = self._tail = _utf8_tail(tail + data)
                if tail is None:  # bad UTF-8 in an unfinished text frame: wsproto's to fail
                    self._owed = sum(map(len, held)) + short  # the whole frame
                    short = 0
            if short > 0:
                self._short = short
                return
            self._short = 0
            self._tail = None
            data = b"".join(held)
            held.clear()
        buf = data
        n = len(buf)
        pos = 0
        need = 0
        open_ = WireState.OPEN
        limit = self.max_message_size
        gateway = self._gateway
        receive = gateway.receive_payload
        outgoing = gateway._outgoing  # a dispatch queues no output: look before asking for it
        while pos < n:
            if self.state is not open_:
                if self.state is WireState.CLOSING:
                    self._feed_ws(buf[pos:], now)
                pos = n
                break
            owed = self._owed
            if owed:
                end = n if owed < 0 or pos + owed > n else pos + owed
                if owed > 0:
                    self._owed = owed - (end - pos)
                self._feed_ws(buf[pos:end], now)
                pos = end
                continue
            if n - pos < 2:
                need = 2
                break
            b0 = buf[pos]
            length = buf[pos + 1]
            if (b0 == 0x81 or b0 == 0x82) and length < 127 and not self._fragmented:
                # FIN, no reserved bits, text or binary, unmasked, 7- or 16-bit length
                head = 2
                if length == 126:
                    if n - pos < 4:
                        need = 4
                        break
                    length = (buf[pos + 2] << 8) | buf[pos + 3]
                    head = 4
                    if length < 126:
                        self._owed = -1  # not the minimal length encoding: wsproto fails it
                        continue
                if length > limit:
                    self._owed = head + length
                    continue
                start = pos + head
                end = start + length
                if end > n:
                    need = head + length
                    if b0 == 0x81:  # wsproto fails bad UTF-8 as soon as it reads it (1007)
                        self._tail = _utf8_tail(buf[start:n])
                        if self._tail is None:
                            self._owed = need
                            continue
                    break
                # the gateway takes the bytes (msgspec reads UTF-8 directly; a str with any
                # non-ASCII character would be encoded back to UTF-8 to be read)
                payload = buf[start:end]
                if b0 == 0x81 and not payload.isascii():
                    try:
                        payload.decode("utf-8")  # text frames must be valid UTF-8
                    except UnicodeDecodeError:
                        self._owed = head + length  # wsproto reports it (1007)
                        continue
                pos = end
                try:
                    receive(payload, now)
                except RemoteProtocolError as exc:
                    self._error = exc
                if outgoing:
                    self._send(gateway.data_to_send(), now)
                    outgoing = gateway._outgoing
                continue
            # any other frame goes to wsproto: find where it ends
            if length > 127 or b0 & 0x70:  # masked, or reserved bits: wsproto fails it
                self._owed = -1
                continue
            opcode = b0 & 0x0F
            if opcode >= 8:  # control frames: whole, at most 125 bytes
                self._owed = -1 if opcode > 10 or not b0 & 0x80 or length > 125 else 2 + length
                continue
            if opcode > 2:  # a reserved data opcode fails before any length bytes
                self._owed = -1
                continue
            head = 2
            if length >= 126:  # a 16- or 64-bit length follows
                head = 4 if length == 126 else 10
                if n - pos < head:
                    need = head
                    break
                length = int.from_bytes(buf[pos + 2 : pos + head], "big")
            if (opcode == 0) is not self._fragmented:
                self._owed = -1  # a continuation out of place, or a new message inside one
                continue
            self._fragmented = not b0 & 0x80
            self._owed = head + length
        if pos < n:
            self._held.append(buf[pos:])
            self._short = need - (n - pos)

    def _feed_ws(self, data: bytes, now: float) -> None:
        self._ws.receive_data(data)
        for event in self._ws.events():
            self._on_ws_event(event, now)

    def _on_ws_event(self, event: Event, now: float) -> None:
        kind = type(event)
        if kind is TextMessage:
            assert isinstance(event, TextMessage)
            text = event.data
            size = len(text) if text.isascii() else len(text.encode())
            self._on_message(text, size, event.message_finished, now)
        elif kind is BytesMessage:
            assert isinstance(event, BytesMessage)
            data = bytes(event.data)
            self._on_message(data, len(data), event.message_finished, now)
        elif kind is Ping:
            if self._ws.state is ConnectionState.OPEN:
                assert isinstance(event, Ping)
                self._out += self._ws.send(event.response())
        elif kind is WSCloseConnection:
            assert isinstance(event, WSCloseConnection)
            self._on_close(event, now)

    def _on_message(self, data: str | bytes, size: int, finished: bool, now: float) -> None:
        """One piece of a message from wsproto: assemble it, bounded by ``max_message_size``."""
        if self.state is not WireState.OPEN:
            return
        self._size += size
        if self._size > self.max_message_size:
            self._fail(
                CLOSE_MESSAGE_TOO_BIG, f"message larger than {self.max_message_size} bytes", now
            )
            return
        if not finished:
            self._parts.append(data)
            return
        if self._parts:
            self._parts.append(data)
            data = ("" if isinstance(data, str) else b"").join(self._parts)
            self._parts = []
        self._size = 0
        self._deliver(data, now)

    def _on_close(self, event: WSCloseConnection, now: float) -> None:
        ws_state = self._ws.state
        if ws_state is ConnectionState.REMOTE_CLOSING:  # the server closes: echo, then report
            self._out += self._ws.send(event.response())
            self.state = WireState.CLOSED
            self._gateway.connection_lost(event.code, event.reason or "", now)
        elif ws_state is ConnectionState.CLOSED or self.state is not WireState.OPEN:
            self.state = WireState.CLOSED  # the reply to our close, or garbage while closing
        else:  # wsproto turned a protocol violation into this event; its state did not move
            # (the decoder's message for bad UTF-8 quotes a position that depends on chunking)
            why = "invalid UTF-8" if event.code == _CLOSE_INVALID_DATA else event.reason
            self._fail(event.code, f"WebSocket protocol error: {why}", now)

    def _fail(self, code: int, reason: str, now: float) -> None:
        """Fail the WebSocket (RFC 6455 §7.1.7): send a close and drop the transport at once."""
        self._out += self._ws.send(WSCloseConnection(code=code, reason=reason))
        self.state = WireState.CLOSED
        self._parts = []
        self._size = 0
        self._gateway.transport_failed(f"{reason} (closed with {code})", now)
        self._error = RemoteProtocolError(reason)

    # ---------------------------------------------------------------- gateway

    def _deliver(self, payload: str | bytes, now: float) -> None:
        try:
            self._gateway.receive_payload(payload, now)
        except RemoteProtocolError as exc:
            self._error = exc  # the gateway closes on it, so no second one comes in this call
        self._pump(now)

    def _pump(self, now: float) -> None:
        if self._gateway._outgoing:
            self._send(self._gateway.data_to_send(), now)

    def _send(self, outputs: list[Output], now: float) -> None:
        for out in outputs:
            if self.state is not WireState.OPEN:
                continue  # nothing can be sent after our close (or before the upgrade)
            if isinstance(out, SendText):
                self._out += self._ws.send(TextMessage(data=out.text))
            else:
                self._out += self._ws.send(WSCloseConnection(code=out.code, reason=out.reason))
                self.state = WireState.CLOSING
                self._deadline = now + self.close_timeout
