"""What the platform really sends, decoded: one test per deviation from the documented shapes.

Every payload here is a whole ``d`` shaped like the platform's own dispatches for that event:
all the usual fields (the official field tables, and what the platform sends beyond them:
quoting, mentions with ``scope``/``is_you``, ``member_role``, ``union_openid``, reaction targets
by name, numeric forum ids), not minimal dicts. The ids, openids and texts are made up in the
platform's formats; no captured traffic is copied. Each payload goes through
``parse_event(name, text, event_id=...)`` and through the gateway (``GatewayConnection`` ->
``Dispatch.raw`` -> ``parse_event``, as the client does), and both must give the same event with
the same ``raw``. The last test runs a real client on the virtual clock: a dispatch with a field
of the wrong type reaches ``on_error`` and the connection goes on.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from typing import Any, TypeVar

import msgspec
import pytest
from _e2e import Recording, on_virtual_clock, sim_client, until_virtual
from _gateway_payloads import HELLO_TEXT, READY_TEXT

from qqproto._errors import InvalidJSON, RemoteProtocolError
from qqproto.gateway import Dispatch, GatewayConfig, GatewayConnection, Intents
from qqproto.models import (
    C2CManageEvent,
    C2CMessage,
    ForumAuditResult,
    GroupManageEvent,
    GroupMention,
    GroupMessage,
    GuildEvent,
    Interaction,
    InvalidModel,
    MessageAudit,
    MessageElement,
    MessageReference,
    Model,
    Post,
    Reaction,
    ReactionTargetType,
    Reply,
    Thread,
    UploadConfig,
    UploadPrepareResult,
    parse_event,
)

T = TypeVar("T")
CST = timezone(timedelta(hours=8))

GUILD_ID = 47129941624960822  # above 2**53: exact only if never a float
CHANNEL_ID = 1661124
AUTHOR_ID = 144115218182563108
HUGE_IDS = (2**64 + 1, 340282366920938463463374607431768211457)  # past uint64: big ints
GROUP = "C9F778FE6ADF9D1D1DBE395BF744A33A"
MEMBER = "E4F4AEA33253A2797FB897C50B81D7ED"
USER = "0B9A36DB1B1E4D1EA0A1C3B8F2E9A7D4"
UNION = "144115218870651632"
BOT = "8E1C6E0F27B64A5F9D1D7C3B2A4E5F60"
QUOTED_IDX = "REFIDX_CJ2Y9bMGEMGT5pcCGNa8+L4G"
OWN_IDX = "REFIDX_CKaY9bMGEPSf5pcCGKbA+L4G"
PHOTO = (
    "https://multimedia.nt.qq.com.cn/download?appid=1407"
    "&fileid=EhSZ2ysM8wZ6Y0YkB9Xo3qLx7KQbFBjUwgMg_woopb2B4qf0jAMyBHByb2RQgL2jAQ"
    "&rkey=CAQSKAB6JWENi5LMzWnM9qZGk3rcL1I8y2mE0Yc6i3QpRvVqWcXvZPj1Yy0"
)


def text(d: Any) -> bytes:
    """``d`` as the compact UTF-8 JSON text of a dispatch (big ints exact)."""
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode()


def envelope_id(name: str) -> str:
    """An envelope ``id`` in the platform's format (``<EVENT>:<random>``)."""
    return f"{name}:e9kqtzmxbrxa4gsq5ovfjxwnnpgsu2lq0n1c8ybjv7ur3pke6hidfzl"


def through_gateway(name: str, d: bytes, event_id: str | int | None) -> Dispatch:
    """The ``Dispatch`` a live gateway connection makes of an op-0 frame carrying ``d``."""
    conn = GatewayConnection(GatewayConfig(intents=int(Intents.all())), rng=random.Random(0))
    conn.connection_made("token", 0.0)
    conn.receive_payload(HELLO_TEXT, 0.0)
    conn.receive_payload(READY_TEXT, 0.1)
    conn.events()
    frame = b'{"op":0,"s":2,"t":' + json.dumps(name).encode()
    if event_id is not None:
        frame += b',"id":' + json.dumps(event_id).encode()
    conn.receive_payload(frame + b',"d":' + d + b"}", 0.2)
    (dispatch,) = [ev for ev in conn.events() if isinstance(ev, Dispatch)]
    assert dispatch.name == name and bytes(dispatch.raw) == d  # the text exactly as it came
    return dispatch


def decode_both(name: str, d: bytes) -> Any:
    """``d`` decoded by ``parse_event`` directly and through the gateway: the same event, each
    keeping ``d`` as ``raw``."""
    eid = envelope_id(name)
    direct = parse_event(name, d, event_id=eid)
    dispatch = through_gateway(name, d, eid)
    via = parse_event(dispatch.name, dispatch.raw, event_id=dispatch.event_id)
    assert type(via) is type(direct) and via == direct
    assert isinstance(direct, Model) and isinstance(via, Model)
    assert direct.raw == via.raw == d and attrgetter("event_id")(direct) == eid
    assert via.extra == direct.extra
    return direct


def error_both(name: str, d: bytes) -> InvalidModel:
    """The InvalidModel that ``d`` raises, directly and through the gateway (the same one)."""
    with pytest.raises(InvalidModel) as direct:
        parse_event(name, d, event_id=envelope_id(name))
    dispatch = through_gateway(name, d, envelope_id(name))
    with pytest.raises(InvalidModel) as via:
        parse_event(dispatch.name, dispatch.raw, event_id=dispatch.event_id)
    assert str(via.value) == str(direct.value) and via.value.raw == direct.value.raw == d
    return direct.value


# -- the payloads ---------------------------------------------------------------------------------


def rich_text(*parts: dict[str, Any]) -> list[dict[str, Any]]:
    return list(parts)


def forum_thread(ids: tuple[Any, Any, Any]) -> dict[str, Any]:
    guild_id, channel_id, author_id = ids
    return {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "author_id": author_id,
        "thread_info": {
            "thread_id": "B_7c02cb615f8904001441152181825631080X60",
            "title": rich_text({"type": 1, "text_info": {"text": "周末活动报名"}}),
            "content": rich_text(
                {"type": 1, "text_info": {"text": "报名请到 "}},
                {"type": 5, "channel_info": {"channel_id": 1505272, "channel_name": "#活动"}},
                {"type": 1, "text_info": {"text": " 详情 "}},
                {"type": 3, "url_info": {"url": "https://qun.qq.com", "display_text": "这里"}},
                {"type": 4, "emoji_info": {"id": 4, "type": "1"}},
            ),
            "date_time": "2025-04-21T16:20:11+08:00",
        },
    }


def forum_post(ids: tuple[Any, Any, Any]) -> dict[str, Any]:
    guild_id, channel_id, author_id = ids
    return {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "author_id": author_id,
        "post_info": {
            "thread_id": "B_7c02cb615f8904001441152181825631080X60",
            "post_id": "p_ba02cb615f8f02001441152181825631080X60",
            "content": rich_text(
                {"type": 1, "text_info": {"text": "我也来"}},
                {"type": 4, "emoji_info": {"id": 109, "type": "1"}},
            ),
            "date_time": "2025-04-21T16:21:03+08:00",
        },
    }


def forum_reply(ids: tuple[Any, Any, Any]) -> dict[str, Any]:
    guild_id, channel_id, author_id = ids
    return {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "author_id": author_id,
        "reply_info": {
            "thread_id": "B_7c02cb615f8904001441152181825631080X60",
            "post_id": "p_ba02cb615f8f02001441152181825631080X60",
            "reply_id": "r_e701cb6128dc0b001441152181825631080X60",
            "content": rich_text({"type": 1, "text_info": {"text": "收到"}}),
            "date_time": "2025-04-21T16:22:45+08:00",
        },
    }


def forum_audit(ids: tuple[Any, Any, Any]) -> dict[str, Any]:
    guild_id, channel_id, author_id = ids
    return {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "author_id": author_id,
        "thread_id": "B_7c02cb615f8904001441152181825631080X60",
        "post_id": "",
        "reply_id": "",
        "type": 1,
        "result": 0,
        "err_msg": "",
    }


FORUM: dict[str, tuple[Callable[[tuple[Any, Any, Any]], dict[str, Any]], type[Model]]] = {
    "FORUM_THREAD_CREATE": (forum_thread, Thread),
    "FORUM_THREAD_UPDATE": (forum_thread, Thread),
    "FORUM_THREAD_DELETE": (forum_thread, Thread),
    "FORUM_POST_CREATE": (forum_post, Post),
    "FORUM_POST_DELETE": (forum_post, Post),
    "FORUM_REPLY_CREATE": (forum_reply, Reply),
    "FORUM_REPLY_DELETE": (forum_reply, Reply),
    "FORUM_PUBLISH_AUDIT_RESULT": (forum_audit, ForumAuditResult),
}


def guild_message(**changes: Any) -> dict[str, Any]:
    """MESSAGE_CREATE / AT_MESSAGE_CREATE as a guild channel delivers it."""
    d: dict[str, Any] = {
        "author": {
            "avatar": "https://thirdqq.qlogo.cn/g?b=oidb&k=RaHicTL0v1ZsiaYBDYEYLwCg&s=0",
            "bot": False,
            "id": "14271306431768349071",
            "username": "小明",
        },
        "channel_id": "634553",
        "content": "<@!11718693513470312089> 今天几点开会",
        "guild_id": "9283740185912537",
        "id": "08f4f9bde8c6d2b8a80110d9db2618b5b0023894a5dd7f06",
        "member": {
            "joined_at": "2023-03-08T21:13:37+08:00",
            "nick": "小明",
            "roles": ["1", "25"],
        },
        "mentions": [
            {
                "avatar": "https://thirdqq.qlogo.cn/g?b=oidb&k=0E3n6SPiau4Ao9aGlBibmHg&s=0",
                "bot": True,
                "id": "11718693513470312089",
                "username": "会议助手",
            }
        ],
        "seq": 1716,
        "seq_in_channel": "1716",
        "timestamp": "2025-04-21T16:20:11+08:00",
    }
    d.update(changes)
    return d


def group_message(**changes: Any) -> dict[str, Any]:
    """GROUP_AT_MESSAGE_CREATE quoting an earlier message (``message_type`` 103)."""
    d: dict[str, Any] = {
        "author": {
            "id": MEMBER,
            "member_openid": MEMBER,
            "union_openid": UNION,
            "username": "小明",
            "bot": False,
            "member_role": "admin",
        },
        "content": " 这条什么时候截止",
        "group_id": GROUP,
        "group_openid": GROUP,
        "id": "ROBOT1.0_eBIyWnxpmSu6uLQ7u7fU0WFmu9r3uUKjWfMr8Qh2sJ7k6i8bJZm1L5yF5gqeRC3e!!",
        "mentions": [
            {
                "id": BOT,
                "member_openid": BOT,
                "username": "报名助手",
                "bot": True,
                "is_you": True,
                "scope": "single",
            },
            {
                "id": USER,
                "member_openid": USER,
                "username": "小红",
                "bot": False,
                "is_you": False,
                "scope": "single",
            },
        ],
        "message_reference": {"message_id": QUOTED_IDX},
        "message_scene": {
            "source": "default",
            "ext": [f"ref_msg_idx={QUOTED_IDX}", f"msg_idx={OWN_IDX}"],
        },
        "message_type": 103,
        "msg_elements": [
            {
                "msg_idx": QUOTED_IDX,
                "content": "周六下午两点集合，带上报名表",
                "message_type": 0,
                "attachments": [
                    {
                        "content_type": "image/jpeg",
                        "filename": "3D4E6A1B0C7F8E9D2A5B4C3D2E1F0A9B.jpg",
                        "height": 1280,
                        "size": 218433,
                        "url": PHOTO,
                        "width": 960,
                    }
                ],
            }
        ],
        "msg_idx": OWN_IDX,
        "timestamp": "2025-04-21T16:20:11+08:00",
    }
    d.update(changes)
    return d


def c2c_message(**changes: Any) -> dict[str, Any]:
    """C2C_MESSAGE_CREATE quoting an earlier message."""
    d: dict[str, Any] = {
        "author": {"id": USER, "user_openid": USER, "union_openid": UNION},
        "content": "这个怎么填",
        "id": "ROBOT1.0_Cp4D7nVtF9rBgfAd7b6oX7I5pV2k0jq5ZmJ3iD8sE5fGn0hTt5tE3eQ1aY7uR6wZ!!",
        "message_reference": {"message_id": QUOTED_IDX},
        "message_scene": {"source": "default", "ext": [f"ref_msg_idx={QUOTED_IDX}"]},
        "message_type": 103,
        "msg_elements": [{"msg_idx": QUOTED_IDX, "content": "请填写报名表", "message_type": 0}],
        "msg_idx": OWN_IDX,
        "timestamp": "2025-04-21T16:20:11+08:00",
    }
    d.update(changes)
    return d


def reaction(target_type: Any) -> dict[str, Any]:
    return {
        "user_id": "14271306431768349071",
        "guild_id": "9283740185912537",
        "channel_id": "634553",
        "target": {
            "id": "08f4f9bde8c6d2b8a80110d9db2618b5b0023894a5dd7f06",
            "type": target_type,
        },
        "emoji": {"id": "4", "type": 1},
    }


def interaction() -> dict[str, Any]:
    """INTERACTION_CREATE of a feedback button in a group (``checked``, ``feedback_opt``)."""
    return {
        "application_id": "102073196",
        "chat_type": 1,
        "data": {
            "resolved": {
                "button_data": "feedback:dislike",
                "button_id": "2",
                "checked": 1,
                "feature_id": "",
                "feedback_opt": "答案不准确",
                "message_id": "ROBOT1.0_kJ1n0v3ZqUfY1Sg7aQ2b8c!!",
                "user_id": MEMBER,
            },
            "type": 11,
        },
        "group_member_openid": MEMBER,
        "group_openid": GROUP,
        "id": "f0a4c1ce-31c6-4c3e-8e5c-5a0c6f1f2b9d",
        "scene": "group",
        "timestamp": "2025-04-21T16:20:11+08:00",
        "type": 11,
        "version": 1,
    }


def group_robot_added(timestamp: Any = 1745223611) -> dict[str, Any]:
    return {"group_openid": GROUP, "op_member_openid": MEMBER, "timestamp": timestamp}


def message_audit(**changes: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "audit_id": "5f60b782-d134-4628-93b8-9baa4b182f48",
        "audit_time": "2025-04-21T16:20:11+08:00",
        "create_time": "2025-04-21T16:20:10+08:00",
        "message_id": "ROBOT1.0_a9hW1k3gQ8eYbU2s0fZrTw!!",
        "seq_in_channel": "",
    }
    d.update(changes)
    return d


# -- ids as JSON numbers --------------------------------------------------------------------------


@pytest.mark.parametrize("ids", [(GUILD_ID, CHANNEL_ID, AUTHOR_ID), (*HUGE_IDS, AUTHOR_ID)])
@pytest.mark.parametrize("name", list(FORUM))
def test_forum_ids_as_json_numbers_become_exact_strings(name: str, ids: tuple[int, ...]) -> None:
    build, model = FORUM[name]
    guild_id, channel_id, author_id = ids
    d = text(build((guild_id, channel_id, author_id)))
    assert str(guild_id).encode() in d  # sent as numbers, not strings
    event = decode_both(name, d)
    assert isinstance(event, model)
    # exact past 2**53 and past 2**64
    assert attrgetter("guild_id", "channel_id", "author_id")(event) == tuple(map(str, ids))
    assert event.extra == {}
    if isinstance(event, Thread):
        info = event.thread_info
        assert info is not None and isinstance(info.content, tuple)
        channel = info.content[1].channel_info
        assert channel is not None and channel.channel_id == "1505272"
        emoji = info.content[4].emoji_info
        assert emoji is not None and emoji.id == "4"
        assert info.date_time == datetime(2025, 4, 21, 16, 20, 11, tzinfo=CST)
    if isinstance(event, Post):
        assert event.post_info is not None and isinstance(event.post_info.content, tuple)
        emoji = event.post_info.content[1].emoji_info
        assert emoji is not None and emoji.id == "109"


# -- timestamps -----------------------------------------------------------------------------------

INSTANT = datetime(2025, 4, 21, 8, 20, 11, tzinfo=timezone.utc)
SPELLINGS: dict[str, tuple[Any, datetime]] = {
    "RFC 3339 +08:00": ("2025-04-21T16:20:11+08:00", INSTANT),
    "RFC 3339 Z": ("2025-04-21T08:20:11Z", INSTANT),
    "RFC 3339 with fraction": (
        "2025-04-21T16:20:11.123+08:00",
        INSTANT + timedelta(milliseconds=123),
    ),
    "unix seconds": (1745223611, INSTANT),
    "unix seconds as a string": ("1745223611", INSTANT),
    "milliseconds as a string": ("1745223611000", INSTANT),
    "milliseconds as a number": (1745223611000, INSTANT),
    "milliseconds with a fraction": (1745223611123, INSTANT + timedelta(milliseconds=123)),
    "no offset (UTC)": ("2025-04-21T08:20:11", INSTANT),
}


def _at(d: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    inner = d
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value
    return d


def _get(event: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        event = getattr(event, key)
    return event


TIME_FIELDS: dict[str, tuple[Callable[[], dict[str, Any]], tuple[str, ...]]] = {
    "GROUP_AT_MESSAGE_CREATE": (group_message, ("timestamp",)),
    "C2C_MESSAGE_CREATE": (c2c_message, ("timestamp",)),
    "GROUP_ADD_ROBOT": (group_robot_added, ("timestamp",)),
    "MESSAGE_CREATE": (guild_message, ("member", "joined_at")),
    "FORUM_THREAD_CREATE": (
        functools.partial(forum_thread, (GUILD_ID, CHANNEL_ID, AUTHOR_ID)),
        ("thread_info", "date_time"),
    ),
    "MESSAGE_AUDIT_PASS": (functools.partial(message_audit, group_openid=GROUP), ("audit_time",)),
    "INTERACTION_CREATE": (interaction, ("timestamp",)),
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
@pytest.mark.parametrize("name", list(TIME_FIELDS))
def test_timestamps_in_every_spelling_are_aware_datetimes(name: str, spelling: str) -> None:
    build, path = TIME_FIELDS[name]
    sent, expected = SPELLINGS[spelling]
    d = _at(build(), path, sent)
    event = decode_both(name, text(d))
    got = _get(event, path)
    assert isinstance(got, datetime) and got.tzinfo is not None
    assert got == expected
    if isinstance(sent, str) and sent.endswith("+08:00"):
        assert got.utcoffset() == timedelta(hours=8)  # the platform's offset is kept
    elif not (isinstance(sent, str) and sent.endswith("Z")):
        assert got.utcoffset() == timedelta(0)  # unix times and offset-less text are UTC
    # the spelling as sent stays in raw
    raw = json.loads(event.raw)
    for key in path:
        raw = raw[key]
    assert raw == sent


# -- reaction targets -----------------------------------------------------------------------------

TARGETS: list[tuple[Any, ReactionTargetType]] = [
    ("ReactionTargetType_MSG", ReactionTargetType.MESSAGE),
    ("ReactionTargetType_FEED", ReactionTargetType.POST),
    ("ReactionTargetType_COMMNENT", ReactionTargetType.COMMENT),  # sic, as the platform spells it
    ("ReactionTargetType_REPLY", ReactionTargetType.REPLY),
    (0, ReactionTargetType.MESSAGE),
    (1, ReactionTargetType.POST),
    (2, ReactionTargetType.COMMENT),
    (3, ReactionTargetType.REPLY),
]


@pytest.mark.parametrize(("sent", "expected"), TARGETS, ids=[str(t) for t, _ in TARGETS])
@pytest.mark.parametrize("name", ["MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"])
def test_reaction_target_types_by_name_or_number(
    name: str, sent: Any, expected: ReactionTargetType
) -> None:
    event = decode_both(name, text(reaction(sent)))
    assert isinstance(event, Reaction)
    assert event.target is not None and event.target.type is expected
    assert isinstance(event.target.type, ReactionTargetType)
    assert event.target.id == "08f4f9bde8c6d2b8a80110d9db2618b5b0023894a5dd7f06"
    assert event.emoji is not None and event.emoji.id == "4" and event.emoji.type == 1
    assert event.user_id == "14271306431768349071" and event.extra == {}


def test_a_reaction_target_type_this_version_does_not_know_keeps_its_number() -> None:
    event = decode_both("MESSAGE_REACTION_ADD", text(reaction(7)))
    assert isinstance(event, Reaction) and event.target is not None
    kind = event.target.type
    assert isinstance(kind, ReactionTargetType) and kind == 7 and kind.name == "UNKNOWN_7"
    assert event.to_dict()["target"]["type"] == 7
    with pytest.raises(InvalidModel, match=r"\$\.target\.type"):
        decode_both("MESSAGE_REACTION_ADD", text(reaction("ReactionTargetType_NEW")))


# -- unknown fields -------------------------------------------------------------------------------

UNKNOWN: dict[str, Any] = {
    "reply_scene": "",
    "feature_flags": {"quote": True, "stream": {"index": 0, "state": 1}},
    "seq_extra": 2**70,
    "emotions": [{"id": "318", "type": 1}],
    "ratio": 0.5,
    "nothing": None,
}


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("GROUP_AT_MESSAGE_CREATE", group_message),
        ("C2C_MESSAGE_CREATE", c2c_message),
        ("AT_MESSAGE_CREATE", guild_message),
        ("INTERACTION_CREATE", interaction),
        ("MESSAGE_REACTION_ADD", functools.partial(reaction, "ReactionTargetType_MSG")),
        ("GROUP_ADD_ROBOT", group_robot_added),
    ],
)
def test_unknown_fields_never_fail_and_are_kept(
    name: str, build: Callable[[], dict[str, Any]]
) -> None:
    plain = build()
    known = decode_both(name, text(plain))
    assert known.extra == {}
    d = {**plain, **UNKNOWN}
    # unknown keys inside modelled objects too, even of a type no field has
    nested = next((k for k in ("author", "data", "target") if k in plain), None)
    if nested is not None:
        d[nested] = {**plain[nested], "level": {"rank": [1, 2]}, "tiny_id": 2**65}
    event = decode_both(name, text(d))
    assert dict(event.extra) == UNKNOWN
    assert json.loads(event.raw) == d and event.raw == text(d)
    # what is modelled is exactly what it was without the unknown keys
    assert event == known


# -- newly typed fields ---------------------------------------------------------------------------


def test_group_message_quoting_mentions_and_author() -> None:
    event = decode_both("GROUP_AT_MESSAGE_CREATE", text(group_message()))
    assert isinstance(event, GroupMessage)
    assert event.message_type == 103 and event.msg_idx == OWN_IDX
    assert event.message_reference == MessageReference(message_id=QUOTED_IDX)
    assert event.msg_elements is not None
    (quoted,) = event.msg_elements
    assert isinstance(quoted, MessageElement)
    assert quoted.msg_idx == QUOTED_IDX and quoted.message_type == 0
    assert quoted.content == "周六下午两点集合，带上报名表"
    assert quoted.attachments is not None
    (photo,) = quoted.attachments
    assert photo.url == PHOTO and photo.content_type == "image/jpeg"
    assert (photo.width, photo.height, photo.size) == (960, 1280, 218433)
    assert event.mentions is not None
    me, other = event.mentions
    assert isinstance(me, GroupMention) and isinstance(other, GroupMention)
    assert me.is_you is True and me.scope == "single" and me.bot is True
    assert me.username == "报名助手" and me.member_openid == BOT
    assert other.is_you is False and other.bot is False and other.username == "小红"
    author = event.author
    assert author is not None and author.member_role == "admin"
    assert author.username == "小明" and author.bot is False
    assert author.member_openid == MEMBER and author.union_openid == UNION
    assert event.message_scene == {
        "source": "default",
        "ext": [f"ref_msg_idx={QUOTED_IDX}", f"msg_idx={OWN_IDX}"],
    }
    assert event.timestamp == INSTANT and event.extra == {}
    # the same message mentioning everyone
    everyone = group_message(
        mentions=[{"scope": "all", "is_you": False}], message_type=0, msg_elements=None
    )
    everyone.pop("message_reference")
    plain = decode_both("GROUP_AT_MESSAGE_CREATE", text(everyone))
    assert isinstance(plain, GroupMessage) and plain.mentions is not None
    assert plain.mentions[0].scope == "all" and plain.mentions[0].is_you is False
    assert plain.message_type == 0 and plain.msg_elements is None
    assert plain.message_reference is None


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_group_author_roles(role: str) -> None:
    d = group_message()
    d["author"]["member_role"] = role
    event = decode_both("GROUP_MESSAGE_CREATE", text(d))
    assert isinstance(event, GroupMessage) and event.author is not None
    assert event.author.member_role == role


def test_c2c_message_quoting() -> None:
    event = decode_both("C2C_MESSAGE_CREATE", text(c2c_message()))
    assert isinstance(event, C2CMessage)
    assert event.message_type == 103 and event.msg_idx == OWN_IDX
    assert event.message_reference is not None
    assert event.message_reference.message_id == QUOTED_IDX
    assert event.msg_elements == (
        MessageElement(msg_idx=QUOTED_IDX, content="请填写报名表", message_type=0),
    )
    assert event.author is not None and event.author.union_openid == UNION
    assert event.author.user_openid == USER


def test_interaction_checked_and_feedback() -> None:
    event = decode_both("INTERACTION_CREATE", text(interaction()))
    assert isinstance(event, Interaction)
    assert event.scene == "group" and event.chat_type == 1 and event.type == 11
    assert event.group_openid == GROUP and event.group_member_openid == MEMBER
    assert event.data is not None and event.data.type == 11
    resolved = event.data.resolved
    assert resolved is not None
    assert resolved.checked == 1 and resolved.feedback_opt == "答案不准确"
    assert resolved.button_id == "2" and resolved.button_data == "feedback:dislike"
    assert resolved.user_id == MEMBER and resolved.feature_id == ""
    assert event.timestamp == INSTANT and event.version == 1


@pytest.mark.parametrize(
    ("name", "scene"),
    [
        ("MESSAGE_AUDIT_PASS", {"group_openid": GROUP}),
        ("MESSAGE_AUDIT_PASS", {"user_openid": USER}),
        ("MESSAGE_AUDIT_REJECT", {"group_openid": GROUP}),
        ("MESSAGE_AUDIT_PASS", {"guild_id": "9283740185912537", "channel_id": "634553"}),
    ],
)
def test_message_audit_of_groups_and_users(name: str, scene: dict[str, str]) -> None:
    event = decode_both(name, text(message_audit(**scene)))
    assert isinstance(event, MessageAudit)
    assert event.audit_id == "5f60b782-d134-4628-93b8-9baa4b182f48"
    assert event.group_openid == scene.get("group_openid")
    assert event.user_openid == scene.get("user_openid")
    assert event.guild_id == scene.get("guild_id")
    assert event.audit_time == INSTANT
    assert event.create_time == INSTANT - timedelta(seconds=1)


@pytest.mark.parametrize("name", ["FRIEND_ADD", "FRIEND_DEL", "C2C_MSG_REJECT", "C2C_MSG_RECEIVE"])
def test_friend_events_with_union_openid(name: str) -> None:
    d = {"author": {"union_openid": UNION}, "openid": USER, "timestamp": 1745223611}
    event = decode_both(name, text(d))
    assert isinstance(event, C2CManageEvent)
    assert event.author is not None and event.author.union_openid == UNION
    assert event.openid == USER and event.timestamp == INSTANT


def test_group_robot_added() -> None:
    event = decode_both("GROUP_ADD_ROBOT", text(group_robot_added()))
    assert isinstance(event, GroupManageEvent)
    assert event.group_openid == GROUP and event.op_member_openid == MEMBER
    assert event.timestamp == INSTANT


@pytest.mark.parametrize("name", ["GUILD_CREATE", "GUILD_UPDATE"])
def test_guild_union_ids(name: str) -> None:
    d = {
        "description": "周末活动交流",
        "icon": "https://groupprohead.gtimg.cn/9283740185912537/40?t=1745223611",
        "id": "9283740185912537",
        "joined_at": "2024-11-02T10:01:55+08:00",
        "max_members": 2000,
        "member_count": 318,
        "name": "周末活动群",
        "op_user_id": "14271306431768349071",
        "owner_id": "14271306431768349071",
        "union_appid": "1109937557",
        "union_org_id": "5021337",
        "union_world_id": "7162301",
    }
    event = decode_both(name, text(d))
    assert isinstance(event, GuildEvent)
    assert event.union_appid == "1109937557"
    assert event.union_org_id == "5021337" and event.union_world_id == "7162301"
    assert event.op_user_id == "14271306431768349071" and event.member_count == 318
    assert event.joined_at == datetime(2024, 11, 2, 10, 1, 55, tzinfo=CST)
    # as JSON numbers (as forum ids come) they decode the same
    numeric = {**d, "union_appid": 1109937557, "union_org_id": 5021337, "union_world_id": 7162301}
    assert decode_both(name, text(numeric)) == event


def test_upload_prepare_result_with_nested_config() -> None:
    body = {
        "upload_id": "0a6f9c1e2b3d4e5f60718293a4b5c6d7",
        "block_size": 1048576,
        "parts": [
            {"index": 1, "presigned_url": "https://cos.qq.com/upload/part-1?sign=a1b2"},
            {"index": 2, "presigned_url": "https://cos.qq.com/upload/part-2?sign=c3d4"},
        ],
        "upload_config": {"concurrency": 3, "retry_timeout": 60, "retry_delay": 2},
    }
    result = UploadPrepareResult.decode(text(body))
    assert result.upload_config == UploadConfig(concurrency=3, retry_timeout=60, retry_delay=2)
    assert result.block_size == 1048576 and result.upload_id == "0a6f9c1e2b3d4e5f60718293a4b5c6d7"
    assert result.parts is not None and [p.index for p in result.parts] == [1, 2]
    assert result.concurrency is None and result.retry_timeout is None
    assert UploadPrepareResult.parse(body) == result
    # the older answer, flat; and numbers as strings
    older = UploadPrepareResult.decode(
        text({"upload_id": "u", "block_size": "1048576", "concurrency": 2, "retry_timeout": 30})
    )
    assert older.concurrency == 2 and older.retry_timeout == 30 and older.upload_config is None
    assert older.block_size == 1048576


# -- wrong types ----------------------------------------------------------------------------------

WRONG: list[tuple[str, Callable[[], dict[str, Any]], tuple[Any, ...], Any, str]] = [
    (
        "GROUP_AT_MESSAGE_CREATE",
        group_message,
        ("msg_elements",),
        {"msg_idx": "x"},
        "$.msg_elements",
    ),
    ("GROUP_AT_MESSAGE_CREATE", group_message, ("author", "bot"), "yes", "$.author.bot"),
    (
        "GROUP_AT_MESSAGE_CREATE",
        group_message,
        ("mentions", 1, "is_you"),
        [True],
        "$.mentions[1].is_you",
    ),
    ("C2C_MESSAGE_CREATE", c2c_message, ("timestamp",), "yesterday", "$.timestamp"),
    ("AT_MESSAGE_CREATE", guild_message, ("seq",), "1716a", "$.seq"),
    (
        "INTERACTION_CREATE",
        interaction,
        ("data", "resolved", "checked"),
        {},
        "$.data.resolved.checked",
    ),
    (
        "MESSAGE_REACTION_ADD",
        functools.partial(reaction, "ReactionTargetType_MSG"),
        ("target", "type"),
        "ReactionTargetType_UNKNOWN",
        "$.target.type",
    ),
]


@pytest.mark.parametrize(
    ("name", "build", "path", "value", "json_path"), WRONG, ids=[w[-1] for w in WRONG]
)
def test_a_field_of_the_wrong_type_names_event_and_path(
    name: str,
    build: Callable[[], dict[str, Any]],
    path: tuple[Any, ...],
    value: Any,
    json_path: str,
) -> None:
    d = build()
    inner: Any = d
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value
    sent = text(d)
    error = error_both(name, sent)
    assert isinstance(error, RemoteProtocolError)
    assert error.event == name and error.path == json_path and error.raw == sent
    assert error.field == json_path[2:]
    assert str(error).startswith(name + " (") and str(error).endswith("at " + json_path)


def test_not_json_at_all_is_invalid_json() -> None:
    sent = text(group_message())[:-7]
    with pytest.raises(InvalidJSON, match="GROUP_AT_MESSAGE_CREATE"):
        parse_event("GROUP_AT_MESSAGE_CREATE", sent, event_id=None)


def test_a_numeric_envelope_id_becomes_a_string_event_id() -> None:
    """Some dispatches carry ``id`` as a number; the envelope decoder makes it the string the
    event's ``event_id`` is (what a passive reply sends back)."""
    d = text(group_robot_added())
    dispatch = through_gateway("GROUP_ADD_ROBOT", d, 1745223611000123)
    assert dispatch.event_id == "1745223611000123"
    event = parse_event(dispatch.name, dispatch.raw, event_id=dispatch.event_id)
    assert isinstance(event, GroupManageEvent) and event.event_id == "1745223611000123"
    without = through_gateway("GROUP_ADD_ROBOT", d, None)
    assert parse_event(without.name, without.raw, event_id=without.event_id) == (
        GroupManageEvent(group_openid=GROUP, op_member_openid=MEMBER, timestamp=INSTANT)
    )


# -- through a real client ------------------------------------------------------------------------


@on_virtual_clock
async def test_a_wrong_typed_dispatch_reaches_on_error_and_the_connection_goes_on(io: Any) -> None:
    import trio

    import qqbot_trio as qq
    from qqbot_trio.testing import VirtualClient
    from qqproto.sim import Simulator

    rec = Recording()

    class Handler(qq.EventHandler):
        async def on_group_at_message_create(self, ctx: Any, msg: Any) -> None:
            rec.events.append(("group", msg))

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            rec.errors.append(error)

    bad = group_message(msg_elements={"msg_idx": QUOTED_IDX})  # an object where a list goes
    good = group_message(content=" 第二条")
    async with Simulator(io, seed=1) as sim:
        client = sim_client(
            qq,
            sim,
            Handler(),
            make=functools.partial(VirtualClient, io),
            identify_window=5.0,
            rng=random.Random(7),
        )
        async with trio.open_nursery() as nursery:
            nursery.start_soon(client.start)
            await sim.wait_for_session(0)
            sim.inject("GROUP_AT_MESSAGE_CREATE", bad)
            sim.inject("GROUP_AT_MESSAGE_CREATE", good)
            await until_virtual(io, lambda: rec.kinds("group"))
            connections = sim.call(lambda p: list(p.ws_connections))
            identifies, resumes = sim.identifies(0), sim.resumes(0, ok_only=False)
            nursery.cancel_scope.cancel()
    (error,) = rec.errors
    assert isinstance(error, InvalidModel) and isinstance(error, qq.RemoteProtocolError)
    assert error.event == "GROUP_AT_MESSAGE_CREATE" and error.path == "$.msg_elements"
    assert error.raw is not None and msgspec.json.decode(error.raw) == bad
    (handled,) = rec.kinds("group")
    assert isinstance(handled, GroupMessage) and handled.content == " 第二条"
    assert handled.msg_elements is not None and handled.msg_elements[0].msg_idx == QUOTED_IDX
    assert handled.event_id is not None and handled.raw is not None
    # one connection, one session: the bad dispatch cost nothing but its own handling
    assert len(connections) == 1 and len(identifies) == 1 and resumes == []
