"""The sans-IO lease planner and seq watermark."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qqproto.cluster import Claim, ClusterConfig, LeasePlanner, Release, SeqWatermark, Stop
from qqproto.cluster._scripts import TickStatus

R, L, T, F = TickStatus.RENEWED, TickStatus.LOST, TickStatus.TAKEN, TickStatus.FREE


def planner(shards: int = 4) -> LeasePlanner:
    return LeasePlanner(range(shards), ttl=3.0, renew_every=1.0, margin=0.6, now=0.0)


def test_alone_claims_every_free_shard_then_renews() -> None:
    p = planner()
    assert p.tick_due(0.0) and p.next_deadline() == 0.0
    p.tick_sent(0.0)
    assert p.next_deadline() is None
    assert p.tick_done(0.0, 1, [F, F, T, F], 0.01) == [Claim(0), Claim(1), Claim(3)]
    p.claimed(0, 7, 0.02)
    assert p.owned[0].deadline == pytest.approx(0.02 + 3.0 - 0.6)
    assert p.tick_fences() == ["7", "", "", ""]
    assert p.next_deadline() == 1.0  # the next tick, before the lease deadline
    p.tick_sent(1.0)
    assert p.tick_done(1.0, 1, [R, T, T, T], 1.01) == []
    assert p.owned[0].deadline == pytest.approx(1.0 + 2.4)


def test_fair_share_releases_the_extra_shards_when_members_join() -> None:
    p = planner()
    for s in range(4):
        p.claimed(s, 1, 0.0)
    p.tick_sent(0.5)
    decisions = p.tick_done(0.5, 2, [R, R, R, R], 0.51)
    assert decisions == [Release(3), Release(2)]
    p.tick_sent(1.5)
    assert p.tick_done(1.5, 2, [R, R, R, R], 1.51) == []  # already releasing
    p.released(3)
    assert sorted(p.owned) == [0, 1, 2]


def test_a_lost_or_unrenewed_lease_stops_the_shard_before_it_can_expire() -> None:
    p = planner()
    p.claimed(0, 1, 0.0)
    p.claimed(1, 1, 0.0)
    p.tick_sent(1.0)
    assert p.tick_done(1.0, 1, [L, R, T, T], 1.01) == [Stop(0, "lease lost")]
    p.released(0)
    # Redis unreachable: the tick fails, the deadline stands and stops the shard in time
    p.tick_sent(2.0)
    assert p.tick_failed(2.0, 2.5) == []
    deadline = p.owned[1].deadline
    assert deadline == pytest.approx(1.0 + 3.0 - 0.6)
    assert deadline < p.owned[1].expires == 1.0 + 3.0
    assert p.next_deadline() is not None and p.next_deadline() <= deadline  # type: ignore[operator]
    assert p.handle_timer(deadline) == [Stop(1, "lease not renewed in time")]
    # stopped means not ours from here on: the next tick does not renew it, no second Stop
    assert 1 not in p.owned and p.tick_fences() == ["", "", "", ""]
    assert p.handle_timer(deadline + 1.0) == []


def test_planner_and_config_reject_bad_values() -> None:
    with pytest.raises(ValueError):
        LeasePlanner([], ttl=1, renew_every=0.3, margin=0.2, now=0)
    with pytest.raises(ValueError):
        LeasePlanner([0], ttl=1, renew_every=0.9, margin=0.2, now=0)
    with pytest.raises(ValueError, match="statuses"):
        planner().tick_done(0, 1, [F], 0)
    with pytest.raises(ValueError, match="redis_url"):
        ClusterConfig("http://x")
    with pytest.raises(ValueError, match="renew_every"):
        ClusterConfig("redis://x", lease_ttl=1, renew_every=0.9)
    config = ClusterConfig("redis://x", lease_ttl=2.0)
    assert config.renew_interval == pytest.approx(2 / 3) and config.stop_margin == 0.4


@given(st.permutations(list(range(1, 30))))
def test_watermark_is_the_highest_seq_with_everything_before_it_finished(
    order: list[int],
) -> None:
    w = SeqWatermark(0)
    for seq in range(1, 30):
        assert w.started(seq)
    finished: set[int] = set()
    for seq in order:
        w.finished(seq)
        finished.add(seq)
        expected = 0
        while expected + 1 in finished:
            expected += 1
        assert w.value == expected
    assert w.pending == 0


def test_watermark_ignores_replays_and_unknown_seqs() -> None:
    w = SeqWatermark(5)
    assert not w.started(5) and not w.started(3)
    assert w.started(7)
    assert w.finished(6) is None and w.finished(7) == 7
    assert w.finished(7) is None and w.pending == 0
