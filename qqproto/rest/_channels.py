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
from qqproto.rest._build import JSON, body, decimal, many, nothing, optional, query, unwrap
from qqproto.rest._call import Parts, route

_CHANNEL = "/channels/{channel_id}"
_GUILD_CHANNELS = "/guilds/{guild_id}/channels"
_MEMBER_PERMISSIONS = "/channels/{channel_id}/members/{user_id}/permissions"
_ROLE_PERMISSIONS = "/channels/{channel_id}/roles/{role_id}/permissions"
_PIN = "/channels/{channel_id}/pins/{message_id}"
_SCHEDULES = "/channels/{channel_id}/schedules"
_SCHEDULE = "/channels/{channel_id}/schedules/{schedule_id}"
_THREADS = "/channels/{channel_id}/threads"
_THREAD = "/channels/{channel_id}/threads/{thread_id}"
_MIC = "/channels/{channel_id}/mic"
_REACTION = "/channels/{channel_id}/messages/{message_id}/reactions/{type}/{id}"
_EMOJI = {"type": "emoji_type", "id": "emoji_id"}


def _permissions(add: str | int | None, remove: str | int | None) -> Parts[None]:
    return Parts(nothing, json=body(add=decimal(add), remove=decimal(remove)))


def _schedule(
    name: str,
    start_timestamp: str | int,
    end_timestamp: str | int,
    jump_channel_id: str | None,
    remind_type: str | int | None,
    description: str | None,
) -> Parts[Schedule]:
    schedule = body(
        name=name,
        description=description,
        start_timestamp=decimal(start_timestamp),
        end_timestamp=decimal(end_timestamp),
        jump_channel_id=jump_channel_id,
        remind_type=decimal(remind_type),
    )
    return Parts(Schedule.parse, json={"schedule": schedule})


class ChannelRoutes:
    """Channels and what lives in them."""

    # -- channels --------------------------------------------------------------------------------

    @route("GET", _CHANNEL)
    def get_channel(channel_id: str) -> Parts[Channel]:
        """a channel."""
        return Parts(Channel.parse)

    @route("GET", _GUILD_CHANNELS)
    def get_channels(guild_id: str) -> Parts[tuple[Channel, ...]]:
        """the guild's channels."""
        return Parts(many(Channel))

    @route("POST", _GUILD_CHANNELS, json_args=True)
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
    ) -> Parts[Channel]:
        """create a channel (private-domain bots)."""
        return Parts(Channel.parse)

    @route("PATCH", _CHANNEL, json_args=True)
    def update_channel(
        channel_id: str,
        name: str | None = None,
        position: int | None = None,
        parent_id: str | None = None,
        private_type: int | None = None,
        speak_permission: int | None = None,
    ) -> Parts[Channel]:
        """change the given fields only."""
        return Parts(Channel.parse)

    @route("DELETE", _CHANNEL)
    def delete_channel(channel_id: str) -> Parts[Channel | None]:
        """answers the deleted channel (or nothing)."""
        return Parts(optional(Channel))

    @route("GET", "/channels/{channel_id}/voice/members")
    def get_voice_members(channel_id: str) -> Parts[tuple[Member, ...]]:
        """who is in a voice channel."""
        return Parts(many(Member))

    @route("GET", "/channels/{channel_id}/online_nums")
    def get_online_nums(channel_id: str) -> Parts[OnlineNums]:
        """members in an audio/live channel."""
        return Parts(OnlineNums.parse)

    # -- channel permissions ---------------------------------------------------------------------

    @route("GET", _MEMBER_PERMISSIONS)
    def get_channel_user_permissions(channel_id: str, user_id: str) -> Parts[ChannelPermissions]:
        """a member's permissions in the channel."""
        return Parts(ChannelPermissions.parse)

    @route("PUT", _MEMBER_PERMISSIONS)
    def update_channel_user_permissions(
        channel_id: str, user_id: str, add: str | int | None = None, remove: str | int | None = None
    ) -> Parts[None]:
        """``{add, remove}`` permission bits for a member."""
        return _permissions(add, remove)

    @route("GET", _ROLE_PERMISSIONS)
    def get_channel_role_permissions(channel_id: str, role_id: str) -> Parts[ChannelPermissions]:
        """a role's permissions in the channel."""
        return Parts(ChannelPermissions.parse)

    @route("PUT", _ROLE_PERMISSIONS)
    def update_channel_role_permissions(
        channel_id: str, role_id: str, add: str | int | None = None, remove: str | int | None = None
    ) -> Parts[None]:
        """``{add, remove}`` permission bits for a role."""
        return _permissions(add, remove)

    # -- pins ------------------------------------------------------------------------------------

    @route("PUT", _PIN)
    def put_pin(channel_id: str, message_id: str) -> Parts[PinsMessage]:
        """pin a message; answers the pinned list."""
        return Parts(PinsMessage.parse)

    @route("DELETE", _PIN)
    def delete_pin(channel_id: str, message_id: str) -> Parts[None]:
        """unpin (``"all"`` unpins everything)."""
        return Parts(nothing)

    @route("GET", "/channels/{channel_id}/pins")
    def get_pins(channel_id: str) -> Parts[PinsMessage]:
        """the pinned messages."""
        return Parts(PinsMessage.parse)

    # -- channel announces (legacy) --------------------------------------------------------------

    @route("POST", "/channels/{channel_id}/announces", json_args=True)
    def create_channel_announce(channel_id: str, message_id: str) -> Parts[Announce]:
        """legacy channel-level announce."""
        return Parts(Announce.parse)

    @route("DELETE", "/channels/{channel_id}/announces/{message_id}")
    def delete_channel_announce(channel_id: str, message_id: str = "all") -> Parts[None]:
        """legacy channel-level announce removal."""
        return Parts(nothing)

    # -- schedules -------------------------------------------------------------------------------

    @route("GET", _SCHEDULES)
    def get_schedules(channel_id: str, since: int | None = None) -> Parts[tuple[Schedule, ...]]:
        """``since`` (unix ms) goes in a JSON body.

        [UNCERTAIN] the docs print ``{"since": …}`` as the body of this GET; botrs sends a query.
        """
        return Parts(many(Schedule), json=None if since is None else {"since": since})

    @route("GET", _SCHEDULE)
    def get_schedule(channel_id: str, schedule_id: str) -> Parts[Schedule]:
        """one schedule."""
        return Parts(Schedule.parse)

    @route("POST", _SCHEDULES)
    def create_schedule(
        channel_id: str,
        name: str,
        start_timestamp: str | int,
        end_timestamp: str | int,
        jump_channel_id: str | None = None,
        remind_type: str | int | None = None,
        description: str | None = None,
    ) -> Parts[Schedule]:
        """``{"schedule": {…}}``, unix ms times."""
        return _schedule(
            name, start_timestamp, end_timestamp, jump_channel_id, remind_type, description
        )

    @route("PATCH", _SCHEDULE)
    def update_schedule(
        channel_id: str,
        schedule_id: str,
        name: str,
        start_timestamp: str | int,
        end_timestamp: str | int,
        jump_channel_id: str | None = None,
        remind_type: str | int | None = None,
        description: str | None = None,
    ) -> Parts[Schedule]:
        """same body as create."""
        return _schedule(
            name, start_timestamp, end_timestamp, jump_channel_id, remind_type, description
        )

    @route("DELETE", _SCHEDULE)
    def delete_schedule(channel_id: str, schedule_id: str) -> Parts[None]:
        """delete a schedule."""
        return Parts(nothing)

    # -- forum threads ---------------------------------------------------------------------------

    @route("GET", _THREADS)
    def get_threads(channel_id: str) -> Parts[ThreadList]:
        """the forum's threads."""
        return Parts(ThreadList.parse)

    @route("GET", _THREAD)
    def get_thread_detail(channel_id: str, thread_id: str) -> Parts[Thread]:
        """one thread (the answer's ``thread``)."""
        return Parts(unwrap(Thread, "thread"))

    @route("PUT", _THREADS, json_args=True)
    def post_thread(
        channel_id: str, title: str, content: str, format: int = 1
    ) -> Parts[ThreadPublished]:
        """publish a thread. ``format`` 1 text, 2 HTML, 3 markdown, 4 JSON."""
        return Parts(ThreadPublished.parse)

    @route("DELETE", _THREAD)
    def delete_thread(channel_id: str, thread_id: str) -> Parts[None]:
        """delete a thread."""
        return Parts(nothing)

    # -- audio -----------------------------------------------------------------------------------

    @route("POST", "/channels/{channel_id}/audio")
    def update_audio(
        channel_id: str,
        audio_control: Mapping[str, JSON] | None = None,
        *,
        audio_url: str | None = None,
        text: str | None = None,
        status: int | None = None,
    ) -> Parts[None]:
        """``{audio_url, text, status}``.

        ``status``: 0 start, 1 pause, 2 resume, 3 stop. Pass a dict (botpy style) or keywords.
        """
        payload = dict(audio_control or {})
        payload.update(body(audio_url=audio_url, text=text, status=status))
        return Parts(nothing, json=payload)

    @route("PUT", _MIC)
    def on_microphone(channel_id: str) -> Parts[None]:
        """the bot goes on the mic."""
        return Parts(nothing, json={})

    @route("DELETE", _MIC)
    def off_microphone(channel_id: str) -> Parts[None]:
        """the bot leaves the mic."""
        return Parts(nothing, json={})

    # -- reactions -------------------------------------------------------------------------------

    @route("PUT", _REACTION, aliases=_EMOJI)
    def put_reaction(
        channel_id: str, message_id: str, emoji_type: int, emoji_id: str
    ) -> Parts[None]:
        """react (``emoji_type`` 1 system, 2 custom)."""
        return Parts(nothing)

    @route("DELETE", _REACTION, aliases=_EMOJI)
    def delete_reaction(
        channel_id: str, message_id: str, emoji_type: int, emoji_id: str
    ) -> Parts[None]:
        """take the bot's reaction back."""
        return Parts(nothing)

    @route("GET", _REACTION, aliases=_EMOJI)
    def get_reaction_users(
        channel_id: str,
        message_id: str,
        emoji_type: int,
        emoji_id: str,
        cookie: str | None = None,
        limit: int = 20,
    ) -> Parts[ReactionUsers]:
        """a page of users; pass the answer's ``cookie`` on."""
        return Parts(ReactionUsers.parse, query=query(cookie=cookie, limit=limit))
