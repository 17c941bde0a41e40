"""Sans-IO REST layer: calls, routes and the API catalogue.

:class:`ApiCatalogue` holds every route (``ApiCatalogue.post_message(...)`` → :class:`Call`);
adapters subclass it and implement ``_perform``.
"""

from __future__ import annotations

from qqproto.api.call import ApiRequest, ApiResponse, Call, FormField, Performer, route
from qqproto.api.catalogue import ApiCatalogue, route_names

__all__ = [
    "ApiCatalogue",
    "ApiRequest",
    "ApiResponse",
    "Call",
    "FormField",
    "Performer",
    "route",
    "route_names",
]
