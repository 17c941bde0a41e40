"""Models: every event fixture parses with its key fields; tolerant parsing, errors, round trips."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from typing import Any

import pytest
from _fixtures import EVENTS, event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qqproto import models
from qqproto._errors import RemoteProtocolError
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
    Timestamp,
    UnknownEvent,
    User,
    _fields,
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
            # dataclass(slots=True) replaces each class; skip the discarded originals
            if sub not in found and "__slots__" in vars(sub):
                found.append(sub)
                todo.append(sub)
    return sorted(found, key=lambda k: k.__name__)


ALL_MODELS = _all_models()


def _parse(name: str) -> Any:
    fixture = event(name)
    assert fixture["t"] == name
    return parse_event(name, fixture["d"], event_id="evt-1")


# -- every event fixture -------------------------------------------------------------------------


def test_every_event_fixture_is_known_and_parses() -> None:
    names = sorted(p.stem for p in EVENTS.glob("*.json"))
    assert len(names) == 46
    for name in names:
        assert name in EVENT_MODELS, name
        parsed = _parse(name)
        assert isinstance(parsed, EVENT_MODELS[name])
        assert parsed.event_id == "evt-1"
        if isinstance(parsed, Model):
            # nothing is lost: unknown keys stay in extra and everything re-serialises
            again = type(parsed).parse(parsed.to_dict())
            assert models.replace(again, event_id="evt-1") == parsed


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
    assert msg.timestamp is not None and msg.timestamp.raw == "2021-05-20T15:14:58+08:00"
    assert msg.attachments is None and msg.mentions is None
    assert msg.to_dict() == event(name)["d"]


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
    assert reaction.target is not None and reaction.target.id == "2" and reaction.target.type == 0


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
    assert parsed.timestamp.raw == event(name)["d"]["timestamp"]
    assert parsed.timestamp.timestamp() == event(name)["d"]["timestamp"]


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
    parsed = parse_event(name, data, event_id="e")
    assert isinstance(parsed, MessageDelete)
    assert parsed.message is not None and parsed.message.id == "m1"
    assert parsed.op_user == User(id="u2") and parsed.event_id == "e"


@pytest.mark.parametrize("name", ["AUDIO_START", "AUDIO_FINISH", "AUDIO_ON_MIC", "AUDIO_OFF_MIC"])
def test_audio_events(name: str) -> None:
    data = {"guild_id": "1", "channel_id": "2", "audio_url": "https://x/a.mp3", "text": "hi"}
    parsed = parse_event(name, data, event_id=None)
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


def test_numeric_event_id_becomes_string_and_bad_one_raises() -> None:
    friend = parse_event("FRIEND_ADD", {}, event_id=12)  # type: ignore[arg-type]
    assert isinstance(friend, C2CManageEvent) and friend.event_id == "12"
    with pytest.raises(InvalidModel):
        parse_event("FRIEND_ADD", {}, event_id=[1])  # type: ignore[arg-type]


# -- tolerant conversions ------------------------------------------------------------


def test_numeric_ids_bools_and_int_strings() -> None:
    forum = event("FORUM_REPLY_CREATE")["d"]
    numeric = {**forum, "guild_id": 47129941624960822, "author_id": 144115218182563108}
    parsed = Reply.parse(numeric)
    assert parsed.guild_id == "47129941624960822" and parsed.author_id == "144115218182563108"
    user = User.parse({"id": 5.0, "bot": 1})
    assert user.id == "5" and user.bot is True
    assert User.parse({"bot": "false"}).bot is False
    assert User.parse({"bot": "true"}).bot is True
    assert User.parse({"bot": 0.0}).bot is False
    roles = parse_event("GUILD_MEMBER_ADD", {"roles": ["1"], "guild_id": 7}, event_id=None)
    assert isinstance(roles, GuildMemberEvent) and roles.guild_id == "7"
    from qqproto.models import GuildRoles, ThreadList

    got = GuildRoles.parse({"role_num_limit": "30", "roles": [{"hoist": 1, "color": 4.0}]})
    assert got.role_num_limit == 30 and got.roles is not None
    assert got.roles[0].hoist is True and got.roles[0].color == 4
    assert GuildRoles.parse({"role_num_limit": True}).role_num_limit == 1
    assert GuildRoles.parse({"role_num_limit": " -3 "}).role_num_limit == -3
    assert ThreadList.parse({"is_finish": 1}).is_finish is True


def test_unknown_keys_are_kept_and_written_back() -> None:
    data = {"id": "1", "username": "n", "public_flags": 0, "system": False}
    user = User.parse(data)
    assert dict(user.extra) == {"public_flags": 0, "system": False}
    assert user.to_dict() == data and as_dict(user) == data
    assert User.parse({"id": "1"}).extra == {}


def test_nulls_are_none() -> None:
    assert Message.parse({"id": None, "author": None}) == Message()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
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
        ("1642076400000", datetime(2022, 1, 13, 12, 20, tzinfo=timezone.utc)),
        (1642076400000, datetime(2022, 1, 13, 12, 20, tzinfo=timezone.utc)),
    ],
)
def test_timestamps(raw: object, expected: datetime) -> None:
    stamp = Timestamp.parse(raw)
    assert stamp == expected and stamp.tzinfo is not None and stamp.raw == raw
    assert pickle.loads(pickle.dumps(stamp)) == stamp
    assert copy.copy(stamp).raw == raw
    assert "raw=" in repr(stamp)


@pytest.mark.parametrize(
    "raw",
    [
        True,
        None,
        [],
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
    with pytest.raises(_fields._Mismatch):
        Timestamp.parse(raw)
    with pytest.raises(InvalidModel) as info:
        C2CManageEvent.parse({"timestamp": raw}) if raw is not None else _raise_invalid()
    assert isinstance(info.value, RemoteProtocolError)


def _raise_invalid() -> None:
    raise InvalidModel("X", None, "null is fine for fields")


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
def test_wrong_scalar_types_name_model_and_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidModel) as info:
        User.parse(data)
    assert info.value.model == "User" and info.value.field == field
    assert f"User.{field}" in str(info.value)


def test_wrong_shapes() -> None:
    with pytest.raises(InvalidModel) as info:
        Message.parse([1])
    assert info.value.field is None
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


def test_models_are_frozen() -> None:
    user = User(id="1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.id = "2"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        User.parse_lazy({"id": "1"}).username = "x"  # type: ignore[misc]
    assert user.id == "1"


def test_parse_speed_is_reasonable() -> None:
    import timeit

    data = event("AT_MESSAGE_CREATE")["d"]
    per_call = (
        min(
            timeit.repeat(
                lambda: parse_event("AT_MESSAGE_CREATE", data, event_id="x"), number=200, repeat=5
            )
        )
        / 200
    )
    assert per_call < 200e-6  # generous: a shared CI box; ~10 µs on a quiet one


# -- properties ------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "0", "1", "true", "2021-05-20T15:14:58+08:00", "1642076400000", " 7"])
)
_KEYS = sorted({f for m in ALL_MODELS for f in models.model_fields(m)} - {"extra", "event_id"})
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


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values)
@pytest.mark.parametrize("name", [*EVENT_NAMES, "NOT_AN_EVENT"])
def test_any_json_to_any_event(name: str, data: Any) -> None:
    try:
        parsed = parse_event(name, data, event_id="e")
    except RemoteProtocolError:
        return
    assert attrgetter("event_id")(parsed) == "e"


@settings(max_examples=40, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.text() | st.integers(min_value=0),
            "content": st.text(),
            "seq": st.integers(),
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
    if "id" in expected:
        expected["id"] = str(expected["id"])
    assert out == expected


# -- lazy parsing ----------------------------------------------------------


def _force(value: Any) -> Any:
    """Read a model and every model inside it (what ``parse`` does at once)."""
    if isinstance(value, Model):
        return {name: _force(getattr(value, name)) for name in models.model_fields(value)}
    if isinstance(value, tuple):
        return tuple(_force(v) for v in value)
    return value


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values)
@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_lazy_parse_agrees_with_eager_parse(model: type[Model], data: Any) -> None:
    """``parse_lazy`` + reading everything == ``parse``: same value, or InvalidModel from both
    (the lazy one at the first access of the object that is wrong)."""
    try:
        eager = model.parse(data)
    except InvalidModel as exc:
        with pytest.raises(InvalidModel) as lazy_exc:
            _force(model.parse_lazy(data))
        assert str(lazy_exc.value) == str(exc)
        return
    lazy = model.parse_lazy(data)
    assert _force(lazy) == _force(eager)
    assert lazy == eager and lazy.to_dict() == eager.to_dict()


def test_lazy_event_reads_only_what_is_accessed() -> None:
    d = event("AT_MESSAGE_CREATE")["d"]
    msg = parse_event("AT_MESSAGE_CREATE", dict(d), event_id="e1", lazy=True)
    assert isinstance(msg, Message) and msg.event_id == "e1"

    def unread(obj: object, name: str) -> bool:
        return name not in vars(obj)

    assert all(unread(msg, name) for name in models.model_fields(Message) if name != "event_id")
    assert msg.content == d["content"]
    assert unread(msg, "timestamp") and unread(msg, "author")  # only what was asked for
    assert msg.author is not None and unread(msg.author, "id")  # nested: its own fields unread
    assert msg.author.id == d["author"]["id"] and not unread(msg.author, "id")
    assert msg == parse_event("AT_MESSAGE_CREATE", d, event_id="e1")


def test_lazy_event_with_a_bad_field_raises_on_access_every_time() -> None:
    msg = parse_event("AT_MESSAGE_CREATE", {"id": "m", "seq": "abc"}, event_id=None, lazy=True)
    assert isinstance(msg, Message) and msg.id == "m" and msg.content is None
    for _ in range(2):
        with pytest.raises(InvalidModel, match=r"Message\.seq: expected an integer"):
            _ = msg.seq
    assert repr(msg).startswith("Message(<invalid: Message.seq")
    with pytest.raises(InvalidModel, match="expected an object"):
        parse_event("AT_MESSAGE_CREATE", ["x"], event_id=None, lazy=True)  # checked at once
    nested = parse_event(
        "AT_MESSAGE_CREATE", {"author": {"bot": "maybe"}}, event_id=None, lazy=True
    )
    assert isinstance(nested, Message) and nested.author is not None
    with pytest.raises(InvalidModel, match=r"User\.bot"):
        _ = nested.author.bot
    with pytest.raises(InvalidModel, match=r"User: expected an object"):
        _ = Message.parse_lazy({"author": "someone"}).author


def test_model_class_behaviour() -> None:
    user = User(id="1", username="a")
    assert user == User.parse({"id": 1, "username": "a"}) and user != User(id="2")
    assert user.__eq__(object()) is NotImplemented
    assert hash(user) == hash(User.parse({"id": "1", "username": "a", "x": 1}))
    assert repr(user) == "User(id='1', username='a')"
    assert models.replace(user, id="2") == User(id="2", username="a")
    assert models.model_fields(User)[:2] == ("extra", "id")
    with pytest.raises(dataclasses.FrozenInstanceError):
        del user.id
    with pytest.raises(TypeError, match="unexpected fields"):
        User(nickname="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        User("1")  # type: ignore[call-arg, arg-type]
    with pytest.raises(AttributeError, match="no attribute 'nickname'"):
        _ = User.parse_lazy({"id": "1"}).nickname  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        _ = User.parse_lazy({"id": "1"}).__array__  # type: ignore[attr-defined]
    lazy = Message.parse_lazy(event("AT_MESSAGE_CREATE")["d"])
    for clone in (pickle.loads(pickle.dumps(lazy)), copy.copy(lazy), copy.deepcopy(lazy)):
        assert clone == lazy and clone.author == lazy.author
