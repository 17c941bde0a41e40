"""Tests for qqproto.outgoing._replies: msg_seq per replied-to message (bounded), reply routes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qqproto.outgoing import (
    ROUTES,
    OutgoingMessage,
    ReplySequencer,
    ReplyTarget,
    Scene,
    send_request,
)
from qqproto.rest._http import HttpUrl, encode_api_request


def test_sequence_increases_per_message() -> None:
    seq = ReplySequencer()
    assert [seq.next_seq("a") for _ in range(3)] == [1, 2, 3]
    assert seq.next_seq("b") == 1
    assert seq.next_seq("a") == 4
    assert seq.last_seq("a") == 4 and seq.last_seq("zzz") == 0
    assert len(seq) == 2 and "a" in seq and "c" not in seq


def test_bounded_lru() -> None:
    seq = ReplySequencer(capacity=2)
    seq.next_seq("a")
    seq.next_seq("b")
    seq.next_seq("a")  # a is now most recent
    seq.next_seq("c")  # evicts b
    assert len(seq) == 2 and "b" not in seq and seq.last_seq("a") == 2
    assert seq.next_seq("b") == 1  # forgotten: starts over
    with pytest.raises(ValueError):
        ReplySequencer(capacity=0)


@given(st.lists(st.sampled_from("abcdefgh"), max_size=200), st.integers(1, 5))
def test_never_repeats_while_remembered(ids: list[str], capacity: int) -> None:
    seq = ReplySequencer(capacity=capacity)
    issued: dict[str, list[int]] = {}
    for msg_id in ids:
        remembered = msg_id in seq
        value = seq.next_seq(msg_id)
        if remembered:
            assert value == issued[msg_id][-1] + 1
        issued.setdefault(msg_id, []).append(value)
        assert len(seq) <= capacity


@pytest.mark.parametrize(
    ("scene", "target", "path"),
    [
        (Scene.CHANNEL, "123", "/channels/123/messages"),
        (Scene.DM, "g1", "/dms/g1/messages"),
        (Scene.GROUP, "GROUPOPENID", "/v2/groups/GROUPOPENID/messages"),
        (Scene.C2C, "a/b c", "/v2/users/a%2Fb%20c/messages"),
    ],
)
def test_routes(scene: Scene, target: str, path: str) -> None:
    req = send_request(scene, target, OutgoingMessage.text("hi"))
    assert req.method == "POST" and req.path == path and req.route == ROUTES[scene][0]
    assert not req.idempotent


def test_group_reply_gets_fresh_seq() -> None:
    seq = ReplySequencer()
    target = ReplyTarget(Scene.GROUP, "G", msg_id="M1")
    first = target.request(OutgoingMessage.text("one"), seq)
    second = target.request(OutgoingMessage.text("two"), seq)
    assert first.json == {"content": "one", "msg_type": 0, "msg_id": "M1", "msg_seq": 1}
    assert second.json is not None and second.json["msg_seq"] == 2
    explicit = target.request(OutgoingMessage.text("x").reply_to(msg_seq=9), seq)
    assert explicit.json is not None and explicit.json["msg_seq"] == 9
    no_seq = target.request(OutgoingMessage.text("x"))
    assert no_seq.json is not None and no_seq.json["msg_seq"] == 1


def test_event_reply_and_channel_reply() -> None:
    seq = ReplySequencer()
    c2c = ReplyTarget(Scene.C2C, "U", event_id="E1")
    assert c2c.key == "event:E1"
    body = c2c.request(OutgoingMessage.text("hi"), seq).json
    assert body == {"content": "hi", "msg_type": 0, "event_id": "E1", "msg_seq": 1}
    chan = ReplyTarget(Scene.CHANNEL, "C", msg_id="M")
    assert chan.request(OutgoingMessage.text("hi"), seq).json == {"content": "hi", "msg_id": "M"}
    assert "M" not in seq  # channels do not use msg_seq


def test_reply_with_file_image_is_multipart() -> None:
    req = ReplyTarget(Scene.DM, "G", msg_id="M").request(OutgoingMessage.of_file_image(b"img"))
    assert req.json is None and req.form is not None
    http = encode_api_request(
        req, base=HttpUrl.parse("https://api.sgroup.qq.com"), app_id="1", access_token="T"
    )
    assert http.target == "/dms/G/messages"
    assert (http.header("content-type") or "").startswith("multipart/form-data")


def test_reply_encodes_as_json_request() -> None:
    req = ReplyTarget(Scene.GROUP, "G", msg_id="M").request(
        OutgoingMessage.text("hi"), ReplySequencer()
    )
    http = encode_api_request(
        req, base=HttpUrl.parse("https://api.sgroup.qq.com"), app_id="1", access_token="T"
    )
    assert json.loads(http.body) == {"content": "hi", "msg_type": 0, "msg_id": "M", "msg_seq": 1}


def test_target_validation() -> None:
    with pytest.raises(ValueError, match="msg_id"):
        ReplyTarget(Scene.GROUP, "G")
    with pytest.raises(ValueError, match="target id"):
        ReplyTarget(Scene.GROUP, "", msg_id="m")
    with pytest.raises(ValueError, match="target id"):
        send_request(Scene.C2C, "", OutgoingMessage.text("x"))
