"""One process of a bot acquiring identify slots through the shared IdentifyGate (run by
tests/cluster/test_identify_processes.py).

Arguments: REDIS_URL NAMESPACE APP_ID MAX_CONCURRENCY WINDOW REMAINING RESET_AFTER SHARD...
(REMAINING < 0: no session_start_limit reading). Prints ``ready``, waits for a line on stdin (so
every process starts together), then acquires a slot for each shard concurrently and prints one
JSON line per granted slot: ``{"shard": ..., "t": <Redis time, s>}``.
"""

from __future__ import annotations

import asyncio
import json
import sys

import coredis

import qqbot_asyncio
from qqproto.client._cluster_identify import IdentifyGate
from qqproto.gateway._identify import SessionStartLimit


async def main(argv: list[str]) -> None:
    url, namespace, app_id = argv[:3]
    max_concurrency, window = int(argv[3]), float(argv[4])
    remaining, reset_after = int(argv[5]), float(argv[6])
    shards = [int(s) for s in argv[7:]]
    limit = None
    if remaining >= 0:
        limit = SessionStartLimit(
            total=len(shards) * 8,
            remaining=remaining,
            reset_after=reset_after,
            max_concurrency=max_concurrency,
        )
    io = qqbot_asyncio.Client.io_factory(None)
    async with coredis.Redis.from_url(url) as client:
        gate = IdentifyGate(client, namespace, app_id, io=io, window=window)

        async def identify(shard: int) -> None:
            granted = await gate.acquire(shard, max_concurrency, limit)
            print(json.dumps({"shard": shard, "t": granted}), flush=True)

        await asyncio.gather(*(identify(shard) for shard in shards))


if __name__ == "__main__":
    print("ready", flush=True)
    sys.stdin.readline()
    asyncio.run(main(sys.argv[1:]))
