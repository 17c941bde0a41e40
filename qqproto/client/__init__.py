"""The client shared by the trio and asyncio adapters, written once.

This package is ``async`` code that imports no event loop, opens no socket and reads no clock: it
awaits only the :class:`~qqproto.client.io.Io` an adapter passes in. Everything a bot author
imports from ``qqbot_trio`` or ``qqbot_asyncio`` is re-exported from :mod:`.public`.
"""
