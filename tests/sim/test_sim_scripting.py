"""The simulator's scripting calls and waits are the world's methods and one condition each:
their signatures (without ``now``), docstrings and names come from there."""

from __future__ import annotations

import inspect

import pytest

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto.sim import Conversation, Platform, Simulator
from qqproto.sim._scripting import forward_now, message_sent


def test_scripting_calls_have_the_worlds_signatures_without_now() -> None:
    sim = Simulator()
    for name in ("inject", "inject_at_message", "expire_tokens", "register_webhook"):
        world = inspect.signature(getattr(Platform, name)).parameters
        ours = inspect.signature(getattr(sim, name)).parameters
        assert "now" in world and list(ours) == [p for p in world if p not in ("self", "now")]
        assert getattr(Simulator, name).__doc__ == getattr(Platform, name).__doc__
    world = inspect.signature(Platform.fail_next).parameters
    assert list(inspect.signature(sim.fail_next).parameters) == list(world)[1:]
    assert Simulator.identifies.__qualname__ == "_SimulatorBase.identifies"
    assert Conversation.fail_next.__qualname__ == "Conversation.fail_next"


def test_every_wait_is_its_condition() -> None:
    cond = inspect.signature(message_sent)
    for wait in (
        Simulator.wait_for_message,
        ThreadedSimulator.wait_for_message,
        ThreadedSimulator.wait_for_message_async,
    ):
        signature = inspect.signature(wait)
        assert list(signature.parameters) == ["self", *cond.parameters]
        assert signature.return_annotation == "SentMessage"
        assert wait.__doc__ == message_sent.__doc__
    assert ThreadedSimulator.wait_for_message_async.__name__ == "wait_for_message_async"
    assert inspect.iscoroutinefunction(Simulator.wait_for_session)
    assert not inspect.iscoroutinefunction(ThreadedSimulator.wait_for_session)
    assert Simulator.wait_for_session_async is Simulator.wait_for_session


def test_forward_now_checks_where_now_is() -> None:
    # mypy says so too: the method is not (Platform, A, now: float, ...)
    with pytest.raises(TypeError, match=r"'now' is not parameter 1 of Platform\.expire_tokens"):
        forward_now(Platform.expire_tokens)  # type: ignore[arg-type]
