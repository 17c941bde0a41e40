"""The command router's pure part: splitting and quoting arguments, and typed parameters read
from a command's annotations (``qqproto.client._command_parse``)."""

from __future__ import annotations

import contextlib
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qqproto.client._command_parse import (
    Rest,
    Signature,
    UsageError,
    quote,
    signature_of,
    split,
)

# ------------------------------------------------------------------------------ splitting


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", []),
        ("   ", []),
        ("a b  c", ["a", "b", "c"]),
        ('"two words" x', ["two words", "x"]),
        ("“两 个” 字", ["两 个", "字"]),
        ("a\u3000b", ["a", "b"]),  # the full-width space separates too
        ('"say \\"hi\\"" \\n', ['say "hi"', "\\n"]),
        ("it's 5\"", ["it's", '5"']),
        ('""', [""]),
        ('"a\\\\" b', ["a\\", "b"]),
    ],
)
def test_split(line: str, expected: list[str]) -> None:
    assert split(line) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('"open', "a quote is not closed"),
        ('"open\\"', "a quote is not closed"),
        ('"a"b', "put a space after the closing quote"),
        ("“a", "a quote is not closed"),
    ],
)
def test_split_errors(line: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        split(line)


@pytest.mark.parametrize(
    ("argument", "typed"),
    [
        ("plain", "plain"),
        ("", '""'),
        ("two words", '"two words"'),
        ('"q', '"\\"q"'),
        ("“q", '"“q"'),
        ("a\\b", "a\\b"),
        ("a\\ b", '"a\\\\ b"'),
    ],
)
def test_quote(argument: str, typed: str) -> None:
    assert quote(argument) == typed
    assert split(typed) == [argument]


@given(st.lists(st.text()))
def test_any_argument_list_round_trips_through_quote(arguments: list[str]) -> None:
    assert split(" ".join(quote(a) for a in arguments)) == arguments


@given(st.text(alphabet=st.sampled_from(list('ab "“”\\\u3000\t')) | st.characters()))
def test_any_tokenized_line_round_trips(line: str) -> None:
    try:
        arguments = split(line)
    except UsageError:
        return
    assert split(" ".join(quote(a) for a in arguments)) == arguments


# ------------------------------------------------------------------------------ signatures


async def full(
    self: Any,
    ctx: Any,
    message: Any,
    name: str,
    count: int,
    ratio: float,
    loud: bool,
    mode: Literal["fast", "slow"],
    level: Literal[1, 2] = 1,
    extra: int | None = None,
    *,
    note: Rest = "",
) -> None: ...


def test_usage_line_shows_each_kind() -> None:
    sig = signature_of(full, "full")
    assert sig.usage == (
        "<name> <count> <ratio> <loud> <mode: fast|slow> [level: 1|2] [extra] [note...]"
    )


def test_parse_converts_every_type() -> None:
    sig = signature_of(full, "full")
    args, kwargs = sig.parse(' "a b" 3 2.5 ON Fast 2 -7  the "rest"  of it ')
    assert args == ["a b", 3, 2.5, True, "fast", 2, -7]
    assert kwargs == {"note": 'the "rest"  of it'}
    args, kwargs = sig.parse("x 1 0 no slow")
    assert args == ["x", 1, 0.0, False, "slow", 1, None]
    assert kwargs == {"note": ""}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing <name>"),
        ("x", "missing <count>"),
        ("x one 1 yes fast", "<count>: 'one' is not a whole number"),
        ("x 1 nan yes fast", "<ratio>: 'nan' is not a number"),
        ("x 1 1 maybe fast", "<loud>: 'maybe' is not yes/no"),
        ("x 1 1 yes medium", "<mode: fast|slow>: 'medium' is not one of: fast|slow"),
        ("x 1 1 yes fast 3", r"\[level: 1\|2\]: '3' is not one of: 1\|2"),
        ('x 1 1 yes fast "open', "a quote is not closed: '\"open'"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    # (a rest of the line is raw: 'x 1 1 yes fast 1 2 "open' parses, with note '"open')
    sig = signature_of(full, "full")
    with pytest.raises(UsageError, match=message):
        sig.parse(text)


async def two(self: Any, ctx: Any, message: Any, a: int, b: int = 2) -> None: ...


async def many(self: Any, ctx: Any, message: Any, first: str, *rest: int) -> None: ...


async def tail(self: Any, ctx: Any, message: Any, who: str, text: Rest) -> None: ...


async def kw_tail(self: Any, ctx: Any, message: Any, *, text: str | None) -> None: ...


def test_too_many_arguments() -> None:
    sig = signature_of(two, "two")
    assert sig.parse("1") == ([1, 2], {})
    with pytest.raises(UsageError, match="too many arguments: '3 four'"):
        sig.parse("1 2 3 four")


def test_star_args_take_every_remaining_argument() -> None:
    sig = signature_of(many, "many")
    assert sig.usage == "<first> [rest...]"
    assert sig.parse("a 1 2 3") == (["a", 1, 2, 3], {})
    assert sig.parse("a") == (["a"], {})
    with pytest.raises(UsageError, match="rest"):
        sig.parse("a 1 x")


def test_rest_of_the_line_is_raw_and_required_unless_optional() -> None:
    sig = signature_of(tail, "tail")
    assert sig.usage == "<who> <text...>"
    assert sig.parse('bob  hello   "world' + "\n") == (["bob", 'hello   "world'], {})
    with pytest.raises(UsageError, match=r"missing <text\.\.\.>"):
        sig.parse("bob   ")
    kw = signature_of(kw_tail, "kw")
    assert kw.usage == "[text...]"
    assert kw.parse("") == ([], {"text": None})
    assert kw.parse(" a  b ") == ([], {"text": "a  b"})


@given(st.text())
def test_parse_raises_only_usage_errors_on_any_text(text: str) -> None:
    for function in (full, two, many, tail, kw_tail):
        sig = signature_of(function, "f")
        with contextlib.suppress(UsageError):
            sig.parse(text)


# ------------------------------------------------------------------------------ bad signatures


class Custom:
    pass


async def bad_annotation(self: Any, ctx: Any, message: Any, x: Custom) -> None: ...


async def bad_literal(self: Any, ctx: Any, message: Any, x: Literal[1.5]) -> None: ...  # type: ignore[valid-type]


async def rest_not_last(self: Any, ctx: Any, message: Any, x: Rest, y: str) -> None: ...


async def kw_not_str(self: Any, ctx: Any, message: Any, *, x: int) -> None: ...


async def var_kw(self: Any, ctx: Any, message: Any, **x: str) -> None: ...


async def too_short(self: Any, ctx: Any) -> None: ...


async def star_and_kw(self: Any, ctx: Any, message: Any, *a: str, b: str) -> None: ...


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (bad_annotation, "parameter 'x': unsupported annotation .*Custom.*use str, int"),
        (bad_literal, "Literal choices must be str or int"),
        (rest_not_last, "'y' comes after a parameter that takes the rest of the line"),
        (kw_not_str, "keyword-only parameter takes the rest of the line, so it must be a str"),
        (var_kw, r"\*\*kwargs cannot be filled"),
        (too_short, r"takes \(self, ctx, message, \.\.\.\) first"),
        (star_and_kw, "'b' comes after"),
    ],
)
def test_unsupported_signatures_are_type_errors(function: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        signature_of(function, "cmd")


def test_unresolvable_annotation_names_the_command() -> None:
    async def local(self: Any, ctx: Any, message: Any, x: Undefined) -> None: ...  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(TypeError, match="cmd: cannot resolve its annotations"):
        signature_of(local, "cmd")


def test_signature_is_reusable() -> None:
    sig = signature_of(two, "two")
    assert isinstance(sig, Signature)
    assert sig.parse("5") == ([5, 2], {})
    assert sig.parse("6 7") == ([6, 7], {})
