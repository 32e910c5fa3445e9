"""Daily check-ins (每日打卡): /checkin or a keyword, once per local day, streaks with
freezes, milestones, an optional reminder for streaks at risk, and /streaks."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.commands import CommandSpec
from bot.rule import Capability, JobSpec
from rules.checkin import rules as _rules
from rules.checkin.config import CheckinConfig
from rules.checkin.privacy import MEMBER_DATA
from rules.checkin.rules import MEMBER_PART, REMINDER_JOB, alive, is_checkin_text, next_streak
from rules.checkin.texts import TEXTS
from rules.points.common import daily_at


def _reminder_trigger(cfg: CheckinConfig, tz: tzinfo) -> Any:
    return daily_at(cfg.reminder.at, tz) if cfg.reminder.enabled else None


CAPABILITY = Capability(
    name="checkin",
    config=CheckinConfig,
    rules=(_rules.on_keyword, _rules.on_command, _rules.on_streaks, _rules.on_reminder),
    commands=(
        CommandSpec("checkin", "Check in for today and grow your streak"),
        CommandSpec("streaks", "The longest check-in streaks going"),
    ),
    texts=TEXTS,
    member_data=MEMBER_DATA,
    member_part=MEMBER_PART,
    jobs=(JobSpec(REMINDER_JOB, _reminder_trigger, reads_buffered=False),),
    priority=50,  # before points: a check-in message is not also paid as a chat message
    description="Daily check-ins with streaks",
)

__all__ = ["CAPABILITY", "CheckinConfig", "alive", "is_checkin_text", "next_streak"]
