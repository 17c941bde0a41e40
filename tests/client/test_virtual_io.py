"""``qqbot_trio.testing.VirtualIo``: the in-memory network (streams, EOF, close, listeners,
refused connects) and the deadlines of the ``Io`` contract on the virtual clock, which must hit
their deadlines exactly and take no real time; the webhook server's timeouts over it."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Awaitable
from typing import Any

import pytest
import trio
from _e2e import on_virtual_clock

from qqbot_trio import (
    ConnectError,
    ConnectionLostError,
    EventHandler,
    Intents,
    Token,
    TransportError,
)
from qqbot_trio.testing import (
    CLIENT_ADDRESS,
    EPOCH,
    START,
    VirtualClient,
    VirtualIo,
    VirtualListener,
    VirtualStream,
    run_virtual,
)
from qqproto.client._webhook_server import WebhookEndpoint, WebhookOptions, serve_http
from qqproto.webhook import WebhookReceiver

if sys.version_info < (3, 11):  # pragma: no cover - Python 3.10
    from exceptiongroup import ExceptionGroup


async def pair(
    io: VirtualIo, port: int = 0
) -> tuple[VirtualListener, VirtualStream, VirtualStream]:
    listener = await io.listen("127.0.0.1", port)
    client = await io.connect("127.0.0.1", listener.port, tls=False, timeout=1.0)
    server = await listener.accept()
    return listener, client, server


@on_virtual_clock
async def test_bytes_flow_both_ways_in_order_and_in_pieces(io: VirtualIo) -> None:
    _, client, server = await pair(io)
    await client.send_all(b"hello ")
    await client.send_all(b"world")
    assert await server.receive_some(3) == b"hel"
    assert await server.receive_some(100) == b"lo world"
    await server.send_all(b"back")
    assert await client.receive_some(100) == b"back"
    assert client.peer() == "127.0.0.1" and server.peer() == CLIENT_ADDRESS
    with pytest.raises(ValueError):
        await server.receive_some(0)


@on_virtual_clock
async def test_a_read_waits_for_data(io: VirtualIo) -> None:
    _, client, server = await pair(io)
    got: list[bytes] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(lambda: _append(got, server.receive_some(10)))
        await trio.sleep(5)
        assert got == []
        await client.send_all(b"late")
    assert got == [b"late"]


async def _append(into: list[bytes], read: Awaitable[bytes]) -> None:
    into.append(await read)


@on_virtual_clock
async def test_the_peers_close_gives_the_rest_then_eof_and_writes_fail(io: VirtualIo) -> None:
    _, client, server = await pair(io)
    assert not client.is_stale() and not server.is_stale()
    await server.send_all(b"last words")
    assert client.is_stale()  # unasked bytes on an idle connection
    await server.aclose()
    assert await client.receive_some(4) == b"last"
    assert await client.receive_some(100) == b" words"
    assert await client.receive_some(100) == b""
    assert await client.receive_some(100) == b""  # EOF stays EOF
    assert client.is_stale()
    with pytest.raises(ConnectionLostError):
        await client.send_all(b"anyone?")
    assert isinstance(ConnectionLostError("x"), TransportError)


@on_virtual_clock
async def test_closing_an_end_fails_its_reads_and_writes_and_a_blocked_read(io: VirtualIo) -> None:
    _, client, server = await pair(io)
    raised: list[BaseException] = []

    async def reader() -> None:
        try:
            await client.receive_some(10)
        except ConnectionLostError as exc:
            raised.append(exc)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reader)
        await trio.sleep(1)
        await client.aclose()
    assert len(raised) == 1
    await client.aclose()  # twice is fine
    assert client.is_stale() and repr(client).startswith("<VirtualStream closed ")
    with pytest.raises(ConnectionLostError):
        await client.receive_some(10)
    with pytest.raises(ConnectionLostError):
        await client.send_all(b"x")
    assert await server.receive_some(10) == b""  # the peer sees a clean EOF


@on_virtual_clock
async def test_close_works_in_a_cancelled_scope(io: VirtualIo) -> None:
    _, client, server = await pair(io)
    with trio.CancelScope() as scope:
        scope.cancel()
        await client.aclose()
    assert await server.receive_some(10) == b""


@on_virtual_clock
async def test_nothing_listening_is_a_refused_connect(io: VirtualIo) -> None:
    with pytest.raises(ConnectError) as caught:
        await io.connect("127.0.0.1", 8080, tls=False, timeout=5.0)
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert isinstance(caught.value, TransportError)
    listener, _, _ = await pair(io, 8080)
    with pytest.raises(ConnectError):  # another host, same port
        await io.connect("10.0.0.1", 8080, tls=True, timeout=5.0)
    await io.connect("localhost", 8080, tls=True, timeout=5.0)  # TLS: ignored in memory
    await listener.aclose()
    with pytest.raises(ConnectError):
        await io.connect("127.0.0.1", 8080, tls=False, timeout=5.0)


@on_virtual_clock
async def test_closing_a_listener_ends_accept_and_closes_its_backlog(io: VirtualIo) -> None:
    listener = await io.listen("127.0.0.1", 0)
    waiting = await io.connect("127.0.0.1", listener.port, tls=False, timeout=1.0)
    await listener.accept()
    queued = await io.connect("127.0.0.1", listener.port, tls=False, timeout=1.0)
    assert repr(listener) == f"<VirtualListener 127.0.0.1:{listener.port}>"
    await listener.aclose()
    await listener.aclose()  # twice is fine
    assert repr(listener) == f"<VirtualListener 127.0.0.1:{listener.port} closed>"
    assert repr(queued) == "<VirtualStream open peer='127.0.0.1' unread=0>"
    assert await queued.receive_some(10) == b""  # never accepted: closed
    assert not waiting.is_stale()  # accepted before: untouched
    with pytest.raises(TransportError, match="closed"):
        await listener.accept()
    other = await io.listen("127.0.0.1", 0)
    async with trio.open_nursery() as nursery:

        async def accept() -> None:
            with pytest.raises(TransportError, match="closed"):
                await other.accept()

        nursery.start_soon(accept)
        await trio.sleep(1)
        await other.aclose()


@on_virtual_clock
async def test_ports_any_host_and_address_in_use(io: VirtualIo) -> None:
    first = await io.listen("127.0.0.1", 0)
    second = await io.listen("127.0.0.1", 0)
    assert first.port != second.port and 0 < first.port < 65536
    with pytest.raises(TransportError, match="in use"):
        await io.listen("localhost", first.port)
    with pytest.raises(TransportError, match="in use"):
        await io.listen("0.0.0.0", first.port)
    anywhere = await io.listen("0.0.0.0", 9000)
    with pytest.raises(TransportError, match="in use"):
        await io.listen("10.0.0.1", 9000)
    for host in ("127.0.0.1", "10.0.0.1", "bot.example"):
        await io.connect(host, 9000, tls=False, timeout=1.0)
    assert [(await anywhere.accept()).peer() for _ in range(3)] == [CLIENT_ADDRESS] * 3
    with pytest.raises(OverflowError):
        await io.listen("127.0.0.1", 70000)


def test_the_clock_starts_at_start_and_wall_time_follows_it() -> None:
    async def main(io: VirtualIo) -> tuple[float, float, float]:
        before = io.now()
        await io.sleep_until(before + 3600)
        return before, io.now(), io.wall_time()

    real = time.monotonic()
    before, after, wall = run_virtual(main, VirtualIo())
    assert time.monotonic() - real < 5  # an hour of virtual time (bounded for a loaded box)
    assert before == START and after == START + 3600
    assert wall == EPOCH + START + 3600


@on_virtual_clock
async def test_deadlines_fire_exactly_on_time(io: VirtualIo) -> None:
    _, client, server = await pair(io)
    start = io.now()
    assert await io.receive_by(server, 10, start + 30) is None
    assert io.now() == start + 30
    await client.send_all(b"x")
    assert await io.receive_by(server, 10, None) == b"x"
    assert await io.receive_by(server, 10, io.now()) is None  # a deadline already due
    event = io.create_event()
    assert not await io.wait_by(event, io.now() + 2.5)
    assert io.now() == start + 32.5
    async with io.open_task_group() as group:

        async def set_later() -> None:
            await io.sleep_until(io.now() + 7)
            event.set()

        group.start_soon(set_later)
        assert await io.wait_by(event, None)
    assert event.is_set() and io.now() == start + 39.5
    with pytest.raises(TimeoutError):
        async with io.fail_at(io.now() + 60):
            await server.receive_some(10)
    assert io.now() == start + 99.5
    async with io.fail_at(io.now() + 60):
        await io.sleep_until(io.now() + 59)  # finishes in time: no error


@on_virtual_clock
async def test_task_groups_cancel_and_raise_every_error_grouped(io: VirtualIo) -> None:
    started = io.now()
    async with io.open_task_group() as group:
        group.start_soon(io.sleep_until, io.now() + 1e9)
        group.start_soon(io.sleep_until, io.now() + 1e9)
        await io.sleep_until(io.now() + 1)
        group.cancel()
    assert io.now() == started + 1

    async def fail(exc: Exception) -> None:
        raise exc

    with pytest.raises(ExceptionGroup) as caught:
        async with io.open_task_group() as group:
            group.start_soon(fail, ValueError("one"))
            group.start_soon(fail, KeyError("two"))
    assert sorted(type(e).__name__ for e in caught.value.exceptions) == ["KeyError", "ValueError"]


def test_a_virtual_client_runs_on_the_io_it_was_given() -> None:
    io = VirtualIo()
    client = VirtualClient(io, Token("1", "s"), Intents.none(), EventHandler())
    assert client._io is io


def test_the_module_docstring_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    import qqbot_trio.testing

    assert qqbot_trio.testing.__doc__ is not None
    example = textwrap.dedent(qqbot_trio.testing.__doc__.split("::\n", 1)[1])
    exec(compile(example, "qqbot_trio.testing example", "exec"), {"__name__": "example"})
    assert capsys.readouterr().out == f"{START + 600}\n"


# -- the webhook server over the in-memory network ----------------------------------------


async def serving(io: VirtualIo, options: WebhookOptions, task_status: Any) -> None:
    receiver = WebhookReceiver(Token("102000001", "secret"), path=options.path)
    endpoint = WebhookEndpoint(io, receiver, {})
    listener = await io.listen(options.host, options.port)
    task_status.started(listener.port)
    await serve_http(io, listener, endpoint, options)


async def exchange(io: VirtualIo, port: int, data: bytes) -> tuple[bytes, float]:
    """Send ``data``, read until the server closes; the answer and how long it took."""
    stream = await io.connect("127.0.0.1", port, tls=False, timeout=1.0)
    start = io.now()
    await stream.send_all(data)
    answer = b""
    while chunk := await stream.receive_some(65536):
        answer += chunk
    await stream.aclose()
    return answer, io.now() - start


@on_virtual_clock
async def test_the_webhook_servers_timeouts_to_the_instant(io: VirtualIo) -> None:
    options = WebhookOptions(
        port=0, header_timeout=5.0, request_timeout=10.0, keepalive_timeout=30.0
    )
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serving, io, options)
        assert await exchange(io, port, b"POST /qqbot HTTP/1.1\r\nHo") == (b"", 5.0)
        assert await exchange(io, port, b"") == (b"", 5.0)  # sent nothing at all
        stalled = b"POST /qqbot HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
        answer, took = await exchange(io, port, stalled)
        assert answer.startswith(b"HTTP/1.1 408 ") and took == 10.0
        # a kept-alive connection idles for keepalive_timeout after its answer
        stream = await io.connect("127.0.0.1", port, tls=False, timeout=1.0)
        body = b'{"op":13,"d":{"plain_token":"abc","event_ts":"1725000000"}}'
        head = b"POST /qqbot HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
        await stream.send_all(head + body)
        answer = await stream.receive_some(65536)
        assert answer.startswith(b"HTTP/1.1 200 ") and b'"plain_token":"abc"' in answer
        answered = io.now()
        assert await stream.receive_some(65536) == b""
        assert io.now() - answered == 30.0
        nursery.cancel_scope.cancel()
