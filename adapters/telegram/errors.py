"""Telegram errors → `bot.adapter.PlatformError`, so the executor knows whether to retry."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.adapter import PlatformError

# Bad Request descriptions (lowercased fragments) that mean the target is gone
_GONE = (
    "not found",  # user / chat / message to delete / message to edit not found
    "user_not_participant",
    "participant_id_invalid",
    "peer_id_invalid",
    "message_id_invalid",
)
# 403 descriptions that mean a person does not accept the bot's private messages
_UNREACHABLE = (
    "bot can't initiate conversation",  # they never pressed Start
    "bot was blocked by the user",
    "user is deactivated",
    "bot can't send messages to bots",
)
# ... and those that mean the bot may not do it (no point retrying)
_NOT_ALLOWED = (
    "not enough rights",
    "have no rights",
    "can't remove chat owner",
    "user is an administrator",
    "can't restrict self",
    "can't demote chat creator",
    "method is available only for supergroups",
    "message can't be deleted",
    "chat_admin_required",
    "bot was blocked",
)


# the administrator right (as Telegram's settings name it) each refused method needs
NEEDED_RIGHT = {
    "restrictChatMember": "Ban users",
    "banChatMember": "Ban users",
    "unbanChatMember": "Ban users",
    "banChatSenderChat": "Ban users",
    "unbanChatSenderChat": "Ban users",
    "deleteMessage": "Delete messages",
    "pinChatMessage": "Pin messages",
}


def fix_for(doing: str) -> str:
    """What the moderators should change, for a refused `doing` ("" when we cannot say)."""
    right = NEEDED_RIGHT.get(doing.split(" ", 1)[0])
    return f" — make the bot an administrator with the right “{right}”" if right else ""


def seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def to_platform_error(exc: TelegramError, doing: str) -> PlatformError:
    """`doing` names the attempted step, e.g. "banChatMember for 42 in -100"."""
    text = f"Telegram refused {doing}: {exc.message}"
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = seconds(exc.retry_after)
        return PlatformError(
            PlatformError.RATE_LIMITED, f"{text} (retry in {wait:g}s)", retry_after=wait
        )
    if isinstance(exc, ChatMigrated):
        return PlatformError(
            PlatformError.NOT_FOUND,
            f"{text}: the group became a supergroup with id {exc.new_chat_id}",
        )
    if isinstance(exc, Forbidden) and any(f in exc.message.lower() for f in _UNREACHABLE):
        return PlatformError(PlatformError.UNREACHABLE, text)
    if isinstance(exc, Forbidden | InvalidToken):
        return PlatformError(PlatformError.FORBIDDEN, text)
    if isinstance(exc, BadRequest):
        description = exc.message.lower()
        if any(fragment in description for fragment in _GONE):
            return PlatformError(PlatformError.NOT_FOUND, text)
        if any(fragment in description for fragment in _NOT_ALLOWED):
            return PlatformError(PlatformError.FORBIDDEN, text + fix_for(doing))
        return PlatformError(PlatformError.OTHER, text)
    if isinstance(exc, NetworkError):  # includes TimedOut
        return PlatformError(PlatformError.UNAVAILABLE, text)
    return PlatformError(PlatformError.OTHER, text)
