"""The cookbook recipe "webhook behind a reverse proxy" runs as written: its example validates the
callback URL through the proxy, answers two pushes, acknowledges them and refuses a forgery."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_webhook_proxy_example_runs_against_the_simulator() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QQ_BOT_")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "cookbook" / "webhook_proxy.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "validated the callback URL through the proxy (op 13)" in out, out
    assert "[group] bot: echo: hello from the group" in out, out
    assert "[c2c] bot: echo: hello in a private chat" in out, out
    assert "2 pushes, each acknowledged with HTTP 200 {'op': 12, 'd': 0}" in out, out
    assert "a push with a forged signature: HTTP 403" in out, out
    assert out.rstrip().endswith("webhook-behind-a-proxy demo finished"), out
