"""Table-driven tests of API errors: classification, messages, audit, decode_response."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _http_helpers import GET, SEND, fixture, json_response
from hypothesis import given
from hypothesis import strategies as st

from qqproto._errors import QQError, RemoteProtocolError
from qqproto.rest._api_errors import (
    ApiError,
    AuditPendingError,
    AuthError,
    ForbiddenError,
    IpNotWhitelistedError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    decode_response,
    error_from_response,
)
from qqproto.rest._call import ApiResponse

AUDIT_BODY = fixture("POST_channels_channel_id_messages.error_304023.response.json")

CASES: list[tuple[int, Any, type[ApiError]]] = [
    (401, {"code": 11244, "message": "token not exist"}, UnauthorizedError),
    (401, None, UnauthorizedError),
    (200, {"code": 11241, "message": "x"}, UnauthorizedError),
    (500, {"code": 11243, "message": "x"}, UnauthorizedError),
    (401, {"code": 11251, "message": "appid"}, AuthError),
    (403, {"code": 11253, "message": "no permission"}, ForbiddenError),
    (403, {"code": 11265, "message": "banned"}, ForbiddenError),
    (403, {"message": "forbidden"}, ForbiddenError),
    (401, {"code": 11298, "message": "接口访问源IP不在白名单"}, IpNotWhitelistedError),
    (403, {"err_code": 40023002, "message": "ip"}, IpNotWhitelistedError),
    (404, {"code": 404, "message": "not found"}, NotFoundError),
    (429, {"message": "slow"}, RateLimitedError),
    (400, {"code": 22009, "message": "msg limit exceed"}, RateLimitedError),
    (400, {"code": 20028, "message": "x"}, RateLimitedError),
    (400, {"code": 304045, "message": "quota"}, QuotaExceededError),
    (400, {"code": 304050, "message": "quota"}, QuotaExceededError),
    (500, {"code": 500, "message": "oops"}, ServerError),
    (502, None, ServerError),
    (504, {"message": "timeout"}, ServerError),
    (400, {"code": 304023, "message": "audit"}, AuditPendingError),
    (200, AUDIT_BODY, AuditPendingError),
    (201, AUDIT_BODY, AuditPendingError),
    (202, AUDIT_BODY, AuditPendingError),
    (202, {"code": 304024, "message": "reply audit"}, AuditPendingError),
    (201, {"code": 12345, "message": "async failure", "id": "x"}, ApiError),
    (200, {"code": 50006, "message": "err"}, ApiError),
    (400, {"code": "304026", "message": "bad msg_id"}, ApiError),
    (400, {"code": True, "message": "bool code"}, ApiError),
    (405, None, ApiError),
    (413, None, ApiError),
    (400, {"code": 40054005, "message": "dedup"}, ApiError),
]


@pytest.mark.parametrize(("status", "body", "cls"), CASES)
def test_classification(status: int, body: Any, cls: type[ApiError]) -> None:
    err = error_from_response(SEND, json_response(status, body))
    assert err is not None and type(err) is cls
    assert err.status == status and err.trace_id == "trace-1"
    assert err.method == "POST" and err.route == "/channels/{channel_id}/messages"
    text = str(err)
    assert f"HTTP {status}" in text and "trace id trace-1" in text
    assert "/channels/{channel_id}/messages" in text
    if err.code is not None:
        assert f"code {err.code}" in text
    if err.message:
        assert err.message in text
    with pytest.raises(cls):
        decode_response(SEND, json_response(status, body))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"id": "1", "timestamp": 1}),
        (200, {"id": "1", "code": 5}),  # a model that happens to have "code": not error-shaped
        (200, {"code": 0, "message": "ok"}),
        (200, [1, 2]),
        (200, None),
        (204, None),
        (202, {"id": "1"}),
        (201, {"code": 0}),
    ],
)
def test_success(status: int, body: Any) -> None:
    response = json_response(status, body)
    assert error_from_response(SEND, response) is None
    assert decode_response(SEND, response) == body


def test_audit_id_and_data() -> None:
    err = error_from_response(SEND, json_response(202, AUDIT_BODY))
    assert isinstance(err, AuditPendingError)
    assert err.audit_id == "ab9bd72f-19e8-4394-b09e-66caca0d64e4"
    assert err.code == 304023 and err.data == AUDIT_BODY
    assert "MESSAGE_AUDIT_PASS" in str(err)
    weird = {"code": 304023, "data": {"message_audit": {"audit_id": 7}}}
    err2 = error_from_response(SEND, json_response(200, weird))
    assert isinstance(err2, AuditPendingError) and err2.audit_id == "7"
    for data in ({"message_audit": "x"}, "x", {"message_audit": {"audit_id": True}}):
        err3 = error_from_response(SEND, json_response(400, {"code": 304024, "data": data}))
        assert isinstance(err3, AuditPendingError) and err3.audit_id is None
    # audit id without the code still means "not sent yet"
    err4 = error_from_response(
        SEND, json_response(200, {"data": {"message_audit": {"audit_id": "a"}}})
    )
    assert isinstance(err4, AuditPendingError) and err4.audit_id == "a"


def test_ip_whitelist_hint_is_actionable() -> None:
    err = error_from_response(GET, json_response(401, {"code": 11298, "message": "ip"}))
    assert err is not None and err.hint is not None
    assert "egress" in err.hint and "whitelist" in err.hint
    assert "Hint:" in str(err)
    assert not isinstance(err, UnauthorizedError)  # refreshing the token would not help


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2", 2.0),
        ("0.5", 0.5),
        ("soon", None),
        ("-1", None),
        ("nan", None),
        ("1e9", None),
        (None, None),
    ],
)
def test_retry_after(header: str | None, expected: float | None) -> None:
    headers: tuple[tuple[str, str], ...] = () if header is None else (("retry-after", header),)
    err = error_from_response(GET, ApiResponse(429, headers, b""))
    assert isinstance(err, RateLimitedError) and err.retry_after == expected


def test_trace_id_sources() -> None:
    body = {"code": 1, "message": "m", "trace_id": "body-trace"}
    err = error_from_response(GET, json_response(400, body, trace_id=None))
    assert err is not None and err.trace_id == "body-trace"
    err = error_from_response(GET, json_response(400, body, trace_id="hdr"))
    assert err is not None and err.trace_id == "hdr"
    err = error_from_response(GET, json_response(400, {"code": 1}, trace_id=None))
    assert err is not None and err.trace_id is None and "trace id none" in str(err)


def test_non_json_error_body() -> None:
    html = b"<html>\n<body>502 Bad   Gateway</body></html>"
    err = error_from_response(GET, json_response(502, raw=html))
    assert isinstance(err, ServerError) and err.code is None
    assert err.message == "<html> <body>502 Bad Gateway</body></html>"
    assert err.data is None


def test_codes_and_messages_variants() -> None:
    err = error_from_response(GET, json_response(400, {"err_code": 123, "msg": "alt"}))
    assert err is not None and err.code == 123 and err.err_code == 123 and err.message == "alt"
    err = error_from_response(GET, json_response(400, {"code": 1, "err_code": 2, "message": "m"}))
    assert err is not None and "err_code 2" in str(err)
    err = error_from_response(GET, json_response(400, {"code": "1x", "message": ["x"]}))
    assert err is not None and err.code is None and err.message == ""
    assert str(err) == "GET /users/@me failed: HTTP 400 (trace id trace-1)"
    long = error_from_response(GET, json_response(400, {"message": "x" * 2000}))
    assert long is not None and len(long.message) == 500
    bare = ApiError(status=418)
    assert str(bare) == "request failed: HTTP 418 (trace id none)"
    assert "ApiError(status=418" in repr(bare)


def test_decode_response_bad_json_on_success() -> None:
    with pytest.raises(RemoteProtocolError, match="GET /users/@me: HTTP 200 with a bad body"):
        decode_response(GET, json_response(200, raw=b"{nope"))


def test_messages_never_contain_token() -> None:
    # the request's credentials are not part of ApiRequest at all; the message is built from the
    # route template and the platform's answer only
    err = error_from_response(SEND, json_response(401, {"code": 11244, "message": "expired"}))
    assert err is not None and "QQBot" not in str(err)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["code", "err_code", "message", "data", "trace_id", "id"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


@given(status=st.integers(100, 599), body=json_values | st.binary(max_size=40))
def test_any_answer_gives_result_or_typed_error(status: int, body: Any) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = json_response(status, raw=raw)
    err = error_from_response(SEND, response)
    assert err is None or isinstance(err, ApiError)
    if 200 <= status < 300 and err is not None:
        assert isinstance(body, dict)
    try:
        decode_response(SEND, response)
    except (ApiError, RemoteProtocolError) as exc:
        assert isinstance(exc, QQError)
