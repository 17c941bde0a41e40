"""Which intent carries each event, and realistic event bodies from a simulated user.

The bodies follow the official examples (``fixtures/events/*.json``, taken from the platform's
docs) field for field; ids, timestamps and content are filled in by the caller. Everything here
is a pure function: ids come from the injected ``rng`` and times from the ``wall`` clock value
passed in (unix seconds).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from qqproto.gateway._intents import Intents

__all__ = [
    "ALWAYS_DELIVERED",
    "EVENT_INTENTS",
    "at_message",
    "c2c_message",
    "direct_message",
    "event_id",
    "group_at_message",
    "group_message_id",
    "guild_message_id",
    "intent_for_event",
    "rfc3339",
]

_I = Intents

EVENT_INTENTS: Mapping[str, int] = {
    **dict.fromkeys(
        (
            "GUILD_CREATE",
            "GUILD_UPDATE",
            "GUILD_DELETE",
            "CHANNEL_CREATE",
            "CHANNEL_UPDATE",
            "CHANNEL_DELETE",
        ),
        int(_I.GUILDS),
    ),
    **dict.fromkeys(
        ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"), int(_I.GUILD_MEMBERS)
    ),
    **dict.fromkeys(("MESSAGE_CREATE", "MESSAGE_DELETE"), int(_I.GUILD_MESSAGES)),
    **dict.fromkeys(
        ("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"), int(_I.GUILD_MESSAGE_REACTIONS)
    ),
    **dict.fromkeys(("DIRECT_MESSAGE_CREATE", "DIRECT_MESSAGE_DELETE"), int(_I.DIRECT_MESSAGE)),
    **dict.fromkeys(
        (
            "OPEN_FORUM_THREAD_CREATE",
            "OPEN_FORUM_THREAD_UPDATE",
            "OPEN_FORUM_THREAD_DELETE",
            "OPEN_FORUM_POST_CREATE",
            "OPEN_FORUM_POST_DELETE",
            "OPEN_FORUM_REPLY_CREATE",
            "OPEN_FORUM_REPLY_DELETE",
        ),
        int(_I.OPEN_FORUMS_EVENT),
    ),
    **dict.fromkeys(
        ("AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER", "AUDIO_OR_LIVE_CHANNEL_MEMBER_EXIT"),
        int(_I.AUDIO_OR_LIVE_CHANNEL_MEMBER),
    ),
    "ENTER_AIO": int(_I.ENTER_AIO),
    **dict.fromkeys(("GROUP_MEMBER_ADD", "GROUP_MEMBER_REMOVE"), int(_I.GROUP_MEMBERS)),
    **dict.fromkeys(
        (
            "C2C_MESSAGE_CREATE",
            "FRIEND_ADD",
            "FRIEND_DEL",
            "C2C_MSG_REJECT",
            "C2C_MSG_RECEIVE",
            "GROUP_AT_MESSAGE_CREATE",
            "GROUP_MESSAGE_CREATE",
            "GROUP_ADD_ROBOT",
            "GROUP_DEL_ROBOT",
            "GROUP_MSG_REJECT",
            "GROUP_MSG_RECEIVE",
            "SUBSCRIBE_MESSAGE_STATUS",
        ),
        int(_I.GROUP_AND_C2C_EVENT),
    ),
    "INTERACTION_CREATE": int(_I.INTERACTION),
    **dict.fromkeys(("MESSAGE_AUDIT_PASS", "MESSAGE_AUDIT_REJECT"), int(_I.MESSAGE_AUDIT)),
    **dict.fromkeys(
        (
            "FORUM_THREAD_CREATE",
            "FORUM_THREAD_UPDATE",
            "FORUM_THREAD_DELETE",
            "FORUM_POST_CREATE",
            "FORUM_POST_DELETE",
            "FORUM_REPLY_CREATE",
            "FORUM_REPLY_DELETE",
            "FORUM_PUBLISH_AUDIT_RESULT",
        ),
        int(_I.FORUMS_EVENT),
    ),
    **dict.fromkeys(
        ("AUDIO_START", "AUDIO_FINISH", "AUDIO_ON_MIC", "AUDIO_OFF_MIC", "ON_MIC", "OFF_MIC"),
        int(_I.AUDIO_ACTION),
    ),
    **dict.fromkeys(("AT_MESSAGE_CREATE", "PUBLIC_MESSAGE_DELETE"), int(_I.PUBLIC_GUILD_MESSAGES)),
}
"""Event name (``t``) -> the intent bit a session must have subscribed to receive it."""

ALWAYS_DELIVERED = frozenset({"READY", "RESUMED"})
"""Events every session receives whatever its intents."""

_CST = timezone(timedelta(hours=8))


def intent_for_event(name: str) -> int | None:
    """The intent bit of event ``name``; None for events the table does not know (delivered to
    every session, so new platform events can be simulated before the table learns them)."""
    return EVENT_INTENTS.get(name)


def rfc3339(wall: float) -> str:
    """``wall`` (unix seconds) as the platform writes times: RFC 3339 in China Standard Time."""
    return datetime.fromtimestamp(wall, _CST).isoformat(timespec="seconds")


def event_id(name: str, rng: random.Random) -> str:
    """A top-level dispatch ``id`` like the platform's: ``"<EVENT>:<uuid>"``."""
    return f"{name}:{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def guild_message_id(rng: random.Random) -> str:
    """A guild (channel or DM) message id: a long lower-case hex string, as the platform's."""
    return f"08{rng.getrandbits(160):040x}"


def group_message_id(rng: random.Random) -> str:
    """A group/C2C message id: ``ROBOT1.0_`` plus an opaque token, as the platform's."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_!"
    token = "".join(rng.choice(alphabet) for _ in range(54))
    return f"ROBOT1.0_{token}"


def _guild_author(user_id: str, username: str, avatar: str) -> dict[str, Any]:
    return {"avatar": avatar, "bot": False, "id": user_id, "username": username}


def at_message(
    *,
    message_id: str,
    content: str,
    channel_id: str,
    guild_id: str,
    user_id: str,
    username: str,
    wall: float,
    seq: int,
    bot_id: str | None = None,
    bot_name: str = "",
    avatar: str = "http://thirdqq.qlogo.cn/0",
    roles: tuple[str, ...] = ("1",),
    joined_at: str = "2021-04-12T16:34:42+08:00",
) -> dict[str, Any]:
    """``AT_MESSAGE_CREATE``'s ``d``: a member @-mentions the bot in a text channel.

    With ``bot_id`` the content starts with ``<@!bot_id> `` and ``mentions`` lists the bot, as
    the platform sends it; without, ``content`` is used as given.
    """
    d: dict[str, Any] = {
        "author": _guild_author(user_id, username, avatar),
        "channel_id": channel_id,
        "content": f"<@!{bot_id}> {content}" if bot_id is not None else content,
        "guild_id": guild_id,
        "id": message_id,
        "member": {"joined_at": joined_at, "roles": list(roles)},
        "timestamp": rfc3339(wall),
        "seq": seq,
        "seq_in_channel": str(seq),
    }
    if bot_id is not None:
        d["mentions"] = [{"avatar": "", "bot": True, "id": bot_id, "username": bot_name}]
    return d


def direct_message(
    *,
    message_id: str,
    content: str,
    channel_id: str,
    guild_id: str,
    src_guild_id: str,
    user_id: str,
    username: str,
    wall: float,
    seq: int,
    avatar: str = "http://thirdqq.qlogo.cn/0",
    joined_at: str = "2021-04-12T16:34:42+08:00",
) -> dict[str, Any]:
    """``DIRECT_MESSAGE_CREATE``'s ``d``: a user writes to the bot in a guild DM session
    (``guild_id`` is the DM session's guild, ``src_guild_id`` the guild it started from)."""
    return {
        "author": _guild_author(user_id, username, avatar),
        "channel_id": channel_id,
        "content": content,
        "direct_message": True,
        "guild_id": guild_id,
        "id": message_id,
        "member": {"joined_at": joined_at, "roles": ["1"]},
        "seq": seq,
        "seq_in_channel": str(seq),
        "src_guild_id": src_guild_id,
        "timestamp": rfc3339(wall),
    }


def group_at_message(
    *,
    message_id: str,
    content: str,
    group_openid: str,
    member_openid: str,
    wall: float,
) -> dict[str, Any]:
    """``GROUP_AT_MESSAGE_CREATE``'s ``d``: a group member @-mentions the bot. The platform
    strips the mention and keeps the leading space, as in the docs' example."""
    return {
        "author": {"id": member_openid, "member_openid": member_openid},
        "content": content if content.startswith(" ") else f" {content}",
        "group_id": group_openid,
        "group_openid": group_openid,
        "id": message_id,
        "timestamp": rfc3339(wall),
    }


def c2c_message(
    *,
    message_id: str,
    content: str,
    user_openid: str,
    wall: float,
) -> dict[str, Any]:
    """``C2C_MESSAGE_CREATE``'s ``d``: a user writes to the bot in a single chat."""
    return {
        "author": {"id": user_openid, "user_openid": user_openid},
        "content": content,
        "id": message_id,
        "timestamp": rfc3339(wall),
    }
