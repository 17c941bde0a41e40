"""Tests for the forum rich-text builder (thread content, format 4)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qqproto.outgoing import (
    FORMAT_JSON,
    Alignment,
    ForumContent,
    ForumImage,
    ForumLink,
    ForumText,
    ForumVideo,
    Paragraph,
    ThreadFormat,
)
from qqproto.rest import ApiCatalogue as A

URLS = st.builds(lambda s: f"https://example.com/{s}", st.text())
ELEMENTS = st.one_of(
    st.builds(ForumText, st.text(min_size=1)),
    st.builds(ForumImage, URLS, st.floats(min_value=0.01, max_value=1.0)),
    st.builds(ForumVideo, URLS),
    st.builds(ForumLink, URLS, st.text(min_size=1)),
)
CONTENTS = st.builds(
    lambda ps: ForumContent(tuple(ps)),
    st.lists(
        st.builds(
            lambda es, a: Paragraph(tuple(es), a),
            st.lists(ELEMENTS, min_size=1, max_size=4),
            st.sampled_from(list(Alignment)),
        ),
        min_size=1,
        max_size=4,
    ),
)


def test_json_exact() -> None:
    content = ForumContent.of(
        "Release notes",
        Paragraph.of("see ", ForumLink("https://q.qq.com", "the site"), alignment=Alignment.CENTER),
        ForumImage("https://x.test/a.png", 0.5),
        Paragraph.of(ForumVideo("https://x.test/v.mp4"), alignment=Alignment.RIGHT),
        ForumLink("https://x.test"),
    )
    assert content.to_json() == {
        "paragraphs": [
            {"elems": [{"type": 1, "text": {"text": "Release notes"}}], "props": {"alignment": 0}},
            {
                "elems": [
                    {"type": 1, "text": {"text": "see "}},
                    {"type": 4, "url": {"url": "https://q.qq.com", "desc": "the site"}},
                ],
                "props": {"alignment": 1},
            },
            {
                "elems": [
                    {
                        "type": 2,
                        "image": {"third_url": "https://x.test/a.png", "width_percent": 0.5},
                    }
                ],
                "props": {"alignment": 0},
            },
            {
                "elems": [{"type": 3, "video": {"third_url": "https://x.test/v.mp4"}}],
                "props": {"alignment": 2},
            },
            {
                "elems": [{"type": 4, "url": {"url": "https://x.test", "desc": "https://x.test"}}],
                "props": {"alignment": 0},
            },
        ]
    }
    assert json.loads(content.to_content()) == content.to_json()
    assert FORMAT_JSON == ThreadFormat.JSON
    assert int(FORMAT_JSON) == 4
    assert ForumImage("https://x.test/a.png", 1).to_json()["image"]["width_percent"] == 1.0


def test_plugs_into_the_thread_route() -> None:
    content = ForumContent.of("hello 论坛")
    call = A.post_thread("c1", "title", **content.thread_fields())
    assert call.request.method == "PUT"
    assert call.request.path == "/channels/c1/threads"
    assert call.request.json == {
        "title": "title",
        "content": '{"paragraphs":[{"elems":[{"type":1,"text":{"text":"hello 论坛"}}],'
        '"props":{"alignment":0}}]}',
        "format": 4,
    }
    positional = A.post_thread("c1", "title", content.to_content(), FORMAT_JSON)
    assert positional.request.json == call.request.json


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ForumText(""), "non-empty string"),
        (lambda: ForumImage("ftp://x/a.png"), "http\\(s\\) URL"),
        (lambda: ForumImage("https://x/a.png", 0), "fraction in \\(0, 1\\]"),
        (lambda: ForumImage("https://x/a.png", 1.5), "fraction"),
        (lambda: ForumImage("https://x/a.png", True), "fraction"),
        (lambda: ForumVideo(""), "http\\(s\\) URL"),
        (lambda: ForumLink("https://x", ""), "desc must not be empty"),
        (lambda: Paragraph(()), "at least one element"),
        (lambda: Paragraph(("text",)), "not str"),  # type: ignore[arg-type]
        (lambda: Paragraph((ForumText("x"),), 7), "alignment is 0"),  # type: ignore[arg-type]
        (lambda: ForumContent(()), "at least one paragraph"),
        (lambda: ForumContent((ForumText("x"),)), "holds Paragraphs"),  # type: ignore[arg-type]
    ],
)
def test_validation(make: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"paragraphs": [{"elems": [{"type": 9}]}]},
        {"paragraphs": [{"elems": [{"type": 1}]}]},
        {
            "paragraphs": [
                {"elems": [{"type": 1, "text": {"text": "x"}}], "props": {"alignment": 5}}
            ]
        },
        {"paragraphs": None},
    ],
)
def test_from_json_refuses_what_is_not_forum_content(data: Any) -> None:
    with pytest.raises(ValueError):
        ForumContent.from_json(data)


@given(CONTENTS)
def test_json_round_trip(content: ForumContent) -> None:
    data = json.loads(content.to_content())
    assert data == content.to_json()
    assert ForumContent.from_json(data) == content
