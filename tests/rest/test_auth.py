"""Tests of the token machine: 60-s rule, single flight, 401 refresh, parsing."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from _http_helpers import fixture, http_response, json_response
from hypothesis import given
from hypothesis import strategies as st

from qqproto._errors import LocalProtocolError, QQError, RemoteProtocolError
from qqproto.rest._api_errors import AuthError
from qqproto.rest._auth import (
    AccessToken,
    Fetch,
    MalformedTokenResponse,
    Token,
    TokenFetchError,
    TokenMachine,
    TokenReady,
    TokenState,
    Wait,
    parse_token_response,
)
from qqproto.rest._call import ApiResponse
from qqproto.rest._http import Endpoints, HttpConnection

SECRET = "S3cr3t-Value-xyz"
CREDS = Token("102000", SECRET)


def ok(token: str = "TOKEN-A", expires_in: Any = "7200") -> ApiResponse:
    return json_response(200, {"access_token": token, "expires_in": expires_in})


def machine(**kwargs: Any) -> TokenMachine:
    return TokenMachine(CREDS, **kwargs)


def fetched(m: TokenMachine, now: float, response: ApiResponse | None = None) -> AccessToken:
    step = m.acquire(now)
    assert isinstance(step, Fetch)
    return m.handle_response(response or ok(), now)


# -- credentials hygiene ----------------------------------------------------------------------


def test_credentials_never_show_secret() -> None:
    assert SECRET not in repr(CREDS) and SECRET not in str(CREDS)
    assert "102000" in repr(CREDS)
    assert SECRET not in f"{CREDS!r} {CREDS}"
    m = machine()
    tok = fetched(m, 0.0, ok("ACCESS-VALUE"))
    for text in (repr(tok), str(tok), repr(m)):
        assert "ACCESS-VALUE" not in text and SECRET not in text
    assert tok.authorization == "QQBot ACCESS-VALUE"
    req = m.request
    assert SECRET in req.body.decode()  # it is sent...
    assert SECRET not in repr(req)  # ...but never shown


@pytest.mark.parametrize(
    ("app_id", "secret", "error", "needle"),
    [
        ("", "s", ValueError, "app_id must be a non-empty string"),
        ("a", "", ValueError, "secret must be a non-empty string"),
        (1, "s", TypeError, "app_id must be a str .*got int"),
        ("a", None, TypeError, "secret must be a str .*got NoneType"),
    ],
)
def test_credentials_validated(
    app_id: Any, secret: Any, error: type[Exception], needle: str
) -> None:
    with pytest.raises(error, match=needle):
        Token(app_id, secret)


def test_error_messages_never_include_secret_or_token() -> None:
    m = machine()
    m.acquire(0.0)
    echo = json_response(200, {"code": 100016, "message": f"invalid secret {SECRET}"})
    with pytest.raises(TokenFetchError) as info:
        m.handle_response(echo, 0.0)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert "<hidden>" in str(info.value)
    # a malformed success must not echo the token it carried
    with pytest.raises(MalformedTokenResponse) as info2:
        parse_token_response(json_response(200, {"access_token": "LEAKY", "expires_in": "x"}))
    assert "LEAKY" not in str(info2.value)


# -- request ----------------------------------------------------------------------------------


def test_token_request_shape() -> None:
    req = machine().request
    assert req.method == "POST" and req.target == "/app/getAppAccessToken"
    assert req.url.host == "bots.qq.com" and req.url.tls
    assert req.header("content-type") == "application/json"
    assert req.header("authorization") is None
    assert json.loads(req.body) == {"appId": "102000", "clientSecret": SECRET}
    assert set(json.loads(req.body)) == set(fixture("POST_app_getAppAccessToken.request.json"))
    custom = TokenMachine(CREDS, endpoints=Endpoints(token_url="http://127.0.0.1:9/tok")).request
    assert custom.target == "/tok" and custom.header("host") == "127.0.0.1:9"


def test_token_request_over_the_wire() -> None:
    m = machine()
    step = m.acquire(0.0)
    assert isinstance(step, Fetch)
    conn = HttpConnection()
    conn.send(step.request)
    resp = conn.receive_data(
        http_response(200, json.dumps(fixture("POST_app_getAppAccessToken.response.json")).encode())
    )
    assert resp is not None
    tok = m.handle_response(resp, 0.0)
    assert tok.value == "ACCESS_TOKEN" and tok.expires_at == 7200.0


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "seconds"),
    [
        ("7200", 7200.0),
        (7200, 7200.0),
        (7200.5, 7200.5),
        (" 60 ", 60.0),
        ("1.5", 1.5),
        (10**12, 366 * 86400.0),
    ],
)
def test_expires_in_string_or_number(expires_in: Any, seconds: float) -> None:
    assert parse_token_response(ok("T", expires_in)) == ("T", seconds)


@pytest.mark.parametrize(
    "body",
    [
        {"access_token": "T"},
        {"access_token": "T", "expires_in": None},
        {"access_token": "T", "expires_in": True},
        {"access_token": "T", "expires_in": "abc"},
        {"access_token": "T", "expires_in": "-5"},
        {"access_token": "T", "expires_in": 0},
        {"access_token": "T", "expires_in": -1},
        {"access_token": "T", "expires_in": float("inf")},
        {"access_token": "T", "expires_in": [7200]},
        {"expires_in": "7200"},
        {"access_token": "", "expires_in": "7200"},
        {"access_token": 5, "expires_in": "7200"},
        {"access_token": "a b", "expires_in": "7200"},
        {"access_token": "a\r\nX: y", "expires_in": "7200"},
        [1, 2],
        "token",
        None,
        {"code": 0, "access_token": "T"},
    ],
)
def test_malformed_token_answers(body: Any) -> None:
    raw = json.dumps(body, allow_nan=True).encode() if body is not None else b"null"
    with pytest.raises(MalformedTokenResponse) as info:
        parse_token_response(json_response(200, raw=raw))
    err = info.value
    assert isinstance(err, AuthError) and isinstance(err, RemoteProtocolError)
    assert err.retryable


def test_bad_json_is_typed() -> None:
    with pytest.raises(MalformedTokenResponse, match="did not answer JSON"):
        parse_token_response(json_response(200, raw=b"<html>"))
    with pytest.raises(TokenFetchError) as info:
        parse_token_response(json_response(502, raw=b"<html>bad gateway</html>"))
    assert not isinstance(info.value, MalformedTokenResponse)
    assert info.value.retryable and info.value.status == 502


@pytest.mark.parametrize(
    ("status", "body", "code", "retryable"),
    [
        (200, {"code": 100016, "message": "invalid appid or secret"}, 100016, False),
        (200, {"code": "100016", "message": "x"}, 100016, False),
        (200, {"code": 100002, "message": "internal err"}, 100002, True),
        (401, {"code": 11241, "message": "no"}, 11241, False),
        (400, {"message": "bad"}, None, False),
        (400, ["x"], None, False),
        (500, {"message": 5}, None, True),
        (429, {"code": "x"}, None, True),
        (403, {"code": True}, None, False),
    ],
)
def test_error_bodies(status: int, body: Any, code: int | None, retryable: bool) -> None:
    with pytest.raises(TokenFetchError) as info:
        parse_token_response(json_response(status, body))
    err = info.value
    assert err.code == code and err.status == status and err.retryable is retryable
    assert err.trace_id == "trace-1"
    assert not isinstance(err, MalformedTokenResponse)
    assert "trace id trace-1" in str(err)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=12),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["access_token", "expires_in", "code", "message", "x"]),
                inner,
                max_size=4,
            )
        ),
        max_leaves=8,
    ),
    st.sampled_from([200, 200, 400, 500]),
)
def test_any_json_parses_or_typed_error(body: Any, status: int) -> None:
    try:
        value, seconds = parse_token_response(json_response(status, raw=json.dumps(body).encode()))
    except TokenFetchError as exc:
        assert isinstance(exc, QQError)
        return
    assert isinstance(value, str) and value and seconds > 0


# -- the machine: 60-s rule -------------------------------------------------------------------


def test_sixty_second_rule() -> None:
    m = machine()
    assert m.state(0.0) is TokenState.NO_TOKEN and m.needs_fetch(0.0)
    assert m.current(0.0) is None
    tok = fetched(m, 100.0)
    assert tok.expires_at == 7300.0 and tok.generation == 1
    for now in (100.0, 5000.0, 7239.9):
        assert m.state(now) is TokenState.VALID and not m.needs_fetch(now)
        assert m.acquire(now) == TokenReady(tok)
    assert m.state(7240.0) is TokenState.REFRESH_DUE and m.needs_fetch(7240.0)
    step = m.acquire(7250.0)
    assert isinstance(step, Fetch) and step.token == tok
    assert m.state(7250.0) is TokenState.FETCHING
    assert m.acquire(7251.0) == TokenReady(tok)  # old token is still valid while refreshing
    new = m.handle_response(ok("TOKEN-B"), 7252.0)
    assert new.generation == 2 and new.expires_at == 7250.0 + 7200
    assert m.acquire(7260.0) == TokenReady(new)


def test_expired_must_fetch_and_waiters_wait() -> None:
    m = machine()
    fetched(m, 0.0)
    assert m.state(7200.0) is TokenState.NO_TOKEN and m.current(7200.0) is None
    first = m.acquire(7300.0)
    assert isinstance(first, Fetch) and first.token is None
    assert m.acquire(7300.5) == Wait(None)
    assert m.begin_fetch(7300.5) is None
    assert not m.needs_fetch(7300.5)
    m.handle_response(ok("NEW"), 7301.0)
    step = m.acquire(7302.0)
    assert isinstance(step, TokenReady) and step.token.value == "NEW"


def test_single_flight_with_begin_fetch() -> None:
    m = machine()
    first = m.begin_fetch(0.0)
    assert first is not None
    assert m.begin_fetch(0.0) is None
    assert m.begin_fetch(1.0) is None
    m.handle_response(ok(), 1.0)
    assert m.begin_fetch(2.0) is None  # valid: nothing to do


def test_short_lived_answer_does_not_hammer() -> None:
    m = machine(min_refresh_interval=5.0)
    fetched(m, 0.0, ok("A", 30))  # already inside the refresh window
    assert m.state(1.0) is TokenState.REFRESH_DUE
    assert not m.needs_fetch(1.0)
    assert isinstance(m.acquire(1.0), TokenReady)
    assert isinstance(m.acquire(5.0), Fetch)


# -- failures and backoff ---------------------------------------------------------------------


def test_transport_failure_backoff_then_retry() -> None:
    m = machine(backoff_base=1.0, backoff_cap=4.0, max_failures=3)
    m.acquire(0.0)
    assert m.fetch_failed(OSError("down"), 0.0) == 1.0
    assert m.state(0.5) is TokenState.BACKOFF and m.failures == 1
    wait = m.acquire(0.5)
    assert isinstance(wait, Wait) and wait.until == 1.0 and isinstance(wait.last_error, OSError)
    assert isinstance(m.acquire(1.0), Fetch)
    assert m.fetch_failed(OSError("down"), 1.0) == 2.0
    assert isinstance(m.acquire(3.0), Fetch)
    assert m.fetch_failed(TimeoutError(), 3.0) == 4.0
    with pytest.raises(TimeoutError):  # max_failures reached: fail fast during backoff
        m.acquire(4.0)
    assert isinstance(m.acquire(7.0), Fetch)  # after backoff, try again
    assert m.fetch_failed(OSError(), 7.0) == 4.0  # capped
    assert isinstance(m.acquire(11.0), Fetch)
    tok = m.handle_response(ok(), 11.0)
    assert m.failures == 0 and m.last_error is None and tok.generation == 1


def test_jitter_comes_from_injected_rng() -> None:
    delays = []
    for _ in range(2):
        m = machine(rng=random.Random(42), backoff_base=2.0)
        m.acquire(0.0)
        delays.append(m.fetch_failed(OSError(), 0.0))
    assert delays[0] == delays[1] and 1.0 <= delays[0] <= 2.0


def test_permanent_error_fails_fast_for_waiters() -> None:
    m = machine()
    m.acquire(0.0)
    assert m.acquire(0.1) == Wait(None)
    with pytest.raises(TokenFetchError):
        m.handle_response(json_response(200, {"code": 100016, "message": "bad secret"}), 0.2)
    with pytest.raises(TokenFetchError, match="bad secret"):
        m.acquire(0.3)  # the waiter wakes up and gets the error
    assert m.state(0.3) is TokenState.BACKOFF
    assert isinstance(m.acquire(5.0), Fetch)


def test_refresh_failure_keeps_old_token() -> None:
    m = machine()
    tok = fetched(m, 0.0)
    assert isinstance(m.acquire(7150.0), Fetch)
    m.fetch_failed(OSError(), 7150.0)
    assert m.state(7150.5) is TokenState.REFRESH_DUE and not m.needs_fetch(7150.5)
    assert m.acquire(7150.5) == TokenReady(tok)
    assert isinstance(m.acquire(7151.0), Fetch)


def test_misuse() -> None:
    m = machine()
    with pytest.raises(LocalProtocolError):
        m.handle_response(ok(), 0.0)
    with pytest.raises(LocalProtocolError):
        m.fetch_failed(OSError(), 0.0)
    for kwargs in (
        {"refresh_window": -1},
        {"backoff_base": 0},
        {"min_refresh_interval": -1},
        {"backoff_cap": 0.5},
        {"max_failures": 0},
    ):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            machine(**kwargs)


# -- invalidate once --------------------------------------------------------------------------


def test_401_invalidates_once_and_retries_once() -> None:
    m = machine()
    tok = fetched(m, 0.0)
    assert m.on_api_auth_failure(tok) is True  # first 401 for this call: retry
    assert m.state(1.0) is TokenState.NO_TOKEN
    assert isinstance(m.acquire(1.0), Fetch)
    new = m.handle_response(ok("TOKEN-A"), 1.0)  # 60-s rule: may be the same value
    assert new.generation == 2
    # A concurrent call that used the old token fails too: the new one is not dropped.
    assert m.on_api_auth_failure(tok) is True
    assert m.acquire(2.0) == TokenReady(new)
    # The retried call fails again with the new token: give up, and drop it.
    assert m.on_api_auth_failure(new, retried=True) is False
    assert m.state(2.0) is TokenState.NO_TOKEN


def test_invalidate_edge_cases() -> None:
    m = machine()
    assert m.invalidate(None) is False
    stale = AccessToken("x", 10.0, 99)
    assert m.invalidate(stale) is False  # nothing held
    tok = fetched(m, 0.0)
    assert m.invalidate(None) is False
    assert m.invalidate(tok) is True
    assert m.invalidate(tok) is False  # only once


def test_401_during_refresh_fetch() -> None:
    m = machine()
    tok = fetched(m, 0.0)
    assert isinstance(m.acquire(7150.0), Fetch)
    assert m.on_api_auth_failure(tok)
    assert m.acquire(7150.1) == Wait(None)  # the in-flight fetch will bring the new one
    m.handle_response(ok("B"), 7151.0)
    step = m.acquire(7151.0)
    assert isinstance(step, TokenReady) and step.token.value == "B"


# -- now last (the old order is deprecated) ---------------------------------------------------


def test_now_is_last_and_the_old_order_still_works_with_a_warning() -> None:
    import warnings

    new, old = machine(), machine()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new.acquire(0.0)
        assert new.fetch_failed(OSError("down"), 0.0) == 1.0
        new.acquire(1.0)
        token = new.handle_response(ok("A"), 1.5)
    old.acquire(0.0)
    with pytest.warns(DeprecationWarning, match=r"fetch_failed\(now, \.\.\.\) is deprecated"):
        assert old.fetch_failed(0.0, OSError("down")) == 1.0  # type: ignore[arg-type]
    old.acquire(1.0)
    with pytest.warns(
        DeprecationWarning,
        match=r"TokenMachine.handle_response\(now, \.\.\.\) is deprecated: pass now last, as "
        r"TokenMachine.handle_response\(response, now\)",
    ):
        assert old.handle_response(1.5, ok("A")) == token  # type: ignore[arg-type]
    assert old.current(2.0) == new.current(2.0) == token
    with pytest.raises(TypeError):
        new.handle_response(ok())  # type: ignore[call-arg]
