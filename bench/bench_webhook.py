"""Benchmark: CPU per webhook request, and what building the Ed25519 key per request would cost.

The input is the official ``C2C_MESSAGE_CREATE`` example pushed as a callback body
(``{"op":0,"id","t","d"}``, unique ids), signed over timestamp + body as the platform does. One
run reports side by side, per request:

- (k) building the key from the secret (``WebhookKey(secret)``): what a server pays per request
  when it does not keep the key (NoneBot's webhook handler does this);
- (v) verifying the signature with the key built once (``WebhookKey.verify``);
- (h) the whole receiver, ``WebhookReceiver.handle``: headers, timestamp window, verify, JSON,
  dedup, ``parse_event`` (keys built once, at construction);
- (n) the naive path, key built per request + (h);
- (c) for the dependency choice: ``cryptography``'s Ed25519 key build and verify, when installed.

Each path runs several times, interleaved; best and median wall time and best CPU time per
request are printed, plus each backend's import time (a fresh interpreter, ``-X importtime``).
Run ``python bench/bench_webhook.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qqproto.rest._auth import Token
from qqproto.webhook._receiver import WebhookKey, WebhookReceiver

FIXTURES = Path(
    os.environ.get("QQBOT_FIXTURES", Path(__file__).resolve().parents[1] / "tests" / "fixtures")
)
SECRET = "DG5g3B4j9X2KOErG"
APP = "11111111"
NOW = 1_725_442_341


def bodies(count: int) -> list[bytes]:
    try:
        d = json.loads((FIXTURES / "events/C2C_MESSAGE_CREATE.json").read_text("utf-8"))["d"]
    except OSError:
        d = {"id": "ROBOT1.0_x", "content": "hello", "author": {"user_openid": "E4F4AEA3"}}
    out = []
    for i in range(count):
        envelope = {
            "op": 0,
            "id": f"C2C_MESSAGE_CREATE:{i:08d}-bench",
            "d": d,
            "t": "C2C_MESSAGE_CREATE",
        }
        out.append(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode())
    return out


def timed(fn: Callable[[], None], count: int) -> tuple[float, float]:
    """(wall µs, CPU µs) per item of one call of ``fn`` that handles ``count`` items."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) / count * 1e6, (time.process_time() - cpu) / count * 1e6


def import_ms(module: str) -> float | None:
    """Cumulative import time of ``module`` in a fresh interpreter (ms), None if missing."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return None
    last = [line for line in proc.stderr.splitlines() if line.endswith(" " + module)][-1]
    return int(last.split("|")[1]) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 requests x 3 repetitions")
    args = parser.parse_args()
    count, reps = (1000, 3) if args.quick else (5000, 7)

    key = WebhookKey(SECRET)
    payloads = bodies(count)
    ts = str(NOW).encode()
    headers = [
        [
            (b"x-bot-appid", APP.encode()),
            (b"x-signature-ed25519", key.sign(ts + body).hex().encode()),
            (b"x-signature-timestamp", ts),
        ]
        for body in payloads
    ]
    messages = [ts + body for body in payloads]
    signatures = [bytes.fromhex(h[1][1].decode()) for h in headers]
    work = list(zip(payloads, headers, strict=True))

    def build_keys() -> None:
        for _ in range(count):
            WebhookKey(SECRET)

    def verify() -> None:
        for message, signature in zip(messages, signatures, strict=True):
            assert key.verify(message, signature)

    def handle() -> None:
        receiver = WebhookReceiver(Token(APP, SECRET))  # keys built here, once
        for body, hdrs in work:
            assert receiver.handle("POST", "/", hdrs, body, NOW).events

    def naive() -> None:
        for body, hdrs in work:
            receiver = WebhookReceiver(Token(APP, SECRET))
            assert receiver.handle("POST", "/", hdrs, body, NOW).events

    paths: dict[str, Callable[[], None]] = {
        "(k) key built from the secret (per request, if not kept)": build_keys,
        "(v) verify, key built once": verify,
        "(h) WebhookReceiver.handle, keys built once": handle,
        "(n) naive: key built per request + handle": naive,
    }
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        seed = (SECRET * 4).encode()[:32]
        public = Ed25519PrivateKey.from_private_bytes(seed).public_key()

        def crypto_build() -> None:
            for _ in range(count):
                Ed25519PrivateKey.from_private_bytes(seed).public_key()

        def crypto_verify() -> None:
            for message, signature in zip(messages, signatures, strict=True):
                public.verify(signature, message)

        paths["(c) cryptography: key built from the seed"] = crypto_build
        paths["(c) cryptography: verify, key built once"] = crypto_verify
    except ImportError:
        pass

    results: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    for _ in range(reps):
        for name, fn in paths.items():
            results[name].append(timed(fn, count))

    print(f"{count} requests x {reps} repetitions; body {len(payloads[0])} bytes")
    print(f"{'path':<58} {'best µs':>8} {'median':>8} {'CPU µs':>8}")
    for name, runs in results.items():
        walls = [w for w, _ in runs]
        best_cpu = min(c for _, c in runs)
        print(f"{name:<58} {min(walls):8.1f} {statistics.median(walls):8.1f} {best_cpu:8.1f}")
    for module in ("nacl.signing", "cryptography.hazmat.primitives.asymmetric.ed25519"):
        ms = import_ms(module)
        print(f"import {module}: {'not installed' if ms is None else f'{ms:.1f} ms'}")
    versions: list[Any] = [platform.python_implementation(), platform.python_version()]
    for dist in ("PyNaCl", "cryptography"):
        try:
            from importlib.metadata import version

            versions.append(f"{dist} {version(dist)}")
        except Exception:
            versions.append(f"{dist} -")
    print("; ".join(str(v) for v in versions), "on", platform.machine())


if __name__ == "__main__":
    main()
