"""The platform's HTTP API as a pure function of the world: a request in, a response out.

:func:`handle` serves the token endpoint (``POST /app/getAppAccessToken``) and the REST API on
one origin. Every API request needs ``Authorization: QQBot <live token>`` (else 401 with code
11244); answers carry ``Content-Type: application/json`` and ``X-Tps-trace-ID``. Message sends are
recorded in the :class:`~qqproto.sim.Platform`; the other routes of the client's catalogue
(:data:`ROUTES`) answer with the docs' example (or ``{}`` / 204), unknown paths 404, a known path
with the wrong method 405.

Error bodies are ``{"message", "code", "err_code", "trace_id"}``. Platform codes used: 11244 (bad
or expired token), 11245 (legacy ``Bot`` token), 40054005 (duplicate ``msg_seq``), 850019 (bad
upload request), token endpoint 100007/100016; the simulator's own 40054100-40054106 for refused
stream frames (:data:`~qqproto.sim.STREAM_CODES`). Where the platform's code is not known (empty
message, malformed body, unknown route) ``code`` is the HTTP status.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from qqproto._errors import InvalidJSON
from qqproto._json import dumps, dumps_text, loads
from qqproto.rest import routes as catalogue
from qqproto.rest._call import ApiResponse
from qqproto.sim import _events as ev
from qqproto.sim._world import (
    DUPLICATE_MSG_SEQ_CODE,
    STREAM_CODES,
    InteractionAck,
    Platform,
    PlatformRefusal,
    RecallRecord,
    RestRecord,
    SettingGuideRecord,
    SimBot,
    TokenRefused,
    UploadRecord,
    as_int,
)

__all__ = ["ROUTES", "RestRequest", "RestResponse", "handle", "parse_multipart"]

TOKEN_PATH = "/app/getAppAccessToken"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RestRequest:
    """One HTTP request: ``headers`` as ``(lower-case name, value)`` pairs, the raw body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return ApiResponse(0, self.headers).header(name)  # one lookup for both directions


@dataclass(frozen=True, slots=True)
class RestResponse:
    """One HTTP response; ``json`` is the decoded body (for inspection), None when empty."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    json: Any = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class _Ctx:
    platform: Platform
    request: RestRequest
    now: float
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    bot: SimBot
    trace_id: str


class _Reply(Exception):
    """Raised by handlers to answer with an error."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


_encode_json = dumps_text

_Handler = Callable[[_Ctx, Any], tuple[int, Any]]
"""``(ctx, decoded body) -> (status, JSON or None for no body)``."""


# --------------------------------------------------------------------------------------------
# Entry point


def handle(platform: Platform, request: RestRequest, now: float) -> RestResponse:
    """Answer one request (never raises for any input)."""
    trace_id = platform.trace_id()
    method = request.method.upper()
    split = urlsplit(request.target)
    path = split.path or "/"
    query = dict(parse_qsl(split.query, keep_blank_values=True)) if split.query else {}
    route, params, allowed = _match(method, path)
    union = request.header("x-union-appid")
    body: Any = None
    bot: SimBot | None = None

    def finish(status: int, data: Any, code: int | None = None) -> RestResponse:
        platform.rest_log.append(
            RestRecord(
                time=now,
                method=method,
                target=request.target,
                route=route,
                status=status,
                code=code,
                union_appid=union,
                app_id=bot.app_id if bot else None,
                body=body,
                trace_id=trace_id,
            )
        )
        return _response(status, data, trace_id)

    def error(status: int, code: int, message: str) -> RestResponse:
        return finish(status, _error_body(code, message, trace_id), code)

    if path.startswith(COS_PREFIX):  # presigned part uploads: raw bytes, no token
        status, data = _cos(platform, request, method, path, query, now)
        if isinstance(data, dict):
            data["trace_id"] = trace_id
        return finish(status, data, data.get("code") if isinstance(data, dict) else None)

    try:
        body = _decode_body(request)
    except _Reply as exc:
        return error(exc.status, exc.code, exc.message)

    if path == TOKEN_PATH:
        if method != "POST":
            return error(405, 405, "method not allowed")
        failure = platform.take_failure(method, path, route)
        if failure is not None:
            return _failure(finish, failure, trace_id)
        return finish(*_token(platform, request, body, now))

    auth = request.header("authorization")
    bot = platform.auth_bot(auth, now)
    if bot is None:
        if auth is not None and auth.strip().startswith("Bot "):
            return error(401, 11245, "固定Token已禁用，请使用AccessToken鉴权")
        return error(401, 11244, "token not exist or expire")
    if route is None:
        if allowed:
            return error(405, 405, "method not allowed")
        return error(404, 404, "API not found")
    failure = platform.take_failure(method, path, route)
    if failure is not None:
        return _failure(finish, failure, trace_id)
    handler = _HANDLERS.get((method, route))
    ctx = _Ctx(platform, request, now, path, params, query, bot, trace_id)
    try:
        if handler is None:
            status, data = _canned(method, route, params)
        else:
            status, data = handler(ctx, body)
    except (_Reply, PlatformRefusal) as exc:
        return error(exc.status, exc.code, exc.message)
    return finish(status, data)


def _failure(
    finish: Callable[[int, Any, int | None], RestResponse], failure: Any, trace_id: str
) -> RestResponse:
    if failure.body is not None:
        return finish(failure.status, failure.body, failure.code)
    return finish(
        failure.status, _error_body(failure.code, failure.message, trace_id), failure.code
    )


def _error_body(code: int | None, message: str, trace_id: str) -> dict[str, Any]:
    return {"message": message, "code": code, "err_code": code, "trace_id": trace_id}


def _response(status: int, data: Any, trace_id: str) -> RestResponse:
    headers = [("X-Tps-trace-ID", trace_id)]
    if status == 204 or data is None:
        return RestResponse(status, tuple(headers))
    raw = _encode_json(data).encode("utf-8")
    headers.insert(0, ("Content-Type", "application/json"))
    return RestResponse(status, tuple(headers), raw, data)


# --------------------------------------------------------------------------------------------
# Bodies


def _decode_body(request: RestRequest) -> Any:
    body = request.body
    ctype = (request.header("content-type") or "").lower()
    if ctype.startswith("multipart/form-data"):
        boundary = _param(request.header("content-type") or "", "boundary")
        if not boundary:
            raise _Reply(400, 400, "multipart body without a boundary")
        return parse_multipart(body, boundary)
    if not body.strip():
        return None
    try:
        return loads(body)
    except InvalidJSON:
        raise _Reply(400, 400, "request body is not valid JSON") from None


def _param(header: str, name: str) -> str | None:
    for piece in header.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return None


@dataclass(frozen=True, slots=True)
class FormPart:
    """One part of a multipart body."""

    name: str
    value: bytes
    filename: str | None = None
    content_type: str | None = None


def parse_multipart(body: bytes, boundary: str) -> dict[str, Any]:
    """A ``multipart/form-data`` body as ``{name: value}``: file parts (or parts with a
    non-text content type) as bytes, other parts as text, JSON-decoded when they hold an object
    or array (the platform's way of sending ``embed``/``ark``/... in a form)."""
    out: dict[str, Any] = {}
    delimiter = b"--" + boundary.encode("latin-1")
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, sep, value = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise _Reply(400, 400, "malformed multipart body")
        if value.endswith(b"\r\n"):
            value = value[:-2]
        part = _form_part(head.decode("utf-8", "replace"), value)
        if part is None:
            continue
        if part.filename is not None or (
            part.content_type is not None and not part.content_type.startswith("text/")
        ):
            out[part.name] = part.value
            continue
        text = part.value.decode("utf-8", "replace")
        if text[:1] in ("{", "["):
            try:
                out[part.name] = loads(text)
                continue
            except InvalidJSON:
                pass
        out[part.name] = text
    return out


def _form_part(head: str, value: bytes) -> FormPart | None:
    name = filename = ctype = None
    for line in head.split("\r\n"):
        key, _, rest = line.partition(":")
        key = key.strip().lower()
        if key == "content-disposition":
            name = _param(rest, "name")
            filename = _param(rest, "filename")
        elif key == "content-type":
            ctype = rest.strip().lower()
    if name is None:
        return None
    return FormPart(name, value, filename, ctype)


def _obj(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _Reply(400, 400, "request body must be a JSON object")
    return {k: v for k, v in body.items() if v is not None}


# --------------------------------------------------------------------------------------------
# Handlers


def _token(
    platform: Platform, request: RestRequest, body: Any, now: float
) -> tuple[int, Any, int | None]:
    ctype = (request.header("content-type") or "").lower()
    if not ctype.startswith("application/json") or not isinstance(body, dict):
        return 200, {"code": 100007, "message": "appid invalid"}, 100007
    try:
        token, expires_in = platform.issue_token(body.get("appId"), body.get("clientSecret"), now)
    except TokenRefused as exc:
        return 200, {"code": exc.code, "message": exc.message}, exc.code
    return 200, {"access_token": token, "expires_in": str(expires_in)}, None


def _gateway(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    return 200, {"url": ctx.platform.gateway_url}


def _gateway_bot(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    return 200, ctx.platform.gateway_bot(ctx.bot, ctx.now)


def _me(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    bot = ctx.bot
    return 200, {
        "id": bot.user_id,
        "username": bot.username,
        "avatar": bot.avatar,
        "union_openid": bot.union_openid,
        "union_user_account": "",
    }


def _my_guilds(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    guilds = sorted(ctx.platform.guilds.values(), key=lambda g: _id_key(g.id))
    after, before = ctx.query.get("after"), ctx.query.get("before")
    if after:
        guilds = [g for g in guilds if _id_key(g.id) > _id_key(after)]
    elif before:
        guilds = [g for g in guilds if _id_key(g.id) < _id_key(before)]
    limit = as_int(ctx.query.get("limit")) or 100
    return 200, [g.to_json() for g in guilds[: max(1, min(limit, 100))]]


def _id_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (-1, value)


def _found(table: Mapping[str, T], key: str, what: str) -> T:
    """``table[key]``, or a 404 "``what`` not found"."""
    value = table.get(key)
    if value is None:
        raise _Reply(404, 404, f"{what} not found")
    return value


def _get_guild(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    return 200, _found(ctx.platform.guilds, ctx.params["guild_id"], "guild").to_json()


def _get_channels(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    gid = ctx.params["guild_id"]
    _found(ctx.platform.guilds, gid, "guild")
    return 200, [c.to_json() for c in ctx.platform.channels.values() if c.guild_id == gid]


def _get_channel(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    return 200, _found(ctx.platform.channels, ctx.params["channel_id"], "channel").to_json()


def _get_message(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    mid = ctx.params["message_id"]
    received = ctx.platform.received.get(mid)
    if received is not None and received.get("channel_id") == ctx.params["channel_id"]:
        return 200, {"message": received}
    for sent in ctx.platform.sent:
        if sent.message_id == mid and sent.scene == "channel":
            return 200, {"message": _guild_message_json(ctx, sent.target_id, sent.body, mid)}
    raise _Reply(404, 404, "message not found")


HISTORY_LIMIT = 20
"""The most messages one ``GET /channels/{id}/messages`` answers (botgo: 20)."""


def _get_messages(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    cid = ctx.params["channel_id"]
    platform = ctx.platform
    if cid not in platform.channels and cid not in platform.channel_log:
        raise _Reply(404, 404, "channel not found")
    raw_limit = ctx.query.get("limit")
    limit = HISTORY_LIMIT if raw_limit in (None, "") else as_int(raw_limit)
    if limit is None or limit < 1:
        raise _Reply(400, 400, "limit must be a positive integer")
    anchors = {k: ctx.query[k] for k in ("around", "before", "after") if ctx.query.get(k)}
    if len(anchors) > 1:
        raise _Reply(400, 400, "give at most one of around, before and after")
    try:
        page = platform.channel_history(cid, limit=min(limit, HISTORY_LIMIT), **anchors)
    except LookupError as exc:
        raise _Reply(404, 404, str(exc)) from None
    return 200, page


def _create_dms(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    data = _obj(body)
    recipient, source = data.get("recipient_id"), data.get("source_guild_id")
    if not isinstance(recipient, str) or not isinstance(source, str):
        raise _Reply(400, 400, "recipient_id and source_guild_id are required")
    guild_id, channel_id = ctx.platform.dm_session(recipient, source)
    create_time = str(int(ctx.platform.wall(ctx.now)))
    return 200, {"guild_id": guild_id, "channel_id": channel_id, "create_time": create_time}


def _guild_message_json(
    ctx: _Ctx, channel_id: str, body: Mapping[str, Any], message_id: str
) -> dict[str, Any]:
    return ctx.platform.bot_guild_message(
        ctx.bot.app_id,
        channel_id,
        body,
        message_id,
        ctx.now,
        guild_id=ctx.params.get("guild_id", ""),
    )


_GUILD_BODY_KEYS = ("content", "embed", "ark", "image", "markdown", "keyboard", "file_image")


def _guild_send(ctx: _Ctx, body: Any, scene: str, target: str) -> tuple[int, Any]:
    data = _obj(body)
    if "stream" in data:
        raise _Reply(400, STREAM_CODES["scene"], "streaming messages are only for single chats")
    file = data.pop("file_image", None)
    if file is not None and not isinstance(file, bytes):
        file = str(file).encode("utf-8")
    if not any(k in data for k in _GUILD_BODY_KEYS) and file is None:
        raise _Reply(400, 400, "message is empty: set content, embed, ark, image or markdown")
    held = ctx.platform.take_audit(ctx.bot.app_id, scene, target, data, ctx.now)
    if held is not None:
        return ctx.platform.audit_status, ctx.platform.audit_answer(held)
    message_id = ev.guild_message_id(ctx.platform.rng)
    ctx.platform.record_sent(ctx.bot.app_id, scene, target, data, message_id, ctx.now, file=file)
    answer = _guild_message_json(ctx, target if scene == "channel" else "", data, message_id)
    if scene == "channel":
        ctx.platform.log_channel_message(target, answer)
    return 200, answer


def _channel_send(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    return _guild_send(ctx, body, "channel", ctx.params["channel_id"])


def _dm_send(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    gid = ctx.params["guild_id"]
    status, data = _guild_send(ctx, body, "dms", gid)
    dm = ctx.platform.dm_sessions.get(gid)
    data["guild_id"] = gid
    data["channel_id"] = dm[0] if dm else ""
    data["direct_message"] = True
    return status, data


def _v2_scene(ctx: _Ctx) -> tuple[str, str]:
    if "group_openid" in ctx.params:
        return "group", ctx.params["group_openid"]
    return "c2c", ctx.params["openid"]


def _v2_send(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    data = _obj(body)
    scene, target = _v2_scene(ctx)
    msg_type = data.get("msg_type", 0)
    if type(msg_type) is not int or msg_type not in (0, 1, 2, 3, 4, 6, 7):
        raise _Reply(400, 400, f"invalid msg_type {msg_type!r}")
    if "msg_seq" in data and as_int(data["msg_seq"]) is None:
        raise _Reply(400, 400, "msg_seq must be an integer")
    if msg_type == 6:
        if scene != "c2c":
            raise _Reply(400, 400, "msg_type 6 (input notify) is for single chats (C2C) only")
        notify = data.get("input_notify")
        if not isinstance(notify, dict) or type(notify.get("input_type")) is not int:
            raise _Reply(400, 400, "msg_type 6 needs input_notify {input_type, input_second}")
    if "stream" in data:
        message_id = ev.group_message_id(ctx.platform.rng)
        sent = ctx.platform.stream_frame(ctx.bot.app_id, scene, target, data, message_id, ctx.now)
        return 200, {"id": sent.stream_id, "timestamp": int(ctx.platform.wall(ctx.now))}
    if not ctx.platform.check_msg_seq(scene, target, data):
        raise _Reply(400, DUPLICATE_MSG_SEQ_CODE, "消息被去重，请检查请求msgseq")
    held = ctx.platform.take_audit(ctx.bot.app_id, scene, target, data, ctx.now)
    if held is not None:
        return ctx.platform.audit_status, ctx.platform.audit_answer(held)
    message_id = ev.group_message_id(ctx.platform.rng)
    ctx.platform.record_sent(ctx.bot.app_id, scene, target, data, message_id, ctx.now)
    return 200, {"id": message_id, "timestamp": int(ctx.platform.wall(ctx.now))}


def _upload(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    data = _obj(body)
    scene, target = _v2_scene(ctx)
    platform = ctx.platform
    srv = data.get("srv_send_msg") is True
    file_bytes: bytes | None = None
    file_type: Any
    upload_id: str | None = None
    file_name: str | None = None
    url, file_data = data.get("url"), data.get("file_data")
    if "upload_id" in data and "file_type" not in data:
        upload, file_bytes = platform.complete_upload(
            ctx.bot.app_id, scene, target, data["upload_id"], ctx.now
        )
        file_type, upload_id, file_name = upload.file_type, upload.upload_id, upload.file_name
    else:
        file_type = data.get("file_type")
        if type(file_type) is not int or file_type not in (1, 2, 3, 4):
            raise _Reply(
                400, 850019, "file_type must be 1 (image), 2 (video), 3 (voice) or 4 (file)"
            )
        if not url and not file_data:
            raise _Reply(400, 850019, "url or file_data is required")
        if file_data:
            if not isinstance(file_data, str):
                raise _Reply(400, 850019, "file_data must be base64 text")
            try:
                file_bytes = base64.b64decode(file_data, validate=True)
            except ValueError:
                raise _Reply(400, 850019, "file_data is not valid base64") from None
    file_info = platform.file_info(scene)
    platform.uploads.append(
        UploadRecord(
            ctx.now,
            ctx.bot.app_id,
            scene,
            target,
            file_type,
            url if isinstance(url, str) else None,
            srv,
            bool(file_data),
            file_info,
            file_bytes,
            upload_id,
            file_name,
        )
    )
    answer: dict[str, Any] = {"file_uuid": platform.new_id(), "file_info": file_info, "ttl": 0}
    if srv:
        message_id = ev.group_message_id(platform.rng)
        media = {"msg_type": 7, "media": {"file_info": file_info}}
        platform.record_sent(ctx.bot.app_id, scene, target, media, message_id, ctx.now)
        answer["id"] = message_id
    return 200, answer


def _upload_prepare(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    scene, target = _v2_scene(ctx)
    return 200, ctx.platform.upload_prepare(ctx.bot.app_id, scene, target, _obj(body))


def _upload_part_finish(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    scene, target = _v2_scene(ctx)
    ctx.platform.upload_part_finish(ctx.bot.app_id, scene, target, _obj(body))
    return 200, {}


def _setting_guide(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    params = ctx.params
    scene, target = (
        ("channel", params["channel_id"])
        if "channel_id" in params
        else (
            "dms",
            params["guild_id"],
        )
    )
    data = _obj(body)
    ctx.platform.setting_guides.append(
        SettingGuideRecord(ctx.now, ctx.bot.app_id, scene, target, data)
    )
    return 204, None


_WEBHOOK_SESSIONS = "/gateway/webhook/sessions"


def _webhook_session_create(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    data = _obj(body)
    intents, shards, url = data.get("intents"), data.get("shards"), data.get("callback_url")
    if (
        type(intents) is not int
        or not isinstance(url, str)
        or not url
        or not isinstance(shards, list)
        or len(shards) != 2
        or not all(type(n) is int for n in shards)
        or not 0 <= shards[0] < shards[1]
    ):
        raise _Reply(400, 400, "intents, shards [shard_id, shard_count] and callback_url needed")
    session_id = ctx.platform.new_id()
    ctx.platform.webhook_sessions[session_id] = {
        "app_id": int(ctx.bot.app_id) if ctx.bot.app_id.isdigit() else ctx.bot.app_id,
        "session_id": session_id,
        "callback_url": url,
        "env": "sim",
        "intents": intents,
        "last_heartbeat_time": ev.rfc3339(ctx.platform.wall(ctx.now)),
        "state": "active",
        "shards": list(shards),
    }
    bot = {"id": ctx.bot.user_id, "username": ctx.bot.username}
    return 200, {"version": 1, "session_id": session_id, "bot": bot, "shard": list(shards)}


def _webhook_sessions(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    if ctx.request.method.upper() == "PATCH" and ctx.query.get("action") != "check":
        raise _Reply(400, 400, "PATCH /gateway/webhook/sessions needs ?action=check")
    return 200, [dict(s) for s in ctx.platform.webhook_sessions.values()]


def _webhook_session_delete(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    if ctx.platform.webhook_sessions.pop(ctx.params["session_id"], None) is None:
        raise _Reply(404, 404, "session not found")
    return 204, None


COS_PREFIX = "/cos/"
"""Where presigned part URLs point (outside the API: no token needed)."""


def _cos(
    platform: Platform, request: RestRequest, method: str, path: str, query: Any, now: float
) -> tuple[int, Any]:
    """A PUT of one part's bytes to its presigned URL (``/cos/<upload_id>/<index>?sign=``)."""
    if method != "PUT":
        return 405, _error_body(405, "method not allowed", "")
    pieces = path[len(COS_PREFIX) :].split("/")
    if len(pieces) != 2:
        return 404, _error_body(404, "no such upload part", "")
    try:
        platform.put_part(
            unquote(pieces[0]),
            pieces[1],
            query.get("sign"),
            request.body,
            now,
            authorization=request.header("authorization") is not None,
        )
    except PlatformRefusal as exc:
        return exc.status, _error_body(exc.code, exc.message, "")
    return 200, None


def _recall(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    params = ctx.params
    if "channel_id" in params:
        scene, target = "channel", params["channel_id"]
    elif "guild_id" in params:
        scene, target = "dms", params["guild_id"]
    else:
        scene, target = _v2_scene(ctx)
    ctx.platform.recalls.append(
        RecallRecord(ctx.now, ctx.bot.app_id, scene, target, params["message_id"])
    )
    return 200, {}


def _interaction(ctx: _Ctx, body: Any) -> tuple[int, Any]:
    data = _obj(body)
    ctx.platform.interaction_acks.append(
        InteractionAck(ctx.now, ctx.bot.app_id, ctx.params["interaction_id"], data.get("code"))
    )
    return 204, None


@functools.cache
def _canned_answers() -> Mapping[str, bytes]:
    """Answers of documented routes, from the official docs' examples, as JSON text by key.

    Package data ``qqproto/sim/canned.json``, made from ``tests/fixtures/rest/*.response.json``
    (``tencent-connect/bot-docs`` at ``645787a``, 2025-04-21). Keys follow the fixture names:
    ``METHOD_path`` with ``/`` as ``_`` and ``{param}`` as ``param``, plus an optional
    ``.variant``. Each answer is kept as text so that every request gets a fresh copy.
    """
    text = resources.files("qqproto.sim").joinpath("canned.json").read_text(encoding="utf-8")
    return {key: dumps(value) for key, value in loads(text).items()}


def _canned(method: str, route: str, params: Mapping[str, str]) -> tuple[int, Any]:
    key = method + "_" + route.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    answer = _canned_answers().get(key)
    if answer is not None:
        return 200, loads(answer)
    if method == "DELETE":
        return 204, None
    if method == "GET" and (route.endswith("s") or route.endswith("members")):
        return 200, []
    return 200, {}


# --------------------------------------------------------------------------------------------
# Routes

_HANDLED: dict[str, _Handler] = {  # catalogue route name: handler
    "get_gateway": _gateway,
    "get_ws_url": _gateway_bot,
    "me": _me,
    "me_guilds": _my_guilds,
    "create_dms": _create_dms,
    "get_guild": _get_guild,
    "get_channels": _get_channels,
    "get_channel": _get_channel,
    "post_message": _channel_send,
    "get_message": _get_message,
    "recall_message": _recall,
    "post_dms": _dm_send,
    "recall_dms": _recall,
    "post_group_message": _v2_send,
    "post_c2c_message": _v2_send,
    "recall_group_message": _recall,
    "recall_c2c_message": _recall,
    "post_group_file": _upload,
    "post_c2c_file": _upload,
    "on_interaction_result": _interaction,
}

_BY_TEMPLATE: dict[tuple[str, str], _Handler] = {  # (method, template): handler
    ("GET", "/channels/{channel_id}/messages"): _get_messages,
    ("POST", "/v2/groups/{group_openid}/upload_prepare"): _upload_prepare,
    ("POST", "/v2/users/{openid}/upload_prepare"): _upload_prepare,
    ("POST", "/v2/groups/{group_openid}/upload_part_finish"): _upload_part_finish,
    ("POST", "/v2/users/{openid}/upload_part_finish"): _upload_part_finish,
    ("POST", "/channels/{channel_id}/settingguide"): _setting_guide,
    ("POST", "/dms/{guild_id}/settingguide"): _setting_guide,
    ("POST", _WEBHOOK_SESSIONS): _webhook_session_create,
    ("GET", _WEBHOOK_SESSIONS): _webhook_sessions,
    ("PATCH", _WEBHOOK_SESSIONS): _webhook_sessions,
    ("DELETE", _WEBHOOK_SESSIONS + "/{session_id}"): _webhook_session_delete,
}
"""Handlers keyed by the route itself (these are served whatever the catalogue names them)."""

_SIM_ONLY = (("POST", "/v2/users/{openid}/stream_messages"),)
"""Documented routes that the client's catalogue does not declare."""

_ENDPOINTS = {name: (r.endpoint.method, r.endpoint.template) for name, r in catalogue().items()}
"""``(method, path template)`` of every route of the client's catalogue, by name."""

_HANDLERS: dict[tuple[str, str], _Handler] = {
    **{_ENDPOINTS[name]: handler for name, handler in _HANDLED.items()},
    **_BY_TEMPLATE,
}

ROUTES: tuple[tuple[str, str], ...] = tuple(
    dict.fromkeys([*_HANDLERS, *_ENDPOINTS.values(), *_SIM_ONLY])
)
"""Every ``(method, route template)`` the simulator answers: those of the client's catalogue
(``qqproto.rest.routes()``; the ones it models first) and a few documented ones it lacks."""

_COMPILED: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (method, route, tuple(route.strip("/").split("/"))) for method, route in ROUTES
)
_FIRSTS = frozenset(p[0] for _, _, p in _COMPILED if not p[0].startswith("{"))
_LASTS = frozenset(p[-1] for _, _, p in _COMPILED if not p[-1].startswith("{"))


def _by_shape() -> dict[tuple[int, str | None, str | None], list[tuple[str, str, tuple[str, ...]]]]:
    """The templates a path may match, by its segment count, first and last segment (None: a
    segment no template has as a literal there), in route order."""
    index: dict[tuple[int, str | None, str | None], list[tuple[str, str, tuple[str, ...]]]] = {}
    for template in _COMPILED:
        parts = template[2]
        heads = (*_FIRSTS, None) if parts[0].startswith("{") else (parts[0],)
        tails = (*_LASTS, None) if parts[-1].startswith("{") else (parts[-1],)
        for head in heads:
            for tail in tails:
                index.setdefault((len(parts), head, tail), []).append(template)
    return index


_BY_SHAPE = _by_shape()


def _match(method: str, path: str) -> tuple[str | None, dict[str, str], bool]:
    """``(route, params, path_known)`` for a request; route None when nothing matches."""
    segments = [unquote(s) for s in path.strip("/").split("/")]
    first = segments[0] if segments[0] in _FIRSTS else None
    last = segments[-1] if segments[-1] in _LASTS else None
    known = False
    best: tuple[int, str, dict[str, str]] | None = None
    for want_method, route, parts in _BY_SHAPE.get((len(segments), first, last), ()):
        found = match_parts(parts, segments)
        if found is not None:
            known = True
            if want_method == method and (best is None or found[0] > best[0]):
                best = (found[0], route, found[1])
    if best is None:
        return None, {}, known
    return best[1], best[2], known


def match_parts(parts: Sequence[str], segments: Sequence[str]) -> tuple[int, dict[str, str]] | None:
    """``(literal segments, params)`` when a route template's ``parts`` match ``segments``."""
    if len(parts) != len(segments):
        return None
    params: dict[str, str] = {}
    literal = 0
    for part, seg in zip(parts, segments, strict=True):
        if part.startswith("{"):
            if not seg:
                return None
            params[part[1:-1]] = seg
        elif part != seg:
            return None
        else:
            literal += 1
    return literal, params
