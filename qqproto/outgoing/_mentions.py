"""Mentions, channel links and emoji for message content, and the escaping of user text.

Each builder returns :class:`Markup`, a ``str`` already in the platform's content syntax: put it
in ``content`` (or markdown) as is, or join pieces with :func:`compose`, which escapes plain
strings and leaves ``Markup`` alone. Which syntax goes where:

- :func:`at_user` (``<qqbot-at-user id="..." />``): a member by openid, in group and C2C
  content/markdown;
- :func:`at_everyone` (``<qqbot-at-everyone />``): everyone, in guild channels;
- :func:`mention` (``<@user_id>``) and :func:`channel` (``<#channel_id>``): guild channels;
- :func:`emoji` (``<emoji:id>``): a system emoji by id.

Guild content escapes ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and ``&gt;`` (:func:`escape`,
:func:`unescape`), so user text cannot turn into a mention. Ids are checked: an empty id, or one
with a quote or an angle bracket, raises ``ValueError``.
"""

from __future__ import annotations

import re

__all__ = [
    "Markup",
    "at_everyone",
    "at_user",
    "channel",
    "compose",
    "emoji",
    "escape",
    "mention",
    "unescape",
]

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_UNESCAPES = {"amp": "&", "lt": "<", "gt": ">"}
_ESCAPE_RE = re.compile("[&<>]")
_UNESCAPE_RE = re.compile("&(amp|lt|gt);")
_BAD_ID = frozenset("\"'<>")


class Markup(str):
    """Text already in the platform's content syntax (a mention, an emoji, escaped text):
    :func:`compose` keeps it as it is. Any ``str`` operation gives a plain ``str`` again."""

    __slots__ = ()


def escape(text: str) -> Markup:
    """``text`` with ``&``, ``<`` and ``>`` written as entities, safe to put in content."""
    if not isinstance(text, str):
        raise TypeError(f"escape() takes a str, not {type(text).__name__}")
    return Markup(_ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], text))


def unescape(text: str) -> str:
    """The text an escaped ``text`` stands for (``&amp;``, ``&lt;``, ``&gt;``, in one pass)."""
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPES[m.group(1)], text)


def _check_id(kind: str, value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{kind} must be a str, got {type(value).__name__} {value!r}")
    if not value:
        raise ValueError(f"{kind} must not be empty")
    bad = sorted(_BAD_ID.intersection(value))
    if bad:
        raise ValueError(f"{kind} {value!r} contains {' '.join(bad)}: not an id")
    return value


def at_user(openid: str) -> Markup:
    """``<qqbot-at-user id="openid" />``: mention a member (group and C2C content/markdown)."""
    return Markup(f'<qqbot-at-user id="{_check_id("openid", openid)}" />')


def at_everyone() -> Markup:
    """``<qqbot-at-everyone />``: mention everyone (guild channels)."""
    return Markup("<qqbot-at-everyone />")


def mention(user_id: str) -> Markup:
    """``<@user_id>``: mention a user in a guild channel."""
    return Markup(f"<@{_check_id('user_id', user_id)}>")


def channel(channel_id: str) -> Markup:
    """``<#channel_id>``: a link to a guild channel."""
    return Markup(f"<#{_check_id('channel_id', channel_id)}>")


def emoji(id: str | int) -> Markup:
    """``<emoji:id>``: a system emoji by id (``emoji(4)`` or ``emoji("4")``)."""
    if isinstance(id, bool):
        raise ValueError(f"emoji id must be a str or an int, got {id!r}")
    text = id if isinstance(id, str) else str(id)
    return Markup(f"<emoji:{_check_id('emoji id', text)}>")


def compose(*parts: str) -> Markup:
    """The parts joined: :class:`Markup` (the builders' output) as is, plain strings escaped.

    >>> compose("hi ", mention("42"), ", you said: ", "<b> & co")
    'hi <@42>, you said: &lt;b&gt; &amp; co'
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, Markup):
            out.append(part)
        elif isinstance(part, str):
            out.append(escape(part))
        else:
            raise TypeError(
                f"compose() takes strings and mention builders, not {type(part).__name__}"
            )
    return Markup("".join(out))
