"""Tests for the mention helpers of received messages: ``plain_text`` and ``mentions_bot``."""

from __future__ import annotations

from typing import Any

import pytest
from _fixtures import event
from hypothesis import given
from hypothesis import strategies as st

from qqproto.models import C2CMessage, DirectMessage, GroupMessage, Message, parse_event
from qqproto.models._guild import User
from qqproto.models._message import GroupMention
from qqproto.outgoing import escape

BOT = "11586990140073229091"


def guild(content: str, *mentions: User) -> Message:
    return Message(content=content, mentions=mentions or None)


def test_at_message_as_the_platform_sends_it() -> None:
    msg = guild(f"<@!{BOT}> /weather 深圳", User(id=BOT, bot=True, username="bot"))
    assert msg.plain_text() == "/weather 深圳"
    assert msg.plain_text(BOT) == "/weather 深圳"
    assert msg.mentions_bot() and msg.mentions_bot(BOT)
    assert not msg.mentions_bot("someone-else")


def test_guild_plain_text_details() -> None:
    other = User(id="7", bot=False)
    msg = guild(f"hi <@{BOT}> 1 &lt; 2 &amp;&amp; <@!7>  ", User(id=BOT, bot=True), other)
    assert msg.plain_text() == "hi 1 < 2 && <@!7>"  # other mentions stay
    assert msg.plain_text("7") == f"hi <@{BOT}> 1 < 2 &&"
    assert msg.mentions_bot(BOT)
    # the mention in the text is enough with bot_id, even without a mentions list
    assert guild(f"<@{BOT}>x").mentions_bot(BOT)
    assert guild(f"<@{BOT}>x").plain_text(BOT) == "x"
    # without bot_id, only the mentions of bots are stripped
    assert guild("<@!7> hey", other).plain_text() == "<@!7> hey"
    assert not guild("<@!7> hey", other).mentions_bot()
    # escaped mention text is the user's text, not a mention
    typed = guild(f"&lt;@!{BOT}&gt; hi", User(id=BOT, bot=True))
    assert typed.plain_text() == f"<@!{BOT}> hi"
    assert typed.mentions_bot(BOT)  # listed in mentions
    assert not guild(f"&lt;@!{BOT}&gt; hi").mentions_bot(BOT)
    assert Message().plain_text() == "" and not Message().mentions_bot(BOT)


def decode(name: str) -> Any:
    fixture = event(name)
    return parse_event(fixture["t"], fixture["d"], event_id=None)


def test_direct_message_inherits() -> None:
    dm = DirectMessage(content="  &gt; quote  ")
    assert dm.plain_text() == "> quote"
    assert not dm.mentions_bot(BOT)


@pytest.mark.parametrize("name", ["AT_MESSAGE_CREATE", "MESSAGE_CREATE", "DIRECT_MESSAGE_CREATE"])
def test_guild_fixtures(name: str) -> None:
    msg = decode(name)
    assert msg.plain_text() == "ndnnd"
    assert not msg.mentions_bot()


def test_group_fixture() -> None:
    msg = decode("GROUP_AT_MESSAGE_CREATE")
    assert isinstance(msg, GroupMessage)
    assert msg.content == " 123"
    assert msg.plain_text() == "123"
    assert not msg.mentions_bot()
    assert msg.mentions_bot(at_event=True)


def test_group_mentions() -> None:
    me = GroupMention(member_openid="B", is_you=True)
    other = GroupMention(member_openid="X", is_you=False)
    assert GroupMessage(content=" hi", mentions=(other, me)).mentions_bot()
    assert not GroupMessage(content=" hi", mentions=(other,)).mentions_bot()
    assert GroupMessage(content=" hi", mentions=(other,)).mentions_bot("X")
    assert GroupMessage(mentions=(GroupMention(id="B"),)).mentions_bot("B")
    assert GroupMessage(content=" <@!B> hi ").plain_text("B") == "hi"
    assert GroupMessage(content=" a &lt; b").plain_text() == "a &lt; b"  # no guild escaping
    assert GroupMessage().plain_text() == ""


def test_c2c_fixture() -> None:
    msg = decode("C2C_MESSAGE_CREATE")
    assert isinstance(msg, C2CMessage)
    assert msg.plain_text() == "123"
    assert not msg.mentions_bot() and not msg.mentions_bot(BOT)
    assert C2CMessage(content=" <b> ").plain_text() == "<b>"


@given(st.text())
def test_plain_text_gives_back_what_the_user_typed(text: str) -> None:
    """What a user typed, escaped by the platform after the bot's mention, comes back trimmed."""
    msg = guild(f"<@!{BOT}> {escape(text)}", User(id=BOT, bot=True))
    assert msg.plain_text() == text.strip()
    assert msg.mentions_bot(BOT)
