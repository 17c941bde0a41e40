"""Scale-out across processes, coordinated through Redis: the sans-IO part.

Key names, the Lua scripts the coordination runs atomically in Redis, the shard-lease policy and
the format of the dispatch stream; no Redis client here (``qqproto.client`` runs the scripts with
coredis, the ``redis`` extra). See docs/deployment.md.
"""

from __future__ import annotations

from qqproto.cluster._config import ClusterConfig
from qqproto.cluster._identify import IDENTIFY_SCRIPT, IdentifyReply, identify_bucket
from qqproto.cluster._keys import ClusterKeys
from qqproto.cluster._leases import Claim, LeasePlanner, Release, Stop
from qqproto.cluster._watermark import SeqWatermark

__all__: list[str] = []

from qqproto.cluster._stream import StreamEntry, StreamEntryError, decode_entry, encode_entry

__all__ += ["StreamEntry", "StreamEntryError", "decode_entry", "encode_entry"]

__all__ += [
    "Claim",
    "ClusterConfig",
    "ClusterKeys",
    "LeasePlanner",
    "Release",
    "SeqWatermark",
    "Stop",
]

__all__ += ["IDENTIFY_SCRIPT", "IdentifyReply", "identify_bucket"]
