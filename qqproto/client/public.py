"""The names both adapters re-export (``from qqproto.client.public import *``)."""

from __future__ import annotations

import importlib
from typing import Any

from qqproto import message as message
from qqproto import models
from qqproto.api.call import Call
from qqproto.api_errors import (
    ApiError,
    AuditPendingError,
    AuthError,
    ForbiddenError,
    IpNotWhitelistedError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)
from qqproto.auth import Token
from qqproto.client.context import Context
from qqproto.client.handler import EventHandler
from qqproto.client.rest import BotApi, TransportError
from qqproto.errors import (
    EventsLostError,
    GatewayClosedError,
    LocalProtocolError,
    ProtocolError,
    QQError,
    RemoteProtocolError,
)
from qqproto.gateway_events import Disconnected
from qqproto.intents import Intents
from qqproto.message import Message as OutgoingMessage

__all__ = [
    "ApiError",
    "AuditPendingError",
    "AuthError",
    "BotApi",
    "Call",
    "Context",
    "Disconnected",
    "EventHandler",
    "EventsLostError",
    "ForbiddenError",
    "GatewayClosedError",
    "Intents",
    "IpNotWhitelistedError",
    "LocalProtocolError",
    "NotFoundError",
    "OutgoingMessage",
    "ProtocolError",
    "QQError",
    "QuotaExceededError",
    "RateLimitedError",
    "RemoteProtocolError",
    "ServerError",
    "Token",
    "TransportError",
    "UnauthorizedError",
    "message",
    "models",
]

_LAZY = {
    "WebhookOptions": "qqproto.client.webhook",
    "WebhookApp": "qqproto.client.asgi",
    "webhook_app": "qqproto.client.asgi",
}
LAZY_NAMES = tuple(_LAZY)
"""Webhook names, loaded on first use so that a gateway bot never imports the webhook server."""


def lazy_attribute(module: str, name: str) -> Any:
    """The adapters' module ``__getattr__``: a webhook name from its module, or AttributeError."""
    source = _LAZY.get(name)
    if source is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return getattr(importlib.import_module(source), name)
