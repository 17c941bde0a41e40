"""Scale-out across processes, coordinated through Redis: the sans-IO part.

Key names, the Lua scripts the coordination runs atomically in Redis, the shard-lease policy and
the format of the dispatch stream; no Redis client here (``qqproto.client`` runs the scripts with
coredis, the ``redis`` extra). See docs/deployment.md.
"""

from __future__ import annotations

__all__: list[str] = []
