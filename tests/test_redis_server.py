"""The test session's real redis-server answers coredis on both loops (the Redis extra's client:
anyio-based, so it runs on asyncio and trio alike)."""

from __future__ import annotations

import uuid

import coredis
import pytest

pytestmark = pytest.mark.anyio


async def test_coredis_talks_to_the_session_redis(redis_url: str, anyio_backend: str) -> None:
    key = f"test:{uuid.uuid4().hex}"
    client = coredis.Redis.from_url(redis_url)
    async with client:
        assert await client.set(key, anyio_backend, px=10_000)
        assert await client.get(key) == anyio_backend.encode()
        script = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        assert await script(keys=[key + ":n"], args=[5]) == 5
        entry = await client.xadd(key + ":s", {"k": "v"})
        assert entry is not None and b"-" in entry
