"""Outgoing message content: immutable builders that produce the send-message body.

One :class:`OutgoingMessage` value describes what to send (text, markdown, keyboard, ark, embed,
media, image URL, image bytes, reference, the passive-reply ids, and for group/C2C the AI-bot
extras: a stream frame, a prompt keyboard, action buttons, or an "input notify").
:meth:`OutgoingMessage.build` turns it into the body for a :class:`Scene`: a JSON object for every
scene (with the right ``msg_type`` for group and C2C), or ``multipart/form-data`` fields when image
bytes go to a channel or DM. ``None`` fields are left out at every level. Mistakes raise
``ValueError`` saying what to change. The builders are named ``Outgoing*`` where a received model
(:mod:`qqproto.models`) has the platform's name: ``OutgoingMessage`` is what you send,
``qqproto.models.Message`` what you receive.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec
from msgspec.structs import replace

from qqproto.rest._build import form as multipart_form
from qqproto.rest._call import JSON, FormField


class Scene(enum.Enum):
    """Where a message goes. Group and C2C use ``msg_type``; channel and DM do not."""

    CHANNEL = "channel"
    DM = "dm"
    GROUP = "group"
    C2C = "c2c"

    @property
    def is_v2(self) -> bool:
        """True for group and C2C (the ``/v2/`` routes with ``msg_type`` and ``msg_seq``)."""
        return self in (Scene.GROUP, Scene.C2C)


class MsgType(enum.IntEnum):
    """``msg_type`` values for group and C2C messages."""

    TEXT = 0
    MIXED = 1
    """Text and media mixed; sent only when the caller asks for it (``msg_type_override``)."""
    MARKDOWN = 2
    ARK = 3
    EMBED = 4
    INPUT_NOTIFY = 6
    """"The bot is typing" [UNCERTAIN]: a message carrying only :class:`InputNotify` (C2C)."""
    MEDIA = 7


def _drop_none(**items: Any) -> dict[str, Any]:
    return {k: v for k, v in items.items() if v is not None}


def _text(value: str) -> str:
    """A plain ``str`` for JSON: ``Markup`` (:mod:`qqproto.outgoing._mentions`) and other str
    subclasses become ``str``, which the JSON codec writes."""
    return value if type(value) is str else str(value)


def _opt_text(value: str | None) -> str | None:
    return None if value is None else _text(value)


def _nonempty(name: str, value: str | None) -> None:
    if value is not None and not value:
        raise ValueError(f"{name} must not be an empty string (leave it None instead)")


# -- markdown ---------------------------------------------------------------------------------


class MarkdownParam(msgspec.Struct, frozen=True):
    """One template parameter: ``{"key": key, "values": [...]}``."""

    key: str
    values: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON object."""
        return {"key": self.key, "values": [_text(v) for v in self.values]}


class Markdown(msgspec.Struct, frozen=True):
    """Markdown: raw ``content``, or a template (``custom_template_id`` + ``params``)."""

    content: str | None = None
    custom_template_id: str | None = None
    params: tuple[MarkdownParam, ...] = ()

    def __post_init__(self) -> None:
        _nonempty("markdown content", self.content)
        _nonempty("custom_template_id", self.custom_template_id)
        if (self.content is None) == (self.custom_template_id is None):
            raise ValueError(
                "Markdown needs exactly one of content (raw markdown) or custom_template_id "
                "(a template approved in the console)"
            )
        if self.params and self.custom_template_id is None:
            raise ValueError("Markdown params only apply to a custom_template_id")

    @classmethod
    def template(
        cls, template_id: str, params: Mapping[str, str | Sequence[str]] | None = None
    ) -> Markdown:
        """A template markdown; each param value is a string or a list of strings."""
        built = tuple(
            MarkdownParam(key, (value,) if isinstance(value, str) else tuple(value))
            for key, value in (params or {}).items()
        )
        return cls(custom_template_id=template_id, params=built)

    def to_json(self) -> dict[str, Any]:
        """The ``markdown`` object."""
        if self.content is not None:
            return {"content": _text(self.content)}
        body: dict[str, Any] = {"custom_template_id": self.custom_template_id}
        if self.params:
            body["params"] = [p.to_json() for p in self.params]
        return body


# -- keyboard ---------------------------------------------------------------------------------


class ActionType(enum.IntEnum):
    """Button action: open a link, send a callback interaction, or put a command in the input."""

    JUMP = 0
    CALLBACK = 1
    COMMAND = 2


class ButtonPermission(msgspec.Struct, frozen=True):
    """Who may click: 0 specified users, 1 admins, 2 everyone, 3 specified roles."""

    type: int = 2
    specify_user_ids: tuple[str, ...] = ()
    specify_role_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``permission`` object."""
        body: dict[str, Any] = {"type": self.type}
        if self.specify_role_ids:
            body["specify_role_ids"] = list(self.specify_role_ids)
        if self.specify_user_ids:
            body["specify_user_ids"] = list(self.specify_user_ids)
        return body


class ButtonAction(msgspec.Struct, frozen=True):
    """A button's ``action`` object."""

    type: int = ActionType.CALLBACK
    data: str = ""
    permission: ButtonPermission = msgspec.field(default_factory=ButtonPermission)
    reply: bool | None = None
    enter: bool | None = None
    anchor: int | None = None
    unsupport_tips: str | None = None
    click_limit: int | None = None
    at_bot_show_channel_list: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``action`` object."""
        return _drop_none(
            type=int(self.type),
            permission=self.permission.to_json(),
            click_limit=self.click_limit,
            unsupport_tips=self.unsupport_tips,
            data=self.data,
            reply=self.reply,
            enter=self.enter,
            anchor=self.anchor,
            at_bot_show_channel_list=self.at_bot_show_channel_list,
        )


class Button(msgspec.Struct, frozen=True):
    """One keyboard button: ``{id, render_data{label, visited_label, style}, action}``."""

    label: str
    action: ButtonAction = msgspec.field(default_factory=ButtonAction)
    visited_label: str | None = None
    id: str | None = None
    style: int | None = None

    def __post_init__(self) -> None:
        if not self.label:
            raise ValueError("a button needs a non-empty label")

    def to_json(self) -> dict[str, Any]:
        """The button object."""
        render = _drop_none(
            label=_text(self.label),
            visited_label=_text(
                self.visited_label if self.visited_label is not None else self.label
            ),
            style=self.style,
        )
        return _drop_none(id=self.id, render_data=render, action=self.action.to_json())


class Keyboard(msgspec.Struct, frozen=True):
    """A keyboard: a console template (``template_id``) or custom ``rows`` of buttons."""

    template_id: str | None = None
    rows: tuple[tuple[Button, ...], ...] = ()

    def __post_init__(self) -> None:
        _nonempty("keyboard template_id", self.template_id)
        if (self.template_id is None) == (not self.rows):
            raise ValueError(
                "Keyboard needs exactly one of template_id or a non-empty list of button rows"
            )
        if any(not row for row in self.rows):
            raise ValueError("every keyboard row needs at least one button")

    @classmethod
    def of(cls, rows: Iterable[Iterable[Button]]) -> Keyboard:
        """A custom keyboard from nested iterables of buttons."""
        return cls(rows=tuple(tuple(row) for row in rows))

    def to_json(self) -> dict[str, Any]:
        """The ``keyboard`` object."""
        if self.template_id is not None:
            return {"id": self.template_id}
        rows = [{"buttons": [b.to_json() for b in row]} for row in self.rows]
        return {"content": {"rows": rows}}


# -- ark, embed, media, reference -------------------------------------------------------------


class OutgoingArkObj(msgspec.Struct, frozen=True):
    """One ``obj`` entry: ``{"obj_kv": [{"key", "value"}, ...]}``."""

    kv: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON object."""
        return {"obj_kv": [{"key": k, "value": v} for k, v in self.kv]}


class OutgoingArkKv(msgspec.Struct, frozen=True):
    """One ark ``kv`` entry: a ``value`` or a list of ``obj``."""

    key: str
    value: str | None = None
    obj: tuple[OutgoingArkObj, ...] | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.obj is None):
            raise ValueError(f"ark kv {self.key!r} needs exactly one of value or obj")

    def to_json(self) -> dict[str, Any]:
        """The JSON object."""
        if self.obj is not None:
            return {"key": self.key, "obj": [o.to_json() for o in self.obj]}
        return {"key": self.key, "value": self.value}


class OutgoingArk(msgspec.Struct, frozen=True):
    """An ark template message: ``{template_id, kv: [...]}``."""

    template_id: int
    kv: tuple[OutgoingArkKv, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``ark`` object."""
        return {"template_id": self.template_id, "kv": [kv.to_json() for kv in self.kv]}


class OutgoingEmbed(msgspec.Struct, frozen=True):
    """An embed: ``{title, prompt, thumbnail{url}, fields[{name}]}`` (QQ's shape)."""

    title: str | None = None
    prompt: str | None = None
    thumbnail_url: str | None = None
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``embed`` object."""
        body = _drop_none(
            title=_opt_text(self.title),
            prompt=_opt_text(self.prompt),
            thumbnail=None if self.thumbnail_url is None else {"url": self.thumbnail_url},
        )
        if self.fields:
            body["fields"] = [{"name": _text(name)} for name in self.fields]
        if not body:
            raise ValueError("an OutgoingEmbed needs a title, prompt, thumbnail or fields")
        return body


class Media(msgspec.Struct, frozen=True):
    """Rich media for group/C2C: the ``file_info`` returned by the ``/files`` upload route."""

    file_info: str

    def __post_init__(self) -> None:
        if not self.file_info:
            raise ValueError("Media needs the file_info returned by the upload route")

    def to_json(self) -> dict[str, Any]:
        """The ``media`` object."""
        return {"file_info": self.file_info}


class OutgoingReference(msgspec.Struct, frozen=True):
    """A quote of an earlier message."""

    message_id: str
    ignore_get_message_error: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``message_reference`` object."""
        return _drop_none(
            message_id=self.message_id, ignore_get_message_error=self.ignore_get_message_error
        )


# -- AI-bot extras: stream frames, prompt keyboard, action buttons, input notify ---------------


class StreamState(enum.IntEnum):
    """A stream frame's ``state``: the body, then an optional guide, each generating/finished."""

    GENERATING = 1
    FINISHED = 10
    GUIDE_GENERATING = 11
    GUIDE_FINISHED = 20


def _plain_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")


class MessageStream(msgspec.Struct, frozen=True):
    """One frame of a streamed C2C message: ``{"state", "index", "id"?, "reset"?}``.

    ``index`` counts the frames from 1. The first frame goes without ``id``; every later frame
    carries the id the first frame's send returned (``MessageSendResult.id``). ``reset=True``
    starts the text over (it needs the ``id``; the count starts again from 0). Each frame's
    ``content`` (text) or ``markdown`` is the text the frame adds; whether the platform wants the
    whole text so far instead is [UNCERTAIN] (``reply_stream(..., cumulative=True)`` sends that).
    """

    state: StreamState
    index: int
    id: str | None = None
    reset: bool | None = None

    def __post_init__(self) -> None:
        if isinstance(self.state, bool) or self.state not in set(StreamState):
            states = ", ".join(f"{s.value} ({s.name})" for s in StreamState)
            raise ValueError(f"stream state must be one of {states}, got {self.state!r}")
        _plain_int("stream index", self.index, 0)
        _nonempty("stream id", self.id)
        if self.reset and self.id is None:
            raise ValueError("a stream reset needs the id the stream's first frame returned")
        if self.id is None and self.index > 1:
            raise ValueError(
                f"stream frame {self.index} needs the id the first frame's send returned "
                "(only the first frame goes without one)"
            )

    def next(self, state: StreamState, id: str | None = None) -> MessageStream:
        """The frame after this one (``index + 1``) with ``state``, carrying ``id`` (needed
        when this is the first frame) or this frame's id."""
        return MessageStream(state, self.index + 1, id if id is not None else self.id)

    def to_json(self) -> dict[str, Any]:
        """The ``stream`` object."""
        return _drop_none(state=int(self.state), index=self.index, id=self.id, reset=self.reset)


class PromptKeyboard(msgspec.Struct, frozen=True):
    """Suggested prompts: buttons that put their label in the user's input (``action.type`` 2,
    ``style`` 2). ``rows`` of labels; :meth:`of` puts all labels in one row."""

    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if not self.rows or any(not row for row in self.rows):
            raise ValueError("a PromptKeyboard needs at least one row, each with a label")
        for row in self.rows:
            for label in row:
                if not isinstance(label, str) or not label:
                    raise ValueError(f"a prompt label must be a non-empty string, got {label!r}")

    @classmethod
    def of(cls, *labels: str) -> PromptKeyboard:
        """One row with a button per label."""
        return cls((tuple(labels),))

    def to_json(self) -> dict[str, Any]:
        """The ``prompt_keyboard`` object."""
        rows = [
            {
                "buttons": [
                    {"render_data": {"label": _text(label), "style": 2}, "action": {"type": 2}}
                    for label in row
                ]
            }
            for row in self.rows
        ]
        return {"keyboard": {"content": {"rows": rows}}}


class ActionButton(msgspec.Struct, frozen=True):
    """The AI-bot action bar under a message (``action_button``): a console template (``"1"``)
    and which actions it offers; ``None`` fields are left out."""

    template_id: str = "1"
    callback_data: str | None = None
    feedback: bool | None = None
    tts: bool | None = None
    re_generate: bool | None = None
    stop_generate: bool | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.template_id, str) or not self.template_id:
            raise ValueError("ActionButton needs a non-empty template_id (the default is '1')")

    def to_json(self) -> dict[str, Any]:
        """The ``action_button`` object."""
        return _drop_none(
            template_id=self.template_id,
            callback_data=self.callback_data,
            feedback=self.feedback,
            tts=self.tts,
            re_generate=self.re_generate,
            stop_generate=self.stop_generate,
        )


class InputNotify(msgspec.Struct, frozen=True):
    """ "The bot is typing" for ``input_second`` seconds (C2C, ``msg_type`` 6) [UNCERTAIN]."""

    input_type: int = 1
    input_second: int = 60

    def __post_init__(self) -> None:
        _plain_int("input_notify input_type", self.input_type, 1)
        _plain_int("input_notify input_second", self.input_second, 1)

    def to_json(self) -> dict[str, Any]:
        """The ``input_notify`` object."""
        return {"input_type": self.input_type, "input_second": self.input_second}


# -- the message ------------------------------------------------------------------------------


class MessageBody(msgspec.Struct, frozen=True):
    """The body to send: exactly one of ``json`` and ``form`` is set."""

    json: dict[str, Any] | None = None
    form: tuple[FormField, ...] | None = None


class OutgoingMessage(msgspec.Struct, frozen=True):
    """Everything one outgoing message can carry. Build with the classmethods and ``with_*``.

    >>> hi = OutgoingMessage.text("hi").with_keyboard(Keyboard(template_id="123"))
    >>> hi.build(Scene.GROUP).json
    {'content': 'hi', 'msg_type': 2, 'keyboard': {'id': '123'}}
    """

    content: str | None = None
    markdown: Markdown | None = None
    keyboard: Keyboard | None = None
    ark: OutgoingArk | None = None
    embed: OutgoingEmbed | None = None
    media: Media | None = None
    image: str | None = None
    file_image: bytes | None = None
    file_image_name: str = "image.png"
    file_image_type: str = "image/png"
    message_reference: OutgoingReference | None = None
    stream: MessageStream | None = None
    prompt_keyboard: PromptKeyboard | None = None
    action_button: ActionButton | None = None
    input_notify: InputNotify | None = None
    msg_type_override: MsgType | None = None
    msg_id: str | None = None
    event_id: str | None = None
    msg_seq: int | None = None

    def __repr__(self) -> str:  # every field but the image bytes (``file_image``)
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.__struct_fields__
            if name != "file_image"
        )
        return f"OutgoingMessage({shown})"

    # -- constructors and modifiers -----------------------------------------------------------

    @classmethod
    def text(cls, content: str) -> OutgoingMessage:
        """A text message."""
        return cls(content=content)

    @classmethod
    def of_markdown(cls, markdown: Markdown | str) -> OutgoingMessage:
        """A markdown message (a string is raw markdown content)."""
        if isinstance(markdown, str):
            markdown = Markdown(content=markdown)
        return cls(markdown=markdown)

    @classmethod
    def of_ark(cls, ark: OutgoingArk) -> OutgoingMessage:
        """An ark message."""
        return cls(ark=ark)

    @classmethod
    def of_embed(cls, embed: OutgoingEmbed) -> OutgoingMessage:
        """An embed message."""
        return cls(embed=embed)

    @classmethod
    def of_media(cls, file_info: str | Media, caption: str | None = None) -> OutgoingMessage:
        """A rich-media message (group/C2C) from an uploaded ``file_info``."""
        media = file_info if isinstance(file_info, Media) else Media(file_info)
        return cls(content=caption, media=media)

    @classmethod
    def of_image(cls, url: str) -> OutgoingMessage:
        """An image by URL (channel/DM)."""
        return cls(image=url)

    @classmethod
    def of_file_image(
        cls, data: bytes, filename: str = "image.png", content_type: str = "image/png"
    ) -> OutgoingMessage:
        """An image uploaded with the message (channel/DM, sent as multipart)."""
        return cls(file_image=data, file_image_name=filename, file_image_type=content_type)

    def with_text(self, content: str | None) -> OutgoingMessage:
        """A copy with ``content`` set."""
        return replace(self, content=content)

    def with_markdown(self, markdown: Markdown | None) -> OutgoingMessage:
        """A copy with ``markdown`` set."""
        return replace(self, markdown=markdown)

    def with_keyboard(self, keyboard: Keyboard | None) -> OutgoingMessage:
        """A copy with ``keyboard`` set."""
        return replace(self, keyboard=keyboard)

    def with_stream(self, stream: MessageStream | None) -> OutgoingMessage:
        """A copy that is one frame of a stream (C2C)."""
        return replace(self, stream=stream)

    def with_prompt_keyboard(self, prompt_keyboard: PromptKeyboard | None) -> OutgoingMessage:
        """A copy with suggested prompts."""
        return replace(self, prompt_keyboard=prompt_keyboard)

    def with_action_button(self, action_button: ActionButton | None) -> OutgoingMessage:
        """A copy with the AI-bot action bar."""
        return replace(self, action_button=action_button)

    def with_msg_type(self, msg_type: MsgType | int | None) -> OutgoingMessage:
        """A copy sending ``msg_type`` instead of the one the content implies (``None``: the
        implied one again). Checked against the content when built."""
        return replace(self, msg_type_override=None if msg_type is None else MsgType(msg_type))

    @classmethod
    def typing(cls, seconds: int = 60) -> OutgoingMessage:
        """ "The bot is typing" for ``seconds`` (C2C, ``msg_type`` 6) [UNCERTAIN]."""
        return cls(input_notify=InputNotify(input_second=seconds))

    def with_reference(
        self, message_id: str | None, *, ignore_error: bool | None = None
    ) -> OutgoingMessage:
        """A copy quoting ``message_id``."""
        ref = None if message_id is None else OutgoingReference(message_id, ignore_error)
        return replace(self, message_reference=ref)

    def reply_to(
        self, *, msg_id: str | None = None, event_id: str | None = None, msg_seq: int | None = None
    ) -> OutgoingMessage:
        """A copy that passively replies to a message (``msg_id``) or an event (``event_id``)."""
        return replace(self, msg_id=msg_id, event_id=event_id, msg_seq=msg_seq)

    # -- output -------------------------------------------------------------------------------

    @property
    def msg_type(self) -> MsgType:
        """The group/C2C ``msg_type`` sent: ``msg_type_override`` if set, else the implied one."""
        if self.msg_type_override is not None:
            return MsgType(self.msg_type_override)
        return self.implied_msg_type

    @property
    def implied_msg_type(self) -> MsgType:
        """The group/C2C ``msg_type`` the content implies."""
        if self.input_notify is not None:
            return MsgType.INPUT_NOTIFY
        if self.media is not None:
            return MsgType.MEDIA
        if self.ark is not None:
            return MsgType.ARK
        if self.embed is not None:
            return MsgType.EMBED
        if (
            self.markdown is not None
            or self.keyboard is not None
            or self.prompt_keyboard is not None
            or self.action_button is not None
        ):
            return MsgType.MARKDOWN
        return MsgType.TEXT

    def _validate_extras(self, scene: Scene) -> None:
        """The checks of the AI-bot extras and of ``msg_type_override``."""
        if self.input_notify is not None:
            if scene is not Scene.C2C:
                raise ValueError(f"input_notify is for C2C messages only, not {scene.value}")
            extra = [
                name
                for name in self.__struct_fields__
                if name not in _NOTIFY_KEEPS and getattr(self, name) not in (None, "")
            ]
            if extra:
                raise ValueError(
                    "a message with input_notify carries nothing else but the reply ids; "
                    f"remove {', '.join(extra)}"
                )
        if self.stream is not None:
            if scene is not Scene.C2C:
                raise ValueError(f"stream frames are for C2C messages only, not {scene.value}")
            if self.ark is not None or self.embed is not None or self.media is not None:
                raise ValueError("a stream frame's content is text (content) or markdown")
            if self.content is None and self.markdown is None:
                raise ValueError("a stream frame needs content (text) or markdown, even empty")
        for name in ("prompt_keyboard", "action_button"):
            if getattr(self, name) is not None and not scene.is_v2:
                raise ValueError(f"{name} is for group and C2C messages only, not {scene.value}")
        override = self.msg_type_override
        if override is None:
            return
        if not scene.is_v2:
            raise ValueError("msg_type only applies to group and C2C messages")
        if isinstance(override, bool) or override not in set(MsgType):
            known = ", ".join(f"{t.value} ({t.name})" for t in MsgType)
            raise ValueError(f"msg_type must be one of {known}, got {override!r}")
        implied = self.implied_msg_type
        mixed_ok = override == MsgType.MIXED and implied in (MsgType.TEXT, MsgType.MEDIA)
        if override != implied and not mixed_ok:
            raise ValueError(
                f"msg_type {int(override)} ({MsgType(override).name}) does not match the content, "
                f"which is msg_type {int(implied)} ({implied.name}); MIXED (1) goes with text "
                "and/or media only"
            )

    def _validate(self, scene: Scene) -> None:
        self._validate_extras(scene)
        if self.msg_seq is not None and (
            isinstance(self.msg_seq, bool) or not isinstance(self.msg_seq, int) or self.msg_seq < 1
        ):
            raise ValueError("msg_seq must be a positive int (use ReplySequencer)")
        _nonempty("msg_id", self.msg_id)
        _nonempty("event_id", self.event_id)
        if self.file_image is not None and not self.file_image:
            raise ValueError("file_image is empty")
        rich = [
            name
            for name, value in (
                ("markdown", self.markdown),
                ("ark", self.ark),
                ("embed", self.embed),
                ("media", self.media),
            )
            if value is not None
        ]
        if scene.is_v2:
            if len(rich) > 1:
                raise ValueError(
                    f"a {scene.value} message carries one kind of rich content, got "
                    f"{' and '.join(rich)}; send them as separate messages"
                )
            if self.image is not None or self.file_image is not None:
                raise ValueError(
                    f"{scene.value} messages cannot carry an image URL or bytes: upload it with "
                    "the /files route and send OutgoingMessage.of_media(file_info)"
                )
        else:
            if self.media is not None:
                raise ValueError(
                    f"{scene.value} messages cannot carry Media(file_info); use image (URL) or "
                    "file_image (bytes)"
                )
            if self.msg_seq is not None:
                raise ValueError("msg_seq only applies to group and C2C messages")
        if (
            not self.content
            and not rich
            and self.keyboard is None
            and self.prompt_keyboard is None
            and self.action_button is None
            and self.input_notify is None
            and (self.image is None and self.file_image is None)
        ):
            raise ValueError(
                "the message is empty: set text, markdown, ark, embed, media or an image"
            )

    def build(self, scene: Scene) -> MessageBody:
        """The body for ``scene``. Raises ``ValueError`` if it cannot be sent there."""
        self._validate(scene)
        fields: dict[str, Any] = _drop_none(
            content=_opt_text(self.content),
            msg_type=int(self.msg_type) if scene.is_v2 else None,
            markdown=None if self.markdown is None else self.markdown.to_json(),
            keyboard=None if self.keyboard is None else self.keyboard.to_json(),
            ark=None if self.ark is None else self.ark.to_json(),
            embed=None if self.embed is None else self.embed.to_json(),
            media=None if self.media is None else self.media.to_json(),
            stream=None if self.stream is None else self.stream.to_json(),
            prompt_keyboard=(
                None if self.prompt_keyboard is None else self.prompt_keyboard.to_json()
            ),
            action_button=None if self.action_button is None else self.action_button.to_json(),
            input_notify=None if self.input_notify is None else self.input_notify.to_json(),
            image=self.image,
            message_reference=(
                None if self.message_reference is None else self.message_reference.to_json()
            ),
            msg_id=self.msg_id,
            event_id=self.event_id,
            msg_seq=self.msg_seq,
        )
        if scene.is_v2 and self.media is not None and not self.content:
            fields["content"] = " "  # documented platform quirk: media needs some content
        if self.file_image is None:
            return MessageBody(json=fields)
        return MessageBody(form=_form(fields, self))

    def to_json(self, scene: Scene) -> dict[str, Any]:
        """The JSON body for ``scene``; an error if the message needs multipart (file_image)."""
        body = self.build(scene)
        if body.json is None:
            raise ValueError("this message carries file_image bytes: use build().form")
        return body.json


_NOTIFY_KEEPS = frozenset(
    {"input_notify", "msg_type_override", "msg_id", "event_id", "msg_seq"}
    | {"file_image_name", "file_image_type"}
)
"""The fields a message with ``input_notify`` may have besides it (the others stay unset)."""


def _form(fields: Mapping[str, JSON], message: OutgoingMessage) -> tuple[FormField, ...]:
    assert message.file_image is not None
    return multipart_form(
        fields, message.file_image, message.file_image_name, message.file_image_type
    )
