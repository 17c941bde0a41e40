"""``now`` is the last argument of every sans-IO call (aioquic's convention).

A few public inputs used to take it first (``connection_made(now, access_token)``,
``TokenMachine.handle_response(now, response)``, ...). :func:`accepts_now_first` keeps that old
order working for one release: a call whose ``now`` (in the new order) is not a number but binds
to the old order with a number first is reordered, with a ``DeprecationWarning`` naming the new
call. Calls in the new order take a fast path (one ``isinstance`` check).
"""

from __future__ import annotations

import functools
import inspect
import numbers
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


def accepts_now_first(**old_defaults: Any) -> Callable[[F], F]:
    """Decorate a method whose last parameter is ``now`` so the old order (``now`` right after
    ``self``, the other parameters after it with ``old_defaults``) still works, with a warning."""

    def decorate(method: F) -> F:
        new = inspect.signature(method)
        params = list(new.parameters.values())
        rest = [
            p.replace(default=old_defaults[p.name]) if p.name in old_defaults else p
            for p in params[1:-1]
        ]
        old = new.replace(parameters=[params[0], params[-1], *rest])
        arity = len(params) - 1
        name = method.__qualname__
        shown = ", ".join(p.name for p in params[1:])

        @functools.wraps(method)
        def call(self: object, *args: Any, **kwargs: Any) -> Any:
            if len(args) == arity and not kwargs and isinstance(args[-1], numbers.Real):
                return method(self, *args)  # the new order, positionally: the common case
            try:
                bound = new.bind(self, *args, **kwargs)
            except TypeError:
                bound = None
            if bound is None or not isinstance(bound.arguments["now"], numbers.Real):
                try:
                    legacy = old.bind(self, *args, **kwargs)
                except TypeError:
                    legacy = None
                if legacy is not None and isinstance(legacy.arguments["now"], numbers.Real):
                    warnings.warn(
                        f"{name}(now, ...) is deprecated: pass now last, as {name}({shown})",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    legacy.apply_defaults()
                    return method(*(legacy.arguments[p.name] for p in params))
            return method(self, *args, **kwargs)

        return cast(F, call)

    return decorate
