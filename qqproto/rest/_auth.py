"""The access-token lifecycle as a pure state machine: when to fetch, how to parse, when it dies.

Platform rules (platform docs, interface authentication):
``POST https://bots.qq.com/app/getAppAccessToken`` with ``{"appId", "clientSecret"}`` answers
``{"access_token", "expires_in"}`` (``expires_in`` is a string in the docs, a number elsewhere).
Asking again before the last 60 s of a token's life just
returns the same token, so :class:`TokenMachine` only re-fetches inside that window (or once the
token expired, or after the API rejected it). One fetch is in flight at a time.

Adapter loop for one API call::

    while True:
        step = tokens.acquire(now)
        if isinstance(step, TokenReady): token = step.token; break
        if isinstance(step, Fetch):
            try: response = <send step.request, read the response>
            except <transport error> as exc:
                tokens.fetch_failed(exc, now); <notify waiters>; continue
            tokens.handle_response(response, now)  # may raise TokenFetchError
            <notify waiters (also when it raised)>; continue
        # Wait: until=None -> await the in-flight fetch; else sleep until step.until
"""

from __future__ import annotations

import enum
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from qqproto._errors import (
    LocalProtocolError,
    MalformedTokenResponse,
    RemoteProtocolError,
    TokenFetchError,
)
from qqproto._now_last import accepts_now_first
from qqproto.rest._call import ApiResponse
from qqproto.rest._http import Endpoints, HttpRequest, HttpUrl, decode_json, encode_json_request

__all__ = [
    "REFRESH_WINDOW",
    "AccessToken",
    "Fetch",
    "MalformedTokenResponse",
    "Token",
    "TokenFetchError",
    "TokenMachine",
    "TokenReady",
    "TokenState",
    "Wait",
    "build_token_request",
    "parse_token_response",
]

REFRESH_WINDOW = 60.0
"""Seconds before expiry in which the platform hands out a new token."""

_TRANSIENT_CODES = frozenset({100002})  # "internal err" from the token endpoint
_MAX_EXPIRES_IN = 366 * 86400.0
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


class Token(msgspec.Struct, frozen=True):
    """The bot's credentials (app id and client secret). The secret never appears in ``repr``."""

    app_id: str
    secret: str

    def __post_init__(self) -> None:
        for name, value, where in (
            ("app_id", self.app_id, "the AppID from the QQ bot console"),
            ("secret", self.secret, "the AppSecret from the QQ bot console"),
        ):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str ({where}), got {type(value).__name__}")
            if not value:
                raise ValueError(f"{name} must be a non-empty string ({where})")

    def __repr__(self) -> str:
        return f"Token(app_id={self.app_id!r}, secret=<hidden>)"

    __str__ = __repr__


class AccessToken(msgspec.Struct, frozen=True):
    """One access token. ``generation`` counts fetches, so a replaced token is recognisable even
    when the platform handed out the same value again. The value never appears in ``repr``."""

    value: str
    expires_at: float
    generation: int

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value (also the gateway Identify/Resume ``token``)."""
        return f"QQBot {self.value}"

    def remaining(self, now: float) -> float:
        """Seconds of life left at ``now`` (negative once expired)."""
        return self.expires_at - now

    def __repr__(self) -> str:
        return f"AccessToken(generation={self.generation}, expires_at={self.expires_at!r})"

    __str__ = __repr__


class TokenState(enum.Enum):
    """What the :class:`TokenMachine` holds at a given ``now``."""

    NO_TOKEN = "no_token"
    """No usable token (never fetched, expired or invalidated); a fetch is needed."""
    VALID = "valid"
    """A token with more than the refresh window left."""
    REFRESH_DUE = "refresh_due"
    """A token in its last 60 s: still usable, and the first caller should fetch the next one."""
    FETCHING = "fetching"
    """A fetch is in flight."""
    BACKOFF = "backoff"
    """No usable token, and the last fetch failed: wait until the retry time."""


class TokenReady(msgspec.Struct, frozen=True):
    """Use this token."""

    token: AccessToken


class Fetch(msgspec.Struct, frozen=True):
    """You are the (single) fetcher: send ``request``, then call ``handle_response`` or
    ``fetch_failed``. ``token`` is a still-valid old token, if any, usable meanwhile."""

    request: HttpRequest
    token: AccessToken | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """No token yet. ``until is None``: wait for the in-flight fetch to finish; otherwise sleep
    until ``until`` (backoff after a failure), then call ``acquire`` again."""

    until: float | None
    last_error: BaseException | None = field(default=None, compare=False)


def build_token_request(credentials: Token, url: HttpUrl) -> HttpRequest:
    """The ``POST`` to the token endpoint (its body carries the secret; its repr does not)."""
    return encode_json_request(
        url, "POST", "", {"appId": credentials.app_id, "clientSecret": credentials.secret}
    )


def _parse_expires_in(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,9})?", text):
            return None
        seconds = float(text)
    elif isinstance(value, (int, float)):
        seconds = float(value)
    else:
        return None
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    return min(seconds, _MAX_EXPIRES_IN)


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "<hidden>")
    return text[:300]


def parse_token_response(response: ApiResponse, *, secret: str | None = None) -> tuple[str, float]:
    """``(access_token, expires_in_seconds)`` from the token endpoint's answer.

    Raises :class:`TokenFetchError` for an error answer (non-200, or a 200 carrying
    ``{"code": n, "message": ...}``) and :class:`MalformedTokenResponse` for anything else that is
    not a token. Messages quote the platform's ``message`` (with ``secret`` scrubbed) but never the
    body, which may hold a token.
    """
    trace_id = response.trace_id
    common: dict[str, Any] = {
        "status": response.status,
        "trace_id": trace_id,
        "method": "POST",
        "route": "/app/getAppAccessToken",
    }
    try:
        body = decode_json(response.body, what="token response")
    except RemoteProtocolError:
        if response.status != 200:
            raise _fetch_error(response.status, None, "", common) from None
        raise MalformedTokenResponse(
            message="the token endpoint did not answer JSON", **common
        ) from None
    if isinstance(body, dict):
        code = body.get("code")
        if isinstance(code, bool) or not isinstance(code, (int, str)):
            code = None
        if isinstance(code, str):
            code = int(code) if re.fullmatch(r"-?[0-9]{1,18}", code) else None
        raw = body.get("message")
        message = _scrub(raw, secret) if isinstance(raw, str) else ""
        if response.status != 200 or code:
            raise _fetch_error(response.status, code, message, common)
        value = body.get("access_token")
        expires_in = _parse_expires_in(body.get("expires_in"))
        if isinstance(value, str) and _HEADER_SAFE.fullmatch(value) and expires_in is not None:
            return value, expires_in
        problem = (
            "access_token is missing or not a printable string"
            if not (isinstance(value, str) and _HEADER_SAFE.fullmatch(value))
            else "expires_in is missing or not a positive number (or numeric string)"
        )
        raise MalformedTokenResponse(message=f"bad token response: {problem}", **common)
    if response.status != 200:
        raise _fetch_error(response.status, None, "", common)
    raise MalformedTokenResponse(
        message=f"bad token response: expected a JSON object, got {type(body).__name__}",
        **common,
    )


def _fetch_error(
    status: int, code: int | None, message: str, common: dict[str, Any]
) -> TokenFetchError:
    hint = (
        "the token endpoint rejected the credentials; check the app id and the AppSecret in the "
        "QQ bot console (reset the secret if unsure)"
    )
    retryable = status >= 500 or status == 429 or (code in _TRANSIENT_CODES)
    if retryable:
        hint = "the token endpoint failed; it will be retried with backoff"
    error = TokenFetchError(code=code, message=message, hint=hint, **common)
    error.retryable = retryable
    return error


class TokenMachine:
    """Holds the current access token and decides, for each caller, what to do.

    ``acquire(now)`` is the one call an adapter needs before each API request; see the module
    docstring for the loop. ``on_api_auth_failure(token_used)`` handles a 401 / 11241-11244.
    """

    def __init__(
        self,
        credentials: Token,
        *,
        endpoints: Endpoints | None = None,
        refresh_window: float = REFRESH_WINDOW,
        min_refresh_interval: float = 5.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        max_failures: int = 3,
        rng: random.Random | None = None,
    ) -> None:
        if refresh_window < 0 or min_refresh_interval < 0 or backoff_base <= 0:
            raise ValueError(
                "refresh_window, min_refresh_interval must be >= 0 and backoff_base > 0"
            )
        if backoff_cap < backoff_base or max_failures < 1:
            raise ValueError("backoff_cap must be >= backoff_base and max_failures >= 1")
        self.credentials = credentials
        self.endpoints = endpoints if endpoints is not None else Endpoints()
        self.refresh_window = refresh_window
        self.min_refresh_interval = min_refresh_interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_failures = max_failures
        self._rng = rng
        self._token: AccessToken | None = None
        self._generation = 0
        self._fetching = False
        self._fetch_started = 0.0
        self._not_before = -math.inf
        self._failures = 0
        self._last_error: BaseException | None = None

    def __repr__(self) -> str:
        return (
            f"TokenMachine(app_id={self.credentials.app_id!r}, token={self._token!r}, "
            f"fetching={self._fetching}, failures={self._failures})"
        )

    # -- queries ------------------------------------------------------------------------------

    @property
    def failures(self) -> int:
        """Consecutive failed fetches (0 after a success)."""
        return self._failures

    @property
    def last_error(self) -> BaseException | None:
        """The error of the last failed fetch, cleared by a success."""
        return self._last_error

    def current(self, now: float) -> AccessToken | None:
        """The token to use at ``now``, or None if there is no unexpired one."""
        token = self._token
        if token is not None and token.remaining(now) > 0:
            return token
        return None

    def state(self, now: float) -> TokenState:
        """The :class:`TokenState` at ``now``."""
        if self._fetching:
            return TokenState.FETCHING
        token = self.current(now)
        if token is not None:
            if token.remaining(now) > self.refresh_window:
                return TokenState.VALID
            return TokenState.REFRESH_DUE
        if self._failures and now < self._not_before:
            return TokenState.BACKOFF
        return TokenState.NO_TOKEN

    def needs_fetch(self, now: float) -> bool:
        """Whether a fetch should start at ``now`` (none in flight, and the token is missing or in
        its last 60 s, and no backoff is running)."""
        state = self.state(now)
        if state in (TokenState.NO_TOKEN, TokenState.REFRESH_DUE):
            return now >= self._not_before
        return False

    @property
    def request(self) -> HttpRequest:
        """The token request (a fresh encoding each time)."""
        return build_token_request(self.credentials, self.endpoints.token)

    # -- transitions --------------------------------------------------------------------------

    def acquire(self, now: float) -> TokenReady | Fetch | Wait:
        """What the caller should do to get a token at ``now``.

        Raises the last :class:`TokenFetchError` (or transport error) when there is no usable
        token and fetching has failed for good (a permanent error, or ``max_failures`` in a row)
        and the backoff has not run out yet.
        """
        token = self.current(now)
        if self.needs_fetch(now):
            return self._start(token, now)
        if token is not None:
            return TokenReady(token)
        if self._fetching:
            return Wait(None, self._last_error)
        # BACKOFF with no usable token.
        error = self._last_error
        if error is not None and (self._failures >= self.max_failures or not _retryable(error)):
            raise error
        return Wait(self._not_before, error)

    def begin_fetch(self, now: float) -> Fetch | None:
        """Start a fetch if one is due: the request goes to the first caller only; anyone else
        gets None (a fetch is in flight, or none is needed, or backoff is running)."""
        if not self.needs_fetch(now):
            return None
        return self._start(self.current(now), now)

    def _start(self, token: AccessToken | None, now: float) -> Fetch:
        self._fetching = True
        self._fetch_started = now
        return Fetch(self.request, token)

    @accepts_now_first()
    def handle_response(self, response: ApiResponse, now: float) -> AccessToken:
        """Finish the fetch with the endpoint's response: the new token, or raise (the failure is
        recorded first, so waiters see it)."""
        self._require_fetching()
        try:
            value, expires_in = parse_token_response(response, secret=self.credentials.secret)
        except TokenFetchError as exc:
            self.fetch_failed(exc, now)
            raise
        self._fetching = False
        self._generation += 1
        token = AccessToken(
            value=value, expires_at=self._fetch_started + expires_in, generation=self._generation
        )
        self._token = token
        self._failures = 0
        self._last_error = None
        self._not_before = (
            now + self.min_refresh_interval
            if token.remaining(now) <= self.refresh_window
            else -math.inf
        )
        return token

    @accepts_now_first()
    def fetch_failed(self, error: BaseException, now: float) -> float:
        """Finish the fetch as failed (transport error, timeout, cancellation, bad answer).

        Returns the backoff delay before the next fetch may start.
        """
        self._require_fetching()
        self._fetching = False
        self._failures += 1
        self._last_error = error
        delay = min(self.backoff_cap, self.backoff_base * 2.0 ** (self._failures - 1))
        if self._rng is not None:
            delay = delay / 2 + self._rng.uniform(0, delay / 2)
        self._not_before = now + delay
        return delay

    def _require_fetching(self) -> None:
        if not self._fetching:
            raise LocalProtocolError("no token fetch is in flight (call acquire/begin_fetch first)")

    def invalidate(self, token_used: AccessToken | None) -> bool:
        """Drop the current token if it is ``token_used`` (same generation). Returns whether it
        was dropped; a token that was already replaced leaves the new one alone."""
        current = self._token
        if token_used is None or current is None or current.generation != token_used.generation:
            return False
        self._token = None
        self._not_before = -math.inf
        return True

    def on_api_auth_failure(self, token_used: AccessToken | None, *, retried: bool = False) -> bool:
        """An API call made with ``token_used`` was rejected as unauthorised (401 / 11241-11244).

        Invalidates that token (once: only if it is still the current one) and returns whether
        the call should be retried: True the first time for a call, False if it was already
        retried. The retry is safe even for sends, as the platform rejected the call before
        acting on it.
        """
        self.invalidate(token_used)
        return not retried


def _retryable(error: BaseException) -> bool:
    if isinstance(error, TokenFetchError):
        return error.retryable
    return True
