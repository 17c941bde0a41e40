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

TARGETS = ["fuzz_wire", "fuzz_wire_fastpath", "fuzz_gateway", "fuzz_webhook"]


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


@pytest.mark.parametrize("name", TARGETS)
def test_targets_under_hypothesis(name: str) -> None:
    run = target(name)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=600))
    def check(data: bytes) -> None:
        run(data)

    check()
