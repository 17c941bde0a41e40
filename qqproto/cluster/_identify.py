"""Identify slots and the daily session budget shared by every process of one bot: keys, script.

The platform allows one IDENTIFY per bucket (``shard_id % max_concurrency``) per 5 s and at most
``session_start_limit.remaining`` new sessions until the budget resets. Across processes both are
kept in Redis (prefix ``P = f"{namespace}:{app_id}"``, names from
:class:`qqproto.cluster._keys.ClusterKeys`):

* ``P:identify:{bucket}``: STRING, the Redis time (microseconds) of the bucket's last granted
  identify, with a PX TTL a little longer than the window (only for cleanup: the script compares
  the stored time, not the key's existence, so expiry granularity never shortens the window);
* ``P:budget``: HASH ``{remaining, reset_at_ms, total}``, ``reset_at_ms`` on Redis' clock.

:data:`IDENTIFY_SCRIPT` checks and takes a slot in one atomic step, reading the time with Redis
``TIME`` (never the caller's clock). A ``session_start_limit`` reading is adopted when there is no
budget yet, when the stored period has ended, or when the reading belongs to a later period (its
reset lies more than ``period_slack_ms`` after the stored one); within the same period the lower
``remaining`` wins, so a stale reading never hands out sessions twice. When the stored period
ends without a new reading, the budget starts over at ``total`` for another 24 hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import msgspec

from qqproto._errors import RemoteProtocolError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from qqproto.gateway._identify import SessionStartLimit

IDENTIFY_WINDOW_MS: Final = 5000
"""The platform's identify window (5 s), in milliseconds."""
BUDGET_PERIOD_MS: Final = 24 * 3600 * 1000
"""How long a budget lasts when its period ended and no new reading came."""
PERIOD_SLACK_MS: Final = 60_000
"""How much later than the stored reset a reading's reset must be to count as a new period."""

NO_LIMIT: Final = -1
"""``remaining`` passed to the script when the caller has no ``session_start_limit`` reading."""


def identify_bucket(shard_id: int, max_concurrency: int) -> int:
    """The bucket ``shard_id`` identifies in: ``shard_id % max_concurrency``."""
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
    if shard_id < 0:
        raise ValueError(f"shard_id must be >= 0, not {shard_id}")
    return shard_id % max_concurrency


IDENTIFY_SCRIPT: Final = """
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_ms = math.floor(now_us / 1000)
local window_us = tonumber(ARGV[1]) * 1000
local total = tonumber(ARGV[2])
local remaining = tonumber(ARGV[3])
local reset_after = tonumber(ARGV[4])
local slack = tonumber(ARGV[5])
local period = tonumber(ARGV[6])

local b = redis.call('HMGET', KEYS[2], 'remaining', 'reset_at_ms', 'total')
local cur, reset_at, cur_total = tonumber(b[1]), tonumber(b[2]), tonumber(b[3])
if remaining >= 0 then
  local new_reset = now_ms + reset_after
  if cur == nil or reset_at == nil or now_ms >= reset_at or new_reset > reset_at + slack then
    cur, reset_at, cur_total = remaining, new_reset, total
  elseif remaining < cur then
    cur = remaining
  end
  redis.call('HSET', KEYS[2], 'remaining', cur, 'reset_at_ms', reset_at, 'total', cur_total)
elseif cur ~= nil and reset_at ~= nil and now_ms >= reset_at then
  cur, reset_at = cur_total or cur, now_ms + period
  redis.call('HSET', KEYS[2], 'remaining', cur, 'reset_at_ms', reset_at)
end

local wait_ms = 0
local reason = 0
local last = tonumber(redis.call('GET', KEYS[1]))
if last ~= nil and now_us < last + window_us then
  wait_ms = math.ceil((last + window_us - now_us) / 1000)
  reason = 1
end
if cur ~= nil and cur <= 0 then
  local budget_wait = reset_at - now_ms
  if budget_wait < 1 then budget_wait = 1 end
  if budget_wait >= wait_ms then
    wait_ms = budget_wait
    reason = 2
  end
end
if wait_ms > 0 then
  return {0, wait_ms, reason, cur or -1}
end
redis.call('SET', KEYS[1], now_us, 'PX', tonumber(ARGV[1]) + 1000)
if cur ~= nil then
  cur = cur - 1
  redis.call('HSET', KEYS[2], 'remaining', cur)
end
return {1, now_us, 0, cur or -1}
"""
"""Check and take an identify slot. KEYS: ``P:identify:{bucket}``, ``P:budget``. ARGV:
``window_ms``, ``total``, ``remaining`` (:data:`NO_LIMIT` without a reading), ``reset_after_ms``,
``period_slack_ms``, ``budget_period_ms``. Returns ``{1, granted_at_us, 0, remaining}`` or
``{0, wait_ms, reason, remaining}`` (reason 1: the bucket's window, 2: the budget); ``remaining``
is -1 when no budget is known. See :func:`identify_args` and :func:`parse_identify_reply`."""


class IdentifyReply(msgspec.Struct, frozen=True, kw_only=True):
    """What :data:`IDENTIFY_SCRIPT` answered."""

    granted: bool
    granted_at: float
    """Redis time of the granted slot, in seconds (0.0 when not granted)."""
    wait: float
    """Seconds to wait before trying again (0.0 when granted)."""
    waits_for_budget: bool
    """The wait is the daily session budget's (else the bucket's window)."""
    remaining: int | None
    """Sessions left in the shared budget after this attempt (None: no budget known)."""


def identify_args(
    window_ms: int,
    limit: SessionStartLimit | None,
    *,
    period_slack_ms: int = PERIOD_SLACK_MS,
    budget_period_ms: int = BUDGET_PERIOD_MS,
) -> list[int]:
    """ARGV for :data:`IDENTIFY_SCRIPT` (``limit.reset_after`` is in seconds)."""
    if window_ms < 1:
        raise ValueError(f"the identify window must be at least 1 ms, not {window_ms}")
    if limit is None:
        total, remaining, reset_after_ms = 0, NO_LIMIT, 0
    else:
        remaining = max(0, limit.remaining)
        total = max(remaining, limit.total)
        reset_after_ms = max(0, round(limit.reset_after * 1000))
    return [window_ms, total, remaining, reset_after_ms, period_slack_ms, budget_period_ms]


def parse_identify_reply(reply: object) -> IdentifyReply:
    """The script's answer as an :class:`IdentifyReply`; RemoteProtocolError if it is not one."""
    if not isinstance(reply, (list, tuple)) or len(reply) != 4:
        raise RemoteProtocolError(f"the identify script answered {reply!r}, not 4 integers")
    values: Sequence[object] = reply
    ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if len(ints) != 4:
        raise RemoteProtocolError(f"the identify script answered {reply!r}, not 4 integers")
    granted, value, reason, remaining = ints
    left = None if remaining < 0 else remaining
    if granted == 1:
        return IdentifyReply(
            granted=True, granted_at=value / 1e6, wait=0.0, waits_for_budget=False, remaining=left
        )
    if granted != 0 or value < 1 or reason not in (1, 2):
        raise RemoteProtocolError(f"the identify script answered {reply!r}")
    return IdentifyReply(
        granted=False,
        granted_at=0.0,
        wait=value / 1000.0,
        waits_for_budget=reason == 2,
        remaining=left,
    )
