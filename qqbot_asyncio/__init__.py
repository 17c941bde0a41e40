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

from qqproto import __version__
from qqproto.client.public import *  # noqa: F403
from qqproto.client.public import __all__ as _public
from qqproto.client.runtime import ClientBase

from ._io import AsyncioIo

__all__ = ["Client", "__version__", *_public]


class Client(ClientBase):
    """A QQ bot client on asyncio.

    ``Client(token, intents, handler, is_sandbox=False, *, api_base=None, token_url=None,
    timeout_secs=30.0, shard_ids=None, shard_count=None, max_concurrent_handlers=32,
    ssl_context=None, ...)``; ``await client.start()`` runs until cancelled or until the platform
    ends the session for good (then it raises).
    """

    io_factory = AsyncioIo
