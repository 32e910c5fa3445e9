"""Perform `bot.actions` values with the Bot API."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from telegram import (
    Bot,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
    ReplyParameters,
    User,
)
from telegram.constants import MessageLimit, PollLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from adapters.telegram.commands import start_payload
from adapters.telegram.directory import ChatAdmin, Directory
from adapters.telegram.errors import to_platform_error
from bot.actions import (
    Action,
    AlertModerators,
    Ban,
    Button,
    CreateInvite,
    DeleteMessage,
    Kick,
    Post,
    RemoveTimeout,
    Reply,
    SendDirect,
    SendFile,
    Timeout,
    Unban,
    Warn,
)
from bot.adapter import MODERATOR_CHANNEL_NAMES, ActionResult, PlatformError
from bot.events import Actor

log = logging.getLogger(__name__)

_CHAT_REF = re.compile(r"^(-?\d+)(?::(\d+))?$")
BUTTONS_PER_ROW = 3
# Telegram reads an until_date under 30 s away as "forever"; a short mute must stay short
MIN_RESTRICTION = timedelta(seconds=31)
POLL_MIN_OPTIONS = 2
UNSUPPORTED = {
    "add_role": "Telegram groups have no roles; use administrator titles or a separate chat.",
    "remove_role": "Telegram groups have no roles; use administrator titles or a separate chat.",
}


def resolve_channel(community_id: str, channel_id: str | None) -> tuple[int, int | None]:
    """(chat id, forum topic id) for "-100123", "-100123:7", or a playbook channel name.

    A Telegram community is one chat, so a name such as "general" or "mod-log" means that chat.
    """
    match = _CHAT_REF.match(channel_id or "")
    if match:
        return int(match.group(1)), int(match.group(2)) if match.group(2) else None
    return int(community_id), None


def is_moderator_channel(channel_id: str | None) -> bool:
    """True for a playbook channel name such as "mod-log" or "#Moderators"."""
    name = (channel_id or "").strip().lstrip("#").strip().casefold().replace(" ", "-")
    return name in MODERATOR_CHANNEL_NAMES


def poll_problem(question: str, options: Sequence[str]) -> str:
    """Why Telegram would refuse this poll ("" when it is fine)."""
    most = int(PollLimit.MAX_OPTION_NUMBER)
    if not POLL_MIN_OPTIONS <= len(options) <= most:
        return f"a Telegram poll needs {POLL_MIN_OPTIONS}-{most} options, got {len(options)}"
    longest = int(PollLimit.MAX_OPTION_LENGTH)
    too_long = [o for o in options if not 1 <= len(o) <= longest]
    if too_long:
        return f"poll options must be 1-{longest} characters: {too_long[0]!r}"
    if not question.strip():
        return "a poll needs a question"
    return ""


def mention_entities(
    text: str, people: Sequence[tuple[int, str]], *, add_missing: bool
) -> tuple[str, list[MessageEntity]]:
    """Link each person's name in `text` to them (a text mention notifies even without a
    @username). Names not in the text are appended when `add_missing`."""
    entities: list[MessageEntity] = []
    for user_id, name in people:
        index = text.find(name)
        if index < 0:
            if not add_missing:
                continue
            text = f"{text} {name}" if text else name
            index = len(text) - len(name)
        entities.append(
            MessageEntity(
                type=MessageEntity.TEXT_MENTION,
                offset=_utf16_len(text[:index]),
                length=_utf16_len(name),
                user=User(id=user_id, first_name=name, is_bot=False),
            )
        )
    return text, sorted(entities, key=lambda e: e.offset)


# ids a rule could only write as ids: a member (6+ digits) or a group ("-100…", often as
# "#-100…"); not inside links or longer words
_USER_ID_WORD = re.compile(r"(?<![\w/.:=#-])(\d{6,20})(?![\w/.-])")
_CHAT_ID_WORD = re.compile(r"(?<![\w/.:=])#?(-\d{6,20})(?![\w/.-])")


def humanize(
    text: str,
    name_of: Callable[[int], str | None],
    title_of: Callable[[int], str | None],
) -> tuple[str, list[tuple[int, str]]]:
    """Members and chats by name, not id: "Cases of 106" → "Cases of Bob", "in #-1009000" →
    "in Makers". Returns the text and the members named (to link them as text mentions).
    Ids the bot has never seen stay as written."""
    people: list[tuple[int, str]] = []

    def chat(match: re.Match[str]) -> str:
        return title_of(int(match.group(1))) or match.group(0)

    def member(match: re.Match[str]) -> str:
        uid = int(match.group(1))
        name = name_of(uid)
        if not name:
            return match.group(0)
        people.append((uid, name))
        return name

    text = _CHAT_ID_WORD.sub(chat, text)
    return _USER_ID_WORD.sub(member, text), people


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def start_link(bot_username: str, community_id: str, custom_id: str) -> str:
    """t.me/<bot>?start=...: opens a private chat with the bot; Start sends the payload."""
    payload = start_payload(community_id, custom_id) or start_payload(community_id, "")
    return f"https://t.me/{bot_username}" + (f"?start={payload}" if payload else "")


def keyboard(
    buttons: Sequence[Button], *, bot_username: str = "", community_id: str = ""
) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    row_buttons = [
        InlineKeyboardButton(b.label, url=start_link(bot_username, community_id, b.custom_id))
        if b.opens_dm
        else InlineKeyboardButton(b.label, callback_data=b.custom_id)
        for b in buttons
    ]
    rows = [
        row_buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(row_buttons), BUTTONS_PER_ROW)
    ]
    return InlineKeyboardMarkup(rows)


class ActionRunner:
    def __init__(
        self,
        bot: Bot,
        directory: Directory,
        *,
        clock: Callable[[], datetime],
        moderator_chat_id: int | None = None,
    ) -> None:
        self._bot = bot
        self._directory = directory
        self._clock = clock
        self._moderator_chat_id = moderator_chat_id

    async def run(self, community_id: str, action: Action) -> ActionResult:
        handler = getattr(self, f"_{action.kind}", None)
        if handler is None:
            reason = UNSUPPORTED.get(action.kind, f"Telegram cannot perform {action.kind!r}.")
            raise PlatformError(PlatformError.OTHER, reason)
        return await handler(community_id, action)

    # --- helpers ------------------------------------------------------------------------------
    @asynccontextmanager
    async def _calling(self, doing: str) -> AsyncIterator[None]:
        try:
            yield
        except TelegramError as exc:
            raise to_platform_error(exc, doing) from exc

    def _person(self, user_id: str) -> tuple[int, str]:
        uid = int(user_id)
        return uid, self._directory.name_of(uid) or user_id

    async def _send_text(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        entities: list[MessageEntity] | None = None,
        buttons: Sequence[Button] = (),
        reply_to: int | None = None,
        community_id: str = "",
    ) -> Message:
        if entities is None:  # not composed by a caller: names instead of ids here too
            text, entities = self._named(text, [], add_missing=False)
        async with self._calling(f"sendMessage to {chat_id}"):
            return await self._bot.send_message(
                chat_id=chat_id,
                text=text,
                message_thread_id=thread_id,
                entities=entities or None,
                reply_markup=self._keyboard(buttons, community_id or str(chat_id)),
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if reply_to is not None
                    else None
                ),
            )

    async def _send_photo(
        self,
        chat_id: int,
        image: str,
        text: str,
        *,
        thread_id: int | None = None,
        entities: list[MessageEntity] | None = None,
        buttons: Sequence[Button] = (),
    ) -> Message:
        """A photo with the text as caption; a text too long for a caption follows the photo."""
        if entities is None:
            text, entities = self._named(text, [], add_missing=False)
        path = Path(image)
        if not path.is_file():
            raise PlatformError(PlatformError.NOT_FOUND, f"image file {image!r} does not exist")
        fits = len(text) <= MessageLimit.CAPTION_LENGTH
        async with self._calling(f"sendPhoto to {chat_id}"):
            with path.open("rb") as photo:
                sent = await self._bot.send_photo(
                    chat_id=chat_id,
                    photo=photo,
                    caption=text if fits else None,
                    caption_entities=(entities or None) if fits else None,
                    message_thread_id=thread_id,
                    reply_markup=self._keyboard(buttons, str(chat_id)) if fits else None,
                )
        if fits or not text:
            return sent
        return await self._send_text(
            chat_id, text, thread_id=thread_id, entities=entities, buttons=buttons
        )

    def _named(
        self, text: str, people: Sequence[tuple[int, str]], *, add_missing: bool
    ) -> tuple[str, list[MessageEntity]]:
        """The text with ids turned into names, each named member linked (a text mention)."""
        text, found = humanize(text, self._directory.name_of, self._directory.title_of)
        known = {uid for uid, _ in people}
        extra = [(uid, name) for uid, name in dict(found).items() if uid not in known]
        return mention_entities(text, [*people, *extra], add_missing=add_missing)

    def _keyboard(
        self, buttons: Sequence[Button], community_id: str
    ) -> InlineKeyboardMarkup | None:
        return keyboard(buttons, bot_username=self._bot.username, community_id=community_id)

    def _until(self, until: datetime) -> datetime:
        return max(until, self._clock() + MIN_RESTRICTION)

    # --- messages -----------------------------------------------------------------------------
    async def _post(self, community_id: str, action: Post) -> ActionResult:
        if is_moderator_channel(action.channel_id):
            alert = AlertModerators(
                text=action.text, image=action.image, public_text=action.public_text
            )
            return await self._alert_moderators(community_id, alert)
        chat_id, thread_id = resolve_channel(community_id, action.channel_id)
        if action.public_text is not None and chat_id == int(community_id):
            # a moderators' report whose channel is the group itself: members read it
            action = replace(action, text=action.public_text)
        if not action.poll_options:
            return await self._post_message(chat_id, thread_id, action)
        # with its own question the text is a message of its own, then the poll follows it;
        # without one the text is the question
        question = action.poll_question or action.text
        problem = poll_problem(question, action.poll_options)
        if problem:
            sent = await self._post_message(chat_id, thread_id, action)
            return ActionResult(ref=sent.ref, detail=f"poll skipped: {problem}")
        notes: list[str] = []
        if action.poll_question and (action.text.strip() or action.image):
            await self._post_message(chat_id, thread_id, action)
            notes.append("text posted before the poll")
        if len(question) > PollLimit.MAX_QUESTION_LENGTH:
            question = question[: PollLimit.MAX_QUESTION_LENGTH - 1] + "…"
            notes.append("poll question shortened to Telegram's maximum")
        async with self._calling(f"sendPoll to {chat_id}"):
            poll = await self._bot.send_poll(
                chat_id=chat_id,
                question=question,
                options=list(action.poll_options),
                message_thread_id=thread_id,
            )
        return ActionResult(ref=str(poll.message_id), detail="; ".join(["poll sent", *notes]))

    async def _post_message(
        self, chat_id: int, thread_id: int | None, action: Post
    ) -> ActionResult:
        people = [self._person(uid) for uid in action.mentions]
        text, entities = self._named(action.text, people, add_missing=True)
        if action.image:
            sent = await self._send_photo(
                chat_id,
                action.image,
                text,
                thread_id=thread_id,
                entities=entities,
                buttons=action.buttons,
            )
        else:
            sent = await self._send_text(
                chat_id, text, thread_id=thread_id, entities=entities, buttons=action.buttons
            )
        return ActionResult(ref=str(sent.message_id))

    async def _reply(self, community_id: str, action: Reply) -> ActionResult:
        # Telegram has no ephemeral messages: a private answer goes by DM unless the member
        # refused one already, otherwise it is an ordinary reply in the chat
        if (
            action.ephemeral
            and action.user_id
            and not self._directory.dm_refused(int(action.user_id))
        ):
            with_dm = SendDirect(user_id=action.user_id, text=action.text, buttons=action.buttons)
            try:
                return await self._send_direct(community_id, with_dm)
            except PlatformError as exc:
                if exc.kind not in (PlatformError.UNREACHABLE, PlatformError.FORBIDDEN):
                    raise
        chat_id, thread_id = resolve_channel(community_id, action.channel_id)
        people = [self._person(action.user_id)] if action.user_id else []
        shown = action.text
        if action.ephemeral and action.public_text is not None:
            shown = action.public_text  # meant to be private, but only the group can be reached
        text, entities = self._named(shown, people, add_missing=False)
        reply_to = int(action.reply_to) if action.reply_to else None
        sent = await self._send_text(
            chat_id,
            text,
            thread_id=thread_id,
            entities=entities,
            reply_to=reply_to,
            buttons=action.buttons,
        )
        return ActionResult(ref=str(sent.message_id))

    async def _send_direct(self, community_id: str, action: SendDirect) -> ActionResult:
        # no guess from memory: whether they pressed Start (maybe before a restart) is
        # Telegram's to say; a 403 "can't initiate conversation" becomes UNREACHABLE
        user_id = int(action.user_id)
        try:
            sent = await self._send_text(
                user_id, action.text, buttons=action.buttons, community_id=community_id
            )
        except PlatformError as exc:
            if isinstance(exc.__cause__, Forbidden):
                self._directory.mark_dm_unreachable(user_id)
            raise
        self._directory.mark_dm_reachable(user_id)
        self._directory.remember_dm_origin(user_id, sent.message_id, community_id)
        return ActionResult(ref=str(sent.message_id))

    async def _create_invite(self, community_id: str, action: CreateInvite) -> ActionResult:
        """A named link (admins see the name and its join count in the group's settings); the
        joins it brings arrive as `chat_member` updates carrying it."""
        chat_id, _ = resolve_channel(community_id, action.channel_id)
        async with self._calling(f"createChatInviteLink in {chat_id}"):
            made = await self._bot.create_chat_invite_link(
                chat_id=chat_id,
                name=action.name[:32] or None,
                creates_join_request=action.join_request or None,
            )
        link = made.invite_link
        await self._reply(community_id, action.reply(link))
        return ActionResult(detail=f"invite link {link}", ref=link)

    async def _send_file(self, community_id: str, action: SendFile) -> ActionResult:
        """A document in the member's private chat with the bot (never in the group)."""
        user_id = int(action.user_id)
        if not self._directory.can_dm(user_id):
            raise PlatformError(
                PlatformError.FORBIDDEN,
                f"cannot send user {user_id} a file: they have not opened a private chat with "
                "the bot (/start)",
            )
        caption = action.caption[: MessageLimit.CAPTION_LENGTH] or None
        async with self._calling(f"sendDocument to {user_id}"):
            sent = await self._bot.send_document(
                chat_id=user_id,
                document=InputFile(action.data, filename=action.filename),
                caption=caption,
            )
        return ActionResult(ref=str(sent.message_id), detail="sent privately as a document")

    async def _delete_message(self, community_id: str, action: DeleteMessage) -> ActionResult:
        chat_id, _ = resolve_channel(community_id, action.channel_id)
        async with self._calling(f"deleteMessage {action.message_id} in {chat_id}"):
            await self._bot.delete_message(chat_id=chat_id, message_id=int(action.message_id))
        return ActionResult()

    async def _warn(self, community_id: str, action: Warn) -> ActionResult:
        if not action.text:
            return ActionResult(detail="warning recorded; no text configured to show")
        chat_id, thread_id = resolve_channel(community_id, action.channel_id)
        text, entities = self._named(action.text, [self._person(action.user_id)], add_missing=False)
        if not entities:  # the text does not name the member: address them first
            uid, name = self._person(action.user_id)
            text, entities = self._named(f"{name} {action.text}", [(uid, name)], add_missing=False)
        sent = await self._send_text(chat_id, text, thread_id=thread_id, entities=entities)
        return ActionResult(ref=str(sent.message_id))

    # --- moderation ---------------------------------------------------------------------------
    async def _timeout(self, community_id: str, action: Timeout) -> ActionResult:
        chat_id = int(community_id)
        if int(action.user_id) < 0:  # Telegram cannot mute a channel; it can only ban it
            return ActionResult(ok=False, detail="a channel cannot be muted on Telegram; ban it")
        until = self._until(action.until)
        async with self._calling(f"restrictChatMember {action.user_id} in {chat_id}"):
            await self._bot.restrict_chat_member(
                chat_id=chat_id,
                user_id=int(action.user_id),
                permissions=ChatPermissions.no_permissions(),
                until_date=until,
            )
        return ActionResult(detail=f"muted until {until.isoformat()}")

    async def _remove_timeout(self, community_id: str, action: RemoveTimeout) -> ActionResult:
        chat_id = int(community_id)
        async with self._calling(f"getChat {chat_id}"):
            chat = await self._bot.get_chat(chat_id)
        # back to what every member of this chat may do, not more
        permissions = chat.permissions or ChatPermissions.all_permissions()
        async with self._calling(f"restrictChatMember {action.user_id} in {chat_id}"):
            await self._bot.restrict_chat_member(
                chat_id=chat_id, user_id=int(action.user_id), permissions=permissions
            )
        return ActionResult()

    async def _kick(self, community_id: str, action: Kick) -> ActionResult:
        chat_id, user_id = int(community_id), int(action.user_id)
        if user_id < 0:  # a channel posting in the group: only a ban removes it
            return await self._ban(community_id, Ban(user_id=action.user_id))
        async with self._calling(f"banChatMember {user_id} in {chat_id}"):
            await self._bot.ban_chat_member(chat_id=chat_id, user_id=user_id)
        # unban at once: the member is removed but may join again
        async with self._calling(f"unbanChatMember {user_id} in {chat_id}"):
            await self._bot.unban_chat_member(chat_id=chat_id, user_id=user_id, only_if_banned=True)
        return ActionResult()

    async def _ban(self, community_id: str, action: Ban) -> ActionResult:
        chat_id, user_id = int(community_id), int(action.user_id)
        if user_id < 0:  # a message posted as a channel (sender_chat): ban the channel
            async with self._calling(f"banChatSenderChat {user_id} in {chat_id}"):
                await self._bot.ban_chat_sender_chat(chat_id=chat_id, sender_chat_id=user_id)
            return ActionResult(detail="banned the channel that posted")
        until = self._until(action.until) if action.until else None
        async with self._calling(f"banChatMember {user_id} in {chat_id}"):
            await self._bot.ban_chat_member(
                chat_id=chat_id,
                user_id=user_id,
                until_date=until,
                # Telegram cannot delete "the last N seconds": it deletes all or nothing
                revoke_messages=action.delete_message_seconds > 0,
            )
        if until is None:
            return ActionResult(detail="banned")
        return ActionResult(detail=f"banned until {until.isoformat()} (Telegram lifts it then)")

    async def _unban(self, community_id: str, action: Unban) -> ActionResult:
        chat_id, user_id = int(community_id), int(action.user_id)
        if user_id < 0:
            async with self._calling(f"unbanChatSenderChat {user_id} in {chat_id}"):
                await self._bot.unban_chat_sender_chat(chat_id=chat_id, sender_chat_id=user_id)
            return ActionResult()
        async with self._calling(f"unbanChatMember {user_id} in {chat_id}"):
            await self._bot.unban_chat_member(chat_id=chat_id, user_id=user_id, only_if_banned=True)
        return ActionResult()

    # --- moderators ---------------------------------------------------------------------------
    async def lookup_member(self, community_id: str, user_id: str) -> Actor | None:
        """Ask Telegram who `user_id` is in the group (getChatMember): an Actor with their
        standing, None when they are not in it; raises PlatformError when Telegram cannot say."""
        chat_id, _ = resolve_channel(community_id, None)
        try:
            uid = int(user_id)
        except ValueError:
            return None
        try:
            member = await self._bot.get_chat_member(chat_id, uid)
        except BadRequest as exc:
            if "not found" in str(exc).lower() or "invalid" in str(exc).lower():
                return None
            raise to_platform_error(exc, f"getChatMember {uid} in {chat_id}") from exc
        except TelegramError as exc:
            raise to_platform_error(exc, f"getChatMember {uid} in {chat_id}") from exc
        status = str(getattr(member.status, "value", member.status))
        if status in ("left", "kicked"):
            return None
        self._directory.learn_user(member.user)
        staff = status in ("creator", "administrator")
        full = status == "creator" or bool(getattr(member, "can_promote_members", False))
        return Actor(
            user_id=str(uid),
            name=member.user.full_name or member.user.username or str(uid),
            roles=(status,) if staff else (),
            is_moderator=staff,
            is_admin=staff and full,
            is_bot=member.user.is_bot,
        )

    async def refresh_admins(self, chat_id: int) -> None:
        """Fetch a group's administrators when the cached list is older than its expiry."""
        now = self._clock()
        if self._directory.admins_fresh(chat_id, now):
            return
        try:
            members = await self._bot.get_chat_administrators(chat_id)
        except TelegramError as exc:
            log.warning("could not list administrators of %s: %s", chat_id, exc)
            self._directory.admin_lookup_failed(chat_id, now)  # retried soon, not "no admins"
            return
        admins = {
            m.user.id: ChatAdmin(
                status=str(getattr(m.status, "value", m.status)),  # plain text, not an enum
                full=m.status == "creator" or bool(getattr(m, "can_promote_members", False)),
                is_bot=m.user.is_bot,
            )
            for m in members
        }
        for member in members:
            self._directory.learn_user(member.user)
        self._directory.set_admins(chat_id, admins, now)

    async def _alert_moderators(self, community_id: str, action: AlertModerators) -> ActionResult:
        """A moderators' chat when one is configured; else a DM to every administrator who
        started the bot; else a message in the group that mentions the administrators."""
        if self._moderator_chat_id is not None:
            sent = await self._send_alert(self._moderator_chat_id, action.text, action.image)
            return ActionResult(ref=str(sent.message_id), detail="sent to the moderators' chat")
        chat_id = int(community_id)
        await self.refresh_admins(chat_id)
        admin_ids = self._directory.human_admin_ids(chat_id)
        delivered: list[Message] = []
        for admin_id in admin_ids:
            if self._directory.dm_refused(admin_id):
                continue
            try:
                delivered.append(await self._send_alert(admin_id, action.text, action.image))
            except PlatformError as exc:
                if exc.kind not in (PlatformError.UNREACHABLE, PlatformError.FORBIDDEN):
                    raise
                self._directory.mark_dm_unreachable(admin_id)
                continue
            self._directory.mark_dm_reachable(admin_id)
        if delivered:
            return ActionResult(
                ref=str(delivered[0].message_id),
                detail=f"sent by private message to {len(delivered)} administrator(s)",
            )
        people = [self._person(str(uid)) for uid in admin_ids]
        # the group is where members read: the public form, which quotes nothing
        shown = action.public_text if action.public_text is not None else action.text
        text, entities = self._named(shown, people, add_missing=True)
        sent = await self._send_alert(chat_id, text, action.image, entities=entities)
        return ActionResult(
            ref=str(sent.message_id),
            detail="no administrator has started the bot: alert posted in the group",
        )

    async def _send_alert(
        self,
        chat_id: int,
        text: str,
        image: str | None,
        *,
        entities: list[MessageEntity] | None = None,
    ) -> Message:
        if image:
            return await self._send_photo(chat_id, image, text, entities=entities)
        return await self._send_text(chat_id, text, entities=entities)
