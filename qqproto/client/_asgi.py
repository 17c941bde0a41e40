"""The webhook as an ASGI 3 application, for bots that live inside a web framework.

::

    client = qq.Client(qq.Token(app_id, secret), qq.Intents.none(), Echo())
    app = client.asgi_app()              # or qq.webhook_app(client_a, client_b) for several bots
    # uvicorn module:app  /  hypercorn -k trio module:app  /  mount it in Starlette, FastAPI...

The app is IO-free: handler calls are spawned in a task group of the clients' adapter
(``qqbot_asyncio`` clients under an asyncio server such as uvicorn, ``qqbot_trio`` clients under
hypercorn's trio worker). That group, the access token and the bot's user are set up when the
app starts, in one of two ways:

* by the ASGI **lifespan** protocol, which uvicorn and hypercorn run for an app served directly;
* by ``async with app.running():`` in the host framework's own lifespan, for a mounted app
  (frameworks do not forward lifespan events to mounted apps).

Until it started, requests get 503 saying so. Everything else is the shared
:class:`~qqproto.client._webhook_server.WebhookEndpoint`: verify, ack at once (in cluster mode
after the bounded shared deduplication in Redis), dispatch in the background.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from qqproto._errors import LocalProtocolError
from qqproto.client._webhook_server import WebhookEndpoint, WebhookOptions, webhook_session
from qqproto.webhook._receiver import WebhookResult

if TYPE_CHECKING:
    from qqproto.client._runtime import ClientBase

__all__ = ["WebhookApp", "webhook_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_RECEIVER_OPTIONS = frozenset(
    {"max_body_size", "timestamp_window", "dedup_capacity", "allow_unsigned_validation"}
)
_NOT_STARTED = WebhookResult(
    503,
    b'{"code":503,"message":"the webhook app has not started: serve it with ASGI lifespan '
    b"enabled, or wrap the host app's lifespan in `async with app.running():`\"}",
    reason="not started",
)


class WebhookApp:
    """An ASGI 3 app serving the callbacks of ``clients`` (routed by ``X-Bot-Appid``).

    ``path`` is the only path answered (None: any path the server routes here); the other
    keywords are :class:`~qqproto.client._webhook_server.WebhookOptions` receiver fields
    (``max_body_size``, ``timestamp_window``, ``dedup_capacity``, ``allow_unsigned_validation``)
    and default to the first client's ``webhook`` options.
    """

    def __init__(
        self, clients: Sequence[ClientBase], *, path: str | None = None, **options: Any
    ) -> None:
        clients = list(clients)
        if not clients:
            raise ValueError("a webhook app needs at least one client")
        if len({type(c._io) for c in clients}) != 1:
            raise ValueError(
                "the clients of one webhook app must come from the same adapter "
                "(all qqbot_asyncio or all qqbot_trio)"
            )
        unknown = set(options) - _RECEIVER_OPTIONS
        if unknown:
            raise TypeError(
                f"unknown webhook app options {sorted(unknown)}; known: {sorted(_RECEIVER_OPTIONS)}"
            )
        base = clients[0].webhook or WebhookOptions()
        values = {f.name: getattr(base, f.name) for f in fields(WebhookOptions)}
        values.update(options)
        self.options = WebhookOptions(**values)
        self.clients = clients
        self.receiver = self.options.receiver(clients, path)
        """Built once: the bots' keys are derived here."""
        self.endpoint: WebhookEndpoint | None = None
        """The live endpoint while the app runs (for inspection)."""

    def __repr__(self) -> str:
        state = "running" if self.endpoint is not None else "stopped"
        return f"<WebhookApp {self.receiver!r} {state}>"

    @asynccontextmanager
    async def running(self) -> AsyncIterator[WebhookApp]:
        """Start the bots' side (token, bot user, dispatchers) for the block."""
        if self.endpoint is not None:
            raise LocalProtocolError("this webhook app is already running")
        async with webhook_session(self.clients, self.receiver) as endpoint:
            self.endpoint = endpoint
            try:
                yield self
            finally:
                self.endpoint = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            raise LocalProtocolError(f"the webhook app serves HTTP only, not {kind!r}")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":
            await send({"type": "lifespan.shutdown.complete"})
            return
        started = False
        try:
            async with self.running():
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()  # lifespan.shutdown
        except Exception as exc:
            failed = "lifespan.shutdown.failed" if started else "lifespan.startup.failed"
            await send({"type": failed, "message": f"{type(exc).__name__}: {exc}"})
            return
        await send({"type": "lifespan.shutdown.complete"})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.endpoint
        if endpoint is None:
            await _respond(send, _NOT_STARTED)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        headers = scope["headers"]
        result = endpoint.check_head(method, path, headers)
        if result is None:
            body = await _read_body(receive, self.options.max_body_size)
            if body is None:
                result = endpoint.too_large()
            else:
                result = await endpoint.handle(method, path, headers, body)
        await _respond(send, result)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None once it exceeds ``limit`` bytes (or the client went away)."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None  # http.disconnect
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


async def _respond(send: Send, result: WebhookResult) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in result.headers]
    headers.append((b"content-length", str(len(result.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": result.status, "headers": headers})
    await send({"type": "http.response.body", "body": result.body})


def webhook_app(*clients: ClientBase, path: str | None = None, **options: Any) -> WebhookApp:
    """One ASGI app for the callbacks of several bots on one URL (by ``X-Bot-Appid``)."""
    return WebhookApp(clients, path=path, **options)
