"""The simulated platform: bots, tokens, guilds and groups, gateway sessions, and what happened.

:class:`Platform` is the whole world of one simulator and its scripting API. It is pure: time is
the ``now`` argument (seconds on any monotonic clock; :attr:`Platform.epoch` + ``now`` is the
wall time written into events), randomness comes from the injected ``rng``. The gateway machines
(:class:`~qqproto.sim.GatewayServer`) and the REST app (:mod:`qqproto.sim._rest`) read and
change it; a runner only moves bytes and calls the scripting methods.

Choices where the platform's behaviour is not documented (each is a field, so tests can change
it):

* an exhausted ``session_start_limit`` closes the Identify with **4008** (rate limited);
* after op 9 the server closes with **4006**, after op 7 with **4009** (botpy waits for the
  server's close in both cases);
* a resume whose events fell out of the replay buffer gets op 9, a ``seq`` ahead of the session
  gets **4007**;
* a second Identify on a shard invalidates the shard's older sessions and closes their live
  connections with **4009**;
* a duplicate ``msg_id``/``event_id`` + ``msg_seq`` on a group or C2C send answers HTTP 400 with
  code **40054005** ("消息被去重，请检查请求msgseq", as the platform was seen to answer);
* a refused stream frame (C2C streaming messages, see :meth:`Platform.stream_frame`) answers
  HTTP 400 with one of the simulator's own codes 40054100-40054106 (:data:`STREAM_CODES`; the
  platform's codes for these cases are not documented).
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from qqproto._errors import LocalProtocolError, PlatformRefusal, TokenRefused
from qqproto.gateway._intents import Intents
from qqproto.sim import _events as ev
from qqproto.sim._webhook import WebhookPusher

if TYPE_CHECKING:
    from qqproto.sim._gateway import GatewayServer

__all__ = [
    "AUDIT_CODES",
    "DEFAULT_APP_ID",
    "DEFAULT_SECRET",
    "DUPLICATE_MSG_SEQ_CODE",
    "STREAM_CODES",
    "AuditRecord",
    "BufferedEvent",
    "ChunkedUpload",
    "Delivery",
    "HeartbeatRecord",
    "IdentifyRecord",
    "Injected",
    "InteractionAck",
    "PartPut",
    "Platform",
    "PlatformRefusal",
    "RecallRecord",
    "RestFailure",
    "RestRecord",
    "ResumeRecord",
    "SentMessage",
    "SessionFault",
    "SessionInterval",
    "SettingGuideRecord",
    "SimBot",
    "SimChannel",
    "SimGroup",
    "SimGuild",
    "SimSession",
    "SimUser",
    "StreamFrame",
    "TokenRefused",
    "UploadRecord",
]

DEFAULT_APP_ID = "102000000"
DEFAULT_SECRET = "simsecretsimsecretsimsecret12345"
DUPLICATE_MSG_SEQ_CODE = 40054005
"""The platform's code for a reply whose ``msg_id``/``event_id`` + ``msg_seq`` was used before."""

STREAM_CODES: Mapping[str, int] = {
    "bad_stream": 40054100,
    "scene": 40054101,
    "unknown_id": 40054102,
    "index": 40054103,
    "finished": 40054104,
    "too_fast": 40054105,
    "not_passive": 40054106,
}
"""The simulator's codes for refused stream frames (HTTP 400), by case: a malformed ``stream``
object, a stream outside C2C, an unknown stream ``id``, an ``index`` not above the previous
one, a frame after the final one, a frame sooner than :attr:`Platform.stream_min_interval`
after the previous one, a frame without ``msg_id``/``event_id``."""

AUDIT_CODES: Mapping[str, int] = {"active": 304023, "reply": 304024}
"""The platform's codes for a message held for audit: an active message, a reply."""
AUDIT_MESSAGE = "push message is waiting for audit now"

STREAM_STATES = (1, 10, 11, 20)
"""``stream.state``: 1 body generating, 10 body finished, 11 guide generating, 20 guide
finished."""

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True, slots=True)
class SessionFault:
    """How a broken or hostile server ends every gateway connection right after its READY or
    RESUMED (set :attr:`Platform.session_fault`): a reconnect storm.

    ``kind``: ``"close"`` (close frame with ``code``), ``"reconnect"`` (op 7, the socket left
    open), ``"garbage"`` (a text message that is not JSON), ``"oversized"`` (a valid payload of
    ``size`` bytes, above the client's limit) or ``"drop"`` (the TCP connection dropped).
    """

    kind: Literal["close", "reconnect", "garbage", "oversized", "drop"]
    code: int = 4000
    size: int = (1 << 20) + 1


# --------------------------------------------------------------------------------------------
# The things in the world


@dataclass
class SimBot:
    """One registered bot (app). Mutable: scripts may change permissions or limits at any time."""

    app_id: str
    secret: str
    user_id: str
    username: str
    allowed_intents: int = int(Intents.default())
    """Intents this bot may use; asking for others closes the gateway with 4014."""
    shards: int = 1
    """The shard count ``GET /gateway/bot`` suggests, and the only one Identify accepts."""
    session_total: int = 1000
    max_concurrency: int = 1
    reset_after: float = 86400.0
    """Seconds after the first session start until the budget refills."""
    avatar: str = "https://thirdqq.qlogo.cn/g?b=oidb&k=sim&s=100"
    union_openid: str = "74F138F7F3AF68C4B8E8325013FCA295"
    session_remaining: int = -1
    """Sessions left in the current window (-1: set to ``session_total`` at registration)."""
    window_start: float | None = None

    def __post_init__(self) -> None:
        if self.session_remaining < 0:
            self.session_remaining = self.session_total


@dataclass
class IssuedToken:
    value: str
    app_id: str
    expires_at: float


@dataclass
class SimGuild:
    id: str
    name: str
    owner_id: str = "4828365788198541698"
    member_count: int = 17
    max_members: int = 300
    description: str = ""
    joined_at: str = "2021-12-08T16:12:31+08:00"
    icon: str = "https://groupprohead-76292.picgzc.qpic.cn/482231626508223/100"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "icon": self.icon,
            "owner_id": self.owner_id,
            "owner": False,
            "joined_at": self.joined_at,
            "member_count": self.member_count,
            "max_members": self.max_members,
            "description": self.description,
        }


@dataclass
class SimChannel:
    id: str
    guild_id: str
    name: str
    type: int = 0
    sub_type: int = 0
    position: int = 1
    parent_id: str = "0"
    owner_id: str = "0"
    private_type: int = 0
    speak_permission: int = 1
    application_id: str = "0"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "guild_id": self.guild_id,
            "name": self.name,
            "type": self.type,
            "position": self.position,
            "parent_id": self.parent_id,
            "owner_id": self.owner_id,
            "sub_type": self.sub_type,
            "private_type": self.private_type,
            "speak_permission": self.speak_permission,
            "application_id": self.application_id,
        }


@dataclass
class SimUser:
    """A simulated human: ``id``/``username`` in guilds, ``openid`` in groups and single chats."""

    id: str
    username: str
    openid: str
    avatar: str = "http://thirdqq.qlogo.cn/0"


@dataclass
class SimGroup:
    openid: str
    name: str = "模拟群"


@dataclass(frozen=True, slots=True)
class BufferedEvent:
    """One dispatch of a session, kept for resume replay."""

    seq: int
    name: str
    event_id: str
    data: Any


@dataclass
class SimSession:
    """One gateway session (what READY started and Resume continues)."""

    session_id: str
    app_id: str
    shard_id: int
    shard_count: int
    intents: int
    created: float
    buffer_size: int
    seq: int = 1
    evicted_upto: int = 0
    """The highest seq that fell out of the replay buffer (resumes from before it get op 9)."""
    connection: GatewayServer | None = None
    buffer: deque[BufferedEvent] = field(init=False)

    def __post_init__(self) -> None:
        self.buffer = deque()

    def wants(self, name: str) -> bool:
        """Whether this session's intents cover event ``name``."""
        if name in ev.ALWAYS_DELIVERED:
            return True
        bit = ev.intent_for_event(name)
        return bit is None or bool(self.intents & bit)

    def append(self, name: str, event_id: str, data: Any) -> BufferedEvent:
        self.seq += 1
        event = BufferedEvent(self.seq, name, event_id, data)
        self.buffer.append(event)
        while len(self.buffer) > self.buffer_size:
            self.evicted_upto = self.buffer.popleft().seq
        return event

    def replay_after(self, seq: int) -> list[BufferedEvent] | None:
        """The buffered events after ``seq``, or None when some of them were evicted."""
        if seq < self.evicted_upto:
            return None
        return [e for e in self.buffer if e.seq > seq]


# --------------------------------------------------------------------------------------------
# Records (immutable, safe to hand to other threads)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One message the bot sent. ``scene`` is ``channel``, ``dms``, ``group`` or ``c2c``;
    ``target_id`` the channel id, DM guild id, group openid or user openid."""

    index: int
    time: float
    app_id: str
    scene: str
    target_id: str
    body: Mapping[str, Any]
    message_id: str
    msg_id: str | None
    event_id: str | None
    msg_seq: int | None
    file: bytes | None = None
    stream_id: str | None = None
    """A streamed C2C message: its stream id (the ``id`` its first frame was answered)."""
    frames: tuple[StreamFrame, ...] = ()
    """A streamed message's accepted frames, oldest first (``body`` is then the last frame's
    with the assembled text as ``content``, or ``markdown.content``)."""
    finished: bool = True
    """False while a streamed message's body is still generating (no frame with state 10)."""
    guide: str | None = None
    """A streamed message's guide text (frames with state 11/20), if any."""

    @property
    def content(self) -> str | None:
        value = self.body.get("content")
        return value if isinstance(value, str) else None

    @property
    def reply_to(self) -> str | None:
        """The ``msg_id`` or ``event_id`` this message answers (None: an active message)."""
        return self.msg_id or self.event_id


AuditPredicate = Callable[[str, str, Mapping[str, Any]], bool]
"""``(scene, target_id, body) -> bool``: whether a bot's send is held for audit."""


@dataclass
class _AuditRule:
    predicate: AuditPredicate | None
    remaining: int | None
    decide: Literal["pass", "reject"] | None
    after: float


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A bot's message held for audit. ``outcome``: ``pending``, ``passed`` or ``rejected``;
    ``message_id`` is the delivered message's once passed; ``due`` when it is decided
    automatically (``decide``), if it is."""

    audit_id: str
    time: float
    app_id: str
    scene: str
    target_id: str
    body: Mapping[str, Any]
    code: int
    outcome: Literal["pending", "passed", "rejected"] = "pending"
    decided_at: float | None = None
    message_id: str | None = None
    decide: Literal["pass", "reject"] | None = None
    due: float | None = None


@dataclass(frozen=True, slots=True)
class StreamFrame:
    """One frame of a C2C streaming message (``stream`` in the body), accepted or refused.

    ``text`` is the frame's own text (``content``, or ``markdown.content``); ``stream_id`` is
    None for a refused first frame; ``refused`` the error code it got (None: accepted)."""

    time: float
    app_id: str
    scene: str
    target_id: str
    stream_id: str | None
    state: Any
    index: Any
    reset: bool
    text: str
    body: Mapping[str, Any]
    refused: int | None = None


@dataclass
class _Stream:
    stream_id: str
    app_id: str
    target_id: str
    sent_index: int
    last_index: int
    last_time: float
    state: int
    text: str = ""
    guide: str = ""


@dataclass(frozen=True, slots=True)
class UploadRecord:
    """One media upload (``POST /v2/.../files``): by ``url``, by base64 ``file_data`` (``data``
    holds the decoded bytes) or a completed chunked upload (``upload_id``; ``data`` holds the
    assembled bytes)."""

    time: float
    app_id: str
    scene: str
    target_id: str
    file_type: int
    url: str | None
    srv_send_msg: bool
    has_file_data: bool
    file_info: str
    data: bytes | None = None
    upload_id: str | None = None
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class SettingGuideRecord:
    """One setting guide the bot sent: ``scene`` ``channel`` (``target_id`` the channel) or
    ``dms`` (the DM guild)."""

    time: float
    app_id: str
    scene: str
    target_id: str
    body: Mapping[str, Any]


@dataclass
class ChunkedUpload:
    """A chunked upload in progress (``upload_prepare``): the declared file, its parts."""

    upload_id: str
    app_id: str
    scene: str
    target_id: str
    file_type: int
    file_name: str
    file_size: int
    md5: str
    sha1: str
    md5_10m: str
    block_size: int
    parts: dict[int, bytes] = field(default_factory=dict)
    """Part index (from 1) -> the bytes its presigned PUT stored."""
    finished: set[int] = field(default_factory=set)
    """Parts confirmed by ``upload_part_finish``."""
    completed: bool = False

    @property
    def part_count(self) -> int:
        return max(1, -(-self.file_size // self.block_size))

    def part_size(self, index: int) -> int:
        if index < self.part_count:
            return self.block_size
        return self.file_size - self.block_size * (self.part_count - 1)


@dataclass(frozen=True, slots=True)
class PartPut:
    """One PUT to a presigned part URL: ``authorization`` says whether the request carried an
    ``Authorization`` header (the platform's storage needs none; its value is not kept)."""

    time: float
    upload_id: str
    index: int
    size: int
    authorization: bool
    status: int


@dataclass(frozen=True, slots=True)
class RecallRecord:
    time: float
    app_id: str
    scene: str
    target_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class InteractionAck:
    time: float
    app_id: str
    interaction_id: str
    code: Any


@dataclass(frozen=True, slots=True)
class IdentifyRecord:
    """One Identify: ``close_code`` is None when it got READY."""

    time: float
    app_id: str | None
    shard: tuple[int, int] | None
    intents: Any
    session_id: str | None
    close_code: int | None


@dataclass(frozen=True, slots=True)
class ResumeRecord:
    """One Resume: ``outcome`` is ``resumed``, ``invalid_session`` or ``closed:<code>``."""

    time: float
    app_id: str | None
    shard: int | None
    session_id: Any
    seq: Any
    replayed: int
    outcome: str


SessionEnd = Literal[
    "client_close", "dropped", "server_close", "server_drop", "superseded", "invalid_session"
]
"""How a :class:`SessionInterval` ended: the client closed (``close_code`` its code), the TCP
connection dropped without a close frame (a crash, ``kill -9``), the server closed
(``close_code``) or dropped it, another connection took the session or the shard over
(resume elsewhere, a new Identify on the shard: ``superseded_by``), op 9."""


@dataclass(frozen=True, slots=True)
class SessionInterval:
    """A stretch of time during which one gateway connection held a live session of a shard:
    from READY (``how="identify"``) or RESUMED (``how="resume"``) until the connection let go of
    it (``end``, ``ended``; both None while it still holds it). Times are the simulator's clock.
    ``seq_start``/``seq_end``: the session's ``s`` then (what the connection had been sent
    when it started, resp. when it ended)."""

    app_id: str
    shard: int
    connection_id: int
    session_id: str
    how: Literal["identify", "resume"]
    start: float
    seq_start: int
    end: float | None = None
    ended: SessionEnd | None = None
    close_code: int | None = None
    superseded_by: int | None = None
    """The connection that took the session or shard over (``ended == "superseded"``)."""
    seq_end: int | None = None

    @property
    def live(self) -> bool:
        return self.end is None

    def overlaps(self, other: SessionInterval) -> bool:
        """Whether both held the same shard of the same bot at once: their times intersect
        (touching ends do not count), or one was superseded by the other (the platform ended
        the first because the second took over while it was still live)."""
        if (self.app_id, self.shard) != (other.app_id, other.shard) or self is other:
            return False
        if self.superseded_by == other.connection_id or other.superseded_by == self.connection_id:
            return True
        inf = float("inf")
        self_end = inf if self.end is None else self.end
        other_end = inf if other.end is None else other.end
        return self.start < other_end and other.start < self_end


@dataclass(frozen=True, slots=True)
class HeartbeatRecord:
    time: float
    connection_id: int
    app_id: str | None
    shard: int | None
    d: Any
    acked: bool


@dataclass(frozen=True, slots=True)
class RestRecord:
    """One REST request and the answer it got."""

    time: float
    method: str
    target: str
    route: str | None
    status: int
    code: int | None
    union_appid: str | None
    app_id: str | None
    """The bot the ``Authorization`` token belongs to (None when it was not valid)."""
    body: Any
    trace_id: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where an injected event went: the session, its shard and the ``s`` it got there."""

    app_id: str
    session_id: str
    shard: int
    seq: int
    live: bool
    """Whether a connection was attached (else it waits in the buffer for a resume)."""


@dataclass(frozen=True, slots=True)
class Injected:
    """An injected event: its name, top-level id, ``d`` and the sessions that got it."""

    name: str
    event_id: str
    data: Any
    deliveries: tuple[Delivery, ...]
    pushed: bool = False
    """Whether it was queued for the bot's webhook (see :meth:`Platform.register_webhook`)."""


@dataclass
class RestFailure:
    """A scripted failure for the next ``remaining`` requests matching ``spec``."""

    spec: str
    remaining: int
    status: int
    code: int | None
    message: str
    body: Any = None

    def matches(self, method: str, path: str, route: str | None) -> bool:
        want_method, _, want_path = self.spec.partition(" ")
        if not want_path:
            want_method, want_path = "", self.spec
        if want_method and want_method.upper() != method:
            return False
        if "{" in want_path:
            return route is not None and _shape(route) == _shape(want_path)
        return path == want_path or path.startswith(want_path.rstrip("/") + "/")


def _shape(template: str) -> tuple[str, ...]:
    return tuple("{}" if p.startswith("{") else p for p in template.strip("/").split("/"))


# --------------------------------------------------------------------------------------------
# The platform


class Platform:
    """The simulated QQ open platform: state, rules and the scripting API.

    ``rng`` is the only randomness (tokens, session ids, event ids, message ids, trace ids).
    ``epoch`` maps ``now`` to wall time for timestamps (``wall = epoch + now``).
    """

    def __init__(
        self,
        *,
        rng: random.Random,
        epoch: float = 1_700_000_000.0,
        token_lifetime: float = 7200.0,
        heartbeat_interval_ms: int = 41250,
        identify_timeout: float | None = 30.0,
        replay_buffer: int = 1000,
        gateway_url: str = "ws://127.0.0.1/websocket",
        default_world: bool = True,
    ) -> None:
        if token_lifetime <= 60:
            raise ValueError("token_lifetime must exceed the 60 s refresh window")
        if heartbeat_interval_ms <= 0:
            raise ValueError("heartbeat_interval_ms must be positive")
        if replay_buffer < 0:
            raise ValueError("replay_buffer must not be negative")
        self.rng = rng
        self.epoch = epoch
        self.token_lifetime = token_lifetime
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.identify_timeout = identify_timeout
        """Close a connection that neither identifies nor resumes this long after Hello."""
        self.replay_buffer = replay_buffer
        self.gateway_url = gateway_url
        """What ``GET /gateway`` and ``/gateway/bot`` answer (the runner sets its own)."""
        # documented choices, see the module docstring
        self.session_limit_close_code = 4008
        self.close_after_invalid_session: int | None = 4006
        self.close_after_reconnect: int | None = 4009
        self.superseded_close_code = 4009
        self.identify_timeout_close_code = 4009
        self.session_fault: SessionFault | None = None
        """When set, every gateway connection is ended this way right after READY/RESUMED."""
        self.identify_rate_window: float | None = None
        """When set (the platform's is 5.0), an Identify less than this many seconds after the
        last successful one of the same bucket (``shard % max_concurrency``) is closed with
        :attr:`identify_rate_close_code`; None (the default) does not enforce it (records
        only: see :meth:`identify_rate_violations`)."""
        self.identify_rate_close_code = 4008
        self.clock = 0.0
        """The latest time a runner gave the world (the simulator sets it before each scripting
        call): when a scripted close or drop (``reconnect_shard``, ``close_shard``, ...) ends
        a :class:`SessionInterval`, whose methods take no ``now``."""

        self.bots: dict[str, SimBot] = {}
        self.guilds: dict[str, SimGuild] = {}
        self.channels: dict[str, SimChannel] = {}
        self.groups: dict[str, SimGroup] = {}
        self.users: dict[str, SimUser] = {}
        self.dm_sessions: dict[str, tuple[str, str, str]] = {}
        """DM guild id -> (channel id, recipient user id, source guild id)."""
        self.sessions: dict[str, SimSession] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._current_token: dict[str, IssuedToken] = {}
        self._ack_default = True
        self._ack_override: dict[int, bool] = {}
        self._failures: list[RestFailure] = []
        self._used_seqs: set[tuple[str, str, str, str, int]] = set()
        self._seq_in_channel: dict[str, int] = {}
        self._streams: dict[str, _Stream] = {}
        self._audit_rules: list[_AuditRule] = []
        self.audit_status = 202
        """The HTTP status of an answer "held for audit" (the platform was seen using 200-202)."""
        self.api_base = "http://127.0.0.1"
        """This simulator's own base URL (the runner sets it): presigned part URLs point here."""
        self.upload_block_size = 1 << 20
        """``block_size`` of chunked uploads (bytes)."""
        self.upload_config: dict[str, int] = {
            "concurrency": 2,
            "retry_timeout": 30,
            "retry_delay": 1,
        }
        """``upload_config`` of the ``upload_prepare`` answer."""
        self.chunked_uploads: dict[str, ChunkedUpload] = {}
        self.part_puts: list[PartPut] = []
        """Every PUT to a presigned part URL."""
        self.setting_guides: list[SettingGuideRecord] = []
        self.webhook_sessions: dict[str, dict[str, Any]] = {}
        """The deprecated HTTP-callback sessions (``/gateway/webhook/sessions``), by id, as
        botgo's ``HTTPSession``."""
        self._sign_key: str | None = None
        self.stream_min_interval = 0.3
        """Stream frames of one message closer than this (seconds of ``now``) are refused."""
        self.stream_cumulative = False
        """False: each stream frame carries the new text (appended); True: the whole text so
        far (each frame replaces it)."""
        self._next_connection_id = 0
        self.connections: dict[int, GatewayServer] = {}
        """Live gateway connections by id."""
        self.webhook = WebhookPusher(self)
        """Signed HTTP callbacks to the bots that registered a webhook URL."""

        # what happened
        self.sent: list[SentMessage] = []
        self.stream_frames: list[StreamFrame] = []
        self.audits: list[AuditRecord] = []
        """Every message held for audit (see :meth:`audit`), by order of sending."""
        """Every stream frame received, accepted or refused, oldest first."""
        self.uploads: list[UploadRecord] = []
        self.recalls: list[RecallRecord] = []
        self.interaction_acks: list[InteractionAck] = []
        self.identifies: list[IdentifyRecord] = []
        self.resumes: list[ResumeRecord] = []
        self.session_intervals: list[SessionInterval] = []
        """Every time a gateway connection held a live session, in order of start (see
        :meth:`shard_sessions`)."""
        self.heartbeats: list[HeartbeatRecord] = []
        self.rest_log: list[RestRecord] = []
        self.injected: list[Injected] = []
        self.tcp_connections: list[float] = []
        self.ws_connections: list[float] = []
        self.received: dict[str, Any] = {}
        """Message id -> the ``d`` of every message injected from a simulated user."""
        self.channel_log: dict[str, list[dict[str, Any]]] = {}
        """Channel id -> its messages in channel order (those injected from simulated users and
        those the bot sent there), as message objects; ``GET /channels/{id}/messages`` serves
        it."""

        if default_world:
            self.add_bot(DEFAULT_APP_ID, DEFAULT_SECRET)
            self.add_guild("18700000000001", "模拟频道")
            self.add_channel("100010", "18700000000001", "闲聊")
            self.add_user("1234", "abc", openid="E4F4AEA33253A2797FB897C50B81D7ED")
            self.add_group("C9F778FE6ADF9D1D1DBE395BF744A33A")

    # ------------------------------------------------------------------ world building

    def add_bot(
        self,
        app_id: str,
        secret: str,
        *,
        user_id: str | None = None,
        username: str = "模拟机器人",
        allowed_intents: int | None = None,
        shards: int = 1,
        session_total: int = 1000,
        max_concurrency: int = 1,
        reset_after: float = 86400.0,
    ) -> SimBot:
        """Register a bot. ``user_id`` defaults to a 19-digit id derived from the rng.

        ``session_total`` sessions may start (Identify) per ``reset_after`` seconds (counted
        from the first start of a window; ``GET /gateway/bot``'s ``session_start_limit``);
        ``max_concurrency`` is reported there too and, with :attr:`identify_rate_window`, is
        the number of identify buckets."""
        if not app_id or not secret:
            raise ValueError("a bot needs a non-empty app_id and secret")
        if shards < 1 or max_concurrency < 1:
            raise ValueError("shards and max_concurrency must be >= 1")
        if session_total < 0 or reset_after <= 0:
            raise ValueError("session_total must be >= 0 and reset_after positive")
        bot = SimBot(
            app_id=app_id,
            secret=secret,
            user_id=user_id or str(self.rng.randrange(10**18, 10**19)),
            username=username,
            allowed_intents=int(Intents.default()) if allowed_intents is None else allowed_intents,
            shards=shards,
            session_total=session_total,
            max_concurrency=max_concurrency,
            reset_after=reset_after,
        )
        self.bots[app_id] = bot
        return bot

    def add_guild(self, /, guild_id: str, name: str, **fields: Any) -> SimGuild:
        guild = SimGuild(guild_id, name, **fields)
        self.guilds[guild_id] = guild
        return guild

    def add_channel(
        self, /, channel_id: str, guild_id: str, name: str, **fields: Any
    ) -> SimChannel:
        channel = SimChannel(channel_id, guild_id, name, **fields)
        self.channels[channel_id] = channel
        return channel

    def add_user(self, user_id: str, username: str, *, openid: str | None = None) -> SimUser:
        user = SimUser(user_id, username, openid or f"{self.rng.getrandbits(128):032X}")
        self.users[user_id] = user
        return user

    def add_group(self, openid: str, name: str = "模拟群") -> SimGroup:
        group = SimGroup(openid, name)
        self.groups[openid] = group
        return group

    def bot(self, app_id: str | None = None) -> SimBot:
        """The bot ``app_id``, or the first one registered."""
        if app_id is None:
            if not self.bots:
                raise LocalProtocolError("no bot is registered; call add_bot() first")
            return next(iter(self.bots.values()))
        try:
            return self.bots[app_id]
        except KeyError:
            raise LocalProtocolError(f"no bot with app_id {app_id!r}") from None

    def wall(self, now: float) -> float:
        """Unix time at ``now``."""
        return self.epoch + now

    def new_id(self) -> str:
        """A random uuid-shaped id (session ids, file uuids)."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def trace_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    # ------------------------------------------------------------------ tokens

    def issue_token(self, app_id: Any, secret: Any, now: float) -> tuple[str, int]:
        """The token endpoint's rule: ``(access_token, expires_in)`` or :class:`TokenRefused`.

        The same token comes back until its last 60 s; then a new one is minted and the old one
        stays valid for the rest of its life.
        """
        if not isinstance(app_id, str) or not app_id:
            raise TokenRefused(100007, "appid invalid")
        bot = self.bots.get(app_id)
        if bot is None:
            raise TokenRefused(100007, "appid invalid")
        if secret != bot.secret:
            raise TokenRefused(100016, "invalid appid or secret")
        current = self._current_token.get(app_id)
        if current is None or current.expires_at - now <= 60.0:
            value = "".join(self.rng.choice(_TOKEN_ALPHABET) for _ in range(43))
            current = IssuedToken(value, app_id, now + self.token_lifetime)
            self._tokens[value] = current
            self._current_token[app_id] = current
        self._forget_dead_tokens(now)
        return current.value, max(1, int(current.expires_at - now))

    def _forget_dead_tokens(self, now: float) -> None:
        dead = [v for v, t in self._tokens.items() if t.expires_at <= now - 3600.0]
        for value in dead:
            del self._tokens[value]

    def token_bot(self, value: str, now: float) -> SimBot | None:
        """The bot whose live access token is ``value`` (None if unknown or expired)."""
        token = self._tokens.get(value)
        if token is None or token.expires_at <= now:
            return None
        return self.bots.get(token.app_id)

    def auth_bot(self, header: Any, now: float) -> SimBot | None:
        """The bot an ``Authorization`` value (``QQBot <token>``) belongs to, if it is valid."""
        if not isinstance(header, str):
            return None
        scheme, _, value = header.strip().partition(" ")
        if scheme != "QQBot" or not value:
            return None
        return self.token_bot(value.strip(), now)

    def expire_tokens(self, now: float, *, app_id: str | None = None) -> int:
        """Expire every token (of one bot): requests then get 401/11244, the gateway 4004, and
        the next token request mints a new token. Returns how many were expired."""
        count = 0
        for token in self._tokens.values():
            if (app_id is None or token.app_id == app_id) and token.expires_at > now:
                token.expires_at = now
                count += 1
        return count

    def live_tokens(self, now: float, *, app_id: str | None = None) -> list[str]:
        """The access tokens valid at ``now`` (for inspection)."""
        return [
            t.value
            for t in self._tokens.values()
            if t.expires_at > now and (app_id is None or t.app_id == app_id)
        ]

    # ------------------------------------------------------------------ sessions

    def session_start_limit(self, bot: SimBot, now: float) -> dict[str, int]:
        """``session_start_limit`` as ``GET /gateway/bot`` reports it at ``now``."""
        self._refill(bot, now)
        reset_after = (
            bot.reset_after
            if bot.window_start is None
            else max(0.0, bot.window_start + bot.reset_after - now)
        )
        return {
            "total": bot.session_total,
            "remaining": bot.session_remaining,
            "reset_after": int(reset_after * 1000),
            "max_concurrency": bot.max_concurrency,
        }

    def _refill(self, bot: SimBot, now: float) -> None:
        if bot.window_start is not None and now >= bot.window_start + bot.reset_after:
            bot.window_start = None
            bot.session_remaining = bot.session_total

    def gateway_bot(self, bot: SimBot, now: float) -> dict[str, Any]:
        return {
            "url": self.gateway_url,
            "shards": bot.shards,
            "session_start_limit": self.session_start_limit(bot, now),
        }

    def take_session_budget(self, bot: SimBot, now: float) -> bool:
        """Use one session start; False when none is left."""
        self._refill(bot, now)
        if bot.session_remaining <= 0:
            return False
        if bot.window_start is None:
            bot.window_start = now
        bot.session_remaining -= 1
        return True

    def start_session(
        self,
        bot: SimBot,
        shard: tuple[int, int],
        intents: int,
        now: float,
        *,
        connection_id: int | None = None,
    ) -> SimSession:
        """A new session on ``shard``; older sessions of that shard are invalidated (a live
        one's connection is closed, superseded by connection ``connection_id``)."""
        for old in [s for s in self.sessions.values() if s.app_id == bot.app_id]:
            if old.shard_id == shard[0]:
                self._drop_session(
                    old, self.superseded_close_code, "session superseded", now, by=connection_id
                )
        session = SimSession(
            session_id=self.new_id(),
            app_id=bot.app_id,
            shard_id=shard[0],
            shard_count=shard[1],
            intents=intents,
            created=now,
            buffer_size=self.replay_buffer,
        )
        self.sessions[session.session_id] = session
        return session

    def _drop_session(
        self, session: SimSession, code: int, reason: str, now: float, *, by: int | None = None
    ) -> None:
        self.sessions.pop(session.session_id, None)
        conn = session.connection
        if conn is not None:
            conn.supersede(by, code, reason, now)

    # ------------------------------------------------------------------ identify rate

    def identify_rate_limited(self, bot: SimBot, shard: int, now: float) -> bool:
        """Whether an Identify of ``shard`` at ``now`` comes too soon after the last successful
        one of its bucket (``shard % max_concurrency``), with :attr:`identify_rate_window` set."""
        window = self.identify_rate_window
        if window is None:
            return False
        bucket = shard % bot.max_concurrency
        for record in reversed(self.identifies):
            if now - record.time >= window:
                break
            if (
                record.close_code is None
                and record.app_id == bot.app_id
                and record.shard is not None
                and record.shard[0] % bot.max_concurrency == bucket
            ):
                return True
        return False

    def identify_rate_violations(
        self, window: float = 5.0, *, app_id: str | None = None
    ) -> list[tuple[IdentifyRecord, IdentifyRecord]]:
        """Pairs of successful Identifies of one bucket (``shard % max_concurrency``) less than
        ``window`` seconds apart, earlier first: empty when the bot never identified more than
        ``max_concurrency`` sessions per ``window`` (the platform's rule, 5 s)."""
        bot = self.bot(app_id)
        last: dict[int, IdentifyRecord] = {}
        out = []
        for record in self.identifies:
            if record.close_code is not None or record.app_id != bot.app_id or not record.shard:
                continue
            bucket = record.shard[0] % bot.max_concurrency
            previous = last.get(bucket)
            if previous is not None and record.time - previous.time < window:
                out.append((previous, record))
            last[bucket] = record
        return out

    # ------------------------------------------------------------------ session intervals

    def begin_session_interval(
        self,
        connection_id: int,
        session: SimSession,
        how: Literal["identify", "resume"],
        now: float,
    ) -> int:
        """Record that connection ``connection_id`` holds ``session`` from ``now``: the index
        of the new :class:`SessionInterval` in :attr:`session_intervals`."""
        self.session_intervals.append(
            SessionInterval(
                app_id=session.app_id,
                shard=session.shard_id,
                connection_id=connection_id,
                session_id=session.session_id,
                how=how,
                start=now,
                seq_start=session.seq,
            )
        )
        return len(self.session_intervals) - 1

    def end_session_interval(
        self,
        index: int,
        ended: SessionEnd,
        now: float,
        *,
        close_code: int | None = None,
        superseded_by: int | None = None,
        seq: int | None = None,
    ) -> None:
        """Close interval ``index`` (once: a second call does nothing)."""
        interval = self.session_intervals[index]
        if interval.end is not None:
            return
        self.session_intervals[index] = replace(
            interval,
            end=now,
            ended=ended,
            close_code=close_code,
            superseded_by=superseded_by,
            seq_end=seq,
        )

    def shard_sessions(
        self, shard: int | None = None, *, app_id: str | None = None
    ) -> list[SessionInterval]:
        """The intervals during which a connection held a live session of ``shard`` (None:
        every shard) of the bot, in order of start."""
        bot = self.bot(app_id)
        return [
            i
            for i in self.session_intervals
            if i.app_id == bot.app_id and (shard is None or i.shard == shard)
        ]

    def overlapping_sessions(
        self, shard: int | None = None, *, app_id: str | None = None
    ) -> list[tuple[SessionInterval, SessionInterval]]:
        """Pairs of intervals (earlier start first) during which two connections held the same
        shard at once (see :meth:`SessionInterval.overlaps`: a takeover that superseded a live
        connection counts). Empty when no two processes ever ran a shard at the same time."""
        intervals = self.shard_sessions(shard, app_id=app_id)
        return [
            (a, b) for i, a in enumerate(intervals) for b in intervals[i + 1 :] if a.overlaps(b)
        ]

    def next_connection_id(self) -> int:
        self._next_connection_id += 1
        return self._next_connection_id

    # ------------------------------------------------------------------ heartbeat ACKs

    def acks_heartbeats(self, shard: int | None) -> bool:
        """Whether heartbeats on ``shard`` (None: not identified yet) get an op 11."""
        if shard is not None and shard in self._ack_override:
            return self._ack_override[shard]
        return self._ack_default

    def stop_acking(self, shard: int | None = None) -> None:
        """Stop answering heartbeats (on one shard, or everywhere), to simulate a zombie link."""
        self._set_ack(shard, False)

    def resume_acking(self, shard: int | None = None) -> None:
        self._set_ack(shard, True)

    def _set_ack(self, shard: int | None, value: bool) -> None:
        if shard is None:
            self._ack_default = value
            self._ack_override.clear()
        else:
            self._ack_override[shard] = value

    # ------------------------------------------------------------------ injecting events

    def shard_of(self, guild_id: Any, shards: int) -> int:
        """The platform's routing rule ``(guild_id >> 22) % shards``; non-numeric ids go to 0."""
        try:
            value = int(str(guild_id))
        except ValueError:
            return 0
        return (value >> 22) % shards if value >= 0 else 0

    def _target_sessions(
        self, bot: SimBot, shard: int | None, all_shards: bool, data: Any
    ) -> Iterator[SimSession]:
        if not all_shards and shard is None:
            guild_id = data.get("guild_id") if isinstance(data, dict) else None
            shard = self.shard_of(guild_id, bot.shards) if guild_id is not None else 0
        for session in list(self.sessions.values()):
            if session.app_id == bot.app_id and (all_shards or session.shard_id == shard):
                yield session

    def inject(
        self,
        name: str,
        data: Any,
        now: float,
        *,
        app_id: str | None = None,
        shard: int | None = None,
        all_shards: bool = False,
        event_id: str | None = None,
    ) -> Injected:
        """Dispatch event ``name`` with ``d = data`` to one bot's sessions.

        Routing: ``shard`` if given; every shard if ``all_shards``; else the shard owning
        ``data["guild_id"]`` (0 when there is none). Only sessions whose intents cover the event
        get it. Each gets the next ``s`` of its session; sessions without a live connection keep
        it for the resume replay. A bot with a webhook URL also gets it pushed there (whatever
        its sessions: the console's subscription, not intents, decides in webhook mode).
        """
        bot = self.bot(app_id)
        eid = event_id if event_id is not None else ev.event_id(name, self.rng)
        deliveries = []
        for session in self._target_sessions(bot, shard, all_shards, data):
            if not session.wants(name):
                continue
            event = session.append(name, eid, data)
            conn = session.connection
            if conn is not None:
                conn.send_dispatch(event)
            live = conn is not None
            deliveries.append(
                Delivery(bot.app_id, session.session_id, session.shard_id, event.seq, live)
            )
        pushed = self.webhook.push(bot.app_id, name, eid, data, now)
        injected = Injected(name, eid, data, tuple(deliveries), pushed)
        self.injected.append(injected)
        return injected

    def register_webhook(self, url: str, now: float, *, app_id: str | None = None) -> None:
        """Set the bot's callback URL and queue the op 13 validation; once the bot answers it,
        every injected event is also pushed there (signed, retried until acknowledged)."""
        self.webhook.register(self.bot(app_id).app_id, url, now)

    def _user(self, user_id: str | None) -> SimUser:
        if user_id is None:
            if self.users:
                return next(iter(self.users.values()))
            return self.add_user("1234", "abc", openid="E4F4AEA33253A2797FB897C50B81D7ED")
        user = self.users.get(user_id)
        if user is None:
            user = self.add_user(user_id, f"user{user_id}")
        return user

    def _default(self, table: Mapping[str, Any], what: str) -> str:
        if not table:
            raise LocalProtocolError(f"no {what} exists; add one or pass its id")
        return str(next(iter(table)))

    def next_channel_seq(self, key: str) -> int:
        seq = self._seq_in_channel.get(key, 0) + 1
        self._seq_in_channel[key] = seq
        return seq

    def inject_at_message(
        self,
        content: str,
        now: float,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        app_id: str | None = None,
        mention: bool = True,
    ) -> Injected:
        """A user @-mentions the bot in a text channel (``AT_MESSAGE_CREATE``)."""
        bot = self.bot(app_id)
        cid = channel_id or self._default(self.channels, "channel")
        channel = self.channels.get(cid)
        guild_id = channel.guild_id if channel else self._default(self.guilds, "guild")
        user = self._user(user_id)
        d = ev.at_message(
            message_id=ev.guild_message_id(self.rng),
            content=content,
            channel_id=cid,
            guild_id=guild_id,
            user_id=user.id,
            username=user.username,
            avatar=user.avatar,
            wall=self.wall(now),
            seq=self.next_channel_seq(cid),
            bot_id=bot.user_id if mention else None,
            bot_name=bot.username,
        )
        return self._receive("AT_MESSAGE_CREATE", d, now, app_id=bot.app_id)

    def inject_direct_message(
        self,
        content: str,
        now: float,
        *,
        user_id: str | None = None,
        src_guild_id: str | None = None,
        app_id: str | None = None,
    ) -> Injected:
        """A user writes to the bot in a guild DM (``DIRECT_MESSAGE_CREATE``); the DM session is
        created as ``POST /users/@me/dms`` would."""
        bot = self.bot(app_id)
        user = self._user(user_id)
        src = src_guild_id or self._default(self.guilds, "guild")
        dm_guild, dm_channel = self.dm_session(user.id, src)
        d = ev.direct_message(
            message_id=ev.guild_message_id(self.rng),
            content=content,
            channel_id=dm_channel,
            guild_id=dm_guild,
            src_guild_id=src,
            user_id=user.id,
            username=user.username,
            avatar=user.avatar,
            wall=self.wall(now),
            seq=self.next_channel_seq(dm_channel),
        )
        return self._receive("DIRECT_MESSAGE_CREATE", d, now, app_id=bot.app_id)

    def inject_group_at_message(
        self,
        content: str,
        now: float,
        *,
        group_openid: str | None = None,
        member_openid: str | None = None,
        app_id: str | None = None,
    ) -> Injected:
        """A group member @-mentions the bot (``GROUP_AT_MESSAGE_CREATE``)."""
        gid = group_openid or self._default(self.groups, "group")
        member = member_openid or self._user(None).openid
        d = ev.group_at_message(
            message_id=ev.group_message_id(self.rng),
            content=content,
            group_openid=gid,
            member_openid=member,
            wall=self.wall(now),
        )
        return self._receive("GROUP_AT_MESSAGE_CREATE", d, now, app_id=app_id)

    def inject_c2c_message(
        self,
        content: str,
        now: float,
        *,
        user_openid: str | None = None,
        app_id: str | None = None,
    ) -> Injected:
        """A user writes to the bot in a single chat (``C2C_MESSAGE_CREATE``)."""
        openid = user_openid or self._user(None).openid
        d = ev.c2c_message(
            message_id=ev.group_message_id(self.rng),
            content=content,
            user_openid=openid,
            wall=self.wall(now),
        )
        return self._receive("C2C_MESSAGE_CREATE", d, now, app_id=app_id)

    def inject_many(
        self,
        count: int,
        now: float,
        *,
        kind: Literal["c2c", "group"] = "c2c",
        shards: Sequence[int] | None = None,
        start: int = 0,
        prefix: str = "m",
        app_id: str | None = None,
    ) -> list[Injected]:
        """Inject ``count`` messages at once (a stream for load and failover tests): message
        ``i`` (``start`` to ``start + count - 1``) says ``f"{prefix}{i}"`` and goes to shard
        ``shards[i % len(shards)]`` (default: every shard of the bot). ``kind``: C2C messages
        (``C2C_MESSAGE_CREATE``, from the default user) or group @-messages
        (``GROUP_AT_MESSAGE_CREATE``, in the default group; their text starts with a space, as
        the platform's do). Each gets a unique event id and
        message id; a session's messages get consecutive ``s`` in the order injected. Returns
        them in order (:attr:`Injected.deliveries` gives each one's shard and ``s``)."""
        if count < 0:
            raise ValueError("count must not be negative")
        if kind not in ("c2c", "group"):
            raise ValueError("kind must be 'c2c' or 'group'")
        bot = self.bot(app_id)
        targets = list(range(bot.shards)) if shards is None else list(shards)
        if not targets or any(not 0 <= s < bot.shards for s in targets):
            raise ValueError(f"shards must be a non-empty list of shards 0..{bot.shards - 1}")
        wall = self.wall(now)
        openid = self._user(None).openid
        group = self._default(self.groups, "group") if kind == "group" else ""
        name = "C2C_MESSAGE_CREATE" if kind == "c2c" else "GROUP_AT_MESSAGE_CREATE"
        out = []
        for i in range(start, start + count):
            message_id = ev.group_message_id(self.rng)
            if kind == "c2c":
                d = ev.c2c_message(
                    message_id=message_id, content=f"{prefix}{i}", user_openid=openid, wall=wall
                )
            else:
                d = ev.group_at_message(
                    message_id=message_id,
                    content=f"{prefix}{i}",
                    group_openid=group,
                    member_openid=openid,
                    wall=wall,
                )
            self.received[message_id] = d
            out.append(
                self.inject(name, d, now, app_id=bot.app_id, shard=targets[i % len(targets)])
            )
        return out

    def inject_enter_aio(
        self,
        now: float,
        *,
        user_openid: str | None = None,
        from_source: str | None = None,
        app_id: str | None = None,
    ) -> Injected:
        """A user opens the bot's chat window (``ENTER_AIO``, intent 1<<23).

        [UNCERTAIN] The payload is botgo's ``dto.EnterAIO``: ``user_openid`` and, when given,
        ``from_source`` (where the window was opened from; values undocumented)."""
        d: dict[str, Any] = {"user_openid": user_openid or self._user(None).openid}
        if from_source is not None:
            d["from_source"] = from_source
        return self.inject("ENTER_AIO", d, now, app_id=app_id)

    def inject_subscribe_message_status(
        self,
        now: float,
        *,
        openid: str | None = None,
        group_openid: str | None = None,
        results: list[dict[str, Any]] | None = None,
        app_id: str | None = None,
    ) -> Injected:
        """A user allows or refuses subscription-message templates
        (``SUBSCRIBE_MESSAGE_STATUS``, intent GROUP_AND_C2C_EVENT).

        [UNCERTAIN] botgo's ``dto.SubscribeMessageStatusData``: ``openid`` (a user's
        subscription) or ``group_openid`` (a group's), ``result`` one entry per template
        ``{template_id, custom_template_id, op (1 allowed, 2 refused), subscribe_id,
        update_ts}``; by default one allowed template."""
        if results is None:
            results = [
                {
                    "template_id": 1,
                    "custom_template_id": "",
                    "op": 1,
                    "subscribe_id": self.new_id(),
                    "update_ts": int(self.wall(now)),
                }
            ]
        d: dict[str, Any] = {
            "group_openid": group_openid or "",
            "openid": "" if group_openid else (openid or self._user(None).openid),
            "result": results,
        }
        return self.inject("SUBSCRIBE_MESSAGE_STATUS", d, now, app_id=app_id)

    def inject_mic(
        self,
        on: bool,
        now: float,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        short_name: bool = False,
        app_id: str | None = None,
    ) -> Injected:
        """A member gets on (``on``) or off the mic in a voice channel: ``AUDIO_ON_MIC`` /
        ``AUDIO_OFF_MIC`` (``ON_MIC`` / ``OFF_MIC`` with ``short_name``, botpy's spelling),
        intent AUDIO_ACTION (1<<29), ``d = {guild_id, channel_id, user_id}``."""
        cid = channel_id or self._default(self.channels, "channel")
        channel = self.channels.get(cid)
        guild_id = channel.guild_id if channel else self._default(self.guilds, "guild")
        name = (
            ("ON_MIC" if on else "OFF_MIC") if short_name else f"AUDIO_{'ON' if on else 'OFF'}_MIC"
        )
        d = {"guild_id": guild_id, "channel_id": cid, "user_id": self._user(user_id).id}
        return self.inject(name, d, now, app_id=app_id)

    def inject_group_member(
        self,
        added: bool,
        now: float,
        *,
        group_openid: str | None = None,
        member_openid: str | None = None,
        op_member_openid: str | None = None,
        app_id: str | None = None,
    ) -> Injected:
        """A member joins (``added``) or leaves a group: ``GROUP_MEMBER_ADD`` /
        ``GROUP_MEMBER_REMOVE`` (intent GROUP_MEMBERS). [UNCERTAIN: known from NoneBot only]
        ``d = {group_openid, member_openid, op_member_openid, timestamp}``."""
        member = member_openid or self._user(None).openid
        d = {
            "group_openid": group_openid or self._default(self.groups, "group"),
            "member_openid": member,
            "op_member_openid": op_member_openid or member,
            "timestamp": int(self.wall(now)),
        }
        name = "GROUP_MEMBER_ADD" if added else "GROUP_MEMBER_REMOVE"
        return self.inject(name, d, now, app_id=app_id)

    def _receive(self, name: str, d: dict[str, Any], now: float, *, app_id: str | None) -> Injected:
        """A message to the bot: kept (``GET`` finds it by id) and dispatched."""
        self.received[d["id"]] = d
        channel_id = d.get("channel_id")
        if isinstance(channel_id, str):
            self.log_channel_message(channel_id, d)
        return self.inject(name, d, now, app_id=app_id)

    def log_channel_message(self, channel_id: str, message: Mapping[str, Any]) -> None:
        """Add ``message`` (a message object) to the channel's history."""
        self.channel_log.setdefault(channel_id, []).append(dict(message))

    def channel_history(
        self,
        channel_id: str,
        *,
        limit: int = 20,
        around: str | None = None,
        before: str | None = None,
        after: str | None = None,
    ) -> list[dict[str, Any]]:
        """A page of the channel's history in channel order (oldest first): at most ``limit``
        messages, those before or after message ``before``/``after`` (excluded), or around
        ``around`` (included, in the middle); the newest ones without an anchor.
        ``LookupError`` for an unknown anchor, ``ValueError`` for two anchors."""
        anchors = [a for a in (around, before, after) if a is not None]
        if len(anchors) > 1:
            raise ValueError("give at most one of around, before and after")
        log = self.channel_log.get(channel_id, [])
        if not anchors:
            return log[-limit:] if limit > 0 else []
        ids = [m.get("id") for m in log]
        if anchors[0] not in ids:
            raise LookupError(f"message {anchors[0]!r} not found in channel {channel_id!r}")
        i = ids.index(anchors[0])
        if before is not None:
            return log[max(0, i - limit) : i]
        if after is not None:
            return log[i + 1 : i + 1 + limit]
        start = max(0, i - limit // 2)
        return log[start : start + limit]

    def dm_session(self, user_id: str, src_guild_id: str) -> tuple[str, str]:
        """``(guild_id, channel_id)`` of the DM session with ``user_id`` (created if needed)."""
        for guild_id, (channel_id, uid, src) in self.dm_sessions.items():
            if uid == user_id and src == src_guild_id:
                return guild_id, channel_id
        guild_id = str(self.rng.randrange(10**17, 10**18))
        channel_id = str(self.rng.randrange(10**17, 10**18))
        self.dm_sessions[guild_id] = (channel_id, user_id, src_guild_id)
        return guild_id, channel_id

    # ------------------------------------------------------------------ connection control

    def _live(self, shard: int | None, app_id: str | None) -> list[GatewayServer]:
        bot = self.bot(app_id)
        out = []
        for session in self.sessions.values():
            conn = session.connection
            if session.app_id != bot.app_id or conn is None:
                continue
            if shard is None or session.shard_id == shard:
                out.append(conn)
        return out

    def reconnect_shard(
        self, shard: int | None = 0, *, app_id: str | None = None, close_code: int | None = -1
    ) -> int:
        """Send op 7 (reconnect) on the shard's connection (None: every shard); then close with
        :attr:`close_after_reconnect` (or ``close_code``; None keeps it open). Returns how many
        connections it reached."""
        code = self.close_after_reconnect if close_code == -1 else close_code
        conns = self._live(shard, app_id)
        for conn in conns:
            conn.send_reconnect(code)
        return len(conns)

    def invalidate_session(
        self, shard: int | None = 0, *, app_id: str | None = None, close_code: int | None = -1
    ) -> int:
        """Send op 9 (``d: false``) on the shard's connection and forget its session (it can no
        longer be resumed); then close with :attr:`close_after_invalid_session` (or
        ``close_code``; None keeps it open)."""
        code = self.close_after_invalid_session if close_code == -1 else close_code
        conns = self._live(shard, app_id)
        for conn in conns:
            conn.send_invalid_session(code)
        return len(conns)

    def close_shard(
        self,
        shard: int | None = 0,
        code: int = 4009,
        reason: str = "",
        *,
        app_id: str | None = None,
    ) -> int:
        """Close the shard's connection with ``code`` (the session stays resumable)."""
        conns = self._live(shard, app_id)
        for conn in conns:
            conn.close(code, reason)
        return len(conns)

    def drop_shard(self, shard: int | None = 0, *, app_id: str | None = None) -> int:
        """Drop the shard's TCP connection abruptly (no close frame)."""
        conns = self._live(shard, app_id)
        for conn in conns:
            conn.abort()
        return len(conns)

    def send_raw(self, text: str, shard: int | None = 0, *, app_id: str | None = None) -> int:
        """Send ``text`` as it is (any payload, valid or not) on the shard's connection."""
        conns = self._live(shard, app_id)
        for conn in conns:
            conn.send_raw(text)
        return len(conns)

    # ------------------------------------------------------------------ REST failures

    def fail_next(
        self,
        spec: str,
        times: int = 1,
        *,
        status: int = 500,
        code: int | None = None,
        message: str | None = None,
        body: Any = None,
    ) -> RestFailure:
        """Make the next ``times`` requests matching ``spec`` fail.

        ``spec`` is ``"METHOD /path"`` or just ``"/path"``; a path with ``{...}`` placeholders
        matches the route template (``"POST /v2/groups/{id}/messages"``), a concrete path matches
        itself and everything under it. The answer is ``status`` with ``{"code", "message",
        "err_code", "trace_id"}`` (``code`` defaults to 22009 for 429, else the status), or
        ``body`` verbatim when given (``code`` then defaults to its ``code``, for the REST
        log). Failures apply after the token check.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if code is None and isinstance(body, Mapping) and type(body.get("code")) is int:
            code = body["code"]  # recorded in the REST log as the answer's code
        if code is None:
            code = 22009 if status == 429 else status
        if message is None:
            message = _DEFAULT_MESSAGES.get(status, "internal error")
        failure = RestFailure(spec, times, status, code, message, body)
        self._failures.append(failure)
        return failure

    def take_failure(self, method: str, path: str, route: str | None) -> RestFailure | None:
        """The scripted failure for this request, if any (consumes one use)."""
        for failure in self._failures:
            if failure.matches(method, path, route):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    # ------------------------------------------------------------------ messages

    def check_msg_seq(self, scene: str, target: str, body: Mapping[str, Any]) -> bool:
        """Record a group/C2C reply's ``msg_id``/``event_id`` + ``msg_seq``; False if used."""
        ref = body.get("msg_id") or body.get("event_id")
        if not ref:
            return True
        seq = _as_int(body.get("msg_seq"))
        key = (scene, target, "msg" if body.get("msg_id") else "event", str(ref), seq or 1)
        if key in self._used_seqs:
            return False
        self._used_seqs.add(key)
        return True

    def record_sent(
        self,
        app_id: str,
        scene: str,
        target_id: str,
        body: Mapping[str, Any],
        message_id: str,
        now: float,
        *,
        file: bytes | None = None,
    ) -> SentMessage:
        msg_id = body.get("msg_id")
        event_id = body.get("event_id")
        message = SentMessage(
            index=len(self.sent),
            time=now,
            app_id=app_id,
            scene=scene,
            target_id=target_id,
            body=dict(body),
            message_id=message_id,
            msg_id=msg_id if isinstance(msg_id, str) and msg_id else None,
            event_id=event_id if isinstance(event_id, str) and event_id else None,
            msg_seq=_as_int(body.get("msg_seq")),
            file=file,
        )
        self.sent.append(message)
        return message

    def stream_frame(
        self,
        app_id: str,
        scene: str,
        target_id: str,
        body: Mapping[str, Any],
        message_id: str,
        now: float,
    ) -> SentMessage:
        """One frame of a streaming message (``body["stream"]``); the message it builds.

        ``message_id`` is the id a first frame (no ``stream.id``) gives the new message; later
        frames carry it as ``stream.id``. The frame's text is appended to the message's (or
        replaces it, with :attr:`stream_cumulative`); ``reset: true`` (while the body generates,
        state 1) restarts text and index (the frame's index may then be 0). After state 10 only
        guide frames (11, 20) may follow; nothing after 20. A refused frame raises
        :class:`PlatformRefusal` (400, :data:`STREAM_CODES`); every frame is recorded in
        :attr:`stream_frames`.
        """
        stream = body.get("stream")
        text = _frame_text(body)
        sid = stream.get("id") if isinstance(stream, Mapping) else None
        state = stream.get("state") if isinstance(stream, Mapping) else None
        index = stream.get("index") if isinstance(stream, Mapping) else None
        reset = isinstance(stream, Mapping) and stream.get("reset") is True

        def refuse(case: str, message: str) -> PlatformRefusal:
            code = STREAM_CODES[case]
            frame = StreamFrame(
                now,
                app_id,
                scene,
                target_id,
                sid if isinstance(sid, str) else None,
                state,
                index,
                reset,
                text,
                dict(body),
                code,
            )
            self.stream_frames.append(frame)
            return PlatformRefusal(400, code, message)

        if scene != "c2c":
            raise refuse("scene", "streaming messages are only for single chats (C2C)")
        if not isinstance(stream, Mapping):
            raise refuse("bad_stream", "stream must be an object {state, index, id?, reset?}")
        if type(state) is not int or state not in STREAM_STATES:
            raise refuse("bad_stream", f"stream.state must be one of {STREAM_STATES}")
        if type(index) is not int or index < 0:
            raise refuse("bad_stream", "stream.index must be an integer from 1 (0 on a reset)")
        if not (body.get("msg_id") or body.get("event_id")):
            raise refuse("not_passive", "a stream frame is a reply: set msg_id (or event_id)")
        current: _Stream | None = None
        if sid not in (None, ""):
            current = self._streams.get(sid) if isinstance(sid, str) else None
            if current is None or current.app_id != app_id or current.target_id != target_id:
                raise refuse("unknown_id", f"unknown stream id {sid!r}")
        elif reset:
            raise refuse("bad_stream", "a reset frame must carry the stream id")
        if current is not None:
            if current.state == 20 or (current.state in (10, 11) and state in (1, 10)):
                raise refuse("finished", "this stream is finished: no frame may follow")
            if reset and current.state != 1:
                raise refuse("finished", "only a stream whose body is generating can be reset")
            if now - current.last_time < self.stream_min_interval:
                raise refuse(
                    "too_fast",
                    f"stream frames must be {self.stream_min_interval:g} s apart at least",
                )
            floor = -1 if reset else current.last_index
            if index <= floor:
                raise refuse("index", f"stream.index {index} must exceed {floor}")
        elif index < 1:
            raise refuse("index", "stream.index starts from 1")
        if not self.check_msg_seq(scene, target_id, body):
            self.stream_frames.append(
                StreamFrame(
                    now,
                    app_id,
                    scene,
                    target_id,
                    current.stream_id if current else None,
                    state,
                    index,
                    reset,
                    text,
                    dict(body),
                    DUPLICATE_MSG_SEQ_CODE,
                )
            )
            raise PlatformRefusal(400, DUPLICATE_MSG_SEQ_CODE, "消息被去重，请检查请求msgseq")

        if current is None:
            placeholder = self.record_sent(app_id, scene, target_id, body, message_id, now)
            current = _Stream(message_id, app_id, target_id, placeholder.index, 0, now, state)
            self._streams[message_id] = current
        if reset:
            current.text = current.guide = ""
        guide = state in (11, 20)
        if self.stream_cumulative:
            current.guide, current.text = (text, current.text) if guide else (current.guide, text)
        elif guide:
            current.guide += text
        else:
            current.text += text
        current.last_index, current.last_time, current.state = index, now, state
        frame = StreamFrame(
            now,
            app_id,
            scene,
            target_id,
            current.stream_id,
            state,
            index,
            reset,
            text,
            dict(body),
        )
        self.stream_frames.append(frame)
        old = self.sent[current.sent_index]
        message = replace(
            old,
            body=_with_text(body, current.text),
            frames=(*old.frames, frame),
            stream_id=current.stream_id,
            finished=state in (10, 11, 20),
            guide=current.guide or None,
        )
        self.sent[current.sent_index] = message
        return message

    # ------------------------------------------------------------------ message audit

    def audit(
        self,
        predicate: AuditPredicate | None = None,
        *,
        times: int | None = None,
        decide: Literal["pass", "reject"] | None = None,
        after: float = 0.0,
    ) -> None:
        """Hold the bot's sends matching ``predicate(scene, target_id, body)`` (None: every
        send) for audit, the next ``times`` of them (None: until :meth:`stop_auditing`).

        A held send is answered :attr:`audit_status` with ``{"code": 304023 (active) / 304024
        (reply), "message", "data": {"message_audit": {"audit_id"}}}`` and not delivered until
        :meth:`pass_audit` (or :meth:`reject_audit`); with ``decide``, the simulator decides so
        by itself ``after`` seconds later. Streams and uploads are not audited.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None: every matching send)")
        if decide not in (None, "pass", "reject"):
            raise ValueError("decide must be 'pass', 'reject' or None")
        if after < 0:
            raise ValueError("after must not be negative")
        self._audit_rules.append(_AuditRule(predicate, times, decide, after))

    def audit_next(
        self,
        count: int = 1,
        *,
        decide: Literal["pass", "reject"] | None = None,
        after: float = 0.0,
    ) -> None:
        """Hold the bot's next ``count`` sends for audit (see :meth:`audit`)."""
        self.audit(None, times=count, decide=decide, after=after)

    def stop_auditing(self) -> None:
        """Forget every audit rule (pending audits stay pending)."""
        self._audit_rules.clear()

    def take_audit(
        self, app_id: str, scene: str, target_id: str, body: Mapping[str, Any], now: float
    ) -> AuditRecord | None:
        """The audit a send is held for, if a rule matches it (then recorded in :attr:`audits`;
        the REST app answers it and delivers nothing)."""
        for rule in self._audit_rules:
            if rule.predicate is not None and not rule.predicate(scene, target_id, body):
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._audit_rules.remove(rule)
            reply = bool(body.get("msg_id") or body.get("event_id"))
            record = AuditRecord(
                audit_id=self.new_id(),
                time=now,
                app_id=app_id,
                scene=scene,
                target_id=target_id,
                body=dict(body),
                code=AUDIT_CODES["reply" if reply else "active"],
                decide=rule.decide,
                due=now + rule.after if rule.decide is not None else None,
            )
            self.audits.append(record)
            return record
        return None

    def audit_answer(self, record: AuditRecord) -> dict[str, Any]:
        """The body a held send is answered."""
        return {
            "code": record.code,
            "message": AUDIT_MESSAGE,
            "data": {"message_audit": {"audit_id": record.audit_id}},
        }

    def _pending_audit(self, audit_id: str) -> tuple[int, AuditRecord]:
        for i, record in enumerate(self.audits):
            if record.audit_id == audit_id:
                if record.outcome != "pending":
                    raise LocalProtocolError(f"audit {audit_id!r} was already {record.outcome}")
                return i, record
        raise LocalProtocolError(f"no audit {audit_id!r}; see platform.audits")

    def pass_audit(self, audit_id: str, now: float) -> Injected:
        """Pass a held message: it is delivered (recorded as sent, in the channel's history)
        and MESSAGE_AUDIT_PASS is dispatched (and pushed to a webhook). Returns the event."""
        i, record = self._pending_audit(audit_id)
        channel = record.scene == "channel"
        message_id = (
            ev.guild_message_id(self.rng)
            if record.scene in ("channel", "dms")
            else ev.group_message_id(self.rng)
        )
        self.record_sent(
            record.app_id, record.scene, record.target_id, record.body, message_id, now
        )
        seq: int | None = None
        if channel:
            message = self.bot_guild_message(
                record.app_id, record.target_id, record.body, message_id, now
            )
            seq = int(message["seq_in_channel"])
            self.log_channel_message(record.target_id, message)
        self.audits[i] = replace(record, outcome="passed", decided_at=now, message_id=message_id)
        return self._audit_event("MESSAGE_AUDIT_PASS", self.audits[i], seq, now)

    def reject_audit(self, audit_id: str, now: float) -> Injected:
        """Reject a held message: never delivered; MESSAGE_AUDIT_REJECT is dispatched."""
        i, record = self._pending_audit(audit_id)
        self.audits[i] = replace(record, outcome="rejected", decided_at=now)
        return self._audit_event("MESSAGE_AUDIT_REJECT", self.audits[i], None, now)

    def _audit_event(self, name: str, record: AuditRecord, seq: int | None, now: float) -> Injected:
        d: dict[str, Any] = {"audit_id": record.audit_id}
        if record.message_id is not None:
            d["message_id"] = record.message_id
        if record.scene == "channel":
            channel = self.channels.get(record.target_id)
            d["guild_id"] = channel.guild_id if channel else ""
            d["channel_id"] = record.target_id
        elif record.scene == "dms":
            d["guild_id"] = record.target_id
            dm = self.dm_sessions.get(record.target_id)
            d["channel_id"] = dm[0] if dm else ""
        elif record.scene == "group":
            d["group_openid"] = record.target_id
        else:
            d["user_openid"] = record.target_id
        d["audit_time"] = ev.rfc3339(self.wall(now))
        d["create_time"] = ev.rfc3339(self.wall(record.time))
        if seq is not None:
            d["seq_in_channel"] = str(seq)
        return self.inject(name, d, now, app_id=record.app_id)

    def next_audit_deadline(self) -> float | None:
        """When the next automatic audit decision is due (None: none is)."""
        dues = [a.due for a in self.audits if a.outcome == "pending" and a.due is not None]
        return min(dues) if dues else None

    def settle_audits(self, now: float) -> list[Injected]:
        """Take the automatic audit decisions due at ``now`` (the runner calls this)."""
        out = []
        for record in list(self.audits):
            if record.outcome == "pending" and record.due is not None and record.due <= now:
                if record.decide == "pass":
                    out.append(self.pass_audit(record.audit_id, now))
                else:
                    out.append(self.reject_audit(record.audit_id, now))
        return out

    def bot_guild_message(
        self,
        app_id: str,
        channel_id: str,
        body: Mapping[str, Any],
        message_id: str,
        now: float,
        *,
        guild_id: str = "",
    ) -> dict[str, Any]:
        """A message object for a message the bot sent in a channel (or a guild DM) at ``now``;
        takes the channel's next ``seq_in_channel``."""
        bot = self.bot(app_id)
        channel = self.channels.get(channel_id)
        out: dict[str, Any] = {
            "id": message_id,
            "channel_id": channel_id,
            "guild_id": channel.guild_id if channel is not None else guild_id,
            "content": body.get("content", ""),
            "timestamp": ev.rfc3339(self.wall(now)),
            "tts": False,
            "mention_everyone": False,
            "author": {
                "id": bot.user_id,
                "username": bot.username,
                "avatar": bot.avatar,
                "bot": True,
            },
            "pinned": False,
            "type": 0,
            "flags": 0,
            "seq_in_channel": str(self.next_channel_seq(channel_id)),
        }
        for key in ("embed", "ark", "markdown", "keyboard", "message_reference"):
            if key in body:
                out["embeds" if key == "embed" else key] = (
                    [body[key]] if key == "embed" else body[key]
                )
        return out

    # ------------------------------------------------------------------ chunked uploads

    def upload_prepare(
        self, app_id: str, scene: str, target_id: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``POST /v2/.../upload_prepare``: a new :class:`ChunkedUpload` and the answer
        ``{upload_id, block_size, parts: [{index, presigned_url}], upload_config}`` (presigned
        URLs on :attr:`api_base`, ``/cos/<upload_id>/<index>?sign=...``)."""
        file_type, size = body.get("file_type"), body.get("file_size")
        if type(file_type) is not int or file_type not in (1, 2, 3, 4):
            raise _upload_error("file_type must be 1 (image), 2 (video), 3 (voice) or 4 (file)")
        if type(size) is not int or size <= 0:
            raise _upload_error("file_size must be a positive integer")
        names = ("file_name", "md5", "sha1", "md5_10m")
        if not all(isinstance(body.get(k), str) and body[k] for k in names):
            raise _upload_error("file_name, md5, sha1 and md5_10m are required")
        upload = ChunkedUpload(
            upload_id=self.new_id(),
            app_id=app_id,
            scene=scene,
            target_id=target_id,
            file_type=file_type,
            file_name=body["file_name"],
            file_size=size,
            md5=body["md5"].lower(),
            sha1=body["sha1"].lower(),
            md5_10m=body["md5_10m"].lower(),
            block_size=self.upload_block_size,
        )
        self.chunked_uploads[upload.upload_id] = upload
        base = self.api_base.rstrip("/")
        parts = [
            {
                "index": i,
                "presigned_url": f"{base}/cos/{upload.upload_id}/{i}?sign="
                + self._part_sign(upload.upload_id, i),
            }
            for i in range(1, upload.part_count + 1)
        ]
        return {
            "upload_id": upload.upload_id,
            "block_size": upload.block_size,
            "parts": parts,
            "upload_config": dict(self.upload_config),
        }

    def _part_sign(self, upload_id: str, index: int) -> str:
        if self._sign_key is None:
            self._sign_key = f"{self.rng.getrandbits(128):032x}"
        raw = f"{self._sign_key}|{upload_id}|{index}".encode()
        return hashlib.sha256(raw).hexdigest()[:32]

    def put_part(
        self,
        upload_id: str,
        index: str,
        sign: str | None,
        data: bytes,
        now: float,
        *,
        authorization: bool = False,
    ) -> None:
        """A PUT to a presigned part URL: the part's bytes stored (a later PUT replaces them).
        :class:`PlatformRefusal` 403 for a bad signature, 404 for an unknown upload or part."""
        upload = self.chunked_uploads.get(upload_id)
        number = _as_int(index)
        try:
            if upload is None or number is None or not 1 <= number <= upload.part_count:
                raise PlatformRefusal(404, 404, "no such upload part")
            if sign is None or sign != self._part_sign(upload_id, number):
                raise PlatformRefusal(403, 403, "SignatureDoesNotMatch")
            if upload.completed:
                raise PlatformRefusal(403, 403, "the upload is complete")
        except PlatformRefusal as exc:
            self.part_puts.append(
                PartPut(now, upload_id, number or 0, len(data), authorization, exc.status)
            )
            raise
        upload.parts[number] = bytes(data)
        upload.finished.discard(number)
        self.part_puts.append(PartPut(now, upload_id, number, len(data), authorization, 200))

    def _own_upload(self, app_id: str, scene: str, target_id: str, upload_id: Any) -> ChunkedUpload:
        upload = self.chunked_uploads.get(upload_id) if isinstance(upload_id, str) else None
        if upload is None or (upload.app_id, upload.scene, upload.target_id) != (
            app_id,
            scene,
            target_id,
        ):
            raise _upload_error(f"unknown upload_id {upload_id!r}")
        if upload.completed:
            raise _upload_error(f"upload {upload_id!r} is already complete")
        return upload

    def upload_part_finish(
        self, app_id: str, scene: str, target_id: str, body: Mapping[str, Any]
    ) -> None:
        """``POST /v2/.../upload_part_finish`` ``{upload_id, part_index, block_size, md5}``:
        the part was PUT, its size is the expected one and ``block_size``, its md5 ``md5``."""
        upload = self._own_upload(app_id, scene, target_id, body.get("upload_id"))
        index = _as_int(body.get("part_index"))
        if index is None or not 1 <= index <= upload.part_count:
            raise _upload_error(f"part_index must be 1..{upload.part_count}")
        data = upload.parts.get(index)
        if data is None:
            raise _upload_error(f"part {index} was not uploaded")
        expected = upload.part_size(index)
        if len(data) != expected or _as_int(body.get("block_size")) != len(data):
            raise _upload_error(
                f"part {index} has {len(data)} bytes; expected {expected} (block_size "
                f"{body.get('block_size')!r})"
            )
        md5 = body.get("md5")
        if not isinstance(md5, str) or md5.lower() != hashlib.md5(data).hexdigest():
            raise _upload_error(f"part {index}: md5 does not match the uploaded bytes")
        upload.finished.add(index)

    def complete_upload(
        self, app_id: str, scene: str, target_id: str, upload_id: Any, now: float
    ) -> tuple[ChunkedUpload, bytes]:
        """Check a chunked upload (every part finished; the whole file's size, md5 and sha1
        as declared) and mark it complete; the upload and the assembled bytes."""
        upload = self._own_upload(app_id, scene, target_id, upload_id)
        missing = [i for i in range(1, upload.part_count + 1) if i not in upload.finished]
        if missing:
            raise _upload_error(f"parts not finished: {missing}")
        data = b"".join(upload.parts[i] for i in range(1, upload.part_count + 1))
        if len(data) != upload.file_size:
            raise _upload_error(f"the file has {len(data)} bytes, not {upload.file_size}")
        if hashlib.md5(data).hexdigest() != upload.md5:
            raise _upload_error("the file's md5 does not match upload_prepare's")
        if hashlib.sha1(data).hexdigest() != upload.sha1:
            raise _upload_error("the file's sha1 does not match upload_prepare's")
        upload.completed = True
        return upload, data

    def file_info(self, scene: str) -> str:
        raw = f"sim|{scene}|{self.rng.getrandbits(192):048x}".encode()
        return base64.b64encode(raw).decode("ascii")

    # ------------------------------------------------------------------ inspection

    def messages(
        self,
        *,
        scene: str | None = None,
        target_id: str | None = None,
        app_id: str | None = None,
        where: Callable[[SentMessage], bool] | None = None,
    ) -> list[SentMessage]:
        """The messages the bot sent, oldest first, filtered."""
        return [
            m
            for m in self.sent
            if (scene is None or m.scene == scene)
            and (target_id is None or m.target_id == target_id)
            and (app_id is None or m.app_id == app_id)
            and (where is None or where(m))
        ]

    def identifies_on(
        self, shard: int | None = None, *, ok_only: bool = True
    ) -> list[IdentifyRecord]:
        return [
            r
            for r in self.identifies
            if (shard is None or (r.shard is not None and r.shard[0] == shard))
            and (not ok_only or r.close_code is None)
        ]

    def resumes_on(self, shard: int | None = None, *, ok_only: bool = True) -> list[ResumeRecord]:
        return [
            r
            for r in self.resumes
            if (shard is None or r.shard == shard) and (not ok_only or r.outcome == "resumed")
        ]

    def heartbeats_on(self, shard: int | None = None) -> list[HeartbeatRecord]:
        return [h for h in self.heartbeats if shard is None or h.shard == shard]

    def live_session(self, shard: int = 0, app_id: str | None = None) -> SimSession | None:
        """The session with a live connection on ``shard``, if any."""
        bot = self.bot(app_id)
        for session in self.sessions.values():
            if (
                session.app_id == bot.app_id
                and session.shard_id == shard
                and session.connection is not None
            ):
                return session
        return None


_DEFAULT_MESSAGES = {
    400: "invalid request",
    401: "token not exist or expire",
    403: "no permission",
    404: "not found",
    429: "msg limit exceed",
    500: "internal error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


UPLOAD_ERROR_CODE = 850019


def _upload_error(message: str) -> PlatformRefusal:
    return PlatformRefusal(400, UPLOAD_ERROR_CODE, message)


def _frame_text(body: Mapping[str, Any]) -> str:
    """A message's text: ``content``, or ``markdown.content`` for a markdown message."""
    markdown = body.get("markdown")
    if body.get("msg_type") == 2 and isinstance(markdown, Mapping):
        text = markdown.get("content")
        return text if isinstance(text, str) else ""
    content = body.get("content")
    return content if isinstance(content, str) else ""


def _with_text(body: Mapping[str, Any], text: str) -> dict[str, Any]:
    out = dict(body)
    markdown = out.get("markdown")
    if out.get("msg_type") == 2 and isinstance(markdown, Mapping):
        out["markdown"] = {**markdown, "content": text}
    else:
        out["content"] = text
    return out


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_int(value: Any) -> int | None:
    """An int from a JSON int or a decimal string (None otherwise)."""
    return _as_int(value)
