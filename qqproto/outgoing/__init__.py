"""Outgoing messages and passive replies, sans-IO.

The message builders (text, markdown, embeds, arks, keyboards, media, references, the AI-bot
extras: stream frames, prompt keyboards, action buttons, input notify), the content helpers
(mentions, channel links, emoji, escaping: :func:`compose`), the forum rich-text builder
(:class:`ForumContent`), and the reply
machinery: which route answers an event in its scene (the catalogue's send routes, see
:data:`SEND_ROUTES`), with which ``msg_id``/``event_id``, and the increasing ``msg_seq`` that
keeps a second reply from being a duplicate. The builders that share a name with a received
model are called ``Outgoing*``; their old names (``Message``, ``Embed``, ``Ark``, ``ArkKv``,
``ArkObj``, ``MessageReference``) still import, with a ``DeprecationWarning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qqproto import _moved
from qqproto.outgoing._forum import (
    FORMAT_JSON,
    Alignment,
    ForumContent,
    ForumElement,
    ForumImage,
    ForumLink,
    ForumText,
    ForumVideo,
    Paragraph,
    ThreadFormat,
)
from qqproto.outgoing._mentions import (
    Markup,
    at_everyone,
    at_user,
    channel,
    compose,
    emoji,
    escape,
    mention,
    unescape,
)
from qqproto.outgoing._message import (
    ActionButton,
    ActionType,
    Button,
    ButtonAction,
    ButtonPermission,
    InputNotify,
    Keyboard,
    Markdown,
    MarkdownParam,
    Media,
    MessageBody,
    MessageStream,
    MsgType,
    OutgoingArk,
    OutgoingArkKv,
    OutgoingArkObj,
    OutgoingEmbed,
    OutgoingMessage,
    OutgoingReference,
    PromptKeyboard,
    Scene,
    StreamState,
)
from qqproto.outgoing._replies import (
    ROUTES,
    SEND_ROUTES,
    ReplySequencer,
    ReplyTarget,
    reply_target,
    send_request,
)

__all__ = [
    "FORMAT_JSON",
    "ROUTES",
    "SEND_ROUTES",
    "ActionButton",
    "ActionType",
    "Alignment",
    "Button",
    "ButtonAction",
    "ButtonPermission",
    "ForumContent",
    "ForumElement",
    "ForumImage",
    "ForumLink",
    "ForumText",
    "ForumVideo",
    "InputNotify",
    "Keyboard",
    "Markdown",
    "MarkdownParam",
    "Markup",
    "Media",
    "MessageBody",
    "MessageStream",
    "MsgType",
    "OutgoingArk",
    "OutgoingArkKv",
    "OutgoingArkObj",
    "OutgoingEmbed",
    "OutgoingMessage",
    "OutgoingReference",
    "Paragraph",
    "PromptKeyboard",
    "ReplySequencer",
    "ReplyTarget",
    "Scene",
    "StreamState",
    "ThreadFormat",
    "at_everyone",
    "at_user",
    "channel",
    "compose",
    "emoji",
    "escape",
    "mention",
    "reply_target",
    "send_request",
    "unescape",
]

_RENAMED = {
    "Message": "OutgoingMessage",
    "Embed": "OutgoingEmbed",
    "Ark": "OutgoingArk",
    "ArkKv": "OutgoingArkKv",
    "ArkObj": "OutgoingArkObj",
    "MessageReference": "OutgoingReference",
}


if not TYPE_CHECKING:  # type checkers see only the new names
    __getattr__ = _moved.renamed(__name__, _RENAMED, globals())
