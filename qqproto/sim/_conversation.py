"""A bot under test in conversation with the simulated platform: :meth:`Simulator.run`'s side.

:class:`Conversation` injects a message and awaits the bot's reply, injects a fault and awaits
its consequence (the resume, the new Identify), and raises what the bot's handlers raised (or
why its client stopped) from its next wait. The client is a real one of the running loop's
adapter, run by :meth:`Simulator.run`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from qqproto.sim._scripting import (
    Condition,
    forward,
    identified,
    message_sent,
    named,
    resumed,
    webhook_validated,
)
from qqproto.sim._world import IdentifyRecord, Injected, Platform, ResumeRecord, SentMessage

if sys.version_info < (3, 11):  # pragma: no cover - Python 3.10
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:
    from qqproto.client._handler import EventHandler
    from qqproto.client._runtime import ClientBase
    from qqproto.sim._server import Simulator

__all__ = ["Conversation"]

T = TypeVar("T")


@named
class Conversation:
    """A bot under test talking with the simulated platform (from :meth:`Simulator.run`).

    ``await say(text)`` sends a message to the bot and returns its reply; the faults await their
    consequence: :meth:`reconnect` (op 7) and :meth:`drop` the resume, :meth:`invalidate_session`
    (op 9) the new Identify, :meth:`close` whichever comes. ``sim`` is the simulator and
    ``client`` the running client, for anything else.
    """

    _SCENES: ClassVar[dict[str, tuple[str, str]]] = {
        "channel": ("inject_at_message", "channel"),
        "group": ("inject_group_at_message", "group"),
        "c2c": ("inject_c2c_message", "c2c"),
        "dm": ("inject_direct_message", "dms"),
        "dms": ("inject_direct_message", "dms"),
    }

    def __init__(self, sim: Simulator, client: ClientBase, shard: int, timeout: float) -> None:
        self.sim = sim
        self.client = client
        self.shard = shard
        self.timeout = timeout
        self.errors: list[BaseException] = []
        """What the bot's handlers raised, oldest first."""
        self.failure: BaseException | None = None
        """Why the client stopped, if it did."""
        self._reported: set[int] = set()

    def __repr__(self) -> str:
        return f"<Conversation {self.client!r} shard={self.shard} on {self.sim!r}>"

    # ------------------------------------------------------------------ messages

    def send(self, content: str, *, scene: str = "channel", **fields: Any) -> Injected:
        """Inject a message to the bot (an @-message in a ``channel`` or a ``group``, a ``c2c``
        message, a guild ``dm``) without waiting; ``fields`` go to the simulator's inject
        method (``channel_id``, ``group_openid``, ``user_openid``, ...)."""
        try:
            method, _ = self._SCENES[scene]
        except KeyError:
            raise ValueError(
                f"scene must be one of {sorted(self._SCENES)}, not {scene!r}"
            ) from None
        injected: Injected = getattr(self.sim, method)(content, **fields)
        return injected

    async def say(
        self, content: str, *, scene: str = "channel", timeout: float | None = None, **fields: Any
    ) -> SentMessage:
        """Send ``content`` to the bot (see :meth:`send`) and return its reply: the first
        message it sends afterwards that answers this one or goes to the same place."""
        start = self.sim._query(lambda p: len(p.sent))
        incoming = self.send(content, scene=scene, **fields)
        return await self.reply_to(incoming, scene=scene, start=start, timeout=timeout)

    async def reply_to(
        self,
        incoming: Injected,
        *,
        scene: str = "channel",
        start: int = 0,
        timeout: float | None = None,
    ) -> SentMessage:
        """The first message the bot sent (from the ``start``-th on) that answers ``incoming``
        (its ``msg_id``/``event_id``) or goes where it came from in ``scene``."""
        _, recorded = self._SCENES[scene]
        data = incoming.data if isinstance(incoming.data, dict) else {}
        ids = {incoming.event_id, data.get("id")} - {None}
        author = data.get("author") if isinstance(data.get("author"), dict) else {}
        target = {
            "channel": data.get("channel_id"),
            "dms": data.get("guild_id"),
            "group": data.get("group_openid"),
            "c2c": author.get("user_openid") if isinstance(author, dict) else None,
        }[recorded]

        def predicate(p: Platform) -> SentMessage | None:
            for message in p.sent[start:]:
                if message.reply_to in ids or (
                    message.scene == recorded and message.target_id == target
                ):
                    return message
            return None

        what = f"the bot's reply to {_clip(data.get('content'))!r} ({scene})"
        return await self._until(Condition(predicate, what), timeout)

    async def wait_for_message(self, *, timeout: float | None = None, **match: Any) -> SentMessage:
        """Like :meth:`Simulator.wait_for_message`, raising the bot's errors meanwhile."""
        return await self._until(message_sent(**match), timeout)

    # ------------------------------------------------------------------ faults

    async def reconnect(self, *, timeout: float | None = None) -> ResumeRecord:
        """Op 7 on the bot's shard; returns once it resumed."""
        count = len(self.sim.resumes(self.shard))
        self.sim.reconnect_shard(self.shard)
        return await self._until(resumed(self.shard, count + 1), timeout)

    async def invalidate_session(self, *, timeout: float | None = None) -> IdentifyRecord:
        """Op 9 on the bot's shard (the session is forgotten); returns once it identified
        anew."""
        count = len(self.sim.identifies(self.shard))
        self.sim.invalidate_session(self.shard)
        return await self._until(identified(self.shard, count + 1), timeout)

    async def close(
        self, code: int = 4009, reason: str = "", *, timeout: float | None = None
    ) -> IdentifyRecord | ResumeRecord:
        """Close the bot's connection with ``code``; returns the session it makes next (a
        resume or a new Identify). For a code that ends the session for good the client stops,
        and this raises the client's error."""
        before = self._sessions()
        self.sim.close_shard(self.shard, code, reason)
        return await self._next_session(before, f"a new session after close {code}", timeout)

    async def drop(self, *, timeout: float | None = None) -> IdentifyRecord | ResumeRecord:
        """Drop the bot's TCP connection (no close frame); returns the session it makes next."""
        before = self._sessions()
        self.sim.drop_shard(self.shard)
        return await self._next_session(before, "a new session after the drop", timeout)

    fail_next = forward(Platform.fail_next)

    def call(self, fn: Callable[[Platform], T]) -> T:
        """``sim.call(fn)``: run ``fn(platform)`` on the simulator's loop (for anything the
        conversation does not say)."""
        return self.sim.call(fn)

    # ------------------------------------------------------------------ internals

    async def _serve_webhook(self) -> None:
        """Register the client's callback URL once it listens; await the validation."""
        io = self.sim.io
        deadline = io.now() + self.timeout
        while (url := self.client.webhook_url) is None:
            self._check()
            if io.now() >= deadline:
                raise TimeoutError(f"the client did not listen within {self.timeout:g} s")
            await io.sleep_until(io.now() + 0.005)  # the client's state: polled
        self.sim.register_webhook(url)
        await self._until(webhook_validated())

    def _sessions(self) -> tuple[int, int]:
        return len(self.sim.identifies(self.shard)), len(self.sim.resumes(self.shard))

    async def _next_session(
        self, before: tuple[int, int], what: str, timeout: float | None
    ) -> IdentifyRecord | ResumeRecord:
        identify_count, resume_count = before
        shard = self.shard

        def predicate(p: Platform) -> IdentifyRecord | ResumeRecord | None:
            identifies, resumes = p.identifies_on(shard), p.resumes_on(shard)
            if len(identifies) > identify_count:
                return identifies[identify_count]
            if len(resumes) > resume_count:
                return resumes[resume_count]
            return None

        return await self._until(Condition(predicate, what), timeout)

    async def _until(self, condition: Condition[T], timeout: float | None = None) -> T:
        """Await ``condition`` within ``timeout`` (None: the conversation's), raising the bot's
        errors meanwhile."""

        def checked(p: Platform) -> T | None:
            self._check()
            return condition.predicate(p)

        wait = self.timeout if timeout is None else timeout
        return await self.sim._wait(Condition(checked, condition.what, wait))

    def _check(self) -> None:
        """Raise the first error of the bot not raised yet."""
        for error in [*self.errors, self.failure]:
            if error is not None and id(error) not in self._reported:
                self._reported.add(id(error))
                raise error

    def _unreported(self) -> list[BaseException]:
        return [
            e for e in [*self.errors, self.failure] if e is not None and id(e) not in self._reported
        ]

    def _note_unreported(self, error: BaseException) -> None:
        errors = self._unreported()
        if not errors:
            return
        note = f"the bot also raised: {', '.join(_clip(repr(e)) for e in errors)}"
        add_note = getattr(error, "add_note", None)
        if add_note is not None:
            add_note(note)
        else:  # Python 3.10: no add_note, but tracebacks (the exceptiongroup backport) show these
            setattr(error, "__notes__", [*getattr(error, "__notes__", ()), note])  # noqa: B010

    def _raise_unreported(self) -> None:
        errors = self._unreported()
        self._reported.update(id(e) for e in errors)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise BaseExceptionGroup("the bot raised", errors)

    def _catch_handler_errors(self, handler: EventHandler) -> Callable[[], None]:
        """Record what the handlers raise (unless the handler has an ``on_error`` of its own);
        returns the function undoing it."""
        from qqproto.client._handler import EventHandler

        if type(handler).on_error is not EventHandler.on_error:
            return lambda: None

        async def on_error(ctx: Any, error: BaseException) -> None:
            self.errors.append(error)
            self.sim._changed()

        setattr(handler, "on_error", on_error)  # noqa: B010 - an instance attribute, undone after
        return lambda: vars(handler).pop("on_error", None) and None

    async def _run_client(self) -> None:
        try:
            await self.client.start()
        except Exception as exc:
            self.failure = exc
        else:  # pragma: no cover - start() returns only when cancelled, which raises here
            self.failure = RuntimeError("the client stopped")
        self.sim._changed()


def _clip(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
