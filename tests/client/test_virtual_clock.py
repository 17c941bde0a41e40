"""End to end on the virtual clock: a real client (``qqbot_trio.testing.VirtualClient``) against
the simulator (``qqproto.sim.Simulator``), both on one ``VirtualIo`` (an in-memory network), with
trio's ``MockClock(autojump_threshold=0)``. Time passes only when every task waits, and then
jumps to the next deadline, so the platform's own timings (41.25-s heartbeats, the 5-s identify
window, backoff up to 60 s, 2-hour tokens) are used unscaled and checked to the instant, and
minutes or hours of them run in milliseconds.

Times are read on the simulator's side (``sim.now()`` and its records) and compared exactly
(``pytest.approx`` with an absolute 1e-9 for float sums): nothing else runs, so a delay is
exactly the one the client chose. The client's RNG is seeded, so each run takes the same steps.
"""

from __future__ import annotations

import functools
import itertools
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
import trio
import wsproto
import wsproto.events
from _e2e import Recording, on_virtual_clock, sim_client, until_virtual

import qqbot_trio as qq
from qqbot_trio.testing import VirtualClient, VirtualIo
from qqproto.gateway._backoff import BackoffConfig
from qqproto.sim import Platform, SessionFault, Simulator

INTERVAL = 41.25
"""The platform's heartbeat interval (the simulator's default Hello)."""
WINDOW = 5.0
"""The platform's identify window (one Identify per 5 s at max_concurrency 1)."""
QUICK = BackoffConfig().quick_jitter
"""The most a quick reconnect waits (op 7, 4009, a drop of a stable session)."""
STABLE = BackoffConfig().stable_after
"""How long a session must have lasted for its ending to reconnect quickly."""
HOUR = 3600.0
EXACT = 1e-9
T = TypeVar("T")


def exactly(value: float) -> Any:
    return pytest.approx(value, abs=EXACT)


class Recorder(Recording):
    """Echoes @-messages, records what it saw; optionally holds handlers until released."""

    def __init__(self, *, hold: bool = False) -> None:
        super().__init__()
        self.release = trio.Event()
        if not hold:
            self.release.set()
        rec = self

        class Handler(qq.EventHandler):
            async def on_ready(self, ctx: Any, ready: Any) -> None:
                rec.events.append(("ready", ready))

            async def on_resumed(self, ctx: Any, ev: Any) -> None:
                rec.events.append(("resumed", ev))

            async def on_at_message_create(self, ctx: Any, msg: Any) -> None:
                await rec.release.wait()
                content = msg.content.split("> ", 1)[-1]  # without the @-mention
                rec.events.append(("at", content))
                await msg.reply(ctx, content="echo: " + content)

            async def on_guild_member_add(self, ctx: Any, ev: Any) -> None:
                rec.events.append(("member", ev.nick))

            async def on_error(self, ctx: Any, error: BaseException) -> None:
                rec.errors.append(error)

        self.handler = Handler()


def client_of(sim: Simulator, io: VirtualIo, handler: Any, **options: Any) -> VirtualClient:
    """A client of the simulator's bot on ``io``, with the platform's identify window and a
    seeded RNG unless ``options`` say otherwise."""
    options.setdefault("identify_window", WINDOW)
    options.setdefault("rng", random.Random(7))
    client: VirtualClient = sim_client(
        qq, sim, handler, make=functools.partial(VirtualClient, io), **options
    )
    return client


@asynccontextmanager
async def running(
    sim: Simulator, io: VirtualIo, handler: Any, *, session: bool = True, **options: Any
) -> AsyncIterator[VirtualClient]:
    """The client running for the block (from its first live session when ``session``)."""
    client = client_of(sim, io, handler, **options)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(client.start)
        if session:
            await sim.wait_for_session(0)
        yield client
        nursery.cancel_scope.cancel()


def ws_connections(sim: Simulator) -> list[float]:
    """When each gateway (WebSocket) connection opened, by the simulator's clock."""
    return sim.call(lambda p: list(p.ws_connections))


def member(nick: str) -> dict[str, Any]:
    return {"guild_id": "1", "nick": nick, "user": {"id": "7"}}


# -- heartbeats -----------------------------------------------------------------------------


@on_virtual_clock
async def test_heartbeats_keep_the_platforms_interval_for_ten_virtual_minutes(
    io: VirtualIo,
) -> None:
    """Every 41.25 s to the instant, the first one jittered into the first interval, each
    carrying the last sequence number and acknowledged: ten minutes in well under a second."""
    real = time.perf_counter()
    rec = Recorder()
    async with Simulator(io, seed=1) as sim, running(sim, io, rec.handler):
        (hello,) = ws_connections(sim)
        sim.inject_at_message("x")
        await sim.wait_for_message(contains="echo: x")
        await io.sleep_until(hello + 600)
        beats = sim.heartbeats(0)
        assert ws_connections(sim) == [hello]
    elapsed = time.perf_counter() - real
    times = [b.time for b in beats]
    assert 0 < times[0] - hello <= INTERVAL
    assert all(b - a == exactly(INTERVAL) for a, b in itertools.pairwise(times)), times
    assert len(times) == 1 + int((hello + 600 - times[0]) // INTERVAL)  # none skipped, none extra
    assert len(times) >= 14
    assert [b.d for b in beats] == [2] * len(beats)  # READY was s=1, the @-message s=2
    assert all(b.acked for b in beats)
    assert elapsed < 10, elapsed  # the same on real time takes 600 s


@on_virtual_clock
async def test_a_zombie_connection_is_closed_one_interval_after_the_missed_ack(
    io: VirtualIo,
) -> None:
    """The platform stops acknowledging: the heartbeat after the unacknowledged one is not sent;
    the client closes at that instant (one interval after the beat that went unanswered) and
    resumes at once (a stable session: the quick jitter only), losing nothing."""
    rec = Recorder()
    async with Simulator(io, seed=1) as sim, running(sim, io, rec.handler):
        session = sim.session_id(0)
        await io.sleep_until(io.now() + 100)  # stable, with two beats acknowledged
        stopped = io.now()
        sim.stop_acking(0)
        resume = await sim.wait_for_resume(0, timeout=2 * INTERVAL + 1)
        sim.resume_acking(0)
        sim.inject_at_message("after")
        await sim.wait_for_message(contains="echo: after")
        beats = sim.heartbeats(0)
        opened = ws_connections(sim)
    missed = [b for b in beats if not b.acked]
    assert len(missed) == 1, beats  # one missed ACK is enough, and no beat went after it
    assert missed[0].time > stopped
    assert len(opened) == 2
    assert missed[0].time + INTERVAL <= opened[1] <= missed[0].time + INTERVAL + QUICK
    assert resume.time == exactly(opened[1]) and resume.outcome == "resumed"
    assert resume.session_id == session and len(sim.identifies(0)) == 1
    assert rec.kinds("at") == ["after"] and rec.errors == []


@on_virtual_clock
async def test_slow_handlers_keep_the_session_and_heartbeat_cadence(io: VirtualIo) -> None:
    """The backlog fills (handlers held for ten heartbeat intervals): reading pauses, heartbeats
    keep their exact cadence, no zombie is declared (the ACKs wait unread), no reconnect; once
    the handlers go on, every event arrives once and in order on the same connection."""
    rec = Recorder(hold=True)
    async with (
        Simulator(io, seed=1) as sim,
        running(sim, io, rec.handler, max_concurrent_handlers=1, max_backlog=5) as client,
    ):
        for i in range(40):
            sim.inject_at_message(f"m{i}")
        gateway = client.connections[0]
        await until_virtual(io, lambda: gateway.reading_paused)
        paused_at = io.now()
        await io.sleep_until(paused_at + 10 * INTERVAL)
        assert gateway.reading_paused  # still full: nothing was read meanwhile
        beats = [h.time for h in sim.heartbeats(0) if h.time >= paused_at]
        rec.release.set()
        await sim.wait_for_message(contains="echo: m39", timeout=60)
        assert sim.websocket_connections == 1
        assert len(sim.identifies(0)) == 1 and sim.resumes(0) == []
    assert rec.kinds("at") == [f"m{i}" for i in range(40)]
    assert len(beats) == 10, beats
    assert all(b - a == exactly(INTERVAL) for a, b in itertools.pairwise(beats)), beats


# -- reconnecting ---------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["op7", "4009", "drop"])
@on_virtual_clock
async def test_a_stable_session_resumes_within_the_quick_jitter(io: VirtualIo, fault: str) -> None:
    """op 7, close 4009, a dropped transport: the client resumes within ``quick_jitter``
    (0.1 s) of the fault, and the event sent meanwhile arrives once."""
    rec = Recorder()
    async with Simulator(io, seed=1) as sim, running(sim, io, rec.handler):
        session = sim.session_id(0)
        await io.sleep_until(io.now() + STABLE + 1)
        at = io.now()
        if fault == "op7":
            assert sim.reconnect_shard(0) == 1
        elif fault == "4009":
            assert sim.close_shard(0, 4009) == 1
        else:
            assert sim.drop_shard(0) == 1
        sim.inject_at_message("while away")  # buffered or live: delivered once either way
        resume = await sim.wait_for_resume(0)
        await sim.wait_for_message(contains="echo: while away")
    assert at <= resume.time <= at + QUICK
    assert resume.outcome == "resumed" and resume.session_id == session
    assert len(sim.identifies(0)) == 1
    assert rec.kinds("at") == ["while away"] and len(rec.kinds("resumed")) == 1


@pytest.mark.parametrize("fault", ["4006", "op9"])
@on_virtual_clock
async def test_session_loss_identifies_anew_after_the_identify_window(
    io: VirtualIo, fault: str
) -> None:
    """The session is lost right after READY: the client identifies anew exactly when the
    identify window (5 s from the first Identify) lets it, not before."""
    rec = Recorder()
    async with Simulator(io, seed=1) as sim, running(sim, io, rec.handler):
        first = sim.session_id(0)
        if fault == "4006":
            sim.close_shard(0, 4006)
        else:
            sim.invalidate_session(0)
        second = await sim.wait_for_identify(0, count=2, timeout=10)
        sim.inject_at_message("after")
        await sim.wait_for_message(contains="echo: after")
        identifies = sim.identifies(0)
    assert second.session_id != first and second.close_code is None
    assert second.time == exactly(identifies[0].time + WINDOW)


@on_virtual_clock
async def test_op9_on_a_stable_session_waits_its_invalid_session_delay(io: VirtualIo) -> None:
    """Op 9 long after the last Identify: the new Identify goes 1 to 3 s later
    (``invalid_session_delay``), the window being no constraint then."""
    async with Simulator(io, seed=1) as sim, running(sim, io, Recorder().handler):
        await io.sleep_until(io.now() + STABLE + 1)
        at = io.now()
        sim.invalidate_session(0)
        second = await sim.wait_for_identify(0, count=2, timeout=10)
    low, high = 1.0, 3.0  # GatewayConfig.invalid_session_delay
    assert at + low <= second.time <= at + high + QUICK


@on_virtual_clock
async def test_a_reconnect_storm_backs_off_exponentially_then_recovers(io: VirtualIo) -> None:
    """Every session ends right after READY/RESUMED (close 4000): the first two reconnects go at
    once (within the quick jitter), then the k-th waits between c/2 and c seconds with
    c = min(60, 2 ** (k - 1)) (1-s base doubling, 60-s cap, jitter in the upper half); once the
    fault is cleared the next connection resumes and the session stays."""
    rec = Recorder()
    async with Simulator(io, seed=1) as sim:
        sim.set_session_fault(SessionFault("close", code=4000))

        def twelve_ended(p: Platform) -> list[float] | None:
            ended = len(p.resumes_on(0)) == 11 and not p.live_session(0)
            return list(p.ws_connections) if ended else None

        async with running(sim, io, rec.handler, session=False):
            opened = await sim.wait_for(twelve_ended, 30 * 60, "the 12th connection ended")
            sim.set_session_fault(None)  # while the client waits to connect a 13th time
            resumed = await sim.wait_for_resume(0, count=len(opened), timeout=61)
            await io.sleep_until(io.now() + 10 * 60)  # stable: nothing more happens
            after = ws_connections(sim)
            beats = [b for b in sim.heartbeats(0) if b.time > resumed.time]
            sim.inject("GUILD_MEMBER_ADD", member("after the storm"))
            await until_virtual(io, lambda: "after the storm" in rec.kinds("member"))
    assert len(after) == len(opened) + 1 and after[-1] == exactly(resumed.time)
    gaps = [b - a for a, b in itertools.pairwise(after)]  # each connection ended as it opened
    assert gaps[0] <= QUICK and gaps[1] <= QUICK, gaps
    for k, gap in enumerate(gaps[2:], start=3):
        ceiling = min(60.0, 2.0 ** (k - 1))
        assert ceiling / 2 <= gap <= ceiling, (k, gaps)
    assert gaps[-1] >= 30  # the 13th waited in the cap's range too
    assert sum(1 for t in opened if t < opened[0] + 15) <= 8  # the storm target
    assert len(sim.identifies(0)) == 1  # every connection resumed the one session
    assert len(beats) >= 14 and all(b.acked for b in beats)


STORMS = {
    "close 4000": SessionFault("close", 4000),  # the server closes
    "non-JSON": SessionFault("garbage"),  # the client refuses a payload
    "oversized": SessionFault("oversized", size=64 * 1024 + 1),  # the wire refuses a frame
    "dropped": SessionFault("drop"),  # the TCP connection is lost right after READY/RESUMED
}


@pytest.mark.parametrize("fault", list(STORMS.values()), ids=list(STORMS))
@on_virtual_clock
async def test_a_server_ending_every_session_at_once_gets_few_connections(
    io: VirtualIo, fault: SessionFault
) -> None:
    """Each way a connection can end, in a storm on the default policy: at most 8 connections
    in the first 15 s, slowed down but never given up on, and a working session once the storm
    ends. Refusals right after RESUMED count as failed resumes: after 3 the session is given up
    (and the bot told with ``EventsLostError``), so those storms identify anew now and then."""
    rec = Recorder()
    async with Simulator(io, seed=1) as sim:
        sim.set_session_fault(fault)
        options = {"max_payload_size": 64 * 1024}
        async with running(sim, io, rec.handler, session=False, gateway_options=options):
            opened = await sim.wait_for(
                lambda p: list(p.ws_connections) if len(p.ws_connections) >= 10 else None,
                30 * 60,
                "10 connections",
            )
            sim.set_session_fault(None)
            await sim.wait_for_session(0, timeout=61)
            sim.inject("GUILD_MEMBER_ADD", member("after the storm"))
            await until_virtual(io, lambda: "after the storm" in rec.kinds("member"))
            identifies = len(sim.identifies(0))
    assert sum(1 for t in opened if t < opened[0] + 15) <= 8, opened
    assert opened[-1] - opened[0] > 60  # slowed down
    if fault.kind in ("garbage", "oversized"):
        assert 1 < identifies <= 1 + len(opened) // 3
        assert rec.errors and all(isinstance(e, qq.EventsLostError) for e in rec.errors)
    else:
        assert identifies == 1 and rec.errors == []


@on_virtual_clock
async def test_a_poison_event_in_the_replay_buffer_costs_the_session_not_the_shard(
    io: VirtualIo,
) -> None:
    """An event larger than the client takes sits in the replay buffer: each resume replays it
    first and is refused (1009); after 3 such resumes the session is given up, the bot is told
    which events are missing, and a new session delivers what comes next."""
    limit = 64 * 1024
    rec = Recorder()
    async with Simulator(io, seed=1) as sim:
        options = {"max_payload_size": limit}
        async with running(sim, io, rec.handler, gateway_options=options):
            first = sim.session_id(0)
            before = sim.inject("GUILD_MEMBER_ADD", member("before"))
            sim.inject("GUILD_MEMBER_ADD", member("x" * (limit + 1)))
            sim.inject("GUILD_MEMBER_ADD", member("behind the poison"))
            second = await sim.wait_for_identify(0, count=2, timeout=60)
            sim.inject("GUILD_MEMBER_ADD", member("in the new session"))
            await until_virtual(io, lambda: len(rec.kinds("member")) == 2 and rec.errors)
            resumes = sim.resumes(0, ok_only=False)
    assert second.session_id != first
    (error,) = rec.errors
    assert isinstance(error, qq.EventsLostError)
    assert error.session_id == first
    assert error.after_seq == before.deliveries[0].seq
    assert "3 resumes in a row failed" in error.reason and "1009" in error.reason
    assert len(resumes) == 3
    assert rec.kinds("member") == ["before", "in the new session"]


# -- timeouts -------------------------------------------------------------------------------


async def silent_gateway(
    io: VirtualIo, accepted: list[float], closed: list[float], done: trio.Event, task_status: Any
) -> None:
    """A gateway that accepts the WebSocket upgrade and then never says Hello; records when each
    connection opened and when the client's close frame came (``done`` after 5 closes)."""
    listener = await io.listen("127.0.0.1", 0)
    task_status.started(listener.port)

    async def serve(stream: Any) -> None:
        ws = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
        while data := await stream.receive_some(65536):
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, wsproto.events.Request):
                    await stream.send_all(ws.send(wsproto.events.AcceptConnection()))
                elif isinstance(event, wsproto.events.CloseConnection):
                    closed.append(io.now())
                    if len(closed) == 5:
                        done.set()
                    await stream.send_all(ws.send(event.response()))
        await stream.aclose()

    async with trio.open_nursery() as nursery:
        while True:
            stream = await listener.accept()
            accepted.append(io.now())
            nursery.start_soon(serve, stream)


@on_virtual_clock
async def test_no_hello_closes_at_the_hello_timeout_and_backs_off(io: VirtualIo) -> None:
    """A gateway that never says Hello: each connection is closed by the client exactly
    ``hello_timeout`` (30 s) after it opened, and the reconnects back off as failures (the k-th
    between 2 ** (k - 1) / 2 and 2 ** (k - 1) seconds) instead of hammering it."""
    accepted: list[float] = []
    closed: list[float] = []
    done = trio.Event()
    async with Simulator(io, seed=1) as sim, trio.open_nursery() as nursery:
        port = await nursery.start(silent_gateway, io, accepted, closed, done)
        url = f"ws://127.0.0.1:{port}/websocket"
        sim.call(lambda p: setattr(p, "gateway_url", url))
        async with running(sim, io, Recorder().handler, session=False):
            await done.wait()
        nursery.cancel_scope.cancel()
    for opened, ended in zip(accepted, closed, strict=False):
        assert ended - opened == exactly(30.0)
    for k, (ended, reopened) in enumerate(zip(closed, accepted[1:], strict=False), start=1):
        ceiling = 2.0 ** (k - 1)
        assert ceiling / 2 <= reopened - ended <= ceiling, (k, accepted, closed)


# -- tokens ---------------------------------------------------------------------------------


@on_virtual_clock
async def test_tokens_are_refreshed_in_their_last_minute_over_virtual_hours(
    io: VirtualIo,
) -> None:
    """Two-hour tokens, a reply every 40 s for five hours: each new token is fetched in the last
    60 s of the one before (the platform hands out the same token until then, so no earlier),
    and no request is ever refused. Then three idle hours: the first call after them fetches a
    token before it goes out."""
    lifetime = 2 * HOUR
    rec = Recorder()
    async with (
        Simulator(io, seed=1, token_lifetime=lifetime) as sim,
        running(sim, io, rec.handler),
    ):
        start = io.now()
        for n in itertools.count():
            await io.sleep_until(start + 40 * (n + 1))
            sim.inject_at_message(f"m{n}.")
            await sim.wait_for_message(contains=f"echo: m{n}.")
            if io.now() >= start + 5 * HOUR:
                break
        idle_from = io.now()
        await io.sleep_until(idle_from + 3 * HOUR)
        sim.inject_at_message("after the idle hours")
        await sim.wait_for_message(contains="echo: after the idle hours")
        log = sim.rest_log()
    fetches = [r.time for r in log if "AccessToken" in r.target]
    assert len(fetches) == 4, fetches
    for previous, fetched in itertools.pairwise(fetches[:3]):
        assert previous + lifetime - 60 <= fetched < previous + lifetime, fetches
    assert fetches[3] > idle_from + 3 * HOUR - EXACT  # fetched when the call came
    assert {r.status for r in log} == {200}, [(r.target, r.status) for r in log if r.status != 200]
    assert rec.errors == [] and len(rec.kinds("at")) == n + 2
    assert sim.websocket_connections == 1  # the gateway session was never touched


@on_virtual_clock
async def test_4004_renews_the_token_then_identifies(io: VirtualIo) -> None:
    async with Simulator(io, seed=1) as sim, running(sim, io, Recorder().handler):
        sim.expire_tokens()
        sim.close_shard(0, 4004)
        await sim.wait_for_identify(0, count=2, timeout=10)
        fetches = [r for r in sim.rest_log() if "AccessToken" in r.target]
        sim.inject_at_message("fresh token")
        await sim.wait_for_message(contains="echo: fresh token")
    assert len(fetches) == 2


# -- shards ---------------------------------------------------------------------------------


@on_virtual_clock
async def test_shards_identify_one_per_window(io: VirtualIo) -> None:
    """Two shards at max_concurrency 1: the second Identify goes exactly one window (5 s) after
    the first."""
    async with (
        Simulator(io, seed=1, shards=2) as sim,
        running(sim, io, Recorder().handler, session=False),
    ):
        await sim.wait_for_session(0, timeout=10)
        await sim.wait_for_session(1, timeout=10)
        ids = sim.identifies()
    assert sorted(r.shard for r in ids if r.shard is not None) == [(0, 2), (1, 2)]
    assert ids[1].time - ids[0].time == exactly(WINDOW)


@on_virtual_clock
async def test_a_shard_subset_runs_only_its_shards(io: VirtualIo) -> None:
    """One bot spread over processes: this one runs shard 1 of 2 only, for a virtual minute."""
    async with Simulator(io, seed=1, shards=2) as sim:
        options = {"shard_ids": [1], "shard_count": 2}
        async with running(sim, io, Recorder().handler, session=False, **options) as client:
            await sim.wait_for_session(1)
            await io.sleep_until(io.now() + 60)
            assert sim.session_id(0) is None
            assert [r.shard for r in sim.identifies()] == [(1, 2)]
            assert sorted(client.connections) == [1]


# -- REST -----------------------------------------------------------------------------------


@on_virtual_clock
async def test_rest_errors_are_typed_and_reads_retry(io: VirtualIo) -> None:
    rec = Recorder()
    async with Simulator(io, seed=1) as sim, running(sim, io, rec.handler) as client:
        sim.fail_next("POST /channels/{channel_id}/messages", status=429, code=22009)
        sim.inject_at_message("limited")
        await until_virtual(io, lambda: rec.errors)
        err = rec.errors[0]
        assert isinstance(err, qq.RateLimitedError)
        assert err.status == 429 and err.code == 22009 and err.trace_id
        assert client.api is not None
        sim.fail_next("GET /guilds/{guild_id}", times=1, status=502)
        guild = await client.api.get_guild("18700000000001")  # retried once, then fine
        assert guild.id == "18700000000001"
        sim.fail_next("GET /guilds/{guild_id}", times=5, status=500)
        with pytest.raises(qq.ServerError):
            await client.api.get_guild("18700000000001")


# -- the conversation API and webhook mode on the virtual clock ---------------------------


@on_virtual_clock
async def test_the_conversation_api_runs_on_the_virtual_clock(io: VirtualIo) -> None:
    """``Simulator.run`` on a VirtualIo runs a client sharing the simulator's Io."""
    rec = Recorder()
    async with Simulator(io, seed=1) as sim, sim.run(rec.handler) as bot:
        assert (await bot.say("ping")).content == "echo: ping"
        resumed = await bot.reconnect()
        assert resumed.outcome == "resumed"
        assert (await bot.say("pong")).content == "echo: pong"


@on_virtual_clock
async def test_webhook_mode_on_the_virtual_clock(io: VirtualIo) -> None:
    """The simulator validates and pushes signed callbacks to a client in webhook mode over the
    in-memory network (the signatures' timestamps are the virtual wall time); the server's head
    timeout closes a stalled connection exactly ``header_timeout`` after it opened."""
    rec = Recorder()
    options = qq.WebhookOptions(port=0, header_timeout=5.0)
    async with Simulator(io, seed=1) as sim:
        client = client_of(sim, io, rec.handler, webhook=options)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(client.start)
            url = await until_virtual(io, lambda: client.webhook_url)
            sim.register_webhook(url)
            await sim.wait_for_webhook_validation()
            await io.sleep_until(io.now() + HOUR)  # an hour later the signatures still check
            sim.inject_at_message("pushed")
            await sim.wait_for_message(contains="echo: pushed")
            stream = await io.connect(
                "127.0.0.1", int(url.split(":")[2].split("/")[0]), tls=False, timeout=1
            )
            opened = io.now()
            await stream.send_all(b"POST /qqbot HTTP/1.1\r\nHo")
            assert await stream.receive_some(100) == b""
            assert io.now() - opened == exactly(5.0)
            nursery.cancel_scope.cancel()
    assert rec.kinds("at") == ["pushed"] and rec.errors == []
