"""What one REST call is, without doing it: the request to send and how to read the answer.

Every route in the catalogue is written once: ``@route("GET", "/guilds/{guild_id}")`` names the
method and the path template, and the function below it takes the route's arguments (the
template's placeholders are parameters of the same name) and returns the rest of the request as
:class:`Parts` (query, JSON or multipart body, the answer's parser); with ``json_args=True`` the
JSON body is the other arguments by name, so each body field is named once too. On the class,
``ApiCatalogue.get_guild("1")`` returns the :class:`Call` (for people who drive the core
themselves); on an instance of a class that implements ``_perform`` it returns
``_perform(call)`` (an awaitable in the trio and asyncio adapters).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, overload
from urllib.parse import quote, urlencode

import msgspec

from qqproto.models import MediaUploadResult, Model

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")

JSON = Any
"""A JSON value as ``json.loads`` returns it."""


class FormField(msgspec.Struct, frozen=True):
    """One part of a ``multipart/form-data`` body."""

    name: str
    value: bytes | str
    filename: str | None = None
    content_type: str | None = None


class ApiRequest(msgspec.Struct, frozen=True):
    """One REST request, relative to the API base URL.

    ``path`` is already formatted (path parameters substituted and percent-encoded). At most one
    of ``json`` and ``form`` is set. ``route`` is the path template
    (``/channels/{channel_id}/messages``), for logs and rate-limit buckets. ``idempotent`` says
    whether the request may be retried blindly.
    """

    method: str
    path: str
    route: str
    query: tuple[tuple[str, str], ...] = ()
    json: JSON = None
    form: tuple[FormField, ...] | None = None
    idempotent: bool = False

    def target(self) -> str:
        """The request target: path plus the encoded query string."""
        if not self.query:
            return self.path
        return self.path + "?" + urlencode(self.query)


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` in ``(name, value)`` pairs (names compared
    case-insensitively), or None."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


class ApiResponse(msgspec.Struct, frozen=True):
    """One REST response: status, headers (names lower-cased) and the raw body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return header_value(self.headers, name)

    @property
    def trace_id(self) -> str | None:
        """The platform's ``X-Tps-trace-ID``, to quote when asking Tencent for help."""
        return self.header("x-tps-trace-id")


class Call(msgspec.Struct, Generic[T], frozen=True):
    """A request and the function that turns its decoded JSON answer into a typed result."""

    request: ApiRequest
    parse: Callable[[JSON], T]

    def __repr__(self) -> str:  # not ``parse``
        return f"Call(request={self.request!r})"


class Performer(Protocol):
    """Anything that can carry out a :class:`Call` (the adapters' ``BotApi``)."""

    def _perform(self, call: Call[T]) -> Awaitable[T]: ...


_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")


def plain(value: JSON) -> JSON:
    """A body value: models become their JSON object, upload results their ``media`` object."""
    if isinstance(value, MediaUploadResult):
        return {"file_info": value.file_info}
    if isinstance(value, Model):
        return value.to_dict()
    return value


def body(**fields: JSON) -> dict[str, JSON]:
    """A JSON object of the fields that are not None."""
    return {key: plain(value) for key, value in fields.items() if value is not None}


class Endpoint:
    """A route's method and path template (``GET``, ``/channels/{channel_id}``).

    Immutable; equal and hashed by ``method`` and ``template``.
    """

    __slots__ = ("_idempotent", "_pieces", "method", "template")

    method: str
    template: str
    _pieces: tuple[str, ...]
    _idempotent: bool

    def __init__(self, method: str, template: str) -> None:
        init = object.__setattr__
        init(self, "method", method)
        init(self, "template", template)
        # literal, name, literal, name, ..., literal
        init(self, "_pieces", tuple(_PLACEHOLDER.split(template)))
        init(self, "_idempotent", method == "GET")  # safe to repeat

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Endpoint is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Endpoint is immutable: cannot delete {name!r}")

    def __repr__(self) -> str:
        return f"Endpoint(method={self.method!r}, template={self.template!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not Endpoint:
            return NotImplemented
        return self.method == other.method and self.template == other.template

    def __hash__(self) -> int:
        return hash((self.method, self.template))

    def __reduce__(self) -> tuple[type[Endpoint], tuple[str, str]]:
        return Endpoint, (self.method, self.template)

    @property
    def params(self) -> tuple[str, ...]:
        """The template's placeholders, in order."""
        return self._pieces[1::2]

    def path(self, *values: str | int) -> str:
        """The template with its placeholders, in order, replaced by the values, each
        percent-encoded whole: a ``/``, ``?``, ``#`` or ``%`` in one cannot change the route."""
        pieces = self._pieces
        if 2 * len(values) + 1 != len(pieces):
            raise TypeError(f"{self.template} takes {len(pieces) // 2} path values")
        out = pieces[0]
        for index, value in enumerate(values, 1):
            if type(value) is not str:
                if isinstance(value, bool) or not isinstance(value, (str, int)):
                    raise TypeError(f"a path value of {self.template} is a {type(value).__name__}")
                value = str(value)
            out += quote(value, safe="") + pieces[2 * index]
        return out

    def request(
        self,
        *values: str | int,
        query: tuple[tuple[str, str], ...] = (),
        json: JSON = None,
        form: tuple[FormField, ...] | None = None,
    ) -> ApiRequest:
        """The request to the path for ``values``; a GET is safe to repeat, nothing else is."""
        path = self.path(*values)
        return ApiRequest(self.method, path, self.template, query, json, form, self._idempotent)

    def route(
        self, *, json_args: bool = False, aliases: Mapping[str, str] | None = None
    ) -> Callable[[Callable[P, Parts[T]]], Route[P, T]]:
        """Declare a route at this endpoint over its builder (see :func:`route`)."""

        def declare(build: Callable[P, Parts[T]]) -> Route[P, T]:
            return Route(self, build, json_args=json_args, aliases=aliases)

        return declare


class Parts(msgspec.Struct, Generic[T], frozen=True):
    """What a route sends besides its path (query, JSON or multipart body), and how to read the
    answer's decoded JSON."""

    parse: Callable[[JSON], T]
    json: JSON = None
    form: tuple[FormField, ...] | None = None
    query: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:  # not ``parse``
        return f"Parts(json={self.json!r}, form={self.form!r}, query={self.query!r})"


def _parameters(build: Callable[..., Any]) -> dict[str, Any]:
    """The builder's parameters in signature order, each with its default
    (``inspect.Parameter.empty`` if it has none).

    Read off a plain function's code object: ``inspect.signature`` for each of the catalogue's
    routes at import would cost milliseconds and memory that a bot not calling them pays too.
    """
    code = getattr(build, "__code__", None)
    if code is None or code.co_flags & inspect.CO_VARARGS or hasattr(build, "__wrapped__"):
        parameters = inspect.signature(build).parameters
        return {name: parameter.default for name, parameter in parameters.items()}
    positional = code.co_varnames[: code.co_argcount]
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    found: dict[str, Any] = dict.fromkeys(names, inspect.Parameter.empty)
    defaults = getattr(build, "__defaults__", None) or ()
    if defaults:
        found.update(zip(positional[-len(defaults) :], defaults, strict=True))
    found.update(getattr(build, "__kwdefaults__", None) or {})
    return found


class Route(Generic[P, T]):
    """One catalogue route: its :class:`Endpoint` and the pure builder of the rest.

    ``Api.post_message(...)`` (on the class) is the route itself: calling it returns the
    :class:`Call`; ``api.post_message(...)`` (on an instance) returns ``api._perform(call)``.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        build: Callable[P, Parts[T]],
        *,
        json_args: bool = False,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.build = build
        self.json_args = json_args
        self.__name__ = build.__name__
        self.__doc__ = f"``{endpoint.method} {endpoint.template}``: {build.__doc__ or ''}"
        self._signature: inspect.Signature | None = None  # made on first use (json_args)
        aliases = aliases or {}
        self._path_names = tuple(aliases.get(param, param) for param in endpoint.params)
        parameters = _parameters(build)
        missing = set(self._path_names) - set(parameters)
        if missing:
            raise TypeError(f"{self.__name__} has no parameter for {sorted(missing)}")
        # where each path value is in a call: (position, name, default)
        self._path_args = tuple(
            (list(parameters).index(name), name, parameters[name]) for name in self._path_names
        )

    def __repr__(self) -> str:
        return f"<route {self.__name__}: {self.endpoint.method} {self.endpoint.template}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Call[T]:
        parts = self.build(*args, **kwargs)  # a wrong call raises TypeError here, as usual
        values: list[Any] = [
            kwargs[name] if name in kwargs else args[index] if index < len(args) else default
            for index, name, default in self._path_args
        ]
        json = parts.json
        if self.json_args:
            if self._signature is None:
                self._signature = inspect.signature(self.build)
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            paths = self._path_names
            json = body(**{k: v for k, v in bound.arguments.items() if k not in paths})
        request = self.endpoint.request(*values, query=parts.query, json=json, form=parts.form)
        return Call(request, parts.parse)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Route[P, T]: ...

    @overload
    def __get__(self, obj: Performer, owner: type[Any]) -> Callable[P, Awaitable[T]]: ...

    def __get__(
        self, obj: Performer | None, owner: type[Any]
    ) -> Route[P, T] | Callable[P, Awaitable[T]]:
        if obj is None:
            return self

        def bound(*args: P.args, **kwargs: P.kwargs) -> Awaitable[T]:
            return obj._perform(self(*args, **kwargs))

        bound.__name__ = self.__name__
        bound.__doc__ = self.__doc__
        return bound


def route(
    method: str,
    template: str,
    *,
    json_args: bool = False,
    aliases: Mapping[str, str] | None = None,
) -> Callable[[Callable[P, Parts[T]]], Route[P, T]]:
    """Declare a catalogue route: ``@route("GET", "/guilds/{guild_id}")`` over its builder.

    Each placeholder of ``template`` is filled from the builder's parameter of the same name, or
    of the name ``aliases`` gives it (``{"type": "emoji_type"}``). With ``json_args`` the JSON
    body is every other argument by name, None left out (models as their JSON objects).
    """
    return Endpoint(method, template).route(json_args=json_args, aliases=aliases)
