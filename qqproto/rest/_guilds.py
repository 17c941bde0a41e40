"""Routes about the bot, guilds, members, roles, mutes, announces, API permissions, gateway."""

from __future__ import annotations

from collections.abc import Sequence

from qqproto.models import (
    DMS,
    Announce,
    APIPermission,
    APIPermissionDemand,
    APIPermissions,
    GatewayBotInfo,
    GatewayInfo,
    GroupMembers,
    Guild,
    GuildRoles,
    Member,
    MessageSetting,
    MuteResult,
    RoleMembers,
    RoleResult,
    User,
)
from qqproto.rest._build import JSON, body, decimal, many, nothing, plain, query
from qqproto.rest._call import Endpoint, Parts, route

_GUILD_MUTE = Endpoint("PATCH", "/guilds/{guild_id}/mute")
_GUILD_ANNOUNCES = Endpoint("POST", "/guilds/{guild_id}/announces")
_MEMBER = "/guilds/{guild_id}/members/{user_id}"
_ROLES = "/guilds/{guild_id}/roles"
_ROLE = "/guilds/{guild_id}/roles/{role_id}"
_ROLE_MEMBER = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"


def _apis(data: JSON) -> tuple[APIPermission, ...]:
    return APIPermissions.parse(data).apis or ()


def _hoist(value: bool | int | None) -> int | None:
    return None if value is None else int(value)


def _mute_times(end: str | int | None, seconds: str | int | None) -> dict[str, JSON]:
    return body(mute_end_timestamp=decimal(end), mute_seconds=decimal(seconds))


def _role_body(channel_id: str | None) -> JSON:
    return None if channel_id is None else {"channel": {"id": channel_id}}


_UNMUTE = {"mute_end_timestamp": "0", "mute_seconds": "0"}


class GuildRoutes:
    """Bot identity, guilds, members, roles, mutes, announces, API permissions, gateway."""

    # -- the bot itself --------------------------------------------------------------------------

    @route("GET", "/users/@me")
    def me() -> Parts[User]:
        """the bot's own user."""
        return Parts(User.parse)

    @route("GET", "/users/@me/guilds")
    def me_guilds(
        guild_id: str | None = None,
        limit: int = 100,
        desc: bool = False,
        *,
        before: str | None = None,
        after: str | None = None,
    ) -> Parts[tuple[Guild, ...]]:
        """guilds the bot is in, paged by guild id (max ``limit`` 100).

        botpy style: ``guild_id`` with ``desc`` (``before``) or not (``after``); or pass ``before``
        / ``after`` directly.
        """
        if guild_id is not None:
            if desc:
                before = guild_id
            else:
                after = guild_id
        return Parts(many(Guild), query=query(before=before, after=after, limit=limit))

    @route("POST", "/users/@me/dms")
    def create_dms(guild_id: str, user_id: str) -> Parts[DMS]:
        """open a DM session with ``user_id``, met in ``guild_id``."""
        return Parts(DMS.parse, json={"recipient_id": user_id, "source_guild_id": guild_id})

    @route("GET", "/gateway")
    def get_gateway() -> Parts[GatewayInfo]:
        """the WebSocket URL."""
        return Parts(GatewayInfo.parse)

    @route("GET", "/gateway/bot")
    def get_ws_url() -> Parts[GatewayBotInfo]:
        """the URL, suggested shards and ``session_start_limit``."""
        return Parts(GatewayBotInfo.parse)

    # -- guilds ----------------------------------------------------------------------------------

    @route("GET", "/guilds/{guild_id}")
    def get_guild(guild_id: str) -> Parts[Guild]:
        """a guild."""
        return Parts(Guild.parse)

    @route("GET", "/guilds/{guild_id}/message/setting")
    def get_message_setting(guild_id: str) -> Parts[MessageSetting]:
        """the guild's message settings."""
        return Parts(MessageSetting.parse)

    # -- members ---------------------------------------------------------------------------------

    @route("GET", _MEMBER)
    def get_guild_member(guild_id: str, user_id: str) -> Parts[Member]:
        """one member."""
        return Parts(Member.parse)

    @route("GET", "/guilds/{guild_id}/members")
    def get_guild_members(
        guild_id: str, after: str = "0", limit: int = 400
    ) -> Parts[tuple[Member, ...]]:
        """a page of members after member ``after`` (≤ 400)."""
        return Parts(many(Member), query=query(after=after, limit=limit))

    @route("DELETE", _MEMBER, json_args=True)
    def get_delete_member(
        guild_id: str,
        user_id: str,
        add_blacklist: bool = False,
        delete_history_msg_days: int = 0,
    ) -> Parts[None]:
        """kick; the options go in the body.

        ``delete_history_msg_days``: 3, 7, 15, 30, -1 (all) or 0 (none).
        """
        return Parts(nothing)

    @route("POST", "/v2/groups/{group_openid}/members", json_args=True)
    def get_group_members(
        group_openid: str, limit: int | None = None, start_index: int | None = None
    ) -> Parts[GroupMembers]:
        """a page of a group's members: ``{limit, start_index}`` in, ``{members, next_index}`` out.

        In the platform docs, but open to invited bots only: others get an API error. Page on by
        passing the answer's ``next_index`` as ``start_index``.
        """
        return Parts(GroupMembers.parse)

    # -- roles -----------------------------------------------------------------------------------

    @route("GET", _ROLES)
    def get_guild_roles(guild_id: str) -> Parts[GuildRoles]:
        """the guild's roles."""
        return Parts(GuildRoles.parse)

    @route("POST", _ROLES)
    def create_guild_role(
        guild_id: str, name: str | None = None, color: int | None = None, hoist: bool | None = None
    ) -> Parts[RoleResult]:
        """answers ``{role_id, role}``."""
        payload = body(name=name, color=color, hoist=_hoist(hoist))
        return Parts(RoleResult.parse, json=payload)

    @route("PATCH", _ROLE)
    def update_guild_role(
        guild_id: str,
        role_id: str,
        name: str | None = None,
        color: int | None = None,
        hoist: bool | None = None,
    ) -> Parts[RoleResult]:
        """answers ``{guild_id, role_id, role}``."""
        payload = body(name=name, color=color, hoist=_hoist(hoist))
        return Parts(RoleResult.parse, json=payload)

    @route("DELETE", _ROLE)
    def delete_guild_role(guild_id: str, role_id: str) -> Parts[None]:
        """delete a role."""
        return Parts(nothing)

    @route("PUT", _ROLE_MEMBER)
    def create_guild_role_member(
        guild_id: str, role_id: str, user_id: str, channel_id: str | None = None
    ) -> Parts[None]:
        """give a member a role.

        ``channel_id`` is needed for role 5 (sub-channel admin): body ``{"channel": {"id": …}}``.
        """
        return Parts(nothing, json=_role_body(channel_id))

    @route("DELETE", _ROLE_MEMBER)
    def delete_guild_role_member(
        guild_id: str, role_id: str, user_id: str, channel_id: str | None = None
    ) -> Parts[None]:
        """take a role back (same body as giving it)."""
        return Parts(nothing, json=_role_body(channel_id))

    @route("GET", "/guilds/{guild_id}/roles/{role_id}/members")
    def get_guild_role_members(
        guild_id: str, role_id: str, start_index: str = "0", limit: int = 400
    ) -> Parts[RoleMembers]:
        """a page of a role's members; page on with ``next``."""
        return Parts(RoleMembers.parse, query=query(start_index=start_index, limit=limit))

    # -- mute (PATCH, not PUT) -------------------------------------------------------------------

    @_GUILD_MUTE.route()
    def mute_all(
        guild_id: str,
        mute_end_timestamp: str | int | None = None,
        mute_seconds: str | int | None = None,
    ) -> Parts[None]:
        """mute everyone until a unix time or for seconds."""
        return Parts(nothing, json=_mute_times(mute_end_timestamp, mute_seconds))

    @_GUILD_MUTE.route()
    def cancel_mute_all(guild_id: str) -> Parts[None]:
        """with zero times: lift the guild-wide mute."""
        return Parts(nothing, json=dict(_UNMUTE))

    @route("PATCH", "/guilds/{guild_id}/members/{user_id}/mute")
    def mute_member(
        guild_id: str,
        user_id: str,
        mute_end_timestamp: str | int | None = None,
        mute_seconds: str | int | None = None,
    ) -> Parts[None]:
        """mute one member (zero times lift the mute)."""
        return Parts(nothing, json=_mute_times(mute_end_timestamp, mute_seconds))

    @_GUILD_MUTE.route()
    def mute_multi_member(
        guild_id: str,
        mute_end_timestamp: str | int | None = None,
        mute_seconds: str | int | None = None,
        user_ids: Sequence[str] | None = None,
    ) -> Parts[MuteResult]:
        """with ``user_ids``: mute several members at once."""
        payload = _mute_times(mute_end_timestamp, mute_seconds)
        if user_ids is not None:
            payload["user_ids"] = list(user_ids)
        return Parts(MuteResult.parse, json=payload)

    @_GUILD_MUTE.route()
    def cancel_mute_multi_member(guild_id: str, user_ids: Sequence[str]) -> Parts[MuteResult]:
        """with zero times and ``user_ids``: unmute them."""
        return Parts(MuteResult.parse, json={**_UNMUTE, "user_ids": list(user_ids)})

    # -- announces -------------------------------------------------------------------------------

    @_GUILD_ANNOUNCES.route(json_args=True)
    def create_announce(
        guild_id: str, channel_id: str | None = None, message_id: str | None = None
    ) -> Parts[Announce]:
        """make a message the guild announce."""
        return Parts(Announce.parse)

    @_GUILD_ANNOUNCES.route()
    def create_recommend_announce(
        guild_id: str, announces_type: int, recommend_channels: Sequence[JSON]
    ) -> Parts[Announce]:
        """with recommended channels."""
        channels = [plain(c) for c in recommend_channels]
        payload = {"announces_type": announces_type, "recommend_channels": channels}
        return Parts(Announce.parse, json=payload)

    @route("DELETE", "/guilds/{guild_id}/announces/{message_id}")
    def delete_announce(guild_id: str, message_id: str = "all") -> Parts[None]:
        """delete a guild announce (``"all"`` removes every one)."""
        return Parts(nothing)

    # -- API permissions -------------------------------------------------------------------------

    @route("GET", "/guilds/{guild_id}/api_permission")
    def get_permissions(guild_id: str) -> Parts[tuple[APIPermission, ...]]:
        """the APIs and whether each is granted."""
        return Parts(_apis)

    @route("POST", "/guilds/{guild_id}/api_permission/demand", json_args=True)
    def post_permission_demand(
        guild_id: str, channel_id: str, api_identify: JSON, desc: str
    ) -> Parts[APIPermissionDemand]:
        """ask admins for an API."""
        return Parts(APIPermissionDemand.parse)
