"""The reconnect throttle: how long to wait before dialling the gateway again.

Reconnects after a connection ended (op 7, 4009, a dropped transport) go almost at once, with a
small jitter so that many shards do not reconnect in the same instant. Failures (a connect that
failed, 4008, no Hello) back off exponentially with jitter up to ``cap``, and so does a crash loop
(several connections in a row that each died before their session was established): slowed down,
never given up on.
The count resets once a connection has stayed up ``stable_after`` seconds. Randomness comes from
the injected RNG.
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
    crash_loop: int = 3
    """This many connections in a row that died before READY/RESUMED are a crash loop."""
    stable_after: float = 60.0
    """A connection that lived this long resets the failure count."""


class ReconnectThrottle:
    """Pure reconnect-delay policy; feed it connection lifetimes, get delays."""

    __slots__ = ("_rng", "config", "failures")

    def __init__(self, rng: random.Random, config: BackoffConfig | None = None) -> None:
        self._rng = rng
        self.config = config or BackoffConfig()
        self.failures = 0

    def next_delay(
        self, lifetime: float | None, *, established: bool = True, failure: bool = False
    ) -> float:
        """The delay before the next connect.

        ``lifetime`` is how long the connection that just ended had been open (None: it never
        opened); ``established`` whether its session got going (READY or RESUMED). ``failure``
        marks an ending that must back off whatever the lifetime (4008, no Hello). Other endings
        reconnect quickly unless they form a crash loop: ``crash_loop`` connections in a row that
        each died before their session was established.
        """
        cfg = self.config
        if lifetime is not None and lifetime >= cfg.stable_after:
            self.failures = 0
        if failure or lifetime is None:
            self.failures += 1
            return self._exponential()
        if not established:
            self.failures += 1
        if self.failures < cfg.crash_loop:
            return self._rng.uniform(0.0, cfg.quick_jitter)
        return self._exponential()

    def _exponential(self) -> float:
        cfg = self.config
        ceiling = min(cfg.cap, cfg.base * 2.0 ** min(self.failures - 1, 62))
        return ceiling / 2.0 + self._rng.uniform(0.0, ceiling / 2.0)
