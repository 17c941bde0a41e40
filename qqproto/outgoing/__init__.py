"""Outgoing messages and passive replies, sans-IO.

The message builders (text, markdown, embeds, arks, keyboards, media, references) and the reply
machinery: which route answers an event in its scene, with which ``msg_id``/``event_id``, and the
increasing ``msg_seq`` that keeps a second reply from being a duplicate.
"""

from __future__ import annotations

from qqproto.outgoing._message import (
    ActionType,
    Ark,
    ArkKv,
    ArkObj,
    Button,
    ButtonAction,
    ButtonPermission,
    Embed,
    Keyboard,
    Markdown,
    MarkdownParam,
    Media,
    Message,
    MessageBody,
    MessageReference,
    MsgType,
    Scene,
)
from qqproto.outgoing._replies import (
    ROUTES,
    ReplySequencer,
    ReplyTarget,
    reply_target,
    send_request,
)

__all__ = [
    "ROUTES",
    "ActionType",
    "Ark",
    "ArkKv",
    "ArkObj",
    "Button",
    "ButtonAction",
    "ButtonPermission",
    "Embed",
    "Keyboard",
    "Markdown",
    "MarkdownParam",
    "Media",
    "Message",
    "MessageBody",
    "MessageReference",
    "MsgType",
    "ReplySequencer",
    "ReplyTarget",
    "Scene",
    "reply_target",
    "send_request",
]
