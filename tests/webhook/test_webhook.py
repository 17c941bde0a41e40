"""The sans-IO webhook receiver: official vectors, verification, rejections, dedup, routing."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from _fixtures import FIXTURES, load
from hypothesis import given, settings
from hypothesis import strategies as st

import qqproto.webhook._receiver as wh
from qqproto.models import C2CMessage, UnknownEvent
from qqproto.rest._auth import Token
from qqproto.webhook._receiver import (
    ACK_BODY,
    WebhookDependencyError,
    WebhookEvent,
    WebhookKey,
    WebhookReceiver,
    derive_seed,
)

WEBHOOK = FIXTURES / "webhook"
NOW = 1_725_442_341.0
APP = "11111111"
SECRET = "DG5g3B4j9X2KOErG"
KEY = WebhookKey(SECRET)
C2C = {
    "id": "ROBOT1.0_c2c",
    "content": "hi",
    "timestamp": "2024-09-04T17:32:21+08:00",
    "author": {"user_openid": "E4F4AEA33253A2797FB897C50B81D7ED"},
}


def push_body(
    name: str = "C2C_MESSAGE_CREATE", event_id: str | None = "ev-1", d: Any = C2C
) -> bytes:
    envelope: dict[str, Any] = {"op": 0, "d": d, "t": name}
    if event_id is not None:
        envelope["id"] = event_id
    return json.dumps(envelope).encode()


def signed(
    body: bytes,
    *,
    key: WebhookKey = KEY,
    ts: str = str(int(NOW)),
    app_id: str | None = APP,
) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", b"application/json"),
        (b"x-signature-ed25519", key.sign(ts.encode() + body).hex().encode()),
        (b"x-signature-timestamp", ts.encode()),
    ]
    if app_id is not None:
        headers.append((b"x-bot-appid", app_id.encode()))
    return headers


def receiver(**kw: Any) -> WebhookReceiver:
    return WebhookReceiver(Token(APP, SECRET), **kw)


def post(rx: WebhookReceiver, headers: Any, body: bytes, now: float = NOW) -> wh.WebhookResult:
    return rx.handle("POST", "/qqbot", headers, body, now)


# ------------------------------------------------------------------------------ vectors


def test_official_validation_vector() -> None:
    vector = load(WEBHOOK / "validation_signature_vector.json")
    key = WebhookKey(vector["secret"])
    assert derive_seed(vector["secret"]) == vector["seed"].encode()
    assert key.public_key.hex() == vector["public_key_hex"]
    assert key.sign_validation(vector["event_ts"], vector["plain_token"]) == vector["signature"]
    # the whole exchange: the fixture's request (no signature headers) gets the fixture's answer
    request = (WEBHOOK / "validation_request.json").read_bytes()
    headers = [(k.encode(), v.encode()) for k, v in vector["request_headers"].items()]
    result = WebhookReceiver(Token(vector["appid"], vector["secret"])).handle(
        "POST", "/", headers, request, NOW
    )
    assert result.status == 200 and not result.events
    assert json.loads(result.body) == load(WEBHOOK / "validation_response.json")
    assert result.app_id == vector["appid"]


def test_official_keypair_vector() -> None:
    vector = load(WEBHOOK / "sign_keypair_vector.json")
    assert derive_seed(vector["secret"]) == vector["seed"].encode()
    key = WebhookKey(vector["secret"])
    assert list(key.public_key) == vector["public_key"]
    assert bytes(vector["private_key"]) == vector["seed"].encode() + key.public_key
    assert key.public_key.hex() == vector["public_key_hex"]


def test_seed_derivation_repeats_the_secret() -> None:
    assert derive_seed("abc") == (b"abc" * 11)[:32]
    assert derive_seed(b"x" * 40) == b"x" * 32
    assert derive_seed("é" * 20) == ("é" * 16).encode()  # UTF-8 bytes, cut at 32
    with pytest.raises(ValueError, match="secret is empty"):
        derive_seed("")


def test_key_signs_and_verifies_and_hides_itself() -> None:
    sig = KEY.sign(b"message")
    assert KEY.verify(b"message", sig)
    assert not KEY.verify(b"messagE", sig)
    assert not KEY.verify(b"message", sig[:63])
    high = sig[:63] + bytes([sig[63] | 0x20])
    assert not KEY.verify(b"message", high)  # malleability bits: refused unchecked
    garbage = bytes(32) + bytes([0xFF] * 31) + b"\x0f"
    assert not KEY.verify(b"message", garbage)
    assert SECRET not in repr(KEY) and derive_seed(SECRET).hex() not in repr(KEY)


# ------------------------------------------------------------------------------ pushes


def test_signed_push_is_acked_and_becomes_the_typed_event() -> None:
    rx = receiver()
    body = push_body()
    result = post(rx, signed(body), body)
    assert (result.status, result.body) == (200, ACK_BODY)
    assert json.loads(result.body) == {"op": 12, "d": 0}
    (item,) = result.events
    assert isinstance(item.event, C2CMessage)
    assert item.event.content == "hi" and item.event.event_id == "ev-1"
    assert (item.app_id, item.name, item.handler) == (
        APP,
        "C2C_MESSAGE_CREATE",
        "on_c2c_message_create",
    )
    assert result.ok and result.app_id == APP


def test_retried_push_is_acked_again_but_delivered_once() -> None:
    rx = receiver()
    body = push_body(event_id="same")
    first = post(rx, signed(body), body)
    # the platform re-sends the same id, later, with a new signature timestamp
    retry = post(rx, signed(body, ts=str(int(NOW) + 3)), body, NOW + 3)
    assert len(first.events) == 1
    assert (retry.status, retry.body, retry.events) == (200, ACK_BODY, ())
    assert "duplicate" in retry.reason
    other = push_body(event_id="other")
    assert len(post(rx, signed(other), other).events) == 1


def test_unknown_event_and_unparsable_data() -> None:
    rx = receiver()
    body = push_body(name="NEW_THING", d={"x": 1})
    (item,) = post(rx, signed(body), body).events
    assert isinstance(item.event, UnknownEvent) and item.handler == "on_unknown_event"
    bad = push_body(name="C2C_MESSAGE_CREATE", event_id="bad", d=[1, 2])
    result = post(rx, signed(bad), bad)
    assert result.status == 200  # signed, so acked (a retry would not help) ...
    (item,) = result.events
    assert item.error is not None and item.handler == "on_error"  # ... and reported


def test_heartbeat_and_other_ops() -> None:
    rx = receiver()
    beat = b'{"op":1,"d":42}'
    assert json.loads(post(rx, signed(beat), beat).body) == {"op": 11, "d": 42}
    odd = b'{"op":1,"d":"x"}'
    assert json.loads(post(rx, signed(odd), odd).body) == {"op": 11, "d": 0}
    other = b'{"op":7}'
    result = post(rx, signed(other), other)
    assert (result.status, result.body, result.events) == (200, ACK_BODY, ())


def test_signed_validation_is_answered_and_checked() -> None:
    rx = receiver(allow_unsigned_validation=False)
    body = b'{"op":13,"d":{"plain_token":"tok{en","event_ts":1725442341}}'
    result = post(rx, signed(body), body)  # signed: any token shape is fine
    answer = json.loads(result.body)
    assert answer["plain_token"] == "tok{en"
    assert answer["signature"] == KEY.sign_validation("1725442341", "tok{en")
    for d in ('{"plain_token":"x"}', '"x"', '{"plain_token":"","event_ts":"1"}'):
        bad = b'{"op":13,"d":%s}' % d.encode()
        assert post(rx, signed(bad), bad).status == 400


# ------------------------------------------------------------------------------ rejections


def rejected(result: wh.WebhookResult, status: int) -> None:
    assert result.status == status, result
    assert result.events == () and not result.ok
    assert json.loads(result.body)["code"] == status


def test_forged_tampered_stale_and_unsigned_pushes_are_rejected() -> None:
    rx = receiver()
    body = push_body()
    good = signed(body)
    forged = signed(body, key=WebhookKey("another secret entirely"))
    rejected(post(rx, forged, body), 403)
    rejected(post(rx, good, body.replace(b"hi", b"ho")), 403)  # tampered body
    rejected(post(rx, good, body, NOW + 301), 403)  # stale
    rejected(post(rx, good, body, NOW - 301), 403)  # from the future
    rejected(post(rx, good[:1], body), 403)  # no signature headers at all
    rejected(post(rx, [h for h in good if h[0] != b"x-signature-ed25519"], body), 403)
    rejected(post(rx, [h for h in good if h[0] != b"x-signature-timestamp"], body), 403)
    # none of that was remembered: the genuine push still gets through, once
    assert len(post(rx, good, body).events) == 1


@pytest.mark.parametrize(
    ("signature", "timestamp", "why"),
    [
        ("zz" * 64, str(int(NOW)), "not hexadecimal"),
        ("ab" * 63, str(int(NOW)), "63 bytes"),
        ("ab" * 200, str(int(NOW)), "too long"),
        ("ab" * 64, "yesterday", "Unix time"),
        ("ab" * 64, "-5", "Unix time"),
    ],
)
def test_malformed_signature_headers(signature: str, timestamp: str, why: str) -> None:
    body = push_body()
    headers = {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": timestamp}
    result = post(receiver(), headers, body)
    rejected(result, 403)
    assert why in result.reason


def test_timestamp_window_is_configurable() -> None:
    body = push_body()
    assert post(receiver(timestamp_window=None), signed(body), body, NOW + 10**6).status == 200
    rejected(post(receiver(timestamp_window=5), signed(body), body, NOW + 6), 403)
    assert post(receiver(timestamp_window=5), signed(body), body, NOW + 5).status == 200


def test_malformed_json_is_400_after_authentication() -> None:
    rx = receiver()
    for body in (b"{not json", b"[1,2]", b'{"d":{}}', b'{"op":0,"d":{}}', b"\xff\xfe"):
        result = post(rx, signed(body), body)
        rejected(result, 400)
    unsigned = post(rx, {}, b"{not json")
    rejected(unsigned, 403)  # unauthenticated garbage is an auth failure first


def test_oversized_bodies_are_413() -> None:
    rx = receiver(max_body_size=100)
    body = push_body()  # > 100 bytes
    rejected(post(rx, signed(body), body), 413)
    declared = {"content-length": "5000"}
    rejected(rx.handle("POST", "/qqbot", declared, b"", NOW), 413)
    check = rx.check_head("POST", "/qqbot", declared)
    assert check is not None and check.status == 413
    assert rx.check_head("POST", "/qqbot", {"content-length": "50"}) is None
    assert rx.check_head("POST", "/qqbot", {"content-length": "junk"}) is None


def test_method_and_path() -> None:
    rx = receiver(path="/qqbot/")
    body = push_body()
    rejected(rx.handle("GET", "/qqbot", signed(body), body, NOW), 405)
    assert ("allow", "POST") in rx.check_head("PUT", "/qqbot", []).headers  # type: ignore[union-attr]
    rejected(rx.handle("POST", "/other", signed(body), body, NOW), 404)
    assert rx.handle("POST", "/qqbot?x=1", signed(body), body, NOW).status == 200
    assert receiver().handle("POST", "/anything", signed(body), body, NOW).status == 200


# ------------------------------------------------------------------------------ unsigned op 13


def test_unsigned_validation_only_for_plain_tokens() -> None:
    rx = receiver()
    ok = b'{"op":13,"d":{"plain_token":"Arq0D5A61EgUu4OxUvOp","event_ts":"1725442341"}}'
    assert post(rx, [(b"x-bot-appid", APP.encode())], ok).status == 200
    # an unsigned caller must not get our signature over "timestamp + a push body"
    forged_push = push_body()
    oracle = json.dumps(
        {"op": 13, "d": {"event_ts": "1725442341", "plain_token": forged_push.decode()}}
    )
    result = post(rx, {}, oracle.encode())
    rejected(result, 403)
    assert "unsigned op 13" in result.reason
    rejected(post(rx, {}, b'{"op":13,"d":{"plain_token":"abc","event_ts":"soon"}}'), 403)
    rejected(post(rx, {}, b'{"op":13,"d":{}}'), 403)
    rejected(post(rx, {}, push_body()), 403)
    rejected(post(receiver(allow_unsigned_validation=False), {}, ok), 403)


# ------------------------------------------------------------------------------ several bots


def test_several_bots_are_routed_by_appid() -> None:
    other_key = WebhookKey("second-secret")
    rx = WebhookReceiver([Token(APP, SECRET), Token("222", "second-secret")])
    assert rx.app_ids == (APP, "222") and rx.key("222").public_key == other_key.public_key
    body = push_body()
    first = post(rx, signed(body), body)
    second = post(rx, signed(body, key=other_key, app_id="222"), body)
    assert first.events[0].app_id == APP and second.events[0].app_id == "222"  # own dedup each
    rejected(post(rx, signed(body, key=other_key, app_id=APP), body), 403)  # wrong bot's key
    rejected(post(rx, signed(body, app_id="999"), body), 403)  # a bot not served here
    rejected(post(rx, signed(body, app_id=None), body), 400)  # which bot?
    single = receiver()
    assert post(single, signed(body, app_id=None), body).status == 200
    rejected(post(single, signed(body, app_id="999"), body), 403)


def test_header_forms() -> None:
    rx = receiver()
    body = push_body()
    as_str = [(k.decode(), v.decode()) for k, v in signed(body)]
    assert post(rx, as_str, body).status == 200
    mixed = [(k.upper(), v) for k, v in signed(push_body(event_id="x"))]
    assert post(rx, mixed, push_body(event_id="x")).status == 200
    doubled = [*signed(push_body(event_id="y")), (b"x-signature-timestamp", b"1")]
    assert post(rx, doubled, push_body(event_id="y")).status == 200  # the first value counts


# ------------------------------------------------------------------------------ construction


def test_receiver_arguments_are_checked() -> None:
    token = Token(APP, SECRET)
    cases: list[dict[str, Any]] = [
        {"max_body_size": 0},
        {"timestamp_window": -1},
        {"dedup_capacity": 0},
    ]
    for kwargs in cases:
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            WebhookReceiver(token, **kwargs)
    with pytest.raises(ValueError, match="one or more Token"):
        WebhookReceiver([])
    with pytest.raises(ValueError, match="one or more Token"):
        WebhookReceiver(["not a token"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="given twice"):
        WebhookReceiver([token, Token(APP, "x")])
    rx = WebhookReceiver(token, path="qqbot")
    assert rx.path == "/qqbot" and SECRET not in repr(rx) and APP in repr(rx)


def test_event_handler_names() -> None:
    assert WebhookEvent(APP, "AT_MESSAGE_CREATE", None, object()).handler == "on_at_message_create"


def test_missing_extra_gives_an_actionable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wh, "_nacl", None)
    monkeypatch.setitem(sys.modules, "nacl.signing", None)
    with pytest.raises(WebhookDependencyError, match=r"pip install 'qqbot\[webhook\]'"):
        WebhookKey(SECRET)
    with pytest.raises(ImportError):  # also an ImportError, for code that expects one
        WebhookReceiver(Token(APP, SECRET))


# ------------------------------------------------------------------------------ property


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["POST", "GET", "post"]),
    path=st.sampled_from(["/qqbot", "/", "/x"]),
    headers=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    b"x-signature-ed25519",
                    b"x-signature-timestamp",
                    b"x-bot-appid",
                    b"content-length",
                ]
            ),
            st.binary(max_size=140),
        ),
        max_size=5,
    ),
    body=st.binary(max_size=300),
    sign=st.booleans(),
)
def test_any_request_gets_a_status_and_only_200_dispatches(
    method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes, sign: bool
) -> None:
    rx = receiver(path="/qqbot", max_body_size=256)
    if sign:
        headers = signed(body) + headers
    result = rx.handle(method, path, headers, body, NOW)
    assert result.status in {200, 400, 403, 404, 405, 413}
    assert result.status == 200 or result.events == ()
    if not sign:
        assert result.events == ()  # nothing unauthenticated is ever dispatched
