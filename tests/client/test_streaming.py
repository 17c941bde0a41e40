"""reply_stream's frame logic on the virtual clock, against a fake BotApi that records frames:
coalescing, indexes, the stream id, the closing frame, pacing and errors."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from _e2e import on_virtual_clock

from qqbot_trio.testing import VirtualIo
from qqproto._errors import ApiError, RemoteProtocolError, ServerError
from qqproto.client._context import Context
from qqproto.client._streaming import PACE_MARGIN, StreamError, StreamResult, reply_stream
from qqproto.models import C2CMessage, C2CMessageAuthor, GroupMessage
from qqproto.rest._call import Call

LATENCY = 0.02
"""Virtual seconds each fake send takes."""


class FakeApi:
    """Answers every frame after :data:`LATENCY` with ``{"id", "timestamp"}``; records
    ``(answered at, JSON body)``; ``fail_at`` (1-based frame) raises ``error`` there."""

    def __init__(
        self,
        io: VirtualIo,
        *,
        fail_at: int | None = None,
        error: Exception | None = None,
        ids: bool = True,
    ) -> None:
        self._pool = SimpleNamespace(io=io)
        self.io = io
        self.frames: list[tuple[float, dict[str, Any]]] = []
        self.routes: list[str] = []
        self.fail_at = fail_at
        self.error = error or ServerError(status=500, code=500, message="boom")
        self.ids = ids

    async def request(self, call: Call[Any]) -> Any:
        await self.io.sleep_until(self.io.now() + LATENCY)
        if self.fail_at is not None and len(self.frames) + 1 == self.fail_at:
            raise self.error
        self.routes.append(call.request.path)
        self.frames.append((self.io.now(), dict(call.request.json)))
        return call.parse({"id": "STREAM" if self.ids else None, "timestamp": 1700000000})

    def bodies(self) -> list[dict[str, Any]]:
        return [body for _, body in self.frames]

    def streams(self) -> list[dict[str, Any]]:
        return [body["stream"] for body in self.bodies()]

    def texts(self) -> list[str]:
        return [b["content"] if "content" in b else b["markdown"]["content"] for b in self.bodies()]


def c2c(msg_id: str = "MSG1", openid: str = "USER1") -> C2CMessage:
    return C2CMessage(id=msg_id, content="hi", author=C2CMessageAuthor(user_openid=openid))


async def paced(io: VirtualIo, parts: Sequence[tuple[float, str]]) -> AsyncIterator[str]:
    """Yield each text after its delay (virtual seconds)."""
    for delay, text in parts:
        await io.sleep_until(io.now() + delay)
        yield text


def check_frames(api: FakeApi, result: StreamResult, *, min_interval: float = 0.3) -> None:
    """The invariants of every stream: indexes 1..n, the id on all but the first, state 1 then
    one closing 10, a fresh msg_seq per frame answering one msg_id, paced frames."""
    streams = api.streams()
    assert [s["index"] for s in streams] == list(range(1, len(streams) + 1))
    assert "id" not in streams[0]
    assert all(s["id"] == "STREAM" for s in streams[1:])
    assert [s["state"] for s in streams] == [1] * (len(streams) - 1) + [10]
    assert [b["msg_seq"] for b in api.bodies()] == list(range(1, len(streams) + 1))
    assert {b["msg_id"] for b in api.bodies()} == {"MSG1"}
    assert set(api.routes) == {"/v2/users/USER1/messages"}
    times = [t for t, _ in api.frames]
    for a, b in itertools.pairwise(times):
        # each send starts min_interval after the previous answer
        assert b - a >= min_interval + LATENCY - 1e-9, times
    assert result.frames == len(streams)
    assert result.id == "STREAM"


@on_virtual_clock
async def test_slow_chunks_go_one_frame_each_and_the_last_closes(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    parts = [(0.0, "Hel"), (0.5, "lo, "), (0.5, "world")]
    result = await reply_stream(ctx, c2c(), paced(io, parts))
    check_frames(api, result)
    assert api.texts() == ["Hel", "lo, ", "world"]  # the end came with "world": one frame
    assert [b["msg_type"] for b in api.bodies()] == [0, 0, 0]
    assert result.text == "Hello, world"
    assert result.last is not None and result.last.id == "STREAM"


@on_virtual_clock
async def test_an_end_after_everything_was_sent_is_an_empty_closing_frame(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    result = await reply_stream(ctx, c2c(), paced(io, [(0.0, "a"), (0.5, "b"), (0.5, "")]))
    check_frames(api, result)
    assert api.texts() == ["a", "b", ""]
    assert result.text == "ab"


@on_virtual_clock
async def test_fast_chunks_are_coalesced_into_paced_frames(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    words = [f"w{i} " for i in range(40)]
    start = io.now()
    result = await reply_stream(ctx, c2c(), paced(io, [(0.05, w) for w in words]))
    elapsed = io.now() - start
    check_frames(api, result)
    assert "".join(api.texts()) == "".join(words) == result.text
    # 2 s of chunks: one frame per ~0.32 s instead of 40, and none waits much past its due time
    assert 6 <= len(api.frames) <= 9, api.texts()
    assert api.texts()[0] == "w0 "  # the first chunk goes at once
    assert elapsed < 2.0 + 0.05 + 0.35 + 2 * LATENCY


@on_virtual_clock
async def test_text_waiting_for_its_frame_goes_without_the_next_chunk(io: VirtualIo) -> None:
    """A chunk that must wait for the interval is sent once it is due, not when (much later) the
    next chunk comes: the reader runs in its own task."""
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    start = io.now()
    await reply_stream(ctx, c2c(), paced(io, [(0.0, "a"), (0.1, "b"), (5.0, "c")]))
    times = [t - start for t, _ in api.frames]
    assert api.texts() == ["a", "b", "c"]
    assert times[1] == pytest.approx(LATENCY + 0.3 + PACE_MARGIN + LATENCY)  # due, not at 5 s


@on_virtual_clock
async def test_cumulative_frames_carry_the_whole_text_so_far(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    result = await reply_stream(
        ctx, c2c(), paced(io, [(0, "one "), (0.5, "two "), (0.5, "three")]), cumulative=True
    )
    check_frames(api, result)
    assert api.texts() == ["one ", "one two ", "one two three"]
    assert result.text == "one two three"


@on_virtual_clock
async def test_markdown_frames(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    result = await reply_stream(ctx, c2c(), paced(io, [(0, "# T"), (0.5, "itle")]), markdown=True)
    check_frames(api, result)
    assert [b["msg_type"] for b in api.bodies()] == [2, 2]
    assert all("content" not in b for b in api.bodies())
    assert api.texts() == ["# T", "itle"]


@on_virtual_clock
async def test_a_plain_iterable_and_a_custom_interval(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    result = await reply_stream(ctx, c2c(), ["a", "", "b", "c"], min_interval=1.0)
    check_frames(api, result, min_interval=1.0)
    assert "".join(api.texts()) == "abc"
    assert api.texts()[0] == "a"
    assert len(api.frames) <= 3


@on_virtual_clock
async def test_chunks_without_text_send_nothing(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    result = await reply_stream(ctx, c2c(), paced(io, [(0.1, ""), (0.1, "")]))
    assert api.frames == []
    assert result == StreamResult(id=None, text="", frames=0, last=None)


@on_virtual_clock
async def test_all_text_before_the_first_send_is_one_closing_frame(io: VirtualIo) -> None:
    api = FakeApi(io, ids=False)  # a one-frame stream needs no id
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]

    async def at_once() -> AsyncIterator[str]:
        yield "all"
        yield " at once"

    result = await reply_stream(ctx, c2c(), at_once())
    assert [s["state"] for s in api.streams()] in ([10], [1, 10])
    assert "".join(api.texts()) == "all at once" == result.text


@on_virtual_clock
async def test_a_failing_iterator_closes_the_stream_then_raises(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    boom = RuntimeError("the model crashed")

    async def crashing() -> AsyncIterator[str]:
        yield "partial "
        await io.sleep_until(io.now() + 0.5)
        yield "answer"
        await io.sleep_until(io.now() + 0.1)
        raise boom

    with pytest.raises(RuntimeError) as info:
        await reply_stream(ctx, c2c(), crashing())
    assert info.value is boom
    assert api.streams()[-1]["state"] == 10
    assert "".join(api.texts()) == "partial answer"
    check_frames(api, StreamResult(id="STREAM", text="", frames=len(api.frames), last=None))


@on_virtual_clock
async def test_a_chunk_that_is_not_text_closes_the_stream_and_raises_type_error(
    io: VirtualIo,
) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="chunks must be str"):
        await reply_stream(ctx, c2c(), ["ok", 42])  # type: ignore[list-item]
    assert api.streams()[-1]["state"] == 10
    assert "".join(api.texts()) == "ok"


@pytest.mark.parametrize(
    "error",
    [ServerError(status=500, code=500, message="down"), ApiError(status=400, code=40034000)],
)
@on_virtual_clock
async def test_a_failed_frame_raises_stream_error_and_closes_the_iterator(
    io: VirtualIo, error: Exception
) -> None:
    api = FakeApi(io, fail_at=3, error=error)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    closed: list[bool] = []

    async def endless() -> AsyncIterator[str]:
        try:
            for i in itertools.count():
                await io.sleep_until(io.now() + 0.4)
                yield f"t{i} "
        finally:
            closed.append(True)

    with pytest.raises(StreamError) as info:
        await reply_stream(ctx, c2c(), endless())
    err = info.value
    assert err.__cause__ is error
    assert err.stream_id == "STREAM"
    assert err.frames == 2 and err.text == "t0 t1 " == "".join(api.texts())
    assert "frame 3" in str(err)
    assert closed == [True]


@on_virtual_clock
async def test_a_first_answer_without_id_is_a_stream_error(io: VirtualIo) -> None:
    api = FakeApi(io, ids=False)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    with pytest.raises(StreamError) as info:
        await reply_stream(ctx, c2c(), paced(io, [(0, "a"), (0.5, "b")]))
    assert isinstance(info.value.__cause__, RemoteProtocolError)
    assert info.value.stream_id is None and info.value.frames == 0


@on_virtual_clock
async def test_misuse_is_refused_before_anything_is_sent(io: VirtualIo) -> None:
    api = FakeApi(io)
    ctx = Context(api, None, (0, 1))  # type: ignore[arg-type]
    group = GroupMessage(id="G1", content="hi", group_openid="GROUP")
    with pytest.raises(TypeError, match="only C2C"):
        await reply_stream(ctx, group, ["x"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not one string"):
        await reply_stream(ctx, c2c(), "text")
    with pytest.raises(TypeError, match="iterator of str"):
        await reply_stream(ctx, c2c(), 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_interval"):
        await reply_stream(ctx, c2c(), ["x"], min_interval=-1)
    with pytest.raises(ValueError, match="user_openid"):
        await reply_stream(ctx, C2CMessage(id="M"), ["x"])
    with pytest.raises(ValueError, match="no id"):
        await reply_stream(ctx, c2c(msg_id=""), ["x"])
    bare = Context(object(), None, (0, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="BotApi"):
        await reply_stream(bare, c2c(), ["x"])
    assert api.frames == []
