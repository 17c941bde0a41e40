"""The ``qq_sim`` pytest fixture: a running simulated QQ platform, on asyncio or trio.

Installed with the package (the ``qqbot`` entry point of the ``pytest11`` group), so no
``conftest.py`` line is needed. The fixture follows the test:

* an async test run by anyio's pytest plugin (``@pytest.mark.anyio``; the loop is the
  ``anyio_backend`` fixture's, asyncio by default, ``"trio"`` when a ``conftest.py`` or the test
  module overrides it) gets a :class:`~qqproto.sim.Simulator` running on the test's own loop:
  scripting calls are plain calls, waits are awaited, and ``async with qq_sim.run(MyBot()) as
  bot: reply = await bot.say("ping")`` talks with a bot (see :meth:`~qqproto.sim.Simulator.run`);
* any other test gets a ``qqbot_asyncio.simulator.ThreadedSimulator`` serving from a background
  thread (blocking waits), as does every test under the deprecated ``qqbot_asyncio.pytest_plugin``
  (listed in the test module's or a ``conftest.py``'s ``pytest_plugins``, or given with ``-p``),
  which keeps its old thread-mode fixture that way.

Either way the world has one bot, ``app_id="102000000"``, ``secret=
"simsecretsimsecretsimsecret12345"`` (:data:`~qqproto.sim.DEFAULT_APP_ID`,
:data:`~qqproto.sim.DEFAULT_SECRET`) and its rng is seeded with 0.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from qqproto.sim._server import Simulator
from qqproto.sim._world import DEFAULT_APP_ID, DEFAULT_SECRET

__all__ = ["qq_sim"]

OLD_PLUGIN = "qqbot_asyncio.pytest_plugin"
_SETTINGS: dict[str, Any] = {"app_id": DEFAULT_APP_ID, "secret": DEFAULT_SECRET, "seed": 0}


@pytest.fixture
def qq_sim(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A running simulator with the default bot: on the test's loop for an anyio test, else
    in a background thread (see the module docstring); stopped after the test."""
    if "anyio_backend" in request.fixturenames and not _wants_thread_mode(request):
        yield request.getfixturevalue("_qq_sim_on_loop")
        return
    from qqbot_asyncio.simulator import ThreadedSimulator  # the thread mode is asyncio's

    with ThreadedSimulator.in_thread(**_SETTINGS) as sim:
        yield sim


@pytest.fixture
async def _qq_sim_on_loop(anyio_backend: Any) -> AsyncIterator[Simulator]:
    async with Simulator.for_current_loop(**_SETTINGS) as sim:
        yield sim


def _wants_thread_mode(request: pytest.FixtureRequest) -> bool:
    """Whether the test asked for the old plugin: in its module's ``pytest_plugins``, in a
    ``conftest.py`` above it, or with ``-p``."""
    if OLD_PLUGIN in _listed(getattr(request.node, "module", None)):
        return True
    if OLD_PLUGIN in (request.config.getoption("plugins", None) or ()):
        return True
    path = Path(request.node.path)
    for plugin in request.config.pluginmanager.get_plugins():
        file = getattr(plugin, "__file__", None)
        if (
            file is not None
            and Path(file).name == "conftest.py"
            and OLD_PLUGIN in _listed(plugin)
            and path.is_relative_to(Path(file).parent)
        ):
            return True
    return False


def _listed(module: object) -> tuple[str, ...]:
    plugins = getattr(module, "pytest_plugins", ())
    return (plugins,) if isinstance(plugins, str) else tuple(plugins)
