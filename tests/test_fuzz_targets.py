"""Run the atheris fuzz targets (fuzz/*.py) briefly through hypothesis, so CI exercises them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
sys.path.insert(0, str(FUZZ))

TARGETS = ["fuzz_wire", "fuzz_wire_fastpath", "fuzz_gateway", "fuzz_webhook", "fuzz_models"]


def target(name: str) -> Callable[[bytes], None]:
    module = importlib.import_module(name)
    test_one_input: Callable[[bytes], None] = module.TestOneInput
    return test_one_input


@pytest.mark.parametrize("name", TARGETS)
def test_targets_import_without_atheris(name: str) -> None:
    assert callable(target(name))


@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize(
    "seed",
    [b"", b"\n", b"\x0a\x06\x84\x7f;", b"\xb2\x00\x01\x08\x01\x82", b"\x0b\x00\x81\x05hello"],
)
def test_regressions(name: str, seed: bytes) -> None:
    """Inputs that once failed a target (kept as seeds)."""
    target(name)(seed)


@pytest.mark.parametrize(
    "seed",
    [
        # a text frame over the 64-byte limit, bad UTF-8 past the limit, read 7 bytes at a time:
        # wsproto alone closes with 1009 on those reads (1007 when fed at once), and so does the
        # fast path, which the oracle accepts
        bytes([4, 3, 0x81, 100]) + b"a" * 80 + b"\xff" + b"a" * 19,
        # an unfinished text frame that starts with bad UTF-8: wsproto closes with 1007 at once,
        # the fast path used to wait for the rest of the frame
        bytes([0, 3, 0x81, 30, 0xFF]) + b"a" * 10,
    ],
    ids=["1009-before-1007", "unfinished-bad-utf8"],
)
def test_fast_path_oracle(seed: bytes) -> None:
    target("fuzz_wire_fastpath")(seed)


def test_webhook_replay_without_id_dispatches_once() -> None:
    """A signed push without an id, sent twice: the second must dispatch nothing (the webhook
    oracle checks every dispatched push again, not only pushes with an id)."""
    target("fuzz_webhook")(b"\x0b\xa3\xa3\n")


def test_build_skips_json_too_deep_for_the_harness() -> None:
    """Deep nesting makes a harness's own json.loads (or json.dumps, a level deeper, depending on
    the caller's stack) raise RecursionError: the input goes in as a string ``d``, not a finding."""
    from _harness import Reader
    from fuzz_gateway import build as build_gateway
    from fuzz_webhook import build as build_webhook

    for depth in [*range(1, sys.getrecursionlimit() + 10), 100_000]:
        nested = b"[" * depth + b"]" * depth
        assert b'"d": ' in build_gateway(b"\0\0\0" + nested)
        assert b'"d": ' in build_webhook(Reader(b"\0\0" + nested))


@pytest.mark.parametrize("name", TARGETS)
def test_targets_under_hypothesis(name: str) -> None:
    run = target(name)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=600))
    def check(data: bytes) -> None:
        run(data)

    check()
