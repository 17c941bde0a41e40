"""The simulator's server on loopback, used through plain sockets and the client core.

Covers the thread mode (sync code and trio; the ``qq_sim`` fixture of a sync test), the in-loop
mode on asyncio streams, the wait helpers and the scripting calls that act on live sockets
(drop, close, op 7). The in-loop mode on both loops and the conversation API are in
test_sim_server.py.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from typing import Any

import pytest

from qqbot_asyncio.simulator import ThreadedSimulator
from qqproto._errors import TransportError
from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import Disconnected, Dispatch, GatewayEvent, Ready, Resumed
from qqproto.gateway._intents import Intents
from qqproto.gateway._wire import WireConnection
from qqproto.rest._api_errors import decode_response
from qqproto.rest._auth import Token, build_token_request, parse_token_response
from qqproto.rest._call import ApiResponse
from qqproto.rest._catalogue import ApiCatalogue as Api
from qqproto.rest._http import HttpConnection, HttpRequest, encode_api_request
from qqproto.sim import Simulator


def http(sim: ThreadedSimulator | Simulator, request: HttpRequest) -> ApiResponse:
    with socket.create_connection((sim.host, sim.port), timeout=5) as sock:
        conn = HttpConnection()
        sock.sendall(conn.send(request))
        while True:
            response = conn.receive_data(sock.recv(65536))
            if response is not None:
                return response


class Shard:
    """One gateway connection over a real socket, driven by the client core."""

    def __init__(
        self, sim: ThreadedSimulator, token: str, gw: GatewayConnection | None = None
    ) -> None:
        self.gw = gw or GatewayConnection(
            GatewayConfig(intents=int(Intents.default()), first_heartbeat_jitter=False),
            rng=random.Random(2),
        )
        self.sock = socket.create_connection((sim.host, sim.port), timeout=5)
        self.wire = WireConnection(self.gw, sim.gateway_url, token)
        self.sock.sendall(self.wire.bytes_to_send())
        self.events: list[GatewayEvent] = []
        self.eof = False

    def until(self, kind: type[Any], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if isinstance(event, kind):
                    self.events.remove(event)
                    return event
            if self.eof or time.monotonic() > deadline:
                raise AssertionError(f"no {kind.__name__}; got {self.events}")
            data = self.sock.recv(65536)
            self.eof = not data
            self.wire.receive_data(data, time.monotonic())
            out = self.wire.bytes_to_send()
            if out:
                self.sock.sendall(out)
            self.events += self.wire.events()

    def close(self) -> None:
        self.sock.close()


def login(sim: ThreadedSimulator) -> str:
    request = build_token_request(Token(sim.app_id, sim.secret), sim.endpoints.token)
    token, _ = parse_token_response(http(sim, request))
    return token


def test_loopback_token_gateway_identify_ready_and_an_at_message(qq_sim: ThreadedSimulator) -> None:
    sim = qq_sim
    assert sim.api_base == f"http://127.0.0.1:{sim.port}"
    assert sim.token_url == f"{sim.api_base}/app/getAppAccessToken"
    token = login(sim)
    call = Api.get_ws_url()
    request = encode_api_request(
        call.request, base=sim.endpoints.api, app_id=sim.app_id, access_token=token
    )
    info = call.parse(decode_response(call.request, http(sim, request)))
    assert info.url == sim.gateway_url == f"ws://127.0.0.1:{sim.port}/websocket"
    shard = Shard(sim, token)
    try:
        ready: Ready = shard.until(Ready)
        assert sim.wait_for_session(0) == ready.session_id
        assert sim.wait_for_identify(0).session_id == ready.session_id
        injected = sim.inject_at_message("hello bot")
        dispatch: Dispatch = shard.until(Dispatch)
        assert dispatch.name == "AT_MESSAGE_CREATE" and dispatch.data == injected.data
        assert dispatch.event_id == injected.event_id and dispatch.seq == 2
        assert sim.connections_opened >= 3 and sim.websocket_connections == 1
        assert sim.identifies(0)[0].intents == int(Intents.default())
        assert sim.rest_log()[-1].route == "/gateway/bot"
    finally:
        shard.close()


def test_reply_is_recorded_and_wait_for_message(qq_sim: ThreadedSimulator) -> None:
    sim = qq_sim
    token = login(sim)
    incoming = sim.inject_group_at_message("hi")
    call = Api.post_group_message(
        incoming.data["group_openid"], content="hello group", msg_id=incoming.data["id"]
    )

    def reply_later() -> None:
        time.sleep(0.05)
        request = encode_api_request(
            call.request, base=sim.endpoints.api, app_id=sim.app_id, access_token=token
        )
        http(sim, request)

    worker = threading.Thread(target=reply_later)
    worker.start()
    message = sim.wait_for_message(scene="group", reply_to=incoming.data["id"], contains="hello")
    worker.join()
    assert message.content == "hello group" and message.msg_seq is None
    assert sim.sent_messages(scene="group") == [message]
    assert sim.wait_for_request("POST", "/v2/groups").status == 200
    with pytest.raises(TimeoutError, match="message #2"):
        sim.wait_for_message(count=2, timeout=0.05)


def test_drop_close_and_op7_on_live_sockets(qq_sim: ThreadedSimulator) -> None:
    sim = qq_sim
    token = login(sim)
    shard = Shard(sim, token)
    shard.until(Ready)
    assert sim.drop_shard(0) == 1
    gone: Disconnected = shard.until(Disconnected)
    assert gone.code is None and gone.resume
    shard.close()
    sim.inject_at_message("missed while away")
    again = Shard(sim, token, shard.gw)
    assert again.until(Dispatch).name == "AT_MESSAGE_CREATE"
    again.until(Resumed)
    assert sim.wait_for_resume(0).replayed == 1
    assert sim.close_shard(0, 4009, "expired") == 1
    assert again.until(Disconnected).code == 4009
    again.close()
    third = Shard(sim, token, shard.gw)
    third.until(Resumed)
    assert sim.reconnect_shard(0) == 1
    assert "op 7" in third.until(Disconnected).reason
    third.close()
    assert len(sim.resumes(0)) == 2


def test_heartbeats_and_stop_acking(qq_sim: ThreadedSimulator) -> None:
    sim = qq_sim
    sim.stop_acking()
    token = login(sim)
    with socket.create_connection((sim.host, sim.port), timeout=5) as sock:
        gw = GatewayConnection(GatewayConfig(intents=1), rng=random.Random(0))
        wire = WireConnection(gw, sim.gateway_url, token)
        sock.sendall(wire.bytes_to_send())
        sock.recv(65536)  # 101 + Hello
        frame = b'{"op":1,"d":null}'
        mask = b"\x01\x02\x03\x04"
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(frame))
        sock.sendall(bytes([0x81, 0x80 | len(frame)]) + mask + masked)
        record = sim.wait_for_heartbeat()
        assert record.d is None and record.acked is False
        sim.resume_acking()
        sock.sendall(bytes([0x81, 0x80 | len(frame)]) + mask + masked)
        sim.wait_for_heartbeat(count=2)
        assert sock.recv(65536) == b'\x81\x09{"op":11}'
    assert [h.acked for h in sim.heartbeats()] == [False, True]


def test_failures_and_token_expiry_over_the_socket(qq_sim: ThreadedSimulator) -> None:
    sim = qq_sim
    token = login(sim)
    sim.fail_next("GET /users/@me", status=429)
    call = Api.me()
    request = encode_api_request(
        call.request, base=sim.endpoints.api, app_id=sim.app_id, access_token=token
    )
    response = http(sim, request)
    assert response.status == 429 and json.loads(response.body)["code"] == 22009
    assert sim.expire_tokens() == 1
    assert http(sim, request).status == 401
    assert login(sim) != token


def test_scripting_from_many_threads(qq_sim: ThreadedSimulator) -> None:
    results: list[str] = []

    def inject(i: int) -> None:
        results.append(qq_sim.inject_c2c_message(f"m{i}").event_id)

    threads = [threading.Thread(target=inject, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 8
    assert qq_sim.call(lambda p: len(p.injected)) == 8
    assert qq_sim.uploads() == [] and qq_sim.recalls() == []
    assert qq_sim.interaction_acks() == [] and qq_sim.session_id() is None


def test_world_building_through_the_runner(qq_sim: ThreadedSimulator) -> None:
    qq_sim.add_guild("7", "g7")
    qq_sim.add_channel("70", "7", "c70")
    qq_sim.add_user("u1", "alice", openid="OPENID")
    qq_sim.add_group("GRP")
    bot = qq_sim.add_bot("2", "second-secret-second-secret")
    assert bot.app_id == "2"
    at = qq_sim.inject_at_message("x", channel_id="70", user_id="u1")
    assert at.data["guild_id"] == "7" and at.data["author"]["username"] == "alice"
    dm = qq_sim.inject_direct_message("y", user_id="u1", src_guild_id="7")
    assert dm.data["src_guild_id"] == "7"
    c2c = qq_sim.inject_c2c_message("z", user_openid="OPENID")
    assert c2c.data["author"]["user_openid"] == "OPENID"
    assert qq_sim.inject("GUILD_CREATE", {"id": "7"}, all_shards=True).deliveries == ()
    assert qq_sim.invalidate_session(0) == 0
    assert "running" in repr(qq_sim)


def test_thread_mode_leaves_nothing_behind() -> None:
    before = set(threading.enumerate())
    with Simulator.in_thread(seed=3, app_id="555", secret="s" * 32, shards=2) as sim:
        assert sim.app_id == "555" and sim.secret == "s" * 32
        token = login(sim)
        shard = Shard(
            sim,
            token,
            GatewayConnection(
                GatewayConfig(intents=1, shard_id=1, shard_count=2), rng=random.Random(0)
            ),
        )
        shard.until(Ready)
        shard.close()
    assert set(threading.enumerate()) == before
    assert repr(sim).endswith("stopped>")
    with pytest.raises(RuntimeError, match="not running"):
        sim.now()


def test_start_errors() -> None:
    with Simulator.in_thread() as sim:
        with pytest.raises(RuntimeError, match="already running"):
            sim.start_thread()
        with pytest.raises(TransportError), Simulator.in_thread(port=sim.port):
            pass
    sim.stop_thread()  # a second stop is a no-op


async def _open(sim: Simulator) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(sim.host, sim.port)


def test_the_thread_mode_class_served_in_the_loop_keeps_its_async_waits() -> None:
    """``async with ThreadedSimulator()`` (the old ``qqbot_asyncio.simulator.Simulator`` in the
    loop): the blocking waits refuse, the ``*_async`` ones work."""

    async def main() -> None:
        async with ThreadedSimulator(seed=9) as sim:
            with pytest.raises(RuntimeError, match="wait_for_async"):
                sim.wait_for(lambda p: True, timeout=0.01)
            sim.inject_c2c_message("x")
            assert (await sim.wait_for_async(lambda p: p.injected)) != []
            with pytest.raises(TimeoutError, match="message #1"):
                await sim.wait_for_message_async(timeout=0.02)

    asyncio.run(main())


def test_in_loop_mode_with_asyncio_streams() -> None:
    async def main() -> None:
        async with Simulator(seed=9, allowed_intents=int(Intents.all())) as sim:
            reader, writer = await _open(sim)
            conn = HttpConnection()
            writer.write(
                conn.send(build_token_request(Token(sim.app_id, sim.secret), sim.endpoints.token))
            )
            response = None
            while response is None:
                response = conn.receive_data(await reader.read(65536))
            token, _ = parse_token_response(response)
            writer.close()
            reader, writer = await _open(sim)
            gw = GatewayConnection(
                GatewayConfig(intents=int(Intents.all()), first_heartbeat_jitter=False),
                rng=random.Random(1),
            )
            wire = WireConnection(gw, sim.gateway_url, token)
            writer.write(wire.bytes_to_send())
            events: list[GatewayEvent] = []

            async def read_until(kind: type[Any]) -> Any:
                while True:
                    for event in events:
                        if isinstance(event, kind):
                            events.remove(event)
                            return event
                    loop = asyncio.get_running_loop()
                    wire.receive_data(await reader.read(65536), loop.time())
                    writer.write(wire.bytes_to_send())
                    events.extend(wire.events())

            await read_until(Ready)
            assert await sim.wait_for_session(0) == gw.session_id
            sim.inject_direct_message("dm!")
            assert (await read_until(Dispatch)).name == "DIRECT_MESSAGE_CREATE"

            async def reply() -> None:
                await asyncio.sleep(0.01)
                sim.call(
                    lambda p: p.record_sent(
                        sim.app_id, "c2c", "U", {"content": "async"}, "id1", sim.now()
                    )
                )

            task = asyncio.create_task(reply())
            message = await sim.wait_for_message(scene="c2c", timeout=2)
            await task
            assert message.content == "async"
            with pytest.raises(TimeoutError):
                await sim.wait_for(lambda p: None, timeout=0.02, what="never")
            writer.close()

    asyncio.run(main())


def test_async_wait_from_another_loop(qq_sim: ThreadedSimulator) -> None:
    async def main() -> None:
        asyncio.get_running_loop().call_later(0.02, qq_sim.inject_c2c_message, "later")
        found = await qq_sim.wait_for_async(lambda p: p.injected[-1] if p.injected else None)
        assert found.name == "C2C_MESSAGE_CREATE"
        with pytest.raises(TimeoutError):
            await qq_sim.wait_for_async(lambda p: None, timeout=0.02)
        with pytest.raises(TimeoutError, match="live session"):
            await qq_sim.wait_for_session_async(0, timeout=0.02)

    asyncio.run(main())


def test_trio_client_against_the_thread_mode(qq_sim: ThreadedSimulator) -> None:
    trio = pytest.importorskip("trio")

    async def main() -> None:
        stream = await trio.open_tcp_stream(qq_sim.host, qq_sim.port)
        conn = HttpConnection()
        request = build_token_request(Token(qq_sim.app_id, qq_sim.secret), qq_sim.endpoints.token)
        await stream.send_all(conn.send(request))
        response = None
        while response is None:
            response = conn.receive_data(await stream.receive_some(65536))
        token, _ = parse_token_response(response)
        await stream.aclose()
        stream = await trio.open_tcp_stream(qq_sim.host, qq_sim.port)
        gw = GatewayConnection(
            GatewayConfig(intents=int(Intents.PUBLIC_GUILD_MESSAGES)), rng=random.Random(0)
        )
        wire = WireConnection(gw, qq_sim.gateway_url, token)
        await stream.send_all(wire.bytes_to_send())
        got: list[GatewayEvent] = []
        while not any(isinstance(e, Ready) for e in got):
            wire.receive_data(await stream.receive_some(65536), trio.current_time())
            await stream.send_all(wire.bytes_to_send())
            got += wire.events()
        injected = await trio.to_thread.run_sync(qq_sim.inject_at_message, "from trio test")
        while not any(isinstance(e, Dispatch) for e in got):
            wire.receive_data(await stream.receive_some(65536), trio.current_time())
            await stream.send_all(wire.bytes_to_send())
            got += wire.events()
        (dispatch,) = [e for e in got if isinstance(e, Dispatch)]
        assert dispatch.event_id == injected.event_id
        await stream.aclose()

    trio.run(main)
