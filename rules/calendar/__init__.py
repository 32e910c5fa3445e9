"""Content calendar (内容日历): scheduled posts by cron or at explicit local times, rotating
topic pools, images and polls — each post recorded before it is sent, so it goes out once."""

from __future__ import annotations

from datetime import tzinfo

from bot.commands import CommandSpec, OptionSpec
from bot.rule import Capability, JobSpec
from rules.calendar import rules as _rules
from rules.calendar.config import CalendarConfig, CalendarEntry
from rules.calendar.texts import TEXTS
from rules.calendar.trigger import CalendarTrigger


def calendar_trigger(config: CalendarConfig, tz: tzinfo) -> CalendarTrigger | None:
    if not any(entry.enabled for entry in config.entries.values()):
        return None
    return CalendarTrigger(config, tz)


CAPABILITY = Capability(
    name="calendar",
    config=CalendarConfig,
    rules=(_rules.post_due, _rules.calendar_command),
    commands=(
        CommandSpec(
            _rules.COMMAND,
            "The next calendar posts; moderators can pause, resume or preview an entry",
            (
                OptionSpec(
                    "action",
                    "choice",
                    "what to do",
                    required=False,
                    choices=("list", "preview", "pause", "resume"),
                ),
                OptionSpec("entry", "text", "the calendar entry", required=False),
                OptionSpec("count", "integer", "how many posts to list", required=False),
            ),
        ),
    ),
    texts=TEXTS,
    jobs=(JobSpec(_rules.TICK_JOB, calendar_trigger, reads_buffered=False),),
    priority=80,
    description="Content calendar: scheduled posts, topic pools, images and polls",
)

__all__ = ["CAPABILITY", "CalendarConfig", "CalendarEntry", "CalendarTrigger"]
