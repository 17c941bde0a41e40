"""What one REST call is, without doing it: the request to send and how to read the answer.

Every route in the catalogue is a pure function ``(arguments) -> Call[T]``. Decorated with
:func:`route`, the same function becomes a method of any class that implements ``_perform``:
on the class it still returns the ``Call`` (for people who drive the core themselves), on an
instance it returns ``_perform(call)`` (an awaitable in the trio and asyncio adapters). Each
route is therefore written exactly once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, overload

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")

JSON = Any
"""A JSON value as ``json.loads`` returns it."""


@dataclass(frozen=True, slots=True)
class FormField:
    """One part of a ``multipart/form-data`` body."""

    name: str
    value: bytes | str
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class ApiRequest:
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
        from urllib.parse import urlencode

        return self.path + "?" + urlencode(self.query)


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """One REST response: status, headers (names lower-cased) and the raw body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    @property
    def trace_id(self) -> str | None:
        """The platform's ``X-Tps-trace-ID``, to quote when asking Tencent for help."""
        return self.header("x-tps-trace-id")


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """A request and the function that turns its decoded JSON answer into a typed result."""

    request: ApiRequest
    parse: Callable[[JSON], T] = field(repr=False)


class Performer(Protocol):
    """Anything that can carry out a :class:`Call` (the adapters' ``BotApi``)."""

    def _perform(self, call: Call[T]) -> Awaitable[T]: ...


class route(Generic[P, T]):
    """Turn a pure route builder into a method of a :class:`Performer`.

    ``Api.post_message(...)`` (on the class) returns the ``Call``;
    ``api.post_message(...)`` (on an instance) returns ``api._perform(call)``.
    """

    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__name__ = build.__name__
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Callable[P, Call[T]]: ...

    @overload
    def __get__(self, obj: Performer, owner: type[Any]) -> Callable[P, Awaitable[T]]: ...

    def __get__(
        self, obj: Performer | None, owner: type[Any]
    ) -> Callable[P, Call[T]] | Callable[P, Awaitable[T]]:
        if obj is None:
            return self.build
        build = self.build

        def bound(*args: P.args, **kwargs: P.kwargs) -> Awaitable[T]:
            return obj._perform(build(*args, **kwargs))

        bound.__name__ = self.__name__
        bound.__doc__ = self.__doc__
        return bound
