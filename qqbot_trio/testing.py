"""Tests on trio with no sockets and no waiting: an in-memory network on a virtual clock.

:class:`VirtualIo` is :class:`~qqbot_trio._io.TrioIo` with the network replaced by in-memory
byte streams: :meth:`~VirtualIo.listen` registers a listener in the VirtualIo's own address
table and :meth:`~VirtualIo.connect` reaches it (or raises :class:`~qqproto.ConnectError`, as a
real connect to a closed port does). The client and the simulated platform share one VirtualIo,
so everything they exchange stays in the process. No TLS happens in memory: ``tls=True`` and
``ssl_context`` are accepted and ignored, so an ``https://`` URL reaches a plain listener.

:func:`run_virtual` runs an async function under ``trio.testing.MockClock(autojump_threshold=0)``:
whenever every task is blocked the clock jumps to the next deadline, so ten minutes of
heartbeats take milliseconds of real time and every run takes the same steps.
:meth:`VirtualIo.wall_time` follows that clock (:data:`EPOCH` plus ``now()``), so signed webhook
pushes check out. Nothing here may block on real IO (threads, files, real sockets) while the
clock is virtual: the clock would jump past every deadline meanwhile.

Example, a bot against the simulator for ten virtual minutes (it runs as written; so does
``async with sim.run(Echo()) as bot: await bot.say("ping")``, the simulator's conversation API,
on a VirtualIo)::

    import trio

    import qqbot_trio as qq
    from qqbot_trio.testing import VirtualClient, VirtualIo, run_virtual
    from qqproto.sim import Simulator

    class Echo(qq.EventHandler):
        async def on_at_message_create(self, ctx, message):
            await message.reply(ctx, content="echo: " + (message.content or ""))

    async def main() -> float:
        io = VirtualIo()
        async with Simulator(io) as sim, trio.open_nursery() as nursery:
            client = VirtualClient(io, qq.Token(sim.app_id, sim.secret), qq.Intents.default(),
                                   Echo(), api_base=sim.api_base, token_url=sim.token_url)
            nursery.start_soon(client.start)
            await sim.wait_for_session(0)
            await trio.sleep(600)  # ten virtual minutes: no real time passes
            assert len(sim.heartbeats(0)) >= 14  # one every 41.25 s
            sim.inject_at_message("ping")
            reply = await sim.wait_for_message(contains="echo:")
            nursery.cancel_scope.cancel()
        return reply.time

    print(run_virtual(main))  # 1600.0: the virtual clock starts at START (1000.0)
"""

from __future__ import annotations

import errno
import itertools
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trio
import trio.testing

from qqbot_trio import Client
from qqbot_trio._io import TrioIo
from qqproto._errors import ConnectError, ConnectionLostError, TransportError
from qqproto.sim._client import SharedIoClient

__all__ = [
    "EPOCH",
    "START",
    "VirtualClient",
    "VirtualIo",
    "VirtualListener",
    "VirtualStream",
    "run_virtual",
]

T = TypeVar("T")

EPOCH = 1_700_000_000.0
"""Unix time at virtual ``now() == 0`` (2023-11-14): :meth:`VirtualIo.wall_time` is
``EPOCH + now()``."""

START = 1000.0
"""Where :func:`run_virtual` starts the virtual clock (not 0, like trio's own clock, so that no
code can take a time of 0 for "unset" unnoticed)."""

CLIENT_ADDRESS = "127.0.0.1"
"""What an accepted stream's :meth:`VirtualStream.peer` says: every connection comes from it."""

_WILDCARD = "*"
_ANY_HOST = {"", "0.0.0.0", "::"}


def _canonical(host: str) -> str:
    if host in _ANY_HOST:
        return _WILDCARD
    return "127.0.0.1" if host == "localhost" else host


class _Pipe:
    """One direction of a connection: bytes written and not yet read, and how it ended."""

    __slots__ = ("broken", "data", "eof", "lot")

    def __init__(self) -> None:
        self.data = bytearray()
        self.eof = False
        """The writer closed: the reader gets ``b""`` once it has read ``data``."""
        self.broken = False
        """The reader closed: writing fails."""
        self.lot = trio.lowlevel.ParkingLot()


class VirtualStream:
    """One end of an in-memory connection, with a socket's ending: after the peer's
    :meth:`aclose`, reads give what was sent and then ``b""`` and writes fail; after this end's
    own, reads and writes fail (a read blocked in another task too), always with
    :class:`~qqproto.ConnectionLostError`. Writes never block (the buffer is unbounded)."""

    __slots__ = ("_closed", "_incoming", "_outgoing", "_peer")

    def __init__(self, incoming: _Pipe, outgoing: _Pipe, peer: str) -> None:
        self._incoming = incoming
        self._outgoing = outgoing
        self._peer = peer
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<VirtualStream {state} peer={self._peer!r} unread={len(self._incoming.data)}>"

    async def send_all(self, data: bytes) -> None:
        await trio.lowlevel.checkpoint()
        if self._closed:
            raise ConnectionLostError("this stream was closed")
        pipe = self._outgoing
        if pipe.broken:
            raise ConnectionLostError("the peer closed the connection")
        if data:
            pipe.data += data
            pipe.lot.unpark_all()

    async def receive_some(self, max_bytes: int) -> bytes:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        await trio.lowlevel.checkpoint()
        pipe = self._incoming
        while not self._closed and not pipe.data and not pipe.eof:
            await pipe.lot.park()
        if self._closed:
            raise ConnectionLostError("this stream was closed")
        chunk = bytes(pipe.data[:max_bytes])
        del pipe.data[:max_bytes]
        return chunk

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._outgoing.eof = True
            self._outgoing.lot.unpark_all()
            self._incoming.broken = True
            self._incoming.data.clear()
            self._incoming.lot.unpark_all()  # a read blocked in another task raises
        await trio.lowlevel.cancel_shielded_checkpoint()

    def is_stale(self) -> bool:
        return self._closed or bool(self._incoming.data) or self._incoming.eof

    def peer(self) -> str:
        return self._peer


class VirtualListener:
    """A listener in a :class:`VirtualIo`'s address table; connections wait in an unbounded
    backlog until accepted. :meth:`aclose` frees the address, ends a blocked :meth:`accept`
    with :class:`~qqproto.TransportError` and closes the connections not yet accepted."""

    def __init__(self, io: VirtualIo, address: tuple[str, int]) -> None:
        self._io = io
        self._address = address
        self._backlog: deque[VirtualStream] = deque()
        self._lot = trio.lowlevel.ParkingLot()
        self._closed = False

    @property
    def port(self) -> int:
        return self._address[1]

    def __repr__(self) -> str:
        host, port = self._address
        return f"<VirtualListener {host}:{port}{' closed' if self._closed else ''}>"

    def _arrive(self, stream: VirtualStream) -> None:
        self._backlog.append(stream)
        self._lot.unpark()

    async def accept(self) -> VirtualStream:
        await trio.lowlevel.checkpoint()
        while not self._closed and not self._backlog:
            await self._lot.park()
        if self._closed:
            raise TransportError(f"the listener on {self._address[0]}:{self.port} was closed")
        return self._backlog.popleft()

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._io._listeners.pop(self._address, None)
            self._lot.unpark_all()
            while self._backlog:
                await self._backlog.popleft().aclose()
        await trio.lowlevel.cancel_shielded_checkpoint()


class VirtualIo(TrioIo):
    """:class:`~qqbot_trio._io.TrioIo` over an in-memory network (see the module docstring).

    Listening on ``0.0.0.0``, ``::`` or ``""`` takes connections to any host on that port;
    ``localhost`` is ``127.0.0.1``. Port 0 gets the next free port from 40000 up. ``connect``
    never waits (its ``timeout`` cannot expire) and the client end's :meth:`VirtualStream.peer`
    is the host it asked for; the accepted end's is :data:`CLIENT_ADDRESS`.
    """

    def __init__(self, ssl_context: Any = None) -> None:
        super().__init__(ssl_context)
        self._listeners: dict[tuple[str, int], VirtualListener] = {}
        self._ports = itertools.count(40000)

    def wall_time(self) -> float:
        return EPOCH + self.now()

    async def connect(self, host: str, port: int, *, tls: bool, timeout: float) -> VirtualStream:  # type: ignore[override]
        await trio.lowlevel.checkpoint()
        host = _canonical(host)
        listener = self._listeners.get((host, port)) or self._listeners.get((_WILDCARD, port))
        if listener is None:
            refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
            raise ConnectError(f"cannot connect to {host}:{port}: nothing listens") from refused
        there, back = _Pipe(), _Pipe()
        listener._arrive(VirtualStream(there, back, CLIENT_ADDRESS))
        return VirtualStream(back, there, host)

    async def listen(  # type: ignore[override]
        self, host: str, port: int, *, ssl_context: Any = None
    ) -> VirtualListener:
        await trio.lowlevel.checkpoint()
        host = _canonical(host)
        if not 0 <= port <= 65535:
            raise OverflowError(f"port must be 0-65535, not {port}")
        if port == 0:
            taken = {p for _, p in self._listeners}
            port = next(p for p in self._ports if p not in taken)
        elif any(_WILDCARD in (h, host) or h == host for h, p in self._listeners if p == port):
            in_use = OSError(errno.EADDRINUSE, "Address already in use")
            raise TransportError(f"cannot listen on {host}:{port}: address in use") from in_use
        listener = self._listeners[host, port] = VirtualListener(self, (host, port))
        return listener


class VirtualClient(SharedIoClient, Client):
    """A :class:`qqbot_trio.Client` on the given :class:`VirtualIo`:
    ``VirtualClient(io, token, intents, handler, ...)`` takes the client's arguments after it
    (the simulator's ``SharedIoClient``, which its conversation runs on a VirtualIo)."""


def run_virtual(async_fn: Callable[..., Awaitable[T]], *args: Any, start: float = START) -> T:
    """``trio.run(async_fn, *args)`` on a virtual clock that starts at ``start`` and jumps to
    the next deadline whenever every task is blocked; returns what ``async_fn`` returns."""
    clock = trio.testing.MockClock(autojump_threshold=0)
    clock.jump(start)
    return trio.run(async_fn, *args, clock=clock)
