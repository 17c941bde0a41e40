"""What every handler receives: the shared ``BotApi``, the bot's user, the shard, and replies.

:func:`reply_target` decides, once for every event type, where a passive reply goes and with
which id (``msg_id`` for messages, ``event_id`` for other events); :meth:`Context.reply` sends it
with an increasing ``msg_seq`` per replied-to message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qqproto.api.call import Call
from qqproto.errors import LocalProtocolError
from qqproto.message import Message as OutgoingMessage
from qqproto.message import Scene
from qqproto.models import (
    C2CManageEvent,
    C2CMessage,
    DirectMessage,
    GroupManageEvent,
    GroupMessage,
    Interaction,
    Message,
    MessageSendResult,
    User,
)
from qqproto.replies import ReplySequencer, ReplyTarget

if TYPE_CHECKING:
    from qqproto.client.rest import BotApi


def reply_target(event: object) -> ReplyTarget:
    """Where a passive reply to ``event`` goes; ``LocalProtocolError`` if it cannot be answered."""
    if isinstance(event, DirectMessage):
        return ReplyTarget(Scene.DM, _need(event.guild_id, "guild_id"), msg_id=event.id)
    if isinstance(event, Message):
        return ReplyTarget(Scene.CHANNEL, _need(event.channel_id, "channel_id"), msg_id=event.id)
    if isinstance(event, GroupMessage):
        return ReplyTarget(Scene.GROUP, _need(event.group_openid, "group_openid"), msg_id=event.id)
    if isinstance(event, C2CMessage):
        openid = event.author.user_openid if event.author is not None else None
        return ReplyTarget(Scene.C2C, _need(openid, "author.user_openid"), msg_id=event.id)
    if isinstance(event, Interaction):
        event_id = _need(event.event_id or event.id, "id")
        if event.group_openid:
            return ReplyTarget(Scene.GROUP, event.group_openid, event_id=event_id)
        if event.user_openid and not event.channel_id:
            return ReplyTarget(Scene.C2C, event.user_openid, event_id=event_id)
        return ReplyTarget(Scene.CHANNEL, _need(event.channel_id, "channel_id"), event_id=event_id)
    if isinstance(event, GroupManageEvent):
        target = _need(event.group_openid, "group_openid")
        return ReplyTarget(Scene.GROUP, target, event_id=_need(event.event_id, "event_id"))
    if isinstance(event, C2CManageEvent):
        target = _need(event.openid, "openid")
        return ReplyTarget(Scene.C2C, target, event_id=_need(event.event_id, "event_id"))
    raise LocalProtocolError(f"cannot reply to a {type(event).__name__}: no reply scene is known")


def _need(value: str | None, name: str) -> str:
    if not value:
        raise LocalProtocolError(f"cannot reply: the event has no {name}")
    return value


@dataclass(slots=True)
class Context:
    """Passed to every handler: ``api`` (shared), ``bot`` (the bot's own user), ``shard``."""

    api: BotApi
    bot: User | None
    shard: tuple[int, int]
    replies: ReplySequencer = field(default_factory=ReplySequencer, repr=False)

    async def reply(
        self, event: object, message: OutgoingMessage | str | None = None, **fields: Any
    ) -> MessageSendResult:
        """Reply passively to ``event`` in its scene.

        ``message`` is a :class:`qqproto.message.Message` or text; or give its fields as keywords
        (``content=``, ``markdown=``, ``keyboard=``, ``media=``, ...).
        """
        if isinstance(message, str):
            message = OutgoingMessage(content=message)
        if message is None:
            message = OutgoingMessage(**fields)
        elif fields:
            raise LocalProtocolError("give either a message or its fields as keywords, not both")
        request = reply_target(event).request(message, self.replies)
        return await self.api.request(Call(request, MessageSendResult.parse))
