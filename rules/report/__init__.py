"""Weekly community health report: metrics, the 100-point score with suggestions, and charts,
posted to the moderators' channel on a weekly schedule (weekday + local time)."""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

from bot.rule import Capability, JobSpec
from rules.report import rules as _rules
from rules.report.config import WeeklyReportConfig


def weekly_trigger(cfg: WeeklyReportConfig, tz: tzinfo) -> CronTrigger:
    hour, minute = cfg.hour_minute
    return CronTrigger(day_of_week=cfg.weekday, hour=hour, minute=minute, timezone=tz)


CAPABILITY = Capability(
    name="report",
    config=WeeklyReportConfig,
    rules=(_rules.weekly,),
    jobs=(JobSpec(_rules.JOB, weekly_trigger),),
    priority=900,  # after everything that acts on members
    description="Weekly community health report to the moderators",
)

__all__ = ["CAPABILITY", "WeeklyReportConfig", "weekly_trigger"]
