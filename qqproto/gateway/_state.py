"""The gateway connection's states and every legal transition, kept together as data."""

from __future__ import annotations

import enum


class State(enum.Enum):
    DISCONNECTED = "disconnected"
    """No connection; waiting to (re)connect."""
    AWAITING_HELLO = "awaiting_hello"
    """Transport open; the server's Hello has not come yet."""
    IDENTIFYING = "identifying"
    """Identify pending or sent; waiting for READY."""
    RESUMING = "resuming"
    """Resume sent; missed events are being replayed until RESUMED."""
    CONNECTED = "connected"
    """The session is live."""
    FAILED = "failed"
    """A fatal close code ended the session; terminal."""
    CLOSED = "closed"
    """The client closed the gateway; terminal."""


class Input(enum.Enum):
    CONNECT = "connect"
    HELLO_IDENTIFY = "hello_identify"
    HELLO_RESUME = "hello_resume"
    READY = "ready"
    RESUMED = "resumed"
    DISCONNECT = "disconnect"
    FATAL = "fatal"
    CLOSE = "close"


_LIVE = (State.AWAITING_HELLO, State.IDENTIFYING, State.RESUMING, State.CONNECTED)

TRANSITIONS: dict[tuple[State, Input], State] = {
    (State.DISCONNECTED, Input.CONNECT): State.AWAITING_HELLO,
    (State.DISCONNECTED, Input.DISCONNECT): State.DISCONNECTED,
    (State.AWAITING_HELLO, Input.HELLO_IDENTIFY): State.IDENTIFYING,
    (State.AWAITING_HELLO, Input.HELLO_RESUME): State.RESUMING,
    (State.IDENTIFYING, Input.READY): State.CONNECTED,
    (State.RESUMING, Input.READY): State.CONNECTED,
    (State.RESUMING, Input.RESUMED): State.CONNECTED,
    **{(s, Input.DISCONNECT): State.DISCONNECTED for s in _LIVE},
    **{(s, Input.FATAL): State.FAILED for s in (*_LIVE, State.DISCONNECTED)},
    **{(s, Input.CLOSE): State.CLOSED for s in (*_LIVE, State.DISCONNECTED)},
}
"""(state, input) -> next state. A pair not listed is illegal."""

LIVE_STATES = frozenset(_LIVE)
"""States in which a transport is open."""
