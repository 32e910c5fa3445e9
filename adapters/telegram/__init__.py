"""Telegram adapter (python-telegram-bot 22): translate updates to events, perform actions."""

from adapters.telegram.adapter import ALLOWED_UPDATES, TelegramAdapter
from adapters.telegram.directory import Directory
from adapters.telegram.errors import to_platform_error
from adapters.telegram.execute import resolve_channel
from adapters.telegram.translate import TranslateContext, translate_update
from bot.adapter import AdapterStartError

__all__ = [
    "ALLOWED_UPDATES",
    "AdapterStartError",
    "Directory",
    "TelegramAdapter",
    "TranslateContext",
    "resolve_channel",
    "to_platform_error",
    "translate_update",
]
