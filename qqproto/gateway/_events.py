"""What the gateway machine reports (events) and asks the adapter to do (outputs).

Events carry the decisions (``resume``, ``fatal``, ``renew_token``, ``not_before``) so that no
adapter re-derives policy. All are frozen :class:`msgspec.Struct` classes (built in C, cheap to
import and to create); do not subclass them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from qqproto._errors import EventsLostError, GatewayClosedError
from qqproto._json import loads


class Hello(msgspec.Struct, frozen=True):
    """The server said hello; heartbeats will go every ``heartbeat_interval`` seconds.

    ``clamped_from`` is the interval the server asked for when it was below
    ``GatewayConfig.min_heartbeat_interval`` (then ``heartbeat_interval`` is that floor), else
    None; ``first_clamp`` is true the first time this gateway connection clamped (worth a
    warning; later ones are routine).
    """

    heartbeat_interval: float
    clamped_from: float | None = None
    first_clamp: bool = False


class Ready(msgspec.Struct, frozen=True):
    """A new session started (READY): ``session_id``, the bot's ``user`` and the ``shard``."""

    session_id: str
    user: Mapping[str, Any]
    shard: tuple[int, int] | None
    version: int | None
    seq: int | None
    data: Mapping[str, Any]

    def __repr__(self) -> str:  # ``data`` is left out: the whole READY payload
        return (
            f"Ready(session_id={self.session_id!r}, user={self.user!r}, shard={self.shard!r}, "
            f"version={self.version!r}, seq={self.seq!r})"
        )


class Resumed(msgspec.Struct, frozen=True):
    """The session resumed (RESUMED); every missed event was replayed before this one."""

    seq: int | None


class Dispatch(msgspec.Struct, frozen=True, gc=False):
    """One dispatched event: name ``t``, sequence ``s``, top-level ``id`` and ``d`` as the raw
    JSON text it arrived as (``raw``; :attr:`data` decodes it). ``qqproto.models.parse_event``
    turns ``raw`` into the typed event in one pass.

    Built per dispatch without a GC header (``gc=False``: it holds no containers).
    """

    name: str
    seq: int | None
    event_id: str | None
    raw: msgspec.Raw

    @property
    def data(self) -> Any:
        """``d`` as plain JSON values (decoded on each access)."""
        return loads(self.raw, f"{self.name} 'd'")


class DuplicateDropped(msgspec.Struct, frozen=True):
    """A dispatch whose ``id`` was already delivered arrived again and was not delivered twice."""

    name: str
    seq: int | None
    event_id: str


class HeartbeatAcked(msgspec.Struct, frozen=True):
    """The server acknowledged a heartbeat; ``latency`` in seconds (None if none was pending, or
    if reading was paused since it went: the round trip is not known)."""

    latency: float | None


class UnknownPayload(msgspec.Struct, frozen=True):
    """A payload with an opcode this library does not know; kept, not dropped.

    ``raw`` is the start of the payload's text (at most 200 characters): log that, not ``data``.
    """

    op: int
    data: Any
    raw: str

    def __repr__(self) -> str:  # ``data`` is left out: ``raw`` is its start
        return f"UnknownPayload(op={self.op!r}, raw={self.raw!r})"


class EventsLost(msgspec.Struct, frozen=True):
    """The session was given up and the events after ``after_seq`` in it are lost.

    Resumes kept failing at the same sequence number (``GatewayConfig.max_failed_resumes``), so
    the gateway identifies anew instead of retrying forever; typically the server replays an
    event the client cannot take (larger than ``max_payload_size``). ``reason`` says why;
    :meth:`error` is what to report to the bot.
    """

    session_id: str
    after_seq: int | None
    reason: str

    def error(self) -> EventsLostError:
        """The exception that reports the loss to the bot (``on_error``)."""
        return EventsLostError(self.session_id, self.after_seq, self.reason)


class IdentifyDelayed(msgspec.Struct, frozen=True):
    """Identify must wait for the shared identify limiter until ``until``."""

    until: float


class Disconnected(msgspec.Struct, frozen=True):
    """The connection is over (or must be ended). The decision about what comes next:

    - ``fatal``: do not reconnect; raise :meth:`error`.
    - otherwise reconnect at ``not_before`` (monotonic seconds); the next session will
      ``resume`` or identify anew, and the access token must be renewed first if ``renew_token``.
    """

    code: int | None
    reason: str
    resume: bool
    fatal: bool
    renew_token: bool
    not_before: float | None

    def error(self) -> GatewayClosedError:
        """The exception that reports a fatal ending to the user."""
        return GatewayClosedError(self.code, self.reason)


class Closed(msgspec.Struct, frozen=True):
    """The client closed the gateway for good (``close()``)."""


GatewayEvent = (
    Hello
    | Ready
    | Resumed
    | Dispatch
    | DuplicateDropped
    | HeartbeatAcked
    | UnknownPayload
    | IdentifyDelayed
    | EventsLost
    | Disconnected
    | Closed
)


class SendText(msgspec.Struct, frozen=True):
    """Send this text message on the WebSocket."""

    text: str


class CloseConnection(msgspec.Struct, frozen=True):
    """Close the WebSocket with this code and reason, then drop the transport."""

    code: int
    reason: str


Output = SendText | CloseConnection
