"""The platform's side of webhook mode, sans-IO: signed callbacks and their retries.

:class:`WebhookPusher` belongs to a :class:`~qqproto.sim.Platform`. ``register(app_id,
url, now)`` configures a bot's callback URL and queues the op 13 validation handshake (as saving
the URL in the console does); the bot must answer with the right signature before any event is
pushed to it. Every event injected for that bot afterwards becomes a push
``{"op":0,"id","d","t"}``, signed with the bot's key over ``X-Signature-Timestamp`` + body.

A runner asks :meth:`~WebhookPusher.due` for the pushes to send now, sends
:meth:`~WebhookPusher.request` of each, and reports :meth:`~WebhookPusher.completed` with the
response (or None when the request failed or timed out). A push is acknowledged by a 2xx
answer; otherwise it is sent again with the same ``id`` after ``retry_delay`` seconds, up to
``max_attempts`` times in all (the platform was seen to retry three times).
:meth:`~WebhookPusher.lose_acks` makes the next acknowledgements count as lost, so tests can see
the retries a slow or unlucky bot gets.

Choices where the platform's behaviour is not documented (fields, so tests can change them): the
validation request carries ``User-Agent: QQBot-Callback`` and ``X-Bot-Appid`` but no signature
(``sign_validation=False``, as the docs' example shows); pushes to one bot are sent concurrently.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qqproto._errors import InvalidJSON
from qqproto._json import dumps, loads
from qqproto.rest._call import ApiResponse
from qqproto.rest._http import HttpRequest, HttpUrl

if TYPE_CHECKING:
    from qqproto.sim._world import Platform
    from qqproto.webhook._receiver import WebhookKey

__all__ = ["PushAttempt", "PushRequest", "WebhookPusher", "WebhookTarget"]

_TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass
class WebhookTarget:
    """A bot's callback URL and whether it passed validation (None: not answered yet)."""

    app_id: str
    url: HttpUrl
    validated: bool | None = None
    plain_token: str = ""
    event_ts: str = ""


@dataclass
class PushRequest:
    """One push (or the validation request) and its delivery state."""

    number: int
    app_id: str
    op: int
    event_id: str | None
    name: str | None
    body: bytes
    attempts: int = 0
    not_before: float = 0.0
    in_flight: bool = False
    done: bool = False


@dataclass(frozen=True, slots=True)
class PushAttempt:
    """One HTTP request the platform made to a callback URL, and how it ended."""

    time: float
    app_id: str
    op: int
    event_id: str | None
    name: str | None
    attempt: int
    status: int | None
    """The HTTP status (None: the request failed or timed out, see ``error``)."""
    acked: bool
    error: str | None = None
    response: Any = None
    """The decoded JSON answer (None if empty or not JSON)."""


@dataclass
class WebhookPusher:
    """Signed callbacks of one simulated platform (see the module docstring)."""

    platform: Platform
    max_attempts: int = 4
    retry_delay: float = 0.2
    timeout: float = 5.0
    """Seconds a runner waits for an answer before reporting the push as failed."""
    sign_validation: bool = False
    targets: dict[str, WebhookTarget] = field(default_factory=dict)
    attempts: list[PushAttempt] = field(default_factory=list)
    _queue: list[PushRequest] = field(default_factory=list)
    _keys: dict[str, WebhookKey] = field(default_factory=dict)
    _lost_acks: int = 0
    _number: int = 0

    def key(self, app_id: str) -> WebhookKey:
        """The bot's Ed25519 key (derived from its secret once)."""
        key = self._keys.get(app_id)
        if key is None:
            from qqproto.webhook._receiver import WebhookKey

            key = self._keys[app_id] = WebhookKey(self.platform.bot(app_id).secret)
        return key

    # ---------------------------------------------------------------- scripting

    def register(self, app_id: str, url: str, now: float) -> WebhookTarget:
        """Set the bot's callback URL (``http://`` is allowed here, unlike on the platform) and
        queue the op 13 validation request."""
        bot = self.platform.bot(app_id)
        target = WebhookTarget(bot.app_id, HttpUrl.parse(url, what="webhook url"))
        self.key(bot.app_id)
        target.plain_token = "".join(self.platform.rng.choice(_TOKEN_ALPHABET) for _ in range(20))
        target.event_ts = str(int(self.platform.wall(now)))
        self.targets[bot.app_id] = target
        body = {"d": {"plain_token": target.plain_token, "event_ts": target.event_ts}, "op": 13}
        self._enqueue(bot.app_id, 13, None, None, body, now)
        return target

    def unregister(self, app_id: str) -> None:
        """Stop pushing to the bot (pending pushes are dropped)."""
        self.targets.pop(app_id, None)
        self._queue = [p for p in self._queue if p.app_id != app_id or p.in_flight]

    def lose_acks(self, count: int = 1) -> None:
        """Treat the next ``count`` acknowledgements as lost: those pushes are sent again."""
        if count < 0:
            raise ValueError("count must not be negative")
        self._lost_acks = count

    def push(self, app_id: str, name: str, event_id: str, data: Any, now: float) -> bool:
        """Queue an event for the bot's callback URL; False when it has none."""
        if app_id not in self.targets:
            return False
        body = {"op": 0, "id": event_id, "d": data, "t": name}
        self._enqueue(app_id, 0, event_id, name, body, now)
        return True

    def _enqueue(
        self, app_id: str, op: int, event_id: str | None, name: str | None, body: Any, now: float
    ) -> None:
        self._number += 1
        raw = dumps(body)
        self._queue.append(PushRequest(self._number, app_id, op, event_id, name, raw, 0, now))

    # ---------------------------------------------------------------- the runner's side

    def _sendable(self, push: PushRequest) -> bool:
        if push.op == 13:
            return True
        target = self.targets.get(push.app_id)
        return target is not None and target.validated is True

    def due(self, now: float) -> list[PushRequest]:
        """The pushes to send now (marked in flight until :meth:`completed`)."""
        out = []
        for push in self._queue:
            if not push.in_flight and push.not_before <= now and self._sendable(push):
                push.in_flight = True
                out.append(push)
        return out

    def next_deadline(self) -> float | None:
        """When the next retry becomes due (None: nothing is waiting on time)."""
        times = [p.not_before for p in self._queue if not p.in_flight and self._sendable(p)]
        return min(times) if times else None

    def pending(self, app_id: str | None = None) -> int:
        """Pushes not yet acknowledged (nor given up)."""
        return sum(1 for p in self._queue if app_id is None or p.app_id == app_id)

    def request(self, push: PushRequest, now: float) -> HttpRequest:
        """The signed HTTP request for ``push`` at ``now``."""
        target = self.targets[push.app_id]
        url = target.url
        headers = [
            ("Host", url.host_header),
            ("User-Agent", "QQBot-Callback"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(push.body))),
            ("X-Bot-Appid", push.app_id),
        ]
        if push.op != 13 or self.sign_validation:
            timestamp = str(int(self.platform.wall(now)))
            signature = self.key(push.app_id).sign(timestamp.encode("ascii") + push.body)
            headers += [
                ("X-Signature-Ed25519", signature.hex()),
                ("X-Signature-Timestamp", timestamp),
            ]
        return HttpRequest("POST", url, url.target(), tuple(headers), push.body)

    def completed(
        self,
        push: PushRequest,
        response: ApiResponse | None,
        now: float,
        *,
        error: str | None = None,
    ) -> PushAttempt:
        """Record how a request ended; retry or finish the push."""
        push.in_flight = False
        push.attempts += 1
        status = response.status if response is not None else None
        answer: Any = None
        if response is not None:
            try:
                answer = loads(response.body) if response.body else None
            except InvalidJSON:
                answer = None
        acked = status is not None and 200 <= status < 300
        if push.op == 13:
            acked = acked and self._validated(push.app_id, answer)
        elif acked and self._lost_acks > 0:
            self._lost_acks -= 1
            acked = False
            error = "acknowledgement lost (scripted)"
        attempt = PushAttempt(
            now, push.app_id, push.op, push.event_id, push.name, push.attempts, status, acked,
            error, answer,
        )  # fmt: skip
        self.attempts.append(attempt)
        if acked or push.attempts >= self.max_attempts or push.app_id not in self.targets:
            push.done = True
            self._queue.remove(push)
            if push.op == 13 and not acked and push.app_id in self.targets:
                self.targets[push.app_id].validated = False
        else:
            push.not_before = now + self.retry_delay
        return attempt

    def _validated(self, app_id: str, answer: Any) -> bool:
        target = self.targets.get(app_id)
        if target is None or not isinstance(answer, dict):
            return False
        signature = answer.get("signature")
        if answer.get("plain_token") != target.plain_token or not isinstance(signature, str):
            return False
        try:
            raw = bytes.fromhex(signature)
        except ValueError:
            return False
        message = (target.event_ts + target.plain_token).encode("utf-8")
        target.validated = self.key(app_id).verify(message, raw)
        return target.validated
