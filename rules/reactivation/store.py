"""Queries of the reactivation capability: nudges of silent members and /quiet opt-outs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import CommunityRef, Store
from bot.store.db import Taken
from rules.points.store import Credit, credit_in
from rules.reactivation.models import Nudge, QuietMember


@dataclass(frozen=True, slots=True)
class NudgeInfo:
    id: int
    user_id: str
    step: int
    via: str
    silent_since: datetime
    nudged_at: datetime
    returned_at: datetime | None


def _nudge_info(r: Nudge) -> NudgeInfo:
    return NudgeInfo(r.id, r.user_id, r.step, r.via, r.silent_since, r.nudged_at, r.returned_at)


_NUDGES_PER_STATEMENT = 500  # contacts claimed per executemany


async def quiet_members(store: Store, ref: CommunityRef) -> set[str]:
    async with store.sessions() as s:
        rows = await s.execute(
            select(QuietMember.user_id).where(QuietMember.community_id == ref.id)
        )
        return {r[0] for r in rows}


async def set_quiet(
    store: Store, ref: CommunityRef, user_id: str, quiet: bool, at: datetime
) -> None:
    async with store.sessions.begin() as s:
        if quiet:
            await s.execute(
                store.insert(QuietMember)
                .values(community_id=ref.id, user_id=user_id, at=at)
                .on_conflict_do_nothing(
                    index_elements=[QuietMember.community_id, QuietMember.user_id]
                )
            )
        else:
            await s.execute(
                delete(QuietMember).where(
                    QuietMember.community_id == ref.id, QuietMember.user_id == user_id
                )
            )


async def nudges_since(store: Store, ref: CommunityRef, since: datetime) -> list[NudgeInfo]:
    async with store.sessions() as s:
        rows = (
            await s.execute(
                select(Nudge)
                .where(Nudge.community_id == ref.id, Nudge.nudged_at >= since)
                .order_by(Nudge.id)
            )
        ).scalars()
        return [_nudge_info(r) for r in rows]


@dataclass(frozen=True, slots=True)
class NewNudge:
    user_id: str
    step: int
    via: str
    silent_since: datetime


async def record_nudges(
    store: Store, ref: CommunityRef, nudges: Sequence[NewNudge], at: datetime
) -> list[NewNudge]:
    """Record contacts, all or none: a member is never recorded twice for one step of one
    silence. Returns the nudges someone else already recorded — then none is recorded."""
    taken: list[NewNudge] = []
    try:
        async with store.sessions.begin() as s:
            step = _NUDGES_PER_STATEMENT
            for i in range(0, len(nudges), step):
                taken += await _record_some(store, s, ref, nudges[i : i + step], at)
            if taken:
                raise Taken(taken)
    except Taken:
        return taken
    return []


def _record_statement(store: Store) -> Any:
    """Contacts claimed in one executemany: a member's step of one silence is inserted once;
    the rows it returns are the ones this call took. Built once (a multi-row VALUES built per
    sweep was compiled anew each time)."""
    return store.statement(
        "reactivation.record_nudges",
        lambda: (
            store.insert(Nudge.__table__)
            .on_conflict_do_nothing(
                index_elements=[Nudge.community_id, Nudge.user_id, Nudge.step, Nudge.silent_since]
            )
            .returning(Nudge.user_id, Nudge.step)
        ),
    )


async def _record_some(
    store: Store, s: AsyncSession, ref: CommunityRef, nudges: Sequence[NewNudge], at: datetime
) -> list[NewNudge]:
    """Contacts claimed in one statement; returns those whose member's step of that silence
    was already taken (the rows the insert did not return)."""
    result = await s.execute(
        _record_statement(store),
        [
            {
                "community_id": ref.id,
                "user_id": n.user_id,
                "step": n.step,
                "via": n.via,
                "silent_since": n.silent_since,
                "nudged_at": at,
            }
            for n in nudges
        ],
    )
    inserted = Counter((r[0], r[1]) for r in result)
    taken = []
    for n in nudges:
        if inserted[(n.user_id, n.step)] > 0:
            inserted[(n.user_id, n.step)] -= 1
        else:
            taken.append(n)
    return taken


async def mark_returned(
    store: Store, ref: CommunityRef, user_id: str, at: datetime, credits: Sequence[Credit] = ()
) -> int:
    """The member posted again: close their open nudges and pay any comeback bonus, together."""
    async with store.sessions.begin() as s:
        result = await s.execute(
            update(Nudge)
            .where(
                Nudge.community_id == ref.id,
                Nudge.user_id == user_id,
                Nudge.returned_at.is_(None),
                Nudge.nudged_at <= at,
            )
            .values(returned_at=at)
        )
        await credit_in(s, store, ref, credits, at)
    return int(result.rowcount or 0)


@dataclass(frozen=True, slots=True)
class StepRate:
    nudged: int
    returned: int

    @property
    def rate(self) -> float:
        return self.returned / self.nudged if self.nudged else 0.0


async def reactivation_rate(
    store: Store,
    ref: CommunityRef,
    start: datetime,
    end: datetime,
    window: timedelta = timedelta(days=7),
) -> dict[int, StepRate]:
    """Per campaign step (0-based index in the playbook): members nudged with
    start <= nudged_at < end, and how many of them posted within `window` of the nudge."""
    async with store.sessions() as s:
        rows = (
            await s.execute(
                select(Nudge).where(
                    Nudge.community_id == ref.id, Nudge.nudged_at >= start, Nudge.nudged_at < end
                )
            )
        ).scalars()
        nudged: Counter[int] = Counter()
        returned: Counter[int] = Counter()
        for r in rows:
            nudged[r.step] += 1
            if r.returned_at is not None and r.returned_at - r.nudged_at <= window:
                returned[r.step] += 1
    return {step: StepRate(nudged[step], returned[step]) for step in sorted(nudged)}


@dataclass(frozen=True, slots=True)
class SweepNudge:
    """What a sweep needs of a recorded nudge: whom, which step of which silence, when."""

    user_id: str
    step: int
    silent_since: datetime
    nudged_at: datetime
    returned: bool = False


async def nudges_for_sweep(store: Store, ref: CommunityRef, since: datetime) -> list[SweepNudge]:
    """Nudges a sweep must know about: those within the contact-cap period, and every one whose
    member has not come back yet (their silence may be older)."""
    async with store.sessions() as s:
        # plain rows of the four columns a sweep reads, not ORM objects: nudges of members who
        # never came back pile up, and every daily sweep reads them all
        rows = await s.execute(
            select(
                Nudge.user_id,
                Nudge.step,
                Nudge.silent_since,
                Nudge.nudged_at,
                Nudge.returned_at.is_not(None),
            ).where(
                Nudge.community_id == ref.id,
                (Nudge.nudged_at >= since) | Nudge.returned_at.is_(None),
            )
        )
        return [SweepNudge(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


async def open_nudges(
    store: Store, ref: CommunityRef, user_id: str | None = None
) -> dict[str, datetime]:
    """Member → when they were last nudged, for members who have not posted since (with
    `user_id`, that member only)."""
    mine = () if user_id is None else (Nudge.user_id == user_id,)
    async with store.sessions() as s:
        rows = await s.execute(
            select(Nudge.user_id, func.max(Nudge.nudged_at))
            .where(Nudge.community_id == ref.id, Nudge.returned_at.is_(None), *mine)
            .group_by(Nudge.user_id)
        )
        return {r[0]: r[1] for r in rows}
