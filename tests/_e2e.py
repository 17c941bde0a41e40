"""Helpers shared by the end-to-end tests (gateway and webhook) over loopback sockets."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio

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
