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
from qqproto.rest._build import JSON, body, decimal, get, many, nothing, plain, query, seg
from qqproto.rest._call import ApiRequest, Call, route


def _apis(data: JSON) -> tuple[APIPermission, ...]:
    return APIPermissions.parse(data).apis or ()


def _hoist(value: bool | int | None) -> int | None:
    return None if value is None else int(value)


class GuildRoutes:
    """Bot identity, guilds, members, roles, mutes, announces, API permissions, gateway."""

    # -- the bot itself --------------------------------------------------------------------------

    @route
    def me() -> Call[User]:
        """``GET /users/@me``: the bot's own user."""
        return Call(get("/users/@me", "/users/@me"), User.parse)

    @route
    def me_guilds(
        guild_id: str | None = None,
        limit: int = 100,
        desc: bool = False,
        *,
        before: str | None = None,
        after: str | None = None,
    ) -> Call[tuple[Guild, ...]]:
        """``GET /users/@me/guilds``: guilds the bot is in, paged by guild id (max ``limit`` 100).

        botpy style: ``guild_id`` with ``desc`` (``before``) or not (``after``); or pass ``before``
        / ``after`` directly.
        """
        if guild_id is not None:
            if desc:
                before = guild_id
            else:
                after = guild_id
        q = query(before=before, after=after, limit=limit)
        return Call(get("/users/@me/guilds", "/users/@me/guilds", q), many(Guild))

    @route
    def create_dms(guild_id: str, user_id: str) -> Call[DMS]:
        """``POST /users/@me/dms``: open a DM session with ``user_id``, met in ``guild_id``."""
        payload = {"recipient_id": user_id, "source_guild_id": guild_id}
        return Call(ApiRequest("POST", "/users/@me/dms", "/users/@me/dms", json=payload), DMS.parse)

    @route
    def get_gateway() -> Call[GatewayInfo]:
        """``GET /gateway``: the WebSocket URL."""
        return Call(get("/gateway", "/gateway"), GatewayInfo.parse)

    @route
    def get_ws_url() -> Call[GatewayBotInfo]:
        """``GET /gateway/bot``: the URL, suggested shards and ``session_start_limit``."""
        return Call(get("/gateway/bot", "/gateway/bot"), GatewayBotInfo.parse)

    # -- guilds ----------------------------------------------------------------------------------

    @route
    def get_guild(guild_id: str) -> Call[Guild]:
        """``GET /guilds/{guild_id}``."""
        return Call(get(f"/guilds/{seg(guild_id)}", "/guilds/{guild_id}"), Guild.parse)

    @route
    def get_message_setting(guild_id: str) -> Call[MessageSetting]:
        """``GET /guilds/{guild_id}/message/setting``: the guild's message settings."""
        path = f"/guilds/{seg(guild_id)}/message/setting"
        return Call(get(path, "/guilds/{guild_id}/message/setting"), MessageSetting.parse)

    # -- members ---------------------------------------------------------------------------------

    @route
    def get_guild_member(guild_id: str, user_id: str) -> Call[Member]:
        """``GET /guilds/{guild_id}/members/{user_id}``."""
        path = f"/guilds/{seg(guild_id)}/members/{seg(user_id)}"
        return Call(get(path, "/guilds/{guild_id}/members/{user_id}"), Member.parse)

    @route
    def get_guild_members(
        guild_id: str, after: str = "0", limit: int = 400
    ) -> Call[tuple[Member, ...]]:
        """``GET /guilds/{guild_id}/members``: a page after member ``after`` (≤ 400)."""
        q = query(after=after, limit=limit)
        path = f"/guilds/{seg(guild_id)}/members"
        return Call(get(path, "/guilds/{guild_id}/members", q), many(Member))

    @route
    def get_delete_member(
        guild_id: str,
        user_id: str,
        add_blacklist: bool = False,
        delete_history_msg_days: int = 0,
    ) -> Call[None]:
        """``DELETE /guilds/{guild_id}/members/{user_id}``: kick; the options go in the body.

        ``delete_history_msg_days``: 3, 7, 15, 30, -1 (all) or 0 (none).
        """
        payload = {
            "add_blacklist": add_blacklist,
            "delete_history_msg_days": delete_history_msg_days,
        }
        path = f"/guilds/{seg(guild_id)}/members/{seg(user_id)}"
        request = ApiRequest("DELETE", path, "/guilds/{guild_id}/members/{user_id}", json=payload)
        return Call(request, nothing)

    @route
    def get_group_members(
        group_openid: str, limit: int | None = None, start_index: int | None = None
    ) -> Call[GroupMembers]:
        """``POST /v2/groups/{group_openid}/members`` [UNCERTAIN: NoneBot only, not in the docs]."""
        path = f"/v2/groups/{seg(group_openid)}/members"
        payload = body(limit=limit, start_index=start_index)
        request = ApiRequest("POST", path, "/v2/groups/{group_openid}/members", json=payload)
        return Call(request, GroupMembers.parse)

    # -- roles -----------------------------------------------------------------------------------

    @route
    def get_guild_roles(guild_id: str) -> Call[GuildRoles]:
        """``GET /guilds/{guild_id}/roles``."""
        return Call(
            get(f"/guilds/{seg(guild_id)}/roles", "/guilds/{guild_id}/roles"), GuildRoles.parse
        )

    @route
    def create_guild_role(
        guild_id: str, name: str | None = None, color: int | None = None, hoist: bool | None = None
    ) -> Call[RoleResult]:
        """``POST /guilds/{guild_id}/roles``; answers ``{role_id, role}``."""
        payload = body(name=name, color=color, hoist=_hoist(hoist))
        path = f"/guilds/{seg(guild_id)}/roles"
        return Call(
            ApiRequest("POST", path, "/guilds/{guild_id}/roles", json=payload), RoleResult.parse
        )

    @route
    def update_guild_role(
        guild_id: str,
        role_id: str,
        name: str | None = None,
        color: int | None = None,
        hoist: bool | None = None,
    ) -> Call[RoleResult]:
        """``PATCH /guilds/{guild_id}/roles/{role_id}``; answers ``{guild_id, role_id, role}``."""
        payload = body(name=name, color=color, hoist=_hoist(hoist))
        path = f"/guilds/{seg(guild_id)}/roles/{seg(role_id)}"
        request = ApiRequest("PATCH", path, "/guilds/{guild_id}/roles/{role_id}", json=payload)
        return Call(request, RoleResult.parse)

    @route
    def delete_guild_role(guild_id: str, role_id: str) -> Call[None]:
        """``DELETE /guilds/{guild_id}/roles/{role_id}``."""
        path = f"/guilds/{seg(guild_id)}/roles/{seg(role_id)}"
        return Call(ApiRequest("DELETE", path, "/guilds/{guild_id}/roles/{role_id}"), nothing)

    @route
    def create_guild_role_member(
        guild_id: str, role_id: str, user_id: str, channel_id: str | None = None
    ) -> Call[None]:
        """``PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}``.

        ``channel_id`` is needed for role 5 (sub-channel admin): body ``{"channel": {"id": …}}``.
        """
        return Call(_role_member("PUT", guild_id, role_id, user_id, channel_id), nothing)

    @route
    def delete_guild_role_member(
        guild_id: str, role_id: str, user_id: str, channel_id: str | None = None
    ) -> Call[None]:
        """``DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}`` (same body as add)."""
        return Call(_role_member("DELETE", guild_id, role_id, user_id, channel_id), nothing)

    @route
    def get_guild_role_members(
        guild_id: str, role_id: str, start_index: str = "0", limit: int = 400
    ) -> Call[RoleMembers]:
        """``GET /guilds/{guild_id}/roles/{role_id}/members``; page on with ``next``."""
        q = query(start_index=start_index, limit=limit)
        path = f"/guilds/{seg(guild_id)}/roles/{seg(role_id)}/members"
        return Call(get(path, "/guilds/{guild_id}/roles/{role_id}/members", q), RoleMembers.parse)

    # -- mute (PATCH, not PUT) -------------------------------------------------------------------

    @route
    def mute_all(
        guild_id: str,
        mute_end_timestamp: str | int | None = None,
        mute_seconds: str | int | None = None,
    ) -> Call[None]:
        """``PATCH /guilds/{guild_id}/mute``: mute everyone until a unix time or for seconds."""
        payload = body(
            mute_end_timestamp=decimal(mute_end_timestamp), mute_seconds=decimal(mute_seconds)
        )
        return Call(_guild_mute(guild_id, payload), nothing)

    @route
    def cancel_mute_all(guild_id: str) -> Call[None]:
        """``PATCH /guilds/{guild_id}/mute`` with zero times: lift the guild-wide mute."""
        return Call(
            _guild_mute(guild_id, {"mute_end_timestamp": "0", "mute_seconds": "0"}), nothing
        )

    @route
    def mute_member(
        guild_id: str,
        user_id: str,
        mute_end_timestamp: str | int | None = None,
        mute_seconds: str | int | None = None,
    ) -> Call[None]:
        """``PATCH /guilds/{guild_id}/members/{user_id}/mute`` (zero times lift the mute)."""
        payload = body(
            mute_end_timestamp=decimal(mute_end_timestamp), mute_seconds=decimal(mute_seconds)
        )
        path = f"/guilds/{seg(guild_id)}/members/{seg(user_id)}/mute"
        request = ApiRequest(
            "PATCH", path, "/guilds/{guild_id}/members/{user_id}/mute", json=payload
        )
        return Call(request, nothing)

    @route
    def mute_multi_member(
        guild_id: str,
        mute_end_timestamp: str | int | None = None,
        mute_seconds: str | int | None = None,
        user_ids: Sequence[str] | None = None,
    ) -> Call[MuteResult]:
        """``PATCH /guilds/{guild_id}/mute`` with ``user_ids``: mute several members at once."""
        payload = body(
            mute_end_timestamp=decimal(mute_end_timestamp),
            mute_seconds=decimal(mute_seconds),
            user_ids=None if user_ids is None else list(user_ids),
        )
        return Call(_guild_mute(guild_id, payload), MuteResult.parse)

    @route
    def cancel_mute_multi_member(guild_id: str, user_ids: Sequence[str]) -> Call[MuteResult]:
        """``PATCH /guilds/{guild_id}/mute`` with zero times and ``user_ids``: unmute them."""
        payload = {"mute_end_timestamp": "0", "mute_seconds": "0", "user_ids": list(user_ids)}
        return Call(_guild_mute(guild_id, payload), MuteResult.parse)

    # -- announces -------------------------------------------------------------------------------

    @route
    def create_announce(
        guild_id: str, channel_id: str | None = None, message_id: str | None = None
    ) -> Call[Announce]:
        """``POST /guilds/{guild_id}/announces``: make a message the guild announce."""
        payload = body(channel_id=channel_id, message_id=message_id)
        return Call(_announces("POST", guild_id, payload), Announce.parse)

    @route
    def create_recommend_announce(
        guild_id: str, announces_type: int, recommend_channels: Sequence[JSON]
    ) -> Call[Announce]:
        """``POST /guilds/{guild_id}/announces`` with recommended channels."""
        payload = {
            "announces_type": announces_type,
            "recommend_channels": [plain(c) for c in recommend_channels],
        }
        return Call(_announces("POST", guild_id, payload), Announce.parse)

    @route
    def delete_announce(guild_id: str, message_id: str = "all") -> Call[None]:
        """``DELETE /guilds/{guild_id}/announces/{message_id}`` (``"all"`` removes every one)."""
        path = f"/guilds/{seg(guild_id)}/announces/{seg(message_id)}"
        return Call(
            ApiRequest("DELETE", path, "/guilds/{guild_id}/announces/{message_id}"), nothing
        )

    # -- API permissions -------------------------------------------------------------------------

    @route
    def get_permissions(guild_id: str) -> Call[tuple[APIPermission, ...]]:
        """``GET /guilds/{guild_id}/api_permission``: the APIs and whether each is granted."""
        path = f"/guilds/{seg(guild_id)}/api_permission"
        return Call(get(path, "/guilds/{guild_id}/api_permission"), _apis)

    @route
    def post_permission_demand(
        guild_id: str, channel_id: str, api_identify: JSON, desc: str
    ) -> Call[APIPermissionDemand]:
        """``POST /guilds/{guild_id}/api_permission/demand``: ask admins for an API."""
        payload = body(channel_id=channel_id, api_identify=api_identify, desc=desc)
        path = f"/guilds/{seg(guild_id)}/api_permission/demand"
        request = ApiRequest("POST", path, "/guilds/{guild_id}/api_permission/demand", json=payload)
        return Call(request, APIPermissionDemand.parse)


def _role_member(
    method: str, guild_id: str, role_id: str, user_id: str, channel_id: str | None
) -> ApiRequest:
    path = f"/guilds/{seg(guild_id)}/members/{seg(user_id)}/roles/{seg(role_id)}"
    payload = None if channel_id is None else {"channel": {"id": channel_id}}
    return ApiRequest(
        method, path, "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", json=payload
    )


def _guild_mute(guild_id: str, payload: dict[str, JSON]) -> ApiRequest:
    return ApiRequest(
        "PATCH", f"/guilds/{seg(guild_id)}/mute", "/guilds/{guild_id}/mute", json=payload
    )


def _announces(method: str, guild_id: str, payload: dict[str, JSON]) -> ApiRequest:
    path = f"/guilds/{seg(guild_id)}/announces"
    return ApiRequest(method, path, "/guilds/{guild_id}/announces", json=payload)
