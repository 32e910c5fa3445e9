"""Store and migrations, on SQLite and on PostgreSQL (the `db_url` fixture runs both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.events import Actor
from bot.store import Store, StoreError
from bot.store import db as dbmod
from bot.store.models import ActivityDaily, ActivityHourly

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(db_url):
    s = await Store.open(db_url)
    yield s
    await s.close()


async def test_fresh_database_is_migrated_to_the_newest_schema(store):
    assert await dbmod.current_revisions(store.engine) == dbmod.head_revisions()


async def test_opening_twice_is_idempotent_and_keeps_data(db_url):
    s = await Store.open(db_url)
    ref = await s.community("test", "c1")
    await s.member_joined(ref, Actor("alice", "Alice"), T)
    await s.close()
    s = await Store.open(db_url)
    ref2 = await s.community("test", "c1")
    member = await s.member(ref2, "alice")
    await s.close()
    assert ref2.id == ref.id and member is not None and member.joined_at == T


async def test_member_join_leave_rejoin_is_tracked(store):
    ref = await store.community("test", "c1")
    await store.member_joined(ref, Actor("alice", "Alice"), T)
    await store.member_left(ref, "alice", T + timedelta(hours=1))
    gone = await store.member(ref, "alice")
    assert gone is not None and not gone.present
    await store.member_joined(ref, Actor("alice", "Alice"), T + timedelta(days=1))
    back = await store.member(ref, "alice")
    assert back is not None and back.present and back.join_count == 2
    assert back.joined_at == T + timedelta(days=1)


async def test_a_join_handled_again_counts_once_and_a_nameless_join_keeps_the_name(store):
    """A join seen twice (an event handled again after a crash) is one join; a later join
    without a name keeps the name known."""
    ref = await store.community("test", "c1")
    await store.member_joined(ref, Actor("alice", "Alice"), T)
    await store.member_joined(ref, Actor("alice", "Alice"), T)
    once = await store.member(ref, "alice")
    assert once is not None and once.join_count == 1 and once.joined_at == T
    await store.member_joined(ref, Actor("alice", ""), T + timedelta(days=2))
    again = await store.member(ref, "alice")
    assert again is not None and again.join_count == 2 and again.name == "Alice"
    assert again.joined_at == T + timedelta(days=2)
    history = await store.membership_history(ref, T, T + timedelta(days=3))
    assert history == [("alice", "join", T), ("alice", "join", T + timedelta(days=2))]


async def test_a_credit_paid_twice_pays_once_and_spending_keeps_the_xp(store):
    from rules.points import store as points

    ref = await store.community("test", "c1")
    day = T.date()
    level_up = points.Credit("ann", "msg:9", "message", 30, day, "9", "a level-up")
    assert await points.credit(store, ref, [level_up], T) == [level_up]
    assert await points.credit(store, ref, [level_up], T) == []  # the same key: nothing
    spent = points.Credit("ann", "redeem:1", "redeem", -10, day)
    assert await points.credit(store, ref, [spent], T + timedelta(minutes=1)) == [spent]
    assert await points.balance_of(store, ref, "ann") == points.Balance(xp=30, balance=20)
    assert await points.ledger(store, ref, "ann") == [
        ("msg:9", "message", 30),
        ("redeem:1", "redeem", -10),
    ]


async def test_message_counters_are_buffered_then_flushed_in_one_batch(store):
    ref = await store.community("test", "c1")
    bob = Actor("bob", "Bob")
    for i in range(50):
        at = T + timedelta(minutes=i)
        store.record_message(ref, bob, at, at, chars=10, links=1 if i % 10 == 0 else 0)
    async with store.sessions() as s:
        assert (await s.execute(select(ActivityDaily))).first() is None  # nothing written yet
    # an unflushed message already counts as activity for readers
    member = await store.member(ref, "bob")
    assert member is None or member.last_active_at == T + timedelta(minutes=49)
    assert await store.flush() == 50
    async with store.sessions() as s:
        day = (await s.execute(select(ActivityDaily))).scalar_one()
        hours = (await s.execute(select(ActivityHourly))).scalars().all()
    assert (day.messages, day.chars, day.links) == (50, 500, 5)
    assert sum(h.messages for h in hours) == 50 and {h.hour for h in hours} == {9}
    flushed = await store.member(ref, "bob")
    assert flushed is not None and flushed.message_count == 50
    assert flushed.first_message_at == T and flushed.last_active_at == T + timedelta(minutes=49)


async def test_second_flush_adds_to_existing_counters(store):
    ref = await store.community("test", "c1")
    bob = Actor("bob", "Bob")
    store.record_message(ref, bob, T, T, 5, 0)
    await store.flush()
    store.record_message(ref, bob, T + timedelta(minutes=1), T + timedelta(minutes=1), 7, 0)
    await store.close()  # a clean shutdown flushes
    reopened = await Store.open(str(store.engine.url))
    member = await reopened.member(await reopened.community("test", "c1"), "bob")
    rows = await reopened.daily_activity(
        await reopened.community("test", "c1"), T.date(), T.date() + timedelta(days=1)
    )
    await reopened.close()
    assert member is not None and member.message_count == 2
    assert rows == [("bob", T.date(), 2)]


async def test_steps_are_scheduled_once_and_finished_once(store):
    ref = await store.community("test", "c1")
    for _ in range(2):
        await store.schedule_step(
            ref, kind="welcome.followup", key="k1", due_at=T, user_id="alice", created_at=T
        )
    due = await store.steps(ref, kind_prefix="welcome.", due_before=T)
    assert len(due) == 1
    assert await store.next_due_at() == T
    assert [r.id for r in await store.communities_with_due_steps(T)] == [ref.id]
    assert await store.finish_steps([due[0].id], T) == 1
    assert await store.finish_steps([due[0].id], T) == 0  # a second finisher never wins
    assert await store.steps(ref) == []


async def test_audit_log_and_state_round_trip(store):
    ref = await store.community("test", "c1")
    await store.audit(
        ref,
        [
            {
                "at": T,
                "rule": "r",
                "action": "post",
                "status": "executed",
                "target_user": None,
                "channel": "general",
                "reason": "why",
                "text": "hello 你好",
                "detail": "",
            }
        ],
    )
    assert (await store.audit_log(ref))[0]["text"] == "hello 你好"
    await store.set_state(ref, "raid", {"on": True}, T)
    await store.set_state(ref, "raid", {"on": False}, T)
    assert await store.get_state(ref, "raid") == {"on": False}


async def test_unreachable_database_gives_a_clear_error():
    with pytest.raises(StoreError, match="cannot reach the database.*database.url"):
        await Store.open("postgresql://nobody@127.0.0.1:1/none")


async def test_unknown_database_kind_is_refused():
    with pytest.raises(StoreError, match="unsupported database"):
        await Store.open("mysql://x@localhost/db")


async def test_processes_starting_together_migrate_once(db_url):
    import asyncio

    if db_url.startswith("sqlite"):
        pytest.skip("SQLite deployments are one process; several share a PostgreSQL database")

    stores = await asyncio.gather(*(Store.open(db_url) for _ in range(3)))
    for s in stores:
        assert await dbmod.current_revisions(s.engine) == dbmod.head_revisions()
        await s.close()


async def test_migrations_build_exactly_the_schema_the_models_describe(store):
    """The schema only changes through migrations: after upgrading, nothing differs from the
    models (a model edited without a migration fails here)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.store.schema import metadata

    def diff(sync_conn):
        return compare_metadata(MigrationContext.configure(sync_conn), metadata)

    async with store.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []
