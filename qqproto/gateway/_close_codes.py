"""What each gateway close code means and what the client must do about it, in one table.

``close_code_info(code)`` answers for any integer (or ``None`` for a transport dropped without a
close frame): the action (resume, identify anew, renew the token then identify, or stop) and a
human-readable meaning that errors and logs quote.
"""

from __future__ import annotations

import enum

import msgspec


class CloseAction(enum.Enum):
    """The decision a close code forces on the client."""

    RESUME = "resume"
    """Reconnect and resume the session (identify if there is none)."""
    IDENTIFY = "identify"
    """Forget the session, reconnect and identify anew."""
    RENEW_TOKEN = "renew_token"
    """Fetch a new access token, forget the session, then identify."""
    FATAL = "fatal"
    """Do not reconnect: the configuration or the bot's standing must change first."""


class CloseCodeInfo(msgspec.Struct, frozen=True):
    code: int | None
    action: CloseAction
    meaning: str


_TABLE: dict[int, tuple[CloseAction, str]] = {
    4001: (CloseAction.FATAL, "invalid opcode sent by the client (a library bug: please report)"),
    4002: (CloseAction.FATAL, "invalid payload sent by the client (a library bug: please report)"),
    4004: (CloseAction.RENEW_TOKEN, "authentication failed: the access token is invalid/expired"),
    4006: (CloseAction.IDENTIFY, "invalid session id: the session cannot be resumed"),
    4007: (CloseAction.IDENTIFY, "invalid seq on resume: the session cannot be resumed"),
    4008: (CloseAction.RESUME, "payloads sent too fast: reconnecting more slowly"),
    4009: (CloseAction.RESUME, "connection expired: resume the session"),
    4010: (CloseAction.FATAL, "invalid shard: check shard_id < shard_count and the shard count"),
    4011: (CloseAction.FATAL, "too many guilds on this connection: use more shards"),
    4012: (CloseAction.FATAL, "invalid gateway version"),
    4013: (CloseAction.FATAL, "invalid intent: an intents bit is not known to the platform"),
    4014: (
        CloseAction.FATAL,
        "intent not permitted: the bot asked for intents it has no permission for "
        "(request them in the QQ open platform console or remove them)",
    ),
    4914: (
        CloseAction.FATAL,
        "bot is offline (下架): only the sandbox environment may connect",
    ),
    4915: (CloseAction.FATAL, "bot is banned (封禁): do not connect until it is unbanned"),
}

_TRANSPORT_LOST = CloseCodeInfo(None, CloseAction.RESUME, "transport lost without a close frame")


def close_code_info(code: int | None) -> CloseCodeInfo:
    """The action and meaning of a close code; ``None`` means the transport dropped."""
    if code is None:
        return _TRANSPORT_LOST
    known = _TABLE.get(code)
    if known is not None:
        return CloseCodeInfo(code, known[0], known[1])
    if 4900 <= code <= 4913:
        return CloseCodeInfo(code, CloseAction.IDENTIFY, "platform internal error: identify anew")
    return CloseCodeInfo(
        code, CloseAction.RESUME, f"close code {code}: resume, identify if refused"
    )


FATAL_CODES = frozenset(c for c, (action, _) in _TABLE.items() if action is CloseAction.FATAL)
"""Every close code after which the client must stop."""
