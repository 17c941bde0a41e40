"""Webhook mode end to end over loopback HTTP: the simulator pushes signed callbacks to the bot.

The standalone server runs on both adapters (each test once on asyncio, once on trio); the ASGI
app runs under real ASGI servers (uvicorn on asyncio, hypercorn on trio).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, TypeVar

import anyio
import pytest
from _e2e import (
    Recording,
    asgi_server,
    exchange,
    hi_in_four_scenes,
    request,
    sign,
    sim_client,
    until,
    wait,
)

from qqbot_asyncio.simulator import ThreadedSimulator

T = TypeVar("T")
pytestmark = pytest.mark.anyio


class Recorder(Recording):
    """Echoes in every scene and records what it saw."""

    def __init__(self, qq: ModuleType) -> None:
        super().__init__()
        rec = self

        class Handler(qq.EventHandler):  # type: ignore[misc, name-defined]
            async def on_ready(self, ctx: Any, ready: Any) -> None:
                rec.events.append(("ready", (ctx, ready)))

            async def _echo(self, kind: str, ctx: Any, msg: Any) -> None:
                rec.events.append((kind, msg))
                await msg.reply(ctx, content="echo: " + (msg.content or ""))

            async def on_at_message_create(self, ctx: Any, msg: Any) -> None:
                await self._echo("at", ctx, msg)

            async def on_direct_message_create(self, ctx: Any, msg: Any) -> None:
                await self._echo("dm", ctx, msg)

            async def on_group_at_message_create(self, ctx: Any, msg: Any) -> None:
                await self._echo("group", ctx, msg)

            async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
                if msg.content == "slow":
                    await anyio.sleep(30)  # never delays the ack
                await self._echo("c2c", ctx, msg)

            async def on_error(self, ctx: Any, error: BaseException) -> None:
                rec.errors.append(error)

        self.handler = Handler()


def make_client(qq: ModuleType, sim: ThreadedSimulator, handler: Any, **kw: Any) -> Any:
    return sim_client(qq, sim, handler, intents=qq.Intents.none(), **kw)


@asynccontextmanager
async def serving(
    qq: ModuleType, sim: ThreadedSimulator, handler: Any, *, register: bool = True, **options: Any
) -> AsyncIterator[Any]:
    """A client in webhook mode (standalone server on a free port), validated by the sim."""
    options.setdefault("port", 0)
    client = make_client(qq, sim, handler, webhook=qq.WebhookOptions(**options))
    async with anyio.create_task_group() as tg:
        tg.start_soon(client.start)
        await until(lambda: client.webhook_url)
        if register:
            sim.register_webhook(client.webhook_url)
            await wait(sim.wait_for_webhook_validation)
        yield client
        tg.cancel_scope.cancel()


async def test_echo_over_webhook_in_all_four_scenes(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with ThreadedSimulator.in_thread() as sim:
        async with serving(qq, sim, rec.handler) as client:
            assert client.webhook_url.startswith("http://127.0.0.1:")
            for text, sent in await hi_in_four_scenes(sim):
                assert sent.body["content"].endswith(text) and sent.msg_id
            ctx, ready = rec.kinds("ready")[0]
            assert ctx.bot.id == ready.user.id and ctx.shard == (0, 1)
            attempts = await wait(sim.wait_for_pushes_settled)
    assert [a.op for a in attempts] == [13, 0, 0, 0, 0]
    assert all(a.acked and a.response == {"op": 12, "d": 0} for a in attempts[1:])
    assert rec.errors == []
    assert not sim.identifies() and sim.websocket_connections == 0  # no gateway at all


async def test_retried_push_is_delivered_once(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with ThreadedSimulator.in_thread() as sim:
        async with serving(qq, sim, rec.handler):
            sim.lose_webhook_acks(2)  # the first two acks never reach the platform
            incoming = sim.inject_c2c_message("once")
            attempts = await wait(sim.wait_for_pushes_settled)
            # a later push, handled: the retries before it were taken in (or dropped) before it
            sim.inject_c2c_message("later")
            await wait(sim.wait_for_message, scene="c2c", contains="later")
    pushes = [a for a in attempts if a.op == 0]
    assert [a.attempt for a in pushes] == [1, 2, 3]
    assert {a.event_id for a in pushes} == {incoming.event_id}
    assert [a.acked for a in pushes] == [False, False, True]
    # handled once each (handlers run concurrently: in either order)
    assert sorted(m.content or "" for m in rec.kinds("c2c")) == ["later", "once"]
    assert sorted(m.content or "" for m in sim.sent_messages(scene="c2c")) == [
        "echo: later",
        "echo: once",
    ]


async def test_a_slow_handler_does_not_delay_the_ack(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with ThreadedSimulator.in_thread() as sim:
        async with serving(qq, sim, rec.handler):
            slow = sim.inject_c2c_message("slow")
            sim.inject_c2c_message("fast")
            await wait(sim.wait_for_message, scene="c2c", contains="fast", timeout=10)
            attempts = await wait(sim.wait_for_pushes_settled, 10)
            # the "slow" handler is still sleeping, yet its push was acknowledged
            assert "slow" not in [m.content for m in rec.kinds("c2c")]
    acked = [a for a in attempts if a.op == 0 and a.acked]
    assert slow.event_id in {a.event_id for a in acked}, attempts
    assert len(acked) == 2, attempts


async def test_forged_stale_oversized_and_malformed_requests_dispatch_nothing(
    qq: ModuleType,
) -> None:
    import time

    rec = Recorder(qq)
    with ThreadedSimulator.in_thread() as sim:
        async with serving(qq, sim, rec.handler, register=False, max_body_size=4096) as client:
            port = int(client.webhook_url.rsplit(":", 1)[1].split("/")[0])
            body = json.dumps(
                {"op": 0, "id": "x1", "t": "C2C_MESSAGE_CREATE", "d": {"id": "m", "content": "hi"}}
            ).encode()
            now = int(time.time())
            good = sign(sim.secret, body, now)
            statuses = []
            for rejected in (
                request(port, body, sign("not the secret", body, now)),  # forged
                request(port, body.replace(b"hi", b"ho"), good),  # tampered
                request(port, body, sign(sim.secret, body, now - 3600)),  # stale
                request(port, b"{oops", sign(sim.secret, b"{oops", now)),  # malformed JSON
                request(port, body, {}),  # unsigned
                request(port, body, good, path="/elsewhere"),  # wrong path
            ):
                # each rejection closes its connection: the request after it is never sent
                answer, after = await exchange(port, rejected, request(port, body, good))
                statuses.append(answer.status)
                assert after is None
            assert statuses == [403, 403, 403, 400, 403, 404]
            big = b"x" * 5000
            (too_big,) = await exchange(port, request(port, big, sign(sim.secret, big, now)))
            assert too_big.status == 413
            (get,) = await exchange(port, request(port, b"", {}, method="GET"))
            assert get.status == 405 and get.header("allow") == "POST"
            # the genuine push still gets through, and its retry is dropped
            first, again = await exchange(
                port, request(port, body, good), request(port, body, good)
            )
            assert (first.status, json.loads(first.body)) == (200, {"op": 12, "d": 0})
            assert (again.status, json.loads(again.body)) == (200, {"op": 12, "d": 0})
            # then a push with a new id: once it is handled, everything sent before it was
            # taken in (or refused) before it
            later = body.replace(b'"x1"', b'"x2"').replace(b'"m"', b'"m2"').replace(b"hi", b"later")
            (last,) = await exchange(port, request(port, later, sign(sim.secret, later, now)))
            assert last.status == 200
            await until(lambda: "later" in [m.content for m in rec.kinds("c2c")])
            assert sorted(m.content for m in rec.kinds("c2c")) == ["hi", "later"]


async def test_server_timeouts_and_bounds(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with ThreadedSimulator.in_thread() as sim:
        opts: dict[str, Any] = {
            "register": False,
            "request_timeout": 0.3,
            "keepalive_timeout": 0.3,
            "max_header_size": 2048,
            "max_body_size": 1000,
        }
        async with serving(qq, sim, rec.handler, **opts) as client:
            port = int(client.webhook_url.rsplit(":", 1)[1].split("/")[0])

            async def raw(data: bytes) -> bytes:
                async with await anyio.connect_tcp("127.0.0.1", port) as stream:
                    await stream.send(data)
                    received = b""
                    with anyio.fail_after(3):
                        while True:
                            try:
                                received += await stream.receive()
                            except (anyio.EndOfStream, anyio.BrokenResourceError):
                                return received

            stalled = b"POST /qqbot HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
            assert (await raw(stalled)).startswith(b"HTTP/1.1 408 ")
            assert (await raw(b"HTTP/1.1 garbage\r\n\r\n")).startswith(b"HTTP/1.1 400 ")
            huge = b"POST /qqbot HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 4000  # head unfinished
            assert (await raw(huge)).startswith(b"HTTP/1.1 431 ")
            assert await raw(b"") == b""  # connected, sent nothing: closed after the idle timeout
            assert await raw(b"POST /qqbot HTTP/1.1\r\nHo") == b""  # a stalled head: just closed
            expect = (
                b"POST /qqbot HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                b"Content-Length: 2\r\n\r\n{}"
            )
            chunked = b"POST /qqbot HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            chunked += b"7d0\r\n" + b"a" * 2000 + b"\r\n0\r\n\r\n"  # no Content-Length to check
            assert (await raw(chunked)).startswith(b"HTTP/1.1 413 ")
            answer = await raw(expect)
            assert answer.startswith(b"HTTP/1.1 100 ") and b"HTTP/1.1 403 " in answer


async def test_connection_limit(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with ThreadedSimulator.in_thread() as sim:
        async with serving(qq, sim, rec.handler, register=False, max_connections=1) as client:
            port = int(client.webhook_url.rsplit(":", 1)[1].split("/")[0])
            async with await anyio.connect_tcp("127.0.0.1", port) as first:
                # no pause needed: connections are accepted (and counted) in the order their
                # handshakes completed, and this one completed before the next is opened
                async with await anyio.connect_tcp("127.0.0.1", port) as second:
                    with anyio.fail_after(3):
                        with pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError)):
                            await second.receive()  # refused: closed at once
                await first.send(b"GET /qqbot HTTP/1.1\r\nHost: x\r\n\r\n")
                assert (await first.receive()).startswith(b"HTTP/1.1 405 ")


async def test_tls_standalone_server(qq: ModuleType) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    rec = Recorder(qq)
    with ThreadedSimulator.in_thread(webhook_ssl_context=client_context) as sim:
        async with serving(qq, sim, rec.handler, ssl_context=server_context) as client:
            assert client.webhook_url.startswith("https://127.0.0.1:")
            sim.inject_group_at_message("over tls")
            sent = await wait(sim.wait_for_message, scene="group")
            assert (sent.content or "").endswith("over tls")
            port = int(client.webhook_url.rsplit(":", 1)[1].split("/")[0])
            (get,) = await exchange(port, request(port, b"", {}, method="GET"), tls=client_context)
            assert get.status == 405
            # a plain-HTTP client on the TLS port gets nothing and the server carries on
            async with await anyio.connect_tcp("127.0.0.1", port) as plain:
                await plain.send(b"GET /qqbot HTTP/1.1\r\nHost: x\r\n\r\n")
                with (
                    anyio.fail_after(3),
                    pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError)),
                ):
                    while True:
                        assert not (await plain.receive()).startswith(b"HTTP")
            sim.inject_group_at_message("still fine")
            await wait(sim.wait_for_message, scene="group", contains="still fine")


async def test_wrong_secret_fails_validation(qq: ModuleType) -> None:
    rec = Recorder(qq)
    with ThreadedSimulator.in_thread() as sim:
        client = make_client(qq, sim, rec.handler, webhook=qq.WebhookOptions(port=0))
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await until(lambda: client.webhook_url)
            sim.call(lambda p: setattr(p.bot(), "secret", "the console changed it"))
            sim.call(lambda p: p.webhook._keys.clear())
            sim.call(lambda p: setattr(p.webhook, "retry_delay", 0.01))
            sim.register_webhook(client.webhook_url)
            with pytest.raises(RuntimeError, match="answered the webhook validation"):
                await wait(sim.wait_for_webhook_validation)
            # the first wrong answer fails the validation; the platform retries it (4 in all)
            validations = await wait(
                sim.wait_for,
                lambda p: (
                    [a.op for a in p.webhook.attempts] if len(p.webhook.attempts) >= 4 else None
                ),
                5.0,
                "every validation attempt",
            )
            assert validations == [13] * 4
            injected = sim.inject_c2c_message("never pushed")
            # queued for the URL, but held: never sendable to a URL that failed validation
            # (nothing in flight, nothing due now or later)
            assert injected.pushed
            held = sim.call(
                lambda p: (
                    p.webhook.pending(),
                    [q.in_flight for q in p.webhook._queue],
                    p.webhook.next_deadline(),
                )
            )
            assert held == (1, [False], None)
            assert [a.op for a in sim.webhook_attempts()] == [13] * 4
            tg.cancel_scope.cancel()


# ----------------------------------------------------------------------------- under ASGI servers


@pytest.mark.parametrize(
    ("anyio_backend", "kind"),
    [("asyncio", "uvicorn"), ("trio", "hypercorn")],
    indirect=["anyio_backend"],
)
async def test_asgi_app_under_a_real_server(qq: ModuleType, kind: str) -> None:
    rec = Recorder(qq)
    with ThreadedSimulator.in_thread() as sim:
        client = make_client(qq, sim, rec.handler)
        app = client.asgi_app(path="/qqbot")
        async with asgi_server(kind, app) as url:
            assert app.endpoint is not None  # started by the server's lifespan
            sim.register_webhook(url)
            await wait(sim.wait_for_webhook_validation)
            sim.lose_webhook_acks(1)
            incoming = sim.inject_c2c_message("via asgi")
            sim.inject_at_message("also via asgi")
            await wait(sim.wait_for_message, scene="c2c", contains="via asgi")
            await wait(sim.wait_for_message, scene="channel", contains="also via asgi")
            attempts = await wait(sim.wait_for_pushes_settled)
            port = int(url.rsplit(":", 1)[1].split("/")[0])
            forged = json.dumps({"op": 0, "id": "f", "t": "C2C_MESSAGE_CREATE", "d": {}}).encode()
            (response,) = await exchange(port, request(port, forged, sign("wrong", forged, 1)))
            assert response.status == 403
            # a later genuine push, handled: the forged one was refused before it
            sim.inject_c2c_message("after the forgery")
            await wait(sim.wait_for_message, scene="c2c", contains="after the forgery")
        assert app.endpoint is None  # stopped by the lifespan shutdown
    pushes = [a for a in attempts if a.op == 0]  # one of the two had its first ack lost
    assert sorted(a.attempt for a in pushes) == [1, 1, 2]
    assert incoming.event_id in {a.event_id for a in pushes}
    assert sorted(m.content for m in rec.kinds("c2c")) == ["after the forgery", "via asgi"]
    assert len(rec.kinds("at")) == 1
    assert rec.kinds("ready") and rec.errors == []


async def test_wait_audit_in_webhook_mode(qq: ModuleType) -> None:
    """A reply held for audit in webhook mode: the pushed MESSAGE_AUDIT_PASS (no handler for it)
    reaches ``wait_audit`` through the webhook server."""
    verdicts: list[Any] = []
    errors: list[BaseException] = []

    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
            try:
                await msg.reply(ctx, content="borderline")
            except qq.AuditPendingError as exc:
                verdicts.append(await qq.wait_audit(ctx, exc, timeout=10))

        async def on_error(self, ctx: Any, error: BaseException) -> None:
            errors.append(error)

    with ThreadedSimulator.in_thread() as sim:
        async with serving(qq, sim, Bot()):
            sim.audit_next(1)
            sim.inject_c2c_message("hello")
            records = await until(lambda: sim.audits())
            assert verdicts == []  # held: the handler is waiting
            sim.pass_audit(records[0].audit_id)
            await until(lambda: verdicts)
    assert errors == []
    assert verdicts[0].passed and verdicts[0].audit_id == records[0].audit_id
    assert [m.content for m in sim.sent_messages(scene="c2c")] == ["borderline"]  # on pass
