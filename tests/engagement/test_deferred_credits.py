"""Message points are queued and written with the next flush — once, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store import Store
from rules.points import store as points_q

T = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def test_queued_credits_are_written_once_and_balances_follow(db_url):
    store = await Store.open(db_url)
    ref = await store.community("test", "c1")
    day = T.date()
    first = [
        points_q.Credit("ann", "msg:1", "message", 5, day),
        points_q.Credit("bob", "msg:2", "message", 3, day),
    ]
    points_q.credit_later(store, ref, first, T)
    # the same message again (a replayed event) and one new one, before any flush
    points_q.credit_later(store, ref, [points_q.Credit("ann", "msg:1", "message", 5, day)], T)
    points_q.credit_later(store, ref, [points_q.Credit("ann", "msg:3", "message", 4, day)], T)
    assert (await points_q.balance_of(store, ref, "ann")).balance == 9  # a read settles the queue
    await store.close()  # a clean shutdown flushes whatever is left
    store = await Store.open(db_url)
    ref = await store.community("test", "c1")
    points_q.credit_later(
        store, ref, [points_q.Credit("ann", "msg:3", "message", 4, day)], T
    )  # after restart
    await store.flush()
    assert (await points_q.balance_of(store, ref, "ann")).xp == 9
    assert (await points_q.balance_of(store, ref, "bob")).balance == 3
    assert sorted(k for k, _, _ in await points_q.ledger(store, ref, "ann")) == ["msg:1", "msg:3"]
    await store.close()
