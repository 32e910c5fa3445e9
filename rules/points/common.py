"""Small pieces the engagement capabilities share: local times of day, daily cron triggers,
texts from the playbook or the built-in catalogue, and local-day arithmetic."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any

from apscheduler.triggers.cron import CronTrigger
from pydantic import BeforeValidator, PlainSerializer

from bot.rule import CommunityView
from bot.templates import Template

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock(value: Any) -> time:
    """'20:00' or '7:30' (24-hour, local time of the community)."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 20:00 as the base-60 number 1200
        return time(value // 60, value % 60)
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
            return time(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"expected a local time of day such as '20:00', got {value!r}")


ClockTime = Annotated[
    time,
    BeforeValidator(parse_clock),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
]


def daily_at(at: time, tz: tzinfo) -> CronTrigger:
    """Every day at a local time in the community's timezone."""
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=tz)


def say(view: CommunityView, template: Template | None, key: str, /, **values: Any) -> str:
    """A member-visible text: the playbook section's template if set, else the built-in text
    (in the community's language, overridable under `messages:`)."""
    values.setdefault("community", view.settings.name)
    if template is not None:
        return template.render(values)
    return view.texts.get(key, **values)


def local_day(view: CommunityView, when: datetime) -> date:
    return view.day(when)


def local_midnight(view: CommunityView, day: date) -> datetime:
    """The instant a local day starts, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=view.tz)


def in_window(now_local: time, start: time, end: time) -> bool:
    """Is a local time inside [start, end)? Windows may wrap midnight (22:00–08:00)."""
    if start == end:
        return False
    if start < end:
        return start <= now_local < end
    return now_local >= start or now_local < end


def days(n: int) -> timedelta:
    return timedelta(days=n)
