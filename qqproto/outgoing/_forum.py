"""Forum thread content in the JSON rich-text format (``format`` 4), as immutable builders.

A :class:`ForumContent` is paragraphs of elements (text, image, video, link), each paragraph
aligned left, centre or right. :meth:`ForumContent.to_content` is the JSON string the thread
route takes with ``format=FORMAT_JSON``::

    content = ForumContent.of("Release notes", Paragraph.of("see ", ForumLink(url, "the site")))
    await ctx.api.post_thread(channel_id, "v1.0", **content.thread_fields())

Mistakes raise ``ValueError`` saying what to change.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import msgspec

from qqproto._json import dumps_text

__all__ = [
    "FORMAT_JSON",
    "Alignment",
    "ForumContent",
    "ForumElement",
    "ForumImage",
    "ForumLink",
    "ForumText",
    "ForumVideo",
    "Paragraph",
    "ThreadFormat",
]


class ThreadFormat(enum.IntEnum):
    """The ``format`` of a thread's ``content``."""

    TEXT = 1
    HTML = 2
    MARKDOWN = 3
    JSON = 4


FORMAT_JSON = ThreadFormat.JSON
"""The ``format`` that goes with :meth:`ForumContent.to_content`."""


class Alignment(enum.IntEnum):
    """A paragraph's ``props.alignment``."""

    LEFT = 0
    CENTER = 1
    RIGHT = 2


def _url(kind: str, url: str) -> None:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"a forum {kind} needs an http(s) URL, got {url!r}")


class ForumText(msgspec.Struct, frozen=True):
    """Text (element type 1)."""

    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text:
            raise ValueError("ForumText needs a non-empty string")

    def to_json(self) -> dict[str, Any]:
        """The element object."""
        return {"type": 1, "text": {"text": str(self.text)}}


class ForumImage(msgspec.Struct, frozen=True):
    """An image by URL (element type 2), ``width_percent`` of the width (0 < w <= 1)."""

    url: str
    width_percent: float = 1.0

    def __post_init__(self) -> None:
        _url("image", self.url)
        width = self.width_percent
        if isinstance(width, bool) or not isinstance(width, int | float) or not 0 < width <= 1:
            raise ValueError(f"width_percent is a fraction in (0, 1], got {width!r}")

    def to_json(self) -> dict[str, Any]:
        """The element object."""
        image = {"third_url": self.url, "width_percent": float(self.width_percent)}
        return {"type": 2, "image": image}


class ForumVideo(msgspec.Struct, frozen=True):
    """A video by URL (element type 3)."""

    url: str

    def __post_init__(self) -> None:
        _url("video", self.url)

    def to_json(self) -> dict[str, Any]:
        """The element object."""
        return {"type": 3, "video": {"third_url": self.url}}


class ForumLink(msgspec.Struct, frozen=True):
    """A link (element type 4) showing ``desc`` (the URL itself when ``desc`` is None)."""

    url: str
    desc: str | None = None

    def __post_init__(self) -> None:
        _url("link", self.url)
        if self.desc is not None and not self.desc:
            raise ValueError("a ForumLink's desc must not be empty (leave it None for the URL)")

    def to_json(self) -> dict[str, Any]:
        """The element object."""
        return {"type": 4, "url": {"url": str(self.url), "desc": str(self.desc or self.url)}}


ForumElement = ForumText | ForumImage | ForumVideo | ForumLink
"""One element of a paragraph."""
_ELEMENTS = (ForumText, ForumImage, ForumVideo, ForumLink)


class Paragraph(msgspec.Struct, frozen=True):
    """A paragraph: elements in order, aligned as ``alignment``."""

    elems: tuple[ForumElement, ...]
    alignment: Alignment = Alignment.LEFT

    def __post_init__(self) -> None:
        if not self.elems:
            raise ValueError("a Paragraph needs at least one element")
        for elem in self.elems:
            if not isinstance(elem, _ELEMENTS):
                raise ValueError(
                    "a paragraph holds ForumText, ForumImage, ForumVideo or ForumLink, not "
                    f"{type(elem).__name__}"
                )
        if isinstance(self.alignment, bool) or self.alignment not in set(Alignment):
            raise ValueError(
                f"alignment is 0 (left), 1 (center) or 2 (right), not {self.alignment!r}"
            )

    @classmethod
    def of(cls, *elems: ForumElement | str, alignment: Alignment = Alignment.LEFT) -> Paragraph:
        """A paragraph from elements; a string is a :class:`ForumText`."""
        built = tuple(ForumText(e) if isinstance(e, str) else e for e in elems)
        return cls(built, alignment)

    def to_json(self) -> dict[str, Any]:
        """The paragraph object."""
        return {
            "elems": [e.to_json() for e in self.elems],
            "props": {"alignment": int(self.alignment)},
        }


class ForumContent(msgspec.Struct, frozen=True):
    """A thread's rich content: ``{"paragraphs": [...]}``."""

    paragraphs: tuple[Paragraph, ...]

    def __post_init__(self) -> None:
        if not self.paragraphs:
            raise ValueError("ForumContent needs at least one paragraph")
        for paragraph in self.paragraphs:
            if not isinstance(paragraph, Paragraph):
                raise ValueError(f"ForumContent holds Paragraphs, not {type(paragraph).__name__}")

    @classmethod
    def of(cls, *paragraphs: Paragraph | ForumElement | str) -> ForumContent:
        """Content from paragraphs; a string or a lone element is a paragraph of its own."""
        built = tuple(p if isinstance(p, Paragraph) else Paragraph.of(p) for p in paragraphs)
        return cls(built)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ForumContent:
        """The builder for a ``{"paragraphs": [...]}`` object (what :meth:`to_json` gives)."""
        try:
            return cls(tuple(_paragraph(p) for p in data["paragraphs"]))
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"not forum content JSON ({type(e).__name__}: {e})") from None

    def to_json(self) -> dict[str, Any]:
        """The ``{"paragraphs": [...]}`` object."""
        return {"paragraphs": [p.to_json() for p in self.paragraphs]}

    def to_content(self) -> str:
        """The JSON string for the thread route's ``content`` (with ``format=FORMAT_JSON``)."""
        return dumps_text(self.to_json())

    def thread_fields(self) -> dict[str, Any]:
        """``{"content": to_content(), "format": 4}``, to pass to ``post_thread`` as keywords."""
        return {"content": self.to_content(), "format": int(FORMAT_JSON)}


def _element(data: Mapping[str, Any]) -> ForumElement:
    kind = data["type"]
    if kind == 1:
        return ForumText(data["text"]["text"])
    if kind == 2:
        image = data["image"]
        return ForumImage(image["third_url"], image.get("width_percent", 1.0))
    if kind == 3:
        return ForumVideo(data["video"]["third_url"])
    if kind == 4:
        return ForumLink(data["url"]["url"], data["url"].get("desc"))
    raise ValueError(f"unknown forum element type {kind!r} (1 text, 2 image, 3 video, 4 link)")


def _paragraph(data: Mapping[str, Any]) -> Paragraph:
    props = data.get("props") or {}
    elems = tuple(_element(e) for e in data["elems"])
    return Paragraph(elems, Alignment(props.get("alignment", 0)))
