"""The cookbook recipe "mentions" runs as written: the bot strips its own mention, answers with
a mention, a channel link and an emoji, and user text stays escaped text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mentions_example() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QQ_BOT_")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "cookbook" / "mentions.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
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
