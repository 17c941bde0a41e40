"""The shard-lease policy as a sans-IO machine: which shards to claim, renew, release or stop.

:class:`LeasePlanner` reads no clock and does no IO. The coordinator calls
:meth:`~LeasePlanner.handle_timer` at :meth:`~LeasePlanner.next_deadline`, runs the ``TICK``
script when it says so (one round trip: heartbeat in ``P:members``, renew every owned lease, see
which shards are free) and feeds the answer to :meth:`~LeasePlanner.tick_done`; the decisions
it gets back say which shards to claim, release (graceful: drain, store the session, delete the
lease) or stop at once (the lease is lost or about to be).

Safety: a lease renewed by a tick *sent* at ``t`` lives in Redis until at least ``t + ttl``
(Redis sets the expiry when it runs the script, after ``t``). The planner stops a shard whose
lease was not renewed by ``t + ttl - margin``, local time, so it is stopped before Redis can
hand it to another process (clock *rates* agree within far less than the margin; clock values
are never compared between machines).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from qqproto.cluster._scripts import TickStatus

__all__ = ["Claim", "Decision", "LeasePlanner", "OwnedLease", "Release", "Stop"]


@dataclass(frozen=True, slots=True)
class Claim:
    """Try to claim ``shard`` (the ``CLAIM`` script); report with :meth:`LeasePlanner.claimed`."""

    shard: int


@dataclass(frozen=True, slots=True)
class Release:
    """Hand ``shard`` over gracefully (fair share): drain it, store its session, release its
    lease (the ``RELEASE`` script), then :meth:`LeasePlanner.released`."""

    shard: int


@dataclass(frozen=True, slots=True)
class Stop:
    """Stop ``shard`` now (no renewal in time, or the lease is someone else's): close its
    connection without ending the session; then :meth:`LeasePlanner.released`."""

    shard: int
    reason: str


Decision = Claim | Release | Stop


@dataclass(slots=True)
class OwnedLease:
    """A shard this process holds: its fencing token and local stop deadline."""

    fence: int
    deadline: float
    """Local time by which the lease must be renewed, else the shard is stopped."""
    expires: float
    """Local time at which the lease may expire in Redis (``deadline + margin``)."""
    releasing: bool = False


class LeasePlanner:
    """Plans one process's share of ``shards`` (see the module docstring)."""

    def __init__(
        self,
        shards: Sequence[int],
        *,
        ttl: float,
        renew_every: float,
        margin: float,
        now: float,
    ) -> None:
        if not shards or len(set(shards)) != len(shards):
            raise ValueError("shards must be a non-empty sequence of distinct shard ids")
        if not 0 < margin < ttl or not 0 < renew_every < ttl - margin:
            raise ValueError("need 0 < margin < ttl and 0 < renew_every < ttl - margin")
        self.shards = tuple(shards)
        self.ttl = ttl
        self.renew_every = renew_every
        self.margin = margin
        self.owned: dict[int, OwnedLease] = {}
        self.members = 1
        self._next_tick: float | None = now
        """When the next tick is due (None: one is in flight)."""

    # ------------------------------------------------------------- outputs

    @property
    def share(self) -> int:
        """How many shards this process should hold: ceil(shards / live members)."""
        return math.ceil(len(self.shards) / max(1, self.members))

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must be called next (None: nothing until a tick answers)."""
        times = [lease.deadline for lease in self.owned.values()]
        if self._next_tick is not None:
            times.append(self._next_tick)
        return min(times) if times else None

    def tick_due(self, now: float) -> bool:
        """Whether the ``TICK`` script should be sent now (then call :meth:`tick_sent`)."""
        return self._next_tick is not None and now >= self._next_tick

    def tick_fences(self) -> list[str]:
        """``TICK``'s per-shard ARGV: the fence of each owned shard, '' for the others."""
        return [str(self.owned[s].fence) if s in self.owned else "" for s in self.shards]

    # ------------------------------------------------------------- inputs

    def handle_timer(self, now: float) -> list[Decision]:
        """Stop every shard whose deadline has passed (not renewed in time). Such a shard is
        no longer owned from here on: the next ``TICK`` must not renew its lease, and it bounds
        no Redis call any more."""
        expired = [shard for shard, lease in self.owned.items() if now >= lease.deadline]
        for shard in expired:
            del self.owned[shard]
        return [Stop(shard, "lease not renewed in time") for shard in expired]

    def tick_sent(self, now: float) -> None:
        """The ``TICK`` script is on its way (sent at ``now``)."""
        self._next_tick = None

    def tick_failed(self, sent_at: float, now: float) -> list[Decision]:
        """The tick got no answer (Redis unreachable): try again soon; deadlines stand."""
        self._next_tick = now + min(self.renew_every, self.margin / 2)
        return self.handle_timer(now)

    def tick_done(
        self, sent_at: float, members: int, statuses: Sequence[int], now: float
    ) -> list[Decision]:
        """``TICK`` (sent at ``sent_at``) answered: ``members`` live processes and a
        :class:`TickStatus` per shard of :attr:`shards`. Returns what to do now."""
        if len(statuses) != len(self.shards):
            raise ValueError(f"{len(statuses)} statuses for {len(self.shards)} shards")
        self.members = max(1, int(members))
        self._next_tick = sent_at + self.renew_every
        decisions: list[Decision] = []
        free: list[int] = []
        for shard, status in zip(self.shards, statuses, strict=True):
            lease = self.owned.get(shard)
            if lease is not None:
                if status == TickStatus.RENEWED:
                    lease.deadline = sent_at + self.ttl - self.margin
                    lease.expires = sent_at + self.ttl
                else:
                    decisions.append(Stop(shard, "lease lost"))
            elif status == TickStatus.FREE:
                free.append(shard)
        decisions += self.handle_timer(now)
        lost = {d.shard for d in decisions}
        holding = [s for s, lease in self.owned.items() if not lease.releasing and s not in lost]
        extra = len(holding) - self.share
        if extra > 0:
            for shard in sorted(holding, reverse=True)[:extra]:
                self.owned[shard].releasing = True
                decisions.append(Release(shard))
        elif extra < 0:
            decisions += [Claim(shard) for shard in free[:-extra]]
        return decisions

    def claimed(self, shard: int, fence: int, sent_at: float) -> None:
        """``CLAIM`` (sent at ``sent_at``) gave ``shard`` under ``fence``."""
        self.owned[shard] = OwnedLease(fence, sent_at + self.ttl - self.margin, sent_at + self.ttl)

    def released(self, shard: int) -> None:
        """``shard`` is stopped (or released) and no longer ours."""
        self.owned.pop(shard, None)
