"""Every exception qqbot raises, in one module (re-exported from :mod:`qqproto` and from the
package a user meets it in: ``qqproto.rest``, ``qqproto.webhook``, ``qqproto.models``, the
adapters)::

    QQError
    ├── ProtocolError
    │   ├── LocalProtocolError        the caller broke the protocol (wrong state, out of order)
    │   └── RemoteProtocolError       the peer sent what the protocol does not allow
    │       ├── PresignedPutError     object storage refused an upload part
    │       ├── StreamEntryError      a dispatch-stream entry this version cannot read
    │       ├── InvalidJSON           bytes that are not JSON
    │       ├── InvalidModel          a JSON value without the shape a model needs
    │       └── MalformedTokenResponse  (also a TokenFetchError)
    ├── ApiError                      a REST call failed (status, code, trace id, hint)
    │   ├── AuthError
    │   │   ├── UnauthorizedError     token rejected: refreshed once automatically
    │   │   └── TokenFetchError       the token endpoint refused or failed
    │   │       └── MalformedTokenResponse
    │   ├── ForbiddenError
    │   │   └── IpNotWhitelistedError
    │   ├── NotFoundError
    │   ├── RateLimitedError
    │   │   └── QuotaExceededError
    │   ├── ServerError
    │   └── AuditPendingError
    ├── TransportError                the transport failed below HTTP/WebSocket
    │   ├── ConnectError
    │   │   └── ConnectTimeoutError   (also a TimeoutError)
    │   ├── TlsError
    │   └── ConnectionLostError
    ├── GatewayClosedError            the gateway ended the session for good
    ├── EventsLostError               a session was given up with events missing
    ├── StreamError                   a frame of a streamed reply could not be sent
    ├── ChunkedUploadError            a chunked upload stopped (resumable)
    ├── UsageError                    a command was called wrongly (answered to the user)
    ├── WebhookDependencyError        PyNaCl is missing (also an ImportError)
    ├── TokenRefused                  the simulator's token endpoint refuses
    └── PlatformRefusal               the simulator refuses a REST request

A bad argument (a negative timeout, a port out of range, an empty id, a message with no content)
is not a protocol error: it raises the built-in ``ValueError`` or ``TypeError`` with a message
saying what to pass. ``LocalProtocolError`` is for protocol misuse only: a method called in a
state that does not allow it. Garbage input to any parser either parses or raises
``RemoteProtocolError``, never anything else.
"""

from __future__ import annotations

from typing import Any


class QQError(Exception):
    """Base class of every exception raised by qqbot."""


class ProtocolError(QQError):
    """A protocol rule was broken, by us or by the peer."""


class LocalProtocolError(ProtocolError):
    """The caller misused the protocol: a method called in a state that does not allow it (bad
    argument values raise ``ValueError``/``TypeError`` instead)."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow (malformed, oversized, out of order)."""


class GatewayClosedError(QQError):
    """The gateway ended the session for good (a fatal close code such as 4914 or 4014).

    ``code`` is the close code and ``meaning`` says what it means and what to change.
    """

    def __init__(self, code: int | None, meaning: str) -> None:
        super().__init__(f"gateway closed with code {code}: {meaning}")
        self.code = code
        self.meaning = meaning


class EventsLostError(QQError):
    """Events of a gateway session were lost: the session had to be given up (its resumes kept
    failing at one sequence number) and a new one started.

    ``session_id`` is the lost session, ``after_seq`` the last sequence number received in it
    (None if none was): every event of that session after it is missing. ``reason`` says why.
    """

    def __init__(self, session_id: str, after_seq: int | None, reason: str) -> None:
        super().__init__(
            f"events of gateway session {session_id[:64]} after seq {after_seq} were lost: {reason}"
        )
        self.session_id = session_id
        self.after_seq = after_seq
        self.reason = reason


class TransportError(QQError):
    """The transport failed: a connection could not be opened, broke, or was unusable.

    Every :class:`~qqproto.client._io.Io` translates its event loop's own exceptions (``OSError``,
    ``ssl.SSLError``, ``trio.BrokenResourceError``, ...) into this family, with the original as
    ``__cause__``, so the client catches ``TransportError`` alone whatever the loop. The HTTP pool
    raises it for a request that failed below HTTP, with ``failure`` saying how
    (a ``qqproto.rest.TransportFailure``: connect, lost or timeout, and whether anything was
    sent); ``failure`` is None when raised by an ``Io`` itself.
    """

    def __init__(self, message: str, failure: Any = None) -> None:
        # (typed loosely: this module imports nothing from the packages that use it)
        super().__init__(message)
        self.failure = failure


class ConnectError(TransportError):
    """A connection could not be opened: the name did not resolve, the peer refused or was
    unreachable, or (:class:`ConnectTimeoutError`) it did not answer in time."""


class ConnectTimeoutError(ConnectError, TimeoutError):
    """Connecting took longer than its timeout (also a ``TimeoutError``)."""


class TlsError(TransportError):
    """The TLS layer failed: a handshake that did not complete (a peer that does not speak TLS),
    a certificate that did not verify, or a corrupt record later on."""


class ConnectionLostError(TransportError):
    """An open connection broke: reset by the peer, a broken pipe, or used after it was closed.
    (A peer that closes cleanly is not an error: reads return ``b""``.)"""


# -- REST ---------------------------------------------------------------------------------------

_HINTS: dict[int, str] = {
    11241: "the access token is missing; the client fetches one automatically, check the app id "
    "and secret",
    11242: "the access token failed verification; check that app id and secret belong together",
    11243: "the access token was not accepted; it will be refreshed once automatically",
    11244: "the access token expired or does not exist; it will be refreshed once automatically",
    11251: "the app id is wrong or missing; check the app id in your configuration "
    "(sent as X-Union-Appid)",
    11261: "the app id is wrong or missing; check the app id in your configuration",
    11253: "the bot has no permission for this API; request it in the QQ bot console "
    "(or via the API permission demand route) and check the bot's role",
    11265: "the bot is banned; check the notices in the QQ bot console",
    11298: "the source IP is not in the IP whitelist: add this server's egress (public) IP in the "
    "QQ bot console under development settings -> IP whitelist, or send the traffic through a "
    "whitelisted proxy (Endpoints(api_base=...)); sandbox mode does not need the whitelist",
    40023002: "the source IP is not in the IP whitelist: add this server's egress (public) IP in "
    "the QQ bot console under development settings -> IP whitelist",
    22009: "messages are sent too often; slow down",
    20028: "the channel write rate limit was hit; slow down",
    304003: "the message contains a URL that is not registered; register it in the console "
    "(message URL configuration)",
    304018: "the bot is not connected to the gateway; channel sends need an online session",
    304023: "the message is waiting for manual audit; the result arrives as a MESSAGE_AUDIT_PASS "
    "or MESSAGE_AUDIT_REJECT event carrying this audit_id",
    304024: "the reply is waiting for manual audit; the result arrives as a MESSAGE_AUDIT_PASS "
    "or MESSAGE_AUDIT_REJECT event carrying this audit_id",
    304026: "msg_id is invalid; reply with the id of the message you received",
    304027: "the message you reply to is too old; the passive reply window has closed",
    304041: "markdown is not allowed in this reply; it needs platform approval",
    304082: "the platform could not fetch the media; check the URL and retry",
    304083: "the platform could not convert the media; check its format and retry",
    40034024: "msg_id is invalid or not yours to reply to (or the reply window has closed)",
    40054005: "the message was deduplicated: each reply to one msg_id needs a new msg_seq "
    "(use ReplySequencer)",
}
_HINTS.update(
    dict.fromkeys(
        range(304045, 304051),
        "the active-message quota is used up; wait for it to reset or reply passively",
    )
)

_STATUS_HINTS: dict[int, str] = {
    401: "authentication failed; the token is refreshed once automatically, check the app id "
    "and secret if it persists",
    404: "the API or the object does not exist; check the ids (and the sandbox setting)",
    405: "this method is not allowed on this route",
    413: "the request body is too large; upload big media by URL or in chunks",
    429: "rate limited; back off before retrying",
}


class ApiError(QQError):
    """A REST call failed. Catch a subclass for one kind of failure, or this for all."""

    status: int
    code: int | None
    err_code: int | None
    message: str
    trace_id: str | None
    method: str | None
    route: str | None
    data: Any
    hint: str | None

    def __init__(
        self,
        *,
        status: int,
        code: int | None = None,
        err_code: int | None = None,
        message: str = "",
        trace_id: str | None = None,
        method: str | None = None,
        route: str | None = None,
        data: Any = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.err_code = err_code
        self.message = message
        self.trace_id = trace_id
        self.method = method
        self.route = route
        self.data = data
        if hint is None:
            hint = _hint_for(code, err_code, status)
        self.hint = hint
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = " ".join(p for p in (self.method, self.route) if p) or "request"
        parts = [f"HTTP {self.status}"]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.err_code is not None and self.err_code != self.code:
            parts.append(f"err_code {self.err_code}")
        text = f"{where} failed: {', '.join(parts)}"
        if self.message:
            text += f": {self.message}"
        text += f" (trace id {self.trace_id or 'none'})"
        if self.hint:
            text += f". Hint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self._describe()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code}, "
            f"message={self.message!r}, trace_id={self.trace_id!r}, route={self.route!r})"
        )


class AuthError(ApiError):
    """Authentication failed (bad app id, bad secret, token rejected or not obtainable)."""


class UnauthorizedError(AuthError):
    """The access token was rejected (401, codes 11241-11244): refresh it and retry once."""


class ForbiddenError(ApiError):
    """The bot may not do this (403, no permission 11253, banned 11265, ...)."""


class IpNotWhitelistedError(ForbiddenError):
    """The caller's IP is not in the console's IP whitelist (11298)."""


class NotFoundError(ApiError):
    """The route or the object does not exist (404)."""


class RateLimitedError(ApiError):
    """Too many requests (429, 22009, 20028). ``retry_after`` is from ``Retry-After`` if sent."""

    retry_after: float | None = None


class QuotaExceededError(RateLimitedError):
    """An active-message quota is exhausted (304045-304050); retrying soon will not help."""


class ServerError(ApiError):
    """The platform failed (5xx). Safe to retry only for idempotent requests."""


class AuditPendingError(ApiError):
    """The message was accepted for manual audit (304023/304024), not sent yet.

    ``audit_id`` matches the later MESSAGE_AUDIT_PASS/REJECT event.
    """

    audit_id: str | None = None


def _hint_for(code: int | None, err_code: int | None, status: int) -> str | None:
    for candidate in (code, err_code):
        if candidate is not None and candidate in _HINTS:
            return _HINTS[candidate]
    if status >= 500:
        return "the platform had an internal error; retry later"
    return _STATUS_HINTS.get(status)


class TokenFetchError(AuthError):
    """The token endpoint refused or failed. ``retryable`` says whether trying later may help."""

    retryable: bool = False


class MalformedTokenResponse(TokenFetchError, RemoteProtocolError):
    """The token endpoint answered something that is not a token response."""

    retryable = True


# -- models, webhook, simulator -----------------------------------------------------------------


class InvalidJSON(RemoteProtocolError):
    """Bytes that should have been one JSON document are not (what and why in the message)."""


class InvalidModel(RemoteProtocolError):
    """A JSON value does not have the shape a model needs.

    ``model`` is the model's class name, ``path`` where in the JSON the problem is (``"$"`` for
    the value as a whole, ``"$.author.id"``, ``"$.mentions[0]"``), ``field`` that path without
    the leading ``$.`` (None for the whole value), ``reason`` what was wrong. When the value
    was a dispatched event, ``event`` is its name ``t`` and ``raw`` the JSON it came in, so
    ``on_error`` can see the payload that failed.
    """

    def __init__(
        self,
        model: str,
        field: str | None,
        reason: str,
        *,
        event: str | None = None,
        raw: bytes | None = None,
    ) -> None:
        where = model if event is None else f"{event} ({model})"
        path = "$" if not field else "$" + ("" if field[0] == "[" else ".") + field
        super().__init__(f"{where}: {reason}" + ("" if field is None else f" at {path}"))
        self.model = model
        self.field = field
        self.path = path
        self.reason = reason
        self.event = event
        self.raw = raw


class WebhookDependencyError(QQError, ImportError):
    """The ``webhook`` extra (PyNaCl, for Ed25519) is not installed."""


class TokenRefused(QQError):
    """The simulated token endpoint refuses: carries the platform's ``code`` and ``message``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class UsageError(QQError):
    """A command was called wrongly: a missing or malformed argument, too many arguments, an
    unterminated quote. The router answers it to the user with the command's usage line.

    A command may raise it too (``raise qq.UsageError("the count must be positive")``): the user
    gets the same answer, and ``on_error`` is not called.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StreamError(QQError):
    """A frame of a streamed reply could not be sent; the stream was left open (the platform
    ends it on its own). ``stream_id`` (None if the first frame failed), ``text`` (what the user
    has seen: the text of the frames sent) and ``frames`` (how many were sent) say how far it
    got; ``__cause__`` is the send's error (an :class:`ApiError`, a :class:`TransportError`, or
    a :class:`RemoteProtocolError` for an answer without the stream id)."""

    def __init__(self, message: str, *, stream_id: str | None, text: str, frames: int) -> None:
        super().__init__(message)
        self.stream_id = stream_id
        self.text = text
        self.frames = frames


class ChunkedUploadError(QQError):
    """A chunked upload stopped before its end. ``resume`` (a :class:`ChunkedUploadState`) given
    back to :func:`upload_media` (``resume=``) with the same data sends only the parts not
    finished; ``__cause__`` is the last error of the part (or step) that failed."""

    def __init__(self, message: str, resume: Any) -> None:
        super().__init__(message)
        self.resume = resume


class PresignedPutError(RemoteProtocolError):
    """Object storage refused a part's ``PUT`` (``status``); 429 and 5xx are tried again."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class PlatformRefusal(QQError):
    """A request the simulated platform refuses: the REST app answers ``status`` with the error body
    ``{"message", "code", "err_code", "trace_id"}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class StreamEntryError(RemoteProtocolError):
    """A stream entry this version cannot read (missing field, unknown version, bad number).

    ``entry_id`` is the stream entry's id; the message names the field."""

    def __init__(self, message: str, entry_id: str = "") -> None:
        super().__init__(message)
        self.entry_id = entry_id
