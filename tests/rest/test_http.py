"""Tests for qqproto.rest._http: URLs, request encoding, multipart, and the h11 connection codec."""

from __future__ import annotations

import json
import random
from email.parser import BytesParser
from email.policy import HTTP

import h11
import pytest
from _http_helpers import http_response
from hypothesis import given, settings
from hypothesis import strategies as st

from qqproto._errors import LocalProtocolError, RemoteProtocolError
from qqproto._version import __version__
from qqproto.rest._call import ApiRequest, ApiResponse, FormField
from qqproto.rest._http import (
    PRODUCTION_API_BASE,
    SANDBOX_API_BASE,
    TOKEN_URL,
    USER_AGENT,
    ConnectionState,
    Endpoints,
    HttpConnection,
    HttpRequest,
    HttpUrl,
    decode_json,
    encode_api_request,
    encode_json,
    encode_json_request,
    encode_multipart,
    make_boundary,
)

API = HttpUrl.parse("https://api.sgroup.qq.com")


# -- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port", "path", "host_header"),
    [
        ("https://api.sgroup.qq.com", "https", "api.sgroup.qq.com", 443, "", "api.sgroup.qq.com"),
        ("HTTPS://api.sgroup.qq.com/", "https", "api.sgroup.qq.com", 443, "", "api.sgroup.qq.com"),
        ("http://127.0.0.1:8080/qq/", "http", "127.0.0.1", 8080, "/qq", "127.0.0.1:8080"),
        ("http://localhost", "http", "localhost", 80, "", "localhost"),
        ("https://h:443/a/b", "https", "h", 443, "/a/b", "h"),
        ("http://[::1]:9000/x", "http", "::1", 9000, "/x", "[::1]:9000"),
        ("https://[::1]", "https", "::1", 443, "", "[::1]"),
    ],
)
def test_url_parse(
    url: str, scheme: str, host: str, port: int, path: str, host_header: str
) -> None:
    parsed = HttpUrl.parse(url)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.path) == (scheme, host, port, path)
    assert parsed.host_header == host_header
    assert parsed.tls is (scheme == "https")
    assert parsed.origin == (scheme, host, port)
    assert parsed.target("/users/@me") == path + "/users/@me"
    assert parsed.target().startswith("/")
    assert HttpUrl.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("", "non-empty"),
        ("   ", "non-empty"),
        ("ftp://x", "http://"),
        ("api.sgroup.qq.com", "http://"),
        ("wss://api.sgroup.qq.com", "http://"),
        ("https://", "no host"),
        ("https://u:p@host", "credentials"),
        ("https://host/?a=1", "query"),
        ("https://host/#x", "fragment"),
        ("https://host/?", "query"),
        ("http://host:99999", "not a valid URL"),
        ("http://host:abc", "not a valid URL"),
        (" https://host", "whitespace"),
        ("https://ho st", "whitespace"),
        ("https://host\r\nX: y", "whitespace"),
    ],
)
def test_url_parse_rejects(url: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        HttpUrl.parse(url, what="api_base")


@pytest.mark.parametrize("url", [None, b"https://host", 5])
def test_url_parse_rejects_non_strings(url: object) -> None:
    with pytest.raises(TypeError, match=r"api_base must be a str like .*, got "):
        HttpUrl.parse(url, what="api_base")  # type: ignore[arg-type]


def test_endpoints() -> None:
    prod = Endpoints()
    assert str(prod.api) == PRODUCTION_API_BASE
    assert prod.token == HttpUrl.parse(TOKEN_URL)
    assert str(Endpoints(is_sandbox=True).api) == SANDBOX_API_BASE
    custom = Endpoints(api_base="http://127.0.0.1:5000/proxy", token_url="http://127.0.0.1:5000/t")
    assert custom.api.path == "/proxy" and custom.token.path == "/t"
    assert Endpoints() == Endpoints()
    with pytest.raises(ValueError, match="has no path"):
        Endpoints(token_url="https://bots.qq.com/")
    with pytest.raises(ValueError, match="api_base"):
        Endpoints(api_base="nope")


# -- encoding ---------------------------------------------------------------------------------


def _parse_with_h11(req: HttpRequest) -> tuple[h11.Request, bytes]:
    """Send ``req`` through our connection and parse it with an h11 server."""
    conn = HttpConnection()
    data = conn.send(req)
    server = h11.Connection(h11.SERVER)
    server.receive_data(data)
    head = server.next_event()
    assert isinstance(head, h11.Request)
    body = b""
    while True:
        event = server.next_event()
        if isinstance(event, h11.Data):
            body += event.data
        else:
            assert isinstance(event, h11.EndOfMessage)
            return head, body


def test_api_get_headers() -> None:
    req = encode_api_request(
        ApiRequest("GET", "/users/@me", "/users/@me", query=(("limit", "10"), ("q", "a b"))),
        base=HttpUrl.parse("http://127.0.0.1:8080/qq"),
        app_id="102",
        access_token="TOKEN",
    )
    assert req.method == "GET"
    assert req.target == "/qq/users/@me?limit=10&q=a+b"
    assert req.header("authorization") == "QQBot TOKEN"
    assert req.header("X-Union-Appid") == "102"
    assert req.header("user-agent") == USER_AGENT == f"qqbot/{__version__} (+python)"
    assert req.header("host") == "127.0.0.1:8080"
    assert req.header("accept") == "application/json"
    assert req.header("content-type") is None
    assert req.header("content-length") is None
    assert req.header("x-missing") is None
    assert req.body == b""
    head, body = _parse_with_h11(req)
    assert head.method == b"GET" and head.target == b"/qq/users/@me?limit=10&q=a+b"
    assert body == b""


def test_api_post_json() -> None:
    req = encode_api_request(
        ApiRequest(
            "post",
            "/channels/1/messages",
            "/channels/{channel_id}/messages",
            json={"content": "你好"},
        ),
        base=API,
        app_id="1",
        access_token="T",
    )
    assert req.method == "POST"
    assert req.header("content-type") == "application/json"
    assert json.loads(req.body) == {"content": "你好"}
    assert req.header("content-length") == str(len(req.body))
    head, body = _parse_with_h11(req)
    assert body == req.body
    assert (b"host", b"api.sgroup.qq.com") in list(head.headers)


def test_api_put_without_body_has_zero_length() -> None:
    req = encode_api_request(
        ApiRequest("PUT", "/channels/1/pins/2", "/channels/{channel_id}/pins/{message_id}"),
        base=API,
        app_id="1",
        access_token="T",
    )
    assert req.header("content-length") == "0"
    assert req.header("content-type") is None


def test_repr_hides_secrets() -> None:
    req = encode_json_request(
        API,
        "POST",
        "/x",
        {"clientSecret": "S3CR3T"},
        extra_headers=[("Authorization", "QQBot TOK")],
    )
    assert "S3CR3T" not in repr(req) and "TOK" not in repr(req) and "S3CR3T" not in str(req)
    assert "POST" in repr(req)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"access_token": ""}, "no access token"),
        ({"access_token": "a\r\nX-Evil: 1"}, "not allowed"),
        ({"access_token": "tök€n"}, "non-Latin-1"),
        ({"app_id": "1\n"}, "not allowed"),
    ],
)
def test_api_request_rejects_bad_credentials(kwargs: dict[str, str], needle: str) -> None:
    args = {"app_id": "1", "access_token": "T", **kwargs}
    with pytest.raises(ValueError, match=needle):
        encode_api_request(
            ApiRequest("GET", "/x", "/x"),
            base=API,
            app_id=args["app_id"],
            access_token=args["access_token"],
        )


def test_api_request_misuse() -> None:
    both = ApiRequest("POST", "/x", "/x", json={}, form=(FormField("a", "b"),))
    with pytest.raises(ValueError, match="either json or form"):
        encode_api_request(both, base=API, app_id="1", access_token="T")
    with pytest.raises(TypeError, match="cannot encode query"):
        encode_api_request(
            ApiRequest("GET", "/x", "/x", query=5),  # type: ignore[arg-type]
            base=API,
            app_id="1",
            access_token="T",
        )
    with pytest.raises(ValueError, match="cannot encode query"):
        encode_api_request(
            ApiRequest("GET", "/x", "/x", query=(("a", "b", "c"),)),  # type: ignore[arg-type]
            base=API,
            app_id="1",
            access_token="T",
        )
    with pytest.raises(ValueError, match="method"):
        encode_json_request(API, "GE T", "/x")
    with pytest.raises(ValueError, match="must start with"):
        encode_json_request(API, "GET", "x")
    with pytest.raises(TypeError, match="JSON-serialisable"):
        encode_json_request(API, "POST", "/x", {"a": object()})
    with pytest.raises(ValueError, match="JSON-serialisable"):
        encode_json(float("nan"))


def test_encode_json_compact_utf8() -> None:
    assert encode_json({"a": "é", "b": [1, None]}) == '{"a":"é","b":[1,null]}'.encode()
    req = encode_json_request(API, "POST", "/x", None, has_body=True)
    assert req.body == b"null" and req.header("content-type") == "application/json"


def test_decode_json() -> None:
    assert decode_json(b"") is None
    assert decode_json(b"  \r\n") is None
    assert decode_json(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    for bad in (
        b"{",
        b"<html>502</html>",
        b"NaN",
        b'{"a": Infinity}',
        b"\xff\xfe\x00",
        b"[" * 100_000,
    ):
        with pytest.raises(RemoteProtocolError, match="not valid JSON"):
            decode_json(bad)


# -- multipart --------------------------------------------------------------------------------


def _parse_multipart(body: bytes, content_type: str) -> list[tuple[object, ...]]:
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert msg.is_multipart()
    out: list[tuple[object, ...]] = []
    for part in msg.iter_parts():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        out.append(
            (
                part.get_param("name", header="content-disposition"),
                part.get_filename(),
                part.get_content_type(),
                payload,
            )
        )
    return out


def test_multipart_roundtrip() -> None:
    fields = (
        FormField("content", "hello 你好"),
        FormField("message_reference", json.dumps({"message_id": "1"})),
        FormField(
            "file_image", b"\x89PNG\r\n\x00binary", filename="a.png", content_type="image/png"
        ),
        FormField("blob", b"raw", filename='we"ird.bin'),
    )
    req = encode_api_request(
        ApiRequest("POST", "/channels/1/messages", "/channels/{channel_id}/messages", form=fields),
        base=API,
        app_id="1",
        access_token="T",
        rng=random.Random(7),
    )
    content_type = req.header("content-type")
    assert content_type is not None and content_type.startswith("multipart/form-data; boundary=")
    parts = _parse_multipart(req.body, content_type)
    assert parts[0] == ("content", None, "text/plain", "hello 你好".encode())
    assert parts[1][3] == b'{"message_id": "1"}'
    assert parts[2] == ("file_image", "a.png", "image/png", b"\x89PNG\r\n\x00binary")
    assert parts[3][1] == 'we"ird.bin' and parts[3][2] == "application/octet-stream"
    _, body = _parse_with_h11(req)
    assert body == req.body


def test_boundary_deterministic_and_rng() -> None:
    fields = [FormField("a", "1")]
    assert make_boundary(fields) == make_boundary(list(fields))
    assert make_boundary(fields) != make_boundary([FormField("a", "2")])
    assert make_boundary(fields, random.Random(1)) == make_boundary(fields, random.Random(1))


def test_boundary_avoids_content() -> None:
    class Fixed(random.Random):
        def __init__(self) -> None:
            super().__init__(0)
            self.values = iter([0xABC, 0xDEF])

        def getrandbits(self, k: int) -> int:
            return next(self.values)

    clash = f"qqbot-{0xABC:032x}"
    boundary = make_boundary([FormField("f", f"xx{clash}yy")], Fixed())
    assert boundary == f"qqbot-{0xDEF:032x}"
    # deterministic path: put the would-be boundary into the content is impossible to predict,
    # so check the invariant instead
    fields = [FormField("f", "--qqbot-")]
    assert make_boundary(fields).encode() not in b"--qqbot-"


def test_boundary_deterministic_collision(monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    calls: list[int] = []
    real = hashlib.sha256

    class Fake:
        def __init__(self, data: bytes) -> None:
            calls.append(int.from_bytes(data, "big"))
            self.inner = real(data)

        def update(self, data: bytes) -> None:
            self.inner.update(data)

        def hexdigest(self) -> str:
            return "0" * 64 if len(calls) == 1 else self.inner.hexdigest()

    monkeypatch.setattr("qqproto.rest._http.hashlib.sha256", Fake)
    boundary = make_boundary([FormField("f", "qqbot-" + "0" * 32)])
    assert calls == [0, 1] and boundary != "qqbot-" + "0" * 32


@pytest.mark.parametrize(
    ("field", "needle"),
    [
        (FormField("a\r\nb", "x"), "line break"),
        (FormField("a", "x", filename="f\n"), "line break"),
        (FormField("a", "x", content_type="text/plain\r\nX: y"), "not allowed"),
    ],
)
def test_multipart_rejects(field: FormField, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        encode_multipart([field], "b")


# -- connection -------------------------------------------------------------------------------


def _req(method: str = "GET", target: str = "/x") -> HttpRequest:
    return encode_json_request(API, method, target)


def _exchange(conn: HttpConnection, response: bytes, method: str = "GET") -> ApiResponse | None:
    conn.send(_req(method))
    return conn.receive_data(response)


def _state(conn: HttpConnection) -> ConnectionState:
    return conn.state


def test_content_length_and_keep_alive() -> None:
    conn = HttpConnection()
    assert conn.reusable and conn.state is ConnectionState.IDLE
    data = conn.send(_req())
    assert data.startswith(b"GET /x HTTP/1.1\r\n")
    assert _state(conn) is ConnectionState.AWAITING_RESPONSE and not conn.reusable
    resp = conn.receive_data(
        http_response(200, b'{"id":"1"}', [("Content-Length", "10"), ("X-Tps-Trace-ID", "tr")])
    )
    assert resp == ApiResponse(
        200, (("content-length", "10"), ("x-tps-trace-id", "tr")), b'{"id":"1"}'
    )
    assert resp.trace_id == "tr"
    assert conn.reusable
    second = _exchange(conn, http_response(201, b"ok"))
    assert second is not None and second.status == 201 and second.body == b"ok"
    assert conn.reusable


def test_chunked() -> None:
    conn = HttpConnection()
    resp = _exchange(
        conn,
        http_response(200, b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", [("Transfer-Encoding", "chunked")]),
    )
    assert resp is not None and resp.body == b"abcde" and conn.reusable


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses(status: int) -> None:
    conn = HttpConnection()
    resp = _exchange(conn, http_response(status, b"", [("X-A", "b")], reason="X"))
    assert resp is not None and resp.status == status and resp.body == b"" and conn.reusable


def test_head_has_no_body() -> None:
    conn = HttpConnection()
    resp = _exchange(conn, http_response(200, b"", [("Content-Length", "100")]), method="HEAD")
    assert resp is not None and resp.body == b"" and conn.reusable


def test_informational_is_skipped() -> None:
    conn = HttpConnection()
    resp = _exchange(conn, b"HTTP/1.1 100 Continue\r\n\r\n" + http_response(200, b"x"))
    assert resp is not None and resp.status == 200 and resp.body == b"x"


def test_connection_close_not_reusable() -> None:
    conn = HttpConnection()
    resp = _exchange(
        conn, http_response(200, b"x", [("Content-Length", "1"), ("Connection", "close")])
    )
    assert resp is not None and conn.state is ConnectionState.CLOSED and not conn.reusable
    assert conn.receive_data(b"") is None
    with pytest.raises(LocalProtocolError, match="state CLOSED"):
        conn.send(_req())


def test_read_until_eof_http10() -> None:
    conn = HttpConnection()
    assert _exchange(conn, b"HTTP/1.0 200 OK\r\n\r\npart1") is None
    assert conn.receive_data(b"part2") is None
    resp = conn.receive_data(b"")
    assert resp is not None and resp.body == b"part1part2"
    assert conn.state is ConnectionState.CLOSED


def test_trailing_bytes_make_connection_unusable() -> None:
    conn = HttpConnection()
    resp = _exchange(conn, http_response(200, b"ab") + b"HTTP/1.1 200 OK\r\n")
    assert resp is not None and resp.body == b"ab"
    assert conn.state is ConnectionState.CLOSED


def test_unsolicited_bytes_or_eof_while_idle() -> None:
    conn = HttpConnection()
    assert conn.receive_data(b"HTTP/1.1 408 Request Timeout\r\n\r\n") is None
    assert conn.state is ConnectionState.CLOSED
    conn = HttpConnection()
    assert conn.receive_data(b"") is None
    assert conn.state is ConnectionState.CLOSED
    assert conn.receive_data(b"") is None
    with pytest.raises(LocalProtocolError, match="after EOF"):
        conn.receive_data(b"x")


@pytest.mark.parametrize(
    "partial",
    [
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Le",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ],
)
def test_eof_mid_response(partial: bytes) -> None:
    conn = HttpConnection()
    conn.send(_req())
    assert conn.receive_data(partial) is None if partial else True
    with pytest.raises(RemoteProtocolError):
        conn.receive_data(b"")
    assert conn.state is ConnectionState.ERROR
    with pytest.raises(LocalProtocolError, match="after EOF"):
        conn.receive_data(b"more")


@pytest.mark.parametrize(
    "garbage",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ],
)
def test_garbage_raises_remote_error(garbage: bytes) -> None:
    conn = HttpConnection()
    conn.send(_req())
    with pytest.raises(RemoteProtocolError, match="malformed HTTP response"):
        conn.receive_data(garbage)
    assert conn.state is ConnectionState.ERROR
    with pytest.raises(LocalProtocolError, match="ERROR"):
        conn.receive_data(b"x")
    with pytest.raises(LocalProtocolError):
        conn.send(_req())


def test_body_size_bound() -> None:
    conn = HttpConnection(max_body_size=4)
    with pytest.raises(RemoteProtocolError, match="Content-Length 5 exceeds"):
        _exchange(conn, http_response(200, b"12345"))
    conn = HttpConnection(max_body_size=4)
    with pytest.raises(RemoteProtocolError, match="exceeds max_body_size=4"):
        _exchange(
            conn,
            http_response(
                200, b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", [("Transfer-Encoding", "chunked")]
            ),
        )
    assert conn.state is ConnectionState.ERROR
    conn = HttpConnection(max_body_size=4)
    resp = _exchange(conn, http_response(200, b"1234"))
    assert resp is not None and resp.body == b"1234"


def test_header_size_bound() -> None:
    conn = HttpConnection(max_header_size=100)
    conn.send(_req())
    with pytest.raises(RemoteProtocolError):
        conn.receive_data(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 200)


def test_bad_limits() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        HttpConnection(max_body_size=-1)
    with pytest.raises(ValueError, match="must be positive"):
        HttpConnection(max_header_size=0)


def test_send_failed_and_bad_request() -> None:
    conn = HttpConnection()
    conn.send(_req())
    conn.send_failed()
    assert conn.state is ConnectionState.ERROR
    conn = HttpConnection()
    bad = HttpRequest("GET", API, "/x", (("Host", "h"), ("Bad Name", "v")))
    with pytest.raises(ValueError, match="cannot encode request"):
        conn.send(bad)
    assert conn.state is ConnectionState.ERROR


RESPONSES = [
    http_response(200, b'{"a":1}', [("Content-Length", "7"), ("X-Tps-Trace-Id", "t")]),
    http_response(200, b"4\r\nwxyz\r\n0\r\nTrailer: x\r\n\r\n", [("Transfer-Encoding", "chunked")]),
    http_response(204, b"", []),
    b"HTTP/1.1 100 Continue\r\n\r\n" + http_response(500, b"oops"),
]


def _feed(chunks: list[bytes], eof: bool = False) -> ApiResponse | None:
    conn = HttpConnection()
    conn.send(_req())
    result = None
    for chunk in chunks:
        got = conn.receive_data(chunk)
        if got is not None:
            assert result is None
            result = got
    if eof and result is None:
        result = conn.receive_data(b"")
    return result


@pytest.mark.parametrize("raw", RESPONSES)
def test_one_chunk_equals_byte_at_a_time(raw: bytes) -> None:
    whole = _feed([raw])
    assert whole is not None
    assert _feed([raw[i : i + 1] for i in range(len(raw))]) == whole


@given(raw=st.sampled_from(RESPONSES), cuts=st.lists(st.integers(0, 200), max_size=8))
def test_any_split_gives_same_response(raw: bytes, cuts: list[int]) -> None:
    points = sorted({c % (len(raw) + 1) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    chunks = [c for c in chunks if c]
    assert _feed(chunks) == _feed([raw])


@settings(max_examples=300)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda head, tail: head + tail,
            st.sampled_from(
                [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.0 404 X\r\n", b"HTTP/1.1 100 C\r\n\r\n"]
            ),
            st.binary(max_size=200),
        ),
    ),
    eof=st.booleans(),
    bytewise=st.booleans(),
)
def test_any_bytes_parse_or_remote_error(data: bytes, eof: bool, bytewise: bool) -> None:
    chunks = [data[i : i + 1] for i in range(len(data))] if bytewise else [data]
    try:
        result = _feed([c for c in chunks if c], eof=eof)
    except RemoteProtocolError:
        return
    assert result is None or isinstance(result, ApiResponse)
