"""Fixtures for the Discord adapter tests; `discord_harness` lives in `harness.py` so other test
packages can import it too."""

from tests.discord.harness import discord_harness

__all__ = ["discord_harness"]
