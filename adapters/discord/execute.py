"""Performing `bot.actions` on Discord.

One method per action kind; each resolves what the action names (channel by id or name, member,
role by name), calls discord.py, and returns an `ActionResult` whose `detail` is written for the
audit log. Every Discord exception leaves as a `PlatformError` (see `errors.py`).

Choices made here, for the docs:
- Mentions: messages may ping the users they mention, never @everyone/@here or roles; alerts to
  moderators ping nobody (the member an alert is about is shown, not notified).
- `Post.mentions` are put in front of the text when the text does not already mention them.
- `Reply(ephemeral=True)` is private only as the answer to an interaction; without one it goes to
  the member by DM (never publicly), or fails with UNREACHABLE if their DMs are closed.
- `Warn` with a channel is posted there, mentioning the member; without one it is sent by DM.
- `Timeout` is Discord's native timeout, clamped to 28 days; `Ban.until` cannot be native (Discord
  bans are permanent): moderation schedules the unban (a pending step of the case).
- `AlertModerators` goes to the first channel found among: the configured `alert_channel`, a
  channel named like mod-log / moderators / mods / staff, the server's "Community updates" channel
  (moderators only), and — if allowed — the server's system channel.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import discord

from adapters.discord import resolve
from adapters.discord.errors import to_platform_error
from adapters.discord.interactions import PendingInteractions
from adapters.discord.invites import InviteTracker
from adapters.discord.texts import DiscordTexts
from bot.actions import (
    Action,
    AddRole,
    AlertModerators,
    Ban,
    Button,
    CreateInvite,
    DeleteMessage,
    Kick,
    Post,
    RemoveRole,
    RemoveTimeout,
    Reply,
    SendDirect,
    SendFile,
    Timeout,
    Unban,
    Warn,
)
from bot.adapter import MODERATOR_CHANNEL_NAMES, ActionResult, PlatformError

MAX_TIMEOUT = timedelta(days=28)
# a request travels and clocks drift: stay clear of Discord's exact 28-day edge
_TIMEOUT_MARGIN = timedelta(minutes=1)
MAX_BAN_DELETE_SECONDS = 7 * 24 * 3600
MAX_BUTTONS = 25
POLL_MIN_ANSWERS, POLL_MAX_ANSWERS = 2, 10
POLL_ANSWER_CHARS, POLL_QUESTION_CHARS = 55, 300
POLL_DURATION = timedelta(hours=24)

DEFAULT_ALERT_CHANNELS = MODERATOR_CHANNEL_NAMES

ALLOW_USER_PINGS = discord.AllowedMentions(everyone=False, roles=False, users=True)
NO_PINGS = discord.AllowedMentions.none()


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


# a Discord id a rule could only write as an id (not inside a link or a <@…> mention)
_SNOWFLAKE_WORD = re.compile(r"(?<![\w/.:=<@!&-])(#?)(\d{17,20})(?![\w/.>-])")


def named(text: str, guild: discord.Guild) -> str:
    """Members and channels as Discord shows them: "Cases of 1234…" → "Cases of <@1234…>"
    (their display name), "in #5678…" → "in <#5678…>" (the channel's name). Ids that are no
    member or channel of the server stay as written."""

    def swap(match: re.Match[str]) -> str:
        hash_sign, value = match.group(1), int(match.group(2))
        if guild.get_channel(value) is not None:
            return f"<#{value}>"
        if guild.get_member(value) is not None:
            return f"{hash_sign}<@{value}>"
        return match.group(0)

    return _SNOWFLAKE_WORD.sub(swap, text)


def with_mentions(text: str, user_ids: Sequence[str]) -> str:
    missing = [
        mention(uid) for uid in user_ids if mention(uid) not in text and f"<@!{uid}>" not in text
    ]
    return " ".join([*missing, text]) if missing else text


def buttons_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    # "open a chat with me" links are Telegram's: a Discord member can always open a DM
    buttons = [b for b in buttons if not b.opens_dm]
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:MAX_BUTTONS]:
        view.add_item(
            discord.ui.Button(
                label=button.label[:80],
                custom_id=button.custom_id[:100],
                style=discord.ButtonStyle.primary,
            )
        )
    # a finished view is still sent, but discord.py keeps no callback for it: presses reach
    # `on_interaction` and become `ButtonPressed` events
    view.stop()
    return view


def image_file(path: str) -> discord.File:
    file = Path(path)
    if not file.is_file():
        raise PlatformError(PlatformError.NOT_FOUND, f"image file not found: {path}")
    return discord.File(file, filename=file.name)


def make_poll(question: str, options: Sequence[str]) -> tuple[discord.Poll | None, str]:
    """A native poll, or None and the reason it cannot be one."""
    if not POLL_MIN_ANSWERS <= len(options) <= POLL_MAX_ANSWERS:
        return None, f"a Discord poll needs {POLL_MIN_ANSWERS}-{POLL_MAX_ANSWERS} options"
    too_long = [o for o in options if len(o) > POLL_ANSWER_CHARS]
    if too_long:
        return None, f"poll options are limited to {POLL_ANSWER_CHARS} characters: {too_long[0]!r}"
    text = question.strip() or "?"
    if len(text) > POLL_QUESTION_CHARS:
        text = text[: POLL_QUESTION_CHARS - 1] + "…"
    poll = discord.Poll(question=text, duration=POLL_DURATION)
    for option in options:
        poll.add_answer(text=option)
    return poll, ""


class DiscordActions:
    """Runs actions against a connected client."""

    def __init__(
        self,
        client: discord.Client,
        pending: PendingInteractions,
        texts: DiscordTexts,
        *,
        alert_channel: str | None = None,
        alert_channel_names: Sequence[str] = DEFAULT_ALERT_CHANNELS,
        alert_in_system_channel: bool = True,
        invites: InviteTracker | None = None,
    ) -> None:
        self._client = client
        self._invites = invites or InviteTracker()
        self._pending = pending
        self._texts = texts
        self._alert_channel = alert_channel
        self._alert_names = tuple(alert_channel_names)
        self._alert_in_system = alert_in_system_channel
        self._handlers = {
            Post: self._post,
            Reply: self._reply,
            SendDirect: self._send_direct,
            SendFile: self._send_file,
            DeleteMessage: self._delete,
            Warn: self._warn,
            Timeout: self._timeout,
            RemoveTimeout: self._remove_timeout,
            Kick: self._kick,
            Ban: self._ban,
            Unban: self._unban,
            AddRole: self._add_role,
            RemoveRole: self._remove_role,
            AlertModerators: self._alert,
            CreateInvite: self._create_invite,
        }

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(cls.kind for cls in self._handlers)

    async def run(self, community_id: str, action: Action) -> ActionResult:
        handler = self._handlers.get(type(action))
        if handler is None:
            raise PlatformError(
                PlatformError.OTHER, f"the Discord adapter cannot perform {action.kind!r}"
            )
        try:
            guild = self._guild(community_id)
            return await handler(guild, action)  # type: ignore[operator]
        except PlatformError:
            raise
        except Exception as exc:
            raise to_platform_error(exc, action.kind, _subject(action)) from exc

    def _guild(self, community_id: str) -> discord.Guild:
        if self._client.user is None or self._client.is_closed():
            raise PlatformError(PlatformError.UNAVAILABLE, "the Discord client is not connected")
        return resolve.guild(self._client, community_id)

    async def _user(self, user_id: str) -> discord.User:
        uid = resolve.user_object(user_id).id
        return self._client.get_user(uid) or await self._client.fetch_user(uid)

    # ---- messages -------------------------------------------------------------------------

    async def _post(self, guild: discord.Guild, action: Post) -> ActionResult:
        channel = resolve.channel(guild, action.channel_id)
        shown = action.text
        if action.public_text is not None and members_read(guild, channel):
            shown = action.public_text  # a moderators' report in a channel members can read
        text: str | None = with_mentions(named(shown, guild), action.mentions)
        extra: dict[str, object] = {}
        notes: list[str] = []
        view = buttons_view(action.buttons)
        if view is not None:
            extra["view"] = view
            if len(action.buttons) > MAX_BUTTONS:
                notes.append(f"only the first {MAX_BUTTONS} buttons were shown")
        if action.image:
            extra["file"] = image_file(action.image)
        if action.poll_options:
            question = action.poll_question or action.text
            poll, why_not = make_poll(question, action.poll_options)
            if poll is None:
                notes.append(f"poll skipped: {why_not}")
            else:
                extra["poll"] = poll
                if not action.poll_question and len(action.text) <= POLL_QUESTION_CHARS:
                    # the text is the question; keep only the pings in the message body
                    text = with_mentions("", action.mentions).strip() or None
        message = await channel.send(text, allowed_mentions=ALLOW_USER_PINGS, **extra)  # type: ignore[arg-type]
        detail = "; ".join([f"posted in #{channel.name}", *notes])
        return ActionResult(detail=detail, ref=str(message.id))

    async def _reply(self, guild: discord.Guild, action: Reply) -> ActionResult:
        pending = self._pending.find(
            channel_id=action.channel_id, reply_to=action.reply_to, user_id=action.user_id
        )
        view = buttons_view(action.buttons)
        if pending is not None:
            ref = await self._pending.answer(
                pending, named(action.text, guild), ephemeral=action.ephemeral, view=view
            )
            seen = "privately" if action.ephemeral else "publicly"
            return ActionResult(detail=f"answered the interaction {seen}", ref=ref)
        if action.ephemeral and action.user_id:
            # outside an interaction Discord has no private message in a channel: use a DM
            user = await self._user(action.user_id)
            text = named(action.text, guild)
            message = await user.send(text, **({"view": view} if view else {}))  # type: ignore[arg-type]
            return ActionResult(
                detail="sent by DM (Discord shows private answers only to interactions)",
                ref=str(message.id),
            )
        channel = resolve.channel(guild, action.channel_id)
        text = named(action.text, guild)
        reference = None
        target = resolve.snowflake(action.reply_to) if action.reply_to else None
        if target is not None:
            reference = discord.MessageReference(
                message_id=target,
                channel_id=channel.id,
                guild_id=guild.id,
                fail_if_not_exists=False,
            )
        elif action.user_id:
            text = with_mentions(text, [action.user_id])
        extra: dict[str, object] = {"reference": reference} if reference is not None else {}
        if view is not None:
            extra["view"] = view
        message = await channel.send(text, allowed_mentions=ALLOW_USER_PINGS, **extra)  # type: ignore[arg-type]
        return ActionResult(detail=f"replied in #{channel.name}", ref=str(message.id))

    async def _create_invite(self, guild: discord.Guild, action: CreateInvite) -> ActionResult:
        """A permanent invite of the bot's for one member; joins through it are told apart by
        its use count (see invites.py)."""
        channel = resolve.channel(guild, action.channel_id)
        if not isinstance(channel, discord.abc.GuildChannel):
            raise PlatformError(PlatformError.NOT_FOUND, f"{action.channel_id} takes no invites")
        invite = await channel.create_invite(  # type: ignore[attr-defined]
            max_age=0, max_uses=0, unique=True, reason=f"{action.name} (user {action.user_id})"
        )
        self._invites.created(invite)
        await self._reply(guild, action.reply(invite.url))
        return ActionResult(detail=f"invite {invite.url} in #{channel.name}", ref=invite.url)

    async def _send_direct(self, guild: discord.Guild, action: SendDirect) -> ActionResult:
        user = await self._user(action.user_id)
        view = buttons_view(action.buttons)
        extra = {"view": view} if view is not None else {}
        message = await user.send(named(action.text, guild), **extra)  # type: ignore[arg-type]
        return ActionResult(detail=f"sent a DM to {user}", ref=str(message.id))

    async def _send_file(self, guild: discord.Guild, action: SendFile) -> ActionResult:
        """The file as an attachment of a DM: only the member sees it."""
        user = await self._user(action.user_id)
        file = discord.File(io.BytesIO(action.data), filename=action.filename)
        message = await user.send(action.caption or None, file=file)
        return ActionResult(detail=f"sent a file by DM to {user}", ref=str(message.id))

    async def _delete(self, guild: discord.Guild, action: DeleteMessage) -> ActionResult:
        channel = resolve.channel(guild, action.channel_id)
        message_id = resolve.snowflake(action.message_id)
        if message_id is None:
            raise PlatformError(
                PlatformError.NOT_FOUND, f"{action.message_id!r} is not a Discord message id"
            )
        await channel.get_partial_message(message_id).delete()
        return ActionResult(detail=f"deleted message {message_id} in #{channel.name}")

    async def _alert(self, guild: discord.Guild, action: AlertModerators) -> ActionResult:
        channel = self._alert_target(guild)
        if channel is None:
            raise PlatformError(
                PlatformError.NOT_FOUND,
                f"no moderators' channel in {guild.name!r}: create a channel named "
                f"'{self._alert_names[0] if self._alert_names else 'mod-log'}' the bot can "
                "write in, or set the Discord adapter's alert_channel",
            )
        text = action.text
        if action.public_text is not None and members_read(guild, channel):
            text = action.public_text  # e.g. the system channel: quote nothing there
        text = named(text, guild)
        if action.user_id:
            text = with_mentions(text, [action.user_id])
        extra = {"file": image_file(action.image)} if action.image else {}
        message = await channel.send(text, allowed_mentions=NO_PINGS, **extra)  # type: ignore[arg-type]
        return ActionResult(detail=f"alerted moderators in #{channel.name}", ref=str(message.id))

    def _alert_target(self, guild: discord.Guild) -> resolve.Messageable | None:
        if self._alert_channel:
            return resolve.channel(guild, self._alert_channel)
        found = resolve.find_channel_named(guild, self._alert_names)
        if found is not None:
            return found
        if guild.public_updates_channel is not None:
            return guild.public_updates_channel
        if self._alert_in_system:
            return guild.system_channel
        return None

    # ---- moderation -----------------------------------------------------------------------

    async def _warn(self, guild: discord.Guild, action: Warn) -> ActionResult:
        who = mention(action.user_id)
        text = (
            named(action.text, guild) if action.text else self._texts.warn_text(who, action.reason)
        )
        if action.channel_id:
            channel = resolve.channel(guild, action.channel_id)
            message = await channel.send(
                with_mentions(text, [action.user_id]), allowed_mentions=ALLOW_USER_PINGS
            )
            return ActionResult(detail=f"warned in #{channel.name}", ref=str(message.id))
        user = await self._user(action.user_id)
        message = await user.send(text)
        return ActionResult(detail="warned by DM", ref=str(message.id))

    async def _timeout(self, guild: discord.Guild, action: Timeout) -> ActionResult:
        now = discord.utils.utcnow()
        until = action.until
        if until.tzinfo is None:
            raise PlatformError(PlatformError.OTHER, "timeout end must be timezone-aware (UTC)")
        if until <= now:
            raise PlatformError(PlatformError.OTHER, f"timeout end {until:%Y-%m-%d %H:%M} is past")
        note = ""
        clamped = clamp_timeout(until, now)
        if clamped != until:
            note = f"; asked until {until:%Y-%m-%d %H:%M} UTC, clamped to Discord's 28-day maximum"
            until = clamped
        member = await resolve.member(guild, action.user_id)
        await member.timeout(until, reason=action.reason or None)
        return ActionResult(detail=f"timed out {member} until {until:%Y-%m-%d %H:%M} UTC{note}")

    async def _remove_timeout(self, guild: discord.Guild, action: RemoveTimeout) -> ActionResult:
        member = await resolve.member(guild, action.user_id)
        await member.timeout(None, reason=action.reason or None)
        return ActionResult(detail=f"removed the timeout of {member}")

    async def _kick(self, guild: discord.Guild, action: Kick) -> ActionResult:
        member = await resolve.member(guild, action.user_id)
        await member.kick(reason=action.reason or None)
        return ActionResult(detail=f"kicked {member}")

    async def _ban(self, guild: discord.Guild, action: Ban) -> ActionResult:
        uid = resolve.user_object(action.user_id)
        target: discord.abc.Snowflake = guild.get_member(uid.id) or uid
        seconds = max(0, min(action.delete_message_seconds, MAX_BAN_DELETE_SECONDS))
        await guild.ban(target, reason=action.reason or None, delete_message_seconds=seconds)
        notes = [f"banned {target if isinstance(target, discord.Member) else action.user_id}"]
        if seconds:
            notes.append(f"deleted their messages of the last {seconds}s")
        if seconds != action.delete_message_seconds:
            notes.append("message deletion clamped to Discord's 7-day maximum")
        if action.until is not None:
            notes.append(
                f"Discord bans are permanent: qunbot unbans at {action.until:%Y-%m-%d %H:%M} UTC "
                "(scheduled as a pending step of the case)"
            )
        return ActionResult(detail="; ".join(notes))

    async def _unban(self, guild: discord.Guild, action: Unban) -> ActionResult:
        await guild.unban(resolve.user_object(action.user_id), reason=action.reason or None)
        return ActionResult(detail=f"unbanned {action.user_id}")

    async def _add_role(self, guild: discord.Guild, action: AddRole) -> ActionResult:
        role = resolve.role(guild, action.role)
        member = await resolve.member(guild, action.user_id)
        if role in member.roles:
            return ActionResult(detail=f"{member} already has the role {role.name!r}")
        await member.add_roles(role, reason=action.reason or None)
        return ActionResult(detail=f"gave {member} the role {role.name!r}")

    async def _remove_role(self, guild: discord.Guild, action: RemoveRole) -> ActionResult:
        role = resolve.role(guild, action.role)
        member = await resolve.member(guild, action.user_id)
        if role not in member.roles:
            return ActionResult(detail=f"{member} does not have the role {role.name!r}")
        await member.remove_roles(role, reason=action.reason or None)
        return ActionResult(detail=f"removed the role {role.name!r} from {member}")


def _subject(action: Action) -> str:
    parts = []
    if action.target_user:
        parts.append(f"user {action.target_user}")
    if action.channel:
        parts.append(f"channel {action.channel}")
    return ", ".join(parts)


def members_read(guild: discord.Guild, channel: object) -> bool:
    """Whether @everyone may view the channel (a public place, not a moderators' one)."""
    permissions_for = getattr(channel, "permissions_for", None)
    if permissions_for is None:
        return False
    return bool(permissions_for(guild.default_role).view_channel)


def clamp_timeout(until: datetime, now: datetime) -> datetime:
    """The latest end Discord accepts for a timeout starting `now`."""
    return min(until, now + MAX_TIMEOUT - _TIMEOUT_MARGIN)
