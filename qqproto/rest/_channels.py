"""Channel routes: CRUD, permissions, pins, announces, schedules, threads, audio, reactions."""

from __future__ import annotations

from collections.abc import Mapping

from qqproto.models import (
    Announce,
    Channel,
    ChannelPermissions,
    Member,
    OnlineNums,
    PinsMessage,
    ReactionUsers,
    Schedule,
    Thread,
    ThreadList,
    ThreadPublished,
)
from qqproto.rest._build import (
    JSON,
    body,
    decimal,
    get,
    many,
    nothing,
    optional,
    query,
    seg,
    unwrap,
)
from qqproto.rest._call import ApiRequest, Call, route

_CHANNEL = "/channels/{channel_id}"
_REACTION = "/channels/{channel_id}/messages/{message_id}/reactions/{type}/{id}"


def _reaction_path(channel_id: str, message_id: str, emoji_type: int, emoji_id: str) -> str:
    return (
        f"/channels/{seg(channel_id)}/messages/{seg(message_id)}"
        f"/reactions/{seg(emoji_type)}/{seg(emoji_id)}"
    )


def _schedule(
    name: str,
    start_timestamp: str | int,
    end_timestamp: str | int,
    jump_channel_id: str | None,
    remind_type: str | int | None,
    description: str | None,
) -> dict[str, JSON]:
    return {
        "schedule": body(
            name=name,
            description=description,
            start_timestamp=decimal(start_timestamp),
            end_timestamp=decimal(end_timestamp),
            jump_channel_id=jump_channel_id,
            remind_type=decimal(remind_type),
        )
    }


class ChannelRoutes:
    """Channels and what lives in them."""

    # -- channels --------------------------------------------------------------------------------

    @route
    def get_channel(channel_id: str) -> Call[Channel]:
        """``GET /channels/{channel_id}``."""
        return Call(get(f"/channels/{seg(channel_id)}", _CHANNEL), Channel.parse)

    @route
    def get_channels(guild_id: str) -> Call[tuple[Channel, ...]]:
        """``GET /guilds/{guild_id}/channels``."""
        return Call(
            get(f"/guilds/{seg(guild_id)}/channels", "/guilds/{guild_id}/channels"), many(Channel)
        )

    @route
    def create_channel(
        guild_id: str,
        name: str,
        type: int,
        sub_type: int,
        position: int | None = None,
        parent_id: str | None = None,
        private_type: int | None = None,
        private_user_ids: list[str] | None = None,
        speak_permission: int | None = None,
        application_id: str | None = None,
    ) -> Call[Channel]:
        """``POST /guilds/{guild_id}/channels`` (private-domain bots)."""
        payload = body(
            name=name,
            type=type,
            sub_type=sub_type,
            position=position,
            parent_id=parent_id,
            private_type=private_type,
            private_user_ids=private_user_ids,
            speak_permission=speak_permission,
            application_id=application_id,
        )
        path = f"/guilds/{seg(guild_id)}/channels"
        return Call(
            ApiRequest("POST", path, "/guilds/{guild_id}/channels", json=payload), Channel.parse
        )

    @route
    def update_channel(
        channel_id: str,
        name: str | None = None,
        position: int | None = None,
        parent_id: str | None = None,
        private_type: int | None = None,
        speak_permission: int | None = None,
    ) -> Call[Channel]:
        """``PATCH /channels/{channel_id}`` (only the given fields change)."""
        payload = body(
            name=name,
            position=position,
            parent_id=parent_id,
            private_type=private_type,
            speak_permission=speak_permission,
        )
        request = ApiRequest("PATCH", f"/channels/{seg(channel_id)}", _CHANNEL, json=payload)
        return Call(request, Channel.parse)

    @route
    def delete_channel(channel_id: str) -> Call[Channel | None]:
        """``DELETE /channels/{channel_id}``; answers the deleted channel (or nothing)."""
        return Call(
            ApiRequest("DELETE", f"/channels/{seg(channel_id)}", _CHANNEL), optional(Channel)
        )

    @route
    def get_voice_members(channel_id: str) -> Call[tuple[Member, ...]]:
        """``GET /channels/{channel_id}/voice/members``: who is in a voice channel."""
        path = f"/channels/{seg(channel_id)}/voice/members"
        return Call(get(path, "/channels/{channel_id}/voice/members"), many(Member))

    @route
    def get_online_nums(channel_id: str) -> Call[OnlineNums]:
        """``GET /channels/{channel_id}/online_nums``: members in an audio/live channel."""
        path = f"/channels/{seg(channel_id)}/online_nums"
        return Call(get(path, "/channels/{channel_id}/online_nums"), OnlineNums.parse)

    # -- channel permissions ---------------------------------------------------------------------

    @route
    def get_channel_user_permissions(channel_id: str, user_id: str) -> Call[ChannelPermissions]:
        """``GET /channels/{channel_id}/members/{user_id}/permissions``."""
        path = f"/channels/{seg(channel_id)}/members/{seg(user_id)}/permissions"
        route_ = "/channels/{channel_id}/members/{user_id}/permissions"
        return Call(get(path, route_), ChannelPermissions.parse)

    @route
    def update_channel_user_permissions(
        channel_id: str, user_id: str, add: str | int | None = None, remove: str | int | None = None
    ) -> Call[None]:
        """``PUT /channels/{channel_id}/members/{user_id}/permissions`` (``{add, remove}``)."""
        path = f"/channels/{seg(channel_id)}/members/{seg(user_id)}/permissions"
        route_ = "/channels/{channel_id}/members/{user_id}/permissions"
        payload = body(add=decimal(add), remove=decimal(remove))
        return Call(ApiRequest("PUT", path, route_, json=payload), nothing)

    @route
    def get_channel_role_permissions(channel_id: str, role_id: str) -> Call[ChannelPermissions]:
        """``GET /channels/{channel_id}/roles/{role_id}/permissions``."""
        path = f"/channels/{seg(channel_id)}/roles/{seg(role_id)}/permissions"
        route_ = "/channels/{channel_id}/roles/{role_id}/permissions"
        return Call(get(path, route_), ChannelPermissions.parse)

    @route
    def update_channel_role_permissions(
        channel_id: str, role_id: str, add: str | int | None = None, remove: str | int | None = None
    ) -> Call[None]:
        """``PUT /channels/{channel_id}/roles/{role_id}/permissions`` (``{add, remove}``)."""
        path = f"/channels/{seg(channel_id)}/roles/{seg(role_id)}/permissions"
        route_ = "/channels/{channel_id}/roles/{role_id}/permissions"
        payload = body(add=decimal(add), remove=decimal(remove))
        return Call(ApiRequest("PUT", path, route_, json=payload), nothing)

    # -- pins ------------------------------------------------------------------------------------

    @route
    def put_pin(channel_id: str, message_id: str) -> Call[PinsMessage]:
        """``PUT /channels/{channel_id}/pins/{message_id}``; answers the pinned list."""
        path = f"/channels/{seg(channel_id)}/pins/{seg(message_id)}"
        request = ApiRequest("PUT", path, "/channels/{channel_id}/pins/{message_id}")
        return Call(request, PinsMessage.parse)

    @route
    def delete_pin(channel_id: str, message_id: str) -> Call[None]:
        """``DELETE /channels/{channel_id}/pins/{message_id}`` (``"all"`` unpins everything)."""
        path = f"/channels/{seg(channel_id)}/pins/{seg(message_id)}"
        return Call(ApiRequest("DELETE", path, "/channels/{channel_id}/pins/{message_id}"), nothing)

    @route
    def get_pins(channel_id: str) -> Call[PinsMessage]:
        """``GET /channels/{channel_id}/pins``."""
        path = f"/channels/{seg(channel_id)}/pins"
        return Call(get(path, "/channels/{channel_id}/pins"), PinsMessage.parse)

    # -- channel announces (legacy) --------------------------------------------------------------

    @route
    def create_channel_announce(channel_id: str, message_id: str) -> Call[Announce]:
        """``POST /channels/{channel_id}/announces`` (legacy channel-level announce)."""
        path = f"/channels/{seg(channel_id)}/announces"
        request = ApiRequest(
            "POST", path, "/channels/{channel_id}/announces", json={"message_id": message_id}
        )
        return Call(request, Announce.parse)

    @route
    def delete_channel_announce(channel_id: str, message_id: str = "all") -> Call[None]:
        """``DELETE /channels/{channel_id}/announces/{message_id}`` (legacy)."""
        path = f"/channels/{seg(channel_id)}/announces/{seg(message_id)}"
        route_ = "/channels/{channel_id}/announces/{message_id}"
        return Call(ApiRequest("DELETE", path, route_), nothing)

    # -- schedules -------------------------------------------------------------------------------

    @route
    def get_schedules(channel_id: str, since: int | None = None) -> Call[tuple[Schedule, ...]]:
        """``GET /channels/{channel_id}/schedules``; ``since`` (unix ms) goes in a JSON body.

        [UNCERTAIN] the docs print ``{"since": …}`` as the body of this GET; botrs sends a query.
        """
        path = f"/channels/{seg(channel_id)}/schedules"
        payload = None if since is None else {"since": since}
        request = ApiRequest(
            "GET", path, "/channels/{channel_id}/schedules", json=payload, idempotent=True
        )
        return Call(request, many(Schedule))

    @route
    def get_schedule(channel_id: str, schedule_id: str) -> Call[Schedule]:
        """``GET /channels/{channel_id}/schedules/{schedule_id}``."""
        path = f"/channels/{seg(channel_id)}/schedules/{seg(schedule_id)}"
        return Call(get(path, "/channels/{channel_id}/schedules/{schedule_id}"), Schedule.parse)

    @route
    def create_schedule(
        channel_id: str,
        name: str,
        start_timestamp: str | int,
        end_timestamp: str | int,
        jump_channel_id: str | None = None,
        remind_type: str | int | None = None,
        description: str | None = None,
    ) -> Call[Schedule]:
        """``POST /channels/{channel_id}/schedules``: ``{"schedule": {…}}``, unix ms times."""
        payload = _schedule(
            name, start_timestamp, end_timestamp, jump_channel_id, remind_type, description
        )
        path = f"/channels/{seg(channel_id)}/schedules"
        request = ApiRequest("POST", path, "/channels/{channel_id}/schedules", json=payload)
        return Call(request, Schedule.parse)

    @route
    def update_schedule(
        channel_id: str,
        schedule_id: str,
        name: str,
        start_timestamp: str | int,
        end_timestamp: str | int,
        jump_channel_id: str | None = None,
        remind_type: str | int | None = None,
        description: str | None = None,
    ) -> Call[Schedule]:
        """``PATCH /channels/{channel_id}/schedules/{schedule_id}`` (same body as create)."""
        payload = _schedule(
            name, start_timestamp, end_timestamp, jump_channel_id, remind_type, description
        )
        path = f"/channels/{seg(channel_id)}/schedules/{seg(schedule_id)}"
        route_ = "/channels/{channel_id}/schedules/{schedule_id}"
        return Call(ApiRequest("PATCH", path, route_, json=payload), Schedule.parse)

    @route
    def delete_schedule(channel_id: str, schedule_id: str) -> Call[None]:
        """``DELETE /channels/{channel_id}/schedules/{schedule_id}``."""
        path = f"/channels/{seg(channel_id)}/schedules/{seg(schedule_id)}"
        route_ = "/channels/{channel_id}/schedules/{schedule_id}"
        return Call(ApiRequest("DELETE", path, route_), nothing)

    # -- forum threads ---------------------------------------------------------------------------

    @route
    def get_threads(channel_id: str) -> Call[ThreadList]:
        """``GET /channels/{channel_id}/threads``."""
        path = f"/channels/{seg(channel_id)}/threads"
        return Call(get(path, "/channels/{channel_id}/threads"), ThreadList.parse)

    @route
    def get_thread_detail(channel_id: str, thread_id: str) -> Call[Thread]:
        """``GET /channels/{channel_id}/threads/{thread_id}`` (the answer's ``thread``)."""
        path = f"/channels/{seg(channel_id)}/threads/{seg(thread_id)}"
        return Call(
            get(path, "/channels/{channel_id}/threads/{thread_id}"), unwrap(Thread, "thread")
        )

    @route
    def post_thread(
        channel_id: str, title: str, content: str, format: int = 1
    ) -> Call[ThreadPublished]:
        """``PUT /channels/{channel_id}/threads``. ``format`` 1 text, 2 HTML, 3 md, 4 JSON."""
        path = f"/channels/{seg(channel_id)}/threads"
        payload = {"title": title, "content": content, "format": format}
        request = ApiRequest("PUT", path, "/channels/{channel_id}/threads", json=payload)
        return Call(request, ThreadPublished.parse)

    @route
    def delete_thread(channel_id: str, thread_id: str) -> Call[None]:
        """``DELETE /channels/{channel_id}/threads/{thread_id}``."""
        path = f"/channels/{seg(channel_id)}/threads/{seg(thread_id)}"
        return Call(
            ApiRequest("DELETE", path, "/channels/{channel_id}/threads/{thread_id}"), nothing
        )

    # -- audio -----------------------------------------------------------------------------------

    @route
    def update_audio(
        channel_id: str,
        audio_control: Mapping[str, JSON] | None = None,
        *,
        audio_url: str | None = None,
        text: str | None = None,
        status: int | None = None,
    ) -> Call[None]:
        """``POST /channels/{channel_id}/audio`` with ``{audio_url, text, status}``.

        ``status``: 0 start, 1 pause, 2 resume, 3 stop. Pass a dict (botpy style) or keywords.
        """
        payload = dict(audio_control or {})
        payload.update(body(audio_url=audio_url, text=text, status=status))
        path = f"/channels/{seg(channel_id)}/audio"
        return Call(ApiRequest("POST", path, "/channels/{channel_id}/audio", json=payload), nothing)

    @route
    def on_microphone(channel_id: str) -> Call[None]:
        """``PUT /channels/{channel_id}/mic``: the bot goes on the mic."""
        path = f"/channels/{seg(channel_id)}/mic"
        return Call(ApiRequest("PUT", path, "/channels/{channel_id}/mic", json={}), nothing)

    @route
    def off_microphone(channel_id: str) -> Call[None]:
        """``DELETE /channels/{channel_id}/mic``: the bot leaves the mic."""
        path = f"/channels/{seg(channel_id)}/mic"
        return Call(ApiRequest("DELETE", path, "/channels/{channel_id}/mic", json={}), nothing)

    # -- reactions -------------------------------------------------------------------------------

    @route
    def put_reaction(
        channel_id: str, message_id: str, emoji_type: int, emoji_id: str
    ) -> Call[None]:
        """``PUT …/reactions/{type}/{id}``: react (``emoji_type`` 1 system, 2 custom)."""
        path = _reaction_path(channel_id, message_id, emoji_type, emoji_id)
        return Call(ApiRequest("PUT", path, _REACTION), nothing)

    @route
    def delete_reaction(
        channel_id: str, message_id: str, emoji_type: int, emoji_id: str
    ) -> Call[None]:
        """``DELETE …/reactions/{type}/{id}``: take the bot's reaction back."""
        path = _reaction_path(channel_id, message_id, emoji_type, emoji_id)
        return Call(ApiRequest("DELETE", path, _REACTION), nothing)

    @route
    def get_reaction_users(
        channel_id: str,
        message_id: str,
        emoji_type: int,
        emoji_id: str,
        cookie: str | None = None,
        limit: int = 20,
    ) -> Call[ReactionUsers]:
        """``GET …/reactions/{type}/{id}``: a page of users; pass the answer's ``cookie`` on."""
        path = _reaction_path(channel_id, message_id, emoji_type, emoji_id)
        return Call(get(path, _REACTION, query(cookie=cookie, limit=limit)), ReactionUsers.parse)
