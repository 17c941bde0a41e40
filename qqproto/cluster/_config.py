"""The one value object configuring cluster mode: :class:`ClusterConfig`."""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass

__all__ = ["ClusterConfig"]


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Run this bot as one of several processes sharing its shards through Redis.

    ``Client(..., cluster=ClusterConfig("redis://host:6379/0"))`` on either adapter.
    Every process of one bot (same app id) uses the same ``redis_url`` and ``namespace``.

    - ``lease_ttl``: seconds a shard lease lives without a renewal. A dead process's shards are
      taken over this long after its last renewal; a process that cannot renew stops the shard
      :attr:`stop_margin` before that.
    - ``renew_every``: seconds between renewals (default ``lease_ttl / 3``).
    - ``node_id``: this process's name in Redis (default: random, from the client's RNG).
    - ``publish``: publish dispatches to the ``P:events`` stream for workers instead of
      running handlers here (the gateway/worker split).
    - ``event_window``: seconds the per-event ``done``/``inflight`` marks live.
    - ``webhook_dedup_window``: seconds a webhook event id is remembered by all instances.
    """

    redis_url: str
    _: KW_ONLY
    namespace: str = "qqbot"
    lease_ttl: float = 10.0
    renew_every: float | None = None
    node_id: str | None = None
    publish: bool = False
    event_window: float = 3600.0
    webhook_dedup_window: float = 300.0

    def __post_init__(self) -> None:
        if not isinstance(self.redis_url, str) or not self.redis_url.startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError(
                "redis_url must be a redis://, rediss:// or unix:// URL such as "
                "'redis://127.0.0.1:6379/0'"
            )
        if not isinstance(self.namespace, str) or not self.namespace or "|" in self.namespace:
            raise ValueError("namespace must be a non-empty str without '|'")
        for name in ("lease_ttl", "event_window", "webhook_dedup_window"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
        if self.lease_ttl < 0.3:
            raise ValueError("lease_ttl must be at least 0.3 s (renewals need round trips)")
        if self.renew_every is not None and not 0 < self.renew_every <= self.lease_ttl / 2:
            raise ValueError(
                "renew_every must be positive and at most lease_ttl / 2, so that one renewal "
                "may fail without losing the lease"
            )
        if self.node_id is not None and (
            not isinstance(self.node_id, str) or not self.node_id or "|" in self.node_id
        ):
            raise ValueError("node_id must be a non-empty str without '|'")

    @property
    def renew_interval(self) -> float:
        """Seconds between renewals (``renew_every`` or ``lease_ttl / 3``)."""
        return self.renew_every if self.renew_every is not None else self.lease_ttl / 3

    @property
    def stop_margin(self) -> float:
        """How long before its lease could expire in Redis a shard that was not renewed is
        stopped: a fifth of the TTL, at most 1 s (clock rate drift and the stop itself)."""
        return min(self.lease_ttl / 5, 1.0)

    @property
    def lease_ttl_ms(self) -> int:
        return max(1, round(self.lease_ttl * 1000))

    @property
    def event_window_ms(self) -> int:
        return max(1, round(self.event_window * 1000))
