"""The ``EventHandler`` base class: one optional ``on_<event>`` coroutine per dispatch event.

Method names follow botpy (``"on_" + t.lower()``), so botpy handlers port over. Every method
receives the :class:`~qqproto.client.Context` and the typed event, decoded and checked before
the method runs: an event with a field of the wrong type raises
:class:`~qqproto.models.InvalidModel`, which reaches ``on_error`` instead. Generated from
:data:`qqproto.models.EVENT_MODELS`; a test checks the two stay in step. The other spellings
of an event (:data:`qqproto.models.EVENT_ALIASES`: ``ON_MIC``, ``OFF_MIC``) have no method of
their own: they reach the method of the name they stand for (``on_audio_on_mic``, ...).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from qqproto.models import (
    EVENT_MODELS,
    AudioEvent,
    AudioLiveMemberEvent,
    C2CManageEvent,
    C2CMessage,
    ChannelEvent,
    DirectMessage,
    EnterAIOEvent,
    ForumAuditResult,
    GroupManageEvent,
    GroupMemberEvent,
    GroupMessage,
    GuildEvent,
    GuildMemberEvent,
    Interaction,
    Message,
    MessageAudit,
    MessageDelete,
    OpenForumEvent,
    Post,
    Reaction,
    ReadyEvent,
    Reply,
    ResumedEvent,
    SubscribeMessageStatusEvent,
    Thread,
    UnknownEvent,
    handler_name,
)

if TYPE_CHECKING:
    from qqproto.client._context import Context
    from qqproto.gateway._events import Disconnected

log = logging.getLogger("qqbot.handler")


class EventHandler:
    """Subclass and override the ``on_*`` coroutines you need; all are optional no-ops."""

    async def on_ready(self, ctx: Context, event: ReadyEvent) -> None:
        """READY: a new gateway session started on ``ctx.shard``."""

    async def on_resumed(self, ctx: Context, event: ResumedEvent) -> None:
        """RESUMED: the session resumed; missed events were delivered before this."""

    async def on_disconnected(self, ctx: Context, event: Disconnected) -> None:
        """The shard's connection ended; ``event`` says whether it resumes and when."""

    async def on_unknown_event(self, ctx: Context, event: UnknownEvent) -> None:
        """A dispatch this version does not know (kept, not dropped)."""

    async def on_error(self, ctx: Context, error: BaseException) -> None:
        """A handler raised, or an event could not be parsed. The default logs it."""
        log.error("error in an event handler: %r", error, exc_info=error)

    async def on_guild_create(self, ctx: Context, event: GuildEvent) -> None:
        """GUILD_CREATE (intent GUILDS)."""

    async def on_guild_update(self, ctx: Context, event: GuildEvent) -> None:
        """GUILD_UPDATE (intent GUILDS)."""

    async def on_guild_delete(self, ctx: Context, event: GuildEvent) -> None:
        """GUILD_DELETE (intent GUILDS)."""

    async def on_channel_create(self, ctx: Context, event: ChannelEvent) -> None:
        """CHANNEL_CREATE (intent GUILDS)."""

    async def on_channel_update(self, ctx: Context, event: ChannelEvent) -> None:
        """CHANNEL_UPDATE (intent GUILDS)."""

    async def on_channel_delete(self, ctx: Context, event: ChannelEvent) -> None:
        """CHANNEL_DELETE (intent GUILDS)."""

    async def on_guild_member_add(self, ctx: Context, event: GuildMemberEvent) -> None:
        """GUILD_MEMBER_ADD (intent GUILD_MEMBERS)."""

    async def on_guild_member_update(self, ctx: Context, event: GuildMemberEvent) -> None:
        """GUILD_MEMBER_UPDATE (intent GUILD_MEMBERS)."""

    async def on_guild_member_remove(self, ctx: Context, event: GuildMemberEvent) -> None:
        """GUILD_MEMBER_REMOVE (intent GUILD_MEMBERS)."""

    async def on_message_create(self, ctx: Context, event: Message) -> None:
        """MESSAGE_CREATE (intent GUILD_MESSAGES)."""

    async def on_message_delete(self, ctx: Context, event: MessageDelete) -> None:
        """MESSAGE_DELETE (intent GUILD_MESSAGES)."""

    async def on_message_reaction_add(self, ctx: Context, event: Reaction) -> None:
        """MESSAGE_REACTION_ADD (intent GUILD_MESSAGE_REACTIONS)."""

    async def on_message_reaction_remove(self, ctx: Context, event: Reaction) -> None:
        """MESSAGE_REACTION_REMOVE (intent GUILD_MESSAGE_REACTIONS)."""

    async def on_direct_message_create(self, ctx: Context, event: DirectMessage) -> None:
        """DIRECT_MESSAGE_CREATE (intent DIRECT_MESSAGE)."""

    async def on_direct_message_delete(self, ctx: Context, event: MessageDelete) -> None:
        """DIRECT_MESSAGE_DELETE (intent DIRECT_MESSAGE)."""

    async def on_open_forum_thread_create(self, ctx: Context, event: OpenForumEvent) -> None:
        """OPEN_FORUM_THREAD_CREATE (intent OPEN_FORUMS_EVENT)."""

    async def on_open_forum_thread_update(self, ctx: Context, event: OpenForumEvent) -> None:
        """OPEN_FORUM_THREAD_UPDATE (intent OPEN_FORUMS_EVENT)."""

    async def on_open_forum_thread_delete(self, ctx: Context, event: OpenForumEvent) -> None:
        """OPEN_FORUM_THREAD_DELETE (intent OPEN_FORUMS_EVENT)."""

    async def on_open_forum_post_create(self, ctx: Context, event: OpenForumEvent) -> None:
        """OPEN_FORUM_POST_CREATE (intent OPEN_FORUMS_EVENT)."""

    async def on_open_forum_post_delete(self, ctx: Context, event: OpenForumEvent) -> None:
        """OPEN_FORUM_POST_DELETE (intent OPEN_FORUMS_EVENT)."""

    async def on_open_forum_reply_create(self, ctx: Context, event: OpenForumEvent) -> None:
        """OPEN_FORUM_REPLY_CREATE (intent OPEN_FORUMS_EVENT)."""

    async def on_open_forum_reply_delete(self, ctx: Context, event: OpenForumEvent) -> None:
        """OPEN_FORUM_REPLY_DELETE (intent OPEN_FORUMS_EVENT)."""

    async def on_audio_or_live_channel_member_enter(
        self, ctx: Context, event: AudioLiveMemberEvent
    ) -> None:
        """AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER (intent AUDIO_OR_LIVE_CHANNEL_MEMBER)."""

    async def on_audio_or_live_channel_member_exit(
        self, ctx: Context, event: AudioLiveMemberEvent
    ) -> None:
        """AUDIO_OR_LIVE_CHANNEL_MEMBER_EXIT (intent AUDIO_OR_LIVE_CHANNEL_MEMBER)."""

    async def on_group_member_add(self, ctx: Context, event: GroupMemberEvent) -> None:
        """GROUP_MEMBER_ADD (intent GROUP_MEMBERS)."""

    async def on_group_member_remove(self, ctx: Context, event: GroupMemberEvent) -> None:
        """GROUP_MEMBER_REMOVE (intent GROUP_MEMBERS)."""

    async def on_c2c_message_create(self, ctx: Context, event: C2CMessage) -> None:
        """C2C_MESSAGE_CREATE (intent GROUP_AND_C2C_EVENT)."""

    async def on_group_at_message_create(self, ctx: Context, event: GroupMessage) -> None:
        """GROUP_AT_MESSAGE_CREATE (intent GROUP_AND_C2C_EVENT)."""

    async def on_group_message_create(self, ctx: Context, event: GroupMessage) -> None:
        """GROUP_MESSAGE_CREATE (intent GROUP_AND_C2C_EVENT)."""

    async def on_friend_add(self, ctx: Context, event: C2CManageEvent) -> None:
        """FRIEND_ADD (intent GROUP_AND_C2C_EVENT)."""

    async def on_friend_del(self, ctx: Context, event: C2CManageEvent) -> None:
        """FRIEND_DEL (intent GROUP_AND_C2C_EVENT)."""

    async def on_c2c_msg_reject(self, ctx: Context, event: C2CManageEvent) -> None:
        """C2C_MSG_REJECT (intent GROUP_AND_C2C_EVENT)."""

    async def on_c2c_msg_receive(self, ctx: Context, event: C2CManageEvent) -> None:
        """C2C_MSG_RECEIVE (intent GROUP_AND_C2C_EVENT)."""

    async def on_group_add_robot(self, ctx: Context, event: GroupManageEvent) -> None:
        """GROUP_ADD_ROBOT (intent GROUP_AND_C2C_EVENT)."""

    async def on_group_del_robot(self, ctx: Context, event: GroupManageEvent) -> None:
        """GROUP_DEL_ROBOT (intent GROUP_AND_C2C_EVENT)."""

    async def on_group_msg_reject(self, ctx: Context, event: GroupManageEvent) -> None:
        """GROUP_MSG_REJECT (intent GROUP_AND_C2C_EVENT)."""

    async def on_group_msg_receive(self, ctx: Context, event: GroupManageEvent) -> None:
        """GROUP_MSG_RECEIVE (intent GROUP_AND_C2C_EVENT)."""

    async def on_interaction_create(self, ctx: Context, event: Interaction) -> None:
        """INTERACTION_CREATE (intent INTERACTION)."""

    async def on_message_audit_pass(self, ctx: Context, event: MessageAudit) -> None:
        """MESSAGE_AUDIT_PASS (intent MESSAGE_AUDIT)."""

    async def on_message_audit_reject(self, ctx: Context, event: MessageAudit) -> None:
        """MESSAGE_AUDIT_REJECT (intent MESSAGE_AUDIT)."""

    async def on_forum_thread_create(self, ctx: Context, event: Thread) -> None:
        """FORUM_THREAD_CREATE (intent FORUMS_EVENT)."""

    async def on_forum_thread_update(self, ctx: Context, event: Thread) -> None:
        """FORUM_THREAD_UPDATE (intent FORUMS_EVENT)."""

    async def on_forum_thread_delete(self, ctx: Context, event: Thread) -> None:
        """FORUM_THREAD_DELETE (intent FORUMS_EVENT)."""

    async def on_forum_post_create(self, ctx: Context, event: Post) -> None:
        """FORUM_POST_CREATE (intent FORUMS_EVENT)."""

    async def on_forum_post_delete(self, ctx: Context, event: Post) -> None:
        """FORUM_POST_DELETE (intent FORUMS_EVENT)."""

    async def on_forum_reply_create(self, ctx: Context, event: Reply) -> None:
        """FORUM_REPLY_CREATE (intent FORUMS_EVENT)."""

    async def on_forum_reply_delete(self, ctx: Context, event: Reply) -> None:
        """FORUM_REPLY_DELETE (intent FORUMS_EVENT)."""

    async def on_forum_publish_audit_result(self, ctx: Context, event: ForumAuditResult) -> None:
        """FORUM_PUBLISH_AUDIT_RESULT (intent FORUMS_EVENT)."""

    async def on_audio_start(self, ctx: Context, event: AudioEvent) -> None:
        """AUDIO_START (intent AUDIO_ACTION)."""

    async def on_audio_finish(self, ctx: Context, event: AudioEvent) -> None:
        """AUDIO_FINISH (intent AUDIO_ACTION)."""

    async def on_audio_on_mic(self, ctx: Context, event: AudioEvent) -> None:
        """AUDIO_ON_MIC, or ON_MIC as botpy and botrs spell it (intent AUDIO_ACTION)."""

    async def on_audio_off_mic(self, ctx: Context, event: AudioEvent) -> None:
        """AUDIO_OFF_MIC, or OFF_MIC as botpy and botrs spell it (intent AUDIO_ACTION)."""

    async def on_enter_aio(self, ctx: Context, event: EnterAIOEvent) -> None:
        """ENTER_AIO (intent ENTER_AIO) [UNCERTAIN: botgo only]."""

    async def on_subscribe_message_status(
        self, ctx: Context, event: SubscribeMessageStatusEvent
    ) -> None:
        """SUBSCRIBE_MESSAGE_STATUS (intent GROUP_AND_C2C_EVENT) [UNCERTAIN: botgo only]."""

    async def on_at_message_create(self, ctx: Context, event: Message) -> None:
        """AT_MESSAGE_CREATE (intent PUBLIC_GUILD_MESSAGES)."""

    async def on_public_message_delete(self, ctx: Context, event: MessageDelete) -> None:
        """PUBLIC_MESSAGE_DELETE (intent PUBLIC_GUILD_MESSAGES)."""


METHOD_CACHE_LIMIT = 1024
"""The most dispatch names whose method :func:`handler_method` remembers (names come from the
network: the cache is bounded)."""


def handler_method(
    handler: EventHandler, cache: dict[str, Callable[..., Awaitable[Any]] | None], name: str
) -> Callable[..., Awaitable[Any]] | None:
    """``handler``'s coroutine for dispatch ``name`` (``on_unknown_event`` for a name without a
    model), or None when it keeps the base class's no-op (then the event need not even be
    parsed); remembered in ``cache``."""
    try:
        return cache[name]
    except KeyError:
        pass
    attr = handler_name(name) if name in EVENT_MODELS else "on_unknown_event"
    method: Callable[..., Awaitable[Any]] | None = None
    if getattr(type(handler), attr) is not getattr(EventHandler, attr):
        method = getattr(handler, attr)
    if len(cache) < METHOD_CACHE_LIMIT:
        cache[name] = method
    return method
