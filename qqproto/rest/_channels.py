"""Channel routes: CRUD, history, permissions, pins, announces, schedules, threads, audio,
reactions, and the notification-setting guides."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from qqproto.models import (
    Announce,
    Channel,
    ChannelPermissions,
    InvalidModel,
    Member,
    Message,
    Model,
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
from qqproto.rest._messages import _CHANNEL_SEND

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

M = TypeVar("M", bound=Model)


def listing(
    model: type[M], key: str, item_key: str | None = None
) -> Callable[[JSON], tuple[M, ...]]:
    """Parse a list of ``model`` objects sent bare (``[...]``) or wrapped (``{key: [...]}``); an
    empty answer (``null``, ``""``, ``{}``) is no items. With ``item_key`` an item may itself be
    wrapped (``{item_key: {...}}``), as single messages sometimes are."""

    def parse(data: JSON) -> tuple[M, ...]:
        if isinstance(data, dict):
            data = data.get(key, data or None)
        if data is None or data == "":
            data = []
        if not isinstance(data, list):
            raise InvalidModel(f"list[{model.__name__}]", None, f"expected an array or {{{key}}}")
        items = []
        for item in data:
            if item_key is not None and isinstance(item, dict):
                inner = item.get(item_key)
                if isinstance(inner, dict) and len(item) == 1:
                    item = inner
            items.append(model.parse(item))
        return tuple(items)

    return parse


def _history_query(
    around: str | None, before: str | None, after: str | None, limit: int
) -> tuple[tuple[str, str], ...]:
    anchors = {"around": around, "before": before, "after": after}
    given = {name: value for name, value in anchors.items() if value is not None}
    if len(given) > 1:
        names = ", ".join(given)
        raise ValueError(f"get_messages takes at most one of around, before, after (got {names})")
    for name, value in given.items():
        if not isinstance(value, str):
            raise TypeError(
                f"get_messages: {name} is a message id (str), not {type(value).__name__}"
            )
        if not value:
            raise ValueError(f"get_messages: {name} must be a non-empty message id")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"get_messages: limit must be a positive int, not {limit!r}")
    return query(**given, limit=limit)


def _mentions(content: str | None, at_user_ids: Sequence[str]) -> str | None:
    if isinstance(at_user_ids, str):
        raise TypeError("at_user_ids is a sequence of user ids, not one string")
    text = (content or "") + "".join(f"<@{user_id}>" for user_id in at_user_ids)
    return text or None


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

    # -- history ---------------------------------------------------------------------------------

    @route("GET", _CHANNEL_SEND.template)  # the send route's path, read
    def get_messages(
        channel_id: str,
        *,
        around: str | None = None,
        before: str | None = None,
        after: str | None = None,
        limit: int = 20,
    ) -> Parts[tuple[Message, ...]]:
        """a page of the channel's history, at most ``limit`` messages [UNCERTAIN: botgo's
        route, not in the current docs; likely for private-domain bots only].

        Anchor the page on one message id with at most one of ``around`` (messages around it),
        ``before`` or ``after`` (``ValueError`` for two or more); with none the platform picks the
        page. The query is the anchor's name with the id, plus ``limit`` (botgo's
        ``MessagesPager``); botgo says 20 at most [UNCERTAIN: the platform's own bound and
        order]. The answer is a list of messages (botgo reads a bare array); ``{"messages": [...]}``
        and items wrapped as ``{"message": {...}}`` are accepted too.
        """
        return Parts(
            listing(Message, "messages", "message"),
            query=_history_query(around, before, after, limit),
        )

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
    def get_schedules(
        channel_id: str, since: int | None = None, *, since_in_body: bool = False
    ) -> Parts[tuple[Schedule, ...]]:
        """the channel's schedules from ``since`` (unix ms) on; without it, today's.

        ``since`` goes as the query parameter ``?since=`` (botrs, and a GET carries no body);
        ``since_in_body=True`` sends the JSON body ``{"since": …}`` instead [UNCERTAIN: the docs
        print the parameter as a body of this GET, as botpy sends it; which one the platform
        reads is not confirmed].
        """
        if since is None:
            return Parts(many(Schedule))
        if since_in_body:
            return Parts(many(Schedule), json={"since": since})
        return Parts(many(Schedule), query=query(since=since))

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
        """the bot goes on the mic. The request has no body (not even ``{}``)."""
        return Parts(nothing)

    @route("DELETE", _MIC)
    def off_microphone(channel_id: str) -> Parts[None]:
        """the bot leaves the mic. The request has no body (not even ``{}``)."""
        return Parts(nothing)

    # -- notification-setting guides -------------------------------------------------------------

    @route("POST", "/channels/{channel_id}/settingguide")
    def post_setting_guide(
        channel_id: str, *, content: str | None = None, at_user_ids: Sequence[str] = ()
    ) -> Parts[Message | None]:
        """send a guide to the notification settings in a channel.

        Body ``{"content": …}`` (botgo's ``SettingGuideToCreate``): ``content`` followed by an
        ``<@user_id>`` mention of each of ``at_user_ids``; no field when both are empty. Answers
        the sent message (or nothing).
        """
        return Parts(optional(Message), json=body(content=_mentions(content, at_user_ids)))

    @route("POST", "/dms/{guild_id}/settingguide")
    def post_dms_setting_guide(
        guild_id: str, *, jump_guild_id: str | None = None, content: str | None = None
    ) -> Parts[Message | None]:
        """send a notification-setting guide in a DM session (``guild_id`` of the session).

        Body ``{"setting_guide": {"guild_id": jump_guild_id}}``: the guild the guide leads to
        (botgo's ``SettingGuide``), and ``content`` if given. Answers the sent message (or
        nothing).
        """
        guide = None if jump_guild_id is None else {"guild_id": jump_guild_id}
        return Parts(optional(Message), json=body(content=content, setting_guide=guide))

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
