"""Typed REST errors: an :class:`ApiResponse` in, ``None`` (success) or an :class:`ApiError` out.

Every error carries the HTTP ``status``, the platform ``code``/``err_code``, the ``message``, the
``trace_id`` (``X-Tps-trace-ID``, to quote to Tencent support), the request ``method`` and
``route`` template, and an actionable ``hint`` where one is known. Messages never contain the
access token or the client secret: they are built only from the route template and the
platform's answer.

Classification looks at the platform code first, then at the HTTP status. A 2xx answer whose
body is an error (``{"code": 304023, ..., "data": {"message_audit": ...}}`` on 200/201/202, or
``{"code": n, "message": ...}`` on 201/202) is **not** a success.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from qqproto._errors import (
    ApiError,
    AuditPendingError,
    AuthError,
    ForbiddenError,
    IpNotWhitelistedError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    RemoteProtocolError,
    ServerError,
    UnauthorizedError,
)
from qqproto.rest._call import JSON, ApiRequest, ApiResponse
from qqproto.rest._http import decode_json

__all__ = [
    "AUDIT_CODES",
    "FORBIDDEN_CODES",
    "IP_WHITELIST_CODES",
    "QUOTA_CODES",
    "RATE_LIMIT_CODES",
    "TOKEN_CODES",
    "ApiError",
    "AuditPendingError",
    "AuthError",
    "ForbiddenError",
    "IpNotWhitelistedError",
    "NotFoundError",
    "QuotaExceededError",
    "RateLimitedError",
    "ServerError",
    "UnauthorizedError",
    "decode_response",
    "error_from_response",
]

TOKEN_CODES = frozenset({11241, 11242, 11243, 11244})
"""Token missing / check failed / not accepted / expired: fetch a new token and retry once."""
APPID_CODES = frozenset({11251, 11261})
IP_WHITELIST_CODES = frozenset({11298, 40023002})
FORBIDDEN_CODES = frozenset({11253, 11265, 40034102, 304041})
RATE_LIMIT_CODES = frozenset({22009, 20028})
QUOTA_CODES = frozenset(range(304045, 304051))
AUDIT_CODES = frozenset({304023, 304024})

_INT_RE = re.compile(r"-?[0-9]{1,18}")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    return None


def _audit_id(body: Mapping[str, Any]) -> str | None:
    data = body.get("data")
    if isinstance(data, Mapping):
        audit = data.get("message_audit")
        if isinstance(audit, Mapping):
            audit_id = audit.get("audit_id")
            if isinstance(audit_id, (str, int)) and not isinstance(audit_id, bool):
                return str(audit_id)
    return None


_ERROR_KEYS = frozenset({"code", "err_code", "message", "msg", "trace_id", "data", "errors"})


def _is_error_body(status: int, body: Mapping[str, Any]) -> bool:
    """Whether a 2xx body is really an error (audit pending, or an error-shaped answer)."""
    code = _as_int(body.get("code"))
    if _audit_id(body) is not None or (code is not None and code in AUDIT_CODES):
        return True
    if not code:
        return False
    return status in (201, 202) or set(body) <= _ERROR_KEYS


def _classify(status: int, code: int | None, err_code: int | None) -> type[ApiError]:
    codes = {c for c in (code, err_code) if c is not None}
    if codes & AUDIT_CODES:
        return AuditPendingError
    if codes & IP_WHITELIST_CODES:
        return IpNotWhitelistedError
    if codes & TOKEN_CODES:
        return UnauthorizedError
    if codes & APPID_CODES:
        return AuthError
    if codes & FORBIDDEN_CODES:
        return ForbiddenError
    if codes & QUOTA_CODES:
        return QuotaExceededError
    if codes & RATE_LIMIT_CODES:
        return RateLimitedError
    if status == 401:
        return UnauthorizedError
    if status == 403:
        return ForbiddenError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return ApiError


def _retry_after(response: ApiResponse) -> float | None:
    value = response.header("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    if seconds != seconds or seconds < 0 or seconds > 86400:  # NaN, negative, absurd
        return None
    return seconds


def _lenient_body(response: ApiResponse) -> tuple[JSON, str]:
    """The body as JSON if it is JSON, else ``(None, short text)``."""
    try:
        return decode_json(response.body), ""
    except RemoteProtocolError:
        text = response.body[:200].decode("utf-8", "replace").strip()
        return None, " ".join(text.split())


def error_from_response(request: ApiRequest, response: ApiResponse) -> ApiError | None:
    """``None`` if ``response`` is a success, else the typed :class:`ApiError` to raise.

    Never raises: any status, headers and body give a result.
    """
    return _classify_response(request, response, *_lenient_body(response))


def _classify_response(
    request: ApiRequest, response: ApiResponse, body: JSON, text: str
) -> ApiError | None:
    mapping: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    if 200 <= response.status < 300 and not _is_error_body(response.status, mapping):
        return None
    code = _as_int(mapping.get("code"))
    err_code = _as_int(mapping.get("err_code"))
    if code is None and err_code is not None:
        code = err_code
    raw_message = mapping.get("message", mapping.get("msg"))
    message = raw_message if isinstance(raw_message, str) else text
    trace_id = response.trace_id
    if not trace_id and isinstance(mapping.get("trace_id"), str):
        trace_id = mapping["trace_id"]
    audit_id = _audit_id(mapping)
    cls = AuditPendingError if audit_id is not None else _classify(response.status, code, err_code)
    error = cls(
        status=response.status,
        code=code,
        err_code=err_code,
        message=message[:500],
        trace_id=trace_id or None,
        method=request.method,
        route=request.route,
        data=body,
    )
    if isinstance(error, AuditPendingError):
        error.audit_id = audit_id
    if isinstance(error, RateLimitedError):
        error.retry_after = _retry_after(response)
    return error


def decode_response(request: ApiRequest, response: ApiResponse) -> JSON:
    """The decoded JSON of a successful response (``None`` if empty).

    Raises the :class:`ApiError` from :func:`error_from_response`, or
    :class:`RemoteProtocolError` if a success carries invalid JSON.
    """
    try:
        body: JSON = decode_json(response.body)  # decoded once, for the checks and the result
    except RemoteProtocolError as exc:
        error = _classify_response(request, response, *_lenient_body(response))
        if error is not None:
            raise error from None
        raise RemoteProtocolError(
            f"{request.method} {request.route}: HTTP {response.status} with a bad body "
            f"(trace id {response.trace_id or 'none'}): {exc}"
        ) from None
    error = _classify_response(request, response, body, "")
    if error is not None:
        raise error
    return body
