"""Routes: the exact request every route builds, and its answer parsed from official fixtures."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from _fixtures import rest
from _route_table import ROUTES
from hypothesis import given, settings
from hypothesis import strategies as st

from qqproto._errors import RemoteProtocolError
from qqproto.models import (
    DMS,
    Announce,
    Channel,
    GatewayBotInfo,
    Guild,
    MediaUploadResult,
    Member,
    Message,
    MessageSendResult,
    RoleResult,
    Schedule,
    Thread,
)
from qqproto.rest import (
    ApiCatalogue,
    Call,
    FormField,
    GuildSendFields,
    Parts,
    SendFields,
    V2SendFields,
    _channels,
    _guilds,
    _messages,
    _webhook_sessions,
    route,
    route_names,
    routes,
)
from qqproto.rest._build import nothing

T = TypeVar("T")
A = ApiCatalogue


def test_every_route_has_a_request_test() -> None:
    assert sorted(ROUTES) == list(route_names())


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_request(name: str) -> None:
    case = ROUTES[name]
    request = case.call.request
    assert request.method == case.method
    assert request.path == case.path
    assert request.query == case.query
    expected = rest(case.fixture + ".request") if case.fixture else case.json
    assert request.json == expected
    assert request.form is None
    assert request.idempotent is (case.method == "GET")
    # the template has the same shape as the path
    assert request.route.count("/") == request.path.count("/")
    assert request.route.startswith("/") and "{" not in request.path


def test_path_segments_are_percent_encoded() -> None:
    request = A.get_guild_member("a/b?c#d", "%2F").request
    assert request.path == "/guilds/a%2Fb%3Fc%23d/members/%252F"
    assert request.route == "/guilds/{guild_id}/members/{user_id}"
    assert A.me_guilds(limit=10, after="5").request.query == (("after", "5"), ("limit", "10"))
    assert A.me_guilds("5").request.query == (("after", "5"), ("limit", "100"))


def test_channel_send_with_file_image_is_multipart() -> None:
    request = A.post_message(
        "c1",
        content="hi",
        embed={"title": "标题"},
        msg_id="m",
        file_image=b"PNG",
        message_reference={"message_id": "x", "ignore_get_message_error": True},
    ).request
    assert request.json is None and request.form is not None
    fields = {f.name: f for f in request.form}
    assert fields["content"].value == "hi"
    assert json.loads(fields["embed"].value) == {"title": "标题"}
    assert json.loads(fields["message_reference"].value)["ignore_get_message_error"] is True
    assert fields["file_image"] == FormField(
        "file_image", b"PNG", "file_image", "application/octet-stream"
    )
    dm = A.post_dms("g", content="x", file_image=b"I").request
    assert dm.form is not None and dm.path == "/dms/g/messages"
    from qqproto.rest._build import form

    scalars = {f.name: f.value for f in form({"a": True, "b": 2, "c": False}, b"")}
    assert scalars == {"a": "true", "b": "2", "c": "false", "file_image": b""}


def test_message_bodies_from_fixtures_pass_through() -> None:
    for name in (
        "ark",
        "ark_template_23",
        "ark_template_24",
        "ark_template_37",
        "markdown_content",
        "markdown_template",
    ):
        fixture = rest(f"message_body.{name}.request")
        assert A.post_message("c", **fixture).request.json == fixture
        assert A.post_group_message("g", msg_type=2, **fixture).request.json == {
            "msg_type": 2,
            **fixture,
        }
    embed = rest("POST_channels_channel_id_messages.embed.request")
    assert A.post_message("c", **embed).request.json == embed
    keyboard = rest("message_body.keyboard_content.fragment")
    assert A.post_c2c_message("u", keyboard={"content": keyboard}).request.json == {
        "msg_type": 0,
        "keyboard": {"content": keyboard},
    }


# -- answers ------------------------------------------------------------------------------------

RESPONSES: dict[str, str] = {
    "me": "GET_users_@me",
    "me_guilds": "GET_users_@me_guilds",
    "create_dms": "POST_users_@me_dms",
    "get_gateway": "GET_gateway",
    "get_ws_url": "GET_gateway_bot",
    "get_guild": "GET_guilds_guild_id",
    "get_message_setting": "GET_guilds_guild_id_message_setting",
    "get_guild_member": "GET_guilds_guild_id_members_user_id",
    "get_guild_members": "GET_guilds_guild_id_members",
    "get_guild_roles": "GET_guilds_guild_id_roles",
    "create_guild_role": "POST_guilds_guild_id_roles",
    "update_guild_role": "PATCH_guilds_guild_id_roles_role_id",
    "get_guild_role_members": "GET_guilds_guild_id_roles_role_id_members",
    "mute_multi_member": "PATCH_guilds_guild_id_mute.multi_member",
    "create_announce": "POST_guilds_guild_id_announces",
    "create_recommend_announce": "POST_guilds_guild_id_announces.recommend_channels",
    "create_channel_announce": "POST_channels_channel_id_announces",
    "get_permissions": "GET_guilds_guild_id_api_permission",
    "post_permission_demand": "POST_guilds_guild_id_api_permission_demand",
    "get_channel": "GET_channels_channel_id",
    "get_channels": "GET_guilds_guild_id_channels",
    "create_channel": "POST_guilds_guild_id_channels",
    "update_channel": "PATCH_channels_channel_id",
    "get_online_nums": "GET_channels_channel_id_online_nums",
    "get_channel_user_permissions": "GET_channels_channel_id_members_user_id_permissions",
    "get_channel_role_permissions": "GET_channels_channel_id_roles_role_id_permissions",
    "put_pin": "PUT_channels_channel_id_pins_message_id",
    "get_pins": "GET_channels_channel_id_pins",
    "get_schedules": "GET_channels_channel_id_schedules",
    "get_schedule": "GET_channels_channel_id_schedules_schedule_id",
    "create_schedule": "POST_channels_channel_id_schedules",
    "update_schedule": "PATCH_channels_channel_id_schedules_schedule_id",
    "get_threads": "GET_channels_channel_id_threads",
    "get_thread_detail": "GET_channels_channel_id_threads_thread_id",
    "post_thread": "PUT_channels_channel_id_threads",
    "update_audio": "POST_channels_channel_id_audio",
    "on_microphone": "PUT_channels_channel_id_mic",
    "off_microphone": "DELETE_channels_channel_id_mic",
    "get_reaction_users": "GET_channels_channel_id_messages_message_id_reactions_type_id",
    "post_message": "POST_channels_channel_id_messages",
    "post_dms": "POST_channels_channel_id_messages",
}


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_fixture_response_parses(name: str) -> None:
    data = rest(RESPONSES[name] + ".response")
    result = ROUTES[name].call.parse(data)
    if isinstance(result, tuple):
        assert result and all(hasattr(item, "to_dict") for item in result)
    elif result is not None:
        assert result.to_dict()


def test_response_key_fields() -> None:
    bot = ROUTES["get_ws_url"].call.parse(rest("GET_gateway_bot.response"))
    assert isinstance(bot, GatewayBotInfo) and bot.shards == 9
    assert bot.session_start_limit is not None and bot.session_start_limit.max_concurrency == 1
    sandbox = A.get_ws_url().parse(rest("GET_gateway_bot.sandbox.response"))
    assert sandbox.url == "wss://sandbox.api.sgroup.qq.com/websocket"
    role = ROUTES["create_guild_role"].call.parse(rest("POST_guilds_guild_id_roles.response"))
    assert isinstance(role, RoleResult) and role.role is not None and role.role.hoist is True
    roles = A.get_guild_roles("g").parse(rest("GET_guilds_guild_id_roles.response"))
    assert roles.role_num_limit == 30 and roles.roles is not None and len(roles.roles) == 2
    schedules = A.get_schedules("c").parse(rest("GET_channels_channel_id_schedules.response"))
    assert isinstance(schedules[0], Schedule) and schedules[0].remind_type == "0"
    assert schedules[0].start_timestamp is not None
    assert schedules[0].start_timestamp.timestamp() == 1642076400
    assert schedules[0].creator is not None and schedules[0].creator.user is not None
    thread = A.get_thread_detail("c", "t").parse(
        rest("GET_channels_channel_id_threads_thread_id.response")
    )
    assert isinstance(thread, Thread) and thread.thread_info is not None
    assert thread.thread_info.title == "帖子标题"
    threads = A.get_threads("c").parse(rest("GET_channels_channel_id_threads.response"))
    assert threads.is_finish is True and threads.threads is not None and len(threads.threads) == 2
    users = A.get_reaction_users("c", "m", 1, "1").parse(
        rest("GET_channels_channel_id_messages_message_id_reactions_type_id.response")
    )
    assert users.cookie == "1_2" and users.is_end is False and users.users is not None
    perms = A.get_permissions("g").parse(rest("GET_guilds_guild_id_api_permission.response"))
    assert perms[1].auth_status == 1 and A.get_permissions("g").parse({}) == ()
    dms = A.create_dms("g", "u").parse(rest("POST_users_@me_dms.response"))
    assert isinstance(dms, DMS) and dms.create_time is not None
    assert dms.create_time.timestamp() == 1642545606
    announce = A.create_recommend_announce("g", 1, []).parse(
        rest("POST_guilds_guild_id_announces.recommend_channels.response")
    )
    assert isinstance(announce, Announce) and announce.recommend_channels is not None
    members = A.get_guild_members("g").parse(rest("GET_guilds_guild_id_members.response"))
    assert isinstance(members[0], Member) and members[0].user is not None
    # keys the models do not know ("public_flags", "deaf") are ignored, not errors
    assert set(members[0].user.to_dict()) <= set(members[0].user.__struct_fields__)
    msg = A.post_message("c").parse(rest("POST_channels_channel_id_messages.embed.response"))
    assert isinstance(msg, Message) and msg.embeds is not None and msg.embeds[0].prompt == "xxxx"
    assert msg.author is not None and msg.author.bot is True
    muted = A.mute_multi_member("g").parse(rest("PATCH_guilds_guild_id_mute.multi_member.response"))
    assert muted.user_ids == ("1201318637970874066",)


def test_other_answers() -> None:
    sent = A.post_group_message("g").parse({"id": "m", "timestamp": 1699240617})
    assert isinstance(sent, MessageSendResult) and sent.id == "m"
    sent2 = A.post_c2c_message("u").parse({"id": "m", "timestamp": "2023-11-06T13:37:18+08:00"})
    assert sent2.timestamp is not None
    upload = A.post_group_file("g", 1).parse({"file_uuid": "u", "file_info": "i", "ttl": 0})
    assert upload == MediaUploadResult(file_uuid="u", file_info="i", ttl=0)
    prepare = A.group_upload_prepare("g", 1, "f", 1).parse(
        {"upload_id": "x", "block_size": "4194304", "parts": [{"index": 1, "presigned_url": "u"}]}
    )
    assert prepare.block_size == 4194304 and prepare.parts is not None
    assert A.delete_channel("c").parse(None) is None
    assert A.delete_channel("c").parse("") is None
    assert isinstance(A.delete_channel("c").parse({"id": "c"}), Channel)
    wrapped = A.get_message("c", "m").parse({"message": {"id": "m"}})
    assert wrapped == Message(id="m") == A.get_message("c", "m").parse({"id": "m"})
    members = A.get_group_members("g").parse(
        {"members": [{"member_openid": "o", "join_timestamp": 1699240617}]}
    )
    assert members.members is not None and members.members[0].member_openid == "o"
    for name in ("recall_message", "delete_pin", "get_delete_member", "on_interaction_result"):
        assert ROUTES[name].call.parse(None) is None
        assert ROUTES[name].call.parse({"anything": 1}) is None
    with pytest.raises(RemoteProtocolError):
        A.get_channels("g").parse({"not": "a list"})
    with pytest.raises(RemoteProtocolError):
        A.get_guild("g").parse(None)


# -- adapters: the same route on an instance is _perform(call) -------------------------------------


class _Recorder(ApiCatalogue):
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[Call[Any]] = []

    def _perform(self, call: Call[T]) -> Awaitable[T]:
        self.calls.append(call)

        async def run() -> T:
            return call.parse(self.answer)

        return run()


def test_instance_routes_go_through_perform() -> None:
    api = _Recorder(rest("GET_guilds_guild_id.response"))

    async def fetch() -> Guild:
        return await api.get_guild("123456")

    guild = asyncio.run(fetch())
    assert guild.id == "123456" and guild.owner is False
    assert api.calls[0].request.path == "/guilds/123456"
    assert api.get_guild.__name__ == "get_guild"
    with pytest.raises(NotImplementedError):
        ApiCatalogue()._perform(A.me())


def test_request_target_and_response_headers() -> None:
    from qqproto.rest import ApiResponse

    assert A.me().request.target() == "/users/@me"
    assert A.recall_message("c", "m").request.target() == "/channels/c/messages/m?hidetip=false"
    response = ApiResponse(200, (("x-tps-trace-id", "t1"),), b"{}")
    assert response.trace_id == "t1" and response.header("X-Other") is None


# -- property: any JSON answer to any route parses or raises RemoteProtocolError -------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "roles",
                    "role",
                    "thread",
                    "message",
                    "apis",
                    "users",
                    "timestamp",
                    "user_ids",
                    "members",
                    "url",
                    "shards",
                    "session_start_limit",
                    "threads",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=10, deadline=None)
@given(data=json_values)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_any_json_answer_parses_or_raises(name: str, data: Any) -> None:
    with contextlib.suppress(RemoteProtocolError):
        ROUTES[name].call.parse(data)


# -- each route written once; the four scene sends share one signature -----------------------------

SCENE_SENDS = ("post_message", "post_dms", "post_group_message", "post_c2c_message")


def test_the_four_scene_sends_share_one_signature_shape() -> None:
    shapes = set()
    for name in SCENE_SENDS:
        params = list(inspect.signature(getattr(A, name).build).parameters.values())
        shapes.add(tuple((p.kind, p.default) for p in params))
        assert [p.name for p in params][1:] == ["content", "fields"]
    assert len(shapes) == 1
    # the same call works in every scene: the target, then the text
    for name, path in zip(
        SCENE_SENDS, ("/channels/t", "/dms/t", "/v2/groups/t", "/v2/users/t"), strict=True
    ):
        request = getattr(A, name)("t", "hi", msg_id="m").request
        assert request.path == path + "/messages"
        assert request.json["content"] == "hi" and request.json["msg_id"] == "m"


def test_the_scene_sends_keep_botpy_keywords() -> None:
    common: SendFields = {
        "embed": {"title": "t"},
        "ark": {"template_id": 23},
        "message_reference": {"message_id": "r"},
        "msg_id": "m",
        "event_id": "e",
        "markdown": {"content": "md"},
        "keyboard": {"id": "k"},
    }
    guild: GuildSendFields = {**common, "image": "https://x/a.png", "file_image": None}
    sent = {"content": "c", **common, "image": "https://x/a.png"}
    assert A.post_message(channel_id="c1", content="c", **guild).request.json == sent
    assert A.post_dms(guild_id="g1", content="c", **guild).request.json == sent
    # mypy wants every non-required key of V2SendFields named when a dict is unpacked into it
    v2: V2SendFields = {**common, "msg_type": 2, "media": {"file_info": "F"}, "msg_seq": 3}  # type: ignore[typeddict-item]
    sent = {"content": "c", **v2}
    assert A.post_group_message(group_openid="G", content="c", **v2).request.json == sent
    assert A.post_c2c_message(openid="U", content="c", **v2).request.json == sent
    assert A.post_c2c_message("U", content="x").request.json == {"content": "x", "msg_type": 0}
    # botpy's positional upload: (group_openid, file_type, url, srv_send_msg)
    upload = A.post_group_file("G", 1, "https://x/a.png", True).request.json
    assert upload == {"file_type": 1, "url": "https://x/a.png", "srv_send_msg": True}


def test_a_send_refuses_what_its_scene_does_not_take() -> None:
    with pytest.raises(TypeError, match="media"):
        A.post_message("c", media={"file_info": "F"})  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="file_image"):
        A.post_group_message("g", file_image=b"PNG")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="content must be a string"):
        A.post_group_message("g", 2, markdown={"content": "x"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        A.post_message("c", "hi", "extra positional")  # type: ignore[call-arg]


def test_path_values_are_ids() -> None:
    with pytest.raises(TypeError, match="NoneType"):
        A.get_guild(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bool"):
        A.get_guild(True)  # type: ignore[arg-type]
    assert A.get_guild(123).request.path == "/guilds/123"  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes 2 path values"):
        routes()["get_guild_member"].endpoint.path("g")
    assert A.delete_announce(guild_id="g").request.path == "/guilds/g/announces/all"
    assert A.put_reaction("c", "m", emoji_id="9", emoji_type=1).request.path == (
        "/channels/c/messages/m/reactions/1/9"
    )


def test_each_route_names_its_method_and_template_once() -> None:
    for name, declared in routes().items():
        endpoint = declared.endpoint
        doc = declared.__doc__ or ""
        assert doc.startswith(f"``{endpoint.method} {endpoint.template}``: "), name
        assert ROUTES[name].call.request.route == endpoint.template
        assert getattr(_Recorder(None), name).__doc__ == doc
    # no path template is spelled twice in the route modules
    literals: list[str] = []
    for module in (_guilds, _channels, _messages, _webhook_sessions):
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        literals += [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("/")
        ]
    assert sorted(t for t in set(literals) if literals.count(t) > 1) == []


def test_a_route_names_a_parameter_for_each_placeholder() -> None:
    def build(guild_id: str) -> Parts[None]:
        return Parts(nothing)

    with pytest.raises(TypeError, match="user_id"):
        route("GET", "/guilds/{guild_id}/members/{user_id}")(build)
    declared = route("GET", "/guilds/{guild_id}/members/{user}", aliases={"user": "guild_id"})
    assert declared(build)("g").request.path == "/guilds/g/members/g"
    assert "GET /guilds/{guild_id}/members/{user}" in repr(declared(build))
