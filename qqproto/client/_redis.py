"""Cluster mode's Redis client: coredis (the ``redis`` extra), imported only when a client,
a worker or a webhook server is given a ``ClusterConfig``."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

REDIS_EXTRA_HINT = "cluster mode needs the redis extra: pip install 'qqbot[redis]' (coredis)"


def import_coredis() -> Any:
    """The coredis module, or an ImportError saying which extra installs it."""
    try:
        import coredis
    except ImportError as exc:  # pragma: no cover - the test extra brings it
        raise ImportError(REDIS_EXTRA_HINT) from exc
    return coredis


async def open_redis(stack: AsyncExitStack, url: str) -> Any:
    """A coredis client on ``url``, open until ``stack`` closes (it connects on first use)."""
    return await stack.enter_async_context(import_coredis().Redis.from_url(url))


def as_text(value: object) -> str:
    """A reply field as text: bytes decoded, None as ""."""
    if isinstance(value, bytes):
        return value.decode()
    return "" if value is None else str(value)
