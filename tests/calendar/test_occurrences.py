"""When calendar posts go out, and what an operator is told when an entry is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from rules.calendar.config import (
    CalendarConfig,
    CalendarEntry,
    missing_images,
    validate_timezone,
)
from rules.calendar.occurrences import (
    misfire_decision,
    next_occurrences,
    occurrence_key,
    occurrences,
    parse_occurrence_key,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def entry(**fields: Any) -> CalendarEntry:
    return CalendarEntry.model_validate({"channel": "general", "text": "hello", **fields})


def local_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


# --- DST: local time stays, UTC shifts ------------------------------------------------------


def test_daily_post_stays_at_nine_local_through_october_dst_end_in_berlin() -> None:
    october = occurrences(
        entry(cron="0 9 * * *"),
        BERLIN,
        datetime(2026, 10, 1, tzinfo=BERLIN),
        datetime(2026, 11, 1, tzinfo=BERLIN),
    )

    assert [local(p, BERLIN).date() for p in october] == local_days(
        date(2026, 10, 1), date(2026, 10, 31)
    )
    assert {local(p, BERLIN).time().isoformat() for p in october} == {"09:00:00"}
    change = date(2026, 10, 25)  # last Sunday of October: CEST (+2) → CET (+1)
    assert {p.hour for p in october if local(p, BERLIN).date() < change} == {7}
    assert {p.hour for p in october if local(p, BERLIN).date() >= change} == {8}
    assert all(p.tzinfo is UTC for p in october)


def test_weekday_post_stays_at_nine_local_through_march_dst_start_in_new_york() -> None:
    march = occurrences(
        entry(cron="0 9 * * mon-fri"),
        NEW_YORK,
        datetime(2026, 3, 1, tzinfo=NEW_YORK),
        datetime(2026, 4, 1, tzinfo=NEW_YORK),
    )

    weekdays = [d for d in local_days(date(2026, 3, 1), date(2026, 3, 31)) if d.weekday() < 5]
    assert [local(p, NEW_YORK).date() for p in march] == weekdays
    assert {local(p, NEW_YORK).hour for p in march} == {9}
    change = date(2026, 3, 8)  # second Sunday of March: EST (-5) → EDT (-4)
    assert {p.hour for p in march if local(p, NEW_YORK).date() < change} == {14}
    assert {p.hour for p in march if local(p, NEW_YORK).date() > change} == {13}


def test_a_time_skipped_by_spring_forward_posts_once_an_hour_later() -> None:
    posts = occurrences(
        entry(cron="30 2 * * *"),
        BERLIN,
        datetime(2026, 3, 28, tzinfo=BERLIN),
        datetime(2026, 3, 31, tzinfo=BERLIN),
    )

    assert [local(p, BERLIN).strftime("%d %H:%M") for p in posts] == [
        "28 02:30",
        "29 03:30",  # 02:30 does not exist on 29 March
        "30 02:30",
    ]


def test_a_time_repeated_by_fall_back_posts_once_at_its_first_occurrence() -> None:
    posts = occurrences(
        entry(cron="30 2 * * *"),
        BERLIN,
        datetime(2026, 10, 24, tzinfo=BERLIN),
        datetime(2026, 10, 27, tzinfo=BERLIN),
    )

    assert [local(p, BERLIN).date().day for p in posts] == [24, 25, 26]
    on_change_day = posts[1]
    assert local(on_change_day, BERLIN).strftime("%H:%M%z") == "02:30+0200"


def test_half_hourly_schedule_never_posts_twice_at_the_same_instant_on_dst_days() -> None:
    for first, last in (
        (date(2026, 3, 29), date(2026, 3, 30)),
        (date(2026, 10, 25), date(2026, 10, 26)),
    ):
        posts = occurrences(
            entry(cron="*/30 1-3 * * *"),
            BERLIN,
            datetime.combine(first, datetime.min.time(), BERLIN),
            datetime.combine(last, datetime.min.time(), BERLIN),
        )
        assert posts == sorted(set(posts))
        walls = [local(p, BERLIN).strftime("%H:%M") for p in posts]
        assert len(walls) == len(set(walls))  # each wall-clock time at most once


# --- crontab semantics ------------------------------------------------------------------------


@pytest.mark.parametrize("weekday", ["0", "7", "sun"])
def test_weekday_zero_and_seven_mean_sunday_as_in_crontab(weekday: str) -> None:
    posts = occurrences(
        entry(cron=f"0 9 * * {weekday}"),
        SHANGHAI,
        datetime(2026, 12, 1, tzinfo=SHANGHAI),
        datetime(2027, 1, 1, tzinfo=SHANGHAI),
    )

    sundays = [d for d in local_days(date(2026, 12, 1), date(2026, 12, 31)) if d.weekday() == 6]
    assert [local(p, SHANGHAI).date() for p in posts] == sundays


def test_numeric_weekday_ranges_match_their_names() -> None:
    window = (
        datetime(2026, 12, 1, tzinfo=SHANGHAI),
        datetime(2027, 1, 1, tzinfo=SHANGHAI),
    )
    assert occurrences(entry(cron="0 9 * * 1-5"), SHANGHAI, *window) == occurrences(
        entry(cron="0 9 * * mon-fri"), SHANGHAI, *window
    )
    assert occurrences(entry(cron="0 9 * * */2"), SHANGHAI, *window) == occurrences(
        entry(cron="0 9 * * sun,tue,thu,sat"), SHANGHAI, *window
    )


# --- skip dates, start/end, window edges ----------------------------------------------------


def test_skip_dates_remove_exactly_those_local_days() -> None:
    skipped = [date(2026, 12, 24), date(2026, 12, 25)]
    posts = occurrences(
        entry(cron="0 20 * * *", skip_dates=[d.isoformat() for d in skipped]),
        SHANGHAI,
        datetime(2026, 12, 1, tzinfo=SHANGHAI),
        datetime(2027, 1, 1, tzinfo=SHANGHAI),
    )

    days = [local(p, SHANGHAI).date() for p in posts]
    assert days == [
        d for d in local_days(date(2026, 12, 1), date(2026, 12, 31)) if d not in skipped
    ]


def test_start_and_end_are_inclusive_local_dates() -> None:
    # 00:30 in Shanghai is 16:30 UTC the day before: the bounds must be read in local time
    posts = occurrences(
        entry(cron="30 0 * * *", start="2026-12-03", end="2026-12-05"),
        SHANGHAI,
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )

    assert [local(p, SHANGHAI).date() for p in posts] == local_days(
        date(2026, 12, 3), date(2026, 12, 5)
    )
    assert posts[0] == datetime(2026, 12, 2, 16, 30, tzinfo=UTC)


def test_window_includes_its_start_and_excludes_its_end() -> None:
    nine = datetime(2026, 12, 2, 9, tzinfo=SHANGHAI)
    daily = entry(cron="0 9 * * *")

    assert occurrences(daily, SHANGHAI, nine, nine + timedelta(days=1)) == [nine.astimezone(UTC)]
    assert occurrences(daily, SHANGHAI, nine - timedelta(days=1), nine) == [
        (nine - timedelta(days=1)).astimezone(UTC)
    ]


def test_an_empty_or_reversed_window_has_no_posts() -> None:
    nine = datetime(2026, 12, 2, 9, tzinfo=SHANGHAI)
    assert occurrences(entry(cron="0 9 * * *"), SHANGHAI, nine, nine) == []
    assert occurrences(entry(cron="0 9 * * *"), SHANGHAI, nine, nine - timedelta(days=3)) == []


def test_naive_window_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        occurrences(
            entry(cron="0 9 * * *"),
            SHANGHAI,
            datetime(2026, 12, 1),
            datetime(2026, 12, 2),
        )


# --- explicit `at` times ----------------------------------------------------------------------


def test_explicit_at_times_are_local_sorted_and_limited_to_the_window() -> None:
    at = [
        "2026-12-24 20:00",
        "2026-12-01 09:00",
        "2027-02-01 09:00",
        "2026-12-01 09:00",
    ]
    posts = occurrences(
        entry(at=at, skip_dates=["2026-12-25"]),
        SHANGHAI,
        datetime(2026, 12, 1, tzinfo=SHANGHAI),
        datetime(2027, 1, 1, tzinfo=SHANGHAI),
    )

    assert [local(p, SHANGHAI).strftime("%m-%d %H:%M") for p in posts] == [
        "12-01 09:00",
        "12-24 20:00",
    ]
    assert posts[0] == datetime(2026, 12, 1, 1, tzinfo=UTC)


def test_an_at_time_with_an_offset_keeps_that_offset() -> None:
    posts = occurrences(
        entry(at=["2026-12-01 09:00+00:00"]),
        SHANGHAI,
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2026, 12, 2, tzinfo=UTC),
    )
    assert posts == [datetime(2026, 12, 1, 9, tzinfo=UTC)]


def test_at_time_on_a_skip_date_or_outside_start_end_is_dropped() -> None:
    posts = occurrences(
        entry(
            at=["2026-12-01 09:00", "2026-12-02 09:00", "2026-12-09 09:00"],
            end="2026-12-05",
        ),
        SHANGHAI,
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2028, 1, 1, tzinfo=UTC),
    )
    assert [local(p, SHANGHAI).day for p in posts] == [1, 2]


# --- keys, misfires, the /calendar listing ----------------------------------------------------


def test_occurrence_key_is_the_same_for_one_instant_in_any_zone() -> None:
    moment = datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    key = occurrence_key("morning-knowledge", moment)

    assert key == occurrence_key("morning-knowledge", moment.astimezone(UTC))
    assert key == occurrence_key("morning-knowledge", moment.astimezone(BERLIN))
    assert key.startswith("morning-knowledge@")
    assert parse_occurrence_key(key) == ("morning-knowledge", moment.astimezone(UTC))


def test_every_post_of_a_month_gets_its_own_key() -> None:
    posts = occurrences(
        entry(cron="*/30 8-20 * * *"),
        BERLIN,
        datetime(2026, 10, 1, tzinfo=BERLIN),
        datetime(2026, 11, 1, tzinfo=BERLIN),
    )
    keys = [occurrence_key("tips", p) for p in posts]
    assert len(keys) == len(set(keys)) == len(posts) > 0


def test_a_post_late_within_grace_is_sent_and_later_is_skipped() -> None:
    due = datetime(2026, 12, 1, 1, tzinfo=UTC)
    grace = timedelta(minutes=30)

    assert misfire_decision(due, due, grace) == "send"
    assert misfire_decision(due, due + timedelta(minutes=29), grace) == "send"
    assert misfire_decision(due, due + grace, grace) == "send"
    assert misfire_decision(due, due + grace + timedelta(seconds=1), grace) == "skip"
    assert misfire_decision(due, due + timedelta(days=1), grace) == "skip"
    # a clock a little behind the scheduler's must not drop a due post
    assert misfire_decision(due, due - timedelta(seconds=2), grace) == "send"


def test_calendar_listing_shows_the_next_posts_of_enabled_entries_soonest_first() -> None:
    config = CalendarConfig.model_validate(
        {
            "entries": {
                "morning": {
                    "cron": "0 9 * * mon-fri",
                    "channel": "general",
                    "text": "A",
                },
                "launch": {"at": ["2026-12-02 08:00"], "channel": "news", "text": "B"},
                "paused": {
                    "cron": "* * * * *",
                    "channel": "x",
                    "text": "C",
                    "enabled": False,
                },
            }
        }
    )
    now = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)  # a Tuesday, 09:00 sharp

    upcoming = next_occurrences(config.entries, SHANGHAI, now, 4)

    assert [(u.entry_id, u.local(SHANGHAI).strftime("%d %H:%M")) for u in upcoming] == [
        ("morning", "01 09:00"),
        ("launch", "02 08:00"),
        ("morning", "02 09:00"),
        ("morning", "03 09:00"),
    ]
    assert all(u.key == occurrence_key(u.entry_id, u.at) for u in upcoming)
    assert next_occurrences(config.entries, SHANGHAI, now, 0) == []


def test_calendar_listing_of_a_finished_entry_is_empty() -> None:
    config = CalendarConfig.model_validate(
        {
            "entries": {
                "old": {
                    "cron": "0 9 * * *",
                    "channel": "g",
                    "text": "x",
                    "end": "2020-01-01",
                }
            }
        }
    )
    assert next_occurrences(config.entries, SHANGHAI, datetime(2026, 1, 1, tzinfo=UTC), 5) == []


# --- playbook validation ----------------------------------------------------------------------

PLAYBOOK = """
calendar:
  enabled: true
  entries:
    morning-knowledge:
      cron: "0 9 * * mon-fri"
      channel: general
      text: "📚 Today's topic: {topic}"
      pool: ["topic A", "topic B"]
      skip_dates: ["2026-12-25"]
      start: 2026-12-01
      end: 2027-03-01
      grace: 30m
    年终投票:
      at: ["2026-12-24 20:00"]
      channel: 闲聊
      text: "投票：今年最喜欢的活动？"
      poll: { question: "最喜欢哪一个？", options: ["读书会", "徒步"] }
"""


def test_the_documented_playbook_section_loads() -> None:
    config = CalendarConfig.model_validate(yaml.safe_load(PLAYBOOK)["calendar"])

    morning = config.entries["morning-knowledge"]
    assert morning.grace == timedelta(minutes=30)
    assert morning.start == date(2026, 12, 1) and morning.end == date(2027, 3, 1)
    assert morning.text.render(topic="topic A") == "📚 Today's topic: topic A"
    assert config.entries["年终投票"].poll is not None


def errors_of(**fields: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        entry(**fields)
    return info.value.errors()


def message(**fields: Any) -> str:
    return " | ".join(e["msg"] for e in errors_of(**fields))


@pytest.mark.parametrize(
    ("cron", "field"),
    [
        ("61 9 * * *", "minute"),
        ("0 25 * * *", "hour"),
        ("0 9 32 * *", "day"),
        ("0 9 * 13 *", "month"),
        ("0 9 * * xyz", "day_of_week"),
        ("0 9 * * 8", "day_of_week"),
    ],
)
def test_a_bad_cron_field_is_named(cron: str, field: str) -> None:
    errors = errors_of(cron=cron)
    assert errors[0]["loc"] == ("cron",)
    assert f"({field})" in errors[0]["msg"] or f"'{field}'" in errors[0]["msg"]
    assert cron in errors[0]["msg"]


def test_a_cron_with_the_wrong_number_of_fields_says_five() -> None:
    assert "5 fields" in message(cron="0 9 * *")


def test_a_cron_that_can_never_fire_is_refused() -> None:
    assert "never fires" in message(cron="0 9 30 2 *")


def test_cron_and_at_are_exclusive_and_one_is_required() -> None:
    assert "exactly one of 'cron'" in message(cron="0 9 * * *", at=["2026-12-01 09:00"])
    assert "exactly one of 'cron'" in message()


def test_end_before_start_is_refused() -> None:
    assert "'end' (2026-11-01) is before 'start' (2026-12-01)" in message(
        cron="0 9 * * *", start="2026-12-01", end="2026-11-01"
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"pool": [], "text": "{topic}"}, "the pool is empty"),
        ({"pool": ["a", "a"], "text": "{topic}"}, "pool items repeat: 'a'"),
        ({"pool": ["a", "b"]}, "neither the text nor the poll question uses {topic}"),
        ({"text": "Today: {topic}"}, "no 'pool'"),
        ({"at": []}, "'at' lists no date-times"),
    ],
)
def test_pool_and_at_mistakes_are_explained(fields: dict[str, Any], expected: str) -> None:
    assert expected in message(**({"cron": "0 9 * * *"} | fields))


@pytest.mark.parametrize(
    ("poll", "expected"),
    [
        ({"question": "Which?", "options": ["only one"]}, "2 to 10 options, got 1"),
        ({"question": "Which?", "options": [str(i) for i in range(11)]}, "got 11"),
        ({"question": "Which?", "options": ["a", "a"]}, "poll options repeat"),
        ({"question": " ", "options": ["a", "b"]}, "question is empty"),
        ({"question": "Which?", "options": ["a", ""]}, "option is empty"),
    ],
)
def test_bad_poll_is_explained(poll: dict[str, Any], expected: str) -> None:
    errors = errors_of(cron="0 9 * * *", poll=poll)
    assert errors[0]["loc"][0] == "poll"
    assert expected in errors[0]["msg"]


def test_unknown_keys_are_errors_at_their_path() -> None:
    with pytest.raises(ValidationError) as info:
        CalendarConfig.model_validate(
            {"entries": {"tips": {"cron": "0 9 * * *", "chanel": "general", "text": "x"}}}
        )
    locs = {e["loc"] for e in info.value.errors()}
    assert ("entries", "tips", "chanel") in locs  # the typo
    assert ("entries", "tips", "channel") in locs  # and what is missing


def test_an_entry_id_cannot_hold_spaces_or_at_signs() -> None:
    with pytest.raises(ValidationError) as info:
        CalendarConfig.model_validate(
            {"entries": {"morning tips@9": {"cron": "0 9 * * *", "channel": "g", "text": "x"}}}
        )
    error = info.value.errors()[0]
    assert error["loc"][:2] == ("entries", "morning tips@9")
    assert "without spaces or '@'" in error["msg"]


def test_an_image_is_checked_against_the_playbook_directory(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "x.png").write_bytes(b"\x89PNG")
    data = {"cron": "0 9 * * *", "channel": "g", "text": "x", "image": "assets/x.png"}

    CalendarEntry.model_validate(data, context={"base_dir": tmp_path})
    with pytest.raises(ValidationError, match="'assets/y.png' not found"):
        CalendarEntry.model_validate(
            data | {"image": "assets/y.png"}, context={"base_dir": tmp_path}
        )
    # without a directory the loader checks later
    config = CalendarConfig.model_validate({"entries": {"tips": data | {"image": "assets/y.png"}}})
    assert missing_images(config, tmp_path) == [
        f"calendar.entries.tips.image: 'assets/y.png' not found in {tmp_path}"
    ]
    assert missing_images(config.model_copy(update={"entries": {}}), tmp_path) == []


def test_timezone_names_are_checked_with_a_suggestion() -> None:
    assert validate_timezone("Asia/Shanghai") == SHANGHAI
    with pytest.raises(
        ValueError,
        match=r"unknown timezone 'Asia/Shangai' \(did you mean 'Asia/Shanghai'",
    ):
        validate_timezone("Asia/Shangai")
    with pytest.raises(ValueError, match="timezone is empty"):
        validate_timezone("")
    with pytest.raises(ValueError, match="unknown timezone"):
        validate_timezone("../../etc/passwd")
