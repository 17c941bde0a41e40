"""Deprecated: the ``qq_sim`` fixture comes with the package now (:mod:`qqproto.sim._pytest_plugin`,
a ``pytest11`` entry point), on asyncio and trio alike.

Listing this module (``pytest_plugins = ["qqbot_asyncio.pytest_plugin"]`` in a ``conftest.py`` or
a test module, or ``-p qqbot_asyncio.pytest_plugin``) still works and keeps the old behaviour for
the tests it covers: ``qq_sim`` is a ``qqbot_asyncio.simulator.ThreadedSimulator`` running in a
background thread (blocking ``wait_for*``, awaitable ``*_async`` waits), even in async tests.
Every other test gets the new fixture. Drop the line to move to the new fixture: in an async
test under anyio's plugin it is a :class:`~qqproto.sim.Simulator` on the test's own loop::

    @pytest.mark.anyio
    async def test_my_bot_answers_ping(qq_sim):
        async with qq_sim.run(MyBot()) as bot:
            assert (await bot.say("ping")).content == "pong"
"""

from __future__ import annotations

import warnings

from qqproto.sim._pytest_plugin import _qq_sim_on_loop as _qq_sim_on_loop
from qqproto.sim._pytest_plugin import qq_sim

__all__ = ["qq_sim"]

warnings.warn(
    "qqbot_asyncio.pytest_plugin is deprecated: the qq_sim fixture is installed with the qqbot "
    "package (it runs on the test's own loop in anyio tests); drop it from pytest_plugins",
    DeprecationWarning,
    stacklevel=2,
)
