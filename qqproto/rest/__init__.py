"""The REST protocol, sans-IO.

The HTTP/1.1 client codec over h11 (:class:`HttpConnection`), the access-token machine
(:class:`TokenMachine`: the 60-s rule, single flight, invalidation), retry decisions
(:class:`RetryPolicy`), the platform's error answers as typed exceptions, and the catalogue of
every route (:class:`ApiCatalogue`: ``catalogue.post_message(...)`` is a pure :class:`Call`;
clients subclass it and implement ``_perform``), each declared once with :func:`route` (method,
path template, builder). Nothing here does IO or reads a clock.
"""

from __future__ import annotations

from qqproto.rest import _api_errors

# the platform's error answers: every name of ``_api_errors.__all__`` (its codes, its typed
# errors, decode_response, error_from_response), listed there once
from qqproto.rest._api_errors import *  # noqa: F403
from qqproto.rest._auth import (
    REFRESH_WINDOW,
    AccessToken,
    Fetch,
    MalformedTokenResponse,
    Token,
    TokenFetchError,
    TokenMachine,
    TokenReady,
    TokenState,
    Wait,
    build_token_request,
    parse_token_response,
)
from qqproto.rest._call import (
    ApiRequest,
    ApiResponse,
    Call,
    Endpoint,
    FormField,
    Parts,
    Performer,
    Route,
    route,
)
from qqproto.rest._catalogue import (
    ApiCatalogue,
    route_names,
    routes,
)
from qqproto.rest._http import (
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_MAX_HEADER_SIZE,
    PRODUCTION_API_BASE,
    SANDBOX_API_BASE,
    TOKEN_URL,
    USER_AGENT,
    ConnectionState,
    Endpoints,
    HttpConnection,
    HttpRequest,
    HttpUrl,
    decode_json,
    encode_api_request,
    encode_json,
    encode_json_request,
    encode_multipart,
    make_boundary,
)
from qqproto.rest._messages import GuildSendFields, SendFields, V2SendFields
from qqproto.rest._retry import (
    CallAttempts,
    Done,
    GiveUp,
    Outcome,
    Retry,
    RetryPolicy,
    Step,
    TransportFailure,
    TransportKind,
)

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_MAX_HEADER_SIZE",
    "PRODUCTION_API_BASE",
    "REFRESH_WINDOW",
    "SANDBOX_API_BASE",
    "TOKEN_URL",
    "USER_AGENT",
    "AccessToken",
    "ApiCatalogue",
    "ApiRequest",
    "ApiResponse",
    "Call",
    "CallAttempts",
    "ConnectionState",
    "Done",
    "Endpoint",
    "Endpoints",
    "Fetch",
    "FormField",
    "GiveUp",
    "GuildSendFields",
    "HttpConnection",
    "HttpRequest",
    "HttpUrl",
    "MalformedTokenResponse",
    "Outcome",
    "Parts",
    "Performer",
    "Retry",
    "RetryPolicy",
    "Route",
    "SendFields",
    "Step",
    "Token",
    "TokenFetchError",
    "TokenMachine",
    "TokenReady",
    "TokenState",
    "TransportFailure",
    "TransportKind",
    "V2SendFields",
    "Wait",
    "build_token_request",
    "decode_json",
    "encode_api_request",
    "encode_json",
    "encode_json_request",
    "encode_multipart",
    "make_boundary",
    "parse_token_response",
    "route",
    "route_names",
    "routes",
]
__all__ += _api_errors.__all__
