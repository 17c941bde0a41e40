"""One client under test in its own process, driven by ``bench_client.py``.

``python bench/_client_worker.py '<json config>'`` with ``lib`` (``asyncio`` or ``trio``: our
client on that adapter; ``botpy``),
``host``/``port``/``app_id``/``secret`` of the simulator, ``channel_id``, ``events`` (the
@-messages of one round), ``settle`` (idle seconds before reading RSS) and, for ours only,
``stubs`` (diagnostics, see :func:`stub_ours`).

It connects and reports (JSON lines on stdout; logs go to stderr):

- ``ready``: VmRSS of the connected, idle process;
- ``marker`` / ``cpu``: each library's ``on_at_message_create`` reads the message's ``content``
  and ``author.id`` (as an echo bot would). The @-messages come in rounds of one marker and then
  ``events`` more; the CPU time (``time.process_time``) from the marker handled to the last
  event of the round handled, divided by ``events``, so every byte of those events is processed
  inside the window;
- ``post``: on the command ``post M`` (stdin), ``M`` sequential ``post_message`` calls (after one
  untimed warm-up call) and their rate.

``quit`` (or EOF) on stdin ends the process. Between commands the client just stays connected
(the parent injects gateway faults). Only the library under test, and the stdlib it imports
anyway, is imported here, so RSS and CPU are the library's own (our trio client runs on trio and
never imports asyncio).

Diagnostics: with ``BENCH_PROFILE=<file>`` in the environment the first timed round runs under
``cProfile`` and its statistics are written to ``<file>``.
"""

from __future__ import annotations

import os
import sys
import time
import types
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

Post = Callable[[], Awaitable[Any]]


def emit(**fields: Any) -> None:
    # msgspec, not json: the stdlib json package is not imported by our client (nor part of
    # the floor), so the harness importing it would count ~0.5 MiB against the client measured
    sys.stdout.write(msgspec.json.encode(fields).decode() + "\n")
    sys.stdout.flush()


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


class Probe:
    """Counts handled @-messages; times each round of one marker plus ``n`` events."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self.cpu0 = 0.0
        self.profile_to = os.environ.get("BENCH_PROFILE")
        self.profiler: Any = None

    def hit(self, *read: object) -> None:
        """One event handled; ``read`` is what the handler read of it (as a real bot would)."""
        k = self.count % (self.n + 1)
        self.count += 1
        if k == 0:
            emit(event="marker", count=self.count)
            if self.profile_to:
                import cProfile

                self.profiler = cProfile.Profile()
                self.profiler.enable()
            self.cpu0 = time.process_time()
        elif k == self.n:
            cpu = time.process_time() - self.cpu0
            if self.profiler is not None:
                self.profiler.disable()
                self.profiler.dump_stats(self.profile_to)
                self.profiler = self.profile_to = None
            emit(event="cpu", cpu_per_event=cpu / self.n, count=self.count)


def stub_ours(stubs: list[str], probe: Probe) -> None:
    """Diagnostics only (``bench_client.py --breakdown``): take a stage out of our per-event path.

    ``parse``: AT_MESSAGE_CREATE is not decoded into typed models (``d`` is decoded to plain
    values and the handler gets a namespace of the two fields it reads);
    ``dispatch``: no hand-off to a handler worker for AT_MESSAGE_CREATE: the two fields are read
    and the probe is called at submission.
    """
    from qqproto.client import _runtime as runtime

    if "parse" in stubs:
        import msgspec

        real_parse = runtime.parse_event  # type: ignore[attr-defined]

        def parse_event(name: str, data: Any, *, event_id: str | None) -> Any:
            if name == "AT_MESSAGE_CREATE":
                d = msgspec.json.decode(data)
                return types.SimpleNamespace(
                    content=d.get("content"), author=types.SimpleNamespace(**d["author"])
                )
            return real_parse(name, data, event_id=event_id)

        runtime.parse_event = parse_event  # type: ignore[attr-defined]
    if "dispatch" in stubs:
        from qqproto.client._dispatcher import Dispatcher

        real_submit = Dispatcher.submit

        def submit(self: Dispatcher, method: Any, event: Any, size: int = 0) -> None:
            if getattr(method, "__name__", "") == "on_at_message_create":
                probe.hit(event.content, event.author.id)
            else:
                real_submit(self, method, event, size)

        Dispatcher.submit = submit  # type: ignore[method-assign]


def client_ours(cfg: dict[str, Any], probe: Probe, ready: Any) -> Any:
    """Our client on the adapter ``cfg["lib"]`` names; ``ready`` (the loop's event) is set on
    READY."""
    if cfg["lib"] == "trio":
        import qqbot_trio as qq
    else:
        import qqbot_asyncio as qq  # type: ignore[no-redef]

    stub_ours(cfg.get("stubs", []), probe)

    class Handler(qq.EventHandler):
        async def on_ready(self, ctx: Any, event: Any) -> None:
            ready.set()

        async def on_at_message_create(self, ctx: Any, event: Any) -> None:
            probe.hit(event.content, event.author.id)

    from qqproto.gateway._backoff import BackoffConfig

    api_base = f"http://{cfg['host']}:{cfg['port']}"
    return qq.Client(
        qq.Token(cfg["app_id"], cfg["secret"]),
        qq.Intents.none().with_public_guild_messages(),
        Handler(),
        api_base=api_base,
        token_url=api_base + "/app/getAppAccessToken",
        # the faults come every UPTIME (1.5 s): sessions count as stable after 1 s, as the
        # platform's do after 60 s, so each fault measures a resume from a stable session
        gateway_options={"backoff": BackoffConfig(stable_after=1.0)},
    )


def poster(api: Any, cfg: dict[str, Any]) -> Post:
    channel_id = cfg["channel_id"]
    return lambda: api.post_message(channel_id=channel_id, content="bench")


async def start_ours(cfg: dict[str, Any], probe: Probe, ready: Any) -> Post:
    import asyncio

    client = client_ours(cfg, probe, ready)
    cfg["_task"] = asyncio.create_task(client.start())
    await ready.wait()
    return poster(client.api, cfg)


async def start_botpy(cfg: dict[str, Any], probe: Probe, ready: Any) -> Post:
    import asyncio

    import botpy  # type: ignore[import-untyped]
    from _botpy_hosts import patch_botpy_hosts

    host_port = f"{cfg['host']}:{cfg['port']}"
    patch_botpy_hosts(host_port, f"http://{host_port}/app/getAppAccessToken")

    class Bot(botpy.Client):  # type: ignore[misc]
        async def on_ready(self) -> None:
            ready.set()

        async def on_at_message_create(self, message: Any) -> None:
            probe.hit(message.content, message.author.id)

    # console logging only: botpy's default ext_handlers add a DEBUG log file written per event
    client = Bot(
        intents=botpy.Intents(public_guild_messages=True), bot_log=None, ext_handlers=False
    )
    cfg["_task"] = asyncio.create_task(client.start(appid=cfg["app_id"], secret=cfg["secret"]))
    await ready.wait()
    return poster(client.api, cfg)


async def main_asyncio(cfg: dict[str, Any]) -> None:
    import asyncio

    probe = Probe(cfg["events"])
    ready = asyncio.Event()
    start = start_botpy if cfg["lib"] == "botpy" else start_ours
    post = await start(cfg, probe, ready)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await asyncio.sleep(cfg["settle"])
    await serve_commands(reader.readline, post)


async def main_trio(cfg: dict[str, Any]) -> None:
    import trio

    probe = Probe(cfg["events"])
    ready = trio.Event()
    client = client_ours(cfg, probe, ready)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(client.start)
        await ready.wait()
        post = poster(client.api, cfg)
        stdin = trio.lowlevel.FdStream(os.dup(sys.stdin.fileno()))
        pending = bytearray()

        async def readline() -> bytes:
            while b"\n" not in pending:
                chunk = await stdin.receive_some(4096)
                if not chunk:
                    break
                pending.extend(chunk)
            end = pending.find(b"\n") + 1 or len(pending)
            line = bytes(pending[:end])
            del pending[:end]
            return line

        await trio.sleep(cfg["settle"])
        await serve_commands(readline, post)


async def serve_commands(readline: Callable[[], Awaitable[bytes]], post: Post) -> None:
    """Report ``ready``, then run the parent's commands until ``quit`` or EOF (then exit)."""
    emit(event="ready", rss_kb=rss_kb())
    while line := (await readline()).decode().split():
        if line[0] == "post":
            count = int(line[1])
            await post()  # warm-up: token cached, the keep-alive connection (if any) open
            took = []
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            for _ in range(count):
                t = time.perf_counter()
                await post()
                took.append(time.perf_counter() - t)
            total = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            took.sort()
            emit(
                event="post",
                per_second=count / total,
                cpu_ms=cpu / count * 1e3,
                p50_ms=took[len(took) // 2] * 1e3,
                p99_ms=took[len(took) * 99 // 100] * 1e3,
                max_ms=took[-1] * 1e3,
            )
        else:
            break
    sys.stdout.flush()
    os._exit(0)  # no teardown noise from either library


if __name__ == "__main__":
    config = msgspec.json.decode(sys.argv[1])
    if config["lib"] == "trio":
        import trio

        trio.run(main_trio, config)
    else:
        import asyncio

        asyncio.run(main_asyncio(config))
