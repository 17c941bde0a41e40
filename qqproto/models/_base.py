"""The model base class and the typed decoder: JSON bytes or values in, one frozen Struct out.

Every API object and dispatch event is a frozen, keyword-only :class:`msgspec.Struct` deriving
from :class:`Model`. Decoding is one pass of msgspec's C decoder straight into the typed model,
lax about scalars (``"30"`` for 30, ``0``/``1`` and ``"true"`` for booleans, unix seconds for
times) and blind to keys the model does not know.

What the real platform sends beyond that (ids as JSON numbers, millisecond timestamps, times
without an offset, enum values spelled as strings) fails the fast pass; the value is then read
once more as plain JSON, mended where a field's type says how (:func:`_mend`), and converted
again. Conforming payloads never pay for the second pass. Whatever still does not fit raises one
:class:`InvalidModel` naming the model and the JSON path.
"""

from __future__ import annotations

import enum
import re
import types
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, TypeVar

import msgspec
import msgspec.inspect as mi
from msgspec.structs import force_setattr

from qqproto._errors import InvalidJSON
from qqproto._errors import InvalidModel as InvalidModel  # re-exported: defined in _errors
from qqproto._json import JSONText, dumps, loads

JSON = Any
"""A JSON value as :func:`qqproto._json.loads` returns it."""

M = TypeVar("M", bound="Model")
E = TypeVar("E", bound=enum.IntEnum)

EMPTY: Mapping[str, JSON] = types.MappingProxyType({})
"""An empty mapping: ``extra`` of a model that met no unknown key (do not mutate it)."""

Timestamp = Annotated[datetime, msgspec.Meta(tz=True)]
"""The type of every time field: an aware :class:`~datetime.datetime`.

The platform sends RFC 3339 strings (``"2021-05-20T15:14:58+08:00"``), unix seconds as numbers,
and unix milliseconds as numbers or strings; all become aware datetimes (a string without an
offset is taken as UTC)."""


class Model(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    repr_omit_defaults=True,
    dict=True,
):
    """Base of every typed model: immutable, keyword-only, every field optional (None).

    ``Model.decode(json_bytes)`` and ``Model.parse(json_value)`` build one, checking every field
    at once; ``to_dict()`` gives the JSON object back (fields that are set). A model decoded
    from bytes at the top level (a dispatched event, a REST answer) keeps them: :attr:`raw` is
    the JSON it came from and :attr:`extra` the keys its class does not model.
    """

    @classmethod
    def decode(cls: type[M], data: JSONText) -> M:
        """Build the model from JSON text or raise :class:`InvalidModel` / ``InvalidJSON``."""
        model = decode(cls, data)
        model.__dict__["_raw"] = data
        return model

    @classmethod
    def parse(cls: type[M], data: object) -> M:
        """Build the model from a decoded JSON value or raise :class:`InvalidModel`."""
        model = convert(cls, data)
        model.__dict__["_value"] = data
        return model

    def to_dict(self) -> dict[str, JSON]:
        """The JSON object this model stands for: the fields that are set (times as RFC 3339)."""
        out: dict[str, JSON] = msgspec.json.decode(msgspec.json.encode(self))
        return out

    @property
    def raw(self) -> bytes | None:
        """The JSON this model was built from, when it was built at the top level (a dispatched
        event, a REST answer, ``Model.decode``/``Model.parse``); None for nested models and
        models made in code."""
        data = self.__dict__.get("_raw")
        if data is not None:
            return data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if "_value" in self.__dict__:
            return dumps(self.__dict__["_value"])
        return None

    @property
    def extra(self) -> Mapping[str, JSON]:
        """The keys of :attr:`raw` this model's class does not know (empty without ``raw``)."""
        values = self.__dict__
        if "_value" in values:
            value = values["_value"]
        elif "_raw" in values:
            value = loads(values["_raw"])
        else:
            return EMPTY
        if type(value) is not dict:
            return EMPTY
        known = set(type(self).__struct_encode_fields__)
        return {key: item for key, item in value.items() if key not in known}


# -- decoding -------------------------------------------------------------------------------------

_DECODERS: dict[Any, Callable[[Any], Any]] = {}


def _decoder(cls: Any) -> Callable[[Any], Any]:
    dec = _DECODERS.get(cls)
    if dec is None:
        dec = _DECODERS[cls] = msgspec.json.Decoder(cls, strict=False).decode
    return dec


def decode(cls: type[M], data: Any, *, event: str | None = None) -> M:
    """``cls`` from JSON text: the fast typed pass, the mending pass if that fails.

    Raises :class:`InvalidModel` (wrong shape; ``event`` and ``raw`` set for dispatches) or
    ``InvalidJSON`` (not JSON at all), both ``RemoteProtocolError``.
    """
    try:
        return _decoder(cls)(data)  # type: ignore[no-any-return]
    except (ValueError, RecursionError) as exc:  # msgspec's errors are ValueErrors
        return _second_pass(cls, data, event, exc)


def _second_pass(cls: type[M], data: Any, event: str | None, exc: Exception) -> M:
    """After the fast pass refused ``data`` with ``exc``: not JSON at all, or the mending pass."""
    if not isinstance(exc, msgspec.ValidationError):
        raise InvalidJSON(f"{event or cls.__name__} is not valid JSON: {exc}") from None
    return _convert_mended(cls, loads(data, event or cls.__name__), event, data)


def event_decoder(cls: type[M], event: str) -> Callable[[Any, str | None], M]:
    """A function ``(json_text, event_id) -> cls`` for dispatches named ``event``: :func:`decode`
    with the dispatch's ``id`` set as ``event_id`` and the text kept as :attr:`Model.raw`, built
    once per event name (the client's hot path)."""
    fast = _decoder(cls)

    def decode_event(data: Any, event_id: str | None) -> M:
        try:
            model: M = fast(data)
        except (ValueError, RecursionError) as exc:
            model = _second_pass(cls, data, event, exc)
        if event_id is not None:
            # built just now and held by nobody else: set the envelope's id in place
            force_setattr(model, "event_id", event_id)
        model.__dict__["_raw"] = data
        return model

    return decode_event


def convert(cls: type[M], value: object, *, event: str | None = None) -> M:
    """``cls`` from a decoded JSON value (as :func:`decode`, without the text)."""
    try:
        return msgspec.convert(value, cls, strict=False)
    except msgspec.ValidationError:
        pass
    except RecursionError:
        raise InvalidModel(cls.__name__, None, "nested too deeply", event=event) from None
    return _convert_mended(cls, value, event, None)


def _convert_mended(cls: type[M], value: object, event: str | None, raw: Any) -> M:
    try:
        return msgspec.convert(_mend(value, _type_info(cls)), cls, strict=False)
    except msgspec.ValidationError as exc:
        reason, _, where = str(exc).partition(" - at `")
        path = where.rstrip("`")
        field = path[2:] if path.startswith("$.") else (path[1:] or None)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        raise InvalidModel(
            cls.__name__,
            field,
            reason,
            event=event,
            raw=None if raw is None else bytes(raw),
        ) from None
    except RecursionError:
        raise InvalidModel(cls.__name__, None, "nested too deeply", event=event) from None


# -- mending what the platform really sends --------------------------------------------------------

_TYPE_INFO: dict[Any, mi.Type] = {}


def _type_info(cls: Any) -> mi.Type:
    info = _TYPE_INFO.get(cls)
    if info is None:
        info = _TYPE_INFO[cls] = mi.type_info(cls)
    return info


_ENUM_ALIASES: dict[type, Mapping[str, int]] = {}


def enum_aliases(aliases: Mapping[str, int]) -> Callable[[type[E]], type[E]]:
    """Class decorator: other spellings the platform uses for an int enum's values."""

    def register(cls: type[E]) -> type[E]:
        _ENUM_ALIASES[cls] = dict(aliases)
        return cls

    return register


def _mend(value: Any, info: mi.Type, depth: int = 0) -> Any:
    """``value`` with the platform's known deviations turned into what ``info`` expects.

    Leaves everything it does not recognise alone: the conversion after it reports that.
    """
    if depth > 64:
        return value
    if isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(info, mi.UnionType):
        if value is None:
            return None
        members = [m for m in info.types if not isinstance(m, mi.NoneType)]
        if len(members) != 1:
            for member in members:
                if _same_kind(value, member):
                    return _mend(value, member, depth + 1)
            return value
        info = members[0]
        if isinstance(info, mi.Metadata):
            info = info.type
    kind = type(value)
    if isinstance(info, mi.StrType):
        if kind is int:
            return str(value)
        if kind is float and value.is_integer():
            return str(int(value))
    elif isinstance(info, mi.DateTimeType):
        return _mend_time(value)
    elif isinstance(info, mi.EnumType):
        if kind is str:
            return _ENUM_ALIASES.get(info.cls, {}).get(value.strip(), value)
        if kind is int:  # a value this version does not know: the enum's _missing_ may keep it
            try:
                return info.cls(value)
            except ValueError:
                return value
    elif isinstance(info, mi.StructType) and kind is dict:
        mended = dict(value)
        for field in info.fields:
            item = value.get(field.encode_name)
            if item is not None:
                mended[field.encode_name] = _mend(item, field.type, depth + 1)
        return mended
    elif isinstance(info, (mi.ListType, mi.VarTupleType)) and kind is list:
        return [_mend(item, info.item_type, depth + 1) for item in value]
    return value


def _same_kind(value: Any, info: mi.Type) -> bool:
    if isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(info, mi.StrType):
        return type(value) is str
    if isinstance(info, (mi.ListType, mi.VarTupleType, mi.TupleType)):
        return type(value) is list
    if isinstance(info, (mi.StructType, mi.DictType)):
        return type(value) is dict
    return False


_UNIX_MS_THRESHOLD = 253_402_300_800
"""Unix values at or above this are milliseconds: the first second of the year 10000, where
msgspec's own reading of numbers as seconds stops (so both passes agree on every number)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$",
    re.ASCII,
)


def _mend_time(value: Any) -> Any:
    """A datetime for the time spellings msgspec does not read itself, else ``value``."""
    kind = type(value)
    if kind is str:
        text = value.strip()
        digits = text[1:] if text[:1] == "-" else text
        if digits.isascii() and digits.isdigit() and len(text) < 40:
            return _from_unix(int(text), value)
        # not datetime.fromisoformat: what it accepts differs between Python versions
        return _from_rfc3339(text, value)
    if kind is int or kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            return value
        return _from_unix(value, value)
    return value


def _from_unix(number: float, original: Any) -> Any:
    try:
        seconds = number / 1000 if abs(number) >= _UNIX_MS_THRESHOLD else number
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return original


def _from_rfc3339(text: str, original: Any) -> Any:
    match = _RFC3339.match(text)
    if match is None:
        return original
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz: timezone = timezone.utc
    if offset and offset not in ("Z", "z"):
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if delta >= timedelta(hours=24):
            return original
        tz = timezone(-delta if offset[0] == "-" else delta)
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59), micro, tz
        )
    except (ValueError, OverflowError):
        return original


# -- helpers --------------------------------------------------------------------------------------


def model_fields(model: Model | type[Model]) -> tuple[str, ...]:
    """The field names of a model (class or instance), in declaration order."""
    return tuple(model.__struct_fields__)


def replace(model: M, **changes: Any) -> M:
    """A copy of ``model`` with ``changes`` applied (like :func:`dataclasses.replace`)."""
    return msgspec.structs.replace(model, **changes)


def as_dict(model: Model) -> dict[str, JSON]:
    """``model.to_dict()``, as a function."""
    return model.to_dict()
