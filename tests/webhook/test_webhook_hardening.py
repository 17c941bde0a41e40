"""Webhook hardening (issue 9, item 6): replays within the timestamp window, oversized heads in
one read, smuggling framings, and peers holding connections (rejected, slow or many).

The receiver's replay protection is tested sans-IO with a virtual ``now``; the server's bounds
end to end over loopback on both adapters (each test once on asyncio, once on trio).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio
import pytest
from _e2e import sim_client, until

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto.client._webhook_server import WebhookOptions
from qqproto.rest._auth import Token
from qqproto.webhook._receiver import ACK_BODY, DEFAULT_DEDUP_CAPACITY, WebhookKey, WebhookReceiver

APP = "11111111"
SECRET = "DG5g3B4j9X2KOErG"
KEY = WebhookKey(SECRET)
NOW = 1_725_442_341.0


def push(event_id: str | None, content: str = "hi") -> bytes:
    envelope: dict[str, Any] = {
        "op": 0,
        "t": "C2C_MESSAGE_CREATE",
        "d": {"id": f"m-{content}", "content": content, "author": {"user_openid": "U"}},
    }
    if event_id is not None:
        envelope["id"] = event_id
    return json.dumps(envelope).encode()


def signature(body: bytes, ts: float, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(ts))
    key = KEY if secret == SECRET else WebhookKey(secret)
    return {
        "x-signature-ed25519": key.sign(stamp.encode() + body).hex(),
        "x-signature-timestamp": stamp,
    }


def deliver(rx: WebhookReceiver, body: bytes, ts: float, now: float) -> Any:
    return rx.handle("POST", "/qqbot", signature(body, ts), body, now)


# ------------------------------------------------------------------ replays (sans-IO receiver)


def test_a_replay_within_the_window_is_not_dispatched_at_a_high_push_rate() -> None:
    """10 pushes/s for 300 s: the first push, captured and sent again while its signature is
    still valid, is acknowledged and not dispatched (2,048 ids used to cover ~200 s)."""
    rx = WebhookReceiver(Token(APP, SECRET))
    first = push("ev-0")
    assert len(deliver(rx, first, NOW, NOW).events) == 1
    for i in range(1, 3000):
        body = push(f"ev-{i}")
        assert len(deliver(rx, body, NOW + i / 10, NOW + i / 10).events) == 1
    replay = deliver(rx, first, NOW, NOW + 299.9)
    assert (replay.status, replay.body, replay.events) == (200, ACK_BODY, ())
    # a platform retry of it, signed anew, is a duplicate too
    assert deliver(rx, first, NOW + 300, NOW + 300).events == ()


def test_pushes_without_id_are_deduplicated_by_signature() -> None:
    rx = WebhookReceiver(Token(APP, SECRET))
    body = push(None)
    assert len(deliver(rx, body, NOW, NOW).events) == 1
    replay = deliver(rx, body, NOW, NOW + 200)  # the same captured request
    assert (replay.status, replay.events) == (200, ())
    assert "duplicate" in replay.reason
    # the same body signed at another time is another request (nothing else tells them apart)
    assert len(deliver(rx, body, NOW + 1, NOW + 201).events) == 1


def test_a_push_is_remembered_until_its_timestamp_leaves_the_window() -> None:
    rx = WebhookReceiver(Token(APP, SECRET), dedup_capacity=4)
    body = push("x")
    assert len(deliver(rx, body, NOW, NOW).events) == 1
    assert deliver(rx, body, NOW, NOW + 300).events == ()  # still valid, still remembered
    assert deliver(rx, body, NOW, NOW + 301).status == 403  # too old to be accepted anyway
    # a retry signed later extends the memory to its own window
    retried = push("y")
    assert len(deliver(rx, retried, NOW, NOW).events) == 1
    assert deliver(rx, retried, NOW + 100, NOW + 100).events == ()
    late = deliver(rx, retried, NOW + 100, NOW + 399)  # the retry's capture, replayed
    assert (late.status, late.events) == (200, ())
    # a timestamp ahead of the clock is remembered until it leaves the window too
    ahead = push("z")
    assert len(deliver(rx, ahead, NOW + 250, NOW).events) == 1
    assert deliver(rx, ahead, NOW + 250, NOW + 540).events == ()


def test_a_full_memory_refuses_new_pushes_instead_of_forgetting() -> None:
    rx = WebhookReceiver(Token(APP, SECRET), dedup_capacity=2)
    for event_id in ("a", "b"):
        assert len(deliver(rx, push(event_id), NOW, NOW).events) == 1
    refused = deliver(rx, push("c"), NOW + 1, NOW + 1)
    assert refused.status == 503 and refused.events == ()
    assert ("retry-after", "1") in refused.headers
    assert deliver(rx, push("a"), NOW, NOW + 2).events == ()  # "a" was not forgotten
    # once the window of "a" and "b" has passed, "c" (retried by the platform) gets in
    assert len(deliver(rx, push("c"), NOW + 301, NOW + 301).events) == 1


def test_without_a_timestamp_window_pushes_are_remembered_for_the_default_window() -> None:
    rx = WebhookReceiver(Token(APP, SECRET), timestamp_window=None)
    first, second = push("first"), push("second")
    assert len(deliver(rx, first, 0, NOW).events) == 1  # any timestamp is accepted
    assert len(deliver(rx, second, 0, NOW).events) == 1
    assert deliver(rx, first, 0, NOW + 300).events == ()
    assert len(deliver(rx, second, 0, NOW + 301).events) == 1  # documented: not detected after


def test_dedup_options_are_documented_and_checked() -> None:
    assert DEFAULT_DEDUP_CAPACITY >= 65536
    assert WebhookOptions().dedup_capacity == DEFAULT_DEDUP_CAPACITY
    assert "503" in (WebhookOptions.__doc__ or "") and "dedup_capacity" in (
        WebhookOptions.__doc__ or ""
    )
    with pytest.raises(ValueError, match="timestamp_window"):
        WebhookReceiver(Token(APP, SECRET), timestamp_window=float("nan"))
    with pytest.raises(ValueError, match="header_timeout"):
        WebhookOptions(header_timeout=0)
    with pytest.raises(ValueError, match="max_connections_per_peer"):
        WebhookOptions(max_connections_per_peer=0)
    with pytest.raises(ValueError, match="max_header_size"):
        WebhookOptions(max_header_size=1023)


# ------------------------------------------------------------------ the server, end to end


class Handler:
    """Records the contents of the C2C messages dispatched, in order."""

    def __init__(self, qq: ModuleType) -> None:
        self.seen: list[str] = []
        rec = self

        class _Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
            async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
                rec.seen.append(msg.content)

        self.handler = _Handler()


@asynccontextmanager
async def serving(
    qq: ModuleType, **options: Any
) -> AsyncIterator[tuple[ThreadedSimulator, int, Handler]]:
    """A webhook client (standalone server on a free port, handlers one at a time)."""
    rec = Handler(qq)
    with ThreadedSimulator.in_thread() as sim:
        client = sim_client(
            qq,
            sim,
            rec.handler,
            intents=qq.Intents.none(),
            max_concurrent_handlers=1,
            webhook=qq.WebhookOptions(port=0, **options),
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            url = await until(lambda: client.webhook_url)
            yield sim, int(url.rsplit(":", 1)[1].split("/")[0]), rec
            tg.cancel_scope.cancel()


def http(sim: ThreadedSimulator, body: bytes, *, pad: int = 0, secret: str | None = None) -> bytes:
    """A signed POST to /qqbot (``pad`` bytes of an extra header; signed with ``secret``)."""
    lines = ["POST /qqbot HTTP/1.1", "Host: x", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in signature(body, time.time(), secret or sim.secret).items()]
    if pad:
        lines.append("X-Pad: " + "a" * pad)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


VALIDATION = (
    b"POST /qqbot HTTP/1.1\r\nHost: x\r\nContent-Length: 52\r\n\r\n"
    b'{"op":13,"d":{"plain_token":"abc","event_ts":"123"}}'
)
"""An unsigned op 13 validation: answered 200, the connection kept."""


async def until_closed(stream: Any, timeout: float = 10.0) -> bytes:
    """Everything the server sends until it closes the connection (fails after ``timeout``)."""
    received = b""
    with anyio.fail_after(timeout):
        while True:
            try:
                received += await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return received


async def response(stream: Any) -> bytes:
    """One whole response (head and its Content-Length body) from a kept-alive connection."""
    received = b""
    with anyio.fail_after(10):
        while b"\r\n\r\n" not in received:
            received += await stream.receive()
        head, _, body = received.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        while len(body) < length:
            body += await stream.receive()
    return received


@pytest.mark.anyio
async def test_a_whole_head_over_max_header_size_gets_431(qq: ModuleType) -> None:
    """Heads of 17 and 63 KiB arriving in one read used to get 200 and be dispatched."""
    async with serving(qq, keepalive_timeout=60, request_timeout=60) as (sim, port, rec):
        for kib in (17, 63):
            async with await anyio.connect_tcp("127.0.0.1", port) as stream:
                await stream.send(http(sim, push(f"big-{kib}", f"big {kib}"), pad=kib * 1024))
                answer = await response(stream)
                assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
                assert await until_closed(stream) == b""
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(http(sim, push("fits", "fits"), pad=15 * 1024))
            assert (await response(stream)).startswith(b"HTTP/1.1 200 ")
        await until(lambda: rec.seen)
    assert rec.seen == ["fits"]  # handlers run in order: the big ones were never dispatched


@pytest.mark.anyio
async def test_content_length_with_transfer_encoding_gets_400_and_a_close(
    qq: ModuleType,
) -> None:
    async with serving(qq, keepalive_timeout=60, request_timeout=60) as (_, port, _):
        smuggled = (
            b"POST /qqbot HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + VALIDATION
        )
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(smuggled)
            answer = await response(stream)
            assert answer.startswith(b"HTTP/1.1 400 "), answer
            assert b"connection: close" in answer.lower()
            assert await until_closed(stream) == b""  # the smuggled request is not answered


@pytest.mark.anyio
async def test_a_rejected_request_closes_its_connection(qq: ModuleType) -> None:
    """An unauthenticated 4xx used to keep the connection for the keep-alive timeout (30 s)."""
    async with serving(qq, keepalive_timeout=60, request_timeout=60) as (sim, port, _):
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(VALIDATION)  # a success keeps the connection ...
            assert (await response(stream)).startswith(b"HTTP/1.1 200 ")
            await stream.send(http(sim, push("f"), secret="forged"))  # ... a rejection closes it
            answer = await response(stream)
            assert answer.startswith(b"HTTP/1.1 403 ") and b"connection: close" in answer.lower()
            assert await until_closed(stream) == b""
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"POST /qqbot HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            assert (await until_closed(stream)).startswith(b"HTTP/1.1 403 ")  # unsigned


@pytest.mark.anyio
async def test_the_request_head_has_a_short_deadline(qq: ModuleType) -> None:
    """A new connection, or a kept-alive one once a request started, must send the whole head
    within ``header_timeout``; before that, a kept-alive connection may idle longer."""
    options = {"header_timeout": 0.5, "request_timeout": 60, "keepalive_timeout": 60}
    async with serving(qq, **options) as (_, port, _):
        async with await anyio.connect_tcp("127.0.0.1", port) as silent:
            assert await until_closed(silent) == b""
        async with await anyio.connect_tcp("127.0.0.1", port) as drip:
            with anyio.fail_after(10):
                with pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError)):
                    for byte in b"POST /qqbot HTTP/1.1\r\nX-Slow: " + b"a" * 1000:
                        await drip.send(bytes([byte]))  # a byte every 50 ms, never finishing
                        await anyio.sleep(0.05)
        async with await anyio.connect_tcp("127.0.0.1", port) as kept:
            await kept.send(VALIDATION)
            assert (await response(kept)).startswith(b"HTTP/1.1 200 ")
            await anyio.sleep(1.0)  # idle past header_timeout: kept-alive connections may
            await kept.send(VALIDATION)
            assert (await response(kept)).startswith(b"HTTP/1.1 200 ")
            await kept.send(b"POST /qqbot HTTP/1.1\r\nHo")  # a head started, then stalled
            assert await until_closed(kept) == b""


@pytest.mark.anyio
async def test_connections_per_peer_are_capped(
    qq: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    options = {"max_connections_per_peer": 2, "header_timeout": 60, "request_timeout": 60}
    caplog.set_level(logging.INFO, logger="qqbot.webhook")
    async with serving(qq, **options) as (_, port, _):
        async with (
            await anyio.connect_tcp("127.0.0.1", port) as first,
            await anyio.connect_tcp("127.0.0.1", port) as second,
        ):
            async with await anyio.connect_tcp("127.0.0.1", port) as third:
                assert await until_closed(third) == b""  # refused at once
            assert "127.0.0.1 has 2 connections open" in caplog.text
            for stream in (first, second):  # the first two are still served
                await stream.send(VALIDATION)
                assert (await response(stream)).startswith(b"HTTP/1.1 200 ")

        async def served() -> bool:  # once one of them closed, another gets its slot
            async with await anyio.connect_tcp("127.0.0.1", port) as stream:
                try:
                    await stream.send(VALIDATION)
                    return (await response(stream)).startswith(b"HTTP/1.1 200 ")
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    return False  # refused: the server has not seen the others close yet

        with anyio.fail_after(10):
            while not await served():
                await anyio.sleep(0.05)


@pytest.mark.anyio
async def test_a_full_dedup_memory_answers_503_over_http(qq: ModuleType) -> None:
    async with serving(qq, dedup_capacity=3, keepalive_timeout=60) as (sim, port, rec):
        requests = [
            http(sim, push("a", "a")),
            http(sim, push("b", "b")),
            http(sim, push("a", "a")),  # a retry: acknowledged, not dispatched
            http(sim, push("c", "c")),
            http(sim, push("d", "d")),  # a fourth push while three are remembered
        ]
        answers = []
        for data in requests:
            async with await anyio.connect_tcp("127.0.0.1", port) as stream:
                await stream.send(data)
                answers.append(await response(stream))
        await until(lambda: "c" in rec.seen)
    assert [a[9:12] for a in answers] == [b"200"] * 4 + [b"503"]
    assert b"retry-after: 1" in answers[-1].lower()
    assert rec.seen == ["a", "b", "c"]
