"""Where passive replies go, for every event type that can be answered."""

from __future__ import annotations

from typing import Any

import pytest

from qqproto.models import (
    C2CManageEvent,
    C2CMessage,
    DirectMessage,
    GroupManageEvent,
    GroupMessage,
    Interaction,
    parse_event,
)
from qqproto.models import Message as ChannelMessage
from qqproto.outgoing import OutgoingMessage, ReplySequencer, ReplyTarget, Scene, reply_target


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            ChannelMessage.parse({"id": "m", "channel_id": "c"}),
            ReplyTarget(Scene.CHANNEL, "c", "m"),
        ),
        (DirectMessage.parse({"id": "m", "guild_id": "g"}), ReplyTarget(Scene.DM, "g", "m")),
        (GroupMessage.parse({"id": "m", "group_openid": "G"}), ReplyTarget(Scene.GROUP, "G", "m")),
        (
            C2CMessage.parse({"id": "m", "author": {"user_openid": "U"}}),
            ReplyTarget(Scene.C2C, "U", "m"),
        ),
        (
            Interaction.parse({"id": "i", "group_openid": "G", "chat_type": 1}),
            ReplyTarget(Scene.GROUP, "G", event_id="i"),
        ),
        (
            Interaction.parse({"id": "i", "user_openid": "U", "chat_type": 2}),
            ReplyTarget(Scene.C2C, "U", event_id="i"),
        ),
        (
            Interaction.parse({"id": "i", "channel_id": "c", "chat_type": 0}),
            ReplyTarget(Scene.CHANNEL, "c", event_id="i"),
        ),
        (
            parse_event("GROUP_ADD_ROBOT", {"group_openid": "G"}, event_id="GROUP_ADD_ROBOT:1"),
            ReplyTarget(Scene.GROUP, "G", event_id="GROUP_ADD_ROBOT:1"),
        ),
        (
            parse_event("FRIEND_ADD", {"openid": "U"}, event_id="FRIEND_ADD:1"),
            ReplyTarget(Scene.C2C, "U", event_id="FRIEND_ADD:1"),
        ),
    ],
)
def test_reply_targets(event: Any, expected: ReplyTarget) -> None:
    assert reply_target(event) == expected


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (ChannelMessage.parse({"id": "m"}), ValueError),  # no channel id
        (C2CMessage.parse({"id": "m"}), ValueError),
        (GroupManageEvent.parse({"group_openid": "G"}), ValueError),  # no event id to answer
        (C2CManageEvent.parse({"event_id": None}), ValueError),
        (Interaction.parse({"id": "i"}), ValueError),
        (object(), TypeError),  # no reply scene for this type
    ],
)
def test_unanswerable_events_are_argument_errors(event: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="cannot reply"):
        reply_target(event)


def test_reply_request_carries_ids_and_increasing_seq() -> None:
    seq = ReplySequencer()
    event = GroupMessage.parse({"id": "m", "group_openid": "G"})
    first = reply_target(event).request(OutgoingMessage.text("a"), seq)
    second = reply_target(event).request(OutgoingMessage.text("b"), seq)
    assert first.path == "/v2/groups/G/messages"
    assert (first.json["msg_id"], first.json["msg_seq"]) == ("m", 1)
    assert second.json["msg_seq"] == 2
