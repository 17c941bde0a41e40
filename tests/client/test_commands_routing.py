"""The command router without a network: prefixes, mentions, scenes, help, usage errors and
registration errors, with a context that records the replies (``qqproto.client._commands``)."""

from __future__ import annotations

import functools
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qqproto.client import OutgoingMessage
from qqproto.client._command_parse import Rest, UsageError
from qqproto.client._commands import Command, CommandHandler, command
from qqproto.models import C2CMessage, DirectMessage, GroupMessage, Message, User
from qqproto.outgoing import Markdown

pytestmark = pytest.mark.anyio
BOT = "4242"


class FakeContext:
    """What the router uses of a ``Context``: ``bot`` and ``reply``."""

    def __init__(self, bot_id: str | None = BOT) -> None:
        self.bot = User(id=bot_id, username="bot") if bot_id is not None else None
        self.replies: list[tuple[Any, Any]] = []

    async def reply(self, event: Any, message: Any = None, **fields: Any) -> None:
        self.replies.append((event, message))

    def texts(self) -> list[str]:
        return [
            m.content or "" if isinstance(m, OutgoingMessage) else str(m) for _, m in self.replies
        ]


class Bot(CommandHandler):
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.plain: list[Any] = []

    @command("echo", aliases=("say",), help="repeat the text")
    async def echo(self, ctx: Any, message: Any, text: Rest) -> str:
        self.calls.append(("echo", (text,)))
        return text

    @command
    async def add(self, ctx: Any, message: Any, a: int, b: int = 1) -> str:
        """add two numbers

        (the first docstring line is the help)"""
        return str(a + b)

    @command("mode")
    async def set_mode(self, ctx: Any, message: Any, mode: Literal["on", "off"]) -> None:
        self.calls.append(("mode", (mode,)))

    @command("card")
    async def card(self, ctx: Any, message: Any) -> OutgoingMessage:
        return OutgoingMessage(content="a card", markdown=Markdown(content="**hi**"))

    @command("positive")
    async def positive(self, ctx: Any, message: Any, n: int) -> str:
        if n <= 0:
            raise UsageError("n must be positive")
        return "ok"

    @command("boom")
    async def boom(self, ctx: Any, message: Any) -> None:
        raise RuntimeError("command bug")

    @command("wrong")
    async def wrong(self, ctx: Any, message: Any) -> int:
        return 3

    async def on_message_without_command(self, ctx: Any, message: Any) -> None:
        self.plain.append(message)


def guild(content: str) -> Message:
    return Message(id="m1", channel_id="c1", guild_id="g1", content=content)


def group(content: str) -> GroupMessage:
    return GroupMessage(id="m2", group_openid="G", content=content)


def c2c(content: str) -> C2CMessage:
    return C2CMessage(id="m3", content=content)


def dm(content: str) -> DirectMessage:
    return DirectMessage(id="m4", guild_id="dg", content=content)


async def test_commands_in_every_scene() -> None:
    bot, ctx = Bot(), FakeContext()
    await bot.on_at_message_create(ctx, guild(f"<@!{BOT}> /echo hi there"))  # type: ignore[arg-type]
    await bot.on_message_create(ctx, guild("/say in channel"))  # type: ignore[arg-type]
    await bot.on_direct_message_create(ctx, dm("/echo dm"))  # type: ignore[arg-type]
    await bot.on_group_at_message_create(ctx, group(" /echo group"))  # type: ignore[arg-type]
    await bot.on_group_message_create(ctx, group("/echo all"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("/echo c2c"))  # type: ignore[arg-type]
    assert ctx.texts() == ["hi there", "in channel", "dm", "group", "all", "c2c"]


async def test_prefix_optional_when_addressed_only() -> None:
    bot, ctx = Bot(), FakeContext()
    await bot.on_at_message_create(ctx, guild(f"<@!{BOT}> echo a"))  # type: ignore[arg-type]
    await bot.on_group_at_message_create(ctx, group(" echo b"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("echo c"))  # type: ignore[arg-type]
    await bot.on_direct_message_create(ctx, dm("echo d"))  # type: ignore[arg-type]
    assert ctx.texts() == ["a", "b", "c", "d"]
    # not addressed: a guild message without the bot's mention, a group message for everyone
    await bot.on_message_create(ctx, guild("echo e"))  # type: ignore[arg-type]
    await bot.on_message_create(ctx, guild("<@!999> echo f"))  # type: ignore[arg-type]
    await bot.on_group_message_create(ctx, group("echo g"))  # type: ignore[arg-type]
    assert ctx.texts() == ["a", "b", "c", "d"]
    assert [m.content for m in bot.plain] == ["echo e", "<@!999> echo f", "echo g"]
    # a guild message that starts with the bot's mention is addressed to it
    await bot.on_message_create(ctx, guild(f"<@{BOT}> echo h"))  # type: ignore[arg-type]
    assert ctx.texts()[-1] == "h"


async def test_prefix_required_when_configured() -> None:
    class Strict(Bot):
        command_prefixes = ("!", "bot:")
        prefix_optional_when_mentioned = False
        prefix_optional_in_private = False

    bot, ctx = Strict(), FakeContext()
    await bot.on_group_at_message_create(ctx, group(" echo a"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("echo b"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("/echo c"))  # type: ignore[arg-type]
    assert ctx.texts() == []
    await bot.on_c2c_message_create(ctx, c2c("!echo d"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("bot:echo e"))  # type: ignore[arg-type]
    assert ctx.texts() == ["d", "e"]
    assert len(bot.plain) == 3


async def test_case_insensitive_names() -> None:
    class Loose(Bot):
        case_insensitive = True

    bot, ctx = Bot(), FakeContext()
    await bot.on_c2c_message_create(ctx, c2c("/ECHO x"))  # type: ignore[arg-type]
    assert ctx.texts() == []
    loose = Loose()
    await loose.on_c2c_message_create(ctx, c2c("/ECHO x"))  # type: ignore[arg-type]
    await loose.on_c2c_message_create(ctx, c2c("/Say y"))  # type: ignore[arg-type]
    assert ctx.texts() == ["x", "y"]


async def test_usage_errors_are_answered_with_the_usage_line() -> None:
    bot, ctx = Bot(), FakeContext()
    for text in ("/add", "/add x", "/add 1 2 3", "/mode maybe", "/echo", "/positive 0"):
        await bot.on_c2c_message_create(ctx, c2c(text))  # type: ignore[arg-type]
    assert ctx.texts() == [
        "missing <a>\nusage: /add <a> [b]",
        "<a>: 'x' is not a whole number\nusage: /add <a> [b]",
        "too many arguments: '3'\nusage: /add <a> [b]",
        "<mode: on|off>: 'maybe' is not one of: on|off\nusage: /mode <mode: on|off>",
        "missing <text...>\nusage: /echo <text...>",
        "n must be positive\nusage: /positive <n>",
    ]
    assert all(event.content for event, _ in ctx.replies)  # each replies to its message


async def test_return_values() -> None:
    bot, ctx = Bot(), FakeContext()
    await bot.on_c2c_message_create(ctx, c2c("/add 2 3"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("/mode ON"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("/card"))  # type: ignore[arg-type]
    assert ctx.texts() == ["5", "a card"]
    assert bot.calls == [("mode", ("on",))]
    assert ctx.replies[-1][1].markdown == Markdown(content="**hi**")
    with pytest.raises(TypeError, match="returned int; return a str, an OutgoingMessage or None"):
        await bot.on_c2c_message_create(ctx, c2c("/wrong"))  # type: ignore[arg-type]


async def test_a_command_exception_propagates_to_the_dispatcher() -> None:
    bot, ctx = Bot(), FakeContext()
    with pytest.raises(RuntimeError, match="command bug"):
        await bot.on_c2c_message_create(ctx, c2c("/boom"))  # type: ignore[arg-type]
    assert ctx.replies == []


async def test_unknown_commands_ignored_or_answered() -> None:
    bot, ctx = Bot(), FakeContext()
    assert not await bot.dispatch_command(ctx, c2c("/nosuch"))  # type: ignore[arg-type]
    assert ctx.replies == [] and len(bot.plain) == 1

    class Answering(Bot):
        answer_unknown_commands = True

    answering = Answering()
    assert await answering.dispatch_command(ctx, c2c("/nosuch 1"))  # type: ignore[arg-type]
    assert ctx.texts() == ["unknown command 'nosuch'; try /help"]
    assert answering.plain == []


async def test_help() -> None:
    bot, ctx = Bot(), FakeContext()
    await bot.on_c2c_message_create(ctx, c2c("/help"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("/help echo"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("/help /say"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("/help nosuch"))  # type: ignore[arg-type]
    await bot.on_c2c_message_create(ctx, c2c("/help help"))  # type: ignore[arg-type]
    listing, echo, say, nosuch, about_help = ctx.texts()
    assert listing.splitlines() == [
        "commands:",
        "/echo - repeat the text",
        "/add - add two numbers",
        "/mode",
        "/card",
        "/positive",
        "/boom",
        "/wrong",
        "/help <command> - how to use a command",
    ]
    assert echo == say == "usage: /echo <text...>\nrepeat the text\nalso: /say"
    assert nosuch == "unknown command 'nosuch'; try /help"
    assert about_help.startswith("usage: /help [command]")


async def test_help_renamed_or_disabled() -> None:
    class Renamed(Bot):
        help_command = "commands"

    class NoHelp(Bot):
        help_command = None

        @command("help")
        async def own_help(self, ctx: Any, message: Any) -> str:
            return "my help"

    ctx = FakeContext()
    await Renamed().on_c2c_message_create(ctx, c2c("/commands add"))  # type: ignore[arg-type]
    await Renamed().on_c2c_message_create(ctx, c2c("/help"))  # type: ignore[arg-type]
    await NoHelp().on_c2c_message_create(ctx, c2c("/help"))  # type: ignore[arg-type]
    assert ctx.texts() == ["usage: /add <a> [b]\nadd two numbers", "my help"]


async def test_user_overrides_keep_the_commands() -> None:
    seen: list[str] = []

    class Mine(Bot):
        async def on_c2c_message_create(self, ctx: Any, message: Any) -> None:
            seen.append(message.content)
            await super().on_c2c_message_create(ctx, message)

        async def on_group_at_message_create(self, ctx: Any, message: Any) -> None:
            if not await self.dispatch_command(ctx, message, mentioned=True):
                seen.append("not a command")

    bot, ctx = Mine(), FakeContext()
    await bot.on_c2c_message_create(ctx, c2c("/echo 1"))
    await bot.on_group_at_message_create(ctx, group(" /echo 2"))
    await bot.on_group_at_message_create(ctx, group(" hello"))
    assert ctx.texts() == ["1", "2"]
    assert seen == ["/echo 1", "not a command"]


async def test_mentions_without_a_known_bot_id() -> None:
    bot, ctx = Bot(), FakeContext(bot_id=None)
    await bot.on_at_message_create(ctx, guild("<@!77> echo x"))  # type: ignore[arg-type]
    await bot.on_message_create(ctx, guild("<@!77> echo y"))  # type: ignore[arg-type]
    assert ctx.texts() == ["x"]


async def test_group_message_mentioning_the_bot_is_addressed() -> None:
    from qqproto.models import GroupMention

    bot, ctx = Bot(), FakeContext()
    message = GroupMessage(
        id="m", group_openid="G", content=" echo z", mentions=(GroupMention(is_you=True),)
    )
    await bot.on_group_message_create(ctx, message)  # type: ignore[arg-type]
    assert ctx.texts() == ["z"]


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["at", "message", "group", "c2c"]))
def test_any_content_runs_or_answers_or_is_ignored(content: str, scene: str) -> None:
    """Arbitrary text never raises out of the router (the commands here do not raise)."""
    import anyio

    class Safe(CommandHandler):
        @command
        async def echo(self, ctx: Any, message: Any, text: Rest) -> str:
            return text

        @command
        async def nums(self, ctx: Any, message: Any, a: int, *b: float) -> None: ...

        @command
        async def pick(self, ctx: Any, message: Any, x: Literal["a"] | None = None) -> None: ...

    bot, ctx = Safe(), FakeContext()
    event: Any = group(content) if scene == "group" else c2c(content) if scene == "c2c" else None
    event = event or guild(content)
    anyio.run(functools.partial(bot.dispatch_command, mentioned=scene == "at"), ctx, event)
    assert len(ctx.replies) <= 1


# ------------------------------------------------------------------------------ registration


def test_registration_table() -> None:
    assert set(Bot.commands) == {"echo", "say", "add", "mode", "card", "positive", "boom", "wrong"}
    assert Bot.commands["say"] is Bot.commands["echo"]
    assert isinstance(Bot.commands["mode"], Command)
    assert Bot.commands["mode"].usage("/") == "/mode <mode: on|off>"
    assert Bot.commands["add"].help == "add two numbers"
    assert [c.name for c in Bot.command_list][:2] == ["echo", "add"]
    assert CommandHandler.commands == {}


def test_a_subclass_inherits_and_overrides_commands() -> None:
    class Child(Bot):
        @command("echo", help="shout")
        async def echo(self, ctx: Any, message: Any, text: Rest) -> str:
            return text.upper()

        wrong = None  # type: ignore[assignment]

    assert Child.commands["echo"].help == "shout"
    assert "say" not in Child.commands and "wrong" not in Child.commands
    assert "add" in Child.commands


def test_duplicate_names_are_value_errors() -> None:
    with pytest.raises(ValueError, match=r"'say' of .*two is already taken by .*one; rename"):

        class Dup(CommandHandler):
            @command(aliases=("say",))
            async def one(self, ctx: Any, message: Any) -> None: ...

            @command("say")
            async def two(self, ctx: Any, message: Any) -> None: ...

    with pytest.raises(ValueError, match=r"'Help'.*generated help.*help_command = None"):

        class Clash(CommandHandler):
            case_insensitive = True

            @command("Help")
            async def mine(self, ctx: Any, message: Any) -> None: ...


def test_bad_registrations() -> None:
    with pytest.raises(ValueError, match="non-empty str without spaces"):
        command("two words")
    with pytest.raises(ValueError, match="alias"):
        command("x", aliases=("",))
    with pytest.raises(TypeError, match="tuple of names"):
        command("x", aliases="xy")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="async def"):

        @command("sync")  # type: ignore[type-var]
        def sync(self: Any, ctx: Any, message: Any) -> None: ...

    with pytest.raises(TypeError, match=r"command 'bad' .*parameter 'x': unsupported annotation"):

        class Bad(CommandHandler):
            @command("bad")
            async def bad(self, ctx: Any, message: Any, x: list[int]) -> None: ...

    with pytest.raises(TypeError, match="command_prefixes must be a tuple of str"):

        class BadPrefix(CommandHandler):
            command_prefixes = "/"  # type: ignore[assignment]

    with pytest.raises(ValueError, match="command_prefixes is empty"):

        class NoPrefix(CommandHandler):
            command_prefixes = ()
