"""The ``Io`` contract (``qqproto/client/_io.py``, "The Io contract" in docs/design.md), checked
the same way against every ``Io``: what each method returns and raises, the ``TransportError``
family every transport failure comes as (the loop's own exception as ``__cause__``, the address
in the message), deadlines, and task groups raising an ``ExceptionGroup``.

Each ``Io`` is listed once in :data:`IO_CASES` with the anyio backend it runs on and what it can
do (TLS, real sockets); a new ``Io`` joins the suite by adding a line there.
"""

from __future__ import annotations

import socket
import ssl
import struct
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import pytest
import trustme
from _e2e import causes

from qqbot_asyncio._io import AsyncioIo
from qqbot_trio._io import TrioIo
from qqbot_trio.testing import VirtualIo
from qqproto.client import (
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    TlsError,
    TransportError,
)
from qqproto.client._io import Io, Listener, Stream

if sys.version_info < (3, 11):  # pragma: no cover - Python 3.10
    from exceptiongroup import ExceptionGroup

pytestmark = pytest.mark.anyio

HOST = "127.0.0.1"
PATIENCE = 10.0
"""Seconds a step may take on a loaded box before the test fails (never waited out on success)."""


@dataclass(frozen=True)
class IoCase:
    """One ``Io`` under test: how to make it, the anyio backend it runs on, what it can do."""

    name: str
    backend: str
    make: Callable[[ssl.SSLContext | None], Io]
    tls: bool = True
    """It speaks TLS (an in-memory ``Io`` may accept ``tls=True`` and ignore it)."""
    sockets: bool = True
    """Its streams are real sockets: a stdlib socket can be the peer, causes are ``OSError``s."""


IO_CASES = [
    IoCase("asyncio", "asyncio", AsyncioIo),
    IoCase("trio", "trio", TrioIo),
    IoCase("virtual", "trio", VirtualIo, tls=False, sockets=False),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test runs on every ``Io`` that can do what its ``needs`` marker asks (TLS, real
    sockets): a case that cannot is not generated, rather than skipped."""
    if "case" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("needs")
    wants = marker.kwargs if marker is not None else {}
    cases = [
        c
        for c in IO_CASES
        if (c.tls or not wants.get("tls")) and (c.sockets or not wants.get("sockets"))
    ]
    metafunc.parametrize("case", cases, ids=[c.name for c in cases])


@pytest.fixture
def anyio_backend(case: IoCase) -> str:
    return case.backend


@pytest.fixture
def io(case: IoCase) -> Io:
    return case.make(None)


@asynccontextmanager
async def pair(io: Io, listener: Listener | None = None) -> AsyncIterator[tuple[Stream, Stream]]:
    """A connected (client, server) pair over ``io``'s own listener."""
    own = listener is None
    if listener is None:
        listener = await io.listen(HOST, 0)
    try:
        with anyio.fail_after(PATIENCE):
            client = await io.connect(HOST, listener.port, tls=False, timeout=PATIENCE)
            server = await listener.accept()
        try:
            yield client, server
        finally:
            await client.aclose()
            await server.aclose()
    finally:
        if own:
            await listener.aclose()


def assert_family(
    exc: BaseException, kind: type[TransportError], case: IoCase, *words: str
) -> None:
    """``exc`` is a ``kind``, says ``words`` and, over sockets, chains the loop's own error."""
    assert isinstance(exc, kind), repr(exc)
    for word in words:
        assert word in str(exc), (word, str(exc))
    if case.sockets:
        assert exc.__cause__ is not None and not isinstance(exc.__cause__, TransportError)


# -- connect ---------------------------------------------------------------------------------


async def test_connect_refused_is_a_connect_error(io: Io, case: IoCase) -> None:
    listener = await io.listen(HOST, 0)
    port = listener.port
    await listener.aclose()  # the port is free: nothing listens there now
    with anyio.fail_after(PATIENCE), pytest.raises(ConnectError) as caught:
        await io.connect(HOST, port, tls=False, timeout=PATIENCE)
    assert_family(caught.value, ConnectError, case, f"{HOST}:{port}")
    assert not isinstance(caught.value, TimeoutError)


@pytest.mark.needs(tls=True, sockets=True)
async def test_connect_timeout_is_a_connect_error_and_a_timeout_error(io: Io, case: IoCase) -> None:
    """A peer that accepts TCP but never answers the TLS handshake: ``connect``'s timeout covers
    the handshake and raises :class:`ConnectTimeoutError` (a ``ConnectError`` and a
    ``TimeoutError``)."""
    with socket.create_server((HOST, 0)) as silent:
        port = silent.getsockname()[1]
        with anyio.fail_after(PATIENCE), pytest.raises(ConnectTimeoutError) as caught:
            await io.connect(HOST, port, tls=True, timeout=0.2)
    assert_family(caught.value, ConnectError, case, f"{HOST}:{port}", "0.2 s")
    assert isinstance(caught.value, TimeoutError)


@pytest.mark.needs(tls=True)
async def test_tls_against_a_plain_server_is_a_tls_error(io: Io, case: IoCase) -> None:
    listener = await io.listen(HOST, 0)

    async def plain_server() -> None:
        stream = await listener.accept()
        await stream.receive_some(65536)  # the ClientHello
        await stream.send_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await stream.aclose()

    with anyio.fail_after(PATIENCE):
        async with io.open_task_group() as group:
            group.start_soon(plain_server)
            with pytest.raises(TlsError) as caught:
                await io.connect(HOST, listener.port, tls=True, timeout=PATIENCE)
    await listener.aclose()
    assert_family(caught.value, TlsError, case, f"{HOST}:{listener.port}", "TLS")
    assert not isinstance(caught.value, ConnectError)


@pytest.mark.needs(tls=True, sockets=True)
async def test_tls_with_an_unknown_certificate_is_a_tls_error(case: IoCase) -> None:
    """Verified by default: a certificate from a CA the client does not trust fails, and the
    ``ssl`` verification error is in the chain."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(server_context)
    io = case.make(None)
    listener = await io.listen(HOST, 0, ssl_context=server_context)

    async def tls_server() -> None:
        stream = await listener.accept()
        with pytest.raises(TransportError):  # the client hangs up on our certificate
            await stream.receive_some(1)
        await stream.aclose()

    with anyio.fail_after(PATIENCE):
        async with io.open_task_group() as group:
            group.start_soon(tls_server)
            with pytest.raises(TlsError) as caught:
                await io.connect(HOST, listener.port, tls=True, timeout=PATIENCE)
            group.cancel()  # asyncio never hands a failed handshake to accept
    await listener.aclose()
    assert_family(caught.value, TlsError, case, f"{HOST}:{listener.port}")
    chain = causes(caught.value)
    assert any(isinstance(e, ssl.SSLCertVerificationError) for e in chain), chain


@pytest.mark.needs(tls=True, sockets=True)
async def test_tls_round_trip_with_a_trusted_certificate(case: IoCase) -> None:
    """The server's handshake may wait for its first read (trio's does): ``connect`` returns
    only once the server side runs."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    io = case.make(client_context)
    listener = await io.listen(HOST, 0, ssl_context=server_context)

    async def echo_server() -> None:
        stream = await listener.accept()
        await stream.send_all(await stream.receive_some(4) + b"/pong")
        await stream.aclose()

    with anyio.fail_after(PATIENCE):
        async with io.open_task_group() as group:
            group.start_soon(echo_server)
            client = await io.connect(HOST, listener.port, tls=True, timeout=PATIENCE)
            await client.send_all(b"ping")
            received = b""
            while chunk := await client.receive_some(100):
                received += chunk
            await client.aclose()
    assert received == b"ping/pong"
    await listener.aclose()


# -- streams ---------------------------------------------------------------------------------


async def test_a_clean_close_reads_as_empty_bytes(io: Io) -> None:
    """The peer sends and closes: the reader gets every byte, then ``b""`` (not an error)."""
    async with pair(io) as (client, server):
        await server.send_all(b"last words")
        await server.aclose()
        received = b""
        with anyio.fail_after(PATIENCE):
            while chunk := await client.receive_some(3):
                received += chunk
        assert received == b"last words"
        assert await client.receive_some(3) == b""  # and again
        assert client.is_stale()


@pytest.mark.needs(sockets=True)
async def test_a_reset_is_connection_lost_on_read_then_on_send(io: Io, case: IoCase) -> None:
    """The peer resets the connection: the read raises :class:`ConnectionLostError`, and so
    does a send after it."""
    with socket.create_server((HOST, 0)) as raw_listener:
        port = raw_listener.getsockname()[1]
        with anyio.fail_after(PATIENCE):
            client = await io.connect(HOST, port, tls=False, timeout=PATIENCE)
        peer, _ = raw_listener.accept()  # already queued by the kernel
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()  # with linger 0: a reset, not a clean close
        try:
            with anyio.fail_after(PATIENCE), pytest.raises(ConnectionLostError) as caught:
                await client.receive_some(10)
            assert_family(caught.value, ConnectionLostError, case, f"{HOST}:{port}")
            with pytest.raises(ConnectionLostError) as caught:
                await client.send_all(b"anyone?")
            assert_family(caught.value, ConnectionLostError, case, f"{HOST}:{port}")
        finally:
            await client.aclose()


async def test_sending_to_a_closed_peer_fails_with_a_transport_error(io: Io) -> None:
    """A peer that closed: writes may be buffered for a while, then fail with a
    :class:`TransportError` (never the loop's own exception)."""
    async with pair(io) as (client, server):
        await server.aclose()
        with anyio.fail_after(PATIENCE), pytest.raises(ConnectionLostError):
            while True:
                await client.send_all(b"x" * 65536)
                await anyio.sleep(0)  # let the loop notice the reset


async def test_a_stream_used_after_its_own_close_is_connection_lost(io: Io) -> None:
    """Closed before, or while another task waits in a read."""
    async with pair(io) as (client, _):
        raised: list[BaseException] = []
        waiting = io.create_event()

        async def read() -> None:
            waiting.set()
            try:
                await client.receive_some(10)
            except ConnectionLostError as exc:
                raised.append(exc)

        with anyio.fail_after(PATIENCE):
            async with io.open_task_group() as group:
                group.start_soon(read)
                await waiting.wait()
                await io.sleep_until(io.now() + 0.01)  # into the read's wait (a pass if not yet)
                await client.aclose()
        assert len(raised) == 1
        await client.aclose()  # twice is fine
        with pytest.raises(ConnectionLostError):
            await client.send_all(b"x")
        with pytest.raises(ConnectionLostError):
            await client.receive_some(1)
        assert client.is_stale()


async def test_receive_by_returns_none_at_its_deadline_and_loses_nothing(io: Io) -> None:
    async with pair(io) as (client, server):
        start = io.now()
        with anyio.fail_after(PATIENCE):
            assert await io.receive_by(client, 10, start + 0.05) is None
            assert io.now() >= start + 0.05
            assert await io.receive_by(client, 10, io.now() - 1.0) is None  # already past
            await server.send_all(b"late")
            received = b""
            while len(received) < 4:
                data = await io.receive_by(client, 10, None)
                assert data
                received += data
        assert received == b"late"


async def test_idle_stream_is_not_stale_and_knows_its_peer(io: Io) -> None:
    async with pair(io) as (client, server):
        assert not client.is_stale() and not server.is_stale()
        assert server.peer() == HOST


async def test_a_read_of_no_bytes_is_a_value_error_not_an_eof(io: Io) -> None:
    async with pair(io) as (client, server):
        await server.send_all(b"data")
        with pytest.raises(ValueError):
            await client.receive_some(0)
        with anyio.fail_after(PATIENCE):
            assert await client.receive_some(1) == b"d"


# -- listeners -------------------------------------------------------------------------------


async def test_listen_on_a_used_port_is_a_transport_error(io: Io, case: IoCase) -> None:
    listener = await io.listen(HOST, 0)
    try:
        assert listener.port > 0
        with pytest.raises(TransportError) as caught:
            await io.listen(HOST, listener.port)
        assert_family(caught.value, TransportError, case, f"{HOST}:{listener.port}")
    finally:
        await listener.aclose()


async def test_accept_on_a_closed_listener_is_a_transport_error(io: Io) -> None:
    """Closed before, or while another task waits in ``accept``."""
    listener = await io.listen(HOST, 0)
    raised: list[BaseException] = []
    waiting = io.create_event()

    async def accept() -> None:
        waiting.set()
        try:
            await listener.accept()
        except TransportError as exc:
            raised.append(exc)

    with anyio.fail_after(PATIENCE):
        async with io.open_task_group() as group:
            group.start_soon(accept)
            await waiting.wait()
            await io.sleep_until(io.now() + 0.01)  # into accept's wait (a pass if not yet)
            await listener.aclose()
    assert len(raised) == 1
    await listener.aclose()  # twice is fine
    with anyio.fail_after(PATIENCE), pytest.raises(TransportError):
        await listener.accept()


# -- time ------------------------------------------------------------------------------------


async def test_wait_by(io: Io) -> None:
    event = io.create_event()
    with anyio.fail_after(PATIENCE):
        assert await io.wait_by(event, io.now() + 0.05) is False
        assert not event.is_set()
        event.set()
        assert await io.wait_by(event, io.now() + PATIENCE) is True
        assert await io.wait_by(event, None) is True
        assert await io.wait_by(event, io.now() - 1.0) is True  # set already: no deadline hit


async def test_fail_at_raises_a_plain_timeout_error(io: Io) -> None:
    start = io.now()
    with anyio.fail_after(PATIENCE), pytest.raises(TimeoutError) as caught:
        async with io.fail_at(start + 0.05):
            await io.sleep_until(start + PATIENCE)
    assert not isinstance(caught.value, TransportError)  # the caller's deadline, not the network
    assert io.now() >= start + 0.05
    async with io.fail_at(io.now() + PATIENCE):  # finished in time: nothing raised
        await io.sleep_until(io.now())


async def test_sleep_until_and_the_clocks(io: Io) -> None:
    start = io.now()
    await io.sleep_until(start + 0.02)
    assert io.now() >= start + 0.02
    await io.sleep_until(start - 1.0)  # in the past: returns
    assert io.wall_time() > 1_600_000_000


async def test_run_shielded_outlives_the_callers_cancellation(io: Io) -> None:
    """The caller cancelled while ``fn`` runs: ``fn`` still runs to its end (awaiting more than
    once), then the cancellation reaches the caller."""
    started = io.create_event()
    steps: list[str] = []

    async def clean_up() -> None:
        started.set()
        await io.sleep_until(io.now() + 0.05)
        steps.append("first")
        await io.sleep_until(io.now() + 0.05)
        steps.append("second")

    async def caller() -> None:
        await io.run_shielded(clean_up, io.now() + PATIENCE)
        steps.append("caller went on")  # never: the cancellation is raised after fn

    with anyio.fail_after(PATIENCE):
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(caller)
                await started.wait()
                scope.cancel()
        assert scope.cancelled_caught
    assert steps == ["first", "second"]


async def test_run_shielded_ends_fn_at_its_deadline_and_raises_its_errors(io: Io) -> None:
    ended: list[str] = []

    async def slow() -> None:
        try:
            await io.sleep_until(io.now() + 1000.0)
        finally:
            ended.append("slow")

    start = io.now()
    with anyio.fail_after(PATIENCE):
        await io.run_shielded(slow, start + 0.05)  # quietly, at the deadline
    assert ended == ["slow"] and io.now() >= start + 0.05

    async def broken() -> None:
        raise LookupError("clean-up failed")

    with anyio.fail_after(PATIENCE), pytest.raises(LookupError):
        await io.run_shielded(broken, io.now() + PATIENCE)


# -- task groups -----------------------------------------------------------------------------


async def fail(exc: Exception) -> None:
    raise exc  # at its first step: both tasks fail before either is cancelled


async def test_task_group_errors_come_as_one_exception_group(io: Io) -> None:
    """Every error of the tasks and of the body, in one ``ExceptionGroup`` (asyncio's used to
    raise a bare one and drop the others); the tasks still running are cancelled."""
    cancelled = io.create_event()

    async def bystander() -> None:
        try:
            await io.sleep_until(io.now() + PATIENCE)
        finally:
            cancelled.set()

    with anyio.fail_after(PATIENCE), pytest.raises(ExceptionGroup) as caught:
        async with io.open_task_group() as group:
            group.start_soon(bystander)
            group.start_soon(fail, ValueError("one"))
            group.start_soon(fail, KeyError("two"))
    assert sorted(type(e).__name__ for e in caught.value.exceptions) == ["KeyError", "ValueError"]
    assert cancelled.is_set()

    with pytest.raises(ExceptionGroup) as caught:  # the body's own error is grouped too
        async with io.open_task_group() as group:
            raise LookupError("body")
    assert [type(e).__name__ for e in caught.value.exceptions] == ["LookupError"]


async def test_task_group_cancel_ends_it_without_error(io: Io) -> None:
    finished: list[str] = []

    async def forever(name: str) -> None:
        try:
            await io.sleep_until(io.now() + 1000.0)
        finally:
            finished.append(name)

    with anyio.fail_after(PATIENCE):
        async with io.open_task_group() as group:
            group.start_soon(forever, "a")
            group.start_soon(forever, "b")
            await io.sleep_until(io.now())
            group.cancel()
    assert sorted(finished) == ["a", "b"]


async def test_cancelling_from_outside_is_not_an_error(io: Io) -> None:
    """A cancel scope around the group (the caller's cancellation) ends it quietly: no group."""
    started = io.create_event()

    async def forever() -> None:
        started.set()
        await io.sleep_until(io.now() + 1000.0)

    with anyio.fail_after(PATIENCE):
        with anyio.CancelScope() as scope:
            async with io.open_task_group() as group:
                group.start_soon(forever)
                await started.wait()
                scope.cancel()
                await io.sleep_until(io.now() + 1000.0)
        assert scope.cancelled_caught
