"""When calendar entries post: pure functions over APScheduler 3.11 triggers.

Production (a Tick every minute) and simulation (`qunbot playbook test`, `/calendar`) both call
these functions, so they agree on every post time.

Time rules, all in the community timezone:
- a cron time is local wall-clock time, so `0 9 * * *` stays at 09:00 local across a DST change
  (its UTC hour moves by one);
- `start`/`end` are local dates, both inclusive; `skip_dates` are local dates;
- spring forward: a local time that does not exist that day (02:30 in Europe/Berlin on the last
  Sunday of March) posts at the same offset from midnight as before the change, i.e. one hour
  later on the wall clock (03:30 local) — once, never dropped; `at` times behave the same;
- fall back: a local time that happens twice (02:30 on the last Sunday of October) posts once,
  at its first occurrence. Each local wall-clock time posts at most once per entry.
All returned datetimes are UTC-aware.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from apscheduler.triggers.cron import CronTrigger

from rules.calendar.config import CalendarEntry, cron_fields

MisfireDecision = Literal["send", "skip"]
# how far `/calendar` looks ahead for the next posts of sparse schedules
DEFAULT_HORIZON = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class Upcoming:
    entry_id: str
    at: datetime  # UTC
    key: str

    def local(self, tz: tzinfo) -> datetime:
        return self.at.astimezone(tz)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _window(
    entry: CalendarEntry, tz: tzinfo, start: datetime, end: datetime | None
) -> tuple[datetime, datetime | None]:
    """Clamp [start, end) to the entry's own start/end dates (local, inclusive)."""
    lo = start.astimezone(UTC)
    hi = end.astimezone(UTC) if end is not None else None
    if entry.start is not None:
        lo = max(lo, _local_midnight(entry.start, tz))
    if entry.end is not None:
        last = _local_midnight(entry.end + timedelta(days=1), tz)
        hi = last if hi is None else min(hi, last)
    return lo, hi


def _is_second_reading(instant: datetime, tz: tzinfo) -> bool:
    """True for the later of two instants showing the same local time (fall back)."""
    local = instant.astimezone(tz)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


@functools.lru_cache(maxsize=512)
def _cron_trigger(cron: str, tz: tzinfo) -> CronTrigger:
    """The unbounded trigger of one cron expression in one zone, parsed once: building one
    (its fields' compiled expressions) cost more than the search it then runs."""
    return CronTrigger(**cron_fields(cron), timezone=tz)


def _bounded(trigger: CronTrigger, end: datetime | None) -> CronTrigger:
    """A copy of `trigger` ending at `end` (the parsed fields are shared, never changed)."""
    if end is None:
        return trigger
    bounded = CronTrigger.__new__(CronTrigger)
    bounded.__setstate__({**trigger.__getstate__(), "end_date": end})
    return bounded


def _cron_instants(
    entry: CalendarEntry, tz: tzinfo, lo: datetime, hi: datetime | None
) -> Iterator[datetime]:
    assert entry.cron is not None
    # end_date bounds APScheduler's own search, so a schedule with no post left in the window
    # (e.g. '0 9 29 2 *' in a short window) returns None instead of scanning years ahead
    trigger = _bounded(_cron_trigger(entry.cron, tz), hi.astimezone(tz) if hi else None)
    fire = trigger.get_next_fire_time(None, lo.astimezone(tz))
    while fire is not None:
        yield fire.astimezone(UTC)
        fire = trigger.get_next_fire_time(fire, fire)


def _at_instants(entry: CalendarEntry, tz: tzinfo) -> Iterator[datetime]:
    assert entry.at is not None
    instants = {
        (moment.replace(tzinfo=tz) if moment.tzinfo is None else moment).astimezone(UTC)
        for moment in entry.at
    }
    yield from sorted(instants)


def iter_occurrences(
    entry: CalendarEntry, tz: tzinfo, start: datetime, end: datetime | None = None
) -> Iterator[datetime]:
    """Lazily, every post of `entry` in [start, end) (end None: open-ended), UTC, ascending.

    Ignores `entry.enabled`: callers decide whether a disabled entry is shown or sent.
    """
    _require_aware(start, "start")
    if end is not None:
        _require_aware(end, "end")
    lo, hi = _window(entry, tz, start, end)
    if hi is not None and hi <= lo:
        return
    skip = set(entry.skip_dates)
    raw = _cron_instants(entry, tz, lo, hi) if entry.cron is not None else _at_instants(entry, tz)
    last: datetime | None = None
    for instant in raw:
        if hi is not None and instant >= hi:
            return
        # a non-existent spring-forward time can map onto an instant already yielded
        if instant < lo or (last is not None and instant <= last):
            continue
        if _is_second_reading(instant, tz) or instant.astimezone(tz).date() in skip:
            continue
        last = instant
        yield instant


def occurrences(entry: CalendarEntry, tz: tzinfo, start: datetime, end: datetime) -> list[datetime]:
    """Every post of `entry` in [start, end), as UTC-aware datetimes in ascending order."""
    return list(iter_occurrences(entry, tz, start, end))


def occurrence_key(entry_id: str, fire_time: datetime) -> str:
    """A stable unique id for one post, e.g. 'morning-knowledge@2026-12-01T01:00:00Z'.

    Always written in UTC, so the same instant gives the same key whatever zone the caller
    holds it in. Record it (unique per community) before posting: a second process or a restart
    that finds it already recorded does not post again.
    """
    _require_aware(fire_time, "fire_time")
    return f"{entry_id}@{fire_time.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def parse_occurrence_key(key: str) -> tuple[str, datetime]:
    entry_id, _, stamp = key.rpartition("@")
    if not entry_id:
        raise ValueError(f"not an occurrence key: {key!r}")
    return entry_id, datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def misfire_decision(scheduled_at: datetime, now: datetime, grace: timedelta) -> MisfireDecision:
    """Send a due post while it is at most `grace` late; later than that, skip it (and log).

    A post that is not late at all (now <= scheduled_at) is "send": the caller asks only about
    posts it found due, and a few seconds of clock skew must not drop one.
    """
    _require_aware(scheduled_at, "scheduled_at")
    _require_aware(now, "now")
    return "send" if now - scheduled_at <= grace else "skip"


def next_occurrences(
    entries: Mapping[str, CalendarEntry],
    tz: tzinfo,
    now: datetime,
    n: int,
    horizon: timedelta = DEFAULT_HORIZON,
) -> list[Upcoming]:
    """The next `n` posts of all enabled entries from `now` (inclusive), soonest first."""
    if n <= 0:
        return []
    until = now + horizon

    def stream(entry_id: str, entry: CalendarEntry) -> Iterator[tuple[datetime, str]]:
        for at in iter_occurrences(entry, tz, now, until):
            yield at, entry_id

    streams = [stream(i, e) for i, e in sorted(entries.items()) if e.enabled]
    merged = itertools.islice(heapq.merge(*streams), n)
    return [Upcoming(entry_id, at, occurrence_key(entry_id, at)) for at, entry_id in merged]
