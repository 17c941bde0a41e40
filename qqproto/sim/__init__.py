"""The server side of the QQ platform, modelled sans-IO: a simulator for tests and demos.

* :class:`Platform` (:mod:`.world`): bots, the token endpoint's 60-s rule, guilds, channels,
  groups and users, gateway sessions with a replay buffer, the log of everything the bot sent,
  and the scripting API (inject events, op 7/op 9, close or drop shards, stop ACKing heartbeats,
  fail REST calls, expire tokens, inspect).
* :class:`GatewayServer` (:mod:`.gateway`): one gateway connection (Hello, Identify checks,
  READY, Resume replay, RESUMED, heartbeat ACKs, dispatches filtered by intents).
* :func:`handle` (:mod:`.rest`): the token endpoint and the REST API as a function of the world.
* :class:`ServerConnection` (:mod:`.transport`): HTTP and WebSocket on one port, bytes in,
  bytes out.
* :class:`WebhookPusher` (:mod:`.webhook`): signed HTTP callbacks (op 13 validation, pushes,
  retries of unacknowledged pushes with the same id) to a bot's webhook URL.

Nothing here touches a socket, a clock or global randomness; ``qqbot_asyncio.simulator`` runs it
on loopback.
"""

from __future__ import annotations

from qqproto.sim._events import EVENT_INTENTS, intent_for_event
from qqproto.sim._gateway import DropTransport, GatewayServer, SendClose, SendText, ServerOutput
from qqproto.sim._rest import ROUTES, RestRequest, RestResponse, handle, parse_multipart
from qqproto.sim._transport import ServerConnection
from qqproto.sim._webhook import PushAttempt, PushRequest, WebhookPusher, WebhookTarget
from qqproto.sim._world import (
    DEFAULT_APP_ID,
    DEFAULT_SECRET,
    DUPLICATE_MSG_SEQ_CODE,
    Delivery,
    HeartbeatRecord,
    IdentifyRecord,
    Injected,
    InteractionAck,
    Platform,
    RecallRecord,
    RestFailure,
    RestRecord,
    ResumeRecord,
    SentMessage,
    SessionFault,
    SimBot,
    SimChannel,
    SimGroup,
    SimGuild,
    SimSession,
    SimUser,
    TokenRefused,
    UploadRecord,
)

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_SECRET",
    "DUPLICATE_MSG_SEQ_CODE",
    "EVENT_INTENTS",
    "ROUTES",
    "Delivery",
    "DropTransport",
    "GatewayServer",
    "HeartbeatRecord",
    "IdentifyRecord",
    "Injected",
    "InteractionAck",
    "Platform",
    "PushAttempt",
    "PushRequest",
    "RecallRecord",
    "RestFailure",
    "RestRecord",
    "RestRequest",
    "RestResponse",
    "ResumeRecord",
    "SendClose",
    "SendText",
    "SentMessage",
    "ServerConnection",
    "ServerOutput",
    "SessionFault",
    "SimBot",
    "SimChannel",
    "SimGroup",
    "SimGuild",
    "SimSession",
    "SimUser",
    "TokenRefused",
    "UploadRecord",
    "WebhookPusher",
    "WebhookTarget",
    "handle",
    "intent_for_event",
    "parse_multipart",
]
