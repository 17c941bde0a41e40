"""The Redis key names of one bot's cluster (``P = f"{namespace}:{app_id}"``)."""

from __future__ import annotations

__all__ = ["ClusterKeys", "lease_value"]


class ClusterKeys:
    """Key names under the prefix ``f"{namespace}:{app_id}"`` (see docs/deployment.md)."""

    __slots__ = ("prefix",)

    def __init__(self, namespace: str, app_id: str) -> None:
        if not namespace or not app_id:
            raise ValueError("the key prefix needs a namespace and an app id")
        self.prefix = f"{namespace}:{app_id}"

    def __repr__(self) -> str:
        return f"ClusterKeys({self.prefix!r})"

    @property
    def members(self) -> str:
        return f"{self.prefix}:members"

    def lease(self, shard: int) -> str:
        return f"{self.prefix}:lease:{shard}"

    def fence(self, shard: int) -> str:
        return f"{self.prefix}:fence:{shard}"

    def session(self, shard: int) -> str:
        return f"{self.prefix}:session:{shard}"

    def identify(self, bucket: int) -> str:
        return f"{self.prefix}:identify:{bucket}"

    @property
    def budget(self) -> str:
        return f"{self.prefix}:budget"

    def done(self, event_id: str) -> str:
        return f"{self.prefix}:done:{event_id}"

    def inflight(self, event_id: str) -> str:
        return f"{self.prefix}:inflight:{event_id}"

    @property
    def events(self) -> str:
        return f"{self.prefix}:events"

    def webhook(self, event_id: str) -> str:
        return f"{self.prefix}:webhook:{event_id}"


def lease_value(node_id: str, fence: int) -> str:
    """What ``P:lease:{shard}`` holds while ``node_id`` owns it under ``fence``."""
    return f"{node_id}|{fence}"
