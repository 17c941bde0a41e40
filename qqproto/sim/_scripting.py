"""The simulator's scripting surface written once: the world's methods and the waits' conditions.

A scripting call of the simulator (``sim.stop_acking(0)``, ``sim.inject_at_message("hi")``) is
the :class:`~qqproto.sim.Platform` method of the same name run on the simulator's loop:
:func:`forward` and :func:`forward_now` (which passes the simulator's clock as ``now``) make that
method from the world's, so its signature and docstring are the world's and mypy sees them
exactly. Each ``wait_for_*`` of the simulator is one :class:`Condition` built here (what it
awaits, how it is named in a ``TimeoutError``, the timeout); the simulator turns it into an
awaited or a blocking wait, and the conversation awaits the same conditions.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, Literal, ParamSpec, Protocol, TypeVar, overload

from qqproto.sim._webhook import PushAttempt
from qqproto.sim._world import (
    HeartbeatRecord,
    IdentifyRecord,
    Platform,
    RestRecord,
    ResumeRecord,
    SentMessage,
)

__all__ = [
    "Condition",
    "awaited",
    "blocking",
    "forward",
    "forward_now",
    "holds",
    "identified",
    "inspect_world",
    "live_session",
    "live_session_id",
    "message_sent",
    "named",
    "pushes_settled",
    "received_heartbeat",
    "received_request",
    "resumed",
    "webhook_validated",
]

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")
P = ParamSpec("P")
C = TypeVar("C", bound=type)


class Scripted(Protocol):
    """What a forwarded method runs on: a simulator (or a conversation, through its simulator)."""

    def call(self, fn: Callable[[Platform], T], /) -> T: ...


class Clocked(Scripted, Protocol):
    def now(self) -> float: ...


class Inspected(Protocol):
    def _query(self, fn: Callable[[Platform], T], /) -> T: ...


class Waiter(Protocol):
    async def _wait(self, condition: Condition[T], /) -> T: ...


class Blocker(Protocol):
    def _block(self, condition: Condition[T], /) -> T: ...


def _like(wrapper: Callable[..., Any], source: Callable[..., Any], drop: str = "") -> None:
    """Give ``wrapper`` the docstring, name and signature (without ``drop``; with a ``self``
    first if ``source`` is not a method) of ``source``, and mark it for :func:`named`."""
    signature = inspect.signature(source)
    parameters = [p for name, p in signature.parameters.items() if name != drop]
    if "self" not in signature.parameters:
        parameters.insert(0, inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY))
    returns = signature.return_annotation  # a wait returns what its Condition[...] finds
    if isinstance(returns, str) and returns.startswith("Condition["):
        returns = returns[len("Condition[") : -1]
    signature = signature.replace(parameters=parameters, return_annotation=returns)
    wrapper.__doc__ = source.__doc__
    wrapper.__name__ = wrapper.__qualname__ = source.__name__
    vars(wrapper).update(__signature__=signature, _unnamed=True)


def named(cls: C) -> C:
    """Class decorator: name each method made here after the attribute it is first bound to
    (``Simulator.wait_for_message``, not ``message_sent``)."""
    for name, value in vars(cls).items():
        if getattr(value, "__dict__", {}).pop("_unnamed", False):
            value.__name__, value.__qualname__ = name, f"{cls.__qualname__}.{name}"
    return cls


def forward(
    method: Callable[Concatenate[Platform, P], R],
) -> Callable[Concatenate[Scripted, P], R]:
    """``method`` of the world as a scripting call: run on the simulator's loop, the change
    flushed to the connections and the waiters woken right after (see ``Simulator.call``)."""

    def scripted(self: Scripted, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.call(lambda p: method(p, *args, **kwargs))

    _like(scripted, method)
    return scripted


def inspect_world(
    method: Callable[Concatenate[Platform, P], R],
) -> Callable[Concatenate[Inspected, P], R]:
    """``method`` of the world as an inspection: run on the simulator's loop, nothing flushed."""

    def inspection(self: Inspected, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._query(lambda p: method(p, *args, **kwargs))

    _like(inspection, method)
    return inspection


@overload
def forward_now(
    method: Callable[Concatenate[Platform, float, P], R], now_at: Literal[0]
) -> Callable[Concatenate[Clocked, P], R]: ...


@overload
def forward_now(
    method: Callable[Concatenate[Platform, A, float, P], R], now_at: Literal[1] = 1
) -> Callable[Concatenate[Clocked, A, P], R]: ...


@overload
def forward_now(
    method: Callable[Concatenate[Platform, A, B, float, P], R], now_at: Literal[2]
) -> Callable[Concatenate[Clocked, A, B, P], R]: ...


def forward_now(method: Callable[..., R], now_at: int = 1) -> Callable[..., R]:
    """Like :func:`forward` for a world method whose ``now`` parameter comes after ``now_at``
    others: the simulator passes its clock's time."""
    parameters = list(inspect.signature(method).parameters)
    if parameters[1 + now_at : 2 + now_at] != ["now"]:
        raise TypeError(f"'now' is not parameter {now_at} of {method.__qualname__}")

    def scripted(self: Clocked, /, *args: Any, **kwargs: Any) -> R:
        return self.call(lambda p: method(p, *args, now=self.now(), **kwargs))

    _like(scripted, method, drop="now")
    return scripted


# ------------------------------------------------------------------------------ conditions


@dataclass(frozen=True, slots=True)
class Condition(Generic[T]):
    """What a wait awaits: ``predicate(platform)`` not None (re-checked after every change of
    the world; its value is the wait's result), ``what`` for the ``TimeoutError``, and how long
    to wait."""

    predicate: Callable[[Platform], T | None]
    what: str
    timeout: float = 5.0


def _nth(found: list[T], count: int) -> T | None:
    return found[count - 1] if len(found) >= count else None


def holds(
    predicate: Callable[[Platform], T | None], timeout: float = 5.0, what: str = "condition"
) -> Condition[T]:
    """``predicate(platform)`` truthy (evaluated on the simulator's loop after every change);
    its value. ``TimeoutError`` after ``timeout`` seconds."""
    return Condition(lambda p: predicate(p) or None, what, timeout)


def message_sent(
    *,
    scene: str | None = None,
    target_id: str | None = None,
    contains: str | None = None,
    reply_to: str | None = None,
    where: Callable[[SentMessage], bool] | None = None,
    count: int = 1,
    timeout: float = 5.0,
) -> Condition[SentMessage]:
    """The ``count``-th message the bot sent that matches (scene ``channel``/``dms``/
    ``group``/``c2c``, target, text in ``content``, replied-to ``msg_id``/``event_id``)."""

    def matches(m: SentMessage) -> bool:
        return (
            (contains is None or contains in (m.content or ""))
            and (reply_to is None or m.reply_to == reply_to)
            and (where is None or where(m))
        )

    return Condition(
        lambda p: _nth(p.messages(scene=scene, target_id=target_id, where=matches), count),
        f"message #{count} (scene={scene})",
        timeout,
    )


def identified(shard: int = 0, count: int = 1, timeout: float = 5.0) -> Condition[IdentifyRecord]:
    """The ``count``-th successful Identify (READY sent) on ``shard``."""
    what = f"identify #{count} on shard {shard}"
    return Condition(lambda p: _nth(p.identifies_on(shard), count), what, timeout)


def resumed(shard: int = 0, count: int = 1, timeout: float = 5.0) -> Condition[ResumeRecord]:
    """The ``count``-th successful Resume (RESUMED sent) on ``shard``."""
    what = f"resume #{count} on shard {shard}"
    return Condition(lambda p: _nth(p.resumes_on(shard), count), what, timeout)


def live_session_id(p: Platform, shard: int) -> str | None:
    """The id of the session live on ``shard``, if any."""
    session = p.live_session(shard)
    return session.session_id if session else None


def live_session(shard: int = 0, timeout: float = 5.0) -> Condition[str]:
    """The id of the session live on ``shard`` (identified or resumed, connected)."""
    return Condition(
        lambda p: live_session_id(p, shard), f"a live session on shard {shard}", timeout
    )


def received_heartbeat(
    shard: int | None = None, count: int = 1, timeout: float = 5.0
) -> Condition[HeartbeatRecord]:
    """The ``count``-th heartbeat received (on ``shard``; None: any connection)."""
    return Condition(lambda p: _nth(p.heartbeats_on(shard), count), f"heartbeat #{count}", timeout)


def received_request(
    method: str, path: str, count: int = 1, timeout: float = 5.0
) -> Condition[RestRecord]:
    """The ``count``-th REST request ``method`` whose path starts with ``path``."""

    def predicate(p: Platform) -> RestRecord | None:
        found = [
            r
            for r in p.rest_log
            if r.method == method.upper() and r.target.split("?")[0].startswith(path)
        ]
        return _nth(found, count)

    return Condition(predicate, f"request #{count} {method} {path}", timeout)


def webhook_validated(app_id: str | None = None, timeout: float = 5.0) -> Condition[bool]:
    """Until the bot answered the op 13 validation correctly (``RuntimeError`` if it answered
    wrongly)."""

    def predicate(p: Platform) -> bool | None:
        target = p.webhook.targets.get(p.bot(app_id).app_id)
        if target is None or target.validated is None:
            return None
        if not target.validated:
            raise RuntimeError(
                "the bot answered the webhook validation (op 13) wrongly; see "
                "sim.webhook_attempts()"
            )
        return True

    return Condition(predicate, "the webhook validation", timeout)


def pushes_settled(timeout: float = 5.0) -> Condition[list[PushAttempt]]:
    """Until no push is pending (each acknowledged or given up); the attempts."""
    return Condition(
        lambda p: list(p.webhook.attempts) if p.webhook.pending() == 0 else None,
        "every webhook push to be acknowledged",
        timeout,
    )


def awaited(
    condition: Callable[P, Condition[T]],
) -> Callable[Concatenate[Waiter, P], Coroutine[Any, Any, T]]:
    """The awaited wait for ``condition`` (from the simulator's loop or another thread's)."""

    async def wait(self: Waiter, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._wait(condition(*args, **kwargs))

    _like(wait, condition)
    return wait


def blocking(condition: Callable[P, Condition[T]]) -> Callable[Concatenate[Blocker, P], T]:
    """The wait for ``condition`` that blocks the calling thread (the thread mode's)."""

    def wait(self: Blocker, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._block(condition(*args, **kwargs))

    _like(wait, condition)
    return wait
