"""Calendar queries: claim an occurrence (exactly once), settle it, read the history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from bot.store.db import Taken
from bot.store.store import CommunityRef, Store
from rules.calendar.models import CalendarOccurrence

CLAIMED, SENT, FAILED, SKIPPED = "claimed", "sent", "failed", "skipped"
# statuses whose pool item members saw (or are about to see): they count for the rotation
SHOWN = (CLAIMED, SENT)


@dataclass(frozen=True, slots=True)
class OccurrenceRow:
    entry_id: str
    key: str
    scheduled_at: datetime
    status: str
    pool_item: str | None = None
    detail: str = ""
    alerted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewOccurrence:
    entry_id: str
    key: str
    scheduled_at: datetime
    status: str  # claimed (to be posted now) or skipped
    pool_item: str | None = None
    detail: str = ""


def _row(r: Any) -> OccurrenceRow:
    return OccurrenceRow(
        r.entry_id, r.key, r.scheduled_at, r.status, r.pool_item, r.detail, r.alerted_at
    )


async def record_occurrences(
    store: Store, ref: CommunityRef, rows: Sequence[NewOccurrence], at: datetime
) -> bool:
    """Insert all rows in one transaction, or none: False (nothing written) when any key is
    already recorded — another process or an earlier run owns it."""
    if not rows:
        return True
    try:
        async with store.sessions.begin() as s:
            for row in rows:
                stmt = (
                    store.insert(CalendarOccurrence)
                    .values(
                        community_id=ref.id,
                        entry_id=row.entry_id,
                        key=row.key,
                        scheduled_at=row.scheduled_at,
                        status=row.status,
                        pool_item=row.pool_item,
                        detail=row.detail,
                        claimed_at=at,
                        done_at=at if row.status == SKIPPED else None,
                    )
                    .on_conflict_do_nothing(
                        index_elements=[CalendarOccurrence.community_id, CalendarOccurrence.key]
                    )
                )
                if not (await s.execute(stmt)).rowcount:
                    raise Taken(row.key)  # rolls the whole batch back
    except Taken:
        return False
    return True


async def settle_occurrence(
    store: Store, ref: CommunityRef, key: str, status: str, at: datetime, detail: str = ""
) -> None:
    """claimed → sent | failed (only a claimed row moves)."""
    async with store.sessions.begin() as s:
        await s.execute(
            update(CalendarOccurrence)
            .where(
                CalendarOccurrence.community_id == ref.id,
                CalendarOccurrence.key == key,
                CalendarOccurrence.status == CLAIMED,
            )
            .values(status=status, done_at=at, detail=detail)
        )


async def mark_alerted(store: Store, ref: CommunityRef, keys: Sequence[str], at: datetime) -> None:
    if not keys:
        return
    async with store.sessions.begin() as s:
        await s.execute(
            update(CalendarOccurrence)
            .where(
                CalendarOccurrence.community_id == ref.id, CalendarOccurrence.key.in_(list(keys))
            )
            .values(alerted_at=at)
        )


# every column an `OccurrenceRow` reads: Core rows of them, no ORM instances (`Sessions.read`)
_ROW = (
    CalendarOccurrence.entry_id,
    CalendarOccurrence.key,
    CalendarOccurrence.scheduled_at,
    CalendarOccurrence.status,
    CalendarOccurrence.pool_item,
    CalendarOccurrence.detail,
    CalendarOccurrence.alerted_at,
)


async def _rows(store: Store, query: Any) -> list[OccurrenceRow]:
    return await store.sessions.read(lambda conn: [_row(r) for r in conn.execute(query)])


async def occurrences_since(
    store: Store, ref: CommunityRef, since: datetime
) -> list[OccurrenceRow]:
    """Every recorded occurrence scheduled at or after `since`, oldest first."""
    return await _rows(
        store,
        select(*_ROW)
        .where(
            CalendarOccurrence.community_id == ref.id,
            CalendarOccurrence.scheduled_at >= since,
        )
        .order_by(CalendarOccurrence.scheduled_at, CalendarOccurrence.id),
    )


async def unalerted_failures(store: Store, ref: CommunityRef) -> list[OccurrenceRow]:
    return await _rows(
        store,
        select(*_ROW)
        .where(
            CalendarOccurrence.community_id == ref.id,
            CalendarOccurrence.status == FAILED,
            CalendarOccurrence.alerted_at.is_(None),
        )
        .order_by(CalendarOccurrence.scheduled_at),
    )


async def pool_history(
    store: Store, ref: CommunityRef, entry_ids: Sequence[str]
) -> dict[str, list[str]]:
    """Per entry, the pool items members were shown, oldest first (failed posts excluded)."""
    if not entry_ids:
        return {}
    query = (
        select(CalendarOccurrence.entry_id, CalendarOccurrence.pool_item)
        .where(
            CalendarOccurrence.community_id == ref.id,
            CalendarOccurrence.entry_id.in_(list(entry_ids)),
            CalendarOccurrence.status.in_(SHOWN),
            CalendarOccurrence.pool_item.is_not(None),
        )
        .order_by(CalendarOccurrence.scheduled_at, CalendarOccurrence.id)
    )

    def work(conn: Connection) -> dict[str, list[str]]:
        history: dict[str, list[str]] = {e: [] for e in entry_ids}
        for entry_id, item in conn.execute(query):
            history[entry_id].append(item)
        return history

    return await store.sessions.read(work)
