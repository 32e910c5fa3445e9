"""Queries of the points capability: the ledger, balances, tiers and the shop.

Every write that pays or spends points is one transaction: the ledger row (unique key per source
event) and the cached balance change together, or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, and_, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.frozen import quick_init
from bot.privacy import ANON_PREFIX
from bot.store import CommunityRef, Store
from bot.store.models import ActivityDaily
from rules.points.models import (
    MemberTier,
    PointsBalance,
    PointsEntry,
    Redemption,
    ShopStock,
    TierChange,
)

# sources that are spending, not earning: they lower the balance but never the XP
SPENDING = frozenset({"redeem"})


@quick_init  # made for every message
@dataclass(frozen=True, slots=True)
class Credit:
    """One ledger row to write. `key` is unique per community: the same key never pays twice."""

    user_id: str
    key: str
    source: str
    amount: int
    day: date
    ref: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Balance:
    xp: int = 0
    balance: int = 0


async def credit_in(
    s: AsyncSession,
    store: Store,
    ref: CommunityRef,
    credits: Iterable[Credit],
    at: datetime,
) -> list[Credit]:
    """Write ledger rows and their balance changes inside an open session transaction; rows
    whose key is already in the ledger are skipped. Returns the rows actually written."""
    taken = [_Deferred(ref.id, c, at) for c in credits]
    return await s.run_sync(lambda session: _write_credits(session.connection(), store, taken))


def _write_credits(s: Connection, store: Store, taken: Sequence[_Deferred]) -> list[Credit]:
    """Ledger rows in one executemany (a key already in the ledger, or twice in `taken`, pays
    once), then one balance upsert per member for the rows that were new. Statements built
    once (`Store.statement`), values as parameters."""
    by_key: dict[tuple[int, str], _Deferred] = {}
    for d in taken:
        by_key.setdefault((d.community_id, d.credit.key[:200]), d)
    if not by_key:
        return []
    stmt = store.statement(
        "points.ledger",
        lambda: (
            store.insert(PointsEntry)
            .on_conflict_do_nothing(index_elements=[PointsEntry.community_id, PointsEntry.key])
            .returning(PointsEntry.community_id, PointsEntry.key)
        ),
    )
    rows = [_ledger_row(d.community_id, key, d.credit, d.at) for (_, key), d in by_key.items()]
    result = s.execute(stmt, rows[0] if len(rows) == 1 else rows)
    new = {(community_id, key) for community_id, key in result.all()}
    written: list[Credit] = []
    totals: dict[tuple[int, str], list[Any]] = {}
    for k, d in by_key.items():  # in the order given
        if k not in new:
            continue
        written.append(d.credit)
        entry = totals.setdefault((d.community_id, d.credit.user_id), [0, 0, d.at])
        entry[0] += 0 if d.credit.source in SPENDING else d.credit.amount
        entry[1] += d.credit.amount
        entry[2] = max(entry[2], d.at)
    if totals:
        upsert = store.upsert(
            "points.balance",
            PointsBalance,
            [PointsBalance.community_id, PointsBalance.user_id],
            _balance_added,
        )
        params = [
            {"community_id": c, "user_id": u, "xp": xp, "balance": bal, "updated_at": when}
            for (c, u), (xp, bal, when) in totals.items()
        ]
        s.execute(upsert, params[0] if len(params) == 1 else params)
    return written


_LEDGER_COLUMNS = (
    "community_id",
    "user_id",
    "key",
    "source",
    "amount",
    "at",
    "day",
    "ref",
    "reason",
)


def _ledger_row(community_id: int, key: str, c: Credit, at: datetime) -> dict[str, Any]:
    return {
        "community_id": community_id,
        "user_id": c.user_id,
        "key": key,
        "source": c.source,
        "amount": c.amount,
        "at": at,
        "day": c.day,
        "ref": c.ref,
        "reason": c.reason[:300],
    }  # fmt: skip


async def credit(
    store: Store, ref: CommunityRef, credits: Sequence[Credit], at: datetime
) -> list[Credit]:
    """Pay (or take, with negative amounts) in one transaction. Returns what was new. Queued
    chat points need not be written first: keys differ and balance changes add up."""
    if not credits:
        return []
    if len(credits) == 1 and store.dialect == "postgresql":
        # one row (a level-up's): row and balance in one statement, one round trip
        c = credits[0]
        stmt = store.statement("points.credit_one_pg", _credit_one_pg)
        params = {**_ledger_row(ref.id, c.key[:200], c, at), "spent": c.source in SPENDING}
        new = await store.sessions.run(lambda conn: conn.execute(stmt, params).first(), single=True)
        return [] if new is None else [c]
    taken = [_Deferred(ref.id, c, at) for c in credits]
    return await store.sessions.run(lambda conn: _write_credits(conn, store, taken))


def _credit_one_pg() -> Any:
    """`_write_credits` for one row as one PostgreSQL statement: the ledger row inserted in a
    CTE (nothing when its key is taken), the balance upserted from what it returned; returns
    the row's key when it was new."""
    entry = (
        postgresql.insert(PointsEntry)
        .values({name: bindparam(name) for name in _LEDGER_COLUMNS})
        .on_conflict_do_nothing(index_elements=[PointsEntry.community_id, PointsEntry.key])
        .returning(
            PointsEntry.community_id,
            PointsEntry.user_id,
            PointsEntry.key,
            PointsEntry.amount,
            PointsEntry.at,
        )  # fmt: skip
        .cte("entry")
    )
    spent = bindparam("spent", type_=Boolean)
    balance = postgresql.insert(PointsBalance).from_select(
        ["community_id", "user_id", "xp", "balance", "updated_at"],
        select(
            entry.c.community_id,
            entry.c.user_id,
            case((spent, 0), else_=entry.c.amount),
            entry.c.amount,
            entry.c.at,
        ),
    )
    balance = balance.on_conflict_do_update(
        index_elements=[PointsBalance.community_id, PointsBalance.user_id],
        set_=_balance_added(balance.excluded),
    )
    return select(entry.c.key).add_cte(balance.cte("balance"))


def _balance_added(new: Any) -> dict[str, Any]:
    """A balance row already stored, plus `new` (the row the upsert inserts)."""
    return {
        "xp": PointsBalance.xp + new.xp,
        "balance": PointsBalance.balance + new.balance,
        "updated_at": new.updated_at,
    }


@dataclass(slots=True)
class _Deferred:
    community_id: int
    credit: Credit
    at: datetime


class CreditBuffer:
    """Message points waiting for the next flush: paying a chat message must not cost a
    transaction of its own. The ledger's unique key still decides what is paid — a row whose
    key exists is skipped at flush time and its balance is not touched. A crash loses at most
    the points of the last flush interval, never pays twice."""

    NAME = "points.credits"

    def __init__(self) -> None:
        self.rows: list[_Deferred] = []

    def add(self, ref: CommunityRef, credits: Iterable[Credit], at: datetime) -> None:
        self.rows += [_Deferred(ref.id, c, at) for c in credits]

    def pending(self) -> bool:
        return bool(self.rows)

    def take(self) -> list[_Deferred]:
        taken, self.rows = self.rows, []
        return taken

    def merge_back(self, taken: list[_Deferred]) -> None:
        self.rows = taken + self.rows

    def write(self, s: Connection, store: Store, taken: list[_Deferred]) -> None:
        _write_credits(s, store, taken)


async def settle_credits(store: Store, concerns: Callable[[_Deferred], bool] | None = None) -> None:
    """Reads of the ledger and balances first write queued message points — with `concerns`,
    only when a queued row is one the read could see (a reaction's key is never queued, so
    checking it must not flush every buffered counter)."""
    part = store.flush_parts.get(CreditBuffer.NAME)
    if not isinstance(part, CreditBuffer) or not part.pending():
        return
    if concerns is None or any(concerns(row) for row in part.rows):
        # only the queued ledger rows (idempotent by key): the event under way keeps its
        # counters, windows and key for one flush together (every event once)
        await store.flush(only=CreditBuffer.NAME)


def credit_later(store: Store, ref: CommunityRef, credits: Sequence[Credit], at: datetime) -> None:
    """Queue ledger rows for the store's next flush (see CreditBuffer)."""
    part = store.flush_parts.get(CreditBuffer.NAME)
    if not isinstance(part, CreditBuffer):
        part = CreditBuffer()
        store.flush_parts[CreditBuffer.NAME] = part
    part.add(ref, credits, at)


async def balance_of(store: Store, ref: CommunityRef, user_id: str) -> Balance:
    await settle_credits(store)
    async with store.sessions() as s:
        row = await s.get(PointsBalance, (ref.id, user_id))
    return Balance(row.xp, row.balance) if row else Balance()


async def earned_on(store: Store, ref: CommunityRef, user_id: str, day: date) -> dict[str, int]:
    """Points earned per source on one local day (for daily caps after a restart)."""
    await settle_credits(
        store,
        lambda d: d.community_id == ref.id and d.credit.user_id == user_id and d.credit.day == day,
    )
    async with store.sessions() as s:
        rows = await s.execute(
            select(PointsEntry.source, func.sum(PointsEntry.amount))
            .where(
                PointsEntry.community_id == ref.id,
                PointsEntry.user_id == user_id,
                PointsEntry.day == day,
            )
            .group_by(PointsEntry.source)
        )
        return {r[0]: int(r[1] or 0) for r in rows}


async def ledger_has(store: Store, ref: CommunityRef, key: str) -> bool:
    await settle_credits(store, lambda d: d.community_id == ref.id and d.credit.key == key)
    async with store.sessions() as s:
        found = await s.scalar(
            select(PointsEntry.id).where(PointsEntry.community_id == ref.id, PointsEntry.key == key)
        )
    return found is not None


async def ledger(store: Store, ref: CommunityRef, user_id: str) -> list[tuple[str, str, int]]:
    """(key, source, amount) of a member's ledger rows, oldest first."""
    await settle_credits(store)
    async with store.sessions() as s:
        rows = await s.execute(
            select(PointsEntry.key, PointsEntry.source, PointsEntry.amount)
            .where(PointsEntry.community_id == ref.id, PointsEntry.user_id == user_id)
            .order_by(PointsEntry.id)
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def revoke_message_points(
    store: Store, ref: CommunityRef, message_id: str, at: datetime
) -> dict[str, int]:
    """Take back every point paid for a message (its message points, reactions it received, a
    newcomer-reply bonus) — call it when moderation deletes the message. Idempotent: a second
    call revokes nothing. Returns {user: points taken}.

    Points still queued for the flush are revoked by rows queued beside them (written in the
    same flush transaction), so deleting a message costs no flush; points already in the
    ledger are revoked in a transaction now."""
    part = store.flush_parts.get(CreditBuffer.NAME)
    if part is not None and store.flushing:
        await store.flush()  # rows being written now must be seen in the ledger
    queued = part.rows if isinstance(part, CreditBuffer) else []
    mine = [d for d in queued if d.community_id == ref.id]
    pending = [d.credit for d in mine if d.credit.ref == message_id]
    revoking = {d.credit.key for d in mine if d.credit.source == "revoke"}
    async with store.sessions.begin() as s:
        # the rows, summed here: with a GROUP BY, SQLite's planner scans the community's whole
        # ledger (ix_points_ledger_member, ~10 ms) instead of the message's rows (ix_..._ref)
        found = await s.execute(
            select(PointsEntry.user_id, PointsEntry.day, PointsEntry.amount).where(
                PointsEntry.community_id == ref.id, PointsEntry.ref == message_id
            )
        )
        grouped: dict[tuple[str, date], int] = {}
        for user_id, day, amount in found:
            grouped[(user_id, day)] = grouped.get((user_id, day), 0) + int(amount or 0)
        rows = [(u, d, grouped[(u, d)]) for u, d in sorted(grouped)]  # as GROUP BY ordered them
        net: dict[str, tuple[int, date]] = {}
        for user_id, day, amount in [*rows, *((c.user_id, c.day, c.amount) for c in pending)]:
            total, _ = net.get(user_id, (0, day))
            net[user_id] = (total + int(amount or 0), day)
        credits = [
            Credit(
                user,
                f"revoke:{message_id}:{user}",
                "revoke",
                -amount,
                day,
                None,
                f"message {message_id} deleted",
            )
            for user, (amount, day) in net.items()
            if amount > 0 and f"revoke:{message_id}:{user}" not in revoking
        ]
        if pending:  # the revocation rides the flush with the rows it cancels
            done = set(
                await s.scalars(
                    select(PointsEntry.key).where(
                        PointsEntry.community_id == ref.id,
                        PointsEntry.key.in_([c.key for c in credits]),
                    )
                )
            )
            credits = [c for c in credits if c.key not in done]
            credit_later(store, ref, credits, at)
            written: Sequence[Credit] = credits
        else:
            written = await credit_in(s, store, ref, credits, at)
    return {c.user_id: -c.amount for c in written}


async def points_leaderboard(
    store: Store,
    ref: CommunityRef,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 10,
) -> list[tuple[str, int]]:
    """(user, points earned) for start <= at < end (all time when both are None), best first.
    Spending in the shop does not lower a member's place."""
    await settle_credits(store)
    conds = [
        PointsEntry.community_id == ref.id,
        PointsEntry.source.not_in(SPENDING),
        PointsEntry.user_id.not_like(f"{ANON_PREFIX}%"),  # forgotten members are not ranked
    ]
    if start is not None:
        conds.append(PointsEntry.at >= start)
    if end is not None:
        conds.append(PointsEntry.at < end)
    total = func.sum(PointsEntry.amount)
    async with store.sessions() as s:
        rows = await s.execute(
            select(PointsEntry.user_id, total)
            .where(and_(*conds))
            .group_by(PointsEntry.user_id)
            .having(total > 0)
            .order_by(total.desc(), PointsEntry.user_id)
            .limit(limit)
        )
        return [(r[0], int(r[1])) for r in rows]


async def xp_position(store: Store, ref: CommunityRef, user_id: str) -> tuple[int, int]:
    """(position by XP, members with points). Position 0 when the member has none."""
    await settle_credits(store)
    async with store.sessions() as s:
        mine = await s.scalar(
            select(PointsBalance.xp).where(
                PointsBalance.community_id == ref.id, PointsBalance.user_id == user_id
            )
        )
        ranked = int(
            await s.scalar(
                select(func.count())
                .select_from(PointsBalance)
                .where(PointsBalance.community_id == ref.id, PointsBalance.xp > 0)
            )
            or 0
        )
        if mine is None or mine <= 0:
            return 0, ranked
        above = int(
            await s.scalar(
                select(func.count())
                .select_from(PointsBalance)
                .where(PointsBalance.community_id == ref.id, PointsBalance.xp > mine)
            )
            or 0
        )
    return above + 1, ranked


async def all_balances(store: Store, ref: CommunityRef) -> dict[str, Balance]:
    await settle_credits(store)
    async with store.sessions() as s:
        rows = await s.execute(
            select(PointsBalance.user_id, PointsBalance.xp, PointsBalance.balance).where(
                PointsBalance.community_id == ref.id
            )
        )
        return {r[0]: Balance(r[1], r[2]) for r in rows}


# -- tiers -------------------------------------------------------------------------------------


async def member_tiers(store: Store, ref: CommunityRef) -> dict[str, str]:
    query = select(MemberTier.user_id, MemberTier.tier).where(MemberTier.community_id == ref.id)
    # Core rows in one greenlet (`Sessions.read`): the daily tiers run reads every member
    return await store.sessions.read(lambda conn: {r[0]: r[1] for r in conn.execute(query)})


@dataclass(frozen=True, slots=True)
class TierMove:
    user_id: str
    from_tier: str | None
    to_tier: str
    promoted: bool
    at: datetime | None = None


async def apply_tier_moves(
    store: Store, ref: CommunityRef, moves: Sequence[TierMove], at: datetime
) -> None:
    if not moves:
        return
    upsert = store.insert(MemberTier)
    upsert = upsert.on_conflict_do_update(
        index_elements=[MemberTier.community_id, MemberTier.user_id],
        set_={"tier": upsert.excluded.tier, "since": upsert.excluded.since},
    )
    async with store.sessions.begin() as s:
        # one executemany: the first daily run places every member at once
        await s.execute(
            upsert,
            [
                {"community_id": ref.id, "user_id": m.user_id, "tier": m.to_tier, "since": at}
                for m in moves
            ],
        )
        await s.execute(
            store.insert(TierChange),
            [
                {
                    "community_id": ref.id,
                    "user_id": m.user_id,
                    "from_tier": m.from_tier,
                    "to_tier": m.to_tier,
                    "promoted": m.promoted,
                    "at": at,
                }
                for m in moves
            ],
        )


async def tier_distribution(store: Store, ref: CommunityRef) -> dict[str, int]:
    """Members per tier now (as of the last daily evaluation)."""
    async with store.sessions() as s:
        rows = await s.execute(
            select(MemberTier.tier, func.count())
            .where(MemberTier.community_id == ref.id)
            .group_by(MemberTier.tier)
        )
        return {r[0]: int(r[1]) for r in rows}


@dataclass(frozen=True, slots=True)
class TierMovement:
    promotions: int
    demotions: int
    by_pair: dict[tuple[str | None, str], int]
    moves: list[TierMove] = field(default_factory=list)


async def tier_movement(
    store: Store, ref: CommunityRef, start: datetime, end: datetime
) -> TierMovement:
    """Tier changes with start <= at < end. A member's first placement counts as a promotion
    only when it is above the lowest tier (that is how the rule records it)."""
    async with store.sessions() as s:
        rows = (
            (
                await s.execute(
                    select(TierChange)
                    .where(
                        TierChange.community_id == ref.id,
                        TierChange.at >= start,
                        TierChange.at < end,
                    )
                    .order_by(TierChange.id)
                )
            )
            .scalars()
            .all()
        )
    moves = [TierMove(r.user_id, r.from_tier, r.to_tier, r.promoted, r.at) for r in rows]
    pairs: Counter[tuple[str | None, str]] = Counter((m.from_tier, m.to_tier) for m in moves)
    promotions = sum(1 for m in moves if m.promoted)
    demotions = sum(1 for m in moves if not m.promoted and m.from_tier is not None)
    return TierMovement(promotions, demotions, dict(pairs), moves)


async def active_days(store: Store, ref: CommunityRef, start: date, end: date) -> dict[str, int]:
    """Days with at least one message per member, start <= day < end."""
    query = (
        select(ActivityDaily.user_id, func.count())
        .where(
            ActivityDaily.community_id == ref.id,
            ActivityDaily.day >= start,
            ActivityDaily.day < end,
            ActivityDaily.messages > 0,
        )
        .group_by(ActivityDaily.user_id)
    )
    return await store.sessions.read(lambda conn: {r[0]: int(r[1]) for r in conn.execute(query)})


# -- shop --------------------------------------------------------------------------------------


async def shop_sold(store: Store, ref: CommunityRef) -> dict[str, int]:
    async with store.sessions() as s:
        rows = await s.execute(
            select(ShopStock.item, ShopStock.sold).where(ShopStock.community_id == ref.id)
        )
        return {r[0]: int(r[1]) for r in rows}


class _Refused(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


async def redeem(
    store: Store,
    ref: CommunityRef,
    *,
    user_id: str,
    item: str,
    cost: int,
    stock: int | None,
    key: str,
    day: date,
    at: datetime,
) -> str:
    """Spend `cost` points on `item` in ONE transaction: the redemption row, the stock count
    (`sold < stock` checked in the same UPDATE) and the balance (`balance >= cost` likewise) and
    the ledger row all change, or none does. Returns "ok", "duplicate", "stock" or "balance"."""
    await settle_credits(store)
    try:
        async with store.sessions.begin() as s:
            row = (
                store.insert(Redemption)
                .values(community_id=ref.id, user_id=user_id, item=item, cost=cost, key=key, at=at)
                .on_conflict_do_nothing(index_elements=[Redemption.community_id, Redemption.key])
            )
            if not (await s.execute(row)).rowcount:
                raise _Refused("duplicate")
            if stock is not None:
                await s.execute(
                    store.insert(ShopStock)
                    .values(community_id=ref.id, item=item, sold=0)
                    .on_conflict_do_nothing(index_elements=[ShopStock.community_id, ShopStock.item])
                )
                sold = await s.execute(
                    update(ShopStock)
                    .where(
                        ShopStock.community_id == ref.id,
                        ShopStock.item == item,
                        ShopStock.sold < stock,
                    )
                    .values(sold=ShopStock.sold + 1)
                )
                if not sold.rowcount:
                    raise _Refused("stock")
            paid = await s.execute(
                update(PointsBalance)
                .where(
                    PointsBalance.community_id == ref.id,
                    PointsBalance.user_id == user_id,
                    PointsBalance.balance >= cost,
                )
                .values(balance=PointsBalance.balance - cost, updated_at=at)
            )
            if not paid.rowcount:
                raise _Refused("balance")
            await s.execute(
                store.insert(PointsEntry).values(
                    community_id=ref.id,
                    user_id=user_id,
                    key=key,
                    source="redeem",
                    amount=-cost,
                    at=at,
                    day=day,
                    ref=None,
                    reason=f"redeemed {item}"[:300],
                )
            )
    except _Refused as refused:
        return refused.why
    return "ok"


async def redemptions(store: Store, ref: CommunityRef, user_id: str | None = None) -> list[str]:
    """Items redeemed (oldest first), optionally by one member."""
    conds = [Redemption.community_id == ref.id]
    if user_id is not None:
        conds.append(Redemption.user_id == user_id)
    async with store.sessions() as s:
        rows = await s.execute(select(Redemption.item).where(*conds).order_by(Redemption.id))
        return [r[0] for r in rows]


@dataclass(frozen=True, slots=True)
class PointsState:
    xp: int
    balance: int
    day: date | None  # the latest day with ledger rows in the community
    today: dict[str, int]  # earned per source on that day
    last_paid_at: datetime | None  # when a chat message last paid


async def points_state(store: Store, ref: CommunityRef) -> dict[str, PointsState]:
    """What the points part of the community state holds, for every member at once: balances,
    earnings of the latest ledger day (daily caps) and the last paid message (cooldowns)."""
    await settle_credits(store)
    async with store.sessions() as s:
        balances = {
            r[0]: (int(r[1]), int(r[2]))
            for r in await s.execute(
                select(PointsBalance.user_id, PointsBalance.xp, PointsBalance.balance).where(
                    PointsBalance.community_id == ref.id
                )
            )
        }
        latest = await s.scalar(
            select(func.max(PointsEntry.day)).where(PointsEntry.community_id == ref.id)
        )
        today: dict[str, dict[str, int]] = {}
        if latest is not None:
            rows = await s.execute(
                select(PointsEntry.user_id, PointsEntry.source, func.sum(PointsEntry.amount))
                .where(PointsEntry.community_id == ref.id, PointsEntry.day == latest)
                .group_by(PointsEntry.user_id, PointsEntry.source)
            )
            for user, source, amount in rows:
                today.setdefault(user, {})[source] = int(amount or 0)
        last = {
            r[0]: r[1]
            for r in await s.execute(
                select(PointsEntry.user_id, func.max(PointsEntry.at))
                .where(PointsEntry.community_id == ref.id, PointsEntry.source == "message")
                .group_by(PointsEntry.user_id)
            )
        }
    users = set(balances) | set(today) | set(last)
    return {
        u: PointsState(*balances.get(u, (0, 0)), latest, today.get(u, {}), _aware(last.get(u)))
        for u in users
    }


async def member_points_state(
    store: Store, ref: CommunityRef, user_id: str, day: date | None
) -> PointsState | None:
    """One member's `points_state` (earnings of `day`, the state's latest ledger day), for a
    member evicted from the community state; None when the ledger has nothing of theirs."""
    await settle_credits(store, lambda d: d.community_id == ref.id and d.credit.user_id == user_id)
    mine = (PointsEntry.community_id == ref.id, PointsEntry.user_id == user_id)
    async with store.sessions() as s:
        row = (
            await s.execute(
                select(PointsBalance.xp, PointsBalance.balance).where(
                    PointsBalance.community_id == ref.id, PointsBalance.user_id == user_id
                )
            )
        ).first()
        if row is None:
            return None  # no ledger row ever (a balance is written with each)
        today: dict[str, int] = {}
        if day is not None:
            rows = await s.execute(
                select(PointsEntry.source, func.sum(PointsEntry.amount))
                .where(*mine, PointsEntry.day == day)
                .group_by(PointsEntry.source)
            )
            today = {source: int(amount or 0) for source, amount in rows}
        last = await s.scalar(
            select(func.max(PointsEntry.at)).where(*mine, PointsEntry.source == "message")
        )
    return PointsState(int(row[0]), int(row[1]), day, today, _aware(last))


def _aware(when: datetime | None) -> datetime | None:
    """MAX() over a UTC column comes back naive on SQLite."""
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=UTC)
