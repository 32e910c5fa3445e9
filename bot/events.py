"""Normalized, immutable events: what adapters hand to the engine.

Events carry platform-neutral ids only. A rule may read any field here and nothing platform
specific, so the same playbook behaves the same on Discord, Telegram and the console.
Their `__init__` is `quick_init`'s (every message is one or two of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

from bot.frozen import quick_init


@quick_init  # made for every event an adapter reads
@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something, with what standing in the community."""

    user_id: str
    name: str = ""
    roles: tuple[str, ...] = ()
    is_moderator: bool = False
    is_admin: bool = False
    is_bot: bool = False
    # Telegram can only DM members who started the bot; Discord members are always reachable.
    can_dm: bool = True

    @property
    def display(self) -> str:
        return self.name or self.user_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    kind: ClassVar[str] = "event"

    platform: str
    community_id: str
    occurred_at: datetime
    # stable id from the platform (Telegram update / chat+message id, Discord message or
    # interaction id, a replay line's id): an event whose key was handled does nothing again.
    # None: not deduplicated (scheduler ticks, tests)
    key: str | None = None

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("event times must be timezone-aware (use UTC)")

    @property
    def user_id(self) -> str | None:
        """The member this event is about, if any."""
        return None


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    kind: ClassVar[str] = "message"

    channel_id: str
    message_id: str
    author: Actor
    text: str = ""
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()
    attachments: int = 0
    is_forward: bool = False
    forwarded_from: str | None = None  # the channel or chat a forward came from, when known
    sender_chat: str | None = None  # posted as a channel or group (Telegram), not as a person

    @property
    def user_id(self) -> str:
        return self.author.user_id


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEdited(MessagePosted):
    kind: ClassVar[str] = "edit"


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(Event):
    kind: ClassVar[str] = "delete"

    channel_id: str
    message_id: str
    author_id: str | None = None

    @property
    def user_id(self) -> str | None:
        return self.author_id


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    kind: ClassVar[str] = "join"

    member: Actor
    channel_id: str | None = None  # where the platform showed the join, if anywhere
    # the invite link (or code) the member joined through, when the platform can tell
    invite: str | None = None
    # why the platform could not tell: "ambiguous" (two invites moved), "vanity" (the server's
    # vanity URL), "unavailable" (invites could not be read); empty when it could, or no link
    invite_note: str = ""

    @property
    def user_id(self) -> str:
        return self.member.user_id


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    kind: ClassVar[str] = "leave"

    member: Actor

    @property
    def user_id(self) -> str:
        return self.member.user_id


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    kind: ClassVar[str] = "reaction"

    channel_id: str
    message_id: str
    user: Actor
    emoji: str
    message_author_id: str | None = None

    @property
    def user_id(self) -> str:
        return self.user.user_id


def _freeze(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Event):
    """A slash command (or `/cmd` text command), already parsed into named arguments."""

    kind: ClassVar[str] = "command"

    command: str
    actor: Actor
    channel_id: str
    args: Mapping[str, Any] = field(default_factory=dict)
    # the message the command was used on (reply-to on Telegram, context menu on Discord)
    target_message_id: str | None = None
    target_message_text: str | None = None
    target_user_id: str | None = None
    message_id: str | None = None

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        object.__setattr__(self, "args", _freeze(self.args))

    @property
    def user_id(self) -> str:
        return self.actor.user_id


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(Event):
    """An inline button (Telegram) or component (Discord) the bot posted was pressed."""

    kind: ClassVar[str] = "button"

    channel_id: str
    message_id: str
    actor: Actor
    custom_id: str

    @property
    def user_id(self) -> str:
        return self.actor.user_id


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class Tick(Event):
    """The scheduler woke up: due steps and periodic sweeps run on this event."""

    kind: ClassVar[str] = "tick"

    job: str = "sweep"


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class DirectChat(Event):
    """A person opened a private chat with the bot (Telegram: `/start`), or blocked it. It
    concerns no one community (`community_id` is empty unless they came by a community's link):
    whether the bot may write to someone privately is a fact of the platform, kept durably for
    every community they are in."""

    kind: ClassVar[str] = "direct"

    user: str
    reachable: bool = True
    why: str = ""
    name: str = ""
    # they asked (`/start`, `/help`): answer with a short help. `community_id` is set when they
    # came from a community's "open a chat with me" link (its playbook's language is used)
    greet: bool = False
    # the link's button (e.g. "welcome.dm"), pressed in that community by `actor`
    button: str = ""
    actor: Actor | None = None

    @property
    def user_id(self) -> str:
        return self.user


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        MessagePosted,
        MessageEdited,
        MessageDeleted,
        MemberJoined,
        MemberLeft,
        ReactionAdded,
        CommandInvoked,
        ButtonPressed,
        Tick,
        DirectChat,
    )
}
