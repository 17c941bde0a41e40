"""Waiting for a message audit's verdict: ``await wait_audit(ctx, audit_id)``.

A send held for manual audit raises :class:`~qqproto._errors.AuditPendingError` (codes
304023/304024) with an ``audit_id``; the verdict comes later as a MESSAGE_AUDIT_PASS or
MESSAGE_AUDIT_REJECT dispatch. The client's runtime records every such dispatch in its
:class:`AuditStore` (besides running the ``on_message_audit_*`` handlers as always), so
:func:`wait_audit` can return the verdict, including one that arrived before the wait began:
the store keeps recent verdicts for ``keep_for`` seconds, at most ``capacity`` of them.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

import msgspec

from qqproto._errors import AuditPendingError
from qqproto.client._io import Io, Waitable
from qqproto.models import MessageAudit

__all__ = ["AUDIT_DISPATCHES", "AuditStore", "AuditVerdict", "wait_audit"]

PASS = "MESSAGE_AUDIT_PASS"
REJECT = "MESSAGE_AUDIT_REJECT"
AUDIT_DISPATCHES = frozenset({PASS, REJECT})
"""The dispatches that carry a verdict."""

DEFAULT_TIMEOUT = 600.0
"""Seconds :func:`wait_audit` waits by default (manual audits can take minutes)."""


class AuditVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """An audit's outcome: ``passed`` (MESSAGE_AUDIT_PASS) or not (MESSAGE_AUDIT_REJECT), with
    the dispatch's ``event`` (its ``message_id`` is the sent message's id once it passed)."""

    passed: bool
    event: MessageAudit

    @property
    def audit_id(self) -> str:
        return self.event.audit_id or ""

    @property
    def message_id(self) -> str | None:
        return self.event.message_id


class AuditStore:
    """Recent verdicts by ``audit_id`` (bounded by count and age) and the tasks waiting for one.

    Fed by the client's runtime with every audit dispatch (:meth:`record`); the clock is the
    client's ``Io``. Not thread-safe: use it from the client's loop."""

    def __init__(self, io: Io, *, capacity: int = 1024, keep_for: float = 3600.0) -> None:
        if capacity < 1:
            raise ValueError("AuditStore capacity must be at least 1")
        if not keep_for > 0:
            raise ValueError("AuditStore keep_for must be positive seconds")
        self.io = io
        self.capacity = capacity
        self.keep_for = keep_for
        self._verdicts: OrderedDict[str, tuple[float, AuditVerdict]] = OrderedDict()
        self._waiters: dict[str, list[Waitable]] = {}

    def __len__(self) -> int:
        self._prune(self.io.now())
        return len(self._verdicts)

    def _prune(self, now: float) -> None:
        verdicts = self._verdicts
        while verdicts:
            audit_id, (at, _) = next(iter(verdicts.items()))
            if len(verdicts) <= self.capacity and now - at < self.keep_for:
                break
            del verdicts[audit_id]

    def record(self, name: str, event: MessageAudit) -> AuditVerdict | None:
        """Keep the verdict of dispatch ``name`` (MESSAGE_AUDIT_PASS or _REJECT) and wake the
        tasks waiting for its ``audit_id``. An event without an ``audit_id`` is ignored; a
        second verdict for the same id (a redelivery) does not replace the first."""
        if name not in AUDIT_DISPATCHES:
            raise ValueError(f"{name!r} is not an audit verdict ({', '.join(AUDIT_DISPATCHES)})")
        audit_id = event.audit_id
        if not audit_id:
            return None
        now = self.io.now()
        kept = self._verdicts.get(audit_id)
        if kept is not None:
            return kept[1]
        verdict = AuditVerdict(passed=name == PASS, event=event)
        self._verdicts[audit_id] = (now, verdict)
        self._prune(now)
        for waiter in self._waiters.get(audit_id, ()):
            waiter.set()
        return verdict

    def get(self, audit_id: str) -> AuditVerdict | None:
        """The verdict kept for ``audit_id``, if it arrived (and is not too old)."""
        self._prune(self.io.now())
        kept = self._verdicts.get(audit_id)
        return None if kept is None else kept[1]

    async def wait(self, audit_id: str, timeout: float | None = DEFAULT_TIMEOUT) -> AuditVerdict:
        """The verdict for ``audit_id``: at once if it is kept, else once it arrives; a
        ``TimeoutError`` after ``timeout`` seconds (None: no limit)."""
        if not isinstance(audit_id, str) or not audit_id:
            raise ValueError(f"audit_id must be a non-empty string, got {audit_id!r}")
        if timeout is not None and not timeout >= 0:
            raise ValueError(f"timeout must be >= 0 seconds or None, got {timeout!r}")
        io = self.io
        deadline = None if timeout is None else io.now() + timeout
        waiter = io.create_event()
        waiters = self._waiters.setdefault(audit_id, [])
        waiters.append(waiter)
        try:
            while True:
                verdict = self.get(audit_id)
                if verdict is not None:
                    return verdict
                if not await io.wait_by(waiter, deadline):
                    raise TimeoutError(f"no verdict for audit {audit_id} within {timeout:g} s")
        finally:
            waiters.remove(waiter)
            if not waiters:
                del self._waiters[audit_id]


_STORES: WeakKeyDictionary[Any, AuditStore] = WeakKeyDictionary()
"""The store of each client's ``BotApi`` (so a handler's ``ctx`` finds it through ``ctx.api``)."""


def attach_audits(api: object, store: AuditStore) -> None:
    """Make ``store`` the one :func:`wait_audit` finds for a ``ctx`` whose ``api`` is ``api``."""
    _STORES[api] = store


def audits_of(source: object) -> AuditStore:
    """The :class:`AuditStore` of a client, of a handler's ``Context`` (through its ``api``),
    of a ``BotApi``, or ``source`` itself."""
    if isinstance(source, AuditStore):
        return source
    store = getattr(source, "audits", None)
    if isinstance(store, AuditStore):
        return store
    api = getattr(source, "api", source)
    try:
        found = _STORES.get(api)
    except TypeError:  # not weak-referenceable: not an api
        found = None
    if found is None:
        raise TypeError(
            f"wait_audit needs a running client's Client or Context (or its BotApi), not "
            f"{type(source).__name__}: no audit verdicts are recorded for it"
        )
    return found


async def wait_audit(
    source: object,
    audit: str | AuditPendingError,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> AuditVerdict:
    """Wait for the verdict of a message held for audit.

    ``source`` is the handler's ``ctx`` or the client; ``audit`` the ``audit_id``, or the
    :class:`~qqproto._errors.AuditPendingError` the send raised. Returns an
    :class:`AuditVerdict` (``passed``, ``event``), at once when the verdict arrived before the
    wait. Raises ``TimeoutError`` when none comes within ``timeout`` seconds (None: no limit).
    The bot must subscribe to the MESSAGE_AUDIT intent for verdicts to arrive."""
    if isinstance(audit, AuditPendingError):
        if not audit.audit_id:
            raise ValueError(
                "this AuditPendingError carries no audit_id (the platform's answer had none): "
                "there is no verdict to wait for"
            )
        audit = audit.audit_id
    return await audits_of(source).wait(audit, timeout)
