"""Drive the sans-IO core from your own event loop: plain sockets, ``selectors``, no async.

qqproto wants bytes and the time, nothing else; this echo bot, one thread, gives it just that.
REST (the token, ``GET /users/@me``, ``GET /gateway/bot``, the replies) uses blocking keep-alive
sockets; the gateway is one non-blocking socket in a ``selectors`` loop whose timeout is the
wire's next deadline. The clock is ``time.monotonic()``.

    python examples/own_loop.py --simulator [--chaos op7|drop] [--max-events N] [--seconds S]
    QQ_BOT_APPID=... QQ_BOT_SECRET=... [QQ_BOT_SANDBOX=1] python examples/own_loop.py

``--simulator`` runs the embedded QQ simulator in a background thread: that thread is the
*platform* (and plays the users); the bot still runs in this one.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import select
import selectors
import socket
import ssl
import sys
import time
from typing import TYPE_CHECKING, TypeVar

from qqproto._errors import QQError, RemoteProtocolError
from qqproto.gateway._connection import GatewayConfig, GatewayConnection
from qqproto.gateway._events import Disconnected, Dispatch, GatewayEvent, Resumed
from qqproto.gateway._events import Ready as SessionReady
from qqproto.gateway._identify import IdentifyLimiter, session_limit_from_api
from qqproto.gateway._intents import Intents
from qqproto.gateway._wire import WireConnection, WireState
from qqproto.models import GatewayBotInfo, GroupMessage, Message, MessageSendResult, parse_event
from qqproto.outgoing._message import OutgoingMessage as Outgoing
from qqproto.outgoing._replies import ReplySequencer, reply_target
from qqproto.rest._auth import AccessToken, Fetch, Token, TokenFetchError, TokenMachine, TokenReady
from qqproto.rest._call import ApiResponse, Call
from qqproto.rest._catalogue import ApiCatalogue
from qqproto.rest._http import Endpoints, HttpConnection, HttpRequest, encode_api_request
from qqproto.rest._retry import (
    CallAttempts,
    Done,
    GiveUp,
    RetryPolicy,
    TransportFailure,
    TransportKind,
)

if TYPE_CHECKING:
    from qqbot_asyncio.simulator import ThreadedSimulator

T = TypeVar("T")
INTENTS = Intents.none().with_public_guild_messages().with_group_and_c2c_event()
ECHOED = ("AT_MESSAGE_CREATE", "GROUP_AT_MESSAGE_CREATE")
TIMEOUT = 10.0  # seconds for connecting and for each blocking REST read
MENTION = re.compile(r"<@!?[^>]*>\s*")  # the "<@!bot_id> " in front of an @-message
WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


def open_socket(host: str, port: int, tls: bool, context: ssl.SSLContext) -> socket.socket:
    """A connected blocking socket, wrapped in TLS unless it stays on this machine."""
    if not tls and host not in ("localhost", "127.0.0.1", "::1"):
        raise ValueError(f"refusing plain text to {host}: only loopback may skip TLS")
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    return context.wrap_socket(sock, server_hostname=host) if tls else sock


class Rest:
    """Blocking REST: one keep-alive connection per origin, the token machine, retries."""

    def __init__(self, credentials: Token, endpoints: Endpoints, tls: ssl.SSLContext) -> None:
        self.credentials, self.endpoints, self.tls = credentials, endpoints, tls
        self.tokens = TokenMachine(credentials, endpoints=endpoints, rng=random.Random())
        self.policy = RetryPolicy(rng=random.Random())
        self.pool: dict[tuple[str, str, int], tuple[socket.socket, HttpConnection]] = {}

    def exchange(self, request: HttpRequest) -> ApiResponse:
        """Send one request and read its whole response, reusing the origin's connection."""
        url = request.url
        entry = self.pool.pop(url.origin, None)
        if entry is not None and select.select([entry[0]], [], [], 0)[0]:
            entry[0].close()  # readable while idle: the server closed it (or sent junk)
            entry = None
        sock, conn = entry or (open_socket(url.host, url.port, url.tls, self.tls), HttpConnection())
        try:
            sock.sendall(conn.send(request))
            response = None
            while response is None:  # an EOF (b"") too early raises RemoteProtocolError
                response = conn.receive_data(sock.recv(65536))
        except BaseException:
            sock.close()
            raise
        if conn.reusable:  # not after "Connection: close"
            self.pool[url.origin] = (sock, conn)
        else:
            sock.close()
        return response

    def access_token(self) -> AccessToken:
        """The current access token; the TokenMachine says when to fetch a new one."""
        while True:
            step = self.tokens.acquire(time.monotonic())  # raises once fetching failed for good
            if isinstance(step, TokenReady):
                return step.token
            if isinstance(step, Fetch):
                try:
                    response = self.exchange(step.request)
                except (OSError, RemoteProtocolError) as exc:
                    self.tokens.fetch_failed(exc, time.monotonic())
                    continue
                try:
                    return self.tokens.handle_response(response, time.monotonic())
                except TokenFetchError:
                    continue  # recorded: acquire() backs off, or raises it if it is permanent
            else:  # Wait: with one thread there is no fetch in flight, only a backoff
                time.sleep(max(0.0, (step.until or 0.0) - time.monotonic()))

    def call(self, call: Call[T]) -> T:
        """Perform a catalogue ``Call``: token, encode, exchange, retry as CallAttempts says."""
        attempts = CallAttempts(call.request, self.policy, self.tokens)
        while True:
            token = self.access_token()
            app_id, base = self.credentials.app_id, self.endpoints.api
            request = encode_api_request(
                call.request, base=base, app_id=app_id, access_token=token.value
            )
            try:
                step = attempts.on_response(token, self.exchange(request))  # 401: new token
            except (OSError, RemoteProtocolError) as exc:  # it may have reached the server
                step = attempts.on_failure(TransportFailure(TransportKind.LOST, error=exc))
            if isinstance(step, Done):
                return call.parse(step.value)
            if isinstance(step, GiveUp):
                raise step.error or QQError(step.reason)
            time.sleep(step.delay)


class Bot:
    """The gateway loop: one GatewayConnection for the session, one WireConnection per socket.
    REST calls block it: fine for an echo bot (a busy one would select on REST sockets too)."""

    def __init__(self, rest: Rest, url: str, limiter: IdentifyLimiter, demo: Demo | None) -> None:
        self.rest, self.url, self.demo = rest, url, demo
        config = GatewayConfig(intents=int(INTENTS))  # shard 0 of 1: enough for most bots
        self.gateway = GatewayConnection(config, rng=random.Random(), limiter=limiter)
        self.selector = selectors.DefaultSelector()
        self.wire: WireConnection | None = None
        self.sock: socket.socket | None = None
        self.outbox = bytearray()  # what the wire produced and the socket has not taken yet
        self.token: AccessToken | None = None
        self.renew_token = False
        self.reconnect_at = time.monotonic()  # the last Disconnected's not_before
        self.replies = ReplySequencer()  # msg_seq 1, 2, ... per replied-to message
        self.events, self.max_events, self.stop_at = 0, math.inf, math.inf
        self.stopping = False  # set it to stop: the loop closes the gateway, then returns

    def run(self) -> None:
        """Wait for the socket or the next deadline, feed the core, act on what it says."""
        while True:
            now = time.monotonic()
            if now >= self.stop_at and not self.stopping:
                print("time limit reached: closing")
                self.stopping = True
            if self.wire is None:  # between connections: nothing to select on, so sleep
                if self.stopping:
                    return
                if now < self.reconnect_at:
                    time.sleep(min(self.reconnect_at, self.stop_at) - now)
                else:
                    self.connect()
                continue
            if self.stopping and self.wire.state in (WireState.UPGRADING, WireState.OPEN):
                self.wire.close(now)  # close frame 1000; the server's answer (or a timeout) ends it
                self.pump()
                continue
            deadline = min(self.wire.next_deadline() or math.inf, self.stop_at)
            timeout = None if deadline == math.inf else max(0.0, deadline - now)
            ready = self.selector.select(timeout)
            now = time.monotonic()
            if any(mask & selectors.EVENT_READ for _, mask in ready):
                self.read(now)
            if now >= (self.wire.next_deadline() or math.inf):
                self.wire.handle_timer(now)  # heartbeats; Hello, zombie and close timeouts
            self.pump()  # also writes the rest of the outbox when the socket became writable

    def connect(self) -> None:
        """TCP (and TLS) now; the WebSocket upgrade then runs in the selector loop."""
        if self.renew_token:  # the gateway refused the token (4004): fetch a fresh one
            self.rest.tokens.invalidate(self.token)
        self.token = self.rest.access_token()
        wire = WireConnection(self.gateway, self.url, self.token.value, now=time.monotonic())
        try:  # connecting blocks (for at most TIMEOUT) for brevity
            sock = open_socket(wire.host, wire.port, wire.secure, self.rest.tls)
        except OSError as exc:
            self.gateway.connection_failed(repr(exc), time.monotonic())
            self.handle(self.gateway.events())  # a Disconnected with an exponential backoff
            return
        sock.setblocking(False)
        self.selector.register(sock, selectors.EVENT_READ)
        self.wire, self.sock = wire, sock
        self.pump()  # sends the upgrade request

    def read(self, now: float) -> None:
        """Feed the wire all the socket has (a TLS socket may hold more than one read)."""
        assert self.wire is not None and self.sock is not None
        data = b"?"
        while data:
            try:
                data = self.sock.recv(65536)
            except WOULD_BLOCK:
                return
            except OSError:
                data = b""  # a reset is an EOF to the wire
            try:
                self.wire.receive_data(data, now)
            except RemoteProtocolError as exc:  # the reconnect is planned already; just say so
                print(f"protocol error from the gateway: {exc}")

    def pump(self) -> None:
        """After every input: send the wire's bytes, act on its events, drop a finished socket."""
        wire, sock = self.wire, self.sock
        assert wire is not None and sock is not None
        self.outbox += wire.bytes_to_send()
        if self.outbox:
            try:
                del self.outbox[: sock.send(self.outbox)]
            except WOULD_BLOCK:
                pass
            except OSError:  # the transport is gone; the wire decides what comes next
                self.outbox.clear()
                wire.receive_data(b"", time.monotonic())
        self.handle(wire.events())
        if wire.should_close_transport:
            self.selector.unregister(sock)
            sock.close()
            self.wire, self.sock = None, None
            self.outbox.clear()
        else:  # watch for writability only while bytes are waiting
            want = selectors.EVENT_WRITE if self.outbox else 0
            self.selector.modify(sock, selectors.EVENT_READ | want)

    def handle(self, events: list[GatewayEvent]) -> None:
        """Act on the gateway's events: the decisions are fields, nothing is re-derived here."""
        for event in events:
            if isinstance(event, SessionReady):
                print(f"READY: session {event.session_id} as {event.user.get('username')}")
            elif isinstance(event, Resumed):
                print(f"RESUMED at seq {event.seq}: missed events were replayed")
            elif isinstance(event, Disconnected):
                if event.fatal:
                    raise event.error()  # e.g. 4914 offline, 4014 intents not allowed
                assert event.not_before is not None
                self.reconnect_at, self.renew_token = event.not_before, event.renew_token
                plan = "resuming" if event.resume else "identifying"
                wait = max(0.0, event.not_before - time.monotonic())
                print(f"disconnected ({event.reason}); {plan} in {wait:.2f} s")
            elif isinstance(event, Dispatch):
                self.on_dispatch(event)
            if self.demo and isinstance(event, (SessionReady, Resumed)):
                self.demo.next()

    def on_dispatch(self, dispatch: Dispatch) -> None:
        """Echo @-messages in channels and groups; count every dispatch towards the limit."""
        try:
            event = parse_event(dispatch.name, dispatch.data, event_id=dispatch.event_id)
        except RemoteProtocolError as exc:
            print(f"cannot parse {dispatch.name}: {exc}")
            event = None
        if dispatch.name in ECHOED and isinstance(event, (Message, GroupMessage)):
            text = MENTION.sub("", event.content or "").strip()
            if isinstance(event, GroupMessage):
                scene, who = "group", event.author.member_openid if event.author else None
            else:
                scene, who = "channel", event.author.username if event.author else None
            print(f"  [{scene}] {who}: {text}")
            request = reply_target(event).request(Outgoing(content=f"echo: {text}"), self.replies)
            try:
                self.rest.call(Call(request, MessageSendResult.parse))
                print(f"  [{scene}] bot: echo: {text}")
            except (QQError, OSError) as exc:
                print(f"  [{scene}] reply failed: {exc!r}")
        self.events += 1
        if self.events >= self.max_events:
            print(f"handled {self.events} events: closing")
            self.stopping = True
        elif self.demo and dispatch.name in ECHOED:
            self.demo.replied()


def identify_limiter(info: GatewayBotInfo) -> IdentifyLimiter:
    """An identify limiter that knows the session budget (the API gives ``reset_after`` in ms)."""
    limiter, budget = IdentifyLimiter(), session_limit_from_api(info.session_start_limit)
    if budget is not None:
        limiter.update_limit(budget, time.monotonic())
    return limiter


def run(
    credentials: Token, endpoints: Endpoints, args: argparse.Namespace, demo: Demo | None
) -> int:
    """Log in over REST, then run the gateway loop until a limit, Ctrl-C or a fatal close."""
    rest = Rest(credentials, endpoints, ssl.create_default_context())
    bot: Bot | None = None
    try:
        me = rest.call(ApiCatalogue.me())  # on the class, a route is a pure Call
        info = rest.call(ApiCatalogue.get_ws_url())
        if not info.url:
            raise RemoteProtocolError("GET /gateway/bot answered without a url")
        print(f"logged in as {me.username}; gateway {info.url}")
        bot = Bot(rest, info.url, identify_limiter(info), demo)
        if args.max_events is not None:
            bot.max_events = args.max_events
        if args.seconds is not None:
            bot.stop_at = time.monotonic() + args.seconds
        try:
            bot.run()
        except KeyboardInterrupt:  # most likely raised in select(), between calls into the core
            print("Ctrl-C: closing the gateway")
            bot.stopping = True
            bot.run()  # finish the close handshake (a second Ctrl-C aborts it)
    except QQError as exc:  # a fatal gateway close, refused credentials, a failed API call
        print(f"stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        if bot is not None:
            bot.selector.close()
            if bot.sock is not None:
                bot.sock.close()
        for sock, _ in rest.pool.values():
            sock.close()
    return 0


class Demo:
    """Simulated users say one line at a time, each once the bot answered the one before.
    With ``chaos`` the platform sends op 7 (or cuts the TCP connection) after the second reply."""

    LINES = ("hello from the guild channel", "hello from the group", "still there?", "bye!")

    def __init__(self, sim: ThreadedSimulator, chaos: str) -> None:
        self.sim, self.chaos, self.said = sim, chaos, 0

    def next(self) -> None:  # even lines in the guild channel, odd ones in the group
        if self.said < len(self.LINES):
            say = (self.sim.inject_at_message, self.sim.inject_group_at_message)[self.said % 2]
            say(self.LINES[self.said])
            self.said += 1

    def replied(self) -> None:
        if self.said != 2 or self.chaos == "none":
            self.next()
        elif self.chaos == "op7":  # the next line comes after RESUMED
            print("(the platform asks the bot to reconnect: op 7)")
            self.sim.reconnect_shard(0)
        else:
            print("(the platform drops the TCP connection)")
            self.sim.drop_shard(0)


def main(argv: list[str] | None = None, simulator: ThreadedSimulator | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulator", action="store_true", help="run against the simulator")
    parser.add_argument("--chaos", choices=("none", "op7", "drop"), default="none")
    parser.add_argument("--max-events", type=int, help="stop after this many dispatches")
    parser.add_argument("--seconds", type=float, help="stop after this many seconds")
    args = parser.parse_args(argv)
    if not args.simulator:
        app_id, secret = os.environ.get("QQ_BOT_APPID"), os.environ.get("QQ_BOT_SECRET")
        if not (app_id and secret):
            print("set QQ_BOT_APPID and QQ_BOT_SECRET, or pass --simulator", file=sys.stderr)
            return 2
        sandbox = os.environ.get("QQ_BOT_SANDBOX", "") not in ("", "0", "false")
        return run(Token(app_id, secret), Endpoints(is_sandbox=sandbox), args, None)
    if simulator is None:  # the platform, in a background thread (the bot stays in this one)
        from qqbot_asyncio.simulator import ThreadedSimulator

        with ThreadedSimulator.in_thread(seed=7) as sim:
            return main(argv, sim)
    if args.max_events is None:
        args.max_events = len(Demo.LINES)
    endpoints = Endpoints(api_base=simulator.api_base, token_url=simulator.token_url)
    credentials = Token(simulator.app_id, simulator.secret)
    return run(credentials, endpoints, args, Demo(simulator, args.chaos))


if __name__ == "__main__":
    sys.exit(main())
