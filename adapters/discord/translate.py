"""Discord objects → `bot.events` values. Pure functions: they read the objects they are given and
never call Discord, so they are cheap to test and safe to call from any handler.

Ids become strings (`community_id` = guild id, `channel_id` = channel or thread id), times are the
platform's own timestamps (timezone-aware UTC), and the actor's standing is read from guild
permissions. Messages outside a guild (DMs) and system messages ("X pinned a message") translate
to `None`: events need a community, and joins arrive through `on_member_join` anyway.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.events import (
    Actor,
    ButtonPressed,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)

PLATFORM = "discord"

# Message types a person writes; everything else is a system notice.
_USER_MESSAGE_TYPES = frozenset(
    {discord.MessageType.default, discord.MessageType.reply, discord.MessageType.chat_input_command}
)


def actor(user: discord.Member | discord.User | discord.abc.User) -> Actor:
    """A member's standing: role names (without @everyone) and moderator/admin from permissions.

    A plain `User` (not cached as a member, or a webhook) has no roles and no permissions.
    """
    name = getattr(user, "display_name", None) or user.name
    if isinstance(user, discord.Member):
        perms = user.guild_permissions
        roles = tuple(role.name for role in user.roles if not role.is_default())
        return Actor(
            user_id=str(user.id),
            name=name,
            roles=roles,
            is_moderator=perms.manage_messages or perms.moderate_members or perms.kick_members,
            is_admin=perms.administrator,
            is_bot=user.bot,
        )
    return Actor(user_id=str(user.id), name=name, is_bot=bool(getattr(user, "bot", False)))


def _forward_snapshot(message: discord.Message) -> discord.MessageSnapshot | None:
    ref = message.reference
    if ref is not None and ref.type is discord.MessageReferenceType.forward:
        snapshots = message.message_snapshots
        return snapshots[0] if snapshots else None
    return None


def is_forward(message: discord.Message) -> bool:
    ref = message.reference
    return ref is not None and ref.type is discord.MessageReferenceType.forward


def _message_fields(message: discord.Message) -> dict[str, object] | None:
    guild = message.guild
    if guild is None or message.type not in _USER_MESSAGE_TYPES:
        return None
    author = actor(message.author)
    if message.webhook_id is not None and not author.is_bot:
        # webhook posts (other bots, integrations) are never a person typing
        author = Actor(user_id=author.user_id, name=author.name, is_bot=True)
    text = message.content
    attachments = len(message.attachments)
    forwarded = is_forward(message)
    snapshot = _forward_snapshot(message)
    if snapshot is not None:
        # a forward carries its content in the snapshot; rules must see what was forwarded
        text = text or snapshot.content
        attachments += len(snapshot.attachments)
    ref = message.reference
    reply_to = (
        str(ref.message_id)
        if ref is not None and not forwarded and ref.message_id is not None
        else None
    )
    return {
        "platform": PLATFORM,
        "community_id": str(guild.id),
        "channel_id": str(message.channel.id),
        "message_id": str(message.id),
        "author": author,
        "text": text,
        "reply_to": reply_to,
        "mentions": tuple(str(user.id) for user in message.mentions),
        "attachments": attachments,
        "is_forward": forwarded,
    }


def message_posted(message: discord.Message) -> MessagePosted | None:
    fields = _message_fields(message)
    if fields is None:
        return None
    key = f"m:{message.id}"  # stable ids: a redelivered event is recognised (every event once)
    return MessagePosted(occurred_at=message.created_at, key=key, **fields)  # type: ignore[arg-type]


def message_edited(
    message: discord.Message, before: discord.Message | None = None
) -> MessageEdited | None:
    """An edit a person made. Discord also sends updates when it unfurls a link preview; those
    have no `edited_at` (or the same text as before) and translate to `None`."""
    if message.edited_at is None:
        return None
    if before is not None and before.content == message.content:
        return None
    fields = _message_fields(message)
    if fields is None:
        return None
    key = f"e:{message.id}:{message.edited_at.isoformat()}"
    return MessageEdited(occurred_at=message.edited_at, key=key, **fields)  # type: ignore[arg-type]


def message_deleted(payload: discord.RawMessageDeleteEvent, now: datetime) -> MessageDeleted | None:
    if payload.guild_id is None:
        return None
    cached = payload.cached_message
    return MessageDeleted(
        platform=PLATFORM,
        community_id=str(payload.guild_id),
        occurred_at=now,
        key=f"d:{payload.message_id}",
        channel_id=str(payload.channel_id),
        message_id=str(payload.message_id),
        author_id=str(cached.author.id) if cached is not None else None,
    )


def messages_bulk_deleted(
    payload: discord.RawBulkMessageDeleteEvent, now: datetime
) -> list[MessageDeleted]:
    if payload.guild_id is None:
        return []
    authors = {m.id: str(m.author.id) for m in payload.cached_messages}
    return [
        MessageDeleted(
            platform=PLATFORM,
            community_id=str(payload.guild_id),
            occurred_at=now,
            key=f"d:{message_id}",
            channel_id=str(payload.channel_id),
            message_id=str(message_id),
            author_id=authors.get(message_id),
        )
        for message_id in sorted(payload.message_ids)
    ]


def member_joined(
    member: discord.Member, now: datetime, invite: str | None = None, invite_note: str = ""
) -> MemberJoined:
    """`invite`/`invite_note`: what the invite tracker found (see invites.py)."""
    system = member.guild.system_channel
    return MemberJoined(
        platform=PLATFORM,
        community_id=str(member.guild.id),
        occurred_at=member.joined_at or now,
        key=f"j:{member.id}:{member.joined_at.isoformat()}" if member.joined_at else None,
        member=actor(member),
        channel_id=str(system.id) if system is not None else None,
        invite=invite,
        invite_note=invite_note,
    )


def member_left(payload: discord.RawMemberRemoveEvent, now: datetime) -> MemberLeft:
    return MemberLeft(
        platform=PLATFORM,
        community_id=str(payload.guild_id),
        occurred_at=now,
        member=actor(payload.user),
    )


def emoji_text(emoji: discord.PartialEmoji | discord.Emoji | str) -> str:
    """A unicode emoji as itself; a custom server emoji by its name (what a playbook can write)."""
    if isinstance(emoji, str):
        return emoji
    if emoji.id is None:
        return emoji.name or ""
    return emoji.name or str(emoji.id)


def reaction_added(payload: discord.RawReactionActionEvent, now: datetime) -> ReactionAdded | None:
    if payload.guild_id is None:
        return None
    who = payload.member
    user = actor(who) if who is not None else Actor(user_id=str(payload.user_id))
    author_id = payload.message_author_id
    return ReactionAdded(
        platform=PLATFORM,
        community_id=str(payload.guild_id),
        occurred_at=now,
        key=f"r:{payload.message_id}:{payload.user_id}:{emoji_text(payload.emoji)}",
        channel_id=str(payload.channel_id),
        message_id=str(payload.message_id),
        user=user,
        emoji=emoji_text(payload.emoji),
        message_author_id=str(author_id) if author_id is not None else None,
    )


def button_pressed(interaction: discord.Interaction) -> ButtonPressed | None:
    """A press on a button the bot posted (component interaction) inside a guild."""
    if interaction.type is not discord.InteractionType.component or interaction.guild_id is None:
        return None
    data = interaction.data or {}
    custom_id = data.get("custom_id")
    message = interaction.message
    if not custom_id or message is None:
        return None
    return ButtonPressed(
        platform=PLATFORM,
        community_id=str(interaction.guild_id),
        occurred_at=interaction.created_at,
        key=f"i:{interaction.id}",
        channel_id=str(interaction.channel_id),
        message_id=str(message.id),
        actor=actor(interaction.user),
        custom_id=str(custom_id),
    )
