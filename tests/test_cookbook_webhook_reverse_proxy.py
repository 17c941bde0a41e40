"""The cookbook recipe "webhook behind a reverse proxy" runs as written: its example validates the
callback URL through the proxy, answers two pushes, acknowledges them and refuses a forgery."""

from __future__ import annotations

from _cookbook import run_example


def test_webhook_proxy_example_runs_against_the_simulator() -> None:
    proc = run_example("webhook_proxy.py")
    out = proc.stdout
    assert "validated the callback URL through the proxy (op 13)" in out, out
    assert "[group] bot: echo: hello from the group" in out, out
    assert "[c2c] bot: echo: hello in a private chat" in out, out
    assert "2 pushes, each acknowledged with HTTP 200 {'op': 12, 'd': 0}" in out, out
    assert "a push with a forged signature: HTTP 403" in out, out
    assert out.rstrip().endswith("webhook-behind-a-proxy demo finished"), out
