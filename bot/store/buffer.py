"""Write-behind buffer for high-volume counters (messages per day/hour, last seen).

Counting a message must not cost a transaction: increments gather in memory and are flushed in
batches as Core `INSERT ... ON CONFLICT DO UPDATE` executemany (one statement for many rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol


@dataclass(slots=True)
class MemberDelta:
    name: str
    is_bot: bool
    first_at: datetime
    last_at: datetime
    messages: int = 0


@dataclass(slots=True)
class CounterBuffer:
    daily: dict[tuple[int, str, date], list[int]] = field(default_factory=dict)
    hourly: dict[tuple[int, date, int], int] = field(default_factory=dict)
    members: dict[tuple[int, str], MemberDelta] = field(default_factory=dict)
    events: int = 0

    def add_message(
        self,
        community_id: int,
        user_id: str,
        name: str,
        is_bot: bool,
        at: datetime,
        local_day: date,
        local_hour: int,
        chars: int,
        links: int,
    ) -> None:
        self.events += 1
        day_row = self.daily.setdefault((community_id, user_id, local_day), [0, 0, 0])
        day_row[0] += 1
        day_row[1] += chars
        day_row[2] += links
        hour_key = (community_id, local_day, local_hour)
        self.hourly[hour_key] = self.hourly.get(hour_key, 0) + 1
        member = self.members.get((community_id, user_id))
        if member is None:
            self.members[(community_id, user_id)] = MemberDelta(name, is_bot, at, at, 1)
        else:
            member.messages += 1
            member.name = name or member.name
            member.first_at = min(member.first_at, at)
            member.last_at = max(member.last_at, at)

    def last_seen(self, community_id: int, user_id: str) -> datetime | None:
        member = self.members.get((community_id, user_id))
        return member.last_at if member else None

    def take(self) -> CounterBuffer:
        """Hand over everything gathered so far and start empty."""
        taken = CounterBuffer(self.daily, self.hourly, self.members, self.events)
        self.daily, self.hourly, self.members, self.events = {}, {}, {}, 0
        return taken

    def __bool__(self) -> bool:
        return self.events > 0


class FlushPart(Protocol):
    """More write-behind state that a capability's store module keeps (e.g. message points):
    written by `Store.flush` in the same transaction as the counters."""

    def pending(self) -> bool: ...

    def take(self) -> Any:
        """Hand over what is gathered and start empty."""
        ...

    async def write(self, session: Any, store: Any, taken: Any) -> None: ...

    def merge_back(self, taken: Any) -> None:
        """The write failed: keep `taken` for the next flush."""
        ...
