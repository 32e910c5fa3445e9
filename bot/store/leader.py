"""Leader election: exactly one process runs the scheduler (calendar posts, sweeps, reports).

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
connection for as long as the process leads. When the leader dies its connection drops and
PostgreSQL releases the lock, so another process takes over at its next poll. A leader that can
no longer confirm the lock (connection lost, check timed out) steps down at once.

SQLite: deployments are single-process (one writer, a file on one machine), so the one process is
always the leader; nothing is locked.

The lock is not the only fence: each calendar post records its occurrence key (unique) before it
is sent, so even a leader cut off from the database can neither record nor post.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.db import create_engine

log = logging.getLogger(__name__)

Callback = Callable[[], Awaitable[None]]
_DB_ERRORS = (SQLAlchemyError, OSError, TimeoutError)

_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
# a bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32, objsubid 1
_STILL_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND objsubid = 1 AND classid = :high AND objid = :low)"
)


def lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for `name`, namespaced so other apps do not collide."""
    digest = hashlib.sha256(f"qunbot:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LeaderLock:
    """`await lock.try_acquire()` → True in exactly one process per database and name."""

    def __init__(
        self, engine_or_url: AsyncEngine | str, name: str, *, check_timeout: float = 5.0
    ) -> None:
        self._owns_engine = isinstance(engine_or_url, str)
        self._engine = (
            create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
        )
        dialect = self._engine.dialect.name
        if dialect not in ("postgresql", "sqlite"):
            raise ValueError(f"leader election supports PostgreSQL and SQLite, not {dialect!r}")
        self.name = name
        self.key = lock_key(name)
        self.check_timeout = check_timeout
        self._single_process = dialect == "sqlite"
        self._conn: AsyncConnection | None = None
        self._leading_single = False

    @property
    def single_process(self) -> bool:
        """True on SQLite: no lock is taken, this process leads by definition."""
        return self._single_process

    async def try_acquire(self) -> bool:
        """Become leader if nobody is; True if this process leads (already or now)."""
        if self._single_process:
            self._leading_single = True
            return True
        if self._conn is not None:
            return await self.is_leader()
        conn: AsyncConnection | None = None
        try:
            conn = await asyncio.wait_for(self._engine.connect(), self.check_timeout)
            # autocommit: holding the lock for hours must not hold a transaction open with it
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = await asyncio.wait_for(
                conn.scalar(_TRY_LOCK, {"key": self.key}), self.check_timeout
            )
        except _DB_ERRORS as exc:
            log.warning("leader lock %r: cannot reach the database: %s", self.name, exc)
            if conn is not None:
                await self._discard(conn)
            return False
        if not got:
            await conn.close()  # holds no lock: back to the pool
            return False
        self._conn = conn
        log.info("leader lock %r: this process is now the leader", self.name)
        return True

    async def is_leader(self) -> bool:
        """Confirm on the lock's own connection that PostgreSQL still grants the lock."""
        if self._single_process:
            return self._leading_single
        conn = self._conn
        if conn is None:
            return False
        unsigned = self.key & 0xFFFF_FFFF_FFFF_FFFF
        try:
            held = await asyncio.wait_for(
                conn.scalar(_STILL_HELD, {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}),
                self.check_timeout,
            )
        except _DB_ERRORS as exc:
            log.warning("leader lock %r: lost the lock connection: %s", self.name, exc)
            held = False
        if not held:
            self._conn = None
            await self._discard(conn)
            log.warning("leader lock %r: this process is no longer the leader", self.name)
        return bool(held)

    async def release(self) -> None:
        """Step down: unlock and close the lock's connection (never returned to the pool)."""
        if self._single_process:
            self._leading_single = False
            return
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(*_DB_ERRORS):
            await asyncio.wait_for(conn.scalar(_UNLOCK, {"key": self.key}), self.check_timeout)
        # closing the session releases every session lock even if the unlock above failed
        await self._discard(conn)
        log.info("leader lock %r: released", self.name)

    async def close(self) -> None:
        await self.release()
        if self._owns_engine:
            await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _discard(self, conn: AsyncConnection) -> None:
        # invalidate closes the physical connection instead of pooling it
        with contextlib.suppress(*_DB_ERRORS):
            await asyncio.wait_for(conn.invalidate(), self.check_timeout)

    async def run_as_leader(
        self,
        on_elected: Callback,
        on_lost: Callback,
        poll_interval: float = 5.0,
        *,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Poll for leadership until `stop` is set (or the task is cancelled).

        `on_elected` starts the scheduler, `on_lost` stops it. On the way out `on_lost` runs
        before the lock is released, so a follower cannot start while this process still runs
        its jobs.
        """
        stop = stop or asyncio.Event()
        leading = False
        try:
            while not stop.is_set():
                if leading:
                    if not await self.is_leader():
                        leading = False
                        await on_lost()
                elif await self.try_acquire():
                    leading = True
                    await on_elected()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_interval)
        finally:
            if leading:
                await on_lost()
                await self.release()
