"""Issue 12's routes: history, the notification-setting guides, the deprecated HTTP-callback
sessions, and the fixes (mic routes without a body, ``get_schedules``'s ``since``).

The request shapes come from botgo (``openapi/v1/message.go``, ``direct_message.go``,
``webhook.go``; ``dto/pager.go``, ``dto/message_create.go``, ``dto/http_gateway.go``); the answer
payloads below are written here after botgo's DTOs (``dto.Message``, ``dto.HTTPSession``,
``dto.HTTPReady``) with values in the platform's usual style.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from _fixtures import rest

from qqproto._errors import RemoteProtocolError
from qqproto.models import Message, User, WebhookSession, WebhookSessionReady
from qqproto.rest import ApiCatalogue, Call, HttpUrl, encode_api_request

A = ApiCatalogue
API = HttpUrl.parse("https://api.sgroup.qq.com")


def _wire(call: Call[Any]) -> tuple[str, bytes, dict[str, str]]:
    """The request target, body and headers (lower-case names) as they would be sent."""
    http = encode_api_request(call.request, base=API, app_id="1", access_token="t")
    return http.target, http.body, {k.lower(): v for k, v in http.headers}


# -- history ------------------------------------------------------------------------------------


@pytest.mark.parametrize("anchor", ["around", "before", "after"])
def test_history_query_is_the_anchor_and_the_limit(anchor: str) -> None:
    call = A.get_messages("c1", **{anchor: "m5"}, limit=7)
    request = call.request
    assert (request.method, request.path) == ("GET", "/channels/c1/messages")
    assert request.route == "/channels/{channel_id}/messages"
    assert request.query == ((anchor, "m5"), ("limit", "7"))
    assert request.json is None and request.form is None and request.idempotent
    target, body, _ = _wire(call)
    assert target == f"/channels/c1/messages?{anchor}=m5&limit=7" and body == b""


def test_history_without_an_anchor_sends_the_limit_only() -> None:
    assert A.get_messages("c1").request.query == (("limit", "20"),)


@pytest.mark.parametrize(
    "anchors",
    [
        {"around": "a", "before": "b"},
        {"before": "b", "after": "c"},
        {"around": "a", "after": "c"},
        {"around": "a", "before": "b", "after": "c"},
    ],
)
def test_history_takes_at_most_one_anchor(anchors: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="at most one of around, before, after"):
        A.get_messages("c1", **anchors)  # type: ignore[arg-type]


def test_history_argument_errors() -> None:
    with pytest.raises(ValueError, match="limit must be a positive int"):
        A.get_messages("c1", limit=0)
    with pytest.raises(ValueError, match="limit must be a positive int"):
        A.get_messages("c1", limit=True)
    with pytest.raises(ValueError, match="non-empty message id"):
        A.get_messages("c1", after="")
    with pytest.raises(TypeError, match="message id"):
        A.get_messages("c1", before=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        A.get_messages("c1", "m1")  # type: ignore[call-arg]  # the anchors are keyword-only


_HISTORY = [
    {
        "id": "08e092eeb983afef9e0110f0b9c70b",
        "channel_id": "c1",
        "guild_id": "g1",
        "content": "first",
        "timestamp": "2024-01-02T03:04:05+08:00",
        "author": {"id": "u1", "username": "alice", "bot": False},
        "seq": 11,
        "seq_in_channel": "11",
    },
    {
        "id": "08e092eeb983afef9e0110f0b9c70c",
        "channel_id": "c1",
        "guild_id": "g1",
        "content": "second",
        "timestamp": "2024-01-02T03:04:06+08:00",
        "author": {"id": "u2", "username": "bob", "bot": False},
        "seq": 12,
        "seq_in_channel": "12",
    },
]


@pytest.mark.parametrize(
    "answer",
    [
        _HISTORY,  # botgo: a bare array of dto.Message
        {"messages": _HISTORY},  # wrapped
        [{"message": item} for item in _HISTORY],  # each item wrapped, as single messages can be
    ],
    ids=["bare", "wrapped", "items-wrapped"],
)
def test_history_answer_shapes(answer: Any) -> None:
    page = A.get_messages("c1", before="m9").parse(answer)
    assert isinstance(page, tuple) and all(type(m) is Message for m in page)
    assert [m.content for m in page] == ["first", "second"]
    assert page[0].author is not None and page[0].author.username == "alice"
    assert page[1].timestamp == datetime(2024, 1, 1, 19, 4, 6, tzinfo=timezone.utc)


@pytest.mark.parametrize("empty", [[], None, "", {}, {"messages": []}, {"messages": None}])
def test_history_empty_answers(empty: Any) -> None:
    assert A.get_messages("c1").parse(empty) == ()


@pytest.mark.parametrize("bad", [{"something": "else"}, 5, "text", {"messages": {"id": "1"}}])
def test_history_wrong_answers_are_remote_errors(bad: Any) -> None:
    with pytest.raises(RemoteProtocolError):
        A.get_messages("c1").parse(bad)


def test_a_wrapped_item_with_more_keys_is_read_as_the_message_itself() -> None:
    (only,) = A.get_messages("c1").parse([{"message": {"id": "x"}, "id": "m1"}])
    assert only.id == "m1"


# -- notification-setting guides ---------------------------------------------------------------


def test_setting_guide_in_a_channel() -> None:
    call = A.post_setting_guide("c1", content="see: ", at_user_ids=("u1",))
    assert (call.request.method, call.request.path) == ("POST", "/channels/c1/settingguide")
    assert call.request.json == {"content": "see: <@u1>"}
    assert A.post_setting_guide("c1").request.json == {}
    assert A.post_setting_guide("c1", content="hi").request.json == {"content": "hi"}
    with pytest.raises(TypeError, match="sequence of user ids"):
        A.post_setting_guide("c1", at_user_ids="u1")
    sent = call.parse({"id": "m1", "channel_id": "c1", "content": "see: <@u1>"})
    assert isinstance(sent, Message) and sent.id == "m1"
    assert call.parse(None) is None and call.parse("") is None


def test_setting_guide_in_a_dm() -> None:
    call = A.post_dms_setting_guide("dm-guild", jump_guild_id="g1", content="hi")
    assert (call.request.method, call.request.path) == ("POST", "/dms/dm-guild/settingguide")
    assert call.request.json == {"content": "hi", "setting_guide": {"guild_id": "g1"}}
    assert A.post_dms_setting_guide("dm-guild").request.json == {}
    assert not call.request.idempotent


# -- HTTP-callback sessions (deprecated) ---------------------------------------------------------

_SESSION = {
    "app_id": 102000001,
    "session_id": "3ed5a1c4-2c11-4a53-b1b0-1f0e3f8f6a10",
    "callback_url": "https://bot.example/qq",
    "env": "prod",
    "intents": 1 << 30,
    "last_heartbeat_time": "2024-01-02 03:04:05",
    "state": "active",
    "shards": [0, 1],
}


def test_create_webhook_session() -> None:
    call = A.create_webhook_session("https://bot.example/qq", 1 << 25)
    assert call.request.method == "POST" and call.request.path == "/gateway/webhook/sessions"
    assert call.request.json == {
        "intents": 1 << 25,
        "shards": [0, 1],
        "callback_url": "https://bot.example/qq",
    }
    ready = call.parse(
        {
            "version": 1,
            "session_id": _SESSION["session_id"],
            "bot": {"id": "11586990140073229091", "username": "bot"},
            "shard": [0, 1],
        }
    )
    assert isinstance(ready, WebhookSessionReady)
    assert ready.session_id == _SESSION["session_id"] and ready.shard == (0, 1)
    assert ready.bot == User(id="11586990140073229091", username="bot")
    with pytest.raises(ValueError, match="not in range"):
        A.create_webhook_session("https://bot.example/qq", 1, shard_id=2, shard_count=2)


@pytest.mark.parametrize("route", ["get_webhook_sessions", "check_webhook_sessions"])
@pytest.mark.parametrize("wrapped", [False, True])
def test_listed_webhook_sessions(route: str, wrapped: bool) -> None:
    call: Call[tuple[WebhookSession, ...]] = getattr(A, route)()
    answer = {"sessions": [_SESSION]} if wrapped else [_SESSION]
    (session,) = call.parse(answer)
    assert session.app_id == "102000001"  # a number on the wire, an id here
    assert session.intents == 1 << 30 and session.shards == (0, 1)
    assert session.state == "active" and session.callback_url == "https://bot.example/qq"
    assert call.parse([]) == () and call.parse(None) == ()


def test_check_and_delete_webhook_sessions() -> None:
    check = A.check_webhook_sessions()
    assert check.request.method == "PATCH" and check.request.json is None
    target, body, headers = _wire(check)
    assert target == "/gateway/webhook/sessions?action=check" and body == b""
    assert "content-type" not in headers
    delete = A.delete_webhook_session("abc")
    assert delete.request.method == "DELETE"
    assert delete.request.path == "/gateway/webhook/sessions/abc"
    assert delete.request.route == "/gateway/webhook/sessions/{session_id}"
    assert delete.parse(None) is None


def test_the_session_routes_say_they_are_deprecated() -> None:
    for name in (
        "create_webhook_session",
        "get_webhook_sessions",
        "check_webhook_sessions",
        "delete_webhook_session",
    ):
        assert "deprecated" in (getattr(A, name).__doc__ or ""), name


# -- fixes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["on_microphone", "off_microphone"])
def test_mic_routes_send_no_body(route: str) -> None:
    call = getattr(A, route)("c1")
    assert call.request.json is None and call.request.form is None
    target, body, headers = _wire(call)
    assert target == "/channels/c1/mic"
    assert body == b"" and "content-type" not in headers
    assert headers.get("content-length", "0") == "0"


def test_schedules_since_goes_in_the_query_by_default() -> None:
    call = A.get_schedules("c1", since=1642076400000)
    assert call.request.query == (("since", "1642076400000"),) and call.request.json is None
    target, body, _ = _wire(call)
    assert target == "/channels/c1/schedules?since=1642076400000" and body == b""


def test_schedules_since_in_the_body_on_request() -> None:
    call = A.get_schedules("c1", 1642076400000, since_in_body=True)
    # the body the docs print for this GET (tests/fixtures/README.md)
    assert call.request.json == rest("GET_channels_channel_id_schedules.request")
    assert call.request.query == () and call.request.json == {"since": 1642076400000}
    _, body, headers = _wire(call)
    assert body == b'{"since":1642076400000}' and headers["content-type"] == "application/json"


def test_schedules_without_since_send_neither() -> None:
    for in_body in (False, True):
        request = A.get_schedules("c1", since_in_body=in_body).request
        assert request.query == () and request.json is None


def test_group_members_docstring_is_not_uncertain_about_the_route() -> None:
    doc = A.get_group_members.__doc__ or ""
    assert "invited bots only" in doc and "not in the docs" not in doc
