"""The ``qq_sim`` fixture of the installed plugin, and the deprecated one beside it.

Each test runs pytest on a small project of its own (pytester): the entry point gives every test
the fixture with no ``conftest.py`` line; an anyio test gets a ``Simulator`` on its own loop
(asyncio and trio), any other test a ``ThreadedSimulator``; whatever lists the old
``qqbot_asyncio.pytest_plugin`` (a test module, a ``conftest.py``, ``-p``) keeps the old
thread-mode fixture, and both kinds of module in one run, in either order, get their own.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

BACKENDS = """
import pytest

@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""

NEW_STYLE = """
import pytest
from qqproto.sim import Simulator
from qqbot_asyncio.simulator import ThreadedSimulator

@pytest.mark.anyio
async def test_on_the_loop(qq_sim, anyio_backend):
    assert type(qq_sim) is Simulator
    assert type(qq_sim.io).__module__ == f"qqbot_{anyio_backend}._io"
    with pytest.raises(TimeoutError, match="live session"):
        await qq_sim.wait_for_session(0, timeout=0.05)

def test_sync_gets_the_thread_mode(qq_sim):
    assert type(qq_sim) is ThreadedSimulator
    with pytest.raises(TimeoutError, match="live session"):
        qq_sim.wait_for_session(0, timeout=0.05)
"""

OLD_STYLE = """
import pytest
from qqbot_asyncio.simulator import ThreadedSimulator

pytest_plugins = ["qqbot_asyncio.pytest_plugin"]

@pytest.mark.anyio
async def test_async_keeps_the_thread_mode(qq_sim):
    assert type(qq_sim) is ThreadedSimulator
    assert qq_sim.app_id == "102000000"
    with pytest.raises(TimeoutError, match="live session"):
        await qq_sim.wait_for_session_async(0, timeout=0.05)

def test_sync_keeps_the_thread_mode(qq_sim):
    assert type(qq_sim) is ThreadedSimulator
    with pytest.raises(TimeoutError, match="live session"):
        qq_sim.wait_for_session(0, timeout=0.05)
"""

THREAD_MODE_EVERYWHERE = """
import pytest
from qqbot_asyncio.simulator import ThreadedSimulator

@pytest.mark.anyio
async def test_async(qq_sim):
    assert type(qq_sim) is ThreadedSimulator

def test_sync(qq_sim):
    assert type(qq_sim) is ThreadedSimulator
"""


@pytest.mark.parametrize("old_first", [True, False])
def test_old_and_new_modules_in_one_run_each_get_their_fixture(
    pytester: pytest.Pytester, old_first: bool
) -> None:
    pytester.makeconftest(BACKENDS)
    old, new = ("test_a_old", "test_b_new") if old_first else ("test_b_old", "test_a_new")
    pytester.makepyfile(**{old: OLD_STYLE, new: NEW_STYLE})
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_the_old_plugin_warns_that_it_is_deprecated(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_old=OLD_STYLE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)  # anyio's own anyio_backend: every installed backend
    result.stdout.fnmatch_lines(["*DeprecationWarning: qqbot_asyncio.pytest_plugin is deprecated*"])


def test_a_conftest_listing_the_old_plugin_keeps_the_thread_mode(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(BACKENDS + '\npytest_plugins = ["qqbot_asyncio.pytest_plugin"]\n')
    pytester.mkpydir("sub").joinpath("test_deeper.py").write_text(THREAD_MODE_EVERYWHERE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_the_old_plugin_given_with_p_keeps_the_thread_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_it=THREAD_MODE_EVERYWHERE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "qqbot_asyncio.pytest_plugin")
    result.assert_outcomes(passed=3)


def test_the_fixture_comes_from_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_it=NEW_STYLE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)  # anyio's own anyio_backend: asyncio and trio
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:qqbot")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*fixture 'qq_sim' not found*"])
