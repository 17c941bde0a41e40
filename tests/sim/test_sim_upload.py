"""Chunked media upload on the simulated platform: prepare, presigned PUTs, part finish,
completion; base64 uploads keep their bytes. A loopback test puts the parts through the real
server."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from _sim_api import GROUP, OPENID, SimApi

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto._json import dumps
from qqproto.sim import DEFAULT_APP_ID, DEFAULT_SECRET

FILE = bytes(range(256)) * 40  # 10240 bytes


def declared(data: bytes, name: str = "a.bin") -> dict[str, Any]:
    return {
        "file_type": 4,
        "file_name": name,
        "file_size": len(data),
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "md5_10m": hashlib.md5(data[:10002432]).hexdigest(),
    }


class Api(SimApi):
    """The REST app seeded with 8, parts of 4096 bytes; :meth:`put` puts a part at its
    presigned URL (no Authorization)."""

    def __init__(self) -> None:
        super().__init__(8, upload_block_size=4096)

    def put(self, url: str, data: bytes) -> int:
        return self.send("PUT", url.split("127.0.0.1", 1)[1], raw=data, auth=False)[0]


def test_a_chunked_upload_end_to_end() -> None:
    api = Api()
    status, prepared = api.send("POST", f"/v2/groups/{GROUP}/upload_prepare", declared(FILE))
    assert status == 200 and prepared["block_size"] == 4096
    assert prepared["upload_config"] == {"concurrency": 2, "retry_timeout": 30, "retry_delay": 1}
    parts = prepared["parts"]
    assert [p["index"] for p in parts] == [1, 2, 3]
    assert parts[0]["presigned_url"].startswith(f"http://127.0.0.1/cos/{prepared['upload_id']}/1?")
    chunks = [FILE[:4096], FILE[4096:8192], FILE[8192:]]
    for part, chunk in zip(parts, chunks, strict=True):
        assert api.put(part["presigned_url"], chunk) == 200
        finish = {
            "upload_id": prepared["upload_id"],
            "part_index": part["index"],
            "block_size": len(chunk),
            "md5": hashlib.md5(chunk).hexdigest(),
        }
        assert api.send("POST", f"/v2/groups/{GROUP}/upload_part_finish", finish) == (200, {})
    status, done = api.send(
        "POST", f"/v2/groups/{GROUP}/files", {"upload_id": prepared["upload_id"]}
    )
    assert status == 200 and set(done) == {"file_uuid", "file_info", "ttl"}
    (record,) = api.p.uploads
    assert (record.data, record.upload_id, record.file_name, record.file_type) == (
        FILE,
        prepared["upload_id"],
        "a.bin",
        4,
    )
    assert record.file_info == done["file_info"]
    assert [(p.index, p.size, p.authorization) for p in api.p.part_puts] == [
        (1, 4096, False),
        (2, 4096, False),
        (3, 2048, False),
    ]


def error(result: tuple[int, Any], status: int, code: int = 850019) -> bool:
    got, body = result
    return got == status and body["code"] == body["err_code"] == code and "trace_id" in body


def test_upload_refusals() -> None:
    api = Api()
    base = f"/v2/users/{OPENID}"
    assert error(api.send("POST", f"{base}/upload_prepare", {"file_type": 4}), 400)
    prepared = api.send("POST", f"{base}/upload_prepare", declared(FILE))[1]
    uid, parts = prepared["upload_id"], prepared["parts"]
    url = parts[0]["presigned_url"]
    assert api.put(url.replace("sign=", "sign=x"), FILE[:4096]) == 403
    assert api.put(url.replace(f"{uid}/1", f"{uid}/9"), FILE[:4096]) == 404
    finish = {"upload_id": uid, "part_index": 1, "block_size": 4096, "md5": "0" * 32}
    assert error(api.send("POST", f"{base}/upload_part_finish", finish), 400)  # not uploaded
    assert api.put(url, FILE[:4000]) == 200
    finish["md5"] = hashlib.md5(FILE[:4000]).hexdigest()
    assert error(api.send("POST", f"{base}/upload_part_finish", finish), 400)  # short part
    # the part PUT again with a token: accepted, and recorded as carrying one
    assert api.send("PUT", url.split("127.0.0.1", 1)[1], raw=FILE[:4096])[0] == 200
    assert api.p.part_puts[-1].authorization is True
    finish["md5"] = "0" * 32
    assert error(api.send("POST", f"{base}/upload_part_finish", finish), 400)  # bad md5
    finish["md5"] = hashlib.md5(FILE[:4096]).hexdigest()
    assert api.send("POST", f"{base}/upload_part_finish", finish)[0] == 200
    assert error(api.send("POST", f"{base}/files", {"upload_id": uid}), 400)  # parts missing
    for part, chunk in zip(parts[1:], [FILE[4096:8192], FILE[8192:]], strict=True):
        api.put(part["presigned_url"], chunk[::-1])  # wrong bytes, right sizes
        body = {"upload_id": uid, "part_index": part["index"], "block_size": len(chunk)}
        body["md5"] = hashlib.md5(chunk[::-1]).hexdigest()
        assert api.send("POST", f"{base}/upload_part_finish", body)[0] == 200
    assert error(api.send("POST", f"{base}/files", {"upload_id": uid}), 400)  # file md5
    assert error(api.send("POST", f"/v2/groups/{GROUP}/files", {"upload_id": uid}), 400)
    assert error(api.send("POST", f"{base}/files", {"upload_id": "nope"}), 400)
    assert api.p.uploads == []


def test_base64_uploads_keep_their_bytes() -> None:
    api = Api()
    body = {"file_type": 1, "file_data": base64.b64encode(b"\x89PNG..").decode()}
    assert api.send("POST", f"/v2/users/{OPENID}/files", body)[0] == 200
    assert api.p.uploads[0].data == b"\x89PNG.." and api.p.uploads[0].has_file_data
    body["file_data"] = "not base64!"
    assert error(api.send("POST", f"/v2/users/{OPENID}/files", body), 400)


def http(method: str, url: str, data: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_presigned_puts_through_the_real_server() -> None:
    with ThreadedSimulator.in_thread() as sim:
        sim.call(lambda p: setattr(p, "upload_block_size", 4096))
        token = sim.call(lambda p: p.issue_token(DEFAULT_APP_ID, DEFAULT_SECRET, sim.now())[0])
        auth = {"Authorization": f"QQBot {token}", "Content-Type": "application/json"}
        base = f"{sim.api_base}/v2/users/{OPENID}"
        status, prepared = http("POST", f"{base}/upload_prepare", dumps(declared(FILE)), auth)
        assert status == 200
        chunks = [FILE[:4096], FILE[4096:8192], FILE[8192:]]
        for part, chunk in zip(prepared["parts"], chunks, strict=True):
            assert part["presigned_url"].startswith(sim.api_base + "/cos/")
            assert http("PUT", part["presigned_url"], chunk, {})[0] == 200
            finish = {
                "upload_id": prepared["upload_id"],
                "part_index": part["index"],
                "block_size": len(chunk),
                "md5": hashlib.md5(chunk).hexdigest(),
            }
            assert http("POST", f"{base}/upload_part_finish", dumps(finish), auth)[0] == 200
        bad = prepared["parts"][0]["presigned_url"].replace("sign=", "sign=0")
        assert http("PUT", bad, b"x", {})[0] == 403
        done = {"upload_id": prepared["upload_id"]}
        assert http("POST", f"{base}/files", dumps(done), auth)[0] == 200
        assert sim.uploads()[0].data == FILE
        assert [p.status for p in sim.part_puts()] == [200, 200, 200, 403]
        assert not any(p.authorization for p in sim.part_puts())


@pytest.mark.parametrize("size", [1, 4096, 4097])
def test_part_counts(size: int) -> None:
    api = Api()
    data = b"z" * size
    prepared = api.send("POST", f"/v2/users/{OPENID}/upload_prepare", declared(data))[1]
    assert len(prepared["parts"]) == -(-size // 4096)
