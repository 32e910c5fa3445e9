"""Community leases: each community is owned by one process at a time; a dead owner's
communities go to the standby that asks next; a process cut off from the database owns nothing."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.db import create_engine
from bot.store.leases import CommunityLeases, lease_key
from tests.ownership.processes import kill_owner, owner_pid

on_postgresql = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
async def processes(db_url: str):
    """Three independent engines on one database, as three processes would have."""
    engines = [create_engine(db_url) for _ in range(3)]
    leases = [CommunityLeases(engine, check_timeout=3) for engine in engines[:2]]
    yield leases, engines[2]
    for lease in leases:
        await lease.close()
    for engine in engines:
        await engine.dispose()


@on_postgresql
async def test_each_community_has_one_owner_and_released_ones_go_to_the_other(processes):
    (a, b), _ = processes
    assert await a.sync({1, 2}) == {1, 2}
    assert await b.sync({2, 3}) == {3}  # 2 is a's
    assert a.holds(2) and not b.holds(2) and b.holds(3)
    assert await a.sync({1, 2}) == {1, 2}  # confirmed, not stacked: one release frees it

    assert await a.sync({1}) == {1}  # 2 no longer wanted: released
    assert not a.holds(2)
    assert await b.sync({2, 3}) == {2, 3}

    await a.close()  # a clean stop frees everything
    assert await b.sync({1, 2, 3}) == {1, 2, 3}


@on_postgresql
async def test_a_dead_owner_connection_hands_its_communities_to_the_standby(processes):
    (a, b), admin = processes
    assert await a.sync({7, 8}) == {7, 8}
    assert await b.sync({7, 8}) == set()

    await kill_owner(admin, 7)  # the owner's session dies: PostgreSQL frees its locks
    assert await b.sync({7, 8}) == {7, 8}
    assert a.holds(7)  # a has not asked yet: `holds` is memory only

    assert await a.sync({7, 8}) == set()  # its connection is gone: it owns nothing
    assert not a.holds(7) and not a.holds(8)
    assert await a.sync({7, 8}) == set()  # reconnected; b owns them now
    standby = await owner_pid(admin, 7)
    assert standby is not None and await owner_pid(admin, 8) == standby


async def test_an_unreachable_database_means_owning_nothing_said_once(caplog) -> None:
    leases = CommunityLeases("postgresql://postgres@127.0.0.1:1/none", check_timeout=2)
    with caplog.at_level(logging.WARNING, logger="bot.store.leases"):
        assert await leases.sync({1, 2}) == set()
        assert await leases.sync({1, 2}) == set()
    assert not leases.holds(1)
    assert len([r for r in caplog.records if "lost the database" in r.message]) == 1
    await leases.close()


async def test_sqlite_owns_whatever_it_serves_without_locking(tmp_path) -> None:
    async with CommunityLeases(f"sqlite:///{tmp_path / 'q.db'}") as leases:
        assert leases.single_process
        assert await leases.sync({1, 2}) == {1, 2}
        assert leases.holds(1) and not leases.holds(3)
        assert await leases.sync({2}) == {2}
        assert not leases.holds(1)


def test_lease_keys_are_namespaced_and_distinct() -> None:
    keys = {lease_key(i) for i in (0, 1, 2, 2**31, 2**32 - 1)}
    assert len(keys) == 5 and all(-(2**63) <= k < 2**63 for k in keys)
    assert all(k & 0xFFFF_FFFF_0000_0000 for k in keys)  # never the bare id


@on_postgresql
async def test_confirm_asks_the_server_and_a_dead_lease_session_holds_nothing(processes):
    (a, b), admin = processes
    assert await a.sync({4, 5}) == {4, 5}
    assert await a.confirm(4) and not await a.confirm(6)  # 6 was never ours
    async with admin.connect() as conn, conn.begin():  # inside another session's transaction
        session = AsyncSession(bind=conn)
        assert await a.confirm(5, session)
        assert not await b.confirm(5, session)

    await kill_owner(admin, 4)
    async with admin.connect() as conn, conn.begin():
        assert not await a.confirm(5, AsyncSession(bind=conn))  # the lock is gone with it
    assert not a.holds(5) and a.holds(4)  # what was found lost is dropped at once
    assert not await a.confirm(4)  # on the dead session itself: not held
    assert a.held == frozenset()
    assert await b.sync({4, 5}) == {4, 5}
    assert await b.confirm(4) and await b.confirm(5)
