"""Message routes (channel, DM, group, C2C): send, edit, fetch, recall; media; interactions."""

from __future__ import annotations

from collections.abc import Mapping

from qqproto.models import MediaUploadResult, Message, MessageSendResult, UploadPrepareResult
from qqproto.rest._build import JSON, b64, body, form, get, nothing, query, seg, unwrap
from qqproto.rest._call import ApiRequest, Call, route

_GROUP = "/v2/groups/{group_openid}"
_C2C = "/v2/users/{openid}"


def _guild_send(
    path: str,
    route_: str,
    method: str,
    file_image: bytes | None,
    fields: dict[str, JSON],
) -> Call[Message]:
    """A channel or DM send: JSON, or multipart when there is an image file."""
    payload = body(**fields)
    if file_image is None:
        return Call(ApiRequest(method, path, route_, json=payload), Message.parse)
    return Call(ApiRequest(method, path, route_, form=form(payload, file_image)), Message.parse)


def _v2_send(path: str, route_: str, fields: dict[str, JSON]) -> Call[MessageSendResult]:
    return Call(ApiRequest("POST", path, route_, json=body(**fields)), MessageSendResult.parse)


def _v2_post(
    path: str, route_: str, payload: dict[str, JSON], extra: Mapping[str, JSON] | None
) -> ApiRequest:
    if extra:
        payload = {**payload, **extra}
    return ApiRequest("POST", path, route_, json=payload)


def _prepare(
    path: str,
    route_: str,
    file_type: int,
    file_name: str,
    file_size: int,
    md5: str | None,
    sha1: str | None,
    md5_10m: str | None,
    extra: Mapping[str, JSON] | None,
) -> Call[UploadPrepareResult]:
    """Chunked upload, step 1, for either scene."""
    payload = body(
        file_type=file_type,
        file_name=file_name,
        file_size=file_size,
        md5=md5,
        sha1=sha1,
        md5_10m=md5_10m,
    )
    return Call(_v2_post(path, route_, payload, extra), UploadPrepareResult.parse)


def _upload(
    path: str,
    route_: str,
    file_type: int,
    url: str | None,
    srv_send_msg: bool,
    file_data: bytes | str | None,
) -> Call[MediaUploadResult]:
    payload = body(
        file_type=file_type, url=url, srv_send_msg=srv_send_msg, file_data=b64(file_data)
    )
    return Call(ApiRequest("POST", path, route_, json=payload), MediaUploadResult.parse)


def _hidetip(hidetip: bool) -> tuple[tuple[str, str], ...]:
    return query(hidetip=hidetip)


class MessageRoutes:
    """Messages in every scene, media uploads and interaction answers."""

    # -- guild channel messages ------------------------------------------------------------------

    @route
    def get_message(channel_id: str, message_id: str) -> Call[Message]:
        """``GET /channels/{channel_id}/messages/{message_id}`` (unwraps ``{message}``)."""
        path = f"/channels/{seg(channel_id)}/messages/{seg(message_id)}"
        route_ = "/channels/{channel_id}/messages/{message_id}"
        return Call(get(path, route_), unwrap(Message, "message"))

    @route
    def post_message(
        channel_id: str,
        content: str | None = None,
        embed: JSON = None,
        ark: JSON = None,
        message_reference: JSON = None,
        image: str | None = None,
        file_image: bytes | None = None,
        msg_id: str | None = None,
        event_id: str | None = None,
        markdown: JSON = None,
        keyboard: JSON = None,
    ) -> Call[Message]:
        """``POST /channels/{channel_id}/messages``; multipart when ``file_image`` (bytes) is given.

        Passive when ``msg_id`` or ``event_id`` is set. ``image`` is a URL.
        """
        path = f"/channels/{seg(channel_id)}/messages"
        fields = {
            "content": content,
            "embed": embed,
            "ark": ark,
            "message_reference": message_reference,
            "image": image,
            "msg_id": msg_id,
            "event_id": event_id,
            "markdown": markdown,
            "keyboard": keyboard,
        }
        return _guild_send(path, "/channels/{channel_id}/messages", "POST", file_image, fields)

    @route
    def post_keyboard_message(channel_id: str, keyboard: JSON) -> Call[Message]:
        """``POST /channels/{channel_id}/messages`` with only a keyboard."""
        path = f"/channels/{seg(channel_id)}/messages"
        fields = {"keyboard": keyboard}
        return _guild_send(path, "/channels/{channel_id}/messages", "POST", None, fields)

    @route
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
    ) -> Call[Message]:
        """``PATCH /channels/{channel_id}/messages/{message_id}``: edit (markdown/keyboard)."""
        path = f"/channels/{seg(channel_id)}/messages/{seg(message_id)}"
        fields = {
            "content": content,
            "embed": embed,
            "ark": ark,
            "markdown": markdown,
            "keyboard": keyboard,
            "msg_id": msg_id,
            "event_id": event_id,
        }
        route_ = "/channels/{channel_id}/messages/{message_id}"
        return _guild_send(path, route_, "PATCH", None, fields)

    @route
    def recall_message(channel_id: str, message_id: str, hidetip: bool = False) -> Call[None]:
        """``DELETE /channels/{channel_id}/messages/{message_id}?hidetip=``."""
        path = f"/channels/{seg(channel_id)}/messages/{seg(message_id)}"
        route_ = "/channels/{channel_id}/messages/{message_id}"
        return Call(ApiRequest("DELETE", path, route_, query=_hidetip(hidetip)), nothing)

    # -- guild direct messages -------------------------------------------------------------------

    @route
    def post_dms(
        guild_id: str,
        content: str | None = None,
        embed: JSON = None,
        ark: JSON = None,
        message_reference: JSON = None,
        image: str | None = None,
        file_image: bytes | None = None,
        msg_id: str | None = None,
        event_id: str | None = None,
        markdown: JSON = None,
        keyboard: JSON = None,
    ) -> Call[Message]:
        """``POST /dms/{guild_id}/messages``; to the DM session's ``guild_id``."""
        path = f"/dms/{seg(guild_id)}/messages"
        fields = {
            "content": content,
            "embed": embed,
            "ark": ark,
            "message_reference": message_reference,
            "image": image,
            "msg_id": msg_id,
            "event_id": event_id,
            "markdown": markdown,
            "keyboard": keyboard,
        }
        return _guild_send(path, "/dms/{guild_id}/messages", "POST", file_image, fields)

    @route
    def recall_dms(guild_id: str, message_id: str, hidetip: bool = False) -> Call[None]:
        """``DELETE /dms/{guild_id}/messages/{message_id}?hidetip=``."""
        path = f"/dms/{seg(guild_id)}/messages/{seg(message_id)}"
        route_ = "/dms/{guild_id}/messages/{message_id}"
        return Call(ApiRequest("DELETE", path, route_, query=_hidetip(hidetip)), nothing)

    # -- QQ groups and C2C -----------------------------------------------------------------------

    @route
    def post_group_message(
        group_openid: str,
        msg_type: int = 0,
        content: str | None = None,
        embed: JSON = None,
        ark: JSON = None,
        message_reference: JSON = None,
        media: JSON = None,
        msg_id: str | None = None,
        msg_seq: int | None = None,
        event_id: str | None = None,
        markdown: JSON = None,
        keyboard: JSON = None,
    ) -> Call[MessageSendResult]:
        """``POST /v2/groups/{group_openid}/messages``.

        ``msg_type``: 0 text, 2 markdown, 3 ark, 4 embed, 7 media.

        ``media`` is ``{"file_info": …}`` or a :class:`MediaUploadResult`. Use a new ``msg_seq`` for
        each reply to the same ``msg_id``.
        """
        path = f"/v2/groups/{seg(group_openid)}/messages"
        return _v2_send(
            path,
            _GROUP + "/messages",
            {
                "content": content,
                "msg_type": msg_type,
                "markdown": markdown,
                "keyboard": keyboard,
                "ark": ark,
                "embed": embed,
                "media": media,
                "message_reference": message_reference,
                "event_id": event_id,
                "msg_id": msg_id,
                "msg_seq": msg_seq,
            },
        )

    @route
    def post_c2c_message(
        openid: str,
        msg_type: int = 0,
        content: str | None = None,
        embed: JSON = None,
        ark: JSON = None,
        message_reference: JSON = None,
        media: JSON = None,
        msg_id: str | None = None,
        msg_seq: int | None = None,
        event_id: str | None = None,
        markdown: JSON = None,
        keyboard: JSON = None,
    ) -> Call[MessageSendResult]:
        """``POST /v2/users/{openid}/messages`` (same fields as :meth:`post_group_message`)."""
        path = f"/v2/users/{seg(openid)}/messages"
        return _v2_send(
            path,
            _C2C + "/messages",
            {
                "content": content,
                "msg_type": msg_type,
                "markdown": markdown,
                "keyboard": keyboard,
                "ark": ark,
                "embed": embed,
                "media": media,
                "message_reference": message_reference,
                "event_id": event_id,
                "msg_id": msg_id,
                "msg_seq": msg_seq,
            },
        )

    @route
    def recall_group_message(group_openid: str, message_id: str) -> Call[None]:
        """``DELETE /v2/groups/{group_openid}/messages/{message_id}`` (within 2 minutes)."""
        path = f"/v2/groups/{seg(group_openid)}/messages/{seg(message_id)}"
        return Call(ApiRequest("DELETE", path, _GROUP + "/messages/{message_id}"), nothing)

    @route
    def recall_c2c_message(openid: str, message_id: str) -> Call[None]:
        """``DELETE /v2/users/{openid}/messages/{message_id}`` (within 2 minutes)."""
        path = f"/v2/users/{seg(openid)}/messages/{seg(message_id)}"
        return Call(ApiRequest("DELETE", path, _C2C + "/messages/{message_id}"), nothing)

    # -- rich media ------------------------------------------------------------------------------

    @route
    def post_group_file(
        group_openid: str,
        file_type: int,
        url: str | None = None,
        srv_send_msg: bool = False,
        file_data: bytes | str | None = None,
    ) -> Call[MediaUploadResult]:
        """``POST /v2/groups/{group_openid}/files`` by ``url`` or base64 ``file_data``.

        ``file_type``: 1 image, 2 video, 3 silk voice, 4 file. ``srv_send_msg=True`` also sends it
        (and uses the active-message quota); keep it False and send ``media`` yourself.
        """
        path = f"/v2/groups/{seg(group_openid)}/files"
        return _upload(path, _GROUP + "/files", file_type, url, srv_send_msg, file_data)

    @route
    def post_c2c_file(
        openid: str,
        file_type: int,
        url: str | None = None,
        srv_send_msg: bool = False,
        file_data: bytes | str | None = None,
    ) -> Call[MediaUploadResult]:
        """``POST /v2/users/{openid}/files`` (same fields as :meth:`post_group_file`)."""
        path = f"/v2/users/{seg(openid)}/files"
        return _upload(path, _C2C + "/files", file_type, url, srv_send_msg, file_data)

    @route
    def group_upload_prepare(
        group_openid: str,
        file_type: int,
        file_name: str,
        file_size: int,
        md5: str | None = None,
        sha1: str | None = None,
        md5_10m: str | None = None,
        extra: Mapping[str, JSON] | None = None,
    ) -> Call[UploadPrepareResult]:
        """``POST /v2/groups/{group_openid}/upload_prepare`` [UNCERTAIN].

        Chunked upload, step 1. Field names follow NoneBot; ``extra`` is merged into the body.
        """
        path = f"/v2/groups/{seg(group_openid)}/upload_prepare"
        fields = (file_type, file_name, file_size, md5, sha1, md5_10m)
        return _prepare(path, _GROUP + "/upload_prepare", *fields, extra)

    @route
    def c2c_upload_prepare(
        openid: str,
        file_type: int,
        file_name: str,
        file_size: int,
        md5: str | None = None,
        sha1: str | None = None,
        md5_10m: str | None = None,
        extra: Mapping[str, JSON] | None = None,
    ) -> Call[UploadPrepareResult]:
        """``POST /v2/users/{openid}/upload_prepare`` [UNCERTAIN]."""
        path = f"/v2/users/{seg(openid)}/upload_prepare"
        fields = (file_type, file_name, file_size, md5, sha1, md5_10m)
        return _prepare(path, _C2C + "/upload_prepare", *fields, extra)

    @route
    def group_upload_part_finish(
        group_openid: str,
        upload_id: str,
        part_index: int,
        block_size: int,
        md5: str,
        extra: Mapping[str, JSON] | None = None,
    ) -> Call[None]:
        """``POST /v2/groups/{group_openid}/upload_part_finish`` [UNCERTAIN]."""
        path = f"/v2/groups/{seg(group_openid)}/upload_part_finish"
        payload = body(upload_id=upload_id, part_index=part_index, block_size=block_size, md5=md5)
        return Call(_v2_post(path, _GROUP + "/upload_part_finish", payload, extra), nothing)

    @route
    def c2c_upload_part_finish(
        openid: str,
        upload_id: str,
        part_index: int,
        block_size: int,
        md5: str,
        extra: Mapping[str, JSON] | None = None,
    ) -> Call[None]:
        """``POST /v2/users/{openid}/upload_part_finish`` [UNCERTAIN extension]."""
        path = f"/v2/users/{seg(openid)}/upload_part_finish"
        payload = body(upload_id=upload_id, part_index=part_index, block_size=block_size, md5=md5)
        return Call(_v2_post(path, _C2C + "/upload_part_finish", payload, extra), nothing)

    @route
    def group_upload_complete(
        group_openid: str, upload_id: str, srv_send_msg: bool = False
    ) -> Call[MediaUploadResult]:
        """``POST /v2/groups/{group_openid}/files`` + ``upload_id`` [UNCERTAIN]."""
        path = f"/v2/groups/{seg(group_openid)}/files"
        payload = {"upload_id": upload_id, "srv_send_msg": srv_send_msg}
        request = ApiRequest("POST", path, _GROUP + "/files", json=payload)
        return Call(request, MediaUploadResult.parse)

    @route
    def c2c_upload_complete(
        openid: str, upload_id: str, srv_send_msg: bool = False
    ) -> Call[MediaUploadResult]:
        """``POST /v2/users/{openid}/files`` + ``upload_id`` [UNCERTAIN]."""
        path = f"/v2/users/{seg(openid)}/files"
        payload = {"upload_id": upload_id, "srv_send_msg": srv_send_msg}
        request = ApiRequest("POST", path, _C2C + "/files", json=payload)
        return Call(request, MediaUploadResult.parse)

    # -- interactions ----------------------------------------------------------------------------

    @route
    def on_interaction_result(interaction_id: str, code: int = 0) -> Call[None]:
        """``PUT /interactions/{interaction_id}`` with ``{"code": n}``.

        0 ok, 1 failed, 2 too frequent, 3 duplicate, 4 no permission, 5 admin only.
        """
        path = f"/interactions/{seg(interaction_id)}"
        request = ApiRequest("PUT", path, "/interactions/{interaction_id}", json={"code": code})
        return Call(request, nothing)
