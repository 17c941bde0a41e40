"""Helpers shared by the end-to-end tests (gateway and webhook): over loopback sockets, and on
the virtual clock (:func:`on_virtual_clock`)."""

from __future__ import annotations

import functools
import inspect
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.streams.tls import TLSStream

from qqproto.rest._http import HttpConnection, HttpRequest, HttpUrl
from qqproto.webhook._receiver import WebhookKey

if TYPE_CHECKING:
    from qqbot_asyncio.simulator import ThreadedSimulator
    from qqbot_trio.testing import VirtualIo
    from qqproto.sim import Simulator

T = TypeVar("T")


def on_virtual_clock(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """A synchronous test running ``fn(io, **params)`` with a new ``VirtualIo`` on trio's virtual
    clock (``qqbot_trio.testing.run_virtual``); ``fn``'s other parameters stay visible to pytest
    (``parametrize``, fixtures)."""
    from qqbot_trio.testing import VirtualIo, run_virtual

    def test(**params: Any) -> None:
        io: VirtualIo = VirtualIo()
        run_virtual(functools.partial(fn, io, **params))

    signature = inspect.signature(fn)
    test.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:]
    )
    for name in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(test, name, getattr(fn, name))
    test.pytestmark = getattr(fn, "pytestmark", [])  # type: ignore[attr-defined]
    return test


async def wait(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking simulator wait in a thread."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


async def until(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll client-side state (the simulator's waits only re-check on simulator changes)."""
    with anyio.fail_after(timeout):
        while not (value := predicate()):
            await anyio.sleep(0.005)
    return value


class Recording:
    """What a test bot saw: ``events`` as ``(kind, value)`` in order, and the ``errors`` its
    handlers raised (subclasses build the ``handler`` that records them)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.errors: list[BaseException] = []

    def kinds(self, kind: str) -> list[Any]:
        """The values recorded as ``kind``, in order."""
        return [v for k, v in self.events if k == kind]


def causes(error: BaseException | None) -> list[BaseException]:
    """``error`` and the chain of its ``__cause__``s, outermost first."""
    chain: list[BaseException] = []
    while error is not None:
        chain.append(error)
        error = error.__cause__
    return chain


def sim_client(
    qq: ModuleType,
    sim: Simulator | ThreadedSimulator,
    handler: Any,
    *,
    make: Callable[..., Any] | None = None,
    **options: Any,
) -> Any:
    """A ``qq.Client`` of the simulator's bot, pointed at it (``make(token, intents, handler,
    **options)`` instead of ``qq.Client`` when given): ``intents`` defaults to
    ``Intents.default()``; every other option goes to the constructor."""
    intents = options.pop("intents", None)
    return (qq.Client if make is None else make)(
        qq.Token(sim.app_id, sim.secret),
        qq.Intents.default() if intents is None else intents,
        handler,
        api_base=sim.api_base,
        token_url=sim.token_url,
        **options,
    )


SCENES = (("channel", "channel hi"), ("dms", "dm hi"), ("group", "group hi"), ("c2c", "c2c hi"))
"""The four scenes and what :func:`hi_in_four_scenes` says in each."""


async def hi_in_four_scenes(sim: ThreadedSimulator) -> list[tuple[str, Any]]:
    """Say "<scene> hi" to the bot in each scene (channel @-message, DM, group @-message, C2C)
    and wait for the message it sends back to each: ``(what was said, the bot's message)`` in
    the order of :data:`SCENES`."""
    sim.inject_at_message("channel hi")
    sim.inject_direct_message("dm hi")
    sim.inject_group_at_message("group hi")
    sim.inject_c2c_message("c2c hi")
    return [
        (text, await wait(sim.wait_for_message, scene=scene, contains=text))
        for scene, text in SCENES
    ]


async def until_virtual(io: Any, predicate: Callable[[], T | None], timeout: float = 60.0) -> T:
    """Poll client-side state every virtual 10 ms of ``io`` (a virtual-clock ``Io``: the
    simulator's waits re-check only when its world changes)."""
    deadline = io.now() + timeout
    while not (value := predicate()):
        if io.now() >= deadline:
            raise TimeoutError(f"not true after {timeout} virtual seconds")
        await io.sleep_until(io.now() + 0.01)
    return value


# -------------------------------------------------------------- cluster mode


class Texts(list[str]):
    """The text of every C2C message a :func:`c2c_text_bot` handled."""


def c2c_text_bot(qq: ModuleType, seen: Texts) -> Any:
    """A handler that records the stripped text of each C2C message in ``seen``."""

    class Bot(qq.EventHandler):  # type: ignore[misc, name-defined]
        async def on_c2c_message_create(self, ctx: Any, ev: Any) -> None:
            seen.append((ev.content or "").strip())

    return Bot()


def links(client: Any) -> dict[int, Any]:
    """The shard links a clustered client's coordinator holds now (shard -> ShardLink)."""
    coordinator = client._coordinator
    return {} if coordinator is None else dict(coordinator.links)


def owned(client: Any) -> list[int]:
    """The shards a clustered client holds a lease on now, sorted."""
    return sorted(links(client))


def live(client: Any, shard: int) -> bool:
    """Whether ``client``'s connection of ``shard`` has a session. The coordinator lists a
    shard as soon as it claimed it; the shard's task creates the connection when it first
    runs, a scheduling step later (trio may run a poll in between)."""
    connection = client.connections.get(shard)
    return connection is not None and connection.session_id is not None


# -------------------------------------------------------------- webhook pushes and ASGI servers


def sign(secret: str, body: bytes, ts: int) -> dict[str, str]:
    """The platform's signature headers for a push of ``body`` at unix time ``ts``."""
    signature = WebhookKey(secret).sign(str(ts).encode() + body).hex()
    return {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": str(ts)}


def _free_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@asynccontextmanager
async def asgi_server(kind: str, app: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn (asyncio) or hypercorn (trio) on a free port; yields the URL."""
    if kind == "uvicorn":
        import uvicorn

        sock = _free_socket()
        server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(server.serve, sockets=[sock]))
            await until(lambda: server.started)
            yield f"http://127.0.0.1:{sock.getsockname()[1]}/qqbot"
            server.should_exit = True
        sock.close()
    else:
        import trio
        from hypercorn.config import Config
        from hypercorn.trio import serve

        config = Config()
        config.bind = ["127.0.0.1:0"]
        config.loglevel = "WARNING"
        stop = trio.Event()
        async with trio.open_nursery() as nursery:
            binds = await nursery.start(
                functools.partial(serve, app, config, shutdown_trigger=stop.wait)
            )
            yield binds[0] + "/qqbot"
            stop.set()


# -------------------------------------------------------------- raw HTTP to a webhook server


async def exchange(
    port: int, *requests: HttpRequest, tls: ssl.SSLContext | None = None
) -> list[Any]:
    """Send ``requests`` on one keep-alive connection; the responses (None after a close)."""
    stream: Any = await anyio.connect_tcp("127.0.0.1", port)
    if tls is not None:
        stream = await TLSStream.wrap(
            stream, hostname="127.0.0.1", ssl_context=tls, standard_compatible=False
        )
    out: list[Any] = []
    conn = HttpConnection()
    async with stream:
        for request in requests:
            if not conn.reusable:
                out.append(None)
                continue
            await stream.send(conn.send(request))
            while True:
                try:
                    chunk = await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    chunk = b""
                response = conn.receive_data(chunk)
                if response is not None:
                    out.append(response)
                    break
    return out


def request(
    port: int, body: bytes, headers: dict[str, str], method: str = "POST", path: str = "/qqbot"
) -> HttpRequest:
    url = HttpUrl.parse(f"http://127.0.0.1:{port}")
    pairs = [("Host", url.host_header), ("Content-Length", str(len(body))), *headers.items()]
    return HttpRequest(method, url, path, tuple(pairs), body)
