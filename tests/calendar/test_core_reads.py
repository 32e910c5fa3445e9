"""The calendar's reads run on Core rows (`Sessions.read`): the same rows as the ORM instances
they replaced, over a populated table of every status, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.store.store import Store
from rules.calendar import store as cal
from rules.calendar.models import CalendarOccurrence

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_calendar_reads_on_core_rows_equal_the_orm_instances(db_url):
    store = await Store.open(db_url)
    try:
        ref = await store.community("test", "c1")
        other = await store.community("test", "c2")  # never read through `ref`
        rows = []
        for day in range(12):
            at = T + timedelta(days=day)
            entry = ("knowledge", "evening", "plain")[day % 3]
            item = f"topic-{day % 5}" if entry != "plain" else None
            status = cal.SKIPPED if day % 4 == 3 else cal.CLAIMED
            rows.append(cal.NewOccurrence(entry, f"{entry}@{at:%Y-%m-%dT%H}", at, status, item))
        assert await cal.record_occurrences(store, ref, rows, T)
        assert await cal.record_occurrences(store, other, rows[:4], T)
        for n, row in enumerate(r for r in rows if r.status == cal.CLAIMED):
            status = cal.FAILED if n % 3 == 1 else cal.SENT if n % 3 == 2 else cal.CLAIMED
            if status != cal.CLAIMED:
                await cal.settle_occurrence(store, ref, row.key, status, T, detail=f"d{n}")
        failed = [r.key for r in rows if r.status == cal.CLAIMED][1::6]
        await cal.mark_alerted(store, ref, failed, T + timedelta(hours=1))

        async with store.sessions() as s:  # the ORM reads `rules.calendar.store` made before
            orm = (
                (
                    await s.execute(
                        select(CalendarOccurrence)
                        .where(CalendarOccurrence.community_id == ref.id)
                        .order_by(CalendarOccurrence.scheduled_at, CalendarOccurrence.id)
                    )
                )
                .scalars()
                .all()
            )
            every = [cal._row(r) for r in orm]
        assert len(every) == 12 and {r.status for r in every} >= {"sent", "failed", "skipped"}
        assert any(r.alerted_at for r in every) and all(r.scheduled_at.tzinfo for r in every)
        since = T + timedelta(days=5)
        assert await cal.occurrences_since(store, ref, T) == every
        assert await cal.occurrences_since(store, ref, since) == [
            r for r in every if r.scheduled_at >= since
        ]
        failures = await cal.unalerted_failures(store, ref)
        assert failures and failures == [
            r for r in every if r.status == cal.FAILED and r.alerted_at is None
        ]
        history = await cal.pool_history(store, ref, ["knowledge", "evening", "none"])
        assert history == {
            e: [r.pool_item for r in every if r.entry_id == e and r.status in cal.SHOWN
                and r.pool_item is not None]
            for e in ("knowledge", "evening", "none")
        }  # fmt: skip
        assert history["knowledge"] and await cal.pool_history(store, ref, []) == {}
    finally:
        await store.close()
