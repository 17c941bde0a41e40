"""The pure part of the command router: splitting a line into arguments, and typed parameters.

Sans-IO and synchronous. :func:`split` and :func:`quote` are each other's inverse on token lists;
:func:`signature_of` reads a command function's parameters (once, at class creation) and
:meth:`Signature.parse` turns the text after a command's name into its arguments, raising only
:class:`UsageError` whatever the text.

The grammar: arguments are separated by whitespace (any ``str.isspace`` character, the full-width
space included). An argument that starts with ``"`` (or ``“``) runs to the matching ``"`` (or
``”``) and may hold spaces; inside it a backslash takes the next character literally (``\\"``,
``\\\\``). Anywhere else quotes and backslashes are ordinary characters (``it's``, ``5"``).
"""

from __future__ import annotations

import inspect
import math
import types
import typing
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, Union

from qqproto._errors import UsageError

__all__ = [
    "Rest",
    "Signature",
    "UsageError",
    "quote",
    "signature_of",
    "split",
]

_CLOSERS = {'"': '"', "“": "”"}
"""Opening quote -> its closing quote."""
_TRUE = frozenset({"yes", "true", "1", "on", "y"})
_FALSE = frozenset({"no", "false", "0", "off", "n"})


class _RestOfLine:
    """The marker :data:`Rest` carries."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Rest"


REST_MARKER = _RestOfLine()

Rest = Annotated[str, REST_MARKER]
"""Annotate a command's last parameter (or its one keyword-only parameter) with ``Rest``: it gets
the rest of the line as typed, quotes and spaces included (stripped at both ends). For the type
checker it is a ``str``."""


# ---------------------------------------------------------------------------------- splitting


def _token_at(text: str, pos: int) -> tuple[str, int, int] | None:
    """The argument starting at or after ``pos``: ``(value, start, end)``, or None at the end."""
    size = len(text)
    while pos < size and text[pos].isspace():
        pos += 1
    if pos == size:
        return None
    start = pos
    closer = _CLOSERS.get(text[pos])
    if closer is None:
        while pos < size and not text[pos].isspace():
            pos += 1
        return text[start:pos], start, pos
    pos += 1
    chars: list[str] = []
    while True:
        if pos >= size:
            raise UsageError(f"a quote is not closed: {_show(text[start:])}")
        char = text[pos]
        if char == "\\" and pos + 1 < size:
            chars.append(text[pos + 1])
            pos += 2
        elif char == closer:
            pos += 1
            break
        else:
            chars.append(char)
            pos += 1
    if pos < size and not text[pos].isspace():
        raise UsageError(f"put a space after the closing quote: {_show(text[start : pos + 1])}")
    return "".join(chars), start, pos


def tokens(text: str, pos: int = 0) -> Iterator[tuple[str, int, int]]:
    """The arguments of ``text`` from ``pos`` on, read lazily: ``(value, start, end)`` each."""
    while (found := _token_at(text, pos)) is not None:
        yield found
        pos = found[2]


def split(text: str) -> list[str]:
    """``text`` split into arguments (see the module's grammar); :class:`UsageError` on an
    unterminated quote or a closing quote followed by more text."""
    return [value for value, _, _ in tokens(text)]


def quote(argument: str) -> str:
    """``argument`` as it must be typed so that :func:`split` reads it back: unchanged when it
    can be, else in double quotes with ``"`` and ``\\`` escaped."""
    if argument and argument[0] not in _CLOSERS and not any(char.isspace() for char in argument):
        return argument
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _show(value: str, limit: int = 40) -> str:
    """A user's text quoted for an error message, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


# ---------------------------------------------------------------------------------- converters

Converter = Callable[[str], Any]


def _to_str(value: str) -> str:
    return value


def _to_int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{_show(value)} is not a whole number") from None


def _to_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise UsageError(f"{_show(value)} is not a number")
    return number


def _to_bool(value: str) -> bool:
    word = value.casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise UsageError(f"{_show(value)} is not yes/no (or true/false, on/off, 1/0)")


def _choices(values: tuple[Any, ...]) -> tuple[Converter, str]:
    for value in values:
        if type(value) not in (str, int):
            raise TypeError(f"Literal choices must be str or int, not {value!r}")
    table = {str(value).casefold(): value for value in values}
    words = "|".join(str(value) for value in values)

    def choose(value: str) -> Any:
        try:
            return table[value.casefold()]
        except KeyError:
            raise UsageError(f"{_show(value)} is not one of: {words}") from None

    return choose, words


_SCALARS: dict[Any, Converter] = {str: _to_str, int: _to_int, float: _to_float, bool: _to_bool}


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """``(X, True)`` for ``X | None`` / ``Optional[X]``, else ``(hint, False)``."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = typing.get_args(hint)
        if type(None) in args:
            rest = tuple(arg for arg in args if arg is not type(None))
            if len(rest) == 1:
                return rest[0], True
    return hint, False


def _is_rest(hint: Any) -> bool:
    return typing.get_origin(hint) is Annotated and REST_MARKER in getattr(hint, "__metadata__", ())


def _converter(hint: Any, where: str) -> tuple[Converter, str | None]:
    """The converter of one annotation and, for choices, their ``a|b|c`` spelling."""
    if hint in _SCALARS:
        return _SCALARS[hint], None
    if typing.get_origin(hint) is Literal:
        try:
            return _choices(typing.get_args(hint))
        except TypeError as exc:
            raise TypeError(f"{where}: {exc}") from None
    raise TypeError(
        f"{where}: unsupported annotation {hint!r}; use str, int, float, bool, Literal[...], "
        "X | None, or qq.Rest for the rest of the line"
    )


# ---------------------------------------------------------------------------------- signatures


class Param:
    """One argument of a command: ``kind`` is ``"one"`` (one argument), ``"rest"`` (the rest of
    the line) or ``"many"`` (``*args``: every remaining argument); ``label`` is how the usage
    line shows it."""

    __slots__ = ("convert", "default", "keyword", "kind", "label", "name", "required")

    def __init__(
        self,
        name: str,
        kind: str,
        convert: Converter,
        required: bool,
        default: Any,
        label: str,
        keyword: bool = False,
    ) -> None:
        self.name = name
        self.kind = kind
        self.convert = convert
        self.required = required
        self.default = default
        self.label = label
        self.keyword = keyword

    def __repr__(self) -> str:
        return f"Param({self.name!r}, {self.kind!r}, label={self.label!r})"


class Signature:
    """A command's arguments after ``(self, ctx, message)``, read from its annotations."""

    __slots__ = ("params",)

    def __init__(self, params: tuple[Param, ...]) -> None:
        self.params = params

    @property
    def usage(self) -> str:
        """The arguments as the usage line shows them: ``<required> [optional] <rest...>``."""
        return " ".join(param.label for param in self.params)

    def parse(self, text: str) -> tuple[list[Any], dict[str, Any]]:
        """The positional and keyword arguments that ``text`` (what follows the command's name)
        gives the command; :class:`UsageError` when it does not fit, and nothing else."""
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        pos = 0
        value: Any
        for param in self.params:
            if param.kind == "many":
                for value, _, end in tokens(text, pos):
                    args.append(_convert(param, value))
                    pos = end
                continue
            if param.kind == "rest":
                raw = text[pos:].strip()
                pos = len(text)
                if raw:
                    value = _convert(param, raw)
                elif param.required:
                    raise UsageError(f"missing {param.label}")
                else:
                    value = param.default
            else:
                found = _token_at(text, pos)
                if found is not None:
                    value = _convert(param, found[0])
                    pos = found[2]
                elif param.required:
                    raise UsageError(f"missing {param.label}")
                else:
                    value = param.default
            if param.keyword:
                kwargs[param.name] = value
            else:
                args.append(value)
        extra = _token_at(text, pos)
        if extra is not None:
            raise UsageError(f"too many arguments: {_show(text[extra[1] :].strip())}")
        return args, kwargs


def _convert(param: Param, value: str) -> Any:
    try:
        return param.convert(value)
    except UsageError as exc:
        raise UsageError(f"{param.label}: {exc.message}") from None


def signature_of(function: Callable[..., Any], where: str) -> Signature:
    """Read ``function(self, ctx, message, ...)``'s command arguments; ``where`` names it in the
    TypeError raised for a parameter the router cannot fill."""
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as exc:
        raise TypeError(
            f"{where}: cannot resolve its annotations ({type(exc).__name__}: {exc}); define the "
            "types it names at module level"
        ) from None
    parameters = list(inspect.signature(function).parameters.values())
    leading = [
        p
        for p in parameters[:3]
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if len(leading) < 3:
        raise TypeError(f"{where}: a command takes (self, ctx, message, ...) first")
    params: list[Param] = []
    open_ended = False  # a rest-of-line or *args parameter was seen
    for p in parameters[3:]:
        place = f"{where}: parameter {p.name!r}"
        if open_ended:
            raise TypeError(
                f"{place} comes after a parameter that takes the rest of the line; the rest of "
                "the line (qq.Rest, *args or the keyword-only parameter) must come last"
            )
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            raise TypeError(f"{place}: **kwargs cannot be filled from a message; remove it")
        hint = hints.get(p.name, str)
        inner, optional = _unwrap_optional(hint)
        has_default = p.default is not inspect.Parameter.empty
        default = p.default if has_default else None
        required = not (has_default or optional)
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            if _is_rest(inner) or optional:
                raise TypeError(f"{place}: annotate *{p.name} with the type of one argument")
            convert, choices = _converter(inner, place)
            params.append(Param(p.name, "many", convert, False, (), f"[{choices or p.name}...]"))
            open_ended = True
            continue
        keyword = p.kind is inspect.Parameter.KEYWORD_ONLY
        if _is_rest(inner) or keyword:
            if not (_is_rest(inner) or inner is str):
                raise TypeError(
                    f"{place}: a keyword-only parameter takes the rest of the line, so it must "
                    "be a str (or qq.Rest)"
                )
            label = f"<{p.name}...>" if required else f"[{p.name}...]"
            params.append(Param(p.name, "rest", _to_str, required, default, label, keyword))
            open_ended = True
            continue
        convert, choices = _converter(inner, place)
        shown = f"{p.name}: {choices}" if choices else p.name
        label = f"<{shown}>" if required else f"[{shown}]"
        params.append(Param(p.name, "one", convert, required, default, label))
    return Signature(tuple(params))
