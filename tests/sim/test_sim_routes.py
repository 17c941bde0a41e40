"""Routes the client gained (setting guides, webhook sessions, mic, schedules ``since``) and the
message fields the simulator accepts (input notify, prompt keyboard, action button)."""

from __future__ import annotations

from _sim_api import GROUP, OPENID, SimApi


def test_setting_guides_are_recorded() -> None:
    api = SimApi(4)
    assert api.send("POST", "/channels/100010/settingguide", {"content": "<@1>"}) == (204, None)
    guide = {"setting_guide": {"guild_id": "18700000000001"}}
    assert api.send("POST", "/dms/555/settingguide", guide)[0] == 204
    assert [(g.scene, g.target_id, g.body) for g in api.p.setting_guides] == [
        ("channel", "100010", {"content": "<@1>"}),
        ("dms", "555", guide),
    ]


def test_webhook_sessions_table() -> None:
    api = SimApi(4)
    body = {"intents": 513, "shards": [0, 1], "callback_url": "https://bot.example/cb"}
    status, ready = api.send("POST", "/gateway/webhook/sessions", body)
    assert status == 200 and ready["shard"] == [0, 1] and ready["bot"]["id"]
    sid = ready["session_id"]
    status, listed = api.send("GET", "/gateway/webhook/sessions")
    assert status == 200 and [s["session_id"] for s in listed] == [sid]
    assert listed[0]["callback_url"] == body["callback_url"] and listed[0]["intents"] == 513
    assert api.send("PATCH", "/gateway/webhook/sessions?action=check")[1] == listed
    assert api.send("PATCH", "/gateway/webhook/sessions")[0] == 400
    assert api.send("DELETE", f"/gateway/webhook/sessions/{sid}") == (204, None)
    assert api.send("DELETE", f"/gateway/webhook/sessions/{sid}")[0] == 404
    assert api.send("GET", "/gateway/webhook/sessions") == (200, [])
    assert api.send("POST", "/gateway/webhook/sessions", {"intents": 1})[0] == 400


def test_mic_without_a_body_and_schedules_since() -> None:
    api = SimApi(4)
    assert api.send("PUT", "/channels/100010/mic")[0] == 200
    assert api.send("DELETE", "/channels/100010/mic")[0] in (200, 204)
    status, schedules = api.send("GET", "/channels/100010/schedules?since=1700000000000")
    assert status == 200 and isinstance(schedules, list)


def test_input_notify_is_for_single_chats() -> None:
    api = SimApi(4)
    notify = {"msg_type": 6, "input_notify": {"input_type": 1, "input_second": 60}, "msg_id": "m"}
    assert api.send("POST", f"/v2/users/{OPENID}/messages", notify)[0] == 200
    assert api.p.messages()[0].body["input_notify"] == {"input_type": 1, "input_second": 60}
    status, answer = api.send("POST", f"/v2/groups/{GROUP}/messages", notify)
    assert status == 400 and answer["code"] == 400 and "trace_id" in answer
    bare = {"msg_type": 6, "msg_id": "m", "msg_seq": 2}
    assert api.send("POST", f"/v2/users/{OPENID}/messages", bare)[0] == 400


def test_prompt_keyboard_and_action_button_are_kept() -> None:
    api = SimApi(4)
    extra = {
        "prompt_keyboard": {"keyboard": {"content": {"rows": []}}},
        "action_button": {"template_id": 1, "callback_data": "cb", "feedback": True},
    }
    body = {"msg_type": 2, "markdown": {"content": "**hi**"}, **extra}
    assert api.send("POST", f"/v2/users/{OPENID}/messages", body)[0] == 200
    assert api.send("POST", f"/v2/groups/{GROUP}/messages", body)[0] == 200
    for message in api.p.messages():
        assert {k: message.body[k] for k in extra} == extra
