"""The dispatch stream's entry format (encode/decode, what a bad entry raises) and the worker's
scripts against a real redis-server: SKIP_DONE acknowledges only done entries, COMPLETE sets the
done marks with the window and acknowledges, atomically, for one entry or many."""

from __future__ import annotations

import uuid
from typing import Any

import coredis
import pytest

from qqproto._errors import RemoteProtocolError
from qqproto.cluster import ClusterKeys
from qqproto.cluster._stream import (
    COMPLETE,
    LAG,
    SKIP_DONE,
    StreamEntry,
    StreamEntryError,
    decode_entry,
    encode_entry,
    entry_done_key,
)


def test_encode_decode_round_trip() -> None:
    fields = encode_entry("123", 2, 41, "C2C_MESSAGE_CREATE", "ev:1", b'{"id":"m"}')
    assert fields == {
        b"v": b"1",
        b"app": b"123",
        b"shard": b"2",
        b"seq": b"41",
        b"name": b"C2C_MESSAGE_CREATE",
        b"id": b"ev:1",
        b"d": b'{"id":"m"}',
    }
    entry = decode_entry(fields, "5-0")
    assert entry == StreamEntry("123", 2, 41, "C2C_MESSAGE_CREATE", "ev:1", b'{"id":"m"}', "5-0")
    as_text = {k.decode(): v.decode() for k, v in fields.items()}
    assert decode_entry(as_text, "5-0") == entry  # str fields too
    none = decode_entry(encode_entry("123", 0, None, "X", None, b"{}"))
    assert (none.seq, none.event_id) == (None, None)
    assert "d=<10 bytes>" in repr(entry) and '"id"' not in repr(entry)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({b"v": b"2"}, "format version"),
        ({b"shard": b"x"}, "not integers"),
        ({b"seq": b"1.5"}, "not integers"),
        ({b"shard": b"-1"}, "negative shard"),
        ({b"name": b""}, "bad event name"),
        ({b"app": b"\xff"}, "not UTF-8"),
    ],
)
def test_bad_entries_raise_stream_entry_error(change: dict[bytes, bytes], message: str) -> None:
    fields = {**encode_entry("1", 0, 1, "X", "e", b"{}"), **change}
    with pytest.raises(StreamEntryError, match=message) as info:
        decode_entry(fields, "9-1")
    assert isinstance(info.value, RemoteProtocolError) and info.value.entry_id == "9-1"


def test_missing_fields_are_named() -> None:
    with pytest.raises(StreamEntryError, match=r"missing field.*app, shard, seq, id, d"):
        decode_entry({b"v": b"1", b"name": b"X"})


def test_encode_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="raw JSON bytes"):
        encode_entry("1", 0, 1, "X", "e", {"a": 1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shard"):
        encode_entry("1", -1, 1, "X", "e", b"{}")
    with pytest.raises(ValueError, match="name"):
        encode_entry("1", 0, 1, "", "e", b"{}")


def test_key_names_follow_the_contract() -> None:
    keys = ClusterKeys("ns", "42")
    assert keys.events == "ns:42:events"
    assert keys.done("e1") == entry_done_key(keys, "e1", "7-0") == "ns:42:done:e1"
    assert entry_done_key(keys, None, "7-0") == "ns:42:done:@7-0"
    with pytest.raises(ValueError):
        ClusterKeys("", "42")
    with pytest.raises(ValueError):
        entry_done_key(keys, None, "")


@pytest.mark.anyio
async def test_scripts_against_redis(redis_url: str, anyio_backend: str) -> None:
    names = ClusterKeys(f"t{uuid.uuid4().hex}", "1")
    stream = names.events
    client: Any = coredis.Redis.from_url(redis_url)
    async with client:
        await client.xgroup_create(stream, "workers", "0", mkstream=True)
        ids = [
            (await client.xadd(stream, encode_entry("1", 0, i, "X", f"e{i}", b"{}"))).decode()
            for i in range(3)
        ]
        await client.xreadgroup("workers", "c", {stream: ">"}, count=10)
        await client.set(names.done("e1"), "x")
        keys = [names.done(f"e{i}") for i in range(3)]
        skip = client.register_script(SKIP_DONE)
        assert list(await skip(keys=[stream, *keys], args=["workers", *ids])) == [0, 1, 0]
        assert (await client.xpending(stream, "workers")).pending == 2
        lag = client.register_script(LAG)
        assert await lag(keys=[stream], args=["0-0", 100]) == 3
        assert await lag(keys=[stream], args=[ids[0], 100]) == 2
        complete = client.register_script(COMPLETE)
        done = [keys[0], keys[2]]
        assert await complete(keys=[stream, *done], args=["workers", 60, "c", ids[0], ids[2]]) == 2
        assert (await client.xpending(stream, "workers")).pending == 0
        assert await client.get(keys[2]) == b"c"
        assert 55 < await client.ttl(keys[0]) <= 60
        # completing again (another consumer got there first): marks set, nothing acked
        assert await complete(keys=[stream, keys[0]], args=["workers", 60, "d", ids[0]]) == 0
