"""The identify limiter shared by all shards of one client.

The platform allows ``max_concurrency`` new sessions per 5-second window, one per bucket
(``bucket = shard_id % max_concurrency``), and at most ``session_start_limit.remaining`` sessions
until the budget resets ``reset_after`` milliseconds later. Resumes do not count. Times are the
caller's monotonic clock; the limiter never reads one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from qqproto._errors import LocalProtocolError

if TYPE_CHECKING:
    from typing import Protocol

    class ApiSessionStartLimit(Protocol):
        """``session_start_limit`` as ``GET /gateway/bot`` sends it (``reset_after`` in ms, any
        field possibly absent): :class:`qqproto.models.SessionStartLimitInfo`, which the gateway
        does not import (it sits below the models)."""

        @property
        def total(self) -> int | None: ...
        @property
        def remaining(self) -> int | None: ...
        @property
        def reset_after(self) -> int | None: ...
        @property
        def max_concurrency(self) -> int | None: ...


IDENTIFY_WINDOW = 5.0
SESSION_BUDGET_PERIOD = 24 * 3600.0


class SessionStartLimit(msgspec.Struct, frozen=True):
    """``session_start_limit`` from ``GET /gateway/bot``; ``reset_after`` is in seconds."""

    total: int
    remaining: int
    reset_after: float
    max_concurrency: int


def session_limit_from_api(limit: ApiSessionStartLimit | None) -> SessionStartLimit | None:
    """``session_start_limit`` as ``GET /gateway/bot`` gives it (optional fields, ``reset_after``
    in milliseconds) as a :class:`SessionStartLimit`; None when it says nothing usable."""
    if limit is None or limit.remaining is None:
        return None
    return SessionStartLimit(
        total=limit.total if limit.total is not None else limit.remaining,
        remaining=limit.remaining,
        reset_after=(limit.reset_after or 0) / 1000.0,
        max_concurrency=limit.max_concurrency or 1,
    )


class IdentifyLimiter:
    """Decides the earliest time a shard may identify, and records identifies as they go out.

    One instance is shared by every shard of a client that uses one clock.
    """

    def __init__(
        self,
        max_concurrency: int = 1,
        *,
        window: float = IDENTIFY_WINDOW,
        limit: SessionStartLimit | None = None,
        now: float = 0.0,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if window <= 0:
            raise ValueError("window must be positive")
        self.max_concurrency = max_concurrency
        self.window = window
        self._last: dict[int, float] = {}
        self._total: int | None = None
        self._remaining: int | None = None
        self._reset_at = 0.0
        if limit is not None:
            self.update_limit(limit, now)

    def update_limit(self, limit: SessionStartLimit, now: float) -> None:
        """Adopt a fresh ``session_start_limit`` (as read at ``now``)."""
        if limit.max_concurrency >= 1:
            self.max_concurrency = limit.max_concurrency
        self._total = max(0, limit.total)
        self._remaining = max(0, limit.remaining)
        self._reset_at = now + max(0.0, limit.reset_after)

    @property
    def remaining(self) -> int | None:
        """Sessions left in the current budget (None when no limit is known)."""
        return self._remaining

    def bucket(self, shard_id: int) -> int:
        return shard_id % self.max_concurrency

    def _budget_time(self, now: float) -> float:
        if self._remaining is None or self._remaining > 0 or now >= self._reset_at:
            return now
        return self._reset_at

    def earliest(self, shard_id: int, now: float) -> float:
        """The earliest time (>= ``now``) at which ``shard_id`` may send an identify."""
        last = self._last.get(self.bucket(shard_id))
        by_window = now if last is None else max(now, last + self.window)
        return max(by_window, self._budget_time(now))

    def record(self, shard_id: int, now: float) -> None:
        """Record that ``shard_id`` sent an identify at ``now``.

        Raises ``LocalProtocolError`` if that breaks the limits (call :meth:`earliest` first).
        """
        if self.earliest(shard_id, now) > now:
            raise LocalProtocolError(
                f"shard {shard_id} may not identify before t={self.earliest(shard_id, now):.3f}"
            )
        if self._remaining is not None and self._total is not None:
            if now >= self._reset_at:
                # The daily budget has reset; until told otherwise assume a fresh day.
                self._remaining = self._total
                self._reset_at = now + SESSION_BUDGET_PERIOD
            self._remaining = max(0, self._remaining - 1)
        self._last[self.bucket(shard_id)] = now
