"""The audit store and wait_audit on the virtual clock: verdicts before and after the wait,
timeouts, bounds, duplicates, and how a ctx, a client or an AuditPendingError find it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import trio
from _e2e import on_virtual_clock

from qqbot_trio.testing import VirtualIo
from qqproto._errors import AuditPendingError
from qqproto.client._audit import AuditStore, AuditVerdict, attach_audits, audits_of, wait_audit
from qqproto.models import MessageAudit

PASS, REJECT = "MESSAGE_AUDIT_PASS", "MESSAGE_AUDIT_REJECT"


def audit(audit_id: str | None, message_id: str | None = "M1") -> MessageAudit:
    return MessageAudit(audit_id=audit_id, message_id=message_id, user_openid="U")


class Api:
    """Stands for a client's BotApi (a weak-referenceable object)."""


@on_virtual_clock
async def test_a_verdict_that_came_before_the_wait_is_returned_at_once(io: VirtualIo) -> None:
    store = AuditStore(io)
    store.record(PASS, audit("A1"))
    store.record(REJECT, audit("A2", None))
    start = io.now()
    one = await store.wait("A1", timeout=1)
    two = await store.wait("A2", timeout=1)
    assert io.now() == start
    assert one == AuditVerdict(passed=True, event=audit("A1"))
    assert (one.audit_id, one.message_id) == ("A1", "M1")
    assert not two.passed and two.message_id is None


@on_virtual_clock
async def test_waiters_wake_when_their_verdict_arrives(io: VirtualIo) -> None:
    store = AuditStore(io)
    got: list[tuple[str, AuditVerdict, float]] = []

    async def waiter(audit_id: str) -> None:
        got.append((audit_id, await store.wait(audit_id, timeout=60), io.now()))

    start = io.now()
    async with trio.open_nursery() as nursery:
        for audit_id in ("A1", "A1", "A2"):
            nursery.start_soon(waiter, audit_id)
        await io.sleep_until(start + 5)
        assert got == []
        store.record(REJECT, audit("OTHER"))
        store.record(PASS, audit("A1"))
        await io.sleep_until(start + 7)
        store.record(REJECT, audit("A2"))
    assert [(a, v.passed, t - start) for a, v, t in got] == [
        ("A1", True, 5),
        ("A1", True, 5),
        ("A2", False, 7),
    ]
    assert store._waiters == {}


@on_virtual_clock
async def test_no_verdict_in_time_raises_timeout_error(io: VirtualIo) -> None:
    store = AuditStore(io)
    start = io.now()
    with pytest.raises(TimeoutError, match="A9 within 30 s"):
        await store.wait("A9", timeout=30)
    assert io.now() == pytest.approx(start + 30)
    assert store._waiters == {}
    store.record(PASS, audit("A9"))  # too late for that wait, kept for the next one
    assert (await store.wait("A9", timeout=0)).passed


@on_virtual_clock
async def test_kept_verdicts_are_bounded_by_count_and_age(io: VirtualIo) -> None:
    store = AuditStore(io, capacity=3, keep_for=100)
    for n in range(5):
        store.record(PASS, audit(f"A{n}"))
    assert len(store) == 3
    assert store.get("A0") is None and store.get("A1") is None
    assert store.get("A4") is not None
    await io.sleep_until(io.now() + 60)
    store.record(PASS, audit("LATE"))
    await io.sleep_until(io.now() + 50)
    assert [store.get(f"A{n}") for n in (2, 3, 4)] == [None, None, None]  # 110 s old
    assert store.get("LATE") is not None and len(store) == 1


@on_virtual_clock
async def test_a_redelivered_verdict_keeps_the_first_and_no_id_is_ignored(io: VirtualIo) -> None:
    store = AuditStore(io)
    first = store.record(PASS, audit("A1"))
    again = store.record(REJECT, audit("A1"))
    assert first is again and store.get("A1") is first
    assert store.record(PASS, audit(None)) is None and len(store) == 1
    with pytest.raises(ValueError, match="not an audit verdict"):
        store.record("MESSAGE_CREATE", audit("A2"))


@on_virtual_clock
async def test_wait_audit_finds_the_store_of_a_ctx_a_client_or_an_api(io: VirtualIo) -> None:
    store = AuditStore(io)
    api = Api()
    attach_audits(api, store)
    store.record(PASS, audit("A1"))
    ctx = SimpleNamespace(api=api)
    client = SimpleNamespace(audits=store, api=None)
    for source in (ctx, client, api, store):
        assert audits_of(source) is store
        assert (await wait_audit(source, "A1", timeout=0)).passed
    pending = AuditPendingError(status=202, code=304023, message="audit")
    pending.audit_id = "A1"
    assert (await wait_audit(ctx, pending)).audit_id == "A1"
    pending.audit_id = None
    with pytest.raises(ValueError, match="no audit_id"):
        await wait_audit(ctx, pending)
    for stranger in (SimpleNamespace(api=Api()), 42, SimpleNamespace()):
        with pytest.raises(TypeError, match="running client"):
            await wait_audit(stranger, "A1")
    with pytest.raises(ValueError, match="audit_id"):
        await wait_audit(ctx, "")
    with pytest.raises(ValueError, match="timeout"):
        await wait_audit(ctx, "A1", timeout=-1)


def test_store_arguments_are_checked() -> None:
    io = VirtualIo()
    with pytest.raises(ValueError, match="capacity"):
        AuditStore(io, capacity=0)
    with pytest.raises(ValueError, match="keep_for"):
        AuditStore(io, keep_for=0)
