"""qqbot on asyncio: the public API of both adapters, over asyncio's sockets, TLS and tasks.

::

    import qqbot_asyncio as qq

    class Echo(qq.EventHandler):
        async def on_at_message_create(self, ctx, message):
            await message.reply(ctx, content="echo: " + (message.content or ""))

    client = qq.Client(qq.Token("app_id", "secret"),
                       qq.Intents.none().with_public_guild_messages(), Echo())
    asyncio.run(client.start())
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qqproto import __version__
from qqproto.client import *  # noqa: F403
from qqproto.client import LAZY_NAMES, lazy_attribute
from qqproto.client import __all__ as _public
from qqproto.client._runtime import ClientBase
from qqproto.client._worker import WorkerBase

from ._io import AsyncioIo

__all__ = ["Client", "Worker", "__version__", *_public, *LAZY_NAMES]

if TYPE_CHECKING:
    from qqproto.client._asgi import WebhookApp as WebhookApp
    from qqproto.client._asgi import webhook_app as webhook_app
    from qqproto.client._command_parse import Rest as Rest
    from qqproto.client._command_parse import UsageError as UsageError
    from qqproto.client._commands import Command as Command
    from qqproto.client._commands import CommandHandler as CommandHandler
    from qqproto.client._commands import command as command
    from qqproto.client._webhook_server import WebhookOptions as WebhookOptions


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, name)


class Client(ClientBase):
    """A QQ bot client on asyncio.

    ``Client(token, intents, handler, is_sandbox=False, *, api_base=None, token_url=None,
    timeout_secs=30.0, shard_ids=None, shard_count=None, max_concurrent_handlers=32,
    ssl_context=None, ...)``; ``await client.start()`` runs until cancelled or until the platform
    ends the session for good (then it raises).
    """

    io_factory = AsyncioIo


class Worker(WorkerBase):
    """A worker on asyncio: handles the dispatches a publishing gateway put in the Redis stream.

    ``Worker(token, handler, cluster=ClusterConfig(...), *, consumer=None, group="workers",
    batch=32, block=1.0, claim_idle=30.0, max_concurrent_handlers=32, shutdown_grace=10.0,
    is_sandbox=False, api_base=None, token_url=None, ...)``; ``await worker.start()`` runs until
    cancelled or ``worker.stop()``; ``await worker.status()`` reports pending and lag.
    """

    io_factory = AsyncioIo
