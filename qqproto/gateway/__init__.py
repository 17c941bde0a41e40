"""The gateway protocol (WebSocket), sans-IO.

:class:`GatewayConnection` turns gateway payloads and ``now`` into events, payloads to send and one
deadline; :class:`WireConnection` adds the WebSocket framing (wsproto) so socket bytes go in and
out. Beside them: opcodes, close codes and what each means, intents, the identify limiter, the
reconnect throttle and the memory of seen event ids. Nothing here does IO or reads a clock.
"""

from __future__ import annotations

from qqproto.gateway._backoff import (
    BackoffConfig,
    ReconnectThrottle,
)
from qqproto.gateway._close_codes import (
    FATAL_CODES,
    CloseAction,
    CloseCodeInfo,
    close_code_info,
)
from qqproto.gateway._connection import (
    CLOSE_NORMAL,
    CLOSE_RECONNECT,
    GatewayConfig,
    GatewayConnection,
)
from qqproto.gateway._dedup import (
    ExpiringKeys,
    Recall,
    RecentIds,
)
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
from qqproto.gateway._identify import (
    IDENTIFY_WINDOW,
    SESSION_BUDGET_PERIOD,
    IdentifyLimiter,
    SessionStartLimit,
    session_limit_from_api,
)
from qqproto.gateway._intents import (
    Intents,
)
from qqproto.gateway._opcodes import (
    Opcode,
)
from qqproto.gateway._payload import (
    DEFAULT_MAX_PAYLOAD_SIZE,
    Envelope,
    Payload,
    decode_envelope,
    decode_payload,
    encode_payload,
)
from qqproto.gateway._state import (
    LIVE_STATES,
    TRANSITIONS,
    Input,
    State,
)
from qqproto.gateway._wire import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_UPGRADE_TIMEOUT,
    WireConnection,
    WireState,
)

__all__ = [
    "CLOSE_NORMAL",
    "CLOSE_RECONNECT",
    "DEFAULT_CLOSE_TIMEOUT",
    "DEFAULT_MAX_PAYLOAD_SIZE",
    "DEFAULT_UPGRADE_TIMEOUT",
    "FATAL_CODES",
    "IDENTIFY_WINDOW",
    "LIVE_STATES",
    "SESSION_BUDGET_PERIOD",
    "TRANSITIONS",
    "BackoffConfig",
    "CloseAction",
    "CloseCodeInfo",
    "CloseConnection",
    "Closed",
    "Disconnected",
    "Dispatch",
    "DuplicateDropped",
    "Envelope",
    "EventsLost",
    "ExpiringKeys",
    "GatewayConfig",
    "GatewayConnection",
    "GatewayEvent",
    "HeartbeatAcked",
    "Hello",
    "IdentifyDelayed",
    "IdentifyLimiter",
    "Input",
    "Intents",
    "Opcode",
    "Output",
    "Payload",
    "Ready",
    "Recall",
    "RecentIds",
    "ReconnectThrottle",
    "Resumed",
    "SendText",
    "SessionStartLimit",
    "State",
    "UnknownPayload",
    "WireConnection",
    "WireState",
    "close_code_info",
    "decode_envelope",
    "decode_payload",
    "encode_payload",
    "session_limit_from_api",
]
