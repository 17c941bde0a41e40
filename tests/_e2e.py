"""Helpers shared by the end-to-end tests (gateway and webhook) over loopback sockets."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

if TYPE_CHECKING:
    from qqbot_asyncio.simulator import Simulator

T = TypeVar("T")


async def wait(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking simulator wait in a thread."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


async def until(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll client-side state (the simulator's waits only re-check on simulator changes)."""
    with anyio.fail_after(timeout):
        while not (value := predicate()):
            await anyio.sleep(0.005)
    return value


def sim_client(qq: ModuleType, sim: Simulator, handler: Any, **options: Any) -> Any:
    """A ``qq.Client`` of the simulator's bot, pointed at it: ``intents`` defaults to
    ``Intents.default()``; every other option goes to the constructor."""
    intents = options.pop("intents", None)
    return qq.Client(
        qq.Token(sim.app_id, sim.secret),
        qq.Intents.default() if intents is None else intents,
        handler,
        api_base=sim.api_base,
        token_url=sim.token_url,
        **options,
    )
