"""The client both adapters share, written once: the one layer of ``qqproto`` that does IO.

Everything else in :mod:`qqproto` is sans-IO. This package is the exception, and only in one way:
it is ``async`` code that *awaits the IO an adapter lends it*, the ``Io`` of
:mod:`qqproto.client._io` (``qqbot_asyncio`` and ``qqbot_trio`` each implement it over their
loop). It imports no event loop, opens no socket itself and reads no clock except through that
``Io``: the start-up sequence, the loop per shard, the dispatcher, the keep-alive HTTP pool, the
webhook server and ASGI app, the context and the handler base class. The adapters re-export the
names below (``from qqproto.client import *``).
"""

from __future__ import annotations

import importlib
from typing import Any

from qqproto import models
from qqproto import outgoing as message
from qqproto._errors import (
    ApiError,
    AuditPendingError,
    AuthError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    EventsLostError,
    ForbiddenError,
    GatewayClosedError,
    IpNotWhitelistedError,
    LocalProtocolError,
    NotFoundError,
    ProtocolError,
    QQError,
    QuotaExceededError,
    RateLimitedError,
    RemoteProtocolError,
    ServerError,
    TlsError,
    TransportError,
    UnauthorizedError,
)
from qqproto.client._audit import AuditVerdict, wait_audit
from qqproto.client._cluster import ClusterStatus
from qqproto.client._context import Context
from qqproto.client._handler import EventHandler
from qqproto.client._http_pool import BotApi
from qqproto.client._media import (
    ChunkedUploadError,
    ChunkedUploadState,
    FileType,
    PresignedPutError,
    upload_media,
)
from qqproto.client._streaming import StreamError, StreamResult, reply_stream
from qqproto.client._worker import WorkerStatus
from qqproto.cluster._config import ClusterConfig
from qqproto.gateway._events import Disconnected
from qqproto.gateway._intents import Intents
from qqproto.outgoing._message import OutgoingMessage
from qqproto.rest._auth import Token
from qqproto.rest._call import Call

__all__ = [
    "ApiError",
    "AuditPendingError",
    "AuditVerdict",
    "AuthError",
    "BotApi",
    "Call",
    "ChunkedUploadError",
    "ChunkedUploadState",
    "ClusterConfig",
    "ClusterStatus",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "Context",
    "Disconnected",
    "EventHandler",
    "EventsLostError",
    "FileType",
    "ForbiddenError",
    "GatewayClosedError",
    "Intents",
    "IpNotWhitelistedError",
    "LocalProtocolError",
    "NotFoundError",
    "OutgoingMessage",
    "PresignedPutError",
    "ProtocolError",
    "QQError",
    "QuotaExceededError",
    "RateLimitedError",
    "RemoteProtocolError",
    "ServerError",
    "StreamError",
    "StreamResult",
    "TlsError",
    "Token",
    "TransportError",
    "UnauthorizedError",
    "WorkerStatus",
    "message",
    "models",
    "reply_stream",
    "upload_media",
    "wait_audit",
]

_LAZY = {
    "WebhookOptions": "qqproto.client._webhook_server",
    "WebhookApp": "qqproto.client._asgi",
    "webhook_app": "qqproto.client._asgi",
    # the command router, also loaded on first use (it costs import time a bot may not need)
    "Command": "qqproto.client._commands",
    "CommandHandler": "qqproto.client._commands",
    "command": "qqproto.client._commands",
    "Rest": "qqproto.client._command_parse",
    "UsageError": "qqproto.client._command_parse",
}
LAZY_NAMES = tuple(_LAZY)
"""Names loaded on first use: the webhook ones (a gateway bot never imports the webhook server)
and the command router's."""


def lazy_attribute(module: str, name: str) -> Any:
    """The adapters' module ``__getattr__``: a webhook name from its module, or AttributeError."""
    source = _LAZY.get(name)
    if source is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return getattr(importlib.import_module(source), name)
