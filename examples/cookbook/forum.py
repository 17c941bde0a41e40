"""Cookbook: publish a forum thread with rich content (paragraphs, links, images).

Against the embedded simulator (no credentials needed)::

    python3 examples/cookbook/forum.py

builds release notes with :class:`qqproto.outgoing.ForumContent`, publishes them with
``post_thread(channel_id, title, content, format=4)`` through the client's API, prints the JSON
the platform received and the task id it answered with, and exits 0.
"""

from __future__ import annotations

import asyncio
import json
import sys

import qqbot_asyncio as qq
from qqproto.outgoing import (
    FORMAT_JSON,
    Alignment,
    ForumContent,
    ForumImage,
    ForumLink,
    Paragraph,
)

FORUM_CHANNEL = "1661124"
INTENTS = qq.Intents.none().with_public_guild_messages()  # the bot only publishes

NOTES = ForumContent.of(
    Paragraph.of("Release 1.2 is out", alignment=Alignment.CENTER),
    Paragraph.of("Read the ", ForumLink("https://example.com/changelog", "changelog"), "."),
    ForumImage("https://example.com/screenshot.png", width_percent=0.8),
)


async def demo() -> int:
    from qqproto.sim import Simulator

    # sim.run: this loop's client against the simulator, live for the block, then cancelled
    async with Simulator(seed=7) as sim, sim.run(qq.EventHandler(), intents=INTENTS) as bot:
        assert bot.client.api is not None  # set once the client started
        published = await bot.client.api.post_thread(
            FORUM_CHANNEL, "Release 1.2", NOTES.to_content(), format=FORMAT_JSON
        )
        print(f"published: task {published.task_id}")
        (sent,) = [r for r in sim.rest_log() if r.method == "PUT"]
        print(f"{sent.method} {sent.target} format={sent.body['format']}")
        content = json.loads(sent.body["content"])
        for paragraph in content["paragraphs"]:
            kinds = [elem["type"] for elem in paragraph["elems"]]
            print(f"  paragraph {kinds} alignment={paragraph['props']['alignment']}")
        assert ForumContent.from_json(content) == NOTES  # what was sent is what was built
    print("forum demo finished")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(demo()))
