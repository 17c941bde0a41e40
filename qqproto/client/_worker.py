"""The worker runtime of the gateway/worker split: handlers fed from the Redis dispatch stream.

A gateway in publish mode appends each dispatch to ``P:events`` (:mod:`qqproto.cluster._stream`);
``Worker.start()`` consumes it through the consumer group ``workers``: ``XREADGROUP`` a batch,
acknowledge at once the entries whose event is already ``done`` (one script), run the same
``EventHandler`` method the gateway would (``on_<event>``; ``on_error`` for a handler error or
an entry it cannot read), then complete each entry with one script (``SET P:done:{id} EX
event_window`` + ``XACK``). Handlers run side by side, at most ``max_concurrent_handlers`` at
once; completions are flushed together (one script call for everything finished meanwhile).

Entries another consumer left pending longer than ``claim_idle`` (it died) are taken over with
``XAUTOCLAIM`` and handled with ``ctx.redelivered == True``. While a handler runs, its entry is
touched every ``claim_every`` seconds (``XCLAIM ... JUSTID`` to itself), so a slow handler of a
live worker is never taken over: ``claim_idle`` measures how long a dead worker's entries wait.

:meth:`WorkerBase.stop` ends it gracefully: reading stops, running handlers get
``shutdown_grace`` seconds to finish, their completions are written, ``start()`` returns.
Cancelling ``start()`` stops at once; what was not completed is reclaimed by another worker.
"""

from __future__ import annotations

import logging
import os
import platform
import random
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from qqproto._errors import QQError, RemoteProtocolError
from qqproto.client._audit import AuditStore, attach_audits
from qqproto.client._context import Context
from qqproto.client._dispatcher import clip, report_error
from qqproto.client._handler import EventHandler, handler_method
from qqproto.client._http_pool import BotApi, HttpPool, TokenSource
from qqproto.client._io import Io, TaskGroup, Waitable
from qqproto.client._redis import as_text, import_coredis
from qqproto.cluster._keys import ClusterKeys
from qqproto.cluster._stream import (
    COMPLETE,
    DEFAULT_GROUP,
    LAG,
    SKIP_DONE,
    StreamEntry,
    StreamEntryError,
    decode_entry,
    entry_done_key,
)
from qqproto.models import MessageAudit, User, parse_event
from qqproto.outgoing._replies import ReplySequencer
from qqproto.rest._auth import Token, TokenMachine
from qqproto.rest._http import TOKEN_URL, Endpoints

if sys.version_info < (3, 11):  # pragma: no cover - Python 3.10
    from exceptiongroup import BaseExceptionGroup

log = logging.getLogger("qqbot.worker")

RETRY_DELAY = 1.0
"""Seconds to wait after a failed Redis call before trying again (the loops never give up)."""
FINAL_FLUSH_TIMEOUT = 5.0
"""How long a graceful stop waits for the last completions to be written."""
LAG_CAP = 100_000
"""The most entries counted for the lag on a Redis without ``XINFO GROUPS`` lag (before 7)."""


class ClusterSettings(Protocol):
    """What the worker reads of a ``qqproto.cluster.ClusterConfig``."""

    redis_url: str
    namespace: str
    event_window: float


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """What :meth:`WorkerBase.status` reports (Redis figures from ``XINFO``; the counters are
    this process's since ``start()``)."""

    consumer: str
    group: str
    stream: str
    pending: int
    """Entries delivered to this consumer and not yet acknowledged (``XINFO CONSUMERS``)."""
    group_pending: int
    """Entries delivered to any consumer of the group and not yet acknowledged."""
    lag: int | None
    """Entries in the stream not yet delivered to the group (None: unknown)."""
    consumers: int
    in_flight: int
    handled: int
    errors: int
    skipped: int
    redelivered: int
    bad_entries: int


@dataclass
class _Counters:
    handled: int = 0
    errors: int = 0
    skipped: int = 0
    redelivered: int = 0
    bad_entries: int = 0


@dataclass
class _Job:
    """One entry this worker is handling; ``extra`` are other entries of the same event that
    arrived meanwhile (acknowledged with it)."""

    entry_id: str
    done_key: str
    extra: list[str] = field(default_factory=list)


class WorkerBase:
    """Handles the dispatches a publishing gateway put in Redis; adapters name their ``Io``.

    ``Worker(token, handler, cluster=ClusterConfig(...), *, consumer=None, group="workers",
    batch=32, block=1.0, claim_idle=30.0, claim_every=None, max_concurrent_handlers=32,
    shutdown_grace=10.0, is_sandbox=False, api_base=None, token_url=None, ...)``. Instead of
    ``cluster``: ``redis_url=``, ``namespace=`` (default ``"qqbot"``), ``event_window=``
    (default 3600 s, how long ``done`` marks live). ``consumer`` defaults to a unique name
    (host, pid, random). ``block`` is how long one ``XREADGROUP`` waits for entries;
    ``claim_every`` (default ``claim_idle / 3``) is the period of the takeover scan and of the
    touching of running entries.

    ``ctx.shard`` is ``(the entry's shard, 0)``: the stream does not carry the shard count.
    """

    io_factory: Callable[[Any], Io]

    def __init__(
        self,
        token: Token,
        handler: EventHandler,
        cluster: ClusterSettings | None = None,
        *,
        redis_url: str | None = None,
        namespace: str | None = None,
        event_window: float | None = None,
        consumer: str | None = None,
        group: str = DEFAULT_GROUP,
        batch: int = 32,
        block: float = 1.0,
        claim_idle: float = 30.0,
        claim_every: float | None = None,
        max_concurrent_handlers: int = 32,
        shutdown_grace: float = 10.0,
        is_sandbox: bool = False,
        ssl_context: Any = None,
        api_base: str | None = None,
        token_url: str | None = None,
        timeout_secs: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(token, Token):
            raise TypeError("token must be a qqbot Token(app_id, secret)")
        if not isinstance(handler, EventHandler):
            raise TypeError("handler must be an instance of an EventHandler subclass")
        if cluster is not None:
            if redis_url is not None or namespace is not None or event_window is not None:
                raise TypeError("give either cluster= or redis_url/namespace/event_window")
            redis_url, namespace = cluster.redis_url, cluster.namespace
            event_window = cluster.event_window
        if not redis_url or not isinstance(redis_url, str):
            raise ValueError("a worker needs cluster=ClusterConfig(redis_url) or redis_url=")
        namespace = "qqbot" if namespace is None else namespace
        event_window = 3600.0 if event_window is None else float(event_window)
        if event_window < 1:
            raise ValueError("event_window must be at least 1 second")
        if batch < 1 or max_concurrent_handlers < 1:
            raise ValueError("batch and max_concurrent_handlers must be at least 1")
        if block <= 0 or claim_idle <= 0 or timeout_secs <= 0 or shutdown_grace < 0:
            raise ValueError(
                "block, claim_idle and timeout_secs must be positive, shutdown_grace not negative"
            )
        if claim_every is not None and claim_every <= 0:
            raise ValueError("claim_every must be positive")
        self._rng = rng if rng is not None else random.Random()
        self.token = token
        self.handler = handler
        self.redis_url = redis_url
        self.namespace = namespace
        self.event_window = event_window
        self.keys = ClusterKeys(namespace, token.app_id)
        self.stream = self.keys.events
        self.group = group
        self.consumer = consumer or (
            f"{platform.node() or 'worker'}-{os.getpid()}-{self._rng.getrandbits(32):08x}"
        )
        self.batch = batch
        self.block = block
        self.claim_idle = claim_idle
        self.claim_every = claim_every if claim_every is not None else claim_idle / 3
        self.max_concurrent_handlers = max_concurrent_handlers
        self.shutdown_grace = shutdown_grace
        self.timeout_secs = timeout_secs
        self.endpoints = Endpoints(
            api_base=api_base, token_url=token_url or TOKEN_URL, is_sandbox=is_sandbox
        )
        self._io = self.io_factory(ssl_context)
        self.audits = AuditStore(self._io)
        self.api: BotApi | None = None
        """The shared ``BotApi``, available once ``start()`` is running."""
        self.bot: User | None = None
        self._redis: Any = None
        self._scripts: dict[str, Any] = {}
        self._work: TaskGroup | None = None
        self._contexts: dict[tuple[int, bool], Context] = {}
        self._replies = ReplySequencer()
        self._methods: dict[str, Callable[..., Awaitable[Any]] | None] = {}
        self._running = 0
        self._jobs: dict[str, _Job] = {}
        """In-flight jobs by done key (local deduplication)."""
        self._room: Waitable | None = None
        self._completions: list[tuple[str, str]] = []
        self._completing: dict[str, int] = {}
        """Done keys with completions not written yet (how many): an entry of the same event
        read meanwhile is acknowledged with them, not handled again."""
        self._flush_wake: Waitable | None = None
        self._flushing = False
        self._stop: Waitable | None = None
        self._stopping = False
        self._counters = _Counters()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} app_id={self.token.app_id!r} consumer={self.consumer!r}>"

    # ------------------------------------------------------------------ public

    def stop(self) -> None:
        """Stop gracefully: no more reading; running handlers get ``shutdown_grace`` seconds,
        their completions are written, then ``start()`` returns. Call it on the worker's loop."""
        self._stopping = True
        if self._stop is not None:
            self._stop.set()

    async def status(self) -> WorkerStatus:
        """This consumer's pending count, the group's pending count and lag (while running)."""
        redis = self._redis
        if redis is None:
            raise RuntimeError("status() needs a running worker (inside start())")
        groups = await redis.xinfo_groups(self.stream)
        info: dict[Any, Any] = {}
        for g in groups:
            if as_text(g.get(b"name", g.get("name", b""))) == self.group:
                info = {as_text(k): v for k, v in g.items()}
        consumers = await redis.xinfo_consumers(self.stream, self.group)
        mine = 0
        for c in consumers:
            row = {as_text(k): v for k, v in c.items()}
            if as_text(row.get("name", b"")) == self.consumer:
                mine = int(row.get("pending") or 0)
        lag = info.get("lag")
        if lag is None and info:
            last = as_text(info.get("last-delivered-id") or b"0-0")
            lag = await self._script(LAG)(keys=[self.stream], args=[last, LAG_CAP])
        counters = self._counters
        return WorkerStatus(
            consumer=self.consumer,
            group=self.group,
            stream=self.stream,
            pending=mine,
            group_pending=int(info.get("pending") or 0),
            lag=None if lag is None else int(lag),
            consumers=int(info.get("consumers") or 0),
            in_flight=self._running,
            handled=counters.handled,
            errors=counters.errors,
            skipped=counters.skipped,
            redelivered=counters.redelivered,
            bad_entries=counters.bad_entries,
        )

    async def start(self) -> None:
        """Consume the stream until cancelled or :meth:`stop` (then return)."""
        try:
            await self._start()
        except BaseExceptionGroup as group:  # a task group's error: raise a single one plainly
            if len(group.exceptions) == 1 and isinstance(group.exceptions[0], QQError):
                raise group.exceptions[0] from None
            raise

    # ------------------------------------------------------------------ the loops

    async def _start(self) -> None:
        coredis = import_coredis()
        io = self._io
        self._stop = io.create_event()
        if self._stopping:
            self._stop.set()
        pool = HttpPool(io, timeout=self.timeout_secs)
        machine = TokenMachine(self.token, endpoints=self.endpoints, rng=self._rng)
        api = BotApi(TokenSource(machine, pool), pool, self.endpoints, rng=self._rng)
        self.api = api
        attach_audits(api, self.audits)
        try:
            self.bot = await api.me()
            redis = coredis.Redis.from_url(self.redis_url)
            async with redis:
                self._redis = redis
                try:
                    await self._serve(redis)
                finally:
                    self._redis = None
        finally:
            self._contexts.clear()
            await pool.aclose()

    async def _serve(self, redis: Any) -> None:
        io = self._io
        await self._ensure_group(redis)
        log.info(
            "worker %s: reading %s as group %s (at most %d handlers)",
            self.consumer,
            self.stream,
            self.group,
            self.max_concurrent_handlers,
        )
        async with io.open_task_group() as work:
            self._work = work
            work.start_soon(self._flusher)
            async with io.open_task_group() as feed:

                async def watch_stop() -> None:
                    assert self._stop is not None
                    await self._stop.wait()
                    feed.cancel()

                feed.start_soon(watch_stop)
                feed.start_soon(self._reader)
                feed.start_soon(self._claimer)
            # stopped gracefully: let the running handlers finish, write their completions
            deadline = io.now() + self.shutdown_grace
            while self._running and io.now() < deadline:
                await io.wait_by(self._room_event(), deadline)
            if self._running:
                log.warning(
                    "worker %s: %d handler(s) still running after %.1f s; they are cancelled "
                    "and their entries left for another worker",
                    self.consumer,
                    self._running,
                    self.shutdown_grace,
                )
            deadline = io.now() + FINAL_FLUSH_TIMEOUT
            while (self._completions or self._flushing) and io.now() < deadline:
                self._wake_flusher()
                await io.sleep_until(io.now() + 0.01)
            work.cancel()
        log.info("worker %s: stopped", self.consumer)

    async def _ensure_group(self, redis: Any) -> None:
        coredis = import_coredis()
        try:
            await redis.xgroup_create(self.stream, self.group, "0", mkstream=True)
            log.info("worker %s: created group %s on %s", self.consumer, self.group, self.stream)
        except coredis.exceptions.StreamDuplicateConsumerGroupError:
            pass

    def _script(self, text: str) -> Any:
        script = self._scripts.get(text)
        if script is None:
            script = self._scripts[text] = self._redis.register_script(text)
        return script

    def _room_event(self) -> Waitable:
        if self._room is None:
            self._room = self._io.create_event()
        return self._room

    async def _wait_for_slot(self) -> None:
        """Until one more handler may start: the reader and the takeover scan each read as
        many entries as there were free slots, so both together may hold more; the surplus
        waits here (its entries already registered) instead of exceeding the limit."""
        while self._running >= self.max_concurrent_handlers:
            await self._room_event().wait()

    async def _wait_for_room(self) -> int:
        """The number of handlers that may start now (waiting until it is at least one)."""
        while True:
            free = self.max_concurrent_handlers - self._running
            if free > 0:
                return min(free, self.batch)
            await self._room_event().wait()

    async def _retry_later(self, what: str, exc: BaseException) -> None:
        log.warning("worker %s: %s failed: %s; retrying", self.consumer, what, clip(repr(exc)))
        await self._io.sleep_until(self._io.now() + RETRY_DELAY)
        coredis = import_coredis()
        if isinstance(exc, coredis.exceptions.StreamConsumerGroupError):  # NOGROUP: the stream
            # and its group are gone (Redis restarted empty; a gateway's XADD makes a new stream)
            try:
                await self._ensure_group(self._redis)
            except Exception as again:
                log.warning("worker %s: recreating the group failed: %s", self.consumer, again)

    async def _reader(self) -> None:
        """Read new entries (after this consumer's own pending ones from an earlier life)."""
        redis = self._redis
        after = "0"  # first our own pending entries (a restart under the same name)
        while after:
            count = await self._wait_for_room()
            try:
                got = await redis.xreadgroup(
                    self.group, self.consumer, {self.stream: after}, count=count
                )
            except Exception as exc:
                await self._retry_later("reading this consumer's pending entries", exc)
                continue
            entries = [e for rows in (got or {}).values() for e in rows]
            if not entries:
                break
            after = as_text(entries[-1].identifier)
            await self._take(entries, redelivered=True)
        block_ms = max(1, int(self.block * 1000))
        while True:
            count = await self._wait_for_room()
            try:
                got = await redis.xreadgroup(
                    self.group, self.consumer, {self.stream: ">"}, count=count, block=block_ms
                )
            except Exception as exc:
                await self._retry_later("XREADGROUP", exc)
                continue
            if got:
                await self._take([e for rows in got.values() for e in rows], redelivered=False)

    async def _claimer(self) -> None:
        """Every ``claim_every``: touch our running entries, take over the idle ones of others."""
        io = self._io
        redis = self._redis
        min_idle = max(1, int(self.claim_idle * 1000))
        while True:
            await io.sleep_until(io.now() + self.claim_every)
            running = [e for job in self._jobs.values() for e in (job.entry_id, *job.extra)]
            try:
                if running:  # reset their idle time: a live worker's slow handler is not taken
                    await redis.xclaim(
                        self.stream, self.group, self.consumer, 0, running, justid=True
                    )
                cursor = "0-0"
                while True:
                    count = min(self.batch, self.max_concurrent_handlers - self._running)
                    if count <= 0:  # busy: scan again next time (the touching must go on)
                        break
                    reply = await redis.xautoclaim(
                        self.stream, self.group, self.consumer, min_idle, cursor, count=count
                    )
                    cursor = as_text(reply[0])
                    entries = list(reply[1])
                    gone = [e.identifier for e in entries if e.field_values is None]
                    if gone:  # deleted from the stream while pending (Redis 6.2): drop them
                        await redis.xack(self.stream, self.group, gone)
                    entries = [e for e in entries if e.field_values is not None]
                    if entries:
                        log.info(
                            "worker %s: took over %d entr%s idle for over %.1f s",
                            self.consumer,
                            len(entries),
                            "y" if len(entries) == 1 else "ies",
                            self.claim_idle,
                        )
                        await self._take(entries, redelivered=True)
                    if cursor in ("0-0", "0"):
                        break
            except Exception as exc:
                await self._retry_later("the takeover scan", exc)

    async def _take(self, entries: Sequence[Any], *, redelivered: bool) -> None:
        """Decode a batch, drop what is done (acknowledged by the script), start the rest."""
        group = self._work
        assert group is not None
        good: list[tuple[StreamEntry, str]] = []
        for raw in entries:
            entry_id = as_text(raw.identifier)
            try:
                entry = decode_entry(raw.field_values or {}, entry_id)
                if entry.app_id != self.token.app_id:
                    raise StreamEntryError(
                        f"stream entry {entry_id}: app {clip(entry.app_id, 32)!r} is not this "
                        f"bot's ({self.token.app_id})",
                        entry_id,
                    )
            except StreamEntryError as exc:
                self._counters.bad_entries += 1
                bad_key = entry_done_key(self.keys, None, entry_id)
                self._jobs[bad_key] = _Job(entry_id, bad_key)
                await self._wait_for_slot()
                self._running += 1
                group.start_soon(self._report_bad, exc, bad_key)
                continue
            good.append((entry, entry_done_key(self.keys, entry.event_id, entry.entry_id)))
        if not good:
            return
        flags: Iterable[int] = ()
        while True:
            try:
                flags = await self._script(SKIP_DONE)(
                    keys=[self.stream, *(key for _, key in good)],
                    args=[self.group, *(entry.entry_id for entry, _ in good)],
                )
                break
            except Exception as exc:
                await self._retry_later("the done check", exc)
        for (entry, key), done in zip(good, flags, strict=True):
            if done:
                self._counters.skipped += 1
                log.debug("worker %s: %s already done; acknowledged", self.consumer, entry)
                continue
            if key in self._completing:  # handled here, its done mark not written yet
                self._counters.skipped += 1
                self._queue_completions(key, [entry.entry_id])
                continue
            job = self._jobs.get(key)
            if job is not None:  # the same event is being handled here: ack both together
                if entry.entry_id != job.entry_id and entry.entry_id not in job.extra:
                    job.extra.append(entry.entry_id)
                continue
            self._jobs[key] = _Job(entry.entry_id, key)  # touched and deduplicated meanwhile
            await self._wait_for_slot()
            self._running += 1
            group.start_soon(self._handle, entry, key, redelivered)

    def _context(self, shard: int, redelivered: bool) -> Context:
        ctx = self._contexts.get((shard, redelivered))
        if ctx is None:
            assert self.api is not None
            ctx = Context(
                self.api, self.bot, (shard, 0), replies=self._replies, redelivered=redelivered
            )
            self._contexts[(shard, redelivered)] = ctx
        return ctx

    async def _handle(self, entry: StreamEntry, key: str, redelivered: bool) -> None:
        ctx = self._context(entry.shard, redelivered)
        counters = self._counters
        try:
            try:
                method = handler_method(self.handler, self._methods, entry.name)
                if method is not None or entry.name.startswith("MESSAGE_AUDIT_"):
                    event = parse_event(entry.name, entry.d, event_id=entry.event_id)
                    if type(event) is MessageAudit:
                        self.audits.record(entry.name, event)
                    if method is not None:
                        await method(ctx, event)
            except Exception as exc:
                counters.errors += 1
                if isinstance(exc, RemoteProtocolError):
                    log.warning("worker %s: malformed %s: %s", self.consumer, entry, clip(exc))
                await report_error(self.handler, ctx, exc)
            counters.handled += 1
            if redelivered:
                counters.redelivered += 1
            self._complete(key)
        finally:
            self._finished(key)

    async def _report_bad(self, exc: StreamEntryError, key: str) -> None:
        log.warning("worker %s: unreadable entry: %s", self.consumer, clip(exc))
        try:
            await report_error(self.handler, self._context(0, False), exc)
            self._complete(key)
        finally:
            self._finished(key)

    def _complete(self, key: str) -> None:
        job = self._jobs.get(key)
        if job is None:  # pragma: no cover - every started job is registered
            return
        self._queue_completions(key, [job.entry_id, *job.extra])

    def _queue_completions(self, key: str, entry_ids: list[str]) -> None:
        self._completions.extend((key, entry_id) for entry_id in entry_ids)
        self._completing[key] = self._completing.get(key, 0) + len(entry_ids)
        self._wake_flusher()

    def _finished(self, key: str) -> None:
        self._jobs.pop(key, None)
        self._running -= 1
        room, self._room = self._room, None
        if room is not None:
            room.set()

    def _wake_flusher(self) -> None:
        if self._flush_wake is not None:
            self._flush_wake.set()

    async def _flusher(self) -> None:
        """Write the completions (done marks + acknowledgements), all pending ones per call."""
        io = self._io
        window = max(1, int(self.event_window))
        while True:
            if not self._completions:
                self._flush_wake = io.create_event()
                await self._flush_wake.wait()
                continue
            batch = self._completions[:512]
            self._flushing = True
            try:
                await self._script(COMPLETE)(
                    keys=[self.stream, *(key for key, _ in batch)],
                    args=[self.group, window, self.consumer, *(eid for _, eid in batch)],
                )
            except Exception as exc:
                self._flushing = False
                await self._retry_later("completing handled entries", exc)
                continue
            self._flushing = False
            del self._completions[: len(batch)]
            completing = self._completing
            for key, _ in batch:
                left = completing[key] - 1
                if left:
                    completing[key] = left
                else:
                    del completing[key]
