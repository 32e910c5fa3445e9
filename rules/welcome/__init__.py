"""Welcome SOP: greeting (batched in a join burst), direct message, optional verification,
follow-ups for newcomers who stay silent, and a newcomer window other rules can read."""

from __future__ import annotations

from datetime import datetime

from bot.rule import Capability
from bot.store import MemberInfo
from rules.welcome import rules as _rules
from rules.welcome.config import WelcomeConfig
from rules.welcome.steps import load_state


def is_newcomer(member: MemberInfo | None, cfg: WelcomeConfig, now: datetime) -> bool:
    """True while `member` is inside the playbook's newcomer window."""
    return bool(member and member.joined_at and now - member.joined_at < cfg.newcomer_window)


CAPABILITY = Capability(
    name="welcome",
    config=WelcomeConfig,
    rules=(
        _rules.on_join,
        _rules.on_button,
        _rules.on_dm_link,
        _rules.on_answer,
        _rules.on_leave,
        _rules.on_due,
    ),
    priority=10,
    description="Welcome SOP for newcomers",
    load_state=load_state,
)

__all__ = ["CAPABILITY", "WelcomeConfig", "is_newcomer"]
