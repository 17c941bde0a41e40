"""Issue 9 §2 and §3, end to end over loopback on both adapters: nothing a peer sends crashes
``Client.start()`` (log lines are bounded before formatting), and slow handlers never cost the
session (reading pauses while the backlog is full, heartbeats keep their cadence, the zombie
check counts only acknowledgements the client could read, and the backlog is bounded in bytes).
The heartbeat cadence while reading is paused is checked to the instant on the virtual clock
(``test_virtual_clock.py::test_slow_handlers_keep_the_session_and_heartbeat_cadence``).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import sim_client, until, wait

from qqbot_asyncio.simulator import ThreadedSimulator as Simulator

pytestmark = pytest.mark.anyio


def make_client(qq: ModuleType, sim: Simulator, handler: Any, **kw: Any) -> Any:
    return sim_client(qq, sim, handler, identify_window=0.5, **kw)


@contextmanager
def qqbot_logs(level: int = logging.INFO) -> Iterator[io.StringIO]:
    """Everything ``qqbot.*`` logs at ``level``, through a plain ``StreamHandler`` (which, unlike
    most handlers, re-raises a ``RecursionError`` met while formatting)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logger = logging.getLogger("qqbot")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


class Seen:
    """Records @-messages; optionally holds every handler until :attr:`release` is set."""

    def __init__(self, qq: ModuleType, *, hold: bool = False) -> None:
        self.contents: list[str] = []
        self.errors: list[BaseException] = []
        self.release = anyio.Event()
        if not hold:
            self.release.set()
        seen = self

        class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
            async def on_at_message_create(self, ctx: Any, msg: Any) -> None:
                await seen.release.wait()
                seen.contents.append(msg.content.split("> ", 1)[-1])  # without the @-mention

            async def on_error(self, ctx: Any, exc: BaseException) -> None:
                seen.errors.append(exc)

        self.handler = Handler()


def test_an_unknown_opcode_is_logged_from_its_raw_text_not_a_repr(
    qq: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    """The runtime logs an unknown opcode as a bounded slice of the raw text: a ``%r`` of a
    decoded value nested deeper than repr can go raised ``RecursionError`` out of ``logging``
    (``StreamHandler`` re-raises it) and ended ``start()``."""
    from qqproto.gateway._events import UnknownPayload

    deep: Any = []
    for _ in range(sys.getrecursionlimit() + 100):  # deeper than any repr can go
        deep = [deep]
    raw = '{"op": 99, "d": ' + "[" * 5000 + "]" * 5000 + "}"
    client = make_client(qq, Simulator(), Seen(qq).handler)
    with qqbot_logs() as logs:
        client._on_other_event(UnknownPayload(99, deep, raw[:200]), None, 0)
    lines = logs.getvalue().splitlines()
    assert len(lines) == 1 and "unknown opcode 99" in lines[0] and len(lines[0]) < 300


async def test_deeply_nested_and_huge_frames_do_not_crash_start(qq: ModuleType) -> None:
    """Frames nested about as deep as the JSON decoder can go (some parse, some are refused as
    garbage, depending on the stack depth where they are decoded) and a 100 KB unknown opcode:
    the shard logs (bounded), resumes where needed, and keeps handling events."""
    seen = Seen(qq)
    with Simulator.in_thread() as sim, qqbot_logs() as logs:
        client = make_client(qq, sim, seen.handler)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            assert sim.send_raw('{"op": 98, "d": {"x": "' + "y" * 100_000 + '"}}') == 1
            for depth in (900, 950, 990):
                await until(lambda: client.connections[0].state.name == "CONNECTED")
                assert sim.send_raw('{"op": 99, "d": ' + "[" * depth + "]" * depth + "}") == 1
                sim.inject_at_message(f"after {depth}")
                await until(lambda d=depth: f"after {d}" in seen.contents)  # type: ignore[misc]
            tg.cancel_scope.cancel()
    assert seen.contents == ["after 900", "after 950", "after 990"]
    lines = logs.getvalue().splitlines()
    assert any("unknown opcode 98" in line for line in lines)
    assert all(len(line) < 400 for line in lines), max(lines, key=len)[:500]


async def test_a_bug_below_the_runtime_costs_the_connection_not_start(
    qq: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anything unexpected raised while a connection runs is logged and the shard reconnects
    (and resumes); ``start()`` raises only the documented fatal errors."""
    from qqproto.gateway._wire import WireConnection

    seen = Seen(qq)
    real = WireConnection.receive_data
    armed = [True]

    def broken(self: WireConnection, data: bytes, now: float) -> None:
        if armed[0] and b"boom" in data:
            armed[0] = False
            raise ValueError("a bug in the core")
        real(self, data, now)

    monkeypatch.setattr(WireConnection, "receive_data", broken)
    with Simulator.in_thread() as sim, qqbot_logs() as logs:
        client = make_client(qq, sim, seen.handler)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            sim.inject_at_message("boom")
            await wait(sim.wait_for_resume, 0)
            sim.inject_at_message("later")
            await until(lambda: "later" in seen.contents)
            tg.cancel_scope.cancel()
    assert "unexpected ValueError" in logs.getvalue()
    assert seen.contents.count("later") == 1


async def test_large_events_are_bounded_by_bytes(qq: ModuleType) -> None:
    """64 KiB events against a 1 MiB byte bound: the client stops reading once about 1 MiB of
    events waits (the count bound alone let 10,000 such events, 640 MB, pile up)."""
    seen = Seen(qq, hold=True)
    bound = 1 << 20
    big = "x" * 65_536
    with Simulator.in_thread() as sim:
        client = make_client(
            qq, sim, seen.handler, max_concurrent_handlers=1, max_backlog_bytes=bound
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            for i in range(60):
                sim.inject_at_message(f"{i}:{big}")
            gateway = client.connections[0]
            await until(lambda: gateway.reading_paused)  # paused: nothing more is read
            queued = client._dispatchers[0].queued_bytes
            assert bound <= queued < bound + 2 * 70_000, queued
            assert len(seen.contents) == 0
            seen.release.set()
            await until(lambda: len(seen.contents) == 60, 10.0)
            tg.cancel_scope.cancel()
    assert [c.split(":")[0] for c in seen.contents] == [str(i) for i in range(60)]


async def test_start_raises_refused_credentials_plainly_in_both_modes(qq: ModuleType) -> None:
    """``start()`` raises the documented error itself (not an ExceptionGroup wrapping it), on
    both adapters and in both gateway and webhook mode."""
    from qqproto.rest._auth import TokenFetchError

    for webhook in (None, qq.WebhookOptions("127.0.0.1", 0)):
        with Simulator.in_thread() as sim:
            client = qq.Client(
                qq.Token(sim.app_id, "wrong secret"),
                qq.Intents.default(),
                Seen(qq).handler,
                api_base=sim.api_base,
                token_url=sim.token_url,
                webhook=webhook,
            )
            with anyio.fail_after(10), pytest.raises(TokenFetchError):
                await client.start()


async def test_a_connection_the_server_closed_is_stale_before_the_loop_noticed(
    qq: ModuleType,
) -> None:
    """A keep-alive connection the server closed must not carry the next request, even when the
    event loop has not yet run its end-of-file callback (asyncio asked only its protocol's
    flags, so the pool could reuse a dead connection and the request failed)."""
    import select
    import socket

    server = socket.create_server(("127.0.0.1", 0))
    io_ = qq.Client.io_factory(None)
    stream = await io_.connect("127.0.0.1", server.getsockname()[1], tls=False, timeout=5.0)
    peer, _ = server.accept()
    assert not stream.is_stale()
    peer.close()
    server.close()
    # Block (without yielding to the loop) until the close has reached our socket.
    raw = (
        stream._protocol.transport.get_extra_info("socket")
        if qq.__name__ == "qqbot_asyncio"
        else stream._stream.socket
    )
    assert select.select([raw], [], [], 5.0)[0]
    assert stream.is_stale()
    await stream.aclose()
