"""Rich-media uploads without the simulator: the strategy, the part plan, the retry timing, the
raw request to a presigned URL, and the chunked upload's workers (concurrency, retries, progress,
resume) against a scripted fake ``BotApi`` on the virtual clock."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trio
from _e2e import on_virtual_clock

from qqbot_trio.testing import VirtualIo
from qqproto._errors import ApiError, ConnectionLostError, RemoteProtocolError
from qqproto.client._http_pool import raw_request
from qqproto.client._media import (
    MAX_TRIES,
    MD5_10M_SIZE,
    ChunkedUploadError,
    ChunkedUploadState,
    FileType,
    PresignedPutError,
    Strategy,
    choose_strategy,
    next_try_at,
    plan_parts,
    upload_media,
    upload_settings,
)
from qqproto.models import MediaUploadResult, UploadPrepareResult
from qqproto.rest._call import ApiResponse

MIB = 1024 * 1024

# -- the pure part ------------------------------------------------------------------------------


def test_strategy_url_base64_chunked() -> None:
    assert choose_strategy("https://example.com/a.png", None, 10) is Strategy.URL
    assert choose_strategy("HTTP://example.com/a.png", None, 10) is Strategy.URL
    assert choose_strategy(b"x" * 10, 10, 10) is Strategy.BASE64
    assert choose_strategy(b"x" * 11, 11, 10) is Strategy.CHUNKED
    assert choose_strategy("/tmp/https.png", 11, 10) is Strategy.CHUNKED  # a path, not a URL
    with pytest.raises(ValueError, match="threshold"):
        choose_strategy(b"x", 1, -1)
    with pytest.raises(ValueError, match="size"):
        choose_strategy(b"x", None, 1)


def prepared(size: int, block: Any, count: int | None = None, **extra: Any) -> UploadPrepareResult:
    n = count if count is not None else -(-size // int(block))
    parts = [
        {"index": i + 1, "presigned_url": f"https://cos.example/p{i + 1}?sig=s"} for i in range(n)
    ]
    return UploadPrepareResult.parse(
        {"upload_id": "u1", "block_size": block, "parts": parts, **extra}
    )


def test_parts_slice_the_file_in_order_the_last_one_short() -> None:
    plan = plan_parts(10, prepared(10, "4"))  # block_size as a string, as the platform may send
    assert [(p.index, p.start, p.end, p.length) for p in plan] == [
        (1, 0, 4, 4),
        (2, 4, 8, 4),
        (3, 8, 10, 2),
    ]
    assert plan[1].url == "https://cos.example/p2?sig=s"
    assert "sig=" not in repr(plan[1])  # presigned URLs stay out of reprs
    exact = plan_parts(8, prepared(8, 4))
    assert [(p.start, p.end) for p in exact] == [(0, 4), (4, 8)]


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (prepared(10, 4, count=2), "2 parts for 10 bytes"),
        (prepared(10, 4, count=4), "expected 3"),
        (UploadPrepareResult.parse({"upload_id": "u", "parts": []}), "block_size"),
        (UploadPrepareResult.parse({"upload_id": "u", "block_size": 0}), "block_size"),
        (
            UploadPrepareResult.parse(
                {"upload_id": "u", "block_size": 10, "parts": [{"index": 1}]}
            ),
            "presigned_url",
        ),
    ],
)
def test_a_bad_prepare_answer_is_a_remote_error(answer: UploadPrepareResult, match: str) -> None:
    with pytest.raises(RemoteProtocolError, match=match):
        plan_parts(10, answer)


def test_settings_from_upload_config_the_older_fields_or_defaults() -> None:
    config = {"concurrency": 3, "retry_timeout": 20, "retry_delay": 2}
    assert upload_settings(prepared(8, 4, upload_config=config)) == (3, 20.0, 2.0)
    assert upload_settings(prepared(8, 4, concurrency=2, retry_timeout=5)) == (2, 5.0, 1.0)
    assert upload_settings(prepared(8, 4)) == (1, 30.0, 1.0)
    assert upload_settings(prepared(8, 4, upload_config={"concurrency": 500}))[0] == 16
    assert upload_settings(prepared(8, 4, upload_config={"concurrency": 0}))[0] == 1


def test_retry_timing() -> None:
    assert next_try_at(100.0, 1, retry_timeout=10, retry_delay=2, now=101.0) == 103.0
    assert (
        next_try_at(100.0, 3, retry_timeout=10, retry_delay=2, now=108.0) is None
    )  # 110: too late
    assert next_try_at(100.0, 3, retry_timeout=10, retry_delay=2, now=107.9) == pytest.approx(109.9)
    assert next_try_at(100.0, 1, retry_timeout=0, retry_delay=0, now=100.0) is None
    assert next_try_at(100.0, MAX_TRIES, retry_timeout=1e9, retry_delay=0, now=100.0) is None


def test_raw_request_keeps_the_query_and_sends_no_credentials() -> None:
    request = raw_request("put", "https://cos.example:8443/b/k.bin?sig=abc&x=1", b"data")
    assert request.method == "PUT"
    assert request.url.origin == ("https", "cos.example", 8443)
    assert request.target == "/b/k.bin?sig=abc&x=1"
    names = [name.lower() for name, _ in request.headers]
    assert "authorization" not in names and "x-union-appid" not in names
    assert request.header("host") == "cos.example:8443"
    assert request.header("content-length") == "4"
    assert "sig=abc" not in str(request.url)  # what the pool's errors name
    for bad in ("ftp://x/y", "https:///nohost", "https://u:p@x/y", "https://x/a b"):
        with pytest.raises(ValueError):
            raw_request("PUT", bad)
    with pytest.raises(ValueError, match="credential"):
        raw_request("PUT", "https://x/y", headers=[("Authorization", "QQBot t")])
    with pytest.raises(ValueError, match="set by the pool"):
        raw_request("PUT", "https://x/y", headers=[("Content-Length", "1")])


# -- the workers, against a fake BotApi -----------------------------------------------------------


class FakeApi:
    """Answers the upload routes; ``put_plan``/``finish_plan`` script failures per part index
    (a list of exceptions or statuses consumed one per try)."""

    def __init__(self, io: VirtualIo, block: int, concurrency: int = 1, **config: Any) -> None:
        self.io = io
        self.block = block
        self.config = {"concurrency": concurrency, **config}
        self.put_plan: dict[int, list[Any]] = {}
        self.finish_plan: dict[int, list[Any]] = {}
        self.put_time = 1.0
        self.put_times: dict[int, float] = {}
        self.puts: list[tuple[float, int, int]] = []
        self.finished: list[tuple[str, int, int, str]] = []
        self.prepares: list[dict[str, Any]] = []
        self.completes = 0
        self.complete_plan: list[BaseException] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.files: list[dict[str, Any]] = []

    async def group_upload_prepare(
        self, target: str, file_type: int, name: str, size: int, **fields: Any
    ) -> UploadPrepareResult:
        self.prepares.append(
            {"target": target, "file_type": file_type, "name": name, "size": size, **fields}
        )
        return prepared(size, self.block, upload_config=self.config)

    async def send_raw(
        self, method: str, url: str, body: bytes = b"", headers: Any = ()
    ) -> ApiResponse:
        index = int(url.split("/p")[1].split("?")[0])
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await trio.sleep(self.put_times.get(index, self.put_time))
        finally:
            self.in_flight -= 1
        self.puts.append((self.io.now(), index, len(body)))
        plan = self.put_plan.get(index)
        if plan:
            step = plan.pop(0)
            if isinstance(step, BaseException):
                raise step
            return ApiResponse(step)
        return ApiResponse(200)

    async def group_upload_part_finish(
        self, target: str, upload_id: str, index: int, length: int, md5: str
    ) -> None:
        plan = self.finish_plan.get(index)
        if plan:
            raise plan.pop(0)
        self.finished.append((upload_id, index, length, md5))

    async def group_upload_complete(self, target: str, upload_id: str) -> MediaUploadResult:
        self.completes += 1
        if self.complete_plan:
            raise self.complete_plan.pop(0)
        return MediaUploadResult(file_info=f"info-{upload_id}", file_uuid="x", ttl=0)

    async def post_group_file(
        self, target: str, file_type: int, **fields: Any
    ) -> MediaUploadResult:
        self.files.append({"target": target, "file_type": file_type, **fields})
        return MediaUploadResult(file_info="b64-info")


def recorder() -> tuple[list[tuple[int, int]], Callable[[int, int], None]]:
    calls: list[tuple[int, int]] = []
    return calls, lambda sent, total: calls.append((sent, total))


@on_virtual_clock
async def test_chunked_upload_hashes_slices_and_runs_parts_concurrently(io: VirtualIo) -> None:
    data = bytes(range(256)) * (11 * MIB // 256 + 3)  # just over 11 MiB: md5_10m != md5
    api = FakeApi(io, block=3 * MIB, concurrency=2)
    calls, progress = recorder()
    result = await upload_media(
        api, "group", "G1", data, FileType.VIDEO, threshold=MIB, progress=progress
    )
    assert result.file_info == "info-u1"
    (prep,) = api.prepares
    assert prep == {
        "target": "G1",
        "file_type": 2,
        "name": "video.mp4",
        "size": len(data),
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "md5_10m": hashlib.md5(data[:MD5_10M_SIZE]).hexdigest(),
    }
    assert api.max_in_flight == 2
    block = 3 * MIB
    expected = [
        (
            i + 1,
            len(data[i * block : (i + 1) * block]),
            hashlib.md5(data[i * block : (i + 1) * block]).hexdigest(),
        )
        for i in range(4)
    ]
    assert sorted(f[1:] for f in api.finished) == expected
    assert calls[0] == (0, len(data)) and calls[-1] == (len(data), len(data))
    assert [sent for sent, _ in calls] == sorted(sent for sent, _ in calls)
    assert len(calls) == 5  # the start, then one per part
    assert api.completes == 1


@on_virtual_clock
async def test_a_failed_part_is_retried_after_retry_delay(io: VirtualIo) -> None:
    api = FakeApi(io, block=4, retry_timeout=10, retry_delay=2)
    api.put_plan[2] = [500, ConnectionLostError("reset")]
    api.put_time = 0.0
    start = io.now()
    result = await upload_media(api, "group", "G1", b"0123456789", threshold=0)
    assert result.file_info == "info-u1"
    part2 = [t - start for t, index, _ in api.puts if index == 2]
    assert part2 == [0.0, 2.0, 4.0]
    assert [f[1] for f in api.finished] == [1, 2, 3]


@on_virtual_clock
async def test_a_part_failing_past_retry_timeout_raises_a_resumable_error(io: VirtualIo) -> None:
    api = FakeApi(io, block=4, retry_timeout=5, retry_delay=2)
    api.put_time = 0.0
    api.put_plan[2] = [503] * 3
    calls, progress = recorder()
    with pytest.raises(ChunkedUploadError, match="part 2 failed after 3 tries") as caught:
        await upload_media(api, "group", "G1", b"0123456789", threshold=0, progress=progress)
    err = caught.value
    assert isinstance(err.__cause__, PresignedPutError) and err.__cause__.status == 503
    state = err.resume
    assert isinstance(state, ChunkedUploadState)
    assert state.finished == {0} and state.remaining == [1, 2] and state.sent_bytes == 4
    assert "sig=" not in repr(state)
    # resume: the same upload id, only the parts not finished, and progress starts where it was
    puts_before = len(api.puts)
    calls.clear()
    result = await upload_media(
        api, "group", "G1", b"0123456789", threshold=0, progress=progress, resume=state
    )
    assert result.file_info == "info-u1"
    assert len(api.prepares) == 1
    assert [index for _, index, _ in api.puts[puts_before:]] == [2, 3]
    assert calls == [(4, 10), (8, 10), (10, 10)]


@on_virtual_clock
async def test_a_refused_part_finish_is_not_retried_and_in_flight_parts_finish(
    io: VirtualIo,
) -> None:
    api = FakeApi(io, block=2, concurrency=2, retry_timeout=60, retry_delay=1)
    api.finish_plan[1] = [ApiError(status=400, code=400, message="bad md5")]
    api.put_times[2] = 2.0  # part 2 is still in flight when part 1's report is refused
    with pytest.raises(ChunkedUploadError) as caught:
        await upload_media(api, "group", "G1", b"0123456789", threshold=0)
    assert isinstance(caught.value.__cause__, ApiError)
    # part 2 was in flight alongside part 1 and finished; nothing after that started
    assert caught.value.resume.finished == {1}
    assert sorted(index for _, index, _ in api.puts) == [1, 2]


@on_virtual_clock
async def test_a_failed_last_step_is_resumed_without_sending_parts(io: VirtualIo) -> None:
    api = FakeApi(io, block=4)
    api.complete_plan = [ConnectionLostError("reset")]
    with pytest.raises(ChunkedUploadError, match="last step") as caught:
        await upload_media(api, "group", "G1", b"0123456789", threshold=0)
    puts = len(api.puts)
    result = await upload_media(
        api, "group", "G1", b"0123456789", threshold=0, resume=caught.value.resume
    )
    assert result.file_info == "info-u1" and len(api.puts) == puts and api.completes == 2


@on_virtual_clock
async def test_resume_must_match_the_upload(io: VirtualIo) -> None:
    api = FakeApi(io, block=4)
    api.complete_plan = [ConnectionLostError("reset")]
    with pytest.raises(ChunkedUploadError) as caught:
        await upload_media(api, "group", "G1", b"0123456789", threshold=0)
    with pytest.raises(ValueError, match="another upload"):
        await upload_media(api, "group", "G1", b"01234", threshold=0, resume=caught.value.resume)
    with pytest.raises(ValueError, match="another upload"):
        await upload_media(api, "group", "G2", b"0123456789", resume=caught.value.resume)
    with pytest.raises(ValueError, match="URL"):
        await upload_media(api, "group", "G1", "https://x/y.png", resume=caught.value.resume)


@on_virtual_clock
async def test_small_media_go_as_base64_and_paths_are_read(io: VirtualIo, tmp_path: Path) -> None:
    api = FakeApi(io, block=4)
    path = tmp_path / "cat.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"p" * 3 * MIB)
    calls, progress = recorder()
    result = await upload_media(api, "group", "G1", path, progress=progress)
    assert result.file_info == "b64-info"
    assert api.files == [
        {"target": "G1", "file_type": 1, "srv_send_msg": False, "file_data": path.read_bytes()}
    ]
    assert calls == [(0, path.stat().st_size), (path.stat().st_size,) * 2]
    await upload_media(api, "group", "G1", "https://img.example/a.png", FileType.FILE)
    assert api.files[-1] == {
        "target": "G1",
        "file_type": 4,
        "url": "https://img.example/a.png",
        "srv_send_msg": False,
    }
    big = tmp_path / "big.bin"
    big.write_bytes(b"b" * 10)
    await upload_media(api, "group", "G1", str(big), FileType.FILE, threshold=5)
    assert api.prepares[-1]["name"] == "big.bin"  # the path's name goes to upload_prepare


@on_virtual_clock
async def test_misuse_is_reported(io: VirtualIo, tmp_path: Path) -> None:
    api = FakeApi(io, block=4)
    with pytest.raises(ValueError, match="no upload route in a channel"):
        await upload_media(api, "channel", "C1", b"x")
    with pytest.raises(ValueError, match="'group' or 'c2c'"):
        await upload_media(api, "nowhere", "C1", b"x")
    with pytest.raises(ValueError, match="empty"):
        await upload_media(api, "group", "G1", b"")
    with pytest.raises(ValueError, match="5"):
        await upload_media(api, "group", "G1", b"x", 5)
    with pytest.raises(TypeError, match="not int"):
        await upload_media(api, "group", "G1", 12)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        await upload_media(api, "group", "G1", str(tmp_path / "missing.png"))
    with pytest.raises(TypeError, match="Context or a BotApi"):
        await upload_media(object(), "group", "G1", b"x")
