"""The cookbook recipe "scale-out" runs as written: two webhook instances of one bot share their
deduplication through a real Redis (the test session's redis-server), so a push retried to the
other instance is acknowledged there and handled once."""

from __future__ import annotations

import pytest
from _cookbook import run_example


def test_scale_out_example_handles_a_moved_retry_once(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QQBOT_REDIS_URL", redis_url)
    proc = run_example("scale_out.py")
    out = proc.stdout
    assert "delivered to instance A; its ack was lost" in out, out
    assert "went to instance B, which answered" in out, out
    assert "HTTP 200 {'op': 12, 'd': 0} without handling it (acked=True)" in out, out
    assert "instance A handled: hello\ninstance B handled: and now something new\n" in out, out
    assert "replies sent: ['echo from A: hello', 'echo from B: and now something new']" in out
    assert out.rstrip().endswith("scale-out demo finished"), out
