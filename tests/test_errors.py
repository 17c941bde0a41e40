"""Every exception class of the project is defined in ``qqproto._errors`` and exported from
``qqproto``; the old import locations still give the same class."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import qqproto
import qqproto.models
import qqproto.rest
import qqproto.sim
import qqproto.webhook
from qqproto import _errors

PACKAGES = ("qqproto", "qqbot_asyncio", "qqbot_trio")


def _modules() -> list[str]:
    names: list[str] = []
    for package in PACKAGES:
        names.append(package)
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if info.name != "qqproto._errors" and not info.name.endswith("__main__"):
                names.append(info.name)
    return names


def test_every_public_exception_is_defined_in_errors() -> None:
    strays = []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
                and not attr.startswith("_")
            ):
                strays.append(f"{name}.{attr}")
    assert strays == []
    assert len(_modules()) > 40


def test_every_error_is_exported_from_qqproto_and_derives_from_qqerror() -> None:
    defined = {
        name: value
        for name, value in vars(_errors).items()
        if inspect.isclass(value) and issubclass(value, BaseException)
    }
    assert len(defined) >= 20
    for name, cls in defined.items():
        assert getattr(qqproto, name) is cls
        assert name in qqproto.__all__
        assert issubclass(cls, qqproto.QQError)


def test_old_locations_give_the_same_classes() -> None:
    from qqproto.client import TransportError
    from qqproto.models._base import InvalidModel
    from qqproto.rest._api_errors import ApiError, RateLimitedError
    from qqproto.rest._auth import MalformedTokenResponse, TokenFetchError
    from qqproto.sim._world import TokenRefused
    from qqproto.webhook._receiver import WebhookDependencyError

    assert ApiError is qqproto.rest.ApiError is qqproto.ApiError
    assert RateLimitedError is qqproto.rest.RateLimitedError is qqproto.RateLimitedError
    assert TokenFetchError is qqproto.rest.TokenFetchError is qqproto.TokenFetchError
    assert MalformedTokenResponse is qqproto.MalformedTokenResponse
    assert InvalidModel is qqproto.models.InvalidModel is qqproto.InvalidModel
    assert WebhookDependencyError is qqproto.webhook.WebhookDependencyError
    assert TokenRefused is qqproto.sim.TokenRefused is qqproto.TokenRefused
    assert TransportError is qqproto.TransportError
    assert issubclass(MalformedTokenResponse, qqproto.RemoteProtocolError)
    assert issubclass(WebhookDependencyError, ImportError)
