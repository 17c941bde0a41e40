"""Message objects: guild, DM, group, C2C messages, their parts, send/upload results, reactions."""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Iterable
from typing import Any, Protocol, TypeVar

from qqproto.models._base import JSON, Model, Timestamp, enum_aliases
from qqproto.models._guild import Member, User

M = TypeVar("M")
M_contra = TypeVar("M_contra", contravariant=True)


class Replier(Protocol[M_contra]):
    """Whatever sends passive replies: ``reply(event, message, **fields)``, the client's
    ``Context``. Models know nothing more of the client than this."""

    def reply(
        self, event: Any, message: M_contra | None = None, **fields: Any
    ) -> Awaitable[MessageSendResult]: ...


class StreamReplier(Protocol):
    """Whatever streams a reply: ``reply_stream(message, chunks, **options)``, the client's
    ``Context``."""

    def reply_stream(self, message: Any, chunks: Any, **options: Any) -> Awaitable[Any]: ...


class Replyable:
    """Mixin for events that can be answered with a passive reply.

    The event holds only data: where a reply goes is :func:`qqproto.outgoing.reply_target` of
    it, a pure value, and ``event.reply(ctx, ...)`` is sugar for ``ctx.reply(event, ...)``, which
    the client implements.
    """

    __slots__ = ()

    def reply(
        self, ctx: Replier[M], message: M | None = None, **fields: Any
    ) -> Awaitable[MessageSendResult]:
        """Reply to this event in its scene (``msg_id``/``event_id`` and ``msg_seq`` included):
        ``await event.reply(ctx, content="hi")`` is ``await ctx.reply(event, content="hi")``."""
        return ctx.reply(self, message, **fields)


_ENTITY = re.compile("&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def _unescape(text: str) -> str:
    """Guild content's ``&amp;``, ``&lt;``, ``&gt;`` as the characters (one pass)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _strip_mentions(content: str, ids: Iterable[str]) -> str:
    """``content`` without the guild mentions ``<@id>``/``<@!id>`` of ``ids`` (a mention and the
    whitespace around it become one space), trimmed."""
    alternatives = "|".join(re.escape(i) for i in ids if i)
    if alternatives:
        content = re.sub(rf"\s*<@!?(?:{alternatives})>\s*", " ", content)
    return content.strip()


def _mentions_in(content: str, bot_id: str) -> bool:
    return f"<@{bot_id}>" in content or f"<@!{bot_id}>" in content


class MessageAttachment(Model, frozen=True, kw_only=True):
    """A file attached to a received message."""

    id: str | None = None
    url: str | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None


class EmbedThumbnail(Model, frozen=True, kw_only=True):
    """An embed's thumbnail."""

    url: str | None = None


class EmbedField(Model, frozen=True, kw_only=True):
    """One line of an embed."""

    name: str | None = None
    value: str | None = None


class Embed(Model, frozen=True, kw_only=True):
    """A QQ embed (``title``, ``prompt``, ``thumbnail``, ``fields``)."""

    title: str | None = None
    prompt: str | None = None
    description: str | None = None
    thumbnail: EmbedThumbnail | None = None
    fields: tuple[EmbedField, ...] | None = None


class ArkObjKv(Model, frozen=True, kw_only=True):
    """A key/value inside an ark list object."""

    key: str | None = None
    value: str | None = None


class ArkObj(Model, frozen=True, kw_only=True):
    """One object of an ark list value."""

    obj_kv: tuple[ArkObjKv, ...] | None = None


class ArkKv(Model, frozen=True, kw_only=True):
    """One template key of an ark: a ``value`` or a list ``obj``."""

    key: str | None = None
    value: str | None = None
    obj: tuple[ArkObj, ...] | None = None


class Ark(Model, frozen=True, kw_only=True):
    """An ark template message."""

    template_id: int | None = None
    kv: tuple[ArkKv, ...] | None = None


class MessageReference(Model, frozen=True, kw_only=True):
    """The message a message quotes."""

    message_id: str | None = None
    ignore_get_message_error: bool | None = None


class Message(Model, Replyable, frozen=True, kw_only=True):
    """A guild channel message (MESSAGE_CREATE, AT_MESSAGE_CREATE, ``GET``/``POST`` messages)."""

    id: str | None = None
    channel_id: str | None = None
    guild_id: str | None = None
    content: str | None = None
    timestamp: Timestamp | None = None
    edited_timestamp: Timestamp | None = None
    mention_everyone: bool | None = None
    author: User | None = None
    member: Member | None = None
    attachments: tuple[MessageAttachment, ...] | None = None
    embeds: tuple[Embed, ...] | None = None
    mentions: tuple[User, ...] | None = None
    ark: Ark | None = None
    seq: int | None = None
    seq_in_channel: str | None = None
    message_reference: MessageReference | None = None
    src_guild_id: str | None = None
    tts: bool | None = None
    pinned: bool | None = None
    type: int | None = None
    flags: int | None = None
    event_id: str | None = None

    def _bot_ids(self, bot_id: str | None) -> list[str]:
        if bot_id is not None:
            return [bot_id]
        return [m.id for m in self.mentions or () if m.bot and m.id]

    def mentions_bot(self, bot_id: str | None = None) -> bool:
        """Whether the message mentions the bot ``bot_id`` (``ctx.bot.id``): in ``content``
        (``<@!id>`` or ``<@id>``) or in ``mentions``. Without ``bot_id``: whether it mentions
        any bot (a ``mentions`` entry with ``bot: true``)."""
        if bot_id is None:
            return bool(self._bot_ids(None))
        in_list = any(m.id == bot_id for m in self.mentions or ())
        return in_list or _mentions_in(self.content or "", bot_id)

    def plain_text(self, bot_id: str | None = None) -> str:
        """The content as the user wrote it to the bot: the bot's mention (``<@!bot_id>``;
        without ``bot_id``, the mentions of every bot in ``mentions``) taken out, whitespace
        trimmed, ``&amp;``/``&lt;``/``&gt;`` turned back into ``&``/``<``/``>``. Other
        mentions stay as they are."""
        return _unescape(_strip_mentions(self.content or "", self._bot_ids(bot_id)))


class DirectMessage(Message, frozen=True, kw_only=True):
    """A guild direct message (DIRECT_MESSAGE_CREATE); reply to ``/dms/{guild_id}/messages``."""

    direct_message: bool | None = None


class GroupMessageAuthor(Model, frozen=True, kw_only=True):
    """The sender of a group message: ``member_openid`` is per group; ``member_role`` is the
    sender's role in the group as the platform names it (``"owner"``, ``"admin"``, ``"member"``)."""

    id: str | None = None
    member_openid: str | None = None
    union_openid: str | None = None
    username: str | None = None
    bot: bool | None = None
    member_role: str | None = None


class GroupMention(GroupMessageAuthor, frozen=True, kw_only=True):
    """Someone a group message mentions. ``is_you``: the bot itself; ``scope``: ``"single"``
    for one member, ``"all"`` for everyone."""

    scope: str | None = None
    is_you: bool | None = None


class C2CMessageAuthor(Model, frozen=True, kw_only=True):
    """The sender of a C2C (single chat) message."""

    id: str | None = None
    user_openid: str | None = None
    union_openid: str | None = None


class MessageElement(Model, frozen=True, kw_only=True):
    """A message quoted by a group or C2C message (``msg_elements``): the quoted text and files,
    its ``msg_idx`` (``"REFIDX_..."``) and ``message_type``."""

    msg_idx: str | None = None
    content: str | None = None
    attachments: tuple[MessageAttachment, ...] | None = None
    message_type: int | None = None


class GroupMessage(Model, Replyable, frozen=True, kw_only=True):
    """A QQ group message (GROUP_AT_MESSAGE_CREATE, GROUP_MESSAGE_CREATE).

    ``message_type`` 0 is plain text, 103 a message quoting another; the quoted message is in
    ``msg_elements`` and its id in ``message_reference``. ``msg_idx`` is this message's own index,
    what a later message quotes it by.
    """

    id: str | None = None
    content: str | None = None
    timestamp: Timestamp | None = None
    author: GroupMessageAuthor | None = None
    group_id: str | None = None
    group_openid: str | None = None
    attachments: tuple[MessageAttachment, ...] | None = None
    mentions: tuple[GroupMention, ...] | None = None
    message_reference: MessageReference | None = None
    message_scene: JSON = None
    message_type: int | None = None
    msg_idx: str | None = None
    msg_elements: tuple[MessageElement, ...] | None = None
    event_id: str | None = None

    def mentions_bot(self, bot_id: str | None = None, *, at_event: bool = False) -> bool:
        """Whether the message mentions the bot: a ``mentions`` entry with ``is_you`` (or whose
        ``id``/``member_openid`` is ``bot_id``). The platform sends GROUP_AT_MESSAGE_CREATE only
        for messages that mention the bot, with the mention already taken out of ``content``
        and often no ``mentions``: pass ``at_event=True`` for those (it is then always True)."""
        if at_event:
            return True
        for m in self.mentions or ():
            if m.is_you or (bot_id is not None and bot_id in (m.id, m.member_openid)):
                return True
        return False

    def plain_text(self, bot_id: str | None = None) -> str:
        """The content trimmed: the platform has already taken the bot's mention out (and left
        a leading space). With ``bot_id``, a ``<@bot_id>``/``<@!bot_id>`` still in the text is
        taken out too."""
        return _strip_mentions(self.content or "", [] if bot_id is None else [bot_id])


class C2CMessage(Model, Replyable, frozen=True, kw_only=True):
    """A QQ single-chat message (C2C_MESSAGE_CREATE); quoting as in :class:`GroupMessage`."""

    id: str | None = None
    content: str | None = None
    timestamp: Timestamp | None = None
    author: C2CMessageAuthor | None = None
    attachments: tuple[MessageAttachment, ...] | None = None
    message_reference: MessageReference | None = None
    message_scene: JSON = None
    message_type: int | None = None
    msg_idx: str | None = None
    msg_elements: tuple[MessageElement, ...] | None = None
    event_id: str | None = None

    def mentions_bot(self, bot_id: str | None = None) -> bool:
        """Always False: a single chat has no mentions (every message is to the bot)."""
        return False

    def plain_text(self, bot_id: str | None = None) -> str:
        """The content, trimmed."""
        return (self.content or "").strip()

    def reply_stream(self, ctx: StreamReplier, chunks: Any, **options: Any) -> Awaitable[Any]:
        """Answer with ``chunks`` (an async or plain iterable of text, e.g. an LLM's token stream)
        shown as it comes, as one streamed message: ``await message.reply_stream(ctx, chunks)``
        is ``await ctx.reply_stream(message, chunks)`` (see :func:`qqproto.client.reply_stream`
        for ``markdown``, ``cumulative`` and ``min_interval``)."""
        return ctx.reply_stream(self, chunks, **options)


class MessageDelete(Model, frozen=True, kw_only=True):
    """MESSAGE_DELETE / PUBLIC_MESSAGE_DELETE / DIRECT_MESSAGE_DELETE: ``{message, op_user}``."""

    message: Message | None = None
    op_user: User | None = None
    event_id: str | None = None


class MessageSendResult(Model, frozen=True, kw_only=True):
    """Answer of a group or C2C send: ``{id, timestamp}``."""

    id: str | None = None
    timestamp: Timestamp | None = None
    ext_info: JSON = None


class MediaUploadResult(Model, frozen=True, kw_only=True):
    """Answer of a rich-media upload. ``id`` is set only when ``srv_send_msg`` was true."""

    file_uuid: str | None = None
    file_info: str | None = None
    ttl: int | None = None
    id: str | None = None


class UploadPart(Model, frozen=True, kw_only=True):
    """One part of a chunked upload [UNCERTAIN]."""

    index: int | None = None
    presigned_url: str | None = None


class UploadConfig(Model, frozen=True, kw_only=True):
    """How the platform wants a chunked upload's parts sent: how many at once, how long to keep
    retrying a part (seconds) and how long to wait between retries (seconds)."""

    concurrency: int | None = None
    retry_timeout: int | None = None
    retry_delay: int | None = None


class UploadPrepareResult(Model, frozen=True, kw_only=True):
    """Answer of ``upload_prepare`` [UNCERTAIN: extension route, not in the official docs].

    Older answers put ``concurrency`` and ``retry_timeout`` at the top level; newer ones nest
    them in ``upload_config``.
    """

    upload_id: str | None = None
    block_size: int | None = None
    parts: tuple[UploadPart, ...] | None = None
    concurrency: int | None = None
    retry_timeout: int | None = None
    upload_config: UploadConfig | None = None


class Emoji(Model, frozen=True, kw_only=True):
    """An emoji: ``type`` 1 system, 2 custom (``id`` is a string)."""

    id: str | None = None
    type: int | None = None


@enum_aliases(
    {
        "ReactionTargetType_MSG": 0,
        "ReactionTargetType_FEED": 1,
        "ReactionTargetType_COMMNENT": 2,  # sic: the platform's own spelling
        "ReactionTargetType_COMMENT": 2,
        "ReactionTargetType_REPLY": 3,
    }
)
class ReactionTargetType(enum.IntEnum):
    """What a reaction is on. The docs say 0-3; the platform sends the names
    ``"ReactionTargetType_MSG"``, ``_FEED``, ``_COMMNENT`` (sic) and ``_REPLY``: both decode,
    and a number this version does not know decodes too, as a member named ``UNKNOWN_<n>``."""

    MESSAGE = 0
    POST = 1
    COMMENT = 2
    REPLY = 3

    @classmethod
    def _missing_(cls, value: object) -> ReactionTargetType | None:
        """A target type this version does not know keeps its number (``UNKNOWN_7``) instead of
        failing the whole reaction event."""
        if type(value) is not int:
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member


class ReactionTarget(Model, frozen=True, kw_only=True):
    """What a reaction is on: its ``id`` and :class:`ReactionTargetType`."""

    id: str | None = None
    type: ReactionTargetType | None = None


class Reaction(Model, frozen=True, kw_only=True):
    """MESSAGE_REACTION_ADD / MESSAGE_REACTION_REMOVE."""

    user_id: str | None = None
    channel_id: str | None = None
    guild_id: str | None = None
    emoji: Emoji | None = None
    target: ReactionTarget | None = None
    event_id: str | None = None


class ReactionUsers(Model, frozen=True, kw_only=True):
    """A page of users who reacted; pass ``cookie`` to get the next page until ``is_end``."""

    users: tuple[User, ...] | None = None
    cookie: str | None = None
    is_end: bool | None = None


class MessageAudit(Model, frozen=True, kw_only=True):
    """MESSAGE_AUDIT_PASS / MESSAGE_AUDIT_REJECT (guild channels; ``group_openid`` or
    ``user_openid`` when the audited message went to a group or a user)."""

    audit_id: str | None = None
    message_id: str | None = None
    channel_id: str | None = None
    guild_id: str | None = None
    group_openid: str | None = None
    user_openid: str | None = None
    audit_time: Timestamp | None = None
    create_time: Timestamp | None = None
    seq_in_channel: str | None = None
    event_id: str | None = None


class InteractionResolved(Model, frozen=True, kw_only=True):
    """What was clicked: button id and data, and who/where."""

    button_id: str | None = None
    button_data: str | None = None
    message_id: str | None = None
    user_id: str | None = None
    feature_id: str | None = None
    checked: int | None = None
    feedback_opt: str | None = None


class InteractionData(Model, frozen=True, kw_only=True):
    """An interaction's payload (``type`` 11 = button click)."""

    type: int | None = None
    resolved: InteractionResolved | None = None


class Interaction(Model, Replyable, frozen=True, kw_only=True):
    """INTERACTION_CREATE (``chat_type`` 0 guild, 1 group, 2 C2C); ack it within 5 s."""

    id: str | None = None
    application_id: str | None = None
    type: int | None = None
    scene: str | None = None
    chat_type: int | None = None
    data: InteractionData | None = None
    guild_id: str | None = None
    channel_id: str | None = None
    user_openid: str | None = None
    group_openid: str | None = None
    group_member_openid: str | None = None
    timestamp: Timestamp | None = None
    version: int | None = None
    event_id: str | None = None
