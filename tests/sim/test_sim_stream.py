"""C2C streaming messages on the simulated platform: assembly, frame records and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from _sim_api import GROUP, OPENID, SimApi

from qqproto.sim import DUPLICATE_MSG_SEQ_CODE, STREAM_CODES


class Api(SimApi):
    """The REST app seeded with 5; :meth:`frame` sends one stream frame of a C2C reply."""

    def __init__(self, **options: Any) -> None:
        super().__init__(5, **options)
        self.seq = 0

    def frame(self, text: str, state: int, index: int, **stream: Any) -> tuple[int, Any]:
        self.now += 0.5
        self.seq += 1
        body = {
            "msg_type": 0,
            "content": text,
            "msg_id": "incoming",
            "msg_seq": self.seq,
            "stream": {"state": state, "index": index, **stream},
        }
        return self.send("POST", f"/v2/users/{OPENID}/messages", body)


def test_frames_are_assembled_into_one_message() -> None:
    api = Api()
    status, first = api.frame("Hel", 1, 1)
    assert status == 200 and set(first) == {"id", "timestamp"}
    sid = first["id"]
    assert api.frame("lo, ", 1, 2, id=sid) == (
        200,
        {"id": sid, "timestamp": first["timestamp"] + 1},
    )
    (message,) = api.p.messages(scene="c2c")
    assert message.content == "Hello, " and not message.finished
    assert api.frame("world", 10, 3, id=sid)[0] == 200
    (message,) = api.p.messages(scene="c2c")
    assert message.content == "Hello, world" and message.finished
    assert message.stream_id == message.message_id == sid
    assert [f.index for f in message.frames] == [1, 2, 3]
    assert [f.text for f in api.p.stream_frames] == ["Hel", "lo, ", "world"]
    assert message.reply_to == "incoming"


def test_cumulative_frames_replace_the_text_and_guides_follow_the_body() -> None:
    api = Api(stream_cumulative=True)
    sid = api.frame("Hel", 1, 1)[1]["id"]
    api.frame("Hello", 10, 2, id=sid)
    api.frame("try ", 11, 3, id=sid)
    assert api.frame("try /help", 20, 4, id=sid)[0] == 200
    (message,) = api.p.messages()
    assert (message.content, message.guide, message.finished) == ("Hello", "try /help", True)


def test_markdown_frames_assemble_markdown_content() -> None:
    api = Api()
    api.now += 1
    body = {
        "msg_type": 2,
        "markdown": {"content": "# a"},
        "msg_id": "m",
        "msg_seq": 1,
        "stream": {"state": 1, "index": 1},
    }
    sid = api.send("POST", f"/v2/users/{OPENID}/messages", body)[1]["id"]
    api.now += 1
    body = {
        **body,
        "markdown": {"content": "b"},
        "msg_seq": 2,
        "stream": {"state": 10, "index": 2, "id": sid},
    }
    assert api.send("POST", f"/v2/users/{OPENID}/messages", body)[0] == 200
    assert api.p.messages()[0].body["markdown"] == {"content": "# ab"}


def test_reset_restarts_text_and_index() -> None:
    api = Api()
    sid = api.frame("wrong ", 1, 1)[1]["id"]
    api.frame("answer", 1, 2, id=sid)
    assert api.frame("right ", 1, 0, id=sid, reset=True)[0] == 200
    assert api.frame("answer", 10, 1, id=sid)[0] == 200
    assert api.p.messages()[0].content == "right answer"


def refused(result: tuple[int, Any], case: str) -> bool:
    status, body = result
    code = STREAM_CODES[case]
    return status == 400 and body["code"] == body["err_code"] == code and "trace_id" in body


def test_refusals() -> None:
    api = Api()
    assert refused(api.frame("x", 1, 1, id="nope"), "unknown_id")
    sid = api.frame("a", 1, 1)[1]["id"]
    assert refused(api.frame("b", 1, 1, id=sid), "index")
    assert refused(api.frame("b", 7, 2, id=sid), "bad_stream")
    api.now = api.p.stream_frames[1].time - 0.4  # the next frame: 0.1 s after the accepted one
    assert refused(api.frame("b", 1, 2, id=sid), "too_fast")
    assert api.frame("b", 10, 2, id=sid)[0] == 200
    assert refused(api.frame("c", 1, 3, id=sid), "finished")
    assert refused(api.frame("c", 1, 0, id=sid, reset=True), "finished")
    assert api.p.messages()[0].content == "ab"
    cases = [STREAM_CODES.get(c) for c in ("unknown_id", "", "index", "bad_stream", "too_fast")]
    cases += [None, STREAM_CODES["finished"], STREAM_CODES["finished"]]
    assert [f.refused for f in api.p.stream_frames] == cases


def test_frames_are_replies_with_fresh_msg_seq() -> None:
    api = Api()
    body = {"content": "a", "stream": {"state": 1, "index": 1}}
    assert refused(api.send("POST", f"/v2/users/{OPENID}/messages", body), "not_passive")
    api.frame("a", 1, 1)
    api.seq -= 1  # the same msg_seq again
    status, answer = api.frame("b", 1, 2, id=api.p.messages()[0].stream_id)
    assert (status, answer["code"]) == (400, DUPLICATE_MSG_SEQ_CODE)


@pytest.mark.parametrize(
    "path",
    [f"/v2/groups/{GROUP}/messages", "/channels/100010/messages", "/dms/123/messages"],
)
def test_streams_are_for_single_chats_only(path: str) -> None:
    api = Api()
    body = {"content": "a", "msg_id": "m", "stream": {"state": 1, "index": 1}}
    assert refused(api.send("POST", path, body), "scene")
    assert api.p.messages() == []
