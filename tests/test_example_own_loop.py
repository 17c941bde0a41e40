"""``examples/own_loop.py`` (the sans-IO core driven by plain sockets and ``selectors``) against the
embedded simulator: echo replies, a clean exit, and a resume when the platform interrupts."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from qqbot_asyncio.simulator import ThreadedSimulator

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "own_loop.py"
ECHOES = [
    ("channel", "echo: hello from the guild channel"),
    ("group", "echo: hello from the group"),
    ("channel", "echo: still there?"),
    ("group", "echo: bye!"),
]


@pytest.fixture(scope="module")
def own_loop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("own_loop_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_demo(own_loop: ModuleType, *args: str) -> dict[str, Any]:
    """Run the example's ``main`` against a fresh simulator; return what the platform saw."""
    with ThreadedSimulator.in_thread(seed=3) as sim:
        started = time.monotonic()
        rc = own_loop.main(["--simulator", "--seconds", "8", *args], sim)
        return {
            "rc": rc,
            "elapsed": time.monotonic() - started,
            "sent": sim.sent_messages(),
            "identifies": sim.identifies(0),
            "resumes": sim.resumes(0),
            "live_session": sim.session_id(0),
            "rest": sim.rest_log(),
        }


def check_echoes(seen: dict[str, Any]) -> None:
    sent = seen["sent"]
    assert [(m.scene, m.content) for m in sent] == ECHOES
    assert all(m.msg_id for m in sent)  # passive replies, each to the message it answers
    assert [m.msg_seq for m in sent if m.scene == "group"] == [1, 1]
    assert seen["rc"] == 0
    assert seen["live_session"] is None  # the bot closed its gateway connection on the way out
    assert seen["elapsed"] < 5.0  # the close handshake completed (no wait for its timeout)


def test_echoes_every_message_and_exits_cleanly(own_loop: ModuleType, capsys: Any) -> None:
    seen = run_demo(own_loop)
    check_echoes(seen)
    assert len(seen["identifies"]) == 1
    assert seen["resumes"] == []
    routes = [(r.method, r.target) for r in seen["rest"]]
    assert routes[:3] == [
        ("POST", "/app/getAppAccessToken"),
        ("GET", "/users/@me"),
        ("GET", "/gateway/bot"),
    ]
    assert [r.status for r in seen["rest"]] == [200] * len(routes)
    out = capsys.readouterr().out
    assert "[group] bot: echo: hello from the group" in out
    assert "handled 4 events: closing" in out


@pytest.mark.parametrize("chaos", ["op7", "drop"])
def test_resumes_when_the_platform_interrupts(
    own_loop: ModuleType, chaos: str, capsys: Any
) -> None:
    seen = run_demo(own_loop, "--chaos", chaos)
    check_echoes(seen)  # nothing lost: the last two lines came after the resume
    (identify,) = seen["identifies"]
    (resume,) = seen["resumes"]
    assert resume.outcome == "resumed"
    assert resume.session_id == identify.session_id
    assert "RESUMED" in capsys.readouterr().out


def test_runs_as_a_script() -> None:
    env = {**os.environ, "PYTHONPATH": str(EXAMPLE.parent.parent)}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), "--simulator", "--max-events", "2", "--seconds", "8"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[channel] bot: echo: hello from the guild channel" in proc.stdout
    assert "handled 2 events: closing" in proc.stdout


def test_asks_for_credentials_without_simulator(
    own_loop: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.delenv("QQ_BOT_APPID", raising=False)
    monkeypatch.delenv("QQ_BOT_SECRET", raising=False)
    assert own_loop.main([]) == 2
    assert "QQ_BOT_APPID" in capsys.readouterr().err
