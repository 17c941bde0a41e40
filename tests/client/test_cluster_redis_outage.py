"""A clustered client whose Redis goes away stops its shard in time and comes back (both loops).

One private ``redis-server`` on a fixed loopback port: it is terminated while the client owns
shard 0, then a new, empty one (no persistence) is started on the same port. What
docs/deployment.md ("Redis is unavailable") promises: the client cannot renew, logs a WARNING
and closes the shard's connection before its lease could have expired in Redis (the
simulator's session interval ends within one ``lease_ttl`` of the outage); no handler runs
while Redis is down; when Redis answers again the client claims the shard again and RESUMEs
the session it still holds (Redis lost the stored one), so the events the platform queued
meanwhile are replayed and handled, and the shard never ran on two connections at once.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType

import anyio
import pytest
from _e2e import Texts, c2c_text_bot, links, live, sim_client, until
from _redis import ROOT, free_port, redis_on, stop_server

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.cluster import ClusterConfig

pytestmark = pytest.mark.anyio

TTL = 1.5


async def test_redis_outage_stops_the_shard_in_time_and_resumes_it_when_redis_is_back(
    qq: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="qqbot.cluster")
    base = ROOT / ".pytest_redis"
    base.mkdir(exist_ok=True)
    port = free_port()
    url = f"redis://127.0.0.1:{port}"
    seen = Texts()
    config = ClusterConfig(url, namespace=f"t{uuid.uuid4().hex}", lease_ttl=TTL, node_id="a")
    # the servers outlive the client: its shutdown stores the session and releases the lease
    with Simulator.in_thread(shards=1) as sim, ExitStack() as servers:
        workdir = Path(servers.enter_context(tempfile.TemporaryDirectory(dir=base)))
        first = servers.enter_context(redis_on(port, workdir))
        client = sim_client(qq, sim, c2c_text_bot(qq, seen), identify_window=0.2, cluster=config)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await until(lambda: 0 in links(client) and live(client, 0), timeout=10)
            sim.inject_many(5)
            await until(lambda: len(seen) == 5, timeout=10)
            session_id = sim.session_id(0)
            assert session_id is not None
            assert len(sim.shard_sessions(0)) == 1

            # (1) Redis goes away: the shard stops before its lease could have expired
            down_at = sim.now()
            stop_server(first)
            ended = await until(
                lambda: [i for i in sim.shard_sessions(0) if i.end is not None], timeout=2 * TTL
            )
            assert ended[0].end is not None and ended[0].end - down_at < TTL
            assert ended[0].ended in ("client_close", "dropped")
            assert 0 not in links(client)
            warnings = [
                r.getMessage()
                for r in caplog.records
                if r.levelno == logging.WARNING and r.name == "qqbot.cluster"
            ]
            assert any(w.startswith("cluster: lease renewal failed") for w in warnings)
            assert "cluster: node a lost shard 0 (lease not renewed in time); stopped it" in (
                warnings
            )
            # events meanwhile: no handler runs (the platform keeps them for the session)
            sim.inject_many(5, start=5)
            await anyio.sleep(TTL)
            assert len(seen) == 5
            assert len(sim.shard_sessions(0)) == 1

            # (2) a new, empty Redis on the same port: claimed again, the session resumed
            back_at = sim.now()
            servers.enter_context(redis_on(port, workdir))
            again = await until(lambda: sim.shard_sessions(0)[1:], timeout=10)
            assert again[0].how == "resume"
            assert again[0].session_id == session_id
            assert again[0].start - back_at < 2 * TTL
            assert len(sim.identifies(0)) == 1
            assert len(sim.resumes(0)) == 1
            await until(lambda: 0 in links(client), timeout=5)
            # the events queued during the outage are replayed and handled, then new ones
            await until(lambda: len(seen) == 10, timeout=10)
            sim.inject_many(5, start=10)
            await until(lambda: len(seen) == 15, timeout=10)
            assert len(sim.shard_sessions(0)) == 2
            assert sim.overlapping_sessions() == []
            tg.cancel_scope.cancel()
    assert sorted(seen, key=lambda m: int(m[1:])) == [f"m{i}" for i in range(15)]
    assert len(set(seen)) == len(seen)
