"""The APScheduler trigger of a community's calendar job.

One job per community fires at every post time of every enabled entry (and one minute later, to
report a post that failed), instead of one APScheduler cron job per entry: APScheduler fires a
repeated fall-back hour twice, while `iter_occurrences` posts each local time once. On its first
call (a start, a take-over, a reload) the trigger fires at once, so posts missed while the bot
was down are sent late within their grace, or skipped and logged.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger

from rules.calendar.config import CalendarConfig
from rules.calendar.occurrences import iter_occurrences

FOLLOW_UP = timedelta(minutes=1)
_TINY = timedelta(microseconds=1)
_HORIZON = timedelta(days=400)


class CalendarTrigger(BaseTrigger):
    def __init__(self, config: CalendarConfig, tz: tzinfo) -> None:
        self.entries = {k: e for k, e in config.entries.items() if e.enabled}
        self.tz = tz
        digest = hashlib.sha256(f"{config.model_dump_json()}|{tz}".encode()).hexdigest()
        # the same playbook gives the same trigger: a reload replaces the job only on change
        self.fingerprint = digest[:16]

    def _first_after(self, after: datetime) -> datetime | None:
        best: datetime | None = None
        for entry in self.entries.values():
            found = next(iter_occurrences(entry, self.tz, after, after + _HORIZON), None)
            if found is not None and (best is None or found < best):
                best = found
        return best

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is None:
            return now  # catch up at once
        post = self._first_after(previous_fire_time + _TINY)
        follow = self._first_after(previous_fire_time - FOLLOW_UP + _TINY)
        times = [t for t in (post, follow + FOLLOW_UP if follow else None) if t is not None]
        return min(times) if times else None

    def __repr__(self) -> str:
        return f"<CalendarTrigger {len(self.entries)} entries {self.fingerprint}>"

    __str__ = __repr__
