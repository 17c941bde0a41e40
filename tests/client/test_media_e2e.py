"""End to end: ``ctx.reply(event, image=...)`` and ``upload_media`` with the real client against
the simulator, on the virtual clock (``VirtualClient`` and ``Simulator`` on one ``VirtualIo``):
base64 and URL uploads in groups and single chats, channel images as URL or multipart bytes, and
the refusals; plus one run over loopback sockets on both adapters."""

from __future__ import annotations

import base64
import functools
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
import trio
from _e2e import Recording, on_virtual_clock, sim_client, until_virtual, wait

import qqbot_trio as qq
from qqbot_asyncio.simulator import ThreadedSimulator
from qqbot_trio.testing import VirtualClient, VirtualIo
from qqproto.sim import Simulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
Reply = Callable[[Any, Any], Any]


class Bot(Recording):
    """Answers each message with what ``self.replies[<text>]`` does (``(ctx, message)``),
    recording errors; the text is the message's content without the @-mention."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[str, Reply] = {}
        rec = self

        async def answer(ctx: Any, msg: Any) -> None:
            text = (msg.content or "").split("> ", 1)[-1].strip()
            rec.events.append(("message", text))
            reply = rec.replies.get(text)
            if reply is not None:
                rec.events.append(("sent", await reply(ctx, msg)))

        class Handler(qq.EventHandler):
            on_at_message_create = staticmethod(answer)  # type: ignore[assignment]
            on_direct_message_create = staticmethod(answer)  # type: ignore[assignment]
            on_group_at_message_create = staticmethod(answer)  # type: ignore[assignment]
            on_c2c_message_create = staticmethod(answer)  # type: ignore[assignment]

            async def on_error(self, ctx: Any, error: BaseException) -> None:
                rec.errors.append(error)

        self.handler = Handler()


@asynccontextmanager
async def running(sim: Simulator, io: VirtualIo, bot: Bot, **options: Any) -> AsyncIterator[Any]:
    options.setdefault("rng", random.Random(7))
    client: VirtualClient = sim_client(
        qq, sim, bot.handler, make=functools.partial(VirtualClient, io), **options
    )
    async with trio.open_nursery() as nursery:
        nursery.start_soon(client.start)
        await sim.wait_for_session(0)
        yield client
        nursery.cancel_scope.cancel()


def file_info_scene(info: str) -> str:
    return base64.b64decode(info).decode().split("|")[1]  # the simulator's "sim|<scene>|..."


@on_virtual_clock
async def test_group_reply_with_image_bytes_uploads_base64_and_sends_msg_type_7(
    io: VirtualIo,
) -> None:
    bot = Bot()
    progress: list[tuple[int, int]] = []
    bot.replies["cat"] = lambda ctx, msg: msg.reply(
        ctx, content="a cat", image=PNG, progress=lambda s, t: progress.append((s, t))
    )
    async with Simulator(io, seed=1) as sim, running(sim, io, bot):
        injected = sim.inject_group_at_message("cat")
        sent = await sim.wait_for_message(scene="group")
        (upload,) = sim.uploads()
        assert (upload.scene, upload.file_type, upload.has_file_data, upload.url) == (
            "group",
            1,
            True,
            None,
        )
        assert upload.target_id == sent.target_id
        assert sent.body["msg_type"] == 7
        assert sent.body["media"] == {"file_info": upload.file_info}
        assert sent.body["content"] == "a cat"
        assert sent.msg_id == injected.data["id"] and sent.msg_seq == 1
        assert progress == [(0, len(PNG)), (len(PNG), len(PNG))]
        assert not bot.errors


@on_virtual_clock
async def test_c2c_reply_with_a_url_and_a_file_path(io: VirtualIo, tmp_path: Path) -> None:
    bot = Bot()
    doc = tmp_path / "report.pdf"
    doc.write_bytes(b"%PDF-1.4 " + b"x" * 5000)
    bot.replies["url"] = lambda ctx, msg: ctx.reply(msg, image="https://img.example/cat.png")
    bot.replies["doc"] = lambda ctx, msg: ctx.reply(msg, "the report", file=doc)
    async with Simulator(io, seed=1) as sim, running(sim, io, bot):
        sim.inject_c2c_message("url")
        first = await sim.wait_for_message(scene="c2c")
        sim.inject_c2c_message("doc")
        second = await sim.wait_for_message(scene="c2c", contains="the report")
        by_url, by_path = sim.uploads()
        assert (by_url.scene, by_url.file_type, by_url.url, by_url.has_file_data) == (
            "c2c",
            1,
            "https://img.example/cat.png",
            False,
        )
        assert (by_path.file_type, by_path.has_file_data) == (4, True)
        assert first.body["content"] == " "  # no caption: the platform wants some content
        assert first.body["media"] == {"file_info": by_url.file_info}
        assert second.body["media"] == {"file_info": by_path.file_info}
        assert file_info_scene(by_path.file_info) == "c2c"
        assert not bot.errors


@on_virtual_clock
async def test_channel_and_dm_images_go_with_the_message(io: VirtualIo, tmp_path: Path) -> None:
    bot = Bot()
    path = tmp_path / "dog.png"
    path.write_bytes(PNG)
    bot.replies["bytes"] = lambda ctx, msg: ctx.reply(msg, content="dog", image=PNG)
    bot.replies["path"] = lambda ctx, msg: ctx.reply(msg, image=path)
    bot.replies["url"] = lambda ctx, msg: ctx.reply(msg, image="https://img.example/d.png")
    bot.replies["video"] = lambda ctx, msg: ctx.reply(msg, video=b"mp4")
    async with Simulator(io, seed=1) as sim, running(sim, io, bot):
        sim.inject_at_message("bytes")
        by_bytes = await sim.wait_for_message(scene="channel", contains="dog")
        assert by_bytes.file == PNG
        sim.inject_direct_message("path")
        by_path = await sim.wait_for_message(scene="dms")
        assert by_path.file == PNG
        sim.inject_at_message("url")
        by_url = await sim.wait_for_message(
            scene="channel", where=lambda m: m.body.get("image") is not None
        )
        assert by_url.body["image"] == "https://img.example/d.png"
        sim.inject_direct_message("video")
        await until_virtual(io, lambda: bot.errors)
        assert isinstance(bot.errors[0], ValueError)
        assert "video= works in groups and single chats only" in str(bot.errors[0])
        assert sim.uploads() == []


@on_virtual_clock
async def test_upload_media_for_an_active_send_and_file_info_scope(io: VirtualIo) -> None:
    async with Simulator(io, seed=1) as sim, running(sim, io, Bot()) as client:
        group = sim.call(lambda p: next(iter(p.groups)))
        result = await qq.upload_media(client.api, "group", group, PNG, qq.FileType.IMAGE)
        assert result.file_info and file_info_scene(result.file_info) == "group"
        sent = await client.api.post_group_message(
            group, msg_type=7, media={"file_info": result.file_info}, content=" "
        )
        assert sent.id
        assert sim.uploads()[0].target_id == group
        with pytest.raises(ValueError, match="no upload route in a channel"):
            await qq.upload_media(client.api, "channel", "1", PNG)


@pytest.mark.anyio
async def test_group_image_reply_over_sockets(qq: Any) -> None:
    """The same reply over loopback sockets, on asyncio and on trio."""
    bot_module = qq
    done: list[Any] = []

    class Handler(bot_module.EventHandler):  # type: ignore[misc, name-defined]
        async def on_group_at_message_create(self, ctx: Any, msg: Any) -> None:
            done.append(await msg.reply(ctx, content="sock", image=PNG))

    with ThreadedSimulator.in_thread() as sim:
        client = sim_client(bot_module, sim, Handler())
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.start)
            await wait(sim.wait_for_session, 0)
            sim.inject_group_at_message("img")
            sent = await wait(sim.wait_for_message, scene="group", contains="sock")
            tg.cancel_scope.cancel()
    assert sent.body["msg_type"] == 7 and sim.uploads()[0].has_file_data


class Storage:
    """A tiny object store on the VirtualIo: answers each PUT with ``status`` and records
    ``(connection number, request line, headers, body)``."""

    def __init__(self, io: VirtualIo, status: int = 200) -> None:
        self.io = io
        self.status = status
        self.requests: list[tuple[int, str, dict[str, str], bytes]] = []
        self.connections = 0

    async def serve(self, listener: Any) -> None:
        async with trio.open_nursery() as nursery:
            while True:
                stream = await listener.accept()
                self.connections += 1
                nursery.start_soon(self._one, stream, self.connections)

    async def _one(self, stream: Any, number: int) -> None:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = await stream.receive_some(65536)
                if not chunk:
                    return
                buffer += chunk
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            line, *fields = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, v in (f.split(":", 1) for f in fields)}
            length = int(headers.get("content-length", "0"))
            while len(buffer) < length:
                buffer += await stream.receive_some(65536)
            body, buffer = buffer[:length], buffer[length:]
            self.requests.append((number, line, headers, body))
            await stream.send_all(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\n\r\n".encode())


@on_virtual_clock
async def test_send_raw_reaches_another_host_without_the_bot_token(io: VirtualIo) -> None:
    """A presigned PUT through the client's pool: the query kept, no Authorization or
    X-Union-Appid, the connection reused; the bot's own REST calls still carry the token."""
    storage = Storage(io)
    listener = await io.listen("127.0.0.1", 0)
    async with Simulator(io, seed=1) as sim, running(sim, io, Bot()) as client:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(storage.serve, listener)
            base = f"https://127.0.0.1:{listener.port}/bucket"
            first = await client.api.send_raw("PUT", f"{base}/part-1?sign=abc%2F&t=1", b"one")
            second = await client.api.send_raw("PUT", f"{base}/part-2?sign=def", b"two")
            nursery.cancel_scope.cancel()
        assert first.status == second.status == 200
        (c1, line1, headers1, body1), (c2, line2, _, body2) = storage.requests
        assert line1 == "PUT /bucket/part-1?sign=abc%2F&t=1 HTTP/1.1"
        assert line2.startswith("PUT /bucket/part-2?") and (body1, body2) == (b"one", b"two")
        assert c1 == c2 == 1  # one keep-alive connection
        assert "authorization" not in headers1 and "x-union-appid" not in headers1
        assert headers1["host"] == f"127.0.0.1:{listener.port}"
    await listener.aclose()
