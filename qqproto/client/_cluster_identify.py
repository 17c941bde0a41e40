"""The identify gate: identify slots and the daily session budget shared through Redis.

Every process of one bot (same app id) asks :class:`IdentifyGate` before it sends an IDENTIFY;
the gate takes the slot atomically in Redis with one script per attempt
(:data:`qqproto.cluster._identify.IDENTIFY_SCRIPT`, timed by Redis ``TIME``) and, when the slot
or the budget is not free yet, sleeps the wait the script reported and tries again. The Redis
client is the caller's (coredis, the ``redis`` extra); this module imports none at run time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from qqproto.cluster._identify import (
    IDENTIFY_SCRIPT,
    identify_args,
    identify_bucket,
    parse_identify_reply,
)
from qqproto.cluster._keys import ClusterKeys
from qqproto.gateway._identify import IDENTIFY_WINDOW

if TYPE_CHECKING:
    import coredis
    from coredis.commands import Script

    from qqproto.client._io import Io
    from qqproto.gateway._identify import SessionStartLimit

log = logging.getLogger("qqbot.cluster")

MAX_SLEEP = 60.0
"""The longest single sleep while waiting for the budget: a reading another process stores in
the meantime (a reset budget) is seen at least this often."""


class IdentifyGate:
    """Waits until this process may identify a shard, across every process of the bot.

    ``redis_client`` is a ``coredis.Redis`` (bytes or str responses); ``namespace`` and ``app_id``
    make the key prefix ``f"{namespace}:{app_id}"``. ``window`` is the platform's identify window
    (5 s; lower it only in tests). ``io`` is the client's :class:`~qqproto.client._io.Io`
    (``client._io``), whose ``sleep_until`` the waits use: required, as ``qqproto.client`` sleeps
    only on the Io it is lent. ``max_sleep`` caps one sleep while waiting for the budget.
    """

    def __init__(
        self,
        redis_client: coredis.Redis[Any],
        namespace: str,
        app_id: str,
        *,
        window: float = IDENTIFY_WINDOW,
        io: Io,
        max_sleep: float = MAX_SLEEP,
    ) -> None:
        if not window > 0:
            raise ValueError(f"window must be positive, not {window!r}")
        if not max_sleep > 0:
            raise ValueError(f"max_sleep must be positive, not {max_sleep!r}")
        self.keys = ClusterKeys(namespace, app_id)
        self.window = window
        self._window_ms = max(1, round(window * 1000))
        self._io = io
        self._max_sleep = max_sleep
        self._script: Script[Any] = redis_client.register_script(IDENTIFY_SCRIPT)
        self._submitted: SessionStartLimit | None = None

    def __repr__(self) -> str:
        return f"IdentifyGate(prefix={self.keys.prefix!r}, window={self.window!r})"

    async def acquire(
        self,
        shard_id: int,
        max_concurrency: int,
        session_start_limit: SessionStartLimit | None = None,
    ) -> float:
        """Return once this process may send an IDENTIFY for ``shard_id``, the slot taken.

        One identify per bucket (``shard_id % max_concurrency``) per window and one session from
        the shared budget. ``session_start_limit`` is the latest ``GET /gateway/bot`` reading
        (``reset_after`` in seconds): handed to Redis once per new reading, where it starts or
        refreshes the budget (see :mod:`qqproto.cluster._identify`). Returns the Redis time
        (seconds since the epoch) at which the slot was granted. Redis errors propagate."""
        bucket = identify_bucket(shard_id, max_concurrency)
        keys = [self.keys.identify(bucket), self.keys.budget]
        limit = session_start_limit
        if limit is not None and limit == self._submitted:
            limit = None  # this reading is in Redis already; its reset_after has aged since
        while True:
            args = identify_args(self._window_ms, limit)
            reply = parse_identify_reply(await self._script(keys=keys, args=args))
            if limit is not None:
                self._submitted = limit
                limit = None
            if reply.granted:
                log.debug(
                    "shard %d: identify slot in bucket %d granted (%s sessions left)",
                    shard_id,
                    bucket,
                    "?" if reply.remaining is None else reply.remaining,
                )
                return reply.granted_at
            wait = min(reply.wait, self._max_sleep)
            if reply.waits_for_budget:
                log.info(
                    "shard %d: identify waits %.1f s for the daily session budget to reset "
                    "(sleeping %.1f s, then asking again)",
                    shard_id,
                    reply.wait,
                    wait,
                )
            else:
                log.debug("shard %d: identify waits %.3f s for bucket %d", shard_id, wait, bucket)
            await self._io.sleep_until(self._io.now() + wait)
