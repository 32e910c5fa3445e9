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

from rules.calendar.config import CalendarConfig, CalendarEntry
from rules.calendar.occurrences import iter_occurrences

FOLLOW_UP = timedelta(minutes=1)
_TINY = timedelta(microseconds=1)
_HORIZON = timedelta(days=400)
_EVEN_SPAN = timedelta(days=7)


class CalendarTrigger(BaseTrigger):
    def __init__(self, config: CalendarConfig, tz: tzinfo) -> None:
        self.entries = {k: e for k, e in config.entries.items() if e.enabled}
        self.tz = tz
        digest = hashlib.sha256(f"{config.model_dump_json()}|{tz}".encode()).hexdigest()
        # the same playbook gives the same trigger: a reload replaces the job only on change
        self.fingerprint = digest[:16]
        # entry → (searched from, the first post found): a trigger is asked from times that
        # mostly lie before the same next post (each firing asks twice, for posts and
        # follow-ups), and a cron search costs more than the rest of a firing
        self._found: dict[str, tuple[datetime, datetime | None]] = {}

    def _first_after(self, after: datetime) -> datetime | None:
        best: datetime | None = None
        for entry_id, entry in self.entries.items():
            found = self._next_post(entry_id, entry, after)
            if found is not None and (best is None or found < best):
                best = found
        return best

    def _next_post(self, entry_id: str, entry: CalendarEntry, after: datetime) -> datetime | None:
        """The entry's first post at or after `after`. The last answer is kept: asked again
        from a time between the one it was searched from and the post found, it is the same
        post (nothing lies between) — when the local clock ran evenly over that span (the same
        UTC offset at both ends, at most a week apart), since around a DST change the search
        of a cron time can depend on where it starts."""
        held = self._found.get(entry_id)
        if held is not None:
            since, post = held
            if (
                post is not None
                and since <= after <= post
                and post - since <= _EVEN_SPAN
                and since.astimezone(self.tz).utcoffset() == post.astimezone(self.tz).utcoffset()
            ):
                return post
        post = next(iter_occurrences(entry, self.tz, after, after + _HORIZON), None)
        self._found[entry_id] = (after, post)
        return post

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
