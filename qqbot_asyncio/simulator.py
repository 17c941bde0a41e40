"""Deprecated: the simulator lives in :mod:`qqproto.sim` now, written once for every loop.

``from qqbot_asyncio.simulator import Simulator`` keeps working (with a ``DeprecationWarning``)
and gives :class:`qqproto.sim.ThreadedSimulator`, the class with this module's old behaviour:
``Simulator.in_thread()`` for synchronous code, blocking ``wait_for*`` waits and awaitable
``*_async`` ones, ``async with Simulator()`` in the running loop. New code imports
``qqproto.sim.Simulator`` (``async with Simulator.for_current_loop() as sim`` on asyncio or trio,
waits awaited) or uses the ``qq_sim`` pytest fixture.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qqproto.sim import DEFAULT_APP_ID as DEFAULT_APP_ID
    from qqproto.sim import DEFAULT_SECRET as DEFAULT_SECRET
    from qqproto.sim import ThreadedSimulator as Simulator

__all__ = ["DEFAULT_APP_ID", "DEFAULT_SECRET", "Simulator"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import qqproto.sim

    new = "ThreadedSimulator" if name == "Simulator" else name
    warnings.warn(
        f"qqbot_asyncio.simulator is deprecated: use qqproto.sim.{new} (or qqproto.sim.Simulator, "
        "on any loop)",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(qqproto.sim, new)
