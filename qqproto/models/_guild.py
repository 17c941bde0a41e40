"""Guild-side API objects: users, members, guilds, channels, roles, permissions, settings."""

from __future__ import annotations

from qqproto.models._base import Model, Timestamp


class User(Model, frozen=True, kw_only=True):
    """A QQ user or bot (``GET /users/@me``, message authors, member users)."""

    id: str | None = None
    username: str | None = None
    avatar: str | None = None
    bot: bool | None = None
    union_openid: str | None = None
    union_user_account: str | None = None


class Member(Model, frozen=True, kw_only=True):
    """A guild member; ``guild_id`` is set where the platform sends it (member events)."""

    user: User | None = None
    nick: str | None = None
    roles: tuple[str, ...] | None = None
    joined_at: Timestamp | None = None
    guild_id: str | None = None


class Guild(Model, frozen=True, kw_only=True):
    """A guild (频道)."""

    id: str | None = None
    name: str | None = None
    icon: str | None = None
    owner_id: str | None = None
    owner: bool | None = None
    joined_at: Timestamp | None = None
    member_count: int | None = None
    max_members: int | None = None
    description: str | None = None
    union_appid: str | None = None
    union_org_id: str | None = None
    union_world_id: str | None = None


class Channel(Model, frozen=True, kw_only=True):
    """A sub-channel. ``type``: 0 text, 2 voice, 4 group, 10005 live, 10006 app, 10007 forum."""

    id: str | None = None
    guild_id: str | None = None
    name: str | None = None
    type: int | None = None
    sub_type: int | None = None
    position: int | None = None
    parent_id: str | None = None
    owner_id: str | None = None
    private_type: int | None = None
    speak_permission: int | None = None
    application_id: str | None = None
    permissions: str | None = None


class Role(Model, frozen=True, kw_only=True):
    """A guild role. ``hoist`` arrives as 0/1; ``color`` is ARGB."""

    id: str | None = None
    name: str | None = None
    color: int | None = None
    hoist: bool | None = None
    number: int | None = None
    member_limit: int | None = None


class GuildRoles(Model, frozen=True, kw_only=True):
    """``GET /guilds/{guild_id}/roles``."""

    guild_id: str | None = None
    roles: tuple[Role, ...] | None = None
    role_num_limit: int | None = None


class RoleResult(Model, frozen=True, kw_only=True):
    """Answer of role create/update: ``{guild_id?, role_id, role}``."""

    guild_id: str | None = None
    role_id: str | None = None
    role: Role | None = None


class RoleMembers(Model, frozen=True, kw_only=True):
    """``GET /guilds/{guild_id}/roles/{role_id}/members``; ``next`` = next ``start_index``."""

    data: tuple[Member, ...] | None = None
    next: str | None = None


class ChannelPermissions(Model, frozen=True, kw_only=True):
    """A user's or role's permissions in a channel (``permissions`` is a decimal bit string)."""

    channel_id: str | None = None
    user_id: str | None = None
    role_id: str | None = None
    permissions: str | None = None


class MessageSetting(Model, frozen=True, kw_only=True):
    """``GET /guilds/{guild_id}/message/setting``."""

    disable_create_dm: bool | None = None
    disable_push_msg: bool | None = None
    channel_ids: tuple[str, ...] | None = None
    channel_push_max_num: int | None = None


class MuteResult(Model, frozen=True, kw_only=True):
    """Answer of a batch mute: the users actually muted."""

    user_ids: tuple[str, ...] | None = None


class RecommendChannel(Model, frozen=True, kw_only=True):
    """One recommended channel of a guild announce."""

    channel_id: str | None = None
    introduce: str | None = None


class Announce(Model, frozen=True, kw_only=True):
    """A guild or channel announce (公告). ``announces_type``: 0 member, 1 welcome."""

    guild_id: str | None = None
    channel_id: str | None = None
    message_id: str | None = None
    announces_type: int | None = None
    recommend_channels: tuple[RecommendChannel, ...] | None = None


class PinsMessage(Model, frozen=True, kw_only=True):
    """A channel's pinned messages."""

    guild_id: str | None = None
    channel_id: str | None = None
    message_ids: tuple[str, ...] | None = None


class Schedule(Model, frozen=True, kw_only=True):
    """A channel schedule (日程). Timestamps are unix milliseconds sent as strings."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    start_timestamp: Timestamp | None = None
    end_timestamp: Timestamp | None = None
    creator: Member | None = None
    jump_channel_id: str | None = None
    remind_type: str | None = None


class APIPermissionDemandIdentify(Model, frozen=True, kw_only=True):
    """Which API a permission demand is about."""

    path: str | None = None
    method: str | None = None


class APIPermission(Model, frozen=True, kw_only=True):
    """One API the bot may (``auth_status`` 1) or may not (0) call in a guild."""

    path: str | None = None
    method: str | None = None
    desc: str | None = None
    auth_status: int | None = None


class APIPermissions(Model, frozen=True, kw_only=True):
    """``GET /guilds/{guild_id}/api_permission``."""

    apis: tuple[APIPermission, ...] | None = None


class APIPermissionDemand(Model, frozen=True, kw_only=True):
    """A permission request sent to a guild's admins."""

    guild_id: str | None = None
    channel_id: str | None = None
    api_identify: APIPermissionDemandIdentify | None = None
    title: str | None = None
    desc: str | None = None


class DMS(Model, frozen=True, kw_only=True):
    """A DM session (``POST /users/@me/dms``); send to ``/dms/{guild_id}/messages``."""

    guild_id: str | None = None
    channel_id: str | None = None
    create_time: Timestamp | None = None


class OnlineNums(Model, frozen=True, kw_only=True):
    """``GET /channels/{channel_id}/online_nums``."""

    online_nums: int | None = None


class GroupMember(Model, frozen=True, kw_only=True):
    """One member of a QQ group [UNCERTAIN: fields as NoneBot reads them]."""

    member_openid: str | None = None
    join_timestamp: Timestamp | None = None


class GroupMembers(Model, frozen=True, kw_only=True):
    """A page of ``POST /v2/groups/{group_openid}/members`` (a route for invited bots only)
    [UNCERTAIN: fields as NoneBot reads them]."""

    members: tuple[GroupMember, ...] | None = None
    next_index: int | None = None


class AudioControl(Model, frozen=True, kw_only=True):
    """Audio control body; ``status`` 0 start, 1 pause, 2 resume, 3 stop."""

    audio_url: str | None = None
    text: str | None = None
    status: int | None = None


class WebhookSession(Model, frozen=True, kw_only=True):
    """One HTTP-callback session (``GET``/``PATCH /gateway/webhook/sessions``), deprecated.

    Fields as botgo's ``dto.HTTPSession`` has them (the platform docs no longer describe the
    route); ``last_heartbeat_time`` and ``state`` are kept as the platform's text [UNCERTAIN:
    their format]. ``shards`` is ``[shard_id, shard_count]``.
    """

    app_id: str | None = None
    session_id: str | None = None
    callback_url: str | None = None
    env: str | None = None
    intents: int | None = None
    last_heartbeat_time: str | None = None
    state: str | None = None
    shards: tuple[int, ...] | None = None


class WebhookSessionReady(Model, frozen=True, kw_only=True):
    """The answer to ``POST /gateway/webhook/sessions`` (deprecated): the new session, the bot
    (``id`` and ``username``) and ``shard`` as ``[shard_id, shard_count]`` (botgo's
    ``dto.HTTPReady``)."""

    version: int | None = None
    session_id: str | None = None
    bot: User | None = None
    shard: tuple[int, ...] | None = None
