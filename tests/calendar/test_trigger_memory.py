"""The calendar job's trigger keeps each entry's next post between questions: it fires at the
same times as a trigger asked once per question, through DST changes (02:30 that does not exist
or happens twice), sparse and weekly entries, skipped dates and questions going backwards."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.calendar.config import CalendarConfig
from rules.calendar.trigger import CalendarTrigger

ENTRIES = {
    "night": {"cron": "30 2 * * *", "channel": "c", "text": "t"},
    "morning": {"cron": "0 9 * * mon-fri", "channel": "c", "text": "t"},
    "evening": {"cron": "0 3 * * *", "channel": "c", "text": "t", "skip_dates": ["2026-03-29"]},
    "weekly": {"cron": "0 18 * * fri", "channel": "c", "text": "t"},
    "leap": {"cron": "0 9 29 2 *", "channel": "c", "text": "t"},
    "once": {"at": ["2026-10-25 02:30", "2026-03-29 02:30"], "channel": "c", "text": "t"},
}


def _config() -> CalendarConfig:
    return CalendarConfig.model_validate({"enabled": True, "entries": ENTRIES})


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_a_trigger_fires_as_one_asked_afresh_each_time(zone):
    tz = ZoneInfo(zone)
    kept = CalendarTrigger(_config(), tz)
    fired = []
    # both DST changes of each zone (Sydney's in April and October too)
    for start, end in (
        (datetime(2026, 3, 6), datetime(2026, 4, 8)),
        (datetime(2026, 10, 1), datetime(2026, 11, 5)),
    ):
        previous = start.replace(tzinfo=UTC)
        while previous < end.replace(tzinfo=UTC):
            at = kept.get_next_fire_time(previous, previous)
            assert at == CalendarTrigger(_config(), tz).get_next_fire_time(previous, previous)
            fired.append(at)
            previous = at
    assert len(fired) > 200  # posts and their follow-ups

    rng = random.Random(7)
    start = datetime(2026, 2, 20, tzinfo=UTC)
    for _ in range(150):  # questions in any order, any distance apart
        asked = start + timedelta(minutes=rng.randrange(0, 270 * 24 * 60))
        fresh = CalendarTrigger(_config(), tz)
        assert kept.get_next_fire_time(asked, asked) == fresh.get_next_fire_time(asked, asked)
