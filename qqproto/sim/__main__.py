"""The simulated QQ platform on its own: ``python -m qqproto.sim`` (or the ``qqbot-sim`` script).

It serves the token endpoint, the REST API and the gateway on one port, prints the bot's app id
and secret and the URLs to point a bot at (``--json``: one JSON line), then serves until SIGINT
or SIGTERM (exit status 0). Any SDK can be tested against it offline.

Scripting from outside (simulator only, not a platform API): standard input takes one JSON
object per line, ``{"cmd": NAME, ...keyword arguments}`` with an optional ``"id"`` echoed back,
and every command is answered by one JSON line on standard output, ``{"id", "ok": true,
"result"}`` or ``{"id", "ok": false, "error"}``. The commands are the simulator's methods of the
same name listed in :data:`COMMANDS`; the ``wait_for_*`` ones answer when their condition holds
(or with an error after ``timeout`` seconds) while other commands go on. End of input stops the
reading, not the server.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from qqproto._errors import TransportError
from qqproto._json import dumps_text, loads
from qqproto.sim._server import Simulator
from qqproto.sim._world import DEFAULT_APP_ID, DEFAULT_SECRET, SessionFault

__all__ = ["COMMANDS", "main"]

COMMANDS: frozenset[str] = frozenset(
    {
        # events and faults
        "inject",
        "inject_at_message",
        "inject_group_at_message",
        "inject_c2c_message",
        "inject_direct_message",
        "inject_enter_aio",
        "inject_subscribe_message_status",
        "inject_mic",
        "inject_group_member",
        "inject_many",
        "reconnect_shard",
        "invalidate_session",
        "close_shard",
        "drop_shard",
        "send_raw",
        "stop_acking",
        "resume_acking",
        "set_session_fault",
        "fail_next",
        "expire_tokens",
        "register_webhook",
        "lose_webhook_acks",
        "audit_next",
        "stop_auditing",
        "pass_audit",
        "reject_audit",
        # the world
        "add_guild",
        "add_channel",
        "add_user",
        "add_group",
        # inspection
        "sent_messages",
        "identifies",
        "resumes",
        "heartbeats",
        "rest_log",
        "uploads",
        "recalls",
        "interaction_acks",
        "audits",
        "stream_frames",
        "part_puts",
        "setting_guides",
        "channel_history",
        "webhook_attempts",
        "session_id",
        "shard_sessions",
        "overlapping_sessions",
        "identify_rate_violations",
        # waiting (answered once the condition holds)
        "wait_for_session",
        "wait_for_message",
        "wait_for_webhook_validation",
    }
)
"""The simulator methods standard input may call (see :class:`qqproto.sim.Simulator` for their
arguments; ``set_session_fault`` takes ``{"kind", "code", "size"}`` or null)."""


def _parser() -> argparse.ArgumentParser:
    run_as_module = sys.argv[0].endswith("__main__.py")
    parser = argparse.ArgumentParser(
        prog="python -m qqproto.sim" if run_as_module else None,
        description=(
            "Run the simulated QQ platform (token endpoint, REST API, gateway) on one port, "
            "print the credentials and URLs to point a bot at, and serve until stopped "
            "(Ctrl-C or SIGTERM). Standard input takes JSON commands, one per line, e.g. "
            '{"cmd": "inject_at_message", "content": "hello"}; each is answered by a JSON '
            "line on standard output."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free one)")
    parser.add_argument(
        "--app-id", default=DEFAULT_APP_ID, help=f"the bot's app id ({DEFAULT_APP_ID})"
    )
    parser.add_argument("--secret", default=DEFAULT_SECRET, help="the bot's app secret")
    parser.add_argument("--seed", type=int, default=None, help="seed of the world's randomness")
    parser.add_argument(
        "--webhook-url", default=None, help="push events to this callback URL (webhook mode)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the credentials and URLs as one JSON line"
    )
    return parser


def _jsonable(obj: Any) -> Any:
    """``json.dumps`` default for the simulator's records."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, (bytes, bytearray)):
        return base64.b64encode(obj).decode("ascii")
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    return repr(obj)


def _say(value: Any) -> None:
    with contextlib.suppress(OSError):  # nobody reads standard output any more: keep serving
        print(dumps_text(value, default=_jsonable), flush=True)


async def _command(sim: Simulator, line: bytes) -> None:
    """Run one command line on ``sim`` (a running simulator) and print its answer."""
    ident: Any = None
    try:
        request = loads(line, "command")
        if not isinstance(request, dict):
            raise ValueError("a command is a JSON object")
        ident = request.pop("id", None)
        name = request.pop("cmd", None)
        if name not in COMMANDS:
            raise ValueError(f"unknown command {name!r}; known: {', '.join(sorted(COMMANDS))}")
        if name == "set_session_fault" and isinstance(request.get("fault"), dict):
            request["fault"] = SessionFault(**request["fault"])
        result = getattr(sim, name)(**request)
        if name.startswith("wait_for_"):
            result = await result
    except Exception as exc:
        _say({"id": ident, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
    else:
        _say({"id": ident, "ok": True, "result": result})


def _banner(info: Mapping[str, Any]) -> str:
    return "\n".join(
        [
            f"QQ platform simulator on {info['host']}:{info['port']}",
            f"  app id       {info['app_id']}",
            f"  secret       {info['secret']}",
            f"  API base     {info['api_base']}",
            f"  token URL    {info['token_url']}",
            f"  gateway URL  {info['gateway_url']}   (GET /gateway/bot answers it too)",
            *([f"  webhook URL  {info['webhook_url']}"] if info["webhook_url"] else []),
            'Commands: one JSON line each on stdin, e.g. {"cmd": "inject_at_message", '
            '"content": "hello"}',
            "Stop with Ctrl-C or SIGTERM.",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the command line), serve until SIGINT/SIGTERM, return 0."""
    args = _parser().parse_args(argv)
    # the asyncio adapter lends the loop, the signal handlers and the thread reading stdin;
    # the rest of qqproto does no IO
    from qqbot_asyncio.simulator import serve_forever

    sim = Simulator(
        app_id=args.app_id,
        secret=args.secret,
        seed=args.seed,
        host=args.host,
        port=args.port,
        webhook_url=args.webhook_url,
    )

    def started(sim: Simulator) -> None:
        info = {
            "app_id": sim.app_id,
            "secret": sim.secret,
            "api_base": sim.api_base,
            "token_url": sim.token_url,
            "gateway_url": sim.gateway_url,
            "webhook_url": args.webhook_url,
            "host": sim.host,
            "port": sim.port,
        }
        print(dumps_text(info) if args.json else _banner(info), flush=True)

    try:
        serve_forever(sim, started, _command)
    except TransportError as exc:  # "cannot listen on host:port: ..." (taken, not ours...)
        raise SystemExit(str(exc)) from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
