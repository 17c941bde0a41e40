"""Cookbook: a reply held for manual audit, and waiting for its verdict.

The platform may hold a message for audit instead of sending it: the send raises
``AuditPendingError`` (codes 304023/304024) with an ``audit_id``, and the verdict comes later as
a MESSAGE_AUDIT_PASS or MESSAGE_AUDIT_REJECT event. This bot waits for the verdict with
``qq.wait_audit`` and, when the reply is rejected, sends a plainer one instead. Against the
embedded simulator (which holds the replies and decides a second later)::

    python3 examples/cookbook/audit.py

prints both conversations and each verdict, and exits 0.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import qqbot_asyncio as qq

# MESSAGE_AUDIT: without it the verdicts never arrive (wait_audit would time out)
INTENTS = qq.Intents.none().with_group_and_c2c_event().with_message_audit()


class Careful(qq.EventHandler):
    def __init__(self) -> None:
        self.log: list[str] = []

    async def on_c2c_message_create(self, ctx: qq.Context, message: Any) -> None:
        answer = f"Here is what I think about {message.content!r}: ..."
        try:
            await message.reply(ctx, content=answer)
            return  # sent at once: no audit
        except qq.AuditPendingError as held:
            self.log.append(f"held for audit {held.audit_id}")
            verdict = await qq.wait_audit(ctx, held, timeout=60)
        if verdict.passed:
            self.log.append(f"audit passed: delivered as message {verdict.message_id}")
        else:
            self.log.append("audit rejected: sending a plainer answer")
            await message.reply(ctx, content="Sorry, I cannot answer that one.")


async def demo() -> int:
    from qqproto.sim import Simulator

    bot = Careful()
    # sim.run: this loop's client against the simulator, live for the block, then cancelled
    async with Simulator(seed=7) as sim, sim.run(bot, intents=INTENTS):
        for text, passes in (("the weather", True), ("something edgy", False)):
            # the platform's reviewer decides 1 s later
            sim.audit_next(decide="pass" if passes else "reject", after=1.0)
            print(f"  [C2C] user: {text}")
            sim.inject_c2c_message(text)
            count = len(bot.log) + 2
            while len(bot.log) < count:
                await asyncio.sleep(0.05)
            for line in bot.log[count - 2 :]:
                print(f"    {line}")
        sorry = await sim.wait_for_message(scene="c2c", contains="Sorry")
        print(f"  [C2C] bot: {sorry.content}")
    print("audit demo finished")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(demo()))
