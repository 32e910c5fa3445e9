"""The Discord adapter: discord.py events → `bot.events`, `bot.actions` → Discord.

Public names: `DiscordAdapter`, `AdapterStartError`, `DiscordTexts`, `default_intents`.
Setup and permissions: docs/discord.md.
"""

from adapters.discord.adapter import TOKEN_ENV, DiscordAdapter, default_intents
from adapters.discord.texts import DiscordTexts
from bot.adapter import AdapterStartError

__all__ = ["TOKEN_ENV", "AdapterStartError", "DiscordAdapter", "DiscordTexts", "default_intents"]
