"""The webhook (HTTP callback) protocol, sans-IO.

:class:`WebhookReceiver` verifies the platform's Ed25519 signatures, answers the op 13 URL
validation, acknowledges pushes and remembers what it has seen, as a function of the request's
bytes and ``now``. The HTTP server around it lives in :mod:`qqproto.client`.
"""

from __future__ import annotations

from qqproto.webhook._receiver import (
    ACK_BODY,
    DEFAULT_DEDUP_CAPACITY,
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMESTAMP_WINDOW,
    HEADER_APPID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SEED_SIZE,
    SIGNATURE_SIZE,
    Headers,
    WebhookDependencyError,
    WebhookEvent,
    WebhookKey,
    WebhookReceiver,
    WebhookResult,
    derive_seed,
    validation_body,
)

__all__ = [
    "ACK_BODY",
    "DEFAULT_DEDUP_CAPACITY",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_TIMESTAMP_WINDOW",
    "HEADER_APPID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "SEED_SIZE",
    "SIGNATURE_SIZE",
    "Headers",
    "WebhookDependencyError",
    "WebhookEvent",
    "WebhookKey",
    "WebhookReceiver",
    "WebhookResult",
    "derive_seed",
    "validation_body",
]
