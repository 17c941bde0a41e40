"""HTTP-callback session routes under ``/gateway/webhook/sessions`` (deprecated).

botgo still has them (``openapi/v1/webhook.go``), marked deprecated there: a webhook bot no
longer needs a session, the platform pushes to the callback URL set in the bot's console. They
are kept for bots that still manage old sessions; new code does not need them. Bodies and
answers are botgo's ``dto.HTTPIdentity``, ``dto.HTTPReady`` and ``dto.HTTPSession``.
"""

from __future__ import annotations

from qqproto.models import WebhookSession, WebhookSessionReady
from qqproto.rest._build import nothing, query
from qqproto.rest._call import Parts, route
from qqproto.rest._channels import listing

_SESSIONS = "/gateway/webhook/sessions"

_sessions = listing(WebhookSession, "sessions")


class WebhookSessionRoutes:
    """The deprecated HTTP-callback session routes."""

    @route("POST", _SESSIONS)
    def create_webhook_session(
        callback_url: str, intents: int, *, shard_id: int = 0, shard_count: int = 1
    ) -> Parts[WebhookSessionReady]:
        """open an HTTP-callback session (deprecated: webhook bots need none now).

        Body ``{"intents", "shards": [shard_id, shard_count], "callback_url"}``; answers the
        session's ``session_id``, the bot and its shard.
        """
        if not 0 <= shard_id < shard_count:
            raise ValueError(f"shard_id {shard_id} is not in range(shard_count={shard_count})")
        payload = {
            "intents": int(intents),
            "shards": [shard_id, shard_count],
            "callback_url": callback_url,
        }
        return Parts(WebhookSessionReady.parse, json=payload)

    @route("GET", _SESSIONS)
    def get_webhook_sessions() -> Parts[tuple[WebhookSession, ...]]:
        """the active HTTP-callback sessions (deprecated). Answers a list (botgo reads a bare
        array; ``{"sessions": [...]}`` is accepted too)."""
        return Parts(_sessions)

    @route("PATCH", _SESSIONS)
    def check_webhook_sessions() -> Parts[tuple[WebhookSession, ...]]:
        """``?action=check``: have the platform check the sessions and resume the inactive ones
        (deprecated). No body; answers the sessions, as :meth:`get_webhook_sessions`."""
        return Parts(_sessions, query=query(action="check"))

    @route("DELETE", _SESSIONS + "/{session_id}")
    def delete_webhook_session(session_id: str) -> Parts[None]:
        """stop one HTTP-callback session (deprecated)."""
        return Parts(nothing)
