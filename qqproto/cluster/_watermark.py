"""The seq watermark of one session: the highest seq such that every dispatch up to it has
completed, while handlers finish in any order.

:class:`SeqWatermark` is pure. Dispatches are :meth:`~SeqWatermark.started` in the order they
arrived and :meth:`~SeqWatermark.finished` in any order; the watermark is what a new owner may
RESUME from without losing an unfinished event.
"""

from __future__ import annotations

from collections import deque

__all__ = ["SeqWatermark"]


class SeqWatermark:
    """Tracks started and finished seqs; :attr:`value` is the watermark (None: nothing yet)."""

    __slots__ = ("_open", "_order", "value")

    def __init__(self, base: int | None = None) -> None:
        self.value = base
        self._order: deque[int] = deque()
        """Started seqs not yet below the watermark, in order."""
        self._open: set[int] = set()
        """Started seqs not finished."""

    def __repr__(self) -> str:
        return f"SeqWatermark(value={self.value}, pending={self.pending})"

    @property
    def pending(self) -> int:
        """Dispatches started and not finished."""
        return len(self._open)

    def started(self, seq: int) -> bool:
        """A dispatch with ``seq`` was received (seqs come in increasing order). A seq at or
        below the watermark or the last started one is not tracked (a replay): returns False."""
        last = self._order[-1] if self._order else self.value
        if last is not None and seq <= last:
            return False
        self._order.append(seq)
        self._open.add(seq)
        return True

    def finished(self, seq: int) -> int | None:
        """The dispatch with ``seq`` completed. Returns the new watermark if it moved, else
        None (an earlier dispatch is still open, or ``seq`` is not tracked)."""
        open_ = self._open
        if seq not in open_:
            return None
        open_.discard(seq)
        order = self._order
        if order[0] != seq:
            return None
        value = order.popleft()
        while order and order[0] not in open_:
            value = order.popleft()
        self.value = value
        return value
