"""Processes on one database, as the ownership tests build them (each a runtime with its own
engine and recording adapter), and what happens between them: one waiting for the other, an
owner's database session killed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.recording import RecordingAdapter
from bot.runtime import Runtime
from bot.store.leases import NAMESPACE

PLATFORM, COMMUNITY = "test", "c1"


class Process:
    def __init__(self, runtime: Runtime, adapter: RecordingAdapter) -> None:
        self.runtime, self.adapter = runtime, adapter

    def did(self, kind: type) -> list[Any]:
        return [a for _, a in self.adapter.performed if isinstance(a, kind)]


def first_the_other(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, other: Callable[[], Awaitable[Any]]
) -> None:
    """Make the first call of `owner.name` wait until `other()` has run (e.g. the other
    process has done the whole job); later calls go straight through."""
    real = getattr(owner, name)
    pending = [other]

    async def late(*args: Any, **kwargs: Any) -> Any:
        if pending:
            await pending.pop()()
        return await real(*args, **kwargs)

    monkeypatch.setattr(owner, name, late)


async def owner_pid(admin: AsyncEngine, community_id: int) -> int | None:
    """The backend holding a community's lease, as an operator would find it in pg_locks (of
    this database: advisory locks are per database, and other test runs share the server)."""
    async with admin.connect() as conn:
        return await conn.scalar(
            text(
                "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                " WHERE d.datname = current_database() AND l.locktype = 'advisory'"
                " AND l.granted AND l.classid = :ns AND l.objid = :id AND l.objsubid = 1"
            ),
            {"ns": NAMESPACE, "id": community_id},
        )


async def kill_owner(admin: AsyncEngine, community_id: int) -> None:
    """Terminate the session holding a community's lease (kill -9, a network cut), and wait
    until PostgreSQL has freed its locks (a moment after pg_terminate_backend returns)."""
    pid = await owner_pid(admin, community_id)
    assert pid is not None, f"nobody holds community {community_id}'s lease"
    async with admin.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    for _ in range(100):
        if await owner_pid(admin, community_id) is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the lease of community {community_id} was never freed")
