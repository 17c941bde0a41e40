"""The demo: an echo bot.

With no credentials it starts the embedded QQ simulator, lets a few simulated users talk to the
bot in a guild channel, a guild DM, a group and a C2C chat, prints the conversation and exits 0.
With ``QQ_BOT_APPID`` and ``QQ_BOT_SECRET`` set (``QQ_BOT_SANDBOX=1`` for the sandbox), the same
bot connects to the real platform and runs until Ctrl-C.

With ``--webhook`` the same bot receives its events as signed HTTP callbacks instead of over the
gateway (needs the ``webhook`` extra: ``pip install -e '.[webhook]'``): against the simulator, which
validates the callback URL and pushes every message to it; with credentials, it serves
``http://$QQ_BOT_WEBHOOK_HOST:$QQ_BOT_WEBHOOK_PORT/qqbot`` (default ``0.0.0.0:8080``) for an HTTPS
reverse proxy that the console's callback URL points at.

    python3 examples/echo_bot.py
    python3 examples/echo_bot.py --webhook
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import qqbot_asyncio as qq

INTENTS = (
    qq.Intents.none().with_public_guild_messages().with_direct_message().with_group_and_c2c_event()
)


class Echo(qq.EventHandler):
    """Answers every message with the same text."""

    def __init__(self, transcript: list[str] | None = None) -> None:
        self.transcript = transcript

    def _heard(self, scene: str, who: str | None, text: str | None) -> str:
        text = (text or "").strip()
        if self.transcript is not None:
            self.transcript.append(f"  [{scene}] {who or 'someone'}: {text}")
        return "echo: " + text

    async def on_ready(self, ctx: qq.Context, ready: Any) -> None:
        name = ctx.bot.username if ctx.bot else "?"
        print(f"bot {name!r} is online (shard {ctx.shard[0]}/{ctx.shard[1]})")

    async def on_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        who = message.author.username if message.author else None
        await message.reply(ctx, content=self._heard("channel", who, message.content))

    async def on_direct_message_create(self, ctx: qq.Context, message: Any) -> None:
        who = message.author.username if message.author else None
        await message.reply(ctx, content=self._heard("DM", who, message.content))

    async def on_group_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        who = message.author.member_openid if message.author else None
        await message.reply(ctx, content=self._heard("group", who, message.content))

    async def on_c2c_message_create(self, ctx: qq.Context, message: Any) -> None:
        who = message.author.user_openid if message.author else None
        await message.reply(ctx, content=self._heard("C2C", who, message.content))


async def run_real(app_id: str, secret: str, sandbox: bool, webhook: bool) -> None:
    options = None
    if webhook:
        host = os.environ.get("QQ_BOT_WEBHOOK_HOST", "0.0.0.0")
        options = qq.WebhookOptions(host, int(os.environ.get("QQ_BOT_WEBHOOK_PORT", "8080")))
    client = qq.Client(
        qq.Token(app_id, secret), INTENTS, Echo(), is_sandbox=sandbox, webhook=options
    )
    await client.start()


async def run_demo(webhook: bool) -> int:
    from qqproto.sim import Simulator

    transcript: list[str] = []
    async with Simulator(seed=7) as sim:
        client = qq.Client(
            qq.Token(sim.app_id, sim.secret),
            INTENTS,
            Echo(transcript),
            api_base=sim.api_base,
            token_url=sim.token_url,
            # the only difference between the two modes: where the events come from
            webhook=qq.WebhookOptions("127.0.0.1", 0, path="/qqbot") if webhook else None,
        )
        bot = asyncio.create_task(client.start())
        try:
            if webhook:
                while client.webhook_url is None:
                    if bot.done():
                        await bot  # raises why it stopped
                    await asyncio.sleep(0.01)
                print(f"serving callbacks on {client.webhook_url}")
                sim.register_webhook(client.webhook_url)
                await sim.wait_for_webhook_validation()
                print("the simulated platform validated the callback URL (op 13)")
            else:
                await sim.wait_for_session(0)
            conversation: list[tuple[str, Callable[[], object]]] = [
                ("channel", lambda: sim.inject_at_message("hello from the guild channel")),
                ("dms", lambda: sim.inject_direct_message("hi, a private word in the guild")),
                ("group", lambda: sim.inject_group_at_message("hello from the group")),
                ("c2c", lambda: sim.inject_c2c_message("hi, just the two of us")),
            ]
            for count, (scene, say) in enumerate(conversation, start=1):
                say()
                reply = await sim.wait_for_message(scene=scene)
                print(transcript[-1])
                label = transcript[-1].split("]")[0] + "]"
                print(f"{label} bot: {reply.body.get('content')}")
                assert len(sim.sent_messages()) == count
        finally:
            bot.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await bot
    print(f"the bot answered all {len(transcript)} messages; demo finished")
    return 0


def main() -> int:
    webhook = "--webhook" in sys.argv[1:]
    if webhook:
        try:
            import nacl.signing  # noqa: F401
        except ImportError:
            print(
                "--webhook needs the webhook extra (Ed25519): pip install -e '.[webhook]'",
                file=sys.stderr,
            )
            return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app_id = os.environ.get("QQ_BOT_APPID")
    secret = os.environ.get("QQ_BOT_SECRET")
    if app_id and secret:
        sandbox = os.environ.get("QQ_BOT_SANDBOX", "") not in ("", "0", "false")
        logging.getLogger("qqbot").setLevel(logging.INFO)
        try:
            asyncio.run(run_real(app_id, secret, sandbox, webhook))
        except KeyboardInterrupt:
            return 0
        return 0
    print("no QQ_BOT_APPID/QQ_BOT_SECRET: running against the embedded QQ simulator")
    return asyncio.run(run_demo(webhook))


if __name__ == "__main__":
    sys.exit(main())
