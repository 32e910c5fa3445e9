"""Calendar queries: claim an occurrence (exactly once), settle it, read the history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
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


# the statements of the scheduled tick and its patches, built once (building one costs more
# CPU than running it on a small table); the values go in as bound parameters
_SETTLE = (
    update(CalendarOccurrence)
    .where(
        CalendarOccurrence.community_id == bindparam("cid"),
        CalendarOccurrence.key == bindparam("k"),
        CalendarOccurrence.status == CLAIMED,
    )
    .values(status=bindparam("to"), done_at=bindparam("at"), detail=bindparam("why"))
)
_ALERTED = (
    update(CalendarOccurrence)
    .where(
        CalendarOccurrence.community_id == bindparam("cid"),
        CalendarOccurrence.key.in_(bindparam("keys", expanding=True)),
    )
    .values(alerted_at=bindparam("at"))
)


async def settle_occurrence(
    store: Store, ref: CommunityRef, key: str, status: str, at: datetime, detail: str = ""
) -> None:
    """claimed → sent | failed (only a claimed row moves)."""
    values = {"cid": ref.id, "k": key, "to": status, "at": at, "why": detail}
    await store.sessions.run(lambda conn: conn.execute(_SETTLE, values))


async def mark_alerted(store: Store, ref: CommunityRef, keys: Sequence[str], at: datetime) -> None:
    if not keys:
        return
    values = {"cid": ref.id, "keys": list(keys), "at": at}
    await store.sessions.run(lambda conn: conn.execute(_ALERTED, values))


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
# scheduled_at >= since: served by the index on (community_id, scheduled_at)
_SINCE = (
    select(*_ROW)
    .where(
        CalendarOccurrence.community_id == bindparam("cid"),
        CalendarOccurrence.scheduled_at >= bindparam("since"),
    )
    .order_by(CalendarOccurrence.scheduled_at, CalendarOccurrence.id)
)
_FAILURES = (
    select(*_ROW)
    .where(
        CalendarOccurrence.community_id == bindparam("cid"),
        CalendarOccurrence.status == FAILED,
        CalendarOccurrence.alerted_at.is_(None),
    )
    .order_by(CalendarOccurrence.scheduled_at)
)
_POOLS = (
    select(CalendarOccurrence.entry_id, CalendarOccurrence.pool_item)
    .where(
        CalendarOccurrence.community_id == bindparam("cid"),
        CalendarOccurrence.entry_id.in_(bindparam("entries", expanding=True)),
        CalendarOccurrence.status.in_(SHOWN),
        CalendarOccurrence.pool_item.is_not(None),
    )
    .order_by(CalendarOccurrence.scheduled_at, CalendarOccurrence.id)
)


def _since(conn: Connection, ref: CommunityRef, since: datetime) -> list[OccurrenceRow]:
    return [_row(r) for r in conn.execute(_SINCE, {"cid": ref.id, "since": since})]


def _failures(conn: Connection, ref: CommunityRef) -> list[OccurrenceRow]:
    return [_row(r) for r in conn.execute(_FAILURES, {"cid": ref.id})]


def _pools(conn: Connection, ref: CommunityRef, entry_ids: Sequence[str]) -> dict[str, list[str]]:
    history: dict[str, list[str]] = {e: [] for e in entry_ids}
    if entry_ids:
        for entry_id, item in conn.execute(_POOLS, {"cid": ref.id, "entries": list(entry_ids)}):
            history[entry_id].append(item)
    return history


async def occurrences_since(
    store: Store, ref: CommunityRef, since: datetime
) -> list[OccurrenceRow]:
    """Every recorded occurrence scheduled at or after `since`, oldest first."""
    return await store.sessions.read(lambda conn: _since(conn, ref, since))


async def unalerted_failures(store: Store, ref: CommunityRef) -> list[OccurrenceRow]:
    return await store.sessions.read(lambda conn: _failures(conn, ref))


async def pool_history(
    store: Store, ref: CommunityRef, entry_ids: Sequence[str]
) -> dict[str, list[str]]:
    """Per entry, the pool items members were shown, oldest first (failed posts excluded)."""
    if not entry_ids:
        return {}
    return await store.sessions.read(lambda conn: _pools(conn, ref, entry_ids))


@dataclass(frozen=True, slots=True)
class TickReads:
    recorded: list[OccurrenceRow]
    history: dict[str, list[str]]
    failures: list[OccurrenceRow]


async def tick_reads(
    store: Store, ref: CommunityRef, since: datetime, pooled: Sequence[str]
) -> TickReads:
    """`occurrences_since`, `pool_history` and `unalerted_failures` in one read (one
    greenlet, one connection): what the scheduled tick and /calendar load."""
    return await store.sessions.read(
        lambda conn: TickReads(
            _since(conn, ref, since), _pools(conn, ref, pooled), _failures(conn, ref)
        )
    )
