"""The store: the only module family that opens database sessions.

Rules never see it; their loaders call these methods to build snapshots, and patches call them
to change state. Capability-specific queries live beside it in `bot/store/<capability>.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util.concurrency import greenlet_spawn

from bot.events import Actor
from bot.store import db, onehop
from bot.store.buffer import AuditRows, CounterBuffer, FlushPart
from bot.store.fence import begin_fenced, open_gate
from bot.store.models import (
    ActivityDaily,
    ActivityHourly,
    AuditEntry,
    Community,
    CommunityState,
    DmReachability,
    Member,
    MembershipEvent,
    PendingStep,
)
from bot.store.processed import ProcessedKeys
from bot.store.settled import SettledSteps

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_UNKNOWN = object()
# every column of an audit row, so rows of different shapes share one executemany
_AUDIT_DEFAULTS: dict[str, Any] = {
    "target_user": None,
    "channel": None,
    "reason": "",
    "text": None,
    "detail": "",
}


def _unawaited(call: Callable[..., _T], *args: Any) -> _T:
    """Run a sync SQLAlchemy call in its greenlet, telling the SQLite adapter that nothing
    awaits proof of an await (`onehop.unawaited`)."""
    token = onehop.unawaited.set(True)
    try:
        return call(*args)
    finally:
        onehop.unawaited.reset(token)


def _transaction(engine: Engine, work: Callable[[Connection], _T]) -> _T:
    with engine.begin() as conn:
        return work(conn)


def _read(engine: Engine, work: Callable[[Connection], _T]) -> _T:
    with engine.connect() as conn:
        return work(conn)


def _reading(engine: AsyncEngine) -> AsyncEngine:
    """The engine reads go through: on PostgreSQL in autocommit, so a read is its one round
    trip (a transaction costs a BEGIN and a ROLLBACK more; under READ COMMITTED each statement
    saw its own snapshot anyway). SQLite's own engine: setting the mode there is a thread hop,
    and a read holds no lock to end."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


class _Sessions:
    """The session factory, counting write transactions (`begin()`, `run()`): the
    runtime learns from the count whether an event wrote through, so that its key must be
    made durable at once."""

    def __init__(self, maker: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> None:
        self._maker = maker
        self._engine = engine
        reader = _reading(engine)
        self._reader = reader.sync_engine
        self._read_maker = (
            maker if reader is engine else async_sessionmaker(reader, expire_on_commit=False)
        )
        self.writes = 0

    def __call__(self, **kw: Any) -> AsyncSession:
        """A session for reads (on PostgreSQL outside a transaction: see `_reading`); writes
        go through `begin` or `run`."""
        return self._read_maker(**kw)

    async def read(self, work: Callable[[Connection], _T]) -> _T:
        """A read run whole by `work` (sync Core calls on a plain connection) in one greenlet:
        no session, no ORM instances — for the reads of the event path (a session read costs
        three to four times as much CPU)."""
        return await greenlet_spawn(_read, self._reader, work)

    def begin(self) -> Any:
        self.writes += 1
        gate = open_gate()  # a scheduled job's claim: it commits only under the lease
        return self._maker.begin() if gate is None else begin_fenced(self._maker, gate)

    async def run(self, work: Callable[[Connection], _T], *, single: bool = False) -> _T:
        """A write transaction run whole by `work` (sync Core calls on the connection) in one
        greenlet: the cheapest write there is, for the hot paths (the flush, joins, steps,
        ledger credits), with none of the ORM's per-statement work. Under a job's lease fence,
        inside the fenced session transaction (a job's claim commits only under the lease).
        `single`: `work` writes with one statement (atomic by itself; reads after it see it):
        on PostgreSQL it runs in autocommit, its one round trip instead of three (no BEGIN,
        no COMMIT)."""
        if open_gate() is not None:
            async with self.begin() as s:
                return await s.run_sync(lambda session: _unawaited(work, session.connection()))  # type: ignore[no-any-return]
        self.writes += 1
        if single and self._reader is not self._engine.sync_engine:
            return await greenlet_spawn(_read, self._reader, work)
        return await greenlet_spawn(_unawaited, _transaction, self._engine.sync_engine, work)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._maker, name)


@dataclass(frozen=True, slots=True)
class CommunityRef:
    id: int
    platform: str
    external_id: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.external_id)


@dataclass(slots=True)
class MemberInfo:
    """One member as the community state holds it. Rules only read it; the community state
    changes it, through the same calls that write the database."""

    user_id: str
    name: str
    is_bot: bool
    joined_at: datetime | None
    left_at: datetime | None
    join_count: int
    first_message_at: datetime | None
    last_active_at: datetime | None
    message_count: int
    greeted_at: datetime | None
    verified_at: datetime | None
    can_dm: bool
    # admin | moderator | bot | member as last seen; None: never seen with a standing
    standing: str | None = None

    @property
    def present(self) -> bool:
        return self.left_at is None or (
            self.joined_at is not None and self.joined_at > self.left_at
        )

    def posted_since(self, when: datetime) -> bool:
        return self.last_active_at is not None and self.last_active_at >= when


@dataclass(frozen=True, slots=True)
class StepInfo:
    id: int
    user_id: str | None
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]


def _member_info(row: Member, reachable: bool | None = None) -> MemberInfo:
    first, last = row.first_message_at, row.last_active_at
    return MemberInfo(
        row.user_id,
        row.name,
        row.is_bot,
        row.joined_at,
        row.left_at,
        row.join_count,
        first,
        first if last == first else last,  # one object, not two, for a member who posted once
        row.message_count,
        row.greeted_at,
        row.verified_at,
        row.can_dm if reachable is None else reachable,
        row.standing,
    )


def audit_dict(r: AuditEntry) -> dict[str, Any]:
    """One audit row as the audit log and the dashboard show it."""
    return {
        "at": r.at,
        "rule": r.rule,
        "action": r.action,
        "status": r.status,
        "target_user": r.target_user,
        "channel": r.channel,
        "reason": r.reason,
        "text": r.text,
        "detail": r.detail,
    }


# what a step's index entry is read from (an ORM row or a Core row of these columns)
_STEP_COLUMNS = (
    PendingStep.id,
    PendingStep.community_id,
    PendingStep.user_id,
    PendingStep.kind,
    PendingStep.key,
    PendingStep.due_at,
    PendingStep.payload,
    PendingStep.status,
)


def _step_info(row: Any) -> StepInfo:
    return StepInfo(row.id, row.user_id, row.kind, row.key, row.due_at, dict(row.payload or {}))


def _step_order(step: StepInfo) -> tuple[datetime, int]:
    return (step.due_at, step.id)


class Store:
    """Async access to qunbot's state. Create with `await Store.open(url)`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = _Sessions(async_sessionmaker(engine, expire_on_commit=False), engine)
        # hot statements, built once (building an upsert and its `excluded` columns costs more
        # than running it): name → statement, see `statement`
        self._statements: dict[str, Any] = {}
        self.buffer = CounterBuffer()
        # capability write-behind state flushed with the counters, by name
        self.flush_parts: dict[str, FlushPart] = {}
        # what capabilities build once per process and every community may share (a classifier
        # built from the seed samples alone: megabytes, the same for each community)
        self.shared: dict[Any, Any] = {}
        # the keys of handled events, flushed with the counters (every event once)
        self.processed = ProcessedKeys()
        self.flush_parts[ProcessedKeys.NAME] = self.processed
        # the audit log, write-behind (a log, not money: see `AuditRows`)
        self.audit_rows = AuditRows()
        self.flush_parts[AuditRows.NAME] = self.audit_rows
        # due steps that carried nothing out, marked done with the next flush (see `settle_steps`)
        self.settled = SettledSteps()
        self.flush_parts[SettledSteps.NAME] = self.settled
        self._flush_lock = asyncio.Lock()
        self._communities: dict[tuple[str, str], CommunityRef] = {}
        # the pending steps, by community and id (None: read them first), and each step's
        # community; the earliest due time (None = nothing pending, _UNKNOWN = compute it)
        self._pending: dict[int, dict[int, StepInfo]] | None = None
        self._step_home: dict[int, int] = {}
        self._next_due: datetime | None | object = _UNKNOWN
        # what each capability stores about members (`bot.privacy`), set by the runtime
        self.member_rows: tuple[Any, ...] = ()

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect; with `migrate`, bring the schema to the newest revision first."""
        engine = db.create_engine(url)
        await db.check_reachable(engine)
        if migrate:
            await db.upgrade(engine)
        else:
            current, heads = await db.current_revisions(engine), db.head_revisions()
            if current != heads:
                await engine.dispose()
                raise db.StoreError(
                    f"the database schema is at {sorted(current) or 'nothing'}, the code needs "
                    f"{sorted(heads)}: run `qunbot db upgrade` first"
                )
        return cls(engine)

    async def close(self) -> None:
        await self.flush()
        await self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def insert(self, table: Any) -> Any:
        """A dialect insert that supports `on_conflict_do_update/nothing`."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def statement(self, name: str, build: Callable[[], Any]) -> Any:
        """The statement `name`, built by `build` on first use and reused after (a reused
        statement also reuses SQLAlchemy's cache key and compiled form). Statements take
        their values as parameters, never as literals."""
        stmt = self._statements.get(name)
        if stmt is None:
            stmt = self._statements[name] = build()
        return stmt

    def upsert(
        self, name: str, table: Any, keys: Sequence[Any], set_: Callable[[Any], dict[str, Any]]
    ) -> Any:
        """A cached `INSERT ... ON CONFLICT (keys) DO UPDATE SET set_(excluded)`."""

        def build() -> Any:
            stmt = self.insert(table)
            return stmt.on_conflict_do_update(index_elements=keys, set_=set_(stmt.excluded))

        return self.statement(name, build)

    def insert_new(self, name: str, table: Any, keys: Sequence[Any] | None = None) -> Any:
        """A cached `INSERT ... ON CONFLICT (keys) DO NOTHING` (any unique key without)."""
        return self.statement(
            name, lambda: self.insert(table).on_conflict_do_nothing(index_elements=keys)
        )

    def greatest(self, a: Any, b: Any) -> Any:
        return func.greatest(a, b) if self.dialect == "postgresql" else func.max(a, b)

    def least(self, a: Any, b: Any) -> Any:
        return func.least(a, b) if self.dialect == "postgresql" else func.min(a, b)

    # -- communities and members ---------------------------------------------------------------

    async def community(self, platform: str, external_id: str, name: str = "") -> CommunityRef:
        cached = self._communities.get((platform, external_id))
        if cached:
            return cached
        async with self.sessions.begin() as s:
            stmt = self.insert(Community).values(
                platform=platform, external_id=external_id, name=name, created_at=_utcnow()
            )
            await s.execute(stmt.on_conflict_do_nothing())
            row_id = await s.scalar(
                select(Community.id).where(
                    Community.platform == platform, Community.external_id == external_id
                )
            )
        ref = CommunityRef(int(row_id), platform, external_id)  # type: ignore[arg-type]
        self._communities[(platform, external_id)] = ref
        return ref

    async def existing_community(self, platform: str, external_id: str) -> CommunityRef | None:
        """The community if the bot has served it before (never creates one)."""
        cached = self._communities.get((platform, external_id))
        if cached:
            return cached
        async with self.sessions() as s:
            row_id = await s.scalar(
                select(Community.id).where(
                    Community.platform == platform, Community.external_id == external_id
                )
            )
        return None if row_id is None else await self.community(platform, external_id)

    @property
    def known_communities(self) -> int:
        """How many communities this process has seen (no query)."""
        return len(self._communities)

    async def communities(self) -> list[CommunityRef]:
        async with self.sessions() as s:
            rows = (await s.execute(select(Community))).scalars().all()
        return [CommunityRef(r.id, r.platform, r.external_id) for r in rows]

    def _members_query(self, ref: CommunityRef) -> Any:
        return (
            select(Member, DmReachability.reachable)
            .outerjoin(
                DmReachability,
                and_(
                    DmReachability.platform == ref.platform,
                    DmReachability.user_id == Member.user_id,
                ),
            )
            .where(Member.community_id == ref.id)
        )

    async def member(self, ref: CommunityRef, user_id: str) -> MemberInfo | None:
        """One member as stored (the community state reads this only after an eviction)."""
        async with self.sessions() as s:
            row = (
                await s.execute(self._members_query(ref).where(Member.user_id == user_id))
            ).first()
        if row is None:
            return None
        return self._with_unflushed(ref, _member_info(row[0], row[1]))

    def _with_unflushed(self, ref: CommunityRef, info: MemberInfo) -> MemberInfo:
        """Unflushed activity counts: a member who just spoke is not silent."""
        seen = self.buffer.last_seen(ref.id, info.user_id)
        if seen and (info.last_active_at is None or seen > info.last_active_at):
            return replace(
                info, last_active_at=seen, first_message_at=info.first_message_at or seen
            )
        return info

    async def members(self, ref: CommunityRef, *, present_only: bool = True) -> list[MemberInfo]:
        async with self.sessions() as s:
            rows = (await s.execute(self._members_query(ref))).all()
        infos = [self._with_unflushed(ref, _member_info(r[0], r[1])) for r in rows]
        return [m for m in infos if m.present] if present_only else infos

    async def load_members(self, ref: CommunityRef) -> dict[str, MemberInfo]:
        """Every member of a community, for its community state (one query)."""
        return {m.user_id: m for m in await self.members(ref, present_only=False)}

    async def load_member(self, ref: CommunityRef, user_id: str) -> MemberInfo | None:
        """One member, for a community state that evicted them (one query)."""
        return await self.member(ref, user_id)

    async def member_joined(self, ref: CommunityRef, actor: Actor, at: datetime) -> None:
        """The member row and one history row, together (write-through: reports and the
        welcome SOP depend on it after a restart)."""
        member = self.upsert("member_joined", Member, _MEMBER_KEY, _rejoined)
        history = _event(ref, actor.user_id, "join", at)
        row = _new_member_row(ref, actor, joined_at=at, join_count=1)
        if self.dialect == "postgresql":
            # both rows in one statement (`_joined_pg`): one round trip, no transaction
            params = {**row, "kind": "join", "at": at}
            both = self.statement("member_joined_pg", _joined_pg)
            await self.sessions.run(lambda conn: conn.execute(both, params), single=True)
            return

        def write(conn: Connection) -> None:
            # the history row first: a join already recorded (an event handled again after a
            # crash) must not count twice
            if conn.execute(self._history(), history).rowcount:
                conn.execute(member, row)

        await self.sessions.run(write)

    async def member_left(self, ref: CommunityRef, user_id: str, at: datetime) -> None:
        left = self.statement(
            "member_left",
            lambda: (
                update(Member)
                .where(Member.community_id == bindparam("cid"), Member.user_id == bindparam("uid"))
                .values(left_at=bindparam("at"))
            ),
        )
        history = self._history()

        def write(conn: Connection) -> None:
            conn.execute(left, {"cid": ref.id, "uid": user_id, "at": at})
            conn.execute(history, _event(ref, user_id, "leave", at))

        await self.sessions.run(write)

    def _history(self) -> Any:
        return self.insert_new("membership_event", MembershipEvent)

    async def membership_history(
        self, ref: CommunityRef, since: datetime, until: datetime
    ) -> list[tuple[str, str, datetime]]:
        """(user, join | leave, at) with since <= at < until, oldest first."""
        async with self.sessions() as s:
            rows = await s.execute(
                select(MembershipEvent.user_id, MembershipEvent.kind, MembershipEvent.at)
                .where(
                    MembershipEvent.community_id == ref.id,
                    MembershipEvent.at >= since,
                    MembershipEvent.at < until,
                )
                .order_by(MembershipEvent.at, MembershipEvent.id)
            )
            return [(r[0], r[1], r[2]) for r in rows]

    async def set_standing(self, ref: CommunityRef, actor: Actor, standing: str) -> None:
        """Who is staff survives a restart: written through when it changes."""
        stmt = self.upsert(
            "set_standing",
            Member,
            [Member.community_id, Member.user_id],
            lambda new: {"standing": new.standing, "is_bot": new.is_bot},
        )
        row = _new_member_row(ref, actor, join_count=0, standing=standing)
        await self.sessions.run(lambda conn: conn.execute(stmt, row), single=True)

    async def set_dm_reachable(
        self, platform: str, user_id: str, reachable: bool, why: str, at: datetime
    ) -> None:
        stmt = self.insert(DmReachability).values(
            platform=platform, user_id=user_id, reachable=reachable, why=why[:200], updated_at=at
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[DmReachability.platform, DmReachability.user_id],
            set_={"reachable": reachable, "why": why[:200], "updated_at": at},
        )
        async with self.sessions.begin() as s:
            await s.execute(stmt)

    async def dm_reachable(self, platform: str, user_id: str) -> bool | None:
        async with self.sessions() as s:
            row = await s.get(DmReachability, (platform, user_id))
        return None if row is None else row.reachable

    async def set_member_fields(
        self, ref: CommunityRef, user_ids: Iterable[str], **values: Any
    ) -> None:
        """e.g. `greeted_at=now` or `verified_at=now` for several members at once."""
        ids = list(user_ids)
        if not ids:
            return
        names = sorted(values)
        stmt = self.statement(
            "member_fields:" + ",".join(names),
            lambda: (
                update(Member)
                .where(
                    Member.community_id == bindparam("cid"),
                    Member.user_id.in_(bindparam("uids", expanding=True)),
                )
                .values({name: bindparam(f"v_{name}") for name in names})
            ),
        )
        params = {"cid": ref.id, "uids": ids, **{f"v_{k}": v for k, v in values.items()}}
        await self.sessions.run(lambda conn: conn.execute(stmt, params), single=True)

    async def count_joins_since(self, ref: CommunityRef, since: datetime) -> int:
        async with self.sessions() as s:
            return int(
                await s.scalar(
                    select(func.count())
                    .select_from(Member)
                    .where(Member.community_id == ref.id, Member.joined_at >= since)
                )
                or 0
            )

    # -- activity (write-behind) ---------------------------------------------------------------

    def record_message(
        self,
        ref: CommunityRef,
        actor: Actor,
        at: datetime,
        local: datetime,
        chars: int,
        links: int,
    ) -> None:
        self.buffer.add_message(
            ref.id,
            actor.user_id,
            actor.name,
            actor.is_bot,
            at,
            local.date(),
            local.hour,
            chars,
            links,
        )

    @property
    def flushing(self) -> bool:
        """A flush is writing (its rows are neither in the buffer nor yet in the database)."""
        return self._flush_lock.locked()

    async def flush(self, *, only: str | None = None) -> int:
        """Write buffered counters (and capability flush parts) in one transaction; returns the
        number of messages flushed. `only`: write just that flush part — for idempotent rows
        (ledger rows under their unique keys) a read needs in the middle of an event, without
        the event's counters, windows or key, which must go together."""
        async with self._flush_lock:
            parts = [
                (p, p.take())
                for name, p in self.flush_parts.items()
                if p.pending() and (only is None or name == only)
            ]
            if (only is not None or not self.buffer) and not parts:
                return 0
            batch = self.buffer.take() if only is None else CounterBuffer()

            def write(conn: Connection) -> None:
                # one greenlet, a plain connection: every part writes Core statements
                if batch:
                    self._flush_batch(conn, batch)
                for part, taken in parts:
                    part.write(conn, self, taken)

            try:
                await self.sessions.run(write)
            except Exception:
                # put everything back so a transient failure loses nothing
                self._merge_back(batch)
                for part, taken in parts:
                    part.merge_back(taken)
                raise
            return batch.events

    def _merge_back(self, batch: CounterBuffer) -> None:
        for key, (m, c, links) in batch.daily.items():
            row = self.buffer.daily.setdefault(key, [0, 0, 0])
            row[0] += m
            row[1] += c
            row[2] += links
        for key, n in batch.hourly.items():
            self.buffer.hourly[key] = self.buffer.hourly.get(key, 0) + n
        for key, delta in batch.members.items():
            mine = self.buffer.members.get(key)
            if mine is None:
                self.buffer.members[key] = delta
            else:
                mine.messages += delta.messages
                mine.first_at = min(mine.first_at, delta.first_at)
                mine.last_at = max(mine.last_at, delta.last_at)
        self.buffer.events += batch.events

    def _flush_batch(self, conn: Connection, batch: CounterBuffer) -> None:
        if batch.members:
            stmt = self.upsert(
                "flush.members",
                Member,
                [Member.community_id, Member.user_id],
                lambda new: {
                    "name": new.name,
                    "message_count": Member.message_count + new.message_count,
                    "first_message_at": func.coalesce(
                        Member.first_message_at, new.first_message_at
                    ),
                    "last_active_at": self.greatest(
                        func.coalesce(Member.last_active_at, new.last_active_at),
                        new.last_active_at,
                    ),
                },
            )
            conn.execute(
                stmt,
                [
                    {
                        "community_id": cid,
                        "user_id": uid,
                        "name": d.name,
                        "is_bot": d.is_bot,
                        "can_dm": True,
                        "join_count": 0,
                        "message_count": d.messages,
                        "first_message_at": d.first_at,
                        "last_active_at": d.last_at,
                    }
                    for (cid, uid), d in batch.members.items()
                ],
            )
        if batch.daily:
            stmt = self.upsert(
                "flush.daily",
                ActivityDaily,
                [ActivityDaily.community_id, ActivityDaily.user_id, ActivityDaily.day],
                lambda new: {
                    "messages": ActivityDaily.messages + new.messages,
                    "chars": ActivityDaily.chars + new.chars,
                    "links": ActivityDaily.links + new.links,
                },
            )
            conn.execute(
                stmt,
                [
                    {
                        "community_id": c,
                        "user_id": u,
                        "day": d,
                        "messages": m,
                        "chars": ch,
                        "links": lk,
                    }
                    for (c, u, d), (m, ch, lk) in batch.daily.items()
                ],
            )
        if batch.hourly:
            stmt = self.upsert(
                "flush.hourly",
                ActivityHourly,
                [ActivityHourly.community_id, ActivityHourly.day, ActivityHourly.hour],
                lambda new: {"messages": ActivityHourly.messages + new.messages},
            )
            conn.execute(
                stmt,
                [
                    {"community_id": c, "day": d, "hour": h, "messages": n}
                    for (c, d, h), n in batch.hourly.items()
                ],
            )

    async def daily_activity(
        self, ref: CommunityRef, start: date, end: date
    ) -> list[tuple[str, date, int]]:
        """(user, day, messages) for start <= day < end."""
        async with self.sessions() as s:
            rows = await s.execute(
                select(ActivityDaily.user_id, ActivityDaily.day, ActivityDaily.messages).where(
                    ActivityDaily.community_id == ref.id,
                    ActivityDaily.day >= start,
                    ActivityDaily.day < end,
                )
            )
            return [(r[0], r[1], r[2]) for r in rows]

    # -- audit log -----------------------------------------------------------------------------

    def log_audit(self, ref: CommunityRef, entries: list[dict[str, Any]]) -> None:
        """Audit rows, written by the next flush (write-behind: a crash may lose the rows since
        the last flush; see `AuditRows`)."""
        if entries:
            self.audit_rows.add(ref.id, entries)

    async def audit(self, ref: CommunityRef, entries: Sequence[dict[str, Any]]) -> None:
        """Audit rows written now (an operator's change on the dashboard), after the buffered
        ones, so the log keeps its order."""
        if not entries:
            return
        self.audit_rows.add(ref.id, [dict(e) for e in entries])
        await self.flush(only=AuditRows.NAME)

    async def settle_audit(self) -> None:
        """Write the buffered audit rows before the audit table is read (or forgotten)."""
        if self.audit_rows.pending():
            await self.flush(only=AuditRows.NAME)

    def write_audit(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Audit rows in one executemany, inside the flush's transaction."""
        stmt = self.statement("audit", lambda: self.insert(AuditEntry))
        conn.execute(stmt, [{**_AUDIT_DEFAULTS, **r} for r in rows])

    async def audit_log(self, ref: CommunityRef, limit: int = 100) -> list[dict[str, Any]]:
        await self.settle_audit()
        async with self.sessions() as s:
            rows = (
                (
                    await s.execute(
                        select(AuditEntry)
                        .where(AuditEntry.community_id == ref.id)
                        .order_by(AuditEntry.id.desc())
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
        return [audit_dict(r) for r in reversed(rows)]

    # -- pending steps -------------------------------------------------------------------------

    async def schedule_step(
        self,
        ref: CommunityRef,
        *,
        kind: str,
        key: str,
        due_at: datetime,
        user_id: str | None = None,
        payload: dict[str, Any] | None = None,
        created_at: datetime,
    ) -> bool:
        """Schedule once: a second call with the same key does nothing. True when new.
        Written through, and noted in the in-memory index of pending steps."""
        stored = json.loads(json.dumps(payload or {}))  # what a reload would read back
        stmt = self.statement(
            "schedule_step",
            lambda: (
                self.insert(PendingStep)
                .on_conflict_do_nothing(index_elements=[PendingStep.key])
                .returning(PendingStep.id)
            ),
        )
        index = await self._step_index()
        row = {
            "community_id": ref.id,
            "user_id": user_id,
            "kind": kind,
            "key": key,
            "due_at": due_at,
            "payload": stored,
            "status": "pending",
            "created_at": created_at,
        }

        def write(conn: Connection) -> tuple[Any, Any]:
            step_id = conn.execute(stmt, row).scalar()
            if step_id is not None:
                return step_id, None
            # the key was taken (a rerun, a redelivery, another process handling the same
            # event): nothing new, but the index must know the step if it is still pending
            return None, conn.execute(select(*_STEP_COLUMNS).where(PendingStep.key == key)).first()

        # one insert (the read after it, rare, is a read): no transaction around it
        step_id, taken = await self.sessions.run(write, single=True)
        if step_id is None:
            if taken is not None and taken.status == "pending" and taken.id not in self._step_home:
                self._index_add(index, _step_info(taken), taken.community_id)
            return False
        self._index_add(index, StepInfo(int(step_id), user_id, kind, key, due_at, stored), ref.id)
        return True

    def _index_add(
        self, index: dict[int, dict[int, StepInfo]], step: StepInfo, community_id: int
    ) -> None:
        index.setdefault(community_id, {})[step.id] = step
        self._step_home[step.id] = community_id
        due = self._next_due
        if isinstance(due, datetime):
            self._next_due = min(due, step.due_at)
        elif due is None:
            self._next_due = step.due_at

    def _index_drop(self, step_ids: Iterable[int]) -> None:
        index = self._pending
        for step_id in step_ids:
            home = self._step_home.pop(step_id, None)
            if home is not None and index is not None:
                steps = index.get(home)
                if steps is not None:
                    steps.pop(step_id, None)
                    if not steps:
                        del index[home]
        self._next_due = _UNKNOWN  # recomputed from memory when asked

    async def _step_index(self) -> dict[int, dict[int, StepInfo]]:
        """Every pending step, by community and id: read from the database once (and again
        after `steps_changed`), then kept current by the calls that schedule, finish and
        cancel steps — a tick with nothing due costs no query."""
        if self._pending is None:
            async with self.sessions() as s:
                rows = (
                    (await s.execute(select(PendingStep).where(PendingStep.status == "pending")))
                    .scalars()
                    .all()
                )
            index: dict[int, dict[int, StepInfo]] = {}
            home: dict[int, int] = {}
            for row in rows:
                if row.id in self.settled:  # done, written with the next flush
                    continue
                index.setdefault(row.community_id, {})[row.id] = _step_info(row)
                home[row.id] = row.community_id
            self._pending, self._step_home, self._next_due = index, home, _UNKNOWN
        return self._pending

    async def claim(self, ref: CommunityRef, kind: str, key: str, at: datetime) -> bool:
        """Take a once-only claim (e.g. "the report for week W"): True for the first caller
        ever, False for every later one — across restarts and processes (a unique key)."""
        stmt = (
            self.insert(PendingStep)
            .values(
                community_id=ref.id,
                user_id=None,
                kind=kind,
                key=f"{ref.id}:{kind}:{key}",
                due_at=at,
                payload={},
                status="done",
                created_at=at,
                done_at=at,
            )  # fmt: skip
            .on_conflict_do_nothing(index_elements=[PendingStep.key])
        )
        return bool(await self.sessions.run(lambda conn: conn.execute(stmt).rowcount, single=True))

    async def steps(
        self,
        ref: CommunityRef,
        *,
        kind_prefix: str = "",
        user_id: str | None = None,
        due_before: datetime | None = None,
        status: str = "pending",
    ) -> list[StepInfo]:
        """Steps of a community, earliest first: pending ones from the in-memory index (no
        query), others from the database."""
        if status == "pending":
            mine = (await self._step_index()).get(ref.id)
            if not mine:
                return []
            found = [
                st
                for st in mine.values()
                if st.kind.startswith(kind_prefix)
                and (user_id is None or st.user_id == user_id)
                and (due_before is None or st.due_at <= due_before)
            ]
            found.sort(key=_step_order)
            # a caller may change a payload: never the index's own
            return [replace(st, payload=dict(st.payload)) for st in found]
        conds = [
            PendingStep.community_id == ref.id,
            PendingStep.status == status,
            PendingStep.kind.startswith(kind_prefix),
        ]
        if user_id is not None:
            conds.append(PendingStep.user_id == user_id)
        if due_before is not None:
            conds.append(PendingStep.due_at <= due_before)
        async with self.sessions() as s:
            rows = (
                (
                    await s.execute(
                        select(PendingStep).where(and_(*conds)).order_by(PendingStep.due_at)
                    )
                )
                .scalars()
                .all()
            )
        return [_step_info(r) for r in rows]

    async def finish_steps(
        self, step_ids: Iterable[int], at: datetime, status: str = "done"
    ) -> int:
        """Move pending steps to `status`; only pending ones change, so two finishers never
        both win (the claim is the database's changed-row count, never the index). Returns
        how many changed."""
        ids = list(step_ids)
        if not ids:
            return 0
        stmt = self.statement(
            "finish_steps",
            lambda: (
                update(PendingStep)
                .where(
                    PendingStep.id.in_(bindparam("ids", expanding=True)),
                    PendingStep.status == "pending",
                )
                .values(status=bindparam("to"), done_at=bindparam("at"))
            ),
        )
        params = {"ids": ids, "to": status, "at": at}
        changed = await self.sessions.run(
            lambda conn: conn.execute(stmt, params).rowcount, single=True
        )
        # none of them is pending any more, whoever finished it
        self._index_drop(ids)
        return int(changed or 0)

    def settle_steps(self, step_ids: Iterable[int], at: datetime) -> None:
        """Due steps that carried nothing out: out of the due index now, marked done with the
        next flush (`bot/store/settled.py`). Not a claim: only for a decision that acts on
        nobody and runs under no lease."""
        ids = tuple(step_ids)
        self.settled.add(ids, at)
        self._index_drop(ids)

    async def cancel_steps(
        self, ref: CommunityRef, *, user_id: str, kind_prefix: str, at: datetime
    ) -> int:
        return await self._cancel_pending(
            ref,
            and_(PendingStep.user_id == user_id, PendingStep.kind.startswith(kind_prefix)),
            lambda st: st.user_id == user_id and st.kind.startswith(kind_prefix),
            at,
        )

    async def cancel_step_by_key(self, ref: CommunityRef, key: str, at: datetime) -> int:
        """Cancel one pending step by its unique key (a timeout's lift when the timeout never
        took effect)."""
        return await self._cancel_pending(ref, PendingStep.key == key, lambda st: st.key == key, at)

    async def _cancel_pending(
        self,
        ref: CommunityRef,
        condition: ColumnElement[bool],
        matches: Callable[[StepInfo], bool],
        at: datetime,
    ) -> int:
        """Cancel a community's pending steps that `condition` selects in the database and
        `matches` in the in-memory index (the same test, said twice: SQL and Python)."""
        async with self.sessions.begin() as s:
            result = await s.execute(
                update(PendingStep)
                .where(
                    PendingStep.community_id == ref.id,
                    condition,
                    PendingStep.status == "pending",
                )
                .values(status="cancelled", done_at=at)
            )
        mine = (self._pending or {}).get(ref.id, {})
        self._index_drop([i for i, st in list(mine.items()) if matches(st)])
        return int(result.rowcount or 0)

    def steps_changed(self) -> None:
        """Pending steps were changed behind the index's back (a forgotten member's, another
        process's after a lease changed hands): it is read again from the database."""
        self._pending, self._step_home, self._next_due = None, {}, _UNKNOWN

    def next_due(self) -> Any:
        """The earliest pending step's due time (None: nothing pending), from memory; a
        coroutine when the index must be read first (`await store.next_due_at()`)."""
        if self._pending is None:
            return self.next_due_at()
        if self._next_due is _UNKNOWN:
            self._next_due = min(
                (st.due_at for steps in self._pending.values() for st in steps.values()),
                default=None,
            )
        return self._next_due

    async def next_due_at(self) -> datetime | None:
        await self._step_index()
        return self.next_due()  # type: ignore[no-any-return]

    async def communities_with_due_steps(self, now: datetime) -> list[CommunityRef]:
        """Communities with a step due by `now`, from the index."""
        index = await self._step_index()
        due = [
            cid for cid, steps in index.items() if any(st.due_at <= now for st in steps.values())
        ]
        refs = {r.id: r for r in self._communities.values()}
        missing = [cid for cid in due if cid not in refs]
        if missing:
            async with self.sessions() as s:
                rows = await s.execute(
                    select(Community.id, Community.platform, Community.external_id).where(
                        Community.id.in_(missing)
                    )
                )
                refs.update({r[0]: CommunityRef(r[0], r[1], r[2]) for r in rows})
        return [refs[cid] for cid in sorted(due) if cid in refs]

    async def refresh_due_steps(self, now: datetime) -> None:
        """Bring the index's due part in line with the database (a real scheduler's poll, a
        few seconds apart): steps another process scheduled for a community this one serves
        appear, steps it finished go. Claims stay with `finish_steps` either way."""
        index = await self._step_index()
        async with self.sessions() as s:
            rows = (
                (
                    await s.execute(
                        select(PendingStep).where(
                            PendingStep.status == "pending", PendingStep.due_at <= now
                        )
                    )
                )
                .scalars()
                .all()
            )
        stored = {row.id for row in rows}
        gone = [
            i
            for steps in index.values()
            for i, st in steps.items()
            if st.due_at <= now and i not in stored
        ]
        if gone:
            self._index_drop(gone)
        for row in rows:
            if row.id not in self._step_home and row.id not in self.settled:
                self._index_add(index, _step_info(row), row.community_id)

    # -- small persistent state ----------------------------------------------------------------

    async def get_state(self, ref: CommunityRef, key: str) -> dict[str, Any] | None:
        stmt = self.statement(
            "get_state",
            lambda: select(CommunityState.value).where(
                CommunityState.community_id == bindparam("cid"),
                CommunityState.key == bindparam("key"),
            ),
        )
        params = {"cid": ref.id, "key": key}
        value = await self.sessions.read(lambda conn: conn.execute(stmt, params).scalar())
        return None if value is None else dict(value)

    def write_states(
        self, conn: Connection, rows: Sequence[tuple[int, str, dict[str, Any]]]
    ) -> None:
        """Community values in one executemany, inside the flush's transaction (the last
        value per key wins)."""
        latest = {(cid, key): value for cid, key, value in rows}
        if not latest:
            return
        stmt = self._state_upsert()
        now = _utcnow()
        conn.execute(
            stmt,
            [
                {"community_id": cid, "key": key, "value": value, "updated_at": now}
                for (cid, key), value in latest.items()
            ],
        )

    def _state_upsert(self) -> Any:
        return self.upsert(
            "community_state",
            CommunityState,
            [CommunityState.community_id, CommunityState.key],
            lambda new: {"value": new.value, "updated_at": new.updated_at},
        )

    async def set_state(
        self, ref: CommunityRef, key: str, value: dict[str, Any], at: datetime
    ) -> None:
        stmt = self._state_upsert()
        row = {"community_id": ref.id, "key": key, "value": value, "updated_at": at}
        await self.sessions.run(lambda conn: conn.execute(stmt, row), single=True)


_MEMBER_KEY = (Member.community_id, Member.user_id)


def _rejoined(new: Any) -> dict[str, Any]:
    """What a join changes in a member row already stored (`new`: the row it inserts)."""
    return {
        "joined_at": new.joined_at,
        # a join without a name keeps the one known
        "name": func.coalesce(func.nullif(new.name, ""), Member.name),
        "join_count": Member.join_count + 1,
        "verified_at": None,
    }


def _joined_pg() -> Any:
    """`member_joined` as one PostgreSQL statement: the history row inserted in a CTE, the
    member row upserted only when the history row was new — what the two statements of the
    other path do in one transaction."""
    history = (
        postgresql.insert(MembershipEvent)
        .values(
            community_id=bindparam("community_id"),
            user_id=bindparam("user_id"),
            kind=bindparam("kind"),
            at=bindparam("at"),
        )
        .on_conflict_do_nothing()
        .returning(MembershipEvent.id)
        .cte("history")
    )
    names = ("community_id", "user_id", "name", "is_bot", "can_dm", "message_count")
    columns = [*names, "joined_at", "join_count"]
    source = select(
        *(bindparam(n, type_=Member.__table__.c[n].type) for n in names),
        bindparam("at", type_=Member.__table__.c.joined_at.type),
        bindparam("join_count", type_=Member.__table__.c.join_count.type),
    ).where(select(history.c.id).exists())
    upsert = postgresql.insert(Member).from_select(columns, source).add_cte(history)
    return upsert.on_conflict_do_update(index_elements=_MEMBER_KEY, set_=_rejoined(upsert.excluded))


def _event(ref: CommunityRef, user_id: str, kind: str, at: datetime) -> dict[str, Any]:
    return {"community_id": ref.id, "user_id": user_id, "kind": kind, "at": at}


def _utcnow() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def _new_member_row(ref: CommunityRef, actor: Actor, **fields: Any) -> dict[str, Any]:
    """The member row an upsert inserts when the member is not stored yet."""
    return {
        "community_id": ref.id,
        "user_id": actor.user_id,
        "name": actor.name,
        "is_bot": actor.is_bot,
        "can_dm": actor.can_dm,
        "message_count": 0,
        **fields,
    }
