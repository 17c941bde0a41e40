"""Passive replies: which route a reply goes to, and a fresh ``msg_seq`` for every reply.

The platform rejects a second reply with the same ``msg_id`` + ``msg_seq`` as a duplicate
(40054005), so :class:`ReplySequencer` hands out 1, 2, 3, ... per replied-to message, remembering
at most ``capacity`` message ids (least recently used forgotten first). :class:`ReplyTarget`
knows the scene and the ids of the message or event being answered and turns an
:class:`~qqproto.outgoing.OutgoingMessage` into the :class:`~qqproto.rest.ApiRequest` to send,
at the scene's send route of the catalogue (:data:`SEND_ROUTES`). :func:`reply_target` computes
the target from the event alone: a pure value, nothing from the client.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import msgspec

from qqproto.models import (
    C2CManageEvent,
    C2CMessage,
    DirectMessage,
    GroupManageEvent,
    GroupMemberEvent,
    GroupMessage,
    Interaction,
)
from qqproto.models import Message as ChannelMessage
from qqproto.outgoing._message import OutgoingMessage, Scene
from qqproto.rest._call import ApiRequest, Route
from qqproto.rest._messages import MessageRoutes

SEND_ROUTES: Mapping[Scene, Route[..., Any]] = {
    Scene.CHANNEL: MessageRoutes.post_message,
    Scene.DM: MessageRoutes.post_dms,
    Scene.GROUP: MessageRoutes.post_group_message,
    Scene.C2C: MessageRoutes.post_c2c_message,
}
"""The catalogue's send route, per scene."""

ROUTES: Mapping[Scene, tuple[str, str]] = {
    scene: (send.endpoint.template, send.endpoint.params[0]) for scene, send in SEND_ROUTES.items()
}
"""Send route template and its path parameter, per scene (from :data:`SEND_ROUTES`)."""


class ReplySequencer:
    """Increasing ``msg_seq`` per replied-to message id, with bounded memory (an LRU)."""

    def __init__(self, capacity: int = 10_000) -> None:
        if capacity < 1:
            raise ValueError("ReplySequencer capacity must be at least 1")
        self.capacity = capacity
        self._seqs: OrderedDict[str, int] = OrderedDict()

    def next_seq(self, msg_id: str) -> int:
        """The next ``msg_seq`` for replies to ``msg_id`` (or an ``event_id``): 1, 2, 3, ..."""
        seq = self._seqs.pop(msg_id, 0) + 1
        self._seqs[msg_id] = seq
        if len(self._seqs) > self.capacity:
            self._seqs.popitem(last=False)
        return seq

    def last_seq(self, msg_id: str) -> int:
        """The last ``msg_seq`` handed out for ``msg_id`` (0 if none or forgotten)."""
        return self._seqs.get(msg_id, 0)

    def __len__(self) -> int:
        return len(self._seqs)

    def __contains__(self, msg_id: object) -> bool:
        return msg_id in self._seqs


def send_request(scene: Scene, target_id: str, message: OutgoingMessage) -> ApiRequest:
    """The ``POST`` that sends ``message`` to ``target_id`` (channel id, guild id for DMs, group
    openid or user openid) in ``scene``. Never idempotent."""
    if not target_id:
        raise ValueError(f"a {scene.value} message needs a non-empty target id")
    body = message.build(scene)
    return SEND_ROUTES[scene].endpoint.request(target_id, json=body.json, form=body.form)


class ReplyTarget(msgspec.Struct, frozen=True):
    """Where and to what a reply goes: the scene, the target id and the message/event answered.

    ``target_id`` is the channel id (channel), the guild id of the DM session (DM), the group
    openid (group) or the user openid (C2C). Set ``msg_id`` to answer a message, ``event_id`` to
    answer an event (interaction, member join, ...).
    """

    scene: Scene
    target_id: str
    msg_id: str | None = None
    event_id: str | None = None

    def __post_init__(self) -> None:
        if not self.target_id:
            raise ValueError(f"a {self.scene.value} reply needs a non-empty target id")
        if self.msg_id is None and self.event_id is None:
            raise ValueError(
                "a reply needs the msg_id of the message (or the event_id of the event) it "
                "answers; without one it would be an active message"
            )

    @property
    def key(self) -> str:
        """The id that ``msg_seq`` counts replies to."""
        return self.msg_id if self.msg_id is not None else f"event:{self.event_id}"

    def prepare(
        self, message: OutgoingMessage, sequencer: ReplySequencer | None = None
    ) -> OutgoingMessage:
        """``message`` with this target's ``msg_id``/``event_id`` and, for group and C2C, the
        next ``msg_seq`` from ``sequencer`` (unless the message already carries one)."""
        seq = message.msg_seq
        if seq is None and self.scene.is_v2:
            seq = sequencer.next_seq(self.key) if sequencer is not None else 1
        return message.reply_to(msg_id=self.msg_id, event_id=self.event_id, msg_seq=seq)

    def request(
        self, message: OutgoingMessage, sequencer: ReplySequencer | None = None
    ) -> ApiRequest:
        """The ``ApiRequest`` sending ``message`` as a reply (see :meth:`prepare`)."""
        return send_request(self.scene, self.target_id, self.prepare(message, sequencer))


def reply_target(event: object) -> ReplyTarget:
    """Where a passive reply to ``event`` goes; ``TypeError``/``ValueError`` if it has none."""
    if isinstance(event, DirectMessage):
        return ReplyTarget(Scene.DM, _need(event.guild_id, "guild_id"), msg_id=event.id)
    if isinstance(event, ChannelMessage):
        return ReplyTarget(Scene.CHANNEL, _need(event.channel_id, "channel_id"), msg_id=event.id)
    if isinstance(event, GroupMessage):
        return ReplyTarget(Scene.GROUP, _need(event.group_openid, "group_openid"), msg_id=event.id)
    if isinstance(event, C2CMessage):
        openid = event.author.user_openid if event.author is not None else None
        return ReplyTarget(Scene.C2C, _need(openid, "author.user_openid"), msg_id=event.id)
    if isinstance(event, Interaction):
        event_id = _need(event.event_id or event.id, "id")
        if event.group_openid:
            return ReplyTarget(Scene.GROUP, event.group_openid, event_id=event_id)
        if event.user_openid and not event.channel_id:
            return ReplyTarget(Scene.C2C, event.user_openid, event_id=event_id)
        return ReplyTarget(Scene.CHANNEL, _need(event.channel_id, "channel_id"), event_id=event_id)
    if isinstance(event, (GroupManageEvent, GroupMemberEvent)):
        target = _need(event.group_openid, "group_openid")
        return ReplyTarget(Scene.GROUP, target, event_id=_need(event.event_id, "event_id"))
    if isinstance(event, C2CManageEvent):
        target = _need(event.openid, "openid")
        return ReplyTarget(Scene.C2C, target, event_id=_need(event.event_id, "event_id"))
    raise TypeError(f"cannot reply to a {type(event).__name__}: no reply scene is known")


def _need(value: str | None, name: str) -> str:
    if not value:
        raise ValueError(f"cannot reply: the event has no {name}")
    return value
