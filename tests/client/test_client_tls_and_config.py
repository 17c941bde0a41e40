"""The client's TLS is verified by default (and overridable), and its configuration surface."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
import trustme
from _e2e import causes

from qqproto.rest._http import Endpoints, HttpUrl, encode_json_request

pytestmark = pytest.mark.anyio

ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 45\r\n\r\n"
    b'{"access_token":"tok","expires_in":"7200"}   '
)


@contextmanager
def serving(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A loopback server in a thread, handing each connection to ``handle``; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            handle(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def answer(conn: socket.socket) -> None:
    """Read a request's head, then send :data:`ANSWER`."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    conn.sendall(ANSWER)


@contextmanager
def tls_server(ca: trustme.CA) -> Iterator[int]:
    """A loopback HTTPS server (certificate for 127.0.0.1 from ``ca``) answering one JSON."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)

    def handle(raw: socket.socket) -> None:
        try:
            with context.wrap_socket(raw, server_side=True) as conn:
                answer(conn)
        except (OSError, ssl.SSLError):
            pass  # a client that refused our certificate

    with serving(handle) as port:
        yield port


def io_for(qq: ModuleType, context: ssl.SSLContext | None) -> Any:
    return qq.Client.io_factory(context)


async def request(qq: ModuleType, port: int, context: ssl.SSLContext | None) -> Any:
    from qqproto.client._http_pool import HttpPool

    pool = HttpPool(io_for(qq, context), timeout=5.0)
    url = HttpUrl.parse(f"https://127.0.0.1:{port}/app/getAppAccessToken")
    try:
        return await pool.request(encode_json_request(url, "POST", "", {"appId": "1"}))
    finally:
        await pool.aclose()


async def test_tls_is_verified_by_default(qq: ModuleType) -> None:
    with tls_server(trustme.CA()) as port, pytest.raises(qq.TlsError) as info:
        await request(qq, port, None)
    assert isinstance(info.value.__cause__, qq.TlsError)  # the Io's, with the request added
    chain = causes(info.value)
    assert any(isinstance(e, ssl.SSLCertVerificationError) for e in chain), chain
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert info.value.failure is not None and not info.value.failure.sent


async def test_ssl_context_override_trusts_a_private_ca(qq: ModuleType) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with tls_server(ca) as port:
        response = await request(qq, port, context)
    assert response.status == 200 and b"access_token" in response.body


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
def test_with_config_sets_timeout_and_sandbox(qq: ModuleType) -> None:
    client = qq.Client.with_config(
        qq.Token("1", "s"), qq.Intents.default(), qq.EventHandler(), 12.5, True
    )
    assert client.timeout_secs == 12.5 and client.is_sandbox
    assert client.endpoints.api == Endpoints(is_sandbox=True).api
    assert "sandbox" in str(client.endpoints.api)


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
def test_client_rejects_misconfiguration(qq: ModuleType) -> None:
    token, handler = qq.Token("1", "s"), qq.EventHandler()
    with pytest.raises(TypeError, match="Token"):
        qq.Client(("1", "s"), 1, handler)
    with pytest.raises(TypeError, match="EventHandler"):
        qq.Client(token, 1, object())
    with pytest.raises(ValueError, match="timeout_secs"):
        qq.Client(token, 1, handler, timeout_secs=0)
    with pytest.raises(ValueError, match="at least 1"):
        qq.Client(token, 1, handler, max_concurrent_handlers=0)
    with pytest.raises(ValueError, match="shard_count"):
        qq.Client(token, 1, handler, shard_count=0)
    with pytest.raises(ValueError, match="api_base"):
        qq.Client(token, 1, handler, api_base="ftp://example")


@contextmanager
def one_answer_per_connection() -> Iterator[tuple[int, list[int], list[int]]]:
    """A plain HTTP server that answers one request per connection, then closes it (as a server
    whose keep-alive timeout ran out would); counts the connections it accepted and closed."""
    accepted: list[int] = []
    closed: list[int] = []

    def handle(conn: socket.socket) -> None:
        accepted.append(1)
        with conn:
            answer(conn)  # keep-alive promised, then the connection is closed anyway
        closed.append(1)

    with serving(handle) as port:
        yield port, accepted, closed


async def test_pool_skips_a_connection_the_server_closed_while_idle(qq: ModuleType) -> None:
    import anyio

    from qqproto.client._http_pool import HttpPool

    with one_answer_per_connection() as (port, accepted, closed):
        pool = HttpPool(io_for(qq, None), timeout=5.0)
        url = HttpUrl.parse(f"http://127.0.0.1:{port}/app/getAppAccessToken")
        try:
            for n in range(1, 4):
                # a POST is never retried blindly: it must not go out on the dead connection
                response = await pool.request(encode_json_request(url, "POST", "", {"a": 1}))
                assert response.status == 200
                # the server closed it, and the client's side has seen the FIN (asyncio learns
                # of it on a loop iteration, trio by polling the socket)
                idle = [c for conns in pool._idle.values() for c in conns]
                with anyio.fail_after(5):
                    while len(closed) < n or not all(c.stream.is_stale() for c in idle):
                        await anyio.sleep(0.005)
        finally:
            await pool.aclose()
    assert len(accepted) == 3
