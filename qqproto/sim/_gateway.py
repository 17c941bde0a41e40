"""The server side of one gateway WebSocket connection, as a sans-IO machine.

:class:`GatewayServer` takes whole WebSocket text messages from the client
(:meth:`~GatewayServer.receive_message`) and produces :data:`ServerOutput` items
(:meth:`~GatewayServer.data_to_send`): texts to send, a close frame, or "drop the transport".
It checks Identify (token, intents, shard, session budget) and Resume (session, seq) the way the
platform does, answers heartbeats, and receives the events the :class:`~qqproto.sim.Platform`
dispatches to its session. Time is the ``now`` argument; nothing here does IO.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from qqproto._errors import RemoteProtocolError
from qqproto._json import dumps_text
from qqproto.gateway._intents import Intents
from qqproto.gateway._opcodes import Opcode
from qqproto.gateway._payload import DEFAULT_MAX_PAYLOAD_SIZE, decode_payload
from qqproto.sim._world import (
    BufferedEvent,
    HeartbeatRecord,
    IdentifyRecord,
    Platform,
    ResumeRecord,
    SessionEnd,
    SimBot,
    SimSession,
)

__all__ = [
    "CLOSE_ALREADY_AUTHENTICATED",
    "CLOSE_AUTH_FAILED",
    "CLOSE_INTENT_NOT_PERMITTED",
    "CLOSE_INVALID_INTENT",
    "CLOSE_INVALID_OPCODE",
    "CLOSE_INVALID_PAYLOAD",
    "CLOSE_INVALID_SEQ",
    "CLOSE_INVALID_SHARD",
    "DropTransport",
    "GatewayServer",
    "SendClose",
    "ServerOutput",
    "ServerText",
]

CLOSE_INVALID_OPCODE = 4001
CLOSE_INVALID_PAYLOAD = 4002
CLOSE_AUTH_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SEQ = 4007
CLOSE_INVALID_SHARD = 4010
CLOSE_INVALID_INTENT = 4013
CLOSE_INTENT_NOT_PERMITTED = 4014

_KNOWN_INTENTS = int(Intents.all())
_encode = dumps_text


@dataclass(frozen=True, slots=True)
class ServerText:
    """Send this text message (the server's output; the client's is
    :class:`qqproto.gateway.SendText`)."""

    text: str


@dataclass(frozen=True, slots=True)
class SendClose:
    """Send a close frame with this code and reason (then wait for the client's reply)."""

    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class DropTransport:
    """Drop the TCP connection at once, without a close frame."""


ServerOutput = ServerText | SendClose | DropTransport


class GatewayServer:
    """One gateway connection on the server side.

    Lifecycle: :meth:`connection_made` (sends Hello), then any number of
    :meth:`receive_message`; :meth:`connection_lost` when the transport ends. After every call,
    send what :meth:`data_to_send` returns. :meth:`handle_timer` at :meth:`next_deadline` closes a
    connection that never identified.
    """

    def __init__(
        self,
        platform: Platform,
        *,
        max_payload_size: int = DEFAULT_MAX_PAYLOAD_SIZE,
    ) -> None:
        self.platform = platform
        self.connection_id = platform.next_connection_id()
        self.max_payload_size = max_payload_size
        self.bot: SimBot | None = None
        self.session: SimSession | None = None
        self.shard: int | None = None
        self.closed = False
        """True once a close frame or drop was queued, or the transport ended."""
        self.close_code: int | None = None
        self._out: list[ServerOutput] = []
        self._identify_deadline: float | None = None
        self._now = 0.0
        self._interval: int | None = None
        """The index of this connection's live :class:`SessionInterval` (None: none)."""

    def __repr__(self) -> str:
        session = self.session.session_id if self.session else None
        return f"<GatewayServer #{self.connection_id} shard={self.shard} session={session}>"

    # ---------------------------------------------------------------- outputs

    def data_to_send(self) -> list[ServerOutput]:
        out, self._out = self._out, []
        return out

    def next_deadline(self) -> float | None:
        return None if self.closed else self._identify_deadline

    # ---------------------------------------------------------------- transport inputs

    def connection_made(self, now: float) -> None:
        """The WebSocket is open: say Hello."""
        self._now = now
        self.platform.connections[self.connection_id] = self
        self.platform.ws_connections.append(now)
        self._send(
            {
                "op": int(Opcode.HELLO),
                "d": {"heartbeat_interval": self.platform.heartbeat_interval_ms},
            }
        )
        timeout = self.platform.identify_timeout
        self._identify_deadline = None if timeout is None else now + timeout

    def connection_lost(self, code: int | None, now: float) -> None:
        """The transport ended (``code``: the client's close code, None if it just dropped).

        The session stays resumable."""
        self._now = now
        self.closed = True
        self._identify_deadline = None
        self.platform.connections.pop(self.connection_id, None)
        self.detach("dropped" if code is None else "client_close", code)

    def handle_timer(self, now: float) -> None:
        self._now = now
        deadline = self._identify_deadline
        if not self.closed and deadline is not None and now >= deadline:
            self.close(self.platform.identify_timeout_close_code, "identify timeout")

    def receive_message(self, data: str | bytes, now: float) -> None:
        """One whole WebSocket message from the client."""
        self._now = now
        if self.closed:
            return
        try:
            payload = decode_payload(data, self.max_payload_size)
        except RemoteProtocolError as exc:
            self.close(CLOSE_INVALID_PAYLOAD, f"invalid payload: {exc}"[:120])
            return
        op = payload.op
        if op == Opcode.HEARTBEAT:
            self._on_heartbeat(payload.d)
        elif op == Opcode.IDENTIFY:
            self._on_identify(payload.d)
        elif op == Opcode.RESUME:
            self._on_resume(payload.d)
        else:
            self.close(CLOSE_INVALID_OPCODE, f"invalid opcode {op}")

    # ---------------------------------------------------------------- scripted actions

    def send_dispatch(self, event: BufferedEvent) -> None:
        """Send one of the session's dispatches (the platform calls this while attached)."""
        self._send_event(event)

    def send_reconnect(self, close_code: int | None) -> None:
        """op 7: ask the client to reconnect and resume; then optionally close."""
        if self.closed:
            return
        self._send({"op": int(Opcode.RECONNECT)})
        if close_code is not None:
            self.close(close_code, "reconnect")

    def send_invalid_session(self, close_code: int | None) -> None:
        """op 9 ``d: false``: the session is gone; then optionally close."""
        if self.closed:
            return
        session = self.session
        if session is not None:
            self.platform.sessions.pop(session.session_id, None)
            self.detach("invalid_session")
        self._send({"op": int(Opcode.INVALID_SESSION), "d": False})
        if close_code is not None:
            self.close(close_code, "invalid session")

    def send_raw(self, text: str) -> None:
        """Send ``text`` as it is, whatever it holds."""
        if not self.closed:
            self._out.append(ServerText(text))

    def close(self, code: int, reason: str = "") -> None:
        """Close the connection with ``code`` (the session, if any, stays resumable)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self._identify_deadline = None
        self._out.append(SendClose(code, reason))
        self.detach("server_close", code)

    def supersede(self, by: int | None, code: int, reason: str, now: float) -> None:
        """Another connection (``by``) took this one's session or shard over at ``now``: close
        it."""
        self._now = max(self._now, now)
        self.detach("superseded", code, by)
        self.close(code, reason)

    def abort(self) -> None:
        """Drop the transport without a close frame."""
        if self.closed:
            return
        self.closed = True
        self._identify_deadline = None
        self._out.append(DropTransport())
        self.detach("server_drop")

    def detach(
        self,
        ended: SessionEnd = "server_close",
        close_code: int | None = None,
        superseded_by: int | None = None,
    ) -> None:
        """Stop receiving the session's events (the session itself lives on); the connection's
        :class:`~qqproto.sim.SessionInterval` ends as ``ended`` says."""
        session = self.session
        if session is not None and session.connection is self:
            session.connection = None
        if self._interval is not None:
            self._now = max(self._now, self.platform.clock)
            self.platform.end_session_interval(
                self._interval,
                ended,
                self._now,
                close_code=close_code,
                superseded_by=superseded_by,
                seq=session.seq if session is not None else None,
            )
            self._interval = None
        self.session = None

    # ---------------------------------------------------------------- handlers

    def _on_heartbeat(self, d: Any) -> None:
        ack = self.platform.acks_heartbeats(self.shard)
        self.platform.heartbeats.append(
            HeartbeatRecord(
                self._now,
                self.connection_id,
                self.bot.app_id if self.bot else None,
                self.shard,
                d,
                ack,
            )
        )
        if ack:
            self._send({"op": int(Opcode.HEARTBEAT_ACK)})

    def _may_start(self, d: Any, op: str) -> bool:
        """Whether ``d`` may identify or resume here (no session yet, an object); else the
        connection is closed."""
        if self.bot is not None:
            self.close(CLOSE_ALREADY_AUTHENTICATED, "already authenticated")
        elif type(d) is not dict:
            self.close(CLOSE_INVALID_PAYLOAD, f"{op} without an object")
        else:
            return True
        return False

    def _auth(self, d: dict[str, Any]) -> SimBot | None:
        return self.platform.auth_bot(d.get("token"), self._now)

    def _on_identify(self, d: Any) -> None:
        if not self._may_start(d, "identify"):
            return
        platform = self.platform
        intents = d.get("intents")
        raw_shard = d.get("shard")

        def refuse(code: int, reason: str, bot: SimBot | None = None) -> None:
            shard = _shard_tuple(raw_shard)
            platform.identifies.append(
                IdentifyRecord(self._now, bot.app_id if bot else None, shard, intents, None, code)
            )
            self.close(code, reason)

        bot = self._auth(d)
        if bot is None:
            refuse(CLOSE_AUTH_FAILED, "authentication failed")
            return
        if type(intents) is not int or intents < 0:
            refuse(CLOSE_INVALID_INTENT, "invalid intent", bot)
            return
        if intents & ~_KNOWN_INTENTS:
            refuse(CLOSE_INVALID_INTENT, "invalid intent", bot)
            return
        if intents & ~bot.allowed_intents:
            refuse(CLOSE_INTENT_NOT_PERMITTED, "intent not permitted", bot)
            return
        shard = (0, 1) if raw_shard is None else _shard_tuple(raw_shard)
        if shard is None or shard[1] != bot.shards or not 0 <= shard[0] < shard[1]:
            refuse(CLOSE_INVALID_SHARD, "invalid shard", bot)
            return
        if platform.identify_rate_limited(bot, shard[0], self._now):
            refuse(platform.identify_rate_close_code, "identify rate limited", bot)
            return
        if not platform.take_session_budget(bot, self._now):
            refuse(platform.session_limit_close_code, "session start limit exhausted", bot)
            return
        session = platform.start_session(
            bot, shard, intents, self._now, connection_id=self.connection_id
        )
        self._attach(bot, session, "identify")
        platform.identifies.append(
            IdentifyRecord(self._now, bot.app_id, shard, intents, session.session_id, None)
        )
        self._send(
            {
                "op": int(Opcode.DISPATCH),
                "s": session.seq,
                "t": "READY",
                "d": {
                    "version": 1,
                    "session_id": session.session_id,
                    "user": {"id": bot.user_id, "username": bot.username, "bot": True},
                    "shard": [shard[0], shard[1]],
                },
            }
        )
        self._session_fault()

    def _on_resume(self, d: Any) -> None:
        if not self._may_start(d, "resume"):
            return
        platform = self.platform
        session_id = d.get("session_id")
        seq = d.get("seq")
        bot = self._auth(d)

        def record(outcome: str, shard: int | None = None, replayed: int = 0) -> None:
            platform.resumes.append(
                ResumeRecord(
                    self._now,
                    bot.app_id if bot else None,
                    shard,
                    session_id,
                    seq,
                    replayed,
                    outcome,
                )
            )

        if bot is None:
            record(f"closed:{CLOSE_AUTH_FAILED}")
            self.close(CLOSE_AUTH_FAILED, "authentication failed")
            return
        session = platform.sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None or session.app_id != bot.app_id:
            record("invalid_session")
            self._invalid_session()
            return
        if seq is None:
            seq = 0
        if type(seq) is not int or seq < 0 or seq > session.seq:
            record(f"closed:{CLOSE_INVALID_SEQ}", session.shard_id)
            self.close(CLOSE_INVALID_SEQ, "invalid seq")
            return
        events = session.replay_after(seq)
        if events is None:
            record("invalid_session", session.shard_id)
            platform.sessions.pop(session.session_id, None)
            self._invalid_session()
            return
        old = session.connection
        if old is not None and old is not self:
            old.supersede(
                self.connection_id,
                platform.superseded_close_code,
                "session resumed elsewhere",
                self._now,
            )
        self._attach(bot, session, "resume")
        for event in events:
            self._send_event(event)
        self._send({"op": int(Opcode.DISPATCH), "s": session.seq, "t": "RESUMED", "d": ""})
        record("resumed", session.shard_id, len(events))
        self._session_fault()

    # ---------------------------------------------------------------- internals

    def _session_fault(self) -> None:
        """End the connection as :attr:`Platform.session_fault` says (a reconnect storm)."""
        fault = self.platform.session_fault
        if fault is None:
            return
        kind = fault.kind
        if kind == "close":
            self.close(fault.code, "storm")
        elif kind == "reconnect":
            self.send_reconnect(None)
        elif kind == "garbage":
            self.send_raw("<html><body>502 Bad Gateway</body></html>")
        elif kind == "oversized":
            pad = max(0, fault.size - len('{"op":11,"d":""}'))
            self.send_raw('{"op":11,"d":"' + "x" * pad + '"}')
        else:
            self.abort()

    def _invalid_session(self) -> None:
        self._send({"op": int(Opcode.INVALID_SESSION), "d": False})
        code = self.platform.close_after_invalid_session
        if code is not None:
            self.close(code, "invalid session")

    def _attach(self, bot: SimBot, session: SimSession, how: Literal["identify", "resume"]) -> None:
        self.bot = bot
        self.session = session
        self.shard = session.shard_id
        session.connection = self
        self._identify_deadline = None
        self._interval = self.platform.begin_session_interval(
            self.connection_id, session, how, self._now
        )

    def _send_event(self, event: BufferedEvent) -> None:
        self._send(
            {
                "op": int(Opcode.DISPATCH),
                "s": event.seq,
                "t": event.name,
                "id": event.event_id,
                "d": event.data,
            }
        )

    def _send(self, payload: dict[str, Any]) -> None:
        self._out.append(ServerText(_encode(payload)))


def _shard_tuple(value: Any) -> tuple[int, int] | None:
    if type(value) is list and len(value) == 2 and type(value[0]) is int and type(value[1]) is int:
        return (value[0], value[1])
    return None
