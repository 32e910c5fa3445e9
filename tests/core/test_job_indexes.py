"""Migration 0013: the indexes of the scheduled jobs' reads, on SQLite and PostgreSQL — built by
the upgrade, dropped by the downgrade (data kept), and used by the reads they are for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from bot.events import Actor
from bot.store import Store
from bot.store import db as dbmod
from rules.calendar import store as cal

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
INDEXES = {("calendar_occurrences", "ix_calendar_at"), ("activity_daily", "ix_activity_daily_day")}


async def _indexes(store: Store) -> set[tuple[str, str]]:
    def read(conn):
        found = inspect(conn)
        return {(t, ix["name"]) for t, _ in INDEXES for ix in found.get_indexes(t)}

    async with store.engine.connect() as conn:
        return await conn.run_sync(read)


async def _migrate(store: Store, how: str, revision: str) -> None:
    from alembic import command

    def run(conn):
        getattr(command, how)(dbmod._alembic_config(conn, str(store.engine.url)), revision)

    async with store.engine.begin() as conn:
        await conn.run_sync(run)


async def test_0013_adds_the_job_indexes_and_its_downgrade_drops_them_keeping_rows(db_url):
    store = await Store.open(db_url)
    try:
        assert await _indexes(store) >= INDEXES
        ref = await store.community("test", "c1")
        row = cal.NewOccurrence("daily", "daily@2026-03-02T09:00:00Z", T, cal.CLAIMED)
        assert await cal.record_occurrences(store, ref, [row], T)
        store.record_message(ref, Actor("alice", "Alice"), T, T, chars=5, links=0)
        await store.flush()

        await _migrate(store, "downgrade", "0012_windows")
        assert await dbmod.current_revisions(store.engine) == {"0012_windows"}
        assert not await _indexes(store) & INDEXES
        await _migrate(store, "upgrade", "heads")
        assert await dbmod.current_revisions(store.engine) == dbmod.head_revisions()
        assert await _indexes(store) >= INDEXES

        rows = await cal.occurrences_since(store, ref, T - timedelta(days=1))
        assert [r.key for r in rows] == [row.key]
        async with store.engine.connect() as conn:
            days = await conn.execute(text("SELECT day FROM activity_daily"))
            assert [date.fromisoformat(str(d)) for (d,) in days] == [T.date()]
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            "SELECT key FROM calendar_occurrences WHERE community_id = 1 "
            "AND scheduled_at >= '2026-03-01' ORDER BY scheduled_at, id",
            "ix_calendar_at",
        ),
        (
            "SELECT 1 FROM activity_daily WHERE community_id = 1 AND day < '2026-03-01'",
            "ix_activity_daily_day",
        ),
    ],
)
async def test_the_job_reads_search_their_index_on_sqlite(tmp_path, query, index):
    store = await Store.open(f"sqlite:///{tmp_path / 'plan.db'}")
    try:
        async with store.engine.connect() as conn:
            plan = " ".join(
                str(r[-1]) for r in await conn.execute(text("EXPLAIN QUERY PLAN " + query))
            )
        assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
    finally:
        await store.close()
