"""A community's local day (daily caps, check-in streaks, FAQ counts) follows its own clock,
also across a change of offset — the view remembers a day's span, and must never carry it
over a change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.rule import CommunityView


@pytest.mark.parametrize(
    "zone",
    [
        "UTC",
        "Asia/Shanghai",
        "Europe/London",
        "America/New_York",
        "America/Havana",  # clocks change at midnight: the day itself starts at 01:00
        "America/Santiago",
        "Australia/Lord_Howe",  # a half-hour change
        "Pacific/Apia",  # skipped a whole day (30 December 2011)
    ],
)
def test_the_local_day_of_every_instant_is_the_zone_clock_s_day(zone: str) -> None:
    tz = ZoneInfo(zone)
    view = CommunityView(None, None, tz)  # type: ignore[arg-type]
    wrong = []
    # events do not all carry the same tzinfo
    for event_tz in (UTC, timezone(timedelta(hours=-5))):
        at = datetime(2011, 3, 1, tzinfo=UTC).astimezone(event_tz)
        while at < datetime(2012, 12, 1, tzinfo=UTC):
            if view.day(at) != at.astimezone(tz).date():
                wrong.append(at)
            at += timedelta(minutes=37)
    assert wrong == []


def test_the_day_before_midnight_and_after_it_differ() -> None:
    view = CommunityView(None, None, ZoneInfo("Asia/Shanghai"))  # type: ignore[arg-type]
    before = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
    assert view.day(before).isoformat() == "2026-03-01"
    assert view.day(before + timedelta(seconds=1)).isoformat() == "2026-03-02"
    assert view.day(before).isoformat() == "2026-03-01"
