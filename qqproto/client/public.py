"""The names both adapters re-export (``from qqproto.client.public import *``)."""

from __future__ import annotations

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
from qqproto.client.asgi import WebhookApp, webhook_app
from qqproto.client.context import Context
from qqproto.client.handler import EventHandler
from qqproto.client.rest import BotApi, TransportError
from qqproto.client.webhook import WebhookOptions
from qqproto.errors import (
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
    "WebhookApp",
    "WebhookOptions",
    "message",
    "models",
    "webhook_app",
]
