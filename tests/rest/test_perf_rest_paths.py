"""The REST hot-path shortcuts behave like the plain code they replaced: the simulator's route
index, header encoding in ``HttpConnection``, JSON decoding with one shared decoder."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from qqproto.rest._http import HttpConnection, HttpRequest, HttpUrl, decode_json
from qqproto.sim._rest import ROUTES, _match, match_parts

URL = HttpUrl.parse("http://example.test")


def linear_match(method: str, path: str) -> tuple[str | None, dict[str, str], bool]:
    """Route matching by definition: every template tried, the most literal segments win."""
    segments = [unquote(s) for s in path.strip("/").split("/")]
    known = False
    best: tuple[int, str, dict[str, str]] | None = None
    for want, route in ROUTES:
        found = match_parts(route.strip("/").split("/"), segments)
        if found is not None:
            known = True
            if want == method and (best is None or found[0] > best[0]):
                best = (found[0], route, found[1])
    return (None, {}, known) if best is None else (best[1], best[2], known)


def paths() -> Iterator[str]:
    literals = sorted(
        {p for _, r in ROUTES for p in r.strip("/").split("/") if not p.startswith("{")}
    )
    values = ["100010", "", "a%2Fb", "x y", *literals]
    for _, route in ROUTES:
        parts = route.strip("/").split("/")
        yield route
        for value in values:
            yield "/" + "/".join(value if p.startswith("{") else p for p in parts)
    rng = random.Random(7)
    for _ in range(3000):
        yield "/" + "/".join(rng.choice(values) for _ in range(rng.randint(1, 7)))
    yield from ("/", "", "//", "/unknown", "channels/1/messages/")


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])
def test_route_index_agrees_with_a_linear_scan(method: str) -> None:
    for path in paths():
        assert _match(method, path) == linear_match(method, path), path


def test_latin1_header_values_go_out_as_latin1() -> None:
    request = HttpRequest("GET", URL, "/", (("Host", "example.test"), ("X-Name", "café")))
    assert b"\r\nX-Name: caf\xe9\r\n" in HttpConnection().send(request)


def test_unencodable_header_is_a_value_error() -> None:
    conn = HttpConnection()
    request = HttpRequest("GET", URL, "/", (("Host", "example.test"), ("X-Name", "€")))
    with pytest.raises(ValueError, match="cannot encode request"):
        conn.send(request)
    assert not conn.reusable


def test_response_header_names_are_lower_cased() -> None:
    conn = HttpConnection()
    conn.send(HttpRequest("GET", URL, "/", (("Host", "example.test"),)))
    response = conn.receive_data(
        b"HTTP/1.1 200 OK\r\nX-Tps-Trace-ID: t1\r\nContent-Length: 2\r\n\r\n{}"
    )
    assert response is not None and conn.reusable
    assert response.headers == (("x-tps-trace-id", "t1"), ("content-length", "2"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"])
def test_decode_json_reads_every_json_encoding(encoding: str) -> None:
    body = json.dumps({"a": "中文", "b": [1, 2.5, None]}, ensure_ascii=False).encode(encoding)
    assert decode_json(body) == json.loads(body) == {"a": "中文", "b": [1, 2.5, None]}
