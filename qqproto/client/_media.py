"""Rich media: upload a file for a group or single chat, and reply with it in one call.

:func:`upload_media` turns a URL, bytes or a path into the ``file_info`` of the group or C2C
``/files`` route, choosing how (:func:`choose_strategy`): a URL is passed as ``url``; bytes and
files up to ``threshold`` (10 MiB by default) go as base64 ``file_data``; larger ones take the
chunked upload [UNCERTAIN: extension routes, field names as NoneBot uses them]:
``upload_prepare`` (with the file's md5, sha1 and ``md5_10m``, the md5 of its first
10 * 1024 * 1024 bytes), a raw ``PUT`` of each part to its presigned object-storage URL (through
:meth:`BotApi.send_raw <qqproto.client.BotApi.send_raw>`: never with the bot's token), an
``upload_part_finish`` per part, and the ``/files`` call with the ``upload_id``.

Parts are sent ``concurrency`` at a time (the answer's ``upload_config``); a failed part is tried
again every ``retry_delay`` seconds until ``retry_timeout`` seconds have passed since its first
try, on the ``Io``'s clock. When a part still fails, the other parts in flight finish, no new one
starts, and :class:`ChunkedUploadError` is raised; its :attr:`~ChunkedUploadError.resume`
(a :class:`ChunkedUploadState`) passed back as ``resume=`` sends only the parts not yet finished,
under the same ``upload_id``.

The ``Io`` has no way to run blocking work in a thread, so a file is never read whole on the
loop: hashing reads it 1 MiB at a time and yields to the loop between reads, and each part is
read from disk just before it is sent. :meth:`Context.reply <qqproto.client.Context.reply>`
uses :func:`reply_with_media` for its ``image=``, ``video=``, ``voice=`` and ``file=`` keywords.
"""

from __future__ import annotations

import enum
import hashlib
import os
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from msgspec.structs import replace

from qqproto._errors import (
    ApiError,
    ChunkedUploadError,
    PresignedPutError,
    QQError,
    RateLimitedError,
    RemoteProtocolError,
    ServerError,
    TransportError,
)
from qqproto.models import MediaUploadResult, MessageSendResult, UploadPrepareResult
from qqproto.outgoing._message import Media, OutgoingMessage, Scene
from qqproto.outgoing._replies import ReplySequencer, reply_target
from qqproto.rest._call import Call

if TYPE_CHECKING:
    from qqproto.client._http_pool import BotApi
    from qqproto.client._io import Io

__all__ = [
    "DEFAULT_CHUNKED_THRESHOLD",
    "MD5_10M_SIZE",
    "ChunkedUploadError",
    "ChunkedUploadState",
    "FileType",
    "MediaSource",
    "PartPlan",
    "PresignedPutError",
    "Progress",
    "Strategy",
    "choose_strategy",
    "next_try_at",
    "plan_parts",
    "reply_with_media",
    "upload_media",
]

DEFAULT_CHUNKED_THRESHOLD = 10 * 1024 * 1024
"""Files larger than this (10 MiB) take the chunked upload; base64 bodies over about 30 MB get
HTTP 413 from the platform."""

MD5_10M_SIZE = 10 * 1024 * 1024
"""``md5_10m`` is the md5 of the first 10 * 1024 * 1024 bytes (as NoneBot computes it; whether
the platform means 10,000,000 is not documented)."""

READ_CHUNK = 1024 * 1024
"""How much of a file is read (and hashed) between two yields to the loop."""

DEFAULT_CONCURRENCY = 1
DEFAULT_RETRY_TIMEOUT = 30.0
DEFAULT_RETRY_DELAY = 1.0
"""Used when ``upload_prepare``'s answer leaves the setting out (our choice, not the platform's)."""

MAX_CONCURRENCY = 16
MAX_TRIES = 100
"""At most this many tries per part, whatever ``retry_timeout`` allows (a zero ``retry_delay``
would otherwise spin)."""

MediaSource = str | os.PathLike[str] | bytes | bytearray | memoryview
"""What can be uploaded: an ``http(s)://`` URL, a path (``str`` or ``PathLike``), or bytes."""


class Progress(Protocol):
    """``progress(sent_bytes, total_bytes)``, called on the loop as parts are acknowledged."""

    def __call__(self, sent: int, total: int, /) -> object: ...


class FileType(enum.IntEnum):
    """``file_type`` of the group/C2C ``/files`` route."""

    IMAGE = 1
    VIDEO = 2
    VOICE = 3
    """silk audio"""
    FILE = 4


class Strategy(enum.Enum):
    """How a file is uploaded."""

    URL = "url"
    BASE64 = "base64"
    CHUNKED = "chunked"


_KEYWORDS: Mapping[str, FileType] = {
    "image": FileType.IMAGE,
    "video": FileType.VIDEO,
    "voice": FileType.VOICE,
    "file": FileType.FILE,
}
"""``Context.reply``'s media keywords."""

_DEFAULT_NAMES = {
    FileType.IMAGE: "image.png",
    FileType.VIDEO: "video.mp4",
    FileType.VOICE: "voice.silk",
    FileType.FILE: "file.bin",
}


# -- the pure part: strategy, part plan, retry timing ------------------------------------------


def is_url(data: object) -> bool:
    """Whether ``data`` is an ``http://`` or ``https://`` URL string (else a path or bytes)."""
    return isinstance(data, str) and data[:8].lower().startswith(("http://", "https://"))


def choose_strategy(data: object, size: int | None, threshold: int) -> Strategy:
    """URL for an ``http(s)://`` string; base64 up to ``threshold`` bytes; chunked above."""
    if threshold < 0:
        raise ValueError(f"threshold must be >= 0 bytes, got {threshold}")
    if is_url(data):
        return Strategy.URL
    if size is None:
        raise ValueError("the size of a path or bytes is needed to choose how to upload it")
    return Strategy.BASE64 if size <= threshold else Strategy.CHUNKED


@dataclass(frozen=True, slots=True)
class PartPlan:
    """One part of a chunked upload: ``index`` (the platform's, reported in part finish),
    ``url`` (presigned), and the bytes ``[start, end)`` of the file it carries."""

    index: int
    url: str = field(repr=False)
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


def plan_parts(size: int, prepared: UploadPrepareResult) -> tuple[PartPlan, ...]:
    """The parts of ``prepared`` in their order: the i-th carries bytes
    ``[i * block_size, (i + 1) * block_size)`` of a ``size``-byte file. Raises
    :class:`RemoteProtocolError` when the answer lacks what is needed or its parts do not
    cover the file exactly."""
    block = prepared.block_size
    if block is None or block <= 0:
        raise RemoteProtocolError(f"upload_prepare answered block_size {block!r}")
    parts = prepared.parts or ()
    needed = -(-size // block)
    if len(parts) != needed:
        raise RemoteProtocolError(
            f"upload_prepare answered {len(parts)} parts for {size} bytes in blocks of {block} "
            f"(expected {needed})"
        )
    plan = []
    for i, part in enumerate(parts):
        if part.index is None or not part.presigned_url:
            raise RemoteProtocolError(f"upload_prepare's part {i} has no index or presigned_url")
        plan.append(PartPlan(part.index, part.presigned_url, i * block, min((i + 1) * block, size)))
    return tuple(plan)


def upload_settings(prepared: UploadPrepareResult) -> tuple[int, float, float]:
    """``(concurrency, retry_timeout, retry_delay)`` from the answer (``upload_config``, or the
    older top-level fields), our defaults for what is missing; concurrency kept in 1..16."""
    config = prepared.upload_config
    concurrency = (config.concurrency if config else None) or prepared.concurrency
    timeout = config.retry_timeout if config and config.retry_timeout is not None else None
    if timeout is None:
        timeout = prepared.retry_timeout
    delay = config.retry_delay if config else None
    return (
        max(1, min(MAX_CONCURRENCY, concurrency or DEFAULT_CONCURRENCY)),
        max(0.0, float(DEFAULT_RETRY_TIMEOUT if timeout is None else timeout)),
        max(0.0, float(DEFAULT_RETRY_DELAY if delay is None else delay)),
    )


def next_try_at(
    first_try: float, tries: int, retry_timeout: float, retry_delay: float, now: float
) -> float | None:
    """When a part that failed ``tries`` times (the first at ``first_try``) is tried again:
    ``now + retry_delay``, or None (give up) once that is not before ``first_try +
    retry_timeout`` or ``tries`` reached :data:`MAX_TRIES`."""
    at = now + retry_delay
    if tries >= MAX_TRIES or at >= first_try + retry_timeout:
        return None
    return at


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, PresignedPutError):
        return exc.status == 429 or exc.status >= 500
    if isinstance(exc, ApiError):
        return isinstance(exc, (ServerError, RateLimitedError))
    return isinstance(exc, (TransportError, RemoteProtocolError))


# -- sources -----------------------------------------------------------------------------------


class _Source:
    """Bytes or a file, read in ranges."""

    name: str | None
    size: int

    def read(self, start: int, length: int) -> bytes:
        raise NotImplementedError


class _Bytes(_Source):
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._data = data if isinstance(data, bytes) else bytes(data)
        self.name = None
        self.size = len(self._data)

    def read(self, start: int, length: int) -> bytes:
        return self._data[start : start + length]


class _File(_Source):
    def __init__(self, path: str) -> None:
        self._path = path
        self.name = os.path.basename(path) or None
        self.size = os.stat(path).st_size

    def read(self, start: int, length: int) -> bytes:
        with open(self._path, "rb") as f:
            f.seek(start)
            data = f.read(length)
        if len(data) != length:
            raise ValueError(f"{self._path}: the file changed while it was being uploaded")
        return data


def _source(data: object) -> _Source:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _Bytes(data)
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        return _File(path if isinstance(path, str) else os.fsdecode(path))
    raise TypeError(
        "media must be an http(s) URL string, a path (str or os.PathLike) or bytes, "
        f"not {type(data).__name__}"
    )


async def _yield(io: Io) -> None:
    await io.sleep_until(io.now())


async def _read_all(io: Io, source: _Source) -> bytes:
    if isinstance(source, _Bytes):
        return source.read(0, source.size)
    chunks = []
    for start in range(0, source.size, READ_CHUNK):
        chunks.append(source.read(start, min(READ_CHUNK, source.size - start)))
        await _yield(io)
    return b"".join(chunks)


async def _digests(io: Io, source: _Source) -> tuple[str, str, str]:
    """md5, sha1 and md5_10m (hex) of the whole source, 1 MiB at a time between yields."""
    md5, sha1, md5_10m = hashlib.md5(), hashlib.sha1(), hashlib.md5()
    for start in range(0, source.size, READ_CHUNK):
        chunk = source.read(start, min(READ_CHUNK, source.size - start))
        md5.update(chunk)
        sha1.update(chunk)
        if start < MD5_10M_SIZE:
            md5_10m.update(chunk[: MD5_10M_SIZE - start])
        await _yield(io)
    return md5.hexdigest(), sha1.hexdigest(), md5_10m.hexdigest()


# -- the resumable state -------------------------------------------------------------------------


@dataclass(slots=True)
class ChunkedUploadState:
    """Where a chunked upload stands: what ``upload_prepare`` answered and which parts
    (positions in :attr:`parts`) are finished. Pass it back as ``resume=`` after a
    :class:`ChunkedUploadError` (the presigned URLs may expire: resume soon)."""

    scene: Scene
    target_id: str
    file_type: FileType
    file_name: str
    size: int
    upload_id: str
    parts: tuple[PartPlan, ...] = field(repr=False)
    concurrency: int = DEFAULT_CONCURRENCY
    retry_timeout: float = DEFAULT_RETRY_TIMEOUT
    retry_delay: float = DEFAULT_RETRY_DELAY
    finished: set[int] = field(default_factory=set)

    @property
    def sent_bytes(self) -> int:
        """Bytes of the finished parts."""
        return sum(self.parts[i].length for i in self.finished)

    @property
    def remaining(self) -> list[int]:
        """Positions of the parts not finished yet, in order."""
        return [i for i in range(len(self.parts)) if i not in self.finished]


# -- IO: uploading ------------------------------------------------------------------------------


def _api_of(target: Any) -> BotApi:
    api = getattr(target, "api", target)  # a Context, or the BotApi itself
    if not hasattr(api, "send_raw"):
        raise TypeError(f"upload_media needs a Context or a BotApi, not {type(target).__name__}")
    return api  # type: ignore[no-any-return]


def _v2_scene(scene: Scene | str) -> Scene:
    try:
        value = scene if isinstance(scene, Scene) else Scene(scene)
    except ValueError:
        raise ValueError(f"scene must be 'group' or 'c2c', not {scene!r}") from None
    if not value.is_v2:
        raise ValueError(
            f"there is no upload route in a {value.value}: send the image with the message "
            "(OutgoingMessage image= URL or file_image= bytes, or ctx.reply(event, image=...))"
        )
    return value


def _file_info(result: MediaUploadResult, what: str) -> MediaUploadResult:
    if not result.file_info:
        raise RemoteProtocolError(f"{what} answered without file_info")
    return result


async def upload_media(
    api: Any,
    scene: Scene | str,
    target_id: str,
    data: MediaSource,
    file_type: FileType | int = FileType.IMAGE,
    *,
    file_name: str | None = None,
    threshold: int = DEFAULT_CHUNKED_THRESHOLD,
    progress: Progress | None = None,
    resume: ChunkedUploadState | None = None,
) -> MediaUploadResult:
    """Upload ``data`` for ``target_id`` (a group openid, or a user openid for ``"c2c"``) and
    return the answer whose ``file_info`` a message's ``media`` carries (in that scene only).

    ``api`` is a ``Context`` or the ``BotApi``. ``data`` is an ``http(s)://`` URL, a path or
    bytes; ``file_type`` 1 image, 2 video, 3 silk voice, 4 file. See the module docstring for
    the strategy and ``threshold``. ``progress(sent, total)`` is called for bytes and paths: at
    the start (with what is already sent) and after each finished part (base64: at the end).
    ``file_name`` (default: the path's name, else by ``file_type``) goes to the chunked upload.
    ``resume`` continues a :class:`ChunkedUploadError`'s upload, given the same ``data``.

    Raises ``TypeError``/``ValueError`` for misuse, ``OSError`` for a path that cannot be read,
    the REST errors of the routes, and :class:`ChunkedUploadError` once a chunked upload has
    begun and fails."""
    bot_api = _api_of(api)
    where = _v2_scene(scene)
    kind = FileType(file_type)
    if not isinstance(target_id, str) or not target_id:
        raise ValueError("target_id must be the non-empty group openid or user openid")
    if is_url(data):
        if resume is not None:
            raise ValueError("resume= continues a chunked upload of bytes or a file, not a URL")
        result = await _post_file(bot_api, where, target_id, kind, url=str(data))
        return _file_info(result, "the upload")
    source = _source(data)
    if source.size == 0:
        raise ValueError("the media is empty (0 bytes)")
    io = bot_api.io
    if resume is not None:
        _check_resume(resume, where, target_id, kind, source.size)
    elif choose_strategy(data, source.size, threshold) is Strategy.BASE64:
        if progress is not None:
            progress(0, source.size)
        content = await _read_all(io, source)
        result = await _post_file(bot_api, where, target_id, kind, file_data=content)
        if progress is not None:
            progress(source.size, source.size)
        return _file_info(result, "the upload")
    state = resume or await _prepare(
        bot_api, where, target_id, kind, source, file_name or source.name or _DEFAULT_NAMES[kind]
    )
    return await _finish_chunked(bot_api, state, source, progress)


def _check_resume(
    state: ChunkedUploadState, scene: Scene, target: str, kind: FileType, size: int
) -> None:
    if not isinstance(state, ChunkedUploadState):
        raise TypeError(
            "resume= takes the ChunkedUploadState of a ChunkedUploadError (error.resume)"
        )
    if (state.scene, state.target_id, state.file_type, state.size) != (scene, target, kind, size):
        raise ValueError(
            "resume= belongs to another upload: scene, target, file_type and size must be those "
            f"of the failed one ({state.scene.value} {state.target_id}, {state.file_type.name}, "
            f"{state.size} bytes)"
        )


async def _post_file(
    api: BotApi,
    scene: Scene,
    target: str,
    kind: FileType,
    *,
    url: str | None = None,
    file_data: bytes | None = None,
) -> MediaUploadResult:
    route = api.post_group_file if scene is Scene.GROUP else api.post_c2c_file
    if url is not None:
        return await route(target, int(kind), url=url, srv_send_msg=False)
    return await route(target, int(kind), srv_send_msg=False, file_data=file_data)


async def _prepare(
    api: BotApi, scene: Scene, target: str, kind: FileType, source: _Source, name: str
) -> ChunkedUploadState:
    md5, sha1, md5_10m = await _digests(api.io, source)
    route = api.group_upload_prepare if scene is Scene.GROUP else api.c2c_upload_prepare
    prepared = await route(
        target, int(kind), name, source.size, md5=md5, sha1=sha1, md5_10m=md5_10m
    )
    if not prepared.upload_id:
        raise RemoteProtocolError("upload_prepare answered without upload_id")
    concurrency, retry_timeout, retry_delay = upload_settings(prepared)
    return ChunkedUploadState(
        scene=scene,
        target_id=target,
        file_type=kind,
        file_name=name,
        size=source.size,
        upload_id=prepared.upload_id,
        parts=plan_parts(source.size, prepared),
        concurrency=concurrency,
        retry_timeout=retry_timeout,
        retry_delay=retry_delay,
    )


class _PartFailed(Exception):
    def __init__(self, position: int, tries: int, error: BaseException) -> None:
        self.position, self.tries, self.error = position, tries, error


async def _send_part(
    api: BotApi, state: ChunkedUploadState, source: _Source, position: int
) -> None:
    """PUT one part and report it, trying again as ``upload_config`` says."""
    io = api.io
    part = state.parts[position]
    finish = (
        api.group_upload_part_finish if state.scene is Scene.GROUP else api.c2c_upload_part_finish
    )
    first = io.now()
    tries = 0
    while True:
        tries += 1
        try:
            data = source.read(part.start, part.length)
            answer = await api.send_raw("PUT", part.url, data)
            if not 200 <= answer.status < 300:
                raise PresignedPutError(
                    f"PUT of part {part.index} to object storage answered {answer.status}",
                    answer.status,
                )
            md5 = hashlib.md5(data).hexdigest()
            await finish(state.target_id, state.upload_id, part.index, part.length, md5)
            return
        except Exception as exc:
            at = next_try_at(first, tries, state.retry_timeout, state.retry_delay, io.now())
            if at is None or not _retryable(exc):
                raise _PartFailed(position, tries, exc) from exc
        await io.sleep_until(at)


async def _finish_chunked(
    api: BotApi, state: ChunkedUploadState, source: _Source, progress: Progress | None
) -> MediaUploadResult:
    pending = deque(state.remaining)
    failures: list[_PartFailed | Exception] = []
    if progress is not None:
        progress(state.sent_bytes, state.size)

    async def worker() -> None:
        while pending and not failures:
            position = pending.popleft()
            try:
                await _send_part(api, state, source, position)
                state.finished.add(position)
                if progress is not None:
                    progress(state.sent_bytes, state.size)
            except Exception as exc:  # kept for the ChunkedUploadError; resumable
                failures.append(exc)
                return

    if pending:
        async with api.io.open_task_group() as group:
            for _ in range(min(state.concurrency, len(pending))):
                group.start_soon(worker)
    done = f"{len(state.finished)} of {len(state.parts)} parts finished"
    if failures:
        failed = failures[0]
        if isinstance(failed, _PartFailed):
            part = state.parts[failed.position]
            tries = "try" if failed.tries == 1 else "tries"
            message = f"part {part.index} failed after {failed.tries} {tries}: {failed.error}"
            cause: BaseException = failed.error
        else:
            message, cause = f"a part failed: {failed}", failed
        raise ChunkedUploadError(
            f"chunked upload {state.upload_id}: {message} ({done}); pass resume=error.resume "
            "to send the rest",
            state,
        ) from cause
    route = api.group_upload_complete if state.scene is Scene.GROUP else api.c2c_upload_complete
    try:
        result = await route(state.target_id, state.upload_id)
    except QQError as exc:
        raise ChunkedUploadError(
            f"chunked upload {state.upload_id}: the last step failed ({done}): {exc}; pass "
            "resume=error.resume to try it again",
            state,
        ) from exc
    return _file_info(result, "the chunked upload's last step")


# -- replies -------------------------------------------------------------------------------------

_IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF8", "image/gif", ".gif"),
    (b"RIFF", "image/webp", ".webp"),
)


def _image_type(data: bytes) -> tuple[str, str]:
    for magic, mime, ext in _IMAGE_TYPES:
        if data.startswith(magic):
            return mime, ext
    return "application/octet-stream", ".png"


def media_keywords(fields: dict[str, Any]) -> dict[str, Any]:
    """Take ``Context.reply``'s media keywords (``image``, ``video``, ``voice``, ``file``,
    ``file_name``, ``progress``, ``threshold``) out of ``fields`` and return those not None
    (``image=None`` is no image)."""
    names = (*_KEYWORDS, "file_name", "progress", "threshold")
    taken = {name: fields.pop(name) for name in names if name in fields}
    return {name: value for name, value in taken.items() if value is not None}


async def reply_with_media(
    api: BotApi,
    replies: ReplySequencer,
    event: object,
    message: OutgoingMessage,
    options: Mapping[str, Any],
) -> MessageSendResult:
    """Reply to ``event`` with ``message`` (its ``content`` the caption) and the one medium of
    ``options`` (:func:`media_keywords`): in a group or single chat, upload it
    (:func:`upload_media`) and send ``msg_type`` 7; in a channel or DM, an image only, as
    ``image`` (URL) or ``file_image`` (bytes or a path's content)."""
    given = [name for name in _KEYWORDS if options.get(name) is not None]
    if len(given) != 1:
        raise ValueError(
            "give exactly one of image=, video=, voice=, file= (a message carries one medium), "
            f"got {', '.join(given) or 'none'}"
        )
    keyword = given[0]
    data = options[keyword]
    file_name = options.get("file_name")
    target = reply_target(event)
    if target.scene.is_v2:
        result = await upload_media(
            api,
            target.scene,
            target.target_id,
            data,
            _KEYWORDS[keyword],
            file_name=file_name,
            threshold=options.get("threshold", DEFAULT_CHUNKED_THRESHOLD),
            progress=options.get("progress"),
        )
        assert result.file_info is not None  # checked by upload_media
        message = replace(message, media=Media(result.file_info))
    elif keyword != "image":
        raise ValueError(
            f"{keyword}= works in groups and single chats only; a {target.scene.value} message "
            "can carry an image only (image= a URL, a path or bytes)"
        )
    elif is_url(data):
        message = replace(message, image=data)
    else:
        content = await _read_all(api.io, _source(data))
        mime, ext = _image_type(content)
        name = file_name or _source_name(data) or f"image{ext}"
        message = replace(message, file_image=content, file_image_name=name, file_image_type=mime)
    request = target.request(message, replies)
    return await api.request(Call(request, MessageSendResult.parse))


def _source_name(data: object) -> str | None:
    if isinstance(data, (str, os.PathLike)):
        return os.path.basename(os.fsdecode(data)) or None
    return None
