"""Tests of retry decisions: which outcomes retry, backoff shape, jitter from the injected rng."""

from __future__ import annotations

import random

import pytest
from _http_helpers import GET, SEND, http_response, json_response
from hypothesis import given
from hypothesis import strategies as st

from qqproto._errors import RemoteProtocolError
from qqproto.rest._api_errors import (
    ApiError,
    AuditPendingError,
    ServerError,
    UnauthorizedError,
    error_from_response,
)
from qqproto.rest._auth import AccessToken, Fetch, Token, TokenMachine, TokenReady
from qqproto.rest._call import ApiRequest, ApiResponse
from qqproto.rest._http import Endpoints, HttpConnection, encode_api_request
from qqproto.rest._retry import (
    CallAttempts,
    Done,
    GiveUp,
    Outcome,
    Retry,
    RetryPolicy,
    TransportFailure,
    TransportKind,
)


def err(status: int, body: object = None, request: ApiRequest = GET) -> ApiError:
    e = error_from_response(request, json_response(status, body))
    assert e is not None
    return e


LOST = TransportFailure(TransportKind.LOST)
UNSENT = TransportFailure(TransportKind.CONNECT, sent=False)
TIMEOUT = TransportFailure(TransportKind.TIMEOUT)


@pytest.mark.parametrize(
    ("outcome", "read_retries", "send_retries"),
    [
        (err(500), True, False),
        (err(502), True, False),
        (err(503), True, False),
        (err(504), True, False),
        (err(501), False, False),
        (err(429), True, False),
        (err(400, {"code": 22009, "message": "limit"}), True, False),
        (err(400, {"code": 304046}), False, False),
        (err(400), False, False),
        (err(401), False, False),
        (err(403), False, False),
        (err(404), False, False),
        (LOST, True, False),
        (TIMEOUT, True, False),
        (UNSENT, True, True),
        (RemoteProtocolError("garbled"), True, False),
        (ApiResponse(503), True, False),
        (ApiResponse(429), True, False),
        (ApiResponse(400), False, False),
        (ApiResponse(200), False, False),
    ],
)
def test_what_retries(outcome: Outcome, read_retries: bool, send_retries: bool) -> None:
    policy = RetryPolicy()
    assert isinstance(policy.decide(GET, 1, outcome), Retry) is read_retries
    assert isinstance(policy.decide(SEND, 1, outcome), Retry) is send_retries


def test_unsent_retry_can_be_disabled() -> None:
    assert isinstance(RetryPolicy(retry_unsent=False).decide(SEND, 1, UNSENT), GiveUp)
    assert isinstance(RetryPolicy(retry_unsent=False).decide(GET, 1, UNSENT), Retry)


def test_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert isinstance(policy.decide(GET, 1, LOST), Retry)
    assert isinstance(policy.decide(GET, 2, LOST), Retry)
    decision = policy.decide(GET, 3, LOST)
    assert isinstance(decision, GiveUp) and "3 attempts" in decision.reason
    assert isinstance(RetryPolicy(max_attempts=1).decide(GET, 1, LOST), GiveUp)


def test_backoff_exponential_with_jitter_and_cap() -> None:
    policy = RetryPolicy(max_attempts=20, base_delay=0.5, max_delay=4.0, rng=random.Random(3))
    for attempt, full in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 4.0), (10, 4.0)]:
        decision = policy.decide(GET, attempt, LOST)
        assert isinstance(decision, Retry)
        assert full / 2 <= decision.delay <= full
    same = [RetryPolicy(rng=random.Random(9)).decide(GET, 1, LOST) for _ in range(2)]
    assert same[0] == same[1]


def test_rate_limit_backoff_and_retry_after() -> None:
    policy = RetryPolicy(rate_limit_base=1.0, max_delay=10.0)
    decision = policy.decide(GET, 1, err(429))
    assert isinstance(decision, Retry) and 0.5 <= decision.delay <= 1.0
    limited = error_from_response(GET, ApiResponse(429, (("retry-after", "3"),)))
    assert limited is not None and policy.decide(GET, 1, limited) == Retry(3.0)
    huge = error_from_response(GET, ApiResponse(429, (("retry-after", "600"),)))
    assert huge is not None and policy.decide(GET, 1, huge) == Retry(10.0)
    raw = policy.decide(GET, 2, ApiResponse(429))
    assert isinstance(raw, Retry) and 1.0 <= raw.delay <= 2.0


def test_reasons_and_validation() -> None:
    policy = RetryPolicy()
    decisions = [
        policy.decide(SEND, 1, LOST),
        policy.decide(SEND, 1, RemoteProtocolError("x")),
        policy.decide(SEND, 1, err(500)),
        policy.decide(GET, 1, err(400, {"code": 304045})),
        policy.decide(GET, 1, ApiResponse(200)),
    ]
    reasons = {d.reason for d in decisions if isinstance(d, GiveUp)}
    assert len(reasons) == 5
    with pytest.raises(ValueError, match="starts at 1"):
        policy.decide(GET, 0, LOST)
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="must not be negative"):
        RetryPolicy(base_delay=-1)


@given(attempt=st.integers(1, 50), status=st.integers(100, 599), seed=st.integers(0, 2**32))
def test_delays_bounded_and_sends_never_retried(attempt: int, status: int, seed: int) -> None:
    policy = RetryPolicy(max_attempts=100, max_delay=7.0, rng=random.Random(seed))
    response = ApiResponse(status)
    assert isinstance(policy.decide(SEND, attempt, response), GiveUp)
    decision = policy.decide(GET, attempt, response)
    if isinstance(decision, Retry):
        assert 0 <= decision.delay <= 7.0


# -- CallAttempts: one call end to end ----------------------------------------------------------


def _tokens() -> tuple[TokenMachine, AccessToken]:
    tokens = TokenMachine(Token("1", "secret"))
    step = tokens.acquire(0.0)
    assert isinstance(step, Fetch)
    tok = tokens.handle_response(json_response(200, {"access_token": "A", "expires_in": 7200}), 0.0)
    return tokens, tok


def test_call_success_and_empty_body() -> None:
    attempts = CallAttempts(GET, RetryPolicy())
    assert attempts.on_response(None, json_response(200, {"id": "me"})) == Done({"id": "me"})
    assert attempts.on_response(None, ApiResponse(204)) == Done(None)


def test_call_auth_refresh_once() -> None:
    tokens, tok = _tokens()
    attempts = CallAttempts(SEND, RetryPolicy(), tokens)
    unauthorized = json_response(401, {"code": 11244, "message": "expired"})
    assert attempts.on_response(tok, unauthorized) == Retry(0.0)  # even for a send
    assert isinstance(tokens.acquire(1.0), Fetch)
    new = tokens.handle_response(json_response(200, {"access_token": "B", "expires_in": 9}), 1.0)
    step = attempts.on_response(new, unauthorized)
    assert isinstance(step, GiveUp) and isinstance(step.error, UnauthorizedError)
    no_tokens = CallAttempts(SEND, RetryPolicy())
    assert isinstance(no_tokens.on_response(tok, unauthorized), GiveUp)


def test_call_read_retries_then_gives_up_with_error() -> None:
    attempts = CallAttempts(GET, RetryPolicy(max_attempts=2))
    assert isinstance(attempts.on_response(None, json_response(503, {"message": "busy"})), Retry)
    step = attempts.on_response(None, json_response(503, {"message": "busy"}))
    assert isinstance(step, GiveUp) and isinstance(step.error, ServerError)
    garbled = CallAttempts(GET, RetryPolicy())
    assert isinstance(garbled.on_response(None, json_response(200, raw=b"{bad")), Retry)


def test_call_send_not_retried_and_transport() -> None:
    attempts = CallAttempts(SEND, RetryPolicy())
    step = attempts.on_response(None, json_response(500, {"message": "x"}))
    assert isinstance(step, GiveUp) and isinstance(step.error, ServerError)
    audit = attempts.on_response(None, json_response(202, {"code": 304023, "message": "audit"}))
    assert isinstance(audit, GiveUp) and isinstance(audit.error, AuditPendingError)
    boom = ConnectionResetError("reset")
    lost = CallAttempts(SEND, RetryPolicy()).on_failure(
        TransportFailure(TransportKind.LOST, True, boom)
    )
    assert isinstance(lost, GiveUp) and lost.error is boom
    unsent = CallAttempts(SEND, RetryPolicy()).on_failure(UNSENT)
    assert isinstance(unsent, Retry)


def test_whole_call_over_the_wire() -> None:
    """Token fetch, a 401 with a stale token, refresh, a 502, then success: all sans-IO."""
    tokens = TokenMachine(Token("42", "secret"))
    endpoints = Endpoints(api_base="http://127.0.0.1:8080/qq")
    conn = HttpConnection()
    wire = [
        http_response(200, b'{"access_token":"T1","expires_in":"7200"}'),
        http_response(401, b'{"code":11244,"message":"token expired"}'),
        http_response(200, b'{"access_token":"T2","expires_in":7200}'),
        http_response(502, b"<html>bad gateway</html>"),
        http_response(200, b'{"id":"bot"}', [("Content-Length", "12"), ("X-Tps-Trace-Id", "z")]),
    ]
    sent: list[bytes] = []

    def exchange(data: bytes) -> ApiResponse:
        sent.append(data)
        response = conn.receive_data(wire.pop(0))
        assert response is not None and conn.reusable
        return response

    attempts = CallAttempts(GET, RetryPolicy(rng=random.Random(1)), tokens)
    now = 0.0
    result = None
    while result is None:
        acquired = tokens.acquire(now)
        if isinstance(acquired, Fetch):
            tokens.handle_response(exchange(conn.send(acquired.request)), now)
            continue
        assert isinstance(acquired, TokenReady)
        request = encode_api_request(
            GET, base=endpoints.api, app_id="42", access_token=acquired.token.value
        )
        step = attempts.on_response(acquired.token, exchange(conn.send(request)))
        if isinstance(step, Done):
            result = step.value
        elif isinstance(step, GiveUp):
            raise AssertionError(step)
        else:
            now += step.delay
    assert result == {"id": "bot"} and not wire
    assert [d.split(b"\r\n")[0] for d in sent] == [
        b"POST /app/getAppAccessToken HTTP/1.1",
        b"GET /qq/users/@me HTTP/1.1",
        b"POST /app/getAppAccessToken HTTP/1.1",
        b"GET /qq/users/@me HTTP/1.1",
        b"GET /qq/users/@me HTTP/1.1",
    ]
    assert b"Authorization: QQBot T1" in sent[1] and b"Authorization: QQBot T2" in sent[4]
