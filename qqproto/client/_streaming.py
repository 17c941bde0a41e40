"""Streamed C2C replies: an answer shown while it is generated (LLM bots), sent as stream frames.

:func:`reply_stream` reads text chunks from an (async or plain) iterator in a task of its own
and sends them as the frames of ONE passive reply to a :class:`~qqproto.models.C2CMessage`:
``POST /v2/users/{openid}/messages`` with ``stream: {"state", "index", "id"?}``. Chunks that
arrive faster than ``min_interval`` (the platform asks for 300 ms between frames) are joined
into one frame; the first frame's answer gives the stream id every later frame carries; the
iterator's end sends the closing frame (state 10). Time comes from the client's ``Io`` (the
virtual clock in tests), never from the loop directly.

Each frame carries the text new since the last frame by default; ``cumulative=True`` sends
the whole text so far instead [UNCERTAIN: SDKs differ on which one the platform expects].
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

import msgspec

from qqproto._errors import ApiError, RemoteProtocolError, StreamError, TransportError
from qqproto.client._io import Io
from qqproto.models import C2CMessage, MessageSendResult
from qqproto.outgoing._message import MessageStream, StreamState
from qqproto.rest._call import Call
from qqproto.rest._messages import MessageRoutes

__all__ = ["STREAM_MIN_INTERVAL", "StreamError", "StreamResult", "reply_stream"]

STREAM_MIN_INTERVAL = 0.3
"""Seconds the platform asks for between two frames of one stream."""

PACE_MARGIN = 0.001
"""Seconds added to ``min_interval`` so that clock granularity and float rounding (``t + 0.3 -
t`` may be 0.29999…) never make two frames look too close to the platform."""

GENERATING = StreamState.GENERATING
"""``stream.state`` of a frame while the body is still being generated."""
FINISHED = StreamState.FINISHED
"""``stream.state`` of the frame that closes the body."""


class StreamResult(msgspec.Struct, frozen=True, kw_only=True):
    """What :func:`reply_stream` sent: the stream ``id`` (None when nothing was sent: the chunks
    held no text), the whole ``text``, the number of ``frames`` and the closing frame's answer
    (``last``)."""

    id: str | None
    text: str
    frames: int
    last: MessageSendResult | None


def io_of(api: object) -> Io:
    """The ``Io`` of the client whose ``BotApi`` is ``api`` (its clock paces the frames)."""
    io = getattr(api, "io", None)
    if io is None:
        raise TypeError(
            f"ctx.api must be the client's BotApi (its Io paces the frames), not {api!r}"
        )
    result: Io = io
    return result


def _target(message: object) -> tuple[str, str]:
    """``(user openid, message id)`` of the C2C message to answer, or a TypeError/ValueError."""
    if not isinstance(message, C2CMessage):
        raise TypeError(
            "only C2C (single chat) messages can be answered with a stream, not "
            f"{type(message).__name__}; reply to other scenes with ctx.reply"
        )
    openid = message.author.user_openid if message.author is not None else None
    if not openid:
        raise ValueError("the C2C message has no author.user_openid to stream the reply to")
    if not message.id:
        raise ValueError("the C2C message has no id: a stream is a passive reply and needs it")
    return openid, message.id


class _Chunks:
    """The text read from the chunk iterator and not sent yet, filled by a task of its own."""

    def __init__(self, io: Io) -> None:
        self.io = io
        self.pending: list[str] = []
        self.done = False
        """The iterator ended (exhausted or raised)."""
        self.error: Exception | None = None
        """What the iterator raised (re-raised once the stream is closed)."""
        self.ended = False
        """The iterator itself ended (exhausted or raised), rather than being cancelled."""
        self._wake = io.create_event()

    def take(self) -> str:
        text = "".join(self.pending)
        self.pending.clear()
        return text

    async def changed(self) -> None:
        """Return once there is text to send or the iterator has ended."""
        while not self.pending and not self.done:
            self._wake = self.io.create_event()
            await self._wake.wait()

    def _add(self, chunk: object) -> None:
        if not isinstance(chunk, str):
            raise TypeError(f"stream chunks must be str, got {type(chunk).__name__}")
        if chunk:
            self.pending.append(chunk)
            self._wake.set()

    async def fill(self, chunks: Iterator[object] | AsyncIterator[object]) -> None:
        try:
            if isinstance(chunks, AsyncIterator):
                async for chunk in chunks:
                    self._add(chunk)
            else:
                for chunk in chunks:
                    self._add(chunk)
                    await self.io.sleep_until(self.io.now())  # let a frame go between chunks
            self.ended = True
        except Exception as exc:  # closes the stream with the text so far, then re-raised
            self.error = exc
            self.ended = True
        finally:
            self.done = True
            self._wake.set()


class _Frames:
    """Sends the frames of one stream: indexes, stream id, ``msg_seq``, pacing."""

    def __init__(
        self,
        ctx: Any,
        openid: str,
        msg_id: str,
        *,
        markdown: bool,
        cumulative: bool,
        min_interval: float,
        io: Io,
    ) -> None:
        self.ctx = ctx
        self.openid = openid
        self.msg_id = msg_id
        self.markdown = markdown
        self.cumulative = cumulative
        self.min_interval = min_interval
        self.io = io
        self.text = ""
        """The text of the frames sent so far."""
        self.index = 0
        self.id: str | None = None
        self.last: MessageSendResult | None = None
        self.last_at: float | None = None

    async def pace(self) -> None:
        """Wait until the next frame may go (``min_interval`` after the last one's answer)."""
        if self.last_at is not None and self.min_interval > 0:
            due = self.last_at + self.min_interval + PACE_MARGIN
            if due > self.io.now():
                await self.io.sleep_until(due)

    def payload(self, text: str, state: StreamState) -> dict[str, Any]:
        body = self.text + text if self.cumulative else text
        stream = MessageStream(state, self.index + 1, self.id).to_json()
        payload: dict[str, Any]
        if self.markdown:
            payload = {"msg_type": 2, "markdown": {"content": body}}
        else:
            payload = {"msg_type": 0, "content": body}
        payload["msg_id"] = self.msg_id
        payload["msg_seq"] = self.ctx.replies.next_seq(self.msg_id)
        payload["stream"] = stream
        return payload

    async def send(self, text: str, state: StreamState) -> None:
        request = MessageRoutes.post_c2c_message.endpoint.request(
            self.openid, json=self.payload(text, state)
        )
        try:
            result: MessageSendResult = await self.ctx.api.request(
                Call(request, MessageSendResult.parse)
            )
            if self.id is None and state != FINISHED and not result.id:
                raise RemoteProtocolError(
                    "the first frame's answer has no id: later frames cannot name the stream"
                )
        except (ApiError, TransportError, RemoteProtocolError) as exc:
            raise StreamError(
                f"frame {self.index + 1} of the streamed reply to {self.msg_id} failed "
                f"({type(exc).__name__}: {exc}); {self.index} frame(s) were sent",
                stream_id=self.id,
                text=self.text,
                frames=self.index,
            ) from exc
        self.index += 1
        self.text += text
        self.last = result
        if self.id is None:
            self.id = result.id
        self.last_at = self.io.now()

    async def run(self, chunks: _Chunks) -> None:
        """Send frames as text comes, then the closing frame once the iterator has ended."""
        while True:
            await chunks.changed()
            if chunks.done:
                break
            await self.pace()
            if chunks.done:  # the iterator ended while we waited: its text closes the stream
                break
            await self.send(chunks.take(), GENERATING)
        await self.pace()
        text = chunks.take()
        if self.index == 0 and not text:
            return  # no text at all: nothing was opened, nothing to close
        await self.send(text, FINISHED)


def _iterate(chunks: object) -> Iterator[object] | AsyncIterator[object]:
    if isinstance(chunks, (str, bytes)):
        raise TypeError(
            "reply_stream takes an iterator of text chunks, not one string; "
            "send one message with ctx.reply"
        )
    if isinstance(chunks, AsyncIterable):
        return aiter(chunks)
    if isinstance(chunks, Iterable):
        return iter(chunks)
    raise TypeError(
        f"reply_stream takes an (async) iterator of str chunks, not {type(chunks).__name__}"
    )


async def _close(source: Iterator[object] | AsyncIterator[object]) -> None:
    """Close an iterator left unfinished (a generator's ``finally`` blocks run)."""
    if isinstance(source, AsyncIterator):
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()
    else:
        close = getattr(source, "close", None)
        if close is not None:
            close()


async def reply_stream(
    ctx: Any,
    message: C2CMessage,
    chunks: AsyncIterable[str] | Iterable[str],
    *,
    markdown: bool = False,
    cumulative: bool = False,
    min_interval: float = STREAM_MIN_INTERVAL,
) -> StreamResult:
    """Answer the C2C ``message`` with the text of ``chunks``, shown as it comes (one stream).

    ``chunks`` is an async iterator (an LLM's token stream) or a plain iterable of ``str``;
    empty chunks are skipped. Text is sent as soon as the last frame is ``min_interval``
    seconds old, chunks that came meanwhile joined into one frame; when ``chunks`` ends, a
    closing frame (state 10) carries what is left (possibly nothing). ``markdown=True`` sends
    markdown frames (``msg_type`` 2), else text; ``cumulative=True`` puts the whole text so far
    in every frame instead of the new text only.

    Returns a :class:`StreamResult`. If ``chunks`` raises, the stream is closed with the text
    it produced and the error is raised again. If a frame cannot be sent, the iterator is
    closed and :class:`StreamError` raised (``stream_id``, ``text``, ``frames``). Chunks
    holding no text at all send nothing. ``TypeError`` for a message that is not a
    :class:`~qqproto.models.C2CMessage` (only single chats stream), ``ValueError`` for a
    negative ``min_interval``.
    """
    openid, msg_id = _target(message)
    if not min_interval >= 0:
        raise ValueError(f"min_interval must be >= 0 seconds, got {min_interval!r}")
    source = _iterate(chunks)
    io = io_of(ctx.api)
    reader = _Chunks(io)
    frames = _Frames(
        ctx,
        openid,
        msg_id,
        markdown=markdown,
        cumulative=cumulative,
        min_interval=min_interval,
        io=io,
    )
    failure: StreamError | None = None
    try:
        async with io.open_task_group() as group:
            group.start_soon(reader.fill, source)
            try:
                await frames.run(reader)
            except StreamError as exc:
                failure = exc
                group.cancel()
    finally:
        if not reader.ended:  # a failed send or a cancellation interrupted the iterator
            await _close(source)
    if failure is not None:
        raise failure
    if reader.error is not None:
        raise reader.error
    return StreamResult(id=frames.id, text=frames.text, frames=frames.index, last=frames.last)
