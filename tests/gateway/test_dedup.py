"""qqproto.gateway._dedup: the gateway's LRU window of ids (O(1) on both paths) and the webhook's
expiring keys (nothing forgotten before its time; refused when full)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qqproto.gateway._dedup import ExpiringKeys, Recall, RecentIds


class Counted(str):
    """A str that counts the equality comparisons made with it (the work of a lookup)."""

    compares = 0

    def __eq__(self, other: object) -> bool:
        Counted.compares += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def compares_per_call(capacity: int, duplicate: bool) -> float:
    """Equality comparisons per :meth:`RecentIds.seen` call on a full window of ``capacity``:
    repeats of remembered ids (fresh but equal objects, so identity cannot answer) or new ids."""
    ids = RecentIds(capacity)
    for i in range(capacity):
        ids.seen(Counted(f"id-{i}"))
    step = max(1, capacity // 50)
    queries = [f"id-{i}" if duplicate else f"new-{i}" for i in range(0, capacity, step)]
    Counted.compares = 0
    for query in queries:
        assert ids.seen(Counted(query)) is duplicate
    return Counted.compares / len(queries)


@pytest.mark.parametrize("duplicate", [True, False], ids=["duplicate", "new"])
def test_recent_ids_cost_does_not_grow_with_the_capacity(duplicate: bool) -> None:
    """Both paths are O(1): counted in comparisons, not in wall-clock time. The old ring
    compared a repeated id with every older one to move it (about capacity/2 each)."""
    small = compares_per_call(100, duplicate)
    large = compares_per_call(100_000, duplicate)
    assert small <= 4 and large <= 4, (small, large)


def test_recent_ids_stay_an_lru_window_after_repeats() -> None:
    ids = RecentIds(3)
    for key in "abc":
        assert not ids.seen(key)
    assert ids.seen("a")  # now the most recent: "b" goes first
    assert not ids.seen("d")
    assert not ids.seen("b") and ids.seen("a") and len(ids) == 3


# ------------------------------------------------------------------------------ ExpiringKeys


def test_expiring_keys_remember_until_their_time_and_refuse_when_full() -> None:
    keys = ExpiringKeys(2)
    assert keys.check("a", until=100.0, now=0.0) is Recall.NEW
    assert keys.check("b", until=50.0, now=0.0) is Recall.NEW
    assert keys.check("c", until=100.0, now=10.0) is Recall.FULL  # not forgetting a or b
    assert keys.check("a", until=90.0, now=10.0) is Recall.SEEN  # an earlier time: kept at 100
    assert keys.check("c", until=100.0, now=50.0) is Recall.FULL  # b lives through 50
    assert keys.check("c", until=100.0, now=50.5) is Recall.NEW  # b expired
    assert keys.check("b", until=60.0, now=51.0) is Recall.FULL and len(keys) == 2
    assert keys.check("a", until=100.0, now=100.0) is Recall.SEEN
    assert keys.check("a", until=1.0, now=100.5) is Recall.NEW and len(keys) == 1


def test_expiring_keys_seen_again_later_are_kept_longer() -> None:
    keys = ExpiringKeys(4)
    assert keys.check("x", until=10.0, now=0.0) is Recall.NEW
    assert keys.check("x", until=30.0, now=5.0) is Recall.SEEN  # a later copy: kept till 30
    assert keys.check("y", until=40.0, now=20.0) is Recall.NEW  # x's first time came up
    assert keys.check("x", until=0.0, now=30.0) is Recall.SEEN
    assert keys.check("x", until=0.0, now=30.5) is Recall.NEW


def test_expiring_keys_capacity_is_checked() -> None:
    with pytest.raises(ValueError):
        ExpiringKeys(0)


@given(
    st.integers(1, 4),
    st.lists(
        st.tuples(st.sampled_from("abcdef"), st.integers(0, 30), st.integers(0, 6)), max_size=80
    ),
)
def test_expiring_keys_match_a_model(capacity: int, steps: list[tuple[str, int, int]]) -> None:
    """Against a plain dict: expire every key whose time passed, then look the key up."""
    keys = ExpiringKeys(capacity)
    model: dict[str, float] = {}
    now = 0.0
    for key, ahead, wait in steps:
        now += wait
        until = now + ahead
        model = {k: t for k, t in model.items() if t >= now}
        if key in model:
            expected = Recall.SEEN
            model[key] = max(model[key], until)
        elif len(model) >= capacity:
            expected = Recall.FULL
        else:
            expected = Recall.NEW
            model[key] = until
        assert keys.check(key, until, now) is expected
        assert len(keys) == len(model)
