"""The catalogue covers every route the references name (botpy §1.8, peers §4, botrs §4)."""

from __future__ import annotations

from _route_table import ROUTES

from qqproto.rest import ApiCatalogue, Route, route_names

# python-peers.md §1.8: botpy's BotAPI methods (the names botpy users call).
BOTPY_METHODS = """
get_guild get_guild_roles create_guild_role update_guild_role delete_guild_role
create_guild_role_member delete_guild_role_member get_guild_member get_delete_member
get_guild_members get_guild_role_members get_voice_members get_channel get_channels
create_channel update_channel delete_channel get_channel_user_permissions
update_channel_user_permissions get_channel_role_permissions update_channel_role_permissions
get_message post_message recall_message post_keyboard_message on_interaction_result
patch_guild_message create_dms post_dms update_audio on_microphone off_microphone me me_guilds
get_ws_url mute_all cancel_mute_all mute_member mute_multi_member cancel_mute_multi_member
create_announce create_recommend_announce delete_announce get_permissions post_permission_demand
get_schedules get_schedule create_schedule update_schedule delete_schedule put_reaction
delete_reaction get_reaction_users put_pin delete_pin get_pins get_threads get_thread_detail
post_thread delete_thread post_group_message post_c2c_message post_group_file post_c2c_file
""".split()  # noqa: SIM905 - a pasted reference list

# python-peers.md §4 merged table (token endpoint and presigned object-storage PUT excluded:
# the first is the auth module's, the second is not a QQ API route).
MERGED_ROUTES = """
GET /users/@me
GET /users/@me/guilds
GET /gateway
GET /gateway/bot
GET /guilds/{guild_id}
GET /guilds/{guild_id}/channels
POST /guilds/{guild_id}/channels
GET /channels/{channel_id}
PATCH /channels/{channel_id}
DELETE /channels/{channel_id}
GET /channels/{channel_id}/voice/members
GET /guilds/{guild_id}/members
GET /guilds/{guild_id}/members/{user_id}
DELETE /guilds/{guild_id}/members/{user_id}
GET /guilds/{guild_id}/roles
POST /guilds/{guild_id}/roles
PATCH /guilds/{guild_id}/roles/{role_id}
DELETE /guilds/{guild_id}/roles/{role_id}
GET /guilds/{guild_id}/roles/{role_id}/members
PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}
DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}
GET /channels/{channel_id}/members/{user_id}/permissions
PUT /channels/{channel_id}/members/{user_id}/permissions
GET /channels/{channel_id}/roles/{role_id}/permissions
PUT /channels/{channel_id}/roles/{role_id}/permissions
GET /channels/{channel_id}/messages/{message_id}
POST /channels/{channel_id}/messages
PATCH /channels/{channel_id}/messages/{message_id}
DELETE /channels/{channel_id}/messages/{message_id}
GET /guilds/{guild_id}/message/setting
POST /users/@me/dms
POST /dms/{guild_id}/messages
DELETE /dms/{guild_id}/messages/{message_id}
PATCH /guilds/{guild_id}/mute
PATCH /guilds/{guild_id}/members/{user_id}/mute
POST /guilds/{guild_id}/announces
DELETE /guilds/{guild_id}/announces/{message_id}
POST /channels/{channel_id}/announces
DELETE /channels/{channel_id}/announces/{message_id}
PUT /channels/{channel_id}/pins/{message_id}
DELETE /channels/{channel_id}/pins/{message_id}
GET /channels/{channel_id}/pins
GET /channels/{channel_id}/schedules
GET /channels/{channel_id}/schedules/{schedule_id}
POST /channels/{channel_id}/schedules
PATCH /channels/{channel_id}/schedules/{schedule_id}
DELETE /channels/{channel_id}/schedules/{schedule_id}
PUT /channels/{channel_id}/messages/{message_id}/reactions/{type}/{id}
DELETE /channels/{channel_id}/messages/{message_id}/reactions/{type}/{id}
GET /channels/{channel_id}/messages/{message_id}/reactions/{type}/{id}
POST /channels/{channel_id}/audio
PUT /channels/{channel_id}/mic
DELETE /channels/{channel_id}/mic
GET /channels/{channel_id}/threads
GET /channels/{channel_id}/threads/{thread_id}
PUT /channels/{channel_id}/threads
DELETE /channels/{channel_id}/threads/{thread_id}
GET /guilds/{guild_id}/api_permission
POST /guilds/{guild_id}/api_permission/demand
PUT /interactions/{interaction_id}
POST /v2/users/{openid}/messages
POST /v2/users/{openid}/files
POST /v2/users/{openid}/upload_prepare
POST /v2/users/{openid}/upload_part_finish
DELETE /v2/users/{openid}/messages/{message_id}
POST /v2/groups/{group_openid}/messages
POST /v2/groups/{group_openid}/files
POST /v2/groups/{group_openid}/upload_prepare
POST /v2/groups/{group_openid}/upload_part_finish
DELETE /v2/groups/{group_openid}/messages/{message_id}
POST /v2/groups/{group_openid}/members
"""

# botrs-catalogue.md §4 (token endpoint excluded). botrs's wrong verbs are listed with the verb
# the platform documents: PUT→PATCH for role update (#7), channel update (#17), mutes (#29-31).
BOTRS_ROUTES = """
GET /users/@me
GET /gateway/bot
GET /guilds/{guild_id}
GET /users/@me/guilds
GET /guilds/{guild_id}/roles
POST /guilds/{guild_id}/roles
PATCH /guilds/{guild_id}/roles/{role_id}
DELETE /guilds/{guild_id}/roles/{role_id}
PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}
DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}
GET /guilds/{guild_id}/members/{user_id}
GET /guilds/{guild_id}/members
DELETE /guilds/{guild_id}/members/{user_id}
GET /channels/{channel_id}
GET /guilds/{guild_id}/channels
POST /guilds/{guild_id}/channels
PATCH /channels/{channel_id}
DELETE /channels/{channel_id}
GET /channels/{channel_id}/messages/{message_id}
POST /channels/{channel_id}/messages
POST /v2/groups/{group_openid}/messages
POST /v2/users/{openid}/messages
POST /dms/{guild_id}/messages
POST /users/@me/dms
DELETE /channels/{channel_id}/messages/{message_id}
POST /channels/{channel_id}/audio
PUT /channels/{channel_id}/mic
DELETE /channels/{channel_id}/mic
PATCH /guilds/{guild_id}/mute
PATCH /guilds/{guild_id}/members/{user_id}/mute
GET /channels/{channel_id}/members/{user_id}/permissions
GET /channels/{channel_id}/roles/{role_id}/permissions
PUT /channels/{channel_id}/messages/{message_id}/reactions/{type}/{id}
DELETE /channels/{channel_id}/messages/{message_id}/reactions/{type}/{id}
GET /channels/{channel_id}/messages/{message_id}/reactions/{type}/{id}
PUT /channels/{channel_id}/pins/{message_id}
DELETE /channels/{channel_id}/pins/{message_id}
GET /channels/{channel_id}/pins
POST /v2/groups/{group_openid}/files
POST /v2/users/{openid}/files
POST /guilds/{guild_id}/announces
DELETE /guilds/{guild_id}/announces/{message_id}
GET /guilds/{guild_id}/api_permission
POST /guilds/{guild_id}/api_permission/demand
GET /channels/{channel_id}/schedules
GET /channels/{channel_id}/schedules/{schedule_id}
POST /channels/{channel_id}/schedules
PATCH /channels/{channel_id}/schedules/{schedule_id}
DELETE /channels/{channel_id}/schedules/{schedule_id}
PUT /interactions/{interaction_id}
PATCH /channels/{channel_id}/messages/{message_id}
PUT /channels/{channel_id}/members/{user_id}/permissions
PUT /channels/{channel_id}/roles/{role_id}/permissions
GET /guilds/{guild_id}/roles/{role_id}/members
GET /channels/{channel_id}/voice/members
GET /channels/{channel_id}/threads
GET /channels/{channel_id}/threads/{thread_id}
PUT /channels/{channel_id}/threads
DELETE /channels/{channel_id}/threads/{thread_id}
DELETE /v2/groups/{group_openid}/messages/{message_id}
DELETE /v2/users/{openid}/messages/{message_id}
DELETE /dms/{guild_id}/messages/{message_id}
"""

# qq-protocol.md / fixtures: routes named there but in neither table above.
PROTOCOL_ROUTES = """
GET /channels/{channel_id}/online_nums
"""

# botgo openapi/v1/resource.go: routes of botgo's that the tables above lack (issue 12); the
# webhook-session ones are deprecated there.
BOTGO_ROUTES = """
GET /channels/{channel_id}/messages
POST /channels/{channel_id}/settingguide
POST /dms/{guild_id}/settingguide
POST /gateway/webhook/sessions
GET /gateway/webhook/sessions
PATCH /gateway/webhook/sessions
DELETE /gateway/webhook/sessions/{session_id}
"""


def _pairs(table: str) -> set[tuple[str, str]]:
    return {(line.split()[0], line.split()[1]) for line in table.strip().splitlines()}


def _catalogue_pairs() -> set[tuple[str, str]]:
    return {(case.call.request.method, case.call.request.route) for case in ROUTES.values()}


def test_botpy_method_names_all_exist() -> None:
    assert len(BOTPY_METHODS) == 64
    missing = [name for name in BOTPY_METHODS if name not in route_names()]
    assert missing == []


def test_every_reference_route_is_in_the_catalogue() -> None:
    have = _catalogue_pairs()
    for table in (MERGED_ROUTES, BOTRS_ROUTES, PROTOCOL_ROUTES, BOTGO_ROUTES):
        assert sorted(_pairs(table) - have) == []


def test_no_wrong_verbs() -> None:
    have = _catalogue_pairs()
    for wrong in [
        ("PUT", "/guilds/{guild_id}/mute"),
        ("PUT", "/guilds/{guild_id}/members/{user_id}/mute"),
        ("PUT", "/guilds/{guild_id}/roles/{role_id}"),
        ("PUT", "/channels/{channel_id}"),
    ]:
        assert wrong not in have


def test_catalogue_introspection() -> None:
    names = route_names()
    assert len(names) == len(set(names)) == 86
    for name in names:
        assert any(isinstance(vars(k).get(name), Route) for k in ApiCatalogue.__mro__)
        assert callable(getattr(ApiCatalogue, name))
