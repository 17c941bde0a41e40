"""End to end, the chunked upload: the real client (``VirtualClient``) against the simulator's
``upload_prepare``, presigned part URLs on its own HTTP server, ``upload_part_finish`` and the
completing ``/files`` call, on the virtual clock: parts in order and intact, concurrency, no
token at the object store, a failed part tried again ``retry_delay`` later, progress, resume."""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
from _e2e import on_virtual_clock, sim_client

import qqbot_trio as qq
from qqbot_trio.testing import VirtualClient, VirtualIo
from qqproto.sim import Simulator

MIB = 1024 * 1024
PART_FINISH = "POST /v2/groups/{group_openid}/upload_part_finish"


class VideoBot(qq.EventHandler):
    """Answers "video" in a group with the file ``path`` (uploaded in parts above 1 MiB)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.progress: list[tuple[int, int]] = []
        self.errors: list[BaseException] = []

    async def on_group_at_message_create(self, ctx: qq.Context, msg: Any) -> None:
        if self.path is not None and msg.plain_text() == "video":
            await msg.reply(
                ctx, "our holiday", video=self.path, threshold=MIB,
                progress=lambda sent, total: self.progress.append((sent, total)),
            )  # fmt: skip

    async def on_error(self, ctx: qq.Context, error: BaseException) -> None:
        self.errors.append(error)


@asynccontextmanager
async def running(sim: Simulator, io: VirtualIo, bot: VideoBot) -> AsyncIterator[VirtualClient]:
    make = functools.partial(VirtualClient, io)
    client: VirtualClient = sim_client(qq, sim, bot, make=make, rng=random.Random(7))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(client.start)
        await sim.wait_for_session(0)
        yield client
        nursery.cancel_scope.cancel()


def blob(size: int) -> bytes:
    return (hashlib.sha256(b"seed").digest() * (size // 32 + 1))[:size]


@on_virtual_clock
async def test_a_large_reply_goes_in_parts(io: VirtualIo, tmp_path: Path) -> None:
    data = blob(3 * MIB + 12345)  # 4 parts of the simulator's 1 MiB blocks
    path = tmp_path / "holiday.mp4"
    path.write_bytes(data)
    bot = VideoBot(path)
    progress = bot.progress
    async with Simulator(io, seed=1) as sim, running(sim, io, bot):
        injected = sim.inject_group_at_message("video")
        sent = await sim.wait_for_message(scene="group", contains="our holiday")
        (upload,) = sim.uploads()
        assert upload.upload_id and upload.data == data
        assert (upload.file_type, upload.file_name) == (2, "holiday.mp4")
        assert sent.body["msg_type"] == 7 and sent.body["media"] == {"file_info": upload.file_info}
        assert sent.msg_id == injected.data["id"]
        puts = sim.part_puts()
        assert sorted(p.index for p in puts) == [1, 2, 3, 4]
        assert [p.size for p in sorted(puts, key=lambda p: p.index)] == [MIB, MIB, MIB, 12345]
        assert not any(p.authorization for p in puts)  # the bot's token never left for storage
        assert all(p.status == 200 for p in puts)
        assert progress[0] == (0, len(data)) and progress[-1] == (len(data), len(data))
        assert len(progress) == 5 and progress == sorted(progress)
        assert not bot.errors


@on_virtual_clock
async def test_a_failed_part_is_tried_again_after_retry_delay(io: VirtualIo) -> None:
    data = blob(2 * MIB + 1)
    async with Simulator(io, seed=1) as sim, running(sim, io, VideoBot()) as client:
        sim.call(lambda p: p.upload_config.update(concurrency=1, retry_delay=3))
        group = sim.call(lambda p: next(iter(p.groups)))
        sim.fail_next(PART_FINISH, status=500)  # the first part's report fails once
        result = await qq.upload_media(client.api, "group", group, data, 4, threshold=MIB)
        assert result.file_info == sim.uploads()[0].file_info
        puts = sim.part_puts()
        assert [p.index for p in puts] == [1, 1, 2, 3]
        assert puts[1].time - puts[0].time == pytest.approx(3.0, abs=1e-6)
        assert sim.uploads()[0].data == data


@on_virtual_clock
async def test_concurrency_from_upload_config(io: VirtualIo) -> None:
    data = blob(6 * MIB)
    async with Simulator(io, seed=1) as sim, running(sim, io, VideoBot()) as client:
        sim.call(lambda p: p.upload_config.update(concurrency=3))
        group = sim.call(lambda p: next(iter(p.groups)))
        in_flight: list[int] = []
        api = client.api
        assert api is not None
        send_raw = api.send_raw
        busy = [0]

        async def counting(*args: Any, **kwargs: Any) -> Any:
            busy[0] += 1
            in_flight.append(busy[0])
            try:
                return await send_raw(*args, **kwargs)
            finally:
                busy[0] -= 1

        api.send_raw = counting  # type: ignore[method-assign]
        await qq.upload_media(api, "group", group, data, 2, threshold=MIB)
        assert max(in_flight) == 3
        assert sorted(p.index for p in sim.part_puts()) == [1, 2, 3, 4, 5, 6]


@on_virtual_clock
async def test_resume_after_a_failure_sends_only_the_rest(io: VirtualIo) -> None:
    data = blob(4 * MIB)
    async with Simulator(io, seed=1) as sim, running(sim, io, VideoBot()) as client:
        sim.call(lambda p: p.upload_config.update(concurrency=1, retry_timeout=0))
        group = sim.call(lambda p: next(iter(p.groups)))

        def fail_after_the_first_part(sent: int, total: int) -> None:
            if sent == MIB:  # part 1 is finished: the report of part 2 will be refused
                sim.fail_next(PART_FINISH, status=400, code=850019)

        with pytest.raises(qq.ChunkedUploadError, match="part 2 failed after 1 try") as caught:
            await qq.upload_media(
                client.api, "group", group, data, 4, threshold=MIB,
                progress=fail_after_the_first_part,
            )  # fmt: skip
        assert isinstance(caught.value.__cause__, qq.ApiError)
        state = caught.value.resume
        assert state.finished == {0} and state.remaining == [1, 2, 3]
        before = len(sim.part_puts())
        seen: list[tuple[int, int]] = []
        result = await qq.upload_media(
            client.api, "group", group, data, 4, threshold=MIB, resume=state,
            progress=lambda s, t: seen.append((s, t)),
        )  # fmt: skip
        assert [p.index for p in sim.part_puts()[before:]] == [2, 3, 4]
        assert seen == [(MIB, 4 * MIB), (2 * MIB, 4 * MIB), (3 * MIB, 4 * MIB), (4 * MIB, 4 * MIB)]
        (upload,) = sim.uploads()
        assert upload.file_info == result.file_info and upload.data == data
        assert upload.upload_id == state.upload_id
        assert len(sim.call(lambda p: p.chunked_uploads)) == 1  # one prepare for both tries
