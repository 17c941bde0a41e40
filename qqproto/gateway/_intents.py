"""Gateway intents: which event groups a connection subscribes to.

``Intents`` is an ``IntFlag`` with botrs-style builders
(``Intents.none().with_public_guild_messages()``), set operators from ``IntFlag``, a readable
repr, and :meth:`Intents.privileged` for the bits that need the platform's approval (asking for
them without permission closes the gateway with 4013/4014).
"""

from __future__ import annotations

import enum


class Intents(enum.IntFlag):
    """Bitmask of gateway event groups (values from the platform's intent table)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGE = 1 << 12
    OPEN_FORUMS_EVENT = 1 << 18
    AUDIO_OR_LIVE_CHANNEL_MEMBER = 1 << 19
    ENTER_AIO = 1 << 23
    GROUP_MEMBERS = 1 << 24
    GROUP_AND_C2C_EVENT = 1 << 25
    INTERACTION = 1 << 26
    MESSAGE_AUDIT = 1 << 27
    FORUMS_EVENT = 1 << 28
    AUDIO_ACTION = 1 << 29
    PUBLIC_GUILD_MESSAGES = 1 << 30

    @classmethod
    def none(cls) -> Intents:
        """No intents; add groups with the ``with_*`` builders."""
        return cls(0)

    @classmethod
    def all(cls) -> Intents:
        """Every known intent, privileged ones included (needs approval for most of them)."""
        value = cls(0)
        for member in cls:
            value |= member
        return value

    @classmethod
    def default(cls) -> Intents:
        """Every intent except the private-domain ones (GUILD_MESSAGES, FORUMS_EVENT) and the
        uncertain extensions (ENTER_AIO, GROUP_MEMBERS)."""
        return cls.all() & ~(
            cls.GUILD_MESSAGES | cls.FORUMS_EVENT | cls.ENTER_AIO | cls.GROUP_MEMBERS
        )

    @classmethod
    def basic(cls) -> Intents:
        """The intents every bot may use without approval."""
        return cls.GUILDS | cls.GUILD_MEMBERS | cls.PUBLIC_GUILD_MESSAGES

    def privileged(self) -> Intents:
        """The bits of this set that need the platform's approval."""
        return self & ~Intents.basic()

    def has_privileged(self) -> bool:
        """Whether any bit of this set needs approval."""
        return bool(self.privileged())

    def names(self) -> list[str]:
        """Names of the known bits set, in bit order."""
        return [m.name for m in Intents if m.name is not None and m in self]

    def __repr__(self) -> str:
        known = self.names()
        unknown = int(self) & ~int(Intents.all())
        parts = known + ([hex(unknown)] if unknown else [])
        return f"Intents({' | '.join(parts) or '0'})"

    __str__ = __repr__

    def with_guilds(self) -> Intents:
        return self | Intents.GUILDS

    def with_guild_members(self) -> Intents:
        return self | Intents.GUILD_MEMBERS

    def with_guild_messages(self) -> Intents:
        return self | Intents.GUILD_MESSAGES

    def with_guild_message_reactions(self) -> Intents:
        return self | Intents.GUILD_MESSAGE_REACTIONS

    def with_direct_message(self) -> Intents:
        return self | Intents.DIRECT_MESSAGE

    def with_open_forums_event(self) -> Intents:
        return self | Intents.OPEN_FORUMS_EVENT

    def with_audio_or_live_channel_member(self) -> Intents:
        return self | Intents.AUDIO_OR_LIVE_CHANNEL_MEMBER

    def with_enter_aio(self) -> Intents:
        return self | Intents.ENTER_AIO

    def with_group_members(self) -> Intents:
        return self | Intents.GROUP_MEMBERS

    def with_group_and_c2c_event(self) -> Intents:
        return self | Intents.GROUP_AND_C2C_EVENT

    def with_interaction(self) -> Intents:
        return self | Intents.INTERACTION

    def with_message_audit(self) -> Intents:
        return self | Intents.MESSAGE_AUDIT

    def with_forums_event(self) -> Intents:
        return self | Intents.FORUMS_EVENT

    def with_audio_action(self) -> Intents:
        return self | Intents.AUDIO_ACTION

    def with_public_guild_messages(self) -> Intents:
        return self | Intents.PUBLIC_GUILD_MESSAGES

    # botrs/botpy spellings, so ported code reads the same.
    with_public_messages = with_group_and_c2c_event
    with_forums = with_forums_event
    with_open_forum_event = with_open_forums_event
