"""The simulator's token endpoint and REST app, driven by the client core's HTTP codec in memory.

Requests are built by the client (route catalogue + ``encode_api_request``), carried as bytes
through ``HttpConnection`` -> ``ServerConnection`` -> back, and the answers are parsed by the
client's own models and error classifier: a client/server conformance test.
"""

from __future__ import annotations

import json
import random
from typing import Any, TypeVar

import pytest
from _fixtures import REST, load
from _route_table import ROUTES as CATALOGUE_CASES

from qqproto.rest._api_errors import (
    ApiError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    decode_response,
)
from qqproto.rest._auth import Token, build_token_request, parse_token_response
from qqproto.rest._call import ApiRequest, ApiResponse, Call
from qqproto.rest._catalogue import ApiCatalogue as Api
from qqproto.rest._http import HttpConnection, HttpRequest, HttpUrl, encode_api_request
from qqproto.sim import (
    DEFAULT_APP_ID,
    DEFAULT_SECRET,
    DUPLICATE_MSG_SEQ_CODE,
    ROUTES,
    Platform,
    RestRequest,
    ServerConnection,
    handle,
    parse_multipart,
)

T = TypeVar("T")
BASE = HttpUrl.parse("http://sim.test")
TOKEN_URL = HttpUrl.parse("http://sim.test/app/getAppAccessToken")


class Client:
    """The client core talking to one in-memory ServerConnection (keep-alive)."""

    def __init__(self, platform: Platform | None = None) -> None:
        self.p = platform or Platform(rng=random.Random(11))
        self.now = 50.0
        self.server = ServerConnection(self.p, self.now)
        self.http = HttpConnection()
        self.token = ""

    def exchange(self, request: HttpRequest) -> ApiResponse:
        if not self.http.reusable:
            self.server = ServerConnection(self.p, self.now)
            self.http = HttpConnection()
        self.server.receive_data(self.http.send(request), self.now)
        response = self.http.receive_data(self.server.data_to_send())
        assert response is not None
        return response

    def login(self) -> str:
        response = self.exchange(
            build_token_request(Token(DEFAULT_APP_ID, DEFAULT_SECRET), TOKEN_URL)
        )
        self.token, expires = parse_token_response(response)
        assert expires == 7200.0
        return self.token

    def raw(self, request: ApiRequest, token: str | None = None) -> ApiResponse:
        http = encode_api_request(
            request, base=BASE, app_id=DEFAULT_APP_ID, access_token=token or self.token or "x"
        )
        return self.exchange(http)

    def call(self, call: Call[T]) -> T:
        response = self.raw(call.request)
        return call.parse(decode_response(call.request, response))


@pytest.fixture
def client() -> Client:
    c = Client()
    c.login()
    return c


def direct(p: Platform, method: str, target: str, body: Any = None, **headers: str) -> Any:
    token = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 0.0)[0]
    hdrs = {"authorization": f"QQBot {token}", "x-union-appid": DEFAULT_APP_ID}
    hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
    raw = b"" if body is None else json.dumps(body).encode()
    if raw:
        hdrs.setdefault("content-type", "application/json")
    return handle(p, RestRequest(method, target, tuple(hdrs.items()), raw), 0.0)


# ------------------------------------------------------------------------------------ tokens


def test_token_endpoint_answers_like_the_docs() -> None:
    c = Client()
    response = c.exchange(build_token_request(Token(DEFAULT_APP_ID, DEFAULT_SECRET), TOKEN_URL))
    body = json.loads(response.body)
    assert set(body) == set(load(REST / "POST_app_getAppAccessToken.response.json"))
    assert body["expires_in"] == "7200" and isinstance(body["expires_in"], str)
    assert response.header("content-type") == "application/json"
    assert response.trace_id


def test_token_sixty_second_rule() -> None:
    p = Platform(rng=random.Random(1), token_lifetime=7200)
    first, ttl = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 0.0)
    assert ttl == 7200
    same, ttl = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 7000.0)
    assert same == first and ttl == 200
    same_edge, _ = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 7139.0)
    assert same_edge == first
    new, ttl = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 7150.0)
    assert new != first and ttl == 7200
    # the old token stays valid for the rest of its life, then dies
    assert p.token_bot(first, 7199.0) is not None
    assert p.token_bot(first, 7200.0) is None
    assert p.token_bot(new, 7200.0) is not None
    assert p.live_tokens(7199.0) == [first, new]
    # asking again returns the new token
    assert p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 7160.0)[0] == new
    # long-dead tokens are forgotten
    p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 7200.0 + 3600.0 + 1)
    assert first not in p.live_tokens(0.0, app_id=DEFAULT_APP_ID)


def test_expire_tokens_forces_a_new_one() -> None:
    p = Platform(rng=random.Random(1))
    old, _ = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 10.0)
    assert p.expire_tokens(20.0) == 1
    assert p.token_bot(old, 20.0) is None
    new, ttl = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 20.0)
    assert new != old and ttl == 7200
    assert p.expire_tokens(20.0, app_id="someone-else") == 0


@pytest.mark.parametrize(
    ("body", "ctype", "code"),
    [
        ({"appId": "nope", "clientSecret": "x"}, "application/json", 100007),
        ({"appId": DEFAULT_APP_ID, "clientSecret": "wrong"}, "application/json", 100016),
        ({"appId": 102000000, "clientSecret": DEFAULT_SECRET}, "application/json", 100007),
        ({"appId": DEFAULT_APP_ID, "clientSecret": DEFAULT_SECRET}, "text/plain", 100007),
        (["x"], "application/json", 100007),
    ],
)
def test_token_endpoint_refusals(body: Any, ctype: str, code: int) -> None:
    p = Platform(rng=random.Random(1))
    request = RestRequest(
        "POST", "/app/getAppAccessToken", (("content-type", ctype),), json.dumps(body).encode()
    )
    response = handle(p, request, 0.0)
    assert response.status == 200 and response.json == {
        "code": code,
        "message": response.json["message"],
    }
    assert p.rest_log[-1].code == code


def test_token_endpoint_method_and_failure_injection() -> None:
    p = Platform(rng=random.Random(1))
    assert handle(p, RestRequest("GET", "/app/getAppAccessToken"), 0.0).status == 405
    p.fail_next("POST /app/getAppAccessToken", status=200, code=100002, message="internal err")
    c = Client(p)
    response = c.exchange(build_token_request(Token(DEFAULT_APP_ID, DEFAULT_SECRET), TOKEN_URL))
    assert json.loads(response.body)["code"] == 100002
    with pytest.raises(ApiError):
        parse_token_response(response)
    c.login()  # the failure was used up


# ------------------------------------------------------------------------------------ auth


def test_missing_or_bad_token_gets_401_11244(client: Client) -> None:
    call = Api.me()
    for token in ("not-a-token",):
        response = client.raw(call.request, token=token)
        assert response.status == 401
        body = json.loads(response.body)
        assert body["code"] == 11244 and body["message"] == "token not exist or expire"
        with pytest.raises(UnauthorizedError) as info:
            decode_response(call.request, response)
        assert info.value.code == 11244 and info.value.trace_id == response.trace_id
    no_auth = handle(client.p, RestRequest("GET", "/users/@me"), 0.0)
    assert no_auth.status == 401 and no_auth.json["code"] == 11244


def test_legacy_bot_token_is_refused_with_11245() -> None:
    p = Platform(rng=random.Random(1))
    request = RestRequest("GET", "/users/@me", (("authorization", "Bot 102000000.abc"),))
    response = handle(p, request, 0.0)
    assert response.status == 401 and response.json["code"] == 11245


def test_expired_token_is_refused(client: Client) -> None:
    client.p.expire_tokens(client.now)
    with pytest.raises(UnauthorizedError):
        client.call(Api.me())
    client.login()
    assert client.call(Api.me()).id == client.p.bot().user_id


def test_union_appid_and_trace_id_are_recorded(client: Client) -> None:
    response = client.raw(Api.me().request)
    record = client.p.rest_log[-1]
    assert record.union_appid == DEFAULT_APP_ID and record.app_id == DEFAULT_APP_ID
    assert record.trace_id == response.header("x-tps-trace-id") and record.status == 200
    assert record.route == "/users/@me"


# ------------------------------------------------------------------------------------ reads


def test_gateway_routes(client: Client) -> None:
    client.p.gateway_url = "ws://127.0.0.1:9/websocket"
    info = client.call(Api.get_ws_url())
    assert info.url == "ws://127.0.0.1:9/websocket" and info.shards == 1
    limit = info.session_start_limit
    assert limit is not None
    assert (limit.total, limit.remaining, limit.max_concurrency) == (1000, 1000, 1)
    assert client.call(Api.get_gateway()).url == "ws://127.0.0.1:9/websocket"


def test_me_guilds_channels(client: Client) -> None:
    bot = client.p.bot()
    me = client.call(Api.me())
    assert (me.id, me.username) == (bot.user_id, bot.username)
    client.p.add_guild("99", "second")
    guilds = client.call(Api.me_guilds())
    assert [g.id for g in guilds] == ["99", "18700000000001"]
    assert [g.id for g in client.call(Api.me_guilds(guild_id="99"))] == ["18700000000001"]
    assert [g.id for g in client.call(Api.me_guilds(guild_id="18700000000001", desc=True))] == [
        "99"
    ]
    guild = client.call(Api.get_guild("18700000000001"))
    assert guild.name == "模拟频道"
    channels = client.call(Api.get_channels("18700000000001"))
    assert [c.id for c in channels] == ["100010"]
    assert client.call(Api.get_channel("100010")).guild_id == "18700000000001"
    with pytest.raises(NotFoundError):
        client.call(Api.get_guild("0"))
    with pytest.raises(NotFoundError):
        client.call(Api.get_channels("0"))
    with pytest.raises(NotFoundError):
        client.call(Api.get_channel("0"))


def test_canned_answers_for_documented_routes(client: Client) -> None:
    roles = client.call(Api.get_guild_roles("1"))
    assert roles.roles
    assert client.call(Api.get_pins("1")) is not None
    assert client.call(Api.delete_pin("1", "2")) is None
    assert client.call(Api.get_voice_members("1")) == ()
    response = client.raw(ApiRequest("PATCH", "/guilds/1/mute", "/guilds/{guild_id}/mute"))
    assert response.status == 200 and json.loads(response.body) == {}


def test_unknown_path_404_and_wrong_method_405(client: Client) -> None:
    response = client.raw(ApiRequest("GET", "/no/such/thing", "/no/such/thing"))
    assert response.status == 404
    response = client.raw(ApiRequest("PUT", "/users/@me", "/users/@me"))
    assert response.status == 405
    response = client.raw(ApiRequest("GET", "/guilds//channels", "/guilds/{guild_id}/channels"))
    assert response.status == 404


# ------------------------------------------------------------------------------------ sends


def test_channel_reply_is_recorded_and_answered_with_a_message(client: Client) -> None:
    incoming = client.p.inject_at_message("ping", client.now)
    msg = client.call(Api.post_message("100010", content="pong", msg_id=incoming.data["id"]))
    assert msg.id and msg.channel_id == "100010" and msg.guild_id == "18700000000001"
    assert msg.author is not None and msg.author.bot
    (sent,) = client.p.messages(scene="channel")
    assert sent.content == "pong" and sent.reply_to == incoming.data["id"]
    assert sent.message_id == msg.id and sent.target_id == "100010"
    fetched = client.call(Api.get_message("100010", msg.id))
    assert fetched.content == "pong"
    received = client.call(Api.get_message("100010", incoming.data["id"]))
    assert (received.content or "").endswith("ping")
    with pytest.raises(NotFoundError):
        client.call(Api.get_message("100010", "missing"))


def test_channel_send_multipart_with_image(client: Client) -> None:
    embed = {"title": "t", "prompt": "p"}
    msg = client.call(
        Api.post_message("100010", content="pic", embed=embed, file_image=b"\x89PNG\r\n")
    )
    assert msg.content == "pic"
    (sent,) = client.p.sent
    assert sent.file == b"\x89PNG\r\n" and sent.body["embed"] == embed
    assert sent.body["content"] == "pic"


def test_empty_channel_message_is_refused(client: Client) -> None:
    with pytest.raises(ApiError) as info:
        client.call(Api.post_message("100010"))
    assert info.value.status == 400


def test_dms_session_and_send(client: Client) -> None:
    dms = client.call(Api.create_dms("18700000000001", "1234"))
    assert dms.guild_id and dms.channel_id
    assert client.p.dm_sessions[dms.guild_id] == (dms.channel_id, "1234", "18700000000001")
    again = client.call(Api.create_dms("18700000000001", "1234"))
    assert again.guild_id == dms.guild_id
    msg = client.call(Api.post_dms(dms.guild_id, content="hi in dm"))
    assert msg.guild_id == dms.guild_id and msg.channel_id == dms.channel_id
    assert client.p.messages(scene="dms", target_id=dms.guild_id)[0].content == "hi in dm"
    assert client.call(Api.recall_dms(dms.guild_id, msg.id or "")) is None
    assert client.p.recalls[-1].scene == "dms"
    bad = client.raw(ApiRequest("POST", "/users/@me/dms", "/users/@me/dms", json={"x": 1}))
    assert bad.status == 400


def test_dm_event_matches_dm_session(client: Client) -> None:
    injected = client.p.inject_direct_message("psst", client.now)
    d = injected.data
    assert d["direct_message"] is True and d["src_guild_id"] == "18700000000001"
    assert client.p.dm_sessions[d["guild_id"]][0] == d["channel_id"]
    msg = client.call(Api.post_dms(d["guild_id"], content="re", msg_id=d["id"]))
    assert msg.channel_id == d["channel_id"]


def test_group_and_c2c_sends_and_duplicate_msg_seq(client: Client) -> None:
    group = client.p.inject_group_at_message("hello", client.now)
    gid = group.data["group_openid"]
    first = client.call(Api.post_group_message(gid, content="a", msg_id=group.data["id"]))
    assert first.id and first.timestamp is not None
    with pytest.raises(ApiError) as info:
        client.call(Api.post_group_message(gid, content="b", msg_id=group.data["id"]))
    assert info.value.code == DUPLICATE_MSG_SEQ_CODE and info.value.status == 400
    client.call(Api.post_group_message(gid, content="c", msg_id=group.data["id"], msg_seq=2))
    with pytest.raises(ApiError):
        client.call(Api.post_group_message(gid, content="d", msg_id=group.data["id"], msg_seq=2))
    # active messages (no msg_id) are not deduplicated
    client.call(Api.post_group_message(gid, content="e"))
    client.call(Api.post_group_message(gid, content="e"))
    c2c = client.p.inject_c2c_message("yo", client.now)
    openid = c2c.data["author"]["user_openid"]
    client.call(Api.post_c2c_message(openid, content="x", msg_id=c2c.data["id"], msg_seq=1))
    client.call(Api.post_c2c_message(openid, content="x", event_id="EV", msg_seq=1))
    with pytest.raises(ApiError):
        client.call(Api.post_c2c_message(openid, content="y", event_id="EV"))
    contents = [m.content for m in client.p.messages(scene="group")]
    assert contents == ["a", "c", "e", "e"]
    assert [m.msg_seq for m in client.p.messages(scene="c2c")] == [1, 1]


def test_v2_send_validation(client: Client) -> None:
    route = "/v2/users/{openid}/messages"
    for body in ({"msg_type": 99}, {"msg_type": "0"}, {"msg_seq": "x", "content": "a"}):
        response = client.raw(ApiRequest("POST", "/v2/users/u/messages", route, json=body))
        assert response.status == 400
    bad = client.raw(ApiRequest("POST", "/v2/users/u/messages", route, json=[1]))
    assert bad.status == 400
    ok = client.raw(ApiRequest("POST", "/v2/users/u/messages", route, json={"msg_seq": "3"}))
    assert ok.status == 200 and client.p.sent[-1].msg_seq == 3


def test_rich_media_upload_and_media_message(client: Client) -> None:
    result = client.call(Api.post_group_file("G", 1, url="https://example.invalid/a.png"))
    assert result.file_info and result.ttl == 0 and result.id is None
    (upload,) = client.p.uploads
    assert upload.scene == "group" and upload.url and not upload.srv_send_msg
    client.call(Api.post_group_message("G", msg_type=7, content=" ", media=result))
    assert client.p.sent[-1].body["media"] == {"file_info": result.file_info}
    sent = client.call(Api.post_c2c_file("U", 1, file_data=b"img", srv_send_msg=True))
    assert sent.id and client.p.uploads[-1].has_file_data
    assert client.p.sent[-1].scene == "c2c" and client.p.sent[-1].body["msg_type"] == 7
    for body in ({"file_type": 9, "url": "u"}, {"file_type": 1}):
        response = client.raw(
            ApiRequest("POST", "/v2/users/U/files", "/v2/users/{openid}/files", json=body)
        )
        assert response.status == 400 and json.loads(response.body)["code"] == 850019


def test_recalls_and_interactions(client: Client) -> None:
    assert client.call(Api.recall_message("100010", "m1", hidetip=True)) is None
    assert client.call(Api.recall_group_message("G", "m2")) is None
    assert client.call(Api.recall_c2c_message("U", "m3")) is None
    assert [(r.scene, r.target_id, r.message_id) for r in client.p.recalls] == [
        ("channel", "100010", "m1"),
        ("group", "G", "m2"),
        ("c2c", "U", "m3"),
    ]
    assert client.call(Api.on_interaction_result("i-1", 0)) is None
    assert client.p.interaction_acks[-1].interaction_id == "i-1"
    assert client.p.interaction_acks[-1].code == 0


# ------------------------------------------------------------------------------------ failures


def test_fail_next_429_then_recovers(client: Client) -> None:
    client.p.fail_next("POST /v2/groups/{group_openid}/messages", times=2, status=429)
    call = Api.post_group_message("G", content="x")
    for _ in range(2):
        with pytest.raises(RateLimitedError) as info:
            client.call(call)
        assert info.value.code == 22009 and info.value.status == 429
    assert client.call(call).id
    assert [r.status for r in client.p.rest_log[-3:]] == [429, 429, 200]


def test_fail_next_matching_rules() -> None:
    p = Platform(rng=random.Random(0))
    failure = p.fail_next("/gateway/bot", status=500)
    assert failure.code == 500 and failure.message == "internal error"
    assert not failure.matches("GET", "/gateway", "/gateway")
    assert failure.matches("GET", "/gateway/bot", "/gateway/bot")
    prefix = p.fail_next("DELETE /channels", status=503)
    assert prefix.matches("DELETE", "/channels/1/messages/2", None)
    assert not prefix.matches("GET", "/channels/1", None)
    template = p.fail_next("GET /guilds/{x}", status=502, body={"custom": True})
    assert template.matches("GET", "/guilds/5", "/guilds/{guild_id}")
    assert not template.matches("GET", "/guilds/5", None)
    with pytest.raises(Exception, match="times"):
        p.fail_next("/x", times=0)
    response = direct(p, "GET", "/guilds/18700000000001")
    assert response.status == 502 and response.json == {"custom": True}
    response = direct(p, "GET", "/gateway/bot")
    assert response.status == 500 and response.json["code"] == 500


def test_fail_next_500_is_a_server_error(client: Client) -> None:
    client.p.fail_next("GET /users/@me", status=500, code=100002, message="internal err")
    with pytest.raises(ServerError) as info:
        client.call(Api.me())
    assert info.value.code == 100002


# ------------------------------------------------------------------------------------ bodies


def test_bad_json_body_is_a_400() -> None:
    p = Platform(rng=random.Random(0))
    token = p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, 0.0)[0]
    headers = (("authorization", f"QQBot {token}"), ("content-type", "application/json"))
    response = handle(p, RestRequest("POST", "/v2/users/u/messages", headers, b"{oops"), 0.0)
    assert response.status == 400
    response = handle(
        p,
        RestRequest(
            "POST",
            "/channels/1/messages",
            (("authorization", f"QQBot {token}"), ("content-type", "multipart/form-data")),
            b"x",
        ),
        0.0,
    )
    assert response.status == 400


def test_parse_multipart() -> None:
    body = (
        b"--B\r\n"
        b'Content-Disposition: form-data; name="content"\r\n\r\nhello\r\n'
        b"--B\r\n"
        b'Content-Disposition: form-data; name="ark"\r\n\r\n{"template_id":1}\r\n'
        b"--B\r\n"
        b'Content-Disposition: form-data; name="bad"\r\n\r\n{not json\r\n'
        b"--B\r\n"
        b'Content-Disposition: form-data; name="blob"\r\n'
        b"Content-Type: image/png\r\n\r\n\x00\x01\r\n"
        b"--B\r\n"
        b"X-Nothing: 1\r\n\r\nignored\r\n"
        b"--B--\r\n"
    )
    assert parse_multipart(body, "B") == {
        "content": "hello",
        "ark": {"template_id": 1},
        "bad": "{not json",
        "blob": b"\x00\x01",
    }
    with pytest.raises(Exception, match="malformed"):
        parse_multipart(b"--B\r\nno head end", "B")


def test_route_table_covers_the_fixture_routes() -> None:
    templates = {(m, r) for m, r in ROUTES}
    assert ("POST", "/channels/{channel_id}/messages") in templates
    keys = {
        m + "_" + r.strip("/").replace("/", "_").replace("{", "").replace("}", "")
        for m, r in templates
    }
    for path in REST.glob("*.response.json"):
        name = path.name.split(".")[0]
        if name == "POST_app_getAppAccessToken":
            continue
        assert name in keys, name


@pytest.mark.parametrize("name", sorted(CATALOGUE_CASES))
def test_every_catalogue_route_reaches_its_template(client: Client, name: str) -> None:
    # the simulator's route table is the client's catalogue (plus what only the simulator has)
    request = CATALOGUE_CASES[name].call.request
    client.raw(request)
    assert client.p.rest_log[-1].route == request.route


def test_odd_bodies_are_tolerated(client: Client) -> None:
    # a JSON file_image (not multipart) is recorded as bytes; a PUT without a body is fine
    route = "/channels/{channel_id}/messages"
    request = ApiRequest("POST", "/channels/100010/messages", route, json={"file_image": "abc"})
    assert client.raw(request).status == 200
    assert client.p.sent[-1].file == b"abc"
    put = client.raw(ApiRequest("PUT", "/interactions/9", "/interactions/{interaction_id}"))
    assert put.status == 204 and client.p.interaction_acks[-1].code is None
    # a multipart body without the closing delimiter, a part without a trailing CRLF
    body = b'--B\r\nContent-Disposition: form-data; name="content"\r\n\r\nno end'
    assert parse_multipart(body, "B") == {"content": "no end"}


def test_known_user_is_reused(client: Client) -> None:
    first = client.p.inject_at_message("a", 0.0, user_id="1234")
    assert first.data["author"]["username"] == "abc"
