"""The one set of field converters every model is declared with, and the generic parser.

A model is a frozen, slotted, keyword-only class deriving from :class:`Model`. Its field types
say how to read each JSON key (``str``, ``int``, ``bool``, :class:`Timestamp`, another model, a
``tuple`` of those, or raw ``JSON``); the first parse of a class turns its type hints into a
key → converter table, cached for the life of the process. Parsing is tolerant of what the
platform really sends (ids as numbers, 0/1 for booleans, numeric strings for integers, RFC 3339
or unix timestamps) and keeps unknown keys in ``extra``. Anything else raises
:class:`InvalidModel`, a :class:`~qqproto._errors.RemoteProtocolError`.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, TypeVar, Union

from qqproto._errors import InvalidModel as InvalidModel  # re-exported: defined in _errors
from qqproto._errors import RemoteProtocolError

if typing.TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Any:
        """Tells type checkers that models behave like frozen keyword-only dataclasses."""
        return lambda cls: cls


JSON = Any
"""A JSON value as ``json.loads`` returns it."""

M = TypeVar("M", bound="Model")
Converter = Callable[[Any], Any]

EMPTY: Mapping[str, JSON] = types.MappingProxyType({})
"""The shared, immutable ``extra`` of a model that met no unknown key."""


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


class _Field:
    """How a field is read, when it is not just its type hint: ``converter`` overrides the one the
    hint gives; ``in_json=False`` marks a field filled from outside ``d`` (``event_id``)."""

    __slots__ = ("converter", "in_json")

    def __init__(self, converter: Converter | None = None, in_json: bool = True) -> None:
        self.converter = converter
        self.in_json = in_json


def convert_field(conv: Converter) -> Any:
    """A field read with ``conv`` instead of the converter its type hint gives (default None)."""
    return _Field(conv)


def event_id_field() -> Any:
    """The dispatch's top-level ``id`` (needed for passive replies); not part of ``d``."""
    return _Field(in_json=False)


# -- the model class ------------------------------------------------------------------------------


class _Lazy:
    """A field of a model class: reads its key of a lazily parsed model's JSON object on first
    access and caches the value in the instance ``__dict__``, where later reads find it first
    (a non-data descriptor, like :func:`functools.cached_property`)."""

    __slots__ = ("conv", "name", "owner")

    def __init__(self, owner: type[Model], name: str) -> None:
        self.owner = owner
        self.name = name
        self.conv: Converter | None = None

    def __get__(self, obj: Model | None, cls: type | None = None) -> Any:
        if obj is None:
            return self
        name = self.name
        data = obj._raw  # type: ignore[attr-defined]
        if data is None:  # pragma: no cover - every other model has all its fields set
            raise AttributeError(name)
        value = data.get(name)
        if value is not None:
            conv = self.conv or self._resolve()
            try:
                value = conv(value)
            except _Mismatch as exc:
                raise InvalidModel(type(obj).__name__, name, str(exc)) from None
        obj.__dict__[name] = value
        return value

    def _resolve(self) -> Converter:
        spec = self.owner.__model_specs__[self.name]
        conv = spec.converter if spec is not None else None
        self.conv = conv or _converter_for(_hints(self.owner)[self.name], lazy=True)
        return self.conv


class _Extra:
    """``extra`` of a lazily parsed model: the keys its class does not know (computed once)."""

    __slots__ = ()

    def __get__(self, obj: Model | None, cls: type | None = None) -> Any:
        if obj is None:
            return EMPTY
        data = obj._raw  # type: ignore[attr-defined]
        if data is None:  # pragma: no cover - every other model has all its fields set
            raise AttributeError("extra")
        known = (_PLANS.get(type(obj)) or _plan(type(obj))).known
        extra = EMPTY if data.keys() <= known else {k: v for k, v in data.items() if k not in known}
        obj.__dict__["extra"] = extra
        return extra


@dataclass_transform(kw_only_default=True, frozen_default=True)
class _ModelType(type):
    """Builds model classes from their annotations, without per-class generated code.

    Every annotated name is a field: keyword-only, default None (or the class body's value), read
    through a :class:`_Lazy` descriptor. :class:`Model` supplies ``__init__``, equality, hashing,
    ``repr`` and pickling once for all. This keeps importing ~90 model classes cheap (a
    ``@dataclass`` execs six functions for each).
    """

    def __new__(
        mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any], **kwargs: Any
    ) -> _ModelType:
        defaults: dict[str, Any] = {}
        specs: dict[str, _Field | None] = {}
        for base in reversed(bases):
            defaults.update(getattr(base, "__model_defaults__", {}))
            specs.update(getattr(base, "__model_specs__", {}))
        root = not defaults
        own = {}
        for field_name, hint in ns.get("__annotations__", {}).items():
            if str(hint).startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = ns.pop(field_name, None)
            spec = value if isinstance(value, _Field) else None
            defaults[field_name] = None if spec is not None else value
            specs[field_name] = own[field_name] = spec
        # the root holds the not-yet-read JSON object (None once read) and the values read
        ns["__slots__"] = ("__dict__", "_raw") if root else ()
        cls = super().__new__(mcls, name, bases, ns, **kwargs)
        cls.__model_defaults__ = defaults  # type: ignore[attr-defined]
        cls.__model_specs__ = specs  # type: ignore[attr-defined]
        for field_name in own:
            descriptor = _Extra() if root else _Lazy(cls, field_name)  # type: ignore[arg-type]
            setattr(cls, field_name, descriptor)
        return cls


_SCALARS: dict[Any, Converter] = {
    str: to_str,
    int: to_int,
    bool: to_bool,
    Timestamp: Timestamp.parse,
}


def _converter_for(hint: Any, lazy: bool) -> Converter:
    origin = typing.get_origin(hint)
    if origin is Union or origin is types.UnionType:
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(members) != 1:  # pragma: no cover - declare such fields with convert_field()
            raise TypeError(f"ambiguous field type {hint!r}: give it a converter")
        return _converter_for(members[0], lazy)
    if hint in _SCALARS:
        return _SCALARS[hint]
    if hint is Any:
        return to_json
    if origin is tuple:
        args = typing.get_args(hint)
        return tuple_of(_converter_for(args[0], lazy))
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return to_object
    if isinstance(hint, type) and issubclass(hint, Model):
        return hint.parse_lazy if lazy else hint.parse
    raise TypeError(f"no converter for field type {hint!r}")  # pragma: no cover - a model bug


class _Plan:
    """A model class's compiled constructor and eager reader (built on first use, then cached)."""

    __slots__ = ("fill", "known", "new", "writers")

    def __init__(
        self,
        new: Callable[[Any], Any],
        fill: Callable[[Any, dict[str, Any]], None],
        writers: tuple[str, ...],
    ) -> None:
        self.new = new
        self.fill = fill
        self.writers = writers
        self.known = frozenset(writers)


_PLANS: dict[type, _Plan] = {}
_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """``cls``'s resolved type hints, computed once per class (they are not cheap)."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _plan(cls: type[Model]) -> _Plan:
    """Compile ``cls``'s fields (once per class, then cached).

    ``new(raw)`` makes an instance holding ``raw`` (None for an eager parse) with its non-JSON
    fields None. ``fill(o, data)`` (eager :meth:`Model.parse`) reads every known key with
    ``dict.get``, converts it (strings skip the call when they already are strings), stores it
    in the instance dict (bypassing the frozen ``__setattr__``) and collects unknown keys into
    ``extra`` only when the object has any. ``writers`` are the JSON keys the class reads, in order.
    """
    hints = _hints(cls)
    env: dict[str, Any] = {
        "object_new": object.__new__,
        "cls": cls,
        "Mismatch": _Mismatch,
        "InvalidModel": InvalidModel,
        "EMPTY": EMPTY,
        "str": str,
        "type": type,
        "set_raw": _RAW.__set__,
    }
    new = ["def new(raw):", "    o = object_new(cls)", "    set_raw(o, raw)"]
    fill = ["def fill(o, data):", "    d = o.__dict__", "    key = None", "    try:"]
    known: list[str] = []
    for i, (name, spec) in enumerate(cls.__model_specs__.items()):
        if name == "extra":
            continue
        if spec is not None and not spec.in_json:
            new.append(f"    o.__dict__[{name!r}] = None")
            continue
        conv = spec.converter if spec is not None else None
        env[f"c{i}"] = conv or _converter_for(hints[name], lazy=False)
        known.append(name)
        fill.append(f"        key = {name!r}")
        fill.append(f"        v = data.get({name!r})")
        if env[f"c{i}"] is to_str:
            fill.append(f"        d[{name!r}] = v if v is None or type(v) is str else c{i}(v)")
        else:
            fill.append(f"        d[{name!r}] = None if v is None else c{i}(v)")
    env["KNOWN"] = frozenset(known)
    fill += [
        "    except Mismatch as exc:",
        f"        raise InvalidModel({cls.__name__!r}, key, str(exc)) from None",
        "    if data.keys() <= KNOWN:",
        "        d['extra'] = EMPTY",
        "    else:",
        "        d['extra'] = {k: v for k, v in data.items() if k not in KNOWN}",
    ]
    exec("\n".join([*new, "    return o", *fill]), env)
    plan = _PLANS[cls] = _Plan(env["new"], env["fill"], tuple(known))
    return plan


def _dump(value: Any) -> JSON:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if isinstance(value, Timestamp):
        return value.raw
    return value


class Model(metaclass=_ModelType):
    """Base of every typed model: immutable, keyword-only, tolerant and lazy.

    Every field is optional (absent or null → None); ``extra`` holds the keys the model does not
    know, never dropped. ``Model.parse(json)`` reads and checks everything at once;
    ``Model.parse_lazy(json)`` (what the client hands to event handlers) only checks that the
    value is an object and reads each field on its first access, so an event costs what its
    handler reads. A wrong shape raises :class:`InvalidModel` (from ``parse``, or from the first
    access of the wrong field).
    """

    __model_defaults__: ClassVar[dict[str, Any]]
    """Every field (inherited ones first) and its default."""
    __model_specs__: ClassVar[dict[str, _Field | None]]
    """Every field and how it is read (None: from its type hint)."""

    extra: Mapping[str, JSON] = EMPTY

    def __init__(self, **fields: Any) -> None:
        values = self.__dict__
        for name, default in type(self).__model_defaults__.items():
            values[name] = fields.pop(name, default)
        _RAW.__set__(self, None)
        if fields:
            raise TypeError(f"{type(self).__name__}() got unexpected fields {sorted(fields)}")

    @classmethod
    def parse(cls: type[M], data: object) -> M:
        """Build the model from a decoded JSON object or raise :class:`InvalidModel`."""
        if type(data) is not dict:
            raise InvalidModel(cls.__name__, None, f"expected an object, got {_kind(data)}")
        plan = _PLANS.get(cls) or _plan(cls)
        obj: M = plan.new(None)
        plan.fill(obj, data)
        return obj

    @classmethod
    def parse_lazy(cls: type[M], data: object) -> M:
        """Like :meth:`parse`, reading each field only when it is first accessed."""
        if type(data) is not dict:
            raise InvalidModel(cls.__name__, None, f"expected an object, got {_kind(data)}")
        obj: M = (_PLANS.get(cls) or _plan(cls)).new(data)
        return obj

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in type(self).__model_defaults__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        """Hashable when its values are (``extra`` is left out: equal models hash alike)."""
        return hash(tuple([getattr(self, n) for n in type(self).__model_specs__ if n != "extra"]))

    def __repr__(self) -> str:
        try:
            values = self._values()
        except RemoteProtocolError as exc:
            return f"{type(self).__name__}(<invalid: {exc}>)"
        names = type(self).__model_defaults__
        shown = ", ".join(
            f"{name}={value!r}"
            for name, value in zip(names, values, strict=True)
            if value or value == 0
        )
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        fields = dict(zip(type(self).__model_defaults__, self._values(), strict=True))
        if fields["extra"] is EMPTY:  # a mappingproxy does not pickle; it is the default anyway
            del fields["extra"]
        return (_restore, (type(self), fields))

    def to_dict(self) -> dict[str, JSON]:
        """The JSON object this model stands for: known fields that are set, then ``extra``."""
        out: dict[str, JSON] = {}
        for name in (_PLANS.get(type(self)) or _plan(type(self))).writers:
            value = getattr(self, name)
            if value is not None:
                out[name] = _dump(value)
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


_RAW: Any = Model.__dict__["_raw"]
"""The slot holding a lazily parsed model's JSON object (None for any other model)."""


def _restore(cls: type[M], fields: dict[str, Any]) -> M:
    return cls(**fields)


def model_fields(model: Model | type[Model]) -> tuple[str, ...]:
    """The field names of a model (class or instance), in declaration order, ``extra`` first."""
    return tuple(model.__model_defaults__)


def replace(model: M, **changes: Any) -> M:
    """A copy of ``model`` with ``changes`` applied (like :func:`dataclasses.replace`)."""
    names = model_fields(model)
    return type(model)(**{**dict(zip(names, model._values(), strict=True)), **changes})


def as_dict(model: Model) -> dict[str, JSON]:
    """``model.to_dict()``, as a function."""
    return model.to_dict()
