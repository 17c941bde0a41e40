"""Forum (论坛) objects and events: threads, posts, replies, rich text, publish audit results."""

from __future__ import annotations

from collections.abc import Mapping

from qqproto.models._base import JSON, Model, Timestamp


class TextInfo(Model, frozen=True, kw_only=True):
    """Plain text inside rich text."""

    text: str | None = None


class AtInfo(Model, frozen=True, kw_only=True):
    """A mention inside rich text."""

    type: int | None = None
    user_info: Mapping[str, JSON] | None = None
    role_info: Mapping[str, JSON] | None = None
    guild_info: Mapping[str, JSON] | None = None


class UrlInfo(Model, frozen=True, kw_only=True):
    """A link inside rich text."""

    url: str | None = None
    display_text: str | None = None


class EmojiInfo(Model, frozen=True, kw_only=True):
    """An emoji inside rich text."""

    id: str | None = None
    type: str | None = None


class ChannelInfo(Model, frozen=True, kw_only=True):
    """A channel link inside rich text (``channel_id`` arrives as a number)."""

    channel_id: str | None = None
    channel_name: str | None = None


class RichObject(Model, frozen=True, kw_only=True):
    """One rich-text element: ``type`` 1 text, 2 at, 3 url, 4 emoji, 5 channel."""

    type: int | None = None
    text_info: TextInfo | None = None
    at_info: AtInfo | None = None
    url_info: UrlInfo | None = None
    emoji_info: EmojiInfo | None = None
    channel_info: ChannelInfo | None = None


RichText = str | tuple[RichObject, ...]
"""Forum title/content: a string (REST answers: plain or JSON-encoded) or rich objects (events)."""


class ThreadInfo(Model, frozen=True, kw_only=True):
    """A thread's body."""

    thread_id: str | None = None
    title: RichText | None = None
    content: RichText | None = None
    date_time: Timestamp | None = None


class Thread(Model, frozen=True, kw_only=True):
    """A forum thread (``GET /channels/{channel_id}/threads``, FORUM_THREAD_* events)."""

    guild_id: str | None = None
    channel_id: str | None = None
    author_id: str | None = None
    thread_info: ThreadInfo | None = None
    event_id: str | None = None


class ThreadList(Model, frozen=True, kw_only=True):
    """``GET /channels/{channel_id}/threads``; ``is_finish`` arrives as 0/1."""

    threads: tuple[Thread, ...] | None = None
    is_finish: bool | None = None


class ThreadPublished(Model, frozen=True, kw_only=True):
    """Answer of ``PUT /channels/{channel_id}/threads``."""

    task_id: str | None = None
    create_time: Timestamp | None = None


class PostInfo(Model, frozen=True, kw_only=True):
    """A post (comment on a thread)."""

    thread_id: str | None = None
    post_id: str | None = None
    content: RichText | None = None
    date_time: Timestamp | None = None


class Post(Model, frozen=True, kw_only=True):
    """FORUM_POST_CREATE / FORUM_POST_DELETE."""

    guild_id: str | None = None
    channel_id: str | None = None
    author_id: str | None = None
    post_info: PostInfo | None = None
    event_id: str | None = None


class ReplyInfo(Model, frozen=True, kw_only=True):
    """A reply to a post."""

    thread_id: str | None = None
    post_id: str | None = None
    reply_id: str | None = None
    content: RichText | None = None
    date_time: Timestamp | None = None


class Reply(Model, frozen=True, kw_only=True):
    """FORUM_REPLY_CREATE / FORUM_REPLY_DELETE."""

    guild_id: str | None = None
    channel_id: str | None = None
    author_id: str | None = None
    reply_info: ReplyInfo | None = None
    event_id: str | None = None


class ForumAuditResult(Model, frozen=True, kw_only=True):
    """FORUM_PUBLISH_AUDIT_RESULT. ``type``: 1 thread, 2 post, 3 reply; ``result`` 0 = passed."""

    guild_id: str | None = None
    channel_id: str | None = None
    author_id: str | None = None
    thread_id: str | None = None
    post_id: str | None = None
    reply_id: str | None = None
    type: int | None = None
    result: int | None = None
    err_msg: str | None = None
    event_id: str | None = None


class OpenForumEvent(Model, frozen=True, kw_only=True):
    """OPEN_FORUM_THREAD_* / OPEN_FORUM_POST_* / OPEN_FORUM_REPLY_* (public-domain forum)."""

    guild_id: str | None = None
    channel_id: str | None = None
    author_id: str | None = None
    event_id: str | None = None
