"""The simulator on its own: ``python -m qqproto.sim`` in a subprocess serves a botpy bot.

The subprocess prints its credentials and URLs as one JSON line (``--json``); the docs' botpy
example (``examples/botpy_sim.py``, another subprocess) is pointed at them; the test scripts the
simulator over its standard input (one JSON command per line, one JSON answer per line) and
stops it with SIGTERM, which must end it with status 0. The console script and ``--help`` are
checked too, and the docs' example answers (``canned.json``) ship as package data.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import urllib.request
from collections.abc import Iterator
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pytest

import qqproto
from qqproto.sim import Simulator
from qqproto.sim.__main__ import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = Path(qqproto.__file__).resolve().parents[1]
"""Where the qqproto under test lives: the subprocesses import the same code."""
TIMEOUT = 30.0
"""Generous: a loaded 2-core box starts a Python process slowly."""


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(PACKAGES), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "qqproto.sim", *args]


class Standalone:
    """A running ``python -m qqproto.sim --json`` and its standard input/output."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.ids = 0

    async def line(self) -> Any:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), TIMEOUT)
        assert line, "the simulator closed its standard output"
        return json.loads(line)

    async def ask(self, cmd: str, **kwargs: Any) -> Any:
        """Send one command and return its result (the answer must say ok)."""
        assert self.proc.stdin is not None
        self.ids += 1
        self.proc.stdin.write(json.dumps({"cmd": cmd, "id": self.ids, **kwargs}).encode() + b"\n")
        await self.proc.stdin.drain()
        answer = await self.line()
        assert answer["id"] == self.ids and answer["ok"], answer
        return answer["result"]


def test_standalone_simulator_serves_the_botpy_example(tmp_path: Path) -> None:
    pytest.importorskip("botpy")

    async def scenario(sim: Standalone, stderr: Any) -> None:
        info = await sim.line()
        assert info["api_base"] == f"http://127.0.0.1:{info['port']}"
        assert info["token_url"] == info["api_base"] + "/app/getAppAccessToken"
        assert info["gateway_url"] == f"ws://127.0.0.1:{info['port']}/websocket"
        bot = await asyncio.create_subprocess_exec(
            *[sys.executable, str(ROOT / "examples" / "botpy_sim.py")],
            *[info["api_base"], info["app_id"], info["secret"]],
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            cwd=tmp_path,
            env=_env(),
        )
        try:
            session = await sim.ask("wait_for_session", timeout=TIMEOUT)
            assert session and await sim.ask("session_id") == session
            at = await sim.ask("inject_at_message", content="hello botpy")
            assert at["deliveries"], "the bot's session got the event"
            reply = await sim.ask(
                "wait_for_message", scene="channel", reply_to=at["data"]["id"], timeout=TIMEOUT
            )
            assert reply["body"]["content"] == f"echo: {at['data']['content']}"
            assert reply["target_id"] == at["data"]["channel_id"]
            (sent,) = await sim.ask("sent_messages")
            assert sent["message_id"] == reply["message_id"]
            routes = [r["route"] for r in await sim.ask("rest_log")]
            assert routes[:3] == [None, "/users/@me", "/gateway/bot"]
        finally:
            bot.kill()
            await bot.wait()

    async def run() -> int:
        with (tmp_path / "stderr").open("wb") as stderr, (tmp_path / "bot").open("wb") as bot:
            proc = await asyncio.create_subprocess_exec(
                *_command("--port", "0", "--json"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=tmp_path,
                env=_env(),
            )
            try:
                await scenario(Standalone(proc), bot)
                proc.send_signal(signal.SIGTERM)
                return await asyncio.wait_for(proc.wait(), TIMEOUT)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()

    assert asyncio.run(run()) == 0  # SIGTERM: a clean exit
    assert "Traceback" not in (tmp_path / "stderr").read_text()


@contextlib.contextmanager
def _running(
    command: list[str], cwd: Path, stdin: int = subprocess.PIPE
) -> Iterator[subprocess.Popen[str]]:
    """``command`` running for the block, killed after :data:`TIMEOUT` seconds at the latest
    (a hung simulator then fails the test, its reads see the end, instead of hanging it)."""
    proc = subprocess.Popen(
        command,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=_env(),
    )
    watchdog = threading.Timer(TIMEOUT, proc.kill)
    watchdog.start()
    try:
        yield proc
    finally:
        watchdog.cancel()
        if proc.returncode is None:
            proc.kill()
            proc.communicate()


def _stop(proc: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, out, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_banner_names_credentials_and_urls_and_a_signal_ends_it_cleanly(
    tmp_path: Path, signum: int
) -> None:
    with _running(_command("--app-id", "1234", "--secret", "s3cr3t"), tmp_path) as proc:
        # commands go on while a wait is pending; a wrong command is answered, not fatal
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write('{"cmd": "wait_for_session", "timeout": 60, "id": "w"}\nnot json\n')
        proc.stdin.write(
            '{"cmd": "quit"}\n{"cmd": "inject_c2c_message", "content": "x", "id": 2}\n'
        )
        proc.stdin.flush()
        lines = [proc.stdout.readline() for _ in range(11)]
        answers = [json.loads(line) for line in lines[8:]]
        code, out, err = _stop(proc, signum)
    first, banner = lines[0], "".join(lines[:8])
    port = first.split(":")[-1].strip()
    assert first.startswith("QQ platform simulator on 127.0.0.1:") and port.isdigit()
    for value in ("1234", "s3cr3t", f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/"):
        assert value in banner
    assert f"http://127.0.0.1:{port}/app/getAppAccessToken" in banner
    assert [a["ok"] for a in answers] == [False, False, True]
    assert answers[0]["error"].startswith("InvalidJSON: command is not valid JSON")
    assert answers[1]["error"].startswith("ValueError: unknown command 'quit'")
    assert answers[2]["id"] == 2 and answers[2]["result"]["name"] == "C2C_MESSAGE_CREATE"
    assert (code, out) == (0, "")  # the pending wait was dropped, not answered
    assert "Traceback" not in err


def test_a_port_in_use_is_an_error_message_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = subprocess.run(
            _command("--port", port),
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=_env(),
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"cannot listen on 127.0.0.1:{port}: ")
    assert "Traceback" not in done.stderr


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--app-id", "--secret", "--seed", "--json"):
        assert option in out


def test_the_console_script_runs_the_simulator(tmp_path: Path) -> None:
    (entry,) = metadata.entry_points(group="console_scripts", name="qqbot-sim")
    assert entry.value == "qqproto.sim.__main__:main" and entry.load() is main
    scripts = sysconfig.get_path("scripts")
    script = shutil.which("qqbot-sim", path=os.pathsep.join([scripts, os.environ["PATH"]]))
    assert script, "qqbot-sim is not installed: pip install -e '.[test]'"
    help_text = subprocess.run(
        [script, "--help"], capture_output=True, text=True, timeout=TIMEOUT, check=True, env=_env()
    ).stdout
    assert help_text.startswith("usage: qqbot-sim") and "--port" in help_text
    # no standard input (as in the background): the end of input does not stop the server
    with _running([script, "--json"], tmp_path, stdin=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        body = json.dumps({"appId": info["app_id"], "clientSecret": info["secret"]}).encode()
        request = urllib.request.Request(
            info["token_url"], body, {"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            assert json.loads(response.read())["access_token"]
        assert _stop(proc, signal.SIGTERM)[0] == 0


def test_every_command_is_a_simulator_method() -> None:
    methods = {name: getattr(Simulator, name, None) for name in COMMANDS}
    assert [name for name, method in methods.items() if not callable(method)] == []
    waits = {name for name, method in methods.items() if inspect.iscoroutinefunction(method)}
    assert waits == {name for name in COMMANDS if name.startswith("wait_for_")}


# -------------------------------------------------------------------------- package data


def test_the_canned_answers_are_package_data_copied_from_the_fixtures() -> None:
    data = resources.files("qqproto.sim").joinpath("canned.json")
    canned = json.loads(data.read_text(encoding="utf-8"))
    fixtures = {
        path.name.removesuffix(".response.json"): json.loads(path.read_text(encoding="utf-8"))
        for path in (ROOT / "tests" / "fixtures" / "rest").glob("*.response.json")
    }
    assert canned == fixtures


def test_a_build_ships_the_canned_answers(tmp_path: Path) -> None:
    """setuptools' ``build_py`` (what a wheel is made of) copies ``canned.json``, and the
    simulator built from it answers a documented route with the docs' example."""
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("qqproto", "qqbot_asyncio", "qqbot_trio"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    lib = tmp_path / "lib"
    build = [sys.executable, "-c", "from setuptools import setup; setup()"]
    build += ["-q", "build_py", "--build-lib", str(lib)]
    subprocess.run(build, cwd=source, capture_output=True, timeout=120, check=True)
    assert (lib / "qqproto" / "sim" / "canned.json").is_file()
    assert not (lib / "qqproto" / "sim" / "_canned.py").exists()
    probe = (
        "import json, qqproto; from qqproto.sim._rest import _canned; "
        "print(json.dumps([qqproto.__file__, _canned('GET', '/guilds/{guild_id}/roles', {})]))"
    )
    env = {**os.environ, "PYTHONPATH": str(lib)}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=TIMEOUT,
        check=True,
    ).stdout
    where, (status, roles) = json.loads(out)
    assert where.startswith(str(lib)) and status == 200 and roles["roles"]
