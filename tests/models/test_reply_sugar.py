"""Models hold data and never call the client: ``event.reply(ctx, ...)`` hands the event to
``ctx.reply``; where the reply goes is a pure value computed from the event alone."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any, TypeVar, cast

import pytest

from qqproto import models
from qqproto.client import BotApi, Call, Context
from qqproto.models import GroupMessage, MessageSendResult, Replier
from qqproto.outgoing import OutgoingMessage, ReplyTarget, reply_target

T = TypeVar("T")

PROBE = """
import sys, typing
import qqproto.models, qqproto.outgoing
hints = typing.get_type_hints(qqproto.models.Replyable.reply)
assert hints["ctx"].__origin__ is qqproto.models.Replier, hints
print(sorted(m for m in sys.modules if m.startswith("qqproto.client")))
"""


def test_models_and_replies_need_nothing_from_the_client() -> None:
    # a fresh interpreter: this session has imported the client already
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


class Recorder:
    """A replier that is not the client: event.reply works with anything that has ``reply``."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, str | None, dict[str, Any]]] = []

    async def reply(
        self, event: object, message: str | None = None, **fields: Any
    ) -> MessageSendResult:
        self.calls.append((event, message, fields))
        return MessageSendResult(id=f"r{len(self.calls)}")


def test_event_reply_hands_the_event_to_the_replier() -> None:
    event = GroupMessage.parse({"id": "m", "group_openid": "G"})
    replier = Recorder()

    async def talk() -> tuple[MessageSendResult, MessageSendResult]:
        return await event.reply(replier, content="hi"), await event.reply(replier, "text")

    first, second = asyncio.run(talk())
    assert (first.id, second.id) == ("r1", "r2")
    assert replier.calls == [(event, None, {"content": "hi"}), (event, "text", {})]


ANSWERABLE = [
    models.Message.parse({"id": "m", "channel_id": "c"}),
    models.DirectMessage.parse({"id": "m", "guild_id": "g"}),
    GroupMessage.parse({"id": "m", "group_openid": "G"}),
    models.C2CMessage.parse({"id": "m", "author": {"user_openid": "U"}}),
    models.Interaction.parse({"id": "i", "channel_id": "c"}),
    models.parse_event("GROUP_ADD_ROBOT", {"group_openid": "G"}, event_id="GROUP_ADD_ROBOT:1"),
    models.parse_event("FRIEND_ADD", {"openid": "U"}, event_id="FRIEND_ADD:1"),
]


@pytest.mark.parametrize("event", ANSWERABLE, ids=lambda e: type(e).__name__)
def test_every_answerable_event_has_the_reply_sugar(event: object) -> None:
    assert isinstance(event, models.Replyable)
    target = reply_target(event)  # a pure value, from the event alone
    assert target == reply_target(event) and isinstance(target, ReplyTarget)
    answers_an_event = isinstance(
        event, (models.GroupManageEvent, models.C2CManageEvent, models.Interaction)
    )
    assert answers_an_event is (target.msg_id is None)


class FakeApi:
    """Records the calls the client's ``Context.reply`` makes."""

    def __init__(self) -> None:
        self.calls: list[Call[Any]] = []

    async def request(self, call: Call[T]) -> T:
        self.calls.append(call)
        return call.parse({"id": f"sent{len(self.calls)}"})


def test_the_sugar_is_implemented_by_the_client_context() -> None:
    api = FakeApi()
    ctx = Context(api=cast(BotApi, api), bot=None, shard=(0, 1))
    replier: Replier[OutgoingMessage | str] = ctx  # mypy: a Context is what models ask for
    event = GroupMessage.parse({"id": "m", "group_openid": "G"})

    async def talk() -> list[str | None]:
        one = await event.reply(ctx, content="one")
        two = await event.reply(replier, OutgoingMessage.text("two"))
        return [one.id, two.id]

    assert asyncio.run(talk()) == ["sent1", "sent2"]
    sent = [(c.request.path, c.request.json) for c in api.calls]
    assert sent == [
        ("/v2/groups/G/messages", {"content": "one", "msg_type": 0, "msg_id": "m", "msg_seq": 1}),
        ("/v2/groups/G/messages", {"content": "two", "msg_type": 0, "msg_id": "m", "msg_seq": 2}),
    ]
