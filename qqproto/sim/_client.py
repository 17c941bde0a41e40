"""A real client on an :class:`~qqproto.client._io.Io` it is given instead of one it builds.

The simulator's conversation runs it when the simulator serves on an Io that is not a loop's
(an in-memory network with a virtual clock, say: the client must share it to reach the
simulator), and ``qqbot_trio.testing.VirtualClient`` is this client on a ``VirtualIo``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qqproto.client._runtime import ClientBase

if TYPE_CHECKING:
    from qqproto.client._io import Io

__all__ = ["SharedIoClient"]


class SharedIoClient(ClientBase):
    """A client on the given :class:`Io`: ``SharedIoClient(io, token, intents, handler, ...)``
    takes the client's arguments after it (``ssl_context`` is the given Io's business)."""

    def __init__(self, io: Io, *args: Any, **kwargs: Any) -> None:
        self.io_factory = lambda ssl_context: io
        super().__init__(*args, **kwargs)
