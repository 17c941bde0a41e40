"""Routes: the exact request every route builds, and its answer parsed from official fixtures."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Awaitable
from typing import Any, NamedTuple, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qqproto._errors import RemoteProtocolError
from qqproto.models import (
    DMS,
    Announce,
    Channel,
    GatewayBotInfo,
    MediaUploadResult,
    Member,
    Message,
    MessageSendResult,
    RecommendChannel,
    RoleResult,
    Schedule,
    Thread,
)
from qqproto.rest import ApiCatalogue, Call, FormField, route_names
from tests._fixtures import rest

T = TypeVar("T")
A = ApiCatalogue


class R(NamedTuple):
    call: Call[Any]
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    json: Any = None
    fixture: str | None = None  # rest/<fixture>.request.json must equal the body


ROUTES: dict[str, R] = {
    # the bot, gateway
    "me": R(A.me(), "GET", "/users/@me"),
    "me_guilds": R(
        A.me_guilds("9", 50, True), "GET", "/users/@me/guilds", (("before", "9"), ("limit", "50"))
    ),
    "create_dms": R(
        A.create_dms("112233", "123456"), "POST", "/users/@me/dms", fixture="POST_users_@me_dms"
    ),
    "get_gateway": R(A.get_gateway(), "GET", "/gateway"),
    "get_ws_url": R(A.get_ws_url(), "GET", "/gateway/bot"),
    # guilds, members
    "get_guild": R(A.get_guild("g1"), "GET", "/guilds/g1"),
    "get_message_setting": R(A.get_message_setting("g1"), "GET", "/guilds/g1/message/setting"),
    "get_guild_member": R(A.get_guild_member("g1", "u1"), "GET", "/guilds/g1/members/u1"),
    "get_guild_members": R(
        A.get_guild_members("g1", after="5", limit=10),
        "GET",
        "/guilds/g1/members",
        (("after", "5"), ("limit", "10")),
    ),
    "get_delete_member": R(
        A.get_delete_member("123456", "112233", add_blacklist=True, delete_history_msg_days=-1),
        "DELETE",
        "/guilds/123456/members/112233",
        fixture="DELETE_guilds_guild_id_members_user_id",
    ),
    "get_group_members": R(
        A.get_group_members("G", limit=10, start_index=0),
        "POST",
        "/v2/groups/G/members",
        json={"limit": 10, "start_index": 0},
    ),
    # roles
    "get_guild_roles": R(A.get_guild_roles("g1"), "GET", "/guilds/g1/roles"),
    "create_guild_role": R(
        A.create_guild_role("g1", name="test", color=99999, hoist=True),
        "POST",
        "/guilds/g1/roles",
        json={"name": "test", "color": 99999, "hoist": 1},
    ),
    "update_guild_role": R(
        A.update_guild_role("g1", "r1", name="test", hoist=False),
        "PATCH",
        "/guilds/g1/roles/r1",
        json={"name": "test", "hoist": 0},
    ),
    "delete_guild_role": R(A.delete_guild_role("g1", "r1"), "DELETE", "/guilds/g1/roles/r1"),
    "create_guild_role_member": R(
        A.create_guild_role_member("g1", "5", "u1", channel_id="1744939"),
        "PUT",
        "/guilds/g1/members/u1/roles/5",
        fixture="PUT_guilds_guild_id_members_user_id_roles_role_id",
    ),
    "delete_guild_role_member": R(
        A.delete_guild_role_member("g1", "5", "u1", "c9"),
        "DELETE",
        "/guilds/g1/members/u1/roles/5",
        json={"channel": {"id": "c9"}},
    ),
    "get_guild_role_members": R(
        A.get_guild_role_members("g1", "r1", start_index="7", limit=3),
        "GET",
        "/guilds/g1/roles/r1/members",
        (("start_index", "7"), ("limit", "3")),
    ),
    # mute (PATCH)
    "mute_all": R(
        A.mute_all("g1", mute_end_timestamp=1641916800, mute_seconds="120"),
        "PATCH",
        "/guilds/g1/mute",
        fixture="PATCH_guilds_guild_id_mute",
    ),
    "cancel_mute_all": R(
        A.cancel_mute_all("g1"),
        "PATCH",
        "/guilds/g1/mute",
        json={"mute_end_timestamp": "0", "mute_seconds": "0"},
    ),
    "mute_member": R(
        A.mute_member("g1", "u1", "1641916800", 120),
        "PATCH",
        "/guilds/g1/members/u1/mute",
        fixture="PATCH_guilds_guild_id_members_user_id_mute",
    ),
    "mute_multi_member": R(
        A.mute_multi_member(
            "g1", "1641916800", "120", ["1201318637970874066", "1201318637970874067"]
        ),
        "PATCH",
        "/guilds/g1/mute",
        fixture="PATCH_guilds_guild_id_mute.multi_member",
    ),
    "cancel_mute_multi_member": R(
        A.cancel_mute_multi_member("g1", ("u1",)),
        "PATCH",
        "/guilds/g1/mute",
        json={"mute_end_timestamp": "0", "mute_seconds": "0", "user_ids": ["u1"]},
    ),
    # announces
    "create_announce": R(
        A.create_announce("g1", "123456", "xxxxxx"),
        "POST",
        "/guilds/g1/announces",
        fixture="POST_guilds_guild_id_announces",
    ),
    "create_recommend_announce": R(
        A.create_recommend_announce(
            "g1",
            1,
            [
                {"channel_id": "xxxx", "introduce": "推荐语"},
                RecommendChannel(channel_id="xxxx", introduce="推荐语"),
            ],
        ),
        "POST",
        "/guilds/g1/announces",
        fixture="POST_guilds_guild_id_announces.recommend_channels",
    ),
    "delete_announce": R(A.delete_announce("g1"), "DELETE", "/guilds/g1/announces/all"),
    "create_channel_announce": R(
        A.create_channel_announce("c1", "xxxxxx"),
        "POST",
        "/channels/c1/announces",
        fixture="POST_channels_channel_id_announces",
    ),
    "delete_channel_announce": R(
        A.delete_channel_announce("c1", "m1"), "DELETE", "/channels/c1/announces/m1"
    ),
    # API permissions
    "get_permissions": R(A.get_permissions("g1"), "GET", "/guilds/g1/api_permission"),
    "post_permission_demand": R(
        A.post_permission_demand(
            "g1", "123456", {"path": "/guilds/{guild_id}", "method": "GET"}, "显示频道信息"
        ),
        "POST",
        "/guilds/g1/api_permission/demand",
        fixture="POST_guilds_guild_id_api_permission_demand",
    ),
    # channels
    "get_channel": R(A.get_channel("c1"), "GET", "/channels/c1"),
    "get_channels": R(A.get_channels("g1"), "GET", "/guilds/g1/channels"),
    "create_channel": R(
        A.create_channel("g1", "私密子频道", 0, 0, position=1, parent_id="123456", private_type=1),
        "POST",
        "/guilds/g1/channels",
        json={
            "name": "私密子频道",
            "type": 0,
            "sub_type": 0,
            "position": 1,
            "parent_id": "123456",
            "private_type": 1,
        },
    ),
    "update_channel": R(
        A.update_channel("c1", name="新的私密子频道", position=1, private_type=1),
        "PATCH",
        "/channels/c1",
        json={"name": "新的私密子频道", "position": 1, "private_type": 1},
    ),
    "delete_channel": R(A.delete_channel("c1"), "DELETE", "/channels/c1"),
    "get_voice_members": R(A.get_voice_members("c1"), "GET", "/channels/c1/voice/members"),
    "get_online_nums": R(A.get_online_nums("c1"), "GET", "/channels/c1/online_nums"),
    # channel permissions
    "get_channel_user_permissions": R(
        A.get_channel_user_permissions("c1", "u1"), "GET", "/channels/c1/members/u1/permissions"
    ),
    "update_channel_user_permissions": R(
        A.update_channel_user_permissions("c1", "u1", 1, "4"),
        "PUT",
        "/channels/c1/members/u1/permissions",
        fixture="PUT_channels_channel_id_members_user_id_permissions",
    ),
    "get_channel_role_permissions": R(
        A.get_channel_role_permissions("c1", "r1"), "GET", "/channels/c1/roles/r1/permissions"
    ),
    "update_channel_role_permissions": R(
        A.update_channel_role_permissions("c1", "r1", "1", 4),
        "PUT",
        "/channels/c1/roles/r1/permissions",
        fixture="PUT_channels_channel_id_roles_role_id_permissions",
    ),
    # pins
    "put_pin": R(A.put_pin("c1", "m1"), "PUT", "/channels/c1/pins/m1"),
    "delete_pin": R(A.delete_pin("c1", "m1"), "DELETE", "/channels/c1/pins/m1"),
    "get_pins": R(A.get_pins("c1"), "GET", "/channels/c1/pins"),
    # schedules
    "get_schedules": R(
        A.get_schedules("c1", since=1642076400000),
        "GET",
        "/channels/c1/schedules",
        fixture="GET_channels_channel_id_schedules",
    ),
    "get_schedule": R(A.get_schedule("c1", "s1"), "GET", "/channels/c1/schedules/s1"),
    "create_schedule": R(
        A.create_schedule("c1", "上王者", 1642076453000, "1642083653000", "0", 0),
        "POST",
        "/channels/c1/schedules",
        fixture="POST_channels_channel_id_schedules",
    ),
    "update_schedule": R(
        A.update_schedule(
            "c1",
            "s1",
            "今晚八点上王者",
            "1642076453000",
            1642083653000,
            jump_channel_id="0",
            remind_type="0",
        ),
        "PATCH",
        "/channels/c1/schedules/s1",
        fixture="PATCH_channels_channel_id_schedules_schedule_id",
    ),
    "delete_schedule": R(A.delete_schedule("c1", "s1"), "DELETE", "/channels/c1/schedules/s1"),
    # forum threads
    "get_threads": R(A.get_threads("c1"), "GET", "/channels/c1/threads"),
    "get_thread_detail": R(A.get_thread_detail("c1", "t1"), "GET", "/channels/c1/threads/t1"),
    "post_thread": R(
        A.post_thread("c1", "title", rest("PUT_channels_channel_id_threads.request")["content"], 2),
        "PUT",
        "/channels/c1/threads",
        fixture="PUT_channels_channel_id_threads",
    ),
    "delete_thread": R(A.delete_thread("c1", "t1"), "DELETE", "/channels/c1/threads/t1"),
    # audio
    "update_audio": R(
        A.update_audio("c1", {"audio_url": "http:/xxxxx.mp3"}, text="xxx", status=0),
        "POST",
        "/channels/c1/audio",
        fixture="POST_channels_channel_id_audio",
    ),
    "on_microphone": R(
        A.on_microphone("c1"), "PUT", "/channels/c1/mic", fixture="PUT_channels_channel_id_mic"
    ),
    "off_microphone": R(
        A.off_microphone("c1"),
        "DELETE",
        "/channels/c1/mic",
        fixture="DELETE_channels_channel_id_mic",
    ),
    # reactions
    "put_reaction": R(
        A.put_reaction("c1", "m1", 1, "277"), "PUT", "/channels/c1/messages/m1/reactions/1/277"
    ),
    "delete_reaction": R(
        A.delete_reaction("c1", "m1", 2, "e/1"),
        "DELETE",
        "/channels/c1/messages/m1/reactions/2/e%2F1",
    ),
    "get_reaction_users": R(
        A.get_reaction_users("c1", "m1", 1, "277", cookie="1_2"),
        "GET",
        "/channels/c1/messages/m1/reactions/1/277",
        (("cookie", "1_2"), ("limit", "20")),
    ),
    # channel messages
    "get_message": R(A.get_message("c1", "m1"), "GET", "/channels/c1/messages/m1"),
    "post_message": R(
        A.post_message("c1", content="<@!1234>hello world", msg_id="xxxxxx"),
        "POST",
        "/channels/c1/messages",
        fixture="POST_channels_channel_id_messages",
    ),
    "post_keyboard_message": R(
        A.post_keyboard_message("c1", {"id": "123"}),
        "POST",
        "/channels/c1/messages",
        fixture="message_body.keyboard_template",
    ),
    "patch_guild_message": R(
        A.patch_guild_message("c1", "m1", markdown={"content": "x"}),
        "PATCH",
        "/channels/c1/messages/m1",
        json={"markdown": {"content": "x"}},
    ),
    "recall_message": R(
        A.recall_message("c1", "m1", hidetip=True),
        "DELETE",
        "/channels/c1/messages/m1",
        (("hidetip", "true"),),
    ),
    # DMs
    "post_dms": R(
        A.post_dms("g9", content="<@!1234>hello world", msg_id="xxxxxx"),
        "POST",
        "/dms/g9/messages",
        fixture="POST_channels_channel_id_messages",
    ),
    "recall_dms": R(
        A.recall_dms("g9", "m1"), "DELETE", "/dms/g9/messages/m1", (("hidetip", "false"),)
    ),
    # groups and C2C
    "post_group_message": R(
        A.post_group_message("G", content="hi", msg_id="m", msg_seq=2),
        "POST",
        "/v2/groups/G/messages",
        json={"content": "hi", "msg_type": 0, "msg_id": "m", "msg_seq": 2},
    ),
    "post_c2c_message": R(
        A.post_c2c_message(
            "U",
            msg_type=7,
            content=" ",
            media=MediaUploadResult(file_info="FI", ttl=0),
            event_id="e1",
        ),
        "POST",
        "/v2/users/U/messages",
        json={"content": " ", "msg_type": 7, "media": {"file_info": "FI"}, "event_id": "e1"},
    ),
    "recall_group_message": R(
        A.recall_group_message("G", "m1"), "DELETE", "/v2/groups/G/messages/m1"
    ),
    "recall_c2c_message": R(A.recall_c2c_message("U", "m1"), "DELETE", "/v2/users/U/messages/m1"),
    "post_group_file": R(
        A.post_group_file("G", 1, url="https://x/a.png"),
        "POST",
        "/v2/groups/G/files",
        json={"file_type": 1, "url": "https://x/a.png", "srv_send_msg": False},
    ),
    "post_c2c_file": R(
        A.post_c2c_file("U", 3, file_data=b"\x00\x01", srv_send_msg=True),
        "POST",
        "/v2/users/U/files",
        json={
            "file_type": 3,
            "srv_send_msg": True,
            "file_data": base64.b64encode(b"\x00\x01").decode(),
        },
    ),
    "group_upload_prepare": R(
        A.group_upload_prepare("G", 2, "a.mp4", 10, md5="m", extra={"x": 1}),
        "POST",
        "/v2/groups/G/upload_prepare",
        json={"file_type": 2, "file_name": "a.mp4", "file_size": 10, "md5": "m", "x": 1},
    ),
    "c2c_upload_prepare": R(
        A.c2c_upload_prepare("U", 4, "a.bin", 11, sha1="s", md5_10m="t"),
        "POST",
        "/v2/users/U/upload_prepare",
        json={"file_type": 4, "file_name": "a.bin", "file_size": 11, "sha1": "s", "md5_10m": "t"},
    ),
    "group_upload_part_finish": R(
        A.group_upload_part_finish("G", "up", 1, 1024, "m"),
        "POST",
        "/v2/groups/G/upload_part_finish",
        json={"upload_id": "up", "part_index": 1, "block_size": 1024, "md5": "m"},
    ),
    "c2c_upload_part_finish": R(
        A.c2c_upload_part_finish("U", "up", 2, 1024, "m"),
        "POST",
        "/v2/users/U/upload_part_finish",
        json={"upload_id": "up", "part_index": 2, "block_size": 1024, "md5": "m"},
    ),
    "group_upload_complete": R(
        A.group_upload_complete("G", "up"),
        "POST",
        "/v2/groups/G/files",
        json={"upload_id": "up", "srv_send_msg": False},
    ),
    "c2c_upload_complete": R(
        A.c2c_upload_complete("U", "up", True),
        "POST",
        "/v2/users/U/files",
        json={"upload_id": "up", "srv_send_msg": True},
    ),
    # interactions
    "on_interaction_result": R(
        A.on_interaction_result("i1", 3), "PUT", "/interactions/i1", json={"code": 3}
    ),
}


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
    assert members[0].user.extra["public_flags"] == 0 and members[0].extra["deaf"] is False
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
    guild = asyncio.run(api.get_guild("123456"))  # type: ignore[arg-type]
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
