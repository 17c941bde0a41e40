"""A griffe extension for the API reference: Sphinx markup in docstrings, read as Markdown.

The packages' docstrings use Sphinx roles (:class:`X`, :meth:`~a.b.c`) and reST literal blocks
(``text::`` before an indented block). mkdocstrings renders docstrings as Markdown, where a role
would show as ``:class:X``; this rewrites each role to a code span of its target (the last part
only when the target starts with ``~``, as Sphinx shows it) and ``::`` to ``:``, on the loaded
objects only: the source files are not touched. Loaded by ``mkdocs.yml``
(``plugins.mkdocstrings.handlers.python.options.extensions``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|mod|attr|exc|data|obj|const):`(~?)([^`]+)`")
_LITERAL = re.compile(r"(^|\S)::[ \t]*$", re.MULTILINE)


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2).strip()
    if short:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def _literal(match: re.Match[str]) -> str:
    return match.group(1) + ":" if match.group(1) else ""


def markdown_from_sphinx(text: str) -> str:
    """The docstring ``text`` with its Sphinx roles and ``::`` markers as Markdown."""
    return _LITERAL.sub(_literal, _ROLE.sub(_role, text))


class SphinxRoles(griffe.Extension):
    """Rewrites every loaded object's docstring with :func:`markdown_from_sphinx`."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_from_sphinx(obj.docstring.value)
