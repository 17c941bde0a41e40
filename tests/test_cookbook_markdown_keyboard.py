"""The cookbook recipe "markdown and keyboards" runs as written: a group menu with callback
buttons and the answer to a click, the same buttons through ``post_keyboard_message`` in a
channel, and a C2C answer with a prompt keyboard and the action bar."""

from __future__ import annotations

import json
from typing import Any

from _cookbook import run_example


def bodies(lines: list[str]) -> dict[str, Any]:
    """The JSON bodies the example printed, by scene (``[scene] bot: {...}``)."""
    found = {}
    for line in lines:
        scene, _, rest = line.partition(" bot: ")
        if rest.startswith("{"):
            found[scene.strip("[]")] = json.loads(rest)
    return found


def button(name: str, label: str) -> dict[str, Any]:
    return {
        "id": name,
        "render_data": {"label": label, "visited_label": label},
        "action": {"type": 1, "permission": {"type": 2}, "data": f"order:{name}"},
    }


def test_markdown_keyboard_example() -> None:
    lines = run_example("markdown_keyboard.py").stdout.splitlines()
    sent = bodies(lines)
    menu = {"content": {"rows": [{"buttons": [button("coffee", "Coffee"), button("tea", "Tea")]}]}}
    markdown = {"content": "# Menu\nWhat would you like?"}
    group = sent["group"]
    assert (group["msg_type"], group["markdown"], group["keyboard"]) == (2, markdown, menu)
    assert group["msg_seq"] == 1 and group["msg_id"]
    channel = sent["channel"]
    assert channel == {"markdown": markdown, "keyboard": menu, "msg_id": channel["msg_id"]}
    assert any(
        line.startswith("[group] bot: one tea, coming up (a reply to event ") for line in lines
    ), lines
    assert "interaction acks: [('interaction-1', 0)]" in lines
    c2c = sent["c2c"]
    prompts = [
        b["render_data"]["label"]
        for b in c2c["prompt_keyboard"]["keyboard"]["content"]["rows"][0]["buttons"]
    ]
    assert prompts == ["Why coffee?", "And tea?"]
    assert c2c["action_button"] == {"template_id": "1", "feedback": True, "re_generate": True}
    assert c2c["markdown"] == {"content": "**tea or coffee**? Coffee, always."}
    assert c2c["msg_type"] == 2
    assert lines[-1] == "markdown and keyboard demo finished"
