"""Gateway discovery answers: ``GET /gateway`` and ``GET /gateway/bot`` (shards, session limits)."""

from __future__ import annotations

from qqproto.models._base import Model


class SessionStartLimitInfo(Model, frozen=True, kw_only=True):
    """``session_start_limit`` as ``GET /gateway/bot`` sends it: how many sessions may still be
    started (per 24 h, now, and per 5-second window), ``reset_after`` in milliseconds, any field
    possibly absent. The identify limiter takes it as a :class:`qqproto.SessionStartLimit`
    (:func:`qqproto.gateway.session_limit_from_api`)."""

    total: int | None = None
    remaining: int | None = None
    reset_after: int | None = None
    max_concurrency: int | None = None


class GatewayInfo(Model, frozen=True, kw_only=True):
    """``GET /gateway``: the WebSocket URL."""

    url: str | None = None


class GatewayBotInfo(Model, frozen=True, kw_only=True):
    """``GET /gateway/bot``: the URL, the suggested shard count and the session budget."""

    url: str | None = None
    shards: int | None = None
    session_start_limit: SessionStartLimitInfo | None = None
