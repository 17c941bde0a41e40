"""A small command router: ``@qq.command`` methods on a :class:`CommandHandler`.

::

    class Bot(qq.CommandHandler):
        @qq.command("echo", aliases=("say",), help="repeat the text")
        async def echo(self, ctx, message, text: qq.Rest) -> str:
            return text

The handler answers ``/echo hi`` in every message scene (guild channel ``AT_MESSAGE_CREATE`` and
``MESSAGE_CREATE``, ``DIRECT_MESSAGE_CREATE``, ``GROUP_AT_MESSAGE_CREATE``,
``GROUP_MESSAGE_CREATE``, ``C2C_MESSAGE_CREATE``). Arguments are parsed from the annotations
(:mod:`qqproto.client._command_parse`); a usage error is answered with the command's usage line;
an exception in a command reaches ``on_error`` like any handler's; ``/help`` is generated.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

from qqproto.client._command_parse import Signature, UsageError, signature_of
from qqproto.client._handler import EventHandler
from qqproto.models import C2CMessage, DirectMessage, GroupMessage, Message
from qqproto.outgoing._message import OutgoingMessage

if TYPE_CHECKING:
    from qqproto.client._context import Context

__all__ = ["Command", "CommandHandler", "command"]

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
AnyMessage = Message | DirectMessage | GroupMessage | C2CMessage
"""The events a command can come in (``DirectMessage`` is a ``Message`` too)."""

_MARK = "__qq_command__"
_MENTION = re.compile(r"\s*<@!?([^<>\s]*)>")


class Command:
    """One registered command: its ``name``, ``aliases``, one-line ``help``, the ``function``
    and its parsed :class:`~qqproto.client._command_parse.Signature` (set at class creation)."""

    __slots__ = ("aliases", "attribute", "function", "help", "name", "signature")

    def __init__(
        self, name: str, aliases: tuple[str, ...], help: str, function: Callable[..., Any]
    ) -> None:
        self.name = name
        self.aliases = aliases
        self.help = help
        self.function = function
        self.attribute = function.__name__
        self.signature: Signature | None = None

    def usage(self, prefix: str = "") -> str:
        """``prefix + name`` and the arguments: ``/echo <text...>``."""
        args = self.signature.usage if self.signature is not None else ""
        return f"{prefix}{self.name} {args}".rstrip()

    def __repr__(self) -> str:
        return f"Command({self.name!r}, aliases={self.aliases!r})"


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name or any(char.isspace() for char in name):
        raise ValueError(f"a command's {what} must be a non-empty str without spaces, not {name!r}")
    return name


@overload
def command(name: F, /) -> F: ...


@overload
def command(
    name: str | None = None, *, aliases: tuple[str, ...] | list[str] = (), help: str | None = None
) -> Callable[[F], F]: ...


def command(
    name: str | F | None = None,
    *,
    aliases: tuple[str, ...] | list[str] = (),
    help: str | None = None,
) -> F | Callable[[F], F]:
    """Register a ``CommandHandler`` method as a command.

    ``@qq.command`` names it after the method; ``@qq.command("echo", aliases=("say",),
    help="repeat the text")`` gives the name, other names, and the line ``/help`` shows (default:
    the first line of the docstring). The method is ``async def f(self, ctx, message, ...)``; its
    further parameters are the command's arguments, converted after their annotations. What it
    returns, a ``str`` or an ``OutgoingMessage``, is sent as the reply (``None``: nothing).
    """
    if callable(name):
        return _register(name, None, (), None)
    if name is not None:
        _check_name(name, "name")
    if isinstance(aliases, str):
        raise TypeError(f"aliases must be a tuple of names, not the str {aliases!r}")
    names = tuple(_check_name(alias, "alias") for alias in aliases)

    def register(function: F) -> F:
        return _register(function, name, names, help)

    return register


def _register(function: F, name: str | None, aliases: tuple[str, ...], help: str | None) -> F:
    checked: object = function  # (iscoroutinefunction narrows its argument's type)
    if not inspect.iscoroutinefunction(checked):
        raise TypeError(
            f"@command needs an async def method, not {function!r}; write "
            "'async def name(self, ctx, message, ...)'"
        )
    text = help
    if text is None:
        doc = (inspect.getdoc(function) or "").strip()
        text = doc.splitlines()[0] if doc else ""
    setattr(function, _MARK, Command(name or function.__name__, aliases, text, function))
    return function


class CommandHandler(EventHandler):
    """An :class:`EventHandler` that routes messages to its ``@qq.command`` methods.

    Options, as class attributes of the subclass:

    * ``command_prefixes`` (``("/",)``): what a command starts with; ``""`` among them lets any
      message be a command.
    * ``prefix_optional_when_mentioned`` (True): when the bot is @-mentioned (guild or group), a
      command needs no prefix: ``@bot echo hi`` works as ``@bot /echo hi``.
    * ``prefix_optional_in_private`` (True): the same in a guild DM or a C2C chat.
    * ``case_insensitive`` (False): ``/ECHO`` finds ``echo``.
    * ``help_command`` (``"help"``): the generated help's name; None leaves it out.
    * ``answer_unknown_commands`` (False): answer ``/nosuch`` with "unknown command"; by default
      it goes to :meth:`on_message_without_command` like any message that is not a command.

    The six message handlers call :meth:`dispatch_command`; an override of one of them can
    call ``await super().on_<event>(ctx, message)`` or ``await self.dispatch_command(ctx,
    message)`` to keep the commands.
    """

    command_prefixes: tuple[str, ...] = ("/",)
    prefix_optional_when_mentioned: bool = True
    prefix_optional_in_private: bool = True
    case_insensitive: bool = False
    help_command: str | None = "help"
    answer_unknown_commands: bool = False

    commands: ClassVar[Mapping[str, Command]] = MappingProxyType({})
    """Every command by name and by alias (case-folded when ``case_insensitive``), made at class
    creation; read it, do not change it."""
    command_list: ClassVar[tuple[Command, ...]] = ()
    """The commands in definition order, each once."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Command] = {}  # attribute -> command; a subclass's wins
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                mark = getattr(value, _MARK, None)
                if isinstance(mark, Command):
                    found.pop(attribute, None)
                    found[attribute] = mark
                elif attribute in found:
                    del found[attribute]  # overridden by something that is not a command
        if isinstance(cls.command_prefixes, str) or not all(
            isinstance(prefix, str) for prefix in cls.command_prefixes
        ):
            raise TypeError(
                f"{cls.__qualname__}.command_prefixes must be a tuple of str, such as ('/',), "
                f"not {cls.command_prefixes!r}"
            )
        if not cls.command_prefixes:
            raise ValueError(
                f"{cls.__qualname__}.command_prefixes is empty; use ('',) for no prefix"
            )
        if cls.help_command is not None:
            _check_name(cls.help_command, "help_command")
        table: dict[str, Command] = {}
        owners: dict[str, str] = {}
        if cls.help_command is not None:
            owners[cls._key(cls.help_command)] = "the generated help (help_command)"
        for cmd in found.values():
            if cmd.signature is None:
                where = f"command {cmd.name!r} ({cmd.function.__qualname__})"
                cmd.signature = signature_of(cmd.function, where)
            for name in (cmd.name, *cmd.aliases):
                key = cls._key(name)
                if key in owners:
                    hint = (
                        "set help_command = None (or another name) to define your own"
                        if owners[key].startswith("the generated help")
                        else "rename one of them"
                    )
                    raise ValueError(
                        f"{cls.__qualname__}: the command name {name!r} of "
                        f"{cmd.function.__qualname__} is already taken by {owners[key]}; {hint}"
                    )
                owners[key] = cmd.function.__qualname__
                table[key] = cmd
        cls.commands = MappingProxyType(table)
        cls.command_list = tuple(found.values())

    @classmethod
    def _key(cls, name: str) -> str:
        return name.casefold() if cls.case_insensitive else name

    # ------------------------------------------------------------------ the six message events

    async def on_at_message_create(self, ctx: Context, event: Message) -> None:
        await self.dispatch_command(ctx, event, mentioned=True)

    async def on_message_create(self, ctx: Context, event: Message) -> None:
        await self.dispatch_command(ctx, event)

    async def on_direct_message_create(self, ctx: Context, event: DirectMessage) -> None:
        await self.dispatch_command(ctx, event)

    async def on_group_at_message_create(self, ctx: Context, event: GroupMessage) -> None:
        await self.dispatch_command(ctx, event, mentioned=True)

    async def on_group_message_create(self, ctx: Context, event: GroupMessage) -> None:
        await self.dispatch_command(ctx, event)

    async def on_c2c_message_create(self, ctx: Context, event: C2CMessage) -> None:
        await self.dispatch_command(ctx, event)

    # ------------------------------------------------------------------ hooks

    async def on_message_without_command(self, ctx: Context, message: AnyMessage) -> None:
        """A message that ran no command (no prefix, or an unknown name). The default ignores
        it."""

    async def on_usage_error(
        self, ctx: Context, message: AnyMessage, command: Command, error: UsageError
    ) -> None:
        """A command was called wrongly: the default replies with the error and the usage."""
        await ctx.reply(message, f"{error.message}\nusage: {command.usage(self._shown_prefix)}")

    async def on_unknown_command(self, ctx: Context, message: AnyMessage, name: str) -> None:
        """With ``answer_unknown_commands``: a prefixed name that is no command. The default
        replies with a pointer to the help."""
        text = f"unknown command {name!r}"
        if self.help_command is not None:
            text += f"; try {self._shown_prefix}{self.help_command}"
        await ctx.reply(message, text)

    # ------------------------------------------------------------------ routing

    @property
    def _shown_prefix(self) -> str:
        """The prefix the help and usage lines show (the first one)."""
        return self.command_prefixes[0]

    async def dispatch_command(
        self, ctx: Context, message: AnyMessage, *, mentioned: bool | None = None
    ) -> bool:
        """Run the command ``message`` calls, if any; True when it was a command (run, answered
        with its usage error, or the help), False when it went to
        :meth:`on_message_without_command`.

        ``mentioned`` says the bot was @-mentioned (the AT events pass True); None works it out
        from the message (a leading mention of the bot in a guild message, ``is_you`` in a
        group message's mentions).
        """
        found = self.find_command(ctx, message, mentioned=mentioned)
        if found is None:
            await self.on_message_without_command(ctx, message)
            return False
        name, rest = found
        if self.help_command is not None and self._key(name) == self._key(self.help_command):
            await ctx.reply(message, self.help_text(rest.strip()))
            return True
        cmd = self.commands.get(self._key(name))
        if cmd is None:
            if self.answer_unknown_commands:
                await self.on_unknown_command(ctx, message, name)
                return True
            await self.on_message_without_command(ctx, message)
            return False
        await self.invoke_command(ctx, message, cmd, rest)
        return True

    async def invoke_command(
        self, ctx: Context, message: AnyMessage, cmd: Command, text: str
    ) -> None:
        """Parse ``text`` (what follows the name) for ``cmd``, run it and send what it returns.
        A :class:`UsageError`, from the parsing or the command, goes to :meth:`on_usage_error`;
        any other exception propagates (to ``on_error``)."""
        assert cmd.signature is not None
        try:
            args, kwargs = cmd.signature.parse(text)
            result = await cmd.function(self, ctx, message, *args, **kwargs)
        except UsageError as error:
            await self.on_usage_error(ctx, message, cmd, error)
            return
        if result is None:
            return
        if not isinstance(result, (str, OutgoingMessage)):
            raise TypeError(
                f"command {cmd.name!r} returned {type(result).__name__}; return a str, an "
                "OutgoingMessage or None"
            )
        await ctx.reply(message, result)

    def find_command(
        self, ctx: Context, message: AnyMessage, *, mentioned: bool | None = None
    ) -> tuple[str, str] | None:
        """``(name, the text after it)`` when ``message`` is worded as a command (the name may
        be no command's), else None."""
        text = message.content or ""
        bot_id = ctx.bot.id if ctx.bot is not None else None
        addressed = False
        if isinstance(message, (DirectMessage, C2CMessage)):
            addressed = self.prefix_optional_in_private
        elif isinstance(message, Message):
            stripped = _strip_mentions(text, bot_id, anyone=bool(mentioned))
            if mentioned is None:
                mentioned = stripped is not text
            text = stripped
            addressed = mentioned and self.prefix_optional_when_mentioned
        else:  # GroupMessage
            if mentioned is None:
                mentioned = any(m.is_you for m in message.mentions or ())
            addressed = mentioned and self.prefix_optional_when_mentioned
        text = text.lstrip()
        for prefix in sorted(self.command_prefixes, key=len, reverse=True):
            if text.startswith(prefix):
                text = text[len(prefix) :]
                break
        else:
            if not addressed:
                return None
        end = 0
        while end < len(text) and not text[end].isspace():
            end += 1
        if end == 0:
            return None
        return text[:end], text[end:]

    def help_text(self, topic: str = "") -> str:
        """The generated help: every command with its one-line help, or ``topic``'s usage."""
        prefix = self._shown_prefix
        if topic:
            name = topic.split()[0].removeprefix(prefix) if prefix else topic.split()[0]
            if self.help_command is not None and self._key(name) == self._key(self.help_command):
                return (
                    f"usage: {prefix}{self.help_command} [command]\n"
                    "list the commands, or how to use one"
                )
            cmd = self.commands.get(self._key(name))
            if cmd is None:
                return f"unknown command {name!r}; try {prefix}{self.help_command or 'help'}"
            lines = [f"usage: {cmd.usage(prefix)}"]
            if cmd.help:
                lines.append(cmd.help)
            if cmd.aliases:
                lines.append("also: " + ", ".join(prefix + alias for alias in cmd.aliases))
            return "\n".join(lines)
        lines = ["commands:"]
        for cmd in self.command_list:
            line = f"{prefix}{cmd.name}"
            if cmd.help:
                line += f" - {cmd.help}"
            lines.append(line)
        if self.help_command is not None:
            lines.append(f"{prefix}{self.help_command} <command> - how to use a command")
        return "\n".join(lines)


def _strip_mentions(text: str, bot_id: str | None, *, anyone: bool) -> str:
    """``text`` without the mentions of the bot it starts with (``<@!id>``, ``<@id>``); with
    ``anyone`` (an AT event) and the bot's id unknown, any leading mentions. Returns ``text``
    itself (the same object) when there was none."""
    pos = 0
    while (match := _MENTION.match(text, pos)) is not None:
        if match.group(1) != bot_id and not (anyone and bot_id is None):
            break
        pos = match.end()
    return text if pos == 0 else text[pos:]
