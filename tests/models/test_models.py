"""Models: every event fixture parses with its key fields; tolerant decoding, errors, round trips.

The platform's deviations, each on a realistic payload and through the gateway, are in
``test_tolerance.py``; the properties over arbitrary input in ``test_model_properties.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from typing import Any

import msgspec
import pytest
from _fixtures import EVENTS, event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qqproto import models
from qqproto._errors import InvalidJSON, RemoteProtocolError
from qqproto._json import dumps
from qqproto.models import (
    EVENT_INTENTS,
    EVENT_MODELS,
    EVENT_NAMES,
    AudioEvent,
    C2CManageEvent,
    C2CMessage,
    ChannelEvent,
    DirectMessage,
    ForumAuditResult,
    GroupManageEvent,
    GroupMessage,
    GuildEvent,
    GuildMemberEvent,
    Interaction,
    InvalidModel,
    Message,
    MessageAudit,
    MessageDelete,
    Model,
    OpenForumEvent,
    Post,
    Reaction,
    ReadyEvent,
    Reply,
    ResumedEvent,
    RichObject,
    Thread,
    UnknownEvent,
    User,
    as_dict,
    handler_name,
    parse_event,
)

CST = timezone(timedelta(hours=8))


def _all_models() -> list[type[Model]]:
    found: list[type[Model]] = []
    todo: list[type[Model]] = [Model]
    while todo:
        klass = todo.pop()
        for sub in klass.__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return sorted(found, key=lambda k: k.__name__)


ALL_MODELS = _all_models()


def _text(name: str) -> bytes:
    """The ``d`` of fixture ``name`` as the JSON text a dispatch carries."""
    fixture = event(name)
    assert fixture["t"] == name
    return json.dumps(fixture["d"], ensure_ascii=False).encode()


def _parse(name: str) -> Any:
    return parse_event(name, _text(name), event_id="evt-1")


# -- every event fixture -------------------------------------------------------------------------


def test_every_event_fixture_is_known_and_parses() -> None:
    names = sorted(p.stem for p in EVENTS.glob("*.json"))
    assert len(names) == 46
    for name in names:
        assert name in EVENT_MODELS, name
        parsed = _parse(name)
        assert isinstance(parsed, EVENT_MODELS[name])
        assert parsed.event_id == "evt-1"
        # from the text or from the decoded value: the same event (a str d would be read as
        # JSON text: RESUMED's "" is compared as text)
        value = event(name)["d"]
        assert parse_event(name, value if value != "" else '""', event_id="evt-1") == parsed
        if isinstance(parsed, Model):
            # the text is kept, every key of the official examples is modelled
            assert json.loads(parsed.raw or b"") == event(name)["d"]
            assert parsed.extra == {}, name
            # and everything re-serialises: to_dict, to JSON and back gives the same event
            again = type(parsed).decode(dumps(parsed.to_dict()))
            assert again == parsed and type(parsed).parse(parsed.to_dict()) == parsed


@pytest.mark.parametrize("name", ["AT_MESSAGE_CREATE", "MESSAGE_CREATE"])
def test_guild_message(name: str) -> None:
    msg = _parse(name)
    assert isinstance(msg, Message)
    assert msg.id == "0812345677890abcdef"
    assert msg.channel_id == "100010" and msg.guild_id == "18700000000001"
    assert msg.content == "ndnnd" and msg.seq == 101
    assert msg.author == User(
        id="1234", username="abc", avatar="http://thirdqq.qlogo.cn/0", bot=False
    )
    assert msg.member is not None and msg.member.roles == ("1",)
    assert msg.member.joined_at == datetime(2021, 4, 12, 16, 34, 42, tzinfo=CST)
    assert msg.timestamp == datetime(2021, 5, 20, 15, 14, 58, tzinfo=CST)
    assert msg.timestamp is not None and msg.timestamp.utcoffset() == timedelta(hours=8)
    assert msg.attachments is None and msg.mentions is None
    expected = {**event(name)["d"], "event_id": "evt-1"}
    assert msg.to_dict() == expected


def test_direct_message() -> None:
    dm = _parse("DIRECT_MESSAGE_CREATE")
    assert isinstance(dm, DirectMessage) and isinstance(dm, Message)
    assert dm.guild_id == "18700000000001" and dm.author is not None and dm.author.id == "1234"


def test_group_and_c2c_messages() -> None:
    group = _parse("GROUP_AT_MESSAGE_CREATE")
    assert isinstance(group, GroupMessage)
    assert group.group_openid == "C9F778FE6ADF9D1D1DBE395BF744A33A"
    assert group.author is not None
    assert group.author.member_openid == "E4F4AEA33253A2797FB897C50B81D7ED"
    assert group.content == " 123"
    c2c = _parse("C2C_MESSAGE_CREATE")
    assert isinstance(c2c, C2CMessage)
    assert c2c.author is not None and c2c.author.user_openid == "E4F4AEA33253A2797FB897C50B81D7ED"
    assert c2c.timestamp == datetime(2023, 11, 6, 13, 37, 18, tzinfo=CST)


@pytest.mark.parametrize("name", ["GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"])
def test_guild_events_keep_op_user(name: str) -> None:
    guild = _parse(name)
    assert isinstance(guild, GuildEvent)
    assert guild.id == "200000000" and guild.op_user_id == "100000000"
    assert guild.max_members == 300 and guild.owner_id == "100000000"


@pytest.mark.parametrize("name", ["CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE"])
def test_channel_events_keep_op_user(name: str) -> None:
    channel = _parse(name)
    assert isinstance(channel, ChannelEvent)
    assert channel.id == "2943679" and channel.guild_id == "200000000"
    assert channel.op_user_id == "100000000" and channel.type == 0 and channel.sub_type == 0


@pytest.mark.parametrize("name", ["GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"])
def test_member_events_keep_guild_and_op_user(name: str) -> None:
    member = _parse(name)
    assert isinstance(member, GuildMemberEvent)
    assert member.guild_id == "200000000"
    assert member.op_user_id in ("100000000", "8834102668809967837")
    assert member.user is not None and member.user.id == "8834102668809967837"
    assert member.user.bot is True and member.nick == ""


@pytest.mark.parametrize("name", ["MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"])
def test_reactions(name: str) -> None:
    reaction = _parse(name)
    assert isinstance(reaction, Reaction)
    assert reaction.user_id == "1111222233333" and reaction.guild_id == "11110011112222"
    assert reaction.emoji is not None and reaction.emoji.id == "277" and reaction.emoji.type == 1
    assert reaction.target is not None and reaction.target.id == "2"
    assert reaction.target.type is models.ReactionTargetType.MESSAGE


def test_interaction() -> None:
    interaction = _parse("INTERACTION_CREATE")
    assert isinstance(interaction, Interaction)
    assert interaction.id == "30540ff7-9d8f-4737-83f1-e116ce6afa8b"
    assert interaction.chat_type == 2 and interaction.type == 11 and interaction.version == 1
    assert interaction.data is not None and interaction.data.type == 11
    resolved = interaction.data.resolved
    assert (
        resolved is not None and resolved.button_id == "21" and resolved.button_data == "回调按钮"
    )
    assert resolved.user_id == "E4F4AEA33253A2797FB897C50B81D7ED"


@pytest.mark.parametrize("name", ["MESSAGE_AUDIT_PASS", "MESSAGE_AUDIT_REJECT"])
def test_message_audit(name: str) -> None:
    audit = _parse(name)
    assert isinstance(audit, MessageAudit)
    assert audit.audit_id == "5f60b782-d134-4628-93b8-9baa4b182f48"
    assert audit.audit_time == datetime(2022, 1, 4, 18, 5, 42, tzinfo=CST)


@pytest.mark.parametrize(
    "name", ["FORUM_THREAD_CREATE", "FORUM_THREAD_UPDATE", "FORUM_THREAD_DELETE"]
)
def test_forum_thread(name: str) -> None:
    thread = _parse(name)
    assert isinstance(thread, Thread)
    assert thread.guild_id == "47129941624960822" and thread.author_id == "144115218182563108"
    info = thread.thread_info
    assert info is not None and info.thread_id == "B_7c02cb615f8904001441152181825631080X60"
    assert isinstance(info.title, tuple) and isinstance(info.title[0], RichObject)
    assert info.title[0].text_info is not None and info.title[0].text_info.text == "Test"
    assert isinstance(info.content, tuple)
    channel = info.content[1].channel_info
    assert channel is not None and channel.channel_id == "1505272"  # a JSON number in the fixture
    link = info.content[3].url_info
    assert link is not None and link.url == "https://apple.com"


@pytest.mark.parametrize("name", ["FORUM_POST_CREATE", "FORUM_POST_DELETE"])
def test_forum_post(name: str) -> None:
    post = _parse(name)
    assert isinstance(post, Post)
    assert post.post_info is not None and post.post_info.post_id is not None
    assert isinstance(post.post_info.content, tuple)
    emoji = post.post_info.content[1].emoji_info
    assert emoji is not None and emoji.id == "109"


@pytest.mark.parametrize("name", ["FORUM_REPLY_CREATE", "FORUM_REPLY_DELETE"])
def test_forum_reply(name: str) -> None:
    reply = _parse(name)
    assert isinstance(reply, Reply)
    assert reply.reply_info is not None
    assert reply.reply_info.reply_id == "r_e701cb6128dc0b001441152181825631080X60"


def test_forum_audit_result() -> None:
    result = _parse("FORUM_PUBLISH_AUDIT_RESULT")
    assert isinstance(result, ForumAuditResult)
    assert result.type == 1 and result.result == 0 and result.err_msg == ""
    assert result.reply_id == "r_e701cb6128dc0b001441152181825631080X60"


@pytest.mark.parametrize("name", [n for n in EVENT_NAMES if n.startswith("OPEN_FORUM_")])
def test_open_forum(name: str) -> None:
    parsed = _parse(name)
    assert isinstance(parsed, OpenForumEvent)
    assert parsed.channel_id == "1661124" and parsed.author_id == "144115218182563108"


@pytest.mark.parametrize(
    "name", ["AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER", "AUDIO_OR_LIVE_CHANNEL_MEMBER_EXIT"]
)
def test_audio_live_member(name: str) -> None:
    parsed = _parse(name)
    assert parsed.channel_type == 2 and parsed.user_id == "144115218182563108"


@pytest.mark.parametrize(
    "name", ["GROUP_ADD_ROBOT", "GROUP_DEL_ROBOT", "GROUP_MSG_REJECT", "GROUP_MSG_RECEIVE"]
)
def test_group_manage(name: str) -> None:
    parsed = _parse(name)
    assert isinstance(parsed, GroupManageEvent)
    assert parsed.group_openid == "C9F778FE6ADF9D1D1DBE395BF744A33A"
    assert parsed.op_member_openid == "E4F4AEA33253A2797FB897C50B81D7ED"
    assert parsed.timestamp is not None and parsed.timestamp.tzinfo is not None
    assert parsed.timestamp.timestamp() == event(name)["d"]["timestamp"]
    # what the platform sent stays readable in raw
    assert json.loads(parsed.raw or b"")["timestamp"] == event(name)["d"]["timestamp"]


@pytest.mark.parametrize("name", ["FRIEND_ADD", "FRIEND_DEL", "C2C_MSG_REJECT", "C2C_MSG_RECEIVE"])
def test_c2c_manage(name: str) -> None:
    parsed = _parse(name)
    assert isinstance(parsed, C2CManageEvent)
    assert parsed.openid == "E4F4AEA33253A2797FB897C50B81D7ED"
    assert parsed.timestamp is not None
    assert parsed.timestamp.timestamp() == event(name)["d"]["timestamp"]


def test_ready_and_resumed() -> None:
    ready = _parse("READY")
    assert isinstance(ready, ReadyEvent)
    assert ready.version == 1 and ready.session_id == "082ee18c-0be3-491b-9d8b-fbd95c51673a"
    assert ready.user is not None and ready.user.bot is True and ready.shard == (0, 0)
    resumed = _parse("RESUMED")
    assert resumed == ResumedEvent("", "evt-1")
    assert parse_event("RESUMED", '""', event_id=None) == ResumedEvent("")  # str is JSON text
    assert parse_event("RESUMED", None, event_id=None) == ResumedEvent(None)  # a decoded d
    assert ResumedEvent.parse({"x": 1}) == ResumedEvent({"x": 1})


# -- events without fixtures, registry, handler names ---------------------------------------------


@pytest.mark.parametrize(
    "name", ["MESSAGE_DELETE", "PUBLIC_MESSAGE_DELETE", "DIRECT_MESSAGE_DELETE"]
)
def test_message_delete_is_message_plus_op_user(name: str) -> None:
    data = {
        "message": {"id": "m1", "channel_id": "c1", "guild_id": "g1", "author": {"id": "u1"}},
        "op_user": {"id": "u2"},
    }
    parsed = parse_event(name, dumps(data), event_id="e")
    assert isinstance(parsed, MessageDelete)
    assert parsed.message is not None and parsed.message.id == "m1"
    assert parsed.op_user == User(id="u2") and parsed.event_id == "e"
    assert parse_event(name, data, event_id="e") == parsed


@pytest.mark.parametrize("name", ["AUDIO_START", "AUDIO_FINISH", "AUDIO_ON_MIC", "AUDIO_OFF_MIC"])
def test_audio_events(name: str) -> None:
    data = {"guild_id": "1", "channel_id": "2", "audio_url": "https://x/a.mp3", "text": "hi"}
    parsed = parse_event(name, dumps(data), event_id=None)
    assert isinstance(parsed, AudioEvent)
    assert parsed.audio_url == "https://x/a.mp3" and parsed.event_id is None
    assert handler_name(name) == "on_" + name.lower()


def test_registry() -> None:
    assert len(EVENT_NAMES) == len(set(EVENT_NAMES)) == len(EVENT_MODELS) == len(EVENT_INTENTS)
    assert EVENT_INTENTS["READY"] == 0 and EVENT_INTENTS["RESUMED"] == 0
    assert EVENT_INTENTS["AT_MESSAGE_CREATE"] == 1 << 30
    assert EVENT_INTENTS["GROUP_AT_MESSAGE_CREATE"] == 1 << 25
    assert EVENT_INTENTS["AUDIO_ON_MIC"] == 1 << 29
    assert EVENT_INTENTS["OPEN_FORUM_THREAD_CREATE"] == 1 << 18
    for name, model in EVENT_MODELS.items():
        names = (
            models.model_fields(model)
            if issubclass(model, models.Model)
            else [f.name for f in dataclasses.fields(model)]
        )
        assert "event_id" in names, name
    assert handler_name("GROUP_AT_MESSAGE_CREATE") == "on_group_at_message_create"


def test_unknown_event_is_kept() -> None:
    parsed = parse_event("SOMETHING_NEW", {"a": 1}, event_id="e9")
    assert parsed == UnknownEvent("SOMETHING_NEW", {"a": 1}, "e9")
    assert parse_event("SOMETHING_NEW", b'{"a":1}', event_id="e9") == parsed
    with pytest.raises(InvalidJSON):
        parse_event("SOMETHING_NEW", b'{"a":', event_id="e9")


def test_event_id_is_set_in_place_on_both_paths() -> None:
    """The envelope's ``id`` becomes ``event_id`` (a number there is made a string by the
    gateway's envelope decoder, see ``test_tolerance.py``); ``d`` never sets it."""
    for data in (b'{"openid":"o","event_id":"inner"}', {"openid": "o", "event_id": "inner"}):
        friend = parse_event("FRIEND_ADD", data, event_id="outer")
        assert isinstance(friend, C2CManageEvent) and friend.event_id == "outer"
        # without an envelope id the model's own field is what d says
        assert attrgetter("event_id")(parse_event("FRIEND_ADD", data, event_id=None)) == "inner"


# -- tolerant conversions ------------------------------------------------------------


def test_numeric_ids_bools_and_int_strings() -> None:
    forum = event("FORUM_REPLY_CREATE")["d"]
    numeric = {**forum, "guild_id": 47129941624960822, "author_id": 144115218182563108}
    parsed = Reply.parse(numeric)
    assert parsed.guild_id == "47129941624960822" and parsed.author_id == "144115218182563108"
    assert Reply.decode(json.dumps(numeric).encode()) == parsed
    user = User.parse({"id": 5.0, "bot": 1})
    assert user.id == "5" and user.bot is True
    assert User.parse({"bot": "false"}).bot is False
    assert User.parse({"bot": "true"}).bot is True
    assert User.parse({"bot": 0}).bot is False
    roles = parse_event("GUILD_MEMBER_ADD", b'{"roles":["1"],"guild_id":7}', event_id=None)
    assert isinstance(roles, GuildMemberEvent) and roles.guild_id == "7"
    from qqproto.models import GuildRoles, ThreadList

    got = GuildRoles.parse({"role_num_limit": "30", "roles": [{"hoist": 1, "color": 4.0}]})
    assert got.role_num_limit == 30 and got.roles is not None
    assert got.roles[0].hoist is True and got.roles[0].color == 4
    assert GuildRoles.parse({"role_num_limit": "-3"}).role_num_limit == -3
    assert ThreadList.parse({"is_finish": 1}).is_finish is True


def test_unknown_keys_of_an_event_are_kept_in_raw_and_extra() -> None:
    text = b'{"id":"1","content":"hi","public_flags":0,"system":false,"author":{"id":"2","x":1}}'
    msg = parse_event("AT_MESSAGE_CREATE", text, event_id="e")
    assert msg == Message(id="1", content="hi", author=User(id="2"), event_id="e")
    assert isinstance(msg, Message) and msg.raw == text
    assert dict(msg.extra) == {"public_flags": 0, "system": False}
    # to_dict gives the modelled fields; the unknown ones are in raw, not written back
    assert msg.to_dict() == {"id": "1", "content": "hi", "author": {"id": "2"}, "event_id": "e"}
    assert as_dict(msg) == msg.to_dict()
    # nested models and models made in code carry no JSON of their own
    assert msg.author is not None and msg.author.raw is None and msg.author.extra == {}
    assert User(id="1").raw is None and User(id="1").extra == {}
    # every kind of text is kept as bytes
    for kind in (bytes, bytearray, memoryview, msgspec.Raw, bytes.decode):
        again = parse_event("AT_MESSAGE_CREATE", kind(text), event_id="e")
        assert isinstance(again, Message) and again == msg
        assert again.raw == text and again.extra == msg.extra
    empty = parse_event("AT_MESSAGE_CREATE", b"{}", event_id=None)
    assert isinstance(empty, Message) and empty.raw == b"{}" and empty.extra == {}


def test_an_event_from_a_decoded_value_keeps_it_too() -> None:
    """``parse_event`` also takes ``d`` already decoded; ``raw``'s docstring says a dispatched
    event keeps its JSON, and ``Model.parse`` (the same conversion) does."""
    value = {"id": "1", "content": "hi", "public_flags": 0, "author": {"id": "2"}}
    msg = parse_event("AT_MESSAGE_CREATE", value, event_id="e")
    assert isinstance(msg, Message) and msg == Message.parse({**value, "event_id": "e"})
    assert Message.parse(value).extra == {"public_flags": 0}
    assert dict(msg.extra) == {"public_flags": 0}
    assert msg.raw is not None and json.loads(msg.raw) == value


def test_model_decode_and_parse_keep_raw_and_extra() -> None:
    """``Model.decode(text)`` and ``Model.parse(value)`` are top-level builds too."""
    text = b'{"id":"1","username":"n","public_flags":0,"system":false}'
    user = User.decode(text)
    assert user == User(id="1", username="n")
    assert user.raw == text
    assert dict(user.extra) == {"public_flags": 0, "system": False}
    parsed = User.parse(json.loads(text))
    assert parsed == user and parsed.extra == user.extra
    assert parsed.raw is not None and json.loads(parsed.raw) == json.loads(text)


def test_nulls_are_none() -> None:
    assert Message.parse({"id": None, "author": None}) == Message()
    assert Message.decode(b'{"id":null,"author":null,"timestamp":null}') == Message()


TIMESTAMPS: list[tuple[object, datetime]] = [
    ("2021-05-20T15:14:58+08:00", datetime(2021, 5, 20, 15, 14, 58, tzinfo=CST)),
    ("2021-05-20T07:14:58Z", datetime(2021, 5, 20, 7, 14, 58, tzinfo=timezone.utc)),
    ("2021-05-20T07:14:58", datetime(2021, 5, 20, 7, 14, 58, tzinfo=timezone.utc)),
    (
        "2021-05-20 07:14:58.1234567 +0800",
        datetime(2021, 5, 19, 23, 14, 58, 123456, tzinfo=timezone.utc),
    ),
    ("2021-05-20T07:14:60z", datetime(2021, 5, 20, 7, 14, 59, tzinfo=timezone.utc)),
    ("2021-05-20T07:14:58-0130", datetime(2021, 5, 20, 8, 44, 58, tzinfo=timezone.utc)),
    (1699240617, datetime(2023, 11, 6, 3, 16, 57, tzinfo=timezone.utc)),
    (1699240617.5, datetime(2023, 11, 6, 3, 16, 57, 500000, tzinfo=timezone.utc)),
    ("1699240617", datetime(2023, 11, 6, 3, 16, 57, tzinfo=timezone.utc)),
    ("1642076400000", datetime(2022, 1, 13, 12, 20, tzinfo=timezone.utc)),
    (1642076400000, datetime(2022, 1, 13, 12, 20, tzinfo=timezone.utc)),
    (1642076400123, datetime(2022, 1, 13, 12, 20, 0, 123000, tzinfo=timezone.utc)),
    # numbers below the year 10000 in seconds are seconds, in both passes (msgspec's and ours)
    (150000000000, datetime(6723, 4, 25, 2, 40, tzinfo=timezone.utc)),
    (253402300800, datetime(1978, 1, 11, 21, 31, 40, 800000, tzinfo=timezone.utc)),
]


@pytest.mark.parametrize(("raw", "expected"), TIMESTAMPS)
def test_timestamps(raw: object, expected: datetime) -> None:
    """Every spelling the platform uses becomes an aware datetime, from text and from values."""
    stamp = C2CManageEvent.parse({"timestamp": raw}).timestamp
    assert stamp == expected and stamp is not None and stamp.tzinfo is not None
    text = b'{"timestamp":' + json.dumps(raw).encode() + b"}"
    decoded = parse_event("FRIEND_ADD", text, event_id=None)
    assert isinstance(decoded, C2CManageEvent) and decoded.timestamp == expected
    assert decoded.timestamp is not None and decoded.timestamp.tzinfo is not None
    assert json.loads(decoded.raw or b"")["timestamp"] == raw  # the spelling stays in raw
    assert pickle.loads(pickle.dumps(decoded)).timestamp == expected
    # written back as RFC 3339, read back as the same instant
    assert C2CManageEvent.decode(dumps(decoded.to_dict())) == decoded


@pytest.mark.parametrize(
    "raw",
    [
        True,
        [],
        {},
        "yesterday",
        "2021-13-45T00:00:00+08:00 x",
        "2021-02-30T00:00:00+08:00",
        "2021-02-03T00:00:00+25:00",
        float("inf"),
        float("nan"),
        10**30,
        "9" * 39,
    ],
)
def test_bad_timestamps(raw: object) -> None:
    with pytest.raises(InvalidModel) as info:
        C2CManageEvent.parse({"timestamp": raw})
    assert isinstance(info.value, RemoteProtocolError)
    assert info.value.path == "$.timestamp" and info.value.model == "C2CManageEvent"
    text = json.dumps({"timestamp": raw}).encode()  # NaN and Infinity: not JSON at all
    with pytest.raises(RemoteProtocolError):  # InvalidModel, or InvalidJSON for NaN/inf text
        parse_event("FRIEND_ADD", text, event_id=None)


FUZZ_TIME = "1111111111111111111111111111\x00+1111111111"
"""Found by fuzz/fuzz_models.py (GUILD_MEMBER_REMOVE, ``{"joined_at": FUZZ_TIME}``)."""


@pytest.mark.parametrize(
    "sent", ["2025-04-21T16:20:11+08:00:30", "2025-04-21T16:20:11.5+08:00:30.25", FUZZ_TIME]
)
def test_a_decoded_time_survives_to_dict(sent: str) -> None:
    """Whatever time is accepted is written back by ``to_dict`` as the same instant."""
    try:
        decoded = parse_event("FRIEND_ADD", dumps({"timestamp": sent}), event_id=None)
    except InvalidModel:
        return  # refusing a spelling the platform never sends is fine too
    assert isinstance(decoded, C2CManageEvent)
    assert C2CManageEvent.decode(dumps(decoded.to_dict())) == decoded


@pytest.mark.parametrize("sent", ["20250421T162011+0800", "2025-W17-1T16:20", FUZZ_TIME])
def test_time_spellings_do_not_depend_on_the_python_version(sent: str) -> None:
    """Python 3.10's ``datetime.fromisoformat`` refuses these (so the mending pass leaves them
    and the decode raises); 3.11+ accepts them. The project supports 3.10 to 3.13, so one
    payload must not decode on one and fail on another. Refusing them (what 3.10 does, and
    what "RFC 3339, unix seconds or milliseconds" says) is taken as the answer here."""
    with pytest.raises(InvalidModel):
        parse_event("FRIEND_ADD", dumps({"timestamp": sent}), event_id=None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": []}, "id"),
        ({"id": True}, "id"),
        ({"id": 1.5}, "id"),
        ({"bot": 2}, "bot"),
        ({"bot": "maybe"}, "bot"),
    ],
)
def test_wrong_scalar_types_name_model_and_path(data: dict[str, Any], field: str) -> None:
    for parse in (User.parse, lambda d: User.decode(json.dumps(d).encode())):
        with pytest.raises(InvalidModel) as info:
            parse(data)
        assert info.value.model == "User" and info.value.field == field
        assert info.value.path == "$." + field and info.value.event is None
        assert str(info.value).startswith("User: ") and str(info.value).endswith("at $." + field)


def test_wrong_shapes() -> None:
    with pytest.raises(InvalidModel) as info:
        Message.parse([1])
    assert info.value.field is None and info.value.path == "$"
    wrong: tuple[dict[str, Any], ...] = (
        {"seq": "x"},
        {"seq": 1.5},
        {"seq": "１"},
        {"seq": []},
        {"attachments": {}},
        {"attachments": [1]},
        {"author": "x"},
    )
    for data in wrong:
        with pytest.raises(InvalidModel):
            Message.parse(data)
        with pytest.raises(InvalidModel):
            Message.decode(json.dumps(data).encode())
    with pytest.raises(InvalidModel):
        Thread.parse({"thread_info": {"title": 5.5}})
    with pytest.raises(InvalidModel):
        Interaction.parse({"data": {"resolved": {"button_id": {}}}})
    from qqproto.models import AtInfo, MessageSendResult, UploadPrepareResult

    with pytest.raises(InvalidModel):
        AtInfo.parse({"user_info": []})
    assert AtInfo.parse({"user_info": {"id": 1}}).user_info == {"id": 1}
    assert MessageSendResult.parse({"ext_info": [1]}).ext_info == [1]
    from qqproto.models import AudioLiveMemberEvent

    assert AudioLiveMemberEvent.parse({"channel_type": "5"}).channel_type == 5
    assert UploadPrepareResult.parse({"block_size": "1024"}).block_size == 1024


def test_decode_errors_are_eager_and_name_the_json_path() -> None:
    """What the lazy models raised on first access is raised by the decode itself, naming the
    event, the model and the JSON path, with the text attached."""
    text = b'{"id":"m","seq":"abc"}'
    with pytest.raises(InvalidModel) as info:
        parse_event("AT_MESSAGE_CREATE", text, event_id="e1")
    error = info.value
    assert error.event == "AT_MESSAGE_CREATE" and error.model == "Message"
    assert error.path == "$.seq" and error.field == "seq" and error.raw == text
    assert str(error).startswith("AT_MESSAGE_CREATE (Message): ") and "at $.seq" in str(error)
    cases = [
        (b'["x"]', "$", "Expected `object`, got `array`"),
        (b'{"author":{"bot":"maybe"}}', "$.author.bot", "Expected `bool | null`, got `str`"),
        (b'{"author":"someone"}', "$.author", "Expected `object | null`, got `str`"),
        (b'{"mentions":[{"id":"1"},{"id":[]}]}', "$.mentions[1].id", "got `array`"),
    ]
    for data, path, reason in cases:
        with pytest.raises(InvalidModel) as info:
            parse_event("AT_MESSAGE_CREATE", data, event_id=None)
        assert info.value.path == path and reason in info.value.reason, info.value
        assert info.value.raw == data and info.value.event == "AT_MESSAGE_CREATE"
        # from a decoded value: the same error, without the text
        with pytest.raises(InvalidModel) as again:
            parse_event("AT_MESSAGE_CREATE", json.loads(data), event_id=None)
        assert str(again.value) == str(info.value) and again.value.raw is None
    with pytest.raises(InvalidJSON):
        parse_event("AT_MESSAGE_CREATE", b'{"id":', event_id=None)


def test_models_are_frozen() -> None:
    user = User(id="1")
    with pytest.raises(AttributeError):
        user.id = "2"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        User.decode(b'{"id":"1"}').username = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del user.id
    assert user.id == "1"


def test_parse_speed_is_reasonable() -> None:
    import timeit

    text = _text("AT_MESSAGE_CREATE")
    data = event("AT_MESSAGE_CREATE")["d"]
    for d in (text, data):
        per_call = (
            min(
                timeit.repeat(
                    lambda d=d: parse_event("AT_MESSAGE_CREATE", d, event_id="x"),  # type: ignore[misc]
                    number=200,
                    repeat=5,
                )
            )
            / 200
        )
        assert per_call < 200e-6  # generous: a shared CI box; a few µs on a quiet one


def test_model_class_behaviour() -> None:
    user = User(id="1", username="a")
    assert user == User.parse({"id": 1, "username": "a"}) and user != User(id="2")
    assert user.__eq__(object()) is NotImplemented
    # equality and hashing see the fields only: not the text nor its unknown keys
    assert hash(user) == hash(User.decode(b'{"id":"1","username":"a","x":1}'))
    assert user == User.decode(b'{"id":"1","username":"a","x":1}')
    assert len({user, User.parse({"id": "1", "username": "a"})}) == 1
    assert repr(user) == "User(id='1', username='a')"
    assert models.replace(user, id="2") == User(id="2", username="a")
    assert models.model_fields(User)[:2] == ("id", "username")
    assert models.model_fields(user) == models.model_fields(User)
    with pytest.raises(TypeError, match="nickname"):
        User(nickname="x")  # type: ignore[call-arg]
    with pytest.raises(AttributeError, match="nickname"):
        _ = User.decode(b'{"id":"1","nickname":"x"}').nickname  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        User("1")  # type: ignore[call-arg]


def test_pickle_and_copies_of_a_decoded_event() -> None:
    decoded = parse_event("AT_MESSAGE_CREATE", _text("AT_MESSAGE_CREATE"), event_id="e")
    assert isinstance(decoded, Message)
    for clone in (pickle.loads(pickle.dumps(decoded)), copy.copy(decoded), copy.deepcopy(decoded)):
        assert clone == decoded and clone.author == decoded.author
        assert clone.event_id == "e" and hash(clone) == hash(decoded)
        assert clone.timestamp == decoded.timestamp and clone.member == decoded.member


# -- properties ------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "0", "1", "true", "2021-05-20T15:14:58+08:00", "1642076400000", " 7"])
)
_KEYS = sorted({f for m in ALL_MODELS for f in models.model_fields(m)} - {"event_id"})
json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=12,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values)
@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_any_json_parses_or_raises_remote_protocol_error_and_round_trips(
    model: type[Model], data: Any
) -> None:
    try:
        parsed = model.parse(data)
    except RemoteProtocolError:
        return
    assert model.parse(parsed.to_dict()) == parsed
    assert model.decode(dumps(parsed.to_dict())) == parsed


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values)
@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_decode_agrees_with_parse(model: type[Model], data: Any) -> None:
    """``decode(text)`` == ``parse(loads(text))``: the same model, or InvalidModel from both with
    the same message (what the lazy/eager comparison checked before)."""
    text = dumps(data)
    try:
        from_value = model.parse(data)
    except InvalidModel as exc:
        with pytest.raises(InvalidModel) as from_text:
            model.decode(text)
        assert str(from_text.value) == str(exc)
        return
    decoded = model.decode(text)
    assert decoded == from_value and decoded.to_dict() == from_value.to_dict()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values)
@pytest.mark.parametrize("name", [*EVENT_NAMES, "NOT_AN_EVENT"])
def test_any_json_to_any_event(name: str, data: Any) -> None:
    for d in (data, dumps(data)):
        try:
            parsed = parse_event(name, d, event_id="e")
        except RemoteProtocolError:
            continue
        assert attrgetter("event_id")(parsed) == "e"


@settings(max_examples=40, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.text() | st.integers(min_value=0),
            "content": st.text(),
            "seq": st.integers(min_value=-(2**63), max_value=2**63 - 1),
            "timestamp": st.datetimes(
                timezones=st.just(timezone.utc), min_value=datetime(1971, 1, 1)
            ).map(lambda d: d.isoformat()),
            "author": st.fixed_dictionaries({}, optional={"id": st.text(), "bot": st.booleans()}),
            "mentions": st.lists(st.fixed_dictionaries({"id": st.text()}), max_size=2),
            "unknown_key": st.integers(),
        },
    )
)
def test_message_round_trips_the_fields_it_was_given(data: dict[str, Any]) -> None:
    out = Message.parse(data).to_dict()
    expected = dict(data)
    expected.pop("unknown_key", None)  # kept in raw/extra of a decoded event, not written back
    if "id" in expected:
        expected["id"] = str(expected["id"])
    if "timestamp" in expected:  # written as RFC 3339 ("Z" for UTC): compare the instants
        assert datetime.fromisoformat(out.pop("timestamp").replace("Z", "+00:00")) == (
            datetime.fromisoformat(expected.pop("timestamp"))
        )
    assert out == expected
