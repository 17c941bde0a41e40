"""Tests of the gateway's small parts: intents, identify limiter, throttle, dedup, payload codec."""

from __future__ import annotations

import contextlib
import json
import random
from collections import OrderedDict

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from qqproto._errors import LocalProtocolError, RemoteProtocolError
from qqproto.gateway._backoff import BackoffConfig, ReconnectThrottle
from qqproto.gateway._dedup import RecentIds
from qqproto.gateway._identify import IdentifyLimiter, SessionStartLimit
from qqproto.gateway._intents import Intents
from qqproto.gateway._payload import Payload, decode_payload, encode_payload

# ------------------------------------------------------------------ intents


def test_intent_values_match_the_platform_table() -> None:
    table = {
        "GUILDS": 1,
        "GUILD_MEMBERS": 2,
        "GUILD_MESSAGES": 512,
        "GUILD_MESSAGE_REACTIONS": 1024,
        "DIRECT_MESSAGE": 4096,
        "OPEN_FORUMS_EVENT": 262144,
        "AUDIO_OR_LIVE_CHANNEL_MEMBER": 524288,
        "GROUP_AND_C2C_EVENT": 33554432,
        "INTERACTION": 67108864,
        "MESSAGE_AUDIT": 134217728,
        "FORUMS_EVENT": 268435456,
        "AUDIO_ACTION": 536870912,
        "PUBLIC_GUILD_MESSAGES": 1073741824,
    }
    assert {name: int(Intents[name]) for name in table} == table


def test_intent_builders_and_sets() -> None:
    assert Intents.none() == 0
    assert Intents.default() == 1846285315  # botrs's default: all minus bits 9 and 28
    assert Intents.GUILD_MESSAGES not in Intents.default()
    built = Intents.none().with_public_guild_messages().with_guilds()
    assert built == Intents.GUILDS | Intents.PUBLIC_GUILD_MESSAGES
    assert repr(built) == "Intents(GUILDS | PUBLIC_GUILD_MESSAGES)"
    assert str(Intents.none()) == "Intents(0)"
    assert repr(Intents(1 | 4)) == "Intents(GUILDS | 0x4)"
    assert not built.has_privileged()
    assert Intents.none().with_direct_message().has_privileged()
    builders = [
        "with_guilds", "with_guild_members", "with_guild_messages",
        "with_guild_message_reactions", "with_direct_message", "with_open_forums_event",
        "with_audio_or_live_channel_member", "with_enter_aio", "with_group_members",
        "with_group_and_c2c_event", "with_interaction", "with_message_audit",
        "with_forums_event", "with_audio_action", "with_public_guild_messages",
    ]  # fmt: skip
    value = Intents.none()
    for name in builders:
        value = getattr(value, name)()
    assert value == Intents.all()
    assert Intents.none().with_public_messages() == Intents.GROUP_AND_C2C_EVENT
    assert Intents.all() - Intents.basic() == Intents.all().privileged()
    assert Intents.all().names()[0] == "GUILDS"


# ------------------------------------------------------------------ identify limiter


def test_limiter_buckets_by_shard_modulo_concurrency() -> None:
    lim = IdentifyLimiter(max_concurrency=2)
    lim.record(0, 0.0)
    assert lim.earliest(2, 0.0) == 5.0  # same bucket as 0
    assert lim.earliest(1, 0.0) == 0.0  # other bucket
    lim.record(1, 0.0)
    with pytest.raises(LocalProtocolError):
        lim.record(3, 1.0)
    assert lim.earliest(0, 7.0) == 7.0


def test_limiter_session_budget_waits_for_reset_then_refills() -> None:
    lim = IdentifyLimiter(
        limit=SessionStartLimit(total=3, remaining=1, reset_after=100.0, max_concurrency=4), now=0.0
    )
    assert lim.max_concurrency == 4 and lim.remaining == 1
    lim.record(0, 0.0)
    assert lim.remaining == 0
    assert lim.earliest(1, 1.0) == 100.0
    lim.record(1, 100.0)
    assert lim.remaining == 2  # refilled to total, minus this one
    assert lim.earliest(2, 100.0) == 100.0


def test_limiter_keeps_concurrency_when_limit_says_zero() -> None:
    lim = IdentifyLimiter(max_concurrency=2)
    lim.update_limit(SessionStartLimit(10, 10, 0.0, 0), now=0.0)
    assert lim.max_concurrency == 2


def test_limiter_rejects_bad_config() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        IdentifyLimiter(max_concurrency=0)
    with pytest.raises(ValueError, match="window"):
        IdentifyLimiter(window=0)


@given(st.lists(st.tuples(st.integers(0, 7), st.floats(0, 3)), max_size=40), st.integers(1, 4))
def test_limiter_never_allows_two_identifies_in_a_bucket_within_window(
    steps: list[tuple[int, float]], concurrency: int
) -> None:
    lim = IdentifyLimiter(max_concurrency=concurrency)
    now = 0.0
    last: dict[int, float] = {}
    for shard, dt in steps:
        now += dt
        at = lim.earliest(shard, now)
        assert at >= now
        lim.record(shard, at)
        bucket = shard % concurrency
        if bucket in last:
            assert at >= last[bucket] + 5.0
        last[bucket] = at
        now = max(now, at) if dt > 2 else now


# ------------------------------------------------------------------ throttle


@given(
    st.lists(st.tuples(st.one_of(st.none(), st.floats(0, 200)), st.booleans()), max_size=30),
    st.integers(0, 2**32),
)
def test_throttle_delays_are_bounded(endings: list[tuple[float | None, bool]], seed: int) -> None:
    cfg = BackoffConfig(base=0.5, cap=30.0)
    throttle = ReconnectThrottle(random.Random(seed), cfg)
    for established_for, failure in endings:
        delay = throttle.next_delay(established_for, failure=failure)
        assert 0.0 <= delay <= cfg.cap
        if established_for is not None and established_for >= cfg.stable_after:
            assert delay <= (cfg.base if failure else cfg.quick_jitter)
            assert throttle.failures == int(failure)


def test_throttle_backoff_grows_to_cap_and_crash_loop_counts() -> None:
    throttle = ReconnectThrottle(random.Random(1), BackoffConfig(base=1.0, cap=10.0))
    delays = [throttle.next_delay(None, failure=True) for _ in range(8)]
    assert 0.5 <= delays[0] <= 1.0 and 5.0 <= delays[-1] <= 10.0
    throttle = ReconnectThrottle(random.Random(1))
    assert throttle.next_delay(61.0) <= 0.1  # a stable session that ended: quick
    # sessions that never got going or died young: quick twice, then a crash loop
    quick = [throttle.next_delay(None), throttle.next_delay(1.0)]
    assert all(d <= 0.1 for d in quick)
    assert 2.0 <= throttle.next_delay(0.01) <= 4.0
    assert 4.0 <= throttle.next_delay(59.0) <= 8.0  # not yet stable: still backing off
    assert throttle.next_delay(60.0) <= 0.1  # stable: reset
    assert throttle.failures == 0
    assert 0.5 <= throttle.next_delay(10.0, failure=True) <= 1.0
    assert 0.5 <= throttle.next_delay(600.0, failure=True) <= 1.0  # a failure after a stable
    assert throttle.failures == 1  # session backs off, from the first step


def test_throttle_storm_makes_few_connections_at_the_defaults() -> None:
    """Sessions that die at once after READY/RESUMED, in a loop: at most 8 connects in 15 s."""
    for seed in range(200):
        throttle = ReconnectThrottle(random.Random(seed))
        now, connects = 0.0, 0
        while now < 15.0:
            connects += 1
            now += 0.01 + throttle.next_delay(0.005)  # connect, session, dies
        assert connects <= 8, (seed, connects)


# ------------------------------------------------------------------ dedup


def test_recent_ids_bounded() -> None:
    ids = RecentIds(2)
    assert not ids.seen("a") and ids.seen("a")
    assert not ids.seen("b") and not ids.seen("c")
    assert len(ids) == 2
    assert not ids.seen("a")  # evicted
    with pytest.raises(ValueError):
        RecentIds(0)


@given(st.integers(1, 6), st.lists(st.sampled_from("abcdefghij"), max_size=60))
def test_recent_ids_are_the_least_recently_seen_window(capacity: int, keys: list[str]) -> None:
    """Exactly an LRU window of ``capacity`` ids: an id seen again becomes the most recent."""
    ids = RecentIds(capacity)
    model: OrderedDict[str, None] = OrderedDict()
    for key in keys:
        again = key in model
        if again:
            model.move_to_end(key)
        else:
            model[key] = None
            if len(model) > capacity:
                model.popitem(last=False)
        assert ids.seen(key) is again
        assert len(ids) == len(model)


# ------------------------------------------------------------------ payload codec


def test_payload_round_trip() -> None:
    text = encode_payload(1, None)
    assert text == '{"op":1,"d":null}'
    assert decode_payload(text) == Payload(1, None)
    assert decode_payload(
        b'{"op":0,"s":3,"t":"X","id":"i","d":{"a":"\xe4\xb8\xad"}}'.decode("latin-1").encode(
            "latin-1"
        )
    ) == Payload(0, {"a": "中"}, 3, "X", "i")
    assert encode_payload(0, {"a": "中"}) == '{"op":0,"d":{"a":"中"}}'


@given(st.binary(max_size=200) | st.text(max_size=200))
def test_payload_garbage_only_raises_remote_error(data: bytes | str) -> None:
    with contextlib.suppress(RemoteProtocolError):
        decode_payload(data)


def test_deeply_nested_payload_is_a_remote_error() -> None:
    with pytest.raises(RemoteProtocolError):
        decode_payload('{"op":0,"d":' + "[" * 100000 + "]" * 100000 + "}", max_size=1 << 30)


def test_session_limit_from_the_api_shape() -> None:
    from qqproto.gateway._identify import session_limit_from_api
    from qqproto.models import SessionStartLimitInfo as ApiLimit

    api = ApiLimit.parse(
        {"total": 1000, "remaining": 3, "reset_after": 14400000, "max_concurrency": 2}
    )
    assert session_limit_from_api(api) == SessionStartLimit(1000, 3, 14400.0, 2)
    partial = ApiLimit.parse({"remaining": 5})
    assert session_limit_from_api(partial) == SessionStartLimit(5, 5, 0.0, 1)
    assert session_limit_from_api(ApiLimit.parse({"total": 9})) is None
    assert session_limit_from_api(None) is None


@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda pre, v, post: pre + json.dumps(v) + post,
            st.sampled_from(["", " ", "\n\t"]),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                lambda c: (
                    st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3)
                ),
                max_leaves=6,
            ),
            st.sampled_from(["", " ", "\r\n", " x", "}"]),
        ),
    )
)
@example("NaN")
@example("[-Infinity]")
def test_the_codec_agrees_with_json_loads(text: str) -> None:
    from qqproto._errors import InvalidJSON
    from qqproto._json import loads

    def not_json(constant: str) -> object:  # NaN, Infinity: Python's extension, not JSON
        raise ValueError(constant)

    try:
        expected: object = json.loads(text, parse_constant=not_json)
    except ValueError:
        with pytest.raises(InvalidJSON):
            loads(text)
    else:
        assert loads(text) == expected
        assert loads(text.encode("utf-8")) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{", "not valid JSON"),
        ("[1]", "not a valid payload"),
        ('{"op": "0"}', r"not a valid payload: Expected `int`, got `str` at \$\.op"),
        ('{"op": 0, "s": "3"}', r"at \$\.s"),
        ("x" * 65, "65 bytes exceeds 64"),
        ('{"op": 0, "d": ' + "[" * 100_000, "not valid JSON"),
    ],
)
def test_decode_envelope_names_what_is_wrong(data: str, message: str) -> None:
    from qqproto.gateway._payload import decode_envelope

    with pytest.raises(RemoteProtocolError, match=message):
        decode_envelope(data, 64 if len(data) == 65 else 1 << 20)
    with pytest.raises(RemoteProtocolError, match=message):
        decode_payload(data, 64 if len(data) == 65 else 1 << 20)


def test_decode_envelope_leaves_d_raw_and_reads_a_numeric_id_as_a_string() -> None:
    from qqproto.gateway._payload import decode_envelope

    op, d, s, t, event_id = decode_envelope('{"op":0,"s":2,"t":"X","id":12,"d":{"a": [1]}}')
    assert (op, bytes(d), s, t, event_id) == (0, b'{"a": [1]}', 2, "X", "12")
    assert decode_payload(b'{"op":11}') == Payload(11, None, None, None, None)
