"""Message audit on the simulated platform: held sends, pass/reject, the audit events."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from _sim_api import GROUP, OPENID, SimApi

from qqbot_asyncio import WebhookOptions
from qqproto import AuditPendingError
from qqproto.client import Context, EventHandler
from qqproto.gateway._intents import Intents
from qqproto.sim import Simulator

AUDIT = int(Intents.MESSAGE_AUDIT)


def test_a_held_send_is_answered_with_its_audit_id_and_not_delivered() -> None:
    api = SimApi(3)
    api.p.audit_next(2)
    status, answer = api.send("POST", "/channels/100010/messages", {"content": "hi"})
    assert status == 202 and answer["code"] == 304023
    assert answer["message"] == "push message is waiting for audit now"
    audit_id = answer["data"]["message_audit"]["audit_id"]
    status, answer = api.send(
        "POST", f"/v2/groups/{GROUP}/messages", {"content": "x", "msg_id": "m"}
    )
    assert (status, answer["code"]) == (202, 304024)
    assert api.send("POST", f"/v2/users/{OPENID}/messages", {"content": "free"})[0] == 200
    assert [m.content for m in api.p.messages()] == ["free"]
    assert [(a.scene, a.outcome) for a in api.p.audits] == [
        ("channel", "pending"),
        ("group", "pending"),
    ]
    assert api.p.audits[0].audit_id == audit_id


def test_pass_delivers_and_dispatches_reject_only_dispatches() -> None:
    api = SimApi(3)
    bot = api.p.bot()
    bot.allowed_intents |= AUDIT
    with_audit = api.p.start_session(bot, (0, 1), AUDIT, api.now)
    api.p.audit(lambda scene, target, body: "secret" in body.get("content", ""))
    api.send("POST", "/channels/100010/messages", {"content": "public"})
    held = api.send("POST", "/channels/100010/messages", {"content": "secret"})[1]
    rejected = api.send("POST", f"/v2/users/{OPENID}/messages", {"content": "secret 2"})[1]
    api.now += 5
    passed = api.p.pass_audit(held["data"]["message_audit"]["audit_id"], api.now)
    assert passed.name == "MESSAGE_AUDIT_PASS"
    assert [d.session_id for d in passed.deliveries] == [with_audit.session_id]
    d = passed.data
    message = api.p.messages()[-1]
    assert message.content == "secret" and d["message_id"] == message.message_id
    assert (d["guild_id"], d["channel_id"], d["seq_in_channel"]) == (
        "18700000000001",
        "100010",
        "2",
    )
    assert d["create_time"] != d["audit_time"]
    assert [m["content"] for m in api.p.channel_history("100010")] == ["public", "secret"]
    gone = api.p.reject_audit(rejected["data"]["message_audit"]["audit_id"], api.now)
    assert gone.name == "MESSAGE_AUDIT_REJECT" and gone.data["user_openid"] == OPENID
    assert "message_id" not in gone.data
    assert [a.outcome for a in api.p.audits] == ["passed", "rejected"]
    with pytest.raises(Exception, match="already passed"):
        api.p.pass_audit(api.p.audits[0].audit_id, api.now)


def test_sessions_without_the_intent_do_not_get_audit_events() -> None:
    api = SimApi(3)
    api.p.start_session(api.p.bot(), (0, 1), int(Intents.GUILDS), api.now)
    api.p.audit_next()
    held = api.send("POST", "/channels/100010/messages", {"content": "x"})[1]
    event = api.p.pass_audit(held["data"]["message_audit"]["audit_id"], api.now)
    assert event.deliveries == ()


def test_automatic_decisions_are_due_after_the_delay() -> None:
    api = SimApi(3)
    api.p.audit_next(decide="reject", after=2.0)
    api.send("POST", "/channels/100010/messages", {"content": "x"})
    assert api.p.next_audit_deadline() == api.now + 2.0
    assert api.p.settle_audits(api.now + 1.0) == []
    (event,) = api.p.settle_audits(api.now + 2.0)
    assert event.name == "MESSAGE_AUDIT_REJECT" and api.p.next_audit_deadline() is None


class Audited(EventHandler):
    def __init__(self) -> None:
        self.pending: list[str | None] = []
        self.passed: list[Any] = []

    async def on_c2c_message_create(self, ctx: Context, message: Any) -> None:
        try:
            await message.reply(ctx, content="held back")
        except AuditPendingError as exc:
            self.pending.append(exc.audit_id)

    async def on_message_audit_pass(self, ctx: Context, event: Any) -> None:
        self.passed.append(event)


@pytest.mark.anyio
@pytest.mark.parametrize("webhook", [False, True])
async def test_the_client_gets_the_pass_event_when_the_simulator_decides(
    anyio_backend: str, webhook: bool
) -> None:
    async with Simulator.for_current_loop() as sim:
        sim.platform.bot().allowed_intents |= AUDIT
        sim.audit_next(decide="pass", after=0.2)
        handler = Audited()
        options: dict[str, Any] = {"webhook": WebhookOptions("127.0.0.1", 0)} if webhook else {}
        async with sim.run(handler, intents=int(Intents.default()) | AUDIT, **options) as bot:
            bot.send("hello", scene="c2c")
            message = await sim.wait_for_message(scene="c2c", timeout=5)
            assert message.content == "held back"
            with anyio.fail_after(5):
                while not handler.passed:
                    await anyio.sleep(0.01)
        (audit,) = sim.audits()
        assert handler.pending == [audit.audit_id] and audit.outcome == "passed"
        assert handler.passed[0].audit_id == audit.audit_id
        assert handler.passed[0].user_openid == OPENID
        assert handler.passed[0].message_id == message.message_id
