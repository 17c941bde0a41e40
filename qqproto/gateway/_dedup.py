"""Bounded memories of ids already seen, for dropping events delivered twice.

* :class:`RecentIds` (the gateway): the last ``capacity`` ids, least recently seen forgotten
  first. A resumed session replays at most a few events, so a window of ids is enough.
* :class:`ExpiringKeys` (webhook replay protection): each key until a time of its own, the end
  of the window in which the request that carried it could still be accepted. Nothing is
  forgotten early: when ``capacity`` keys are live, a new key is refused instead.

Both are O(1) (amortized O(log n) for the expiry order) per call, whatever the capacity.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from heapq import heappop, heappush, heapreplace


class RecentIds:
    """Remembers the last ``capacity`` ids; :meth:`seen` says whether an id came before.

    An id seen again counts as the most recent one. An ``OrderedDict`` keeps them least recent
    first: a lookup, a move to the end and an eviction from the front are each O(1).
    """

    __slots__ = ("_capacity", "_ids")

    def __init__(self, capacity: int = 2048) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, event_id: str) -> bool:
        """Record ``event_id``; return True if it was already among the remembered ids."""
        ids = self._ids
        if event_id in ids:
            ids.move_to_end(event_id)
            return True
        ids[event_id] = None
        if len(ids) > self._capacity:
            ids.popitem(last=False)  # forget the least recently seen
        return False

    def __len__(self) -> int:
        return len(self._ids)


class Recall(enum.Enum):
    """What :meth:`ExpiringKeys.check` found."""

    NEW = "new"
    """Not seen before; now remembered until the given time."""
    SEEN = "seen"
    """Seen before and still remembered: a duplicate (or a replay)."""
    FULL = "full"
    """Not seen before, and ``capacity`` keys are live: not remembered, so refuse it."""


class ExpiringKeys:
    """Remembers each key until its own expiry time, at most ``capacity`` keys at once.

    :meth:`check` ``(key, until, now)``: keys whose time passed (``until < now``) are forgotten
    first; a key still remembered is :attr:`Recall.SEEN` (and kept until the later of its two
    times); a new one is :attr:`Recall.NEW` and remembered until ``until``, or
    :attr:`Recall.FULL` when ``capacity`` keys are live. A dict holds each key's time and a heap
    orders them; a key kept longer is re-queued lazily, when its old time comes up.
    """

    __slots__ = ("_heap", "_until", "capacity")

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._until: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []

    def check(self, key: str, until: float, now: float) -> Recall:
        """Whether ``key`` was seen (see the class docstring); ``now`` on the same clock."""
        self._expire(now)
        remembered = self._until
        known = remembered.get(key)
        if known is not None:
            if until > known:
                remembered[key] = until
            return Recall.SEEN
        if len(remembered) >= self.capacity:
            return Recall.FULL
        remembered[key] = until
        heappush(self._heap, (until, key))
        return Recall.NEW

    def _expire(self, now: float) -> None:
        heap = self._heap
        remembered = self._until
        while heap and heap[0][0] < now:
            key = heap[0][1]
            latest = remembered[key]
            if latest < now:
                heappop(heap)
                del remembered[key]
            else:  # it was seen again with a later time: queue it at that time
                heapreplace(heap, (latest, key))

    def __len__(self) -> int:
        return len(self._until)
