"""What anti-spam pipeline tests ask of a harness: was the member's message removed, and why."""

from __future__ import annotations

from bot.actions import DeleteMessage
from tests.harness import BotHarness, Handled


def removed(bot: BotHarness, user: str) -> bool:
    return any(isinstance(a, DeleteMessage) for a in bot.actions_for(user))


def enforce_reason(handled: Handled) -> str:
    """Why the enforcing anti-spam rules acted (or did not) on one message."""
    return next(o.reason for o in handled.outcomes if o.rule == "antispam.enforce")
