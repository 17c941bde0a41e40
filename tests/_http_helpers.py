"""Shared helpers for the HTTP, auth and error tests: canned responses and fixture loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qqproto.rest._call import ApiRequest, ApiResponse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rest"


def fixture(name: str) -> Any:
    """A JSON fixture from ``tests/fixtures/rest``."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def json_response(
    status: int, body: Any = None, *, trace_id: str | None = "trace-1", raw: bytes | None = None
) -> ApiResponse:
    """An ApiResponse with a JSON body (or ``raw`` bytes)."""
    headers: list[tuple[str, str]] = [("content-type", "application/json")]
    if trace_id is not None:
        headers.append(("x-tps-trace-id", trace_id))
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    return ApiResponse(status=status, headers=tuple(headers), body=data)


def http_response(
    status: int = 200,
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
    *,
    reason: str = "OK",
    version: str = "1.1",
) -> bytes:
    """Raw response bytes with a Content-Length unless ``headers`` frame the body otherwise."""
    hs = list(headers) if headers is not None else [("Content-Length", str(len(body)))]
    head = f"HTTP/{version} {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hs)
    return head.encode("latin-1") + b"\r\n" + body


SEND = ApiRequest(
    method="POST", path="/channels/1/messages", route="/channels/{channel_id}/messages"
)
GET = ApiRequest(method="GET", path="/users/@me", route="/users/@me", idempotent=True)
