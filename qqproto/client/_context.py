"""What every handler receives: the shared ``BotApi``, the bot's user, the shard, and replies.

:meth:`Context.reply` sends a passive reply where :func:`qqproto.outgoing.reply_target` says it
goes, with an increasing ``msg_seq`` per replied-to message. ``event.reply(ctx, ...)`` is sugar
for it: the event (a model) only hands itself to ``ctx.reply``; a ``Context`` is the
:class:`qqproto.models.Replier` the models ask for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qqproto.models import MessageSendResult, User
from qqproto.outgoing._message import OutgoingMessage
from qqproto.outgoing._replies import ReplySequencer, reply_target
from qqproto.rest._call import Call

if TYPE_CHECKING:
    from qqproto.client._http_pool import BotApi


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

        ``message`` is a :class:`qqproto.outgoing.OutgoingMessage` or text; or give its fields as
        keywords (``content=``, ``markdown=``, ``keyboard=``, ``media=``, ...).
        """
        if isinstance(message, str):
            message = OutgoingMessage(content=message)
        if message is None:
            message = OutgoingMessage(**fields)
        elif fields:
            raise TypeError("give either a message or its fields as keywords, not both")
        request = reply_target(event).request(message, self.replies)
        return await self.api.request(Call(request, MessageSendResult.parse))
