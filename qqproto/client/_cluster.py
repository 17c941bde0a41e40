"""Cluster mode: the shard coordinator over Redis (coredis), and each owned shard's link to it.

:class:`Coordinator` runs the sans-IO :class:`~qqproto.cluster.LeasePlanner`: it sends the
``TICK`` script when the planner says (heartbeat, renewals, free shards: one round trip), claims
shards, starts them in the runtime, stops a shard at once when its lease is lost or could not be
renewed in time, and hands shards over gracefully (drain, store the session, release). Each
owned shard gets a :class:`ShardLink`: the fence it writes under, its session and its seq
watermark; the runtime routes dispatches through it (claim, handle, complete; or publish).
Local decisions are timed by the client's ``Io``; times shared between processes come from
Redis. The scripts are in :mod:`qqproto.cluster._scripts`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import msgspec

from qqproto.client._dispatcher import clip, report_error
from qqproto.client._redis import as_text, import_coredis, open_redis
from qqproto.cluster._config import ClusterConfig
from qqproto.cluster._keys import ClusterKeys, lease_value
from qqproto.cluster._leases import Claim, Decision, LeasePlanner, Release, Stop
from qqproto.cluster._scripts import (
    CLAIM,
    CLAIM_EVENT,
    COMPLETE,
    PUBLISH,
    RELEASE,
    SAVE_SESSION,
    TICK,
)
from qqproto.cluster._stream import DEFAULT_GROUP
from qqproto.cluster._watermark import SeqWatermark

if TYPE_CHECKING:
    from contextlib import AsyncExitStack

    from qqproto.client._context import Context
    from qqproto.client._io import Io, TaskGroup
    from qqproto.gateway._events import Dispatch
    from qqproto.gateway._identify import SessionStartLimit

log = logging.getLogger("qqbot.cluster")

DRAIN_POLL = 0.02
"""Seconds between looks at a draining shard's handlers."""
SHUTDOWN_GRACE = 3.0
"""Seconds a cancelled client spends storing sessions and releasing leases."""
PUBLISH_RETRY = 0.5
"""Seconds between attempts to publish a dispatch while Redis fails (the shard still ours)."""

IDENTIFY_SLACK = 0.1
"""Cluster identifies of one bucket are granted ``window * (1 + IDENTIFY_SLACK)`` apart."""


class ShardLeaseStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One owned shard in :class:`ClusterStatus`."""

    shard: int
    fence: int
    expires_in: float
    """Seconds until the lease may expire in Redis unless renewed (local estimate)."""
    releasing: bool
    session_id: str | None
    seq: int | None
    """The seq watermark: every dispatch up to it completed."""


class ClusterStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What this process owns (``await client.cluster_status()``)."""

    node_id: str
    members: int
    """Live processes of this bot as last seen in Redis."""
    shards: tuple[ShardLeaseStatus, ...]
    publish: bool
    stream_length: int | None = None
    """Publish mode: entries in ``P:events``."""
    stream_lag: int | None = None
    """Publish mode: entries the ``workers`` group has not read yet (None: no group yet)."""
    round_trips: int = 0
    """Redis round trips this process made so far (scripts and commands)."""


def _int(value: Any) -> int | None:
    if value is None or value in (b"", ""):
        return None
    return int(value)


class ShardLink:
    """One owned shard's state in Redis: fence, session, watermark; the per-dispatch scripts."""

    def __init__(
        self, coordinator: Coordinator, shard: int, fence: int, session_id: str, seq: int | None
    ) -> None:
        self.coordinator = coordinator
        self.shard = shard
        self.fence = fence
        self.value = lease_value(coordinator.node_id, fence)
        self.session_id: str | None = session_id or None
        self.watermark = SeqWatermark(seq)
        self.publish = coordinator.config.publish
        keys = coordinator.keys
        self._lease_keys = [keys.lease(shard), keys.fence(shard), keys.session(shard)]
        self.handlers: TaskGroup | None = None
        """The shard's outer task group (handlers and the connection): cancel = stop now."""
        self.connection: TaskGroup | None = None
        """The connection's task group: cancel = stop reading (graceful hand-over)."""
        self.stopped = False
        self.lost = False
        self.handing_over = False
        """A graceful hand-over began: dispatches not started yet are left to the next owner
        (the watermark stays below them, so its RESUME replays them)."""
        self.running = 0
        """Dispatches between their claim and their completion (or publication) now."""
        self.unacked: set[str] = set()
        """Events whose handler finished and whose ``COMPLETE`` has not answered yet (stored on
        shutdown if it was cut short)."""

    def __repr__(self) -> str:
        return f"<ShardLink shard={self.shard} fence={self.fence} seq={self.watermark.value}>"

    @property
    def seq(self) -> int | None:
        return self.watermark.value

    async def before_identify(self, max_concurrency: int, limit: SessionStartLimit | None) -> None:
        """Wait for the cluster-wide identify slot and session budget (another helper's
        ``IdentifyGate``) before this shard identifies."""
        gate = self.coordinator.identify_gate
        if gate is not None:
            await gate.acquire(self.shard, max_concurrency, limit)

    # ---------------------------------------------------------- session

    def session_ready(self, session_id: str, seq: int | None) -> Callable[..., Awaitable[None]]:
        """READY: a new session with a new watermark. Returns the job storing it (to submit)."""
        self.session_id = session_id
        self.watermark = SeqWatermark(seq)

        async def store(ctx: Context, _: object) -> None:
            await self._save(session_id, seq, "set")

        return store

    async def _save(self, session_id: str | None, seq: int | None, mode: str) -> bool:
        if session_id is None:
            return False
        args = [self.value, self.fence, session_id, "" if seq is None else seq, mode]
        ok = await self.coordinator.run(SAVE_SESSION, self._lease_keys, args)
        return bool(ok)

    async def complete_unacked(self) -> None:
        """Mark done the events whose handler finished but whose completion was cut short."""
        for event_id in sorted(self.unacked):
            await self._complete(event_id, None, None)
            self.unacked.discard(event_id)

    async def _complete(
        self, event_id: str | None, session_id: str | None, mark: int | None
    ) -> None:
        """``COMPLETE``: ``event_id`` done (if any), the watermark moved to ``mark`` (if any,
        fenced, for ``session_id``)."""
        coordinator = self.coordinator
        keys = coordinator.keys
        ids = [keys.done(event_id or ""), keys.inflight(event_id or "")]
        args = [
            "1" if event_id else "",
            coordinator.config.event_window_ms,
            self.value,
            self.fence,
            session_id or "",
            "" if mark is None else mark,
        ]
        await coordinator.run(COMPLETE, [*ids, *self._lease_keys], args)

    async def release(self) -> bool:
        """Store the session (seq forward only) and delete the lease (graceful hand-over)."""
        seq = self.watermark.value
        args = [self.value, self.fence, self.session_id or "", "" if seq is None else seq]
        return bool(await self.coordinator.run(RELEASE, self._lease_keys, args))

    # ---------------------------------------------------------- dispatches

    def skip(self, ev: Dispatch) -> None:
        """A dispatch nobody handles here: it counts as completed at once."""
        if ev.seq is not None and self.watermark.started(ev.seq):
            self.watermark.finished(ev.seq)

    def track(self, ev: Dispatch) -> tuple[SeqWatermark, str | None, int | None]:
        """Start tracking ``ev``'s seq; what its completion needs."""
        watermark = self.watermark
        seq = ev.seq if ev.seq is not None and watermark.started(ev.seq) else None
        return watermark, self.session_id, seq

    async def handle(self, ctx: Context, job: tuple[Any, ...]) -> None:
        """Gateway mode: claim the event (skip it if done; flag it redelivered if it was in
        flight under a dead process), run the handler, then complete it (done + watermark)."""
        if self.handing_over:
            return
        self.running += 1
        try:
            await self._handle(ctx, job)
        finally:
            self.running -= 1

    async def _handle(self, ctx: Context, job: tuple[Any, ...]) -> None:
        method, event, event_id, handler, (watermark, session_id, seq) = job
        coordinator = self.coordinator
        keys = coordinator.keys
        ids = [keys.done(event_id or ""), keys.inflight(event_id or "")]
        status = 1
        if event_id:
            try:
                status = await coordinator.run(
                    CLAIM_EVENT, ids, [coordinator.node_id, coordinator.config.event_window_ms]
                )
            except Exception as exc:  # Redis failed: handled unchecked (at least once)
                log.warning(
                    "shard %d: claiming %s failed (%s); handling it unchecked",
                    self.shard,
                    clip(event_id, 80),
                    clip(repr(exc)),
                )
        if status:
            run_ctx = dataclasses.replace(ctx, redelivered=True) if status == 2 else ctx
            try:
                await method(run_ctx, event)
            except Exception as exc:
                await report_error(handler, run_ctx, exc)
        mark = None if seq is None else watermark.finished(seq)
        if not event_id and mark is None:
            return
        if event_id:
            self.unacked.add(event_id)
        try:
            await self._complete(event_id, session_id, mark)
        except Exception as exc:  # the next completion stores the watermark; the shard's
            # stop marks done what is left in unacked
            log.warning("shard %d: completing a dispatch failed: %s", self.shard, clip(repr(exc)))
            return
        self.unacked.discard(event_id or "")

    async def publish_event(self, ctx: Context, ev: Dispatch) -> None:
        """Publish mode: append ``ev`` to ``P:events`` exactly once (one fenced script that
        also moves the session's seq)."""
        if self.handing_over:
            return
        self.running += 1
        try:
            await self._publish(ev)
        finally:
            self.running -= 1

    async def _publish(self, ev: Dispatch) -> None:
        coordinator = self.coordinator
        keys = coordinator.keys
        event_id = ev.event_id or ""
        args = [
            self.value,
            self.fence,
            self.session_id or "",
            "" if ev.seq is None else ev.seq,
            event_id,
            coordinator.app_id,
            self.shard,
            ev.name,
            bytes(ev.raw),
        ]
        io = coordinator.io
        while True:  # one dispatch at a time: order is kept, reading waits meanwhile
            try:
                result = await coordinator.run(
                    PUBLISH, [*self._lease_keys, keys.done(event_id), keys.events], args
                )
                break
            except Exception as exc:
                if self.lost or self.handing_over:  # the next owner publishes it
                    return
                log.warning(
                    "shard %d: publishing failed (%s); retrying in %g s",
                    self.shard,
                    clip(repr(exc)),
                    PUBLISH_RETRY,
                )
                await io.sleep_until(io.now() + PUBLISH_RETRY)
        if ev.seq is not None and self.watermark.started(ev.seq):
            self.watermark.finished(ev.seq)
        if result == -1 and not self.lost:
            self.lost = True
            log.warning("shard %d: fenced out of publishing (lease lost)", self.shard)


class Coordinator:
    """Shares ``shards`` with the other processes of app ``app_id`` through Redis."""

    def __init__(
        self,
        io: Io,
        config: ClusterConfig,
        app_id: str,
        shards: tuple[int, ...],
        node_id: str,
    ) -> None:
        self.io = io
        self.config = config
        self.app_id = app_id
        self.shards = shards
        self.node_id = node_id
        self.keys = ClusterKeys(config.namespace, app_id)
        self.planner = LeasePlanner(
            shards,
            ttl=config.lease_ttl,
            renew_every=config.renew_interval,
            margin=config.stop_margin,
            now=io.now(),
        )
        self.links: dict[int, ShardLink] = {}
        self.round_trips = 0
        self.identify_gate: Any = None
        self._redis: Any = None
        self._scripts: dict[str, Any] = {}
        self._held: dict[int, tuple[str, int | None]] = {}
        """The session (and seq watermark) of each shard this process stopped, to resume it if
        it claims the shard again and Redis has none stored (e.g. Redis restarted empty)."""

    def __repr__(self) -> str:
        return f"<Coordinator node={self.node_id} shards={sorted(self.links)}>"

    async def open(self, stack: AsyncExitStack, identify_window: float) -> None:
        """Open the Redis client (until ``stack`` closes) and the identify gate."""
        self._redis = await open_redis(stack, self.config.redis_url)
        from qqproto.client._cluster_identify import IdentifyGate

        # the slot is taken before the token, the connect and the Hello, whose time varies: the
        # slack keeps two identifies of one bucket a whole window apart when they reach the
        # platform, not only when they were granted
        self.identify_gate = IdentifyGate(
            self._redis,
            self.config.namespace,
            self.app_id,
            window=identify_window * (1 + IDENTIFY_SLACK),
            io=self.io,
        )

    async def run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        """Run one of the scripts (one round trip)."""
        compiled = self._scripts.get(script)
        if compiled is None:
            compiled = self._scripts[script] = self._redis.register_script(script)
        self.round_trips += 1
        return await compiled(keys=keys, args=args)

    # ---------------------------------------------------------- the loop

    async def serve(
        self,
        group: TaskGroup,
        start: Callable[[ShardLink], Awaitable[None]],
    ) -> None:
        """Run the lease plan until cancelled; ``start(link)`` runs an owned shard (in a task of
        ``group``) until it is cancelled through the link's task groups. On cancellation the
        sessions are stored and the leases released at once."""
        self._group = group
        self._start = start
        await self._loop()

    async def _loop(self) -> None:
        io = self.io
        planner = self.planner
        while True:
            now = io.now()
            for decision in planner.handle_timer(now):  # stopped before the tick is sent
                await self._apply(decision)
            if planner.tick_due(now):
                for decision in await self._tick(now):
                    await self._apply(decision)
            deadline = planner.next_deadline()  # a tick is always due again after one
            await io.sleep_until(now + planner.renew_every if deadline is None else deadline)

    def _bound(self, now: float) -> float:
        """How long a Redis call may take: a renewal interval, and never past a lease deadline
        (the loop must be free to stop a shard in time)."""
        limit = now + self.planner.renew_every
        for lease in self.planner.owned.values():
            limit = min(limit, lease.deadline)
        return max(limit, now + 0.001)

    async def _tick(self, now: float) -> list[Decision]:
        planner = self.planner
        planner.tick_sent(now)
        keys = [self.keys.members, *(self.keys.lease(s) for s in self.shards)]
        args = [self.node_id, self.config.lease_ttl_ms, *planner.tick_fences()]
        try:
            async with self.io.fail_at(self._bound(now)):
                reply = await self.run(TICK, keys, args)
        except Exception as exc:  # coredis errors, TimeoutError: deadlines stand
            log.warning("cluster: lease renewal failed: %s: %s", type(exc).__name__, exc)
            return planner.tick_failed(now, self.io.now())
        return planner.tick_done(now, int(reply[0]), [int(x) for x in reply[1:]], self.io.now())

    async def _apply(self, decision: Decision) -> None:
        if isinstance(decision, Stop):
            self._stop(decision.shard, decision.reason)
        elif isinstance(decision, Release):
            self._group.start_soon(self._release, decision.shard)
        elif isinstance(decision, Claim):
            await self._claim(decision.shard)

    async def _claim(self, shard: int) -> None:
        io = self.io
        sent = io.now()
        keys = [self.keys.lease(shard), self.keys.fence(shard), self.keys.session(shard)]
        try:
            async with io.fail_at(self._bound(sent)):
                reply = await self.run(CLAIM, keys, [self.node_id, self.config.lease_ttl_ms])
        except Exception as exc:
            log.warning("cluster: claiming shard %d failed: %s: %s", shard, type(exc).__name__, exc)
            return
        if not reply:
            return
        fence, session_id, seq = int(reply[0]), as_text(reply[1]), _int(reply[2])
        held = self._held.pop(shard, None)
        if not session_id and held is not None:  # Redis lost it; this process still holds it
            session_id, seq = held
        self.planner.claimed(shard, fence, sent)
        link = ShardLink(self, shard, fence, session_id, seq)
        self.links[shard] = link
        log.info(
            "cluster: node %s gained shard %d (fence %d; %s)",
            self.node_id,
            shard,
            fence,
            f"resuming session at seq {seq}" if session_id else "no session stored",
        )
        self._group.start_soon(self._run_link, link)

    async def _run_link(self, link: ShardLink) -> None:
        try:
            await self._start(link)
        finally:
            link.stopped = True
        if link.lost and link.unacked:
            await self._mark_done(link)

    async def _mark_done(self, link: ShardLink) -> None:
        """Mark done the events whose handler finished on ``link`` but whose ``COMPLETE`` was
        cut short by the shard's stop. A done mark is a fact, written unfenced: the next owner
        then skips those events when they are replayed instead of handling them again. Bounded
        by a lease TTL; a failure is logged (those events may then be handled twice, flagged
        ``ctx.redelivered``)."""
        try:
            async with self.io.fail_at(self.io.now() + self.config.lease_ttl):
                await link.complete_unacked()
        except Exception as exc:
            log.warning(
                "cluster: marking %d handled event(s) of shard %d done failed: %s: %s",
                len(link.unacked),
                link.shard,
                type(exc).__name__,
                exc,
            )

    def _stop(self, shard: int, reason: str) -> None:
        """Stop ``shard`` now: its connection closes (the session stays resumable)."""
        link = self.links.pop(shard, None)
        self.planner.released(shard)
        if link is None:
            return
        link.lost = True
        if link.session_id is not None:
            self._held[shard] = (link.session_id, link.seq)
        log.warning("cluster: node %s lost shard %d (%s); stopped it", self.node_id, shard, reason)
        if link.handlers is not None:
            link.handlers.cancel()

    async def _release(self, shard: int) -> None:
        """Graceful hand-over: stop reading and starting handlers, let the running ones finish
        (for at most a lease TTL, while the lease is still renewed), store the session and
        delete the lease. The backlog not started is the next owner's: it RESUMEs below it."""
        link = self.links.get(shard)
        if link is None:
            return
        io = self.io
        link.handing_over = True
        if link.connection is not None:
            link.connection.cancel()
        lease = self.planner.owned.get(shard)
        drain_until = io.now() + self.config.lease_ttl
        while link.running and io.now() < drain_until and lease is not None:
            await io.sleep_until(io.now() + DRAIN_POLL)
            lease = self.planner.owned.get(shard)
        if self.links.get(shard) is not link:  # stopped meanwhile (lease lost)
            return
        if link.handlers is not None:
            link.handlers.cancel()
        while not link.stopped:
            await io.sleep_until(io.now() + DRAIN_POLL)
        # a handler that finished has its seq in the watermark the release stores: its done
        # mark must be written first, or the next owner, resuming past it, never writes one
        await self._mark_done(link)
        try:
            released = await link.release()
        except Exception as exc:
            log.warning("cluster: releasing shard %d failed: %s", shard, exc)
            released = False
        self.links.pop(shard, None)
        self.planner.released(shard)
        log.info(
            "cluster: node %s released shard %d (session stored at seq %s)%s",
            self.node_id,
            shard,
            link.seq,
            "" if released else "; the lease was not ours any more",
        )

    async def shutdown(self) -> None:
        """After every shard stopped (the client's task group ended): mark done what finished,
        store the sessions, release the leases and leave the members, at once (shielded from
        the cancellation that ended the client, bounded by ``SHUTDOWN_GRACE``)."""
        await self.io.run_shielded(self._release_all, self.io.now() + SHUTDOWN_GRACE)
        self.links.clear()

    async def _release_all(self) -> None:
        coredis = import_coredis()
        # a fresh client, opened and closed here: the cancellation that stopped the shards may
        # have cut the pool's connections in the middle of a command
        async with coredis.Redis.from_url(self.config.redis_url) as fresh:
            self._redis = fresh
            self._scripts.clear()
            for link in list(self.links.values()):
                try:
                    await link.complete_unacked()
                    released = await link.release()
                except Exception as exc:
                    log.warning("cluster: releasing shard %d failed: %s", link.shard, exc)
                    continue
                if released:
                    log.info(
                        "cluster: node %s released shard %d on shutdown (seq %s)",
                        self.node_id,
                        link.shard,
                        link.seq,
                    )
            try:
                await fresh.zrem(self.keys.members, [self.node_id])
            except Exception as exc:
                log.debug("cluster: leaving the members failed: %s", exc)

    # ---------------------------------------------------------- status

    async def status(self) -> ClusterStatus:
        now = self.io.now()
        shards = []
        for shard, link in sorted(self.links.items()):
            lease = self.planner.owned.get(shard)
            shards.append(
                ShardLeaseStatus(
                    shard=shard,
                    fence=link.fence,
                    expires_in=0.0 if lease is None else max(0.0, lease.expires - now),
                    releasing=bool(lease and lease.releasing),
                    session_id=link.session_id,
                    seq=link.seq,
                )
            )
        length = lag = None
        if self.config.publish:
            length, lag = await self._stream_info()
        return ClusterStatus(
            node_id=self.node_id,
            members=self.planner.members,
            shards=tuple(shards),
            publish=self.config.publish,
            stream_length=length,
            stream_lag=lag,
            round_trips=self.round_trips,
        )

    async def _stream_info(self) -> tuple[int | None, int | None]:
        redis = self._redis
        try:
            length = int(await redis.xlen(self.keys.events))
            groups = await redis.xinfo_groups(self.keys.events)
        except Exception:  # no stream yet
            return None, None
        for group in groups:
            info = {as_text(k): v for k, v in dict(group).items()}
            if as_text(info.get("name")) == DEFAULT_GROUP:
                return length, _int(info.get("lag"))
        return length, None
