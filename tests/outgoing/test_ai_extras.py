"""Tests for the AI-bot message extras: stream frames, prompt keyboards, action buttons, input
notify, the ``msg_type`` override, and the raw routes that take them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qqproto.outgoing import (
    ActionButton,
    InputNotify,
    Keyboard,
    Markdown,
    Media,
    MessageStream,
    MsgType,
    OutgoingArk,
    OutgoingMessage,
    PromptKeyboard,
    Scene,
    StreamState,
)
from qqproto.rest import ApiCatalogue as A


def prompt_button(label: str) -> dict[str, Any]:
    return {"render_data": {"label": label, "style": 2}, "action": {"type": 2}}


# -- stream -----------------------------------------------------------------------------------


def test_stream_frames_json_exact() -> None:
    first = MessageStream(StreamState.GENERATING, 1)
    assert first.to_json() == {"state": 1, "index": 1}
    second = first.next(StreamState.GENERATING, id="S1")
    assert second == MessageStream(StreamState.GENERATING, 2, "S1")
    assert second.next(StreamState.FINISHED).to_json() == {"state": 10, "index": 3, "id": "S1"}
    reset = MessageStream(StreamState.GENERATING, 0, id="S1", reset=True)
    assert reset.to_json() == {"state": 1, "index": 0, "id": "S1", "reset": True}
    assert [int(s) for s in StreamState] == [1, 10, 11, 20]


def test_stream_message_body_c2c() -> None:
    frame = OutgoingMessage.text("Hel").with_stream(MessageStream(StreamState.GENERATING, 1))
    assert frame.reply_to(msg_id="m", msg_seq=1).to_json(Scene.C2C) == {
        "content": "Hel",
        "msg_type": 0,
        "stream": {"state": 1, "index": 1},
        "msg_id": "m",
        "msg_seq": 1,
    }
    md = OutgoingMessage.of_markdown("**Hello**").with_stream(
        MessageStream(StreamState.FINISHED, 2, "S")
    )
    assert md.to_json(Scene.C2C) == {
        "msg_type": 2,
        "markdown": {"content": "**Hello**"},
        "stream": {"state": 10, "index": 2, "id": "S"},
    }


@pytest.mark.parametrize("scene", [Scene.GROUP, Scene.CHANNEL, Scene.DM])
def test_stream_is_c2c_only(scene: Scene) -> None:
    msg = OutgoingMessage.text("x").with_stream(MessageStream(StreamState.GENERATING, 1))
    with pytest.raises(ValueError, match="C2C messages only"):
        msg.build(scene)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: MessageStream(StreamState.GENERATING, 2), "needs the id"),
        (lambda: MessageStream(StreamState.GENERATING, 0, reset=True), "reset needs the id"),
        (lambda: MessageStream(StreamState.GENERATING, -1, "S"), "index must be an int >= 0"),
        (lambda: MessageStream(StreamState.GENERATING, True), "index must be an int"),
        (lambda: MessageStream(StreamState.GENERATING, 1, ""), "stream id must not be an empty"),
        (lambda: MessageStream(2, 1), r"state must be one of 1 \(GENERATING\)"),  # type: ignore[arg-type]
    ],
)
def test_stream_validation(make: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_stream_content_must_be_text_or_markdown() -> None:
    frame = MessageStream(StreamState.GENERATING, 1)
    with pytest.raises(ValueError, match="needs content"):
        OutgoingMessage(stream=frame).build(Scene.C2C)
    with pytest.raises(ValueError, match="text \\(content\\) or markdown"):
        OutgoingMessage(ark=OutgoingArk(23), stream=frame).build(Scene.C2C)


@given(st.integers(min_value=0, max_value=10_000), st.sampled_from(list(StreamState)))
def test_stream_frames_with_id_take_any_index(index: int, state: StreamState) -> None:
    assert MessageStream(state, index, "S").to_json() == {
        "state": int(state),
        "index": index,
        "id": "S",
    }


# -- prompt keyboard, action button -----------------------------------------------------------


def test_prompt_keyboard_json_exact() -> None:
    kb = PromptKeyboard.of("Tell me more", "Another joke")
    assert kb.to_json() == {
        "keyboard": {
            "content": {
                "rows": [
                    {"buttons": [prompt_button("Tell me more"), prompt_button("Another joke")]}
                ]
            }
        }
    }
    stacked = PromptKeyboard((("a",), ("b",)))
    rows = stacked.to_json()["keyboard"]["content"]["rows"]
    assert rows == [{"buttons": [prompt_button("a")]}, {"buttons": [prompt_button("b")]}]


@pytest.mark.parametrize("rows", [(), ((),), (("",),), (("ok", 3),)])
def test_prompt_keyboard_validation(rows: Any) -> None:
    with pytest.raises(ValueError, match=r"PromptKeyboard|prompt label"):
        PromptKeyboard(rows)


def test_action_button_json_exact() -> None:
    assert ActionButton().to_json() == {"template_id": "1"}
    full = ActionButton("1", "cb", feedback=True, tts=False, re_generate=True, stop_generate=True)
    assert full.to_json() == {
        "template_id": "1",
        "callback_data": "cb",
        "feedback": True,
        "tts": False,
        "re_generate": True,
        "stop_generate": True,
    }
    with pytest.raises(ValueError, match="template_id"):
        ActionButton("")


@pytest.mark.parametrize("scene", [Scene.GROUP, Scene.C2C])
def test_prompt_keyboard_and_action_button_imply_markdown(scene: Scene) -> None:
    msg = (
        OutgoingMessage.of_markdown("Done.")
        .with_prompt_keyboard(PromptKeyboard.of("More"))
        .with_action_button(ActionButton(feedback=True))
    )
    assert msg.msg_type is MsgType.MARKDOWN
    assert msg.to_json(scene) == {
        "msg_type": 2,
        "markdown": {"content": "Done."},
        "prompt_keyboard": {
            "keyboard": {"content": {"rows": [{"buttons": [prompt_button("More")]}]}}
        },
        "action_button": {"template_id": "1", "feedback": True},
    }
    alone = OutgoingMessage(action_button=ActionButton())  # not an empty message
    assert alone.to_json(scene) == {"msg_type": 2, "action_button": {"template_id": "1"}}


@pytest.mark.parametrize("scene", [Scene.CHANNEL, Scene.DM])
def test_prompt_keyboard_and_action_button_are_v2_only(scene: Scene) -> None:
    with pytest.raises(ValueError, match="prompt_keyboard is for group and C2C"):
        OutgoingMessage(content="x", prompt_keyboard=PromptKeyboard.of("a")).build(scene)
    with pytest.raises(ValueError, match="action_button is for group and C2C"):
        OutgoingMessage(content="x", action_button=ActionButton()).build(scene)


# -- input notify -----------------------------------------------------------------------------


def test_input_notify_json_exact() -> None:
    msg = OutgoingMessage.typing().reply_to(msg_id="m", msg_seq=2)
    assert msg.msg_type is MsgType.INPUT_NOTIFY
    assert msg.to_json(Scene.C2C) == {
        "msg_type": 6,
        "input_notify": {"input_type": 1, "input_second": 60},
        "msg_id": "m",
        "msg_seq": 2,
    }
    assert OutgoingMessage(input_notify=InputNotify(2, 5)).to_json(Scene.C2C) == {
        "msg_type": 6,
        "input_notify": {"input_type": 2, "input_second": 5},
    }


def test_input_notify_carries_nothing_else() -> None:
    notify = OutgoingMessage.typing()
    for extra in (
        {"content": "hi"},
        {"markdown": Markdown(content="x")},
        {"keyboard": Keyboard(template_id="1")},
        {"action_button": ActionButton()},
    ):
        msg = OutgoingMessage(input_notify=notify.input_notify, **extra)
        with pytest.raises(
            ValueError, match=f"nothing else but the reply ids; remove {next(iter(extra))}"
        ):
            msg.build(Scene.C2C)
    for scene in (Scene.GROUP, Scene.CHANNEL, Scene.DM):
        with pytest.raises(ValueError, match="input_notify is for C2C messages only"):
            notify.build(scene)


@pytest.mark.parametrize(("kind", "seconds"), [(0, 60), (1, 0), (1, -5), (True, 60), (1, 1.5)])
def test_input_notify_validation(kind: Any, seconds: Any) -> None:
    with pytest.raises(ValueError, match="input_notify input_"):
        InputNotify(kind, seconds)


# -- msg_type override ------------------------------------------------------------------------


def test_mixed_only_when_asked() -> None:
    assert (int(MsgType.MIXED), int(MsgType.INPUT_NOTIFY)) == (1, 6)
    assert OutgoingMessage.text("x").to_json(Scene.GROUP)["msg_type"] == 0
    mixed = OutgoingMessage.of_media("F", "look").with_msg_type(MsgType.MIXED)
    assert mixed.to_json(Scene.GROUP) == {
        "content": "look",
        "msg_type": 1,
        "media": {"file_info": "F"},
    }
    assert OutgoingMessage.text("x").with_msg_type(1).to_json(Scene.C2C)["msg_type"] == 1
    same = OutgoingMessage.of_markdown("x").with_msg_type(2)
    assert same.to_json(Scene.GROUP)["msg_type"] == 2
    assert same.with_msg_type(None).msg_type_override is None


@pytest.mark.parametrize(
    ("msg", "override"),
    [
        (OutgoingMessage.text("x"), MsgType.MARKDOWN),
        (OutgoingMessage.of_markdown("x"), MsgType.MIXED),
        (OutgoingMessage.of_markdown("x"), MsgType.TEXT),
        (OutgoingMessage(media=Media("F")), MsgType.ARK),
        (OutgoingMessage.text("x"), MsgType.INPUT_NOTIFY),
    ],
)
def test_override_must_match_the_content(msg: OutgoingMessage, override: MsgType) -> None:
    with pytest.raises(ValueError, match="does not match the content"):
        msg.with_msg_type(override).build(Scene.GROUP)


def test_override_errors() -> None:
    with pytest.raises(ValueError, match="only applies to group and C2C"):
        OutgoingMessage.text("x").with_msg_type(0).build(Scene.CHANNEL)
    bad = OutgoingMessage(content="x", msg_type_override=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="msg_type must be one of 0 \\(TEXT\\)"):
        bad.build(Scene.GROUP)
    with pytest.raises(ValueError):
        OutgoingMessage.text("x").with_msg_type(5)


# -- the raw routes ---------------------------------------------------------------------------


def test_v2_routes_take_the_extras() -> None:
    fields: dict[str, Any] = {
        "stream": {"state": 1, "index": 1},
        "prompt_keyboard": PromptKeyboard.of("a").to_json(),
        "action_button": {"template_id": "1"},
    }
    sent = A.post_c2c_message("U", "hi", msg_type=0, **fields).request.json
    assert sent == {"content": "hi", "msg_type": 0, **fields}
    notify = A.post_c2c_message("U", msg_type=6, input_notify={"input_type": 1, "input_second": 9})
    assert notify.request.json == {
        "msg_type": 6,
        "input_notify": {"input_type": 1, "input_second": 9},
    }
    group = A.post_group_message("G", action_button={"template_id": "1"}, msg_type=2)
    assert group.request.json == {"action_button": {"template_id": "1"}, "msg_type": 2}
    with pytest.raises(TypeError, match="stream"):
        A.post_message("c", "x", stream={"state": 1})  # type: ignore[call-arg]


def test_keyboard_message_carries_its_markdown() -> None:
    keyboard = {"content": {"rows": [{"buttons": [{"render_data": {"label": "ok"}}]}]}}
    call = A.post_keyboard_message("c1", keyboard, {"content": "# pick"}, msg_id="m")
    assert call.request.method == "POST"
    assert call.request.path == "/channels/c1/messages"
    assert call.request.json == {
        "markdown": {"content": "# pick"},
        "keyboard": keyboard,
        "msg_id": "m",
    }
    template = A.post_keyboard_message("c1", {"id": "123"}, event_id="e")
    assert template.request.json == {"keyboard": {"id": "123"}, "event_id": "e"}
    assert A.post_keyboard_message("c1", {"id": "1"}).request.json == {"keyboard": {"id": "1"}}
