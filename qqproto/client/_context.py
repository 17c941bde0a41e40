"""What every handler receives: the shared ``BotApi``, the bot's user, the shard, and replies.

:meth:`Context.reply` sends a passive reply where :func:`qqproto.outgoing.reply_target` says it
goes, with an increasing ``msg_seq`` per replied-to message. ``event.reply(ctx, ...)`` is sugar
for it: the event (a model) only hands itself to ``ctx.reply``; a ``Context`` is the
:class:`qqproto.models.Replier` the models ask for. With ``image=``, ``video=``, ``voice=`` or
``file=`` it uploads the medium first (:mod:`qqproto.client._media`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qqproto.client._media import DEFAULT_CHUNKED_THRESHOLD, media_keywords, reply_with_media
from qqproto.models import MessageSendResult, User
from qqproto.outgoing._message import OutgoingMessage
from qqproto.outgoing._replies import ReplySequencer, reply_target
from qqproto.rest._call import Call

if TYPE_CHECKING:
    from qqproto.client._http_pool import BotApi


@dataclass(slots=True)
class Context:
    """Passed to every handler: ``api`` (shared), ``bot`` (the bot's own user), ``shard``.

    ``media_threshold``: files up to this many bytes are uploaded as base64 by :meth:`reply`,
    larger ones in parts (the chunked upload)."""

    api: BotApi
    bot: User | None
    shard: tuple[int, int]
    replies: ReplySequencer = field(default_factory=ReplySequencer, repr=False)
    media_threshold: int = DEFAULT_CHUNKED_THRESHOLD

    async def reply(
        self, event: object, message: OutgoingMessage | str | None = None, **fields: Any
    ) -> MessageSendResult:
        """Reply passively to ``event`` in its scene.

        ``message`` is a :class:`qqproto.outgoing.OutgoingMessage` or text; or give its fields as
        keywords (``content=``, ``markdown=``, ``keyboard=``, ``media=``, ...).

        Rich media in one call: ``image=``, ``video=``, ``voice=`` (silk) or ``file=``, each an
        ``http(s)://`` URL, a path or bytes, with ``content`` as the caption; optionally
        ``file_name=``, ``progress=`` (``progress(sent, total)``) and ``threshold=`` (default
        :attr:`media_threshold`). In a group or single chat the medium is uploaded and sent as
        ``msg_type`` 7; in a channel or DM only an image can go, as ``image`` (URL) or
        ``file_image`` (bytes). A failed chunked upload raises
        :class:`~qqproto.client._media.ChunkedUploadError`.
        """
        options = media_keywords(fields)
        if isinstance(message, str):
            message = OutgoingMessage(content=message)
        if message is None:
            message = OutgoingMessage(**fields)
        elif fields:
            raise TypeError("give either a message or its fields as keywords, not both")
        if options:
            options.setdefault("threshold", self.media_threshold)
            return await reply_with_media(self.api, self.replies, event, message, options)
        request = reply_target(event).request(message, self.replies)
        return await self.api.request(Call(request, MessageSendResult.parse))
