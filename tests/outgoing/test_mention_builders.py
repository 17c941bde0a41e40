"""Tests for the content helpers: mention/channel/emoji builders, escaping, compose."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qqproto.outgoing import (
    Markup,
    OutgoingMessage,
    Scene,
    at_everyone,
    at_user,
    channel,
    compose,
    emoji,
    escape,
    mention,
    unescape,
)

IDS = st.text(min_size=1).filter(lambda s: not set(s) & set("\"'<>"))


def test_builders_exact() -> None:
    assert at_user("E4F4AE") == '<qqbot-at-user id="E4F4AE" />'
    assert at_everyone() == "<qqbot-at-everyone />"
    assert mention("1234") == "<@1234>"
    assert channel("100010") == "<#100010>"
    assert emoji("4") == "<emoji:4>" == emoji(4)
    for value in (at_user("x"), at_everyone(), mention("1"), channel("2"), emoji(3)):
        assert isinstance(value, Markup)


@pytest.mark.parametrize("build", [at_user, mention, channel, emoji])
@pytest.mark.parametrize("bad", ["", 'a"b', "a'b", "<x", "x>"])
def test_bad_ids_are_refused(build: Any, bad: str) -> None:
    with pytest.raises(ValueError, match=r"must not be empty|not an id"):
        build(bad)


@pytest.mark.parametrize("build", [at_user, mention, channel])
def test_non_string_ids_are_refused(build: Any) -> None:
    with pytest.raises(ValueError, match="must be a str"):
        build(42)
    with pytest.raises(ValueError, match="emoji id must be a str or an int"):
        emoji(True)


def test_escape_exact() -> None:
    assert escape("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    assert escape("&lt;") == "&amp;lt;"
    assert unescape("&amp;lt;") == "&lt;"
    assert unescape("&lt;@!1&gt; &amp; &quot; &") == "<@!1> & &quot; &"
    with pytest.raises(TypeError, match="takes a str"):
        escape(b"x")  # type: ignore[arg-type]


@given(st.text())
def test_unescape_inverts_escape(text: str) -> None:
    escaped = escape(text)
    assert unescape(escaped) == text
    assert "<" not in escaped and ">" not in escaped
    assert escape(escaped) == escape(escape(text))  # deterministic, no special cases


@given(IDS)
def test_mention_round_trips_through_escape(user_id: str) -> None:
    """A user typing a mention's text gets escaped text back, never a mention."""
    typed = str(mention(user_id))
    assert compose(typed) != typed
    assert unescape(compose(typed)) == typed
    assert compose(mention(user_id)) == typed


def test_compose() -> None:
    said = "<@99> & <b>"
    content = compose("hi ", at_user("U1"), ", you said: ", said, " ", emoji(4))
    assert content == (
        'hi <qqbot-at-user id="U1" />, you said: &lt;@99&gt; &amp; &lt;b&gt; <emoji:4>'
    )
    assert isinstance(content, Markup)
    assert compose(compose("<"), ">") == "&lt;&gt;"  # composed text is not escaped twice
    assert compose() == ""
    with pytest.raises(TypeError, match="compose\\(\\) takes strings"):
        compose("a", 1)  # type: ignore[arg-type]


def test_markup_goes_into_a_message_as_text() -> None:
    msg = OutgoingMessage.text(compose(mention("42"), " welcome"))
    assert msg.to_json(Scene.CHANNEL) == {"content": "<@42> welcome"}


def test_markup_is_written_as_plain_json_text() -> None:
    """``Markup`` is a str subclass the JSON codec does not take: the builders and the raw send
    routes hand it on as plain ``str``."""
    from qqproto._json import dumps
    from qqproto.outgoing import Markdown, MarkdownParam, OutgoingEmbed
    from qqproto.rest import ApiCatalogue as A

    text = compose(mention("42"), " <hi>")
    for msg in (
        OutgoingMessage.text(text),
        OutgoingMessage.of_markdown(text),
        OutgoingMessage(
            markdown=Markdown(custom_template_id="t", params=(MarkdownParam("k", (text,)),))
        ),
        OutgoingMessage.of_embed(OutgoingEmbed(title=text, prompt=text, fields=(text,))),
    ):
        assert b"<@42> &lt;hi&gt;" in dumps(msg.to_json(Scene.CHANNEL))
    call = A.post_message("c1", text)
    assert type(call.request.json["content"]) is str
    assert dumps(call.request.json) == b'{"content":"<@42> &lt;hi&gt;"}'
