"""Webhook deduplication shared by every instance behind a load balancer: the sans-IO part.

The platform retries a push it got no 2xx for, with the same event id, and a load balancer may
send the retry to another instance than the first attempt. Each instance's
:class:`~qqproto.webhook.WebhookReceiver` remembers what *it* saw; across instances one Redis
command decides which one handles a push::

    SET {namespace}:{app_id}:webhook:{event id} 1 NX PX {webhook_dedup_window in ms}

The instance whose ``SET`` succeeded handles the event; every other one acknowledges it (so the
platform stops retrying) without handling it. A push without an event id is keyed by its
signature instead (``...:webhook:sig:{hex}``: one signature per timestamp and body).

This module builds the key and the ``PX`` and reads the reply; ``qqproto.client._webhook_server``
sends the command with coredis, waiting at most :data:`WEBHOOK_DEDUP_TIMEOUT` seconds (see
docs/deployment.md for what happens when Redis does not answer in time).
"""

from __future__ import annotations

import enum
import math

from qqproto.cluster._keys import ClusterKeys

__all__ = [
    "WEBHOOK_DEDUP_TIMEOUT",
    "WebhookVerdict",
    "webhook_dedup_key",
    "webhook_dedup_px",
    "webhook_verdict",
]

WEBHOOK_DEDUP_TIMEOUT = 1.0
"""Seconds the answer to a push waits for the shared check before handling the push anyway."""


class WebhookVerdict(enum.Enum):
    """What the shared check decided for one push."""

    FIRST = "first"
    """This instance marked it first: handle it."""
    DUPLICATE = "duplicate"
    """Another attempt (here or on another instance) marked it within the window: ack only."""
    UNCHECKED = "unchecked"
    """Redis failed or did not answer in time: handle it anyway (at least once, not lost)."""


def webhook_dedup_key(
    namespace: str, app_id: str, event_id: str | None, signature: str | None = None
) -> str:
    """The Redis key marking a push: by ``event_id``, or by its ``signature`` (hex) without one.

    Raises ValueError when both are missing or empty (the receiver never passes on such a
    push: it is unsigned)."""
    keys = ClusterKeys(namespace, app_id)
    if event_id:
        return keys.webhook(event_id)
    if signature:
        return keys.webhook("sig:" + signature.strip().lower())
    raise ValueError("a webhook push needs an event id or a signature to be deduplicated")


def webhook_dedup_px(window: float) -> int:
    """The ``PX`` of the command: ``window`` seconds in whole milliseconds, rounded up."""
    if not window > 0 or math.isinf(window):
        raise ValueError(f"webhook_dedup_window must be a positive number of seconds, not {window}")
    return max(1, math.ceil(window * 1000))


def webhook_verdict(reply: object) -> WebhookVerdict:
    """The verdict of ``SET ... NX``'s reply: ``OK`` (or True, as clients decode it) marks the
    push first; a null reply (None, or False) marks a duplicate."""
    if reply is True or reply in ("OK", b"OK"):
        return WebhookVerdict.FIRST
    if reply is None or reply is False:
        return WebhookVerdict.DUPLICATE
    raise ValueError(f"unexpected reply to SET NX: {reply!r}")
