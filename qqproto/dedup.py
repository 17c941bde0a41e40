"""A bounded memory of recently seen ids, for dropping events the platform pushes twice."""

from __future__ import annotations


class RecentIds:
    """Remembers the last ``capacity`` ids; :meth:`seen` says whether an id came before.

    An id seen again counts as the most recent one. A set answers the lookups, and a ring of
    slots, oldest next, says which id to forget (no linked nodes to maintain per id).
    """

    __slots__ = ("_ids", "_next", "_ring")

    def __init__(self, capacity: int = 2048) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._ids: set[str | None] = set()  # never holds None: discarding None is a no-op
        self._ring: list[str | None] = [None] * capacity
        self._next = 0
        """The slot of the oldest id (or an empty slot): the one overwritten next."""

    def seen(self, event_id: str) -> bool:
        """Record ``event_id``; return True if it was already among the remembered ids."""
        ids = self._ids
        if event_id in ids:
            self._refresh(event_id)
            return True
        ids.add(event_id)
        ring = self._ring
        slot = self._next
        ids.discard(ring[slot])  # forget the oldest
        ring[slot] = event_id
        slot += 1
        self._next = 0 if slot == len(ring) else slot
        return False

    def _refresh(self, event_id: str) -> None:
        """Make a repeated id the most recent (rare, so linear in the capacity)."""
        ring = self._ring
        slot = self._next
        order = ring[slot:] + ring[:slot]  # oldest first
        order.remove(event_id)
        order.append(event_id)
        self._ring = order
        self._next = 0

    def __len__(self) -> int:
        return len(self._ids)
