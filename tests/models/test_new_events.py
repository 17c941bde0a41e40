"""Issue 12's events: ENTER_AIO, SUBSCRIBE_MESSAGE_STATUS, the ON_MIC/OFF_MIC spellings, replies
to group member events, and the ``EventHandler`` kept in step with ``EVENT_MODELS``.

The payloads are written here after botgo's DTOs (``dto/enter_aio.go``: ``EnterAIO``;
``dto/subscribe.go``: ``SubscribeMessageStatusData``, ``SubscribeMsgTemplateResult``) with values
in the platform's usual style (32-hex openids, unix-second times); the GROUP_MEMBER_ADD payload
after NoneBot's ``GroupMemberAddEvent`` (``group_openid``, ``member_openid``, ``op_member_openid``,
``timestamp``). No official example of any of them is published.
"""

from __future__ import annotations

import inspect
import json
from datetime import datetime, timezone

import pytest

from qqproto.client._handler import EventHandler
from qqproto.gateway import Intents
from qqproto.models import (
    EVENT_ALIASES,
    EVENT_INTENTS,
    EVENT_MODELS,
    AudioEvent,
    EnterAIOEvent,
    GroupMemberEvent,
    InvalidModel,
    Replyable,
    SubscribeMessageStatusEvent,
    SubscribeTemplateResult,
    handler_name,
    parse_event,
)
from qqproto.outgoing import OutgoingMessage, Scene, reply_target
from qqproto.webhook._receiver import WebhookEvent

ENTER_AIO = {"user_openid": "E4F4AEA33253A2797FB897C50B81D7ED", "from_source": "profile"}

SUBSCRIBE = {
    "group_openid": "",
    "openid": "E4F4AEA33253A2797FB897C50B81D7ED",
    "result": [
        {
            "template_id": 1001,
            "custom_template_id": "",
            "op": 1,
            "subscribe_id": "sub-7c1f",
            "update_ts": 1700000000,
        },
        {
            "template_id": 0,
            "custom_template_id": "tpl-42",
            "op": 2,
            "subscribe_id": "sub-7c20",
            "update_ts": 1700000060,
        },
    ],
}

GROUP_MEMBER_ADD = {
    "group_openid": "C9F778FE6ADF9D1D1DBE395BF744A33A",
    "member_openid": "E4F4AEA33253A2797FB897C50B81D7ED",
    "op_member_openid": "E4F4AEA33253A2797FB897C50B81D7ED",
    "timestamp": 1700000000,
}


def _both(name: str, data: object, event_id: str = "ev-1") -> object:
    """The event parsed from the JSON text and from the decoded value (the two must agree)."""
    from_text = parse_event(name, json.dumps(data).encode(), event_id=event_id)
    assert parse_event(name, data, event_id=event_id) == from_text
    return from_text


def test_enter_aio() -> None:
    event = _both("ENTER_AIO", ENTER_AIO)
    assert isinstance(event, EnterAIOEvent)
    assert event.user_openid == ENTER_AIO["user_openid"] and event.from_source == "profile"
    assert event.event_id == "ev-1" and event.extra == {}
    assert EVENT_INTENTS["ENTER_AIO"] == int(Intents.ENTER_AIO) == 1 << 23
    assert handler_name("ENTER_AIO") == "on_enter_aio"


def test_subscribe_message_status() -> None:
    event = _both("SUBSCRIBE_MESSAGE_STATUS", SUBSCRIBE)
    assert isinstance(event, SubscribeMessageStatusEvent)
    assert event.openid == SUBSCRIBE["openid"] and event.group_openid == ""
    assert event.result is not None and len(event.result) == 2
    allowed, refused = event.result
    assert allowed == SubscribeTemplateResult(
        template_id=1001,
        custom_template_id="",
        op=1,
        subscribe_id="sub-7c1f",
        update_ts=datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc),
    )
    assert refused.custom_template_id == "tpl-42" and refused.op == 2
    assert event.extra == {} and event.event_id == "ev-1"
    assert EVENT_INTENTS["SUBSCRIBE_MESSAGE_STATUS"] == int(Intents.GROUP_AND_C2C_EVENT)
    assert handler_name("SUBSCRIBE_MESSAGE_STATUS") == "on_subscribe_message_status"


def test_subscribe_message_status_tolerates_what_the_platform_may_send() -> None:
    # ids as numbers, a millisecond time, a missing list
    event = _both(
        "SUBSCRIBE_MESSAGE_STATUS",
        {"openid": 123, "result": [{"template_id": "7", "update_ts": 1700000000000}]},
    )
    assert isinstance(event, SubscribeMessageStatusEvent)
    assert event.openid == "123" and event.result is not None
    assert event.result[0].template_id == 7
    assert event.result[0].update_ts == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    empty = _both("SUBSCRIBE_MESSAGE_STATUS", {})
    assert isinstance(empty, SubscribeMessageStatusEvent) and empty.result is None


def test_a_wrong_shape_is_an_invalid_model() -> None:
    with pytest.raises(InvalidModel, match="result"):
        parse_event("SUBSCRIBE_MESSAGE_STATUS", b'{"result": {"op": 1}}', event_id=None)
    with pytest.raises(InvalidModel):
        parse_event("ENTER_AIO", b"[1]", event_id=None)


@pytest.mark.parametrize(
    ("alias", "name"), [("ON_MIC", "AUDIO_ON_MIC"), ("OFF_MIC", "AUDIO_OFF_MIC")]
)
def test_the_mic_spellings_are_one_event(alias: str, name: str) -> None:
    data = {"guild_id": "g1", "channel_id": "c1"}
    event = _both(alias, data)
    assert isinstance(event, AudioEvent) and event == _both(name, data)
    assert EVENT_ALIASES[alias] == name
    assert handler_name(alias) == handler_name(name) == "on_" + name.lower()
    assert EVENT_INTENTS[alias] == EVENT_INTENTS[name] == int(Intents.AUDIO_ACTION)
    assert EVENT_MODELS[alias] is EVENT_MODELS[name]
    # a webhook push goes to the same handler
    assert WebhookEvent("1", alias, None, event).handler == "on_" + name.lower()


def test_every_alias_stands_for_a_known_event() -> None:
    for alias, name in EVENT_ALIASES.items():
        assert name in EVENT_MODELS and name not in EVENT_ALIASES
        assert EVENT_MODELS[alias] is EVENT_MODELS[name]


# -- the EventHandler and EVENT_MODELS in step ---------------------------------------------------

_LIFECYCLE = {"on_disconnected", "on_unknown_event", "on_error"}


def test_every_event_has_its_handler_method_typed_with_its_model() -> None:
    for name, model in EVENT_MODELS.items():
        method = getattr(EventHandler, handler_name(name), None)
        assert method is not None, name
        assert inspect.iscoroutinefunction(method), name
        assert method.__annotations__["event"] == model.__name__, name
        assert name.split("_", 1)[-1] in (method.__doc__ or "") or name in EVENT_ALIASES


def test_every_handler_method_is_an_event_or_the_lifecycle() -> None:
    methods = {n for n, v in vars(EventHandler).items() if n.startswith("on_") and callable(v)}
    named = {handler_name(name) for name in EVENT_MODELS}
    assert methods - _LIFECYCLE == named
    # the aliases have no method of their own
    assert not any(hasattr(EventHandler, "on_" + alias.lower()) for alias in EVENT_ALIASES)


def test_handler_methods_follow_the_table_order() -> None:
    order = [n for n in vars(EventHandler) if n.startswith("on_") and n not in _LIFECYCLE]
    expected = list(dict.fromkeys(handler_name(n) for n in EVENT_MODELS))
    assert order == expected


# -- replies to group member events --------------------------------------------------------------


@pytest.mark.parametrize("name", ["GROUP_MEMBER_ADD", "GROUP_MEMBER_REMOVE"])
def test_a_group_member_event_is_answered_by_event_id(name: str) -> None:
    event = _both(name, GROUP_MEMBER_ADD, event_id="GROUP_MEMBER_ADD:abc")
    assert isinstance(event, GroupMemberEvent) and isinstance(event, Replyable)
    target = reply_target(event)
    assert target.scene is Scene.GROUP
    assert target.target_id == GROUP_MEMBER_ADD["group_openid"]
    assert target.event_id == "GROUP_MEMBER_ADD:abc" and target.msg_id is None
    request = target.request(OutgoingMessage(content="welcome"))
    assert request.method == "POST"
    assert request.path == f"/v2/groups/{GROUP_MEMBER_ADD['group_openid']}/messages"
    assert request.json["event_id"] == "GROUP_MEMBER_ADD:abc"
    assert request.json["content"] == "welcome" and request.json["msg_seq"] == 1
    assert "msg_id" not in request.json


def test_a_group_member_event_without_what_a_reply_needs() -> None:
    no_id = parse_event("GROUP_MEMBER_ADD", GROUP_MEMBER_ADD, event_id=None)
    with pytest.raises(ValueError, match="event_id"):
        reply_target(no_id)
    no_group = parse_event("GROUP_MEMBER_ADD", {"member_openid": "m"}, event_id="e")
    with pytest.raises(ValueError, match="group_openid"):
        reply_target(no_group)
