"""The Lua scripts of the shard coordination, each run atomically in Redis.

Times shared between processes come from Redis (``TIME``, ``PX``), never from a process's clock.
A *fenced* write checks that the caller still holds the shard: the lease holds
``"node_id|fence"`` and ``P:fence:{shard}`` still equals ``fence`` (a process that lost its lease
and was overtaken cannot write, whatever it believes). Each script's docstring-like comment gives
its KEYS and ARGV; :mod:`qqproto.client._cluster` runs them.
"""

from __future__ import annotations

__all__ = [
    "CLAIM",
    "CLAIM_EVENT",
    "COMPLETE",
    "PUBLISH",
    "RELEASE",
    "SAVE_SESSION",
    "TICK",
    "TickStatus",
]

from enum import IntEnum


class TickStatus(IntEnum):
    """Per shard answer of :data:`TICK`."""

    LOST = 0
    """We thought we owned it; the lease holds something else (or nothing): stop it now."""
    RENEWED = 1
    """Ours, renewed for another TTL."""
    TAKEN = 2
    """Another process holds it."""
    FREE = 3
    """Nobody holds it: it may be claimed."""


_FENCED = """
local function fenced(lease, fence_key, value, fence)
  return redis.call('GET', lease) == value and redis.call('GET', fence_key) == fence
end
"""

_SAVE = """
local function save(session, sid, seq, fence, mode)
  if sid == '' then return end
  if mode == 'set' then
    redis.call('HSET', session, 'session_id', sid, 'seq', seq, 'fence', fence)
    return
  end
  if redis.call('HGET', session, 'session_id') ~= sid then return end
  local old = tonumber(redis.call('HGET', session, 'seq') or '0') or 0
  if seq ~= '' and tonumber(seq) > old then
    redis.call('HSET', session, 'seq', seq, 'fence', fence)
  end
end
"""

TICK = """
-- KEYS: members, lease:{s} for every shard s of the plan, in order
-- ARGV: node_id, ttl_ms, then per shard the fence we hold it under ('' = not ours)
-- Registers the node (expiry = TIME + ttl), drops expired members, renews our leases.
-- Returns {live members, status per shard (TickStatus)}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local node, ttl = ARGV[1], tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, node)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 10)
local result = {redis.call('ZCARD', KEYS[1])}
for i = 2, #KEYS do
  local fence = ARGV[i + 1]
  local current = redis.call('GET', KEYS[i])
  if fence ~= '' then
    if current == node .. '|' .. fence then
      redis.call('PEXPIRE', KEYS[i], ttl)
      result[i] = 1
    else
      result[i] = 0
    end
  elseif current then
    result[i] = 2
  else
    result[i] = 3
  end
end
return result
"""

CLAIM = """
-- KEYS: lease, fence, session     ARGV: node_id, ttl_ms
-- Returns {} when the shard is held; else {fence, session_id, seq} (the stored session, '' if
-- none), the lease set to 'node_id|fence' for ttl_ms.
if redis.call('EXISTS', KEYS[1]) == 1 then return {} end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
local s = redis.call('HMGET', KEYS[3], 'session_id', 'seq')
return {fence, s[1] or '', s[2] or ''}
"""

SAVE_SESSION = (
    _FENCED
    + _SAVE
    + """
-- KEYS: lease, fence, session     ARGV: lease value, fence, session_id, seq, mode ('set'|'max')
-- 'set' stores a new session (READY); 'max' moves the seq of the same session forward only.
-- Returns 1, or 0 when the caller is fenced out (nothing written).
if not fenced(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return 0 end
save(KEYS[3], ARGV[3], ARGV[4], ARGV[2], ARGV[5])
return 1
"""
)

RELEASE = (
    _FENCED
    + _SAVE
    + """
-- KEYS: lease, fence, session     ARGV: lease value, fence, session_id ('' = keep), seq
-- Stores the session (seq forward only) and deletes the lease at once (graceful hand-over).
-- Returns 1, or 0 when the lease was not ours any more.
if not fenced(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return 0 end
save(KEYS[3], ARGV[3], ARGV[4], ARGV[2], 'max')
redis.call('DEL', KEYS[1])
return 1
"""
)

CLAIM_EVENT = """
-- KEYS: done:{id}, inflight:{id}     ARGV: node_id, window_ms
-- Returns 0: done already (skip); 1: claimed; 2: claimed, but it was in flight under another
-- handler run (a process died while handling it): handle again, flagged redelivered.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local previous = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
if previous then return 2 end
return 1
"""

COMPLETE = (
    _FENCED
    + _SAVE
    + """
-- KEYS: done:{id}, inflight:{id}, lease, fence, session
-- ARGV: has_id ('1'|''), window_ms, lease value, fence, session_id, seq ('' = no advance)
-- Marks the event done (a fact, fenced or not), clears its in-flight mark and, fenced, moves
-- the session's seq watermark forward. Returns 1, or 0 when fenced out.
if ARGV[1] == '1' then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
  redis.call('DEL', KEYS[2])
end
if not fenced(KEYS[3], KEYS[4], ARGV[3], ARGV[4]) then return 0 end
save(KEYS[5], ARGV[5], ARGV[6], ARGV[4], 'max')
return 1
"""
)

PUBLISH = (
    _FENCED
    + _SAVE
    + """
-- KEYS: lease, fence, session, done:{id}, events
-- ARGV: lease value, fence, session_id, seq, event id, app, shard, name, d
-- Appends one dispatch to the stream, exactly once: fenced; a seq at or below the stored one
-- of the same session was published already (a replay); an id already done was handled.
-- The session's seq moves to this one in the same step. Returns 1 appended, 0 skipped,
-- -1 fenced out.
if not fenced(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return -1 end
local sid, seq = ARGV[3], ARGV[4]
if seq ~= '' and redis.call('HGET', KEYS[3], 'session_id') == sid then
  local stored = tonumber(redis.call('HGET', KEYS[3], 'seq') or '') or -1
  if tonumber(seq) <= stored then return 0 end
end
local appended = 0
if ARGV[5] == '' or redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('XADD', KEYS[5], '*', 'v', '1', 'app', ARGV[6], 'shard', ARGV[7], 'seq', seq,
    'name', ARGV[8], 'id', ARGV[5], 'd', ARGV[9])
  appended = 1
end
save(KEYS[3], sid, seq, ARGV[2], 'max')
return appended
"""
)
