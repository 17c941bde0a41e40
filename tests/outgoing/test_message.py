"""Tests for outgoing messages: bodies per scene, msg_type, fixtures, validation, multipart."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _http_helpers import fixture
from hypothesis import given
from hypothesis import strategies as st

from qqproto.outgoing import (
    ActionType,
    Button,
    ButtonAction,
    ButtonPermission,
    Keyboard,
    Markdown,
    MarkdownParam,
    Media,
    MsgType,
    OutgoingArk,
    OutgoingArkKv,
    OutgoingArkObj,
    OutgoingEmbed,
    OutgoingMessage,
    OutgoingReference,
    Scene,
)


def ark_from_json(body: dict[str, Any]) -> OutgoingArk:
    kvs = []
    for kv in body["kv"]:
        if "obj" in kv:
            objs = tuple(
                OutgoingArkObj(tuple((o["key"], o["value"]) for o in obj["obj_kv"]))
                for obj in kv["obj"]
            )
            kvs.append(OutgoingArkKv(kv["key"], obj=objs))
        else:
            kvs.append(OutgoingArkKv(kv["key"], kv["value"]))
    return OutgoingArk(body["template_id"], tuple(kvs))


@pytest.mark.parametrize(
    "name",
    [
        "message_body.ark.request.json",
        "message_body.ark_template_23.request.json",
        "message_body.ark_template_24.request.json",
        "message_body.ark_template_37.request.json",
    ],
)
def test_ark_fixtures(name: str) -> None:
    expected = fixture(name)
    msg = OutgoingMessage.of_ark(ark_from_json(expected["ark"]))
    assert msg.to_json(Scene.CHANNEL) == expected
    assert msg.to_json(Scene.GROUP) == {**expected, "msg_type": 3}


def test_markdown_fixtures() -> None:
    raw = fixture("message_body.markdown_content.request.json")
    assert OutgoingMessage.of_markdown(raw["markdown"]["content"]).to_json(Scene.DM) == raw
    tpl = fixture("message_body.markdown_template.request.json")
    params = {p["key"]: p["values"] for p in tpl["markdown"]["params"]}
    md = Markdown.template(tpl["markdown"]["custom_template_id"], params)
    assert OutgoingMessage.of_markdown(md).to_json(Scene.CHANNEL) == tpl
    assert OutgoingMessage.of_markdown(md).to_json(Scene.C2C) == {**tpl, "msg_type": 2}
    single = Markdown.template("t", {"k": "v"})
    assert single.params == (MarkdownParam("k", ("v",)),)
    assert Markdown.template("t").to_json() == {"custom_template_id": "t"}


def test_keyboard_fixtures() -> None:
    tpl = fixture("message_body.keyboard_template.request.json")
    kb = Keyboard(template_id=tpl["keyboard"]["id"])
    msg = OutgoingMessage.of_markdown("# hi").with_keyboard(kb)
    assert msg.to_json(Scene.GROUP)["keyboard"] == tpl["keyboard"]
    content = fixture("message_body.keyboard_content.fragment.json")
    rows = []
    for row in content["rows"]:
        buttons = []
        for b in row["buttons"]:
            a = b["action"]
            buttons.append(
                Button(
                    id=b["id"],
                    label=b["render_data"]["label"],
                    visited_label=b["render_data"]["visited_label"],
                    action=ButtonAction(
                        type=a["type"],
                        data=a["data"],
                        permission=ButtonPermission(
                            type=a["permission"]["type"],
                            specify_role_ids=tuple(a["permission"]["specify_role_ids"]),
                        ),
                        click_limit=a["click_limit"],
                        unsupport_tips=a["unsupport_tips"],
                        at_bot_show_channel_list=a["at_bot_show_channel_list"],
                    ),
                )
            )
        rows.append(buttons)
    custom = Keyboard.of(rows)
    assert custom.to_json() == {"content": content}


def test_button_defaults() -> None:
    b = Button(
        "Go",
        ButtonAction(
            ActionType.JUMP,
            "https://qq.com",
            ButtonPermission(type=0, specify_user_ids=("u1",)),
            reply=True,
            enter=False,
            anchor=1,
        ),
        style=1,
    )
    assert b.to_json() == {
        "render_data": {"label": "Go", "visited_label": "Go", "style": 1},
        "action": {
            "type": 0,
            "permission": {"type": 0, "specify_user_ids": ["u1"]},
            "data": "https://qq.com",
            "reply": True,
            "enter": False,
            "anchor": 1,
        },
    }
    assert Button("x").to_json()["action"] == {"type": 1, "permission": {"type": 2}, "data": ""}


def test_embed_fixture_and_validation() -> None:
    expected = fixture("POST_channels_channel_id_messages.embed.request.json")
    e = expected["embed"]
    embed = OutgoingEmbed(
        title=e["title"],
        prompt=e["prompt"],
        thumbnail_url=e["thumbnail"]["url"],
        fields=tuple(f["name"] for f in e["fields"]),
    )
    assert OutgoingMessage.of_embed(embed).to_json(Scene.CHANNEL) == expected
    assert OutgoingMessage.of_embed(OutgoingEmbed(title="t")).to_json(Scene.GROUP) == {
        "msg_type": 4,
        "embed": {"title": "t"},
    }
    with pytest.raises(ValueError, match="Embed needs"):
        OutgoingMessage.of_embed(OutgoingEmbed()).build(Scene.CHANNEL)


def test_text_and_reply_fixtures() -> None:
    expected = fixture("POST_channels_channel_id_messages.request.json")
    msg = OutgoingMessage.text(expected["content"]).reply_to(msg_id=expected["msg_id"])
    assert msg.to_json(Scene.CHANNEL) == expected
    assert OutgoingMessage.text("hi").to_json(Scene.C2C) == {"content": "hi", "msg_type": 0}
    group = OutgoingMessage.text("hi").reply_to(msg_id="m", msg_seq=2).to_json(Scene.GROUP)
    assert group == {"content": "hi", "msg_type": 0, "msg_id": "m", "msg_seq": 2}
    ev = OutgoingMessage.text("hi").reply_to(event_id="e").to_json(Scene.DM)
    assert ev == {"content": "hi", "event_id": "e"}


def test_media_and_images() -> None:
    body = OutgoingMessage.of_media("FILEINFO").to_json(Scene.GROUP)
    assert body == {"content": " ", "msg_type": 7, "media": {"file_info": "FILEINFO"}}
    captioned = OutgoingMessage.of_media(Media("F"), caption="look").to_json(Scene.C2C)
    assert captioned["content"] == "look" and captioned["msg_type"] == MsgType.MEDIA
    assert OutgoingMessage.of_image("https://x/y.png").to_json(Scene.CHANNEL) == {
        "image": "https://x/y.png"
    }
    with pytest.raises(ValueError, match="/files route"):
        OutgoingMessage.of_image("https://x").build(Scene.GROUP)
    with pytest.raises(ValueError, match="/files route"):
        OutgoingMessage.of_file_image(b"png").build(Scene.C2C)
    with pytest.raises(ValueError, match="cannot carry Media"):
        OutgoingMessage.of_media("F").build(Scene.CHANNEL)


def test_file_image_multipart() -> None:
    msg = (
        OutgoingMessage.of_file_image(b"\x89PNG", filename="a.png")
        .with_text("caption")
        .with_reference("ref1", ignore_error=True)
        .reply_to(msg_id="m1")
    )
    body = msg.build(Scene.CHANNEL)
    assert body.json is None and body.form is not None
    parts = {f.name: f for f in body.form}
    assert parts["content"].value == "caption"
    assert json.loads(parts["message_reference"].value) == {
        "message_id": "ref1",
        "ignore_get_message_error": True,
    }
    assert parts["msg_id"].value == "m1"
    assert parts["file_image"].value == b"\x89PNG"
    assert parts["file_image"].filename == "a.png"
    assert parts["file_image"].content_type == "image/png"
    with pytest.raises(ValueError, match="build"):
        msg.to_json(Scene.DM)
    with pytest.raises(ValueError, match="file_image is empty"):
        OutgoingMessage.of_file_image(b"").build(Scene.DM)
    assert "x89PNG" not in repr(msg)


def test_reference_and_modifiers() -> None:
    msg = OutgoingMessage.text("a").with_reference("r")
    assert msg.to_json(Scene.CHANNEL)["message_reference"] == {"message_id": "r"}
    assert msg.with_reference(None).message_reference is None
    assert OutgoingReference("r", False).to_json() == {
        "message_id": "r",
        "ignore_get_message_error": False,
    }
    assert OutgoingMessage.text("a").with_text("b").content == "b"
    md = Markdown(content="x")
    assert OutgoingMessage().with_markdown(md).markdown is md
    # immutability
    base = OutgoingMessage.text("a")
    base.with_text("b")
    assert base.content == "a"


def test_msg_type_priority() -> None:
    assert OutgoingMessage(keyboard=Keyboard(template_id="1")).msg_type is MsgType.MARKDOWN
    assert OutgoingMessage.text("x").msg_type is MsgType.TEXT


@pytest.mark.parametrize(
    ("msg", "scene", "needle"),
    [
        (OutgoingMessage(), Scene.GROUP, "message is empty"),
        (OutgoingMessage.text(""), Scene.CHANNEL, "message is empty"),
        (OutgoingMessage.text("x").reply_to(msg_seq=0), Scene.GROUP, "msg_seq"),
        (OutgoingMessage.text("x").reply_to(msg_seq=True), Scene.GROUP, "msg_seq"),
        (OutgoingMessage.text("x").reply_to(msg_seq=2), Scene.CHANNEL, "only applies"),
        (OutgoingMessage.text("x").reply_to(msg_id=""), Scene.GROUP, "msg_id"),
        (OutgoingMessage.text("x").reply_to(event_id=""), Scene.GROUP, "event_id"),
        (
            OutgoingMessage(ark=OutgoingArk(1), markdown=Markdown(content="x")),
            Scene.GROUP,
            "markdown and ark",
        ),
    ],
)
def test_validation(msg: OutgoingMessage, scene: Scene, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        msg.build(scene)


def test_channel_may_combine_rich_content() -> None:
    body = OutgoingMessage(content="c", ark=OutgoingArk(1), markdown=Markdown(content="m")).to_json(
        Scene.CHANNEL
    )
    assert set(body) == {"content", "ark", "markdown"}


@pytest.mark.parametrize(
    "build",
    [
        lambda: Markdown(),
        lambda: Markdown(content="a", custom_template_id="b"),
        lambda: Markdown(content=""),
        lambda: Markdown(content="a", params=(MarkdownParam("k", ()),)),
        lambda: Keyboard(),
        lambda: Keyboard(template_id="1", rows=((Button("a"),),)),
        lambda: Keyboard(rows=((),)),
        lambda: Keyboard(template_id=""),
        lambda: Button(""),
        lambda: OutgoingArkKv("k"),
        lambda: OutgoingArkKv("k", "v", obj=()),
        lambda: Media(""),
    ],
)
def test_part_validation(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


def test_scene_flags() -> None:
    assert Scene.GROUP.is_v2 and Scene.C2C.is_v2
    assert not Scene.CHANNEL.is_v2 and not Scene.DM.is_v2


@given(
    content=st.none() | st.text(max_size=5),
    scene=st.sampled_from(list(Scene)),
    kind=st.sampled_from(["none", "md", "ark", "embed", "media", "image"]),
)
def test_build_never_crashes_and_omits_none(content: str | None, scene: Scene, kind: str) -> None:
    options: dict[str, dict[str, Any]] = {
        "none": {},
        "md": {"markdown": Markdown(content="m")},
        "ark": {"ark": OutgoingArk(1, (OutgoingArkKv("k", "v"),))},
        "embed": {"embed": OutgoingEmbed(prompt="p")},
        "media": {"media": Media("f")},
        "image": {"image": "https://i"},
    }
    extra = options[kind]
    msg = OutgoingMessage(content=content, **extra)
    try:
        body = msg.build(scene)
    except ValueError:
        return
    assert body.json is not None
    assert None not in body.json.values()
    assert ("msg_type" in body.json) is scene.is_v2
    json.dumps(body.json)
