"""Outgoing messages and passive replies, sans-IO.

The message builders (text, markdown, embeds, arks, keyboards, media, references) and the reply
machinery: which route answers an event in its scene (the catalogue's send routes, see
:data:`SEND_ROUTES`), with which ``msg_id``/``event_id``, and the increasing ``msg_seq`` that
keeps a second reply from being a duplicate. The builders that share a name with a received
model are called ``Outgoing*``; their old names (``Message``, ``Embed``, ``Ark``, ``ArkKv``,
``ArkObj``, ``MessageReference``) still import, with a ``DeprecationWarning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qqproto import _moved
from qqproto.outgoing._message import (
    ActionType,
    Button,
    ButtonAction,
    ButtonPermission,
    Keyboard,
    Markdown,
    MarkdownParam,
    Media,
    MessageBody,
    MsgType,
    OutgoingArk,
    OutgoingArkKv,
    OutgoingArkObj,
    OutgoingEmbed,
    OutgoingMessage,
    OutgoingReference,
    Scene,
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
    "ROUTES",
    "SEND_ROUTES",
    "ActionType",
    "Button",
    "ButtonAction",
    "ButtonPermission",
    "Keyboard",
    "Markdown",
    "MarkdownParam",
    "Media",
    "MessageBody",
    "MsgType",
    "OutgoingArk",
    "OutgoingArkKv",
    "OutgoingArkObj",
    "OutgoingEmbed",
    "OutgoingMessage",
    "OutgoingReference",
    "ReplySequencer",
    "ReplyTarget",
    "Scene",
    "reply_target",
    "send_request",
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
