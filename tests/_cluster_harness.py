"""Multi-process tests of the clustered bot: bot processes (tests/cluster_bot.py) against a
``ThreadedSimulator`` in the test process and the session's real redis-server.

::

    with ThreadedSimulator.in_thread(shards=2) as sim, bots() as group:
        a = group.start(sim, redis_url, ns, node="a")
        b = group.start(sim, redis_url, ns, node="b")
        wait_until(lambda: sim.session_id(0) and sim.session_id(1), 10, what="both shards")
        sim.inject_many(1000)
        kill9(a)                                  # SIGKILL: no goodbye
        wait_until(lambda: len(handled(redis_url, ns)) >= 1000, 15)
        stop(b)                                   # SIGTERM: a graceful shutdown, status 0
        assert sim.overlapping_sessions() == []

Everything waits with a bound. :class:`RedisProbe` is a tiny synchronous Redis client (RESP
over a socket) for reading what the bots recorded, and the leases, from plain test code;
:class:`RawGateway` a bare WebSocket gateway client (identify, resume, read frames) for the
simulator's own tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from qqbot_asyncio.simulator import ThreadedSimulator

T = TypeVar("T")

BOT_PROGRAM = Path(__file__).resolve().with_name("cluster_bot.py")
ROOT = BOT_PROGRAM.parents[1]


def namespace() -> str:
    """A fresh Redis key namespace for one test."""
    return f"t{uuid.uuid4().hex[:12]}"


# ------------------------------------------------------------------------------ waiting


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float,
    *,
    interval: float = 0.02,
    what: str = "condition",
) -> T:
    """Poll ``predicate()`` until it is truthy; its value. ``TimeoutError`` naming ``what``
    (and the last value) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"timed out after {timeout:g} s waiting for {what} (last: {value!r})"
            )
        time.sleep(interval)


# ------------------------------------------------------------------------------ Redis


class RedisProbe:
    """A minimal synchronous Redis client (RESP2 over one socket) for test code."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        self._sock = socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout
        )
        self._file = self._sock.makefile("rb")

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> RedisProbe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, *args: str | bytes | int | float) -> Any:
        """Send one command; its answer (bytes, int, list, None; an error reply raises)."""
        out = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self._sock.sendall(b"".join(out))
        return self._read()

    def _read(self) -> Any:
        line = self._file.readline()
        if not line:
            raise ConnectionError("redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError(f"redis error: {rest.decode(errors='replace')}")
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self._file.read(size + 2)
            return data[:-2]
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._read() for _ in range(size)]
        raise RuntimeError(f"unexpected redis reply {line!r}")

    def lrange(self, key: str) -> list[str]:
        return [v.decode() for v in self.command("LRANGE", key, 0, -1)]

    def get(self, key: str) -> str | None:
        value = self.command("GET", key)
        return None if value is None else value.decode()

    def hgetall(self, key: str) -> dict[str, str]:
        flat = [v.decode() for v in self.command("HGETALL", key)]
        return dict(zip(flat[::2], flat[1::2], strict=True))

    def keys(self, pattern: str) -> list[str]:
        return sorted(k.decode() for k in self.command("KEYS", pattern))


class Handled(NamedTuple):
    """One entry of ``{namespace}:test:handled``: what a bot's handler finished."""

    shard: int
    content: str
    """The message's text: ``Simulator.inject_many``'s ``"m{i}"``."""
    redelivered: bool
    node: str
    event_id: str
    """``ctx.event_id`` when the client gives it, else ""."""
    seq: str
    """``ctx.seq`` when the client gives it, else ""."""

    @property
    def number(self) -> int:
        """``i`` of an ``inject_many`` message ``f"{prefix}{i}"``."""
        return int(self.content.lstrip("abcdefghijklmnopqrstuvwxyz"))


def handled_key(ns: str) -> str:
    return f"{ns}:test:handled"


def lifecycle_key(ns: str) -> str:
    return f"{ns}:test:lifecycle"


def handled(redis_url: str, ns: str) -> list[Handled]:
    """Everything the bots of namespace ``ns`` handled, in the order they recorded it."""
    with RedisProbe(redis_url) as r:
        entries = r.lrange(handled_key(ns))
    out = []
    for entry in entries:
        shard, content, redelivered, node, event_id, seq = entry.split("|", 5)
        out.append(Handled(int(shard), content, redelivered == "1", node, event_id, seq))
    return out


def wait_handled(redis_url: str, ns: str, count: int, timeout: float) -> list[Handled]:
    """The handled log once it holds at least ``count`` entries (``TimeoutError`` after
    ``timeout`` seconds, saying how many there were)."""
    seen: list[Handled] = []

    def enough() -> bool:
        seen[:] = handled(redis_url, ns)
        return len(seen) >= count

    try:
        wait_until(enough, timeout, interval=0.05, what=f"{count} handled events")
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}: {len(seen)} handled") from None
    return seen


def lifecycle(redis_url: str, ns: str) -> list[list[str]]:
    """READY/RESUMED the bots saw: ``[node, "ready", shard, session id]`` or
    ``[node, "resumed", shard]``, in order."""
    with RedisProbe(redis_url) as r:
        return [e.split("|") for e in r.lrange(lifecycle_key(ns))]


def shard_owners(redis_url: str, ns: str) -> dict[int, str]:
    """The node that last got READY or RESUMED on each shard (from the lifecycle log: it says
    who took a shard last, not that it still holds it; pair it with the simulator's
    ``session_id(shard)`` / ``shard_sessions``)."""
    return {int(entry[2]): entry[0] for entry in lifecycle(redis_url, ns)}


# ------------------------------------------------------------------------------ processes


@dataclass
class BotProcess:
    """One running bot program."""

    proc: subprocess.Popen[bytes]
    node: str
    log_path: Path
    args: list[str]
    _log: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        """What the program wrote to stdout and stderr so far."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def started(self) -> bool:
        """Whether the program is up (its SIGTERM handler installed)."""
        return f"{self.node}: started" in self.output()


def bot_args(
    sim: ThreadedSimulator,
    redis_url: str,
    ns: str,
    *,
    node: str,
    lease_ttl: float = 3.0,
    publish: bool = False,
    backend: str = "asyncio",
    cluster: bool = True,
    shards: Sequence[int] | None = None,
    shard_count: int | None = None,
    handle_delay: float = 0.0,
    concurrency: int | None = None,
    identify_window: float | None = None,
    max_runtime: float = 60.0,
    log_level: str = "INFO",
    extra: Sequence[str] = (),
) -> list[str]:
    """The command line of one bot program against ``sim`` and ``redis_url``."""
    args = [
        sys.executable,
        str(BOT_PROGRAM),
        "--app-id",
        sim.app_id,
        "--secret",
        sim.secret,
        "--api-base",
        sim.api_base,
        "--token-url",
        sim.token_url,
        "--redis-url",
        redis_url,
        "--namespace",
        ns,
        "--lease-ttl",
        str(lease_ttl),
        "--backend",
        backend,
        "--node",
        node,
        "--handle-delay",
        str(handle_delay),
        "--max-runtime",
        str(max_runtime),
        "--log-level",
        log_level,
    ]
    if publish:
        args.append("--publish")
    if not cluster:
        args.append("--no-cluster")
    if shards is not None:
        args += ["--shards", ",".join(str(s) for s in shards)]
    if shard_count is not None:
        args += ["--shard-count", str(shard_count)]
    if concurrency is not None:
        args += ["--concurrency", str(concurrency)]
    if identify_window is not None:
        args += ["--identify-window", str(identify_window)]
    return [*args, *extra]


def start_bot(
    sim: ThreadedSimulator,
    redis_url: str,
    ns: str,
    *,
    node: str | None = None,
    wait_started: float | None = 15.0,
    **options: Any,
) -> BotProcess:
    """Start one bot program (options: :func:`bot_args`); by default returns once it runs
    (its signal handler installed: ``stop`` then shuts it down gracefully)."""
    node = node or f"n{uuid.uuid4().hex[:6]}"
    args = bot_args(sim, redis_url, ns, node=node, **options)
    # open for the process's whole life (closed by Bots.close)
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115
        prefix=f"cluster-bot-{node}-", suffix=".log", delete=False
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("COVERAGE_PROCESS_START", None)
    proc = subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT, env=env
    )
    bot = BotProcess(proc, node, Path(log.name), args, log)
    if wait_started is not None:
        try:
            wait_until(
                lambda: bot.started() or not bot.alive(), wait_started, what=f"bot {node} to start"
            )
        except TimeoutError:
            kill9(bot)
            raise
        if not bot.alive():
            raise RuntimeError(f"bot {node} exited with {bot.returncode}:\n{bot.output()}")
    return bot


def kill9(bot: BotProcess, timeout: float = 5.0) -> None:
    """SIGKILL the bot (``kill -9``) and reap it."""
    if bot.alive():
        bot.proc.kill()
    bot.proc.wait(timeout)


def stop(bot: BotProcess, timeout: float = 10.0) -> int:
    """SIGTERM: the program cancels ``client.start()`` (a graceful shutdown); its exit status.
    A program still running after ``timeout`` seconds is killed and ``TimeoutError`` raised."""
    if bot.alive():
        bot.proc.send_signal(signal.SIGTERM)
    try:
        return bot.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill9(bot)
        raise TimeoutError(
            f"bot {bot.node} did not stop {timeout:g} s after SIGTERM:\n{bot.output()[-3000:]}"
        ) from None


class Bots:
    """The bots a test started (:func:`bots`): all killed when the block ends."""

    def __init__(self) -> None:
        self.started: list[BotProcess] = []

    def start(self, sim: ThreadedSimulator, redis_url: str, ns: str, **options: Any) -> BotProcess:
        bot = start_bot(sim, redis_url, ns, **options)
        self.started.append(bot)
        return bot

    def outputs(self) -> str:
        """Every bot's output, for a failure message."""
        return "\n".join(f"--- {b.node} (rc={b.returncode})\n{b.output()}" for b in self.started)

    def close(self) -> None:
        for bot in self.started:
            with contextlib.suppress(Exception):
                kill9(bot)
            bot._log.close()
            with contextlib.suppress(OSError):
                bot.log_path.unlink()


@contextlib.contextmanager
def bots() -> Iterator[Bots]:
    """Start bots in the block; each is killed at its end, and on a failure every bot's
    output is printed (pytest shows it with the failure)."""
    group = Bots()
    try:
        yield group
    except BaseException:
        print(group.outputs(), file=sys.stderr)
        raise
    finally:
        group.close()


# ------------------------------------------------------------------------------ raw gateway


class RawGateway:
    """A bare gateway client over a socket (wsproto): identify, resume, read frames. It sends
    no heartbeats: keep its tests shorter than the heartbeat interval."""

    def __init__(self, sim: ThreadedSimulator, timeout: float = 5.0) -> None:
        from wsproto import WSConnection
        from wsproto.connection import ConnectionType
        from wsproto.events import Request

        self.sim = sim
        self.timeout = timeout
        host, _, port = sim.authority.rpartition(":")
        self.sock = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock.sendall(self.ws.send(Request(host=sim.authority, target=sim.ws_path)))
        self._texts: list[str] = []
        self._pending = ""
        self.hello = self.receive()

    def __enter__(self) -> RawGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def _token(self) -> str:
        app_id, secret = self.sim.app_id, self.sim.secret
        value, _ = self.sim.call(lambda p: p.issue_token(app_id, secret, self.sim.io.now()))
        return f"QQBot {value}"

    def send(self, payload: dict[str, Any]) -> None:
        from wsproto.events import TextMessage

        self.sock.sendall(self.ws.send(TextMessage(json.dumps(payload))))

    def receive(self) -> dict[str, Any]:
        """The next text frame, decoded (``TimeoutError`` after ``timeout``; ``EOFError`` if
        the server closed)."""
        from wsproto.events import AcceptConnection, CloseConnection, TextMessage

        deadline = time.monotonic() + self.timeout
        while not self._texts:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no gateway frame in time")
            self.sock.settimeout(remaining)
            data = self.sock.recv(65536)
            self.ws.receive_data(data or None)
            for event in self.ws.events():
                if isinstance(event, TextMessage):
                    self._pending += event.data
                    if event.message_finished:
                        self._texts.append(self._pending)
                        self._pending = ""
                elif isinstance(event, CloseConnection):
                    raise EOFError(f"the server closed with {event.code}")
                elif not isinstance(event, AcceptConnection):
                    continue
            if not data:
                raise EOFError("the server dropped the connection")
        loaded: dict[str, Any] = json.loads(self._texts.pop(0))
        return loaded

    def identify(self, shard: int = 0, shards: int = 1, intents: int | None = None) -> Any:
        """Identify; the READY frame."""
        from qqproto.gateway._intents import Intents

        self.send(
            {
                "op": 2,
                "d": {
                    "token": self._token(),
                    "intents": int(Intents.default()) if intents is None else intents,
                    "shard": [shard, shards],
                },
            }
        )
        return self.receive()

    def resume(self, session_id: str, seq: int) -> list[dict[str, Any]]:
        """Resume; every frame up to and including RESUMED (the replay first)."""
        self.send({"op": 6, "d": {"token": self._token(), "session_id": session_id, "seq": seq}})
        frames: list[dict[str, Any]] = []
        while not frames or frames[-1].get("t") != "RESUMED":
            frames.append(self.receive())
        return frames
