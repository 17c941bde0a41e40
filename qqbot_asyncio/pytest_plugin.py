"""A pytest fixture with a running QQ platform simulator.

Enable it with ``pytest_plugins = ["qqbot_asyncio.pytest_plugin"]`` in a ``conftest.py``; then
``qq_sim`` is a :class:`~qqbot_asyncio.simulator.Simulator` running in a background thread (so it
works from sync, asyncio and trio tests alike) with one bot, ``app_id="102000000"`` and
``secret="simsecretsimsecretsimsecret12345"``. Point the client at ``qq_sim.endpoints`` (or
``qq_sim.api_base`` / ``qq_sim.token_url``)::

    def test_echo(qq_sim):
        ...start the bot against qq_sim.api_base / qq_sim.token_url...
        qq_sim.wait_for_session(0)
        incoming = qq_sim.inject_at_message("ping")
        reply = qq_sim.wait_for_message(scene="channel", reply_to=incoming.data["id"])
        assert reply.content == "pong"
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qqbot_asyncio.simulator import DEFAULT_APP_ID, DEFAULT_SECRET, Simulator

__all__ = ["qq_sim"]


@pytest.fixture
def qq_sim() -> Iterator[Simulator]:
    """A running simulator (thread mode) with the default bot; stopped after the test."""
    with Simulator.in_thread(app_id=DEFAULT_APP_ID, secret=DEFAULT_SECRET, seed=0) as sim:
        yield sim
