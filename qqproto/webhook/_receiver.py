"""Webhook (HTTP callback) mode, sans-IO: request in, response and typed events out.

The platform POSTs each event to the bot's HTTPS callback URL (platform docs, event subscription):

* **op 13, callback validation** — ``{"op":13,"d":{"plain_token","event_ts"}}``; the answer is
  ``{"plain_token": <same>, "signature": hex(ed25519_sign(event_ts + plain_token))}``.
* **op 0, dispatch** — the same envelope as on the gateway (``id``, ``t``, ``d``), signed with
  ``X-Signature-Ed25519`` (hex) over ``X-Signature-Timestamp`` + the raw body. The answer is an
  op 12 ack, ``{"op":12,"d":0}``; unacknowledged pushes are retried with the same ``id``.

The Ed25519 key is derived from the bot secret (repeated until it has 32 bytes; those are the
seed) and built **once per bot** by :class:`WebhookKey`. :class:`WebhookReceiver` is the whole
policy as a pure function, :meth:`WebhookReceiver.handle` ``(method, path, headers, body, now)``
→ :class:`WebhookResult` ``(status, headers, body, events)``; the caller writes the response and
hands the events to the handlers. ``now`` is wall-clock Unix time, used only for the timestamp
window. Statuses:

==========  ===================================================================================
200         op 13 answered; op 0 acknowledged (its event in ``events``, unless it was seen
            before: a platform retry or a replay is acknowledged again and dispatched once);
            op 1 answered with op 11; any other op acknowledged and ignored
400         malformed request: bad JSON, not an envelope, a dispatch without ``t``, an op 13
            without its fields, no ``X-Bot-Appid`` while several bots share the endpoint
403         **every authentication failure**: missing, malformed or wrong signature, a timestamp
            outside the window, an ``X-Bot-Appid`` this endpoint does not serve (403 rather than
            401: a 401 must carry a ``WWW-Authenticate`` challenge, which does not exist here;
            NoneBot answers 403 too)
404 / 405   wrong path / not ``POST``
413         body (or declared ``Content-Length``) over ``max_body_size``
503         an authentic op 0 that is new while ``dedup_capacity`` pushes are remembered: it
            cannot be remembered, so it is refused (``Retry-After: 1``) rather than dispatched
            without replay protection; the platform retries it later
==========  ===================================================================================

Replays: a push stays acceptable while its signature timestamp is within ``timestamp_window``
of ``now``, so each dispatched push is remembered (by its ``id``, or by its signature when it
has none) until its timestamp plus the window has passed: a captured push sent again in that
time, or a platform retry with the same ``id``, is acknowledged and not dispatched. At most
``dedup_capacity`` pushes are remembered per bot (each for up to ``timestamp_window`` plus the
clock skew, so the default 65,536 covers about 200 pushes/s); none is forgotten early: over the
bound, new pushes get 503 until old ones expire. With ``timestamp_window=None`` (no timestamp
check) a push is remembered for :data:`DEFAULT_TIMESTAMP_WINDOW` seconds after it last arrived,
and a replay after that is not detected.

Only a 200 ever carries events; nothing is dispatched, and no ``id`` is remembered, for a
request that was not authenticated. A validation request without signature headers is answered
(the platform's may carry none) only when ``event_ts`` is decimal digits and ``plain_token`` is
``[0-9A-Za-z_-]``: the answer is a signature with the bot's key, and without that restriction an
unauthenticated caller could have us sign ``timestamp + {"op":0,...}``, i.e. forge a push.

The Ed25519 backend is PyNaCl, an optional extra (``pip install 'qqbot[webhook]'``); this module
imports without it and raises :class:`WebhookDependencyError` only when a key is built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeAlias

from qqproto._errors import RemoteProtocolError, WebhookDependencyError
from qqproto._json import dumps, loads
from qqproto.gateway._dedup import ExpiringKeys, Recall
from qqproto.gateway._payload import decode_envelope, decode_payload
from qqproto.models import UnknownEvent, handler_name, parse_event
from qqproto.rest._auth import Token

__all__ = [
    "ACK_BODY",
    "DEFAULT_DEDUP_CAPACITY",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_TIMESTAMP_WINDOW",
    "HEADER_APPID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "SEED_SIZE",
    "SIGNATURE_SIZE",
    "Headers",
    "WebhookDependencyError",
    "WebhookEvent",
    "WebhookKey",
    "WebhookReceiver",
    "WebhookResult",
    "derive_seed",
    "validation_body",
]

SEED_SIZE = 32
SIGNATURE_SIZE = 64
DEFAULT_MAX_BODY_SIZE = 1 << 20
"""1 MiB, the gateway's payload limit: no event is larger."""
DEFAULT_TIMESTAMP_WINDOW = 300.0
"""Seconds a signature's timestamp may differ from ``now`` (either way)."""
DEFAULT_DEDUP_CAPACITY = 65536
"""Pushes remembered per bot at once, each until its timestamp window has passed (about 200
pushes/s sustained with the 300 s window; about 15 MiB when full); over it, new pushes get 503."""
ACK_BODY = b'{"op":12,"d":0}'
"""The op 12 "HTTP callback ACK" every accepted dispatch is answered with."""

HEADER_SIGNATURE = "x-signature-ed25519"
HEADER_TIMESTAMP = "x-signature-timestamp"
HEADER_APPID = "x-bot-appid"

_JSON = (("content-type", "application/json"),)
_DIGITS = re.compile(r"[0-9]{1,20}")
_SAFE_TOKEN = re.compile(r"[0-9A-Za-z_-]{1,256}")
_MAX_HEADER_VALUE = 256

Headers: TypeAlias = Iterable[tuple[bytes | str, bytes | str]] | Mapping[str, str]
"""Request headers: ``(name, value)`` pairs as ASGI and h11 give them (bytes), or strings."""


_nacl: ModuleType | None = None


def _backend() -> ModuleType:
    """``nacl.signing``, imported on first use; an actionable error if it is missing."""
    global _nacl
    if _nacl is None:
        try:
            import nacl.signing
        except ImportError as exc:
            raise WebhookDependencyError(
                "webhook mode needs Ed25519 from PyNaCl, which is not installed: "
                "run `pip install 'qqbot[webhook]'` (or `pip install pynacl`)"
            ) from exc
        _nacl = nacl.signing
    return _nacl


def derive_seed(secret: str | bytes) -> bytes:
    """The Ed25519 seed of a bot secret: the secret repeated until it has 32 bytes, cut to 32."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not raw:
        raise ValueError("the bot secret is empty; pass the AppSecret from the console")
    while len(raw) < SEED_SIZE:
        raw += raw
    return raw[:SEED_SIZE]


class WebhookKey:
    """A bot's Ed25519 key pair, derived from its secret. Build it once and keep it: deriving
    costs about as much as a verification (see ``docs/benchmarks.md``). The ``repr`` shows only
    the start of the public key."""

    __slots__ = ("_signing", "_verify", "public_key")

    def __init__(self, secret: str | bytes) -> None:
        signing = _backend()
        self._signing: Any = signing.SigningKey(derive_seed(secret))
        self._verify: Any = self._signing.verify_key
        self.public_key: bytes = bytes(self._verify)
        """The 32-byte public key."""

    def __repr__(self) -> str:
        return f"<WebhookKey public={self.public_key.hex()[:16]}...>"

    def sign(self, message: bytes) -> bytes:
        """The 64-byte signature of ``message``."""
        return bytes(self._signing.sign(message).signature)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's over ``message``; a signature that is not 64
        bytes, or whose last byte has any of its top three bits set, is refused unchecked."""
        if len(signature) != SIGNATURE_SIZE or signature[63] & 0xE0:
            return False
        try:
            self._verify.verify(message, signature)
        except Exception:  # nacl.exceptions.BadSignatureError (and ValueError on odd points)
            return False
        return True

    def sign_validation(self, event_ts: str, plain_token: str) -> str:
        """The op 13 answer's ``signature``: the hex signature of ``event_ts + plain_token``."""
        return self.sign((event_ts + plain_token).encode("utf-8")).hex()


def validation_body(key: WebhookKey, event_ts: str, plain_token: str) -> bytes:
    """The JSON body answering an op 13 validation request."""
    signature = key.sign_validation(event_ts, plain_token)
    return dumps({"plain_token": plain_token, "signature": signature})


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One pushed dispatch for the handlers: ``event`` is the typed model ``parse_event`` gives
    (an :class:`~qqproto.models.UnknownEvent` for names this version does not know), or ``error``
    says why ``d`` did not parse (it goes to ``on_error``, as on the gateway)."""

    app_id: str
    name: str
    event_id: str | None
    event: object = None
    error: RemoteProtocolError | None = None

    @property
    def handler(self) -> str:
        """The ``EventHandler`` method for this event (``on_error`` when it did not parse)."""
        if self.error is not None:
            return "on_error"
        if isinstance(self.event, UnknownEvent):
            return "on_unknown_event"
        return handler_name(self.name)


@dataclass(frozen=True, slots=True)
class WebhookResult:
    """The response to write (``status``, ``headers``, ``body``), the events to dispatch, the bot
    the request was for (once known) and a short ``reason`` for logs (never a secret)."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = _JSON
    events: tuple[WebhookEvent, ...] = ()
    app_id: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status < 400


def _error(status: int, reason: str, app_id: str | None = None, **extra: str) -> WebhookResult:
    body = dumps({"code": status, "message": reason})
    return WebhookResult(status, body, _JSON + tuple(extra.items()), (), app_id, reason)


def _header_map(headers: Headers) -> dict[str, str]:
    """Lower-cased names to the first value of each (bytes decoded as latin-1)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        key = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
        if key not in out:
            out[key] = value.decode("latin-1") if isinstance(value, bytes) else value
    return out


def _normal_path(path: str) -> str:
    return "/" + path.strip("/")


class WebhookReceiver:
    """Verifies and decodes callback requests for one or several bots (by ``X-Bot-Appid``).

    ``bots`` is a :class:`~qqproto.rest.Token` or several; their keys are built here, once.
    ``path`` is the only path served (None: any, for an app mounted in a web framework).
    ``timestamp_window`` (seconds, None: unchecked) bounds the signature's age; at most
    ``dedup_capacity`` pushes per bot are remembered, each until its window has passed, to drop
    retries and replays (503 for new pushes when full; see the module docstring);
    ``allow_unsigned_validation`` answers op 13 requests that carry no signature.
    """

    def __init__(
        self,
        bots: Token | Iterable[Token],
        *,
        path: str | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        timestamp_window: float | None = DEFAULT_TIMESTAMP_WINDOW,
        dedup_capacity: int = DEFAULT_DEDUP_CAPACITY,
        allow_unsigned_validation: bool = True,
    ) -> None:
        tokens = [bots] if isinstance(bots, Token) else list(bots)
        if not tokens or not all(isinstance(t, Token) for t in tokens):
            raise ValueError("a WebhookReceiver needs one or more Token(app_id, secret)")
        if max_body_size < 1:
            raise ValueError("max_body_size must be at least 1 byte")
        if timestamp_window is not None and not timestamp_window >= 0:  # NaN too
            raise ValueError("timestamp_window must be >= 0 seconds (or None)")
        if dedup_capacity < 1:
            raise ValueError("dedup_capacity must be at least 1")
        self.path = None if path is None else _normal_path(path)
        self.max_body_size = max_body_size
        self.timestamp_window = timestamp_window
        self.allow_unsigned_validation = allow_unsigned_validation
        self._keys: dict[str, WebhookKey] = {}
        self._seen: dict[str, ExpiringKeys] = {}
        for token in tokens:
            if token.app_id in self._keys:
                raise ValueError(f"app_id {token.app_id!r} is given twice")
            self._keys[token.app_id] = WebhookKey(token.secret)
            self._seen[token.app_id] = ExpiringKeys(dedup_capacity)

    def __repr__(self) -> str:
        return f"<WebhookReceiver path={self.path!r} app_ids={list(self._keys)}>"

    @property
    def app_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def key(self, app_id: str) -> WebhookKey:
        """The key of bot ``app_id``."""
        return self._keys[app_id]

    # ---------------------------------------------------------------- checks before the body

    def check_head(self, method: str, path: str, headers: Headers) -> WebhookResult | None:
        """The rejection a request earns from its head alone (wrong method or path, declared
        body too large), or None. Servers call it before reading the body."""
        return self._check_head(method, path, _header_map(headers))

    def _check_head(self, method: str, path: str, headers: dict[str, str]) -> WebhookResult | None:
        if self.path is not None and _normal_path(path.split("?", 1)[0]) != self.path:
            return _error(404, f"no webhook at this path; the callback path is {self.path}")
        if method.upper() != "POST":
            return _error(405, "the callback accepts POST only", allow="POST")
        length = headers.get("content-length")
        declared = (length or "").strip()
        if _DIGITS.fullmatch(declared) and int(declared) > self.max_body_size:
            return self.too_large()
        return None

    def too_large(self) -> WebhookResult:
        """The 413 for a body over ``max_body_size`` (servers stop reading at the limit)."""
        return _error(413, f"request body exceeds {self.max_body_size} bytes")

    # ---------------------------------------------------------------- the request

    def handle(
        self, method: str, path: str, headers: Headers, body: bytes, now: float
    ) -> WebhookResult:
        """The response to one request and the events it carries (see the module docstring).

        ``now`` is the wall-clock Unix time. Never raises for anything the peer sent."""
        h = _header_map(headers)
        early = self._check_head(method, path, h)
        if early is not None:
            return early
        if len(body) > self.max_body_size:
            return self.too_large()
        app_id = h.get(HEADER_APPID, "").strip()
        if app_id:
            if app_id not in self._keys:
                return _error(403, "this endpoint does not serve the bot in X-Bot-Appid")
        elif len(self._keys) == 1:
            app_id = next(iter(self._keys))
        else:
            return _error(400, "X-Bot-Appid is missing; this endpoint serves several bots")
        key = self._keys[app_id]
        signature = h.get(HEADER_SIGNATURE)
        timestamp = h.get(HEADER_TIMESTAMP)
        if signature is None and timestamp is None:
            return self._unsigned(key, app_id, body)
        signed = self._authenticate(key, signature, timestamp, body, now)
        if isinstance(signed, str):
            return _error(403, signed, app_id)
        try:
            op, d, _seq, name, event_id = decode_envelope(body, self.max_body_size)
        except RemoteProtocolError as exc:
            return _error(400, f"malformed callback body: {exc}", app_id)
        if op == 0:  # d stays raw JSON text: decoded once, into its typed event
            if name is None:
                return _error(400, "a dispatch (op 0) without an event name 't'", app_id)
            return self._dispatch(app_id, name, event_id, d, signed, now)
        value = loads(d)  # a slice of a document that just decoded: cannot fail
        if op == 13:
            fields = _validation_fields(value)
            if fields is None:
                return _error(400, "op 13 needs d.plain_token and d.event_ts strings", app_id)
            return self._answer_validation(key, app_id, *fields)
        if op == 1:
            body = dumps({"op": 11, "d": value if type(value) is int else 0})
            return WebhookResult(200, body, _JSON, (), app_id, "heartbeat answered")
        return WebhookResult(200, ACK_BODY, _JSON, (), app_id, f"op {op} ignored")

    def _authenticate(
        self,
        key: WebhookKey,
        signature: str | None,
        timestamp: str | None,
        body: bytes,
        now: float,
    ) -> tuple[int, bytes] | str:
        """``(timestamp, signature)`` of an authentic request, or why it is not authentic."""
        if signature is None or timestamp is None:
            return "both X-Signature-Ed25519 and X-Signature-Timestamp are required"
        timestamp = timestamp.strip()
        if not _DIGITS.fullmatch(timestamp):
            return "X-Signature-Timestamp is not a Unix time in seconds"
        if len(signature) > _MAX_HEADER_VALUE:
            return "X-Signature-Ed25519 is too long"
        try:
            raw = bytes.fromhex(signature.strip())
        except ValueError:
            return "X-Signature-Ed25519 is not hexadecimal"
        if len(raw) != SIGNATURE_SIZE:
            return f"X-Signature-Ed25519 has {len(raw)} bytes, not {SIGNATURE_SIZE}"
        window = self.timestamp_window
        if window is not None and abs(now - int(timestamp)) > window:
            return (
                f"X-Signature-Timestamp is {now - int(timestamp):+.0f} s from now "
                f"(allowed: ±{window:g} s); check the clock or the window"
            )
        if not key.verify(timestamp.encode("ascii") + body, raw):
            return "signature mismatch (check that the secret matches the bot)"
        return int(timestamp), raw

    def _unsigned(self, key: WebhookKey, app_id: str, body: bytes) -> WebhookResult:
        """A request without signature headers: only a plain op 13 validation is answered."""
        missing = "X-Signature-Ed25519 and X-Signature-Timestamp are missing"
        if not self.allow_unsigned_validation:
            return _error(403, missing, app_id)
        try:
            payload = decode_payload(body, self.max_body_size)
        except RemoteProtocolError:
            return _error(403, missing, app_id)
        fields = _validation_fields(payload.d) if payload.op == 13 else None
        if fields is None:
            return _error(403, missing, app_id)
        event_ts, plain_token = fields
        if not (_DIGITS.fullmatch(event_ts) and _SAFE_TOKEN.fullmatch(plain_token)):
            return _error(
                403,
                "an unsigned op 13 is answered only for a numeric event_ts and a plain_token "
                "of [0-9A-Za-z_-]",
                app_id,
            )
        return self._answer_validation(key, app_id, event_ts, plain_token)

    def _answer_validation(
        self, key: WebhookKey, app_id: str, event_ts: str, plain_token: str
    ) -> WebhookResult:
        body = validation_body(key, event_ts, plain_token)
        return WebhookResult(200, body, _JSON, (), app_id, "callback validation answered")

    def _dispatch(
        self,
        app_id: str,
        name: str,
        event_id: str | None,
        data: Any,
        signed: tuple[int, bytes],
        now: float,
    ) -> WebhookResult:
        timestamp, signature = signed
        window = self.timestamp_window
        until = timestamp + window if window is not None else now + DEFAULT_TIMESTAMP_WINDOW
        # known by its id, or without one by its signature (one per timestamp + body)
        key = "i" + event_id if event_id is not None else "s" + signature.decode("latin-1")
        seen = self._seen[app_id]
        recall = seen.check(key, until, now)
        if recall is Recall.SEEN:
            return WebhookResult(200, ACK_BODY, _JSON, (), app_id, f"duplicate {name} acked")
        if recall is Recall.FULL:
            reason = f"{seen.capacity} pushes remembered against replays; retry later"
            return _error(503, reason, app_id, **{"retry-after": "1"})
        try:
            event = parse_event(name, data, event_id=event_id)
        except RemoteProtocolError as exc:
            item = WebhookEvent(app_id, name, event_id, None, exc)
        else:
            item = WebhookEvent(app_id, name, event_id, event)
        return WebhookResult(200, ACK_BODY, _JSON, (item,), app_id, f"{name} acked")


def _validation_fields(d: Any) -> tuple[str, str] | None:
    """``(event_ts, plain_token)`` of an op 13 ``d``, or None if it lacks them."""
    if not isinstance(d, dict):
        return None
    token = d.get("plain_token")
    event_ts = d.get("event_ts")
    if type(event_ts) is int:
        event_ts = str(event_ts)
    if not isinstance(token, str) or not isinstance(event_ts, str) or not token:
        return None
    return event_ts, token
