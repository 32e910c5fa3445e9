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
        # (on every message: no row built when the key has one, no min()/max() calls)
        self.events += 1
        day_key = (community_id, user_id, local_day)
        day_row = self.daily.get(day_key)
        if day_row is None:
            self.daily[day_key] = [1, chars, links]
        else:
            day_row[0] += 1
            day_row[1] += chars
            day_row[2] += links
        hour_key = (community_id, local_day, local_hour)
        hourly = self.hourly
        hourly[hour_key] = hourly.get(hour_key, 0) + 1
        member_key = (community_id, user_id)
        member = self.members.get(member_key)
        if member is None:
            self.members[member_key] = MemberDelta(name, is_bot, at, at, 1)
        else:
            member.messages += 1
            if name:
                member.name = name
            if at < member.first_at:
                member.first_at = at
            if at > member.last_at:
                member.last_at = at

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

    def write(self, conn: Any, store: Any, taken: Any) -> None:
        """Inside the flush's transaction (`Store.sessions.run`): sync Core statements on
        its connection."""
        ...

    def merge_back(self, taken: Any) -> None:
        """The write failed: keep `taken` for the next flush."""
        ...


class AuditRows:
    """The audit log, write-behind: the executor's rows of executed, skipped and failed actions
    gather here and are written by the store's next flush, in the same transaction as the
    counters (one executemany instead of one transaction per acting event).

    What a crash may lose: the audit rows since the last flush (at most `flush_every` events,
    or a couple of seconds of a running bot). An audit row is a log, not money: the facts that
    protect people or money — cases, ledger rows, check-ins, redemptions, standing, bans,
    processed-event keys — are written through before anything is acted on, and an event that
    acted and has a redelivery key flushes at once, its audit rows with it."""

    NAME = "audit"

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, community_id: int, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row["community_id"] = community_id
            self.rows.append(row)

    def pending(self) -> bool:
        return bool(self.rows)

    def take(self) -> list[dict[str, Any]]:
        taken, self.rows = self.rows, []
        return taken

    def merge_back(self, taken: list[dict[str, Any]]) -> None:
        taken.extend(self.rows)
        self.rows = taken

    def write(self, conn: Any, store: Any, taken: list[dict[str, Any]]) -> None:
        if taken:
            store.write_audit(conn, taken)
