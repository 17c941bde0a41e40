"""The ASGI app and the webhook options, driven directly (no server), plus the sim's pusher."""

from __future__ import annotations

import json
import random
import time
from collections.abc import MutableMapping
from typing import Any, cast

import anyio
import pytest
from _e2e import sim_client

import qqbot_asyncio as qq
import qqbot_trio
from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto._errors import LocalProtocolError
from qqproto.client._asgi import WebhookApp
from qqproto.models import C2CMessage
from qqproto.rest._auth import Token
from qqproto.rest._call import ApiResponse
from qqproto.sim import Platform
from qqproto.webhook._receiver import WebhookKey, WebhookReceiver

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def call(
    app: Any,
    method: str = "POST",
    body: bytes | list[bytes] = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    path: str = "/qqbot",
    disconnect: bool = False,
) -> tuple[int, dict[bytes, bytes], bytes]:
    chunks = body if isinstance(body, list) else [body]
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    if disconnect:
        messages = [
            {"type": "http.request", "body": b"{", "more_body": True},
            {"type": "http.disconnect"},
        ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": headers or []}
    await app(scope, receive, send)
    start, body_msg = sent
    return start["status"], dict(start["headers"]), body_msg["body"]


def signed_push(
    secret: str, event_id: str, content: str = "hi"
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    body = json.dumps(
        {
            "op": 0,
            "id": event_id,
            "t": "C2C_MESSAGE_CREATE",
            "d": {"id": event_id, "content": content, "author": {"user_openid": "U"}},
        }
    ).encode()
    ts = str(int(time.time())).encode()
    sig = WebhookKey(secret).sign(ts + body).hex().encode()
    return body, [(b"x-signature-ed25519", sig), (b"x-signature-timestamp", ts)]


class Blocking(qq.EventHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.release = anyio.Event()

    async def on_c2c_message_create(self, ctx: Any, msg: Any) -> None:
        self.seen.append(msg.content)
        await self.release.wait()


def client_for(sim: ThreadedSimulator, handler: Any, **kw: Any) -> Any:
    return sim_client(qq, sim, handler, intents=qq.Intents.none(), **kw)


async def test_not_started_answers_503_and_lifespan_starts_it() -> None:
    with ThreadedSimulator.in_thread() as sim:
        client = client_for(sim, Blocking())
        app = client.asgi_app()
        assert "stopped" in repr(app) and sim.secret not in repr(app)
        status, _, body = await call(app, body=b"{}")
        assert status == 503 and b"async with app.running()" in body
        async with app.running():
            assert "running" in repr(app)
            with pytest.raises(LocalProtocolError, match="already running"):
                async with app.running():
                    pass  # pragma: no cover
            status, headers, _ = await call(app, method="GET")
            assert status == 405 and headers[b"allow"] == b"POST"
            status, _, _ = await call(app, body=b"x" * 2_000_000)
            assert status == 413
            status, _, _ = await call(app, body=[b"x" * 700_000, b"x" * 700_000])
            assert status == 413  # over the limit while streaming in
            status, _, _ = await call(app, disconnect=True)
            assert status == 413  # the body never completed: nothing is handled
            status, _, _ = await call(app, headers=[(b"content-length", b"9999999")])
            assert status == 413


async def test_lifespan_protocol() -> None:
    with ThreadedSimulator.in_thread() as sim:
        app = client_for(sim, Blocking()).asgi_app()
        sent: list[dict[str, Any]] = []
        inbox: Any = anyio.create_memory_object_stream[dict[str, Any]](4)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        async with anyio.create_task_group() as tg:
            tg.start_soon(app, {"type": "lifespan"}, inbox[1].receive, send)
            await inbox[0].send({"type": "lifespan.startup"})
            with anyio.fail_after(5):
                while not sent:
                    await anyio.sleep(0.01)
            assert sent == [{"type": "lifespan.startup.complete"}] and app.endpoint is not None
            await inbox[0].send({"type": "lifespan.shutdown"})
        assert sent[-1] == {"type": "lifespan.shutdown.complete"} and app.endpoint is None

        # a server that shuts down without starting
        sent.clear()
        msgs = [{"type": "lifespan.shutdown"}]

        async def receive() -> dict[str, Any]:
            return msgs.pop(0)

        await app({"type": "lifespan"}, receive, send)
        assert sent == [{"type": "lifespan.shutdown.complete"}]


async def test_lifespan_startup_failure_is_reported() -> None:
    with ThreadedSimulator.in_thread() as sim:
        client = qq.Client(
            qq.Token(sim.app_id, "wrong secret"),
            qq.Intents.none(),
            Blocking(),
            api_base=sim.api_base,
            token_url=sim.token_url,
        )
        app = client.asgi_app()
        sent: list[dict[str, Any]] = []
        msgs = [{"type": "lifespan.startup"}]

        async def receive() -> dict[str, Any]:
            return msgs.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        with anyio.fail_after(10):
            await app({"type": "lifespan"}, receive, send)
        assert sent[0]["type"] == "lifespan.startup.failed"
        assert "wrong secret" not in sent[0]["message"]


async def test_other_scopes() -> None:
    app = WebhookApp([qq.Client(Token("1", "s"), 0, qq.EventHandler())])
    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:  # pragma: no cover - never called
        return {}

    await app({"type": "websocket"}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]
    with pytest.raises(LocalProtocolError, match="HTTP only"):
        await app({"type": "something"}, receive, send)


def test_app_arguments() -> None:
    a = qq.Client(Token("1", "s"), 0, qq.EventHandler())
    t = qqbot_trio.Client(Token("2", "s"), 0, qqbot_trio.EventHandler())
    with pytest.raises(ValueError, match="same adapter"):
        qq.webhook_app(a, t)
    with pytest.raises(ValueError, match="at least one client"):
        qq.webhook_app()
    with pytest.raises(TypeError, match="unknown webhook app options"):
        a.asgi_app(port=1)
    configured = qq.Client(
        Token("3", "s"), 0, qq.EventHandler(), webhook=qq.WebhookOptions(timestamp_window=None)
    )
    app = configured.asgi_app(path="/hook", dedup_capacity=5)
    assert app.options.timestamp_window is None and app.options.dedup_capacity == 5
    assert app.receiver.path == "/hook"
    both = qq.webhook_app(a, configured)
    assert both.receiver.app_ids == ("1", "3")
    bads: list[dict[str, Any]] = [{"port": 70000}, {"request_timeout": 0}, {"max_connections": 0}]
    for bad in bads:
        with pytest.raises(ValueError, match=next(iter(bad))):
            qq.WebhookOptions(**bad)
    with pytest.raises(TypeError, match="WebhookOptions"):
        qq.Client(Token("1", "s"), 0, qq.EventHandler(), webhook=cast(Any, {"port": 1}))
    for port in ["8080", 8080.0, True]:
        with pytest.raises(TypeError, match="webhook port must be an int"):
            qq.WebhookOptions(port=cast(Any, port))


async def test_full_backlog_answers_503_without_remembering_the_id() -> None:
    handler = Blocking()
    with ThreadedSimulator.in_thread() as sim:
        app = client_for(sim, handler, max_concurrent_handlers=1, max_backlog=1).asgi_app()
        async with app.running():
            assert app.endpoint is not None
            (bot,) = app.endpoint.bots.values()
            with anyio.fail_after(5):
                while bot.dispatcher.full:  # on_ready is queued first
                    await anyio.sleep(0.01)
            body, headers = signed_push(sim.secret, "e1", "one")
            assert (await call(app, body=body, headers=headers))[0] == 200
            with anyio.fail_after(5):
                while "one" not in handler.seen:
                    await anyio.sleep(0.01)
            body2, headers2 = signed_push(sim.secret, "e2", "two")
            assert (await call(app, body=body2, headers=headers2))[0] == 200  # queued: now full
            body3, headers3 = signed_push(sim.secret, "e3", "three")
            status, hdrs, _ = await call(app, body=body3, headers=headers3)
            assert status == 503 and hdrs[b"retry-after"] == b"1"
            handler.release.set()
            with anyio.fail_after(5):
                while "two" not in handler.seen:
                    await anyio.sleep(0.01)
            assert (await call(app, body=body3, headers=headers3))[0] == 200  # the retry counts
            with anyio.fail_after(5):
                while "three" not in handler.seen:
                    await anyio.sleep(0.01)
            assert app.endpoint is not None and app.endpoint.rejected == 1


async def test_two_bots_on_one_app() -> None:
    with ThreadedSimulator.in_thread() as sim:
        sim.add_bot("222", "second-bot-secret")
        first, second = Blocking(), Blocking()
        first.release.set()
        second.release.set()
        a = client_for(sim, first)
        b = qq.Client(
            qq.Token("222", "second-bot-secret"),
            qq.Intents.none(),
            second,
            api_base=sim.api_base,
            token_url=sim.token_url,
        )
        app = qq.webhook_app(a, b, path="/qqbot")
        async with app.running():
            body, headers = signed_push("second-bot-secret", "x", "to b")
            assert (await call(app, body=body, headers=[*headers, (b"x-bot-appid", b"222")]))[
                0
            ] == 200
            assert (await call(app, body=body, headers=headers))[0] == 400  # which bot?
            with anyio.fail_after(5):
                while not second.seen:
                    await anyio.sleep(0.01)
        assert first.seen == [] and second.seen == ["to b"]
        assert a.bot is not None and b.bot is not None


async def test_unparsable_event_goes_to_on_error() -> None:
    errors: list[BaseException] = []

    class Handler(qq.EventHandler):
        async def on_error(self, ctx: Any, error: BaseException) -> None:
            errors.append(error)

    with ThreadedSimulator.in_thread() as sim:
        app = client_for(sim, Handler()).asgi_app()
        body = b'{"op":0,"id":"z","t":"C2C_MESSAGE_CREATE","d":[1]}'
        ts = str(int(time.time())).encode()
        sig = WebhookKey(sim.secret).sign(ts + body).hex().encode()
        async with app.running():
            headers = [(b"x-signature-ed25519", sig), (b"x-signature-timestamp", ts)]
            assert (await call(app, body=body, headers=headers))[0] == 200
            with anyio.fail_after(5):
                while not errors:
                    await anyio.sleep(0.01)
    assert "C2CMessage" in str(errors[0])


# ----------------------------------------------------------------------------- the sim's pusher


def test_pusher_validation_pushes_and_retries() -> None:
    platform = Platform(rng=random.Random(1))
    bot = platform.bot()
    pusher = platform.webhook
    receiver = WebhookReceiver(Token(bot.app_id, bot.secret), path="/qqbot", timestamp_window=None)
    assert platform.inject_c2c_message("before", 0.0).pushed is False
    platform.register_webhook("http://127.0.0.1:9/qqbot", 0.0)
    (validation,) = pusher.due(0.0)
    assert pusher.due(0.0) == []  # in flight
    platform.inject_c2c_message("held until validated", 0.0)
    request = pusher.request(validation, 0.0)
    assert request.header("X-Signature-Ed25519") is None  # the validation is unsigned
    answer = receiver.handle("POST", request.target, request.headers, request.body, 0.0)
    pusher.completed(validation, ApiResponse(answer.status, answer.headers, answer.body), 0.0)
    assert pusher.targets[bot.app_id].validated is True
    (push,) = pusher.due(0.0)
    request = pusher.request(push, 0.0)
    result = receiver.handle("POST", request.target, request.headers, request.body, 0.0)
    event = result.events[0].event
    assert result.status == 200 and isinstance(event, C2CMessage)
    assert event.content == "held until validated"
    # no answer: retried after retry_delay with the same id, then given up after max_attempts
    attempt = pusher.completed(push, None, 1.0, error="timed out")
    assert not attempt.acked and pusher.next_deadline() == 1.0 + pusher.retry_delay
    assert pusher.due(1.0) == []
    for n in range(2, pusher.max_attempts + 1):
        (again,) = pusher.due(10.0 * n)
        assert again is push
        pusher.completed(push, ApiResponse(500, (), b"not json"), 10.0 * n)
    assert pusher.pending() == 0 and push.done and pusher.next_deadline() is None
    assert [a.attempt for a in pusher.attempts if a.op == 0] == [1, 2, 3, 4]
    # lost acks
    pusher.lose_acks(1)
    platform.inject_c2c_message("lost ack", 100.0)
    (push,) = pusher.due(100.0)
    ack = ApiResponse(200, (), b'{"op":12,"d":0}')
    assert not pusher.completed(push, ack, 100.0).acked
    (push,) = pusher.due(101.0)
    assert pusher.completed(push, ack, 101.0).acked
    with pytest.raises(ValueError, match="must not be negative"):
        pusher.lose_acks(-1)
    pusher.unregister(bot.app_id)
    assert platform.inject_c2c_message("after", 102.0).pushed is False


def test_pusher_rejects_bad_validation_answers() -> None:
    platform = Platform(rng=random.Random(2))
    pusher = platform.webhook
    pusher.sign_validation = True
    pusher.max_attempts = 5
    platform.register_webhook("http://127.0.0.1:9/", 0.0)
    target = pusher.targets[platform.bot().app_id]
    answers = [
        b"[]",
        json.dumps({"plain_token": "wrong", "signature": "00"}).encode(),
        json.dumps({"plain_token": target.plain_token, "signature": "zz"}).encode(),
        json.dumps({"plain_token": target.plain_token, "signature": "00" * 64}).encode(),
        b"",
    ]
    for n, body in enumerate(answers):
        (validation,) = pusher.due(float(n))
        assert pusher.request(validation, float(n)).header("X-Signature-Ed25519") is not None
        assert not pusher.completed(validation, ApiResponse(200, (), body), float(n)).acked
    assert target.validated is False
    platform.inject_c2c_message("not pushed: the URL failed validation", 9.0)
    assert pusher.due(9.0) == [] and pusher.next_deadline() is None
    pusher.unregister("nobody")


async def test_a_backlog_full_of_bytes_answers_503() -> None:
    """The byte bound of the backlog holds in webhook mode too: large pushes fill it long before
    the count bound, and the next push gets 503 until a handler frees room."""
    handler = Blocking()
    with ThreadedSimulator.in_thread() as sim:
        client = client_for(sim, handler, max_concurrent_handlers=1, max_backlog_bytes=120_000)
        app = client.asgi_app()
        async with app.running():
            assert app.endpoint is not None
            (bot,) = app.endpoint.bots.values()
            body, headers = signed_push(sim.secret, "b1", "one")
            assert (await call(app, body=body, headers=headers))[0] == 200
            with anyio.fail_after(5):
                while "one" not in handler.seen:  # the only worker is held up by it
                    await anyio.sleep(0.01)
            for n in (2, 3):
                body, headers = signed_push(sim.secret, f"b{n}", str(n) + "x" * 70_000)
                assert (await call(app, body=body, headers=headers))[0] == 200
            assert bot.dispatcher.full and len(bot.dispatcher._queue) == 2
            body, headers = signed_push(sim.secret, "b4", "four")
            assert (await call(app, body=body, headers=headers))[0] == 503
            handler.release.set()
            with anyio.fail_after(5):
                while len(handler.seen) < 3:
                    await anyio.sleep(0.01)
            assert (await call(app, body=body, headers=headers))[0] == 200
