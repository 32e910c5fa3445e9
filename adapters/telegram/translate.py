"""Telegram `Update` → `bot.events` values. No I/O: only reads and teaches the `Directory`.

One update can mean several events (a service message adding three members, a reaction update
adding two emoji), so `translate_update` returns a tuple, usually of length 0 or 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberRestricted,
    ChatMemberUpdated,
    Message,
    MessageEntity,
    MessageReactionUpdated,
    ReactionType,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
    Update,
    User,
)

from adapters.telegram.commands import parse_args, parse_start_payload, split_command, tokenize
from adapters.telegram.directory import ADMINISTRATOR, Directory
from bot.commands import CommandSpec
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    DirectChat,
    Event,
    MemberJoined,
    MemberLeft,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)

PLATFORM = "telegram"
GROUP_TYPES = frozenset({Chat.GROUP, Chat.SUPERGROUP})
_IN_CHAT = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER})
_ATTACHMENT_FIELDS = (
    "photo",
    "video",
    "document",
    "audio",
    "voice",
    "video_note",
    "animation",
    "sticker",
    "contact",
    "location",
    "venue",
    "poll",
    "dice",
    "story",
    "paid_media",
)


@dataclass(frozen=True, slots=True)
class TranslateContext:
    bot_id: int
    bot_username: str
    commands: Mapping[str, CommandSpec]
    directory: Directory
    now: datetime  # receipt time, for updates that carry no date (button presses)


def translate_update(update: Update, ctx: TranslateContext) -> tuple[Event, ...]:
    events = _translate(update, ctx)
    if not events:
        return events
    # stable keys, so a redelivered update does nothing: a new message by its chat and message
    # id (the same whichever bot token fetched it), anything else by the update id
    message = update.message
    base = f"m:{message.chat.id}:{message.message_id}" if message else f"u:{update.update_id}"
    if len(events) == 1:
        return (replace(events[0], key=base),)
    return tuple(replace(e, key=f"{base}:{i}") for i, e in enumerate(events))


def _translate(update: Update, ctx: TranslateContext) -> tuple[Event, ...]:
    if update.message is not None:
        return _from_message(update.message, ctx, edited=False)
    if update.edited_message is not None:
        return _from_message(update.edited_message, ctx, edited=True)
    if update.chat_member is not None:
        return _from_member_update(update.chat_member, ctx)
    if update.my_chat_member is not None:
        return _note_own_status(update.my_chat_member, ctx)
    if update.callback_query is not None:
        return _from_button(update.callback_query, ctx)
    if update.message_reaction is not None:
        return _from_reaction(update.message_reaction, ctx)
    return ()


# --- ids and people ---------------------------------------------------------------------------
def channel_id_of(message: Message) -> str:
    """The chat id, or "chat:topic" for a message in a forum topic."""
    if message.is_topic_message and message.message_thread_id:
        return f"{message.chat.id}:{message.message_thread_id}"
    return str(message.chat.id)


def actor_for(user: User, chat_id: int, directory: Directory) -> Actor:
    admin = directory.admin(chat_id, user.id)
    return Actor(
        user_id=str(user.id),
        name=user.full_name or user.username or str(user.id),
        roles=(admin.status,) if admin else (),
        is_moderator=admin is not None,
        is_admin=bool(admin and admin.full),
        is_bot=user.is_bot,
        can_dm=directory.can_dm(user.id),
    )


def _author_of(message: Message, directory: Directory) -> Actor | None:
    sender_chat = message.sender_chat
    if sender_chat is not None:
        # an anonymous administrator posts as the group itself; a linked channel as the channel
        as_group = sender_chat.id == message.chat.id
        return Actor(
            user_id=str(sender_chat.id),
            name=sender_chat.title or str(sender_chat.id),
            roles=(ADMINISTRATOR,) if as_group else (),
            is_moderator=as_group,
            is_admin=as_group,
        )
    if message.from_user is None:
        return None
    return actor_for(message.from_user, message.chat.id, directory)


def _reply_target(message: Message) -> Message | None:
    reply = message.reply_to_message
    if reply is None:
        return None
    # in a forum every message of a topic "replies" to the message that created the topic
    if message.is_topic_message and reply.message_id == message.message_thread_id:
        return None
    return reply


def _learn(message: Message, directory: Directory) -> None:
    directory.learn_user(message.from_user)
    directory.learn_chat(message.chat)
    reply = message.reply_to_message
    if reply is not None:
        directory.learn_user(reply.from_user)
    for entity in (*message.entities, *message.caption_entities):
        directory.learn_user(entity.user)
    for member in message.new_chat_members:
        directory.learn_user(member)
    directory.learn_user(message.left_chat_member)


# --- messages ---------------------------------------------------------------------------------
def _from_message(message: Message, ctx: TranslateContext, *, edited: bool) -> tuple[Event, ...]:
    chat = message.chat
    directory = ctx.directory
    if chat.type == Chat.PRIVATE:
        return () if edited else _from_private(message, ctx)
    if chat.type not in GROUP_TYPES:
        return ()
    _learn(message, directory)

    if message.new_chat_members or message.left_chat_member:
        return _from_service_membership(message, ctx)

    author = _author_of(message, directory)
    if author is None:
        return ()
    if message.from_user is not None:
        directory.remember_author(chat.id, message.message_id, message.from_user.id)

    text = message.text or message.caption or ""
    if not edited and message.text and message.text.startswith("/"):
        command = _command(message, author, ctx)
        if command is not None:
            return (command,)

    attachments = sum(1 for name in _ATTACHMENT_FIELDS if getattr(message, name, None))
    if not text and not attachments:
        return ()  # other service messages: pins, title changes, topic edits, ...

    reply = _reply_target(message)
    event_type = MessageEdited if edited else MessagePosted
    occurred_at = (message.edit_date if edited else None) or message.date
    return (
        event_type(
            platform=PLATFORM,
            community_id=str(chat.id),
            occurred_at=occurred_at,
            channel_id=channel_id_of(message),
            message_id=str(message.message_id),
            author=author,
            text=text,
            reply_to=str(reply.message_id) if reply else None,
            mentions=_mentions(message, directory),
            attachments=attachments,
            is_forward=message.forward_origin is not None,
            forwarded_from=_forward_source(message),
            sender_chat=_sender_chat(message),
        ),
    )


def _from_private(message: Message, ctx: TranslateContext) -> tuple[Event, ...]:
    """Writing to the bot is what allows it to write back. `/start` (or `/help`) is answered
    and recorded durably (`DirectChat`); `/start <payload>` from an "open a chat with me" link
    carries the community and the button it stood for (the runtime presses it there)."""
    person = message.from_user
    if person is None or person.is_bot:
        return ()
    ctx.directory.mark_dm_reachable(person.id)
    ctx.directory.learn_user(person)
    head = split_command(message.text or "", ctx.bot_username)
    if head is None or head[0] not in ("start", "help"):
        return ()
    link = parse_start_payload(head[1].strip()) if head[0] == "start" else None
    community_id, custom_id = link or ("", "")
    name = person.full_name or person.username or str(person.id)
    actor = actor_for(person, int(community_id), ctx.directory) if community_id else None
    return (
        DirectChat(
            platform=PLATFORM,
            community_id=community_id,
            occurred_at=message.date,
            user=str(person.id),
            name=name,
            why=f"/{head[0]} in a private chat",
            greet=True,
            button=custom_id,
            actor=actor,
        ),
    )


def _forward_source(message: Message) -> str | None:
    """The chat (channel or group) a forward came from, when Telegram says."""
    origin = message.forward_origin
    chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
    return str(chat.id) if chat is not None else None


def _sender_chat(message: Message) -> str | None:
    """A message posted as a channel (not the group's own anonymous admins, not the linked
    channel's automatic forwards): that channel is the author, bannable on its own."""
    chat = message.sender_chat
    if chat is None or chat.id == message.chat.id or message.is_automatic_forward:
        return None
    return str(chat.id)


def _mentions(message: Message, directory: Directory) -> tuple[str, ...]:
    """User ids of mentioned members; an @username the bot has never seen stays as written."""
    found: list[str] = []
    entities = message.parse_entities() if message.text else message.parse_caption_entities()
    for entity, written in entities.items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            found.append(str(entity.user.id))
        elif entity.type == MessageEntity.MENTION:
            user_id = directory.user_id_for(written)
            found.append(str(user_id) if user_id is not None else written)
    return tuple(dict.fromkeys(found))


def _command(message: Message, author: Actor, ctx: TranslateContext) -> CommandInvoked | None:
    text = message.text or ""
    head = split_command(text, ctx.bot_username)
    if head is None:
        return None
    name, args_text = head
    spec = ctx.commands.get(name)
    if spec is None:
        return None  # not ours: it stays an ordinary message for the other rules
    offset = len(text) - len(args_text)
    text_mentions = [
        (start - offset, end - offset, entity.user.id)
        for entity in message.entities
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None
        for start, end in [_python_span(text, entity)]
        if start >= offset
    ]
    reply = _reply_target(message)
    reply_author = reply.from_user.id if reply is not None and reply.from_user else None
    parsed = parse_args(
        spec,
        args_text,
        tokenize(args_text, text_mentions),
        resolve_username=ctx.directory.user_id_for,
        reply_author=reply_author,
    )
    return CommandInvoked(
        platform=PLATFORM,
        community_id=str(message.chat.id),
        occurred_at=message.date,
        command=spec.name,
        actor=author,
        channel_id=channel_id_of(message),
        args=parsed.args,
        target_message_id=str(reply.message_id) if reply else None,
        target_message_text=(reply.text or reply.caption) if reply else None,
        target_user_id=str(reply_author) if reply_author is not None else None,
        message_id=str(message.message_id),
    )


def _python_span(text: str, entity: MessageEntity) -> tuple[int, int]:
    """Telegram counts entity offsets in UTF-16 code units; Python strings count code points."""
    encoded = text.encode("utf-16-le")
    start = len(encoded[: entity.offset * 2].decode("utf-16-le"))
    length = len(
        encoded[entity.offset * 2 : (entity.offset + entity.length) * 2].decode("utf-16-le")
    )
    return start, start + length


# --- joins and leaves -------------------------------------------------------------------------
def _member_actor(user: User, directory: Directory) -> Actor:
    return Actor(
        user_id=str(user.id),
        name=user.full_name or user.username or str(user.id),
        is_bot=user.is_bot,
        can_dm=directory.can_dm(user.id),
    )


def _from_service_membership(message: Message, ctx: TranslateContext) -> tuple[Event, ...]:
    chat_id = message.chat.id
    events: list[Event] = []
    # where chat_member updates arrive, a join is taken from them: they name the invite link
    joins = () if ctx.directory.sends_member_updates(chat_id) else message.new_chat_members
    for user in joins:
        if user.id != ctx.bot_id and ctx.directory.note_membership(
            chat_id, user.id, True, message.date
        ):
            events.append(
                MemberJoined(
                    platform=PLATFORM,
                    community_id=str(chat_id),
                    occurred_at=message.date,
                    member=_member_actor(user, ctx.directory),
                    channel_id=channel_id_of(message),
                )
            )
    gone = message.left_chat_member
    if (
        gone is not None
        and gone.id != ctx.bot_id
        and ctx.directory.note_membership(chat_id, gone.id, False, message.date)
    ):
        events.append(
            MemberLeft(
                platform=PLATFORM,
                community_id=str(chat_id),
                occurred_at=message.date,
                member=_member_actor(gone, ctx.directory),
            )
        )
    return tuple(events)


def is_in_chat(member: ChatMember) -> bool:
    if member.status == ChatMember.RESTRICTED:
        return isinstance(member, ChatMemberRestricted) and member.is_member
    return member.status in _IN_CHAT


def _from_member_update(change: ChatMemberUpdated, ctx: TranslateContext) -> tuple[Event, ...]:
    chat = change.chat
    user = change.new_chat_member.user
    if chat.type not in GROUP_TYPES or user.id == ctx.bot_id:
        return ()
    ctx.directory.learn_user(user)
    ctx.directory.learn_chat(chat)
    ctx.directory.note_member_updates(chat.id)
    admin_statuses = {ChatMember.OWNER, ChatMember.ADMINISTRATOR}
    if {change.old_chat_member.status, change.new_chat_member.status} & admin_statuses:
        ctx.directory.forget_admins(chat.id)  # promoted or demoted: fetch the list again
    was_in, now_in = is_in_chat(change.old_chat_member), is_in_chat(change.new_chat_member)
    if was_in == now_in or not ctx.directory.note_membership(chat.id, user.id, now_in, change.date):
        return ()
    member = _member_actor(user, ctx.directory)
    if now_in:
        link = change.invite_link
        return (
            MemberJoined(
                platform=PLATFORM,
                community_id=str(chat.id),
                occurred_at=change.date,
                member=member,
                channel_id=str(chat.id),
                # only links this bot made show whole; others' end in "…": nobody's link
                invite=link.invite_link if link is not None else None,
            ),
        )
    return (
        MemberLeft(
            platform=PLATFORM, community_id=str(chat.id), occurred_at=change.date, member=member
        ),
    )


def _note_own_status(change: ChatMemberUpdated, ctx: TranslateContext) -> tuple[Event, ...]:
    """The bot's own membership: in a private chat, "kicked" means the user blocked the bot
    (and "member" that they unblocked it): durable, as a `DirectChat`."""
    if change.chat.type != Chat.PRIVATE:
        ctx.directory.forget_admins(change.chat.id)  # the bot was promoted or demoted
        return ()
    status = change.new_chat_member.status
    if status not in (ChatMember.BANNED, ChatMember.MEMBER):
        return ()
    reachable = status == ChatMember.MEMBER
    if reachable:
        ctx.directory.mark_dm_reachable(change.chat.id)
    else:
        ctx.directory.mark_dm_unreachable(change.chat.id)
    return (
        DirectChat(
            platform=PLATFORM,
            community_id="",
            occurred_at=change.date,
            user=str(change.chat.id),
            reachable=reachable,
            why="unblocked the bot" if reachable else "blocked the bot",
        ),
    )


# --- buttons and reactions --------------------------------------------------------------------
def _from_button(query: CallbackQuery, ctx: TranslateContext) -> tuple[Event, ...]:
    message = query.message
    if message is None or query.data is None:
        return ()  # inline-mode messages and games are not used by qunbot
    ctx.directory.learn_user(query.from_user)
    chat = message.chat
    if chat.type == Chat.PRIVATE:
        # a button under a direct message: it belongs to the community that sent it
        community_id = ctx.directory.dm_origin(chat.id, message.message_id)
        if community_id is None:
            return ()
        channel_id = str(chat.id)
    elif chat.type in GROUP_TYPES:
        community_id = str(chat.id)
        channel_id = channel_id_of(message) if isinstance(message, Message) else str(chat.id)
    else:
        return ()
    return (
        ButtonPressed(
            platform=PLATFORM,
            community_id=community_id,
            occurred_at=ctx.now,
            channel_id=channel_id,
            message_id=str(message.message_id),
            actor=actor_for(query.from_user, chat.id, ctx.directory),
            custom_id=query.data,
        ),
    )


def reaction_key(reaction: ReactionType) -> str:
    if isinstance(reaction, ReactionTypeEmoji):
        return reaction.emoji
    if isinstance(reaction, ReactionTypeCustomEmoji):
        return f"custom:{reaction.custom_emoji_id}"
    return str(reaction.type)  # "paid"


def _from_reaction(update: MessageReactionUpdated, ctx: TranslateContext) -> tuple[Event, ...]:
    chat = update.chat
    if chat.type not in GROUP_TYPES or update.user is None:
        return ()  # anonymous reactions (by a chat) have no member to credit
    ctx.directory.learn_user(update.user)
    before = {reaction_key(r) for r in update.old_reaction}
    added = [key for key in map(reaction_key, update.new_reaction) if key not in before]
    author = ctx.directory.author_of(chat.id, update.message_id)
    actor = actor_for(update.user, chat.id, ctx.directory)
    return tuple(
        ReactionAdded(
            platform=PLATFORM,
            community_id=str(chat.id),
            occurred_at=update.date,
            channel_id=str(chat.id),
            message_id=str(update.message_id),
            user=actor,
            emoji=emoji,
            message_author_id=str(author) if author is not None else None,
        )
        for emoji in added
    )
