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
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import sim_client, until
from _redis import ROOT, redis_server_binary

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator
from qqproto.cluster import ClusterConfig

pytestmark = pytest.mark.anyio

TTL = 1.5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_on(port: int, workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A ``redis-server`` on ``port`` (no persistence: a restart starts empty) until the block
    ends (the test may terminate it earlier)."""
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(workdir)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline and not _ping(port):
            time.sleep(0.02)
        if not _ping(port):
            raise RuntimeError(f"redis-server did not start on port {port}")
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Seen(list[str]):
    """The text of every C2C message handled."""


def c2c_bot(qq: ModuleType, seen: Seen) -> Any:
    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, ev: Any) -> None:
            seen.append((ev.content or "").strip())

    return Bot()


def links(client: Any) -> dict[int, Any]:
    coordinator = client._coordinator
    return {} if coordinator is None else dict(coordinator.links)


def live(client: Any, shard: int) -> bool:
    connection = client.connections.get(shard)
    return connection is not None and connection.session_id is not None


async def test_redis_outage_stops_the_shard_in_time_and_resumes_it_when_redis_is_back(
    qq: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="qqbot.cluster")
    base = ROOT / ".pytest_redis"
    base.mkdir(exist_ok=True)
    port = _free_port()
    url = f"redis://127.0.0.1:{port}"
    seen = Seen()
    config = ClusterConfig(url, namespace=f"t{uuid.uuid4().hex}", lease_ttl=TTL, node_id="a")
    # the servers outlive the client: its shutdown stores the session and releases the lease
    with Simulator.in_thread(shards=1) as sim, ExitStack() as servers:
        workdir = Path(servers.enter_context(tempfile.TemporaryDirectory(dir=base)))
        first = servers.enter_context(redis_on(port, workdir))
        client = sim_client(qq, sim, c2c_bot(qq, seen), identify_window=0.2, cluster=config)
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
            stop(first)
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
