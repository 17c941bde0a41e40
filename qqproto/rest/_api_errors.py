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

from qqproto._errors import QQError, RemoteProtocolError
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

_HINTS: dict[int, str] = {
    11241: "the access token is missing; the client fetches one automatically, check the app id "
    "and secret",
    11242: "the access token failed verification; check that app id and secret belong together",
    11243: "the access token was not accepted; it will be refreshed once automatically",
    11244: "the access token expired or does not exist; it will be refreshed once automatically",
    11251: "the app id is wrong or missing; check the app id in your configuration "
    "(sent as X-Union-Appid)",
    11261: "the app id is wrong or missing; check the app id in your configuration",
    11253: "the bot has no permission for this API; request it in the QQ bot console "
    "(or via the API permission demand route) and check the bot's role",
    11265: "the bot is banned; check the notices in the QQ bot console",
    11298: "the source IP is not in the IP whitelist: add this server's egress (public) IP in the "
    "QQ bot console under development settings -> IP whitelist, or send the traffic through a "
    "whitelisted proxy (Endpoints(api_base=...)); sandbox mode does not need the whitelist",
    40023002: "the source IP is not in the IP whitelist: add this server's egress (public) IP in "
    "the QQ bot console under development settings -> IP whitelist",
    22009: "messages are sent too often; slow down",
    20028: "the channel write rate limit was hit; slow down",
    304003: "the message contains a URL that is not registered; register it in the console "
    "(message URL configuration)",
    304018: "the bot is not connected to the gateway; channel sends need an online session",
    304023: "the message is waiting for manual audit; the result arrives as a MESSAGE_AUDIT_PASS "
    "or MESSAGE_AUDIT_REJECT event carrying this audit_id",
    304024: "the reply is waiting for manual audit; the result arrives as a MESSAGE_AUDIT_PASS "
    "or MESSAGE_AUDIT_REJECT event carrying this audit_id",
    304026: "msg_id is invalid; reply with the id of the message you received",
    304027: "the message you reply to is too old; the passive reply window has closed",
    304041: "markdown is not allowed in this reply; it needs platform approval",
    304082: "the platform could not fetch the media; check the URL and retry",
    304083: "the platform could not convert the media; check its format and retry",
    40034024: "msg_id is invalid or not yours to reply to (or the reply window has closed)",
    40054005: "the message was deduplicated: each reply to one msg_id needs a new msg_seq "
    "(use ReplySequencer)",
}
for _code in range(304045, 304051):
    _HINTS[_code] = "the active-message quota is used up; wait for it to reset or reply passively"

_STATUS_HINTS: dict[int, str] = {
    401: "authentication failed; the token is refreshed once automatically, check the app id "
    "and secret if it persists",
    404: "the API or the object does not exist; check the ids (and the sandbox setting)",
    405: "this method is not allowed on this route",
    413: "the request body is too large; upload big media by URL or in chunks",
    429: "rate limited; back off before retrying",
}


class ApiError(QQError):
    """A REST call failed. Catch a subclass for one kind of failure, or this for all."""

    status: int
    code: int | None
    err_code: int | None
    message: str
    trace_id: str | None
    method: str | None
    route: str | None
    data: JSON
    hint: str | None

    def __init__(
        self,
        *,
        status: int,
        code: int | None = None,
        err_code: int | None = None,
        message: str = "",
        trace_id: str | None = None,
        method: str | None = None,
        route: str | None = None,
        data: JSON = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.err_code = err_code
        self.message = message
        self.trace_id = trace_id
        self.method = method
        self.route = route
        self.data = data
        if hint is None:
            hint = _hint_for(code, err_code, status)
        self.hint = hint
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = " ".join(p for p in (self.method, self.route) if p) or "request"
        parts = [f"HTTP {self.status}"]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.err_code is not None and self.err_code != self.code:
            parts.append(f"err_code {self.err_code}")
        text = f"{where} failed: {', '.join(parts)}"
        if self.message:
            text += f": {self.message}"
        text += f" (trace id {self.trace_id or 'none'})"
        if self.hint:
            text += f". Hint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self._describe()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code}, "
            f"message={self.message!r}, trace_id={self.trace_id!r}, route={self.route!r})"
        )


class AuthError(ApiError):
    """Authentication failed (bad app id, bad secret, token rejected or not obtainable)."""


class UnauthorizedError(AuthError):
    """The access token was rejected (401, codes 11241-11244): refresh it and retry once."""


class ForbiddenError(ApiError):
    """The bot may not do this (403, no permission 11253, banned 11265, ...)."""


class IpNotWhitelistedError(ForbiddenError):
    """The caller's IP is not in the console's IP whitelist (11298)."""


class NotFoundError(ApiError):
    """The route or the object does not exist (404)."""


class RateLimitedError(ApiError):
    """Too many requests (429, 22009, 20028). ``retry_after`` is from ``Retry-After`` if sent."""

    retry_after: float | None = None


class QuotaExceededError(RateLimitedError):
    """An active-message quota is exhausted (304045-304050); retrying soon will not help."""


class ServerError(ApiError):
    """The platform failed (5xx). Safe to retry only for idempotent requests."""


class AuditPendingError(ApiError):
    """The message was accepted for manual audit (304023/304024), not sent yet.

    ``audit_id`` matches the later MESSAGE_AUDIT_PASS/REJECT event.
    """

    audit_id: str | None = None


def _hint_for(code: int | None, err_code: int | None, status: int) -> str | None:
    for candidate in (code, err_code):
        if candidate is not None and candidate in _HINTS:
            return _HINTS[candidate]
    if status >= 500:
        return "the platform had an internal error; retry later"
    return _STATUS_HINTS.get(status)


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
