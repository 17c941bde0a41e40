"""qqproto: the sans-IO protocol core of qqbot.

Bytes and ``now`` go in; typed events and bytes to send come out. The gateway machine
(:mod:`qqproto.gateway`), the WebSocket wire layer (:mod:`qqproto.wire`), the REST codec
(:mod:`qqproto.http`), the access-token machine (:mod:`qqproto.auth`), the route catalogue
(:mod:`qqproto.api`), the models (:mod:`qqproto.models`) and the identify limiter and reconnect
throttle do no IO, read no clock and draw randomness only from an injected RNG.
"""

from __future__ import annotations

from qqproto._version import __version__
from qqproto.auth import Token
from qqproto.close_codes import CloseAction, close_code_info
from qqproto.errors import (
    EventsLostError,
    GatewayClosedError,
    LocalProtocolError,
    ProtocolError,
    QQError,
    RemoteProtocolError,
)
from qqproto.gateway import GatewayConfig, GatewayConnection
from qqproto.identify import IdentifyLimiter, SessionStartLimit
from qqproto.intents import Intents
from qqproto.opcodes import Opcode
from qqproto.wire import WireConnection

__all__ = [
    "CloseAction",
    "EventsLostError",
    "GatewayClosedError",
    "GatewayConfig",
    "GatewayConnection",
    "IdentifyLimiter",
    "Intents",
    "LocalProtocolError",
    "Opcode",
    "ProtocolError",
    "QQError",
    "RemoteProtocolError",
    "SessionStartLimit",
    "Token",
    "WireConnection",
    "__version__",
    "close_code_info",
]
