"""Properties of the event decoder (hypothesis): what ``parse_event`` does with any input.

(a) Any JSON, as any known event: the event's model, or ``InvalidModel``/``InvalidJSON``.
(b) Payloads that fit a model (built from the model's own type information, in every spelling
    the platform uses: ids as numbers, times as RFC 3339, unix seconds or milliseconds, enum
    names, 0/1 booleans): every modelled field agrees with a plain ``json.loads`` of the same
    bytes, and the unknown keys are ``extra``.
(c) Arbitrary bytes: only ``RemoteProtocolError`` subclasses, nothing else.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec.inspect as mi
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qqproto._errors import InvalidJSON, RemoteProtocolError
from qqproto.models import EVENT_MODELS, InvalidModel, Model, ReactionTargetType, parse_event

NAMES = sorted(EVENT_MODELS)
MODEL_NAMES = [name for name in NAMES if issubclass(EVENT_MODELS[name], Model)]
KEY_EVENTS = [
    "AT_MESSAGE_CREATE",
    "GROUP_AT_MESSAGE_CREATE",
    "C2C_MESSAGE_CREATE",
    "MESSAGE_REACTION_ADD",
    "INTERACTION_CREATE",
]
FAST = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MS_FROM = 100_000_000_000
"""Unix times at or above this are milliseconds (what the platform's values mean)."""

REACTION_TARGET_NAMES = {
    "ReactionTargetType_MSG": 0,
    "ReactionTargetType_FEED": 1,
    "ReactionTargetType_COMMNENT": 2,  # sic: the platform's spelling
    "ReactionTargetType_REPLY": 3,
}


def _field_names(cls: type[Any], seen: set[type[Any]]) -> set[str]:
    names: set[str] = set()
    if cls in seen or not issubclass(cls, Model):
        return names
    seen.add(cls)
    for field in mi.type_info(cls).fields:  # type: ignore[attr-defined]
        names.add(field.encode_name)
        for inner in _structs_in(field.type):
            names |= _field_names(inner, seen)
    return names


def _structs_in(info: mi.Type) -> list[type[Any]]:
    if isinstance(info, mi.StructType):
        return [info.cls]
    if isinstance(info, mi.UnionType):
        return [cls for member in info.types for cls in _structs_in(member)]
    if isinstance(info, (mi.ListType, mi.VarTupleType)):
        return _structs_in(info.item_type)
    return []


_seen: set[type[Any]] = set()
KEYS = sorted(set().union(*(_field_names(m, _seen) for m in EVENT_MODELS.values())))

# -- (a) any JSON ---------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64) - 2, max_value=2**64 + 2)
    | st.integers(min_value=-(2**256), max_value=2**256)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
    | st.sampled_from(
        [
            "",
            "0",
            "1",
            "true",
            "-1",
            "2021-05-20T15:14:58+08:00",
            "2021-05-20T15:14:58",
            "1642076400000",
            "ReactionTargetType_COMMNENT",
            "9" * 45,
        ]
    )
)
json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=6)
    ),
    max_leaves=10,
)
json_objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)
small_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2)
    ),
    max_leaves=4,
)


@FAST
@given(value=json_objects | json_values)
def test_any_json_is_the_model_or_a_remote_protocol_error(value: Any) -> None:
    """For every event name: the event's model, or InvalidModel/InvalidJSON, nothing else;
    the same from the decoded value."""
    sent = json.dumps(value).encode()
    for name in NAMES:
        for data in (sent, value):
            try:
                event = parse_event(name, data, event_id=None)
            except (InvalidModel, InvalidJSON) as exc:
                assert isinstance(exc, RemoteProtocolError)
                continue
            assert isinstance(event, EVENT_MODELS[name]), (name, event)


# -- (b) payloads that fit: every field agrees with plain JSON ------------------------------------

_moments = st.datetimes(
    min_value=datetime(2001, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.sampled_from(
        [timezone.utc, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
    ),
)


def _spellings(moment: datetime) -> st.SearchStrategy[Any]:
    """The ways the platform writes ``moment``."""
    whole = moment.replace(microsecond=0)
    seconds = int(whole.timestamp())
    millis = (moment - EPOCH) // timedelta(milliseconds=1)
    utc = moment.astimezone(timezone.utc)
    return st.sampled_from(
        [
            moment.isoformat(),
            utc.isoformat().replace("+00:00", "Z"),
            utc.replace(tzinfo=None).isoformat(),  # no offset: UTC
            seconds,
            str(seconds),
            millis,
            str(millis),
        ]
    )


def _enum_values(cls: type[Any]) -> st.SearchStrategy[Any]:
    numbers = st.sampled_from([int(member) for member in cls])
    if cls is ReactionTargetType:
        return numbers | st.sampled_from(sorted(REACTION_TARGET_NAMES))
    return numbers


_unknown_keys = st.dictionaries(st.text(max_size=4).map(lambda s: "x_" + s), small_json, max_size=2)
_cache: dict[Any, st.SearchStrategy[Any]] = {}


def fitting(info: mi.Type, *, tolerant: bool = True) -> st.SearchStrategy[Any]:
    """JSON values that ``info`` accepts, in the spellings the platform uses (``tolerant``:
    also the ones that need mending, where the type says how)."""
    if isinstance(info, mi.UnionType):
        members = [m for m in info.types if not isinstance(m, mi.NoneType)]
        options = [st.none()] if len(members) < len(info.types) else []
        alone = len(members) == 1
        options += [fitting(m, tolerant=tolerant and alone) for m in members]
        return st.one_of(options)
    if isinstance(info, mi.StrType):
        text = st.text(max_size=12)
        return text | st.integers(min_value=0, max_value=2**80) if tolerant else text
    if isinstance(info, mi.IntType):
        number = st.integers(min_value=-(2**63), max_value=2**63 - 1)
        return number | number.map(str) if tolerant else number
    if isinstance(info, mi.BoolType):
        return st.booleans() | st.sampled_from([0, 1, "true", "false"])
    if isinstance(info, mi.DateTimeType):
        return _moments.flatmap(_spellings)
    if isinstance(info, mi.EnumType):
        return _enum_values(info.cls)
    if isinstance(info, (mi.ListType, mi.VarTupleType)):
        return st.lists(fitting(info.item_type), max_size=2)
    if isinstance(info, mi.DictType):
        return st.dictionaries(st.text(max_size=6), small_json, max_size=3)
    if isinstance(info, mi.AnyType):
        return small_json
    if isinstance(info, mi.NoneType):
        return st.none()
    if isinstance(info, mi.StructType):
        strategy = _cache.get(info.cls)
        if strategy is None:
            fields = {f.encode_name: fitting(f.type) for f in info.fields}
            known = st.fixed_dictionaries({}, optional=fields)
            # unknown keys inside nested objects too: ignored, never an error
            strategy = _cache[info.cls] = st.builds(lambda a, b: {**b, **a}, known, _unknown_keys)
        return strategy
    raise AssertionError(f"no strategy for {info!r}")  # a new kind of field: teach the test


def expected_time(sent: Any) -> datetime:
    """The instant a platform time value means, read independently of the decoder."""
    if isinstance(sent, str) and sent.isdigit():
        sent = int(sent)
    if isinstance(sent, int):
        return EPOCH + (
            timedelta(milliseconds=sent) if sent >= MS_FROM else timedelta(seconds=sent)
        )
    moment = datetime.fromisoformat(sent.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def expected_bool(sent: Any) -> bool:
    if isinstance(sent, bool):
        return sent
    if isinstance(sent, int):
        return {0: False, 1: True}[sent]
    return {"true": True, "false": False}[sent]


def agree(got: Any, sent: Any, info: mi.Type, where: str = "$") -> None:
    """``got`` (decoded by the model) says what ``sent`` (plain ``json.loads``) says."""
    if isinstance(info, mi.UnionType):
        if sent is None:
            assert got is None, where
            return
        members = [m for m in info.types if not isinstance(m, mi.NoneType)]
        if len(members) > 1:  # str | tuple[...]: the member of the value's kind
            wanted = mi.StrType if isinstance(sent, str) else (mi.ListType, mi.VarTupleType)
            members = [m for m in members if isinstance(m, wanted)]
        (info,) = members
    if isinstance(info, mi.StrType):
        assert got == (sent if isinstance(sent, str) else str(sent)), where
    elif isinstance(info, mi.IntType):
        assert type(got) is int and got == int(sent), where
    elif isinstance(info, mi.BoolType):
        assert got is expected_bool(sent), where
    elif isinstance(info, mi.DateTimeType):
        assert isinstance(got, datetime) and got.tzinfo is not None, where
        assert got == expected_time(sent), (where, sent, got)
    elif isinstance(info, mi.EnumType):
        assert type(got) is info.cls, where
        assert got == REACTION_TARGET_NAMES.get(sent, sent), where
    elif isinstance(info, (mi.ListType, mi.VarTupleType)):
        assert isinstance(got, tuple) and len(got) == len(sent), where
        for index, (item, raw) in enumerate(zip(got, sent, strict=True)):
            agree(item, raw, info.item_type, f"{where}[{index}]")
    elif isinstance(info, mi.StructType):
        assert type(got) is info.cls and isinstance(sent, dict), where
        for field in info.fields:
            value = sent.get(field.encode_name)
            agree(getattr(got, field.name), value, field.type, f"{where}.{field.encode_name}")
    else:  # Any, Mapping[str, JSON]: the plain JSON value itself
        assert got == sent, where


def _check_fitting(name: str, d: dict[str, Any]) -> None:
    sent = json.dumps(d, ensure_ascii=False).encode()
    event = parse_event(name, sent, event_id=None)
    model = EVENT_MODELS[name]
    assert type(event) is model
    plain = json.loads(sent)
    agree(event, plain, mi.type_info(model))
    assert isinstance(event, Model) and event.raw == sent
    known = {f.encode_name for f in mi.type_info(model).fields}  # type: ignore[attr-defined]
    assert dict(event.extra) == {k: v for k, v in plain.items() if k not in known}


@FAST
@given(data=st.data())
def test_fitting_payloads_of_every_event_agree_with_plain_json(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(MODEL_NAMES), label="name")
    _check_fitting(name, data.draw(fitting(mi.type_info(EVENT_MODELS[name])), label="d"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("name", KEY_EVENTS)
def test_fitting_payloads_of_key_events_agree_with_plain_json(
    name: str, data: st.DataObject
) -> None:
    _check_fitting(name, data.draw(fitting(mi.type_info(EVENT_MODELS[name])), label="d"))


def test_the_generated_payloads_cover_every_field_kind() -> None:
    """``fitting`` knows every kind of field the event models use (else it raises)."""
    for name in MODEL_NAMES:
        assert fitting(mi.type_info(EVENT_MODELS[name])) is not None


# -- (c) arbitrary bytes --------------------------------------------------------------------------


@st.composite
def _damaged_json(draw: st.DrawFn) -> bytes:
    """Valid JSON with one byte replaced, cut short or grown: near misses of the real thing."""
    value = draw(st.dictionaries(st.sampled_from(KEYS), small_json, max_size=6))
    sent = bytearray(json.dumps(value, ensure_ascii=False).encode())
    index = draw(st.integers(min_value=0, max_value=max(len(sent) - 1, 0)))
    how = draw(st.sampled_from(["replace", "cut", "insert"]))
    if how == "cut":
        return bytes(sent[:index])
    byte = draw(st.integers(min_value=0, max_value=255))
    if how == "replace" and sent:
        sent[index] = byte
    else:
        sent.insert(index, byte)
    return bytes(sent)


@FAST
@given(sent=st.binary(max_size=400) | _damaged_json())
@example(sent=b"[" * 100_000)
@example(sent=b'{"author":' * 20_000)
@example(sent=b'{"content":"\xff\xfe"}')
@example(sent=b'{"content":"\\ud800"}')
@example(sent=b'{"timestamp":1e400}')
@example(sent=b'{"seq":' + b"9" * 5000 + b"}")
@example(sent=b'{"id":1}\x00')
@example(sent=b"\xef\xbb\xbf{}")
def test_arbitrary_bytes_raise_only_remote_protocol_errors(sent: bytes) -> None:
    for name in NAMES:
        try:
            event = parse_event(name, sent, event_id=None)
        except RemoteProtocolError:
            continue
        assert isinstance(event, EVENT_MODELS[name]), (name, event)
