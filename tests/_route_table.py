"""The expected request of every catalogue route (method, path, query, body), shared by the
route tests and the catalogue's coverage test."""

from __future__ import annotations

import base64
from typing import Any, NamedTuple

from _fixtures import rest

from qqproto.models import MediaUploadResult, RecommendChannel
from qqproto.rest import ApiCatalogue, Call, Route

A = ApiCatalogue


class R(NamedTuple):
    call: Call[Any]
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    json: Any = None
    fixture: str | None = None  # rest/<fixture>.request.json must equal the body


def _guild_send(send: Route[..., Any], path: str) -> R:
    """The documented passive send, to a channel or a DM session (the same body)."""
    target = path.split("/")[2]
    call = send(target, content="<@!1234>hello world", msg_id="xxxxxx")
    return R(call, "POST", path, fixture="POST_channels_channel_id_messages")


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
        (("since", "1642076400000"),),
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
    # the docs print ``{}`` as these requests' body; the platform takes none (json None: no body)
    "on_microphone": R(A.on_microphone("c1"), "PUT", "/channels/c1/mic"),
    "off_microphone": R(A.off_microphone("c1"), "DELETE", "/channels/c1/mic"),
    # history (botgo MessagesPager: the anchor's name = the id, and limit)
    "get_messages": R(
        A.get_messages("c1", before="m9", limit=5),
        "GET",
        "/channels/c1/messages",
        (("before", "m9"), ("limit", "5")),
    ),
    # notification-setting guides (botgo SettingGuideToCreate)
    "post_setting_guide": R(
        A.post_setting_guide("c1", at_user_ids=["u1", "u2"]),
        "POST",
        "/channels/c1/settingguide",
        json={"content": "<@u1><@u2>"},
    ),
    "post_dms_setting_guide": R(
        A.post_dms_setting_guide("g9", jump_guild_id="g1"),
        "POST",
        "/dms/g9/settingguide",
        json={"setting_guide": {"guild_id": "g1"}},
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
    "post_message": _guild_send(A.post_message, "/channels/c1/messages"),
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
    "post_dms": _guild_send(A.post_dms, "/dms/g9/messages"),
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
    # HTTP-callback sessions (deprecated; botgo HTTPIdentity)
    "create_webhook_session": R(
        A.create_webhook_session("https://bot.example/qq", 1 << 30, shard_id=1, shard_count=2),
        "POST",
        "/gateway/webhook/sessions",
        json={"intents": 1 << 30, "shards": [1, 2], "callback_url": "https://bot.example/qq"},
    ),
    "get_webhook_sessions": R(A.get_webhook_sessions(), "GET", "/gateway/webhook/sessions"),
    "check_webhook_sessions": R(
        A.check_webhook_sessions(), "PATCH", "/gateway/webhook/sessions", (("action", "check"),)
    ),
    "delete_webhook_session": R(
        A.delete_webhook_session("s/1"), "DELETE", "/gateway/webhook/sessions/s%2F1"
    ),
    # interactions
    "on_interaction_result": R(
        A.on_interaction_result("i1", 3), "PUT", "/interactions/i1", json={"code": 3}
    ),
}
