"""How the store uses its connections: PostgreSQL pings only a pooled connection that sat idle
(a dead one is replaced before use), and hot reads use the index they were written for."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from bot.store import Store
from bot.store import db as dbmod
from rules.points import store as points

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _pings(store: Store) -> list[int]:
    """Counts the dialect's pings of this store's engine."""
    calls: list[int] = []
    dialect = store.engine.dialect
    ping = dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        calls.append(1)
        return bool(ping(dbapi_connection))

    dialect.do_ping = counted  # type: ignore[method-assign]
    return calls


async def _backend_pid(store: Store) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_in_steady_use_is_not_pinged(pg_url):
    store = await Store.open(pg_url)
    try:
        pings = _pings(store)
        first = await _backend_pid(store)
        for _ in range(5):
            assert await _backend_pid(store) == first  # LIFO: the same warm connection
        assert pings == []
    finally:
        await store.close()


async def test_an_idle_connection_the_server_cut_is_replaced_before_use(pg_url, monkeypatch):
    import asyncpg

    store = await Store.open(pg_url)
    try:
        pings = _pings(store)
        dead = await _backend_pid(store)
        admin = await asyncpg.connect(pg_url)
        await admin.execute("SELECT pg_terminate_backend($1)", dead)
        await admin.close()
        # the pooled connection has been idle past the threshold: pinged, found dead, replaced
        monkeypatch.setattr(dbmod, "PING_IDLE_SECONDS", 0.0)
        fresh = await _backend_pid(store)
        assert fresh != dead and pings
    finally:
        await store.close()


async def test_without_the_ping_a_cut_connection_fails_its_statement(pg_url, monkeypatch):
    """The other half: the ping is what saves the statement above (the test can fail)."""
    import asyncpg

    store = await Store.open(pg_url)
    try:
        dead = await _backend_pid(store)
        admin = await asyncpg.connect(pg_url)
        await admin.execute("SELECT pg_terminate_backend($1)", dead)
        await admin.close()
        monkeypatch.setattr(dbmod, "PING_IDLE_SECONDS", 3600.0)
        with pytest.raises(Exception) as failed:
            await _backend_pid(store)
        assert dbmod.unreachable(failed.value)
        assert await _backend_pid(store) != dead  # the pool was invalidated: a new one
    finally:
        await store.close()


async def test_revoking_a_message_reads_its_ledger_rows_by_the_ref_index(tmp_path):
    store = await Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        ref = await store.community("test", "c1")
        day = date(2026, 3, 2)
        credits = [
            points.Credit(f"u{i % 7}", f"msg:m{i}", "message", 2, day, f"m{i}") for i in range(300)
        ]
        credits += [
            points.Credit("u1", "react:m5:a", "reaction", 1, day, "m5"),
            points.Credit("u1", "react:m5:b", "reaction", 1, date(2026, 3, 3), "m5"),
        ]
        await points.credit(store, ref, credits, T)
        plans: list[str] = []
        sync_engine = store.engine.sync_engine

        from sqlalchemy import event

        def explain(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
            if "points_ledger.ref" in statement and statement.lstrip().startswith("SELECT"):
                plans.append(statement)

        event.listen(sync_engine, "before_cursor_execute", explain)
        revoked = await points.revoke_message_points(store, ref, "m5", T)
        event.remove(sync_engine, "before_cursor_execute", explain)
        # u5 was paid 2 for m5, u1 was given reactions on two days: the day kept is the first
        assert revoked == {"u5": 2, "u1": 2}
        assert await points.ledger_has(store, ref, "revoke:m5:u1")
        async with store.engine.connect() as conn:
            for statement in plans:
                plan = (
                    await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, (ref.id, "m5"))
                ).all()
                assert any("ix_points_ledger_ref" in str(row) for row in plan), plan
        assert plans
    finally:
        await store.close()


def _in_transaction(raw: object) -> bool:
    """Whether the asyncpg adapter's connection holds a transaction (BEGIN was sent)."""
    return getattr(raw, "_transaction", None) is not None


async def test_reads_on_postgresql_send_no_begin_and_writes_still_do(pg_url):
    store = await Store.open(pg_url)
    try:

        def probe(conn):  # noqa: ANN001, ANN202
            conn.execute(text("SELECT 1"))
            return _in_transaction(conn.connection.dbapi_connection)

        assert await store.sessions.read(probe) is False
        async with store.sessions() as s:
            await s.execute(text("SELECT 1"))
            conn = await s.connection()
            assert not _in_transaction(conn.sync_connection.connection.dbapi_connection)
        async with store.sessions.begin() as s:
            await s.execute(text("SELECT 1"))
            conn = await s.connection()
            assert _in_transaction(conn.sync_connection.connection.dbapi_connection)
        assert await store.sessions.run(probe)
    finally:
        await store.close()


async def test_case_reads_on_core_rows_equal_the_orm_instances(db_url):
    """Moderation reads its cases as Core rows (`Sessions.read`): the same CaseInfo as from the
    ORM instances they replaced, over every column."""
    from datetime import timedelta

    from sqlalchemy import select

    from rules.moderation import store as mod
    from rules.moderation.models import ModerationCase

    store = await Store.open(db_url)
    try:
        ref = await store.community("test", "c1")
        for n, (action, ends) in enumerate(
            [("warn", None), ("timeout", T + timedelta(hours=1)), ("ban", None)], start=1
        ):
            draft = mod.CaseDraft(
                number=n, user_id="u1", action=action, reason=f"r{n}", actor_id="m1",
                rule="x", duration_seconds=3600 if ends else None, ends_at=ends, weight=n,
                expires_at=T + timedelta(days=n), evidence="e", channel_id="c", message_id="m",
                actions=(action, "delete"),
            )  # fmt: skip
            await mod.open_case(store, ref, draft, T, event_key=f"k{n}")
        await mod.settle_case(store, ref, 2, [mod.CaseStep("timeout", "done", "ok")])
        async with store.sessions() as s:
            rows = (
                (await s.execute(select(ModerationCase).order_by(ModerationCase.number.desc())))
                .scalars()
                .all()
            )
            orm = [mod._info(r) for r in rows]
        assert await mod.cases_for(store, ref, "u1") == orm
        assert await mod.case(store, ref, 2) == orm[1]
        held = await mod.restrictions(store, ref, "u1", T)  # in no particular order
        assert sorted(held, key=lambda c: c.number) == [orm[1], orm[0]]
        assert await mod.active_warning_weight(store, ref, "u1", T) == 6
        assert await mod.next_case_number(store, ref) == 4
        assert await mod._case_of_event(store, ref, "k3") == 3
        assert await mod.due_timeouts(store, ref, T + timedelta(hours=2)) == [orm[1]]
    finally:
        await store.close()
