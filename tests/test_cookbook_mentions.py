"""The cookbook recipe "mentions" runs as written: the bot strips its own mention, answers with
a mention, a channel link and an emoji, and user text stays escaped text."""

from __future__ import annotations

from _cookbook import run_example


def test_mentions_example() -> None:
    proc = run_example("mentions.py")
    lines = proc.stdout.splitlines()
    assert lines[1].startswith("[channel] content: <@!"), lines
    assert lines[1].endswith("> hello &lt;@!99&gt; &amp; &lt;b&gt;friends&lt;/b&gt;"), lines
    assert lines[2] == (
        "[channel] bot: hi <@1234><emoji:4>, welcome to <#100010>! you said: "
        "hello &lt;@!99&gt; &amp; &lt;b&gt;friends&lt;/b&gt;"
    ), lines
    assert lines[3] == '[group] user: " what\'s up"', lines
    assert lines[4] == (
        '[group] bot: <qqbot-at-user id="E4F4AEA33253A2797FB897C50B81D7ED" /> you said: what\'s up'
    ), lines
    assert lines[-1] == "mentions demo finished"
