"""The identify gate against the session's real redis-server: one identify per bucket per window
and the daily session budget, shared by every process (here: several coredis clients) of a bot,
timed by Redis' clock."""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from types import ModuleType
from typing import Any

import anyio
import coredis
import pytest

from qqproto._errors import RemoteProtocolError
from qqproto.client._cluster_identify import IdentifyGate
from qqproto.client._io import Io
from qqproto.cluster._identify import (
    IDENTIFY_SCRIPT,
    NO_LIMIT,
    identify_args,
    identify_bucket,
    parse_identify_reply,
)
from qqproto.cluster._keys import ClusterKeys
from qqproto.gateway._identify import SessionStartLimit

WINDOW = 0.3


def limit(
    remaining: int, reset_after: float, *, total: int = 1000, mc: int = 1
) -> SessionStartLimit:
    return SessionStartLimit(
        total=total, remaining=remaining, reset_after=reset_after, max_concurrency=mc
    )


# ---------------------------------------------------------------- pure helpers


def test_key_names_follow_the_contract() -> None:
    keys = ClusterKeys("qqbot", "102005")
    assert keys.identify(3) == "qqbot:102005:identify:3"
    assert keys.budget == "qqbot:102005:budget"
    assert [identify_bucket(s, 4) for s in range(9)] == [0, 1, 2, 3, 0, 1, 2, 3, 0]


@pytest.mark.parametrize(
    "call",
    [
        lambda: identify_bucket(0, 0),
        lambda: identify_bucket(-1, 2),
        lambda: identify_args(0, None),
    ],
)
def test_misuse_is_a_value_error(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()


def test_script_arguments() -> None:
    assert identify_args(5000, None) == [5000, 0, NO_LIMIT, 0, 60_000, 86_400_000]
    # reset_after is in seconds in SessionStartLimit, milliseconds for the script
    assert identify_args(500, limit(7, 12.5, total=9)) == [500, 9, 7, 12_500, 60_000, 86_400_000]
    assert identify_args(500, limit(-3, -1.0, total=2))[1:4] == [2, 0, 0]


def test_script_replies_parse() -> None:
    granted = parse_identify_reply([1, 1_700_000_000_123_456, 0, 4])
    assert granted.granted and granted.granted_at == pytest.approx(1_700_000_000.123456)
    assert granted.remaining == 4 and granted.wait == 0.0
    bucket = parse_identify_reply([0, 250, 1, -1])
    assert not bucket.granted and bucket.wait == 0.25 and not bucket.waits_for_budget
    assert bucket.remaining is None
    budget = parse_identify_reply((0, 3_600_000, 2, 0))
    assert budget.waits_for_budget and budget.wait == 3600.0 and budget.remaining == 0
    for bad in (None, b"OK", [1, 2, 3], [0, 0, 1, 0], [0, 5, 3, 0], [2, 5, 0, 0], [1, "x", 0, 0]):
        with pytest.raises(RemoteProtocolError):
            parse_identify_reply(bad)


def test_gate_misuse() -> None:
    io: Any = None  # never slept on
    client: Any = coredis.Redis.from_url("redis://127.0.0.1:1")  # never connects
    with pytest.raises(ValueError):
        IdentifyGate(client, "ns", "1", io=io, window=0)
    with pytest.raises(ValueError):
        IdentifyGate(client, "", "1", io=io)
    with pytest.raises(ValueError):
        IdentifyGate(client, "ns", "1", io=io, max_sleep=0)
    assert repr(IdentifyGate(client, "ns", "1", io=io)) == "IdentifyGate(prefix='ns:1', window=5.0)"


# ---------------------------------------------------------------- against redis-server


@asynccontextmanager
async def clients(url: str, n: int) -> AsyncIterator[list[coredis.Redis[Any]]]:
    """``n`` independent coredis clients (separate connection pools: separate "processes")."""
    async with AsyncExitStack() as stack:
        made = []
        for _ in range(n):
            client: coredis.Redis[Any] = coredis.Redis.from_url(url)
            made.append(await stack.enter_async_context(client))
        yield made


@pytest.fixture
def io(qq: ModuleType) -> Io:
    """The Io the adapter under test lends its clients."""
    made: Io = qq.Client.io_factory(None)
    return made


def namespace() -> str:
    return f"t{uuid.uuid4().hex}"


async def redis_now(client: coredis.Redis[Any]) -> float:
    return (await client.time()).timestamp()


@pytest.mark.anyio
async def test_two_gates_racing_for_one_bucket_are_a_window_apart(
    redis_url: str, anyio_backend: str, io: Io
) -> None:
    ns = namespace()
    granted: list[tuple[float, str]] = []
    async with clients(redis_url, 2) as (a, b):
        gates = {"a": IdentifyGate(a, ns, "42", io=io, window=WINDOW)}
        gates["b"] = IdentifyGate(b, ns, "42", io=io, window=WINDOW)

        async def identify(name: str, shard: int) -> None:
            granted.append((await gates[name].acquire(shard, 2), name))

        start = await redis_now(a)
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for shard in (0, 2, 4):  # bucket 0 of max_concurrency 2
                    tg.start_soon(identify, "a", shard)
                    tg.start_soon(identify, "b", shard)
    times = sorted(t for t, _ in granted)
    assert len(times) == 6 and {name for _, name in granted} == {"a", "b"}
    assert times[0] >= start - 0.001
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= WINDOW, gaps
    assert times[-1] - times[0] < 5 * WINDOW + 1.0  # waited the window, not much more


@pytest.mark.anyio
async def test_different_buckets_go_at_once(redis_url: str, anyio_backend: str, io: Io) -> None:
    ns = namespace()
    async with clients(redis_url, 2) as (a, b):
        gates = [IdentifyGate(c, ns, "42", io=io, window=5.0) for c in (a, b)]
        times: list[float] = []

        async def identify(gate: IdentifyGate, shard: int) -> None:
            times.append(await gate.acquire(shard, 4))

        with anyio.fail_after(2):  # a wait of even one 5 s window would fail this
            async with anyio.create_task_group() as tg:
                for shard in range(4):
                    tg.start_soon(identify, gates[shard % 2], shard)
        assert len(times) == 4 and max(times) - min(times) < 1.0
        stored = {
            int(await a.get(ClusterKeys(ns, "42").identify(bucket)) or 0) for bucket in range(4)
        }
        assert len(stored) == 4 and 0 not in stored
        assert (
            await a.pttl(ClusterKeys(ns, "42").identify(0)) > 5000
        )  # the window plus cleanup slack


@pytest.mark.anyio
async def test_the_budget_stops_the_next_identify_until_reset(
    redis_url: str, anyio_backend: str, io: Io, caplog: pytest.LogCaptureFixture
) -> None:
    ns = namespace()
    reset_after = 1.0
    async with clients(redis_url, 2) as (a, b):
        gate_a = IdentifyGate(a, ns, "7", io=io, window=0.05)
        gate_b = IdentifyGate(b, ns, "7", io=io, window=0.05)
        reading = limit(2, reset_after, total=5, mc=4)
        start = await redis_now(a)
        with anyio.fail_after(5):
            first = await gate_a.acquire(0, 4, reading)
            second = await gate_b.acquire(1, 4, reading)
            assert second - first < 0.5
            assert await a.hget(ClusterKeys(ns, "7").budget, "remaining") == b"0"
            with caplog.at_level(logging.INFO, logger="qqbot.cluster"):
                third = await gate_b.acquire(2, 4, reading)  # the same reading: not re-adopted
        assert third >= start + reset_after - 0.01
        assert third < start + reset_after + 1.0
        budget_logs = [r for r in caplog.records if "daily session budget" in r.getMessage()]
        assert budget_logs and budget_logs[0].levelno == logging.INFO
        assert "shard 2: identify waits" in budget_logs[0].getMessage()
        # the period ended without a new reading: a fresh day of `total`, one taken
        stored = await a.hgetall(ClusterKeys(ns, "7").budget)
        assert stored[b"remaining"] == b"4" and stored[b"total"] == b"5"
        reset_at = int(stored[b"reset_at_ms"]) / 1000
        assert reset_at == pytest.approx(third + 24 * 3600, abs=2)


@pytest.mark.anyio
async def test_the_budget_counts_across_gates_without_a_reading(
    redis_url: str, anyio_backend: str, io: Io
) -> None:
    ns = namespace()
    async with clients(redis_url, 3) as (a, b, c):
        await IdentifyGate(a, ns, "7", io=io, window=0.01).acquire(0, 8, limit(5, 3600))
        for shard, gate in enumerate(
            (IdentifyGate(b, ns, "7", io=io), IdentifyGate(c, ns, "7", io=io)), 1
        ):
            with anyio.fail_after(2):
                await gate.acquire(shard, 8)  # no reading: the stored budget still counts
        assert await a.hget(ClusterKeys(ns, "7").budget, "remaining") == b"2"


@pytest.mark.anyio
async def test_a_newer_reading_refreshes_the_budget(
    redis_url: str, anyio_backend: str, io: Io
) -> None:
    ns = namespace()
    key = ClusterKeys(ns, "9").budget
    async with clients(redis_url, 2) as (a, b):
        waiter = IdentifyGate(a, ns, "9", io=io, window=0.01, max_sleep=0.1)
        other = IdentifyGate(b, ns, "9", io=io, window=0.01)
        with anyio.fail_after(2):
            await waiter.acquire(0, 4, limit(1, 3600))
        assert await a.hget(key, "remaining") == b"0"
        # a stale reading of the same period (higher remaining) does not hand sessions out again
        script = b.register_script(IDENTIFY_SCRIPT)
        args = identify_args(10, limit(3, 3599))
        reply = parse_identify_reply(
            await script(keys=[ClusterKeys(ns, "9").identify(1), key], args=args)
        )
        assert not reply.granted and reply.waits_for_budget and reply.remaining == 0
        assert 3500 < reply.wait <= 3600

        granted: list[float] = []

        async def blocked() -> None:
            granted.append(await waiter.acquire(1, 4))

        async with anyio.create_task_group() as tg:
            tg.start_soon(blocked)
            await anyio.sleep(0.3)
            assert not granted  # waiting for a budget that resets in an hour
            # a reading of the next period (a new day's budget), taken by another process
            with anyio.fail_after(2):
                await other.acquire(2, 4, limit(5, 86_000, total=5))
            with anyio.fail_after(2):
                while not granted:
                    await anyio.sleep(0.02)
        assert await a.hget(key, "remaining") == b"3"
        with anyio.fail_after(2):
            # a lower reading of the same period wins (the platform knows of more sessions)
            await other.acquire(3, 4, limit(2, 85_990, total=5))
            assert await a.hget(key, "remaining") == b"1"
            # a higher one of the same period does not
            await other.acquire(0, 4, limit(4, 85_980, total=5))
            assert await a.hget(key, "remaining") == b"0"


@pytest.mark.anyio
async def test_waits_use_the_clients_io(redis_url: str, anyio_backend: str, io: Io) -> None:
    slept: list[float] = []

    class CountingIo:
        def now(self) -> float:
            return io.now()

        async def sleep_until(self, deadline: float) -> None:
            slept.append(deadline - io.now())
            await io.sleep_until(deadline)

    ns = namespace()
    async with clients(redis_url, 1) as (a,):
        counting: Any = CountingIo()
        gate = IdentifyGate(a, ns, "1", io=counting, window=0.2)
        with anyio.fail_after(3):
            first = await gate.acquire(0, 1)
            second = await gate.acquire(1, 1)
    assert second - first >= 0.2
    assert slept and 0.0 < slept[0] <= 0.21
