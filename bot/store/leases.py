"""Community leases: which process runs the scheduled work of which community.

Each process serves some communities (the Discord shards, Telegram bots and console it runs) and
runs their calendar posts, due steps and periodic jobs itself; there is no global leader, because
only the process running a guild's shard can act on it.

PostgreSQL: one session-level advisory lock per community, all held on ONE dedicated autocommit
connection. When the process dies its connection drops and PostgreSQL releases every lock, so a
standby configured for the same shards or bots takes them at its next `sync`. Each `sync` confirms
what is still granted in one query on `pg_locks` for our backend pid; a lost connection means this
process holds nothing (said once in the log) until it reconnects.

SQLite: deployments are single-process (one writer, a file on one machine): the one process owns
every community it serves; nothing is locked.

The leases are the first fence; the second is in the jobs: a calendar post is claimed under a
unique key before it is sent, and steps, reminders and nudges are claims whose changed-row count is
checked, so even two overlapping owners cannot act twice. Between the two, `confirm` asks the
server — inside the claim's transaction, before it commits (`bot/store/fence.py`) — whether our
lease session still holds the lock, so a lease lost in the middle of a job leaves the work (and
the claim, rolled back) to the new owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Iterable
from types import TracebackType
from typing import Self

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from bot.store.db import create_engine

log = logging.getLogger(__name__)

_DB_ERRORS = (SQLAlchemyError, OSError, TimeoutError)

# a bigint advisory key shows in pg_locks as classid = its high 32 bits, objid = its low 32 bits
# and objsubid 1; the high half is our namespace, the low half the community id
_HELD = text(
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND objsubid = 1 AND classid = :namespace"
)
# one community's lease, held by one backend (ours): asked on the lease session itself, or by
# `confirm` inside a claim's transaction on another connection
_HOLDS = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = :pid AND classid = :namespace AND objid = :id AND objsubid = 1)"
)
_PID = text("SELECT pg_backend_pid()")
_TRY_LOCK = text("SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k WHERE pg_try_advisory_lock(k)")
_UNLOCK = text(
    "SELECT count(*) FROM unnest(CAST(:keys AS bigint[])) AS k WHERE pg_advisory_unlock(k)"
)
_UNLOCK_ALL = text("SELECT pg_advisory_unlock_all()")


def _namespace(name: str) -> int:
    """32 bits of a hash of `name`: the high half of our keys, so other apps do not collide."""
    return int.from_bytes(hashlib.sha256(f"qunbot:{name}".encode()).digest()[:4], "big")


NAMESPACE = _namespace("community")


def lease_key(community_id: int) -> int:
    """The signed 64-bit advisory-lock key of a community (ids are 32-bit integers)."""
    if not 0 <= community_id < 1 << 32:
        raise ValueError(f"community id {community_id} does not fit a lease key")
    key = NAMESPACE << 32 | community_id
    return key - (1 << 64) if key >= 1 << 63 else key


class CommunityLeases:
    """`await leases.sync(wanted)` → the communities this process owns now; `holds(id)` answers
    from memory (no I/O) what the last sync found."""

    def __init__(self, engine_or_url: AsyncEngine | str, *, check_timeout: float = 5.0) -> None:
        self._owns_engine = isinstance(engine_or_url, str)
        self._engine = (
            create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
        )
        dialect = self._engine.dialect.name
        if dialect not in ("postgresql", "sqlite"):
            raise ValueError(f"community leases support PostgreSQL and SQLite, not {dialect!r}")
        self.check_timeout = check_timeout
        self._single_process = dialect == "sqlite"
        self._conn: AsyncConnection | None = None
        self._pid: int | None = None  # the lease session's backend
        self._held: frozenset[int] = frozenset()
        self._lost = False  # the connection failed and that was logged
        self._lock = asyncio.Lock()

    @property
    def single_process(self) -> bool:
        """True on SQLite: no lock is taken, this process owns every community it serves."""
        return self._single_process

    @property
    def held(self) -> frozenset[int]:
        return self._held

    def holds(self, community_id: int) -> bool:
        """Whether the last `sync` found this process owning the community (no I/O)."""
        return community_id in self._held

    async def confirm(self, community_id: int, session: AsyncSession | None = None) -> bool:
        """Whether this process still holds the community's lease, asked of the server: our
        lease session's backend holds its advisory lock (a dead session holds nothing). With
        `session` — a claim's open transaction on another connection — asked inside it, so
        the claim commits only while the lease is ours (`bot/store/fence.py`); without, on
        the lease session. One query; none for a community the last sync did not find ours,
        and none on SQLite (one process owns all it serves). A lease found lost is dropped
        from `held` at once."""
        if community_id not in self._held:
            return False
        if self._single_process:
            return True
        pid = self._pid
        if pid is None:
            return False
        params = {"pid": pid, "namespace": NAMESPACE, "id": community_id}
        if session is not None:
            # errors are the claim's own: a database gone away holds it, as any write
            held = bool(await session.scalar(_HOLDS, params))
        else:
            async with self._lock:
                held = await self._ask(params)
        if not held:
            self._held = self._held - {community_id}
        return held

    async def _ask(self, params: dict[str, int]) -> bool:
        conn = self._conn
        if conn is None:
            return False
        try:
            return bool(await asyncio.wait_for(conn.scalar(_HOLDS, params), self.check_timeout))
        except _DB_ERRORS as exc:
            await self._drop_connection()
            self._held = frozenset()
            self._note_lost(exc)
            return False

    def _note_lost(self, exc: BaseException) -> None:
        if not self._lost:
            self._lost = True
            log.warning(
                "community leases: lost the database (%s); this process owns no "
                "community until it reconnects",
                exc or exc.__class__.__name__,
            )

    async def sync(self, wanted: Iterable[int]) -> set[int]:
        """Own exactly what is wanted and free: confirm what is still granted, release what is
        no longer wanted, try to take the rest. Returns (and `holds` then answers) what is held."""
        want = set(wanted)
        async with self._lock:
            if self._single_process:
                self._held = frozenset(want)
                return set(want)
            try:
                held = await asyncio.wait_for(self._sync(want), self.check_timeout)
            except _DB_ERRORS as exc:
                held = set()
                await self._drop_connection()
                self._note_lost(exc)
            else:
                if self._lost:
                    self._lost = False
                    log.info("community leases: database reachable again")
            if held != self._held:
                log.info(
                    "community leases: own %d communities (+%d, -%d)",
                    len(held),
                    len(held - self._held),
                    len(self._held - held),
                )
            self._held = frozenset(held)
            return set(held)

    async def _sync(self, want: set[int]) -> set[int]:
        conn = self._conn
        if conn is None:
            conn = await self._engine.connect()
            try:
                # autocommit: locks held for hours must not hold a transaction open with them
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                pid = int(await conn.scalar(_PID))  # who holds our locks, for `confirm`
            except BaseException:
                await self._discard(conn)
                raise
            self._conn, self._pid = conn, pid
        granted = {int(i) for i in (await conn.scalars(_HELD, {"namespace": NAMESPACE}))}
        unwanted = granted - want
        if unwanted:
            await conn.scalar(_UNLOCK, {"keys": [lease_key(i) for i in sorted(unwanted)]})
        got: set[int] = set()
        free = want - granted
        if free:
            keys = await conn.scalars(_TRY_LOCK, {"keys": [lease_key(i) for i in sorted(free)]})
            got = {int(k) & 0xFFFF_FFFF for k in keys}
        return (granted & want) | got

    async def close(self) -> None:
        """Release every lease (closing the connection releases them even if the unlock fails)."""
        async with self._lock:
            self._held = frozenset()
            conn, self._conn, self._pid = self._conn, None, None
            if conn is not None:
                with contextlib.suppress(*_DB_ERRORS):
                    await asyncio.wait_for(conn.scalar(_UNLOCK_ALL), self.check_timeout)
                await self._discard(conn)
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

    async def _drop_connection(self) -> None:
        conn, self._conn, self._pid = self._conn, None, None
        if conn is not None:
            await self._discard(conn)

    async def _discard(self, conn: AsyncConnection) -> None:
        # invalidate closes the physical connection instead of pooling it (a pooled connection
        # would carry our locks to whoever borrows it next)
        with contextlib.suppress(*_DB_ERRORS):
            await asyncio.wait_for(conn.invalidate(), self.check_timeout)
