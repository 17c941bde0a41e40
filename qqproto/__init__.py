"""qqproto: the sans-IO protocol core of qqbot.

Bytes and ``now`` go in; typed events and bytes to send come out. One subpackage per protocol:

* :mod:`qqproto.gateway` — the WebSocket gateway: state machine, wire framing, opcodes, close
  codes, intents, identify limiter, reconnect throttle;
* :mod:`qqproto.rest` — HTTP codec, access token, retry decisions, API errors, route catalogue;
* :mod:`qqproto.webhook` — the HTTP-callback receiver (signatures, validation, dedup);
* :mod:`qqproto.models` — typed models of every API object and dispatch event;
* :mod:`qqproto.outgoing` — outgoing message building and passive replies;
* :mod:`qqproto.sim` — the simulated platform for tests and demos.

None of these does IO, reads a clock or draws global randomness. :mod:`qqproto.client` is the one
layer that awaits IO, and only the IO an adapter (``qqbot_asyncio``, ``qqbot_trio``) lends it.
Every exception is defined in one module and re-exported here.
"""

from __future__ import annotations

from qqproto import _moved
from qqproto._errors import (
    ApiError,
    AuditPendingError,
    AuthError,
    ChunkedUploadError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    EventsLostError,
    ForbiddenError,
    GatewayClosedError,
    InvalidJSON,
    InvalidModel,
    IpNotWhitelistedError,
    LocalProtocolError,
    MalformedTokenResponse,
    NotFoundError,
    PlatformRefusal,
    PresignedPutError,
    ProtocolError,
    QQError,
    QuotaExceededError,
    RateLimitedError,
    RemoteProtocolError,
    ServerError,
    StreamEntryError,
    StreamError,
    TlsError,
    TokenFetchError,
    TokenRefused,
    TransportError,
    UnauthorizedError,
    UsageError,
    WebhookDependencyError,
)
from qqproto._version import __version__
from qqproto.gateway import (
    CloseAction,
    GatewayConfig,
    GatewayConnection,
    IdentifyLimiter,
    Intents,
    Opcode,
    SessionStartLimit,
    WireConnection,
    close_code_info,
)
from qqproto.rest import Token

_moved.install()

__all__ = [
    "ApiError",
    "AuditPendingError",
    "AuthError",
    "ChunkedUploadError",
    "CloseAction",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "EventsLostError",
    "ForbiddenError",
    "GatewayClosedError",
    "GatewayConfig",
    "GatewayConnection",
    "IdentifyLimiter",
    "Intents",
    "InvalidJSON",
    "InvalidModel",
    "IpNotWhitelistedError",
    "LocalProtocolError",
    "MalformedTokenResponse",
    "NotFoundError",
    "Opcode",
    "PlatformRefusal",
    "PresignedPutError",
    "ProtocolError",
    "QQError",
    "QuotaExceededError",
    "RateLimitedError",
    "RemoteProtocolError",
    "ServerError",
    "SessionStartLimit",
    "StreamEntryError",
    "StreamError",
    "TlsError",
    "Token",
    "TokenFetchError",
    "TokenRefused",
    "TransportError",
    "UnauthorizedError",
    "UsageError",
    "WebhookDependencyError",
    "WireConnection",
    "__version__",
    "close_code_info",
]
