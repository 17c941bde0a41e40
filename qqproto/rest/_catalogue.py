"""The REST route catalogue: every platform route as a method of one class, :class:`ApiCatalogue`.

Routes are pure builders ``(arguments) -> Call[T]`` grouped by area (:mod:`.guilds`,
:mod:`.channels`, :mod:`.messages`) and decorated with :func:`~qqproto.rest.route`. On the
class, ``ApiCatalogue.get_guild("1")`` returns the :class:`~qqproto.rest.Call`; an adapter
subclasses it, implements ``_perform`` and ``api.get_guild("1")`` returns an awaitable result.
Method and keyword names follow botpy's ``BotAPI`` where botpy has the route.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from qqproto.rest._call import Call, route
from qqproto.rest._channels import ChannelRoutes
from qqproto.rest._guilds import GuildRoutes
from qqproto.rest._messages import MessageRoutes

T = TypeVar("T")


class ApiCatalogue(GuildRoutes, ChannelRoutes, MessageRoutes):
    """Every REST route. Subclasses implement :meth:`_perform` (send the call, parse the answer)."""

    def _perform(self, call: Call[T]) -> Awaitable[T]:
        raise NotImplementedError


def route_names() -> tuple[str, ...]:
    """The names of every route method of :class:`ApiCatalogue`, sorted."""
    return tuple(
        sorted(
            name
            for klass in ApiCatalogue.__mro__
            for name, value in vars(klass).items()
            if isinstance(value, route)
        )
    )
