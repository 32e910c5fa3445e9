"""A member who comes and goes is counted in the period of each join and each leave, and is
present only while a member — through the whole pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from bot.store.reports import period_metrics
from tests.harness import COMMUNITY, PLATFORM, T0, BotHarness

WEEK = timedelta(days=7)
MONDAY = T0.date()  # 2026-03-02


def week(n: int) -> tuple[date, date]:
    first = MONDAY + n * WEEK
    return first, first + timedelta(days=6)


async def test_a_rejoiners_joins_and_leaves_fall_in_their_own_periods(tmp_path, db_url) -> None:
    bot = await BotHarness.start(tmp_path, "", db_url=db_url)
    try:
        await bot.join("stayer")
        await bot.say("stayer", "hi all")
        await bot.join("alice")  # week 0: joins and leaves
        await bot.say("alice", "hello")
        await bot.advance(timedelta(days=2))
        await bot.leave("alice")
        await bot.advance(WEEK)  # week 1: back again, stays
        await bot.join("alice")
        await bot.restart()  # the history is in the database, not in memory
        await bot.advance(WEEK)  # week 2: leaves, and comes back the same week
        await bot.leave("alice")
        await bot.advance(timedelta(days=1))
        await bot.join("alice")
        await bot.advance(WEEK)
        await bot.runtime.store.flush()

        store = bot.runtime.store
        ref = await store.community(PLATFORM, COMMUNITY)
        figures = []
        for n in range(3):
            start, end = week(n)
            m = await period_metrics(store, ref, start, end, tz=UTC, now=bot.now)
            figures.append((m.joins, m.leaves, m.members_at_start, m.members_at_end))
    finally:
        await bot.close()
    assert figures == [
        (2, 1, 0, 1),  # stayer and alice join; alice leaves; only stayer is left
        (1, 0, 1, 2),  # alice's second join
        (1, 1, 2, 2),  # a leave and a rejoin in one week: both counted, present at both ends
    ]
