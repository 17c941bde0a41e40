"""The client side of the QQ gateway as a sans-IO state machine.

Inputs (each takes ``now``, monotonic seconds, as its last argument):
:meth:`GatewayConnection.connection_made`, :meth:`~GatewayConnection.receive_payload` (one whole
WebSocket text message), :meth:`~GatewayConnection.connection_lost`,
:meth:`~GatewayConnection.connection_failed`, :meth:`~GatewayConnection.transport_failed`,
:meth:`~GatewayConnection.handle_timer` and :meth:`~GatewayConnection.close`.
Outputs: :meth:`~GatewayConnection.events`, :meth:`~GatewayConnection.data_to_send` and one
:meth:`~GatewayConnection.next_deadline`. The machine reads no clock and draws randomness only
from the injected RNG.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from qqproto._errors import LocalProtocolError, RemoteProtocolError
from qqproto._json import loads
from qqproto._now_last import accepts_now_first
from qqproto.gateway._backoff import BackoffConfig, ReconnectThrottle
from qqproto.gateway._close_codes import CloseAction, CloseCodeInfo, close_code_info
from qqproto.gateway._dedup import RecentIds
from qqproto.gateway._events import (
    CloseConnection,
    Closed,
    Disconnected,
    Dispatch,
    DuplicateDropped,
    EventsLost,
    GatewayEvent,
    HeartbeatAcked,
    Hello,
    IdentifyDelayed,
    Output,
    Ready,
    Resumed,
    SendText,
    UnknownPayload,
)
from qqproto.gateway._identify import IdentifyLimiter
from qqproto.gateway._intents import Intents
from qqproto.gateway._opcodes import Opcode
from qqproto.gateway._payload import (
    DEFAULT_MAX_PAYLOAD_SIZE,
    _decode_envelope,
    encode_payload,
    envelope_error,
)
from qqproto.gateway._state import LIVE_STATES, TRANSITIONS, Input, State

# Plain ints and members bound once: the receive path runs for every event.
_DISPATCH = int(Opcode.DISPATCH)
_HEARTBEAT = int(Opcode.HEARTBEAT)
_HEARTBEAT_ACK = int(Opcode.HEARTBEAT_ACK)
_HELLO = int(Opcode.HELLO)
_RECONNECT = int(Opcode.RECONNECT)
_INVALID_SESSION = int(Opcode.INVALID_SESSION)
_AWAITING_HELLO = State.AWAITING_HELLO
_SESSION_EVENTS = frozenset({"READY", "RESUMED"})
_HELLO_SEEN = frozenset({State.IDENTIFYING, State.RESUMING, State.CONNECTED})

CLOSE_NORMAL = 1000
"""Our close code when the session is over (shutdown, invalid session)."""
CLOSE_RECONNECT = 3000
"""Our close code when we close to resume (op 7, zombie connection, protocol error)."""


def _default_properties() -> Mapping[str, str]:
    return {"$os": sys.platform, "$browser": "qqbot", "$device": "qqbot"}


def _excerpt(data: str | bytes, limit: int = 200) -> str:
    """At most ``limit`` characters of a received message's raw text, for errors and logs: cheap
    and bounded whatever the message holds (no repr of the decoded value, which can be huge or
    nested deeper than ``repr`` can go)."""
    if isinstance(data, bytes):
        return data[: limit * 4].decode("utf-8", "replace")[:limit]
    return data[:limit]


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything a gateway connection needs that does not change between connections."""

    intents: int
    shard_id: int = 0
    shard_count: int = 1
    properties: Mapping[str, str] = field(default_factory=_default_properties)
    max_payload_size: int = DEFAULT_MAX_PAYLOAD_SIZE
    hello_timeout: float = 30.0
    """Close and reconnect when no Hello arrives this long after the transport opened."""
    silence_timeout: float | None = None
    """Optionally treat this many seconds without any payload as a zombie connection."""
    first_heartbeat_jitter: bool = True
    """Send the first heartbeat after ``interval * rng.random()`` rather than a full interval."""
    dedup_window: int = 2048
    """How many recent event ids are remembered to drop duplicate dispatches."""
    invalid_session_delay: tuple[float, float] = (1.0, 3.0)
    """After op 9, identify again after a uniform delay in this range (seconds)."""
    backoff: BackoffConfig = field(default_factory=BackoffConfig)
    min_heartbeat_interval: float = 0.1
    """The shortest heartbeat interval used, whatever Hello asks (seconds). The platform asks
    for 41.25 s; a server asking for less than this floor is heartbeaten at the floor (reported
    by :attr:`Hello.clamped_from`), so a Hello of 1 ms cannot make the client send 1000
    heartbeats a second. 0.1 s still lets a simulator run fast heartbeats in tests."""
    max_failed_resumes: int = 3
    """After this many resumes in a row failed because the client refused what was replayed,
    each at the same sequence number (the server keeps replaying an event the client cannot
    take: larger than ``max_payload_size``, not valid JSON), the session is given up: identify
    anew and report the events lost (:class:`~qqproto.gateway.EventsLost`) instead of
    retrying forever. A refusal counts before RESUMED (the documented order: replay, then
    RESUMED) and of the first payload after it (a server that replays after RESUMED); the
    count resets once a payload after RESUMED is taken. A resume cut short otherwise (a dropped
    transport, a server's close) neither counts nor resets the count."""

    def __post_init__(self) -> None:
        if self.shard_count < 1 or not 0 <= self.shard_id < self.shard_count:
            raise ValueError(
                f"shard {self.shard_id} of {self.shard_count} is not valid: "
                "need 0 <= shard_id < shard_count"
            )
        if not isinstance(self.intents, int) or isinstance(self.intents, bool):
            raise TypeError(
                f"intents must be an int bitmask such as Intents.DEFAULT, "
                f"got {type(self.intents).__name__}"
            )
        if self.intents < 0:
            raise ValueError("intents must be a non-negative bitmask such as Intents.DEFAULT")
        lo, hi = self.invalid_session_delay
        if not 0 <= lo <= hi:
            raise ValueError("invalid_session_delay must be (low, high) with 0 <= low <= high")
        if not self.min_heartbeat_interval > 0:
            raise ValueError("min_heartbeat_interval must be a positive number of seconds")
        if self.max_failed_resumes < 1:
            raise ValueError("max_failed_resumes must be at least 1")


class GatewayConnection:
    """One shard's gateway session across any number of transport connections."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        rng: random.Random,
        limiter: IdentifyLimiter | None = None,
    ) -> None:
        self.config = config
        self._rng = rng
        self.limiter = limiter if limiter is not None else IdentifyLimiter()
        self._throttle = ReconnectThrottle(rng, config.backoff)
        self._seen = RecentIds(config.dedup_window).seen
        self._max_payload = config.max_payload_size
        self.state = State.DISCONNECTED
        self._live = False
        self.session_id: str | None = None
        self.seq: int | None = None
        self.heartbeat_interval: float | None = None
        self.latency: float | None = None
        """The last measured heartbeat round trip, in seconds."""
        self._token: str | None = None
        self._events: list[GatewayEvent] = []
        self._outgoing: list[Output] = []
        self._established_at: float | None = None
        """When this connection's session got going (READY/RESUMED); None before."""
        self._hello_deadline: float | None = None
        self._identify_at: float | None = None
        self._heartbeat_due: float | None = None
        self._heartbeat_sent: float | None = None
        """When the heartbeat not yet acknowledged went out (None: none pending)."""
        self._last_receive = 0.0
        """When a payload last arrived, moved on by the time spent with reading paused."""
        self._reading_since = 0.0
        """Since when the client has been reading without a pause."""
        self._paused_at: float | None = None
        """When reading was paused (None: the client is reading)."""
        self._clamp_reported = False
        self._failed_resumes = 0
        """Resumes in a row that failed at ``_failed_seq`` (see ``max_failed_resumes``)."""
        self._failed_seq: int | None = None
        self._just_resumed = False
        """RESUMED came and no payload after it yet: a server may replay after RESUMED (against
        the documented order), so a refusal now still counts as a failed resume."""

    def __repr__(self) -> str:
        cfg = self.config
        return (
            f"<GatewayConnection shard={cfg.shard_id}/{cfg.shard_count} state={self.state.name} "
            f"session={'yes' if self.session_id else 'no'} seq={self.seq}>"
        )

    # ---------------------------------------------------------------- outputs

    def events(self) -> list[GatewayEvent]:
        """Every event since the last call, oldest first."""
        events, self._events = self._events, []
        return events

    def data_to_send(self) -> list[Output]:
        """Every output since the last call: texts to send and at most one close, in order."""
        out, self._outgoing = self._outgoing, []
        return out

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must be called next (None: no timer needed)."""
        if not self._live:
            return None
        deadline = self._heartbeat_due
        for other in (self._hello_deadline, self._identify_at, self._silence_deadline()):
            if other is not None and (deadline is None or other < deadline):
                deadline = other
        return deadline

    def _silence_deadline(self) -> float | None:
        timeout = self.config.silence_timeout
        if timeout is None or self._paused_at is not None:
            return None
        return self._last_receive + timeout

    @property
    def will_resume(self) -> bool:
        """Whether the next connection will resume (a session exists) rather than identify."""
        return self.session_id is not None

    @property
    def can_pause_reading(self) -> bool:
        """Whether :meth:`pause_reading` is allowed now: after Hello, while the transport is live
        (before Hello the client must read, or the Hello timeout ends the connection)."""
        return self.state in _HELLO_SEEN

    @property
    def reading_paused(self) -> bool:
        """Whether reading is paused (:meth:`pause_reading` without :meth:`resume_reading`)."""
        return self._paused_at is not None

    # ---------------------------------------------------------------- inputs

    @accepts_now_first()
    def connection_made(self, access_token: str, now: float) -> None:
        """The WebSocket is open; ``access_token`` is the current token (without ``QQBot``)."""
        if not access_token:
            raise ValueError("connection_made needs the current access token")
        self._transition(Input.CONNECT, local=True)
        self._token = access_token
        self._established_at = None
        self._last_receive = now
        self._reading_since = now
        self._paused_at = None
        self._hello_deadline = now + self.config.hello_timeout
        self._identify_at = None
        self._heartbeat_due = None
        self._heartbeat_sent = None
        self.heartbeat_interval = None

    @accepts_now_first()
    def connection_failed(self, reason: str, now: float) -> None:
        """Opening a transport failed (DNS, TCP, TLS or the WebSocket handshake)."""
        if self.state is not State.DISCONNECTED:
            raise LocalProtocolError(f"connection_failed in state {self.state.name}")
        self._end(close_code_info(None), f"connect failed: {reason}", now, failure=True)

    @accepts_now_first(code=None, reason="")
    def connection_lost(self, code: int | None, reason: str, now: float) -> None:
        """The transport ended: ``code`` is the server's close code, None for a dropped transport;
        ``reason`` the close reason it sent ("" if none).

        A no-op when the machine already ended the connection itself (it has decided already).
        """
        if self.state not in LIVE_STATES:
            return
        info = close_code_info(code)
        text = info.meaning
        if reason:
            text = f"{text} (server said: {reason})"
        if info.action is CloseAction.FATAL and code in (4013, 4014):
            intents = Intents(self.config.intents)
            text += (
                f"; intents requested: {intents!r}, of which need approval: "
                f"{intents.privileged()!r}"
            )
        self._end(info, text, now)

    @accepts_now_first()
    def transport_failed(self, reason: str, now: float) -> None:
        """The layer below (the WebSocket) found the peer broke the protocol and closed the
        transport itself: plan a reconnect as for a lost transport, naming ``reason``."""
        if self.state not in LIVE_STATES:
            return
        self._end(close_code_info(None), f"protocol error: {reason}", now, rejected=True)

    def receive_payload(self, data: str | bytes, now: float) -> None:
        """Feed one whole WebSocket message.

        Garbage raises ``RemoteProtocolError`` after the machine has planned a reconnect (close
        the transport as :meth:`data_to_send` says and carry on).
        """
        if not self._live:
            if self.state is State.DISCONNECTED:
                return  # data still in flight after we ended the connection
            raise LocalProtocolError(f"receive_payload in terminal state {self.state.name}")
        self._last_receive = now
        try:  # decode_envelope, inline (the hot path)
            if len(data) > self._max_payload:
                raise ValueError
            env = _decode_envelope(data)
        except (ValueError, RecursionError):  # msgspec's errors are ValueErrors
            exc = envelope_error(data, self._max_payload)
            self._protocol_error(str(exc), now)
            raise exc from None
        op, d, s, t, event_id = env.op, env.d, env.s, env.t, env.id
        if isinstance(event_id, int):
            event_id = str(event_id)
        if self._just_resumed and (op != _DISPATCH or t is not None):
            # The first payload after RESUMED was taken: the replay, wherever the server put
            # it, went through.
            self._just_resumed = False
            self._failed_resumes = 0
        if op == _DISPATCH:  # the hot path, inline
            if t is None or self.state is _AWAITING_HELLO:
                self._remote_violation(
                    "dispatch received before Hello"
                    if t is not None
                    else "dispatch without an event name 't'",
                    now,
                )
            if s is not None:
                self.seq = s
            if t in _SESSION_EVENTS:
                self._on_session_event(t, loads(d), s, data, now)
            elif event_id is not None and self._seen(event_id):
                self._events.append(DuplicateDropped(t, s, event_id))
            else:
                self._events.append(Dispatch(t, s, event_id, d))
        elif op == _HEARTBEAT_ACK:
            self._on_heartbeat_ack(now)
        elif op == _HELLO:
            self._on_hello(loads(d), data, now)
        elif op == _HEARTBEAT:
            if self.state is not State.AWAITING_HELLO:
                self._send_heartbeat(now)
        elif op == _RECONNECT:
            self._end(
                close_code_info(None),
                "server asked to reconnect (op 7)",
                now,
                close=CLOSE_RECONNECT,
            )
        elif op == _INVALID_SESSION:
            self.session_id = None
            self.seq = None
            self._end(
                CloseCodeInfo(None, CloseAction.IDENTIFY, ""),
                "invalid session (op 9): identifying anew",
                now,
                close=CLOSE_NORMAL,
                invalid_session=True,
            )
        else:
            self._events.append(UnknownPayload(op, loads(d), _excerpt(data)))

    def handle_timer(self, now: float) -> None:
        """Do whatever is due at ``now``; safe to call early, late or repeatedly."""
        if self.state not in LIVE_STATES:
            return
        if self._hello_deadline is not None and now >= self._hello_deadline:
            self._end(
                close_code_info(None),
                f"no Hello within {self.config.hello_timeout:g} s",
                now,
                close=CLOSE_RECONNECT,
                failure=True,
            )
            return
        silence = self._silence_deadline()
        if silence is not None and now >= silence:
            self._end(
                close_code_info(None),
                f"zombie connection: nothing received for {self.config.silence_timeout:g} s",
                now,
                close=CLOSE_RECONNECT,
            )
            return
        if self._identify_at is not None and now >= self._identify_at:
            self._try_identify(now)
        if self._heartbeat_due is not None and now >= self._heartbeat_due:
            sent = self._heartbeat_sent
            # unacknowledged: a zombie, unless reading paused since it went (the ACK may be
            # waiting unread in the socket)
            if sent is not None and self._paused_at is None and self._reading_since <= sent:
                self._end(
                    close_code_info(None),
                    "zombie connection: the last heartbeat was not acknowledged",
                    now,
                    close=CLOSE_RECONNECT,
                )
                return
            self._send_heartbeat(now)

    def pause_reading(self, now: float) -> None:
        """The client stops reading the transport for a while (its handlers are behind).

        Heartbeats keep their cadence (call :meth:`handle_timer` at :meth:`next_deadline` as
        usual), but a heartbeat not acknowledged yet counts as a zombie connection only once the
        client has been reading for a whole interval since it went, and ``silence_timeout``
        counts only time spent reading. Idempotent; allowed only while :attr:`can_pause_reading`.
        """
        if self._paused_at is not None:
            return
        if not self.can_pause_reading:
            raise LocalProtocolError(
                f"pause_reading in state {self.state.name}: read until Hello has arrived"
            )
        self._paused_at = now

    def resume_reading(self, now: float) -> None:
        """The client reads the transport again (idempotent; a no-op when not paused)."""
        paused = self._paused_at
        if paused is None:
            return
        self._paused_at = None
        self._reading_since = now
        self._last_receive += now - paused

    def restore_session(self, session_id: str, seq: int | None) -> None:
        """Take over a session another process (or an earlier run) established, so that the next
        connection RESUMEs it from ``seq`` instead of identifying. Allowed only between
        connections (state DISCONNECTED); ``seq`` None resumes from 0."""
        if not isinstance(session_id, str) or not session_id:
            raise ValueError("restore_session needs the non-empty session_id to resume")
        if seq is not None and (type(seq) is not int or seq < 0):
            raise ValueError(f"seq must be a non-negative int or None, not {seq!r}")
        if self.state is not State.DISCONNECTED:
            raise LocalProtocolError(
                f"restore_session in state {self.state.name}: only between connections"
            )
        self.session_id = session_id
        self.seq = seq

    def close(self, now: float) -> None:
        """Close the gateway for good (the session is not kept)."""
        if self.state in (State.CLOSED, State.FAILED):
            return
        live = self.state in LIVE_STATES
        self._transition(Input.CLOSE, local=True)
        if live:
            self._outgoing.append(CloseConnection(CLOSE_NORMAL, "client closing"))
        self.session_id = None
        self._events.append(Closed())

    # ---------------------------------------------------------------- internals

    def _transition(self, event: Input, *, local: bool) -> None:
        nxt = TRANSITIONS.get((self.state, event))
        if nxt is None:
            cls = LocalProtocolError if local else RemoteProtocolError
            raise cls(f"{event.value} is not allowed in state {self.state.name}")
        self.state = nxt
        self._live = nxt in LIVE_STATES

    def _protocol_error(self, message: str, now: float) -> None:
        self._end(
            close_code_info(None),
            f"protocol error: {message}",
            now,
            close=CLOSE_RECONNECT,
            rejected=True,
        )

    def _remote_violation(self, message: str, now: float) -> NoReturn:
        self._protocol_error(message, now)
        raise RemoteProtocolError(message)

    def _on_hello(self, d: Any, raw: str | bytes, now: float) -> None:
        if self.state is not State.AWAITING_HELLO:
            self._remote_violation(f"Hello received in state {self.state.name}", now)
        interval: Any = d.get("heartbeat_interval") if type(d) is dict else None
        if type(interval) not in (int, float) or not 0 < interval < 3_600_000:
            self._remote_violation(
                f"Hello without a valid heartbeat_interval: {_excerpt(raw, 80)!r}", now
            )
        seconds = float(interval) / 1000.0
        clamped_from = None
        first_clamp = False
        floor = self.config.min_heartbeat_interval
        if seconds < floor:
            clamped_from, seconds = seconds, floor
            first_clamp = not self._clamp_reported
            self._clamp_reported = True
        self.heartbeat_interval = seconds
        self._hello_deadline = None
        fraction = self._rng.random() if self.config.first_heartbeat_jitter else 1.0
        self._heartbeat_due = now + seconds * fraction
        self._events.append(Hello(seconds, clamped_from, first_clamp))
        if self.session_id is not None:
            self._transition(Input.HELLO_RESUME, local=False)
            self._send(
                Opcode.RESUME,
                {"token": self._auth(), "session_id": self.session_id, "seq": self.seq or 0},
            )
        else:
            self._transition(Input.HELLO_IDENTIFY, local=False)
            self._try_identify(now)

    def _try_identify(self, now: float) -> None:
        shard = self.config.shard_id
        at = self.limiter.earliest(shard, now)
        if at > now:
            self._events.append(IdentifyDelayed(at))
            self._identify_at = at
            return
        self._identify_at = None
        self.limiter.record(shard, now)
        cfg = self.config
        self._send(
            Opcode.IDENTIFY,
            {
                "token": self._auth(),
                "intents": int(cfg.intents),
                "shard": [cfg.shard_id, cfg.shard_count],
                "properties": dict(cfg.properties),
            },
        )

    def _auth(self) -> str:
        return f"QQBot {self._token}"

    def _on_session_event(
        self, name: str, d: Any, seq: int | None, raw: str | bytes, now: float
    ) -> None:
        if name == "READY":
            self._on_ready(d, seq, raw, now)
        else:  # RESUMED
            if self.state is State.RESUMING:
                self._transition(Input.RESUMED, local=False)
                self._established_at = now
                self._just_resumed = True  # the count resets once the next payload is taken
            self._events.append(Resumed(seq))

    def _on_ready(self, d: Any, seq: int | None, raw: str | bytes, now: float) -> None:
        session_id = d.get("session_id") if type(d) is dict else None
        if type(session_id) is not str or not session_id:
            self._remote_violation(f"READY without a session_id: {_excerpt(raw, 80)!r}", now)
        assert type(d) is dict
        if self.state not in (State.IDENTIFYING, State.RESUMING):
            self._remote_violation(f"READY received in state {self.state.name}", now)
        self._transition(Input.READY, local=False)
        self._established_at = now
        self._failed_resumes = 0
        self.session_id = session_id
        user = d.get("user")
        shard = d.get("shard")
        version = d.get("version")
        self._events.append(
            Ready(
                session_id=session_id,
                user=user if type(user) is dict else {},
                shard=(shard[0], shard[1])
                if type(shard) is list and len(shard) == 2 and all(type(x) is int for x in shard)
                else None,
                version=version if type(version) is int else None,
                seq=seq,
                data=d,
            )
        )

    def _on_heartbeat_ack(self, now: float) -> None:
        sent = self._heartbeat_sent
        self._heartbeat_sent = None
        # a round trip that spans a pause in reading measured the pause, not the link
        latency = None if sent is None or self._reading_since > sent else now - sent
        if latency is not None:
            self.latency = latency
        self._events.append(HeartbeatAcked(latency))

    def _send_heartbeat(self, now: float) -> None:
        self._send(Opcode.HEARTBEAT, self.seq)
        self._heartbeat_sent = now
        assert self.heartbeat_interval is not None  # heartbeats start after Hello
        self._heartbeat_due = now + self.heartbeat_interval

    def _send(self, op: int, d: Any) -> None:
        self._outgoing.append(SendText(encode_payload(op, d)))

    def _end(
        self,
        info: CloseCodeInfo,
        reason: str,
        now: float,
        *,
        close: int | None = None,
        failure: bool = False,
        invalid_session: bool = False,
        rejected: bool = False,
    ) -> None:
        """End the connection, first closing the WebSocket with code ``close`` when given (the
        client ends it; None: the transport is gone already). ``failure``: back off whatever came
        before; ``invalid_session``: op 9's delay; ``rejected``: the client refused something it
        received (a protocol error, an oversized message)."""
        if close is not None:
            self._outgoing.append(CloseConnection(close, reason[:120]))
        established = self._established_at
        established_for = None if established is None else now - established
        resuming = self.state is State.RESUMING or self._just_resumed
        self._just_resumed = False
        self._established_at = self._paused_at = None
        self._hello_deadline = self._identify_at = self._heartbeat_due = None
        self._heartbeat_sent = None
        self._token = None
        action = info.action
        if action is CloseAction.FATAL:
            self._transition(Input.FATAL, local=False)
            self.session_id = None
            self._events.append(Disconnected(info.code, reason, False, True, False, None))
            return
        self._transition(Input.DISCONNECT, local=False)
        if action is not CloseAction.RESUME:
            self.session_id = None
            self.seq = None
        elif resuming and rejected:  # a replayed event the client cannot take, maybe
            same = self.seq == self._failed_seq
            self._failed_resumes = self._failed_resumes + 1 if same else 1
            self._failed_seq = self.seq
            if self._failed_resumes >= self.config.max_failed_resumes:
                reason = self._give_up_session(reason)
        delay = self._throttle.next_delay(established_for, failure=failure or info.code == 4008)
        if invalid_session:
            delay = max(delay, self._rng.uniform(*self.config.invalid_session_delay))
        not_before = now + delay
        resume = self.session_id is not None
        if not resume:
            not_before = self.limiter.earliest(self.config.shard_id, not_before)
        self._events.append(
            Disconnected(
                info.code, reason, resume, False, action is CloseAction.RENEW_TOKEN, not_before
            )
        )

    def _give_up_session(self, reason: str) -> str:
        """Resumes keep failing at the same sequence number: forget the session (the next
        connection identifies anew) and report what is lost. Returns the ending's reason."""
        session_id = self.session_id
        assert session_id is not None  # a resume was under way
        failed = self._failed_resumes
        lost = f"{failed} resumes in a row failed at seq {self.seq} (the last: {reason})"
        self._events.append(EventsLost(session_id, self.seq, lost))
        self.session_id = None
        self.seq = None
        return f"{reason}; {failed} resumes failed at the same seq: identifying anew"
