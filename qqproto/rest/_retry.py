"""When to retry a REST call, as a pure decision: ``RetryPolicy.decide(...) -> Retry | GiveUp``.

Rules:

* Idempotent requests (``ApiRequest.idempotent``: reads, and writes the route declares safe)
  are retried on 5xx, 429/rate-limit codes, a lost connection, a timeout or a garbled response,
  with exponential backoff and jitter from an injected ``random.Random``, up to
  ``max_attempts`` attempts in total; the delay never exceeds ``max_delay``.
* Non-idempotent requests (sends) are never retried blindly: the platform may have acted. The
  only exception here is a connection that failed before the request was written
  (``TransportFailure(sent=False)``), which the server never saw.
* The single token-refresh retry after a 401 is decided by
  :meth:`qqproto.rest.TokenMachine.on_api_auth_failure`, not here.
* Quota errors (304045-304050) and other 4xx answers are never retried.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field

import msgspec

from qqproto._errors import RemoteProtocolError
from qqproto.rest._api_errors import (
    ApiError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    decode_response,
)
from qqproto.rest._auth import AccessToken, TokenMachine
from qqproto.rest._call import JSON, ApiRequest, ApiResponse

__all__ = [
    "CallAttempts",
    "Done",
    "GiveUp",
    "Outcome",
    "Retry",
    "RetryPolicy",
    "Step",
    "TransportFailure",
    "TransportKind",
]

_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class TransportKind(enum.Enum):
    """How the transport failed (the adapter maps its own exceptions onto these)."""

    CONNECT = "connect"
    """Could not connect (DNS, refused, TLS handshake). Nothing was sent."""
    LOST = "lost"
    """The connection broke while sending or waiting for the answer."""
    TIMEOUT = "timeout"
    """No complete answer in time."""


@dataclass(frozen=True, slots=True)
class TransportFailure:
    """A call failed below HTTP. ``sent`` says whether any request bytes may have left."""

    kind: TransportKind
    sent: bool = True
    error: BaseException | None = field(default=None, compare=False)


class Retry(msgspec.Struct, frozen=True):
    """Try again after ``delay`` seconds."""

    delay: float


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop; ``reason`` explains why (for logs). ``error`` is what to raise, when known."""

    reason: str
    error: BaseException | None = field(default=None, compare=False)


class Done(msgspec.Struct, frozen=True):
    """The call succeeded; ``value`` is the decoded JSON answer (``None`` for an empty body)."""

    value: JSON


Outcome = ApiResponse | ApiError | TransportFailure | RemoteProtocolError
"""What one attempt ended with: a raw response, a classified error, or a failure below HTTP."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry limits and backoff shape. ``rng`` supplies the jitter (no global randomness).

    ``attempt`` passed to :meth:`decide` is the number of attempts made so far (1 after the
    first failure). The delay before attempt ``n + 1`` is drawn from
    ``[d/2, d]`` with ``d = min(max_delay, base * 2**(n-1))``; rate limits use
    ``rate_limit_base`` as the base, or the server's ``Retry-After`` if it sent one.
    """

    max_attempts: int = 3
    base_delay: float = 0.5
    rate_limit_base: float = 1.0
    max_delay: float = 30.0
    retry_unsent: bool = True
    rng: random.Random = field(default_factory=lambda: random.Random(0), compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.rate_limit_base < 0 or self.max_delay < 0:
            raise ValueError("retry delays must not be negative")

    def decide(self, request: ApiRequest, attempt: int, outcome: Outcome) -> Retry | GiveUp:
        """Whether to retry ``request`` after its ``attempt``-th try ended with ``outcome``."""
        if attempt < 1:
            raise ValueError("attempt counts tries made so far and starts at 1")
        reason = self._retryable(request, outcome)
        if reason is not None:
            return GiveUp(reason)
        if attempt >= self.max_attempts:
            return GiveUp(f"gave up after {attempt} attempts")
        base = self.base_delay
        if _is_rate_limit(outcome):
            base = self.rate_limit_base
            if isinstance(outcome, RateLimitedError) and outcome.retry_after is not None:
                return Retry(min(self.max_delay, outcome.retry_after))
        delay = min(self.max_delay, base * 2.0 ** (attempt - 1))
        return Retry(delay / 2 + self.rng.uniform(0, delay / 2))

    def _retryable(self, request: ApiRequest, outcome: Outcome) -> str | None:
        """None if ``outcome`` may be retried for ``request``, else the reason not to."""
        if isinstance(outcome, TransportFailure):
            if not outcome.sent and self.retry_unsent:
                return None
            if request.idempotent:
                return None
            return "the request may have reached the server and is not idempotent"
        if isinstance(outcome, RemoteProtocolError):
            if request.idempotent:
                return None
            return "the response was garbled and the request is not idempotent"
        if isinstance(outcome, QuotaExceededError):
            return "quota exhausted; retrying will not help"
        if isinstance(outcome, ApiResponse):
            if 200 <= outcome.status < 300:
                return "the call succeeded"
            transient = outcome.status in _RETRYABLE_STATUSES
        else:
            transient = isinstance(outcome, (RateLimitedError, ServerError)) and (
                outcome.status in _RETRYABLE_STATUSES or isinstance(outcome, RateLimitedError)
            )
        if not transient:
            return "the error is not transient"
        if not request.idempotent:
            return "the request is not idempotent; not retrying a send blindly"
        return None


def _is_rate_limit(outcome: Outcome) -> bool:
    if isinstance(outcome, RateLimitedError):
        return True
    return isinstance(outcome, ApiResponse) and outcome.status == 429


Step = Done | Retry | GiveUp
"""What :class:`CallAttempts` tells the adapter to do next."""


class CallAttempts:
    """The retry bookkeeping of one API call, so adapters only do IO.

    ::

        attempts = CallAttempts(call.request, policy, tokens)
        while True:
            token = <a TokenReady token from tokens.acquire(now)>
            data = encode_api_request(call.request, base=..., app_id=..., access_token=token.value)
            try:
                response = <send data, read the response>
            except <transport error> as exc:
                step = attempts.on_failure(TransportFailure(kind, sent, exc))
            else:
                step = attempts.on_response(token, response)
            if isinstance(step, Done): return call.parse(step.value)
            if isinstance(step, GiveUp): raise step.error
            <sleep step.delay>

    A 401 / 11241-11244 invalidates the token once and retries once at once (``Retry(0.0)``);
    everything else goes through :meth:`RetryPolicy.decide`.
    """

    def __init__(
        self, request: ApiRequest, policy: RetryPolicy, tokens: TokenMachine | None = None
    ) -> None:
        self.request = request
        self.policy = policy
        self.tokens = tokens
        self.attempts = 0
        self.auth_retried = False

    def on_response(self, token_used: AccessToken | None, response: ApiResponse) -> Step:
        """Decide after a complete HTTP response."""
        self.attempts += 1
        try:
            return Done(decode_response(self.request, response))
        except UnauthorizedError as exc:
            if self.tokens is not None and self.tokens.on_api_auth_failure(
                token_used, retried=self.auth_retried
            ):
                self.auth_retried = True
                return Retry(0.0)
            return GiveUp("the access token was rejected", exc)
        except (ApiError, RemoteProtocolError) as exc:
            return self._decide(exc, exc)

    def on_failure(self, failure: TransportFailure) -> Retry | GiveUp:
        """Decide after the transport failed (``failure.error`` is re-raised on give-up)."""
        self.attempts += 1
        return self._decide(failure, failure.error)

    def _decide(self, outcome: Outcome, error: BaseException | None) -> Retry | GiveUp:
        decision = self.policy.decide(self.request, self.attempts, outcome)
        if isinstance(decision, GiveUp):
            return GiveUp(decision.reason, error)
        return decision
