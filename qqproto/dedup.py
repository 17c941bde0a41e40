"""A bounded memory of recently seen ids, for dropping events the platform pushes twice."""

from __future__ import annotations

from collections import OrderedDict


class RecentIds:
    """Remembers the last ``capacity`` ids; :meth:`seen` says whether an id came before."""

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
            ids.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._ids)
