"""A bot program for the multi-process tests: one process of a clustered bot (or, with
``--no-cluster``, a plain bot running the given shards) against a simulator, recording what its
handler saw to Redis so that the test process can read it even after a ``kill -9``.

Run by tests/_cluster_harness.py (``start_bot``)::

    python tests/cluster_bot.py --app-id ID --secret S --api-base URL --token-url URL \\
        --redis-url redis://127.0.0.1:P --namespace NS [--lease-ttl 3] [--publish] \\
        [--backend asyncio|trio] [--node NAME] [--no-cluster --shards 0,1 --shard-count 2]

Every handled C2C or group message is ``RPUSH``ed to ``{namespace}:test:handled`` as
``"{shard}|{content}|{redelivered 0/1}|{node}|{event id}|{seq}"`` once its handler finished
(``--handle-delay`` seconds after it started); READY and RESUMED are pushed to
``{namespace}:test:lifecycle`` as ``"{node}|ready|{shard}|{session id}"`` /
``"{node}|resumed|{shard}"``. SIGTERM (or SIGINT) cancels ``client.start()``: a graceful
shutdown, then exit status 0. The program exits by itself after ``--max-runtime`` seconds (an
orphan never outlives its test for long).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import anyio
import coredis

HANDLED = "{namespace}:test:handled"
LIFECYCLE = "{namespace}:test:lifecycle"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--token-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--lease-ttl", type=float, default=3.0)
    parser.add_argument("--publish", action="store_true", help="gateway/worker split mode")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--node", default=None, help="node id (default: bot-<pid>)")
    parser.add_argument("--no-cluster", action="store_true", help="a plain bot, no Redis leases")
    parser.add_argument("--shards", default=None, help="shard ids to run without cluster: 0,1")
    parser.add_argument("--shard-count", type=int, default=None)
    parser.add_argument("--handle-delay", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=32, help="max_concurrent_handlers")
    parser.add_argument("--identify-window", type=float, default=None)
    parser.add_argument("--max-runtime", type=float, default=60.0)
    parser.add_argument("--log-level", default="WARNING", help="logging level (INFO: leases)")
    return parser.parse_args(argv)


def adapter(backend: str) -> ModuleType:
    if backend == "trio":
        import qqbot_trio

        return qqbot_trio
    import qqbot_asyncio

    return qqbot_asyncio


def cluster_config(qq: ModuleType, args: argparse.Namespace, node: str) -> Any:
    """``ClusterConfig`` as the design contract gives it (qqproto/cluster/_config.py)."""
    config_class = getattr(qq, "ClusterConfig", None)
    if config_class is None:
        config_class = importlib.import_module("qqproto.cluster").ClusterConfig
    return config_class(
        args.redis_url,
        namespace=args.namespace,
        lease_ttl=args.lease_ttl,
        node_id=node,
        publish=args.publish,
    )


def make_handler(qq: ModuleType, redis: Any, args: argparse.Namespace, node: str) -> Any:
    handled = HANDLED.format(namespace=args.namespace)
    lifecycle = LIFECYCLE.format(namespace=args.namespace)

    class Recorder(qq.EventHandler):  # type: ignore[name-defined,misc]
        async def _record(self, ctx: Any, event: Any) -> None:
            if args.handle_delay > 0:
                await anyio.sleep(args.handle_delay)
            redelivered = 1 if getattr(ctx, "redelivered", False) else 0
            event_id = getattr(ctx, "event_id", None) or ""
            seq = getattr(ctx, "seq", None)
            entry = (
                f"{ctx.shard[0]}|{(event.content or '').strip()}|{redelivered}|{node}|{event_id}|"
                f"{'' if seq is None else seq}"
            )
            await redis.rpush(handled, [entry])

        async def on_c2c_message_create(self, ctx: Any, event: Any) -> None:
            await self._record(ctx, event)

        async def on_group_at_message_create(self, ctx: Any, event: Any) -> None:
            await self._record(ctx, event)

        async def on_ready(self, ctx: Any, event: Any) -> None:
            await redis.rpush(lifecycle, [f"{node}|ready|{ctx.shard[0]}|{event.session_id}"])

        async def on_resumed(self, ctx: Any, event: Any) -> None:
            await redis.rpush(lifecycle, [f"{node}|resumed|{ctx.shard[0]}"])

    return Recorder()


async def run(args: argparse.Namespace) -> None:
    from qqproto.gateway._backoff import BackoffConfig

    qq = adapter(args.backend)
    node = args.node or f"bot-{os.getpid()}"
    redis = coredis.Redis.from_url(args.redis_url)
    options: dict[str, Any] = {
        "api_base": args.api_base,
        "token_url": args.token_url,
        "max_concurrent_handlers": args.concurrency,
        # faults in a row take milliseconds, as in Simulator.run
        "gateway_options": {
            "invalid_session_delay": (0.0, 0.1),
            "backoff": BackoffConfig(base=0.05, cap=0.2, quick_jitter=0.02),
        },
    }
    if args.identify_window is not None:
        options["identify_window"] = args.identify_window
    if args.no_cluster:
        if args.shards is not None:
            options["shard_ids"] = [int(s) for s in args.shards.split(",") if s]
        if args.shard_count is not None:
            options["shard_count"] = args.shard_count
    else:
        options["cluster"] = cluster_config(qq, args, node)
    async with redis:
        client = qq.Client(
            qq.Token(args.app_id, args.secret),
            qq.Intents.default(),
            make_handler(qq, redis, args, node),
            **options,
        )
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async with anyio.create_task_group() as group:

                async def stop_on_signal() -> None:
                    async for signum in signals:
                        print(f"{node}: signal {signum}, stopping", file=sys.stderr, flush=True)
                        group.cancel_scope.cancel()
                        return

                async def run_client() -> None:
                    with anyio.move_on_after(args.max_runtime):
                        await client.start()
                    group.cancel_scope.cancel()

                group.start_soon(stop_on_signal)
                group.start_soon(run_client)
                print(f"{node}: started (pid {os.getpid()})", file=sys.stderr, flush=True)
    print(f"{node}: stopped", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format=f"%(relativeCreated)7.0f {args.node or os.getpid()} %(name)s %(levelname)s "
        "%(message)s",
    )
    anyio.run(run, args, backend=args.backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
