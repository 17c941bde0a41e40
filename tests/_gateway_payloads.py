"""Gateway payloads the gateway tests share: the server's Hello and the READY of session
``sess-1`` (bot ``42``, shard 0 of 1), as JSON values and as the compact text a server sends."""

from __future__ import annotations

import json
from typing import Any

HELLO: dict[str, Any] = {"op": 10, "d": {"heartbeat_interval": 45000}}
READY: dict[str, Any] = {
    "op": 0,
    "s": 1,
    "t": "READY",
    "d": {
        "version": 1,
        "session_id": "sess-1",
        "user": {"id": "42", "username": "bot", "bot": True},
        "shard": [0, 1],
    },
}
HELLO_TEXT = json.dumps(HELLO, separators=(",", ":"))
READY_TEXT = json.dumps(READY, separators=(",", ":"))
