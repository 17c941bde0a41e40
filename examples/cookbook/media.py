"""Cookbook: sending images, videos, voice and files (``ctx.reply(event, image=...)``).

Run it (no credentials needed: it starts the embedded QQ simulator, asks the bot for a picture
in a group, a document in a C2C chat, a large video in a group (sent in parts, one of them
twice), and a picture in a guild channel, prints what the bot sent, checks it and exits 0)::

    python3 examples/cookbook/media.py

With ``QQ_BOT_APPID`` and ``QQ_BOT_SECRET`` set, the same bot connects to the platform and runs
until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

import qqbot_asyncio as qq

INTENTS = qq.Intents.none().with_public_guild_messages().with_group_and_c2c_event()
WORKDIR = Path(tempfile.gettempdir()) / f"qqbot-media-{os.getpid()}"


def tiny_png() -> bytes:
    """A 1x1 red PNG, made here so that the example needs no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


CAT = tiny_png()
REPORT = WORKDIR / "report.pdf"
VIDEO = WORKDIR / "holiday.mp4"


class Bot(qq.EventHandler):
    async def on_group_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        text = message.plain_text()
        if text == "/cat":  # bytes: uploaded as base64, sent as msg_type 7 with a caption
            await message.reply(ctx, content="here is a cat", image=CAT)
        elif text == "/video":  # a large file: uploaded in parts, with progress

            def progress(sent: int, total: int) -> None:
                print(f"[group]   upload: {sent * 100 // total}% of {total} bytes")

            try:
                await message.reply(ctx, video=VIDEO, progress=progress)
            except qq.ChunkedUploadError as error:  # some parts failed: send only the rest
                print(f"[group]   upload stopped ({error}); resuming")
                result = await qq.upload_media(
                    ctx, "group", message.group_openid, VIDEO, qq.FileType.VIDEO,
                    progress=progress, resume=error.resume,
                )  # fmt: skip
                assert result.file_info  # upload_media raises when there is none
                await message.reply(ctx, qq.OutgoingMessage.of_media(result.file_info))

    async def on_c2c_message_create(self, ctx: qq.Context, message: Any) -> None:
        if message.plain_text() == "/report":  # a path: read off the loop, sent as a file
            await message.reply(ctx, "this week's report", file=REPORT)

    async def on_at_message_create(self, ctx: qq.Context, message: Any) -> None:
        if message.plain_text() == "/cat":  # a channel takes the image with the message itself
            await message.reply(ctx, content="a channel cat", image=CAT)


async def run_demo() -> int:
    from qqproto.sim import Simulator

    # sim.run: this loop's client against the simulator, live for the block, then cancelled
    async with Simulator(seed=7) as sim, sim.run(Bot(), intents=INTENTS):
        sim.inject_group_at_message("/cat")
        cat = await sim.wait_for_message(scene="group", contains="cat")
        print(f"[group] bot: {cat.body['content']!r} + media {cat.body['media']}")

        sim.inject_c2c_message("/report")
        report = await sim.wait_for_message(scene="c2c", contains="report")
        print(f"[c2c]   bot: {report.body['content']!r} + media {report.body['media']}")

        # a part's report fails once (HTTP 500): the client sends that part again 1 s later
        sim.fail_next("POST /v2/groups/{group_openid}/upload_part_finish", status=500)
        sim.inject_group_at_message("/video")
        video = await sim.wait_for_message(scene="group", count=2, timeout=60)
        puts = len(sim.part_puts())
        print(f"[group] bot: video in {puts} part PUTs, media {video.body['media']}")

        sim.inject_at_message("/cat")
        channel = await sim.wait_for_message(scene="channel", contains="channel cat")
        size = len(channel.file or b"")
        print(f"[channel] bot: {channel.body['content']!r} + {size}-byte image")

        uploads = sim.uploads()
        print("uploads: " + ", ".join(f"{u.scene} file_type {u.file_type}" for u in uploads))
        ok = cat.body["msg_type"] == 7 and report.body["msg_type"] == 7 and channel.file == CAT
    if not ok:
        print("unexpected messages", file=sys.stderr)
        return 1
    print("all media sent as expected; demo finished")
    return 0


def make_files() -> None:
    """The files the bot sends (a real bot has its own)."""
    WORKDIR.mkdir(exist_ok=True)
    REPORT.write_bytes(b"%PDF-1.4\n" + b"0" * 20_000)
    VIDEO.write_bytes(os.urandom(12 * 1024 * 1024))  # 12 MiB: over the 10 MiB base64 threshold


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    make_files()
    try:
        return run()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)


def run() -> int:
    app_id = os.environ.get("QQ_BOT_APPID")
    secret = os.environ.get("QQ_BOT_SECRET")
    if app_id and secret:
        client = qq.Client(qq.Token(app_id, secret), INTENTS, Bot())
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(client.start())
        return 0
    print("no QQ_BOT_APPID/QQ_BOT_SECRET: running against the embedded QQ simulator")
    return asyncio.run(run_demo())


if __name__ == "__main__":
    sys.exit(main())
