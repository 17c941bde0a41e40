"""The exception hierarchy shared by every part of the protocol core.

``LocalProtocolError`` means the caller used the core wrongly; ``RemoteProtocolError`` means the
peer (the QQ platform, or bytes claiming to be from it) misbehaved. Garbage input to any parser
either parses or raises ``RemoteProtocolError``, never anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qqproto.rest._retry import TransportFailure


class QQError(Exception):
    """Base class of every exception raised by qqbot."""


class ProtocolError(QQError):
    """A protocol rule was broken, by us or by the peer."""


class LocalProtocolError(ProtocolError):
    """The caller misused the core (wrong state, bad argument)."""


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

    def __init__(self, message: str, failure: TransportFailure | None = None) -> None:
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
