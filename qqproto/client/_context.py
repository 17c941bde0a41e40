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
    from collections.abc import AsyncIterable, Iterable

    from qqproto._errors import AuditPendingError
    from qqproto.client._audit import AuditVerdict
    from qqproto.client._http_pool import BotApi
    from qqproto.client._streaming import StreamResult
    from qqproto.models import C2CMessage


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
    redelivered: bool = False
    """Cluster mode: this event was being handled by a process that died, and is handled
    again (its handler may have run partly or wholly before)."""

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

    async def reply_stream(
        self,
        message: C2CMessage,
        chunks: AsyncIterable[str] | Iterable[str],
        *,
        markdown: bool = False,
        cumulative: bool = False,
        min_interval: float = 0.3,
    ) -> StreamResult:
        """Answer the C2C ``message`` with the text of ``chunks`` (an LLM's token stream) shown
        as it comes, as one streamed message: see :func:`qqproto.client.reply_stream`."""
        from qqproto.client._streaming import reply_stream

        return await reply_stream(
            self,
            message,
            chunks,
            markdown=markdown,
            cumulative=cumulative,
            min_interval=min_interval,
        )

    async def wait_audit(
        self, audit: str | AuditPendingError, *, timeout: float | None = 600.0
    ) -> AuditVerdict:
        """The verdict on a message held for audit (its ``audit_id`` or the
        ``AuditPendingError`` the send raised): see :func:`qqproto.client.wait_audit`."""
        from qqproto.client._audit import wait_audit

        return await wait_audit(self, audit, timeout=timeout)
