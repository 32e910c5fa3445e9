"""Clocks: the only place that reads the wall clock. Tests and replays use simulated ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """Stands still until moved: for tests and replays."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError(f"time cannot go back ({when} < {self._now})")
        self._now = when

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now


class OffsetClock:
    """Real time plus an offset that only grows: the console's `/time +1d`."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time cannot go back")
        self.offset += delta
        return self.now()

    def resume(self, when: datetime) -> None:
        """Carry on from a simulated time saved earlier (the clock never goes back: a saved
        time already past in real time changes nothing)."""
        self.offset = max(self.offset, when - datetime.now(UTC))
