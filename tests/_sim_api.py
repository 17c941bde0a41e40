"""Requests straight into the simulator's pure REST app (``qqproto.sim.handle``), no sockets, on
a clock the test moves: shared by the simulator's route tests (tests/sim/test_sim_*.py)."""

from __future__ import annotations

import random
from typing import Any

from qqproto._json import dumps, loads
from qqproto.sim import DEFAULT_APP_ID, DEFAULT_SECRET, Platform, RestRequest, handle

# the default world's user (C2C) and group, as the simulator creates them
OPENID = "E4F4AEA33253A2797FB897C50B81D7ED"
GROUP = "C9F778FE6ADF9D1D1DBE395BF744A33A"


class SimApi:
    """A :class:`Platform` seeded with ``seed`` (``options`` set as its attributes) and a bot
    token issued at ``now``; :meth:`send` answers ``(status, decoded JSON body or None)``."""

    def __init__(self, seed: int, **options: Any) -> None:
        self.p = Platform(rng=random.Random(seed))
        for key, value in options.items():
            setattr(self.p, key, value)
        self.now = 10.0
        self.token, _ = self.p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, self.now)

    def send(
        self,
        method: str,
        target: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        auth: bool = True,
    ) -> tuple[int, Any]:
        """``body`` is sent as JSON; else ``raw`` as is. ``auth=False``: no Authorization."""
        headers = [("authorization", f"QQBot {self.token}")] if auth else []
        if body is not None:
            headers.append(("content-type", "application/json"))
            raw = dumps(body)
        response = handle(self.p, RestRequest(method, target, tuple(headers), raw or b""), self.now)
        return response.status, loads(response.body) if response.body else None
