"""atheris target: arbitrary callback requests into ``WebhookReceiver.handle``.

Invariants: ``handle`` never raises; the status is one of 200, 400, 403, 404, 405, 413, or 503
only while the replay memory is full (``NOW`` is fixed, so remembered pushes never expire here:
then a fresh receiver takes over); only a 200 carries events; a request that is not signed with
the bot's key never dispatches anything; and a push that was dispatched, sent again (the
platform's retry, or a replay of a captured push with or without an id), dispatches nothing.

The first byte holds options: bit 0 signs the body with the bot's key (so the fuzzer reaches
the JSON and dispatch paths), bit 1 builds the body as a JSON envelope around the input (a chosen
op and event name with the input as ``d``), bit 2 adds an ``X-Bot-Appid`` header (the right one
or not), bits 3-4 pick the method and path. The second byte skews the signature timestamp. The
rest is the body, or after a ``\\n`` also extra header lines (``name: value``) tried first.
"""

from __future__ import annotations

from _harness import Reader, envelope, run_atheris

from qqproto.rest._auth import Token
from qqproto.webhook._receiver import WebhookKey, WebhookReceiver

APP = "102000000"
SECRET = "fuzzsecretfuzzsecret"
NOW = 1_700_000_000
KEY = WebhookKey(SECRET)
CAPACITY = 64


def new_receiver() -> WebhookReceiver:
    return WebhookReceiver(
        Token(APP, SECRET), path="/qqbot", max_body_size=4096, dedup_capacity=CAPACITY
    )


RECEIVER = new_receiver()
OPS = (0, 0, 0, 13, 1, 12, 11, -1)
NAMES = ("C2C_MESSAGE_CREATE", "AT_MESSAGE_CREATE", "READY", "NEW_EVENT", None, 5)
METHODS = ("POST", "POST", "GET", "post")
PATHS = ("/qqbot", "/qqbot/", "/other", "/qqbot?x=1")


def build(reader: Reader) -> bytes:
    op = reader.choice(OPS)
    name = reader.choice(NAMES)
    rest = reader.data.decode("utf-8", "replace")
    return envelope({"op": op, "id": rest[:6] or None, "t": name, "d": None}, rest)


def TestOneInput(data: bytes) -> None:
    global RECEIVER
    reader = Reader(data)
    options = reader.byte()
    skew = reader.byte() - 128
    raw_headers, _, rest = (
        reader.data.partition(b"\n") if b"\n" in reader.data else (b"", b"", reader.data)
    )
    reader.data = rest
    body = build(reader) if options & 2 else reader.data
    headers: list[tuple[bytes, bytes]] = []
    for line in raw_headers.split(b";")[:8]:
        name, _, value = line.partition(b":")
        headers.append((name.strip(), value.strip()))
    sign = bool(options & 1)
    if sign:
        ts = str(NOW + skew * 4).encode()
        headers[:0] = [
            (b"x-signature-ed25519", KEY.sign(ts + body).hex().encode()),
            (b"x-signature-timestamp", ts),
        ]
    if options & 4:
        headers.insert(0, (b"x-bot-appid", APP.encode() if options & 32 else b"999"))
    method = METHODS[(options >> 3) & 3]
    path = PATHS[(options >> 6) & 3]
    result = RECEIVER.handle(method, path, headers, body, float(NOW))
    if result.status == 503:
        assert len(RECEIVER._seen[APP]) >= CAPACITY, "503 while the replay memory had room"
        RECEIVER = new_receiver()
        return
    assert result.status in {200, 400, 403, 404, 405, 413}, result
    assert result.status == 200 or not result.events
    if not sign:
        assert not result.events, "an unsigned request dispatched an event"
    if result.events:  # remembered by its id, or by its signature when it has none
        retry = RECEIVER.handle(method, path, headers, body, float(NOW))
        assert retry.status == 200 and not retry.events, "a retried push was dispatched twice"


def main() -> None:
    run_atheris(TestOneInput)


if __name__ == "__main__":
    main()
