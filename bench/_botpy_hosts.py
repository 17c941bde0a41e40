"""Point the official botpy SDK at the simulator: its hosts are the only thing changed.

Also used by ``tests/test_sim_botpy.py``: ``Route.DOMAIN``/``Route.SCHEME`` for the
REST API (the simulator speaks plain HTTP on loopback) and the token URL that ``botpy/robot.py``
hard-codes. The gateway URL comes from ``GET /gateway/bot`` as usual.
"""

from __future__ import annotations

from typing import Any

import aiohttp  # botpy's own dependency
from botpy import http as botpy_http  # type: ignore[import-untyped]
from botpy import robot as botpy_robot

BOTPY_TOKEN_URL = "https://bots.qq.com/app/getAppAccessToken"


class TokenHost:
    """Stands in for the ``aiohttp`` module inside ``botpy.robot``: the same ``ClientSession``,
    except that the token host is the simulator's."""

    ClientTimeout = aiohttp.ClientTimeout

    def __init__(self, token_url: str) -> None:
        self.token_url = token_url

    def ClientSession(self, *args: Any, **kwargs: Any) -> Any:
        session = aiohttp.ClientSession(*args, **kwargs)
        post = session.post
        token_url = self.token_url

        def redirected_post(url: Any, **kw: Any) -> Any:
            return post(token_url if str(url) == BOTPY_TOKEN_URL else url, **kw)

        session.post = redirected_post  # type: ignore[method-assign]
        return session


def patch_botpy_hosts(host_port: str, token_url: str) -> None:
    """Send botpy's REST calls to ``http://host_port`` and its token fetches to ``token_url``."""
    botpy_http.Route.DOMAIN = host_port
    botpy_http.Route.SCHEME = "http"
    botpy_robot.aiohttp = TokenHost(token_url)
