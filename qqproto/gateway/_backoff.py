"""The reconnect throttle: how long to wait before dialling the gateway again.

A connection that ends after its session had been established (READY or RESUMED) for at least
``stable_after`` seconds was stable: the reconnect goes almost at once (op 7, 4009 or a dropped
transport on a healthy session), with a small jitter so that many shards do not reconnect in the
same instant, and the count of unstable connections starts again from zero. Every other ending is
unstable: a connection that never got its session going, or whose session died young (a server
that accepts the session and closes it at once, in a loop). The first ``crash_loop - 1`` unstable
endings in a row still reconnect quickly; from the ``crash_loop``-th on the wait grows
exponentially with jitter up to ``cap``: slowed down, never given up on. Failures (a connect that
failed, 4008, no Hello) back off exponentially whatever came before. Randomness comes from the
injected RNG.
"""

from __future__ import annotations

import random

import msgspec


class BackoffConfig(msgspec.Struct, frozen=True):
    base: float = 1.0
    """The first exponential wait is between base/2 and base seconds; each next one doubles."""
    cap: float = 60.0
    """No wait is longer than this."""
    quick_jitter: float = 0.1
    """Quick reconnects wait a uniform delay in [0, quick_jitter]."""
    crash_loop: int = 3
    """This many unstable connections in a row are a crash loop: from then on, back off."""
    stable_after: float = 60.0
    """A session established (READY/RESUMED) for this long was stable: its ending reconnects
    quickly and resets the count. The default is longer than one heartbeat interval of the
    platform (41.25 s), so a stable session has had a heartbeat acknowledged, and far shorter
    than the platform's routine closes (4009 about every 30 min), which therefore always find the
    session stable."""


class ReconnectThrottle:
    """Pure reconnect-delay policy; feed it how each connection ended, get delays."""

    __slots__ = ("_rng", "config", "failures")

    def __init__(self, rng: random.Random, config: BackoffConfig | None = None) -> None:
        self._rng = rng
        self.config = config or BackoffConfig()
        self.failures = 0
        """Unstable connections and failures in a row (since the last stable session)."""

    def next_delay(self, established_for: float | None, *, failure: bool = False) -> float:
        """The delay before the next connect.

        ``established_for`` is how long the connection that just ended had had its session
        established (READY or RESUMED), None if it never had. ``failure`` marks an ending that
        must back off whatever came before (a failed connect, 4008, no Hello).
        """
        cfg = self.config
        if established_for is not None and established_for >= cfg.stable_after:
            self.failures = 0
            if not failure:
                return self._rng.uniform(0.0, cfg.quick_jitter)
        self.failures += 1
        if not failure and self.failures < cfg.crash_loop:
            return self._rng.uniform(0.0, cfg.quick_jitter)
        ceiling = min(cfg.cap, cfg.base * 2.0 ** min(self.failures - 1, 62))
        return ceiling / 2.0 + self._rng.uniform(0.0, ceiling / 2.0)
