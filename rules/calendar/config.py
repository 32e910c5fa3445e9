"""The `calendar:` playbook section: scheduled posts (内容日历) by cron or at explicit times.

```yaml
calendar:
  enabled: true
  entries:
    morning-knowledge:             # the key is the stable job id (used in occurrence keys)
      cron: "0 9 * * mon-fri"      # 5-field cron in the community timezone, or `at:` below
      channel: general
      text: "📚 Today's topic: {topic}"
      pool: ["topic A", "topic B"] # rotating, no repeat until every item was used
      skip_dates: ["2026-12-25"]
      start: 2026-12-01
      end: 2027-03-01              # inclusive: the last day that may have a post
      grace: 30m                   # a post late by more than this is skipped (and logged)
```

Cron day-of-week numbers follow standard crontab (0 or 7 = Sunday, 1 = Monday); APScheduler 3
counts 0 as Monday, so numbers are translated to weekday names before APScheduler sees them.
When both day-of-month and day-of-week are given they must both match (APScheduler), unlike
classic cron's "either": `0 9 1-7 * mon` is the first Monday of each month.

`image:` paths are relative to the playbook's directory. The playbook loader validates with
`context={"base_dir": <dir>}`: a missing file is then an error at load time (with its line) and the
path is kept resolved against that directory, so the adapter gets a path it can open. Without that
context the path is kept as written and can be checked later with `missing_images(config, dir)`.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.configmodel import ConfigModel, Duration, SectionConfig, TemplateText
from bot.templates import check_template

# The order of the five crontab fields, named as APScheduler's CronTrigger names them.
CRON_FIELDS: tuple[str, ...] = ("minute", "hour", "day", "month", "day_of_week")
_FIELD_HINTS = {
    "minute": "0-59",
    "hour": "0-23",
    "day": "1-31",
    "month": "1-12 or jan-dec",
    "day_of_week": "0-7 (0 and 7 are Sunday) or sun-sat",
}
# Standard crontab weekday numbers: 0 = Sunday ... 6 = Saturday, 7 = Sunday again.
_CRONTAB_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_APS_WEEKDAY_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NUMERIC_DOW_PART = re.compile(r"^(\*|\d+)(?:-(\d+))?(?:/(\d+))?$")
_NEVER_CHECK_START = datetime(2024, 1, 1, tzinfo=UTC)
_NEVER_CHECK_END = datetime(2064, 1, 1, tzinfo=UTC)

TOPIC_FIELD = "topic"
# Telegram: question 1-300 characters, 2-10 options of 1-100 characters (Discord allows 10
# answers of at most 55 characters; the Discord adapter has to shorten or refuse).
POLL_MAX_OPTIONS = 10
POLL_MAX_QUESTION = 300
POLL_MAX_OPTION = 100


def validate_timezone(name: str) -> ZoneInfo:
    """An IANA timezone by name, or a ValueError that says what to write instead."""
    hint = "use an IANA name such as 'Asia/Shanghai', 'Europe/Berlin' or 'UTC'"
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"the timezone is empty: {hint}")
    try:
        return ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name.strip(), zoneinfo.available_timezones(), n=3)
        maybe = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise ValueError(f"unknown timezone {name!r}{maybe}: {hint}") from None


def _translate_day_of_week(expr: str) -> str:
    """Standard crontab weekday numbers → names, so 0/7 mean Sunday as operators expect."""
    parts = expr.split(",")
    if all(p.strip() == "*" for p in parts):
        return expr
    names: list[str] = []
    for part in parts:
        m = _NUMERIC_DOW_PART.match(part.strip())
        if not m:  # names such as mon-fri: APScheduler reads them like crontab does
            names.append(part)
            continue
        star, last, step = m.group(1) == "*", m.group(2), m.group(3)
        first = 0 if star else int(m.group(1))
        if last is not None:
            end = int(last)
        elif star or step:
            end = 6 if star else 7
        else:
            end = first
        if not 0 <= first <= 7 or not 0 <= end <= 7:
            raise ValueError(f"weekday {part!r} is outside 0-7 (0 and 7 are Sunday)")
        if first > end:
            raise ValueError(f"weekday range {part!r} runs backwards")
        days = {_CRONTAB_WEEKDAYS[d % 7] for d in range(first, end + 1, int(step or 1))}
        names.extend(sorted(days, key=_APS_WEEKDAY_ORDER.index))
    return ",".join(names)


def cron_fields(expr: str) -> dict[str, str]:
    """Split a 5-field crontab expression into APScheduler CronTrigger keyword arguments."""
    values = expr.split()
    if len(values) != 5:
        raise ValueError(
            f"a cron expression has 5 fields (minute hour day month weekday), got {len(values)} "
            f"in {expr!r}; for example '0 9 * * mon-fri'"
        )
    fields = dict(zip(CRON_FIELDS, values, strict=True))
    try:
        fields["day_of_week"] = _translate_day_of_week(fields["day_of_week"])
    except ValueError as exc:
        raise ValueError(f"cron {expr!r}: field 'day_of_week' is wrong: {exc}") from None
    return fields


def check_cron(expr: str) -> str:
    """Validate with APScheduler's own parser; on error name the field that is wrong."""
    fields = cron_fields(expr)
    try:
        CronTrigger.from_crontab(" ".join(fields.values()), timezone="UTC")
    except ValueError:
        for position, (name, value) in enumerate(fields.items(), start=1):
            try:
                CronTrigger(**{name: value}, timezone="UTC")
            except ValueError as exc:
                raise ValueError(
                    f"cron {expr!r}: field {position} ({name}) {value!r} is wrong: {exc}; "
                    f"expected {_FIELD_HINTS[name]}"
                ) from None
        raise
    # e.g. '0 9 30 2 *' (30 February) parses but never fires; 40 years cover every weekday
    # and leap-day combination
    trigger = CronTrigger(**fields, timezone="UTC", end_date=_NEVER_CHECK_END)
    if trigger.get_next_fire_time(None, _NEVER_CHECK_START) is None:
        raise ValueError(f"cron {expr!r} never fires: no date matches its day and month")
    return expr


CronText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _check_entry_id(value: str) -> str:
    if not 1 <= len(value) <= 64 or any(c.isspace() or c == "@" for c in value):
        raise ValueError(
            f"entry name {value!r} must be 1-64 characters without spaces or '@' "
            "(it names the entry's posts in the log), e.g. 'morning-knowledge'"
        )
    return value


# the entry's key: its stable job id
EntryId = Annotated[str, AfterValidator(_check_entry_id)]


class PollSpec(ConfigModel):
    question: TemplateText
    options: list[str]

    @field_validator("question")
    @classmethod
    def _question_fits(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the poll question is empty")
        if len(value) > POLL_MAX_QUESTION:
            raise ValueError(f"the poll question is longer than {POLL_MAX_QUESTION} characters")
        return value

    @field_validator("options")
    @classmethod
    def _options_fit(cls, options: list[str]) -> list[str]:
        if not 2 <= len(options) <= POLL_MAX_OPTIONS:
            raise ValueError(f"a poll needs 2 to {POLL_MAX_OPTIONS} options, got {len(options)}")
        for option in options:
            if not option.strip():
                raise ValueError("a poll option is empty")
            if len(option) > POLL_MAX_OPTION:
                raise ValueError(
                    f"poll option {option[:20]!r}… is longer than {POLL_MAX_OPTION} characters"
                )
        repeated = sorted({o for o in options if options.count(o) > 1})
        if repeated:
            raise ValueError(f"poll options repeat: {', '.join(repr(o) for o in repeated)}")
        return options


class CalendarEntry(ConfigModel):
    """One scheduled post. Exactly one of `cron` and `at` says when."""

    cron: CronText | None = None
    at: list[datetime] | None = None  # local date-times ("2026-12-01 09:00") unless an offset
    channel: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    text: TemplateText
    pool: list[str] | None = None
    image: str | None = None
    poll: PollSpec | None = None
    skip_dates: list[date] = Field(default_factory=list)
    start: date | None = None
    end: date | None = None  # inclusive
    grace: Duration = timedelta(minutes=30)
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("at")
    @classmethod
    def _at_not_empty(cls, value: list[datetime] | None) -> list[datetime] | None:
        if value is not None and not value:
            raise ValueError(
                "'at' lists no date-times; write at least one, e.g. '2026-12-01 09:00'"
            )
        return value

    @field_validator("pool")
    @classmethod
    def _pool_usable(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("the pool is empty; list at least one item or remove 'pool'")
        if any(not item.strip() for item in value):
            raise ValueError("the pool has an empty item")
        repeated = sorted({item for item in value if value.count(item) > 1})
        if repeated:
            raise ValueError(f"pool items repeat: {', '.join(repr(i) for i in repeated)}")
        return value

    @field_validator("image")
    @classmethod
    def _image_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        base = (info.context or {}).get("base_dir")
        if value is None or base is None:
            return value
        path = image_path(value, base)
        if not path.is_file():
            raise ValueError(f"image {value!r} not found (looked in {Path(base)})")
        return str(path.resolve())

    @model_validator(mode="after")
    def _consistent(self) -> CalendarEntry:
        if (self.cron is None) == (self.at is None):
            raise ValueError(
                "give exactly one of 'cron' (a repeating schedule such as '0 9 * * mon-fri') "
                "or 'at' (a list of local date-times such as '2026-12-01 09:00')"
            )
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"'end' ({self.end}) is before 'start' ({self.start})")
        uses_topic = TOPIC_FIELD in check_template(self.text) or (
            self.poll is not None and TOPIC_FIELD in check_template(self.poll.question)
        )
        if self.pool is not None and not uses_topic:
            raise ValueError(
                "'pool' is set but neither the text nor the poll question uses {topic}"
            )
        if self.pool is None and uses_topic:
            raise ValueError("the text uses {topic} but there is no 'pool' to take it from")
        return self


class CalendarConfig(SectionConfig):
    entries: dict[EntryId, CalendarEntry] = Field(default_factory=dict)


def image_path(image: str, playbook_dir: str | Path) -> Path:
    path = Path(image)
    return path if path.is_absolute() else Path(playbook_dir) / path


def missing_images(config: CalendarConfig, playbook_dir: str | Path) -> list[str]:
    """Errors for entries whose image file does not exist (for loaders that validate later)."""
    return [
        f"calendar.entries.{entry_id}.image: {entry.image!r} not found in {Path(playbook_dir)}"
        for entry_id, entry in config.entries.items()
        if entry.image is not None and not image_path(entry.image, playbook_dir).is_file()
    ]
