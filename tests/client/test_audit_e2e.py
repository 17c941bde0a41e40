"""wait_audit end to end on both adapters: a reply held for audit (AuditPendingError), then the
verdict as a MESSAGE_AUDIT_* dispatch, before or after the wait began; the handlers still run."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import on_virtual_clock, sim_client, until, until_virtual, wait

import qqbot_trio
from qqbot_asyncio.simulator import ThreadedSimulator
from qqbot_trio.testing import VirtualClient, VirtualIo
from qqproto.client._audit import AuditVerdict, wait_audit
from qqproto.sim import Simulator

C2C_ROUTE = "POST /v2/users/{openid}/messages"


def held(audit_id: str) -> dict[str, Any]:
    """The platform's answer to a reply held for manual audit."""
    return {
        "code": 304024,
        "message": "push message is waiting for audit now",
        "data": {"message_audit": {"audit_id": audit_id}},
    }


def verdict(audit_id: str, message_id: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "audit_id": audit_id,
        "user_openid": "U",
        "audit_time": "2024-01-01T12:00:00+08:00",
    }
    if message_id is not None:
        d["message_id"] = message_id
    return d


@pytest.mark.anyio
async def test_a_held_reply_gets_its_verdict_before_or_after_the_wait(qq: ModuleType) -> None:
    verdicts: list[AuditVerdict] = []
    rejected: list[Any] = []
    errors: list[BaseException] = []

    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            try:
                await msg.reply(ctx, content="a borderline answer")
            except qq.AuditPendingError as exc:
                verdicts.append(await ctx.wait_audit(exc, timeout=10))  # Context sugar

        # MESSAGE_AUDIT_PASS has no handler: recorded all the same
        async def on_message_audit_reject(self, ctx: Any, event: Any) -> None:
            rejected.append(event)

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            errors.append(error)

    with ThreadedSimulator.in_thread() as sim:
        client = sim_client(qq, sim, Bot(), identify_window=0.5)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            # the verdict first (as a fast platform may), then the send it belongs to
            sim.inject("MESSAGE_AUDIT_PASS", verdict("EARLY", "M-EARLY"))
            await until(lambda: client.audits.get("EARLY"))
            sim.fail_next(C2C_ROUTE, status=202, body=held("EARLY"))
            sim.inject_c2c_message("first")
            await until(lambda: verdicts)
            # now the send first: the handler waits until the verdict comes
            sim.fail_next(C2C_ROUTE, status=202, body=held("LATE"))
            sim.inject_c2c_message("second")
            await until(lambda: [r for r in sim.rest_log() if r.code == 304024][1:])
            await anyio.sleep(0.2)
            assert len(verdicts) == 1  # still waiting
            sim.inject("MESSAGE_AUDIT_REJECT", verdict("LATE"))
            await until(lambda: len(verdicts) == 2 and rejected)
            assert await wait_audit(client, "LATE", timeout=0) == verdicts[1]
            tg.cancel_scope.cancel()
    assert errors == []
    early, late = verdicts
    assert (early.passed, early.audit_id, early.message_id) == (True, "EARLY", "M-EARLY")
    assert (late.passed, late.audit_id, late.message_id) == (False, "LATE", None)
    assert [e.audit_id for e in rejected] == ["LATE"]  # the handler ran as before


@pytest.mark.anyio
async def test_no_verdict_times_out(qq: ModuleType) -> None:
    outcomes: list[BaseException] = []

    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            try:
                await msg.reply(ctx, content="held forever")
            except qq.AuditPendingError as exc:
                try:
                    await wait_audit(ctx, exc.audit_id, timeout=0.3)
                except TimeoutError as timeout:
                    outcomes.append(timeout)

    with ThreadedSimulator.in_thread() as sim:
        client = sim_client(qq, sim, Bot(), identify_window=0.5)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            sim.fail_next(C2C_ROUTE, status=202, body=held("NEVER"))
            sim.inject_c2c_message("hi")
            await until(lambda: outcomes)
            tg.cancel_scope.cancel()
    assert "NEVER" in str(outcomes[0])


@on_virtual_clock
async def test_the_simulators_reviewer_decides_minutes_later(io: VirtualIo) -> None:
    """The simulator holds replies (audit_next) and decides on its own timer: a pass after 3
    virtual minutes delivers the message under the verdict's message_id; a reject after 1."""
    verdicts: list[tuple[float, AuditVerdict]] = []

    class Bot(qqbot_trio.EventHandler):
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            try:
                await msg.reply(ctx, content="held: " + (msg.content or ""))
            except qqbot_trio.AuditPendingError as exc:
                start = io.now()
                verdict = await wait_audit(ctx, exc, timeout=600)
                verdicts.append((io.now() - start, verdict))

    async with Simulator(io, seed=1) as sim:
        client = sim_client(qqbot_trio, sim, Bot(), make=lambda *a, **k: VirtualClient(io, *a, **k))
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await sim.wait_for_session(0)
            sim.audit_next(decide="pass", after=180)
            sim.inject_c2c_message("one")
            await until_virtual(io, lambda: verdicts, timeout=400)
            sim.audit_next(decide="reject", after=60)
            sim.inject_c2c_message("two")
            await until_virtual(io, lambda: len(verdicts) == 2, timeout=400)
            tg.cancel_scope.cancel()
        audits = sim.audits()
        delivered = sim.sent_messages(scene="c2c")
    (waited1, passed), (waited2, rejected) = verdicts
    assert passed.passed and not rejected.passed
    assert [a.audit_id for a in audits] == [passed.audit_id, rejected.audit_id]
    assert waited1 == pytest.approx(180, abs=1) and waited2 == pytest.approx(60, abs=1)
    assert [m.content for m in delivered] == ["held: one"]
    assert delivered[0].message_id == passed.message_id
