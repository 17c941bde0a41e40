"""Dispatch events: one typed model per event name, the registry, and ``parse_event``.

``parse_event(t, d, event_id=payload_id)`` turns an op-0 dispatch into its model; the dispatch's
top-level ``id`` is kept as ``event_id`` (passive replies need it). An unknown ``t`` becomes an
:class:`UnknownEvent`, never dropped. Handler names follow botpy: ``on_`` + ``t.lower()``, except
for the other spellings of one event (:data:`EVENT_ALIASES`), which reach the handler of the
name they stand for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from msgspec import Raw
from msgspec.structs import force_setattr

from qqproto._json import loads
from qqproto.gateway._intents import Intents
from qqproto.models._base import JSON, Model, Timestamp, convert, event_decoder
from qqproto.models._forum import ForumAuditResult, OpenForumEvent, Post, Reply, Thread
from qqproto.models._guild import Channel, Guild, Member, User
from qqproto.models._message import (
    C2CMessage,
    C2CMessageAuthor,
    DirectMessage,
    GroupMessage,
    Interaction,
    Message,
    MessageAudit,
    MessageDelete,
    Reaction,
    Replyable,
)


class ReadyEvent(Model, frozen=True, kw_only=True):
    """READY: the new session. Keep ``session_id`` to resume; ``shard`` is ``[id, count]``."""

    version: int | None = None
    session_id: str | None = None
    user: User | None = None
    shard: tuple[int, ...] | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ResumedEvent:
    """RESUMED: the missed events were replayed. ``data`` is whatever ``d`` was (usually ``""``)."""

    data: JSON = None
    event_id: str | None = None

    @classmethod
    def parse(cls, data: object) -> ResumedEvent:
        """Accept any ``d``."""
        return cls(data)


class GuildEvent(Guild, frozen=True, kw_only=True):
    """GUILD_CREATE / GUILD_UPDATE / GUILD_DELETE, with who did it."""

    op_user_id: str | None = None
    event_id: str | None = None


class ChannelEvent(Channel, frozen=True, kw_only=True):
    """CHANNEL_CREATE / CHANNEL_UPDATE / CHANNEL_DELETE, with who did it."""

    op_user_id: str | None = None
    event_id: str | None = None


class GuildMemberEvent(Member, frozen=True, kw_only=True):
    """GUILD_MEMBER_ADD / UPDATE / REMOVE: the member, its ``guild_id`` and ``op_user_id``."""

    op_user_id: str | None = None
    event_id: str | None = None


class AudioEvent(Model, frozen=True, kw_only=True):
    """AUDIO_START / AUDIO_FINISH / AUDIO_ON_MIC / AUDIO_OFF_MIC."""

    guild_id: str | None = None
    channel_id: str | None = None
    audio_url: str | None = None
    text: str | None = None
    event_id: str | None = None


class AudioLiveMemberEvent(Model, frozen=True, kw_only=True):
    """AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER / EXIT. ``channel_type``: 2 voice, 5 live."""

    guild_id: str | None = None
    channel_id: str | None = None
    channel_type: int | None = None
    user_id: str | None = None
    event_id: str | None = None


class GroupManageEvent(Model, Replyable, frozen=True, kw_only=True):
    """GROUP_ADD_ROBOT / GROUP_DEL_ROBOT / GROUP_MSG_REJECT / GROUP_MSG_RECEIVE."""

    group_openid: str | None = None
    op_member_openid: str | None = None
    timestamp: Timestamp | None = None
    event_id: str | None = None


class GroupMemberEvent(Model, Replyable, frozen=True, kw_only=True):
    """GROUP_MEMBER_ADD / GROUP_MEMBER_REMOVE [UNCERTAIN: NoneBot only, not in the docs].

    Answerable like the other group events: a reply goes to the group with ``event_id``.
    """

    group_openid: str | None = None
    member_openid: str | None = None
    op_member_openid: str | None = None
    timestamp: Timestamp | None = None
    event_id: str | None = None


class C2CManageEvent(Model, Replyable, frozen=True, kw_only=True):
    """FRIEND_ADD / FRIEND_DEL / C2C_MSG_REJECT / C2C_MSG_RECEIVE; ``author.union_openid`` is
    the user's id across the bots of one organisation."""

    openid: str | None = None
    author: C2CMessageAuthor | None = None
    timestamp: Timestamp | None = None
    event_id: str | None = None


class EnterAIOEvent(Model, frozen=True, kw_only=True):
    """ENTER_AIO: a user opened the bot's chat window (the "AIO").

    [UNCERTAIN] Known from botgo only (``dto.EnterAIO``, intent bit 1<<23): ``user_openid`` is
    the user, ``from_source`` where the window was opened from (free text, values undocumented).
    """

    user_openid: str | None = None
    from_source: str | None = None
    event_id: str | None = None


class SubscribeTemplateResult(Model, frozen=True, kw_only=True):
    """One template's outcome in a SUBSCRIBE_MESSAGE_STATUS: ``op`` 1 allowed, 2 refused.

    ``template_id`` is an official template, ``custom_template_id`` a custom one; ``update_ts``
    is when the status changed [UNCERTAIN: botgo types it as a bare integer; read as unix
    seconds, or milliseconds when it is that large].
    """

    template_id: int | None = None
    custom_template_id: str | None = None
    op: int | None = None
    subscribe_id: str | None = None
    update_ts: Timestamp | None = None


class SubscribeMessageStatusEvent(Model, frozen=True, kw_only=True):
    """SUBSCRIBE_MESSAGE_STATUS: a user allowed or refused subscription-message templates.

    [UNCERTAIN] Known from botgo only (``dto.SubscribeMessageStatusData``, under the
    GROUP_AND_C2C_EVENT intent): ``group_openid`` is set for a group subscription, ``openid`` for
    a user's; ``result`` has one entry per template.
    """

    group_openid: str | None = None
    openid: str | None = None
    result: tuple[SubscribeTemplateResult, ...] | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """A dispatch whose ``t`` this version does not know: name and raw ``d``, kept as is."""

    name: str
    data: JSON = None
    event_id: str | None = None


_TABLE: tuple[tuple[str, type[Any], int], ...] = (  # name, model, intent bit (0: always)
    ("READY", ReadyEvent, 0),
    ("RESUMED", ResumedEvent, 0),
    ("GUILD_CREATE", GuildEvent, Intents.GUILDS),
    ("GUILD_UPDATE", GuildEvent, Intents.GUILDS),
    ("GUILD_DELETE", GuildEvent, Intents.GUILDS),
    ("CHANNEL_CREATE", ChannelEvent, Intents.GUILDS),
    ("CHANNEL_UPDATE", ChannelEvent, Intents.GUILDS),
    ("CHANNEL_DELETE", ChannelEvent, Intents.GUILDS),
    ("GUILD_MEMBER_ADD", GuildMemberEvent, Intents.GUILD_MEMBERS),
    ("GUILD_MEMBER_UPDATE", GuildMemberEvent, Intents.GUILD_MEMBERS),
    ("GUILD_MEMBER_REMOVE", GuildMemberEvent, Intents.GUILD_MEMBERS),
    ("MESSAGE_CREATE", Message, Intents.GUILD_MESSAGES),
    ("MESSAGE_DELETE", MessageDelete, Intents.GUILD_MESSAGES),
    ("MESSAGE_REACTION_ADD", Reaction, Intents.GUILD_MESSAGE_REACTIONS),
    ("MESSAGE_REACTION_REMOVE", Reaction, Intents.GUILD_MESSAGE_REACTIONS),
    ("DIRECT_MESSAGE_CREATE", DirectMessage, Intents.DIRECT_MESSAGE),
    ("DIRECT_MESSAGE_DELETE", MessageDelete, Intents.DIRECT_MESSAGE),
    ("OPEN_FORUM_THREAD_CREATE", OpenForumEvent, Intents.OPEN_FORUMS_EVENT),
    ("OPEN_FORUM_THREAD_UPDATE", OpenForumEvent, Intents.OPEN_FORUMS_EVENT),
    ("OPEN_FORUM_THREAD_DELETE", OpenForumEvent, Intents.OPEN_FORUMS_EVENT),
    ("OPEN_FORUM_POST_CREATE", OpenForumEvent, Intents.OPEN_FORUMS_EVENT),
    ("OPEN_FORUM_POST_DELETE", OpenForumEvent, Intents.OPEN_FORUMS_EVENT),
    ("OPEN_FORUM_REPLY_CREATE", OpenForumEvent, Intents.OPEN_FORUMS_EVENT),
    ("OPEN_FORUM_REPLY_DELETE", OpenForumEvent, Intents.OPEN_FORUMS_EVENT),
    (
        "AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER",
        AudioLiveMemberEvent,
        Intents.AUDIO_OR_LIVE_CHANNEL_MEMBER,
    ),
    (
        "AUDIO_OR_LIVE_CHANNEL_MEMBER_EXIT",
        AudioLiveMemberEvent,
        Intents.AUDIO_OR_LIVE_CHANNEL_MEMBER,
    ),
    ("GROUP_MEMBER_ADD", GroupMemberEvent, Intents.GROUP_MEMBERS),
    ("GROUP_MEMBER_REMOVE", GroupMemberEvent, Intents.GROUP_MEMBERS),
    ("C2C_MESSAGE_CREATE", C2CMessage, Intents.GROUP_AND_C2C_EVENT),
    ("GROUP_AT_MESSAGE_CREATE", GroupMessage, Intents.GROUP_AND_C2C_EVENT),
    ("GROUP_MESSAGE_CREATE", GroupMessage, Intents.GROUP_AND_C2C_EVENT),
    ("FRIEND_ADD", C2CManageEvent, Intents.GROUP_AND_C2C_EVENT),
    ("FRIEND_DEL", C2CManageEvent, Intents.GROUP_AND_C2C_EVENT),
    ("C2C_MSG_REJECT", C2CManageEvent, Intents.GROUP_AND_C2C_EVENT),
    ("C2C_MSG_RECEIVE", C2CManageEvent, Intents.GROUP_AND_C2C_EVENT),
    ("GROUP_ADD_ROBOT", GroupManageEvent, Intents.GROUP_AND_C2C_EVENT),
    ("GROUP_DEL_ROBOT", GroupManageEvent, Intents.GROUP_AND_C2C_EVENT),
    ("GROUP_MSG_REJECT", GroupManageEvent, Intents.GROUP_AND_C2C_EVENT),
    ("GROUP_MSG_RECEIVE", GroupManageEvent, Intents.GROUP_AND_C2C_EVENT),
    ("INTERACTION_CREATE", Interaction, Intents.INTERACTION),
    ("MESSAGE_AUDIT_PASS", MessageAudit, Intents.MESSAGE_AUDIT),
    ("MESSAGE_AUDIT_REJECT", MessageAudit, Intents.MESSAGE_AUDIT),
    ("FORUM_THREAD_CREATE", Thread, Intents.FORUMS_EVENT),
    ("FORUM_THREAD_UPDATE", Thread, Intents.FORUMS_EVENT),
    ("FORUM_THREAD_DELETE", Thread, Intents.FORUMS_EVENT),
    ("FORUM_POST_CREATE", Post, Intents.FORUMS_EVENT),
    ("FORUM_POST_DELETE", Post, Intents.FORUMS_EVENT),
    ("FORUM_REPLY_CREATE", Reply, Intents.FORUMS_EVENT),
    ("FORUM_REPLY_DELETE", Reply, Intents.FORUMS_EVENT),
    ("FORUM_PUBLISH_AUDIT_RESULT", ForumAuditResult, Intents.FORUMS_EVENT),
    ("AUDIO_START", AudioEvent, Intents.AUDIO_ACTION),
    ("AUDIO_FINISH", AudioEvent, Intents.AUDIO_ACTION),
    ("AUDIO_ON_MIC", AudioEvent, Intents.AUDIO_ACTION),
    ("AUDIO_OFF_MIC", AudioEvent, Intents.AUDIO_ACTION),
    ("ON_MIC", AudioEvent, Intents.AUDIO_ACTION),  # botpy's and botrs's spelling
    ("OFF_MIC", AudioEvent, Intents.AUDIO_ACTION),
    ("ENTER_AIO", EnterAIOEvent, Intents.ENTER_AIO),
    ("SUBSCRIBE_MESSAGE_STATUS", SubscribeMessageStatusEvent, Intents.GROUP_AND_C2C_EVENT),
    ("AT_MESSAGE_CREATE", Message, Intents.PUBLIC_GUILD_MESSAGES),
    ("PUBLIC_MESSAGE_DELETE", MessageDelete, Intents.PUBLIC_GUILD_MESSAGES),
)

EVENT_MODELS: Mapping[str, type[Any]] = {name: model for name, model, _ in _TABLE}
"""Event name ``t`` → the model its ``d`` parses into."""

EVENT_INTENTS: Mapping[str, int] = {name: int(bit) for name, _, bit in _TABLE}
"""Event name ``t`` → the intent bit that subscribes to it (0: always delivered)."""

EVENT_NAMES: tuple[str, ...] = tuple(name for name, _, _ in _TABLE)
"""Every event name this version knows, in intent-table order."""

EVENT_ALIASES: Mapping[str, str] = {"ON_MIC": "AUDIO_ON_MIC", "OFF_MIC": "AUDIO_OFF_MIC"}
"""Other spellings of one event → the name they stand for (same model, same handler).

botpy and botrs key the audio mic events ``ON_MIC`` / ``OFF_MIC``; the docs, botgo and NoneBot
say ``AUDIO_ON_MIC`` / ``AUDIO_OFF_MIC``. Whichever arrives reaches ``on_audio_on_mic`` /
``on_audio_off_mic``."""


def handler_name(name: str) -> str:
    """The handler method for event ``name`` (botpy's convention): ``"on_" + name.lower()``, of
    the name an alias stands for (``ON_MIC`` → ``on_audio_on_mic``, see :data:`EVENT_ALIASES`)."""
    return "on_" + EVENT_ALIASES.get(name, name).lower()


def parse_event(name: str, data: object, *, event_id: str | None) -> object:
    """The typed event for dispatch ``t`` = ``name`` with ``d`` = ``data``.

    ``data`` is the JSON text of ``d`` (``bytes``, ``str`` or the :class:`msgspec.Raw` the gateway
    hands over), decoded once straight into the model, or an already decoded JSON value. Raises
    :class:`InvalidModel` (a ``RemoteProtocolError`` naming the event, the JSON path and carrying
    the raw JSON) when ``d`` has the wrong shape for a known event; an unknown ``name`` gives an
    :class:`UnknownEvent` with ``d`` decoded. A decoded model keeps its JSON (``event.raw``, and
    ``event.extra`` for the keys it does not model).
    """
    if type(data) in _TEXT:
        parser = _PARSERS.get(name)
        if parser is not None:
            return parser(data, event_id)
        model = EVENT_MODELS.get(name)
        if model is None:
            return UnknownEvent(name, loads(data, name), event_id)  # type: ignore[arg-type]
        if model is ResumedEvent:
            return ResumedEvent(loads(data, name), event_id)  # type: ignore[arg-type]
        parser = _PARSERS[name] = event_decoder(model, name)  # bounded: known names only
        return parser(data, event_id)
    model = EVENT_MODELS.get(name)
    if model is None:
        return UnknownEvent(name, data, event_id)
    if model is ResumedEvent:
        return ResumedEvent(data, event_id)
    event: Model = convert(model, data, event=name)
    event.__dict__["_value"] = data
    if event_id is not None:
        force_setattr(event, "event_id", event_id)
    return event


_TEXT = frozenset({bytes, str, Raw, bytearray, memoryview})
_PARSERS: dict[str, Callable[[Any, str | None], Any]] = {}
