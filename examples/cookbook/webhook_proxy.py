"""Cookbook: a webhook bot behind a reverse proxy (TLS ends at the proxy, plain HTTP behind it).

Run it (needs the webhook extra: ``pip install -e '.[webhook]'``; no credentials needed)::

    python3 examples/cookbook/webhook_proxy.py

The bot's built-in webhook server listens on loopback only, as it would behind nginx. A small
TCP relay stands in for the proxy (nginx would also terminate TLS; the relay passes bytes
through unchanged, which is what matters for the signatures). The simulated platform is told the
*proxy's* URL, validates it (op 13, answered by the bot through the proxy) and pushes signed
messages there (a group @-message, a private one); the bot acknowledges each push and replies
over the REST API. A forged push (a wrong signature) is refused with 403 and never reaches the
handler. Exits 0 when all of that held.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

import qqbot_asyncio as qq

# Behind a reverse proxy every connection comes from the proxy's address: allow it as many
# connections as the server takes in total (the default, 32 per peer, is for direct exposure).
OPTIONS = qq.WebhookOptions(
    "127.0.0.1",  # loopback only: the proxy is the one exposed to the internet
    0,  # any free port for the demo; a fixed one (8080) in production
    path="/qqbot",
    max_connections=256,
    max_connections_per_peer=256,
)


class Echo(qq.EventHandler):
    """Replies in groups and private chats; handlers are the same as on the gateway."""

    def __init__(self) -> None:
        self.handled = 0

    async def on_group_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        self.handled += 1
        await message.reply(ctx, content="echo: " + (message.content or "").strip())

    async def on_c2c_message_create(self, ctx: qq.Context, message: Any) -> None:
        self.handled += 1
        await message.reply(ctx, content="echo: " + (message.content or "").strip())


async def relay(upstream: tuple[str, int]) -> asyncio.Server:
    """A stand-in for the reverse proxy: each connection piped to ``upstream`` unchanged."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*upstream)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def forged_push(host: str, port: int, path: str) -> int:
    """POST a push with a made-up signature through the proxy; returns the HTTP status."""
    body = b'{"op":0,"id":"forged","t":"GROUP_AT_MESSAGE_CREATE","d":{"content":"hi"}}'
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Bot-Appid: 102000000\r\n"
        f"X-Signature-Timestamp: 1725442341\r\nX-Signature-Ed25519: {'00' * 64}\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(head.encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def demo() -> int:
    from qqproto.sim import Simulator

    handler = Echo()
    async with Simulator(seed=5) as sim:
        client = qq.Client(
            qq.Token(sim.app_id, sim.secret),
            qq.Intents.none(),  # unused in webhook mode: the console's subscription decides
            handler,
            api_base=sim.api_base,
            token_url=sim.token_url,
            webhook=OPTIONS,
        )
        bot = asyncio.create_task(client.start())
        try:
            while client.webhook_url is None:  # the bot's server is listening once it is set
                if bot.done():
                    await bot  # raises why it stopped
                await asyncio.sleep(0.01)
            upstream = client.webhook_url.split("://", 1)[1].split("/", 1)[0]
            host, port = upstream.rsplit(":", 1)
            proxy = await relay((host, int(port)))
            proxy_port = proxy.sockets[0].getsockname()[1]
            public_url = f"http://127.0.0.1:{proxy_port}/qqbot"  # https://bot.example.com/qqbot
            print(f"bot serves {client.webhook_url}; the proxy exposes {public_url}")

            sim.register_webhook(public_url)  # what you type in the QQ console
            await sim.wait_for_webhook_validation()
            print("the platform validated the callback URL through the proxy (op 13)")

            for text, inject, scene in (
                ("hello from the group", sim.inject_group_at_message, "group"),
                ("hello in a private chat", sim.inject_c2c_message, "c2c"),
            ):
                inject(text)
                reply = await sim.wait_for_message(scene=scene, contains=text)
                print(f"[{scene}] bot: {reply.content}")
            await sim.wait_for_pushes_settled()
            pushes = [a for a in sim.webhook_attempts() if a.op == 0]
            assert pushes and all(a.status == 200 and a.acked for a in pushes), pushes
            print(f"{len(pushes)} pushes, each acknowledged with HTTP 200 {pushes[0].response}")

            status = await forged_push("127.0.0.1", proxy_port, "/qqbot")
            print(f"a push with a forged signature: HTTP {status}")
            assert status == 403, status
            assert handler.handled == 2, handler.handled
            proxy.close()
        finally:
            bot.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await bot
    print("webhook-behind-a-proxy demo finished")
    return 0


def main() -> int:
    try:
        import nacl.signing  # noqa: F401
    except ImportError:
        print("needs the webhook extra (Ed25519): pip install -e '.[webhook]'", file=sys.stderr)
        return 2
    return asyncio.run(demo())


if __name__ == "__main__":
    sys.exit(main())
