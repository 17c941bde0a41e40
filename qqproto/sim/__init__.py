"""The server side of the QQ platform: a simulator for tests and demos, and its server.

The platform is modelled sans-IO:

* :class:`Platform` (``_world``): bots, the token endpoint's 60-s rule, guilds, channels,
  groups and users, gateway sessions with a replay buffer, the log of everything the bot sent,
  and the scripting API (inject events, op 7/op 9, close or drop shards, stop ACKing heartbeats,
  fail REST calls, expire tokens, inspect).
* :class:`GatewayServer` (``_gateway``): one gateway connection (Hello, Identify checks,
  READY, Resume replay, RESUMED, heartbeat ACKs, dispatches filtered by intents); its outputs
  are :class:`ServerText`, :class:`SendClose` and :class:`DropTransport`.
* :func:`handle` (``_rest``): the token endpoint and the REST API as a function of the world.
* :class:`ServerConnection` (``_transport``): HTTP and WebSocket on one port, bytes in,
  bytes out.
* :class:`WebhookPusher` (``_webhook``): signed HTTP callbacks (op 13 validation, pushes,
  retries of unacknowledged pushes with the same id) to a bot's webhook URL.

None of that touches a socket, a clock or global randomness. :class:`Simulator` (``_server``)
serves it on loopback over the same :class:`~qqproto.client._io.Io` the client uses, so it runs
on asyncio, trio or an in-memory Io alike (``async with Simulator.for_current_loop() as sim``);
``Simulator.in_thread()`` serves it from a background thread for synchronous code (that
thread and its loop are the asyncio adapter's: ``qqbot_asyncio.simulator.ThreadedSimulator``);
:meth:`Simulator.run` holds a :class:`Conversation` (``_conversation``)
with a bot under test. The pytest plugin (``_pytest_plugin``, registered as the ``qqbot``
``pytest11`` entry point) offers it as the ``qq_sim`` fixture.
"""

from __future__ import annotations

import warnings
from typing import Any

from qqproto.sim._conversation import Conversation
from qqproto.sim._events import EVENT_INTENTS, intent_for_event
from qqproto.sim._gateway import DropTransport, GatewayServer, SendClose, ServerOutput, ServerText
from qqproto.sim._rest import ROUTES, RestRequest, RestResponse, handle, parse_multipart
from qqproto.sim._server import Simulator, current_io
from qqproto.sim._transport import ServerConnection
from qqproto.sim._webhook import PushAttempt, PushRequest, WebhookPusher, WebhookTarget
from qqproto.sim._world import (
    DEFAULT_APP_ID,
    DEFAULT_SECRET,
    DUPLICATE_MSG_SEQ_CODE,
    STREAM_CODES,
    AuditRecord,
    ChunkedUpload,
    Delivery,
    HeartbeatRecord,
    IdentifyRecord,
    Injected,
    InteractionAck,
    PartPut,
    Platform,
    PlatformRefusal,
    RecallRecord,
    RestFailure,
    RestRecord,
    ResumeRecord,
    SentMessage,
    SessionFault,
    SessionInterval,
    SettingGuideRecord,
    SimBot,
    SimChannel,
    SimGroup,
    SimGuild,
    SimSession,
    SimUser,
    StreamFrame,
    TokenRefused,
    UploadRecord,
)

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_SECRET",
    "DUPLICATE_MSG_SEQ_CODE",
    "EVENT_INTENTS",
    "ROUTES",
    "STREAM_CODES",
    "AuditRecord",
    "ChunkedUpload",
    "Conversation",
    "Delivery",
    "DropTransport",
    "GatewayServer",
    "HeartbeatRecord",
    "IdentifyRecord",
    "Injected",
    "InteractionAck",
    "PartPut",
    "Platform",
    "PlatformRefusal",
    "PushAttempt",
    "PushRequest",
    "RecallRecord",
    "RestFailure",
    "RestRecord",
    "RestRequest",
    "RestResponse",
    "ResumeRecord",
    "SendClose",
    "SentMessage",
    "ServerConnection",
    "ServerOutput",
    "ServerText",
    "SessionFault",
    "SessionInterval",
    "SettingGuideRecord",
    "SimBot",
    "SimChannel",
    "SimGroup",
    "SimGuild",
    "SimSession",
    "SimUser",
    "Simulator",
    "StreamFrame",
    "TokenRefused",
    "UploadRecord",
    "WebhookPusher",
    "WebhookTarget",
    "current_io",
    "handle",
    "intent_for_event",
    "parse_multipart",
]


def __getattr__(name: str) -> Any:
    if name == "strategies":  # loaded on first use: it needs hypothesis (the test extra)
        import importlib

        return importlib.import_module("qqproto.sim._strategies")
    if name == "ThreadedSimulator":  # the thread mode is the asyncio adapter's
        import importlib

        return importlib.import_module("qqbot_asyncio.simulator").ThreadedSimulator
    if name == "SendText":  # renamed: it clashed with the client's qqproto.gateway.SendText
        warnings.warn(
            "qqproto.sim.SendText is deprecated: use qqproto.sim.ServerText",
            DeprecationWarning,
            stacklevel=2,
        )
        return ServerText
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
