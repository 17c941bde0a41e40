"""An echo bot written with the official botpy SDK (``qq-botpy``), run against the standalone
simulator instead of the QQ platform.

    python -m qqproto.sim                                   # prints the API base, app id, secret
    python examples/botpy_sim.py http://127.0.0.1:PORT      # [APP_ID SECRET] if not the defaults

botpy has no setting for its hosts, so two of its module attributes are set before it starts:
``botpy.http.Route.DOMAIN``/``SCHEME`` (the REST API; the simulator speaks plain HTTP) and the
``aiohttp`` that ``botpy.robot`` fetches its token with, which posts to a hard-coded
``https://bots.qq.com/app/getAppAccessToken``: a stand-in whose sessions send that one URL to the
simulator. The gateway URL comes from ``GET /gateway/bot`` as usual. Nothing else is changed.
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace
from typing import Any

import aiohttp  # botpy's own dependency
import botpy  # type: ignore[import-untyped]
from botpy import http as botpy_http
from botpy import robot as botpy_robot

BOTPY_TOKEN_URL = "https://bots.qq.com/app/getAppAccessToken"


def point_botpy_at(api_base: str) -> None:
    """Send botpy's REST calls and token fetches to the simulator at ``api_base``."""
    scheme, host = api_base.rstrip("/").split("://", 1)
    botpy_http.Route.DOMAIN = host
    botpy_http.Route.SCHEME = scheme
    token_url = f"{scheme}://{host}/app/getAppAccessToken"

    def client_session(*args: Any, **kwargs: Any) -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(*args, **kwargs)
        post = session.post

        def post_to_simulator(url: Any, **kw: Any) -> Any:
            return post(token_url if str(url) == BOTPY_TOKEN_URL else url, **kw)

        session.post = post_to_simulator  # type: ignore[method-assign]
        return session

    botpy_robot.aiohttp = SimpleNamespace(
        ClientSession=client_session, ClientTimeout=aiohttp.ClientTimeout
    )


class EchoBot(botpy.Client):  # type: ignore[misc]
    async def on_at_message_create(self, message: Any) -> None:
        await message.reply(content=f"echo: {message.content}")

    async def on_group_at_message_create(self, message: Any) -> None:
        await message.reply(content=f"echo: {message.content}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("api_base", help="the simulator's API base, http://127.0.0.1:PORT")
    parser.add_argument("app_id", nargs="?", default="102000000")
    parser.add_argument("secret", nargs="?", default="simsecretsimsecretsimsecret12345")
    args = parser.parse_args()
    point_botpy_at(args.api_base)
    intents = botpy.Intents(public_guild_messages=True, public_messages=True)
    EchoBot(intents=intents).run(appid=args.app_id, secret=args.secret)


if __name__ == "__main__":
    main()
