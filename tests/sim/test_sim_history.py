"""Channel message history (``GET /channels/{channel_id}/messages``) on the simulated platform."""

from __future__ import annotations

from typing import Any

from _sim_api import SimApi

from qqproto.sim._rest import HISTORY_LIMIT


def channel(api: SimApi, count: int) -> list[str]:
    """``count`` messages alternately from a user (injected) and from the bot; their ids."""
    ids = []
    for i in range(count):
        if i % 2 == 0:
            ids.append(api.p.inject_at_message(f"user {i}", api.now).data["id"])
        else:
            status, sent = api.send("POST", "/channels/100010/messages", {"content": f"bot {i}"})
            assert status == 200
            ids.append(sent["id"])
    return ids


def ids(page: Any) -> list[str]:
    return [m["id"] for m in page]


def test_history_serves_both_sides_in_channel_order() -> None:
    api = SimApi(5)
    sent = channel(api, 5)
    status, page = api.send("GET", "/channels/100010/messages")
    assert status == 200 and ids(page) == sent
    assert [int(m["seq_in_channel"]) for m in page] == [1, 2, 3, 4, 5]
    assert page[1]["author"]["bot"] is True and page[0]["author"]["bot"] is False
    assert page[1]["content"] == "bot 1" and page[0]["content"].endswith("user 0")


def test_limit_and_anchors() -> None:
    api = SimApi(5)
    sent = channel(api, 30)
    assert ids(api.send("GET", "/channels/100010/messages")[1]) == sent[-HISTORY_LIMIT:]
    assert ids(api.send("GET", "/channels/100010/messages?limit=3")[1]) == sent[-3:]
    assert ids(api.send("GET", "/channels/100010/messages?limit=99")[1]) == sent[-20:]
    before = api.send("GET", f"/channels/100010/messages?before={sent[10]}&limit=4")[1]
    assert ids(before) == sent[6:10]
    after = api.send("GET", f"/channels/100010/messages?after={sent[10]}&limit=4")[1]
    assert ids(after) == sent[11:15]
    around = api.send("GET", f"/channels/100010/messages?around={sent[10]}&limit=5")[1]
    assert ids(around) == sent[8:13]


def error(result: tuple[int, Any], status: int) -> bool:
    code, body = result
    return code == status and {"message", "code", "err_code", "trace_id"} <= set(body)


def test_history_errors() -> None:
    api = SimApi(5)
    sent = channel(api, 2)
    assert error(api.send("GET", "/channels/999/messages"), 404)
    assert error(api.send("GET", "/channels/100010/messages?before=nope"), 404)
    two = f"/channels/100010/messages?before={sent[0]}&after={sent[1]}"
    assert error(api.send("GET", two), 400)
    assert error(api.send("GET", "/channels/100010/messages?limit=0"), 400)
    assert api.send("GET", "/channels/100010/messages?limit=x")[0] == 400
