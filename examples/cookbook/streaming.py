"""Cookbook: stream an answer to a C2C message while it is generated (an LLM bot).

The bot answers each single-chat message with the words of a (fake) language model, sent as ONE
streamed reply: frames at most every 0.3 s, words that came meanwhile joined into one frame, a
closing frame at the end. Against the embedded simulator (no credentials needed)::

    python3 examples/cookbook/streaming.py

prints each frame the platform received, the whole answer, and exits 0.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

import qqbot_asyncio as qq

INTENTS = qq.Intents.none().with_group_and_c2c_event()
C2C_ROUTE = "/v2/users/{openid}/messages"


async def fake_llm(prompt: str) -> AsyncIterator[str]:
    """Stands for a model's token stream: a word every 80 ms."""
    answer = f"You said {prompt!r}. Streaming shows this answer while it is being written."
    for word in answer.split(" "):
        await asyncio.sleep(0.08)
        yield word + " "


class Assistant(qq.EventHandler):
    def __init__(self) -> None:
        self.results: list[qq.StreamResult] = []

    async def on_c2c_message_create(self, ctx: qq.Context, message: Any) -> None:
        tokens = fake_llm(message.content or "")
        try:
            result = await qq.reply_stream(ctx, message, tokens)
        except qq.StreamError as exc:  # a frame was refused: the user saw exc.text
            print(f"stream {exc.stream_id} broke after {exc.frames} frames: {exc.__cause__}")
            return
        self.results.append(result)


async def demo() -> int:
    from qqproto.sim import Simulator

    bot = Assistant()
    # sim.run: this loop's client against the simulator, live for the block, then cancelled
    async with Simulator(seed=7) as sim, sim.run(bot, intents=INTENTS):
        sim.inject_c2c_message("hello")
        print("  [C2C] user: hello")
        while not bot.results:
            await asyncio.sleep(0.05)
        frames = [r.body for r in sim.rest_log() if r.route == C2C_ROUTE and r.status < 300]
    for body in frames:
        stream = body["stream"]
        print(f"  frame {stream['index']} state {stream['state']}: {body['content']!r}")
    result = bot.results[0]
    print(f"  [C2C] bot (stream {result.id}, {result.frames} frames): {result.text.strip()}")
    assert result.frames == len(frames) and frames[-1]["stream"]["state"] == 10
    print("streaming demo finished")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(demo()))
