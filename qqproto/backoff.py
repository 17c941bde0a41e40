"""The reconnect throttle: how long to wait before dialling the gateway again.

Server-requested reconnects (op 7, 4009, a long-lived connection that dropped) go almost at once,
with a small jitter so that many shards do not reconnect in the same instant. Failures (a connect
that failed, a connection that died within ``crash_window`` of opening) back off exponentially with
jitter up to ``cap``; the count resets once a connection has stayed up ``stable_after`` seconds. A
crash loop is slowed down, never given up on. Randomness comes from the injected RNG.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BackoffConfig:
    base: float = 1.0
    """The first failure waits between base/2 and base seconds."""
    cap: float = 60.0
    """No wait is longer than this."""
    quick_jitter: float = 0.1
    """Server-requested reconnects wait a uniform delay in [0, quick_jitter]."""
    crash_window: float = 5.0
    """A connection that dies sooner than this after opening counts as a failure."""
    stable_after: float = 60.0
    """A connection that lived this long resets the failure count."""


class ReconnectThrottle:
    """Pure reconnect-delay policy; feed it connection lifetimes, get delays."""

    __slots__ = ("_rng", "config", "failures")

    def __init__(self, rng: random.Random, config: BackoffConfig | None = None) -> None:
        self._rng = rng
        self.config = config or BackoffConfig()
        self.failures = 0

    def next_delay(self, lifetime: float | None, *, failure: bool = False) -> float:
        """The delay before the next connect.

        ``lifetime`` is how long the connection that just ended had been open (None: it never
        opened). ``failure`` marks an ending that must back off whatever the lifetime (4008).
        """
        cfg = self.config
        if lifetime is not None and lifetime >= cfg.stable_after:
            self.failures = 0
        if failure or lifetime is None or lifetime < cfg.crash_window:
            self.failures += 1
        if self.failures == 0:
            return self._rng.uniform(0.0, cfg.quick_jitter)
        ceiling = min(cfg.cap, cfg.base * 2.0 ** min(self.failures - 1, 62))
        return ceiling / 2.0 + self._rng.uniform(0.0, ceiling / 2.0)
