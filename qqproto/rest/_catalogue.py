"""The REST route catalogue: every platform route as a method of one class, :class:`ApiCatalogue`.

Routes are declared once each, grouped by area (:mod:`._guilds`, :mod:`._channels`,
:mod:`._messages`, the deprecated :mod:`._webhook_sessions`) with :func:`~qqproto.rest.route`:
the method, the path template and a pure builder of the rest of the request. On the class,
``ApiCatalogue.get_guild("1")`` returns the :class:`~qqproto.rest.Call`; an adapter subclasses
it, implements ``_perform`` and ``api.get_guild("1")`` returns an awaitable result. Method and
keyword names follow botpy's ``BotAPI`` where botpy has the route.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from qqproto.rest._call import Call, Route
from qqproto.rest._channels import ChannelRoutes
from qqproto.rest._guilds import GuildRoutes
from qqproto.rest._messages import MessageRoutes
from qqproto.rest._webhook_sessions import WebhookSessionRoutes

T = TypeVar("T")


class ApiCatalogue(GuildRoutes, ChannelRoutes, MessageRoutes, WebhookSessionRoutes):
    """Every REST route. Subclasses implement :meth:`_perform` (send the call, parse the answer)."""

    def _perform(self, call: Call[T]) -> Awaitable[T]:
        raise NotImplementedError


def routes() -> dict[str, Route[..., Any]]:
    """Every route of :class:`ApiCatalogue` by method name, sorted by name."""
    found = {
        name: value
        for klass in ApiCatalogue.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, Route)
    }
    return dict(sorted(found.items()))


def route_names() -> tuple[str, ...]:
    """The names of every route method of :class:`ApiCatalogue`, sorted."""
    return tuple(routes())
