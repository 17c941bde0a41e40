"""The one set of field converters every model is declared with, and the generic parser.

A model is a frozen, slotted, keyword-only dataclass deriving from :class:`Model`. Its field types
say how to read each JSON key (``str``, ``int``, ``bool``, :class:`Timestamp`, another model, a
``tuple`` of those, or raw ``JSON``); the first parse of a class turns its type hints into a
key → converter table, cached for the life of the process. Parsing is tolerant of what the
platform really sends (ids as numbers, 0/1 for booleans, numeric strings for integers, RFC 3339
or unix timestamps) and keeps unknown keys in ``extra``. Anything else raises
:class:`InvalidModel`, a :class:`~qqproto.errors.RemoteProtocolError`.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, Union

from qqproto.errors import RemoteProtocolError

JSON = Any
"""A JSON value as ``json.loads`` returns it."""

M = TypeVar("M", bound="Model")
Converter = Callable[[Any], Any]

EMPTY: Mapping[str, JSON] = types.MappingProxyType({})
"""The shared, immutable ``extra`` of a model that met no unknown key."""

NOT_JSON = "qqproto_not_json"
"""Field-metadata key: the field is not read from (or written to) the JSON object."""


class InvalidModel(RemoteProtocolError):
    """A JSON value does not have the shape a model needs.

    ``model`` is the model's class name, ``field`` the JSON key (None when the value as a whole is
    wrong, e.g. a list where an object was expected), ``reason`` what was wrong with it.
    """

    def __init__(self, model: str, field: str | None, reason: str) -> None:
        where = model if field is None else f"{model}.{field}"
        super().__init__(f"{where}: {reason}")
        self.model = model
        self.field = field
        self.reason = reason


class _Mismatch(Exception):
    """Raised by a converter; the parser turns it into :class:`InvalidModel` with the field name."""


def _kind(value: object) -> str:
    return type(value).__name__


# -- timestamps -----------------------------------------------------------------------------------

_UNIX_MS_THRESHOLD = 100_000_000_000
"""Unix values at or above this are milliseconds (1e11 s is the year 5138; 1e11 ms is 1973)."""

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$",
    re.ASCII,
)


class Timestamp(datetime):
    """An aware :class:`~datetime.datetime` that remembers the raw JSON value it was read from.

    The platform sends RFC 3339 strings (``"2021-05-20T15:14:58+08:00"``), unix seconds as
    numbers (manage events) and unix milliseconds as strings (schedules). ``raw`` is that value,
    written back unchanged by ``to_dict``. A string without an offset is taken as UTC.
    """

    __slots__ = ("raw",)
    raw: str | int | float

    @classmethod
    def parse(cls, value: object) -> Timestamp:
        """Read a JSON timestamp; raise :class:`_Mismatch` when it is not one."""
        stamp: Timestamp
        if type(value) is str:
            if value.isascii() and value.isdigit() and len(value) < 40:
                stamp = cls._from_moment(_from_unix(int(value)))
            else:
                try:
                    stamp = cls.fromisoformat(value)
                except ValueError:
                    stamp = cls._from_moment(_from_rfc3339(value.strip()))
                else:
                    if stamp.tzinfo is None:
                        stamp = stamp.replace(tzinfo=timezone.utc)
            stamp.raw = value
            return stamp
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Mismatch(f"expected a timestamp, got {_kind(value)}")
        if value != value or value in (float("inf"), float("-inf")):
            raise _Mismatch("expected a timestamp, got a non-finite number")
        stamp = cls._from_moment(_from_unix(value))
        stamp.raw = value
        return stamp

    @classmethod
    def _from_moment(cls, moment: datetime) -> Timestamp:
        return cls(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond,
            tzinfo=moment.tzinfo,
        )

    def __reduce_ex__(self, protocol: typing.SupportsIndex) -> tuple[Any, ...]:
        return (Timestamp.parse, (self.raw,))

    def __repr__(self) -> str:
        return f"Timestamp({self.isoformat()!r}, raw={self.raw!r})"


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _from_unix(number: float) -> datetime:
    try:
        seconds = number / 1000 if abs(number) >= _UNIX_MS_THRESHOLD else number
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        raise _Mismatch(f"unix time {number!r} is out of range") from None


def _from_rfc3339(text: str) -> datetime:
    match = _RFC3339.match(text)
    if match is None:
        raise _Mismatch(f"expected an RFC 3339 timestamp, got {text[:40]!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz: timezone = timezone.utc
    if offset and offset not in ("Z", "z"):
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if delta >= timedelta(hours=24):
            raise _Mismatch(f"bad UTC offset in {text[:40]!r}")
        tz = timezone(-delta if offset[0] == "-" else delta)
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59), micro, tz
        )
    except (ValueError, OverflowError):
        raise _Mismatch(f"impossible date in {text[:40]!r}") from None


# -- scalar converters ----------------------------------------------------------------------------


def to_str(value: object) -> str:
    """A string; ids that arrive as JSON integers become their decimal string."""
    if type(value) is str:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise _Mismatch(f"expected a string, got {_kind(value)}")


def to_int(value: object) -> int:
    """An integer; numeric strings (``"30"``) and integral floats are accepted too."""
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in ("+", "-") else text
        if digits.isascii() and digits.isdigit() and len(text) < 40:
            return int(text)
    raise _Mismatch(f"expected an integer, got {_kind(value)}")


_TRUE = frozenset({"1", "true", "True"})
_FALSE = frozenset({"0", "false", "False", ""})


def to_bool(value: object) -> bool:
    """A boolean; 0/1 (numbers or strings) and ``"true"``/``"false"`` are accepted too."""
    if value is True or value is False:
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    raise _Mismatch(f"expected a boolean, got {_kind(value)}")


def to_object(value: object) -> Mapping[str, JSON]:
    """A JSON object, kept as it is."""
    if isinstance(value, dict):
        return value
    raise _Mismatch(f"expected an object, got {_kind(value)}")


def to_json(value: object) -> JSON:
    """Any JSON value, kept as it is."""
    return value


def tuple_of(item: Converter) -> Converter:
    """A JSON array whose items are read with ``item``."""

    def convert(value: object) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _Mismatch(f"expected an array, got {_kind(value)}")
        return tuple([item(v) for v in value])

    return convert


def model_converter(cls: type[Model]) -> Converter:
    """A nested model; its own errors keep their model and field name."""

    def convert(value: object) -> Model:
        return cls.parse(value)

    return convert


def first_of(*converters: Converter) -> Converter:
    """The first converter that accepts the value (for fields the platform sends in two shapes)."""

    def convert(value: object) -> Any:
        problems = []
        for conv in converters:
            try:
                return conv(value)
            except (_Mismatch, InvalidModel) as exc:
                problems.append(str(exc))
        raise _Mismatch(" / ".join(problems))

    return convert


def convert_field(conv: Converter) -> dict[str, Any]:
    """Field metadata that overrides the converter derived from the type hint."""
    return {"qqproto_converter": conv}


def event_id_field() -> Any:
    """The dispatch's top-level ``id`` (needed for passive replies); not part of ``d``."""
    return dataclasses.field(default=None, metadata={NOT_JSON: True})


# -- the generic parser ---------------------------------------------------------------------------

_SCALARS: dict[Any, Converter] = {
    str: to_str,
    int: to_int,
    bool: to_bool,
    Timestamp: Timestamp.parse,
}


def _converter_for(hint: Any) -> Converter:
    origin = typing.get_origin(hint)
    if origin is Union or origin is types.UnionType:
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(members) != 1:  # pragma: no cover - declare such fields with convert_field()
            raise TypeError(f"ambiguous field type {hint!r}: give it a converter")
        return _converter_for(members[0])
    if hint in _SCALARS:
        return _SCALARS[hint]
    if hint is Any:
        return to_json
    if origin is tuple:
        args = typing.get_args(hint)
        return tuple_of(_converter_for(args[0]))
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return to_object
    if isinstance(hint, type) and issubclass(hint, Model):
        return model_converter(hint)
    raise TypeError(f"no converter for field type {hint!r}")  # pragma: no cover - a model bug


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    parse: Callable[[dict[str, Any]], Any]
    writers: tuple[tuple[str, str], ...]


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[Model]) -> _Plan:
    """Compile ``cls``'s fields into a parse function (once per class, then cached).

    The function reads every known key with ``dict.get``, converts it (strings skip the call when
    they already are strings), stores it through the slot descriptor (bypassing the frozen
    ``__setattr__``, which costs 5x more) and collects unknown keys into ``extra`` only when the
    object has any.
    """
    hints = typing.get_type_hints(cls)
    env: dict[str, Any] = {
        "new": object.__new__,
        "cls": cls,
        "Mismatch": _Mismatch,
        "InvalidModel": InvalidModel,
        "EMPTY": EMPTY,
        "str": str,
        "type": type,
    }
    lines = ["def parse(data):", "    o = new(cls)", "    key = None", "    try:"]
    writers: list[tuple[str, str]] = []
    known: set[str] = set()
    for i, f in enumerate(dataclasses.fields(cls)):
        env[f"s{i}"] = getattr(cls, f.name).__set__
        if f.name == "extra":
            extra_setter = f"s{i}"
            continue
        if f.metadata.get(NOT_JSON):
            lines.append(f"        s{i}(o, None)")
            continue
        key = f.metadata.get("qqproto_key", f.name)
        conv = f.metadata.get("qqproto_converter") or _converter_for(hints[f.name])
        env[f"c{i}"] = conv
        known.add(key)
        writers.append((key, f.name))
        lines.append(f"        key = {key!r}")
        lines.append(f"        v = data.get({key!r})")
        if conv is to_str:
            lines.append(f"        s{i}(o, v if v is None or type(v) is str else c{i}(v))")
        else:
            lines.append(f"        s{i}(o, None if v is None else c{i}(v))")
    env["KNOWN"] = frozenset(known)
    lines += [
        "    except Mismatch as exc:",
        f"        raise InvalidModel({cls.__name__!r}, key, str(exc)) from None",
        "    if data.keys() <= KNOWN:",
        f"        {extra_setter}(o, EMPTY)",
        "    else:",
        f"        {extra_setter}(o, {{k: v for k, v in data.items() if k not in KNOWN}})",
        "    return o",
    ]
    exec("\n".join(lines), env)
    plan = _PLANS[cls] = _Plan(env["parse"], tuple(writers))
    return plan


def _dump(value: Any) -> JSON:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if isinstance(value, Timestamp):
        return value.raw
    return value


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Model:
    """Base of every typed model: a generic tolerant ``parse`` and a round-tripping ``to_dict``.

    Subclasses are ``@dataclass(frozen=True, slots=True, kw_only=True)``; every field is optional
    (absent or null → None). ``extra`` holds the keys the model does not know, never dropped.
    """

    extra: Mapping[str, JSON] = dataclasses.field(default_factory=lambda: EMPTY)

    @classmethod
    def parse(cls: type[M], data: object) -> M:
        """Build the model from a decoded JSON object or raise :class:`InvalidModel`."""
        if not isinstance(data, dict):
            raise InvalidModel(cls.__name__, None, f"expected an object, got {_kind(data)}")
        parse: Callable[[dict[str, Any]], M] = (_PLANS.get(cls) or _plan(cls)).parse
        return parse(data)

    def to_dict(self) -> dict[str, JSON]:
        """The JSON object this model stands for: known fields that are set, then ``extra``."""
        out: dict[str, JSON] = {}
        for key, name in (_PLANS.get(type(self)) or _plan(type(self))).writers:
            value = getattr(self, name)
            if value is not None:
                out[key] = _dump(value)
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


def as_dict(model: Model) -> dict[str, JSON]:
    """``model.to_dict()``, as a function."""
    return model.to_dict()
