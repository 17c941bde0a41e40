"""Message routes (channel, DM, group, C2C): send, edit, fetch, recall; media; interactions.

The four scene sends share one signature: the target, then ``content``, then the message fields
as keywords (:class:`GuildSendFields` for channel and DM, :class:`V2SendFields` for group and C2C,
both a :class:`SendFields`), the keyword names botpy uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from qqproto.models import MediaUploadResult, Message, MessageSendResult, UploadPrepareResult
from qqproto.rest._build import JSON, b64, body, form, nothing, query, unwrap
from qqproto.rest._call import Endpoint, Parts, route

if TYPE_CHECKING:
    from typing_extensions import Unpack

T = TypeVar("T")

_CHANNEL_SEND = Endpoint("POST", "/channels/{channel_id}/messages")
_MESSAGE = "/channels/{channel_id}/messages/{message_id}"
_GROUP_FILES = "/v2/groups/{group_openid}/files"
_C2C_FILES = "/v2/users/{openid}/files"


class SendFields(TypedDict, total=False):
    """The fields a message send takes in every scene, besides ``content``."""

    embed: JSON
    ark: JSON
    markdown: JSON
    keyboard: JSON
    message_reference: JSON
    msg_id: str | None
    event_id: str | None


class GuildSendFields(SendFields, total=False):
    """Channel and DM sends: an image by URL (``image``) or as bytes (``file_image``, multipart)."""

    image: str | None
    file_image: bytes | None


class V2SendFields(SendFields, total=False):
    """Group and C2C sends: ``msg_type`` (0 text, 1 text and media, 2 markdown, 3 ark, 4 embed,
    6 input notify, 7 media; 0 when not given), ``media`` (``{"file_info": …}`` or a
    :class:`MediaUploadResult`) and ``msg_seq`` (a new one for each reply to the same
    ``msg_id``); the AI-bot extras ``stream`` (C2C), ``prompt_keyboard``, ``action_button`` and
    ``input_notify`` (C2C) as their JSON objects (see :mod:`qqproto.outgoing`)."""

    msg_type: int
    media: JSON
    msg_seq: int | None
    stream: JSON
    prompt_keyboard: JSON
    action_button: JSON
    input_notify: JSON


class UploadFields(TypedDict, total=False):
    """A rich-media upload's file as base64 text, or bytes to encode, instead of a ``url``."""

    file_data: bytes | str | None


class PrepareFields(TypedDict, total=False):
    """The optional fields of a chunked upload's first step [UNCERTAIN]; ``extra`` is merged
    into the body."""

    md5: str | None
    sha1: str | None
    md5_10m: str | None
    extra: Mapping[str, JSON] | None


class PartFields(TypedDict, total=False):
    """The optional fields of a chunked upload's part report [UNCERTAIN]."""

    extra: Mapping[str, JSON] | None


_GUILD_KEYS = GuildSendFields.__optional_keys__
_V2_KEYS = V2SendFields.__optional_keys__


def _send(
    content: str | None, fields: Mapping[str, Any], keys: frozenset[str], parse: Any
) -> Parts[Any]:
    """A send in any scene: JSON, or multipart when there are image bytes."""
    unknown = sorted(set(fields) - keys)
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r} for this scene")
    if content is not None and not isinstance(content, str):
        raise TypeError(f"content must be a string, not {type(content).__name__}")
    if content is not None and type(content) is not str:
        content = str(content)  # a str subclass (mention builders' Markup): plain text for JSON
    payload = body(content=content, **fields)
    if "msg_type" in keys:
        payload.setdefault("msg_type", 0)
    file_image = payload.pop("file_image", None)
    if file_image is None:
        return Parts(parse, json=payload)
    return Parts(parse, form=form(payload, file_image))


def _merged(payload: dict[str, JSON], extra: Mapping[str, JSON] | None) -> dict[str, JSON]:
    return {**payload, **extra} if extra else payload


def _upload(
    file_type: int, url: str | None, srv_send_msg: bool, fields: UploadFields
) -> Parts[MediaUploadResult]:
    file_data = b64(fields.get("file_data"))
    payload = body(file_type=file_type, url=url, srv_send_msg=srv_send_msg, file_data=file_data)
    return Parts(MediaUploadResult.parse, json=payload)


def _prepare(
    file_type: int, file_name: str, file_size: int, fields: PrepareFields
) -> Parts[UploadPrepareResult]:
    payload = body(
        file_type=file_type,
        file_name=file_name,
        file_size=file_size,
        md5=fields.get("md5"),
        sha1=fields.get("sha1"),
        md5_10m=fields.get("md5_10m"),
    )
    return Parts(UploadPrepareResult.parse, json=_merged(payload, fields.get("extra")))


def _part_finish(
    upload_id: str, part_index: int, block_size: int, md5: str, fields: PartFields
) -> Parts[None]:
    payload = body(upload_id=upload_id, part_index=part_index, block_size=block_size, md5=md5)
    return Parts(nothing, json=_merged(payload, fields.get("extra")))


class MessageRoutes:
    """Messages in every scene, media uploads and interaction answers."""

    # -- the four scene sends --------------------------------------------------------------------

    @_CHANNEL_SEND.route()
    def post_message(
        channel_id: str, content: str | None = None, **fields: Unpack[GuildSendFields]
    ) -> Parts[Message]:
        """to a channel; passive when ``msg_id`` or ``event_id`` is set."""
        return _send(content, fields, _GUILD_KEYS, Message.parse)

    @route("POST", "/dms/{guild_id}/messages")
    def post_dms(
        guild_id: str, content: str | None = None, **fields: Unpack[GuildSendFields]
    ) -> Parts[Message]:
        """to the DM session's ``guild_id`` (see ``create_dms``)."""
        return _send(content, fields, _GUILD_KEYS, Message.parse)

    @route("POST", "/v2/groups/{group_openid}/messages")
    def post_group_message(
        group_openid: str, content: str | None = None, **fields: Unpack[V2SendFields]
    ) -> Parts[MessageSendResult]:
        """to a QQ group."""
        return _send(content, fields, _V2_KEYS, MessageSendResult.parse)

    @route("POST", "/v2/users/{openid}/messages")
    def post_c2c_message(
        openid: str, content: str | None = None, **fields: Unpack[V2SendFields]
    ) -> Parts[MessageSendResult]:
        """to a user (single chat)."""
        return _send(content, fields, _V2_KEYS, MessageSendResult.parse)

    # -- guild channel messages ------------------------------------------------------------------

    @route("GET", _MESSAGE)
    def get_message(channel_id: str, message_id: str) -> Parts[Message]:
        """one message (unwraps ``{message}``)."""
        return Parts(unwrap(Message, "message"))

    @_CHANNEL_SEND.route()
    def post_keyboard_message(
        channel_id: str,
        keyboard: JSON,
        markdown: JSON = None,
        msg_id: str | None = None,
        event_id: str | None = None,
    ) -> Parts[Message]:
        """a markdown message with a keyboard under it (the platform hangs buttons on markdown);
        without ``markdown``, the keyboard alone (a console template keyboard)."""
        payload = body(markdown=markdown, keyboard=keyboard, msg_id=msg_id, event_id=event_id)
        return Parts(Message.parse, json=payload)

    @route("PATCH", _MESSAGE, json_args=True)
    def patch_guild_message(
        channel_id: str,
        message_id: str,
        content: str | None = None,
        embed: JSON = None,
        ark: JSON = None,
        markdown: JSON = None,
        keyboard: JSON = None,
        msg_id: str | None = None,
        event_id: str | None = None,
    ) -> Parts[Message]:
        """edit a message (markdown/keyboard)."""
        return Parts(Message.parse)

    @route("DELETE", _MESSAGE)
    def recall_message(channel_id: str, message_id: str, hidetip: bool = False) -> Parts[None]:
        """recall a channel message; ``hidetip`` hides the grey tip."""
        return Parts(nothing, query=query(hidetip=hidetip))

    @route("DELETE", "/dms/{guild_id}/messages/{message_id}")
    def recall_dms(guild_id: str, message_id: str, hidetip: bool = False) -> Parts[None]:
        """recall a DM."""
        return Parts(nothing, query=query(hidetip=hidetip))

    @route("DELETE", "/v2/groups/{group_openid}/messages/{message_id}")
    def recall_group_message(group_openid: str, message_id: str) -> Parts[None]:
        """recall a group message (within 2 minutes)."""
        return Parts(nothing)

    @route("DELETE", "/v2/users/{openid}/messages/{message_id}")
    def recall_c2c_message(openid: str, message_id: str) -> Parts[None]:
        """recall a single-chat message (within 2 minutes)."""
        return Parts(nothing)

    # -- rich media ------------------------------------------------------------------------------

    @route("POST", _GROUP_FILES)
    def post_group_file(
        group_openid: str,
        file_type: int,
        url: str | None = None,
        srv_send_msg: bool = False,
        **fields: Unpack[UploadFields],
    ) -> Parts[MediaUploadResult]:
        """upload by ``url`` or base64 ``file_data``.

        ``file_type``: 1 image, 2 video, 3 silk voice, 4 file. ``srv_send_msg=True`` also sends it
        (and uses the active-message quota); keep it False and send ``media`` yourself.
        """
        return _upload(file_type, url, srv_send_msg, fields)

    @route("POST", _C2C_FILES)
    def post_c2c_file(
        openid: str,
        file_type: int,
        url: str | None = None,
        srv_send_msg: bool = False,
        **fields: Unpack[UploadFields],
    ) -> Parts[MediaUploadResult]:
        """upload for a single chat (the fields of ``post_group_file``)."""
        return _upload(file_type, url, srv_send_msg, fields)

    @route("POST", "/v2/groups/{group_openid}/upload_prepare")
    def group_upload_prepare(
        group_openid: str,
        file_type: int,
        file_name: str,
        file_size: int,
        **fields: Unpack[PrepareFields],
    ) -> Parts[UploadPrepareResult]:
        """chunked upload, step 1 [UNCERTAIN]. Field names follow NoneBot."""
        return _prepare(file_type, file_name, file_size, fields)

    @route("POST", "/v2/users/{openid}/upload_prepare")
    def c2c_upload_prepare(
        openid: str, file_type: int, file_name: str, file_size: int, **fields: Unpack[PrepareFields]
    ) -> Parts[UploadPrepareResult]:
        """chunked upload, step 1, for a single chat [UNCERTAIN]."""
        return _prepare(file_type, file_name, file_size, fields)

    @route("POST", "/v2/groups/{group_openid}/upload_part_finish")
    def group_upload_part_finish(
        group_openid: str,
        upload_id: str,
        part_index: int,
        block_size: int,
        md5: str,
        **fields: Unpack[PartFields],
    ) -> Parts[None]:
        """chunked upload: one part is up [UNCERTAIN]."""
        return _part_finish(upload_id, part_index, block_size, md5, fields)

    @route("POST", "/v2/users/{openid}/upload_part_finish")
    def c2c_upload_part_finish(
        openid: str,
        upload_id: str,
        part_index: int,
        block_size: int,
        md5: str,
        **fields: Unpack[PartFields],
    ) -> Parts[None]:
        """chunked upload, single chat: one part is up [UNCERTAIN]."""
        return _part_finish(upload_id, part_index, block_size, md5, fields)

    @route("POST", _GROUP_FILES, json_args=True)
    def group_upload_complete(
        group_openid: str, upload_id: str, srv_send_msg: bool = False
    ) -> Parts[MediaUploadResult]:
        """chunked upload, last step: ``upload_id`` [UNCERTAIN]."""
        return Parts(MediaUploadResult.parse)

    @route("POST", _C2C_FILES, json_args=True)
    def c2c_upload_complete(
        openid: str, upload_id: str, srv_send_msg: bool = False
    ) -> Parts[MediaUploadResult]:
        """chunked upload, single chat, last step [UNCERTAIN]."""
        return Parts(MediaUploadResult.parse)

    # -- interactions ----------------------------------------------------------------------------

    @route("PUT", "/interactions/{interaction_id}", json_args=True)
    def on_interaction_result(interaction_id: str, code: int = 0) -> Parts[None]:
        """answer an interaction with ``{"code": n}``.

        0 ok, 1 failed, 2 too frequent, 3 duplicate, 4 no permission, 5 admin only.
        """
        return Parts(nothing)
